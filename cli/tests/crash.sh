#!/bin/sh
# crash.sh: a scenario that crashes replbench's worker (the canary build's
# use-after-free: SIGSEGV, or ASan's report) is reported as that scenario's
# ERROR -- what killed it, the reproduce command, the last trace lines -- in
# every --jobs mode, and the scenarios after it are still run and reported;
# the whole report is kept in a crash file (--crash-dir), the crash is a
# typed field of --results records (merge shows it again), and conform,
# sweep, determinism and reduce show it too.  With "asan" (the canary built
# under ASan): the access, free and allocation stacks with file:line, in
# run's output and on the HTML page (issue 18, point 5).
# Usage: sh crash.sh PATH/TO/replbench_canary SUITES_DIR [asan]
set -u
RB=${1:?usage: crash.sh PATH/TO/replbench_canary SUITES_DIR [asan]}
SUITES=${2:?usage: crash.sh PATH/TO/replbench_canary SUITES_DIR [asan]}
ASAN=${3:-}
T=$(mktemp -d "${TMPDIR:-/tmp}/replbench-crash.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
OUT=$T/out
ERR=$T/err
. "$(dirname "$0")/lib.sh"
case $RB in /*) ;; *) RB=$PWD/$RB ;; esac

# asan_stacks FILE WHAT: FILE shows the canary's use-after-free as ASan
# found it: where it was read (the canary's walk, file:line:col), where it
# was freed and where it was allocated (frames with file:line:col).
asan_stacks() {
    frame='[A-Za-z_][A-Za-z_0-9]* [^ ]*\.c:[0-9][0-9]*:[0-9][0-9]*$'
    grep -q '^  crash: AddressSanitizer: heap-use-after-free on address 0x' "$1" ||
        fail "$2: no crash headline"
    grep -A1 '^    READ of size [0-9]* at 0x[0-9a-f]* thread T0:$' "$1" |
        grep -q '^      #0 walk [^ ]*/fuzz/canary/naive_replication\.c:[0-9][0-9]*:[0-9][0-9]*$' ||
        fail "$2: the access stack does not start in the canary's walk with file:line"
    grep -A1 '^    freed by thread T0 here:$' "$1" | grep -q "^      #[0-9]* $frame" ||
        fail "$2: no free stack with file:line"
    grep -A6 '^    previously allocated by thread T0 here:$' "$1" |
        grep -q '^      #[0-9]* replication_new_in [^ ]*/naive_replication\.c:[0-9]' ||
        fail "$2: the allocation stack does not reach the canary's replication_new_in"
}

# The crash first in path order, passing scenarios after it.
mkdir "$T/s"
cp "$SUITES/removal/canary_remove_next_inside_nested_start.scn" "$T/s/a_crash.scn"
for n in b c d; do
    cp "$SUITES/registry/default_registry_walks.scn" "$T/s/${n}_after.scn"
done
for jobs in 1 2; do
    rb run --jobs "$jobs" --crash-dir "$T/crashes" "$T/s"
    expect_rc 1 "--jobs $jobs: a crash is a failure"
    grep -q "^ERROR $T/s/a_crash.scn: crashed: \(signal 11\|AddressSanitizer\)" "$OUT" ||
        fail "--jobs $jobs: the crash is not its scenario's ERROR with what killed it"
    grep -q "^  reproduce: $RB run --seed 1 $T/s/a_crash.scn\$" "$OUT" ||
        fail "--jobs $jobs: no reproduce command for the crash"
    grep -A 30 '^  last trace lines:' "$OUT" | grep -q ' - scn walk line=15 kind=start' ||
        fail "--jobs $jobs: the last trace lines before the crash are missing"
    for n in b c d; do
        grep -q "^PASS $T/s/${n}_after.scn " "$OUT" ||
            fail "--jobs $jobs: ${n}_after.scn (after the crash) not reported"
    done
    grep -q '^3 passed, 1 failed, 0 skipped in ' "$OUT" || fail "--jobs $jobs: no summary line"
    report=$(sed -n 's/^    full report: //p' "$OUT")
    case $report in "$T"/crashes/crash-*.txt) ;; *) fail "--jobs $jobs: no crash file named" ;; esac
    grep -q "^# reproduce: $RB run --seed 1 $T/s/a_crash.scn\$" "$report" ||
        fail "--jobs $jobs: the crash file does not say how to reproduce"
    if [ "$ASAN" = asan ]; then
        asan_stacks "$OUT" "run --jobs $jobs"
        grep -q '^==[0-9]*==ERROR: AddressSanitizer: heap-use-after-free' "$report" ||
            fail "--jobs $jobs: the crash file lacks the sanitizer's report"
        ok "--jobs $jobs: the access, free and allocation stacks with file:line"
    fi
    ok "--jobs $jobs: the crash is an ERROR, the run goes on to its summary"
done

# The crash is a typed field of the results; merge shows it from there.
rb run --results "$T/r.jsonl" "$T/s"
expect_rc 1 "run --results with a crash"
grep '"died":true' "$T/r.jsonl" | grep -q '"crash":{"kind":"' ||
    fail "the results record of the crash has no crash object"
[ -f "$T"/crash-*.txt ] || fail "no crash file beside --results"
rb merge "$T/r.jsonl"
expect_rc 1 "merge of results with a crash"
grep -q '^  crash: ' "$OUT" || fail "merge does not show the crash"
[ "$ASAN" = asan ] && asan_stacks "$OUT" "merge"
sed 's/"crash":{"kind":"[^"]*"/"crash":{"kind":""/' "$T/r.jsonl" >"$T/bad.jsonl"
rb merge "$T/bad.jsonl"
expect_rc 2 "merge of a crash without its kind"
expect_err "crash: needs its kind" "merge of a crash without its kind"
grep -v '"died":true' "$T/r.jsonl" | sed 's/"died":false/"died":false,"crash":{"kind":"x"}/' \
    >"$T/bad.jsonl"
rb merge "$T/bad.jsonl"
expect_rc 2 "merge of a crash in a record whose worker did not die"
ok "the results record the crash as data; merge shows it again, refuses a bad one"

# The HTML report counts the crash as a crash, and does not say nothing failed.
rb run --report "$T/rep" --crash-dir "$T/crashes" "$T/s"
expect_rc 1 "run --report with a crash"
grep -q '<li class="bad"><b>crashes</b> ([^)]*): 1 <a href="#r1">#1</a>' "$T/rep/index.html" ||
    fail "the report's summary does not count the crash"
! grep -q 'None: nothing failed' "$T/rep/index.html" ||
    fail "the report says nothing failed beside a crash"
grep -q '<a href="#c1">(stacks)</a>' "$T/rep/index.html" &&
    grep -q '<section id="c1">' "$T/rep/index.html" ||
    fail "the report has no crash section linked from the crash's row"
if [ "$ASAN" = asan ]; then
    page=$T/rep/index.html
    tr '\n' ' ' <"$page" | grep -q '<p class="stk error">READ of size [0-9]* at 0x[0-9a-f]* thread T0</p> <ol class="frames"><li value="0"><b>walk</b> <span class="mono">[^<]*/naive_replication\.c:[0-9]*:[0-9]*</span>' ||
        fail "the page does not show the access stack with file:line"
    tr '\n' ' ' <"$page" | grep -q '<p class="stk free">freed by thread T0 here:</p> <ol class="frames"><li value="[0-9]*"><b>[a-z_]*</b> <span class="mono">[^<]*\.c:[0-9]*:[0-9]*</span>' ||
        fail "the page does not show the free stack with file:line"
    ok "the page shows the access and free stacks with file:line"
fi
ok "the report counts the crash and does not say nothing failed"

# conform shares the pool: the crash is its cell's finding, not the end.
mkdir "$T/c"
{ echo "rule id=1 walk=start"; cat "$T/s/a_crash.scn"; } >"$T/c/a_crash.scn"
cp "$T/s/b_after.scn" "$T/c/b_after.scn"
rb conform --crash-dir "$T/crashes" "$T/c"
expect_rc 1 "conform with a crash"
grep -q 'signal 11\|AddressSanitizer' "$OUT" || fail "conform: the crash is not named"
grep -q "^CRASH $T/c/a_crash.scn:\$" "$OUT" || fail "conform does not show the crash after its table"
[ "$ASAN" = asan ] && asan_stacks "$OUT" "conform"
ok "conform names the crash, shows it, and finishes"

# sweep and determinism: the crash of a clean run; reduce: the reduced
# scenario's crash heads its file.
rb sweep --crash-dir "$T/crashes" "$T/s/a_crash.scn"
expect_rc 1 "sweep with a crash"
grep -q '^  crash: ' "$OUT" || fail "sweep does not show the crash"
[ "$ASAN" = asan ] && asan_stacks "$OUT" "sweep"
rb determinism --crash-dir "$T/crashes" "$T/s"
expect_rc 1 "determinism with a crash"
grep -q "^ERROR $T/s/a_crash.scn: crashed: " "$OUT" || fail "determinism: the crash is not its ERROR"
grep -q "^SAME $T/s/d_after.scn " "$OUT" || fail "determinism does not go on after the crash"
[ "$ASAN" = asan ] && asan_stacks "$OUT" "determinism"
# -j 2: each child its own stderr file, the lines in the order of -j 1
# (under ASan the addresses differ: each child's heap has its own history).
detnorm() { sed -e 's/ in [0-9.]* s.*//' -e 's/0x[0-9a-f]*/0x/g' "$OUT"; }
detnorm >"$T/det1"
rb determinism -j 2 --crash-dir "$T/crashes" "$T/s"
expect_rc 1 "determinism -j 2 with a crash"
detnorm | cmp -s "$T/det1" - ||
    { diff "$T/det1" "$OUT" >&2; fail "determinism -j 2 with a crash differs from -j 1"; }
rb reduce --crash-dir "$T/crashes" "$T/s/a_crash.scn" -o "$T/min.scn"
expect_rc 0 "reduce of a crash"
grep -q '^# crash: ' "$T/min.scn" || fail "reduce: the reduced file does not show its crash"
# Each candidate's report is read whole: a crash after a crash is named as
# the first was (a shared file offset once left the second report after a
# hole of NUL bytes, named 'exit status 1' under ASan: nothing reduced).
grep -q '^# reduced by replbench reduce from .* (10 -> [1-9] lines); fails: crash: ' "$T/min.scn" ||
    fail "reduce did not shrink the crash: $(head -n 1 "$T/min.scn")"
mkdir "$T/two"
cp "$T/s/a_crash.scn" "$T/two/a.scn"
cp "$T/s/a_crash.scn" "$T/two/b.scn"
rb determinism --crash-dir "$T/crashes" "$T/two"
expect_rc 1 "determinism of two crashes"
[ "$(grep -c "^ERROR $T/two/[ab].scn: crashed: \(signal 11 (Segmentation fault)\|AddressSanitizer: heap-use-after-free\)\$" "$OUT")" -eq 2 ] ||
    fail "determinism: the second crash is not named as the first"
if [ "$ASAN" = asan ]; then
    sed -n 's/^# //p' "$T/min.scn" | sed 's/^/  /' >"$T/min.crash"
    asan_stacks "$T/min.crash" "reduce"
fi
ok "sweep, determinism and reduce show the crash"

# A built-in probe's reproduce line names the binary that printed it, as a
# scenario's does (issue 21, point 3): conform with no PATH runs the probes,
# and the canary lets freeing a walked registry go (rule 6 fails).
rb conform
expect_rc 1 "conform on the canary (rule 6's probes fail)"
expect_out "^  reproduce: $RB conform (a built-in probe)\$" "conform's probe reproduce line"
expect_no_out "^  reproduce: replbench " "conform's reproduce lines"
ok "conform's probe reproduce lines name the canary's binary"
