#!/usr/bin/env bash
# Walled garden and bypassed devices (issue 16 item 7): hosts and MACs an
# admin lets through (or blocks) for every router or one reach RouterOS
# (/ip hotspot walled-garden, /ip hotspot ip-binding) and openNDS (trusted
# MACs, in uci and ndsctl) within a worker round, and leave them when
# removed; others' entries stay; hostile input is refused with one line; a
# cashier cannot write them, through wisp or psql.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../tools/sim.sh"
chmod 755 "$T"
sim_init "$T/sim" || { _fail "simulator set up" "sim_init failed"; exit 1; }
trap sim_stop EXIT
sim_router r1 routeros --identity r1
sim_router r2 routeros --identity r2 --version 6
sim_router n1 opennds
base=$(sim_ports 3)
sim_sshd s "$base=r1" "$((base + 1))=r2" "$((base + 2))=n1"
FP=$(cat "$SIM_DIR/s.fp")

w db migrate
i=0
for r in r1:routeros r2:routeros n1:opennds; do
    w router add "${r%%:*}" --host 127.0.0.1 --port "$((base + i))" --user wispsim --key "$SIM_KEY" \
        --driver "${r#*:}" --hostkey "$FP"
    i=$((i + 1))
done
garden() { sim_admin "$1" access | jq -r '[.garden[] | select(.comment == "wisp") | .["dst-host"]] | sort | join(" ")'; }
bindings() { sim_admin "$1" access | jq -r '[.bindings[] | select(.comment == "wisp") | "\(.["mac-address"])=\(.type)"] | sort | join(" ")'; }
trusted() { sim_admin n1 access | jq -r ".$1 | sort | join(\" \")"; }

w worker --once # every router's first round: nothing of wisp's on them
# an entry someone else made on the router stays whatever wisp does
sim_ssh() { ssh -q -i "$SIM_KEY" -p "$1" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null wispsim@127.0.0.1 "$2"; }
sim_ssh "$base" '/ip hotspot walled-garden add dst-host="theirs.example" comment="shop"' >/dev/null

w garden add pay.example.com
t_eq "garden add (every router)" 0 "$RC"
w garden add '*.bank.example' --router r1
t_eq "garden add --router" 0 "$RC"
w bypass add aa-bb-cc-00-11-22
t_eq "bypass add (any MAC spelling)" 0 "$RC"
w bypass add 02:00:00:00:00:09 --router r2 --block
t_eq "bypass add --block --router" 0 "$RC"
w bypass add 02:00:00:00:00:0a --router n1
t_eq "bypass add for an openNDS router" 0 "$RC"
t_eq "every router marked" 3 "$(sql "SELECT count(DISTINCT router_id) FROM router_access_marks")"
w worker --once
t_eq "r1's walled garden" "*.bank.example pay.example.com" "$(garden r1)"
t_eq "r2's walled garden (v6)" "pay.example.com" "$(garden r2)"
t_eq "r1's bypassed device" "AA:BB:CC:00:11:22=bypassed" "$(bindings r1)"
t_eq "r2's bypassed and blocked" "02:00:00:00:00:09=blocked AA:BB:CC:00:11:22=bypassed" "$(bindings r2)"
t_eq "openNDS: trusted in uci (kept across restarts)" "02:00:00:00:00:0a aa:bb:cc:00:11:22" "$(trusted uci)"
t_eq "openNDS: trusted now (ndsctl trust)" "02:00:00:00:00:0a aa:bb:cc:00:11:22" "$(trusted ndsctl)"
t_eq "the marks are dealt with" 0 "$(sql "SELECT count(*) FROM router_access_marks")"
t_eq "someone else's garden entry stays" theirs.example \
    "$(sim_admin r1 access | jq -r '.garden[] | select(.comment == "shop") | .["dst-host"]')"

w garden list --json
t_eq "garden list" "pay.example.com:null *.bank.example:r1" "$(jq -r '[.[] | "\(.value):\(.router)"] | join(" ")' <<<"$OUT")"
w garden list --router r2 --json
t_eq "garden list --router r2: what reaches r2" "pay.example.com" "$(jq -r '[.[].value] | join(" ")' <<<"$OUT")"
w bypass list --json
t_eq "bypass list" "bypass AA:BB:CC:00:11:22 null|bypass 02:00:00:00:00:0A n1|block 02:00:00:00:00:09 r2" \
    "$(jq -r '[.[] | "\(.kind) \(.value) \(.router)"] | join("|")' <<<"$OUT")"

w garden remove pay.example.com
t_eq "garden remove" 0 "$RC"
w bypass remove AA:BB:CC:00:11:22
t_eq "bypass remove" 0 "$RC"
w worker --once
t_eq "removed from r1's garden, the rest kept" "*.bank.example" "$(garden r1)"
t_eq "removed from r2's garden" "" "$(garden r2)"
t_eq "r2's bypass gone, its block kept" "02:00:00:00:00:09=blocked" "$(bindings r2)"
t_eq "openNDS: untrusted in uci" "02:00:00:00:00:0a" "$(trusted uci)"
t_eq "openNDS: untrusted now" "02:00:00:00:00:0a" "$(trusted ndsctl)"
t_eq "someone else's entry still there" 1 "$(sim_admin r1 access | jq '[.garden[] | select(.comment == "shop")] | length')"
w garden remove pay.example.com
t_eq "removing what is not there fails" 1 "$RC"
t_eq "the changes are audited as the admin" "access.add 5|access.remove 2" \
    "$(sql "SELECT string_agg(action || ' ' || n, '|' ORDER BY action) FROM (SELECT action, count(*) n FROM audit WHERE action LIKE 'access.%' GROUP BY action) a")"

# --- bad input: one line, nothing written, nothing on the router -------------------------
for bad in 'a"b.example' 'x.example;/system reboot' $'x.example\n/system reboot' $'x\e[31m.example' \
    '$(reboot).example' '.example' ''; do
    w garden add "$bad"
    t_eq "garden add refuses $(printf %q "$bad")" 2 "$RC"
    t_eq "... with one error line" 1 "$(grep -c '^wisp: ' <<<"$ERR")"
done
for bad in 'aa:bb:cc:00:11' 'zz:bb:cc:00:11:22' 'aa:bb:cc:00:11:22; reboot' "aa'bb"; do
    w bypass add "$bad"
    t_eq "bypass add refuses $(printf %q "$bad")" 2 "$RC"
done
w garden add pay.example.com --router n1
t_eq "openNDS takes no garden host" 1 "$RC"
t_contains "... and says why" "trusted" "$ERR"
w bypass add 02:00:00:00:00:09 --router r2
t_eq "a device is bypassed or blocked, not both" 1 "$RC"
w garden add x.example --router nosuch
t_eq "an unknown router" 1 "$RC"
t_eq "nothing half-written" 3 "$(sql "SELECT count(*) FROM access_rules")"
w worker --once
t_eq "the router ran nothing it should not" "[]" "$(sim_admin r1 ran)"

# --- a cashier cannot write them ---------------------------------------------------------
mkrole cashier cashpw wisp_operator
w_as cashier cashpw garden add cash.example
t_eq "a cashier cannot garden add" 1 "$RC"
t_contains "... permission denied" "permission denied" "$ERR"
w_as cashier cashpw bypass add 02:00:00:00:00:66
t_eq "a cashier cannot bypass add" 1 "$RC"
w_as cashier cashpw garden list
t_eq "... but may read the list" 0 "$RC"
t_fail "psql as the cashier: no wisp_access_add" 1 env PGPASSWORD=cashpw psql -XAtq -v ON_ERROR_STOP=1 -U cashier \
    -c "SELECT wisp_access_add('garden', 'cash.example', NULL)"
t_fail "psql as the cashier: no INSERT" 1 env PGPASSWORD=cashpw psql -XAtq -v ON_ERROR_STOP=1 -U cashier \
    -c "INSERT INTO access_rules (kind, value) VALUES ('garden', 'cash.example')"
t_fail "psql as the cashier: no DELETE" 1 env PGPASSWORD=cashpw psql -XAtq -v ON_ERROR_STOP=1 -U cashier \
    -c "DELETE FROM access_rules"
t_eq "the rules are as they were" 3 "$(sql "SELECT count(*) FROM access_rules")"

# --- a hostile hotspot server name reaches the router inside its literal ------------------
HS='hs"; /system reboot; :put "$x\'
w router edit r1 --hotspot-server "$HS"
w garden add quoted.example --router r1
w worker --once
t_eq "the entry names the hostile server as it is" "$HS" \
    "$(sim_admin r1 access | jq -r '.garden[] | select(.["dst-host"] == "quoted.example") | .server')"
t_eq "... and the router ran nothing else" "[]" "$(sim_admin r1 ran)"
