/* test_fault.c: the fault layer (fault.h) through real libfiu points: the
 * modes hit by hit, counters, arming patterns, registration, the spec parser,
 * seeded PROB decisions, tracing, and that teardown leaves libfiu clean.
 * Built with -DFIU_ENABLE=1; hits are SIM_FAULT() calls made here.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fault.h"
#include "prng.h"
#include "replication.h"
#include "trace.h"

/* Where a test's sim_trace_recent renders the line it reads. */
static char recent_line[SIM_TRACE_LINE_MAX];

#define W "disk/sec0/write"     /* the point most tests hit */
#define ERR_LEN 256

/* Registered by setup, in this order. */
static const char *const std_points[] = {
    "registry/alloc", "disk/sec0/read", "disk/sec0/write", "disk/sec0/backup",
    "disk/sec0/commit", "disk/sec01/read", "net/l0/drop", "net/l0/delay",
    "net/l1/drop", "node/n1/crash",
};
#define N_STD (sizeof(std_points) / sizeof(std_points[0]))

typedef struct Fixture {
    SimFaults *f;
    SimTrace trace;
    uint64_t now;
    char err[ERR_LEN];
} Fixture;

static int setup(void **state)
{
    Fixture *x = calloc(1, sizeof(*x));

    assert_non_null(x);
    assert_int_equal(sim_trace_init(&x->trace), 0);
    x->f = sim_faults_new(1, &x->trace, &x->now);
    assert_non_null(x->f);
    for (size_t i = 0; i < N_STD; i++) {
        assert_int_equal(sim_faults_register(x->f, std_points[i]), 0);
    }
    *state = x;
    return 0;
}

/* For tests that make their own layers: x->f starts NULL. */
static int setup_bare(void **state)
{
    Fixture *x = calloc(1, sizeof(*x));

    assert_non_null(x);
    assert_int_equal(sim_trace_init(&x->trace), 0);
    *state = x;
    return 0;
}

/* Frees the layer even after a failed assertion, so one failing test does
 * not fail the next ones; nothing may stay armed in libfiu after it. */
static int teardown(void **state)
{
    Fixture *x = *state;

    sim_faults_free(x->f);
    for (size_t i = 0; i < N_STD; i++) {
        assert_false(SIM_FAULT(std_points[i]));
    }
    sim_trace_fini(&x->trace);
    free(x);
    return 0;
}

/* A fresh layer in x->f (at most one exists at a time). */
static SimFaults *layer(Fixture *x, uint64_t seed, SimTrace *trace,
                        const uint64_t *now)
{
    assert_null(x->f);
    x->f = sim_faults_new(seed, trace, now);
    assert_non_null(x->f);
    return x->f;
}

static void unlayer(Fixture *x)
{
    sim_faults_free(x->f);
    x->f = NULL;
}

/* Hit `name` n times: 'x' for a fire, '.' otherwise. */
static const char *hits(const char *name, size_t n)
{
    static char out[2048];

    assert_true(n < sizeof(out));
    for (size_t i = 0; i < n; i++) {
        out[i] = SIM_FAULT(name) ? 'x' : '.';
    }
    out[n] = '\0';
    return out;
}

static uint64_t count_x(const char *s)
{
    uint64_t n = 0;

    for (; *s != '\0'; s++) {
        n += *s == 'x';
    }
    return n;
}

/* Specs as the tests write them. */
static SimFaultSpec spec(SimFaultMode mode)
{
    return (SimFaultSpec){ .mode = mode };
}

static SimFaultSpec spec_k(SimFaultMode mode, uint64_t k)
{
    return (SimFaultSpec){ .mode = mode, .k = k };
}

static SimFaultSpec prob(uint32_t per_million)
{
    return (SimFaultSpec){ .mode = SIM_FAULT_PROB, .per_million = per_million };
}

static SimFaultSpec persistent(SimFaultSpec s)
{
    s.persistent = true;
    return s;
}

static int arm(SimFaults *f, const char *pattern, SimFaultSpec s)
{
    char err[ERR_LEN] = "";

    return sim_faults_arm(f, pattern, &s, err, sizeof(err));
}

/* The registered points that are armed, space-separated, in order. */
static const char *armed_names(const SimFaults *f)
{
    static char out[1024];

    out[0] = '\0';
    for (size_t i = 0; i < sim_faults_count(f); i++) {
        const SimFaultPoint *p = sim_faults_at(f, i);

        if (p->spec.mode != SIM_FAULT_OFF) {
            if (out[0] != '\0') {
                strcat(out, " ");
            }
            strcat(out, p->name);
        }
    }
    return out;
}

/* Arm W with s on a fresh point, hit it strlen(expected) times, and
 * check the fires hit by hit and the counters. */
static void expect_pattern(void **state, SimFaultSpec s, const char *expected)
{
    Fixture *x = *state;
    const SimFaultPoint *p = sim_faults_find(x->f, W);
    size_t n = strlen(expected);

    assert_int_equal(arm(x->f, W, s), 1);
    assert_string_equal(hits(W, n), expected);
    assert_int_equal(p->hits, n);
    assert_int_equal(p->armed_hits, n);
    assert_int_equal(p->fires, count_x(expected));
    assert_int_equal(p->fired_since_armed, count_x(expected) > 0);
}

/* ---- modes, hit by hit ---- */

static void always_fires_every_hit_transient(void **state)
{
    expect_pattern(state, spec(SIM_FAULT_ALWAYS), "xxxxxxxxxx");
}

static void always_fires_every_hit_persistent(void **state)
{
    expect_pattern(state, persistent(spec(SIM_FAULT_ALWAYS)), "xxxxxxxxxx");
}

static void once_fires_only_the_first_hit_transient(void **state)
{
    expect_pattern(state, spec(SIM_FAULT_ONCE), "x.........");
}

static void once_persistent_fires_every_hit_from_the_first(void **state)
{
    expect_pattern(state, persistent(spec(SIM_FAULT_ONCE)), "xxxxxxxxxx");
}

static void nth_fires_only_the_nth_hit_transient(void **state)
{
    expect_pattern(state, spec_k(SIM_FAULT_NTH, 3), "..x.......");
}

static void nth_persistent_fires_every_hit_from_the_nth(void **state)
{
    expect_pattern(state, persistent(spec_k(SIM_FAULT_NTH, 3)), "..xxxxxxxx");
}

static void nth_past_the_last_hit_never_fires(void **state)
{
    expect_pattern(state, persistent(spec_k(SIM_FAULT_NTH, 11)), "..........");
}

static void after_fires_every_hit_after_the_first_k_transient(void **state)
{
    expect_pattern(state, spec_k(SIM_FAULT_AFTER, 3), "...xxxxxxx");
}

static void after_persistent_fires_the_same_hits(void **state)
{
    expect_pattern(state, persistent(spec_k(SIM_FAULT_AFTER, 3)), "...xxxxxxx");
}

static void after_zero_fires_every_hit(void **state)
{
    expect_pattern(state, spec_k(SIM_FAULT_AFTER, 0), "xxxxxxxxxx");
}

static void every_fires_each_kth_hit_transient(void **state)
{
    expect_pattern(state, spec_k(SIM_FAULT_EVERY, 3), "..x..x..x.");
}

static void every_persistent_fires_every_hit_from_the_first_kth(void **state)
{
    expect_pattern(state, persistent(spec_k(SIM_FAULT_EVERY, 3)), "..xxxxxxxx");
}

static void every_one_fires_every_hit(void **state)
{
    expect_pattern(state, spec_k(SIM_FAULT_EVERY, 1), "xxxxxxxxxx");
}

/* What PROB at per_million must do on the point `name` of seed 1: draw from
 * the stream "fault/<name>" once per hit (until a persistent fire). */
static const char *expected_prob(const char *name, uint32_t per_million,
                                 bool persistent, size_t n)
{
    static char out[2048];
    char stream[128];
    SimPrng prng;
    bool fired = false;

    snprintf(stream, sizeof(stream), "fault/%s", name);
    sim_prng_init(&prng, 1, stream);
    for (size_t i = 0; i < n; i++) {
        if (!(persistent && fired)) {
            fired = sim_prng_chance(&prng, per_million);
        }
        out[i] = fired ? 'x' : '.';
        fired = fired && persistent;
    }
    out[n] = '\0';
    return out;
}

static void prob_draws_each_hit_from_the_points_own_stream_transient(void **state)
{
    const char *want = expected_prob(W, 250000, false, 200);

    assert_in_range(count_x(want), 1, 199);
    expect_pattern(state, prob(250000), want);
}

static void prob_persistent_fires_every_hit_from_the_first_drawn_fire(void **state)
{
    const char *want = expected_prob(W, 100000, true, 200);

    /* Seed 1 draws its first fire here at hit 4. */
    assert_int_equal(strchr(want, 'x') - want, 3);
    assert_null(strchr(strchr(want, 'x'), '.'));
    expect_pattern(state, persistent(prob(100000)), want);
}

static void prob_zero_never_fires(void **state)
{
    expect_pattern(state, prob(0), "..........");
}

static void prob_one_fires_every_hit(void **state)
{
    expect_pattern(state, prob(1000000), "xxxxxxxxxx");
}

/* ---- counters, re-arming, clearing ---- */

static void hits_are_counted_while_unarmed(void **state)
{
    Fixture *x = *state;
    const SimFaultPoint *p = sim_faults_find(x->f, W);

    assert_string_equal(hits(W, 5), ".....");
    assert_int_equal(p->hits, 5);
    assert_int_equal(p->fires, 0);
    assert_int_equal(p->armed_hits, 0);
    assert_int_equal(arm(x->f, W, spec_k(SIM_FAULT_NTH, 2)), 1);
    assert_string_equal(hits(W, 3), ".x.");
    assert_int_equal(p->hits, 8);
    assert_int_equal(p->armed_hits, 3);
    assert_int_equal(p->fires, 1);
}

static void rearm_restarts_the_hit_count(void **state)
{
    Fixture *x = *state;
    const SimFaultPoint *p = sim_faults_find(x->f, W);

    assert_int_equal(arm(x->f, W, spec(SIM_FAULT_ONCE)), 1);
    assert_string_equal(hits(W, 3), "x..");
    assert_int_equal(arm(x->f, W, spec(SIM_FAULT_ONCE)), 1);
    assert_int_equal(p->armed_hits, 0);
    assert_string_equal(hits(W, 2), "x.");
    assert_int_equal(p->hits, 5);
    assert_int_equal(p->armed_hits, 2);
    assert_int_equal(p->fires, 2);
}

static void rearm_resets_the_persistent_state(void **state)
{
    Fixture *x = *state;
    const SimFaultPoint *p = sim_faults_find(x->f, W);

    assert_int_equal(arm(x->f, W, persistent(spec_k(SIM_FAULT_NTH, 2))), 1);
    assert_string_equal(hits(W, 4), ".xxx");
    assert_int_equal(arm(x->f, W, persistent(spec_k(SIM_FAULT_NTH, 2))), 1);
    assert_false(p->fired_since_armed);
    assert_string_equal(hits(W, 4), ".xxx");
    assert_int_equal(p->fires, 6);
}

static void rearm_with_another_spec_replaces_it(void **state)
{
    Fixture *x = *state;

    assert_int_equal(arm(x->f, W, spec(SIM_FAULT_ALWAYS)), 1);
    assert_string_equal(hits(W, 2), "xx");
    assert_int_equal(arm(x->f, W, spec_k(SIM_FAULT_EVERY, 2)), 1);
    assert_string_equal(hits(W, 4), ".x.x");
    assert_int_equal(sim_faults_find(x->f, W)->spec.mode, SIM_FAULT_EVERY);
}

static void clear_stops_fires_but_keeps_counters(void **state)
{
    Fixture *x = *state;
    const SimFaultPoint *p = sim_faults_find(x->f, W);

    assert_int_equal(arm(x->f, W, persistent(spec(SIM_FAULT_ALWAYS))), 1);
    assert_string_equal(hits(W, 3), "xxx");
    assert_int_equal(sim_faults_clear(x->f, W), 1);
    assert_int_equal(p->spec.mode, SIM_FAULT_OFF);
    assert_int_equal(sim_faults_armed(x->f), 0);
    assert_string_equal(hits(W, 3), "...");
    assert_int_equal(p->hits, 6);
    assert_int_equal(p->fires, 3);
    assert_int_equal(p->armed_hits, 3);
}

static void clear_counts_only_points_that_were_armed(void **state)
{
    Fixture *x = *state;

    assert_int_equal(arm(x->f, "net/l0/drop", spec(SIM_FAULT_ALWAYS)), 1);
    assert_int_equal(sim_faults_clear(x->f, "net/*"), 1);
    assert_int_equal(sim_faults_clear(x->f, "net/*"), 0);
    assert_int_equal(sim_faults_clear(x->f, W), 0);
}

static void clear_of_an_unknown_point_is_enoent(void **state)
{
    Fixture *x = *state;

    assert_int_equal(sim_faults_clear(x->f, "disk/sec9/write"), -ENOENT);
    assert_int_equal(sim_faults_clear(x->f, "nope/*"), -ENOENT);
}

static void clear_takes_the_same_patterns_as_arm(void **state)
{
    Fixture *x = *state;

    assert_int_equal(arm(x->f, "*", spec(SIM_FAULT_ALWAYS)), (int)N_STD);
    assert_int_equal(sim_faults_clear(x->f, "disk/sec0/*"), 4);
    assert_string_equal(armed_names(x->f), "registry/alloc disk/sec01/read "
                        "net/l0/drop net/l0/delay net/l1/drop node/n1/crash");
    assert_int_equal(sim_faults_clear(x->f, "*"), 6);
    assert_int_equal(sim_faults_armed(x->f), 0);
}

static void armed_counts_the_armed_points(void **state)
{
    Fixture *x = *state;

    assert_int_equal(sim_faults_armed(x->f), 0);
    assert_int_equal(arm(x->f, "net/*", spec(SIM_FAULT_ONCE)), 3);
    assert_int_equal(arm(x->f, W, spec(SIM_FAULT_ONCE)), 1);
    assert_int_equal(sim_faults_armed(x->f), 4);
}

/* ---- arming patterns ---- */

static void subtree_pattern_arms_exactly_the_points_under_it(void **state)
{
    Fixture *x = *state;

    assert_int_equal(arm(x->f, "disk/sec0/*", spec(SIM_FAULT_ALWAYS)), 4);
    assert_string_equal(armed_names(x->f), "disk/sec0/read disk/sec0/write "
                        "disk/sec0/backup disk/sec0/commit");
    assert_false(SIM_FAULT("disk/sec01/read"));
    assert_true(SIM_FAULT("disk/sec0/read"));
}

static void kind_subtree_arms_every_point_of_that_kind_only(void **state)
{
    Fixture *x = *state;

    assert_int_equal(arm(x->f, "disk/*", spec(SIM_FAULT_ALWAYS)), 5);
    assert_string_equal(armed_names(x->f), "disk/sec0/read disk/sec0/write "
                        "disk/sec0/backup disk/sec0/commit disk/sec01/read");
    assert_int_equal(arm(x->f, "net/l1/*", spec(SIM_FAULT_ALWAYS)), 1);
    assert_false(SIM_FAULT("net/l0/drop"));
    assert_true(SIM_FAULT("net/l1/drop"));
}

static void star_arms_every_registered_point(void **state)
{
    Fixture *x = *state;

    assert_int_equal(arm(x->f, "*", spec(SIM_FAULT_ONCE)), (int)N_STD);
    assert_int_equal(sim_faults_armed(x->f), N_STD);
}

/* A subtree pattern names whole segments, not a string prefix: "disk/sec"
 * plus "/" "*" must not arm "disk/sec0/...", so neither would "disk" plus
 * "/" "*" arm a "diskx/..." (no template allows one to be registered). */
static void subtree_prefix_ends_at_a_segment_boundary(void **state)
{
    Fixture *x = *state;
    static const char *const none[] = {
        "disk/sec/*", "net/l/*", "dis*", "disk", "disk/", "disk/*/write",
        "disk/sec0/read/*", "*/write", "",
    };

    for (size_t i = 0; i < sizeof(none) / sizeof(none[0]); i++) {
        SimFaultSpec always = {.mode = SIM_FAULT_ALWAYS};
        char want[ERR_LEN];

        snprintf(want, sizeof(want), "unknown fault point '%s'", none[i]);
        assert_int_equal(sim_faults_arm(x->f, none[i], &always, x->err,
                                        sizeof(x->err)), -ENOENT);
        assert_string_equal(x->err, want);
    }
    assert_int_equal(sim_faults_armed(x->f), 0);
}

static void unknown_point_is_rejected_with_its_name(void **state)
{
    Fixture *x = *state;
    SimFaultSpec always = {.mode = SIM_FAULT_ALWAYS};

    assert_int_equal(sim_faults_arm(x->f, "disk/sec9/write", &always, x->err,
                                    sizeof(x->err)), -ENOENT);
    assert_string_equal(x->err, "unknown fault point 'disk/sec9/write'");
    assert_int_equal(sim_faults_arm(x->f, "bogus", &always, NULL, 0), -ENOENT);
    assert_int_equal(sim_faults_armed(x->f), 0);
}

static void bad_spec_is_rejected_and_leaves_the_point_as_it_was(void **state)
{
    Fixture *x = *state;
    const SimFaultPoint *p = sim_faults_find(x->f, W);
    static const struct {
        SimFaultSpec spec;
        const char *err;
    } cases[] = {
        {{.mode = SIM_FAULT_OFF}, "bad fault spec: mode 0 is not one of "
                                  "always, once, nth, after, every, prob"},
        {{.mode = (SimFaultMode)99}, "bad fault spec: mode 99 is not one of "
                                     "always, once, nth, after, every, prob"},
        {{.mode = SIM_FAULT_NTH, .k = 0}, "bad fault spec: nth needs k >= 1"},
        {{.mode = SIM_FAULT_EVERY, .k = 0}, "bad fault spec: every needs k >= 1"},
        {{.mode = SIM_FAULT_PROB, .per_million = 1000001},
         "bad fault spec: per_million 1000001 is above 1000000"},
    };

    assert_int_equal(arm(x->f, W, spec_k(SIM_FAULT_EVERY, 2)), 1);
    assert_string_equal(hits(W, 3), ".x.");
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_int_equal(sim_faults_arm(x->f, W, &cases[i].spec, x->err,
                                        sizeof(x->err)), -EINVAL);
        assert_string_equal(x->err, cases[i].err);
    }
    assert_int_equal(p->spec.mode, SIM_FAULT_EVERY);
    assert_int_equal(p->armed_hits, 3);
    assert_string_equal(hits(W, 1), "x");
}

/* ---- registration ---- */

static void template_list_is_the_documented_one_in_order(void **state)
{
    static const char *const want[] = {
        "registry/alloc", "disk/<disk>/read", "disk/<disk>/write",
        "disk/<disk>/backup", "disk/<disk>/commit", "net/<link>/drop",
        "net/<link>/delay", "net/<link>/duplicate", "net/<link>/reorder",
        "net/<link>/down", "node/<node>/crash",
    };
    size_t n = sizeof(want) / sizeof(want[0]);

    (void)state;
    for (size_t i = 0; i < n; i++) {
        assert_non_null(sim_fault_templates[i]);
        assert_string_equal(sim_fault_templates[i]->pattern, want[i]);
        assert_true(strlen(sim_fault_templates[i]->description) > 10);
    }
    assert_null(sim_fault_templates[n]);
}

static void a_name_is_its_template_with_the_instance_put_in(void **state)
{
    static const SimFaultTemplate plain = { "a/b", "x" }, one = { "a/<x>/c", "x" };
    char buf[8];

    (void)state;
    assert_int_equal(sim_fault_name(buf, sizeof(buf), &one, "q"), 0);
    assert_string_equal(buf, "a/q/c");
    assert_int_equal(sim_fault_name(buf, sizeof(buf), &plain, NULL), 0);
    assert_string_equal(buf, "a/b");
    assert_int_equal(sim_fault_name(buf, sizeof(buf), &one, "qqq"), 0);
    assert_int_equal(sim_fault_name(buf, sizeof(buf), &one, "qqqq"), -ENAMETOOLONG);
    assert_string_equal(buf, "");
    assert_int_equal(sim_fault_name(buf, sizeof(buf), &one, NULL), -EINVAL);
}

/* An instance is letters, digits, '_', '-' and '.', nothing else (the
 * check compares characters itself since issue 22; each one is pinned). */
static void an_instance_is_letters_digits_and_three_marks(void **state)
{
    static const char *const bad[] = { "a/b", "a b", "a*", "a<", "a>", "a,b", "a+b", "" };

    (void)state;
    assert_true(sim_fault_instance_ok("Az09_-.", 7));
    assert_true(sim_fault_instance_ok("_", 1));
    assert_true(sim_fault_instance_ok("-", 1));
    assert_true(sim_fault_instance_ok(".", 1));
    assert_true(sim_fault_instance_ok("ab/", 2));      /* only len bytes are read */
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_false(sim_fault_instance_ok(bad[i], strlen(bad[i])));
    }
}

static void register_accepts_a_name_fitting_each_template(void **state)
{
    static const char *const ok[] = {
        "disk/primary-0/write", "net/a_b/reorder", "net/x/duplicate",
        "net/x/down", "node/n-1.x/crash", "disk/sec7/commit",
    };
    Fixture *x = *state;

    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        assert_int_equal(sim_faults_register(x->f, ok[i]), 0);
    }
    assert_int_equal(sim_faults_count(x->f), N_STD + 6);
    assert_ptr_equal(sim_faults_find(x->f, "node/n-1.x/crash")->template_,
                     sim_fault_templates[10]);
    assert_ptr_equal(sim_faults_find(x->f, "registry/alloc")->template_,
                     sim_fault_templates[0]);
}

static void register_rejects_names_fitting_no_template(void **state)
{
    static const char *const bad[] = {
        "", "registry", "registry/", "registry/alloc/x", "registry/allocx",
        "disk/sec0", "disk//read", "disk/*/read", "disk/se*0/read",
        "disk/a/b/read", "disk/sec0/read/", "/disk/sec0/read",
        "disk/sec0/erase", "diskx/sec0/read", "Disk/sec0/read",
        "net/l0/*", "node//crash", "*", "node/n1/crash ",
        "disk/a b/read", "net/l\t0/drop", "node/n:1/crash", "disk/s\"0/read",
    };
    Fixture *x = *state;

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(sim_faults_register(x->f, bad[i]), -EINVAL);
    }
    assert_int_equal(sim_faults_register(x->f, NULL), -EINVAL);
    assert_int_equal(sim_faults_count(x->f), N_STD);
}

static void register_limits_the_name_length(void **state)
{
    Fixture *x = *state;
    char name[SIM_FAULT_NAME_MAX + 1];
    size_t seg = SIM_FAULT_NAME_MAX - 1 - strlen("disk//read");

    snprintf(name, sizeof(name), "disk/%0*d/read", (int)seg, 7);
    assert_int_equal(strlen(name), SIM_FAULT_NAME_MAX - 1);
    assert_int_equal(sim_faults_register(x->f, name), 0);
    snprintf(name, sizeof(name), "disk/%0*d/read", (int)seg + 1, 8);
    assert_int_equal(strlen(name), SIM_FAULT_NAME_MAX);
    assert_int_equal(sim_faults_register(x->f, name), -EINVAL);
    assert_int_equal(sim_faults_count(x->f), N_STD + 1);
}

/* A point keeps its owner as data: the instance its owner gave, or the
 * segment of a name registered by name; "" for a template without one. */
static void a_point_keeps_its_template_and_instance(void **state)
{
    Fixture *x = *state;
    const SimFaultPoint *p;

    assert_int_equal(sim_faults_add(x->f, sim_fault_templates[5], "l-7.x"), 0);
    p = sim_faults_find(x->f, "net/l-7.x/drop");
    assert_non_null(p);
    assert_ptr_equal(p->template_, sim_fault_templates[5]);
    assert_string_equal(p->instance, "l-7.x");
    assert_int_equal(sim_faults_register(x->f, "node/n-2.b/crash"), 0);
    assert_string_equal(sim_faults_find(x->f, "node/n-2.b/crash")->instance, "n-2.b");
    assert_string_equal(sim_faults_find(x->f, "registry/alloc")->instance, "");
    /* An instance missing, not wanted, or not one plain segment. */
    assert_int_equal(sim_faults_add(x->f, sim_fault_templates[10], NULL), -EINVAL);
    assert_int_equal(sim_faults_add(x->f, sim_fault_templates[0], "x"), -EINVAL);
    assert_int_equal(sim_faults_add(x->f, sim_fault_templates[10], "a/b"), -EINVAL);
    assert_int_equal(sim_faults_add(x->f, sim_fault_templates[10], ""), -EINVAL);
    assert_int_equal(sim_faults_count(x->f), N_STD + 2);
}

static void register_twice_is_eexist(void **state)
{
    Fixture *x = *state;

    assert_int_equal(sim_faults_register(x->f, W), -EEXIST);
    assert_int_equal(sim_faults_count(x->f), N_STD);
}

/* A reset forgets every point: a spare one's hits neither fire nor count,
 * and registered again it starts anew (counters, arming, its PROB stream
 * from the new seed), as a point of a fresh layer would. */
static void reset_forgets_the_points_and_reuses_them(void **state)
{
    Fixture *x = *state;
    const SimFaultPoint *p;
    char fresh[64];

    assert_int_equal(arm(x->f, W, spec(SIM_FAULT_ALWAYS)), 1);
    assert_string_equal(hits(W, 2), "xx");
    sim_faults_reset(x->f, 7);
    assert_int_equal(sim_faults_count(x->f), 0);
    assert_null(sim_faults_find(x->f, W));
    assert_string_equal(hits(W, 3), "...");             /* spare: no fire */
    assert_int_equal(sim_faults_register(x->f, W), 0);
    p = sim_faults_find(x->f, W);
    assert_int_equal(p->hits, 0);
    assert_int_equal(p->fires, 0);
    assert_int_equal(p->spec.mode, SIM_FAULT_OFF);
    assert_int_equal(sim_faults_count(x->f), 1);
    assert_int_equal(arm(x->f, W, prob(500000)), 1);
    snprintf(fresh, sizeof(fresh), "%s", hits(W, 40));
    unlayer(x);                 /* the same draws as a new layer of seed 7 */
    layer(x, 7, NULL, NULL);
    assert_int_equal(sim_faults_register(x->f, W), 0);
    assert_int_equal(arm(x->f, W, prob(500000)), 1);
    assert_string_equal(hits(W, 40), fresh);
}

/* More points than a reset keeps (SPARE_MAX, 128), twice over: the kept
 * ones come back, the others are made anew, none is lost or known twice,
 * and a name is found only while registered (the points are looked up by
 * name in an index, which must follow every point in and out). */
static void reset_with_more_points_than_it_keeps_loses_none(void **state)
{
    SimFaults *f = layer(*state, 1, NULL, NULL);
    char name[SIM_FAULT_NAME_MAX];
    SimFaultRef ref;

    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < 300; i++) {
            snprintf(name, sizeof(name), "node/n%d/crash", round == 1 ? 299 - i : i);
            assert_int_equal(sim_faults_register(f, name), 0);
        }
        for (int i = 0; i < 300; i++) {
            snprintf(name, sizeof(name), "node/n%d/crash", i);
            assert_non_null(sim_faults_find(f, name));
            assert_int_equal(sim_faults_ref(f, name, &ref), 0);
            assert_int_equal(sim_faults_register(f, name), -EEXIST);
        }
        assert_int_equal(sim_faults_count(f), 300);
        sim_faults_reset(f, 2);
        assert_null(sim_faults_find(f, "node/n0/crash"));
        assert_null(sim_faults_find(f, "node/n299/crash"));
        assert_int_equal(sim_faults_ref(f, "node/n0/crash", &ref), -ENOENT);
        assert_false(sim_fault_hit(&ref));
    }
    unlayer(*state);
}

static void register_stops_at_the_point_limit_with_enospc(void **state)
{
    SimFaults *f = layer(*state, 1, NULL, NULL);
    char name[SIM_FAULT_NAME_MAX];

    for (int i = 0; i < SIM_FAULT_MAX_POINTS; i++) {
        snprintf(name, sizeof(name), "node/n%d/crash", i);
        assert_int_equal(sim_faults_register(f, name), 0);
    }
    assert_int_equal(sim_faults_register(f, "node/n0/crash"), -EEXIST);
    assert_int_equal(sim_faults_register(f, "node/extra/crash"), -ENOSPC);
    assert_int_equal(sim_faults_count(f), SIM_FAULT_MAX_POINTS);
    assert_int_equal(sim_faults_arm(f, "*", &(SimFaultSpec){.mode = SIM_FAULT_ONCE},
                                    NULL, 0), SIM_FAULT_MAX_POINTS);
    assert_true(SIM_FAULT("node/n4095/crash"));
    unlayer(*state);
    assert_false(SIM_FAULT("node/n4095/crash"));
}

static void points_are_listed_in_registration_order(void **state)
{
    Fixture *x = *state;

    assert_int_equal(sim_faults_count(x->f), N_STD);
    for (size_t i = 0; i < N_STD; i++) {
        const SimFaultPoint *p = sim_faults_at(x->f, i);

        assert_string_equal(p->name, std_points[i]);
        assert_ptr_equal(sim_faults_find(x->f, std_points[i]), p);
        assert_int_equal(p->spec.mode, SIM_FAULT_OFF);
        assert_int_equal(p->hits + p->fires + p->armed_hits, 0);
    }
    assert_null(sim_faults_at(x->f, N_STD));
    assert_null(sim_faults_find(x->f, "disk/sec9/write"));
}

/* ---- seeded PROB decisions ---- */

/* n hits of "net/l0/drop" under s in a fresh layer of `seed`. */
static void prob_run(Fixture *x, uint64_t seed, SimFaultSpec s, size_t n,
                     char *out)
{
    SimFaults *f = layer(x, seed, NULL, NULL);

    assert_int_equal(sim_faults_register(f, "net/l0/drop"), 0);
    assert_int_equal(arm(f, "net/l0/drop", s), 1);
    strcpy(out, hits("net/l0/drop", n));
    assert_int_equal(sim_faults_find(f, "net/l0/drop")->fires, count_x(out));
    unlayer(x);
}

static void same_seed_gives_the_same_prob_decisions(void **state)
{
    char a[1001], b[1001];

    prob_run(*state, 42, prob(250000), 1000, a);
    prob_run(*state, 42, prob(250000), 1000, b);
    assert_string_equal(a, b);
}

static void other_seed_gives_other_prob_decisions(void **state)
{
    char a[1001], b[1001];
    int differ = 0;

    prob_run(*state, 42, prob(250000), 1000, a);
    prob_run(*state, 43, prob(250000), 1000, b);
    for (int i = 0; i < 1000; i++) {
        differ += a[i] != b[i];
    }
    /* Independent streams at p = 0.25 differ at ~37.5% of the hits. */
    assert_in_range(differ, 250, 500);
}

static void prob_fire_count_is_near_p(void **state)
{
    char a[1001];

    for (uint64_t seed = 1; seed <= 5; seed++) {
        prob_run(*state, seed, prob(250000), 1000, a);
        assert_in_range(count_x(a), 200, 300);    /* mean 250, sd ~14 */
        prob_run(*state, seed, prob(10000), 1000, a);
        assert_in_range(count_x(a), 1, 25);
    }
}

static void prob_draws_on_one_point_do_not_change_another(void **state)
{
    char alone[1001], mixed[1001];
    SimFaults *f;

    prob_run(*state, 7, prob(500000), 1000, alone);
    f = layer(*state, 7, NULL, NULL);
    /* Another point, registered first and drawn from between every hit. */
    assert_int_equal(sim_faults_register(f, "net/l9/drop"), 0);
    assert_int_equal(sim_faults_register(f, "net/l0/drop"), 0);
    assert_int_equal(arm(f, "net/*", prob(500000)), 2);
    for (int i = 0; i < 1000; i++) {
        hits("net/l9/drop", 1 + (size_t)i % 3);
        mixed[i] = SIM_FAULT("net/l0/drop") ? 'x' : '.';
    }
    mixed[1000] = '\0';
    assert_string_equal(mixed, alone);
}

/* ---- tracing ---- */

static void fires_are_traced_with_tick_name_and_armed_hit(void **state)
{
    Fixture *x = *state;

    assert_string_equal(hits(W, 2), "..");
    assert_int_equal(x->trace.lines, 0);
    assert_int_equal(arm(x->f, W, spec_k(SIM_FAULT_EVERY, 2)), 1);
    x->now = 7;
    assert_string_equal(hits(W, 3), ".x.");
    x->now = 9;
    assert_string_equal(hits(W, 1), "x");
    assert_int_equal(x->trace.lines, 2);
    assert_string_equal(sim_trace_recent(&x->trace, 0, recent_line),
                        "9 - fault fire disk/sec0/write hit=4");
    assert_string_equal(sim_trace_recent(&x->trace, 1, recent_line),
                        "7 - fault fire disk/sec0/write hit=2");
}

static void fires_without_a_clock_are_traced_at_tick_zero(void **state)
{
    Fixture *x = *state;
    SimFaults *f = layer(x, 1, &x->trace, NULL);

    assert_int_equal(sim_faults_register(f, "node/n1/crash"), 0);
    assert_int_equal(arm(f, "node/n1/crash", spec(SIM_FAULT_ONCE)), 1);
    assert_string_equal(hits("node/n1/crash", 2), "x.");
    assert_int_equal(x->trace.lines, 1);
    assert_string_equal(sim_trace_recent(&x->trace, 0, recent_line),
                        "0 - fault fire node/n1/crash hit=1");
}

static void fires_without_a_trace_are_still_counted(void **state)
{
    SimFaults *f = layer(*state, 1, NULL, NULL);

    assert_int_equal(sim_faults_register(f, "node/n1/crash"), 0);
    assert_int_equal(arm(f, "node/n1/crash", spec(SIM_FAULT_ALWAYS)), 1);
    assert_string_equal(hits("node/n1/crash", 2), "xx");
    assert_int_equal(sim_faults_find(f, "node/n1/crash")->fires, 2);
}

/* ---- the registry's point and the layer's lifetime ---- */

static void armed_registry_alloc_makes_registry_new_return_null(void **state)
{
    Fixture *x = *state;
    ReplicationRegistry *reg;

    assert_int_equal(arm(x->f, REPLICATION_FAULT_ALLOC, spec(SIM_FAULT_ALWAYS)), 1);
    assert_null(replication_registry_new());
    assert_int_equal(sim_faults_find(x->f, "registry/alloc")->fires, 1);
    assert_int_equal(sim_faults_clear(x->f, REPLICATION_FAULT_ALLOC), 1);
    reg = replication_registry_new();
    assert_non_null(reg);
    replication_registry_free(reg);
    assert_int_equal(sim_faults_find(x->f, "registry/alloc")->hits, 2);
}

static void only_one_fault_layer_exists_at_a_time(void **state)
{
    layer(*state, 1, NULL, NULL);
    assert_null(sim_faults_new(2, NULL, NULL));
    unlayer(*state);
    layer(*state, 2, NULL, NULL);
}

static void free_disarms_every_point_in_libfiu(void **state)
{
    SimFaults *f = layer(*state, 1, NULL, NULL);

    assert_int_equal(sim_faults_register(f, W), 0);
    assert_int_equal(sim_faults_register(f, "net/l0/down"), 0);
    assert_int_equal(arm(f, "*", persistent(spec(SIM_FAULT_ALWAYS))), 2);
    assert_true(SIM_FAULT(W));
    unlayer(*state);
    assert_false(SIM_FAULT(W));
    assert_false(SIM_FAULT("net/l0/down"));
    /* A new layer starts from nothing: same name, fresh counters, unarmed. */
    f = layer(*state, 1, NULL, NULL);
    assert_int_equal(sim_faults_register(f, W), 0);
    assert_false(SIM_FAULT(W));
    assert_int_equal(sim_faults_find(f, W)->hits, 1);
    assert_int_equal(sim_faults_find(f, W)->fires, 0);
    sim_faults_free(NULL);
}

/* Hit through a reference (SIM_FAULT_AT) n times, as hits() by name. */
static const char *ref_hits(const SimFaultRef *ref, size_t n)
{
    static char out[2048];

    assert_true(n < sizeof(out));
    for (size_t i = 0; i < n; i++) {
        out[i] = SIM_FAULT_AT(ref) ? 'x' : '.';
    }
    out[n] = '\0';
    return out;
}

/* A reference decides as libfiu's lookup by name does: the same fires
 * (a PROB point's seeded stream included), counters and trace, whichever
 * way the hits come; after a reset it never fires and counts nothing. */
static void a_reference_decides_as_the_name_does(void **state)
{
    Fixture *x = *state;
    const SimFaultPoint *p = sim_faults_find(x->f, W);
    SimFaultRef ref, none;
    char by_name[2048];
    uint64_t lines;

    assert_int_equal(sim_faults_ref(x->f, W, &ref), 0);
    assert_int_equal(sim_faults_ref(x->f, "disk/sec9/write", &none), -ENOENT);
    assert_string_equal(ref_hits(&ref, 3), "...");            /* unarmed: counted */
    assert_int_equal(p->hits, 3);
    assert_int_equal(arm(x->f, W, prob(300000)), 1);
    snprintf(by_name, sizeof(by_name), "%s", hits(W, 200));
    lines = x->trace.lines;
    assert_int_equal(count_x(by_name), p->fires);
    /* The same stream again from the same seed, through the reference. */
    sim_faults_reset(x->f, 1);
    assert_int_equal(sim_faults_register(x->f, W), 0);
    p = sim_faults_find(x->f, W);
    assert_string_equal(ref_hits(&ref, 5), ".....");          /* stale: nothing */
    assert_int_equal(p->hits, 0);
    assert_int_equal(sim_faults_ref(x->f, W, &ref), 0);
    assert_int_equal(arm(x->f, W, prob(300000)), 1);
    assert_string_equal(ref_hits(&ref, 200), by_name);
    assert_int_equal(p->hits, 200);
    assert_int_equal(x->trace.lines, lines + p->fires);       /* each fire traced */
    assert_string_equal(ref_hits(&none, 4), "....");
    assert_int_equal(sim_faults_clear(x->f, W), 1);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
#define BARE(name) cmocka_unit_test_setup_teardown(name, setup_bare, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(always_fires_every_hit_transient),
        T(a_reference_decides_as_the_name_does),
        T(always_fires_every_hit_persistent),
        T(once_fires_only_the_first_hit_transient),
        T(once_persistent_fires_every_hit_from_the_first),
        T(nth_fires_only_the_nth_hit_transient),
        T(nth_persistent_fires_every_hit_from_the_nth),
        T(nth_past_the_last_hit_never_fires),
        T(after_fires_every_hit_after_the_first_k_transient),
        T(after_persistent_fires_the_same_hits),
        T(after_zero_fires_every_hit),
        T(every_fires_each_kth_hit_transient),
        T(every_persistent_fires_every_hit_from_the_first_kth),
        T(every_one_fires_every_hit),
        T(prob_draws_each_hit_from_the_points_own_stream_transient),
        T(prob_persistent_fires_every_hit_from_the_first_drawn_fire),
        T(prob_zero_never_fires),
        T(prob_one_fires_every_hit),
        T(hits_are_counted_while_unarmed),
        T(rearm_restarts_the_hit_count),
        T(rearm_resets_the_persistent_state),
        T(rearm_with_another_spec_replaces_it),
        T(clear_stops_fires_but_keeps_counters),
        T(clear_counts_only_points_that_were_armed),
        T(clear_of_an_unknown_point_is_enoent),
        T(clear_takes_the_same_patterns_as_arm),
        T(armed_counts_the_armed_points),
        T(subtree_pattern_arms_exactly_the_points_under_it),
        T(kind_subtree_arms_every_point_of_that_kind_only),
        T(star_arms_every_registered_point),
        T(subtree_prefix_ends_at_a_segment_boundary),
        T(unknown_point_is_rejected_with_its_name),
        T(bad_spec_is_rejected_and_leaves_the_point_as_it_was),
        cmocka_unit_test(template_list_is_the_documented_one_in_order),
        cmocka_unit_test(a_name_is_its_template_with_the_instance_put_in),
        cmocka_unit_test(an_instance_is_letters_digits_and_three_marks),
        T(register_accepts_a_name_fitting_each_template),
        T(register_rejects_names_fitting_no_template),
        T(register_limits_the_name_length),
        T(register_twice_is_eexist),
        T(a_point_keeps_its_template_and_instance),
        T(reset_forgets_the_points_and_reuses_them),
        BARE(reset_with_more_points_than_it_keeps_loses_none),
        BARE(register_stops_at_the_point_limit_with_enospc),
        T(points_are_listed_in_registration_order),
        BARE(same_seed_gives_the_same_prob_decisions),
        BARE(other_seed_gives_other_prob_decisions),
        BARE(prob_fire_count_is_near_p),
        BARE(prob_draws_on_one_point_do_not_change_another),
        T(fires_are_traced_with_tick_name_and_armed_hit),
        BARE(fires_without_a_clock_are_traced_at_tick_zero),
        BARE(fires_without_a_trace_are_still_counted),
        T(armed_registry_alloc_makes_registry_new_return_null),
        BARE(only_one_fault_layer_exists_at_a_time),
        BARE(free_disarms_every_point_in_libfiu),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
