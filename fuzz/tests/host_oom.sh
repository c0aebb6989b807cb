#!/bin/sh
# host_oom.sh: a fuzz harness never reports the host running out of memory
# as a finding (issue 19 point 4).  The replay driver runs one corpus input
# under real memory limits (ulimit -v; skipped under ASan), from the lowest
# at which it starts, 50 KB apart, until it replays three times in a row:
# each run either replays it (exit 0) or says the host failed it and that
# it was not judged (exit 2) -- never "fuzz finding" and an abort, as a
# refused allocation gave before.
# Usage: sh host_oom.sh PATH/TO/fuzz_cluster_replay INPUT
set -u
REPLAY=${1:?usage: host_oom.sh PATH/TO/fuzz_cluster_replay INPUT}
INPUT=${2:?usage: host_oom.sh PATH/TO/fuzz_cluster_replay INPUT}
T=$(mktemp -d "${TMPDIR:-/tmp}/replbench-fuzz-oom.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT

limited() {
    sh -c 'ulimit -v "$1" || exit 99; shift; "$@"' sh "$1" "$REPLAY" "$INPUT" \
        >"$T/out" 2>"$T/err"
    rc=$?
}
fail() {
    echo "FAIL: $*" >&2
    head -n 20 "$T/out" "$T/err" >&2
    exit 1
}

limited 400000
if [ "$rc" -ne 0 ]; then
    echo "ok - skipped: the replay driver does not start under ulimit -v (a sanitizer build)"
    exit 77
fi
lim=1000
while [ "$lim" -lt 400000 ]; do
    sh -c 'ulimit -v "$1" && exec "$2" --help' sh "$lim" "$REPLAY" >/dev/null 2>&1 && break
    lim=$((lim + 50))
done
start=$lim
passes=0
errors=0
while [ "$passes" -lt 3 ] && [ "$lim" -lt $((start + 20000)) ]; do
    limited "$lim"
    case $rc in
    0)
        grep -q "^replayed 1 inputs\$" "$T/out" || fail "ulimit -v $lim: exit 0 without replaying"
        passes=$((passes + 1))
        ;;
    2)
        if ! grep -q "^fuzz: host out of memory: .*: input rejected, not a finding" "$T/err"; then
            # The driver's own reading of the input, before any run.
            grep -q "Cannot allocate memory" "$T/err" ||
                fail "ulimit -v $lim: exit 2 without the host's error"
            lim=$((lim + 50))
            continue
        fi
        grep -q "not judged: the host failed its run" "$T/err" ||
            fail "ulimit -v $lim: the input is not said to be unjudged"
        grep -q "^replayed 1 inputs, 1 not judged (host out of memory)\$" "$T/out" ||
            fail "ulimit -v $lim: no count of the inputs not judged"
        errors=$((errors + 1))
        passes=0
        ;;
    *)
        fail "ulimit -v $lim: exit status $rc (a finding, or a crash)"
        ;;
    esac
    ! grep -q "fuzz finding" "$T/err" || fail "ulimit -v $lim: a finding"
    lim=$((lim + 50))
done
[ "$passes" -eq 3 ] || fail "never replayed under $lim KB"
[ "$errors" -gt 0 ] || fail "no limit made the host refuse memory"
echo "ok - from $start KB to $lim KB: $errors limits rejected the input as the host's failure, none a finding"
