/* replication.c: registries, their states and the four walks (replication.h).
 * Owns every state's memory and the list it lives on; calls back into the
 * caller only through ReplicationOps.  Depends on error.h and libfiu (opt.).
 *
 * Why removal during a walk is safe: a walk holds the state it is calling
 * and the one it will step to next.  The only danger is that a callback frees
 * either.  So while a registry has walkers (walks in progress, nested ones
 * included), replication_remove() unlinks the state at once but does not
 * free it: it marks it removed (reg = NULL) and parks it on the registry's
 * graveyard.  An unlinked state keeps its `next` link, and every link points
 * to an older state, so a walk standing on (or about to step onto) a removed
 * state skips it and still reaches every older live state: no live state can
 * sit between a state and the successor it had when it was unlinked, because
 * new states only ever go to the head.  When the outermost walk ends (walkers
 * drops to 0) the graveyard is freed; a nested walk never frees, its parent
 * will.  Removal is O(1), and so is each state's share of that sweep.
 * A state registered during a walk goes to the head, newer than anything a
 * walk in progress can still reach (rule 4).
 */
#include <stdio.h>
#include <stdlib.h>

#include "alloc.h"
#include "impl.h"
#include "replication.h"

typedef struct Node Node;

/* The private side of a state.  `pub` comes first so that a
 * ReplicationState pointer handed to the caller converts back to its Node.
 * Kept to five pointers (40 bytes): walks stream through these, and the
 * node size is most of what a walk costs next to a plain list. */
struct Node {
    ReplicationState pub;
    Node *next;                 /* towards older states; kept when removed */
    Node *prev;                 /* towards newer states, NULL at the head;
                                   the graveyard link once removed */
    ReplicationRegistry *reg;   /* NULL once removed */
};

struct ReplicationRegistry {
    Node *head;                 /* newest state */
    Node *graveyard;            /* removed, unlinked, awaiting the walks' end */
    size_t live;                /* registered and not removed */
    unsigned walkers;           /* walks of this registry in progress */
};

typedef enum Walk { WALK_START, WALK_STOP, WALK_CHECKPOINT, WALK_GET_ERROR } Walk;

static ReplicationRegistry default_registry;

const unsigned replication_extensions = REPLICATION_EXT_INSTANCES |
    REPLICATION_EXT_COUNT | REPLICATION_EXT_ALLOC_NULL | REPLICATION_EXT_FREE_WITH_STATES;

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

        CHECK(n->reg == NULL);
        reg->graveyard = n->prev;
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
    if (reg == NULL) {
        die("replication_remove", "state removed twice");
    }
    CHECK(reg->live > 0);
    reg->live--;
    unlink_node(reg, n);
    if (reg->walkers == 0) {
        free(n);
        return;
    }
    n->reg = NULL;
    n->prev = reg->graveyard;
    reg->graveyard = n;
}

/* Call member `w` of rs, if it has one.  Returns false when skipped. */
static inline bool call(ReplicationState *rs, Walk w, ReplicationMode mode,
                        bool failover, Error **errp)
{
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

/* The one walk behind the four *_all functions (rules in replication.h).
 * Inlined into each of them so that `w` is a constant and the switch in
 * call() folds away: the walk then costs what a plain list walk costs.
 * `next` is read before the callback, as upstream does, so the load overlaps
 * the call; it stays valid because nothing is freed while walkers > 0. */
static inline __attribute__((always_inline)) void
walk(ReplicationRegistry *reg, Walk w, ReplicationMode mode, bool failover,
     Error **errp)
{
    Node *n;
    Node *next;

    reg->walkers++;
    for (n = reg->head; n != NULL; n = next) {
        Error *local = NULL;

        next = n->next;
        if (n->reg == NULL || !call(&n->pub, w, mode, failover, &local)) {
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
