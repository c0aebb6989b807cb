/* cluster.h: a simulated COLO pair.  Two nodes, each with its own
 * ReplicationRegistry holding its replication disks (and, on the primary,
 * the packet comparator); two one-way links (p2s: the replication stream of
 * forwarded writes and checkpoint markers; s2p: the secondary's packets and
 * checkpoint acknowledgements); a seeded workload; the COLO call order;
 * crashes and failover; and the checkers (registry contract, data, output),
 * run as the cluster goes.  Owns its nodes, links and checkers; the world
 * (world.h) owns time, trace and faults.
 *
 * The protocol, in the order of upstream COLO (migration/colo.c):
 * - start: start_all(SECONDARY) on the secondary, then start_all(PRIMARY).
 * - checkpoint (every checkpoint_interval_ticks, or when the comparator asks
 *   on a mismatch or timeout): the primary runs get_error_all (a forwarded
 *   write it failed to send breaks replication: beyond upstream, which asks
 *   only the secondary and so would checkpoint over the lost write); both
 *   VMs pause; the primary sends a marker on
 *   p2s behind every write it forwarded; the secondary, when the marker
 *   arrives in stream order, runs get_error_all then do_checkpoint_all and
 *   acknowledges on s2p; the primary then runs do_checkpoint_all (the
 *   comparator releases what it held) and both VMs resume.  No marker is
 *   sent before the previous one was acknowledged; an acknowledgement that
 *   does not come within checkpoint_timeout_ticks breaks replication.
 * - The p2s stream is reassembled in order at the secondary (duplicates
 *   dropped, reordered messages held); a gap that does not close within
 *   gap_timeout_ticks, or a down link, breaks replication.  Broken stays
 *   broken until failover: errors never fail over by themselves (upstream).
 * - failover onto a node: stop_all(true) on it; the other node is fenced.
 *   Beyond upstream, a secondary disk whose backup job an error cancelled
 *   refuses to commit (FAILOVER_FAILED): hidden lacks pre-images, so the
 *   rollback to the last checkpoint would be incomplete.
 *   A crashed node makes the cluster fail over onto the survivor.
 * A crash is the fault point node/<name>/crash, tested every tick and, on
 * each node, between two callbacks of every walk (a probe state registered
 * among the backends removes the states the walk has yet to call).
 */
#ifndef REPLBENCH_SIM_CLUSTER_H
#define REPLBENCH_SIM_CLUSTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "check.h"
#include "check_data.h"
#include "check_output.h"
#include "disk.h"
#include "compare.h"
#include "link.h"
#include "world.h"

/* The cluster's trace events ("<node> colo <event> ...", trace.h):
 * cluster (seed, disks, size, latency), started (epoch), start_error
 * (error), links (p2s, s2p), checkpoint_begin, _done (epoch),
 * checkpoint_refused, _error (epoch, error), ack_lost (epoch), broken
 * (why), crash (why), history_truncated (limit), failover (survivor,
 * epoch), failover_disk (disk, stage), failover_error (error); and
 * violation ("- check violation <message>": checker, a SimCheckKind, and
 * message), the first checker violation of the run. */
/* Keys of the violation's fields that readers take (sim_trace_need). */
#define SIM_CHECK_F_CHECKER "checker"       /* a SimCheckKind (word) */
#define SIM_CHECK_F_MESSAGE "message"

typedef enum SimColoEvent {
    SIM_COLO_EV_CLUSTER, SIM_COLO_EV_STARTED, SIM_COLO_EV_START_ERROR, SIM_COLO_EV_LINKS,
    SIM_COLO_EV_CHECKPOINT_BEGIN, SIM_COLO_EV_CHECKPOINT_REFUSED, SIM_COLO_EV_CHECKPOINT_DONE,
    SIM_COLO_EV_CHECKPOINT_ERROR, SIM_COLO_EV_ACK_LOST, SIM_COLO_EV_BROKEN, SIM_COLO_EV_CRASH,
    SIM_COLO_EV_HISTORY_TRUNCATED, SIM_COLO_EV_FAILOVER, SIM_COLO_EV_FAILOVER_DISK,
    SIM_COLO_EV_FAILOVER_ERROR, SIM_COLO_EV_VIOLATION,
    SIM_COLO_EV__COUNT
} SimColoEvent;

#define SIM_CLUSTER_NAME_MAX 24             /* chars of a node name */
#define SIM_CLUSTER_MAX_DISKS 4
/* States the cluster registers, both nodes together: each node's disks,
 * its comparator and its probe. */
#define SIM_CLUSTER_MAX_STATES (2 * (SIM_CLUSTER_MAX_DISKS + 2))
#define SIM_CLUSTER_MAX_CONNS 64
#define SIM_CLUSTER_MAX_WRITE_SECTORS 64    /* one guest write */
#define SIM_CLUSTER_MSG_MAX 256
#define SIM_NEVER UINT64_MAX
#define SIM_CLUSTER_PRIMARY_NAME "pri"      /* default node names */
#define SIM_CLUSTER_SECONDARY_NAME "sec"

typedef enum SimRole { SIM_PRIMARY, SIM_SECONDARY } SimRole;

typedef struct SimClusterConfig {
    const char *names[2];               /* node names; default
                                           SIM_CLUSTER_{PRIMARY,SECONDARY}_NAME */
    unsigned disks;                     /* 1..4 disk pairs d0..; default 1 */
    uint64_t disk_size_sectors;         /* default 131072 (64 MiB) */
    uint64_t latency_ticks;             /* both links; default 2 */
    uint64_t checkpoint_interval_ticks; /* default 100; SIM_NEVER: on request */
    uint64_t checkpoint_timeout_ticks;  /* default 50 */
    uint64_t gap_timeout_ticks;         /* default 4 x latency + 100 */
    uint64_t compare_timeout_ticks;     /* default 300 */
    uint32_t commit_sectors_per_tick;   /* 0: the disk's default */
    /* The seeded workload, per tick, in millionths. */
    uint32_t write_per_million;         /* a guest write on both VMs */
    uint32_t packet_per_million;        /* an output packet on both VMs */
    uint32_t divergence_per_million;    /* the secondary's copy differs */
    uint32_t connections;               /* 1..64; default 4 */
    uint64_t working_set_sectors;       /* writes land below; default 4096 */
    uint32_t max_write_sectors;         /* 1..SIM_CLUSTER_MAX_WRITE_SECTORS;
                                           default 8 */
    bool no_failover_on_crash;          /* a crash only fences the node */
    bool upstream_checkpoint;           /* no get_error_all on the primary */
    bool upstream_failover;             /* commit even without a full
                                           rollback (SimDiskConfig) */
} SimClusterConfig;

typedef struct SimClusterStats {
    uint64_t events;                    /* clock events run (deliveries, commit
                                           steps, timers) + guest writes and
                                           packets + walks */
    uint64_t ticks;
    uint64_t guest_writes, packets;
    uint64_t checkpoints_started, checkpoints_done, checkpoints_failed;
    uint64_t failovers, crashes;
} SimClusterStats;

typedef struct SimCluster SimCluster;
typedef struct SimNode SimNode;

/* ---- Fault points: the names a cluster registers, for parsers and
 * decoders that must know them before a cluster exists.  Each returns 0 or
 * sim_fault_name's error. */

/* The crash point's template, "node/<node>/crash" (the one place it is
 * spelled). */
extern const SimFaultTemplate sim_cluster_crash_template;

/* Point `point` of disk number `disk` of node `node` ("<node>.d<disk>"). */
int sim_cluster_disk_point(char *buf, size_t len, const char *node,
                           unsigned disk, SimDiskPoint point);
/* Point `point` of the link p2s (true) or s2p (false). */
int sim_cluster_link_point(char *buf, size_t len, bool p2s, SimLinkPoint point);
/* The crash point of node `node`. */
int sim_cluster_crash_point(char *buf, size_t len, const char *node);

typedef void SimClusterPointFn(void *ctx, const char *name);

/* Every point a cluster of cfg registers, in the order sim_cluster_new
 * registers them, each passed to fn (valid during the call).  cfg may be
 * NULL; unset fields take their defaults.  Names are not validated (that
 * is sim_cluster_new's); returns 0, -EINVAL for more than
 * SIM_CLUSTER_MAX_DISKS disks, or a name's error. */
int sim_cluster_points(const SimClusterConfig *cfg, SimClusterPointFn *fn, void *ctx);

/* A cluster in world w (which must outlive it), not yet started, in *out.
 * Its points (sim_cluster_points) are registered in w's fault layer.
 * Returns 0, -EINVAL for a bad config (node names 1..SIM_CLUSTER_NAME_MAX
 * of [A-Za-z0-9_-], and different), -ENOMEM, -ENOSPC; on error *out is
 * NULL and err (if not NULL) holds a one-line message. */
int sim_cluster_new(SimWorld *w, const SimClusterConfig *cfg, SimCluster **out,
                    char *err, size_t errlen);

/* Frees nodes, links and checkers, leaving the world clean for
 * sim_check_resources().  NULL is a no-op. */
void sim_cluster_free(SimCluster *c);

/* The COLO start order.  Returns 0, or -EIO when a start walk failed (the
 * error is traced and kept in sim_cluster_last_error()). */
int sim_cluster_start(SimCluster *c);

/* Advance `ticks` ticks: each tick tests the crash points, runs the
 * workload, then every event due.  Returns 0, or -EPROTO as soon as a
 * checker reports a violation (see sim_cluster_violation()), or -ENOMEM as
 * soon as a host allocation failed (host.h: the run has no verdict left to
 * give, so it goes no further). */
int sim_cluster_run(SimCluster *c, uint64_t ticks);

/* Scenario-driven operations, each traced.  Return 0 or a negative errno
 * with the reason in sim_cluster_last_error(). */
int sim_cluster_write(SimCluster *c, unsigned disk, uint64_t sector,
                      uint32_t count, uint8_t byte);          /* both VMs */
int sim_cluster_primary_write(SimCluster *c, unsigned disk, uint64_t sector,
                              uint32_t count, uint8_t byte);   /* pri VM only */
int sim_cluster_secondary_write(SimCluster *c, unsigned disk, uint64_t sector,
                                uint32_t count, uint8_t byte); /* sec VM only */
int sim_cluster_read(SimCluster *c, SimRole node, unsigned disk, uint64_t sector,
                     uint32_t count, uint8_t *buf);
int sim_cluster_packet(SimCluster *c, uint32_t conn, bool diverge);
int sim_cluster_checkpoint(SimCluster *c);
int sim_cluster_failover(SimCluster *c, SimRole survivor);
/* The node dies as a process does: nothing of it runs again.  Safe inside a
 * callback: during a walk of the node's registry its states are silenced
 * and removed only when the outermost walk of that registry returns (no
 * cluster run depends on removal during a walk). */
int sim_cluster_crash(SimCluster *c, SimRole node);
void sim_cluster_set_link(SimCluster *c, bool p2s_down, bool s2p_down);

/* ---- for a liveness phase (liveness.h) -------------------------------------- */

/* Pause (true) or resume the seeded workload: no guest writes or packets
 * but those asked for.  Traces nothing. */
void sim_cluster_quiesce(SimCluster *c, bool quiet);

/* Something outside the cluster's own model failed on it (a scripted
 * callback of a state on one of its nodes): a liveness verdict counts it,
 * as it counts a fault that fired, a partition and a crash, as what may
 * explain a break of replication.  Traces nothing; `what` is copied. */
void sim_cluster_disturb(SimCluster *c, const char *what);

/* Where the pair stands, typed: what a liveness verdict reads. */
typedef struct SimClusterProgress {
    bool started;
    bool replicating;               /* started, not broken, not failed over,
                                       no node crashed */
    bool broken;
    bool failed_over;
    bool promoted[2];               /* by SimRole: the failover's survivor */
    bool crashed[2];                /* crashed or fenced */
    uint64_t crash_tick[2];
    uint64_t epoch;                 /* checkpoints begun */
    bool in_checkpoint;
    uint64_t checkpoint_began_tick; /* of the latest checkpoint begun */
    uint64_t done_epoch, done_tick; /* the last checkpoint completed (0 and
                                       the start tick when none) */
    uint64_t checkpoints_done;
    uint64_t broken_tick;           /* when broken */
    uint64_t broken_epoch;          /* the checkpoint in progress then, 0: none */
    uint64_t broken_epoch_began;
    const char *broken_why;         /* "" when not broken */
    const char *broken_cause;       /* what disturbed the pair between its last
                                       healthy tick and the break: "fault P
                                       fired at tick T", "pri crashed at tick
                                       T", ...; "" when nothing did */
    size_t stream_held;             /* p2s messages held out of order */
    uint64_t stream_missing_id;     /* the one the stream waits for */
    uint64_t stream_held_since;     /* the oldest held one's arrival */
} SimClusterProgress;

/* Fills *p; strings valid while c lives and is not driven.  No side
 * effects. */
void sim_cluster_progress(const SimCluster *c, SimClusterProgress *p);

/* Checker verdicts: the number of violations and the first one ("" when
 * none), as last collected from the checkers: after every tick of
 * sim_cluster_run and after sim_cluster_write, _primary_write, _packet,
 * _failover and _crash.  A violation found during another operation shows
 * from the next of those.  Getters only: no check runs here. */
unsigned sim_cluster_violations(const SimCluster *c);
const char *sim_cluster_violation(const SimCluster *c);
/* Which checker found it: SIM_CHECK_NONE when none did. */
SimCheckKind sim_cluster_violation_kind(const SimCluster *c);

/* The last operation's error text ("" when none). */
const char *sim_cluster_last_error(const SimCluster *c);

const SimClusterStats *sim_cluster_stats(const SimCluster *c);
/* The configuration it runs, defaults filled in. */
const SimClusterConfig *sim_cluster_config(const SimCluster *c);
SimNode *sim_cluster_node(SimCluster *c, SimRole role);
SimLink *sim_cluster_link(SimCluster *c, bool p2s);
bool sim_cluster_broken(const SimCluster *c);
uint64_t sim_cluster_epoch(const SimCluster *c);
const SimOutCheck *sim_cluster_output(const SimCluster *c);

/* Nodes. */
const char *sim_node_name(const SimNode *n);
ReplicationRegistry *sim_node_registry(SimNode *n);
SimDisk *sim_node_disk(SimNode *n, unsigned i);
SimCompare *sim_node_compare(SimNode *n);          /* primary; NULL after crash */
bool sim_node_crashed(const SimNode *n);           /* crashed or fenced */
bool sim_node_failed_over(const SimNode *n);       /* promoted survivor */

#endif /* REPLBENCH_SIM_CLUSTER_H */
