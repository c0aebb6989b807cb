#!/usr/bin/env bash
# scripts/ci-shard.sh: one job of CI's shard matrix (.github/workflows/ci.yml,
# .gitlab-ci.yml).  Builds ./build if needed, then runs shard K of N of the
# sweep (every hit of every fault point failed in turn) over SWEEP_PATH...
# and of `replbench run --seeds` over RUN_PATH, into OUT/: sweep-K.jsonl (the
# sweep's results, for `replbench merge`), sweep-K.txt and sweep-K.status,
# run-K.jsonl (the runs' results), run-K.txt and run-K.status.
# scripts/ci-merge.sh puts the shards back together.
set -uo pipefail
cd "$(dirname "$0")/.."
. scripts/common.sh

usage() {
    cat <<'TXT'
usage: scripts/ci-shard.sh K N OUT [SWEEP_PATH...]
Shard K of N (1 <= K <= N): `replbench sweep --shard K/N --results
OUT/sweep-K.jsonl SWEEP_PATH...` (default: scenarios/suites/faults
scenarios/suites/failover) and `replbench run --shard K/N --seeds
$REPLBENCH_SEEDS --results OUT/run-K.jsonl $REPLBENCH_RUN_PATH` (defaults:
1..20, scenarios/suites).  Writes OUT/sweep-K.jsonl, sweep-K.txt,
sweep-K.status, run-K.jsonl, run-K.txt, run-K.status.
REPLBENCH: the program (default build/cli/replbench, built if missing).
Exit 0 when both passed, 1 when one failed, 2 on bad arguments or setup.
TXT
}
case "${1:-}" in
-h|--help) usage; exit 0 ;;
esac
[ $# -ge 3 ] || { usage >&2; die "expected K N OUT"; }
K=$1 N=$2 OUT=$3
shift 3
[[ "$K" =~ ^[0-9]+$ && "$N" =~ ^[0-9]+$ ]] && [ "$K" -ge 1 ] && [ "$K" -le "$N" ] ||
    die "expected 1 <= K <= N, not K=$K N=$N"
[ $# -gt 0 ] || set -- scenarios/suites/faults scenarios/suites/failover
RB=${REPLBENCH:-build/cli/replbench}
if [ -z "${REPLBENCH:-}" ]; then
    ensure_packages
    ensure_build build -Dwerror=true
fi
mkdir -p "$OUT" || die "cannot make $OUT"

"$RB" sweep --shard "$K/$N" --results "$OUT/sweep-$K.jsonl" "$@" >"$OUT/sweep-$K.txt" 2>&1
echo $? >"$OUT/sweep-$K.status"
"$RB" run --shard "$K/$N" --seeds "${REPLBENCH_SEEDS:-1..20}" --results "$OUT/run-$K.jsonl" \
    "${REPLBENCH_RUN_PATH:-scenarios/suites}" >"$OUT/run-$K.txt" 2>&1
echo $? >"$OUT/run-$K.status"
echo "shard $K/$N: sweep: $(tail -n 1 "$OUT/sweep-$K.txt")"
echo "shard $K/$N: run: $(tail -n 1 "$OUT/run-$K.txt")"
sweep=$(cat "$OUT/sweep-$K.status") run=$(cat "$OUT/run-$K.status")
[ "$sweep" = 0 ] && [ "$run" = 0 ] && exit 0
[ "$sweep" -le 1 ] && [ "$run" -le 1 ] && exit 1
exit 2
