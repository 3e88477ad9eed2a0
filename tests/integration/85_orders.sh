#!/usr/bin/env bash
# Orders of plan products: intake from the CLI and the function a web shop calls,
# fulfilment from voucher stock by the worker (woken by NOTIFY), stock made
# when a plan runs out, low-stock events, retry and cancel, and two workers
# over 500 orders with one killed mid-run: every order completed exactly once
# and no voucher sold twice.
. "$(dirname "$0")/../lib.sh"
w db migrate
w plan add 1h --price 1.50 --duration 1h
w plan add day --price 4 --duration 1d
w voucher create --plan 1h --count 20

# --- intake ---------------------------------------------------------------------
w order add --product 1h --customer 0700111222 --json
t_eq "order add exits 0" 0 "$RC"
t_eq "order add --json" '{"order_id":1}' "$(jq -c . <<<"$OUT")"
t_eq "pending" pending "$(sql "SELECT status FROM orders WHERE id = 1")"
t_eq "amount defaults to the plan's price" 1.50 "$(sql "SELECT amount FROM orders WHERE id = 1")"
t_eq "channel counter" counter "$(sql "SELECT channel FROM orders WHERE id = 1")"
w order add --product nosuch --customer 0700
t_eq "unknown plan refused" 1 "$RC"
t_contains "says a provider product needs --provider" "needs --provider" "$ERR"
w order add --product 1h
t_eq "no customer: usage" 2 "$RC"
w order add --product 1h --customer x --amount abc
t_eq "bad amount" 2 "$RC"
w order add --product 1h --customer x --channel fax
t_eq "bad channel" 2 "$RC"
t_eq "refusals took no order" 1 "$(sql "SELECT count(*) FROM orders")"

# --- fulfilment ----------------------------------------------------------------------
w worker --once
t_eq "worker --once exits 0" 0 "$RC"
t_contains "worker logs it" "orders: 1 completed from stock" "$ERR"
w order show 1 --json
t_eq "completed with a PIN" completed "$(jq -r .status <<<"$OUT")"
t_eq "show says there is a PIN, never what it is" "true|null" "$(jq -r '"\(.has_pin)|\(.pin)"' <<<"$OUT")"
VID=$(jq -r .voucher_id <<<"$OUT")
w order reveal 1
PIN=${OUT#order 1 PIN: }
t_eq "the PIN is a voucher of the plan, now sold" "1h|sold" "$(sql "SELECT p.name || '|' || v.status FROM vouchers v JOIN plans p ON p.id = v.plan_id WHERE v.code = '$PIN'")"
t_eq "the order names its voucher" "$PIN" "$(sql "SELECT code FROM vouchers WHERE id = $VID")"
t_eq "the sale is on the books at the plan's price" 1.50 "$(sql "SELECT price FROM vouchers WHERE code = '$PIN'")"
t_eq "completed_at set" 1 "$(sql "SELECT count(*) FROM orders WHERE id = 1 AND completed_at IS NOT NULL")"
t_eq "audited" 1 "$(sql "SELECT count(*) FROM audit WHERE action = 'order.complete'")"
w order list --json
t_eq "order list --json fields" "amount,attempts,completed_at,created_at,customer,has_pin,id,last_error,next_check_at,product,provider,provider_ref,status" \
    "$(jq -r '.[0] | keys | join(",")' <<<"$OUT")"

# The receipt: the PIN and a QR that logs the customer in.
w order receipt 1 -o "$T/r1.txt"
t_eq "receipt written" 0 "$RC"
t_contains "receipt shows the PIN" "$PIN" "$(cat "$T/r1.txt")"
t_contains "receipt names the order" "order 1" "$(cat "$T/r1.txt")"
t_eq "receipt QR decodes to the voucher's login URL" "http://hotspot.lan/login?username=$PIN&password=$PIN" \
    "$(/usr/bin/python3 tests/tools/sheet2pbm.py "$T/r1.txt" "$T/r1" | while read -r img; do zbarimg -q --raw "$img" 2>/dev/null; done)"
w order receipt 1 --format escpos -o "$T/r1.bin"
t_eq "escpos receipt: one ticket, one QR, one cut" "qr model=50 size=6 ecc=49 data=http://hotspot.lan/login?username=$PIN&password=$PIN|cuts=1 inits=1" \
    "$(/usr/bin/python3 tests/tools/escpos_qr.py "$T/r1.bin" | grep -E '^qr|^cuts' | paste -sd'|')"
w order receipt 1 --format ps -o "$T/r1.ps"
t_ok "ps receipt is PostScript" grep -q '^%!PS' "$T/r1.ps"
w order receipt 1 -o "$T/r1.pdf"
t_contains "pdf receipt (by -o's extension) shows the PIN" "$PIN" "$(pdftotext "$T/r1.pdf" -)"

# A web shop calls the function (docs/orders.md).
sql "SELECT wisp_order_add(p_product => '1h', p_customer => 'acct-77', p_channel => 'web', p_amount => 1.50)" >/dev/null
w worker --once
t_eq "a web order is fulfilled" completed "$(sql "SELECT status FROM orders WHERE customer = 'acct-77'")"
sql "INSERT INTO orders (channel, product, customer) VALUES ('api', 'ghost', 'acct-78')" >/dev/null # a plan removed since
w worker --once
t_eq "an order for no plan fails" failed "$(sql "SELECT status FROM orders WHERE customer = 'acct-78'")"
t_contains "saying why" "no active plan named 'ghost'" "$(sql "SELECT last_error FROM orders WHERE customer = 'acct-78'")"

# --- retry and cancel ------------------------------------------------------------------
ID=$(sql "SELECT id FROM orders WHERE customer = 'acct-78'")
w order retry "$ID"
t_eq "retry exits 0" 0 "$RC"
t_eq "retry: pending again" pending "$(sql "SELECT status FROM orders WHERE id = $ID")"
w order cancel "$ID"
t_eq "cancel exits 0" 0 "$RC"
t_eq "cancelled" cancelled "$(sql "SELECT status FROM orders WHERE id = $ID")"
w order retry "$ID"
t_eq "a cancelled order is not retried" 1 "$RC"
w order cancel 1
t_eq "a completed order is not cancelled" 1 "$RC"
t_contains "saying so" "order 1 is completed" "$ERR"
t_contains "completed orders keep their PIN (database)" "cannot change" "$(sql "UPDATE orders SET pin = 'x' WHERE id = 1" 2>&1)"
w order show 999
t_eq "no such order" 1 "$RC"
w order receipt "$ID"
t_eq "no receipt without a PIN" 1 "$RC"
t_contains "saying why" "no PIN to print yet" "$ERR"

# --- out of stock, low stock ----------------------------------------------------------
sql "UPDATE plans SET low_stock = 60 WHERE name = 'day'" >/dev/null
redis-cli -s "$REDIS_SOCK" SUBSCRIBE wisp:events >"$T/events.txt" 2>&1 &
SUBPID=$!
sleep 0.3
w order add --product day --customer 0700333444
w worker --once
t_eq "no stock: a batch is made and the order completed" completed "$(sql "SELECT status FROM orders WHERE customer = '0700333444'")"
t_eq "the stock batch: twice the low-stock mark" 120 "$(sql "SELECT count FROM batches WHERE note = 'stock for orders'")"
for i in $(seq 70); do sql "INSERT INTO orders (product, customer) VALUES ('day', 'bulk-$i')" >/dev/null; done
w worker --once
kill "$SUBPID" 2>/dev/null
wait "$SUBPID" 2>/dev/null
t_contains "stock.low published" '"type":"stock.low"' "$(cat "$T/events.txt")"
t_contains "order.created published" '"type":"order.created"' "$(cat "$T/events.txt")"
t_contains "order.updated published" '"type":"order.updated"' "$(cat "$T/events.txt")"

# --- NOTIFY: a running worker starts at once, not at its next cycle --------------------
"$WISP" worker --interval 60 >"$T/wn.log" 2>&1 &
WN=$!
sleep 2
w order add --product 1h --customer notify-me --json
NID=$(jq -r .order_id <<<"$OUT")
t_ok "completed well before the next cycle" bash -c "for i in \$(seq 30); do [ \"\$(psql -XAtq -c 'SELECT status FROM orders WHERE id = $NID')\" = completed ] && exit 0; sleep 0.1; done; exit 1"
kill -TERM "$WN"
wait "$WN"

# --- two workers, 500 orders, one killed mid-run -----------------------------------------
sql "INSERT INTO orders (product, customer) SELECT CASE WHEN g % 2 = 0 THEN '1h' ELSE 'day' END, 'load-' || g
     FROM generate_series(1, 500) g" >/dev/null
"$WISP" worker --interval 1 >"$T/w1.log" 2>&1 &
W1=$!
"$WISP" worker --interval 1 >"$T/w2.log" 2>&1 &
W2=$!
for _ in $(seq 50); do
    [ "$(sql "SELECT count(*) FROM orders WHERE customer LIKE 'load-%' AND status = 'completed'")" -gt 20 ] && break
    sleep 0.05
done
kill -KILL "$W1"
wait "$W1" 2>/dev/null
"$WISP" worker --interval 1 >"$T/w3.log" 2>&1 &
W3=$!
for _ in $(seq 300); do
    [ "$(sql "SELECT count(*) FROM orders WHERE customer LIKE 'load-%' AND status <> 'completed'")" = 0 ] && break
    sleep 0.1
done
kill -TERM "$W2" "$W3"
wait "$W2" "$W3"
t_eq "500 orders: all completed" 500 "$(sql "SELECT count(*) FROM orders WHERE customer LIKE 'load-%' AND status = 'completed'")"
t_eq "every order has its own voucher" 0 "$(sql "SELECT count(*) FROM (SELECT voucher_id FROM orders WHERE voucher_id IS NOT NULL GROUP BY 1 HAVING count(*) > 1) d")"
t_eq "every PIN is a sold voucher of its plan" 0 \
    "$(sql "SELECT count(*) FROM orders o JOIN vouchers v ON v.id = o.voucher_id JOIN plans p ON p.id = v.plan_id WHERE o.status = 'completed' AND (v.status <> 'sold' OR v.code <> o.pin OR p.name <> o.product)")"
t_eq "no voucher sold without an order (besides none sold by hand here)" \
    "$(sql "SELECT count(*) FROM orders WHERE status = 'completed'")" "$(sql "SELECT count(*) FROM vouchers WHERE status = 'sold'")"
t_eq "one completion audited per order" "$(sql "SELECT count(*) FROM orders WHERE status = 'completed'")" \
    "$(sql "SELECT count(*) FROM audit WHERE action = 'order.complete'")"
