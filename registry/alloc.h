/* alloc.h: private to registry/.  The one allocator of the registry library,
 * with the "registry/alloc" fault point in front of it.  The point is a libfiu
 * point when built with FIU_ENABLE (libfiu present) and compiles to nothing
 * otherwise, so the library builds without libfiu (-Dfiu=disabled). */
#ifndef REPLBENCH_REGISTRY_ALLOC_H
#define REPLBENCH_REGISTRY_ALLOC_H

#include <stdlib.h>

#include "replication.h"

#ifdef FIU_ENABLE
#include <fiu.h>
#define alloc_fault_fires() (fiu_fail(REPLICATION_FAULT_ALLOC) != 0)
#else
#define alloc_fault_fires() 0
#endif

/* malloc(size), or NULL when memory runs out or the fault point fires. */
static inline void *registry_alloc(size_t size)
{
    if (alloc_fault_fires()) {
        return NULL;
    }
    return malloc(size);
}

#endif /* REPLBENCH_REGISTRY_ALLOC_H */
