/* compat/fallback/replication.h: the declarations of QEMU's replication API
 * (replication.h, 2016-2021), written for replbench from its documented
 * behaviour (QEMU's header is GPL and is not used).  Found last: only when
 * neither the implementation's folder nor -Dregistry_include has its own
 * header.  Members in upstream's order. */
#ifndef REPLBENCH_COMPAT_FALLBACK_REPLICATION_H
#define REPLBENCH_COMPAT_FALLBACK_REPLICATION_H

#include "qemu/osdep.h"
#include "qemu/queue.h"
#include "qapi/qapi-types-block-core.h"

typedef struct ReplicationOps ReplicationOps;
typedef struct ReplicationState ReplicationState;

struct ReplicationState {
    void *opaque;
    ReplicationOps *ops;
    QLIST_ENTRY(ReplicationState) node;
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

#endif /* REPLBENCH_COMPAT_FALLBACK_REPLICATION_H */
