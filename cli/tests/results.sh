#!/bin/sh
# results.sh: a results file proves it is whole (issue 19, points 1, 2 and
# 5: F1, F2, F3, F9, F10, F11).  run and sweep write a header, a record per
# run as it ends and a trailer; merge refuses an empty, headless,
# trailerless, interrupted, torn or self-contradicting file (--allow-partial
# reports a partial one and fails when a run could be missing); it reads
# through a bounded buffer (/dev/zero, a 3 GB sparse file, a 2 MiB line);
# paths that cannot be searched are records of their own; an output that is
# an input is refused; special files inside folders are errors; one run
# under two spellings is an overlap.  Two writers at once: race.sh.
# Usage: sh results.sh PATH/TO/replbench
set -u

RB=${1:?usage: results.sh PATH/TO/replbench}
. "$(dirname "$0")/lib.sh"
RF="python3 $(cd "$(dirname "$0")" && pwd)/results_file.py"
start results
have_fiu || { echo "# built without libfiu: skipped (its slow runs end too soon there to be caught running)"; exit 77; }
cd "$T" || exit 1
export REPLBENCH_CACHE_DIR="$T/cache"
mkdir -p s
printf 'state name=a\nwalk kind=start\nexpect calls="a.start"\n' >s/pass.scn
printf 'state name=b\nwalk kind=stop\nexpect calls="b.stop"\n' >s/pass2.scn
printf 'state name=a\nwalk kind=start\nexpect calls="b.start"\n' >s/fail.scn
# Runs still going while others end; first in path order, and last.  Both
# replicate (a checkpoint every tick): about a second, not a fraction of one,
# so that a faster simulator does not end them before the others' records are
# seen.  (An idle cluster is no longer slow: since the store's speed-up an
# a-slow.scn without `start` ended in 0.02 s and the --jobs 2 order test below
# failed in CI.)
printf 'cluster disks=4 writes=1 packets=1 interval=1\nstart\nrun ticks=1000000\n' >a-slow.scn
printf 'cluster disks=4 writes=1 packets=1 interval=1\nstart\nrun ticks=1000000\n' >z-slow.scn

# no_part NAME: nothing left under a temporary name
no_part() {
    ! ls "$T"/*.part-* "$T"/s/*.part-* >/dev/null 2>&1 || fail "$1: a temporary file left: $(ls "$T"/*.part-* "$T"/s/*.part-* 2>/dev/null)"
}

# ---- F1: a header, the records, a trailer; what merge refuses ----------------------------

rb run --results "$T/whole.jsonl" s; expect_rc 1 "run with a failure"
python3 - "$T/whole.jsonl" <<'PY' || fail "run --results: the header and the trailer"
import json, os, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
head, recs, tail = lines[0], lines[1:-1], lines[-1]
assert head["kind"] == "header" and head["command"] == "run" and head["version"] == 2, head
assert head["paths"] == ["s"] and head["files"] == 3 and head["planned"] == 3, head
assert head["cwd"] == os.getcwd() and len(head["impl"]["sha256"]) == 64, head
assert tail == {"kind": "trailer", "end": "complete", "planned": 3, "more": False,
                "records": 3, "lines": 3, "verdicts": {"pass": 2, "fail": 1, "skip": 0, "na": 0,
                                           "error": 0}}, tail
assert sorted(r["path"] for r in recs) == ["s/fail.scn", "s/pass.scn", "s/pass2.scn"], recs
PY
no_part "run --results"
rb merge "$T/whole.jsonl"; expect_rc 1 "merge of a whole file"; expect_out "^2 passed, 1 failed" "whole"
rb run --results "$T/p.jsonl" s/pass.scn s/pass2.scn; expect_rc 0 "a passing run"
rb merge "$T/p.jsonl"; expect_rc 0 "merge of a passing file"
ok "run --results: a header (what was planned), a record per run, a trailer (how it ended)"

# refused NAME FILE WHY [MERGE OPTIONS]: merge exits 2 saying WHY
refused() {
    name=$1 file=$2 why=$3; shift 3
    rb merge "$@" "$file"; expect_rc 2 "merge of $name"; expect_err "$why" "merge of $name"
}
: >"$T/empty.jsonl"
refused "an empty file" "$T/empty.jsonl" "empty.jsonl: empty: no header"
refused "an empty file, --allow-partial" "$T/empty.jsonl" "empty: no header" --allow-partial
printf '\n\n' >"$T/blank.jsonl"
refused "blank lines" "$T/blank.jsonl" "blank.jsonl: empty"
head -n 1 "$T/p.jsonl" >"$T/started.jsonl"
refused "a header alone" "$T/started.jsonl" "started.jsonl: no trailer: the command writing it did not finish"
sed '$d' "$T/p.jsonl" >"$T/cut.jsonl"
refused "a file without its trailer" "$T/cut.jsonl" "cut.jsonl: no trailer"
sed '1d' "$T/p.jsonl" >"$T/headless.jsonl"
refused "a file without its header" "$T/headless.jsonl" "headless.jsonl: no header"
sed '$s/"end":"complete"/"end":"interrupted"/' "$T/p.jsonl" >"$T/int.jsonl"
refused "an interrupted file" "$T/int.jsonl" "int.jsonl: interrupted before the end; refused"
ok "merge refuses (exit 2) an empty file, and one without header or trailer, or interrupted"

# The record of the failure lost: every count in the trailer disagrees.
grep -v '"verdict":"fail"' "$T/whole.jsonl" >"$T/lost.jsonl"
refused "a file that lost its failing record" "$T/lost.jsonl" \
    "lost.jsonl: its trailer (complete: 3 of 3 planned runs: 2 pass, 1 fail, .*) disagrees with the records in it (2 runs in 2 lines"
refused "a lost record, --allow-partial" "$T/lost.jsonl" "disagrees" --allow-partial
sed '/"verdict":"fail"/s/"verdict":"fail","message":"[^"]*"/"verdict":"pass","message":""/' \
    "$T/whole.jsonl" >"$T/flipped.jsonl"
grep -q '"verdict":"fail"' "$T/flipped.jsonl" && fail "the sed did not flip the failing record"
rb merge "$T/flipped.jsonl"; expect_rc 2 "a failing record rewritten as passing"
sed '$s/"fail":1/"fail":0/; $s/"pass":2/"pass":3/' "$T/whole.jsonl" >"$T/recount.jsonl"
refused "a trailer that counts no failure" "$T/recount.jsonl" "recount.jsonl: its trailer .* disagrees"
sed '$s/"records":3/"records":2/' "$T/whole.jsonl" >"$T/sum.jsonl"
refused "a trailer whose verdicts do not add up" "$T/sum.jsonl" "sum.jsonl:5:[0-9]*: verdicts: they do not add up to records"
sed '$s/"planned":3/"planned":4/' "$T/whole.jsonl" >"$T/plan.jsonl"
refused "a complete trailer short of its plan" "$T/plan.jsonl" "plan.jsonl: its trailer .* disagrees with the runs its header planned"
cat "$T/p.jsonl" "$T/p.jsonl" >"$T/twice.jsonl"
refused "two files in one" "$T/twice.jsonl" "twice.jsonl:5: a header after line 1: two files in one"
{ cat "$T/p.jsonl"; sed -n 2p "$T/whole.jsonl"; } >"$T/after.jsonl"
refused "a record after the trailer" "$T/after.jsonl" "after.jsonl:5: a record after the trailer"
{ cat "$T/p.jsonl"; tail -n 1 "$T/p.jsonl"; } >"$T/tt.jsonl"
refused "two trailers" "$T/tt.jsonl" "tt.jsonl:5: a second trailer"
ok "merge refuses (exit 2) a file whose trailer disagrees with its records or plan, and two files in one"

# --allow-partial: reported; exit 1 at least when a planned run may be missing.
rb merge --allow-partial "$T/cut.jsonl"; expect_rc 0 "--allow-partial: every planned run there"
expect_err "partial: no trailer" "--allow-partial says the file is partial"
expect_out "^2 passed, 0 failed" "--allow-partial reports what is there"
head -n 2 "$T/p.jsonl" >"$T/half.jsonl"
rb merge --allow-partial "$T/half.jsonl"; expect_rc 1 "--allow-partial: a run missing"
expect_err "half.jsonl: 1 of 2 planned runs missing: a failure could be among them" "the missing run"
expect_err "not a pass: exit 1" "--allow-partial: why exit 1"
expect_out "^1 passed, 0 failed" "--allow-partial reports the one run"
rb merge --allow-partial "$T/headless.jsonl"; expect_rc 1 "--allow-partial: no header"
expect_err "how many runs are missing is not known" "no header: the plan unknown"
sed -e '$s/"end":"complete"/"end":"interrupted"/' -e '$s/"records":2/"records":1/' \
    -e '$s/"lines":2/"lines":1/' -e '$s/"pass":2/"pass":1/' -e '3d' "$T/p.jsonl" >"$T/int1.jsonl"
rb merge --allow-partial "$T/int1.jsonl"; expect_rc 1 "--allow-partial: interrupted, a run missing"
expect_err "int1.jsonl: 1 of 2 planned runs missing" "interrupted: the missing run"
rb merge --allow-partial "$T/half.jsonl" "$T/whole.jsonl"; expect_rc 2 "--allow-partial: the same run twice"
rb merge --allow-partial "$T/int.jsonl"; expect_rc 0 "--allow-partial: interrupted after its last run"
ok "--allow-partial reports a partial file and exits 1 when a planned run may be missing"

# Stopped early on purpose: complete as far as the command went.
rb run -x --results "$T/x.jsonl" s; expect_rc 1 "run -x"
rb merge "$T/x.jsonl"; expect_rc 1 "merge of a run stopped by -x"
expect_err "note: .*x.jsonl: stopped early (-x): 1 of 3 planned runs" "-x: the note"
rb run --seeds 1..1000 --budget 1ms --results "$T/b.jsonl" s/pass.scn; expect_rc 0 "run --budget"
grep -q '"end":"budget"' "$T/b.jsonl" || fail "--budget: the trailer does not say so"
rb merge "$T/b.jsonl"; expect_rc 0 "merge of a run stopped by --budget"
expect_err "stopped early (--budget)" "--budget: the note"
ok "a run stopped by -x or --budget ends its file so, and merges with a note"

# ---- records as each run ends: no failure held back --------------------------------------

# fail.scn's three runs end at once, z-slow.scn's long after: their records
# are in the file (under its temporary name) while z-slow.scn still runs.
"$RB" run --seeds 1..3 --results "$T/live.jsonl" s/fail.scn z-slow.scn >/dev/null 2>&1 &
pid=$!
seen=no
i=0
while [ $i -lt 3000 ] && kill -0 $pid 2>/dev/null; do
    if [ "$(cat "$T"/live.jsonl* 2>/dev/null | grep -c '"path":"s/fail.scn"')" -eq 3 ]; then
        seen=$(cat "$T"/live.jsonl* 2>/dev/null | grep -c '"path":"z-slow.scn"')
        break
    fi
    i=$((i + 1))
    sleep 0.01
done
wait $pid
[ "$seen" = 0 ] || fail "the failures' records were not in the file while another run went on (z-slow.scn's records then: $seen)"
rb merge "$T/live.jsonl"; expect_rc 1 "merge of the live file"; expect_out "^3 passed, 3 failed" "live"
# --jobs 2: the slow run started first, its record comes last.
rb run --jobs 2 --results "$T/order.jsonl" a-slow.scn s/fail.scn; expect_rc 1 "run --jobs 2"
[ "$(sed -n 2p "$T/order.jsonl" | grep -c '"path":"s/fail.scn"')" = 1 ] ||
    fail "--jobs 2: the failure's record waited for the slower run before it in path order"
rb merge "$T/order.jsonl"; expect_out "^FAIL s/fail.scn" "merge orders by path"
ok "records are written (and flushed) as each run ends, not in path order nor 4 KB at a time"

# Killed while writing (SIGKILL: nothing can end the file): its name holds
# nothing, not an older run's results; its records are under the temporary
# name, which merge names.
cp "$T/p.jsonl" "$T/killed.jsonl"
"$RB" run --seeds 1..3 --results "$T/killed.jsonl" s/fail.scn z-slow.scn >/dev/null 2>&1 &
pid=$!
i=0
while [ $i -lt 3000 ] && [ "$(cat "$T"/killed.jsonl.part-* 2>/dev/null | grep -c '"path":"s/fail.scn"')" -lt 3 ]; do
    i=$((i + 1))
    sleep 0.01
done
kill -KILL $pid
wait $pid
refused "a file whose writer was killed" "$T/killed.jsonl" "killed.jsonl: empty: .* was killed"
expect_err "killed.jsonl.part-[A-Za-z0-9]* holds what it wrote before it stopped" "the records left behind named"
rb merge --allow-partial "$T"/killed.jsonl.part-*; expect_rc 1 "--allow-partial of what a killed run wrote"
expect_out "^[0-9]* passed, 3 failed" "the killed run's failures"
expect_err "of 6 planned runs missing" "the runs the killed run did not write"
rm -f "$T"/killed.jsonl.part-*
ok "a run killed while writing leaves an empty file (refused) and its records under the temporary name" 

# ---- F2: the bounded reader --------------------------------------------------------------

# bounded NAME FILE WHY: merge exits 2 saying WHY, in bounded time, with
# little memory (maxrss of the child, in KiB, under 200 MiB)
bounded() {
    python3 - "$RB" "$2" "$T/rss" <<'PY' >"$OUT" 2>"$ERR"
import resource, subprocess, sys
try:
    r = subprocess.run([sys.argv[1], "merge", sys.argv[2]], capture_output=True, timeout=120)
except subprocess.TimeoutExpired:
    sys.exit("merge did not end in 120 s")
sys.stderr.write(r.stderr.decode(errors="replace"))
open(sys.argv[3], "w").write("%d %d\n" % (r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
PY
    [ -s "$T/rss" ] || fail "$1: $(cat "$ERR")"
    read -r rc kib <"$T/rss"
    expect_rc 2 "$1"; expect_err "$3" "$1"
    [ "$kib" -lt 204800 ] || fail "$1: merge used $kib KiB"
}
if grep -q __asan_init "$RB" 2>/dev/null; then
    limit=unlimited             # ASan maps terabytes of shadow memory
else
    limit=4194304               # 4 GiB: a regression fails here, not the machine
fi
(ulimit -v $limit 2>/dev/null; bounded "merge /dev/zero" /dev/zero "/dev/zero:1: a NUL byte in a record") || exit 1
truncate -s 3G "$T/sparse.jsonl" || fail "truncate"
(ulimit -v $limit 2>/dev/null; bounded "merge of a 3 GB sparse file" "$T/sparse.jsonl" "sparse.jsonl:1: a NUL byte") || exit 1
rm -f "$T/sparse.jsonl"
python3 -c 'import sys; sys.stdout.write("{" + "a" * (2 << 20))' >"$T/long.jsonl"
(ulimit -v $limit 2>/dev/null; bounded "a 2 MiB line" "$T/long.jsonl" "long.jsonl:1: a record longer than 1048576 bytes") || exit 1
{ head -n 2 "$T/p.jsonl"; python3 -c 'import sys; sys.stdout.write("x" * ((1 << 20) + 1) + "\n")'; } >"$T/long2.jsonl"
rb merge "$T/long2.jsonl"; expect_rc 2 "a record of 1 MiB on line 3"
expect_err "long2.jsonl:3: a record longer" "the line of the long record"
refused "a folder" "$T/s" "s: cannot read: is a folder"
mkfifo "$T/fifo.jsonl"
run timeout 60 "$RB" merge "$T/fifo.jsonl"; expect_rc 2 "merge of a FIFO without a writer"
expect_err "fifo.jsonl: empty" "a FIFO without a writer"
run sh -c "cat '$T/p.jsonl' | '$RB' merge /dev/stdin"; expect_rc 0 "merge from a pipe"
ok "merge reads through a bounded buffer: /dev/zero, a 3 GB file, a 2 MiB line are exit 2 at once"

# ---- F3: paths that cannot be searched are records (verdict error) ------------------------

mkdir -p p
cp s/pass.scn p/pass.scn
ln -s nowhere.scn p/dangling.scn
ln -s loop.scn p/loop.scn
ctl=$(printf 'p/bad\001name.scn')
cp s/pass.scn "$ctl"
rb run --results "$T/paths.jsonl" "$T/nonexistent.scn" p; expect_rc 2 "run with path problems"
expect_out "0 failed, 0 skipped, 4 errors" "the path problems counted"
python3 - "$T/paths.jsonl" "$T" <<'PY' || fail "the path problems are not records of their own"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
recs = {r["path"]: r for r in lines[1:-1]}
t = sys.argv[2]
for path, why in ((t + "/nonexistent.scn", "No such file or directory"),
                  ("p/dangling.scn", "No such file or directory"),
                  ("p/loop.scn", "Too many levels of symbolic links"),
                  ("p/bad\x01name.scn", "a control character in the path")):
    r = recs[path]
    assert r["verdict"] == "error" and r["loaded"] is False and why in r["message"], r
assert recs["p/pass.scn"]["verdict"] == "pass"
assert lines[0]["planned"] == 5 and lines[-1]["verdicts"]["error"] == 4, (lines[0], lines[-1])
PY
rb merge "$T/paths.jsonl"; expect_rc 2 "merge of a file with path problems"
expect_out '^ERROR p/bad\\x01name.scn$' "a control byte shown, not printed"
expect_out "^ERROR p/dangling.scn" "the dangling link"
expect_out "^ERROR $T/nonexistent.scn" "the missing path"
expect_out "^1 passed, 0 failed, 0 skipped, 4 errors" "merge counts the path problems"
# Sharded: each problem in one shard only (the one its path hashes to).
for k in 1 2 3; do
    rb run --shard "$k/3" --results "$T/ps$k.jsonl" "$T/nonexistent.scn" p
    expect_rc 2 "shard $k/3 with path problems (each shard says so)"
done
rb merge "$T/ps1.jsonl" "$T/ps2.jsonl" "$T/ps3.jsonl"; expect_rc 2 "merge of the 3 shards"
expect_out "^1 passed, 0 failed, 0 skipped, 4 errors" "3 shards: each problem once"
rb run --results "$T/m.jsonl" "$T/nonexistent.scn" s/pass.scn; expect_rc 2 "the issue's case"
rb merge "$T/m.jsonl"; expect_rc 2 "merge of the issue's case: a missing path is not a pass"
ok "missing paths, dangling or looping links, names with control bytes: records of verdict error"

# ---- F9 and outputs: one writer per file -------------------------------------------------

printf 'state name=a\nwalk kind=start\nexpect calls="b.start"\n' >"$T/f.scn"
cp "$T/f.scn" "$T/f.keep"
rb run --results "$T/f.scn" "$T/f.scn"; expect_rc 2 "run --results f.scn f.scn"
expect_err "--results .*f.scn is also an input" "--results onto its input"
rb run --trace "$T/f.scn" "$T/f.scn"; expect_rc 2 "run --trace f.scn f.scn"
expect_err "--trace .*f.scn is also an input" "--trace onto its input"
rb run --results ./f.scn "$T"/f.scn; expect_rc 2 "the input under another spelling"
ln -s f.scn "$T/f-link.scn"
rb run --results "$T/f.scn" "$T/f-link.scn"; expect_rc 2 "the input through a link"
rb sweep --results "$T/f.scn" "$T/f.scn"; expect_rc 2 "sweep --results onto its input"
rb run --results "$T/f.scn" "$T"; expect_rc 2 "the input inside a folder"
expect_err "--results .*f.scn is also an input" "an input found in a folder"
cmp -s "$T/f.scn" "$T/f.keep" || fail "an input was overwritten"
rb run "$T/f.scn"; expect_rc 1 "the input still fails"
rb run --results "$T/o.jsonl" --trace ./o.jsonl s; expect_rc 2 "--results and --trace: one file"
expect_err "are the same file: one writer per file" "two outputs, one file"
rb run --report "$T/page" --results "$T/page/index.html" s; expect_rc 2 "--report's page as --results"
rb run --results /dev/null --trace /dev/null s; expect_rc 1 "/dev/null takes any number of outputs"
mkfifo "$T/out.fifo"
run timeout 60 "$RB" run --results "$T/out.fifo" s; expect_rc 2 "--results to a FIFO without a reader"
expect_err "a FIFO without a reader" "no hang on a FIFO"
ln -s "$T/p.jsonl" "$T/link.jsonl"
rb run --results "$T/link.jsonl" s; expect_rc 2 "--results through a symbolic link"
expect_err "a symbolic link: name the file it points to" "a link as output"
rb run --results "$T/t.jsonl" --trace "$T/t.trace" --report "$T/tpage" s; expect_rc 1 "all outputs"
[ -s "$T/t.trace" ] && [ -s "$T/tpage/index.html" ] && [ -s "$T/t.jsonl" ] || fail "an output missing"
no_part "run --results --trace --report"
ok "an output that is an input, or two outputs in one file, are refused; /dev/null is a sink"

# ---- F10: special files inside folders fail as when named -----------------------------------

mkdir -p sp
cp s/pass.scn sp/pass.scn
mkfifo sp/fifo.scn
ln -s /dev/null sp/null.scn
run timeout 60 "$RB" run --results "$T/sp.jsonl" sp; expect_rc 2 "a FIFO and /dev/null in a folder"
expect_err "sp/fifo.scn: cannot read: not a regular file" "the FIFO"
expect_err "sp/null.scn: cannot read: not a regular file" "the link to /dev/null"
run timeout 60 "$RB" run sp/fifo.scn; expect_rc 2 "a FIFO named directly"
expect_err "sp/fifo.scn: cannot read: not a regular file" "the same error named directly"
rb merge "$T/sp.jsonl"; expect_rc 2 "merge: the special files are errors"
expect_out "^1 passed, 0 failed, 0 skipped, 2 errors" "merge counts them"
ok "a FIFO or a link to /dev/null named *.scn in a folder is an error, as when named"

# ---- F11: one run under several spellings is one run -------------------------------------

rb run --results "$T/a.jsonl" s/pass.scn
rb run --results "$T/abs.jsonl" "$T/s/pass.scn"
mkdir -p sub
rb run --results "$T/dots.jsonl" sub/../s/pass.scn
(cd sub && "$RB" run --results "$T/cd.jsonl" ../s/pass.scn >/dev/null 2>&1)
for f in abs dots cd; do
    rb merge "$T/a.jsonl" "$T/$f.jsonl"; expect_rc 2 "one run spelled as in $f.jsonl"
    expect_err "the same run as .*a.jsonl:2 (.*pass.scn and s/pass.scn, seed 1): shards must not overlap" "$f"
done
rb run --seed 1 --results "$T/seed1.jsonl" s/pass.scn
rb merge "$T/a.jsonl" "$T/seed1.jsonl"; expect_rc 2 "the scenario's seed 1 and --seed 1: one run"
rb run --seed 2 --results "$T/seed2.jsonl" s/pass.scn
rb merge "$T/a.jsonl" "$T/seed2.jsonl"; expect_rc 0 "another seed is another run"
# A pair of injections in either order is one run.
sed -n 2p "$T/a.jsonl" | sed 's/"time":/"inject":[{"point":"x\/a","hit":1,"persistent":false},{"point":"y\/b","hit":2,"persistent":true}],"time":/' |
    $RF wrap "$T/a.jsonl" "$T/ab.jsonl"
sed 's/{"point":"x\/a","hit":1,"persistent":false},{"point":"y\/b","hit":2,"persistent":true}/{"point":"y\/b","hit":2,"persistent":true},{"point":"x\/a","hit":1,"persistent":false}/' \
    "$T/ab.jsonl" >"$T/ba.jsonl"
cmp -s "$T/ab.jsonl" "$T/ba.jsonl" && fail "the sed did not swap the injections"
rb merge "$T/ab.jsonl" "$T/ba.jsonl"; expect_rc 2 "two injections in either order: one run"
expect_err "ba.jsonl:2: the same run as .*ab.jsonl:2" "the injections' order"
ok "one run under two spellings (path, seed, injections' order) is an overlap error"
echo "results.sh: all passed"
