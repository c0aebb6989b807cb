#!/usr/bin/env bash
# reports/coverage.sh: line and branch coverage.  Builds ./build-cov with
# -Db_coverage=true, runs every test suite (unit, scenarios, scripts, the
# fuzz corpus replays), writes meson's reports (lcov HTML with branches,
# Cobertura XML and text; gcovr.cfg leaves tests, benchmarks and harnesses
# out) into build-cov/meson-logs/, prints the figures for registry/, sim/,
# scenarios/, reports/ and cli/, and fails below the gates (GATES below).
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
and prints line/branch figures for registry/, sim/, scenarios/, reports/
and cli/ (tests and benchmarks excluded).  Exit 1 below a gate (registry/
100% lines, 95% branches; sim/ and scenarios/ 90%, 80%; reports/ 90%, 75%;
cli/ 80%, 70%), 2 on setup or build failure.
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
status=0
# dir, minimum lines %, minimum branches %
while read -r dir min_lines min_branches; do
    part="build-cov/$dir.info"
    # shellcheck disable=SC2086
    lcov -q $rc --extract "$info" "$PWD/$dir/*" -o "$part.all" 2>/dev/null
    # shellcheck disable=SC2086
    lcov -q $rc --remove "$part.all" "$PWD/$dir/tests/*" "$PWD/$dir/bench/*" -o "$part" 2>/dev/null
    # shellcheck disable=SC2086
    summary=$(lcov $rc --summary "$part" 2>&1)
    lines=$(sed -n 's/.*lines\.*: \([0-9.]*\)%.*/\1/p' <<<"$summary")
    branches=$(sed -n 's/.*branches\.*: \([0-9.]*\)%.*/\1/p' <<<"$summary")
    printf 'coverage %-10s lines %6s%% (gate %s%%)  branches %6s%% (gate %s%%)\n' \
        "$dir/" "$lines" "$min_lines" "$branches" "$min_branches"
    if ! python3 -c "import sys; sys.exit(0 if float('$lines') >= $min_lines and float('$branches') >= $min_branches else 1)"; then
        echo "coverage gate FAILED for $dir/"
        status=1
    fi
done <<'GATES'
registry 100 95
sim 90 80
scenarios 90 80
reports 90 75
cli 80 70
GATES
echo "report: build-cov/meson-logs/coveragereport/index.html (lcov, branches)"
echo "        build-cov/meson-logs/coverage.xml (Cobertura), coverage.txt"
[ $status = 0 ] && echo "coverage gates met"
exit $status
