#!/usr/bin/env bash
# Plans: RouterOS-style units, JSON shape, edit, disable, bad input.
. "$(dirname "$0")/../lib.sh"
w db migrate

w plan add 1h --price 1.50 --duration 1h --rate 2M/4M --validity 30d --shared-users 1 --profile hs-1h
t_eq "plan add exits 0" 0 "$RC"
w plan add 5GB --price 10 --data 5G --validity 1w2d3h
t_eq "data plan added" 0 "$RC"
w plan add day --price 3 --duration 00:30:00
t_eq "clock-style duration accepted" 0 "$RC"

w plan list --json
t_eq "plan json keys" \
    '["name","price","duration_s","data_bytes","rate_limit","validity_s","shared_users","profile","lock_mac","low_stock","active","title","template"]' \
    "$(printf '%s' "$OUT" | jq -c '.[0] | keys_unsorted')"
t_eq "1h plan as JSON" \
    '{"name":"1h","price":"1.50","duration_s":3600,"data_bytes":null,"rate_limit":"2M/4M","validity_s":2592000,"shared_users":1,"profile":"hs-1h","lock_mac":false,"low_stock":null,"active":true,"title":null,"template":null}' \
    "$(printf '%s' "$OUT" | jq -c '.[] | select(.name=="1h")')"
t_eq "5G is 1024-based" 5368709120 "$(printf '%s' "$OUT" | jq '.[] | select(.name=="5GB") | .data_bytes')"
t_eq "1w2d3h in seconds" 788400 "$(printf '%s' "$OUT" | jq '.[] | select(.name=="5GB") | .validity_s')"
t_eq "00:30:00 is 1800 s" 1800 "$(printf '%s' "$OUT" | jq '.[] | select(.name=="day") | .duration_s')"
t_eq "price stored as numeric" numeric "$(sql "SELECT data_type FROM information_schema.columns WHERE table_name='plans' AND column_name='price'")"

w plan list
t_match "text list shows the plan" '1h +1\.50 +1h' "$OUT"

w plan edit 1h --price 2 --data 1G --rate none
t_eq "plan edit exits 0" 0 "$RC"
t_eq "edit changed price" 2.00 "$(sql "SELECT price FROM plans WHERE name='1h'")"
t_eq "edit set data" 1073741824 "$(sql "SELECT data_bytes FROM plans WHERE name='1h'")"
t_eq "edit cleared rate" "" "$(sql "SELECT rate_limit FROM plans WHERE name='1h'")"
t_eq "edit was audited" 1 "$(sql "SELECT count(*) FROM audit WHERE action='plan.edit' AND details->'before'->>'price'='1.50'")"

w plan disable day
t_eq "plan disable" f "$(sql "SELECT active FROM plans WHERE name='day'")"
w voucher create --plan day --count 5
t_eq "disabled plan sells no batch" 1 "$RC"
t_contains "disabled plan message" "disabled" "$ERR"

for bad in "--price -1" "--price 1.234" "--price abc" "--price 1 --duration 1x" \
           "--price 1 --data 5Q" "--price 1 --rate fast" "--price 1 --shared-users 0"; do
    # shellcheck disable=SC2086
    w plan add badplan $bad
    t_eq "bad plan input refused: $bad" 2 "$RC"
done
t_eq "nothing half-written by bad input" 0 "$(sql "SELECT count(*) FROM plans WHERE name='badplan'")"

w plan add "bad name" --price 1
t_eq "bad plan name refused" 2 "$RC"
w plan add 1h --price 1
t_eq "duplicate plan refused" 1 "$RC"
t_contains "duplicate plan message" "already exists" "$ERR"
w plan edit nosuch --price 1
t_contains "edit unknown plan" 'no plan named "nosuch"' "$ERR"
w plan add audited --price 1
t_eq "plan add audited" 1 "$(sql "SELECT count(*) FROM audit WHERE action='plan.add' AND details->>'name'='audited'")"

# --lock-mac binds each voucher to the first device that logs in with it.
w plan add locked --price 1 --duration 1h --lock-mac
t_eq "--lock-mac on add" t "$(sql "SELECT lock_mac FROM plans WHERE name='locked'")"
w plan edit locked --lock-mac no
t_eq "--lock-mac no on edit" f "$(sql "SELECT lock_mac FROM plans WHERE name='locked'")"
w plan edit locked --lock-mac maybe
t_eq "--lock-mac junk refused" 2 "$RC"
w plan edit locked --low-stock 25
t_eq "--low-stock on edit" 25 "$(sql "SELECT low_stock FROM plans WHERE name='locked'")"
w plan edit locked --low-stock none
t_eq "--low-stock none clears it" "" "$(sql "SELECT low_stock FROM plans WHERE name='locked'")"
w plan edit locked --low-stock -3
t_eq "--low-stock junk refused" 2 "$RC"
