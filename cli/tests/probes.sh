#!/bin/sh
# probes.sh REPLBENCH SUITES TESTS: `replbench probes` (issue 20, point 2;
# docs/PROBES.md).  Over the suites every probe not marked rare is reached
# (exit 0, at least 20 of them); with one suite folder left out, exactly the
# probes that folder alone reached are named "not reached" and the exit is 1
# (the oracle: the typed "probes" of `run --results` records, read here);
# the counts are the same with --jobs 1 and 2, and `merge --format probes`
# of `run --results` shards prints the table one run prints, whose counts
# are the records' sums; a record naming a probe the catalog lacks is an
# error; bad arguments exit 2.
RB=$1
SUITES=$2
TESTS=$3
. "$(dirname "$0")/lib.sh"
start probes
have_fiu || { echo "# built without libfiu: the fault probes are not reached, skipped"; exit 77; }
command -v python3 >/dev/null || { echo "# no python3: skipped"; exit 77; }

# The table rows (a line per probe) of a probes table in file $1.
rows() { sed -n '/^probe  /,/^probes: /p' "$1" | sed '1d;$d'; }

# ---- the whole suites: every probe not rare reached -----------------------------------
rb probes --jobs 2 "$SUITES"
expect_rc 0 "probes over the suites"
cp "$OUT" "$T/all2"
total=$(sed -n 's/^probes: \([0-9]*\) probes, \([0-9]*\) reached, \([0-9]*\) not reached.*/\1 \2 \3/p' "$OUT")
set -- $total
[ "$#" -eq 3 ] || fail "no closing line 'probes: N probes, N reached, N not reached'"
[ "$2" -ge 20 ] || fail "only $2 probes reached, expected at least 20"
[ "$3" -eq 0 ] || fail "$3 probes not reached over the suites"
[ "$(rows "$OUT" | wc -l)" -eq "$1" ] || fail "the table has not a row per probe ($1)"
ok "probes over the suites: $2 of $1 reached, exit 0"

# The catalog as --help prints it: every row's name is described there.
rb probes --help
expect_rc 0 "probes --help"
cp "$OUT" "$T/help"
rows "$T/all2" | awk '{print $1}' | while read -r name; do
    grep -q "^  $name " "$T/help" || { echo "FAIL: --help does not describe $name" >&2; exit 1; }
done || exit 1
ok "--help describes every probe of the table"

# ---- --jobs 1 prints what --jobs 2 printed ------------------------------------------------
rb probes --jobs 1 "$SUITES"
expect_rc 0 "probes --jobs 1"
cmp -s "$OUT" "$T/all2" || { diff "$T/all2" "$OUT" >&2; fail "--jobs 1 and --jobs 2 differ"; }
ok "--jobs 1 and --jobs 2: the same table"

# ---- run --results shards, merged, print the same table; sums of the records ------------
for k in 1 2 3; do
    rb run --shard "$k/3" --results "$T/s$k.jsonl" "$SUITES"
    expect_rc 0 "run --shard $k/3 --results"
done
rb merge --format probes "$T/s1.jsonl" "$T/s2.jsonl" "$T/s3.jsonl"
expect_rc 0 "merge --format probes of 3 shards"
rows "$OUT" >"$T/merged"
rows "$T/all2" >"$T/one"
cmp -s "$T/merged" "$T/one" || { diff "$T/one" "$T/merged" >&2; fail "the merged table differs from one run's"; }
# The records' own sums (python reads the JSON) against the table's counts.
python3 - "$T/one" "$T/s1.jsonl" "$T/s2.jsonl" "$T/s3.jsonl" <<'PY' || fail "table counts are not the records' sums"
import json, sys
table = {l.split()[0]: (int(l.split()[1]), int(l.split()[2])) for l in open(sys.argv[1])}
sums = {name: [0, 0] for name in table}
for f in sys.argv[2:]:
    for line in open(f):
        rec = json.loads(line)
        for name, n in rec.get("probes", {}).items():
            sums[name][0] += n
            sums[name][1] += 1
bad = [n for n in table if tuple(sums[n]) != table[n]]
if bad:
    print("differ:", ", ".join("%s table %s records %s" % (n, table[n], sums[n]) for n in bad))
    sys.exit(1)
PY
ok "3 shards merged: the table of one run, counts the records' sums"

# ---- one folder left out: what it alone reached, named --------------------------------------
rb run --results "$T/all.jsonl" "$SUITES"
expect_rc 0 "run --results over the suites"
failing=0
for dir in "$SUITES"/*/; do
    folder=$(basename "$dir")
    want=$(python3 - "$T/all.jsonl" "$folder" <<'PY'
import json, sys
inside, outside = set(), set()
for line in open(sys.argv[1]):
    rec = json.loads(line)
    if "probes" not in rec:
        continue
    parts = rec["path"].split("/")
    side = inside if sys.argv[2] in parts[:-1] else outside
    side.update(rec["probes"])
print(" ".join(sorted(inside - outside)))
PY
)
    set --
    for other in "$SUITES"/*/; do
        [ "$other" = "$dir" ] || set -- "$@" "$other"
    done
    rb probes --jobs 2 "$@"
    got=$(sed -n 's/^not reached: //p' "$OUT" | tr ' ' '\n' | sort | tr '\n' ' ' | sed 's/ $//')
    # Rare probes are never "not reached": the oracle leaves them out too.
    for name in $want; do
        grep -q "^$name .*rare: allowed" "$OUT" && want=$(echo "$want" | tr ' ' '\n' | grep -vx "$name" | tr '\n' ' ' | sed 's/ $//')
    done
    if [ -n "$want" ]; then
        expect_rc 1 "probes without $folder/ (it alone reached: $want)"
        [ "$got" = "$want" ] || fail "without $folder/: 'not reached: $got', expected '$want'"
        failing=$((failing + 1))
        ok "without $folder/: exit 1, not reached: $got"
    else
        expect_rc 0 "probes without $folder/ (it reached nothing alone)"
        ok "without $folder/: exit 0 (no probe is its alone)"
    fi
done
[ "$failing" -ge 3 ] || fail "only $failing folders reach a probe alone: the check proves little"

# ---- a rare probe is a real site: a scenario reaches it --------------------------------------
rb probes "$TESTS/probes_calls.scn"
grep -q '^walk-calls-limit  *1  *1  ' "$OUT" || fail "probes_calls.scn does not reach walk-calls-limit once"
expect_rc 1 "one scenario leaves probes not reached"
ok "a scenario past limit calls= reaches walk-calls-limit (rare)"

# A removal that fails (its target already removed) reaches no probe: two
# walks, one removal (the count was 2 before interp.c checked the target).
rb probes "$TESTS/probes_remove_gone.scn"
grep -q '^walk-remove-other  *1  *1  ' "$OUT" || fail "probes_remove_gone.scn: walk-remove-other not counted once"
ok "a removal of a state already gone counts nothing"

# ---- results records: a probe the catalog lacks, or twice, is an error --------------------------
head -n 1 "$T/s1.jsonl" >"$T/bad.jsonl"
sed -n 2p "$T/s1.jsonl" | sed 's/"probes":{/"probes":{"no-such-probe":1,/' >>"$T/bad.jsonl"
tail -n 1 "$T/s1.jsonl" >>"$T/bad.jsonl"
grep -q no-such-probe "$T/bad.jsonl" || fail "could not plant an unknown probe"
rb merge --allow-partial --format probes "$T/bad.jsonl"
expect_rc 2 "merge of a record with an unknown probe"
expect_err "bad.jsonl:2:.*not a probe of this catalog" "the unknown probe's line"
sed -n 2p "$T/s1.jsonl" | sed 's/"probes":{/"probes":{"walk-nested":1,"walk-nested":2,/' >"$T/twice.jsonl"
rb merge --allow-partial --format probes "$T/twice.jsonl"
expect_rc 2 "merge of a record with a probe twice"
expect_err "a probe given twice" "the probe given twice"
ok "records: an unknown probe or one given twice is an error (exit 2)"

# ---- bad arguments ------------------------------------------------------------------------
for args in "--jobs 0 $SUITES" "--no-such-option $SUITES" "--seed x $SUITES" "--shard 3/2 $SUITES" ""; do
    # shellcheck disable=SC2086
    rb probes $args
    expect_rc 2 "probes $args"
done
rb probes "$T/no-such-folder"
expect_rc 2 "probes of a missing path"
ok "bad arguments and paths: exit 2"
