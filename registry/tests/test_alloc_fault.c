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

static void arm(unsigned flags)
{
    assert_int_equal(fiu_enable(REPLICATION_FAULT_ALLOC, 1, NULL, flags), 0);
}

static void disarm(void)
{
    assert_int_equal(fiu_disable(REPLICATION_FAULT_ALLOC), 0);
}

static void failed_new_in_returns_null_and_changes_nothing(void **state)
{
    World *t = *state;

    probe_register_n(t->p, 2, t->reg);
    arm(0);
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
    arm(FIU_ONETIME);   /* the registration fails, the error_setg does not */
    replication_do_checkpoint_all_in(t->reg, &err);
    assert_non_null(err);
    assert_string_equal(error_get_pretty(err), "registration failed");
    error_free(err);
    assert_string_equal(probe_log(), "");   /* the walk ended at its first state */
    assert_int_equal(replication_registry_count(t->reg), 3);
    assert_string_equal(walk_log(t->reg, TW_START), "b:s a:s");
}

static void failed_registry_new_returns_null(void **state)
{
    (void)state;
    arm(FIU_ONETIME);
    assert_null(replication_registry_new());
    ReplicationRegistry *reg = replication_registry_new();  /* one-time */
    assert_non_null(reg);
    replication_registry_free(reg);
}

static void failed_error_allocation_still_reports_failure(void **state)
{
    World *t = *state;
    Error *err = NULL;

    probe_register_n(t->p, 2, t->reg);
    t->p[1].act = ACT_FAIL;
    arm(0);
    run_walk(t->reg, TW_START, &err);
    disarm();
    assert_string_equal(probe_log(), "b:s");
    assert_non_null(err);
    assert_string_equal(error_get_pretty(err), "out of memory");
    error_free(err);                        /* the shared error: no-op */
    err = NULL;
    error_setg(&err, "fine again");
    assert_string_equal(error_get_pretty(err), "fine again");
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
