/* impls/registries/walks.h: what our example registries (deferred/, array/,
 * snapshot/) share: calling a state's member for a walk, if it has ops and
 * that member, and the four public walk functions, each a call of the
 * registry's own walk().  Included by their replication.c after their
 * replication.h (the member names are all it relies on). */
#ifndef IMPLS_REGISTRIES_WALKS_H
#define IMPLS_REGISTRIES_WALKS_H

typedef enum Walk { WALK_START, WALK_STOP, WALK_CHECKPOINT, WALK_GET_ERROR } Walk;

static inline void call(ReplicationState *rs, Walk w, ReplicationMode mode, bool failover,
                        Error **errp)
{
    ReplicationOps *ops = rs->ops;

    if (ops == NULL) {
        return;
    }
    switch (w) {
    case WALK_START:
        if (ops->start != NULL) {
            ops->start(rs, mode, errp);
        }
        break;
    case WALK_STOP:
        if (ops->stop != NULL) {
            ops->stop(rs, failover, errp);
        }
        break;
    case WALK_CHECKPOINT:
        if (ops->checkpoint != NULL) {
            ops->checkpoint(rs, errp);
        }
        break;
    case WALK_GET_ERROR:
        if (ops->get_error != NULL) {
            ops->get_error(rs, errp);
        }
        break;
    }
}

/* Defined by the registry: one walk, newest first; the first error ends it
 * and goes to errp. */
static void walk(Walk w, ReplicationMode mode, bool failover, Error **errp);

void replication_start_all(ReplicationMode mode, Error **errp)
{
    walk(WALK_START, mode, false, errp);
}

void replication_do_checkpoint_all(Error **errp)
{
    walk(WALK_CHECKPOINT, REPLICATION_MODE_PRIMARY, false, errp);
}

void replication_get_error_all(Error **errp)
{
    walk(WALK_GET_ERROR, REPLICATION_MODE_PRIMARY, false, errp);
}

void replication_stop_all(bool failover, Error **errp)
{
    walk(WALK_STOP, REPLICATION_MODE_PRIMARY, failover, errp);
}

#endif /* IMPLS_REGISTRIES_WALKS_H */
