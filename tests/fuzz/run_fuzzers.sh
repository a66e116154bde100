#!/bin/bash
# Runs the libFuzzer targets of a -DCLIPWB_FUZZ=ON build (README, "Sanitizers
# and fuzzing"), two at a time, niced, each for SECONDS (default 600), starting
# from the committed seeds; the grown corpora stay in WORK (default
# /tmp/clipwb-fuzz). Prints one line per target: minutes, executions, new
# corpus files, crashes (the crashing inputs are left as WORK/<target>-crash-*).
#   tests/fuzz/run_fuzzers.sh [BUILD_DIR] [SECONDS] [TARGET...]
set -u
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-build-fuzz}
seconds=${2:-600}
shift 2 2>/dev/null || shift $#
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(pickle checkpoint lmdb_env lmdb_record image config_json config_flags tokenizer
                                     feature_jsonl prediction_jsonl)
work=${WORK:-/tmp/clipwb-fuzz}
mkdir -p "$work"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$here/../sanitizers/lsan.supp:print_suppressions=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

run_one() {
    local t=$1
    mkdir -p "$work/$t"
    nice -n 10 "$build/bin/fuzz_$t" -max_total_time="$seconds" -rss_limit_mb=2048 -malloc_limit_mb=2048 \
        -timeout=25 -max_len=65536 -print_final_stats=1 -artifact_prefix="$work/$t-" \
        "$work/$t" "$here/corpus/$t" > "$work/$t.log" 2>&1
    echo "$?" > "$work/$t.rc"
}

running=0
for t in "${targets[@]}"; do
    run_one "$t" &
    running=$((running + 1))
    if [ $running -ge 2 ]; then
        wait -n
        running=$((running - 1))
    fi
done
wait

printf '%-18s %8s %12s %8s %s\n' target minutes executions corpus result
for t in "${targets[@]}"; do
    log=$work/$t.log
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | tail -1 | awk '{print $2}')
    secs=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | tail -1 | awk '{print $2}')
    files=$(ls "$work/$t" | wc -l)
    crashes=$(ls "$work" | grep -c "^$t-\(crash\|leak\|timeout\|oom\|slow-unit\)-" || true)
    rc=$(cat "$work/$t.rc" 2>/dev/null)
    printf '%-18s %8.1f %12s %8s rc=%s artifacts=%s (%s exec/s)\n' "$t" "$(echo "$seconds / 60" | bc -l)" \
        "${execs:-?}" "$files" "$rc" "$crashes" "${secs:-?}"
done
