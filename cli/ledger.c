/* ledger.c: `replbench ledger`: runs the scenarios through the pool and
 * hands each result to the fault ledger (reports/ledger.c), which adds them
 * up and prints the table.  A point never fired, or with a fire not handled
 * by its owner or not observed by a check, fails the command.  A run fails
 * (for -x) when its scenario fails or it left a fire not handled or not
 * observed: the point of that fire is then not ok whatever runs after it.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* What run and sweep write per run cannot hold the ledger's verdict. */
#define LEDGER_NA_WHY "the ledger's verdict is over all runs together (a point never " \
    "fired fails it), not per run: a results record cannot carry it, nor merge's reports " \
    "of records; its table on stdout is its report"

static const CliNotApplicable ledger_na[] = {
    { "--results", true, LEDGER_NA_WHY },
    { "--format", true, LEDGER_NA_WHY },
    { "--report", true, LEDGER_NA_WHY },
    { NULL, false, NULL },
};

static const CliCommand command = {
    .name = "ledger",
    .synopsis = "[OPTIONS] PATH...",
    .takes = CLI_TAKES_SEED | CLI_TAKES_SEEDS | CLI_TAKES_JOBS | CLI_TAKES_SHARD |
             CLI_TAKES_CHILD | CLI_TAKES_PICK | CLI_TAKES_OUTPUT | CLI_TAKES_COLOR,
    .na = ledger_na,
};

static void usage(FILE *f)
{
    fputs("usage: replbench ledger [OPTIONS] PATH...\n"
          "\n"
          "Run the scenarios and print the fault ledger: for every fault point\n"
          "(as listed by `replbench faults`), over all runs: points, hits, fires,\n"
          "fires handled by the point's owner (each fire once: one drop event per\n"
          "lost message), fires observed by a check after them.  A point is ok\n"
          "when it fired and every fire was handled and observed; a point never\n"
          "fired, or with a fire not handled or not observed, says how many and\n"
          "makes the exit status 1.  -q prints only the points not ok; -v also a\n"
          "line per run; -x starts no run after the first that fails (its scenario\n"
          "fails, or a fire in it was not handled or not observed), and a ledger\n"
          "cut short so is exit status 1.  --seeds A..B runs each scenario under\n"
          "every seed A..B (the ledger adds up every run); --budget starts no run\n"
          "once it is spent and says so (a ledger cut short so is judged on what\n"
          "ran); --color paints the verdicts.\n"
          "\n"
          "options:\n", f);
    cli_usage_command(f, &command);
}

/* Whether a run fails for -x: its scenario failed, or a fire of it was not
 * handled or not observed. */
static bool run_failed(const ReportOutcome *out)
{
    for (unsigned i = 0; i < out->res.npoints; i++) {
        const ScnPointCount *p = &out->res.points[i];

        if (p->handled < p->fires || p->observed < p->fires) {
            return true;
        }
    }
    return out->res.status == SCN_FAIL;
}

/* A whole run into the ledger; -v: a line per run, its fires and how many
 * were handled and observed. */
static void add(CliTally *t, const char *path, const ReportOutcome *out)
{
    uint64_t fires = 0, handled = 0, observed = 0;
    bool failed = run_failed(out);

    report_ledger_add(t->table, &out->res);
    t->any_failed |= failed;
    if (t->c.verbosity <= 0) {
        return;
    }
    for (unsigned i = 0; i < out->res.npoints; i++) {
        fires += out->res.points[i].fires;
        handled += out->res.points[i].handled;
        observed += out->res.points[i].observed;
    }
    printf("%s ", failed ? "FAIL" : "ran ");
    report_put_line_safe(stdout, path);
    printf(" [seed %" PRIu64 "]: %" PRIu64 " fires, %" PRIu64 " handled, %" PRIu64
           " observed\n", out->res.seed, fires, handled, observed);
}

static int tally(CliTally *t)
{
    unsigned problems;
    int rc;

    if (!cli_tally_run(t, &rc)) {
        return rc;
    }
    problems = report_ledger_print_some(t->table, stdout, t->c.verbosity < 0, t->c.color);
    cli_tally_stopped(t);
    return t->errors ? REPORT_EXIT_USAGE
         : problems || t->c.stop == CLI_STOP_FAIL_FAST ? REPORT_EXIT_FAIL : REPORT_EXIT_OK;
}

int cli_ledger(int argc, char **argv)
{
    CliTally t = { .command = &command, .add = add, .table = report_ledger_new() };
    int rc;

    if (t.table == NULL) {
        fputs("replbench ledger: out of memory\n", stderr);
        return REPORT_EXIT_USAGE;
    }
    if (cli_command_parse(&command, argc, argv, &t, &t.c) != 0) {
        rc = REPORT_EXIT_USAGE;
    } else if (t.c.help) {
        usage(stdout);
        rc = REPORT_EXIT_OK;
    } else {
        rc = tally(&t);
    }
    cli_files_free(&t.files);
    cli_common_free(&t.c);
    report_ledger_free(t.table);
    return rc;
}
