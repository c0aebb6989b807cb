/* impls/registries/snapshot/replication.h: the header of
 * snapshot/replication.c, laid out as 2016 COLO forks of QEMU had it: the
 * one include is sysemu/sysemu.h, and ReplicationOps' members come in the
 * order start, checkpoint, get_error, stop (replbench's build lays out the
 * ops it hands over in that order).  Written for replbench. */
#ifndef SNAPSHOT_REPLICATION_H
#define SNAPSHOT_REPLICATION_H

#include "sysemu/sysemu.h"

typedef struct ReplicationOps ReplicationOps;
typedef struct ReplicationState ReplicationState;

struct ReplicationState {
    void *opaque;
    ReplicationOps *ops;
    QLIST_ENTRY(ReplicationState) node;
    unsigned pins;      /* walk snapshots that hold it */
    bool removed;       /* unlinked; freed when the last pin goes */
};

struct ReplicationOps {
    void (*start)(ReplicationState *rs, ReplicationMode mode, Error **errp);
    void (*checkpoint)(ReplicationState *rs, Error **errp);
    void (*get_error)(ReplicationState *rs, Error **errp);
    void (*stop)(ReplicationState *rs, bool failover, Error **errp);
};

ReplicationState *replication_new(void *opaque, ReplicationOps *ops);
void replication_remove(ReplicationState *rs);
void replication_start_all(ReplicationMode mode, Error **errp);
void replication_do_checkpoint_all(Error **errp);
void replication_get_error_all(Error **errp);
void replication_stop_all(bool failover, Error **errp);

#endif /* SNAPSHOT_REPLICATION_H */
