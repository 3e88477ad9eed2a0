#!/usr/bin/env bash
# The database referees orders, routers and router jobs (migration 007),
# through wisp and through psql as each role (its statements are in
# role_matrix/orders_routers.txt, run by 41_role_matrix); who
# and when in orders and audit rows are the server's; a PIN is read only
# through the audited reveal; a host key is pinned only at first contact and
# only when an admin said so; the worker writes none of a router's settings.
. "$(dirname "$0")/../lib.sh"
KEY=$T/id_test
printf 'not a real key\n' >"$KEY"
chmod 600 "$KEY" # wisp refuses a key others can read
FA=SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
FB=SHA256:BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB

w db migrate
t_eq "migrate" 0 "$RC"
# Admins are no members of the worker group (issue 11): what they may do as
# the console's embedded worker is granted to wisp_admin itself.
sql "REVOKE wisp_worker FROM wisp_admin" >/dev/null 2>&1
mkrole ref_admin adm-pw wisp_admin
mkrole ref_op op-pw wisp_operator
mkrole ref_view view-pw wisp_viewer
mkrole ref_bot bot-pw wisp_worker
roles=(ref_admin ref_op ref_view ref_bot)
pws=(adm-pw op-pw view-pw bot-pw)
aspsql() { PGPASSWORD=$2 psql -XAtq -v ON_ERROR_STOP=1 -U "$1" -c "$3" 2>&1; }

# --- fixtures, through wisp as the right people -----------------------------
w plan add 1h --price 1.50 --duration 1h
w voucher create --plan 1h --count 10
w_as ref_op op-pw order add --product 1h --customer 0700111222 --json
t_eq "an operator takes an order" '{"order_id":1}' "$(jq -c . <<<"$OUT")"
t_eq "created by the operator, now" "ref_op|true" "$(sql "SELECT created_by || '|' || (created_at > now() - interval '1 minute') FROM orders WHERE id = 1")"
t_eq "order.add audited as the operator" "ref_op" "$(sql "SELECT who FROM audit WHERE action = 'order.add' AND details->>'order' = '1'")"
w_as ref_bot bot-pw worker --once
t_eq "the worker role completes it" "completed" "$(sql "SELECT status FROM orders WHERE id = 1")"
t_eq "its voucher sold by the worker at the plan's price, in the same step" "ref_bot|1.50|true" \
    "$(sql "SELECT v.sold_by || '|' || v.price || '|' || (v.sold_at IS NOT NULL) FROM orders o JOIN vouchers v ON v.id = o.voucher_id WHERE o.id = 1")"
t_eq "order.complete audited as the worker" "ref_bot" "$(sql "SELECT who FROM audit WHERE action = 'order.complete'")"
PIN=$(sql "SELECT pin FROM orders WHERE id = 1")
w_as ref_op op-pw order add --product topup --customer acct-9 --provider gamecard
w_as ref_op op-pw order add --product topup --customer acct-10 --provider gamecard
sql "UPDATE orders SET status = 'sent', sent_at = now() WHERE id = 3" >/dev/null
sql "INSERT INTO orders (product, customer) VALUES ('retired', 'acct-11')" >/dev/null # its plan went since
w_as ref_bot bot-pw worker --once
t_eq "an order for no plan: failed by the worker" failed "$(sql "SELECT status FROM orders WHERE id = 4")"
w_as ref_admin adm-pw router add ma --host 127.0.0.1 --user u --key "$KEY" --driver routeros --accept-new-hostkey
t_eq "an admin adds a router" 0 "$RC"
w_as ref_admin adm-pw router add mb --host 127.0.0.1 --user u --driver routeros --password-stdin --hostkey "$FB" <<<'router-secret'
t_eq "an admin adds a router with a password" 0 "$RC"
t_eq "router.add audited as the admin, never the password" "ref_admin|ref_admin|0" \
    "$(sql "SELECT min(who) || '|' || max(who) || '|' || count(*) FILTER (WHERE details::text LIKE '%router-secret%') FROM audit WHERE action = 'router.add'")"
sql "INSERT INTO sessions (router_id, username, mac) SELECT id, 'guest', 'AA:BB:CC:DD:EE:FF' FROM routers WHERE name = 'mb'" >/dev/null

# --- the matrix: role_matrix/orders_routers.txt runs in 41_role_matrix ------
for i in 0 1 2 3; do
    t_eq "${roles[$i]} logs in" 1 "$(aspsql "${roles[$i]}" "${pws[$i]}" "SELECT 1")"
done

# --- forged orders: refused, through psql as an operator ---------------------
out=$(aspsql ref_op op-pw "INSERT INTO orders (product, customer, status, pin, created_by) VALUES ('1h', 'x', 'completed', 'FORGED', 'ref_admin')")
t_contains "an operator cannot insert a completed order with a PIN" "permission denied" "$out"
WEB=$(aspsql ref_op op-pw "SELECT wisp_order_add('1h', 'web-1', 'web', 0.01)")
t_match "a web shop's order through the function" '^[0-9]+$' "$WEB"
WEB=${WEB//[!0-9]/}
t_eq "its author, status and time are the server's" "ref_op|pending|false|true" \
    "$(sql "SELECT created_by || '|' || status || '|' || (pin IS NOT NULL) || '|' || (created_at > now() - interval '1 minute') FROM orders WHERE id = ${WEB:-0}")"
t_contains "a plan that does not sell is refused" 'no active plan named "nosuch"' \
    "$(aspsql ref_op op-pw "SELECT wisp_order_add('nosuch', 'web-2')")"
t_contains "a customer with a control character is refused" "control characters" \
    "$(aspsql ref_op op-pw "SELECT wisp_order_add('1h', E'evil\\x1b[2J')")"
t_contains "a provider order cannot be completed from the counter" "permission denied" \
    "$(aspsql ref_op op-pw "SELECT wisp_order_complete(3, 'FORGED')")"
t_contains "a plan order cannot be completed with a PIN the worker makes up" "not a provider order in flight" \
    "$(aspsql ref_bot bot-pw "SELECT wisp_order_complete(${WEB:-0}, 'FORGED')")"
t_contains "a completed order cannot be completed again" "not a provider order in flight" \
    "$(aspsql ref_bot bot-pw "SELECT wisp_order_complete(1, 'FORGED')")"

# --- the PIN: viewers never, operators through the audited reveal -----------------
w_as ref_view view-pw order reveal 1
t_eq "a viewer cannot reveal" 1 "$RC"
t_contains "refused by PostgreSQL" "permission denied" "$ERR"
t_contains "a viewer cannot select it" "permission denied" "$(aspsql ref_view view-pw "SELECT pin FROM orders")"
t_contains "an operator cannot select it either" "permission denied" "$(aspsql ref_op op-pw "SELECT pin FROM orders WHERE id = 1")"
w_as ref_view view-pw order list --json
t_eq "a viewer lists orders" 0 "$RC"
t_not_contains "the list holds no PIN" "$PIN" "$OUT"
t_eq "it says which orders have one" "true" "$(jq -r '.[] | select(.id == 1) | .has_pin' <<<"$OUT")"
w_as ref_view view-pw order show 1
t_not_contains "show holds no PIN" "$PIN" "$OUT"
t_eq "no reveal audited yet" 0 "$(sql "SELECT count(*) FROM audit WHERE action = 'order.reveal'")"
w_as ref_op op-pw order reveal 1
t_eq "an operator reveals it" "order 1 PIN: $PIN" "$OUT"
t_eq "the reveal audited as the operator" "ref_op|1" \
    "$(sql "SELECT who || '|' || (details->>'order') FROM audit WHERE action = 'order.reveal'")"
w_as ref_op op-pw order reveal 2
t_eq "no PIN yet: refused" 1 "$RC"
t_contains "saying so" "order 2 has no PIN yet" "$ERR"

# --- the operator's order actions: audited, the transition checked ---------------
w_as ref_op op-pw order paid 2 --ref mpesa:QX81
t_eq "an operator records a payment" 0 "$RC"
w_as ref_op op-pw order paid 2 --ref mpesa:OTHER
t_eq "a paid order's reference is not overwritten" 1 "$RC"
t_eq "paid once, audited" "true|mpesa:QX81|1" \
    "$(sql "SELECT paid || '|' || payment_ref || '|' || (SELECT count(*) FROM audit WHERE action = 'order.paid') FROM orders WHERE id = 2")"
w_as ref_op op-pw order retry 4
t_eq "retry a failed order" 0 "$RC"
w_as ref_op op-pw order cancel 4
t_eq "cancel it" 0 "$RC"
t_eq "retry and cancel audited as the operator" "order.cancel:ref_op order.retry:ref_op" \
    "$(sql "SELECT string_agg(action || ':' || who, ' ' ORDER BY action) FROM audit WHERE action IN ('order.retry', 'order.cancel')")"
w_as ref_op op-pw order cancel 1
t_eq "a completed order is not cancelled" 1 "$RC"
t_contains "saying why" "order 1 is completed" "$ERR"

# --- host keys: pinned at first contact, only when an admin said so -----------
MA=$(sql "SELECT id FROM routers WHERE name = 'ma'")
MB=$(sql "SELECT id FROM routers WHERE name = 'mb'")
t_contains "the worker cannot change a pinned key" "a host key is pinned already" \
    "$(aspsql ref_bot bot-pw "SELECT wisp_router_pin_hostkey($MB, '$FA')")"
t_contains "nor write it itself" "permission denied" "$(aspsql ref_bot bot-pw "UPDATE routers SET hostkey = '$FA' WHERE id = $MB")"
t_contains "nor a router's host" "permission denied" "$(aspsql ref_bot bot-pw "UPDATE routers SET host = '10.6.6.6' WHERE id = $MB")"
t_contains "nor trust a new key" "permission denied" "$(aspsql ref_bot bot-pw "UPDATE routers SET hostkey = NULL, accept_new_hostkey = true WHERE id = $MB")"
t_contains "nor a router password" "permission denied" "$(aspsql ref_bot bot-pw "UPDATE router_secrets SET password = 'x'")"
t_eq "but reads it, to log in" "router-secret" "$(aspsql ref_bot bot-pw "SELECT password FROM router_secrets WHERE router_id = $MB")"
t_eq "the pinned key is unchanged" "$FB" "$(sql "SELECT hostkey FROM routers WHERE id = $MB")"
t_eq "first contact with accept-new: pinned" "t" "$(aspsql ref_bot bot-pw "SELECT wisp_router_pin_hostkey($MA, '$FA')")"
t_eq "pinned, and no new key trusted any more" "$FA|false" "$(sql "SELECT hostkey || '|' || accept_new_hostkey FROM routers WHERE id = $MA")"
t_eq "the pin audited as the worker" "ref_bot|ma|$FA" \
    "$(sql "SELECT who || '|' || (details->>'name') || '|' || (details->>'hostkey') FROM audit WHERE action = 'router.hostkey'")"
t_eq "the same key again: nothing to do" "f" "$(aspsql ref_bot bot-pw "SELECT wisp_router_pin_hostkey($MA, '$FA')")"
t_contains "another key later: refused" "a host key is pinned already" "$(aspsql ref_bot bot-pw "SELECT wisp_router_pin_hostkey($MA, '$FB')")"
w_as ref_admin adm-pw router edit ma --hostkey none
t_contains "no key and no accept-new: nothing is pinned" "no new host key is trusted" \
    "$(aspsql ref_bot bot-pw "SELECT wisp_router_pin_hostkey($MA, '$FB')")"
t_contains "a viewer cannot pin" "permission denied" "$(aspsql ref_view view-pw "SELECT wisp_router_pin_hostkey($MA, '$FB')")"
w_as ref_admin adm-pw router edit ma --hostkey "$FB" --port 2222
t_eq "an admin changes the key" "$FB|2222" "$(sql "SELECT hostkey || '|' || port FROM routers WHERE id = $MA")"
t_eq "router.edit audited as the admin" 2 "$(sql "SELECT count(*) FROM audit WHERE action = 'router.edit' AND who = 'ref_admin'")"
w_as ref_admin adm-pw router edit ma --password-stdin <<<'second-secret'
t_eq "a password replaces the key login" "|second-secret" "$(sql "SELECT coalesce(r.key_path, '') || '|' || s.password FROM routers r JOIN router_secrets s ON s.router_id = r.id WHERE r.id = $MA")"
t_eq "and the audit row hides it" 0 "$(sql "SELECT count(*) FROM audit WHERE details::text LIKE '%second-secret%'")"
w_as ref_op op-pw router edit ma --host 10.6.6.6
t_eq "an operator cannot edit a router" 1 "$RC"
t_contains "refused by PostgreSQL" "permission denied" "$ERR"
w_as ref_op op-pw router maintenance ma on
t_eq "an operator puts a router in maintenance" "maintenance|ref_op" \
    "$(sql "SELECT state || '|' || (SELECT who FROM audit WHERE action = 'router.maintenance') FROM routers WHERE id = $MA")"

# --- router jobs: created by the caller, the worker writes outcomes only --------------
SID=$(sql "SELECT id FROM sessions WHERE username = 'guest'")
w_as ref_view view-pw session kick "$SID"
t_eq "a viewer cannot kick" 1 "$RC"
w_as ref_op op-pw router sync mb --full
t_eq "an operator asks for a full resync" "ref_op|resync" "$(sql "SELECT created_by || '|' || kind FROM router_jobs WHERE router_id = $MB")"
t_eq "router.sync audited" ref_op "$(sql "SELECT who FROM audit WHERE action = 'router.sync'")"
out=$(aspsql ref_op op-pw "SELECT wisp_session_kick($SID)")
t_eq "an operator's kick job, by the operator" "ref_op|kick|guest" \
    "$(sql "SELECT created_by || '|' || kind || '|' || target FROM router_jobs WHERE id = ${out:-0}")"
t_eq "session.kick audited" ref_op "$(sql "SELECT who FROM audit WHERE action = 'session.kick'")"
t_contains "the worker cannot rewrite who asked" "permission denied" \
    "$(aspsql ref_bot bot-pw "UPDATE router_jobs SET created_by = 'ref_admin'")"
t_eq "the worker records an outcome" "" "$(aspsql ref_bot bot-pw "UPDATE router_jobs SET state = 'done', result = 'ok', done_at = now() WHERE id = ${out:-0}")"
w_as ref_admin adm-pw router remove ma
t_eq "an admin removes a router" "0|1" "$(sql "SELECT count(*) FROM routers WHERE name = 'ma'")|$(sql "SELECT count(*) FROM audit WHERE action = 'router.remove' AND who = 'ref_admin'")"

# --- an order gets a voucher its PIN alone logs in with --------------------------
# (a userpass voucher's PIN is its user name: the customer paid for a login
# whose password the receipt never shows)
w plan add up --price 2 --duration 1h
w voucher create --plan up --count 2 --mode userpass
w_as ref_op op-pw order add --product up --customer 0700555666 --json
UP=$(jq -r .order_id <<<"$OUT")
sql "SELECT count(*) FROM wisp_order_fulfil()" >/dev/null # an order waiting from before
t_eq "a plan with userpass stock only: the order takes none of it (out of stock)" "$UP|t" \
    "$(sql "SELECT concat_ws('|', order_id, voucher_id, short_plan IS NOT NULL) FROM wisp_order_fulfil()")"
t_eq "the order waits" pending "$(sql "SELECT status FROM orders WHERE id = $UP")"
t_eq "no userpass voucher sold from stock" "" "$(sql "SELECT code FROM wisp_voucher_sell_next('up')")"
w voucher create --plan up --count 1
t_eq "a code voucher of the plan is taken" "t" \
    "$(sql "SELECT (v.code = v.password) FROM wisp_order_fulfil() f JOIN vouchers v ON v.id = f.voucher_id")"
