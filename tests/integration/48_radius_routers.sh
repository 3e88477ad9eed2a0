#!/usr/bin/env bash
# Per-router auth mode (issue 16 item 5): a RADIUS router (`router add
# --auth radius`, a row in router_radius) gets no vouchers pushed over SSH,
# its RADIUS sessions survive the worker's poll, the worker sends the
# Disconnect-Request for an expired voucher's session itself (no cron), and
# `router setup --radius` prints or applies the RouterOS commands, every
# value quoted, the secret shown only when asked.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../tools/sim.sh"
chmod 755 "$T"
sim_init "$T/sim" || { _fail "simulator set up" "sim_init failed"; exit 1; }
NAS_PID=
stop_all() {
    [ -n "$NAS_PID" ] && kill "$NAS_PID" 2>/dev/null
    sim_stop
}
trap stop_all EXIT
for r in ra lb; do sim_router "$r" routeros --identity "$r"; done
base=$(sim_ports 2)
sim_sshd s "$base=ra" "$((base + 1))=lb"
FP=$(cat "$SIM_DIR/s.fp")
DM=$(python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

w db migrate
w plan add 1h --price 5 --duration 1h --validity 1d
w router add ra --host 127.0.0.1 --port "$base" --user wispsim --key "$SIM_KEY" --driver routeros \
    --hostkey "$FP" --auth radius --json
t_eq "router add --auth radius" 0 "$RC"
t_eq "... says so" radius "$(jq -r .auth <<<"$OUT")"
w router add lb --host 127.0.0.1 --port "$((base + 1))" --user wispsim --key "$SIM_KEY" --driver routeros \
    --hostkey "$FP"
t_eq "router add (local, the default)" 0 "$RC"
w router add bad --host 127.0.0.1 --user u --key "$SIM_KEY" --driver routeros --hostkey "$FP" --auth ldap
t_eq "--auth ldap is refused" 2 "$RC"
t_eq "... with one error line" 1 "$(grep -c "^wisp: " <<<"$ERR")"
t_eq "... and nothing added" 0 "$(sql "SELECT count(*) FROM routers WHERE name = 'bad'")"
t_eq "a RADIUS router is a RADIUS client (its secret made)" "ra 64" \
    "$(sql "SELECT r.name || ' ' || length(rr.secret) FROM router_radius rr JOIN routers r ON r.id = rr.router_id")"
w router list --json
t_eq "router list shows the auth mode" "lb local|ra radius" "$(jq -r '[.[] | "\(.name) \(.auth)"] | join("|")' <<<"$OUT")"

# --- no push to a RADIUS router ----------------------------------------------------
w voucher create --plan 1h --count 3
w worker --once
t_eq "the local router got the vouchers" 3 "$(sim_admin lb users | jq length)"
t_eq "the RADIUS router got none" 0 "$(sim_admin ra users | jq length)"
t_eq "... and keeps no push mark" 0 "$(sql "SELECT count(*) FROM router_push_marks m JOIN routers r ON r.id = m.router_id WHERE r.name = 'ra'")"
t_eq "... but was polled (health)" up "$(sql "SELECT state FROM routers WHERE name = 'ra'")"

# --- RADIUS sessions survive the poll ---------------------------------------------
mapfile -t C < <(sql "SELECT code FROM vouchers ORDER BY id")
sql "SELECT wisp_radius_acct('Start', md5('s1'), 'ra', '127.0.0.1', '81000001', '${C[0]}',
     'AA:BB:CC:00:00:01', '10.5.50.9', 0, 100, 200)" >/dev/null
# someone on the router the poll lists (a RADIUS login it must not import twice)
sim_admin ra adduser guest
sim_admin ra login guest 02:00:00:00:00:07 10.5.50.10
w worker --once
t_eq "the RADIUS session is still open after a poll" active \
    "$(sql "SELECT state FROM sessions WHERE acct_key = md5('s1')")"
t_eq "... and the poll imported nothing" 1 "$(sql "SELECT count(*) FROM sessions s JOIN routers r ON r.id = s.router_id WHERE r.name = 'ra'")"
t_eq "... the router's own count is its health" 1 "$(sql "SELECT active_sessions FROM routers WHERE name = 'ra'")"

# --- switching modes -----------------------------------------------------------------
w router edit lb --auth radius
t_eq "router edit --auth radius" 0 "$RC"
t_eq "... queues the pushed vouchers' removal" 3 "$(sql "SELECT count(*) FROM router_removals m JOIN routers r ON r.id = m.router_id WHERE r.name = 'lb'")"
w worker --once
t_eq "... which the worker carries out" 0 "$(sim_admin lb users | jq length)"
w router edit lb --auth local
w worker --once
t_eq "back to local: the vouchers pushed again" 3 "$(sim_admin lb users | jq length)"
t_eq "... and no RADIUS client row left" 0 "$(sql "SELECT count(*) FROM router_radius rr JOIN routers r ON r.id = rr.router_id WHERE r.name = 'lb'")"
t_eq "mode changes are audited" "radius|local" "$(sql "SELECT string_agg(details->>'auth', '|' ORDER BY id) FROM audit WHERE action = 'router.auth' AND details->>'name' = 'lb'")"

# --- expiry without SSH: the worker's Disconnect-Request ------------------------------
printf 'nas-S3cret-for-ra-01\n' >"$T/nas.secret"
chmod 600 "$T/nas.secret"
w radius client ra --secret-file "$T/nas.secret" --coa-port "$DM"
python3 "$(dirname "$0")/../tools/radius_nas.py" "$DM" "$T/nas.secret" "$T/nas.log" --lifetime 120 &
NAS_PID=$!
for _ in $(seq 50); do grep -q ready "$T/nas.log" 2>/dev/null && break; sleep 0.1; done
sql "UPDATE vouchers SET expires_at = now() - interval '1 second' WHERE code = '${C[0]}'" >/dev/null
w worker --once
t_eq "worker --once" 0 "$RC"
DMLINE=$(grep '"code": 40' "$T/nas.log" | tail -n 1)
t_contains "the worker sent the NAS a Disconnect-Request" "\"1\": \"${C[0]}\"" "$DMLINE"
t_contains "... signed with the router's secret" '"valid": true' "$DMLINE"
t_contains "... naming the session" '"44": "81000001"' "$DMLINE"
t_eq "... the session is closed" closed "$(sql "SELECT state FROM sessions WHERE acct_key = md5('s1')")"
t_contains "... and the worker says so" "radius kicks: 1 sessions disconnected" "$ERR"
t_not_contains "the secret is not in the worker's log" "nas-S3cret-for-ra-01" "$ERR"

# --- router setup --radius ------------------------------------------------------------
w router setup ra --radius --server 192.0.2.10
t_eq "router setup --radius" 0 "$RC"
t_contains "... the RADIUS server, quoted" '/radius add service="hotspot" address="192.0.2.10" secret="PASTE-THE-SECRET-HERE" authentication-port=1812 accounting-port=1813' "$OUT"
t_not_contains "... not the secret unless asked" "nas-S3cret-for-ra-01" "$OUT"
t_contains "... the DM listener on the router's port" "/radius incoming set accept=yes port=$DM" "$OUT"
t_contains "... every hotspot profile" '/ip hotspot profile set [find] use-radius=yes radius-accounting=yes radius-interim-update="received"' "$OUT"
t_not_contains "... no PPP unless asked" "/ppp aaa" "$OUT"
w router setup ra --radius --server 192.0.2.10 --show-secret --ppp --interim 2m --auth-port 21812
t_contains "--show-secret prints the secret" 'secret="nas-S3cret-for-ra-01"' "$OUT"
t_contains "--ppp adds ppp to the service" 'service="hotspot,ppp"' "$OUT"
t_contains "... and /ppp aaa" '/ppp aaa set use-radius=yes accounting=yes interim-update="2m"' "$OUT"
t_contains "--auth-port" "authentication-port=21812 accounting-port=21813" "$OUT"
HOSTILE=$'hs"; /system reboot; :put "$x\\'
w router setup ra --radius --server 192.0.2.10 --profile "$HOSTILE"
t_contains "a hostile profile name stays inside its literal" \
    '[find name="hs\"; /system reboot; :put \"\$x\\"]' "$OUT"
for bad in '192.0.2.10"; /system reboot' $'192.0.2.10\n/system reboot' 'radius.example.com' ''; do
    w router setup ra --radius --server "$bad"
    t_eq "a bad --server is refused: $(printf %q "$bad")" 2 "$RC"
    t_eq "... with one error line" 1 "$(grep -c "^wisp: " <<<"$ERR")"
done
for bad in $'hs\n/system reboot' $'hs\e[31m'; do
    w router setup ra --radius --server 192.0.2.10 --profile "$bad"
    t_eq "a profile with a control character is refused: $(printf %q "$bad")" 2 "$RC"
done
w router setup lb --radius --server 192.0.2.10
t_eq "a local router has nothing to set up" 2 "$RC"
t_contains "... and is told how" "--auth radius" "$ERR"
mkrole op1 op1pw wisp_operator
w_as op1 op1pw router setup ra --radius --server 192.0.2.10
t_eq "a cashier cannot (it reads the secret)" 1 "$RC"

w router setup ra --radius --server 192.0.2.10 --ppp --profile "$HOSTILE" --apply
t_eq "router setup --apply" 0 "$RC"
RAD=$(sim_admin ra radius)
t_eq "... the router has wisp's RADIUS server" "192.0.2.10 hotspot,ppp wisp" \
    "$(jq -r '.radius[] | "\(.address) \(.service) \(.comment)"' <<<"$RAD")"
t_eq "... with the real secret" "nas-S3cret-for-ra-01" "$(jq -r '.radius[0].secret' <<<"$RAD")"
t_eq "... accepts Disconnect-Requests on its port" "yes $DM" "$(jq -r '"\(.radius_incoming.accept) \(.radius_incoming.port)"' <<<"$RAD")"
t_eq "... PPP asks RADIUS" "yes yes 5m" "$(jq -r '.ppp_aaa | "\(.["use-radius"]) \(.accounting) \(.["interim-update"])"' <<<"$RAD")"
t_eq "... the hostile name ran nothing" "[]" "$(sim_admin ra ran)"
w router setup ra --radius --server 192.0.2.10 --apply
t_eq "applied again: one RADIUS entry, not two" 1 "$(sim_admin ra radius | jq '.radius | length')"
t_eq "... every hotspot profile uses RADIUS" "yes" "$(sim_admin ra radius | jq -r '.hotspot_profiles[0]["use-radius"]')"
t_eq "the secret is in no audit row" 0 "$(sql "SELECT count(*) FROM audit WHERE details::text LIKE '%nas-S3cret%' OR details::text LIKE '%' || (SELECT secret FROM router_radius LIMIT 1) || '%'")"

# openNDS cannot ask RADIUS: it would be left with no vouchers
w router add nd --host 127.0.0.1 --port "$base" --user wispsim --key "$SIM_KEY" --driver opennds \
    --hostkey "$FP" --auth radius
t_eq "an openNDS router cannot be a RADIUS router" 1 "$RC"
t_contains "... says why" "openNDS" "$ERR"
t_eq "... and is not added half-way" 0 "$(sql "SELECT count(*) FROM routers WHERE name = 'nd'")"
