#!/bin/sh
# fuzz/roundtrip.sh: fuzz2scn round trip.  For the first N inputs of a
# binary harness's corpus, the harness's run (through the replay driver)
# and `replbench run` of `replbench fuzz2scn`'s scenario must have the same
# trace hash.
# usage: roundtrip.sh REPLAY REPLBENCH HARNESS CORPUS [N]
set -eu
replay=$1 replbench=$2 harness=$3 corpus=$4 n=${5:-20}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
checked=0
for input in $(ls "$corpus" | sort | head -n "$n"); do
    want=$("$replay" --hashes "$corpus/$input" | sed -n 's/^.* \(0x[0-9a-f]*\)$/\1/p')
    "$replbench" fuzz2scn "$harness" "$corpus/$input" > "$tmp/$input.scn"
    # determinism prints the hash of every run, passing or not (and checks
    # the scenario gives it twice).
    got=$("$replbench" determinism "$tmp/$input.scn" | sed -n 's/^SAME .*hash \(0x[0-9a-f]*\)).*/\1/p')
    if [ "$want" = 0x0000000000000000 ]; then
        echo "roundtrip: $input: the harness did not run it" >&2
        exit 1
    fi
    if [ "$want" != "$got" ]; then
        echo "roundtrip: $input: harness hash $want, scenario hash ${got:-none}" >&2
        exit 1
    fi
    checked=$((checked + 1))
done
echo "roundtrip $harness: $checked inputs, same trace hash"
