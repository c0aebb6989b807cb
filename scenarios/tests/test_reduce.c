/* test_reduce.c: ddmin over lines and arguments (reduce.h) against test
 * functions whose failures are known: the result keeps exactly what the
 * failure needs, is 1-minimal, drops arguments and shrinks numbers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "reduce.h"

static bool has_line(const char *text, const char *line)
{
    size_t n = strlen(line);

    for (const char *p = text; (p = strstr(p, line)) != NULL; p++) {
        if ((p == text || p[-1] == '\n') && (p[n] == '\n' || p[n] == '\0')) {
            return true;
        }
    }
    return false;
}

/* Fails when lines "state name=b", "on state=c walk=stop do=remove target=b"
 * and a stop walk (with or without arguments) are all there. */
static bool needs_three(void *ctx, const char *text, size_t len)
{
    (void)ctx, (void)len;
    return has_line(text, "state name=b") &&
           has_line(text, "on state=c walk=stop do=remove target=b") &&
           strstr(text, "walk kind=stop") != NULL;
}

static const char script[] =
    "# a comment\n"
    "state name=a\n"
    "state name=b\n"
    "\n"
    "state   name=c   # c removes b\n"
    "on state=c walk=stop do=remove target=b\n"
    "walk kind=start\n"
    "walk kind=stop may_fail=true errp=fresh\n"
    "expect count=2\n";

static void keeps_what_the_failure_needs(void **state)
{
    ScnReduceStats st;
    char *out = scn_reduce(script, strlen(script), needs_three, NULL, &st);

    (void)state;
    assert_non_null(out);
    assert_string_equal(out, "state name=b\non state=c walk=stop do=remove target=b\n"
                             "walk kind=stop\n");
    assert_int_equal(st.lines_before, 7);
    assert_int_equal(st.lines_after, 3);
    assert_int_equal(st.args_dropped, 2);
    assert_false(st.capped);
    free(out);
}

/* Fails while ticks >= 10: the number is made smaller, never below. */
static bool ticks_at_least_10(void *ctx, const char *text, size_t len)
{
    const char *t = strstr(text, "ticks=");

    (void)ctx, (void)len;
    return t != NULL && strtoul(t + 6, NULL, 10) >= 10;
}

static void shrinks_numbers(void **state)
{
    static const char text[] = "cluster\nstart\nrun ticks=100\n";
    ScnReduceStats st;
    char *out = scn_reduce(text, strlen(text), ticks_at_least_10, NULL, &st);

    (void)state;
    assert_non_null(out);
    assert_string_equal(out, "run ticks=12\n");
    assert_true(st.numbers_shrunk >= 3);
    free(out);
}

/* Any one of the lines left out loses the failure: nothing to remove. */
static bool all_of_them(void *ctx, const char *text, size_t len)
{
    (void)ctx, (void)len;
    return has_line(text, "state name=a") && has_line(text, "state name=b") &&
           has_line(text, "walk kind=stop");
}

static void one_minimal_input_stays(void **state)
{
    static const char text[] = "state name=a\nstate name=b\nwalk kind=stop\n";
    ScnReduceStats st;
    char *out = scn_reduce(text, strlen(text), all_of_them, NULL, &st);

    (void)state;
    assert_non_null(out);
    assert_string_equal(out, text);
    free(out);
}

static unsigned calls;

static bool count_calls(void *ctx, const char *text, size_t len)
{
    (void)ctx, (void)text, (void)len;
    calls++;
    return false;
}

/* A test that never holds: the input comes back, each candidate tried once. */
static void nothing_fails_nothing_changes(void **state)
{
    ScnReduceStats st;
    char *out;

    (void)state;
    calls = 0;
    out = scn_reduce(script, strlen(script), count_calls, NULL, &st);
    assert_non_null(out);
    assert_int_equal(st.lines_after, 7);
    assert_int_equal(st.tests, calls);
    assert_true(has_line(out, "state name=c"));     /* normalized: one blank */
    free(out);
}

/* first() as a parallel judge answers: every candidate judged (not only
 * up to the first failing one), the first that fails named. */
typedef struct Wide {
    ScnReduceTest *test;
    unsigned asked;             /* candidates judged by first(), those after a hit too */
    unsigned one;               /* judged one at a time (the arguments) */
} Wide;

static size_t judge_all(void *ctx, const char *const *text, const size_t *len, size_t n)
{
    Wide *w = ctx;
    size_t hit = n;

    for (size_t i = 0; i < n; i++) {
        bool fails = w->test(NULL, text[i], len[i]);

        w->asked++;
        hit = fails && hit == n ? i : hit;
    }
    return hit;
}

static bool wide_test(void *ctx, const char *text, size_t len)
{
    ((Wide *)ctx)->one++;
    return ((Wide *)ctx)->test(NULL, text, len);
}

/* Several candidates at a time: the same result and the same count of
 * tests as one at a time, at every width, for every test function. */
static void wide_reduces_as_narrow(void **state)
{
    static const struct { const char *text; ScnReduceTest *test; } cases[] = {
        { script, needs_three },
        { "cluster\nstart\nrun ticks=100\n", ticks_at_least_10 },
        { "state name=a\nstate name=b\nwalk kind=stop\n", all_of_them },
        { script, count_calls },
    };
    static const size_t widths[] = { 2, 3, 7, 64, 1000 };

    (void)state;
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        ScnReduceStats narrow, wide;
        char *want = scn_reduce(cases[c].text, strlen(cases[c].text), cases[c].test, NULL,
                                &narrow);

        assert_non_null(want);
        for (size_t k = 0; k < sizeof(widths) / sizeof(widths[0]); k++) {
            Wide w = { .test = cases[c].test };
            char *got = scn_reduce_wide(cases[c].text, strlen(cases[c].text), wide_test,
                                        judge_all, widths[k], &w, &wide);

            assert_non_null(got);
            assert_string_equal(got, want);
            assert_memory_equal(&wide, &narrow, sizeof(wide));
            /* first() was asked (not the narrow path), and judged at
             * least what one at a time would have. */
            assert_true(w.asked > 0);
            assert_true(w.asked + w.one >= wide.tests);
            free(got);
        }
        free(want);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(wide_reduces_as_narrow),
        cmocka_unit_test(keeps_what_the_failure_needs),
        cmocka_unit_test(shrinks_numbers),
        cmocka_unit_test(one_minimal_input_stays),
        cmocka_unit_test(nothing_fails_nothing_changes),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
