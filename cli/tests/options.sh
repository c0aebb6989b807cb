#!/bin/sh
# options.sh: the option table of docs/OPTIONS.md holds for every command
# (issue 21, point 1): each option marked x is accepted (with a valid
# value) and named by the command's --help, each marked n/a is refused
# saying why ("does not apply", exit 2) and named by --help, each other one
# is refused as "unknown option" (exit 2); -h, -j 2 and combined one-letter
# flags (-qx, -j2) work where the table says; what -q, -v, -x, -j and
# --budget do in ledger, conform, explore and swarm; sweep --format junit
# and --report work without merge.
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
    --inject) echo registry/alloc:1 ;;
    esac
}

# The table: the commands from its head, then a row per option.
commands=$(grep '^| option |' "$TABLE" | tr -d ' ' | tr '|' ' ' | cut -d' ' -f3-)
[ "$(echo "$commands" | wc -w)" -ge 12 ] || fail "no table of 12 commands or more in $TABLE"
# Every command replbench --help lists has its column.
known=$("$RB" --help | sed -n '/^commands:/,/^$/s/^  \([a-z][a-z0-9]*\) .*/\1/p')
[ "$(echo "$known" | wc -w)" -ge 12 ] || fail "replbench --help lists only: $known"
for cmd in $known; do
    echo " $commands " | grep -q " $cmd " || fail "no column for $cmd in $TABLE"
done
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
                grep -Eq -- "(^|[ ,])$opt([ ,=:]|\$)" "$OUT" || fail "$cmd --help does not name $opt"
            elif [ "$mark" = n/a ]; then
                expect_rc 2 "$cmd $opt $v (the table says $opt cannot apply to $cmd)"
                expect_err "replbench $cmd: $opt does not apply: ..." "$cmd $opt"
                rb "$cmd" --help
                grep -Eq -- "(^|[ ,])$opt([ ,=:]|\$).*do not apply" "$OUT" ||
                    fail "$cmd --help does not say $opt does not apply"
            elif [ -z "$mark" ]; then
                expect_rc 2 "$cmd $opt $v (the table says $cmd does not take $opt)"
                expect_err "unknown option '$opt'" "$cmd $opt"
            else
                fail "cell '$mark' of $cmd $opt: expected x, n/a or nothing"
            fi
            cells=$((cells + 1))
        done
    done
    rows=$((rows + 1))
done <"$T/rows"
[ "$rows" -ge 20 ] || fail "only $rows rows in the table"
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
for cmd in run sweep determinism ledger conform; do
    case $cmd in ledger|conform) seeds= ;; *) seeds="--seeds 1..3" ;; esac
    # shellcheck disable=SC2086
    rb "$cmd" -j 1 $seeds "$S"
    rc1=$rc
    norm "$OUT" >"$T/j1"
    for j in "-j 2" "-j2" "--jobs=2"; do
        # shellcheck disable=SC2086
        rb "$cmd" $j $seeds "$S"
        [ "$rc" -eq "$rc1" ] || fail "$cmd $j: exit $rc, -j 1: $rc1"
        norm "$OUT" >"$T/j2"
        cmp -s "$T/j1" "$T/j2" || { diff "$T/j1" "$T/j2" >&2; fail "$cmd $j differs from -j 1"; }
    done
done
ok "-j 2, -j2, --jobs=2 as -j 1 in run, sweep, determinism (3 seeds), ledger and conform"

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
expect_out "^# 13 passed, 2 failed" "sweep --format tap"   # its 15 runs
expect_out "^1\.\.6\$" "sweep --format tap (a test point per record or summary)"
rb sweep --report "$T/page" "$S"
expect_rc 1 "sweep --report"
expect_out "sweep: 15 runs, 2 failed" "sweep --report (its own summary on stdout)"
grep -q "b_fail.scn" "$T/page/index.html" || fail "sweep --report: no page naming b_fail.scn"
mkdir "$T/tmp"
run env TMPDIR="$T/tmp" "$RB" sweep --format junit -k a_pass "$S"
expect_rc 0 "sweep --format junit -k a_pass"
[ -z "$(ls "$T/tmp")" ] || fail "a temporary results file is left: $(ls "$T/tmp")"
ok "sweep --format junit|tap and --report without merge: merge's report of its results"

# ---- what -q, -v and -x do where the command says what they mean ------------
# ledger: -x stops after the first failing run (2 of 3 scenarios, exit 1);
# -q keeps only the points not ok; -v a line per run.
rb ledger "$S"
expect_out "over 3 scenarios" "ledger"
rb ledger -qx "$S"
expect_rc 1 "ledger -qx (stopped at a failure)"
expect_out "stopped at the first failure (-x): 2 of 3 runs done" "ledger -qx"
expect_out "over 2 scenarios" "ledger -qx"
mkdir "$T/alloc"
printf '%s\n' 'state name=b' 'on state=b walk=stop do=fail msg="disk gone"' \
    'fault point=registry/alloc mode=once' 'walk kind=stop' 'expect error="out of memory"' \
    'expect fired=1 point=registry/alloc' >"$T/alloc/alloc.scn"
rb ledger "$T/alloc"
expect_out "^registry/alloc .* ok\$" "ledger (a point fired, handled and observed)"
expect_out "^node/<node>/crash .* never fired\$" "ledger"
rb ledger -q "$T/alloc"
expect_no_out "^registry/alloc" "ledger -q (an ok point)"
expect_out "^node/<node>/crash .* never fired\$" "ledger -q (a point not ok)"
expect_out "^ledger: 11 points, 10 not ok" "ledger -q"
rb ledger --verbose "$S"
expect_out "^FAIL b_fail.scn \[seed 1\]: 0 fires" "ledger -v"
expect_out "a_pass.scn \[seed 1\]: 0 fires, 0 handled, 0 observed" "ledger -v"
rb ledger "$S"
expect_no_out "a_pass.scn" "ledger without -v"
ok "ledger: -x stops at the first failing run, -q shows the points not ok, -v each run"

# conform: a failure is a cell that fails; -q leaves out the table, -v
# names each scenario (on stderr when stdout is JSON).
C=$T/conform
mkdir "$C"
for f in a_pass b_fail c_fail; do
    sed 's/^registry name=r$/registry name=r\nrule id=1 walk=checkpoint/' "$S/$f.scn" >"$C/$f.scn"
done
rb conform "$C"
expect_rc 1 "conform (a failing cell)"
expect_out "^rule  *start  *stop" "conform (the table)"
expect_out "FAIL rule 1, checkpoint: 2 scenarios" "conform"
rb conform -qx "$C"
expect_rc 1 "conform -qx"
expect_no_out "^rule  *start  *stop" "conform -q (no table)"
expect_out "FAIL rule 1, checkpoint: 1 scenario;" "conform -qx (c_fail.scn not run)"
expect_out "stopped at the first failure (-x): 2 of 3 runs done" "conform -qx"
expect_out "^conform: 0 pass, 0 partly, 1 fail" "conform -qx"
rb conform -v "$C"
expect_out "^PASS $C/a_pass.scn\$" "conform -v"
expect_out "^FAIL $C/b_fail.scn: expect count" "conform -v"
rb conform -v --format json "$C"
head -c 1 "$OUT" | grep -q '{' || fail "conform -v --format json: stdout is not JSON"
expect_err "^PASS $C/a_pass.scn\$" "conform -v --format json (its lines on stderr)"
ok "conform: -x stops at the first failing cell, -q leaves out the table, -v each scenario"

# explore: -j N finds what -j 1 finds (every script of a shard too), -v a
# line per worker, -x is what it does anyway; -q no progress line, and
# --budget reports what ran when it is spent.
for args in "--states 2 --walks 2" "--states 2 --walks 2 --shard 2/3"; do
    # shellcheck disable=SC2086
    rb explore -j 1 $args
    expect_rc 0 "explore -j 1 $args"
    sed 's/ in [0-9.]* s.*//' "$OUT" >"$T/e1"
    for j in "-j 2" "-j3" "-x"; do
        # shellcheck disable=SC2086
        rb explore $j $args
        expect_rc 0 "explore $j $args"
        sed 's/ in [0-9.]* s.*//' "$OUT" | cmp -s "$T/e1" - ||
            { diff "$T/e1" "$OUT" >&2; fail "explore $j $args differs from -j 1"; }
    done
done
rb explore -v -j 2 --states 2 --walks 2
sum=$(awk '/^explore: worker [12] of 2: [0-9]+ scripts run$/ { n += $6 } END { print n }' "$OUT")
[ "$sum" = 6932 ] || fail "explore -v -j 2: the workers ran $sum scripts, expected 6932"
rb explore -q --budget 2s
expect_rc 0 "explore -q --budget 2s"
expect_out "^budget of 2.000 s spent: stopped after [0-9]* of 2549992 runs" "explore --budget 2s"
[ ! -s "$ERR" ] || { cat "$ERR" >&2; fail "explore -q wrote to stderr"; }
n=$(sed -n 's/^explored \([0-9]*\) scripts.*/\1/p' "$OUT")
[ "$n" -gt 0 ] && [ "$n" -lt 2549992 ] || fail "explore --budget 2s explored '$n' scripts"
rb explore -j 2 --budget 2s
expect_rc 0 "explore -j 2 --budget 2s"
expect_err "^explore: \[[0-9]*/2549992\]" "explore without -q (a progress line after 1 s)"
ok "explore: -j as -j 1, -v per worker, -q quiet, --budget stops and reports"

# swarm takes -q, -v and -x of the skeleton: long names as short ones.
rb swarm --seeds 1..3 --out "$T/sw" -q
expect_rc 0 "swarm -q"
sed 's/ in [0-9.]* s.*//' "$OUT" >"$T/sq"
rb swarm --seeds 1..3 --out "$T/sw" --quiet
sed 's/ in [0-9.]* s.*//' "$OUT" | cmp -s "$T/sq" - || fail "swarm --quiet is not -q"
rb swarm --seeds 1..3 --out "$T/sw"
[ "$(wc -l <"$OUT")" -gt "$(wc -l <"$T/sq")" ] || fail "swarm -q prints as much as swarm"
rb swarm --seeds 1..3 --out "$T/sw" -qv
expect_rc 2 "swarm -qv"
expect_err "-q and -v cannot go together" "swarm -qv"
ok "swarm: -q/--quiet, -v/--verbose, -x of the one skeleton"

# ---- the cells built through the skeleton since (issue 21, point 1) ---------
ESC=$(printf '\033')
# has_color WHAT: the output holds an ANSI colour sequence; no_color: none.
has_color() { grep -q "$ESC\[" "$OUT" || fail "$1: no colour with --color always"; }
no_color() { ! grep -q "$ESC" "$OUT" || fail "$1: colour without --color always"; }

# ledger --seeds: every scenario under every seed, all runs added up;
# --budget stops early and says so; --color paints the verdicts.
rb ledger -v --seeds 1..3 "$S"
[ "$(grep -c ' \[seed [123]\]: ' "$OUT")" = 9 ] || fail "ledger -v --seeds 1..3: not 9 runs"
expect_out "^ran  a_pass.scn \[seed 3\]: " "ledger --seeds 1..3 (seed 3)"
expect_out "^FAIL c_fail.scn \[seed 2\]: " "ledger --seeds 1..3 (seed 2)"
expect_out "over 9 scenarios" "ledger --seeds 1..3 (the ledger adds up 9 runs)"
rb ledger --seeds 1..200000 --budget 500ms a_pass.scn
expect_rc 1 "ledger --budget (points never fired)"
expect_out "^budget of 0.500 s spent: stopped after [0-9]* of 200000 runs" "ledger --budget"
n=$(sed -n 's/.*over \([0-9]*\) scenarios.*/\1/p' "$OUT")
[ "$n" -gt 0 ] && [ "$n" -lt 200000 ] || fail "ledger --budget 500ms added up '$n' runs"
rb ledger --color always "$T/alloc"
has_color "ledger"
expect_out "  $ESC\[32mok$ESC\[0m\$" "ledger --color always (ok in green)"
expect_out "  $ESC\[1;31mnever fired$ESC\[0m\$" "ledger --color always (never fired in red)"
rb ledger --color never "$T/alloc"
no_color "ledger --color never"
rb ledger "$T/alloc"
no_color "ledger (not a terminal)"
ok "ledger: --seeds runs every seed, --budget stops and says so, --color paints"

# probes: -q only the probes not reached, -v a line per run, --seeds every
# seed, --budget stops and says so, --color paints NOT REACHED; -x cannot
# apply (no run fails the verdict).
rb probes "$T/alloc"
expect_rc 1 "probes"
expect_out "^walk-fail  *1  *1  .*alloc.scn\$" "probes (walk-fail reached)"
expect_out "^walk-calls-limit .*not reached (rare: allowed)\$" "probes (a rare probe)"
expect_no_out "alloc.scn \[seed 1\]" "probes without -v"
grep '^probes: \|^not reached:' "$OUT" >"$T/pclose"
rb probes -q "$T/alloc"
expect_rc 1 "probes -q"
expect_no_out "^walk-fail " "probes -q (a probe reached)"
expect_no_out "rare: allowed" "probes -q (a rare probe not reached)"
expect_out "^walk-remove-self  *0  *0  NOT REACHED\$" "probes -q (a probe not reached)"
grep '^probes: \|^not reached:' "$OUT" | cmp -s "$T/pclose" - || fail "probes -q: other closing lines"
[ "$(grep -c 'NOT REACHED$' "$OUT")" = "$(($(wc -l <"$OUT") - 3))" ] ||
    fail "probes -q prints rows other than those not reached"
rb probes -v "$T/alloc"
expect_out "^$T/alloc/alloc.scn \[seed 1\]: walk-fail x1\$" "probes -v"
rb probes -v --seeds 1..3 "$T/alloc"
[ "$(grep -c "alloc.scn \[seed [123]\]: walk-fail x1\$" "$OUT")" = 3 ] || fail "probes --seeds 1..3: not 3 runs"
expect_out "^walk-fail  *3  *3 " "probes --seeds 1..3 (reached 3 times)"
expect_out "over 3 runs\$" "probes --seeds 1..3"
rb probes --seeds 1..200000 --budget 500ms "$T/alloc"
expect_out "^budget of 0.500 s spent: stopped after [0-9]* of 200000 runs" "probes --budget"
rb probes --color always "$T/alloc"
expect_out "  $ESC\[1;31mNOT REACHED$ESC\[0m\$" "probes --color always"
rb probes "$T/alloc"
no_color "probes"
rb probes -x "$T/alloc"
expect_rc 2 "probes -x"
ok "probes: -q the probes not reached, -v each run, --seeds, --budget, --color; -x n/a"

# conform: --seed and --seeds run every scenario under those seeds (each
# run counts in its cells, its reproduce line names its seed), --budget
# stops and says so, --color paints the table.
rb conform -q --seed 77 "$C"
expect_rc 1 "conform --seed 77"
expect_out "reproduce: .* run --seed 77 $C/b_fail.scn\$" "conform --seed 77"
rb conform -v --seeds 3..4 "$C"
expect_rc 1 "conform --seeds 3..4"
expect_out "^PASS $C/a_pass.scn \[seed 4\]\$" "conform -v --seeds 3..4"
expect_out "^FAIL $C/c_fail.scn \[seed 3\]: expect count" "conform -v --seeds 3..4"
expect_out "FAIL rule 1, checkpoint: 4 scenarios; first: $C/b_fail.scn" "conform --seeds 3..4 (4 runs fail)"
expect_out "reproduce: .* run --seed 3 $C/b_fail.scn\$" "conform --seeds 3..4"
rb conform -q --seeds 1..200000 --budget 500ms "$C/a_pass.scn"
expect_out "^budget of 0.500 s spent: stopped after [0-9]* of 200000 runs" "conform --budget"
rb conform --color always "$C"
expect_out "^1  .*$ESC\[1;31mFAIL" "conform --color always (the failing cell)"
expect_out "^$ESC\[1;31mFAIL$ESC\[0m rule 1, checkpoint" "conform --color always (the failure)"
rb conform "$C"
no_color "conform"
ok "conform: --seed, --seeds (each run in its cells), --budget, --color"

# swarm: --format and --report are merge's of its records (the failing
# seed is the case of its written file), --color paints the recap.
SW="--seeds 9..11 --set upstream_checkpoint=true --out $T/found"
# shellcheck disable=SC2086
rb swarm $SW --results "$T/swarm.jsonl"
expect_rc 1 "swarm (seeds 10 and 11 fail)"
run "$RB" merge --format junit "$T/swarm.jsonl"
sed -e 's/time="[^"]*"//g' -e 's/timestamp="[^"]*"//g' "$OUT" >"$T/swmerged.xml"
# shellcheck disable=SC2086
rb swarm $SW --format junit
expect_rc 1 "swarm --format junit"
expect_err "^FAIL seed 10: " "swarm --format junit (its lines on stderr)"
head -n 1 "$OUT" | grep -q '^<?xml' || fail "swarm --format junit: stdout is not XML"
expect_out "<testcase name=\"$T/found/seed-10.scn\"" "swarm --format junit (the failing seed)"
expect_out '<testcase name="swarm:9"' "swarm --format junit (a passing seed)"
cp "$OUT" "$T/swarm.xml"
sed -e 's/time="[^"]*"//g' -e 's/timestamp="[^"]*"//g' "$OUT" | cmp -s "$T/swmerged.xml" - ||
    fail "swarm --format junit is not merge's JUnit of its results"
if command -v xmllint >/dev/null; then
    xmllint --noout --schema "$XSD" "$T/swarm.xml" 2>"$T/lint" ||
        { cat "$T/lint" >&2; OUT=$T/lint; fail "swarm --format junit: not valid against junit.xsd"; }
fi
# shellcheck disable=SC2086
rb swarm $SW --format tap
expect_out "^1\.\.3\$" "swarm --format tap"
expect_out "^not ok .*seed-10.scn" "swarm --format tap"
# shellcheck disable=SC2086
rb swarm $SW --report "$T/swpage"
expect_rc 1 "swarm --report"
expect_out "^swarm: 3 seeds, 1 passed, 2 failed" "swarm --report (its own summary on stdout)"
grep -q "seed-10.scn" "$T/swpage/index.html" || fail "swarm --report: no page naming seed-10.scn"
# shellcheck disable=SC2086
rb swarm $SW --color always
expect_out "^  $ESC\[1;31mFAIL$ESC\[0m seed 10: " "swarm --color always (the recap)"
# shellcheck disable=SC2086
rb swarm $SW
no_color "swarm"
ok "swarm: --format junit|tap and --report as merge of its records, --color"
