#!/usr/bin/env bash
# Backups: `wisp backup create` (pg_dump -Fc and its manifest, written
# atomically, mode 0600), list, verify (a scratch restore, dropped after),
# restore into another database (compared, refused when not empty), the
# live figures back in Redis by the command the restore prints, prune over
# made-up dates (grandfather-father-son, the newest verified kept), a
# failed pg_dump that leaves nothing, and who may do it.
. "$(dirname "$0")/../lib.sh"
export TZ=UTC
sql "DROP ROLE IF EXISTS bk_admin, bk_cash" >/dev/null
rc() { redis-cli -s "$REDIS_SOCK" "$@"; }
count() { psql -XAtq -d "$1" -c "SELECT count(*) FROM $2"; }

w db migrate
w plan add 1h --price 1.50 --duration 1h
w voucher create --plan 1h --count 20
for s in 1 2 3; do w voucher sell "$(sql "SELECT code FROM vouchers WHERE serial=$s")"; done
w order add --product 1h --customer 0700111222
w order add --product 1h --customer 0700333444
B=$T/backups

# --- create ------------------------------------------------------------------
w backup create --dir "$B" --json
t_eq "create exits 0" 0 "$RC"
dump=$(jq -r .file <<<"$OUT") man=${dump%.dump}.json
t_ok "the dump is there" test -s "$dump"
t_ok "its manifest beside it" test -s "$man"
t_eq "dump mode 0600" 600 "$(stat -c %a "$dump")"
t_eq "manifest mode 0600" 600 "$(stat -c %a "$man")"
t_eq "directory mode 0700" 700 "$(stat -c %a "$B")"
t_eq "nothing else in the directory" 2 "$(ls -A "$B" | wc -l)"
t_eq "pg_dump custom format" PGDMP "$(head -c 5 "$dump")"
t_eq "manifest: sha256 of the dump" "$(sha256sum "$dump" | cut -d' ' -f1)" "$(jq -r .sha256 "$man")"
t_eq "manifest: size" "$(stat -c %s "$dump")" "$(jq .size "$man")"
t_eq "manifest: schema version" "$(sql "SELECT max(version) FROM schema_migrations")" "$(jq .schema_version "$man")"
t_eq "manifest: wisp version" "$("$WISP" --version | cut -d' ' -f2)" "$(jq -r .wisp_version "$man")"
t_eq "manifest: rows per table" "20 2 $(sql "SELECT count(*) FROM audit")" \
    "$(jq -r '"\(.rows.vouchers) \(.rows.orders) \(.rows.audit)"' "$man")"
t_match "manifest: a time" '^20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$' "$(jq -r .time "$man")"
t_eq "manifest: not verified yet" null "$(jq -c .verified "$man")"
t_eq "manifest: what it was made from" "20 2" "$(jq -r '"\(.rows.vouchers) \(.rows.orders)"' <<<"$OUT")"
before_vouchers=$(count "$PGDATABASE" vouchers) before_orders=$(count "$PGDATABASE" orders)
before_sales=$(count "$PGDATABASE" "vouchers WHERE sold_at IS NOT NULL")
before_audit=$(count "$PGDATABASE" audit)

# --- list -------------------------------------------------------------------
w backup list --dir "$B" --json
t_eq "list: one backup" 1 "$(jq length <<<"$OUT")"
t_eq "list: not verified" no "$(jq -r '.[0].state' <<<"$OUT")"
t_eq "list: its schema" "$(jq .schema_version "$man")" "$(jq '.[0].schema_version' <<<"$OUT")"
w backup list --dir "$B"
t_match "list as text" "^$(basename "${dump%.dump}") +20" "$OUT"

# --- verify -----------------------------------------------------------------
w backup verify "$dump"
t_eq "verify exits 0" 0 "$RC"
t_contains "verify says so" "verified" "$OUT"
t_eq "verified in the manifest" true "$(jq .verified.ok "$man")"
t_eq "the scratch database is gone" 0 "$(sql "SELECT count(*) FROM pg_database WHERE datname LIKE 'wisp_verify%'")"
w backup list --dir "$B" --json
t_match "list: verified" '^yes 20' "$(jq -r '.[0].state' <<<"$OUT")"

# --- restore ----------------------------------------------------------------
w backup restore "$dump" --into wisp_restored
t_eq "restore exits 0" 0 "$RC"
t_contains "restore prints the command for the live figures" "wisp metrics backfill" "$OUT"
t_eq "restored vouchers" "$before_vouchers" "$(count wisp_restored vouchers)"
t_eq "restored orders" "$before_orders" "$(count wisp_restored orders)"
t_eq "restored sales" "$before_sales" "$(count wisp_restored "vouchers WHERE sold_at IS NOT NULL")"
t_eq "restored audit" "$before_audit" "$(count wisp_restored audit)"
t_eq "same voucher codes" "$(sql "SELECT string_agg(code, ',' ORDER BY id) FROM vouchers")" \
    "$(psql -XAtq -d wisp_restored -c "SELECT string_agg(code, ',' ORDER BY id) FROM vouchers")"
t_eq "restored functions keep their owner" wisp_owner \
    "$(psql -XAtq -d wisp_restored -c "SELECT pg_get_userbyid(proowner) FROM pg_proc WHERE proname = 'wisp_voucher_sell'")"
# wisp runs on it, with its grants: an operator sells there
mkrole bk_cash cash-pw wisp_operator
PGPASSWORD=cash-pw WISP_DB="dbname=wisp_restored user=bk_cash" w voucher sell "$(sql "SELECT code FROM vouchers WHERE serial=4")"
t_eq "an operator sells on the restored database" 0 "$RC"
t_eq "the sale is there, not here" "1 0" \
    "$(psql -XAtq -d wisp_restored -c "SELECT count(*) FROM vouchers WHERE serial=4 AND sold_by='bk_cash'") $(sql "SELECT count(*) FROM vouchers WHERE serial=4 AND sold_at IS NOT NULL")"

w backup restore "$dump" --into wisp_restored
t_eq "restore into a database with tables: refused" 1 "$RC"
t_contains "says it is not empty" "not empty" "$ERR"
t_contains "says how to force" "--force" "$ERR"
t_eq "one line" 1 "$(printf '%s\n' "$ERR" | wc -l)"
t_eq "refused restore changed nothing" 1 "$(psql -XAtq -d wisp_restored -c "SELECT count(*) FROM vouchers WHERE sold_by='bk_cash'")"
w backup restore "$dump" --into wisp_restored --force
t_eq "restore --force exits 0" 0 "$RC"
t_eq "--force: the backup's rows again" 0 "$(psql -XAtq -d wisp_restored -c "SELECT count(*) FROM vouchers WHERE sold_by='bk_cash'")"
w backup restore "$dump"
t_eq "restore without --into: usage" 2 "$RC"
w backup restore "$dump" --into "dbname=wisp_restored2" --json
t_eq "restore --into a conninfo, made when absent" "0 true wisp_restored2" "$RC $(jq -r '"\(.created) \(.into)"' <<<"$OUT")"
t_eq "its vouchers" "$before_vouchers" "$(count wisp_restored2 vouchers)"
sql "DROP DATABASE wisp_restored2 WITH (FORCE)" >/dev/null

# Redis holds nothing that cannot be rebuilt: emptied, the command the
# restore printed brings today's sales back from the restored database.
rc FLUSHALL >/dev/null
WISP_DB="dbname=wisp_restored" w metrics backfill
t_eq "backfill on the restored database" 0 "$RC"
sold=0
for k in $(rc --scan --pattern 'wisp:m:hour:*'); do sold=$((sold + $(rc HGET "$k" sold))); done
t_eq "today's sales back in Redis" "$before_sales" "$sold"
# ... and so does the worker's next cycle by itself (m:swept gone: all of today)
rc FLUSHALL >/dev/null
WISP_DB="dbname=wisp_restored" w worker --once
t_eq "a worker cycle on the restored database" 0 "$RC"
sold=0
for k in $(rc --scan --pattern 'wisp:m:hour:*'); do sold=$((sold + $(rc HGET "$k" sold))); done
# (the cycle also fulfilled the two pending orders from stock: two more sales)
t_eq "today's sales back in Redis by the worker itself" \
    "$(count wisp_restored "vouchers WHERE sold_at IS NOT NULL")" "$sold"
t_ok "more than the backup's own" test "$sold" -gt "$before_sales"

# --- a damaged dump -------------------------------------------------------------
mkdir -p "$T/bad"
cp "$dump" "$man" "$T/bad/"
bad=$T/bad/$(basename "$dump")
size=$(stat -c %s "$bad")
printf '\x5a' | dd of="$bad" bs=1 seek=$((size / 2)) conv=notrunc status=none
w backup verify "$bad"
t_eq "a flipped byte fails verify" 1 "$RC"
t_contains "clear error: checksum" "checksum mismatch" "$ERR"
t_eq "one line" 1 "$(printf '%s\n' "$ERR" | wc -l)"
t_eq "recorded as failed" false "$(jq .verified.ok "$T/bad/$(basename "$man")")"
w backup restore "$bad" --into wisp_never
t_eq "a damaged dump is not restored" 1 "$RC"
t_eq "no database made for it" 0 "$(sql "SELECT count(*) FROM pg_database WHERE datname = 'wisp_never'")"
# the same damage with a checksum to match: the scratch restore catches it
printf '\xff\xff\xff\xff' | dd of="$bad" bs=1 seek=$((size - 300)) conv=notrunc status=none # in the data
jq --arg s "$(sha256sum "$bad" | cut -d' ' -f1)" '.sha256 = $s' "$man" >"$T/bad/$(basename "$man")"
w backup verify "$bad"
t_eq "damage behind a matching checksum fails verify" 1 "$RC"
t_contains "pg_restore says why" "pg_restore failed" "$ERR"
t_eq "the scratch database is gone after a failure too" 0 "$(sql "SELECT count(*) FROM pg_database WHERE datname LIKE 'wisp_verify%'")"

# --- two at once: distinct names, each whole ------------------------------------
w backup create --dir "$T/two" &
w backup create --dir "$T/two"
wait
t_eq "two backups in the same moment: two of each" "2 2" \
    "$(ls "$T"/two/*.dump | wc -l) $(ls "$T"/two/*.json | wc -l)"
for m in "$T"/two/*.json; do
    t_eq "each checksum its own: $(basename "$m")" "$(jq -r .sha256 "$m")" \
        "$(sha256sum "$T/two/$(jq -r .dump "$m")" | cut -d' ' -f1)"
done

# --- who may ----------------------------------------------------------------------
w_as bk_cash cash-pw backup create --dir "$T/b2"
t_eq "an operator: refused" 1 "$RC"
t_contains "says it is for admins" "for admins" "$ERR"
t_ok "nothing written" test ! -e "$T/b2"
mkrole bk_admin adm-pw-s3cret wisp_admin
w_as bk_admin adm-pw-s3cret backup create --dir "$T/b2"
t_eq "an admin without wisp_backup: refused" 1 "$RC"
t_contains "says what to grant" "GRANT wisp_backup TO bk_admin" "$ERR"
sql "GRANT wisp_backup TO bk_admin"
w_as bk_admin adm-pw-s3cret backup create --dir "$T/b2" --json
t_eq "an admin with wisp_backup: made" 0 "$RC"
t_not_contains "no password in its output" "s3cret" "$OUT$ERR"
t_eq "nor in its manifest" 0 "$(grep -c s3cret "$T"/b2/*.json)"
made=$(jq -r .file <<<"$OUT")
# a pg_dump that fails leaves nothing: a table whose row-level security
# pg_dump refuses to read around (the admin may SELECT it, so no check of
# wisp's stops it first)
sql "SET ROLE wisp_owner; CREATE TABLE rls_probe (x int); GRANT SELECT ON rls_probe TO wisp_backup;
     ALTER TABLE rls_probe ENABLE ROW LEVEL SECURITY"
w_as bk_admin adm-pw-s3cret backup create --dir "$T/b3"
t_eq "pg_dump failing: exit 1" 1 "$RC"
t_contains "names pg_dump and its reason" "pg_dump failed: query would be affected by row-level security" "$ERR"
t_eq "one line" 1 "$(printf '%s\n' "$ERR" | wc -l)"
t_not_contains "no password in it" "s3cret" "$ERR"
t_eq "nothing left behind: no dump, manifest or temporary file" "" "$(ls -A "$T/b3")"
sql "DROP TABLE rls_probe"
w_as bk_admin adm-pw-s3cret backup verify "$made"
t_eq "verify without CREATEDB: refused" 1 "$RC"
t_contains "says CREATEDB" "CREATEDB" "$ERR"
w backup create --dir "$T/b2" --bogus
t_eq "bad flag: usage" 2 "$RC"
w backup prune --dir "$T/b2"
t_eq "prune without a rule: usage" 2 "$RC"
w backup prune --dir "$T/b2" --keep-daily 0 --keep-monthly 0
t_eq "prune keeping nothing: usage" 2 "$RC"
w backup prune --dir "$T/b2" --keep-daily x
t_eq "prune with a bad number: usage" 2 "$RC"
w backup verify "$T/nosuch.dump"
t_eq "verify of no backup: 1" 1 "$RC"

# --- prune over made-up dates ---------------------------------------------------
P=$T/prune
mkdir -p "$P"
fake() { # fake TIME [VERIFIED]: a copy of the real backup made at TIME
    local name=wisp-$(date -u -d "$1" +%Y%m%dT%H%M%SZ)
    cp "$dump" "$P/$name.dump"
    jq --arg t "$(date -u -d "$1" +%Y-%m-%dT%H:%M:%SZ)" --arg d "$name.dump" --argjson v "${2:-null}" \
        '.time = $t | .dump = $d | .verified = $v' "$man" >"$P/$name.json"
}
fake "2026-11-30 10:00"
fake "2026-11-30 08:00"
fake "2026-11-29 10:00"
fake "2026-11-28 10:00"
fake "2026-11-27 10:00"
fake "2026-11-20 10:00"
fake "2026-11-13 10:00"
fake "2026-10-31 10:00"
fake "2026-10-15 10:00" '{"ok": false, "at": "2026-10-16T00:00:00Z", "detail": "x"}'
fake "2026-09-30 10:00"
fake "2026-08-01 10:00" '{"ok": true, "at": "2026-08-02T00:00:00Z", "detail": "x"}'
fake "2026-07-01 10:00" '{"ok": true, "at": "2026-07-02T00:00:00Z", "detail": "x"}'
names() { ls "$P" | sed -n 's/\.json$//p' | tr '\n' ' '; }
all=$(names)
w backup prune --dir "$P" --keep-daily 3 --keep-weekly 2 --keep-monthly 3 --dry-run
t_eq "dry run exits 0" 0 "$RC"
t_eq "dry run removes nothing" "$all" "$(names)"
t_contains "dry run says what it would remove" "would remove wisp-20261127T100000Z" "$OUT"
w backup prune --dir "$P" --keep-daily 3 --keep-weekly 2 --keep-monthly 3 --json
t_eq "prune exits 0" 0 "$RC"
t_eq "kept: 3 days, 2 weeks (the same days), 3 months, the newest verified" \
    "wisp-20260801T100000Z wisp-20260930T100000Z wisp-20261031T100000Z wisp-20261128T100000Z wisp-20261129T100000Z wisp-20261130T100000Z " \
    "$(names)"
t_eq "their dumps too, and nothing else" 12 "$(ls "$P" | wc -l)"
t_eq "the newest verified kept for that" '"newest verified"' \
    "$(jq -c '.kept[] | select(.name == "wisp-20260801T100000Z") | .why' <<<"$OUT")"
t_eq "removed: the rest" "wisp-20261130T080000Z wisp-20261127T100000Z wisp-20261120T100000Z wisp-20261113T100000Z wisp-20261015T100000Z wisp-20260701T100000Z" \
    "$(jq -r '[.removed[].name] | join(" ")' <<<"$OUT")"
w backup prune --dir "$P" --keep-daily 1
t_eq "keep one day: the newest verified still stays" "wisp-20260801T100000Z wisp-20261130T100000Z " "$(names)"
t_contains "says why it kept it" "wisp-20260801T100000Z (newest verified)" "$OUT"

sql "DROP DATABASE IF EXISTS wisp_restored WITH (FORCE)" >/dev/null
sql "DROP ROLE IF EXISTS bk_admin, bk_cash" >/dev/null
