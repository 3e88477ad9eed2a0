#!/usr/bin/env bash
# A backup of an older schema: `backup restore` restores it and says to run
# `wisp db migrate` on it (needs_migrate in --json), from the restored
# database's own schema_migrations; after the migration wisp uses it. The
# older backup is made as an older wisp would have: a copy of the database
# whose schema_migrations lacks the newest migration, dumped by pg_dump,
# with a manifest saying so (its version, rows, checksum, size).
. "$(dirname "$0")/../lib.sh"
cleanup() {
    for d in wisp_old_src wisp_old_a wisp_old_b wisp_cur; do
        sql "DROP DATABASE IF EXISTS $d WITH (FORCE)" >/dev/null 2>&1
    done
}
trap cleanup EXIT
cleanup

w db migrate
w plan add 1h --price 1.50 --duration 1h
w voucher create --plan 1h --count 4
B=$T/b O=$T/old
w backup create --dir "$B" --json
dump=$(jq -r .file <<<"$OUT") man=${dump%.dump}.json
latest=$(sql "SELECT max(version) FROM schema_migrations")

# the older database, made by `db migrate --to` one migration short of
# this wisp's (as the wisp before it made it), with a plan in it; dumped by
# pg_dump, with a manifest saying so
sql "CREATE DATABASE wisp_old_src"
WISP_DB=dbname=wisp_old_src w db migrate --to $((latest - 1))
t_eq "an older schema made" "0 $((latest - 1))" \
    "$RC $(psql -XAtq -d wisp_old_src -c "SELECT max(version) FROM schema_migrations")"
psql -XAtq -v ON_ERROR_STOP=1 -d wisp_old_src \
    -c "INSERT INTO plans (name, price, duration_s) VALUES ('1h', 1.50, 3600)" >/dev/null
mkdir -p "$O"
pg_dump --format=custom -d wisp_old_src -f "$O/wisp-20260101T000000Z.dump"
old=$O/wisp-20260101T000000Z.dump
# every table's rows, as backup create counts them
rows=$(psql -XAtq -d wisp_old_src -c "SELECT json_object_agg(c.relname,
        (xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM %I.%I',
         n.nspname, c.relname), false, true, '')))[1]::text::bigint)
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p') AND n.nspname = 'public'")
jq --arg s "$(sha256sum "$old" | cut -d' ' -f1)" --argjson z "$(stat -c %s "$old")" \
    --argjson v "$((latest - 1))" --argjson r "$rows" \
    '.dump = "wisp-20260101T000000Z.dump" | .sha256 = $s | .size = $z | .schema_version = $v
     | .rows = $r | .time = "2026-01-01T00:00:00Z"' "$man" >"${old%.dump}.json"

w backup restore "$old" --into wisp_old_a
t_eq "an older backup restores" 0 "$RC"
t_contains "and says to migrate it" \
    "its schema is at version $((latest - 1)), older than this wisp's $latest: run \`wisp --db wisp_old_a db migrate\` before using it" "$OUT"
t_eq "its schema as restored" "$((latest - 1))" \
    "$(psql -XAtq -d wisp_old_a -c "SELECT max(version) FROM schema_migrations")"
w backup restore "$old" --into dbname=wisp_old_b --json
t_eq "--json: needs_migrate and the version" "0 true $((latest - 1))" \
    "$RC $(jq -r '"\(.needs_migrate) \(.schema_version)"' <<<"$OUT")"
w backup restore "$old" --into dbname=wisp_old_b --force
t_contains "a conninfo --into: the same advice, without repeating it" \
    "run \`wisp db migrate\` on it (--db set to what --into said)" "$OUT"
WISP_DB=dbname=wisp_old_a w plan list
t_eq "before the migration wisp refuses it" 1 "$RC"
t_contains "saying the same" "run \`wisp db migrate\`" "$ERR"
WISP_DB=dbname=wisp_old_a w db migrate
t_eq "the migration it asked for runs" 0 "$RC"
WISP_DB=dbname=wisp_old_a w plan list
t_eq "then wisp uses it" "0 1" "$RC $(grep -c '^1h ' <<<"$OUT")"

# the current schema: no such advice
w backup restore "$dump" --into wisp_cur --json
t_eq "a current backup: needs_migrate false" "0 false $latest" \
    "$RC $(jq -r '"\(.needs_migrate) \(.schema_version)"' <<<"$OUT")"
w backup restore "$dump" --into wisp_cur --force
t_not_contains "and no advice to migrate" "db migrate" "$OUT"
