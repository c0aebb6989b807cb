#!/bin/sh
# merge.sh: results that merge.  `run --results FILE.jsonl` writes one JSON
# object per run; `replbench merge` of the files of 3 shards prints what one
# whole run prints (summary, TAP, JUnit; timings aside), also with --seeds
# and --jobs; the HTML page of the union; exit statuses; and every kind of
# bad input is exit 2 with FILE:LINE:COL.
# Usage: sh merge.sh PATH/TO/replbench
set -u

RB=${1:?usage: merge.sh PATH/TO/replbench}
. "$(dirname "$0")/lib.sh"
start merge
cd "$T" || exit 1
S=scn                           # relative: the shards do not hang on $T's name
mkdir -p "$S/walks" "$S/cluster" "$S/more/deep"
export REPLBENCH_CACHE_DIR="$T/cache"

for i in 1 2 3 4 5 6 7 8 9 10 11 12; do
    printf 'state name=a\nstate name=b%s\nwalk kind=stop\nexpect calls="b%s.stop a.stop"\n' \
        "$i" "$i" >"$S/walks/w$i.scn"
done
printf '# fails\nstate name=a\nwalk kind=start\nexpect calls="b.start"\n' >"$S/walks/fail.scn"
cat >"$S/more/odd.scn" <<'SCN'
state name=a
walk kind=start
expect error="he said \"no\" \\ then left"
SCN
cp "$(dirname "$0")/prob.scn" "$S/cluster/prob.scn"
cp "$S/cluster/prob.scn" "$S/more/deep/prob2.scn"

# Everything of a report but its timings: the summary's last line, TAP's
# last comment, JUnit's time and timestamp attributes.
untimed() {
    sed -e 's/ in [0-9.]* s ([0-9.]* scenarios\/s)$//' \
        -e 's/ time="[0-9.]*"//g' -e 's/ timestamp="[0-9T:-]*"//g' "$1"
}

# same_as_whole NAME [RUN OPTIONS]: 3 shards merged print what one run does
same_as_whole() {
    name=$1; shift
    for fmt in summary tap junit; do
        rb run --format "$fmt" --results "$T/whole.jsonl" "$@" "$S"; wrc=$rc
        untimed "$OUT" >"$T/whole.$fmt"
        for k in 1 2 3; do
            rb run --format "$fmt" --shard "$k/3" --results "$T/s$k.jsonl" "$@" "$S"
            [ -s "$T/s$k.jsonl" ] || fail "$name: shard $k/3 ran nothing (pick other names)"
        done
        rb merge --format "$fmt" "$T/s1.jsonl" "$T/s2.jsonl" "$T/s3.jsonl"
        expect_rc "$wrc" "$name: merge --format $fmt: the whole run's status"
        untimed "$OUT" >"$T/merged.$fmt"
        cmp -s "$T/whole.$fmt" "$T/merged.$fmt" ||
            fail "$name: --format $fmt: 3 shards merged differ from one run: $(diff "$T/whole.$fmt" "$T/merged.$fmt" | head -n 8)"
        rb merge --format "$fmt" "$T/s3.jsonl" "$T/s1.jsonl" "$T/s2.jsonl"
        untimed "$OUT" | cmp -s - "$T/whole.$fmt" || fail "$name: the order of the files mattered"
        rb merge --format "$fmt" "$T/whole.jsonl"
        untimed "$OUT" | cmp -s - "$T/whole.$fmt" || fail "$name: merge of the whole run's file differs"
    done
}

same_as_whole "plain"
grep -q "^failures (" "$T/merged.summary" || fail "the recap did not survive the merge"
same_as_whole "--seeds 1..4 --jobs 2" --seeds 1..4 --jobs 2
expect_out "\[seed 4\]" "merged lines name their seed"
same_as_whole "--seed 7" --seed 7
if have_fiu; then               # without libfiu an --inject injects nothing (exit 2)
    same_as_whole "--inject" --inject registry/alloc:2:persistent
fi
ok "3 shards merged equal one whole run: summary, TAP, JUnit; with --seeds, --jobs, --seed, --inject"

# ---- the records ---------------------------------------------------------------------

rb run --seeds 1..2 --results "$T/r.jsonl" "$S"; expect_rc 1 "run --results"
python3 - "$T/r.jsonl" "$S" <<'PY' || fail "run --results: not a header, one JSON object per run and a trailer"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
head, recs, tail = lines[0], lines[1:-1], lines[-1]
assert head["kind"] == "header" and head["command"] == "run" and head["planned"] == 32, head
assert head["seeds"] == {"lo": 1, "hi": 2} and head["files"] == 16 and not head["more"], head
assert tail["kind"] == "trailer" and tail["end"] == "complete" and tail["records"] == 32, tail
assert tail["verdicts"]["fail"] == sum(r["verdict"] == "fail" for r in recs), tail
assert len(recs) == 2 * 16, len(recs)
for r in recs:
    for k in ("path", "seed", "verdict", "message", "hash", "ticks", "faults", "time", "impl"):
        assert k in r, (k, r)
    assert sorted(r["impl"]) == ["api", "name", "offers", "path", "sha256"], r["impl"]
    assert len(r["impl"]["sha256"]) == 64 and r["impl"]["api"] in ("instances", "global"), r
    assert r["verdict"] in ("pass", "fail", "skip", "na", "error"), r
    assert r["hash"].startswith("0x") and len(r["hash"]) == 18, r["hash"]
odd = [r for r in recs if r["path"].endswith("odd.scn")]
assert odd and all(r["verdict"] == "fail" and "said \"no\" \\ then" in r["message"] for r in odd), odd
assert sum(r["verdict"] == "fail" for r in recs) >= 4
PY
ok "run --results: one JSON object per run with path, seed, verdict, message, hash, ticks, faults, time, impl"

rb run --results "$T/p.jsonl" -k 'walks/w*' "$S"; expect_rc 0 "passing run"
rb merge "$T/p.jsonl"; expect_rc 0 "merge of passing runs"; expect_out "^12 passed, 0 failed" "merge summary"
# A shard the hash gave no file: its header and trailer say it planned none.
for k in 1 2 3 4 5 6 7 8 9 10; do
    rb run --results "$T/none.jsonl" --shard "$k/10" "$S/walks/w1.scn"
    [ "$(wc -l <"$T/none.jsonl")" -eq 2 ] && break
done
[ "$(wc -l <"$T/none.jsonl")" -eq 2 ] || fail "no shard of 10 without w1.scn"
expect_rc 0 "a shard with no file"
# Alone, the other 9 shards missing: refused, naming the first one missing.
rb merge "$T/none.jsonl"; expect_rc 2 "merge of one shard of 10"
expect_err "run --shard 1/10 was not given\|run --shard 2/10 was not given" "a missing shard"
rb merge --allow-partial "$T/none.jsonl"; expect_rc 1 "merge --allow-partial of one shard of 10"
# Every shard: the empty one merges as nothing, the others as what they ran.
for k in 1 2 3 4 5 6 7 8 9 10; do
    rb run --results "$T/ten$k.jsonl" --shard "$k/10" "$S/walks/w1.scn"
done
rb merge "$T"/ten*.jsonl; expect_rc 0 "merge of 10 shards, 9 of them empty"
expect_out "^1 passed" "10 shards, 9 empty"
# Shard 2 of 3 left out: its failure must not vanish (every file is whole).
rb merge "$T/s1.jsonl" "$T/s3.jsonl"; expect_rc 2 "merge of shards 1 and 3 of 3"
expect_err "run --shard 2/3 was not given" "shard 2/3 left out"
rb merge --allow-partial "$T/s1.jsonl" "$T/s3.jsonl"; expect_rc 1 "merge --allow-partial of shards 1 and 3"
printf 'state name=a\nwalk kind=sideways\n' >"$S/walks/bad.scn"
rb run --results "$T/e.jsonl" "$S"; expect_rc 2 "run with a malformed scenario"
rb merge "$T/e.jsonl"; expect_rc 2 "merge with a record of a malformed scenario"
expect_err "bad.scn:2:" "merge: the scenario's own error"
rm "$S/walks/bad.scn"
rb merge --report "$T/page" "$T/s1.jsonl" "$T/s2.jsonl" "$T/s3.jsonl"; expect_rc 1 "merge --report"
[ -f "$T/page/index.html" ] || fail "merge --report: no index.html"
python3 -c 'import sys, xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])' "$T/page/index.html" ||
    fail "merge --report: not well-formed XHTML"
grep -q "odd" "$T/page/index.html" || fail "merge --report: a scenario missing from the page"
ok "merge: exit statuses 0, 1 and 2 as the runs had them; an empty shard; the HTML page of the union"

# ---- bad input -----------------------------------------------------------------------

rb merge; expect_rc 2 "merge without files"
rb merge --format xml "$T/p.jsonl"; expect_rc 2 "merge --format xml"; expect_err "bad value 'xml'" "--format"
rb merge --report-all "$T/p.jsonl"; expect_rc 2 "merge --report-all without --report"
rb merge "$T/missing.jsonl"; expect_rc 2 "merge of a missing file"; expect_err "missing.jsonl: cannot read" "missing"
rb merge "$T/s1.jsonl" "$T/s1.jsonl"; expect_rc 2 "merge of overlapping shards"
expect_err "s1.jsonl:2: the same run as .*s1.jsonl:2" "overlap"
rb run --results '' "$S"; expect_rc 2 "run --results ''"; expect_err "bad value '' for --results" "--results ''"
rb run --results "$T/no/such/dir/r.jsonl" "$S"; expect_rc 2 "run --results in a missing folder"
expect_err "cannot open" "--results in a missing folder"
if [ -w /dev/full ]; then
    rb run --results /dev/full "$S"; expect_rc 2 "run --results to a full disk"
    expect_err "cannot write the results" "--results /dev/full"
fi
good=$(head -n 1 "$T/p.jsonl")
OTHER=abababababababababababababababababababababababababababababababab
SELF=$(sed -n 's/.*"sha256":"\([0-9a-f]*\)".*/\1/p' "$T/p.jsonl" | head -n 1)
[ "${#SELF}" -eq 64 ] && [ "$SELF" != "$OTHER" ] || fail "p.jsonl: no sha256 of its implementation"
bad_record() {
    printf '%s\n%s\n' "$good" "$1" >"$T/bad.jsonl"
    rb merge "$T/bad.jsonl"; expect_rc 2 "merge of $2"
    expect_err "bad.jsonl:2:[0-9]*: $3" "merge of $2"
}
bad_record '{"path":"a.scn","seed":1' "a truncated record" "expected ',' or '}'"
bad_record '{"path":"a.scn","seed":1,"verdict":"maybe"}' "a bad verdict" "verdict: expected"
bad_record '{"path":"a.scn","verdict":"pass"}' "a record without a seed" "a record needs path, seed and verdict"
bad_record '{"path":"a.scn","seed":-1,"verdict":"pass"}' "a negative seed" "expected a whole number"
bad_record '{"path":"a.scn","seed":18446744073709551616,"verdict":"pass"}' "a seed past 2^64" "number out of range"
bad_record '{"path":"a.scn","path":"b.scn","seed":1,"verdict":"pass"}' "a key twice" "a key given twice"
bad_record '{"path":"a.scn","seed":1,"verdict":"pass","hash":"12"}' "a bad hash" "hash: expected"
bad_record '{"path":"a.scn","seed":1,"verdict":"pass","time":"x"}' "a bad time" "expected a number"
bad_record '{"path":"a\q.scn","seed":1,"verdict":"pass"}' "a bad escape" "bad escape"
bad_record '{"path":"a\ud800.scn","seed":1,"verdict":"pass"}' "a lone surrogate" "a high surrogate without its low half"
bad_record '{"path":"a.scn","seed":1,"verdict":"pass"} x' "text after a record" "text after the record"
bad_record '[1,2]' "an array" "expected an object"
bad_record 'not json' "text" "expected an object"
sed -e '2s/}$/,"future":{"a":[1,true,null,"s",-2.5e3]}}/' \
    -e '1s/}$/,"future":[{}]}/' -e '$s/}$/,"future":"x"}/' "$T/p.jsonl" >"$T/future.jsonl"
[ "$(grep -c future "$T/future.jsonl")" -eq 3 ] || fail "the sed did not add the future keys"
rb merge "$T/future.jsonl"; expect_rc 0 "an unknown key is skipped"; expect_out "^12 passed" "unknown key"
bad_record '{"path":"a.scn","seed":1,"verdict":"pass","impl":{"name":"x","path":"x.c","api":"instances","offers":[]}}' \
    "an impl without sha256" "impl: needs name, path, api, sha256 and offers"
bad_record '{"path":"a.scn","seed":1,"verdict":"pass","impl":{"name":"x","path":"x.c","api":"both","sha256":"'"$OTHER"'","offers":[]}}' \
    "an impl of a bad api" "impl: api: expected instances or global"
bad_record '{"path":"a.scn","seed":1,"verdict":"pass","impl":{"name":"x","path":"x.c","api":"global","sha256":"12","offers":[]}}' \
    "an impl of a bad sha256" "impl: sha256: expected 64 lowercase hex digits"
bad_record '{"path":"a.scn","seed":1,"verdict":"pass","impl":{"name":"x","path":"x.c","api":"global","sha256":"'"$OTHER"'","offers":["wings"]}}' \
    "an impl offering an unknown extension" "impl: offers: unknown extension"
bad_record '{"path":"a.scn","seed":1,"verdict":"pass","impl":"x.c"}' "an impl not an object" "expected an object"
ok "merge: bad files, records and options exit 2 with FILE:LINE:COL: why"

# ---- the implementation the records ran ----------------------------------------------

# p.jsonl as another implementation had written it: its sha256 and path edited.
sed -e 's/"sha256":"[0-9a-f]*"/"sha256":"'"$OTHER"'"/' \
    -e 's/"impl":{"name":"\([^"]*\)","path":"[^"]*"/"impl":{"name":"\1","path":"elsewhere\/impl.c"/' \
    "$T/p.jsonl" >"$T/other.jsonl"
grep -q "elsewhere/impl.c" "$T/other.jsonl" || fail "the sed did not edit the records' path"
rb merge "$T/other.jsonl"; expect_rc 0 "merge of another implementation's records"
expect_out "^implementation: .* (elsewhere/impl.c, API [a-z]*, sha256 $OTHER; offers" \
    "the summary names the records' implementation"
expect_no_out "$SELF" "the summary names the merging binary's implementation"
rb merge --format tap "$T/other.jsonl"; expect_rc 0 "merge --format tap"
expect_out "^# implementation: .*sha256 $OTHER" "TAP names the records' implementation"
rb merge --format junit "$T/other.jsonl"; expect_rc 0 "merge --format junit"
expect_out "<property name=\"implementation.sha256\" value=\"$OTHER\"/>" "JUnit's sha256 property"
expect_out "<property name=\"implementation.path\" value=\"elsewhere/impl.c\"/>" "JUnit's path property"
expect_out "<property name=\"implementation\" value=\".*sha256 $OTHER" "JUnit's implementation property"
rb merge --report "$T/opage" "$T/other.jsonl"; expect_rc 0 "merge --report"
grep -q "implementation under test: <code>[^<]*sha256 $OTHER" "$T/opage/index.html" ||
    fail "the HTML page does not name the records' implementation"
grep -q "re-runs with this binary's implementation" "$T/opage/index.html" ||
    fail "the HTML page does not say its timelines are this binary's"
rb merge "$T/p.jsonl"; expect_out "^implementation: .*$SELF" "merge of this binary's records"
ok "merge names the implementation the records ran (summary, TAP, JUnit, HTML), not its own"

rb merge "$T/p.jsonl" "$T/other.jsonl"; expect_rc 2 "merge of two implementations' records"
expect_err "other.jsonl:2: implementation elsewhere/impl.c (sha256 $OTHER), but .*p.jsonl:2's is .*(sha256 $SELF)" \
    "two implementations: both named"
rb merge "$T/other.jsonl" "$T/p.jsonl"; expect_rc 2 "merge of two implementations, the other order"
ok "merge of records of two implementations is exit 2, naming both"

sed -e 's/,"impl":{[^}]*}//' "$T/p.jsonl" >"$T/old.jsonl"
! grep -q '"impl"' "$T/old.jsonl" || fail "the sed did not take impl out"
rb merge "$T/old.jsonl"; expect_rc 0 "merge of records without impl"
expect_out "^12 passed, 0 failed" "old records merge as before"
expect_out "^implementation: .*$SELF" "old records are named as the merging binary's"
expect_err "note: 12 records (the first at .*old.jsonl:2) do not say which implementation" \
    "the note that the files did not say"
[ "$(wc -l <"$ERR")" -eq 1 ] || fail "the note is not one line"
rb run --results "$T/p6.jsonl" -k 'w[1-6].scn' "$S"; expect_rc 0 "w1..w6"
rb run --results "$T/q6.jsonl" -k 'w[7-9].scn' -k 'w1[0-2].scn' "$S"; expect_rc 0 "w7..w12"
sed -e 's/,"impl":{[^}]*}//' "$T/p6.jsonl" >"$T/old6.jsonl"
sed -e 's/"sha256":"[0-9a-f]*"/"sha256":"'"$OTHER"'"/' "$T/q6.jsonl" >"$T/other6.jsonl"
rb merge "$T/old6.jsonl" "$T/other6.jsonl"; expect_rc 0 "old and new records"
expect_out "^12 passed" "old and new records: all of them"
expect_out "sha256 $OTHER" "old and new records: the new ones' implementation"
expect_err "note: 6 records .* named as the other records' implementation" "old and new: the note"
ok "records without impl (older files) merge as before, named as this binary's, with a note"
