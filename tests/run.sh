#!/usr/bin/env bash
# run.sh - the test suite behind `make check`.
#
# Starts a private PostgreSQL and Redis (tests/tools/services.sh), runs every
# cmocka unit test binary (plain and ASan/UBSan builds, TAP output), then every
# tests/integration/*.sh twice - against bin/wisp and bin/wisp-asan - each file
# in a fresh database. Stops the servers whatever happens. Ends with the line
# "N passed, N failed"; exits non-zero on any failure or when nothing ran.
#
#   tests/run.sh [PATTERN]   only unit binaries / integration files matching
#   WISP_SKIP_ASAN=1         skip the sanitizer pass (quick local runs)
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
pattern=${1:-}
work=$(mktemp -d /tmp/wisp-test.XXXXXX)
chmod 755 "$work" # the postgres user must reach the server directory inside
results=$work/results
: >"$results"
. tests/tools/services.sh
cleanup() { services_stop "$work/srv" >/dev/null 2>&1; rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

export LC_ALL=C.UTF-8 CI=${CI:-}
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=99
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

services_start "$work/srv" || { echo "0 passed, 1 failed"; exit 1; }

record() { # record pass|fail NAME [DETAIL]
    if [ "$1" = pass ]; then
        printf 'ok   %s\n' "$2"
    else
        printf 'FAIL %s\n       %s\n' "$2" "${3:-}"
    fi
    printf '%s %s\n' "$1" "$2" >>"$results"
}

# Unit tests: one TAP line per test case.
for bin in build/tests/test_* build/tests/asan-test_*; do
    [ -x "$bin" ] || continue
    [ -z "$pattern" ] || [[ "$bin" == *$pattern* ]] || continue
    [ -n "${WISP_SKIP_ASAN:-}" ] && [[ "$bin" == *asan-* ]] && continue
    name=$(basename "$bin")
    out=$(CMOCKA_MESSAGE_OUTPUT=TAP "$bin" 2>&1); rc=$?
    n=0
    while IFS= read -r line; do
        case "$line" in
        "ok "*) record pass "$name: ${line#ok * - }"; n=$((n + 1)) ;;
        "not ok "*) record fail "$name: ${line#not ok * - }" "$(grep -v '^ok ' <<<"$out" | head -c 600 | tr '\n' ' ')"; n=$((n + 1)) ;;
        esac
    done <<<"$out"
    if [ "$rc" -ne 0 ] && ! grep -q '^not ok' <<<"$out"; then
        record fail "$name (exit $rc)" "$(tail -n 5 <<<"$out" | tr '\n' ' ')"
    elif [ "$n" -eq 0 ]; then
        record fail "$name (no test ran)" "$out"
    fi
done

# Integration tests, once per binary, each file in its own database.
passes=("bin/wisp:")
[ -n "${WISP_SKIP_ASAN:-}" ] || passes+=("bin/wisp-asan:asan:")
dbn=0
for pass in "${passes[@]}"; do
    bin=${pass%%:*} tag=${pass#*:}
    for t in tests/integration/*.sh; do
        [ -z "$pattern" ] || [[ "$t" == *$pattern* ]] || continue
        dbn=$((dbn + 1))
        db=wisp_t$dbn
        createdb "$db" || { record fail "$tag$(basename "$t") (createdb)"; continue; }
        tres=$work/t$dbn.results tdir=$work/t$dbn
        mkdir -p "$tdir"
        : >"$tres"
        ( cd "$root" && PGDATABASE=$db WISP_DB="dbname=$db" WISP="$root/$bin" \
            WISP_RESULTS=$tres T=$tdir timeout 600 bash "$t" ) >"$tdir.log" 2>&1
        rc=$?
        while IFS= read -r line; do
            kind=${line%% *} rest=${line#* }
            record "$kind" "$tag$(basename "$t" .sh): ${rest%%$'\t'*}" "${rest#*$'\t'}"
        done <"$tres"
        if [ "$rc" -ne 0 ]; then
            record fail "$tag$(basename "$t" .sh) exited $rc" "$(tail -n 5 "$tdir.log" | tr '\n' ' ')"
        elif [ ! -s "$tres" ]; then
            record fail "$tag$(basename "$t" .sh) checked nothing"
        fi
        dropdb --if-exists "$db" >/dev/null 2>&1
    done
done

passed=$(grep -c '^pass ' "$results")
failed=$(grep -c '^fail ' "$results")
echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
