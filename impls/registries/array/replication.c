/* impls/registries/array/replication.c: QEMU's replication API (global, the
 * six public functions) on an array of state pointers, oldest first, written
 * for replbench (MIT; not QEMU's code).
 *
 * A walk goes down the array by index from the last slot it saw at its
 * start, so states registered during it (appended past that slot) are not
 * visited, and reads each slot afresh, so growing the array under it is
 * harmless.  Removal frees the state at once and leaves a NULL hole that
 * walks skip; holes are closed up only when no walk runs, so indexes stay
 * put under every walk in progress.  Removal is O(n) (a search), walks
 * O(n), registration amortized O(1).
 * Expected verdict: every cell passes (impls/expected/array.txt). */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "replication.h"
#include "../walks.h"

static ReplicationState **slots;
static size_t nslots, capacity;
static unsigned walkers;        /* walks in progress, nested ones included */
static bool holes;              /* a slot was emptied during them */

ReplicationState *replication_new(void *opaque, ReplicationOps *ops)
{
    ReplicationState *rs;

    assert(ops != NULL);
    if (nslots == capacity) {
        capacity = capacity ? 2 * capacity : 16;
        slots = realloc(slots, capacity * sizeof(*slots));
        if (slots == NULL) {
            abort();            /* as GLib's allocator does */
        }
    }
    rs = g_new0(ReplicationState, 1);
    rs->opaque = opaque;
    rs->ops = ops;
    slots[nslots++] = rs;
    return rs;
}

/* Closes the holes, keeping the order. */
static void compact(void)
{
    size_t n = 0;

    for (size_t i = 0; i < nslots; i++) {
        if (slots[i] != NULL) {
            slots[n++] = slots[i];
        }
    }
    nslots = n;
    holes = false;
    if (nslots == 0) {
        free(slots);
        slots = NULL;
        capacity = 0;
    }
}

void replication_remove(ReplicationState *rs)
{
    size_t i = 0;

    if (rs == NULL) {
        return;
    }
    while (i < nslots && slots[i] != rs) {
        i++;
    }
    assert(i < nslots);         /* not registered: removed twice */
    slots[i] = NULL;
    g_free(rs);
    holes = true;
    if (walkers == 0) {
        compact();
    }
}

/* Newest (last) first; the first error ends the walk and goes to errp. */
static void walk(Walk w, ReplicationMode mode, bool failover, Error **errp)
{
    Error *local_err = NULL;

    walkers++;
    for (size_t i = nslots; i-- > 0;) {
        if (slots[i] == NULL) {
            continue;
        }
        call(slots[i], w, mode, failover, &local_err);
        if (local_err != NULL) {
            error_propagate(errp, local_err);
            break;
        }
    }
    walkers--;
    if (walkers == 0 && holes) {
        compact();
    }
}
