#!/usr/bin/env bash
# scripts/test-impl.sh: builds the bench on one implementation of the
# replication API under ASan+UBSan (clang) and checks what it must show.
#   ours      registry/replication.c: every cell of `replbench conform`
#             passes or is n/a, none fails
#   canary    fuzz/canary/naive_replication.c (instances): rule 5 fails,
#             rules 1-4 pass (rule 6 may fail: it frees a walked registry)
#   upstream  QEMU's replication.c extracted from SEEDS (global): rules 1-4
#             pass in every walk, rule 5 fails in every walk, nothing else
#             fails; the cluster suites and the faults/ and failover/ sweeps
#             have no failure (no false positive)
#   upstream-fuzz  fuzz_registry (libFuzzer) on upstream finds the
#             use-after-free from an empty corpus (fixed seeds), and
#             fuzz2scn turns the finding into a short scenario that fails on
#             upstream and passes on ours
# Usage: scripts/test-impl.sh ours|canary|upstream|upstream-fuzz [SEEDS]
# SEEDS defaults to ../shared/seeds; without it the upstream checks are
# skipped with a message (exit 0).  Build folders: build-impl-<name>.
set -uo pipefail
cd "$(dirname "$0")/.."
. scripts/common.sh

usage() { sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; }
case "${1:-}" in
-h|--help) usage; exit 0 ;;
ours|canary|upstream|upstream-fuzz) ;;
*) usage >&2; exit 2 ;;
esac
what=$1
seeds=${2:-../shared/seeds}
asan=(-Dwerror=true -Db_sanitize=address,undefined -Db_lundef=false)
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1

# check_table JSON KIND: the conform table says what KIND must show.
check_table() {
    python3 - "$1" "$2" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
kind = sys.argv[2]
rows = {r["rule"]: r for r in d["rules"]}
bad = []
def walks(rule):
    return rows[rule]["walks"]
for rule, r in rows.items():
    for walk, state in r["walks"].items():
        # The canary also leaves freeing a walked registry undetected (rule 6).
        allowed = {"canary": ("5", "6"), "upstream": ("5",)}.get(kind, ())
        if state == "fail" and rule not in allowed:
            bad.append("rule %s fails in %s (%s)" % (rule, walk, r["failures"][0]["scenario"]))
for rule in "1234":
    if kind != "ours" and set(walks(rule).values()) != {"pass"}:
        bad.append("rule %s does not pass in every walk: %s" % (rule, walks(rule)))
if kind == "canary" and "fail" not in walks("5").values():
    bad.append("rule 5 does not fail on the canary: the bench cannot see the hazard")
if kind == "upstream" and set(walks("5").values()) != {"fail"}:
    bad.append("rule 5 does not fail in every walk on upstream: %s" % walks("5"))
for line in bad:
    print("  " + line)
impl = d["implementation"]
print("%s (%s, %s): %s" % (impl["name"], impl["api"], impl["sha256"][:12],
      "as expected" if not bad else "NOT as expected"))
sys.exit(1 if bad else 0)
PY
}

# conform DIR KIND: the summary on stdout, the JSON checked.
conform() {
    local dir=$1 kind=$2 rc
    "$dir"/cli/replbench conform --jobs 2 2>/dev/null
    "$dir"/cli/replbench conform --jobs 2 --format json >"$dir/conform.json" 2>/dev/null
    rc=$?
    [ "$rc" -le 1 ] || { echo "conform failed to run (exit $rc)"; return 1; }
    check_table "$dir/conform.json" "$kind"
}

extract_upstream() {
    if [ ! -d "$seeds" ]; then
        echo "skipped: $seeds not found: upstream's replication.c is extracted from the seed patch there"
        exit 0
    fi
    scripts/extract-upstream.sh "$seeds" build-impl-upstream-src || exit 1
}

# No false positive on upstream: every cluster scenario passes, every
# sweep run of faults/ and failover/ passes (or is n/a).
cluster_clean() {
    local rb=$1 rc=0
    $rb run --jobs 2 scenarios/suites/failover scenarios/suites/network scenarios/suites/qemu \
        scenarios/suites/faults scenarios/suites/errors scenarios/suites/regress \
        >build-impl-upstream/cluster.log 2>&1 || rc=1
    grep -E '^(FAIL|ERROR) ' build-impl-upstream/cluster.log
    echo "cluster suites: $(tail -n 1 build-impl-upstream/cluster.log)"
    $rb sweep --jobs 2 scenarios/suites/faults scenarios/suites/failover \
        >build-impl-upstream/sweep.log 2>&1 || rc=1
    grep -E '^FAIL ' build-impl-upstream/sweep.log | head -n 5
    tail -n 1 build-impl-upstream/sweep.log
    return "$rc"
}

# fuzz_registry from an empty corpus, seeds 1 to 3, until one finds the
# use-after-free; its finding, minimized, as a scenario judged by both.
upstream_fuzz() {
    local dir=build-impl-upstream-fuzz tmp seed found="" lines
    CC=clang ensure_build "$dir" "${asan[@]}" -Dfuzzing=true \
        -Dregistry_impl="$PWD/build-impl-upstream-src/replication.c" -Dregistry_api=global
    tmp=$(mktemp -d)
    for seed in 1 2 3; do
        mkdir -p "$tmp/c$seed"
        SECONDS=0
        "$dir"/fuzz/fuzz_registry -seed="$seed" -runs=3000000 -artifact_prefix="$tmp/s$seed-" \
            "$tmp/c$seed" >"$tmp/log$seed" 2>&1
        found=$(ls "$tmp"/s"$seed"-crash-* 2>/dev/null | head -n 1)
        echo "seed $seed: $(grep -m1 -o 'SUMMARY: [A-Za-z]*: [a-z-]*' "$tmp/log$seed" || echo nothing found) in ${SECONDS} s"
        [ -n "$found" ] && break
    done
    [ -n "$found" ] || { rm -rf "$tmp"; echo "fuzz_registry did not find upstream's use-after-free"; return 1; }
    # libFuzzer's own minimizer first: the shortest input that still crashes.
    "$dir"/fuzz/fuzz_registry -minimize_crash=1 -runs=20000 -exact_artifact_path="$tmp/min" \
        "$found" >"$tmp/minlog" 2>&1
    [ -s "$tmp/min" ] && found=$tmp/min
    # Printed by ours: fuzz2scn also runs the input, which upstream cannot survive.
    build-asan/cli/replbench fuzz2scn fuzz_registry "$found" >"$tmp/finding.scn"
    lines=$(grep -cv '^\s*\(#.*\)\?$' "$tmp/finding.scn")
    echo "fuzz2scn: $lines operation lines:"
    sed 's/^/  /' "$tmp/finding.scn"
    local rc=0
    build-impl-upstream/cli/replbench run "$tmp/finding.scn" >/dev/null 2>&1 \
        && { echo "the finding passes on upstream"; rc=1; }
    build-asan/cli/replbench run "$tmp/finding.scn" >/dev/null 2>&1 \
        || { echo "the finding fails on ours"; rc=1; }
    [ "$lines" -le 10 ] || { echo "the finding is longer than 10 lines"; rc=1; }
    rm -rf "$tmp"
    [ "$rc" = 0 ] && echo "the finding fails on upstream, passes on ours"
    return "$rc"
}

case $what in
ours)
    CC=clang ensure_build build-asan "${asan[@]}"
    conform build-asan ours ;;
canary)
    CC=clang ensure_build build-impl-canary "${asan[@]}" \
        -Dregistry_impl=fuzz/canary/naive_replication.c -Dregistry_api=instances
    conform build-impl-canary canary ;;
upstream)
    extract_upstream
    CC=clang ensure_build build-impl-upstream "${asan[@]}" \
        -Dregistry_impl="$PWD/build-impl-upstream-src/replication.c" -Dregistry_api=global
    rc=0
    conform build-impl-upstream upstream || rc=1
    cluster_clean build-impl-upstream/cli/replbench || rc=1
    exit "$rc" ;;
upstream-fuzz)
    extract_upstream
    CC=clang ensure_build build-asan "${asan[@]}"
    CC=clang ensure_build build-impl-upstream "${asan[@]}" \
        -Dregistry_impl="$PWD/build-impl-upstream-src/replication.c" -Dregistry_api=global
    upstream_fuzz ;;
esac
