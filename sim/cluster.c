/* cluster.c: the simulated COLO pair (cluster.h): nodes and their
 * registries, the replication stream and its reassembly, the checkpoint
 * protocol, the workload, crashes and failover, and the calls into the
 * checkers.  The backends (disk.c, link.c, compare.c) and checkers (check_*.c) own their
 * own state; this file only wires them together in the COLO order.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "canary.h"
#include "check.h"
#include "cluster.h"
#include "host.h"
#include "host_registry.h"
#include "probe.h"

#define HIST_MAX 4096           /* packets a node emits between checkpoints */
#define HELD_MAX 64             /* out-of-order stream messages held */
#define WRITE_HDR 16            /* disk index, count, sector */
#define CTRL_MARKER 1
#define CTRL_ACK 2
#define EV_TIMEOUT 1ULL         /* clock event kinds, in data's top byte */
#define EV_GAP 2ULL
#define EV_KIND(d) ((d) >> 56)
#define EV_VALUE(d) ((d) & ((1ULL << 56) - 1))

typedef struct Hist {
    uint32_t conn;
    uint64_t pos;
    uint64_t digest;
} Hist;

typedef struct Held {
    uint64_t id;
    uint64_t since_tick;        /* when it arrived, out of order */
    SimMsgKind kind;
    uint64_t tag;
    uint8_t *payload;
    size_t len;
} Held;

typedef struct Forward {
    SimCluster *c;
    unsigned disk;
} Forward;

struct SimNode {
    char name[SIM_DISK_NAME_MAX];
    SimCluster *c;
    SimRole role;
    ReplicationRegistry *reg;
    SimDisk *disk[SIM_CLUSTER_MAX_DISKS];
    SimCompare *cmp;
    ReplicationState *probe;
    char crash_point[SIM_FAULT_NAME_MAX];
    SimFaultRef crash_ref;      /* crash_point, for its hits */
    bool crashed;
    uint64_t crash_tick;
    bool teardown_pending;      /* crashed inside one of its registry's walks */
    bool promoted;
    bool failover_checked;
    uint64_t pos[SIM_CLUSTER_MAX_CONNS];
    size_t nhist;
    bool hist_lost;
    Hist hist[HIST_MAX];        /* last: a reused cluster leaves it as it was
                                   (only hist[0..nhist) is ever read) */
};

struct SimCluster {
    SimWorld *w;
    SimClusterConfig cfg;
    SimNode node[2];
    SimLink *p2s, *s2p;         /* first after the nodes (cluster_clear) */
    Forward fwd[SIM_CLUSTER_MAX_DISKS];
    SimDataCheck *data;
    SimOutCheck *out;
    SimPrng rng;
    SimClusterStats stats;
    bool started, paused, broken, failed_over, in_checkpoint, wants_checkpoint;
    bool wants_failover[2];
    bool quiet;                 /* the seeded workload is paused */
    uint64_t epoch;
    uint64_t checkpoint_began_tick;     /* of the checkpoint in progress */
    uint64_t done_epoch, done_tick;     /* the last checkpoint completed */
    /* Since when the pair was last known healthy (started, or a checkpoint
     * completed), and the latest disturbance a liveness verdict counts as
     * a cause: a partition, a crash, a scripted failure (fault fires are
     * read from the fault layer). */
    uint64_t healthy_tick;
    uint64_t disturb_tick;              /* SIM_NEVER: none yet */
    char disturb_what[128];
    uint64_t broken_tick, broken_epoch, broken_epoch_began;
    char broken_cause[SIM_CLUSTER_MSG_MAX];     /* what explains it, or "" */
#if SIM_CANARY_SECONDARY_ACK
    uint64_t canary_healed_epoch;       /* acked after a link fault: the last */
#endif
    uint64_t next_checkpoint_tick;
    uint64_t expect_id;         /* next p2s message id in stream order */
    Held held[HELD_MAX];
    size_t nheld;
    unsigned violations;
    char violation[SIM_CLUSTER_MSG_MAX];
    SimCheckKind violation_kind;                /* of the first violation */
    char last_error[SIM_CLUSTER_MSG_MAX];
    char broken_why[SIM_CLUSTER_MSG_MAX];       /* what broke replication */
    /* Last, left as they were by a reused cluster (cluster_clear): each
     * is written before it is read. */
    uint8_t scratch[64 * SIM_SECTOR_SIZE];      /* a guest write's data */
    uint8_t msg[SIM_MSG_MAX_BYTES];             /* a forwarded write */
    /* Kept from the clusters this memory held before (keep), emptied,
     * for the next (add_link, make_disk, add_compare, make_checkers):
     * made again in place (sim_link_renew, ...) rather than allocated.
     * A part the next cluster does not use (a second disk, a data checker
     * of another number of disks) stays for a later one; one of another
     * size is freed and made anew.  Everything a run allocates inside
     * them is freed when it ends (emptied), so that a run frees what it
     * allocates and libFuzzer sees no leak to check (issue 22: creating
     * and freeing these was a third of fuzz_cluster's time). */
    SimLink *kept_link[2];                      /* p2s, s2p */
    SimDisk *kept_disk[2][SIM_CLUSTER_MAX_DISKS];
    SimCompare *kept_cmp;
    SimDataCheck *kept_data[SIM_CLUSTER_MAX_DISKS];     /* by disks - 1 */
    SimOutCheck *kept_out;
};

static void failover(SimCluster *c, SimRole survivor);

/* ---- small helpers ------------------------------------------------------ */

static uint64_t now(const SimCluster *c)
{
    return sim_clock_now(c->w->clock);
}

static const char *const event_names[SIM_COLO_EV__COUNT] = {
    [SIM_COLO_EV_CLUSTER] = "cluster", [SIM_COLO_EV_STARTED] = "started",
    [SIM_COLO_EV_START_ERROR] = "start_error", [SIM_COLO_EV_LINKS] = "links",
    [SIM_COLO_EV_CHECKPOINT_BEGIN] = "checkpoint_begin",
    [SIM_COLO_EV_CHECKPOINT_REFUSED] = "checkpoint_refused",
    [SIM_COLO_EV_CHECKPOINT_DONE] = "checkpoint_done",
    [SIM_COLO_EV_CHECKPOINT_ERROR] = "checkpoint_error", [SIM_COLO_EV_ACK_LOST] = "ack_lost",
    [SIM_COLO_EV_BROKEN] = "broken", [SIM_COLO_EV_CRASH] = "crash",
    [SIM_COLO_EV_HISTORY_TRUNCATED] = "history_truncated",
    [SIM_COLO_EV_FAILOVER] = "failover", [SIM_COLO_EV_FAILOVER_DISK] = "failover_disk",
    [SIM_COLO_EV_FAILOVER_ERROR] = "failover_error", [SIM_COLO_EV_VIOLATION] = "violation",
};

static void trace(SimCluster *c, const SimNode *n, SimColoEvent ev,
                  const SimTraceField *f, unsigned nf)
{
    sim_trace_emit(&c->w->trace, &(SimTraceEvent){
        .tick = now(c), .node = n ? n->name : NULL,
        .comp = ev == SIM_COLO_EV_VIOLATION ? SIM_COMP_CHECK : SIM_COMP_COLO,
        .kind = (int)ev, .name = event_names[ev], .field = f, .nfields = nf });
}

/* A text field written alone, or in quotes. */
static SimTraceField bare(const char *key, const char *s)
{
    return sim_tf_flags(sim_tf_str(key, s), SIM_TF_BARE);
}

static SimTraceField quoted(const char *key, const char *s, unsigned flags)
{
    return sim_tf_flags(sim_tf_str(key, s), SIM_TF_QUOTED | flags);
}

/* The last operation's error: sim_vfail into c->last_error. */
static int fail(SimCluster *c, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(SimCluster *c, int rc, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    sim_vfail(c->last_error, sizeof(c->last_error), rc, fmt, ap);
    va_end(ap);
    return rc;
}

/* Violations found by the cluster itself and those of every checker. */
static void collect_violations(SimCluster *c)
{
    const char *first = NULL;
    unsigned n = sim_regcheck_violations(c->w->regcheck) +
                 sim_datacheck_violations(c->data) +
                 sim_outcheck_violations(c->out);

    if (n == 0 || c->violations != 0) {
        return;
    }
    if (sim_regcheck_violations(c->w->regcheck)) {
        first = sim_regcheck_first(c->w->regcheck);
        c->violation_kind = SIM_CHECK_CONTRACT;
    } else if (sim_datacheck_violations(c->data)) {
        first = sim_datacheck_first(c->data);
        c->violation_kind = SIM_CHECK_DATA;
    } else {
        first = sim_outcheck_first(c->out);
        c->violation_kind = SIM_CHECK_OUTPUT;
    }
    c->violations = n;
    snprintf(c->violation, sizeof(c->violation), "%s", first);
    trace(c, NULL, SIM_COLO_EV_VIOLATION,
          SIM_TRACE_FIELDS(sim_tf_flags(sim_tf_word(SIM_CHECK_F_CHECKER, c->violation_kind,
                                                    sim_check_kind_name(c->violation_kind)),
                                        SIM_TF_HIDDEN),
                           bare(SIM_CHECK_F_MESSAGE, first)));
}

static void walk(SimNode *n, SimWalk w, ReplicationMode mode, bool failover_arg,
                 Error **errp)
{
    n->c->stats.events++;
    sim_regcheck_walk(n->c->w->regcheck, n->reg, w, mode, failover_arg, errp);
}

static SimNode *peer(SimNode *n)
{
    return &n->c->node[n->role == SIM_PRIMARY ? SIM_SECONDARY : SIM_PRIMARY];
}

static bool replicating(const SimCluster *c)
{
    return c->started && !c->failed_over && !c->node[0].crashed &&
           !c->node[1].crashed;
}

/* The secondary VM's writes are part of the data guarantee from its last
 * checkpoint until its failover has been checked, those made while the
 * commit runs, or before the failover begins, included. */
static bool own_writes_count(const SimCluster *c)
{
    const SimNode *s = &c->node[SIM_SECONDARY];

    /* Also between the primary's crash and the failover it triggers
     * (found by fuzz_cluster). */
    return c->started && !s->failover_checked;
}

/* ---- crash probe: a state among the backends of each node -------------- */

static void crash(SimNode *n, const char *why);

static void probe_check(ReplicationState *rs)
{
    SimNode *n = rs->opaque;

    if (!n->crashed && SIM_FAULT_AT(&n->crash_ref)) {
        crash(n, "fault point, inside a walk");
    }
}

static void probe_start(ReplicationState *rs, ReplicationMode m, Error **errp)
{
    (void)m, (void)errp;
    probe_check(rs);
}

static void probe_stop(ReplicationState *rs, bool f, Error **errp)
{
    (void)f, (void)errp;
    probe_check(rs);
}

static void probe_other(ReplicationState *rs, Error **errp)
{
    (void)errp;
    probe_check(rs);
}

static ReplicationOps probe_ops = {
    .start = probe_start, .stop = probe_stop,
    .checkpoint = probe_other, .get_error = probe_other,
};

/* ---- the replication stream (p2s) --------------------------------------- */

static int forward(void *ctx, uint64_t sector, uint32_t count, const uint8_t *data)
{
    Forward *f = ctx;
    SimCluster *c = f->c;
    const uint32_t per_msg = (SIM_MSG_MAX_BYTES - WRITE_HDR) / SIM_SECTOR_SIZE;

    if (c->broken) {
        return -EPIPE;
    }
    while (count > 0) {
        uint32_t n = count < per_msg ? count : per_msg;
        uint32_t hdr[2] = { f->disk, n };
        int rc;

        memcpy(c->msg, hdr, sizeof(hdr));
        memcpy(c->msg + 8, &sector, 8);
        memcpy(c->msg + WRITE_HDR, data, (size_t)n * SIM_SECTOR_SIZE);
        rc = sim_link_send(c->p2s, SIM_MSG_DISK_WRITE, sector, c->msg,
                           WRITE_HDR + (size_t)n * SIM_SECTOR_SIZE);
        if (rc < 0) {
            return rc;
        }
        sector += n;
        data += (size_t)n * SIM_SECTOR_SIZE;
        count -= n;
    }
    return 0;
}

/* The checkpoint state, after each change: the VMs are paused exactly
 * while a checkpoint runs; each started checkpoint took the next epoch and
 * ends at most once (done, failed, or cut short by a failover). */
static void check_checkpoint_state(const SimCluster *c)
{
    const SimClusterStats *st = &c->stats;

    SIM_CHECK_OP(c->paused, ==, c->in_checkpoint);
    SIM_CHECK_OP(c->epoch, ==, st->checkpoints_started);
    SIM_CHECK_OP(st->checkpoints_done + st->checkpoints_failed + c->in_checkpoint, <=,
                 st->checkpoints_started);
}

/* A disturbance a liveness verdict counts as a cause (liveness.h). */
static void disturb(SimCluster *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void disturb(SimCluster *c, const char *fmt, ...)
{
    va_list ap;

    c->disturb_tick = now(c);
    va_start(ap, fmt);
    vsnprintf(c->disturb_what, sizeof(c->disturb_what), fmt, ap);
    va_end(ap);
}

/* What disturbed the pair since it was last healthy, into buf ("" when
 * nothing did): the latest partition, crash or scripted failure, else a
 * fault point that fired.  The latest of each is enough: it is in the
 * window exactly when one of them is. */
static void explain(const SimCluster *c, char *buf, size_t len)
{
    const SimFaults *f = c->w->faults;

    buf[0] = '\0';
    if (c->disturb_tick != SIM_NEVER && c->disturb_tick >= c->healthy_tick) {
        snprintf(buf, len, "%s at tick %llu", c->disturb_what,
                 (unsigned long long)c->disturb_tick);
        return;
    }
    for (size_t i = 0; f != NULL && i < sim_faults_count(f); i++) {
        const SimFaultPoint *p = sim_faults_at(f, i);

        if (p->fires > 0 && p->last_fire_tick >= c->healthy_tick) {
            snprintf(buf, len, "fault %s fired at tick %llu", p->name,
                     (unsigned long long)p->last_fire_tick);
            return;
        }
    }
}

static void break_replication(SimCluster *c, const char *why)
{
    if (!c->broken) {
        c->broken = true;
        c->broken_tick = now(c);
        c->broken_epoch = c->in_checkpoint ? c->epoch : 0;
        c->broken_epoch_began = c->checkpoint_began_tick;
        explain(c, c->broken_cause, sizeof(c->broken_cause));
        snprintf(c->broken_why, sizeof(c->broken_why), "%s", why);
        trace(c, NULL, SIM_COLO_EV_BROKEN, SIM_TRACE_FIELDS(bare("why", why)));
    }
    if (c->in_checkpoint) {
        sim_probe_hit(SIM_PROBE_CHECKPOINT_ABORTED);
        c->in_checkpoint = false;
        c->paused = false;
        c->stats.checkpoints_failed++;
    }
    check_checkpoint_state(c);
}

static void secondary_checkpoint(SimCluster *c, uint64_t epoch);
static void schedule(SimCluster *c, uint64_t delay, uint64_t kind, uint64_t value);

static void apply_write(SimCluster *c, const uint8_t *p, size_t len)
{
    SimNode *s = &c->node[SIM_SECONDARY];
    uint32_t hdr[2];
    uint64_t sector;
    int rc;

    memcpy(hdr, p, sizeof(hdr));
    memcpy(&sector, p + 8, 8);
    if (hdr[0] >= c->cfg.disks || len != WRITE_HDR + (size_t)hdr[1] * SIM_SECTOR_SIZE) {
        break_replication(c, "malformed forwarded write");
        return;
    }
    rc = sim_disk_receive(s->disk[hdr[0]], sector, hdr[1], p + WRITE_HDR);
    if (rc < 0) {
        char why[128];

        snprintf(why, sizeof(why), "forwarded write failed on %s: %s (%d)",
                 sim_disk_name(s->disk[hdr[0]]), strerror(-rc), rc);
        break_replication(c, why);
    }
}

/* One p2s message, in stream order. */
static void process(SimCluster *c, SimMsgKind kind, uint64_t tag,
                    const uint8_t *payload, size_t len)
{
    uint64_t epoch;

    c->expect_id++;
    if (kind == SIM_MSG_DISK_WRITE && len >= WRITE_HDR) {
        apply_write(c, payload, len);
    } else if (kind == SIM_MSG_CONTROL && tag == CTRL_MARKER && len == 8) {
        memcpy(&epoch, payload, 8);
        secondary_checkpoint(c, epoch);
    } else {
        break_replication(c, "unexpected message on the replication stream");
    }
}

static void drain_held(SimCluster *c)
{
    size_t i = 0;

    while (i < c->nheld && !c->broken) {
        Held h = c->held[i];

        if (h.id != c->expect_id) {
            i++;
            continue;
        }
        c->held[i] = c->held[--c->nheld];
        process(c, h.kind, h.tag, h.payload, h.len);
        free(h.payload);
        i = 0;
    }
}

static void hold(SimCluster *c, const SimMsg *m)
{
    Held *h;

    if (c->nheld == HELD_MAX) {
        break_replication(c, "too many out-of-order messages on the stream");
        return;
    }
    h = &c->held[c->nheld];
    *h = (Held){ .id = m->id, .since_tick = now(c), .kind = m->kind, .tag = m->tag,
                 .len = m->len };
    h->payload = sim_host_malloc(m->len ? m->len : 1, "cluster: a held stream message");
    if (h->payload == NULL) {
        break_replication(c, "out of memory holding a stream message");
        return;
    }
    memcpy(h->payload, m->payload, m->len);
    c->nheld++;
    schedule(c, c->cfg.gap_timeout_ticks, EV_GAP, c->expect_id);
}

static void on_p2s(void *ctx, const SimMsg *m)
{
    SimCluster *c = ctx;

    if (c->node[SIM_SECONDARY].crashed || c->broken || c->failed_over ||
        m->id < c->expect_id) {
        return;                 /* gone, broken, fenced, or a duplicate */
    }
    if (m->id > c->expect_id) {
        bool dup = false;

        for (size_t i = 0; i < c->nheld; i++) {
            dup |= c->held[i].id == m->id;
        }
        if (!dup) {
            hold(c, m);
        }
        return;
    }
    process(c, m->kind, m->tag, m->payload, m->len);
    drain_held(c);
}

/* ---- checkpoints ---------------------------------------------------------- */

static void on_event(SimClock *clock, void *arg, uint64_t data)
{
    SimCluster *c = arg;

    (void)clock;
    if (EV_KIND(data) == EV_TIMEOUT) {
        if (c->in_checkpoint && EV_VALUE(data) == c->epoch) {
            sim_probe_hit(SIM_PROBE_CHECKPOINT_TIMEOUT);
            break_replication(c, "checkpoint not acknowledged in time");
        }
    } else if (c->expect_id <= EV_VALUE(data) && c->nheld > 0 && !c->broken) {
        break_replication(c, "a gap in the replication stream did not close");
    }
}

static void schedule(SimCluster *c, uint64_t delay, uint64_t kind, uint64_t value)
{
    if (sim_clock_schedule(c->w->clock, delay, on_event, c, (kind << 56) | value) < 0) {
        break_replication(c, "event queue full");
    }
}

/* A forwarded write the primary failed to send is recorded, not returned
 * (upstream); checkpointing over it would give the secondary a state the
 * primary never had.  So the primary asks get_error_all first.  Upstream
 * COLO asks only on the secondary; the data checker shows what that loses. */
static bool primary_healthy(SimCluster *c)
{
    SimNode *p = &c->node[SIM_PRIMARY];
    Error *err = NULL;
    char why[160];

    if (c->cfg.upstream_checkpoint) {
        return true;
    }
    walk(p, SIM_WALK_GET_ERROR, 0, false, &err);
    if (err == NULL) {
        return !p->crashed;
    }
    sim_probe_hit(SIM_PROBE_CHECKPOINT_PRIMARY_ERROR);
    snprintf(why, sizeof(why), "primary: %s", error_get_pretty(err));
    error_free(err);
    break_replication(c, why);
    return false;
}

static void begin_checkpoint(SimCluster *c)
{
    uint64_t epoch = c->epoch + 1;
    int rc;

    c->wants_checkpoint = false;
    if (!replicating(c) || c->broken || c->in_checkpoint || !primary_healthy(c)) {
        return;
    }
    SIM_CHECK(!c->paused);
    c->epoch = epoch;
    c->in_checkpoint = true;
    c->checkpoint_began_tick = now(c);
    c->paused = true;
    c->stats.checkpoints_started++;
    check_checkpoint_state(c);
    sim_datacheck_marker(c->data, epoch);
    trace(c, &c->node[SIM_PRIMARY], SIM_COLO_EV_CHECKPOINT_BEGIN,
          SIM_TRACE_FIELDS(sim_tf_u64("epoch", epoch)));
    rc = sim_link_send(c->p2s, SIM_MSG_CONTROL, CTRL_MARKER, &epoch, sizeof(epoch));
    if (rc < 0) {
        break_replication(c, "cannot send the checkpoint marker");
        return;
    }
    schedule(c, c->cfg.checkpoint_timeout_ticks, EV_TIMEOUT, epoch);
}

static void check_secondary_disks(SimCluster *c, uint64_t epoch)
{
    SimNode *p = &c->node[SIM_PRIMARY], *s = &c->node[SIM_SECONDARY];

    for (unsigned i = 0; i < c->cfg.disks; i++) {
        sim_datacheck_secondary_checkpoint(c->data, epoch, i,
                                           sim_disk_local(p->disk[i]),
                                           sim_disk_secondary(s->disk[i]),
                                           sim_disk_hidden(s->disk[i]),
                                           sim_disk_active(s->disk[i]));
    }
}

#if SIM_CANARY_SECONDARY_ACK
/* The planted bug (canary.h): the first acknowledgement after a fault on
 * either link goes out (the link has healed); every later one is lost. */
static bool canary_ack_lost(SimCluster *c, uint64_t epoch)
{
    const SimLinkStats *a = sim_link_stats(c->p2s), *b = sim_link_stats(c->s2p);

    if (c->canary_healed_epoch != 0) {
        return epoch > c->canary_healed_epoch;
    }
    if (a->dropped + a->delayed + a->duplicated + a->reordered + b->dropped + b->delayed +
        b->duplicated + b->reordered > 0) {
        c->canary_healed_epoch = epoch;
    }
    return false;
}
#endif

/* The secondary side: get_error_all, then do_checkpoint_all, then ack. */
static void secondary_checkpoint(SimCluster *c, uint64_t epoch)
{
    SimNode *s = &c->node[SIM_SECONDARY];
    Error *err = NULL;

    SIM_CHECK_OP(epoch, <=, c->epoch);      /* markers come from the primary */
    walk(s, SIM_WALK_GET_ERROR, 0, false, &err);
    if (err == NULL && s->crashed) {
        sim_probe_hit(SIM_PROBE_CHECKPOINT_CRASH_BETWEEN);
    }
    if (err == NULL && !s->crashed) {
        walk(s, SIM_WALK_CHECKPOINT, 0, false, &err);
    }
    if (s->crashed) {
        error_free(err);
        return;
    }
    if (err != NULL) {
        sim_probe_hit(SIM_PROBE_CHECKPOINT_REFUSED);
        trace(c, s, SIM_COLO_EV_CHECKPOINT_REFUSED,
              SIM_TRACE_FIELDS(sim_tf_u64("epoch", epoch),
                               quoted("error", error_get_pretty(err), 0)));
        error_free(err);
        return;                 /* no ack: the primary times out */
    }
    /* The secondary VM now holds the primary's state, history included. */
    memcpy(s->pos, c->node[SIM_PRIMARY].pos, sizeof(s->pos));
    s->nhist = 0;
    s->hist_lost = false;
    check_secondary_disks(c, epoch);
    trace(c, s, SIM_COLO_EV_CHECKPOINT_DONE, SIM_TRACE_FIELDS(sim_tf_u64("epoch", epoch)));
#if SIM_CANARY_SECONDARY_ACK
    if (canary_ack_lost(c, epoch)) {
        return;
    }
#endif
    if (sim_link_send(c->s2p, SIM_MSG_CONTROL, CTRL_ACK, &epoch, sizeof(epoch)) < 0) {
        sim_probe_hit(SIM_PROBE_CHECKPOINT_ACK_LOST);
        trace(c, s, SIM_COLO_EV_ACK_LOST,
              SIM_TRACE_FIELDS(sim_tf_u64("epoch", epoch), sim_tf_text("link down")));
    }
}

/* The primary side, on the secondary's acknowledgement. */
static void primary_checkpoint(SimCluster *c, uint64_t epoch)
{
    SimNode *p = &c->node[SIM_PRIMARY];
    Error *err = NULL;

    if (!c->in_checkpoint || epoch != c->epoch || p->crashed) {
        return;                 /* stale, or too late */
    }
    walk(p, SIM_WALK_CHECKPOINT, 0, false, &err);
    c->in_checkpoint = false;
    c->paused = false;
    check_checkpoint_state(c);
    if (p->crashed) {
        error_free(err);
        return;
    }
    if (err != NULL) {
        sim_probe_hit(SIM_PROBE_CHECKPOINT_ERROR);
        trace(c, p, SIM_COLO_EV_CHECKPOINT_ERROR,
              SIM_TRACE_FIELDS(sim_tf_u64("epoch", epoch),
                               quoted("error", error_get_pretty(err), 0)));
        error_free(err);
    }
    c->stats.checkpoints_done++;
    c->done_epoch = epoch;
    c->done_tick = c->healthy_tick = now(c);
    check_checkpoint_state(c);
    trace(c, p, SIM_COLO_EV_CHECKPOINT_DONE, SIM_TRACE_FIELDS(sim_tf_u64("epoch", epoch)));
}

/* ---- s2p: the secondary's packets and acknowledgements ------------------ */

static void on_s2p(void *ctx, const SimMsg *m)
{
    SimCluster *c = ctx;
    SimNode *p = &c->node[SIM_PRIMARY];
    uint64_t epoch;

    if (p->crashed) {
        return;
    }
    if (m->kind == SIM_MSG_PACKET && p->cmp != NULL) {
        sim_compare_secondary(p->cmp, m->tag, m->payload, m->len);
    } else if (m->kind == SIM_MSG_CONTROL && m->tag == CTRL_ACK && m->len == 8) {
        memcpy(&epoch, m->payload, 8);
        primary_checkpoint(c, epoch);
    }
}

static void on_release(void *ctx, const SimRelease *rel)
{
    SimCluster *c = ctx;
    uint64_t pkt[2];

    if (rel->len != sizeof(pkt)) {
        return;
    }
    memcpy(pkt, rel->payload, sizeof(pkt));
    sim_outcheck_client_saw(c->out, (uint32_t)rel->conn, pkt[0], pkt[1]);
}

static void on_compare_request(void *ctx, SimCompareReason reason, uint64_t conn)
{
    SimCluster *c = ctx;

    (void)reason, (void)conn;
    c->wants_checkpoint = true;
}

/* ---- the workload --------------------------------------------------------- */

static uint64_t digest(const SimCluster *c, uint32_t conn, uint64_t pos)
{
    uint64_t h = sim_hash_bytes(SIM_HASH_INIT, &c->w->seed, 8);

    h = sim_hash_bytes(h, &conn, sizeof(conn));
    return sim_hash_bytes(h, &pos, sizeof(pos));
}

static void fill(uint8_t *buf, uint32_t count, uint8_t byte)
{
    memset(buf, byte, (size_t)count * SIM_SECTOR_SIZE);
}

/* The guest of the node clients talk to writes; while replicating, the
 * secondary VM, running the same guest, writes too (`sec_byte`), unless
 * `sec_too` is false (the two VMs diverged: only the primary wrote). */
static int guest_write(SimCluster *c, unsigned i, uint64_t sector, uint32_t count,
                       uint8_t byte, uint8_t sec_byte, bool sec_too)
{
    SimNode *p = &c->node[SIM_PRIMARY], *s = &c->node[SIM_SECONDARY];
    uint8_t *buf = c->scratch;
    int rc = 0;

    SIM_CHECK(!c->paused);                  /* a paused guest writes nothing */
    SIM_CHECK_OP(i, <, c->cfg.disks);
    c->stats.events++;
    c->stats.guest_writes++;
    fill(buf, count, byte);
    if (!p->crashed) {
        sim_datacheck_primary_before(c->data, i, sim_disk_local(p->disk[i]), sector, count);
        rc = sim_disk_write(p->disk[i], sector, count, buf);
        if (rc == 0) {
            sim_datacheck_primary_acked(c->data, i, sector, count, buf);
        }
    }
    if (!s->crashed && ((sec_too && replicating(c)) || s->promoted)) {
        fill(buf, count, s->promoted ? byte : sec_byte);
        if (sim_disk_write(s->disk[i], sector, count, buf) == 0 && own_writes_count(c)) {
            sim_datacheck_secondary_wrote(c->data, i, sector, count, buf);
        }
    }
    return rc;
}

static void remember(SimNode *n, uint32_t conn, uint64_t pos, uint64_t d)
{
    SIM_CHECK_OP(n->nhist, <=, HIST_MAX);
    if (n->nhist == HIST_MAX) {
        n->hist_lost = true;
        return;
    }
    n->hist[n->nhist++] = (Hist){ conn, pos, d };
}

static int packet(SimCluster *c, uint32_t conn, bool diverge)
{
    SimNode *p = &c->node[SIM_PRIMARY], *s = &c->node[SIM_SECONDARY];
    uint64_t pkt[2];

    SIM_CHECK(!c->paused);                  /* a paused guest sends nothing */
    SIM_CHECK_OP(conn, <, c->cfg.connections);
    c->stats.events++;
    c->stats.packets++;
    if (!p->crashed && p->cmp != NULL) {
        pkt[0] = p->pos[conn];
        pkt[1] = digest(c, conn, pkt[0]);
        p->pos[conn]++;
        sim_compare_primary(p->cmp, conn, pkt, sizeof(pkt));
    }
    if (!s->crashed && (replicating(c) || s->promoted)) {
        pkt[0] = s->pos[conn];
        pkt[1] = digest(c, conn, pkt[0]) ^ (diverge && !s->promoted ? 0x5a5aULL : 0);
        s->pos[conn]++;
        if (s->promoted) {
            sim_outcheck_client_saw(c->out, conn, pkt[0], pkt[1]);
        } else {
            remember(s, conn, pkt[0], pkt[1]);
            sim_link_send(c->s2p, SIM_MSG_PACKET, conn, pkt, sizeof(pkt));
        }
    }
    return 0;
}

static void workload(SimCluster *c)
{
    const SimClusterConfig *k = &c->cfg;

    if (!c->started || c->paused || c->quiet) {
        return;
    }
    if (sim_prng_chance(&c->rng, k->write_per_million)) {
        unsigned i = (unsigned)sim_prng_below(&c->rng, k->disks);
        uint32_t count = 1 + (uint32_t)sim_prng_below(&c->rng, k->max_write_sectors);
        uint64_t sector = sim_prng_below(&c->rng, k->working_set_sectors - count + 1);
        uint8_t byte = (uint8_t)(1 + sim_prng_below(&c->rng, 255));
        bool diverge = sim_prng_chance(&c->rng, k->divergence_per_million);

        guest_write(c, i, sector, count, byte, diverge ? (uint8_t)~byte : byte, true);
    }
    if (sim_prng_chance(&c->rng, k->packet_per_million)) {
        uint32_t conn = (uint32_t)sim_prng_below(&c->rng, k->connections);

        packet(c, conn, sim_prng_chance(&c->rng, k->divergence_per_million));
    }
}

/* ---- crashes and failover -------------------------------------------------- */

/* The comparator, emptied (as freeing it would: its queued packets are
 * discarded and traced), kept for the next cluster (add_compare). */
static void keep_compare(SimCluster *c, SimCompare *cmp)
{
    sim_compare_empty(cmp);
    SIM_CHECK(c->kept_cmp == NULL);
    c->kept_cmp = cmp;
}

static void drop_state(SimNode *n, ReplicationState *rs)
{
    if (rs != NULL) {
        sim_regcheck_untrack(n->c->w->regcheck, rs);
    }
}

/* A crashed node's states leave its registry, its memory state (the
 * comparator) is lost. */
static void teardown(SimNode *n)
{
    n->teardown_pending = false;
    for (unsigned i = 0; i < n->c->cfg.disks; i++) {
        drop_state(n, sim_disk_state(n->disk[i]));
        sim_disk_unregister(n->disk[i]);
    }
    if (n->cmp != NULL) {
        drop_state(n, sim_compare_state(n->cmp));
        keep_compare(n->c, n->cmp);
        n->cmp = NULL;
    }
    if (n->probe != NULL) {
        drop_state(n, n->probe);
        replication_remove(n->probe);
        n->probe = NULL;
    }
}

static void silence(SimNode *n, ReplicationState *rs)
{
    if (rs != NULL) {
        sim_regcheck_silence(n->c->w->regcheck, rs);
    }
}

/* After the outermost walk of a registry: a node that crashed inside it
 * is torn down now, when removing its states is safe under any registry. */
static void on_registry_idle(void *ctx, ReplicationRegistry *reg)
{
    SimCluster *c = ctx;

    for (int r = 0; r < 2; r++) {
        if (c->node[r].teardown_pending && c->node[r].reg == reg) {
            teardown(&c->node[r]);
        }
    }
}

/* The node stops, as a dead process: none of its states is called again
 * and its pending events are dropped.  Inside a walk of its registry the
 * walk goes on without effect on it (its states are silenced, rule 2) and
 * the node is torn down when the outermost walk returns, so that no
 * cluster run depends on removal during a walk (rule 5). */
static void crash(SimNode *n, const char *why)
{
    SimCluster *c = n->c;

    if (n->crashed) {
        return;
    }
    n->crashed = true;
    n->crash_tick = now(c);
    disturb(c, "%s crashed", n->name);
    c->stats.crashes++;
    trace(c, n, SIM_COLO_EV_CRASH, SIM_TRACE_FIELDS(bare("why", why)));
    for (unsigned i = 0; i < c->cfg.disks; i++) {
        sim_clock_cancel(c->w->clock, n->disk[i]);
    }
    if (c->in_checkpoint) {
        sim_probe_hit(SIM_PROBE_CRASH_IN_CHECKPOINT);
    }
    if (sim_regcheck_walking(c->w->regcheck, n->reg)) {
        sim_probe_hit(SIM_PROBE_CRASH_IN_WALK);
        for (unsigned i = 0; i < c->cfg.disks; i++) {
            silence(n, sim_disk_state(n->disk[i]));
        }
        silence(n, n->cmp != NULL ? sim_compare_state(n->cmp) : NULL);
        silence(n, n->probe);
        n->teardown_pending = true;
    } else {
        teardown(n);
    }
    if (c->in_checkpoint) {
        c->in_checkpoint = false;
        c->paused = false;
        c->stats.checkpoints_failed++;
    }
    if (!c->cfg.no_failover_on_crash && !c->failed_over && !peer(n)->crashed) {
        c->wants_failover[peer(n)->role] = true;
    }
}

static void check_output_after_failover(SimCluster *c, SimNode *s)
{
    if (s->hist_lost) {
        trace(c, s, SIM_COLO_EV_HISTORY_TRUNCATED,
              SIM_TRACE_FIELDS(sim_tf_text("more than"), sim_tf_flags(sim_tf_u64("limit", HIST_MAX),
                                                                      SIM_TF_BARE),
                               sim_tf_text("packets since checkpoint")));
    }
    for (size_t i = 0; i < s->nhist; i++) {
        sim_outcheck_history(c->out, s->hist[i].conn, s->hist[i].pos, s->hist[i].digest);
    }
}

/* After the secondary's commit: every disk done (or failed) means the data
 * guarantee can be checked. */
static void finish_secondary_failover(SimCluster *c)
{
    SimNode *p = &c->node[SIM_PRIMARY], *s = &c->node[SIM_SECONDARY];

    for (unsigned i = 0; i < c->cfg.disks; i++) {
        if (sim_disk_stage(s->disk[i]) == SIM_DISK_STAGE_FAILOVER) {
            return;
        }
    }
    if (s->failover_checked) {
        return;
    }
    s->failover_checked = true;
    for (unsigned i = 0; i < c->cfg.disks; i++) {
        SimDiskStage st = sim_disk_stage(s->disk[i]);

        trace(c, s, SIM_COLO_EV_FAILOVER_DISK,
              SIM_TRACE_FIELDS(bare("disk", sim_disk_name(s->disk[i])),
                               sim_tf_word("stage", st, sim_disk_stage_name(st))));
        if (st == SIM_DISK_STAGE_DONE) {
            sim_datacheck_secondary_failover(c->data, i, sim_disk_local(p->disk[i]),
                                             sim_disk_secondary(s->disk[i]));
        }
    }
}

#if SIM_CANARY_COMMIT_STALL
/* The planted bug (canary.h): a failed commit cancels the node's other
 * commits, which then never end. */
static void canary_cancel_commits(SimCluster *c, const SimDisk *failed)
{
    SimNode *s = &c->node[SIM_SECONDARY];

    for (unsigned i = 0; i < c->cfg.disks; i++) {
        if (s->disk[i] != failed && sim_disk_stage(s->disk[i]) == SIM_DISK_STAGE_FAILOVER) {
            sim_clock_cancel(c->w->clock, s->disk[i]);
        }
    }
}
#endif

static void on_commit_done(void *ctx, SimDisk *disk, int result)
{
    SimCluster *c = ctx;

#if SIM_CANARY_COMMIT_STALL
    if (result < 0) {
        canary_cancel_commits(c, disk);
    }
#endif
    (void)disk, (void)result;
    if (c->node[SIM_SECONDARY].promoted && !c->node[SIM_SECONDARY].crashed) {
        finish_secondary_failover(c);
    }
}

static void failover(SimCluster *c, SimRole survivor)
{
    SimNode *s = &c->node[survivor];
    Error *err = NULL;

    c->wants_failover[0] = c->wants_failover[1] = false;
    if (c->failed_over || s->crashed || !c->started) {
        return;
    }
    if (c->in_checkpoint) {
        sim_probe_hit(SIM_PROBE_FAILOVER_IN_CHECKPOINT);
    }
    crash(peer(s), "fenced by failover");
    c->failed_over = true;
    c->in_checkpoint = c->paused = false;
    check_checkpoint_state(c);
    s->promoted = true;
    c->stats.failovers++;
    sim_probe_hit(survivor == SIM_SECONDARY ? SIM_PROBE_FAILOVER_SECONDARY
                                            : SIM_PROBE_FAILOVER_PRIMARY);
    trace(c, s, SIM_COLO_EV_FAILOVER,
          SIM_TRACE_FIELDS(sim_tf_str("survivor", s->name),
                           sim_tf_u64("epoch", sim_datacheck_secondary_epoch(c->data))));
    walk(s, SIM_WALK_STOP, 0, true, &err);
    if (err != NULL) {
        sim_probe_hit(SIM_PROBE_FAILOVER_ERROR);
        trace(c, s, SIM_COLO_EV_FAILOVER_ERROR,
              SIM_TRACE_FIELDS(quoted("error", error_get_pretty(err), SIM_TF_BARE)));
        error_free(err);
    }
    if (s->crashed) {
        return;
    }
    if (survivor == SIM_SECONDARY) {
        check_output_after_failover(c, s);
        finish_secondary_failover(c);
        return;
    }
    for (unsigned i = 0; i < c->cfg.disks; i++) {
        sim_datacheck_primary_failover(c->data, i, sim_disk_local(s->disk[i]));
    }
}

/* ---- creation and teardown ------------------------------------------------- */

static void defaults(SimClusterConfig *k)
{
    static const char *const names[2] = { SIM_CLUSTER_PRIMARY_NAME,
                                          SIM_CLUSTER_SECONDARY_NAME };

    for (int i = 0; i < 2; i++) {
        k->names[i] = k->names[i] ? k->names[i] : names[i];
    }
    k->disks = k->disks ? k->disks : 1;
    k->disk_size_sectors = k->disk_size_sectors ? k->disk_size_sectors : 131072;
    k->latency_ticks = k->latency_ticks ? k->latency_ticks : 2;
    k->checkpoint_interval_ticks = k->checkpoint_interval_ticks ? k->checkpoint_interval_ticks : 100;
    k->checkpoint_timeout_ticks = k->checkpoint_timeout_ticks ? k->checkpoint_timeout_ticks : 50;
    k->gap_timeout_ticks = k->gap_timeout_ticks ? k->gap_timeout_ticks
                                                : 4 * k->latency_ticks + 100;
    k->compare_timeout_ticks = k->compare_timeout_ticks ? k->compare_timeout_ticks : 300;
    k->connections = k->connections ? k->connections : 4;
    k->working_set_sectors = k->working_set_sectors ? k->working_set_sectors : 4096;
    k->max_write_sectors = k->max_write_sectors ? k->max_write_sectors : 8;
    if (k->working_set_sectors > k->disk_size_sectors) {
        k->working_set_sectors = k->disk_size_sectors;
    }
}

/* Node names become disk and fault point names: short and plain. */
static bool plain_name(const char *s)
{
    size_t len = strlen(s);

    if (len == 0 || len > SIM_CLUSTER_NAME_MAX) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        if (!(s[i] >= 'a' && s[i] <= 'z') && !(s[i] >= 'A' && s[i] <= 'Z') &&
            !(s[i] >= '0' && s[i] <= '9') && s[i] != '_' && s[i] != '-') {
            return false;
        }
    }
    return true;
}

static int validate(const SimClusterConfig *k, char *err, size_t errlen)
{
    if (!plain_name(k->names[0]) || !plain_name(k->names[1])) {
        return sim_fail(err, errlen, -EINVAL, "cluster: node names must be 1..%d letters, "
                        "digits, '_' or '-'", SIM_CLUSTER_NAME_MAX);
    }
    if (k->disks > SIM_CLUSTER_MAX_DISKS) {
        return sim_fail(err, errlen, -EINVAL, "cluster: disks must be 1..%d",
                        SIM_CLUSTER_MAX_DISKS);
    }
    if (k->connections > SIM_CLUSTER_MAX_CONNS) {
        return sim_fail(err, errlen, -EINVAL, "cluster: connections must be 1..%d",
                        SIM_CLUSTER_MAX_CONNS);
    }
    if (k->max_write_sectors > SIM_CLUSTER_MAX_WRITE_SECTORS
        || k->max_write_sectors > k->working_set_sectors) {
        return sim_fail(err, errlen, -EINVAL, "cluster: max_write_sectors must be 1..%d and "
                        "fit in the working set", SIM_CLUSTER_MAX_WRITE_SECTORS);
    }
    if (!strcmp(k->names[0], k->names[1])) {
        return sim_fail(err, errlen, -EINVAL, "cluster: the two nodes need different names");
    }
    return 0;
}

/* ---- fault point names ------------------------------------------------------ */

const SimFaultTemplate sim_cluster_crash_template = {
    "node/<node>/crash", "the node crashes at this step (also between two "
                         "callbacks of one walk)",
};

static const char *link_name(bool p2s)
{
    return p2s ? "p2s" : "s2p";
}

static SimDiskRole disk_role(SimRole role)
{
    return role == SIM_PRIMARY ? SIM_DISK_PRIMARY : SIM_DISK_SECONDARY;
}

/* a, sep and b into buf, as snprintf(buf, len, "%s%s%s", a, sep, b) would
 * write them (cut to len - 1 bytes; validate() bounded the names, so they
 * fit), by copies: a cluster is named afresh per fuzz_cluster input, and
 * snprintf was a visible part of its making (issue 22). */
static void join(char *buf, size_t len, const char *a, const char *sep, const char *b)
{
    const char *part[3] = { a, sep, b };
    size_t at = 0;

    for (int i = 0; i < 3; i++) {
        size_t n = strlen(part[i]);

        n = n < len - 1 - at ? n : len - 1 - at;
        memcpy(buf + at, part[i], n);
        at += n;
    }
    buf[at] = '\0';
}

/* "NODE.dI": I's decimal digits written backwards, then joined. */
static void disk_name(char *buf, size_t len, const char *node, unsigned i)
{
    char num[16];
    char *p = num + sizeof(num);

    *--p = '\0';
    do {
        *--p = (char)('0' + i % 10);
        i /= 10;
    } while (i != 0);
    join(buf, len, node, ".d", p);
}

int sim_cluster_disk_point(char *buf, size_t len, const char *node,
                           unsigned disk, SimDiskPoint point)
{
    char name[SIM_DISK_NAME_MAX + 16];

    disk_name(name, sizeof(name), node, disk);
    return sim_disk_point_name(buf, len, name, point);
}

int sim_cluster_link_point(char *buf, size_t len, bool p2s, SimLinkPoint point)
{
    return sim_link_point_name(buf, len, link_name(p2s), point);
}

int sim_cluster_crash_point(char *buf, size_t len, const char *node)
{
    return sim_fault_name(buf, len, &sim_cluster_crash_template, node);
}

static int node_points(const SimClusterConfig *k, SimRole r, SimClusterPointFn *fn,
                       void *ctx)
{
    char name[SIM_FAULT_NAME_MAX];
    int rc = sim_cluster_crash_point(name, sizeof(name), k->names[r]);

    if (rc == 0) {
        fn(ctx, name);
    }
    for (unsigned i = 0; i < k->disks && rc == 0; i++) {
        for (int p = 0; p < SIM_DISK_POINT__COUNT && rc == 0; p++) {
            if (!sim_disk_role_has_point(disk_role(r), (SimDiskPoint)p)) {
                continue;
            }
            rc = sim_cluster_disk_point(name, sizeof(name), k->names[r], i,
                                        (SimDiskPoint)p);
            if (rc == 0) {
                fn(ctx, name);
            }
        }
    }
    return rc;
}

/* In sim_cluster_new's order: add_link (p2s, s2p), then add_node. */
int sim_cluster_points(const SimClusterConfig *cfg, SimClusterPointFn *fn, void *ctx)
{
    SimClusterConfig k = cfg ? *cfg : (SimClusterConfig){ 0 };
    char name[SIM_FAULT_NAME_MAX];
    int rc = 0;

    defaults(&k);
    if (k.disks > SIM_CLUSTER_MAX_DISKS) {
        return -EINVAL;
    }
    for (int l = 0; l < 2 && rc == 0; l++) {
        for (int p = 0; p < SIM_LINK_POINT__COUNT && rc == 0; p++) {
            rc = sim_cluster_link_point(name, sizeof(name), l == 0, (SimLinkPoint)p);
            if (rc == 0) {
                fn(ctx, name);
            }
        }
    }
    for (int r = 0; r < 2 && rc == 0; r++) {
        rc = node_points(&k, (SimRole)r, fn, ctx);
    }
    return rc;
}

static int track(SimNode *n, ReplicationState *rs, const char *what)
{
    char label[64];

    join(label, sizeof(label), n->name, "/", what);
    return sim_regcheck_track(n->c->w->regcheck, n->reg, rs, label);
}

/* Disk i of node n for dc: the kept one renewed, else a new one. */
static int make_disk(SimNode *n, unsigned i, const SimDiskConfig *dc, char *err,
                     size_t errlen)
{
    SimDisk **kept = &n->c->kept_disk[n->role][i];
    SimDisk *d = *kept;
    int rc;

    *kept = NULL;
    if (d != NULL) {
        rc = sim_disk_renew(d, dc, err, errlen);
        if (rc == 0) {
            n->disk[i] = d;
            return 0;
        }
        sim_disk_free(d);
        if (rc != -EXDEV) {
            return rc;
        }
    }
    return sim_disk_new(dc, &n->disk[i], err, errlen);
}

static int add_disk(SimNode *n, unsigned i, char *err, size_t errlen)
{
    SimCluster *c = n->c;
    char name[SIM_DISK_NAME_MAX + 16];
    int rc;
    SimDiskConfig dc = {
        .name = name, .node = n->name,
        .role = disk_role(n->role),
        .size_sectors = c->cfg.disk_size_sectors, .registry = n->reg,
        .clock = c->w->clock, .trace = &c->w->trace, .faults = c->w->faults,
        .commit_sectors_per_tick = c->cfg.commit_sectors_per_tick,
        .safe_failover = !c->cfg.upstream_failover,
    };

    disk_name(name, sizeof(name), n->name, i);
    if (n->role == SIM_PRIMARY) {
        c->fwd[i] = (Forward){ c, i };
        dc.forward = forward;
        dc.forward_ctx = &c->fwd[i];
    } else {
        dc.commit_done = on_commit_done;
        dc.commit_ctx = c;
    }
    rc = make_disk(n, i, &dc, err, errlen);
    return rc < 0 ? rc : track(n, sim_disk_state(n->disk[i]), name);
}

static int add_compare(SimNode *n, char *err, size_t errlen)
{
    SimCluster *c = n->c;
    SimCompareConfig cc = {
        .node = n->name, .registry = n->reg, .clock = c->w->clock,
        .trace = &c->w->trace, .compare_timeout_ticks = c->cfg.compare_timeout_ticks,
        .links = { c->p2s, c->s2p },
        .release = on_release, .release_ctx = c,
        .request_checkpoint = on_compare_request, .checkpoint_ctx = c,
    };
    SimCompare *kept = c->kept_cmp;
    int rc;

    c->kept_cmp = NULL;
    if (kept == NULL) {
        rc = sim_compare_new(&cc, &n->cmp, err, errlen);
    } else if ((rc = sim_compare_renew(kept, &cc, err, errlen)) < 0) {
        sim_compare_free(kept);
    } else {
        n->cmp = kept;
    }
    return rc < 0 ? rc : track(n, sim_compare_state(n->cmp), "compare");
}

/* Registration order, oldest first: disks, the crash probe, the
 * comparator; walks go newest first, so the probe runs between them. */
static int add_node(SimCluster *c, SimRole role, char *err, size_t errlen)
{
    SimNode *n = &c->node[role];
    SimHostMark mark;
    int rc = 0;

    n->c = c;
    n->role = role;
    join(n->name, sizeof(n->name), c->cfg.names[role], "", "");
    rc = sim_cluster_crash_point(n->crash_point, sizeof(n->crash_point), n->name);
    SIM_CHECK_OP(rc, ==, 0);    /* validate() bounded the name */
    mark = sim_host_mark();
    n->reg = replication_registry_new();
    if (n->reg == NULL) {
        sim_host_registry_oom(mark, "cluster: a node's registry (registry under test)");
        return sim_fail(err, errlen, -ENOMEM, "cannot create %s's registry: out of memory",
                        n->name);
    }
    if (c->w->faults != NULL &&
        sim_faults_add(c->w->faults, &sim_cluster_crash_template, n->name) < 0) {
        return sim_fail(err, errlen, -EINVAL, "cannot register fault point %s",
                        n->crash_point);
    }
    n->crash_ref = (SimFaultRef){ 0 };
    if (c->w->faults != NULL) {
        rc = sim_faults_ref(c->w->faults, n->crash_point, &n->crash_ref);
        SIM_CHECK_OP(rc, ==, 0);
    }
    for (unsigned i = 0; i < c->cfg.disks && rc == 0; i++) {
        rc = add_disk(n, i, err, errlen);
    }
    if (rc == 0) {
        mark = sim_host_mark();
        n->probe = replication_new_in(n->reg, n, &probe_ops);
        if (n->probe == NULL) {
            sim_host_registry_oom(mark, "cluster: a crash probe (registry under test)");
        }
        rc = n->probe ? track(n, n->probe, "probe") : -ENOMEM;
        if (rc < 0) {
            sim_fail(err, errlen, rc, "cannot register %s's crash probe: %s", n->name,
                     rc == -ENOMEM ? "out of memory" : "too many states");
        }
    }
    if (rc == 0 && role == SIM_PRIMARY) {
        rc = add_compare(n, err, errlen);
    }
    return rc;
}

static int add_link(SimCluster *c, bool p2s, char *err, size_t errlen)
{
    SimLinkConfig lc = {
        .name = link_name(p2s),
        .from = c->cfg.names[p2s ? 0 : 1], .to = c->cfg.names[p2s ? 1 : 0],
        .latency_ticks = c->cfg.latency_ticks, .delay_ticks = 4 * c->cfg.latency_ticks,
        /* A held (reordered) acknowledgement must still beat the timeout. */
        .hold_ticks = 4 * c->cfg.latency_ticks,
        .clock = c->w->clock, .trace = &c->w->trace, .faults = c->w->faults,
        .deliver = p2s ? on_p2s : on_s2p, .ctx = c,
    };
    SimLink **to = p2s ? &c->p2s : &c->s2p;
    SimLink *kept = c->kept_link[!p2s];
    int rc;

    c->kept_link[!p2s] = NULL;
    if (kept == NULL) {
        return sim_link_new(&lc, to, err, errlen);
    }
    rc = sim_link_renew(kept, &lc, err, errlen);
    if (rc < 0) {
        sim_link_free(kept);
        return rc;
    }
    *to = kept;
    return 0;
}

/* What is poisoned of a parked cluster: all but the kept parts, whose
 * pointers LeakSanitizer must see (it skips poisoned memory), and which
 * only this file's parking code reads. */
#define PARKED_BYTES offsetof(SimCluster, kept_link)

static void drop_kept(SimCluster *c)
{
    for (int r = 0; r < 2; r++) {
        sim_link_free(c->kept_link[r]);
        c->kept_link[r] = NULL;
        for (unsigned i = 0; i < SIM_CLUSTER_MAX_DISKS; i++) {
            sim_disk_free(c->kept_disk[r][i]);
            c->kept_disk[r][i] = NULL;
        }
    }
    for (unsigned i = 0; i < SIM_CLUSTER_MAX_DISKS; i++) {
        sim_datacheck_free(c->kept_data[i]);
        c->kept_data[i] = NULL;
    }
    sim_compare_free(c->kept_cmp);
    sim_outcheck_free(c->kept_out);
    c->kept_cmp = NULL;
    c->kept_out = NULL;
}

/* The world's way to free a parked cluster (world.h). */
static void free_spare(void *spare)
{
    SimCluster *c = spare;

    SIM_ASAN_UNPOISON(c, PARKED_BYTES);
    drop_kept(c);
    free(c);
}

/* The cluster's own memory (about 230 KB, most of it the nodes' packet
 * histories) is kept by the world from one cluster to the next (issue 22:
 * under ASan a block that large is an mmap, zeroed page by page, per
 * fuzz_cluster input).  A parked shell is poisoned under ASan, so a
 * dangling pointer to a freed cluster is still reported. */
static void cluster_clear(SimCluster *c)
{
    memset(c, 0, offsetof(SimCluster, node));
    for (int r = 0; r < 2; r++) {
        memset(&c->node[r], 0, offsetof(SimNode, hist));
    }
    memset(&c->p2s, 0, offsetof(SimCluster, scratch) - offsetof(SimCluster, p2s));
}

static SimCluster *shell(SimWorld *w)
{
    SimCluster *c = w->spare_cluster;

    if (c == NULL) {
        return sim_host_calloc(1, sizeof(*c), "cluster");
    }
    w->spare_cluster = NULL;
    SIM_ASAN_UNPOISON(c, PARKED_BYTES);
    cluster_clear(c);
    return c;
}

static void park(SimCluster *c)
{
    SimWorld *w = c->w;

    if (w->spare_cluster != NULL) {
        free_spare(c);
        return;
    }
    SIM_ASAN_POISON(c, PARKED_BYTES);
    w->spare_cluster = c;
    w->spare_free = free_spare;
}

/* The kept data checker's slot for a cluster of c's disks, or NULL for a
 * number of disks the cluster refuses. */
static SimDataCheck **data_slot(SimCluster *c)
{
    unsigned disks = c->cfg.disks;

    return disks >= 1 && disks <= SIM_CLUSTER_MAX_DISKS ? &c->kept_data[disks - 1] : NULL;
}

/* The checkers: the kept ones reset, else new ones. */
static void make_checkers(SimCluster *c)
{
    SimDataCheck **slot = data_slot(c);
    SimDataCheck *dc = slot != NULL ? *slot : NULL;

    if (slot != NULL) {
        *slot = NULL;
    }
    if (dc != NULL && sim_datacheck_reset(dc, c->cfg.disks, c->cfg.disk_size_sectors) == 0) {
        c->data = dc;
    } else {
        sim_datacheck_free(dc);
        c->data = sim_datacheck_new(c->cfg.disks, c->cfg.disk_size_sectors);
    }
    c->out = c->kept_out;
    c->kept_out = NULL;
    if (c->out != NULL) {
        sim_outcheck_reset(c->out, 0);
    } else {
        c->out = sim_outcheck_new(0);
    }
}

int sim_cluster_new(SimWorld *w, const SimClusterConfig *cfg, SimCluster **out,
                    char *err, size_t errlen)
{
    SimCluster *c;
    int rc;

    SIM_CHECK(w != NULL && out != NULL);
    *out = NULL;
    c = shell(w);
    if (c == NULL) {
        return sim_fail(err, errlen, -ENOMEM, "out of memory");
    }
    c->w = w;
    c->cfg = cfg ? *cfg : (SimClusterConfig){ 0 };
    defaults(&c->cfg);
    c->expect_id = 1;
    c->disturb_tick = SIM_NEVER;
    sim_prng_init(&c->rng, w->seed, "workload");
    rc = validate(&c->cfg, err, errlen);
    if (rc == 0) {
        rc = add_link(c, true, err, errlen);
    }
    if (rc == 0) {
        rc = add_link(c, false, err, errlen);
    }
    for (int r = 0; r < 2 && rc == 0; r++) {
        rc = add_node(c, (SimRole)r, err, errlen);
    }
    if (rc == 0 && sim_regcheck_on_idle(w->regcheck, on_registry_idle, c) < 0) {
        rc = sim_fail(err, errlen, -ENOSPC, "too many registry idle hooks");
    }
    make_checkers(c);
    if (rc == 0 && (c->data == NULL || c->out == NULL)) {
        rc = sim_fail(err, errlen, -ENOMEM, "out of memory");
    }
    if (rc < 0) {
        sim_cluster_free(c);
        return rc;
    }
    trace(c, NULL, SIM_COLO_EV_CLUSTER,
          SIM_TRACE_FIELDS(sim_tf_u64("seed", w->seed), sim_tf_u64("disks", c->cfg.disks),
                           sim_tf_u64("size", c->cfg.disk_size_sectors),
                           sim_tf_u64("latency", c->cfg.latency_ticks)));
    *out = c;
    return 0;
}

/* As sim_disk_free would, but the disk itself is kept for the next
 * cluster (make_disk). */
static void free_node(SimCluster *c, SimNode *n)
{
    for (unsigned i = 0; i < SIM_CLUSTER_MAX_DISKS; i++) {
        if (n->disk[i] != NULL) {
            drop_state(n, sim_disk_state(n->disk[i]));
            sim_disk_empty(n->disk[i]);
            SIM_CHECK(c->kept_disk[n - c->node][i] == NULL);
            c->kept_disk[n - c->node][i] = n->disk[i];
        }
    }
    if (n->cmp != NULL) {
        drop_state(n, sim_compare_state(n->cmp));
        keep_compare(c, n->cmp);
    }
    if (n->probe != NULL) {
        drop_state(n, n->probe);
        replication_remove(n->probe);
    }
    replication_registry_free(n->reg);
}

static void keep_link(SimCluster *c, SimLink *l, int i)
{
    if (l != NULL) {
        sim_link_empty(l);
        SIM_CHECK(c->kept_link[i] == NULL);
        c->kept_link[i] = l;
    }
}

/* The checkers, emptied, kept for the next cluster. */
static void keep_checkers(SimCluster *c)
{
    SimDataCheck **slot = data_slot(c);

    if (c->data != NULL && slot != NULL) {
        sim_datacheck_reset(c->data, c->cfg.disks, c->cfg.disk_size_sectors);
        SIM_CHECK(*slot == NULL);
        *slot = c->data;
    } else {
        sim_datacheck_free(c->data);
    }
    SIM_CHECK(c->kept_out == NULL);
    c->kept_out = c->out;
}

void sim_cluster_free(SimCluster *c)
{
    if (c == NULL) {
        return;
    }
    sim_regcheck_off_idle(c->w->regcheck, c);
    for (int r = 0; r < 2; r++) {
        free_node(c, &c->node[r]);
    }
    keep_link(c, c->p2s, 0);
    keep_link(c, c->s2p, 1);
    for (size_t i = 0; i < c->nheld; i++) {
        free(c->held[i].payload);
    }
    sim_clock_cancel(c->w->clock, c);
    keep_checkers(c);
    park(c);
}

/* ---- driving ---------------------------------------------------------------- */

int sim_cluster_start(SimCluster *c)
{
    SimNode *n[2] = { &c->node[SIM_SECONDARY], &c->node[SIM_PRIMARY] };
    ReplicationMode modes[2] = { REPLICATION_MODE_SECONDARY, REPLICATION_MODE_PRIMARY };

    c->last_error[0] = '\0';
    if (c->started) {
        return fail(c, -EALREADY, "cluster already started");
    }
    for (int i = 0; i < 2; i++) {
        Error *err = NULL;

        walk(n[i], SIM_WALK_START, modes[i], false, &err);
        if (err != NULL) {
            trace(c, n[i], SIM_COLO_EV_START_ERROR,
                  SIM_TRACE_FIELDS(quoted("error", error_get_pretty(err), SIM_TF_BARE)));
            fail(c, -EIO, "start on %s: %s", n[i]->name, error_get_pretty(err));
            error_free(err);
            return -EIO;
        }
    }
    c->started = true;
    /* The secondary VM starts as a copy of the primary: the packets the
     * primary sent before, it sent too (found by fuzz_cluster). */
    memcpy(c->node[SIM_SECONDARY].pos, c->node[SIM_PRIMARY].pos,
           sizeof(c->node[SIM_SECONDARY].pos));
    c->next_checkpoint_tick = now(c) + c->cfg.checkpoint_interval_ticks;
    c->done_tick = c->healthy_tick = now(c);
    trace(c, NULL, SIM_COLO_EV_STARTED, SIM_TRACE_FIELDS(sim_tf_u64("epoch", 0)));
    return 0;
}

static void handle_wants(SimCluster *c)
{
    for (int r = 0; r < 2; r++) {
        if (c->wants_failover[r]) {
            failover(c, (SimRole)r);
        }
    }
    if (c->started && c->cfg.checkpoint_interval_ticks != SIM_NEVER &&
        now(c) >= c->next_checkpoint_tick) {
        c->next_checkpoint_tick = now(c) + c->cfg.checkpoint_interval_ticks;
        c->wants_checkpoint = true;
    }
    if (c->wants_checkpoint) {
        begin_checkpoint(c);
    }
}

static void tick(SimCluster *c)
{
    uint64_t target = now(c) + 1;

    for (int r = 0; r < 2; r++) {
        SimNode *n = &c->node[r];

        if (!n->crashed && SIM_FAULT_AT(&n->crash_ref)) {
            crash(n, "fault point");
        }
    }
    handle_wants(c);
    workload(c);
    c->stats.events += sim_clock_run_until(c->w->clock, target, 0);
    handle_wants(c);
    c->stats.ticks++;
    collect_violations(c);
}

int sim_cluster_run(SimCluster *c, uint64_t ticks)
{
    for (uint64_t t = 0; t < ticks; t++) {
        tick(c);
        if (c->violations != 0) {
            return -EPROTO;
        }
        if (sim_host_failed()) {
            return -ENOMEM;
        }
    }
    return 0;
}

/* ---- scenario-driven operations ------------------------------------------- */

/* Both VMs are paused from a checkpoint's marker to its acknowledgement,
 * as in COLO: a guest produces nothing then (found by fuzz_cluster: a packet
 * sent in that window was released by the checkpoint though the secondary,
 * already checkpointed, had sent something else). */
static int vms_running(SimCluster *c)
{
    return c->paused ? fail(c, -EBUSY, "the VMs are paused for checkpoint %llu",
                            (unsigned long long)c->epoch) : 0;
}

static int check_range(SimCluster *c, unsigned disk, uint64_t sector, uint32_t count)
{
    c->last_error[0] = '\0';
    if (disk >= c->cfg.disks) {
        return fail(c, -EINVAL, "no disk %u (the cluster has %u)", disk, c->cfg.disks);
    }
    if (count == 0 || count > SIM_CLUSTER_MAX_WRITE_SECTORS
        || sector >= c->cfg.disk_size_sectors || count > c->cfg.disk_size_sectors - sector) {
        return fail(c, -EINVAL, "sectors %llu+%u out of range (size %llu, at most %u)",
                    (unsigned long long)sector, count,
                    (unsigned long long)c->cfg.disk_size_sectors,
                    (unsigned)SIM_CLUSTER_MAX_WRITE_SECTORS);
    }
    return 0;
}

int sim_cluster_write(SimCluster *c, unsigned disk, uint64_t sector,
                      uint32_t count, uint8_t byte)
{
    int rc = check_range(c, disk, sector, count);

    rc = rc < 0 ? rc : vms_running(c);
    if (rc == 0 && (rc = guest_write(c, disk, sector, count, byte, byte, true)) < 0) {
        fail(c, rc, "write on %s failed: %s (%d)", c->node[SIM_PRIMARY].name,
             strerror(-rc), rc);
    }
    collect_violations(c);
    return rc;
}

int sim_cluster_primary_write(SimCluster *c, unsigned disk, uint64_t sector,
                              uint32_t count, uint8_t byte)
{
    int rc = check_range(c, disk, sector, count);

    rc = rc < 0 ? rc : vms_running(c);

    if (rc == 0 && c->node[SIM_PRIMARY].crashed) {
        return fail(c, -ENODEV, "%s has crashed", c->node[SIM_PRIMARY].name);
    }
    if (rc == 0 && (rc = guest_write(c, disk, sector, count, byte, byte, false)) < 0) {
        fail(c, rc, "write on %s failed: %s (%d)", c->node[SIM_PRIMARY].name,
             strerror(-rc), rc);
    }
    collect_violations(c);
    return rc;
}

int sim_cluster_secondary_write(SimCluster *c, unsigned disk, uint64_t sector,
                                uint32_t count, uint8_t byte)
{
    SimNode *s = &c->node[SIM_SECONDARY];
    int rc = check_range(c, disk, sector, count);

    rc = rc < 0 ? rc : vms_running(c);
    if (rc < 0) {
        return rc;
    }
    if (s->crashed) {
        return fail(c, -ENODEV, "%s has crashed", s->name);
    }
    fill(c->scratch, count, byte);
    rc = sim_disk_write(s->disk[disk], sector, count, c->scratch);
    if (rc < 0) {
        return fail(c, rc, "write on %s failed: %s (%d)", s->name, strerror(-rc), rc);
    }
    if (own_writes_count(c)) {
        sim_datacheck_secondary_wrote(c->data, disk, sector, count, c->scratch);
    }
    return 0;
}

int sim_cluster_read(SimCluster *c, SimRole node, unsigned disk, uint64_t sector,
                     uint32_t count, uint8_t *buf)
{
    SimNode *n = &c->node[node];
    int rc = check_range(c, disk, sector, count);

    if (rc < 0) {
        return rc;
    }
    /* The primary's guest reads its local image; the replication filter
     * itself refuses reads (upstream), so go below it. */
    if (node == SIM_PRIMARY) {
        return sim_store_read(sim_disk_local(n->disk[disk]), sector, count, buf);
    }
    rc = sim_disk_read(n->disk[disk], sector, count, buf);
    return rc < 0 ? fail(c, rc, "read on %s failed: %s (%d)", n->name, strerror(-rc), rc)
                  : 0;
}

int sim_cluster_packet(SimCluster *c, uint32_t conn, bool diverge)
{
    c->last_error[0] = '\0';
    if (vms_running(c) < 0) {
        return -EBUSY;
    }
    if (conn >= c->cfg.connections) {
        return fail(c, -EINVAL, "no connection %u (the cluster has %u)", conn,
                    c->cfg.connections);
    }
    packet(c, conn, diverge);
    collect_violations(c);
    return 0;
}

/* Why no checkpoint can begin now (the errors carry their cause). */
static const char *why_no_checkpoint(const SimCluster *c)
{
    if (c->broken) {
        return c->broken_why;
    }
    if (c->node[SIM_PRIMARY].crashed || c->node[SIM_SECONDARY].crashed) {
        return c->node[SIM_PRIMARY].crashed ? "the primary has crashed"
                                            : "the secondary has crashed";
    }
    return !c->started ? "replication is not started" : "replication is over";
}

int sim_cluster_checkpoint(SimCluster *c)
{
    c->last_error[0] = '\0';
    if (!replicating(c) || c->broken) {
        return fail(c, -ENOTCONN, "no checkpoint: replication is %s%s%s%s",
                    !c->started ? "not started" : c->broken ? "broken" : "over",
                    c->broken ? " (" : "", c->broken ? c->broken_why : "",
                    c->broken ? ")" : "");
    }
    c->wants_checkpoint = true;
    begin_checkpoint(c);
    return c->in_checkpoint ? 0 : fail(c, -EPIPE, "checkpoint could not begin: %s",
                                       why_no_checkpoint(c));
}

int sim_cluster_failover(SimCluster *c, SimRole survivor)
{
    c->last_error[0] = '\0';
    if (!c->started || c->failed_over || c->node[survivor].crashed) {
        return fail(c, -EINVAL, "no failover onto %s: %s", c->node[survivor].name,
                    !c->started ? "not started" : c->failed_over ? "already failed over"
                                                                 : "it has crashed");
    }
    failover(c, survivor);
    collect_violations(c);
    return 0;
}

int sim_cluster_crash(SimCluster *c, SimRole node)
{
    c->last_error[0] = '\0';
    if (c->node[node].crashed) {
        return fail(c, -EINVAL, "%s has crashed already", c->node[node].name);
    }
    crash(&c->node[node], "requested");
    handle_wants(c);
    collect_violations(c);
    return 0;
}

void sim_cluster_set_link(SimCluster *c, bool p2s_down, bool s2p_down)
{
    if ((p2s_down && !sim_link_is_down(c->p2s)) || (s2p_down && !sim_link_is_down(c->s2p))) {
        disturb(c, "a partition (%s%s%s)", p2s_down ? "p2s" : "",
                p2s_down && s2p_down ? ", " : "", s2p_down ? "s2p" : "");
    }
    sim_link_set_down(c->p2s, p2s_down);
    sim_link_set_down(c->s2p, s2p_down);
    trace(c, NULL, SIM_COLO_EV_LINKS,
          SIM_TRACE_FIELDS(sim_tf_str("p2s", p2s_down ? "down" : "up"),
                           sim_tf_str("s2p", s2p_down ? "down" : "up")));
}

void sim_cluster_quiesce(SimCluster *c, bool quiet)
{
    c->quiet = quiet;
}

void sim_cluster_disturb(SimCluster *c, const char *what)
{
    disturb(c, "%s", what);
}

void sim_cluster_progress(const SimCluster *c, SimClusterProgress *p)
{
    *p = (SimClusterProgress){
        .started = c->started, .replicating = replicating(c) && !c->broken,
        .broken = c->broken, .failed_over = c->failed_over,
        .epoch = c->epoch, .in_checkpoint = c->in_checkpoint,
        .checkpoint_began_tick = c->checkpoint_began_tick,
        .done_epoch = c->done_epoch, .done_tick = c->done_tick,
        .checkpoints_done = c->stats.checkpoints_done,
        .broken_tick = c->broken_tick, .broken_epoch = c->broken_epoch,
        .broken_epoch_began = c->broken_epoch_began,
        .broken_why = c->broken_why, .broken_cause = c->broken_cause,
        .stream_held = c->nheld, .stream_missing_id = c->expect_id,
    };
    for (int r = 0; r < 2; r++) {
        p->crashed[r] = c->node[r].crashed;
        p->crash_tick[r] = c->node[r].crash_tick;
        p->promoted[r] = c->node[r].promoted;
    }
    for (size_t i = 0; i < c->nheld; i++) {
        if (i == 0 || c->held[i].since_tick < p->stream_held_since) {
            p->stream_held_since = c->held[i].since_tick;
        }
    }
}

/* ---- accessors -------------------------------------------------------------- */

unsigned sim_cluster_violations(const SimCluster *c)
{
    return c->violations;
}

SimCheckKind sim_cluster_violation_kind(const SimCluster *c)
{
    return c->violations != 0 ? c->violation_kind : SIM_CHECK_NONE;
}

const char *sim_cluster_violation(const SimCluster *c)
{
    return c->violation;
}

const char *sim_cluster_last_error(const SimCluster *c)
{
    return c->last_error;
}

const SimClusterConfig *sim_cluster_config(const SimCluster *c)
{
    return &c->cfg;
}

const SimClusterStats *sim_cluster_stats(const SimCluster *c)
{
    return &c->stats;
}

SimNode *sim_cluster_node(SimCluster *c, SimRole role)
{
    return &c->node[role];
}

SimLink *sim_cluster_link(SimCluster *c, bool p2s)
{
    return p2s ? c->p2s : c->s2p;
}

bool sim_cluster_broken(const SimCluster *c)
{
    return c->broken;
}

uint64_t sim_cluster_epoch(const SimCluster *c)
{
    return c->epoch;
}

const SimOutCheck *sim_cluster_output(const SimCluster *c)
{
    return c->out;
}

const char *sim_node_name(const SimNode *n)
{
    return n->name;
}

ReplicationRegistry *sim_node_registry(SimNode *n)
{
    return n->reg;
}

SimDisk *sim_node_disk(SimNode *n, unsigned i)
{
    return i < SIM_CLUSTER_MAX_DISKS ? n->disk[i] : NULL;
}

SimCompare *sim_node_compare(SimNode *n)
{
    return n->cmp;
}

bool sim_node_crashed(const SimNode *n)
{
    return n->crashed;
}

bool sim_node_failed_over(const SimNode *n)
{
    return n->promoted;
}
