#!/bin/sh
# worker_session.sh: a worker runs job after job in one session, its world
# reset between runs (cli/pool.c), and no run can tell: every scenario of
# the suites run by one worker one after the other (--jobs 1) has the trace
# and verdict it has run alone, in a worker of its own; and a sweep of
# several files by one worker writes the runs its files' sweeps write alone.
# What a reset that forgot something (the clock, a fault point's count, a
# checker's state) would change is the next run's trace.
# Usage: sh worker_session.sh PATH/TO/replbench SUITES_DIR
set -u

RB=${1:?usage: worker_session.sh REPLBENCH SUITES_DIR}
SUITES=${2:?usage: worker_session.sh REPLBENCH SUITES_DIR}
. "$(dirname "$0")/lib.sh"
start worker_session
case $SUITES in /*) ;; *) SUITES=$PWD/$SUITES ;; esac
cd "$SUITES/.." || exit 1

# ---- run: one worker for all == each alone ------------------------------------------------

find suites -name '*.scn' | LC_ALL=C sort >"$T/files"
[ "$(wc -l <"$T/files")" -ge 100 ] || fail "fewer than 100 scenarios under $SUITES"
rb run --jobs 1 --trace "$T/all.trace" suites
[ "$rc" -le 1 ] || fail "run of the suites in one worker: exit status $rc"
: >"$T/alone.trace"
while read -r f; do
    "$RB" run --trace "$T/one.trace" "$f" >/dev/null 2>"$ERR"
    [ $? -le 1 ] || fail "run $f alone"
    cat "$T/one.trace" >>"$T/alone.trace"
done <"$T/files"
# The same scenarios in the same order: path order, as both runs print them.
grep '^# ' "$T/all.trace" >"$T/all.paths"
grep '^# ' "$T/alone.trace" >"$T/alone.paths"
cmp -s "$T/all.paths" "$T/alone.paths" || fail "not the same scenarios in the two runs"
cmp -s "$T/all.trace" "$T/alone.trace" ||
    { diff "$T/all.trace" "$T/alone.trace" | head -n 20 >"$OUT";
      fail "a scenario's trace run after others in one worker differs from its trace alone"; }
ok "$(wc -l <"$T/files") scenarios in one worker: every trace as alone ($(wc -l <"$T/all.trace") lines)"

# ---- sweep: one worker for three files == each file's sweep alone --------------------------

# Runs as results records, without what differs between two sweeps of the
# same runs: the wall time of each.
records() {
    sed -n '/"kind":"sweep"\|"kind":"summary"/p' "$1" | sed 's/"time":[0-9.e+-]*,//'
}
set -- suites/failover/commit_fault_at_first_step.scn suites/faults/cluster_packets_and_mismatch.scn \
       suites/failover/backup_fault_refuses_the_failover.scn
for f in "$@"; do [ -f "$f" ] || fail "missing $f"; done
rb sweep --jobs 1 --max-hits 3 --results "$T/all.jsonl" "$@"
[ "$rc" -le 1 ] || fail "sweep of three files in one worker: exit status $rc"
records "$T/all.jsonl" | LC_ALL=C sort >"$T/all.runs"
: >"$T/alone.runs.u"
for f in "$@"; do
    "$RB" sweep --max-hits 3 --results "$T/one.jsonl" "$f" >/dev/null 2>"$ERR"
    [ $? -le 1 ] || fail "sweep of $f alone"
    records "$T/one.jsonl" >>"$T/alone.runs.u"
done
LC_ALL=C sort "$T/alone.runs.u" >"$T/alone.runs"
[ -s "$T/all.runs" ] || fail "the sweep wrote no run"
cmp -s "$T/all.runs" "$T/alone.runs" ||
    { diff "$T/all.runs" "$T/alone.runs" | cut -c1-300 | head -n 10 >"$OUT";
      fail "a sweep's runs in one worker differ from each file's sweep alone"; }
ok "sweep of 3 files in one worker: $(wc -l <"$T/all.runs") records and summaries as alone"
