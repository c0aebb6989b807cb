/* impls/registries/snapshot/replication.c: QEMU's replication API (global,
 * the six public functions) whose walks run over a snapshot, written for
 * replbench (MIT; not QEMU's code).
 *
 * A walk first copies the live states, newest first, into an array of its
 * own and pins each; then it calls those still not removed.  Removal unlinks
 * a state at once and frees it when no snapshot pins it any more, so a
 * callback may remove any state, in any walk, nested or not, and no walk
 * reads freed memory.  States registered during a walk are not in its
 * snapshot.  Each walk allocates O(n); removal is O(1).
 * Its header orders ReplicationOps as 2016 COLO forks did (replication.h).
 * Expected verdict: every cell passes (impls/expected/snapshot.txt). */
#include "replication.h"
#include "../walks.h"

static QLIST_HEAD(, ReplicationState) replication_states;
static size_t live;

ReplicationState *replication_new(void *opaque, ReplicationOps *ops)
{
    ReplicationState *rs;

    assert(ops != NULL);
    rs = g_new0(ReplicationState, 1);
    rs->opaque = opaque;
    rs->ops = ops;
    QLIST_INSERT_HEAD(&replication_states, rs, node);
    live++;
    return rs;
}

void replication_remove(ReplicationState *rs)
{
    if (rs == NULL) {
        return;
    }
    QLIST_REMOVE(rs, node);
    live--;
    rs->removed = true;
    if (rs->pins == 0) {
        g_free(rs);
    }
}

/* The live states, newest first, each pinned; *n of them. */
static ReplicationState **take_snapshot(size_t *n)
{
    ReplicationState **snap = g_new(ReplicationState *, live);
    ReplicationState *rs;
    size_t i = 0;

    QLIST_FOREACH(rs, &replication_states, node) {
        rs->pins++;
        snap[i++] = rs;
    }
    *n = i;
    return snap;
}

static void drop_snapshot(ReplicationState **snap, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (--snap[i]->pins == 0 && snap[i]->removed) {
            g_free(snap[i]);
        }
    }
    g_free(snap);
}

/* The first error ends the walk and goes to errp. */
static void walk(Walk w, ReplicationMode mode, bool failover, Error **errp)
{
    Error *local_err = NULL;
    size_t n;
    ReplicationState **snap = take_snapshot(&n);

    for (size_t i = 0; i < n; i++) {
        if (snap[i]->removed) {
            continue;
        }
        call(snap[i], w, mode, failover, &local_err);
        if (local_err != NULL) {
            error_propagate(errp, local_err);
            break;
        }
    }
    drop_snapshot(snap, n);
}
