#!/usr/bin/env bash
# Subscribers' billing, as issue 16's review found it wanting: the due date
# moves only by a payment (an admin may set it, bounded and audited); a
# payment is a finite amount and an operator's covers the plan; the billing
# day stays at month ends (leap years, 30-day months); the data cap counts
# the billing period that contains today, also when paid ahead; "unpaid" is
# the shop's date, not the client session's; and through the real
# FreeRADIUS: one PPPoE session per subscriber (Simultaneous-Use), a
# database password with a quote that works and is never in its debug
# output, and MS-CHAPv2 logins (tests/tools/mschapv2.py as the peer).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../tools/radius.sh"
chmod 755 "$T"
trap radius_stop EXIT

# a database of 016 with subscribers, upgraded: each keeps its due date's day
w db migrate --to 16
sql "SELECT wisp_subplan_add('home', 20, '5M/10M', 10737418240, 'reject', NULL, 3, NULL, NULL);
     SELECT wisp_subscriber_add('alice', 'alice-pw-11', 'alice', NULL, 'home', NULL, NULL)" >/dev/null
w db migrate
t_eq "migrated to 017" 0 "$RC"
t_eq "... an existing subscriber's billing day is its due date's day" t \
    "$(sql "SELECT bill_day = extract(day FROM due_on) FROM subscribers WHERE username = 'alice'")"
mkrole op1 op1pw wisp_operator
w subplan add lite --price 10 --rate 10M/10M --grace 0
add() { # USER PLAN [ARGS...]: added by the admin
    echo "$1-pw-11" | "$WISP" subscriber add "$1" --plan "$2" --name "$1" "${@:3}" --password-stdin >/dev/null 2>&1
}
add bob home
t_eq "two subscribers" 2 "$(sql "SELECT count(*) FROM subscribers")"
due() { sql "SELECT due_on FROM subscribers WHERE username = '$1'"; }
opsql() { PGPASSWORD=op1pw psql -XAtq -v ON_ERROR_STOP=1 -U op1 -c "$1"; }

# --- finding 1: no free months by moving the due date --------------------------
ALICE_DUE=$(due alice)
w_as op1 op1pw subscriber edit alice --due 2200-12-31
t_eq "an operator cannot move a due date" 1 "$RC"
t_eq "... saying so on one line" "wisp: only an admin may move a due date: record a payment (subscriber pay)" "$ERR"
_run opsql "SELECT wisp_subscriber_edit('alice', '{\"due_on\": \"infinity\"}')"
t_eq "... nor to infinity through psql" 1 "$_rc"
t_eq "... the due date unchanged" "$ALICE_DUE" "$(due alice)"
_run sql "SELECT wisp_subscriber_edit('alice', '{\"due_on\": \"infinity\"}')"
t_eq "an admin cannot set infinity either" 1 "$_rc"
t_contains "... saying why" "bad due date infinity" "$_out"
w subscriber edit alice --due "$(sql "SELECT (current_date + interval '30 months')::date")"
t_eq "... nor more than 24 months on" 1 "$RC"
t_eq "... the due date still unchanged" "$ALICE_DUE" "$(due alice)"
NEW_DUE=$(sql "SELECT (due_on + 7)::text FROM subscribers WHERE username = 'alice'")
w subscriber edit alice --due "$NEW_DUE"
t_eq "an admin moves it within bounds" 0 "$RC"
t_eq "... audited with the old and the new date" "$ALICE_DUE $NEW_DUE" \
    "$(sql "SELECT (details->>'due_from') || ' ' || (details->>'due_to') FROM audit WHERE action = 'subscriber.edit' ORDER BY id DESC LIMIT 1")"
echo 'carl-pw-11' | PGPASSWORD=op1pw WISP_DB="dbname=$PGDATABASE user=op1" "$WISP" subscriber add carl \
    --plan home --name Carl --due "$(sql "SELECT (current_date + interval '2 years')::date")" --password-stdin >/dev/null 2>"$T/e"
t_eq "an operator cannot add a subscriber paid two years ahead" 1 "$?"
t_contains "... saying so" "only an admin may give a first due date more than a month ahead" "$(cat "$T/e")"
_run opsql "SELECT wisp_subscriber_add('carl', 'carl-pw-11', 'Carl', NULL, 'home', 'infinity', NULL)"
t_eq "... nor due at infinity through psql" 1 "$_rc"
t_eq "... no carl" 0 "$(sql "SELECT count(*) FROM subscribers WHERE username = 'carl'")"

# --- a plan change is an admin's (review 2, 3) ------------------------------------
add gus lite
plan() { sql "SELECT p.name FROM subscribers s JOIN subscriber_plans p ON p.id = s.plan_id WHERE s.username = '$1'"; }
w_as op1 op1pw subscriber edit gus --plan home
t_eq "an operator cannot change a subscriber's plan (paid for lite, moved to home)" 1 "$RC"
t_eq "... saying so on one line" "wisp: only an admin may change a subscriber's plan" "$ERR"
_run opsql "SELECT wisp_subscriber_edit('gus', '{\"plan\": \"home\"}')"
t_eq "... nor through psql" 1 "$_rc"
t_eq "... the plan unchanged" lite "$(plan gus)"
w_as op1 op1pw subscriber edit gus --name 'Gus G'
t_eq "... the operator still changes the name" "0 Gus G" "$RC $(sql "SELECT name FROM subscribers WHERE username = 'gus'")"
w subscriber edit gus --plan home
t_eq "an admin changes the plan" "0 home" "$RC $(plan gus)"
t_eq "... audited with the old and the new plan" "lite home" \
    "$(sql "SELECT (details->>'plan_from') || ' ' || (details->>'plan_to') FROM audit WHERE action = 'subscriber.edit' ORDER BY id DESC LIMIT 1")"

# --- finding 2: payments ----------------------------------------------------------
npay() { sql "SELECT count(*) FROM subscriber_payments"; }
_run opsql "SELECT wisp_subscriber_pay('bob', 'NaN', 1)"
t_eq "NaN is no amount (operator)" 1 "$_rc"
_run sql "SELECT wisp_subscriber_pay('bob', 'NaN', 1)"
t_eq "... nor for an admin" 1 "$_rc"
t_contains "... saying why" "bad amount NaN" "$_out"
_run sql "SELECT wisp_subscriber_pay('bob', 'Infinity', 1)"
t_eq "... nor Infinity" 1 "$_rc"
_run sql "SELECT wisp_subscriber_pay('bob', 20, 25)"
t_eq "... nor 25 months" 1 "$_rc"
_run opsql "SELECT wisp_subscriber_pay('bob', 0.01, 24)"
t_eq "an operator's 0.01 for 24 months is refused" 1 "$_rc"
w_as op1 op1pw subscriber pay bob --amount 39.99 --months 2
t_eq "... as is anything short of price x months" 1 "$RC"
t_eq "... saying so" "wisp: the payment is short: 2 month(s) of plan home are 40.00; only an admin may record less" "$ERR"
t_eq "... nothing recorded" 0 "$(npay)"
BOB_DUE=$(due bob)
w_as op1 op1pw subscriber pay bob --amount 40 --months 2
t_eq "an operator's full payment" 0 "$RC"
w subscriber pay bob --amount 15
t_eq "an admin records less (a discount)" 0 "$RC"
t_eq "... the audit row says what was owed and how much short" "15.00 20.00 5.00" \
    "$(sql "SELECT (details->>'amount') || ' ' || (details->>'owed') || ' ' || (details->>'short') FROM audit WHERE action = 'subscriber.pay' ORDER BY id DESC LIMIT 1")"
t_eq "... three months on" "$(sql "SELECT ('$BOB_DUE'::date + interval '3 months')::date")" "$(due bob)"

# --- finding 4: the billing day stays --------------------------------------------------
t_eq "month ends across a leap year and 30-day months" \
    "2028-02-29 2028-03-31 2027-02-28 2027-09-30 2027-10-31 2028-02-29 2028-01-30" \
    "$(sql "SELECT concat_ws(' ', wisp_bill_date('2028-01-31', 31, 1), wisp_bill_date('2028-01-31', 31, 2),
        wisp_bill_date('2027-01-31', 31, 1), wisp_bill_date('2027-08-31', 31, 1),
        wisp_bill_date('2027-09-30', 31, 1), wisp_bill_date('2028-03-31', 31, -1),
        wisp_bill_date('2027-12-30', 30, 1))")"
# end to end: due next year's 31 January, paid month by month
Y=$(sql "SELECT extract(year FROM current_date)::integer + 1")
FEB=$(sql "SELECT (make_date($Y, 3, 1) - 1)::text")
add dora lite
w subscriber edit dora --due "$Y-01-31"
w subscriber pay dora --amount 10
t_eq "31 January + 1 month: the end of February" "$FEB" "$(due dora)"
w subscriber pay dora --amount 10
t_eq "... + 1 month: 31 March, not the 28th" "$Y-03-31" "$(due dora)"
w subscriber pay dora --amount 10
t_eq "... + 1 month: 30 April" "$Y-04-30" "$(due dora)"
w subscriber pay dora --amount 20 --months 2
t_eq "... + 2 months: 30 June" "$Y-06-30" "$(due dora)"
w subscriber pay dora --amount 10
t_eq "... + 1 month: 31 July" "$Y-07-31" "$(due dora)"
t_eq "... the billing day kept" 31 "$(sql "SELECT bill_day FROM subscribers WHERE username = 'dora'")"

# --- finding 3: the data cap's period ---------------------------------------------------
sql "INSERT INTO routers (name, driver, host, username) VALUES ('r1', 'routeros', '10.0.0.1', 'wisp')" >/dev/null
add erin home
# a session today that moved 4 GiB, closed; one of 40 days ago, closed
sql "INSERT INTO sessions (router_id, username, subscriber_id, started_at, last_seen, ended_at, state, bytes_in, bytes_out)
     SELECT 1, 'erin', id, now(), now(), now(), 'closed', 1073741824, 3221225472 FROM subscribers WHERE username = 'erin';
     INSERT INTO sessions (router_id, username, subscriber_id, started_at, last_seen, ended_at, state, bytes_in, bytes_out)
     SELECT 1, 'erin', id, now() - interval '40 days', now() - interval '40 days', now() - interval '40 days', 'closed', 5, 5
       FROM subscribers WHERE username = 'erin'" >/dev/null
used() { sql "SELECT used_bytes FROM subscriber_list WHERE username = '$1'"; }
t_eq "this period's data used: today's session" 4294967296 "$(used erin)"
w subscriber pay erin --amount 60 --months 3
t_eq "paid three months ahead: the period is still the one containing today" 4294967296 "$(used erin)"
mkrole fr_bill 'fr-Pw-1' wisp_radius
frsql() { PGPASSWORD=fr-Pw-1 psql -XAtq -v ON_ERROR_STOP=1 -U fr_bill -c "$1"; }
t_eq "... and FreeRADIUS's reply keeps the cap: 10G - 4G left" "Mikrotik-Total-Limit=2147483648 Mikrotik-Total-Limit-Gigawords=1" \
    "$(frsql "SELECT string_agg(attribute || '=' || value, ' ' ORDER BY id) FROM wisp_radius_reply('erin', '', 300, 0) WHERE attribute LIKE 'Mikrotik-Total%'")"

# --- "unpaid" is the shop's date (UTC, or the database's own time zone) -----------------
# A client zone whose date is not UTC's now: UTC-12 before noon UTC, UTC+14 after.
if [ "$(sql "SELECT extract(hour FROM now() AT TIME ZONE 'UTC') < 12")" = t ]; then
    FAR=Etc/GMT+12 FAR_DUE=$(sql "SELECT (now() AT TIME ZONE 'UTC')::date - 1") WANT=true
else
    FAR=Etc/GMT-14 FAR_DUE=$(sql "SELECT (now() AT TIME ZONE 'UTC')::date") WANT=false
fi
add fay lite
sql "UPDATE subscribers SET due_on = '$FAR_DUE' WHERE username = 'fay'" >/dev/null
PGTZ=$FAR w subscriber list --json
t_eq "unpaid by UTC's date, whatever the client's TimeZone ($FAR, due $FAR_DUE)" "$WANT" \
    "$(jq -r '.[] | select(.username == "fay") | .unpaid' <<<"$OUT")"
if [ "$WANT" = true ]; then want_check="Auth-Type"; else want_check="Cleartext-Password"; fi
t_eq "... and so is FreeRADIUS's answer" "$want_check" \
    "$(PGTZ=$FAR frsql "SELECT attribute FROM wisp_radius_check('fay', '') WHERE id = 1")"
sql "ALTER DATABASE \"$PGDATABASE\" SET timezone = '$FAR'" >/dev/null
PGTZ=UTC w subscriber list --json
t_eq "the database's own time zone is the shop's: the opposite, even for a UTC client" \
    "$([ "$WANT" = true ] && echo false || echo true)" "$(jq -r '.[] | select(.username == "fay") | .unpaid' <<<"$OUT")"
sql "ALTER DATABASE \"$PGDATABASE\" RESET timezone" >/dev/null

# --- FreeRADIUS: a database password with a quote; one session per subscriber -----------
base=$(radius_udp_ports 2)
AUTH=$base ACCT=$((base + 1))
SECRET='bill-S3cret-0001'
DBPW="fr'Pw:\\q\"-2"
printf '%s\n' "$SECRET" >"$T/nas.secret"
printf '%s\n' "$DBPW" >"$T/db.secret"
chmod 600 "$T/nas.secret" "$T/db.secret"
echo routerpw | "$WISP" router add nas1 --host 127.0.0.1 --user admin --driver routeros \
    --password-stdin --accept-new-hostkey >/dev/null
w radius client nas1 --secret-file "$T/nas.secret"
mkrole fr_quote "$DBPW" wisp_radius
w radius config --dir "$T/raddb" --db-user fr_quote --secret-file "$T/db.secret" --listen "127.0.0.1:$AUTH"
t_eq "radius config with a quote in the database password" 0 "$RC"
t_not_contains "... the password is not in the sql module" "$DBPW" "$(cat "$T/raddb/mods-available/sql")"
t_eq "... its password file is the owner's alone" 600 "$(stat -c %a "$T/raddb/db.pass")"
radius_start "$T/raddb" "$T/radiusd.log" debug
t_eq "FreeRADIUS starts with it" 0 "$?"
rad() { radius_send "$1" "$2" "$SECRET" "${@:3}"; }
ppp() { printf 'Service-Type = Framed-User\nFramed-Protocol = PPP\nCalling-Station-Id = "%s"\nNAS-IP-Address = 127.0.0.1\nMessage-Authenticator = 0x00' "$1"; }
rad auth "$AUTH" 'User-Name = "alice"' 'User-Password = "alice-pw-11"' "$(ppp AA:00:00:00:00:01)"
t_eq "... and reads the database: a subscriber is accepted" 0 "$RADRC"
t_not_contains "... the password never in its debug output" "$DBPW" "$(cat "$T/radiusd.log")"
t_not_contains "... nor the part after the quote" 'Pw:\q' "$(cat "$T/radiusd.log")"

rad acct "$ACCT" 'Acct-Status-Type = Start' 'User-Name = "alice"' 'Acct-Session-Id = "b1000001"' \
    'NAS-IP-Address = 127.0.0.1' 'Calling-Station-Id = "AA:00:00:00:00:01"'
t_eq "a subscriber's session starts" "1" "$(sql "SELECT count(*) FROM sessions WHERE username = 'alice' AND state = 'active'")"
rad auth "$AUTH" 'User-Name = "alice"' 'User-Password = "alice-pw-11"' "$(ppp AA:00:00:00:00:02)"
t_eq "a second session from another device is refused (Simultaneous-Use 1)" 1 "$RADRC"
t_contains "... an Access-Reject" "Received Access-Reject" "$RAD"
rad auth "$AUTH" 'User-Name = "alice"' 'User-Password = "alice-pw-11"' "$(ppp AA:00:00:00:00:01)"
t_eq "... and so is a second from the same device while the first is fresh" 1 "$RADRC"
t_contains "... an Access-Reject" "Received Access-Reject" "$RAD"
sql "UPDATE sessions SET last_seen = now() - interval '16 minutes' WHERE username = 'alice' AND state = 'active'" >/dev/null
rad auth "$AUTH" 'User-Name = "alice"' 'User-Password = "alice-pw-11"' "$(ppp AA:00:00:00:00:01)"
t_eq "... not refreshed for three interim intervals (a lost Stop): it logs in again" 0 "$RADRC"
rad auth "$AUTH" 'User-Name = "bob"' 'User-Password = "bob-pw-11"' "$(ppp AA:00:00:00:00:03)"
t_eq "... another subscriber is not affected" 0 "$RADRC"

# --- a session that straddles the period's start stays in the cap once closed (review 2, 4)
w subplan add tiny --price 1 --data 10000
t_eq "a plan of 10000 bytes" 0 "$RC"
add hal tiny
PSTART=$(sql "SELECT wisp_subscriber_period(due_on, bill_day, wisp_shop_date())::timestamp AT TIME ZONE wisp_shop_zone() FROM subscribers WHERE username = 'hal'")
hacct() { rad acct "$ACCT" 'User-Name = "hal"' 'Acct-Session-Id = "h1000001"' 'NAS-IP-Address = 127.0.0.1' \
    'Calling-Station-Id = "AA:00:00:00:00:08"' "$@"; }
hacct 'Acct-Status-Type = Start'
sql "UPDATE sessions SET started_at = '$PSTART'::timestamptz - interval '1 minute' WHERE acct_session_id = 'h1000001'" >/dev/null
hacct 'Acct-Status-Type = Interim-Update' 'Acct-Session-Time = 120' 'Acct-Input-Octets = 9000'
t_eq "a session begun a minute before the period's start: 9000 of 10000 used while open" 9000 "$(used hal)"
hacct 'Acct-Status-Type = Stop' 'Acct-Session-Time = 130' 'Acct-Input-Octets = 9000'
t_eq "... closed (it ended in the period), still 9000" 9000 "$(used hal)"
rad auth "$AUTH" 'User-Name = "hal"' 'User-Password = "hal-pw-11"' "$(ppp AA:00:00:00:00:08)"
t_eq "... and FreeRADIUS sends the 1000 left" "0 1000" "$RADRC $(radius_reply_attr Mikrotik-Total-Limit)"

# --- MS-CHAPv2 from the Cleartext-Password (RouterOS's PPPoE server offers it first) -----
MSCHAP="$(dirname "$0")/../tools/mschapv2.py"
t_eq "the MS-CHAPv2 peer passes RFC 1320's MD4 and RFC 2759's example vectors" ok "$(python3 "$MSCHAP" selftest)"
mapfile -t MS < <(python3 "$MSCHAP" request bob bob-pw-11)
rad auth "$AUTH" 'User-Name = "bob"' "${MS[0]}" "${MS[1]}" "$(ppp AA:00:00:00:00:03)"
t_eq "MS-CHAPv2 with the right password: accepted" 0 "$RADRC"
t_eq "... MS-CHAP2-Success: the ident and the authenticator response only the password gives" \
    "0x01$(printf '%s' "${MS[2]#\# }" | od -An -tx1 | tr -d ' \n')" "$(radius_reply_attr MS-CHAP2-Success)"
t_contains "... and the MPPE keys for the PPP link" "MS-MPPE-Recv-Key MS-MPPE-Send-Key" "$(radius_reply_names)"
t_eq "... with the plan's limits" "5M/10M" "$(radius_reply_attr Mikrotik-Rate-Limit)"
mapfile -t MS < <(python3 "$MSCHAP" request bob wrong-pw-11)
rad auth "$AUTH" 'User-Name = "bob"' "${MS[0]}" "${MS[1]}" "$(ppp AA:00:00:00:00:03)"
t_eq "MS-CHAPv2 with a wrong password: rejected" 1 "$RADRC"
t_eq "... with no success attribute" "" "$(radius_reply_attr MS-CHAP2-Success)"
radius_stop
