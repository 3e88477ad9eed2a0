#!/usr/bin/env bash
# The command line itself and the database schema: help, usage errors,
# migrations (idempotent, status, a newer database refused), unreachable
# and unmigrated databases.
. "$(dirname "$0")/../lib.sh"

w --help
t_eq "help exits 0" 0 "$RC"
t_contains "help lists voucher create" "voucher create" "$OUT"
t_contains "help lists operator add" "operator add" "$OUT"

w --version
t_match "version" '^wisp [0-9]+\.[0-9]+\.[0-9]+' "$OUT"

w voucher create --help
t_eq "command help exits 0" 0 "$RC"
t_contains "command help shows usage" "usage: wisp voucher create --plan NAME --count N" "$OUT"

w voucher --help
t_contains "group help lists its commands" "voucher print" "$OUT"

w frobnicate
t_eq "unknown command exits 2" 2 "$RC"
t_contains "unknown command named" 'unknown command "frobnicate"' "$ERR"

w plan list --frob
t_eq "unknown flag exits 2" 2 "$RC"
t_contains "unknown flag named" "unknown flag --frob" "$ERR"
t_contains "unknown flag prints usage" "usage: wisp plan list" "$ERR"

w plan add
t_eq "missing argument exits 2" 2 "$RC"

# Not migrated yet: a clear pointer to `wisp db migrate`.
w plan list
t_eq "unmigrated database exits 1" 1 "$RC"
t_contains "unmigrated database says migrate" "wisp db migrate" "$ERR"

w db status
t_contains "status lists pending" "pending" "$OUT"

w db migrate
t_eq "migrate exits 0" 0 "$RC"
t_contains "migrate reports what it applied" "applied 001_init" "$OUT"

w db migrate
t_eq "migrate again exits 0" 0 "$RC"
t_contains "migrate again changes nothing" "up to date" "$OUT"
t_eq "one row per migration" "$(sql "SELECT count(*) FROM schema_migrations WHERE version = 1")" 1

t_eq "migration audited" 1 "$(sql "SELECT count(*) FROM audit WHERE action = 'db.migrate' AND details->>'version' = '1'")"

w db status --json
t_contains "status json shows applied" '"state": "applied"' "$OUT"

for tbl in plans batches vouchers audit; do
    t_eq "table $tbl exists" "$(sql "SELECT to_regclass('$tbl') IS NOT NULL")" t
done
for col in created_at sold_at first_used_at expires_at; do
    t_eq "vouchers.$col is timestamptz" \
        "$(sql "SELECT data_type FROM information_schema.columns WHERE table_name='vouchers' AND column_name='$col'")" \
        "timestamp with time zone"
done
for r in wisp_admin wisp_operator wisp_viewer wisp_worker; do
    t_eq "group role $r exists, NOLOGIN" "$(sql "SELECT rolcanlogin FROM pg_roles WHERE rolname='$r'")" f
done

# A database migrated by a newer wisp is refused, and migrate changes nothing.
sql "INSERT INTO schema_migrations (version, name) VALUES (999, 'future')" >/dev/null
w plan list
t_eq "newer database refused" 1 "$RC"
t_contains "newer database message" "upgrade wisp" "$ERR"
w db migrate
t_eq "migrate refuses newer database" 1 "$RC"
sql "DELETE FROM schema_migrations WHERE version = 999" >/dev/null

# Two migrations at once on a fresh database: serialised, both succeed.
sql "CREATE DATABASE ${PGDATABASE}_twin" >/dev/null
( WISP_DB="dbname=${PGDATABASE}_twin" "$WISP" db migrate >/dev/null 2>&1; echo $? >"$T/m1" ) &
( WISP_DB="dbname=${PGDATABASE}_twin" "$WISP" db migrate >/dev/null 2>&1; echo $? >"$T/m2" ) &
wait
t_eq "concurrent migrate 1" 0 "$(cat "$T/m1")"
t_eq "concurrent migrate 2" 0 "$(cat "$T/m2")"
sql "DROP DATABASE ${PGDATABASE}_twin" >/dev/null

# Unreachable database: one line naming the target, no password, exit 1.
WISP_DB="host=$T/nowhere dbname=shop password=hunter2" w plan list
t_eq "unreachable database exits 1" 1 "$RC"
t_contains "unreachable names the socket" "$T/nowhere" "$ERR"
t_contains "unreachable names the database" '"shop"' "$ERR"
t_contains "unreachable says how to set it" "WISP_DB" "$ERR"
t_not_contains "unreachable hides the password" "hunter2" "$ERR"
t_eq "unreachable is one line" 1 "$(printf '%s\n' "$ERR" | wc -l)"

# --db beats WISP_DB.
WISP_DB="host=$T/nowhere" w --db "dbname=$PGDATABASE" plan list
t_eq "--db flag wins over WISP_DB" 0 "$RC"

# A database owner that is not a superuser (it may create roles) migrates:
# handing the functions to wisp_owner needs that role to create in the schema.
mkrole cli_owner owner-pw
sql "ALTER ROLE cli_owner CREATEROLE" >/dev/null
sql "CREATE DATABASE ${PGDATABASE}_owned OWNER cli_owner" >/dev/null
PGPASSWORD=owner-pw WISP_DB="dbname=${PGDATABASE}_owned user=cli_owner" w db migrate
t_eq "a database owner that is not a superuser migrates" 0 "$RC"
t_contains "to the end" "applied 010_text_checks" "$OUT"
t_eq "and PUBLIC creates nothing in its schema" f \
    "$(psql -XAtq -d "${PGDATABASE}_owned" -c "SELECT has_schema_privilege('public', 'public', 'CREATE')")"
sql "DROP DATABASE ${PGDATABASE}_owned" >/dev/null
sql "DROP OWNED BY cli_owner; DROP ROLE cli_owner" >/dev/null 2>&1

# db migrate --to: stops after a version; never undoes one; bad numbers refused
w db migrate --to 0
t_eq "migrate --to 0: usage error" 2 "$RC"
w db migrate --to x
t_eq "migrate --to x: usage error" 2 "$RC"
w db migrate --to 1
t_eq "migrate --to below the database's version: refused" 2 "$RC"
t_contains "... saying nothing is undone" "migrations are not undone" "$ERR"
sql "DROP DATABASE IF EXISTS t_migrate_to WITH (FORCE)"
sql "CREATE DATABASE t_migrate_to"
WISP_DB=dbname=t_migrate_to w db migrate --to 3
t_eq "migrate --to 3 on an empty database: applied 1 to 3" "0 3 3" \
    "$RC $(psql -XAtq -d t_migrate_to -c 'SELECT count(*), max(version) FROM schema_migrations' | tr '|' ' ')"
WISP_DB=dbname=t_migrate_to w db migrate
t_eq "then the rest" "0 $(sql 'SELECT max(version) FROM schema_migrations')" \
    "$RC $(psql -XAtq -d t_migrate_to -c 'SELECT max(version) FROM schema_migrations')"
sql "DROP DATABASE t_migrate_to WITH (FORCE)"
