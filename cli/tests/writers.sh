#!/bin/sh
# writers.sh: one writer per results file (issue 19, F5), with real
# processes at once.  A run writing a results file holds its lock: a second
# run naming the same file is refused (exit 2, before it runs anything);
# the file is never torn, never mixes two runs' records, and never loses
# the failing run's records to a passing one.  Rounds of two runs started
# together or a little apart (REPLBENCH_RACE_ROUNDS, default 20; bounded:
# each run has a fixed amount of work), then one round where the second
# starts while the first is known to be writing.
# Usage: sh writers.sh PATH/TO/replbench
set -u

RB=${1:?usage: writers.sh PATH/TO/replbench}
. "$(dirname "$0")/lib.sh"
start writers
have_fiu || { echo "# built without libfiu: skipped (its slow writer raced its own end there)"; exit 77; }
cd "$T" || exit 1
export REPLBENCH_CACHE_DIR="$T/cache"
ROUNDS=${REPLBENCH_RACE_ROUNDS:-20}
mkdir -p a b
printf 'state name=a\nwalk kind=start\nexpect calls="b.start"\n' >a/fail.scn
printf 'state name=a\nwalk kind=start\nexpect calls="a.start"\n' >b/pass.scn
for d in a b; do
    for i in 1 2 3; do     # some simulated time each, so that the two runs overlap
        printf 'cluster writes=0.5 packets=0.5\nrun ticks=%d0000\n' "$i" >"$d/mid$i.scn"
    done
done

# check_file ROUND RC_A RC_B: the shared file is whole and is one run's.
check_file() {
    round=$1 ra=$2 rb_=$3
    rb merge "$T/shared.jsonl"
    [ "$rc" -le 1 ] || fail "round $round: the shared file does not merge (torn?) (run A exit $ra, run B exit $rb_)"
    paths="$(grep -c '"path":"a/' "$T/shared.jsonl") $(grep -c '"path":"b/' "$T/shared.jsonl")"
    case "$paths" in
    "4 0") [ "$rc" -eq 1 ] || fail "round $round: run A's file passes" ;;
    "0 4") [ "$rc" -eq 0 ] || fail "round $round: run B's file fails" ;;
    *) fail "round $round: the file holds records of both runs, or too few (A's, B's): $paths" ;;
    esac
    [ "$ra" -eq 2 ] && [ "$paths" = "4 0" ] && fail "round $round: run A was refused but its records are there"
    [ "$rb_" -eq 2 ] && [ "$paths" = "0 4" ] && fail "round $round: run B was refused but its records are there"
    [ "$rb_" -eq 2 ] && [ "$paths" != "4 0" ] && fail "round $round: B refused, A's failing records lost"
    return 0
}

# Until run A writes (its temporary file exists): a bounded wait.
wait_writing() {
    i=0
    while [ $i -lt 3000 ] && ! ls "$T"/shared.jsonl.part-* >/dev/null 2>&1; do
        i=$((i + 1))
        sleep 0.01
    done
}

refusals=0
round=1
while [ "$round" -le "$ROUNDS" ]; do
    rm -f "$T/shared.jsonl"
    "$RB" run --results "$T/shared.jsonl" a >"$T/outa" 2>"$T/erra" & pa=$!
    # B starts a little later each round: at A's start, in its middle, about
    # its rename, after it.
    sleep "$(printf '0.%03d' $(( (round * 7) % 1000 )))"
    "$RB" run --results "$T/shared.jsonl" b >"$T/outb" 2>"$T/errb" & pb=$!
    wait $pa; ra=$?
    wait $pb; rb_=$?
    for who in a b; do
        r=$ra
        [ "$who" = b ] && r=$rb_
        case "$r" in
        0|1) ;;
        2) grep -q "being written by another process" "$T/err$who" ||
               fail "round $round: run $who exit 2 without saying why: $(cat "$T/err$who")"
           refusals=$((refusals + 1)) ;;
        *) fail "round $round: run $who exit $r" ;;
        esac
    done
    [ "$ra" -eq 1 ] || [ "$rb_" -eq 0 ] || fail "round $round: both runs refused"
    [ "$ra" -eq 2 ] || [ "$ra" -eq 1 ] || fail "round $round: run A (a failure) exit $ra"
    check_file "$round" "$ra" "$rb_"
    round=$((round + 1))
done
! ls "$T"/shared.jsonl.part-* >/dev/null 2>&1 || fail "a temporary file left behind"
ok "$ROUNDS rounds of two runs on one --results file: never torn, never mixed, no failure lost ($refusals refused, the others one after the other)"

# The second run starts while the first is known to be writing: refused,
# and the first run's file is whole.  slow.scn replicates (a checkpoint
# every tick): seconds, so that a faster simulator does not end it first.
printf 'cluster disks=4 writes=1 packets=1 interval=1\nstart\nrun ticks=1000000\n' >a/slow.scn
rm -f "$T/shared.jsonl"
"$RB" run --results "$T/shared.jsonl" a >"$T/outa" 2>"$T/erra" & pa=$!
wait_writing
ls "$T"/shared.jsonl.part-* >/dev/null 2>&1 || fail "run A never started writing"
rb run --results "$T/shared.jsonl" b; rb_=$rc
wait $pa; ra=$?
[ "$rb_" -eq 2 ] || fail "a second writer while the first writes: exit $rb_, expected 2"
expect_err "shared.jsonl: being written by another process, or read by merge (it holds the lock): refused" \
    "the second writer is told why"
[ "$ra" -eq 1 ] || fail "the first writer: exit $ra"
rb merge "$T/shared.jsonl"; expect_rc 1 "the first writer's file"
expect_out "^4 passed, 1 failed" "the first writer's records, all of them"
ok "a second writer while the first writes is refused (exit 2), and the first's file is whole"

# merge of a file being written: refused, not read half-written.
"$RB" run --results "$T/shared.jsonl" a >"$T/outa" 2>"$T/erra" & pa=$!
wait_writing
rb merge "$T/shared.jsonl"; mrc=$rc
wait $pa
[ "$mrc" -eq 2 ] || fail "merge of a file being written: exit $mrc, expected 2"
grep -q "being written by another process\|shared.jsonl: empty" "$ERR" ||
    fail "merge of a file being written: not said: $(cat "$ERR")"
ok "merge of a results file still being written is refused (exit 2)"
echo "writers.sh: all passed"
