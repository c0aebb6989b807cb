#!/bin/sh
# limits.sh: every run ends, and says how (issue 19, point 3).  Linked
# against a registry whose get_error walk never ends (hang_registry.c):
# - a scenario past --timeout FAILs "timed out after ..." with its
#   reproduce command, and the command goes on with the next scenario: run
#   (--jobs 1 and 2), sweep, determinism, ledger, conform, reduce, explore;
# - the default limit is 60 s, REPLBENCH_TIMEOUT changes it, bad values are
#   usage errors;
# - SIGINT and SIGTERM stop a run: its workers killed, what ran and the
#   summary printed, exit 130/143, no process and no temp folder left;
# - workers (explore's too) die when their parent is killed with SIGKILL.
# Real processes and real signals, every wait bounded.
# Usage: sh limits.sh PATH/TO/replbench_hang PATH/TO/replbench
set -u
RB=${1:?usage: limits.sh REPLBENCH_HANG REPLBENCH}
OURS=${2:?usage: limits.sh REPLBENCH_HANG REPLBENCH}
. "$(dirname "$0")/lib.sh"
start limits
case $OURS in /*) ;; *) OURS=$PWD/$OURS ;; esac
# Crash files land in the current folder (no --results, no --crash-dir):
# work in $T, not in the build folder.
cd "$T" || exit 1
# Every temp folder of the commands below lands here, to be looked at.
mkdir "$T/tmp"
TMPDIR=$T/tmp
export TMPDIR

mkdir "$T/s"
printf 'state name=a\nwalk kind=get_error\n' >"$T/s/a_hang.scn"
printf 'state name=a\nwalk kind=start\nexpect calls="a.start"\n' >"$T/s/b_pass.scn"
printf 'state name=a\nwalk kind=stop\nexpect calls="a.stop"\n' >"$T/s/c_pass.scn"
# Two hangs after the passing scenarios in path order (outcomes are printed
# in that order).
mkdir "$T/z"
cp "$T/s/a_hang.scn" "$T/z/a_hang.scn"
cp "$T/s/a_hang.scn" "$T/z/b_hang.scn"

# wait_for TEXT FILE: until FILE holds TEXT, at most 20 s.
wait_for() {
    i=0
    while ! grep -q -- "$1" "$2" 2>/dev/null; do
        i=$((i + 1))
        [ "$i" -le 200 ] || fail "waited 20 s for '$1' in $2"
        sleep 0.1
    done
}

# gone PID...: each process has ended (at most 5 s); zombies count as gone.
gone() {
    for p in "$@"; do
        i=0
        while kill -0 "$p" 2>/dev/null && [ "$(ps -o stat= -p "$p" | cut -c1)" != Z ]; do
            i=$((i + 1))
            [ "$i" -le 50 ] || fail "process $p still runs: $(ps -o pid,ppid,stat,args -p "$p")"
            sleep 0.1
        done
    done
}

# ---- --timeout ---------------------------------------------------------------

for jobs in 1 2; do
    rb run --jobs "$jobs" --timeout 1s "$T/s"
    expect_rc 1 "run --jobs $jobs with a scenario that never ends"
    expect_out "^FAIL $T/s/a_hang.scn: timed out after 1 s (the --timeout limit)\$" \
        "--jobs $jobs: the hang is a FAIL naming the limit"
    expect_out "^  reproduce: $RB run --seed 1 $T/s/a_hang.scn\$" "--jobs $jobs: reproduce"
    expect_out "^    0 - scn walk line=2 kind=get_error\$" "--jobs $jobs: the last trace lines"
    expect_out "^PASS $T/s/b_pass.scn " "--jobs $jobs: the run goes on after the hang"
    expect_out "^PASS $T/s/c_pass.scn " "--jobs $jobs: the run goes on after the hang"
    expect_out "^2 passed, 1 failed, 0 skipped in " "--jobs $jobs: the summary"
    ok "run --jobs $jobs --timeout 1s: the hang FAILs 'timed out', the run goes on"
done

# Not only a registry that hangs: a legal scenario that runs long on our
# correct registry (a cluster's million ticks, seconds of work) is stopped
# at the limit too, and the run goes on (issue 19, acceptance 4).
mkdir "$T/long"
printf 'cluster disks=4 writes=1 packets=1\nstart\nrun ticks=1000000\n' >"$T/long/a_long.scn"
cp "$T/s/b_pass.scn" "$T/long/b_pass.scn"
for jobs in 1 2; do
    run "$OURS" run --jobs "$jobs" --timeout 1s "$T/long"
    expect_rc 1 "run --jobs $jobs with a scenario longer than --timeout"
    expect_out "^FAIL $T/long/a_long.scn: timed out after 1 s (the --timeout limit)\$" \
        "--jobs $jobs: the long scenario is a FAIL naming the limit"
    expect_out "^  reproduce: $OURS run --seed 1 $T/long/a_long.scn\$" "--jobs $jobs: reproduce"
    expect_out "^PASS $T/long/b_pass.scn " "--jobs $jobs: the run goes on after the long one"
    expect_out "^1 passed, 1 failed, 0 skipped in " "--jobs $jobs: the summary"
done
ok "a legal scenario longer than --timeout FAILs naming the limit, the run goes on"

rb run --timeout 1s --results "$T/r.jsonl" "$T/s/a_hang.scn"
expect_rc 1 "run --results with a hang"
grep -q '"verdict":"fail","message":"timed out after 1 s (the --timeout limit)"' "$T/r.jsonl" &&
    grep -q '"timed_out":true' "$T/r.jsonl" || fail "the results record of a hang: $(cat "$T/r.jsonl")"
ok "the results record of a hang: verdict fail, timed_out true"

REPLBENCH_TIMEOUT=1s rb run "$T/s/a_hang.scn"
expect_rc 1 "REPLBENCH_TIMEOUT=1s"
expect_out "timed out after 1 s" "REPLBENCH_TIMEOUT sets the default"
rb run --help
expect_out "default 60s" "run --help documents the default time limit"
expect_out "130 or 143 stopped by SIGINT or SIGTERM" "run --help documents the interrupted exit"
for bad in x 1y -1 10000h ""; do
    rb run --timeout "$bad" "$T/s/b_pass.scn"
    expect_rc 2 "--timeout '$bad'"
    expect_err "bad value '$bad' for --timeout" "--timeout '$bad'"
done
REPLBENCH_TIMEOUT=soon rb run "$T/s/b_pass.scn"
expect_rc 2 "REPLBENCH_TIMEOUT=soon"
ok "default 60s (--help), REPLBENCH_TIMEOUT, bad values exit 2"

rb sweep --timeout 1s "$T/s/a_hang.scn" "$T/s/b_pass.scn"
expect_rc 1 "sweep with a hang"
expect_out "^FAIL $T/s/a_hang.scn: clean run: timed out after 1 s" "sweep: the hang"
expect_out "^swept $T/s/b_pass.scn" "sweep goes on after the hang"
rb determinism --timeout 1s "$T/s/a_hang.scn" "$T/s/b_pass.scn"
expect_rc 1 "determinism with a hang"
expect_out "^FAIL $T/s/a_hang.scn: timed out after 1 s" "determinism: the hang"
expect_out "^SAME $T/s/b_pass.scn " "determinism goes on after the hang"
# -j 2: the hang timed out in one child while the other pair runs, the
# lines in the order of -j 1.
sed 's/ in [0-9.]* s.*//' "$OUT" >"$T/det1"
rb determinism -j 2 --timeout 1s "$T/s/a_hang.scn" "$T/s/b_pass.scn"
expect_rc 1 "determinism -j 2 with a hang"
sed 's/ in [0-9.]* s.*//' "$OUT" | cmp -s "$T/det1" - ||
    { diff "$T/det1" "$OUT" >&2; fail "determinism -j 2 with a hang differs from -j 1"; }
rb ledger --timeout 1s "$T/s/a_hang.scn" "$T/s/b_pass.scn"
expect_rc 2 "ledger with a hang (its counts are missing)"
expect_err "a_hang.scn: timed out after 1 s" "ledger names the hang"
mkdir "$T/c"
{ echo "rule id=3 walk=get_error"; cat "$T/s/a_hang.scn"; } >"$T/c/a_hang.scn"
{ echo "rule id=1 walk=start"; cat "$T/s/b_pass.scn"; } >"$T/c/b_pass.scn"
rb conform --timeout 1s "$T/c"
expect_rc 1 "conform with a hang"
expect_out "^FAIL rule 3, get_error: 1 scenario; first: $T/c/a_hang.scn: timed out after 1 s" \
    "conform files the hang in its cell"
ok "sweep, determinism (-j 1 and 2), ledger and conform stop the hang at --timeout and go on"

rb reduce --timeout 1s "$T/s/a_hang.scn"
expect_rc 0 "reduce of a hang"
expect_out "fails: crash: timed out after 1 s" "reduce keeps candidates that hang"
expect_out "^walk kind=get_error" "reduce of a hang"
rb explore --states 1 --walks 1 --timeout 1s
expect_rc 1 "explore on a registry that hangs"
expect_out "^counterexample: script [0-9]*, [0-9]* lines: timed out after 1 s" "explore: the hang"
sed 's/ in [0-9.]* s.*//' "$OUT" >"$T/ex1"
rb explore -j 2 --states 1 --walks 1 --timeout 1s
expect_rc 1 "explore -j 2 on a registry that hangs"
sed 's/ in [0-9.]* s.*//' "$OUT" | cmp -s "$T/ex1" - ||
    { diff "$T/ex1" "$OUT" >&2; fail "explore -j 2 on the hang differs from -j 1"; }
ok "reduce and explore stop a hang at --timeout (explore -j 2 as -j 1)"

# swarm: a seed past --timeout FAILs "timed out" (its scenario written, the
# next seed run); a worker that dies keeps its whole report in --crash-dir.
rb swarm --seeds 1..2 --timeout 1s --out "$T/swf"
expect_rc 1 "swarm on a registry that hangs"
expect_out "^FAIL seed 1: timed out after 1 s (the --timeout limit)\$" "swarm: the first seed"
if have_fiu; then
    expect_out "^FAIL seed 2: timed out after 1 s (the --timeout limit)\$" "swarm goes on after it"
else
    # Seed 2 draws network faults: a SKIP without fault points, still a
    # verdict after the seed that timed out.
    grep -Eq "^(FAIL seed 2: timed out after 1 s \(the --timeout limit\)|SKIP seed 2: .*)\$" "$OUT" ||
        fail "swarm goes on after it: no verdict line of seed 2"
fi
expect_out "^  reproduce: $RB run $T/swf/seed-1.scn\$" "swarm: the reproduce line"
[ -f "$T/swf/seed-1.scn" ] || fail "swarm: no $T/swf/seed-1.scn for the seed that timed out"
"$RB" swarm --seeds 1..1 --timeout 0 --crash-dir "$T/swcrash" --out "$T/swf" >"$OUT" 2>"$ERR" &
pid=$!
i=0
until kid=$(ps -o pid= --ppid "$pid" | tr -d ' ') && [ -n "$kid" ]; do
    i=$((i + 1))
    [ "$i" -le 200 ] || fail "swarm: no worker after 20 s"
    sleep 0.1
done
sleep 0.3                   # the worker now runs the seed's hang
kill -SEGV $kid
wait "$pid"
rc=$?
expect_rc 1 "swarm whose worker was killed by SIGSEGV"
expect_out "^FAIL seed 1: " "swarm: the seed whose worker died"
ls "$T/swcrash"/crash-*.txt >/dev/null 2>&1 || fail "swarm --crash-dir: no crash file in $T/swcrash"
expect_out "$T/swcrash/crash-" "swarm names the crash file"
ok "swarm: --timeout stops a seed that hangs, --crash-dir keeps a dead worker's report"

# A worker that died between two jobs (killed while idle) is replaced; the
# job it was to run next is not blamed for its death.  With --jobs 2 the
# hang holds one worker and the window of outcomes (8) fills: the other is
# idle until the hang is stopped.
mkdir "$T/idle"
cp "$T/s/a_hang.scn" "$T/idle/a_hang.scn"
for n in 1 2 3 4 5 6 7 8 9; do cp "$T/s/b_pass.scn" "$T/idle/b_pass$n.scn"; done
"$RB" run --jobs 2 --timeout 3s "$T/idle" >"$OUT" 2>"$ERR" &
pid=$!
sleep 1
idle=$(ps -o pid=,stat= --ppid "$pid" | awk '$2 ~ /^S/ { print $1 }')
[ -n "$idle" ] || fail "no idle worker found: $(ps -o pid,stat,args --ppid "$pid")"
kill -KILL $idle
wait "$pid"
rc=$?
expect_rc 1 "a run whose idle worker was killed"
expect_out "^9 passed, 1 failed, 0 skipped in " "the job after the idle worker's death passes"
expect_no_out "crashed" "no job blamed for the idle worker's death"
ok "a worker killed between two jobs is replaced; no job is blamed"

# ---- signals -----------------------------------------------------------------

# bg CMD...: CMD in the background with ^C handled as in a terminal (a
# shell's background job starts with SIGINT ignored); its pid in $bg.
bg() {
    env --default-signal=INT "$@" >"$OUT" 2>"$ERR" &
    bg=$!
}

# signal_bg SIG: SIG to the background command $bg, its workers noted in
# $kids first, and wait for it: its status in $rc.
signal_bg() {
    kids=$(ps -o pid= --ppid "$bg" | tr -d ' ' | tr '\n' ' ')
    [ -n "$kids" ] || fail "SIG$1: no worker of $bg found"
    kill -"$1" "$bg"
    wait "$bg" 2>/dev/null
    rc=$?
}

for sig in INT TERM; do
    want=$([ $sig = INT ] && echo 130 || echo 143)
    rm -f "$T/r.jsonl"
    bg "$RB" run --jobs 2 --timeout 0 --results "$T/r.jsonl" "$T/s/b_pass.scn" "$T/z"
    wait_for "^PASS $T/s/b_pass.scn" "$OUT"
    sleep 0.3               # both workers now run a hang
    signal_bg $sig
    expect_rc "$want" "run interrupted by SIG$sig"
    expect_out "^interrupted by SIG$sig: 1 of 3 runs done" "SIG$sig: says it was interrupted"
    expect_out "^1 passed, 0 failed, 0 skipped in " "SIG$sig: the summary of what ran"
    # shellcheck disable=SC2086
    gone $kids
    [ -z "$(ls -A "$T/tmp")" ] || fail "SIG$sig: left in TMPDIR: $(ls -A "$T/tmp")"
    ! ls "$T"/r.jsonl.part-* >/dev/null 2>&1 || fail "SIG$sig: the results' temporary file is left"
    tail -n 1 "$T/r.jsonl" | grep -q '"kind":"trailer".*"end":"interrupted"' ||
        fail "SIG$sig: the results trailer does not say interrupted: $(tail -n 1 "$T/r.jsonl")"
    # The results of an interrupted run are refused by merge (issue 19,
    # acceptance 2).
    run "$OURS" merge "$T/r.jsonl"
    expect_rc 2 "merge of the results of a run interrupted by SIG$sig"
    expect_err "interrupted" "merge says why it refuses the results of a SIG$sig"
    ok "SIG$sig: exit $want, what ran and the summary printed, no worker and no temp folder left, merge refuses the results"
done

bg "$RB" reduce --timeout 0 "$T/s/a_hang.scn"
sleep 0.5
signal_bg TERM
expect_rc 143 "reduce interrupted"
expect_err "interrupted by SIGTERM" "reduce says it was interrupted"
# shellcheck disable=SC2086
gone $kids
ok "reduce: SIGTERM ends it, its child killed"

# ---- workers die with their parent --------------------------------------------

bg "$RB" run --jobs 2 --timeout 0 "$T/z"
sleep 0.5
signal_bg KILL
# shellcheck disable=SC2086
gone $kids
ok "run's workers die with a parent killed by SIGKILL"

bg "$OURS" explore --states 6 --walks 3
sleep 1
signal_bg KILL
# shellcheck disable=SC2086
gone $kids
ok "explore's worker dies with a parent killed by SIGKILL"

bg "$OURS" explore --states 6 --walks 3
sleep 1
signal_bg INT
expect_rc 130 "explore interrupted"
expect_out "^interrupted by SIGINT at script " "explore says it was interrupted"
expect_out "^explored [0-9]* scripts" "explore prints what it explored"
# shellcheck disable=SC2086
gone $kids
ok "explore: SIGINT ends it with what was explored, its worker killed"
rm -rf "$T/tmp"/*
