#!/bin/sh
# bad.sh REPLBENCH DIR: every malformed scenario in DIR must be refused with
# exactly the errors DIR/expected.txt gives for it, and nothing else; and
# every command that loads scenario files must say them alike.
#
# expected.txt has one line per error: FILENAME<TAB>line:col: message (or
# FILENAME<TAB> ... and N more errors), a file's errors in the order they
# are printed.  For each file, `REPLBENCH run FILENAME` is run inside DIR
# (so messages carry the bare file name) and must exit 2 with a stderr
# equal to those lines, each prefixed by "FILENAME:".  Every .scn in DIR
# must have a line, and every line a file.  Then the files with many
# errors (MANY below) go through every other command that loads scenario
# files: each must exit 2 with the same error lines (fuzz2scn prints the
# text it parses under a header line: its errors are one line further,
# named fuzz.scn as the fuzz harness names its input; explore reads no
# files).  Prints one line per check (ok / FAIL) and a summary; exits 0
# when all hold, 1 otherwise, 2 on bad usage.
set -u

MANY="many_errors.scn too_many_errors.scn"

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
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bad.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT INT TERM
pass=0
fail=0

# check NAME WANT LINES CMD...: CMD exits 2, and its stderr is WANT (LINES
# "all"), or its lines that start with LINES are.
check() {
    name=$1
    want=$2
    lines=$3
    shift 3
    "$@" >/dev/null 2>"$tmp/err"
    rc=$?
    if [ "$lines" = all ]; then
        cp "$tmp/err" "$tmp/got"
    else
        grep -e "^$lines" "$tmp/err" >"$tmp/got"
    fi
    if [ "$rc" -ne 2 ]; then
        echo "FAIL $name: exit status $rc, expected 2"
        sed 's/^/    stderr: /' "$tmp/err"
        fail=$((fail + 1))
    elif ! cmp -s "$want" "$tmp/got"; then
        echo "FAIL $name: stderr is not the expected errors"
        sed 's/^/    expected: /' "$want"
        sed 's/^/    stderr:   /' "$tmp/err"
        fail=$((fail + 1))
    else
        echo "ok   $name"
        pass=$((pass + 1))
    fi
}

if grep -v -e '^$' -e '^#' expected.txt | grep -v -q "$tab"; then
    grep -v -e '^$' -e '^#' expected.txt | grep -v "$tab" |
        sed 's/^/FAIL expected.txt: no tab in line: /'
    fail=$((fail + 1))
fi

# The files, in the order of their first line, through `run`.
for file in $(awk -F "$tab" 'NF > 1 && $1 !~ /^#/ && !seen[$1]++ { print $1 }' expected.txt); do
    if [ ! -f "$file" ]; then
        echo "FAIL $file: listed in expected.txt but missing"
        fail=$((fail + 1))
        continue
    fi
    awk -F "$tab" -v f="$file" '$1 == f { sub(/^[^\t]*\t/, ""); print f ":" $0 }' \
        expected.txt >"$tmp/$file.want"
    check "$file" "$tmp/$file.want" all "$bench" run "$file"
done

for f in *.scn; do
    [ -e "$f" ] || continue
    if ! grep -q "^$f$tab" expected.txt; then
        echo "FAIL $f: no line in expected.txt"
        fail=$((fail + 1))
    fi
done

# The same errors from every command.
for f in $MANY; do
    want=$tmp/$f.want
    if [ ! -s "$want" ] || [ "$(wc -l <"$want")" -lt 6 ]; then
        echo "FAIL $f: fewer than 6 errors in expected.txt"
        fail=$((fail + 1))
        continue
    fi
    check "run --jobs 2 $f" "$want" "$f:" "$bench" run --jobs 2 "$f"
    check "sweep $f" "$want" "$f:" "$bench" sweep "$f"
    check "determinism $f" "$want" "$f:" "$bench" determinism "$f"
    check "ledger $f" "$want" "$f:" "$bench" ledger "$f"
    check "conform $f" "$want" "$f:" "$bench" conform "$f"
    check "reduce $f" "$want" "$f:" "$bench" reduce "$f"
    check "scn2fuzz $f" "$want" "$f:" "$bench" scn2fuzz fuzz_registry "$f" "$tmp/seed"
    awk -v f="$f" '{
        rest = substr($0, length(f) + 2)
        n = index(rest, ":")
        if (rest ~ /^[0-9]+:/) {
            print "fuzz.scn:" (substr(rest, 1, n - 1) + 1) substr(rest, n)
        } else {
            print "fuzz.scn:" rest
        }
    }' "$want" >"$tmp/$f.fuzz"
    check "fuzz2scn $f" "$tmp/$f.fuzz" fuzz.scn: "$bench" fuzz2scn fuzz_scenario "$f"
done

echo "bad scenarios: $pass refused as expected, $fail failed"
[ "$fail" -eq 0 ]
