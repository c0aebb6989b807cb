#!/usr/bin/env bash
# test.sh: build if needed and run every test (meson suites) in ./build,
# then print "N passed, N failed".  Exit 0 only when nothing failed.
set -euo pipefail
cd "$(dirname "$0")"
. scripts/common.sh

usage() {
    cat <<'TXT'
usage: ./test.sh [--help]
Installs missing Debian packages (as root, or through sudo), configures
./build (gcc, warnings as errors) if needed, builds, runs every meson test
suite, and prints "N passed, N failed" counted from
build/meson-logs/testlog.json.  Exit status: 0 all passed, 1 a test failed,
2 setup or build failed.
Other setups: meson test -C build --setup valgrind; see README.md.
TXT
}
help_or_no_args "$@"

ensure_packages
ensure_build build -Dwerror=true
status=0
meson test -C build --print-errorlogs --num-processes 2 || status=1
count_results build/meson-logs/testlog.json
exit $status
