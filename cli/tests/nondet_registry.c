/* nondet_registry.c: our registry, except that the first start walk of a
 * process calls no state: a lazy "ready" flag kept in a static, not in the
 * registry, so that the second run of a scenario in one process differs
 * from the first.  What `replbench determinism` must report as a DIFF with
 * a reproduce line that reproduces it (cli/tests/determinism_diff.sh).
 * Test code only. */
#define replication_start_all_in ours_start_all_in
#include "../../registry/replication.c"
#undef replication_start_all_in

void replication_start_all_in(ReplicationRegistry *reg, ReplicationMode mode, Error **errp);

static bool ready;

void replication_start_all_in(ReplicationRegistry *reg, ReplicationMode mode, Error **errp)
{
    if (!ready) {
        ready = true;
        return;
    }
    ours_start_all_in(reg, mode, errp);
}
