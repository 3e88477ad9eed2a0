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
        SELECT count(s.code) FROM (SELECT code FROM vouchers WHERE status = 'new' ORDER BY random() LIMIT 120) c,
            wisp_voucher_sell(c.code) s" >/dev/null
    # backdating the sales is seeding: the triggers refuse to rewrite a sale to anyone
    sql "SET session_replication_role = replica;
         UPDATE vouchers SET sold_at = now() - random() * interval '6 days' WHERE sold_at IS NOT NULL"
    sql "UPDATE vouchers SET status = 'active', first_used_at = sold_at + interval '3 minutes',
             expires_at = sold_at + interval '3 minutes'
                          + (SELECT make_interval(secs => validity_s) FROM plans p WHERE p.id = plan_id)
         WHERE id IN (SELECT id FROM vouchers WHERE status = 'sold' ORDER BY random() LIMIT 70)"
    sql "UPDATE vouchers SET status = 'expired' WHERE status = 'active' AND expires_at < now()"
    wisp voucher disable "$(sql "SELECT code FROM vouchers WHERE status = 'new' LIMIT 1")" >/dev/null
    unset -f wisp
fi

export WISP_DB="dbname=wisp_demo user=admin password=demo"

# A few orders: counter and web sales of plans (the worker sells them a
# voucher from stock), and one for a provider that is not configured here.
if [ "$(sql "SELECT count(*) FROM orders")" = 0 ]; then
    for i in 1 2 3 4 5; do wisp order add --product 1h --customer "07001112$i$i" >/dev/null; done
    sql "INSERT INTO orders (channel, product, customer, amount) VALUES
         ('web', '1d', 'acct-1042', 3.00), ('web', '1w', 'acct-1043', 12.00)" >/dev/null
    wisp order add --product PUBG-60UC --customer 0700999888 --provider topups --extra player=Zed >/dev/null
    sql "UPDATE plans SET low_stock = 150 WHERE name = '1h'" >/dev/null
fi

# Three simulated routers behind a real sshd (needs root: sshd logs the
# simulator's user in), with clients coming and going; the console's own
# worker talks to them.
routers_up=
if [ "$(id -u)" = 0 ]; then
    . tests/tools/sim.sh
    sim_init "$dir/sim"
    [ -f "$dir/sim/r/front-desk/state.json" ] || sim_router front-desk routeros --version 7 --identity front-desk
    [ -f "$dir/sim/r/back-room/state.json" ] || sim_router back-room routeros --version 6 --identity back-room
    [ -f "$dir/sim/r/garden/state.json" ] || sim_router garden opennds
    base=$(sim_ports 3)
    sim_sshd demo "$base=front-desk" "$((base + 1))=back-room" "$((base + 2))=garden"
    trap 'kill $(jobs -p) 2>/dev/null; sim_stop; services_stop "$dir"' EXIT
    fp=$(cat "$SIM_DIR/demo.fp")
    port=$base
    for r in front-desk:routeros back-room:routeros garden:opennds; do
        name=${r%%:*} driver=${r#*:}
        if [ "$(sql "SELECT count(*) FROM routers WHERE name = '$name'")" = 0 ]; then
            wisp router add "$name" --host 127.0.0.1 --port "$port" --user wispsim --key "$SIM_KEY" \
                --driver "$driver" --hostkey "$fp" >/dev/null
        else
            wisp router edit "$name" --port "$port" --key "$SIM_KEY" --hostkey "$fp" >/dev/null
        fi
        port=$((port + 1))
    done
    if [ "$(sql "SELECT count(*) FROM batches WHERE router IS NOT NULL")" = 0 ]; then
        wisp voucher create --plan 1h --count 40 --router front-desk --note "front desk" >/dev/null
        wisp voucher create --plan 30m --count 40 --router back-room >/dev/null
        wisp voucher create --plan 1h --count 40 --router garden --length 9 --note "garden (openNDS)" >/dev/null
        sql "UPDATE vouchers SET status = 'sold' WHERE batch_id IN (SELECT id FROM batches WHERE router IS NOT NULL)" >/dev/null
    fi
    # clients: every few seconds someone logs in with a voucher of that
    # router, the online ones use some traffic, and now and then one leaves
    (
        set +e # a client that cannot log in is part of the show, not the end of it
        while sleep 3; do
            r=$(shuf -n1 -e front-desk back-room garden)
            code=$(sql "SELECT v.code FROM vouchers v JOIN voucher_routers vr ON vr.voucher_id = v.id
                        JOIN routers r ON r.id = vr.router_id
                        WHERE r.name = '$r' AND vr.state = 'synced' AND v.status = 'sold'
                        ORDER BY random() LIMIT 1" 2>/dev/null)
            if [ -n "$code" ]; then
                sim_admin "$r" login "$code" "$(printf '02:00:%02x:%02x:%02x:%02x' $((RANDOM % 256)) $((RANDOM % 256)) $((RANDOM % 256)) $((RANDOM % 256)))" \
                    "10.5.$((RANDOM % 250)).$((RANDOM % 250 + 2))" >/dev/null 2>&1 || true
            fi
            for x in front-desk back-room garden; do
                sim_admin "$x" active 2>/dev/null | jq -r '.[] | .user // .mac' | while read -r who; do
                    sim_admin "$x" traffic "$who" $((RANDOM * 20)) $((RANDOM * 200)) >/dev/null 2>&1 || true
                    [ $((RANDOM % 12)) = 0 ] && sim_admin "$x" logout "$who" >/dev/null 2>&1
                done
            done
        done
    ) &
    routers_up=1
    export WISP_WORKER_INTERVAL=3
else
    echo "demo: not root, so no simulated routers (sshd needs root to log their user in)"
fi

if [ -t 0 ] && [ -t 1 ]; then
    wisp # the console, as the demo admin; the servers stop when it exits
else
    echo "wisp demo: no terminal here, so no console; the shop as the demo admin sees it:"
    wisp batch list
    if [ -n "$routers_up" ]; then
        wisp worker --once 2>/dev/null
        wisp router list
    fi
fi
