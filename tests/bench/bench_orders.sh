#!/usr/bin/env bash
# bench_orders.sh - fulfilment throughput of plan products (issue 5): N
# pending orders for a plan with stock, fulfilled by one `wisp worker --once`,
# then by two started together; orders per second over the whole commands
# (process start and connection included). One transaction per order, so
# this is what "exactly once" costs. Run by tests/bench/run.sh with the
# private servers up and WISP_DB set.
set -euo pipefail
cd "$(dirname "$0")/../.."
WISP=${WISP:-bin/wisp}
RUNS=${RUNS:-5}
N=${ORDERS:-5000}
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
now() { date +%s.%N; }
"$WISP" plan add ob --price 1 --duration 1h >/dev/null 2>&1 || true
"$WISP" voucher create --plan ob --count $((N * (2 * RUNS + 1))) >/dev/null
orders() { psql -XAtq -c "INSERT INTO orders (product, customer) SELECT 'ob', 'b' || g FROM generate_series(1, $N) g"; }
left() { psql -XAtq -c "SELECT count(*) FROM orders WHERE status = 'pending'"; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
for workers in 1 2; do
    : >"$dir/t$workers"
    for _ in $(seq "$RUNS"); do
        orders
        t0=$(now)
        for _ in $(seq "$workers"); do "$WISP" worker --once 2>/dev/null & done
        wait
        t1=$(now)
        [ "$(left)" = 0 ] || { echo "bench: orders left pending" >&2; exit 1; }
        echo "$N / ($t1 - $t0)" | bc -l >>"$dir/t$workers"
    done
    printf 'bench: plan orders fulfilled from stock, %d worker%s: median %.0f orders/s (%d orders a run)\n' \
        "$workers" "$([ "$workers" = 1 ] || echo s)" "$(median <"$dir/t$workers")" "$N"
done
dup=$(psql -XAtq -c "SELECT count(*) FROM (SELECT voucher_id FROM orders GROUP BY 1 HAVING count(*) > 1) d")
[ "$dup" = 0 ] || { echo "bench: a voucher sold twice" >&2; exit 1; }
