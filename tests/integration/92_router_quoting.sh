#!/usr/bin/env bash
# Nothing a user types reaches a router as a command. The simulated routers
# behind a real sshd log every command exactly as received
# ($SIM_DIR/r/NAME/commands.log) and record the commands only an injection
# would run (/system reboot, /user print). Hostile values are written into
# the database by the superuser, bypassing wisp: the CHECKs of 008_safe_text
# refuse them; the ones that get in anyway (rows from before the CHECKs,
# columns without one, what routers report) arrive as one quoted literal and
# never run. Last, 008 applied again over rows that break it: MACs are
# normalised, the broken CHECK stays NOT VALID and `wisp db migrate` names it.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../tools/sim.sh"
chmod 755 "$T"
sim_init "$T/sim" || { _fail "simulator set up" "sim_init failed"; exit 1; }
trap sim_stop EXIT
sim_router r1 routeros --version 7
sim_router n1 opennds
base=$(sim_ports 2)
P1=$base PN=$((base + 1))
sim_sshd a "$P1=r1" "$PN=n1"
FA=$(cat "$SIM_DIR/a.fp")
export WISP_SSH_CONNECT_TIMEOUT=10 WISP_SSH_COMMAND_TIMEOUT=20

INJ_CODE='q";:put [/user print];:put "'
INJ_MAC='0;/system reboot'
INJ_PROFILE='p";/system reboot;:put "'
INJ_KICK='k";/system reboot;:put "$x'
INJ_SH="x';touch /tmp/ndslog/pwned;'"

w db migrate
t_eq "migrate" 0 "$RC"
w plan add 1h --price 5 --duration 1h
w router add r1 --host 127.0.0.1 --port "$P1" --user wispsim --key "$SIM_KEY" --driver routeros --hostkey "$FA"
w router add n1 --host 127.0.0.1 --port "$PN" --user wispsim --key "$SIM_KEY" --driver opennds --hostkey "$FA"

# --- at the source: charsets and prefixes -------------------------------------
w voucher create --plan 1h --count 3 --charset 'a"$[]' --length 6
t_eq "hostile --charset: exit 2" 2 "$RC"
t_match "hostile --charset: one line saying so (then the usage)" '^wisp: bad --charset "a\\"\$\[\]": only' "$(head -1 <<<"$ERR")"
t_contains "hostile --charset: says which characters" "only letters, digits, - _ and ." "$ERR"
w voucher create --plan 1h --count 3 --prefix 'x;y' --length 6
t_eq "hostile --prefix: exit 2" 2 "$RC"
t_eq "nothing made" 0 "$(sql "SELECT count(*) FROM batches")"
w voucher create --plan 1h --count 3 --charset 'aB-_.' --length 6
t_eq "the safe symbols are fine" 0 "$RC"

# --- the CHECKs refuse what the superuser writes past wisp -----------------------
w voucher create --plan 1h --count 2 --router r1 --json
B=$(jq -r .batch_id <<<"$OUT")
V1=$(sql "SELECT code FROM vouchers WHERE batch_id = $B ORDER BY serial LIMIT 1")
V2=$(sql "SELECT code FROM vouchers WHERE batch_id = $B ORDER BY serial OFFSET 1 LIMIT 1")
# The superuser writes with triggers off (session_replication_role = replica):
# only the CHECKs stand between a value and the table, whatever triggers guard
# the voucher life cycle.
refused() { # refused NAME CONSTRAINT SQL: the statement fails on that CHECK
    local out
    out=$(psql -XAtq -v ON_ERROR_STOP=1 -c "SET session_replication_role = replica" -c "$3" 2>&1)
    t_contains "$1" "violates check constraint \"$2\"" "$out"
}
refused "code refused" vouchers_code_safe "UPDATE vouchers SET code = 'q\";:put [/user print];:put \"' WHERE code = '$V1'"
refused "code with a newline refused" vouchers_code_safe "UPDATE vouchers SET code = E'ab\\ncd' WHERE code = '$V1'"
refused "password refused" vouchers_password_safe "UPDATE vouchers SET password = 'pw\$(reboot)' WHERE code = '$V1'"
refused "MAC refused" vouchers_mac_normal "UPDATE vouchers SET mac = '0;/system reboot' WHERE code = '$V1'"
refused "MAC not normalised refused" vouchers_mac_normal "UPDATE vouchers SET mac = 'aa-bb-cc-00-11-22' WHERE code = '$V1'"
refused "forged voucher refused" vouchers_code_safe \
    "INSERT INTO vouchers (code, password, batch_id, serial, plan_id) SELECT 'x\`reboot\`', 'abcd', $B, 99, plan_id FROM batches WHERE id = $B"
refused "charset refused" batches_charset_safe \
    "INSERT INTO batches (plan_id, count, length, charset) SELECT id, 1, 8, 'a\"\$[]' FROM plans"
refused "prefix refused" batches_prefix_safe \
    "INSERT INTO batches (plan_id, count, length, charset, prefix) SELECT id, 1, 8, 'abc', 'x;y' FROM plans"
refused "session MAC refused" sessions_mac_normal \
    "INSERT INTO sessions (router_id, username, mac) SELECT id, 'u', 'zz' FROM routers WHERE name = 'r1'"
t_eq "a normalised MAC is fine" "" \
    "$(sql "SET session_replication_role = replica; UPDATE vouchers SET mac = 'AA:BB:CC:00:11:22' WHERE code = '$V2'; UPDATE vouchers SET mac = NULL WHERE code = '$V2'")"
t_eq "mac_normal() spells MACs as RouterOS" "AA:BB:CC:00:11:22|AA:BB:CC:00:11:22|-|-" \
    "$(sql "SELECT concat_ws('|', mac_normal('aa-bb-cc-00-11-22'), mac_normal('aabbcc001122'),
                  coalesce(mac_normal('aa:bb-cc:00:11:22'), '-'), coalesce(mac_normal('0;/system reboot'), '-'))")"

# --- what gets in anyway arrives quoted and never runs ----------------------------
# Rows from before 008 (its CHECKs then stay NOT VALID): drop the CHECKs, write
# the hostile values, put the CHECKs back as the migration leaves them.
sql "ALTER TABLE vouchers DROP CONSTRAINT IF EXISTS vouchers_code_safe, DROP CONSTRAINT IF EXISTS vouchers_mac_normal" >/dev/null
psql -XAtq -v ON_ERROR_STOP=1 -v code="$INJ_CODE" -v mac="$INJ_MAC" -v v1="$V1" -v prof="$INJ_PROFILE" >/dev/null <<'SQL'
SET session_replication_role = replica;
UPDATE vouchers SET code = :'code', mac = :'mac' WHERE code = :'v1';
UPDATE plans SET profile = :'prof';
SQL
t_eq "hostile rows written" 1 "$(sql "SELECT count(*) FROM vouchers WHERE code LIKE 'q\";%'")"
sql "ALTER TABLE vouchers ADD CONSTRAINT vouchers_code_safe CHECK (code ~ '^[A-Za-z0-9._-]{4,48}\$') NOT VALID,
     ADD CONSTRAINT vouchers_mac_normal CHECK (mac ~ '^([0-9A-F]{2}:){5}[0-9A-F]{2}\$') NOT VALID" >/dev/null
w db migrate
t_contains "migrate notes the rows from before" "note: rows of vouchers from before break vouchers_code_safe" "$OUT"

# a router's own user with an odd name and a MAC it garbles, logged in
cat >"$T/odd.py" <<'PY'
import json, sys
p = sys.argv[1]
s = json.load(open(p))
s["users"].append({"name": 'John "Smith" $x', "password": "", "profile": "default", "limit-uptime": 0,
                   "limit-bytes-total": 0, "mac-address": "00:00:00:00:00:00", "server": "all",
                   "comment": "", "disabled": False, "uptime": 0, "bytes-in": 0, "bytes-out": 0})
json.dump(s, open(p, "w"))
PY
runuser -u wispsim -- /usr/bin/python3 "$T/odd.py" "$SIM_DIR/r/r1/state.json"
sim_admin r1 login 'John "Smith" $x' garbage 10.5.50.9

# jobs with hostile targets, as `wisp session kick` / a removal would queue them
psql -XAtq -v ON_ERROR_STOP=1 -v kick="$INJ_KICK" -v sh="$INJ_SH" >/dev/null <<'SQL'
INSERT INTO router_jobs (router_id, kind, target) SELECT id, 'kick', :'kick' FROM routers WHERE name = 'r1';
INSERT INTO router_jobs (router_id, kind, target) SELECT id, 'remove', :'kick' FROM routers WHERE name = 'r1';
INSERT INTO router_jobs (router_id, kind, target) SELECT id, 'remove', :'sh' FROM routers WHERE name = 'n1';
SQL

w worker --once
t_eq "worker --once" 0 "$RC"
cmds=$(sim_admin r1 commands)
all=$(jq -r '.[]' <<<"$cmds")
t_contains "name arrives as one literal" "add name=\"q\\\";:put [/user print];:put \\\"\"" "$all"
t_contains "the :put marker's name is quoted" ":put \"wisp-ok q\\\";:put [/user print];:put \\\"\"" "$all"
t_contains "mac-address arrives quoted" "mac-address=\"0;/system reboot\"" "$all"
t_not_contains "mac-address never bare" "mac-address=0;" "$all"
t_contains "profile arrives quoted" "profile=\"p\\\";/system reboot;:put \\\"\"" "$all"
t_contains "kick target quoted" "[find user=\"k\\\";/system reboot;:put \\\"\\\$x\"]" "$all"
t_eq "nothing injected ran on r1" "[]" "$(sim_admin r1 ran | jq -c .)"
t_eq "hostile MAC: the router refused that voucher" "failed" \
    "$(psql -XAtq -v code="$INJ_CODE" <<<"SELECT vr.state FROM voucher_routers vr JOIN vouchers v ON v.id = vr.voucher_id WHERE v.code = :'code'")"
t_eq "the other voucher of the script is there" "synced" \
    "$(sql "SELECT vr.state FROM voucher_routers vr JOIN vouchers v ON v.id = vr.voucher_id WHERE v.code = '$V2'")"
t_eq "profile made with its exact name" "$INJ_PROFILE" "$(sim_admin r1 profiles | jq -r '.[0].name')"
t_eq "jobs done" "done|done" "$(sql "SELECT string_agg(j.state, '|' ORDER BY j.id) FROM router_jobs j JOIN routers r ON r.id = j.router_id WHERE r.name = 'r1'")"

# the router's odd user was imported (its garbled MAC as unknown) and can be kicked
t_eq "odd session imported" "John \"Smith\" \$x|" \
    "$(sql "SELECT username || '|' || mac FROM sessions WHERE state = 'active'")"
SID=$(sql "SELECT id FROM sessions WHERE state = 'active'")
w session kick "$SID"
w worker --once
t_eq "odd user kicked by its exact name" 0 "$(sim_admin r1 active | jq length)"
t_contains "its name went quoted" "[find user=\"John \\\"Smith\\\" \\\$x\"]" "$(sim_admin r1 commands | jq -r '.[]')"
t_eq "still nothing injected ran on r1" "[]" "$(sim_admin r1 ran | jq -c .)"

# openNDS: the shell never sees a value that is not one quoted word
ncmds=$(sim_admin n1 commands | jq -r '.[]')
t_not_contains "openNDS: the hostile target never sent" "pwned" "$ncmds"
t_eq "openNDS: nothing ran" "no" "$([ -e "$SIM_DIR/r/n1/ndslog/pwned" ] && echo yes || echo no)"
t_eq "openNDS: removal job done" done "$(sql "SELECT j.state FROM router_jobs j JOIN routers r ON r.id = j.router_id WHERE r.name = 'n1'")"

# --- the migration on rows from before it ----------------------------------------
# Take 008 back out, leave rows it would refuse, and apply it again: MACs are
# normalised, the CHECK the rows still break stays NOT VALID and is named,
# the others are validated.
psql -XAtq -v ON_ERROR_STOP=1 -v v2="$V2" >/dev/null <<'SQL'
SET session_replication_role = replica;
DELETE FROM schema_migrations WHERE version = 8;
ALTER TABLE vouchers DROP CONSTRAINT vouchers_code_safe, DROP CONSTRAINT vouchers_password_safe,
    DROP CONSTRAINT vouchers_mac_normal;
ALTER TABLE batches DROP CONSTRAINT batches_charset_safe, DROP CONSTRAINT batches_prefix_safe;
ALTER TABLE sessions DROP CONSTRAINT sessions_mac_normal;
DROP FUNCTION mac_normal(text);
DELETE FROM voucher_routers WHERE voucher_id IN (SELECT id FROM vouchers WHERE code LIKE 'q";%');
DELETE FROM vouchers WHERE code LIKE 'q";%';
UPDATE vouchers SET code = 'ab#%cd', mac = 'aa-bb-cc-00-11-22' WHERE code = :'v2';
UPDATE sessions SET mac = 'aabbcc001133';
SQL
w db migrate
t_eq "migrate again: exit 0" 0 "$RC"
t_contains "applied again" "applied 008_safe_text" "$OUT"
t_contains "says which CHECK old rows break" "note: rows of vouchers from before break vouchers_code_safe (voucher codes are 4 to 48 letters, digits, - _ or .)" "$OUT"
t_eq "only that one is noted" 1 "$(grep -c '^note: ' <<<"$OUT")"
t_eq "old MACs normalised" "AA:BB:CC:00:11:22|AA:BB:CC:00:11:33" \
    "$(sql "SELECT (SELECT mac FROM vouchers WHERE code = 'ab#%cd') || '|' || (SELECT string_agg(DISTINCT mac, ',') FROM sessions)")"
t_eq "the old code still works" 1 "$(sql "SELECT count(*) FROM vouchers WHERE code = 'ab#%cd'")"
t_eq "validated where the rows allow" "batches_charset_safe:t batches_prefix_safe:t sessions_mac_normal:t vouchers_code_safe:f vouchers_mac_normal:t vouchers_password_safe:t" \
    "$(sql "SELECT string_agg(conname || ':' || left(convalidated::text, 1), ' ' ORDER BY conname) FROM pg_constraint WHERE conname ~ '_(safe|normal)\$'")"
refused "a new bad code is still refused" vouchers_code_safe \
    "INSERT INTO vouchers (code, password, batch_id, serial, plan_id) SELECT 'x;y;z', 'abcd', batch_id, 999, plan_id FROM vouchers WHERE code = 'ab#%cd'"
# The old voucher goes on through its whole life cycle (a CHECK binds every
# changed row: left as it was, the row could not be sold, used, disabled or
# expired, and it failed the expiry of every other voucher with it).
t_eq "the old voucher is sold" "ab#%cd" "$(sql "SELECT code FROM wisp_voucher_sell('ab#%cd')")"
t_eq "disabled and enabled" "1 1 sold" \
    "$(sql "SELECT wisp_voucher_disable('ab#%cd') || ' ' || wisp_voucher_enable('ab#%cd') || ' ' || (SELECT status FROM vouchers WHERE code = 'ab#%cd')")"
t_eq "used" "ab#%cd" "$(sql "SELECT code FROM wisp_voucher_activate('ab#%cd', 200000, 'AA:BB:CC:00:11:44')")"
sql "UPDATE vouchers SET expires_at = now() - interval '1 s' WHERE code = 'ab#%cd'" >/dev/null
t_contains "and expired, with the others" "ab#%cd" "$(sql "SELECT string_agg(code, ' ') FROM wisp_voucher_expire()")"
