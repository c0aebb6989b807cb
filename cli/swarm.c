/* swarm.c: `replbench swarm` (cli.h): for each seed of --seeds, the cluster
 * scenario that seed draws (scenarios/swarm.h: configuration, knobs,
 * active fault points and their modes, crash and failover times), run
 * through the pool with every checker (and a liveness phase with
 * --liveness); a line per seed with what it drew, and each failing seed
 * written as a standalone .scn that reproduces it (the same trace hash),
 * for run, determinism, reduce and the report.  Exit 0 when every seed
 * passed, 1 when one failed, 2 on a usage or output error.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "swarm.h"

#define OUT_DEFAULT "swarm-failures"

enum { O_SET, O_OUT };

static const CliOptSpec specs[] = {
    { "--set", true, O_SET },
    { "--out", true, O_OUT },
    { NULL, false, 0 },
};

static int option(void *ctx, int id, const char *v);

/* Options of the commands that take files. */
#define SWARM_NO_PATH "swarm takes no PATH: each seed of --seeds draws its whole scenario; " \
    "a failing one is written as a .scn that the commands taking files run"

static const CliNotApplicable swarm_na[] = {
    { "-k", true, SWARM_NO_PATH },
    { "--exclude", true, SWARM_NO_PATH },
    { "--list", false, SWARM_NO_PATH },
    { "--last-failed", false, SWARM_NO_PATH },
    { NULL, false, NULL },
};

static const CliCommand command = {
    .name = "swarm",
    .synopsis = "--seeds A..B [OPTIONS]",
    .takes = CLI_TAKES_JOBS | CLI_TAKES_SEEDS | CLI_TAKES_RESULTS | CLI_TAKES_LIVENESS |
             CLI_TAKES_OUTPUT | CLI_TAKES_COLOR | CLI_TAKES_CHILD | CLI_TAKES_REPORT,
    .paths_optional = true,
    .specs = specs,
    .option = option,
    .na = swarm_na,
};

static void usage(FILE *f)
{
    fputs("usage: replbench swarm --seeds A..B [OPTIONS]\n"
          "\n"
          "For each seed, draw a whole COLO-pair scenario from the seed alone: the\n"
          "cluster's configuration and knobs (disks and sizes, latency, interval,\n"
          "timeouts, compare timeout, commit rate, workload rates, connections),\n"
          "which fault points are active (when armed, when cleared) and in which\n"
          "mode, and when a node crashes or fails over.  Run it with every checker,\n"
          "print a line per seed with what it drew, and write each failing seed as\n"
          "a standalone OUT/seed-N.scn that reproduces it with the same trace hash\n"
          "(replbench run, determinism and reduce take it as it is).  Seeds are\n"
          "0..2^63-1 (docs/LIVENESS.md).  -q prints only failures and the summary,\n"
          "-v also each seed's scenario as run, -x starts no seed after the first\n"
          "failure.  --format and --report report the seeds' records as `replbench\n"
          "merge` does (a passing seed is the case swarm:N, a failing one its\n"
          "written file); a seed past --timeout fails \"timed out\" (its scenario\n"
          "is written as for any failure), one whose worker dies keeps its report\n"
          "in --crash-dir; --color paints the recap.\n"
          "\n"
          "options:\n"
          "  --set KEY=VALUE       force a cluster argument (FORMAT.md's `cluster`\n"
          "                        line) for every seed, e.g. upstream_failover=true\n"
          "                        or interval=50; the other draws stay as they were\n"
          "                        (repeat: up to 16)\n"
          "  --out DIR             where failing seeds are written (made if missing;\n"
          "                        default " OUT_DEFAULT ")\n", f);
    cli_usage_command(f, &command);
}

typedef struct Swarm {
    CliCommon c;
    ScnSwarmOptions opt;
    const char *out;
    CliFiles files;             /* one name, "swarm": what the pool and records need */
    CliProgress progress;
    ReportRecap *recap;
    CliResults *results;
    uint64_t next, nseeds, done, failed, first_failed;
    bool any_failed;
    bool write_failed;
} Swarm;

static int option(void *ctx, int id, const char *v)
{
    Swarm *S = ctx;

    switch (id) {
    case O_SET:
        if (S->opt.nsets == SCN_SWARM_MAX_SETS) {
            return cli_bad_value("swarm", "--set", v, "at most 16 --set options");
        }
        S->opt.sets[S->opt.nsets++] = v;
        return 0;
    default:
        S->out = v;
        return v[0] != '\0' ? 0 : cli_bad_value("swarm", "--out", v, "expected a folder");
    }
}

/* Usage errors beyond the skeleton's: no path, --seeds needed and within
 * what a scenario's seed can hold, --set values a cluster line takes. */
static int check(Swarm *S)
{
    char err[512];

    if (S->c.paths.n > 0) {
        fprintf(stderr, "replbench swarm: unexpected argument '%.*s'\n", REPORT_PATH_MAX,
                S->c.paths.v[0]);
        return -1;
    }
    if (!S->c.seeds_set) {
        fputs("replbench swarm: --seeds A..B is needed\n", stderr);
        return -1;
    }
    if (S->c.seed_hi > INT64_MAX) {
        fputs("replbench swarm: bad value for --seeds: seeds are 0..2^63-1 (a scenario's "
              "seed)\n", stderr);
        return -1;
    }
    if (scn_swarm_check(&S->opt, err, sizeof(err)) != 0) {
        fprintf(stderr, "replbench swarm: %s\n", err);
        return -1;
    }
    return 0;
}

/* ---- the pool's callbacks ---------------------------------------------------- */

static bool next_seed(void *ctx, ReportJob *job)
{
    Swarm *S = ctx;

    if (S->next >= S->nseeds || !cli_command_go_on(&S->c, S->any_failed)) {
        return false;
    }
    *job = (ReportJob){ .file = 0 };
    cli_command_seed(&S->c, S->next++, job);
    cli_progress_show(&S->progress, S->next, "swarm");
    return true;
}

static ScnScript *make_script(void *ctx, const ReportJob *job, char *err, size_t errlen)
{
    Swarm *S = ctx;
    ScnScript *s;

    return scn_swarm_script(job->seed, &S->opt, &s, err, errlen) == 0 ? s : NULL;
}

static bool failed(const ReportOutcome *out)
{
    return !out->loaded || out->res.status == SCN_FAIL;
}

/* OUT/seed-N.scn: where a failing seed goes (the path its record names). */
static void failure_path(const Swarm *S, uint64_t seed, char *buf, size_t len)
{
    snprintf(buf, len, "%s/seed-%" PRIu64 ".scn", S->out, seed);
}

/* A passing seed's record is named swarm:N (no file: the seed is the
 * scenario); a failing one's by the file written for it. */
static void job_finished(void *ctx, const ReportJob *job, const ReportOutcome *out)
{
    Swarm *S = ctx;
    char path[REPORT_PATH_MAX + 1];

    if (failed(out)) {
        failure_path(S, job->seed, path, sizeof(path));
    } else {
        snprintf(path, sizeof(path), "swarm:%" PRIu64, job->seed);
    }
    cli_results_add(S->results, REPORT_KIND_RUN, path, job, out);
}

/* The failing seed's scenario, written whole: 0 or -1 (printed). */
static int write_failure(Swarm *S, uint64_t seed, const char *message, const char *path)
{
    char *text = malloc(SCN_SWARM_TEXT_MAX), err[REPORT_ERROR_MAX];
    size_t len = text ? scn_swarm_text(seed, &S->opt, message, text, SCN_SWARM_TEXT_MAX) : 0;
    ReportOut *o = len > 0 ? report_out_open(path, err, sizeof(err)) : NULL;
    int rc = -1;

    if (len == 0) {
        fprintf(stderr, "replbench swarm: seed %" PRIu64 ": cannot print its scenario\n", seed);
    } else if (o == NULL) {
        fprintf(stderr, "replbench swarm: cannot write %s\n", err);
    } else if (fwrite(text, 1, len, report_out_file(o)) != len) {
        report_out_abandon(o);
        fprintf(stderr, "replbench swarm: cannot write %s\n", path);
    } else if (report_out_close(o, err, sizeof(err)) != 0) {
        fprintf(stderr, "replbench swarm: cannot write %s\n", err);
    } else {
        rc = 0;
    }
    free(text);
    return rc;
}

static const char *message_of(const ReportOutcome *out)
{
    return !out->loaded ? out->error : out->res.message;
}

static void seed_failed(Swarm *S, const ReportJob *job, const ReportOutcome *out,
                        const char *what)
{
    char path[REPORT_PATH_MAX + 1], line[REPORT_ERROR_MAX + 64], cmd[3 * REPORT_PATH_MAX];

    failure_path(S, job->seed, path, sizeof(path));
    S->any_failed = true;
    if (S->failed++ == 0) {
        S->first_failed = job->seed;
    }
    printf("FAIL seed %" PRIu64 ": %s\n  drew: %s\n", job->seed, message_of(out), what);
    if (out->died) {
        report_crash_print(stdout, "  ", &out->crash);     /* its report file named */
    }
    if (out->loaded && write_failure(S, job->seed, message_of(out), path) == 0) {
        /* The binary that wrote it runs it (another build is another registry). */
        snprintf(cmd, sizeof(cmd), "%s run %s", report_program(), path);
        printf("  written: %s\n  reproduce: %s\n", path, cmd);
    } else {
        S->write_failed |= out->loaded;
        snprintf(cmd, sizeof(cmd), "%s swarm --seeds %" PRIu64 "..%" PRIu64, report_program(),
                 job->seed, job->seed);
    }
    snprintf(line, sizeof(line), "seed %" PRIu64 ": %s", job->seed, message_of(out));
    report_recap_add_command(S->recap, line, cmd);
}

static void job_done(void *ctx, const ReportJob *job, const ReportOutcome *out)
{
    Swarm *S = ctx;
    char what[SCN_SWARM_DESCRIBE_MAX];

    cli_progress_clear(&S->progress);
    S->done++;
    scn_swarm_describe(job->seed, &S->opt, what, sizeof(what));
    if (failed(out)) {
        seed_failed(S, job, out, what);
    } else if (S->c.verbosity >= 0) {
        printf("%s seed %" PRIu64 ": %s\n", out->res.status == SCN_SKIP ? "SKIP" : "PASS",
               job->seed, what);
    }
    fflush(stdout);
}

/* ---- the command --------------------------------------------------------------- */

static int open_outputs(Swarm *S)
{
    ReportResultsHeader h;
    const char *outs[] = { S->c.results };
    const char *names[] = { "--results" };

    if (mkdir(S->out, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "replbench swarm: cannot make %s: %s\n", S->out, strerror(errno));
        return -1;
    }
    if (cli_outputs_apart("swarm", outs, names, 1, &S->files) != 0) {
        return -1;
    }
    cli_results_header(&h, command.name, &S->c, &S->files);
    if (S->c.results != NULL &&
        (S->results = cli_results_open(command.name, S->c.results, &h)) == NULL) {
        return -1;
    }
    return 0;
}

static void summary(const Swarm *S, double seconds)
{
    printf("swarm: %" PRIu64 " seeds, %" PRIu64 " passed, %" PRIu64 " failed in %.3f s ",
           S->done, S->done - S->failed, S->failed, seconds);
    report_rate(stdout, S->done, seconds, "runs");
    if (S->failed > 0) {
        printf("; first failure at seed %" PRIu64 " (seeds run to find it: %" PRIu64 ")",
               S->first_failed, S->first_failed - S->c.seed_lo + 1);
    }
    putchar('\n');
}

static int execute(Swarm *S)
{
    char crash_dir[REPORT_PATH_MAX + 1];
    CliPool pool = { .files = &S->files, .jobs = S->c.jobs, .timeout = S->c.timeout,
                     .crash_dir = crash_dir, .next = next_seed, .finished = job_finished,
                     .done = job_done, .make = make_script, .ctx = S };
    double start = cli_now();
    int rc;

    cli_command_crash_dir(&S->c, crash_dir, sizeof(crash_dir));

    S->nseeds = cli_command_nseeds(&S->c);
    S->recap = report_recap_new();
    cli_progress_init(&S->progress, S->nseeds);
    rc = cli_pool_run(&pool);
    cli_progress_clear(&S->progress);
    cli_command_stopped(&S->c, stdout, S->done, S->nseeds);
    report_recap_end(S->recap, stdout, S->c.color);
    summary(S, cli_now() - start);
    if (cli_results_close(S->results, S->c.stop, S->nseeds, false) != 0) {
        rc = -1;
    }
    S->results = NULL;
    if (rc != 0 || S->write_failed) {
        return REPORT_EXIT_USAGE;
    }
    return S->failed > 0 ? REPORT_EXIT_FAIL : REPORT_EXIT_OK;
}

/* The seeds, with their results file open (cli_report_via_merge may have
 * given c.results a temporary one). */
static int run_swarm(void *ctx)
{
    Swarm *S = ctx;

    return open_outputs(S) == 0 ? execute(S) : REPORT_EXIT_USAGE;
}

int cli_swarm(int argc, char **argv)
{
    static char name[] = "swarm";
    static char *paths[] = { name };
    Swarm S = { .out = OUT_DEFAULT, .files = { .paths = paths, .n = 1 } };
    int rc = REPORT_EXIT_USAGE;

    if (cli_command_parse(&command, argc, argv, &S, &S.c) != 0) {
        goto out;
    }
    if (S.c.help) {
        usage(stdout);
        rc = REPORT_EXIT_OK;
        goto out;
    }
    if (check(&S) != 0) {
        fputs("usage: replbench swarm --seeds A..B [OPTIONS] (replbench swarm --help)\n",
              stderr);
        goto out;
    }
    S.opt.liveness = S.c.liveness;
    S.opt.liveness_ticks = S.c.liveness_ticks;
    rc = cli_report_via_merge(command.name, &S.c, S.c.format, S.c.report, run_swarm, &S);
out:
    cli_results_close(S.results, CLI_STOP_INTERRUPT, S.nseeds, false);
    cli_common_free(&S.c);
    return rc;
}
