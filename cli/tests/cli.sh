#!/bin/sh
# cli.sh: tests of the replbench command line (usage, exit statuses, the
# three report formats, sharding, jobs, determinism, sweep, faults).
# Usage: sh cli.sh PATH/TO/replbench [SOURCE_DIR]
# Works in a temp folder of its own, removed at the end; stops at the first
# failure with a message saying what was expected.
set -u

RB=${1:?usage: cli.sh PATH/TO/replbench [SOURCE_DIR]}
T=$(mktemp -d "${TMPDIR:-/tmp}/replbench-cli.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
trap 'exit 1' HUP INT TERM
OUT=$T/out
ERR=$T/err
S=$T/scn                        # passing scenarios
mkdir "$S" "$S/sub" "$T/bad"

fail() {
    echo "FAIL: $*" >&2
    echo "--- stdout:" >&2
    head -n 40 "$OUT" >&2
    echo "--- stderr:" >&2
    head -n 40 "$ERR" >&2
    exit 1
}

ok() {
    echo "ok - $*"
}

# Run replbench; its status in $rc, its output in $OUT and $ERR.
rb() {
    "$RB" "$@" >"$OUT" 2>"$ERR"
    rc=$?
}

expect_rc() {
    [ "$rc" -eq "$1" ] || fail "$2: exit status $rc, expected $1"
}

expect_out() {
    grep -q -- "$1" "$OUT" || fail "$2: no '$1' on stdout"
}

expect_err() {
    grep -q -- "$1" "$ERR" || fail "$2: no '$1' on stderr"
}

# ---- scenarios: the examples of FORMAT.md (qemu's is left out: slow) -----

cat >"$S/registry.scn" <<'EOF'
state name=a
state name=b
state name=c
on state=c walk=stop do=remove target=b
walk kind=stop
expect calls="c.stop a.stop"
expect count=2
EOF
cat >"$S/errors.scn" <<'EOF'
state name=a
state name=b
on state=b walk=start do=fail msg="b is broken"
on state=a walk=start do=fail msg="a is broken"
walk kind=start
expect calls="b.start"
expect error="b is broken"
EOF
cat >"$S/sub/network.scn" <<'EOF'
cluster interval=0
start
packet conn=1 diverge=true
run ticks=10
expect epoch=1
EOF
cat >"$S/sub/faults.scn" <<'EOF'
cluster size=8192
start
write sector=1 byte=0x33 vm=secondary
fault point=disk/sec.d0/commit mode=nth k=1
failover node=sec
run ticks=5
expect stage=failover_failed node=sec
clear point=disk/sec.d0/commit
EOF
cat >"$S/sub/failover.scn" <<'EOF'
cluster size=8192
start
write sector=10 byte=0x11
run ticks=5
checkpoint
run ticks=5
crash node=pri
run ticks=10
expect stage=done node=sec
expect data=0x11 node=sec sector=10
EOF
echo "# not a scenario: no .scn suffix" >"$S/README"
NSCN=5

cat >"$T/bad/failing.scn" <<'EOF'
# an expectation that cannot hold
state name=a
state name=b
walk kind=start
expect calls="b.start"
EOF
printf 'state name=a\nwalk kind=sideways\n' >"$T/bad/malformed.scn"

# ---- usage -----------------------------------------------------------------

rb --help;                   expect_rc 0 "--help"; expect_out "usage: replbench" "--help"
rb --version;                expect_rc 0 "--version"; expect_out "^replbench [0-9]" "--version"
for cmd in run sweep determinism faults ledger fuzz2scn scn2fuzz conform; do
    rb "$cmd" --help;        expect_rc 0 "$cmd --help"; expect_out "usage: replbench $cmd" "$cmd --help"
    # One exit-status rule, the same words in every command's help.
    expect_out "^exit status (every command): 0 all passed or skipped, 1 something failed,\$" \
        "$cmd --help states the exit-status rule"
done
rb --help; expect_out "^exit status (every command): 0 all passed" "--help states the rule"
rb faults extra;             expect_rc 2 "faults with an argument"
rb faults --bogus;           expect_rc 2 "faults with an unknown option"
ok "--help, CMD --help and --version exit 0; each states the one exit-status rule"

rb;                          expect_rc 2 "no command"; expect_err "usage:" "no command"
rb frobnicate;               expect_rc 2 "unknown command"; expect_err "unknown command" "unknown command"
rb run --frobnicate "$S";    expect_rc 2 "unknown option"; expect_err "unknown option" "unknown option"
rb run;                      expect_rc 2 "run without PATH"
rb run --seed 12x "$S";      expect_rc 2 "--seed 12x"; expect_err "bad value '12x'" "--seed 12x"
rb run --jobs 0 "$S";        expect_rc 2 "--jobs 0"
rb run --jobs 65 "$S";       expect_rc 2 "--jobs 65"
rb run --shard 3/2 "$S";     expect_rc 2 "--shard 3/2"
rb run --shard 1/1001 "$S";  expect_rc 2 "--shard 1/1001"
rb run --format xml "$S";    expect_rc 2 "--format xml"
rb run --inject nohit "$S";  expect_rc 2 "--inject without a hit"
rb sweep --max-hits 0 "$S";  expect_rc 2 "--max-hits 0"
rb run "$T/no-such-file.scn"; expect_rc 2 "a missing path"; expect_err "no-such-file.scn" "a missing path"
ok "unknown commands, options and bad values exit 2"

# ---- run -------------------------------------------------------------------

rb run "$S"
expect_rc 0 "run on passing scenarios"
# Built without libfiu, the scenario that arms a fault is skipped.
[ "$(grep -Ec '^(PASS|SKIP) ' "$OUT")" -eq "$NSCN" ] || fail "run: expected $NSCN PASS or SKIP lines"
expect_out "^[0-9]* passed, 0 failed, [0-9]* skipped in [0-9.]* s ([0-9.e+-]* scenarios/s)\$" "run summary"
ok "run on passing scenarios exits 0 with the summary line"

rb run "$T/bad/failing.scn"
expect_rc 1 "run on a failing scenario"
expect_out "^FAIL $T/bad/failing.scn:5: expect calls" "failing run"
expect_out "^  seed: 1\$" "failing run"
expect_out "^  reproduce: $RB run --seed 1 $T/bad/failing.scn\$" "failing run"
expect_out "^  last trace lines:" "failing run"
expect_out "0 passed, 1 failed" "failing run"
ok "a failing scenario exits 1 with the seed, reproduce: and last trace lines:"

rb run "$T/bad/malformed.scn"
expect_rc 2 "run on a malformed scenario"
expect_err "^$T/bad/malformed.scn:2:11: bad value 'sideways'" "malformed run"
expect_out "0 skipped, 1 error in " "malformed run (1 error, not 1 errors)"
ok "a malformed scenario exits 2 with file:line:col: message"

rb run "$S" "$T/bad/failing.scn"
expect_rc 1 "pass and fail together"
ok "a failure among passes exits 1"

rb run --seed 7 "$T/bad/failing.scn"
expect_out "^  reproduce: $RB run --seed 7 " "--seed 7"
ok "--seed overrides the scenario's seed"

rb run --trace "$T/trace" "$S"
expect_rc 0 "--trace"
[ "$(grep -c '^# ' "$T/trace")" -eq "$NSCN" ] || fail "--trace: expected $NSCN '# path' lines"
grep -q "^# $S/errors.scn\$" "$T/trace" || fail "--trace: no '# $S/errors.scn' line"
[ "$(grep -vc '^# ' "$T/trace")" -gt 0 ] || fail "--trace: no trace lines"
ok "--trace writes every run's trace after a '# path' line"

# ---- formats ---------------------------------------------------------------

rb run --format tap "$S" "$T/bad"
expect_rc 2 "tap with a malformed file"
expect_out "^TAP version 13\$" "tap"
expect_out "^1\\.\\.$((NSCN + 2))\$" "tap plan"
expect_out "^ok [0-9]* - $S/errors.scn\$" "tap"
expect_out "^not ok [0-9]* - $T/bad/failing.scn\$" "tap failure"
expect_out "^  ---\$" "tap YAML block"
expect_out "^  reproduce: \"$RB run --seed 1 " "tap YAML block"
ok "--format tap has 1..N, ok/not ok lines and a YAML block"

rb run --format junit "$S" "$T/bad"
expect_rc 2 "junit with a malformed file"
expect_out "<testcase name=\"$S/errors.scn\" classname=\"$S\" file=\"$S/errors.scn\"" "junit testcase"
expect_out "<failure message=" "junit failure"
expect_out "^reproduce: $RB run --seed" "junit: the reproduce command in the case's output"
[ "$(grep -c '<testcase ' "$OUT")" -eq $((NSCN + 2)) ] || fail "junit: expected $((NSCN + 2)) testcases"
if command -v python3 >/dev/null 2>&1; then
    python3 -c 'import xml.dom.minidom,sys; xml.dom.minidom.parse(sys.stdin)' <"$OUT" ||
        fail "--format junit is not well-formed XML"
    ok "--format junit is one well-formed XML document"
else
    echo "ok - --format junit: XML not checked (no python3) # SKIP"
fi

# ---- shards and jobs -------------------------------------------------------

rb run "$S"; grep -E '^(PASS|SKIP) ' "$OUT" | sort >"$T/all"
rb run --shard 1/2 "$S"; expect_rc 0 "--shard 1/2"; grep -E '^(PASS|SKIP) ' "$OUT" >"$T/shards"
rb run --shard 2/2 "$S"; expect_rc 0 "--shard 2/2"; grep -E '^(PASS|SKIP) ' "$OUT" >>"$T/shards"
sort "$T/shards" | cmp -s - "$T/all" || fail "--shard 1/2 and 2/2 do not cover every scenario once"
ok "--shard 1/2 and 2/2 together run every scenario exactly once"

# The shard of a file does not depend on how its folder is spelled: the
# shards of "many", "./many/" and "many//" are the same partition.
mkdir "$T/many"
for i in $(seq 1 40); do cp "$S/registry.scn" "$T/many/s$i.scn"; done
for spelling in many ./many/ many// ./././many; do
    for k in 1 2 3; do
        (cd "$T" && "$RB" run --shard "$k/3" "$spelling") >"$OUT" 2>"$ERR"
        sed -n 's|^PASS \([^ ]*\) .*|\1|p' "$OUT" >"$T/shard.$k"
        [ "$spelling" = many ] && cp "$T/shard.$k" "$T/shard.ref.$k"
        cmp -s "$T/shard.$k" "$T/shard.ref.$k" ||
            fail "--shard $k/3 of '$spelling' differs from that of 'many'"
    done
    cat "$T/shard.1" "$T/shard.2" "$T/shard.3" | sort >"$T/shard.all"
    [ "$(sort -u "$T/shard.all" | wc -l)" -eq 40 ] && [ "$(wc -l <"$T/shard.all")" -eq 40 ] ||
        fail "the 3 shards of '$spelling' are not a partition of the 40 files"
done
grep -q '^many/s1.scn$' "$T/shard.ref.1" "$T/shard.ref.2" "$T/shard.ref.3" ||
    fail "paths are printed normalized (many/s1.scn)"
ok "--shard K/N: every spelling of a folder gives the same partition"

rb run --jobs 1 "$S" "$T/bad/failing.scn"; grep -v 'scenarios/s' "$OUT" >"$T/j1"
rb run --jobs 2 "$S" "$T/bad/failing.scn"; expect_rc 1 "--jobs 2"; grep -v 'scenarios/s' "$OUT" >"$T/j2"
cmp -s "$T/j1" "$T/j2" || fail "--jobs 2 and --jobs 1 print different per-scenario lines"
rb run --jobs 3 --trace "$T/trace3" "$S"
cmp -s "$T/trace" "$T/trace3" || fail "--jobs 3 --trace differs from --trace"
ok "--jobs 2 prints the same lines, in the same order, as --jobs 1 (traces too)"

# ---- determinism, sweep, faults ---------------------------------------------

rb determinism "$S/sub/failover.scn"
expect_rc 0 "determinism"
expect_out "^SAME $S/sub/failover.scn ([0-9]* lines, hash 0x[0-9a-f]*)\$" "determinism"
ok "determinism says SAME"

rb sweep "$S/sub/faults.scn"
expect_rc 0 "sweep on a small cluster scenario"
runs=$(sed -n 's/^sweep: \([0-9]*\) runs\{0,1\}, 0 failed, .*runs\{0,1\}\/s)$/\1/p' "$OUT")
if [ -z "$runs" ] || [ "$runs" -eq 0 ]; then
    fail "sweep: no 'sweep: N runs, 0 failed' line with N > 0"
fi
rb sweep --jobs 2 "$S/sub/faults.scn"
expect_rc 0 "sweep --jobs 2"
expect_out "^sweep: $runs runs\{0,1\}, 0 failed" "sweep --jobs 2"
ok "sweep runs $runs runs on a cluster scenario and exits 0"

# --inject: a name no backend has is a typo (exit 2, as in a file); one
# that no scenario run creates injects nothing (exit 2); every --inject
# given is injected, not only the last.
rb run --inject disk/sec.d0/comit:1 "$S/sub/failover.scn"
expect_rc 2 "--inject of an unknown point"
expect_err "bad value 'disk/sec.d0/comit:1' for --inject: unknown fault point" "--inject typo"
rb run --inject disk/sec9/write:1 "$S/sub/failover.scn"
expect_rc 2 "--inject of a point no scenario has"
expect_err "no scenario run has this fault point" "--inject nowhere"
rb run --inject disk/pri.d0/write:1 --inject disk/pri.d0/write:2 "$S/sub/failover.scn"
expect_rc 2 "the same point injected twice"
rb run --trace "$T/inj.trace" --inject disk/sec.d0/write:1 --inject disk/pri.d0/write:1 \
    "$S/sub/failover.scn"
if [ "$(grep -c ' - fault fire ' "$T/inj.trace")" -ne 0 ]; then   # built with libfiu
    expect_rc 1 "two injected write faults"
    grep -q ' - fault fire disk/sec.d0/write hit=1$' "$T/inj.trace" || fail "first --inject lost"
    grep -q ' - fault fire disk/pri.d0/write hit=1$' "$T/inj.trace" || fail "second --inject lost"
    expect_out "reproduce: $RB run --seed 1 --inject disk/sec.d0/write:1 --inject disk/pri.d0/write:1 " \
        "the reproduce command keeps both"
fi
ok "--inject: typos and absent points exit 2; every repeated --inject is injected"

rb faults
expect_rc 0 "faults"
expect_out "^disk/<disk>/commit  *[a-z]" "faults"
expect_out "^registry/alloc  *[a-z]" "faults"
ok "faults lists every fault point with its description"

# ---- fuzz2scn, scn2fuzz -----------------------------------------------------

rb scn2fuzz fuzz_registry "$S/registry.scn" "$T/reg.bin"
expect_rc 0 "scn2fuzz"
[ -s "$T/reg.bin" ] || fail "scn2fuzz wrote no input"
rb fuzz2scn fuzz_registry "$T/reg.bin"
expect_rc 0 "fuzz2scn"
expect_out "^registry name=r0\$" "fuzz2scn"
[ "$(head -n 1 "$OUT")" = "# fuzz_registry input $T/reg.bin, printed by replbench fuzz2scn" ] ||
    fail "fuzz2scn: the header is not line 1"
tail -n 1 "$OUT" | grep -q '^expect hash=0x[0-9a-f]\{16\}$' || fail "fuzz2scn: no expect hash= last"
cp "$OUT" "$T/decoded.scn"
rb run "$T/decoded.scn"
expect_rc 0 "run of a decoded input"
# The expect hash= holds: a scenario that differs by one operation fails it.
sed 's/^walk kind=stop /walk kind=start /' "$T/decoded.scn" > "$T/changed.scn"
cmp -s "$T/decoded.scn" "$T/changed.scn" && fail "fuzz2scn: no stop walk to change"
rb run "$T/changed.scn"
expect_rc 1 "run of a decoded input with one operation changed"
expect_out "expect hash: expected 0x[0-9a-f]\{16\}, actual 0x" "a changed decoded input"
printf 'state name=a\nwalk kind=stop\n' > "$T/text.scn"
rb fuzz2scn fuzz_scenario "$T/text.scn"
expect_rc 0 "fuzz2scn fuzz_scenario"
[ "$(sed -n 2,3p "$OUT")" = "$(cat "$T/text.scn")" ] || fail "fuzz2scn fuzz_scenario: not the text"
cp "$OUT" "$T/text-decoded.scn"
rb run "$T/text-decoded.scn"
expect_rc 0 "run of a fuzz_scenario input's scenario"
printf 'state name=a\nwalk kind=sideways\n' > "$T/bad-text.scn"
rb fuzz2scn fuzz_scenario "$T/bad-text.scn"
expect_rc 2 "fuzz2scn fuzz_scenario of a text that does not parse"
expect_err "^fuzz.scn:3:11: bad value 'sideways' for 'kind'" "fuzz2scn of a text that does not parse"
rb scn2fuzz fuzz_scenario "$S/registry.scn" "$T/x.bin"
expect_rc 2 "scn2fuzz fuzz_scenario (the seed is the file)"
rb fuzz2scn fuzz_cluster "$T/reg.bin"
expect_rc 0 "fuzz2scn as the other harness (any bytes decode)"
expect_out "^cluster disks=" "fuzz2scn cluster"
rb fuzz2scn fuzz_nothing "$T/reg.bin"
expect_rc 2 "fuzz2scn with an unknown harness"
expect_err "unknown harness 'fuzz_nothing'" "fuzz2scn unknown harness"
rb fuzz2scn fuzz_registry "$T/no-such-input"
expect_rc 2 "fuzz2scn on a missing file"
rb fuzz2scn fuzz_registry
expect_rc 2 "fuzz2scn without a file"
rb scn2fuzz fuzz_cluster "$T/no-such.scn" "$T/x.bin"
expect_rc 2 "scn2fuzz on a missing scenario"
rb scn2fuzz fuzz_cluster "$S/registry.scn" "$T/no-such-dir/x.bin"
expect_rc 2 "scn2fuzz to an unwritable path"
rb fuzz2scn fuzz_registry "$T"
expect_rc 2 "fuzz2scn on a directory (not an empty input)"
expect_err "fuzz2scn: $T: Is a directory" "fuzz2scn on a directory"
[ -s "$OUT" ] && fail "fuzz2scn on a directory printed a scenario"
printf 'state name=a\nwalk kind=start\nexpect calls="b.start"\n' > "$T/failing-text.scn"
rb fuzz2scn fuzz_scenario "$T/failing-text.scn"
expect_rc 1 "fuzz2scn of an input whose scenario fails"
expect_err "the scenario fails: line 4: expect calls" "fuzz2scn of a failing input"
expect_out '^expect hash=0x' "the failing input is still printed"
rb fuzz2scn fuzz_registry "$T/reg.bin" extra
expect_rc 2 "fuzz2scn with an extra argument"
rb scn2fuzz fuzz_registry "$S/registry.scn"
expect_rc 2 "scn2fuzz without OUT"
rb fuzz2scn --help
expect_rc 0 "fuzz2scn --help"
rb scn2fuzz --help
expect_rc 0 "scn2fuzz --help"
ok "fuzz2scn and scn2fuzz turn inputs and scenarios into each other"

# ---- option and input errors: exit 2 with a message ------------------------

for args in "run --seed" "run --jobs=abc $S" "run --jobs 0 $S" "run --format=xml $S" \
            "run --shard 3/2 $S" "run --shard x $S" "run --inject nocolon $S" \
            "run --seed 12z $S" "sweep --max-hits 0 $S" "determinism --bogus $S" \
            "sweep" "determinism" "run --trace $T/no-such-dir/t.txt $S/registry.scn"; do
    # shellcheck disable=SC2086
    rb $args
    expect_rc 2 "replbench $args"
    [ -s "$ERR" ] || fail "replbench $args: no message on stderr"
done
mkdir "$T/empty"
rb run "$T/empty"
expect_rc 2 "run on a folder without scenarios"
rb run "$T/no-such-file.scn"
expect_rc 2 "run on a missing file"
# A *.scn link in a folder that dangles or loops is an error, not a skip;
# the scenarios beside it still run.
mkdir "$T/links"
cp "$S/registry.scn" "$T/links/real.scn"
ln -s "$T/no-such-target.scn" "$T/links/dangling.scn"
ln -s loop.scn "$T/links/loop.scn"
ln -s real.scn "$T/links/alias.scn"
rb run "$T/links"
expect_rc 2 "a folder with dangling and looping .scn links"
expect_err "^replbench: $T/links/dangling.scn: No such file or directory\$" "a dangling link"
expect_err "^replbench: $T/links/loop.scn: Too many levels of symbolic links\$" "a looping link"
expect_out "^PASS $T/links/real.scn " "the file beside the links"
expect_out "^PASS $T/links/alias.scn " "a link to a file"
expect_out ", 2 errors in " "the summary counts the links"
for cmd in determinism ledger sweep; do
    rb "$cmd" "$T/links"
    expect_rc 2 "$cmd on a folder with broken links"
done
rb determinism "$T/bad/failing.scn"
expect_rc 1 "determinism on a failing scenario (the same trace twice, but a failure)"
expect_out "^SAME " "determinism of a failing scenario"
expect_out "^FAIL $T/bad/failing.scn:5: expect calls" "determinism names the failure"
expect_out "^determinism: 1 same, 0 different, 1 failed in " "determinism summary"
rb determinism "$S/registry.scn"
expect_rc 0 "determinism on a passing scenario"
rb run --seed=0x10 -- "$S/registry.scn"
expect_rc 0 "--opt=value, hex numbers and -- before paths"
rb run --format tap "$T/bad/failing.scn" "$S/registry.scn"
expect_rc 1 "tap with a failure"
expect_out "^not ok 1 - " "tap failure"
ok "bad options and inputs exit 2 with a message"

# ---- more inputs that are errors, each exit 2 with its message ----------------
rb run --help=1 "$S";        expect_rc 2 "--help=1"; expect_err "option --help takes no value" "--help=1"
rb run "$S" --seed;          expect_rc 2 "--seed at the end"; expect_err "option --seed needs a value" "--seed"
long=$(printf '%01100d' 0)
rb run "$T/$long.scn";       expect_rc 2 "a path too long"; expect_err "path too long" "a path too long"
mkdir -p "$T/deep"; d="$T/deep"
for i in $(seq 1 34); do d="$d/d"; done
mkdir -p "$d" && cp "$S/registry.scn" "$d/x.scn"
rb run "$T/deep";            expect_rc 2 "folders nested too deep"; expect_err "folders nested too deep" "deep"
seg=$(printf '%0250d' 0)
mkdir -p "$T/longdir/$seg/$seg/$seg" && cp "$S/registry.scn" "$T/longdir/$seg/$seg/$seg/$seg.scn"
rb run "$T/longdir";         expect_rc 2 "a path in a folder too long"
expect_err "a path in this folder is too long" "a path in a folder too long"
mkdir "$T/ctl" && cp "$S/registry.scn" "$T/ctl/$(printf 'a\001b').scn"
rb run "$T/ctl";             expect_rc 2 "a control byte in a path"
expect_err 'a\\x01b.scn: a control character in the path' "a control byte in a path"
rb run "$S/registry.scn" "$S/./registry.scn" "$S//registry.scn"
expect_rc 0 "one file named three ways"; lines_pass=$(grep -c '^PASS ' "$OUT")
[ "$lines_pass" -eq 1 ] || fail "one file named three ways ran $lines_pass times"
(cd "$S" && "$RB" run ./ ) >"$OUT" 2>"$ERR"
grep -q '^PASS registry.scn ' "$OUT" || fail "run ./ names the files without ./"
if [ "$(id -u)" != 0 ]; then
    mkdir "$T/closed" && cp "$S/registry.scn" "$T/closed/" && chmod 000 "$T/closed"
    rb run "$T/closed";      expect_rc 2 "an unreadable folder"; expect_err "Permission denied" "closed"
    chmod 755 "$T/closed"
fi
head -c 1048577 /dev/zero >"$T/big.bin"
rb fuzz2scn fuzz_registry "$T/big.bin"
expect_rc 2 "fuzz2scn of an input over 1 MiB"; expect_err "longer than 1 MiB" "a big input"
rb scn2fuzz fuzz_nothing "$S/registry.scn" "$T/x.bin"; expect_rc 2 "scn2fuzz unknown harness"
rb scn2fuzz fuzz_registry "$T/bad/malformed.scn" "$T/x.bin"; expect_rc 2 "scn2fuzz of a malformed file"
rb determinism "$T/bad/malformed.scn"; expect_rc 2 "determinism of a malformed file"
expect_err "malformed.scn:2:11: bad value 'sideways'" "determinism names the parse error"
rb determinism --seed 7 --shard 1/1 "$S/registry.scn" "$T/bad/failing.scn"
expect_rc 1 "determinism with --seed and --shard, one failing"
expect_out "^determinism: 2 same, 0 different, 1 failed" "determinism summary with --seed"
ok "long, deep, control-byte, repeated and unreadable paths; big inputs; bad values"

# ---- reproduce commands quote odd paths; progress only on a terminal --------

mkdir "$T/we ird"
cp "$T/bad/failing.scn" "$T/we ird/it's.scn"
rb run "$T/we ird/it's.scn"
expect_rc 1 "a failing scenario at an odd path"
grep -F "reproduce: $RB run --seed 1 '$T/we ird/it'\\''s.scn'" "$OUT" >/dev/null ||
    fail "the reproduce command does not quote the path for the shell"
rb run "$S"
grep -q "$(printf '\r')" "$ERR" && fail "a progress line was written to a non-terminal"
# A terminal comes from script(1), when it can get a pseudo-terminal here.
if command -v script >/dev/null 2>&1 &&
   script -qec 'tty' /dev/null </dev/null 2>/dev/null | grep -q '^/dev/'; then
    script -qec "$RB run $S" /dev/null > "$T/tty.txt" 2>&1 || true
    grep -q "$(printf '\r')" "$T/tty.txt" && grep -q '\[1/' "$T/tty.txt" ||
        fail "no progress line on a terminal"
    script -qec "$RB sweep $S/sub/faults.scn" /dev/null > "$T/tty2.txt" 2>&1 || true
    grep -q "$(printf '\r')" "$T/tty2.txt" || fail "no sweep progress line on a terminal"
fi
ok "reproduce commands are shell-quoted; progress shows on terminals only"

# ---- reports escape what they quote --------------------------------------------

cat >"$T/odd.scn" <<'EOF'
state name=a
on state=a walk=stop do=fail msg="<&\"]]>\x01\x7f\xff>"
walk kind=stop
expect error="something else"
EOF
rb run --format junit "$T/odd.scn"
expect_rc 1 "junit of a failure with odd characters"
python3 -c 'import sys, xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])' "$OUT" ||
    fail "junit output with odd characters is not well-formed XML"
expect_out "<failure" "junit failure element"
rb run --format tap "$T/odd.scn" "$S/registry.scn"
expect_rc 1 "tap of a failure with odd characters"
expect_out "^1..2\$" "tap plan"
expect_out "^ok 2 - " "tap pass after a failure"
ok "junit and tap escape odd characters in failure messages"

# ---- the fault ledger ------------------------------------------------------------

rb run "$S/sub/faults.scn"
if grep -q '^SKIP' "$OUT"; then
    echo "# built without libfiu: no fault fires, the ledger's counts are not checked"
else
    rb ledger "$S/sub/faults.scn"
    expect_rc 1 "ledger with points that never fire"
    expect_out "^disk/<disk>/commit  *[0-9]* *[0-9]* *1 *1 *1  ok\$" "ledger: the commit fire, handled and observed"
    expect_out "^net/<link>/drop .* never fired\$" "ledger: a point never fired"
    expect_out "^ledger: 11 points, [0-9]* not ok" "ledger summary"
    # 100 messages lost in a row: each fire is one drop event of the link,
    # all counted (the ledger once said 100 fires, 65 handled: ok).
    cat >"$T/drops.scn" <<'EOF'
cluster interval=0 size=128 connections=1 packets=1 compare_timeout=1000000
start
fault point=net/s2p/drop mode=always
run ticks=100
walk kind=get_error node=pri
expect error=none
clear point=net/s2p/drop
EOF
    rb ledger "$T/drops.scn"
    expect_out "^net/<link>/drop  *2  *100  *100  *100  *100  ok\$" \
        "ledger: every drop fire handled and observed, none past a bound"
    # Fires after the last check are not observed: not ok, and it says so.
    sed '/^walk kind=get_error/d; /^expect error=none/d' "$T/drops.scn" >"$T/drops-unchecked.scn"
    rb ledger "$T/drops-unchecked.scn"
    expect_rc 1 "ledger with fires nothing checked"
    expect_out "^net/<link>/drop  *2  *100  *100  *100  *[0-9]*  [0-9]* fires not observed\$" \
        "ledger: unobserved fires counted and named"
fi
rb ledger
expect_rc 2 "ledger without paths"
ok "the ledger counts fires, handled and observed, and fails on points never fired"

# ---- conform: the table from rule tags, its three formats, exit statuses ----
mkdir "$T/conform"
cat >"$T/conform/order.scn" <<'EOF'
rule id=1
state name=a
state name=b
walk kind=start
expect calls="b.start a.start"
walk kind=stop
expect calls="b.stop a.stop"
EOF
cat >"$T/conform/broken.scn" <<'EOF'
rule id=3 walk=checkpoint
state name=a
walk kind=checkpoint
expect calls="nothing.checkpoint"
EOF
rb conform "$T/conform/order.scn"
expect_rc 0 "conform with every tagged scenario passing"
expect_out "^conformance of " "conform names the implementation"
expect_out "^1  *pass  *pass  *pass  *pass  *order: newest registered first\$" "conform: rule 1 passes in every walk"
expect_out "^3  *n/a  *n/a  *n/a  *n/a .*(n/a: no scenario checks it)\$" "conform: an unchecked rule is n/a"
expect_out "^conform: 4 pass, 0 partly, 0 fail, 36 n/a" "conform summary line"
rb conform "$T/conform"
expect_rc 1 "conform with a failing tagged scenario"
expect_out "^3  *n/a  *n/a  *FAIL  *n/a " "conform: only the tagged walk fails"
expect_out "^FAIL rule 3, checkpoint: 1 scenario; first: $T/conform/broken.scn:4: expect calls" "conform: the failure, its line"
expect_out "^  reproduce: $RB run --seed [0-9]* $T/conform/broken.scn\$" "conform: the reproduce command"
rb conform --format json "$T/conform"
expect_rc 1 "conform --format json with a failure"
python3 - "$OUT" <<'EOF' || fail "conform --format json: not the expected document"
import json, sys
d = json.load(open(sys.argv[1]))
r = [x for x in d["rules"] if x["rule"] == "3"][0]
assert r["walks"] == {"start": "n/a", "stop": "n/a", "checkpoint": "fail", "get_error": "n/a"}, r
assert r["failures"][0]["walk"] == "checkpoint", r
assert d["implementation"]["api"] == "instances", d
assert len(d["implementation"]["sha256"]) == 64, d
EOF
rb conform --format junit "$T/conform"
expect_rc 1 "conform --format junit with a failure"
python3 - "$OUT" <<'EOF' || fail "conform --format junit: not the expected document"
import sys, xml.etree.ElementTree as E
s = E.parse(sys.argv[1]).getroot().find("testsuite")
assert s.get("tests") == "40" and s.get("failures") == "1", s.attrib
p = s.find("properties/property[@name='implementation.api']")
assert p is not None and p.get("value") == "instances"
EOF
rb conform --report "$T/conform-report" "$T/conform"
expect_rc 1 "conform --report with a failure"
grep -q '<td class="cell fail">FAIL<br/><a href="#r1"' "$T/conform-report/index.html" \
    || fail "conform --report: the failing cell links to its scenario's row"
rb conform --format yaml "$T/conform"
expect_rc 2 "conform --format yaml"
expect_err "expected summary, json or junit" "conform: bad format"
rb conform "$T/nowhere"
expect_rc 2 "conform on a missing path"
ok "conform derives its table from rule tags; summary, json, junit, the matrix page"

exit 0
