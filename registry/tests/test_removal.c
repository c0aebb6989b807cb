/* test_removal.c: walk rules 4-6 of docs/CONTRACT.md in each of the four walks:
 * removal of any state from inside a callback, registration during a walk,
 * nested walks, and the programming errors that abort.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "world.h"

/* Five probes a..e (e newest); c acts on its call with the given targets. */
static void c_removes(World *t, ProbeAct act, Probe *t1, Probe *t2)
{
    probe_register_n(t->p, 5, t->reg);
    t->p[2].act = act;
    t->p[2].targets[0] = t1;
    t->p[2].targets[1] = t2;
}

static void remove_self_is_safe(void **state)
{
    World *t = *state;

    c_removes(t, ACT_REMOVE, &t->p[2], NULL);
    assert_string_equal(walk_log(t->reg, t->w), calls_of(t->w, "e d c b a"));
    assert_int_equal(replication_registry_count(t->reg), 4);
    assert_string_equal(walk_log(t->reg, t->w), calls_of(t->w, "e d b a"));
}

static void remove_visited_is_safe(void **state)
{
    World *t = *state;

    c_removes(t, ACT_REMOVE, &t->p[4], NULL);
    assert_string_equal(walk_log(t->reg, t->w), calls_of(t->w, "e d c b a"));
    assert_string_equal(walk_log(t->reg, t->w), calls_of(t->w, "d c b a"));
}

static void remove_next_is_not_called(void **state)
{
    World *t = *state;

    c_removes(t, ACT_REMOVE, &t->p[1], NULL);
    assert_string_equal(walk_log(t->reg, t->w), calls_of(t->w, "e d c a"));
    assert_int_equal(t->p[1].calls, 0);
}

static void remove_later_is_not_called(void **state)
{
    World *t = *state;

    c_removes(t, ACT_REMOVE, &t->p[0], NULL);
    assert_string_equal(walk_log(t->reg, t->w), calls_of(t->w, "e d c b"));
    assert_int_equal(t->p[0].calls, 0);
}

static void remove_next_and_later_skips_both(void **state)
{
    World *t = *state;

    c_removes(t, ACT_REMOVE, &t->p[0], &t->p[1]);
    assert_string_equal(walk_log(t->reg, t->w), calls_of(t->w, "e d c"));
    assert_int_equal(replication_registry_count(t->reg), 3);
}

static void remove_all_others_leaves_self(void **state)
{
    World *t = *state;

    probe_register_n(t->p, 5, t->reg);
    t->p[2].act = ACT_REMOVE;
    t->p[2].targets[0] = &t->p[0];
    t->p[2].targets[1] = &t->p[1];
    t->p[2].targets[2] = &t->p[3];
    t->p[2].targets[3] = &t->p[4];
    assert_string_equal(walk_log(t->reg, t->w), calls_of(t->w, "e d c"));
    assert_int_equal(replication_registry_count(t->reg), 1);
    assert_string_equal(walk_log(t->reg, t->w), calls_of(t->w, "c"));
}

static void remove_everything_including_self(void **state)
{
    World *t = *state;

    probe_register_n(t->p, 5, t->reg);
    t->p[4].act = ACT_REMOVE;
    for (int i = 0; i < 5; i++) {
        t->p[4].targets[i] = &t->p[i];
    }
    assert_string_equal(walk_log(t->reg, t->w), calls_of(t->w, "e"));
    assert_int_equal(replication_registry_count(t->reg), 0);
    assert_string_equal(walk_log(t->reg, t->w), "");
}

static void remove_self_then_fail_propagates(void **state)
{
    World *t = *state;
    Error *err = NULL;
    char want[64];

    c_removes(t, ACT_REMOVE_THEN_FAIL, &t->p[2], NULL);
    run_walk(t->reg, t->w, &err);
    assert_string_equal(probe_log(), calls_of(t->w, "e d c"));
    snprintf(want, sizeof(want), "c failed in %s", walk_name(t->w));
    assert_non_null(err);
    assert_string_equal(error_get_pretty(err), want);
    error_free(err);
    assert_int_equal(replication_registry_count(t->reg), 4);
    assert_string_equal(walk_log(t->reg, t->w), calls_of(t->w, "e d b a"));
}

static void remove_next_then_fail_propagates(void **state)
{
    World *t = *state;
    Error *err = NULL;

    c_removes(t, ACT_REMOVE_THEN_FAIL, &t->p[1], NULL);
    t->p[2].once = true;
    run_walk(t->reg, t->w, &err);
    assert_string_equal(probe_log(), calls_of(t->w, "e d c"));
    assert_non_null(err);
    error_free(err);
    assert_string_equal(walk_log(t->reg, t->w), calls_of(t->w, "e d c a"));
}

static void removed_state_stops_counting_at_once(void **state)
{
    World *t = *state;

    c_removes(t, ACT_REMOVE, &t->p[0], &t->p[4]);
    run_walk(t->reg, t->w, NULL);
    /* Read by c right after its removals, while the walk still runs. */
    assert_int_equal(t->p[2].count_after, 3);
    assert_int_equal(replication_registry_count(t->reg), 3);
}

static void register_during_walk_is_visited_next_walk_first(void **state)
{
    World *t = *state;

    probe_register_n(t->p, 5, t->reg);
    snprintf(t->p[5].name, sizeof(t->p[5].name), "f");
    t->p[2].act = ACT_REGISTER;
    t->p[2].once = true;
    t->p[2].spawn = &t->p[5];
    assert_string_equal(walk_log(t->reg, t->w), calls_of(t->w, "e d c b a"));
    assert_int_equal(replication_registry_count(t->reg), 6);
    assert_string_equal(walk_log(t->reg, t->w), calls_of(t->w, "f e d c b a"));
}

static void register_then_remove_during_walk(void **state)
{
    World *t = *state;

    probe_register_n(t->p, 3, t->reg);
    snprintf(t->p[5].name, sizeof(t->p[5].name), "f");
    t->p[1].act = ACT_REGISTER;
    t->p[1].once = true;
    t->p[1].spawn = &t->p[5];
    t->p[0].act = ACT_REMOVE;
    t->p[0].once = true;
    t->p[0].targets[0] = &t->p[5];
    assert_string_equal(walk_log(t->reg, t->w), calls_of(t->w, "c b a"));
    assert_int_equal(replication_registry_count(t->reg), 3);
    assert_string_equal(walk_log(t->reg, t->w), calls_of(t->w, "c b a"));
}

/* The nested walk is of another kind, so the log tells the two apart. */
static TestWalk other_walk(TestWalk w)
{
    return (TestWalk)((w + 1) % TW__COUNT);
}

static void nested_walk_removes_state_outer_has_not_visited(void **state)
{
    World *t = *state;
    TestWalk inner = other_walk(t->w);
    char want[128];

    probe_register_n(t->p, 5, t->reg);
    t->p[3].act = ACT_NESTED;
    t->p[3].once = true;
    t->p[3].nested = inner;
    t->p[3].nested_reg = t->reg;
    t->p[1].act = ACT_REMOVE;       /* b, in the nested walk, removes a */
    t->p[1].once = true;
    t->p[1].targets[0] = &t->p[0];
    snprintf(want, sizeof(want), "%s ", calls_of(t->w, "e d"));
    strcat(want, calls_of(inner, "e d c b a"));
    want[strlen(want) - 4] = '\0';              /* drop " a:x": a was removed */
    strcat(want, " ");
    strcat(want, calls_of(t->w, "c b"));
    assert_string_equal(walk_log(t->reg, t->w), want);
    assert_int_equal(t->p[0].calls, 0);
    assert_int_equal(replication_registry_count(t->reg), 4);
}

static void nested_walk_removes_outer_current_state(void **state)
{
    World *t = *state;
    TestWalk inner = other_walk(t->w);
    char want[128];

    probe_register_n(t->p, 3, t->reg);
    t->p[2].act = ACT_NESTED;       /* c runs a nested walk ... */
    t->p[2].once = true;
    t->p[2].nested = inner;
    t->p[2].nested_reg = t->reg;
    t->p[1].act = ACT_REMOVE;       /* ... in which b removes c and itself */
    t->p[1].once = true;
    t->p[1].targets[0] = &t->p[2];
    t->p[1].targets[1] = &t->p[1];
    snprintf(want, sizeof(want), "%s ", calls_of(t->w, "c"));
    strcat(want, calls_of(inner, "c b a"));
    strcat(want, " ");
    strcat(want, calls_of(t->w, "a"));
    assert_string_equal(walk_log(t->reg, t->w), want);
    assert_int_equal(replication_registry_count(t->reg), 1);
}

static void walk_of_other_registry_may_remove_its_states(void **state)
{
    World *t = *state;
    ReplicationRegistry *other = replication_registry_new();
    Probe x = { 0 };

    assert_non_null(other);
    probe_register(&x, "x", other, &probe_ops_all);
    probe_register_n(t->p, 2, t->reg);
    t->p[1].act = ACT_REMOVE;       /* b removes x, in a registry not walked */
    t->p[1].targets[0] = &x;
    assert_string_equal(walk_log(t->reg, t->w), calls_of(t->w, "b a"));
    assert_int_equal(replication_registry_count(other), 0);
    replication_registry_free(other);
}

static void remove_null_is_noop(void **state)
{
    World *t = *state;

    probe_register_n(t->p, 1, t->reg);
    replication_remove(NULL);
    assert_int_equal(replication_registry_count(t->reg), 1);
}

/* Callbacks that break the contract; opaque is what they act on. */
static void remove_opaque_twice(ReplicationState *rs, Error **errp)
{
    (void)errp;
    replication_remove(rs->opaque);
    replication_remove(rs->opaque);
}

static void free_opaque_registry(ReplicationState *rs, Error **errp)
{
    (void)errp;
    replication_registry_free(rs->opaque);
}

static ReplicationOps bad_ops = {
    .checkpoint = remove_opaque_twice,
    .get_error = free_opaque_registry,
};

static void do_remove_twice_in_walk(void *arg)
{
    World *t = arg;

    probe_register_n(t->p, 1, t->reg);
    assert_non_null(replication_new_in(t->reg, t->p[0].rs, &bad_ops));
    replication_do_checkpoint_all_in(t->reg, NULL);
}

static void remove_twice_during_walk_aborts(void **state)
{
    expect_abort(do_remove_twice_in_walk, *state, "state removed twice");
}

static void do_free_during_walk(void *arg)
{
    World *t = arg;

    assert_non_null(replication_new_in(t->reg, t->reg, &bad_ops));
    replication_get_error_all_in(t->reg, NULL);
}

static void free_registry_during_its_walk_aborts(void **state)
{
    expect_abort(do_free_during_walk, *state,
                 "registry freed during one of its walks");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        PER_WALK(remove_self_is_safe),
        PER_WALK(remove_visited_is_safe),
        PER_WALK(remove_next_is_not_called),
        PER_WALK(remove_later_is_not_called),
        PER_WALK(remove_next_and_later_skips_both),
        PER_WALK(remove_all_others_leaves_self),
        PER_WALK(remove_everything_including_self),
        PER_WALK(remove_self_then_fail_propagates),
        PER_WALK(remove_next_then_fail_propagates),
        PER_WALK(removed_state_stops_counting_at_once),
        PER_WALK(register_during_walk_is_visited_next_walk_first),
        PER_WALK(register_then_remove_during_walk),
        PER_WALK(nested_walk_removes_state_outer_has_not_visited),
        PER_WALK(nested_walk_removes_outer_current_state),
        PER_WALK(walk_of_other_registry_may_remove_its_states),
        ONCE(remove_null_is_noop),
        ONCE(remove_twice_during_walk_aborts),
        ONCE(free_registry_during_its_walk_aborts),
    };

    return cmocka_run_group_tests_name("removal", tests, NULL, NULL);
}
