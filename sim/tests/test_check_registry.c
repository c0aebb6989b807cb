/* test_check_registry.c: the registry contract checker holds on the real
 * registry (including removals and nested walks from callbacks) and reports
 * the exact difference when fed a call sequence that breaks the contract.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "check_registry.h"

typedef struct Fixture {
    ReplicationRegistry *reg;
    SimRegCheck *chk;
    ReplicationState *rs[4];
    int fail_in;                /* index of the state whose callbacks fail */
    int remove_from;            /* index whose callback removes `victim` */
    int victim;
    bool nested;                /* rs[remove_from] also runs a nested walk */
    const char *msg;            /* the failing callback's error, when not NULL */
} Fixture;

static Fixture *fx;

static int index_of(ReplicationState *rs)
{
    for (int i = 0; i < 4; i++) {
        if (fx->rs[i] == rs) {
            return i;
        }
    }
    return -1;
}

static void body(ReplicationState *rs, Error **errp)
{
    int i = index_of(rs);

    if (i == fx->remove_from && fx->victim >= 0 && fx->rs[fx->victim]) {
        sim_regcheck_untrack(fx->chk, fx->rs[fx->victim]);
        replication_remove(fx->rs[fx->victim]);
        fx->rs[fx->victim] = NULL;
        if (fx->nested) {
            fx->nested = false;
            sim_regcheck_walk(fx->chk, fx->reg, SIM_WALK_GET_ERROR,
                              REPLICATION_MODE_PRIMARY, false, NULL);
        }
    }
    if (i == fx->fail_in && fx->msg != NULL) {
        error_setg(errp, "%s", fx->msg);
    } else if (i == fx->fail_in) {
        error_setg(errp, "state %d fails", i);
    }
}

static void on_checkpoint(ReplicationState *rs, Error **errp) { body(rs, errp); }
static void on_get_error(ReplicationState *rs, Error **errp) { body(rs, errp); }

static ReplicationOps ops = { .checkpoint = on_checkpoint, .get_error = on_get_error };
static ReplicationOps ops_no_checkpoint = { .get_error = on_get_error };

static int setup(void **state)
{
    static Fixture f;
    char label[8];

    f = (Fixture){ .fail_in = -1, .remove_from = -1, .victim = -1 };
    f.reg = replication_registry_new();
    f.chk = sim_regcheck_new();
    assert_non_null(f.chk);
    for (int i = 0; i < 4; i++) {
        f.rs[i] = replication_new_in(f.reg, NULL, i == 1 ? &ops_no_checkpoint : &ops);
        snprintf(label, sizeof(label), "s%d", i);
        assert_int_equal(sim_regcheck_track(f.chk, f.reg, f.rs[i], label), 0);
    }
    fx = &f;
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    Fixture *f = *state;

    sim_regcheck_free(f->chk);
    replication_registry_free(f->reg);
    return 0;
}

static void clean_walks_have_no_violations(void **state)
{
    Fixture *f = *state;
    Error *err = NULL;

    sim_regcheck_walk(f->chk, f->reg, SIM_WALK_CHECKPOINT, 0, false, &err);
    sim_regcheck_walk(f->chk, f->reg, SIM_WALK_GET_ERROR, 0, false, &err);
    assert_null(err);
    assert_int_equal(sim_regcheck_violations(f->chk), 0);
    assert_int_equal(sim_regcheck_calls(f->chk), 3 + 4);    /* s1: no checkpoint */
    assert_int_equal(sim_regcheck_live(f->chk), 4);
}

static void removal_error_and_nesting_match_model(void **state)
{
    Fixture *f = *state;
    Error *err = NULL;

    f->remove_from = 3;         /* newest: removes s1 and runs a nested walk */
    f->victim = 1;
    f->nested = true;
    f->fail_in = 2;
    sim_regcheck_walk(f->chk, f->reg, SIM_WALK_CHECKPOINT, 0, false, &err);
    assert_non_null(err);
    assert_string_equal(error_get_pretty(err), "state 2 fails");
    error_free(err);
    assert_int_equal(sim_regcheck_violations(f->chk), 0);
    assert_string_equal(sim_regcheck_first(f->chk), "");
}

static void call_out_of_order_is_reported(void **state)
{
    Fixture *f = *state;
    Error *err = NULL;

    sim_regcheck_walk_begin(f->chk, f->reg, SIM_WALK_CHECKPOINT);
    f->rs[0]->ops->checkpoint(f->rs[0], &err);     /* s3 is due first */
    sim_regcheck_walk_end(f->chk, NULL);
    assert_int_equal(sim_regcheck_violations(f->chk), 2);
    assert_string_equal(sim_regcheck_first(f->chk),
                        "registry contract: checkpoint walk called s0, model expected s3");
}

static void call_after_failure_is_reported(void **state)
{
    Fixture *f = *state;
    Error *err = NULL;
    Error *err2 = NULL;

    f->fail_in = 3;
    sim_regcheck_walk_begin(f->chk, f->reg, SIM_WALK_GET_ERROR);
    f->rs[3]->ops->get_error(f->rs[3], &err);
    f->rs[2]->ops->get_error(f->rs[2], &err2);     /* the walk should have ended */
    sim_regcheck_walk_end(f->chk, err);
    error_free(err);
    assert_string_equal(sim_regcheck_first(f->chk),
                        "registry contract: get_error of s2 called during a "
                        "get_error walk that had already failed");
}

static void skipped_state_is_reported(void **state)
{
    Fixture *f = *state;

    sim_regcheck_walk_begin(f->chk, f->reg, SIM_WALK_GET_ERROR);
    sim_regcheck_walk_end(f->chk, NULL);
    assert_string_equal(sim_regcheck_first(f->chk),
                        "registry contract: get_error walk ended without calling s3");
}

static void wrong_walk_error_is_reported(void **state)
{
    Fixture *f = *state;
    Error *err = NULL;
    Error *made_up = NULL;

    f->fail_in = 3;
    sim_regcheck_walk_begin(f->chk, f->reg, SIM_WALK_CHECKPOINT);
    f->rs[3]->ops->checkpoint(f->rs[3], &err);
    error_setg(&made_up, "another error");
    sim_regcheck_walk_end(f->chk, made_up);
    assert_string_equal(sim_regcheck_first(f->chk),
                        "registry contract: checkpoint walk returned \"another error\", "
                        "first callback error was \"state 3 fails\"");
    error_free(err);
    error_free(made_up);
}

/* Callback errors of any length are the walk's error (the scenario format
 * allows 1,024 bytes; the checker once kept 255 and reported a violation). */
static void long_callback_error_matches_the_model(void **state)
{
    Fixture *f = *state;
    static char msg[4000];
    Error *err = NULL;

    memset(msg, 'e', sizeof(msg) - 1);
    f->fail_in = 2;
    f->msg = msg;
    sim_regcheck_walk(f->chk, f->reg, SIM_WALK_GET_ERROR, 0, false, &err);
    assert_non_null(err);
    assert_int_equal(strlen(error_get_pretty(err)), sizeof(msg) - 1);
    error_free(err);
    assert_string_equal(sim_regcheck_first(f->chk), "");
    assert_int_equal(sim_regcheck_violations(f->chk), 0);
}

/* ... and a walk error that differs from it only past byte 255 is caught. */
static void long_error_differing_late_is_reported(void **state)
{
    Fixture *f = *state;
    static char msg[300], other[300];
    Error *err = NULL;
    Error *made_up = NULL;

    memset(msg, 'e', sizeof(msg) - 1);
    memcpy(other, msg, sizeof(other));
    other[sizeof(other) - 2] = 'f';
    f->fail_in = 3;
    f->msg = msg;
    sim_regcheck_walk_begin(f->chk, f->reg, SIM_WALK_CHECKPOINT);
    f->rs[3]->ops->checkpoint(f->rs[3], &err);
    error_setg(&made_up, "%s", other);
    sim_regcheck_walk_end(f->chk, made_up);
    assert_int_equal(sim_regcheck_violations(f->chk), 1);
    assert_non_null(strstr(sim_regcheck_first(f->chk), "checkpoint walk returned \"eee"));
    error_free(err);
    error_free(made_up);
}

static void error_without_failed_callback_is_reported(void **state)
{
    Fixture *f = *state;
    Error *made_up = NULL;

    f->remove_from = -1;
    for (int i = 0; i < 4; i++) {
        sim_regcheck_untrack(f->chk, f->rs[i]);
    }
    assert_int_equal(sim_regcheck_live(f->chk), 0);
    sim_regcheck_walk_begin(f->chk, f->reg, SIM_WALK_STOP);
    error_setg(&made_up, "from nowhere");
    sim_regcheck_walk_end(f->chk, made_up);
    error_free(made_up);
    assert_string_equal(sim_regcheck_first(f->chk),
                        "registry contract: stop walk returned \"from nowhere\" but "
                        "no callback failed");
}

static void unchecked_walk_is_reported(void **state)
{
    Fixture *f = *state;

    replication_do_checkpoint_all_in(f->reg, NULL);
    assert_int_equal(sim_regcheck_violations(f->chk), 3);
    assert_string_equal(sim_regcheck_first(f->chk),
                        "registry contract: checkpoint of s3 called outside any walk");
}

/* Issue 23: inside a walk, a state registered and removed again and again
 * (each one removed before the next comes) never runs the checker out of
 * slots: a dead slot is reused while walks are open. */
static void reregistering_inside_a_walk_reuses_slots(void **state)
{
    Fixture *f = *state;

    sim_regcheck_walk_begin(f->chk, f->reg, SIM_WALK_GET_ERROR);
    for (int i = 0; i < 4 * SIM_REGCHECK_MAX_STATES; i++) {
        ReplicationState *rs = replication_new_in(f->reg, NULL, &ops);

        assert_int_equal(sim_regcheck_track(f->chk, f->reg, rs, "again"), 0);
        sim_regcheck_untrack(f->chk, rs);
        replication_remove(rs);
    }
    for (int i = 3; i >= 0; i--) {
        f->rs[i]->ops->get_error(f->rs[i], &(Error *){ NULL });
    }
    sim_regcheck_walk_end(f->chk, NULL);
    assert_string_equal(sim_regcheck_first(f->chk), "");
}

/* A slot reused inside a walk is not the state the walk began with: s2 is
 * removed before its turn and a newcomer takes its slot; the walk must not
 * call the newcomer (rule 4), and ends without it. */
static void newcomer_in_a_reused_slot_is_not_expected(void **state)
{
    Fixture *f = *state;
    ReplicationState *late;

    sim_regcheck_walk_begin(f->chk, f->reg, SIM_WALK_GET_ERROR);
    f->rs[3]->ops->get_error(f->rs[3], &(Error *){ NULL });
    sim_regcheck_untrack(f->chk, f->rs[2]);
    replication_remove(f->rs[2]);
    f->rs[2] = NULL;
    late = replication_new_in(f->reg, NULL, &ops);
    assert_int_equal(sim_regcheck_track(f->chk, f->reg, late, "late"), 0);
    f->rs[1]->ops->get_error(f->rs[1], &(Error *){ NULL });
    f->rs[0]->ops->get_error(f->rs[0], &(Error *){ NULL });
    sim_regcheck_walk_end(f->chk, NULL);
    assert_string_equal(sim_regcheck_first(f->chk), "");
    sim_regcheck_untrack(f->chk, late);
    replication_remove(late);
}

/* Every state a script can have live (scripted states, standalone disks,
 * a cluster's) is watched: the limit is not the scripts' 64 states. */
static void checker_watches_more_than_a_script_can_register(void **state)
{
    Fixture *f = *state;
    ReplicationState *rs[SIM_REGCHECK_MAX_STATES];

    for (int i = 4; i < SIM_REGCHECK_MAX_STATES; i++) {
        rs[i] = replication_new_in(f->reg, NULL, &ops);
        assert_int_equal(sim_regcheck_track(f->chk, f->reg, rs[i], "more"), 0);
    }
    rs[0] = replication_new_in(f->reg, NULL, &ops);
    assert_int_equal(sim_regcheck_track(f->chk, f->reg, rs[0], "too many"), -ENOSPC);
    replication_remove(rs[0]);
    assert_int_equal(sim_regcheck_live(f->chk), SIM_REGCHECK_MAX_STATES);
    for (int i = 4; i < SIM_REGCHECK_MAX_STATES; i++) {
        sim_regcheck_untrack(f->chk, rs[i]);
        replication_remove(rs[i]);
    }
}

/* A walk begun past the depth limit is reported and not modelled; its end
 * must not close the walk around it: the outermost walk still expects its
 * states, and ends cleanly once they are called. */
static void walk_past_the_depth_limit_closes_no_outer_walk(void **state)
{
    Fixture *f = *state;
    ReplicationRegistry *other = replication_registry_new();

    sim_regcheck_walk_begin(f->chk, f->reg, SIM_WALK_GET_ERROR);
    for (int i = 0; i < SIM_REGCHECK_MAX_DEPTH; i++) {  /* the last one is past it */
        sim_regcheck_walk_begin(f->chk, other, SIM_WALK_STOP);
    }
    for (int i = 0; i < SIM_REGCHECK_MAX_DEPTH; i++) {
        sim_regcheck_walk_end(f->chk, NULL);
    }
    assert_int_equal(sim_regcheck_violations(f->chk), 1);
    assert_string_equal(sim_regcheck_first(f->chk),
                        "registry checker: walks nested deeper than 8");
    for (int i = 3; i >= 0; i--) {
        f->rs[i]->ops->get_error(f->rs[i], &(Error *){ NULL });
    }
    sim_regcheck_walk_end(f->chk, NULL);
    assert_int_equal(sim_regcheck_violations(f->chk), 1);
    replication_registry_free(other);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(clean_walks_have_no_violations, setup, teardown),
        cmocka_unit_test_setup_teardown(removal_error_and_nesting_match_model, setup, teardown),
        cmocka_unit_test_setup_teardown(call_out_of_order_is_reported, setup, teardown),
        cmocka_unit_test_setup_teardown(call_after_failure_is_reported, setup, teardown),
        cmocka_unit_test_setup_teardown(skipped_state_is_reported, setup, teardown),
        cmocka_unit_test_setup_teardown(wrong_walk_error_is_reported, setup, teardown),
        cmocka_unit_test_setup_teardown(long_callback_error_matches_the_model, setup, teardown),
        cmocka_unit_test_setup_teardown(long_error_differing_late_is_reported, setup, teardown),
        cmocka_unit_test_setup_teardown(error_without_failed_callback_is_reported, setup, teardown),
        cmocka_unit_test_setup_teardown(unchecked_walk_is_reported, setup, teardown),
        cmocka_unit_test_setup_teardown(reregistering_inside_a_walk_reuses_slots, setup, teardown),
        cmocka_unit_test_setup_teardown(newcomer_in_a_reused_slot_is_not_expected, setup, teardown),
        cmocka_unit_test_setup_teardown(checker_watches_more_than_a_script_can_register, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(walk_past_the_depth_limit_closes_no_outer_walk, setup,
                                        teardown),
    };

    return cmocka_run_group_tests_name("check_registry", tests, NULL, NULL);
}
