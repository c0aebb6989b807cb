#!/bin/sh
# report_png.sh: the page of `replbench run --report DIR`, rendered by a
# headless chromium, is not blank: a screenshot has many colors, enough
# ink, and the red of the failure; the table's filter and sort work in
# it.  Skipped (exit 77) when Debian's
# chromium is not installed.  The PNG is read with zlib and struct only.
# Usage: sh report_png.sh PATH/TO/replbench SUITES_DIR
set -u

RB=${1:?usage: report_png.sh PATH/TO/replbench SUITES_DIR}
SUITES=${2:?usage: report_png.sh PATH/TO/replbench SUITES_DIR}
if ! command -v chromium >/dev/null 2>&1; then
    echo "chromium is not installed: skipped"
    exit 77
fi
T=$(mktemp -d "${TMPDIR:-/tmp}/replbench-png.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
trap 'exit 1' HUP INT TERM
mkdir "$T/scn" "$T/profile"

fail() {
    echo "FAIL: $*" >&2
    [ -f "$T/err" ] && tail -n 20 "$T/err" >&2
    exit 1
}

SRC=$SUITES/failover/primary_crash_secondary_takes_over.scn
cp "$SRC" "$T/scn/pass_failover.scn" || fail "cannot copy $SRC"
sed 's/^expect data=0x02 node=sec sector=0$/expect data=0x03 node=sec sector=0/' \
    "$SRC" >"$T/scn/fail_failover.scn"
"$RB" run --report "$T/page" "$T/scn" >"$T/out" 2>"$T/err"
[ $? -eq 1 ] || fail "replbench run --report: exit status, expected 1"

# No network: the page fetches nothing, and chromium is told not to try.
HOME=$T XDG_CONFIG_HOME=$T XDG_CACHE_HOME=$T \
timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic \
    --no-first-run --disable-background-networking --disable-component-update \
    --disable-sync --hide-scrollbars --user-data-dir="$T/profile" \
    --screenshot="$T/page.png" --window-size=1200,800 \
    "file://$T/page/index.html" >"$T/err" 2>&1
[ -s "$T/page.png" ] || fail "chromium wrote no screenshot"

python3 - "$T/page.png" <<'EOF' || fail "the screenshot (see above)"
import struct, sys, zlib

data = open(sys.argv[1], 'rb').read()
if data[:8] != b'\x89PNG\r\n\x1a\n':
    sys.exit('not a PNG')
pos, idat, head = 8, [], None
while pos < len(data):
    length, kind = struct.unpack('>I4s', data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + length]
    if kind == b'IHDR':
        head = struct.unpack('>IIBBBBB', body)
    elif kind == b'IDAT':
        idat.append(body)
    pos += 12 + length
width, height, depth, ctype, _, _, interlace = head
if depth != 8 or ctype not in (2, 6) or interlace != 0:
    sys.exit('unexpected PNG format: depth %d, color type %d, interlace %d'
             % (depth, ctype, interlace))
bpp = 3 if ctype == 2 else 4
raw = zlib.decompress(b''.join(idat))
stride = width * bpp

def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else b if pb <= pc else c

# Undo the filters, a row at a time.
prev, colors, ink, red = bytearray(stride), set(), 0, 0
for y in range(height):
    ftype, row = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for i in range(stride):
        a = row[i - bpp] if i >= bpp else 0
        b = prev[i]
        c = prev[i - bpp] if i >= bpp else 0
        row[i] = (row[i] + (0, a, b, (a + b) // 2, paeth(a, b, c))[ftype]) & 0xff
    for x in range(0, stride, bpp):
        r, g, b = row[x], row[x + 1], row[x + 2]
        colors.add((r, g, b))
        ink += r + g + b < 600
        red += r > 170 and g < 90 and b < 90
    prev = row
print('%dx%d: %d colors, %d ink pixels, %d red pixels' % (width, height, len(colors), ink, red))
if len(colors) < 32 or ink < width * height // 100 or red < 100:
    sys.exit('the page looks blank (want 32 colors, 1% ink, 100 red pixels)')
EOF
echo "ok - chromium renders the report: not blank, the failure in red"

# The table's script, in the same browser: show only FAIL rows, then sort
# by scenario, descending (two clicks on the heading).
sed 's|</body>|<script>var st = document.getElementById("st"); st.value = "FAIL";\
st.dispatchEvent(new Event("change"));\
var th = document.getElementById("runs").tHead.rows[0].cells[1]; th.click(); th.click();</script></body>|' \
    "$T/page/index.html" >"$T/page/js.html"
HOME=$T XDG_CONFIG_HOME=$T XDG_CACHE_HOME=$T \
timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic \
    --no-first-run --disable-background-networking --disable-component-update \
    --disable-sync --user-data-dir="$T/profile" --dump-dom \
    "file://$T/page/js.html" >"$T/dom" 2>"$T/err"
python3 - "$T/dom" <<'EOF' || fail "the table's filter and sort in chromium (see above)"
import re, sys

dom = open(sys.argv[1]).read()
rows = re.findall(r'<tr class="(?:ok|fail)" id="r\d+" data-status="(\w+)"( style="[^"]*")?>'
                  r'.*?<td class="mono">(?:<a [^>]*>)?([^<]*)', dom)
print(rows)
order = [(st, 'none' in style, path.rsplit('/', 1)[-1]) for st, style, path in rows]
want = [('PASS', True, 'pass_failover.scn'), ('FAIL', False, 'fail_failover.scn')]
if order != want:
    sys.exit('after filter FAIL and sort by scenario down: %r, expected %r' % (order, want))
EOF
echo "ok - chromium runs the table's script: filter by result, sort by column"
