#!/usr/bin/env bash
# planted.sh: the contract checker against the planted registries of
# sim/tests/planted/ (one bug each, planted into a correct base), built in
# turn as -Dregistry_impl under ASan+UBSan in one build folder: each must
# fail exactly the conform cells its file's "expect-fail:" line names (none
# for correct.c, which must also pass every suite), and each scenario its
# "expect-run:" lines name must fail with a message containing the text.
# That is the checker's proof: every planted bug caught in the cell of the
# walk and rule it breaks, no false alarm on a correct registry.
# Usage: sim/tests/planted.sh [-B BUILD_DIR] [NAME...]   (default: every file;
# BUILD_DIR default build-planted).  Exit 0 when every one is as expected.
set -uo pipefail
cd "$(dirname "$0")/../.."

build=build-planted
if [ "${1:-}" = "-B" ]; then build=$2; shift 2; fi
case "${1:-}" in -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac
names=("$@")
if [ ${#names[@]} -eq 0 ]; then
    for f in sim/tests/planted/*.c; do names+=("$(basename "$f" .c)"); done
fi
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1

# cells JSON: the failing cells of a conform table, "rule/walk" sorted.
cells() {
    python3 - "$1" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
out = sorted("%s/%s" % (r["rule"], w) for r in d["rules"] for w, st in r["walks"].items()
             if st == "fail")
print(" ".join(out))
PY
}

one() {
    local name=$1 file=sim/tests/planted/$1.c want got rc=0 line scn text log
    [ -f "$file" ] || { echo "$name: no such planted registry ($file)"; return 1; }
    want=$(sed -n 's/^ \* expect-fail:\(.*\)$/\1/p' "$file" | tr ' ' '\n' | sed '/^$/d' | sort | tr '\n' ' ')
    want=${want% }
    # One folder for all: only the registry changes, the rest is reused.
    if [ ! -f "$build/build.ninja" ]; then
        CC=clang meson setup "$build" -Dwerror=true -Db_sanitize=address,undefined \
            -Db_lundef=false -Dregistry_impl="$file" -Dregistry_api=instances >/dev/null ||
            { echo "$name: meson setup $build failed"; return 1; }
    fi
    meson configure "$build" -Dregistry_impl="$file" >/dev/null &&
        ninja -C "$build" cli/replbench >"$build/planted-$name.log" 2>&1 ||
        { echo "$name: build failed (see $build/planted-$name.log)"; return 1; }
    timeout 900 "$build"/cli/replbench conform --jobs 2 --format json >"$build/conform-$name.json" 2>/dev/null
    [ $? -le 1 ] || { echo "$name: conform did not run to its end"; return 1; }
    got=$(cells "$build/conform-$name.json")
    if [ "$got" != "$want" ]; then
        echo "$name: failing cells [$got], expected [$want]"
        rc=1
    fi
    while IFS= read -r line; do
        scn=${line%% *}
        text=${line#* }
        log=$(timeout 300 "$build"/cli/replbench run "$scn" 2>&1) && { echo "$name: $scn passes"; rc=1; continue; }
        case $log in *"$text"*) ;; *) echo "$name: $scn fails, but not with \"$text\""; rc=1 ;; esac
    done < <(sed -n 's/^ \* expect-run: //p' "$file")
    if [ "$name" = correct ]; then
        "$build"/cli/replbench run -q --jobs 2 scenarios/suites >"$build/run-correct.log" 2>&1 ||
            { echo "correct: the suites do not all pass (see $build/run-correct.log)"; rc=1; }
    fi
    [ $rc = 0 ] && echo "$name: as expected (fails: ${want:-nothing})"
    return $rc
}

status=0
for n in "${names[@]}"; do
    one "$n" || status=1
done
exit $status
