#!/bin/sh
# ci.sh: the CI files that ship (.github/workflows/*.yml, .gitlab-ci.yml)
# run only what the repository has (check_ci.py, on them, on the replbench
# commands of the scripts they run, and on files that call what does not
# exist); their shard scripts put a run and a sweep back together: two
# shards of scripts/ci-shard.sh merged by scripts/ci-merge.sh (`replbench
# merge`) give every (scenario, seed) once and every sweep run once, and a
# missing or failed shard (by its status or by its records) fails the
# merge.  Skipped (77) without python3's yaml module.
# Usage: sh ci.sh SOURCE_ROOT PATH/TO/replbench
set -u

ROOT=${1:?usage: ci.sh SOURCE_ROOT PATH/TO/replbench}
RB=${2:?usage: ci.sh SOURCE_ROOT PATH/TO/replbench}
python3 -c 'import yaml' 2>/dev/null || { echo "python3 has no yaml module: skipped"; exit 77; }
T=$(mktemp -d "${TMPDIR:-/tmp}/replbench-ci.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
trap 'exit 1' HUP INT TERM

fail() {
    echo "FAIL: $*" >&2
    [ -f "$T/err" ] && tail -n 20 "$T/err" >&2
    exit 1
}

python3 "$ROOT/scripts/tests/check_ci.py" "$ROOT" "$RB" "$ROOT"/.github/workflows/*.yml \
    "$ROOT/.gitlab-ci.yml" >"$T/out" 2>"$T/err" || { cat "$T/out"; fail "check_ci.py"; }
for f in ci.yml cflite_pr.yml cflite_batch.yml; do
    grep -q "^.github/workflows/$f: [1-9]" "$T/out" || fail "$f was not checked"
done
for f in ci-shard.sh ci-merge.sh; do
    grep -q "^scripts/$f: [1-9][0-9]* replbench commands" "$T/out" ||
        fail "the replbench commands of scripts/$f were not checked"
done
echo "ok - every command of the CI files exists: $(tr '\n' ' ' <"$T/out")"

mkdir -p "$T/bad/.github/workflows"
cat >"$T/bad/.github/workflows/bad.yml" <<'YAML'
on: push
jobs:
  j:
    runs-on: ubuntu-latest
    steps:
      - run: build/cli/replbench run --no-such-option scenarios/suites
      - run: build/cli/replbench frobnicate x
      - run: scripts/no-such-script.sh 1 2 && make
YAML
python3 "$ROOT/scripts/tests/check_ci.py" "$ROOT" "$RB" "$T/bad/.github/workflows/bad.yml" \
    >"$T/out" 2>"$T/err"
[ $? = 1 ] || fail "check_ci.py passed a file that runs what does not exist"
for what in "replbench run has no option --no-such-option" "replbench has no command 'frobnicate'" \
    "no scripts/no-such-script.sh in the repository" "runs 'make'"; do
    grep -qF "$what" "$T/err" || fail "check_ci.py did not say: $what"
done
echo "ok - check_ci.py names an unknown option, command, script and program"

mkdir -p "$T/bad2/.github/workflows" "$T/bad2/scripts"
cat >"$T/bad2/scripts/shard.sh" <<'SH'
#!/bin/sh
cat <<'TXT'
usage: prose that "$RB" sweep --not-checked here
TXT
"$RB" sweep --shard 1/2 --no-such-sweep-option \
    scenarios
SH
chmod +x "$T/bad2/scripts/shard.sh"
printf 'on: push\njobs:\n  j:\n    runs-on: ubuntu-latest\n    steps:\n      - run: scripts/shard.sh 1 2\n' \
    >"$T/bad2/.github/workflows/bad.yml"
python3 "$ROOT/scripts/tests/check_ci.py" "$T/bad2" "$RB" "$T/bad2/.github/workflows/bad.yml" \
    >"$T/out" 2>"$T/err"
[ $? = 1 ] || fail "check_ci.py passed a script that runs a replbench option that does not exist"
grep -qF "scripts/shard.sh: replbench sweep has no option --no-such-sweep-option" "$T/err" ||
    fail "check_ci.py did not name the script's unknown option"
! grep -qF -- "--not-checked" "$T/err" || fail "check_ci.py read a here-document as commands"
echo "ok - check_ci.py checks the replbench commands of the scripts the CI files run"

# Two shards of a small sweep and run, merged.
mkdir "$T/scn"
cp "$ROOT/scenarios/suites/faults/registry_alloc_in_scripted_walks.scn" "$T/scn/" || fail "copy"
for n in 1 2 3 4 5; do
    printf 'state name=a\nstate name=b\nwalk kind=stop\nexpect count=2\n' >"$T/scn/s$n.scn"
done
export REPLBENCH="$RB" REPLBENCH_SEEDS=1..3 REPLBENCH_RUN_PATH="$T/scn"
for k in 1 2; do
    "$ROOT/scripts/ci-shard.sh" $k 2 "$T/shards" "$T/scn" >"$T/out" 2>"$T/err" ||
        { cat "$T/out"; fail "ci-shard.sh $k 2"; }
done
"$ROOT/scripts/ci-merge.sh" 2 "$T/shards" >"$T/out" 2>"$T/err" || { cat "$T/out"; fail "ci-merge.sh 2"; }
grep -qE "^the runs \(2 shards merged\): 18 passed, 0 failed" "$T/out" ||
    { cat "$T/out"; fail "the merge does not count 6 files x 3 seeds"; }
cases=$(grep -c '<testcase ' "$T/shards/junit.xml")
[ "$cases" = 18 ] || fail "the merged JUnit has $cases testcases, expected 18"
[ -s "$T/shards/report/index.html" ] || fail "no merged report"
echo "ok - 2 shards merged by replbench merge: 18 runs (6 scenarios x 3 seeds) in its JUnit, the report"

sweeps=$(cat "$T/shards"/sweep-[12].txt | sed -n 's/^sweep: \([0-9]*\) runs\{0,1\}, 0 failed, .*/\1/p' |
         awk '{ n += $1 } END { print n + 0 }')
# 6 clean runs; with libfiu every hit of every fault point too
[ "$sweeps" -ge 6 ] || fail "the sweep shards ran $sweeps runs"
# the merge counts every run; its JUnit has a case per record and one per
# scenario and point for the runs that passed under a fault (summaries)
grep -qE "^the whole sweep \(2 shards merged\): $sweeps passed, 0 failed" "$T/out" ||
    { cat "$T/out"; fail "the merged sweep does not count the shards' $sweeps runs"; }
cases=$(grep -c '<testcase ' "$T/shards/sweep-junit.xml")
[ "$cases" -ge 6 ] && [ "$cases" -le "$sweeps" ] ||
    fail "the merged sweep JUnit has $cases testcases, the shards ran $sweeps"
merged=$(sed -n 's/^the whole sweep (2 shards merged): \([0-9]*\) passed, 0 failed, \([0-9]*\) skipped.*/\1 \2/p' "$T/out" |
         awk '{ print $1 + $2 }')
[ "$merged" = "$sweeps" ] || { cat "$T/out"; fail "no merged sweep summary of $sweeps runs"; }
grep -q '\[clean\]" classname' "$T/shards/sweep-junit.xml" || fail "no clean sweep run in the sweep's JUnit"
[ -s "$T/shards/sweep-report/index.html" ] || fail "no merged sweep report"
echo "ok - 2 sweep shards merged: $sweeps sweep runs in one JUnit, the summary, the report"

# A sweep shard whose status says 0 but whose records hold a failing run:
# the merge judges the records.
cp "$T/shards/sweep-2.jsonl" "$T/sweep-2.keep"
# (Written as shard 2 of 2, which merge requires: a name the hash puts
# there.  The hash takes the path, under a random $T: each name is a coin
# toss, so 40 of them, not 9, which missed once in 512 runs.)
for i in $(seq 1 40); do
    printf 'state name=a\nwalk kind=start\nexpect calls="b.start"\n' >"$T/fail$i.scn"
    "$RB" sweep --shard 2/2 --results "$T/shards/sweep-2.jsonl" "$T/fail$i.scn" >"$T/err" 2>&1
    [ "$(wc -l <"$T/shards/sweep-2.jsonl")" -gt 2 ] && break
    rm "$T/fail$i.scn"
done
[ "$(wc -l <"$T/shards/sweep-2.jsonl")" -gt 2 ] || fail "no name of 40 fell in sweep shard 2/2"
"$ROOT/scripts/ci-merge.sh" 2 "$T/shards" >"$T/out" 2>"$T/err"
[ $? = 1 ] || fail "ci-merge.sh passed a sweep shard whose records failed"
grep -q "^the whole sweep (2 shards merged): failures (1):" "$T/out" || { cat "$T/out"; fail "no recap of the failing sweep run"; }
grep -q "fail[0-9].scn:3 \[seed 1\] \[clean\]: expect calls" "$T/out" || { cat "$T/out"; fail "the failing sweep run not named"; }
cp "$T/sweep-2.keep" "$T/shards/sweep-2.jsonl"
echo 1 >"$T/shards/sweep-2.status"
"$ROOT/scripts/ci-merge.sh" 2 "$T/shards" >"$T/out" 2>"$T/err"
[ $? = 1 ] || fail "ci-merge.sh passed with a failed sweep shard"
echo 0 >"$T/shards/sweep-2.status"
head -c 100 "$T/sweep-2.keep" >"$T/shards/sweep-2.jsonl"
"$ROOT/scripts/ci-merge.sh" 2 "$T/shards" >"$T/out" 2>"$T/err"
[ $? = 2 ] || fail "ci-merge.sh with a truncated sweep shard: exit status, expected 2"
grep -q "sweep-2.jsonl:1:[0-9]*: " "$T/err" || fail "no FILE:LINE:COL for the truncated sweep shard"
cp "$T/sweep-2.keep" "$T/shards/sweep-2.jsonl"
echo "ok - a sweep shard that failed by its records (1) or status (1), or is truncated (2), fails the merge"

echo 1 >"$T/shards/run-2.status"
"$ROOT/scripts/ci-merge.sh" 2 "$T/shards" >"$T/out" 2>"$T/err"
[ $? = 1 ] || fail "ci-merge.sh passed with a failed shard"
rm "$T/shards/sweep-2.jsonl"
"$ROOT/scripts/ci-merge.sh" 2 "$T/shards" >"$T/out" 2>"$T/err"
[ $? = 2 ] || fail "ci-merge.sh with a missing shard: exit status, expected 2"
grep -q "shard 2/2 did not finish" "$T/err" || fail "no message for the missing shard"
echo "ok - a failed shard fails the merge (1), a missing one is an error (2)"
