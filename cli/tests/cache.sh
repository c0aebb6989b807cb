#!/bin/sh
# cache.sh: the --last-failed cache (issue 19, F4 and F7).  Two runs
# sharing it at once both keep their failures (rounds of real processes
# started together: REPLBENCH_RACE_ROUNDS, default 20; bounded: fixed
# work each); it is keyed by the implementation's sha256 as well as the
# command (with the canary build: its failures are not the normal
# build's); a FIFO in place of the state file or of its lock is an error,
# never a hang.
# Usage: sh cache.sh PATH/TO/replbench [PATH/TO/replbench_canary SUITES_DIR]
set -u

RB=${1:?usage: cache.sh REPLBENCH [REPLBENCH_CANARY SUITES_DIR]}
CANARY=${2:-}
SUITES=${3:-}
. "$(dirname "$0")/lib.sh"
start cache
case $CANARY in /*|'') ;; *) CANARY=$PWD/$CANARY ;; esac
case $SUITES in /*|'') ;; *) SUITES=$PWD/$SUITES ;; esac
cd "$T" || exit 1
export REPLBENCH_CACHE_DIR="$T/cache"
ROUNDS=${REPLBENCH_RACE_ROUNDS:-20}
mkdir -p a b c d
printf 'state name=a\nwalk kind=start\nexpect calls="b.start"\n' >a/fail.scn
printf 'state name=a\nwalk kind=start\nexpect calls="a.start"\n' >b/pass.scn
cp a/fail.scn c/fail.scn
cp b/pass.scn d/pass.scn
for d in a b c d; do
    for i in 1 2 3; do     # the same work in both: the two runs end together
        printf 'cluster writes=0.5 packets=0.5\nrun ticks=%d0000\n' "$i" >"$d/mid$i.scn"
    done
done

# ---- F4: runs at once keep all their outcomes ---------------------------------------------

# Four runs at once (two fail, two pass), each on its own folder.
round=1
while [ "$round" -le "$ROUNDS" ]; do
    rm -rf "$T/cache"
    for d in a b c d; do
        "$RB" run "$d" >/dev/null 2>"$T/err$d" &
    done
    wait
    ! grep -q "warning" "$T"/err? || fail "round $round: $(cat "$T"/err?)"
    rb run --last-failed --list a b c d
    expect_rc 0 "round $round: --last-failed --list"
    [ "$(tr '\n' ' ' <"$OUT")" = "a/fail.scn c/fail.scn " ] ||
        fail "round $round: the state lost a run's outcome: --last-failed lists '$(tr '\n' ' ' <"$OUT")'"
    round=$((round + 1))
done
! ls "$T"/cache/*.tmp >/dev/null 2>&1 || fail "a temporary state file left behind"
rb run --last-failed a b c d; expect_rc 1 "--last-failed after the rounds: the failures are still there"
expect_out "^0 passed, 2 failed" "--last-failed runs the two failures"
ok "$ROUNDS rounds of four runs sharing the cache: none lost another's outcome"

# ---- F7: a FIFO in place of the state or its lock: an error, never a hang ----------------

rb run a; expect_rc 1 "a run that records its failure"
state=$(ls "$T"/cache/run.*.last-failed 2>/dev/null)
[ -n "$state" ] || fail "no run.SHA256.last-failed in the cache"
rm -f "$state" "$T/cache/run.last-failed"
mkfifo "$state" "$T/cache/run.last-failed"
run timeout 60 "$RB" run a; expect_rc 1 "a FIFO as the state: the run's own verdict"
expect_err "warning: cannot record the failures in .*last-failed" "a FIFO as the state: said"
expect_err "not a regular file" "a FIFO as the state: why"
run timeout 60 "$RB" run --last-failed a; expect_rc 2 "--last-failed with a FIFO as the state"
expect_err "cannot read .*last-failed: not a regular file" "--last-failed: said"
[ -p "$state" ] || fail "the FIFO was replaced"
rm -f "$state" "$T/cache/lock"
mkfifo "$T/cache/lock"
run timeout 60 "$RB" run a; expect_rc 1 "a FIFO as the lock: the run's own verdict"
expect_err "warning: cannot record the failures in .*: its lock is not a regular file" "a FIFO as the lock"
rm -f "$T/cache/lock" "$T/cache/run.last-failed"
ok "a FIFO in place of the cache's state or lock is an error, never a hang"

# ---- keyed by the implementation ---------------------------------------------------------

rm -rf "$T/cache"
rb run a; expect_rc 1 "our build: a failure"
SELF=$("$RB" --version | sed -n 's/.*sha256 \([0-9a-f]*\);.*/\1/p')
[ "${#SELF}" -eq 64 ] || fail "no sha256 in replbench --version"
[ -f "$T/cache/run.$SELF.last-failed" ] || fail "the state is not named by the implementation's sha256: $(ls "$T/cache")"
if [ -n "$CANARY" ]; then
    cp "$SUITES/removal/canary_remove_next_inside_nested_start.scn" b/crash.scn
    cp "$SUITES/registry/default_registry_walks.scn" b/walks.scn
    run "$CANARY" run b; expect_rc 1 "the canary fails crash.scn"
    rb run --last-failed --list a b; expect_rc 0 "our build after the canary's run"
    [ "$(cat "$OUT")" = "a/fail.scn" ] ||
        fail "our build's --last-failed took the canary's failures: $(cat "$OUT")"
    run "$CANARY" run --last-failed --list a b
    [ "$(cat "$OUT")" = "b/crash.scn" ] || fail "the canary's own state: $(cat "$OUT")"
    rb run --last-failed a b; expect_rc 1 "our build still fails a/fail.scn"
    ok "the cache is keyed by the implementation: the canary's failures are its own"
else
    ok "the cache is named by the implementation's sha256 # SKIP the canary comparison: no canary"
fi
echo "cache.sh: all passed"
