/* compat/qapi/qapi-types-block-core.h: the one type of QEMU's generated
 * block-core QAPI header that the replication API uses, with the values
 * QEMU's schema gives it (primary 0, secondary 1). */
#ifndef REPLBENCH_COMPAT_QAPI_TYPES_BLOCK_CORE_H
#define REPLBENCH_COMPAT_QAPI_TYPES_BLOCK_CORE_H

#include "../qemu/osdep.h"

typedef enum ReplicationMode {
    REPLICATION_MODE_PRIMARY,
    REPLICATION_MODE_SECONDARY,
    REPLICATION_MODE__MAX
} ReplicationMode;

#endif /* REPLBENCH_COMPAT_QAPI_TYPES_BLOCK_CORE_H */
