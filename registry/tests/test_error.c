/* test_error.c: error.h: formatting, NULL errp, first error wins in
 * error_propagate, setting an error twice aborts, and the count of live
 * errors (error_outstanding, which the contract checker's leak rule reads).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "probe.h"

static void setg_formats_message(void **state)
{
    Error *err = NULL;

    (void)state;
    error_setg(&err, "disk %s: sector %d", "sec0", 42);
    assert_non_null(err);
    assert_string_equal(error_get_pretty(err), "disk sec0: sector 42");
    error_free(err);
}

static void setg_empty_message(void **state)
{
    Error *err = NULL;

    (void)state;
    error_setg(&err, "%s", "");
    assert_non_null(err);
    assert_string_equal(error_get_pretty(err), "");
    error_free(err);
}

static void setg_with_null_errp_is_ignored(void **state)
{
    (void)state;
    error_setg(NULL, "dropped %d", 1);      /* ASan/valgrind: nothing leaks */
}

static void propagate_moves_into_empty_destination(void **state)
{
    Error *dst = NULL;
    Error *local = NULL;

    (void)state;
    error_setg(&local, "local");
    error_propagate(&dst, local);
    assert_ptr_equal(dst, local);
    assert_string_equal(error_get_pretty(dst), "local");
    error_free(dst);
}

static void propagate_first_error_wins(void **state)
{
    Error *dst = NULL;
    Error *second = NULL;

    (void)state;
    error_setg(&dst, "first");
    error_setg(&second, "second");
    error_propagate(&dst, second);          /* second is freed */
    assert_string_equal(error_get_pretty(dst), "first");
    error_free(dst);
}

static void propagate_to_null_destination_frees(void **state)
{
    Error *local = NULL;

    (void)state;
    error_setg(&local, "nobody wants me");
    error_propagate(NULL, local);           /* ASan/valgrind: freed */
}

static void propagate_null_local_changes_nothing(void **state)
{
    Error *dst = NULL;

    (void)state;
    error_propagate(&dst, NULL);
    assert_null(dst);
    error_setg(&dst, "kept");
    error_propagate(&dst, NULL);
    assert_string_equal(error_get_pretty(dst), "kept");
    error_free(dst);
}

static void free_null_is_noop(void **state)
{
    (void)state;
    error_free(NULL);
}

static void do_setg_twice(void *arg)
{
    Error *err = NULL;

    (void)arg;
    error_setg(&err, "first %d", 1);
    error_setg(&err, "second %d", 2);
}
enum { FIRST_SETG_LINE = __LINE__ - 3 };        /* the line of "first %d" */

static void setg_twice_aborts_naming_both(void **state)
{
    (void)state;
    expect_abort(do_setg_twice, NULL, "error already set by");
    expect_abort(do_setg_twice, NULL, "\"first 1\"; new message format: \"second %d\"");
    expect_abort(do_setg_twice, NULL, "test_error.c");
}

/* The abort names both places exactly: file, line and function of the
 * second error_setg, and of the first one (the error already there). */
static void setg_twice_names_the_first_errors_place(void **state)
{
    char want[512];

    (void)state;
    snprintf(want, sizeof(want), "error_setg: %s:%d (do_setg_twice): error already set by "
             "%s:%d (do_setg_twice): \"first 1\"", __FILE__, FIRST_SETG_LINE + 1, __FILE__,
             FIRST_SETG_LINE);
    expect_abort(do_setg_twice, NULL, want);
}

/* Every error made is counted until it is freed, whichever way: freed by
 * its holder, or by error_propagate when it loses to an earlier one or has
 * nowhere to go; freeing NULL counts nothing. */
static void outstanding_counts_every_live_error(void **state)
{
    size_t base = error_outstanding();
    Error *a = NULL;
    Error *b = NULL;
    Error *c = NULL;

    (void)state;
    error_setg(&a, "a");
    assert_int_equal(error_outstanding(), base + 1);
    assert_false(error_is_out_of_memory(a));
    error_setg(&b, "b");
    error_setg(&c, "c");
    assert_int_equal(error_outstanding(), base + 3);
    error_propagate(&a, b);                 /* a wins: b is freed */
    assert_int_equal(error_outstanding(), base + 2);
    error_propagate(NULL, c);               /* nowhere to go: freed */
    assert_int_equal(error_outstanding(), base + 1);
    error_free(NULL);
    assert_int_equal(error_outstanding(), base + 1);
    error_free(a);
    assert_int_equal(error_outstanding(), base);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(setg_formats_message),
        cmocka_unit_test(setg_empty_message),
        cmocka_unit_test(setg_with_null_errp_is_ignored),
        cmocka_unit_test(propagate_moves_into_empty_destination),
        cmocka_unit_test(propagate_first_error_wins),
        cmocka_unit_test(propagate_to_null_destination_frees),
        cmocka_unit_test(propagate_null_local_changes_nothing),
        cmocka_unit_test(free_null_is_noop),
        cmocka_unit_test(outstanding_counts_every_live_error),
        cmocka_unit_test(setg_twice_aborts_naming_both),
        cmocka_unit_test(setg_twice_names_the_first_errors_place),
    };

    return cmocka_run_group_tests_name("error", tests, NULL, NULL);
}
