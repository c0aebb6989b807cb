/* world.h: one simulated run's shared machinery: the root seed, virtual
 * clock, trace, fault layer and registry contract checker.  A cluster, or a
 * bare registry driven by a scenario, lives in a world.  Owns those five
 * things; knows no backend.
 */
#ifndef REPLBENCH_SIM_WORLD_H
#define REPLBENCH_SIM_WORLD_H

#include <stddef.h>
#include <stdint.h>

#include "check_registry.h"
#include "clock.h"
#include "fault.h"
#include "prng.h"
#include "trace.h"

typedef struct SimWorld {
    uint64_t seed;
    SimClock *clock;
    SimTrace trace;
    SimFaults *faults;          /* NULL when built without libfiu */
    SimRegCheck *regcheck;
    void *spare_cluster;        /* a freed cluster's memory, kept for the
                                   next (cluster.c), with the parts it keeps
                                   for reuse; poisoned under ASan */
    void (*spare_free)(void *spare);    /* frees spare_cluster (cluster.c) */
} SimWorld;

/* Under ASan, memory kept for reuse is poisoned while it waits, so that a
 * use after its "free" is still reported; elsewhere, nothing. */
#if defined(__SANITIZE_ADDRESS__)
#define SIM_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SIM_ASAN 1
#endif
#endif
#ifdef SIM_ASAN
#include <sanitizer/asan_interface.h>
#define SIM_ASAN_POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define SIM_ASAN_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define SIM_ASAN_POISON(p, n) ((void)(p), (void)(n))
#define SIM_ASAN_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

/* The template of the registry's allocation point, REPLICATION_FAULT_ALLOC
 * (replication.h), which every world registers: the registry names it, the
 * world says what a fire there means. */
extern const SimFaultTemplate sim_world_alloc_template;

/* A world at tick 0, in *out.  Returns 0, or -ENOMEM when out of memory
 * or when another world exists (libfiu and the checker are process-wide),
 * -EINVAL when the registry's point cannot be registered; on error *out
 * is NULL and err (if not NULL) holds a one-line message. */
int sim_world_new(uint64_t seed, SimWorld **out, char *err, size_t errlen);

/* The same world back at tick 0 with a new seed: an empty trace, no fault
 * points but the registry's, a checker that has seen nothing.  A caller
 * running many scripts keeps one world (ScnSession).  0, or -1 with err;
 * w is then empty, to be freed. */
int sim_world_reset(SimWorld *w, uint64_t seed, char *err, size_t errlen);

/* Frees the world; what it owned is gone.  NULL is a no-op. */
void sim_world_free(SimWorld *w);

#endif /* REPLBENCH_SIM_WORLD_H */
