#!/usr/bin/env bash
# wisp metrics: the shop's current figures from PostgreSQL, as text, JSON and
# a watch that refreshes.
. "$(dirname "$0")/../lib.sh"
w db migrate
w plan add 1h --price 1.50 --duration 1h
w plan add day --price 4 --duration 1d
w voucher create --plan 1h --count 10
w voucher create --plan day --count 5
touch "$T/k" && chmod 600 "$T/k" # a key others can read is refused
w router add front --host 127.0.0.1 --user x --key "$T/k" --driver routeros --accept-new-hostkey
w router add back --host 127.0.0.1 --user x --key "$T/k" --driver routeros --accept-new-hostkey
for c in $(sql "SELECT code FROM vouchers WHERE plan_id = 1 ORDER BY id LIMIT 3"); do w voucher sell "$c"; done
w voucher sell "$(sql "SELECT code FROM vouchers WHERE plan_id = 2 ORDER BY id LIMIT 1")"
sql "UPDATE routers SET state = 'up' WHERE name = 'front'" >/dev/null
sql "INSERT INTO sessions (router_id, username, mac, bytes_in, bytes_out, rate_in, rate_out)
     SELECT r.id, u, m, bi, bo, ri, ro FROM routers r,
       (VALUES ('alice', 'AA:00:00:00:00:01', 1000, 50000000, 8000, 2000000),
               ('bob', 'AA:00:00:00:00:02', 2000, 900, 100, 500)) AS x(u, m, bi, bo, ri, ro)
     WHERE r.name = 'front'" >/dev/null
sql "INSERT INTO sessions (router_id, username, state, ended_at) SELECT id, 'gone', 'closed', now() FROM routers WHERE name = 'back'" >/dev/null
w order add --product 1h --customer m1
w order add --product CARD --customer m2 --provider acme

w metrics --json
t_eq "metrics exits 0" 0 "$RC"
t_eq "the figures named in the issue" "activated_today,active_sessions,at,last_hour,orders,per_router,revenue_today,routers,rx_bps,sold_today,source,today_hours,top_clients,top_plans,tx_bps" \
    "$(jq -r 'keys | join(",")' <<<"$OUT")"
t_eq "no worker has fed Redis: the figures come from PostgreSQL" postgresql "$(jq -r .source <<<"$OUT")"
t_eq "an hour of minutes, empty without history" "60 0" "$(jq -r '"\(.last_hour.sessions | length) \([.last_hour.sessions[] | select(. != null)] | length)"' <<<"$OUT")"
t_eq "today's hours, the sales in this hour" "24 4" "$(jq -r --argjson h "$(date +%-H)" '"\(.today_hours.sold | length) \(.today_hours.sold[$h])"' <<<"$OUT")"
t_eq "active sessions" 2 "$(jq .active_sessions <<<"$OUT")"
t_eq "per router, idle ones included" '{"back":0,"front":2}' "$(jq -c .per_router <<<"$OUT")"
t_eq "throughput: the sum of the session rates" "8100 2000500" "$(jq -r '"\(.rx_bps) \(.tx_bps)"' <<<"$OUT")"
t_eq "sold today" "4 8.50" "$(jq -r '"\(.sold_today) \(.revenue_today)"' <<<"$OUT")"
t_eq "orders by status" '{"pending":2}' "$(jq -c .orders <<<"$OUT")"
t_eq "routers by state" '{"unknown":1,"up":1}' "$(jq -c .routers <<<"$OUT")"
t_eq "top client first" "alice" "$(jq -r '.top_clients[0].user' <<<"$OUT")"
t_eq "top plans today" "1h:3 day:1" "$(jq -r '[.top_plans[] | "\(.plan):\(.sold)"] | join(" ")' <<<"$OUT")"

w metrics
t_match "text: online" '^online +2 sessions' "$OUT"
t_match "text: throughput" '^throughput +in 8\.1 kb/s, out 2\.0 Mb/s' "$OUT"
t_match "text: sold today" '^sold today +4 vouchers, USD 8\.50' "$OUT"
t_match "text: says where the figures come from" "^from +PostgreSQL" "$OUT"
timeout 5 "$WISP" metrics --watch >"$T/watch.txt" 2>&1
t_ok "--watch refreshes (two reports in 5 s)" test "$(grep -c '^online' "$T/watch.txt")" -ge 2

# Prometheus: node_exporter's textfile format, checked by promtool's parser
w metrics export --prometheus "$T/wisp.prom"
t_eq "export exits 0" 0 "$RC"
t_ok "promtool accepts it" bash -c "promtool check metrics < '$T/wisp.prom'"
t_eq "promtool has no complaints" "" "$(promtool check metrics <"$T/wisp.prom" 2>&1)"
prom=$(cat "$T/wisp.prom")
t_eq "HELP and TYPE for every metric" \
    "$(grep '^# TYPE' <<<"$prom" | awk '{print $3}' | sort)" "$(grep '^# HELP' <<<"$prom" | awk '{print $3}' | sort)"
t_contains "sessions" "wisp_sessions_active 2" "$prom"
t_contains "per router" 'wisp_router_sessions_active{router="front"} 2' "$prom"
t_contains "bytes per second, not bits" "wisp_transmit_bytes_per_second 250062" "$prom"
t_contains "revenue with its currency" 'wisp_revenue_today{currency="USD"} 8.50' "$prom"
t_contains "every order status, zeros too" 'wisp_orders{status="failed"} 0' "$prom"
t_contains "routers by state" 'wisp_routers{state="up"} 1' "$prom"
t_contains "per plan" 'wisp_plan_vouchers_sold_today{plan="1h"} 3' "$prom"

# the Metrics pane shows the same figures, live
sock=$T/tmux.sock
console_start 140 45
tmux -S "$sock" send-keys -t wisp 5
sleep 0.5
pane=$(tmux -S "$sock" capture-pane -p -t wisp)
sold=$(sql "SELECT count(*) || ' vouchers, USD ' || sum(price) FROM vouchers WHERE sold_at >= current_date")
t_match "pane: online and throughput" 'online 2 sessions +in 8\.1 kb/s +out 2\.0 Mb/s' "$pane"
t_contains "pane: sold today" "sold today $sold" "$pane"
t_match "pane: routers with their state" 'back (up|down|unknown) +.*front (up|down|unknown)' "$pane"
t_contains "pane: top clients, sizes for people" "alice          front      47.7M" "$pane"
t_contains "pane: top plans" "TOP PLANS TODAY" "$pane"
t_not_contains "pane: nothing said to be unbuilt" "not built" "$pane"
t_contains "pane: the graphs' titles" "ONLINE  last hour" "$pane"
t_contains "pane: sales by hour" "SOLD TODAY by hour" "$pane"
t_contains "pane: says where the figures come from" "from PostgreSQL" "$pane"
w voucher sell "$(sql "SELECT code FROM vouchers WHERE status = 'new' AND plan_id = 2 LIMIT 1")"
ok=1
sold=$(sql "SELECT count(*) || ' vouchers' FROM vouchers WHERE sold_at >= current_date")
for _ in $(seq 30); do tmux -S "$sock" capture-pane -p -t wisp | grep -q "sold today $sold" && { ok=0; break; }; sleep 0.1; done
t_eq "pane: a sale shows within seconds (event)" 0 "$ok"
tmux -S "$sock" kill-server

mkdir -p "$T/textfile"
w worker --once --prometheus-dir "$T/textfile"
t_ok "worker --prometheus-dir writes wisp.prom" test -s "$T/textfile/wisp.prom"
t_ok "and promtool accepts that too" bash -c "promtool check metrics < '$T/textfile/wisp.prom'"
w worker --once --prometheus-dir "$T/nowhere"
t_eq "an unwritable directory is refused" 2 "$RC"
