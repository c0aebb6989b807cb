/* check_resources.h: the resource checker, run at a world's teardown: no
 * state, tracked state, armed fault point or pending event left.  Reads only.
 */
#ifndef REPLBENCH_SIM_CHECK_RESOURCES_H
#define REPLBENCH_SIM_CHECK_RESOURCES_H

#include <stddef.h>

#include "replication.h"
#include "world.h"

/* The resource checker, run at teardown after the world's users freed
 * their objects: no live state in `regs` (n registries, NULL entries
 * skipped), none left tracked by the contract checker, no armed fault
 * point, no pending event.  Returns 0 or -EBUSY with the first leftover
 * described in msg ("resources: registry 0 holds 2 states"). */
int sim_check_resources(const SimWorld *w, ReplicationRegistry *const *regs,
                        size_t n, char *msg, size_t msglen);

#endif /* REPLBENCH_SIM_CHECK_RESOURCES_H */
