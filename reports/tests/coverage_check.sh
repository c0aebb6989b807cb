#!/usr/bin/env bash
# coverage_check.sh: what reports/coverage.sh leaves, checked after it ran
# (CI runs it right after the coverage gate): the lcov HTML's headline is
# the total it printed, i.e. the gated code only, and the HTML has no
# tests/, bench/ or fuzz/ folder; `coverage.sh PATH` measures those
# scenarios alone (less of registry/ than the whole run, more than none),
# its HTML headline its own total; bad arguments exit 2.
# Usage: bash reports/tests/coverage_check.sh (from anywhere)
set -uo pipefail
cd "$(dirname "$0")/../.."
LOGS=build-cov/meson-logs

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

# headline HTML: the line percentage of genhtml's index.html.
headline() {
    python3 - "$1" <<'PY'
import re, sys
page = open(sys.argv[1]).read()
m = re.search(r'headerItem">Lines:</td>\s*<td[^>]*>\d+</td>\s*<td[^>]*>\d+</td>\s*'
              r'<td[^>]*>([0-9.]+)(?:&nbsp;|\s)*%</td>', page)
print(m.group(1) if m else 'none')
PY
}

# figure FILE DIR: the lines figure of DIR ("total" for the total) in FILE.
figure() {
    sed -n "s|^coverage $2/* *lines *\([0-9.]*\)%.*|\1|p" "$1"
}

[ -f "$LOGS/coverage-gated.txt" ] || fail "no $LOGS/coverage-gated.txt: run reports/coverage.sh first"
total=$(figure "$LOGS/coverage-gated.txt" total)
head=$(headline "$LOGS/coveragereport/index.html")
[ -n "$total" ] && [ "$head" = "$total" ] ||
    fail "the lcov HTML's headline ($head%) is not the gated total ($total%)"
if grep -Eo 'href="[^"]*(tests|bench|fuzz)/[^"]*"' "$LOGS/coveragereport/index.html"; then
    fail "the lcov HTML counts tests, benchmarks or harnesses"
fi
echo "ok - the lcov HTML's headline is the gated total: $head% lines"

full=$(figure "$LOGS/coverage-gated.txt" registry)
reports/coverage.sh scenarios/suites/registry/default_registry_walks.scn >build-cov/check.log 2>&1 ||
    { cat build-cov/check.log; fail "coverage.sh PATH: exit status $?"; }
chosen=$(figure "$LOGS/coverage-chosen.txt" registry)
python3 -c "import sys; sys.exit(0 if 0 < float('$chosen') < float('$full') else 1)" ||
    fail "coverage of one scenario: registry/ $chosen% lines, the whole run $full%"
[ "$(headline "$LOGS/coverage-chosen/index.html")" = "$(figure "$LOGS/coverage-chosen.txt" total)" ] ||
    fail "the chosen run's HTML headline is not its total"
echo "ok - coverage.sh PATH: registry/ $chosen% lines for one scenario (the whole run: $full%)"

reports/coverage.sh --bogus >build-cov/check.log 2>&1
[ $? = 2 ] || fail "coverage.sh --bogus: exit status, expected 2"
reports/coverage.sh scenarios/no/such.scn >build-cov/check.log 2>&1
[ $? = 2 ] || fail "coverage.sh with a path that does not exist: exit status, expected 2"
grep -q "bad input" build-cov/check.log || fail "no message for a path that does not exist"
echo "ok - coverage.sh: an unknown option or a missing path exits 2"
