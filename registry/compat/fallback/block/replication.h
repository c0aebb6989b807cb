/* compat/fallback/block/replication.h: the place of QEMU's replication
 * header since 2021 (include/block/replication.h); the same declarations
 * as compat/fallback/replication.h, and like it found only when the
 * implementation brings no header of its own. */
#ifndef REPLBENCH_COMPAT_FALLBACK_BLOCK_REPLICATION_H
#define REPLBENCH_COMPAT_FALLBACK_BLOCK_REPLICATION_H

#include "qemu/module.h"
#include "../replication.h"

#endif /* REPLBENCH_COMPAT_FALLBACK_BLOCK_REPLICATION_H */
