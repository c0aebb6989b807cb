#!/bin/sh
# report.sh: tests of `replbench run --report DIR`: the page is one
# well-formed XHTML document with a row per scenario, an SVG timeline for
# each failing scenario with the failure highlighted, nothing to fetch
# from the network, and every path and message escaped; --jobs draws the
# same timelines; --report-all and --report-select; usage errors.
# Usage: sh report.sh PATH/TO/replbench SUITES_DIR
# Works in a temp folder of its own, removed at the end; stops at the first
# failure with a message saying what was expected.
set -u

RB=${1:?usage: report.sh PATH/TO/replbench SUITES_DIR}
SUITES=${2:?usage: report.sh PATH/TO/replbench SUITES_DIR}
T=$(mktemp -d "${TMPDIR:-/tmp}/replbench-report.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
trap 'exit 1' HUP INT TERM
S=$T/scn
mkdir "$S"

fail() {
    echo "FAIL: $*" >&2
    [ -f "$T/err" ] && head -n 40 "$T/err" >&2
    exit 1
}

ok() {
    echo "ok - $*"
}

# Run replbench; its status in $rc, its output in $T/out and $T/err.
rb() {
    "$RB" "$@" >"$T/out" 2>"$T/err"
    rc=$?
}

expect_rc() {
    [ "$rc" -eq "$1" ] || fail "$2: exit status $rc, expected $1"
}

# ---- scenarios: a failover that passes, the same with one expectation
# changed, and a registry failure whose path and message need escaping ----

SRC=$SUITES/failover/primary_crash_secondary_takes_over.scn
cp "$SRC" "$S/pass_failover.scn" || fail "cannot copy $SRC"
sed 's/^expect data=0x02 node=sec sector=0$/expect data=0x03 node=sec sector=0/' \
    "$SRC" >"$S/fail_failover.scn"
cmp -s "$SRC" "$S/fail_failover.scn" && fail "the expectation to change is not in $SRC"
HOSTILE="$S/h<&'\"x>.scn"
cat >"$HOSTILE" <<'EOF'
state name=a
on state=a walk=start do=fail msg="<b>&amp;\"q\" 's \xff</b>"
walk kind=start
expect error="something else, and much more: éééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééé"
EOF

rb run --report "$T/page" "$S"
expect_rc 1 "run --report with a failing scenario"
[ -s "$T/page/index.html" ] || fail "no $T/page/index.html"
grep -q "report in $T/page/index.html" "$T/err" || fail "the page's path is not on stderr"
ok "run --report DIR writes DIR/index.html, exit status 1 for the failure"

# ---- the page, checked as XML -----------------------------------------------

python3 - "$T/page/index.html" "$S" <<'EOF' || fail "the page (see above)"
import re, sys, xml.dom.minidom
import xml.etree.ElementTree as ET

page, sdir = sys.argv[1], sys.argv[2]
raw = open(page, 'rb').read().decode('utf-8')      # must be UTF-8
X = '{http://www.w3.org/1999/xhtml}'
SVG = '{http://www.w3.org/2000/svg}'
problems = []

def check(cond, what):
    if not cond:
        problems.append(what)

def text(e):
    return ''.join(e.itertext())

xml.dom.minidom.parseString(raw)                    # raises when not well formed
root = ET.fromstring(raw)
check(raw.startswith('<!DOCTYPE html>\n'), 'no <!DOCTYPE html> first')
check(root.tag == X + 'html', 'the root is not an XHTML <html>')
check(set(re.findall(r'&[^;\s]*;', raw)) <= {'&amp;', '&lt;', '&gt;', '&quot;', '&#39;'},
      'entities other than &amp; &lt; &gt; &quot; &#39;')
urls = set(re.findall(r'https?://[^\s"\'<>)]*', raw))
check(urls <= {'http://www.w3.org/1999/xhtml', 'http://www.w3.org/2000/svg'},
      'URLs on the page: %s' % sorted(urls))
for ref in ('src=', '<link', 'url(', '@import'):
    check(ref not in raw, 'an external reference: ' + ref)

paths = [sdir + '/fail_failover.scn', sdir + "/h<&'\"x>.scn", sdir + '/pass_failover.scn']
runs = [t for t in root.iter(X + 'table') if t.get('id') == 'runs']
check(len(runs) == 1, 'no table id="runs"')
rows = [r for r in runs[0].findall('%stbody/%str' % (X, X)) if r.get('class') != 'gh']
check(len(rows) == 3, '%d table rows, expected 3' % len(rows))
heads = [text(r) for r in runs[0].findall('%stbody/%str' % (X, X)) if r.get('class') == 'gh']
check(heads == [sdir + '/ 3 scenarios, 2 failed'], 'folder headings: %s' % heads)
check([r.get('data-status') for r in rows] == ['FAIL', 'FAIL', 'PASS'], 'data-status of the rows')
for row, path, result in zip(rows, paths, ['FAIL', 'FAIL', 'PASS']):
    cells = [text(c) for c in row.findall(X + 'td')]
    check(len(cells) == 8, 'row of %s: %d cells' % (path, len(cells)))
    check(cells[:2] == [result, path], 'row %s, expected %s %s' % (cells[:2], result, path))
fail_row = [text(c) for c in rows[0].findall(X + 'td')]
check(fail_row[2:4] == ['1', '21'] and fail_row[4].startswith('0x'),
      'seed, ticks, hash of the failing row: %s' % fail_row[2:5])
check('expected 0x03, actual 0x02' in fail_row[7], 'failure message: ' + fail_row[7])
check("actual \"<b>&amp;\"q\" 's \\xff</b>\"" in text(rows[1]),
      'the escaped message comes back: ' + text(rows[1]))

sections = root.findall('.//%ssection' % X)
check(len(sections) == 2, '%d timelines, expected 2 (the failures)' % len(sections))
titles = {}
for sec in sections:
    svg = sec.find(SVG + 'svg')
    name = text(sec.find(X + 'h3'))
    check(svg is not None, 'no <svg> for ' + name)
    if svg is None:
        continue
    bad = [g for g in svg.iter(SVG + 'g') if g.get('class') == 'fail']
    check(len(bad) == 1, 'no failure highlight in the timeline of ' + name)
    check(any(e.get('class') == 'band' for e in svg.iter(SVG + 'rect')), 'no red band: ' + name)
    titles[name] = [text(t) for t in svg.iter(SVG + 'title')]
    if bad:
        titles[name + ' failure'] = text(bad[0].find(SVG + 'title'))

ft = titles.get('FAIL ' + paths[0], [])
check(titles.get('FAIL %s failure' % paths[0], '').startswith('FAIL at tick 21, line 24: '
      'expect data on sec.d0: sector 0 byte 0: expected 0x03, actual 0x02'),
      'failure caption: %r' % titles.get('FAIL %s failure' % paths[0]))
for label in ('disk write', 'packet', 'walk callback', 'checkpoint begin', 'checkpoint done',
              'crash x1', 'failover x1', 'scenario line'):
    check(any(t.startswith(label) for t in ft), 'no "%s" mark on the failover timeline' % label)
lanes = [text(t) for t in root.iter(SVG + 'text')]
for lane in ('node pri', 'node sec', 'link p2s', 'link s2p', 'script'):
    check(lane in lanes, 'no lane ' + lane)
ht = titles.get('FAIL ' + paths[1], [])
check(any(t.startswith('scripted walk x1') for t in ht), 'no walk on the registry timeline')
check(any(t.startswith('walk callback x1') and 'a.start' in t for t in ht),
      'no callback a.start on the registry timeline')
check('reg default' in lanes, 'no lane for the default registry')
caps = [text(t) for t in root.iter(SVG + 'text') if t.get('class') == 'cap']
check(any(c.startswith('FAIL at tick 0, line 4: expect error: expected "something else, '
                       'and much more: \u00e9') and len(c) < 150 and '\\x' not in c
          for c in caps), 'the long caption is not cut between characters: %r' % caps)

for p in problems:
    print('  ' + p, file=sys.stderr)
sys.exit(1 if problems else 0)
EOF
ok "the page is well-formed XHTML: rows, timelines, lanes, marks, highlight, escaping, no URLs"

# ---- a registry run: the ordered walk view (nesting, removals,
# registrations, errors), the summaries, the folder groups, the scenario
# text; a cluster run: the disks' stage bands -------------------------------

W=$T/walks
mkdir "$W"
cat >"$W/nested.scn" <<'EOF'
registry name=r
state name=a
state name=b
state name=c
on state=c walk=get_error do=nested nested=stop
on state=c walk=stop do=remove+fail target=b msg="nested <stop> failed"
on state=a walk=get_error do=register target=z
walk kind=get_error
on state=a walk=start do=fail msg="a broke"
walk kind=start
expect count=9
EOF
cp "$S/fail_failover.scn" "$W/"
rb run --report "$T/walks_page" "$W"
expect_rc 1 "run --report over a registry run and a cluster run"
python3 - "$T/walks_page/index.html" "$W" <<'EOF' || fail "the walk view and summaries (see above)"
import re, sys
import xml.etree.ElementTree as ET

X, SVG = '{http://www.w3.org/1999/xhtml}', '{http://www.w3.org/2000/svg}'
root = ET.parse(sys.argv[1]).getroot()
wdir = sys.argv[2]
problems = []

def check(cond, what):
    if not cond:
        problems.append(what)

def text(e):
    return ''.join(e.itertext())

def details(sec, cls):
    return [d for d in sec.iter(X + 'details') if d.get('class') == cls] if sec is not None else []

secs = {text(s.find(X + 'h3')).split(' ', 1)[1]: s for s in root.iter(X + 'section')}
reg = secs.get(wdir + '/nested.scn')
check(reg is not None, 'no timeline of nested.scn')
views = details(reg, 'walks')
check(len(views) == 1, 'no walk view for the registry run')
got = [(li.get('class'), text(li)) for li in views[0].iter(X + 'li')] if views else []
want = [
    ('state d0', 'register a in r line 2'),
    ('walk d0', 'walk get_error on r line 8'),
    ('call d1', 'c.get_error \u21b3 nested stop walk line 5'),
    ('call d2', 'c.stop \u2715 removes b fails: \u201cnested <stop> failed\u201d line 6'),
    ('call d1', 'a.get_error + registers z line 7'),
    ('done d0', 'ends: ok'),
    ('walk d0', 'walk start on r line 10'),
    ('call d1', 'a.start fails: \u201ca broke\u201d line 9'),
    ('done d0', 'ends with error: \u201ca broke\u201d'),
]
pos = 0
for w in want:
    while pos < len(got) and got[pos] != w:
        pos += 1
    check(pos < len(got), 'walk view: no %r in order; got %r' % (w, got))
    pos += 1
check(not any(t.startswith('b.') for _, t in got), 'the removed b was called: %r' % got)
scn = details(reg, 'scn')
check(len(scn) == 1 and text(scn[0].find(X + 'pre')) == open(wdir + '/nested.scn').read(),
      'the scenario text is not folded in')

summary = [text(li) for li in root.iter(X + 'li') if li.get('class') in ('bad', 'good')]
for line in ('contract checker: 0 failed', 'data checker: 0 failed', 'output checker: 0 failed',
             'resources checker: 0 failed', 'expectations (expect lines): 2 failed #1 #2',
             'errors (unreadable files, bad input, host out of memory): 0'):
    check(line in summary, 'per-checker summary: no %r in %r' % (line, summary))
ledger = details(root, 'ledger')
check(len(ledger) == 1 and 'disk/<disk>/write' in text(ledger[0]),
      'no fault ledger summary: %r' % [text(d)[:200] for d in ledger])
probes = details(root, 'probes')
check(len(probes) == 1 and re.search(r'\nwalk-nested +[1-9][0-9]* +[1-9]', text(probes[0]))
      is not None and 'nested.scn' in text(probes[0]),
      'no probe table with nested.scn reaching walk-nested: %r' % [text(d)[:300] for d in probes])

cl = secs.get(wdir + '/fail_failover.scn')
check(cl is not None, 'no timeline of fail_failover.scn')
titles = [text(t) for t in cl.iter(SVG + 'title')] if cl is not None else []
for stage in ('running', 'failover', 'done'):
    check(any(t.startswith('disk sec.d0: %s from tick' % stage) for t in titles),
          'no %s band for sec.d0: %r' % (stage, [t for t in titles if t.startswith('disk')]))
check(any(t.startswith('disk pri.d0: running from tick') for t in titles), 'no band for pri.d0')
bands = [r for r in cl.iter(SVG + 'rect') if (r.get('class') or '').startswith('st ')] \
    if cl is not None else []
check(len(bands) >= 4, '%d stage bands, expected 4 or more' % len(bands))
check(not details(cl, 'walks'), 'a walk view for a run without scripted walks')
scripts = list(root.iter(X + 'script'))
check(len(scripts) == 1 and 'getElementById' in text(scripts[0]) and 'http' not in text(scripts[0]),
      'the table script')
for p in problems:
    print('  ' + p, file=sys.stderr)
sys.exit(1 if problems else 0)
EOF
ok "registry run: ordered walks, nesting, removals, registrations, errors; summaries; stage bands"

# ---- the same timelines with workers --------------------------------------------

svgs() {
    tr '\n' ' ' <"$1" | grep -o '<svg .*</svg>'
}

rb run --jobs 3 --report "$T/jobs" "$S"
expect_rc 1 "run --jobs 3 --report"
[ "$(svgs "$T/page/index.html")" = "$(svgs "$T/jobs/index.html")" ] ||
    fail "--jobs 3 draws other timelines than --jobs 1"
ok "--jobs 3: the same timelines"

# ---- selection --------------------------------------------------------------------

count_svg() {
    grep -c '<svg ' "$1"
}

rb run --report "$T/all" --report-all "$S"
expect_rc 1 "--report-all"
[ "$(count_svg "$T/all/index.html")" -eq 3 ] || fail "--report-all: not 3 timelines"
rb run --report "$T/sel" --report-select pass_ "$S"
expect_rc 1 "--report-select"
[ "$(count_svg "$T/sel/index.html")" -eq 3 ] || fail "--report-select pass_: not 3 timelines"
rb run --report "$T/none" "$S/pass_failover.scn"
expect_rc 0 "--report, all passed"
[ "$(count_svg "$T/none/index.html")" -eq 0 ] || fail "a timeline when nothing failed"
grep -q 'nothing failed' "$T/none/index.html" || fail "no 'nothing failed' note"
ok "--report-all, --report-select TEXT; no timeline when nothing failed"

# ---- runs of every kind: a long run (marks merged per column), faults on
# a link, a node and a disk, a standalone disk in a registry, a checker
# violation, an injected fault, a parse error.  Without libfiu the runs
# with faults are skipped: they get a row and no timeline. ----------------

K=$T/kinds
mkdir "$K"
for f in qemu/primary_do_checkpoint network/comparator_queue_limit \
         failover/primary_crash_point_inside_get_error_walk; do
    cp "$SUITES/$f.scn" "$K/" || fail "cannot copy $f.scn"
done
grep -v '^expect violation=' "$SUITES/errors/backup_fault_then_failover_breaks_the_rollback.scn" \
    >"$K/checker_fails.scn"
printf 'state name=a\nwalk kind=start\n' >"$K/many.scn"
rb run --report "$T/kinds_page" --report-all "$K"
if grep -q '^SKIP' "$T/out"; then
    FIU=no
    expect_rc 0 "--report-all over every kind"
else
    FIU=yes
    expect_rc 1 "--report-all over every kind (the checker fails)"
fi
python3 - "$T/kinds_page/index.html" "$FIU" <<'EOF' || fail "the page of every kind (see above)"
import sys
import xml.etree.ElementTree as ET

X, SVG = '{http://www.w3.org/1999/xhtml}', '{http://www.w3.org/2000/svg}'
root = ET.parse(sys.argv[1]).getroot()
fiu = sys.argv[2] == 'yes'
problems = []

def check(cond, what):
    if not cond:
        problems.append(what)

def text(e):
    return ''.join(e.itertext())

rows = [[text(c) for c in r.findall(X + 'td')] for r in root.iter(X + 'tr')
        if r.get('data-status') is not None]
drawn = {text(s.find(X + 'h3')).split(' ', 1)[1]: s for s in root.iter(X + 'section')}
check(len(rows) == 5, '%d rows, expected 5' % len(rows))
for r in rows:
    check((r[0] != 'SKIP') == (r[1] in drawn), 'timeline of %s %s' % (r[0], r[1]))

def section(name):
    return [v for k, v in drawn.items() if k.endswith('/' + name)][0]

def marks(name):
    return [text(t) for t in section(name).iter(SVG + 'title')]

lanes = [text(t) for t in root.iter(SVG + 'text')]
check('reg r' in lanes, 'no lane for the registry of the standalone disk')
check(any(m.startswith('walk callback x1') and 'disk/p start' in m
          for m in marks('primary_do_checkpoint.scn')), 'no callback of the standalone disk')
if fiu:
    check('each event at its tick' in text(section('comparator_queue_limit.scn')),
          'the long run is not drawn per tick')
    check(any(m.startswith('fault fired x') and ' to ' in m and 'net/s2p/' in m
              for m in marks('comparator_queue_limit.scn')), 'no merged link fault')
    check(any(m.startswith('fault fired x1') and 'node/pri/crash' in m
              for m in marks('primary_crash_point_inside_get_error_walk.scn')),
          'no node fault')
    cm = marks('checker_fails.scn')
    check(any(m.startswith('FAIL at tick 8, line 25: checker: data: disk 0') for m in cm),
          'the checker failure is not highlighted')
    check(any(m.startswith('check violation x1') for m in cm), 'no check violation mark')
    check(any(m.startswith('fault fired x1') and 'disk/sec.d0/backup' in m for m in cm),
          'no disk fault')
    check('checker' in [text(d) for d in section('checker_fails.scn').iter(X + 'dt')],
          'no checker in the details')
    summary = [text(li) for li in root.iter(X + 'li') if li.get('class') in ('bad', 'good')]
    check(any(t.startswith('data checker: 1 failed #') for t in summary),
          'per-checker summary: %s' % summary)
    walk = [text(li) for li in section('checker_fails.scn').iter(X + 'li')]
    check('disk sec.d0.get_error fails: \u201cI/O error occurred\u201d' in walk and
          any(t.startswith('data checker: data: disk 0') for t in walk),
          'the walk view of the cluster walk: %r' % walk)
for p in problems:
    print('  ' + p, file=sys.stderr)
sys.exit(1 if problems else 0)
EOF
ok "--report-all over runs of every kind (libfiu: $FIU)"

if [ "$FIU" = yes ]; then
    rb run --report "$T/inj" --report-all --inject disk/sec.d0/write:1 "$S/pass_failover.scn"
    expect_rc 0 "--inject with --report"
    grep -q 'fault fired x1, tick 0: 0 - fault fire disk/sec.d0/write hit=1' \
        "$T/inj/index.html" || fail "the re-run did not inject the fault"
    grep -q 'inject disk/sec.d0/write:1' "$T/inj/index.html" ||
        fail "no --inject in the reproduce command"
    ok "--inject: the re-run injects the same fault"
fi

i=0
while [ $i -lt 101 ]; do
    cp "$K/many.scn" "$K/many_$i.scn"
    i=$((i + 1))
done
cp "$SUITES/../tests/bad/bad_bool.scn" "$K/" || fail "cannot copy bad_bool.scn"
rb run --report "$T/many" --report-all "$K"
expect_rc 2 "a parse error"
grep -q '<span class="badge ERROR">1 error</span>' "$T/many/index.html" ||
    fail "no error count"
grep -q "<td class=\"msg\">$K/bad_bool.scn:" "$T/many/index.html" ||
    fail "no row for the parse error"
grep -q 'more not drawn (at most 100 per page)' "$T/many/index.html" ||
    fail "no note for the timelines past the limit"
[ "$(count_svg "$T/many/index.html")" -eq 100 ] || fail "not 100 timelines"
ok "a parse error gets a row; at most 100 timelines"

# ---- errors -----------------------------------------------------------------------

rb run --report-all "$S"
expect_rc 2 "--report-all without --report"
grep -q 'need --report DIR' "$T/err" || fail "no message for --report-all alone"
rb run --report "$T/no/such/folder" "$S"
expect_rc 2 "--report into a folder that cannot be made"
grep -q "cannot make $T/no/such/folder" "$T/err" || fail "no message for the folder"
rb run --report= "$S"
expect_rc 2 "--report with an empty value"
mkdir -p "$T/dir/index.html"
rb run --report "$T/dir" "$S"
expect_rc 2 "--report where index.html is a folder"
grep -q "cannot open $T/dir/index.html" "$T/err" || fail "no message for index.html"
rb run --report "$T/$(printf '%01100d' 0)" "$S"
expect_rc 2 "--report with a name too long"
grep -q "name is too long" "$T/err" || fail "no message for the long name"
ok "usage and write errors exit 2 with a message"
