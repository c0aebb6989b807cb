#!/usr/bin/env python3
"""mutate.py REPLBENCH SUITES_DIR [--limit N] [--jobs N] [--verbose]

A mutation check of the scenario suites: proves that expectations are not
vacuous.  For every scenario under SUITES_DIR and every `expect` line in it,
a copy of the scenario is written (into a temporary folder) with that
expectation's value changed:

    numbers (count, packets, epoch, fired, hits)  +1
    data= bytes                                   ^ 0xff
    hash=                                         +1
    texts (calls, error, error_contains, violation) with "X" appended
    booleans (broken, crashed)                    flipped
    stage names                                   swapped for another stage
    liveness verdicts                             swapped for another verdict

and `REPLBENCH run COPY` must then exit 1 (the scenario fails).  A mutation
that still passes is a vacuous expectation: it is reported, and the script
exits 1.  Every original scenario is first run unchanged and must pass.

--limit N checks only N mutations, spread evenly over all of them (same
choice every time), for a quicker run.  Exit status: 0 when every mutation
checked was caught, 1 when one survived or a run went wrong, 2 on bad usage.
"""

import argparse
import concurrent.futures
import os
import subprocess
import sys
import tempfile
import time

STAGES = {
    "none": "running",
    "running": "done",
    "failover": "done",
    "failover_failed": "failover",
    "done": "running",
}
NUMBER_FORMS = {"count", "packets", "epoch", "fired", "hits"}
LIVENESS = {"converged": "expected", "expected": "converged", "stuck": "converged"}
TEXT_FORMS = {"calls", "error", "error_contains", "violation"}
BOOL_FORMS = {"broken", "crashed"}


def split_value(line, start):
    """The value starting at line[start]: (end index, raw text, quoted)."""
    if start < len(line) and line[start] == '"':
        i = start + 1
        while i < len(line) and line[i] != '"':
            i += 2 if line[i] == "\\" else 1
        return i + 1, line[start + 1:i], True
    i = start
    while i < len(line) and line[i] not in " \t#":
        i += 1
    return i, line[start:i], False


def first_argument(line):
    """For an `expect` line: (key, value start, value end, raw, quoted), or
    None for any other line."""
    stripped = line.lstrip(" \t")
    if not stripped.startswith("expect") or stripped[6:7] not in (" ", "\t"):
        return None
    i = len(line) - len(stripped) + 6
    while i < len(line) and line[i] in " \t":
        i += 1
    eq = line.find("=", i)
    if eq < 0:
        return None
    key = line[i:eq]
    end, raw, quoted = split_value(line, eq + 1)
    return key, eq + 1, end, raw, quoted


def as_int(raw):
    return int(raw, 16) if raw.lower().startswith("0x") else int(raw, 10)


def mutated_value(key, raw):
    """The changed value as it is written in the file, or None."""
    if key in NUMBER_FORMS:
        return str(as_int(raw) + 1)
    if key == "data":
        return "0x%02x" % (as_int(raw) ^ 0xFF)
    if key == "hash":
        return "0x%016x" % ((as_int(raw) + 1) & (2**64 - 1))
    if key in BOOL_FORMS:
        return {"true": "false", "false": "true"}.get(raw)
    if key == "stage":
        return STAGES.get(raw)
    if key == "liveness":
        return LIVENESS.get(raw)
    if key in TEXT_FORMS:
        return '"' + raw + 'X"'
    return None


def scenarios(root):
    found = []
    for base, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(files):
            if name.endswith(".scn"):
                found.append(os.path.join(base, name))
    return found


def mutations_of(path):
    """Every (line number, description, new text) of one scenario."""
    with open(path, encoding="utf-8", errors="surrogateescape") as f:
        lines = f.read().split("\n")
    out = []
    for n, line in enumerate(lines):
        arg = first_argument(line)
        if arg is None:
            continue
        key, start, end, raw, _quoted = arg
        new = mutated_value(key, raw)
        if new is None:
            out.append((n + 1, "%s=%s: no mutation for this value" % (key, raw), None))
            continue
        copy = list(lines)
        copy[n] = line[:start] + new + line[end:]
        out.append((n + 1, "%s=%s -> %s" % (key, line[start:end], new), "\n".join(copy)))
    return out


def run(bench, path, timeout):
    try:
        p = subprocess.run([bench, "run", path], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=timeout)
        return p.returncode, p.stdout.decode("utf-8", "replace")
    except subprocess.TimeoutExpired:
        return None, "timed out after %ds" % timeout


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[1],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("replbench")
    ap.add_argument("suites")
    ap.add_argument("--limit", type=int, default=0,
                    help="check only N mutations, spread evenly (0: all)")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--timeout", type=int, default=120, help="seconds per run")
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()
    bench = os.path.abspath(args.replbench) if os.sep in args.replbench else args.replbench
    if not os.path.isdir(args.suites):
        print("mutate.py: %s: not a folder" % args.suites, file=sys.stderr)
        return 2
    if args.limit < 0 or args.jobs < 1:
        print("mutate.py: --limit must be >= 0, --jobs >= 1", file=sys.stderr)
        return 2
    began = time.monotonic()
    files = scenarios(args.suites)
    if not files:
        print("mutate.py: no .scn under %s" % args.suites, file=sys.stderr)
        return 2
    problems = []
    todo = []
    for path in files:
        for line, what, text in mutations_of(path):
            if text is None:
                problems.append("%s:%d: %s" % (path, line, what))
            else:
                todo.append((path, line, what, text))
    if args.limit and args.limit < len(todo):
        todo = [todo[i * len(todo) // args.limit] for i in range(args.limit)]
    originals = sorted({t[0] for t in todo})

    with tempfile.TemporaryDirectory(prefix="mutate.") as tmp, \
            concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        # The originals must pass, or their mutations prove nothing.
        broken = set()
        skipped = 0
        for path, (rc, out) in zip(originals, pool.map(
                lambda p: run(bench, p, args.timeout), originals)):
            if rc == 0 and out.startswith("SKIP "):
                # Built without libfiu: a scenario that arms faults does not
                # run, so its expectations cannot be checked here.
                broken.add(path)
                skipped += 1
            elif rc != 0:
                broken.add(path)
                problems.append("%s: the unchanged scenario does not pass (exit %s):\n%s"
                                % (path, rc, out.rstrip()))
        jobs = []
        for i, (path, line, what, text) in enumerate(todo):
            if path in broken:
                continue
            copy = os.path.join(tmp, "m%05d_%s" % (i, os.path.basename(path)))
            with open(copy, "w", encoding="utf-8", errors="surrogateescape") as f:
                f.write(text)
            jobs.append((path, line, what, copy))
        results = pool.map(lambda j: run(bench, j[3], args.timeout), jobs)
        killed = survived = 0
        for (path, line, what, copy), (rc, out) in zip(jobs, results):
            if rc == 1:
                killed += 1
                if args.verbose:
                    print("caught   %s:%d: %s" % (path, line, what))
            elif rc == 0:
                survived += 1
                problems.append("%s:%d: %s still passes: a vacuous expectation"
                                % (path, line, what))
            else:
                problems.append("%s:%d: %s: exit %s, expected 1:\n%s"
                                % (path, line, what, rc, out.rstrip()))

    for p in problems:
        print("FAIL " + p)
    print("mutations: %d checked in %d scenarios (%d skipped), %d caught, %d survived, "
          "%d other problems; %.1f s"
          % (len(jobs), len(originals), skipped, killed, survived,
             len(problems) - survived, time.monotonic() - began))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
