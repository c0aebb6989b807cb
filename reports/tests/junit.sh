#!/bin/sh
# junit.sh: `run --format junit` as CI systems read it: a <testsuite> per
# folder with timestamp, hostname and properties at suite level, file and
# line on each testcase.  Checked twice: against reports/tests/junit.xsd
# (xmllint, when installed; the schema is first shown to reject the old
# layout, <properties> inside a <testcase>) and by python3's xml.etree,
# which checks the counts, the grouping and the lines against the files.
# Usage: sh junit.sh PATH/TO/replbench PATH/TO/junit.xsd
set -u

RB=${1:?usage: junit.sh PATH/TO/replbench PATH/TO/junit.xsd}
XSD=${2:?usage: junit.sh PATH/TO/replbench PATH/TO/junit.xsd}
. "$(dirname "$0")/../../cli/tests/lib.sh"
start junit
S=$T/scn
mkdir -p "$S/walks" "$S/disks/deep" "$S/other/walks"

printf 'state name=a\nwalk kind=stop\nexpect calls="a.stop"\n' >"$S/walks/pass.scn"
printf '# fails\nstate name=a\n\nwalk kind=start\nexpect calls="b.start"\n' >"$S/walks/fail.scn"
printf 'state name=a\nwalk kind=stop\nexpect calls="a.stop"\n' >"$S/other/walks/pass.scn"
printf 'state name=a\n\n\nwalk kind=sideways\n' >"$S/disks/bad.scn"
printf 'state name=a\nwalk kind=stop\nexpect calls="a.stop"\n' >"$S/disks/deep/pass.scn"

rb run --format junit -k 'walks/*' -k 'deep/*' "$S"; expect_rc 1 "junit with a failure"
cp "$OUT" "$T/fail.xml"
rb run --format junit --exclude 'walks/fail.scn' "$S"; expect_rc 2 "junit with a parse error"
cp "$OUT" "$T/all.xml"
rb run --format junit --seeds 3..4 -k 'walks/*' "$S"; expect_rc 1 "junit with --seeds"
cp "$OUT" "$T/seeds.xml"

if command -v xmllint >/dev/null 2>&1; then
    for f in fail all seeds; do
        xmllint --noout --schema "$XSD" "$T/$f.xml" >"$OUT" 2>"$ERR" || fail "$f.xml does not validate"
    done
    sed 's|^\(    <testcase [^>]*>\)$|\1<properties><property name="seed" value="1"/></properties>|' \
        "$T/fail.xml" >"$T/old.xml"
    ! xmllint --noout --schema "$XSD" "$T/old.xml" >"$OUT" 2>"$ERR" ||
        fail "the schema accepts <properties> inside a <testcase>"
    ok "junit validates against junit.xsd, which rejects properties in a testcase"
else
    echo "ok - junit against junit.xsd: not checked (no xmllint) # SKIP"
fi

python3 - "$T" "$S" <<'PY' >"$OUT" 2>"$ERR" || fail "junit structure (python3 xml.etree)"
import os, re, sys
import xml.etree.ElementTree as ET

t, s = sys.argv[1], sys.argv[2]
STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$")

def check(doc, want_suites, want):
    root = ET.parse(os.path.join(t, doc)).getroot()
    assert root.tag == "testsuites", root.tag
    suites = root.findall("testsuite")
    assert [x.get("name") for x in suites] == want_suites, [x.get("name") for x in suites]
    assert list(root) == suites, "only testsuite elements in testsuites"
    assert STAMP.match(root.get("timestamp")), root.get("timestamp")
    totals = dict(tests=0, failures=0, errors=0, skipped=0)
    got = {}
    for su in suites:
        kids = list(su)
        assert kids[0].tag == "properties", "properties first in " + su.get("name")
        assert all(k.tag == "testcase" for k in kids[1:]), "only cases after the properties"
        props = {p.get("name"): p.get("value") for p in kids[0].findall("property")}
        assert "implementation" in props and "implementation.sha256" in props, props
        assert STAMP.match(su.get("timestamp")), su.get("timestamp")
        assert su.get("hostname"), "hostname"
        cases = su.findall("testcase")
        n = dict(tests=len(cases),
                 failures=sum(c.find("failure") is not None for c in cases),
                 errors=sum(c.find("error") is not None for c in cases),
                 skipped=sum(c.find("skipped") is not None for c in cases))
        for k, v in n.items():
            assert int(su.get(k)) == v, (su.get("name"), k, su.get(k), v)
            totals[k] += v
        for c in cases:
            assert c.find("properties") is None, "properties inside a testcase"
            f = c.get("file")
            assert os.path.isfile(f), f
            assert c.get("classname") == su.get("name") == os.path.dirname(f), (c.get("classname"), f)
            assert c.get("name").startswith(f), c.get("name")
            line = int(c.get("line"))
            assert 1 <= line <= len(open(f).read().splitlines()), (f, line)
            kind = next((k.tag for k in c if k.tag in ("failure", "error", "skipped")), "pass")
            got[c.get("name")] = (kind, line)
            if kind != "error":
                out = c.find("system-out").text
                assert re.search(r"^reproduce: \S*replbench run --seed \d+ ", out, re.M), out
    for k, v in totals.items():
        assert int(root.get(k)) == v, (k, root.get(k), v)
    assert got == want, got

check("fail.xml", [s + "/disks/deep", s + "/other/walks", s + "/walks"], {
    s + "/disks/deep/pass.scn": ("pass", 1),
    s + "/other/walks/pass.scn": ("pass", 1),
    s + "/walks/fail.scn": ("failure", 5),
    s + "/walks/pass.scn": ("pass", 1),
})
check("all.xml", [s + "/disks", s + "/disks/deep", s + "/other/walks", s + "/walks"], {
    s + "/disks/bad.scn": ("error", 4),
    s + "/disks/deep/pass.scn": ("pass", 1),
    s + "/other/walks/pass.scn": ("pass", 1),
    s + "/walks/pass.scn": ("pass", 1),
})
check("seeds.xml", [s + "/other/walks", s + "/walks"], {
    s + "/other/walks/pass.scn [seed 3]": ("pass", 1),
    s + "/other/walks/pass.scn [seed 4]": ("pass", 1),
    s + "/walks/fail.scn [seed 3]": ("failure", 5),
    s + "/walks/fail.scn [seed 4]": ("failure", 5),
    s + "/walks/pass.scn [seed 3]": ("pass", 1),
    s + "/walks/pass.scn [seed 4]": ("pass", 1),
})
PY
ok "junit: a testsuite per folder, counts that add up, file and line of each case, suite-level properties"
