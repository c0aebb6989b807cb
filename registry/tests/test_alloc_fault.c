/* test_alloc_fault.c: the "registry/alloc" fault point, armed with libfiu:
 * a failed allocation returns NULL and changes nothing; an error that cannot
 * be allocated is still reported.  Built only when libfiu is present.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>
#include <fiu-control.h>
#include <fiu.h>

#include "world.h"

static void arm(void)
{
    assert_int_equal(fiu_enable(REPLICATION_FAULT_ALLOC, 1, NULL, 0), 0);
}

/* Fail only the next hit.  Decided here rather than with FIU_ONETIME, whose
 * automatic disabling leaks the point's name inside libfiu. */
static int hits_left;

static int fail_next_hit_only(const char *name, int *failnum, void **failinfo,
                              unsigned *flags)
{
    (void)name, (void)failnum, (void)failinfo, (void)flags;
    return hits_left-- == 1;
}

static void arm_once(void)
{
    hits_left = 1;
    assert_int_equal(fiu_enable_external(REPLICATION_FAULT_ALLOC, 1, NULL, 0,
                                         fail_next_hit_only), 0);
}

static void disarm(void)
{
    assert_int_equal(fiu_disable(REPLICATION_FAULT_ALLOC), 0);
}

static void failed_new_in_returns_null_and_changes_nothing(void **state)
{
    World *t = *state;

    probe_register_n(t->p, 2, t->reg);
    arm();
    assert_null(replication_new_in(t->reg, &t->p[2], &probe_ops_all));
    assert_null(replication_new(&t->p[2], &probe_ops_all));
    disarm();
    assert_int_equal(replication_registry_count(t->reg), 2);
    assert_int_equal(replication_registry_count(replication_default_registry()), 0);
    assert_string_equal(walk_log(t->reg, TW_START), "b:s a:s");
    probe_register(&t->p[2], "c", t->reg, &probe_ops_all);
    assert_string_equal(walk_log(t->reg, TW_START), "c:s b:s a:s");
}

/* A callback that registers into the registry in its opaque and reports
 * a failed registration as its error. */
static void register_or_fail(ReplicationState *rs, Error **errp)
{
    if (replication_new_in(rs->opaque, NULL, &probe_ops_all) == NULL) {
        error_setg(errp, "registration failed");
    }
}

static ReplicationOps registering_ops = { .checkpoint = register_or_fail };

static void failed_new_inside_walk_changes_nothing(void **state)
{
    World *t = *state;
    Error *err = NULL;

    probe_register_n(t->p, 2, t->reg);
    assert_non_null(replication_new_in(t->reg, t->reg, &registering_ops));
    arm_once();         /* the registration fails, the error_setg does not */
    replication_do_checkpoint_all_in(t->reg, &err);
    disarm();
    assert_non_null(err);
    assert_string_equal(error_get_pretty(err), "registration failed");
    error_free(err);
    assert_string_equal(probe_log(), "");   /* the walk ended at its first state */
    assert_int_equal(replication_registry_count(t->reg), 3);
    assert_string_equal(walk_log(t->reg, TW_START), "b:s a:s");
}

static void failed_registry_new_returns_null(void **state)
{
    ReplicationRegistry *reg;

    (void)state;
    arm();
    assert_null(replication_registry_new());
    disarm();
    reg = replication_registry_new();
    assert_non_null(reg);
    replication_registry_free(reg);
}

static void failed_error_allocation_still_reports_failure(void **state)
{
    World *t = *state;
    Error *err = NULL;
    size_t base = error_outstanding();

    probe_register_n(t->p, 2, t->reg);
    t->p[1].act = ACT_FAIL;
    arm();
    run_walk(t->reg, TW_START, &err);
    disarm();
    assert_string_equal(probe_log(), "b:s");
    assert_non_null(err);
    assert_string_equal(error_get_pretty(err), "out of memory");
    assert_true(error_is_out_of_memory(err));
    assert_int_equal(error_outstanding(), base);    /* the shared one is not counted */
    error_free(err);                        /* the shared error: no-op */
    assert_int_equal(error_outstanding(), base);
    err = NULL;
    error_setg(&err, "fine again");
    assert_string_equal(error_get_pretty(err), "fine again");
    assert_false(error_is_out_of_memory(err));
    error_free(err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        ONCE(failed_new_in_returns_null_and_changes_nothing),
        ONCE(failed_new_inside_walk_changes_nothing),
        ONCE(failed_registry_new_returns_null),
        ONCE(failed_error_allocation_still_reports_failure),
    };

    assert_int_equal(fiu_init(0), 0);
    return cmocka_run_group_tests_name("alloc_fault", tests, NULL, NULL);
}
