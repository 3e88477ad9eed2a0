# radius.sh - FreeRADIUS for the tests and the benchmark (bash; source it).
#
#   radius_start DIR LOG [debug]  run `freeradius -d DIR` in the background,
#                 in a process group of its own, until it logs "Ready to
#                 process requests" (10 s at most); debug: -X (one thread,
#                 every request in LOG), else -f -l stdout (threaded). As
#                 root it runs as nobody (DIR handed to it), with the
#                 postgres group for the private PostgreSQL's socket
#                 (tests/tools/services.sh); otherwise as the caller.
#   radius_stop   end it (its whole process group) and wait; safe twice.
# RADIUS_PID holds its process (group) id while it runs.

RADIUS_PID=

radius_start() {
    local dir=$1 log=$2 mode=${3:-} flags=(-f -l stdout) run=()
    [ "$mode" = debug ] && flags=(-X)
    if [ "$(id -u)" -eq 0 ]; then
        chown -R nobody:nogroup "$dir"
        run=(setpriv --reuid=nobody --regid=nogroup --groups="$(id -gn postgres)")
    fi
    setsid "${run[@]}" freeradius "${flags[@]}" -d "$dir" >"$log" 2>&1 </dev/null &
    RADIUS_PID=$!
    for _ in $(seq 100); do
        grep -q 'Ready to process requests' "$log" 2>/dev/null && return 0
        kill -0 "$RADIUS_PID" 2>/dev/null || break
        sleep 0.1
    done
    echo "radius: freeradius did not start; its log ends:" >&2
    tail -n 15 "$log" >&2
    radius_stop
    return 1
}

radius_stop() {
    [ -n "$RADIUS_PID" ] || return 0
    kill -TERM -- "-$RADIUS_PID" 2>/dev/null || true
    for _ in $(seq 50); do
        kill -0 "$RADIUS_PID" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL -- "-$RADIUS_PID" 2>/dev/null || true
    wait "$RADIUS_PID" 2>/dev/null || true
    RADIUS_PID=
}

# The NAS side, for the tests that play a router with radclient:
#   radius_udp_ports N    the first of N free consecutive UDP ports on loopback
#   radius_send CMD PORT SECRET LINES...   one packet (radclient -x); the
#                 reply in RAD, radclient's status in RADRC
#   radius_reply_attr NAME    NAME's value in the reply in RAD ("" if absent)
#   radius_reply_names        the reply's attribute names, sorted, on one line
radius_udp_ports() {
    python3 - "$1" <<'PY'
import random, socket, sys
n = int(sys.argv[1])
for _ in range(200):
    base = random.randrange(30000, 39000)
    socks = []
    try:
        for p in range(base, base + n):
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind(("127.0.0.1", p))
            socks.append(s)
        print(base)
        break
    except OSError:
        pass
    finally:
        for s in socks:
            s.close()
PY
}

radius_send() {
    local cmd=$1 port=$2 secret=$3
    shift 3
    RAD=$(printf '%s\n' "$@" | radclient -x -r 2 -t 3 "127.0.0.1:$port" "$cmd" "$secret" 2>&1)
    RADRC=$?
}

radius_reply_attr() {
    sed -n '/^Received /,$p' <<<"$RAD" | sed -n "s/^[[:space:]]*$1 = //p" | head -n 1 | tr -d '"'
}

radius_reply_names() {
    sed -n '/^Received /,$p' <<<"$RAD" | sed -n 's/^[[:space:]]*\([A-Za-z-]*\) = .*/\1/p' | sort | tr '\n' ' '
}
