#!/bin/sh
# explore.sh: `replbench explore` end to end: the scope's size and exit 0 on
# our registry, shards that add up, usage errors (exit 2), and, linked
# against the canary (wrong on purpose), exit 1 with a counterexample of at
# most 8 lines that fails on the canary and passes on ours.
# Usage: sh explore.sh PATH/TO/replbench PATH/TO/replbench_canary
set -u

RB=${1:?usage: explore.sh REPLBENCH REPLBENCH_CANARY}
CANARY=${2:?usage: explore.sh REPLBENCH REPLBENCH_CANARY}
. "$(dirname "$0")/lib.sh"
start explore
case $CANARY in /*) ;; *) CANARY=$PWD/$CANARY ;; esac
# Crash files land in the current folder (no --results, no --crash-dir):
# work in $T, not in the build folder.
cd "$T" || exit 1


run "$RB" explore --help
expect_rc 0 "explore --help"
expect_out "--states S" "explore --help"
ok "explore --help"

run "$RB" explore --states 2 --walks 2
expect_rc 0 "explore on ours"
expect_out "6932 scripts in the space" "explore on ours"
expect_out "explored 6932 scripts" "explore on ours"
expect_out ", 0 violations" "explore on ours"
ok "explore --states 2 --walks 2: every script, 0 violations"

n=0
for k in 1 2 3; do
    run "$RB" explore --states 2 --walks 2 --shard "$k/3"
    expect_rc 0 "explore --shard $k/3"
    m=$(sed -n 's/^explored \([0-9]*\) scripts.*/\1/p' "$OUT")
    n=$((n + m))
done
[ "$n" -eq 6932 ] || fail "the shards explored $n scripts, expected 6932"
ok "three shards explore the space once"

for bad in "--states 0" "--states 7" "--walks 4" "--depth 0" "--depth x" "--shard 3/2"; do
    # shellcheck disable=SC2086
    run "$RB" explore $bad
    expect_rc 2 "explore $bad"
done
run "$RB" explore some/path
expect_rc 2 "explore with a PATH"
ok "explore: usage errors exit 2"

run "$CANARY" explore --out "$T/cx.scn"
expect_rc 1 "explore on the canary"
expect_out "counterexample: script" "explore on the canary"
expect_out "written to $T/cx.scn" "explore on the canary"
[ -s "$T/cx.scn" ] || fail "no counterexample written"
lines=$(grep -c -v '^#' "$T/cx.scn")
[ "$lines" -le 8 ] || fail "the counterexample has $lines lines, expected at most 8"
cp "$T/cx.scn" "$T/keep.scn"
run "$RB" run "$T/keep.scn"
expect_rc 0 "the counterexample on ours"
run "$CANARY" run "$T/keep.scn"
[ "$rc" -ne 0 ] || fail "the counterexample passes on the canary"
ok "explore finds the canary's bug in $lines lines; it passes on ours"

# --color always paints the word counterexample; never (and a file) not.
esc=$(printf '\033')
run "$CANARY" explore --color always --states 2 --walks 1
expect_rc 1 "explore --color always on the canary"
expect_out "^$esc\[1;31mcounterexample$esc\[0m: script " "explore --color always"
for color in "--color never" ""; do
    # shellcheck disable=SC2086
    run "$CANARY" explore $color --states 2 --walks 1
    expect_out "^counterexample: script " "explore $color"
    ! grep -q "$esc" "$OUT" || fail "explore $color: colour in its output"
done
ok "explore --color paints the counterexample"

# -j N: the workers share the scripts, and the counterexample (the smallest
# failing script), its file and the counts are those of -j 1.
# (Under ASan the crash's addresses differ: each worker's heap has its own
# history.)
norm() { sed -e 's/ in [0-9.]* s.*//' -e 's/0x[0-9a-f]*/0x/g' -e '/^written to /d' "$1"; }
run "$CANARY" explore --out "$T/cx1.scn"
norm "$OUT" >"$T/j1"
norm "$T/cx1.scn" >"$T/cx1.norm"
for j in 2 3; do
    run "$CANARY" explore -j "$j" --out "$T/cx$j.scn"
    expect_rc 1 "explore -j $j on the canary"
    norm "$OUT" | cmp -s "$T/j1" - ||
        { diff "$T/j1" "$OUT" >&2; fail "explore -j $j on the canary differs from -j 1"; }
    norm "$T/cx$j.scn" | cmp -s - "$T/cx1.norm" || fail "explore -j $j wrote another counterexample"
done
ok "explore -j 2 and -j 3 find the counterexample -j 1 finds"

run "$CANARY" explore --out "$T/no/such/dir/cx.scn"
expect_rc 2 "explore --out into a missing folder"
ok "explore: an --out that cannot be written exits 2"
echo "explore.sh: all passed"
