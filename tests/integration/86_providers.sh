#!/usr/bin/env bash
# Provider products against a provider stub (tests/sim/provider.py) over real
# HTTP on loopback: dispatch with an Idempotency-Key and a token, status checks
# on the configured schedule (short numbers here; the schedule itself is
# unit-tested on a controllable clock), and every way a provider goes wrong:
# slow, 5xx, malformed JSON, 4xx, a failure it reports, never finishing.
. "$(dirname "$0")/../lib.sh"
port=$(for p in $(seq 18000 18100); do (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; break; }; done)
TOKEN=tok-$RANDOM$RANDOM
/usr/bin/python3 tests/sim/provider.py "$port" "$TOKEN" &
STUB=$!
trap 'kill $STUB 2>/dev/null' EXIT
for _ in $(seq 50); do curl -s "http://127.0.0.1:$port/stats" >/dev/null && break; sleep 0.1; done

mkdir -p "$XDG_CONFIG_HOME/wisp"
cat >"$XDG_CONFIG_HOME/wisp/config.json" <<EOF
{"providers": {"acme": {"url": "http://127.0.0.1:$port/", "token_env": "ACME_TOKEN",
  "http_timeout_s": 1, "first_check_s": 1, "backoff_base_s": 1, "backoff_max_s": 2,
  "max_checks": 4, "timeout_s": 12, "sweep_s": 3}}}
EOF
export ACME_TOKEN=$TOKEN
w config show
t_contains "config show names the provider, not its token" "providers.acme = http://127.0.0.1:$port/ (token from \$ACME_TOKEN)" "$OUT"
t_not_contains "config show never prints the token" "$TOKEN" "$OUT"

w db migrate
for p in ok instant slow flaky malformed garbage reject failed never; do
    w order add --product "$p" --customer "c-$p" --provider acme --extra "player=$p"
done
w order add --product ok --customer c-nosuch --provider nosuch
t_eq "provider orders taken" 10 "$(sql "SELECT count(*) FROM orders WHERE status = 'pending'")"

"$WISP" worker --interval 1 >"$T/worker.log" 2>&1 &
W=$!
for _ in $(seq 200); do
    [ "$(sql "SELECT count(*) FROM orders WHERE status IN ('pending', 'sent', 'processing') AND provider = 'acme'")" = 0 ] && break
    sleep 0.1
done
kill -TERM "$W"
wait "$W"
st() { sql "SELECT status || '|' || coalesce(pin, '') || '|' || coalesce(last_error, '') FROM orders WHERE customer = 'c-$1'"; }

t_match "ok: completed with the provider's PIN" '^completed\|PIN-R[0-9]+\|$' "$(st ok)"
t_match "ok: its reference recorded" '^R[0-9]+$' "$(sql "SELECT provider_ref FROM orders WHERE customer = 'c-ok'")"
t_eq "ok: checked on the schedule (twice)" 2 "$(sql "SELECT checks FROM orders WHERE customer = 'c-ok'")"
t_match "instant: completed at dispatch" '^completed\|PIN-' "$(st instant)"
t_match "slow: completed after its timed-out dispatch" '^completed\|PIN-' "$(st slow)"
t_match "flaky: completed after a 503" '^completed\|PIN-' "$(st flaky)"
t_match "malformed: completed after a malformed answer" '^completed\|PIN-' "$(st malformed)"
stats=$(curl -s "http://127.0.0.1:$port/stats")
for p in slow flaky malformed; do
    key=$(sql "SELECT idempotency_key FROM orders WHERE customer = 'c-$p'")
    t_ok "$p: dispatched more than once" test "$(jq -r --arg k "$key" '.by_key[$k]' <<<"$stats")" -ge 2
done
t_eq "retried dispatches never ordered twice (one order per key)" \
    "$(sql "SELECT count(*) FROM orders WHERE provider = 'acme' AND provider_ref IS NOT NULL")" "$(jq .orders <<<"$stats")"
t_match "reject (4xx): failed with the provider's message" '^failed\|\|.*unknown product' "$(st reject)"
t_match "failed: the provider's reason" '^failed\|\|out of stock at the provider' "$(st failed)"
t_match "never: failed on the timeout" '^failed\|\|timeout' "$(st never)"
t_match "garbage: failed, the malformed answer recorded" '^failed\|\|.*not the answer the protocol says' "$(st garbage)"
t_ok "garbage: it was retried, not given up at once" test "$(sql "SELECT attempts FROM orders WHERE customer = 'c-garbage'")" -ge 3
t_match "unconfigured provider: pending, saying why" '^pending\|\|no provider named "nosuch"' "$(st nosuch)"
t_not_contains "the token never reaches the log" "$TOKEN" "$(cat "$T/worker.log")"
t_not_contains "nor the database" "$TOKEN" "$(sql "SELECT string_agg(coalesce(last_error, ''), ' ') FROM orders")"
t_eq "a finished order is audited once" 1 "$(sql "SELECT count(*) FROM audit WHERE action = 'order.complete' AND details->>'order' = (SELECT id::text FROM orders WHERE customer = 'c-ok')")"

# A bad token is a 4xx: failed with the reason.
ACME_TOKEN=wrong w order add --product ok --customer c-badtoken --provider acme
ACME_TOKEN=wrong w worker --once
t_match "wrong token: refused" '^failed\|\|.*bad token' "$(st badtoken)"

# Two workers over 500 orders, half plan products, half provider products,
# one killed mid-run: every order completed exactly once.
w plan add 1h --price 1 --duration 1h
w voucher create --plan 1h --count 300
before=$(curl -s "http://127.0.0.1:$port/stats" | jq .orders)
sql "INSERT INTO orders (product, customer, provider)
     SELECT CASE WHEN g % 2 = 0 THEN '1h' WHEN g % 4 = 1 THEN 'ok' ELSE 'instant' END, 'mix-' || g,
            CASE WHEN g % 2 = 0 THEN NULL ELSE 'acme' END
     FROM generate_series(1, 500) g" >/dev/null
"$WISP" worker --interval 1 >"$T/m1.log" 2>&1 &
M1=$!
"$WISP" worker --interval 1 >"$T/m2.log" 2>&1 &
M2=$!
for _ in $(seq 100); do
    [ "$(sql "SELECT count(*) FROM orders WHERE customer LIKE 'mix-%' AND status = 'completed'")" -gt 50 ] && break
    sleep 0.05
done
kill -KILL "$M1"
wait "$M1" 2>/dev/null
"$WISP" worker --interval 1 >"$T/m3.log" 2>&1 &
M3=$!
for _ in $(seq 600); do
    [ "$(sql "SELECT count(*) FROM orders WHERE customer LIKE 'mix-%' AND status <> 'completed'")" = 0 ] && break
    sleep 0.1
done
kill -TERM "$M2" "$M3"
wait "$M2" "$M3"
t_eq "mixed 500: all completed" 500 "$(sql "SELECT count(*) FROM orders WHERE customer LIKE 'mix-%' AND status = 'completed'")"
t_eq "mixed 500: plan orders on distinct sold vouchers" "250|250|250" \
    "$(sql "SELECT count(*) || '|' || count(DISTINCT o.voucher_id) || '|' || count(*) FILTER (WHERE v.status = 'sold')
            FROM orders o JOIN vouchers v ON v.id = o.voucher_id WHERE o.customer LIKE 'mix-%'")"
after=$(curl -s "http://127.0.0.1:$port/stats" | jq .orders)
t_eq "mixed 500: the provider got each of its 250 orders once" 250 $((after - before))
t_eq "mixed 500: one completion audited per order" 500 \
    "$(sql "SELECT count(*) FROM audit a JOIN orders o ON a.details->>'order' = o.id::text WHERE a.action = 'order.complete' AND o.customer LIKE 'mix-%'")"

# Bad provider settings are one line naming the key.
cat >"$XDG_CONFIG_HOME/wisp/config.json" <<EOF
{"providers": {"acme": {"url": "ftp://x", "token_env": "ACME_TOKEN"}}}
EOF
w order list
t_eq "bad provider url refused" 2 "$RC"
t_contains "naming the key" 'key "providers.acme.url": expected an http:// or https:// URL' "$ERR"
cat >"$XDG_CONFIG_HOME/wisp/config.json" <<EOF
{"providers": {"acme": {"url": "http://x", "speed": 3}}}
EOF
w order list
t_contains "unknown provider key" 'key "providers.acme.speed": unknown key' "$ERR"
