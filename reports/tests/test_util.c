/* test_util.c: the report helpers' words and numbers (report.h): a count
 * is singular only for 1, a rate keeps the digits a slow run needs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "report.h"

static char out[256];

static const char *count(uint64_t n, const char *one, const char *many)
{
    FILE *f = fmemopen(out, sizeof(out), "w");

    assert_non_null(f);
    report_count(f, n, one, many);
    fclose(f);
    return out;
}

static const char *rate(uint64_t n, double secs)
{
    FILE *f = fmemopen(out, sizeof(out), "w");

    assert_non_null(f);
    report_rate(f, n, secs, "scenarios");
    fclose(f);
    return out;
}

static void test_count_plural(void **state)
{
    (void)state;
    assert_string_equal(count(0, "error", "errors"), "0 errors");
    assert_string_equal(count(1, "error", "errors"), "1 error");
    assert_string_equal(count(2, "point", "points"), "2 points");
    assert_string_equal(count(1, "point", "points"), "1 point");
}

static void test_rate_digits(void **state)
{
    (void)state;
    /* One scenario in 14 s was "(0 scenarios/s)". */
    assert_string_equal(rate(1, 14.0), "(0.071 scenarios/s)");
    assert_string_equal(rate(5, 2.0), "(2.5 scenarios/s)");
    assert_string_equal(rate(1300, 10.0), "(130 scenarios/s)");
    assert_string_equal(rate(0, 3.0), "(0 scenarios/s)");
    assert_string_equal(rate(3, 0.0), "(3000000000 scenarios/s)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_count_plural),
        cmocka_unit_test(test_rate_digits),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
