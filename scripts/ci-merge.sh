#!/usr/bin/env bash
# scripts/ci-merge.sh: the last job of CI's shard matrix: puts the N shards
# that scripts/ci-shard.sh wrote into DIR back together.  Every shard must
# be there (a missing one is an error, never a pass) and pass; prints each
# shard's summaries and the runs and failures counted over all of them
# (from their JUnit files).
set -uo pipefail
cd "$(dirname "$0")/.."
. scripts/common.sh

usage() {
    cat <<'TXT'
usage: scripts/ci-merge.sh N DIR
DIR holds sweep-K.status, sweep-K.txt, run-K.junit.xml, run-K.txt and
run-K.status for every K in 1..N (as scripts/ci-shard.sh writes them; CI
downloads them into one folder).  Exit 0 when every shard passed, 1 when
one failed, 2 when a shard's files are missing or unreadable.
TXT
}
case "${1:-}" in
-h|--help) usage; exit 0 ;;
esac
[ $# = 2 ] || { usage >&2; die "expected N DIR"; }
N=$1 DIR=$2
[[ "$N" =~ ^[0-9]+$ ]] && [ "$N" -ge 1 ] || die "expected N >= 1, not $N"
command -v python3 >/dev/null || ensure_packages
status=0
junit=()
for K in $(seq 1 "$N"); do
    for f in sweep-$K.status sweep-$K.txt run-$K.status run-$K.junit.xml run-$K.txt; do
        [ -f "$DIR/$f" ] || { say "missing $DIR/$f: shard $K/$N did not finish"; exit 2; }
    done
    s=$(cat "$DIR/sweep-$K.status") r=$(cat "$DIR/run-$K.status")
    echo "shard $K/$N sweep (exit $s): $(tail -n 1 "$DIR/sweep-$K.txt")"
    echo "shard $K/$N run (exit $r): $(tail -n 1 "$DIR/run-$K.txt")"
    [ "$s" = 0 ] || { grep -E '^(FAIL|ERROR)' "$DIR/sweep-$K.txt"; status=1; }
    [ "$r" = 0 ] || { grep -E '^(FAIL|ERROR)' "$DIR/run-$K.txt"; status=1; }
    junit+=("$DIR/run-$K.junit.xml")
done
# The union of the shards' JUnit: runs, failures and errors over them all.
python3 - "${junit[@]}" <<'PY' || exit 2
import sys
import xml.etree.ElementTree as ET
tests = failures = errors = 0
for path in sys.argv[1:]:
    root = ET.parse(path).getroot()
    tests += int(root.get('tests', 0))
    failures += int(root.get('failures', 0))
    errors += int(root.get('errors', 0))
print('%d shards: %d runs, %d failed, %d errors' % (len(sys.argv) - 1, tests, failures, errors))
PY
exit $status
