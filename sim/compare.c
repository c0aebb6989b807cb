/* compare.c: the COLO-compare style comparator (compare.h).  Owns queued
 * packets and its scan events; never touches disks, nodes or links' messages.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "canary.h"
#include "check.h"
#include "compare.h"
#include "host.h"
#include "host_registry.h"
#include "prng.h"
#include "probe.h"

typedef struct Pkt Pkt;
struct Pkt {
    Pkt *next;
    uint64_t arrived_tick;
    uint64_t number;        /* its side's count of packets in: 1, 2, ... */
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
#if SIM_CANARY_COMPARE_RELEASE
    bool canary_timed_out;  /* a timeout asked for a checkpoint */
    bool canary_latched;    /* that checkpoint ran: nothing is released again */
#endif
};

static const char *const event_names[SIM_COMPARE_EV__COUNT] = {
    [SIM_COMPARE_EV_PRIMARY] = "primary", [SIM_COMPARE_EV_SECONDARY] = "secondary",
    [SIM_COMPARE_EV_RELEASE] = "release", [SIM_COMPARE_EV_MISMATCH] = "mismatch",
    [SIM_COMPARE_EV_REQUEST_CHECKPOINT] = "request-checkpoint",
    [SIM_COMPARE_EV_ERROR] = "error", [SIM_COMPARE_EV_TIMEOUT] = "timeout",
    [SIM_COMPARE_EV_DROP] = "drop", [SIM_COMPARE_EV_IGNORE] = "ignore",
    [SIM_COMPARE_EV_START] = "start", [SIM_COMPARE_EV_CHECKPOINT] = "checkpoint",
    [SIM_COMPARE_EV_STOP] = "stop", [SIM_COMPARE_EV_DISCARD] = "discard",
};

static void cmp_trace(SimCompare *c, SimCompareEvent ev, const SimTraceField *f, unsigned n)
{
    if (c->trace != NULL) {
        sim_trace_emit(c->trace, &(SimTraceEvent){
            .tick = sim_clock_now(c->clock), .node = c->node, .comp = SIM_COMP_COMPARE,
            .kind = (int)ev, .name = event_names[ev], .field = f, .nfields = n });
    }
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
    sim_vfail(c->error, sizeof(c->error), 0, fmt, ap);
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
    cmp_trace(c, SIM_COMPARE_EV_RELEASE,
              SIM_TRACE_FIELDS(sim_tf_u64("seq", rel.seq), sim_tf_u64("conn", conn),
                               sim_tf_u64("len", p->len), sim_tf_word("why", why, why_name[why])));
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
            sim_probe_hit(SIM_PROBE_COMPARE_MISMATCH);
            cmp_trace(c, SIM_COMPARE_EV_MISMATCH,
                      SIM_TRACE_FIELDS(sim_tf_u64("conn", k->id), sim_tf_u64("primary_len", p->len),
                                       sim_tf_u64("secondary_len", s->len)));
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
    cmp_trace(c, SIM_COMPARE_EV_REQUEST_CHECKPOINT,
              SIM_TRACE_FIELDS(sim_tf_word("reason", reason, reason_name[reason]),
                               sim_tf_u64("conn", conn)));
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
        cmp_trace(c, SIM_COMPARE_EV_ERROR,
                  SIM_TRACE_FIELDS(sim_tf_text("schedule-check"), sim_tf_i64("rc", rc)));
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
    sim_probe_hit(SIM_PROBE_COMPARE_TIMEOUT);
#if SIM_CANARY_COMPARE_RELEASE
    c->canary_timed_out = true;
#endif
    cmp_trace(c, SIM_COMPARE_EV_TIMEOUT,
              SIM_TRACE_FIELDS(sim_tf_u64("conn", conn), sim_tf_u64("age", now - tick)));
    schedule_check(c, c->scan_ticks);
    request(c, SIM_COMPARE_TIMEOUT, conn);
}

static int drop_input(SimCompare *c, Conn *k, int side, uint64_t conn, int rc)
{
    c->stats.dropped++;
    if (rc == -ENOBUFS || rc == -ENOSPC) {
        sim_probe_hit(SIM_PROBE_COMPARE_QUEUE_LIMIT);
    }
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
    cmp_trace(c, SIM_COMPARE_EV_DROP,
              SIM_TRACE_FIELDS(sim_tf_word("side", (unsigned)side, side_name[side]),
                               sim_tf_u64("conn", conn), sim_tf_i64("rc", rc)));
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
    p = sim_host_malloc(sizeof(*p) + len, "colo-compare: a queued packet");
    if (p == NULL) {
        return drop_input(c, k, side, conn, -ENOMEM);
    }
    p->arrived_tick = sim_clock_now(c->clock);
    p->number = side == SIDE_PRIMARY ? c->stats.primary_in : c->stats.secondary_in;
    p->len = len;
    if (len > 0) {
        memcpy(p->data, payload, len);
    }
    push(q, p);
#if SIM_CANARY_COMPARE_RELEASE
    if (c->canary_latched) {
        return 0;           /* the planted bug: queued, never compared */
    }
#endif
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
    Pkt *p = sim_host_malloc(sizeof(*p) + len, "colo-compare: a passed packet");

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
    cmp_trace(c, side == SIDE_PRIMARY ? SIM_COMPARE_EV_PRIMARY : SIM_COMPARE_EV_SECONDARY,
              SIM_TRACE_FIELDS(sim_tf_u64("conn", conn), sim_tf_u64("len", len)));
    if (c->stage == SIM_COMPARE_RUNNING) {
        return enqueue(c, side, conn, payload, len);
    }
    if (side == SIDE_SECONDARY) {
        c->stats.secondary_ignored++;
        cmp_trace(c, SIM_COMPARE_EV_IGNORE,
                  SIM_TRACE_FIELDS(sim_tf_u64("conn", conn), sim_tf_str("reason", "not-running")));
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
        cmp_trace(c, SIM_COMPARE_EV_IGNORE,
                  SIM_TRACE_FIELDS(sim_tf_u64("id", msg->id), sim_tf_text("reason=kind-"),
                                   sim_tf_flags(sim_tf_word("kind", msg->kind,
                                                            sim_msg_kind_name(msg->kind)),
                                                SIM_TF_BARE | SIM_TF_GLUED)));
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

/* A request refused: its Error, printf-style (host.h tells a host failure
 * to allocate it from a simulated one). */
static void refuse_request(Error **errp, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void refuse_request(Error **errp, const char *fmt, ...)
{
    char msg[sizeof(((SimCompare *)0)->error) + 64];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    sim_host_error(errp, msg, "colo-compare: a callback's Error (registry under test)");
}

static void op_start(ReplicationState *rs, ReplicationMode mode, Error **errp)
{
    SimCompare *c = rs->opaque;

    SIM_CHECK(!c->in_release);
    if (c->stage == SIM_COMPARE_STOPPED) {
        cmp_trace(c, SIM_COMPARE_EV_START, SIM_TRACE_FIELDS(sim_tf_text("ignored stage=stopped")));
        return;
    }
    if (c->stage == SIM_COMPARE_RUNNING) {
        refuse_request(errp, "colo-compare: already running");
        return;
    }
    if (mode != REPLICATION_MODE_PRIMARY) {
        refuse_request(errp, "colo-compare: runs on the primary only, got mode %d",
                       (int)mode);
        return;
    }
    c->stage = SIM_COMPARE_RUNNING;
    cmp_trace(c, SIM_COMPARE_EV_START, SIM_TRACE_FIELDS(sim_tf_str("mode", "primary")));
}

static void op_checkpoint(ReplicationState *rs, Error **errp)
{
    SimCompare *c = rs->opaque;
    uint64_t released, dropped;

    (void)errp;
    SIM_CHECK(!c->in_release);
#if SIM_CANARY_COMPARE_RELEASE
    /* The planted bug: after the checkpoint a timeout asked for, the
     * comparator holds what it queues and checkpoints release nothing. */
    if (c->canary_latched) {
        return;
    }
    c->canary_latched = c->canary_timed_out;
#endif
    flush(c, SIM_RELEASE_CHECKPOINT, &released, &dropped);
    c->stats.checkpoints++;
    cmp_trace(c, SIM_COMPARE_EV_CHECKPOINT,
              SIM_TRACE_FIELDS(sim_tf_u64("released", released), sim_tf_u64("dropped", dropped)));
}

static void op_stop(ReplicationState *rs, bool failover, Error **errp)
{
    SimCompare *c = rs->opaque;
    uint64_t released, dropped;

    SIM_CHECK(!c->in_release);
    if (c->stage == SIM_COMPARE_STOPPED) {
        cmp_trace(c, SIM_COMPARE_EV_STOP, SIM_TRACE_FIELDS(sim_tf_text("ignored stage=stopped")));
        return;
    }
    if (c->stage == SIM_COMPARE_IDLE) {
        refuse_request(errp, "colo-compare: not running");
        return;
    }
    c->stage = SIM_COMPARE_STOPPED;
    sim_clock_cancel(c->clock, c);
    c->check_pending = false;
    flush(c, SIM_RELEASE_STOP, &released, &dropped);
    cmp_trace(c, SIM_COMPARE_EV_STOP,
              SIM_TRACE_FIELDS(sim_tf_u64("failover", failover),
                               sim_tf_u64("released", released), sim_tf_u64("dropped", dropped)));
}

static void op_get_error(ReplicationState *rs, Error **errp)
{
    SimCompare *c = rs->opaque;

    if (c->error[0] != '\0') {
        refuse_request(errp, "%s", c->error);
        return;
    }
    for (int i = 0; i < SIM_COMPARE_MAX_LINKS; i++) {
        if (c->links[i] != NULL && sim_link_is_down(c->links[i])) {
            refuse_request(errp, "link %s is down", sim_link_name(c->links[i]));
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
    if (cfg->node != NULL && !sim_net_name_ok(cfg->node)) {
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

/* A configured c (its connections NULL or zeroed) gets its connections
 * and its state in cfg's registry: 0, or -ENOMEM with err. */
static int attach(SimCompare *c, const SimCompareConfig *cfg, char *err, size_t errlen)
{
    SimHostMark mark;

    if (c->conns == NULL) {
        c->conns = sim_host_calloc(c->max_conns, sizeof(*c->conns),
                                   "colo-compare: connections");
    }
    mark = sim_host_mark();
    c->rs = c->conns ? replication_new_in(cfg->registry, c, &compare_ops)
                     : NULL;
    if (c->conns != NULL && c->rs == NULL) {
        sim_host_registry_oom(mark, "colo-compare: its state (registry under test)");
    }
    if (c->rs == NULL) {
        return sim_fail(err, errlen, -ENOMEM, "colo-compare: out of memory");
    }
    return 0;
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
    c = sim_host_calloc(1, sizeof(*c), "colo-compare");
    if (c == NULL) {
        return sim_fail(err, errlen, -ENOMEM, "colo-compare: out of memory");
    }
    apply_config(c, cfg);
    rc = attach(c, cfg, err, errlen);
    if (rc < 0) {
        free(c->conns);
        free(c);
        return rc;
    }
    *out = c;
    return 0;
}

int sim_compare_renew(SimCompare *cmp, const SimCompareConfig *cfg, char *err,
                      size_t errlen)
{
    Conn *conns = cmp->conns;
    size_t nconns = cmp->max_conns;
    int rc;

    SIM_CHECK(cmp->rs == NULL && !cmp->in_release);
    rc = check_compare_config(cfg, err, errlen);
    if (rc < 0) {
        return rc;
    }
    memset(cmp, 0, sizeof(*cmp));
    apply_config(cmp, cfg);
    if (cmp->max_conns == nconns) {
        memset(conns, 0, nconns * sizeof(*conns));
        cmp->conns = conns;
    } else {
        free(conns);
    }
    return attach(cmp, cfg, err, errlen);
}

void sim_compare_empty(SimCompare *cmp)
{
    SIM_CHECK(!cmp->in_release);
    sim_clock_cancel(cmp->clock, cmp);
    replication_remove(cmp->rs);
    cmp->rs = NULL;
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
        cmp_trace(cmp, SIM_COMPARE_EV_DISCARD,
                  SIM_TRACE_FIELDS(sim_tf_u64("packets", cmp->stats.discarded)));
    }
}

void sim_compare_free(SimCompare *cmp)
{
    if (cmp == NULL) {
        return;
    }
    SIM_CHECK(!cmp->in_release);
    if (cmp->rs != NULL) {
        sim_compare_empty(cmp);
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

/* Whether packet p of `side` is a better answer to sim_compare_oldest
 * than best: a primary packet (what a client waits for) over a secondary
 * one, then the older. */
static bool held_before(const Pkt *p, int side, const Pkt *best, int best_side)
{
    if (best == NULL || side != best_side) {
        return best == NULL || side == SIDE_PRIMARY;
    }
    return p->arrived_tick < best->arrived_tick;
}

bool sim_compare_oldest(const SimCompare *cmp, SimCompareHeld *out)
{
    const Pkt *best = NULL;
    int best_side = SIDE_PRIMARY;

    *out = (SimCompareHeld){ 0 };
    for (size_t i = 0; i < cmp->max_conns; i++) {
        const Conn *k = &cmp->conns[i];

        if (!k->used) {
            continue;
        }
        out->primary += k->pri.len;
        out->secondary += k->sec.len;
        for (int side = SIDE_PRIMARY; side <= SIDE_SECONDARY; side++) {
            const Pkt *p = side == SIDE_PRIMARY ? k->pri.head : k->sec.head;

            if (p != NULL && held_before(p, side, best, best_side)) {
                best = p;
                best_side = side;
                out->conn = k->id;
            }
        }
    }
    if (best != NULL) {
        out->number = best->number;
        out->since_tick = best->arrived_tick;
        out->secondary_side = best_side == SIDE_SECONDARY;
    }
    return best != NULL;
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
