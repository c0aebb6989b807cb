/* compare.h: a COLO-compare style packet comparator on the primary, registered
 * in that node's ReplicationRegistry; the packets it releases are what a
 * client sees.  Owns its queued packets; never touches disks, nodes, links'
 * messages in flight or other registries' states.
 */
#ifndef REPLBENCH_SIM_COMPARE_H
#define REPLBENCH_SIM_COMPARE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "clock.h"
#include "link.h"
#include "replication.h"
#include "trace.h"

/* ---- Limits ---------------------------------------------------------------- */

#define SIM_COMPARE_DEFAULT_TIMEOUT_TICKS 3000  /* upstream: 3000 ms */
#define SIM_COMPARE_DEFAULT_SCAN_TICKS 1000     /* upstream: expired_scan_cycle */
#define SIM_COMPARE_DEFAULT_MAX_QUEUE 1024      /* upstream: MAX_QUEUE_SIZE */
#define SIM_COMPARE_DEFAULT_MAX_CONNECTIONS 64
#define SIM_COMPARE_MAX_LINKS 2

/* The comparator's trace events ("<node> compare <event> ...", trace.h):
 * primary, secondary (a packet in: conn, len), release (seq, conn, len,
 * why: SimReleaseWhy), mismatch (conn, primary_len, secondary_len),
 * request-checkpoint (reason: SimCompareReason, conn), error (rc),
 * timeout (conn, age), drop (side, conn, rc), ignore (conn or id,
 * reason or kind), start, checkpoint (released, dropped), stop (failover,
 * released, dropped), discard (packets). */
typedef enum SimCompareEvent {
    SIM_COMPARE_EV_PRIMARY, SIM_COMPARE_EV_SECONDARY, SIM_COMPARE_EV_RELEASE,
    SIM_COMPARE_EV_MISMATCH, SIM_COMPARE_EV_REQUEST_CHECKPOINT, SIM_COMPARE_EV_ERROR,
    SIM_COMPARE_EV_TIMEOUT, SIM_COMPARE_EV_DROP, SIM_COMPARE_EV_IGNORE, SIM_COMPARE_EV_START,
    SIM_COMPARE_EV_CHECKPOINT, SIM_COMPARE_EV_STOP, SIM_COMPARE_EV_DISCARD,
    SIM_COMPARE_EV__COUNT
} SimCompareEvent;

typedef enum SimCompareStage {
    SIM_COMPARE_IDLE,       /* not started: primary packets pass through */
    SIM_COMPARE_RUNNING,    /* comparing */
    SIM_COMPARE_STOPPED,    /* after stop: pass through, start is ignored */
} SimCompareStage;

typedef enum SimCompareReason {
    SIM_COMPARE_MISMATCH,   /* primary and secondary packets differ */
    SIM_COMPARE_TIMEOUT,    /* a packet waited compare_timeout_ticks */
} SimCompareReason;

/* Timeouts: a queued packet of either side (as upstream, which also scans
 * the secondary's queue) that has waited compare_timeout_ticks raises a
 * request at exactly that tick; while such a packet stays queued, the
 * request is repeated every scan_ticks.  The check is a clock event that
 * exists only while packets are queued, so an idle comparator leaves the
 * event queue empty. */

typedef enum SimReleaseWhy {
    SIM_RELEASE_MATCH,      /* the secondary's packet was equal */
    SIM_RELEASE_CHECKPOINT, /* flushed by a checkpoint */
    SIM_RELEASE_STOP,       /* flushed by stop (failover or not) */
    SIM_RELEASE_PASS,       /* not compared: idle or stopped */
} SimReleaseWhy;

/* A released primary packet, valid during the release callback only. */
typedef struct SimRelease {
    uint64_t seq;           /* 1, 2, ... over the comparator's life */
    uint64_t conn;
    const void *payload;
    size_t len;
    uint64_t arrived_tick;  /* when the primary produced it */
    SimReleaseWhy why;
} SimRelease;

/* The release callback sees what a client sees.  It must not call into this
 * comparator (aborts). */
typedef void SimCompareReleaseFn(void *ctx, const SimRelease *rel);

/* Asks for a checkpoint.  Always the last thing the comparator does in the
 * call that raised it, so the callback may run a checkpoint at once
 * (replication_do_checkpoint_all_in on the comparator's registry), stop the
 * comparator, or free it. */
typedef void SimCompareCheckpointFn(void *ctx, SimCompareReason reason,
                                    uint64_t conn);

typedef struct SimCompareConfig {
    const char *node;                   /* for the trace, e.g. "pri" */
    ReplicationRegistry *registry;      /* required: the primary's */
    SimClock *clock;                    /* required */
    SimTrace *trace;                    /* may be NULL */
    uint64_t compare_timeout_ticks;     /* 0 = default */
    uint64_t scan_ticks;                /* re-check period of a timeout; 0 = default */
    size_t max_queue;                   /* per connection and side; 0 = default */
    size_t max_connections;             /* with queued packets; 0 = default */
    SimLink *links[SIM_COMPARE_MAX_LINKS];  /* reported by get_error when down */
    SimCompareReleaseFn *release;       /* may be NULL */
    void *release_ctx;
    SimCompareCheckpointFn *request_checkpoint; /* may be NULL */
    void *checkpoint_ctx;
} SimCompareConfig;

typedef struct SimCompareStats {
    uint64_t primary_in;        /* primary packets given */
    uint64_t secondary_in;      /* secondary packets given */
    uint64_t released;          /* every release, whatever the reason */
    uint64_t passed;            /* released without comparison */
    uint64_t matched;           /* released on an equal secondary packet */
    uint64_t mismatches;
    uint64_t timeouts;          /* timeout checks that found an old packet */
    uint64_t dropped;           /* packets refused at a limit (either side) */
    uint64_t checkpoint_requests;
    uint64_t checkpoints;       /* checkpoint callbacks run */
    uint64_t secondary_flushed; /* secondary packets dropped by checkpoint/stop */
    uint64_t secondary_ignored; /* secondary packets given while not running */
    uint64_t discarded;         /* queued packets freed unreleased by free */
    uint64_t released_hash;     /* XXH3-64 chain over (conn, len, payload) released */
} SimCompareStats;

typedef struct SimCompare SimCompare;

/* A new comparator in stage IDLE, registered in cfg->registry (ReplicationOps
 * start, stop, checkpoint, get_error; see below).  Returns 0 with *out set,
 * or -EINVAL (registry or clock missing, node name empty or too long),
 * -ENOMEM (including the registry refusing the state: "registry/alloc");
 * on error *out is NULL and err (when not NULL) holds a one-line message.
 * Safe inside a replication callback (the new state is not visited by a
 * walk in progress). */
int sim_compare_new(const SimCompareConfig *cfg, SimCompare **out, char *err,
                    size_t errlen);

/* Unregister and release.  Queued packets are discarded, never released:
 * freeing models the primary going away (upstream's object-del flushes
 * instead; stop first to get that).  Pending events are cancelled.  NULL is
 * a no-op.  Free it before its registry (the registry would free the state
 * under it).  Safe inside a replication callback and inside the checkpoint
 * request callback; aborts inside the release callback. */
void sim_compare_free(SimCompare *cmp);

/* The first half of sim_compare_free: unregistered, queued packets
 * discarded (traced as free traces them), events cancelled; the memory
 * stays for sim_compare_renew or sim_compare_free, the only calls allowed
 * next.  Same contexts as sim_compare_free. */
void sim_compare_empty(SimCompare *cmp);

/* An emptied comparator made again in place as sim_compare_new makes one
 * of cfg (the same comparator and errors; its connection table kept when
 * the number of connections is the same): what a cluster reused from run
 * to run does (issue 22).  Returns sim_compare_new's codes; on error the
 * comparator is only to be freed.  Not inside a replication callback. */
int sim_compare_renew(SimCompare *cmp, const SimCompareConfig *cfg, char *err,
                      size_t errlen);

/* A packet of the primary VM on connection conn.  Idle or stopped: released
 * at once (SIM_RELEASE_PASS).  Running: queued; released when the
 * secondary's packet at the same position of conn is equal.  Returns 0
 * (released or queued), -EMSGSIZE (len > SIM_MSG_MAX_BYTES), -EINVAL (NULL
 * payload with len), -ENOBUFS (the connection's queue is full: dropped, and
 * get_error reports "colo-compare: queue limit reached on connection <conn>"),
 * -ENOSPC (max_connections have packets queued: dropped, get_error reports
 * "colo-compare: too many connections (limit <n>)"), -ENOMEM.
 * Cost: O(max_connections) to find the connection, plus the packets
 * released.  Safe inside a replication callback and a deliver callback;
 * aborts inside the release callback. */
int sim_compare_primary(SimCompare *cmp, uint64_t conn, const void *payload,
                        size_t len);

/* The secondary VM's packet on conn (arrived over the s->p link).  Ignored
 * (counted, traced) unless running.  Same returns and limits as
 * sim_compare_primary.  A mismatch requests a checkpoint once; the
 * connection then holds every packet until a checkpoint. */
int sim_compare_secondary(SimCompare *cmp, uint64_t conn, const void *payload,
                          size_t len);

/* A SimLinkDeliverFn feeding SIM_MSG_PACKET messages (tag = connection) to
 * sim_compare_secondary; ctx is the SimCompare.  Other kinds are traced and
 * ignored. */
void sim_compare_link_deliver(void *ctx, const SimMsg *msg);

SimCompareStage sim_compare_stage(const SimCompare *cmp);
const SimCompareStats *sim_compare_stats(const SimCompare *cmp);
ReplicationState *sim_compare_state(const SimCompare *cmp);

/* What the comparator holds, for a liveness check (liveness.h): the
 * packet it has held longest (a primary one when it holds any: what a
 * client waits for; else a secondary one waiting for its primary) and the
 * totals queued. */
typedef struct SimCompareHeld {
    uint64_t number;        /* the packet's number on its side: the Nth
                               packet the comparator was given from there */
    uint64_t conn;
    uint64_t since_tick;    /* when it arrived */
    bool secondary_side;    /* a secondary packet (no primary one is held) */
    size_t primary, secondary;  /* packets queued, per side */
} SimCompareHeld;

/* Fills *out (zeroed when nothing is queued); true when a packet is held.
 * No side effects. */
bool sim_compare_oldest(const SimCompare *cmp, SimCompareHeld *out);

/* Packets queued on conn, per side (0, 0 for a connection without any). */
void sim_compare_queued(const SimCompare *cmp, uint64_t conn,
                        size_t *primary, size_t *secondary);

/* The comparator's ReplicationOps (errors are exact texts):
 * start(mode): IDLE -> RUNNING.  Mode not PRIMARY: "colo-compare: runs on
 *   the primary only, got mode <m>".  RUNNING: "colo-compare: already
 *   running".  STOPPED: ignored, no error (as block replication ignores
 *   start after failover).
 * checkpoint: releases every queued primary packet (in arrival order per
 *   connection), drops every queued secondary packet, unblocks connections.
 *   Not running: nothing queued, nothing to do.
 * stop(failover): RUNNING -> STOPPED, releasing every queued primary packet
 *   and dropping the secondary's, whatever failover says: with failover the
 *   primary goes on alone and its output is the truth; without it
 *   replication ends in order and the primary keeps running.  Later packets
 *   pass through.  IDLE: "colo-compare: not running".  STOPPED: ignored.
 * get_error: the first limit error recorded (sticky: a dropped packet stays
 *   lost), else "link <name> is down" for the first configured link that is
 *   down, else no error. */

#endif /* REPLBENCH_SIM_COMPARE_H */
