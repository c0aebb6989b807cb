/* replication.c: registries, their states and the four walks (replication.h).
 * Owns every state's memory and the list it lives on; calls back into the
 * caller only through ReplicationOps.  Depends on error.h and libfiu (opt.).
 *
 * Why removal during a walk is safe: a walk holds a pointer to the state it
 * is calling, and moves on through that state's `next` link afterwards.  The
 * only danger is that a callback frees the state the walk stands on (or the
 * one it will step to).  So while a registry has walkers (walks in progress,
 * nested ones included), replication_remove() does not unlink or free: it
 * marks the state removed (a tombstone), so every walk skips it, and puts it
 * on the registry's graveyard.  Links of tombstones stay intact, so no walk
 * can step onto freed memory.  When the outermost walk ends (walkers drops to
 * 0) the graveyard is unlinked and freed; a nested walk never frees, its
 * parent will.  Each removal is O(1) and is paid for once in that sweep.
 * A state registered during a walk goes to the head of the list, behind every
 * cursor, so no walk in progress reaches it (rule 4).
 */
#include <stdio.h>
#include <stdlib.h>

#include "alloc.h"
#include "replication.h"

typedef struct Node Node;

/* The private side of a state.  `pub` comes first so that a
 * ReplicationState pointer handed to the caller converts back to its Node. */
struct Node {
    ReplicationState pub;
    Node *next;                 /* towards older states */
    Node *prev;                 /* towards newer states; NULL at the head */
    Node *next_dead;            /* graveyard link, valid while removed */
    ReplicationRegistry *reg;
    bool removed;
};

struct ReplicationRegistry {
    Node *head;                 /* newest state */
    Node *graveyard;            /* tombstones awaiting the end of the walks */
    size_t live;                /* registered and not removed */
    unsigned walkers;           /* walks of this registry in progress */
};

typedef enum Walk { WALK_START, WALK_STOP, WALK_CHECKPOINT, WALK_GET_ERROR } Walk;

static ReplicationRegistry default_registry;

static void die(const char *func, const char *why)
{
    fprintf(stderr, "replication: %s: %s\n", func, why);
    abort();
}

/* Invariants stay checked in every build (STYLE rule 9). */
#define CHECK(cond) \
    ((cond) ? (void)0 : die(__func__, "invariant failed: " #cond))

static Node *node_of(ReplicationState *rs)
{
    return (Node *)rs;
}

static void unlink_node(ReplicationRegistry *reg, Node *n)
{
    if (n->prev != NULL) {
        n->prev->next = n->next;
    } else {
        reg->head = n->next;
    }
    if (n->next != NULL) {
        n->next->prev = n->prev;
    }
}

/* Runs when the outermost walk of reg ends: no cursor points anywhere now. */
static void sweep(ReplicationRegistry *reg)
{
    while (reg->graveyard != NULL) {
        Node *n = reg->graveyard;

        CHECK(n->removed);
        reg->graveyard = n->next_dead;
        unlink_node(reg, n);
        free(n);
    }
}

ReplicationRegistry *replication_registry_new(void)
{
    ReplicationRegistry *reg = registry_alloc(sizeof(*reg));

    if (reg != NULL) {
        *reg = (ReplicationRegistry){ 0 };
    }
    return reg;
}

void replication_registry_free(ReplicationRegistry *reg)
{
    if (reg == NULL) {
        return;
    }
    if (reg->walkers != 0) {
        die("replication_registry_free", "registry freed during one of its walks");
    }
    while (reg->head != NULL) {
        Node *n = reg->head;

        reg->head = n->next;
        free(n);
    }
    reg->live = 0;
    reg->graveyard = NULL;
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
    Node *n;

    if (reg == NULL || ops == NULL) {
        die("replication_new", reg == NULL ? "registry is NULL" : "ops is NULL");
    }
    n = registry_alloc(sizeof(*n));
    if (n == NULL) {
        return NULL;
    }
    *n = (Node){ .pub = { opaque, ops }, .next = reg->head, .reg = reg };
    if (reg->head != NULL) {
        reg->head->prev = n;
    }
    reg->head = n;
    reg->live++;
    return &n->pub;
}

ReplicationState *replication_new(void *opaque, ReplicationOps *ops)
{
    return replication_new_in(&default_registry, opaque, ops);
}

void replication_remove(ReplicationState *rs)
{
    Node *n;
    ReplicationRegistry *reg;

    if (rs == NULL) {
        return;
    }
    n = node_of(rs);
    reg = n->reg;
    if (n->removed) {
        die("replication_remove", "state removed twice");
    }
    CHECK(reg->live > 0);
    reg->live--;
    if (reg->walkers == 0) {
        unlink_node(reg, n);
        free(n);
        return;
    }
    n->removed = true;
    n->next_dead = reg->graveyard;
    reg->graveyard = n;
}

/* Call member `w` of n, if it has one.  Returns false when skipped. */
static bool call(Node *n, Walk w, ReplicationMode mode, bool failover,
                 Error **errp)
{
    ReplicationState *rs = &n->pub;
    const ReplicationOps *ops = rs->ops;

    if (ops == NULL) {
        return false;
    }
    switch (w) {
    case WALK_START:
        if (ops->start == NULL) {
            return false;
        }
        ops->start(rs, mode, errp);
        return true;
    case WALK_STOP:
        if (ops->stop == NULL) {
            return false;
        }
        ops->stop(rs, failover, errp);
        return true;
    case WALK_CHECKPOINT:
        if (ops->checkpoint == NULL) {
            return false;
        }
        ops->checkpoint(rs, errp);
        return true;
    default:
        if (ops->get_error == NULL) {
            return false;
        }
        ops->get_error(rs, errp);
        return true;
    }
}

/* The one walk behind the four *_all functions (rules in replication.h). */
static void walk(ReplicationRegistry *reg, Walk w, ReplicationMode mode,
                 bool failover, Error **errp)
{
    Node *n;

    reg->walkers++;
    for (n = reg->head; n != NULL; n = n->next) {
        Error *local = NULL;

        if (n->removed || !call(n, w, mode, failover, &local)) {
            continue;
        }
        if (local != NULL) {
            error_propagate(errp, local);
            break;
        }
    }
    reg->walkers--;
    if (reg->walkers == 0) {
        sweep(reg);
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
