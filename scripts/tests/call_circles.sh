#!/bin/sh
# call_circles.sh CC...: scripts/call-circles.py finds a circle, names its
# files by folder, and tells apart two files of one name in two folders.
# Three tiny programs' objects are built with CC (the build's compiler):
#   a/x.c <-> a/y.c               a circle: exit 1, both files named
#   a/util.c -> b/util.c, no way back: no circle (one "util" would be one)
#   a folder argument              every object in it
set -eu
here=$(cd "$(dirname "$0")" && pwd)
script="$here/../call-circles.py"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/a" "$tmp/b"

fail() {
    echo "call_circles.sh: $*" >&2
    exit 1
}

cat >"$tmp/a/x.c" <<'C'
int y(int);
int x(int v) { return v > 0 ? y(v - 1) : 0; }
C
cat >"$tmp/a/y.c" <<'C'
int x(int);
int y(int v) { return v > 0 ? x(v - 1) : 1; }
C
cat >"$tmp/a/util.c" <<'C'
int b_util(int);
int a_util(int v) { return b_util(v) + 1; }
C
cat >"$tmp/b/util.c" <<'C'
int b_util(int v) { return v * 2; }
C
for f in a/x a/y a/util b/util; do
    "$@" -c "$tmp/$f.c" -o "$tmp/$f.c.o"
done

status=0
out=$(python3 "$script" "$tmp/a/x.c.o" "$tmp/a/y.c.o") || status=$?
[ "$status" -eq 1 ] || fail "a circle: exit $status, expected 1"
echo "$out" | grep -qx 'circle: a/x.c <-> a/y.c' || fail "a circle not named: $out"
echo "$out" | grep -q 'a/x.c uses a/y.c: y' || fail "the use that closes it not named: $out"

out=$(python3 "$script" "$tmp/a/util.c.o" "$tmp/b/util.c.o") \
    || fail "two util.c in two folders seen as one circle: $out"
echo "$out" | grep -qx 'no call circle between the 2 files' || fail "unexpected: $out"

status=0
out=$(python3 "$script" "$tmp/a") || status=$?
[ "$status" -eq 1 ] || fail "a folder argument: exit $status, expected 1 (x.c <-> y.c)"

status=0
python3 "$script" >/dev/null 2>&1 || status=$?
[ "$status" -eq 2 ] || fail "no argument: exit $status, expected 2"
echo "call_circles.sh: ok"
