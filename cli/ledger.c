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

typedef struct Ledger {
    CliCommon c;
    CliFiles files;
    ReportLedger *ledger;
    size_t next, errors, done;
    uint64_t nseeds;            /* runs per file: cli_command_nseeds */
    bool any_failed;
} Ledger;

static bool next_job(void *ctx, ReportJob *job)
{
    Ledger *L = ctx;

    if (L->next >= L->files.n * L->nseeds || !cli_command_go_on(&L->c, L->any_failed)) {
        return false;
    }
    /* Each file under each of its seeds, one file after the other. */
    *job = (ReportJob){ .file = (uint32_t)(L->next / L->nseeds) };
    cli_command_seed(&L->c, L->next % L->nseeds, job);
    L->next++;
    return true;
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

/* -v: a line per run, its fires and how many were handled and observed. */
static void run_line(Ledger *L, const ReportJob *job, const ReportOutcome *out)
{
    uint64_t fires = 0, handled = 0, observed = 0;
    bool failed = run_failed(out);

    L->any_failed |= failed;
    if (L->c.verbosity <= 0) {
        return;
    }
    for (unsigned i = 0; i < out->res.npoints; i++) {
        fires += out->res.points[i].fires;
        handled += out->res.points[i].handled;
        observed += out->res.points[i].observed;
    }
    printf("%s ", failed ? "FAIL" : "ran ");
    report_put_line_safe(stdout, L->files.paths[job->file]);
    printf(" [seed %" PRIu64 "]: %" PRIu64 " fires, %" PRIu64 " handled, %" PRIu64
           " observed\n", out->res.seed, fires, handled, observed);
}

static void job_done(void *ctx, const ReportJob *job, const ReportOutcome *out)
{
    Ledger *L = ctx;

    L->done++;
    if (!out->loaded) {
        fprintf(stderr, "%s\n", out->error);
        L->errors++;
        return;
    }
    /* Its counts died with it, or the host cut the run short (SCN_ERROR):
     * the ledger would be short of them. */
    if (out->died || out->timed_out || out->res.status == SCN_ERROR) {
        fprintf(stderr, "replbench ledger: %s: %s\n", L->files.paths[job->file],
                out->res.message);
        if (out->died) {
            report_crash_print(stderr, "  ", &out->crash);
        }
        L->errors++;
        L->any_failed = true;
        return;
    }
    report_ledger_add(L->ledger, &out->res);
    run_line(L, job, out);
}

static int tally(Ledger *L)
{
    char crash_dir[REPORT_PATH_MAX + 1];
    CliPool pool = { .files = &L->files, .jobs = L->c.jobs, .timeout = L->c.timeout,
                     .crash_dir = crash_dir, .next = next_job, .done = job_done, .ctx = L };
    bool none;
    unsigned problems;

    cli_command_crash_dir(&L->c, crash_dir, sizeof(crash_dir));
    L->nseeds = cli_command_nseeds(&L->c);
    L->errors = cli_command_files(&command, &L->c, &L->files, &none) + none;
    if (!none && cli_command_list(&L->c, &L->files)) {
        return L->errors ? REPORT_EXIT_USAGE : REPORT_EXIT_OK;
    }
    if (cli_pool_run(&pool) != 0) {
        L->errors++;
    }
    problems = report_ledger_print_some(L->ledger, stdout, L->c.verbosity < 0, L->c.color);
    cli_command_stopped(&L->c, stdout, L->done, L->files.n * L->nseeds);
    return L->errors ? REPORT_EXIT_USAGE
         : problems || L->c.stop == CLI_STOP_FAIL_FAST ? REPORT_EXIT_FAIL : REPORT_EXIT_OK;
}

int cli_ledger(int argc, char **argv)
{
    Ledger L = { .ledger = report_ledger_new() };
    int rc;

    if (L.ledger == NULL) {
        fputs("replbench ledger: out of memory\n", stderr);
        return REPORT_EXIT_USAGE;
    }
    if (cli_command_parse(&command, argc, argv, &L, &L.c) != 0) {
        rc = REPORT_EXIT_USAGE;
    } else if (L.c.help) {
        usage(stdout);
        rc = REPORT_EXIT_OK;
    } else {
        rc = tally(&L);
    }
    cli_files_free(&L.files);
    cli_common_free(&L.c);
    report_ledger_free(L.ledger);
    return rc;
}
