#!/bin/sh
# crash.sh: a scenario that crashes replbench's worker (the canary build's
# use-after-free: SIGSEGV) is reported as that scenario's ERROR -- what
# killed it, the reproduce command, the last trace lines -- in every --jobs
# mode, and the scenarios after it are still run and reported.
# Usage: sh crash.sh PATH/TO/replbench_canary SUITES_DIR
set -u
RB=${1:?usage: crash.sh PATH/TO/replbench_canary SUITES_DIR}
SUITES=${2:?usage: crash.sh PATH/TO/replbench_canary SUITES_DIR}
T=$(mktemp -d "${TMPDIR:-/tmp}/replbench-crash.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
OUT=$T/out
ERR=$T/err
. "$(dirname "$0")/lib.sh"

# The crash first in path order, passing scenarios after it.
mkdir "$T/s"
cp "$SUITES/removal/canary_remove_next_inside_nested_start.scn" "$T/s/a_crash.scn"
for n in b c d; do
    cp "$SUITES/registry/default_registry_walks.scn" "$T/s/${n}_after.scn"
done
for jobs in 1 2; do
    rb run --jobs "$jobs" "$T/s"
    expect_rc 1 "--jobs $jobs: a crash is a failure"
    grep -q "^ERROR $T/s/a_crash.scn: crashed: \(signal 11\|AddressSanitizer\)" "$OUT" ||
        fail "--jobs $jobs: the crash is not its scenario's ERROR with what killed it"
    grep -q "^  reproduce: replbench run --seed 1 $T/s/a_crash.scn\$" "$OUT" ||
        fail "--jobs $jobs: no reproduce command for the crash"
    grep -A 30 '^  last trace lines:' "$OUT" | grep -q ' - scn walk line=15 kind=start' ||
        fail "--jobs $jobs: the last trace lines before the crash are missing"
    for n in b c d; do
        grep -q "^PASS $T/s/${n}_after.scn " "$OUT" ||
            fail "--jobs $jobs: ${n}_after.scn (after the crash) not reported"
    done
    grep -q '^3 passed, 1 failed, 0 skipped in ' "$OUT" || fail "--jobs $jobs: no summary line"
    ok "--jobs $jobs: the crash is an ERROR, the run goes on to its summary"
done

# The HTML report counts the crash as a crash, and does not say nothing failed.
rb run --report "$T/rep" "$T/s"
expect_rc 1 "run --report with a crash"
grep -q '<li class="bad"><b>crashes</b> ([^)]*): 1 <a href="#r1">#1</a>' "$T/rep/index.html" ||
    fail "the report's summary does not count the crash"
! grep -q 'None: nothing failed' "$T/rep/index.html" ||
    fail "the report says nothing failed beside a crash"
ok "the report counts the crash and does not say nothing failed"

# conform shares the pool: the crash is its cell's finding, not the end.
mkdir "$T/c"
{ echo "rule id=1 walk=start"; cat "$T/s/a_crash.scn"; } >"$T/c/a_crash.scn"
cp "$T/s/b_after.scn" "$T/c/b_after.scn"
rb conform "$T/c"
expect_rc 1 "conform with a crash"
grep -q 'signal 11\|AddressSanitizer' "$OUT" || fail "conform: the crash is not named"
ok "conform names the crash and finishes"
