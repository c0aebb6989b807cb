# lib.sh: helpers of the CLI and report test scripts (sourced; `start NAME`
# first, with $RB set):
# run replbench with its status in $rc, and checks that say what was
# expected and show the output when they fail.
fail() {
    echo "FAIL: $*" >&2
    echo "--- stdout:" >&2; head -n 40 "$OUT" >&2
    echo "--- stderr:" >&2; head -n 40 "$ERR" >&2
    exit 1
}
ok() { echo "ok - $*"; }
rb() { "$RB" "$@" >"$OUT" 2>"$ERR"; rc=$?; }
run() { "$@" >"$OUT" 2>"$ERR"; rc=$?; }    # any command, as rb
expect_rc() { [ "$rc" -eq "$1" ] || fail "$2: exit status $rc, expected $1"; }
expect_out() { grep -q -- "$1" "$OUT" || fail "$2: no '$1' on stdout"; }
expect_no_out() { ! grep -q -- "$1" "$OUT" || fail "$2: '$1' on stdout"; }
expect_err() { grep -q -- "$1" "$ERR" || fail "$2: no '$1' on stderr"; }
# Whether this replbench has fault points (libfiu): scenarios that arm one
# are SKIP without them, so checks of fault outcomes only hold with them.
have_fiu() { "$RB" --version | grep -q '^fault points: libfiu'; }
lines() { [ "$(wc -l <"$OUT")" -eq "$1" ] || fail "$2: $(wc -l <"$OUT") lines, expected $1"; }

# start NAME: $RB made absolute, a temp folder $T (removed at the end)
# holding $OUT and $ERR.
start() {
    case $RB in /*) ;; *) RB=$PWD/$RB ;; esac
    T=$(mktemp -d "${TMPDIR:-/tmp}/replbench-$1.XXXXXX") || exit 1
    trap 'rm -rf "$T"' EXIT
    trap 'exit 1' HUP INT TERM
    OUT=$T/out
    ERR=$T/err
}
