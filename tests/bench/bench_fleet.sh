#!/usr/bin/env bash
# bench_fleet.sh - issue 12's targets: the worker over a fleet of simulated
# RouterOS routers behind real OpenSSH sshd servers on loopback, each
# comparison side by side in one run (`ONLY=fleet make bench`).
#
#   fifty   50 routers x 10 sessions answering at once: a running worker's
#           steady cycle (`wisp worker --interval 0 --cycles`, the cycles after
#           the first two: the first connects and pushes, the second records
#           the first logins) against an OpenSSH ControlMaster loop (masters
#           opened first; each cycle the worker's own poll command, taken from
#           the simulator's commands.log, over the 50, 8 at a time with xargs
#           -P8). Target: the worker no slower than the loop.
#   slow    the same 50 answering every command 1 s late (routersim `delay`),
#           the same two. Target: the worker at least 3x faster.
#   big     500 routers x 100 sessions on ONE worker at --interval 10: the
#           spacing of every router's polls (from the routers' commands.log),
#           the worker's CPU per router poll (utime+stime from /proc over a
#           steady window; target <= 2 ms), SQL statements per poll (server
#           side: pg_stat_statements calls, BEGIN/COMMIT included, in this
#           part's database over the window; target <= 6), at 10 sessions a
#           router and again at 100, and the simulator's own CPU (sshd, the
#           client, routersim's daemon) over the same window.
#   share   the same 500 shared by two, then three workers by leases: pairs of
#           polls of one router less than an interval (- 1 s) apart, and after
#           `kill -9` of one worker, how long until every router it held is
#           polled again (target: within two intervals).
#   push    5,000 vouchers created with --router for one router, pushed by
#           `wisp worker --once` rounds: vouchers per second, beside the
#           simulator's own time for the same push scripts run straight into
#           routersim (no wisp, no ssh).
#
# Every part has a database of its own (createdb), so what one leaves (a
# 10,000-voucher batch, routers) cannot slow another. The sessions are real
# logins on the simulated routers of vouchers wisp made (`wisp voucher create
# --router`, pushed by the worker itself), not rows written behind wisp's back.
#
# FLEET_PARTS (default "fifty slow big share push"), FLEET_ROUTERS (500),
# FLEET_SESSIONS (100), FLEET_WINDOW (seconds of each steady window, 40),
# RUNS (cycles measured in fifty/slow, default 3). Needs root. Run by
# tests/bench/run.sh with the private servers up; it restarts that
# PostgreSQL once with pg_stat_statements loaded.
set -euo pipefail
cd "$(dirname "$0")/../.."
WISP=$(realpath "${WISP:-bin/wisp}")
RUNS=${RUNS:-3}
PARTS=${FLEET_PARTS:-fifty slow big share push}
BIGN=${FLEET_ROUTERS:-500}
BIGS=${FLEET_SESSIONS:-100}
WINDOW=${FLEET_WINDOW:-40}
IV=10
FP="python3 tests/bench/fleet_polls.py"
part() { [[ " $PARTS " == *" $1 "* ]]; }
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
now() { date +%s.%N; }
say() { echo "bench: fleet: $*"; }
dir=$(mktemp -d /tmp/wisp-bench-fleet.XXXXXX)
chmod 755 "$dir"
. tests/tools/services.sh

# --- every process this script starts, and their end ------------------------
WORKERS=() # background workers
MASTERS=() # ControlMaster ports
stop_workers() {
    local p
    for p in "${WORKERS[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${WORKERS[@]}"; do
        for _ in $(seq 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$p" 2>/dev/null || true
        wait "$p" 2>/dev/null || true
    done
    WORKERS=()
}
cm_opts() { echo "-q -i $SIM_KEY -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o ControlPath=$dir/cm-%p"; }
stop_masters() {
    local p
    # shellcheck disable=SC2046
    for p in "${MASTERS[@]}"; do ssh $(cm_opts) -O exit -p "$p" wispsim@127.0.0.1 2>/dev/null || true; done
    MASTERS=()
}
cleanup() {
    local left
    trap - EXIT INT TERM
    stop_workers
    [ -n "${SIM_DIR:-}" ] && stop_masters
    # the sshds' connection processes outlive their listener until the
    # client goes: every descendant is collected first and made sure of
    local roots=() t tree
    for t in "${SIM_SSHDS[@]}"; do
        [ -f "$SIM_DIR/sshd-$t.pid" ] && roots+=("$(cat "$SIM_DIR/sshd-$t.pid")")
    done
    [ -n "${SIM_DAEMON:-}" ] && roots+=("$SIM_DAEMON")
    tree=$([ ${#roots[@]} -gt 0 ] && python3 tests/bench/fleet_polls.py descendants "${roots[@]}" || true)
    sim_stop >/dev/null 2>&1 || true
    sleep 0.5
    for t in $tree; do kill "$t" 2>/dev/null || true; done
    # ended: gone, or a zombie its parent has yet to reap
    for _ in $(seq 50); do
        # shellcheck disable=SC2009
        left=$(ps -eo pid,stat,args | grep -F "$dir" | grep -v -e grep -e ' Z' || true)
        for t in $tree; do services_alive "$t" && left+="$(ps -o pid=,args= -p "$t")"$'\n'; done
        [ -z "$left" ] && break
        sleep 0.1
    done
    if [ -n "$left" ]; then
        echo "bench: fleet: processes left running:" >&2
        echo "$left" >&2
    else
        say "every process it started has ended (ps)"
    fi
    [ -n "${BENCH_KEEP:-}" ] || rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- the simulator, made cheap enough for 500 routers -------------------------
# simclient.sh starts a bash per command; the same protocol in C does not.
cc -O2 -o "$dir/simclient" tests/sim/simclient.c
export SIM_CLIENT=$dir/simclient
. tests/tools/sim.sh
sim_init "$dir/sim"

# pg_stat_statements on the bench's own cluster (a restart), and room for
# three workers' connections
if [ "$(psql -XAtq -c 'SHOW shared_preload_libraries')" != pg_stat_statements ]; then
    services_as_pg sh -c 'printf "%s\n" "shared_preload_libraries = '"'pg_stat_statements'"'" "max_connections = 150" >>"$0"' \
        "$PGHOST/pg/postgresql.conf"
    services_as_pg "$(services_pgbin)/pg_ctl" -D "$PGHOST/pg" -l "$PGHOST/pg.log" -w -t 60 restart >/dev/null
fi

# fleet_db NAME: a fresh database for one part, migrated, with a plan
fleet_db() {
    createdb "$1"
    export PGDATABASE=$1 WISP_DB="dbname=$1"
    "$WISP" db migrate >/dev/null
    psql -XAtq -c "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" >/dev/null
    "$WISP" plan add fb --price 1 --duration 1d >/dev/null
}

# fleet_routers PREFIX N: N routers PREFIX0001.., 16 to an sshd (sshd listens
# on at most 16 sockets), each added to wisp; their ports in PORTS, names in
# NAMES, state directories in DIRS
fleet_routers() {
    local pre=$1 n=$2 i name base group=() g=0 dirs=()
    NAMES=() PORTS=() DIRS=()
    for i in $(seq 1 "$n"); do
        name=$(printf '%s%04d' "$pre" "$i")
        NAMES+=("$name")
        dirs+=("$SIM_DIR/r/$name")
    done
    python3 tests/sim/routersim.py init-many routeros "${dirs[@]}"
    chown -R "$SIM_USER" "${dirs[@]}"
    DIRS=("${dirs[@]}")
    for i in $(seq 0 16 $((n - 1))); do
        local m=$((n - i < 16 ? n - i : 16))
        base=$(sim_ports "$m")
        group=()
        for k in $(seq 0 $((m - 1))); do
            group+=("$((base + k))=${NAMES[$((i + k))]}")
            PORTS+=("$((base + k))")
        done
        sim_sshd "$pre$g" "${group[@]}"
        for k in $(seq 0 $((m - 1))); do
            "$WISP" router add "${NAMES[$((i + k))]}" --host 127.0.0.1 --port "$((base + k))" --user wispsim \
                --key "$SIM_KEY" --driver routeros --hostkey "$(cat "$SIM_DIR/$pre$g.fp")" >/dev/null
        done
        g=$((g + 1))
    done
}

# sim_all ADMIN-ARGS...: routersim admin on every router of DIRS, in one process
sim_all() {
    runuser -u "$SIM_USER" -- python3 -c '
import sys; sys.path.insert(0, sys.argv[1]); import routersim
n = sys.argv.index("--")
for d in sys.argv[n + 1:]:
    routersim.admin(d, sys.argv[2:n])' "$(dirname "$SIM_PY")" "$@" -- "${DIRS[@]}" >/dev/null
}

# vouchers PER: PER vouchers for each router in NAMES (wisp voucher create --router)
vouchers() {
    local name
    for name in "${NAMES[@]}"; do
        "$WISP" voucher create --plan fb --count "$1" --router "$name" >/dev/null
    done
}

# users_on N: wait (up to 600 s) until every router of DIRS has N users
users_on() {
    local end=$((SECONDS + 600))
    while [ $SECONDS -lt $end ]; do
        runuser -u "$SIM_USER" -- python3 -c '
import json, os, sys
sys.exit(any(len(json.load(open(os.path.join(d, "state.json")))["users"]) < int(sys.argv[1]) for d in sys.argv[2:]))' \
            "$1" "${DIRS[@]}" && return 0
        sleep 2
    done
    echo "bench: fleet: the routers did not get their $1 users in 600 s" >&2
    return 1
}

# active_in_db N: wait (up to 600 s) until wisp records N active sessions
active_in_db() {
    local end=$((SECONDS + 600)) got=0
    while [ $SECONDS -lt $end ]; do
        got=$(psql -XAtq -c "SELECT count(*) FROM sessions WHERE state = 'active'")
        [ "$got" -ge "$1" ] && return 0
        sleep 2
    done
    echo "bench: fleet: wisp recorded $got of $1 sessions after 600 s" >&2
    return 1
}

sim_roots() {
    local t
    for t in "${SIM_SSHDS[@]}"; do cat "$SIM_DIR/sshd-$t.pid"; done
    echo "$SIM_DAEMON"
}

# ============================================================================
if part fifty || part slow; then
    t_part=$SECONDS
    fleet_db wisp_fleet50
    fleet_routers f 50
    vouchers 10
    "$WISP" worker --once 2>"$dir/f-push.log"
    users_on 10
    sim_all login-all
    for _ in $(seq 50); do
        [ -s "${DIRS[0]}/commands.log" ] && grep -q 'system resource print' "${DIRS[0]}/commands.log" && break
        sleep 0.1
    done
    POLL=$($FP pollcmd "${DIRS[0]}")
    export POLL
    # the loop's masters, opened before anything is timed
    for p in "${PORTS[@]}"; do
        # shellcheck disable=SC2046
        ssh $(cm_opts) -o ControlMaster=yes -o ControlPersist=yes -fN -p "$p" wispsim@127.0.0.1
        MASTERS+=("$p")
    done
    loop_once() {
        # shellcheck disable=SC2016
        printf '%s\n' "${PORTS[@]}" |
            xargs -P8 -n1 sh -c 'exec ssh '"$(cm_opts)"' -o ControlMaster=no -p "$0" wispsim@127.0.0.1 "$POLL" >/dev/null'
    }
    # steady cycle vs the loop: "worker_median loop_median"
    side_by_side() {
        local tag=$1 t0 t1 before after
        "$WISP" worker --interval 0 --cycles $((RUNS + 2)) 2>"$dir/$tag-worker.log"
        grep -oE 'cycle [0-9]+: [0-9]+ routers in [0-9]+ ms' "$dir/$tag-worker.log" |
            awk 'NR > 2 {print $(NF-1)}' >"$dir/$tag-steady"
        : >"$dir/$tag-loop"
        for _ in $(seq "$RUNS"); do
            before=$($FP count 0 1e12 "${DIRS[@]}")
            t0=$(now)
            loop_once
            t1=$(now)
            after=$($FP count 0 1e12 "${DIRS[@]}")
            [ $((after - before)) -eq 50 ] ||
                { echo "bench: fleet: the loop polled $((after - before)) routers, not 50" >&2; exit 1; }
            echo "($t1 - $t0) * 1000" | bc -l >>"$dir/$tag-loop"
        done
        echo "$(median <"$dir/$tag-steady") $(median <"$dir/$tag-loop")"
    }
    if part fifty; then
        read -r w l < <(side_by_side fifty)
        sessions=$(psql -XAtq -c "SELECT count(*) FROM sessions WHERE state = 'active'")
        printf 'bench: fleet: 50 routers x 10 sessions (%d recorded), at once: worker steady cycle %.0f ms vs ControlMaster loop (xargs -P8) %.0f ms: worker/loop speed %.2fx (target >= 1)\n' \
            "$sessions" "$w" "$l" "$(echo "$l / $w" | bc -l)"
    fi
    if part slow; then
        sim_all delay 1000
        read -r w l < <(side_by_side slow)
        printf 'bench: fleet: the same 50 answering each command after 1 s: worker steady cycle %.0f ms vs ControlMaster loop %.0f ms: %.2fx (target >= 3)\n' \
            "$w" "$l" "$(echo "$l / $w" | bc -l)"
        sim_all delay 0
    fi
    stop_masters
    say "fifty/slow took $((SECONDS - t_part)) s"
fi

# ============================================================================
# window TAG: one steady window of WINDOW s of the worker WPID; prints its
# figures
window() {
    local tag=$1 t0 t1 c0 c1 s0 s1 polls stm
    psql -XAtq -c "SELECT pg_stat_statements_reset()" >/dev/null
    t0=$(now)
    c0=$($FP cpu "$WPID")
    # shellcheck disable=SC2046
    s0=$($FP cputree $(sim_roots))
    sleep "$WINDOW"
    t1=$(now)
    c1=$($FP cpu "$WPID")
    # shellcheck disable=SC2046
    s1=$($FP cputree $(sim_roots))
    stm=$(psql -XAtq -c "SELECT coalesce(sum(s.calls), 0) FROM pg_stat_statements s
        JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = current_database()
        AND s.query NOT LIKE '%pg_stat_statements%'")
    polls=$($FP count "$t0" "$t1" "${DIRS[@]}")
    read -r n ng med lo hi out unpolled mean < <($FP spacing "$t0" "$t1" "${DIRS[@]}")
    local tck
    tck=$(getconf CLK_TCK)
    printf 'bench: fleet: %s: %d polls in %.0f s (a router every %s s on average); spacing median %s s, min %s, max %s, %d of %d outside 10+-1 s; %d routers not polled in the window\n' \
        "$tag" "$polls" "$(echo "$t1 - $t0" | bc -l)" "$mean" "$med" "$lo" "$hi" "$out" "$ng" "$unpolled"
    printf 'bench: fleet: %s: worker CPU %.2f ms per router poll (target <= 2); %.1f SQL statements per poll (target <= 6); simulator CPU %.2f ms per poll\n' \
        "$tag" "$(echo "($c1 - $c0) * 1000 / $tck / $polls" | bc -l)" "$(echo "$stm / $polls" | bc -l)" \
        "$(echo "($s1 - $s0) * 1000 / $tck / $polls" | bc -l)"
}

if part big || part share; then
    t_part=$SECONDS
    fleet_db wisp_fleet500
    fleet_routers r "$BIGN"
    say "$BIGN routers up in $((SECONDS - t_part)) s"
    vouchers "$BIGS"
    say "$((BIGN * BIGS)) vouchers made in $((SECONDS - t_part)) s"
    "$WISP" worker --interval "$IV" 2>"$dir/big-worker.log" &
    WPID=$!
    WORKERS+=("$WPID")
    users_on "$BIGS"
    say "every router has its $BIGS users after $((SECONDS - t_part)) s"
    if part big; then
        few=$((BIGS < 10 ? BIGS : 10))
        sim_all login-all "$few"
        active_in_db $((BIGN * few))
        sleep $((2 * IV))
        window "big, $BIGN routers x $few sessions"
        sim_all login-all
        active_in_db $((BIGN * BIGS))
        sleep $((2 * IV))
        window "big, $BIGN routers x $BIGS sessions"
    fi
    say "big took $((SECONDS - t_part)) s"
fi

if part share; then
    t_part=$SECONDS
    for k in 2 3; do
        "$WISP" worker --interval "$IV" 2>"$dir/share-worker$k.log" &
        WORKERS+=("$!")
        sleep $((3 * IV))
        t0=$(now)
        sleep "$WINDOW"
        t1=$(now)
        read -r close least < <($FP twice "$t0" "$t1" "$IV" "${DIRS[@]}")
        read -r n ng med lo hi out unpolled mean < <($FP spacing "$t0" "$t1" "${DIRS[@]}")
        owners=$(psql -XAtq -c "SELECT string_agg(c::text, '/' ORDER BY c DESC) FROM
            (SELECT count(*) c FROM routers WHERE lease_owner IS NOT NULL GROUP BY lease_owner) x")
        printf 'bench: fleet: %d workers share %d routers (leases held: %s): %d pairs of polls less than %d s apart (closest %s s) in %d s; a router every %s s on average, spacing median %s, max %s; %d routers not polled in the window\n' \
            "$k" "$BIGN" "$owners" "$close" $((IV - 1)) "$least" "$WINDOW" "$mean" "$med" "$hi" "$unpolled"
    done
    # kill -9 the worker holding the most routers; they must be polled by the others
    victim=$(psql -XAtq -c "SELECT k.pid FROM routers r JOIN workers k ON k.id = r.lease_owner
        WHERE k.pid IN ($(IFS=,; echo "${WORKERS[*]}")) GROUP BY k.pid ORDER BY count(*) DESC LIMIT 1")
    [ -n "$victim" ] || victim=${WORKERS[0]}
    mapfile -t held < <(psql -XAtq -c "SELECT r.name FROM routers r JOIN workers k ON k.id = r.lease_owner
        WHERE k.pid = $victim")
    vdirs=()
    for h in "${held[@]}"; do vdirs+=("$SIM_DIR/r/$h"); done
    tk=$(now)
    kill -9 "$victim"
    wait "$victim" 2>/dev/null || true
    for k in "${!WORKERS[@]}"; do [ "${WORKERS[$k]}" != "$victim" ] || unset "WORKERS[$k]"; done
    WORKERS=("${WORKERS[@]}")
    end=$((SECONDS + 6 * IV))
    while [ $SECONDS -lt $end ]; do
        read -r worst waiting < <($FP handover "$tk" "${vdirs[@]}")
        [ "$waiting" -eq 0 ] && break
        sleep 1
    done
    read -r worst waiting < <($FP handover "$tk" "${vdirs[@]}")
    printf 'bench: fleet: kill -9 of a worker holding %d routers: all polled by the other two %s s later (%d not within %d s; target <= %d s)\n' \
        "${#held[@]}" "$worst" "$waiting" $((6 * IV)) $((2 * IV))
    stop_workers
    say "share took $((SECONDS - t_part)) s"
else
    stop_workers
fi

# ============================================================================
if part push; then
    t_part=$SECONDS
    fleet_db wisp_fleetpush
    fleet_routers p 1
    "$WISP" voucher create --plan fb --count 5000 --router "${NAMES[0]}" >/dev/null
    : >"$dir/push.log"
    t0=$(now)
    for _ in $(seq 20); do
        "$WISP" worker --once 2>>"$dir/push.log"
        got=$(runuser -u "$SIM_USER" -- python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["users"]))' \
            "${DIRS[0]}/state.json")
        [ "$got" -ge 5000 ] && break
    done
    t1=$(now)
    [ "$got" -ge 5000 ] || { echo "bench: fleet: push: only $got of 5000 users reached the router" >&2; exit 1; }
    rounds=$(grep -c 'pushed' "$dir/push.log" || true)
    mkdir -p "$dir/replay"
    python3 tests/sim/routersim.py init "$dir/replay" routeros >/dev/null
    read -r ncmd secs < <($FP replay "${DIRS[0]}" "$dir/replay")
    printf 'bench: fleet: 5000 vouchers pushed to one router: %.0f vouchers/s (%.2f s, %d worker --once rounds); the simulator alone runs the same %d push scripts in %.2f s (%.0f vouchers/s)\n' \
        "$(echo "5000 / ($t1 - $t0)" | bc -l)" "$(echo "$t1 - $t0" | bc -l)" "$rounds" "$ncmd" "$secs" \
        "$(echo "5000 / $secs" | bc -l)"
    say "push took $((SECONDS - t_part)) s"
fi
