#!/usr/bin/env bash
# The backup role out of an admin's reach: the role granted wisp_backup is a
# login member of wisp_admin (`backup create` wants both), and it reads every
# PIN and router password. Another admin must neither set its password (and
# log in as it) nor remove it (and stop the backups), through the CLI or
# through psql; nor may an admin take over any role holding more than an
# operator group gives (wisp_owner, wisp_worker, CREATEROLE, a superuser, an
# owner of objects). Ordinary operators are changed as before, and a
# guarded role still changes its own password and makes backups.
. "$(dirname "$0")/../lib.sh"
sql "DROP ROLE IF EXISTS bk_svc, bk_adm2, bk_ownr, bk_wrk, bk_crole, bk_plain" >/dev/null

w db migrate
w plan add 1h --price 1.50 --duration 1h
w voucher create --plan 1h --count 3
mkrole bk_svc bk-svc-pw wisp_admin
sql "GRANT wisp_backup TO bk_svc"
mkrole bk_adm2 adm2-pw wisp_admin
mkrole bk_plain plain-pw wisp_operator

# --- the backup role: the CLI --------------------------------------------------
w_as bk_adm2 adm2-pw operator passwd bk_svc --password-stdin <<<'stolen'
t_eq "CLI: an admin may not set the backup role's password" 1 "$RC"
t_contains "says why" 'bk_svc" is a member of wisp_backup' "$ERR"
t_eq "one line" 1 "$(printf '%s\n' "$ERR" | wc -l)"
PGPASSWORD=stolen psql -XAtq -U bk_svc -c "SELECT 1" >/dev/null 2>&1
t_eq "the password it tried does not log in" 2 "$?"
w_as bk_adm2 adm2-pw operator remove bk_svc
t_eq "CLI: an admin may not remove the backup role" 1 "$RC"
t_contains "says why" 'bk_svc" is a member of wisp_backup' "$ERR"
t_eq "one line" 1 "$(printf '%s\n' "$ERR" | wc -l)"
t_eq "it is still there" 1 "$(sql "SELECT count(*) FROM pg_roles WHERE rolname = 'bk_svc'")"

# --- the same through psql -------------------------------------------------------
as_adm2() { PGPASSWORD=adm2-pw psql -XAtq -v ON_ERROR_STOP=1 -U bk_adm2 -c "$1" 2>&1; }
out=$(as_adm2 "SELECT wisp_operator_passwd('bk_svc', 'stolen')")
t_eq "psql: wisp_operator_passwd refused" 1 "$?"
t_contains "insufficient privilege" "more than an admin may take over" "$out"
PGPASSWORD=stolen psql -XAtq -U bk_svc -c "SELECT max(pin) FROM orders" >/dev/null 2>&1
t_eq "no login as the backup role with the password an admin chose" 2 "$?"
out=$(as_adm2 "SELECT wisp_operator_remove('bk_svc')")
t_eq "psql: wisp_operator_remove refused" 1 "$?"
t_eq "no audit row for either" 0 "$(sql "SELECT count(*) FROM audit WHERE details->>'name' = 'bk_svc'")"

# --- other roles holding more than an admin ------------------------------------------
mkrole bk_ownr ownr-pw wisp_admin
sql "GRANT wisp_owner TO bk_ownr"
mkrole bk_wrk wrk-pw wisp_viewer
sql "GRANT wisp_worker TO bk_wrk"
mkrole bk_crole crole-pw wisp_operator
sql "ALTER ROLE bk_crole CREATEROLE"
for r in bk_ownr:"member of wisp_owner" bk_wrk:"member of wisp_worker" bk_crole:"has CREATEROLE"; do
    w_as bk_adm2 adm2-pw operator passwd "${r%%:*}" --password-stdin <<<'stolen'
    t_eq "passwd ${r%%:*}: refused" "1 1" "$RC $(grep -c "${r#*:}" <<<"$ERR")"
    w_as bk_adm2 adm2-pw operator remove "${r%%:*}"
    t_eq "remove ${r%%:*}: refused" "1 1" "$RC $(grep -c "${r#*:}" <<<"$ERR")"
done
# a member of wisp_backup through another role is a member all the same
sql "REVOKE wisp_backup FROM bk_svc; CREATE ROLE bk_via NOLOGIN; GRANT wisp_backup TO bk_via; GRANT bk_via TO bk_svc"
w_as bk_adm2 adm2-pw operator passwd bk_svc --password-stdin <<<'stolen'
t_eq "wisp_backup held through another role: refused" 1 "$RC"
sql "REVOKE bk_via FROM bk_svc; DROP ROLE bk_via; GRANT wisp_backup TO bk_svc"
# an admin owning a table owns more than an admin may take over
sql "GRANT CREATE ON SCHEMA public TO bk_ownr; REVOKE wisp_owner FROM bk_ownr"
PGPASSWORD=ownr-pw psql -XAtq -U bk_ownr -c "CREATE TABLE public.bk_mine (x int)" >/dev/null
w_as bk_adm2 adm2-pw operator remove bk_ownr
t_eq "an owner of objects: remove refused" "1 1" "$RC $(grep -c "owns objects" <<<"$ERR")"
sql "DROP TABLE public.bk_mine; REVOKE CREATE ON SCHEMA public FROM bk_ownr"

# --- what still works ---------------------------------------------------------------
w_as bk_adm2 adm2-pw operator passwd bk_plain --password-stdin <<<'plain-new'
t_eq "an admin still sets an operator's password" 0 "$RC"
w_as bk_plain plain-new plan list
t_eq "which logs in" 0 "$RC"
w_as bk_adm2 adm2-pw operator remove bk_ownr
t_eq "an admin removes an admin who holds nothing more" 0 "$RC"
w_as bk_svc bk-svc-pw operator passwd bk_svc --password-stdin <<<'bk-svc-new'
t_eq "the backup role changes its own password" 0 "$RC"
# as wisp-backup.service runs it: no --dir, its StateDirectory=wisp-backup
STATE_DIRECTORY=$T/lib/wisp-backup w_as bk_svc bk-svc-new backup create --json
t_eq "and makes backups" 0 "$RC"
t_eq "into \$STATE_DIRECTORY/backups, the unit's own directory" "$T/lib/wisp-backup/backups" \
    "$(dirname "$(jq -r .file <<<"$OUT")")"
t_ok "the dump is there" test -s "$(jq -r .file <<<"$OUT")"
STATE_DIRECTORY=$T/lib/wisp-backup w_as bk_svc bk-svc-new backup list --json
t_eq "which backup list finds there" 1 "$(jq length <<<"$OUT")"

sql "DROP ROLE IF EXISTS bk_svc, bk_adm2, bk_ownr, bk_wrk, bk_crole, bk_plain" >/dev/null
