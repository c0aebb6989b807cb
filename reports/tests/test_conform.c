/* test_conform.c: the conform table's cell states (reports/conform.c) from
 * typed outcomes, in every output: a cell whose scenarios passed where they
 * were judged but some of which broke another cell first is "partly"
 * (pass* in the table, a footnote naming them and what they broke, a
 * skipped testcase in JUnit, counted apart in the summary line), never a
 * plain pass; a cell with no blocked scenario is a plain pass; one whose
 * scenarios were all blocked stays n/a.  The exit status stays "1 when a
 * cell fails". */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "check_registry.h"
#include "report.h"

/* Tagged rule 1 in every walk; passes. */
static const char order_scn[] = "rule id=1\nstate name=a\nwalk kind=start\n"
                                "expect calls=\"a.start\"\n";
/* Tagged rule 1 and rule 5 in stop; breaks rule 5 in stop. */
static const char removal_scn[] = "rule id=1\nrule id=5 walk=stop\nstate name=a\n"
                                  "walk kind=stop\n";
/* Tagged rule 2 only; breaks rule 5 in stop. */
static const char only_blocked_scn[] = "rule id=2\nstate name=a\nwalk kind=stop\n";

static ScnScript *parse(const char *text, const char *file)
{
    ScnErrors errs;
    ScnScript *s = scn_parse(text, strlen(text), file, &errs);

    assert_non_null(s);
    return s;
}

static ReportOutcome passed(void)
{
    ReportOutcome out;

    memset(&out, 0, sizeof(out));
    out.loaded = true;
    out.res.status = SCN_PASS;
    out.res.seed = 1;
    return out;
}

/* Broke rule 5 in the stop walk (the checker's typed violation). */
static ReportOutcome broke_rule5_stop(void)
{
    ReportOutcome out = passed();

    out.res.status = SCN_FAIL;
    out.res.nviolations = 1;
    out.res.violations[0].rule = 5;
    out.res.violations[0].walk = SIM_WALK_STOP;
    snprintf(out.res.violations[0].message, sizeof(out.res.violations[0].message),
             "the walk read a freed state");
    snprintf(out.res.message, sizeof(out.res.message), "the walk read a freed state");
    return out;
}

/* The table written in fmt, as a NUL-terminated string (free it); *rc the
 * writer's exit status. */
/* Not inlined: gcc -O3 then takes the text for the memstream's local
 * pointer and warns of a dangling pointer (-Wdangling-pointer, an error in
 * the release build). */
static __attribute__((noinline)) char *written(const ReportConform *c,
                                               ReportConformFormat fmt, int *rc)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);

    assert_non_null(m);
    *rc = report_conform_write(c, fmt, m);
    assert_int_equal(fclose(m), 0);
    return buf;
}

/* A table of: order (pass), removal (breaks 5/stop), only_blocked (breaks
 * 5/stop, tagged rule 2 alone). */
static ReportConform *table(ScnScript **s)
{
    ReportConform *c = report_conform_new();
    ReportOutcome ok = passed(), broke = broke_rule5_stop();

    assert_non_null(c);
    s[0] = parse(order_scn, "order.scn");
    s[1] = parse(removal_scn, "removal.scn");
    s[2] = parse(only_blocked_scn, "only_blocked.scn");
    report_conform_add(c, 1, "order.scn", s[0], &ok, "");
    report_conform_add(c, 2, "removal.scn", s[1], &broke, "");
    report_conform_add(c, 3, "only_blocked.scn", s[2], &broke, "");
    return c;
}

static void free_table(ReportConform *c, ScnScript **s)
{
    for (int i = 0; i < 3; i++) {
        scn_free(s[i]);
    }
    report_conform_free(c);
}

/* The table line of a row ("1 ", "2 "...), found in text. */
static const char *row_line(const char *text, const char *row)
{
    const char *p = text;
    size_t n = strlen(row);

    while ((p = strstr(p, "\n")) != NULL) {
        p++;
        if (strncmp(p, row, n) == 0 && p[n] == ' ') {
            return p;
        }
    }
    fail_msg("no row %s in:\n%s", row, text);
    return NULL;
}

static void test_summary(void **state)
{
    ScnScript *s[3];
    ReportConform *c = table(s);
    int rc;
    char *text = written(c, REPORT_CONFORM_SUMMARY, &rc);
    const char *r1 = row_line(text, "1"), *r2 = row_line(text, "2"), *r5 = row_line(text, "5");

    (void)state;
    assert_int_equal(rc, REPORT_EXIT_FAIL);
    /* Rule 1: order passed, removal was blocked by 5/stop: partly, never pass. */
    assert_true(strncmp(r1, "1                  pass*      pass*      pass*      pass*  ", 59) == 0);
    /* Rule 2: its only scenario was blocked: n/a, saying by what. */
    assert_true(strncmp(r2, "2                  n/a        n/a        n/a        n/a  ", 57) == 0);
    assert_non_null(strstr(r2, "(n/a: every scenario that checks it broke rule 5 in stop first)"));
    assert_true(strncmp(r5, "5                  n/a        FAIL       n/a        n/a  ", 57) == 0);
    /* The footnote: the cell, its counts, the blocked scenario and what it broke. */
    assert_non_null(strstr(text, "\npass*: partly checked"));
    assert_non_null(strstr(text, "\npass* rule 1, start: 1 scenario passed; 1 not judged here "
                                 "(each broke another cell first):\n"
                                 "  removal.scn broke rule 5 in stop\n"));
    assert_null(strstr(text, "pass* rule 2"));
    assert_non_null(strstr(text, "\nconform: 0 pass, 4 partly, 1 fail, 35 n/a (cells of 10 "
                                 "rules x 4 walks)\n"));
    free(text);
    free_table(c, s);
}

static void test_json(void **state)
{
    ScnScript *s[3];
    ReportConform *c = table(s);
    int rc;
    char *text = written(c, REPORT_CONFORM_JSON, &rc);

    (void)state;
    assert_int_equal(rc, REPORT_EXIT_FAIL);
    assert_non_null(strstr(text, "{\"rule\": \"1\", \"title\": \"order: newest registered "
                                 "first\", \"walks\": {\"start\": \"partly\", \"stop\": \"partly\", "
                                 "\"checkpoint\": \"partly\", \"get_error\": \"partly\"}"));
    assert_non_null(strstr(text, "\"start\": \"1 of 2 scenarios not judged here: they broke rule "
                                 "5 in stop first\""));
    assert_non_null(strstr(text, "\"blocked\": [\n    {\"walk\": \"start\", \"scenario\": "
                                 "\"removal.scn\", \"broke\": [\"5/stop\"]}"));
    free(text);
    free_table(c, s);
}

static void test_junit(void **state)
{
    ScnScript *s[3];
    ReportConform *c = table(s);
    int rc;
    char *text = written(c, REPORT_CONFORM_JUNIT, &rc);
    const char *tc = strstr(text, "<testcase classname=\"conform.rule.1\" name=\"stop\">");

    (void)state;
    assert_int_equal(rc, REPORT_EXIT_FAIL);
    /* 35 n/a and 4 partly cells are skipped; the one failure is 5/stop. */
    assert_non_null(strstr(text, "tests=\"40\" failures=\"1\" errors=\"0\" skipped=\"39\""));
    assert_non_null(tc);
    assert_true(strncmp(tc + strlen("<testcase classname=\"conform.rule.1\" name=\"stop\">"),
                        "<skipped message=\"partly checked: 1 of 2 scenarios not judged here: "
                        "they broke rule 5 in stop first\">removal.scn broke rule 5 in stop\n"
                        "</skipped></testcase>", 150) == 0);
    free(text);
    free_table(c, s);
}

/* Without the blocked scenario, the same cells are plain passes; exit 0. */
static void test_plain_pass(void **state)
{
    ReportConform *c = report_conform_new();
    ScnScript *s = parse(order_scn, "order.scn");
    ReportOutcome ok = passed();
    int rc;
    char *text;

    (void)state;
    report_conform_add(c, 1, "order.scn", s, &ok, "");
    text = written(c, REPORT_CONFORM_SUMMARY, &rc);
    assert_int_equal(rc, REPORT_EXIT_OK);
    assert_true(strncmp(row_line(text, "1"),
                        "1                  pass       pass       pass       pass   ", 59) == 0);
    assert_null(strstr(text, "pass*"));
    assert_non_null(strstr(text, "\nconform: 4 pass, 0 partly, 0 fail, 36 n/a"));
    free(text);
    scn_free(s);
    report_conform_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_summary),
        cmocka_unit_test(test_json),
        cmocka_unit_test(test_junit),
        cmocka_unit_test(test_plain_pass),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
