#!/bin/sh
# bench_merge.sh: what merge's bounded reader costs (issue 19, acceptance
# 3): wall time and peak memory of `merge /dev/zero`, of a 3 GB sparse
# file and of a 2 MiB line (each refused, exit 2), side by side with the
# baseline of merging a small whole file.  Prints figures; asserts nothing
# about time (results.sh checks the exits and a memory bound).  Peak
# memory counts from the forking Python's own (some MiB): read it beside
# the baseline.
# Usage: sh bench_merge.sh PATH/TO/replbench
set -u

RB=${1:?usage: bench_merge.sh PATH/TO/replbench}
case $RB in /*) ;; *) RB=$PWD/$RB ;; esac
T=$(mktemp -d "${TMPDIR:-/tmp}/replbench-bench-merge.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1
export REPLBENCH_CACHE_DIR="$T/cache"
printf 'state name=a\nwalk kind=start\nexpect calls="a.start"\n' >pass.scn
"$RB" run --seeds 1..1000 --results small.jsonl pass.scn >/dev/null 2>&1
truncate -s 3G sparse.jsonl
python3 -c 'import sys; sys.stdout.write("{" + "a" * (2 << 20))' >long.jsonl
python3 - "$RB" <<'PY'
import os, subprocess, sys, time

def measure(path):
    start = time.monotonic()
    p = subprocess.Popen([sys.argv[1], "merge", path], stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(p.pid, 0)
    secs = time.monotonic() - start
    return os.waitstatus_to_exitcode(status), secs, usage.ru_maxrss

print("%-34s %5s %10s %14s" % ("merge of", "exit", "seconds", "max RSS KiB"))
for name, path in (("small.jsonl (1000 records: baseline)", "small.jsonl"),
                   ("/dev/zero", "/dev/zero"),
                   ("a 3 GB sparse file", "sparse.jsonl"),
                   ("a 2 MiB line", "long.jsonl")):
    rc, secs, kib = measure(path)
    print("%-34s %5d %10.3f %14d" % (name, rc, secs, kib))
PY
