/* net.c: simulated links and the COLO-compare style comparator (net.h).
 * Owns in-flight messages and queued packets, and the clock events that
 * carry them; never touches disks, nodes or other registries' states.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "net.h"
#include "prng.h"

static void tracef(SimTrace *t, const SimClock *clock, const char *node,
                   const char *component, const char *event,
                   const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static void tracef(SimTrace *t, const SimClock *clock, const char *node,
                   const char *component, const char *event,
                   const char *fmt, ...)
{
    char details[SIM_TRACE_LINE_MAX];
    va_list ap;

    if (t == NULL) {
        return;
    }
    va_start(ap, fmt);
    vsnprintf(details, sizeof(details), fmt, ap);
    va_end(ap);
    sim_trace_event(t, sim_clock_now(clock), node, component, event, "%s",
                    details);
}

static bool name_ok(const char *name)
{
    return name != NULL && name[0] != '\0' && strlen(name) < SIM_NET_NAME_MAX;
}

/* ==== Links ================================================================= */

enum { PT_DOWN, PT_DROP, PT_DELAY, PT_DUPLICATE, PT_REORDER, PT__MAX };

static const char *const point_suffix[PT__MAX] = {
    [PT_DOWN] = "down", [PT_DROP] = "drop", [PT_DELAY] = "delay",
    [PT_DUPLICATE] = "duplicate", [PT_REORDER] = "reorder",
};

static const char *const kind_name[SIM_MSG__MAX] = {
    [SIM_MSG_DISK_WRITE] = "disk-write", [SIM_MSG_PACKET] = "packet",
    [SIM_MSG_CONTROL] = "control",
};

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
    char points[PT__MAX][SIM_FAULT_NAME_MAX];
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

static void link_trace(SimLink *l, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void link_trace(SimLink *l, const char *event, const char *fmt, ...)
{
    char details[SIM_TRACE_LINE_MAX];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(details, sizeof(details), fmt, ap);
    va_end(ap);
    tracef(l->trace, l->clock, l->from, "net", event, "%s %s", l->name,
           details);
}

static int register_points(SimLink *l, char *err, size_t errlen)
{
    char name[SIM_NET_NAME_MAX];

    /* A copy: gcc cannot tell that l->name and l->points never overlap. */
    memcpy(name, l->name, sizeof(name));
    for (int i = 0; i < PT__MAX; i++) {
        int rc;

        snprintf(l->points[i], sizeof(l->points[i]), "net/%s/%s", name,
                 point_suffix[i]);
        if (l->faults == NULL) {
            continue;
        }
        rc = sim_faults_register(l->faults, l->points[i]);
        if (rc < 0 && rc != -EEXIST) {
            return sim_fail(err, errlen, rc, "link %s: cannot register fault "
                        "point %s: %s", l->name, l->points[i], strerror(-rc));
        }
    }
    return 0;
}

static int check_link_config(const SimLinkConfig *cfg, char *err,
                             size_t errlen)
{
    if (cfg == NULL || !name_ok(cfg->name)) {
        return sim_fail(err, errlen, -EINVAL, "link: name must be 1 to %d "
                    "characters", SIM_NET_NAME_MAX - 1);
    }
    if (!name_ok(cfg->from) || !name_ok(cfg->to)) {
        return sim_fail(err, errlen, -EINVAL, "link %s: node names must be 1 to "
                    "%d characters", cfg->name, SIM_NET_NAME_MAX - 1);
    }
    if (cfg->clock == NULL || cfg->deliver == NULL) {
        return sim_fail(err, errlen, -EINVAL, "link %s: a clock and a deliver "
                    "callback are required", cfg->name);
    }
    return 0;
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
    l = calloc(1, sizeof(*l));
    if (l == NULL) {
        return sim_fail(err, errlen, -ENOMEM, "link %s: out of memory", cfg->name);
    }
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
    rc = register_points(l, err, errlen);
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

void sim_link_free(SimLink *link)
{
    if (link == NULL) {
        return;
    }
    SIM_CHECK(link->delivering == 0);
    sim_clock_cancel(link->clock, link);
    while (link->flights != NULL) {
        if (link->flights->own_timer) {
            sim_clock_cancel(link->clock, link->flights);
        }
        retire(link, link->flights);
    }
    free(link);
}

static bool fires(SimLink *l, int point)
{
    if (l->faults == NULL) {
        return false;
    }
    return SIM_FAULT(l->points[point]);
}

static void go_down(SimLink *l, const char *why)
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
    link_trace(l, "down", "reason=%s in_flight=%zu", why, l->in_flight);
}

void sim_link_set_down(SimLink *link, bool down)
{
    SIM_CHECK(link != NULL);
    if (link->down == down) {
        return;
    }
    if (down) {
        go_down(link, "caller");
    } else {
        link->down = false;
        link_trace(link, "up", "epoch=%" PRIu64, link->epoch);
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

static void deliver_copies(SimLink *l, Flight *f)
{
    for (unsigned c = 0; c < f->copies; c++) {
        SimMsg msg = {
            .id = f->id, .kind = f->kind, .tag = f->tag,
            .payload = f->len ? f->data : NULL, .len = f->len,
            .sent_tick = f->sent_tick, .copy = c,
        };

        if (l->down || f->epoch != l->epoch) {
            l->stats.lost += f->copies - c;
            link_trace(l, "lost", "id=%" PRIu64 " copies=%u reason=%s",
                       f->id, f->copies - c, l->down ? "down" : "broken");
            break;
        }
        l->stats.delivered++;
        link_trace(l, "deliver", "id=%" PRIu64 " copy=%u to=%s", f->id, c,
                   l->to);
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
    Flight *f = calloc(1, sizeof(*f) + len);

    if (f == NULL) {
        return NULL;
    }
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
    link_trace(l, "refuse", "reason=%s", why);
    return rc;
}

/* Decide the faults of an accepted message and schedule it.  Returns 1 when
 * the drop fault took it (f is freed), 0 when scheduled, <0 on error. */
static int launch(SimLink *l, Flight *f)
{
    uint64_t after = l->latency_ticks;
    bool delay, dup, reorder;
    int rc;

    if (fires(l, PT_DROP)) {
        l->stats.dropped++;
        link_trace(l, "drop", "id=%" PRIu64 " fault=drop", f->id);
        free(f);
        return 1;
    }
    delay = fires(l, PT_DELAY);
    dup = fires(l, PT_DUPLICATE);
    reorder = fires(l, PT_REORDER);
    after += delay ? l->delay_ticks : 0;
    after += reorder ? l->hold_ticks : 0;
    f->own_timer = reorder;
    rc = sim_clock_schedule(l->clock, after, on_flight,
                            reorder ? (void *)f : (void *)l, (uintptr_t)f);
    if (rc < 0) {
        return rc;
    }
    f->copies = dup ? 2 : 1;
    l->stats.delayed += delay;
    l->stats.duplicated += dup;
    l->stats.reordered += reorder;
    if (delay || dup || reorder) {
        link_trace(l, "fault", "id=%" PRIu64 "%s%s%s", f->id,
                   delay ? " delay" : "", dup ? " duplicate" : "",
                   reorder ? " reorder" : "");
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
    if (fires(link, PT_DOWN)) {
        go_down(link, "fault");
        return refuse(link, -ENOTCONN, "down");
    }
    f = new_flight(link, kind, tag, payload, len);
    if (f == NULL) {
        return refuse(link, -ENOMEM, "out-of-memory");
    }
    f->id = ++link->next_id;
    link->stats.sent++;
    link_trace(link, "send", "id=%" PRIu64 " kind=%s tag=%" PRIu64
               " len=%zu", f->id, kind_name[kind], tag, len);
    rc = launch(link, f);
    if (rc < 0) {
        free(f);
        link->stats.sent--;         /* its id stays used: ids may have gaps */
        return refuse(link, rc, "clock");
    }
    return 0;
}

/* ==== Comparator ============================================================ */

typedef struct Pkt Pkt;
struct Pkt {
    Pkt *next;
    uint64_t arrived_tick;
    size_t len;
    unsigned char data[];
};

typedef struct Queue {
    Pkt *head, *tail;
    size_t len;
} Queue;

typedef struct Conn {
    uint64_t id;
    bool used;
    bool blocked;           /* a mismatch: hold everything until a checkpoint */
    Queue pri, sec;
} Conn;

enum { SIDE_PRIMARY, SIDE_SECONDARY };

static const char *const side_name[] = { "primary", "secondary" };
static const char *const reason_name[] = {
    [SIM_COMPARE_MISMATCH] = "mismatch", [SIM_COMPARE_TIMEOUT] = "timeout",
};
static const char *const why_name[] = {
    [SIM_RELEASE_MATCH] = "match", [SIM_RELEASE_CHECKPOINT] = "checkpoint",
    [SIM_RELEASE_STOP] = "stop", [SIM_RELEASE_PASS] = "pass",
};

struct SimCompare {
    char node[SIM_NET_NAME_MAX];
    ReplicationState *rs;
    SimClock *clock;
    SimTrace *trace;
    uint64_t timeout_ticks, scan_ticks;
    size_t max_queue, max_conns;
    SimLink *links[SIM_COMPARE_MAX_LINKS];
    SimCompareReleaseFn *release;
    void *release_ctx;
    SimCompareCheckpointFn *request_checkpoint;
    void *checkpoint_ctx;
    SimCompareStage stage;
    Conn *conns;
    bool check_pending;
    bool in_release;
    char error[128];        /* first limit error; "" when none */
    uint64_t release_seq;
    SimCompareStats stats;
};

static void cmp_trace(SimCompare *c, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void cmp_trace(SimCompare *c, const char *event, const char *fmt, ...)
{
    char details[SIM_TRACE_LINE_MAX];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(details, sizeof(details), fmt, ap);
    va_end(ap);
    tracef(c->trace, c->clock, c->node, "compare", event, "%s", details);
}

static void record_error(SimCompare *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void record_error(SimCompare *c, const char *fmt, ...)
{
    va_list ap;

    if (c->error[0] != '\0') {
        return;             /* first error wins */
    }
    va_start(ap, fmt);
    vsnprintf(c->error, sizeof(c->error), fmt, ap);
    va_end(ap);
}

static void push(Queue *q, Pkt *p)
{
    p->next = NULL;
    if (q->tail != NULL) {
        q->tail->next = p;
    } else {
        q->head = p;
    }
    q->tail = p;
    q->len++;
}

static Pkt *pop(Queue *q)
{
    Pkt *p = q->head;

    SIM_CHECK(p != NULL && q->len > 0);
    q->head = p->next;
    if (q->head == NULL) {
        q->tail = NULL;
    }
    q->len--;
    return p;
}

/* Hand a primary packet to the client side, then free it. */
static void release(SimCompare *c, uint64_t conn, Pkt *p, SimReleaseWhy why)
{
    SimRelease rel = {
        .seq = ++c->release_seq, .conn = conn,
        .payload = p->len ? p->data : NULL, .len = p->len,
        .arrived_tick = p->arrived_tick, .why = why,
    };
    uint64_t h = c->stats.released_hash;

    h = sim_hash_bytes(h, &conn, sizeof(conn));
    h = sim_hash_bytes(h, &rel.len, sizeof(rel.len));
    c->stats.released_hash = sim_hash_bytes(h, p->data, p->len);
    c->stats.released++;
    c->stats.matched += why == SIM_RELEASE_MATCH;
    c->stats.passed += why == SIM_RELEASE_PASS;
    cmp_trace(c, "release", "seq=%" PRIu64 " conn=%" PRIu64 " len=%zu why=%s",
              rel.seq, conn, p->len, why_name[why]);
    if (c->release != NULL) {
        SIM_CHECK(!c->in_release);
        c->in_release = true;
        c->release(c->release_ctx, &rel);
        c->in_release = false;
    }
    free(p);
}

static Conn *find_conn(SimCompare *c, uint64_t id, bool create)
{
    Conn *spare = NULL;

    for (size_t i = 0; i < c->max_conns; i++) {
        Conn *k = &c->conns[i];

        if (k->used && k->id == id) {
            return k;
        }
        if (!k->used && spare == NULL) {
            spare = k;
        }
    }
    if (!create || spare == NULL) {
        return NULL;
    }
    memset(spare, 0, sizeof(*spare));
    spare->id = id;
    spare->used = true;
    return spare;
}

/* A connection with nothing queued has no state left: free its slot. */
static void maybe_forget(Conn *k)
{
    if (k->pri.len == 0 && k->sec.len == 0) {
        SIM_CHECK(k->pri.head == NULL && k->sec.head == NULL);
        k->used = false;
        k->blocked = false;
    }
}

/* Compare queue heads pairwise.  Returns true on a (new) mismatch. */
static bool compare_conn(SimCompare *c, Conn *k)
{
    while (!k->blocked && k->pri.len > 0 && k->sec.len > 0) {
        Pkt *p = k->pri.head, *s = k->sec.head;

        if (p->len != s->len || memcmp(p->data, s->data, p->len) != 0) {
            k->blocked = true;
            c->stats.mismatches++;
            cmp_trace(c, "mismatch", "conn=%" PRIu64 " primary_len=%zu "
                      "secondary_len=%zu", k->id, p->len, s->len);
            return true;
        }
        free(pop(&k->sec));
        release(c, k->id, pop(&k->pri), SIM_RELEASE_MATCH);
    }
    maybe_forget(k);
    return false;
}

/* The checkpoint request: always the caller's last use of c. */
static void request(SimCompare *c, SimCompareReason reason, uint64_t conn)
{
    c->stats.checkpoint_requests++;
    cmp_trace(c, "request-checkpoint", "reason=%s conn=%" PRIu64,
              reason_name[reason], conn);
    if (c->request_checkpoint != NULL) {
        c->request_checkpoint(c->checkpoint_ctx, reason, conn);
    }
}

static void on_check(SimClock *clock, void *arg, uint64_t data);

static void schedule_check(SimCompare *c, uint64_t after_ticks)
{
    int rc = sim_clock_schedule(c->clock, after_ticks, on_check, c, 0);

    if (rc < 0) {
        record_error(c, "colo-compare: cannot schedule the timeout check: %s",
                     strerror(-rc));
        cmp_trace(c, "error", "schedule-check rc=%d", rc);
        return;
    }
    c->check_pending = true;
}

/* The oldest queued packet's arrival tick, and its connection. */
static bool oldest(const SimCompare *c, uint64_t *tick, uint64_t *conn)
{
    bool found = false;

    for (size_t i = 0; i < c->max_conns; i++) {
        const Conn *k = &c->conns[i];
        const Pkt *heads[2] = { k->pri.head, k->sec.head };

        for (int j = 0; k->used && j < 2; j++) {
            if (heads[j] != NULL && (!found || heads[j]->arrived_tick < *tick)) {
                *tick = heads[j]->arrived_tick;
                *conn = k->id;
                found = true;
            }
        }
    }
    return found;
}

/* The timeout check: due at the oldest packet's expiry; while an expired
 * packet stays queued, again every scan_ticks. */
static void on_check(SimClock *clock, void *arg, uint64_t data)
{
    SimCompare *c = arg;
    uint64_t now = sim_clock_now(clock), tick = 0, conn = 0;

    (void)data;
    c->check_pending = false;
    if (c->stage != SIM_COMPARE_RUNNING || !oldest(c, &tick, &conn)) {
        return;
    }
    if (now - tick < c->timeout_ticks) {
        schedule_check(c, tick + c->timeout_ticks - now);
        return;
    }
    c->stats.timeouts++;
    cmp_trace(c, "timeout", "conn=%" PRIu64 " age=%" PRIu64, conn, now - tick);
    schedule_check(c, c->scan_ticks);
    request(c, SIM_COMPARE_TIMEOUT, conn);
}

static int drop_input(SimCompare *c, Conn *k, int side, uint64_t conn, int rc)
{
    c->stats.dropped++;
    if (rc == -ENOBUFS) {
        record_error(c, "colo-compare: queue limit reached on connection %"
                     PRIu64, conn);
    } else if (rc == -ENOSPC) {
        record_error(c, "colo-compare: too many connections (limit %zu)",
                     c->max_conns);
    }
    if (k != NULL) {
        maybe_forget(k);
    }
    cmp_trace(c, "drop", "side=%s conn=%" PRIu64 " rc=%d", side_name[side],
              conn, rc);
    return rc;
}

/* Queue a packet while running and compare its connection. */
static int enqueue(SimCompare *c, int side, uint64_t conn,
                   const void *payload, size_t len)
{
    Conn *k = find_conn(c, conn, true);
    Queue *q;
    Pkt *p;

    if (k == NULL) {
        return drop_input(c, NULL, side, conn, -ENOSPC);
    }
    q = side == SIDE_PRIMARY ? &k->pri : &k->sec;
    if (q->len >= c->max_queue) {
        return drop_input(c, k, side, conn, -ENOBUFS);
    }
    p = malloc(sizeof(*p) + len);
    if (p == NULL) {
        return drop_input(c, k, side, conn, -ENOMEM);
    }
    p->arrived_tick = sim_clock_now(c->clock);
    p->len = len;
    if (len > 0) {
        memcpy(p->data, payload, len);
    }
    push(q, p);
    if (!c->check_pending) {
        schedule_check(c, c->timeout_ticks);
    }
    if (compare_conn(c, k)) {
        request(c, SIM_COMPARE_MISMATCH, conn);
    }
    return 0;
}

/* Not comparing: the packet goes straight to the client. */
static int pass(SimCompare *c, uint64_t conn, const void *payload, size_t len)
{
    Pkt *p = malloc(sizeof(*p) + len);

    if (p == NULL) {
        return drop_input(c, NULL, SIDE_PRIMARY, conn, -ENOMEM);
    }
    p->arrived_tick = sim_clock_now(c->clock);
    p->len = len;
    if (len > 0) {
        memcpy(p->data, payload, len);
    }
    release(c, conn, p, SIM_RELEASE_PASS);
    return 0;
}

static int input(SimCompare *c, int side, uint64_t conn, const void *payload,
                 size_t len)
{
    SIM_CHECK(c != NULL);
    SIM_CHECK(!c->in_release);
    if (payload == NULL && len > 0) {
        return -EINVAL;
    }
    if (len > SIM_MSG_MAX_BYTES) {
        return -EMSGSIZE;
    }
    if (side == SIDE_PRIMARY) {
        c->stats.primary_in++;
    } else {
        c->stats.secondary_in++;
    }
    cmp_trace(c, side_name[side], "conn=%" PRIu64 " len=%zu", conn, len);
    if (c->stage == SIM_COMPARE_RUNNING) {
        return enqueue(c, side, conn, payload, len);
    }
    if (side == SIDE_SECONDARY) {
        c->stats.secondary_ignored++;
        cmp_trace(c, "ignore", "conn=%" PRIu64 " reason=not-running", conn);
        return 0;
    }
    return pass(c, conn, payload, len);
}

int sim_compare_primary(SimCompare *cmp, uint64_t conn, const void *payload,
                        size_t len)
{
    return input(cmp, SIDE_PRIMARY, conn, payload, len);
}

int sim_compare_secondary(SimCompare *cmp, uint64_t conn, const void *payload,
                          size_t len)
{
    return input(cmp, SIDE_SECONDARY, conn, payload, len);
}

void sim_compare_link_deliver(void *ctx, const SimMsg *msg)
{
    SimCompare *c = ctx;

    if (msg->kind != SIM_MSG_PACKET) {
        c->stats.secondary_ignored++;
        cmp_trace(c, "ignore", "id=%" PRIu64 " reason=kind-%s", msg->id,
                  kind_name[msg->kind]);
        return;
    }
    sim_compare_secondary(c, msg->tag, msg->payload, msg->len);
}

/* Release every queued primary packet and drop every secondary one. */
static void flush(SimCompare *c, SimReleaseWhy why, uint64_t *released,
                  uint64_t *dropped)
{
    *released = 0;
    *dropped = 0;
    for (size_t i = 0; i < c->max_conns; i++) {
        Conn *k = &c->conns[i];

        while (k->used && k->pri.len > 0) {
            release(c, k->id, pop(&k->pri), why);
            (*released)++;
        }
        while (k->used && k->sec.len > 0) {
            free(pop(&k->sec));
            (*dropped)++;
        }
        k->blocked = false;
        k->used = false;
    }
    c->stats.secondary_flushed += *dropped;
}

static void op_start(ReplicationState *rs, ReplicationMode mode, Error **errp)
{
    SimCompare *c = rs->opaque;

    SIM_CHECK(!c->in_release);
    if (c->stage == SIM_COMPARE_STOPPED) {
        cmp_trace(c, "start", "ignored stage=stopped");
        return;
    }
    if (c->stage == SIM_COMPARE_RUNNING) {
        error_setg(errp, "colo-compare: already running");
        return;
    }
    if (mode != REPLICATION_MODE_PRIMARY) {
        error_setg(errp, "colo-compare: runs on the primary only, got mode %d",
                   (int)mode);
        return;
    }
    c->stage = SIM_COMPARE_RUNNING;
    cmp_trace(c, "start", "mode=primary");
}

static void op_checkpoint(ReplicationState *rs, Error **errp)
{
    SimCompare *c = rs->opaque;
    uint64_t released, dropped;

    (void)errp;
    SIM_CHECK(!c->in_release);
    flush(c, SIM_RELEASE_CHECKPOINT, &released, &dropped);
    c->stats.checkpoints++;
    cmp_trace(c, "checkpoint", "released=%" PRIu64 " dropped=%" PRIu64,
              released, dropped);
}

static void op_stop(ReplicationState *rs, bool failover, Error **errp)
{
    SimCompare *c = rs->opaque;
    uint64_t released, dropped;

    SIM_CHECK(!c->in_release);
    if (c->stage == SIM_COMPARE_STOPPED) {
        cmp_trace(c, "stop", "ignored stage=stopped");
        return;
    }
    if (c->stage == SIM_COMPARE_IDLE) {
        error_setg(errp, "colo-compare: not running");
        return;
    }
    c->stage = SIM_COMPARE_STOPPED;
    sim_clock_cancel(c->clock, c);
    c->check_pending = false;
    flush(c, SIM_RELEASE_STOP, &released, &dropped);
    cmp_trace(c, "stop", "failover=%d released=%" PRIu64 " dropped=%" PRIu64,
              failover, released, dropped);
}

static void op_get_error(ReplicationState *rs, Error **errp)
{
    SimCompare *c = rs->opaque;

    if (c->error[0] != '\0') {
        error_setg(errp, "%s", c->error);
        return;
    }
    for (int i = 0; i < SIM_COMPARE_MAX_LINKS; i++) {
        if (c->links[i] != NULL && sim_link_is_down(c->links[i])) {
            error_setg(errp, "link %s is down", sim_link_name(c->links[i]));
            return;
        }
    }
}

static ReplicationOps compare_ops = {
    .start = op_start,
    .stop = op_stop,
    .checkpoint = op_checkpoint,
    .get_error = op_get_error,
};

static int check_compare_config(const SimCompareConfig *cfg, char *err,
                                size_t errlen)
{
    if (cfg == NULL || cfg->registry == NULL || cfg->clock == NULL) {
        return sim_fail(err, errlen, -EINVAL, "colo-compare: a registry and a "
                    "clock are required");
    }
    if (cfg->node != NULL && !name_ok(cfg->node)) {
        return sim_fail(err, errlen, -EINVAL, "colo-compare: node name must be "
                    "1 to %d characters", SIM_NET_NAME_MAX - 1);
    }
    return 0;
}

static void apply_config(SimCompare *c, const SimCompareConfig *cfg)
{
    snprintf(c->node, sizeof(c->node), "%s", cfg->node ? cfg->node : "-");
    c->clock = cfg->clock;
    c->trace = cfg->trace;
    c->timeout_ticks = cfg->compare_timeout_ticks
        ? cfg->compare_timeout_ticks : SIM_COMPARE_DEFAULT_TIMEOUT_TICKS;
    c->scan_ticks = cfg->scan_ticks ? cfg->scan_ticks
                                    : SIM_COMPARE_DEFAULT_SCAN_TICKS;
    c->max_queue = cfg->max_queue ? cfg->max_queue
                                  : SIM_COMPARE_DEFAULT_MAX_QUEUE;
    c->max_conns = cfg->max_connections ? cfg->max_connections
                                        : SIM_COMPARE_DEFAULT_MAX_CONNECTIONS;
    memcpy(c->links, cfg->links, sizeof(c->links));
    c->release = cfg->release;
    c->release_ctx = cfg->release_ctx;
    c->request_checkpoint = cfg->request_checkpoint;
    c->checkpoint_ctx = cfg->checkpoint_ctx;
    c->stage = SIM_COMPARE_IDLE;
    c->stats.released_hash = SIM_HASH_INIT;
}

int sim_compare_new(const SimCompareConfig *cfg, SimCompare **out, char *err,
                    size_t errlen)
{
    SimCompare *c;
    int rc;

    SIM_CHECK(out != NULL);
    *out = NULL;
    rc = check_compare_config(cfg, err, errlen);
    if (rc < 0) {
        return rc;
    }
    c = calloc(1, sizeof(*c));
    if (c == NULL) {
        return sim_fail(err, errlen, -ENOMEM, "colo-compare: out of memory");
    }
    apply_config(c, cfg);
    c->conns = calloc(c->max_conns, sizeof(*c->conns));
    c->rs = c->conns ? replication_new_in(cfg->registry, c, &compare_ops)
                     : NULL;
    if (c->rs == NULL) {
        free(c->conns);
        free(c);
        return sim_fail(err, errlen, -ENOMEM, "colo-compare: out of memory");
    }
    *out = c;
    return 0;
}

void sim_compare_free(SimCompare *cmp)
{
    if (cmp == NULL) {
        return;
    }
    SIM_CHECK(!cmp->in_release);
    sim_clock_cancel(cmp->clock, cmp);
    replication_remove(cmp->rs);
    for (size_t i = 0; i < cmp->max_conns; i++) {
        Conn *k = &cmp->conns[i];

        while (k->pri.len > 0) {
            free(pop(&k->pri));
            cmp->stats.discarded++;
        }
        while (k->sec.len > 0) {
            free(pop(&k->sec));
            cmp->stats.discarded++;
        }
    }
    if (cmp->stats.discarded > 0) {
        cmp_trace(cmp, "discard", "packets=%" PRIu64, cmp->stats.discarded);
    }
    free(cmp->conns);
    free(cmp);
}

SimCompareStage sim_compare_stage(const SimCompare *cmp)
{
    return cmp->stage;
}

const SimCompareStats *sim_compare_stats(const SimCompare *cmp)
{
    return &cmp->stats;
}

ReplicationState *sim_compare_state(const SimCompare *cmp)
{
    return cmp->rs;
}

void sim_compare_queued(const SimCompare *cmp, uint64_t conn, size_t *primary,
                        size_t *secondary)
{
    const Conn *k = NULL;

    for (size_t i = 0; i < cmp->max_conns && k == NULL; i++) {
        if (cmp->conns[i].used && cmp->conns[i].id == conn) {
            k = &cmp->conns[i];
        }
    }
    *primary = k ? k->pri.len : 0;
    *secondary = k ? k->sec.len : 0;
}
