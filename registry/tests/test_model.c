/* test_model.c: a seeded, randomized check of the replication registry against
 * a small reference model of its walk rules (replication.h, "Walks").  Owns the
 * model, the PRNG and the step driver; uses only the public registry API.
 */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "replication.h"

enum {
    NREGS = 3,            /* the default registry, then two created ones */
    NTABLES = 16,         /* every combination of the four ops members */
    MAX_LIVE = 12,        /* live states per registry: keeps walks short */
    MAX_RECS = 1 << 15,   /* states registered in one seed, live or not */
    MAX_FRAMES = 4,       /* a top-level walk and three nested ones */
    MAX_CALLS = 4000,     /* callbacks per step before they all just succeed */
    NSEEDS = 16,
    NSTEPS = 3000,
    MSG_LEN = 64,
};

/* The run's seeds derive from this one.  A failure prints its seed; setting
 * TEST_MODEL_SEED to it replays that seed alone.  TEST_MODEL_VERBOSE prints
 * how often each event of the generator happened. */
static const uint64_t ROOT_SEED = 0x7e57a11ce5eed001ull;
static const char *const SEED_ENV = "TEST_MODEL_SEED";

typedef enum Kind { K_START, K_STOP, K_CKPT, K_GETERR, K__MAX } Kind;

static const char *const kind_name[K__MAX] = {
    "start", "stop", "checkpoint", "get_error",
};

/* What a callback does; weights below. */
typedef enum Act {
    A_SUCCEED, A_FAIL, A_QUIET, A_REMOVE_SELF, A_REMOVE_VISITED,
    A_REMOVE_AHEAD, A_REMOVE_OUTSIDE, A_REMOVE_SELF_FAIL, A_REGISTER,
    A_NEST, A_SET_OPS, A__MAX
} Act;

static const int act_weight[A__MAX] = {
    [A_SUCCEED] = 40, [A_FAIL] = 6, [A_QUIET] = 5, [A_REMOVE_SELF] = 4,
    [A_REMOVE_VISITED] = 4, [A_REMOVE_AHEAD] = 6, [A_REMOVE_OUTSIDE] = 4,
    [A_REMOVE_SELF_FAIL] = 2, [A_REGISTER] = 12, [A_NEST] = 8,
    [A_SET_OPS] = 5,
};

/* Things the generator must have done at least once, or the run proves
 * little: checked after all seeds. */
typedef enum Event {
    EV_FAIL, EV_QUIET, EV_REMOVE_SELF, EV_REMOVE_VISITED, EV_REMOVE_AHEAD,
    EV_REMOVE_OUTSIDE, EV_REMOVE_OTHER_REG, EV_REMOVE_SELF_FAIL,
    EV_REGISTER_WALKED, EV_REGISTER_OTHER, EV_NEST_SAME, EV_NEST_OTHER,
    EV_NEST_DEEPEST, EV_NEST_ERR_UP, EV_SET_OPS_AHEAD, EV_SKIP_OPS,
    EV_SKIP_MEMBER, EV_PRESET, EV_FAILED_NO_ERRP, EV_FREE_REG, EV__MAX
} Event;

static const char *const event_name[EV__MAX] = {
    "fail", "quiet", "remove_self", "remove_visited", "remove_ahead",
    "remove_outside", "remove_other_reg", "remove_self_fail",
    "register_walked", "register_other", "nest_same", "nest_other",
    "nest_deepest", "nest_err_up", "set_ops_ahead", "skip_ops",
    "skip_member", "preset", "failed_no_errp", "free_reg",
};

/* One registered state, in registration order (ids only grow). */
typedef struct Rec {
    ReplicationState *rs; /* NULL once removed: its memory is not ours */
    int reg;
    int table;            /* index in tables[], or -1 for ops NULL */
    bool live;
} Rec;

/* One walk in progress, as the model sees it. */
typedef struct Walk {
    int reg;
    Kind kind;
    int arg;              /* mode for start, failover for stop, else 0 */
    int snap[MAX_LIVE];   /* ids live in reg when it began, newest first */
    int nsnap;
    int cursor;           /* snap index just past the last state called */
    bool failed;
    char msg[MSG_LEN];    /* the error it must report when failed */
} Walk;

typedef struct Model {
    uint64_t seed;
    uint64_t prng;
    int step;
    ReplicationRegistry *regs[NREGS];
    Rec recs[MAX_RECS];
    int nrecs;
    int order[NREGS][MAX_LIVE]; /* live ids per registry, oldest first */
    int nlive[NREGS];
    Walk stack[MAX_FRAMES];     /* walks in progress, innermost last */
    int depth;
    int calls;                  /* callbacks in the current step */
    unsigned nmsg;              /* keeps every error message unique */
} Model;

static Model m;
static unsigned long tally[EV__MAX];
static const char *prog = "test_model";
static ReplicationOps tables[NTABLES];

/* ---- Checks ---------------------------------------------------------------- */

static void check_at(bool ok, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void say_where(void)
{
    print_error("seed 0x%016" PRIx64 " step %d depth %d\nreproduce: "
                "%s=0x%016" PRIx64 " %s\n", m.seed, m.step, m.depth, SEED_ENV,
                m.seed, prog);
}

/* Names the seed and step, so a failure replays with one command. */
static void check_at(bool ok, int line, const char *fmt, ...)
{
    char why[256];
    va_list ap;

    if (ok) {
        return;
    }
    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    print_error("%s\n", why);
    say_where();
    _fail(__FILE__, line);
}

/* A sanitizer ends the process on a memory error without returning to
 * cmocka; its death callback can still say where.  Weak, so that builds
 * without a sanitizer link too. */
extern void __sanitizer_set_death_callback(void (*cb)(void))
    __attribute__((weak));

#define CHECK(ok, ...) check_at((ok), __LINE__, __VA_ARGS__)

static void check_counts(void)
{
    for (int r = 0; r < NREGS; r++) {
        size_t n = replication_registry_count(m.regs[r]);
        CHECK(n == (size_t)m.nlive[r], "registry %d counts %zu states, "
              "model has %d live", r, n, m.nlive[r]);
    }
}

/* ---- PRNG (splitmix64) ------------------------------------------------------ */

static uint64_t mix(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static int below(int n)
{
    return (int)(mix(&m.prng) % (uint64_t)n);
}

static bool chance(int per_mille)
{
    return below(1000) < per_mille;
}

/* ---- The model ---------------------------------------------------------------- */

static bool has(int table, Kind k)
{
    return table >= 0 && ((table >> k) & 1);
}

/* The snap index of the next state the walk must call, or -1 if none is left:
 * removed states and states without this member are passed over. */
static int next_due(const Walk *w)
{
    for (int i = w->cursor; i < w->nsnap; i++) {
        const Rec *rec = &m.recs[w->snap[i]];
        if (rec->live && has(rec->table, w->kind)) {
            return i;
        }
    }
    return -1;
}

static void tally_skips(const Walk *w, int upto)
{
    for (int i = w->cursor; i < upto; i++) {
        const Rec *rec = &m.recs[w->snap[i]];
        if (rec->live) {
            tally[rec->table < 0 ? EV_SKIP_OPS : EV_SKIP_MEMBER]++;
        }
    }
}

static bool in_snap(const Walk *w, int id)
{
    for (int i = 0; i < w->nsnap; i++) {
        if (w->snap[i] == id) {
            return true;
        }
    }
    return false;
}

static void model_unlink(int id)
{
    Rec *rec = &m.recs[id];
    int *ord = m.order[rec->reg];
    int n = m.nlive[rec->reg];
    int i = 0;

    while (i < n && ord[i] != id) {
        i++;
    }
    CHECK(i < n, "model lost state %d", id);
    memmove(&ord[i], &ord[i + 1], (size_t)(n - i - 1) * sizeof(ord[0]));
    m.nlive[rec->reg]--;
    rec->live = false;
    rec->rs = NULL;
}

/* ---- Real and model, together ------------------------------------------------ */

static void set_ops(int id, int table)
{
    Rec *rec = &m.recs[id];

    rec->rs->ops = table < 0 ? NULL : &tables[table];
    rec->table = table;
}

/* Registers a random kind of state in reg; -1 when a limit says no. */
static int do_register(int reg)
{
    /* Mostly full tables, or walks would skip more than they call. */
    int table = chance(400) ? NTABLES - 1 : below(NTABLES);
    int id = m.nrecs;
    Rec *rec = &m.recs[id];

    if (m.nlive[reg] >= MAX_LIVE || m.nrecs >= MAX_RECS) {
        return -1;
    }
    if (reg == 0 && chance(500)) {
        rec->rs = replication_new(rec, &tables[table]);
    } else {
        rec->rs = replication_new_in(m.regs[reg], rec, &tables[table]);
    }
    CHECK(rec->rs != NULL, "registering in registry %d failed", reg);
    CHECK(rec->rs->opaque == rec && rec->rs->ops == &tables[table],
          "new state %d does not keep its opaque and ops", id);
    m.nrecs++;
    rec->reg = reg;
    rec->table = table;
    rec->live = true;
    m.order[reg][m.nlive[reg]++] = id;
    if (chance(80)) {
        set_ops(id, -1);
    }
    check_counts();
    return id;
}

static void do_remove(int id)
{
    CHECK(m.recs[id].live, "model removes dead state %d", id);
    replication_remove(m.recs[id].rs);
    model_unlink(id);
    check_counts();
}

/* Frees a created registry with whatever it holds, and makes a fresh one. */
static void renew_registry(int reg)
{
    while (m.nlive[reg] > 0) {
        model_unlink(m.order[reg][0]);
    }
    replication_registry_free(m.regs[reg]);
    m.regs[reg] = replication_registry_new();
    CHECK(m.regs[reg] != NULL, "replication_registry_new failed");
    tally[EV_FREE_REG]++;
    check_counts();
}

/* A live state of any registry, or -1. */
static int pick_any(void)
{
    int total = 0;
    int k;

    for (int r = 0; r < NREGS; r++) {
        total += m.nlive[r];
    }
    if (total == 0) {
        return -1;
    }
    k = below(total);
    for (int r = 0; r < NREGS; r++) {
        if (k < m.nlive[r]) {
            return m.order[r][k];
        }
        k -= m.nlive[r];
    }
    return -1;
}

/* A live state among snap[from, to), or -1. */
static int pick_in_snap(const Walk *w, int from, int to)
{
    int cand[MAX_LIVE];
    int n = 0;

    for (int i = from; i < to; i++) {
        if (m.recs[w->snap[i]].live) {
            cand[n++] = w->snap[i];
        }
    }
    return n > 0 ? cand[below(n)] : -1;
}

/* A live state, of any registry, that the walk w will never reach. */
static int pick_outside(const Walk *w)
{
    int cand[NREGS * MAX_LIVE];
    int n = 0;

    for (int r = 0; r < NREGS; r++) {
        for (int j = 0; j < m.nlive[r]; j++) {
            if (!in_snap(w, m.order[r][j])) {
                cand[n++] = m.order[r][j];
            }
        }
    }
    return n > 0 ? cand[below(n)] : -1;
}

/* ---- Walks --------------------------------------------------------------------- */

static Kind random_kind(int *arg)
{
    Kind kind = (Kind)below(K__MAX);

    *arg = 0;
    if (kind == K_START) {
        *arg = below(REPLICATION_MODE__MAX);
    } else if (kind == K_STOP) {
        *arg = below(2);
    }
    return kind;
}

static void push(int reg, Kind kind, int arg)
{
    Walk *w;

    CHECK(m.depth < MAX_FRAMES, "walk stack overflow");
    w = &m.stack[m.depth++];
    memset(w, 0, sizeof(*w));
    w->reg = reg;
    w->kind = kind;
    w->arg = arg;
    for (int j = m.nlive[reg] - 1; j >= 0; j--) {
        w->snap[w->nsnap++] = m.order[reg][j];
    }
}

/* The default registry is driven through both of its spellings. */
static void call_walk(int reg, Kind kind, int arg, Error **errp)
{
    ReplicationRegistry *r = m.regs[reg];
    bool plain = reg == 0 && chance(500);

    switch (kind) {
    case K_START:
        if (plain) {
            replication_start_all((ReplicationMode)arg, errp);
        } else {
            replication_start_all_in(r, (ReplicationMode)arg, errp);
        }
        break;
    case K_STOP:
        if (plain) {
            replication_stop_all(arg != 0, errp);
        } else {
            replication_stop_all_in(r, arg != 0, errp);
        }
        break;
    case K_CKPT:
        if (plain) {
            replication_do_checkpoint_all(errp);
        } else {
            replication_do_checkpoint_all_in(r, errp);
        }
        break;
    default:
        if (plain) {
            replication_get_error_all(errp);
        } else {
            replication_get_error_all_in(r, errp);
        }
        break;
    }
}

/* After a walk returns: it called everything due unless it failed, and it
 * reported exactly the model's error (pre: what *errp held before it). */
static void check_end(const Walk *w, Error **errp, Error *pre)
{
    const char *got;
    int due = w->failed ? -1 : next_due(w);

    CHECK(due < 0, "%s on registry %d returned without calling state %d",
          kind_name[w->kind], w->reg, due < 0 ? -1 : w->snap[due]);
    if (errp == NULL) {
        tally[EV_FAILED_NO_ERRP] += w->failed;
        return;
    }
    if (pre != NULL) {
        CHECK(*errp == pre, "%s replaced an error already in *errp",
              kind_name[w->kind]);
        return;
    }
    got = *errp ? error_get_pretty(*errp) : NULL;
    if (!w->failed) {
        CHECK(got == NULL, "%s on registry %d returned error '%s', model "
              "expected none", kind_name[w->kind], w->reg, got ? got : "");
        return;
    }
    CHECK(got != NULL && strcmp(got, w->msg) == 0, "%s on registry %d "
          "returned error '%s', model expected '%s'", kind_name[w->kind],
          w->reg, got ? got : "(none)", w->msg);
}

/* Runs one walk on the registry and on the model; returns the model's end. */
static Walk walk(int reg, Kind kind, int arg, Error **errp)
{
    Error *pre = errp ? *errp : NULL;
    Walk done;

    push(reg, kind, arg);
    call_walk(reg, kind, arg, errp);
    done = m.stack[--m.depth];
    check_end(&done, errp, pre);
    return done;
}

static void preset(Error **errp)
{
    error_setg(errp, "preset %u", m.nmsg++);
    tally[EV_PRESET]++;
}

/* ---- Callbacks ---------------------------------------------------------------- */

static void fail_walk(int id, Walk *w, Error **errp)
{
    snprintf(w->msg, sizeof(w->msg), "fail %d %s %u", id,
             kind_name[w->kind], m.nmsg++);
    w->failed = true;
    error_setg(errp, "%s", w->msg);
    tally[EV_FAIL]++;
}

/* A nested walk on a random registry; its error goes nowhere, to a local
 * (fresh or already set), or up through errp to fail the outer walk too. */
static void nest(Walk *outer, Error **errp)
{
    Error *local = NULL;
    int arg;
    Kind kind = random_kind(&arg);
    int reg = below(NREGS);
    int how = below(4);
    Walk done;

    tally[reg == outer->reg ? EV_NEST_SAME : EV_NEST_OTHER]++;
    tally[EV_NEST_DEEPEST] += m.depth == MAX_FRAMES - 1;
    if (how == 0) {
        walk(reg, kind, arg, NULL);
        return;
    }
    if (how == 3) {
        done = walk(reg, kind, arg, errp);
        if (done.failed) {
            outer->failed = true;
            memcpy(outer->msg, done.msg, sizeof(outer->msg));
            tally[EV_NEST_ERR_UP]++;
        }
        return;
    }
    if (how == 2) {
        preset(&local);
    }
    walk(reg, kind, arg, &local);
    error_free(local);
}

static void remove_picked(int id, Event ev)
{
    if (id < 0) {
        return;
    }
    tally[ev]++;
    tally[EV_REMOVE_OTHER_REG] += m.recs[id].reg != m.stack[m.depth - 1].reg;
    do_remove(id);
}

static void register_some(const Walk *w)
{
    int reg = below(NREGS);

    if (do_register(reg) >= 0) {
        tally[reg == w->reg ? EV_REGISTER_WALKED : EV_REGISTER_OTHER]++;
    }
}

/* Changes the ops of a state, preferably one the walk has yet to reach. */
static void change_ops(const Walk *w)
{
    int id = chance(500) ? pick_in_snap(w, w->cursor, w->nsnap) : -1;

    if (id >= 0) {
        tally[EV_SET_OPS_AHEAD]++;
    } else {
        id = pick_any();
    }
    if (id >= 0) {
        set_ops(id, below(NTABLES + 1) - 1);
    }
}

static Act choose_act(void)
{
    int total = 0;
    int k;
    int a = 0;

    if (m.calls > MAX_CALLS) {
        return A_SUCCEED;
    }
    for (int i = 0; i < A__MAX; i++) {
        total += act_weight[i];
    }
    k = below(total);
    while (k >= act_weight[a]) {
        k -= act_weight[a++];
    }
    if (a == A_NEST && m.depth >= MAX_FRAMES) {
        return A_SUCCEED;
    }
    return (Act)a;
}

static void act(int id, Walk *w, Error **errp)
{
    switch (choose_act()) {
    case A_SUCCEED:
        break;
    case A_FAIL:
        fail_walk(id, w, errp);
        break;
    case A_QUIET:
        /* Reported nowhere: the walk must count this as a success. */
        error_setg((Error **)NULL, "quiet %d", id);
        tally[EV_QUIET]++;
        break;
    case A_REMOVE_SELF:
        remove_picked(id, EV_REMOVE_SELF);
        break;
    case A_REMOVE_VISITED:
        remove_picked(pick_in_snap(w, 0, w->cursor - 1), EV_REMOVE_VISITED);
        break;
    case A_REMOVE_AHEAD:
        remove_picked(pick_in_snap(w, w->cursor, w->nsnap), EV_REMOVE_AHEAD);
        break;
    case A_REMOVE_OUTSIDE:
        remove_picked(pick_outside(w), EV_REMOVE_OUTSIDE);
        break;
    case A_REMOVE_SELF_FAIL:
        remove_picked(id, EV_REMOVE_SELF_FAIL);
        fail_walk(id, w, errp);
        break;
    case A_REGISTER:
        register_some(w);
        break;
    case A_NEST:
        nest(w, errp);
        break;
    default:
        change_ops(w);
        break;
    }
}

/* Every callback lands here: the state called must be the one the model
 * predicts for the innermost walk, with that walk's member and argument. */
static void visit(ReplicationState *rs, Kind kind, int arg, Error **errp)
{
    Rec *rec = rs ? rs->opaque : NULL;
    int id = rec ? (int)(rec - m.recs) : -1;
    Walk *w = &m.stack[m.depth > 0 ? m.depth - 1 : 0];
    int due;

    CHECK(m.depth > 0, "%s callback outside any walk", kind_name[kind]);
    CHECK(id >= 0 && id < m.nrecs && m.recs[id].rs == rs,
          "%s callback on a state the model does not know as live",
          kind_name[kind]);
    CHECK(kind == w->kind, "%s walk called the %s member of state %d",
          kind_name[w->kind], kind_name[kind], id);
    CHECK(!w->failed, "%s walk called state %d after it failed",
          kind_name[kind], id);
    due = next_due(w);
    CHECK(due >= 0 && w->snap[due] == id, "%s walk on registry %d called "
          "state %d, model expected state %d", kind_name[kind], w->reg, id,
          due < 0 ? -1 : w->snap[due]);
    CHECK(arg == w->arg, "%s callback got argument %d, walk was given %d",
          kind_name[kind], arg, w->arg);
    CHECK(errp != NULL && *errp == NULL, "%s callback on state %d did not "
          "get a fresh NULL error", kind_name[kind], id);
    tally_skips(w, due);
    w->cursor = due + 1;
    m.calls++;
    act(id, w, errp);
}

static void cb_start(ReplicationState *rs, ReplicationMode mode, Error **errp)
{
    visit(rs, K_START, (int)mode, errp);
}

static void cb_stop(ReplicationState *rs, bool failover, Error **errp)
{
    visit(rs, K_STOP, failover, errp);
}

static void cb_checkpoint(ReplicationState *rs, Error **errp)
{
    visit(rs, K_CKPT, 0, errp);
}

static void cb_get_error(ReplicationState *rs, Error **errp)
{
    visit(rs, K_GETERR, 0, errp);
}

static void init_tables(void)
{
    for (int t = 0; t < NTABLES; t++) {
        tables[t].start = has(t, K_START) ? cb_start : NULL;
        tables[t].stop = has(t, K_STOP) ? cb_stop : NULL;
        tables[t].checkpoint = has(t, K_CKPT) ? cb_checkpoint : NULL;
        tables[t].get_error = has(t, K_GETERR) ? cb_get_error : NULL;
    }
}

/* ---- Driver ------------------------------------------------------------------ */

static void top_walk(void)
{
    Error *err = NULL;
    int arg;
    Kind kind = random_kind(&arg);
    int reg = below(NREGS);
    int how = below(10);

    if (how < 2) {
        walk(reg, kind, arg, NULL);
        return;
    }
    if (how < 4) {
        preset(&err);
    }
    walk(reg, kind, arg, &err);
    error_free(err);
}

static void step(void)
{
    int r = below(1000);
    int id;

    m.calls = 0;
    if (r < 350) {
        do_register(below(NREGS));
    } else if (r < 400) {
        id = pick_any();
        if (id >= 0) {
            do_remove(id);
        }
    } else if (r < 430) {
        id = pick_any();
        if (id >= 0) {
            set_ops(id, below(NTABLES + 1) - 1);
        }
    } else if (r < 433) {
        renew_registry(1 + below(NREGS - 1));
    } else {
        top_walk();
    }
    CHECK(m.depth == 0, "walk stack not empty after a step");
    check_counts();
}

/* Empties the default registry (by removal, or by "freeing" it, which must
 * leave it usable for the next seed) and frees the created ones. */
static void teardown(bool free_default)
{
    if (free_default) {
        while (m.nlive[0] > 0) {
            model_unlink(m.order[0][0]);
        }
        replication_registry_free(m.regs[0]);
    }
    while (m.nlive[0] > 0) {
        do_remove(m.order[0][m.nlive[0] - 1]);
    }
    check_counts();
    for (int r = 1; r < NREGS; r++) {
        replication_registry_free(m.regs[r]);
        m.regs[r] = NULL;
    }
}

static void run_seed(uint64_t seed, int steps)
{
    memset(&m, 0, sizeof(m));
    m.seed = seed;
    m.prng = seed;
    m.step = -1;
    m.regs[0] = replication_default_registry();
    CHECK(m.regs[0] != NULL, "no default registry");
    for (int r = 1; r < NREGS; r++) {
        m.regs[r] = replication_registry_new();
        CHECK(m.regs[r] != NULL, "replication_registry_new failed");
    }
    check_counts();
    for (m.step = 0; m.step < steps; m.step++) {
        step();
    }
    teardown(seed & 1);
}

static void check_tally(void)
{
    bool verbose = getenv("TEST_MODEL_VERBOSE") != NULL;

    for (int e = 0; e < EV__MAX; e++) {
        if (verbose) {
            print_message("%-18s %lu\n", event_name[e], tally[e]);
        }
        CHECK(tally[e] > 0, "the run never exercised '%s'", event_name[e]);
    }
}

static void random_walks_match_reference_model(void **state)
{
    const char *only = getenv(SEED_ENV);
    uint64_t root = ROOT_SEED;

    (void)state;
    if (__sanitizer_set_death_callback != NULL) {
        __sanitizer_set_death_callback(say_where);
    }
    init_tables();
    memset(tally, 0, sizeof(tally));
    if (only != NULL) {
        run_seed(strtoull(only, NULL, 0), NSTEPS);
        return;
    }
    for (int i = 0; i < NSEEDS; i++) {
        run_seed(mix(&root), NSTEPS);
    }
    check_tally();
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(random_walks_match_reference_model),
    };

    (void)argc;
    prog = argv[0];
    return cmocka_run_group_tests(tests, NULL, NULL);
}
