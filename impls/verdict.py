#!/usr/bin/env python3
"""impls/verdict.py: compares what replbench said of an implementation with
its expected-verdict file (impls/expected/NAME.txt), or rewrites that file
from what it said, keeping the reasons of every verdict that did not change.

  verdict.py check  EXPECTED --conform JSON [--run JSONL] [--layout ORDER]
  verdict.py update EXPECTED --conform JSON [--run JSONL] [--layout ORDER]

JSON is `replbench conform --format json`; JSONL the records of
`replbench run --results`; ORDER the ReplicationOps member order the build
laid out ("default" when it is replbench's own).  The file's format is in
docs/IMPLEMENTATIONS.md.  check exits 0 when everything matches and every
non-passing verdict has a reviewed reason, 1 otherwise (each difference on
its own line), 2 on unreadable input.  A file with a `pending WHY` line
states a verdict replbench cannot give yet (WHY says what it waits for):
its differences are printed and do not fail, but a match fails ("remove
the pending line"), so the wait cannot outlive its reason.  update never
fails on a difference:
a verdict that changed gets the reason TODO, which check refuses until
someone reads the code and writes why.
"""
import argparse
import json
import sys

TODO = "TODO: read the code and say why"
HEADER_KEYS = ("source", "include", "patch", "sha256", "layout", "run", "pending")
# Verdict words as the file writes them, from the JSON's.
CELL_WORDS = {"pass": "pass", "partly": "pass*", "fail": "FAIL", "n/a": "n/a"}
RUN_WORDS = {"fail": "FAIL", "na": "N/A", "skip": "N/A", "error": "ERROR"}
# Verdicts that need no reason: passing, partly checked (passed where
# judged; replbench names the failing cells that blocked the rest, and those
# FAIL lines carry the reviewed reason), or not applicable (what the
# implementation lacks is named by replbench itself).
NO_REASON = ("pass", "pass*", "n/a", "N/A")


class Bad(Exception):
    """Unreadable input: exit 2."""


def parse(path):
    """(head lines, header dict, {key: (verdict, reason)}) of an expected file.
    Keys: ("cell", rule, walk) and ("scenario", path)."""
    head, header, entries = [], {}, {}
    try:
        lines = open(path, encoding="utf-8").read().splitlines()
    except OSError as e:
        raise Bad("%s: %s" % (path, e.strerror))
    for n, line in enumerate(lines, 1):
        words = line.split(None, 4)
        if not words or line.startswith("#") or words[0] in HEADER_KEYS:
            if entries:
                raise Bad("%s:%d: comments and header lines go above the first verdict" % (path, n))
            head.append(line)
            if words and not line.startswith("#"):
                header.setdefault(words[0], []).append(line.split(None, 1)[1] if len(words) > 1 else "")
            continue
        if words[0] == "cell" and len(words) >= 4:
            key, verdict, reason = ("cell", words[1], words[2]), words[3], words[4] if len(words) > 4 else ""
        elif words[0] == "scenario" and len(words) >= 3:
            rest = line.split(None, 3)
            key, verdict, reason = ("scenario", rest[1]), rest[2], rest[3] if len(rest) > 3 else ""
        else:
            raise Bad("%s:%d: not a header, cell or scenario line: %s" % (path, n, line))
        if key in entries:
            raise Bad("%s:%d: %s given twice" % (path, n, " ".join(key)))
        entries[key] = (verdict, reason.strip())
    return head, header, entries


def observed(conform, run):
    """{key: verdict} as replbench gave it, in the table's order, and the
    sha256 of the file it built."""
    try:
        table = json.load(open(conform, encoding="utf-8"))
        got = {}
        for row in table["rules"]:
            for walk, state in row["walks"].items():
                got[("cell", row["rule"], walk)] = CELL_WORDS[state]
        sha = table["implementation"]["sha256"]
        if run:
            scenarios = {}
            for line in open(run, encoding="utf-8"):
                rec = json.loads(line)
                if rec.get("kind", "run") == "run" and rec["verdict"] != "pass":
                    scenarios[("scenario", rec["path"])] = RUN_WORDS.get(rec["verdict"], rec["verdict"])
            got.update(sorted(scenarios.items()))
    except (OSError, ValueError, KeyError) as e:
        raise Bad("cannot read replbench's output (%s, %s): %s" % (conform, run, e))
    return got, sha


def differences(header, entries, got, sha, layout, with_run):
    out = []
    want_sha = header.get("sha256", [None])[0]
    if want_sha is not None and want_sha != sha:
        out.append("the file's sha256 is %s, the verdict was reviewed for %s: read it again" % (sha, want_sha))
    want_layout = header.get("layout", ["default"])[0]
    if want_layout != layout:
        out.append("ReplicationOps laid out as %s, expected %s" % (layout, want_layout))
    for key, verdict in got.items():
        want = entries.get(key)
        if key[0] == "scenario" and not with_run:
            continue
        if want is None and key[0] == "cell":
            out.append("%s: not in the expected file (got %s)" % (" ".join(key), verdict))
        elif want is None:
            out.append("%s: expected to pass, got %s" % (" ".join(key), verdict))
        elif want[0] != verdict:
            out.append("%s: expected %s, got %s" % (" ".join(key), want[0], verdict))
    for key, (verdict, reason) in entries.items():
        if key not in got and (key[0] == "cell" or with_run):
            out.append("%s: expected %s, %s" % (" ".join(key), verdict,
                       "not in conform's table" if key[0] == "cell" else "got pass"))
        if verdict not in NO_REASON and (not reason or reason.startswith("TODO")):
            out.append("%s %s: no reviewed reason (%s)" % (" ".join(key), verdict, reason or "none"))
    return out


def write(path, head, entries, got, sha, layout, with_run):
    lines = []
    for line in head:
        words = line.split()
        if words and words[0] == "sha256":
            line = "sha256 " + sha
        elif words and words[0] == "layout":
            continue
        lines.append(line)
    if layout != "default":
        lines.append("layout " + layout)
    for key, verdict in got.items():
        if key[0] == "scenario" and not with_run:
            continue
        old = entries.get(key)
        reason = old[1] if old is not None and old[0] == verdict else ""
        if verdict in NO_REASON and reason == TODO:
            reason = ""
        if verdict not in NO_REASON and not reason:
            reason = TODO
        lines.append(" ".join(key) + " " + verdict + (" " + reason if reason else ""))
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("action", choices=("check", "update"))
    ap.add_argument("expected")
    ap.add_argument("--conform", required=True)
    ap.add_argument("--run")
    ap.add_argument("--layout", default="default")
    a = ap.parse_args()
    try:
        head, header, entries = parse(a.expected)
        with_run = "run" in header
        if with_run and not a.run:
            raise Bad("%s asks for `run` results; give --run" % a.expected)
        got, sha = observed(a.conform, a.run if with_run else None)
    except Bad as e:
        print("verdict: %s" % e, file=sys.stderr)
        return 2
    if a.action == "update" and "pending" in header:
        print("%s: pending, not rewritten (its verdict is the one asked for)" % a.expected)
    elif a.action == "update":
        write(a.expected, head, entries, got, sha, a.layout, with_run)
        head, header, entries = parse(a.expected)
    diffs = differences(header, entries, got, sha, a.layout, with_run)
    pending = header.get("pending", [None])[0]
    for d in diffs:
        print("  " + d)
    nonpass = sum(1 for k, v in got.items() if v not in NO_REASON and (k[0] == "cell" or with_run))
    said = "as expected" if not diffs else "%d difference%s" % (len(diffs), "" if len(diffs) == 1 else "s")
    if pending is not None:
        said = ("PENDING, %s: %s" % (said, pending)) if diffs else \
            "matches its verdict: remove the line `pending %s`" % pending
    print("%s: %s (%d verdicts not passing)" % (a.expected, said, nonpass))
    return 1 if bool(diffs) == (pending is None) else 0


if __name__ == "__main__":
    sys.exit(main())
