/* explore.c: the exhaustive registry explorer (explore.h): the numbering
 * of the space (groups of scripts sharing states, registries and walks;
 * within a group, the states' actions as the digits of a mixed-radix
 * number), the script an index names as operations (built with ast.c),
 * their text (ast.c's printer), and their run in one session.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_registry.h"
#include "explore.h"
#include "scn_ast.h"

#define MAX_GROUPS 100000
#define NWALKS 4                /* start, stop, checkpoint, get_error */
#define MAX_OPS (3 + SCN_EXPLORE_MAX_STATES * (1 + NWALKS) + SCN_EXPLORE_MAX_WALKS)

/* A state's actions: these, then `remove target=` each other state. */
enum { A_OK, A_FAIL, A_FAIL_SILENT, A_REMOVE, A_REMOVE_FAIL, A_REGISTER, A_NESTED,
       A_FIXED = A_NESTED + NWALKS };

static const char *const state_names[SCN_EXPLORE_MAX_STATES] = { "a", "b", "c", "d", "e", "f" };
static const char *const fail_msgs[SCN_EXPLORE_MAX_STATES] = {
    "a failed", "b failed", "c failed", "d failed", "e failed", "f failed" };

/* Scripts with the same states, registries and walks. */
typedef struct Group {
    uint8_t n, k;               /* states; of them in the first registry */
    uint8_t w;                  /* top-level walks */
    uint8_t walk[SCN_EXPLORE_MAX_WALKS];        /* kind * 2 + registry */
    uint64_t first, size;
} Group;

/* One script, decoded. */
typedef struct Case {
    const Group *g;
    uint8_t act[SCN_EXPLORE_MAX_STATES];
} Case;

struct ScnExplore {
    ScnExploreScope scope;
    Group *groups;
    size_t ngroups;
    uint64_t total;
    ScnSession *ss;
    ScnScript script;
    ScnOp ops[MAX_OPS];
    char new_names[SCN_EXPLORE_MAX_STATES][NWALKS][16];     /* "a_stop": what
                                   a's stop rule registers (a name per rule) */
};

static unsigned actions(unsigned n)
{
    return A_FIXED + n - 1;
}

static bool walked(const Group *g, unsigned reg)
{
    for (unsigned i = 0; i < g->w; i++) {
        if (g->walk[i] % 2 == reg) {
            return true;
        }
    }
    return false;
}

static unsigned reg_of(const Group *g, unsigned state)
{
    return state < g->k ? 0 : 1;
}

/* The radix of state s's digit: its actions, or 1 when never called. */
static unsigned radix(const Group *g, unsigned s)
{
    return walked(g, reg_of(g, s)) ? actions(g->n) : 1;
}

static uint64_t group_size(const Group *g)
{
    uint64_t size = 1;

    for (unsigned s = 0; s < g->n; s++) {
        if (size > UINT64_MAX / 64) {
            return 0;           /* too big: refused */
        }
        size *= radix(g, s);
    }
    return size;
}

/* Append every walk sequence of g's length (g->walk[0..pos) set). */
static bool add_walks(ScnExplore *x, Group *g, unsigned pos, unsigned nregs)
{
    if (pos == g->w) {
        Group *out;

        if (x->ngroups == MAX_GROUPS || (g->size = group_size(g)) == 0 ||
            x->total > UINT64_MAX - g->size) {
            return false;
        }
        out = &x->groups[x->ngroups++];
        *out = *g;
        out->first = x->total;
        x->total += g->size;
        return true;
    }
    if (pos >= SCN_EXPLORE_MAX_WALKS) {     /* g->w is in its bounds: the scope's check */
        return false;
    }
    for (unsigned kind = 0; kind < NWALKS; kind++) {
        for (unsigned r = 0; r < nregs; r++) {
            g->walk[pos] = (uint8_t)(kind * 2 + r);
            if (!add_walks(x, g, pos + 1, nregs)) {
                return false;
            }
        }
    }
    return true;
}

/* Smallest first: fewer states, then one registry before two, then fewer
 * walks. */
static bool number_space(ScnExplore *x)
{
    for (unsigned n = 1; n <= x->scope.states; n++) {
        for (unsigned k = n; 2 * k >= n; k--) {
            for (unsigned w = 1; w <= x->scope.walks; w++) {
                Group g = { .n = (uint8_t)n, .k = (uint8_t)k, .w = (uint8_t)w };

                if (!add_walks(x, &g, 0, k == n ? 1 : 2)) {
                    return false;
                }
            }
        }
    }
    return true;
}

ScnExplore *scn_explore_new(const ScnExploreScope *scope)
{
    ScnExplore *x;

    if (scope->states < 1 || scope->states > SCN_EXPLORE_MAX_STATES || scope->walks < 1 ||
        scope->walks > SCN_EXPLORE_MAX_WALKS || scope->depth < 1 ||
        scope->depth > SCN_EXPLORE_MAX_DEPTH || (x = calloc(1, sizeof(*x))) == NULL) {
        return NULL;
    }
    x->scope = *scope;
    x->groups = calloc(MAX_GROUPS, sizeof(*x->groups));
    x->ss = scn_session_new();
    if (x->groups == NULL || x->ss == NULL || !number_space(x)) {
        scn_explore_free(x);
        return NULL;
    }
    x->script = (ScnScript){ .file = "explore", .ops = x->ops, .cap = MAX_OPS, .seed = 1 };
    for (unsigned s = 0; s < SCN_EXPLORE_MAX_STATES; s++) {
        for (unsigned k = 0; k < NWALKS; k++) {
            snprintf(x->new_names[s][k], sizeof(x->new_names[s][k]), "%s_%s", state_names[s],
                     sim_walk_name((SimWalk)k));
        }
    }
    return x;
}

void scn_explore_free(ScnExplore *x)
{
    if (x != NULL) {
        scn_session_free(x->ss);
        free(x->groups);
        free(x);
    }
}

uint64_t scn_explore_count(const ScnExplore *x)
{
    return x->total;
}

/* ---- an index as operations --------------------------------------------------- */

static Case decode(const ScnExplore *x, uint64_t index)
{
    size_t lo = 0, hi = x->ngroups;
    Case c = { 0 };
    uint64_t rest;

    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;

        if (x->groups[mid].first <= index) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    c.g = &x->groups[lo];
    rest = index - c.g->first;
    for (unsigned s = c.g->n; s-- > 0;) {  /* the last state's digit varies fastest */
        c.act[s] = (uint8_t)(rest % radix(c.g, s));
        rest /= radix(c.g, s);
    }
    return c;
}

static ScnOp *op_new(ScnScript *s, ScnOpKind kind)
{
    return scn_op_add(s, kind, (unsigned)s->nops + 1);
}

static void arg_do(ScnOp *op, uint8_t a, uint8_t b)
{
    uint8_t acts[2] = { a, b };

    scn_arg_do(op, acts, b != ACT_OK ? 2 : 1);
}

/* The walk kinds (bits) registry reg sees: its walks', its nested actions'. */
static unsigned kinds_seen(const Case *c, unsigned reg)
{
    unsigned bits = 0;

    for (unsigned i = 0; i < c->g->w; i++) {
        bits |= c->g->walk[i] % 2 == reg ? 1u << (c->g->walk[i] / 2) : 0;
    }
    for (unsigned s = 0; s < c->g->n; s++) {
        if (reg_of(c->g, s) == reg && c->act[s] >= A_NESTED && c->act[s] < A_FIXED) {
            bits |= 1u << (c->act[s] - A_NESTED);
        }
    }
    return bits;
}

/* The rule of state s for walk kind `kind`, action c->act[s]. */
static void rule(const ScnExplore *x, ScnScript *sc, const Case *c, unsigned s, unsigned kind)
{
    ScnOp *op = op_new(sc, OP_ON);
    unsigned a = c->act[s];

    scn_arg_text(op, K_STATE, state_names[s]);
    scn_arg_int(op, K_WALK, kind);
    if (a >= A_FIXED) {         /* the others in order, s skipped */
        unsigned t = a - A_FIXED;

        arg_do(op, ACT_REMOVE, ACT_OK);
        scn_arg_text(op, K_TARGET, state_names[t >= s ? t + 1 : t]);
        return;
    }
    switch (a) {
    case A_FAIL: arg_do(op, ACT_FAIL, ACT_OK); scn_arg_text(op, K_MSG, fail_msgs[s]); break;
    case A_FAIL_SILENT: arg_do(op, ACT_FAIL_SILENT, ACT_OK); break;
    case A_REMOVE: arg_do(op, ACT_REMOVE, ACT_OK); break;
    case A_REMOVE_FAIL:
        arg_do(op, ACT_REMOVE, ACT_FAIL);
        scn_arg_text(op, K_MSG, fail_msgs[s]);
        break;
    case A_REGISTER: arg_do(op, ACT_REGISTER, ACT_OK); scn_arg_text(op, K_TARGET, x->new_names[s][kind]); break;
    default:
        arg_do(op, ACT_NESTED, ACT_OK);
        scn_arg_int(op, K_NESTED, a - A_NESTED);
        break;
    }
}

static bool any_nested(const Case *c)
{
    for (unsigned s = 0; s < c->g->n; s++) {
        if (c->act[s] >= A_NESTED && c->act[s] < A_FIXED) {
            return true;
        }
    }
    return false;
}

static void build(const ScnExplore *x, const Case *c, ScnScript *sc)
{
    bool two = c->g->k < c->g->n;

    sc->nops = 0;
    if (any_nested(c)) {
        scn_arg_int(op_new(sc, OP_LIMIT), K_DEPTH, x->scope.depth);
    }
    if (two) {
        scn_arg_text(op_new(sc, OP_REGISTRY), K_NAME, "r1");
        scn_arg_text(op_new(sc, OP_REGISTRY), K_NAME, "r2");
    }
    for (unsigned s = 0; s < c->g->n; s++) {
        ScnOp *op = op_new(sc, OP_STATE);

        scn_arg_text(op, K_NAME, state_names[s]);
        if (reg_of(c->g, s) == 1) {
            scn_arg_text(op, K_REG, "r2");
        }
    }
    for (unsigned s = 0; s < c->g->n; s++) {
        unsigned seen = kinds_seen(c, reg_of(c->g, s));

        for (unsigned kind = 0; c->act[s] != A_OK && kind < NWALKS; kind++) {
            if (seen & (1u << kind)) {
                rule(x, sc, c, s, kind);
            }
        }
    }
    for (unsigned i = 0; i < c->g->w; i++) {
        ScnOp *op = op_new(sc, OP_WALK);

        scn_arg_int(op, K_KIND, c->g->walk[i] / 2);
        if (c->g->walk[i] % 2 == 1) {
            scn_arg_text(op, K_REG, "r2");
        }
        scn_arg_int(op, K_MAY_FAIL, 1);
    }
}

/* ---- text and runs ---------------------------------------------------------------- */

size_t scn_explore_text(const ScnExplore *x, uint64_t index, char *buf, size_t cap)
{
    ScnOp ops[MAX_OPS];
    ScnScript sc = { .ops = ops, .cap = MAX_OPS };
    Case c = decode(x, index);
    bool cut;
    size_t len;

    build(x, &c, &sc);
    len = scn_print(&sc, "", buf, cap, &cut);
    if (cut && cap > 0) {
        buf[0] = '\0';
        return 0;
    }
    return len;
}

unsigned scn_explore_lines(const ScnExplore *x, uint64_t index)
{
    ScnOp ops[MAX_OPS];
    ScnScript sc = { .ops = ops, .cap = MAX_OPS };
    Case c = decode(x, index);

    build(x, &c, &sc);
    return (unsigned)sc.nops;
}

ScnStatus scn_explore_run(ScnExplore *x, uint64_t index, ScnResult *res)
{
    Case c = decode(x, index);

    build(x, &c, &x->script);
    return scn_session_run(x->ss, &x->script, NULL, res);
}

ScnSession *scn_explore_session(ScnExplore *x)
{
    return x->ss;
}
