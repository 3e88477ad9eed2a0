#!/usr/bin/env bash
# The role matrix: statements run directly through psql as each of the four
# roles (an admin, an operator, a viewer and a worker login role), each
# asserted allowed or denied; then that every function writes its audit row
# as session_user, and that the life cycle holds even for the table owner.
#
# The statements live in tests/integration/role_matrix/*.txt, read in name
# order. One statement per line:
#
#     SQL => ADMIN OPERATOR VIEWER WORKER
#
# each of the four `allow` (psql exits 0) or `deny` (PostgreSQL refuses it:
# a privilege, a function's check, a trigger or a constraint). Lines that
# are empty or start with # are skipped. Each statement runs in its own
# transaction, rolled back, against the data set up below (codes new001..,
# sold01.., act001, exp001, dis001, upw001; batches 1 code, 2 userpass,
# 3 spare; routers 1 and 2; order 1 completed, order 2 pending), so one cell never changes another.
# A statement PostgreSQL cannot even parse or resolve (syntax, unknown
# table, column or function) fails its row whatever was expected: a typo
# must not pass as "deny". The matrix is printed to the log.
. "$(dirname "$0")/../lib.sh"
# As on PostgreSQL 14 and older (and databases upgraded from them), anyone
# may create objects in the schema: the migration must take that away, or a
# login role's own wisp_require(text) would run as the functions' owner.
sql "GRANT CREATE ON SCHEMA public TO PUBLIC" >/dev/null
w db migrate
roles=(m_admin m_oper m_view m_work)
for r in m_admin:wisp_admin m_oper:wisp_operator m_view:wisp_viewer m_work:wisp_worker; do
    mkrole "${r%%:*}" matrix-pw "${r#*:}"
done
as() { PGPASSWORD=matrix-pw psql -XAtq -v ON_ERROR_STOP=1 -U "$1" -c "$2"; }

# The data every statement is tried against.
sql "SELECT wisp_plan_add('1h', 1.50, 3600, NULL, NULL, 86400, NULL, NULL, true, NULL);
     SELECT wisp_plan_add('spare', 2, 3600, NULL, NULL, NULL, NULL, NULL, false, NULL);
     SELECT wisp_batch_create('1h', 'code', 6, 'abc', '', NULL, NULL, ARRAY['new001', 'new002',
         'new003', 'new004', 'new005', 'new006', 'sold01', 'sold02', 'sold03', 'sold04', 'act001',
         'exp001', 'dis001'], NULL);
     SELECT wisp_batch_create('1h', 'userpass', 6, 'abc', '', NULL, NULL, ARRAY['upw001', 'upw002'],
         ARRAY['secret1x', 'secret2x']);
     SELECT wisp_batch_create('spare', 'code', 6, 'abc', '', NULL, NULL, ARRAY['spr001'], NULL);
     INSERT INTO routers (name, driver, host, username) VALUES ('r1', 'routeros', '10.0.0.1', 'wisp'),
         ('r2', 'routeros', '10.0.0.2', 'wisp');
     INSERT INTO router_secrets VALUES (1, 'router-pw');
     INSERT INTO voucher_routers (voucher_id, router_id, state) VALUES (1, 1, 'synced');
     INSERT INTO sessions (router_id, username) VALUES (1, 'act001');
     INSERT INTO router_jobs (router_id, kind, target) VALUES (1, 'kick', 'act001');
     INSERT INTO workers (id, host, pid, interval_s) VALUES ('m:1', 'm', 1, 5);
     INSERT INTO metric_rollups VALUES ('2026-11-01 10:00', 1, 1, 1, 1, 1, 1, 1, 1, now());
     INSERT INTO orders (product, customer, status, pin) VALUES ('1h', '0700111222', 'completed', 'PIN123');
     INSERT INTO orders (product, customer) VALUES ('1h', '0700333444');" >/dev/null
# subscribers (migration 016): plan home, subscriber sub001
sql "SELECT wisp_subplan_add('home', 20, '5M/10M', NULL, 'reject', NULL, 3, NULL, NULL);
     SELECT wisp_subscriber_add('sub001', 'sub-pw-01', 'Sub One', NULL, 'home', NULL, NULL)" >/dev/null
for c in sold01 sold02 sold03 sold04 exp001 dis001; do as m_oper "SELECT wisp_voucher_sell('$c')" >/dev/null; done
as m_oper "SELECT wisp_voucher_disable('dis001')" >/dev/null
as m_work "SELECT wisp_voucher_activate('act001', 60, 'AA:BB:CC:DD:EE:01')" >/dev/null
as m_work "SELECT wisp_voucher_activate('exp001', 200000, 'AA:BB:CC:DD:EE:02')" >/dev/null
sql "UPDATE vouchers SET expires_at = now() - interval '1 s' WHERE code = 'exp001'" >/dev/null
as m_work "SELECT wisp_voucher_expire()" >/dev/null
t_eq "matrix data" "act001 active|dis001 disabled|exp001 expired|new001 new|sold01 sold" \
    "$(sql "SELECT string_agg(code || ' ' || status, '|' ORDER BY code) FROM vouchers
            WHERE code IN ('new001', 'sold01', 'act001', 'exp001', 'dis001')")"

# cell ROLE SQL: allow or deny; a statement that does not resolve is "broken".
cell() {
    local out
    out=$(PGPASSWORD=matrix-pw psql -XAtq -v ON_ERROR_STOP=1 -v VERBOSITY=verbose -U "$1" \
        -c BEGIN -c "$2" -c ROLLBACK 2>&1 >/dev/null)
    if [ $? -eq 0 ]; then
        echo allow
    elif grep -Eq 'ERROR: +(42601|42P01|42703|42883|42P02|42804|22P02)' <<<"$out"; then
        echo "broken($(grep -m1 -o 'ERROR:.*' <<<"$out"))"
    else
        echo deny
    fi
}

rows=0
printf '%-6s %-6s %-6s %-6s  %s\n' admin oper viewer worker statement
for f in "$(dirname "$0")"/role_matrix/*.txt; do
    while IFS= read -r line || [ -n "$line" ]; do
        case "$line" in '' | '#'*) continue ;; esac
        stmt=${line% => *} want=${line##* => }
        read -r -a exp <<<"$want"
        if [ "$stmt" = "$line" ] || [ "${#exp[@]}" -ne 4 ]; then
            _fail "matrix $(basename "$f"): malformed line" "$line"
            continue
        fi
        got=() bad=()
        for i in 0 1 2 3; do
            got[i]=$(cell "${roles[i]}" "$stmt")
            [ "${got[i]}" = "${exp[i]}" ] || bad+=("${roles[i]#m_}: expected ${exp[i]}, got ${got[i]}")
        done
        printf '%-6s %-6s %-6s %-6s  %s\n' "${got[@]%%(*}" "$stmt"
        name="matrix $(basename "$f" .txt): $stmt"
        if [ "${#bad[@]}" -eq 0 ]; then _pass "$name"; else _fail "$name" "${bad[*]}"; fi
        rows=$((rows + 1))
    done <"$f"
done
t_ok "matrix has at least 40 statements ($rows)" test "$rows" -ge 40

# Every function writes its audit row, as session_user, in its transaction.
audited() { # audited NAME ROLE ACTION SQL
    local before
    before=$(sql "SELECT coalesce(max(id), 0) FROM audit")
    as "$2" "$4" >/dev/null
    t_eq "audit as session_user: $1" "$2 $3" \
        "$(sql "SELECT who || ' ' || action FROM audit WHERE id > $before ORDER BY id LIMIT 1")"
}
audited "plan add" m_admin plan.add "SELECT wisp_plan_add('2h', 3, 7200, NULL, NULL, NULL, NULL, NULL, false, NULL)"
audited "plan edit" m_admin plan.edit "SELECT wisp_plan_edit('2h', '{\"price\": \"3.50\", \"rate_limit\": null}')"
audited "plan disable" m_admin plan.disable "SELECT wisp_plan_set_active('2h', false)"
audited "batch create" m_oper voucher.create "SELECT wisp_batch_create('1h', 'code', 6, 'abc', '', NULL, 'n', ARRAY['aud001', 'aud002', 'aud003'], NULL)"
audited "stock batch (worker)" m_work voucher.create "SELECT wisp_batch_create('1h', 'code', 6, 'abc', '', NULL, NULL, ARRAY['aud004'], NULL)"
audited "sell" m_oper voucher.sell "SELECT wisp_voucher_sell('aud001')"
audited "order sale (worker)" m_work voucher.sell "SELECT * FROM wisp_order_fulfil()"
audited "sale from stock" m_oper voucher.sell "SELECT code FROM wisp_voucher_sell_next('1h')"
audited "disable" m_oper voucher.disable "SELECT wisp_voucher_disable('aud001')"
audited "enable" m_oper voucher.enable "SELECT wisp_voucher_enable('aud001')"
audited "extend" m_oper voucher.extend "SELECT wisp_voucher_extend('aud001', 60, 0)"
audited "reset" m_oper voucher.reset "SELECT wisp_voucher_reset('aud001')"
audited "mac bind" m_oper voucher.mac "SELECT wisp_voucher_set_mac('aud002', 'aa:bb:cc:dd:ee:ff')"
audited "delete voucher" m_oper voucher.delete "SELECT wisp_voucher_delete('aud003')"
audited "print" m_oper batch.print "SELECT wisp_voucher_printed(1, NULL, 'ps')"
audited "reprint" m_oper voucher.reprint "SELECT wisp_voucher_printed(NULL, ARRAY['new001'], 'text')"
audited "reveal" m_oper voucher.reveal "SELECT * FROM wisp_voucher_reveal(NULL, ARRAY['upw001'], 'show')"
audited "activate (worker)" m_work voucher.activate "SELECT wisp_voucher_activate('aud001', 5, 'AA:BB:CC:DD:EE:03')"
audited "activate (admin)" m_admin voucher.activate "SELECT wisp_voucher_activate('sold03', 5, 'AA:BB:CC:DD:EE:04')"
audited "correction" m_admin voucher.correct "SELECT wisp_sale_correct('sold04', 0.50, 'price fix')"
audited "delete batch" m_oper batch.delete "SELECT wisp_batch_delete(3)"
sql "UPDATE vouchers SET status = 'disabled' WHERE code = 'sold02'" >/dev/null
sql "SELECT wisp_voucher_enable('sold02')" >/dev/null # the table owner may call the functions too
t_eq "expire: audited" "m_work voucher.expire" "$(
    sql "UPDATE vouchers SET expires_at = now() - interval '1 s' WHERE code = 'aud001'" >/dev/null
    as m_work "SELECT count(*) FROM wisp_voucher_expire()" >/dev/null
    sql "SELECT who || ' ' || action FROM audit ORDER BY id DESC LIMIT 1")"

t_eq "a sale records the seller" "m_oper 1.50" "$(sql "SELECT sold_by || ' ' || price FROM vouchers WHERE code = 'aud001'")"
t_eq "the correction keeps the price before and the reason" '1.50 0.50 price fix m_oper' \
    "$(sql "SELECT concat_ws(' ', details->>'price_before', details->>'price', details->>'reason', details->>'sold_by') FROM audit WHERE action = 'voucher.correct'")"
t_eq "a disabled sold voucher comes back sold, same seller" "sold m_oper" \
    "$(sql "SELECT status || ' ' || sold_by FROM vouchers WHERE code = 'sold02'")"
t_eq "a disabled new voucher comes back new" "new" "$(
    as m_oper "SELECT wisp_voucher_disable('new006')" >/dev/null
    as m_oper "SELECT wisp_voucher_enable('new006')" >/dev/null
    sql "SELECT status FROM vouchers WHERE code = 'new006'")"
t_eq "reveal gives the userpass password to an operator" secret1x \
    "$(as m_oper "SELECT password FROM wisp_voucher_reveal(NULL, ARRAY['upw001'], 'show')")"

# The worker and admins cannot change a price or a seller, by any path
# they have; the life cycle holds even for the table owner (a superuser).
for r in m_admin m_work; do
    t_fail "$r cannot set a price" 1 as "$r" "UPDATE vouchers SET price = 0 WHERE code = 'sold01'"
    t_fail "$r cannot change a seller" 1 as "$r" "UPDATE vouchers SET sold_by = '$r' WHERE code = 'sold01'"
done
t_eq "admin is not in wisp_worker" f "$(sql "SELECT pg_has_role('m_admin', 'wisp_worker', 'MEMBER')")"
t_fail "owner: no INSERT of a sold voucher" 1 sql "INSERT INTO vouchers (code, password, batch_id, serial, plan_id, status, price, sold_by, sold_at) VALUES ('forged01', 'forged01', 1, 901, 1, 'sold', 0, 'someone_else', '2026-11-01')"
t_fail "owner: no sold back to new" 1 sql "UPDATE vouchers SET status = 'new' WHERE code = 'sold01'"
t_fail "owner: no disabled sold back to new" 1 sql "UPDATE vouchers SET status = 'new' WHERE code = 'dis001'"
t_fail "owner: no silent price change" 1 sql "UPDATE vouchers SET price = 0 WHERE code = 'sold01'"
t_fail "owner: no seller change" 1 sql "UPDATE vouchers SET sold_by = 'x' WHERE code = 'sold01'"
t_fail "owner: no expired made active" 1 sql "UPDATE vouchers SET status = 'active', expires_at = '2099-01-01' WHERE code = 'exp001'"
t_fail "owner: no new expiry on an expired voucher" 1 sql "UPDATE vouchers SET expires_at = '2099-01-01' WHERE code = 'exp001'"
sql "SELECT wisp_batch_create('1h', 'code', 6, 'abc', '', NULL, NULL, ARRAY['upt001'], NULL)" >/dev/null
as m_oper "SELECT wisp_voucher_sell('upt001')" >/dev/null
as m_work "SELECT wisp_voucher_activate('upt001', 315360000, NULL)" >/dev/null
t_eq "a router's absurd session uptime: no longer than the plan's hour, not expired at once" "false|3600" \
    "$(sql "SELECT (expires_at < now()) || '|' || round(extract(epoch FROM now() - first_used_at)) FROM vouchers WHERE code = 'upt001'")"
# (but those that make login roles, which run as the migration's owner:
# wisp_operator_* and wisp_radius_role_set)
t_eq "functions are owned by the NOLOGIN wisp_owner, search_path pinned" 0 "$(sql "
    SELECT count(*) FROM pg_proc p JOIN pg_roles o ON o.oid = p.proowner
    WHERE p.proname LIKE 'wisp\_%' AND p.proname NOT LIKE 'wisp\_operator\_%'
      AND p.proname <> 'wisp_radius_role_set'
      AND (o.rolname <> 'wisp_owner' OR o.rolcanlogin
           OR NOT EXISTS (SELECT FROM unnest(p.proconfig) c WHERE c LIKE 'search\_path=pg\_catalog, %'))")"
t_eq "no login role may INSERT, UPDATE or DELETE vouchers, batches, plans or audit" "" "$(sql "
    SELECT string_agg(r || ' ' || t || ' ' || p, ', ')
    FROM unnest(ARRAY['m_admin', 'm_oper', 'm_view', 'm_work']) r,
         unnest(ARRAY['vouchers', 'batches', 'plans', 'audit']) t,
         unnest(ARRAY['INSERT', 'UPDATE', 'DELETE', 'TRUNCATE']) p
    WHERE has_table_privilege(r, t, p) OR (p = 'UPDATE' AND has_any_column_privilege(r, t, p))")"

# A voucher "un-sold" by hand before migration 006 (simulated here by setting
# its CHECK aside) keeps its sale: it is never sold again.
sql "ALTER TABLE vouchers DROP CONSTRAINT vouchers_new_is_unsold;
     SET session_replication_role = replica; UPDATE vouchers SET status = 'new' WHERE code = 'sold01'" >/dev/null
t_fail "a voucher un-sold before 006 cannot be sold again" 1 as m_oper "SELECT wisp_voucher_sell('sold01')"
t_eq "its seller stays" m_oper "$(sql "SELECT sold_by FROM vouchers WHERE code = 'sold01'")"
