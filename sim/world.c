/* world.c: creating and freeing a world (world.h), and the resource
 * checker that runs at its teardown.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "world.h"

SimWorld *sim_world_new(uint64_t seed, char *err, size_t errlen)
{
    SimWorld *w = calloc(1, sizeof(*w));

    if (w == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    w->seed = seed;
    sim_trace_init(&w->trace);
    w->clock = sim_clock_new(0);
    w->regcheck = sim_regcheck_new();
#ifdef FIU_ENABLE
    if (w->clock != NULL) {
        w->faults = sim_faults_new(seed, &w->trace, sim_clock_now_ptr(w->clock));
    }
#endif
    if (w->clock == NULL || w->regcheck == NULL
#ifdef FIU_ENABLE
        || w->faults == NULL
#endif
        ) {
        snprintf(err, errlen, "cannot create a world: out of memory, or "
                 "another world exists in this process");
        sim_world_free(w);
        return NULL;
    }
    if (w->faults != NULL && sim_faults_register(w->faults, "registry/alloc") < 0) {
        snprintf(err, errlen, "cannot register fault point registry/alloc");
        sim_world_free(w);
        return NULL;
    }
    return w;
}

void sim_world_free(SimWorld *w)
{
    if (w == NULL) {
        return;
    }
    sim_faults_free(w->faults);
    sim_regcheck_free(w->regcheck);
    sim_clock_free(w->clock);
    free(w);
}

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
