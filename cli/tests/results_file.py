#!/usr/bin/env python3
"""results_file.py: tools of the results tests (cli/tests/*.sh) over JSONL
results files (reports/report.h: a header, records, a trailer).

  records FILE...          each record (header and trailer left out) without
                           its time, sorted: a set to compare; a summary's runs
                           as one line each (path, seed, injections)
  wrap TEMPLATE OUT        the records read on stdin as a whole file: the
                           header of TEMPLATE (planned set to their number),
                           the records, a complete trailer that counts them
  count FILE               the number of runs in FILE (a summary holds many)
  lines FILE               the number of record and summary lines in FILE
"""
import json
import sys

VERDICTS = ("pass", "fail", "skip", "na", "error")


def lines(name):
    with open(name, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def is_record(r):
    return r.get("kind", "run") not in ("header", "trailer")


def runs_of(r):
    """The runs of a record: itself, or a summary's runs."""
    if r.get("kind") != "summary":
        return 1
    return r["count"]


def summary_runs(r):
    for run in r["runs"].split(","):
        status = "fail" if run.endswith("x") else "pass"
        run = run.rstrip("x")
        inject = []
        for i in run.split("+"):
            point, hit = i.split(":")
            inject.append({"point": r["names"][int(point)], "hit": int(hit.rstrip("p")),
                           "persistent": hit.endswith("p")})
        yield {"kind": "summarized", "path": r["path"], "seed": r["seed"], "status": status,
               "inject": sorted(inject, key=lambda x: (x["point"], x["hit"], x["persistent"]))}


def records(names):
    recs = []
    for name in names:
        for r in lines(name):
            if r.get("kind") == "summary":
                recs += [json.dumps(x, sort_keys=True) for x in summary_runs(r)]
            elif is_record(r):
                del r["time"]
                recs.append(json.dumps(r, sort_keys=True))
    print("\n".join(sorted(recs)))


def wrap(template, out):
    header = lines(template)[0]
    assert header["kind"] == "header", header
    recs = [json.loads(line) for line in sys.stdin if line.strip()]
    header.update(planned=len(recs), more=False)
    runs = sum(runs_of(r) for r in recs)
    header.update(planned=runs)
    counts = {v: sum(runs_of(r) for r in recs if r["verdict"] == v) for v in VERDICTS}
    trailer = {"kind": "trailer", "end": "complete", "planned": runs, "more": False,
               "records": runs, "lines": len(recs), "verdicts": counts}
    with open(out, "w", encoding="utf-8") as f:
        for r in [header] + recs + [trailer]:
            f.write(json.dumps(r, separators=(",", ":")) + "\n")


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "records":
        records(args)
    elif cmd == "wrap":
        wrap(*args)
    elif cmd == "count":
        print(sum(runs_of(r) for r in lines(args[0]) if is_record(r)))
    elif cmd == "lines":
        print(sum(is_record(r) for r in lines(args[0])))
    else:
        sys.exit("usage: results_file.py records FILE... | wrap TEMPLATE OUT | count FILE | "
                 "lines FILE")


if __name__ == "__main__":
    main()
