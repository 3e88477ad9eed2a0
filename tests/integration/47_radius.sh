#!/usr/bin/env bash
# FreeRADIUS on wisp's database: `wisp radius config` writes a raddb that
# the real FreeRADIUS (Debian's 3.2) checks and runs, on loopback with
# ports of this file's own, as an unprivileged user; radclient plays the
# router (NAS). Access-Requests (PAP and CHAP) for good, expired, disabled,
# wrong-MAC and over-shared vouchers with every reply attribute checked;
# accounting Start, Interim-Update and Stop into wisp's sessions (voucher
# activated, gigawords, duplicates and packets out of order); kicks as
# Disconnect-Requests to a test NAS (tests/tools/radius_nas.py) that checks
# their authenticators; and what FreeRADIUS's role may not do.
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
SECRET='nas-S3cret#$x%{y}${z}-01'
printf '%s\n' "$SECRET" >"$T/nas.secret"
printf '%s\n' 'fr-Pw-1{x}$y' >"$T/db.secret"
chmod 600 "$T/nas.secret" "$T/db.secret"

w db migrate
w plan add 1h --price 5 --duration 1h --data 5G --rate 1M/2M --validity 1d --shared-users 1 --lock-mac
w plan add two --price 3 --duration 2h --shared-users 2 --profile hs-two
w plan add open --price 1 --validity 1d
echo routerpw | "$WISP" router add nas1 --host 127.0.0.1 --user admin --driver routeros \
    --password-stdin --accept-new-hostkey >/dev/null
w voucher create --plan 1h --count 8
w voucher create --plan two --count 2
w voucher create --plan open --count 1
mapfile -t H < <(sql "SELECT code FROM vouchers v JOIN plans p ON p.id = v.plan_id WHERE p.name = '1h' ORDER BY v.id")
mapfile -t TWO < <(sql "SELECT code FROM vouchers v JOIN plans p ON p.id = v.plan_id WHERE p.name = 'two' ORDER BY v.id")
OPEN=$(sql "SELECT code FROM vouchers v JOIN plans p ON p.id = v.plan_id WHERE p.name = 'open'")
t_eq "vouchers made" "8 2" "${#H[@]} ${#TWO[@]}"

# --- configuration -----------------------------------------------------------
mkrole fr_radius 'fr-Pw-1{x}$y' wisp_radius
w radius config --dir "$T/raddb" --db-user fr_radius --secret-file "$T/db.secret" --listen "127.0.0.1:$AUTH"
t_eq "config before any client" 0 "$RC"
w radius client nas1 --secret-file "$T/nas.secret" --coa-port "$DM"
t_eq "radius client" 0 "$RC"
t_not_contains "secret never printed" "$SECRET" "$OUT$ERR"
t_eq "... audited, without the secret" "radius.client nas1 false" \
    "$(sql "SELECT action || ' ' || (details->>'router') || ' ' || (details::text LIKE '%S3cret%') FROM audit ORDER BY id DESC LIMIT 1")"
mkrole op1 op1pw wisp_operator
w_as op1 op1pw radius client nas1
t_eq "an operator cannot set a RADIUS secret" 1 "$RC"
w radius client nas1 --secret-file /dev/null
t_eq "an empty secret file is refused" 2 "$RC"
printf 'short\n' >"$T/short.secret"
chmod 600 "$T/short.secret"
w radius client nas1 --secret-file "$T/short.secret"
t_eq "a short secret is refused" 1 "$RC"
t_match "... saying what a secret is" "12 to 128" "$ERR"
w radius config --dir "$T/raddb" --db-user fr_radius --secret-file "$T/db.secret" \
    --listen "127.0.0.1:$AUTH" --interim 2m --idle 7m
t_eq "radius config" 0 "$RC"
t_not_contains "config prints no secret" "$SECRET" "$OUT$ERR"
t_eq "clients.conf is 0600" 600 "$(stat -c %a "$T/raddb/clients.conf")"
t_eq "the sql module (database password) is 0600" 600 "$(stat -c %a "$T/raddb/mods-available/sql")"
t_contains "the router is a client" "client nas1 {" "$(cat "$T/raddb/clients.conf")"
w radius config --dir "$T/raddb" --listen 1.2.3:80
t_eq "a bad --listen is a usage error" 2 "$RC"
mkdir -p "$T/foreign" && echo 'prefix = /usr' >"$T/foreign/radiusd.conf"
w radius config --dir "$T/foreign"
t_eq "a raddb wisp did not write is left alone" 1 "$RC"
t_eq "... untouched" "prefix = /usr" "$(cat "$T/foreign/radiusd.conf")"

cp -r "$T/raddb" "$T/raddb-check"
if [ "$(id -u)" -eq 0 ]; then
    chown -R nobody:nogroup "$T/raddb-check"
    _run setpriv --reuid=nobody --regid=nogroup --groups="$(id -gn postgres)" freeradius -XC -d "$T/raddb-check"
else
    _run freeradius -XC -d "$T/raddb-check"
fi
t_eq "freeradius -XC accepts the configuration" 0 "$_rc"
t_contains "... Configuration appears to be OK" "Configuration appears to be OK" "$_out"

# the default listener (*:1812) and an IPv6 one, as FreeRADIUS parses them
w radius config --dir "$T/raddb-any" --db-user fr_radius --secret-file "$T/db.secret" \
    --listen '*:1812' --listen '[::1]:11812'
t_eq "radius config with * and IPv6 listeners" 0 "$RC"
if [ "$(id -u)" -eq 0 ]; then
    chown -R nobody:nogroup "$T/raddb-any"
    _run setpriv --reuid=nobody --regid=nogroup --groups="$(id -gn postgres)" freeradius -XC -d "$T/raddb-any"
else
    _run freeradius -XC -d "$T/raddb-any"
fi
t_eq "... accepted by freeradius -XC" 0 "$_rc"
t_match "... auth on * port 1812" 'ipaddr = \*' "$_out"
t_match "... and on ::1 port 11812" 'ipv6addr = ::1' "$_out"

radius_start "$T/raddb" "$T/radiusd.log" debug || _fail "freeradius runs" "$(tail -n 5 "$T/radiusd.log")"

# rad CMD PORT LINES...: one packet as nas1 (tests/tools/radius.sh); reply in RAD, status in RADRC.
rad() { radius_send "$1" "$2" "$SECRET" "${@:3}"; }
CH=0x19a63ce2e283187f977609b470b01368
mac() { printf 'Calling-Station-Id = "%s"' "$1"; }

# --- authorisation ------------------------------------------------------------
rad auth "$AUTH" "User-Name = \"${H[0]}\"" "User-Password = \"${H[0]}\"" "$(mac AA:BB:CC:00:00:01)" \
    'NAS-IP-Address = 127.0.0.1' 'Message-Authenticator = 0x00'
t_eq "PAP: a new voucher is accepted" 0 "$RADRC"
t_contains "... Access-Accept" "Received Access-Accept" "$RAD"
t_eq "... Mikrotik-Rate-Limit" "1M/2M" "$(radius_reply_attr Mikrotik-Rate-Limit)"
t_eq "... Session-Timeout: the plan's hour" 3600 "$(radius_reply_attr Session-Timeout)"
t_eq "... Mikrotik-Total-Limit: 5G mod 2^32" 1073741824 "$(radius_reply_attr Mikrotik-Total-Limit)"
t_eq "... Mikrotik-Total-Limit-Gigawords: 5G div 2^32" 1 "$(radius_reply_attr Mikrotik-Total-Limit-Gigawords)"
t_eq "... Acct-Interim-Interval (--interim 2m)" 120 "$(radius_reply_attr Acct-Interim-Interval)"
t_eq "... Idle-Timeout (--idle 7m)" 420 "$(radius_reply_attr Idle-Timeout)"
t_match "... Message-Authenticator" '^0x[0-9a-f]{32}$' "$(radius_reply_attr Message-Authenticator)"
t_eq "... and nothing else" "Acct-Interim-Interval Idle-Timeout Message-Authenticator Mikrotik-Rate-Limit Mikrotik-Total-Limit Mikrotik-Total-Limit-Gigawords Session-Timeout " "$(radius_reply_names)"

rad auth "$AUTH" "User-Name = \"${H[1]}\"" "CHAP-Challenge = $CH" "CHAP-Password = \"${H[1]}\"" \
    "$(mac AA:BB:CC:00:00:02)" 'NAS-IP-Address = 127.0.0.1' 'Message-Authenticator = 0x00'
t_eq "CHAP (as a RouterOS hotspot logs in) is accepted" 0 "$RADRC"
t_eq "... Session-Timeout" 3600 "$(radius_reply_attr Session-Timeout)"
t_eq "... Mikrotik-Rate-Limit" "1M/2M" "$(radius_reply_attr Mikrotik-Rate-Limit)"

rad auth "$AUTH" "User-Name = \"${TWO[0]}\"" "CHAP-Password = \"${TWO[0]}\"" "$(mac AA:BB:CC:00:00:03)" \
    'Message-Authenticator = 0x00'
t_eq "CHAP without CHAP-Challenge (the authenticator is the challenge)" 0 "$RADRC"
t_eq "... a plan without data or rate: only time, interim, idle and its profile" \
    "Acct-Interim-Interval Idle-Timeout Message-Authenticator Mikrotik-Group Session-Timeout " "$(radius_reply_names)"
t_eq "... Mikrotik-Group is the plan's profile" hs-two "$(radius_reply_attr Mikrotik-Group)"
t_eq "... Session-Timeout: the plan's two hours" 7200 "$(radius_reply_attr Session-Timeout)"

rad auth "$AUTH" "User-Name = \"$OPEN\"" "User-Password = \"$OPEN\"" 'Message-Authenticator = 0x00'
t_eq "a validity-only plan: Session-Timeout is the day it has from its first use" 86400 "$(radius_reply_attr Session-Timeout)"

rad auth "$AUTH" "User-Name = \"${H[1]}\"" "CHAP-Challenge = $CH" "CHAP-Password = \"wrong\"" \
    'Message-Authenticator = 0x00'
t_eq "a wrong password is rejected" 1 "$RADRC"
t_contains "... Access-Reject" "Received Access-Reject" "$RAD"
t_eq "... which carries no limits" "" "$(radius_reply_attr Session-Timeout)$(radius_reply_attr Mikrotik-Rate-Limit)"

rad auth "$AUTH" 'User-Name = "NOSUCHCODE"' 'User-Password = "NOSUCHCODE"' 'Message-Authenticator = 0x00'
t_eq "an unknown user is rejected" 1 "$RADRC"

sql "UPDATE vouchers SET status = 'active', first_used_at = now() - interval '2 days',
     expires_at = now() - interval '1 day' WHERE code = '${H[2]}'"
rad auth "$AUTH" "User-Name = \"${H[2]}\"" "CHAP-Challenge = $CH" "CHAP-Password = \"${H[2]}\"" \
    'Message-Authenticator = 0x00'
t_eq "an expired voucher (past expires_at, still 'active') is rejected" 1 "$RADRC"
t_contains "... Access-Reject" "Received Access-Reject" "$RAD"
t_eq "... saying why" "voucher expired" "$(radius_reply_attr Reply-Message)"
t_eq "... and no limits" "" "$(radius_reply_attr Session-Timeout)"

w voucher disable "${H[3]}"
rad auth "$AUTH" "User-Name = \"${H[3]}\"" "User-Password = \"${H[3]}\"" 'Message-Authenticator = 0x00'
t_eq "a disabled voucher is rejected" 1 "$RADRC"
t_eq "... saying why" "voucher is disabled" "$(radius_reply_attr Reply-Message)"

sql "UPDATE vouchers SET status = 'active', first_used_at = now() - interval '10 minutes',
     expires_at = now() + interval '30 seconds' WHERE code = '${H[4]}'"
rad auth "$AUTH" "User-Name = \"${H[4]}\"" "User-Password = \"${H[4]}\"" 'Message-Authenticator = 0x00'
t_eq "30 s of validity left: accepted" 0 "$RADRC"
t_match "... Session-Timeout is the time left, not the plan's hour" '^(29|30|31)$' "$(radius_reply_attr Session-Timeout)"

# --- accounting ---------------------------------------------------------------
V=${H[5]}
id_attrs=("User-Name = \"$V\"" 'Acct-Session-Id = "81a00003"' 'NAS-IP-Address = 127.0.0.1'
    'NAS-Identifier = "hs-shop1"' 'NAS-Port = 2158002179' 'NAS-Port-Type = Wireless-802.11'
    'NAS-Port-Id = "bridge-hs"' 'Called-Station-Id = "hotspot1"' "$(mac AA:BB:CC:DD:EE:01)"
    'Framed-IP-Address = 10.5.50.10')
acct() { rad acct "$ACCT" "${id_attrs[@]}" "$@"; }
row() { sql "SELECT r.name, s.username, s.mac, s.ip, s.state, s.uptime_s, s.bytes_in, s.bytes_out
             FROM sessions s JOIN routers r ON r.id = s.router_id WHERE s.username = '$V' ORDER BY s.id" | tr '\n' ';'; }

acct 'Acct-Status-Type = Start'
t_eq "Start: Accounting-Response" 0 "$RADRC"
t_contains "... received" "Received Accounting-Response" "$RAD"
t_eq "... a session in wisp's sessions table" "nas1|$V|AA:BB:CC:DD:EE:01|10.5.50.10|active|0|0|0;" "$(row)"
t_eq "... the voucher is active, first used now, expiring a day later" "active|t|t" \
    "$(sql "SELECT status, first_used_at > now() - interval '1 minute', expires_at = first_used_at + interval '1 day' FROM vouchers WHERE code = '$V'")"
t_eq "... bound to the device (the plan locks MACs)" "AA:BB:CC:DD:EE:01" "$(sql "SELECT mac FROM vouchers WHERE code = '$V'")"
t_eq "... audited as an activation" 1 "$(sql "SELECT count(*) FROM audit WHERE action = 'voucher.activate' AND details->>'code' = '$V'")"
w session list --json
t_contains "... in wisp session list" "\"user\": \"$V\"" "$OUT"

acct 'Acct-Status-Type = Start'
t_eq "a duplicated Start is answered" 0 "$RADRC"
t_eq "... and changes nothing" "nas1|$V|AA:BB:CC:DD:EE:01|10.5.50.10|active|0|0|0;" "$(row)"

acct 'Acct-Status-Type = Interim-Update' 'Acct-Session-Time = 120' 'Acct-Input-Octets = 2000' \
    'Acct-Output-Octets = 900' 'Acct-Output-Gigawords = 1'
t_eq "Interim-Update: Accounting-Response" 0 "$RADRC"
t_eq "... counters with gigawords (2^32 + 900)" "nas1|$V|AA:BB:CC:DD:EE:01|10.5.50.10|active|120|2000|4294968196;" "$(row)"
acct 'Acct-Status-Type = Interim-Update' 'Acct-Session-Time = 60' 'Acct-Input-Octets = 1000' \
    'Acct-Output-Octets = 500' 'Acct-Output-Gigawords = 1'
t_eq "an older Interim-Update arriving late is answered" 0 "$RADRC"
t_eq "... and moves no counter back" "nas1|$V|AA:BB:CC:DD:EE:01|10.5.50.10|active|120|2000|4294968196;" "$(row)"
acct 'Acct-Status-Type = Interim-Update' 'Acct-Session-Time = 120' 'Acct-Input-Octets = 2000' \
    'Acct-Output-Octets = 900' 'Acct-Output-Gigawords = 1'
t_eq "a duplicated Interim-Update: the same row" "nas1|$V|AA:BB:CC:DD:EE:01|10.5.50.10|active|120|2000|4294968196;" "$(row)"

rad auth "$AUTH" "User-Name = \"$V\"" "CHAP-Challenge = $CH" "CHAP-Password = \"$V\"" "$(mac AA:BB:CC:DD:EE:02)" \
    'Message-Authenticator = 0x00'
t_eq "another device with the bound voucher is rejected" 1 "$RADRC"
t_eq "... saying why" "voucher is bound to another device" "$(radius_reply_attr Reply-Message)"
rad auth "$AUTH" "User-Name = \"$V\"" "CHAP-Challenge = $CH" "CHAP-Password = \"$V\"" "$(mac aa-bb-cc-dd-ee-01)" \
    'Message-Authenticator = 0x00'
t_eq "the bound device (any MAC spelling) logs in again" 0 "$RADRC"
t_match "... with the time left after 120 s online" '^34[0-9][0-9]$' "$(radius_reply_attr Session-Timeout)"
t_eq "... and the data left (5G - 2^32 - 2900 bytes)" "1073738924 0" \
    "$(radius_reply_attr Mikrotik-Total-Limit) $(radius_reply_attr Mikrotik-Total-Limit-Gigawords)"

acct 'Acct-Status-Type = Stop' 'Acct-Session-Time = 300' 'Acct-Input-Octets = 5000' \
    'Acct-Input-Gigawords = 2' 'Acct-Output-Octets = 7000' 'Acct-Output-Gigawords = 1' \
    'Acct-Terminate-Cause = User-Request'
t_eq "Stop: Accounting-Response" 0 "$RADRC"
t_eq "... the session closed with its totals (input 2 * 2^32 + 5000)" \
    "nas1|$V|AA:BB:CC:DD:EE:01|10.5.50.10|closed|300|8589939592|4294974296;" "$(row)"
t_eq "... ended_at set" t "$(sql "SELECT ended_at IS NOT NULL FROM sessions WHERE username = '$V'")"
acct 'Acct-Status-Type = Stop' 'Acct-Session-Time = 300' 'Acct-Input-Octets = 5000' \
    'Acct-Input-Gigawords = 2' 'Acct-Output-Octets = 7000' 'Acct-Output-Gigawords = 1'
t_eq "a duplicated Stop is answered" 0 "$RADRC"
acct 'Acct-Status-Type = Interim-Update' 'Acct-Session-Time = 200' 'Acct-Input-Octets = 3000'
t_eq "an Interim-Update after the Stop is answered" 0 "$RADRC"
acct 'Acct-Status-Type = Start'
t_eq "a late Start after the Stop is answered" 0 "$RADRC"
t_eq "... none of them reopens or changes the session" \
    "nas1|$V|AA:BB:CC:DD:EE:01|10.5.50.10|closed|300|8589939592|4294974296;" "$(row)"

# a Stop whose Start never came: a session of its own, closed
id_attrs[1]='Acct-Session-Id = "81a00004"'
acct 'Acct-Status-Type = Stop' 'Acct-Session-Time = 30' 'Acct-Input-Octets = 10' 'Acct-Output-Octets = 20'
t_eq "a Stop without its Start is answered" 0 "$RADRC"
t_eq "... and recorded closed" "closed|30|10|20" \
    "$(sql "SELECT state, uptime_s, bytes_in, bytes_out FROM sessions WHERE acct_session_id = '81a00004'")"

# shared users: two devices on a two-user plan, a third refused
id_attrs=("User-Name = \"${TWO[1]}\"" 'Acct-Session-Id = "82000001"' 'NAS-IP-Address = 127.0.0.1' "$(mac 02:00:00:00:00:01)")
acct 'Acct-Status-Type = Start'
id_attrs=("User-Name = \"${TWO[1]}\"" 'Acct-Session-Id = "82000002"' 'NAS-IP-Address = 127.0.0.1' "$(mac 02:00:00:00:00:02)")
acct 'Acct-Status-Type = Start'
t_eq "two devices online with a two-user voucher" 2 "$(sql "SELECT count(*) FROM sessions WHERE username = '${TWO[1]}' AND state = 'active'")"
rad auth "$AUTH" "User-Name = \"${TWO[1]}\"" "CHAP-Password = \"${TWO[1]}\"" "$(mac 02:00:00:00:00:03)" \
    'Message-Authenticator = 0x00'
t_eq "a third device is rejected (Simultaneous-Use)" 1 "$RADRC"
t_contains "... Access-Reject" "Received Access-Reject" "$RAD"
t_contains "... already logged in" "already logged in" "$(radius_reply_attr Reply-Message)"
rad auth "$AUTH" "User-Name = \"${TWO[1]}\"" "CHAP-Password = \"${TWO[1]}\"" "$(mac 02:00:00:00:00:02)" \
    'Message-Authenticator = 0x00'
t_eq "one of the two devices logging in again is accepted" 0 "$RADRC"

rad acct "$ACCT" 'Acct-Status-Type = Accounting-On' 'NAS-IP-Address = 127.0.0.1'
t_eq "Accounting-On (the router restarted) is answered" 0 "$RADRC"
t_eq "... and closes its RADIUS sessions" 0 "$(sql "SELECT count(*) FROM sessions WHERE state = 'active' AND acct_key IS NOT NULL")"
rad auth "$AUTH" "User-Name = \"${TWO[1]}\"" "CHAP-Password = \"${TWO[1]}\"" "$(mac 02:00:00:00:00:03)" \
    'Message-Authenticator = 0x00'
t_eq "... after which the third device gets in" 0 "$RADRC"

# --- kicks: Disconnect-Request ---------------------------------------------------
python3 "$(dirname "$0")/../tools/radius_nas.py" "$DM" "$T/nas.secret" "$T/nas.log" \
    --nak-user "${H[7]}" --lifetime 120 &
NAS_PID=$!
for _ in $(seq 50); do grep -q ready "$T/nas.log" 2>/dev/null && break; sleep 0.1; done
K=${H[6]}
id_attrs=("User-Name = \"$K\"" 'Acct-Session-Id = "83000001"' 'NAS-IP-Address = 127.0.0.1'
    "$(mac 02:00:00:00:00:11)" 'Framed-IP-Address = 10.5.50.77')
acct 'Acct-Status-Type = Start'
SID=$(sql "SELECT id FROM sessions WHERE username = '$K' AND state = 'active'")
w session kick "$SID" --wait
t_eq "session kick of a RADIUS session" 0 "$RC"
t_contains "... kicked" "session $SID kicked" "$OUT"
DMLINE=$(grep '"code": 40' "$T/nas.log" | tail -n 1)
t_contains "... the NAS got a Disconnect-Request" '"code": 40' "$DMLINE"
t_contains "... with valid authenticators (its secret)" '"valid": true' "$DMLINE"
t_contains "... naming the user" "\"1\": \"$K\"" "$DMLINE"
t_contains "... the Acct-Session-Id" '"44": "83000001"' "$DMLINE"
t_contains "... and the Framed-IP-Address" '"8": "10.5.50.77"' "$DMLINE"
t_contains "... and answered ACK" '"answer": 41' "$DMLINE"
t_eq "... the job is done, the session closed" "done|closed" \
    "$(sql "SELECT j.state, s.state FROM router_jobs j JOIN sessions s ON s.id = j.session_id WHERE s.id = $SID")"

N=${H[7]}
id_attrs=("User-Name = \"$N\"" 'Acct-Session-Id = "83000002"' 'NAS-IP-Address = 127.0.0.1' "$(mac 02:00:00:00:00:12)")
acct 'Acct-Status-Type = Start'
SID=$(sql "SELECT id FROM sessions WHERE username = '$N' AND state = 'active'")
w session kick "$SID" --wait
t_eq "a kick the router NAKs fails" 1 "$RC"
t_contains "... with the router's Error-Cause" "503" "$ERR"
t_eq "... the session stays open" active "$(sql "SELECT state FROM sessions WHERE id = $SID")"

# expiry: a RADIUS session whose voucher ran out is disconnected (PostgreSQL's clock)
E=${H[0]}
id_attrs=("User-Name = \"$E\"" 'Acct-Session-Id = "83000003"' 'NAS-IP-Address = 127.0.0.1'
    "$(mac AA:BB:CC:00:00:01)" 'Framed-IP-Address = 10.5.50.78')
acct 'Acct-Status-Type = Start'
sql "UPDATE vouchers SET expires_at = now() - interval '1 second' WHERE code = '$E'"
w radius disconnect --json
t_eq "radius disconnect" 0 "$RC"
t_eq "... disconnects the expired voucher's session" 1 "$(jq -r .disconnected <<<"$OUT")"
t_contains "... the NAS saw it" "\"1\": \"$E\"" "$(grep '"answer": 41' "$T/nas.log" | tail -n 1)"
t_eq "... its session closed" closed "$(sql "SELECT state FROM sessions WHERE acct_session_id = '83000003'")"
w radius disconnect --json
t_eq "... and nothing twice" 0 "$(jq -r '.disconnected + .failed' <<<"$OUT")"

# a Disconnect-Request signed with another secret is dropped by the NAS: no answer
id_attrs=("User-Name = \"${TWO[0]}\"" 'Acct-Session-Id = "83000004"' 'NAS-IP-Address = 127.0.0.1' "$(mac 02:00:00:00:00:21)")
acct 'Acct-Status-Type = Start'
printf 'another-secret-123\n' >"$T/other.secret"
chmod 600 "$T/other.secret"
w radius client nas1 --secret-file "$T/other.secret" --coa-port "$DM"
SID=$(sql "SELECT id FROM sessions WHERE acct_session_id = '83000004'")
w_as op1 op1pw session kick "$SID"
t_eq "an operator queues a kick (no secret to send it with)" 0 "$RC"
t_eq "... left queued" queued "$(sql "SELECT state FROM router_jobs WHERE session_id = $SID")"
w radius disconnect --timeout 200 --tries 2 --json
t_eq "a wrongly signed Disconnect-Request goes unanswered" 1 "$(jq -r .failed <<<"$OUT")"
t_contains "... the NAS saw a bad authenticator" '"valid": false' "$(tail -n 1 "$T/nas.log")"
t_match "... the job failed: no answer" "no answer" "$(sql "SELECT result FROM router_jobs WHERE session_id = $SID")"

# --- FreeRADIUS's role: its functions and nothing else ---------------------------
fr() { PGPASSWORD='fr-Pw-1{x}$y' psql -XAtq -v ON_ERROR_STOP=1 -U fr_radius -c "$1" 2>&1; }
_run fr "SELECT count(*) FROM wisp_radius_check('${H[1]}', '')"
t_eq "the role calls its functions" "0 2" "$_rc $_out"
for q in "SELECT code FROM vouchers LIMIT 1" "SELECT password FROM vouchers LIMIT 1" \
    "SELECT count(*) FROM sessions" "SELECT count(*) FROM plans" "SELECT secret FROM router_radius" \
    "SELECT password FROM router_secrets" "INSERT INTO sessions (router_id, username) VALUES (1, 'x')" \
    "UPDATE vouchers SET status = 'active'" "DELETE FROM sessions" "INSERT INTO audit (action) VALUES ('x')" \
    "SELECT wisp_voucher_sell('${H[1]}')" "SELECT * FROM wisp_radius_kicks()" \
    "SELECT wisp_voucher_activate('${H[1]}', 0, '')" "SELECT wisp_radius_client_set('nas1', 'abcdefghijklmn', 3799)" \
    "SELECT * FROM wisp_radius_voucher('${H[1]}', '')" "SELECT * FROM wisp_voucher_first_use('${H[1]}', 0, '')" \
    "CREATE TABLE x (a int)"; do
    _run fr "$q"
    t_eq "FreeRADIUS's role may not: $q" 1 "$_rc"
done
t_eq "... nothing it tried changed a voucher" "new" "$(sql "SELECT status FROM vouchers WHERE code = '${H[1]}'")"
