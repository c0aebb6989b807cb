/* naive_replication.c: WRONG ON PURPOSE.  DO NOT USE, DO NOT FIX, DO NOT LINK
 * INTO ANYTHING BUT THE CANARY BUILD OF THE fuzz_registry HARNESS.
 *
 * This is a canary: a deliberately naive replication registry that behaves
 * the way upstream QEMU's replication.c does, hazards included, so that we
 * can prove the fuzz_registry harness is able to find a real bug.  The
 * harness linked against this file must report a heap-use-after-free (or a
 * violation of the contract in replication.h) within seconds.  If it runs
 * clean, the harness is broken, not this file.  Never "fix" it: a correct
 * canary proves nothing.
 *
 * What is wrong here, on purpose (the contract in replication.h forbids all
 * of it; registry/replication.c, the real registry, does none of it):
 * - a walk protects only the state it is calling: it reads the next state's
 *   pointer before the callback and steps to it afterwards, whatever the
 *   callback did (a "foreach, safe against removing the current element");
 * - replication_remove() unlinks and frees at once, even during a walk, so a
 *   callback that removes the state after its own (the older one the walk
 *   will visit next) makes the walk read freed memory;
 * - removing a state twice is a double free, detected by nothing here;
 * - freeing a registry during one of its walks is not detected.
 * What it keeps from the contract, so that only the walk hazards differ:
 * insertion at the head (newest first), NULL ops or NULL registry abort,
 * skipping NULL ops and members, first error ends the walk, a live count per
 * registry, a static default registry, and the "registry/alloc" fault point
 * (built with FIU_ENABLE) making replication_new*() and
 * replication_registry_new() return NULL without changing anything.
 *
 * Owns nothing but its own states and registries; error.h comes from the
 * real registry/error.c, linked beside it.  Not thread-safe.
 */
#include <stdio.h>
#include <stdlib.h>

#include "impl.h"
#include "replication.h"

#ifdef FIU_ENABLE
#include <fiu.h>
#endif

typedef struct NaiveState NaiveState;

/* `pub` first: a ReplicationState pointer converts back to its NaiveState. */
struct NaiveState {
    ReplicationState pub;
    NaiveState *next;           /* older */
    NaiveState *prev;           /* newer; NULL at the head */
    ReplicationRegistry *reg;
};

struct ReplicationRegistry {
    NaiveState *head;           /* newest */
    size_t live;
};

static ReplicationRegistry default_registry;

/* What it offers beyond upstream (registry/impl.h): all of it; only the
 * walk hazards differ. */
const unsigned replication_extensions = REPLICATION_EXT_INSTANCES |
    REPLICATION_EXT_COUNT | REPLICATION_EXT_ALLOC_NULL | REPLICATION_EXT_FREE_WITH_STATES;

static void die(const char *func, const char *why)
{
    fprintf(stderr, "naive_replication (canary): %s: %s\n", func, why);
    abort();
}

/* NULL when the fault point fires; an out-of-memory abort otherwise, as
 * upstream's g_new0 does.  Zero-filled, like g_new0. */
static void *alloc0(size_t size)
{
    void *p;

#ifdef FIU_ENABLE
    if (fiu_fail(REPLICATION_FAULT_ALLOC) != 0) {
        return NULL;
    }
#endif
    p = calloc(1, size);
    if (p == NULL) {
        die("alloc0", "out of memory");
    }
    return p;
}

ReplicationRegistry *replication_registry_new(void)
{
    return alloc0(sizeof(ReplicationRegistry));
}

void replication_registry_free(ReplicationRegistry *reg)
{
    NaiveState *s;

    if (reg == NULL) {
        return;
    }
    while ((s = reg->head) != NULL) {
        reg->head = s->next;
        free(s);
    }
    reg->live = 0;
    if (reg != &default_registry) {
        free(reg);
    }
}

ReplicationRegistry *replication_default_registry(void)
{
    return &default_registry;
}

size_t replication_registry_count(const ReplicationRegistry *reg)
{
    return reg->live;
}

ReplicationState *replication_new_in(ReplicationRegistry *reg, void *opaque,
                                     ReplicationOps *ops)
{
    NaiveState *s;

    if (reg == NULL) {
        die("replication_new", "registry is NULL");
    }
    if (ops == NULL) {
        die("replication_new", "ops is NULL");
    }
    s = alloc0(sizeof(*s));
    if (s == NULL) {
        return NULL;
    }
    s->pub.opaque = opaque;
    s->pub.ops = ops;
    s->reg = reg;
    s->next = reg->head;
    if (reg->head != NULL) {
        reg->head->prev = s;
    }
    reg->head = s;
    reg->live++;
    return &s->pub;
}

ReplicationState *replication_new(void *opaque, ReplicationOps *ops)
{
    return replication_new_in(&default_registry, opaque, ops);
}

/* Unlink and free at once: the canary's use-after-free when a walk has
 * already read a pointer to rs as its next state. */
void replication_remove(ReplicationState *rs)
{
    NaiveState *s = (NaiveState *)rs;

    if (s == NULL) {
        return;
    }
    if (s->prev != NULL) {
        s->prev->next = s->next;
    } else {
        s->reg->head = s->next;
    }
    if (s->next != NULL) {
        s->next->prev = s->prev;
    }
    s->reg->live--;
    free(s);
}

typedef enum Walk { WALK_START, WALK_STOP, WALK_CHECKPOINT, WALK_GET_ERROR } Walk;

/* Call member `w` of rs if it has one; *local is set when it fails. */
static void call(ReplicationState *rs, Walk w, ReplicationMode mode,
                 bool failover, Error **local)
{
    const ReplicationOps *ops = rs->ops;

    if (ops == NULL) {
        return;
    }
    if (w == WALK_START && ops->start != NULL) {
        ops->start(rs, mode, local);
    } else if (w == WALK_STOP && ops->stop != NULL) {
        ops->stop(rs, failover, local);
    } else if (w == WALK_CHECKPOINT && ops->checkpoint != NULL) {
        ops->checkpoint(rs, local);
    } else if (w == WALK_GET_ERROR && ops->get_error != NULL) {
        ops->get_error(rs, local);
    }
}

/* The deliberate hazard: `next` is saved before the callback and followed
 * afterwards, with nothing to keep it alive. */
static void walk(ReplicationRegistry *reg, Walk w, ReplicationMode mode,
                 bool failover, Error **errp)
{
    NaiveState *s;
    NaiveState *next;

    for (s = reg->head; s != NULL; s = next) {
        Error *local = NULL;

        next = s->next;
        call(&s->pub, w, mode, failover, &local);
        if (local != NULL) {
            error_propagate(errp, local);
            return;
        }
    }
}

void replication_start_all_in(ReplicationRegistry *reg, ReplicationMode mode,
                              Error **errp)
{
    walk(reg, WALK_START, mode, false, errp);
}

void replication_do_checkpoint_all_in(ReplicationRegistry *reg, Error **errp)
{
    walk(reg, WALK_CHECKPOINT, REPLICATION_MODE_PRIMARY, false, errp);
}

void replication_get_error_all_in(ReplicationRegistry *reg, Error **errp)
{
    walk(reg, WALK_GET_ERROR, REPLICATION_MODE_PRIMARY, false, errp);
}

void replication_stop_all_in(ReplicationRegistry *reg, bool failover,
                             Error **errp)
{
    walk(reg, WALK_STOP, REPLICATION_MODE_PRIMARY, failover, errp);
}

void replication_start_all(ReplicationMode mode, Error **errp)
{
    replication_start_all_in(&default_registry, mode, errp);
}

void replication_do_checkpoint_all(Error **errp)
{
    replication_do_checkpoint_all_in(&default_registry, errp);
}

void replication_get_error_all(Error **errp)
{
    replication_get_error_all_in(&default_registry, errp);
}

void replication_stop_all(bool failover, Error **errp)
{
    replication_stop_all_in(&default_registry, failover, errp);
}
