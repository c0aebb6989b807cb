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
} SimWorld;

/* A world at tick 0.  Fails (NULL, message in err) when out of memory or
 * when another world exists (libfiu and the checker are process-wide). */
SimWorld *sim_world_new(uint64_t seed, char *err, size_t errlen);

/* Frees the world; what it owned is gone.  NULL is a no-op. */
void sim_world_free(SimWorld *w);

/* The resource checker, run at teardown after the world's users freed
 * their objects: no live state in `regs` (n registries, NULL entries
 * skipped), none left tracked by the contract checker, no armed fault
 * point, no pending event.  Returns 0 or -EBUSY with the first leftover
 * described in msg ("resources: registry 0 holds 2 states"). */
int sim_check_resources(const SimWorld *w, ReplicationRegistry *const *regs,
                        size_t n, char *msg, size_t msglen);

#endif /* REPLBENCH_SIM_WORLD_H */
