/* impls/registries/deferred/replication.h: the header of deferred/replication.c,
 * QEMU's replication API as upstream declares it, plus one private flag.
 * Written for replbench (QEMU's header is GPL); the stand-ins of
 * registry/compat give qemu/queue.h and the QAPI type. */
#ifndef DEFERRED_REPLICATION_H
#define DEFERRED_REPLICATION_H

#include "qemu/queue.h"
#include "qapi/qapi-types-block-core.h"

typedef struct ReplicationOps ReplicationOps;
typedef struct ReplicationState ReplicationState;

struct ReplicationState {
    void *opaque;
    ReplicationOps *ops;
    QLIST_ENTRY(ReplicationState) node;
    bool removed;       /* removed during a walk: freed when the walks end */
};

struct ReplicationOps {
    void (*start)(ReplicationState *rs, ReplicationMode mode, Error **errp);
    void (*stop)(ReplicationState *rs, bool failover, Error **errp);
    void (*checkpoint)(ReplicationState *rs, Error **errp);
    void (*get_error)(ReplicationState *rs, Error **errp);
};

ReplicationState *replication_new(void *opaque, ReplicationOps *ops);
void replication_remove(ReplicationState *rs);
void replication_start_all(ReplicationMode mode, Error **errp);
void replication_do_checkpoint_all(Error **errp);
void replication_get_error_all(Error **errp);
void replication_stop_all(bool failover, Error **errp);

#endif /* DEFERRED_REPLICATION_H */
