#!/bin/sh
# options.sh: the option table of docs/OPTIONS.md holds for every command
# (issue 21, point 1): each option marked x is accepted (with a valid
# value) and named by the command's --help, each other one is refused as
# "unknown option" (exit 2); -h, -j 2 and combined one-letter flags (-qx,
# -j2) work where the table says; sweep --format junit and --report work
# without merge.
# Usage: sh options.sh PATH/TO/replbench PATH/TO/docs/OPTIONS.md PATH/TO/junit.xsd
set -u

RB=${1:?usage: options.sh REPLBENCH OPTIONS.md}
TABLE=${2:?usage: options.sh REPLBENCH OPTIONS.md JUNIT.xsd}
XSD=${3:?usage: options.sh REPLBENCH OPTIONS.md JUNIT.xsd}
. "$(dirname "$0")/lib.sh"
start options
have_fiu || { echo "# built without libfiu: the sweeps it compares inject nothing, skipped"; exit 77; }
case $XSD in /*) ;; *) XSD=$PWD/$XSD ;; esac

# A valid value of each option that takes one.
value_of() {
    case $1 in
    --seed) echo 1 ;;
    -j|--jobs) echo 2 ;;
    --shard) echo 1/2 ;;
    --seeds) echo 1..2 ;;
    --budget|--timeout) echo 5s ;;
    --results) echo "$T/r.jsonl" ;;
    --crash-dir|--report) echo "$T/dir" ;;
    -k|--exclude) echo x ;;
    --color) echo never ;;
    --format) echo junit ;;
    esac
}

# The table: the commands from its head, then a row per option.
commands=$(grep '^| option |' "$TABLE" | tr -d ' ' | tr '|' ' ' | cut -d' ' -f3-)
[ "$(echo "$commands" | wc -w)" -eq 11 ] || fail "no table of 11 commands in $TABLE"
rows=0 cells=0
grep '^| `' "$TABLE" >"$T/rows"
while IFS= read -r row; do
    names=$(echo "$row" | cut -d'|' -f2 | grep -o '`[^`]*`' | tr -d '`')
    i=3
    for cmd in $commands; do
        mark=$(echo "$row" | cut -d'|' -f$i | tr -d ' ')
        i=$((i + 1))
        for opt in $names; do
            v=$(value_of "$opt")
            # shellcheck disable=SC2086
            rb "$cmd" "$opt" $v --help
            if [ "$mark" = x ]; then
                expect_rc 0 "$cmd $opt $v --help (the table says $cmd takes $opt)"
                grep -Eq -- "(^|[ ,])$opt([ ,=]|\$)" "$OUT" || fail "$cmd --help does not name $opt"
            else
                expect_rc 2 "$cmd $opt $v (the table says $cmd does not take $opt)"
                expect_err "unknown option '$opt'" "$cmd $opt"
            fi
            cells=$((cells + 1))
        done
    done
    rows=$((rows + 1))
done <"$T/rows"
[ "$rows" -ge 19 ] || fail "only $rows rows in the table"
ok "the table holds: $rows rows, $cells command x option cells"

for cmd in $commands; do
    for h in -h --help; do
        rb "$cmd" "$h"
        expect_rc 0 "$cmd $h"
        head -n 1 "$OUT" | grep -q "^usage: replbench $cmd" || fail "$cmd $h: no usage line"
    done
done
ok "-h and --help on every command"

# Combined one-letter flags: -qx is -q -x, -j2 is -j 2, and a letter no
# command knows in a cluster is named.
S=$T/s
mkdir "$S"
printf 'registry name=r\nstate name=a\nwalk kind=checkpoint\nexpect count=1\n' >"$S/a_pass.scn"
printf 'registry name=r\nstate name=a\nwalk kind=checkpoint\nexpect count=2\n' >"$S/b_fail.scn"
cp "$S/b_fail.scn" "$S/c_fail.scn"
cd "$S" || exit 1
S=.
for cmd in run sweep determinism; do
    rb "$cmd" -qx "$S"
    expect_rc 1 "$cmd -qx"
    expect_out "stopped at the first failure (-x)" "$cmd -qx"
    expect_no_out "PASS" "$cmd -qx"
    expect_out "FAIL b_fail.scn" "$cmd -qx"
    expect_no_out "FAIL c_fail.scn" "$cmd -qx"
    cp "$OUT" "$T/qx"
    rb "$cmd" -q -x "$S"
    sed 's/ in [0-9.]* s.*//' "$OUT" >"$T/a"
    sed 's/ in [0-9.]* s.*//' "$T/qx" >"$T/b"
    cmp -s "$T/a" "$T/b" || fail "$cmd: -qx and -q -x differ"
    rb "$cmd" -qz "$S"
    expect_rc 2 "$cmd -qz"
    expect_err "unknown option '-z'" "$cmd -qz"
done
ok "-qx is -q -x in run, sweep and determinism; -qz names -z"

# -j 2, -j2 and --jobs=2 give what -j 1 gives, in the same order.
norm() { sed -e 's/ in [0-9.]* s.*//' -e '/^implementation:/d' "$1"; }
for cmd in run sweep ledger conform; do
    rb "$cmd" -j 1 "$S"
    rc1=$rc
    norm "$OUT" >"$T/j1"
    for j in "-j 2" "-j2" "--jobs=2"; do
        # shellcheck disable=SC2086
        rb "$cmd" $j "$S"
        [ "$rc" -eq "$rc1" ] || fail "$cmd $j: exit $rc, -j 1: $rc1"
        norm "$OUT" >"$T/j2"
        cmp -s "$T/j1" "$T/j2" || { diff "$T/j1" "$T/j2" >&2; fail "$cmd $j differs from -j 1"; }
    done
done
ok "-j 2, -j2, --jobs=2 as -j 1 in run, sweep, ledger and conform"

# sweep --format junit: the XML of merge on stdout (the sweep's lines on
# stderr), valid against reports/tests/junit.xsd when xmllint is here; the
# same as merge --format junit of sweep --results; --report writes the page.
rb sweep --results "$T/sweep.jsonl" "$S"
expect_rc 1 "sweep --results"
run "$RB" merge --format junit "$T/sweep.jsonl"
sed -e 's/time="[^"]*"//g' -e 's/timestamp="[^"]*"//g' "$OUT" >"$T/merged.xml"
rb sweep --format junit "$S"
expect_rc 1 "sweep --format junit"
expect_err "sweep: 15 runs, 2 failed" "sweep --format junit (its summary on stderr)"
head -n 1 "$OUT" | grep -q '^<?xml' || fail "sweep --format junit: stdout is not XML"
expect_out '<testcase name="b_fail.scn \[clean\]"' "sweep --format junit"
cp "$OUT" "$T/sweep.xml"
sed -e 's/time="[^"]*"//g' -e 's/timestamp="[^"]*"//g' "$OUT" >"$T/sweep-untimed.xml"
cmp -s "$T/merged.xml" "$T/sweep-untimed.xml" || { diff "$T/merged.xml" "$T/sweep-untimed.xml" >&2;
    fail "sweep --format junit is not merge's JUnit of its results"; }
if command -v xmllint >/dev/null; then
    xmllint --noout --schema "$XSD" "$T/sweep.xml" 2>"$T/lint" ||
        { cat "$T/lint" >&2; OUT=$T/lint; fail "sweep --format junit: not valid against junit.xsd"; }
fi
rb sweep --format tap "$S"
expect_rc 1 "sweep --format tap"
expect_out "^1\.\.15\$" "sweep --format tap"
rb sweep --report "$T/page" "$S"
expect_rc 1 "sweep --report"
expect_out "sweep: 15 runs, 2 failed" "sweep --report (its own summary on stdout)"
grep -q "b_fail.scn" "$T/page/index.html" || fail "sweep --report: no page naming b_fail.scn"
mkdir "$T/tmp"
run env TMPDIR="$T/tmp" "$RB" sweep --format junit -k a_pass "$S"
expect_rc 0 "sweep --format junit -k a_pass"
[ -z "$(ls "$T/tmp")" ] || fail "a temporary results file is left: $(ls "$T/tmp")"
ok "sweep --format junit|tap and --report without merge: merge's report of its results"
