#!/usr/bin/env bash
# Structured results: every command the console runs leaves a JSON object
# (cli_call's result) besides its text, and --json prints that object instead
# of the text. What the console reads from them: the new batch's id, a
# revealed PIN, what a router command did. Routers are a simulated RouterOS
# behind a real sshd.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../tools/sim.sh"
export WISP_SSH_CONNECT_TIMEOUT=10 WISP_SSH_COMMAND_TIMEOUT=20
chmod 755 "$T"
sim_init "$T/sim" || { _fail "simulator set up" "sim_init failed"; exit 1; }
trap sim_stop EXIT
sim_router r1 routeros --version 7 --identity shop-main
P1=$(sim_ports 1)
sim_sshd a "$P1=r1"
FA=$(cat "$SIM_DIR/a.fp")

# json NAME EXPECTED: the command exited 0 and printed exactly one JSON value
# (no text for people beside it), equal to EXPECTED once compacted.
json() {
    t_eq "$1: exit 0" 0 "$RC"
    t_eq "$1: one JSON value, nothing else" 1 "$(jq -s length <<<"$OUT" 2>/dev/null)"
    t_eq "$1" "$2" "$(jq -c . <<<"$OUT" 2>/dev/null)"
}

w db migrate --json
json "db migrate" '{"migrated":true}'
w db status --json
t_eq "db status: a result" "applied" "$(jq -r '.[] | select(.name == "push_marks") | .state' <<<"$OUT")"
t_eq "db status: every migration once" "$(jq length <<<"$OUT")" "$(jq '[.[].version] | unique | length' <<<"$OUT")"
w db status
t_match "db status without --json: text" '^001  init' "$OUT"
w config show --json
t_eq "config show: typed (an interval in seconds)" 10 "$(jq '."worker.interval"' <<<"$OUT")"
w config show
t_match "config show without --json: text" 'worker\.interval += 10s' "$OUT"
w plan add 1h --price 1.50 --duration 1h --json
json "plan add" '{"plan":"1h","added":true}'
w plan edit 1h --price 1.50 --json
json "plan edit" '{"plan":"1h","changed":true}'

# --- vouchers: the batch id the console selects, sell, disable, enable, print ----
w voucher create --plan 1h --count 5 --json
json "voucher create: the batch id" '{"batch_id":1,"count":5}'
w voucher create --plan 1h --count 3 --json
json "voucher create: the next batch id" '{"batch_id":2,"count":3}'
w voucher create --plan 1h --count 3
t_eq "voucher create without --json: text" "batch 3: 3 vouchers of plan 1h" "$OUT"
C1=$(sql "SELECT code FROM vouchers WHERE batch_id = 1 ORDER BY serial LIMIT 1")
C2=$(sql "SELECT code FROM vouchers WHERE batch_id = 1 ORDER BY serial OFFSET 1 LIMIT 1")
w voucher sell "$C1" --json
t_eq "voucher sell: the code and price" "$C1|1.50" "$(jq -r '"\(.code)|\(.price)"' <<<"$OUT")"
w voucher disable "$C2" --json
json "voucher disable CODE" "{\"code\":\"$C2\",\"count\":1,\"disabled\":true}"
w voucher disable --batch 2 --json
json "voucher disable --batch" '{"batch_id":2,"count":3,"disabled":true}'
w voucher enable --batch 2 --json
json "voucher enable --batch" '{"batch_id":2,"count":3,"disabled":false}'
w voucher print --batch 1 -o "$T/b1.txt" --json
json "voucher print -o" "{\"count\":5,\"batch_id\":1,\"format\":\"text\",\"output\":\"$T/b1.txt\",\"lp\":null}"
t_ok "voucher print --json still wrote the sheet" grep -q "$C1" "$T/b1.txt"
w voucher print --batch 1 --json
t_eq "voucher print --json to standard output: usage" 2 "$RC"
t_contains "says why" "--json goes with -o FILE or --lp" "$ERR"
w batch delete 3 --json
json "batch delete" '{"batch_id":3,"deleted":true}'

# --- orders: the PIN the console shows, the receipt, cancel ---------------------
w order add --product 1h --customer 0700111222 --json
json "order add" '{"order_id":1}'
w worker --once
w order reveal 1 --json
PIN=$(sql "SELECT v.code FROM orders o JOIN vouchers v ON v.id = o.voucher_id WHERE o.id = 1")
t_eq "order reveal: exit 0" 0 "$RC"
t_eq "order reveal: the PIN as a value" "1|$PIN" "$(jq -r '"\(.order_id)|\(.pin)"' <<<"$OUT")"
t_not_contains "order reveal --json: no text line" "PIN:" "$OUT"
t_eq "the reveal is audited, without the PIN" "1|0" \
    "$(sql "SELECT count(*) || '|' || count(*) FILTER (WHERE details::text LIKE '%$PIN%') FROM audit WHERE action = 'order.reveal'")"
w order receipt 1 -o "$T/r1.txt" --json
json "order receipt -o: no PIN in the result" "{\"order_id\":1,\"format\":\"text\",\"output\":\"$T/r1.txt\",\"lp\":null}"
t_ok "order receipt --json still wrote the receipt" grep -q "$PIN" "$T/r1.txt"
w order add --product 1h --customer 0700333444
w order cancel 2 --json
json "order cancel" '{"order_id":2,"status":"cancelled"}'

# --- routers: add, edit, test, maintenance, sync, remove ------------------------
w router add r1 --host 127.0.0.1 --port "$P1" --user wispsim --key "$SIM_KEY" --driver routeros --hostkey "$FA" --json
json "router add" '{"router":"r1","added":true,"hostkey_pinned":true}'
w router edit r1 --backup none --json
json "router edit" '{"router":"r1","changed":true}'
w router test r1 --json
t_eq "router test: exit 0" 0 "$RC"
t_eq "router test: what the router said" "r1|true|shop-main|7.11.2 (stable)|0|$FA|false" \
    "$(jq -r '[.router, .ok, .identity, .version, .users, .hostkey, .pinned_now] | map(tostring) | join("|")' <<<"$OUT")"
t_match "router test: timed" '^[0-9]+$' "$(jq -r .ms <<<"$OUT")"
w router maintenance r1 on --json
json "router maintenance on" '{"router":"r1","maintenance":true}'
w router maintenance r1 off --json
json "router maintenance off" '{"router":"r1","maintenance":false}'
w router sync r1 --json
json "router sync" '{"router":"r1","full":false,"dry_run":false}'
w router sync r1 --full --dry-run --json
json "router sync --full --dry-run: the strays" '{"router":"r1","full":true,"dry_run":true,"marked":0,"strays":[]}'
w router add r2 --host 127.0.0.1 --port "$P1" --user wispsim --key "$SIM_KEY" --driver routeros --accept-new-hostkey --json
json "router add, key at first use" '{"router":"r2","added":true,"hostkey_pinned":false}'
w router remove r2 --json
json "router remove" '{"router":"r2","removed":true}'

# --- sessions: kick -------------------------------------------------------------
w voucher create --plan 1h --count 2 --router r1 --json
B=$(jq -r .batch_id <<<"$OUT")
w worker --once
C3=$(sql "SELECT code FROM vouchers WHERE batch_id = $B ORDER BY serial LIMIT 1")
sim_admin r1 login "$C3" aa:bb:cc:00:00:03 10.5.50.12
w worker --once
SID=$(sql "SELECT id FROM sessions WHERE username = '$C3' AND state = 'active'")
w session kick "$SID" --json
JOB=$(sql "SELECT max(id) FROM router_jobs")
json "session kick" "{\"session_id\":$SID,\"job_id\":$JOB,\"state\":\"queued\"}"
w session list --json
t_eq "session list --json: numbers, not text" "$C3|number" "$(jq -r '.[0] | "\(.user)|\(.uptime_s | type)"' <<<"$OUT")"

# --- a command without a result, a failure -------------------------------------
w worker --once --json
t_eq "worker has no result: --json refused" 2 "$RC"
t_contains "says so" "unknown flag --json for \`wisp worker\`" "$ERR"
w voucher sell "$C1" --json
t_eq "a failed command: exit 1" 1 "$RC"
t_eq "a failed command prints no JSON" "" "$OUT"
