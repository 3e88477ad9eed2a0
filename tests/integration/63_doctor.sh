#!/usr/bin/env bash
# `wisp doctor`: every check passes on a sound installation (exit 0), then
# one thing at a time is broken - Redis stopped, a router's host key
# changed, a router down, the config file readable by others, a migration
# pending, a role missing, no recent backup, a provider's token gone - and
# each gives its failing line and exit 1. 300 unreachable routers are
# checked within a deadline.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../tools/sim.sh"
chmod 755 "$T"
sim_init "$T/sim" || { _fail "simulator set up" "sim_init failed"; exit 1; }
redis_pid= silent_pid=
cleanup() {
    sim_stop
    [ -n "$redis_pid" ] && kill "$redis_pid" 2>/dev/null && wait "$redis_pid" 2>/dev/null
    [ -n "$silent_pid" ] && kill "$silent_pid" 2>/dev/null && wait "$silent_pid" 2>/dev/null
}
trap cleanup EXIT
sim_router r1 routeros --version 7 --identity shop-main
sim_router r2 routeros --version 7 --identity annex
base=$(sim_ports 2)
P1=$base P2=$((base + 1))
sim_sshd a "$P1=r1"
sim_sshd b "$P2=r2"
FA=$(cat "$SIM_DIR/a.fp") FB=$(cat "$SIM_DIR/b.fp")
export WISP_SSH_CONNECT_TIMEOUT=3

# a Redis of this file's own, to stop
redis-server --port 0 --unixsocket "$T/r.sock" --save '' --appendonly no >"$T/redis.log" 2>&1 &
redis_pid=$!
for _ in $(seq 50); do redis-cli -s "$T/r.sock" PING >/dev/null 2>&1 && break; sleep 0.1; done
export WISP_REDIS=unix://$T/r.sock

mkdir -p "$XDG_CONFIG_HOME/wisp"
cfg=$XDG_CONFIG_HOME/wisp/config.json
cat >"$cfg" <<JSON
{"backup": {"dir": "$T/backups", "max_age": "2d"},
 "providers": {"games": {"url": "http://127.0.0.1:9/", "token_env": "GAMES_TOKEN"}}}
JSON
chmod 600 "$cfg"
export GAMES_TOKEN=t0ken-value

w db migrate
w router add r1 --host 127.0.0.1 --port "$P1" --user wispsim --key "$SIM_KEY" --driver routeros --hostkey "$FA"
w router add r2 --host 127.0.0.1 --port "$P2" --user wispsim --key "$SIM_KEY" --driver routeros --hostkey "$FB"
chmod 600 "$SIM_KEY"
line() { printf '%s\n' "$OUT" | grep -E "^[a-z]+ +$1 " | head -n 1; }

# --- no backup yet ---------------------------------------------------------------
w doctor
t_eq "no backup: exit 1" 1 "$RC"
t_match "no backup: its line" '^fail +backup +no backup in .*/backups' "$OUT"
t_contains "says how many failed" "1 of" "$ERR"

# --- all well ------------------------------------------------------------------------
w backup create
t_eq "a backup" 0 "$RC"
w doctor
t_eq "all well: exit 0" 0 "$RC"
t_eq "no failing line" "" "$(printf '%s\n' "$OUT" | grep -v '^ok ')"
for c in config database schema roles redis "router r1" "router r2" "router r1 key" "provider games" backup; do
    t_match "all well: $c" "^ok +$c " "$OUT"
done
t_not_contains "no secret printed" "t0ken-value" "$OUT$ERR"
w doctor --json
t_eq "--json: ok" true "$(jq .ok <<<"$OUT")"
t_eq "--json: every check ok" '["ok"]' "$(jq -c '[.checks[].status] | unique' <<<"$OUT")"

# --- Redis stopped -------------------------------------------------------------------
kill "$redis_pid"
wait "$redis_pid" 2>/dev/null
redis_pid=
w doctor
t_eq "Redis stopped: exit 1" 1 "$RC"
t_match "Redis stopped: its line" '^fail +redis +.*Redis' "$(line redis)"
t_eq "Redis stopped: the only failure" 1 "$(printf '%s\n' "$OUT" | grep -c '^fail')"
w doctor --json
t_eq "--json on failure: printed, ok false" "false fail" "$(jq -r '"\(.ok) \(.checks[] | select(.check == "redis") | .status)"' <<<"$OUT")"
unset WISP_REDIS

# --- a router's host key changed, a router down ----------------------------------------
sql "UPDATE routers SET hostkey = '$FB' WHERE name = 'r1'"
w doctor
t_eq "host key changed: exit 1" 1 "$RC"
t_match "host key changed: a failing line" '^fail +router r1 +host key changed' "$(line 'router r1')"
t_contains "host key changed: both keys" "host key changed: $FA, pinned $FB" "$(line 'router r1')"
t_match "r2 still fine" '^ok +router r2 ' "$(line 'router r2')"
sql "UPDATE routers SET hostkey = '$FA' WHERE name = 'r1'"

# A pin cleared by an admin, new keys not accepted: doctor reports the key
# offered and logs in nowhere the worker would not (no password sent to an
# unverified host); with new keys accepted it logs in, as the worker would.
w router edit r1 --hostkey none
w doctor
t_match "pin cleared, new keys refused: a warning" '^warn +router r1 ' "$(line 'router r1')"
t_contains "... not logged in" \
    "reachable; no host key pinned and new keys not accepted (offered $FA): not logged in" \
    "$(line 'router r1')"
sql "UPDATE routers SET accept_new_hostkey = true WHERE name = 'r1'"
w doctor
t_contains "pin cleared, new keys accepted: logged in, not pinned" \
    "reachable; host key not pinned yet ($FA)" "$(line 'router r1')"
sql "UPDATE routers SET hostkey = '$FA', accept_new_hostkey = false WHERE name = 'r1'"
sim_stop_sshd b
w doctor
t_eq "router down: exit 1" 1 "$RC"
t_match "router down: its line" '^fail +router r2 +.*(refused|connect)' "$(line 'router r2')"
t_match "r1 fine again" '^ok +router r1 ' "$(line 'router r1')"
sql "UPDATE routers SET state = 'maintenance' WHERE name = 'r2'"
w doctor
t_eq "router in maintenance: not checked, exit 0" 0 "$RC"

# --- file permissions -------------------------------------------------------------------
chmod 644 "$cfg"
w doctor
t_eq "config readable by others: exit 1" 1 "$RC"
t_match "config: its line" "^fail +config +config file $cfg is open to others \\(mode 0644\\): chmod 600" "$(line config)"
chmod 600 "$cfg"
chmod 640 "$SIM_KEY"
w doctor
t_eq "key readable by its group: exit 1" 1 "$RC"
t_match "key: its line" '^fail +router r1 key +SSH key .* is open to others \(mode 0640\)' "$(line 'router r1 key')"
chmod 600 "$SIM_KEY"

# --- provider token --------------------------------------------------------------------
unset GAMES_TOKEN
w doctor
t_eq "token gone: exit 1" 1 "$RC"
t_match "token: its line" '^fail +provider games +token from \$GAMES_TOKEN: not set' "$(line 'provider games')"
export GAMES_TOKEN=t0ken-value

# --- the database --------------------------------------------------------------------
# the newest migration out of the books (its objects stay: the books are
# what doctor reads), then back in
top=$(sql "SELECT max(version) FROM schema_migrations")
sql "CREATE TABLE doctor_saved AS SELECT * FROM schema_migrations WHERE version = $top;
     DELETE FROM schema_migrations WHERE version = $top"
w doctor
t_eq "migration pending: exit 1" 1 "$RC"
t_match "migration pending: its line" '^fail +schema +.*run `wisp db migrate`' "$(line schema)"
sql "INSERT INTO schema_migrations SELECT * FROM doctor_saved; DROP TABLE doctor_saved"
w doctor
t_eq "migrated again: exit 0" 0 "$RC"
sql "ALTER ROLE wisp_backup RENAME TO wisp_backup_gone"
w doctor
t_eq "role missing: exit 1" 1 "$RC"
t_match "role missing: its line" '^fail +roles +missing: wisp_backup' "$(line roles)"
sql "ALTER ROLE wisp_backup_gone RENAME TO wisp_backup"

# --- an old backup ----------------------------------------------------------------------
for m in "$T"/backups/*.json; do
    jq --arg t "$(date -u -d '3 days ago' +%Y-%m-%dT%H:%M:%SZ)" '.time = $t' "$m" >"$m.new" && mv "$m.new" "$m"
done
w doctor
t_eq "old backup: exit 1" 1 "$RC"
t_match "old backup: its line" '^fail +backup +the newest backup is 3d.* old, more than 2d' "$(line backup)"
WISP_BACKUP_MAX_AGE=4d w doctor
t_eq "within backup.max_age: exit 0" 0 "$RC"

# --- 300 routers nobody answers, within a deadline -------------------------------------
# 150 refuse at once (r2's port, closed); 150 take the connection and never
# say a word (a listener that accepts nothing), each costing its whole
# connect deadline: one after another, 150 x 2 s would be 5 minutes.
SILENT=$(sim_ports 1)
# (/usr/bin/python3: the pyenv shim on PATH can take seconds to start on a
# loaded machine, and a listener not up yet makes the silent routers refuse)
/usr/bin/python3 -c 'import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(1024); time.sleep(120)' "$SILENT" &
silent_pid=$!
for _ in $(seq 200); do (exec 3<>"/dev/tcp/127.0.0.1/$SILENT") 2>/dev/null && break; sleep 0.1; done
sql "SELECT wisp_router_add('dead' || i, jsonb_build_object('host', '127.0.0.1', 'port', ($P2)::text,
     'user', 'x', 'driver', 'routeros', 'key_path', '$SIM_KEY', 'hostkey', '$FB'))
     FROM generate_series(1, 150) i" >/dev/null
sql "SELECT wisp_router_add('gone' || i, jsonb_build_object('host', '127.0.0.1', 'port', '$SILENT',
     'user', 'x', 'driver', 'routeros', 'key_path', '$SIM_KEY', 'hostkey', '$FB'))
     FROM generate_series(1, 150) i" >/dev/null
start=$(date +%s%N)
WISP_SSH_CONNECT_TIMEOUT=2 w doctor
ms=$((($(date +%s%N) - start) / 1000000))
echo "doctor over 302 routers (300 unreachable): $ms ms" >"$T/doctor-ms"
t_eq "unreachable routers: exit 1" 1 "$RC"
t_eq "a line for each" 300 "$(printf '%s\n' "$OUT" | grep -cE '^fail +router (dead|gone)[0-9]+ ')"
t_ok "within the deadline (under 30 s)" test "$ms" -lt 30000
t_match "a silent router: its line" '^fail +router gone1 +.*(timed out|deadline|timeout)' "$(line 'router gone1')"
