#!/usr/bin/env bash
# The metrics path: worker cycles against simulated routers feed Redis's
# streams and aggregates; the figures read from them agree with PostgreSQL;
# ids make replays and second workers harmless; counter resets; window
# boundaries; top-N ties; Redis down and back (catch-up from PostgreSQL);
# backfill; the Metrics pane's graphs through tmux.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../tools/sim.sh"
chmod 755 "$T"
sim_init "$T/sim" || { _fail "simulator set up" "sim_init failed"; exit 1; }
trap 'sim_stop; redis-cli -s "$T/r2.sock" SHUTDOWN NOSAVE >/dev/null 2>&1' EXIT
sim_router r1 routeros --version 7 --identity front
sim_router r2 routeros --version 6 --identity back
base=$(sim_ports 2)
sim_sshd a "$base=r1" "$((base + 1))=r2"
export WISP_SSH_CONNECT_TIMEOUT=10 WISP_SSH_COMMAND_TIMEOUT=20
rc() { redis-cli -s "$REDIS_SOCK" "$@"; }

w db migrate
w plan add 1h --price 1.50 --duration 1h
w plan add day --price 4 --duration 1d
w router add r1 --host 127.0.0.1 --port "$base" --user wispsim --key "$SIM_KEY" --driver routeros --accept-new-hostkey
w router add r2 --host 127.0.0.1 --port "$((base + 1))" --user wispsim --key "$SIM_KEY" --driver routeros --accept-new-hostkey
w voucher create --plan 1h --count 6 --router r1
w voucher create --plan day --count 4 --router r2
w worker --once
t_eq "vouchers pushed" 6 "$(sim_admin r1 users | jq length)"
mapfile -t C1 < <(sql "SELECT code FROM vouchers WHERE plan_id = 1 ORDER BY id")
mapfile -t C2 < <(sql "SELECT code FROM vouchers WHERE plan_id = 2 ORDER BY id")
for c in "${C1[@]:0:3}" "${C2[0]}"; do w voucher sell "$c"; done
sim_admin r1 login "${C1[0]}" aa:00:00:00:00:01 10.5.50.1
sim_admin r1 login "${C1[1]}" aa:00:00:00:00:02 10.5.50.2
sim_admin r2 login "${C2[0]}" aa:00:00:00:00:03 10.5.50.3
w worker --once
sim_admin r1 traffic "${C1[0]}" 1000000 5000000
sim_admin r1 traffic "${C1[1]}" 2000 3000
sim_admin r2 traffic "${C2[0]}" 400000 100000
sleep 1
w worker --once
t_eq "worker cycle exits 0" 0 "$RC"

# --- the figures from Redis agree with PostgreSQL --------------------------
w metrics --json
live=$OUT
t_eq "read from Redis once a worker fed it" redis "$(jq -r .source <<<"$live")"
t_eq "online" 3 "$(jq .active_sessions <<<"$live")"
t_eq "per router" '{"r1":2,"r2":1}' "$(jq -cS .per_router <<<"$live")"
WISP_REDIS='' w metrics --json
pg=$OUT
t_eq "PostgreSQL's figures without Redis" postgresql "$(jq -r .source <<<"$pg")"
for k in active_sessions sold_today revenue_today activated_today rx_bps tx_bps; do
    t_eq "$k: Redis = PostgreSQL" "$(jq -c ".$k" <<<"$pg")" "$(jq -c ".$k" <<<"$live")"
done
t_eq "top plans: Redis = PostgreSQL" "$(jq -cS .top_plans <<<"$pg")" "$(jq -cS .top_plans <<<"$live")"
t_eq "sold today" "4 8.50" "$(jq -r '"\(.sold_today) \(.revenue_today)"' <<<"$live")"
t_eq "first logins today" 3 "$(jq .activated_today <<<"$live")"
t_ok "throughput from the counter deltas" test "$(jq .rx_bps <<<"$live")" -gt 0
t_eq "top client: the bytes it moved in the last minutes" \
    "${C1[0]} AA:00:00:00:00:01 r1 6000000" "$(jq -r '.top_clients[0] | "\(.user) \(.mac) \(.router) \(.bytes)"' <<<"$live")"
t_eq "this hour's sales in the hourly series" 4 "$(jq --argjson h "$(date +%-H)" '.today_hours.sold[$h]' <<<"$live")"
t_eq "revenue by hour in cents" 850 "$(jq --argjson h "$(date +%-H)" '.today_hours.revenue[$h]' <<<"$live")"
t_eq "this minute in the last-hour graph" 3 "$(jq '.last_hour.sessions[-1]' <<<"$live")"
t_ok "samples in the capped stream" test "$(rc XLEN wisp:m:stream:samples)" -ge 2
t_eq "sales, first logins in the event stream" 7 "$(rc XLEN wisp:m:stream:events)"
t_eq "history in PostgreSQL: 5-minute rollups per router" 2 \
    "$(sql "SELECT count(DISTINCT router_id) FROM metric_rollups")"
w metrics export --prometheus "$T/live.prom"
t_ok "Prometheus export from Redis passes promtool" bash -c "promtool check metrics < '$T/live.prom'"
t_contains "and says the same" "wisp_sessions_active 3" "$(cat "$T/live.prom")"
w metrics
t_match "text: online from Redis" '^online +3 sessions' "$OUT"
t_match "text: says it is Redis" '^from +Redis' "$OUT"

# --- duplicates: replayed cycles, a second worker, a backfill ---------------
w worker --once
w worker --once &
w2=$!
w worker --once
wait "$w2"
w metrics --json
t_eq "cycles again and two workers at once: sales counted once" "4 8.50" "$(jq -r '"\(.sold_today) \(.revenue_today)"' <<<"$OUT")"
t_eq "first logins counted once" 3 "$(jq .activated_today <<<"$OUT")"
t_eq "events streamed once" 7 "$(rc XLEN wisp:m:stream:events)"
w metrics backfill
t_eq "backfill exits 0" 0 "$RC"
t_contains "nothing was missing" "0 events Redis did not have" "$OUT"
w metrics --json
t_eq "backfill over counted hours adds nothing" 4 "$(jq .sold_today <<<"$OUT")"

# --- counter resets (a reboot, a wrap) ---------------------------------------
sim_admin r1 counters "${C1[0]}" 500 700
sleep 1
w worker --once
t_eq "a counter that went down counts from zero: delta is the new value" "500 700" \
    "$(sql "SELECT delta_in || ' ' || delta_out FROM sessions WHERE username = '${C1[0]}' AND state = 'active'")"
t_eq "no negative rate" 0 "$(sql "SELECT count(*) FROM sessions WHERE rate_in < 0 OR rate_out < 0")"
w metrics --json
t_ok "throughput stays sane" test "$(jq .rx_bps <<<"$OUT")" -ge 0
t_eq "the reset client keeps its bytes and gains the new ones" 6001200 \
    "$(jq --arg u "${C1[0]}" '.top_clients[] | select(.user == $u) | .bytes' <<<"$OUT")"

# --- window boundaries and ties (aggregates written as the worker does) ------
now=$(date +%s) m=$(($(date +%s) / 60))
rc ZADD "wisp:m:cli:$((m - 10))" 99999999999 $'old\t00:00\tr1' >/dev/null
rc ZADD "wisp:m:cli:$((m - 9))" 7777777777 $'edge\t00:01\tr1' >/dev/null
rc HSET "wisp:m:min:$((m - 1))" s:r3 5 rx:r3 0 tx:r3 0 >/dev/null
rc HSET "wisp:m:min:$((m - 2))" s:r4 7 rx:r4 0 tx:r4 0 >/dev/null
rc HINCRBY "wisp:m:hour:$(date -d @$(($(date -d 'today 00:00' +%s) - 1800)) +%Y%m%d%H)" sold 100 >/dev/null
w metrics --json
t_not_contains "a client 10 minutes back is out of the window" '"old"' "$OUT"
t_eq "one 9 minutes back is in" edge "$(jq -r '.top_clients[0].user' <<<"$OUT")"
t_eq "a router seen last minute still counts" 5 "$(jq '.per_router.r3' <<<"$OUT")"
t_eq "one seen two minutes ago does not" null "$(jq '.per_router.r4' <<<"$OUT")"
t_eq "yesterday's last hour is not today" 4 "$(jq .sold_today <<<"$OUT")"
for i in $(seq -w 1 12); do rc ZADD "wisp:m:cli:$m" 1000 "tie$i"$'\t00\tr1' >/dev/null; done
rc ZADD "wisp:m:cli:$((m - 9))" 0 $'edge\t00:01\tr1' >/dev/null
w metrics --json
t_eq "top 10 only" 10 "$(jq '.top_clients | length' <<<"$OUT")"
t_eq "ties broken by name, the same way every time" "$(jq -r '[.top_clients[] | select(.bytes == 1000) | .user] | join(" ")' <<<"$OUT")" \
    "$(jq -r '[.top_clients[] | select(.bytes == 1000) | .user] | sort | join(" ")' <<<"$OUT")"
t_contains "tie01 is in" tie01 "$(jq -r '[.top_clients[].user] | join(" ")' <<<"$OUT")"
rc DEL "wisp:m:min:$((m - 1))" "wisp:m:min:$((m - 2))" "wisp:m:cli:$m" >/dev/null
w voucher sell "${C2[1]}"
w voucher sell "${C2[2]}"
w metrics --json
t_eq "a sale is in Redis's figures at once, before any worker cycle" "redis 6 16.50" \
    "$(jq -r '"\(.source) \(.sold_today) \(.revenue_today)"' <<<"$OUT")"
w worker --once
w metrics --json
t_eq "plans tied on sales: more revenue first" "day:3 1h:3" \
    "$(jq -r '[.top_plans[] | "\(.plan):\(.sold)"] | join(" ")' <<<"$OUT")"

# --- Redis down and back ------------------------------------------------------
redis-server --port 0 --unixsocket "$T/r2.sock" --save '' --appendonly no --daemonize yes \
    --logfile "$T/r2.log" >/dev/null
for _ in $(seq 50); do [ "$(redis-cli -s "$T/r2.sock" PING 2>/dev/null)" = PONG ] && break; sleep 0.1; done
export WISP_REDIS=unix://$T/r2.sock
w worker --once
t_eq "fresh Redis: worker catches up" redis "$(w metrics --json; jq -r .source <<<"$OUT")"
redis-cli -s "$T/r2.sock" SHUTDOWN NOSAVE >/dev/null 2>&1
sleep 0.3
w voucher sell "${C1[5]}"
w worker --once
t_eq "Redis down: the worker goes on" 0 "$RC"
t_contains "and says why" "metrics to Redis" "$ERR$OUT"
w metrics --json
t_eq "Redis down: the figures come from PostgreSQL" "postgresql 7" "$(jq -r '"\(.source) \(.sold_today)"' <<<"$OUT")"
t_ok "and the last hour from the history" test "$(jq '[.last_hour.sessions[] | select(. != null)] | length' <<<"$OUT")" -ge 1
redis-server --port 0 --unixsocket "$T/r2.sock" --save '' --appendonly no --daemonize yes \
    --logfile "$T/r2.log" >/dev/null
for _ in $(seq 50); do [ "$(redis-cli -s "$T/r2.sock" PING 2>/dev/null)" = PONG ] && break; sleep 0.1; done
w metrics --json
t_eq "Redis back but empty: still PostgreSQL" postgresql "$(jq -r .source <<<"$OUT")"
w metrics backfill --from "$(date +%Y-%m-%d)" --to "$(date +%Y-%m-%d)"
t_eq "backfill exits 0" 0 "$RC"
t_match "backfill rebuilt today's events" '^metrics backfilled from PostgreSQL: [1-9][0-9]* events' "$OUT"
w metrics --json
t_eq "after the backfill: Redis, with all of today" "redis 7 18.00" "$(jq -r '"\(.source) \(.sold_today) \(.revenue_today)"' <<<"$OUT")"
t_ok "the graph's minutes from the history" test "$(jq '[.last_hour.sessions[] | select(. != null)] | length' <<<"$OUT")" -ge 1
redis-cli -s "$T/r2.sock" FLUSHALL >/dev/null
w worker --once
w metrics --json
t_eq "a flushed Redis: the next cycle catches up" "redis 7" "$(jq -r '"\(.source) \(.sold_today)"' <<<"$OUT")"
w metrics backfill --from 2026-13-01
t_eq "a bad date" 2 "$RC"
t_contains "says which" 'bad date "2026-13-01"' "$ERR"
w metrics backfill --from 2026-02-02 --to 2026-02-01
t_eq "to before from" 2 "$RC"
w metrics backfill --from 2026-02-30
t_eq "a day no month has" 2 "$RC"
w metrics backfill --from 2020-01-01 --to 2020-01-02
t_eq "days Redis would not keep" 2 "$RC"
t_contains "says so, and where old days are" "Redis keeps the last 2 days only" "$ERR"
w metrics backfill --from "$(date -d '5 days ago' +%Y-%m-%d)" --to "$(date +%Y-%m-%d)"
t_eq "a range reaching back too far is cut" 0 "$RC"
t_contains "and says from when" "Redis keeps the last 2 days only: from" "$OUT"
WISP_REDIS='' w metrics backfill
t_eq "no Redis configured" 2 "$RC"
t_contains "says so" "no Redis configured" "$ERR"
export WISP_REDIS=unix://$REDIS_SOCK

# --- the Metrics pane -------------------------------------------------------
sock=$T/tmux.sock
console_start 160 50 LANG=C.UTF-8
tmux -S "$sock" send-keys -t wisp 5
sleep 0.5
pane=$(tmux -S "$sock" capture-pane -p -t wisp)
t_contains "pane: from Redis" "from the live metrics (Redis)" "$pane"
t_contains "pane: sessions graph" "ONLINE  last hour" "$pane"
t_contains "pane: throughput graphs" "IN (from clients)  last hour" "$pane"
t_ok "pane: braille dots drawn" bash -c 'LC_ALL=C.UTF-8 grep -qP "[\x{2801}-\x{28FF}]" <<<"$1"' _ "$pane"
t_match "pane: axes with units" '[0-9.]+ [kM]?b/s┤' "$pane"
t_match "pane: time axis" '-60m .*-30m .*now' "$pane"
t_contains "pane: hourly sales bars" "SOLD TODAY by hour" "$pane"
t_contains "pane: bars drawn" "██" "$pane"
t_contains "pane: order pipeline" "ORDER PIPELINE" "$pane"
tmux -S "$sock" resize-window -t wisp -x 80 -y 40
sleep 0.5
pane=$(tmux -S "$sock" capture-pane -p -t wisp)
t_match "80 columns: the graphs say how many minutes they show" 'ONLINE  last [0-9]+ min' "$pane"
t_match "80 columns: the time axis too" '-[0-9]+m .*now' "$pane"
t_contains "80 columns: the sales bars, not overwritten" "SOLD TODAY by hour" "$pane"
t_match "80 columns: sales and revenue side by side, an hour a column" 'SOLD TODAY by hour +REVENUE \(USD\) by hour' "$pane"
tmux -S "$sock" resize-window -t wisp -x 160 -y 50
sim_admin r2 login "${C2[1]}" aa:00:00:00:00:04 10.5.50.4
w worker --once
t0=$(date +%s%N) ok=1
for _ in $(seq 40); do tmux -S "$sock" capture-pane -p -t wisp | grep -q "online 4 sessions" && { ok=0; break; }; sleep 0.05; done
t_eq "pane: live within 2 s of a worker cycle" 0 "$ok"
t_ok "  (took under 2 s)" test $((($(date +%s%N) - t0) / 1000000)) -lt 2000
tmux -S "$sock" kill-server
