/* liveness.h: the liveness phase and its verdict.  After a scenario's
 * operations (or where it asks), every fault stops (each armed point not
 * declared permanent is disarmed, so crash points too; links are healed
 * unless a partition was declared permanent), the seeded workload pauses,
 * a probe packet goes out on every connection and a checkpoint is asked
 * for; then the world runs, for at most a bound derived from the
 * cluster's timeouts, until it has converged: checkpoints resume (one
 * begun in the phase completes), the comparator holds nothing, the
 * replication stream and the links carry nothing old, every failover
 * commit has ended (done or failover_failed), no walk is open.  What has
 * not converged is listed, typed, with since when; an item is explained
 * (the verdict EXPECTED, which passes) by what COLO cannot get past
 * without a failover: replication broken by a fault, a partition, a crash
 * or a scripted failure since it last checkpointed, a crash with no
 * failover, or a permanent fault that fired during the phase.  Anything
 * else is STUCK: the liveness checker's failure.
 *
 * Owns the phase's driving and the verdict; reads the backends through
 * their typed getters (cluster.h, compare.h, link.h, disk.h) and changes
 * them only through their public calls.  Safe outside any walk only.
 */
#ifndef REPLBENCH_SIM_LIVENESS_H
#define REPLBENCH_SIM_LIVENESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cluster.h"
#include "disk.h"
#include "world.h"

#define SIM_LIVE_MAX_STUCK 8        /* items a verdict keeps (the count goes on) */
#define SIM_LIVE_WHAT_MAX 320
#define SIM_LIVE_MESSAGE_MAX 1024
#define SIM_LIVE_MAX_TICKS 1000000  /* the longest phase */

/* The phase's trace events ("- liveness <event> ...", SIM_COMP_LIVENESS):
 * begin (bound: its ticks, disarmed: points, healed: links), end (verdict,
 * ticks: how long it ran, then the first item not converged, if any). */
typedef enum SimLiveEvent {
    SIM_LIVE_EV_BEGIN, SIM_LIVE_EV_END, SIM_LIVE_EV__COUNT
} SimLiveEvent;

typedef enum SimLiveVerdict {
    SIM_LIVE_CONVERGED,     /* nothing left pending */
    SIM_LIVE_EXPECTED,      /* what is pending is explained: passes */
    SIM_LIVE_STUCK,         /* something is pending, unexplained: fails */
    SIM_LIVE_VERDICT__COUNT
} SimLiveVerdict;

/* The component that has not converged. */
typedef enum SimLivePart {
    SIM_LIVE_COMPARE,       /* the comparator holds a packet */
    SIM_LIVE_CHECKPOINT,    /* a checkpoint waits for its acknowledgement, or
                               none completes */
    SIM_LIVE_REPLICATION,   /* replication is broken, or a node is down and
                               nothing failed over */
    SIM_LIVE_STREAM,        /* the replication stream waits for a message */
    SIM_LIVE_LINK,          /* a message stays in flight */
    SIM_LIVE_COMMIT,        /* a failover commit does not end */
    SIM_LIVE_WALK,          /* a walk has not returned */
    SIM_LIVE_PART__COUNT
} SimLivePart;

typedef struct SimLiveStuck {
    SimLivePart part;
    uint64_t since_tick;
    bool explained;
    char what[SIM_LIVE_WHAT_MAX];   /* "comparator on pri: packet 17 on conn 1
                                       held since tick 40" */
    char why[SIM_LIVE_WHAT_MAX];    /* explained: by what; else "" */
} SimLiveStuck;

typedef struct SimLiveConfig {
    SimCluster *cluster;                    /* NULL: none */
    SimDisk *const *disks;                  /* standalone disks */
    size_t ndisks;
    ReplicationRegistry *const *registries; /* besides the cluster's nodes' */
    size_t nregistries;
    bool keep_down[2];                      /* p2s, s2p: a partition declared
                                               permanent stays */
    uint64_t max_ticks;                     /* 0: sim_live_bound's */
} SimLiveConfig;

typedef struct SimLiveResult {
    SimLiveVerdict verdict;
    uint64_t begin_tick, end_tick;
    uint64_t bound_ticks;
    size_t disarmed;                        /* fault points disarmed */
    unsigned count;                         /* items not converged */
    unsigned nstuck;                        /* of them kept, unexplained first */
    SimLiveStuck stuck[SIM_LIVE_MAX_STUCK];
    char message[SIM_LIVE_MESSAGE_MAX];     /* one line: the verdict, the
                                               phase and the items */
} SimLiveResult;

/* The longest phase cfg's world may need: the checkpoint, gap and compare
 * timeouts, the comparator's scan period, twenty latencies (a delayed or
 * held message of each direction twice over), an interval when
 * checkpoints are periodic, and the commit of what the secondary overlays
 * hold, plus a margin.  At most SIM_LIVE_MAX_TICKS. */
uint64_t sim_live_bound(const SimLiveConfig *cfg);

/* Run a phase in w and judge it into *res.  Returns 0, or -EPROTO when a
 * safety checker reported a violation during the phase (the phase stopped
 * there; *res is judged on what was reached).  Traces its begin and end.
 * The workload runs again after it; disarmed points stay disarmed. */
int sim_live_run(SimWorld *w, const SimLiveConfig *cfg, SimLiveResult *res);

/* "converged", "expected", "stuck"; and the parts: "comparator",
 * "checkpoint", "replication", "stream", "link", "commit", "walk". */
const char *sim_live_verdict_name(SimLiveVerdict v);
const char *sim_live_part_name(SimLivePart p);

#endif /* REPLBENCH_SIM_LIVENESS_H */
