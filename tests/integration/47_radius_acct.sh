#!/usr/bin/env bash
# RADIUS accounting and kicks after the review (migration 018), through the
# real FreeRADIUS with radclient as the routers, as 47_radius does: huge
# Gigawords neither overflow nor stop the answers; a second Start of one
# device keeps the first session and both count; Simultaneous-Use without
# Calling-Station-Id and for subscribers; counters after a kick or an
# Accounting-On still counted; an Acct-Session-Id with ' \ = kept and sent
# back as the router wrote it; kicks claimed by lease and sent at once (a
# silent router delays no other, the worker's stop ends them); one
# router's packets cannot touch another router's session; `wisp radius
# role` makes FreeRADIUS's login role (and takes over no role that can do
# more); the worker writes RADIUS routers' traffic into the 5-minute
# history (samples one at a time, none dropped); an Acct-Session-Id used
# again after its session closed long ago opens a new session; a
# subscriber's usage past bigint is held, not an error.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../tools/radius.sh"
chmod 755 "$T"
NAS_PIDS=()
cleanup() {
    radius_stop
    for p in "${NAS_PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
}
trap cleanup EXIT

base=$(radius_udp_ports 4)
AUTH=$base ACCT=$((base + 1)) DM=$((base + 2)) DM_SILENT=$((base + 3))
S1='acct-S3cret-nas1-0001'
S2='acct-S3cret-nas2-0002'
printf '%s\n' "$S1" >"$T/nas1.secret"
printf '%s\n' "$S2" >"$T/nas2.secret"
printf '%s\n' 'some-other-secret-9' >"$T/silent.secret"
printf '%s\n' 'fr-Pw-3' >"$T/db.secret"
chmod 600 "$T"/*.secret

w db migrate
w plan add open --price 1 --validity 1d
w plan add data --price 1 --validity 1d --data 1G
w plan add one --price 1 --validity 1d --shared-users 1
for r in nas1:127.0.0.1 nas2:127.0.0.9 nas3:127.0.0.1; do
    echo routerpw | "$WISP" router add "${r%%:*}" --host "${r#*:}" --user admin --driver routeros \
        --password-stdin --accept-new-hostkey >/dev/null
done
w radius client nas1 --secret-file "$T/nas1.secret" --coa-port "$DM"
w radius client nas2 --secret-file "$T/nas2.secret" --coa-port "$DM"
w voucher create --plan open --count 8
w voucher create --plan data --count 2
w voucher create --plan one --count 1
mapfile -t O < <(sql "SELECT code FROM vouchers v JOIN plans p ON p.id = v.plan_id WHERE p.name = 'open' ORDER BY v.id")
mapfile -t D < <(sql "SELECT code FROM vouchers v JOIN plans p ON p.id = v.plan_id WHERE p.name = 'data' ORDER BY v.id")
ONE=$(sql "SELECT code FROM vouchers v JOIN plans p ON p.id = v.plan_id WHERE p.name = 'one'")
w subplan add home --price 20 --rate 5M/10M --data 50G
echo 'carol-pw1' | "$WISP" subscriber add carol --plan home --name Carol --password-stdin >/dev/null
# FreeRADIUS's login role, made by wisp (the password never printed)
sql "DROP ROLE IF EXISTS fr_acct" >/dev/null
printf '%s\n' 'first-Pw-0' >"$T/db0.secret"
chmod 600 "$T/db0.secret"
w radius role fr_acct --secret-file "$T/db0.secret" --json
t_eq "radius role makes FreeRADIUS's role" "0 true" "$RC $(jq -r .created <<<"$OUT")"
t_eq "... a login in wisp_radius only" "t|wisp_radius" \
    "$(sql "SELECT r.rolcanlogin, string_agg(g.rolname, ',') FROM pg_roles r JOIN pg_auth_members m ON m.member = r.oid JOIN pg_roles g ON g.oid = m.roleid WHERE r.rolname = 'fr_acct' GROUP BY 1")"
w radius role fr_acct --password-stdin <<<'fr-Pw-3'
t_eq "... run again: its password changed" 0 "$RC"
t_contains "... says so" "password of FreeRADIUS's role fr_acct changed" "$OUT"
t_not_contains "... printing no password" "fr-Pw-3" "$OUT$ERR"
t_eq "... audited without it" "2 0" \
    "$(sql "SELECT count(*), count(*) FILTER (WHERE details::text LIKE '%Pw%' OR details::text LIKE '%SCRAM%') FROM audit WHERE action = 'radius.role'" | tr '|' ' ')"
t_eq "... which logs in" 1 "$(PGPASSWORD='fr-Pw-3' psql -XAtq -U fr_acct -c 'SELECT 1' 2>&1)"
mkrole op_acct op-pw wisp_operator
w radius role op_acct --password-stdin <<<'taken-Pw-1'
t_eq "an operator's role is not made a RADIUS login" 1 "$RC"
t_contains "... saying why" "not a RADIUS login" "$ERR"
t_eq "... its password unchanged" 1 "$(PGPASSWORD=op-pw psql -XAtq -U op_acct -c 'SELECT 1' 2>&1)"
w_as op_acct op-pw radius role fr_other --password-stdin <<<'other-Pw-1'
t_eq "an operator cannot make one" "1 0" "$RC $(sql "SELECT count(*) FROM pg_roles WHERE rolname = 'fr_other'")"
# a RADIUS login that can do more is not an admin's to take over (review 2, 7)
mkrole adm_acct adm-pw wisp_admin
for power in CREATEROLE CREATEDB BYPASSRLS REPLICATION; do
    sql "DROP ROLE IF EXISTS fr_power; CREATE ROLE fr_power LOGIN $power PASSWORD 'power-Pw-0' IN ROLE wisp_radius" >/dev/null
    w_as adm_acct adm-pw radius role fr_power --password-stdin <<<'taken-Pw-2'
    t_eq "an admin cannot take over a wisp_radius login with $power" 1 "$RC"
    t_contains "... saying why" "not a RADIUS login" "$ERR"
    t_eq "... its password unchanged" 1 "$(PGPASSWORD=power-Pw-0 psql -XAtq -U fr_power -c 'SELECT 1' 2>&1)"
done
sql "DROP ROLE fr_power" >/dev/null
w radius role 'Bad"Name' --password-stdin <<<'other-Pw-1'
t_eq "a bad role name is refused" 1 "$RC"
w radius config --dir "$T/raddb" --db-user fr_acct --secret-file "$T/db.secret" --listen "127.0.0.1:$AUTH"
t_eq "radius config" 0 "$RC"
radius_start "$T/raddb" "$T/radiusd.log" debug || _fail "freeradius runs" "$(tail -n 5 "$T/radiusd.log")"

rad() { radius_send "$1" "$2" "$S1" "${@:3}"; }
mac() { printf 'Calling-Station-Id = "%s"' "$1"; }
# acct USER SESSION-ID MAC ATTRS...: an Accounting-Request of nas1
acct() {
    local u=$1 id=$2 m=$3
    shift 3
    rad acct "$ACCT" "User-Name = \"$u\"" "Acct-Session-Id = \"$id\"" 'NAS-IP-Address = 127.0.0.1' \
        ${m:+"$(mac "$m")"} "$@"
}
login() { rad auth "$AUTH" "User-Name = \"$1\"" "User-Password = \"$1\"" ${2:+"$(mac "$2")"} 'Message-Authenticator = 0x00'; }
srow() { sql "SELECT state, uptime_s, bytes_in, bytes_out FROM sessions WHERE acct_session_id = '$1' ORDER BY id" | tr '\n' ';'; }
fr() { PGPASSWORD='fr-Pw-3' psql -XAtq -v ON_ERROR_STOP=1 -U fr_acct -c "$1" 2>&1; }

# --- huge Gigawords (finding 7) ------------------------------------------------
# 2^31-1 gigawords and 2^32-1 octets: 2^63-1 bytes, which bigint holds
# but no sum of two of them or rate does
V=${O[0]}
acct "$V" g0000001 02:00:00:00:07:01 'Acct-Status-Type = Start'
acct "$V" g0000001 02:00:00:00:07:01 'Acct-Status-Type = Interim-Update' 'Acct-Session-Time = 60' \
    'Acct-Input-Gigawords = 2147483647' 'Acct-Input-Octets = 4294967295' \
    'Acct-Output-Gigawords = 2147483647' 'Acct-Output-Octets = 4294967295'
t_eq "an Interim-Update with 2^63-1 bytes is answered" 0 "$RADRC"
t_eq "... its counters held to 2^50 bytes" "active|60|1125899906842624|1125899906842624;" "$(srow g0000001)"
acct "$V" g0000001 02:00:00:00:07:01 'Acct-Status-Type = Stop' 'Acct-Session-Time = 61' \
    'Acct-Input-Gigawords = 4294967295' 'Acct-Input-Octets = 4294967295' \
    'Acct-Output-Gigawords = 4294967295' 'Acct-Output-Octets = 4294967295'
t_eq "a Stop with 2^32-1 Gigawords (2^64-1 bytes) is answered" 0 "$RADRC"
t_eq "... the session closed, held to 2^50" "closed|61|1125899906842624|1125899906842624;" "$(srow g0000001)"
V=${O[1]}
acct "$V" g0000002 02:00:00:00:07:02 'Acct-Status-Type = Start' \
    'Acct-Input-Gigawords = 2147483647' 'Acct-Input-Octets = 4294967295' \
    'Acct-Output-Gigawords = 2147483647' 'Acct-Output-Octets = 4294967295'
t_eq "a Start with 2^63-1 bytes each way is answered" 0 "$RADRC"
login "$V" 02:00:00:00:07:02
t_eq "... and the voucher still logs in (its usage adds up)" 0 "$RADRC"
t_contains "... Access-Accept" "Received Access-Accept" "$RAD"
V=${D[0]}
acct "$V" g0000003 02:00:00:00:07:03 'Acct-Status-Type = Start' \
    'Acct-Input-Gigawords = 4294967295' 'Acct-Input-Octets = 4294967295'
login "$V" 02:00:00:00:07:03
t_eq "a data voucher with 2^64-1 bytes in gets an answer: data used up" "voucher data used up" \
    "$(radius_reply_attr Reply-Message)"

# --- a second Start of one device (finding 5) -----------------------------------
V=${D[1]}
acct "$V" m0000001 02:00:00:00:05:01 'Acct-Status-Type = Start'
acct "$V" m0000002 02:00:00:00:05:01 'Acct-Status-Type = Start'
t_eq "a second Start from the same device: both sessions open" "active|0|0|0;active|0|0|0;" \
    "$(srow m0000001)$(srow m0000002)"
acct "$V" m0000001 02:00:00:00:05:01 'Acct-Status-Type = Interim-Update' 'Acct-Session-Time = 30' 'Acct-Input-Octets = 1000'
acct "$V" m0000002 02:00:00:00:05:01 'Acct-Status-Type = Interim-Update' 'Acct-Session-Time = 30' 'Acct-Output-Octets = 2000'
t_eq "... each counts its own" "active|30|1000|0;active|30|0|2000;" "$(srow m0000001)$(srow m0000002)"
login "$V" 02:00:00:00:05:01
t_eq "... and the data left is the plan's minus both (1G - 3000)" 1073738824 "$(radius_reply_attr Mikrotik-Total-Limit)"

# --- RADIUS traffic in the 5-minute history ------------------------------------
hist() { sql "SELECT coalesce(sum(m.bytes_in), 0) || ' ' || coalesce(sum(m.bytes_out), 0) || ' ' || coalesce(max(m.sessions_max), 0)
              FROM metric_rollups m JOIN routers r ON r.id = m.router_id WHERE r.name = 'nas1'"; }
w worker --once
t_eq "the worker samples RADIUS routers into the history" 0 "$RC"
read -r in0 out0 max0 <<<"$(hist)"
t_ok "... with their open RADIUS sessions ($max0)" test "$max0" -ge 2
acct "$V" m0000001 02:00:00:00:05:01 'Acct-Status-Type = Interim-Update' 'Acct-Session-Time = 60' 'Acct-Input-Octets = 1500'
acct "$V" m0000002 02:00:00:00:05:01 'Acct-Status-Type = Stop' 'Acct-Session-Time = 60' 'Acct-Output-Octets = 2700'
w worker --once
t_eq "... and the bytes accounting brought since (500 in, 700 out, a Stop's included)" \
    "$((in0 + 500)) $((out0 + 700))" "$(hist | cut -d' ' -f1,2)"
w worker --once
t_eq "... once" "$((in0 + 500)) $((out0 + 700))" "$(hist | cut -d' ' -f1,2)"
# two samples at once (review 2, 6): a transaction begun before another
# sample, sampling after it committed, still adds the bytes it takes
psql -XAtq -v ON_ERROR_STOP=1 >"$T/rollup-a.out" 2>&1 <<'SQL' &
BEGIN;
SELECT pg_sleep(2);
SELECT wisp_radius_rollup();
COMMIT;
SQL
APID=$!
NAS_PIDS+=($APID)
sleep 0.5
acct "$V" m0000001 02:00:00:00:05:01 'Acct-Status-Type = Interim-Update' 'Acct-Session-Time = 70' 'Acct-Input-Octets = 1600'
sql "SELECT wisp_radius_rollup()" >/dev/null
acct "$V" m0000001 02:00:00:00:05:01 'Acct-Status-Type = Interim-Update' 'Acct-Session-Time = 80' 'Acct-Input-Octets = 1800'
wait "$APID"
t_eq "a sample from an older transaction still adds its bytes (100 then 200 in)" \
    "$((in0 + 800)) $((out0 + 700))" "$(hist | cut -d' ' -f1,2)"
# one sample at a time: a second waits for the first's transaction
psql -XAtq -v ON_ERROR_STOP=1 >"$T/rollup-b.out" 2>&1 <<'SQL' &
BEGIN;
SELECT wisp_radius_rollup();
SELECT pg_sleep(2);
COMMIT;
SQL
APID=$!
NAS_PIDS+=($APID)
sleep 0.5
acct "$V" m0000001 02:00:00:00:05:01 'Acct-Status-Type = Interim-Update' 'Acct-Session-Time = 90' 'Acct-Input-Octets = 2100'
sql "SELECT wisp_radius_rollup()" >/dev/null &
BPID=$!
NAS_PIDS+=($BPID)
sleep 0.7
t_eq "... a second sample waits on the first's lock" 1 \
    "$(sql "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND wait_event = 'advisory' AND query LIKE '%wisp_radius_rollup%'")"
wait "$APID" "$BPID"
t_eq "... and takes the bytes after it: all of them in the history" \
    "$((in0 + 1100)) $((out0 + 700))" "$(hist | cut -d' ' -f1,2)"

# --- Simultaneous-Use without Calling-Station-Id (finding 10) -------------------
login "$ONE"
t_eq "a one-user voucher without Calling-Station-Id logs in" 0 "$RADRC"
acct "$ONE" n0000001 '' 'Acct-Status-Type = Start'
login "$ONE"
t_eq "a second device without Calling-Station-Id is refused (Simultaneous-Use 1)" 1 "$RADRC"
t_contains "... already logged in" "already logged in" "$(radius_reply_attr Reply-Message)"
login "$ONE" 02:00:00:00:10:02
t_eq "... and so is a device that names its MAC" 1 "$RADRC"

# a subscriber's sessions, whatever Simultaneous-Use its check items give
acct carol p0000001 '' 'Acct-Status-Type = Start'
t_eq "a subscriber's PPPoE session is linked to it" 1 \
    "$(sql "SELECT count(*) FROM sessions x JOIN subscribers s ON s.id = x.subscriber_id WHERE s.username = 'carol' AND x.state = 'active'")"
t_eq "Simultaneous-Use counts it for a second login without Calling-Station-Id" 1 \
    "$(fr "SELECT wisp_radius_simul('carol', '', 300)")"
t_eq "... and for another device" 1 "$(fr "SELECT wisp_radius_simul('carol', '02:00:00:00:11:02', 300)")"
acct carol p0000002 02:00:00:00:11:03 'Acct-Status-Type = Start'
t_eq "... two open: both counted for a third device" 2 "$(fr "SELECT wisp_radius_simul('carol', '02:00:00:00:11:04', 300)")"
t_eq "... the asking device's own too (one PPPoE session, one cap)" 2 \
    "$(fr "SELECT wisp_radius_simul('carol', '02-00-00-00-11-03', 300)")"

# --- an Acct-Session-Id with ' \ = (stored and sent as the router wrote it) ------
python3 "$(dirname "$0")/../tools/radius_nas.py" "$DM" "$T/nas1.secret" "$T/nas.log" --lifetime 200 &
NAS_PIDS+=($!)
for _ in $(seq 50); do grep -q ready "$T/nas.log" 2>/dev/null && break; sleep 0.1; done
V=${O[2]}
acct "$V" "a'b\\\\c=d" 02:00:00:00:06:01 'Acct-Status-Type = Start' 'Framed-IP-Address = 10.5.50.61'
t_eq "an Acct-Session-Id with ' \\ = is stored as sent" "a'b\\c=d" \
    "$(sql "SELECT acct_session_id FROM sessions WHERE username = '$V'")"
SID=$(sql "SELECT id FROM sessions WHERE username = '$V'")
acct "$V" "a'b\\\\c=d" 02:00:00:00:06:01 'Acct-Status-Type = Interim-Update' 'Acct-Session-Time = 40' 'Acct-Input-Octets = 1000'
t_eq "... its Interim-Update finds it" "active|40|1000" \
    "$(sql "SELECT state, uptime_s, bytes_in FROM sessions WHERE id = $SID")"

# --- counters after a kick (finding 6) ------------------------------------------
w session kick "$SID" --wait
t_eq "the session is kicked" 0 "$RC"
t_eq "... the Disconnect-Request names it as the router wrote it" "a'b\\c=d" \
    "$(grep '"code": 40' "$T/nas.log" | tail -n 1 | jq -r '.attrs["44"]')"
t_eq "... closed" closed "$(sql "SELECT state FROM sessions WHERE id = $SID")"
acct "$V" "a'b\\\\c=d" 02:00:00:00:06:01 'Acct-Status-Type = Stop' 'Acct-Session-Time = 50' \
    'Acct-Input-Octets = 5000' 'Acct-Output-Octets = 700'
t_eq "its Stop after the kick is answered" 0 "$RADRC"
t_eq "... and counted; the session stays closed" "closed|50|5000|700" \
    "$(sql "SELECT state, uptime_s, bytes_in, bytes_out FROM sessions WHERE id = $SID")"
t_eq "... its end kept between the kick and now" t \
    "$(sql "SELECT s.ended_at >= j.done_at AND s.ended_at <= now() FROM sessions s JOIN router_jobs j ON j.session_id = s.id WHERE s.id = $SID")"

# --- kicks: a lease, not a transaction; a silent router delays no other ----------
python3 "$(dirname "$0")/../tools/radius_nas.py" "$DM_SILENT" "$T/silent.secret" "$T/silent.log" --lifetime 200 &
NAS_PIDS+=($!)
for _ in $(seq 50); do grep -q ready "$T/silent.log" 2>/dev/null && break; sleep 0.1; done
# nas3 (on nas1's address, not a client when FreeRADIUS read its clients)
# answers nothing: its listener holds another secret and drops every request
cp "$T/nas1.secret" "$T/nas3.secret"
w radius client nas3 --secret-file "$T/nas3.secret" --coa-port "$DM_SILENT"
for i in 1 2 3 4 5; do
    sql "INSERT INTO sessions (router_id, username, mac, acct_key, acct_session_id)
         SELECT id, 'silent$i', '02:00:00:00:33:0$i', md5('silent$i'), 'silent$i' FROM routers WHERE name = 'nas3'" >/dev/null
    sql "INSERT INTO router_jobs (router_id, kind, session_id, target)
         SELECT router_id, 'kick', id, username FROM sessions WHERE username = 'silent$i'" >/dev/null
done
V=${O[3]}
acct "$V" k0000001 02:00:00:00:06:02 'Acct-Status-Type = Start'
sql "INSERT INTO router_jobs (router_id, kind, session_id, target)
     SELECT router_id, 'kick', id, username FROM sessions WHERE acct_session_id = 'k0000001'" >/dev/null
start=$(date +%s%N)
"$WISP" radius disconnect --timeout 1500 --tries 2 --json >"$T/dm.out" 2>"$T/dm.err" &
DMPID=$!
sleep 1.2
t_eq "while the routers answer, no transaction is open" 0 \
    "$(sql "SELECT count(*) FROM pg_stat_activity WHERE state LIKE 'idle in transaction%' AND pid <> pg_backend_pid()")"
t_eq "... the claimed jobs are not locked (a lease, committed)" "6 6" \
    "$(sql "SELECT count(*), count(*) FILTER (WHERE lease_until > now()) FROM (SELECT lease_until FROM router_jobs WHERE state = 'queued' FOR UPDATE NOWAIT) j" 2>&1 | tr '|' ' ')"
wait "$DMPID"
ms=$((($(date +%s%N) - start) / 1000000))
t_eq "radius disconnect" "1 5" "$(jq -r '"\(.disconnected) \(.failed)"' <"$T/dm.out")"
t_ok "... five silent kicks and one answered in well under 5 x 3 s ($ms ms)" test "$ms" -lt 6000
t_eq "... the answering router's session closed" closed "$(srow k0000001 | cut -d'|' -f1)"
t_eq "... the silent ones failed: no answer, lease cleared" "5 5 0" \
    "$(sql "SELECT count(*), count(*) FILTER (WHERE result LIKE 'no answer%'), count(lease_until) FROM router_jobs j JOIN sessions s ON s.id = j.session_id WHERE s.username LIKE 'silent%'" | tr '|' ' ')"

# the worker sends them on each tick; stopped, it waits for no router
for i in 6 7 8; do
    sql "INSERT INTO sessions (router_id, username, mac, acct_key, acct_session_id)
         SELECT id, 'silent$i', '02:00:00:00:33:0$i', md5('silent$i'), 'silent$i' FROM routers WHERE name = 'nas3'" >/dev/null
    sql "INSERT INTO router_jobs (router_id, kind, session_id, target)
         SELECT router_id, 'kick', id, username FROM sessions WHERE username = 'silent$i'" >/dev/null
done
seen=$(grep -c '"code": 40' "$T/silent.log")
setsid "$WISP" worker --interval 30 >"$T/worker.log" 2>&1 &
WPID=$!
NAS_PIDS+=($WPID)
for _ in $(seq 100); do
    [ "$(grep -c '"code": 40' "$T/silent.log")" -gt "$seen" ] && break
    sleep 0.1
done
t_ok "the worker sends the queued kicks" test "$(grep -c '"code": 40' "$T/silent.log")" -gt "$seen"
t_eq "... claimed with a lease" 3 "$(sql "SELECT count(lease_until) FROM router_jobs WHERE state = 'queued'")"
sleep 0.3
start=$(date +%s%N)
kill -TERM "$WPID"
wait "$WPID"
wrc=$?
ms=$((($(date +%s%N) - start) / 1000000))
t_eq "... stops cleanly" 0 "$wrc"
t_ok "... at once, not after its kicks' 2 s ($ms ms)" test "$ms" -lt 1500
t_eq "... and puts the kicks it was waiting on back in the queue" "3 0" \
    "$(sql "SELECT count(*), count(lease_until) FROM router_jobs WHERE state = 'queued'" | tr '|' ' ')"

# --- counters after Accounting-On (finding 6) ------------------------------------
V=${O[4]}
acct "$V" r0000001 02:00:00:00:06:03 'Acct-Status-Type = Start'
rad acct "$ACCT" 'Acct-Status-Type = Accounting-On' 'NAS-IP-Address = 127.0.0.1'
t_eq "Accounting-On closes the session" "closed|0|0|0;" "$(srow r0000001)"
acct "$V" r0000001 02:00:00:00:06:03 'Acct-Status-Type = Interim-Update' 'Acct-Session-Time = 90' \
    'Acct-Input-Octets = 4000' 'Acct-Output-Octets = 300'
t_eq "an Interim-Update that comes after it still counts; the session stays closed" \
    "closed|90|4000|300;" "$(srow r0000001)"
acct "$V" r0000001 02:00:00:00:06:03 'Acct-Status-Type = Interim-Update' 'Acct-Session-Time = 60' \
    'Acct-Input-Octets = 2000' 'Acct-Output-Octets = 100'
t_eq "... an older one moves nothing back" "closed|90|4000|300;" "$(srow r0000001)"

# --- an Acct-Session-Id used again, its session closed long ago (review 2, 1) ----
# the router reuses its ids after a reboot: a new session, not a crash
V=${O[6]}
acct "$V" u0000001 02:00:00:00:06:04 'Acct-Status-Type = Start'
acct "$V" u0000001 02:00:00:00:06:04 'Acct-Status-Type = Stop' 'Acct-Session-Time = 500' \
    'Acct-Input-Octets = 7000' 'Acct-Output-Octets = 800'
sql "UPDATE sessions SET ended_at = now() - interval '11 minutes' WHERE acct_session_id = 'u0000001'" >/dev/null
acct "$V" u0000001 02:00:00:00:06:04 'Acct-Status-Type = Start'
t_eq "a Start reusing the id of a session closed 11 minutes ago is answered" 0 "$RADRC"
t_eq "... a new open row beside the old one" "closed|500|7000|800;active|0|0|0;" "$(srow u0000001)"
acct "$V" u0000001 02:00:00:00:06:04 'Acct-Status-Type = Interim-Update' 'Acct-Session-Time = 30' \
    'Acct-Input-Octets = 100'
acct "$V" u0000001 02:00:00:00:06:04 'Acct-Status-Type = Stop' 'Acct-Session-Time = 40' \
    'Acct-Input-Octets = 150' 'Acct-Output-Octets = 20'
t_eq "... its Interim-Update and Stop counted on the new row, the old row's unchanged" \
    "closed|500|7000|800;closed|40|150|20;" "$(srow u0000001)"

# --- one router cannot touch another's session (finding 8) -----------------------
V=${O[5]}
acct "$V" x0000001 02:00:00:00:08:01 'Acct-Status-Type = Start' 'Framed-IP-Address = 10.5.50.81'
t_eq "nas1's session" "nas1|active|0|0" \
    "$(sql "SELECT r.name, s.state, s.bytes_in, s.uptime_s FROM sessions s JOIN routers r ON r.id = s.router_id WHERE s.acct_session_id = 'x0000001'")"
# nas2 now sends from the address radclient uses; nas1 moves away
radius_stop
sql "UPDATE routers SET host = '127.0.0.8' WHERE name = 'nas1'; UPDATE routers SET host = '127.0.0.1' WHERE name = 'nas2'"
sql "DELETE FROM router_radius WHERE router_id = (SELECT id FROM routers WHERE name = 'nas3')"
w radius config --dir "$T/raddb" --db-user fr_acct --secret-file "$T/db.secret" --listen "127.0.0.1:$AUTH"
t_eq "radius config with nas2 on 127.0.0.1" 0 "$RC"
radius_start "$T/raddb" "$T/radiusd2.log" debug || _fail "freeradius runs again" "$(tail -n 5 "$T/radiusd2.log")"
# the very packet nas1 would send (same User-Name, Acct-Session-Id, NAS-IP-Address: same acct_key)
radius_send acct "$ACCT" "$S2" "User-Name = \"$V\"" 'Acct-Session-Id = "x0000001"' 'NAS-IP-Address = 127.0.0.1' \
    "$(mac 02:00:00:00:08:01)" 'Acct-Status-Type = Interim-Update' 'Acct-Session-Time = 999' 'Acct-Input-Octets = 9999'
t_eq "nas2's Interim-Update with nas1's session id is answered" 0 "$RADRC"
radius_send acct "$ACCT" "$S2" "User-Name = \"$V\"" 'Acct-Session-Id = "x0000001"' 'NAS-IP-Address = 127.0.0.1' \
    "$(mac 02:00:00:00:08:01)" 'Acct-Status-Type = Stop' 'Acct-Session-Time = 999' 'Acct-Input-Octets = 9999'
t_eq "... and its Stop" 0 "$RADRC"
t_eq "... neither touched nas1's session" "nas1|active|0|0" \
    "$(sql "SELECT r.name, s.state, s.bytes_in, s.uptime_s FROM sessions s JOIN routers r ON r.id = s.router_id WHERE s.acct_session_id = 'x0000001' AND r.name = 'nas1'")"
t_eq "... they are nas2's own session" "nas2|closed|9999|999" \
    "$(sql "SELECT r.name, s.state, s.bytes_in, s.uptime_s FROM sessions s JOIN routers r ON r.id = s.router_id WHERE s.acct_session_id = 'x0000001' AND r.name = 'nas2'")"
radius_send acct "$ACCT" "$S2" 'Acct-Status-Type = Accounting-On' 'NAS-IP-Address = 127.0.0.1'
t_eq "nas2's Accounting-On closes none of nas1's sessions" active \
    "$(sql "SELECT s.state FROM sessions s JOIN routers r ON r.id = s.router_id WHERE s.acct_session_id = 'x0000001' AND r.name = 'nas1'")"

# --- a subscriber's usage adds up past bigint (review 2, 5) -------------------------
# 4200 sessions at accounting's 2^50 bytes each way: 2^63 and more
sql "SELECT count(wisp_radius_acct('Start', md5('ov' || i), 'nas1', '127.0.0.1', 'ov' || i, 'carol',
            '02:00:00:00:00:09', NULL, 0, 1125899906842624, 1125899906842624)) FROM generate_series(1, 4200) i" >/dev/null
w subscriber list
t_eq "subscriber list works with 4200 sessions of 2^51 bytes" 0 "$RC"
t_contains "... listing carol" carol "$OUT"
t_eq "... her use held to 2^62" 4611686018427387904 "$(sql "SELECT used_bytes FROM subscriber_list WHERE username = 'carol'")"
t_eq "... and FreeRADIUS's query answers her: data used up" "subscriber data used up" \
    "$(fr "SELECT value FROM wisp_radius_reply('carol', '', 300, 0) WHERE attribute = 'Reply-Message'")"
