#!/usr/bin/env bash
# scripts/test-impl.sh: builds the bench on one implementation of the
# replication API under ASan+UBSan (clang) and checks what it must show.
#   ours      registry/replication.c: every cell of `replbench conform`
#             passes or is n/a, none fails
#   canary    fuzz/canary/naive_replication.c (instances): rule 5 fails,
#             rules 1-4 pass (or pass*, partly: some scenarios broke rule 5
#             first; rule 6 may fail: it frees a walked registry)
#   upstream  QEMU's replication.c of 2016, extracted from SEEDS (global):
#             its expected verdict (corpus seed2016: conform and every
#             suite), and no failure in the faults/ and failover/ sweeps
#             (no false positive)
#   upstream-fuzz  fuzz_registry (libFuzzer) on upstream finds the
#             use-after-free from an empty corpus (fixed seeds), and
#             fuzz2scn turns the finding into a short scenario that fails on
#             upstream and passes on ours
#   corpus [--update] [NAME...]  every implementation with an expected
#             verdict in impls/expected/NAME.txt (all, or the NAMEs): built
#             as docs/IMPLEMENTATIONS.md says, in one build folder
#             (build-impl-corpus, reconfigured per file), and `conform`
#             (and `run scenarios/suites` where the file asks) compared
#             with it; --update rewrites the files from what replbench says
#             instead, keeping the reasons of unchanged verdicts (review
#             the diff).  Files under ../shared are read there, never
#             copied; without ../shared those are skipped with a message.
# Usage: scripts/test-impl.sh ours|canary|upstream|upstream-fuzz [SEEDS]
#        scripts/test-impl.sh corpus [--update] [NAME...]
# SEEDS defaults to ../shared/seeds; without it the upstream checks are
# skipped with a message (exit 0).  Build folders: build-impl-<name>.
set -uo pipefail
cd "$(dirname "$0")/.."
. scripts/common.sh

usage() { sed -n '2,29p' "$0" | sed 's/^# \{0,1\}//'; }
case "${1:-}" in
-h|--help) usage; exit 0 ;;
ours|canary|upstream|upstream-fuzz|corpus) ;;
*) usage >&2; exit 2 ;;
esac
what=$1
seeds=../shared/seeds
[ "$what" = corpus ] || seeds=${2:-$seeds}
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
        allowed = {"canary": ("5", "6")}.get(kind, ())
        if state == "fail" and rule not in allowed:
            bad.append("rule %s fails in %s (%s)" % (rule, walk, r["failures"][0]["scenario"]))
# "partly": passed where judged, some scenarios blocked by rule 5 first.
for rule in "1234":
    if kind != "ours" and not set(walks(rule).values()) <= {"pass", "partly"}:
        bad.append("rule %s does not pass in every walk: %s" % (rule, walks(rule)))
if kind == "canary" and "fail" not in walks("5").values():
    bad.append("rule 5 does not fail on the canary: the bench cannot see the hazard")
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

# No false positive on upstream: every sweep run of faults/ and failover/
# passes (or is n/a).  (Its scenarios: impls/expected/seed2016.txt.)
sweep_clean() {
    local rb=$1 log=$corpus_src/seed2016/sweep.log rc=0
    $rb sweep --jobs 2 scenarios/suites/faults scenarios/suites/failover >"$log" 2>&1 || rc=1
    grep -E '^FAIL ' "$log" | head -n 5
    tail -n 1 "$log"
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
    "$corpus_dir"/cli/replbench run "$tmp/finding.scn" >/dev/null 2>&1 \
        && { echo "the finding passes on upstream"; rc=1; }
    build-asan/cli/replbench run "$tmp/finding.scn" >/dev/null 2>&1 \
        || { echo "the finding fails on ours"; rc=1; }
    [ "$lines" -le 10 ] || { echo "the finding is longer than 10 lines"; rc=1; }
    rm -rf "$tmp"
    [ "$rc" = 0 ] && echo "the finding fails on upstream, passes on ours"
    return "$rc"
}

# ---- corpus: impls/expected/NAME.txt ---------------------------------------
corpus_dir=build-impl-corpus
corpus_src=build-impl-corpus-src

# field FILE KEY: the values of KEY's header lines in an expected file.
field() { sed -n "s/^$2 //p" "$1"; }

# where SPEC: the path an expected file's source/include names.
#   shared:PATH  ../shared/impls/PATH;  seed:  the 2016 patch, extracted;
#   anything else: a path in this repository.
where() {
    case $1 in
    shared:*) echo "$PWD/../shared/impls/${1#shared:}" ;;
    seed:) echo "$PWD/$corpus_src/seed/replication.c" ;;
    *) echo "$PWD/$1" ;;
    esac
}

# impl_file NAME EXPECTED: the file to build (a planted bug's patch applied
# to a copy of our registries), on stdout; 3 when it needs ../shared.
impl_file() {
    local name=$1 exp=$2 src patch
    src=$(field "$exp" source)
    patch=$(field "$exp" patch)
    case $src in
    shared:*) [ -d ../shared/impls ] || return 3 ;;
    seed:)
        [ -d "$seeds" ] || return 3
        scripts/extract-upstream.sh "$seeds" "$corpus_src/seed" >/dev/null || return 1 ;;
    esac
    if [ -n "$patch" ]; then
        rm -rf "${corpus_src:?}/$name"
        mkdir -p "$corpus_src/$name"
        cp -R impls/registries/. "$corpus_src/$name/"
        patch -s -p1 -d "$corpus_src/$name" <"$patch" >&2 || return 1
        echo "$PWD/$corpus_src/$name/${src#impls/registries/}"
        return 0
    fi
    where "$src"
}

# corpus_build FILE EXPECTED: configure the one corpus build folder for FILE
# (set up once; afterwards only the options change), build replbench.
corpus_build() {
    local file=$1 exp=$2 inc="" d opts
    for d in $(field "$exp" include); do
        inc="$inc${inc:+,}$(where "$d")"
    done
    opts=(-Dregistry_impl="$file" -Dregistry_include="$inc")
    if [ -f "$corpus_dir/build.ninja" ]; then
        meson configure "$corpus_dir" "${opts[@]}" >"$corpus_dir/configure.log" 2>&1
    else
        CC=clang meson setup "$corpus_dir" "${asan[@]}" -Dregistry_api=global "${opts[@]}" \
            >"$corpus_src/setup.log" 2>&1 && mv "$corpus_src/setup.log" "$corpus_dir/configure.log"
    fi || { cat "$corpus_dir/configure.log" "$corpus_src/setup.log" 2>/dev/null | grep -E 'ERROR|error' | head -n 5; return 1; }
    ninja -C "$corpus_dir" cli/replbench >"$corpus_dir/build.log" 2>&1 \
        || { grep -E 'error|FAILED' "$corpus_dir/build.log" | head -n 10; return 1; }
}

# The member order the build laid out ReplicationOps in ("default": ours).
corpus_layout() {
    local gen=$corpus_dir/registry/compat/replication_ops_order.h
    if [ -f "$gen" ] && grep -q "REPLBENCH_OPS_ORDER" "$corpus_dir/build.ninja"; then
        sed -n 's/^ *Replication[A-Za-z]*Func \*\([a-z_]*\);$/\1/p' "$gen" | tr '\n' ' ' | sed 's/ $//'
    else
        echo default
    fi
}

# limited WHAT LOG COMMAND...: COMMAND (stdout as redirected, stderr to LOG)
# within $REPLBENCH_IMPL_LIMIT seconds (default 600), each scenario within
# $REPLBENCH_TIMEOUT (default here 20s: ours take milliseconds): an
# implementation whose walk never ends must neither hang CI nor cost it a
# minute per scenario.  Exit status 0 or 1 (a verdict) is success here;
# anything else is said and fails.
limited() {
    local what=$1 log=$2 rc
    shift 2
    REPLBENCH_TIMEOUT=${REPLBENCH_TIMEOUT:-20s} \
        timeout --kill-after=10 "${REPLBENCH_IMPL_LIMIT:-600}" "$@" 2>"$log"
    rc=$?
    # Said on stderr: the caller's stdout is the command's output file.
    [ "$rc" = 124 ] && echo "$what did not finish in ${REPLBENCH_IMPL_LIMIT:-600} s" >&2
    [ "$rc" -le 1 ] || { echo "$what did not run (exit $rc)"; tail -n 5 "$log"; } >&2
    [ "$rc" -le 1 ]
}

# corpus_one NAME EXPECTED ACTION: build, run, compare (or update).
corpus_one() {
    local name=$1 exp=$2 action=$3 file rc=0 out=$corpus_src/$1 run=()
    file=$(impl_file "$name" "$exp") || {
        [ $? = 3 ] && { echo "$name: skipped: ../shared is missing (its file is read there, never copied)"; return 0; }
        echo "$name: cannot prepare its file"; return 1; }
    echo "== $name: $file"
    corpus_build "$file" "$exp" || { echo "$name: does not build"; return 1; }
    mkdir -p "$out"
    limited "$name: conform" "$out/conform.err" \
        "$corpus_dir"/cli/replbench conform --jobs 2 --format json >"$out/conform.json" || return 1
    if [ -n "$(field "$exp" run)" ]; then
        # shellcheck disable=SC2046
        limited "$name: run" "$out/run.log" "$corpus_dir"/cli/replbench run --jobs 2 -q \
            --results "$out/run.jsonl" $(field "$exp" run) >"$out/run.out" || return 1
        run=(--run "$out/run.jsonl")
    fi
    python3 impls/verdict.py "$action" "$exp" --conform "$out/conform.json" "${run[@]}" \
        --layout "$(corpus_layout)" || rc=1
    return "$rc"
}

# corpus_select NAME: the corpus build folder built on NAME, nothing run.
corpus_select() {
    local file
    mkdir -p "$corpus_src"
    file=$(impl_file "$1" "impls/expected/$1.txt") && corpus_build "$file" "impls/expected/$1.txt"
}

# Files whose layout differs from ours come last: switching layout rebuilds
# the whole bench, so they are grouped.
corpus() {
    local action=check name exp rc=0 list=() late=()
    [ "${1:-}" = --update ] && { action=update; shift; }
    mkdir -p "$corpus_src"
    for exp in impls/expected/*.txt; do
        name=$(basename "$exp" .txt)
        if [ $# -gt 0 ] && ! printf '%s\n' "$@" | grep -qx -- "$name"; then
            continue
        fi
        if grep -q '^layout ' "$exp"; then late+=("$exp"); else list+=("$exp"); fi
    done
    [ $((${#list[@]} + ${#late[@]})) -gt 0 ] || { echo "no expected verdict for: $*"; return 2; }
    for exp in "${list[@]}" "${late[@]}"; do
        corpus_one "$(basename "$exp" .txt)" "$exp" "$action" || rc=1
    done
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
    rc=0
    corpus seed2016 || rc=1
    sweep_clean "$corpus_dir"/cli/replbench || rc=1
    exit "$rc" ;;
upstream-fuzz)
    extract_upstream
    CC=clang ensure_build build-asan "${asan[@]}"
    corpus_select seed2016 || exit 1
    upstream_fuzz ;;
corpus)
    shift
    corpus "$@" ;;
esac
