/* interp.c: the one scenario interpreter (scn.h).  Runs a parsed script in a
 * fresh world: bare registries with scripted states, standalone disks, a
 * cluster, faults and expectations; every walk goes through the contract
 * checker.  Owns what the script creates and frees it all at the end, then
 * runs the resource checker.  Never aborts on anything a script can say.
 * A host allocation failure (sim/host.h) ends the run as SCN_ERROR, never
 * as a verdict.
 */
#include <errno.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "check_resources.h"
#include "cluster.h"
#include "host.h"
#include "host_registry.h"
#include "impl.h"
#include "liveness.h"
#include "probe.h"
#include "scn_ast.h"

#define MAX_RULES 256
#define LOG_MAX 8192

/* Every state a script can have live at once is watched by the contract
 * checker, and every walk it can nest is modelled: a state registered but
 * not watched would be called unseen (issue 23). */
_Static_assert(SCN_MAX_STATES + SCN_MAX_DISKS + SIM_CLUSTER_MAX_STATES <= SIM_REGCHECK_MAX_STATES,
               "the contract checker watches every state a script can register");
_Static_assert(SCN_MAX_DEPTH <= SIM_REGCHECK_MAX_DEPTH,
               "the contract checker models every walk a script can nest");

typedef struct State {
    char name[SCN_MAX_NAME + 1];    /* one slot per name (slot_for) */
    bool live;
    bool dying;                 /* its node crashed inside a walk: silenced,
                                   removed when the walk returns */
    ReplicationState *rs;
    ReplicationRegistry *reg;
    int node;                   /* SimRole, or -1 for a bare registry */
    unsigned calls[4];
} State;

typedef struct Reg {
    char name[SCN_MAX_NAME + 1];
    ReplicationRegistry *reg;
} Reg;

/* An `on` rule, its keys looked up once (it is read on every callback). */
typedef struct Rule {
    const ScnOp *op;
    const char *state;
    const State *st;            /* the state so named, once it has a slot */
    int64_t walk, call;
    const ScnValue *acts;       /* do= */
    const char *target, *msg;   /* NULL when not given */
    SimWalk nested;
} Rule;

typedef struct Disk {
    char name[SCN_MAX_NAME + 1];
    SimDisk *disk;
    struct Disk *to;
} Disk;

typedef struct Interp {
    const ScnScript *s;
    const ScnOptions *opt;
    ScnResult *res;
    SimWorld *w;
    SimCluster *c;
    unsigned nregs;
    unsigned nstates;
    unsigned ndisks;
    unsigned nrules;
    const ScnOp *op;            /* running now */
    bool log_calls;             /* the script reads the log (`expect calls`) */
    size_t loglen;
    bool log_full;
    bool last_error_set;        /* the last walk's outcome */
    bool failed;                /* the first failure is kept */
    bool skipped;
    bool injected[SCN_MAX_INJECTS];
    /* The ledger, per point: fires not yet handled, not yet observed (no
     * bound: every fire is counted), and those that were. */
    uint64_t unhandled[SCN_MAX_POINTS], unobserved[SCN_MAX_POINTS];
    uint64_t handled[SCN_MAX_POINTS], observed[SCN_MAX_POINTS];
    uint64_t pending_handled, pending_observed;        /* their sums */
    uint8_t *buf;               /* reused by io and expect data */
    size_t buflen;
    uint64_t ticks_limit, ticks_used;
    unsigned depth, depth_limit;
    bool call_failover;         /* the walk of the callback running: failover= */
    unsigned long calls_limit, calls_this_walk;
    unsigned long calls_walk;   /* the outermost walk they count for */
    bool keep_down[2];          /* p2s, s2p: partitions declared permanent */
    bool live_last;             /* the last operation run was `liveness` */
    /* From here on, tables read only below their counts above (each entry
     * is written whole when it is counted in) and texts read only after a
     * run writes them: a session's next run does not clear them (begin()),
     * as it clears everything before (about 20 KB per fuzz input). */
    Reg regs[SCN_MAX_REGISTRIES];
    State states[SCN_MAX_STATES];
    Disk disks[SCN_MAX_DISKS];
    Rule rules[MAX_RULES];
    char log[LOG_MAX];          /* scripted calls of the last walk (when
                                   log_calls) */
    char last_error[SCN_MAX_TEXT + 1];  /* a msg= of the longest, whole */
} Interp;

/* Callbacks carry no context of ours: one run at a time per process. */
static Interp *cur;

static bool fail_at(Interp *in, unsigned line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* snprintf(dst, size, "%s", src) without printf's cost: names are copied
 * on every input a fuzzer runs. */
static void copy_text(char *dst, size_t size, const char *src)
{
    size_t n = strnlen(src, size - 1);

    memcpy(dst, src, n);
    dst[n] = '\0';
}
static const char *first_violation(Interp *in);
static void filed_violations(Interp *in);

/* The scenario fails at line, for `why`: the first failure is kept.  A
 * checker violation before it (one the script does not expect) is the
 * headline, as the first deviation from the model; why follows it, as a
 * consequence.  checker: why is the violation itself. */
static bool fail_why(Interp *in, unsigned line, const char *why, bool checker)
{
    const char *v = first_violation(in);

    if (in->failed) {
        return false;
    }
    in->failed = true;
    in->res->status = SCN_FAIL;
    in->res->line = line;
    if (*v == '\0' || in->s->expects_violation) {
        snprintf(in->res->message, sizeof(in->res->message), "%s", why);
    } else if (checker) {
        if (snprintf(in->res->message, sizeof(in->res->message), "checker: %s", v) < 0) {
            in->res->message[0] = '\0';
        }
    } else if (snprintf(in->res->message, sizeof(in->res->message), "checker: %s; then: %s", v,
                        why) < 0) {
        in->res->message[0] = '\0';        /* a longer one is cut: its start says it */
    }
    return false;
}

static bool fail_at(Interp *in, unsigned line, const char *fmt, ...)
{
    char why[SCN_MSG_MAX];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    return fail_why(in, line, why, false);
}

#define FAIL(in, ...) fail_at((in), (in)->op->line, __VA_ARGS__)

/* A "scn" event of the interpreter (ScnEvent or the operation's kind),
 * with its payload (scn_event.h). */
static void scn_trace(Interp *in, const char *node, int kind, const void *data,
                      const SimTraceField *f, unsigned n)
{
    sim_trace_emit(&in->w->trace, &(SimTraceEvent){
        .tick = sim_clock_now(in->w->clock), .node = node, .comp = SIM_COMP_SCN,
        .kind = kind, .name = scn_event_name(kind), .field = f, .nfields = n, .data = data });
}

/* "failed line=N error": an operation under may_fail=true failed with rc
 * (in the event, not the line) and the run goes on. */
static void trace_failed(Interp *in, unsigned line, const char *error, int rc)
{
    scn_trace(in, NULL, SCN_EV_FAILED, &(ScnFailedEvent){ .line = line, .error = error, .rc = rc },
              SIM_TRACE_FIELDS(sim_tf_u64("line", line),
                               sim_tf_flags(sim_tf_str("error", error), SIM_TF_BARE)));
}

static bool cannot(Interp *in, unsigned line, int rc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Something the running operation or one of its scripted actions asked
 * for cannot be done (the line is the rule's or the operation's).  Under
 * `may_fail=true` on the operation it is traced and the run goes on;
 * otherwise the scenario fails.  rc says why, as a negative errno.
 * Returns false: not done. */
static bool cannot(Interp *in, unsigned line, int rc, const char *fmt, ...)
{
    char why[SCN_MSG_MAX];
    const ScnValue *may_fail;
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    may_fail = in->op != NULL ? scn_arg(in->op, K_MAY_FAIL) : NULL;
    if (may_fail != NULL && may_fail->i) {
        trace_failed(in, line, why, rc);
        return false;
    }
    return fail_at(in, line, "%s", why);
}

static const char *text(const ScnOp *op, ScnKey key)
{
    const ScnValue *v = scn_arg(op, key);

    return v ? v->text : NULL;
}

static int64_t num(const ScnOp *op, ScnKey key, int64_t dflt)
{
    const ScnValue *v = scn_arg(op, key);

    return v ? v->i : dflt;
}

/* The caller's caps (ScnOptions) over the script's own. */
static void cap_ticks(Interp *in)
{
    if (in->opt->max_ticks != 0 && in->ticks_limit > in->opt->max_ticks) {
        in->ticks_limit = in->opt->max_ticks;
    }
}

static bool sectors_ok(Interp *in, uint64_t sectors)
{
    if (in->opt->max_sectors == 0 || sectors <= in->opt->max_sectors) {
        return true;
    }
    return FAIL(in, "%" PRIu64 " sectors: over this run's limit of %" PRIu64, sectors,
                in->opt->max_sectors);
}

/* ---- names to objects ------------------------------------------------------- */

static State *state_named(Interp *in, const char *name)
{
    for (unsigned i = 0; i < in->nstates; i++) {
        if (!strcmp(in->states[i].name, name)) {
            return &in->states[i];
        }
    }
    return NULL;
}

static Disk *disk_named(Interp *in, const char *name)
{
    for (unsigned i = 0; i < in->ndisks; i++) {
        if (!strcmp(in->disks[i].name, name)) {
            return &in->disks[i];
        }
    }
    return NULL;
}

static int node_role(Interp *in, const char *name)
{
    for (int r = 0; in->c != NULL && r < 2; r++) {
        if (!strcmp(sim_node_name(sim_cluster_node(in->c, (SimRole)r)), name)) {
            return r;
        }
    }
    return -1;
}

static ReplicationRegistry *registry_named(Interp *in, const char *name)
{
    int role;

    if (!strcmp(name, "default")) {
        return replication_default_registry();
    }
    for (unsigned i = 0; i < in->nregs; i++) {
        if (!strcmp(in->regs[i].name, name)) {
            return in->regs[i].reg;
        }
    }
    role = node_role(in, name);
    return role >= 0 ? sim_node_registry(sim_cluster_node(in->c, (SimRole)role)) : NULL;
}

/* reg= or node= of op (or `in=`), else the first registry declared. */
static ReplicationRegistry *place(Interp *in, const ScnOp *op, ScnKey key, int *node)
{
    const char *name = text(op, key);

    if (name == NULL && key == K_REG) {
        name = text(op, K_NODE);
    }
    *node = name ? node_role(in, name) : -1;
    if (name == NULL) {
        return in->nregs ? in->regs[0].reg : replication_default_registry();
    }
    return registry_named(in, name);
}

/* ---- scripted states ---------------------------------------------------------- */

static void on_call(ReplicationState *rs, SimWalk w, ReplicationMode mode,
                    bool failover, Error **errp);

static void cb_start(ReplicationState *rs, ReplicationMode m, Error **errp)
{
    on_call(rs, SIM_WALK_START, m, false, errp);
}

static void cb_stop(ReplicationState *rs, bool f, Error **errp)
{
    on_call(rs, SIM_WALK_STOP, 0, f, errp);
}

static void cb_checkpoint(ReplicationState *rs, Error **errp)
{
    on_call(rs, SIM_WALK_CHECKPOINT, 0, false, errp);
}

static void cb_get_error(ReplicationState *rs, Error **errp)
{
    on_call(rs, SIM_WALK_GET_ERROR, 0, false, errp);
}

static ReplicationOps tables[16];

static ReplicationOps *ops_for(unsigned mask)
{
    SIM_CHECK_OP(mask, <, sizeof(tables) / sizeof(tables[0]));
    tables[mask] = (ReplicationOps){
        .start = mask & MEMBER_START ? cb_start : NULL,
        .stop = mask & MEMBER_STOP ? cb_stop : NULL,
        .checkpoint = mask & MEMBER_CHECKPOINT ? cb_checkpoint : NULL,
        .get_error = mask & MEMBER_GET_ERROR ? cb_get_error : NULL,
    };
    return &tables[mask];
}

/* The state called name, given a slot if it has none (and the rules for
 * it bound to the slot: a rule may come before its state). */
static State *slot_for(Interp *in, const char *name)
{
    State *st = state_named(in, name);

    if (st == NULL && in->nstates < SCN_MAX_STATES) {
        st = &in->states[in->nstates++];
        memset(st, 0, sizeof(*st));
        copy_text(st->name, sizeof(st->name), name);
        for (unsigned i = 0; i < in->nrules; i++) {
            if (in->rules[i].st == NULL && !strcmp(in->rules[i].state, st->name)) {
                in->rules[i].st = st;
            }
        }
    }
    return st;
}

/* The checker cannot watch one more state: a limit of the bench, never a
 * verdict on the registry, so it fails the scenario even under may_fail. */
static bool untracked(Interp *in, unsigned line, const char *name)
{
    return fail_at(in, line, "cannot register %s: the contract checker watches at most %d "
                   "states at once", name, SIM_REGCHECK_MAX_STATES);
}

/* line: of the operation or rule that asks for it. */
static bool register_state(Interp *in, unsigned line, const char *name,
                           ReplicationRegistry *reg, int node, unsigned mask)
{
    State *st = slot_for(in, name);
    SimHostMark mark;

    if (st == NULL || st->live || st->dying) {
        return cannot(in, line, -EEXIST, "state %s is registered already", name);
    }
    mark = sim_host_mark();
    st->rs = replication_new_in(reg, st, ops_for(mask));
    if (st->rs == NULL) {
        sim_host_registry_oom(mark, "a scripted state (registry under test)");
        return cannot(in, line, -ENOMEM, "cannot register state %s: out of memory", name);
    }
    if (sim_regcheck_track(in->w->regcheck, reg, st->rs, name) < 0) {
        replication_remove(st->rs);     /* never registered and unseen */
        st->rs = NULL;
        return untracked(in, line, name);
    }
    st->reg = reg;
    st->node = node;
    st->live = true;
    memset(st->calls, 0, sizeof(st->calls));
    return true;
}

/* The state called name (st: it, or NULL when there is none). */
static bool unregister_state(Interp *in, unsigned line, const char *name, State *st)
{
    if (st == NULL || !st->live) {
        return cannot(in, line, -ENOENT, "state %s is not registered", name);
    }
    sim_regcheck_untrack(in->w->regcheck, st->rs);
    replication_remove(st->rs);
    st->live = false;
    st->rs = NULL;
    return true;
}

/* A node died: its scripted states go with it, at once outside any walk
 * of its registry; inside one they are silenced (a dead process runs
 * nothing) and removed when the outermost walk returns (on_idle). */
static void drop_node_states(Interp *in, int node)
{
    for (unsigned i = 0; i < in->nstates; i++) {
        State *st = &in->states[i];

        if (!st->live || st->node != node) {
            continue;
        }
        if (sim_regcheck_walking(in->w->regcheck, st->reg)) {
            sim_regcheck_silence(in->w->regcheck, st->rs);
            st->live = false;
            st->dying = true;
        } else {
            unregister_state(in, 0, st->name, st);
        }
    }
}

static void on_idle(void *ctx, ReplicationRegistry *reg)
{
    Interp *in = ctx;

    for (unsigned i = 0; i < in->nstates; i++) {
        State *st = &in->states[i];

        if (st->dying && st->reg == reg) {
            replication_remove(st->rs);
            st->rs = NULL;
            st->dying = false;
        }
    }
}

/* ---- callbacks: log, pick the rule, act ------------------------------------- */

/* Appends " STATE.WALK" to the log (no formatting: this is on every
 * callback), when the script reads it; a call that does not fit fills it,
 * cut before that call. */
static void log_call(Interp *in, const State *st, SimWalk w)
{
    const char *walk;
    size_t sep, ns, nw;
    char *p;

    if (!in->log_calls || in->log_full) {
        return;
    }
    walk = sim_walk_name(w);
    sep = in->loglen ? 1 : 0;
    ns = strlen(st->name);
    nw = strlen(walk);
    p = in->log + in->loglen;
    if (sep + ns + 1 + nw >= sizeof(in->log) - in->loglen) {
        in->log_full = true;
        in->log[in->loglen] = '\0';
        return;
    }
    if (sep) {
        *p++ = ' ';
    }
    memcpy(p, st->name, ns);
    p[ns] = '.';
    memcpy(p + ns + 1, walk, nw + 1);
    in->loglen += sep + ns + 1 + nw;
}

/* A rule for this very call wins over one for every call; among equals
 * the later line wins.  A rule is st's when it is bound to st's slot (a
 * slot per name: the same as comparing the names, on every callback). */
static const Rule *rule_for(Interp *in, const State *st, SimWalk w, unsigned call)
{
    const Rule *every = NULL;

    for (unsigned i = in->nrules; i-- > 0;) {
        const Rule *r = &in->rules[i];

        if (r->walk != (int64_t)w || r->st != st) {
            continue;
        }
        if (r->call == (int64_t)call) {
            return r;
        }
        if (r->call == 0 && every == NULL) {
            every = r;
        }
    }
    return every;
}

static void run_walk(Interp *in, ReplicationRegistry *reg, SimWalk w, ReplicationMode mode,
                     bool failover, Error **errp);

static void act_nested(Interp *in, const ScnOp *r, State *st)
{
    int node;
    ReplicationRegistry *reg = text(r, K_IN) ? place(in, r, K_IN, &node) : st->reg;

    if (in->depth >= in->depth_limit) {
        sim_probe_hit(SIM_PROBE_WALK_DEPTH_LIMIT);
        cannot(in, r->line, -ELOOP, "nested walks deeper than %u", in->depth_limit);
        return;
    }
    sim_probe_hit(SIM_PROBE_WALK_NESTED);
    run_walk(in, reg, (SimWalk)num(r, K_NESTED, 0), (ReplicationMode)num(r, K_MODE, 0),
             num(r, K_FAILOVER, 0), NULL);
}

/* A scripted removal inside a walk (probe.h): of the calling state st or
 * another, in a nested walk, in a failover walk.  A target that is no
 * state, or one already removed (the removal fails), reaches none. */
static void probe_remove(Interp *in, const State *st, const State *victim)
{
    if (victim == NULL || !victim->live) {
        return;
    }
    sim_probe_hit(victim == st ? SIM_PROBE_WALK_REMOVE_SELF : SIM_PROBE_WALK_REMOVE_OTHER);
    if (in->depth >= 2) {
        sim_probe_hit(SIM_PROBE_WALK_REMOVE_NESTED);
    }
    if (in->call_failover) {
        sim_probe_hit(SIM_PROBE_WALK_REMOVE_FAILOVER);
    }
}

static void act(Interp *in, const Rule *r, State *st, uint8_t what, Error **errp)
{
    const char *target = r->target;

    switch (what) {
    case ACT_FAIL:
        sim_probe_hit(SIM_PROBE_WALK_FAIL);
        if (*errp == NULL) {
            sim_host_error(errp, r->msg, "a scripted callback's Error (registry under test)");
        }
        if (in->c != NULL && st->node >= 0) {
            sim_cluster_disturb(in->c, "a scripted failure");  /* liveness.h */
        }
        break;
    case ACT_REMOVE:
        probe_remove(in, st, target ? state_named(in, target) : st);
        unregister_state(in, r->op->line, target ? target : st->name,
                         target ? state_named(in, target) : st);
        break;
    case ACT_REGISTER:
        sim_probe_hit(SIM_PROBE_WALK_REGISTER);
        register_state(in, r->op->line, target, st->reg, st->node, 15);
        break;
    case ACT_NESTED:
        act_nested(in, r->op, st);
        break;
    case ACT_CRASH:
        if (in->c != NULL && st->node >= 0 &&
            !sim_node_crashed(sim_cluster_node(in->c, (SimRole)st->node))) {
            int node = st->node;

            sim_probe_hit(SIM_PROBE_WALK_CRASH);
            sim_cluster_crash(in->c, (SimRole)node);
            drop_node_states(in, node);
        }
        break;
    default:                    /* ok, fail_silent */
        break;
    }
}

/* "call STATE.WALK", and for the reports (ScnCallEvent) the walk's depth
 * (1 for the outermost) and the rule this call runs (r, NULL when none). */
static void trace_call(Interp *in, const State *st, SimWalk w, const Rule *r)
{
    ScnCallEvent call = { .state = st->name, .walk = w, .depth = in->depth, .target = "",
                          .msg = "", .nested = SIM_WALK_START };

    if (r != NULL) {
        call.rule = r->op->line;
        call.target = r->target ? r->target : "";
        call.msg = r->msg ? r->msg : "";
        call.nested = r->nested;
        for (unsigned i = 0; i < r->acts->nlist; i++) {
            call.acts |= UINT32_C(1) << r->acts->list[i];
        }
    }
    scn_trace(in, st->node >= 0 ? sim_node_name(sim_cluster_node(in->c, (SimRole)st->node)) : NULL,
              SCN_EV_CALL, &call,
              SIM_TRACE_FIELDS(sim_tf_flags(sim_tf_str("state", st->name), SIM_TF_BARE),
                               sim_tf_flags(sim_tf_text("."), SIM_TF_GLUED),
                               sim_tf_flags(sim_tf_word("walk", w, sim_walk_name(w)),
                                            SIM_TF_BARE | SIM_TF_GLUED)));
}

static void on_call(ReplicationState *rs, SimWalk w, ReplicationMode mode,
                    bool failover, Error **errp)
{
    Interp *in = cur;
    State *st = rs->opaque;
    const Rule *r = NULL;
    bool over, outer_failover = in->call_failover;

    (void)mode;
    filed_violations(in);
    log_call(in, st, w);
    if (sim_regcheck_outer_walks(in->w->regcheck) != in->calls_walk) {
        in->calls_walk = sim_regcheck_outer_walks(in->w->regcheck);
        in->calls_this_walk = 0;        /* limit calls= is per outermost walk */
    }
    over = ++in->calls_this_walk > in->calls_limit;
    if (!over) {
        r = rule_for(in, st, w, ++st->calls[w]);
    }
    trace_call(in, st, w, r);
    if (over) {
        if (in->calls_this_walk == in->calls_limit + 1) {
            sim_probe_hit(SIM_PROBE_WALK_CALLS_LIMIT);
            cannot(in, in->op->line, -E2BIG, "more than %lu callbacks in one walk",
                   in->calls_limit);
        }
        return;
    }
    in->call_failover = failover;
    for (unsigned i = 0; r != NULL && i < r->acts->nlist; i++) {
        act(in, r, st, r->acts->list[i], errp);
    }
    in->call_failover = outer_failover;
}

static void run_walk(Interp *in, ReplicationRegistry *reg, SimWalk w, ReplicationMode mode,
                     bool failover, Error **errp)
{
    in->depth++;
    sim_regcheck_walk(in->w->regcheck, reg, w, mode, failover, errp);
    in->depth--;
}

/* ---- operations: world, states, walks ------------------------------------ */

static bool op_registry(Interp *in, const ScnOp *op)
{
    Reg *r = &in->regs[in->nregs];
    SimHostMark mark = sim_host_mark();

    SIM_CHECK_OP(in->nregs, <, SCN_MAX_REGISTRIES);     /* the parser's limit */
    r->reg = replication_registry_new();
    if (r->reg == NULL) {
        sim_host_registry_oom(mark, "a scripted registry (registry under test)");
        return FAIL(in, "cannot create registry %s: out of memory", text(op, K_NAME));
    }
    copy_text(r->name, sizeof(r->name), text(op, K_NAME));
    in->nregs++;
    return true;
}

static bool op_walk(Interp *in, const ScnOp *op)
{
    int node;
    ReplicationRegistry *reg = place(in, op, K_REG, &node);
    int64_t errp = num(op, K_ERRP, ERRP_FRESH);
    Error *err = NULL;

    if (errp != ERRP_FRESH) {
        sim_probe_hit(errp == ERRP_NULL ? SIM_PROBE_WALK_ERRP_NULL : SIM_PROBE_WALK_ERRP_SET);
    }
    if (errp == ERRP_SET) {
        sim_host_error(&err, "earlier", "a walk's earlier Error (registry under test)");
    }
    run_walk(in, reg, (SimWalk)num(op, K_KIND, 0), (ReplicationMode)num(op, K_MODE, 0),
             num(op, K_FAILOVER, 0), errp == ERRP_NULL ? NULL : &err);
    in->last_error_set = err != NULL;
    copy_text(in->last_error, sizeof(in->last_error), err ? error_get_pretty(err) : "");
    scn_trace(in, NULL, SCN_EV_WALK_DONE,
              &(ScnWalkDoneEvent){ .error = in->last_error,
                                   .out_of_memory = error_is_out_of_memory(err) },
              SIM_TRACE_FIELDS(sim_tf_flags(sim_tf_text("ok"), err ? SIM_TF_HIDDEN : 0),
                               sim_tf_flags(sim_tf_str("error", in->last_error),
                                            err ? SIM_TF_QUOTED : SIM_TF_HIDDEN)));
    error_free(err);
    return true;
}

static bool op_state(Interp *in, const ScnOp *op)
{
    int node;
    ReplicationRegistry *reg = place(in, op, K_REG, &node);

    register_state(in, op->line, text(op, K_NAME), reg, node, (unsigned)num(op, K_OPS, 15));
    return !in->failed;
}

static bool op_on(Interp *in, const ScnOp *op)
{
    if (in->nrules == MAX_RULES) {
        return FAIL(in, "more than %d rules", MAX_RULES);
    }
    in->rules[in->nrules++] = (Rule){
        .op = op, .state = text(op, K_STATE), .st = state_named(in, text(op, K_STATE)),
        .walk = num(op, K_WALK, -1),
        .call = num(op, K_CALL, 0), .acts = scn_arg(op, K_DO), .target = text(op, K_TARGET),
        .msg = text(op, K_MSG), .nested = (SimWalk)num(op, K_NESTED, 0),
    };
    return true;
}

/* ---- cluster --------------------------------------------------------------------- */

static void arm_injection(Interp *in);

static bool op_cluster(Interp *in, const ScnOp *op)
{
    char err[256] = "";
    int64_t interval = num(op, K_INTERVAL, 100);
    SimClusterConfig cfg = {
        .names = { text(op, K_PRIMARY), text(op, K_SECONDARY) },
        .disks = (unsigned)num(op, K_DISKS, 1),
        .disk_size_sectors = (uint64_t)num(op, K_SIZE, 131072),
        .latency_ticks = (uint64_t)num(op, K_LATENCY, 2),
        .checkpoint_interval_ticks = interval ? (uint64_t)interval : SIM_NEVER,
        .checkpoint_timeout_ticks = (uint64_t)num(op, K_TIMEOUT, 50),
        .compare_timeout_ticks = (uint64_t)num(op, K_COMPARE_TIMEOUT, 300),
        .commit_sectors_per_tick = (uint32_t)num(op, K_COMMIT_RATE, 64),
        .write_per_million = (uint32_t)num(op, K_WRITES, 0),
        .packet_per_million = (uint32_t)num(op, K_PACKETS, 0),
        .divergence_per_million = (uint32_t)num(op, K_DIVERGENCE, 0),
        .connections = (uint32_t)num(op, K_CONNECTIONS, 4),
        .working_set_sectors = (uint64_t)num(op, K_WORKING_SET, 4096),
        .upstream_checkpoint = num(op, K_UPSTREAM_CHECKPOINT, 0),
        .upstream_failover = num(op, K_UPSTREAM_FAILOVER, 0),
        .no_failover_on_crash = !num(op, K_FAILOVER_ON_CRASH, 1),
    };

    if (!sectors_ok(in, cfg.disk_size_sectors)) {
        return false;
    }
    if (sim_cluster_new(in->w, &cfg, &in->c, err, sizeof(err)) < 0) {
        return FAIL(in, "cannot create the cluster: %s", err);
    }
    arm_injection(in);
    return true;
}

/* fails="text": the operation must fail with it; may_fail=true: it may
 * fail (the error is traced, the run goes on); else it must succeed. */
static bool outcome(Interp *in, const ScnOp *op, int rc, const char *error)
{
    const char *want = text(op, K_FAILS);

    if (num(op, K_MAY_FAIL, 0)) {
        if (rc < 0) {
            trace_failed(in, op->line, error, rc);
        }
        return true;
    }
    if (want == NULL) {
        return rc >= 0 ? true : FAIL(in, "%s failed: %s", scn_op_name(op->kind), error);
    }
    if (rc >= 0) {
        return FAIL(in, "%s: expected it to fail with \"%s\", it succeeded",
                    scn_op_name(op->kind), want);
    }
    return strstr(error, want) ? true
           : FAIL(in, "%s: expected an error containing \"%s\", actual \"%s\"",
                  scn_op_name(op->kind), want, error);
}

static bool op_run(Interp *in, const ScnOp *op)
{
    uint64_t ticks = (uint64_t)num(op, K_TICKS, 0);

    if (in->ticks_used + ticks > in->ticks_limit) {
        return FAIL(in, "more than %" PRIu64 " ticks in all (limit ticks=)", in->ticks_limit);
    }
    in->ticks_used += ticks;
    if (in->c != NULL) {
        sim_cluster_run(in->c, ticks);  /* a violation is picked up after the op */
    } else {
        sim_clock_run_until(in->w->clock, sim_clock_now(in->w->clock) + ticks, 0);
    }
    return true;
}

static bool op_cluster_action(Interp *in, const ScnOp *op)
{
    SimCluster *c = in->c;
    int rc = 0, node = text(op, K_NODE) ? node_role(in, text(op, K_NODE)) : -1;
    unsigned disk = (unsigned)num(op, K_DISK, 0);
    uint64_t sector = (uint64_t)num(op, K_SECTOR, 0);
    uint32_t count = (uint32_t)num(op, K_COUNT, 1);
    uint8_t byte = (uint8_t)num(op, K_BYTE, 0);

    switch (op->kind) {
    case OP_START: rc = sim_cluster_start(c); break;
    case OP_CHECKPOINT: rc = sim_cluster_checkpoint(c); break;
    case OP_PACKET: rc = sim_cluster_packet(c, (uint32_t)num(op, K_CONN, 0), num(op, K_DIVERGE, 0)); break;
    case OP_FAILOVER: rc = sim_cluster_failover(c, (SimRole)node); break;
    case OP_CRASH:
        rc = sim_cluster_crash(c, (SimRole)node);
        drop_node_states(in, node);
        break;
    default:
        switch (num(op, K_VM, VM_BOTH)) {
        case VM_PRIMARY: rc = sim_cluster_primary_write(c, disk, sector, count, byte); break;
        case VM_SECONDARY: rc = sim_cluster_secondary_write(c, disk, sector, count, byte); break;
        default: rc = sim_cluster_write(c, disk, sector, count, byte); break;
        }
        break;
    }
    return outcome(in, op, rc, sim_cluster_last_error(c));
}

static bool op_links(Interp *in, const ScnOp *op)
{
    int64_t link = num(op, K_LINK, -1);

    if (op->kind == OP_HEAL) {
        sim_cluster_set_link(in->c, false, false);
        in->keep_down[0] = in->keep_down[1] = false;
    } else {
        if (num(op, K_PERMANENT, 0)) {
            in->keep_down[0] |= link != LINK_S2P;
            in->keep_down[1] |= link != LINK_P2S;
        }
        /* Partitions add up: a link already down stays down. */
        sim_cluster_set_link(in->c, link != LINK_S2P || sim_link_is_down(sim_cluster_link(in->c, true)),
                             link != LINK_P2S || sim_link_is_down(sim_cluster_link(in->c, false)));
    }
    return true;
}

/* ---- standalone disks --------------------------------------------------------- */

static int forward_to(void *ctx, uint64_t sector, uint32_t count, const uint8_t *data)
{
    Disk *d = ctx;

    return d->to ? sim_disk_receive(d->to->disk, sector, count, data) : 0;
}

static bool op_disk(Interp *in, const ScnOp *op)
{
    int node;
    Disk *d = &in->disks[in->ndisks];
    char err[256] = "";
    SimDiskConfig cfg = {
        .name = text(op, K_NAME),
        .role = num(op, K_ROLE, ROLE_PRIMARY) == ROLE_PRIMARY ? SIM_DISK_PRIMARY
                                                              : SIM_DISK_SECONDARY,
        .size_sectors = (uint64_t)num(op, K_SIZE, 131072),
        .registry = place(in, op, K_REG, &node),
        .clock = in->w->clock, .trace = &in->w->trace, .faults = in->w->faults,
        .forward = forward_to, .forward_ctx = d,
    };

    SIM_CHECK_OP(in->ndisks, <, SCN_MAX_DISKS);         /* the parser's limit */
    if (!sectors_ok(in, cfg.size_sectors)) {
        return false;
    }
    memset(d, 0, sizeof(*d));
    snprintf(d->name, sizeof(d->name), "%s", cfg.name);
    d->to = text(op, K_TO) ? disk_named(in, text(op, K_TO)) : NULL;
    if (sim_disk_new(&cfg, &d->disk, err, sizeof(err)) < 0) {
        return FAIL(in, "cannot create disk %s: %s", cfg.name, err);
    }
    in->ndisks++;
    if (sim_regcheck_track(in->w->regcheck, cfg.registry, sim_disk_state(d->disk), cfg.name) < 0) {
        return untracked(in, op->line, cfg.name);
    }
    arm_injection(in);
    return true;
}

/* A buffer of len bytes, reused: 64 MiB reads are common (QEMU's cases). */
static uint8_t *scratch(Interp *in, size_t len)
{
    if (len > in->buflen) {
        uint8_t *grown = sim_host_realloc(in->buf, len, "interpreter: an I/O buffer");

        if (grown == NULL) {
            return NULL;
        }
        in->buf = grown;
        in->buflen = len;
    }
    return in->buf;
}

static bool all_bytes(const uint8_t *buf, size_t len, uint8_t want, size_t *bad)
{
    /* Every byte equals the first, which is `want`: one memcmp, shifted. */
    if (len > 0 && buf[0] == want && memcmp(buf, buf + 1, len - 1) == 0) {
        return true;
    }
    for (size_t i = 0; i < len; i++) {
        if (buf[i] != want) {
            *bad = i;
            return false;
        }
    }
    return true;
}

static bool op_io(Interp *in, const ScnOp *op)
{
    Disk *d = disk_named(in, text(op, K_DISK));
    uint64_t sector = (uint64_t)num(op, K_SECTOR, 0);
    uint32_t count = (uint32_t)num(op, K_COUNT, 1);
    size_t len = (size_t)count * SIM_SECTOR_SIZE, bad = 0;
    int64_t want = num(op, K_RC, 0), io = num(op, K_OP, IO_READ);
    uint8_t *buf = sectors_ok(in, count) ? scratch(in, len) : NULL;
    int rc;

    if (buf == NULL) {
        return in->failed ? false : FAIL(in, "out of memory for %zu bytes", len);
    }
    /* A write's bytes; a read's buffer is poisoned with the complement of
     * what it expects, so bytes the read leaves untouched cannot pass. */
    memset(buf, io == IO_READ ? ~(int)num(op, K_BYTE, 0) & 0xff : (int)num(op, K_BYTE, 0), len);
    rc = io == IO_READ ? sim_disk_read(d->disk, sector, count, buf)
         : io == IO_WRITE ? sim_disk_write(d->disk, sector, count, buf)
         : sim_disk_receive(d->disk, sector, count, buf);
    if (rc != want) {
        return FAIL(in, "io %s on %s: expected rc=%lld, actual rc=%d", scn_arg(op, K_OP)->text
                    ? scn_arg(op, K_OP)->text : "op", d->name, (long long)want, rc);
    }
    if (io == IO_READ && rc == 0 && scn_arg(op, K_BYTE) &&
        !all_bytes(buf, len, (uint8_t)num(op, K_BYTE, 0), &bad)) {
        FAIL(in, "io read on %s: sector %" PRIu64 " byte %zu: expected 0x%02x, actual 0x%02x",
             d->name, sector + bad / SIM_SECTOR_SIZE, bad % SIM_SECTOR_SIZE,
             (unsigned)num(op, K_BYTE, 0), buf[bad]);
    }
    return !in->failed;
}

/* ---- faults --------------------------------------------------------------------------- */

static bool arm(Interp *in, const char *point, const SimFaultSpec *spec)
{
    char err[256];
    int rc;

    if (in->w->faults == NULL) {
        in->skipped = true;
        return FAIL(in, "cannot arm %s: built without libfiu", point);
    }
    rc = sim_faults_arm(in->w->faults, point, spec, err, sizeof(err));
    return rc >= 0 ? true : FAIL(in, "cannot arm %s: %s", point, err);
}

static bool op_fault(Interp *in, const ScnOp *op)
{
    static const SimFaultMode modes[] = {
        SIM_FAULT_ALWAYS, SIM_FAULT_ONCE, SIM_FAULT_NTH, SIM_FAULT_AFTER,
        SIM_FAULT_EVERY, SIM_FAULT_PROB,
    };
    SimFaultSpec spec = {
        .mode = modes[num(op, K_MODE, 0)], .k = (uint64_t)num(op, K_K, 1),
        .per_million = (uint32_t)num(op, K_P, 0), .persistent = num(op, K_PERSISTENT, 0),
    };

    if (op->kind == OP_CLEAR) {
        if (in->w->faults != NULL) {
            sim_faults_clear(in->w->faults, text(op, K_POINT));
        }
        return true;
    }
    if (!arm(in, text(op, K_POINT), &spec)) {
        return false;
    }
    if (num(op, K_PERMANENT, 0)) {
        sim_faults_set_permanent(in->w->faults, text(op, K_POINT));
    }
    return true;
}

/* Sweep and --inject: fail the chosen hit of each chosen point, as soon as
 * it exists. */
static void arm_injection(Interp *in)
{
    const ScnOptions *o = in->opt;

    for (unsigned i = 0; i < o->ninject && i < SCN_MAX_INJECTS; i++) {
        const ScnInject *j = &o->inject[i];
        SimFaultSpec spec = { .mode = SIM_FAULT_NTH, .k = j->hit,
                              .persistent = j->persistent };

        if (in->injected[i] || j->point == NULL || in->w->faults == NULL ||
            sim_faults_find(in->w->faults, j->point) == NULL) {
            continue;
        }
        in->injected[i] = sim_faults_arm(in->w->faults, j->point, &spec, NULL, 0) >= 0;
    }
}

/* ---- liveness ------------------------------------------------------------------------ */

static const char *first_violation(Interp *in);

/* The script says `expect liveness=stuck`: a stuck phase is then not a
 * failure by itself (as `expect violation=` for a checker's). */
static bool expects_stuck(const Interp *in)
{
    for (size_t i = 0; i < in->s->nops; i++) {
        const ScnOp *op = &in->s->ops[i];

        if (op->kind == OP_EXPECT && op->form == K_LIVENESS &&
            num(op, K_LIVENESS, 0) == SIM_LIVE_STUCK) {
            return true;
        }
    }
    return false;
}

/* A liveness phase now (sim/liveness.h), at line (0: after the last
 * operation); a stuck verdict fails the scenario as the liveness checker. */
static bool run_liveness(Interp *in, unsigned line, uint64_t ticks)
{
    ReplicationRegistry *regs[SCN_MAX_REGISTRIES + 1];
    SimDisk *disks[SCN_MAX_DISKS];
    SimLiveConfig cfg = { .cluster = in->c, .disks = disks, .ndisks = in->ndisks,
                          .registries = regs, .max_ticks = ticks,
                          .keep_down = { in->keep_down[0], in->keep_down[1] } };
    SimLiveResult live;
    ScnResult *r = in->res;

    regs[cfg.nregistries++] = replication_default_registry();
    for (unsigned i = 0; i < in->nregs; i++) {
        regs[cfg.nregistries++] = in->regs[i].reg;
    }
    for (unsigned i = 0; i < in->ndisks; i++) {
        disks[i] = in->disks[i].disk;
    }
    sim_live_run(in->w, &cfg, &live);  /* a violation is picked up after it */
    r->live_ran = true;
    r->live_line = line;
    r->live_verdict = (int)live.verdict;
    r->live_part = live.nstuck ? (int)live.stuck[0].part : -1;
    r->live_ticks = live.end_tick - live.begin_tick;
    snprintf(r->live_message, sizeof(r->live_message), "%s", live.message);
    if (live.verdict != SIM_LIVE_STUCK || *first_violation(in) != '\0' || expects_stuck(in)) {
        return true;
    }
    if (r->checkers_ok) {
        r->checkers_ok = false;
        r->checker_kind = SIM_CHECK_LIVENESS;
        snprintf(r->checker, sizeof(r->checker), "%s", live.message);
    }
    return fail_at(in, line, "%s", live.message);
}

static bool op_liveness(Interp *in, const ScnOp *op)
{
    return run_liveness(in, op->line, (uint64_t)num(op, K_TICKS, 0));
}

/* ---- expectations ------------------------------------------------------------------- */

static SimDisk *expect_disk(Interp *in, const ScnOp *op)
{
    const char *name = text(op, K_DISK);
    SimDisk *d;
    int role;

    if (name != NULL) {
        return disk_named(in, name)->disk;
    }
    role = node_role(in, text(op, K_NODE));
    d = sim_node_disk(sim_cluster_node(in->c, (SimRole)role), (unsigned)num(op, K_INDEX, 0));
    SIM_CHECK(d != NULL);           /* the parser checked the index */
    return d;
}

/* The guest's view: a secondary's through its layers, a primary's local image. */
static int view(SimDisk *d, uint64_t sector, uint32_t count, uint8_t *buf)
{
    const SimStore *local = sim_disk_local(d);

    if (local != NULL) {
        return sim_store_read(local, sector, count, buf);
    }
    if (sim_disk_stage(d) == SIM_DISK_STAGE_NONE) {
        return sim_store_read(sim_disk_secondary(d), sector, count, buf);
    }
    return sim_disk_read(d, sector, count, buf);
}

static uint64_t size_of(SimDisk *d)
{
    const SimStore *local = sim_disk_local(d);

    return sim_store_size_sectors(local != NULL ? local : sim_disk_secondary(d));
}

static bool expect_data(Interp *in, const ScnOp *op)
{
    SimDisk *d = expect_disk(in, op);
    uint64_t sector = (uint64_t)num(op, K_SECTOR, 0);
    uint32_t count = (uint32_t)num(op, K_COUNT, 1);
    uint8_t want = (uint8_t)num(op, K_DATA, 0);
    size_t len = (size_t)count * SIM_SECTOR_SIZE, bad = 0;
    uint8_t *buf = sectors_ok(in, count) ? scratch(in, len) : NULL;
    int rc;

    if (buf == NULL) {
        return in->failed ? false : FAIL(in, "out of memory for %zu bytes", len);
    }
    if (sector + count > size_of(d)) {
        return FAIL(in, "expect data on %s: sectors %" PRIu64 "..%" PRIu64 " are past the end "
                    "of the disk (%" PRIu64 " sectors)", sim_disk_name(d), sector,
                    sector + count - 1, size_of(d));
    }
    rc = view(d, sector, count, buf);
    if (rc < 0) {
        FAIL(in, "expect data on %s: read failed: %s", sim_disk_name(d), strerror(-rc));
    } else if (!all_bytes(buf, len, want, &bad)) {
        FAIL(in, "expect data on %s: sector %" PRIu64 " byte %zu: expected 0x%02x, actual 0x%02x",
             sim_disk_name(d), sector + bad / SIM_SECTOR_SIZE, bad % SIM_SECTOR_SIZE,
             want, buf[bad]);
    }
    return !in->failed;
}

static const SimFaultPoint *point_of(Interp *in, const ScnOp *op)
{
    return in->w->faults ? sim_faults_find(in->w->faults, text(op, K_POINT)) : NULL;
}

static bool expect_number(Interp *in, const char *what, uint64_t want, uint64_t actual)
{
    return want == actual ? true
           : FAIL(in, "expect %s: expected %" PRIu64 ", actual %" PRIu64, what, want, actual);
}

/* Booleans and hashes are said as a scenario writes them. */
static bool expect_bool(Interp *in, const char *what, bool want, bool actual)
{
    return want == actual ? true
           : FAIL(in, "expect %s: expected %s, actual %s", what, want ? "true" : "false",
                  actual ? "true" : "false");
}

static bool expect_hash(Interp *in, uint64_t want, uint64_t actual)
{
    return want == actual ? true
           : FAIL(in, "expect hash: expected 0x%016" PRIx64 ", actual 0x%016" PRIx64, want,
                  actual);
}

static bool expect_text(Interp *in, const char *what, const char *want, const char *actual,
                        bool contains)
{
    bool ok = contains ? strstr(actual, want) != NULL : !strcmp(want, actual);

    return ok ? true : FAIL(in, "expect %s: expected %s\"%s\", actual \"%s\"", what,
                            contains ? "a text containing " : "", want, actual);
}

/* Which checker found first_violation(). */
static SimCheckKind first_violation_kind(Interp *in)
{
    if (sim_regcheck_violations(in->w->regcheck) != 0) {
        return SIM_CHECK_CONTRACT;
    }
    return in->c ? sim_cluster_violation_kind(in->c) : SIM_CHECK_NONE;
}

static const char *first_violation(Interp *in)
{
    if (sim_regcheck_violations(in->w->regcheck) != 0) {
        return sim_regcheck_first(in->w->regcheck);
    }
    return in->c && sim_cluster_violations(in->c) ? sim_cluster_violation(in->c) : "";
}

static bool expect_more(Interp *in, const ScnOp *op)
{
    const SimFaultPoint *p;
    int node;

    switch (op->form) {
    case K_COUNT:
        return expect_number(in, "count", (uint64_t)num(op, K_COUNT, 0),
                             replication_registry_count(place(in, op, K_REG, &node)));
    case K_PACKETS:
        return expect_number(in, "packets", (uint64_t)num(op, K_PACKETS, 0),
                             sim_outcheck_seen(sim_cluster_output(in->c)));
    case K_EPOCH:
        return expect_number(in, "epoch", (uint64_t)num(op, K_EPOCH, 0), sim_cluster_epoch(in->c));
    case K_BROKEN:
        return expect_bool(in, "broken", num(op, K_BROKEN, 0), sim_cluster_broken(in->c));
    case K_CRASHED:
        node = node_role(in, text(op, K_NODE));
        return expect_bool(in, "crashed", num(op, K_CRASHED, 0),
                           sim_node_crashed(sim_cluster_node(in->c, (SimRole)node)));
    case K_FIRED:
    case K_HITS:
        p = point_of(in, op);
        if (p == NULL) {
            in->skipped = in->w->faults == NULL;
            return FAIL(in, "fault point %s does not exist (yet)", text(op, K_POINT));
        }
        return expect_number(in, op->form == K_FIRED ? "fired" : "hits",
                             (uint64_t)num(op, op->form, 0),
                             op->form == K_FIRED ? p->fires : p->hits);
    case K_LIVENESS:
        if (!in->res->live_ran) {
            return FAIL(in, "expect liveness: no liveness phase has run");
        }
        return expect_text(in, "liveness",
                           sim_live_verdict_name((SimLiveVerdict)num(op, K_LIVENESS, 0)),
                           sim_live_verdict_name((SimLiveVerdict)in->res->live_verdict), false);
    default:
        return expect_hash(in, (uint64_t)num(op, K_HASH, 0), sim_trace_hash(&in->w->trace));
    }
}

static void observe_all(Interp *in);

static bool op_expect(Interp *in, const ScnOp *op)
{
    observe_all(in);
    switch (op->form) {
    case K_CALLS:
        return expect_text(in, "calls", text(op, K_CALLS), in->log, false);
    case K_ERROR:
        if (num(op, K_ERROR, 0) == -1) {
            return !in->last_error_set ? true
                   : FAIL(in, "expect error: expected none, actual \"%s\"", in->last_error);
        }
        return expect_text(in, "error", text(op, K_ERROR),
                           in->last_error_set ? in->last_error : "(no error)", false);
    case K_ERROR_CONTAINS:
        return expect_text(in, "error", text(op, K_ERROR_CONTAINS), in->last_error, true);
    case K_DATA:
        return expect_data(in, op);
    case K_STAGE:
        return expect_text(in, "stage", text(op, K_STAGE),
                           sim_disk_stage_name(sim_disk_stage(expect_disk(in, op))), false);
    case K_VIOLATION:
        return expect_text(in, "violation", text(op, K_VIOLATION), first_violation(in), false);
    default:
        return expect_more(in, op);
    }
}

/* ---- the fault ledger: was each fire handled, and observed? --------------- */

static unsigned point_index(Interp *in, const char *name)
{
    for (size_t i = 0; i < sim_faults_count(in->w->faults) && i < SCN_MAX_POINTS; i++) {
        if (!strcmp(sim_faults_at(in->w->faults, i)->name, name)) {
            return (unsigned)i;
        }
    }
    return SCN_MAX_POINTS;
}

/* Which of `n` templates in `table` t is, or n. */
static size_t template_index(const SimFaultTemplate *t, const SimFaultTemplate *table, size_t n)
{
    size_t i = 0;

    while (i < n && t != &table[i]) {
        i++;
    }
    return i;
}

/* Did the point's owner react to the fire in this event?  The point's
 * template says whose it is (its owner's header), its instance which one.
 * The owner's events name the owner: the disk's fault event, the link's
 * drop, fault (the point's flag, link.h) or down (by the fault) event,
 * the node's crash, and for the registry's point the registry's
 * out-of-memory error ending a walk or failing an operation. */
static bool handles(const SimFaultPoint *p, const SimTraceEvent *e)
{
    size_t link = template_index(p->template_, sim_link_templates, SIM_LINK_POINT__COUNT);

    if (p->template_ == &sim_world_alloc_template) {
        return e->comp == SIM_COMP_SCN &&
               ((e->kind == SCN_EV_WALK_DONE && scn_event_walk_done(e)->out_of_memory) ||
                (e->kind == SCN_EV_FAILED && scn_event_failed(e)->rc == -ENOMEM));
    }
    if (template_index(p->template_, sim_disk_templates, SIM_DISK_POINT__COUNT)
        < SIM_DISK_POINT__COUNT) {
        return e->comp == SIM_COMP_DISK && e->kind == SIM_DISK_EV_FAULT &&
               !strcmp(sim_trace_need_str(e, SIM_DISK_F_POINT), p->name);
    }
    if (link < SIM_LINK_POINT__COUNT) {
        if (e->comp != SIM_COMP_NET || strcmp(sim_trace_need_str(e, SIM_LINK_F_LINK),
                                              p->instance) != 0) {
            return false;
        }
        return (e->kind == SIM_LINK_EV_DROP && link == SIM_LINK_POINT_DROP) ||
               (e->kind == SIM_LINK_EV_FAULT && sim_link_fault_flags[link] != NULL &&
                sim_trace_need_u64(e, sim_link_fault_flags[link])) ||
               (e->kind == SIM_LINK_EV_DOWN && link == SIM_LINK_POINT_DOWN &&
                sim_trace_need_u64(e, SIM_LINK_F_REASON) == SIM_LINK_DOWN_FAULT);
    }
    SIM_CHECK(p->template_ == &sim_cluster_crash_template);
    return e->comp == SIM_COMP_COLO && e->kind == SIM_COLO_EV_CRASH && e->node != NULL &&
           !strcmp(e->node, p->instance);
}

/* Did something check the outcome: a walk or a callback (the contract
 * checker), a failed operation's error, a checkpoint or failover (the data
 * checker), a checker's violation? */
static bool observes(const SimTraceEvent *e)
{
    switch (e->comp) {
    case SIM_COMP_SCN:
        return e->kind == OP_WALK || e->kind == SCN_EV_CALL || e->kind == SCN_EV_FAILED;
    case SIM_COMP_COLO:
        return e->kind == SIM_COLO_EV_CHECKPOINT_DONE || e->kind == SIM_COLO_EV_FAILOVER_DISK ||
               e->kind == SIM_COLO_EV_FAILOVER_ERROR;
    case SIM_COMP_CHECK:
        return true;
    default:
        return false;
    }
}

/* `expect` lines are not traced (the hash stays what the operations did),
 * so the interpreter marks them here.  An observation checks the outcome
 * of every fire before it, of every point. */
static void observe_all(Interp *in)
{
    for (unsigned i = 0; in->pending_observed > 0 && i < SCN_MAX_POINTS; i++) {
        in->observed[i] += in->unobserved[i];
        in->pending_observed -= in->unobserved[i];
        in->unobserved[i] = 0;
    }
}

/* A handling event handles one fire of its point, the oldest unhandled:
 * a link's drop event is the loss of one message, never of every message
 * dropped before it. */
static void handle_one(Interp *in, const SimTraceEvent *e)
{
    for (unsigned i = 0; in->pending_handled > 0 && i < SCN_MAX_POINTS; i++) {
        if (in->unhandled[i] > 0 && handles(sim_faults_at(in->w->faults, i), e)) {
            in->unhandled[i]--;
            in->handled[i]++;
            in->pending_handled--;
        }
    }
}

static void ledger_event(void *ctx, const SimTraceEvent *e)
{
    Interp *in = ctx;

    handle_one(in, e);
    if (observes(e)) {
        observe_all(in);
    }
    if (e->comp == SIM_COMP_FAULT && e->kind == SIM_FAULT_EV_FIRE) {
        unsigned i = point_index(in, sim_fault_fired(e)->name);

        if (i < SCN_MAX_POINTS) {
            in->unhandled[i]++;
            in->unobserved[i]++;
            in->pending_handled++;
            in->pending_observed++;
        }
    }
    if (in->opt->sink != NULL) {
        in->opt->sink(in->opt->sink_ctx, e);
    }
}

/* ---- running a script ---------------------------------------------------------- */

static bool op_limit(Interp *in, const ScnOp *op)
{
    in->ticks_limit = (uint64_t)num(op, K_TICKS, (int64_t)in->ticks_limit);
    cap_ticks(in);
    in->depth_limit = (unsigned)num(op, K_DEPTH, in->depth_limit);
    in->calls_limit = (unsigned long)num(op, K_CALLS, (int64_t)in->calls_limit);
    return true;
}

static bool op_remove(Interp *in, const ScnOp *op)
{
    State *st = state_named(in, text(op, K_STATE));

    if (num(op, K_MAY_FAIL, 0) && (st == NULL || !st->live)) {
        return true;
    }
    return unregister_state(in, op->line, text(op, K_STATE), st);
}

static bool dispatch(Interp *in, const ScnOp *op)
{
    switch (op->kind) {
    case OP_SEED: return true;
    case OP_LIMIT: return op_limit(in, op);
    case OP_REGISTRY: return op_registry(in, op);
    case OP_CLUSTER: return op_cluster(in, op);
    case OP_DISK: return op_disk(in, op);
    case OP_STATE: return op_state(in, op);
    case OP_REMOVE: return op_remove(in, op);
    case OP_ON: return op_on(in, op);
    case OP_WALK: return op_walk(in, op);
    case OP_RUN: return op_run(in, op);
    case OP_PARTITION: case OP_HEAL: return op_links(in, op);
    case OP_IO: return op_io(in, op);
    case OP_FAULT: case OP_CLEAR: return op_fault(in, op);
    case OP_EXPECT: return op_expect(in, op);
    case OP_RULE: return true;
    case OP_LIVENESS: return op_liveness(in, op);
    default: return op_cluster_action(in, op);
    }
}

/* A checker violation fails the scenario, unless it expects one.  A lost
 * registry (a walk abandoned) ends it whatever it expects: nothing may
 * run on it again. */
static bool checkers_hold(Interp *in)
{
    const char *v = first_violation(in);

    if (sim_regcheck_registry_lost()) {
        return FAIL(in, "the registry under test is lost: a walk was abandoned or removed "
                    "states by itself; nothing more runs in this process");
    }
    if (*v == '\0' || in->s->expects_violation) {
        return true;
    }
    return fail_why(in, in->op->line, v, true);
}

/* The sanitizers', in builds that have them (ASan); NULL otherwise. */
extern int __lsan_do_recoverable_leak_check(void) __attribute__((weak));
extern size_t __sanitizer_get_current_allocated_bytes(void) __attribute__((weak));

static bool can_check_leaks(const Interp *in)
{
    return in->opt->leak_check && __lsan_do_recoverable_leak_check != NULL &&
           __sanitizer_get_current_allocated_bytes != NULL;
}

/* Memory left that nothing reaches, once everything is freed: a state a
 * registry never freed, an Error nobody freed.  Looked at after every run
 * (LeakSanitizer stops the process to scan it: about 11% of the suites'
 * time under ASan).  It was once spared when the heap was no bigger than
 * when the run began; but a run that leaks may also free memory an
 * earlier run of the worker left (a grown buffer), and its leak was then
 * found by the next run that looked, blamed on that scenario, and filed in
 * its cells: a verdict that depended on which worker ran what.
 * LeakSanitizer prints the blocks and their allocation stacks on stderr;
 * they would be reported again by the next check, so the process is
 * spent. */
static void check_leaks(Interp *in)
{
    static const char why[] = "resources: memory leaked: blocks nothing reaches after the "
                              "teardown (LeakSanitizer's report, with where each was "
                              "allocated, is on stderr)";

    free(in->buf);              /* the run's own, reachable: not a question */
    in->buf = NULL;
    in->buflen = 0;
    if (!can_check_leaks(in)) {
        return;
    }
    sim_regcheck_forget_removed(in->w->regcheck);
    if (__lsan_do_recoverable_leak_check() == 0) {
        return;
    }
    in->res->leaked = true;
    in->res->spent = true;
    if (in->res->checkers_ok) {
        in->res->checkers_ok = false;
        in->res->checker_kind = SIM_CHECK_RESOURCES;
        snprintf(in->res->checker, sizeof(in->res->checker), "%s", why);
    }
    fail_at(in, 0, "%s", why);
}

static void teardown(Interp *in)
{
    ReplicationRegistry *regs[SCN_MAX_REGISTRIES + 1];
    size_t n = 0;

    if (sim_regcheck_registry_lost()) {
        /* Walks never returned: nothing may touch the registry (removing
         * a state, freeing a disk or a registry).  What the script made
         * is left to the process, which runs no other scenario. */
        in->res->spent = true;
        sim_regcheck_off_idle(in->w->regcheck, in);
        if (in->w->faults != NULL) {
            sim_faults_clear(in->w->faults, "*");
        }
        return;
    }
    for (unsigned i = 0; i < in->nstates; i++) {
        if (in->states[i].live) {
            unregister_state(in, 0, in->states[i].name, &in->states[i]);
        }
    }
    for (unsigned i = 0; i < in->ndisks; i++) {
        sim_regcheck_untrack(in->w->regcheck, sim_disk_state(in->disks[i].disk));
        sim_disk_free(in->disks[i].disk);
    }
    sim_cluster_free(in->c);
    in->c = NULL;
    sim_regcheck_off_idle(in->w->regcheck, in);
    if (in->w->faults != NULL) {
        sim_faults_clear(in->w->faults, "*");  /* a script's faults end with it */
    }
    regs[n++] = replication_default_registry();
    for (unsigned i = 0; i < in->nregs; i++) {
        regs[n++] = in->regs[i].reg;
    }
    if (in->res->checkers_ok &&
        sim_check_resources(in->w, regs, n, in->res->checker, sizeof(in->res->checker)) < 0) {
        in->res->checkers_ok = false;
        in->res->checker_kind = SIM_CHECK_RESOURCES;
        fail_at(in, 0, "%s", in->res->checker);
    }
    for (unsigned i = 0; i < in->nregs; i++) {
        replication_registry_free(in->regs[i].reg);
    }
    check_leaks(in);
}

/* The last events before the teardown, typed: rendered into the result
 * only when the run failed (after the teardown, which may fail it).  One
 * scenario runs at a time per process (cur), so one copy is enough. */
static SimTraceRing tail_kept;

static void fill_tail(ScnResult *r)
{
    unsigned keep = tail_kept.n < SIM_TRACE_KEEP ? (unsigned)tail_kept.n : SIM_TRACE_KEEP;

    r->ntail = 0;
    if (r->status != SCN_FAIL) {
        return;
    }
    r->ntail = keep;
    for (unsigned i = 0; i < keep; i++) {
        sim_trace_ring_line(&tail_kept, keep - 1 - i, r->tail[i]);
    }
}

static void fill_result(Interp *in)
{
    ScnResult *r = in->res;
    SimFaults *f = in->w->faults;

    r->ops_hash = sim_trace_hash(&in->w->trace);
    r->ticks = sim_clock_now(in->w->clock);
    for (size_t i = 0; f != NULL && i < sim_faults_count(f) && r->npoints < SCN_MAX_POINTS; i++) {
        const SimFaultPoint *p = sim_faults_at(f, i);
        ScnPointCount *pc = &r->points[r->npoints++];

        snprintf(pc->name, sizeof(pc->name), "%s", p->name);
        snprintf(pc->template_, sizeof(pc->template_), "%s", p->template_->pattern);
        pc->hits = p->hits;
        pc->fires = p->fires;
        SIM_CHECK_OP(i, <, SCN_MAX_POINTS);
        pc->handled = in->handled[i];
        pc->observed = in->observed[i];
        r->faults_fired += p->fires;
    }
    sim_trace_ring_copy(&tail_kept, &in->w->trace.ring);
}

/* The action list of a do= argument, "remove+fail", into buf. */
static const char *actions(const ScnValue *v, char *buf, size_t len)
{
    size_t n = 0;

    buf[0] = '\0';
    for (unsigned i = 0; i < v->nlist; i++) {
        const char *a = scn_action_name(v->list[i]);
        size_t na = strlen(a);

        if (n + (i > 0) + na >= len) {
            break;              /* cannot happen: len holds SCN_MAX_ACTIONS words */
        }
        if (i > 0) {
            buf[n++] = '+';
        }
        memcpy(buf + n, a, na + 1);
        n += na;
    }
    return buf;
}

_Static_assert(1 + SCN_MAX_ARGS <= SIM_TRACE_FIELDS_MAX, "an operation's event fits");

/* Where ScnOpEvent keeps the text of an argument key, or NULL. */
static const char **payload_text(ScnOpEvent *data, ScnKey key)
{
    switch (key) {
    case K_NAME: return &data->name;
    case K_REG: return &data->reg;
    case K_NODE: return &data->node;
    case K_STATE: return &data->state;
    default: return NULL;
    }
}

/* The operation's event: line=N and every argument key=value, so that
 * scenarios that differ in any argument differ in their trace and hash;
 * its payload (ScnOpEvent) for readers: the texts of name=, reg=, node=
 * and state= ("" when not given) and a walk's kind=, read in the same one
 * pass over the arguments (an operation has each key once). */
static void trace_op(Interp *in, const ScnOp *op)
{
    SimTraceField f[1 + SCN_MAX_ARGS];
    char acts[SCN_MAX_ACTIONS * 16];
    ScnOpEvent data = { .line = op->line, .name = "", .reg = "", .node = "", .state = "",
                        .walk = SIM_WALK_START };

    f[0] = sim_tf_u64("line", op->line);
    for (unsigned i = 0; i < op->nargs; i++) {
        const ScnValue *v = &op->args[i].v;
        const char *key = scn_key_name(op->args[i].key);
        const char **t = payload_text(&data, op->args[i].key);

        f[1 + i] = v->nlist ? sim_tf_str(key, actions(v, acts, sizeof(acts)))
                   : v->text ? sim_tf_str(key, v->text) : sim_tf_i64(key, v->i);
        if (t != NULL && v->text != NULL) {
            *t = v->text;
        }
        if (op->kind == OP_WALK && op->args[i].key == K_KIND) {
            data.walk = (SimWalk)v->i;
        }
    }
    scn_trace(in, NULL, scn_trace_kind(op->kind), &data, f, 1 + op->nargs);
}

/* The contract checker's typed violations into the result, for conform's
 * cells: after each operation, and at each callback, so that a result the
 * caller shares (a worker's) has them even when the registry then kills
 * the process. */
static void filed_violations(Interp *in)
{
    const SimRegViolation *v;
    size_t n = sim_regcheck_filed(in->w->regcheck, &v);

    if (n != in->res->nviolations) {
        memcpy(in->res->violations, v, n * sizeof(*v));
        in->res->nviolations = (unsigned)n;
    }
}

static void execute(Interp *in)
{
    for (size_t i = 0; i < in->s->nops && !in->failed && !sim_host_failed(); i++) {
        const ScnOp *op = &in->s->ops[i];

        in->op = op;
        if (op->kind != OP_EXPECT) {
            /* `expect calls` and `expect error` speak of the last operation. */
            in->loglen = 0;
            in->log[0] = '\0';
            in->log_full = false;
            trace_op(in, op);
        }
        if (op->kind != OP_EXPECT && op->kind != OP_RULE) {
            in->live_last = op->kind == OP_LIVENESS;
        }
        if (dispatch(in, op) && (filed_violations(in), checkers_hold(in))) {
            in->res->ops_run++;
        }
    }
    /* --liveness: after the last operation, even one that failed (a sweep's
     * injected run judges its checkers, not its expectations). */
    if (in->opt->liveness && !in->live_last && !in->skipped && !sim_host_failed() &&
        *first_violation(in) == '\0') {
        run_liveness(in, 0, in->opt->liveness_ticks);
    }
    filed_violations(in);
    if (*first_violation(in) != '\0') {
        in->res->checkers_ok = false;
        in->res->checker_kind = first_violation_kind(in);
        snprintf(in->res->checker, sizeof(in->res->checker), "%s", first_violation(in));
        if (!in->s->expects_violation) {
            fail_why(in, 0, first_violation(in), true);
        }
    }
}

/* What the run needs and the implementation lacks: the script's needs, and
 * alloc-null when the sweep fails registry/alloc. */
static unsigned missing_extensions(const ScnScript *s, const ScnOptions *opt)
{
    unsigned needs = scn_script_needs(s);

    for (unsigned i = 0; i < opt->ninject && i < SCN_MAX_INJECTS; i++) {
        if (opt->inject[i].point != NULL &&
            fnmatch(opt->inject[i].point, REPLICATION_FAULT_ALLOC, 0) == 0) {
            needs |= REPLICATION_EXT_ALLOC_NULL;
        }
    }
    return needs & ~replication_impl_extensions();
}

/* N/A: reported as SCN_SKIP with the missing extensions, never run. */
static ScnStatus not_applicable(ScnResult *res, unsigned missing)
{
    size_t len;

    res->status = SCN_SKIP;
    res->missing_ext = missing;
    len = (size_t)snprintf(res->message, sizeof(res->message), "needs");
    for (unsigned i = 0; i < REPLICATION_EXT__COUNT && len < sizeof(res->message); i++) {
        if (missing & (1u << i)) {
            len += (size_t)snprintf(res->message + len, sizeof(res->message) - len, " %s",
                                    replication_ext_name((ReplicationExt)(1u << i)));
        }
    }
    if (len < sizeof(res->message)) {
        snprintf(res->message + len, sizeof(res->message) - len,
                 ", which the implementation under test (%s) does not offer",
                 replication_impl()->name);
    }
    return res->status;
}

/* A session keeps one world and one interpreter for many runs: each run
 * resets the world (sim_world_reset) instead of making a new one. */
struct ScnSession {
    SimWorld *w;
    Interp in;
};

ScnSession *scn_session_new(void)
{
    return sim_host_calloc(1, sizeof(ScnSession), "interpreter: a session");
}

void scn_session_free(ScnSession *ss)
{
    if (ss != NULL) {
        sim_world_free(ss->w);
        free(ss);
    }
}

/* The host failed the run (host.h): no verdict, whatever the run had
 * made of the failure so far. */
static ScnStatus host_error(ScnResult *res, unsigned line)
{
    res->status = SCN_ERROR;
    res->line = line;
    res->ntail = 0;
    sim_host_describe(sim_host_failure(), res->message, sizeof(res->message));
    return res->status;
}

static ScnStatus cannot_run(ScnResult *res, const char *why)
{
    res->status = SCN_FAIL;
    snprintf(res->message, sizeof(res->message), "cannot run: %s", why);
    return res->status;
}

/* Does the script read the log of calls (`expect calls`)?  Else no
 * callback writes it. */
static bool reads_log(const ScnScript *s)
{
    for (size_t i = 0; i < s->nops; i++) {
        if (s->ops[i].kind == OP_EXPECT && s->ops[i].form == K_CALLS) {
            return true;
        }
    }
    return false;
}

/* The interpreter ready for a run: every field before the tables cleared,
 * the tables' texts empty (see Interp). */
static void begin(Interp *in, const ScnScript *s, const ScnOptions *opt, ScnResult *res,
                  SimWorld *w)
{
    memset(in, 0, offsetof(Interp, regs));
    in->s = s;
    in->opt = opt;
    in->res = res;
    in->w = w;
    in->ticks_limit = SCN_MAX_TICKS;
    in->depth_limit = SCN_MAX_DEPTH;
    in->calls_limit = SCN_MAX_CALLS;
    in->log_calls = reads_log(s);
    in->log[0] = '\0';
    in->last_error[0] = '\0';
}

/* The session's world at tick 0 with this seed: made once, then reset. */
static bool fresh_world(ScnSession *ss, uint64_t seed, char *err, size_t len)
{
    if (ss->w != NULL && sim_world_reset(ss->w, seed, err, len) == 0) {
        return true;
    }
    sim_world_free(ss->w);
    return sim_world_new(seed, &ss->w, err, len) == 0;
}

ScnStatus scn_session_run(ScnSession *ss, const ScnScript *s, const ScnOptions *opt,
                          ScnResult *res)
{
    static const ScnOptions none;
    Interp *in = &ss->in;
    bool decided;               /* a FAIL the host had no part in */
    char err[256];

    memset(res, 0, sizeof(*res));
    res->checkers_ok = true;
    opt = opt ? opt : &none;
    res->seed = opt->seed_set ? opt->seed : s->seed;
    if (cur != NULL) {
        return cannot_run(res, "another scenario is running in this process");
    }
    if (sim_regcheck_registry_lost()) {
        res->spent = true;
        return cannot_run(res, "an earlier scenario in this process lost the registry under "
                          "test (a walk was abandoned)");
    }
    if (missing_extensions(s, opt) != 0) {
        return not_applicable(res, missing_extensions(s, opt));
    }
    sim_host_clear();
    if (!fresh_world(ss, res->seed, err, sizeof(err))) {
        return sim_host_failed() ? host_error(res, 0) : cannot_run(res, err);
    }
    begin(in, s, opt, res, ss->w);
    in->w->trace.out = opt->trace;
    in->w->trace.sink = in->w->faults ? ledger_event : opt->sink;
    in->w->trace.sink_ctx = in->w->faults ? (void *)in : opt->sink_ctx;
    cur = in;
    if (sim_regcheck_on_idle(in->w->regcheck, on_idle, in) < 0) {
        fail_at(in, 0, "cannot run: too many registry idle hooks");
    }
    cap_ticks(in);
    arm_injection(in);
    execute(in);
    decided = in->failed && !sim_host_failed();
    fill_result(in);
    teardown(in);
    /* After the teardown's events: the hash covers them too. */
    res->trace_lines = in->w->trace.lines;
    res->hash = sim_trace_hash(&in->w->trace);
    sim_probe_counts(res->probes);
    res->status = in->skipped && in->w->faults == NULL ? SCN_SKIP : res->status;
    fill_tail(res);
    if (sim_host_failed() && !decided) {
        host_error(res, in->op != NULL ? in->op->line : 0);
    }
    cur = NULL;
    free(in->buf);
    in->buf = NULL;
    return res->status;
}

ScnStatus scn_run(const ScnScript *s, const ScnOptions *opt, ScnResult *res)
{
    ScnSession *ss;
    ScnStatus st;

    sim_host_clear();
    ss = scn_session_new();

    if (ss == NULL) {
        memset(res, 0, sizeof(*res));
        return host_error(res, 0);
    }
    st = scn_session_run(ss, s, opt, res);
    scn_session_free(ss);
    return st;
}
