#!/bin/sh
# bad.sh REPLBENCH DIR: every malformed scenario in DIR must be refused with
# exactly the message DIR/expected.txt gives for it.
#
# expected.txt has one line per file: FILENAME<TAB>line:col: message.  For
# each, `REPLBENCH run FILENAME` is run inside DIR (so messages carry the bare
# file name) and must exit 2 with a stderr line equal to
# FILENAME:line:col: message.  Every .scn in DIR must have a line, and every
# line a file.  Prints one line per file (ok / FAIL) and a summary; exits 0
# when all hold, 1 otherwise, 2 on bad usage.
set -u

if [ $# -ne 2 ]; then
    echo "usage: $0 REPLBENCH DIR" >&2
    exit 2
fi
bench=$1
dir=$2
case $bench in
    /*) ;;
    */*) bench=$(pwd)/$bench ;;
esac
if [ ! -x "$bench" ] && ! command -v "$bench" >/dev/null 2>&1; then
    echo "$0: $bench: not an executable" >&2
    exit 2
fi
if ! cd "$dir" 2>/dev/null || [ ! -f expected.txt ]; then
    echo "$0: $dir: no expected.txt there" >&2
    exit 2
fi

tab=$(printf '\t')
tmp=$(mktemp "${TMPDIR:-/tmp}/bad.XXXXXX") || exit 2
trap 'rm -f "$tmp"' EXIT INT TERM
pass=0
fail=0

while IFS= read -r entry || [ -n "$entry" ]; do
    case $entry in
        ''|'#'*) continue ;;
    esac
    file=${entry%%"$tab"*}
    want=${entry#*"$tab"}
    if [ "$file" = "$entry" ]; then
        echo "FAIL expected.txt: no tab in line: $entry"
        fail=$((fail + 1))
        continue
    fi
    if [ ! -f "$file" ]; then
        echo "FAIL $file: listed in expected.txt but missing"
        fail=$((fail + 1))
        continue
    fi
    "$bench" run "$file" >/dev/null 2>"$tmp"
    rc=$?
    if [ "$rc" -ne 2 ]; then
        echo "FAIL $file: exit status $rc, expected 2"
        sed 's/^/    stderr: /' "$tmp"
        fail=$((fail + 1))
    elif ! grep -Fqx -- "$file:$want" "$tmp"; then
        echo "FAIL $file: expected on stderr: $file:$want"
        sed 's/^/    stderr: /' "$tmp"
        fail=$((fail + 1))
    else
        echo "ok   $file"
        pass=$((pass + 1))
    fi
done < expected.txt

for f in *.scn; do
    [ -e "$f" ] || continue
    if ! grep -q "^$f$tab" expected.txt; then
        echo "FAIL $f: no line in expected.txt"
        fail=$((fail + 1))
    fi
done

echo "bad scenarios: $pass refused as expected, $fail failed"
[ "$fail" -eq 0 ]
