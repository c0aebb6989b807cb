#!/usr/bin/env bash
# fuzz/make-corpora.sh: (re)generate the seed corpora in fuzz/corpora/ from
# the scenario suites, then minimize them with libFuzzer's -merge=1 when a
# fuzz build is given.
#   fuzz_scenario: every suite .scn as it is (small ones; qemu/ is left out:
#                  its 64 MiB runs are over the harness's caps anyway)
#   fuzz_registry: `replbench scn2fuzz` of registry/, removal/, errors/,
#                  regress/fuzz_registry_*
#   fuzz_cluster:  `replbench scn2fuzz` of failover/, network/, faults/,
#                  regress/fuzz_cluster_*
# usage: fuzz/make-corpora.sh BUILD [FUZZ_BUILD]
#   BUILD       a build dir with cli/replbench (e.g. build)
#   FUZZ_BUILD  a -Dfuzzing=true build dir (e.g. build-fuzz): minimize
set -euo pipefail
cd "$(dirname "$0")/.."

case "${1:-}" in
""|-h|--help)
    sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'
    [ -n "${1:-}" ] && exit 0 || exit 2 ;;
esac
replbench="$1/cli/replbench"
[ -x "$replbench" ] || { echo "make-corpora: no $replbench (build first)" >&2; exit 2; }

fresh=$(mktemp -d)
trap 'rm -rf "$fresh"' EXIT
mkdir -p "$fresh/fuzz_scenario" "$fresh/fuzz_registry" "$fresh/fuzz_cluster"

for f in scenarios/suites/*/*.scn; do
    suite=$(basename "$(dirname "$f")")
    name="${suite}_$(basename "$f" .scn)"
    [ "$suite" = qemu ] || cp "$f" "$fresh/fuzz_scenario/$name.scn"
    case "$suite" in
    registry|removal|errors) "$replbench" scn2fuzz fuzz_registry "$f" "$fresh/fuzz_registry/$name" ;;
    failover|network|faults) "$replbench" scn2fuzz fuzz_cluster "$f" "$fresh/fuzz_cluster/$name" ;;
    regress)    # a fuzzer's finding, kept as regress/HARNESS_*.scn
        case "$(basename "$f")" in
        fuzz_registry_*) "$replbench" scn2fuzz fuzz_registry "$f" "$fresh/fuzz_registry/$name" ;;
        fuzz_cluster_*) "$replbench" scn2fuzz fuzz_cluster "$f" "$fresh/fuzz_cluster/$name" ;;
        esac ;;
    esac
done

for h in fuzz_scenario fuzz_registry fuzz_cluster; do
    rm -rf "fuzz/corpora/$h"
    mkdir -p "fuzz/corpora/$h"
    if [ -n "${2:-}" ] && [ -x "$2/fuzz/$h" ]; then
        "$2/fuzz/$h" -merge=1 "fuzz/corpora/$h" "$fresh/$h" 2>/dev/null
    else
        cp "$fresh/$h"/* "fuzz/corpora/$h/"
    fi
    echo "fuzz/corpora/$h: $(ls "fuzz/corpora/$h" | wc -l) inputs"
done
