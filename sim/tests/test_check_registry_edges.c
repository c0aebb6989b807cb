/* test_check_registry_edges.c: the contract checker's edges, each test
 * written against a change to sim/check_registry.c that no other test saw
 * (scripts/mutate.py, docs/MUTATION.md): every violation message it can
 * give, produced at least once and asserted in full with its cell; the
 * bounds of its loops and limits met exactly.  The checker is fed call
 * sequences by hand through walk_begin/walk_end, or drives our registry
 * through sim_regcheck_walk.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "check_registry.h"

#define N 4

typedef struct Rig {
    ReplicationRegistry *reg;
    SimRegCheck *chk;
    ReplicationState *rs[N];    /* rs[i] tracked as "s<i>", s3 the newest */
    int fail_in;                /* whose callbacks set an error, or -1 */
} Rig;

static Rig *rig;

static int index_of(const ReplicationState *rs)
{
    for (int i = 0; i < N; i++) {
        if (rig->rs[i] == rs) {
            return i;
        }
    }
    return -1;
}

static void body(ReplicationState *rs, Error **errp)
{
    int i = index_of(rs);

    if (i >= 0 && i == rig->fail_in) {
        error_setg(errp, "s%d fails", i);
    }
}

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

static void on_checkpoint(ReplicationState *rs, Error **errp) { body(rs, errp); }
static void on_get_error(ReplicationState *rs, Error **errp) { body(rs, errp); }

static ReplicationOps all_ops = { .start = on_start, .stop = on_stop,
                                  .checkpoint = on_checkpoint, .get_error = on_get_error };

static ReplicationState *add(Rig *r, const ReplicationOps *ops, const char *label)
{
    ReplicationState *rs = replication_new_in(r->reg, NULL, (ReplicationOps *)ops);

    assert_non_null(rs);
    assert_int_equal(sim_regcheck_track(r->chk, r->reg, rs, label), 0);
    return rs;
}

static int setup(void **state)
{
    static Rig r;
    char label[8];

    r = (Rig){ .fail_in = -1 };
    r.reg = replication_registry_new();
    r.chk = sim_regcheck_new();
    assert_non_null(r.chk);
    rig = &r;
    for (int i = 0; i < N; i++) {
        snprintf(label, sizeof(label), "s%d", i);
        r.rs[i] = add(&r, &all_ops, label);
    }
    *state = &r;
    return 0;
}

static int teardown(void **state)
{
    Rig *r = *state;

    sim_regcheck_free(r->chk);
    replication_registry_free(r->reg);
    assert_int_equal(error_outstanding(), 0);
    return 0;
}

/* The violations filed, as "rule/walk" words. */
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

/* Call member w of rig->rs[i] as a registry's walk would, fresh errp. */
static Error *call(int i, SimWalk w)
{
    ReplicationState *rs = rig->rs[i];
    Error *err = NULL;

    switch (w) {
    case SIM_WALK_START:
        rs->ops->start(rs, REPLICATION_MODE_PRIMARY, &err);
        break;
    case SIM_WALK_STOP:
        rs->ops->stop(rs, false, &err);
        break;
    case SIM_WALK_CHECKPOINT:
        rs->ops->checkpoint(rs, &err);
        break;
    default:
        rs->ops->get_error(rs, &err);
        break;
    }
    return err;
}

/* The first example: a walk that swallows its callback's error
 * (returns none although one failed), the bug of a 2016 COLO fork. */
static void walk_returning_no_error_after_a_failure_is_reported(void **state)
{
    Rig *r = *state;
    Error *err;

    r->fail_in = 3;
    sim_regcheck_walk_begin(r->chk, r->reg, SIM_WALK_CHECKPOINT);
    err = call(3, SIM_WALK_CHECKPOINT);
    assert_non_null(err);
    error_free(err);
    sim_regcheck_walk_end(r->chk, NULL);
    assert_int_equal(sim_regcheck_violations(r->chk), 1);
    assert_string_equal(sim_regcheck_first(r->chk),
                        "registry contract: checkpoint walk returned no error, first "
                        "callback error was \"s3 fails\"");
    assert_string_equal(filed(r->chk), "3/checkpoint");
}

/* The same walk returning exactly its callback's error is clean. */
static void walk_returning_its_callback_error_is_clean(void **state)
{
    Rig *r = *state;
    Error *err;

    r->fail_in = 3;
    sim_regcheck_walk_begin(r->chk, r->reg, SIM_WALK_STOP);
    err = call(3, SIM_WALK_STOP);
    sim_regcheck_walk_end(r->chk, err);
    error_free(err);
    assert_int_equal(sim_regcheck_violations(r->chk), 0);
    assert_string_equal(filed(r->chk), "");
}

/* An end with no walk open: a limit of the checker (rule 0), filed once. */
static void walk_ended_that_never_began_is_reported(void **state)
{
    Rig *r = *state;

    sim_regcheck_walk_end(r->chk, NULL);
    sim_regcheck_walk_end(r->chk, NULL);
    assert_int_equal(sim_regcheck_violations(r->chk), 2);
    assert_string_equal(sim_regcheck_first(r->chk),
                        "registry checker: walk ended that never began");
    assert_string_equal(filed(r->chk), "0/start");
    sim_regcheck_walk(r->chk, r->reg, SIM_WALK_STOP, 0, false, NULL);  /* clean */
    sim_regcheck_walk_end(r->chk, NULL);        /* its cell is broken already */
    assert_int_equal(sim_regcheck_violations(r->chk), 3);
    assert_string_equal(filed(r->chk), "0/start");
}

/* A filed violation carries its message, the same as the log's. */
static void filed_violation_has_its_message(void **state)
{
    Rig *r = *state;
    const SimRegViolation *v;

    sim_regcheck_walk_begin(r->chk, r->reg, SIM_WALK_GET_ERROR);
    sim_regcheck_walk_end(r->chk, NULL);
    assert_int_equal(sim_regcheck_filed(r->chk, &v), 1);
    assert_int_equal(v[0].rule, 4);
    assert_int_equal(v[0].walk, SIM_WALK_GET_ERROR);
    assert_string_equal(v[0].message, "registry contract: get_error walk ended without "
                        "calling s3");
    assert_string_equal(v[0].message, sim_regcheck_first(r->chk));
}

/* The rules' titles and the walks' names are one list each; their ends. */
static void rule_titles_and_walk_names(void **state)
{
    (void)state;
    assert_null(sim_rule_title(0));
    assert_string_equal(sim_rule_title(1), "order: newest registered first");
    assert_string_equal(sim_rule_title(SIM_RULES), "remove(NULL) is a no-op; NULL ops and "
                        "freeing a walked registry abort");
    assert_null(sim_rule_title(SIM_RULES + 1));
    assert_string_equal(sim_walk_name(SIM_WALK_START), "start");
    assert_string_equal(sim_walk_name(SIM_WALK_STOP), "stop");
    assert_string_equal(sim_walk_name(SIM_WALK_CHECKPOINT), "checkpoint");
    assert_string_equal(sim_walk_name(SIM_WALK_GET_ERROR), "get_error");
}

/* One checker at a time (the trampolines find it through one pointer);
 * freeing it lets the next one be made.  Freeing NULL does nothing. */
static void one_checker_at_a_time(void **state)
{
    Rig *r = *state;

    assert_null(sim_regcheck_new());
    sim_regcheck_free(NULL);
    sim_regcheck_free(r->chk);
    r->chk = sim_regcheck_new();
    assert_non_null(r->chk);
    assert_null(sim_regcheck_new());
}

/* Rule 2: a walk calls each state through its own member. */
static void call_of_another_member_is_rule_2(void **state)
{
    Rig *r = *state;

    sim_regcheck_walk_begin(r->chk, r->reg, SIM_WALK_CHECKPOINT);
    assert_null(call(3, SIM_WALK_GET_ERROR));
    assert_string_equal(sim_regcheck_first(r->chk),
                        "registry contract: checkpoint walk called get_error of s3");
    assert_string_equal(filed(r->chk), "2/checkpoint");
    for (int i = N - 1; i >= 0; i--) {      /* the walk's own calls: all due */
        assert_null(call(i, SIM_WALK_CHECKPOINT));
    }
    sim_regcheck_walk_end(r->chk, NULL);
    assert_int_equal(sim_regcheck_violations(r->chk), 1);
}

/* The same the other way (a member of an earlier walk kind), and the
 * wrong member's call is no callback of the walk: its error neither ends
 * the walk nor is the error the walk must return. */
static void call_of_an_earlier_member_is_rule_2_and_not_the_walks(void **state)
{
    Rig *r = *state;
    Error *err;

    r->fail_in = 3;
    sim_regcheck_walk_begin(r->chk, r->reg, SIM_WALK_GET_ERROR);
    err = call(3, SIM_WALK_CHECKPOINT);
    assert_non_null(err);
    error_free(err);
    r->fail_in = -1;
    assert_string_equal(sim_regcheck_first(r->chk),
                        "registry contract: get_error walk called checkpoint of s3");
    assert_string_equal(filed(r->chk), "2/get_error");
    for (int i = N - 1; i >= 0; i--) {
        assert_null(call(i, SIM_WALK_GET_ERROR));
    }
    sim_regcheck_walk_end(r->chk, NULL);
    assert_int_equal(sim_regcheck_violations(r->chk), 1);
}

/* The same address tracked twice (a state freed, another made where it
 * was) and removed twice: a call through it names the newer one, whatever
 * the slots' order. */
static void reused_address_names_the_newest_removed_state(void **state)
{
    Rig *r = *state;
    static ReplicationState same;

    same.ops = &all_ops;
    sim_regcheck_untrack(r->chk, r->rs[1]);
    assert_int_equal(sim_regcheck_track(r->chk, r->reg, &same, "older"), 0);   /* slot 1 */
    sim_regcheck_untrack(r->chk, &same);
    same.ops = &all_ops;
    sim_regcheck_untrack(r->chk, r->rs[0]);
    assert_int_equal(sim_regcheck_track(r->chk, r->reg, &same, "newer"), 0);   /* slot 0 */
    sim_regcheck_untrack(r->chk, &same);
    sim_regcheck_walk_begin(r->chk, r->reg, SIM_WALK_GET_ERROR);
    same.ops->get_error(&same, &(Error *){ NULL });
    assert_string_equal(sim_regcheck_first(r->chk),
                        "registry contract: get_error walk called newer, removed before "
                        "the walk");
}

/* A walk begun past the depth limit is the checker's limit: rule 0. */
static void walk_past_the_depth_limit_is_filed_under_rule_0(void **state)
{
    Rig *r = *state;
    Error *err;

    for (int i = 0; i <= SIM_REGCHECK_MAX_DEPTH; i++) {
        sim_regcheck_walk_begin(r->chk, r->reg, SIM_WALK_STOP);
    }
    assert_string_equal(sim_regcheck_first(r->chk),
                        "registry checker: walks nested deeper than 8");
    assert_string_equal(filed(r->chk), "0/stop");
    r->fail_in = 3;                 /* its calls are forwarded, not judged */
    err = call(3, SIM_WALK_STOP);
    assert_non_null(err);
    assert_string_equal(error_get_pretty(err), "s3 fails");
    error_free(err);
    assert_int_equal(sim_regcheck_violations(r->chk), 1);
    assert_int_equal(sim_regcheck_calls(r->chk), 1);
}

/* Rule 4: a walk calls only states of its own registry. */
static void call_of_another_registry_state_is_rule_4(void **state)
{
    Rig *r = *state;
    ReplicationRegistry *reg = r->reg, *elsewhere = replication_registry_new();
    ReplicationState *other;

    r->reg = elsewhere;
    other = add(r, &all_ops, "o0");
    r->reg = reg;
    sim_regcheck_walk_begin(r->chk, r->reg, SIM_WALK_GET_ERROR);
    other->ops->get_error(other, &(Error *){ NULL });
    assert_string_equal(sim_regcheck_first(r->chk),
                        "registry contract: get_error walk called o0, a state of another "
                        "registry");
    assert_string_equal(filed(r->chk), "4/get_error");
    assert_int_equal(sim_regcheck_violations(r->chk), 1);
    sim_regcheck_untrack(r->chk, other);
    replication_registry_free(elsewhere);
}

/* As above, with a walk of the same registry ended before the removal:
 * the walk closed is no walk the removal happened in (rule 4, not 5). */
static void removal_after_a_walk_ended_is_before_the_next(void **state)
{
    Rig *r = *state;

    sim_regcheck_walk(r->chk, r->reg, SIM_WALK_CHECKPOINT, REPLICATION_MODE_PRIMARY, false,
                      NULL);
    sim_regcheck_untrack(r->chk, r->rs[2]);
    sim_regcheck_walk_begin(r->chk, r->reg, SIM_WALK_GET_ERROR);
    assert_null(call(3, SIM_WALK_GET_ERROR));
    assert_null(call(2, SIM_WALK_GET_ERROR));
    assert_string_equal(sim_regcheck_first(r->chk),
                        "registry contract: get_error walk called s2, removed before the walk");
    assert_string_equal(filed(r->chk), "4/get_error");
    sim_regcheck_walk_end(r->chk, NULL);
}

/* States of other registries registered and removed while a walk runs
 * change neither what the walk's registry must hold (each callback checks
 * it) nor when they were removed for their own registry's walks.  The
 * walked registry lies between the other two in memory, so a comparison
 * of registries that is not equality shows on one side or the other. */
static int by_address(const void *a, const void *b)
{
    uintptr_t x = (uintptr_t)*(ReplicationRegistry *const *)a;
    uintptr_t y = (uintptr_t)*(ReplicationRegistry *const *)b;

    return x < y ? -1 : x > y;
}

static void other_registries_do_not_count_in_a_walk(void **state)
{
    Rig *r = *state;
    ReplicationRegistry *regs[3], *own = r->reg;
    ReplicationState *mid[2], *lo, *hi;

    for (int i = 0; i < 3; i++) {
        regs[i] = replication_registry_new();
        assert_non_null(regs[i]);
    }
    qsort(regs, 3, sizeof(regs[0]), by_address);
    r->reg = regs[1];
    mid[0] = add(r, &all_ops, "m0");
    mid[1] = add(r, &all_ops, "m1");
    sim_regcheck_walk_begin(r->chk, regs[1], SIM_WALK_GET_ERROR);
    r->reg = regs[0];
    lo = add(r, &all_ops, "lo");
    r->reg = regs[2];
    hi = add(r, &all_ops, "hi");
    mid[1]->ops->get_error(mid[1], &(Error *){ NULL });
    sim_regcheck_untrack(r->chk, lo);       /* the registries keep them */
    sim_regcheck_untrack(r->chk, hi);
    mid[0]->ops->get_error(mid[0], &(Error *){ NULL });
    sim_regcheck_walk_end(r->chk, NULL);
    assert_string_equal(sim_regcheck_first(r->chk), "");
    sim_regcheck_walk_begin(r->chk, regs[0], SIM_WALK_GET_ERROR);
    lo->ops->get_error(lo, &(Error *){ NULL });
    sim_regcheck_walk_end(r->chk, NULL);
    sim_regcheck_walk_begin(r->chk, regs[2], SIM_WALK_CHECKPOINT);
    hi->ops->checkpoint(hi, &(Error *){ NULL });
    sim_regcheck_walk_end(r->chk, NULL);
    assert_string_equal(sim_regcheck_first(r->chk),
                        "registry contract: get_error walk called lo, removed before the walk");
    assert_string_equal(filed(r->chk), "4/get_error 4/checkpoint");
    assert_int_equal(sim_regcheck_violations(r->chk), 2);
    sim_regcheck_untrack(r->chk, mid[0]);
    sim_regcheck_untrack(r->chk, mid[1]);
    for (int i = 0; i < 3; i++) {
        replication_registry_free(regs[i]);
    }
    r->reg = own;
}

/* Rule 4: a state removed before the walk began is no part of it (here
 * the checker was told, the registry not: as if it kept a removed one). */
static void call_of_a_state_removed_before_the_walk_is_rule_4(void **state)
{
    Rig *r = *state;

    sim_regcheck_untrack(r->chk, r->rs[2]);
    assert_int_equal(sim_regcheck_live(r->chk), N - 1);
    sim_regcheck_walk_begin(r->chk, r->reg, SIM_WALK_GET_ERROR);
    assert_null(call(3, SIM_WALK_GET_ERROR));
    r->fail_in = 2;                 /* not forwarded: would fail */
    assert_null(call(2, SIM_WALK_GET_ERROR));
    assert_string_equal(sim_regcheck_first(r->chk),
                        "registry contract: get_error walk called s2, removed before the walk");
    assert_string_equal(filed(r->chk), "4/get_error");
    assert_null(call(1, SIM_WALK_GET_ERROR));
    assert_null(call(0, SIM_WALK_GET_ERROR));
    sim_regcheck_walk_end(r->chk, NULL);
    assert_int_equal(sim_regcheck_violations(r->chk), 1);
}

/* Rule 4: each state once, and none registered after the walk began. */
static void call_twice_or_of_a_newcomer_is_rule_4(void **state)
{
    Rig *r = *state;
    ReplicationState *late;

    sim_regcheck_walk_begin(r->chk, r->reg, SIM_WALK_STOP);
    assert_true(sim_regcheck_walking(r->chk, r->reg));
    assert_null(call(3, SIM_WALK_STOP));
    assert_null(call(3, SIM_WALK_STOP));
    assert_string_equal(sim_regcheck_first(r->chk),
                        "registry contract: stop walk called s3 twice");
    late = add(r, &all_ops, "late");
    late->ops->stop(late, false, &(Error *){ NULL });
    assert_int_equal(sim_regcheck_violations(r->chk), 2);
    for (int i = 2; i >= 0; i--) {
        assert_null(call(i, SIM_WALK_STOP));
    }
    sim_regcheck_walk_end(r->chk, NULL);
    assert_false(sim_regcheck_walking(r->chk, r->reg));
    assert_int_equal(sim_regcheck_violations(r->chk), 2);
    assert_string_equal(filed(r->chk), "4/stop");
    sim_regcheck_walk_begin(r->chk, r->reg, SIM_WALK_STOP);
    late->ops->stop(late, false, &(Error *){ NULL });       /* now due first */
    assert_int_equal(sim_regcheck_violations(r->chk), 2);
    sim_regcheck_untrack(r->chk, late);
    replication_remove(late);
}

static void newcomer_call_names_it(void **state)
{
    Rig *r = *state;
    ReplicationState *late;

    sim_regcheck_walk_begin(r->chk, r->reg, SIM_WALK_STOP);
    late = add(r, &all_ops, "late");
    late->ops->stop(late, false, &(Error *){ NULL });
    assert_string_equal(sim_regcheck_first(r->chk),
                        "registry contract: stop walk called late registered during the walk");
    sim_regcheck_untrack(r->chk, late);
    replication_remove(late);
}

/* Rule 4: a state whose ops lacked the member when the walk began is not
 * the walk's to call (the member came back after: the call is forwarded). */
static void call_of_a_member_missing_at_the_start_is_rule_4(void **state)
{
    Rig *r = *state;
    static ReplicationOps changing;
    ReplicationState *rs;

    changing = all_ops;
    rs = add(r, &changing, "changing");
    changing.checkpoint = NULL;
    sim_regcheck_walk_begin(r->chk, r->reg, SIM_WALK_CHECKPOINT);
    changing.checkpoint = on_checkpoint;
    rs->ops->checkpoint(rs, &(Error *){ NULL });
    assert_string_equal(sim_regcheck_first(r->chk),
                        "registry contract: checkpoint walk called changing although it has "
                        "no such member");
    assert_string_equal(filed(r->chk), "4/checkpoint");
    sim_regcheck_untrack(r->chk, rs);
    replication_remove(rs);
}

/* The same for the first state tracked (slot 0, the first registration):
 * a walk that expects no state has no entry for it either. */
static void call_of_the_first_state_without_the_member_is_rule_4(void **state)
{
    Rig *r = *state;

    all_ops.checkpoint = NULL;
    sim_regcheck_walk_begin(r->chk, r->reg, SIM_WALK_CHECKPOINT);
    all_ops.checkpoint = on_checkpoint;
    assert_null(call(0, SIM_WALK_CHECKPOINT));
    assert_string_equal(sim_regcheck_first(r->chk),
                        "registry contract: checkpoint walk called s0 although it has no "
                        "such member");
    assert_string_equal(filed(r->chk), "4/checkpoint");
    sim_regcheck_walk_end(r->chk, NULL);
    assert_int_equal(sim_regcheck_violations(r->chk), 1);
}

/* A state removed during a walk frees its slot; a newcomer registered
 * then takes it.  The walk's entry for the slot is the removed state's
 * registration, not the newcomer's: calling the newcomer is a call of a
 * state registered during the walk, and the walk must not call the
 * removed one. */
static void newcomer_in_a_slot_freed_during_the_walk_is_no_part_of_it(void **state)
{
    Rig *r = *state;
    ReplicationState *late;

    sim_regcheck_walk_begin(r->chk, r->reg, SIM_WALK_GET_ERROR);
    assert_null(call(3, SIM_WALK_GET_ERROR));
    sim_regcheck_untrack(r->chk, r->rs[2]);             /* slot 2 */
    replication_remove(r->rs[2]);
    r->rs[2] = NULL;
    late = add(r, &all_ops, "late");                    /* slot 2 again */
    late->ops->get_error(late, &(Error *){ NULL });
    assert_string_equal(sim_regcheck_first(r->chk),
                        "registry contract: get_error walk called late registered during "
                        "the walk");
    assert_null(call(1, SIM_WALK_GET_ERROR));
    assert_null(call(0, SIM_WALK_GET_ERROR));
    sim_regcheck_walk_end(r->chk, NULL);
    assert_int_equal(sim_regcheck_violations(r->chk), 1);
    assert_string_equal(filed(r->chk), "4/get_error");
    sim_regcheck_untrack(r->chk, late);
    replication_remove(late);
}

/* A call the walk should not make is one violation, filed under the rule
 * it breaks, and judged no further: here each such call of a start member
 * also carries a wrong mode, which must not be a second violation. */
static void start_with_wrong_mode(ReplicationState *rs)
{
    unsigned before = sim_regcheck_violations(rig->chk);

    rs->ops->start(rs, REPLICATION_MODE_SECONDARY, &(Error *){ NULL });
    assert_int_equal(sim_regcheck_violations(rig->chk), before + 1);
}

static void call_after_a_failure_is_judged_no_further(void **state)
{
    Rig *r = *state;
    Error *err;

    r->fail_in = 3;
    sim_regcheck_walk_begin(r->chk, r->reg, SIM_WALK_START);
    err = call(3, SIM_WALK_START);
    r->fail_in = -1;
    start_with_wrong_mode(r->rs[2]);
    assert_string_equal(sim_regcheck_first(r->chk),
                        "registry contract: start walk called s2 after a callback had failed");
    sim_regcheck_walk_end(r->chk, err);
    error_free(err);
    assert_int_equal(sim_regcheck_violations(r->chk), 1);
}

static void call_of_a_removed_state_is_judged_no_further(void **state)
{
    Rig *r = *state;

    sim_regcheck_untrack(r->chk, r->rs[1]);
    sim_regcheck_walk_begin(r->chk, r->reg, SIM_WALK_START);
    start_with_wrong_mode(r->rs[1]);
    assert_string_equal(sim_regcheck_first(r->chk),
                        "registry contract: start walk called s1, removed before the walk");
}

static void second_call_is_judged_no_further(void **state)
{
    Rig *r = *state;

    sim_regcheck_walk_begin(r->chk, r->reg, SIM_WALK_START);
    assert_null(call(3, SIM_WALK_START));
    start_with_wrong_mode(r->rs[3]);
    assert_string_equal(sim_regcheck_first(r->chk),
                        "registry contract: start walk called s3 twice");
}

/* Rule 4 for a state of another registry, whichever of the two registries
 * lies lower in memory (the default registry is static, the others on the
 * heap): the registries are compared for identity, not order. */
static void other_registry(Rig *r, ReplicationRegistry *walked, ReplicationRegistry *its)
{
    ReplicationRegistry *reg = r->reg;
    ReplicationState *other;

    r->reg = its;
    other = add(r, &all_ops, "o0");
    r->reg = reg;
    sim_regcheck_walk_begin(r->chk, walked, SIM_WALK_START);
    start_with_wrong_mode(other);
    assert_string_equal(sim_regcheck_first(r->chk),
                        "registry contract: start walk called o0, a state of another registry");
    assert_string_equal(filed(r->chk), "4/start");
    sim_regcheck_walk_end(r->chk, NULL);
    sim_regcheck_untrack(r->chk, other);
    replication_remove(other);
}

static void state_of_the_default_registry_in_another_walk_is_rule_4(void **state)
{
    Rig *r = *state;

    other_registry(r, r->reg, replication_default_registry());
}

static void state_in_a_walk_of_the_default_registry_is_rule_4(void **state)
{
    Rig *r = *state;

    other_registry(r, replication_default_registry(), r->reg);
}

/* Every state registered during the walk is named so, not only the
 * first of them. */
static void second_newcomer_call_names_it(void **state)
{
    Rig *r = *state;
    ReplicationState *late[2];

    sim_regcheck_walk_begin(r->chk, r->reg, SIM_WALK_STOP);
    late[0] = add(r, &all_ops, "late0");
    late[1] = add(r, &all_ops, "late1");
    late[1]->ops->stop(late[1], false, &(Error *){ NULL });
    assert_string_equal(sim_regcheck_first(r->chk),
                        "registry contract: stop walk called late1 registered during the walk");
    for (int i = 0; i < 2; i++) {
        sim_regcheck_untrack(r->chk, late[i]);
        replication_remove(late[i]);
    }
}

/* Only a start walk hands its callbacks a mode, only a stop walk a
 * failover flag: whatever the caller gives the other walks, their
 * callbacks (which get none) are clean. */
static void only_start_has_a_mode_and_only_stop_a_failover(void **state)
{
    Rig *r = *state;

    for (int w = 0; w < SIM_WALKS; w++) {
        sim_regcheck_walk(r->chk, r->reg, (SimWalk)w,
                          w == SIM_WALK_START ? REPLICATION_MODE_PRIMARY : REPLICATION_MODE_SECONDARY,
                          w != SIM_WALK_STOP, NULL);
    }
    assert_string_equal(sim_regcheck_first(r->chk), "");
    assert_int_equal(sim_regcheck_calls(r->chk), SIM_WALKS * N);
}

/* A call outside any walk is rule 4, a walk of its own: filed even after
 * another violation, each under its member's cell. */
static void calls_outside_any_walk_are_filed_each_under_rule_4(void **state)
{
    Rig *r = *state;
    Error *err;

    sim_regcheck_walk_begin(r->chk, r->reg, SIM_WALK_GET_ERROR);
    sim_regcheck_walk_end(r->chk, NULL);                    /* s3 missing */
    r->fail_in = 3;
    err = call(3, SIM_WALK_CHECKPOINT);                     /* forwarded all the same */
    assert_non_null(err);
    assert_string_equal(error_get_pretty(err), "s3 fails");
    error_free(err);
    assert_null(call(2, SIM_WALK_STOP));
    assert_string_equal(filed(r->chk), "4/get_error 4/checkpoint 4/stop");
    assert_int_equal(sim_regcheck_violations(r->chk), 3);
    assert_int_equal(sim_regcheck_calls(r->chk), 2);
}

/* Rule 3: a walk returning an error although no callback failed. */
static void error_returned_without_a_failure_is_rule_3(void **state)
{
    Rig *r = *state;
    Error *err = NULL;

    sim_regcheck_walk_begin(r->chk, r->reg, SIM_WALK_CHECKPOINT);
    for (int i = N - 1; i >= 0; i--) {
        assert_null(call(i, SIM_WALK_CHECKPOINT));
    }
    error_setg(&err, "made up");
    sim_regcheck_walk_end(r->chk, err);
    error_free(err);
    assert_string_equal(sim_regcheck_first(r->chk), "registry contract: checkpoint walk "
                        "returned \"made up\" but no callback failed");
    assert_string_equal(filed(r->chk), "3/checkpoint");
    assert_int_equal(sim_regcheck_violations(r->chk), 1);
}

/* Untracking a state the checker never knew does nothing; a walk of one
 * registry is no walk of another, whichever lies lower in memory. */
static void unknown_state_and_other_registries_are_left_alone(void **state)
{
    Rig *r = *state;
    static ReplicationState stranger;

    sim_regcheck_untrack(r->chk, &stranger);
    assert_int_equal(sim_regcheck_live(r->chk), N);
    sim_regcheck_walk_begin(r->chk, r->reg, SIM_WALK_GET_ERROR);
    assert_true(sim_regcheck_walking(r->chk, r->reg));
    assert_false(sim_regcheck_walking(r->chk, replication_default_registry()));
    sim_regcheck_walk_begin(r->chk, replication_default_registry(), SIM_WALK_GET_ERROR);
    sim_regcheck_walk_end(r->chk, NULL);
    sim_regcheck_walk_end(r->chk, NULL);                /* ended without calling s3 */
    sim_regcheck_walk_begin(r->chk, replication_default_registry(), SIM_WALK_GET_ERROR);
    assert_false(sim_regcheck_walking(r->chk, r->reg));
    assert_int_equal(sim_regcheck_violations(r->chk), 1);
}

/* Rule 3: a callback's errp must be fresh. */
static void errp_holding_an_error_is_rule_3(void **state)
{
    Rig *r = *state;
    Error *held = NULL;

    error_setg(&held, "held");
    sim_regcheck_walk_begin(r->chk, r->reg, SIM_WALK_CHECKPOINT);
    r->rs[3]->ops->checkpoint(r->rs[3], &held);
    assert_string_equal(sim_regcheck_first(r->chk),
                        "registry contract: checkpoint of s3 got an errp already holding "
                        "an error");
    assert_string_equal(filed(r->chk), "3/checkpoint");
    assert_string_equal(error_get_pretty(held), "held");
    error_free(held);
}

/* A call through a trampoline of a state the checker forgot (removed, then
 * sim_regcheck_forget_removed) names no state and is not forwarded. */
static void call_of_a_forgotten_state_is_unknown(void **state)
{
    Rig *r = *state;

    sim_regcheck_untrack(r->chk, r->rs[0]);
    sim_regcheck_forget_removed(r->chk);
    sim_regcheck_walk_begin(r->chk, r->reg, SIM_WALK_GET_ERROR);
    r->fail_in = 0;
    assert_null(call(0, SIM_WALK_GET_ERROR));
    assert_string_equal(sim_regcheck_first(r->chk),
                        "registry contract: get_error called on a state the checker does "
                        "not know");
    assert_string_equal(filed(r->chk), "4/get_error");
    assert_int_equal(sim_regcheck_calls(r->chk), 1);
    replication_remove(r->rs[0]);
    r->rs[0] = NULL;
}

/* A removed state the checker still remembers is named, live or not. */
static void removed_state_is_still_named_until_forgotten(void **state)
{
    Rig *r = *state;

    sim_regcheck_untrack(r->chk, r->rs[0]);
    sim_regcheck_forget_removed(r->chk);    /* forgets s0 only */
    sim_regcheck_untrack(r->chk, r->rs[1]);
    sim_regcheck_walk_begin(r->chk, r->reg, SIM_WALK_GET_ERROR);
    assert_null(call(3, SIM_WALK_GET_ERROR));
    assert_null(call(2, SIM_WALK_GET_ERROR));
    assert_null(call(1, SIM_WALK_GET_ERROR));
    assert_string_equal(sim_regcheck_first(r->chk),
                        "registry contract: get_error walk called s1, removed before the walk");
    sim_regcheck_walk_end(r->chk, NULL);
    assert_int_equal(sim_regcheck_violations(r->chk), 1);
    replication_remove(r->rs[0]);
    r->rs[0] = NULL;
}

/* What the walk left in the caller's errp: an earlier error must stay. */
static Error **callers_errp;
static int replace_with;            /* 0: NULL, 1: a new error */

static void drop_callers_error(ReplicationState *rs, Error **errp)
{
    Error *old = *callers_errp;

    (void)rs, (void)errp;
    *callers_errp = NULL;
    if (replace_with) {
        error_setg(callers_errp, "its own");  /* made first: not at old's address */
    }
    error_free(old);
}

static void earlier_error_replaced(Rig *r, int with, const char *want)
{
    static ReplicationOps dropper = { .get_error = drop_callers_error };
    Error *earlier = NULL;
    ReplicationState *rs = add(r, &dropper, "dropper");

    error_setg(&earlier, "earlier");
    callers_errp = &earlier;
    replace_with = with;
    sim_regcheck_walk(r->chk, r->reg, SIM_WALK_GET_ERROR, 0, false, &earlier);
    assert_string_equal(sim_regcheck_first(r->chk), want);
    assert_string_equal(filed(r->chk), "3/get_error");
    assert_int_equal(sim_regcheck_violations(r->chk), 1);      /* freeing is no leak */
    error_free(earlier);
    sim_regcheck_untrack(r->chk, rs);
    replication_remove(rs);
}

static void earlier_error_replaced_with_null_is_rule_3(void **state)
{
    earlier_error_replaced(*state, 0, "registry contract: get_error walk replaced the "
                           "earlier error in *errp with NULL");
}

static void earlier_error_replaced_with_another_is_rule_3(void **state)
{
    earlier_error_replaced(*state, 1, "registry contract: get_error walk replaced the "
                           "earlier error in *errp with its own");
}

/* Errors left over: counted, in the plural, with what errp was. */
static Error *leaked[2];

static void leak_two(ReplicationState *rs, Error **errp)
{
    (void)rs, (void)errp;
    error_setg(&leaked[0], "one");
    error_setg(&leaked[1], "two");
}

static void leaked_errors_are_counted(Rig *r, Error **errp, const char *want)
{
    static ReplicationOps leaky = { .checkpoint = leak_two };
    ReplicationState *rs = add(r, &leaky, "leaky");

    sim_regcheck_walk(r->chk, r->reg, SIM_WALK_CHECKPOINT, 0, false, errp);
    assert_string_equal(sim_regcheck_first(r->chk), want);
    assert_string_equal(filed(r->chk), "3/checkpoint");
    error_free(leaked[0]);
    error_free(leaked[1]);
    leaked[0] = leaked[1] = NULL;
    sim_regcheck_untrack(r->chk, rs);
    replication_remove(rs);
}

static void two_errors_leaked_with_fresh_errp(void **state)
{
    Error *err = NULL;

    leaked_errors_are_counted(*state, &err, "registry contract: checkpoint walk leaked 2 "
                              "Errors (errp fresh)");
    assert_null(err);
}

static void errors_leaked_with_an_earlier_error(void **state)
{
    Error *earlier = NULL;

    error_setg(&earlier, "earlier");
    leaked_errors_are_counted(*state, &earlier, "registry contract: checkpoint walk leaked 2 "
                              "Errors (errp holding an earlier error)");
    assert_string_equal(error_get_pretty(earlier), "earlier");
    error_free(earlier);
}

/* One Error leaked beside the one the walk returns: the returned one is
 * the caller's, the other a leak, counted in the singular. */
static void leak_one(ReplicationState *rs, Error **errp)
{
    (void)rs, (void)errp;
    error_setg(&leaked[0], "one");
}

static void error_leaked_beside_the_returned_one(void **state)
{
    Rig *r = *state;
    static ReplicationOps leaky = { .checkpoint = leak_one };
    ReplicationState *rs = add(r, &leaky, "leaky");     /* newest: called first */
    Error *err = NULL;

    r->fail_in = 3;
    sim_regcheck_walk(r->chk, r->reg, SIM_WALK_CHECKPOINT, 0, false, &err);
    assert_non_null(err);
    assert_string_equal(error_get_pretty(err), "s3 fails");
    assert_string_equal(sim_regcheck_first(r->chk), "registry contract: checkpoint walk "
                        "leaked 1 Error (errp fresh)");
    assert_int_equal(sim_regcheck_violations(r->chk), 1);
    error_free(err);
    error_free(leaked[0]);
    leaked[0] = NULL;
    sim_regcheck_untrack(r->chk, rs);
    replication_remove(rs);
}

/* A walk that hands its caller an error no callback raised (here a
 * callback writes the caller's errp behind the registry's back) is
 * judged through sim_regcheck_walk as through walk_end. */
static Error **rogue_target;

static void write_callers_errp(ReplicationState *rs, Error **errp)
{
    (void)rs, (void)errp;
    error_setg(rogue_target, "rogue");
}

static void error_no_callback_raised_is_rule_3_through_walk(void **state)
{
    Rig *r = *state;
    static ReplicationOps rogue = { .get_error = write_callers_errp };
    ReplicationState *rs = add(r, &rogue, "rogue");
    Error *err = NULL;

    rogue_target = &err;
    sim_regcheck_walk(r->chk, r->reg, SIM_WALK_GET_ERROR, 0, false, &err);
    assert_string_equal(sim_regcheck_first(r->chk), "registry contract: get_error walk "
                        "returned \"rogue\" but no callback failed");
    assert_string_equal(filed(r->chk), "3/get_error");
    assert_int_equal(sim_regcheck_violations(r->chk), 1);
    error_free(err);
    sim_regcheck_untrack(r->chk, rs);
    replication_remove(rs);
}

/* The error a walk returns in a fresh errp is kept by the caller: not a
 * leak; nor is the earlier one the caller held. */
static void returned_and_earlier_errors_are_no_leak(void **state)
{
    Rig *r = *state;
    Error *err = NULL;

    r->fail_in = 1;
    sim_regcheck_walk(r->chk, r->reg, SIM_WALK_START, 0, false, &err);
    assert_non_null(err);
    sim_regcheck_walk(r->chk, r->reg, SIM_WALK_START, 0, false, &err);
    assert_string_equal(error_get_pretty(err), "s1 fails");
    error_free(err);
    assert_int_equal(sim_regcheck_violations(r->chk), 0);
    assert_int_equal(sim_regcheck_calls(r->chk), 2 * 3);
}

/* The idle hooks: at most SIM_REGCHECK_MAX_HOOKS, each run once after each
 * outermost walk of a registry (not after a nested walk of the same one),
 * with that registry; off_idle drops exactly the hooks of its ctx. */
static unsigned hook_runs[SIM_REGCHECK_MAX_HOOKS + 1];
static ReplicationRegistry *hook_reg;

static void hook(void *ctx, ReplicationRegistry *reg)
{
    hook_runs[*(const int *)ctx]++;
    hook_reg = reg;
}

static const int ctxs[SIM_REGCHECK_MAX_HOOKS + 1] = { 0, 1, 2, 3, 4 };

static void idle_hooks_run_after_each_outermost_walk(void **state)
{
    Rig *r = *state;

    memset(hook_runs, 0, sizeof(hook_runs));
    for (int i = 0; i < SIM_REGCHECK_MAX_HOOKS; i++) {
        assert_int_equal(sim_regcheck_on_idle(r->chk, hook, (void *)&ctxs[i]), 0);
    }
    assert_int_equal(sim_regcheck_on_idle(r->chk, hook, (void *)&ctxs[4]), -ENOSPC);
    sim_regcheck_walk(r->chk, r->reg, SIM_WALK_CHECKPOINT, 0, false, NULL);
    assert_ptr_equal(hook_reg, r->reg);
    for (int i = 0; i < SIM_REGCHECK_MAX_HOOKS; i++) {
        assert_int_equal(hook_runs[i], 1);
    }
    assert_int_equal(hook_runs[4], 0);
    sim_regcheck_off_idle(r->chk, (void *)&ctxs[1]);
    sim_regcheck_walk(r->chk, r->reg, SIM_WALK_CHECKPOINT, 0, false, NULL);
    assert_int_equal(hook_runs[0], 2);
    assert_int_equal(hook_runs[1], 1);
    assert_int_equal(hook_runs[2], 2);
    assert_int_equal(hook_runs[3], 2);
    assert_int_equal(sim_regcheck_on_idle(r->chk, hook, (void *)&ctxs[4]), 0);
    assert_int_equal(sim_regcheck_on_idle(r->chk, hook, (void *)&ctxs[4]), -ENOSPC);
    sim_regcheck_walk(r->chk, r->reg, SIM_WALK_CHECKPOINT, 0, false, NULL);
    assert_int_equal(hook_runs[0], 3);
    assert_int_equal(hook_runs[1], 1);
    assert_int_equal(hook_runs[3], 3);
    assert_int_equal(hook_runs[4], 1);
    assert_int_equal(sim_regcheck_violations(r->chk), 0);
}

/* A nested walk of the same registry is not its idle moment; one of
 * another registry is that registry's. */
static ReplicationRegistry *nested_reg;

static void walk_nested(ReplicationState *rs, Error **errp)
{
    (void)rs, (void)errp;
    sim_regcheck_walk(rig->chk, nested_reg, SIM_WALK_GET_ERROR, 0, false, NULL);
}

static void idle_hooks_wait_for_the_outermost_walk(void **state)
{
    Rig *r = *state;
    static ReplicationOps nester = { .checkpoint = walk_nested };
    ReplicationState *rs = add(r, &nester, "nester");
    ReplicationRegistry *other = replication_registry_new();

    memset(hook_runs, 0, sizeof(hook_runs));
    hook_reg = NULL;
    assert_int_equal(sim_regcheck_on_idle(r->chk, hook, (void *)&ctxs[0]), 0);
    nested_reg = r->reg;
    sim_regcheck_walk(r->chk, r->reg, SIM_WALK_CHECKPOINT, 0, false, NULL);
    assert_int_equal(hook_runs[0], 1);
    assert_int_equal(sim_regcheck_outer_walks(r->chk), 1);
    nested_reg = other;
    sim_regcheck_walk(r->chk, r->reg, SIM_WALK_CHECKPOINT, 0, false, NULL);
    assert_int_equal(hook_runs[0], 3);          /* other's, then r->reg's */
    assert_ptr_equal(hook_reg, r->reg);
    assert_int_equal(sim_regcheck_outer_walks(r->chk), 2);
    assert_int_equal(sim_regcheck_violations(r->chk), 0);
    sim_regcheck_untrack(r->chk, rs);
    replication_remove(rs);
    replication_registry_free(other);
}

/* A hook that drops every hook (its own and the others): the hooks
 * dropped do not run after it. */
static void drop_all_hooks(void *ctx, ReplicationRegistry *reg)
{
    hook(ctx, reg);
    sim_regcheck_off_idle(rig->chk, (void *)&ctxs[0]);
    sim_regcheck_off_idle(rig->chk, (void *)&ctxs[1]);
}

static void hooks_dropped_by_a_hook_do_not_run(void **state)
{
    Rig *r = *state;

    memset(hook_runs, 0, sizeof(hook_runs));
    assert_int_equal(sim_regcheck_on_idle(r->chk, drop_all_hooks, (void *)&ctxs[0]), 0);
    assert_int_equal(sim_regcheck_on_idle(r->chk, hook, (void *)&ctxs[1]), 0);
    sim_regcheck_walk(r->chk, r->reg, SIM_WALK_CHECKPOINT, 0, false, NULL);
    assert_int_equal(hook_runs[0], 1);
    assert_int_equal(hook_runs[1], 0);
    sim_regcheck_walk(r->chk, r->reg, SIM_WALK_CHECKPOINT, 0, false, NULL);
    assert_int_equal(hook_runs[0], 1);
}

/* A silenced state (its owner died inside a walk) has NULL ops: the
 * registry skips it and the model no longer expects it. */
static void silenced_state_is_skipped_without_a_violation(void **state)
{
    Rig *r = *state;

    sim_regcheck_silence(r->chk, r->rs[2]);
    assert_null(r->rs[2]->ops);
    assert_int_equal(sim_regcheck_live(r->chk), N - 1);
    sim_regcheck_walk(r->chk, r->reg, SIM_WALK_STOP, 0, false, NULL);
    assert_int_equal(sim_regcheck_violations(r->chk), 0);
    assert_int_equal(sim_regcheck_calls(r->chk), N - 1);
    replication_remove(r->rs[2]);
    r->rs[2] = NULL;
}

/* A state tracked while its ops are NULL gets no trampoline and is not
 * expected by any walk. */
static void state_with_null_ops_is_tracked_as_it_is(void **state)
{
    Rig *r = *state;
    ReplicationState *rs = replication_new_in(r->reg, NULL, &all_ops);

    rs->ops = NULL;
    assert_int_equal(sim_regcheck_track(r->chk, r->reg, rs, "mute"), 0);
    assert_null(rs->ops);
    sim_regcheck_walk(r->chk, r->reg, SIM_WALK_GET_ERROR, 0, false, NULL);
    assert_int_equal(sim_regcheck_violations(r->chk), 0);
    assert_int_equal(sim_regcheck_calls(r->chk), N);
    sim_regcheck_untrack(r->chk, rs);
    rs->ops = &all_ops;
    replication_remove(rs);
}

/* Freeing or resetting the checker gives every live state its ops back;
 * a removed one keeps the trampoline (its owner may be gone). */
static void free_and_reset_restore_the_ops(void **state)
{
    Rig *r = *state;
    Error *err = NULL;

    sim_regcheck_untrack(r->chk, r->rs[0]);
    sim_regcheck_free(r->chk);
    for (int i = 1; i < N; i++) {
        assert_ptr_equal(r->rs[i]->ops, &all_ops);
    }
    assert_ptr_not_equal(r->rs[0]->ops, &all_ops);
    r->rs[0]->ops = &all_ops;
    r->chk = sim_regcheck_new();
    for (int i = 0; i < N; i++) {
        assert_int_equal(sim_regcheck_track(r->chk, r->reg, r->rs[i], "again"), 0);
        assert_ptr_not_equal(r->rs[i]->ops, &all_ops);
    }
    assert_int_equal(sim_regcheck_on_idle(r->chk, hook, (void *)&ctxs[0]), 0);
    sim_regcheck_walk_begin(r->chk, r->reg, SIM_WALK_GET_ERROR);
    sim_regcheck_walk_end(r->chk, NULL);                    /* s3 missing */
    r->fail_in = 3;
    sim_regcheck_walk_begin(r->chk, r->reg, SIM_WALK_GET_ERROR);
    err = call(3, SIM_WALK_GET_ERROR);                      /* left open */
    error_free(err);
    assert_int_not_equal(sim_regcheck_violations(r->chk), 0);
    sim_regcheck_reset(r->chk);
    for (int i = 0; i < N; i++) {
        assert_ptr_equal(r->rs[i]->ops, &all_ops);
    }
    assert_int_equal(sim_regcheck_violations(r->chk), 0);
    assert_string_equal(sim_regcheck_first(r->chk), "");
    assert_string_equal(filed(r->chk), "");
    assert_int_equal(sim_regcheck_live(r->chk), 0);
    assert_int_equal(sim_regcheck_calls(r->chk), 0);
    assert_int_equal(sim_regcheck_outer_walks(r->chk), 0);
    assert_false(sim_regcheck_walking(r->chk, r->reg));
    for (int i = 0; i < SIM_REGCHECK_MAX_HOOKS; i++) {
        assert_int_equal(sim_regcheck_on_idle(r->chk, hook, (void *)&ctxs[i]), 0);
    }
}

/* Slots are reused, so the model orders a walk by registration, not by
 * slot: a newcomer in an old slot is due first. */
static void newcomer_in_an_old_slot_is_due_first(void **state)
{
    Rig *r = *state;

    sim_regcheck_untrack(r->chk, r->rs[1]);
    replication_remove(r->rs[1]);
    r->rs[1] = add(r, &all_ops, "s4");
    sim_regcheck_walk(r->chk, r->reg, SIM_WALK_START, 0, false, NULL);
    assert_int_equal(sim_regcheck_violations(r->chk), 0);
    sim_regcheck_walk_begin(r->chk, r->reg, SIM_WALK_START);
    assert_null(call(3, SIM_WALK_START));
    assert_string_equal(sim_regcheck_first(r->chk),
                        "registry contract: start walk called s3, model expected s4");
}

/* No copy of a callback's error (out of memory) is the checker's own
 * limit, rule 0: the walk's error then cannot be judged, nor is it. */
static bool strdup_fails;
char *__real_strdup(const char *s);
char *__wrap_strdup(const char *s);
char *__wrap_strdup(const char *s)
{
    return strdup_fails ? NULL : __real_strdup(s);
}

static bool calloc_fails;
void *__real_calloc(size_t n, size_t size);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_calloc(size_t n, size_t size)
{
    return calloc_fails ? NULL : __real_calloc(n, size);
}

static void no_copy_of_the_callback_error_is_rule_0(void **state)
{
    Rig *r = *state;
    Error *err;

    r->fail_in = 3;
    sim_regcheck_walk_begin(r->chk, r->reg, SIM_WALK_CHECKPOINT);
    strdup_fails = true;
    err = call(3, SIM_WALK_CHECKPOINT);
    strdup_fails = false;
    assert_non_null(err);
    sim_regcheck_walk_end(r->chk, NULL);
    error_free(err);
    assert_string_equal(sim_regcheck_first(r->chk),
                        "registry checker: out of memory for a callback's error");
    assert_string_equal(filed(r->chk), "0/checkpoint");
    assert_int_equal(sim_regcheck_violations(r->chk), 1);
}

/* No memory for a checker: NULL, and the next one can be made. */
static void checker_without_memory_is_null(void **state)
{
    Rig *r = *state;

    sim_regcheck_free(r->chk);
    calloc_fails = true;
    r->chk = sim_regcheck_new();
    calloc_fails = false;
    assert_null(r->chk);
    r->chk = sim_regcheck_new();
    assert_non_null(r->chk);
}

/* A walk that removes states by itself (the registry holds fewer than the
 * model) loses the registry for the process: in a child. */
static void walk_removing_states_by_itself_loses_the_registry(void **state)
{
    Rig *r = *state;
    pid_t pid;
    int status = 0;

    fflush(NULL);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        replication_remove(r->rs[0]);       /* behind the checker's back */
        sim_regcheck_walk(r->chk, r->reg, SIM_WALK_GET_ERROR, 0, false, NULL);
        _exit(!sim_regcheck_registry_lost() ? 2 :
              strcmp(sim_regcheck_first(r->chk), "registry contract: the get_error walk "
                     "removed states by itself: the registry holds 3, the model 4") ? 3 :
              strcmp(filed(r->chk), "4/get_error") ? 4 : 0);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    assert_false(sim_regcheck_registry_lost());
}

/* A walk whose last callback removes a state by itself: seen when the
 * walk returns (no later callback to see it before), in a child. */
static ReplicationState *victim;

static void remove_victim(ReplicationState *rs, Error **errp)
{
    (void)rs, (void)errp;
    replication_remove(victim);         /* behind the checker's back */
}

static void walk_removing_a_state_in_its_last_callback_loses_the_registry(void **state)
{
    Rig *r = *state;
    static ReplicationOps remover = { .get_error = remove_victim };
    static ReplicationOps mute = { .start = on_start };
    ReplicationRegistry *reg = r->reg, *solo = replication_registry_new();
    pid_t pid;
    int status = 0;

    r->reg = solo;
    victim = add(r, &mute, "victim");
    add(r, &remover, "remover");
    r->reg = reg;
    fflush(NULL);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        sim_regcheck_walk(r->chk, solo, SIM_WALK_GET_ERROR, 0, false, NULL);
        _exit(!sim_regcheck_registry_lost() ? 2 :
              strcmp(sim_regcheck_first(r->chk), "registry contract: the get_error walk "
                     "removed states by itself: the registry holds 1, the model 2") ? 3 : 0);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    sim_regcheck_free(r->chk);
    r->chk = NULL;
    replication_registry_free(solo);
    r->chk = sim_regcheck_new();
}

/* Each set of NULL members has its own trampoline table: tracking a state
 * with another set never changes the members of one tracked before. */
static void trampolines_keep_each_states_members(void **state)
{
    Rig *r = *state;
    static ReplicationOps start_and_checkpoint = { .start = on_start,
                                                   .checkpoint = on_checkpoint };
    static ReplicationOps checkpoint_only = { .checkpoint = on_checkpoint };
    static ReplicationOps none_of_them = { .stop = on_stop };
    ReplicationState *a = add(r, &start_and_checkpoint, "a");
    ReplicationState *b = add(r, &checkpoint_only, "b");
    ReplicationState *c = add(r, &none_of_them, "c");

    assert_non_null(a->ops->start);
    assert_non_null(a->ops->checkpoint);
    assert_null(a->ops->stop);
    assert_null(b->ops->start);
    assert_non_null(b->ops->checkpoint);
    assert_non_null(c->ops->stop);
    assert_null(c->ops->start);
    sim_regcheck_walk(r->chk, r->reg, SIM_WALK_START, 0, false, NULL);
    assert_int_equal(sim_regcheck_violations(r->chk), 0);
    assert_int_equal(sim_regcheck_calls(r->chk), N + 1);
    for (ReplicationState **rs = (ReplicationState *[]){ a, b, c, NULL }; *rs; rs++) {
        sim_regcheck_untrack(r->chk, *rs);
        replication_remove(*rs);
    }
}

/* Rule 3: a walk that calls on after a callback failed is filed there. */
static void call_after_a_failure_is_filed_under_rule_3(void **state)
{
    Rig *r = *state;
    Error *err;

    r->fail_in = 3;
    sim_regcheck_walk_begin(r->chk, r->reg, SIM_WALK_STOP);
    err = call(3, SIM_WALK_STOP);
    assert_null(call(2, SIM_WALK_STOP));
    sim_regcheck_walk_end(r->chk, err);
    error_free(err);
    assert_string_equal(sim_regcheck_first(r->chk),
                        "registry contract: stop walk called s2 after a callback had failed");
    assert_string_equal(filed(r->chk), "3/stop");
}

/* A state whose callback calls the next state's member itself, with the
 * mode or failover flag it chooses: the walk's arguments differ from the
 * callback's in the direction the test picks (both are tested: a checker
 * comparing one way only would miss the other). */
static ReplicationMode meddle_mode;
static bool meddle_failover;

static void meddle_start(ReplicationState *rs, ReplicationMode m, Error **errp)
{
    (void)rs, (void)m, (void)errp;
    rig->rs[3]->ops->start(rig->rs[3], meddle_mode, &(Error *){ NULL });
}

static void meddle_stop(ReplicationState *rs, bool failover, Error **errp)
{
    (void)rs, (void)failover, (void)errp;
    rig->rs[3]->ops->stop(rig->rs[3], meddle_failover, &(Error *){ NULL });
}

static void meddled_walk(Rig *r, SimWalk w, ReplicationMode mode, bool failover,
                         const char *want, const char *cell)
{
    static ReplicationOps meddler = { .start = meddle_start, .stop = meddle_stop };
    ReplicationState *rs = add(r, &meddler, "m");

    sim_regcheck_walk(r->chk, r->reg, w, mode, failover, NULL);
    assert_string_equal(sim_regcheck_first(r->chk), want);
    assert_string_equal(filed(r->chk), cell);
    assert_int_equal(sim_regcheck_violations(r->chk), 2);      /* and s3 twice */
    sim_regcheck_untrack(r->chk, rs);
    replication_remove(rs);
}

static void mode_lower_than_the_walks_is_rule_3(void **state)
{
    meddle_mode = REPLICATION_MODE_PRIMARY;
    meddled_walk(*state, SIM_WALK_START, REPLICATION_MODE_SECONDARY, false,
                 "registry contract: start of s3 got mode 0, the walk was given 1", "3/start");
}

static void mode_higher_than_the_walks_is_rule_3(void **state)
{
    meddle_mode = REPLICATION_MODE_SECONDARY;
    meddled_walk(*state, SIM_WALK_START, REPLICATION_MODE_PRIMARY, false,
                 "registry contract: start of s3 got mode 1, the walk was given 0", "3/start");
}

static void failover_false_in_a_failover_walk_is_rule_3(void **state)
{
    meddle_failover = false;
    meddled_walk(*state, SIM_WALK_STOP, 0, true, "registry contract: stop of s3 got "
                 "failover=false, the walk was given true", "3/stop");
}

static void failover_true_in_a_plain_walk_is_rule_3(void **state)
{
    meddle_failover = true;
    meddled_walk(*state, SIM_WALK_STOP, 0, false, "registry contract: stop of s3 got "
                 "failover=true, the walk was given false", "3/stop");
}

/* Every one of the 16 sets of NULL members keeps its own trampoline
 * table, whatever sets are tracked after it. */
static void each_set_of_members_has_its_own_trampolines(void **state)
{
    Rig *r = *state;
    static ReplicationOps sets[16];
    ReplicationState *rs[16];

    for (unsigned i = 0; i < 16; i++) {
        sets[i] = (ReplicationOps){ .start = i & 1 ? on_start : NULL,
                                    .stop = i & 2 ? on_stop : NULL,
                                    .checkpoint = i & 4 ? on_checkpoint : NULL,
                                    .get_error = i & 8 ? on_get_error : NULL };
        rs[i] = add(r, &sets[i], "set");
    }
    for (unsigned i = 0; i < 16; i++) {
        assert_ptr_not_equal(rs[i]->ops, &sets[i]);
        assert_int_equal(rs[i]->ops->start != NULL, (i & 1) != 0);
        assert_int_equal(rs[i]->ops->stop != NULL, (i & 2) != 0);
        assert_int_equal(rs[i]->ops->checkpoint != NULL, (i & 4) != 0);
        assert_int_equal(rs[i]->ops->get_error != NULL, (i & 8) != 0);
    }
    /* Each walk expects exactly the 8 sets with its member (and s0..s3). */
    for (int w = 0; w < SIM_WALKS; w++) {
        sim_regcheck_walk(r->chk, r->reg, (SimWalk)w, 0, false, NULL);
        assert_string_equal(sim_regcheck_first(r->chk), "");
        assert_int_equal(sim_regcheck_calls(r->chk), (unsigned long)(w + 1) * (N + 8));
    }
    for (unsigned i = 0; i < 16; i++) {
        sim_regcheck_untrack(r->chk, rs[i]);
        replication_remove(rs[i]);
    }
}

/* With every slot taken, the state removed first frees the first slot:
 * the next state takes it. */
static void full_checker_reuses_the_first_slot(void **state)
{
    Rig *r = *state;
    ReplicationState *more[SIM_REGCHECK_MAX_STATES - N];
    ReplicationState *extra;

    for (int i = 0; i < SIM_REGCHECK_MAX_STATES - N; i++) {
        more[i] = add(r, &all_ops, "more");
    }
    extra = replication_new_in(r->reg, NULL, &all_ops);
    assert_int_equal(sim_regcheck_track(r->chk, r->reg, extra, "extra"), -ENOSPC);
    replication_remove(extra);
    sim_regcheck_untrack(r->chk, r->rs[0]);             /* slot 0 */
    replication_remove(r->rs[0]);
    r->rs[0] = NULL;
    extra = add(r, &all_ops, "extra");
    sim_regcheck_walk(r->chk, r->reg, SIM_WALK_GET_ERROR, 0, false, NULL);
    assert_string_equal(sim_regcheck_first(r->chk), "");
    assert_int_equal(sim_regcheck_calls(r->chk), SIM_REGCHECK_MAX_STATES);
    sim_regcheck_forget_removed(r->chk);                /* every slot in use */
    assert_int_equal(sim_regcheck_live(r->chk), SIM_REGCHECK_MAX_STATES);
    for (int i = 0; i < SIM_REGCHECK_MAX_STATES - N; i++) {
        sim_regcheck_untrack(r->chk, more[i]);
        replication_remove(more[i]);
    }
    sim_regcheck_untrack(r->chk, extra);
    replication_remove(extra);
}

/* A state registered during a walk raises the bound of the walks open
 * (twice the states it may call, plus two): 4 states and one newcomer
 * allow 12 callbacks; the 13th is a walk that does not end. */
static void newcomer_raises_the_bound_of_the_open_walk(void **state)
{
    Rig *r = *state;
    ReplicationState *late;

    /* After a walk through sim_regcheck_walk, no jump back to it is left
     * armed: the walk begun here goes on past its bound. */
    sim_regcheck_walk(r->chk, r->reg, SIM_WALK_GET_ERROR, 0, false, NULL);
    sim_regcheck_walk_begin(r->chk, r->reg, SIM_WALK_GET_ERROR);
    late = add(r, &all_ops, "late");
    for (int i = N - 1; i >= 0; i--) {
        assert_null(call(i, SIM_WALK_GET_ERROR));
    }
    for (int k = 0; k < 8; k++) {       /* callbacks 5..12: each a violation */
        late->ops->get_error(late, &(Error *){ NULL });
    }
    assert_int_equal(sim_regcheck_violations(r->chk), 8);
    late->ops->get_error(late, &(Error *){ NULL });     /* 13: and did not end */
    assert_int_equal(sim_regcheck_violations(r->chk), 10);
    sim_regcheck_walk_end(r->chk, NULL);
    sim_regcheck_untrack(r->chk, late);
    replication_remove(late);
}

/* The end of a walk begun past the depth limit closes that walk only:
 * the walks under it are closed by their own ends, and one end more is
 * an end of a walk that never began. */
static void ends_past_the_depth_limit_close_each_walk_once(void **state)
{
    Rig *r = *state;
    ReplicationRegistry *empty = replication_registry_new();
    ReplicationState *late;

    for (int i = 0; i <= SIM_REGCHECK_MAX_DEPTH; i++) {
        sim_regcheck_walk_begin(r->chk, empty, SIM_WALK_CHECKPOINT);
    }
    assert_int_equal(sim_regcheck_violations(r->chk), 1);
    late = add(r, &all_ops, "late");    /* counted by each open walk, none past them */
    sim_regcheck_walk_end(r->chk, NULL);                /* the one past the limit */
    for (int i = 0; i < SIM_REGCHECK_MAX_DEPTH; i++) {
        assert_true(sim_regcheck_walking(r->chk, empty));
        sim_regcheck_walk_end(r->chk, NULL);
    }
    assert_false(sim_regcheck_walking(r->chk, empty));
    assert_int_equal(sim_regcheck_violations(r->chk), 1);
    sim_regcheck_walk_end(r->chk, NULL);
    assert_int_equal(sim_regcheck_violations(r->chk), 2);
    sim_regcheck_untrack(r->chk, late);
    replication_remove(late);
    replication_registry_free(empty);
}

/* Walks nested through sim_regcheck_walk past the depth limit: the one
 * too deep is reported (rule 0), its callbacks forwarded unjudged, and
 * every walk still returns and closes. */
static unsigned nest_left;

static void nest_again(ReplicationState *rs, Error **errp)
{
    (void)rs, (void)errp;
    if (nest_left > 0) {
        nest_left--;
        sim_regcheck_walk(rig->chk, nested_reg, SIM_WALK_CHECKPOINT, 0, false, NULL);
    }
}

static void walks_nested_past_the_depth_limit_all_return(void **state)
{
    Rig *r = *state;
    static ReplicationOps nester = { .checkpoint = nest_again };
    ReplicationRegistry *deep = replication_registry_new();
    ReplicationRegistry *reg = r->reg;
    ReplicationState *rs;

    r->reg = deep;
    rs = add(r, &nester, "deep");
    r->reg = reg;
    nested_reg = deep;
    nest_left = SIM_REGCHECK_MAX_DEPTH;
    sim_regcheck_walk(r->chk, deep, SIM_WALK_CHECKPOINT, 0, false, NULL);
    assert_int_equal(nest_left, 0);
    assert_string_equal(sim_regcheck_first(r->chk),
                        "registry checker: walks nested deeper than 8");
    assert_string_equal(filed(r->chk), "0/checkpoint");
    assert_int_equal(sim_regcheck_violations(r->chk), 1);
    assert_false(sim_regcheck_walking(r->chk, deep));
    assert_false(sim_regcheck_registry_lost());
    sim_regcheck_walk(r->chk, r->reg, SIM_WALK_CHECKPOINT, 0, false, NULL);
    assert_int_equal(sim_regcheck_violations(r->chk), 1);
    sim_regcheck_untrack(r->chk, rs);
    replication_remove(rs);
    replication_registry_free(deep);
}

/* A walk that does not end, abandoned after a nested walk returned: the
 * nested walk armed no jump of its own (it is no outermost walk), so the
 * outer walk's jump is still there when the outer walk passes its bound;
 * every open walk's copy of its callback error is freed.  In a child that
 * ends with exit(), so LeakSanitizer (ASan builds) sees a copy left
 * behind once the next walk begins in the frame that held it. */
static ReplicationRegistry *inner_reg;
static unsigned loops_done, loops_deep;

static void nest_then_spin(ReplicationState *rs, Error **errp)
{
    (void)rs, (void)errp;
    sim_regcheck_walk(rig->chk, inner_reg, SIM_WALK_GET_ERROR, 0, false, NULL);
    rig->fail_in = 2;
    error_free(call(2, SIM_WALK_GET_ERROR));    /* the outer walk fails: a copy */
    rig->fail_in = -1;
    for (loops_done = 1; loops_done <= 30; loops_done++) {
        error_free(call(1, SIM_WALK_GET_ERROR));        /* the jump ends it */
    }
}

static void walk_not_ending_after_a_nested_walk_is_abandoned(void **state)
{
    Rig *r = *state;
    static ReplicationOps spinner = { .get_error = nest_then_spin };
    ReplicationRegistry *reg = r->reg;
    ReplicationState *inner, *looper;
    pid_t pid;
    int status = 0;

    inner_reg = replication_registry_new();
    r->reg = inner_reg;
    inner = add(r, &all_ops, "inner");
    r->reg = reg;
    looper = add(r, &spinner, "looper");
    fflush(NULL);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int code;

        sim_regcheck_walk(r->chk, r->reg, SIM_WALK_GET_ERROR, 0, false, NULL);
        /* 5 states: 12 callbacks allowed; looper, s2, then s1 ten times,
         * and the 11th call of s1 is the 13th: abandoned there. */
        code = !sim_regcheck_registry_lost() ? 2 : loops_done != 11 ? 3 :
               sim_regcheck_walking(r->chk, r->reg) ? 4 :
               strcmp(sim_regcheck_first(r->chk), "registry contract: get_error walk called "
                      "s2, model expected s3") ? 5 : 0;
        sim_regcheck_walk_begin(r->chk, r->reg, SIM_WALK_GET_ERROR);   /* frame 0 anew */
        exit(code);     /* not _exit: LeakSanitizer runs */
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    assert_false(sim_regcheck_registry_lost());
    for (ReplicationState **rs = (ReplicationState *[]){ inner, looper, NULL }; *rs; rs++) {
        sim_regcheck_untrack(r->chk, *rs);
        replication_remove(*rs);
    }
    replication_registry_free(inner_reg);
}

/* A walk that does not end at the depth limit: 8 walks open when it is
 * abandoned, each forgotten (none past the last: UBSan sees an index past
 * the frames), in a child. */
static ReplicationState *spun;

static void nest_deep_then_spin(ReplicationState *rs, Error **errp)
{
    (void)rs, (void)errp;
    if (nest_left > 0) {
        nest_left--;
        sim_regcheck_walk(rig->chk, inner_reg, SIM_WALK_CHECKPOINT, 0, false, NULL);
        return;
    }
    for (loops_deep = 1; loops_deep <= 30; loops_deep++) {
        spun->ops->checkpoint(spun, &(Error *){ NULL });
    }
}

static void walk_not_ending_at_the_depth_limit_is_abandoned(void **state)
{
    Rig *r = *state;
    static ReplicationOps nester = { .checkpoint = nest_deep_then_spin };
    ReplicationRegistry *reg = r->reg;
    ReplicationState *deep;
    pid_t pid;
    int status = 0;

    inner_reg = replication_registry_new();
    r->reg = inner_reg;
    spun = add(r, &all_ops, "spun");
    deep = add(r, &nester, "deep");
    r->reg = reg;
    fflush(NULL);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        nest_left = SIM_REGCHECK_MAX_DEPTH - 1;
        sim_regcheck_walk(r->chk, inner_reg, SIM_WALK_CHECKPOINT, 0, false, NULL);
        /* The innermost walk may make 6 callbacks: deep, then spun 5
         * times; the 6th call of spun is its 7th. */
        exit(!sim_regcheck_registry_lost() ? 2 : nest_left != 0 ? 3 : loops_deep != 6 ? 4 :
             sim_regcheck_walking(r->chk, inner_reg) ? 5 : 0);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    for (ReplicationState **rs = (ReplicationState *[]){ spun, deep, NULL }; *rs; rs++) {
        sim_regcheck_untrack(r->chk, *rs);
        replication_remove(*rs);
    }
    replication_registry_free(inner_reg);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(walk_returning_no_error_after_a_failure_is_reported),
        T(walk_returning_its_callback_error_is_clean),
        T(walk_ended_that_never_began_is_reported),
        T(filed_violation_has_its_message),
        T(rule_titles_and_walk_names),
        T(one_checker_at_a_time),
        T(call_of_another_member_is_rule_2),
        T(call_of_an_earlier_member_is_rule_2_and_not_the_walks),
        T(reused_address_names_the_newest_removed_state),
        T(walk_past_the_depth_limit_is_filed_under_rule_0),
        T(call_of_another_registry_state_is_rule_4),
        T(call_of_a_state_removed_before_the_walk_is_rule_4),
        T(removal_after_a_walk_ended_is_before_the_next),
        T(other_registries_do_not_count_in_a_walk),
        T(call_twice_or_of_a_newcomer_is_rule_4),
        T(newcomer_call_names_it),
        T(second_newcomer_call_names_it),
        T(call_after_a_failure_is_judged_no_further),
        T(call_of_a_removed_state_is_judged_no_further),
        T(second_call_is_judged_no_further),
        T(unknown_state_and_other_registries_are_left_alone),
        T(calls_outside_any_walk_are_filed_each_under_rule_4),
        T(error_returned_without_a_failure_is_rule_3),
        T(only_start_has_a_mode_and_only_stop_a_failover),
        T(state_of_the_default_registry_in_another_walk_is_rule_4),
        T(state_in_a_walk_of_the_default_registry_is_rule_4),
        T(call_of_a_member_missing_at_the_start_is_rule_4),
        T(call_of_the_first_state_without_the_member_is_rule_4),
        T(newcomer_in_a_slot_freed_during_the_walk_is_no_part_of_it),
        T(errp_holding_an_error_is_rule_3),
        T(call_of_a_forgotten_state_is_unknown),
        T(removed_state_is_still_named_until_forgotten),
        T(earlier_error_replaced_with_null_is_rule_3),
        T(earlier_error_replaced_with_another_is_rule_3),
        T(two_errors_leaked_with_fresh_errp),
        T(errors_leaked_with_an_earlier_error),
        T(error_leaked_beside_the_returned_one),
        T(error_no_callback_raised_is_rule_3_through_walk),
        T(returned_and_earlier_errors_are_no_leak),
        T(trampolines_keep_each_states_members),
        T(idle_hooks_run_after_each_outermost_walk),
        T(idle_hooks_wait_for_the_outermost_walk),
        T(hooks_dropped_by_a_hook_do_not_run),
        T(silenced_state_is_skipped_without_a_violation),
        T(state_with_null_ops_is_tracked_as_it_is),
        T(free_and_reset_restore_the_ops),
        T(newcomer_in_an_old_slot_is_due_first),
        T(no_copy_of_the_callback_error_is_rule_0),
        T(checker_without_memory_is_null),
        T(walk_removing_states_by_itself_loses_the_registry),
        T(walk_removing_a_state_in_its_last_callback_loses_the_registry),
        T(call_after_a_failure_is_filed_under_rule_3),
        T(mode_lower_than_the_walks_is_rule_3),
        T(mode_higher_than_the_walks_is_rule_3),
        T(failover_false_in_a_failover_walk_is_rule_3),
        T(failover_true_in_a_plain_walk_is_rule_3),
        T(each_set_of_members_has_its_own_trampolines),
        T(full_checker_reuses_the_first_slot),
        T(newcomer_raises_the_bound_of_the_open_walk),
        T(ends_past_the_depth_limit_close_each_walk_once),
        T(walks_nested_past_the_depth_limit_all_return),
        T(walk_not_ending_after_a_nested_walk_is_abandoned),
        T(walk_not_ending_at_the_depth_limit_is_abandoned),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
