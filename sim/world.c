/* world.c: creating, resetting and freeing a world (world.h): its clock,
 * trace, fault layer and contract checker.  The teardown check:
 * check_resources.c.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "host.h"
#include "probe.h"
#include "replication.h"
#include "world.h"

const SimFaultTemplate sim_world_alloc_template = {
    REPLICATION_FAULT_ALLOC, "an allocation in the registry library fails "
    "(replication_new* returns NULL; an error becomes \"out of memory\")",
};

/* The contract checker (its own calloc, not through host.h): NULL when
 * another exists, or when the host refused it (errno ENOMEM: recorded). */
static SimRegCheck *regcheck_new(void)
{
    SimRegCheck *chk;

    if (!sim_host_gate(0, "the registry contract checker")) {
        return NULL;
    }
    errno = 0;
    chk = sim_regcheck_new();
    if (chk == NULL && errno == ENOMEM) {
        sim_host_oom(0, "the registry contract checker");
    }
    return chk;
}

/* Makes w's parts (w->seed set); false when one cannot be made. */
static bool world_parts(SimWorld *w)
{
    w->clock = sim_trace_init(&w->trace) == 0 ? sim_clock_new(0) : NULL;
    w->regcheck = regcheck_new();
#ifdef FIU_ENABLE
    if (w->clock != NULL) {
        w->faults = sim_faults_new(w->seed, &w->trace, sim_clock_now_ptr(w->clock));
    }
#endif
    return w->clock != NULL && w->regcheck != NULL
#ifdef FIU_ENABLE
        && w->faults != NULL
#endif
        ;
}

static void free_parts(SimWorld *w)
{
    if (w->spare_cluster != NULL) {
        w->spare_free(w->spare_cluster);
    }
    sim_faults_free(w->faults);
    sim_regcheck_free(w->regcheck);
    sim_clock_free(w->clock);
    sim_trace_fini(&w->trace);
    *w = (SimWorld){ 0 };
}

/* The parts made, the registry's point registered: 0, or -ENOMEM or
 * -EINVAL with err. */
static int world_init(SimWorld *w, uint64_t seed, char *err, size_t errlen)
{
    w->seed = seed;
    sim_probe_reset();
    if (!world_parts(w)) {
        return sim_fail(err, errlen, -ENOMEM, "cannot create a world: out of memory, or "
                        "another world exists in this process");
    }
    if (w->faults != NULL
        && sim_faults_add(w->faults, &sim_world_alloc_template, NULL) < 0) {
        return sim_fail(err, errlen, -EINVAL, "cannot register fault point %s",
                        REPLICATION_FAULT_ALLOC);
    }
    return 0;
}

int sim_world_new(uint64_t seed, SimWorld **out, char *err, size_t errlen)
{
    SimWorld *w;
    int rc;

    SIM_CHECK(out != NULL);
    *out = NULL;
    w = sim_host_calloc(1, sizeof(*w), "world");
    if (w == NULL) {
        return sim_fail(err, errlen, -ENOMEM, "out of memory");
    }
    rc = world_init(w, seed, err, errlen);
    if (rc < 0) {
        sim_world_free(w);
        return rc;
    }
    *out = w;
    return 0;
}

/* In place: the parts are emptied, not made anew (no allocation but the
 * trace's own), so a session's run after run costs no malloc here. */
int sim_world_reset(SimWorld *w, uint64_t seed, char *err, size_t errlen)
{
    w->seed = seed;
    sim_probe_reset();
    sim_trace_fini(&w->trace);
    if (sim_trace_init(&w->trace) < 0) {
        free_parts(w);
        return sim_fail(err, errlen, -1, "cannot reset the world: out of memory");
    }
    sim_clock_reset(w->clock);
    sim_regcheck_reset(w->regcheck);
    if (w->faults != NULL) {
        sim_faults_reset(w->faults, seed);
        if (sim_faults_add(w->faults, &sim_world_alloc_template, NULL) < 0) {
            free_parts(w);
            return sim_fail(err, errlen, -1, "cannot register fault point %s",
                            REPLICATION_FAULT_ALLOC);
        }
    }
    return 0;
}

void sim_world_free(SimWorld *w)
{
    if (w == NULL) {
        return;
    }
    free_parts(w);
    free(w);
}
