#!/usr/bin/env bash
# bench_routers.sh - the worker's targets (issue 4) against 50 simulated
# RouterOS routers behind real OpenSSH sshd servers on loopback, each with
# two clients online:
#   steady-state cycle  a running worker's cycles after the first (sessions
#                       kept open), median of the cycle times it logs
#   ssh loop            a sequential shell loop of
#                       `ssh router '/ip hotspot active print'` over the same 50
#                       (one fresh login each, as a cron script would)
#                       Target: the steady-state cycle at least 10x faster.
#   --once              `wisp worker --once` over the same 50 (connects included)
#   push 1000           1,000 vouchers pushed to one router by one cycle
# Needs root (sshd logs the simulator's user in). Run by tests/bench/run.sh
# with the private servers up and WISP_DB set.
set -euo pipefail
cd "$(dirname "$0")/../.."
WISP=${WISP:-bin/wisp}
RUNS=${RUNS:-5}
N=${ROUTERS:-50}
dir=$(mktemp -d /tmp/wisp-bench-routers.XXXXXX)
chmod 755 "$dir"
. tests/tools/sim.sh
trap 'sim_stop; [ -n "${BENCH_KEEP:-}" ] || rm -rf "$dir"' EXIT
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
now() { date +%s.%N; }

sim_init "$dir/sim"
base=$(sim_ports "$N")
"$WISP" plan add rb --price 1 --duration 1h >/dev/null 2>&1 || true
group=()
g=0
for i in $(seq 1 "$N"); do
    name=$(printf 'b%02d' "$i")
    sim_router "$name" routeros
    group+=("$((base + i - 1))=$name")
    if [ ${#group[@]} -eq 16 ] || [ "$i" -eq "$N" ]; then
        sim_sshd "g$g" "${group[@]}"
        g=$((g + 1))
        group=()
    fi
done
for i in $(seq 1 "$N"); do
    name=$(printf 'b%02d' "$i")
    fp=$(cat "$SIM_DIR/g$(((i - 1) / 16)).fp")
    "$WISP" router add "$name" --host 127.0.0.1 --port $((base + i - 1)) --user wispsim \
        --key "$SIM_KEY" --driver routeros --hostkey "$fp" >/dev/null
done
# two vouchers for every router, both logged in
"$WISP" voucher create --plan rb --count 2 >/dev/null
"$WISP" worker --once 2>/dev/null
mapfile -t codes < <(psql -XAtq -c "SELECT code FROM vouchers ORDER BY id DESC LIMIT 2")
for i in $(seq 1 "$N"); do
    name=$(printf 'b%02d' "$i")
    sim_admin "$name" login "${codes[0]}" "aa:bb:cc:00:$(printf '%02x' "$i"):01" "10.0.$i.1"
    sim_admin "$name" login "${codes[1]}" "aa:bb:cc:00:$(printf '%02x' "$i"):02" "10.0.$i.2"
done

# steady state: one worker, back to back, RUNS+1 cycles; the first connects
"$WISP" worker --interval 0 --cycles $((RUNS + 1)) 2>"$dir/worker.log"
grep -oE 'cycle [0-9]+: [0-9]+ routers in [0-9]+ ms' "$dir/worker.log" | awk 'NR > 1 {print $(NF-1)}' >"$dir/steady"
sessions=$(psql -XAtq -c "SELECT count(*) FROM sessions WHERE state = 'active'")
steady=$(median <"$dir/steady")

# the shell loop over the same routers
: >"$dir/loop"
for _ in $(seq "$RUNS"); do
    t0=$(now)
    for i in $(seq 1 "$N"); do
        ssh -q -i "$SIM_KEY" -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
            -p $((base + i - 1)) wispsim@127.0.0.1 '/ip hotspot active print' >/dev/null
    done
    t1=$(now)
    echo "($t1 - $t0) * 1000" | bc -l >>"$dir/loop"
done
loop=$(median <"$dir/loop")

# --once: a fresh process, connects and all
: >"$dir/once"
for _ in $(seq "$RUNS"); do
    t0=$(now)
    "$WISP" worker --once 2>/dev/null
    t1=$(now)
    echo "($t1 - $t0) * 1000" | bc -l >>"$dir/once"
done
once=$(median <"$dir/once")

# push 1000: a fresh router each run, everything else in maintenance
for i in $(seq 1 "$N"); do "$WISP" router maintenance "$(printf 'b%02d' "$i")" on >/dev/null; done
"$WISP" voucher disable --batch "$(psql -XAtq -c "SELECT max(batch_id) FROM vouchers")" >/dev/null
pport=$(sim_ports 1)
: >"$dir/push"
for run in $(seq "$RUNS"); do
    sim_router "p$run" routeros
    sim_sshd "p$run" "$pport=p$run"
    "$WISP" router add "p$run" --host 127.0.0.1 --port "$pport" --user wispsim --key "$SIM_KEY" \
        --driver routeros --hostkey "$(cat "$SIM_DIR/p$run.fp")" >/dev/null
    "$WISP" voucher create --plan rb --count 1000 --router "p$run" >/dev/null
    t0=$(now)
    "$WISP" worker --once 2>"$dir/push.log"
    t1=$(now)
    got=$(sim_admin "p$run" users | jq length)
    [ "$got" -eq 1000 ] || { echo "bench: push 1000: only $got users reached the router" >&2; cat "$dir/push.log" >&2; exit 1; }
    echo "($t1 - $t0) * 1000" | bc -l >>"$dir/push"
    "$WISP" router maintenance "p$run" on >/dev/null
    sim_stop_sshd "p$run"
done
push=$(median <"$dir/push")

printf 'bench: worker steady-state cycle, %d routers (%d sessions): median %.0f ms\n' "$N" "$sessions" "$steady"
printf 'bench: sequential ssh loop over the same %d: median %.0f ms; the worker is %.1fx faster (target >= 10x)\n' \
    "$N" "$loop" "$(echo "$loop / $steady" | bc -l)"
printf 'bench: worker --once over %d routers (fresh connections): median %.0f ms\n' "$N" "$once"
printf 'bench: 1000 vouchers pushed to one router by one cycle: median %.0f ms\n' "$push"
