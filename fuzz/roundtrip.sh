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
checked=0
while read -r input want; do
    name=$(basename "$input")
    [ "$want" != 0x0000000000000000 ] || {
        echo "roundtrip: $name: the harness did not run it" >&2
        exit 1
    }
    "$replbench" fuzz2scn "$harness" "$input" > "$tmp/scn/$name.scn"
    tail -n 1 "$tmp/scn/$name.scn" | grep -q '^expect hash=0x' || {
        echo "roundtrip: $name: fuzz2scn's scenario does not end in expect hash=" >&2
        exit 1
    }
    echo "$tmp/scn/$name.scn $want" >> "$tmp/want"
    checked=$((checked + 1))
done <<END
$(grep ' 0x' "$tmp/hashes")
END
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
