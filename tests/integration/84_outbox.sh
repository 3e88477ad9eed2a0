#!/usr/bin/env bash
# The outbox (migration 019): every source writes its event in the same
# transaction as the change (a rolled-back sale writes none), with the
# payload docs/webhooks.md promises and never an order's PIN; router events
# only on the persisted state change; stock.low once per crossing; nobody
# but the worker may emit, nobody writes the table.
. "$(dirname "$0")/../lib.sh"
w db migrate
t_eq "migrates" 0 "$RC"
ev() { sql "SELECT coalesce(string_agg(kind || ' ' || payload::text, E'\n' ORDER BY id), '') FROM outbox_events $1"; }
nev() { sql "SELECT count(*) FROM outbox_events"; }

sql "SELECT wisp_plan_add('1h', 1.50, 3600, NULL, NULL, 86400, NULL, NULL, false, 3);
     SELECT wisp_batch_create('1h', 'code', 6, 'abc', '', NULL, NULL,
         ARRAY['c00001', 'c00002', 'c00003', 'c00004', 'c00005', 'c00006'], NULL)" >/dev/null
mkrole ob_cash cash-pw wisp_operator
mkrole ob_work work-pw wisp_worker
as() { PGPASSWORD=$2 psql -XAtq -v ON_ERROR_STOP=1 -U "$1" -c "$3" 2>&1; }

# --- a sale ------------------------------------------------------------------------
psql -XAtq -c "BEGIN" -c "SELECT wisp_voucher_sell('c00001')" -c "ROLLBACK" >/dev/null 2>&1
t_eq "a rolled-back sale writes no event" 0 "$(nev)"
t_eq "... and sold nothing" new "$(sql "SELECT status FROM vouchers WHERE code = 'c00001'")"
as ob_cash cash-pw "SELECT wisp_voucher_sell('c00001')" >/dev/null
t_eq "a sale writes voucher.sold" \
    'voucher.sold {"code": "c00001", "plan": "1h", "price": 1.50, "sold_by": "ob_cash", "order_id": null}' \
    "$(ev "WHERE kind = 'voucher.sold'")"
# the event and the sale are one transaction: the event's row is the sale's
t_eq "the event was written by the sale's transaction" t \
    "$(sql "SELECT e.xmin = v.xmin FROM outbox_events e, vouchers v WHERE v.code = 'c00001'
            AND e.kind = 'voucher.sold'")"

# --- stock.low: 6 unsold -> 5 (sold above) -> 3 -> 2 crosses below 3, once ---------
as ob_cash cash-pw "SELECT wisp_voucher_sell('c00002'); SELECT wisp_voucher_sell('c00003')" >/dev/null
t_eq "no stock.low at the threshold" 0 "$(sql "SELECT count(*) FROM outbox_events WHERE kind = 'stock.low'")"
as ob_cash cash-pw "SELECT wisp_voucher_sell('c00004')" >/dev/null
t_eq "stock.low when it falls below" 'stock.low {"plan": "1h", "unsold": 2, "low_stock": 3}' \
    "$(ev "WHERE kind = 'stock.low'")"
as ob_cash cash-pw "SELECT wisp_voucher_sell('c00005')" >/dev/null
t_eq "once per crossing" 1 "$(sql "SELECT count(*) FROM outbox_events WHERE kind = 'stock.low'")"

# --- voucher.activated ---------------------------------------------------------------
sql "INSERT INTO routers (name, driver, host, username) VALUES ('r1', 'routeros', '10.0.0.1', 'wisp')" >/dev/null
psql -XAtq -v ON_ERROR_STOP=1 -c "BEGIN" -c "SELECT wisp_voucher_activate('c00001', 60, NULL)" \
    -c "INSERT INTO sessions (router_id, username) VALUES (1, 'c00001')" -c "COMMIT" >/dev/null
t_eq "first use writes voucher.activated, naming the router" \
    'voucher.activated {"code": "c00001", "plan": "1h", "router": "r1"}' "$(ev "WHERE kind = 'voucher.activated'")"

# --- orders ----------------------------------------------------------------------------
sql "SELECT wisp_batch_create('1h', 'code', 6, 'abc', '', NULL, NULL, ARRAY['c00007', 'c00008'], NULL);
     SELECT wisp_order_add('1h', '0700111222', 'web', NULL, NULL, NULL, NULL, true, 'mpesa:QX81')" >/dev/null
psql -XAtq -c "BEGIN" -c "SELECT * FROM wisp_order_fulfil()" -c "ROLLBACK" >/dev/null 2>&1
t_eq "a rolled-back fulfilment writes nothing" 0 \
    "$(sql "SELECT count(*) FROM outbox_events WHERE payload ? 'order_id' AND payload->>'order_id' IS NOT NULL")"
as ob_work work-pw "SELECT * FROM wisp_order_fulfil()" >/dev/null
code=$(sql "SELECT v.code FROM orders o JOIN vouchers v ON v.id = o.voucher_id WHERE o.id = 1")
t_eq "order.completed" \
    "order.completed {\"code\": \"$code\", \"plan\": \"1h\", \"product\": \"1h\", \"customer\": \"0700111222\", \"order_id\": 1, \"reference\": \"mpesa:QX81\"}" \
    "$(ev "WHERE kind = 'order.completed'")"
t_eq "its voucher.sold names the order" 1 \
    "$(sql "SELECT payload->>'order_id' FROM outbox_events WHERE kind = 'voucher.sold' AND payload->>'code' = '$code'")"
# a provider order: its PIN is the provider's secret, never in the outbox
sql "INSERT INTO orders (product, customer, provider, status) VALUES ('topup', 'acct-9', 'prov', 'sent');
     UPDATE orders SET status = 'completed', pin = 'PIN-SECRET-9' WHERE id = 2" >/dev/null
t_eq "a provider order's completion" \
    'order.completed {"code": null, "plan": null, "product": "topup", "customer": "acct-9", "order_id": 2, "reference": null}' \
    "$(ev "WHERE kind = 'order.completed' AND payload->>'order_id' = '2'")"
t_eq "no PIN anywhere in the outbox" 0 \
    "$(sql "SELECT count(*) FROM outbox_events WHERE payload::text LIKE '%PIN-SECRET%' OR payload ? 'pin'")"
sql "INSERT INTO orders (product, customer, provider, status) VALUES ('topup', 'acct-10', 'prov', 'sent');
     UPDATE orders SET status = 'failed', last_error = 'provider said no' WHERE id = 3" >/dev/null
t_eq "order.failed" \
    'order.failed {"error": "provider said no", "product": "topup", "customer": "acct-10", "order_id": 3, "reference": null}' \
    "$(ev "WHERE kind = 'order.failed'")"
sql "UPDATE orders SET last_error = 'again' WHERE id = 3" >/dev/null
t_eq "no event without a status change" 1 "$(sql "SELECT count(*) FROM outbox_events WHERE kind = 'order.failed'")"

# --- routers: the persisted change only -------------------------------------------------
sql "UPDATE routers SET state = 'up' WHERE name = 'r1'" >/dev/null
t_eq "coming up the first time says nothing" 0 \
    "$(sql "SELECT count(*) FROM outbox_events WHERE kind LIKE 'router.%'")"
sql "UPDATE routers SET state = 'down', last_error = 'ssh: timeout' WHERE name = 'r1'" >/dev/null
sql "UPDATE routers SET state = 'down', last_error = 'ssh: refused', failures = failures + 1 WHERE name = 'r1'" >/dev/null
sql "UPDATE routers SET state = 'up', last_error = NULL WHERE name = 'r1'" >/dev/null
t_eq "down once, then up" "router.down ssh: timeout|router.up " \
    "$(sql "SELECT string_agg(kind || ' ' || coalesce(payload->>'error', ''), '|' ORDER BY id)
            FROM outbox_events WHERE kind LIKE 'router.%'")"
t_eq "the router event's time is the change's, ISO-8601 UTC" t \
    "$(sql "SELECT bool_and(payload->>'at' = wisp_iso_utc(created_at) AND payload->>'at' ~ '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$')
            FROM outbox_events WHERE kind LIKE 'router.%'")"

# --- who -------------------------------------------------------------------------------
n=$(nev)
out=$(as ob_cash cash-pw "SELECT wisp_outbox_emit('voucher.sold', '{\"code\": \"FORGED\"}')")
t_contains "a cashier may not emit" "permission denied" "$out"
out=$(as ob_cash cash-pw "INSERT INTO outbox_events (kind, payload) VALUES ('voucher.sold', '{}')")
t_contains "a cashier may not write the table" "permission denied" "$out"
out=$(as ob_cash cash-pw "SELECT count(*) FROM outbox_events")
t_contains "a cashier may not read it (voucher codes)" "permission denied" "$out"
out=$(as ob_work work-pw "SELECT wisp_outbox_emit('sales.daily', '{\"total\": 1}') > 0")
t_eq "the worker emits events of its own" t "$out"
out=$(as ob_work work-pw "DELETE FROM outbox_events")
t_contains "the worker may not delete events" "permission denied" "$out"
t_eq "one event more" $((n + 1)) "$(nev)"
