/* link.c: simulated links (link.h).  Owns in-flight messages and the clock
 * events that carry them; never touches disks, nodes, the comparator or
 * registries' states.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "host.h"
#include "link.h"
#include "prng.h"
#include "probe.h"

const SimFaultTemplate sim_link_templates[SIM_LINK_POINT__COUNT] = {
    [SIM_LINK_POINT_DOWN] = {
        "net/<link>/down", "the link goes down at this send (until healed)" },
    [SIM_LINK_POINT_DROP] = {
        "net/<link>/drop", "a message sent on the link is lost" },
    [SIM_LINK_POINT_DELAY] = {
        "net/<link>/delay", "a message sent on the link takes extra ticks" },
    [SIM_LINK_POINT_DUPLICATE] = {
        "net/<link>/duplicate", "a message sent on the link is delivered twice" },
    [SIM_LINK_POINT_REORDER] = {
        "net/<link>/reorder", "a message sent on the link is delivered after the "
                              "next one" },
};

int sim_link_point_name(char *buf, size_t len, const char *link,
                        SimLinkPoint point)
{
    SIM_CHECK_OP((unsigned)point, <, SIM_LINK_POINT__COUNT);
    return sim_fault_name(buf, len, &sim_link_templates[point], link);
}

const char *const sim_link_fault_flags[SIM_LINK_POINT__COUNT] = {
    [SIM_LINK_POINT_DELAY] = "delay", [SIM_LINK_POINT_DUPLICATE] = "duplicate",
    [SIM_LINK_POINT_REORDER] = "reorder",
};

static const char *const kind_name[SIM_MSG__MAX] = {
    [SIM_MSG_DISK_WRITE] = "disk-write", [SIM_MSG_PACKET] = "packet",
    [SIM_MSG_CONTROL] = "control",
};

const char *sim_msg_kind_name(SimMsgKind kind)
{
    return kind < SIM_MSG__MAX ? kind_name[kind] : "?";
}

typedef enum FlightState {
    FLIGHT_PLAIN,       /* waiting for its own event */
    FLIGHT_HELD,        /* reordered: in link->held, waiting for a leader */
    FLIGHT_ATTACHED,    /* reordered: delivered right after its leader */
} FlightState;

/* One accepted message, freed once delivered or lost.  It has exactly one
 * clock event of its own.  A reordered message's event is its hold timeout
 * and carries the message itself as the event's arg, so that its leader can
 * cancel it when delivering it first; every other event carries the link. */
typedef struct Flight Flight;
struct Flight {
    Flight *prev, *next;        /* link->flights, for free and counting */
    Flight *chain;              /* next in link->held or in a leader's list */
    Flight *leader;             /* FLIGHT_ATTACHED: whose event delivers it */
    Flight *followers;          /* held messages to deliver after this one */
    SimLink *link;
    FlightState state;
    bool own_timer;             /* the event's arg is this message */
    unsigned copies;            /* 1, or 2 when duplicated */
    SimMsgKind kind;
    uint64_t id, tag, sent_tick, epoch;
    size_t len;
    unsigned char data[];
};

struct SimLink {
    char name[SIM_NET_NAME_MAX];
    char from[SIM_NET_NAME_MAX];
    char to[SIM_NET_NAME_MAX];
    char points[SIM_LINK_POINT__COUNT][SIM_FAULT_NAME_MAX];
    SimFaultRef refs[SIM_LINK_POINT__COUNT];    /* the points, for their hits */
    uint64_t latency_ticks, delay_ticks, hold_ticks;
    size_t max_in_flight;
    SimClock *clock;
    SimTrace *trace;
    SimFaults *faults;
    SimLinkDeliverFn *deliver;
    void *ctx;
    bool down;
    uint64_t epoch;             /* +1 each time the link goes down */
    uint64_t next_id;
    unsigned delivering;        /* deliver callbacks running */
    Flight *flights;
    size_t in_flight;
    Flight *held;               /* FIFO of FLIGHT_HELD */
    SimLinkStats stats;
};

static const char *const event_names[SIM_LINK_EV__COUNT] = {
    [SIM_LINK_EV_SEND] = "send", [SIM_LINK_EV_DELIVER] = "deliver",
    [SIM_LINK_EV_LOST] = "lost", [SIM_LINK_EV_REFUSE] = "refuse",
    [SIM_LINK_EV_DROP] = "drop", [SIM_LINK_EV_FAULT] = "fault",
    [SIM_LINK_EV_DOWN] = "down", [SIM_LINK_EV_UP] = "up",
};

static const char *const down_names[] = {
    [SIM_LINK_DOWN_CALLER] = "caller", [SIM_LINK_DOWN_FAULT] = "fault",
};

/* "<from> net <event> <link> fields" */
static void link_trace(SimLink *l, SimLinkEvent ev, const SimTraceField *f, unsigned n)
{
    SimTraceField all[SIM_TRACE_FIELDS_MAX];

    if (l->trace == NULL) {
        return;
    }
    SIM_CHECK_OP(n, <, SIM_TRACE_FIELDS_MAX);
    all[0] = sim_tf_flags(sim_tf_str(SIM_LINK_F_LINK, l->name), SIM_TF_BARE);
    memcpy(all + 1, f, n * sizeof(*f));
    sim_trace_emit(l->trace, &(SimTraceEvent){
        .tick = sim_clock_now(l->clock), .node = l->from, .comp = SIM_COMP_NET,
        .kind = (int)ev, .name = event_names[ev], .field = all, .nfields = n + 1 });
}

static int register_points(SimLink *l, char *err, size_t errlen)
{
    char name[SIM_NET_NAME_MAX];

    /* A copy: gcc cannot tell that l->name and l->points never overlap. */
    memcpy(name, l->name, sizeof(name));
    for (int i = 0; i < SIM_LINK_POINT__COUNT; i++) {
        int rc = sim_link_point_name(l->points[i], sizeof(l->points[i]), name,
                                     (SimLinkPoint)i);

        SIM_CHECK_OP(rc, ==, 0);    /* sim_net_name_ok bounded the name */
        if (l->faults == NULL) {
            continue;
        }
        rc = sim_faults_add(l->faults, &sim_link_templates[i], name);
        if (rc < 0 && rc != -EEXIST) {
            return sim_fail(err, errlen, rc, "link %s: cannot register fault "
                        "point %s: %s", l->name, l->points[i], strerror(-rc));
        }
        rc = sim_faults_ref(l->faults, l->points[i], &l->refs[i]);
        SIM_CHECK_OP(rc, ==, 0);
    }
    return 0;
}

static int check_link_config(const SimLinkConfig *cfg, char *err,
                             size_t errlen)
{
    if (cfg == NULL || !sim_net_name_ok(cfg->name)) {
        return sim_fail(err, errlen, -EINVAL, "link: name must be 1 to %d "
                    "characters", SIM_NET_NAME_MAX - 1);
    }
    if (!sim_net_name_ok(cfg->from) || !sim_net_name_ok(cfg->to)) {
        return sim_fail(err, errlen, -EINVAL, "link %s: node names must be 1 to "
                    "%d characters", cfg->name, SIM_NET_NAME_MAX - 1);
    }
    if (cfg->clock == NULL || cfg->deliver == NULL) {
        return sim_fail(err, errlen, -EINVAL, "link %s: a clock and a deliver "
                    "callback are required", cfg->name);
    }
    return 0;
}

/* A zeroed l made the link of cfg (checked): 0 or register_points'
 * error. */
static int setup(SimLink *l, const SimLinkConfig *cfg, char *err, size_t errlen)
{
    snprintf(l->name, sizeof(l->name), "%s", cfg->name);
    snprintf(l->from, sizeof(l->from), "%s", cfg->from);
    snprintf(l->to, sizeof(l->to), "%s", cfg->to);
    l->latency_ticks = cfg->latency_ticks;
    l->delay_ticks = cfg->delay_ticks;
    l->hold_ticks = cfg->hold_ticks ? cfg->hold_ticks
                                    : SIM_LINK_DEFAULT_HOLD_TICKS;
    l->max_in_flight = cfg->max_in_flight ? cfg->max_in_flight
                                          : SIM_LINK_DEFAULT_MAX_IN_FLIGHT;
    l->clock = cfg->clock;
    l->trace = cfg->trace;
    l->faults = cfg->faults;
    l->deliver = cfg->deliver;
    l->ctx = cfg->ctx;
    return register_points(l, err, errlen);
}

int sim_link_new(const SimLinkConfig *cfg, SimLink **out, char *err,
                 size_t errlen)
{
    SimLink *l;
    int rc;

    SIM_CHECK(out != NULL);
    *out = NULL;
    rc = check_link_config(cfg, err, errlen);
    if (rc < 0) {
        return rc;
    }
    l = sim_host_calloc(1, sizeof(*l), "link");
    if (l == NULL) {
        return sim_fail(err, errlen, -ENOMEM, "link %s: out of memory", cfg->name);
    }
    rc = setup(l, cfg, err, errlen);
    if (rc < 0) {
        free(l);
        return rc;
    }
    *out = l;
    return 0;
}

static void retire(SimLink *l, Flight *f)
{
    SIM_CHECK(l->in_flight > 0);
    if (f->prev != NULL) {
        f->prev->next = f->next;
    } else {
        l->flights = f->next;
    }
    if (f->next != NULL) {
        f->next->prev = f->prev;
    }
    l->in_flight--;
    free(f);
}

void sim_link_empty(SimLink *link)
{
    SIM_CHECK(link->delivering == 0);
    sim_clock_cancel(link->clock, link);
    while (link->flights != NULL) {
        if (link->flights->own_timer) {
            sim_clock_cancel(link->clock, link->flights);
        }
        retire(link, link->flights);
    }
}

void sim_link_free(SimLink *link)
{
    if (link == NULL) {
        return;
    }
    sim_link_empty(link);
    free(link);
}

int sim_link_renew(SimLink *link, const SimLinkConfig *cfg, char *err, size_t errlen)
{
    int rc = check_link_config(cfg, err, errlen);

    if (rc < 0) {
        return rc;
    }
    sim_link_empty(link);
    memset(link, 0, sizeof(*link));
    return setup(link, cfg, err, errlen);
}

static bool fires(SimLink *l, SimLinkPoint point)
{
    if (l->faults == NULL) {
        return false;
    }
    return SIM_FAULT_AT(&l->refs[point]);
}

static void go_down(SimLink *l, SimLinkDownReason why)
{
    Flight *f;

    l->down = true;
    l->epoch++;
    l->stats.downs++;
    /* Held messages belong to the broken connection: their own events will
     * find the epoch changed and count them lost. */
    while ((f = l->held) != NULL) {
        l->held = f->chain;
        f->chain = NULL;
        f->state = FLIGHT_PLAIN;
    }
    link_trace(l, SIM_LINK_EV_DOWN, SIM_TRACE_FIELDS(sim_tf_word(SIM_LINK_F_REASON, why, down_names[why]),
                                                    sim_tf_u64("in_flight", l->in_flight)));
}

void sim_link_set_down(SimLink *link, bool down)
{
    SIM_CHECK(link != NULL);
    if (link->down == down) {
        return;
    }
    if (down) {
        go_down(link, SIM_LINK_DOWN_CALLER);
    } else {
        link->down = false;
        link_trace(link, SIM_LINK_EV_UP, SIM_TRACE_FIELDS(sim_tf_u64("epoch", link->epoch)));
    }
}

bool sim_link_is_down(const SimLink *link)
{
    return link->down;
}

const char *sim_link_name(const SimLink *link)
{
    return link->name;
}

const SimLinkStats *sim_link_stats(const SimLink *link)
{
    return &link->stats;
}

size_t sim_link_in_flight(const SimLink *link)
{
    return link->in_flight;
}

bool sim_link_oldest(const SimLink *link, uint64_t *id, uint64_t *sent_tick)
{
    const Flight *oldest = NULL;

    for (const Flight *f = link->flights; f != NULL; f = f->next) {
        if (oldest == NULL || f->id < oldest->id) {
            oldest = f;
        }
    }
    *id = oldest ? oldest->id : 0;
    *sent_tick = oldest ? oldest->sent_tick : 0;
    return oldest != NULL;
}

static void deliver_copies(SimLink *l, Flight *f)
{
    for (unsigned c = 0; c < f->copies; c++) {
        SimMsg msg = {
            .id = f->id, .kind = f->kind, .tag = f->tag,
            .payload = f->len ? f->data : NULL, .len = f->len,
            .sent_tick = f->sent_tick, .copy = c,
        };

        if (l->down || f->epoch != l->epoch) {
            sim_probe_hit(SIM_PROBE_LINK_LOST_DOWN);
            l->stats.lost += f->copies - c;
            link_trace(l, SIM_LINK_EV_LOST,
                       SIM_TRACE_FIELDS(sim_tf_u64("id", f->id),
                                        sim_tf_u64("copies", f->copies - c),
                                        sim_tf_str("reason", l->down ? "down" : "broken")));
            break;
        }
        l->stats.delivered++;
        link_trace(l, SIM_LINK_EV_DELIVER,
                   SIM_TRACE_FIELDS(sim_tf_u64("id", f->id), sim_tf_u64("copy", c),
                                    sim_tf_str("to", l->to)));
        l->delivering++;
        l->deliver(l->ctx, &msg);
        l->delivering--;
    }
}

static void unchain(Flight **list, Flight *f)
{
    for (Flight **p = list; *p != NULL; p = &(*p)->chain) {
        if (*p == f) {
            *p = f->chain;
            f->chain = NULL;
            return;
        }
    }
    sim_check_failed(__FILE__, __func__, "message not in its list", 0, 0, false);
}

/* A message's own event (its delivery, or the end of its hold): deliver
 * it, then the held messages attached to it, and free them all. */
static void on_flight(SimClock *clock, void *arg, uint64_t data)
{
    Flight *f = (Flight *)(uintptr_t)data;
    SimLink *l = f->link;
    Flight *g;

    (void)arg;
    if (f->state == FLIGHT_HELD) {
        unchain(&l->held, f);
    } else if (f->state == FLIGHT_ATTACHED) {
        unchain(&f->leader->followers, f);
        f->leader = NULL;
    }
    f->state = FLIGHT_PLAIN;
    deliver_copies(l, f);
    while ((g = f->followers) != NULL) {
        f->followers = g->chain;
        g->chain = NULL;
        g->leader = NULL;
        g->state = FLIGHT_PLAIN;
        SIM_CHECK(sim_clock_cancel(clock, g) == 1);
        deliver_copies(l, g);
        retire(l, g);
    }
    retire(l, f);
}

/* Reordered messages wait for the next message that is scheduled normally. */
static void attach_held(SimLink *l, Flight *leader)
{
    Flight *f;

    SIM_CHECK(leader->followers == NULL);
    leader->followers = l->held;
    l->held = NULL;
    for (f = leader->followers; f != NULL; f = f->chain) {
        f->state = FLIGHT_ATTACHED;
        f->leader = leader;
    }
}

static Flight *new_flight(SimLink *l, SimMsgKind kind, uint64_t tag,
                          const void *payload, size_t len)
{
    /* Not calloc: the payload is copied over in full, and zeroing it first
     * was most of the memset of a fuzz_cluster run (issue 22). */
    Flight *f = sim_host_malloc(sizeof(*f) + len, "link: a message in flight");

    if (f == NULL) {
        return NULL;
    }
    memset(f, 0, sizeof(*f));
    f->link = l;
    f->kind = kind;
    f->tag = tag;
    f->len = len;
    f->copies = 1;
    f->sent_tick = sim_clock_now(l->clock);
    f->epoch = l->epoch;
    if (len > 0) {
        memcpy(f->data, payload, len);
    }
    return f;
}

static void track(SimLink *l, Flight *f)
{
    f->next = l->flights;
    if (l->flights != NULL) {
        l->flights->prev = f;
    }
    l->flights = f;
    l->in_flight++;
}

static int refuse(SimLink *l, int rc, const char *why)
{
    if (rc == -ENOTCONN) {
        l->stats.refused++;
    } else if (rc == -ENOBUFS) {
        l->stats.over_limit++;
    }
    link_trace(l, SIM_LINK_EV_REFUSE, SIM_TRACE_FIELDS(sim_tf_str("reason", why)));
    return rc;
}

/* Decide the faults of an accepted message and schedule it.  Returns 1 when
 * the drop fault took it (f is freed), 0 when scheduled, <0 on error. */
static int launch(SimLink *l, Flight *f)
{
    uint64_t after = l->latency_ticks;
    bool delay, dup, reorder;
    int rc;

    if (fires(l, SIM_LINK_POINT_DROP)) {
        sim_probe_hit(SIM_PROBE_LINK_DROPPED);
        l->stats.dropped++;
        link_trace(l, SIM_LINK_EV_DROP,
                   SIM_TRACE_FIELDS(sim_tf_u64("id", f->id), sim_tf_str("fault", "drop")));
        free(f);
        return 1;
    }
    delay = fires(l, SIM_LINK_POINT_DELAY);
    dup = fires(l, SIM_LINK_POINT_DUPLICATE);
    reorder = fires(l, SIM_LINK_POINT_REORDER);
    after += delay ? l->delay_ticks : 0;
    after += reorder ? l->hold_ticks : 0;
    f->own_timer = reorder;
    rc = sim_clock_schedule(l->clock, after, on_flight,
                            reorder ? (void *)f : (void *)l, (uintptr_t)f);
    if (rc < 0) {
        return rc;
    }
    f->copies = dup ? 2 : 1;
    if (dup) {
        sim_probe_hit(SIM_PROBE_LINK_DUPLICATED);
    }
    if (delay || reorder) {
        sim_probe_hit(SIM_PROBE_LINK_DELAYED_OR_REORDERED);
    }
    l->stats.delayed += delay;
    l->stats.duplicated += dup;
    l->stats.reordered += reorder;
    if (delay || dup || reorder) {
        link_trace(l, SIM_LINK_EV_FAULT,
                   SIM_TRACE_FIELDS(sim_tf_u64("id", f->id),
                                    sim_tf_bool(sim_link_fault_flags[SIM_LINK_POINT_DELAY],
                                                delay),
                                    sim_tf_bool(sim_link_fault_flags[SIM_LINK_POINT_DUPLICATE],
                                                dup),
                                    sim_tf_bool(sim_link_fault_flags[SIM_LINK_POINT_REORDER],
                                                reorder)));
    }
    if (reorder) {
        Flight **p = &l->held;

        while (*p != NULL) {
            p = &(*p)->chain;
        }
        *p = f;
        f->state = FLIGHT_HELD;
    } else {
        attach_held(l, f);
    }
    track(l, f);
    return 0;
}

int sim_link_send(SimLink *link, SimMsgKind kind, uint64_t tag,
                  const void *payload, size_t len)
{
    Flight *f;
    int rc;

    SIM_CHECK(link != NULL);
    if ((unsigned)kind >= SIM_MSG__MAX || (payload == NULL && len > 0)) {
        return -EINVAL;
    }
    if (len > SIM_MSG_MAX_BYTES) {
        return -EMSGSIZE;
    }
    if (link->down) {
        return refuse(link, -ENOTCONN, "down");
    }
    if (link->in_flight >= link->max_in_flight) {
        return refuse(link, -ENOBUFS, "max_in_flight");
    }
    if (fires(link, SIM_LINK_POINT_DOWN)) {
        go_down(link, SIM_LINK_DOWN_FAULT);
        return refuse(link, -ENOTCONN, "down");
    }
    f = new_flight(link, kind, tag, payload, len);
    if (f == NULL) {
        return refuse(link, -ENOMEM, "out-of-memory");
    }
    f->id = ++link->next_id;
    link->stats.sent++;
    link_trace(link, SIM_LINK_EV_SEND,
               SIM_TRACE_FIELDS(sim_tf_u64("id", f->id),
                                sim_tf_word("kind", kind, kind_name[kind]),
                                sim_tf_u64("tag", tag), sim_tf_u64("len", len)));
    rc = launch(link, f);
    if (rc < 0) {
        free(f);
        link->stats.sent--;         /* its id stays used: ids may have gaps */
        return refuse(link, rc, "clock");
    }
    return 0;
}
