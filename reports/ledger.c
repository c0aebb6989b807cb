/* ledger.c: the fault ledger (report.h): for every fault point template of
 * the simulator's list (sim_fault_templates), the points, hits and fires
 * over a whole run, and how many fires the point's owner handled and a check
 * observed (ScnPointCount).  Adds results up and prints the table; runs
 * nothing itself.
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

unsigned report_ledger_print(const ReportLedger *l, FILE *f)
{
    const Row *rows = l->rows;
    size_t nrows = l->nrows;
    unsigned problems = 0;

    fprintf(f, "%-24s %7s %9s %7s %8s %9s  %s\n", "fault point", "points", "hits", "fires",
           "handled", "observed", "verdict");
    for (size_t k = 0; k < nrows; k++) {
        const Row *w = &rows[k];
        const char *why = w->fires == 0 ? "never fired"
                          : w->handled == 0 ? "fired, never handled"
                          : w->observed == 0 ? "fired, never observed" : "ok";

        problems += strcmp(why, "ok") != 0;
        fprintf(f, "%-24s %7llu %9llu %7llu %8llu %9llu  %s\n", w->pattern,
               (unsigned long long)w->points, (unsigned long long)w->hits,
               (unsigned long long)w->fires, (unsigned long long)w->handled,
               (unsigned long long)w->observed, why);
    }
    fputs("ledger: ", f);
    report_count(f, nrows, "point", "points");
    fprintf(f, ", %u without a fired, handled and observed outcome, over ", problems);
    report_count(f, l->scenarios, "scenario", "scenarios");
    fputc('\n', f);
    return problems;
}

