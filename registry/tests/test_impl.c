/* test_impl.c: impl.h: every extension has its name, an unknown value has
 * none.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "impl.h"

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_extension_has_its_name),
        cmocka_unit_test(a_value_past_the_list_has_no_name),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
