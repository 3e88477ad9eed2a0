#!/usr/bin/env bash
# Push marks (migration 011): a round asks for vouchers to push only when a
# change has left a mark for its router, and every kind of change leaves
# one. Each case below is a change that must reach the routers although the
# routers had nothing left to push before it: were its mark missing, the
# voucher would never be pushed (a sale lost at the counter).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../tools/sim.sh"
chmod 755 "$T"
sim_init "$T/sim" || { _fail "simulator set up" "sim_init failed"; exit 1; }
trap sim_stop EXIT
for r in a b; do sim_router "$r" routeros --identity "$r"; done
base=$(sim_ports 2)
sim_sshd s "$base=a" "$((base + 1))=b"
FP=$(cat "$SIM_DIR/s.fp")

w db migrate
w plan add 1h --price 5 --duration 1h
w router add a --host 127.0.0.1 --port "$base" --user wispsim --key "$SIM_KEY" --driver routeros --hostkey "$FP"
w router add b --host 127.0.0.1 --port "$((base + 1))" --user wispsim --key "$SIM_KEY" --driver routeros --hostkey "$FP"
marks() { sql "SELECT count(*) FROM router_push_marks m JOIN routers r ON r.id = m.router_id WHERE r.name = '$1' ${2:+AND $2}"; }
user() { sim_admin "$1" users | jq -c --arg n "$2" '.[] | select(.name == $n)'; }
created() { w voucher create --plan 1h --count "$1" ${2:+--router "$2"} --json; jq -r .batch_id <<<"$OUT"; }
first_code() { sql "SELECT code FROM vouchers WHERE batch_id = $1 ORDER BY id LIMIT 1"; }

t_eq "a new router has a mark: it looks for its vouchers" 1 "$(marks a)"
B1=$(created 4)
w worker --once
t_eq "unassigned stock: on a" 4 "$(sim_admin a users | jq length)"
t_eq "unassigned stock: on b" 4 "$(sim_admin b users | jq length)"
t_eq "everything pushed: a's marks gone" 0 "$(marks a)"
t_eq "everything pushed: b's marks gone" 0 "$(marks b)"
# (a worker reads every push list at its first round: the second is steady)
w worker --cycles 2 --interval 0
steady=$(grep -E ' a: [0-9]+ ms' <<<"$ERR" | tail -n 1)
t_match "a steady round pushes nothing" 'a: [0-9]+ ms, up, 0 sessions, 0 pushed' "$steady"
t_match "a steady round is four statements" 'a: [0-9]+ ms, up, [^,]*, 0 pushed, 0 removed, 4 statements' "$steady"

# a batch for one router: a mark for it (and none needed for the other)
B2=$(created 2 a)
t_eq "a batch for a marks a" 1 "$(marks a)"
w worker --once
t_eq "a's batch on a" 6 "$(sim_admin a users | jq length)"
t_eq "not on b" 4 "$(sim_admin b users | jq length)"

# disabled after it was pushed: the copies go pending, each router marked
C=$(first_code "$B1")
w voucher disable "$C"
t_eq "disable: a marked" 1 "$(marks a)"
w worker --once
t_eq "disabled on a" true "$(user a "$C" | jq .disabled)"
t_eq "disabled on b" true "$(user b "$C" | jq .disabled)"

# a whole batch disabled at once: one mark a router, not one a voucher
w voucher enable "$C"
w worker --once
w voucher disable --batch "$B1"
t_eq "a batch disabled: one mark for a" 1 "$(marks a)"
t_eq "every copy of it pending on a" 4 "$(sql "SELECT count(*) FROM voucher_routers vr JOIN vouchers v ON v.id = vr.voucher_id JOIN routers r ON r.id = vr.router_id WHERE v.batch_id = $B1 AND r.name = 'a' AND vr.state = 'pending'")"
w worker --once
t_eq "all four disabled on a" 4 "$(sim_admin a users | jq "[.[] | select(.disabled)] | length")"
w voucher enable --batch "$B1"
w worker --once
t_eq "and enabled again" 0 "$(sim_admin a users | jq "[.[] | select(.disabled)] | length")"

# extended: pushed again with the new limit
X=$(sql "SELECT code FROM vouchers WHERE batch_id = $B1 AND code <> '$C' ORDER BY id LIMIT 1")
w voucher extend "$X" --by 1h
t_eq "extend exits 0" 0 "$RC"
w worker --once
t_eq "extended on b (2 h)" 7200 "$(user b "$X" | jq '."limit-uptime"')"

# disabled before any push, enabled later: the enable is the only change
B3=$(created 1)
E=$(first_code "$B3")
w voucher disable "$E"
w worker --once
t_eq "a voucher disabled before its push is not pushed" "" "$(user b "$E")"
t_eq "and its marks are dealt with" 0 "$(marks b)"
w voucher enable "$E"
t_eq "enable marks b" 1 "$(marks b)"
w worker --once
t_eq "enabled: now on b" false "$(user b "$E" | jq .disabled)"

# a push the router refuses: a mark for when its next try is due, no sooner
B4=$(created 1 b)
F=$(first_code "$B4")
sim_admin b refuse "$F"
w worker --once
t_eq "refused: the copy failed" failed "$(sql "SELECT vr.state FROM voucher_routers vr JOIN vouchers v ON v.id = vr.voucher_id JOIN routers r ON r.id = vr.router_id WHERE v.code = '$F' AND r.name = 'b'")"
t_eq "refused: one mark, due in a minute" 1 "$(marks b "m.due_at > now() + interval '50 seconds'")"
t_eq "refused: no mark due now" 0 "$(marks b "m.due_at <= now()")"
w worker --once
t_match "the failed copy waits for its back-off" 'b: [0-9]+ ms, up, 0 sessions, 0 pushed' "$ERR"
sim_admin b refuse
# a minute later (both the copy's time and its mark moved back, triggers off)
sql "SET session_replication_role = replica;
     UPDATE voucher_routers SET updated_at = updated_at - interval '2 minutes' WHERE state = 'failed';
     UPDATE router_push_marks SET due_at = due_at - interval '2 minutes'" >/dev/null
w worker --once
t_eq "retried when due: on b" "\"$F\"" "$(user b "$F" | jq .name)"
t_eq "and recorded synced" synced "$(sql "SELECT vr.state FROM voucher_routers vr JOIN vouchers v ON v.id = vr.voucher_id WHERE v.code = '$F'")"
t_eq "b's marks gone" 0 "$(marks b)"

# a mark written while a round runs, by a transaction it cannot see yet,
# survives the round and brings the vouchers next time
(psql -XAtq -v ON_ERROR_STOP=1 -c "BEGIN" \
    -c "SELECT wisp_batch_create('1h', 'code', 8, '0123456789', '', 'b', NULL, ARRAY['77770001'], NULL)" \
    -c "SELECT pg_sleep(3)" -c "COMMIT" >"$T/late.out" 2>&1) &
LATE=$!
sleep 1
w worker --once
wait "$LATE"
t_eq "the late batch committed" 0 $?
t_eq "not pushed by the round that could not see it" "" "$(user b 77770001)"
t_eq "its mark outlived that round" 1 "$(marks b)"
w worker --once
t_eq "pushed by the next" '"77770001"' "$(user b 77770001 | jq .name)"

# a mark missed (a copy deleted by hand with the triggers off): a worker
# reads every router's push list at its first round, and every 10 minutes
sql "SET session_replication_role = replica;
     DELETE FROM voucher_routers vr USING vouchers v, routers r
      WHERE v.id = vr.voucher_id AND r.id = vr.router_id AND v.code = '$X' AND r.name = 'b'" >/dev/null
sim_admin b users | jq -r '.[].name' >/dev/null
t_eq "no mark for it" 0 "$(marks b)"
w worker --once
t_eq "a new worker's first round finds it" synced "$(sql "SELECT vr.state FROM voucher_routers vr JOIN vouchers v ON v.id = vr.voucher_id JOIN routers r ON r.id = vr.router_id WHERE v.code = '$X' AND r.name = 'b'")"
