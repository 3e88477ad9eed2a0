#!/usr/bin/env bash
# One hung router stalls nothing: beside a simulated router that never
# answers (it sleeps far past the worker's 6 s command deadline) two good
# ones are polled every interval (2 s, +-1 s, from their last_seen in the
# database), plan orders placed meanwhile complete in under a second, and
# stopping takes under 2 s even mid-push: `wisp worker` on SIGTERM and the
# console's own worker on `q` (in tmux). What the router confirmed before the
# stop is recorded; the rest goes next time.
# The measured figures are in the assertions' names, and as "figure ..." lines
# on stderr (the file's log).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../tools/sim.sh"
chmod 755 "$T"
sim_init "$T/sim" || { _fail "simulator set up" "sim_init failed"; exit 1; }
WP=
cleanup() {
    [ -n "$WP" ] && kill -KILL -- "-$WP" 2>/dev/null
    tmux -S "$T/tmux.sock" kill-server 2>/dev/null
    sim_stop
}
trap cleanup EXIT
sim_router good1 routeros --identity good-1
sim_router good2 routeros --identity good-2
sim_router hung routeros --identity hung
base=$(sim_ports 3)
sim_sshd a "$base=good1" "$((base + 1))=good2" "$((base + 2))=hung"
FA=$(cat "$SIM_DIR/a.fp")
export WISP_SSH_CONNECT_TIMEOUT=5 WISP_SSH_COMMAND_TIMEOUT=6

w db migrate
w plan add 1h --price 5 --duration 1h
port=$base
for r in good1 good2 hung; do
    w router add "$r" --host 127.0.0.1 --port "$port" --user wispsim --key "$SIM_KEY" --driver routeros --hostkey "$FA"
    port=$((port + 1))
done
w voucher create --plan 1h --count 100
w worker --once
t_eq "all three up before the hang" 3 "$(sql "SELECT count(*) FROM routers WHERE state = 'up'")"
sim_admin hung mode hang

now_ms() { date +%s%3N; }
figure() { printf 'figure %s\n' "$*" >&2; }

# --- the good routers' poll spacing, orders meanwhile ----------------------------
setsid "$WISP" worker --interval 2 >"$T/w.log" 2>&1 &
WP=$!
t0=$(date +%s.%N)
# Times are taken where things happen, never by this script (which a busy
# machine may stall): a poll is the router's own record of the health command
# (the simulator's commands.log), an order's time is created_at to
# completed_at in the database.
for i in $(seq 120); do # 24 s; plan orders placed 1, 3, 5 and 12 s in
    if [ "$i" = 6 ] || [ "$i" = 16 ] || [ "$i" = 26 ] || [ "$i" = 60 ]; then
        "$WISP" order add --product 1h --customer 0700111222 --json >/dev/null
    fi
    sleep 0.2
done
t_contains "the hung router timed out meanwhile" "hung:" "$(grep 'did not finish a command' "$T/w.log")"
for r in good1 good2; do
    # the poll's seconds since this worker started, one line each
    jq -r --argjson t0 "$t0" 'select(.t >= $t0 and (.cmd | contains("/system resource print"))) | .t' \
        "$SIM_DIR/r/$r/commands.log" >"$T/polls.$r"
    polls=$(wc -l <"$T/polls.$r")
    gap=$(awk 'NR > 1 { g = ($1 - prev) * 1000; if (g > max) max = g } { prev = $1 }
               END { printf "%d", max }' "$T/polls.$r")
    t_ok "$r polled at least 9 times in 24 s beside a hung router (got ${polls:-0})" test "${polls:-0}" -ge 9
    t_ok "$r: polls at most 3 s apart (interval 2 s +-1 s; longest ${gap:-none} ms)" test "${gap:-99999}" -le 3000
    figure "$r poll spacing: longest ${gap:-none} ms over ${polls:-0} polls, interval 2 s"
done
order_ms=($(sql "SELECT coalesce((extract(epoch FROM completed_at - created_at) * 1000)::int, 99999)
                 FROM orders ORDER BY id"))
t_eq "four orders placed" 4 "${#order_ms[@]}"
for ms in "${order_ms[@]}"; do
    t_ok "a plan order completes in under 1 s while a router hangs (${ms} ms)" test "$ms" -lt 1000
done
figure "order fulfilment while a router hangs: ${order_ms[*]} ms"
t_eq "four orders completed" 4 "$(sql "SELECT count(*) FROM orders WHERE status = 'completed'")"

# --- SIGTERM mid-push ---------------------------------------------------------------
w voucher create --plan 1h --count 4000 --router good1 --json
BIG=$(jq -r .batch_id <<<"$OUT")
synced() { sql "SELECT count(*) FROM voucher_routers vr JOIN vouchers v ON v.id = vr.voucher_id JOIN routers r ON r.id = vr.router_id WHERE v.batch_id = $BIG AND r.name = 'good1' AND vr.state = 'synced'"; }
for _ in $(seq 200); do [ "$(synced)" -gt 0 ] && break; sleep 0.05; done
before=$(synced)
t_ok "the push is under way when the worker is told to stop ($before of 4000)" test "$before" -gt 0 -a "$before" -lt 4000
s=$(now_ms)
kill -TERM "$WP"
for _ in $(seq 200); do kill -0 "$WP" 2>/dev/null || break; sleep 0.02; done
quit_ms=$(($(now_ms) - s))
wait "$WP"
t_eq "SIGTERM: the worker exits 0" 0 $?
WP=
t_ok "SIGTERM mid-push: stopped in under 2 s (${quit_ms} ms)" test "$quit_ms" -lt 2000
figure "wisp worker on SIGTERM mid-push with a router hanging: ${quit_ms} ms"
t_contains "it says it stopped" "stopped after" "$(cat "$T/w.log")"
recorded=$(synced)
on_router=$(sim_admin good1 users | jq '[.[] | .name] | length')
t_ok "what was recorded was confirmed by the router ($recorded recorded, $on_router there)" test "$recorded" -le "$((on_router - 100))"
t_ok "the stop came before the push was done ($recorded of 4000)" test "$recorded" -lt 4000
sim_admin hung mode normal
w worker --cycles 3 --interval 0
t_eq "the rest goes next time" 4000 "$(synced)"
t_eq "and the router holds them all" 4100 "$(sim_admin good1 users | jq length)"

# --- the console's q mid-push --------------------------------------------------------
sim_admin hung mode hang
sql "UPDATE routers SET next_try_at = NULL, state = 'up'" >/dev/null
w voucher create --plan 1h --count 4000 --router good2 --json
BIG2=$(jq -r .batch_id <<<"$OUT")
rm -f "$SIM_DIR/r/hung/hanging"
tmux -S "$T/tmux.sock" new-session -d -s wisp -x 160 -y 40 \
    "env TERM=xterm-256color WISP_WORKER_EMBEDDED=on WISP_WORKER_INTERVAL=2 WISP_SSH_COMMAND_TIMEOUT=30 WISP_DB='$WISP_DB' WISP_REDIS='$WISP_REDIS' PGHOST='$PGHOST' PGPORT='$PGPORT' PGUSER='$PGUSER' XDG_CONFIG_HOME='$XDG_CONFIG_HOME' XDG_STATE_HOME='$XDG_STATE_HOME' '$WISP'; echo wisp-exit=\$?; sleep 30"
screen() { tmux -S "$T/tmux.sock" capture-pane -p -t wisp; }
for _ in $(seq 100); do screen | grep -q "worker (console)" && break; sleep 0.1; done
t_contains "the console runs its own worker" "worker (console)" "$(screen)"
synced2() { sql "SELECT count(*) FROM voucher_routers vr JOIN vouchers v ON v.id = vr.voucher_id WHERE v.batch_id = $BIG2 AND vr.state = 'synced'"; }
for _ in $(seq 200); do [ "$(synced2)" -gt 0 ] && break; sleep 0.05; done
t_ok "its push is under way ($(synced2) of 4000)" test "$(synced2)" -gt 0 -a "$(synced2)" -lt 4000
for _ in $(seq 100); do [ -f "$SIM_DIR/r/hung/hanging" ] && break; sleep 0.05; done
t_ok "and the hung router holds a round" test -f "$SIM_DIR/r/hung/hanging"
s=$(now_ms)
tmux -S "$T/tmux.sock" send-keys -t wisp q
for _ in $(seq 300); do screen | grep -q "wisp-exit=" && break; sleep 0.02; done
q_ms=$(($(now_ms) - s))
t_contains "q: the console exits 0" "wisp-exit=0" "$(screen)"
t_ok "q mid-push with a router hanging: the console is gone in under 2 s (${q_ms} ms)" test "$q_ms" -lt 2000
figure "console q mid-push with a router hanging: ${q_ms} ms"
t_eq "q: the console's worker left no heartbeat" 0 "$(sql "SELECT count(*) FROM workers")"
t_eq "q: and no leases" 0 "$(sql "SELECT count(*) FROM routers WHERE lease_owner IS NOT NULL")"
