#!/bin/sh
# determinism_diff.sh: `replbench determinism` linked against a registry
# that is not deterministic on purpose (nondet_registry.c: the first start
# walk of a process calls no state) reports DIFF with the first differing
# trace line of each run, exit 1, and a reproduce line that names the
# binary and, run as printed, gives the same DIFF again; in -j 2 as in
# -j 1.  Our registry on the same scenarios: SAME, exit 0 (no false alarm).
# Usage: sh determinism_diff.sh PATH/TO/replbench_nondet PATH/TO/replbench
set -u
RB=${1:?usage: determinism_diff.sh REPLBENCH_NONDET REPLBENCH}
OURS=${2:?usage: determinism_diff.sh REPLBENCH_NONDET REPLBENCH}
. "$(dirname "$0")/lib.sh"
start determinism_diff
case $OURS in /*) ;; *) OURS=$PWD/$OURS ;; esac
cd "$T" || exit 1

mkdir s
printf 'state name=a\nstate name=b\nwalk kind=start\n' >s/a_start.scn
printf 'state name=a\nwalk kind=checkpoint\nwalk kind=start\n' >s/b_later.scn

rb determinism s/a_start.scn
expect_rc 1 "determinism on a registry that is not deterministic"
expect_out "^DIFF s/a_start.scn: first difference at trace line [0-9]*\$" "the DIFF line"
expect_out "^  run 1: " "the first run's line"
expect_out "^  run 2: 0 - scn call b.start\$" "the second run's line (the state called)"
expect_out "0 same, 1 different" "the summary"
grep '^DIFF\|^  run [12]: ' "$OUT" >diff1
# The recap's command names this binary and the seed; run as printed, it
# gives the same DIFF.
cmd=$(sed -n 's/^    \(.* determinism --seed [0-9]* s\/a_start.scn\)$/\1/p' "$OUT")
[ -n "$cmd" ] || fail "no reproduce line in the recap"
case $cmd in "$RB determinism --seed 1 s/a_start.scn") ;;
    *) fail "the reproduce line '$cmd' is not '$RB determinism --seed 1 s/a_start.scn'" ;; esac
run sh -c "$cmd"
expect_rc 1 "the reproduce line"
grep '^DIFF\|^  run [12]: ' "$OUT" | cmp -s diff1 - || fail "the reproduce line gives another DIFF"
ok "determinism: DIFF with each run's first differing line; its reproduce line gives it again"

rb determinism s
expect_rc 1 "determinism of two files"
expect_out "^DIFF s/b_later.scn: first difference at trace line" "the later walk differs too"
sed 's/ in [0-9.]* s.*//' "$OUT" >j1
rb determinism -j 2 s
sed 's/ in [0-9.]* s.*//' "$OUT" | cmp -s j1 - || { diff j1 "$OUT" >&2; fail "-j 2 differs from -j 1"; }
ok "determinism -j 2 reports the DIFFs of -j 1"

run "$OURS" determinism s
expect_rc 0 "determinism on our registry"
expect_out "^SAME s/a_start.scn " "ours: the same scenario is SAME"
expect_out "2 same, 0 different" "ours"
ok "our registry: SAME on the scenarios that differ on the planted one"
