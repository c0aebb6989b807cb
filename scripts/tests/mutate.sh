#!/bin/sh
# scripts/tests/mutate.sh SOURCE_ROOT: the mutation tool (scripts/mutate.py)
# on its fixture project (scripts/tests/mutate_fixture, gcc with ASan):
# the same file gives the same mutants in the same order, and a sample the
# same report; a leak is a kill (LSan), a hang is a kill (the time limit),
# a mutant with the original's object code is equivalent, a listed one is
# equivalent with its reason, untested code survives; a test meson expects
# to fail does not stop the run; the source tree is never written; usage
# and baseline errors exit 2.
set -eu
root=$1
tool=$root/scripts/mutate.py
fixture=$root/scripts/tests/mutate_fixture
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp -r "$fixture" "$tmp/src"
fail() { echo "FAIL: $*"; exit 1; }
mutate() {
    python3 "$tool" --source "$tmp/src" --workdir "$tmp/work" --cc gcc --sanitize address \
        --min-limit 8 --equivalents "$tmp/src/equivalents.txt" --suites unit "$@"
}

# The same file, the same mutants, the same order.
mutate --list "$tmp/src/calc.c" >"$tmp/list1"
mutate --list calc.c >/dev/null 2>&1 && fail "a file outside the tree or cwd was accepted"
(cd "$tmp/src" && python3 "$tool" --source . --list calc.c) >"$tmp/list2"
cmp "$tmp/list1" "$tmp/list2" || fail "two listings differ"
[ "$(wc -l <"$tmp/list1")" = 88 ] || fail "expected 88 mutants, got $(wc -l <"$tmp/list1")"
grep -qx '#64 calc.c:55: \[delete\] total: `free(copy);`: delete `free(copy);`' "$tmp/list1" \
    || fail "mutant #64 is not the deleted free"
grep -qx '#87 calc.c:76: \[delete\] count_odd: `c++;`: delete `c++;`' "$tmp/list1" \
    || fail "the body of a loop written as a macro has no mutants"

# A full run: survivors make it exit 1; each outcome as expected.
rc=0
mutate --json "$tmp/full.json" "$tmp/src/calc.c" >"$tmp/full" 2>"$tmp/full.err" || rc=$?
[ "$rc" = 1 ] || { cat "$tmp/full.err"; fail "full run exited $rc, not 1"; }
python3 - "$tmp/full.json" <<'PY' || { cat "$tmp/full"; exit 1; }
import json, sys
es = {e["id"]: e for e in json.load(open(sys.argv[1]))}
def want(i, status, detail=""):
    e = es[i]
    if e["status"] != status or detail not in e["detail"]:
        sys.exit(f"FAIL: #{i} {e['key']}: {e['status']} ({e['detail']}), "
                 f"expected {status} ({detail})")
assert len(es) == 88 and not [e for e in es.values() if e["status"] == "pending"]
want(64, "killed", "calc: fails")           # free(copy) deleted: only LSan sees it
want(74, "killed", "timed out after")       # n-- deleted: countdown never ends
want(53, "equivalent", "adding a zero")     # listed, with its reason
want(16, "survived")                        # clamp above the range is untested
want(19, "survived")                        # index_of(NULL) is untested
want(1, "killed")
want(58, "killed")                          # continue -> break
want(87, "killed")                          # inside a macro loop
same = [e for e in es.values() if e["detail"] == "same object code as the original"]
assert same and all(e["status"] == "equivalent" for e in same), same
dups = [e for e in es.values() if e["status"] == "duplicate"]
assert dups and all(es[int(e["detail"].split("#")[1])]["status"] in ("killed", "survived")
                    for e in dups)
PY
grep -q '^calc.c: 88 mutants: [0-9]* killed, [0-9]* survived, [0-9]* equivalent' "$tmp/full" \
    || fail "no summary line: $(cat "$tmp/full")"
grep -q 'mutants/min' "$tmp/full.err" || fail "no speed on stderr"
cmp "$fixture/calc.c" "$tmp/src/calc.c" || fail "the source file was changed"

# A sample: the same seed gives the same report, twice.
rc=0
mutate --sample 6 --seed abc "$tmp/src/calc.c" >"$tmp/s1" 2>/dev/null || rc=$?
mutate --sample 6 --seed abc "$tmp/src/calc.c" >"$tmp/s2" 2>/dev/null || rc=$?
cmp "$tmp/s1" "$tmp/s2" || fail "two samples with one seed differ"
grep -q '^calc.c: 88 mutants (sample of 6):' "$tmp/s1" || fail "not a sample of 6: $(cat "$tmp/s1")"

# The list must stay true: a listed mutant that is killed (--check-listed
# judges the listed ones) and a listing that matches no mutant fail the run.
python3 - "$tmp/full.json" "$tmp/keys" <<'PY'
import json, sys
es = {e["id"]: e for e in json.load(open(sys.argv[1]))}
with open(sys.argv[2], "w") as f:
    for i in (1, 53):
        f.write(f"calc.c\t{es[i]['key']}\n")
PY
cp "$tmp/src/equivalents.txt" "$tmp/wrong.txt"
printf '%s\n' 'clamp: `if (x < lo) {`: `x < lo` negated' '  why: (wrong)' \
    'clamp: `no such line`: `<` -> `>`' '  why: (stale)' >>"$tmp/wrong.txt"
rc=0
mutate --equivalents "$tmp/wrong.txt" --check-listed --keys "$tmp/keys" "$tmp/src/calc.c" \
    >"$tmp/wrong" 2>/dev/null || rc=$?
[ "$rc" = 1 ] || fail "a wrong list of equivalents passed (exit $rc)"
grep -q '^problem: listed as equivalent but killed: calc.c:13: clamp' "$tmp/wrong" \
    || fail "a listed mutant that is killed was not named: $(cat "$tmp/wrong")"
grep -q '^problem: listed as equivalent, no such mutant: calc.c: clamp: `no such line`' "$tmp/wrong" \
    || fail "a stale listing was not named: $(cat "$tmp/wrong")"
grep -q 'adding a zero' "$tmp/wrong" || fail "the listed survivor lost its reason"
# --check-list sees the stale listing without building anything.
rc=0
mutate --equivalents "$tmp/wrong.txt" --check-list "$tmp/src/calc.c" >"$tmp/stale" 2>/dev/null || rc=$?
[ "$rc" = 1 ] && grep -q '^problem: listed as equivalent, no such mutant: calc.c: clamp: `no such line`' "$tmp/stale" \
    || fail "--check-list missed a stale listing (exit $rc): $(cat "$tmp/stale")"
grep -q 'x < lo' "$tmp/stale" && fail "--check-list named a listing that is a mutant"
mutate --check-list "$tmp/src/calc.c" >/dev/null 2>&1 || fail "--check-list failed the fixture's true list"

# Usage and baseline errors: exit 2.
for args in "" "--operators nope calc.c" "--sample 0 $tmp/src/calc.c" "/nonexistent/x.c"; do
    rc=0
    # shellcheck disable=SC2086
    mutate $args >/dev/null 2>&1 || rc=$?
    [ "$rc" = 2 ] || fail "'$args' exited $rc, not 2"
done
rc=0
mutate --tests calc --command false "$tmp/src/calc.c" >/dev/null 2>"$tmp/err" || rc=$?
[ "$rc" = 2 ] && grep -q "fails on the original code" "$tmp/err" \
    || fail "a judge failing on the original was not refused (exit $rc)"
echo "mutate.py: listing, full run, sample and errors as expected"
