#!/usr/bin/env bash
# PPPoE subscribers through the real FreeRADIUS (Debian's 3.2, started as
# 47_radius does, radclient as the router): monthly plans, PAP and CHAP
# logins with the plan's rate, the month's data left, a pool or a static
# address; a suspended subscriber rejected (and its session disconnected
# by a Disconnect-Request to a test NAS), an overdue one rejected or slowed
# per plan, renewed by a payment; accounting into sessions linked to the
# subscriber without touching a voucher; one name space with vouchers;
# hostile names stored and shown safely; passwords never printed.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../tools/radius.sh"
chmod 755 "$T"
NAS_PID=
cleanup() {
    radius_stop
    [ -z "$NAS_PID" ] || { kill "$NAS_PID" 2>/dev/null; wait "$NAS_PID" 2>/dev/null; }
}
trap cleanup EXIT

base=$(radius_udp_ports 3)
AUTH=$base ACCT=$((base + 1)) DM=$((base + 2))
SECRET='pppoe-S3cret#%{y}-01'
printf '%s\n' "$SECRET" >"$T/nas.secret"
printf '%s\n' 'fr-Pw-2' >"$T/db.secret"
chmod 600 "$T/nas.secret" "$T/db.secret"
rad() { radius_send "$1" "$2" "$SECRET" "${@:3}"; }
attr() { radius_reply_attr "$1"; }
CH=0x19a63ce2e283187f977609b470b01368

w db migrate
mkrole op1 op1pw wisp_operator
mkrole view1 view1pw wisp_viewer
echo routerpw | "$WISP" router add nas1 --host 127.0.0.1 --user admin --driver routeros \
    --password-stdin --accept-new-hostkey >/dev/null
w radius client nas1 --secret-file "$T/nas.secret" --coa-port "$DM"
mkrole fr_sub 'fr-Pw-2' wisp_radius
w radius config --dir "$T/raddb" --db-user fr_sub --secret-file "$T/db.secret" --listen "127.0.0.1:$AUTH"
t_eq "radius config" 0 "$RC"

# --- plans ----------------------------------------------------------------------
w subplan add home --price 20 --rate 5M/10M --data 50G --pool pppoe-pool --profile pppoe-home
t_eq "subplan add (admin)" 0 "$RC"
w subplan add lite --price 10 --rate 10M/10M --overdue slow --slow-rate 256k/256k --grace 0
t_eq "a plan that slows the unpaid" 0 "$RC"
w subplan add bad --price 10 --overdue slow
t_eq "--overdue slow without --slow-rate is a usage error" 2 "$RC"
w subplan add bad2 --price 10 --overdue maybe
t_eq "--overdue other than reject or slow" 2 "$RC"
w_as op1 op1pw subplan add opplan --price 5
t_eq "an operator cannot make subscriber plans" 1 "$RC"
w subplan list --json
t_eq "subplan list" "lite slow 256k/256k 0|home 50G=53687091200 reject 3" \
    "$(jq -r 'map(if .name == "home" then "\(.name) 50G=\(.data_bytes) \(.overdue) \(.grace_days)" else "\(.name) \(.overdue) \(.slow_rate) \(.grace_days)" end) | sort | reverse | join("|")' <<<"$OUT")"

# --- subscribers ------------------------------------------------------------------
HOSTILE="O'Brien \"Bob\"; DROP TABLE subscribers; -- \$(id) \`id\` %s"
RTL='محمد علي'
echo 'alice-pw1' | "$WISP" subscriber add alice --plan home --name "$HOSTILE" --phone '+1 (555) 0100' --password-stdin >"$T/o" 2>"$T/e"
t_eq "subscriber add (admin)" 0 "$?"
t_not_contains "... the password is not printed" "alice-pw1" "$(cat "$T/o" "$T/e")"
printf 'bob-pw-22\n' >"$T/bobpw"
PGPASSWORD=op1pw WISP_DB="dbname=$PGDATABASE user=op1" "$WISP" subscriber add bob --plan home \
    --name "$RTL" --ip 10.9.0.5 --password-stdin <"$T/bobpw" >"$T/o" 2>"$T/e"
t_eq "an operator adds subscribers" 0 "$?"
PAST=$(sql "SELECT (current_date - 10)::text")
YDAY=$(sql "SELECT (current_date - 1)::text")
echo 'carol-pw1' | "$WISP" subscriber add carol --plan home --name Carol --due "$PAST" --password-stdin >/dev/null 2>&1
echo 'dave-pw11' | "$WISP" subscriber add dave --plan lite --name Dave --due "$YDAY" --password-stdin >/dev/null 2>&1
t_eq "four subscribers" 4 "$(sql "SELECT count(*) FROM subscribers")"
t_eq "... the hostile name stored as given" "$HOSTILE" "$(sql "SELECT name FROM subscribers WHERE username = 'alice'")"
t_eq "... the RTL name too" "$RTL" "$(sql "SELECT name FROM subscribers WHERE username = 'bob'")"
t_eq "... due a month from today by default" t \
    "$(sql "SELECT due_on = (current_date + interval '1 month')::date FROM subscribers WHERE username = 'alice'")"
t_eq "... audited without the password" "subscriber.add 0" \
    "$(sql "SELECT action || ' ' || count(*) FILTER (WHERE details::text LIKE '%alice-pw1%') FROM audit WHERE details->>'username' = 'alice' GROUP BY action")"

echo 'eve-pw-11' | PGPASSWORD=view1pw WISP_DB="dbname=$PGDATABASE user=view1" "$WISP" subscriber add eve \
    --plan home --name Eve --password-stdin >/dev/null 2>"$T/e"
t_eq "a viewer cannot add subscribers" 1 "$?"
t_contains "... permission denied" "permission denied" "$(cat "$T/e")"
echo 'x' | "$WISP" subscriber add eve --plan home --name Eve --password-stdin >/dev/null 2>"$T/e"
t_eq "a short password is a usage error" 2 "$?"
echo 'eve-pw-11' | "$WISP" subscriber add 'e;ve' --plan home --name Eve --password-stdin >/dev/null 2>&1
t_eq "a username with ; is a usage error" 2 "$?"
echo 'eve-pw-11' | "$WISP" subscriber add eve --plan home --name "$(printf 'Eve\033[2J')" --password-stdin >/dev/null 2>"$T/e"
t_eq "a name with an escape sequence is refused" 2 "$?"
t_match "... saying why" "control character" "$(head -n 1 "$T/e")"
_run sql "INSERT INTO subscribers (username, password, name, plan_id, due_on) VALUES ('eve', 'eve-pw-11', E'Eve\\x1b[2J', 1, current_date)"
t_eq "... and by the table's CHECK for any client" 1 "$_rc"
echo 'eve-pw-11' | "$WISP" subscriber add eve --plan nosuch --name Eve --password-stdin >/dev/null 2>"$T/e"
t_eq "an unknown plan fails" 1 "$?"
echo 'eve-pw-11' | "$WISP" subscriber add eve --plan home --name Eve --due 2026-13-01 --password-stdin >/dev/null 2>&1
t_eq "a bad --due is a usage error" 2 "$?"
w subscriber add eve --plan home --name Eve
t_eq "no password given (no terminal): a usage error" 2 "$RC"
t_eq "... nothing of eve stored" 0 "$(sql "SELECT count(*) FROM subscribers WHERE username = 'eve'")"

# one name space: vouchers and subscribers
w plan add 1h --price 5 --duration 1h
w voucher create --plan 1h --count 1
VC=$(sql "SELECT code FROM vouchers LIMIT 1")
echo 'dup-pw-11' | "$WISP" subscriber add "$VC" --plan home --name Dup --password-stdin >/dev/null 2>"$T/e"
t_eq "a subscriber named like a voucher is refused" 1 "$?"
t_contains "... saying so" "taken by a voucher" "$(cat "$T/e")"
_run sql "SELECT wisp_batch_create('1h', 'code', 5, 'abc', '', NULL, NULL, ARRAY['alice'], NULL)"
t_eq "a voucher coded like a subscriber is refused" 1 "$_rc"
t_contains "... as a unique violation (the batch draws again)" "subscriber's username" "$_out"

# shown safely
w subscriber list
t_contains "subscriber list shows the hostile name" "O'Brien \"Bob\"; DROP TABLE" "$OUT"
t_contains "... and the RTL one" "$RTL" "$OUT"
w subscriber show alice
t_eq "subscriber show" 0 "$RC"
t_contains "... the name" "$HOSTILE" "$OUT"
t_not_contains "... never the password" "alice-pw1" "$OUT"
w subscriber show alice --json
t_eq "... no password in its JSON" "null" "$(jq -r '.password' <<<"$OUT")"
w_as view1 view1pw subscriber list --overdue --json
t_eq "a viewer lists the overdue: carol (reject plan, past grace) and dave (no grace)" "carol dave" \
    "$(jq -r 'map(.username) | join(" ")' <<<"$OUT")"
_run env PGPASSWORD=view1pw psql -XAtq -v ON_ERROR_STOP=1 -U view1 -c "SELECT password FROM subscribers"
t_eq "a viewer cannot read passwords" 1 "$_rc"

# --- RADIUS ---------------------------------------------------------------------
radius_start "$T/raddb" "$T/radiusd.log" debug || _fail "freeradius runs" "$(tail -n 5 "$T/radiusd.log")"
ppp() { printf 'Service-Type = Framed-User\nFramed-Protocol = PPP\nNAS-Port-Type = Ethernet\nCalling-Station-Id = "%s"\nNAS-IP-Address = 127.0.0.1\nMessage-Authenticator = 0x00' "$1"; }

rad auth "$AUTH" 'User-Name = "alice"' 'User-Password = "alice-pw1"' "$(ppp AA:00:00:00:00:01)"
t_eq "PAP: an active subscriber is accepted" 0 "$RADRC"
t_eq "... Mikrotik-Rate-Limit: the plan's" "5M/10M" "$(attr Mikrotik-Rate-Limit)"
t_eq "... Mikrotik-Total-Limit: 50G mod 2^32" 2147483648 "$(attr Mikrotik-Total-Limit)"
t_eq "... Mikrotik-Total-Limit-Gigawords: 50G div 2^32" 12 "$(attr Mikrotik-Total-Limit-Gigawords)"
t_eq "... Framed-Pool" pppoe-pool "$(attr Framed-Pool)"
t_eq "... Mikrotik-Group: the PPP profile" pppoe-home "$(attr Mikrotik-Group)"
t_eq "... Acct-Interim-Interval" 300 "$(attr Acct-Interim-Interval)"
t_eq "... and nothing else (no Session-Timeout: a subscriber's month is no session)" \
    "Acct-Interim-Interval Framed-Pool Message-Authenticator Mikrotik-Group Mikrotik-Rate-Limit Mikrotik-Total-Limit Mikrotik-Total-Limit-Gigawords " \
    "$(radius_reply_names)"

rad auth "$AUTH" 'User-Name = "bob"' "CHAP-Challenge = $CH" 'CHAP-Password = "bob-pw-22"' "$(ppp AA:00:00:00:00:02)"
t_eq "CHAP: accepted" 0 "$RADRC"
t_eq "... a static address: Framed-IP-Address" 10.9.0.5 "$(attr Framed-IP-Address)"
t_eq "... and no pool" "" "$(attr Framed-Pool)"
rad auth "$AUTH" 'User-Name = "bob"' 'CHAP-Password = "bob-pw-22"' "$(ppp AA:00:00:00:00:02)"
t_eq "CHAP without CHAP-Challenge: accepted" 0 "$RADRC"
rad auth "$AUTH" 'User-Name = "bob"' "CHAP-Challenge = $CH" 'CHAP-Password = "wrong-pw"' "$(ppp AA:00:00:00:00:02)"
t_eq "a wrong password is rejected" 1 "$RADRC"

rad auth "$AUTH" 'User-Name = "carol"' 'User-Password = "carol-pw1"' "$(ppp AA:00:00:00:00:03)"
t_eq "overdue past grace on a reject plan: rejected" 1 "$RADRC"
t_contains "... Access-Reject" "Received Access-Reject" "$RAD"
t_eq "... saying why" "subscriber is overdue" "$(attr Reply-Message)"
t_eq "... no limits in the reject" "" "$(attr Mikrotik-Rate-Limit)$(attr Framed-Pool)"

rad auth "$AUTH" 'User-Name = "dave"' "CHAP-Challenge = $CH" 'CHAP-Password = "dave-pw11"' "$(ppp AA:00:00:00:00:04)"
t_eq "overdue on a slow plan: accepted" 0 "$RADRC"
t_eq "... at the slow rate" "256k/256k" "$(attr Mikrotik-Rate-Limit)"

# a payment renews
w_as op1 op1pw subscriber pay carol --amount 20 --json
t_eq "a cashier (operator) records a payment" 0 "$RC"
t_eq "... paid from today (it was past grace): due a month on" \
    "$(sql "SELECT (current_date + interval '1 month')::date::text")" "$(jq -r .due_on <<<"$OUT")"
t_eq "... the payment recorded: amount, period, who" "20.00|1|t|op1" \
    "$(sql "SELECT amount, months, period_from = current_date, created_by FROM subscriber_payments")"
rad auth "$AUTH" 'User-Name = "carol"' 'User-Password = "carol-pw1"' "$(ppp AA:00:00:00:00:03)"
t_eq "paid: accepted again" 0 "$RADRC"
t_eq "... at the plan's rate" "5M/10M" "$(attr Mikrotik-Rate-Limit)"
w subscriber pay alice --amount 40 --months 2
t_eq "paying ahead keeps the billing day" \
    "$(sql "SELECT (current_date + interval '3 months')::date::text")" \
    "$(sql "SELECT due_on::text FROM subscribers WHERE username = 'alice'")"
w subscriber show alice
t_match "subscriber show lists the payment: amount, period, who" "payments +40.00  [0-9-]+ \.\. [0-9-]+  $PGUSER" "$OUT"
w_as view1 view1pw subscriber pay alice --amount 20
t_eq "a viewer cannot record payments" 1 "$RC"
w subscriber pay alice --amount -5
t_eq "a negative amount is a usage error" 2 "$RC"
w subscriber pay alice --amount 5 --months 99
t_eq "--months past 24 is a usage error" 2 "$RC"
t_eq "... nothing recorded by the refused ones" 2 "$(sql "SELECT count(*) FROM subscriber_payments")"

# --- accounting ---------------------------------------------------------------------
ids=('User-Name = "alice"' 'Acct-Session-Id = "81f00001"' 'NAS-IP-Address = 127.0.0.1'
    'NAS-Port-Type = Ethernet' 'Framed-Protocol = PPP' 'Calling-Station-Id = "AA:00:00:00:00:01"'
    'Framed-IP-Address = 10.9.1.10')
acct() { rad acct "$ACCT" "${ids[@]}" "$@"; }
acct 'Acct-Status-Type = Start'
t_eq "Start for a subscriber: answered" 0 "$RADRC"
t_eq "... a session linked to the subscriber, no voucher" "alice|t|t|active" \
    "$(sql "SELECT x.username, x.subscriber_id = s.id, x.voucher_id IS NULL, x.state FROM sessions x JOIN subscribers s ON s.username = 'alice' WHERE x.username = 'alice'")"
acct 'Acct-Status-Type = Interim-Update' 'Acct-Session-Time = 60' 'Acct-Input-Octets = 1000' \
    'Acct-Output-Octets = 2000' 'Acct-Output-Gigawords = 1'
t_eq "Interim-Update: the counters (gigawords)" "60|1000|4294969296" \
    "$(sql "SELECT uptime_s, bytes_in, bytes_out FROM sessions WHERE username = 'alice'")"
rad auth "$AUTH" 'User-Name = "alice"' 'User-Password = "alice-pw1"' "$(ppp AA:00:00:00:00:01)"
t_eq "... a second login while it is open is refused, from the same device too (Simultaneous-Use 1)" 1 "$RADRC"
t_eq "... the month's data left goes down by what was used" "Mikrotik-Total-Limit=2147480648 Mikrotik-Total-Limit-Gigawords=11" \
    "$(PGPASSWORD=fr-Pw-2 psql -XAtq -U fr_sub -c "SELECT string_agg(attribute || '=' || value, ' ' ORDER BY id) FROM wisp_radius_reply('alice', 'AA:00:00:00:00:01', 300, 0) WHERE attribute LIKE 'Mikrotik-Total%'" 2>&1)"
w subscriber show alice --json
t_eq "subscriber show: data used, online" "4294970296 1" "$(jq -r '"\(.used_bytes) \(.online)"' <<<"$OUT")"
t_eq "no voucher was activated by it" "new" "$(sql "SELECT status FROM vouchers")"

# --- suspension: a reject, and the live session disconnected --------------------------
python3 "$(dirname "$0")/../tools/radius_nas.py" "$DM" "$T/nas.secret" "$T/nas.log" --lifetime 120 &
NAS_PID=$!
for _ in $(seq 50); do grep -q ready "$T/nas.log" 2>/dev/null && break; sleep 0.1; done
w subscriber suspend alice --json
t_eq "subscriber suspend (admin)" 0 "$RC"
t_eq "... one session to disconnect, sent at once" "1 1" "$(jq -r '"\(.kicks) \(.sent)"' <<<"$OUT")"
DMLINE=$(grep '"code": 40' "$T/nas.log" | tail -n 1)
t_contains "... the NAS got a Disconnect-Request for alice" '"1": "alice"' "$DMLINE"
t_contains "... with its Acct-Session-Id" '"44": "81f00001"' "$DMLINE"
t_contains "... validly signed, and ACKed" '"answer": 41' "$DMLINE"
t_eq "... the session closed" closed "$(sql "SELECT state FROM sessions WHERE username = 'alice'")"
rad auth "$AUTH" 'User-Name = "alice"' 'User-Password = "alice-pw1"' "$(ppp AA:00:00:00:00:01)"
t_eq "a suspended subscriber is rejected" 1 "$RADRC"
t_eq "... saying why" "subscriber is suspended" "$(attr Reply-Message)"
w_as view1 view1pw subscriber resume alice
t_eq "a viewer cannot resume" 1 "$RC"
w_as op1 op1pw subscriber resume alice
t_eq "an operator resumes" 0 "$RC"
rad auth "$AUTH" 'User-Name = "alice"' 'User-Password = "alice-pw1"' "$(ppp AA:00:00:00:00:01)"
t_eq "... accepted again" 0 "$RADRC"

# overdue while online: `wisp radius disconnect` (cron) kicks the session
# that began before the subscriber became unpaid
ids=('User-Name = "dave"' 'Acct-Session-Id = "81f00002"' 'NAS-IP-Address = 127.0.0.1'
    'Calling-Station-Id = "AA:00:00:00:00:04"' 'Framed-IP-Address = 10.9.1.11')
acct 'Acct-Status-Type = Start'
sql "UPDATE sessions SET started_at = current_date - 2 WHERE username = 'dave'" >/dev/null
w radius disconnect --json
t_eq "radius disconnect kicks the session of a subscriber who became unpaid" 1 "$(jq -r .disconnected <<<"$OUT")"
t_contains "... the NAS saw dave" '"1": "dave"' "$(grep '"answer": 41' "$T/nas.log" | tail -n 1)"
acct 'Acct-Status-Type = Start' 'Acct-Session-Id = "81f00003"'
ids[1]='Acct-Session-Id = "81f00003"'
acct 'Acct-Status-Type = Start'
w radius disconnect --json
t_eq "... but not the new session at the slow rate" 0 "$(jq -r '.disconnected + .failed' <<<"$OUT")"
acct 'Acct-Status-Type = Stop' 'Acct-Session-Time = 60'
t_eq "... which ends (dave logs in again below)" 0 "$(sql "SELECT count(*) FROM sessions WHERE username = 'dave' AND state = 'active'")"

w subscriber cancel carol
t_eq "subscriber cancel" 0 "$RC"
w subscriber resume carol
t_eq "a cancelled subscriber cannot be resumed" 1 "$RC"
w subscriber pay carol --amount 20
t_eq "... nor paid for" 1 "$RC"
rad auth "$AUTH" 'User-Name = "carol"' 'User-Password = "carol-pw1"' "$(ppp AA:00:00:00:00:03)"
t_eq "... and is rejected" "1 subscriber is cancelled" "$RADRC $(attr Reply-Message)"

# edit
printf 'bob-new-pw\n' | "$WISP" subscriber edit bob --password-stdin --phone none --plan lite >/dev/null 2>&1
t_eq "subscriber edit: password and plan" 0 "$?"
rad auth "$AUTH" 'User-Name = "bob"' "CHAP-Challenge = $CH" 'CHAP-Password = "bob-new-pw"' "$(ppp AA:00:00:00:00:02)"
t_eq "... the new password works" 0 "$RADRC"
t_eq "... with the new plan's rate" 10M/10M "$(attr Mikrotik-Rate-Limit)"
t_eq "... audited without the password" "f t" \
    "$(sql "SELECT details::text LIKE '%bob-new-pw%', (details->>'password_changed')::boolean FROM audit WHERE action = 'subscriber.edit'" | tr '|' ' ')"
w subscriber edit bob
t_eq "nothing to change is a usage error" 2 "$RC"

# plan changes reach subscribers at their next login
w subplan edit lite --slow-rate 128k/128k --grace 1
t_eq "subplan edit (admin)" 0 "$RC"
rad auth "$AUTH" 'User-Name = "dave"' 'User-Password = "dave-pw11"' "$(ppp AA:00:00:00:00:04)"
t_eq "... dave (due yesterday) is within a day's grace now: the plan's rate" "0 10M/10M" "$RADRC $(attr Mikrotik-Rate-Limit)"
w subplan edit lite --grace 0
rad auth "$AUTH" 'User-Name = "dave"' 'User-Password = "dave-pw11"' "$(ppp AA:00:00:00:00:04)"
t_eq "... without grace, unpaid again: the new slow rate" "0 128k/128k" "$RADRC $(attr Mikrotik-Rate-Limit)"
w subplan edit lite --slow-rate none
t_eq "a slow plan without a slow rate is refused" 1 "$RC"
w_as op1 op1pw subplan edit lite --price 1
t_eq "an operator cannot change plans" 1 "$RC"
t_eq "... nothing changed by the refused ones" "10.00 128k/128k 0 subplan.edit,subplan.edit" \
    "$(sql "SELECT p.price || ' ' || p.slow_rate || ' ' || p.grace_days || ' ' || (SELECT string_agg(action, ',') FROM audit WHERE action LIKE 'subplan.edit') FROM subscriber_plans p WHERE name = 'lite'")"
w subplan disable lite
t_eq "subplan disable" 0 "$RC"
echo 'fred-pw-11' | "$WISP" subscriber add fred --plan lite --name Fred --password-stdin >/dev/null 2>"$T/e"
t_eq "... a disabled plan takes no new subscribers" 1 "$?"
t_contains "... saying so" "disabled" "$(cat "$T/e")"
