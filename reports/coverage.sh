#!/usr/bin/env bash
# reports/coverage.sh: line and branch coverage of the libraries.  Builds
# ./build-cov with -Db_coverage=true, runs every test suite, writes meson's
# reports (lcov HTML with branches, Cobertura XML, text) into
# build-cov/meson-logs/, prints the figures per library, and fails when
# registry/ drops below 100% lines or 95% branches.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/common.sh

usage() {
    cat <<'TXT'
usage: reports/coverage.sh [--help]
Builds build-cov with coverage, runs the tests, writes
  build-cov/meson-logs/coveragereport/index.html   (lcov HTML, branches)
  build-cov/meson-logs/coverage.xml                (Cobertura)
  build-cov/meson-logs/coverage.txt                (text)
and prints line/branch figures for registry/ (tests and benchmarks
excluded).  Exit 1 when registry/ is below 100% lines or 95% branches,
2 on setup or build failure.
TXT
}
help_or_no_args "$@"

ensure_packages
ensure_build build-cov -Db_coverage=true --buildtype=debug -Dwerror=true
find build-cov -name '*.gcda' -delete
meson test -C build-cov --num-processes 2 >/dev/null \
    || { meson test -C build-cov --print-errorlogs; die "tests failed in build-cov"; }
ninja -C build-cov coverage >build-cov/coverage.log 2>&1 \
    || { cat build-cov/coverage.log >&2; die "ninja coverage failed"; }

rc="--rc lcov_branch_coverage=1"
info=build-cov/meson-logs/coverage.info
lib=build-cov/registry.info
# shellcheck disable=SC2086
lcov -q $rc --extract "$info" "$PWD/registry/*" -o "$lib.all" 2>/dev/null
# shellcheck disable=SC2086
lcov -q $rc --remove "$lib.all" "$PWD/registry/tests/*" "$PWD/registry/bench/*" -o "$lib" 2>/dev/null
# shellcheck disable=SC2086
summary=$(lcov $rc --summary "$lib" 2>&1)
lines=$(sed -n 's/.*lines\.*: \([0-9.]*\)%.*/\1/p' <<<"$summary")
branches=$(sed -n 's/.*branches\.*: \([0-9.]*\)%.*/\1/p' <<<"$summary")
echo "coverage registry/: $(grep -E 'lines|branches' <<<"$summary" | sed 's/^ *//' | tr '\n' ' ')"
echo "report: build-cov/meson-logs/coveragereport/index.html"
python3 - "$lines" "$branches" <<'PY'
import sys
lines, branches = float(sys.argv[1]), float(sys.argv[2])
bad = []
if lines < 100.0:
    bad.append(f"lines {lines}% < 100%")
if branches < 95.0:
    bad.append(f"branches {branches}% < 95%")
if bad:
    print("coverage gate FAILED for registry/: " + ", ".join(bad))
    sys.exit(1)
print("coverage gate met for registry/ (lines 100%, branches >= 95%)")
PY
