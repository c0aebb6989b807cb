/* tally.c: the driver of the commands whose verdict is a table over all
 * runs (ledger, probes).  It owns what they share: every selected file
 * under each of its seeds through the pool, one file after the other; a
 * run that did not load, died, timed out or was cut short by the host
 * counted as an error (its counts would be missing from the table, so the
 * table cannot be judged); every whole run handed to the command's table.
 * The command prints its table and judges it.
 */
#include <stdio.h>

#include "cli.h"

static bool next_job(void *ctx, ReportJob *job)
{
    CliTally *t = ctx;

    return cli_command_next_run(&t->c, &t->next, t->files.n, t->any_failed, job);
}

static void job_done(void *ctx, const ReportJob *job, const ReportOutcome *out)
{
    CliTally *t = ctx;
    const char *path = t->files.paths[job->file];

    t->done++;
    if (!out->loaded) {
        fprintf(stderr, "%s\n", out->error);
        t->errors++;
        return;
    }
    /* Its counts died with it, or the host cut the run short (SCN_ERROR). */
    if (out->died || out->timed_out || out->res.status == SCN_ERROR) {
        fprintf(stderr, "replbench %s: %s: %s\n", t->command->name, path, out->res.message);
        if (out->died) {
            report_crash_print(stderr, "  ", &out->crash);
        }
        t->errors++;
        t->any_failed = true;
        return;
    }
    t->add(t, path, out);
}

bool cli_tally_run(CliTally *t, int *rc)
{
    char crash_dir[REPORT_PATH_MAX + 1];
    CliPool pool = { .files = &t->files, .jobs = t->c.jobs, .timeout = t->c.timeout,
                     .crash_dir = crash_dir, .next = next_job, .done = job_done, .ctx = t };
    bool none;

    cli_command_crash_dir(&t->c, crash_dir, sizeof(crash_dir));
    t->nseeds = cli_command_nseeds(&t->c);
    t->errors = cli_command_files(t->command, &t->c, &t->files, &none) + none;
    if (!none && cli_command_list(&t->c, &t->files)) {
        *rc = t->errors ? REPORT_EXIT_USAGE : REPORT_EXIT_OK;
        return false;
    }
    if (cli_pool_run(&pool) != 0) {
        t->errors++;
    }
    return true;
}

void cli_tally_stopped(CliTally *t)
{
    cli_command_stopped(&t->c, stdout, t->done, t->files.n * t->nseeds);
}
