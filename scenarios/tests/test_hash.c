/* test_hash.c: the trace hash of scenario runs: of the typed events, not
 * their text (the same with text rendered or not), changed by a change of
 * any part of any event, and different for scenarios that the old
 * word-wise FNV hash confused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include "scn.h"

#define TEXT_MAX (64u << 10)    /* bytes of trace a test keeps */

typedef struct Text {
    char buf[TEXT_MAX];
    size_t len;
} Text;

static void keep_line(void *ctx, const SimTraceEvent *e)
{
    Text *t = ctx;
    char line[SIM_TRACE_LINE_MAX];
    size_t n = sim_trace_render(e, line);

    assert_true(t->len + n + 1 <= sizeof(t->buf));
    memcpy(t->buf + t->len, line, n);
    t->buf[t->len + n] = '\n';
    t->len += n + 1;
}

/* Runs the scenario text under opt (it must pass); returns its hash. */
static uint64_t run_opt(const char *text, size_t len, const char *file, const ScnOptions *opt)
{
    ScnResult res;
    ScnErrors err;
    ScnScript *s = scn_parse(text, len, file, &err);

    if (s == NULL) {
        fail_msg("%s:%u:%u: %s", file, err.e[0].line, err.e[0].col, err.e[0].message);
    }
    assert_int_equal(scn_run(s, opt, &res), SCN_PASS);
    scn_free(s);
    return res.hash;
}

/* Runs the scenario text (it must pass); its trace goes to out. */
static uint64_t run_text(const char *text, size_t len, const char *file, Text *out)
{
    out->len = 0;
    return run_opt(text, len, file, &(ScnOptions){ .sink = keep_line, .sink_ctx = out });
}

/* The suite scenario's text into buf; returns its length, its path in path. */
static size_t load(const char *name, char *buf, size_t size, char path[512])
{
    FILE *f;
    size_t len;

    snprintf(path, 512, "%s/%s", SUITES_DIR, name);
    f = fopen(path, "rb");
    assert_non_null(f);
    len = fread(buf, 1, size, f);
    assert_true(len < size);
    fclose(f);
    return len;
}

/* Runs the suite scenario under opt. */
static uint64_t run_file(const char *name, const ScnOptions *opt)
{
    static char text[1 << 16];
    char path[512];
    size_t len = load(name, text, sizeof(text), path);

    return run_opt(text, len, path, opt);
}

/* Suite scenarios of every component: walks, faults, a crash, packets and
 * the comparator, a workload with checkpoints, a checker's violation. */
static const char *const suite[] = {
    "registry/nested_walk_in_another_registry.scn",
    "liveness/converges_after_traffic.scn",     /* the liveness phase's events */
#ifdef FIU_ENABLE                       /* these inject faults */
    "errors/get_error_after_primary_forward_fault.scn",
    "failover/secondary_crash_mid_commit.scn",
    "network/mismatch_requests_a_checkpoint.scn",
    "faults/cluster_workload_periodic_checkpoints.scn",
    "errors/backup_fault_then_failover_breaks_the_rollback.scn",
    "network/duplicate_on_p2s_is_ignored.scn",  /* a link's fault flags (bool) */
#endif
};
#define NSUITE (sizeof(suite) / sizeof(suite[0]))

/* Under FNV both gave 0x6c8dc3573041d17f: a difference in a word's top
 * byte stayed in the hash's top bits and was multiplied away. */
static void one_line_scenarios_fnv_confused_hash_differently(void **state)
{
    static const char a[] = "state name=abcdebghijklm2op ops=none\n";
    static const char b[] = "state name=abcdecghijklmAop ops=none\n";
    static Text ta, tb;

    (void)state;
    assert_int_not_equal(run_text(a, strlen(a), "a.scn", &ta),
                         run_text(b, strlen(b), "b.scn", &tb));
}

/* The `on` line's trace wrote do=0 for every action list (issue 10, item
 * 6): rules differing only in their actions traced and hashed the same. */
static void rules_that_differ_only_in_do_hash_differently(void **state)
{
    static const char *const scn[] = {
        "state name=a\non state=a walk=stop do=ok\n",
        "state name=a\non state=a walk=stop do=fail_silent\n",
        "state name=a\non state=a walk=stop do=fail_silent+remove target=a\n",
        "state name=a\non state=a walk=stop do=remove+fail_silent target=a\n",
    };
    static Text t[4];
    uint64_t h[4];

    (void)state;
    for (int i = 0; i < 4; i++) {
        h[i] = run_text(scn[i], strlen(scn[i]), "do.scn", &t[i]);
    }
    assert_non_null(strstr(t[0].buf, " on line=2 state=a walk=stop do=ok\n"));
    assert_non_null(strstr(t[3].buf, " do=remove+fail_silent target=a\n"));
    assert_int_not_equal(h[0], h[1]);
    assert_int_not_equal(h[2], h[3]);
}

/* ---- the hash covers every field -------------------------------------------------- */

#define EVENTS_MAX 1024
#define ARENA_MAX (256u << 10)

/* One event of a run, its strings copied (the sink's are borrowed). */
typedef struct Copy {
    SimTraceEvent e;
    SimTraceField f[SIM_TRACE_FIELDS_MAX];
} Copy;

typedef struct Events {
    Copy ev[EVENTS_MAX];
    size_t n;
    char arena[ARENA_MAX];
    size_t used;
    unsigned comps, types;      /* bit sets of what was seen */
} Events;

static const char *dup(Events *x, const char *s)
{
    size_t n = s != NULL ? strlen(s) + 1 : 0;
    char *d = x->arena + x->used;

    if (s == NULL) {
        return NULL;
    }
    assert_true(x->used + n <= sizeof(x->arena));
    memcpy(d, s, n);
    x->used += n;
    return d;
}

static void keep_event(void *ctx, const SimTraceEvent *e)
{
    Events *x = ctx;
    Copy *c = &x->ev[x->n++];

    assert_true(x->n <= EVENTS_MAX);
    c->e = *e;
    c->e.node = dup(x, e->node);
    c->e.object = dup(x, e->object);
    c->e.name = dup(x, e->name);
    c->e.field = c->f;
    for (unsigned i = 0; i < e->nfields; i++) {
        c->f[i] = e->field[i];
        c->f[i].key = dup(x, e->field[i].key);
        c->f[i].v.s = dup(x, e->field[i].v.s);
        x->types |= 1u << e->field[i].type;
    }
    x->comps |= 1u << e->comp;
}

/* The hash of the events as a trace has them, event i replaced by *with. */
static uint64_t hash_of(const Events *x, size_t i, const Copy *with)
{
    SimTrace t;
    uint64_t h;

    assert_int_equal(sim_trace_init(&t), 0);
    for (size_t k = 0; k < x->n; k++) {
        sim_trace_emit(&t, k == i ? &with->e : &x->ev[k].e);
    }
    h = sim_trace_hash(&t);
    sim_trace_fini(&t);
    return h;
}

/* Another string: NULL becomes "", "" becomes "x", any other string has
 * its first byte changed. */
static const char *other(const char *s, char *buf, size_t len)
{
    if (s == NULL) {
        return "";
    }
    assert_true(strlen(s) < len);
    snprintf(buf, len, "%s", *s != '\0' ? s : "x");
    buf[0] = *s != '\0' ? (char)(buf[0] ^ 1) : buf[0];
    return buf;
}

enum { MUT_EVENT = 7, MUT_FIELD = 8 };      /* changes of an event, of a field */

/* Change part m of field f: its type, each flag, its key, its value.  Of
 * a hidden field (not in the line, so not in the hash) only showing it. */
static bool change_field(SimTraceField *f, unsigned m, char *buf, size_t len)
{
    bool str = f->type == SIM_TV_STR || f->type == SIM_TV_TEXT;

    if (f->flags & SIM_TF_HIDDEN && m != 4) {      /* case 4 toggles SIM_TF_HIDDEN */
        return false;
    }
    switch (m) {
    case 0: f->type = (SimTraceType)((f->type + 1) % (SIM_TV_TEXT + 1)); return true;
    case 1: case 2: case 3: case 4: f->flags ^= 1u << (m - 1); return true;
    case 5: f->key = other(f->key, buf, len); return true;
    case 6:
        if (str) {
            f->v.s = other(f->v.s, buf, len);
        } else if (f->type == SIM_TV_I64) {
            f->v.i ^= 1;
        } else {
            f->v.u ^= 1;
        }
        return true;
    default:                        /* a word's name */
        f->v.s = f->type == SIM_TV_WORD ? other(f->v.s, buf, len) : f->v.s;
        return f->type == SIM_TV_WORD;
    }
}

/* Change part m of c: the event's tick, node, component, object, kind,
 * name, its last field left out (unless hidden), then each part of each field.  Returns
 * 1 when changed, 0 when m names nothing c has (a field's part it lacks),
 * -1 past c's last part. */
static int change(Copy *c, unsigned m, char *buf, size_t len)
{
    SimTraceEvent *e = &c->e;

    switch (m) {
    case 0: e->tick ^= 1; return 1;
    case 1: e->node = other(e->node, buf, len); return 1;
    case 2: e->comp = (SimTraceComp)((e->comp + 1) % SIM_COMP__MAX); return 1;
    case 3: e->object = other(e->object, buf, len); return 1;
    case 4: e->kind ^= 1; return 1;
    case 5: e->name = other(e->name, buf, len); return 1;
    case 6:
        if (e->nfields == 0 || e->field[e->nfields - 1].flags & SIM_TF_HIDDEN) {
            return 0;
        }
        e->nfields--;
        return 1;
    default:
        if ((m - MUT_EVENT) / MUT_FIELD >= e->nfields) {
            return -1;
        }
        return change_field(&c->f[(m - MUT_EVENT) / MUT_FIELD], (m - MUT_EVENT) % MUT_FIELD,
                            buf, len);
    }
}

/* Every part of every event of the scenario's run (but a hidden field's),
 * changed alone, changes the hash of its events; unchanged, they hash to the run's hash (so the
 * sink saw every event the hash did). */
static void check_every_field(const char *name, Events *x)
{
    static char buf[4096];
    uint64_t hash;
    size_t changes = 0;

    x->n = x->used = 0;
    hash = run_file(name, &(ScnOptions){ .sink = keep_event, .sink_ctx = x });
    assert_true(x->n > 0);
    assert_int_equal(hash_of(x, SIZE_MAX, NULL), hash);
    for (size_t i = 0; i < x->n; i++) {
        for (unsigned m = 0;; m++) {
            Copy c = x->ev[i];
            int r;

            c.e.field = c.f;
            r = change(&c, m, buf, sizeof(buf));
            if (r < 0) {
                break;
            }
            if (r > 0 && hash_of(x, i, &c) == hash) {
                fail_msg("%s: event %zu, change %u left the hash", name, i, m);
            }
            changes += (size_t)r;
        }
    }
    assert_true(changes > 10 * x->n);
}

static void changing_any_field_of_a_suite_trace_changes_its_hash(void **state)
{
    static Events x;

    (void)state;
    x.comps = x.types = 0;
    for (size_t i = 0; i < NSUITE; i++) {
        check_every_field(suite[i], &x);
    }
    /* Every field type, every component that traces (SIM_COMP_NONE is
     * for tests), once the fault scenarios run too. */
#ifdef FIU_ENABLE
    assert_int_equal(x.types, (1u << (SIM_TV_TEXT + 1)) - 1);
    assert_int_equal(x.comps, ((1u << SIM_COMP__MAX) - 1) & ~(1u << SIM_COMP_NONE));
#endif
}

/* Text is rendered only for readers: a run hashes the same with a trace
 * file and a sink that renders every line as with neither, and the file
 * holds exactly the lines the sink rendered. */
static void the_hash_is_the_same_whether_text_is_rendered_or_not(void **state)
{
    static Text t, file;

    (void)state;
    for (size_t i = 0; i < NSUITE; i++) {
        FILE *f = fmemopen(file.buf, sizeof(file.buf), "w");
        uint64_t bare = run_file(suite[i], &(ScnOptions){ 0 });
        uint64_t rendered;

        assert_non_null(f);
        t.len = 0;
        rendered = run_file(suite[i], &(ScnOptions){ .trace = f, .sink = keep_line, .sink_ctx = &t });
        file.len = (size_t)ftell(f);
        fclose(f);
        assert_int_equal(bare, rendered);
        assert_true(t.len > 0);
        assert_int_equal(file.len, t.len);
        assert_memory_equal(file.buf, t.buf, t.len);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(one_line_scenarios_fnv_confused_hash_differently),
        cmocka_unit_test(rules_that_differ_only_in_do_hash_differently),
        cmocka_unit_test(changing_any_field_of_a_suite_trace_changes_its_hash),
        cmocka_unit_test(the_hash_is_the_same_whether_text_is_rendered_or_not),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
