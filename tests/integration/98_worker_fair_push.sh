#!/usr/bin/env bash
# Pushing is chunked and fair: with 6,000 vouchers of unassigned stock (which
# goes to every router), `wisp worker --once` pushes a bounded amount to each
# router and finishes; a running worker keeps every router's poll interval
# while the backlog goes out over several rounds (times from the routers' own
# command logs), a router with nothing to push is polled on time beside it,
# and in the end every router holds every voucher.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../tools/sim.sh"
chmod 755 "$T"
sim_init "$T/sim" || { _fail "simulator set up" "sim_init failed"; exit 1; }
WP=
cleanup() {
    [ -n "$WP" ] && kill -KILL -- "-$WP" 2>/dev/null
    sim_stop
}
trap cleanup EXIT
figure() { printf 'figure %s\n' "$*" >&2; }
now_ms() { date +%s%3N; }
for r in big1 big2 quiet; do sim_router "$r" routeros --identity "$r"; done
base=$(sim_ports 3)
sim_sshd a "$base=big1" "$((base + 1))=big2" "$((base + 2))=quiet"
FA=$(cat "$SIM_DIR/a.fp")

w db migrate
w plan add 1h --price 5 --duration 1h
port=$base
for r in big1 big2 quiet; do
    w router add "$r" --host 127.0.0.1 --port "$port" --user wispsim --key "$SIM_KEY" --driver routeros --hostkey "$FA"
    port=$((port + 1))
done
w router maintenance quiet on
w voucher create --plan 1h --count 6000 --json
t_eq "6,000 vouchers of unassigned stock" 0 "$RC"
synced() { sql "SELECT count(*) FROM voucher_routers vr JOIN routers r ON r.id = vr.router_id WHERE r.name = '$1' AND vr.state = 'synced'"; }

s=$(now_ms)
w worker --once
once_ms=$(($(now_ms) - s))
t_eq "--once exits 0" 0 "$RC"
t_ok "--once finishes in bounded time with a 6,000-voucher backlog (${once_ms} ms)" test "$once_ms" -lt 15000
for r in big1 big2; do
    n=$(synced "$r")
    t_ok "$r: a bounded amount pushed in one round ($n, at most 2,000)" test "$n" -gt 0 -a "$n" -le 2000
done
figure "worker --once with 6,000 unassigned vouchers over 2 routers: ${once_ms} ms"

# the quiet router has nothing to push (it held everything before the batch)
w router maintenance quiet off
sql "INSERT INTO voucher_routers (voucher_id, router_id, state)
     SELECT v.id, r.id, 'synced' FROM vouchers v, routers r WHERE r.name = 'quiet'" >/dev/null
t0=$(date +%s.%N)
setsid "$WISP" worker --interval 2 >"$T/w.log" 2>&1 &
WP=$!
sleep 12
kill -TERM "$WP"
wait "$WP"
t_eq "the worker exits 0" 0 $?
WP=
for r in big1 big2 quiet; do
    jq -r --argjson t0 "$t0" 'select(.t >= $t0 and (.cmd | contains("/system resource print"))) | .t' \
        "$SIM_DIR/r/$r/commands.log" >"$T/polls.$r"
    polls=$(wc -l <"$T/polls.$r")
    gap=$(awk 'NR > 1 { g = ($1 - prev) * 1000; if (g > max) max = g } { prev = $1 }
               END { printf "%d", max }' "$T/polls.$r")
    t_ok "$r polled at least 5 times in 12 s (got $polls)" test "$polls" -ge 5
    t_ok "$r: polls at most 3 s apart while the backlog is pushed (interval 2 s; longest ${gap:-none} ms)" \
        test "${gap:-99999}" -le 3000
    figure "$r poll spacing while 6,000 vouchers are pushed: longest ${gap:-none} ms over $polls polls"
done
b1=$(synced big1)
t_ok "the backlog went out over several rounds ($b1 of 6,000 on big1)" test "$b1" -gt 2000
t_eq "the quiet router was pushed nothing" 0 "$(grep -cE 'quiet: [0-9]+ ms, up, 0 sessions, [1-9]' "$T/w.log")"

w worker --cycles 6 --interval 0
for r in big1 big2; do
    t_eq "$r holds every voucher in the end" 6000 "$(sim_admin "$r" users | jq length)"
    t_eq "$r: all recorded synced" 6000 "$(synced "$r")"
done
