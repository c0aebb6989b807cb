#!/bin/sh
# progress.sh: issue 21, points 2 and 3.  explore with its output in a
# file (a CI log) prints a progress line within 5 s whose counts and ETA
# agree with the space and with each other; a reproduce line names the
# binary that printed it, as invoked, and running that line runs that
# binary; the installed replbench (meson install --destdir into a temp
# folder) runs conform from a folder outside the source tree; the progress
# of run, sweep and determinism counts runs, not files.
# Usage: sh progress.sh PATH/TO/replbench BUILD_DIR
set -u

RB=${1:?usage: progress.sh REPLBENCH BUILD_DIR}
BUILD=${2:?usage: progress.sh REPLBENCH BUILD_DIR}
. "$(dirname "$0")/lib.sh"
start progress
have_fiu || { echo "# built without libfiu: the sweep it counts injects nothing, skipped"; exit 77; }
case $BUILD in /*) ;; *) BUILD=$PWD/$BUILD ;; esac

# ---- explore: a plain progress line within 5 s, into a file ----------------
"$RB" explore --states 6 --walks 3 --depth 3 >"$OUT" 2>&1 &
pid=$!
t0=$(date +%s)
while [ $(($(date +%s) - t0)) -lt 5 ] && ! grep -q '^explore: \[' "$OUT"; do
    sleep 0.1
done
line=$(grep -m 1 '^explore: \[' "$OUT")
kill -TERM $pid
wait $pid
rc=$?
[ -n "$line" ] || fail "explore: no progress line in the file after 5 s"
expect_rc 143 "explore stopped by SIGTERM"
expect_out "15764377724 scripts in the space" "explore --states 6 --walks 3 --depth 3"
# explore: [DONE/PLANNED] RATE scripts/s, ETA ...
echo "$line" | grep -Eq '^explore: \[[0-9]+/[0-9]+\] [0-9]+ scripts/s, ETA ([0-9]+s|[0-9]+m[0-9][0-9]s|[0-9]+h[0-9][0-9]m|> 100 days|unknown)$' ||
    fail "explore: progress line '$line' is not 'explore: [done/planned] N scripts/s, ETA T'"
done_=$(echo "$line" | sed 's/^explore: \[\([0-9]*\)\/.*/\1/')
planned=$(echo "$line" | sed 's/^explore: \[[0-9]*\/\([0-9]*\)\].*/\1/')
rate=$(echo "$line" | sed 's/.*\] \([0-9]*\) scripts.*/\1/')
eta=$(echo "$line" | sed 's/.*ETA //')
[ "$planned" -eq 15764377724 ] || fail "explore: progress says $planned planned, the space is 15764377724"
[ "$done_" -le "$planned" ] || fail "explore: $done_ done of $planned"
# ETA = (planned - done) / rate, to the rounding of the rate and the unit.
if [ "$rate" -gt 0 ]; then
    want=$(( (planned - done_) / rate ))
    case $eta in
    *h*m) got=$(( ${eta%%h*} * 3600 + $(echo "${eta#*h}" | sed 's/m$//; s/^0//') * 60 )) ;;
    *m*s) got=$(( ${eta%%m*} * 60 + $(echo "${eta#*m}" | sed 's/s$//; s/^0//') )) ;;
    *s) got=${eta%s} ;;
    *) got=-1 ;;
    esac
    [ "$got" -ge $((want * 9 / 10 - 60)) ] && [ "$got" -le $((want * 11 / 10 + 60)) ] ||
        fail "explore: ETA $eta ($got s) for $((planned - done_)) scripts at $rate/s (~$want s)"
fi
ok "explore into a file: '$line' within 5 s, ETA as planned - done over the rate"

rb explore --states 2 --walks 2 --shard 2/3
expect_rc 0 "explore --shard 2/3"
expect_out "6932 scripts in the space, 2311 in shard 2/3" "explore --shard 2/3"
ok "explore counts a shard's scripts (2311 of 6932 in 2/3)"

# ---- reproduce lines name the binary that printed them ------------------------
mkdir -p "$T/w/build-x/cli"
cp "$RB" "$T/w/build-x/cli/replbench"
cd "$T/w" || exit 1
printf 'registry name=r\nstate name=a\nwalk kind=checkpoint\nexpect count=2\n' >fail.scn
run build-x/cli/replbench run fail.scn
expect_rc 1 "build-x/cli/replbench run fail.scn"
line=$(sed -n 's/^  reproduce: //p' "$OUT")
[ "$line" = "build-x/cli/replbench run --seed 1 fail.scn" ] ||
    fail "the reproduce line is '$line', expected 'build-x/cli/replbench run --seed 1 fail.scn'"
# The line runs this binary: a copy that says so when it runs.
mv build-x/cli/replbench build-x/cli/replbench.real
printf '#!/bin/sh\necho "this is build-x" >&2\nexec "%s" "$@"\n' "$T/w/build-x/cli/replbench.real" \
    >build-x/cli/replbench
chmod +x build-x/cli/replbench
run sh -c "$line"
expect_rc 1 "the reproduce line"
expect_err "this is build-x" "the reproduce line runs build-x/cli/replbench"
expect_out "FAIL fail.scn:4" "the reproduce line"
run build-x/cli/replbench.real sweep fail.scn
expect_out "reproduce: build-x/cli/replbench.real run --seed 1 fail.scn" "sweep's reproduce line"
# merge names its own binary, whichever wrote the results, in each format;
# a report page shows the command line with the binary that made it.
run "$RB" run --results "$T/w/r.jsonl" fail.scn
for f in summary tap junit; do
    run build-x/cli/replbench.real merge --format "$f" "$T/w/r.jsonl"
    expect_rc 1 "merge --format $f"
    expect_out "build-x/cli/replbench.real run --seed 1 fail.scn" "merge --format $f's reproduce line"
    grep -v "build-x/cli/replbench.real" "$OUT" | grep -q "replbench run --seed" &&
        fail "merge --format $f: a reproduce line naming another binary"
done
run build-x/cli/replbench.real merge --report "$T/w/page" "$T/w/r.jsonl"
grep -q "build-x/cli/replbench.real merge --report" "$T/w/page/index.html" ||
    fail "merge --report: the page's command line does not name build-x/cli/replbench.real"
grep -q "build-x/cli/replbench.real run --seed 1 fail.scn" "$T/w/page/index.html" ||
    fail "merge --report: the page's reproduce line does not name build-x/cli/replbench.real"
ok "reproduce lines name build-x/cli/replbench, and run it; merge's name merge's binary"

# ---- the installed replbench runs conform from any folder --------------------------
DEST=$T/dest
meson install -C "$BUILD" --no-rebuild --destdir "$DEST" >"$T/install.log" 2>&1 ||
    { cat "$T/install.log" >&2; fail "meson install --destdir"; }
IRB=$(find "$DEST" -type f -name replbench -path '*/bin/*' | head -n 1)
[ -x "$IRB" ] || fail "no installed bin/replbench under $DEST"
[ -d "$(dirname "$IRB")/../share/replbench/scenarios/suites/registry" ] ||
    fail "the suites are not installed beside $IRB"
mkdir "$T/elsewhere"
cd "$T/elsewhere" || exit 1
run "$IRB" conform
expect_rc 0 "installed replbench conform from $T/elsewhere"
expect_no_out "No such file" "installed conform"
run "$IRB" conform --list
expect_out "share/replbench/scenarios/suites/registry/" "installed conform runs the installed suites"
n=$(wc -l <"$OUT")
[ "$n" -ge 20 ] || fail "installed conform --list: $n scenarios"
ok "the installed replbench runs conform from another folder ($n installed scenarios)"

# ---- run, sweep and determinism count runs, not files -------------------------
# On a terminal (script(1) gives one) the last progress line drawn is
# [N/N], N every run: each seed of run and determinism, the clean and the
# injected runs of sweep.
cd "$T/w" || exit 1
printf 'registry name=r\nstate name=a\nwalk kind=checkpoint\nexpect count=1\n' >pass.scn
last_progress() { tr '\r' '\n' <"$OUT" | grep -o '\[[0-9]*/[0-9]*\]' | tail -n 1; }
run script -qec "$RB run --seeds 1..30 pass.scn" /dev/null
expect_rc 0 "run --seeds 1..30 on a terminal"
[ "$(last_progress)" = "[30/30]" ] || fail "run --seeds 1..30: progress ends $(last_progress), expected [30/30]"
run script -qec "$RB determinism --seeds 1..30 pass.scn" /dev/null
expect_rc 0 "determinism --seeds 1..30 on a terminal"
[ "$(last_progress)" = "[30/30]" ] ||
    fail "determinism --seeds 1..30: progress ends $(last_progress), expected [30/30]"
run script -qec "$RB sweep pass.scn" /dev/null
expect_rc 0 "sweep on a terminal"
n=$(tr '\r' '\n' <"$OUT" | sed -n 's/^sweep: \([0-9]*\) runs.*/\1/p')
[ -n "$n" ] && [ "$n" -gt 1 ] || fail "sweep: no 'sweep: N runs' line"
[ "$(last_progress)" = "[$n/$n]" ] || fail "sweep: progress ends $(last_progress), expected [$n/$n]"
ok "progress counts runs: run and determinism --seeds 1..30 end [30/30], sweep [$n/$n]"
