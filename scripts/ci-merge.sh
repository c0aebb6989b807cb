#!/usr/bin/env bash
# scripts/ci-merge.sh: the last job of CI's shard matrix: puts the N shards
# that scripts/ci-shard.sh wrote into DIR back together.  Every shard must
# be there (a missing one is an error, never a pass) and pass, by its exit
# status and by the verdicts of its records; prints each sweep shard's
# summary, the failures and summary of the whole sweep and the union of the
# runs (`replbench merge`: the recap and summary one whole run would print),
# and writes DIR/junit.xml and DIR/report/index.html of the runs,
# DIR/sweep-junit.xml and DIR/sweep-report/index.html of the sweep.
set -uo pipefail
cd "$(dirname "$0")/.."
. scripts/common.sh

usage() {
    cat <<'TXT'
usage: scripts/ci-merge.sh N DIR
DIR holds sweep-K.jsonl, sweep-K.status, sweep-K.txt, run-K.jsonl,
run-K.txt and run-K.status for every K in 1..N (as scripts/ci-shard.sh
writes them; CI downloads them into one folder).  Writes DIR/junit.xml and
DIR/report/index.html of the runs, DIR/sweep-junit.xml,
DIR/sweep-report/index.html and DIR/sweep-merged.txt of the sweep
(`replbench merge`; its reports re-run the scenario files, which must be at
the paths the shards ran).
REPLBENCH: the program (default build/cli/replbench, built if missing).
Exit 0 when every shard passed, 1 when one failed, 2 when a shard's files
are missing or cannot be merged.
TXT
}
case "${1:-}" in
-h|--help) usage; exit 0 ;;
esac
[ $# = 2 ] || { usage >&2; die "expected N DIR"; }
N=$1 DIR=$2
[[ "$N" =~ ^[0-9]+$ ]] && [ "$N" -ge 1 ] || die "expected N >= 1, not $N"
RB=${REPLBENCH:-build/cli/replbench}
if [ -z "${REPLBENCH:-}" ]; then
    ensure_packages
    ensure_build build -Dwerror=true
fi

status=0
results=() sweeps=()
for K in $(seq 1 "$N"); do
    for f in sweep-$K.status sweep-$K.txt sweep-$K.jsonl run-$K.status run-$K.jsonl run-$K.txt; do
        [ -f "$DIR/$f" ] || { say "missing $DIR/$f: shard $K/$N did not finish"; exit 2; }
    done
    s=$(cat "$DIR/sweep-$K.status") r=$(cat "$DIR/run-$K.status")
    echo "shard $K/$N sweep (exit $s): $(tail -n 1 "$DIR/sweep-$K.txt")"
    [ "$s" = 0 ] || status=1
    [ "$r" = 0 ] || status=1
    sweeps+=("$DIR/sweep-$K.jsonl")
    results+=("$DIR/run-$K.jsonl")
done

# merge_into JUNIT REPORT TEXT FILE...: one `replbench merge` to JUnit, one
# with the HTML page and the summary (to TEXT); the status is theirs.
merge_into() {
    local junit=$1 report=$2 text=$3 m
    shift 3
    "$RB" merge --format junit "$@" >"$junit" 2>"$DIR/merge.err"
    m=$?
    [ "$m" -le 1 ] || { cat "$DIR/merge.err" >&2; say "replbench merge --format junit: exit $m"; exit 2; }
    "$RB" merge --report "$report" "$@" >"$text" 2>&1
    m=$?
    [ "$m" -le 1 ] || { cat "$text" >&2; say "replbench merge: exit $m"; exit 2; }
    return "$m"
}

# The recap of a merged summary (its failures and reproduce commands) and
# its summary line.
recap() {
    if grep -q '^failures (' "$1"; then
        sed -n '/^failures (/,$p' "$1" | grep -v '^implementation: '
    else
        tail -n 1 "$1"
    fi
}

merge_into "$DIR/sweep-junit.xml" "$DIR/sweep-report" "$DIR/sweep-merged.txt" "${sweeps[@]}" ||
    status=1
echo "the whole sweep (${#sweeps[@]} shards merged): $(recap "$DIR/sweep-merged.txt")"
merge_into "$DIR/junit.xml" "$DIR/report" "$DIR/run-merged.txt" "${results[@]}" || status=1
echo "the runs (${#results[@]} shards merged): $(recap "$DIR/run-merged.txt")"
exit $status
