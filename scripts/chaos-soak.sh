#!/usr/bin/env bash
# Run the chaos kill tests RUNS times in a row, each with a new random seed, under CPU and disk
# load: two CPU hogs and a disk writer (dd ... conv=fsync in a loop), as on a busy CI machine.
# Stops at the first failure; every run's chaos report (seeds, kills, recoveries) is kept.
#
#   scripts/chaos-soak.sh [RUNS]          default 20; CHAOS=full for 100 Instances and 10 kills
#   SOAK_LOAD=0 scripts/chaos-soak.sh 5   without the load
#   SOAK_TESTS="tests/chaos/test_kills.py" chooses the tests (default: kills and windows)
#
# Prints one line per run and a summary; the reports and logs go to $SOAK_DIR (default: a new
# directory under /tmp). Exit code: 0 when every run passed.
set -euo pipefail
cd "$(dirname "$0")/.."

runs="${1:-20}"
tests="${SOAK_TESTS:-tests/chaos/test_kills.py tests/chaos/test_windows.py}"
load="${SOAK_LOAD:-1}"
dir="${SOAK_DIR:-$(mktemp -d /tmp/chaos-soak.XXXXXX)}"
mkdir -p "$dir"
python=.venv/bin/python
[ -x "$python" ] || make install >/dev/null

hogs=()
stop_load() {
    for pid in "${hogs[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    rm -f "$dir/dd.scratch"
}
trap stop_load EXIT

if [ "$load" = 1 ]; then
    for _ in 1 2; do
        (while :; do :; done) &
        hogs+=($!)
    done
    (while :; do dd if=/dev/zero of="$dir/dd.scratch" bs=1M count=64 conv=fsync status=none; done) &
    hogs+=($!)
    echo "load: 2 CPU hogs and dd conv=fsync in $dir (pids ${hogs[*]})"
fi

passed=0
for run in $(seq 1 "$runs"); do
    seed=$RANDOM$RANDOM
    started=$(date +%s)
    set +e
    # shellcheck disable=SC2086 # $tests is a list of paths
    CHAOS_SEED="$seed" CHAOS_REPORT="$dir/report-$run.json" \
        "$python" -m pytest $tests -x -q -p no:cacheprovider >"$dir/run-$run.log" 2>&1
    code=$?
    set -e
    seconds=$(($(date +%s) - started))
    if [ "$code" -ne 0 ]; then
        echo "run $run/$runs: FAILED (seed $seed, ${seconds} s); log: $dir/run-$run.log"
        grep -E "seed|Error|assert" "$dir/run-$run.log" | head -20 || true
        echo "soak: $passed of $runs runs passed before the failure"
        exit 1
    fi
    passed=$((passed + 1))
    echo "run $run/$runs: passed (seed $seed, ${seconds} s)"
done
echo "soak: $passed of $runs runs passed (load: $([ "$load" = 1 ] && echo on || echo off)); reports in $dir"
