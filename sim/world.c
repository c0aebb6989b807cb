/* world.c: creating and freeing a world (world.h): its clock, trace, fault
 * layer and contract checker.  The teardown check: check_resources.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "replication.h"
#include "world.h"

const SimFaultTemplate sim_world_alloc_template = {
    REPLICATION_FAULT_ALLOC, "an allocation in the registry library fails "
    "(replication_new* returns NULL; an error becomes \"out of memory\")",
};

SimWorld *sim_world_new(uint64_t seed, char *err, size_t errlen)
{
    SimWorld *w = calloc(1, sizeof(*w));

    if (w == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    w->seed = seed;
    w->clock = sim_trace_init(&w->trace) == 0 ? sim_clock_new(0) : NULL;
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
    if (w->faults != NULL
        && sim_faults_register(w->faults, REPLICATION_FAULT_ALLOC) < 0) {
        snprintf(err, errlen, "cannot register fault point %s",
                 REPLICATION_FAULT_ALLOC);
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
    sim_trace_fini(&w->trace);
    free(w);
}
