#!/bin/sh
# reduce.sh: `replbench reduce` end to end.  Linked against the canary: a
# 25-line scenario (20 states, three walks, one removal of the next state
# during stop) shrinks to at most 6 operations that still crash the canary,
# pass on ours, and are 1-minimal (without any one line: no crash).  On
# ours: an expectation's failure keeps what its message needs.  Usage
# errors, a file that passes or does not parse: exit 2.
# fuzz2scn --reduce: a fuzz_registry corpus input that crashes the canary,
# printed reduced.
# Usage: sh reduce.sh PATH/TO/replbench PATH/TO/replbench_canary FUZZ_INPUT
set -u

RB=${1:?usage: reduce.sh REPLBENCH REPLBENCH_CANARY}
CANARY=${2:?usage: reduce.sh REPLBENCH REPLBENCH_CANARY FUZZ_INPUT}
INPUT=${3:?usage: reduce.sh REPLBENCH REPLBENCH_CANARY FUZZ_INPUT}
. "$(dirname "$0")/lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
start reduce
case $CANARY in /*) ;; *) CANARY=$PWD/$CANARY ;; esac
case $INPUT in /*) ;; *) INPUT=$PWD/$INPUT ;; esac
# Crash files land in the current folder (no --results, no --crash-dir):
# work in $T, not in the build folder.
cd "$T" || exit 1

ops() {
    grep -c -v -e '^#' -e '^[[:space:]]*$' "$1"
}

i=1
while [ $i -le 20 ]; do
    printf 'state name=s%02d\n' $i
    i=$((i + 1))
done >"$T/stop25.scn"
cat >>"$T/stop25.scn" <<'EOF2'
on state=s10 walk=stop do=remove target=s09
walk kind=start
walk kind=checkpoint
walk kind=stop
expect count=19
EOF2
[ "$(ops "$T/stop25.scn")" -eq 25 ] || fail "the input is not 25 lines"
run "$RB" run "$T/stop25.scn"
[ "$rc" -eq 0 ] || fail "the 25-line scenario fails on ours"
run "$CANARY" run "$T/stop25.scn"
[ "$rc" -ne 0 ] || fail "the 25-line scenario passes on the canary"

# The count of candidates on reduce's closing line.
cands() {
    sed -n 's/.*, \([0-9]*\) candidates in .*/\1/p' "$ERR"
}
run "$CANARY" reduce "$T/stop25.scn" -o "$T/min.scn"
[ "$rc" -eq 0 ] || fail "reduce on the canary: exit $rc"
canary_cands=$(cands)
grep -q "25 -> " "$ERR" || fail "reduce says nothing of its sizes"
n=$(ops "$T/min.scn")
[ "$n" -le 6 ] || fail "reduced to $n operations, expected at most 6"
grep -q "^# reduced by replbench reduce" "$T/min.scn" || fail "no header line"
run "$CANARY" run "$T/min.scn"
[ "$rc" -ne 0 ] && [ "$rc" -ne 2 ] || fail "the reduced scenario does not fail on the canary ($rc)"
run "$RB" run "$T/min.scn"
[ "$rc" -eq 0 ] || fail "the reduced scenario fails on ours"
# 1-minimal: without any one of its lines it no longer crashes.
grep -v '^#' "$T/min.scn" >"$T/body"
k=1
while [ $k -le "$n" ]; do
    sed "${k}d" "$T/body" >"$T/less.scn"
    run "$CANARY" run "$T/less.scn"
    [ "$rc" -eq 0 ] || [ "$rc" -eq 2 ] || fail "without line $k it still fails ($rc): not 1-minimal"
    k=$((k + 1))
done
echo "ok - reduce: 25 lines -> $n operations that crash the canary, 1-minimal"

# -j: candidates judged at once, in the order one at a time would: the
# same reduced file, the same count of candidates (the crash here, an
# expectation's failure on ours below).
one=$canary_cands
for j in 2 3; do
    run "$CANARY" reduce -j "$j" "$T/stop25.scn" -o "$T/min-j$j.scn"
    [ "$rc" -eq 0 ] || fail "reduce -j $j on the canary: exit $rc"
    # The crash's header lines aside, whose heap addresses (ASan) differ.
    sed 's/0x[0-9a-f]*/0x/g' "$T/min.scn" >"$T/min.noaddr"
    sed 's/0x[0-9a-f]*/0x/g' "$T/min-j$j.scn" | cmp -s "$T/min.noaddr" - ||
        fail "reduce -j $j: another result: $(diff "$T/min.scn" "$T/min-j$j.scn")"
    [ -n "$one" ] && [ "$(cands)" = "$one" ] || fail "reduce -j $j: $(cands) candidates, -j 1 $one"
done
echo "ok - reduce -j 2, -j 3: the file and the $one candidates of -j 1"

cat >"$T/expect.scn" <<'EOF2'
seed value=7
state name=a
state name=b
state name=c
walk kind=start
walk kind=stop
expect count=5
expect calls="c.stop b.stop a.stop"
EOF2
run "$RB" reduce "$T/expect.scn"
[ "$rc" -eq 0 ] || fail "reduce of a failing expectation: exit $rc"
grep -v '^#' "$OUT" >"$T/got"
printf 'state name=a\nstate name=b\nstate name=c\nexpect count=5\n' >"$T/want"
cmp -s "$T/got" "$T/want" || fail "reduced to $(cat "$T/got")"
grep -q "fails: expect count" "$OUT" || fail "the header does not say how it fails"
cp "$OUT" "$T/expect-j1"
one=$(cands)
run "$RB" reduce -j2 "$T/expect.scn"
[ "$rc" -eq 0 ] && cmp -s "$OUT" "$T/expect-j1" && [ "$(cands)" = "$one" ] ||
    fail "reduce -j2 of a failing expectation: exit $rc, $(cands) candidates ($one): $(diff "$T/expect-j1" "$OUT")"
echo "ok - reduce on ours: the failing expectation and the states its message counts"

printf 'state name=a\nwalk kind=stop\n' >"$T/pass.scn"
run "$RB" reduce "$T/pass.scn"
[ "$rc" -eq 2 ] || fail "reduce of a passing scenario: exit $rc, expected 2"
grep -q "does not fail" "$ERR" || fail "no 'does not fail'"
printf 'state name=a\nwalk kind=sideways\n' >"$T/bad.scn"
run "$RB" reduce "$T/bad.scn"
[ "$rc" -eq 2 ] || fail "reduce of a bad file: exit $rc, expected 2"
grep -q "bad.scn:2:" "$ERR" || fail "no file:line:col for the bad file"
run "$RB" reduce "$T/missing.scn"
[ "$rc" -eq 2 ] || fail "reduce of a missing file: exit $rc"
run "$RB" reduce
[ "$rc" -eq 2 ] || fail "reduce without FILE: exit $rc"
run "$RB" reduce "$T/expect.scn" "$T/pass.scn"
[ "$rc" -eq 2 ] || fail "reduce of two files: exit $rc"
run "$RB" reduce "$T/expect.scn" -o "$T/no/dir/x.scn"
[ "$rc" -eq 2 ] || fail "reduce -o into a missing folder: exit $rc"
echo "ok - reduce: usage errors, passing and bad files exit 2"
run "$CANARY" fuzz2scn --reduce fuzz_registry "$INPUT"
[ "$rc" -ne 0 ] || fail "fuzz2scn --reduce on the canary: the reduced scenario did not fail"
head -n 1 "$OUT" | grep -q "printed by replbench fuzz2scn --reduce (.* -> [0-9]* lines)" ||
    fail "fuzz2scn --reduce: no header saying so"
n=$(ops "$OUT")
[ "$n" -le 6 ] || fail "fuzz2scn --reduce: $n operations, expected at most 6"
run "$RB" fuzz2scn --reduce fuzz_registry "$INPUT"
[ "$rc" -eq 0 ] || fail "fuzz2scn --reduce on ours: exit $rc"
grep -q "does not fail, nothing to reduce" "$ERR" || fail "fuzz2scn --reduce on ours: no note"
grep -q "^expect hash=" "$OUT" || fail "fuzz2scn --reduce on ours: no expect hash="
echo "ok - fuzz2scn --reduce: $n operations on the canary; printed as it is on ours"

# A failure of sweep is reduced from its reproduce line, `run` made
# `reduce`: each candidate runs with its --seed and --inject (issue 21).
# Without them the scenario passes on the canary: nothing to reduce.
if have_fiu; then
    cp "$HERE/canary_remove.scn" "$T/cr.scn"
    cd "$T" || exit 1
    run "$CANARY" sweep cr.scn
    [ "$rc" -eq 1 ] || fail "sweep of canary_remove.scn on the canary: exit $rc"
    line=$(sed -n 's/^  reproduce: //p' "$OUT" | grep -m1 -- ' --inject ')
    case $line in "$CANARY run --seed "*" --inject "*" cr.scn") ;;
        *) fail "sweep's reproduce line: '$line'" ;; esac
    run "$CANARY" reduce cr.scn
    [ "$rc" -eq 2 ] || fail "reduce without --inject: exit $rc, expected 2 (it passes)"
    grep -q "does not fail: nothing to reduce (a failure under --seed or --inject" "$ERR" ||
        fail "reduce without --inject: no hint of --inject"
    # shellcheck disable=SC2086
    run $(echo "$line" | sed 's/ run / reduce /') -o "$T/cr-min.scn"
    [ "$rc" -eq 0 ] || fail "reduce of the reproduce line: exit $rc"
    opts=$(echo "$line" | sed -e "s|^$CANARY run ||" -e 's| cr.scn$||')
    head -n 1 "$T/cr-min.scn" | grep -q "^# reduced by replbench reduce from cr.scn ([0-9]* -> [0-9]* lines) under $opts; fails: " ||
        fail "the reduced file does not say it fails under $opts: $(head -n 1 "$T/cr-min.scn")"
    # shellcheck disable=SC2086
    run "$CANARY" run $opts "$T/cr-min.scn"
    [ "$rc" -ne 0 ] || fail "the reduced scenario passes under $opts"
    echo "ok - reduce --seed --inject: a sweep failure reduced from its reproduce line"
fi
echo "reduce.sh: all passed"
