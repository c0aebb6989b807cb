#!/bin/sh
# seeds.sh: many seeds per scenario (--seeds A..B) and a wall-time budget
# (--budget) on run, sweep and determinism; the failing (scenario, seed)
# pairs listed at the end with their reproduce commands, which do reproduce.
# Usage: sh seeds.sh PATH/TO/replbench
set -u

RB=${1:?usage: seeds.sh PATH/TO/replbench}
. "$(dirname "$0")/lib.sh"
start seeds
export REPLBENCH_CACHE_DIR="$T/cache"


# Seed-dependent failures come from a fault with a probability: libfiu.
have_fiu || { echo "# built without libfiu: nothing fails by seed, skipped"; exit 77; }

# The commit fault fires with probability 1/2: the failover fails under
# some seeds only (prob.scn, a fixture shared with merge.sh).
cp "$(dirname "$0")/prob.scn" "$T/prob.scn"
printf 'state name=a\nwalk kind=stop\nexpect calls="a.stop"\n' >"$T/walk.scn"

rb run --seeds 1..20 "$T/prob.scn" "$T/walk.scn"; expect_rc 1 "run --seeds with failures"
[ "$(grep -c '^\(PASS\|FAIL\) ' "$OUT")" -eq 40 ] || fail "run --seeds 1..20: not 40 runs"
nfail=$(grep -c '^FAIL ' "$OUT")
[ "$nfail" -gt 0 ] && [ "$nfail" -lt 20 ] || fail "prob.scn should fail under some seeds, not all ($nfail)"
expect_out "^PASS $T/walk.scn \[seed 20\]" "run --seeds: each line names its seed"
expect_out "$((40 - nfail)) passed, $nfail failed" "run --seeds summary"
expect_out "^failures ($nfail):" "run --seeds: the recap counts every failing pair"
# every failing (scenario, seed) pair is listed once with its command, and
# the command reproduces the failure under that seed alone
cp "$OUT" "$T/all"
sed -n '/^failures/,/^implementation/p' "$OUT" | grep "^    $RB run --seed" >"$T/repro"
[ "$(wc -l <"$T/repro")" -eq "$nfail" ] || fail "recap: not one reproduce command per failing pair"
[ "$(sort -u "$T/repro" | wc -l)" -eq "$nfail" ] || fail "recap: the same pair twice"
while read -r cmd; do
    seed=$(echo "$cmd" | sed 's/.*--seed \([0-9]*\) .*/\1/')
    grep -q "^FAIL $T/prob.scn:7 \[seed $seed\]" "$T/all" || fail "recap names seed $seed, which did not fail"
    rb run --seed "$seed" "$T/prob.scn"; expect_rc 1 "the reproduce command for seed $seed"
done <"$T/repro"
ok "run --seeds 1..20: every seed, failing (scenario, seed) pairs recapped, each reproduces"

rb run --seeds 1..20 --jobs 2 "$T/prob.scn" "$T/walk.scn"
grep '^\(PASS\|FAIL\)' "$OUT" >"$T/jobs2"
rb run --seeds 1..20 "$T/prob.scn" "$T/walk.scn"
grep '^\(PASS\|FAIL\)' "$OUT" | cmp -s - "$T/jobs2" || fail "--seeds with --jobs 2: other results"
ok "run --seeds with --jobs 2 gives the same lines in the same order"

rb run --seeds 5..5 "$T/walk.scn"; expect_rc 0 "--seeds 5..5"; expect_out "\[seed 5\]" "--seeds 5..5"
rb run --seeds 0x10..0x11 "$T/walk.scn"; expect_rc 0 "--seeds in hex"; expect_out "\[seed 17\]" "--seeds hex"
rb run --seeds 18446744073709551614..18446744073709551615 "$T/walk.scn"
expect_rc 0 "--seeds at the top of the range"; expect_out "seed 18446744073709551615" "top seed"
for bad in 5 5.. ..5 3..1 a..b 1..x 1...3 0..1000000 -1..2 1..18446744073709551616; do
    rb run --seeds "$bad" "$T/walk.scn"; expect_rc 2 "--seeds $bad"
    expect_err "bad value '$bad' for --seeds" "--seeds $bad"
done
rb run --seeds 0..999999 --list "$T/walk.scn"; expect_rc 0 "--seeds of 1000000 seeds"
rb run --seed 1 --seeds 1..2 "$T/walk.scn"; expect_rc 2 "--seed with --seeds"
expect_err "cannot go together" "--seed with --seeds"
for bad in 0 0s 5x 1.5m m -3s 10d 169h 99999999999s ''; do
    rb run --budget "$bad" "$T/walk.scn"; expect_rc 2 "--budget '$bad'"
    expect_err "for --budget" "--budget '$bad'"
done
for good in 1 30s 500ms 5m 2h 168h; do
    rb run --budget "$good" "$T/walk.scn"; expect_rc 0 "--budget $good"
done
ok "bad values of --seeds and --budget exit 2 with a message; good ones run"

# ---- --budget ------------------------------------------------------------------------
# Budgets of 2 s, not less: on a loaded machine a fraction of a second went by
# before the first run (sweep: 0 of 100000 runs, no failure to find).

rb run --budget 2s --seeds 1..999999 "$T/walk.scn"; expect_rc 0 "run --budget spent, all passed"
expect_out "^budget of 2.000 s spent: stopped after [0-9]* of 999999 runs" "run --budget"
done=$(sed -n 's/^budget .* stopped after \([0-9]*\) of.*/\1/p' "$OUT")
[ "$done" -gt 0 ] && [ "$done" -lt 999999 ] || fail "run --budget: $done runs"
[ "$(grep -c '^PASS' "$OUT")" -eq "$done" ] || fail "run --budget: the runs done are not all reported"
expect_out "^$done passed, 0 failed" "run --budget: the summary counts what ran"
rb run -q --budget 2s --seeds 1..999999 "$T/prob.scn"; expect_rc 1 "run --budget with failures"
expect_out "budget of 2.000 s spent" "run --budget with failures"
expect_out "^failures (" "run --budget: the recap of what failed"
rb sweep --budget 2s --seeds 1..100000 --max-hits 2 "$T/prob.scn"; expect_rc 1 "sweep --budget"
expect_out "^budget of 2.000 s spent" "sweep --budget"
rb determinism --budget 2s --seeds 1..100000 "$T/walk.scn"; expect_rc 0 "determinism --budget"
expect_out "^budget of 2.000 s spent" "determinism --budget"
rb run --format tap --budget 2s --seeds 1..999999 "$T/walk.scn"; expect_rc 0 "tap --budget"
expect_err "^budget of 2.000 s spent" "tap --budget: the note on stderr, TAP stays clean"
ok "--budget stops cleanly and reports what ran (run, sweep, determinism)"

# ---- sweep and determinism ------------------------------------------------------------

rb sweep --seeds 1..4 --max-hits 1 "$T/prob.scn"; expect_rc 1 "sweep --seeds"
[ "$(grep -c '^swept ' "$OUT")" -eq 4 ] || fail "sweep --seeds 1..4: not 4 scenarios swept"
expect_out "^swept $T/prob.scn \[seed 3\]" "sweep --seeds names the seed"
expect_out "^failures (" "sweep --seeds recap"
sed -n '/^failures/,$p' "$OUT" | grep -q "^    $RB run --seed [0-9]* --inject \|^    $RB run --seed [0-9]* $T" ||
    fail "sweep recap: reproduce commands"
rb determinism --seeds 1..5 "$T/prob.scn"; expect_rc 1 "determinism --seeds (some seeds fail)"
expect_out "^FAIL $T/prob.scn:7 \[seed 2\]" "determinism --seeds: the failing seed"
[ "$(grep -c '^SAME ' "$OUT")" -eq 5 ] || fail "determinism --seeds 1..5: not 5 checks"
expect_out "\[seed 4\]" "determinism --seeds names the seed"
ok "sweep and determinism take --seeds"
