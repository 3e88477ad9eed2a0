#!/usr/bin/env bash
# make demo: a private PostgreSQL and Redis under var/demo/ (kept for the next
# run; `make demo-clean` removes them), a believable shop on first run, and
# wisp logged in as the demo admin. The servers stop when you leave.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
dir=$root/var/demo
export PATH=$root/bin:$PATH
. tests/tools/services.sh
mkdir -p "$dir"
chmod 755 "$root/var" "$dir"
services_start "$dir"
trap 'services_stop "$dir"' EXIT

psql -XAtq -d postgres -c "SELECT 1 FROM pg_database WHERE datname = 'wisp_demo'" | grep -q 1 ||
    createdb wisp_demo
export WISP_DB="dbname=wisp_demo"
wisp db migrate >/dev/null

sql() { psql -XAtq -v ON_ERROR_STOP=1 -d wisp_demo -c "$1"; }
if [ "$(sql "SELECT count(*) FROM plans")" = 0 ]; then
    echo "demo: seeding a shop ..."
    psql -XAtq -d postgres -c "DROP ROLE IF EXISTS admin, ana" >/dev/null 2>&1 || true
    wisp operator add admin --role admin --password-stdin <<<"demo" >/dev/null
    wisp operator add ana --role operator --password-stdin <<<"demo" >/dev/null
    wisp() { PGPASSWORD=demo WISP_DB="dbname=wisp_demo user=admin" command wisp "$@"; }
    wisp plan add 30m --price 0.50 --duration 30m --rate 1M/2M --validity 1d >/dev/null
    wisp plan add 1h --price 1.00 --duration 1h --rate 2M/4M --validity 7d >/dev/null
    wisp plan add 1d --price 3.00 --duration 1d --rate 2M/4M --validity 7d --shared-users 2 >/dev/null
    wisp plan add 1w --price 12.00 --duration 1w --rate 4M/8M --validity 30d >/dev/null
    wisp plan add 5GB --price 5.00 --data 5G --rate 4M/8M --validity 30d >/dev/null
    wisp voucher create --plan 1h --count 200 --note "counter stock" >/dev/null
    wisp voucher create --plan 30m --count 100 --prefix Q- --charset digits --length 6 >/dev/null
    wisp voucher create --plan 1d --count 50 >/dev/null
    wisp voucher create --plan 5GB --count 30 --mode userpass >/dev/null
    wisp voucher print --batch 1 -o "$dir/batch1.txt" >/dev/null
    # A week of trade: sold vouchers, some used, one disabled, as the seller ana.
    PGUSER=ana PGPASSWORD=demo psql -XAtq -d wisp_demo -c "
        UPDATE vouchers SET status = 'sold'
        WHERE id IN (SELECT id FROM vouchers WHERE status = 'new' ORDER BY random() LIMIT 120)"
    sql "UPDATE vouchers SET sold_at = now() - random() * interval '6 days' WHERE sold_at IS NOT NULL"
    sql "UPDATE vouchers SET status = 'active', first_used_at = sold_at + interval '3 minutes',
             expires_at = sold_at + interval '3 minutes'
                          + (SELECT make_interval(secs => validity_s) FROM plans p WHERE p.id = plan_id)
         WHERE id IN (SELECT id FROM vouchers WHERE status = 'sold' ORDER BY random() LIMIT 70)"
    sql "UPDATE vouchers SET status = 'expired' WHERE status = 'active' AND expires_at < now()"
    wisp voucher disable "$(sql "SELECT code FROM vouchers WHERE status = 'new' LIMIT 1")" >/dev/null
    unset -f wisp
fi

export WISP_DB="dbname=wisp_demo user=admin password=demo"
if [ -t 0 ] && [ -t 1 ]; then
    wisp # the console, as the demo admin; the servers stop when it exits
else
    echo "wisp demo: no terminal here, so no console; the shop as the demo admin sees it:"
    wisp batch list
fi
