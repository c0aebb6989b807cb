/* ledger.c: `replbench ledger`: runs the scenarios through the pool and
 * hands each result to the fault ledger (reports/ledger.c), which adds them
 * up and prints the table.  A point never fired, or with a fire not handled
 * by its owner or not observed by a check, fails the command.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const CliCommand command = {
    .name = "ledger",
    .synopsis = "[OPTIONS] PATH...",
    .takes = CLI_TAKES_SEED | CLI_TAKES_JOBS | CLI_TAKES_SHARD | CLI_TAKES_CHILD |
             CLI_TAKES_PICK,
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
          "makes the exit status 1.\n"
          "\n"
          "options:\n", f);
    cli_usage_common(f, command.takes);
}

typedef struct Ledger {
    CliCommon c;
    CliFiles files;
    ReportLedger *ledger;
    size_t next, errors;
} Ledger;

static bool next_job(void *ctx, ReportJob *job)
{
    Ledger *L = ctx;

    if (L->next >= L->files.n) {
        return false;
    }
    *job = (ReportJob){ .file = (uint32_t)L->next++, .seed_set = L->c.seed_set,
                        .seed = L->c.seed };
    return true;
}

static void job_done(void *ctx, const ReportJob *job, const ReportOutcome *out)
{
    Ledger *L = ctx;

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
        return;
    }
    report_ledger_add(L->ledger, &out->res);
}

static int tally(Ledger *L)
{
    char crash_dir[REPORT_PATH_MAX + 1];
    CliPool pool = { .files = &L->files, .jobs = L->c.jobs, .timeout = L->c.timeout,
                     .crash_dir = crash_dir, .next = next_job, .done = job_done, .ctx = L };
    bool none;
    unsigned problems;

    cli_command_crash_dir(&L->c, crash_dir, sizeof(crash_dir));
    L->errors = cli_command_files(&command, &L->c, &L->files, &none) + none;
    if (!none && cli_command_list(&L->c, &L->files)) {
        return L->errors ? REPORT_EXIT_USAGE : REPORT_EXIT_OK;
    }
    if (cli_pool_run(&pool) != 0) {
        L->errors++;
    }
    problems = report_ledger_print(L->ledger, stdout);
    return L->errors ? REPORT_EXIT_USAGE : problems ? REPORT_EXIT_FAIL : REPORT_EXIT_OK;
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
