/* probes.c: `replbench probes`: runs the scenarios through the pool and
 * hands each result to the probe table (reports/probes.c), which adds up
 * how often each probe of the catalog (sim/probe.h) was reached and by
 * which scenarios, and prints it.  A probe not marked rare that no run
 * reached fails the command, named.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "probe.h"

/* Each run's counts are in run's records; the verdict is over them all. */
#define PROBES_NA_WHY "the probes' verdict is over all runs together (a probe no run " \
    "reached fails it); each run's counts are in the records of `replbench run " \
    "--results`, which `replbench merge --format probes` adds up into this table"

/* No one run fails the verdict: a probe not reached yet may be by the next. */
#define PROBES_NO_FAILURE "no run fails the probes' verdict: it is known only once every " \
    "run is in (a probe that no run reached so far may be reached by the next), so there " \
    "is no first failure to stop at"

static const CliNotApplicable probes_na[] = {
    { "--results", true, PROBES_NA_WHY },
    { "--format", true, PROBES_NA_WHY },
    { "--report", true, PROBES_NA_WHY },
    { "-x", false, PROBES_NO_FAILURE },
    { "--fail-fast", false, PROBES_NO_FAILURE },
    { NULL, false, NULL },
};

static const CliCommand command = {
    .name = "probes",
    .synopsis = "[OPTIONS] PATH...",
    .takes = CLI_TAKES_SEED | CLI_TAKES_SEEDS | CLI_TAKES_JOBS | CLI_TAKES_SHARD |
             CLI_TAKES_CHILD | CLI_TAKES_PICK | CLI_TAKES_VERBOSITY | CLI_TAKES_COLOR,
    .na = probes_na,
};

static void usage(FILE *f)
{
    fputs("usage: replbench probes [OPTIONS] PATH...\n"
          "\n"
          "Run the scenarios and print the probe catalog: for every probe (a state\n"
          "worth reaching, marked where the simulator or the interpreter passes\n"
          "through it: a removal inside a nested walk, a failover with writes to\n"
          "commit, a checkpoint aborted after its marker, ...), how often the runs\n"
          "reached it, in how many runs, and the first scenarios that did.  A probe\n"
          "that no run reached, unless marked rare, is named on a closing \"not\n"
          "reached:\" line and makes the exit status 1: the scenarios no longer\n"
          "prove what they were written for.  The counts of `run --results` shards\n"
          "add up to the same table with `replbench merge --format probes`.  See\n"
          "docs/PROBES.md.  -q prints only the probes not reached (and the\n"
          "closing lines); -v also a line per run with the probes it reached;\n"
          "--seeds A..B runs each scenario under every seed A..B; --budget starts\n"
          "no run once it is spent and says so (the table holds what ran);\n"
          "--color paints NOT REACHED.\n"
          "\n"
          "probes:\n", f);
    for (int i = 0; i < SIM_PROBE__COUNT; i++) {
        fprintf(f, "  %-*s %s%s\n", SIM_PROBE_NAME_MAX - 8, sim_probe_info[i].name,
                sim_probe_info[i].meaning, sim_probe_info[i].rare ? " (rare)" : "");
    }
    fputs("\noptions:\n", f);
    cli_usage_command(f, &command);
}

typedef struct Probes {
    CliCommon c;
    CliFiles files;
    ReportProbes *table;
    size_t next, errors, done;
    uint64_t nseeds;            /* runs per file: cli_command_nseeds */
} Probes;

static bool next_job(void *ctx, ReportJob *job)
{
    Probes *P = ctx;

    if (P->next >= P->files.n * P->nseeds || !cli_command_go_on(&P->c, false)) {
        return false;
    }
    /* Each file under each of its seeds, one file after the other. */
    *job = (ReportJob){ .file = (uint32_t)(P->next / P->nseeds) };
    cli_command_seed(&P->c, P->next % P->nseeds, job);
    P->next++;
    return true;
}

/* -v: a line per run: the probes it reached, with their counts. */
static void run_line(const char *path, const ReportOutcome *out)
{
    unsigned n = 0;

    report_put_line_safe(stdout, path);
    printf(" [seed %" PRIu64 "]:", out->res.seed);
    for (int i = 0; i < SIM_PROBE__COUNT; i++) {
        if (out->res.probes[i] != 0) {
            printf("%s %s x%" PRIu64, n++ ? "," : "", sim_probe_info[i].name,
                   out->res.probes[i]);
        }
    }
    puts(n == 0 ? " no probe reached" : "");
}

static void job_done(void *ctx, const ReportJob *job, const ReportOutcome *out)
{
    Probes *P = ctx;
    const char *path = P->files.paths[job->file];

    P->done++;
    if (!out->loaded) {
        fprintf(stderr, "%s\n", out->error);
        P->errors++;
        return;
    }
    /* Its counts died with it, or the host cut the run short (SCN_ERROR):
     * the table would be short of them. */
    if (out->died || out->timed_out || out->res.status == SCN_ERROR) {
        fprintf(stderr, "replbench probes: %s: %s\n", path, out->res.message);
        if (out->died) {
            report_crash_print(stderr, "  ", &out->crash);
        }
        P->errors++;
        return;
    }
    report_probes_add(P->table, path, &out->res);
    if (P->c.verbosity > 0) {
        run_line(path, out);
    }
}

static int tally(Probes *P)
{
    char crash_dir[REPORT_PATH_MAX + 1];
    CliPool pool = { .files = &P->files, .jobs = P->c.jobs, .timeout = P->c.timeout,
                     .crash_dir = crash_dir, .next = next_job, .done = job_done, .ctx = P };
    bool none;
    unsigned missing;

    cli_command_crash_dir(&P->c, crash_dir, sizeof(crash_dir));
    P->nseeds = cli_command_nseeds(&P->c);
    P->errors = cli_command_files(&command, &P->c, &P->files, &none) + none;
    if (!none && cli_command_list(&P->c, &P->files)) {
        return P->errors ? REPORT_EXIT_USAGE : REPORT_EXIT_OK;
    }
    if (cli_pool_run(&pool) != 0) {
        P->errors++;
    }
    missing = report_probes_print_some(P->table, stdout, P->c.verbosity < 0, P->c.color);
    cli_command_stopped(&P->c, stdout, P->done, P->files.n * P->nseeds);
    return P->errors ? REPORT_EXIT_USAGE : missing ? REPORT_EXIT_FAIL : REPORT_EXIT_OK;
}

int cli_probes(int argc, char **argv)
{
    Probes P = { .table = report_probes_new() };
    int rc;

    if (P.table == NULL) {
        fputs("replbench probes: out of memory\n", stderr);
        return REPORT_EXIT_USAGE;
    }
    if (cli_command_parse(&command, argc, argv, &P, &P.c) != 0) {
        rc = REPORT_EXIT_USAGE;
    } else if (P.c.help) {
        usage(stdout);
        rc = REPORT_EXIT_OK;
    } else {
        rc = tally(&P);
    }
    cli_files_free(&P.files);
    cli_common_free(&P.c);
    report_probes_free(P.table);
    return rc;
}
