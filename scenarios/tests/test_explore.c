/* test_explore.c: the explorer's space (explore.h): its size per scope,
 * its order (smallest first), its scripts all distinct, and each script's
 * text the very script it runs (parsed, it gives the same trace hash).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <xxhash.h>

#include "explore.h"

static uint64_t count_of(unsigned states, unsigned walks, unsigned depth)
{
    ScnExploreScope scope = { states, walks, depth };
    ScnExplore *x = scn_explore_new(&scope);
    uint64_t n;

    assert_non_null(x);
    n = scn_explore_count(x);
    scn_explore_free(x);
    return n;
}

/* The sizes counted independently (by hand for the first: 4 walk kinds x
 * 10 actions of a lone state). */
static void space_sizes(void **state)
{
    (void)state;
    assert_int_equal(count_of(1, 1, 2), 40);
    assert_int_equal(count_of(2, 2, 2), 6932);
    assert_int_equal(count_of(3, 2, 2), 99908);
    assert_int_equal(count_of(4, 2, 2), 2549992);
    assert_true(count_of(4, 2, 2) >= 1000000);
}

static void scopes_out_of_bounds_are_refused(void **state)
{
    ScnExploreScope bad[] = { { 0, 1, 1 }, { 7, 1, 1 }, { 1, 0, 1 }, { 1, 4, 1 },
                              { 1, 1, 0 }, { 1, 1, SCN_MAX_DEPTH + 1 } };

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_null(scn_explore_new(&bad[i]));
    }
}

static void smallest_first(void **state)
{
    ScnExploreScope scope = { 4, 2, 2 };
    ScnExplore *x = scn_explore_new(&scope);
    char text[SCN_EXPLORE_TEXT_MAX];

    (void)state;
    assert_non_null(x);
    scn_explore_text(x, 0, text, sizeof(text));
    assert_string_equal(text, "state name=a\nwalk kind=start may_fail=true\n");
    scn_explore_text(x, 1, text, sizeof(text));
    assert_string_equal(text, "state name=a\non state=a walk=start do=fail msg=\"a failed\"\n"
                              "walk kind=start may_fail=true\n");
    scn_explore_text(x, scn_explore_count(x) - 1, text, sizeof(text));
    assert_non_null(strstr(text, "state name=d reg=r2"));
    scn_explore_free(x);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

    return x < y ? -1 : x > y;
}

/* Every script of a scope: its text parses into as many operations and
 * (a sample) runs to the trace hash of the direct run, passing on our
 * registry.  Kept small: the valgrind setup runs it too. */
static void texts_are_the_scripts_run(void **state)
{
    ScnExploreScope scope = { 3, 1, 2 };
    ScnExplore *x = scn_explore_new(&scope);
    static ScnResult direct, parsed;
    char text[SCN_EXPLORE_TEXT_MAX];

    (void)state;
    assert_non_null(x);
    for (uint64_t i = 0; i < scn_explore_count(x); i++) {
        size_t len = scn_explore_text(x, i, text, sizeof(text));
        ScnErrors err;
        ScnScript *s = scn_parse(text, len, "explore.scn", &err);

        assert_true(len > 0);
        if (s == NULL) {
            fail_msg("script %llu: %u:%u: %s\n%s", (unsigned long long)i, err.e[0].line,
                     err.e[0].col, err.e[0].message, text);
        }
        assert_int_equal(scn_ops(s), scn_explore_lines(x, i));
        if (i % 29 == 0) {
            assert_int_equal(scn_explore_run(x, i, &direct), SCN_PASS);
            assert_int_equal(scn_session_run(scn_explore_session(x), s, NULL, &parsed),
                             SCN_PASS);
            assert_int_equal(direct.hash, parsed.hash);
        }
        scn_free(s);
    }
    scn_explore_free(x);
}

/* No two scripts of a scope have the same text. */
static void texts_are_distinct(void **state)
{
    ScnExploreScope scope = { 2, 2, 2 };
    ScnExplore *x = scn_explore_new(&scope);
    char text[SCN_EXPLORE_TEXT_MAX];
    uint64_t n, *hashes;

    (void)state;
    assert_non_null(x);
    n = scn_explore_count(x);
    hashes = calloc(n, sizeof(*hashes));
    assert_non_null(hashes);
    for (uint64_t i = 0; i < n; i++) {
        hashes[i] = XXH3_64bits(text, scn_explore_text(x, i, text, sizeof(text)));
    }
    qsort(hashes, n, sizeof(*hashes), cmp_u64);
    for (uint64_t i = 1; i < n; i++) {
        assert_true(hashes[i] != hashes[i - 1]);
    }
    free(hashes);
    scn_explore_free(x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(space_sizes),
        cmocka_unit_test(scopes_out_of_bounds_are_refused),
        cmocka_unit_test(smallest_first),
        cmocka_unit_test(texts_are_the_scripts_run),
        cmocka_unit_test(texts_are_distinct),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
