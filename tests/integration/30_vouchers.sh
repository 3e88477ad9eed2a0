#!/usr/bin/env bash
# Vouchers: batch creation (CSPRNG codes, charsets, uniqueness, limits,
# all-or-nothing), listing, the sale/disable/enable life cycle, batches.
. "$(dirname "$0")/../lib.sh"
w db migrate
w plan add 1h --price 2.50 --duration 1h --validity 7d

w voucher create --plan 1h --count 50 --json
t_eq "create exits 0" 0 "$RC"
t_eq "create json" '{"batch_id":1,"count":50}' "$(printf '%s' "$OUT" | jq -c .)"
t_eq "50 vouchers written" 50 "$(sql "SELECT count(*) FROM vouchers WHERE batch_id=1")"
t_eq "default length 8" 8 "$(sql "SELECT DISTINCT length(code) FROM vouchers WHERE batch_id=1")"
t_eq "default charset has no look-alikes" 0 \
    "$(sql "SELECT count(*) FROM vouchers WHERE batch_id=1 AND code ~ '[0O1lIo]'")"
t_eq "code mode: password = code" 0 "$(sql "SELECT count(*) FROM vouchers WHERE batch_id=1 AND password <> code")"
t_eq "serials 1..50" "1 50" "$(sql "SELECT min(serial) || ' ' || max(serial) FROM vouchers WHERE batch_id=1")"

w voucher create --plan 1h --count 20 --charset digits --length 6 --prefix HS- --mode userpass
t_eq "userpass batch" 0 "$RC"
t_eq "prefix + digits" 20 "$(sql "SELECT count(*) FROM vouchers WHERE batch_id=2 AND code ~ '^HS-[0-9]{6}\$'")"
t_eq "userpass: separate passwords" 20 "$(sql "SELECT count(*) FROM vouchers WHERE batch_id=2 AND password <> code AND password ~ '^[0-9]{6}\$'")"

w voucher create --plan 1h --count 10 --charset ABC --length 8
t_eq "literal charset" 10 "$(sql "SELECT count(*) FROM vouchers WHERE batch_id=3 AND code ~ '^[ABC]{8}\$'")"

w voucher create --plan 1h --count 1000 --charset digits --length 4
t_eq "too small a space refused" 2 "$RC"
t_contains "says what to raise" "raise --length to 5" "$ERR"
w voucher create --plan 1h --count 0
t_eq "count 0 refused" 2 "$RC"
w voucher create --plan 1h --count 100001
t_eq "count over 100000 refused" 2 "$RC"
w voucher create --plan nosuch --count 5
t_eq "unknown plan" 1 "$RC"
w voucher create --plan 1h --count 5 --mode fancy
t_eq "bad mode" 2 "$RC"
t_eq "refusals wrote no batch" 3 "$(sql "SELECT count(*) FROM batches")"

# All or nothing: a failure after the vouchers were written rolls back the batch.
sql "CREATE FUNCTION fail_audit() RETURNS trigger LANGUAGE plpgsql AS \$\$ BEGIN RAISE EXCEPTION 'injected failure'; END \$\$;
     CREATE TRIGGER fail_audit BEFORE INSERT ON audit FOR EACH ROW EXECUTE FUNCTION fail_audit();" >/dev/null
w voucher create --plan 1h --count 500
t_eq "injected failure fails the command" 1 "$RC"
t_contains "injected failure reported" "injected failure" "$ERR"
sql "DROP TRIGGER fail_audit ON audit; DROP FUNCTION fail_audit();" >/dev/null
t_eq "no half batch" 3 "$(sql "SELECT count(*) FROM batches")"
t_eq "no orphan vouchers" 80 "$(sql "SELECT count(*) FROM vouchers")"

# Codes unique across batches created at the same moment, in a small space.
for i in 1 2 3 4; do
    ( "$WISP" voucher create --plan 1h --count 200 --charset ABCDEFGHJK --length 5 >/dev/null 2>&1; echo $? >"$T/c$i" ) &
done
wait
t_eq "concurrent batches all succeed" "0000" "$(cat "$T"/c1 "$T"/c2 "$T"/c3 "$T"/c4 | tr -d '\n')"
t_eq "no duplicate code anywhere" 0 "$(sql "SELECT count(*) FROM (SELECT code FROM vouchers GROUP BY code HAVING count(*) > 1) d")"
t_eq "concurrent batches complete" 800 "$(sql "SELECT count(*) FROM vouchers WHERE batch_id > 3")"

# Listing.
w voucher list --batch 1 --json
t_eq "list json length" 50 "$(printf '%s' "$OUT" | jq length)"
t_eq "list json keys" '["code","password","plan","price","status","batch_id","created_at","sold_at","first_used_at","expires_at"]' \
    "$(printf '%s' "$OUT" | jq -c '.[0] | keys_unsorted')"
t_match "created_at is ISO 8601" '^"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+[+-][0-9]{2}:[0-9]{2}"$' \
    "$(printf '%s' "$OUT" | jq '.[0].created_at')"
t_eq "price is a string" '"2.50"' "$(printf '%s' "$OUT" | jq '.[0].price')"
w voucher list --plan 1h --limit 7 --json
t_eq "limit" 7 "$(printf '%s' "$OUT" | jq length)"
w voucher list --status bogus
t_eq "bad status" 2 "$RC"
w voucher list --batch 2 --csv
t_eq "csv header" "code,password,plan,price,status,batch_id,created_at,sold_at,first_used_at,expires_at" \
    "$(printf '%s' "$OUT" | head -1 | tr -d '\r')"
t_eq "csv rows" 21 "$(printf '%s\n' "$OUT" | grep -c .)"
w voucher list --batch 1
t_eq "text list rows" 51 "$(printf '%s\n' "$OUT" | grep -c .)"

# Sell, with the price from the plan and the seller from the role.
code=$(sql "SELECT code FROM vouchers WHERE batch_id=1 AND serial=1")
w voucher sell "$code"
t_eq "sell exits 0" 0 "$RC"
t_contains "sell says price" "2.50" "$OUT"
t_eq "sold status" sold "$(sql "SELECT status FROM vouchers WHERE code='$code'")"
t_eq "sale recorded" "2.50|$PGUSER" "$(sql "SELECT price || '|' || sold_by FROM vouchers WHERE code='$code' AND sold_at IS NOT NULL")"
w voucher sell "$code"
t_eq "selling twice refused" 1 "$RC"
t_contains "refusal names the status" "is sold" "$ERR"
w voucher sell NOSUCHCODE
t_contains "unknown code" 'no voucher with code "NOSUCHCODE"' "$ERR"

w voucher disable "$code"
t_eq "disable" disabled "$(sql "SELECT status FROM vouchers WHERE code='$code'")"
w voucher disable "$code"
t_eq "disable twice refused" 1 "$RC"
w voucher sell "$code"
t_contains "disabled cannot be sold" "is disabled" "$ERR"
w voucher enable "$code"
t_eq "enable returns to sold" sold "$(sql "SELECT status FROM vouchers WHERE code='$code'")"
w voucher disable --batch 2
t_contains "disable batch count" "20 vouchers disabled" "$OUT"
w voucher enable --batch 2
t_eq "enable batch back to new" 20 "$(sql "SELECT count(*) FROM vouchers WHERE batch_id=2 AND status='new'")"
w voucher disable
t_eq "disable needs a target" 2 "$RC"

w voucher show "$code"
t_eq "show exits 0" 0 "$RC"
t_contains "show has the plan" "1h" "$OUT"
t_contains "show has the login url" "http://hotspot.lan/login?username=$code&password=$code" "$OUT"
t_contains "show draws a QR" "█" "$OUT"
w voucher show "$code" --json
t_eq "show json url" "http://hotspot.lan/login?username=$code&password=$code" "$(printf '%s' "$OUT" | jq -r .url)"

# Batches.
w batch list --json
t_eq "batch list json" '{"id":1,"count":50,"new":49,"sold":1}' \
    "$(printf '%s' "$OUT" | jq -c '.[] | select(.id==1) | {id,count,new,sold}')"
w batch delete 1
t_eq "batch with a sale cannot be deleted" 1 "$RC"
t_contains "delete refusal says why" "sold or used" "$ERR"
w batch delete 3
t_eq "unsold batch deleted" 0 "$(sql "SELECT count(*) FROM vouchers WHERE batch_id=3")"
w batch delete 999
t_contains "unknown batch" "no batch 999" "$ERR"
# The rule holds below wisp too.
t_fail "psql cannot delete a sold voucher" 1 psql -XAtq -v ON_ERROR_STOP=1 -c "DELETE FROM vouchers WHERE code='$code'"

t_eq "every change audited" 1 "$(sql "SELECT count(*) FROM audit WHERE action='voucher.sell' AND details->>'code'='$code'")"
w audit --json --limit 3
t_eq "audit limit" 3 "$(printf '%s' "$OUT" | jq length)"
t_eq "audit who" "$PGUSER" "$(printf '%s' "$OUT" | jq -r '.[0].who')"
w audit
t_contains "audit text" "batch.delete" "$OUT"
