/* ledger.c: the fault ledger (report.h): for every fault point template of
 * the simulator's list (sim_fault_templates), the points, hits and fires
 * over a whole run, and how many fires the point's owner handled and a check
 * observed (ScnPointCount).  Adds results up and prints the table; runs
 * nothing itself.  A point is ok when it fired and every one of its fires
 * was handled and observed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fault.h"
#include "report.h"

#define LEDGER_MAX 32            /* templates in the table */

typedef struct Row {
    const char *pattern;
    uint64_t points, hits, fires, handled, observed;
} Row;

struct ReportLedger {
    Row rows[LEDGER_MAX];
    size_t nrows;
    size_t scenarios;
};

ReportLedger *report_ledger_new(void)
{
    ReportLedger *l = calloc(1, sizeof(*l));

    for (const SimFaultTemplate *const *t = sim_fault_templates;
         l != NULL && *t && l->nrows < LEDGER_MAX; t++) {
        l->rows[l->nrows++] = (Row){ .pattern = (*t)->pattern };
    }
    return l;
}

void report_ledger_free(ReportLedger *l)
{
    free(l);
}

void report_ledger_add(ReportLedger *l, const ScnResult *r)
{
    Row *rows = l->rows;
    size_t nrows = l->nrows;

    l->scenarios++;
    for (unsigned i = 0; i < r->npoints; i++) {
        const ScnPointCount *p = &r->points[i];

        for (size_t k = 0; k < nrows; k++) {
            if (!strcmp(rows[k].pattern, p->template_)) {
                rows[k].points++;
                rows[k].hits += p->hits;
                rows[k].fires += p->fires;
                rows[k].handled += p->handled;
                rows[k].observed += p->observed;
            }
        }
    }
}

/* A point is ok when it fired and every fire was handled by its owner and
 * observed by a check. */
void report_ledger_add_summary(ReportLedger *l, const ReportSummary *s)
{
    l->scenarios += s->count;
    for (unsigned i = 0; i < s->npoints; i++) {
        const ScnPointCount *p = &s->points[i].sum;

        for (size_t k = 0; k < l->nrows; k++) {
            if (!strcmp(l->rows[k].pattern, p->template_)) {
                l->rows[k].points += s->points[i].runs;
                l->rows[k].hits += p->hits;
                l->rows[k].fires += p->fires;
                l->rows[k].handled += p->handled;
                l->rows[k].observed += p->observed;
            }
        }
    }
}

static bool row_ok(const Row *w)
{
    return w->fires != 0 && w->handled == w->fires && w->observed == w->fires;
}

/* "ok", else what is missing, with how many; painted (green, red) when
 * color.  Returns 1 for a problem. */

static unsigned verdict(FILE *f, const Row *w, bool color)
{
    bool ok = row_ok(w);

    fputs(report_paint(color, ok ? REPORT_PAINT_PASS : REPORT_PAINT_FAIL), f);
    if (w->fires == 0) {
        fputs("never fired", f);
    } else if (ok) {
        fputs("ok", f);
    }
    if (w->fires != 0 && w->handled < w->fires) {
        fprintf(f, "%llu fire%s not handled", (unsigned long long)(w->fires - w->handled),
                w->fires - w->handled == 1 ? "" : "s");
    }
    if (w->fires != 0 && w->observed < w->fires) {
        fprintf(f, "%s%llu fire%s not observed", w->handled < w->fires ? ", " : "",
                (unsigned long long)(w->fires - w->observed),
                w->fires - w->observed == 1 ? "" : "s");
    }
    fputs(report_paint(color, REPORT_PAINT_OFF), f);
    fputc('\n', f);
    return !ok;
}

unsigned report_ledger_print(const ReportLedger *l, FILE *f)
{
    return report_ledger_print_some(l, f, false, false);
}

unsigned report_ledger_print_some(const ReportLedger *l, FILE *f, bool only_problems,
                                  bool color)
{
    const Row *rows = l->rows;
    size_t nrows = l->nrows;
    unsigned problems = 0;

    fprintf(f, "%-24s %7s %9s %7s %8s %9s  %s\n", "fault point", "points", "hits", "fires",
           "handled", "observed", "verdict");
    for (size_t k = 0; k < nrows; k++) {
        const Row *w = &rows[k];

        if (only_problems && row_ok(w)) {
            continue;
        }
        fprintf(f, "%-24s %7llu %9llu %7llu %8llu %9llu  ", w->pattern,
               (unsigned long long)w->points, (unsigned long long)w->hits,
               (unsigned long long)w->fires, (unsigned long long)w->handled,
               (unsigned long long)w->observed);
        problems += verdict(f, w, color);
    }
    fputs("ledger: ", f);
    report_count(f, nrows, "point", "points");
    fprintf(f, ", %u not ok (never fired, or a fire not handled or not observed), over ",
            problems);
    report_count(f, l->scenarios, "scenario", "scenarios");
    fputc('\n', f);
    return problems;
}

