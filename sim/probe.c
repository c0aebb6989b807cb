/* probe.c: the probe catalog's table (each SimProbe's name, meaning and
 * whether it is rare: the one list; test_probe.c checks every value has
 * its entry) and the counters of the current run.
 */
#include <string.h>

#include "check.h"
#include "probe.h"

const SimProbeInfo sim_probe_info[SIM_PROBE__COUNT] = {
    /* registry walks (the interpreter's scripted callbacks) */
    [SIM_PROBE_WALK_REMOVE_SELF] = { "walk-remove-self", false,
        "a callback removed its own state inside a walk" },
    [SIM_PROBE_WALK_REMOVE_OTHER] = { "walk-remove-other", false,
        "a callback removed another state (e.g. the next one) inside a walk" },
    [SIM_PROBE_WALK_REMOVE_NESTED] = { "walk-remove-nested", false,
        "a removal inside a nested walk (depth >= 2)" },
    [SIM_PROBE_WALK_REMOVE_FAILOVER] = { "walk-remove-failover", false,
        "a removal inside a stop walk with failover=true" },
    [SIM_PROBE_WALK_REGISTER] = { "walk-register", false,
        "a callback registered a new state inside a walk" },
    [SIM_PROBE_WALK_NESTED] = { "walk-nested", false,
        "a callback started a nested walk" },
    [SIM_PROBE_WALK_DEPTH_LIMIT] = { "walk-depth-limit", false,
        "a nested walk refused at the nesting limit" },
    [SIM_PROBE_WALK_CALLS_LIMIT] = { "walk-calls-limit", true,
        "a walk made more callbacks than its limit (a walk that would not end)" },
    [SIM_PROBE_WALK_FAIL] = { "walk-fail", false,
        "a callback reported an error through errp" },
    [SIM_PROBE_WALK_ERRP_NULL] = { "walk-errp-null", false,
        "a walk called with errp=NULL (its caller ignores errors)" },
    [SIM_PROBE_WALK_ERRP_SET] = { "walk-errp-set", false,
        "a walk called with an Error already set in *errp" },
    [SIM_PROBE_WALK_CRASH] = { "walk-crash", false,
        "a callback crashed its node inside a walk" },
    /* checkpoints */
    [SIM_PROBE_CHECKPOINT_PRIMARY_ERROR] = { "checkpoint-primary-error", false,
        "the primary's get_error_all refused a checkpoint (a recorded error)" },
    [SIM_PROBE_CHECKPOINT_REFUSED] = { "checkpoint-refused", false,
        "the secondary refused a checkpoint (get_error_all or do_checkpoint_all failed)" },
    [SIM_PROBE_CHECKPOINT_ABORTED] = { "checkpoint-aborted", false,
        "replication broke with a checkpoint in flight (its marker already sent)" },
    [SIM_PROBE_CHECKPOINT_TIMEOUT] = { "checkpoint-timeout", false,
        "a checkpoint was not acknowledged in time" },
    [SIM_PROBE_CHECKPOINT_ACK_LOST] = { "checkpoint-ack-lost", false,
        "the secondary's acknowledgement could not be sent (link down)" },
    [SIM_PROBE_CHECKPOINT_BACKUP_CANCELLED] = { "checkpoint-backup-cancelled", false,
        "a secondary disk's checkpoint failed: its backup job had been cancelled" },
    [SIM_PROBE_CHECKPOINT_CRASH_BETWEEN] = { "checkpoint-crash-between", false,
        "the secondary crashed between its get_error_all and do_checkpoint_all" },
    [SIM_PROBE_CHECKPOINT_ERROR] = { "checkpoint-error", true,
        "the primary's do_checkpoint_all reported an error after the ack" },
    /* crashes and failover */
    [SIM_PROBE_CRASH_IN_CHECKPOINT] = { "crash-in-checkpoint", false,
        "a node crashed with a checkpoint in flight" },
    [SIM_PROBE_CRASH_IN_WALK] = { "crash-in-walk", false,
        "a node crashed inside a walk of its registry (teardown deferred)" },
    [SIM_PROBE_FAILOVER_SECONDARY] = { "failover-secondary", false,
        "the secondary took over" },
    [SIM_PROBE_FAILOVER_PRIMARY] = { "failover-primary", false,
        "the primary took over (the secondary lost)" },
    [SIM_PROBE_FAILOVER_IN_CHECKPOINT] = { "failover-in-checkpoint", false,
        "a failover began with a checkpoint in flight" },
    [SIM_PROBE_FAILOVER_PENDING_WRITES] = { "failover-pending-writes", false,
        "a failover began with writes since the last checkpoint to commit" },
    [SIM_PROBE_FAILOVER_ERROR] = { "failover-error", false,
        "the failover's stop walk reported an error" },
    [SIM_PROBE_FAILOVER_COMMIT_FAILED] = { "failover-commit-failed", false,
        "a secondary disk's failover commit failed" },
    [SIM_PROBE_FAILOVER_AFTER_BACKUP_CANCELLED] = { "failover-after-backup-cancelled", false,
        "a failover on a secondary whose backup job had been cancelled" },
    /* disks */
    [SIM_PROBE_DISK_FAULT_PRIMARY] = { "disk-fault-primary", false,
        "a disk fault point fired on the primary" },
    [SIM_PROBE_DISK_FAULT_SECONDARY] = { "disk-fault-secondary", false,
        "a disk fault point fired on the secondary" },
    [SIM_PROBE_DISK_ERROR_RECORDED] = { "disk-error-recorded", false,
        "a primary write's error was recorded, not returned (forwarding failed)" },
    [SIM_PROBE_DISK_BACKUP_CANCELLED] = { "disk-backup-cancelled", false,
        "a secondary's backup job was cancelled" },
    /* links */
    [SIM_PROBE_LINK_DROPPED] = { "link-dropped", false,
        "a message was dropped by the link's drop fault" },
    [SIM_PROBE_LINK_DUPLICATED] = { "link-duplicated", false,
        "a message was delivered twice" },
    [SIM_PROBE_LINK_DELAYED_OR_REORDERED] = { "link-delayed-or-reordered", false,
        "a message was delayed or held back behind later ones" },
    [SIM_PROBE_LINK_LOST_DOWN] = { "link-lost-down", true,
        "a message in flight was lost when its link went down" },
    /* the comparator */
    [SIM_PROBE_COMPARE_MISMATCH] = { "compare-mismatch", false,
        "the comparator saw the two sides' packets differ" },
    [SIM_PROBE_COMPARE_TIMEOUT] = { "compare-timeout", false,
        "a packet waited past the compare timeout" },
    [SIM_PROBE_COMPARE_QUEUE_LIMIT] = { "compare-queue-limit", false,
        "a packet was dropped at the comparator's queue or connection limit" },
    /* liveness */
    [SIM_PROBE_LIVENESS_STUCK] = { "liveness-stuck", false,
        "a liveness phase ended with something stuck" },
};

static uint64_t counts[SIM_PROBE__COUNT];

int sim_probe_by_name(const char *name)
{
    for (int i = 0; i < SIM_PROBE__COUNT; i++) {
        if (strcmp(sim_probe_info[i].name, name) == 0) {
            return i;
        }
    }
    return -1;
}

void sim_probe_hit(SimProbe p)
{
    SIM_CHECK_OP((unsigned)p, <, SIM_PROBE__COUNT);
    counts[p]++;
}

void sim_probe_reset(void)
{
    memset(counts, 0, sizeof(counts));
}

void sim_probe_counts(uint64_t out[SIM_PROBE__COUNT])
{
    memcpy(out, counts, sizeof(counts));
}
