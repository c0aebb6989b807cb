#!/bin/sh
# fuzz/roundtrip.sh: fuzz2scn's output is a regression test.  For every
# input of a binary harness's corpus: the harness accepts it (the replay
# driver), fuzz2scn prints a scenario that ends in the harness's trace hash,
# and `replbench run` passes every such scenario (so its `expect hash=`
# holds too).  The harness and run judge a decoded input alike (harness.c),
# so this says the decoder never writes an operation that fails by the
# script's own doing.
# usage: roundtrip.sh REPLAY REPLBENCH HARNESS CORPUS
set -eu
replay=$1 replbench=$2 harness=$3 corpus=$4
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# One replay of the whole corpus: "PATH 0xHASH" per input, in name order.
"$replay" --hashes "$corpus" > "$tmp/hashes" || {
    echo "roundtrip: the harness rejects an input of $corpus" >&2
    exit 1
}
mkdir "$tmp/scn"
grep ' 0x' "$tmp/hashes" > "$tmp/ran" || true
if grep -q ' 0x0000000000000000$' "$tmp/ran"; then
    grep ' 0x0000000000000000$' "$tmp/ran" | head -n 3 >&2
    echo "roundtrip: the harness did not run these inputs" >&2
    exit 1
fi
checked=$(wc -l < "$tmp/ran")
# fuzz2scn of every input, two at a time (a process each: under ASan their
# start-up is most of the cost).
cut -d ' ' -f 1 "$tmp/ran" | xargs -P 2 -n 16 sh -c '
    rb=$1 h=$2 out=$3
    shift 3
    for input; do
        "$rb" fuzz2scn "$h" "$input" > "$out/${input##*/}.scn" || exit 255
    done' sh "$replbench" "$harness" "$tmp/scn" || {
    echo "roundtrip: fuzz2scn failed on an input of $corpus" >&2
    exit 1
}
# Each scenario's last line is its expect hash= (one awk over them all).
awk -v n="$checked" '{ last[FILENAME] = $0 }
    END { for (f in last) { seen++; if (last[f] !~ /^expect hash=0x/) { print f; bad = 1 } }
          exit bad || seen != n }' "$tmp/scn"/*.scn >&2 || {
    echo "roundtrip: a scenario of fuzz2scn does not end in expect hash= (or is missing)" >&2
    exit 1
}
sed "s|^.*/\([^/ ]*\) |$tmp/scn/\1.scn |" "$tmp/ran" > "$tmp/want"
[ "$checked" -gt 0 ] || { echo "roundtrip: no input in $corpus" >&2; exit 1; }
# One run of them all: each must pass (its expect hash= included) ...
if ! "$replbench" run "$tmp/scn" > "$tmp/run" 2>&1; then
    grep -v '^PASS ' "$tmp/run" >&2
    echo "roundtrip: a decoded scenario fails under replbench run" >&2
    exit 1
fi
# ... with the harness's trace hash (teardown included).  Built without
# libfiu, a scenario that arms a fault is SKIP (and nothing else may be).
sed -n 's/^PASS \(.*\) (.*hash \(0x[0-9a-f]*\))$/\1 \2/p' "$tmp/run" | sort > "$tmp/got"
if grep -q '^SKIP ' "$tmp/run"; then
    "$replbench" --version | grep -q '^fault points: none' || {
        grep '^SKIP ' "$tmp/run" >&2
        echo "roundtrip: a decoded scenario is SKIP in a build with libfiu" >&2
        exit 1
    }
    sed -n 's/^SKIP \([^ ]*\.scn\).*/\1/p' "$tmp/run" > "$tmp/skipped"
    grep -v -F -f "$tmp/skipped" "$tmp/want" > "$tmp/want.kept" || true
    mv "$tmp/want.kept" "$tmp/want"
fi
sort "$tmp/want" > "$tmp/want.sorted"
if ! cmp -s "$tmp/got" "$tmp/want.sorted"; then
    diff "$tmp/want.sorted" "$tmp/got" | head -n 10 >&2
    echo "roundtrip: harness and scenario trace hashes differ (< harness, > run)" >&2
    exit 1
fi
echo "roundtrip $harness: $checked inputs, same trace hash, every scenario passes"
