/* link.h: a simulated network link.  SimLink carries messages one way between
 * two nodes, through the clock's event queue, with fault points (drop, delay,
 * duplicate, reorder, down).  Owns its messages in flight; never touches
 * disks, nodes, the comparator or registries.
 */
#ifndef REPLBENCH_SIM_LINK_H
#define REPLBENCH_SIM_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "clock.h"
#include "fault.h"
#include "replication.h"
#include "trace.h"

/* ---- Limits ---------------------------------------------------------------- */

#define SIM_NET_NAME_MAX 32                 /* link and node names, NUL included */
#define SIM_MSG_MAX_BYTES (64u * 1024u)     /* one message or packet payload */
#define SIM_LINK_DEFAULT_MAX_IN_FLIGHT 4096
#define SIM_LINK_DEFAULT_HOLD_TICKS 100     /* longest hold of a reordered message */

/* ---- Links ----------------------------------------------------------------- */

/* A link's trace events ("<from> net <event> <link> ...", trace.h); every
 * one's first field is link (the link's name).  Then: send id, kind, tag,
 * len; deliver id, copy, to; lost id, copies, reason; refuse reason; drop
 * id, fault (the drop point fired); fault id and the flags delay,
 * duplicate, reorder (the points that fired); down reason
 * (SimLinkDownReason), in_flight; up epoch. */
typedef enum SimLinkEvent {
    SIM_LINK_EV_SEND, SIM_LINK_EV_DELIVER, SIM_LINK_EV_LOST, SIM_LINK_EV_REFUSE,
    SIM_LINK_EV_DROP, SIM_LINK_EV_FAULT, SIM_LINK_EV_DOWN, SIM_LINK_EV_UP,
    SIM_LINK_EV__COUNT
} SimLinkEvent;

/* Why a link went down: sim_link_set_down(), or its down point fired. */
typedef enum SimLinkDownReason {
    SIM_LINK_DOWN_CALLER, SIM_LINK_DOWN_FAULT
} SimLinkDownReason;

typedef enum SimMsgKind {
    SIM_MSG_DISK_WRITE,     /* a forwarded guest write; tag: first sector */
    SIM_MSG_PACKET,         /* a VM output packet; tag: connection id */
    SIM_MSG_CONTROL,        /* COLO control traffic; tag: the caller's */
    SIM_MSG__MAX
} SimMsgKind;

/* A delivered message.  Everything here, payload included, is valid only
 * during the deliver callback. */
/* "disk-write", "packet", "control" (as traced); "?" out of range. */
const char *sim_msg_kind_name(SimMsgKind kind);

typedef struct SimMsg {
    uint64_t id;            /* assigned by the link at send, from 1, increasing */
    SimMsgKind kind;
    uint64_t tag;
    const void *payload;    /* NULL when len is 0 */
    size_t len;
    uint64_t sent_tick;
    unsigned copy;          /* 0; 1 for the second copy of a duplicated message */
} SimMsg;

/* Called once per delivered copy, from a clock event (never from inside
 * sim_link_send).  It may send on any link, including this one, and take
 * links down or up; it must not free this link (aborts). */
typedef void SimLinkDeliverFn(void *ctx, const SimMsg *msg);

typedef struct SimLinkConfig {
    const char *name;           /* "p2s": fault points are net/<name>/<fault> */
    const char *from;           /* node names, for the trace */
    const char *to;
    uint64_t latency_ticks;     /* every message: delivered at send + latency */
    uint64_t delay_ticks;       /* extra when net/<name>/delay fires */
    uint64_t hold_ticks;        /* reorder: longest hold; 0 = default */
    size_t max_in_flight;       /* see sim_link_in_flight; 0 = default */
    SimClock *clock;            /* required */
    SimTrace *trace;            /* may be NULL */
    SimFaults *faults;          /* may be NULL: no fault point is tested */
    SimLinkDeliverFn *deliver;  /* required */
    void *ctx;
} SimLinkConfig;

typedef struct SimLinkStats {
    uint64_t sent;          /* sends accepted (ids handed out) */
    uint64_t refused;       /* sends that returned -ENOTCONN */
    uint64_t over_limit;    /* sends that returned -ENOBUFS */
    uint64_t delivered;     /* copies handed to deliver, duplicates included */
    uint64_t dropped;       /* lost to the drop fault */
    uint64_t lost;          /* lost because the link went down */
    uint64_t delayed;
    uint64_t duplicated;
    uint64_t reordered;
    uint64_t downs;         /* times the link went down (fault or caller) */
} SimLinkStats;

typedef struct SimLink SimLink;

/* The link's fault points, "net/<link>/<what>", in the order a link
 * registers them (see sim_link_send for what each does). */
typedef enum SimLinkPoint {
    SIM_LINK_POINT_DOWN,
    SIM_LINK_POINT_DROP,
    SIM_LINK_POINT_DELAY,
    SIM_LINK_POINT_DUPLICATE,
    SIM_LINK_POINT_REORDER,
    SIM_LINK_POINT__COUNT
} SimLinkPoint;

/* The templates of the link's points, in SimLinkPoint order: the one place
 * their names are spelled. */
extern const SimFaultTemplate sim_link_templates[SIM_LINK_POINT__COUNT];

/* Keys of the link's event fields that readers take (sim_trace_need). */
#define SIM_LINK_F_LINK "link"              /* every event: the link's name */
#define SIM_LINK_F_REASON "reason"          /* down: a SimLinkDownReason (word) */

/* The fault event's flag (a bool field) of each point that one sets, in
 * SimLinkPoint order; NULL for the points with events of their own (down,
 * drop). */
extern const char *const sim_link_fault_flags[SIM_LINK_POINT__COUNT];

/* The concrete name of `point` of the link named `link`, as the link
 * registers it: 0 or sim_fault_name's error. */
int sim_link_point_name(char *buf, size_t len, const char *link,
                        SimLinkPoint point);

/* A new link, up, in *out.  With cfg->faults, registers its fault points
 * (SimLinkPoint; a point already registered,
 * by an earlier link of that name, is reused).  Returns 0, or -EINVAL for a
 * bad config (name empty or SIM_NET_NAME_MAX or longer, clock or deliver
 * missing), -ENOMEM, or the error of sim_faults_register; on error *out is
 * NULL and err (when not NULL) holds a one-line message. */
int sim_link_new(const SimLinkConfig *cfg, SimLink **out, char *err,
                 size_t errlen);

/* Cancel the link's pending events and release every message in flight
 * (they are never delivered).  NULL is a no-op.  Aborts when called from
 * inside this link's deliver callback, even indirectly (from a callback of
 * something that callback fed): defer such teardown to after the event. */
void sim_link_free(SimLink *link);

/* As sim_link_free, but the link's memory stays: only sim_link_renew or
 * sim_link_free may follow. */
void sim_link_empty(SimLink *link);

/* The link made again in place as sim_link_new makes one of cfg (the same
 * link, trace and errors, no allocation): what a cluster reused from run to
 * run does (issue 22).  Its messages in flight are dropped first, as
 * sim_link_free drops them.  Returns sim_link_new's codes; on error the
 * link is only to be freed. */
int sim_link_renew(SimLink *link, const SimLinkConfig *cfg, char *err, size_t errlen);

/* Send one message.  payload (len bytes, copied) may be NULL when len is 0.
 * Returns 0 when the link accepted the message: a fault may still lose it,
 * as on a real network.  Errors: -EINVAL (bad kind, NULL payload with len),
 * -EMSGSIZE (len > SIM_MSG_MAX_BYTES), -ENOTCONN (the link is down, or goes
 * down now through net/<name>/down: the sender learns it, as from a broken
 * TCP connection), -ENOBUFS (max_in_flight reached), -ENOSPC or -ENOMEM (the
 * clock's queue or memory).
 *
 * Faults, tested in this order when the link has a SimFaults: down (nothing
 * else is tested when it fires); drop (the message is lost, traced; nothing
 * else is tested); then delay (+delay_ticks), duplicate (delivered twice in a
 * row, same id, copy 1) and reorder, which combine.  A reordered message is
 * held back and delivered right after the next message sent on this link
 * that is neither dropped nor reordered itself, or at send + latency
 * (+ delay) + hold_ticks if that comes first.  Ids are monotonic; a send
 * refused by the clock (-ENOSPC, -ENOMEM) leaves a gap.
 *
 * Without faults, messages are delivered in order of (send tick + latency,
 * send order).  A message in flight when the link goes down is lost at its
 * delivery time, even if the link is up again by then (the connection it was
 * sent on is gone).  Safe inside a deliver callback. */
int sim_link_send(SimLink *link, SimMsgKind kind, uint64_t tag,
                  const void *payload, size_t len);

/* Take the link down (a partition of this direction) or bring it back up.
 * Going down starts a new connection: whatever is in flight is lost.
 * Setting the state it already has does nothing.  Safe inside a deliver
 * callback and a replication callback. */
void sim_link_set_down(SimLink *link, bool down);

bool sim_link_is_down(const SimLink *link);
const char *sim_link_name(const SimLink *link);
const SimLinkStats *sim_link_stats(const SimLink *link);

/* Messages accepted and not yet delivered or lost, held ones included.
 * max_in_flight bounds it. */
size_t sim_link_in_flight(const SimLink *link);

/* The message in flight the longest (the lowest id, held ones included),
 * for a liveness check (liveness.h): true with its id and send tick, or
 * false (both 0) when nothing is in flight. */
bool sim_link_oldest(const SimLink *link, uint64_t *id, uint64_t *sent_tick);

/* A link or node name: 1 to SIM_NET_NAME_MAX - 1 bytes. */
static inline bool sim_net_name_ok(const char *name)
{
    return name != NULL && name[0] != '\0' && strlen(name) < SIM_NET_NAME_MAX;
}

#endif /* REPLBENCH_SIM_LINK_H */
