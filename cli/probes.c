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

/* A whole run into the table; -v: a line per run, the probes it reached
 * with their counts. */
static void add(CliTally *t, const char *path, const ReportOutcome *out)
{
    unsigned n = 0;

    report_probes_add(t->table, path, &out->res);
    if (t->c.verbosity <= 0) {
        return;
    }
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

static int tally(CliTally *t)
{
    unsigned missing;
    int rc;

    if (!cli_tally_run(t, &rc)) {
        return rc;
    }
    missing = report_probes_print_some(t->table, stdout, t->c.verbosity < 0, t->c.color);
    cli_tally_stopped(t);
    return t->errors ? REPORT_EXIT_USAGE : missing ? REPORT_EXIT_FAIL : REPORT_EXIT_OK;
}

int cli_probes(int argc, char **argv)
{
    CliTally t = { .command = &command, .add = add, .table = report_probes_new() };
    int rc;

    if (t.table == NULL) {
        fputs("replbench probes: out of memory\n", stderr);
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
    report_probes_free(t.table);
    return rc;
}
