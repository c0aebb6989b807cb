/* ledger.c: `replbench ledger`: runs the scenarios and hands each result to
 * the fault ledger (reports/ledger.c), which adds them up and prints the
 * table.  A point never fired, or fired with no handled or no observed
 * outcome, fails the command.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

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

static size_t run_all(const CliFiles *files, ReportLedger *ledger)
{
    static ScnResult r;
    char err[REPORT_ERROR_MAX];
    size_t errors = 0;

    for (size_t i = 0; i < files->n; i++) {
        ScnScript *s = report_load(files->paths[i], err, sizeof(err));

        if (s == NULL) {
            fprintf(stderr, "%s\n", err);
            errors++;
            continue;
        }
        scn_run(s, NULL, &r);
        scn_free(s);
        report_ledger_add(ledger, &r);
    }
    return errors;
}

int cli_ledger(int argc, char **argv)
{
    ReportLedger *ledger;
    size_t errors;
    CliFiles files;
    unsigned problems;

    if (argc == 2 && !strcmp(argv[1], "--help")) {
        return usage(stdout, REPORT_EXIT_OK);
    }
    if (argc < 2 || argv[1][0] == '-') {
        return usage(stderr, REPORT_EXIT_USAGE);
    }
    ledger = report_ledger_new();
    if (ledger == NULL) {
        fputs("replbench ledger: out of memory\n", stderr);
        return REPORT_EXIT_USAGE;
    }
    errors = cli_files_collect(argv + 1, (size_t)argc - 1, &files);
    if (files.n == 0 && errors == 0) {
        fputs("replbench ledger: no scenarios found\n", stderr);
        errors = 1;
    }
    errors += run_all(&files, ledger);
    problems = report_ledger_print(ledger, stdout);
    report_ledger_free(ledger);
    cli_files_free(&files);
    return errors ? REPORT_EXIT_USAGE : problems ? REPORT_EXIT_FAIL : REPORT_EXIT_OK;
}
