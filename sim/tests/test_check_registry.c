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
#include <sys/wait.h>
#include <unistd.h>

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
    int loop_in;                /* index whose callback calls it again, as a
                                   registry that never ends its walk would */
    bool got_fresh_errp;        /* every callback got a non-NULL, NULL errp */
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

    fx->got_fresh_errp &= errp != NULL && *errp == NULL;
    if (i == fx->loop_in) {
        rs->ops->get_error(rs, &(Error *){ NULL });
    }

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

static void on_start(ReplicationState *rs, ReplicationMode m, Error **errp)
{
    (void)m;
    body(rs, errp);
}

static void on_stop(ReplicationState *rs, bool failover, Error **errp)
{
    (void)failover;
    body(rs, errp);
}

static ReplicationOps ops = { .start = on_start, .stop = on_stop, .checkpoint = on_checkpoint,
                              .get_error = on_get_error };
static ReplicationOps ops_no_checkpoint = { .get_error = on_get_error };

static int setup(void **state)
{
    static Fixture f;
    char label[8];

    f = (Fixture){ .fail_in = -1, .remove_from = -1, .victim = -1, .loop_in = -1,
                   .got_fresh_errp = true };
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
                        "registry contract: get_error walk called s2 after a callback had "
                        "failed");
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

/* The violations filed, as "rule/walk" words: where conform puts them. */
static const char *filed(const SimRegCheck *chk)
{
    static char buf[256];
    const SimRegViolation *v;
    size_t n = sim_regcheck_filed(chk, &v), len = 0;

    buf[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%u/%s", i ? " " : "",
                                v[i].rule, sim_walk_name(v[i].walk));
    }
    return buf;
}

/* Rule 1: a walk run in reverse order is one order violation, filed under
 * rule 1 of its walk; the states it called early are not "missing" later. */
static void reversed_walk_is_one_order_violation(void **state)
{
    Fixture *f = *state;

    sim_regcheck_walk_begin(f->chk, f->reg, SIM_WALK_GET_ERROR);
    for (int i = 0; i < 4; i++) {
        f->rs[i]->ops->get_error(f->rs[i], &(Error *){ NULL });
    }
    sim_regcheck_walk_end(f->chk, NULL);
    assert_string_equal(sim_regcheck_first(f->chk),
                        "registry contract: get_error walk called s0, model expected s3");
    assert_int_equal(sim_regcheck_violations(f->chk), 3);  /* s0, s1, s2 early */
    assert_string_equal(filed(f->chk), "1/get_error");
}

/* Rule 3: the mode and the failover flag each callback gets are the walk's. */
static void wrong_mode_is_a_rule_3_violation(void **state)
{
    Fixture *f = *state;

    sim_regcheck_walk(f->chk, f->reg, SIM_WALK_START, REPLICATION_MODE_SECONDARY, false, NULL);
    assert_int_equal(sim_regcheck_violations(f->chk), 0);
    sim_regcheck_walk_begin(f->chk, f->reg, SIM_WALK_START);       /* given primary */
    f->rs[3]->ops->start(f->rs[3], REPLICATION_MODE_SECONDARY, &(Error *){ NULL });
    assert_string_equal(sim_regcheck_first(f->chk),
                        "registry contract: start of s3 got mode 1, the walk was given 0");
    assert_string_equal(filed(f->chk), "3/start");
}

static void wrong_failover_is_a_rule_3_violation(void **state)
{
    Fixture *f = *state;

    sim_regcheck_walk(f->chk, f->reg, SIM_WALK_STOP, 0, true, NULL);
    assert_int_equal(sim_regcheck_violations(f->chk), 0);
    sim_regcheck_walk_begin(f->chk, f->reg, SIM_WALK_STOP);        /* given false */
    f->rs[3]->ops->stop(f->rs[3], true, &(Error *){ NULL });
    assert_string_equal(sim_regcheck_first(f->chk),
                        "registry contract: stop of s3 got failover=true, the walk was "
                        "given false");
    assert_string_equal(filed(f->chk), "3/stop");
}

/* Rule 3: a callback handed a NULL errp is a violation; it still gets a
 * fresh Error * of the checker's (and its error ends the walk's model). */
static void null_errp_to_a_callback_is_reported(void **state)
{
    Fixture *f = *state;

    f->fail_in = 3;
    sim_regcheck_walk_begin(f->chk, f->reg, SIM_WALK_GET_ERROR);
    f->rs[3]->ops->get_error(f->rs[3], NULL);
    sim_regcheck_walk_end(f->chk, NULL);
    assert_true(f->got_fresh_errp);
    assert_string_equal(sim_regcheck_first(f->chk),
                        "registry contract: get_error of s3 got a NULL errp");
    assert_string_equal(filed(f->chk), "3/get_error");
    assert_int_equal(error_outstanding(), 0);
}

/* What the implementation receives is what the walk is given: errp NULL
 * and errp holding an earlier error reach our registry, which frees its own
 * error and keeps the earlier one. */
static void errp_modes_reach_the_registry(void **state)
{
    Fixture *f = *state;
    Error *earlier = NULL;

    f->fail_in = 2;
    sim_regcheck_walk(f->chk, f->reg, SIM_WALK_CHECKPOINT, 0, false, NULL);
    error_setg(&earlier, "earlier");
    sim_regcheck_walk(f->chk, f->reg, SIM_WALK_CHECKPOINT, 0, false, &earlier);
    assert_string_equal(error_get_pretty(earlier), "earlier");
    error_free(earlier);
    assert_int_equal(sim_regcheck_violations(f->chk), 0);
    assert_true(f->got_fresh_errp);
    assert_int_equal(error_outstanding(), 0);
}

/* An Error made during a walk and left behind is a leak, filed under rule
 * 3 of the walk (here the callback's own error is kept alive by hand, as a
 * registry that forgets to free it would). */
static Error *kept;

static void keep_error(ReplicationState *rs, Error **errp)
{
    (void)rs, (void)errp;
    error_setg(&kept, "never freed");
}

static void leaked_error_is_reported(void **state)
{
    Fixture *f = *state;
    static ReplicationOps leaky = { .get_error = keep_error };
    ReplicationState *rs = replication_new_in(f->reg, NULL, &leaky);

    assert_int_equal(sim_regcheck_track(f->chk, f->reg, rs, "leaky"), 0);
    sim_regcheck_walk(f->chk, f->reg, SIM_WALK_GET_ERROR, 0, false, NULL);
    assert_string_equal(sim_regcheck_first(f->chk),
                        "registry contract: get_error walk leaked 1 Error (errp NULL)");
    assert_string_equal(filed(f->chk), "3/get_error");
    error_free(kept);
    sim_regcheck_untrack(f->chk, rs);
    replication_remove(rs);
}

/* Rule 5: a state removed during the walk and called all the same is a
 * violation of rule 5; the call is not forwarded (its owner may be gone). */
static void call_of_a_state_removed_in_the_walk_is_rule_5(void **state)
{
    Fixture *f = *state;
    ReplicationState *gone = f->rs[2];

    sim_regcheck_walk_begin(f->chk, f->reg, SIM_WALK_GET_ERROR);
    f->rs[3]->ops->get_error(f->rs[3], &(Error *){ NULL });
    sim_regcheck_untrack(f->chk, gone);
    f->fail_in = 2;                             /* would fail if forwarded */
    gone->ops->get_error(gone, &(Error *){ NULL });
    replication_remove(gone);
    f->rs[2] = NULL;
    f->rs[1]->ops->get_error(f->rs[1], &(Error *){ NULL });
    f->rs[0]->ops->get_error(f->rs[0], &(Error *){ NULL });
    sim_regcheck_walk_end(f->chk, NULL);
    assert_string_equal(sim_regcheck_first(f->chk),
                        "registry contract: get_error walk called s2, removed during a walk");
    assert_int_equal(sim_regcheck_violations(f->chk), 1);
    assert_string_equal(filed(f->chk), "5/get_error");
}

/* Only the first violation of an outermost walk is filed; the next walk's
 * first is filed too when it breaks another cell. */
static void first_violation_of_each_walk_is_filed(void **state)
{
    Fixture *f = *state;

    sim_regcheck_walk_begin(f->chk, f->reg, SIM_WALK_CHECKPOINT);
    f->rs[0]->ops->checkpoint(f->rs[0], &(Error *){ NULL });       /* order */
    sim_regcheck_walk_end(f->chk, NULL);                           /* + s3 missing */
    sim_regcheck_walk_begin(f->chk, f->reg, SIM_WALK_GET_ERROR);
    sim_regcheck_walk_end(f->chk, NULL);                           /* s3 missing */
    assert_string_equal(filed(f->chk), "1/checkpoint 4/get_error");
}

/* A walk that keeps calling is stopped at its bound (twice the states it
 * may call, plus two), reported as not ending, and the registry is lost
 * for the process: run in a child, which must come back. */
static void walk_that_never_ends_is_abandoned(void **state)
{
    Fixture *f = *state;
    pid_t pid;
    int status = 0;

    fflush(NULL);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        bool open_after;
        unsigned before;

        unsigned long calls;

        f->loop_in = 3;
        sim_regcheck_walk(f->chk, f->reg, SIM_WALK_GET_ERROR, 0, false, NULL);
        f->loop_in = -1;
        /* Every walk it left open is closed: a walk begun now is an
         * outermost one, within the depth limit; a walk through
         * sim_regcheck_walk returns at once. */
        open_after = sim_regcheck_walking(f->chk, f->reg);
        before = sim_regcheck_violations(f->chk);
        calls = sim_regcheck_calls(f->chk);
        sim_regcheck_walk(f->chk, f->reg, SIM_WALK_GET_ERROR, 0, false, NULL);
        if (sim_regcheck_calls(f->chk) != calls || sim_regcheck_violations(f->chk) != before) {
            _exit(8);
        }
        sim_regcheck_walk_begin(f->chk, f->reg, SIM_WALK_GET_ERROR);
        if (sim_regcheck_violations(f->chk) != before) {
            _exit(7);
        }
        /* No jump back to the abandoned walk is left armed: this walk's
         * calls past its bound go on. */
        for (int k = 0; k < 12; k++) {
            f->rs[3]->ops->get_error(f->rs[3], &(Error *){ NULL });
        }
        _exit(!sim_regcheck_registry_lost() ? 2 :
              strcmp(sim_regcheck_first(f->chk), "registry contract: get_error walk called "
                     "s3 twice") ? 3 :
              strcmp(filed(f->chk), "4/get_error") ? 4 :
              before != 10 ? 5 :                                /* 9 twice, 1 bound */
              open_after ? 6 : 0);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    assert_false(sim_regcheck_registry_lost());
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
        cmocka_unit_test_setup_teardown(reversed_walk_is_one_order_violation, setup, teardown),
        cmocka_unit_test_setup_teardown(wrong_mode_is_a_rule_3_violation, setup, teardown),
        cmocka_unit_test_setup_teardown(wrong_failover_is_a_rule_3_violation, setup, teardown),
        cmocka_unit_test_setup_teardown(null_errp_to_a_callback_is_reported, setup, teardown),
        cmocka_unit_test_setup_teardown(errp_modes_reach_the_registry, setup, teardown),
        cmocka_unit_test_setup_teardown(leaked_error_is_reported, setup, teardown),
        cmocka_unit_test_setup_teardown(call_of_a_state_removed_in_the_walk_is_rule_5, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(first_violation_of_each_walk_is_filed, setup, teardown),
        cmocka_unit_test_setup_teardown(walk_that_never_ends_is_abandoned, setup, teardown),
    };

    return cmocka_run_group_tests_name("check_registry", tests, NULL, NULL);
}
