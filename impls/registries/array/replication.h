/* impls/registries/array/replication.h: the header of array/replication.c:
 * QEMU's replication API with a state that holds only what callers see (no
 * list links: the registry keeps its states in an array).  Written for
 * replbench; the stand-in QAPI header gives ReplicationMode. */
#ifndef ARRAY_REPLICATION_H
#define ARRAY_REPLICATION_H

#include "qapi/qapi-types-block-core.h"

typedef struct ReplicationOps ReplicationOps;
typedef struct ReplicationState ReplicationState;

struct ReplicationState {
    void *opaque;
    ReplicationOps *ops;
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

#endif /* ARRAY_REPLICATION_H */
