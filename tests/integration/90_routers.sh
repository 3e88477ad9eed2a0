#!/usr/bin/env bash
# Routers and the worker against simulated routers (tests/sim/routersim.py)
# behind real OpenSSH sshd servers on loopback: the registry with pinned host
# keys, vouchers pushed with their profile and limits, logins imported and
# vouchers activated, expiry, kicks, a router down and back, failover to a
# backup, garbage answers, openNDS's voucher roll, and two workers.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../tools/sim.sh"
. "$(dirname "$0")/../tools/services.sh"
chmod 755 "$T"
sim_init "$T/sim" || { _fail "simulator set up" "sim_init failed"; exit 1; }
trap sim_stop EXIT
sim_router r1 routeros --version 7 --identity shop-main
sim_router r2 routeros --version 6 --identity shop-back
sim_router n1 opennds
sim_router r3 routeros --version 7 --identity annex
base=$(sim_ports 4)
P1=$base P2=$((base + 1)) PN=$((base + 2)) P3=$((base + 3))
sim_sshd a "$P1=r1" "$P2=r2" "$PN=n1"
sim_sshd b "$P3=r3"
FA=$(cat "$SIM_DIR/a.fp") FB=$(cat "$SIM_DIR/b.fp")
export WISP_SSH_CONNECT_TIMEOUT=10 WISP_SSH_COMMAND_TIMEOUT=20

w db migrate
w plan add 1h --price 5 --duration 1h --data 500M --rate 1M/2M --validity 1d
w plan add day --price 9 --duration 1d

# --- registry ---------------------------------------------------------------
w router add r1 --host 127.0.0.1 --port "$P1" --user wispsim --key "$SIM_KEY" --driver routeros --hostkey "$FA"
t_eq "add with a pinned key" 0 "$RC"
w router add r2 --host 127.0.0.1 --port "$P2" --user wispsim --driver routeros --password-stdin --accept-new-hostkey <<<"$SIM_PASSWORD"
t_eq "add with a password, key on first use" 0 "$RC"
w router add r9 --host 127.0.0.1 --user wispsim --key "$SIM_KEY" --driver routeros
t_eq "no host key policy: refused" 2 "$RC"
t_contains "says how to pin" "--accept-new-hostkey" "$ERR"
w router add r9 --host 127.0.0.1 --user wispsim --key "$SIM_KEY" --driver cisco --accept-new-hostkey
t_eq "unknown driver refused" 2 "$RC"
w router add r9 --host 127.0.0.1 --user wispsim --key "$SIM_KEY" --driver routeros --hostkey SHA256:short
t_eq "malformed fingerprint refused" 2 "$RC"
w router add r1 --host 127.0.0.1 --user wispsim --key "$SIM_KEY" --driver routeros --accept-new-hostkey
t_eq "duplicate name refused" 1 "$RC"
t_contains "says it exists" 'a router named "r1" already exists' "$ERR"

w router test r1
t_eq "test r1" 0 "$RC"
t_contains "test counts the router's users" "users     0" "$OUT"
t_contains "prints identity" "identity  shop-main" "$OUT"
t_contains "prints version" "version   7.11.2 (stable)" "$OUT"
t_match "prints uptime" '^uptime    1d2h' "$OUT"
w router test r2
t_eq "test r2 (v6, password)" 0 "$RC"
t_contains "v6 version" "6.48.6 (long-term)" "$OUT"
t_contains "key pinned at first use" "(pinned now)" "$OUT"
t_eq "pinned key recorded" "$FA" "$(sql "SELECT hostkey FROM routers WHERE name='r2'")"
t_eq "pin audited" 1 "$(sql "SELECT count(*) FROM audit WHERE action='router.hostkey'")"

# a wrong password, a wrong key
w router add bad-pw --host 127.0.0.1 --port "$P1" --user wispsim --driver routeros --password-stdin --hostkey "$FA" <<<"wrong"
w router test bad-pw
t_eq "wrong password: exit 1" 1 "$RC"
t_contains "wrong password: says so" "wrong user or password" "$ERR"
w router add bad-key --host 127.0.0.1 --port "$P1" --user wispsim --key "$SIM_KEY" --driver routeros --hostkey "$FB"
w router test bad-key
t_eq "wrong host key: exit 1" 1 "$RC"
t_contains "wrong host key: says so" "host key mismatch" "$ERR"
t_contains "host key message: the router named once, one separator" "wisp: router bad-key: host key mismatch for" "$ERR"
t_not_contains "no doubled separator in the message" ": :" "$ERR"
t_eq "state hostkey-mismatch" hostkey-mismatch "$(sql "SELECT state FROM routers WHERE name='bad-key'")"
w router add down1 --host 127.0.0.1 --port 1 --user wispsim --key "$SIM_KEY" --driver routeros --accept-new-hostkey
w router test down1
t_eq "unreachable: exit 1" 1 "$RC"
t_contains "unreachable: the reason" "cannot connect to 127.0.0.1 port 1" "$ERR"
for r in bad-pw bad-key down1; do w router remove "$r"; done
t_eq "removed" 2 "$(sql "SELECT count(*) FROM routers")"

w router list --json
t_eq "list --json" 0 "$RC"
t_eq "list --json keys" "active_sessions,auth,cpu_load,driver,host,last_error,last_seen,name,port,removals_pending,state,uptime_s,version" \
    "$(jq -r '.[0] | keys | join(",")' <<<"$OUT")"
t_not_contains "no password in --json" "$SIM_PASSWORD" "$OUT"
w router show r2
t_contains "show hides the password" "(set, hidden)" "$OUT"
t_not_contains "show never prints it" "$SIM_PASSWORD" "$OUT"
t_not_contains "audit never holds it" "$SIM_PASSWORD" "$(sql "SELECT details::text FROM audit")"
mkrole rt_viewer pw wisp_viewer
w_as rt_viewer pw router list
t_eq "a viewer lists routers" 0 "$RC"
t_contains "a viewer cannot read router passwords" "permission denied" \
    "$(PGPASSWORD=pw psql -XAtq -U rt_viewer -c "SELECT password FROM router_secrets" 2>&1)"
w_as rt_viewer pw router add vx --host 127.0.0.1 --user u --key "$SIM_KEY" --driver routeros --accept-new-hostkey
t_eq "a viewer cannot add routers" 1 "$RC"

# --- vouchers reach the routers ------------------------------------------------
redis-cli -s "$REDIS_SOCK" SUBSCRIBE wisp:events >"$T/events.txt" 2>&1 &
SUBPID=$!
sleep 0.3
w voucher create --plan 1h --count 20 --router r1 --json
B1=$(jq -r .batch_id <<<"$OUT")
w worker --once
t_eq "worker --once exits 0" 0 "$RC"
t_match "worker logs the cycle" 'cycle 1: 2 routers in [0-9]+ ms' "$ERR"
t_match "worker logs each router" 'r1: [0-9]+ ms, up' "$ERR"
users=$(sim_admin r1 users)
t_eq "20 users on r1" 20 "$(jq length <<<"$users")"
t_eq "profile from the plan" 1h "$(jq -r '.[0].profile' <<<"$users")"
t_eq "limit-uptime = duration" 3600 "$(jq -r '.[0]["limit-uptime"]' <<<"$users")"
t_eq "limit-bytes-total = data" 524288000 "$(jq -r '.[0]["limit-bytes-total"]' <<<"$users")"
t_eq "profile created with the rate" "1M/2M" "$(sim_admin r1 profiles | jq -r '.[0]["rate-limit"]')"
t_eq "none of them on r2" 0 "$(sim_admin r2 users | jq length)"
t_eq "recorded synced" 20 "$(sql "SELECT count(*) FROM voucher_routers WHERE state='synced'")"
t_eq "router up" "up|shop-main|3" "$(sql "SELECT state || '|' || identity || '|' || cpu_load FROM routers WHERE name='r1'")"
w worker --once
t_eq "a second cycle pushes nothing again" "0" "$(grep -c 'vouchers refused' <<<"$ERR")"
t_match "a second cycle: nothing pushed" 'r1: [0-9]+ ms, up, 0 sessions, 0 pushed' "$ERR"

w voucher create --plan day --count 5 --json
w worker --once
t_eq "unassigned batch on r1" 25 "$(sim_admin r1 users | jq length)"
t_eq "unassigned batch on r2" 5 "$(sim_admin r2 users | jq length)"

# a router that was reset: a full resync pushes everything again
sim_admin r1 mode normal
python_reset='import json,sys; d=sys.argv[1]; s=json.load(open(d)); s["users"]=[]; json.dump(s, open(d, "w"))'
runuser -u wispsim -- /usr/bin/python3 -c "$python_reset" "$SIM_DIR/r/r1/state.json"
t_eq "r1 wiped" 0 "$(sim_admin r1 users | jq length)"
w router sync r1 --full
t_eq "sync --full queued" 0 "$RC"
t_contains "sync --full says so" "full resync asked" "$OUT"
w worker --once
t_eq "full resync: everything back on r1" 25 "$(sim_admin r1 users | jq length)"
t_eq "full resync: job done" done "$(sql "SELECT state FROM router_jobs WHERE kind = 'resync'")"

# --- logins, activation, traffic, logout --------------------------------------
C1=$(sql "SELECT code FROM vouchers WHERE batch_id=$B1 ORDER BY serial LIMIT 1")
w voucher sell "$C1"
SIM_AGO=120 sim_admin r1 login "$C1" aa:bb:cc:00:00:01 10.5.50.10
t_eq "sim login" 0 $?
sim_admin r1 traffic "$C1" 1000 50000
w worker --once
w session list --json
t_eq "session imported" "$C1|r1|10.5.50.10|AA:BB:CC:00:00:01|1000|50000|active" \
    "$(jq -r '.[0] | [.user, .router, .ip, .mac, .bytes_in, .bytes_out, .state] | join("|")' <<<"$OUT")"
t_eq "session has its voucher and plan" "$C1|1h" "$(jq -r '.[0] | [.voucher, .plan] | join("|")' <<<"$OUT")"
t_eq "voucher active" active "$(sql "SELECT status FROM vouchers WHERE code='$C1'")"
t_eq "first use from the session start" 1 \
    "$(sql "SELECT count(*) FROM vouchers WHERE code='$C1' AND first_used_at BETWEEN now() - interval '130 s' AND now() - interval '110 s'")"
t_eq "expires at first use + validity" 1 \
    "$(sql "SELECT count(*) FROM vouchers WHERE code='$C1' AND expires_at = first_used_at + interval '1 day'")"
t_eq "active count on the router row" 1 "$(sql "SELECT active_sessions FROM routers WHERE name='r1'")"
sim_admin r1 traffic "$C1" 1000 100000
w worker --once
t_eq "counters follow" "2000|150000" "$(sql "SELECT bytes_in || '|' || bytes_out FROM sessions WHERE username='$C1' AND state='active'")"
t_eq "a rate is measured" 1 "$(sql "SELECT count(*) FROM sessions WHERE username='$C1' AND rate_out > 0")"
t_eq "still one session" 1 "$(sql "SELECT count(*) FROM sessions")"
sim_admin r1 logout "$C1"
w worker --once
t_eq "vanished session closed" "closed|150000" "$(sql "SELECT state || '|' || bytes_out FROM sessions WHERE username='$C1'")"
w session list --json
t_eq "no open sessions" 0 "$(jq length <<<"$OUT")"
w session list --all --json
t_eq "--all shows the ended one" closed "$(jq -r '.[0].state' <<<"$OUT")"

# --- expiry ------------------------------------------------------------------------
C2=$(sql "SELECT code FROM vouchers WHERE batch_id=$B1 ORDER BY serial OFFSET 1 LIMIT 1")
sim_admin r1 login "$C2" aa:bb:cc:00:00:02 10.5.50.11
w worker --once
t_eq "second voucher active" active "$(sql "SELECT status FROM vouchers WHERE code='$C2'")"
sql "UPDATE vouchers SET expires_at = now() - interval '1 s' WHERE code='$C2'" >/dev/null
w worker --once
t_eq "expired by the worker" expired "$(sql "SELECT status FROM vouchers WHERE code='$C2'")"
t_eq "removed from the router" 0 "$(sim_admin r1 users | jq --arg c "$C2" '[.[] | select(.name == $c)] | length')"
t_eq "its session kicked" 0 "$(sim_admin r1 active | jq length)"
t_eq "recorded removed" removed "$(sql "SELECT vr.state FROM voucher_routers vr JOIN vouchers v ON v.id = vr.voucher_id WHERE v.code='$C2'")"

kill "$SUBPID" 2>/dev/null
wait "$SUBPID" 2>/dev/null
ev=$(cat "$T/events.txt")
for type in router.status session.started voucher.activated session.ended voucher.expired worker.cycle; do
    t_contains "event $type published" "\"type\":\"$type\"" "$ev"
done
t_contains "session.started names router and user" "\"router\":\"r1\"" "$(grep session.started <<<"$ev" | head -1)"
live=$(redis-cli -s "$REDIS_SOCK" HGETALL wisp:router:r1 | paste -sd' ')
t_match "router health in Redis" 'state up .*version 7\.11\.2' "$live"
t_ok "router health expires" test "$(redis-cli -s "$REDIS_SOCK" TTL wisp:router:r1)" -gt 0
t_eq "a worker that stopped leaves no heartbeat" 0 "$(redis-cli -s "$REDIS_SOCK" KEYS 'wisp:worker:*' | grep -c .)"

# --- kick, disable --------------------------------------------------------------------
C3=$(sql "SELECT code FROM vouchers WHERE batch_id=$B1 ORDER BY serial OFFSET 2 LIMIT 1")
sim_admin r1 login "$C3" aa:bb:cc:00:00:03 10.5.50.12
w worker --once
SID=$(sql "SELECT id FROM sessions WHERE username='$C3' AND state='active'")
w session kick "$SID"
t_eq "kick queued" 0 "$RC"
t_contains "kick says queued" "queued for the worker" "$OUT"
w worker --once
t_eq "kicked on the router" 0 "$(sim_admin r1 active | jq length)"
t_eq "job done" done "$(sql "SELECT state FROM router_jobs ORDER BY id DESC LIMIT 1")"
w session kick 99999
t_eq "kick of no session" 1 "$RC"
C4=$(sql "SELECT code FROM vouchers WHERE batch_id=$B1 ORDER BY serial OFFSET 3 LIMIT 1")
w voucher disable "$C4"
t_eq "disable exits 0" 0 "$RC"
w worker --once
t_eq "disabled on the router" true "$(sim_admin r1 users | jq --arg c "$C4" '.[] | select(.name == $c) | .disabled')"
sim_admin r1 login "$C4" aa:bb:cc:00:00:04 10.5.50.13 2>/dev/null
t_eq "a disabled voucher cannot log in" 1 $?

# --- extend, reset, lock-mac ---------------------------------------------------------------
C5=$(sql "SELECT code FROM vouchers WHERE batch_id=$B1 ORDER BY serial OFFSET 4 LIMIT 1")
sim_admin r1 login "$C5" aa:bb:cc:00:00:05 10.5.50.14
sim_admin r1 traffic "$C5" 4096 8192
w worker --once
exp0=$(sql "SELECT extract(epoch FROM expires_at)::bigint FROM vouchers WHERE code='$C5'")
w voucher extend "$C5" --by 1h --data 1G
t_eq "extend exits 0" 0 "$RC"
t_eq "expiry moved by 1h" $((exp0 + 3600)) "$(sql "SELECT extract(epoch FROM expires_at)::bigint FROM vouchers WHERE code='$C5'")"
w worker --once
t_eq "router limits extended" "7200|1598029824" \
    "$(sim_admin r1 users | jq -r --arg c "$C5" '.[] | select(.name == $c) | "\(.["limit-uptime"])|\(.["limit-bytes-total"])"')"
w voucher extend "$C2" --by 1h
t_eq "an expired voucher is not extended" 1 "$RC"
t_contains "says why" "is expired" "$ERR"
sim_admin r1 logout "$C5"
t_eq "the router counted its traffic" 4096 "$(sim_admin r1 users | jq --arg c "$C5" '.[] | select(.name == $c) | .["bytes-in"]')"
w voucher reset "$C5"
t_eq "reset exits 0" 0 "$RC"
w worker --once
t_eq "reset: router counters zero" 0 "$(sim_admin r1 users | jq --arg c "$C5" '.[] | select(.name == $c) | .["bytes-in"]')"
t_eq "reset: audited" 1 "$(sql "SELECT count(*) FROM audit WHERE action='voucher.reset'")"

w plan add locked --price 3 --duration 2h --lock-mac
w voucher create --plan locked --count 1 --router r1 --json
CL=$(sql "SELECT code FROM vouchers WHERE batch_id=$(jq -r .batch_id <<<"$OUT")")
w worker --once
sim_admin r1 login "$CL" aa:bb:cc:00:00:07 10.5.50.17
w worker --once
t_eq "lock-mac: bound to the first device" AA:BB:CC:00:00:07 "$(sql "SELECT mac FROM vouchers WHERE code='$CL'")"
w worker --once
t_eq "lock-mac: the router user gets the MAC" AA:BB:CC:00:00:07 \
    "$(sim_admin r1 users | jq -r --arg c "$CL" '.[] | select(.name == $c) | .["mac-address"]')"
sim_admin r1 logout "$CL"
sim_admin r1 login "$CL" aa:bb:cc:00:00:08 10.5.50.18 2>/dev/null
t_eq "lock-mac: another device refused" 1 $?
sim_admin r1 login "$CL" aa:bb:cc:00:00:07 10.5.50.17
t_eq "lock-mac: the same device gets in" 0 $?
sim_admin r1 logout "$CL"

# --- garbage and a hanging router -----------------------------------------------------
sql "UPDATE routers SET next_try_at = NULL" >/dev/null # all due, whatever a loaded machine did before
sim_admin r2 mode garbage
w worker --once
t_eq "garbage: worker still exits 0" 0 "$RC"
t_match "garbage: r2 error logged" 'r2: .*(not what wisp asked|cannot read)' "$ERR"
t_match "garbage: r1 goes on" 'r1: [0-9]+ ms, up' "$ERR"
t_eq "garbage: r2 marked down with the error" down "$(sql "SELECT state FROM routers WHERE name='r2'")"
sim_admin r2 mode normal
sql "UPDATE routers SET next_try_at = NULL" >/dev/null
w worker --once
t_eq "back to normal: r2 up" up "$(sql "SELECT state FROM routers WHERE name='r2'")"
sim_admin r2 mode hang
start=$(date +%s)
WISP_SSH_COMMAND_TIMEOUT=2 w worker --once
t_contains "hang: the deadline names itself" "did not finish a command within 2 s" "$ERR"
t_ok "hang: cut short by the deadline" test $(($(date +%s) - start)) -lt 20
sim_admin r2 mode normal

# --- down, back, failover ----------------------------------------------------------------
w router add r3 --host 127.0.0.1 --port "$P3" --user wispsim --key "$SIM_KEY" --driver routeros --hostkey "$FB" --backup r1
w worker --once
t_eq "r3 up" up "$(sql "SELECT state FROM routers WHERE name='r3'")"
sim_stop_sshd b
w voucher create --plan day --count 3 --router r3 --json
B3=$(jq -r .batch_id <<<"$OUT")
w worker --once
t_eq "a router down: --once still exits 0" 0 "$RC"
t_eq "r3 down" down "$(sql "SELECT state FROM routers WHERE name='r3'")"
t_contains "r3's error recorded" "cannot connect" "$(sql "SELECT last_error FROM routers WHERE name='r3'")"
t_eq "retry backed off" 1 "$(sql "SELECT count(*) FROM routers WHERE name='r3' AND next_try_at > now()")"
w worker --once
t_eq "failover: r3's batch on its backup r1" 3 \
    "$(sql "SELECT count(*) FROM voucher_routers vr JOIN vouchers v ON v.id=vr.voucher_id JOIN routers r ON r.id=vr.router_id WHERE v.batch_id=$B3 AND r.name='r1' AND vr.state='synced'")"
sim_sshd b "$P3=r3"
sql "UPDATE routers SET next_try_at = NULL WHERE name='r3'" >/dev/null
w worker --once
t_eq "r3 up again" up "$(sql "SELECT state FROM routers WHERE name='r3'")"
t_eq "and its batch on it" 3 "$(sql "SELECT count(*) FROM voucher_routers vr JOIN vouchers v ON v.id=vr.voucher_id JOIN routers r ON r.id=vr.router_id WHERE v.batch_id=$B3 AND r.name='r3' AND vr.state='synced'")"
t_eq "r3 holds its batch and the unassigned one" 8 "$(sim_admin r3 users | jq length)"

# --- openNDS -------------------------------------------------------------------------------
w router add n1 --host 127.0.0.1 --port "$PN" --user wispsim --key "$SIM_KEY" --driver opennds --hostkey "$FA"
w voucher create --plan 1h --count 5 --router n1
t_eq "8-character codes refused for openNDS" 2 "$RC"
t_contains "says what it takes" "9-character codes" "$ERR"
w voucher create --plan 1h --count 5 --router n1 --length 9 --json
BN=$(jq -r .batch_id <<<"$OUT")
w worker --once
t_match "opennds health" 'n1: [0-9]+ ms, up' "$ERR"
t_match "opennds version" "openNDS 10.3.1" "$(sql "SELECT version FROM routers WHERE name='n1'")"
roll=$(cat "$SIM_DIR/r/n1/ndslog/vouchers.txt")
t_eq "5 vouchers on the roll" 5 "$(grep -c . <<<"$roll")"
CN=$(sql "SELECT code FROM vouchers WHERE batch_id=$BN ORDER BY serial LIMIT 1")
t_eq "roll line: 7 columns, kb/s, minutes, unused" "$CN,2000,1000,512000,0,60,0" "$(grep "^$CN," <<<"$roll")"
w voucher show "$CN" --json
t_eq "openNDS QR opens the prefill URL" "http://status.client/login?voucher=$CN" "$(jq -r .url <<<"$OUT")"
sim_admin n1 login "$CN" AA:BB:CC:00:00:09 192.168.1.120
sim_admin n1 traffic AA:BB:CC:00:00:09 2048 10240
w worker --once
t_eq "openNDS client tied to its voucher" "$CN|AA:BB:CC:00:00:09|2048|10240" \
    "$(sql "SELECT username || '|' || mac || '|' || bytes_in || '|' || bytes_out FROM sessions WHERE state='active' AND router_id=(SELECT id FROM routers WHERE name='n1')")"
t_eq "openNDS voucher active" active "$(sql "SELECT status FROM vouchers WHERE code='$CN'")"
SIDN=$(sql "SELECT id FROM sessions WHERE username='$CN' AND state='active'")
w session kick "$SIDN"
w worker --once
t_eq "openNDS kick: ndsctl deauth" 0 "$(sim_admin n1 active | jq length)"
sim_admin n1 mode legacy
sim_admin n1 login "$(sql "SELECT code FROM vouchers WHERE batch_id=$BN ORDER BY serial OFFSET 1 LIMIT 1")" AA:BB:CC:00:00:0A 192.168.1.121
w worker --once
t_contains "old openNDS refused with the reason" "older than 9.6" "$(sql "SELECT last_error FROM routers WHERE name='n1'")"
sim_admin n1 mode normal

# --- the database restarts under a running worker ----------------------------------------
bin=$(services_pgbin)
"$WISP" worker --interval 1 >"$T/wr.log" 2>&1 &
WR=$!
sleep 2
services_as_pg "$bin/pg_ctl" -D "$PGHOST/pg" -m fast -w stop >/dev/null
sleep 3
services_as_pg "$bin/pg_ctl" -D "$PGHOST/pg" -l "$PGHOST/pg.log" -w start >/dev/null
t_ok "the worker outlives its database" kill -0 "$WR"
CR=$(sql "SELECT v.code FROM vouchers v JOIN voucher_routers vr ON vr.voucher_id = v.id JOIN routers r ON r.id = vr.router_id WHERE r.name = 'r1' AND vr.state = 'synced' AND v.status IN ('new', 'sold') ORDER BY v.id DESC LIMIT 1")
sim_admin r1 login "$CR" aa:bb:cc:00:00:0d 10.5.50.40
t_ok "after the restart a login is imported" bash -c "for i in \$(seq 100); do psql -XAtq -c \"SELECT 1 FROM sessions WHERE username = '$CR' AND state = 'active'\" 2>/dev/null | grep -q 1 && exit 0; sleep 0.2; done; exit 1"
sleep 2
t_eq "and once only" 1 "$(sql "SELECT count(*) FROM sessions WHERE username = '$CR'")"
w session kick "$(sql "SELECT id FROM sessions WHERE username = '$CR' AND state = 'active'")" --wait
t_eq "kick --wait: done by the running worker" 0 "$RC"
t_contains "kick --wait says so" "kicked" "$OUT"
t_eq "kick --wait: off the router" 0 "$(sim_admin r1 active | jq length)"
t_eq "its voucher activated" active "$(sql "SELECT status FROM vouchers WHERE code = '$CR'")"
t_contains "the worker said what happened" "database" "$(cat "$T/wr.log")"
kill -TERM "$WR"
wait "$WR"
t_eq "and stops cleanly after" 0 $?

# --- two workers split the routers -------------------------------------------------------
sql "UPDATE routers SET next_try_at = NULL" >/dev/null
"$WISP" worker --interval 1 >"$T/w1.log" 2>&1 &
W1=$!
"$WISP" worker --interval 1 >"$T/w2.log" 2>&1 &
W2=$!
sleep 5
owners=$(sql "SELECT count(DISTINCT lease_owner) FROM routers WHERE lease_owner IS NOT NULL")
t_eq "two workers: both hold leases" 2 "$owners"
t_eq "two workers: every router leased once" 4 "$(sql "SELECT count(*) FROM routers WHERE lease_owner IS NOT NULL")"
t_eq "two workers: two heartbeats in Redis" 2 "$(redis-cli -s "$REDIS_SOCK" KEYS 'wisp:worker:*' | grep -c .)"
t_eq "two workers: two heartbeats in PostgreSQL" 2 "$(sql "SELECT count(*) FROM workers")"
t_eq "two workers: fair shares" "2,2" "$(sql "SELECT string_agg(n::text, ',') FROM (SELECT count(*) n FROM routers GROUP BY lease_owner) s")"
kill -KILL "$W1"
wait "$W1" 2>/dev/null
sleep 8
t_eq "a dead worker's routers taken over" 1 "$(sql "SELECT count(DISTINCT lease_owner) FROM routers WHERE lease_owner IS NOT NULL")"
t_eq "all four with the survivor" 4 "$(sql "SELECT count(*) FROM routers WHERE lease_owner IS NOT NULL AND lease_until > now()")"
kill -TERM "$W2"
wait "$W2"
t_eq "SIGTERM: the worker exits 0" 0 $?
t_contains "SIGTERM: it says it stopped" "stopped after" "$(cat "$T/w2.log")"
t_eq "SIGTERM: leases given back" 0 "$(sql "SELECT count(*) FROM routers WHERE lease_owner IS NOT NULL")"
