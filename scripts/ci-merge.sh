#!/usr/bin/env bash
# scripts/ci-merge.sh: the last job of CI's shard matrix: puts the N shards
# that scripts/ci-shard.sh wrote into DIR back together.  Every shard must
# be there (a missing one is an error, never a pass) and pass; prints each
# sweep shard's summary and the union of the runs (`replbench merge`: the
# recap and summary one whole run would print), and writes DIR/junit.xml
# and DIR/report/index.html of that union.
set -uo pipefail
cd "$(dirname "$0")/.."
. scripts/common.sh

usage() {
    cat <<'TXT'
usage: scripts/ci-merge.sh N DIR
DIR holds sweep-K.status, sweep-K.txt, run-K.jsonl, run-K.txt and
run-K.status for every K in 1..N (as scripts/ci-shard.sh writes them; CI
downloads them into one folder).  Writes DIR/junit.xml and
DIR/report/index.html (`replbench merge`; its report re-runs the scenario
files, which must be at the paths the shards ran).
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
results=()
for K in $(seq 1 "$N"); do
    for f in sweep-$K.status sweep-$K.txt run-$K.status run-$K.jsonl run-$K.txt; do
        [ -f "$DIR/$f" ] || { say "missing $DIR/$f: shard $K/$N did not finish"; exit 2; }
    done
    s=$(cat "$DIR/sweep-$K.status") r=$(cat "$DIR/run-$K.status")
    echo "shard $K/$N sweep (exit $s): $(tail -n 1 "$DIR/sweep-$K.txt")"
    [ "$s" = 0 ] || { grep -E '^(FAIL|ERROR)' "$DIR/sweep-$K.txt"; status=1; }
    [ "$r" = 0 ] || status=1
    results+=("$DIR/run-$K.jsonl")
done
"$RB" merge --format junit "${results[@]}" >"$DIR/junit.xml" 2>"$DIR/merge.err"
m=$?
[ "$m" -le 1 ] || { cat "$DIR/merge.err" >&2; say "replbench merge --format junit: exit $m"; exit 2; }
"$RB" merge --report "$DIR/report" "${results[@]}"
m=$?
[ "$m" -le 1 ] || { say "replbench merge: exit $m"; exit 2; }
[ "$m" = 0 ] || status=1
exit $status
