#!/bin/sh
# scripts/extract-upstream.sh: writes upstream QEMU's replication.c (from the
# 2016 patch mail) and its replication.h (the 2018 file page) out of the seed
# files into OUTDIR, unmodified.  QEMU's code is GPL: it is extracted at build
# or test time and never committed here.  Exit 0 written, 3 seeds missing
# (callers skip with a message), 2 anything else.
set -eu

usage() {
    echo "usage: $0 SEEDS_DIR OUTDIR"
    echo "  SEEDS_DIR holds 000_0cad7bcbcbaa1643.txt (the patch) and"
    echo "  001_66853508e60c6fe2.txt (the header); writes OUTDIR/replication.[ch]"
}

case "${1:-}" in -h|--help) usage; exit 0 ;; esac
[ $# -eq 2 ] || { usage >&2; exit 2; }
seeds=$1
out=$2
patch=$seeds/000_0cad7bcbcbaa1643.txt
header=$seeds/001_66853508e60c6fe2.txt
for f in "$patch" "$header"; do
    [ -r "$f" ] || { echo "$0: $f not found: upstream's file cannot be extracted" >&2; exit 3; }
done
mkdir -p "$out"

# The patch: the lines of the replication.c hunk, each without its '+'.  The
# hunk header gives the line count, which is checked.
awk '
    /^\+\+\+ b\/replication\.c$/ { inside = 1; next }
    inside && /^@@ -0,0 \+1,[0-9]+ @@/ { split($3, a, ","); want = a[2]; next }
    inside && /^diff --git / { inside = 0 }
    inside && /^\+/ { print substr($0, 2); got++ }
    END { if (want == 0 || got != want) { printf "replication.c: %d lines, hunk says %d\n", got, want > "/dev/stderr"; exit 1 } }
' "$patch" >"$out/replication.c.tmp"

# The file page: from the first line of the file ("/*") to the header guard's end.
awk '
    !inside && /^\/\*$/ { inside = 1 }
    inside { print }
    inside && /^#endif \/\* REPLICATION_H \*\/$/ { done = 1; exit }
    END { if (!done) { print "replication.h: end of file not found" > "/dev/stderr"; exit 1 } }
' "$header" >"$out/replication.h.tmp"

mv "$out/replication.c.tmp" "$out/replication.c"
mv "$out/replication.h.tmp" "$out/replication.h"
echo "$out/replication.c ($(wc -l <"$out/replication.c") lines), $out/replication.h ($(wc -l <"$out/replication.h") lines)"
