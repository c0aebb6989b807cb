#!/usr/bin/env bash
# scripts/bench-compare.sh: the speed benchmarks of a base revision and of
# the current tree, side by side in one run (issue 13's before/after
# figures).  Builds both in a temp folder, runs them alternately, prints one
# table of medians.  A tool, not a check: it judges nothing, and only its own
# usage and build errors change its exit status.  Touches no build folder of
# the tree.
set -uo pipefail
cd "$(dirname "$0")/.."

usage() {
    cat <<'TXT'
usage: scripts/bench-compare.sh [--rounds N] [--no-fuzz] [--fuzz-time S] [--sweep] [--keep] BASE_REV

Builds BASE_REV (a git worktree in a temp folder) and the current tree
(the working tree as it is, uncommitted changes included), each twice:
  release   meson --buildtype=release (gcc): bench_sim, bench_registry and
            `replbench run` of the whole scenario suite
  asan      clang, -Db_sanitize=address,undefined -Db_lundef=false, as CI's
            sanitizer and fuzz builds (the fuzz benchmark, fuzz/bench.c,
            is built only without -Dfuzzing, where the engine has no main)
  libfuzzer the same with -Dfuzzing=true: the libFuzzer harnesses and the
            canary (fuzz_registry on fuzz/canary/naive_replication.c)
Warnings are not errors in these builds (-Dwerror=false): an older tree
need not be clean under today's compiler to be timed.

Then N rounds (default 3), base then current in each, of:
  bench_sim             events/s of the simulated cluster (target >= 5 M)
                        and its peak memory (max RSS)
  bench_registry        hardened/plain walk ratio, best round over its
                        9 processes (<= 1.05)
  suite --jobs 1/2      `replbench run scenarios/suites`, its own summary's
                        wall time (target < 0.5 s) and its CPU time (user +
                        sys of it and its workers), each tree on its own suite
  fuzz benchmark        exec/s of each harness over its own tree's corpus,
                        the floor harness, and harness/floor (ASan build;
                        targets fuzz_registry >= 50,000, fuzz_cluster >= 5,000)
  libFuzzer exec/s      fuzz_registry and fuzz_cluster fuzzing from an empty
                        corpus for S seconds (--fuzz-time, default 20), -seed=1,
                        with each tree's fuzz/libfuzzer.options: libFuzzer's
                        own exec/s (issue 22: fuzz_cluster >= 10,000)
  canary-find time      fuzz_registry_canary from an empty corpus, seeds 1, 2
                        and 3 each round, until its heap-use-after-free (at
                        most 300 s): wall seconds and executions (the
                        executions do not depend on the load); not found in
                        time is "n/a" for that seed
and with --sweep (minutes per round, gigabytes of temp space for an old
base), each tree's depth-2 sweep of its scenarios/suites/faults and
failover, release, --jobs 2, with --results:
  sweep runs/s          its own summary's rate (target >= 10,000 on 2 cores)
                        and CPU time (user+sys of it and its workers)
  results, HTML MB      the --results file; the page of `merge --report`
                        (targets < 50 and < 5 MB), and merge's CPU time and
                        peak memory (GNU time, when /usr/bin/time exists)
  chromium s            headless chromium's screenshot of that page, and of
                        a one-line page (chromium's own start), when
                        chromium is installed; 120 s at most (120: it
                        did not finish; target < 10)
and prints one table: the median of the rounds for base and current, and
current/base.  A benchmark a tree lacks (or whose output it cannot read)
is "n/a".  The header names both commits; the load average is printed
before and after (run it on a quiet machine, under nice).

options:
  --rounds N   rounds of every benchmark (1..20, default 3)
  --no-fuzz    skip the ASan and libFuzzer builds and every fuzz figure
  --fuzz-time S  seconds of each libFuzzer exec/s run (5..600, default 20)
  --sweep      also the depth-2 sweep, its results, page and chromium
  --keep       keep the temp folder (its path is printed)
  -h, --help   this text
Exit status: 0 the table was printed, 2 a usage error, a revision git does
not know, or the current tree does not build (a base that does not build is
"n/a" throughout).
TXT
}

die() { printf 'bench-compare: %s\n' "$*" >&2; exit 2; }

ROUNDS=3 FUZZ=1 KEEP=0 BASE="" FUZZ_TIME=20 SWEEP=0
while [ $# -gt 0 ]; do
    case "$1" in
    -h|--help) usage; exit 0 ;;
    --rounds)
        [ $# -ge 2 ] || { usage >&2; die "--rounds needs a number"; }
        [[ "$2" =~ ^[0-9]+$ ]] && [ "$2" -ge 1 ] && [ "$2" -le 20 ] \
            || die "--rounds: expected a number from 1 to 20, not '$2'"
        ROUNDS=$2
        shift 2 ;;
    --no-fuzz) FUZZ=0; shift ;;
    --fuzz-time)
        [ $# -ge 2 ] || { usage >&2; die "--fuzz-time needs a number"; }
        [[ "$2" =~ ^[0-9]+$ ]] && [ "$2" -ge 5 ] && [ "$2" -le 600 ] \
            || die "--fuzz-time: expected seconds from 5 to 600, not '$2'"
        FUZZ_TIME=$2
        shift 2 ;;
    --keep) KEEP=1; shift ;;
    --sweep) SWEEP=1; shift ;;
    -*) usage >&2; die "unknown option: $1" ;;
    *)
        [ -z "$BASE" ] || { usage >&2; die "one BASE_REV only (got '$BASE' and '$1')"; }
        BASE=$1
        shift ;;
    esac
done
[ -n "$BASE" ] || { usage >&2; die "expected BASE_REV"; }
git rev-parse --git-dir >/dev/null 2>&1 || die "not in a git repository"
BASE_SHA=$(git rev-parse --verify --quiet "$BASE^{commit}") \
    || die "unknown revision: $BASE"

SRC=$PWD
TMP=$(mktemp -d "${TMPDIR:-/tmp}/bench-compare-XXXXXX") || die "cannot make a temp folder"
cleanup() {
    git -C "$SRC" worktree remove --force "$TMP/base-src" >/dev/null 2>&1
    if [ "$KEEP" = 1 ]; then
        echo "kept: $TMP"
    else
        rm -rf "$TMP"
    fi
}
trap cleanup EXIT

describe() {    # a commit: short hash, date, subject
    git -C "$SRC" log -1 --format='%h %cs %s' "$1"
}
CUR_DESC="$(describe HEAD) (the working tree)"
[ -z "$(git status --porcelain --untracked-files=no)" ] \
    || CUR_DESC="$(describe HEAD) + uncommitted changes (the working tree)"

git worktree add --detach "$TMP/base-src" "$BASE_SHA" >/dev/null 2>&1 \
    || die "cannot check out $BASE in a worktree"

# build TREE SRC KIND: configure and build $TMP/TREE-KIND; 0 or 1 (log kept).
build() {
    local dir=$TMP/$1-$3 src=$2 log=$TMP/$1-$3.log
    local opts=(--buildtype=release -Dwerror=false)
    local cc=gcc
    if [ "$3" = asan ]; then
        opts=(-Dwerror=false -Db_sanitize=address,undefined -Db_lundef=false)
        cc=clang
    elif [ "$3" = libfuzzer ]; then
        opts=(-Dwerror=false -Dfuzzing=true -Db_sanitize=address,undefined -Db_lundef=false)
        cc=clang
    fi
    echo "building $1 ($3) ..." >&2
    { CC=$cc meson setup "$dir" "$src" "${opts[@]}" && nice ninja -C "$dir"; } >"$log" 2>&1 && return 0
    echo "  $1 ($3) did not build; its figures are n/a (last lines of $log):" >&2
    tail -n 5 "$log" >&2
    return 1
}

kinds=(release)
[ "$FUZZ" = 1 ] && kinds+=(asan libfuzzer)
for k in "${kinds[@]}"; do
    build base "$TMP/base-src" "$k"
    build cur "$SRC" "$k" || die "the current tree does not build ($k): $TMP/cur-$k.log"
done

# ---- the measurements: one "metric value" line each, into $TMP/TREE.vals --

# field AFTER TEXT: the word after the first occurrence of AFTER in TEXT.
field() {
    awk -v key="$1" '{ for (i = 1; i < NF; i++) if ($i == key) { print $(i + 1); exit } }' <<<"$2"
}

record() {      # TREE METRIC VALUE (empty: nothing)
    [ -n "$3" ] && echo "$2 $3" >>"$TMP/$1.vals"
}

bench_sim() {
    local exe=$TMP/$1-release/sim/bench_sim out
    [ -x "$exe" ] || return 0
    out=$(nice "$exe" 2>/dev/null) || return 0
    # "events N in T s: X M events/s ..."
    record "$1" sim_events "$(sed -n 's/^events .*: \([0-9.]*\) M events\/s.*/\1/p' <<<"$out" | head -n 1)"
    # "peak memory (max RSS): X MiB"
    record "$1" sim_rss "$(sed -n 's/^peak memory (max RSS): \([0-9.]*\) MiB.*/\1/p' <<<"$out" | head -n 1)"
}

bench_registry() {
    local exe=$TMP/$1-release/registry/bench_registry out w
    [ -x "$exe" ] || return 0
    out=$(nice "$exe" 2>/dev/null) || return 0
    for w in checkpoint start; do
        record "$1" "walk_$w" "$(grep "^ratio hardened/plain $w " <<<"$out" | awk '{ print $4 }')"
        record "$1" "walk_${w}_median" "$(grep "^ratio hardened/plain $w " <<<"$out" | awk '{ print $6 }')"
    done
}

# seconds M.SSS of bash's `times` ("0m0.123s"), user + sys of its children.
cpu_seconds() {
    awk 'NR == 2 { split($1, u, /[ms]/); split($2, s, /[ms]/)
                   printf "%.3f", u[1] * 60 + u[2] + s[1] * 60 + s[2] }' "$1"
}

suite() {
    local exe=$TMP/$1-release/cli/replbench src=$2 j out
    [ -x "$exe" ] && [ -d "$src/scenarios/suites" ] || return 0
    for j in 1 2; do
        # The summary's wall time, and the CPU time of the run and its
        # workers (steadier on a shared machine).
        (cd "$src" && nice "$exe" run --jobs "$j" scenarios/suites >"$TMP/suite.out" 2>/dev/null
         times >"$TMP/suite.times")
        out=$(tail -n 1 "$TMP/suite.out")
        # "138 passed, 0 failed, 0 skipped in 0.523 s (...)"
        record "$1" "suite_j$j" "$(field in "$out")"
        record "$1" "suite_cpu_j$j" "$(cpu_seconds "$TMP/suite.times")"
        grep -q ' 0 failed' <<<"$out" || echo "$1: suite --jobs $j: $out" >>"$TMP/notes"
    done
}

fuzz_bench() {
    local dir=$TMP/$1-asan/fuzz src=$2 h out
    for h in fuzz_registry fuzz_cluster fuzz_scenario; do
        [ -x "$dir/bench_$h" ] && [ -d "$src/fuzz/corpora/$h" ] || continue
        out=$(nice "$dir/bench_$h" "$h" "$src/fuzz/corpora/$h" 2>/dev/null) || continue
        # "NAME N inputs  harness X exec/s  floor Y exec/s  harness/floor R"
        record "$1" "${h}_exec" "$(field harness "$out")"
        record "$1" "${h}_floor" "$(field floor "$out")"
        record "$1" "${h}_ratio" "$(field harness/floor "$out")"
    done
}

# libFuzzer flags of a tree's fuzz/libfuzzer.options, one a line.
libfuzzer_flags() {
    [ -f "$1/fuzz/libfuzzer.options" ] || return 0
    sed -n 's/^\([a-z_]*\) *= *\(.*\)$/-\1=\2/p' "$1/fuzz/libfuzzer.options"
}

libfuzzer_bench() {
    local dir=$TMP/$1-libfuzzer/fuzz src=$2 h out corpus seed t0 t1 flags
    mapfile -t flags < <(libfuzzer_flags "$src")
    for h in fuzz_registry fuzz_cluster; do
        [ -x "$dir/$h" ] || continue
        corpus=$(mktemp -d "$TMP/corpus-XXXXXX")
        # "#N DONE cov: C ft: F corp: ... exec/s: X rss: ..."
        out=$(cd "$TMP" && UBSAN_OPTIONS=halt_on_error=1 nice "$dir/$h" -seed=1 -reload=0 \
                  -max_total_time="$FUZZ_TIME" "${flags[@]}" "$corpus" 2>&1 | grep -m1 'DONE  ')
        rm -rf "$corpus"
        record "$1" "${h}_lf_exec" "$(field exec/s: "$out")"
    done
    [ -x "$dir/fuzz_registry_canary" ] || return 0
    for seed in 1 2 3; do
        corpus=$(mktemp -d "$TMP/corpus-XXXXXX")
        t0=$(date +%s.%N)
        out=$(cd "$TMP" && UBSAN_OPTIONS=halt_on_error=1 nice "$dir/fuzz_registry_canary" \
                  -seed="$seed" -reload=0 -max_total_time=300 -print_final_stats=1 \
                  -artifact_prefix="$corpus/" "${flags[@]}" "$corpus" 2>&1)
        t1=$(date +%s.%N)
        rm -rf "$corpus"
        grep -q 'ERROR: AddressSanitizer: heap-use-after-free' <<<"$out" || continue
        record "$1" canary_s "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')"
        record "$1" canary_runs "$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' <<<"$out" | head -n 1)"
    done
}

# megabytes of a file, 2 decimals.
megabytes() { awk -v b="$(stat -c %s "$1")" 'BEGIN { printf "%.2f", b / 1048576 }'; }

# wall seconds of headless chromium's screenshot of file $2 (120: not in time).
chromium_open() {
    local t0 t1
    t0=$(date +%s.%N)
    timeout 120 chromium --headless --no-sandbox --disable-gpu --window-size=1280,4000 \
        --screenshot="$TMP/shot.png" "file://$2" >/dev/null 2>&1 || { record "$1" "$3" 120; return; }
    t1=$(date +%s.%N)
    record "$1" "$3" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')"
}

sweep_bench() {
    local exe=$TMP/$1-release/cli/replbench src=$2 out gt=()
    [ -x "$exe" ] && [ -d "$src/scenarios/suites/faults" ] || return 0
    rm -rf "$TMP/sweep.jsonl" "$TMP/page"
    (cd "$src" && nice "$exe" sweep --depth 2 --jobs 2 --results "$TMP/sweep.jsonl" \
         scenarios/suites/faults scenarios/suites/failover >"$TMP/sweep.out" 2>&1
     times >"$TMP/sweep.times")
    # "sweep: N runs, F failed, P points, in T s (R runs/s)"
    out=$(grep '^sweep: ' "$TMP/sweep.out" | tail -n 1)
    record "$1" sweep_rate "$(sed -n 's/.*(\([0-9.]*\) runs\/s).*/\1/p' <<<"$out")"
    record "$1" sweep_cpu "$(cpu_seconds "$TMP/sweep.times")"
    [ -f "$TMP/sweep.jsonl" ] || return 0
    record "$1" sweep_results_mb "$(megabytes "$TMP/sweep.jsonl")"
    [ -x /usr/bin/time ] && gt=(/usr/bin/time -f 'merge %U %S %M' -o "$TMP/merge.time")
    nice "${gt[@]}" "$exe" merge --report "$TMP/page" "$TMP/sweep.jsonl" >/dev/null 2>&1
    if [ -f "$TMP/merge.time" ]; then
        record "$1" merge_cpu "$(awk '$1 == "merge" { printf "%.2f", $2 + $3 }' "$TMP/merge.time")"
        record "$1" merge_mb "$(awk '$1 == "merge" { printf "%.0f", $4 / 1024 }' "$TMP/merge.time")"
        rm -f "$TMP/merge.time"
    fi
    [ -f "$TMP/page/index.html" ] || return 0
    record "$1" sweep_html_mb "$(megabytes "$TMP/page/index.html")"
    command -v chromium >/dev/null 2>&1 || return 0
    echo '<!doctype html><title>one line</title><p>one line' >"$TMP/one.html"
    chromium_open "$1" "$TMP/one.html" chromium_empty
    chromium_open "$1" "$TMP/page/index.html" chromium_page
    rm -rf "$TMP/sweep.jsonl" "$TMP/page"
}

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
echo "load average before: $LOAD_BEFORE" >&2
for r in $(seq 1 "$ROUNDS"); do
    for t in base cur; do
        src=$SRC
        [ "$t" = base ] && src=$TMP/base-src
        echo "round $r/$ROUNDS: $t ..." >&2
        bench_sim "$t"
        bench_registry "$t"
        suite "$t" "$src"
        if [ "$FUZZ" = 1 ]; then
            fuzz_bench "$t" "$src"
            libfuzzer_bench "$t" "$src"
        fi
        [ "$SWEEP" = 1 ] && sweep_bench "$t" "$src"
    done
done
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

# ---- the table ---------------------------------------------------------------

median() {      # TREE METRIC: the median of its values, or n/a
    [ -f "$TMP/$1.vals" ] || { echo n/a; return; }
    awk -v m="$2" '$1 == m { v[n++] = $2 }
        END {
            if (n == 0) { print "n/a"; exit }
            for (i = 1; i < n; i++) for (j = i; j > 0 && v[j - 1] + 0 > v[j] + 0; j--) {
                t = v[j]; v[j] = v[j - 1]; v[j - 1] = t
            }
            print (n % 2) ? v[int(n / 2)] : (v[n / 2 - 1] + v[n / 2]) / 2
        }' "$TMP/$1.vals"
}

row() {         # METRIC LABEL TARGET
    local b c ratio=n/a
    b=$(median base "$1")
    c=$(median cur "$1")
    if [ "$b" != n/a ] && [ "$c" != n/a ]; then
        ratio=$(awk -v b="$b" -v c="$c" 'BEGIN { if (b + 0 == 0) print "n/a"; else printf "%.2f", c / b }')
    fi
    printf '%-38s %12s %12s %9s   %s\n' "$2" "$b" "$c" "$ratio" "$3"
}

echo
echo "== bench-compare: medians of $ROUNDS rounds, base and current alternately =="
echo "base:    $(describe "$BASE_SHA") (BASE_REV $BASE)"
echo "current: $CUR_DESC"
echo "machine: $(nproc) cores; load average $LOAD_BEFORE before, $LOAD_AFTER after"
printf '%-38s %12s %12s %9s   %s\n' "metric" "base" "current" "cur/base" "target"
row sim_events "bench_sim M events/s (release)" ">= 5"
row sim_rss "bench_sim peak memory MiB (max RSS)" ""
row walk_checkpoint "walk ratio checkpoint (best)" "<= 1.05"
row walk_start "walk ratio start (best)" "<= 1.05"
row walk_checkpoint_median "walk ratio checkpoint (median)" ""
row walk_start_median "walk ratio start (median)" ""
row suite_j1 "suite s, --jobs 1 = default (release)" "< 0.5"
row suite_j2 "suite s, --jobs 2 (release)" "< 0.5"
row suite_cpu_j1 "suite CPU s, --jobs 1 (user+sys)" ""
row suite_cpu_j2 "suite CPU s, --jobs 2 (user+sys)" ""
if [ "$FUZZ" = 1 ]; then
    for h in fuzz_registry fuzz_cluster fuzz_scenario; do
        t=""
        [ "$h" = fuzz_registry ] && t=">= 50000"
        [ "$h" = fuzz_cluster ] && t=">= 5000"
        row "${h}_exec" "$h exec/s (ASan+UBSan)" "$t"
        row "${h}_floor" "$h floor exec/s" ""
        row "${h}_ratio" "$h harness/floor" ""
    done
    row fuzz_registry_lf_exec "fuzz_registry libFuzzer exec/s (${FUZZ_TIME} s)" ""
    row fuzz_cluster_lf_exec "fuzz_cluster libFuzzer exec/s (${FUZZ_TIME} s)" ">= 10000"
    row canary_s "canary found: wall s (seeds 1-3)" "no worse"
    row canary_runs "canary found: executions (seeds 1-3)" "no worse"
fi
if [ "$SWEEP" = 1 ]; then
    row sweep_rate "sweep --depth 2 runs/s (--jobs 2)" ">= 10000"
    row sweep_cpu "sweep CPU s (user+sys)" ""
    row sweep_results_mb "sweep --results MB" "< 50"
    row merge_cpu "merge --report CPU s" ""
    row merge_mb "merge --report peak memory MB" ""
    row sweep_html_mb "merged HTML page MB" "< 5"
    row chromium_page "chromium screenshot of it, s" "< 10"
    row chromium_empty "chromium, a one-line page, s" ""
fi
[ -f "$TMP/notes" ] && { echo "notes:"; sort -u "$TMP/notes" | sed 's/^/  /'; }
exit 0
