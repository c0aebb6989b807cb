#!/usr/bin/env bash
# run.sh: the main job.  Build if needed, run every scenario suite with
# replbench, the unit checks and the benchmarks, and print a summary.
set -euo pipefail
cd "$(dirname "$0")"
. scripts/common.sh

usage() {
    cat <<'TXT'
usage: ./run.sh [--help]
Installs missing Debian packages (as root, or through sudo), builds ./build
if needed, runs every scenario suite (scenarios/suites, with replbench),
the unit checks (meson suite "unit") and the benchmarks, then prints a
summary.  Exit status: 0 all checks passed (a missed performance target
is named, not a failure), 1 a check failed (a scenario, a unit check or a
benchmark's own check), 2 setup or build failed.
TXT
}
help_or_no_args "$@"

ensure_packages
ensure_build build -Dwerror=true
status=0
echo "== scenario suites =="
run_suites build/cli/replbench scenarios/suites build/run-suites.log || status=1
suites=$(tail -n 1 build/run-suites.log)
meson test -C build --suite unit --print-errorlogs --num-processes 2 >build/run-unit.log 2>&1 \
    || { status=1; cat build/run-unit.log; }
checks=$(count_results build/meson-logs/testlog.json)
bench=$(build/registry/bench_registry) || status=1
simbench=$(build/sim/bench_sim) || status=1

echo "== replbench summary =="
echo "scenarios: $suites (log: build/run-suites.log)"
echo "unit checks: $(tail -n 1 <<<"$checks") (meson tests);" \
     "$(head -n 1 <<<"$checks" | sed 's/^cmocka: //') (CMocka)"
echo "log: build/meson-logs/testlog.txt"
echo "$bench" | sed -n 's/^ratio /registry walk ratio /p; s/^remove .*outside a walk: *best *\(.*\)/registry remove 100000: \1/p; s/^register  *100000.*: *best *\(.*\)/registry register 100000: \1/p'
echo "$simbench" | sed -n 's/^events /simulator events /p; s/^peak memory/simulator peak memory/p'
result_line "$status" "$bench
$simbench"
exit $status
