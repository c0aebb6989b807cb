/* test_impl.c: impl.h: every extension has its name, an unknown value or
 * a set of several has none; ours declares all four.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "impl.h"
#include "replication.h"

static void every_extension_has_its_name(void **state)
{
    (void)state;
    assert_string_equal(replication_ext_name(REPLICATION_EXT_INSTANCES), "instances");
    assert_string_equal(replication_ext_name(REPLICATION_EXT_COUNT), "count");
    assert_string_equal(replication_ext_name(REPLICATION_EXT_ALLOC_NULL), "alloc-null");
    assert_string_equal(replication_ext_name(REPLICATION_EXT_FREE_WITH_STATES),
                        "free-with-states");
}

static void a_value_past_the_list_has_no_name(void **state)
{
    (void)state;
    assert_null(replication_ext_name((ReplicationExt)(1u << REPLICATION_EXT__COUNT)));
    assert_null(replication_ext_name((ReplicationExt)0));
}

/* A name is for one extension: a set of several has none. */
static void a_combination_has_no_name(void **state)
{
    (void)state;
    assert_null(replication_ext_name(REPLICATION_EXT_INSTANCES | REPLICATION_EXT_COUNT));
    assert_null(replication_ext_name(REPLICATION_EXT_COUNT | REPLICATION_EXT_FREE_WITH_STATES));
}

/* Ours declares every extension it has.  (Calling into the registry links
 * it: a program that never does sees the default, test_impl_default.c.) */
static void ours_declares_all_four(void **state)
{
    (void)state;
    assert_non_null(replication_default_registry());
    assert_int_equal(replication_impl_extensions(),
                     REPLICATION_EXT_INSTANCES | REPLICATION_EXT_COUNT |
                     REPLICATION_EXT_ALLOC_NULL | REPLICATION_EXT_FREE_WITH_STATES);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_extension_has_its_name),
        cmocka_unit_test(a_value_past_the_list_has_no_name),
        cmocka_unit_test(a_combination_has_no_name),
        cmocka_unit_test(ours_declares_all_four),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
