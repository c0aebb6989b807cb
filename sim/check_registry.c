/* check_registry.c: the registry contract checker (check_registry.h): the
 * reference model (a snapshot of live states per walk, newest first), the
 * recording trampolines, and the violation log.  Owns no backend and never
 * reads registry internals.
 */
#include <errno.h>
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
    char label[32];
} Watched;

/* A state a walk must call: its slot, and its registration there (seq),
 * so that a slot freed and reused while the walk is open is not taken for
 * the state the walk began with. */
typedef struct Expect {
    unsigned slot;
    unsigned seq;
} Expect;

typedef struct Frame {
    ReplicationRegistry *reg;
    SimWalk w;
    Expect expect[SIM_REGCHECK_MAX_STATES];     /* newest first */
    unsigned nexpect;
    unsigned cursor;
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
    struct { SimRegIdleFn fn; void *ctx; } hooks[SIM_REGCHECK_MAX_HOOKS];
    unsigned nhooks;
};

/* The trampolines find their checker here: callbacks carry no context of
 * ours.  One checker at a time, as with the fault layer. */
static SimRegCheck *active;
static ReplicationOps tramp[16];

const char *sim_walk_name(SimWalk w)
{
    static const char *const names[] = { "start", "stop", "checkpoint", "get_error" };

    return names[w];
}

/* One violation; the first one's message is kept. */
#define violation(x, ...) sim_note(&(x)->violations, (x)->first, sizeof((x)->first), __VA_ARGS__)

static Watched *find(SimRegCheck *chk, const ReplicationState *rs)
{
    for (unsigned i = 0; i < chk->nw; i++) {
        if (chk->w[i].live && chk->w[i].rs == rs) {
            return &chk->w[i];
        }
    }
    return NULL;
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

static Frame *frame_of(SimRegCheck *chk, const ReplicationRegistry *reg)
{
    for (unsigned i = chk->depth; i-- > 0;) {
        if (chk->frames[i].reg == reg) {
            return &chk->frames[i];
        }
    }
    return NULL;
}

/* The model's next expected state of f, skipping states removed since. */
static Watched *next_expected(SimRegCheck *chk, Frame *f)
{
    while (f->cursor < f->nexpect) {
        const Expect *e = &f->expect[f->cursor];
        Watched *x = &chk->w[e->slot];

        if (x->live && x->seq == e->seq) {
            return x;
        }
        f->cursor++;
    }
    return NULL;
}

static Frame *before_call(SimRegCheck *chk, Watched *x, SimWalk w)
{
    Frame *f = frame_of(chk, x->reg);
    Watched *want;

    chk->calls++;
    if (chk->overflow > 0) {
        return NULL;            /* past the depth limit: reported, not modelled */
    }
    if (f == NULL) {
        violation(chk, "registry contract: %s of %s called outside any walk",
                  sim_walk_name(w), x->label);
        return NULL;
    }
    if (f->w != w || f->failed) {
        violation(chk, "registry contract: %s of %s called during a %s walk%s",
                  sim_walk_name(w), x->label, sim_walk_name(f->w),
                  f->failed ? " that had already failed" : "");
        return f;
    }
    want = next_expected(chk, f);
    if (want != x) {
        violation(chk, "registry contract: %s walk called %s, model expected %s",
                  sim_walk_name(w), x->label, want ? want->label : "no more calls");
        return f;
    }
    f->cursor++;
    return f;
}

static void after_call(SimRegCheck *chk, Frame *f, Error **errp)
{
    if (f != NULL && *errp != NULL && !f->failed) {
        f->failed = true;
        f->error = strdup(error_get_pretty(*errp));
        if (f->error == NULL) {
            violation(chk, "registry checker: out of memory for a callback's error");
        }
    }
}

/* One trampoline per member: check, forward to the original, record. */
static void tr_start(ReplicationState *rs, ReplicationMode mode, Error **errp)
{
    Watched *x = find(active, rs);
    Frame *f = before_call(active, x, SIM_WALK_START);

    x->orig->start(rs, mode, errp);
    after_call(active, f, errp);
}

static void tr_stop(ReplicationState *rs, bool failover, Error **errp)
{
    Watched *x = find(active, rs);
    Frame *f = before_call(active, x, SIM_WALK_STOP);

    x->orig->stop(rs, failover, errp);
    after_call(active, f, errp);
}

static void tr_checkpoint(ReplicationState *rs, Error **errp)
{
    Watched *x = find(active, rs);
    Frame *f = before_call(active, x, SIM_WALK_CHECKPOINT);

    x->orig->checkpoint(rs, errp);
    after_call(active, f, errp);
}

static void tr_get_error(ReplicationState *rs, Error **errp)
{
    Watched *x = find(active, rs);
    Frame *f = before_call(active, x, SIM_WALK_GET_ERROR);

    x->orig->get_error(rs, errp);
    after_call(active, f, errp);
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

/* What the checker holds let go: tracked states' ops, open walks' errors. */
static void release(SimRegCheck *chk)
{
    for (unsigned i = 0; i < chk->nw; i++) {
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
    return 0;
}

void sim_regcheck_untrack(SimRegCheck *chk, ReplicationState *rs)
{
    Watched *x = find(chk, rs);

    if (x != NULL) {
        rs->ops = x->orig;
        x->live = false;
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

void sim_regcheck_walk_begin(SimRegCheck *chk, ReplicationRegistry *reg, SimWalk w)
{
    Frame *f;

    if (chk->depth == SIM_REGCHECK_MAX_DEPTH || chk->overflow > 0) {
        violation(chk, "registry checker: walks nested deeper than %d",
                  SIM_REGCHECK_MAX_DEPTH);
        chk->overflow++;        /* its end must not close an outer walk */
        return;
    }
    chk->outer_walks += chk->depth == 0;
    f = &chk->frames[chk->depth++];
    *f = (Frame){ .reg = reg, .w = w };
    /* Newest first: slots are not in registration order once reused. */
    for (unsigned n = 0; n < chk->nw; n++) {
        Watched *x = &chk->w[n];
        unsigned i = f->nexpect;

        if (!x->live || x->reg != reg || !has_member(x->orig, w)) {
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

void sim_regcheck_walk_end(SimRegCheck *chk, const Error *err)
{
    Frame *f;
    Watched *left;

    if (chk->overflow > 0) {
        chk->overflow--;
        return;
    }
    if (chk->depth == 0) {
        violation(chk, "registry checker: walk ended that never began");
        return;
    }
    f = &chk->frames[--chk->depth];
    left = f->failed ? NULL : next_expected(chk, f);
    if (left != NULL) {
        violation(chk, "registry contract: %s walk ended without calling %s",
                  sim_walk_name(f->w), left->label);
    } else if (f->failed && f->error != NULL &&
               (err == NULL || strcmp(error_get_pretty(err), f->error))) {
        violation(chk, "registry contract: %s walk returned %s%s%s, first "
                  "callback error was \"%s\"", sim_walk_name(f->w),
                  err ? "\"" : "no error", err ? error_get_pretty(err) : "",
                  err ? "\"" : "", f->error);
    } else if (!f->failed && err != NULL) {
        violation(chk, "registry contract: %s walk returned \"%s\" but no "
                  "callback failed", sim_walk_name(f->w), error_get_pretty(err));
    }
    free(f->error);
    f->error = NULL;
}

void sim_regcheck_walk(SimRegCheck *chk, ReplicationRegistry *reg, SimWalk w,
                       ReplicationMode mode, bool failover, Error **errp)
{
    Error *local = NULL;

    sim_regcheck_walk_begin(chk, reg, w);
    switch (w) {
    case SIM_WALK_START:
        replication_start_all_in(reg, mode, &local);
        break;
    case SIM_WALK_STOP:
        replication_stop_all_in(reg, failover, &local);
        break;
    case SIM_WALK_CHECKPOINT:
        replication_do_checkpoint_all_in(reg, &local);
        break;
    default:
        replication_get_error_all_in(reg, &local);
        break;
    }
    sim_regcheck_walk_end(chk, local);
    error_propagate(errp, local);
    for (unsigned i = 0; i < chk->nhooks && !sim_regcheck_walking(chk, reg); i++) {
        chk->hooks[i].fn(chk->hooks[i].ctx, reg);
    }
}

unsigned sim_regcheck_violations(const SimRegCheck *chk)
{
    return chk->violations;
}

const char *sim_regcheck_first(const SimRegCheck *chk)
{
    return chk->first;
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
