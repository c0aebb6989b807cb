/* probe.h: reachability probes (docs/PROBES.md): the one catalog of the
 * states worth reaching that the simulator and the interpreter mark when
 * they pass through them (a removal inside a walk, a failover while a
 * commit has writes to apply, a checkpoint aborted after its marker went
 * out, ...), and a counter per probe for the current run.  A probe is a
 * counter, never a trace line: marking one changes no trace and no hash.
 * Deterministic (no clock, no randomness): the counts of a run depend only
 * on what the run did.  One world runs at a time per process (world.h), so
 * the counters are the process's; the world zeroes them when it is made or
 * reset (sim_probe_reset), the interpreter copies them into its result.
 */
#ifndef REPLBENCH_SIM_PROBE_H
#define REPLBENCH_SIM_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The catalog, one probe a value; its names, meanings and which are rare:
 * sim_probe_info (probe.c).  A probe marked rare is reported but its
 * absence fails nothing (a state the suites are not required to reach). */
typedef enum SimProbe {
    /* registry walks (the interpreter's scripted callbacks) */
    SIM_PROBE_WALK_REMOVE_SELF,
    SIM_PROBE_WALK_REMOVE_OTHER,
    SIM_PROBE_WALK_REMOVE_NESTED,
    SIM_PROBE_WALK_REMOVE_FAILOVER,
    SIM_PROBE_WALK_REGISTER,
    SIM_PROBE_WALK_NESTED,
    SIM_PROBE_WALK_DEPTH_LIMIT,
    SIM_PROBE_WALK_CALLS_LIMIT,
    SIM_PROBE_WALK_FAIL,
    SIM_PROBE_WALK_ERRP_NULL,
    SIM_PROBE_WALK_ERRP_SET,
    SIM_PROBE_WALK_CRASH,
    /* checkpoints */
    SIM_PROBE_CHECKPOINT_PRIMARY_ERROR,
    SIM_PROBE_CHECKPOINT_REFUSED,
    SIM_PROBE_CHECKPOINT_ABORTED,
    SIM_PROBE_CHECKPOINT_TIMEOUT,
    SIM_PROBE_CHECKPOINT_ACK_LOST,
    SIM_PROBE_CHECKPOINT_BACKUP_CANCELLED,
    SIM_PROBE_CHECKPOINT_CRASH_BETWEEN,
    SIM_PROBE_CHECKPOINT_ERROR,
    /* crashes and failover */
    SIM_PROBE_CRASH_IN_CHECKPOINT,
    SIM_PROBE_CRASH_IN_WALK,
    SIM_PROBE_FAILOVER_SECONDARY,
    SIM_PROBE_FAILOVER_PRIMARY,
    SIM_PROBE_FAILOVER_IN_CHECKPOINT,
    SIM_PROBE_FAILOVER_PENDING_WRITES,
    SIM_PROBE_FAILOVER_ERROR,
    SIM_PROBE_FAILOVER_COMMIT_FAILED,
    SIM_PROBE_FAILOVER_AFTER_BACKUP_CANCELLED,
    /* disks */
    SIM_PROBE_DISK_FAULT_PRIMARY,
    SIM_PROBE_DISK_FAULT_SECONDARY,
    SIM_PROBE_DISK_ERROR_RECORDED,
    SIM_PROBE_DISK_BACKUP_CANCELLED,
    /* links */
    SIM_PROBE_LINK_DROPPED,
    SIM_PROBE_LINK_DUPLICATED,
    SIM_PROBE_LINK_DELAYED_OR_REORDERED,
    SIM_PROBE_LINK_LOST_DOWN,
    /* the comparator */
    SIM_PROBE_COMPARE_MISMATCH,
    SIM_PROBE_COMPARE_TIMEOUT,
    SIM_PROBE_COMPARE_QUEUE_LIMIT,
    /* liveness */
    SIM_PROBE_LIVENESS_STUCK,
    SIM_PROBE__COUNT
} SimProbe;

#define SIM_PROBE_NAME_MAX 40

typedef struct SimProbeInfo {
    const char *name;
    bool rare;
    const char *meaning;
} SimProbeInfo;

/* The catalog, indexed by SimProbe: names kebab-case, unique, at most
 * SIM_PROBE_NAME_MAX bytes (results files and reports spell them). */
extern const SimProbeInfo sim_probe_info[SIM_PROBE__COUNT];

/* The probe named `name`, or -1. */
int sim_probe_by_name(const char *name);

/* Mark probe p reached once in the current run. */
void sim_probe_hit(SimProbe p);

/* Zero every counter (a new run). */
void sim_probe_reset(void);

/* The counts of the current run, into out[SIM_PROBE__COUNT]. */
void sim_probe_counts(uint64_t out[SIM_PROBE__COUNT]);

#endif /* REPLBENCH_SIM_PROBE_H */
