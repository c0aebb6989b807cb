#!/usr/bin/env bash
# run_sh.sh: tests of ./run.sh's own steps (scripts/common.sh): the suite
# step's status is replbench's, whatever the filter after it does, and the
# result line never says "all checks passed" alone when a target is missed.
# Usage: bash run_sh.sh PATH/TO/replbench SOURCE_DIR
set -u
RB=${1:?usage: run_sh.sh PATH/TO/replbench SOURCE_DIR}
SRC=${2:?usage: run_sh.sh PATH/TO/replbench SOURCE_DIR}
. "$SRC/scripts/common.sh"
T=$(mktemp -d "${TMPDIR:-/tmp}/replbench-runsh.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok - $*"; }

# The same options as run.sh: a status lost in a pipeline shows here.
set -euo pipefail

mkdir "$T/good" "$T/mine" "$T/unparsable"
cat >"$T/good/a.scn" <<'SCN'
state name=a
walk kind=start
expect calls="a.start"
SCN
cp "$T/good/a.scn" "$T/mine/a.scn"
cp "$T/good/a.scn" "$T/unparsable/a.scn"
sed 's/calls="a.start"/calls="wrong"/' "$T/good/a.scn" >"$T/mine/wrong.scn"
echo 'state nam=a' >"$T/unparsable/bad.scn"

rc=0; run_suites "$RB" "$T/good" "$T/log" >"$T/out" || rc=$?
[ "$rc" = 0 ] || fail "passing folder: status $rc, expected 0"
grep -q '^PASS ' "$T/out" && fail "PASS lines are filtered out"
grep -q '^PASS ' "$T/log" || fail "the log keeps the PASS lines"
ok "a passing folder passes"

rc=0; run_suites "$RB" "$T/mine" "$T/log" >"$T/out" || rc=$?
[ "$rc" = 1 ] || fail "failing scenario: status $rc, expected 1"
grep -q '^FAIL ' "$T/out" || fail "the failure is shown"
ok "a wrong expect fails the suite step (status 1)"

rc=0; run_suites "$RB" "$T/unparsable" "$T/log" >"$T/out" || rc=$?
[ "$rc" = 2 ] || fail "unparsable scenario: status $rc, expected 2"
ok "an unparsable file fails the suite step (status 2)"

line=$(result_line 0 "events 1 in 1 s: 1.00 M events/s (target >= 1.00: met)")
[ "$line" = "result: all checks passed, every performance target met" ] || fail "met: $line"
line=$(result_line 0 "ratio x (target <= 1.10 on best: NOT met)
events 1 (target >= 1.00: met)")
case $line in
*"all checks passed; 1 performance target NOT met"*) ;;
*) fail "a missed target is named beside the verdict: $line" ;;
esac
line=$(result_line 1 "")
[ "$line" = "result: FAILED" ] || fail "failed: $line"
ok "the result line names a missed performance target"

# .ci/run installs packages as root: --help and a typo must do neither.
rc=0; bash "$SRC/.ci/run" --help >"$T/out" 2>&1 || rc=$?
[ "$rc" = 0 ] || fail ".ci/run --help: status $rc"
grep -q '^usage: bash .ci/run' "$T/out" || fail ".ci/run --help prints its usage"
grep -q 'install packages' "$T/out" && fail ".ci/run --help started the CI"
rc=0; bash "$SRC/.ci/run" --bogus >"$T/out" 2>&1 || rc=$?
[ "$rc" = 2 ] || fail ".ci/run --bogus: status $rc, expected 2"
grep -q 'unknown argument: --bogus' "$T/out" || fail ".ci/run names the unknown argument"
grep -q 'install packages' "$T/out" && fail ".ci/run --bogus started the CI"
ok ".ci/run takes --help and refuses anything else"

# meson's suite tests: a folder added after configuring (so without a test of
# its own) is run by scenarios/unlisted, and its broken scenario fails it.
mkdir -p "$T/suites/known" "$T/suites/mine"
cp "$T/good/a.scn" "$T/suites/known/a.scn"
cp "$T/mine/wrong.scn" "$T/suites/mine/wrong.scn"
rc=0; sh "$SRC/scenarios/tests/unlisted.sh" "$RB" "$T/suites" known >"$T/out" 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "unlisted: a new folder's broken scenario: status $rc, expected 1"
grep -q "^FAIL $T/suites/mine/wrong.scn" "$T/out" || fail "unlisted runs the new folder"
grep -q "suites/known" "$T/out" && fail "unlisted runs a folder that has its own test"
rc=0; sh "$SRC/scenarios/tests/unlisted.sh" "$RB" "$T/suites" known mine >"$T/out" 2>&1 || rc=$?
[ "$rc" = 0 ] || fail "unlisted with every folder listed: status $rc"
ok "a suite folder added after configuring is run (and fails) in suite scenarios"
