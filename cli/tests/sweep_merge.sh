#!/bin/sh
# sweep_merge.sh: `sweep --results FILE.jsonl` and `replbench merge` of
# sweep results.  One record per sweep run (the clean run and every
# injection), judged by sweep's rule, not run's; 3 sweep shards merged
# equal one whole sweep (the same records, verdict counts, summary, TAP and
# JUnit but for timings), with --jobs and --seeds too; a failing sweep run
# (a clean run that fails; with the canary, a crash under an injected
# fault) gives a failing merge, exit 1; run and sweep files merge together;
# a bad, truncated or self-contradicting record is exit 2 with FILE:LINE:COL.
# Usage: sh sweep_merge.sh PATH/TO/replbench SUITES_DIR [PATH/TO/replbench_canary]
set -u

RB=${1:?usage: sweep_merge.sh REPLBENCH SUITES_DIR [REPLBENCH_CANARY]}
SUITES=${2:?usage: sweep_merge.sh REPLBENCH SUITES_DIR [REPLBENCH_CANARY]}
CANARY=${3:-}
. "$(dirname "$0")/lib.sh"
RF="python3 $(cd "$(dirname "$0")" && pwd)/results_file.py"
start sweep_merge
case $SUITES in /*) ;; *) SUITES=$PWD/$SUITES ;; esac
case $CANARY in /*|'') ;; *) CANARY=$PWD/$CANARY ;; esac
cd "$T" || exit 1
S=scn                           # relative: the records do not hang on $T's name
mkdir -p "$S/faults" "$S/walks"
export REPLBENCH_CACHE_DIR="$T/cache"
for f in cluster_checkpoint_then_secondary_failover registry_alloc_in_scripted_walks \
    standalone_primary_forwarding standalone_secondary_disk_cycle \
    standalone_commit_over_several_ticks scripted_states_on_both_nodes; do
    cp "$SUITES/faults/$f.scn" "$S/faults/" || fail "copy $f.scn"
done
for i in 1 2 3 4 5 6; do
    printf 'state name=a\nstate name=b%s\nwalk kind=stop\nexpect calls="b%s.stop a.stop"\n' \
        "$i" "$i" >"$S/walks/w$i.scn"
done
printf '# fails in its clean run\nstate name=a\nwalk kind=start\nexpect calls="b.start"\n' \
    >"$S/walks/fail.scn"

untimed() {
    sed -e 's/ in [0-9.]* s ([0-9.]* scenarios\/s)$//' \
        -e 's/ time="[0-9.]*"//g' -e 's/ timestamp="[0-9T:-]*"//g' "$1"
}
# The records of files, each without its time, sorted: a set to compare.
records() { $RF records "$@"; }
# sweep's own closing line: "runs failed"
sweep_counts() {
    sed -n 's/^sweep: \([0-9]*\) runs\{0,1\}, \([0-9]*\) failed, .*/\1 \2/p' "$OUT"
}
# merge's summary line: "passed+failed+skipped failed"
merge_counts() {
    sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed, \([0-9]*\) skipped.*/\1 \2 \3/p' "$OUT" |
        awk '{ print $1 + $2 + $3, $2 }'
}

# ---- 3 shards merged equal one whole sweep ---------------------------------------------

same_as_whole() {
    name=$1; shift
    rb sweep --results "$T/whole.jsonl" "$@" "$S"; wrc=$rc
    expect_rc 1 "$name: the whole sweep (fail.scn fails its clean run)"
    whole_counts=$(sweep_counts)
    [ -n "$whole_counts" ] || fail "$name: no closing line of the sweep"
    [ "$($RF count "$T/whole.jsonl")" -eq "${whole_counts% *}" ] ||
        fail "$name: $($RF count "$T/whole.jsonl") records for ${whole_counts% *} sweep runs"
    for k in 1 2 3; do
        rb sweep --shard "$k/3" --results "$T/s$k.jsonl" "$@" "$S"
        [ -s "$T/s$k.jsonl" ] || fail "$name: shard $k/3 swept nothing (pick other names)"
    done
    records "$T/whole.jsonl" >"$T/whole.rec"
    records "$T/s1.jsonl" "$T/s2.jsonl" "$T/s3.jsonl" >"$T/shards.rec"
    cmp -s "$T/whole.rec" "$T/shards.rec" ||
        fail "$name: the shards' records are not the whole sweep's: $(diff "$T/whole.rec" "$T/shards.rec" | head -n 4)"
    for fmt in summary tap junit; do
        rb merge --format "$fmt" "$T/whole.jsonl"; expect_rc "$wrc" "$name: merge --format $fmt of the whole"
        untimed "$OUT" >"$T/whole.$fmt"
        if [ "$fmt" = summary ] && [ "$(merge_counts)" != "$whole_counts" ]; then
            fail "$name: merged counts $(merge_counts), the sweep said $whole_counts"
        fi
        rb merge --format "$fmt" "$T/s2.jsonl" "$T/s3.jsonl" "$T/s1.jsonl"
        expect_rc "$wrc" "$name: merge --format $fmt of 3 shards: the whole sweep's status"
        cp "$OUT" "$T/merged-raw.$fmt"
        untimed "$OUT" >"$T/merged.$fmt"
        cmp -s "$T/whole.$fmt" "$T/merged.$fmt" ||
            fail "$name: --format $fmt: 3 shards merged differ from the whole: $(diff "$T/whole.$fmt" "$T/merged.$fmt" | head -n 8)"
    done
    # a case per record, and one per scenario, seed and point for its passing runs
    cases=$(grep -c '<testcase ' "$T/merged.junit")
    [ "$cases" -le "$($RF lines "$T/whole.jsonl")" ] && [ "$cases" -gt 0 ] ||
        fail "$name: $cases testcases for $($RF lines "$T/whole.jsonl") lines"
    dup=$(sed -n 's/.*<testcase name="\([^"]*\)".*/\1/p' "$T/merged.junit" | sort | uniq -d | head -n 1)
    [ -z "$dup" ] || fail "$name: two testcases named $dup"
    failures=$(sed -n 's/^<testsuites .* failures="\([0-9]*\)".*/\1/p' "$T/merged.junit")
    [ "$failures" = "${whole_counts#* }" ] || fail "$name: JUnit failures=$failures, sweep failed ${whole_counts#* }"
}

same_as_whole "plain"
grep -q 'name="scn/walks/fail.scn \[clean\]"' "$T/merged.junit" || fail "no testcase 'fail.scn [clean]'"
if have_fiu; then
    # passing injected runs: one case per scenario, seed and first point
    grep -q 'name="scn/faults/[a-z_]*.scn \[[a-z0-9./]*#\*: [0-9]* passing runs\{0,1\} ([0-9]* with expectations not met), this point injected first\]"' "$T/merged.junit" ||
        fail "no testcase named 'path [point#*: N passing runs, this point injected first]'"
    dup=$(sed -n 's/.*<testcase name="\([^"]*#\*: \)[0-9]*\(.*\)".*/\1\2/p' "$T/merged.junit" | sort | uniq -d | head -n 1)
    [ -z "$dup" ] || fail "two summary cases of one scenario and point: $dup"
fi
if command -v xmllint >/dev/null 2>&1; then
    xmllint --noout --schema "$SUITES/../../reports/tests/junit.xsd" "$T/merged-raw.junit" \
        2>"$T/xsd" || fail "the merged sweep's JUnit breaks the schema: $(head -n 3 "$T/xsd")"
fi
same_as_whole "--jobs 2 --seeds 1..2" --jobs 2 --seeds 1..2
grep -q '\[seed 2\] \[clean\]' "$T/merged.junit" || fail "--seeds: no case named '[seed 2] [clean]'"
ok "3 sweep shards merged equal one whole sweep: records, counts, summary, TAP, JUnit; with --jobs, --seeds"

# ---- the records: a sweep run's verdict is sweep's, not run's ----------------------------

rb sweep --results "$T/w.jsonl" "$S"
python3 - "$T/w.jsonl" <<'PY' || fail "sweep --results: the header, the records, the trailer"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
head, recs, tail = lines[0], lines[1:-1], lines[-1]
assert head["kind"] == "header" and head["command"] == "sweep" and head["more"], head
assert head["max_hits"] == 100 and head["depth"] == 1 and head["planned"] == head["files"], head
assert tail["kind"] == "trailer" and tail["end"] == "complete" and not tail["more"], tail
runs = sum(r["count"] if r["kind"] == "summary" else 1 for r in recs)
assert tail["records"] == tail["planned"] == runs and tail["lines"] == len(recs), (tail, len(recs))
summ = [r for r in recs if r["kind"] == "summary"]
assert all(r["verdict"] == "pass" and r["of"] == "sweep" for r in summ), summ
recs = [r for r in recs if r["kind"] != "summary"]
assert all("inject" not in r or r["verdict"] != "pass" for r in recs), "a passing injected run in full"
clean = [r for r in recs if "inject" not in r]
assert len(clean) == head["planned"], (len(clean), head)
for r in recs:
    for k in ("kind", "path", "seed", "verdict", "message", "hash", "ticks", "faults", "time",
              "status", "checkers_ok"):
        assert k in r, (k, r)
    assert r["kind"] == "sweep", r
    for i in r.get("inject", []):
        assert set(i) == {"point", "hit", "persistent"}, i
fail = [r for r in recs if r["path"].endswith("fail.scn") and "inject" not in r]
assert len(fail) == 1 and fail[0]["verdict"] == "fail", fail
PY
if have_fiu; then
    python3 - "$T/w.jsonl" "$T/odd.jsonl" <<'PY' || fail "no sweep run that passes with failed expectations"
import json, re, sys
# summaries whose runs passed though the scenario's status was fail ("x")
odd = [l for l in open(sys.argv[1]) if json.loads(l).get("kind") == "summary" and
       re.search(r"x(,|$)", json.loads(l)["runs"])]
assert odd, "none"
open(sys.argv[2], "w").writelines(odd)
PY
    $RF wrap "$T/w.jsonl" "$T/pass-but-expect-failed.jsonl" <"$T/odd.jsonl"
    rb merge "$T/pass-but-expect-failed.jsonl"
    expect_rc 0 "merge of sweep runs that pass though their expectations failed"
    expect_out "^[1-9][0-9]* passed, 0 failed" "sweep runs judged by sweep's rule"
    sed 's/"of":"sweep"/"of":"run"/' "$T/pass-but-expect-failed.jsonl" >"$T/as-run.jsonl"
    rb merge "$T/as-run.jsonl"; expect_rc 2 "the same runs as runs (they would fail): refused"
    expect_err "of: a summary is of sweep runs" "a summary of runs of run"
fi
ok "sweep --results: a record per sweep run, kind sweep, judged by sweep's rule"

# ---- summaries: what the writer keeps, what merge refuses -----------------------------------

if have_fiu; then
    # w.jsonl (depth 1) has summaries; a depth-2 sweep too, its runs in pairs
    rb sweep --depth 2 --results "$T/d2.jsonl" "$S/faults/standalone_primary_forwarding.scn"
    expect_rc 0 "sweep --depth 2 of one file"
    d2runs=$(sed -n 's/^sweep: \([0-9]*\) runs.*/\1/p' "$OUT")
    [ "$($RF count "$T/d2.jsonl")" -eq "$d2runs" ] || fail "depth 2: the file's runs are not the sweep's"
    [ "$($RF lines "$T/d2.jsonl")" -lt $((d2runs / 4)) ] || fail "depth 2: not summarized"
    grep -q '"runs":"[0-9:p,x]*+' "$T/d2.jsonl" || fail "depth 2: no pair in a summary"
    rb merge "$T/d2.jsonl"; expect_rc 0 "merge of a depth-2 sweep"
    expect_out "^$d2runs passed, 0 failed" "merge counts every run of the summaries"
    python3 - "$T/d2.jsonl" "$T" <<'PY' || fail "tampered summaries"
import json, re, sys
src, out = sys.argv[1], sys.argv[2]
L = open(src).read().splitlines(True)
i = [k for k, l in enumerate(L) if '"kind":"summary"' in l and '"count":1,' not in l][0]
s = L[i]
n = int(re.search(r'"count":(\d+)', s).group(1))
runs = re.search(r'"runs":"([^"]*)"', s).group(1).split(",")
def write(name, lines):
    open(f"{out}/{name}.jsonl", "w").writelines(lines)
write("t-count", L[:i] + [s.replace(f'"count":{n},', f'"count":{n + 1},')] + L[i + 1:])
one_less = s.replace(f'"count":{n},', f'"count":{n - 1},').replace(
    '"runs":"' + ",".join(runs) + '"', '"runs":"' + ",".join(runs[:-1]) + '"')
write("t-less", L[:i] + [one_less] + L[i + 1:])
write("t-drop", L[:i] + L[i + 1:])
write("t-dup", L[:i + 1] + [s] + L[i + 1:])
t = json.loads(L[-1])
t.update(records=t["records"] + n, planned=t["planned"] + n, lines=t["lines"] + 1)
t["verdicts"]["pass"] += n
write("t-dup-recounted", L[:i + 1] + [s] + L[i + 1:-1] + [json.dumps(t) + "\n"])
write("t-v1", [L[0].replace('"version":2', '"version":1')] + L[1:])
t = json.loads(L[-1])
del t["lines"]
write("t-nolines", L[:-1] + [json.dumps(t) + "\n"])
write("t-badidx", L[:i] + [s.replace('"runs":"0:', '"runs":"99:', 1)] + L[i + 1:])
write("t-fail", L[:i] + [s.replace('"verdict":"pass"', '"verdict":"fail"')] + L[i + 1:])
PY
    tampered() {
        rb merge "$T/$1.jsonl"; expect_rc 2 "merge of $2"
        expect_err "$3" "merge of $2"
    }
    tampered t-count "a summary whose count is not its runs'" "t-count.jsonl:[0-9]*:[0-9]*: count: not the number of its runs"
    tampered t-less "a summary less one run (count and runs)" "t-less.jsonl: its trailer .* disagrees with the records in it"
    tampered t-drop "a summary dropped" "t-drop.jsonl: its trailer .* disagrees with the records in it"
    tampered t-dup "a summary twice" "t-dup.jsonl: its trailer .* disagrees with the records in it"
    tampered t-dup-recounted "a summary twice, the trailer recounted" "t-dup-recounted.jsonl:[0-9]*: the same run as .*t-dup-recounted.jsonl:[0-9]*"
    tampered t-v1 "a summary in a version-1 file" "a summary in a file of version 1"
    tampered t-nolines "a version-2 trailer without lines" "disagrees with its header's version"
    tampered t-badidx "a run's point past the names" "runs: "
    tampered t-fail "a summary of failing runs" "verdict: a summary holds passing runs only"
    # a summary's run that is also a record of another file: an overlap
    rb sweep --depth 2 --results "$T/d2b.jsonl" "$S/faults/standalone_primary_forwarding.scn"
    rb merge "$T/d2.jsonl" "$T/d2b.jsonl"; expect_rc 2 "the same summaries in two files"
    expect_err "the same run as" "two files, one sweep"
    ok "summaries: a depth-2 sweep's passing runs in few lines; a count changed, a summary dropped or doubled, refused (exit 2)"
else
    echo "ok - # SKIP summaries: without libfiu no injected run passes"
fi

# ---- a failing sweep run fails the merge --------------------------------------------------

rb sweep --results "$T/f.jsonl" "$S/walks/fail.scn"; expect_rc 1 "sweep of a failing clean run"
rb merge "$T/f.jsonl"; expect_rc 1 "merge of a failing sweep"
expect_out "^[0-9]* passed, 1 failed" "merge of a failing sweep"
expect_out "^FAIL scn/walks/fail.scn:4 \[clean\]: " "the failing clean run's line"
rb merge --format junit "$T/f.jsonl"; expect_rc 1 "merge --format junit of a failing sweep"
expect_out '<failure message="scn/walks/fail.scn:4 \[clean\]: ' "the JUnit failure"
rb merge --format tap "$T/f.jsonl"; expect_rc 1 "merge --format tap of a failing sweep"
expect_out "^not ok 1 - scn/walks/fail.scn \[clean\]" "the TAP failure"
if [ -n "$CANARY" ] && have_fiu; then
    # canary_remove.scn (a fixture shared with the other sweep test): a
    # fault on m's registration makes the canary crash.
    cp "$(dirname "$0")/canary_remove.scn" "$T/c3.scn"
    run "$CANARY" sweep --results "$T/canary.jsonl" c3.scn
    expect_rc 1 "sweep on the canary"
    rb merge "$T/canary.jsonl"; expect_rc 1 "merge of the canary's sweep"
    expect_out "^[0-9]* passed, [1-9][0-9]* failed" "merge of the canary's sweep"
    expect_out "c3.scn \[seed 1\] \[registry/alloc#[0-9]*\]: " "the recap names the injection"
    expect_out "replbench run --seed 1 --inject registry/alloc:[0-9]* c3.scn" "the reproduce command"
    rb merge --format junit "$T/canary.jsonl"; expect_rc 1 "merge --format junit of the canary's sweep"
    expect_out '<failure message="c3.scn \[registry/alloc#[0-9]*\]: crashed' "the JUnit failure under injection"
    rb merge --report "$T/cpage" "$T/canary.jsonl"; expect_rc 1 "merge --report of the canary's sweep"
    grep -q 'c3.scn \[registry/alloc#[0-9]*\]' "$T/cpage/index.html" || fail "the page names the injection"
    ok "a sweep run that crashes the canary under injection fails the merge (exit 1)"
else
    echo "ok - # SKIP the canary's failing injected run: no canary or no libfiu"
fi
ok "a failing sweep run gives a failing merged verdict: exit 1, FAIL, not ok, <failure>"

# ---- run and sweep files together ----------------------------------------------------------

rb run --results "$T/r.jsonl" "$S"; expect_rc 1 "run --results"
nrun=$($RF count "$T/r.jsonl") nsweep=$(rb merge --format tap "$T/w.jsonl"; sed -n 's/^1\.\.//p' "$OUT")
rb merge --format junit "$T/w.jsonl" "$T/r.jsonl"; expect_rc 1 "merge of run and sweep files"
cases=$(grep -c '<testcase ' "$OUT")
[ "$cases" -eq $((nrun + nsweep)) ] || fail "mixed: $cases testcases, expected $nrun + $nsweep"
expect_out 'name="scn/walks/w1.scn"' "the run's case"
expect_out 'name="scn/walks/w1.scn \[clean\]"' "the sweep's case"
rb merge "$T/r.jsonl" "$T/w.jsonl"; expect_rc 1 "merge of run and sweep files"
expect_out "^[0-9]* passed, 2 failed" "mixed: fail.scn fails as a run and as a sweep"
rb merge --report "$T/page" "$T/r.jsonl" "$T/w.jsonl"; expect_rc 1 "merge --report, mixed"
python3 -c 'import sys, xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])' "$T/page/index.html" ||
    fail "merge --report of sweep records: not well-formed XHTML"
grep -q 'w1.scn \[clean\]' "$T/page/index.html" || fail "the page has no sweep row"
sed 's/^{"kind":"run",/{/' "$T/r.jsonl" >"$T/old.jsonl"
! grep -q '"kind":"run"' "$T/old.jsonl" || fail "the old-style file still has kinds"
rb merge --format junit "$T/r.jsonl"; untimed "$OUT" >"$T/new.junit"
rb merge --format junit "$T/old.jsonl" "$T/w.jsonl"; expect_rc 1 "merge of an old run file and a sweep file"
rb merge --format junit "$T/old.jsonl"; expect_rc 1 "merge of a run file without kinds"
untimed "$OUT" | cmp -s - "$T/new.junit" || fail "a run file without kinds merges otherwise"
ok "run and sweep files merge into one report: JUnit, summary, the HTML page; old run files too"

# ---- bad input -------------------------------------------------------------------------------

head -n 3 "$T/w.jsonl" >"$T/trunc.jsonl"
sed -n 4p "$T/w.jsonl" | head -c 150 >>"$T/trunc.jsonl"
rb merge "$T/trunc.jsonl"; expect_rc 2 "merge of a truncated sweep file"
expect_err "trunc.jsonl:4:[0-9]*: " "a truncated line: FILE:LINE:COL"
good=$(grep -m1 '"verdict":"fail"' "$T/w.jsonl")
bad_record() {
    printf '%s\n%s\n' "$(head -n 1 "$T/w.jsonl")" "$1" >"$T/bad.jsonl"
    rb merge "$T/bad.jsonl"; expect_rc 2 "merge of $2"
    expect_err "bad.jsonl:2:[0-9]*: $3" "merge of $2"
}
bad_record "$(printf '%s' "$good" | sed 's/"verdict":"fail"/"verdict":"pass"/')" \
    "a failing sweep run that says pass" "verdict: not what the kind's rule gives"
bad_record "$(printf '%s' "$good" | sed 's/"status":"fail",//')" "a sweep record without its status" \
    "a sweep record of a loaded scenario needs status and checkers_ok"
bad_record "$(printf '%s' "$good" | sed 's/"status":"fail"/"status":"maybe"/')" "a bad status" \
    "status: expected pass, fail, skip or error"
bad_record "$(printf '%s' "$good" | sed 's/"kind":"sweep"/"kind":"fuzz"/')" "a bad kind" \
    "kind: expected run or sweep"
bad_record '{"kind":"run","path":"a.scn","seed":1,"verdict":"pass","loaded":false}' \
    "a run that passed without loading" "loaded false goes with verdict error"
printf '%s\n%s\n' "$good" "$good" | $RF wrap "$T/w.jsonl" "$T/twice.jsonl"
rb merge "$T/twice.jsonl"; expect_rc 2 "the same sweep run twice"
expect_err "twice.jsonl:3: the same run as .*twice.jsonl:2" "overlap"
rb sweep --results '' "$S"; expect_rc 2 "sweep --results ''"
expect_err "bad value '' for --results" "sweep --results ''"
rb sweep --results "$T/no/such/dir/r.jsonl" "$S"; expect_rc 2 "sweep --results in a missing folder"
expect_err "cannot open" "sweep --results in a missing folder"
if [ -w /dev/full ]; then
    rb sweep --results /dev/full "$S"; expect_rc 2 "sweep --results to a full disk"
    expect_err "cannot write the results" "sweep --results /dev/full"
fi
rb sweep --help; expect_rc 0 "sweep --help"; expect_out "--results FILE.jsonl" "sweep --help"
expect_out "^exit status (every command)" "sweep --help: the exit rule"
rb merge --help; expect_rc 0 "merge --help"; expect_out "sweep --results" "merge --help"
expect_out "^exit status (every command)" "merge --help: the exit rule"
ok "bad, truncated and contradicting sweep records, bad --results: exit 2 with FILE:LINE:COL"
echo "sweep_merge.sh: all passed"
