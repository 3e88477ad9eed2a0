#!/usr/bin/env bash
# Every router at once: the SSH commands of all due routers are in flight
# together, so a cycle takes as long as the slowest router, not routers /
# pool size times it. Twenty simulated routers that each take the whole
# command deadline (they hang; WISP_SSH_COMMAND_TIMEOUT=2) make one
# `wisp worker --once` cycle of about 2 s: with a pool of 16 it took two
# waves (4 s and more). The database connections stay few meanwhile.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../tools/sim.sh"
chmod 755 "$T"
sim_init "$T/sim" || { _fail "simulator set up" "sim_init failed"; exit 1; }
trap sim_stop EXIT
figure() { printf 'figure %s\n' "$*" >&2; }
N=20
base=$(sim_ports "$N")
pa=() pb=() # an sshd listens on 16 ports at most: two of them
for i in $(seq 1 "$N"); do
    sim_router "s$i" routeros --identity "slow-$i"
    if [ "$i" -le 10 ]; then pa+=("$((base + i - 1))=s$i"); else pb+=("$((base + i - 1))=s$i"); fi
done
sim_sshd a "${pa[@]}"
sim_sshd b "${pb[@]}"
FA=$(cat "$SIM_DIR/a.fp") FB=$(cat "$SIM_DIR/b.fp")
export WISP_SSH_CONNECT_TIMEOUT=5 WISP_SSH_COMMAND_TIMEOUT=2

w db migrate
for i in $(seq 1 "$N"); do
    fp=$FA
    [ "$i" -le 10 ] || fp=$FB
    w router add "s$i" --host 127.0.0.1 --port "$((base + i - 1))" --user wispsim --key "$SIM_KEY" \
        --driver routeros --hostkey "$fp"
done
w worker --once
t_eq "twenty routers up" "$N" "$(sql "SELECT count(*) FROM routers WHERE state = 'up'")"
for i in $(seq 1 "$N"); do sim_admin "s$i" mode hang; done

# the most connections the worker had open at once, sampled while it runs
sql "CREATE TABLE conns (n int)" >/dev/null
(
    while :; do
        sql "INSERT INTO conns SELECT count(*) FROM pg_stat_activity
             WHERE datname = current_database() AND application_name <> 'psql'
               AND backend_type = 'client backend'" >/dev/null 2>&1
        sleep 0.2
    done
) &
SAMPLER=$!
w worker --once
kill "$SAMPLER" 2>/dev/null
wait "$SAMPLER" 2>/dev/null
ms=$(grep -oE 'cycle 1: [0-9]+ routers in [0-9]+ ms' <<<"$ERR" | grep -oE '[0-9]+ ms' | grep -oE '[0-9]+')
t_eq "every router timed out (the deadline is the slowest router)" "$N" \
    "$(grep -cE ': [0-9]+ ms, .*did not finish a command within 2 s' <<<"$ERR")" # the rounds' lines
t_ok "one cycle over twenty routers that each take 2 s: about 2 s, not waves (${ms:-none} ms)" \
    test "${ms:-99999}" -lt 3500
most=$(sql "SELECT coalesce(max(n), 0) FROM conns")
t_ok "the worker's database connections stay few (at most $most at once, never one per router)" \
    test "$most" -ge 1 -a "$most" -le 12 # the 8 shared, main, provider, webhooks, notifier
figure "one --once cycle, $N routers each hanging to the 2 s deadline: ${ms:-none} ms, at most $most connections"
t_eq "all twenty marked down with the reason" "$N" \
    "$(sql "SELECT count(*) FROM routers WHERE state = 'down' AND last_error LIKE '%did not finish%'")"
