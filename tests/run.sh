#!/usr/bin/env bash
# run.sh - the test suite behind `make check`.
#
# Starts a private PostgreSQL and Redis (tests/tools/services.sh) in a
# temporary directory, then runs
#   1. every cmocka unit test binary, build/tests/test_* then
#      build/tests/asan-test_* (TAP output: one result per test case);
#   2. every libFuzzer target, build/fuzz/bin/fuzz_*, for a few seconds
#      on its corpus tests/fuzz/corpus/NAME/ (the seeds, then every input
#      that ever crashed one, replayed first): a crash, a sanitizer report
#      or a slow input is a failure (make fuzz runs them for longer);
#   3. every tests/integration/*.sh in order, against bin/wisp, then again
#      against bin/wisp-asan with results named "asan:...". Each file gets
#      a fresh database (PGDATABASE, WISP_DB), a scratch directory T and
#      lib.sh's assertions; afterwards its databases and the roles it made
#      are dropped, so the next file starts from a clean cluster.
# The servers stop and the directory goes whatever happens (failure, ^C).
# Nothing is left running: a file that leaves a process behind (a console,
# a worker, a tmux server, sshd, a simulator, a server of its own) fails,
# and the process is ended; so does the suite if anything of it outlives it.
# Prints "ok   NAME" or "FAIL NAME" and the detail per result, and ends with
# the line "N passed, N failed"; exits non-zero on any failure or when
# nothing ran.
#
#   tests/run.sh [PATTERN]   only unit binaries / integration files whose
#                            path contains PATTERN (a shell glob)
#   WISP_SKIP_ASAN=1         skip the sanitizer builds (quick local runs)
#   WISP_TEST_TIMEOUT=S      seconds allowed to one test file (default 600)
#   WISP_FUZZ_TIME=S         seconds per fuzz target (default 3)
#   WISP_TEST_KEEP=1         keep the temporary directory (logs, servers'
#                            data) and print where it is
# To test the harness itself, point it elsewhere (paths from the repo root):
#   WISP_TEST_UNITS=DIR      unit test binaries (default build/tests)
#   WISP_TEST_FUZZ=DIR       fuzz targets (default build/fuzz/bin)
#   WISP_TEST_DIR=DIR        integration files (default tests/integration;
#                            they find lib.sh as $(dirname "$0")/../lib.sh)
#   WISP_TEST_BIN=FILE WISP_TEST_ASAN_BIN=FILE  the two wisp binaries
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
root=$(pwd)
pattern=${1:-}
abspath() { case "$1" in /*) echo "$1" ;; *) echo "$root/$1" ;; esac; }
units=$(abspath "${WISP_TEST_UNITS:-build/tests}")
itests=$(abspath "${WISP_TEST_DIR:-tests/integration}")
fuzzers=$(abspath "${WISP_TEST_FUZZ:-build/fuzz/bin}")
fuzz_time=${WISP_FUZZ_TIME:-3}
wisp_bin=$(abspath "${WISP_TEST_BIN:-bin/wisp}")
asan_bin=$(abspath "${WISP_TEST_ASAN_BIN:-bin/wisp-asan}")
skip_asan=${WISP_SKIP_ASAN:-}
file_timeout=${WISP_TEST_TIMEOUT:-600}
keep=${WISP_TEST_KEEP:-}

# Nothing from the caller's environment reaches wisp or libpq but what is
# set here: no personal settings, passwords or ~/.pgpass.
for v in $(compgen -e); do
    case "$v" in WISP_* | PG* | NO_COLOR) unset "$v" ;; esac
done
export LC_ALL=C.UTF-8
unset LANGUAGE # messages in English whatever the developer reads (77_i18n sets its own)
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=99
export LSAN_OPTIONS=suppressions=$(abspath tests/lsan.supp):print_suppressions=0 # fontconfig (render.c)
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

work=$(mktemp -d "${TMPDIR:-/tmp}/wisp-test.XXXXXX") || exit 1
chmod 755 "$work" # the postgres user reaches its server directory inside
srv=$work/srv
results=$work/results
: >"$results"
export HOME=$work/home # libpq and tools read ~/; nothing of the caller's
mkdir -p "$HOME"
# Every process of this run carries this in its environment, and every
# process of a test file its T=DIR, whatever session or process group it
# made for itself (tmux servers and the consoles in their panes, daemons).
export WISP_TEST_RUN=$work
. tests/tools/services.sh

# procs_with LINE: the live processes (not zombies) whose environment holds
# LINE, but this shell and its subshells, and the suite's PostgreSQL (which
# a test may have restarted) with its children.
procs_with() {
    local line=$1 files f pid stat state ppid pm=
    [ ! -f "$srv/pg/postmaster.pid" ] || pm=$(head -n 1 "$srv/pg/postmaster.pid" 2>/dev/null)
    files=$(grep -lsxzF -e "$line" /proc/[0-9]*/environ) # grep has ended (and is reaped) here
    for f in $files; do
        pid=${f#/proc/} pid=${pid%/environ}
        [ "$pid" != $$ ] && [ "$pid" != "$BASHPID" ] && [ "$pid" != "$pm" ] || continue
        stat=$(cat "/proc/$pid/stat" 2>/dev/null) || continue
        read -r state ppid _ <<<"${stat##*) }" # after "pid (comm) "
        if [ "$state" != Z ] && { [ -z "$pm" ] || [ "$ppid" != "$pm" ]; }; then
            echo "$pid"
        fi
    done
}

# end_procs LINE SIGNAL: SIGNAL to each of procs_with LINE and to its
# process group (unless it is ours).
end_procs() {
    local pid pg ours
    ours=$(ps -o pgid= -p $$ | tr -d ' ')
    for pid in $(procs_with "$1"); do
        pg=$(ps -o pgid= -p "$pid" | tr -d ' ')
        kill "-$2" "$pid" 2>/dev/null
        [ -z "$pg" ] || [ "$pg" = "$ours" ] || kill "-$2" -- "-$pg" 2>/dev/null
    done
}

# check_left NAME LINE: after NAME (a test file, or the whole run) nothing
# whose environment holds LINE may run. What is still on its way out (a
# console's worker finishing a router's reply) gets 10 s; what is left then
# is a failure of NAME, ended with TERM and, 2 s later, KILL.
check_left() {
    local name=$1 line=$2 pids desc=
    for _ in $(seq 100); do
        pids=$(procs_with "$line")
        [ -n "$pids" ] || return 0
        sleep 0.1
    done
    for pid in $pids; do
        desc+="$pid $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | cut -c1-100); "
        # what each of its threads is doing, for the post-mortem in the log
        for t in /proc/"$pid"/task/*; do
            echo "left running: $pid task ${t##*/}: $(awk '/^State/ {print $2, $3}' "$t/status" 2>/dev/null)" \
                "wchan=$(cat "$t/wchan" 2>/dev/null) syscall=$(cut -d' ' -f1 "$t/syscall" 2>/dev/null)" \
                "comm=$(cat "$t/comm" 2>/dev/null)"
        done >>"$work/left-running.log"
    done
    end_procs "$line" TERM
    for _ in $(seq 20); do
        [ -n "$(procs_with "$line")" ] || break
        sleep 0.1
    done
    end_procs "$line" KILL
    record fail "$name (left running)" "$desc"
}

child= # the test process running now, stopped on ^C
cleanup() {
    [ -z "$child" ] || kill -TERM -- "-$child" "$child" 2>/dev/null
    services_stop "$srv" >/dev/null 2>&1
    end_procs "WISP_TEST_RUN=$work" KILL
    if [ -n "$keep" ]; then echo "kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'echo; echo "interrupted"; exit 130' INT TERM

# run_bg LOG CMD...: run CMD in its own process group (timeout makes one),
# output to LOG, waiting so that a signal to us is handled at once; then
# end whatever it left running in that group. Status in rc.
run_bg() {
    local log=$1
    shift
    timeout -k 10 "$file_timeout" "$@" >"$log" 2>&1 </dev/null &
    child=$!
    wait "$child"
    rc=$?
    kill -KILL -- "-$child" 2>/dev/null
    child=
    [ "$rc" -ne 124 ] || echo "timed out after $file_timeout s" >>"$log"
}

# record pass|fail NAME [DETAIL]
record() {
    if [ "$1" = pass ]; then
        printf 'ok   %s\n' "$2"
    else
        printf 'FAIL %s\n' "$2"
        [ -z "${3:-}" ] || printf '%s\n' "$3" | fold -s -w 110 | sed 's/^/       /'
    fi
    printf '%s %s\n' "$1" "$2" >>"$results"
}

# tail_of LOG: the last lines of LOG on one line, for a failure's detail;
# for a sanitizer's report, its first line and summary.
tail_of() {
    if grep -qE '^==[0-9]+==ERROR: |runtime error:' "$1"; then
        grep -m 3 -E '^==[0-9]+==ERROR: |runtime error:|^    #[0-9] |^SUMMARY: ' "$1"
    else
        tail -n 6 "$1"
    fi | tr '\n\t' '  ' | cut -c1-600
}

matches() { [ -z "$pattern" ] || [[ "${1#"$root"/}" == *$pattern* ]]; }

# unit_flush: record the TAP result run_unit has read, if any.
unit_flush() {
    [ -n "$kind" ] || return 0
    record "$kind" "$name: $test" "$detail"
    kind= test= detail=
    n=$((n + 1))
}

# run_unit BIN: one cmocka binary; each TAP line "ok N - name" or
# "not ok N - name" (then "# detail" lines) is one result.
run_unit() {
    local bin=$1 name log line kind= test= detail= n=0
    name=$(basename "$bin")
    log=$work/$name.log
    CMOCKA_MESSAGE_OUTPUT=TAP run_bg "$log" "$bin"
    while IFS= read -r line; do
        case "$line" in
        "ok "* | "not ok "*)
            unit_flush
            if [[ "$line" == *"# SKIP"* ]]; then
                kind=fail test=${line##*# SKIP } detail="skipped: a test must run"
            elif [[ "$line" == ok* ]]; then
                kind=pass test=${line#ok * - }
            else
                kind=fail test=${line#not ok * - }
            fi
            ;;
        "# ok - "* | "# not ok - "* | [0-9]*..[0-9]*) unit_flush ;; # group lines
        *) [ "$kind" != fail ] || detail+="${line#\# } " ;;    # diagnostics
        esac
    done <"$log"
    unit_flush
    if [ "$rc" -ne 0 ] && ! grep -q '^not ok ' "$log"; then
        record fail "$name (exit $rc)" "$(tail_of "$log")"
    elif [ "$n" -eq 0 ]; then
        record fail "$name (no test ran)" "$(tail_of "$log")"
    fi
}

# run_fuzz BIN: one libFuzzer target for fuzz_time seconds; what it learns
# goes to a scratch directory, the committed corpus is only read.
run_fuzz() {
    local bin=$1 name log runs
    name=${bin##*/fuzz_}
    log=$work/fuzz-$name.log
    mkdir -p "$work/fuzz-$name"
    run_bg "$log" "$bin" -max_total_time="$fuzz_time" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$work/fuzz-$name/" "$work/fuzz-$name" \
        "$root/tests/fuzz/corpus/$name"
    runs=$(grep -oE 'number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' | tail -n 1)
    if [ "$rc" -eq 0 ]; then
        record pass "fuzz_$name"
        echo "# fuzz_$name: ${runs:-?} runs in $fuzz_time s, no crash"
    else
        record fail "fuzz_$name (exit $rc)" "$(grep -m 3 -E 'ERROR: |runtime error:|broken promise' "$log" | tr '\n' ' ')"
    fi
}

# reset_cluster: back to the cluster services_start made, dropping the
# databases and roles a test file made (roles are cluster-wide).
reset_cluster() {
    psql -XAtq -d postgres -f - >/dev/null 2>&1 <<SQL
SELECT format('DROP DATABASE IF EXISTS %I WITH (FORCE)', datname) FROM pg_database
 WHERE datname NOT IN ('postgres', 'template0', 'template1', '$PGDATABASE') \gexec
SELECT format('DROP ROLE IF EXISTS %I', rolname)
  FROM pg_roles WHERE rolname !~ '^pg_' AND rolname <> current_user \gexec
SQL
    redis-cli -s "$REDIS_SOCK" FLUSHALL >/dev/null 2>&1 # the next file's metrics start empty
}

# run_file TAG BIN FILE: one integration file in its own database.
run_file() {
    local tag=$1 bin=$2 t=$3 base db tdir tres line kind rest t0
    base=$tag$(basename "$t" .sh)
    db=$(printf 't%d_%s' "$dbn" "$(basename "$t" .sh)" | tr -c 'a-zA-Z0-9_' _ | tr A-Z a-z | cut -c1-50)
    dbn=$((dbn + 1))
    tdir=$work/${base//:/-} tres=$work/${base//:/-}.results
    mkdir -p "$tdir"
    : >"$tres"
    if ! createdb "$db" 2>"$tdir.log"; then
        record fail "$base (createdb $db)" "$(tail_of "$tdir.log")"
        return
    fi
    t0=$SECONDS
    PGDATABASE=$db WISP_DB="dbname=$db" WISP=$bin WISP_RESULTS=$tres T=$tdir \
        run_bg "$tdir.log" bash "$t"
    while IFS= read -r line; do
        kind=${line%% *} rest=${line#* }
        if [ "$kind" = pass ]; then
            record pass "$base: $rest"
        else
            record fail "$base: ${rest%%$'\t'*}" "${rest#*$'\t'}"
        fi
    done <"$tres"
    if [ "$rc" -ne 0 ]; then
        record fail "$base (exit $rc)" "$(tail_of "$tdir.log")"
    elif [ ! -s "$tres" ]; then
        record fail "$base (checked nothing)" "$(tail_of "$tdir.log")"
    fi
    check_left "$base" "T=$tdir"
    echo "# $base: $((SECONDS - t0)) s"
    reset_cluster
}

t_start=$SECONDS
services_start "$srv" || { echo "0 passed, 1 failed"; exit 1; }
echo "# PostgreSQL and Redis in $srv ($((SECONDS - t_start)) s)"

for bin in "$units"/test_* "$units"/asan-test_*; do
    [ -f "$bin" ] && [ -x "$bin" ] || continue
    [ -z "$skip_asan" ] || [[ "$(basename "$bin")" != asan-* ]] || continue
    matches "$bin" || continue
    run_unit "$bin"
done

for bin in "$fuzzers"/fuzz_*; do
    [ -f "$bin" ] && [ -x "$bin" ] || continue
    matches "$bin" || continue
    run_fuzz "$bin"
done

passes=("$wisp_bin|")
[ -n "$skip_asan" ] || passes+=("$asan_bin|asan:")
dbn=1
for pass in "${passes[@]}"; do
    bin=${pass%%|*} tag=${pass#*|}
    files=()
    for t in "$itests"/*.sh; do
        [ -f "$t" ] && matches "$t" && files+=("$t")
    done
    [ "${#files[@]}" -gt 0 ] || continue
    if [ ! -x "$bin" ]; then
        record fail "${tag}integration: no $bin (make tests-build)"
        continue
    fi
    for t in "${files[@]}"; do
        run_file "$tag" "$bin" "$t"
    done
done

services_stop "$srv" >/dev/null 2>&1
check_left "suite" "WISP_TEST_RUN=$work"
passed=$(grep -c '^pass ' "$results")
failed=$(grep -c '^fail ' "$results")
echo "# $((SECONDS - t_start)) s in all"
[ $((passed + failed)) -gt 0 ] || echo "# no test ran${pattern:+ (none matches $pattern)}"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
