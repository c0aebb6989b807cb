/* liveness.c: the liveness phase and its verdict (liveness.h), and the
 * name of the canary built in (canary.h).  Drives the world only through
 * the backends' public calls; reads them through their typed getters.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "canary.h"
#include "check.h"
#include "liveness.h"
#include "probe.h"

#define MARGIN_TICKS 64

typedef struct Phase {
    SimWorld *w;
    const SimLiveConfig *cfg;
    SimLiveResult *res;
    SimCluster *c;              /* cfg->cluster */
    uint64_t start_epoch;       /* checkpoints begun before the phase */
    bool broken_before;         /* replication was broken when it began */
    bool probed;                /* the probe packets went out */
    char halt[SIM_LIVE_WHAT_MAX];       /* why the pair cannot go on, explained */
    char permanent[SIM_LIVE_WHAT_MAX];  /* a permanent fault acting in the phase */
} Phase;

const char *sim_canary_name(void)
{
    static const char *const names[] = { "none", "compare-release", "secondary-ack",
                                         "commit-stall" };

    return SIM_CANARY >= 0 && SIM_CANARY < 4 ? names[SIM_CANARY] : "?";
}

const char *sim_live_verdict_name(SimLiveVerdict v)
{
    static const char *const names[SIM_LIVE_VERDICT__COUNT] = {
        "converged", "expected", "stuck",
    };

    return (unsigned)v < SIM_LIVE_VERDICT__COUNT ? names[v] : "?";
}

const char *sim_live_part_name(SimLivePart p)
{
    static const char *const names[SIM_LIVE_PART__COUNT] = {
        "comparator", "checkpoint", "replication", "stream", "link", "commit", "walk",
    };

    return (unsigned)p < SIM_LIVE_PART__COUNT ? names[p] : "?";
}

static uint64_t now(const Phase *P)
{
    return sim_clock_now(P->w->clock);
}

static void trace(Phase *P, SimLiveEvent ev, const SimTraceField *f, unsigned n)
{
    static const char *const names[SIM_LIVE_EV__COUNT] = { "begin", "end" };

    sim_trace_emit(&P->w->trace, &(SimTraceEvent){
        .tick = now(P), .comp = SIM_COMP_LIVENESS, .kind = (int)ev, .name = names[ev],
        .field = f, .nfields = n });
}

static SimDisk *secondary_disk(SimCluster *c, unsigned i)
{
    return sim_node_disk(sim_cluster_node(c, SIM_SECONDARY), i);
}

static uint64_t max_u64(uint64_t a, uint64_t b)
{
    return a > b ? a : b;
}

uint64_t sim_live_bound(const SimLiveConfig *cfg)
{
    uint64_t b = MARGIN_TICKS, commit = 0;

    if (cfg->cluster != NULL) {
        const SimClusterConfig *k = sim_cluster_config(cfg->cluster);

        /* A packet that arrives behind a pending timeout check waits for
         * the next scan (compare.h). */
        b += k->checkpoint_timeout_ticks + k->gap_timeout_ticks + k->compare_timeout_ticks +
             SIM_COMPARE_DEFAULT_SCAN_TICKS + 20 * k->latency_ticks;
        if (k->checkpoint_interval_ticks != SIM_NEVER) {
            b += k->checkpoint_interval_ticks;
        }
        for (unsigned i = 0; i < k->disks; i++) {
            commit = max_u64(commit, sim_disk_commit_ticks(secondary_disk(cfg->cluster, i)));
        }
    }
    for (size_t i = 0; i < cfg->ndisks; i++) {
        commit = max_u64(commit, sim_disk_commit_ticks(cfg->disks[i]));
    }
    b += commit;
    return b < SIM_LIVE_MAX_TICKS ? b : SIM_LIVE_MAX_TICKS;
}

/* ---- the phase --------------------------------------------------------------- */

/* Every fault not declared permanent stops; partitions not declared
 * permanent heal; the workload pauses.  Returns the healed links' names. */
static const char *stop_faults(Phase *P)
{
    SimCluster *c = P->c;
    bool down[2], keep[2];

    P->res->disarmed = P->w->faults ? sim_faults_clear_transient(P->w->faults) : 0;
    if (c == NULL) {
        return "";
    }
    sim_cluster_quiesce(c, true);
    for (int l = 0; l < 2; l++) {
        down[l] = sim_link_is_down(sim_cluster_link(c, l == 0));
        keep[l] = down[l] && P->cfg->keep_down[l];
    }
    if (down[0] == keep[0] && down[1] == keep[1]) {
        return "";
    }
    sim_cluster_set_link(c, keep[0], keep[1]);
    return down[0] != keep[0] ? (down[1] != keep[1] ? "p2s,s2p" : "p2s") : "s2p";
}

/* One matching packet on every connection, once the VMs run: what the
 * comparator must let through.  False while they are paused. */
static bool probe(Phase *P)
{
    uint32_t conns = sim_cluster_config(P->c)->connections;

    for (uint32_t conn = 0; conn < conns; conn++) {
        if (sim_cluster_packet(P->c, conn, false) == -EBUSY) {
            return false;       /* paused for a checkpoint: all or none */
        }
    }
    return true;
}

/* Before each tick: the probes, then a checkpoint begun in the phase. */
static void drive(Phase *P)
{
    SimClusterProgress p;

    sim_cluster_progress(P->c, &p);
    if (!p.started) {
        return;
    }
    if (!P->probed) {
        P->probed = probe(P);
    }
    if (P->probed && p.replicating && !p.in_checkpoint && p.epoch == P->start_epoch) {
        (void)sim_cluster_checkpoint(P->c);     /* refused: asked again next tick */
    }
}

static bool links_idle(SimCluster *c)
{
    return sim_link_in_flight(sim_cluster_link(c, true)) == 0 &&
           sim_link_in_flight(sim_cluster_link(c, false)) == 0;
}

static bool compare_idle(SimCluster *c)
{
    SimCompare *cmp = sim_node_compare(sim_cluster_node(c, SIM_PRIMARY));
    SimCompareHeld h;

    return cmp == NULL || !sim_compare_oldest(cmp, &h);
}

static bool committing(SimDisk *d)
{
    return sim_disk_stage(d) == SIM_DISK_STAGE_FAILOVER;
}

static bool walking(const Phase *P)
{
    for (size_t i = 0; i < P->cfg->nregistries; i++) {
        if (sim_regcheck_walking(P->w->regcheck, P->cfg->registries[i])) {
            return true;
        }
    }
    for (int r = 0; P->c != NULL && r < 2; r++) {
        if (sim_regcheck_walking(P->w->regcheck,
                                 sim_node_registry(sim_cluster_node(P->c, (SimRole)r)))) {
            return true;
        }
    }
    return false;
}

/* A failover onto the secondary whose commit can still run: the survivor
 * is alive (a dead process commits nothing, as upstream). */
static bool survivor_commits(const SimClusterProgress *p)
{
    return p->failed_over && p->promoted[SIM_SECONDARY] && !p->crashed[SIM_SECONDARY];
}

/* Nothing more will move: the pair checkpointed in the phase and holds
 * nothing, or it cannot go on without a failover and its links are quiet. */
static bool cluster_settled(const Phase *P)
{
    SimCluster *c = P->c;
    SimClusterProgress p;

    sim_cluster_progress(c, &p);
    if (!p.started) {
        return true;
    }
    if (!P->probed || !links_idle(c)) {
        return false;
    }
    if (p.replicating) {
        return !p.in_checkpoint && p.done_epoch > P->start_epoch && p.stream_held == 0 &&
               compare_idle(c);
    }
    if (!p.failed_over) {
        return true;            /* halted: judged as it stands */
    }
    for (unsigned i = 0; survivor_commits(&p) && i < sim_cluster_config(c)->disks; i++) {
        if (committing(secondary_disk(c, i))) {
            return false;
        }
    }
    return compare_idle(c);
}

static bool settled(const Phase *P)
{
    for (size_t i = 0; i < P->cfg->ndisks; i++) {
        if (committing(P->cfg->disks[i])) {
            return false;
        }
    }
    return !walking(P) && (P->c == NULL || cluster_settled(P));
}

/* Tick by tick until settled or the bound; -EPROTO on a violation. */
static int run_phase(Phase *P)
{
    uint64_t end = P->res->begin_tick + P->res->bound_ticks;

    while (now(P) < end) {
        if (P->c != NULL) {
            drive(P);
        }
        if (P->c != NULL && sim_cluster_violations(P->c) != 0) {
            return -EPROTO;
        }
        if (settled(P)) {
            return 0;
        }
        if (P->c != NULL) {
            if (sim_cluster_run(P->c, 1) < 0) {
                return -EPROTO;
            }
        } else {
            sim_clock_run_until(P->w->clock, now(P) + 1, 0);
        }
    }
    return 0;
}

/* ---- the verdict ------------------------------------------------------------- */

static void add(Phase *P, SimLivePart part, uint64_t since, const char *why,
                const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* One item not converged; why: what explains it, or "" (then a permanent
 * fault acting in the phase may). */
static void add(Phase *P, SimLivePart part, uint64_t since, const char *why,
                const char *fmt, ...)
{
    SimLiveResult *r = P->res;
    SimLiveStuck item = { .part = part, .since_tick = since };
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(item.what, sizeof(item.what), fmt, ap);
    va_end(ap);
    if (why[0] == '\0') {
        why = P->permanent;
    }
    item.explained = why[0] != '\0';
    snprintf(item.why, sizeof(item.why), "%s", why);
    r->count++;
    if (r->nstuck < SIM_LIVE_MAX_STUCK) {
        r->stuck[r->nstuck++] = item;
    } else if (!item.explained) {
        /* Unexplained items first: one replaces the last explained one. */
        for (unsigned i = SIM_LIVE_MAX_STUCK; i-- > 0;) {
            if (r->stuck[i].explained) {
                r->stuck[i] = item;
                break;
            }
        }
    }
}

/* A permanent fault that acted during the phase: a permanent point that
 * fired in it, or a partition kept down. */
static void find_permanent(Phase *P)
{
    const SimFaults *f = P->w->faults;

    P->permanent[0] = '\0';
    for (size_t i = 0; f != NULL && i < sim_faults_count(f); i++) {
        const SimFaultPoint *p = sim_faults_at(f, i);

        if (p->spec.mode != SIM_FAULT_OFF && p->permanent && p->fires > 0 &&
            p->last_fire_tick >= P->res->begin_tick) {
            snprintf(P->permanent, sizeof(P->permanent), "the permanent fault %s (fired at "
                     "tick %" PRIu64 ")", p->name, p->last_fire_tick);
            return;
        }
    }
    for (int l = 0; P->c != NULL && l < 2; l++) {
        if (P->cfg->keep_down[l] && sim_link_is_down(sim_cluster_link(P->c, l == 0))) {
            snprintf(P->permanent, sizeof(P->permanent), "the permanent partition of %s",
                     l == 0 ? "p2s" : "s2p");
            return;
        }
    }
}

/* The pair cannot go on without a failover: broken, or a node down and
 * nothing failed over.  The item, and in P->halt what explains it: a
 * crash, or what disturbed the pair between its last checkpoint and the
 * break (a break with no such cause is stuck, in the phase or before). */
static void judge_halt(Phase *P, const SimClusterProgress *p)
{
    const char *node[2] = { sim_node_name(sim_cluster_node(P->c, SIM_PRIMARY)),
                            sim_node_name(sim_cluster_node(P->c, SIM_SECONDARY)) };
    int r = p->crashed[SIM_PRIMARY] ? SIM_PRIMARY : SIM_SECONDARY;
    const char *when = P->broken_before ? "" : ", in the phase";
    char unexplained[SIM_LIVE_WHAT_MAX] = "";

    if (!p->broken) {
        snprintf(P->halt, sizeof(P->halt), "%s crashed at tick %" PRIu64 " and nothing "
                 "failed over", node[r], p->crash_tick[r]);
        add(P, SIM_LIVE_REPLICATION, p->crash_tick[r], P->halt, "replication over: %s",
            P->halt);
        return;
    }
    if (p->broken_cause[0] != '\0') {
        snprintf(P->halt, sizeof(P->halt), "%s: COLO goes on only after a failover",
                 p->broken_cause);
    } else {
        snprintf(unexplained, sizeof(unexplained), ", with no fault, partition, crash or "
                 "scripted failure since %s %" PRIu64 " at tick %" PRIu64,
                 p->done_epoch ? "checkpoint" : "the start, epoch", p->done_epoch,
                 p->done_tick);
    }
    if (p->broken_epoch != 0) {
        add(P, SIM_LIVE_CHECKPOINT, p->broken_epoch_began, P->halt, "checkpoint %" PRIu64
            " waiting for the secondary's ack since tick %" PRIu64 " (replication broke at "
            "tick %" PRIu64 "%s: %s)%s", p->broken_epoch, p->broken_epoch_began,
            p->broken_tick, when, p->broken_why, unexplained);
    } else {
        add(P, SIM_LIVE_REPLICATION, p->broken_tick, P->halt, "replication broke at tick %"
            PRIu64 "%s: %s%s", p->broken_tick, when, p->broken_why, unexplained);
    }
}

static void judge_compare(Phase *P)
{
    SimNode *n = sim_cluster_node(P->c, SIM_PRIMARY);
    SimCompare *cmp = sim_node_compare(n);
    SimCompareHeld h;

    if (cmp != NULL && sim_compare_oldest(cmp, &h)) {
        add(P, SIM_LIVE_COMPARE, h.since_tick, P->halt, "comparator on %s: %spacket %"
            PRIu64 " on conn %" PRIu64 " held since tick %" PRIu64 " (%zu primary, %zu "
            "secondary packets held)", sim_node_name(n), h.secondary_side ? "secondary " : "",
            h.number, h.conn, h.since_tick, h.primary, h.secondary);
    }
}

static void judge_links(Phase *P)
{
    uint64_t old = 10 * sim_cluster_config(P->c)->latency_ticks + 1;

    for (int l = 0; l < 2; l++) {
        SimLink *link = sim_cluster_link(P->c, l == 0);
        uint64_t id, sent;

        if (sim_link_oldest(link, &id, &sent) && now(P) - sent > old) {
            add(P, SIM_LIVE_LINK, sent, P->halt, "link %s: message %" PRIu64 " in flight "
                "since tick %" PRIu64, sim_link_name(link), id, sent);
        }
    }
}

static void judge_commit(Phase *P, SimDisk *d)
{
    if (committing(d)) {
        add(P, SIM_LIVE_COMMIT, sim_disk_stage_since(d), "", "failover commit of %s: stage "
            "failover since tick %" PRIu64 ", %" PRIu64 " sectors left", sim_disk_name(d),
            sim_disk_stage_since(d), sim_disk_commit_left(d));
    }
}

static void judge_cluster(Phase *P)
{
    SimClusterProgress p;

    sim_cluster_progress(P->c, &p);
    if (!p.started) {
        return;
    }
    if (p.replicating && p.in_checkpoint) {
        add(P, SIM_LIVE_CHECKPOINT, p.checkpoint_began_tick, "", "checkpoint %" PRIu64
            " waiting for the secondary's ack since tick %" PRIu64, p.epoch,
            p.checkpoint_began_tick);
    } else if (p.replicating && p.done_epoch <= P->start_epoch) {
        add(P, SIM_LIVE_CHECKPOINT, P->res->begin_tick, "", "no checkpoint completed in the "
            "phase (the last: %" PRIu64 " at tick %" PRIu64 ")", p.done_epoch, p.done_tick);
    } else if (!p.replicating && !p.failed_over) {
        judge_halt(P, &p);
    }
    if (p.stream_held > 0 && !p.failed_over) {
        add(P, SIM_LIVE_STREAM, p.stream_held_since, P->halt, "replication stream: waiting "
            "for message %" PRIu64 " since tick %" PRIu64 " (%zu held)", p.stream_missing_id,
            p.stream_held_since, p.stream_held);
    }
    judge_compare(P);
    judge_links(P);
    for (unsigned i = 0; survivor_commits(&p) && i < sim_cluster_config(P->c)->disks; i++) {
        judge_commit(P, secondary_disk(P->c, i));
    }
}

static void judge(Phase *P)
{
    SimLiveResult *r = P->res;

    find_permanent(P);
    if (P->c != NULL) {
        judge_cluster(P);
    }
    for (size_t i = 0; i < P->cfg->ndisks; i++) {
        judge_commit(P, P->cfg->disks[i]);
    }
    if (walking(P)) {
        add(P, SIM_LIVE_WALK, r->begin_tick, "", "a walk has not returned");
    }
    r->verdict = SIM_LIVE_CONVERGED;
    for (unsigned i = 0; i < r->nstuck; i++) {
        SimLiveVerdict v = r->stuck[i].explained ? SIM_LIVE_EXPECTED : SIM_LIVE_STUCK;

        r->verdict = v > r->verdict ? v : r->verdict;
    }
}

/* Unexplained items first, each group in the order found. */
static void order(SimLiveResult *r)
{
    SimLiveStuck sorted[SIM_LIVE_MAX_STUCK];
    unsigned n = 0;

    for (int pass = 0; pass < 2; pass++) {
        for (unsigned i = 0; i < r->nstuck; i++) {
            if (r->stuck[i].explained == (pass == 1)) {
                sorted[n++] = r->stuck[i];
            }
        }
    }
    memcpy(r->stuck, sorted, n * sizeof(*sorted));
}

static void describe(SimLiveResult *r)
{
    uint64_t ticks = r->end_tick - r->begin_tick;
    size_t len;

    if (r->verdict == SIM_LIVE_CONVERGED) {
        snprintf(r->message, sizeof(r->message), "liveness: converged %" PRIu64 " ticks "
                 "after faults stopped at tick %" PRIu64, ticks, r->begin_tick);
        return;
    }
    len = (size_t)snprintf(r->message, sizeof(r->message), "liveness: %s %" PRIu64
                           " ticks after faults stopped at tick %" PRIu64 " (bound %" PRIu64
                           "): ", r->verdict == SIM_LIVE_STUCK ? "not converged" : "expected",
                           ticks, r->begin_tick, r->bound_ticks);
    for (unsigned i = 0; i < r->nstuck && len < sizeof(r->message); i++) {
        const SimLiveStuck *s = &r->stuck[i];

        if (r->verdict == SIM_LIVE_STUCK && s->explained) {
            break;
        }
        len += (size_t)snprintf(r->message + len, sizeof(r->message) - len, "%s%s%s%s%s",
                                i > 0 ? "; " : "", s->what, s->explained ? " (explained: " : "",
                                s->why, s->explained ? ")" : "");
    }
    if (r->count > r->nstuck && len < sizeof(r->message)) {
        snprintf(r->message + len, sizeof(r->message) - len, " (%u items in all)", r->count);
    }
}

int sim_live_run(SimWorld *w, const SimLiveConfig *cfg, SimLiveResult *res)
{
    Phase P = { .w = w, .cfg = cfg, .res = res, .c = cfg->cluster };
    const char *healed;
    SimClusterProgress p;
    int rc;

    SIM_CHECK(w != NULL && cfg != NULL && res != NULL);
    *res = (SimLiveResult){ .begin_tick = sim_clock_now(w->clock) };
    res->bound_ticks = cfg->max_ticks ? cfg->max_ticks : sim_live_bound(cfg);
    SIM_CHECK_OP(res->bound_ticks, <=, SIM_LIVE_MAX_TICKS);
    if (P.c != NULL) {
        sim_cluster_progress(P.c, &p);
        P.start_epoch = p.epoch;
        P.broken_before = p.broken;
    }
    healed = stop_faults(&P);
    trace(&P, SIM_LIVE_EV_BEGIN,
          SIM_TRACE_FIELDS(sim_tf_u64("bound", res->bound_ticks),
                           sim_tf_u64("disarmed", res->disarmed),
                           sim_tf_str("healed", healed[0] ? healed : "-")));
    rc = run_phase(&P);
    res->end_tick = now(&P);
    judge(&P);
    if (res->verdict == SIM_LIVE_STUCK) {
        sim_probe_hit(SIM_PROBE_LIVENESS_STUCK);
    }
    order(res);
    describe(res);
    if (P.c != NULL) {
        sim_cluster_quiesce(P.c, false);
    }
    trace(&P, SIM_LIVE_EV_END,
          SIM_TRACE_FIELDS(sim_tf_word("verdict", res->verdict,
                                       sim_live_verdict_name(res->verdict)),
                           sim_tf_u64("ticks", res->end_tick - res->begin_tick),
                           sim_tf_flags(sim_tf_str("what", res->nstuck ? res->stuck[0].what
                                                                      : ""),
                                        res->nstuck ? SIM_TF_QUOTED : SIM_TF_HIDDEN)));
    return rc;
}
