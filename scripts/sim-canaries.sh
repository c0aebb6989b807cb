#!/usr/bin/env bash
# sim-canaries.sh: the liveness checker's proof (docs/LIVENESS.md).  Each
# simulator canary (sim/canary.h, -Dsim_canary=NAME) is built in turn into
# one build folder (only -Dsim_canary changes: sim/ and what links it are
# rebuilt), and must
#   1. pass every suite without --liveness, and under --seeds 1..SEEDS:
#      the four safety checkers do not see it;
#   2. fail `run --liveness` on the suites, every liveness failure naming
#      the canary's component (its results records' live_part);
#   3. be found by `swarm --liveness` within its documented seed budget,
#      the first failure naming the same component.
# The folder is configured back to -Dsim_canary=none at the end.
#
# Usage: scripts/sim-canaries.sh BUILD_DIR [SEEDS]   (SEEDS: default 20)
set -uo pipefail
cd "$(dirname "$0")/.."

usage() {
    sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'
}
case ${1:-} in
-h|--help) usage; exit 0 ;;
'') usage >&2; exit 2 ;;
esac
B=$1
SEEDS=${2:-20}
[ -f "$B/build.ninja" ] || { echo "sim-canaries: $B is not a configured build folder" >&2; exit 2; }

# canary, the component its diagnosis names (SimLivePart), swarm's budget
# (seeds 1..N: docs/LIVENESS.md gives the figures these are set from).
CANARIES="compare-release:comparator:100 secondary-ack:checkpoint:50 commit-stall:commit:100"

T=$(mktemp -d "${TMPDIR:-/tmp}/sim-canaries.XXXXXX") || exit 2
trap 'rm -rf "$T"; meson configure "$B" -Dsim_canary=none >/dev/null 2>&1' EXIT
failed=0

# Every record of FILE whose checker is liveness names PART, and there is
# one at least; with first=1, only the first failing record is looked at.
names_part() {
    python3 - "$1" "$2" "${3:-0}" <<'PY'
import json, sys
path, part, first = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
live = [r for r in map(json.loads, open(path)) if r.get("kind") not in ("header", "trailer")
        and r.get("checker_kind") == "liveness"]
if first:
    live = live[:1]
bad = [(r["path"], r.get("live_part")) for r in live if r.get("live_part") != part]
if not live or bad:
    print("  liveness failures: %d, not naming %s: %s" % (len(live), part, bad[:3]))
    sys.exit(1)
print("  %d liveness failure(s), each naming the %s" % (len(live), part))
PY
}

check() {
    local name=$1 part=$2 budget=$3 rb=$B/cli/replbench rc
    echo "== canary $name"
    meson configure "$B" -Dsim_canary="$name" >/dev/null && ninja -C "$B" cli/replbench >/dev/null ||
        { echo "!! cannot build the $name canary"; return 1; }
    "$rb" --version | grep -q "sim canary: $name" || { echo "!! the build is not the $name canary"; return 1; }
    "$rb" run -q scenarios/suites >"$T/out" 2>&1; rc=$?
    [ $rc = 0 ] || { tail -5 "$T/out"; echo "!! $name: the suites fail without --liveness ($rc)"; return 1; }
    "$rb" run -q --jobs 2 --seeds "1..$SEEDS" scenarios/suites >"$T/out" 2>&1; rc=$?
    [ $rc = 0 ] || { tail -5 "$T/out"; echo "!! $name: run --seeds 1..$SEEDS fails ($rc)"; return 1; }
    echo "  passes the suites, and under seeds 1..$SEEDS, without --liveness"
    "$rb" run -q --liveness --results "$T/live.jsonl" scenarios/suites >"$T/out" 2>&1; rc=$?
    [ $rc = 1 ] || { tail -5 "$T/out"; echo "!! $name: run --liveness exited $rc, not 1"; return 1; }
    grep '^FAIL' "$T/out" | head -n 1 | cut -c1-240
    names_part "$T/live.jsonl" "$part" || { echo "!! $name: not named"; return 1; }
    "$rb" swarm -q -x --liveness --seeds "1..$budget" --out "$T/swarm" \
        --results "$T/swarm.jsonl" >"$T/out" 2>&1; rc=$?
    [ $rc = 1 ] || { tail -3 "$T/out"; echo "!! $name: swarm --seeds 1..$budget found nothing ($rc)"; return 1; }
    grep '^swarm:' "$T/out"
    names_part "$T/swarm.jsonl" "$part" 1 || { echo "!! $name: swarm's finding not named"; return 1; }
}

for c in $CANARIES; do
    IFS=: read -r name part budget <<<"$c"
    check "$name" "$part" "$budget" || failed=$((failed + 1))
done
echo "sim canaries: $failed failed"
[ $failed = 0 ]
