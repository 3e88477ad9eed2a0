#!/usr/bin/env bash
# A stopped backup leaves nothing: `backup create` killed (SIGTERM from
# systemctl stop or timeout, SIGINT from ^C, SIGHUP) while pg_dump waits for a locked table
# ends pg_dump's process group and removes its temporary dump; `backup
# verify` killed while pg_restore works in the scratch database ends
# pg_restore and drops the scratch database. Either says so in one line and
# exits non-zero; a later backup works.
. "$(dirname "$0")/../lib.sh"
B=$T/backups
tpl() { psql -XAtq -v ON_ERROR_STOP=1 -d template1 -c "$1"; }
# the pids of the PostgreSQL tools whose command line holds $1
tools() { pgrep -f -- "$1" | tr '\n' ' '; }
# until CMD prints something non-empty, at most 20 s
wait_for() {
    local i
    for ((i = 0; i < 200; i++)); do
        [ -n "$("$@")" ] && return 0
        sleep 0.1
    done
    return 1
}
lockpid= wpid=
cleanup() {
    [ -n "$wpid" ] && kill -KILL "$wpid" 2>/dev/null
    for p in $(tools "$B/") $(tools "$T/v/"); do kill -KILL "$p" 2>/dev/null; done
    [ -n "$lockpid" ] && { exec 7>&-; kill "$lockpid" 2>/dev/null; wait "$lockpid" 2>/dev/null; }
    tpl "DROP EVENT TRIGGER IF EXISTS zz_slow; DROP FUNCTION IF EXISTS public.zz_slow()" >/dev/null 2>&1
    for d in $(sql "SELECT datname FROM pg_database WHERE datname LIKE 'wisp\_verify\_%'"); do
        sql "DROP DATABASE \"$d\" WITH (FORCE)" >/dev/null 2>&1
    done
}
trap cleanup EXIT

w db migrate
w plan add 1h --price 1.50 --duration 1h
w voucher create --plan 1h --count 5

# --- create, stopped while pg_dump waits for a lock ---------------------------
# (a table in another schema, locked by a transaction kept open: pg_dump
# waits for it; wisp's own counts read only wisp's schema)
sql "CREATE SCHEMA zz; CREATE TABLE zz.t ()"
mkfifo "$T/lock.in"
psql -XAtq -v ON_ERROR_STOP=1 <"$T/lock.in" >"$T/lock.out" 2>&1 &
lockpid=$!
exec 7>"$T/lock.in"
echo "BEGIN; LOCK zz.t IN ACCESS EXCLUSIVE MODE; SELECT 'locked';" >&7
wait_for grep -x locked "$T/lock.out"
t_eq "the lock is held" locked "$(cat "$T/lock.out")"

dump_waits() { sql "SELECT 1 FROM pg_stat_activity WHERE query LIKE 'LOCK TABLE%zz%' AND wait_event_type = 'Lock'"; }
# CMD... with SIGINT at its default (bash starts a background job with it
# ignored, and wisp leaves an ignored signal ignored, as under nohup)
int_default() {
    exec /usr/bin/python3 -c 'import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
os.execv(sys.argv[1], sys.argv[1:])' "$@"
}
for sig in TERM INT HUP; do
    int_default "$WISP" backup create --dir "$B" >"$T/c.out" 2>"$T/c.err" &
    wpid=$!
    t_ok "SIG$sig: pg_dump waits for the lock" wait_for dump_waits
    t_ok "SIG$sig: pg_dump runs" test -n "$(tools "--file=$B/")"
    t_eq "SIG$sig: its temporary dump is there meanwhile" 1 "$(ls -A "$B" | grep -c '\.tmp$')"
    kill -"$sig" "$wpid"
    wait "$wpid"
    rc=$?
    wpid=
    t_eq "SIG$sig: create exits 1" 1 "$rc"
    t_eq "SIG$sig: one line" 1 "$(wc -l <"$T/c.err")"
    t_contains "SIG$sig: says it was interrupted and kept nothing" \
        "wisp: backup not made, nothing kept: interrupted by SIG$sig; pg_dump was stopped" "$(cat "$T/c.err")"
    t_eq "SIG$sig: no temporary file, no backup" "" "$(ls -A "$B")"
    sleep 0.2
    t_eq "SIG$sig: no pg_dump left running" "" "$(tools "--file=$B/")"
    t_eq "SIG$sig: nor its query on the server" "" "$(dump_waits)"
done
echo "COMMIT;" >&7
exec 7>&-
wait "$lockpid"
lockpid=
w backup create --dir "$B" --json
t_eq "after the lock: a backup is made" 0 "$RC"
dump=$(jq -r .file <<<"$OUT")
t_eq "one dump, its manifest, nothing else" 2 "$(ls -A "$B" | wc -l)"

# --- verify, stopped while pg_restore works in the scratch database ---------------
# (an event trigger in template1, so in every database made from it, holds
# the restore's first CREATE in the scratch database)
mkdir -p "$T/v"
cp "$dump" "${dump%.dump}.json" "$T/v/"
vdump=$T/v/$(basename "$dump")
tpl "CREATE FUNCTION public.zz_slow() RETURNS event_trigger LANGUAGE plpgsql AS \$\$
     BEGIN IF current_database() LIKE 'wisp\_verify\_%' THEN PERFORM pg_sleep(60); END IF; END \$\$;
     CREATE EVENT TRIGGER zz_slow ON ddl_command_start EXECUTE FUNCTION public.zz_slow()"
"$WISP" backup verify "$vdump" >"$T/v.out" 2>"$T/v.err" &
wpid=$!
wait_for sql "SELECT 1 FROM pg_stat_activity WHERE datname LIKE 'wisp\_verify\_%' AND wait_event = 'PgSleep'"
t_eq "pg_restore is at work in a scratch database" 1 \
    "$(sql "SELECT count(*) FROM pg_database WHERE datname LIKE 'wisp\_verify\_%'")"
t_ok "pg_restore runs" test -n "$(tools "pg_restore.*$vdump")"
kill -TERM "$wpid"
wait "$wpid"
rc=$?
wpid=
t_eq "verify exits 1" 1 "$rc"
t_eq "one line" 1 "$(wc -l <"$T/v.err")"
t_contains "says it was interrupted and the scratch database dropped" \
    "wisp: interrupted by SIGTERM: verify stopped, its scratch database dropped" "$(cat "$T/v.err")"
t_eq "no scratch database left" 0 "$(sql "SELECT count(*) FROM pg_database WHERE datname LIKE 'wisp\_verify\_%'")"
sleep 0.2
t_eq "no pg_restore left running" "" "$(tools "pg_restore.*$vdump")"
t_eq "the manifest records no outcome (it was not verified, nor failed)" null \
    "$(jq -c .verified "${vdump%.dump}.json")"
tpl "DROP EVENT TRIGGER zz_slow; DROP FUNCTION public.zz_slow()"
w backup verify "$vdump"
t_eq "verified once not stopped" 0 "$RC"
