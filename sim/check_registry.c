/* check_registry.c: the registry contract checker (check_registry.h): the
 * reference model (per walk, the states it must call, newest first, and
 * which of them it has called), the recording trampolines, the typed
 * violation log and the list of the contract's rules.  Owns no backend and
 * never reads registry internals.
 *
 * The model judges each call against the walk open at the time (the
 * innermost: callbacks nest strictly), so that a bug shows once, where it
 * is: a call out of order is an order violation and counts as made, so the
 * states after it are not reported again; a call the walk should not make
 * is filed under the rule it breaks (see classify()).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "check_registry.h"

typedef struct Watched {
    ReplicationState *rs;
    ReplicationRegistry *reg;
    ReplicationOps *orig;
    unsigned seq;               /* registration order: higher is newer */
    bool live;
    bool removed_in_walk;       /* dead: removed while a walk of reg ran */
    char label[32];
} Watched;

/* A state a walk must call: its slot, and its registration there (seq),
 * so that a slot freed and reused while the walk is open is not taken for
 * the state the walk began with. */
typedef struct Expect {
    unsigned slot;
    unsigned seq;
    bool called;
} Expect;

typedef struct Frame {
    ReplicationRegistry *reg;
    SimWalk w;
    ReplicationMode mode;       /* what every callback must receive */
    bool failover;
    unsigned first_seq;         /* states registered from here on are new */
    Expect expect[SIM_REGCHECK_MAX_STATES];     /* newest first */
    unsigned nexpect;
    unsigned skip;              /* expect[] below it is called or its state gone:
                                   both last, so next_expected starts here */
    unsigned registered;        /* states registered since it began */
    size_t live;                /* states of reg live in the model now: kept
                                   by track and untrack, so that each callback's
                                   check_kept does not count them again */
    unsigned long calls;        /* callbacks it made itself */
    bool failed;                /* a callback set an error: no more calls */
    char *error;                /* a copy of its whole text (owned): the walk
                                   must return exactly it, however long */
} Frame;

struct SimRegCheck {
    Watched w[SIM_REGCHECK_MAX_STATES];
    unsigned nw;
    unsigned next_seq;
    Frame frames[SIM_REGCHECK_MAX_DEPTH];
    unsigned depth;
    unsigned overflow;          /* walks begun past the depth limit: not
                                   modelled, ended without a frame */
    unsigned violations;
    unsigned long calls;
    unsigned long outer_walks;  /* walks begun at depth 0 */
    char first[SIM_REGCHECK_MSG_MAX];
    bool filed_this_walk;       /* the outermost walk's first violation is in */
    unsigned cells;             /* SIM_CELL()s filed */
    SimRegViolation filed[SIM_REGCHECK_MAX_FILED];
    unsigned nfiled;
    sigjmp_buf *escape;         /* the outermost sim_regcheck_walk's */
    struct { SimRegIdleFn fn; void *ctx; } hooks[SIM_REGCHECK_MAX_HOOKS];
    unsigned nhooks;
};

/* The trampolines find their checker here: callbacks carry no context of
 * ours.  One checker at a time, as with the fault layer. */
static SimRegCheck *active;
static ReplicationOps tramp[16];
/* A walk was abandoned: the registry is unusable in this process. */
static bool lost;

const char *sim_walk_name(SimWalk w)
{
    static const char *const names[SIM_WALKS] = { "start", "stop", "checkpoint", "get_error" };

    return names[w];
}

const char *sim_rule_title(unsigned rule)
{
    static const char *const titles[SIM_RULES] = {
        "order: newest registered first",
        "each state through the walk's own member; a NULL ops or member is skipped",
        "the walk's arguments and a fresh NULL Error per callback; the first error "
        "ends the walk and reaches errp",
        "a walk visits exactly the states registered when it began, each once, "
        "and removes none",
        "removal, registration and nested walks inside callbacks are safe",
        "remove(NULL) is a no-op; NULL ops and freeing a walked registry abort",
    };

    return rule >= 1 && rule <= SIM_RULES ? titles[rule - 1] : NULL;
}

/* One violation of `rule` in walk w.  The first one's message is kept;
 * the first of each outermost walk is filed under its cell when no earlier
 * one broke that cell (the rest of a walk's violations are taken for
 * consequences).  Rule 0 (a limit of the checker) is filed once. */
static void violation(SimRegCheck *chk, unsigned rule, SimWalk w, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void violation(SimRegCheck *chk, unsigned rule, SimWalk w, const char *fmt, ...)
{
    char msg[SIM_REGCHECK_MSG_MAX];
    unsigned cell = rule != 0 ? SIM_CELL(rule, w) : 1u << (SIM_RULES * SIM_WALKS);
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    sim_note(&chk->violations, chk->first, sizeof(chk->first), "%s", msg);
    if (chk->filed_this_walk || (chk->cells & cell)) {
        return;
    }
    chk->filed_this_walk = true;
    chk->cells |= cell;
    SIM_CHECK_OP(chk->nfiled, <, SIM_REGCHECK_MAX_FILED);
    chk->filed[chk->nfiled] = (SimRegViolation){ .rule = rule, .walk = w };
    snprintf(chk->filed[chk->nfiled].message, sizeof(chk->filed[0].message), "%s", msg);
    chk->nfiled++;
}

/* The live state rs, else the newest dead one that was rs, else NULL. */
static Watched *find(SimRegCheck *chk, const ReplicationState *rs)
{
    Watched *dead = NULL;

    for (unsigned i = 0; i < chk->nw; i++) {
        Watched *x = &chk->w[i];

        if (x->rs == rs && x->live) {
            return x;
        }
        if (x->rs == rs && (dead == NULL || x->seq > dead->seq)) {
            dead = x;
        }
    }
    return dead;
}

static bool has_member(const ReplicationOps *ops, SimWalk w)
{
    if (ops == NULL) {
        return false;
    }
    switch (w) {
    case SIM_WALK_START: return ops->start != NULL;
    case SIM_WALK_STOP: return ops->stop != NULL;
    case SIM_WALK_CHECKPOINT: return ops->checkpoint != NULL;
    default: return ops->get_error != NULL;
    }
}

/* x's entry in f, or NULL when f did not have to call it. */
static Expect *entry_of(SimRegCheck *chk, Frame *f, const Watched *x)
{
    for (unsigned i = 0; i < f->nexpect; i++) {
        if (&chk->w[f->expect[i].slot] == x && f->expect[i].seq == x->seq) {
            return &f->expect[i];
        }
    }
    return NULL;
}

/* The state f must call next: the newest it has not called, still live.
 * An entry passed over stays passed: called is never undone, and a state
 * once gone never comes back with its seq (a reused slot has a new one). */
static Watched *next_expected(SimRegCheck *chk, Frame *f)
{
    for (; f->skip < f->nexpect; f->skip++) {
        const Expect *e = &f->expect[f->skip];
        Watched *x = &chk->w[e->slot];

        if (!e->called && x->live && x->seq == e->seq) {
            return x;
        }
    }
    return NULL;
}

/* Abandon the walk: back to the outermost sim_regcheck_walk, whose
 * caller finds the registry lost.  Without one (walk_begin), go on. */
static void escape(SimRegCheck *chk)
{
    if (chk->escape != NULL) {
        siglongjmp(*chk->escape, 1);
    }
}

/* A walk may call each state it may reach once; past twice that (plus
 * two), it is taken for a walk that does not end. */
static void count_call(SimRegCheck *chk, Frame *f)
{
    unsigned long bound = 2ul * (f->nexpect + f->registered) + 2;

    if (++f->calls > bound) {
        violation(chk, 4, f->w, "registry contract: %s walk did not end after %lu callbacks "
                  "(it may call %u states)", sim_walk_name(f->w), f->calls - 1,
                  f->nexpect + f->registered);
        escape(chk);
    }
}

/* Is the call of member w of x one the model allows from walk f?  Else
 * the violation, filed under the rule the call breaks. */
static bool classify(SimRegCheck *chk, Frame *f, Watched *x, SimWalk w)
{
    const char *walk = sim_walk_name(f->w);
    Expect *e;
    Watched *want;

    if (f->w != w) {
        violation(chk, 2, f->w, "registry contract: %s walk called %s of %s", walk,
                  sim_walk_name(w), x->label);
        return false;
    }
    if (f->failed) {
        violation(chk, 3, w, "registry contract: %s walk called %s after a callback had "
                  "failed", walk, x->label);
        return false;
    }
    if (x->reg != f->reg) {
        violation(chk, 4, w, "registry contract: %s walk called %s, a state of another "
                  "registry", walk, x->label);
        return false;
    }
    if (!x->live) {
        violation(chk, x->removed_in_walk ? 5 : 4, w, "registry contract: %s walk called %s, "
                  "removed %s", walk, x->label,
                  x->removed_in_walk ? "during a walk" : "before the walk");
        return false;
    }
    e = entry_of(chk, f, x);
    if (e == NULL || e->called) {
        violation(chk, 4, w, "registry contract: %s walk called %s %s", walk, x->label,
                  e != NULL ? "twice" : x->seq >= f->first_seq ? "registered during the walk"
                                                           : "although it has no such member");
        return false;
    }
    want = next_expected(chk, f);
    e->called = true;
    if (want != x) {
        violation(chk, 1, w, "registry contract: %s walk called %s, model expected %s", walk,
                  x->label, want->label);
    }
    return true;
}

/* The arguments a callback received, against the walk's. */
static void check_arguments(SimRegCheck *chk, const Frame *f, const Watched *x, SimWalk w,
                            ReplicationMode mode, bool failover)
{
    if (w == SIM_WALK_START && mode != f->mode) {
        violation(chk, 3, w, "registry contract: start of %s got mode %d, the walk was "
                  "given %d", x->label, (int)mode, (int)f->mode);
    } else if (w == SIM_WALK_STOP && failover != f->failover) {
        violation(chk, 3, w, "registry contract: stop of %s got failover=%s, the walk "
                  "was given %s", x->label, failover ? "true" : "false",
                  f->failover ? "true" : "false");
    }
}

static void check_kept(SimRegCheck *chk, ReplicationRegistry *reg, SimWalk w, size_t want);

/* The call of member w of rs: judged, then forwarded (when rs is one the
 * checker knows alive) with a fresh NULL Error * of the checker's when the
 * registry did not give one.  Returns what to forward to, or NULL. */
typedef struct Call {
    Watched *x;
    Frame *f;                   /* the walk it counts in, judged; or NULL */
    Error **errp;               /* what the callback gets */
    Error *own;                 /* the checker's fresh one, when needed */
    Error **given;              /* what the registry gave */
} Call;

static bool before_call(Call *c, ReplicationState *rs, SimWalk w, ReplicationMode mode,
                        bool failover, Error **errp)
{
    SimRegCheck *chk = active;
    Frame *f = chk->depth > 0 && chk->overflow == 0 ? &chk->frames[chk->depth - 1] : NULL;

    *c = (Call){ .x = find(chk, rs), .errp = errp, .given = errp };
    chk->calls++;
    if (c->x == NULL) {         /* never ours, or its slot reused: cannot be */
        violation(chk, 4, w, "registry contract: %s called on a state the checker does "
                  "not know", sim_walk_name(w));
        return false;
    }
    if (chk->overflow > 0) {
        return c->x->live;      /* past the depth limit: reported, not modelled */
    }
    if (f == NULL) {
        chk->filed_this_walk = false;   /* a call outside walks is a walk of its own */
        violation(chk, 4, w, "registry contract: %s of %s called outside any walk",
                  sim_walk_name(w), c->x->label);
        return c->x->live;
    }
    if (!lost) {
        check_kept(chk, f->reg, f->w, f->live); /* the walk removed the last one called? */
    }
    count_call(chk, f);
    if (classify(chk, f, c->x, w)) {
        c->f = f;
        check_arguments(chk, f, c->x, w, mode, failover);
    }
    if (errp == NULL || *errp != NULL) {
        violation(chk, 3, f->w, "registry contract: %s of %s got %s", sim_walk_name(w),
                  c->x->label, errp == NULL ? "a NULL errp" : "an errp already holding an error");
        c->errp = &c->own;
    }
    return c->x->live;
}

static void after_call(Call *c)
{
    SimRegCheck *chk = active;
    Error *err = *c->errp;

    if (c->f != NULL && err != NULL && !c->f->failed) {
        c->f->failed = true;
        c->f->error = strdup(error_get_pretty(err));
        if (c->f->error == NULL) {
            violation(chk, 0, c->f->w, "registry checker: out of memory for a callback's error");
        }
    }
    error_free(c->own);         /* the registry gave none it could receive */
}

/* One trampoline per member: check, forward to the original, record. */
static void tr_start(ReplicationState *rs, ReplicationMode mode, Error **errp)
{
    Call c;

    if (before_call(&c, rs, SIM_WALK_START, mode, false, errp)) {
        c.x->orig->start(rs, mode, c.errp);
        after_call(&c);
    }
}

static void tr_stop(ReplicationState *rs, bool failover, Error **errp)
{
    Call c;

    if (before_call(&c, rs, SIM_WALK_STOP, 0, failover, errp)) {
        c.x->orig->stop(rs, failover, c.errp);
        after_call(&c);
    }
}

static void tr_checkpoint(ReplicationState *rs, Error **errp)
{
    Call c;

    if (before_call(&c, rs, SIM_WALK_CHECKPOINT, 0, false, errp)) {
        c.x->orig->checkpoint(rs, c.errp);
        after_call(&c);
    }
}

static void tr_get_error(ReplicationState *rs, Error **errp)
{
    Call c;

    if (before_call(&c, rs, SIM_WALK_GET_ERROR, 0, false, errp)) {
        c.x->orig->get_error(rs, c.errp);
        after_call(&c);
    }
}

/* The trampoline table with the same NULL members as ops. */
static ReplicationOps *tramp_for(const ReplicationOps *ops)
{
    unsigned i = (ops->start ? 1u : 0u) | (ops->stop ? 2u : 0u) |
                 (ops->checkpoint ? 4u : 0u) | (ops->get_error ? 8u : 0u);

    tramp[i] = (ReplicationOps){
        .start = ops->start ? tr_start : NULL,
        .stop = ops->stop ? tr_stop : NULL,
        .checkpoint = ops->checkpoint ? tr_checkpoint : NULL,
        .get_error = ops->get_error ? tr_get_error : NULL,
    };
    return &tramp[i];
}

SimRegCheck *sim_regcheck_new(void)
{
    SimRegCheck *chk;

    if (active != NULL) {
        return NULL;
    }
    chk = calloc(1, sizeof(*chk));
    active = chk;
    return chk;
}

/* What the checker holds let go: tracked states' ops (unless the registry
 * is lost: they may be gone), open walks' errors. */
static void release(SimRegCheck *chk)
{
    for (unsigned i = 0; i < chk->nw && !lost; i++) {
        if (chk->w[i].live) {
            chk->w[i].rs->ops = chk->w[i].orig;
        }
    }
    for (unsigned d = 0; d < chk->depth; d++) {
        free(chk->frames[d].error);     /* walks left open */
    }
}

void sim_regcheck_free(SimRegCheck *chk)
{
    if (chk == NULL) {
        return;
    }
    release(chk);
    if (active == chk) {
        active = NULL;
    }
    free(chk);
}

void sim_regcheck_reset(SimRegCheck *chk)
{
    SIM_CHECK(chk == active);
    release(chk);
    memset(chk, 0, sizeof(*chk));       /* every field as calloc left it */
}

/* Any dead slot, walks open or not: an open walk that still lists the
 * state which had it tells the two apart by seq (Expect). */
static Watched *free_slot(SimRegCheck *chk)
{
    for (unsigned i = 0; i < chk->nw; i++) {
        if (!chk->w[i].live) {
            return &chk->w[i];
        }
    }
    return chk->nw < SIM_REGCHECK_MAX_STATES ? &chk->w[chk->nw++] : NULL;
}

int sim_regcheck_track(SimRegCheck *chk, ReplicationRegistry *reg,
                       ReplicationState *rs, const char *label)
{
    Watched *x = free_slot(chk);

    if (x == NULL) {
        return -ENOSPC;
    }
    *x = (Watched){ .rs = rs, .reg = reg, .orig = rs->ops,
                    .seq = chk->next_seq++, .live = true };
    snprintf(x->label, sizeof(x->label), "%s", label);
    if (rs->ops != NULL) {
        rs->ops = tramp_for(rs->ops);
    }
    for (unsigned d = 0; d < chk->depth; d++) {
        chk->frames[d].registered++;    /* each open walk may see one more */
        chk->frames[d].live += chk->frames[d].reg == reg;
    }
    return 0;
}

void sim_regcheck_untrack(SimRegCheck *chk, ReplicationState *rs)
{
    Watched *x = find(chk, rs);

    if (x != NULL && x->live) {
        x->live = false;
        for (unsigned d = 0; d < chk->depth; d++) {
            if (chk->frames[d].reg == x->reg) {
                x->removed_in_walk = true;      /* sim_regcheck_walking() */
                chk->frames[d].live--;
            }
        }
    }
}

void sim_regcheck_forget_removed(SimRegCheck *chk)
{
    for (unsigned i = 0; i < chk->nw; i++) {
        if (!chk->w[i].live) {
            chk->w[i].rs = NULL;
        }
    }
}

void sim_regcheck_silence(SimRegCheck *chk, ReplicationState *rs)
{
    sim_regcheck_untrack(chk, rs);
    rs->ops = NULL;
}

bool sim_regcheck_walking(const SimRegCheck *chk, const ReplicationRegistry *reg)
{
    for (unsigned i = 0; i < chk->depth; i++) {
        if (chk->frames[i].reg == reg) {
            return true;
        }
    }
    return false;
}

int sim_regcheck_on_idle(SimRegCheck *chk, SimRegIdleFn fn, void *ctx)
{
    if (chk->nhooks == SIM_REGCHECK_MAX_HOOKS) {
        return -ENOSPC;
    }
    chk->hooks[chk->nhooks].fn = fn;
    chk->hooks[chk->nhooks].ctx = ctx;
    chk->nhooks++;
    return 0;
}

void sim_regcheck_off_idle(SimRegCheck *chk, void *ctx)
{
    unsigned kept = 0;

    for (unsigned i = 0; i < chk->nhooks; i++) {
        if (chk->hooks[i].ctx != ctx) {
            chk->hooks[kept++] = chk->hooks[i];
        }
    }
    chk->nhooks = kept;
}

static void begin(SimRegCheck *chk, ReplicationRegistry *reg, SimWalk w, ReplicationMode mode,
                  bool failover)
{
    Frame *f;

    if (chk->depth == SIM_REGCHECK_MAX_DEPTH || chk->overflow > 0) {
        violation(chk, 0, w, "registry checker: walks nested deeper than %d",
                  SIM_REGCHECK_MAX_DEPTH);
        chk->overflow++;        /* its end must not close an outer walk */
        return;
    }
    if (chk->depth == 0) {
        chk->outer_walks++;
        chk->filed_this_walk = false;
    }
    f = &chk->frames[chk->depth++];
    *f = (Frame){ .reg = reg, .w = w, .mode = mode, .failover = failover,
                  .first_seq = chk->next_seq };
    /* Newest first: slots are not in registration order once reused. */
    for (unsigned n = 0; n < chk->nw; n++) {
        Watched *x = &chk->w[n];
        unsigned i = f->nexpect;

        if (!x->live || x->reg != reg) {
            continue;
        }
        f->live++;
        if (!has_member(x->orig, w)) {
            continue;
        }
        while (i > 0 && f->expect[i - 1].seq < x->seq) {
            f->expect[i] = f->expect[i - 1];
            i--;
        }
        f->expect[i] = (Expect){ .slot = n, .seq = x->seq };
        f->nexpect++;
    }
}

void sim_regcheck_walk_begin(SimRegCheck *chk, ReplicationRegistry *reg, SimWalk w)
{
    begin(chk, reg, w, REPLICATION_MODE_PRIMARY, false);
}

/* Close the innermost walk: it must have called every state it had to,
 * unless a callback failed.  Returns it (valid until the next begin), or
 * NULL for a walk past the depth limit or one never begun. */
static Frame *close_walk(SimRegCheck *chk)
{
    Frame *f;
    Watched *left;

    if (chk->overflow > 0) {
        chk->overflow--;
        return NULL;
    }
    if (chk->depth == 0) {
        violation(chk, 0, SIM_WALK_START, "registry checker: walk ended that never began");
        return NULL;
    }
    f = &chk->frames[--chk->depth];
    left = f->failed ? NULL : next_expected(chk, f);
    if (left != NULL) {
        violation(chk, 4, f->w, "registry contract: %s walk ended without calling %s",
                  sim_walk_name(f->w), left->label);
    }
    return f;
}

/* What a walk returned in a fresh errp (err), against its callbacks. */
static void check_returned(SimRegCheck *chk, const Frame *f, const Error *err)
{
    const char *walk = sim_walk_name(f->w);

    if (f->failed && f->error != NULL && (err == NULL || strcmp(error_get_pretty(err), f->error))) {
        violation(chk, 3, f->w, "registry contract: %s walk returned %s%s%s, first callback "
                  "error was \"%s\"", walk, err ? "\"" : "no error",
                  err ? error_get_pretty(err) : "", err ? "\"" : "", f->error);
    } else if (!f->failed && err != NULL) {
        violation(chk, 3, f->w, "registry contract: %s walk returned \"%s\" but no callback "
                  "failed", walk, error_get_pretty(err));
    }
}

void sim_regcheck_walk_end(SimRegCheck *chk, const Error *err)
{
    Frame *f = close_walk(chk);

    if (f != NULL) {
        check_returned(chk, f, err);
        free(f->error);
        f->error = NULL;
    }
}

/* What a walk did to errp and to the Errors: the earlier error in *errp
 * kept, else *errp the first callback error; no other Error left over
 * (errors: how many were live before it). */
static void check_outcome(SimRegCheck *chk, const Frame *f, Error **errp, const Error *earlier,
                          size_t errors)
{
    const char *walk = sim_walk_name(f->w);
    size_t kept = errp != NULL && *errp != NULL && earlier == NULL ? 1 : 0;

    if (earlier != NULL && *errp != earlier) {
        violation(chk, 3, f->w, "registry contract: %s walk replaced the earlier error in "
                  "*errp%s", walk, *errp != NULL ? " with its own" : " with NULL");
    } else if (errp != NULL && earlier == NULL) {
        check_returned(chk, f, *errp);
    }
    if (error_outstanding() > errors + kept) {
        violation(chk, 3, f->w, "registry contract: %s walk leaked %zu Error%s (errp %s)",
                  walk, error_outstanding() - errors - kept,
                  error_outstanding() - errors - kept == 1 ? "" : "s",
                  errp == NULL ? "NULL" : earlier != NULL ? "holding an earlier error"
                                                         : "fresh");
    }
}

/* Live states of reg in the model. */
static size_t model_live(const SimRegCheck *chk, const ReplicationRegistry *reg)
{
    size_t n = 0;

    for (unsigned i = 0; i < chk->nw; i++) {
        n += chk->w[i].live && chk->w[i].reg == reg;
    }
    return n;
}

/* Before each callback of a walk of reg, and after the walk (and the idle
 * hooks, after its outermost one): states the model has and the registry
 * lost were removed by the walk itself (the model drops a state before the caller removes it; a
 * silenced one waiting for its removal only makes the registry hold
 * more).  The model can no longer follow the registry, nor may anyone
 * remove those states again: the registry is lost. */
static void check_kept(SimRegCheck *chk, ReplicationRegistry *reg, SimWalk w, size_t want)
{
    size_t have = replication_registry_count(reg);

    if (have < want) {
        violation(chk, 4, w, "registry contract: the %s walk removed states by itself: the "
                  "registry holds %zu, the model %zu", sim_walk_name(w), have, want);
        lost = true;
    }
}

static void call_walk(ReplicationRegistry *reg, SimWalk w, ReplicationMode mode, bool failover,
                      Error **errp)
{
    switch (w) {
    case SIM_WALK_START:
        replication_start_all_in(reg, mode, errp);
        break;
    case SIM_WALK_STOP:
        replication_stop_all_in(reg, failover, errp);
        break;
    case SIM_WALK_CHECKPOINT:
        replication_do_checkpoint_all_in(reg, errp);
        break;
    default:
        replication_get_error_all_in(reg, errp);
        break;
    }
}

/* The walk abandoned: every open walk forgotten, the registry lost. */
static void abandon(SimRegCheck *chk)
{
    for (unsigned d = 0; d < chk->depth; d++) {
        free(chk->frames[d].error);
    }
    chk->depth = 0;
    chk->overflow = 0;
    lost = true;
}

/* The walk under the model, its outcome checked, then the idle hooks. */
static void checked_walk(SimRegCheck *chk, ReplicationRegistry *reg, SimWalk w,
                         ReplicationMode mode, bool failover, Error **errp)
{
    Error *earlier = errp != NULL ? *errp : NULL;
    size_t errors = error_outstanding();
    Frame *f;

    begin(chk, reg, w, mode, failover);
    call_walk(reg, w, mode, failover, errp);
    f = close_walk(chk);
    if (f != NULL) {
        check_outcome(chk, f, errp, earlier, errors);
        free(f->error);
        f->error = NULL;
    }
    for (unsigned i = 0; i < chk->nhooks && !sim_regcheck_walking(chk, reg); i++) {
        chk->hooks[i].fn(chk->hooks[i].ctx, reg);
    }
    check_kept(chk, reg, w, model_live(chk, reg));
}

void sim_regcheck_walk(SimRegCheck *chk, ReplicationRegistry *reg, SimWalk w,
                       ReplicationMode mode, bool failover, Error **errp)
{
    sigjmp_buf here;

    if (lost) {
        return;
    }
    if (chk->depth > 0 || chk->overflow > 0) {
        checked_walk(chk, reg, w, mode, failover, errp);
        return;
    }
    /* The outermost walk: where a walk that does not end comes back to. */
    if (sigsetjmp(here, 0) != 0) {
        chk->escape = NULL;
        abandon(chk);
        return;
    }
    chk->escape = &here;
    checked_walk(chk, reg, w, mode, failover, errp);
    chk->escape = NULL;
}

bool sim_regcheck_registry_lost(void)
{
    return lost;
}

unsigned sim_regcheck_violations(const SimRegCheck *chk)
{
    return chk->violations;
}

const char *sim_regcheck_first(const SimRegCheck *chk)
{
    return chk->first;
}

size_t sim_regcheck_filed(const SimRegCheck *chk, const SimRegViolation **v)
{
    *v = chk->filed;
    return chk->nfiled;
}

unsigned long sim_regcheck_calls(const SimRegCheck *chk)
{
    return chk->calls;
}

unsigned long sim_regcheck_outer_walks(const SimRegCheck *chk)
{
    return chk->outer_walks;
}

size_t sim_regcheck_live(const SimRegCheck *chk)
{
    size_t n = 0;

    for (unsigned i = 0; i < chk->nw; i++) {
        n += chk->w[i].live;
    }
    return n;
}
