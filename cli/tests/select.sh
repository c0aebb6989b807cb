#!/bin/sh
# select.sh: selection and output of run, sweep and determinism alike (one
# option skeleton, cli/command.c): -k, --exclude, --list, --last-failed,
# -x/--fail-fast, -q/-v, colours (--color, NO_COLOR, a terminal), the recap
# of failures, and a clear error (exit 2) for every bad value.
# Usage: sh select.sh PATH/TO/replbench
set -u

RB=${1:?usage: select.sh PATH/TO/replbench}
. "$(dirname "$0")/lib.sh"
start select
S=$T/scn
mkdir -p "$S/walks" "$S/more" "$T/cache"
export REPLBENCH_CACHE_DIR="$T/cache"
unset NO_COLOR


pass_scn() {
    printf 'state name=a\nstate name=b\nwalk kind=stop\nexpect calls="b.stop a.stop"\n' >"$1"
}
fail_scn() {
    printf '# cannot hold\nstate name=a\nwalk kind=start\nexpect calls="b.start"\n' >"$1"
}
pass_scn "$S/walks/stop.scn"
pass_scn "$S/walks/stop_twice.scn"
pass_scn "$S/more/other.scn"
fail_scn "$S/more/broken.scn"
fail_scn "$S/walks/broken_too.scn"

for cmd in run sweep determinism; do
    # --list: the selection, in path order, nothing run
    rb "$cmd" --list "$S"; expect_rc 0 "$cmd --list"; lines 5 "$cmd --list"
    [ "$(head -n 1 "$OUT")" = "$S/more/broken.scn" ] || fail "$cmd --list: not in path order"
    rb "$cmd" --list -k 'walks/*' "$S"; expect_rc 0 "$cmd -k glob"; lines 3 "$cmd -k 'walks/*'"
    rb "$cmd" --list -k 'stop*.scn' "$S"; lines 2 "$cmd -k 'stop*.scn' (a tail after /)"
    rb "$cmd" --list -k broken "$S"; lines 2 "$cmd -k broken (substring)"
    rb "$cmd" --list -k other -k 'stop.scn' "$S"; lines 2 "$cmd -k twice: any"
    rb "$cmd" --list --exclude 'broken*' "$S"; lines 3 "$cmd --exclude"
    rb "$cmd" --list -k 'walks/*' --exclude '*twice*' "$S"; lines 2 "$cmd -k with --exclude"
    expect_out "walks/broken_too.scn" "$cmd -k with --exclude"
    expect_out "walks/stop.scn" "$cmd -k with --exclude"
    rb "$cmd" -k 'nothing*' "$S"; expect_rc 2 "$cmd -k matching nothing"
    expect_err "no scenario matches" "$cmd -k matching nothing"
    rb "$cmd" --exclude '*' "$S"; expect_rc 2 "$cmd --exclude of everything"
    # bad values: exit 2, a clear message
    rb "$cmd" -k '' "$S"; expect_rc 2 "$cmd -k ''"; expect_err "bad value '' for -k" "$cmd -k ''"
    rb "$cmd" --exclude= "$S"; expect_rc 2 "$cmd --exclude="
    rb "$cmd" --color sometimes "$S"; expect_rc 2 "$cmd --color sometimes"
    expect_err "expected auto, always or never" "$cmd --color sometimes"
    rb "$cmd" -q -v "$S"; expect_rc 2 "$cmd -q -v"; expect_err "cannot go together" "$cmd -q -v"
    rb "$cmd" -x=1 "$S"; expect_rc 2 "$cmd -x=1"; expect_err "takes no value" "$cmd -x=1"
    rb "$cmd" -k; expect_rc 2 "$cmd -k without a value"; expect_err "needs a value" "$cmd -k"
    rb "$cmd" --help; expect_out "--last-failed" "$cmd --help"; expect_out "NO_COLOR" "$cmd --help"
done
ok "run, sweep, determinism: --list, -k (glob, tail, substring, repeated), --exclude; bad values exit 2"

# ---- the recap, -q, -v, colours ----------------------------------------------------

rb run "$S"; expect_rc 1 "run with failures"
expect_out "^failures (2):" "run recap"
grep -A 4 '^failures (2):' "$OUT" | grep -q "FAIL $S/more/broken.scn:4 \[seed " || fail "recap: broken.scn"
grep -A 4 '^failures (2):' "$OUT" | grep -q "^    $RB run --seed [0-9]* $S/walks/broken_too.scn" ||
    fail "recap: reproduce command of broken_too.scn"
[ "$(tail -n 1 "$OUT" | grep -c '3 passed, 2 failed')" -eq 1 ] || fail "run: the summary is not the last line"
expect_no_out "$(printf '\033')" "run: colours when stdout is not a terminal"
rb run -q "$S"; expect_rc 1 "run -q"; expect_no_out "^PASS" "run -q"; expect_out "^FAIL" "run -q"
expect_out "^failures (2):" "run -q recap"
rb run -v -k 'walks/stop.scn' "$S"; expect_rc 0 "run -v"; expect_out "^  seed: .*faults fired: 0" "run -v"
expect_out "^  reproduce: $RB run --seed" "run -v"
rb run -k 'walks/stop.scn' "$S"; expect_no_out "^  seed:" "run without -v"
rb run --color always -k 'stop.scn' "$S"; expect_out "$(printf '\033\[32mPASS')" "run --color always"
NO_COLOR=1 rb run --color always -k 'stop.scn' "$S"; expect_out "$(printf '\033\[32m')" "--color always beats NO_COLOR"
rb run --color never "$S"; expect_no_out "$(printf '\033')" "run --color never"
if command -v script >/dev/null 2>&1 && script -qec true /dev/null >/dev/null 2>&1; then
    script -qec "'$RB' run -k broken '$S'" /dev/null >"$OUT" 2>&1
    grep -q "$(printf '\033\[1;31mFAIL')" "$OUT" || fail "no colour on a terminal"
    NO_COLOR=1 script -qec "'$RB' run -k broken '$S'" /dev/null >"$OUT" 2>&1
    grep -q "$(printf '\033\[1;31m')" "$OUT" && fail "colour on a terminal with NO_COLOR set"
    NO_COLOR= script -qec "'$RB' run -k broken '$S'" /dev/null >"$OUT" 2>&1
    grep -q "$(printf '\033\[1;31m')" "$OUT" || fail "an empty NO_COLOR turned colours off"
    ok "colours on a terminal, none with NO_COLOR"
else
    echo "ok - colours on a terminal: not checked (no script(1)) # SKIP"
fi
rb sweep --max-hits 1 "$S"; expect_rc 1 "sweep with failures"; expect_out "^failures (2):" "sweep recap"
grep -q "^    $RB run --seed [0-9]* $S/more/broken.scn" "$OUT" || fail "sweep recap: reproduce"
rb sweep -q --max-hits 1 "$S"; expect_no_out "^swept" "sweep -q"
if have_fiu; then
    rb sweep -v --max-hits 1 -k 'walks/stop.scn' "$S"; expect_out "^  point " "sweep -v"
fi
rb determinism -q "$S"; expect_rc 1 "determinism -q"; expect_no_out "^SAME" "determinism -q"
expect_out "^determinism: 5 same, 0 different, 2 failed" "determinism -q summary"
expect_out "^failures (2):" "determinism recap"
ok "recap of failures with reproduce commands; -q, -v; --color, NO_COLOR"

# ---- -x / --fail-fast ----------------------------------------------------------------

rb run -x "$S"; expect_rc 1 "run -x"
expect_out "stopped at the first failure (-x): 1 of 5 runs done" "run -x"
[ "$(grep -c '^PASS\|^FAIL' "$OUT")" -eq 1 ] || fail "run -x ran more than the first failure"
# With two workers the failure may come back after the last job went out:
# then nothing is left to stop, and no "stopped" line is the truth.
rb run --fail-fast --jobs 2 "$S"; expect_rc 1 "run --fail-fast --jobs 2"
if ! grep -q "stopped at the first failure (-x): [0-9]* of [0-9]* runs done ([1-9][0-9]* not run)" "$OUT"; then
    expect_no_out "stopped" "run --fail-fast --jobs 2 with every job sent"
    [ "$(grep -c '^\(PASS\|FAIL\|ERROR\|SKIP\) ' "$OUT")" -eq "$(find "$S" -name '*.scn' | wc -l)" ] ||
        fail "run --fail-fast --jobs 2: runs missing but no 'stopped' line"
fi
rb run -x -k 'walks/stop*' "$S"; expect_rc 0 "run -x with no failure"; expect_no_out "stopped" "run -x, all pass"
rb sweep -x --max-hits 1 "$S"; expect_rc 1 "sweep -x"; expect_out "stopped at the first failure" "sweep -x"
rb determinism -x "$S"; expect_rc 1 "determinism -x"
expect_out "stopped at the first failure (-x): 1 of 5 runs done" "determinism -x"
ok "-x/--fail-fast stops after the first failure, exit 1"

# ---- --last-failed ---------------------------------------------------------------------

rm -rf "$T/cache"
rb run --last-failed "$S"; expect_rc 1 "run --last-failed without state"
expect_err "no failure recorded" "run --last-failed without state"
expect_out "3 passed, 2 failed" "run --last-failed without state runs all"
ls "$T"/cache/run.*.last-failed >/dev/null 2>&1 || fail "no state in \$REPLBENCH_CACHE_DIR"
rb run --last-failed "$S"; expect_rc 1 "run --last-failed"; expect_out "0 passed, 2 failed" "run --last-failed"
fail_scn "$S/walks/stop.scn"
rb run -k other "$S"; expect_rc 0 "a run of a subset"
rb run --last-failed "$S"; expect_out "0 passed, 2 failed" "a run of a subset keeps the others' state"
pass_scn "$S/more/broken.scn"
rb run -k broken.scn "$S"; expect_rc 0 "the fixed file passes"
rb run --last-failed "$S"; expect_rc 1 "after a fix"; expect_out "0 passed, 1 failed" "after a fix"
expect_out "walks/broken_too.scn" "after a fix"
rb run --last-failed --list "$S"; lines 1 "--last-failed --list"
rb run "$S"; expect_out "3 passed, 2 failed" "the new stop.scn fails"
rb run --last-failed --list "$S"; lines 2 "--last-failed after the new failure"
expect_out "walks/stop.scn" "--last-failed: the new failure"
rb sweep --last-failed --list "$S"; lines 5 "sweep keeps its own state"
rb determinism --last-failed --list "$S"; lines 5 "determinism keeps its own state"
(cd "$T" && unset REPLBENCH_CACHE_DIR && "$RB" run scn) >"$OUT" 2>"$ERR"
ls "$T"/.replbench-cache/run.*.last-failed >/dev/null 2>&1 || fail "no ./.replbench-cache without REPLBENCH_CACHE_DIR"
chmod 0555 "$T/cache"
if ! touch "$T/cache/x" 2>/dev/null; then
    rb run "$S"; expect_rc 1 "a cache that cannot be written"
    expect_err "warning: cannot record" "a cache that cannot be written"
fi
chmod 0755 "$T/cache"
ok "--last-failed: state per command, kept for files not run, all when none recorded"
