#!/bin/sh
# liveness.sh: --liveness on run, sweep and determinism, the `liveness`
# scenario operation and its language (issue 20, point 1); `replbench
# swarm` (point 3): bad options, the drawn configuration printed, the same
# seeds giving the same lines with --jobs 1 and 2, a failing seed written
# as a .scn that fails with the same trace hash, is deterministic and
# reduces.
# Usage: sh liveness.sh PATH/TO/replbench SUITES_DIR
set -u

RB=${1:?usage: liveness.sh PATH/TO/replbench SUITES_DIR}
SUITES=${2:?usage: liveness.sh PATH/TO/replbench SUITES_DIR}
. "$(dirname "$0")/lib.sh"
start liveness
export REPLBENCH_CACHE_DIR="$T/cache"

# The hash of the run record of FILE.jsonl (the one record there is).
hash_of() {
    sed -n 's/.*"hash":"\(0x[0-9a-f]*\)".*/\1/p' "$1" | head -n 1
}

# ---- the language -------------------------------------------------------------
bad_line() {
    printf '%s\n' "$1" >"$T/bad.scn"
    rb run "$T/bad.scn"; expect_rc 2 "'$1'"
    expect_err "bad.scn:1:" "'$1': an error with its place"
    expect_err "$2" "'$1'"
}
bad_line "liveness ticks=0" "bad value '0' for 'ticks'"
bad_line "liveness ticks=1000001" "bad value '1000001' for 'ticks'"
bad_line "liveness when=now" "unknown argument 'when' for 'liveness'"
bad_line "expect liveness=maybe" "bad value 'maybe' for 'liveness'"
printf 'cluster\npartition link=p2s permanent=yes\n' >"$T/bad.scn"
rb run "$T/bad.scn"; expect_rc 2 "permanent=yes"; expect_err "bad value 'yes' for 'permanent'" "permanent=yes"
printf 'state name=a\nexpect liveness=converged\n' >"$T/none.scn"
rb run "$T/none.scn"; expect_rc 1 "expect liveness before any phase"
expect_out "no liveness phase has run" "expect liveness before any phase"
ok "the liveness operation, permanent= and expect liveness=: bad values refused with their place"

# ---- --liveness on run ---------------------------------------------------------
rb run -q --liveness "$SUITES/liveness"; expect_rc 0 "run --liveness of the liveness suite"
rb run --liveness-ticks 5 "$SUITES/liveness"; expect_rc 2 "--liveness-ticks alone"
expect_err "needs --liveness" "--liveness-ticks alone"
rb run --liveness --liveness-ticks 0 "$SUITES/liveness"; expect_rc 2 "--liveness-ticks 0"
# A failover commit of 16 sectors at one a tick, then the scenario ends:
# passes alone, converges with --liveness, is stuck with a 3-tick bound.
cat >"$T/commit.scn" <<'EOF'
cluster size=1024 interval=0 commit_rate=1
start
write sector=0 count=16 byte=0x11 vm=secondary
run ticks=2
failover node=sec
EOF
rb run "$T/commit.scn"; expect_rc 0 "a commit left running"
rb run --liveness "$T/commit.scn"; expect_rc 0 "--liveness: the commit ends in the phase"
rb run --liveness --liveness-ticks 3 --results "$T/stuck.jsonl" "$T/commit.scn"
expect_rc 1 "--liveness-ticks 3: stuck"
expect_out "liveness: not converged 3 ticks after faults stopped at tick 2" "the stuck diagnosis"
expect_out "failover commit of sec.d0: stage failover since tick 2" "the stuck component, since when"
expect_out "replbench run --seed 1 --liveness --liveness-ticks 3 " "the reproduce line keeps --liveness"
grep -q '"liveness":true,"liveness_ticks":3' "$T/stuck.jsonl" || fail "the record says liveness"
grep -q '"checker_kind":"liveness"' "$T/stuck.jsonl" || fail "the record's checker is liveness"
grep -q '"live_verdict":"stuck","live_part":"commit"' "$T/stuck.jsonl" ||
    fail "the record names the stuck part"
rb merge "$T/stuck.jsonl"; expect_rc 1 "merge of a stuck run"
# The same phase asked for by the scenario itself.
printf 'liveness ticks=3\n' >>"$T/commit.scn"
rb run "$T/commit.scn"; expect_rc 1 "the liveness line"
expect_out "commit.scn:6: liveness: not converged" "the liveness line's failure has its line"
ok "run --liveness: converges, or fails naming what is stuck and since when; reproduced"

rb determinism --liveness "$SUITES/liveness" "$T/commit.scn"; expect_rc 1 "determinism --liveness"
expect_out "^determinism: 13 same, 0 different, 1 failed" "determinism --liveness"
rb sweep -q --liveness "$SUITES/liveness/commit_fault_on_one_of_two_disks.scn"
expect_rc 0 "sweep --liveness"
ok "determinism and sweep take --liveness"

# ---- swarm ---------------------------------------------------------------------
rb swarm; expect_rc 2 "swarm without --seeds"; expect_err "--seeds A..B is needed" "swarm"
rb swarm --seeds 1..2 some.scn; expect_rc 2 "swarm with a path"
rb swarm --seeds 1..2 --set nope=1; expect_rc 2 "--set of an unknown key"
expect_err "unknown argument 'nope' for 'cluster'" "--set nope=1"
rb swarm --seeds 1..2 --set interval=soon; expect_rc 2 "--set of a bad value"
expect_err "bad value 'soon' for 'interval'" "--set interval=soon"
rb swarm --seeds 1..2 --set interval; expect_rc 2 "--set without a value"
rb swarm --seeds 9223372036854775807..9223372036854775808; expect_rc 2 "seeds past 2^63-1"
ok "swarm: bad options exit 2 with a message"

cd "$T" || exit 1
rb swarm --seeds 1..12 --liveness; expect_rc 0 "swarm --liveness on ours"
lines 13 "a line per seed and the summary"
expect_out "^\(PASS\|SKIP\) seed 7: cluster disks=" "each seed's line says what it drew"
expect_out "^swarm: 12 seeds, 12 passed, 0 failed" "the summary"
head -n 12 "$OUT" >"$T/jobs1"
rb swarm --seeds 1..12 --liveness --jobs 2; expect_rc 0 "swarm --jobs 2"
head -n 12 "$OUT" | cmp -s - "$T/jobs1" || fail "swarm --jobs 2 drew or judged otherwise"
ok "swarm: a line per seed with its draw; --jobs 2 gives the same lines"

have_fiu || { echo "# built without libfiu: the swarm's faults do not fire, the rest skipped"; exit 0; }
# The seeds below follow scenarios/swarm.c's draws: a change to the draws
# moves them (pick the first finding of --seeds 1..100 again).
rb swarm -q -x --seeds 9..14 --set upstream_checkpoint=true --out found --results "$T/sw.jsonl"
expect_rc 1 "swarm finds upstream's swallowed write"
expect_out "^FAIL seed 10: checker: data: disk 1 at checkpoint 14" "the finding"
expect_out "written: found/seed-10.scn" "the file written"
expect_out "first failure at seed 10 (seeds run to find it: 2)" "seeds to the first finding"
expect_out "stopped at the first failure" "-x"
[ -f found/seed-10.scn ] || fail "no found/seed-10.scn"
head -n 3 found/seed-10.scn | grep -q '^# drawn by: replbench swarm --seeds 10..10 --set upstream_checkpoint=true' ||
    fail "the file says how it was drawn"
rb run --results "$T/rerun.jsonl" found/seed-10.scn; expect_rc 1 "the written file fails"
expect_out "data: disk 1 at checkpoint 14" "the same failure"
swarm_hash=$(grep '"path":"found/seed-10.scn"' "$T/sw.jsonl" | sed -n 's/.*"hash":"\(0x[0-9a-f]*\)".*/\1/p')
[ -n "$swarm_hash" ] && [ "$swarm_hash" = "$(hash_of "$T/rerun.jsonl")" ] ||
    fail "the file's trace hash $(hash_of "$T/rerun.jsonl") is not swarm's $swarm_hash"
rb determinism found/seed-10.scn; expect_rc 1 "determinism of the written file"
expect_out "1 same, 0 different" "the written file is deterministic"
rb reduce found/seed-10.scn -o small.scn; expect_rc 0 "reduce of the written file"
rb run small.scn; expect_rc 1 "the reduced file still fails"
expect_out "data: disk 1 at checkpoint" "the reduced file fails the same way"
ok "swarm writes a failing seed as a .scn: the same hash, deterministic, reducible"
