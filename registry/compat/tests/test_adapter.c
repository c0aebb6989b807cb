/* test_adapter.c: compat/adapter.c over fixture_registry.c, a global-API
 * registry compiled 16 times whose removal aborts unless the state is in
 * its own copy's list: each registry's states go to, are walked by, and are
 * removed through the copy that holds them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "replication.h"

static char calls[64];

static void on_checkpoint(ReplicationState *rs, Error **errp)
{
    (void)errp;
    strncat(calls, (const char *)rs->opaque, sizeof(calls) - strlen(calls) - 1);
}

static void on_checkpoint_fail(ReplicationState *rs, Error **errp)
{
    on_checkpoint(rs, errp);
    error_setg(errp, "%s failed", (const char *)rs->opaque);
}

static ReplicationState *doomed;

/* Removes `doomed`, whichever registry holds it, then records itself. */
static void on_checkpoint_remove(ReplicationState *rs, Error **errp)
{
    replication_remove(doomed);
    doomed = NULL;
    on_checkpoint(rs, errp);
}

static void on_stop(ReplicationState *rs, bool failover, Error **errp)
{
    (void)failover;
    on_checkpoint(rs, errp);
}

static ReplicationOps ops = { .checkpoint = on_checkpoint, .stop = on_stop };
static ReplicationOps ops_fail = { .checkpoint = on_checkpoint_fail };
static ReplicationOps ops_remove = { .checkpoint = on_checkpoint_remove };

static int setup(void **state)
{
    (void)state;
    calls[0] = '\0';
    return 0;
}

static void removal_of_a_new_registrys_state_goes_to_its_copy(void **state)
{
    ReplicationRegistry *reg = replication_registry_new();
    ReplicationState *a, *b;
    Error *err = NULL;

    (void)state;
    assert_non_null(reg);
    a = replication_new_in(reg, "a", &ops);
    b = replication_new_in(reg, "b", &ops);
    replication_remove(a);              /* the fixture aborts in a wrong copy */
    assert_int_equal(replication_registry_count(reg), 1);
    replication_do_checkpoint_all_in(reg, &err);
    assert_null(err);
    assert_string_equal(calls, "b");
    replication_remove(b);
    assert_int_equal(replication_registry_count(reg), 0);
    replication_registry_free(reg);
}

static void removal_inside_another_registrys_walk_goes_to_its_copy(void **state)
{
    ReplicationRegistry *r1 = replication_registry_new(), *r2 = replication_registry_new();
    Error *err = NULL;

    (void)state;
    assert_non_null(r1);
    assert_non_null(r2);
    replication_new_in(r1, "x", &ops_remove);
    doomed = replication_new_in(r2, "y", &ops);
    replication_new_in(r2, "z", &ops);
    replication_do_checkpoint_all_in(r1, &err);
    assert_null(err);
    replication_do_checkpoint_all_in(r2, &err);
    assert_null(err);
    assert_string_equal(calls, "xz");
    assert_int_equal(replication_registry_count(r2), 1);
    replication_registry_free(r1);
    replication_registry_free(r2);
}

static void default_registry_states_are_removed_from_copy_0(void **state)
{
    ReplicationState *a = replication_new("a", &ops);
    ReplicationRegistry *reg = replication_registry_new();
    Error *err = NULL;

    (void)state;
    replication_new_in(reg, "b", &ops);
    replication_remove(a);
    replication_remove(NULL);           /* copy 0's: a no-op for this one */
    replication_do_checkpoint_all(&err);
    assert_null(err);
    assert_string_equal(calls, "");
    assert_int_equal(replication_registry_count(replication_default_registry()), 0);
    replication_registry_free(reg);
}

/* ERRP_GUARD in the fixture's walk: with a NULL errp the walk still ends at
 * the first error, which is released (ASan's leak check sees it otherwise). */
static void first_error_ends_the_walk_with_or_without_errp(void **state)
{
    ReplicationRegistry *reg = replication_registry_new();
    Error *err = NULL;

    (void)state;
    replication_new_in(reg, "a", &ops);
    replication_new_in(reg, "b", &ops_fail);
    replication_new_in(reg, "c", &ops);
    replication_do_checkpoint_all_in(reg, NULL);
    assert_string_equal(calls, "cb");
    replication_do_checkpoint_all_in(reg, &err);
    assert_string_equal(calls, "cbcb");
    assert_non_null(err);
    assert_string_equal(error_get_pretty(err), "b failed");
    error_free(err);
    replication_registry_free(reg);
}

/* The fixture's stop walk frees "!a" by itself, as a fork of QEMU's does:
 * it stops counting at once, and its owner's removal is not passed on (a
 * double free otherwise, which glibc or ASan aborts on). */
static void a_state_the_implementation_frees_stops_counting(void **state)
{
    ReplicationRegistry *reg = replication_registry_new();
    ReplicationState *a;
    Error *err = NULL;

    (void)state;
    a = replication_new_in(reg, "!a", &ops);
    replication_new_in(reg, "b", &ops);
    replication_stop_all_in(reg, false, &err);
    assert_null(err);
    assert_string_equal(calls, "b!a");
    assert_int_equal(replication_registry_count(reg), 1);
    replication_remove(a);
    assert_int_equal(replication_registry_count(reg), 1);
    replication_do_checkpoint_all_in(reg, &err);
    assert_string_equal(calls, "b!ab");
    replication_registry_free(reg);
    assert_int_equal(replication_registry_count(reg), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(removal_of_a_new_registrys_state_goes_to_its_copy, setup),
        cmocka_unit_test_setup(removal_inside_another_registrys_walk_goes_to_its_copy, setup),
        cmocka_unit_test_setup(default_registry_states_are_removed_from_copy_0, setup),
        cmocka_unit_test_setup(first_error_ends_the_walk_with_or_without_errp, setup),
        cmocka_unit_test_setup(a_state_the_implementation_frees_stops_counting, setup),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
