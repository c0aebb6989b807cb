/* replbench.c: the replbench command line: picks the command, prints the
 * usage texts, the version and the list of fault points.  The commands
 * themselves are in the other files of cli/ (cli.h); nothing here touches the simulator
 * beyond reading sim_fault_templates.
 */
#include <string.h>

#include "canary.h"
#include "cli.h"
#include "fault.h"

#ifndef REPLBENCH_VERSION
#define REPLBENCH_VERSION "unknown"
#endif

static void usage(FILE *f)
{
    fputs("usage: replbench COMMAND [OPTIONS] PATH...\n"
          "\n"
          "A deterministic fault-injection test bench for replication registries.\n"
          "PATH is a .scn file, or a folder searched recursively for *.scn files.\n"
          "\n"
          "commands:\n"
          "  run [OPTIONS] PATH...          run scenarios, report each, and a summary\n"
          "  sweep [OPTIONS] PATH...        fail every hit of every fault point in turn\n"
          "  determinism [OPTIONS] PATH...  run each scenario twice, compare the traces\n"
          "  faults                         list every fault point\n"
          "  ledger [OPTIONS] PATH...       the fault ledger of a run (fired, handled, observed)\n"
          "  probes [OPTIONS] PATH...       the probe catalog of a run: each state worth\n"
          "                                 reaching, how often and by which scenarios\n"
          "  fuzz2scn HARNESS FILE          a fuzzer input as the scenario it runs\n"
          "  scn2fuzz HARNESS FILE.scn OUT  a scenario as a seed input for a harness\n"
          "  conform [OPTIONS] [PATH...]    the conformance table of the implementation\n"
          "                                 under test (walk rules x walks)\n"
          "  explore [OPTIONS]              every registry script of a bounded scope\n"
          "  reduce FILE [-o OUT]           shrink a failing scenario to a minimal one\n"
          "  merge [OPTIONS] FILE.jsonl...  the results of several runs or sweeps (run\n"
          "                                 --results, sweep --results) reported as one:\n"
          "                                 summary, TAP, JUnit, HTML\n"
          "  swarm --seeds A..B [OPTIONS]   a whole scenario drawn from each seed (knobs,\n"
          "                                 faults, crashes), failures written as .scn\n"
          "\n"
          "  replbench COMMAND --help       options of a command\n"
          "  replbench --version            the version\n"
          "\n", f);
    cli_usage_exit(f);
}

static const CliCommand faults_command = {
    .name = "faults",
    .synopsis = "",
    .paths_optional = true,
};

static int faults(int argc, char **argv)
{
    CliCommon c;
    int width = 0;
    int rc = cli_command_parse(&faults_command, argc, argv, NULL, &c);

    if (rc == 0 && c.help) {
        puts("usage: replbench faults\n\nList every fault point (a template: <disk>, <link>\n"
             "and <node> stand for the names a scenario gives) and what a fire there means.\n"
             "\noptions:");
        cli_usage_common(stdout, 0);
    } else if (rc == 0 && c.paths.n > 0) {
        fprintf(stderr, "replbench faults: unexpected argument '%.*s'\n"
                "usage: replbench faults (replbench faults --help)\n", REPORT_PATH_MAX,
                c.paths.v[0]);
        rc = -1;
    }
    for (const SimFaultTemplate *const *t = sim_fault_templates; rc == 0 && !c.help && *t; t++) {
        int len = (int)strlen((*t)->pattern);

        width = len > width ? len : width;
    }
    for (const SimFaultTemplate *const *t = sim_fault_templates; rc == 0 && !c.help && *t; t++) {
        printf("%-*s  %s\n", width, (*t)->pattern, (*t)->description);
    }
    cli_common_free(&c);
    return rc == 0 ? REPORT_EXIT_OK : REPORT_EXIT_USAGE;
}

/* A report that could not be written (a full disk, a closed pipe) is not
 * a success. */
static int output_checked(int rc)
{
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fputs("replbench: cannot write the output\n", stderr);
        return REPORT_EXIT_USAGE;
    }
    return rc;
}

int main(int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*fn)(int, char **);
    } commands[] = {
        { "run", cli_run },
        { "sweep", cli_sweep },
        { "determinism", cli_determinism },
        { "faults", faults },
        { "fuzz2scn", cli_fuzz2scn },
        { "ledger", cli_ledger },
        { "scn2fuzz", cli_scn2fuzz },
        { "conform", cli_conform },
        { "explore", cli_explore },
        { "reduce", cli_reduce },
        { "merge", cli_merge },
        { "swarm", cli_swarm },
        { "probes", cli_probes },
    };

    /* Lines, not blocks, even into a file or a pipe: a CI log shows a long
     * run as it goes.  Reproduce lines name this binary as it was invoked. */
    setvbuf(stdout, NULL, _IOLBF, 0);
    report_set_program(argv[0]);
    if (argc < 2) {
        usage(stderr);
        return REPORT_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(stdout);
        return REPORT_EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0) {
        char impl[512];

        report_impl_describe(impl, sizeof(impl));
        printf("replbench %s\nimplementation under test: %s\nfault points: %s\n",
               REPLBENCH_VERSION, impl,
#ifdef FIU_ENABLE
               "libfiu"
#else
               "none (built without libfiu: scenarios that arm faults are SKIP)"
#endif
               );
        if (strcmp(sim_canary_name(), "none") != 0) {
            printf("sim canary: %s (a planted simulator bug: docs/LIVENESS.md)\n",
                   sim_canary_name());
        }
        return REPORT_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        if (strcmp(argv[1], commands[i].name) == 0) {
            int rc = output_checked(commands[i].fn(argc - 1, argv + 1));

            /* Stopped by SIGINT or SIGTERM (after reporting what ran): the
             * shell's status of a command that signal ended, 130 or 143. */
            return cli_signal_caught() != 0 ? 128 + cli_signal_caught() : rc;
        }
    }
    fprintf(stderr, "replbench: unknown command '%.*s'\n", REPORT_PATH_MAX, argv[1]);
    usage(stderr);
    return REPORT_EXIT_USAGE;
}
