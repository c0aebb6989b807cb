/* test_core.c: the simulator's foundations: seeded streams (prng.h), virtual
 * time and event order (clock.h), and the trace with its hash (trace.h).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <xxhash.h>

#include "clock.h"
#include "prng.h"
#include "trace.h"

static void same_seed_and_name_give_same_stream(void **state)
{
    SimPrng a, b;

    (void)state;
    sim_prng_init(&a, 42, "disk/sec0");
    sim_prng_init(&b, 42, "disk/sec0");
    for (int i = 0; i < 1000; i++) {
        assert_int_equal(sim_prng_u64(&a), sim_prng_u64(&b));
    }
}

static void other_name_or_seed_gives_other_stream(void **state)
{
    SimPrng a, b, c;
    int same_b = 0, same_c = 0;

    (void)state;
    sim_prng_init(&a, 42, "disk/sec0");
    sim_prng_init(&b, 42, "disk/sec1");
    sim_prng_init(&c, 43, "disk/sec0");
    for (int i = 0; i < 1000; i++) {
        uint64_t x = sim_prng_u64(&a);

        same_b += x == sim_prng_u64(&b);
        same_c += x == sim_prng_u64(&c);
    }
    assert_int_equal(same_b, 0);
    assert_int_equal(same_c, 0);
}

static void known_first_draws_pin_the_algorithm(void **state)
{
    SimPrng p;

    (void)state;
    /* A changed generator or derivation silently changes every trace and
     * every recorded seed's meaning: pin both. */
    sim_prng_init(&p, 1, NULL);
    assert_int_equal(sim_prng_u64(&p), 0xb3f2af6d0fc710c5ULL);
    assert_int_equal(sim_prng_u64(&p), 0x853b559647364ceaULL);
    sim_prng_init(&p, 1, "disk/sec0");
    assert_int_equal(sim_prng_u64(&p), 0xa0ecdd0fc4a43b8aULL);
}

static void below_stays_in_bounds_and_covers_them(void **state)
{
    SimPrng p;
    int seen[10] = { 0 };

    (void)state;
    sim_prng_init(&p, 7, "below");
    assert_int_equal(sim_prng_below(&p, 0), 0);
    assert_int_equal(sim_prng_below(&p, 1), 0);
    for (int i = 0; i < 10000; i++) {
        uint64_t v = sim_prng_below(&p, 10);

        assert_true(v < 10);
        seen[v]++;
    }
    for (int i = 0; i < 10; i++) {
        assert_in_range(seen[i], 850, 1150);    /* ~1000 each */
    }
}

static void chance_extremes_and_rate(void **state)
{
    SimPrng p;
    int fired = 0;

    (void)state;
    sim_prng_init(&p, 9, "chance");
    for (int i = 0; i < 1000; i++) {
        assert_false(sim_prng_chance(&p, 0));
        assert_true(sim_prng_chance(&p, 1000000));
        assert_true(sim_prng_chance(&p, 2000000));
    }
    for (int i = 0; i < 100000; i++) {
        fired += sim_prng_chance(&p, 250000);
    }
    assert_in_range(fired, 24000, 26000);
}

/* ---- clock ---- */

static char order[256];

static void record(SimClock *c, void *arg, uint64_t data)
{
    size_t len = strlen(order);

    snprintf(order + len, sizeof(order) - len, "%s%s@%llu:%llu", len ? " " : "",
             (const char *)arg, (unsigned long long)sim_clock_now(c),
             (unsigned long long)data);
}

static void events_run_by_tick_then_schedule_order(void **state)
{
    SimClock *c = sim_clock_new(0);

    (void)state;
    order[0] = '\0';
    assert_int_equal(sim_clock_schedule(c, 5, record, "a", 1), 0);
    assert_int_equal(sim_clock_schedule(c, 2, record, "b", 2), 0);
    assert_int_equal(sim_clock_schedule(c, 5, record, "c", 3), 0);
    assert_int_equal(sim_clock_schedule(c, 2, record, "d", 4), 0);
    assert_int_equal(sim_clock_schedule(c, 0, record, "e", 5), 0);
    assert_int_equal(sim_clock_pending(c), 5);
    while (sim_clock_step(c)) {
    }
    assert_string_equal(order, "e@0:5 b@2:2 d@2:4 a@5:1 c@5:3");
    assert_int_equal(sim_clock_now(c), 5);
    sim_clock_free(c);
}

static void run_until_moves_time_and_respects_limit(void **state)
{
    SimClock *c = sim_clock_new(0);

    (void)state;
    order[0] = '\0';
    sim_clock_schedule(c, 3, record, "a", 0);
    sim_clock_schedule(c, 3, record, "b", 0);
    sim_clock_schedule(c, 9, record, "c", 0);
    assert_int_equal(sim_clock_run_until(c, 5, 1), 1);
    assert_int_equal(sim_clock_now(c), 3);      /* stopped early: not past a */
    assert_int_equal(sim_clock_run_until(c, 5, 0), 1);
    assert_int_equal(sim_clock_now(c), 5);
    assert_string_equal(order, "a@3:0 b@3:0");
    assert_int_equal(sim_clock_run_until(c, 2, 0), 0);
    assert_int_equal(sim_clock_now(c), 5);      /* never goes back */
    assert_int_equal(sim_clock_run_until(c, 100, 0), 1);
    assert_int_equal(sim_clock_now(c), 100);
    sim_clock_free(c);
}

static void cancel_removes_only_that_owner(void **state)
{
    SimClock *c = sim_clock_new(0);

    (void)state;
    order[0] = '\0';
    for (int i = 0; i < 20; i++) {
        sim_clock_schedule(c, (uint64_t)(20 - i), record, i % 2 ? "odd" : "even",
                           (uint64_t)i);
    }
    assert_int_equal(sim_clock_cancel(c, "odd"), 10);
    assert_int_equal(sim_clock_cancel(c, "odd"), 0);
    assert_int_equal(sim_clock_run_until(c, 100, 0), 10);
    assert_null(strstr(order, "odd"));
    assert_non_null(strstr(order, "even@2:18 even@4:16"));
    sim_clock_free(c);
}

static void pending_limit_gives_enospc(void **state)
{
    SimClock *c = sim_clock_new(3);

    (void)state;
    for (int i = 0; i < 3; i++) {
        assert_int_equal(sim_clock_schedule(c, 1, record, "x", 0), 0);
    }
    assert_int_equal(sim_clock_schedule(c, 1, record, "x", 0), -ENOSPC);
    sim_clock_free(c);
    sim_clock_free(NULL);
}

/* ---- trace ---- */

/* One event of component comp ("disk/d" when SIM_COMP_DISK) with fields. */
static void emit(SimTrace *t, uint64_t tick, const char *node, SimTraceComp comp,
                 const char *name, const SimTraceField *f, unsigned n)
{
    sim_trace_emit(t, &(SimTraceEvent){ .tick = tick, .node = node, .comp = comp,
                                        .object = "d", .kind = 7, .name = name,
                                        .field = f, .nfields = n });
}

static void trace_hash_depends_on_every_line(void **state)
{
    SimTrace a, b, c;
    uint64_t empty;

    (void)state;
    assert_int_equal(sim_trace_init(&a), 0);
    assert_int_equal(sim_trace_init(&b), 0);
    assert_int_equal(sim_trace_init(&c), 0);
    empty = sim_trace_hash(&a);
    emit(&a, 1, "p", SIM_COMP_DISK, "write", SIM_TRACE_FIELDS(sim_tf_u64("sector", 7)));
    emit(&b, 1, "p", SIM_COMP_DISK, "write", SIM_TRACE_FIELDS(sim_tf_u64("sector", 7)));
    emit(&c, 1, "p", SIM_COMP_DISK, "write", SIM_TRACE_FIELDS(sim_tf_u64("sector", 8)));
    assert_int_equal(sim_trace_hash(&a), sim_trace_hash(&b));
    assert_int_not_equal(sim_trace_hash(&a), sim_trace_hash(&c));
    assert_int_not_equal(sim_trace_hash(&a), empty);
    assert_int_equal(a.lines, 1);
    assert_string_equal(sim_trace_recent(&a, 0), "1 p disk/d write sector=7");
    sim_trace_fini(&a);
    sim_trace_fini(&b);
    sim_trace_fini(&c);
}

/* The hash is XXH3-64 of the trace file's bytes, whatever the line
 * lengths (streamed: lines cross XXH3's internal block boundaries). */
static void trace_hash_is_xxh3_of_the_trace_text(void **state)
{
    static char text[64 * SIM_TRACE_LINE_MAX];
    char xs[200];
    size_t len = 0;
    SimTrace t;

    (void)state;
    assert_int_equal(sim_trace_init(&t), 0);
    assert_int_equal(sim_trace_hash(&t), XXH3_64bits("", 0));
    for (int i = 0; i < 64; i++) {
        memset(xs, 'x', sizeof(xs));
        xs[i * 3 < (int)sizeof(xs) ? i * 3 : (int)sizeof(xs) - 1] = '\0';
        emit(&t, (uint64_t)i * 977, "n", SIM_COMP_COLO, "e", SIM_TRACE_FIELDS(sim_tf_str("x", xs)));
        len += (size_t)snprintf(text + len, sizeof(text) - len, "%s\n", sim_trace_recent(&t, 0));
    }
    assert_int_equal(sim_trace_hash(&t), XXH3_64bits(text, len));
    sim_trace_fini(&t);
}

static void trace_keeps_last_lines_newest_first(void **state)
{
    SimTrace t;

    (void)state;
    assert_int_equal(sim_trace_init(&t), 0);
    assert_null(sim_trace_recent(&t, 0));
    for (int i = 0; i < 25; i++) {
        emit(&t, (uint64_t)i, NULL, SIM_COMP_NONE, "tick", NULL, 0);
    }
    assert_string_equal(sim_trace_recent(&t, 0), "24 - - tick");
    assert_string_equal(sim_trace_recent(&t, SIM_TRACE_KEEP - 1), "5 - - tick");
    assert_null(sim_trace_recent(&t, SIM_TRACE_KEEP));
    sim_trace_fini(&t);
}

typedef struct Seen {
    char lines[1024];
    SimTraceComp comp;
    int kind;
    uint64_t id;
} Seen;

static void collect(void *ctx, const SimTraceEvent *e, const char *line)
{
    Seen *s = ctx;
    const SimTraceField *id = sim_trace_field(e, "id");

    strncat(s->lines, line, 100);
    strcat(s->lines, "|");
    s->comp = e->comp;
    s->kind = e->kind;
    s->id = id != NULL ? id->v.u : 0;
}

static void trace_sink_gets_the_typed_event_and_long_lines_are_cut(void **state)
{
    SimTrace t;
    Seen seen = { .lines = "" };
    char big[600];

    (void)state;
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    assert_int_equal(sim_trace_init(&t), 0);
    t.sink = collect;
    t.sink_ctx = &seen;
    emit(&t, 3, "s", SIM_COMP_NET, "drop",
         SIM_TRACE_FIELDS(sim_tf_flags(sim_tf_str("link", "p2s"), SIM_TF_BARE),
                          sim_tf_u64("id", 4)));
    assert_string_equal(seen.lines, "3 s net drop p2s id=4|");
    assert_int_equal(seen.comp, SIM_COMP_NET);
    assert_int_equal(seen.kind, 7);
    assert_int_equal(seen.id, 4);
    emit(&t, 4, "s", SIM_COMP_COLO, "big", SIM_TRACE_FIELDS(sim_tf_flags(sim_tf_str("b", big),
                                                                        SIM_TF_BARE)));
    assert_int_equal(strlen(sim_trace_recent(&t, 0)), SIM_TRACE_LINE_MAX - 1);
    sim_trace_fini(&t);
}

/* Every field form renders as today's lines read; hidden fields and unset
 * flags are not in the line but are in the event. */
static void trace_fields_render_in_every_form(void **state)
{
    SimTrace t;
    const SimTraceField f[] = {
        sim_tf_u64("epoch", 18446744073709551615ULL), sim_tf_i64("rc", -5),
        sim_tf_i64("zero", 0), sim_tf_word("stage", 3, "done"),
        sim_tf_flags(sim_tf_str("from", "running"), SIM_TF_BARE),
        sim_tf_flags(sim_tf_text("->"), SIM_TF_GLUED),
        sim_tf_flags(sim_tf_str("to", "done"), SIM_TF_BARE | SIM_TF_GLUED),
        sim_tf_flags(sim_tf_str("error", "a \"b\""), SIM_TF_QUOTED),
        sim_tf_flags(sim_tf_str("why", "gone"), SIM_TF_QUOTED | SIM_TF_BARE),
        sim_tf_bool("delay", true), sim_tf_bool("reorder", false),
        sim_tf_flags(sim_tf_i64("secret", 9), SIM_TF_HIDDEN), sim_tf_text("link down"),
    };
    const SimTraceEvent e = { .tick = 0, .comp = SIM_COMP_SCN, .name = "x",
                              .field = f, .nfields = sizeof(f) / sizeof(f[0]) };

    (void)state;
    assert_int_equal(sim_trace_init(&t), 0);
    sim_trace_emit(&t, &e);
    assert_string_equal(sim_trace_recent(&t, 0),
                        "0 - scn x epoch=18446744073709551615 rc=-5 zero=0 stage=done "
                        "running->done error=\"a \"b\"\" \"gone\" delay link down");
    assert_int_equal(sim_trace_field(&e, "secret")->v.i, 9);
    assert_int_equal(sim_trace_field(&e, "stage")->v.u, 3);
    assert_null(sim_trace_field(&e, "none"));
    sim_trace_fini(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(same_seed_and_name_give_same_stream),
        cmocka_unit_test(other_name_or_seed_gives_other_stream),
        cmocka_unit_test(known_first_draws_pin_the_algorithm),
        cmocka_unit_test(below_stays_in_bounds_and_covers_them),
        cmocka_unit_test(chance_extremes_and_rate),
        cmocka_unit_test(events_run_by_tick_then_schedule_order),
        cmocka_unit_test(run_until_moves_time_and_respects_limit),
        cmocka_unit_test(cancel_removes_only_that_owner),
        cmocka_unit_test(pending_limit_gives_enospc),
        cmocka_unit_test(trace_hash_depends_on_every_line),
        cmocka_unit_test(trace_hash_is_xxh3_of_the_trace_text),
        cmocka_unit_test(trace_keeps_last_lines_newest_first),
        cmocka_unit_test(trace_sink_gets_the_typed_event_and_long_lines_are_cut),
        cmocka_unit_test(trace_fields_render_in_every_form),
    };

    return cmocka_run_group_tests_name("sim_core", tests, NULL, NULL);
}
