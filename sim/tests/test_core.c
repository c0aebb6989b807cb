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

/* Where a test's sim_trace_recent renders the line it reads. */
static char recent_line[SIM_TRACE_LINE_MAX];

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
    assert_string_equal(sim_trace_recent(&a, 0, recent_line), "1 p disk/d write sector=7");
    sim_trace_fini(&a);
    sim_trace_fini(&b);
    sim_trace_fini(&c);
}

/* The encoding as trace.h documents it, written out again here: the hash
 * must chain XXH3-64 over exactly these bytes, so that its values change
 * only when the documented format does. */
typedef struct Spec {
    unsigned char buf[64 << 10];
    size_t len;
} Spec;

static void spec_le(Spec *sp, uint64_t v, unsigned bytes)
{
    for (unsigned i = 0; i < bytes; i++) {
        assert_true(sp->len < sizeof(sp->buf));
        sp->buf[sp->len++] = (unsigned char)(v >> (8 * i));
    }
}

static void spec_str(Spec *sp, const char *s)
{
    spec_le(sp, s != NULL, 1);
    for (size_t i = 0; s != NULL && i <= strlen(s); i++) {
        spec_le(sp, (unsigned char)s[i], 1);
    }
}

static void spec_event(Spec *sp, const SimTraceEvent *e)
{
    unsigned shown = 0;

    for (unsigned i = 0; i < e->nfields; i++) {
        shown += !(e->field[i].flags & SIM_TF_HIDDEN);
    }
    spec_le(sp, e->tick, 8);
    spec_le(sp, (uint64_t)e->comp, 1);
    spec_le(sp, (uint32_t)e->kind, 4);
    spec_le(sp, shown, 1);
    spec_str(sp, e->node);
    spec_str(sp, e->object);
    spec_str(sp, e->name);
    for (unsigned i = 0; i < e->nfields; i++) {
        const SimTraceField *f = &e->field[i];

        if (f->flags & SIM_TF_HIDDEN) {
            continue;
        }
        spec_le(sp, (uint64_t)f->type, 1);
        spec_le(sp, f->flags, 1);
        spec_str(sp, f->key);
        if (f->type == SIM_TV_I64) {
            spec_le(sp, (uint64_t)f->v.i, 8);
        } else if (f->type == SIM_TV_STR || f->type == SIM_TV_TEXT) {
            spec_str(sp, f->v.s);
        } else {
            spec_le(sp, f->v.u, 8);
        }
        if (f->type == SIM_TV_WORD) {
            spec_str(sp, f->v.s);
        }
    }
}

/* Events of every field type and of growing length (the last ones longer
 * than a slot, hashed a slot at a time): each link of the chain is the
 * XXH3-64 of the event's encoding seeded with the link before. */
static void trace_hash_chains_xxh3_over_the_documented_encoding(void **state)
{
    static Spec sp;
    char xs[1200];
    SimTrace t;
    uint64_t chain = XXH3_64bits("", 0);
    size_t longest = 0;

    (void)state;
    assert_int_equal(sim_trace_init(&t), 0);
    assert_int_equal(sim_trace_hash(&t), chain);
    for (int i = 0; i < 64; i++) {
        const SimTraceField f[] = {
            sim_tf_str("x", xs), sim_tf_u64("u", (uint64_t)i << 40), sim_tf_i64("i", -i),
            sim_tf_flags(sim_tf_word("w", (unsigned)i, "word"), SIM_TF_BARE),
            sim_tf_bool("b", i & 1), sim_tf_flags(sim_tf_text("t"), SIM_TF_HIDDEN),
            sim_tf_str("null", NULL),
        };
        const SimTraceEvent e = { .tick = (uint64_t)i * 977, .node = i % 3 ? "n" : NULL,
                                  .comp = (SimTraceComp)(i % SIM_COMP__MAX), .object = "o",
                                  .kind = i - 5, .name = "e", .field = f,
                                  .nfields = (unsigned)(i % 8) };

        memset(xs, 'x', sizeof(xs));
        xs[i * 18 < (int)sizeof(xs) ? i * 18 : (int)sizeof(xs) - 1] = '\0';
        sim_trace_emit(&t, &e);
        sp.len = 0;
        spec_event(&sp, &e);
        chain = XXH3_64bits_withSeed(sp.buf, sp.len, chain);
        assert_int_equal(sim_trace_hash(&t), chain);
        longest = sp.len > longest ? sp.len : longest;
    }
    assert_true(longest > 2 * SIM_TRACE_SLOT_MAX);
    sim_trace_fini(&t);
}

/* Rendering is for readers only: a trace with a file and a sink that
 * renders every line hashes as one with neither, and the file has the
 * lines the sink rendered. */
static void trace_hash_is_the_same_with_or_without_text(void **state)
{
    static char file[16 << 10], seen[16 << 10];
    SimTrace plain, text;
    FILE *out = fmemopen(file, sizeof(file), "w");
    size_t len = 0;

    (void)state;
    assert_non_null(out);
    assert_int_equal(sim_trace_init(&plain), 0);
    assert_int_equal(sim_trace_init(&text), 0);
    text.out = out;
    for (int i = 0; i < 100; i++) {
        const SimTraceEvent e = {
            .tick = (uint64_t)i, .node = "p", .comp = SIM_COMP_DISK, .object = "d0",
            .kind = 2, .name = "write",
            .field = SIM_TRACE_FIELDS(sim_tf_u64("sector", (uint64_t)i * 7),
                                      sim_tf_flags(sim_tf_i64("rc", -i), SIM_TF_HIDDEN)) };

        sim_trace_emit(&plain, &e);
        sim_trace_emit(&text, &e);
        len += sim_trace_render(&e, seen + len);
        seen[len++] = '\n';
    }
    fclose(out);
    assert_int_equal(sim_trace_hash(&plain), sim_trace_hash(&text));
    assert_int_equal(strlen(file), len);
    assert_memory_equal(file, seen, len);
    sim_trace_fini(&plain);
    sim_trace_fini(&text);
}

/* A hidden field is in the event, not in the line, so not in the hash;
 * hiding a field changes both. */
static void trace_hidden_fields_are_not_in_the_hash(void **state)
{
    SimTrace a, b;
    char la[SIM_TRACE_LINE_MAX];

    (void)state;
    assert_int_equal(sim_trace_init(&a), 0);
    assert_int_equal(sim_trace_init(&b), 0);
    emit(&a, 1, NULL, SIM_COMP_SCN, "failed",
         SIM_TRACE_FIELDS(sim_tf_u64("line", 3), sim_tf_flags(sim_tf_i64("rc", -5), SIM_TF_HIDDEN)));
    emit(&b, 1, NULL, SIM_COMP_SCN, "failed",
         SIM_TRACE_FIELDS(sim_tf_u64("line", 3), sim_tf_flags(sim_tf_i64("rc", -12), SIM_TF_HIDDEN)));
    assert_string_equal(sim_trace_recent(&a, 0, la), sim_trace_recent(&b, 0, recent_line));
    assert_string_equal(la, "1 - scn failed line=3");
    assert_int_equal(sim_trace_hash(&a), sim_trace_hash(&b));
    emit(&a, 2, NULL, SIM_COMP_SCN, "x", SIM_TRACE_FIELDS(sim_tf_u64("n", 1)));
    emit(&b, 2, NULL, SIM_COMP_SCN, "x", SIM_TRACE_FIELDS(sim_tf_flags(sim_tf_u64("n", 1), SIM_TF_HIDDEN)));
    assert_int_not_equal(sim_trace_hash(&a), sim_trace_hash(&b));
    sim_trace_fini(&a);
    sim_trace_fini(&b);
}

/* An event longer than a slot is kept as its line; the events around it
 * read back as usual. */
static void trace_keeps_an_event_longer_than_a_slot_as_its_line(void **state)
{
    static char big[3 * SIM_TRACE_SLOT_MAX];
    char expect[SIM_TRACE_LINE_MAX];
    SimTrace t;

    (void)state;
    memset(big, 'y', sizeof(big) - 1);
    assert_int_equal(sim_trace_init(&t), 0);
    emit(&t, 1, "p", SIM_COMP_COLO, "before", NULL, 0);
    emit(&t, 2, "p", SIM_COMP_COLO, "big", SIM_TRACE_FIELDS(sim_tf_str("why", big)));
    emit(&t, 3, "p", SIM_COMP_COLO, "after", NULL, 0);
    memcpy(expect, "2 p colo big why=", 17);
    memcpy(expect + 17, big, sizeof(expect) - 18);
    expect[sizeof(expect) - 1] = '\0';
    assert_string_equal(sim_trace_recent(&t, 1, recent_line), expect);
    assert_int_equal(t.ring.slot[1].is_line, 1);
    assert_string_equal(sim_trace_recent(&t, 2, recent_line), "1 p colo before");
    assert_string_equal(sim_trace_recent(&t, 0, recent_line), "3 p colo after");
    sim_trace_fini(&t);
}

/* A slot in shared memory may be half written when its process dies: any
 * bytes render as a line or as "(unreadable trace event)", never worse. */
static void trace_ring_slot_bytes_are_never_trusted(void **state)
{
    static SimTraceRing r;
    SimTraceSlot good;
    SimPrng p;

    (void)state;
    sim_prng_init(&p, 3, "slots");
    r.n = 0;
    sim_trace_ring_put(&r, &(SimTraceEvent){
        .tick = 9, .node = "s", .comp = SIM_COMP_NET, .name = "drop",
        .field = SIM_TRACE_FIELDS(sim_tf_flags(sim_tf_str("link", "p2s"), SIM_TF_BARE),
                                  sim_tf_u64("id", 4)) });
    assert_string_equal(sim_trace_ring_line(&r, 0, recent_line), "9 s net drop p2s id=4");
    good = r.slot[0];
    for (unsigned len = 0; len < good.len; len++) {
        r.slot[0].len = (uint16_t)len;
        assert_string_equal(sim_trace_ring_line(&r, 0, recent_line), "(unreadable trace event)");
    }
    for (int i = 0; i < 20000; i++) {
        r.slot[0] = good;
        r.slot[0].enc[sim_prng_below(&p, good.len)] = (unsigned char)sim_prng_u64(&p);
        r.slot[0].len = (uint16_t)sim_prng_below(&p, 2 * SIM_TRACE_SLOT_MAX);
        r.slot[0].is_line = (uint8_t)sim_prng_below(&p, 3);
        assert_non_null(sim_trace_ring_line(&r, 0, recent_line));
        assert_true(strlen(recent_line) < SIM_TRACE_LINE_MAX);
    }
}

static void trace_keeps_last_lines_newest_first(void **state)
{
    SimTrace t;

    (void)state;
    assert_int_equal(sim_trace_init(&t), 0);
    assert_null(sim_trace_recent(&t, 0, recent_line));
    for (int i = 0; i < 25; i++) {
        emit(&t, (uint64_t)i, NULL, SIM_COMP_NONE, "tick", NULL, 0);
    }
    assert_string_equal(sim_trace_recent(&t, 0, recent_line), "24 - - tick");
    assert_string_equal(sim_trace_recent(&t, SIM_TRACE_KEEP - 1, recent_line), "5 - - tick");
    assert_null(sim_trace_recent(&t, SIM_TRACE_KEEP, recent_line));
    sim_trace_fini(&t);
}

typedef struct Seen {
    char lines[1024];
    SimTraceComp comp;
    int kind;
    uint64_t id;
} Seen;

static void collect(void *ctx, const SimTraceEvent *e)
{
    Seen *s = ctx;
    const SimTraceField *id = sim_trace_field(e, "id");
    char line[SIM_TRACE_LINE_MAX];
    size_t len = strlen(s->lines);

    sim_trace_render(e, line);
    snprintf(s->lines + len, sizeof(s->lines) - len, "%.100s|", line);
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
    assert_int_equal(strlen(sim_trace_recent(&t, 0, recent_line)), SIM_TRACE_LINE_MAX - 1);
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
    assert_string_equal(sim_trace_recent(&t, 0, recent_line),
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
        cmocka_unit_test(trace_hash_chains_xxh3_over_the_documented_encoding),
        cmocka_unit_test(trace_hash_is_the_same_with_or_without_text),
        cmocka_unit_test(trace_hidden_fields_are_not_in_the_hash),
        cmocka_unit_test(trace_keeps_an_event_longer_than_a_slot_as_its_line),
        cmocka_unit_test(trace_ring_slot_bytes_are_never_trusted),
        cmocka_unit_test(trace_keeps_last_lines_newest_first),
        cmocka_unit_test(trace_sink_gets_the_typed_event_and_long_lines_are_cut),
        cmocka_unit_test(trace_fields_render_in_every_form),
    };

    return cmocka_run_group_tests_name("sim_core", tests, NULL, NULL);
}
