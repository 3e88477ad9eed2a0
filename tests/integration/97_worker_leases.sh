#!/usr/bin/env bash
# Three workers, then two, share ten simulated routers by leases (interval
# 2 s): every router polled by one of them, none polled twice in one
# interval, and when one worker is killed (SIGKILL: no goodbye) its routers
# are polled by the others within two intervals. Times are the routers' own:
# a poll is the simulator's commands.log entry of "/system resource print".
# Then one worker over the ten routers with ten sessions each: its own CPU
# per router poll, reported.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../tools/sim.sh"
chmod 755 "$T"
sim_init "$T/sim" || { _fail "simulator set up" "sim_init failed"; exit 1; }
PIDS=()
cleanup() {
    local p
    for p in "${PIDS[@]}"; do kill -KILL -- "-$p" 2>/dev/null; done
    sim_stop
}
trap cleanup EXIT
figure() { printf 'figure %s\n' "$*" >&2; }
N=10
base=$(sim_ports "$N")
pairs=()
for i in $(seq 1 "$N"); do
    sim_router "r$i" routeros --identity "lease-$i"
    pairs+=("$((base + i - 1))=r$i")
done
sim_sshd a "${pairs[@]}"
FA=$(cat "$SIM_DIR/a.fp")

w db migrate
w plan add 1h --price 5 --duration 1h
for i in $(seq 1 "$N"); do
    w router add "r$i" --host 127.0.0.1 --port "$((base + i - 1))" --user wispsim --key "$SIM_KEY" \
        --driver routeros --hostkey "$FA"
done
w worker --once
t_eq "ten routers up" "$N" "$(sql "SELECT count(*) FROM routers WHERE state = 'up'")"

t0=$(date +%s.%N)
for k in 1 2 3; do
    setsid "$WISP" worker --interval 2 >"$T/w$k.log" 2>&1 &
    PIDS+=($!)
done
sleep 12
leased3=$(sql "SELECT count(DISTINCT lease_owner) FROM routers")
shares3=$(sql "SELECT string_agg(n::text, ',' ORDER BY n) FROM (SELECT count(*) n FROM routers GROUP BY lease_owner) s")
t_eq "three workers hold leases" 3 "$leased3"
t_eq "fair shares of ten (4, 4, 2 or so)" "2,4,4" "$shares3"
tk=$(date +%s.%N)
kill -KILL -- "-${PIDS[2]}"
wait "${PIDS[2]}" 2>/dev/null
sleep 10
t_eq "two workers hold all ten" "2|$N" "$(sql "SELECT count(DISTINCT lease_owner) || '|' || count(*) FROM routers WHERE lease_owner IS NOT NULL")"
for k in 0 1; do kill -TERM "${PIDS[$k]}"; done
for k in 0 1; do wait "${PIDS[$k]}"; done
PIDS=()
t_eq "stopped: no leases left" 0 "$(sql "SELECT count(*) FROM routers WHERE lease_owner IS NOT NULL")"

# each router's polls (seconds since the workers started), from its own log
worst_min=99999 worst_max=0 worst_kill=0 polled=0
for i in $(seq 1 "$N"); do
    jq -r --argjson t0 "$t0" 'select(.t >= $t0 and (.cmd | contains("/system resource print"))) | .t' \
        "$SIM_DIR/r/r$i/commands.log" >"$T/polls.r$i"
    [ "$(wc -l <"$T/polls.r$i")" -ge 8 ] && polled=$((polled + 1))
    # the shortest and longest gaps (the workers finding their shares
    # included), and the gap across the kill
    read -r mn mx ka < <(awk -v k="$tk" '
        NR > 1 { g = ($1 - prev) * 1000; if (mn == "" || g < mn) mn = g; if (g > mx) mx = g }
        NR > 1 && prev <= k && $1 > k { ka = ($1 - prev) * 1000 }
        { prev = $1 } END { printf "%d %d %d\n", mn, mx, ka }' "$T/polls.r$i")
    [ "$mn" -lt "$worst_min" ] && worst_min=$mn
    [ "$mx" -gt "$worst_max" ] && worst_max=$mx
    [ "$ka" -gt "$worst_kill" ] && worst_kill=$ka
done
t_eq "every router polled all along (8 polls or more in 22 s)" "$N" "$polled"
t_ok "no router polled twice in one interval (shortest gap ${worst_min} ms, interval 2000 +- jitter)" \
    test "$worst_min" -ge 1700
t_ok "a killed worker's routers polled again within two intervals (longest gap across the kill ${worst_kill} ms)" \
    test "$worst_kill" -le 4500
figure "leases, 3 then 2 workers over $N routers at 2 s: shortest gap $worst_min ms, longest $worst_max ms, across the kill $worst_kill ms"
t_contains "a survivor says the killed worker is gone" "is gone" "$(cat "$T/w1.log" "$T/w2.log")"

# one worker's CPU per router poll: ten routers with ten sessions each,
# 21 cycles less 1 (start-up), over 20 x 10 polls
w voucher create --plan 1h --count 100 --json
mapfile -t CODES < <(sql "SELECT code FROM vouchers ORDER BY serial")
w worker --once
for i in $(seq 0 99); do
    r=$((i / 10 + 1))
    sim_admin "r$r" login "${CODES[$i]}" "$(printf 'aa:bb:cc:00:00:%02x' "$i")" "10.5.50.$((i + 2))" >/dev/null
done
w worker --once
t_eq "100 sessions imported" 100 "$(sql "SELECT count(*) FROM sessions WHERE state = 'active'")"
TIMEFORMAT='%U %S'
cpu1=$({ time "$WISP" worker --cycles 1 --interval 0 >/dev/null 2>&1; } 2>&1)
cpu21=$({ time "$WISP" worker --cycles 21 --interval 0 >"$T/cpu.log" 2>&1; } 2>&1)
ms=$(awk -v a="$cpu1" -v b="$cpu21" 'BEGIN { split(a, x, " "); split(b, y, " ");
        printf "%.2f", ((y[1] + y[2]) - (x[1] + x[2])) * 1000 / 200 }')
t_eq "every poll of the CPU run up with its ten sessions" 210 \
    "$(grep -cE 'r[0-9]+: [0-9]+ ms, up, 10 sessions' "$T/cpu.log")"
figure "worker CPU per router poll, $N routers x 10 sessions: $ms ms (user+sys: 1 cycle $cpu1 s, 21 cycles $cpu21 s)"
t_ok "worker CPU per router poll measured: $ms ms" test -n "$ms"
