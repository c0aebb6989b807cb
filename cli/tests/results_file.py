#!/usr/bin/env python3
"""results_file.py: tools of the results tests (cli/tests/*.sh) over JSONL
results files (reports/report.h: a header, records, a trailer).

  records FILE...          each record (header and trailer left out) without
                           its time, sorted: a set to compare
  wrap TEMPLATE OUT        the records read on stdin as a whole file: the
                           header of TEMPLATE (planned set to their number),
                           the records, a complete trailer that counts them
  count FILE               the number of records in FILE
"""
import json
import sys

VERDICTS = ("pass", "fail", "skip", "na", "error")


def lines(name):
    with open(name, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def is_record(r):
    return r.get("kind", "run") not in ("header", "trailer")


def records(names):
    recs = []
    for name in names:
        for r in lines(name):
            if is_record(r):
                del r["time"]
                recs.append(json.dumps(r, sort_keys=True))
    print("\n".join(sorted(recs)))


def wrap(template, out):
    header = lines(template)[0]
    assert header["kind"] == "header", header
    recs = [json.loads(line) for line in sys.stdin if line.strip()]
    header.update(planned=len(recs), more=False)
    counts = {v: sum(r["verdict"] == v for r in recs) for v in VERDICTS}
    trailer = {"kind": "trailer", "end": "complete", "planned": len(recs), "more": False,
               "records": len(recs), "verdicts": counts}
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
        print(sum(is_record(r) for r in lines(args[0])))
    else:
        sys.exit("usage: results_file.py records FILE... | wrap TEMPLATE OUT | count FILE")


if __name__ == "__main__":
    main()
