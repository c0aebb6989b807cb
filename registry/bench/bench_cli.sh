#!/bin/sh
# bench_cli.sh: bench_registry's command line and the shape of its walk
# figures (the timings themselves are never judged): --help, usage errors
# exit 2, and a small run exits 0 with one figure per process on each ratio
# line.  Usage: bench_cli.sh BENCH_REGISTRY
B=${1:?usage: bench_cli.sh BENCH_REGISTRY}
T=$(mktemp -d) || exit 1
trap 'rm -rf "$T"' EXIT
fails=0
ok() { echo "ok - $*"; }
bad() { echo "not ok - $*"; fails=$((fails + 1)); }

"$B" --help >"$T/out" 2>&1; rc=$?
{ [ $rc = 0 ] && grep -q -- '--processes P' "$T/out"; } && ok "--help: exit 0, --processes named" ||
    bad "--help: exit $rc: $(cat "$T/out")"

for args in "--processes 0" "--processes 101" "--processes" "--processes x" "--rounds 0" "--bogus"; do
    # shellcheck disable=SC2086
    "$B" $args >"$T/out" 2>"$T/err"; rc=$?
    { [ $rc = 2 ] && [ -s "$T/err" ] && ! grep -q '^walk' "$T/out"; } && ok "$args: exit 2 with a message" ||
        bad "$args: exit $rc, stderr '$(cat "$T/err")'"
done

"$B" --states 1000 --rounds 3 --processes 3 >"$T/out" 2>"$T/err"; rc=$?
[ $rc = 0 ] && ok "a small run: exit 0" || bad "a small run: exit $rc: $(cat "$T/err")"
for w in checkpoint start; do
    line=$(grep "^ratio hardened/plain $w " "$T/out")
    n=$(printf '%s\n' "$line" | sed -n 's/.*per process:\(.*\)$/\1/p' | wc -w)
    [ "$n" = 3 ] && ok "$w: one ratio per process" || bad "$w: $n per-process ratios in '$line'"
    [ "$(grep -c "^walk $w .*x3 rounds x3 processes" "$T/out")" = 2 ] &&
        ok "$w: both walks over 3 processes" || bad "$w: walk lines: $(grep "^walk $w" "$T/out")"
done
grep -q '^register .*1000 states' "$T/out" && ok "the register figures follow" ||
    bad "no register figure after the walks"

[ $fails = 0 ] && echo "bench_cli: all passed" && exit 0
echo "bench_cli: $fails failed"
exit 1
