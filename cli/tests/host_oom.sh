#!/bin/sh
# host_oom.sh: the host never decides a verdict (issue 19 point 4, F8).
# Under real memory limits (ulimit -v), from the lowest at which replbench
# starts up to one where everything fits, every run of two scenarios is
# either their PASS with the hash they have with memory, or exit 2 with
# "host out of memory: WHERE" -- never a FAIL (oom_receive.scn failed with
# "rc=-12" before), never a PASS with another hash (oom_swallowed.scn
# passed with a different hash at some limits before).  Then, under a limit
# that refuses memory: run --results and merge, sweep, determinism, conform
# and ledger each exit 2 with "host out of memory".
# Usage: sh host_oom.sh PATH/TO/replbench FIXTURES_DIR
set -u
RB=${1:?usage: host_oom.sh PATH/TO/replbench FIXTURES_DIR}
DIR=${2:?usage: host_oom.sh PATH/TO/replbench FIXTURES_DIR}
. "$(dirname "$0")/lib.sh"
start host_oom
case $DIR in /*) ;; *) DIR=$PWD/$DIR ;; esac

# limited KB CMD...: CMD under a virtual memory limit of KB, output in
# $OUT and $ERR, status in $rc (the shell's own tools run without it; a
# signal is said in $ERR, not on this script's stderr).
limited() {
    lim=$1
    shift
    sh -c 'ulimit -v "$1" || exit 99; shift; "$@"' sh "$lim" "$@" >"$OUT" 2>"$ERR"
    rc=$?
}

# ASan reserves terabytes of address space: no ulimit -v under it.
limited 400000 "$RB" --version
if [ "$rc" -ne 0 ]; then
    echo "ok - skipped: replbench does not start under ulimit -v (a sanitizer build)"
    exit 77
fi
low=1000
while [ "$low" -lt 400000 ]; do
    limited "$low" "$RB" --version
    [ "$rc" -eq 0 ] && break
    low=$((low + 1000))
done

# scan FILE: every limit from $low up, in 1 MB steps, until a run passes
# three limits in a row (or 80 MB above $low).  Sets $err_lim to the
# highest limit that gave the host's error.
scan() {
    f=$DIR/$1
    rb run "$f"
    expect_rc 0 "$1 with memory"
    want=$(sed -n 's/^PASS .*hash \(0x[0-9a-f]*\)).*/\1/p' "$OUT")
    [ -n "$want" ] || fail "$1 with memory: no hash"
    lim=$low
    passes=0
    errors=0
    err_lim=
    while [ "$passes" -lt 3 ] && [ "$lim" -lt $((low + 80000)) ]; do
        limited "$lim" "$RB" run "$f"
        case $rc in
        0)
            grep -q "^PASS .*hash $want)" "$OUT" ||
                fail "$1 under ulimit -v $lim: passes with another hash (want $want)"
            passes=$((passes + 1))
            ;;
        2)
            grep -q "^ERROR $f:[0-9]*: host out of memory: [a-z]" "$OUT" ||
                fail "$1 under ulimit -v $lim: exit 2 without 'ERROR PATH:LINE: host out of memory: WHERE'"
            grep -q "^$f: host out of memory: " "$ERR" ||
                fail "$1 under ulimit -v $lim: the error is not on stderr"
            grep -q "not a verdict" "$OUT" || fail "$1 under ulimit -v $lim: no 'not a verdict'"
            expect_no_out "reproduce:" "$1 under ulimit -v $lim: a reproduce command"
            grep -q ", 1 error in " "$OUT" || fail "$1 under ulimit -v $lim: not counted an error"
            errors=$((errors + 1))
            err_lim=$lim
            passes=0
            ;;
        *)
            fail "$1 under ulimit -v $lim: exit status $rc (a verdict, or a crash)"
            ;;
        esac
        lim=$((lim + 1000))
    done
    [ "$passes" -eq 3 ] || fail "$1: never passed under $lim KB"
    [ "$errors" -gt 0 ] || fail "$1: no limit made the host refuse memory"
    ok "$1: from $low KB to $lim KB, $errors limits gave the host's error, the others its PASS with hash $want"
}

scan oom_receive.scn
scan oom_swallowed.scn

# Every command that runs scenarios, at each limit from the lowest up to
# 16 MB above it, in 2 MB steps: its own outcome (rc0, or rc1: ledger's findings), or
# exit 2 with "host out of memory" (its own setup may say "out of memory"
# before any scenario ran); never a FAIL of the scenario, never a crash.
# cmd_scan RC1 WHAT CMD...: RC1 is the status that command gives with
# memory (0, or 1 for ledger's own findings), WHAT is grepped on stdout for
# the host's error.
cmd_scan() {
    rc_ok=$1
    what=$2
    shift 2
    lim=$low
    errors=0
    while [ "$lim" -le $((low + 16000)) ]; do
        limited "$lim" "$RB" "$@"
        if [ "$rc" -eq 2 ] && grep -q "host out of memory: " "$OUT" "$ERR"; then
            grep -q "$what" "$OUT" || fail "$1 under ulimit -v $lim: no '$what' on stdout"
            errors=$((errors + 1))
        elif [ "$rc" -eq 2 ] && grep -q "out of memory" "$ERR"; then
            :   # the command's own allocation, before any run
        elif [ "$rc" -ne "$rc_ok" ]; then
            fail "$1 under ulimit -v $lim: exit status $rc"
        fi
        lim=$((lim + 2000))
    done
    [ "$errors" -gt 0 ] || fail "$1: no limit gave the host's error"
    ok "$1: exit 2 with the host's error at $errors limits, its own outcome at the others"
}

f=$DIR/oom_swallowed.scn
cmd_scan 0 "^ERROR $f:[0-9]*: host out of memory: " run "$f"
cmd_scan 0 "^ERROR .*host out of memory: " sweep "$f"
cmd_scan 0 "^ERROR .*host out of memory: .*not compared" determinism "$f"
cmd_scan 0 "" conform "$f"
cmd_scan 1 "" ledger "$f"

# A results file keeps the run the host failed as an error, and merge
# exits 2 with it.
limited "$err_lim" "$RB" run --results "$T/r.jsonl" "$f"
expect_rc 2 "run --results under ulimit -v $err_lim"
grep -q '"verdict":"error"' "$T/r.jsonl" || fail "the record's verdict is not error"
grep '"verdict":"error"' "$T/r.jsonl" | grep -q '"loaded":true' ||
    fail "the record does not say the scenario loaded"
grep -q '"message":"host out of memory: ' "$T/r.jsonl" || fail "the record's message"
rb merge --report "$T/rep" "$T/r.jsonl"
expect_rc 2 "merge of a run the host failed"
expect_out "^ERROR $f:[0-9]*: host out of memory: " "merge"
grep -q 'data-status="ERROR"' "$T/rep/index.html" || fail "merge --report: no ERROR row"
grep -q 'host out of memory): 1' "$T/rep/index.html" || fail "merge --report: not counted an error"
rb merge --format junit "$T/r.jsonl"
expect_rc 2 "merge --format junit"
expect_out '<error message="host out of memory: ' "merge --format junit"
ok "run --results: the record is an error; merge exits 2 with it (summary, HTML, JUnit)"
