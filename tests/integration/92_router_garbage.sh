#!/usr/bin/env bash
# Router replies that broke the parsers (issue 11), from simulated routers
# behind real sshd: `cpu-load: %` or an empty cpu-load in /system resource
# print, and openNDS counters past 64 bits. Each is that router's error (exit
# 1 from `router test`, its last_error in the worker), never a crash; the
# other routers are polled as usual.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../tools/sim.sh"
. "$(dirname "$0")/../tools/services.sh"
chmod 755 "$T"
sim_init "$T/sim" || { _fail "simulator set up" "sim_init failed"; exit 1; }
trap sim_stop EXIT
sim_router bad routeros --version 7 --identity bad
sim_router good routeros --version 6 --identity good
sim_router nds opennds
base=$(sim_ports 3)
PB=$base PG=$((base + 1)) PN=$((base + 2))
sim_sshd a "$PB=bad" "$PG=good" "$PN=nds"
FA=$(cat "$SIM_DIR/a.fp")
export WISP_SSH_CONNECT_TIMEOUT=10 WISP_SSH_COMMAND_TIMEOUT=20

w db migrate
w plan add 1h --price 5 --duration 1h
for r in bad:$PB:routeros good:$PG:routeros nds:$PN:opennds; do
    IFS=: read -r name port driver <<<"$r"
    w router add "$name" --host 127.0.0.1 --port "$port" --user wispsim --key "$SIM_KEY" \
        --driver "$driver" --hostkey "$FA"
    t_eq "add $name" 0 "$RC"
done

# --- RouterOS: cpu-load ------------------------------------------------------
w router test bad
t_eq "a sane router first" 0 "$RC"
sim_admin bad resource cpu-load %
w router test bad
t_eq "cpu-load: %: router test exits 1, no crash" 1 "$RC"
t_contains "cpu-load: %: the error names the value" 'cpu-load "%" is not a percentage' "$ERR"
sim_admin bad resource cpu-load ""
w router test bad
t_eq "empty cpu-load: router test exits 1" 1 "$RC"
t_contains "empty cpu-load: the error names the key" 'cpu-load "" is not a percentage' "$ERR"
sim_admin bad resource cpu-load 99999999999999999999%
w router test bad
t_eq "a cpu-load past 64 bits: exit 1" 1 "$RC"
sim_admin bad resource total-memory nanMiB
sim_admin bad resource cpu-load 3%
w router test bad
t_eq "total-memory nanMiB: exit 1" 1 "$RC"
t_contains "total-memory nanMiB: named" 'total-memory "nanMiB" is not a size' "$ERR"
sim_admin bad resource cpu-load %

w worker --once
t_eq "worker --once: exits 0 with a broken router" 0 "$RC"
t_contains "the broken router's last error" 'is not a' \
    "$(sql "SELECT last_error FROM routers WHERE name='bad'")"
t_eq "the broken router is down" down "$(sql "SELECT state FROM routers WHERE name='bad'")"
t_eq "the good router is up" up "$(sql "SELECT state FROM routers WHERE name='good'")"
t_eq "the good router has no error" "" "$(sql "SELECT coalesce(last_error, '') FROM routers WHERE name='good'")"
t_eq "openNDS is up" up "$(sql "SELECT state FROM routers WHERE name='nds'")"

# --- openNDS: a counter past 64 bits -----------------------------------------
w voucher create --plan 1h --count 1 --router nds --length 9 --json
code=$(sql "SELECT code FROM vouchers WHERE batch_id = $(jq -r .batch_id <<<"$OUT")")
sql "UPDATE routers SET next_try_at = NULL" >/dev/null
w worker --once # pushes the voucher to the roll
sim_admin nds login "$code" AA:BB:CC:00:00:09 192.168.1.120
t_eq "a client logs in with the voucher" 0 $?
sim_admin nds counters AA:BB:CC:00:00:09 1 99999999999999999999999999
sql "UPDATE routers SET next_try_at = NULL" >/dev/null
w worker --once
t_eq "openNDS counter past 64 bits: worker exits 0" 0 "$RC"
t_contains "the counter is named in the error" "download_this_session" "$ERR"
t_eq "no wrapped counter recorded" 0 \
    "$(sql "SELECT count(*) FROM sessions WHERE bytes_out < 0 OR bytes_in < 0")"
t_eq "the good router is still up" up "$(sql "SELECT state FROM routers WHERE name='good'")"

# --- a session uptime past any timestamp ------------------------------------------
# (now() - uptime out of range failed the session import of the whole router,
# every round: no first login recorded, no voucher given its expiry)
w voucher create --plan 1h --count 2 --router good --length 9 --json
codes=$(sql "SELECT string_agg(code, ' ' ORDER BY code) FROM vouchers WHERE batch_id = $(jq -r .batch_id <<<"$OUT")")
read -r c1 c2 <<<"$codes"
w voucher sell "$c1"
sql "UPDATE routers SET next_try_at = NULL" >/dev/null
w worker --once # pushes them
SIM_AGO=1000000000000 sim_admin good login "$c1" AA:BB:CC:00:00:21 10.5.50.21
sim_admin good login "$c2" AA:BB:CC:00:00:22 10.5.50.22
sql "UPDATE routers SET next_try_at = NULL" >/dev/null
w worker --once
t_eq "an uptime of 31,000 years: no error on the router" "" \
    "$(sql "SELECT coalesce(last_error, '') FROM routers WHERE name = 'good'")"
t_eq "both sessions imported" 2 "$(sql "SELECT count(*) FROM sessions s JOIN routers r ON r.id = s.router_id WHERE r.name = 'good' AND s.username IN ('$c1', '$c2')")"
t_eq "both vouchers active, first used at most the plan's hour ago" "active active" \
    "$(sql "SELECT string_agg(status, ' ' ORDER BY code) FROM vouchers WHERE code IN ('$c1', '$c2') AND first_used_at >= now() - interval '1 hour 1 minute'")"
