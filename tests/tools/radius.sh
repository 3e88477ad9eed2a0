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
