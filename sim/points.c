/* points.c: the list of every fault-point template (fault.h's
 * sim_fault_templates), gathered from the modules that own them, in the
 * order `replbench faults` and the ledger print.  Spells no name itself.
 */
#include <stddef.h>

#include "cluster.h"
#include "disk.h"
#include "fault.h"
#include "link.h"
#include "world.h"

const SimFaultTemplate *const sim_fault_templates[] = {
    &sim_world_alloc_template,
    &sim_disk_templates[SIM_DISK_POINT_READ],
    &sim_disk_templates[SIM_DISK_POINT_WRITE],
    &sim_disk_templates[SIM_DISK_POINT_BACKUP],
    &sim_disk_templates[SIM_DISK_POINT_COMMIT],
    &sim_link_templates[SIM_LINK_POINT_DROP],
    &sim_link_templates[SIM_LINK_POINT_DELAY],
    &sim_link_templates[SIM_LINK_POINT_DUPLICATE],
    &sim_link_templates[SIM_LINK_POINT_REORDER],
    &sim_link_templates[SIM_LINK_POINT_DOWN],
    &sim_cluster_crash_template,
    NULL,
};
