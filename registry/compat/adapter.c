/* compat/adapter.c: registry/replication.h (registries, count, free) on top
 * of an upstream-style implementation that keeps one static list.  The build
 * compiles that file COMPAT_COPIES times, its six public names renamed to
 * replication_g<i>_*; copy 0 is the default registry, the others are handed
 * out by replication_registry_new().  Upstream's code runs unchanged: its
 * states are what callers get (their opaque and ops come first, as in
 * ours), its walks call the callbacks, its removal frees at once.  What
 * upstream cannot tell is kept here, in a side table: which registry a
 * state is in, and the live count.  A state the implementation frees by
 * itself (through the stand-in g_free, compat/glib.c), as a fork whose
 * stop_all drops the states it stops does, leaves the table and the count
 * at once, so the contract checker sees the walk that dropped it; its
 * owner's later replication_remove is then not passed on (it would be a
 * double free, a consequence of that walk, not a second finding).  Owns
 * only that bookkeeping. */
#include <stdio.h>
#include <stdlib.h>

#include "free_hook.h"
#include "impl.h"
#include "replication.h"

#define COMPAT_COPIES 16
#define COMPAT_MAX_STATES 4096

typedef struct Copy {
    ReplicationState *(*new_state)(void *opaque, ReplicationOps *ops);
    void (*remove)(ReplicationState *rs);
    void (*start_all)(ReplicationMode mode, Error **errp);
    void (*do_checkpoint_all)(Error **errp);
    void (*get_error_all)(Error **errp);
    void (*stop_all)(bool failover, Error **errp);
} Copy;

#define DECLARE_COPY(i) \
    ReplicationState *replication_g##i##_new(void *opaque, ReplicationOps *ops); \
    void replication_g##i##_remove(ReplicationState *rs); \
    void replication_g##i##_start_all(ReplicationMode mode, Error **errp); \
    void replication_g##i##_do_checkpoint_all(Error **errp); \
    void replication_g##i##_get_error_all(Error **errp); \
    void replication_g##i##_stop_all(bool failover, Error **errp);

#define COPY(i) { replication_g##i##_new, replication_g##i##_remove, \
    replication_g##i##_start_all, replication_g##i##_do_checkpoint_all, \
    replication_g##i##_get_error_all, replication_g##i##_stop_all }

DECLARE_COPY(0) DECLARE_COPY(1) DECLARE_COPY(2) DECLARE_COPY(3)
DECLARE_COPY(4) DECLARE_COPY(5) DECLARE_COPY(6) DECLARE_COPY(7)
DECLARE_COPY(8) DECLARE_COPY(9) DECLARE_COPY(10) DECLARE_COPY(11)
DECLARE_COPY(12) DECLARE_COPY(13) DECLARE_COPY(14) DECLARE_COPY(15)

static const Copy copies[COMPAT_COPIES] = {
    COPY(0), COPY(1), COPY(2), COPY(3), COPY(4), COPY(5), COPY(6), COPY(7),
    COPY(8), COPY(9), COPY(10), COPY(11), COPY(12), COPY(13), COPY(14), COPY(15),
};

struct ReplicationRegistry {
    const Copy *copy;
    bool used;
    size_t live;
    unsigned walkers;
};

/* Which registry each live state is in; unordered, removal swaps in the last. */
typedef struct Entry {
    ReplicationState *rs;
    ReplicationRegistry *reg;
} Entry;

static ReplicationRegistry regs[COMPAT_COPIES];
static Entry table[COMPAT_MAX_STATES];
static size_t nentries;
/* States the implementation freed by itself, not yet removed by their owner. */
static const void *dropped[COMPAT_MAX_STATES];
static size_t ndropped;

/* The adapter offers instances, the count and freeing a registry with its
 * states (through upstream's own removal); upstream's g_new0 aborts rather
 * than return NULL, so not alloc-null. */
const unsigned replication_extensions = REPLICATION_EXT_INSTANCES |
    REPLICATION_EXT_COUNT | REPLICATION_EXT_FREE_WITH_STATES;

static void die(const char *func, const char *why)
{
    fprintf(stderr, "compat adapter: %s: %s\n", func, why);
    abort();
}

static ReplicationRegistry *reg_at(unsigned i)
{
    if (regs[i].copy == NULL) {
        regs[i].copy = &copies[i];
    }
    return &regs[i];
}

static size_t find(const ReplicationState *rs)
{
    for (size_t i = 0; i < nentries; i++) {
        if (table[i].rs == rs) {
            return i;
        }
    }
    return nentries;
}

/* The vacated slot is cleared: a removed state's address left in it would
 * keep memory the implementation leaked reachable to LeakSanitizer. */
static void forget(size_t i)
{
    table[i] = table[--nentries];
    table[nentries] = (Entry){ NULL, NULL };
}

/* Takes p out of the dropped states; whether it was one. */
static bool undrop(const void *p)
{
    for (size_t i = 0; i < ndropped; i++) {
        if (dropped[i] == p) {
            dropped[i] = dropped[--ndropped];
            dropped[ndropped] = NULL;
            return true;
        }
    }
    return false;
}

/* compat_free_hook: p is about to be freed by the implementation.  A state
 * the adapter still holds live was not removed through it. */
static void freed_by_impl(void *p)
{
    size_t i = find(p);

    if (i == nentries) {
        return;                 /* not a live state: its own memory, or removed */
    }
    table[i].reg->live--;
    forget(i);
    if (ndropped == COMPAT_MAX_STATES) {
        die("g_free", "more states freed by the implementation itself than the adapter holds");
    }
    dropped[ndropped++] = p;
}

ReplicationRegistry *replication_registry_new(void)
{
    for (unsigned i = 1; i < COMPAT_COPIES; i++) {
        if (!regs[i].used) {
            ReplicationRegistry *reg = reg_at(i);

            reg->used = true;
            reg->live = 0;
            reg->walkers = 0;
            return reg;
        }
    }
    return NULL;        /* every compiled copy is in use */
}

void replication_registry_free(ReplicationRegistry *reg)
{
    if (reg == NULL) {
        return;
    }
    if (reg->walkers != 0) {
        die("replication_registry_free", "registry freed during one of its walks");
    }
    for (size_t i = nentries; i-- > 0;) {
        if (table[i].reg == reg) {
            ReplicationState *rs = table[i].rs;

            forget(i);
            reg->copy->remove(rs);
        }
    }
    reg->live = 0;
    if (reg != &regs[0]) {
        reg->used = false;
    }
}

ReplicationRegistry *replication_default_registry(void)
{
    return reg_at(0);
}

size_t replication_registry_count(const ReplicationRegistry *reg)
{
    return reg->live;
}

ReplicationState *replication_new_in(ReplicationRegistry *reg, void *opaque,
                                     ReplicationOps *ops)
{
    ReplicationState *rs;

    if (reg == NULL) {
        die("replication_new", "registry is NULL");
    }
    if (nentries == COMPAT_MAX_STATES) {
        die("replication_new", "more live states than the adapter's table holds");
    }
    compat_free_hook = freed_by_impl;
    rs = reg->copy->new_state(opaque, ops);
    undrop(rs);                 /* the address of a dropped state, reused */
    table[nentries++] = (Entry){ rs, reg };
    reg->live++;
    return rs;
}

ReplicationState *replication_new(void *opaque, ReplicationOps *ops)
{
    return replication_new_in(replication_default_registry(), opaque, ops);
}

/* Removal goes to the copy that holds the state: an implementation may
 * need its own list head (a tail pointer, a walk depth, deferred frees, an
 * array), and only upstream's QLIST survives being handed another copy's
 * state.  A state the implementation freed by itself is not passed on (see
 * the top of this file).  A state the table does not know otherwise (NULL,
 * or removed already) goes to copy 0, whose removal then does what it does
 * with it: NULL is the implementation's to accept, a double removal stays
 * what it is, for the sanitizer to see. */
void replication_remove(ReplicationState *rs)
{
    size_t i = rs != NULL ? find(rs) : nentries;
    const Copy *copy = &copies[0];

    if (i == nentries && rs != NULL && undrop(rs)) {
        return;                 /* freed by the implementation already */
    }
    if (i < nentries) {
        copy = table[i].reg->copy;
        table[i].reg->live--;
        forget(i);
    }
    copy->remove(rs);
}

#define WALK(reg, call) do { \
    (reg)->walkers++; \
    call; \
    (reg)->walkers--; \
} while (0)

void replication_start_all_in(ReplicationRegistry *reg, ReplicationMode mode,
                              Error **errp)
{
    WALK(reg, reg->copy->start_all(mode, errp));
}

void replication_do_checkpoint_all_in(ReplicationRegistry *reg, Error **errp)
{
    WALK(reg, reg->copy->do_checkpoint_all(errp));
}

void replication_get_error_all_in(ReplicationRegistry *reg, Error **errp)
{
    WALK(reg, reg->copy->get_error_all(errp));
}

void replication_stop_all_in(ReplicationRegistry *reg, bool failover,
                             Error **errp)
{
    WALK(reg, reg->copy->stop_all(failover, errp));
}

void replication_start_all(ReplicationMode mode, Error **errp)
{
    replication_start_all_in(replication_default_registry(), mode, errp);
}

void replication_do_checkpoint_all(Error **errp)
{
    replication_do_checkpoint_all_in(replication_default_registry(), errp);
}

void replication_get_error_all(Error **errp)
{
    replication_get_error_all_in(replication_default_registry(), errp);
}

void replication_stop_all(bool failover, Error **errp)
{
    replication_stop_all_in(replication_default_registry(), failover, errp);
}
