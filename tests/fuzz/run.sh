#!/usr/bin/env bash
# run.sh - `make fuzz`: each libFuzzer target (build/fuzz/bin/fuzz_NAME, from
# tests/fuzz/fuzz_NAME.c) for FUZZ_TIME seconds (default 60) on its corpus.
#
# The committed corpus, tests/fuzz/corpus/NAME/, holds the seeds (real
# router output from ../shared/reference/, the simulators' answers) and
# every input that ever crashed a target (crash-*): it is read, never
# written. What a run learns goes to build/fuzz/corpus/NAME/, kept between
# runs. A crash stops that target, its input is kept as
# build/fuzz/artifacts/NAME/crash-*, and the run fails: fix the parser, then
# copy the input into tests/fuzz/corpus/NAME/ so make check replays it.
#
#   tests/fuzz/run.sh [PATTERN]   only the targets whose name contains PATTERN
#   FUZZ_TIME=S                   seconds per target (default 60)
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
time_s=${FUZZ_TIME:-60}
pattern=${1:-}
failed=0 ran=0

for bin in build/fuzz/bin/fuzz_*; do
    [ -f "$bin" ] && [ -x "$bin" ] || continue
    name=${bin##*/fuzz_}
    [ -z "$pattern" ] || [[ "$name" == *$pattern* ]] || continue
    mkdir -p "build/fuzz/corpus/$name" "build/fuzz/artifacts/$name"
    log=build/fuzz/artifacts/$name/last.log
    "$bin" -max_total_time="$time_s" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="build/fuzz/artifacts/$name/" \
        "build/fuzz/corpus/$name" "tests/fuzz/corpus/$name" >"$log" 2>&1
    rc=$?
    ran=$((ran + 1))
    runs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' | tail -n 1)
    [ -n "$runs" ] || runs=$(grep -oE '^Done [0-9]+ runs' "$log" | grep -oE '[0-9]+' | tail -n 1)
    if [ "$rc" -eq 0 ]; then
        printf 'ok   fuzz %-9s %s runs in %s s, no crash\n' "$name" "${runs:-?}" "$time_s"
    else
        failed=$((failed + 1))
        printf 'FAIL fuzz %-9s exit %d after %s runs; see %s\n' "$name" "$rc" "${runs:-?}" "$log"
        grep -m 3 -E 'ERROR: |runtime error:|broken promise|^artifact_prefix|Test unit written' "$log" |
            sed 's/^/       /'
    fi
done
[ "$ran" -gt 0 ] || { echo "no fuzz target built (make fuzz builds them)"; exit 1; }
[ "$failed" -eq 0 ]
