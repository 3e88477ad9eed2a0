#!/usr/bin/env bash
# make bench: the performance targets of the foundation, measured on this
# machine against a private PostgreSQL started for the run.
#
#   vouchers  10,000 vouchers in one batch (`wisp voucher create`, the whole
#             command) against PostgreSQL's own COPY of the same rows into an
#             identical table of the same server (psql \copy, the whole command).
#             Target: wisp at most 3x COPY.
#   console   idle CPU, full redraw, key to screen, memory (bench_console.sh)
#   sheets    a 1,000-voucher text, PDF and PostScript sheet (bench_sheet,
#             in-process, one core). Target: under 1 s each. Then 1,000
#             ESC/POS tickets with an ASCII and with an Arabic shop name
#             (raster lines), as a ratio.
#   routers   the worker over 50 simulated routers behind real sshd against a
#             sequential ssh loop, --once, and 1,000 vouchers pushed
#             (bench_routers.sh). Target: the cycle at least 10x the loop.
#   orders    plan orders fulfilled from stock by one and by two workers
#             (bench_orders.sh): orders per second.
#   parse     the router parsers on 10,000 and 100,000-line answers (bench_parse,
#             in-process, one core). Target: linear, 10x the lines within 30x
#             the time (quadratic is 100x).
#   metrics   a new session in the Sessions and Metrics panes, against one
#             worker interval + 1 s; the metrics path's events/s into Redis
#             (target 50,000) against redis-benchmark's XADD (bench_metrics.sh).
#   fleet     issue 12: the worker over 50 routers at once and with 1 s answers
#             against an OpenSSH ControlMaster loop (xargs -P8), 500 routers x
#             100 sessions on one worker at a 10 s interval (poll spacing, CPU
#             and SQL statements per poll), 2 and 3 workers sharing them by
#             leases and a kill -9's hand-over, vouchers pushed per second
#             (bench_fleet.sh; about 15 minutes; FLEET_RUNS cycles, default 3).
#   radius    issue 16: Access-Requests and accounting packets per second
#             through the real FreeRADIUS with wisp's queries against its stock
#             SQL schema on the same PostgreSQL (bench_radius.sh). Target: wisp
#             at least 1,000 authentications per second.
#   webhooks  issue 17: webhook events delivered per second by the worker to a
#             local receiver, and one event's latency from its commit to the
#             receiver (bench_webhooks.sh), against the receiver's own ceiling.
#   notify    issue 17: an order's completion to the customer's email and SMS
#             at local receivers (target under 2 s), and owner alerts per
#             second (bench_notify.sh).
#
# ONLY=NAME runs one of them (vouchers, console, sheets, parse, routers,
# orders, metrics, fleet, radius, webhooks, notify).
#
# Medians of RUNS runs (default 7). Output lines start with "bench:".
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${RUNS:-7}
WISP=${WISP:-bin/wisp}
. tests/tools/services.sh
dir=$(mktemp -d /tmp/wisp-bench.XXXXXX)
trap 'services_stop "$dir" >/dev/null 2>&1 || true; rm -rf "$dir"' EXIT INT TERM
services_start "$dir"
createdb wisp_bench
export PGDATABASE=wisp_bench WISP_DB="dbname=wisp_bench"

"$WISP" db migrate >/dev/null
ONLY=${ONLY:-}
want() { [ -z "$ONLY" ] || [ "$ONLY" = "$1" ]; }
"$WISP" plan add bench --price 1 --duration 1h >/dev/null

# own_db NAME: a part's own fresh database, so that what one part leaves (the
# 10,000-voucher batches above went to every router of the parts after it)
# cannot slow another
own_db() {
    createdb "$1"
    export PGDATABASE=$1 WISP_DB="dbname=$1"
    "$WISP" db migrate >/dev/null
}

now() { date +%s.%N; }
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

if want vouchers; then
# Warm up, and make the rows COPY will load: the same columns wisp writes.
"$WISP" voucher create --plan bench --count 10000 >/dev/null
psql -XAtq -c "\copy (SELECT 'c' || code, password, batch_id, serial, plan_id FROM vouchers WHERE batch_id = 1) TO '$dir/rows.tsv'"
psql -XAtq -c "CREATE TABLE copy_target (LIKE vouchers INCLUDING ALL)"

: >"$dir/wisp.t"; : >"$dir/copy.t"
for _ in $(seq "$RUNS"); do
    t0=$(now); "$WISP" voucher create --plan bench --count 10000 >/dev/null; t1=$(now)
    echo "$t1 - $t0" | bc -l >>"$dir/wisp.t"
    psql -XAtq -c "TRUNCATE copy_target"
    t0=$(now)
    psql -XAtq -c "\copy copy_target (code, password, batch_id, serial, plan_id) FROM '$dir/rows.tsv'"
    t1=$(now)
    echo "$t1 - $t0" | bc -l >>"$dir/copy.t"
done
w=$(median <"$dir/wisp.t"); c=$(median <"$dir/copy.t")
printf 'bench: voucher create 10000: median %.1f ms (wisp) vs %.1f ms (COPY), ratio %.2f (target <= 3)\n' \
    "$(echo "$w * 1000" | bc -l)" "$(echo "$c * 1000" | bc -l)" "$(echo "$w / $c" | bc -l)"

fi

if want console; then own_db wisp_bench_console; WISP=$WISP bash tests/bench/bench_console.sh; fi

if want sheets; then
    RUNS=$RUNS build/bench/bench_sheet
fi

if want parse; then
    RUNS=$RUNS build/bench/bench_parse
fi

if want routers; then own_db wisp_bench_routers; WISP=$WISP RUNS=$RUNS bash tests/bench/bench_routers.sh; fi

if want orders; then own_db wisp_bench_orders; WISP=$WISP RUNS=$RUNS bash tests/bench/bench_orders.sh; fi

if want metrics; then own_db wisp_bench_metrics; WISP=$WISP RUNS=$RUNS bash tests/bench/bench_metrics.sh; fi

if want radius; then own_db wisp_bench_radius; WISP=$WISP RUNS=${RADIUS_RUNS:-5} bash tests/bench/bench_radius.sh; fi

if want webhooks; then own_db wisp_bench_webhooks; WISP=$WISP RUNS=${WEBHOOK_RUNS:-5} bash tests/bench/bench_webhooks.sh; fi
if want notify; then own_db wisp_bench_notify; WISP=$WISP RUNS=$RUNS bash tests/bench/bench_notify.sh; fi

if want fleet; then
    t0=$SECONDS
    WISP=$WISP RUNS=${FLEET_RUNS:-3} bash tests/bench/bench_fleet.sh
    echo "bench: fleet took $((SECONDS - t0)) s"
fi
