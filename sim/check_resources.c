/* check_resources.c: the resource checker (check_resources.h), run at a
 * world's teardown: nothing left behind.  Reads the world and the registries;
 * changes nothing.
 */
#include <errno.h>
#include <stdio.h>

#include "check_resources.h"

static int leftover_fault(const SimWorld *w, char *msg, size_t msglen)
{
    for (size_t i = 0; w->faults != NULL && i < sim_faults_count(w->faults); i++) {
        const SimFaultPoint *p = sim_faults_at(w->faults, i);

        if (p->spec.mode != SIM_FAULT_OFF) {
            snprintf(msg, msglen, "resources: fault point %s still armed", p->name);
            return -EBUSY;
        }
    }
    return 0;
}

int sim_check_resources(const SimWorld *w, ReplicationRegistry *const *regs,
                        size_t n, char *msg, size_t msglen)
{
    for (size_t i = 0; i < n; i++) {
        size_t live = regs[i] ? replication_registry_count(regs[i]) : 0;

        if (live != 0) {
            snprintf(msg, msglen, "resources: registry %zu holds %zu state%s", i,
                     live, live == 1 ? "" : "s");
            return -EBUSY;
        }
    }
    if (sim_regcheck_live(w->regcheck) != 0) {
        snprintf(msg, msglen, "resources: %zu state(s) still tracked by the "
                 "contract checker", sim_regcheck_live(w->regcheck));
        return -EBUSY;
    }
    if (leftover_fault(w, msg, msglen) < 0) {
        return -EBUSY;
    }
    if (sim_clock_pending(w->clock) != 0) {
        snprintf(msg, msglen, "resources: %zu event(s) still pending",
                 sim_clock_pending(w->clock));
        return -EBUSY;
    }
    msg[0] = '\0';
    return 0;
}
