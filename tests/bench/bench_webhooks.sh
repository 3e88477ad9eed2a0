#!/usr/bin/env bash
# bench_webhooks.sh - issue 17: webhook events delivered per second by the
# worker to a local receiver (tests/tools/http_receiver.py, a Python
# ThreadingHTTPServer on loopback): EVENTS events committed in one
# transaction (wisp_outbox_emit), timed from the commit until the last
# delivery is recorded delivered; and the latency of one event, from its
# transaction's time (outbox_events.created_at) to the receiver's clock on
# arrival, for LAT single events 0.2 s apart. Against the receiver's own
# ceiling: the same number of signed-sized POSTs from a Python client with
# 32 threads (what the receiver can take at all). Medians of RUNS runs.
# Run by tests/bench/run.sh (private PostgreSQL, PGDATABASE/WISP_DB set).
set -euo pipefail
cd "$(dirname "$0")/../.."
WISP=${WISP:-bin/wisp}
RUNS=${RUNS:-5}
EVENTS=${EVENTS:-2000}
LAT=${LAT:-20}
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
now() { date +%s.%N; }
dir=$(mktemp -d /tmp/wisp-bench-webhooks.XXXXXX)
pids=()
# the worker first (it says goodbye to PostgreSQL), then the receiver
stop_all() {
    for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
        kill "${pids[i]}" 2>/dev/null || true
        wait "${pids[i]}" 2>/dev/null || true
    done
    rm -rf "$dir"
}
trap stop_all EXIT INT TERM
/usr/bin/python3 tests/tools/http_receiver.py --port 0 --port-file "$dir/port" --log "$dir/recv.log" &
pids+=($!)
for _ in $(seq 100); do [ -s "$dir/port" ] && break; sleep 0.05; done
port=$(cat "$dir/port")
mkdir -p "$dir/config/wisp"
export XDG_CONFIG_HOME=$dir/config
"$WISP" webhook add "http://127.0.0.1:$port/bench" --events '*' >/dev/null
"$WISP" worker --interval 10 >"$dir/worker.log" 2>&1 &
pids+=($!)
delivered() { psql -XAtq -c "SELECT count(*) FROM webhook_deliveries WHERE state = 'delivered'"; }
sleep 1

: >"$dir/rate"
for _ in $(seq "$RUNS"); do
    base=$(delivered)
    t0=$(now)
    psql -XAtq -c "SELECT count(wisp_outbox_emit('stock.low', jsonb_build_object('plan', 'p' || i, 'unsold', i, 'low_stock', 5)))
                   FROM generate_series(1, $EVENTS) i" >/dev/null
    until [ "$(delivered)" -ge $((base + EVENTS)) ]; do sleep 0.02; done
    t1=$(now)
    echo "$EVENTS / ($t1 - $t0)" | bc -l >>"$dir/rate"
done
bad=$(psql -XAtq -c "SELECT count(*) FROM webhook_deliveries WHERE state <> 'delivered'")
[ "$bad" = 0 ] || { echo "bench: webhooks: $bad deliveries not delivered" >&2; exit 1; }

: >"$dir/recv.log"
for i in $(seq "$LAT"); do
    psql -XAtq -c "SELECT wisp_outbox_emit('router.down', '{\"router\": \"lat$i\"}')" >/dev/null
    sleep 0.2
done
until [ "$(wc -l <"$dir/recv.log")" -ge "$LAT" ]; do sleep 0.05; done
psql -XAtq -c "SELECT id, extract(epoch FROM created_at) FROM outbox_events WHERE kind = 'router.down'" |
    tr '|' ' ' >"$dir/created"
/usr/bin/python3 - "$dir/recv.log" "$dir/created" >"$dir/lat" <<'PY'
import json, sys
created = dict(line.split() for line in open(sys.argv[2]) if line.strip())
for line in open(sys.argv[1]):
    r = json.loads(line)
    ev = json.loads(r["body"])
    print("%.4f" % (r["t"] - float(created[str(ev["id"])])))
PY

# the receiver's ceiling: the same POSTs from 32 client threads
/usr/bin/python3 - "$port" "$EVENTS" "$RUNS" >"$dir/ceiling" <<'PY'
import http.client, sys, threading, time
port, n, runs = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
body = ('{"plan": "p1", "unsold": 1, "low_stock": 5, "id": 1, "kind": "stock.low", '
        '"at": "2026-01-01T00:00:00Z"}').encode()
for _ in range(runs):
    left = [n]
    lock = threading.Lock()
    def work():
        while True:
            with lock:
                if left[0] == 0:
                    return
                left[0] -= 1
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            c.request("POST", "/ceiling", body, {"Content-Type": "application/json",
                      "Wisp-Signature": "t=1,v1=" + "0" * 64})
            c.getresponse().read()
            c.close()
    t0 = time.time()
    th = [threading.Thread(target=work) for _ in range(32)]
    for t in th: t.start()
    for t in th: t.join()
    print(n / (time.time() - t0))
PY

printf 'bench: webhooks delivered (%d events in one transaction, one worker, to a local Python receiver): median %.0f events/s vs the receiver ceiling %.0f POSTs/s from 32 Python client threads\n' \
    "$EVENTS" "$(median <"$dir/rate")" "$(median <"$dir/ceiling")"
printf 'bench: webhook latency (event committed -> at the receiver, %d single events): median %.0f ms, max %.0f ms\n' \
    "$LAT" "$(awk '{print $1 * 1000}' "$dir/lat" | median)" "$(awk '{print $1 * 1000}' "$dir/lat" | sort -g | tail -1)"
printf 'bench: webhooks runs: events/s %s\n' "$(tr '\n' ' ' <"$dir/rate" | xargs printf '%.0f ')"
