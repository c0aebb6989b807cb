/* host_registry.c: the registry under test's out-of-memory answers told
 * apart (host_registry.h).  Above the fault layer and host.c; below the
 * backends that call into the registry.
 */
#include <errno.h>

#include "fault.h"
#include "host.h"
#include "host_registry.h"

SimHostMark sim_host_mark(void)
{
    errno = 0;
    return (SimHostMark){ .fired = sim_faults_fired() };
}

bool sim_host_registry_oom(SimHostMark mark, const char *where)
{
    if (sim_faults_fired() != mark.fired || errno != ENOMEM) {
        return false;
    }
    sim_host_oom(0, where);
    return true;
}

void sim_host_error(Error **errp, const char *msg, const char *where)
{
    SimHostMark mark = sim_host_mark();

    error_setg(errp, "%s", msg);
    if (errp != NULL && error_is_out_of_memory(*errp)) {
        sim_host_registry_oom(mark, where);
    }
}
