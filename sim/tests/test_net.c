/* test_net.c: link.h and compare.h: links (latency, order, faults, partitions) and the
 * COLO-compare style comparator (match, mismatch, timeout, checkpoint,
 * limits, stop, registry walks, determinism).  Each test builds its own world.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "clock.h"
#include "fault.h"
#include "compare.h"
#include "link.h"
#include "probe.h"
#include "replication.h"
#include "trace.h"

#define LATENCY 10
#define DELAY 50
#define MAX_GOT 64

/* What one receiver (a link's far end, or the client behind a comparator)
 * has seen. */
typedef struct Got {
    uint64_t id, tag, tick, conn;
    unsigned copy;
    SimReleaseWhy why;
    char text[32];
} Got;

typedef struct World {
    SimClock *clock;
    SimTrace trace;
    SimFaults *faults;
    ReplicationRegistry *reg;
    SimLink *p2s, *s2p;
    SimCompare *cmp;
    Got got[MAX_GOT];           /* link deliveries */
    size_t ngot;
    Got rel[MAX_GOT];           /* comparator releases */
    size_t nrel;
    size_t overflow;            /* deliveries and releases past MAX_GOT */
    unsigned requests;
    SimCompareReason last_reason;
    uint64_t last_conn;
    bool checkpoint_at_once;    /* the request callback runs a checkpoint walk */
} World;

/* How often the current test reached probe p (probe.h). */
static uint64_t probe_count(SimProbe p)
{
    uint64_t c[SIM_PROBE__COUNT];

    sim_probe_counts(c);
    return c[p];
}

static void on_deliver(void *ctx, const SimMsg *msg)
{
    World *w = ctx;
    Got *g;

    if (w->ngot == MAX_GOT) {
        w->overflow++;
        return;
    }
    g = &w->got[w->ngot++];
    memset(g, 0, sizeof(*g));
    g->id = msg->id;
    g->tag = msg->tag;
    g->copy = msg->copy;
    g->tick = sim_clock_now(w->clock);
    snprintf(g->text, sizeof(g->text), "%.*s", (int)msg->len,
             (const char *)msg->payload);
}

static void on_release(void *ctx, const SimRelease *rel)
{
    World *w = ctx;
    Got *g;

    if (w->nrel == MAX_GOT) {
        w->overflow++;
        return;
    }
    g = &w->rel[w->nrel++];
    memset(g, 0, sizeof(*g));
    g->id = rel->seq;
    g->conn = rel->conn;
    g->why = rel->why;
    g->tick = sim_clock_now(w->clock);
    snprintf(g->text, sizeof(g->text), "%.*s", (int)rel->len,
             (const char *)rel->payload);
}

static void on_request(void *ctx, SimCompareReason reason, uint64_t conn)
{
    World *w = ctx;

    w->requests++;
    w->last_reason = reason;
    w->last_conn = conn;
    if (w->checkpoint_at_once) {
        Error *err = NULL;

        replication_do_checkpoint_all_in(w->reg, &err);
        assert_null(err);
    }
}

static SimLink *make_link(World *w, const char *name, const char *from,
                          const char *to)
{
    SimLinkConfig cfg = {
        .name = name, .from = from, .to = to,
        .latency_ticks = LATENCY, .delay_ticks = DELAY,
        .clock = w->clock, .trace = &w->trace, .faults = w->faults,
        .deliver = on_deliver, .ctx = w,
    };
    SimLink *l = NULL;
    char err[128] = "";

    assert_int_equal(sim_link_new(&cfg, &l, err, sizeof(err)), 0);
    assert_non_null(l);
    return l;
}

static SimCompareConfig compare_config(World *w)
{
    return (SimCompareConfig){
        .node = "pri", .registry = w->reg, .clock = w->clock,
        .trace = &w->trace, .links = { w->s2p, w->p2s },
        .release = on_release, .release_ctx = w,
        .request_checkpoint = on_request, .checkpoint_ctx = w,
    };
}

static SimCompare *make_compare(const SimCompareConfig *cfg)
{
    SimCompare *c = NULL;
    char err[128] = "";

    assert_int_equal(sim_compare_new(cfg, &c, err, sizeof(err)), 0);
    assert_non_null(c);
    return c;
}

static void start_compare(World *w)
{
    Error *err = NULL;

    replication_start_all_in(w->reg, REPLICATION_MODE_PRIMARY, &err);
    assert_null(err);
    assert_int_equal(sim_compare_stage(w->cmp), SIM_COMPARE_RUNNING);
}

/* A world: clock, trace, registry, links p2s and s2p, a comparator.  With
 * faults, a SimFaults of `seed` exists before the links register. */
static World *world_new(bool with_faults, uint64_t seed)
{
    World *w = calloc(1, sizeof(*w));
    SimCompareConfig cfg;

    assert_non_null(w);
    w->clock = sim_clock_new(0);
    assert_non_null(w->clock);
    assert_int_equal(sim_trace_init(&w->trace), 0);
    if (with_faults) {
        w->faults = sim_faults_new(seed, &w->trace,
                                  sim_clock_now_ptr(w->clock));
        assert_non_null(w->faults);
    }
    w->reg = replication_registry_new();
    assert_non_null(w->reg);
    w->p2s = make_link(w, "p2s", "pri", "sec");
    w->s2p = make_link(w, "s2p", "sec", "pri");
    cfg = compare_config(w);
    w->cmp = make_compare(&cfg);
    return w;
}

/* Releases everything first, then checks that nothing was left behind: a
 * failed test still frees its world. */
static void world_free(World *w)
{
    size_t states, pending, armed = 0;

    sim_compare_free(w->cmp);
    states = replication_registry_count(w->reg);
    replication_registry_free(w->reg);
    sim_link_free(w->p2s);
    sim_link_free(w->s2p);
    pending = sim_clock_pending(w->clock);
    if (w->faults != NULL) {
        armed = sim_faults_armed(w->faults);
        sim_faults_clear(w->faults, "*");
        sim_faults_free(w->faults);
    }
    sim_clock_free(w->clock);
    sim_trace_fini(&w->trace);
    free(w);
    assert_int_equal(states, 0);
    assert_int_equal(pending, 0);
    assert_int_equal(armed, 0);
}

static int setup_plain(void **state)
{
    *state = world_new(false, 1);
    return 0;
}

static int setup_faults(void **state)
{
    *state = world_new(true, 1);
    return 0;
}

static int teardown(void **state)
{
    world_free(*state);
    return 0;
}

static void need_fiu(void)
{
#ifndef FIU_ENABLE
    skip();                 /* built without libfiu: no point can fire */
#endif
}

/* Run the clock to `tick`, with a bound on events: a runaway event loop
 * fails the test instead of hanging it. */
static void run_to(World *w, uint64_t tick)
{
    sim_clock_run_until(w->clock, tick, 100000);
    assert_int_equal(sim_clock_now(w->clock), tick);
}

static int send_text(SimLink *l, uint64_t tag, const char *text)
{
    return sim_link_send(l, SIM_MSG_PACKET, tag, text, strlen(text));
}

static int pri(World *w, uint64_t conn, const char *text)
{
    return sim_compare_primary(w->cmp, conn, text, strlen(text));
}

static int sec(World *w, uint64_t conn, const char *text)
{
    return sim_compare_secondary(w->cmp, conn, text, strlen(text));
}

static void arm(World *w, const char *point, SimFaultMode mode)
{
    SimFaultSpec spec = { .mode = mode };
    char err[128] = "";
    int rc;

    need_fiu();
    rc = sim_faults_arm(w->faults, point, &spec, err, sizeof(err));
    assert_int_equal(rc, 1);
}

static void assert_error(World *w, const char *expected)
{
    Error *err = NULL;

    replication_get_error_all_in(w->reg, &err);
    if (expected == NULL) {
        assert_null(err);
        return;
    }
    assert_non_null(err);
    assert_string_equal(error_get_pretty(err), expected);
    error_free(err);
}

/* ---- Links ------------------------------------------------------------------ */

static void link_delivers_a_copy_after_latency(void **state)
{
    World *w = *state;
    char buf[8] = "hello";

    assert_int_equal(send_text(w->p2s, 7, buf), 0);
    memcpy(buf, "XXXXX", 5);        /* the link holds its own copy */
    run_to(w, LATENCY - 1);
    assert_int_equal(w->ngot, 0);
    run_to(w, LATENCY);
    assert_int_equal(w->ngot, 1);
    assert_int_equal(w->got[0].id, 1);
    assert_int_equal(w->got[0].tag, 7);
    assert_int_equal(w->got[0].tick, LATENCY);
    assert_string_equal(w->got[0].text, "hello");
    assert_int_equal(sim_link_in_flight(w->p2s), 0);
    assert_int_equal(sim_link_stats(w->p2s)->delivered, 1);
}

static void link_delivers_in_send_order_with_monotonic_ids(void **state)
{
    World *w = *state;
    const char *texts[] = { "a", "b", "c", "d" };

    assert_int_equal(send_text(w->p2s, 0, texts[0]), 0);
    assert_int_equal(send_text(w->p2s, 0, texts[1]), 0);
    run_to(w, 3);
    assert_int_equal(send_text(w->p2s, 0, texts[2]), 0);
    assert_int_equal(send_text(w->p2s, 0, texts[3]), 0);
    run_to(w, 100);
    assert_int_equal(w->ngot, 4);
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(w->got[i].id, i + 1);
        assert_string_equal(w->got[i].text, texts[i]);
        assert_int_equal(w->got[i].tick, i < 2 ? LATENCY : 3 + LATENCY);
    }
}

static void link_rejects_bad_and_oversized_messages(void **state)
{
    World *w = *state;
    static char big[SIM_MSG_MAX_BYTES + 1];

    assert_int_equal(sim_link_send(w->p2s, SIM_MSG_PACKET, 0, big,
                                   sizeof(big)), -EMSGSIZE);
    assert_int_equal(sim_link_send(w->p2s, SIM_MSG_PACKET, 0, big,
                                   SIM_MSG_MAX_BYTES), 0);
    assert_int_equal(sim_link_send(w->p2s, SIM_MSG_PACKET, 0, NULL, 3),
                     -EINVAL);
    assert_int_equal(sim_link_send(w->p2s, SIM_MSG__MAX, 0, NULL, 0), -EINVAL);
    assert_int_equal(sim_link_send(w->p2s, SIM_MSG_CONTROL, 0, NULL, 0), 0);
    assert_int_equal(sim_link_stats(w->p2s)->sent, 2);
}

static void link_new_rejects_bad_config_with_message(void **state)
{
    World *w = *state;
    SimLinkConfig cfg = {
        .name = "a-name-that-is-far-too-long-for-a-link", .from = "pri",
        .to = "sec", .clock = w->clock, .deliver = on_deliver,
    };
    static char sentinel;
    SimLink *l = (SimLink *)(void *)&sentinel;
    char err[128] = "";

    assert_int_equal(sim_link_new(&cfg, &l, err, sizeof(err)), -EINVAL);
    assert_null(l);
    assert_string_equal(err, "link: name must be 1 to 31 characters");
    cfg.name = "x";
    cfg.clock = NULL;
    assert_int_equal(sim_link_new(&cfg, &l, err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "link x: a clock and a deliver callback are "
                        "required");
}

static void link_refuses_past_max_in_flight(void **state)
{
    World *w = *state;
    SimLinkConfig cfg = {
        .name = "tiny", .from = "pri", .to = "sec", .latency_ticks = 5,
        .max_in_flight = 2, .clock = w->clock, .trace = &w->trace,
        .deliver = on_deliver, .ctx = w,
    };
    SimLink *l = NULL;

    assert_int_equal(sim_link_new(&cfg, &l, NULL, 0), 0);
    assert_int_equal(send_text(l, 0, "1"), 0);
    assert_int_equal(send_text(l, 0, "2"), 0);
    assert_int_equal(send_text(l, 0, "3"), -ENOBUFS);
    assert_int_equal(sim_link_stats(l)->over_limit, 1);
    run_to(w, 5);
    assert_int_equal(send_text(l, 0, "4"), 0);
    run_to(w, 20);
    assert_int_equal(w->ngot, 3);
    assert_string_equal(w->got[2].text, "4");
    sim_link_free(l);
}

static void down_link_refuses_sends_and_loses_in_flight(void **state)
{
    World *w = *state;

    sim_probe_reset();
    assert_int_equal(send_text(w->p2s, 1, "in-flight"), 0);
    sim_link_set_down(w->p2s, true);
    assert_true(sim_link_is_down(w->p2s));
    assert_int_equal(send_text(w->p2s, 1, "refused"), -ENOTCONN);
    run_to(w, 100);
    assert_int_equal(w->ngot, 0);
    assert_int_equal(sim_link_stats(w->p2s)->lost, 1);
    assert_int_equal(sim_link_stats(w->p2s)->refused, 1);
    assert_int_equal(sim_link_in_flight(w->p2s), 0);
    assert_int_equal(probe_count(SIM_PROBE_LINK_LOST_DOWN), 1);     /* the lost one */
}

static void healed_link_carries_new_messages_but_not_old_ones(void **state)
{
    World *w = *state;

    assert_int_equal(send_text(w->p2s, 1, "old"), 0);
    sim_link_set_down(w->p2s, true);
    sim_link_set_down(w->p2s, false);       /* healed before "old" is due */
    assert_false(sim_link_is_down(w->p2s));
    assert_int_equal(send_text(w->p2s, 1, "new"), 0);
    run_to(w, 100);
    assert_int_equal(w->ngot, 1);
    assert_string_equal(w->got[0].text, "new");
    assert_int_equal(sim_link_stats(w->p2s)->lost, 1);
    assert_int_equal(sim_link_stats(w->p2s)->downs, 1);
}

static void partition_one_way_keeps_the_other_direction(void **state)
{
    World *w = *state;

    sim_link_set_down(w->p2s, true);
    assert_int_equal(send_text(w->p2s, 1, "p"), -ENOTCONN);
    assert_int_equal(send_text(w->s2p, 2, "s"), 0);
    run_to(w, 100);
    assert_int_equal(w->ngot, 1);
    assert_int_equal(w->got[0].tag, 2);
}

static void partition_both_ways_then_heal(void **state)
{
    World *w = *state;

    sim_link_set_down(w->p2s, true);
    sim_link_set_down(w->s2p, true);
    assert_int_equal(send_text(w->p2s, 1, "p"), -ENOTCONN);
    assert_int_equal(send_text(w->s2p, 2, "s"), -ENOTCONN);
    sim_link_set_down(w->p2s, false);
    sim_link_set_down(w->s2p, false);
    assert_int_equal(send_text(w->p2s, 3, "p"), 0);
    assert_int_equal(send_text(w->s2p, 4, "s"), 0);
    run_to(w, 100);
    assert_int_equal(w->ngot, 2);
    assert_int_equal(w->got[0].tag, 3);
    assert_int_equal(w->got[1].tag, 4);
}

static void link_free_drops_messages_in_flight(void **state)
{
    World *w = *state;

    assert_int_equal(send_text(w->p2s, 1, "a"), 0);
    assert_int_equal(send_text(w->p2s, 2, "b"), 0);
    assert_int_equal(sim_clock_pending(w->clock), 2);
    sim_link_free(w->p2s);
    w->p2s = NULL;
    assert_int_equal(sim_clock_pending(w->clock), 0);
}

/* A link emptied and made again in place (a reused cluster's: issue 22)
 * is a new link of the new config: up, nothing in flight, counters and
 * message ids from zero, the new name, delivering to the new receiver. */
static void renewed_link_is_a_new_one(void **state)
{
    World *w = *state;
    SimLinkConfig cfg = {
        .name = "x2y", .from = "pri", .to = "sec",
        .latency_ticks = LATENCY, .delay_ticks = DELAY,
        .clock = w->clock, .trace = &w->trace, .faults = w->faults,
        .deliver = on_deliver, .ctx = w,
    };
    char err[128] = "";

    assert_int_equal(send_text(w->p2s, 1, "a"), 0);
    assert_int_equal(send_text(w->p2s, 2, "b"), 0);
    sim_link_set_down(w->s2p, true);
    sim_link_empty(w->p2s);
    sim_link_empty(w->s2p);
    assert_int_equal(sim_clock_pending(w->clock), 0);
    assert_int_equal(sim_link_renew(w->p2s, &cfg, err, sizeof(err)), 0);
    cfg.name = "";
    assert_int_equal(sim_link_renew(w->s2p, &cfg, err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "link: name must be 1 to 31 characters");
    cfg.name = "y2x";
    assert_int_equal(sim_link_renew(w->s2p, &cfg, err, sizeof(err)), 0);
    assert_false(sim_link_is_down(w->s2p));
    assert_string_equal(sim_link_name(w->p2s), "x2y");
    assert_int_equal(sim_link_in_flight(w->p2s), 0);
    assert_int_equal(sim_link_stats(w->p2s)->sent, 0);
    assert_int_equal(sim_link_stats(w->s2p)->downs, 0);
    assert_int_equal(send_text(w->s2p, 3, "c"), 0);
    run_to(w, LATENCY);
    assert_int_equal(w->ngot, 1);
    assert_int_equal(w->got[0].id, 1);
    assert_string_equal(w->got[0].text, "c");
}

/* Echo: every delivery on p2s is answered on s2p, up to 3 rounds. */
static void on_echo(void *ctx, const SimMsg *msg)
{
    World *w = ctx;

    on_deliver(ctx, msg);
    if (msg->tag < 3) {
        assert_int_equal(sim_link_send(w->s2p, SIM_MSG_CONTROL, msg->tag + 1,
                                       NULL, 0), 0);
    }
}

static void deliver_callback_may_send(void **state)
{
    World *w = *state;
    SimLinkConfig cfg = {
        .name = "echo", .from = "pri", .to = "sec", .latency_ticks = LATENCY,
        .clock = w->clock, .trace = &w->trace, .deliver = on_echo, .ctx = w,
    };
    SimLink *echo = NULL;

    assert_int_equal(sim_link_new(&cfg, &echo, NULL, 0), 0);
    assert_int_equal(sim_link_send(echo, SIM_MSG_CONTROL, 0, NULL, 0), 0);
    run_to(w, 1000);
    assert_int_equal(w->ngot, 2);           /* echo's 0, then s2p's 1 */
    assert_int_equal(w->got[1].tag, 1);
    assert_int_equal(w->got[1].tick, 2 * LATENCY);
    sim_link_free(echo);
}

/* ---- Link faults --------------------------------------------------------------- */

static void link_registers_its_five_fault_points(void **state)
{
    World *w = *state;
    const char *names[] = { "net/p2s/drop", "net/p2s/delay",
                            "net/p2s/duplicate", "net/p2s/reorder",
                            "net/p2s/down", "net/s2p/down" };

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        assert_non_null(sim_faults_find(w->faults, names[i]));
    }
}

static void drop_fault_loses_the_message_silently(void **state)
{
    World *w = *state;

    sim_probe_reset();
    arm(w, "net/p2s/drop", SIM_FAULT_ONCE);
    assert_int_equal(send_text(w->p2s, 1, "lost"), 0);
    assert_int_equal(send_text(w->p2s, 2, "kept"), 0);
    run_to(w, 100);
    assert_int_equal(w->ngot, 1);
    assert_int_equal(w->got[0].id, 2);
    assert_int_equal(sim_link_stats(w->p2s)->dropped, 1);
    assert_int_equal(sim_faults_find(w->faults, "net/p2s/drop")->fires, 1);
    assert_int_equal(probe_count(SIM_PROBE_LINK_DROPPED), 1);
    sim_faults_clear(w->faults, "*");
}

static void delay_fault_adds_delay_ticks(void **state)
{
    World *w = *state;

    arm(w, "net/p2s/delay", SIM_FAULT_ONCE);
    assert_int_equal(send_text(w->p2s, 1, "slow"), 0);
    assert_int_equal(send_text(w->p2s, 2, "fast"), 0);
    run_to(w, 1000);
    assert_int_equal(w->ngot, 2);
    assert_string_equal(w->got[0].text, "fast");
    assert_int_equal(w->got[0].tick, LATENCY);
    assert_string_equal(w->got[1].text, "slow");
    assert_int_equal(w->got[1].tick, LATENCY + DELAY);
    assert_int_equal(sim_link_stats(w->p2s)->delayed, 1);
    sim_faults_clear(w->faults, "*");
}

static void duplicate_fault_delivers_twice_with_the_same_id(void **state)
{
    World *w = *state;

    sim_probe_reset();
    arm(w, "net/p2s/duplicate", SIM_FAULT_ONCE);
    assert_int_equal(send_text(w->p2s, 1, "twice"), 0);
    assert_int_equal(send_text(w->p2s, 2, "once"), 0);
    run_to(w, 1000);
    assert_int_equal(w->ngot, 3);
    assert_int_equal(w->got[0].id, 1);
    assert_int_equal(w->got[0].copy, 0);
    assert_int_equal(w->got[1].id, 1);
    assert_int_equal(w->got[1].copy, 1);
    assert_string_equal(w->got[1].text, "twice");
    assert_int_equal(w->got[2].id, 2);
    assert_int_equal(probe_count(SIM_PROBE_LINK_DUPLICATED), 1);
    assert_int_equal(probe_count(SIM_PROBE_LINK_DELAYED_OR_REORDERED), 0);
    sim_faults_clear(w->faults, "*");
}

static void reorder_fault_delivers_right_after_the_next_message(void **state)
{
    World *w = *state;

    arm(w, "net/p2s/reorder", SIM_FAULT_ONCE);
    assert_int_equal(send_text(w->p2s, 1, "first"), 0);
    run_to(w, 4);
    assert_int_equal(send_text(w->p2s, 2, "second"), 0);
    assert_int_equal(send_text(w->p2s, 3, "third"), 0);
    assert_int_equal(sim_link_in_flight(w->p2s), 3);
    run_to(w, 4 + LATENCY);
    assert_int_equal(sim_link_in_flight(w->p2s), 0);
    assert_int_equal(sim_clock_pending(w->clock), 0);   /* hold cancelled */
    assert_int_equal(w->ngot, 3);
    assert_string_equal(w->got[0].text, "second");
    assert_string_equal(w->got[1].text, "first");
    assert_int_equal(w->got[1].tick, 4 + LATENCY);
    assert_string_equal(w->got[2].text, "third");
    assert_int_equal(sim_link_stats(w->p2s)->reordered, 1);
    assert_int_equal(sim_link_in_flight(w->p2s), 0);
    sim_faults_clear(w->faults, "*");
}

static void reorder_fault_releases_after_hold_when_nothing_follows(void **state)
{
    World *w = *state;

    arm(w, "net/p2s/reorder", SIM_FAULT_ONCE);
    assert_int_equal(send_text(w->p2s, 1, "alone"), 0);
    run_to(w, LATENCY + SIM_LINK_DEFAULT_HOLD_TICKS - 1);
    assert_int_equal(w->ngot, 0);
    run_to(w, LATENCY + SIM_LINK_DEFAULT_HOLD_TICKS);
    assert_int_equal(w->ngot, 1);
    assert_string_equal(w->got[0].text, "alone");
    assert_int_equal(send_text(w->p2s, 2, "later"), 0);   /* nothing held */
    run_to(w, 1000);
    assert_int_equal(w->ngot, 2);
    sim_faults_clear(w->faults, "*");
}

static void down_fault_takes_the_link_down_until_healed(void **state)
{
    World *w = *state;

    assert_int_equal(send_text(w->p2s, 1, "before"), 0);
    arm(w, "net/p2s/down", SIM_FAULT_ONCE);
    assert_int_equal(send_text(w->p2s, 2, "at"), -ENOTCONN);
    assert_true(sim_link_is_down(w->p2s));
    assert_int_equal(send_text(w->p2s, 3, "after"), -ENOTCONN);
    run_to(w, 100);
    assert_int_equal(w->ngot, 0);           /* "before" was in flight: lost */
    sim_link_set_down(w->p2s, false);
    assert_int_equal(send_text(w->p2s, 4, "healed"), 0);
    run_to(w, 200);
    assert_int_equal(w->ngot, 1);
    assert_int_equal(w->got[0].tag, 4);
    assert_int_equal(w->got[0].id, 2);      /* refused sends take no id */
    sim_faults_clear(w->faults, "*");
}

/* ---- Comparator ---------------------------------------------------------------- */

static void packets_pass_through_before_start(void **state)
{
    World *w = *state;

    assert_int_equal(sim_compare_stage(w->cmp), SIM_COMPARE_IDLE);
    assert_int_equal(pri(w, 1, "early"), 0);
    assert_int_equal(sec(w, 1, "ignored"), 0);
    assert_int_equal(w->nrel, 1);
    assert_int_equal(w->rel[0].why, SIM_RELEASE_PASS);
    assert_int_equal(sim_compare_stats(w->cmp)->secondary_ignored, 1);
}

static void equal_packets_release_the_primary_in_order(void **state)
{
    World *w = *state;
    size_t p, s;

    start_compare(w);
    assert_int_equal(pri(w, 1, "a"), 0);
    assert_int_equal(pri(w, 1, "b"), 0);
    assert_int_equal(w->nrel, 0);
    sim_compare_queued(w->cmp, 1, &p, &s);
    assert_int_equal(p, 2);
    assert_int_equal(sec(w, 1, "a"), 0);
    assert_int_equal(w->nrel, 1);
    assert_string_equal(w->rel[0].text, "a");
    assert_int_equal(w->rel[0].why, SIM_RELEASE_MATCH);
    assert_int_equal(sec(w, 1, "b"), 0);
    assert_int_equal(sec(w, 1, "c"), 0);    /* secondary ahead: waits */
    assert_int_equal(pri(w, 1, "c"), 0);
    assert_int_equal(w->nrel, 3);
    assert_string_equal(w->rel[2].text, "c");
    sim_compare_queued(w->cmp, 1, &p, &s);
    assert_int_equal(p + s, 0);
    assert_int_equal(sim_compare_stats(w->cmp)->matched, 3);
    assert_int_equal(w->requests, 0);
}

static void connections_are_compared_independently(void **state)
{
    World *w = *state;

    start_compare(w);
    assert_int_equal(pri(w, 1, "one"), 0);
    assert_int_equal(pri(w, 2, "two"), 0);
    assert_int_equal(sec(w, 2, "two"), 0);
    assert_int_equal(w->nrel, 1);
    assert_int_equal(w->rel[0].conn, 2);
}

static void mismatch_requests_a_checkpoint_and_holds_the_packet(void **state)
{
    World *w = *state;
    size_t p, s;

    start_compare(w);
    assert_int_equal(pri(w, 5, "yes"), 0);
    assert_int_equal(sec(w, 5, "no!"), 0);
    assert_int_equal(w->requests, 1);
    assert_int_equal(w->last_reason, SIM_COMPARE_MISMATCH);
    assert_int_equal(w->last_conn, 5);
    assert_int_equal(w->nrel, 0);
    sim_compare_queued(w->cmp, 5, &p, &s);
    assert_int_equal(p, 1);
    assert_int_equal(s, 1);
    assert_int_equal(sim_compare_stats(w->cmp)->mismatches, 1);
}

static void mismatched_connection_holds_later_packets_without_new_requests(
    void **state)
{
    World *w = *state;

    start_compare(w);
    assert_int_equal(pri(w, 5, "x"), 0);
    assert_int_equal(sec(w, 5, "y"), 0);
    assert_int_equal(pri(w, 5, "same"), 0);
    assert_int_equal(sec(w, 5, "same"), 0);
    assert_int_equal(w->nrel, 0);
    assert_int_equal(w->requests, 1);
}

static void timeout_requests_a_checkpoint(void **state)
{
    World *w = *state;

    start_compare(w);
    run_to(w, 100);
    assert_int_equal(pri(w, 3, "alone"), 0);
    run_to(w, 100 + SIM_COMPARE_DEFAULT_TIMEOUT_TICKS - 1);
    assert_int_equal(w->requests, 0);
    run_to(w, 100 + SIM_COMPARE_DEFAULT_TIMEOUT_TICKS);
    assert_int_equal(w->requests, 1);
    assert_int_equal(w->last_reason, SIM_COMPARE_TIMEOUT);
    assert_int_equal(w->last_conn, 3);
    assert_int_equal(w->nrel, 0);           /* a request releases nothing */
    run_to(w, 100 + SIM_COMPARE_DEFAULT_TIMEOUT_TICKS
              + SIM_COMPARE_DEFAULT_SCAN_TICKS);
    assert_int_equal(w->requests, 2);       /* still old: asked again */
    assert_int_equal(sim_compare_stats(w->cmp)->timeouts, 2);
}

static void matched_packets_never_time_out(void **state)
{
    World *w = *state;

    start_compare(w);
    assert_int_equal(pri(w, 3, "a"), 0);
    run_to(w, 2000);
    assert_int_equal(sec(w, 3, "a"), 0);
    assert_int_equal(pri(w, 3, "b"), 0);
    run_to(w, 4999);
    assert_int_equal(w->requests, 0);       /* "b" is 2999 ticks old */
    run_to(w, 5000);
    assert_int_equal(w->requests, 1);
    assert_int_equal(sec(w, 3, "b"), 0);
    run_to(w, 100000);
    assert_int_equal(w->requests, 1);
    assert_int_equal(sim_clock_pending(w->clock), 0);
}

static void checkpoint_releases_primary_and_drops_secondary(void **state)
{
    World *w = *state;
    Error *err = NULL;
    size_t p, s;

    start_compare(w);
    assert_int_equal(pri(w, 1, "p1"), 0);
    assert_int_equal(sec(w, 1, "s1"), 0);   /* mismatch */
    assert_int_equal(pri(w, 1, "p2"), 0);
    assert_int_equal(sec(w, 2, "s-only"), 0);
    replication_do_checkpoint_all_in(w->reg, &err);
    assert_null(err);
    assert_int_equal(w->nrel, 2);
    assert_string_equal(w->rel[0].text, "p1");
    assert_string_equal(w->rel[1].text, "p2");
    assert_int_equal(w->rel[1].why, SIM_RELEASE_CHECKPOINT);
    sim_compare_queued(w->cmp, 2, &p, &s);
    assert_int_equal(p + s, 0);
    assert_int_equal(sim_compare_stats(w->cmp)->secondary_flushed, 2);
    assert_int_equal(pri(w, 1, "p3"), 0);   /* unblocked, realigned */
    assert_int_equal(sec(w, 1, "p3"), 0);
    assert_int_equal(w->nrel, 3);
    assert_int_equal(w->rel[2].why, SIM_RELEASE_MATCH);
}

static void checkpoint_may_run_inside_the_request(void **state)
{
    World *w = *state;

    w->checkpoint_at_once = true;
    start_compare(w);
    assert_int_equal(pri(w, 1, "mine"), 0);
    assert_int_equal(sec(w, 1, "other"), 0);
    assert_int_equal(w->requests, 1);
    assert_int_equal(w->nrel, 1);
    assert_int_equal(w->rel[0].why, SIM_RELEASE_CHECKPOINT);
    assert_int_equal(sim_compare_stats(w->cmp)->checkpoints, 1);
}

static void queue_limit_drops_with_exact_error(void **state)
{
    World *w = *state;
    SimCompareConfig cfg = compare_config(w);

    sim_compare_free(w->cmp);
    cfg.max_queue = 2;
    w->cmp = make_compare(&cfg);
    start_compare(w);
    assert_error(w, NULL);
    sim_probe_reset();
    assert_int_equal(pri(w, 9, "1"), 0);
    assert_int_equal(pri(w, 9, "2"), 0);
    assert_int_equal(probe_count(SIM_PROBE_COMPARE_QUEUE_LIMIT), 0);
    assert_int_equal(pri(w, 9, "3"), -ENOBUFS);
    assert_int_equal(probe_count(SIM_PROBE_COMPARE_QUEUE_LIMIT), 1);
    assert_int_equal(pri(w, 8, "other"), 0);
    assert_int_equal(sim_compare_stats(w->cmp)->dropped, 1);
    assert_error(w, "colo-compare: queue limit reached on connection 9");
}

static void too_many_connections_drop_with_exact_error(void **state)
{
    World *w = *state;
    SimCompareConfig cfg = compare_config(w);

    sim_compare_free(w->cmp);
    cfg.max_connections = 2;
    w->cmp = make_compare(&cfg);
    start_compare(w);
    assert_int_equal(pri(w, 1, "a"), 0);
    assert_int_equal(pri(w, 2, "b"), 0);
    assert_int_equal(pri(w, 3, "c"), -ENOSPC);
    assert_int_equal(sec(w, 1, "a"), 0);    /* frees connection 1's slot */
    assert_int_equal(pri(w, 3, "c"), 0);
    assert_error(w, "colo-compare: too many connections (limit 2)");
}

static void get_error_reports_a_down_link(void **state)
{
    World *w = *state;

    start_compare(w);
    assert_error(w, NULL);
    sim_link_set_down(w->s2p, true);
    assert_error(w, "link s2p is down");
    sim_link_set_down(w->s2p, false);
    assert_error(w, NULL);
}

static void stop_failover_releases_queued_and_passes_through(void **state)
{
    World *w = *state;
    Error *err = NULL;

    start_compare(w);
    assert_int_equal(pri(w, 1, "held"), 0);
    assert_int_equal(sec(w, 1, "stale"), 0);
    assert_int_equal(sec(w, 2, "sec-only"), 0);
    replication_stop_all_in(w->reg, true, &err);
    assert_null(err);
    assert_int_equal(sim_compare_stage(w->cmp), SIM_COMPARE_STOPPED);
    assert_int_equal(sim_clock_pending(w->clock), 0);   /* check cancelled */
    assert_int_equal(w->nrel, 1);
    assert_string_equal(w->rel[0].text, "held");
    assert_int_equal(w->rel[0].why, SIM_RELEASE_STOP);
    assert_int_equal(pri(w, 1, "after"), 0);
    assert_int_equal(w->nrel, 2);
    assert_int_equal(w->rel[1].why, SIM_RELEASE_PASS);
    run_to(w, 100000);
    assert_int_equal(w->requests, 1);       /* the mismatch; no timeout */
    assert_int_equal(sim_clock_pending(w->clock), 0);
}

static void stop_without_failover_also_releases(void **state)
{
    World *w = *state;
    Error *err = NULL;

    start_compare(w);
    assert_int_equal(pri(w, 1, "held"), 0);
    replication_stop_all_in(w->reg, false, &err);
    assert_null(err);
    assert_int_equal(w->nrel, 1);
    assert_int_equal(w->rel[0].why, SIM_RELEASE_STOP);
}

static void start_and_stop_follow_the_stage_rules(void **state)
{
    World *w = *state;
    Error *err = NULL;

    replication_stop_all_in(w->reg, true, &err);
    assert_string_equal(error_get_pretty(err), "colo-compare: not running");
    error_free(err);
    err = NULL;
    replication_start_all_in(w->reg, REPLICATION_MODE_SECONDARY, &err);
    assert_string_equal(error_get_pretty(err),
                        "colo-compare: runs on the primary only, got mode 1");
    error_free(err);
    err = NULL;
    start_compare(w);
    replication_start_all_in(w->reg, REPLICATION_MODE_PRIMARY, &err);
    assert_string_equal(error_get_pretty(err), "colo-compare: already running");
    error_free(err);
    err = NULL;
    replication_stop_all_in(w->reg, true, &err);
    replication_stop_all_in(w->reg, true, &err);    /* stopped: ignored */
    replication_start_all_in(w->reg, REPLICATION_MODE_PRIMARY, &err);
    assert_null(err);
    assert_int_equal(sim_compare_stage(w->cmp), SIM_COMPARE_STOPPED);
}

static void free_discards_queued_packets_and_unregisters(void **state)
{
    World *w = *state;

    start_compare(w);
    assert_int_equal(pri(w, 1, "never-seen"), 0);
    assert_int_equal(replication_registry_count(w->reg), 1);
    assert_int_equal(sim_clock_pending(w->clock), 1);   /* timeout check */
    sim_compare_free(w->cmp);
    w->cmp = NULL;
    assert_int_equal(w->nrel, 0);
    assert_int_equal(replication_registry_count(w->reg), 0);
}

/* A comparator emptied and made again in place (a reused cluster's:
 * issue 22) is a new one: its queued packets discarded and its state
 * unregistered by the emptying, then registered anew, idle, counters and
 * release numbers from zero, no connection held; its table of connections
 * kept for the same number, made anew for another. */
static void renewed_comparator_is_a_new_one(void **state)
{
    World *w = *state;
    SimCompareConfig cfg = compare_config(w);
    char err[128] = "";

    start_compare(w);
    assert_int_equal(pri(w, 1, "queued"), 0);
    assert_int_equal(pri(w, 2, "x"), 0);
    assert_int_equal(sec(w, 2, "y"), 0);       /* a mismatch: 2 held */
    assert_int_equal(w->requests, 1);
    assert_int_equal(pri(w, 3, "r"), 0);
    assert_int_equal(sec(w, 3, "r"), 0);
    assert_int_equal(w->nrel, 1);               /* release number 1 */
    sim_compare_empty(w->cmp);
    assert_int_equal(replication_registry_count(w->reg), 0);
    assert_int_equal(sim_clock_pending(w->clock), 0);
    assert_int_equal(sim_compare_renew(w->cmp, &cfg, err, sizeof(err)), 0);
    assert_int_equal(replication_registry_count(w->reg), 1);
    assert_int_equal(sim_compare_stage(w->cmp), SIM_COMPARE_IDLE);
    assert_int_equal(sim_compare_stats(w->cmp)->discarded, 0);
    start_compare(w);
    assert_int_equal(pri(w, 2, "a"), 0);       /* 2 no longer held */
    assert_int_equal(sec(w, 2, "a"), 0);
    assert_int_equal(w->nrel, 2);
    assert_string_equal(w->rel[1].text, "a");
    assert_int_equal(w->rel[1].id, 1);
    assert_int_equal(sim_compare_stats(w->cmp)->released, 1);
    assert_error(w, NULL);
    sim_compare_empty(w->cmp);
    cfg.max_connections = 2;
    assert_int_equal(sim_compare_renew(w->cmp, &cfg, err, sizeof(err)), 0);
    start_compare(w);
    assert_int_equal(pri(w, 1, "a"), 0);
    assert_int_equal(pri(w, 2, "b"), 0);
    assert_int_equal(pri(w, 3, "c"), -ENOSPC);
}

static void link_feeds_the_comparator(void **state)
{
    World *w = *state;
    SimLinkConfig cfg = {
        .name = "s2p-pkt", .from = "sec", .to = "pri", .latency_ticks = 7,
        .clock = w->clock, .trace = &w->trace,
        .deliver = sim_compare_link_deliver, .ctx = NULL,
    };
    SimLink *l = NULL;

    cfg.ctx = w->cmp;
    assert_int_equal(sim_link_new(&cfg, &l, NULL, 0), 0);
    start_compare(w);
    assert_int_equal(pri(w, 4, "reply"), 0);
    assert_int_equal(send_text(l, 4, "reply"), 0);
    assert_int_equal(sim_link_send(l, SIM_MSG_CONTROL, 4, NULL, 0), 0);
    run_to(w, 7);
    assert_int_equal(w->nrel, 1);
    assert_int_equal(w->rel[0].tick, 7);
    assert_int_equal(sim_compare_stats(w->cmp)->secondary_ignored, 1);
    sim_link_free(l);
}

/* A release callback that feeds the comparator again is a programming
 * error: the child must abort. */
static void on_release_reenter(void *ctx, const SimRelease *rel)
{
    World *w = ctx;

    (void)rel;
    pri(w, 1, "again");
}

static void release_callback_may_not_reenter(void **state)
{
    World *w = *state;
    SimCompareConfig cfg = compare_config(w);
    int status = 0;
    pid_t pid;

    sim_compare_free(w->cmp);
    cfg.release = on_release_reenter;
    w->cmp = make_compare(&cfg);
    fflush(NULL);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        if (freopen("/dev/null", "w", stderr) == NULL) {
            _exit(2);
        }
        pri(w, 1, "first");
        _exit(0);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
}

/* ---- Determinism --------------------------------------------------------------- */

/* Arm every fault of link `name` with probability: frequent message faults,
 * rare downs. */
static void arm_link_faults(World *w, const char *name)
{
    static const char *const kinds[] = { "drop", "delay", "duplicate",
                                         "reorder", "down" };

    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        SimFaultSpec spec = { .mode = SIM_FAULT_PROB,
                              .per_million = i == 4 ? 20000 : 150000 };
        char point[SIM_FAULT_NAME_MAX];
        int rc;

        snprintf(point, sizeof(point), "net/%s/%s", name, kinds[i]);
        rc = sim_faults_arm(w->faults, point, &spec, NULL, 0);
        assert_int_equal(rc, 1);
    }
}

/* A small seeded run: probabilistic faults on two links, one of them
 * feeding the comparator, partitions healed every 20 steps, checkpoints on
 * request.  Returns the trace hash mixed with the released packets' hash. */
static uint64_t run_once(uint64_t seed)
{
    World *w = world_new(true, seed);
    SimLinkConfig cfg = {
        .name = "s2p-cmp", .from = "sec", .to = "pri", .latency_ticks = 3,
        .delay_ticks = 40, .clock = w->clock, .trace = &w->trace,
        .faults = w->faults, .deliver = sim_compare_link_deliver,
    };
    SimLink *l = NULL;
    uint64_t hash;

    cfg.ctx = w->cmp;
    assert_int_equal(sim_link_new(&cfg, &l, NULL, 0), 0);
    w->checkpoint_at_once = true;
    start_compare(w);
    arm_link_faults(w, "s2p-cmp");
    arm_link_faults(w, "p2s");
    for (uint64_t i = 0; i < 200; i++) {
        char text[16];

        if (i % 20 == 0) {
            sim_link_set_down(l, false);
            sim_link_set_down(w->p2s, false);
        }
        snprintf(text, sizeof(text), "pkt%llu", (unsigned long long)(i / 2));
        pri(w, i % 3, text);
        send_text(l, i % 3, text);
        send_text(w->p2s, i, text);
        run_to(w, sim_clock_now(w->clock) + 5);
    }
    run_to(w, 100000);
    /* The run exercised what it claims to. */
    assert_true(sim_link_stats(l)->dropped > 0 && sim_link_stats(l)->downs > 0);
    assert_true(sim_link_stats(l)->reordered > 0);
    assert_true(sim_link_stats(w->p2s)->duplicated > 0);
    assert_true(sim_compare_stats(w->cmp)->matched > 0);
    assert_true(sim_compare_stats(w->cmp)->checkpoint_requests > 0);
    hash = sim_trace_hash(&w->trace) ^ sim_compare_stats(w->cmp)->released_hash;
    sim_faults_clear(w->faults, "*");
    sim_link_free(l);
    world_free(w);
    return hash;
}

static void same_seed_gives_the_same_trace_hash(void **state)
{
    (void)state;
    need_fiu();
    assert_int_equal(run_once(42), run_once(42));
    assert_int_not_equal(run_once(42), run_once(43));
}

#define PLAIN(t) cmocka_unit_test_setup_teardown(t, setup_plain, teardown)
#define FAULTY(t) cmocka_unit_test_setup_teardown(t, setup_faults, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        PLAIN(link_delivers_a_copy_after_latency),
        PLAIN(link_delivers_in_send_order_with_monotonic_ids),
        PLAIN(link_rejects_bad_and_oversized_messages),
        PLAIN(link_new_rejects_bad_config_with_message),
        PLAIN(link_refuses_past_max_in_flight),
        PLAIN(down_link_refuses_sends_and_loses_in_flight),
        PLAIN(healed_link_carries_new_messages_but_not_old_ones),
        PLAIN(partition_one_way_keeps_the_other_direction),
        PLAIN(partition_both_ways_then_heal),
        PLAIN(link_free_drops_messages_in_flight),
        FAULTY(renewed_link_is_a_new_one),
        PLAIN(deliver_callback_may_send),
        FAULTY(link_registers_its_five_fault_points),
        FAULTY(drop_fault_loses_the_message_silently),
        FAULTY(delay_fault_adds_delay_ticks),
        FAULTY(duplicate_fault_delivers_twice_with_the_same_id),
        FAULTY(reorder_fault_delivers_right_after_the_next_message),
        FAULTY(reorder_fault_releases_after_hold_when_nothing_follows),
        FAULTY(down_fault_takes_the_link_down_until_healed),
        PLAIN(packets_pass_through_before_start),
        PLAIN(equal_packets_release_the_primary_in_order),
        PLAIN(connections_are_compared_independently),
        PLAIN(mismatch_requests_a_checkpoint_and_holds_the_packet),
        PLAIN(mismatched_connection_holds_later_packets_without_new_requests),
        PLAIN(timeout_requests_a_checkpoint),
        PLAIN(matched_packets_never_time_out),
        PLAIN(checkpoint_releases_primary_and_drops_secondary),
        PLAIN(checkpoint_may_run_inside_the_request),
        PLAIN(queue_limit_drops_with_exact_error),
        PLAIN(too_many_connections_drop_with_exact_error),
        PLAIN(get_error_reports_a_down_link),
        PLAIN(stop_failover_releases_queued_and_passes_through),
        PLAIN(stop_without_failover_also_releases),
        PLAIN(start_and_stop_follow_the_stage_rules),
        PLAIN(free_discards_queued_packets_and_unregisters),
        PLAIN(renewed_comparator_is_a_new_one),
        PLAIN(link_feeds_the_comparator),
        PLAIN(release_callback_may_not_reenter),
        cmocka_unit_test(same_seed_gives_the_same_trace_hash),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
