#!/usr/bin/env bash
# The console's embedded worker runs as the admin, who is not a member of
# wisp_worker: an admin login role's `wisp worker --once` against a simulated
# router (real sshd) pushes vouchers, activates one at its first login,
# sells one for an order and expires one, all through the database's
# functions, each audited as the admin; and the worker role's own login does
# the same. Neither can rewrite a sale on the way.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../tools/sim.sh"
chmod 755 "$T"
sim_init "$T/sim" || { _fail "simulator set up" "sim_init failed"; exit 1; }
trap sim_stop EXIT
sim_router r1 routeros --version 7 --identity shop
P1=$(sim_ports 1)
sim_sshd a "$P1=r1"
export WISP_SSH_CONNECT_TIMEOUT=10 WISP_SSH_COMMAND_TIMEOUT=20

w db migrate
mkrole aw_boss boss-pw wisp_admin
mkrole aw_worker work-pw wisp_worker
t_eq "the admin is not in wisp_worker" f "$(sql "SELECT pg_has_role('aw_boss', 'wisp_worker', 'MEMBER')")"
w plan add 1h --price 2 --duration 1h --validity 1d --lock-mac yes
w router add r1 --host 127.0.0.1 --port "$P1" --user wispsim --key "$SIM_KEY" --driver routeros --hostkey "$(cat "$SIM_DIR/a.fp")"
w voucher create --plan 1h --count 6 --router r1

for who in aw_boss:boss-pw aw_worker:work-pw; do
    role=${who%%:*} pw=${who#*:}
    cycle() { w_as "$role" "$pw" worker --once; }
    cycle
    t_eq "$role: worker cycle" 0 "$RC"
    want=$(sql "SELECT count(*) FROM vouchers WHERE status IN ('new', 'sold', 'active')")
    t_eq "$role: vouchers pushed" "$want" "$(sim_admin r1 users | jq length)"
    t_eq "$role: recorded synced" "$want" "$(sql "SELECT count(*) FROM voucher_routers WHERE state = 'synced'")"

    # a first login activates the voucher, bound to the device
    c=$(sql "SELECT code FROM vouchers WHERE status = 'new' ORDER BY id LIMIT 1")
    sim_admin r1 login "$c" aa:bb:cc:00:00:0"${#role}" 10.5.50.10
    cycle
    t_eq "$role: activated at first login" "active AA:BB:CC:00:00:0${#role}" "$(sql "SELECT status || ' ' || mac FROM vouchers WHERE code = '$c'")"
    t_eq "$role: activation audited as $role" "$role" "$(sql "SELECT who FROM audit WHERE action = 'voucher.activate' AND details->>'code' = '$c'")"

    # ... and expires by PostgreSQL's clock
    sql "UPDATE vouchers SET expires_at = now() - interval '1 s' WHERE code = '$c'" >/dev/null
    cycle
    t_eq "$role: expired" expired "$(sql "SELECT status FROM vouchers WHERE code = '$c'")"
    t_eq "$role: expiry audited as $role" "$role" "$(sql "SELECT who FROM audit WHERE action = 'voucher.expire' ORDER BY id DESC LIMIT 1")"
    sim_admin r1 logout "$c" >/dev/null 2>&1

    # an order sold from stock, at the plan's price, by the worker's role
    w order add --product 1h --customer "07001112${#role}"
    cycle
    sold=$(sql "SELECT v.code || ' ' || v.sold_by || ' ' || v.price FROM orders o JOIN vouchers v ON v.id = o.voucher_id WHERE o.customer = '07001112${#role}' AND o.status = 'completed'")
    t_match "$role: order sold a voucher as $role at the plan's price" "^[a-z0-9]+ $role 2.00\$" "$sold"
    t_eq "$role: the sale audited as $role" "$role" "$(sql "SELECT who FROM audit WHERE action = 'voucher.sell' AND details->>'code' = '${sold%% *}'")"

    t_eq "$role: cannot set a price" 1 "$(PGPASSWORD=$pw psql -XAtq -v ON_ERROR_STOP=1 -U "$role" -c "UPDATE vouchers SET price = 0 WHERE code = '${sold%% *}'" >/dev/null 2>&1; echo $?)"
    t_eq "$role: cannot change a seller" 1 "$(PGPASSWORD=$pw psql -XAtq -v ON_ERROR_STOP=1 -U "$role" -c "UPDATE vouchers SET sold_by = 'x' WHERE code = '${sold%% *}'" >/dev/null 2>&1; echo $?)"
    sql "TRUNCATE voucher_routers" >/dev/null
    runuser -u wispsim -- /usr/bin/python3 -c 'import json,sys; d=sys.argv[1]; s=json.load(open(d)); s["users"]=[]; json.dump(s, open(d, "w"))' "$SIM_DIR/r/r1/state.json"
    w voucher create --plan 1h --count 2 --router r1 # the next round starts from an empty router
done
