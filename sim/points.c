/* points.c: the list of every fault-point template (fault.h's
 * sim_fault_templates), gathered from the modules that own them, in the
 * order `replbench faults` and the ledger print, and what reads a point's
 * name against that list (sim_fault_template_of, sim_faults_register).
 * Spells no name itself.  The modules register their own points by
 * template and instance (sim_faults_add): none of them needs this file.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

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

/* Does the concrete name fit the template?  "<...>" is one plain segment
 * (sim_fault_instance_ok); other segments are literal.  *instance, *len:
 * that segment of n. */
static bool fits(const char *t, const char *n, const char **instance, size_t *len)
{
    *instance = NULL;
    *len = 0;
    for (;;) {
        size_t tl = strcspn(t, "/");
        size_t nl = strcspn(n, "/");

        if (t[0] == '<') {
            if (!sim_fault_instance_ok(n, nl)) {
                return false;
            }
            *instance = n;
            *len = nl;
        } else if (tl != nl || memcmp(t, n, tl) != 0) {
            return false;
        }
        if (t[tl] == '\0' || n[nl] == '\0') {
            return t[tl] == n[nl];
        }
        t += tl + 1;
        n += nl + 1;
    }
}

/* The template name fits and its instance (into buf), or NULL. */
static const SimFaultTemplate *template_and_instance(const char *name, char *buf, size_t cap)
{
    for (const SimFaultTemplate *const *t = sim_fault_templates; *t; t++) {
        const char *inst;
        size_t len;

        if (fits((*t)->pattern, name, &inst, &len)) {
            snprintf(buf, cap, "%.*s", (int)len, inst != NULL ? inst : "");
            return *t;
        }
    }
    return NULL;
}

const SimFaultTemplate *sim_fault_template_of(const char *name)
{
    char instance[SIM_FAULT_NAME_MAX];

    return strnlen(name, SIM_FAULT_NAME_MAX) < SIM_FAULT_NAME_MAX
           ? template_and_instance(name, instance, sizeof(instance)) : NULL;
}

int sim_faults_register(SimFaults *f, const char *name)
{
    char instance[SIM_FAULT_NAME_MAX];
    const SimFaultTemplate *t;

    if (name == NULL || strnlen(name, SIM_FAULT_NAME_MAX) == SIM_FAULT_NAME_MAX
        || (t = template_and_instance(name, instance, sizeof(instance))) == NULL) {
        return -EINVAL;
    }
    return sim_faults_add(f, t, strchr(t->pattern, '<') != NULL ? instance : NULL);
}
