#!/usr/bin/env bash
# bench_notify.sh - issue 17, notifications: the time from an order's
# completion to the customer's message arriving at a local receiver, by
# email (tests/tools/smtp_receiver.py) and by an SMS-like HTTP channel
# (tests/tools/http_receiver.py), one order at a time with one worker
# running (--interval 10: the message must not wait for a tick); median
# over RUNS orders: plan orders from stock, then provider orders completed by
# the provider simulator (tests/sim/provider.py, product "instant"). Target: under 2 s. Completion is the order's
# completed_at (its transaction's start, so the figure errs high), arrival
# the receiver's wall clock. Then messages per second: EVENTS owner alerts
# written in one transaction, until the receiver has them all.
# Run by tests/bench/run.sh (private PostgreSQL, PGDATABASE/WISP_DB set).
set -euo pipefail
cd "$(dirname "$0")/../.."
WISP=${WISP:-bin/wisp}
RUNS=${RUNS:-7}
EVENTS=${EVENTS:-1000}
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
now() { date +%s.%N; }
freeport() { for p in $(seq "$1" $(($1 + 200))); do (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }; done; }
dir=$(mktemp -d /tmp/wisp-bench-notify.XXXXXX)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null; rm -rf "$dir"' EXIT INT TERM
sp=$(freeport 19400)
hp=$(freeport 19700)
pp=$(freeport 19900)
/usr/bin/python3 tests/sim/provider.py "$pp" "" &
pids+=($!)
export XDG_CONFIG_HOME=$dir/config
mkdir -p "$XDG_CONFIG_HOME/wisp"
echo "{\"providers\": {\"sim\": {\"url\": \"http://127.0.0.1:$pp/\", \"http_timeout_s\": 2}}}" \
    >"$XDG_CONFIG_HOME/wisp/config.json"
/usr/bin/python3 tests/tools/smtp_receiver.py --port "$sp" --log "$dir/mail.log" --seconds 1800 &
pids+=($!)
/usr/bin/python3 tests/tools/http_receiver.py --port "$hp" --log "$dir/http.log" &
pids+=($!)
for p in "$sp" "$hp" "$pp"; do
    for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && break; sleep 0.1; done
done
touch "$dir/mail.log" "$dir/http.log"

"$WISP" plan add nb --price 1 --duration 1h >/dev/null
"$WISP" voucher create --plan nb --count $((RUNS + 10)) >/dev/null
"$WISP" notify channel add mail --kind smtp --spec "{\"url\": \"smtp://127.0.0.1:$sp\", \"from\": \"shop@example.com\"}" >/dev/null
"$WISP" notify channel add sms --kind http --spec "{\"url\": \"http://127.0.0.1:$hp/sms\", \"body\": \"to={to}&text={text}\", \"body_type\": \"form\"}" >/dev/null
"$WISP" notify rule add --event order.completed --channel mail --to customer >/dev/null
"$WISP" notify rule add --event order.completed --channel sms --to customer >/dev/null
"$WISP" worker --interval 10 >"$dir/worker.log" 2>&1 &
pids+=($!)
sleep 1

# wait_lines FILE N: until FILE has N lines (30 s at most)
wait_lines() {
    for _ in $(seq 3000); do [ "$(wc -l <"$1")" -ge "$2" ] && return 0; sleep 0.01; done
    echo "bench: $1 never got $2 lines" >&2
    return 1
}
: >"$dir/lat_mail"
: >"$dir/lat_sms"
sent=0
# one_order KIND ADD-ARGS...: an order, then the latencies of its two messages
one_order() {
    local c=$1
    shift
    "$WISP" order add --customer "$c" "$@" >/dev/null
    sent=$((sent + 1))
    wait_lines "$dir/mail.log" "$sent"
    wait_lines "$dir/http.log" "$sent"
    done_at=$(psql -XAtq -c "SELECT extract(epoch FROM completed_at) FROM orders WHERE customer = '$c'")
    echo "$(tail -1 "$dir/mail.log" | jq .t) - $done_at" | bc -l >>"$dir/lat_mail"
    echo "$(tail -1 "$dir/http.log" | jq .t) - $done_at" | bc -l >>"$dir/lat_sms"
}
report() {
    printf 'bench: %s completed to the customer'"'"'s email at the receiver: median %.3f s over %d orders (target < 2 s)\n' \
        "$1" "$(median <"$dir/lat_mail")" "$RUNS"
    printf 'bench: %s completed to the customer'"'"'s SMS (HTTP) at the receiver: median %.3f s over %d orders (target < 2 s)\n' \
        "$1" "$(median <"$dir/lat_sms")" "$RUNS"
    : >"$dir/lat_mail"
    : >"$dir/lat_sms"
}
for i in $(seq "$RUNS"); do one_order "c$i@example.com" --product nb; done
report "plan order"
for i in $(seq "$RUNS"); do one_order "p$i@example.com" --product instant --provider sim; done
report "provider order"

"$WISP" notify rule add --event stock.low --channel sms --to 424242 >/dev/null
before=$(wc -l <"$dir/http.log")
t0=$(now)
psql -XAtq -c "SELECT count(wisp_outbox_emit('stock.low', jsonb_build_object('plan', 'p' || g, 'unsold', 1, 'low_stock', 5)))
               FROM generate_series(1, $EVENTS) g" >/dev/null
wait_lines "$dir/http.log" $((before + EVENTS))
t1=$(now)
printf 'bench: owner alerts delivered to a local HTTP receiver: %.0f messages/s (%d in one transaction, one worker)\n' \
    "$(echo "$EVENTS / ($t1 - $t0)" | bc -l)" "$EVENTS"
