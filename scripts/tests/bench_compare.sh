#!/usr/bin/env bash
# bench_compare.sh: scripts/bench-compare.sh's arguments only (the
# comparison itself builds two trees and runs for minutes: a tool, never
# run here): --help, and every usage error exits 2 with a message, before
# any build, leaving no temp folder behind.
# Usage: bash bench_compare.sh SOURCE_DIR
set -u
SRC=${1:?usage: bench_compare.sh SOURCE_DIR}
S=$SRC/scripts/bench-compare.sh
T=$(mktemp -d "${TMPDIR:-/tmp}/replbench-benchcmp.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
mkdir "$T/tmp"

fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok - $*"; }

[ -x "$S" ] || fail "$S is not executable"

rc=0; "$S" --help >"$T/out" 2>"$T/err" || rc=$?
[ "$rc" = 0 ] || fail "--help exited $rc"
grep -q '^usage: scripts/bench-compare.sh .*BASE_REV' "$T/out" || fail "--help has no usage line"
grep -q -- '--rounds N' "$T/out" || fail "--help does not describe --rounds"
[ ! -s "$T/err" ] || fail "--help wrote to stderr"
ok "--help: usage on stdout, exit 0"

# expect_usage_error MESSAGE ARGS...: exit 2, MESSAGE on stderr, nothing
# built (no temp folder made).
expect_usage_error() {
    local want=$1 rc=0
    shift
    TMPDIR=$T/tmp "$S" "$@" >"$T/out" 2>"$T/err" || rc=$?
    [ "$rc" = 2 ] || fail "'$*' exited $rc, not 2"
    grep -q -- "$want" "$T/err" || { cat "$T/err" >&2; fail "'$*': no '$want' on stderr"; }
    [ -z "$(ls -A "$T/tmp")" ] || fail "'$*' left $(ls "$T/tmp") behind"
    ok "'$*': exit 2, $want"
}
expect_usage_error "expected BASE_REV"
expect_usage_error "expected BASE_REV" --no-fuzz --rounds 2
expect_usage_error "unknown option: --frob" --frob HEAD
expect_usage_error "one BASE_REV only" HEAD HEAD~1
expect_usage_error "--rounds needs a number" HEAD --rounds
expect_usage_error "expected a number from 1 to 20, not '0'" --rounds 0 HEAD
expect_usage_error "expected a number from 1 to 20, not '21'" --rounds 21 HEAD
expect_usage_error "expected a number from 1 to 20, not 'x'" --rounds x HEAD
expect_usage_error "--fuzz-time needs a number" HEAD --fuzz-time
expect_usage_error "expected seconds from 5 to 600, not '4'" --fuzz-time 4 HEAD
expect_usage_error "expected seconds from 5 to 600, not '601'" --fuzz-time 601 HEAD
if git -C "$SRC" rev-parse --git-dir >/dev/null 2>&1; then
    (cd "$SRC" && expect_usage_error "unknown revision: no-such-rev-xyz" no-such-rev-xyz)
else
    echo "ok - # SKIP an unknown revision: $SRC is not a git checkout"
fi
