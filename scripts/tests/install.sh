#!/bin/sh
# install.sh: what `meson install` gives a user.  Installs the build into a
# DESTDIR, then: a small program built against the installed pkg-config
# file (replbench-registry) walks a registry and removes a state from its
# own callback; the installed replbench, found on PATH, runs a scenario, and
# the reproduce command a failure prints (`replbench run ...`) runs as it is
# and fails the same way; another meson project uses replbench as a
# subproject through dependency('replbench-registry') and
# find_program('replbench').
# Usage: sh install.sh BUILD_DIR SOURCE_DIR CC [CFLAG...]
set -u

BUILD=${1:?usage: install.sh BUILD_DIR SOURCE_DIR CC [CFLAG...]}
SRC=${2:?usage: install.sh BUILD_DIR SOURCE_DIR CC [CFLAG...]}
CC=${3:?usage: install.sh BUILD_DIR SOURCE_DIR CC [CFLAG...]}
shift 3
T=$(mktemp -d "${TMPDIR:-/tmp}/replbench-install.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
trap 'exit 1' HUP INT TERM

fail() {
    echo "FAIL: $*" >&2
    [ -f "$T/log" ] && tail -n 30 "$T/log" >&2
    exit 1
}

meson install -C "$BUILD" --no-rebuild --destdir "$T/dest" >"$T/log" 2>&1 \
    || fail "meson install --destdir"
PREFIX=$(meson introspect "$BUILD" --buildoptions \
    | python3 -c 'import json,sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"]=="prefix"))')
ROOT=$T/dest$PREFIX
PC=$(find "$ROOT" -name replbench-registry.pc | head -n 1)
[ -n "$PC" ] || fail "no replbench-registry.pc under $ROOT"
for f in bin/replbench include/replbench/replication.h include/replbench/error.h; do
    [ -e "$ROOT/$f" ] || fail "not installed: $PREFIX/$f"
done
echo "ok - installed: bin/replbench, the library, headers and $(basename "$PC")"

# A program of a user's: the headers as the .pc file says, the library.
cat >"$T/user.c" <<'C'
#include <stdio.h>
#include "replication.h"

static int calls;

static void stop_and_leave(ReplicationState *rs, bool failover, Error **errp)
{
    (void)failover;
    (void)errp;
    calls++;
    replication_remove(rs);
}

int main(void)
{
    static ReplicationOps ops = { .stop = stop_and_leave };
    ReplicationRegistry *reg = replication_registry_new();
    Error *err = NULL;

    if (!reg || !replication_new_in(reg, NULL, &ops) || !replication_new_in(reg, NULL, &ops))
        return 1;
    replication_stop_all_in(reg, false, &err);
    printf("calls=%d left=%zu err=%s\n", calls, replication_registry_count(reg),
           err ? error_get_pretty(err) : "none");
    error_free(err);
    replication_registry_free(reg);
    return calls == 2 ? 0 : 1;
}
C
FLAGS=$(PKG_CONFIG_PATH=$(dirname "$PC") PKG_CONFIG_SYSROOT_DIR=$T/dest \
    pkg-config --cflags --libs --static replbench-registry) || fail "pkg-config replbench-registry"
# shellcheck disable=SC2086
"$CC" "$@" -o "$T/user" "$T/user.c" $FLAGS >"$T/log" 2>&1 \
    || fail "$CC $* user.c $FLAGS"
"$T/user" >"$T/out" 2>&1 || { cat "$T/out"; fail "the user's program"; }
grep -qx "calls=2 left=0 err=none" "$T/out" || { cat "$T/out"; fail "the user's program: wrong output"; }
echo "ok - a program built with pkg-config replbench-registry ($FLAGS) runs"

# replbench on PATH; its failure's reproduce line is a command that works.
PATH=$ROOT/bin:$PATH
export PATH
[ "$(command -v replbench)" = "$ROOT/bin/replbench" ] || fail "replbench is not the installed one"
replbench --version >"$T/log" 2>&1 || fail "replbench --version"
printf 'state name=a\nstate name=b\nwalk kind=stop\nexpect count=%s\n' 2 >"$T/passes.scn"
printf 'state name=a\nstate name=b\nwalk kind=stop\nexpect count=%s\n' 3 >"$T/fails.scn"
replbench run "$T/passes.scn" >"$T/log" 2>&1 || fail "installed replbench run: exit $?"
replbench run "$T/fails.scn" >"$T/out" 2>&1
[ $? -eq 1 ] || { cat "$T/out"; fail "a failing scenario: exit status, expected 1"; }
REPRO=$(sed -n 's/^ *reproduce: //p' "$T/out" | head -n 1)
case "$REPRO" in
replbench\ *) ;;
*) cat "$T/out"; fail "no 'reproduce: replbench ...' line" ;;
esac
sh -c "$REPRO" >"$T/again" 2>&1
[ $? -eq 1 ] || { cat "$T/again"; fail "the reproduce command ($REPRO) did not fail"; }
[ "$(head -n 1 "$T/out")" = "$(head -n 1 "$T/again")" ] || fail "the reproduce command failed differently"
echo "ok - the installed replbench is on PATH and its reproduce command works: $REPRO"

# Another meson project with replbench as a subproject (the user's own
# compiler and options: no sanitizer flags needed).
mkdir -p "$T/proj/subprojects"
ln -s "$SRC" "$T/proj/subprojects/replbench"
cp "$T/user.c" "$T/proj/user.c"
cat >"$T/proj/meson.build" <<'MESON'
project('user', 'c')
registry = dependency('replbench-registry', fallback: 'replbench')
replbench = find_program('replbench')
executable('user', 'user.c', dependencies: registry)
run_target('replbench-version', command: [replbench, '--version'])
MESON
meson setup "$T/proj/build" "$T/proj" >"$T/log" 2>&1 || fail "meson setup of a project using the subproject"
ninja -C "$T/proj/build" user >"$T/log" 2>&1 || fail "ninja user (the subproject's registry)"
"$T/proj/build/user" >"$T/out" 2>&1 || { cat "$T/out"; fail "the subproject user's program"; }
ninja -C "$T/proj/build" replbench-version >"$T/log" 2>&1 \
    || fail "find_program('replbench') from the subproject does not run"
grep -q "replbench" "$T/log" || fail "replbench --version through the subproject printed no version"
echo "ok - as a subproject: dependency('replbench-registry') and find_program('replbench')"
