/* host_registry.h: the registry under test's out-of-memory answers, told
 * apart: simulated (its registry/alloc fault point fired: the scenario
 * asked for it) or the host's (its own malloc was refused: recorded in
 * host.h's record, never a verdict).  Owns nothing: reads the fault
 * layer's count of fires (fault.h) and writes host.h's record.
 *
 * replication_new*() and replication_registry_new() answer NULL, and
 * error_setg() the shared out-of-memory Error (error_is_out_of_memory),
 * both when the registry/alloc point fires and when the host's malloc
 * fails inside the registry.  Take a mark just before such a call; after
 * an out-of-memory answer, sim_host_registry_oom says whether it was the
 * host's: no fault point fired since the mark and the allocator left
 * errno at ENOMEM.  Then it is recorded like any host failure, at `where`,
 * and true is returned; false means a simulated fire (or an implementation
 * that answers NULL for no reason: a verdict on it, as before).
 */
#ifndef REPLBENCH_SIM_HOST_REGISTRY_H
#define REPLBENCH_SIM_HOST_REGISTRY_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"

typedef struct SimHostMark {
    uint64_t fired;             /* sim_faults_fired() at the mark */
} SimHostMark;

/* The mark; also sets errno to 0. */
SimHostMark sim_host_mark(void);
bool sim_host_registry_oom(SimHostMark mark, const char *where);

/* error_setg(errp, "%s", msg) for the simulator's own callbacks, its
 * out-of-memory answer told apart as above (where: "disk: a callback's
 * Error").  errp NULL: nothing, as error_setg. */
void sim_host_error(Error **errp, const char *msg, const char *where);

#endif /* REPLBENCH_SIM_HOST_REGISTRY_H */
