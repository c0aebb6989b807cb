/* impls/registries/deferred/replication.c: upstream QEMU's registry (one
 * static list, newest first, the six public functions) with its one hazard
 * fixed by deferring removal, written for replbench as the fix its users
 * would make (MIT, like the rest of replbench; not QEMU's code).
 *
 * Upstream's walk keeps the address of the next state while it calls the
 * current one, and replication_remove() frees at once: a callback that
 * removes the next state makes the walk read freed memory.  Here, while any
 * walk runs (nested ones included), a removed state is only marked: it stays
 * linked, so every walk's cursor and the state it steps to stay valid, and
 * walks skip it.  When the outermost walk ends, the marked states are
 * unlinked and freed.  A state registered during a walk goes to the head,
 * behind every cursor: no walk in progress visits it.
 * Expected verdict: every cell passes (impls/expected/deferred.txt). */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "replication.h"
#include "../walks.h"

static QLIST_HEAD(, ReplicationState) replication_states;
static unsigned walkers;        /* walks in progress, nested ones included */
static bool marked;             /* a state was removed during them */

ReplicationState *replication_new(void *opaque, ReplicationOps *ops)
{
    ReplicationState *rs;

    assert(ops != NULL);
    rs = g_new0(ReplicationState, 1);
    rs->opaque = opaque;
    rs->ops = ops;
    QLIST_INSERT_HEAD(&replication_states, rs, node);
    return rs;
}

static void release(ReplicationState *rs)
{
    QLIST_REMOVE(rs, node);
    g_free(rs);
}

void replication_remove(ReplicationState *rs)
{
    if (rs == NULL) {
        return;
    }
    if (walkers == 0) {
        release(rs);
        return;
    }
    rs->removed = true;
    marked = true;
}

/* After the outermost walk: free what was removed during it. */
static void sweep(void)
{
    ReplicationState *rs, *next;

    QLIST_FOREACH_SAFE(rs, &replication_states, node, next) {
        if (rs->removed) {
            release(rs);
        }
    }
    marked = false;
}

/* Newest first; the first error ends the walk and goes to errp. */
static void walk(Walk w, ReplicationMode mode, bool failover, Error **errp)
{
    ReplicationState *rs;
    Error *local_err = NULL;

    walkers++;
    QLIST_FOREACH(rs, &replication_states, node) {
        if (rs->removed) {
            continue;
        }
        call(rs, w, mode, failover, &local_err);
        if (local_err != NULL) {
            error_propagate(errp, local_err);
            break;
        }
    }
    walkers--;
    if (walkers == 0 && marked) {
        sweep();
    }
}
