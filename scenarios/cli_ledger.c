/* cli_ledger.c: `replbench ledger`: runs scenarios and, for every fault
 * point of the list (sim_fault_templates), adds up over the whole run how
 * often it was passed and fired, and how many fires were handled by the code
 * that owns the point and observed by a check (ScnPointCount).  A point
 * never fired, or fired with no handled or no observed outcome, is listed;
 * any such point fails the command.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "fault.h"

#define LEDGER_MAX 32

typedef struct Row {
    const char *pattern;
    uint64_t points, hits, fires, handled, observed;
} Row;

static int usage(FILE *f, int rc)
{
    fputs("usage: replbench ledger PATH...\n"
          "\n"
          "Run the scenarios and print the fault ledger: for every fault point\n"
          "(as listed by `replbench faults`), over all runs: points, hits, fires,\n"
          "fires handled by the point's owner, fires observed by a check.  Points\n"
          "never fired, or fired with nothing handled or observed, are listed and\n"
          "make the exit status 1 (2 for usage, read or parse errors).\n", f);
    return rc;
}

static void add(Row *rows, size_t nrows, const ScnResult *r)
{
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

static size_t run_all(const CliFiles *files, Row *rows, size_t nrows)
{
    static ScnResult r;
    char err[CLI_ERROR_MAX];
    size_t errors = 0;

    for (size_t i = 0; i < files->n; i++) {
        ScnScript *s = cli_load(files->paths[i], err, sizeof(err));

        if (s == NULL) {
            fprintf(stderr, "%s\n", err);
            errors++;
            continue;
        }
        scn_run(s, NULL, &r);
        scn_free(s);
        add(rows, nrows, &r);
    }
    return errors;
}

static unsigned report(const Row *rows, size_t nrows, size_t nfiles)
{
    unsigned problems = 0;

    printf("%-24s %7s %9s %7s %8s %9s  %s\n", "fault point", "points", "hits", "fires",
           "handled", "observed", "verdict");
    for (size_t k = 0; k < nrows; k++) {
        const Row *w = &rows[k];
        const char *why = w->fires == 0 ? "never fired"
                          : w->handled == 0 ? "fired, never handled"
                          : w->observed == 0 ? "fired, never observed" : "ok";

        problems += strcmp(why, "ok") != 0;
        printf("%-24s %7llu %9llu %7llu %8llu %9llu  %s\n", w->pattern,
               (unsigned long long)w->points, (unsigned long long)w->hits,
               (unsigned long long)w->fires, (unsigned long long)w->handled,
               (unsigned long long)w->observed, why);
    }
    printf("ledger: %zu points, %u without a fired, handled and observed outcome, "
           "over %zu scenarios\n", nrows, problems, nfiles);
    return problems;
}

int cli_ledger(int argc, char **argv)
{
    Row rows[LEDGER_MAX];
    size_t nrows = 0, errors;
    CliFiles files;
    unsigned problems;

    if (argc == 2 && !strcmp(argv[1], "--help")) {
        return usage(stdout, CLI_EXIT_OK);
    }
    if (argc < 2 || argv[1][0] == '-') {
        return usage(stderr, CLI_EXIT_USAGE);
    }
    for (const SimFaultTemplate *t = sim_fault_templates; t->pattern && nrows < LEDGER_MAX; t++) {
        rows[nrows++] = (Row){ .pattern = t->pattern };
    }
    errors = cli_files_collect(argv + 1, (size_t)argc - 1, &files);
    if (files.n == 0 && errors == 0) {
        fputs("replbench ledger: no scenarios found\n", stderr);
        errors = 1;
    }
    errors += run_all(&files, rows, nrows);
    problems = report(rows, nrows, files.n);
    cli_files_free(&files);
    return errors ? CLI_EXIT_USAGE : problems ? CLI_EXIT_FAIL : CLI_EXIT_OK;
}
