#!/bin/sh
# layout.sh: what `meson setup -Dregistry_api=global` makes of an
# implementation's headers, on small ones written here (ours, not QEMU's):
# each of the header layouts QEMU's replication code has had configures with
# the stand-ins alone (2016: the header includes only qemu/queue.h; 2016
# COLO forks: only sysemu/sysemu.h, ReplicationOps reordered, which the
# bench then lays out in that order; 2021+: block/replication.h, none
# beside the file; a QEMU checkout whose qemu/osdep.h needs the generated
# config-host.h, with -Dregistry_include, its own header used), and what
# the adapter cannot honour is refused with a message naming it.  Only
# configures: whole builds on real files are scripts/test-impl.sh corpus.
# Usage: sh layout.sh SOURCE_DIR
set -u

SRC=${1:?usage: layout.sh SOURCE_DIR}
T=$(mktemp -d "${TMPDIR:-/tmp}/replbench-layout.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
trap 'exit 1' HUP INT TERM
failed=0

# header DIR/NAME INCLUDE STATE_MEMBERS OPS_MEMBERS: an API header.
header() {
    mkdir -p "$(dirname "$T/$1")"
    cat >"$T/$1" <<EOF
#ifndef LAYOUT_TEST_REPLICATION_H
#define LAYOUT_TEST_REPLICATION_H
#include "$2"
typedef struct ReplicationOps ReplicationOps;
typedef struct ReplicationState ReplicationState;
struct ReplicationState {
$3
};
struct ReplicationOps {
$4
};
ReplicationState *replication_new(void *opaque, ReplicationOps *ops);
void replication_remove(ReplicationState *rs);
void replication_start_all(ReplicationMode mode, Error **errp);
void replication_do_checkpoint_all(Error **errp);
void replication_get_error_all(Error **errp);
void replication_stop_all(bool failover, Error **errp);
#endif
EOF
}

# impl DIR INCLUDE...: a file that includes those (the checks only compile).
impl() {
    local d=$1
    shift
    mkdir -p "$T/$d"
    : >"$T/$d/replication.c"
    for inc in "$@"; do
        echo "#include \"$inc\"" >>"$T/$d/replication.c"
    done
}

STATE='    void *opaque;
    ReplicationOps *ops;
    QLIST_ENTRY(ReplicationState) node;'
START='    void (*start)(ReplicationState *rs, ReplicationMode mode, Error **errp);'
STOP='    void (*stop)(ReplicationState *rs, bool failover, Error **errp);'
CHECKPOINT='    void (*checkpoint)(ReplicationState *rs, Error **errp);'
GET_ERROR='    void (*get_error)(ReplicationState *rs, Error **errp);'
nl='
'
OPS="$START$nl$STOP$nl$CHECKPOINT$nl$GET_ERROR"

# setup NAME [OPTION...]: configures $T/NAME/replication.c; status and log.
setup() {
    local name=$1
    shift
    meson setup "$T/build-$name" "$SRC" -Dregistry_api=global \
        -Dregistry_impl="$T/$name/replication.c" "$@" >"$T/$name.log" 2>&1
}

ok() { echo "ok - $*"; }
not_ok() {
    echo "not ok - $*"
    failed=1
}

# configures NAME ORDER [OPTION...]: configures, with ReplicationOps laid out
# in ORDER ("default": ours, no generated header).
configures() {
    local name=$1 order=$2 gen
    shift 2
    if ! setup "$name" "$@"; then
        not_ok "$name does not configure:"
        grep -E 'ERROR|error' "$T/$name.log" | head -n 5
        return
    fi
    gen=$T/build-$name/registry/compat/replication_ops_order.h
    if [ "$order" = default ]; then
        [ ! -e "$gen" ] && ok "$name configures, ReplicationOps as ours" ||
            not_ok "$name: a reordered ReplicationOps was generated"
        return
    fi
    got=$(sed -n 's/^ *Replication[A-Za-z]*Func \*\([a-z_]*\);$/\1/p' "$gen" 2>/dev/null | tr '\n' ' ')
    if [ "$got" = "$order " ] && grep -q "orders ReplicationOps as" "$T/$name.log"; then
        ok "$name configures, the bench's ReplicationOps laid out as $order"
    else
        not_ok "$name: ReplicationOps laid out as '$got', want '$order '"
    fi
}

# refused NAME TEXT: configuring fails, the message contains TEXT.
refused() {
    if setup "$1"; then
        not_ok "$1 configures; it must be refused"
    elif grep -qF -- "$2" "$T/$1.log"; then
        ok "$1 is refused: $(grep -m1 -oF -- "$2" "$T/$1.log")"
    else
        not_ok "$1 is refused without naming '$2':"
        grep -E 'ERROR' "$T/$1.log" | head -n 3
    fi
}

# 2016: the header includes only qemu/queue.h; ReplicationMode comes
# through qapi/error.h, which the file includes first.
header h2016/replication.h qemu/queue.h "$STATE" "$OPS"
impl h2016 qemu/osdep.h qapi/error.h replication.h
configures h2016 default

# A 2016 COLO fork: only sysemu/sysemu.h, members reordered, the file
# includes nothing else.
header colo/replication.h sysemu/sysemu.h "$STATE" "$START$nl$CHECKPOINT$nl$GET_ERROR$nl$STOP"
impl colo replication.h
configures colo "start checkpoint get_error stop"

# 2021+: block/replication.h, no header of its own: the stand-in's.
impl bare qemu/osdep.h qapi/error.h block/replication.h
configures bare default

# A QEMU checkout: its qemu/osdep.h needs config-host.h (the stand-in's
# wins), its block/replication.h is the one used (its order proves it).
impl tree qemu/osdep.h qapi/error.h block/replication.h
mkdir -p "$T/tree/include/qemu"
echo '#include "config-host.h"' >"$T/tree/include/qemu/osdep.h"
header tree/include/block/replication.h qemu/queue.h "$STATE" \
    "$STOP$nl$START$nl$CHECKPOINT$nl$GET_ERROR"
configures tree "stop start checkpoint get_error" -Dregistry_include="$T/tree/include"

# What the adapter cannot honour.
impl missing qemu/osdep.h qapi/error.h replication.h
header missing/replication.h qemu/queue.h "$STATE" "$START$nl$STOP$nl$CHECKPOINT"
refused missing "has no member \`get_error\`"
impl extra qemu/osdep.h qapi/error.h replication.h
header extra/replication.h qemu/queue.h "$STATE" "$OPS$nl    void (*resume)(ReplicationState *rs);"
refused extra "members beyond start, stop, checkpoint and get_error"
impl swapped qemu/osdep.h qapi/error.h replication.h
header swapped/replication.h qemu/queue.h \
    "    ReplicationOps *ops;$nl    void *opaque;$nl    QLIST_ENTRY(ReplicationState) node;" "$OPS"
refused swapped "does not begin with \`void *opaque; ReplicationOps *ops;\`"
impl typed qemu/osdep.h qapi/error.h replication.h
header typed/replication.h qemu/queue.h "$STATE" \
    "$START$nl    void (*stop)(ReplicationState *rs, Error **errp);$nl$CHECKPOINT$nl$GET_ERROR"
refused typed "member \`stop\` is not of type void (*)(ReplicationState *, bool, Error **)"
impl broken qemu/osdep.h no/such/header.h
refused broken "does not compile with replbench's stand-in QEMU headers"

exit "$failed"
