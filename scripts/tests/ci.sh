#!/bin/sh
# ci.sh: the CI files that ship (.github/workflows/*.yml, .gitlab-ci.yml)
# run only what the repository has (check_ci.py, on them and on a file that
# calls what does not exist); their shard scripts put a run back together:
# two shards of scripts/ci-shard.sh merged by scripts/ci-merge.sh
# (`replbench merge`) give every (scenario, seed) once, and a missing or
# failed shard fails the merge.  Skipped (77) without python3's yaml module.
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
grep -qE "^[0-9]+ passed, 0 failed" "$T/out" || { cat "$T/out"; fail "the merge does not count 6 files x 3 seeds"; }
cases=$(grep -c '<testcase ' "$T/shards/junit.xml")
[ "$cases" = 18 ] || fail "the merged JUnit has $cases testcases, expected 18"
[ -s "$T/shards/report/index.html" ] || fail "no merged report"
echo "ok - 2 shards merged by replbench merge: 18 runs (6 scenarios x 3 seeds) in its JUnit, the report"

echo 1 >"$T/shards/run-2.status"
"$ROOT/scripts/ci-merge.sh" 2 "$T/shards" >"$T/out" 2>"$T/err"
[ $? = 1 ] || fail "ci-merge.sh passed with a failed shard"
rm "$T/shards/sweep-2.status"
"$ROOT/scripts/ci-merge.sh" 2 "$T/shards" >"$T/out" 2>"$T/err"
[ $? = 2 ] || fail "ci-merge.sh with a missing shard: exit status, expected 2"
grep -q "shard 2/2 did not finish" "$T/err" || fail "no message for the missing shard"
echo "ok - a failed shard fails the merge (1), a missing one is an error (2)"
