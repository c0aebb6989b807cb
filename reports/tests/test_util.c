/* test_util.c: the report helpers' words and numbers (report.h): a count
 * is singular only for 1, a rate keeps the digits a slow run needs; the
 * ledger's verdict is ok only when every fire was handled and observed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
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

/* The ledger of one result with one disk/<disk>/write point. */
static unsigned ledger_of(uint64_t fires, uint64_t handled, uint64_t observed, char *buf,
                          size_t len)
{
    static ScnResult r;
    ReportLedger *l = report_ledger_new();
    FILE *f = fmemopen(buf, len, "w");
    unsigned problems;

    assert_non_null(l);
    assert_non_null(f);
    memset(&r, 0, sizeof(r));
    r.npoints = 1;
    snprintf(r.points[0].name, sizeof(r.points[0].name), "disk/pri.d0/write");
    snprintf(r.points[0].template_, sizeof(r.points[0].template_), "disk/<disk>/write");
    r.points[0].hits = fires + 1;
    r.points[0].fires = fires;
    r.points[0].handled = handled;
    r.points[0].observed = observed;
    report_ledger_add(l, &r);
    problems = report_ledger_print(l, f);
    fclose(f);
    report_ledger_free(l);
    return problems;
}

static void test_ledger_verdict(void **state)
{
    static char buf[8192];

    (void)state;
    /* Every other template never fired: 10 of the 11 rows are not ok. */
    assert_int_equal(ledger_of(5, 5, 5, buf, sizeof(buf)), 10);
    assert_non_null(strstr(buf, "disk/<disk>/write              1         6       5        5"
                                "         5  ok\n"));
    /* One fire its owner did not handle is not ok, though most were. */
    assert_int_equal(ledger_of(1028, 68, 1028, buf, sizeof(buf)), 11);
    assert_non_null(strstr(buf, "960 fires not handled\n"));
    assert_int_equal(ledger_of(5, 5, 4, buf, sizeof(buf)), 11);
    assert_non_null(strstr(buf, "  1 fire not observed\n"));
    assert_int_equal(ledger_of(5, 4, 3, buf, sizeof(buf)), 11);
    assert_non_null(strstr(buf, "  1 fire not handled, 2 fires not observed\n"));
    assert_non_null(strstr(buf, "ledger: 11 points, 11 not ok"));
}

/* The recap lists REPORT_RECAP_MAX failures with their commands and
 * counts the rest; an empty one prints nothing. */
static void test_recap_lists_then_counts(void **state)
{
    ReportRecap *r = report_recap_new();
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);

    (void)state;
    assert_non_null(r);
    assert_non_null(f);
    for (int i = 0; i < REPORT_RECAP_MAX + 3; i++) {
        report_recap_add(r, "a.scn:3: expect calls", 7, NULL, "a.scn");
    }
    report_recap_end(r, f, false);
    fclose(f);
    assert_non_null(strstr(text, "\nfailures (1003):\n  FAIL a.scn:3: expect calls\n"
                                 "    replbench run --seed 7 a.scn\n"));
    assert_non_null(strstr(text, "  ... and 3 more\n"));
    free(text);

    r = report_recap_new();
    text = NULL;
    f = open_memstream(&text, &len);
    report_recap_end(r, f, false);
    fclose(f);
    assert_int_equal(len, 0);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_count_plural),
        cmocka_unit_test(test_rate_digits),
        cmocka_unit_test(test_ledger_verdict),
        cmocka_unit_test(test_recap_lists_then_counts),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
