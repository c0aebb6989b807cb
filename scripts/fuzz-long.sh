#!/usr/bin/env bash
# scripts/fuzz-long.sh: the fuzzers' long run, locally: each libFuzzer
# harness for a given time from its seed corpus, one fuzzer process at a
# time, and every finding turned into a reduced scenario by `replbench
# fuzz2scn --reduce`.  Reads fuzz/corpora, fuzz/libfuzzer.options and
# fuzz/scn.dict; writes only under its --out folder (and builds --build).
set -uo pipefail

usage() {
    cat <<'TXT'
usage: scripts/fuzz-long.sh [options] [HARNESS...]

Fuzzes each HARNESS (default: fuzz_registry fuzz_cluster fuzz_scenario;
fuzz_registry_canary is the canary, which must be found) for --time seconds
from a copy of fuzz/corpora/HARNESS, with fuzz/libfuzzer.options (and
fuzz/scn.dict for fuzz_scenario), one harness after the other.  libFuzzer
stops at a finding: the input is kept, turned into a scenario with
`replbench fuzz2scn --reduce` (shrunk to one that fails the same way), and
the harness starts again from its grown corpus with the next seed for the
rest of its time (at most --max-findings times).  Each finding prints its
message and where its input and scenario are.

The build is a libFuzzer one (clang, ASan+UBSan), configured if missing:
  CC=clang meson setup build-fuzz -Dfuzzing=true \
      -Db_sanitize=address,undefined -Db_lundef=false
and the harnesses and replbench are rebuilt first (not with --no-build).

options:
  -t, --time SECONDS    fuzzing time of each harness (default 600)
  --seed N              libFuzzer -seed of a harness's first run (default 1);
                        each restart after a finding takes the next number
  --runs N              also stop a harness after N runs (libFuzzer -runs,
                        counted over its restarts; default: no bound)
  --max-findings N      stop a harness at its Nth finding (default 5)
  --timeout SECONDS     one input running longer is a finding (default 60)
  --build DIR           the libFuzzer build (default build-fuzz)
  --no-build            use DIR's programs as they are
  --out DIR             where everything goes: DIR/HARNESS/corpus (the grown
                        corpus), run-K.log (run K's libFuzzer log), and per
                        finding run-K-crash-SHA1 (or leak-, timeout-, oom-),
                        its .scn (scenario) and .err (fuzz2scn's stderr).
                        Must not exist or be empty (default
                        BUILD/fuzz-long/YYYYMMDD-HHMMSS)
  --progress SECONDS    a progress line every SECONDS (default 60; 0: none)
  -h, --help            this text
Exit status: 0 every harness ran its time (or runs) and nothing was found;
1 something was found (every finding listed at the end, with its scenario);
2 a usage, build or setup error (a harness that stops without a finding and
without finishing is one); 130 or 143 stopped by SIGINT or SIGTERM (the
fuzzer it started is stopped, what ran and was found is reported).
TXT
}

say() { printf 'fuzz-long: %s\n' "$*"; }
die() { printf 'fuzz-long: %s\n' "$*" >&2; exit 2; }
usage_error() { die "$* (usage: scripts/fuzz-long.sh --help)"; }
count() { find "$1" -maxdepth 1 -type f | wc -l; }
abs() { case $1 in /*) printf '%s\n' "$1" ;; *) printf '%s\n' "$PWD/$1" ;; esac; }

# number NAME VALUE MIN: VALUE, a whole number >= MIN, or a usage error.
number() {
    if ! [[ "$2" =~ ^[0-9]{1,9}$ ]] || [ "$2" -lt "$3" ]; then
        usage_error "$1: expected a whole number >= $3, not '$2'"
    fi
}

SRC=$(cd "$(dirname "$0")/.." && pwd)
TIME=600 SEED=1 RUNS=0 MAX_FINDINGS=5 TIMEOUT=60 PROGRESS=60 BUILD="" OUT="" DO_BUILD=1
HARNESSES=()
while [ $# -gt 0 ]; do
    case "$1" in
    -h|--help) usage; exit 0 ;;
    -t|--time|--seed|--runs|--max-findings|--timeout|--build|--out|--progress)
        [ $# -ge 2 ] || usage_error "$1 needs a value"
        case "$1" in
        -t|--time) number "$1" "$2" 1; TIME=$2 ;;
        --seed) number "$1" "$2" 1; SEED=$2 ;;
        --runs) number "$1" "$2" 1; RUNS=$2 ;;
        --max-findings) number "$1" "$2" 1; MAX_FINDINGS=$2 ;;
        --timeout) number "$1" "$2" 1; TIMEOUT=$2 ;;
        --progress) number "$1" "$2" 0; PROGRESS=$2 ;;
        --build) BUILD=$(abs "$2") ;;
        --out) OUT=$(abs "$2") ;;
        esac
        shift 2 ;;
    --no-build) DO_BUILD=0; shift ;;
    -*) usage_error "unknown option: $1" ;;
    fuzz_registry|fuzz_cluster|fuzz_scenario|fuzz_registry_canary)
        HARNESSES+=("$1"); shift ;;
    *) usage_error "unknown harness: $1 (fuzz_registry, fuzz_cluster, fuzz_scenario or fuzz_registry_canary)" ;;
    esac
done
[ ${#HARNESSES[@]} -gt 0 ] || HARNESSES=(fuzz_registry fuzz_cluster fuzz_scenario)
BUILD=${BUILD:-$SRC/build-fuzz}
OUT=${OUT:-$BUILD/fuzz-long/$(date +%Y%m%d-%H%M%S)}
if [ -e "$OUT" ] && [ -n "$(ls -A "$OUT" 2>/dev/null)" ]; then
    die "--out $OUT is not empty (each run starts from the corpora in a folder of its own)"
fi

# What each harness needs: its program, the corpus and fuzz2scn name it
# shares with its harness, and the replbench linked on the same registry.
corpus_of() { printf '%s\n' "${1%_canary}"; }
replbench_of() {
    if [ "$1" = fuzz_registry_canary ]; then
        printf '%s\n' "$BUILD/cli/tests/replbench_canary"
    else
        printf '%s\n' "$BUILD/cli/replbench"
    fi
}

build() {
    local targets=() h rb log=$OUT/build.log
    if [ ! -f "$BUILD/build.ninja" ]; then
        say "configuring $BUILD (clang, -Dfuzzing=true, ASan+UBSan)"
        (cd "$SRC" && CC=clang meson setup "$BUILD" -Dfuzzing=true \
            -Db_sanitize=address,undefined -Db_lundef=false) >"$log" 2>&1 ||
            { tail -n 20 "$log" >&2; die "meson setup $BUILD failed (log: $log)"; }
    fi
    for h in "${HARNESSES[@]}"; do
        rb=$(replbench_of "$h")
        targets+=("fuzz/$h" "${rb#"$BUILD"/}")
    done
    nice ninja -C "$BUILD" "${targets[@]}" >>"$log" 2>&1 ||
        { tail -n 20 "$log" >&2; die "the build of ${targets[*]} in $BUILD failed (is it a -Dfuzzing=true build? log: $log)"; }
}

mkdir -p "$OUT" || die "cannot make --out $OUT"
[ "$DO_BUILD" = 0 ] || build
for h in "${HARNESSES[@]}"; do
    [ -x "$BUILD/fuzz/$h" ] || die "no $BUILD/fuzz/$h (not a -Dfuzzing=true build?)"
    case $("$BUILD/fuzz/$h" -help=1 2>&1) in
    *libFuzzer*) ;;
    *) die "$BUILD/fuzz/$h is not a libFuzzer program (an AFL++ build?)" ;;
    esac
    [ -x "$(replbench_of "$h")" ] || die "no $(replbench_of "$h")"
    [ -d "$SRC/fuzz/corpora/$(corpus_of "$h")" ] || die "no corpus fuzz/corpora/$(corpus_of "$h")"
done

# Every run's libFuzzer flags: fuzz/libfuzzer.options ("name = value"), and
# -reload=0: nothing else writes to the corpus copy.  UBSan must halt, or
# libFuzzer never sees its reports.
mapfile -t FLAGS < <(sed -n 's/^\([a-z_]*\) *= *\(.*\)$/-\1=\2/p' "$SRC/fuzz/libfuzzer.options")
FLAGS+=(-reload=0 -print_final_stats=1 -timeout="$TIMEOUT")
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
# fuzz2scn --reduce of one finding: a bound, as on everything.
REDUCE_LIMIT=900

interrupted=0 pid=""     # interrupted: the exit status a signal asks for
# shellcheck disable=SC2317  # run by the traps
on_signal() {
    interrupted=$1
    [ -z "$pid" ] || kill "$pid" 2>/dev/null
}
trap 'on_signal 130' INT
trap 'on_signal 143' TERM

# wait_fuzzer LABEL LOG T0: wait for $pid, a progress line every
# $PROGRESS seconds of fuzzing since T0 (libFuzzer's last status line); its
# status in $rc.
wait_fuzzer() {
    local next=0 line
    [ "$PROGRESS" = 0 ] || next=$(( ((SECONDS - $3) / PROGRESS + 1) * PROGRESS ))
    while kill -0 "$pid" 2>/dev/null; do
        sleep 1
        if [ "$PROGRESS" -gt 0 ] && [ $((SECONDS - $3)) -ge "$next" ]; then
            line=$(tail -c 4096 "$2" | grep -a '^#[0-9]' | tail -n 1)
            say "$1: $((SECONDS - $3)) s: ${line:-starting}"
            next=$((next + PROGRESS))
        fi
    done
    wait "$pid"
    rc=$?
    pid=""
}

# what LOG: the finding's one-line description from the libFuzzer log.
what() {
    local line pat
    for pat in '^fuzz finding: ' '^SUMMARY: ' 'ERROR: libFuzzer: ' 'ERROR: '; do
        line=$(grep -a -m 1 -- "$pat" "$1") && { printf '%s\n' "${line#==*== }"; return; }
    done
    echo "(no message in the log)"
}

# drop_from_corpus INPUT DIR: a corpus file that is the input itself would
# stop every restart at once.
drop_from_corpus() {
    local sum f
    sum=$(sha1sum <"$1") && sum=${sum%% *} || return 0
    find "$2" -maxdepth 1 -type f -exec sha1sum {} + | while read -r f_sum f; do
        [ "$f_sum" != "$sum" ] || rm -f "$f"
    done
}

FINDINGS=()     # "scenario path<TAB>harness: what" per finding
STATS=()        # one line per harness

# finding H INPUT LOG: turn a kept input into a scenario and say where.
finding() {
    local h=$1 in=$2 msg frc note
    msg=$(what "$3")
    timeout "$REDUCE_LIMIT" "$(replbench_of "$h")" fuzz2scn --reduce "$(corpus_of "$h")" "$in" \
        >"$in.scn" 2>"$in.err"
    frc=$?
    case $frc in
    0) note="does not fail under replbench run: printed as it is" ;;
    1) note="reduced; fails under replbench run" ;;
    2) note="fuzz2scn could not print it" ;;
    124) note="fuzz2scn --reduce took over $REDUCE_LIMIT s: unreduced" ;;
    *) note="replbench died (exit $frc) on it" ;;
    esac
    grep -q -m 1 'ERROR: AddressSanitizer\|runtime error:' "$in.err" && note="$note; replbench crashes on it too"
    FINDINGS+=("$in.scn	$h: $msg")
    say "finding ${#FINDINGS[@]}: $h: $msg"
    say "  input:    $in"
    say "  scenario: $in.scn ($note; its stderr: $in.err)"
    drop_from_corpus "$in" "$OUT/$h/corpus"
}

# fuzz H: H for $TIME seconds (restarted after each finding); 0, or 2 on a
# setup error.
fuzz() {
    local h=$1 dir=$OUT/$1 t0=$SECONDS secs=0 k=0 runs=0 found=0 left seed log n0 a status=0
    local bin=$BUILD/fuzz/$1 dict=() limit=() arts=() seeds=""
    mkdir -p "$dir/corpus" || die "cannot make $dir/corpus"
    cp "$SRC/fuzz/corpora/$(corpus_of "$h")"/* "$dir/corpus/" || die "cannot copy the corpus of $h"
    n0=$(count "$dir/corpus")
    [ "$(corpus_of "$h")" = fuzz_scenario ] && dict=(-dict="$SRC/fuzz/scn.dict")
    say "$h: $TIME s from $n0 corpus inputs, seed $SEED; logs in $dir"
    while [ "$interrupted" = 0 ] && [ "$found" -lt "$MAX_FINDINGS" ]; do
        left=$((TIME - secs))
        [ "$left" -gt 0 ] || break
        if [ "$RUNS" -gt 0 ]; then
            [ "$RUNS" -gt "$runs" ] || break
            limit=(-runs=$((RUNS - runs)))
        fi
        seed=$((SEED + k)) log=$dir/run-$k.log
        seeds="$seeds${seeds:+,}$seed"
        "$bin" -seed="$seed" -max_total_time="$left" "${FLAGS[@]}" "${dict[@]}" "${limit[@]}" \
            -artifact_prefix="$dir/run-$k-" "$dir/corpus" >"$log" 2>&1 &
        pid=$!
        t0=$SECONDS
        wait_fuzzer "$h" "$log" $((t0 - secs))
        secs=$((secs + SECONDS - t0))
        a=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
        runs=$((runs + ${a:-0}))
        mapfile -t arts < <(find "$dir" -maxdepth 1 -type f \
            \( -name "run-$k-crash-*" -o -name "run-$k-leak-*" -o -name "run-$k-timeout-*" \
               -o -name "run-$k-oom-*" \) ! -name '*.scn' ! -name '*.err' | sort)
        find "$dir" -maxdepth 1 -name "run-$k-slow-unit-*" -exec printf 'fuzz-long: %s: a slow input (not a finding): %s\n' "$h" {} \;
        if [ ${#arts[@]} = 0 ]; then
            [ "$interrupted" = 0 ] || break
            if [ "$rc" != 0 ]; then
                say "$h: libFuzzer stopped (exit $rc) without a finding; the end of $log:" >&2
                tail -n 15 "$log" >&2
                status=2
            fi
            break
        fi
        for a in "${arts[@]}"; do
            finding "$h" "$a" "$log"
            found=$((found + 1))
        done
        k=$((k + 1))
    done
    STATS+=("$(printf '%-22s %6d s %10d runs %7d exec/s  seed(s) %s  corpus %d -> %d  findings %d' \
        "$h" "$secs" "$runs" $((runs / (secs > 0 ? secs : 1))) "${seeds:-none}" "$n0" \
        "$(count "$dir/corpus")" "$found")")
    say "${STATS[-1]}"
    return $status
}

setup_error=0
for h in "${HARNESSES[@]}"; do
    [ "$interrupted" = 0 ] || break
    fuzz "$h" || { setup_error=1; break; }
done

echo
say "summary (out: $OUT)"
for s in "${STATS[@]}"; do
    echo "  $s"
done
if [ ${#FINDINGS[@]} -gt 0 ]; then
    say "${#FINDINGS[@]} finding(s); their scenarios:"
    for f in "${FINDINGS[@]}"; do
        printf '  %s\n      %s\n' "${f%%	*}" "${f#*	}"
    done
    say "keep each, once fixed, in scenarios/suites/regress/ and its input in fuzz/corpora/"
fi
if [ "$interrupted" != 0 ]; then
    say "stopped by a signal: the run is incomplete" >&2
    exit "$interrupted"
fi
[ ${#FINDINGS[@]} = 0 ] || exit 1
[ "$setup_error" = 0 ] || die "stopped by a setup error; nothing found before it"
say "nothing found"
exit 0
