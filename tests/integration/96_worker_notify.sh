#!/usr/bin/env bash
# `wisp worker` as a systemd Type=notify service, with systemd's end played
# by tests/tools/notify_listen.py (a unix datagram socket, NOTIFY_SOCKET):
# READY=1 comes from the worker's own pid once its first tick is through
# (not while the database holds that tick up, and never when it cannot
# connect at all), STATUS= says how many routers it leased, WATCHDOG=1 comes
# every half WATCHDOG_USEC, and none without WATCHDOG_USEC or for another
# WATCHDOG_PID. The pings come from the loop itself: while the loop waits on
# a lock in PostgreSQL (the process running, its backend waiting) they stop,
# as they do while the process is SIGSTOPped, and come back after. SIGTERM
# gives STOPPING=1 and exit 0. An abstract socket (@name) works as a path does.
. "$(dirname "$0")/../lib.sh"
LISTEN=$(cd "$(dirname "$0")/../tools" && pwd)/notify_listen.py
PIDS=()
cleanup() {
    local p
    for p in "${PIDS[@]}"; do kill -KILL -- "-$p" "$p" 2>/dev/null; done
}
trap cleanup EXIT
figure() { printf 'figure %s\n' "$*" >&2; }

w db migrate
# a router that is never there: leased all the same (STATUS counts it)
w router add r1 --host 127.0.0.1 --port 1 --user nobody --key /dev/null --driver routeros \
    --accept-new-hostkey
t_eq "the router is added" 0 "$RC"

# listen NAME SOCKET SECONDS: a listener on SOCKET, its datagrams in $T/NAME.jsonl
listen() {
    rm -f "$T/$1.jsonl" "$T/$1.jsonl.ready"
    setsid /usr/bin/python3 "$LISTEN" "$2" "$T/$1.jsonl" "$3" &
    PIDS+=($!)
    for _ in $(seq 100); do [ -s "$T/$1.jsonl.ready" ] && return 0; sleep 0.05; done
    return 1
}
# times NAME LINE: the time of each datagram holding LINE as one of its lines
times() { jq -r --arg m "$2" 'select(.msg | split("\n") | index($m)) | .t' "$T/$1.jsonl"; }
count() { times "$1" "$2" | wc -l; }
# wait_for NAME LINE SECONDS
wait_for() {
    for _ in $(seq $(($3 * 20))); do [ "$(count "$1" "$2")" -gt 0 ] && return 0; sleep 0.05; done
    return 1
}
# gaps FILE-OF-TIMES: the gaps between consecutive times, in ms, one a line
gaps() { awk 'NR > 1 { printf "%d\n", ($1 - prev) * 1000 } { prev = $1 }'; }
lock_workers() { # hold the workers table for $1 s, from another session
    psql -XAtq -c "BEGIN; LOCK TABLE workers IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep($1); COMMIT;" >/dev/null &
    LOCKER=$!
    for _ in $(seq 100); do
        [ "$(sql "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
                  WHERE c.relname = 'workers' AND l.mode = 'AccessExclusiveLock' AND l.granted")" = 1 ] && return 0
        sleep 0.02
    done
    return 1
}

# --- cannot connect: no READY ------------------------------------------------------
listen nodb "$T/nodb.sock" 10 || _fail "listener up" "no socket"
NOTIFY_SOCKET=$T/nodb.sock WISP_DB="host=$T/nowhere dbname=none connect_timeout=2" \
    timeout 20 "$WISP" worker --interval 1 2>"$T/nodb.log"
t_eq "no database: the worker exits 1" 1 $?
sleep 0.3
t_eq "no database: no READY=1 sent" 0 "$(count nodb READY=1)"

# --- READY after the first tick, watchdog pings, a hung loop, SIGSTOP, SIGTERM ------------
listen main "$T/main.sock" 120 || _fail "listener up" "no socket"
lock_workers 3 || _fail "lock taken" "workers not locked"
t0=$(date +%s.%N)
NOTIFY_SOCKET=$T/main.sock WATCHDOG_USEC=1000000 setsid "$WISP" worker --interval 1 2>"$T/main.log" &
WP=$!
PIDS+=("$WP")
wait_for main READY=1 15
ready_t=$(times main READY=1 | head -n 1)
wait "$LOCKER"
t_eq "READY=1 sent once" 1 "$(count main READY=1)"
after=$(awk -v a="${ready_t:-0}" -v b="$t0" 'BEGIN { printf "%d", (a - b) * 1000 }')
t_ok "READY=1 waits for the first tick, held 3 s by a lock on workers (came ${after} ms after start)" \
    test "$after" -ge 2500
t_eq "READY=1 comes from the worker's own pid" "$WP" \
    "$(jq -r 'select(.msg | split("\n") | index("READY=1")) | .pid' "$T/main.jsonl" | head -n 1)"
t_eq "and by then it beats in workers" 1 "$(sql "SELECT count(*) FROM workers WHERE pid = $WP")"
t_match "READY=1 carries a STATUS" '^STATUS=running, routers leased: [0-9]+$' \
    "$(jq -r 'select(.msg | split("\n") | index("READY=1")) | .msg' "$T/main.jsonl")"
sleep 4.2
t_match "STATUS after a tick: routers leased, the cycle" '^STATUS=routers leased: 1, cycle [0-9]+ in [0-9]+ ms$' \
    "$(jq -r '.msg' "$T/main.jsonl")"
# pings once it runs: every 500 ms (+ the loop's 100 ms step), none late
times main WATCHDOG=1 | awk -v r="$ready_t" '$1 >= r' >"$T/pings.steady"
n=$(wc -l <"$T/pings.steady")
gaps <"$T/pings.steady" >"$T/gaps.steady"
lo=$(sort -n "$T/gaps.steady" | head -n 1) hi=$(sort -n "$T/gaps.steady" | tail -n 1)
med=$(sort -n "$T/gaps.steady" | awk '{ g[NR] = $1 } END { if (NR) print g[int((NR + 1) / 2)] }')
t_ok "WATCHDOG=1 about every 500 ms in 4 s (got $n)" test "$n" -ge 5 -a "$n" -le 10
t_ok "pings half the timeout apart (median gap ${med:-none} ms)" test "${med:-0}" -ge 480 -a "${med:-99999}" -le 700
t_ok "none much sooner than half the timeout (shortest gap ${lo:-none} ms; 100 ms for the listener's jitter)" test "${lo:-0}" -ge 400
t_ok "none later than the timeout itself (longest gap ${hi:-none} ms)" test "${hi:-99999}" -lt 1000
figure "watchdog pings at WATCHDOG_USEC=1000000: $n in 4 s, gaps ${lo:-?}-${hi:-?} ms (median ${med:-?})"
t_eq "pings come from the worker's pid" "$WP" "$(jq -r 'select(.msg == "WATCHDOG=1") | .pid' "$T/main.jsonl" | sort -u)"

# the loop held in PostgreSQL: the process runs, its pings stop, then come back
lock_workers 4 || _fail "lock taken" "workers not locked"
tl=$(date +%s.%N)
for _ in $(seq 100); do
    [ "$(sql "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query ~* 'workers'")" -gt 0 ] && break
    sleep 0.05
done
t_eq "the worker's loop waits on the lock" 1 \
    "$(sql "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query ~* 'workers'")"
t_match "its process is running, not stopped" '^[RS]$' "$(awk '{print $3}' "/proc/$WP/stat")"
wait "$LOCKER"
tu=$(date +%s.%N)
sleep 1.5
times main WATCHDOG=1 | awk -v a="$tl" -v b="$tu" '$1 > a + 1 && $1 < b - 0.2' >"$T/pings.hung"
t_eq "no WATCHDOG=1 while the loop is stuck in the database" 0 "$(wc -l <"$T/pings.hung")"
t_ok "pings again once the database answers" test "$(times main WATCHDOG=1 | awk -v b="$tu" '$1 > b' | wc -l)" -ge 2

# SIGSTOP: nothing; SIGCONT: pings again
kill -STOP "$WP"
ts=$(date +%s.%N)
sleep 2
tc=$(date +%s.%N) # before SIGCONT: the overdue ping comes at once after it
kill -CONT "$WP"
sleep 1.5
t_eq "no WATCHDOG=1 while stopped" 0 "$(times main WATCHDOG=1 | awk -v a="$ts" -v b="$tc" '$1 > a + 0.2 && $1 < b' | wc -l)"
t_ok "pings again after SIGCONT" test "$(times main WATCHDOG=1 | awk -v b="$tc" '$1 > b' | wc -l)" -ge 2

kill -TERM "$WP"
wait "$WP"
t_eq "SIGTERM: the worker exits 0" 0 $?
sleep 0.2
t_eq "SIGTERM: STOPPING=1 sent" 1 "$(count main STOPPING=1)"
t_eq "STOPPING=1 after READY=1" 1 "$(awk -v r="$ready_t" -v s="$(times main STOPPING=1 | head -n 1)" 'BEGIN { print (s > r) ? 1 : 0 }')"

# --- no watchdog asked: READY, no pings; an abstract socket -----------------------------
listen nowd "@wisp-test-$$-nowd" 30 || _fail "listener up" "no socket"
NOTIFY_SOCKET=@wisp-test-$$-nowd setsid "$WISP" worker --interval 1 2>"$T/nowd.log" &
WP=$!
PIDS+=("$WP")
wait_for nowd READY=1 10
sleep 2.5
kill -TERM "$WP"
wait "$WP"
t_eq "abstract socket: READY=1" 1 "$(count nowd READY=1)"
t_eq "abstract socket: STOPPING=1" 1 "$(count nowd STOPPING=1)"
t_eq "without WATCHDOG_USEC: no WATCHDOG=1" 0 "$(count nowd WATCHDOG=1)"

# --- WATCHDOG_PID names another process: not asked of us ---------------------------------
listen other "$T/other.sock" 30 || _fail "listener up" "no socket"
NOTIFY_SOCKET=$T/other.sock WATCHDOG_USEC=1000000 WATCHDOG_PID=1 setsid "$WISP" worker --interval 1 2>"$T/other.log" &
WP=$!
PIDS+=("$WP")
wait_for other READY=1 10
sleep 2.5
kill -TERM "$WP"
wait "$WP"
t_eq "WATCHDOG_PID of another process: READY=1 still" 1 "$(count other READY=1)"
t_eq "WATCHDOG_PID of another process: no WATCHDOG=1" 0 "$(count other WATCHDOG=1)"

# --- no NOTIFY_SOCKET: as before ------------------------------------------------------------
w worker --once
t_eq "no NOTIFY_SOCKET: a worker runs as before" 0 "$RC"
