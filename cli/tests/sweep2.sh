#!/bin/sh
# sweep2.sh: `replbench sweep --depth 2`: the runs are the clean run, every
# single fault and every pair of faults on two different points (counted
# from the points' hits), shards add up, bad depths exit 2; against the
# canary a pair's failure names both faults and its reproduce command,
# --inject twice, fails again.
# Usage: sh sweep2.sh PATH/TO/replbench PATH/TO/replbench_canary SUITES_DIR
set -u

RB=${1:?usage: sweep2.sh REPLBENCH REPLBENCH_CANARY SUITES_DIR}
CANARY=${2:?usage: sweep2.sh REPLBENCH REPLBENCH_CANARY SUITES_DIR}
SUITES=${3:?usage: sweep2.sh REPLBENCH REPLBENCH_CANARY SUITES_DIR}
. "$(dirname "$0")/lib.sh"
start sweep2
HERE=$(cd "$(dirname "$0")" && pwd)
case $CANARY in /*) ;; *) CANARY=$PWD/$CANARY ;; esac
case $SUITES in /*) ;; *) SUITES=$PWD/$SUITES ;; esac
# Crash files land in the current folder (no --results, no --crash-dir):
# work in $T, not in the build folder.
cd "$T" || exit 1

runs_of() {
    sed -n 's/^sweep: \([0-9]*\) runs\{0,1\},.*/\1/p' "$OUT"
}

S1=$SUITES/faults/standalone_secondary_disk_cycle.scn
S2=$SUITES/faults/standalone_primary_forwarding.scn
run "$RB" sweep -v "$S1"
[ "$rc" -eq 0 ] || fail "sweep -v: exit $rc"
want=$(awk '/^  point .* hits$/ { h = $(NF - 1); if (h > 100) h = 100; f = 2 * h;
                                  all += f; same += f * (f - 1) / 2 }
            END { print 1 + all + all * (all - 1) / 2 - same }' "$OUT")
run "$RB" sweep --depth 2 "$S1"
[ "$rc" -eq 0 ] || fail "sweep --depth 2: exit $rc"
[ "$(runs_of)" = "$want" ] || fail "sweep --depth 2: $(runs_of) runs, expected $want"
echo "ok - sweep --depth 2: $want runs, the clean one, singles and pairs"

run "$RB" sweep --depth 2 "$S1" "$S2"
total=$(runs_of)
run "$RB" sweep --depth 2 --shard 1/2 "$S1" "$S2"
a=$(runs_of)
run "$RB" sweep --depth 2 --shard 2/2 "$S1" "$S2"
b=$(runs_of)
[ $((a + b)) -eq "$total" ] || fail "shards ran $a + $b runs, expected $total"
echo "ok - sweep --depth 2 --shard: $a + $b = $total runs"

for d in 0 3 x; do
    run "$RB" sweep --depth "$d" "$S1"
    [ "$rc" -eq 2 ] || fail "sweep --depth $d: exit $rc, expected 2"
done
echo "ok - sweep --depth: bad values exit 2"

if ! have_fiu; then
    echo "ok - # SKIP the failing pairs: built without libfiu (no fault points)"
    echo "sweep2.sh: all passed"
    exit 0
fi

# canary_remove.scn (a fixture shared with the other sweep test): a
# fault on m's registration makes the canary crash.
cp "$HERE/canary_remove.scn" "$T/c3.scn"
run "$RB" sweep --depth 2 "$T/c3.scn"
[ "$rc" -eq 0 ] || fail "the canary's scenario fails a sweep on ours"
run "$CANARY" sweep --depth 2 --jobs 2 "$T/c3.scn"
[ "$rc" -eq 1 ] || fail "sweep --depth 2 on the canary: exit $rc, expected 1"
grep -q "^FAIL .* transient + point=.*: " "$OUT" || fail "no failing pair"
# The command names the binary that printed it: the canary.
cmd=$(grep -m1 "reproduce: $CANARY run .*--inject .*--inject " "$OUT" | sed 's/.*reproduce: //')
[ -n "$cmd" ] || fail "no reproduce command with --inject twice"
cd "$T" || exit 1
# shellcheck disable=SC2086
run $cmd
[ "$rc" -ne 0 ] || fail "the reproduce command ($cmd) passes on the canary"
echo "ok - a failing pair on the canary: reproduce with --inject twice fails again"
echo "sweep2.sh: all passed"
