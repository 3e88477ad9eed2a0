#!/usr/bin/env bash
# One Redis connection per process: a worker's cycles and its routers'
# sessions, and a command that publishes, each open one connection, counted
# by Redis itself (INFO stats total_connections_received). Redis stopped
# and started again under a running worker: the worker goes on, logs one
# line, does not hammer the dead socket (connects counted by a listener
# that hangs up on each), and its events and metrics come back by themselves;
# a hung Redis holds up no router round. The console holds two connections.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../tools/sim.sh"
chmod 755 "$T"
RS=$T/r96.sock
wpid='' rpid='' subs=()
stop_all() {
    [ -z "$rpid" ] || kill -CONT "$rpid" 2>/dev/null
    [ -z "$wpid" ] || kill "$wpid" 2>/dev/null
    for p in "${subs[@]}"; do kill "$p" 2>/dev/null; done
    sim_stop
    tmux -S "$T/tmux.sock" kill-server 2>/dev/null
    redis-cli -s "$RS" SHUTDOWN NOSAVE >/dev/null 2>&1
}
trap stop_all EXIT
redis_up() {
    redis-server --port 0 --unixsocket "$RS" --save '' --appendonly no --daemonize yes \
        --logfile "$T/r96.log" >/dev/null
    for _ in $(seq 50); do [ "$(redis-cli -s "$RS" PING 2>/dev/null)" = PONG ] && return 0; sleep 0.1; done
    return 1
}
rc() { redis-cli -s "$RS" "$@"; }
# opened: OPENED = connections Redis accepted since the last call, less
# this call's own.
last=0 OPENED=0
opened() {
    local now
    now=$(rc INFO stats | tr -d '\r' | awk -F: '$1 == "total_connections_received" {print $2}')
    OPENED=$((now - last - 1))
    last=$now
}
# subscribe FILE: wisp:events into FILE, once subscribed.
subscribe() {
    redis-cli -s "$RS" SUBSCRIBE wisp:events >"$1" 2>&1 &
    subs+=($!)
    for _ in $(seq 30); do grep -q subscribe "$1" 2>/dev/null && break; sleep 0.1; done
}

sim_init "$T/sim" || { _fail "simulator set up" "sim_init failed"; exit 1; }
sim_router r1 routeros --version 7
sim_router r2 routeros --version 7
sim_router r3 routeros --version 6
base=$(sim_ports 3)
sim_sshd a "$base=r1" "$((base + 1))=r2" "$((base + 2))=r3"
export WISP_SSH_CONNECT_TIMEOUT=10 WISP_SSH_COMMAND_TIMEOUT=20
redis_up || { _fail "private Redis" "did not start"; exit 1; }
export WISP_REDIS=unix://$RS

w db migrate
w plan add 1h --price 1 --duration 1h
for i in 1 2 3; do
    w router add "r$i" --host 127.0.0.1 --port "$((base + i - 1))" --user wispsim --key "$SIM_KEY" \
        --driver routeros --accept-new-hostkey
    w voucher create --plan 1h --count 12 --router "r$i"
done
w worker --once
t_eq "vouchers pushed" 12 "$(sim_admin r3 users | jq length)"
# login N FROM: N sessions on each router, from voucher FROM (0-based) on
login() {
    local i k code
    for i in 1 2 3; do
        mapfile -t codes < <(sql "SELECT v.code FROM vouchers v JOIN voucher_routers vr ON vr.voucher_id = v.id JOIN routers r ON r.id = vr.router_id WHERE r.name = 'r$i' ORDER BY v.id")
        for ((k = $2; k < $2 + $1; k++)); do
            code=${codes[$k]}
            sim_admin "r$i" login "$code" "aa:00:00:00:0$i:$(printf %02x "$k")" "10.5.5$i.$((k + 10))"
        done
    done
}
login 2 0

# --- a worker: one connection, whatever the cycles and the sessions --------
opened
w worker --cycles 2 --interval 1
t_eq "worker, 2 cycles: exits 0" 0 "$RC"
opened
t_eq "worker, 2 cycles over 3 routers x 2 sessions: one Redis connection" 1 "$OPENED"
t_eq "sessions imported" 6 "$(sql "SELECT count(*) FROM sessions WHERE state = 'active'")"
w worker --cycles 6 --interval 1
opened
t_eq "worker, 6 cycles: still one connection" 1 "$OPENED"
login 8 2
w worker --cycles 3 --interval 1
opened
t_eq "sessions imported" 30 "$(sql "SELECT count(*) FROM sessions WHERE state = 'active'")"
t_eq "worker, 3 routers x 10 sessions: still one connection" 1 "$OPENED"
t_ok "and it fed the metrics path" test "$(rc XLEN wisp:m:stream:samples)" -ge 3

# --- a command that publishes: one connection, and the event goes out ------
subscribe "$T/sub1.out"
opened
code=$(sql "SELECT code FROM vouchers WHERE status = 'new' ORDER BY id DESC LIMIT 1")
w voucher sell "$code"
t_eq "voucher sell exits 0" 0 "$RC"
opened
t_eq "voucher sell (metrics note and event): one connection" 1 "$OPENED"
sleep 0.3
t_contains "its event was published before the process ended" '"type":"voucher.sell"' "$(cat "$T/sub1.out")"
w plan list
opened
t_eq "a command that changes nothing opens none" 0 "$OPENED"

# --- the console: its subscription, and one connection for the rest ---------
mapfile -t two < <(sql "SELECT code FROM vouchers WHERE status = 'new' ORDER BY id DESC LIMIT 2")
opened
console_start 120 40 || _fail "console started" "no tabs in time"
tmux -S "$T/tmux.sock" send-keys -t wisp 5 # the Metrics pane reads Redis on every event
sleep 1
for c in "${two[@]}"; do
    w voucher sell "$c"
    sleep 1
done
tmux -S "$T/tmux.sock" send-keys -t wisp q
tm_stop
opened
t_eq "console redrawing on 2 sales: 2 connections (subscription, commands), +1 per sale" \
    4 "$OPENED"

# --- Redis down and back under a running worker -----------------------------
"$WISP" worker --interval 1 >"$T/wk.log" 2>&1 &
wpid=$!
for _ in $(seq 100); do grep -q 'cycle 2:' "$T/wk.log" && break; sleep 0.1; done
t_contains "worker running" "cycle 2:" "$(cat "$T/wk.log")"
# the log's length before Redis goes: the worker may tell the outage at once
mark=$(wc -l <"$T/wk.log")
rc SHUTDOWN NOSAVE >/dev/null 2>&1
for p in "${subs[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
subs=()
before=$(grep -c 'cycle [0-9]*:' "$T/wk.log")
sleep 3 # connection refused: the socket is gone
# Then a socket that takes each connection and hangs up at once, as a
# dying Redis does: every attempt to reach Redis is counted.
rm -f "$RS"
timeout 20 python3 - "$RS" 6 >"$T/attempts" <<'PY' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])
s.listen(64)
s.settimeout(0.1)
n, end = 0, time.time() + float(sys.argv[2])
while time.time() < end:
    try:
        c, _ = s.accept()
    except socket.timeout:
        continue
    n += 1
    c.close()
s.close()
import os
os.unlink(sys.argv[1])
print(n)
PY
lst=$!
wait "$lst"
attempts=$(cat "$T/attempts")
t_ok "9 s without Redis: the worker goes on" kill -0 "$wpid"
t_ok "  and keeps cycling" test "$(grep -c 'cycle [0-9]*:' "$T/wk.log")" -ge $((before + 5))
t_ok "6 s of a Redis that hangs up: at most 3 connects, by the back-off (got $attempts)" \
    test "$attempts" -le 3
redis_up || _fail "Redis back" "did not start"
last=0
subscribe "$T/sub2.out"
ok=1
for _ in $(seq 150); do
    if grep -q '"type":"worker.cycle"' "$T/sub2.out" && [ -n "$(rc GET wisp:m:swept)" ]; then
        ok=0
        break
    fi
    sleep 0.1
done
t_eq "Redis back: events and metrics resume by themselves within 15 s" 0 "$ok"
t_ok "  live state too" test "$(rc KEYS 'wisp:worker:*' | grep -c .)" -ge 1
outage=$(tail -n +"$((mark + 1))" "$T/wk.log" | grep -i redis)
t_eq "the outage in the log: one line" 1 "$(grep -c . <<<"$outage")"
t_contains "  saying Redis is down" "Redis is down" "$outage"
opened
sleep 3
opened
t_eq "after the restart, cycles go on over the one connection" 0 "$OPENED"

# --- a Redis that hangs (SIGSTOP): the worker goes on, and so do events after
rpid=$(rc INFO server | tr -d '\r' | awk -F: '$1 == "process_id" {print $2}')
before=$(grep -c 'cycle [0-9]*:' "$T/wk.log")
mark=$(wc -l <"$T/wk.log")
kill -STOP "$rpid"
sleep 4
t_ok "4 s of a hung Redis: the worker keeps cycling" \
    test "$(grep -c 'cycle [0-9]*:' "$T/wk.log")" -ge $((before + 3))
kill -CONT "$rpid"
rpid=''
sleep 0.5
# Redis's timeout is 500 ms: a router round that waited on it takes longer.
slow=$(tail -n +"$((mark + 1))" "$T/wk.log" | grep -E '^.* worker:   r[0-9]: [0-9]+ ms' |
    awk '{ms = $5; if (ms + 0 >= 500) print}')
t_eq "while Redis hangs, no router round waits on it (none of 500 ms or more)" "" "$slow"
seen=$(grep -c '"type":"worker.cycle"' "$T/sub2.out")
ok=1
for _ in $(seq 150); do
    [ "$(grep -c '"type":"worker.cycle"' "$T/sub2.out")" -gt "$seen" ] && { ok=0; break; }
    sleep 0.1
done
t_eq "Redis answers again: events resume by themselves within 15 s" 0 "$ok"
kill "$wpid"
wait "$wpid"
t_eq "worker stops cleanly" 0 "$?"
wpid=''
t_not_contains "worker log: no sanitizer report" "Sanitizer" "$(cat "$T/wk.log")"
