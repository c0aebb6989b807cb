/* replication.h: the replication registry, QEMU's replication API hardened
 * so that any state may be removed, and any state registered, from inside any
 * callback of any walk.  Owns registries and their states; depends on error.h
 * only.  Not thread-safe: like upstream, callers serialise access.  "Rule N"
 * below is walk rule N of the contract, docs/CONTRACT.md.
 */
#ifndef REPLBENCH_REPLICATION_H
#define REPLBENCH_REPLICATION_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

/* The fault point in every allocation of this library (registries, states,
 * errors).  Armed with libfiu when the library is built with FIU_ENABLE. */
#define REPLICATION_FAULT_ALLOC "registry/alloc"

typedef enum ReplicationMode {
    REPLICATION_MODE_PRIMARY,
    REPLICATION_MODE_SECONDARY,
    REPLICATION_MODE__MAX
} ReplicationMode;

typedef struct ReplicationOps ReplicationOps;
typedef struct ReplicationState ReplicationState;
typedef struct ReplicationRegistry ReplicationRegistry;

/* What a registered state does in each walk.  Any member may be NULL: the
 * state is then skipped by that walk (rule 2).  Each callback receives the
 * walk's mode or failover flag and a fresh NULL error; setting it fails the
 * walk (rule 3, see "Walks" below).  Returning without setting it counts as
 * success, whatever the callback did.
 *
 * Inside a callback it is safe to: remove any state of any registry
 * (replication_remove), register new states (replication_new*), start a
 * nested walk on any registry, and use error.h (rule 5).  It is a
 * programming error to free the registry being walked (rule 6). */
typedef void ReplicationStartFunc(ReplicationState *rs, ReplicationMode mode, Error **errp);
typedef void ReplicationStopFunc(ReplicationState *rs, bool failover, Error **errp);
typedef void ReplicationCheckpointFunc(ReplicationState *rs, Error **errp);
typedef void ReplicationGetErrorFunc(ReplicationState *rs, Error **errp);

#ifndef REPLBENCH_OPS_ORDER
struct ReplicationOps {
    ReplicationStartFunc *start;
    ReplicationStopFunc *stop;
    ReplicationCheckpointFunc *checkpoint;
    ReplicationGetErrorFunc *get_error;
};
#else
/* A build testing another implementation whose header orders the members
 * differently (a 2016 COLO fork: start, checkpoint, get_error, stop) lays
 * them out in its order (registry/compat/meson.build); use member names. */
#include "replication_ops_order.h"
#endif

/* A registered participant.  `opaque` and `ops` are the caller's and may be
 * read or changed at any time (a walk reads `ops` when it reaches the state).
 * The registry keeps its own bookkeeping out of sight, behind this struct.
 * Allocate only with replication_new*, release only with replication_remove
 * or by freeing the registry. */
struct ReplicationState {
    void *opaque;
    ReplicationOps *ops;
};

/* ---- Registries ----------------------------------------------------------
 * A simulated cluster has one registry per node.  The un-suffixed functions
 * further down act on the default registry, which always exists. */

/* A new, empty registry, or NULL when allocation fails (or the
 * "registry/alloc" point fires).  O(1).  Safe inside a callback. */
ReplicationRegistry *replication_registry_new(void);

/* Release every state still registered (their callbacks are not called),
 * then the registry.  NULL is a no-op.  The default registry is emptied but
 * stays usable.  Freeing a registry while one of its walks is running is a
 * programming error and aborts (rule 6).  O(states). */
void replication_registry_free(ReplicationRegistry *reg);

/* The process-wide registry that replication_new() and the *_all functions
 * without "_in" use.  Never NULL, never allocated. */
ReplicationRegistry *replication_default_registry(void);

/* Live states in reg: registered and not removed.  A state removed during a
 * walk stops counting at once, though its memory is released only when the
 * outermost walk of reg ends.  O(1).  Safe inside a callback. */
size_t replication_registry_count(const ReplicationRegistry *reg);

/* ---- States --------------------------------------------------------------- */

/* Register a state at the head of reg (walks visit the newest first, rule
 * 1).  Returns the state, or NULL when allocation fails (or the
 * "registry/alloc" point fires); on NULL the registry is unchanged.  `ops`
 * NULL is a programming error and aborts, as upstream asserts (rule 6); so
 * is `reg` NULL.
 * No duplicate check: registering the same ops twice gives two states.
 * O(1).  Safe inside a callback: the new state is not visited by any walk
 * already in progress, and is visited first by the next walk. */
ReplicationState *replication_new_in(ReplicationRegistry *reg, void *opaque,
                                     ReplicationOps *ops);

/* replication_new_in() on the default registry. */
ReplicationState *replication_new(void *opaque, ReplicationOps *ops);

/* Unregister rs from its registry; none of its callbacks is called again.
 * NULL is a no-op (rule 6).  O(1).  Safe inside any callback, for any
 * state: itself, one already visited, one not yet visited (that one is
 * then not called; rule 5).
 * rs must not be used afterwards.  Outside any walk of its registry its
 * memory is released at once; during one, when the outermost walk ends.
 * Removing a state twice is a programming error: aborted when it can still
 * be detected (during a walk), undefined otherwise, as upstream. */
void replication_remove(ReplicationState *rs);

/* ---- Walks -----------------------------------------------------------------
 * Each *_all calls one member of every state, with these rules (the walk
 * rules of docs/CONTRACT.md, which says what each means exactly):
 * 1. Newest registered first.
 * 2. Each state through this walk's member; states whose ops (or the member
 *    for this walk) is NULL are skipped.
 * 3. Each callback gets the walk's mode (start) or failover flag (stop) and
 *    a fresh NULL Error * of its own.  The first callback that sets it ends
 *    the walk: later states are not called, and the error goes to errp
 *    (first error wins if *errp is already set: the earlier one stays, the
 *    new one is freed), or is freed when errp is NULL; no Error is left
 *    over.  Nothing is rolled back: a partial start stays partial.  An empty
 *    registry is a successful no-op.
 * 4. A walk visits exactly the states registered when it began that have not
 *    been removed before their turn, each once, and removes none itself.
 * 5. Callbacks may remove and register states and start nested walks (which
 *    follow the same rules); see struct ReplicationOps.  A removed state's
 *    memory is released once no walk can reach it; nothing leaks.
 * 6. See replication_remove(NULL), replication_new_in(NULL ops) and
 *    replication_registry_free() during a walk.
 * Cost: O(states visited + states removed during the walk). */

void replication_start_all_in(ReplicationRegistry *reg, ReplicationMode mode,
                              Error **errp);
void replication_do_checkpoint_all_in(ReplicationRegistry *reg, Error **errp);
void replication_get_error_all_in(ReplicationRegistry *reg, Error **errp);
void replication_stop_all_in(ReplicationRegistry *reg, bool failover,
                             Error **errp);

/* The same walks on the default registry. */
void replication_start_all(ReplicationMode mode, Error **errp);
void replication_do_checkpoint_all(Error **errp);
void replication_get_error_all(Error **errp);
void replication_stop_all(bool failover, Error **errp);

#endif /* REPLBENCH_REPLICATION_H */
