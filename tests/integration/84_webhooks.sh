#!/usr/bin/env bash
# Webhooks (migration 019, src/webhook.c) against local HTTP receivers
# (tests/tools/http_receiver.py, which only records): signatures verify
# (checked here with python's hmac), retries follow the schedule (scaled
# down by the webhooks.* keys), a 4xx is not retried, deliveries given up
# in a row disable a webhook, a 410 disables at once, a receiver down then
# up gets every event exactly once by idempotency id, nothing is lost
# across a worker kill -9, redeliver, `wisp doctor`'s lines, and secrets
# never in deliveries, attempts, logs, lists or the audit; a cashier and a
# viewer refused through the CLI and psql. The worker runs as a wisp_worker
# login role.
. "$(dirname "$0")/../lib.sh"
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
}
trap cleanup EXIT
free_port() { /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# receiver NAME ARGS...: start one on a free port; its port in PORT_NAME, its pid in RPID_NAME
receiver() {
    local name=$1 port
    shift
    rm -f "$T/$name.port"
    /usr/bin/python3 tests/tools/http_receiver.py --log "$T/$name.log" --port-file "$T/$name.port" "$@" &
    pids+=($!)
    printf -v "RPID_$name" %s "$!"
    for _ in $(seq 100); do [ -s "$T/$name.port" ] && break; sleep 0.05; done
    port=$(cat "$T/$name.port")
    printf -v "PORT_$name" %s "$port"
}
# reqs NAME: requests the receiver NAME got
reqs() { [ -f "$T/$1.log" ] && wc -l <"$T/$1.log" || echo 0; }
# wait_for SECONDS 'TEST': until the shell test TEST (evaluated each time) holds
wait_for() {
    local n=$(($1 * 20))
    for _ in $(seq "$n"); do eval "$2" && return 0; sleep 0.05; done
    return 1
}
worker_start() {
    PGPASSWORD=work-pw WISP_DB="dbname=$PGDATABASE user=wh_work" "$WISP" worker --interval 1 \
        >>"$T/worker.log" 2>&1 &
    WPID=$!
    pids+=("$WPID")
}
# in_state HOOKS STATE: deliveries of the webhooks (ids, comma-separated) in STATE ("!x": not in x)
in_state() {
    local op="=" st=$2
    [ "${st#!}" != "$st" ] && op="<>" st=${st#!}
    sql "SELECT count(*) FROM webhook_deliveries WHERE webhook_id IN ($1) AND state $op '$st'"
}
emit() { sql "SELECT wisp_outbox_emit('$1', '${2:-{\}}')" >/dev/null; }

mkdir -p "$XDG_CONFIG_HOME/wisp"
cat >"$XDG_CONFIG_HOME/wisp/config.json" <<'EOF'
{"webhooks": {"timeout": "2s", "backoff": "1s", "max_wait": "4s", "attempts": 4, "disable_at": 3}}
EOF
chmod 600 "$XDG_CONFIG_HOME/wisp/config.json"
w db migrate
mkrole wh_admin admin-pw wisp_admin
mkrole wh_cash cash-pw wisp_operator
mkrole wh_view view-pw wisp_viewer
mkrole wh_work work-pw wisp_worker
as() { PGPASSWORD=$2 psql -XAtq -v ON_ERROR_STOP=1 -U "$1" -c "$3" 2>&1; }
sql "SELECT wisp_plan_add('1h', 1.50, 3600, NULL, NULL, 86400, NULL, NULL, false, NULL)" >/dev/null
w voucher create --plan 1h --count 400

# --- add: checks, and the secret shown once ---------------------------------------
w_as wh_admin admin-pw webhook add ftp://example.com/x --events voucher.sold
t_eq "not http(s): usage" 2 "$RC"
w_as wh_admin admin-pw webhook add http://user:pw@example.com/x --events voucher.sold
t_eq "credentials in the URL: usage" 2 "$RC"
t_contains "... says why" "signature" "$ERR"
w_as wh_admin admin-pw webhook add http://example.com/x --events voucher.sould
t_eq "an unknown event kind refused" 1 "$RC"
t_contains "... naming it and the kinds" 'unknown event "voucher.sould": one of voucher.sold' "$ERR"
w_as wh_admin admin-pw webhook add http://example.com/x
t_eq "no --events: usage" 2 "$RC"
w_as wh_cash cash-pw webhook add http://example.com/x --events voucher.sold
t_eq "a cashier may not add a webhook" 1 "$RC"
t_contains "... the database says so" "permission denied" "$ERR"
t_eq "refusals added nothing" 0 "$(sql "SELECT count(*) FROM webhooks")"

receiver A --port 0
w_as wh_admin admin-pw webhook add "http://127.0.0.1:$PORT_A/hook" --events voucher.sold,order.completed --json
t_eq "add exits 0" 0 "$RC"
HA=$(jq -r .webhook_id <<<"$OUT") SA=$(jq -r .secret <<<"$OUT")
t_match "a secret drawn for it, 64 hex digits" '^[0-9a-f]{64}$' "$SA"
# A answers with its own secret and 2000 bytes more: stored hidden and cut
{ printf 'echo %s ' "$SA"; head -c 2000 /dev/zero | tr '\0' x; } >"$T/A.reply"
kill "$RPID_A" && wait "$RPID_A" 2>/dev/null
receiver A --port "$PORT_A" --reply-file "$T/A.reply"

printf 'b-secret-%s\n' "$RANDOM$RANDOM$RANDOM" >"$T/b.secret"
SB=$(head -1 "$T/b.secret")
chmod 644 "$T/b.secret"
w_as wh_admin admin-pw webhook add http://127.0.0.1:1/x --events router.down --secret-file "$T/b.secret"
t_eq "a secret file others may read: refused" 1 "$RC"
t_contains "... with the chmod that fixes it" "chmod 600" "$ERR"
chmod 600 "$T/b.secret"
receiver B --port 0 --status 503,503,200
w_as wh_admin admin-pw webhook add "http://127.0.0.1:$PORT_B/b" --events router.down --secret-file "$T/b.secret"
t_eq "add with --secret-file" 0 "$RC"
t_not_contains "... its secret not printed" "$SB" "$OUT"
HB=$(sql "SELECT max(id) FROM webhooks")
receiver C --port 0 --status 400
w_as wh_admin admin-pw webhook add "http://127.0.0.1:$PORT_C/c" --events router.up
HC=$(sql "SELECT max(id) FROM webhooks")
receiver D --port 0 --status 410
w_as wh_admin admin-pw webhook add "http://127.0.0.1:$PORT_D/d" --events order.failed
HD=$(sql "SELECT max(id) FROM webhooks")
PORT_E=$(free_port)
w_as wh_admin admin-pw webhook add "http://127.0.0.1:$PORT_E/e" --events stock.low
HE=$(sql "SELECT max(id) FROM webhooks")
SC=$(sql "SELECT secret FROM webhooks WHERE id = $HC") SD=$(sql "SELECT secret FROM webhooks WHERE id = $HD")
SE=$(sql "SELECT secret FROM webhooks WHERE id = $HE")

# --- delivered and signed --------------------------------------------------------------
codes=$(sql "SELECT string_agg(code, ' ') FROM (SELECT code FROM vouchers ORDER BY id LIMIT 3) c")
for c in $codes; do w_as wh_cash cash-pw voucher sell "$c"; done
emit voucher.activated '{"code": "x"}' # nobody subscribes to it
worker_start
wait_for 20 '[ "$(reqs A)" -ge 3 ]'
sleep 0.5
t_eq "three sales, three requests" 3 "$(reqs A)"
verify() { # verify LOG SECRET HOOK: every request's signature, headers and body
    /usr/bin/python3 - "$1" "$2" "$3" <<'PY'
import hashlib, hmac, json, re, sys
log, secret, hook = sys.argv[1], sys.argv[2].encode(), sys.argv[3]
bad = []
for line in open(log):
    r = json.loads(line)
    h, body = r["headers"], r["body"]
    m = re.fullmatch(r"t=(\d+),v1=([0-9a-f]{64})", h.get("Wisp-Signature", ""))
    if not m:
        bad.append("no signature"); continue
    want = hmac.new(secret, (m.group(1) + "." + body).encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(want, m.group(2)):
        bad.append("signature does not verify")
    if abs(int(m.group(1)) - r["t"]) > 60:
        bad.append("timestamp far from now")
    ev = json.loads(body)
    if h.get("Wisp-Event") != ev.get("kind"):
        bad.append("Wisp-Event is not the body's kind")
    if h.get("Wisp-Delivery") != "wd_%d_%s" % (ev["id"], hook):
        bad.append("Wisp-Delivery is not wd_<event>_<webhook>: " + h.get("Wisp-Delivery", ""))
    if not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", ev.get("at", "")):
        bad.append("no ISO-8601 UTC at")
    if h.get("Content-Type") != "application/json" or r["method"] != "POST":
        bad.append("not a JSON POST")
print("ok" if not bad else "; ".join(sorted(set(bad))))
PY
}
t_eq "signatures verify, headers name the event and delivery" ok "$(verify "$T/A.log" "$SA" "$HA")"
t_eq "a wrong secret does not verify" "signature does not verify" "$(verify "$T/A.log" "not-$SA" "$HA")"
# (the three are sent at once: they may arrive in any order)
t_eq "the body is the event's payload with id, kind and at" \
    "$(for c in $codes; do echo "voucher.sold $c 1h wh_cash"; done | sort | paste -sd'|')" \
    "$(jq -r '.body | fromjson | "\(.kind) \(.code) \(.plan) \(.sold_by)"' "$T/A.log" | sort | paste -sd'|')"
t_contains "... the price as the database has it" '"price": 1.50' "$(head -1 "$T/A.log" | jq -r .body)"
t_eq "delivered, one try each, HTTP 200" "delivered 1 200|delivered 1 200|delivered 1 200" \
    "$(sql "SELECT string_agg(state || ' ' || attempts || ' ' || last_status, '|') FROM webhook_deliveries WHERE webhook_id = $HA")"
t_eq "no delivery of a kind nobody wants" 0 \
    "$(sql "SELECT count(*) FROM webhook_deliveries d JOIN outbox_events e ON e.id = d.event_id WHERE e.kind = 'voucher.activated'")"
t_eq "the reply kept: at most 512 bytes, the secret hidden" "t t f" \
    "$(sql "SELECT bool_and(octet_length(reply) <= 512), bool_and(reply LIKE 'echo **** x%'), bool_or(strpos(reply, '$SA') > 0)
            FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id WHERE d.webhook_id = $HA" | tr '|' ' ')"

# --- retries on the schedule: 503, 503, then 200, 1 s then 2 s apart --------------------
emit router.down '{"router": "r1", "error": "ssh: timeout"}'
wait_for 20 '[ "$(reqs B)" -ge 3 ]'
sleep 0.3
t_eq "B: three tries" 3 "$(reqs B)"
gaps=$(jq -s -r '[.[1].t - .[0].t, .[2].t - .[1].t] | map(. * 10 | round / 10) | join(" ")' "$T/B.log")
t_ok "B: 1 s then 2 s apart ($gaps)" /usr/bin/python3 -c "
import sys; a, b = map(float, '$gaps'.split())
sys.exit(0 if 0.9 <= a <= 1.8 and 1.9 <= b <= 2.9 else 1)"
t_eq "B: one idempotency id on every try" 1 "$(jq -r '.headers["Wisp-Delivery"]' "$T/B.log" | sort -u | wc -l)"
t_eq "B: every try recorded" "503,503,200 delivered" \
    "$(sql "SELECT string_agg(a.http_status::text, ',' ORDER BY a.id) || ' ' || min(d.state)
            FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id WHERE d.webhook_id = $HB")"
t_eq "B: signed with the secret from its file" ok "$(verify "$T/B.log" "$SB" "$HB")"

# --- a 4xx is not retried; three given up in a row disable ------------------------------
emit router.up '{"router": "r1"}'
wait_for 10 '[ "$(reqs C)" -ge 1 ]'
sleep 2.5
t_eq "C: a 400 is tried once" 1 "$(reqs C)"
t_eq "C: given up at once" "dead 1 400" \
    "$(sql "SELECT state || ' ' || attempts || ' ' || last_status FROM webhook_deliveries WHERE webhook_id = $HC")"
emit router.up '{"router": "r2"}'
emit router.up '{"router": "r3"}'
wait_for 10 '[ "$(sql "SELECT status FROM webhooks WHERE id = $HC")" = disabled ]'
t_eq "C: disabled after three given up in a row" "disabled|3 deliveries in a row given up (last: HTTP 400)" \
    "$(sql "SELECT status || '|' || disabled_reason FROM webhooks WHERE id = $HC")"
emit router.up '{"router": "r4"}'
sleep 1
t_eq "C: a disabled webhook gets nothing" "3 3" "$(reqs C) $(sql "SELECT count(*) FROM webhook_deliveries WHERE webhook_id = $HC")"

# --- 410 disables at once ----------------------------------------------------------------
emit order.failed '{"order_id": 9, "error": "no"}'
wait_for 10 '[ "$(sql "SELECT status FROM webhooks WHERE id = $HD")" = disabled ]'
t_eq "D: 410 Gone disables at once" "disabled|the receiver answered 410 Gone|dead 1" \
    "$(sql "SELECT w.status || '|' || w.disabled_reason || '|' || d.state || ' ' || d.attempts
            FROM webhooks w JOIN webhook_deliveries d ON d.webhook_id = w.id WHERE w.id = $HD")"
sleep 1.5
t_eq "D: not tried again" 1 "$(reqs D)"
t_contains "the worker logs the disabling" "webhook $HD disabled" "$(cat "$T/worker.log")"

w doctor
t_eq "doctor fails on disabled webhooks" 1 "$RC"
t_match "doctor: C's line" "fail +webhook $HC +http://127.0.0.1:$PORT_C/c is disabled: 3 deliveries in a row" "$OUT"
t_match "doctor: D's line" "fail +webhook $HD .* is disabled: the receiver answered 410 Gone" "$OUT"
t_not_contains "doctor: A is fine" "webhook $HA " "$OUT"

# --- a receiver down, then up: every event exactly once -------------------------------
for i in 1 2 3 4 5; do emit stock.low "{\"plan\": \"p$i\", \"unsold\": 1, \"low_stock\": 5}"; done
wait_for 10 '[ "$(in_state "$HE" failed)" = 5 ]'
t_eq "E down: the five wait to be tried again" "5 connection" \
    "$(sql "SELECT count(*) || ' ' || CASE WHEN bool_and(last_error LIKE '%onnect%') THEN 'connection' ELSE min(last_error) END
            FROM webhook_deliveries WHERE webhook_id = $HE AND last_status IS NULL")"
w doctor
t_match "doctor: E is failing" "fail +webhook $HE .* is failing: 5 deliveries to be tried again" "$OUT"
receiver E --port "$PORT_E"
wait_for 15 '[ "$(in_state "$HE" delivered)" = 5 ]'
sleep 1
t_eq "E up: five requests, five idempotency ids" "5 5" \
    "$(reqs E) $(jq -r '.headers["Wisp-Delivery"]' "$T/E.log" | sort -u | wc -l)"
t_eq "E: exactly the five deliveries" \
    "$(sql "SELECT string_agg(idempotency_id, ' ' ORDER BY idempotency_id) FROM webhook_delivery_list WHERE webhook_id = $HE")" \
    "$(jq -r '.headers["Wisp-Delivery"]' "$T/E.log" | sort | paste -sd' ')"
t_eq "E: signed" ok "$(verify "$T/E.log" "$SE" "$HE")"

# --- kill -9 mid-burst: nothing lost ------------------------------------------------------
# F answers after 0.3 s: 300 deliveries take ten rounds at least, and the
# worker is killed in the middle of them.
kill -TERM "$WPID" && wait "$WPID" 2>/dev/null
receiver F --port 0 --delay 0.3
w_as wh_admin admin-pw webhook add "http://127.0.0.1:$PORT_F/f" --events voucher.sold --json
HF=$(jq -r .webhook_id <<<"$OUT") SF=$(jq -r .secret <<<"$OUT")
sql "UPDATE vouchers SET status = 'sold' WHERE id IN (SELECT id FROM vouchers WHERE status = 'new' ORDER BY id LIMIT 300)" >/dev/null
t_eq "300 sales, 300 deliveries waiting for each of A and F" "300 300" \
    "$(sql "SELECT count(*) FILTER (WHERE webhook_id = $HA) || ' ' || count(*) FILTER (WHERE webhook_id = $HF)
            FROM webhook_deliveries WHERE state = 'pending'")"
worker_start
wait_for 20 '[ "$(reqs F)" -ge 40 ]'
kill -9 "$WPID"
wait "$WPID" 2>/dev/null
left=$(sql "SELECT count(*) FROM webhook_deliveries WHERE webhook_id = $HF AND state <> 'delivered'")
t_ok "killed mid-burst ($left of 300 not delivered yet)" test "$left" -gt 0
worker_start
wait_for 60 '[ "$(in_state "$HA,$HF" "!delivered")" = 0 ]'
t_eq "after the restart: all delivered (303 to A, 300 to F)" "303 300" \
    "$(sql "SELECT count(*) FILTER (WHERE webhook_id = $HA) || ' ' || count(*) FILTER (WHERE webhook_id = $HF)
            FROM webhook_deliveries WHERE state = 'delivered'")"
for h in A F; do
    hid=$([ $h = A ] && echo "$HA" || echo "$HF")
    t_eq "$h: every delivery reached the receiver (by idempotency id)" \
        "$(sql "SELECT string_agg(idempotency_id, ' ' ORDER BY idempotency_id) FROM webhook_delivery_list WHERE webhook_id = $hid")" \
        "$(jq -r '.headers["Wisp-Delivery"]' "$T/$h.log" | sort -u | paste -sd' ')"
    dups=$(($(reqs $h) - $(jq -r '.headers["Wisp-Delivery"]' "$T/$h.log" | sort -u | wc -l)))
    t_ok "$h: repeats only of the sends in flight at the kill ($dups)" test "$dups" -le 32
done
t_eq "A: all signed" ok "$(verify "$T/A.log" "$SA" "$HA")"
t_eq "F: all signed" ok "$(verify "$T/F.log" "$SF" "$HF")"

# --- redeliver ------------------------------------------------------------------------------
first=$(sql "SELECT min(id) FROM webhook_deliveries WHERE webhook_id = $HA")
fid=$(sql "SELECT idempotency_id FROM webhook_delivery_list WHERE id = $first")
w_as wh_cash cash-pw webhook redeliver "$first"
t_eq "a cashier may not redeliver" 1 "$RC"
n=$(reqs A)
w_as wh_admin admin-pw webhook redeliver "$first"
t_eq "redeliver exits 0" 0 "$RC"
wait_for 10 '[ "$(reqs A)" -gt "$n" ]'
t_eq "redelivered with the same idempotency id" "$fid" "$(tail -1 "$T/A.log" | jq -r '.headers["Wisp-Delivery"]')"
w_as wh_admin admin-pw webhook redeliver "$(sql "SELECT min(id) FROM webhook_deliveries WHERE webhook_id = $HC")"
t_eq "redeliver to a disabled webhook refused" 1 "$RC"
t_contains "... saying enable it first" "enable it first" "$ERR"
w_as wh_admin admin-pw webhook redeliver 999999
t_eq "no such delivery" 1 "$RC"

# --- enable, disable, list, remove ------------------------------------------------------------
w_as wh_admin admin-pw webhook enable "$HC"
t_eq "enable" "active 0" "$(sql "SELECT status || ' ' || failures FROM webhooks WHERE id = $HC")"
w_as wh_admin admin-pw webhook disable "$HE"
t_eq "disable" "disabled|disabled by wh_admin" "$(sql "SELECT status || '|' || disabled_reason FROM webhooks WHERE id = $HE")"
w_as wh_cash cash-pw webhook list
t_eq "a cashier lists webhooks" 0 "$RC"
t_contains "... with their state" "http://127.0.0.1:$PORT_D/d" "$OUT"
list_out=$OUT
w_as wh_cash cash-pw webhook deliveries --failed --json
t_eq "deliveries --failed: the dead ones" "dead dead dead dead" \
    "$(jq -r '[.[].state] | join(" ")' <<<"$OUT")"
deliveries_out=$OUT
w_as wh_cash cash-pw webhook deliveries --webhook "$HB"
t_match "deliveries --webhook: B's, a table" "^ *[0-9]+ +$HB +[0-9]+ +router.down +delivered +3 +200" "$OUT"
w_as wh_cash cash-pw webhook attempts "$(sql "SELECT min(id) FROM webhook_deliveries WHERE webhook_id = $HB")"
t_match "attempts: every try" "503.*503.*200" "$(tr '\n' ' ' <<<"$OUT")"
attempts_out=$OUT
t_eq "a cashier reads the attempts without the receivers' replies" "" \
    "$(w_as wh_cash cash-pw webhook attempts "$(sql "SELECT min(id) FROM webhook_deliveries WHERE webhook_id = $HA")" --json; jq -r '.[].reply // empty' <<<"$OUT")"
# A URL may carry a token: its query is masked for all but admins.
w_as wh_admin admin-pw webhook add "http://127.0.0.1:1/q?token=urltok123" --events stock.low --json
HQ=$(jq -r .webhook_id <<<"$OUT")
w_as wh_cash cash-pw webhook list
t_not_contains "a cashier does not see a URL's query" "urltok123" "$OUT"
t_contains "... masked" "http://127.0.0.1:1/q?****" "$OUT"
t_contains "psql: a cashier may not read the url column" "permission denied" \
    "$(as wh_cash cash-pw "SELECT url FROM webhooks")"
w_as wh_admin admin-pw webhook list
t_contains "an admin sees it whole" "http://127.0.0.1:1/q?token=urltok123" "$OUT"
w_as wh_admin admin-pw webhook remove "$HQ"
w_as wh_view view-pw webhook list
t_eq "a viewer may not list webhooks" 1 "$RC"
w_as wh_view view-pw webhook deliveries
t_eq "... nor deliveries" 1 "$RC"
w_as wh_admin admin-pw webhook remove "$HD"
t_eq "remove" "0 0" "$(sql "SELECT count(*) FROM webhooks WHERE id = $HD") $(sql "SELECT count(*) FROM webhook_deliveries WHERE webhook_id = $HD")"
w_as wh_admin admin-pw webhook remove "$HD"
t_eq "remove again: no such webhook" 1 "$RC"
t_eq "every change audited, as its author" "webhook.add wh_admin 7|webhook.auto_disable wh_work 2|webhook.disable wh_admin 1|webhook.enable wh_admin 1|webhook.redeliver wh_admin 1|webhook.remove wh_admin 2" \
    "$(sql "SELECT string_agg(action || ' ' || who || ' ' || n, '|' ORDER BY action) FROM
            (SELECT action, who, count(*) AS n FROM audit WHERE action LIKE 'webhook.%' GROUP BY 1, 2) a")"

# --- psql: the same refusals ------------------------------------------------------------------
t_contains "psql: a cashier may not read a secret" "permission denied" "$(as wh_cash cash-pw "SELECT secret FROM webhooks")"
t_contains "psql: a cashier may not add" "permission denied" \
    "$(as wh_cash cash-pw "SELECT wisp_webhook_add('http://x.example/', '{voucher.sold}', 'abcdefghijklmnopq')")"
t_contains "psql: a cashier may not claim deliveries (and their secrets)" "permission denied" \
    "$(as wh_cash cash-pw "SELECT * FROM wisp_webhook_claim('me', 10, 10)")"
t_contains "psql: an admin may not claim them either" "permission denied" \
    "$(as wh_admin admin-pw "SELECT * FROM wisp_webhook_claim('me', 10, 10)")"
t_contains "psql: a cashier may not mark a delivery delivered" "permission denied" \
    "$(as wh_cash cash-pw "UPDATE webhook_deliveries SET state = 'delivered'")"

# --- no worker delivering: doctor says so ------------------------------------------------------
kill -TERM "$WPID" && wait "$WPID" 2>/dev/null
emit router.down '{"router": "r9"}'
sql "UPDATE webhook_deliveries SET next_at = now() - interval '6 minutes' WHERE state = 'pending'" >/dev/null
w doctor
t_match "doctor: deliveries nobody takes" "fail +webhook $HB .* 1 deliveries due for more than 5 minutes and not sent: is a worker running as a wisp_worker role" "$OUT"

# --- secrets nowhere ----------------------------------------------------------------------------
everything="$(cat "$T/worker.log")
$list_out
$deliveries_out
$attempts_out
$(sql "SELECT row_to_json(d)::text FROM webhook_deliveries d")
$(sql "SELECT row_to_json(a)::text FROM webhook_attempts a")
$(sql "SELECT row_to_json(x)::text FROM audit x")
$(sql "SELECT row_to_json(x)::text FROM webhook_list x")
$(sql "SELECT row_to_json(x)::text FROM outbox_events x")
$(cat "$T"/[A-F].log)"
for s in "$SA" "$SB" "$SC" "$SE" "$SF"; do
    t_not_contains "no secret in records, logs, lists or requests (${s:0:6}...)" "$s" "$everything"
done
t_contains "the worker logged what it gave up" "given up after 1 tries: HTTP 400" "$(cat "$T/worker.log")"
t_not_contains "the worker's threads are sanitizer clean (asan pass)" "Sanitizer" "$(cat "$T/worker.log")"
