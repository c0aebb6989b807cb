/* test_walks.c: walk rules 1-3 of docs/CONTRACT.md in each of the four walks:
 * order, skipped members, first error, NULL errp, silent failure, arguments.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "world.h"

static void walks_newest_first(void **state)
{
    World *t = *state;

    probe_register_n(t->p, 5, t->reg);
    assert_string_equal(walk_log(t->reg, t->w), calls_of(t->w, "e d c b a"));
}

/* Each ops table lacks exactly one member: the walk of that member. */
static ReplicationOps ops_without[TW__COUNT];

static void null_member_is_skipped(void **state)
{
    World *t = *state;
    ReplicationOps *lacking = &ops_without[t->w];

    *lacking = probe_ops_all;
    switch (t->w) {
    case TW_START: lacking->start = NULL; break;
    case TW_STOP: lacking->stop = NULL; break;
    case TW_CHECKPOINT: lacking->checkpoint = NULL; break;
    default: lacking->get_error = NULL; break;
    }
    probe_register(&t->p[0], "a", t->reg, &probe_ops_all);
    probe_register(&t->p[1], "b", t->reg, lacking);
    probe_register(&t->p[2], "c", t->reg, &probe_ops_all);
    assert_string_equal(walk_log(t->reg, t->w), calls_of(t->w, "c a"));
    for (int other = 0; other < TW__COUNT; other++) {
        if (other != (int)t->w) {
            assert_string_equal(walk_log(t->reg, (TestWalk)other),
                                calls_of((TestWalk)other, "c b a"));
        }
    }
}

static void null_ops_pointer_is_skipped(void **state)
{
    World *t = *state;

    probe_register_n(t->p, 3, t->reg);
    t->p[1].rs->ops = NULL;
    assert_string_equal(walk_log(t->reg, t->w), calls_of(t->w, "c a"));
}

static void first_error_stops_walk(void **state)
{
    World *t = *state;
    Error *err = NULL;
    char want[64];

    probe_register_n(t->p, 5, t->reg);
    t->p[2].act = ACT_FAIL;
    t->p[0].act = ACT_FAIL;
    run_walk(t->reg, t->w, &err);
    assert_string_equal(probe_log(), calls_of(t->w, "e d c"));
    assert_non_null(err);
    snprintf(want, sizeof(want), "c failed in %s", walk_name(t->w));
    assert_string_equal(error_get_pretty(err), want);
    assert_int_equal(t->p[1].calls, 0);
    assert_int_equal(t->p[0].calls, 0);
    error_free(err);
}

static void null_errp_frees_error_and_stops(void **state)
{
    World *t = *state;

    probe_register_n(t->p, 5, t->reg);
    t->p[3].act = ACT_FAIL;
    assert_string_equal(walk_log(t->reg, t->w), calls_of(t->w, "e d"));
    /* Nothing to free here: ASan/valgrind report the error if it leaked. */
}

static void silent_failure_counts_as_success(void **state)
{
    World *t = *state;
    Error *err = NULL;

    probe_register_n(t->p, 3, t->reg);
    t->p[1].act = ACT_FAIL_SILENT;
    run_walk(t->reg, t->w, &err);
    assert_null(err);
    assert_string_equal(probe_log(), calls_of(t->w, "c b a"));
}

static void empty_registry_is_successful_noop(void **state)
{
    World *t = *state;
    Error *err = NULL;

    run_walk(t->reg, t->w, &err);
    assert_null(err);
    assert_string_equal(probe_log(), "");
}

static void set_errp_keeps_first_error(void **state)
{
    World *t = *state;
    Error *err = NULL;

    error_setg(&err, "earlier");
    probe_register_n(t->p, 2, t->reg);
    t->p[1].act = ACT_FAIL;
    run_walk(t->reg, t->w, &err);
    assert_string_equal(probe_log(), calls_of(t->w, "b"));
    assert_string_equal(error_get_pretty(err), "earlier");
    error_free(err);
}

static void mode_and_failover_pass_through(void **state)
{
    World *t = *state;
    Error *err = NULL;

    probe_register_n(t->p, 1, t->reg);
    replication_start_all_in(t->reg, REPLICATION_MODE_PRIMARY, &err);
    assert_int_equal(t->p[0].last_mode, REPLICATION_MODE_PRIMARY);
    replication_start_all_in(t->reg, REPLICATION_MODE_SECONDARY, &err);
    assert_int_equal(t->p[0].last_mode, REPLICATION_MODE_SECONDARY);
    /* Upstream passes the mode through unchecked; so do we. */
    replication_start_all_in(t->reg, REPLICATION_MODE__MAX, &err);
    assert_int_equal(t->p[0].last_mode, REPLICATION_MODE__MAX);
    replication_stop_all_in(t->reg, true, &err);
    assert_true(t->p[0].last_failover);
    replication_stop_all_in(t->reg, false, &err);
    assert_false(t->p[0].last_failover);
    assert_null(err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        PER_WALK(walks_newest_first),
        PER_WALK(null_member_is_skipped),
        PER_WALK(null_ops_pointer_is_skipped),
        PER_WALK(first_error_stops_walk),
        PER_WALK(null_errp_frees_error_and_stops),
        PER_WALK(silent_failure_counts_as_success),
        PER_WALK(empty_registry_is_successful_noop),
        PER_WALK(set_errp_keeps_first_error),
        ONCE(mode_and_failover_pass_through),
    };

    return cmocka_run_group_tests_name("walks", tests, NULL, NULL);
}
