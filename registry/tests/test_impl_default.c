/* test_impl_default.c: impl.c linked without any registry, as it is in
 * front of an implementation that declares no extensions: such a file
 * offers what its API mode requires (instances and count), nothing more.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "impl.h"

static void undeclared_extensions_are_instances_and_count(void **state)
{
    (void)state;
    assert_int_equal(replication_impl_extensions(),
                     REPLICATION_EXT_INSTANCES | REPLICATION_EXT_COUNT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(undeclared_extensions_are_instances_and_count),
    };

    return cmocka_run_group_tests_name("impl_default", tests, NULL, NULL);
}
