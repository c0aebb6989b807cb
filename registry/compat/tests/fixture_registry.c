/* fixture_registry.c: a test fixture for compat/adapter.c, not a registry
 * to use.  Upstream-style (one static list, the six public names), built
 * 16 times like any global-API implementation, but its removal checks that
 * the state is in its own copy's list and aborts otherwise: an adapter that
 * hands a state to another copy is caught at once, where upstream's QLIST
 * would not notice.  Written against the stand-in headers only (no header
 * beside it: compat/fallback/block/replication.h is the one it gets), and
 * uses ERRP_GUARD so that its walks test *errp directly.  Like a fork of
 * QEMU's, its stop walk removes (frees) each state whose opaque is a string
 * beginning with '!' once that state has stopped.  Two more ways of real
 * implementations, chosen by the opaque's second character: '~' removes
 * without freeing (a leak, for LeakSanitizer to see), '=' takes the state
 * from a slab of one, so the next '=' state gets the same address, as any
 * allocator may hand a freed address out again (its "free" tells the
 * adapter as g_free does). */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "block/replication.h"
#include "free_hook.h"

static QLIST_HEAD(, ReplicationState) states = QLIST_HEAD_INITIALIZER(states);
static ReplicationState slab;

static char kind(const ReplicationState *rs)
{
    const char *label = rs->opaque;

    return label != NULL && label[0] != '\0' ? label[1] : '\0';
}

ReplicationState *replication_new(void *opaque, ReplicationOps *ops)
{
    const char *label = opaque;
    ReplicationState *rs;

    assert(ops != NULL);
    if (label != NULL && label[0] != '\0' && label[1] == '=') {
        assert(slab.ops == NULL);
        rs = &slab;
    } else {
        rs = g_new0(ReplicationState, 1);
    }
    rs->opaque = opaque;
    rs->ops = ops;
    QLIST_INSERT_HEAD(&states, rs, node);
    return rs;
}

static bool mine(const ReplicationState *rs)
{
    const ReplicationState *x;

    QLIST_FOREACH(x, &states, node) {
        if (x == rs) {
            return true;
        }
    }
    return false;
}

void replication_remove(ReplicationState *rs)
{
    if (rs == NULL) {
        return;
    }
    if (!mine(rs)) {
        fprintf(stderr, "fixture_registry: %s: state %p is not in this copy's list\n",
                __func__, (void *)rs);
        abort();
    }
    QLIST_REMOVE(rs, node);
    if (rs == &slab) {
        if (compat_free_hook != NULL) {
            compat_free_hook(rs);
        }
        slab = (ReplicationState){ 0 };
    } else if (kind(rs) != '~') {
        g_free(rs);
    }
}

/* One walk for all four: calls `call` on each state with a member for it. */
typedef void Call(ReplicationState *rs, const void *arg, Error **errp);

static void walk(Call *call, const void *arg, Error **errp)
{
    ERRP_GUARD();
    ReplicationState *rs, *next;

    QLIST_FOREACH_SAFE(rs, &states, node, next) {
        call(rs, arg, errp);
        if (*errp != NULL) {
            return;
        }
    }
}

static void call_start(ReplicationState *rs, const void *arg, Error **errp)
{
    if (rs->ops != NULL && rs->ops->start != NULL) {
        rs->ops->start(rs, *(const ReplicationMode *)arg, errp);
    }
}

static void call_stop(ReplicationState *rs, const void *arg, Error **errp)
{
    if (rs->ops != NULL && rs->ops->stop != NULL) {
        rs->ops->stop(rs, *(const bool *)arg, errp);
    }
}

static void call_checkpoint(ReplicationState *rs, const void *arg, Error **errp)
{
    (void)arg;
    if (rs->ops != NULL && rs->ops->checkpoint != NULL) {
        rs->ops->checkpoint(rs, errp);
    }
}

static void call_get_error(ReplicationState *rs, const void *arg, Error **errp)
{
    (void)arg;
    if (rs->ops != NULL && rs->ops->get_error != NULL) {
        rs->ops->get_error(rs, errp);
    }
}

void replication_start_all(ReplicationMode mode, Error **errp)
{
    walk(call_start, &mode, errp);
}

void replication_do_checkpoint_all(Error **errp)
{
    walk(call_checkpoint, NULL, errp);
}

void replication_get_error_all(Error **errp)
{
    walk(call_get_error, NULL, errp);
}

void replication_stop_all(bool failover, Error **errp)
{
    ReplicationState *rs, *next;

    walk(call_stop, &failover, errp);
    QLIST_FOREACH_SAFE(rs, &states, node, next) {
        if (((const char *)rs->opaque)[0] == '!') {
            replication_remove(rs);
        }
    }
}
