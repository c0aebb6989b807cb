#!/usr/bin/env bash
# fuzz_long.sh: scripts/fuzz-long.sh end to end.  Always: --help and usage
# errors (exit 2, before anything is made); then against a stand-in
# libFuzzer build (shell programs that act as a harness would: run clean,
# keep a crash, or stop without one) and the real replbench: a clean run
# exits 0, a finding exits 1 with its scenario reduced and named, a finding
# replbench cannot reproduce is still a finding, a harness that stops
# without a finding is a setup error (2), SIGTERM stops the fuzzer (143).
# Given a libFuzzer build (what .ci/run does): the canary is found and its
# reduced scenario crashes the canary and not ours, and a short clean run
# of every harness from the corpora exits 0.
# Usage: bash fuzz_long.sh SOURCE_ROOT PATH/TO/replbench [LIBFUZZER_BUILD]
set -u

SRC=${1:?usage: fuzz_long.sh SOURCE_ROOT REPLBENCH [LIBFUZZER_BUILD]}
RB=${2:?usage: fuzz_long.sh SOURCE_ROOT REPLBENCH [LIBFUZZER_BUILD]}
FUZZ_BUILD=${3:-}
S=$SRC/scripts/fuzz-long.sh
case $RB in /*) ;; *) RB=$PWD/$RB ;; esac
case $FUZZ_BUILD in /*|"") ;; *) FUZZ_BUILD=$PWD/$FUZZ_BUILD ;; esac
T=$(mktemp -d "${TMPDIR:-/tmp}/replbench-fuzzlong.XXXXXX") || exit 1
# A stand-in harness left hanging by a failed check is stopped too.
trap '[ ! -s "$T/fake.args.pid" ] || kill "$(cat "$T/fake.args.pid")" 2>/dev/null; rm -rf "$T"' EXIT
trap 'exit 1' HUP INT TERM
OUT=$T/stdout ERR=$T/stderr

fail() {
    echo "FAIL: $*" >&2
    echo "--- stdout:" >&2; tail -n 30 "$OUT" >&2
    echo "--- stderr:" >&2; tail -n 30 "$ERR" >&2
    exit 1
}
ok() { echo "ok - $*"; }
run() { rc=0; "$@" >"$OUT" 2>"$ERR" || rc=$?; }
expect_rc() { [ "$rc" = "$1" ] || fail "$2: exit $rc, expected $1"; }
# the Nth finding's scenario path, from the summary
scenario_path() { sed -n 's/^  \(\/.*\.scn\)$/\1/p' "$OUT" | sed -n "${1}p"; }

[ -x "$S" ] || fail "$S is not executable"
run "$S" --help
expect_rc 0 "--help"
grep -q '^usage: scripts/fuzz-long.sh' "$OUT" || fail "--help: no usage line"
[ ! -s "$ERR" ] || fail "--help wrote to stderr"
ok "--help: usage on stdout, exit 0"

# expect_usage MESSAGE ARGS...: exit 2 with MESSAGE, nothing made.
expect_usage() {
    local want=$1
    shift
    run "$S" --out "$T/never" "$@"
    expect_rc 2 "'$*'"
    grep -q -- "$want" "$ERR" || fail "'$*': no '$want' on stderr"
    [ ! -e "$T/never" ] || fail "'$*' made its --out folder"
}
expect_usage "unknown option: --frob" --frob
expect_usage "unknown harness: fuzz_nothing" fuzz_nothing
expect_usage "--time needs a value" --time
expect_usage "--time: expected a whole number >= 1, not '0'" --time 0
expect_usage "--runs: expected a whole number >= 1, not 'x'" --runs x
expect_usage "--seed: expected a whole number >= 1, not '-3'" --seed -3
expect_usage "--max-findings: expected a whole number >= 1, not '1e3'" --max-findings 1e3
mkdir "$T/full" && touch "$T/full/x"
run "$S" --out "$T/full" --no-build --build "$T/nothing"
expect_rc 2 "a non-empty --out"
grep -q "is not empty" "$ERR" || fail "a non-empty --out: no 'is not empty'"
ok "usage errors: exit 2, the reason on stderr, no --out folder made"

run "$S" --no-build --build "$T/nothing" --out "$T/o0" --time 5 fuzz_scenario
expect_rc 2 "a missing build"
grep -q "no $T/nothing/fuzz/fuzz_scenario" "$ERR" || fail "a missing build: not named"
ok "a build without the harness: exit 2, named"

# The stand-in build: fuzz/HARNESS acts as libFuzzer would (FAKE: clean,
# find or broken), cli/replbench is the real one.
fake_build() {
    mkdir -p "$T/fake/fuzz" "$T/fake/cli"
    ln -sf "$RB" "$T/fake/cli/replbench"
    for h in fuzz_scenario fuzz_registry; do
        cat >"$T/fake/fuzz/$h" <<'SH'
#!/usr/bin/env bash
# A stand-in libFuzzer harness: its arguments are logged, its behaviour is $FAKE.
prefix="" seed=""
for a in "$@"; do
    case $a in
    -help=1) echo "Usage: a stand-in for a libFuzzer program"; exit 0 ;;
    -artifact_prefix=*) prefix=${a#-artifact_prefix=} ;;
    -seed=*) seed=${a#-seed=} ;;
    esac
done
echo "args: $*" >>"$FAKE_ARGS"
echo "#2 INITED cov: 10 ft: 10 corp: 3/30b exec/s: 0 rss: 30Mb"
case $FAKE in
clean) echo "stat::number_of_executed_units: 1000"; exit 0 ;;
broken) echo "INFO: something went wrong"; exit 1 ;;
find)
    printf 'state name=a\nstate name=b\nstate name=c\nwalk kind=start\nexpect count=9\n' \
        >"${prefix}crash-000$seed"
    echo "fuzz finding: scenario fails: fuzz.scn:5: expect count: 9 (seed $seed)"
    echo "==1== ERROR: libFuzzer: deadly signal"
    echo "stat::number_of_executed_units: 70"
    exit 1 ;;
seed)    # one of the corpus inputs (the last argument) is the finding
    for a in "$@"; do dir=$a; done
    cp "$(find "$dir" -type f | sort | head -n 1)" "${prefix}crash-seed"
    echo "==1== ERROR: libFuzzer: deadly signal"
    exit 1 ;;
hang)
    echo $$ >"$FAKE_ARGS.pid"
    exec sleep 3600 ;;
noise)
    head -c 64 /dev/zero >"${prefix}crash-noise$seed"
    echo "==1== ERROR: libFuzzer: deadly signal"
    exit 1 ;;
esac
SH
        chmod +x "$T/fake/fuzz/$h"
    done
}
fake_build
export FAKE_ARGS=$T/fake.args

FAKE=clean run "$S" --no-build --build "$T/fake" --out "$T/o1" --time 30 --progress 0 fuzz_scenario
expect_rc 0 "a clean run"
grep -q "nothing found" "$OUT" || fail "a clean run: no 'nothing found'"
grep -q "fuzz_scenario .* 1000 runs .* seed(s) 1 .* findings 0" "$OUT" ||
    fail "a clean run: no figures line"
args=$(cat "$FAKE_ARGS")
# every flag of fuzz/libfuzzer.options, read from the file itself
opts=$(sed -n 's/^\([a-z_]*\) *= *\(.*\)$/-\1=\2/p' "$SRC/fuzz/libfuzzer.options")
[ -n "$opts" ] || fail "fuzz/libfuzzer.options gave no flag"
for want in -seed=1 -max_total_time= $opts -reload=0 \
    -dict="$SRC/fuzz/scn.dict" -timeout=60 "$T/o1/fuzz_scenario/corpus"; do
    case $args in *"$want"*) ;; *) fail "a clean run: libFuzzer was not given $want ($args)" ;; esac
done
n=$(find "$T/o1/fuzz_scenario/corpus" -type f | wc -l)
m=$(find "$SRC/fuzz/corpora/fuzz_scenario" -type f | wc -l)
[ "$n" = "$m" ] || fail "the corpus copy has $n inputs, fuzz/corpora/fuzz_scenario $m"
ok "a clean run: exit 0, its figures, fuzz/libfuzzer.options and the dictionary passed, the corpus copied"

rm -f "$FAKE_ARGS"
FAKE="find" run "$S" --no-build --build "$T/fake" --out "$T/o2" --time 60 --max-findings 2 \
    --progress 0 fuzz_scenario
expect_rc 1 "two findings"
grep -q "finding 1: fuzz_scenario: fuzz finding: scenario fails: fuzz.scn:5: expect count: 9 (seed 1)" "$OUT" ||
    fail "the first finding is not reported with its message"
grep -q "finding 2: .*(seed 2)" "$OUT" || fail "the restart did not take the next seed"
grep -q "seed(s) 1,2 .* findings 2" "$OUT" || fail "no figures line with both seeds"
[ "$(wc -l <"$FAKE_ARGS")" = 2 ] || fail "--max-findings 2: $(wc -l <"$FAKE_ARGS") runs, expected 2"
scn=$(scenario_path 1)
[ "$scn" = "$T/o2/fuzz_scenario/run-0-crash-0001.scn" ] || fail "the first scenario is at '$scn'"
head -n 1 "$scn" | grep -q "printed by replbench fuzz2scn --reduce" || fail "$scn is not reduced"
grep -q "reduced; fails under replbench run" "$OUT" || fail "no word that it reproduces"
run "$RB" run "$scn"
expect_rc 1 "replbench run of the reduced scenario"
[ "$(grep -cv '^#\|^expect hash' "$scn")" -lt 5 ] || fail "the scenario was not shrunk"
ok "findings: exit 1, each reported with its message, input and reduced scenario; restarts with the next seed"

rm -f "$FAKE_ARGS"
FAKE=noise run "$S" --no-build --build "$T/fake" --out "$T/o3" --time 60 --max-findings 1 \
    --progress 0 fuzz_registry
expect_rc 1 "a finding replbench does not reproduce"
grep -q "does not fail under replbench run: printed as it is" "$OUT" || fail "not said that it does not reproduce"
grep -q "ERROR: libFuzzer: deadly signal" "$OUT" || fail "no message for a finding without 'fuzz finding'"
ok "a finding replbench run does not reproduce: still exit 1, said so"

first=$(find "$SRC/fuzz/corpora/fuzz_scenario" -type f | sort | head -n 1)
FAKE=seed run "$S" --no-build --build "$T/fake" --out "$T/o5" --time 60 --max-findings 1 \
    --progress 0 fuzz_scenario
expect_rc 1 "a seed input that is a finding"
[ ! -e "$T/o5/fuzz_scenario/corpus/$(basename "$first")" ] ||
    fail "the seed input that is a finding is still in the corpus copy: every restart would stop on it"
[ "$(find "$T/o5/fuzz_scenario/corpus" -type f | wc -l)" = $((m - 1)) ] ||
    fail "not only the finding was dropped from the corpus copy"
[ -f "$first" ] || fail "the finding was dropped from fuzz/corpora itself"
ok "a seed input that is a finding leaves the corpus copy (not fuzz/corpora)"

FAKE=broken run "$S" --no-build --build "$T/fake" --out "$T/o4" --time 60 --progress 0 fuzz_scenario
expect_rc 2 "a harness that stops without a finding"
grep -q "libFuzzer stopped (exit 1) without a finding" "$ERR" || fail "the stop is not explained"
grep -q "something went wrong" "$ERR" || fail "the end of the log is not shown"
ok "a harness that stops without a finding or its time: exit 2, its log's end shown"

# SIGTERM (SIGINT is ignored by a background job of a script): the fuzzer
# it started is stopped, the summary printed, exit 143.
rm -f "$FAKE_ARGS.pid"
FAKE=hang "$S" --no-build --build "$T/fake" --out "$T/o6" --time 600 --progress 0 \
    fuzz_scenario fuzz_registry >"$OUT" 2>"$ERR" &
k=0
while [ ! -s "$FAKE_ARGS.pid" ] && [ $k -lt 600 ]; do sleep 0.1; k=$((k + 1)); done
[ -s "$FAKE_ARGS.pid" ] || fail "the stand-in harness did not start"
kill -TERM $!
rc=0
wait $! || rc=$?
expect_rc 143 "SIGTERM"
! kill -0 "$(cat "$FAKE_ARGS.pid")" 2>/dev/null || fail "the fuzzer was left running after SIGTERM"
grep -q "summary" "$OUT" || fail "SIGTERM: no summary"
grep -q "stopped by a signal" "$ERR" || fail "SIGTERM: not said"
! grep -q "fuzz_registry:" "$OUT" || fail "SIGTERM: the next harness was started"
ok "SIGTERM: the fuzzer stopped, the summary printed, no next harness, exit 143"

if [ -z "$FUZZ_BUILD" ]; then
    echo "ok - # SKIP the real harnesses: no libFuzzer build given (.ci/run gives build-fuzz)"
    exit 0
fi

run "$S" --no-build --build "$FUZZ_BUILD" --out "$T/c" --time 120 --max-findings 1 \
    --progress 0 fuzz_registry_canary
expect_rc 1 "the canary"
grep -q "finding 1: fuzz_registry_canary: SUMMARY: AddressSanitizer: heap-use-after-free" "$OUT" ||
    fail "the canary's use-after-free is not the finding"
scn=$(scenario_path 1)
[ -f "$scn" ] || fail "the canary's scenario is not at '$scn'"
# The reduced scenario crashes the canary; on ours it runs without a
# sanitizer report (it may fail: the reduction keeps only what the crash
# needs, so it can drop a may_fail= that ours needs to pass).
run "$FUZZ_BUILD/cli/tests/replbench_canary" run "$scn"
expect_rc 1 "the canary's scenario on the canary"
grep -q "crashed: AddressSanitizer: heap-use-after-free" "$OUT" ||
    fail "the canary's scenario does not crash the canary"
run "$FUZZ_BUILD/cli/replbench" run "$scn"
[ "$rc" = 0 ] || [ "$rc" = 1 ] || fail "the canary's scenario on ours: exit $rc"
! grep -q "Sanitizer" "$OUT" "$ERR" || fail "the canary's scenario crashes ours"
ok "the canary: found, exit 1, its reduced scenario crashes the canary and not ours"

run "$S" --no-build --build "$FUZZ_BUILD" --out "$T/r" --time 300 --runs 2000 --progress 0 \
    fuzz_registry fuzz_cluster fuzz_scenario
expect_rc 0 "a short clean run of every harness"
for h in fuzz_registry fuzz_cluster fuzz_scenario; do
    grep -q "^  $h .* findings 0" "$OUT" || fail "$h: no figures line"
done
ok "every harness, 2000 runs from the corpora: exit 0, nothing found"
