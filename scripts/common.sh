# scripts/common.sh: shared by ./run.sh, ./test.sh and .ci/run (sourced, not
# run).  Owns the package list, dependency install and the build directory
# set-up; knows nothing of what the tests are.

# Debian packages the build, the tests and the reports need.  llvm-14 has
# llvm-symbolizer-14, with which clang's ASan names file:line in a crash's
# stacks (clang-14 only recommends it).
REPLBENCH_PACKAGES="meson ninja-build pkg-config gcc libc6-dev clang libclang-rt-14-dev llvm-14
libcmocka-dev libfiu-dev libxxhash-dev fiu-utils lcov gcovr valgrind python3 libxml2-utils afl++
yamllint"

say() { printf '%s\n' "$*" >&2; }
die() { say "$(basename "$0"): $*"; exit 2; }

# help_or_no_args "$@": these scripts take only --help; the caller defines
# usage().  Prints it and exits 0 for --help/-h, exits 2 on anything else.
help_or_no_args() {
    case "${1:-}" in
    -h|--help) usage; exit 0 ;;
    "") ;;
    *) usage >&2; die "unknown argument: $1" ;;
    esac
}

# Install whatever of REPLBENCH_PACKAGES is missing (needs root or sudo).
ensure_packages() {
    local missing="" p
    for p in $REPLBENCH_PACKAGES; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" \
            || missing="$missing $p"
    done
    [ -z "$missing" ] && return 0
    say "installing:$missing"
    local sudo=""
    if [ "$(id -u)" != 0 ]; then
        command -v sudo >/dev/null || die "missing packages:$missing (run as root or install them)"
        sudo="sudo"
    fi
    $sudo apt-get update -qq || die "apt-get update failed"
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing \
        >/dev/null || die "apt-get install failed for:$missing"
}

# ensure_build DIR [meson setup options...]: configure DIR once, then build.
ensure_build() {
    local dir=$1
    shift
    if [ ! -f "$dir/build.ninja" ]; then
        meson setup "$dir" "$@" >"$dir.setup.log" 2>&1 \
            || { cat "$dir.setup.log" >&2; die "meson setup $dir failed"; }
        rm -f "$dir.setup.log"
    fi
    ninja -C "$dir" >/dev/null || { ninja -C "$dir" >&2; die "build of $dir failed"; }
}

# run_suites REPLBENCH FOLDER LOG: run every scenario under FOLDER with
# replbench, the whole output kept in LOG, all but the PASS lines shown.
# Returns replbench's own status (0 all passed or skipped, 1 a failure, 2 an
# unreadable or unparsable file), read before anything filters its output.
run_suites() {
    local status=0
    "$1" run "$2" >"$3" 2>&1 || status=$?
    grep -v '^PASS ' "$3" || true
    return "$status"
}

# result_line STATUS TIMINGS: the last line of ./run.sh.  STATUS is the checks'
# verdict (0 passed); TIMINGS the benchmark lines.  A performance target is a
# measurement on a shared machine, not a check: a missed one is named beside
# the verdict, never hidden behind "all checks passed" alone.
result_line() {
    local missed
    missed=$(printf '%s\n' "$2" | grep -c 'NOT met' || true)
    if [ "$1" = 0 ]; then
        if [ "$missed" = 0 ]; then
            echo "result: all checks passed, every performance target met"
        elif [ "$missed" = 1 ]; then
            echo "result: all checks passed; 1 performance target NOT met (a timing, not a check)"
        else
            echo "result: all checks passed; $missed performance targets NOT met (timings, not checks)"
        fi
    else
        echo "result: FAILED"
    fi
}

# count_results [--extra-failed N] LOG...: prints "N passed, N failed" over
# meson testlog.json files (OK and EXPECTEDFAIL pass, SKIP is counted apart,
# the rest fail), preceded by the CMocka case totals read from the tests'
# output.  --extra-failed adds failures that left no log (a failed build).
count_results() {
    python3 - "$@" <<'PY'
import json, re, sys
args = sys.argv[1:]
passed = failed = skipped = 0
cases_ok = cases_bad = 0
if args[:1] == ["--extra-failed"]:
    failed += int(args[1])
    args = args[2:]
for path in args:
    with open(path) as f:
        for line in f:
            if not line.strip():
                continue
            test = json.loads(line)
            result = test["result"]
            out = test.get("stdout", "") + test.get("stderr", "")
            for n in re.findall(r"\[  PASSED  \] (\d+) test", out):
                cases_ok += int(n)
            for n in re.findall(r"\[  FAILED  \] (\d+) test", out):
                cases_bad += int(n)
            if result in ("OK", "EXPECTEDFAIL"):
                passed += 1
            elif result == "SKIP":
                skipped += 1
            else:
                failed += 1
print(f"cmocka: {cases_ok} cases passed, {cases_bad} cases failed")
tail = f", {skipped} skipped" if skipped else ""
print(f"{passed} passed, {failed} failed{tail}")
PY
}
