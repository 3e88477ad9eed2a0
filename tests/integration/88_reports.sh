#!/usr/bin/env bash
# Sales reports from PostgreSQL: vouchers sold and activated, revenue and
# completed orders per day, month, plan, operator and router; JSON, CSV, text
# and a printed PostScript page. Revenue adds up: every voucher sold plus
# every completed provider top-up, a plan order from stock counted once (as
# its voucher), checked against the sums in the database.
. "$(dirname "$0")/../lib.sh"
w db migrate
w plan add 1h --price 1.50 --duration 1h
w plan add day --price 4 --duration 1d
touch "$T/k" && chmod 600 "$T/k" # a key others can read is refused
w router add front --host 127.0.0.1 --user x --key "$T/k" --driver routeros --accept-new-hostkey
w voucher create --plan 1h --count 10 --router front
w voucher create --plan day --count 10
mkrole rp_cashier pw wisp_operator
# three sales on 2026-03-01 (two 1h by the cashier, one day by the owner), two on 2026-03-02
for c in $(sql "SELECT code FROM vouchers WHERE plan_id = 1 ORDER BY id LIMIT 3"); do w_as rp_cashier pw voucher sell "$c"; done
w voucher sell "$(sql "SELECT code FROM vouchers WHERE plan_id = 2 ORDER BY id LIMIT 1")"
w voucher sell "$(sql "SELECT code FROM vouchers WHERE plan_id = 2 ORDER BY id OFFSET 1 LIMIT 1")"
# backdated sales: the triggers refuse to rewrite a sale to everyone, so the fixture bypasses them
sql "SET session_replication_role = replica; UPDATE vouchers SET sold_at = '2026-03-01 10:00' WHERE id IN (SELECT id FROM vouchers WHERE sold_at IS NOT NULL ORDER BY id LIMIT 2)" >/dev/null
sql "SET session_replication_role = replica; UPDATE vouchers SET sold_at = '2026-03-01 18:00' WHERE id = (SELECT min(id) FROM vouchers WHERE plan_id = 2)" >/dev/null
sql "SET session_replication_role = replica; UPDATE vouchers SET sold_at = '2026-03-02 09:00' WHERE sold_at > '2026-03-03'" >/dev/null
sql "SET session_replication_role = replica; UPDATE vouchers SET status = 'active', first_used_at = '2026-03-02 09:30' WHERE id = (SELECT min(id) FROM vouchers)" >/dev/null
w order add --product 1h --customer r1
w worker --once
sql "UPDATE orders SET completed_at = '2026-03-02 12:00'" 2>/dev/null >/dev/null || true

w report sales --from 2026-03-01 --to 2026-03-02 --json
t_eq "report exits 0" 0 "$RC"
t_eq "by day" '[{"group":"2026-03-01","sold":3,"topups":0,"revenue":"7.00","voucher_revenue":"7.00","topup_revenue":"0.00","activated":0,"orders_completed":0},{"group":"2026-03-02","sold":2,"topups":0,"revenue":"5.50","voucher_revenue":"5.50","topup_revenue":"0.00","activated":1,"orders_completed":1}]' \
    "$(jq -c . <<<"$OUT")"
w report sales --from 2026-03-01 --to 2026-03-02 --by plan --json
t_eq "by plan, biggest revenue first" 'day:2|8.00 1h:3|4.50' \
    "$(jq -r '[.[] | "\(.group):\(.sold)|\(.revenue)"] | join(" ")' <<<"$OUT")" 
w report sales --from 2026-03-01 --to 2026-03-02 --by operator --json
t_eq "by operator" "$PGUSER:2 rp_cashier:3" "$(jq -r '[.[] | "\(.group):\(.sold)"] | join(" ")' <<<"$OUT")"
w report sales --from 2026-03-01 --to 2026-03-02 --by router --json
t_eq "by router (the order bought a voucher of the front batch)" "(every router):2:0 front:3:1" "$(jq -r '[.[] | "\(.group):\(.sold):\(.orders_completed)"] | join(" ")' <<<"$OUT")"
w report sales --from 2026-03-01 --to 2026-03-31 --by month --json
t_eq "by month" '2026-03:5' "$(jq -r '[.[] | "\(.group):\(.sold)"] | join(" ")' <<<"$OUT")"
w report sales --from 2026-03-01
t_match "text: one day" '^2026-03-01 +3 +0 +7\.00 +0 +0' "$OUT"
t_match "text: a total" '^TOTAL +3 +0 +7\.00' "$OUT"
w report sales --from 2026-03-01 --to 2026-03-02 --csv
t_eq "csv header" "DAY,SOLD,TOPUPS,REVENUE,ACTIVATED,ORDERS" "$(head -1 <<<"$OUT")"
t_eq "csv total" "TOTAL,5,0,12.50,1,1" "$(tail -1 <<<"$OUT")"
w report sales
t_eq "today by default: the order completed today" 1 "$(grep -c '^TOTAL' <<<"$OUT")"
w report sales --json
t_eq "today: the voucher the order bought" 1 "$(jq '[.[].sold] | add' <<<"$OUT")"
w report sales --from 2026-03-01 --to 2026-03-02 --format ps -o "$T/eod.ps"
t_eq "printed report written" 0 "$RC"
t_ok "it is PostScript ghostscript reads" gs -q -dSAFER -dBATCH -dNOPAUSE -sDEVICE=nullpage "$T/eod.ps"
w report sales --from 2026-03-01 --format text -o "$T/eod.txt"
t_contains "the end-of-day page has a signature line" "Signature:" "$(cat "$T/eod.txt")"
w report sales --by week
t_eq "bad --by" 2 "$RC"
w report sales --from 2026-13-01
t_eq "bad date" 2 "$RC"
w report sales --json --csv
t_eq "one output form" 2 "$RC"

w report summary
t_eq "summary exits 0" 0 "$RC"
for s in "Today (" "This week (" "This month (" "This month by plan" "This month by operator"; do
    t_contains "summary: $s" "$s" "$OUT"
done
t_match "summary: today's sale counted" '^TOTAL +1 +0 +1\.50' "$(sed -n '/^Today/,/^This week/p' <<<"$OUT")"
t_contains "summary: a period's table is headed PERIOD" "PERIOD" "$(sed -n '/^Today/,/^This week/p' <<<"$OUT")"
t_not_contains "summary: \"Today\" is not headed MONTH" "MONTH" "$(sed -n '/^Today/,/^This week/p' <<<"$OUT")"

# --- provider top-ups are revenue too; everything adds up ----------------------------
port=$(for p in $(seq 18200 18300); do (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; break; }; done)
/usr/bin/python3 "$(dirname "$0")/../sim/provider.py" "$port" tok-88 >/dev/null 2>&1 &
STUB=$!
trap 'kill $STUB 2>/dev/null' EXIT
for _ in $(seq 50); do curl -s "http://127.0.0.1:$port/stats" >/dev/null && break; sleep 0.1; done
mkdir -p "$XDG_CONFIG_HOME/wisp"
echo "{\"providers\": {\"acme\": {\"url\": \"http://127.0.0.1:$port/\", \"token_env\": \"ACME_TOKEN\"}}}" >"$XDG_CONFIG_HOME/wisp/config.json"
for amount in 10 20 5.25 7.75 100; do
    ACME_TOKEN=tok-88 w order add --product instant --customer "top-$amount" --provider acme --amount "$amount"
done
ACME_TOKEN=tok-88 w worker --once
t_eq "five top-ups completed" 5 "$(sql "SELECT count(*) FROM orders WHERE provider = 'acme' AND status = 'completed'")"
kill "$STUB" 2>/dev/null
w report sales --json
t_eq "report: five top-ups today" 5 "$(jq '[.[].topups] | add' <<<"$OUT")"
t_eq "report: their revenue, in cents" 14300 "$(jq '[.[].topup_revenue | tonumber * 100 | round] | add' <<<"$OUT")"
w report sales
t_match "report text: today's total holds the top-ups" '^TOTAL +1 +5 +144\.50 +0 +5$' "$OUT"
# the database's own sums: vouchers sold (any way) plus completed provider
# orders; the plan order from stock is its voucher, never counted twice
db_today=$(sql "SELECT ((SELECT coalesce(sum(price), 0) FROM vouchers WHERE sold_at >= current_date AND sold_at < current_date + 1)
    + (SELECT coalesce(sum(amount), 0) FROM orders WHERE status = 'completed' AND provider IS NOT NULL
       AND completed_at >= current_date AND completed_at < current_date + 1))::numeric(14, 2)")
db_all=$(sql "SELECT ((SELECT coalesce(sum(price), 0) FROM vouchers WHERE sold_at IS NOT NULL)
    + (SELECT coalesce(sum(amount), 0) FROM orders WHERE status = 'completed' AND provider IS NOT NULL))::numeric(14, 2)")
t_eq "today's revenue = the database's sales + completed top-ups" "$db_today" "$(grep '^TOTAL' <<<"$OUT" | awk '{print $4}')"
w report sales --from 2026-03-01 --to "$(date +%F)" --csv
t_eq "all time: the report's revenue = the database's" "$db_all" "$(tail -1 <<<"$OUT" | cut -d, -f4)"
t_eq "all time: vouchers sold = the database's" "$(sql "SELECT count(*) FROM vouchers WHERE sold_at IS NOT NULL")" "$(tail -1 <<<"$OUT" | cut -d, -f2)"
t_eq "all time: completed orders = the database's" "$(sql "SELECT count(*) FROM orders WHERE status = 'completed'")" "$(tail -1 <<<"$OUT" | cut -d, -f6)"
t_eq "the plan order is not counted twice (its amount is its voucher's price)" "$db_all" \
    "$(sql "SELECT ((SELECT sum(price) FROM vouchers WHERE sold_at IS NOT NULL) + (SELECT sum(amount) FROM orders WHERE status = 'completed' AND provider IS NOT NULL))::numeric(14, 2)")"
w report sales --from 2026-03-01 --to "$(date +%F)" --by plan --json
t_eq "by plan: the top-up product is a group of its own" "instant:5:143.00" \
    "$(jq -r '.[] | select(.group == "instant") | "\(.group):\(.topups):\(.revenue)"' <<<"$OUT")"
w report summary --json
t_eq "summary --json exits 0" 0 "$RC"
t_eq "summary --json: today's revenue adds up" "$db_today" "$(jq -r '.periods[] | select(.period == "today") | .revenue' <<<"$OUT")"
t_eq "summary --json: today's top-ups" 5 "$(jq -r '.periods[] | select(.period == "today") | .topups' <<<"$OUT")"
t_eq "summary --json: this month by plan" "instant" "$(jq -r '.this_month_by.plan[] | select(.topups > 0) | .group' <<<"$OUT")"
# the live figures say the same
w metrics --json
t_eq "metrics: revenue_today = the report's ($(jq -r .source <<<"$OUT"))" "$db_today" "$(jq -r .revenue_today <<<"$OUT")"
t_eq "metrics: today's hours add up to it, in cents" "$(tr -d . <<<"$db_today" | sed 's/^0*//')" "$(jq '.today_hours.revenue | add' <<<"$OUT")"
WISP_REDIS= w metrics --json
t_eq "metrics from PostgreSQL: revenue_today = the report's" "$db_today" "$(jq -r .revenue_today <<<"$OUT")"
t_eq "metrics from PostgreSQL: today's hours add up to it" "$(tr -d . <<<"$db_today" | sed 's/^0*//')" "$(jq '.today_hours.revenue | add' <<<"$OUT")"
w report summary
t_match "summary: today's top-ups in the table" '^TOTAL +1 +5 +144\.50' "$(sed -n '/^Today/,/^This week/p' <<<"$OUT")"
rm -f "$XDG_CONFIG_HOME/wisp/config.json"

# the console's Reports view: Metrics pane, R
sock=$T/tmux.sock
console_start 140 50
tmux -S "$sock" send-keys -t wisp 5
sleep 0.5
t_contains "metrics pane offers the reports" "R: sales reports" "$(tmux -S "$sock" capture-pane -p -t wisp)"
tmux -S "$sock" send-keys -t wisp R
for _ in $(seq 50); do tmux -S "$sock" capture-pane -p -t wisp | grep -q 'This month by operator' && break; sleep 0.1; done
t_contains "R: the reports in the popup" "This month by operator" "$(tmux -S "$sock" capture-pane -p -t wisp)"
tmux -S "$sock" kill-server
