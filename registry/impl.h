/* impl.h: which implementation of the replication API this build links, and
 * what it offers beyond upstream's six functions.  The implementation file
 * (or the compat adapter standing in front of it) declares its extensions
 * by defining replication_extensions; the build generates the rest
 * (replication_impl()).  Read by the simulator and the CLI to report N/A
 * for what an implementation lacks, and to name it in every report. */
#ifndef REPLBENCH_REGISTRY_IMPL_H
#define REPLBENCH_REGISTRY_IMPL_H

#include <stdbool.h>

typedef enum ReplicationExt {
    /* replication_registry_new() gives independent registries. */
    REPLICATION_EXT_INSTANCES = 1u << 0,
    /* replication_registry_count() counts live states. */
    REPLICATION_EXT_COUNT = 1u << 1,
    /* replication_new*() return NULL, changing nothing, when memory runs out
     * or the "registry/alloc" point fires (upstream's g_new0 aborts). */
    REPLICATION_EXT_ALLOC_NULL = 1u << 2,
    /* replication_registry_free() releases the states still registered. */
    REPLICATION_EXT_FREE_WITH_STATES = 1u << 3,
} ReplicationExt;

#define REPLICATION_EXT__COUNT 4

/* Defined by the implementation (an OR of ReplicationExt).  A file that
 * does not define it is taken to offer only what its API mode requires:
 * instances and count. */
extern const unsigned replication_extensions;

typedef struct ReplicationImpl {
    const char *name;           /* "ours", or the file's base name */
    const char *path;           /* the C file as given to the build */
    const char *api;            /* "instances" or "global" */
    const char *sha256;         /* of the file's content, at build time */
    unsigned copies;            /* global: registries available (compiled copies) */
    bool ours;                  /* registry/replication.c */
} ReplicationImpl;

/* The implementation under test.  Never NULL. */
const ReplicationImpl *replication_impl(void);

/* What the implementation offers (replication_extensions). */
unsigned replication_impl_extensions(void);

/* "instances", "count", "alloc-null", "free-with-states"; NULL past the end. */
const char *replication_ext_name(ReplicationExt e);

#endif /* REPLBENCH_REGISTRY_IMPL_H */
