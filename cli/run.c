/* run.c: `replbench run` (cli.h): its options, the list of files, one
 * job per file through the pool, a report line per scenario in path order
 * and the summary.  Exit 0 when every scenario passed or was skipped, 1
 * when one failed, 2 on a usage, read or parse error.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "fault.h"

enum { O_TRACE, O_FORMAT, O_INJECT, O_REPORT, O_REPORT_ALL, O_REPORT_SELECT };

static const CliOptSpec specs[] = {
    { "--trace", true, O_TRACE },
    { "--format", true, O_FORMAT },
    { "--inject", true, O_INJECT },
    { "--report", true, O_REPORT },
    { "--report-all", false, O_REPORT_ALL },
    { "--report-select", true, O_REPORT_SELECT },
    { NULL, false, 0 },
};

static int option(void *ctx, int id, const char *v);

static const CliCommand command = {
    .name = "run",
    .synopsis = "[OPTIONS] PATH...",
    .takes = CLI_TAKES_SEED | CLI_TAKES_JOBS | CLI_TAKES_SHARD | CLI_TAKES_SELECT |
             CLI_TAKES_SEEDS | CLI_TAKES_RESULTS | CLI_TAKES_CHILD | CLI_TAKES_LIVENESS,
    .specs = specs,
    .option = option,
};

static void usage(FILE *f)
{
    fputs("usage: replbench run [OPTIONS] PATH...\n"
          "\n"
          "Run each scenario (files, or folders searched recursively for *.scn, in\n"
          "path order) and print PASS, FAIL or SKIP for each, then a summary.\n"
          "\n"
          "options:\n"
          "  --trace FILE          write the trace lines of every run to FILE, each\n"
          "                        scenario after a '# PATH' line\n"
          "  --format F            summary (default), tap (TAP 13) or junit (XML)\n"
          "  --inject P:H[:persistent]\n"
          "                        fail hit H of fault point P once (or from then on),\n"
          "                        as sweep's reproduce commands do; repeat it for up\n"
          "                        to 8 points (each injected).  A name no backend\n"
          "                        has (replbench faults) is a usage error, and so is\n"
          "                        a point none of the scenarios run creates\n"
          "  --report DIR          also write DIR/index.html (DIR is made if missing):\n"
          "                        one self-contained page with a table of every\n"
          "                        scenario and an SVG timeline of each failing one\n"
          "                        (at most 100), drawn from a second run in this\n"
          "                        process with the same seed (the same trace)\n"
          "  --report-all          with --report: a timeline for every scenario run\n"
          "  --report-select TEXT  with --report: a timeline also for each scenario\n"
          "                        whose path contains TEXT\n", f);
    cli_usage_common(f, command.takes);
    fputs("A trace or report that cannot be written is exit status 2 too.\n", f);
}

typedef struct RunOpts {
    CliCommon c;
    const char *trace;
    ReportFormat format;
    ReportJob inject;           /* the --inject points, every job's */
    const char *report;         /* the HTML report's folder, or NULL */
    bool report_all;
    const char *report_select;
    int argc;                   /* the command's, for the report */
    char **argv;
} RunOpts;

typedef struct Run {
    RunOpts *o;
    CliFiles files;
    ReportText *report;
    ReportHtml *html;              /* --report, or NULL */
    CliProgress progress;
    size_t next_file;
    uint64_t next_seed;         /* of next_file, from 0 */
    uint64_t nseeds;
    size_t done;
    bool trace_lost;
    bool any_failed;
    bool *ran, *failed;         /* per file, for --last-failed */
    bool any_ran;               /* a scenario ran (not skipped) */
    bool injected[SCN_MAX_INJECTS];     /* --inject j's point was in a run */
    CliResults *results;        /* --results, or NULL */
    uint64_t planned;           /* runs, a record each (path problems included) */
} Run;

/* The progress line names the scenario started last: the one a slow run
 * is waiting for. */
static void progress(Run *r)
{
    size_t started = r->next_file * (size_t)r->nseeds + (size_t)r->next_seed;

    if (started > 0) {
        cli_progress_show(&r->progress, started, r->files.paths[(started - 1) / r->nseeds]);
    }
}

static int option(void *ctx, int id, const char *v)
{
    RunOpts *o = ctx;

    switch (id) {
    case O_TRACE:
        o->trace = v;
        return 0;
    case O_FORMAT:
        return report_format_parse(v, &o->format) == 0 ? 0
             : cli_bad_value("run", "--format", v, "expected summary, tap or junit");
    case O_INJECT:
        return cli_opt_inject("run", v, &o->inject);
    case O_REPORT:
        o->report = v;
        return v[0] != '\0' ? 0 : cli_bad_value("run", "--report", v, "expected a folder");
    case O_REPORT_ALL:
        o->report_all = true;
        return 0;
    default:
        o->report_select = v;
        return 0;
    }
}

static int parse(int argc, char **argv, RunOpts *o)
{
    if (cli_command_parse(&command, argc, argv, o, &o->c) != 0) {
        return -1;
    }
    if (!o->c.help && o->report == NULL && (o->report_all || o->report_select != NULL)) {
        fputs("replbench run: --report-all and --report-select need --report DIR\n", stderr);
        fputs("usage: replbench run [OPTIONS] PATH... (replbench run --help)\n", stderr);
        return -1;
    }
    return 0;
}

/* ---- the pool's callbacks ----------------------------------------------------- */

/* Each file under each seed, in order; none once --budget is spent or,
 * with -x, after a failure. */
static bool next_job(void *ctx, ReportJob *job)
{
    Run *r = ctx;

    if (r->next_file >= r->files.n || !cli_command_go_on(&r->o->c, r->any_failed)) {
        return false;
    }
    *job = r->o->inject;
    job->file = (uint32_t)r->next_file;
    cli_command_seed(&r->o->c, r->next_seed, job);
    cli_command_job_options(&r->o->c, job);
    if (++r->next_seed == r->nseeds) {
        r->next_seed = 0;
        r->next_file++;
    }
    progress(r);
    return true;
}

/* --inject of a point the scenario never creates injects nothing: say so,
 * or a reproduce command would pass for the wrong reason.  A point no
 * scenario had is an error at the end (injected_nowhere). */
static void check_injected(Run *r, const ReportJob *job, const ReportOutcome *out,
                           const char *path)
{
    if (!out->loaded || out->res.status == SCN_SKIP || out->res.status == SCN_ERROR) {
        return;                 /* an ERROR run stopped early: its points are partial */
    }
    r->any_ran = true;
    for (unsigned j = 0; j < job->ninject; j++) {
        bool found = false;

        for (unsigned i = 0; i < out->res.npoints && i < SCN_MAX_POINTS && !found; i++) {
            found = strcmp(out->res.points[i].name, job->inject[j].point) == 0;
        }
        r->injected[j] |= found;
        if (!found) {
            fprintf(stderr, "replbench run: warning: %s has no fault point '%s': "
                    "nothing injected there\n", path, job->inject[j].point);
        }
    }
}

/* The --inject points that no scenario run had: each an error. */
static size_t injected_nowhere(const Run *r)
{
    size_t n = 0;

    for (unsigned j = 0; r->any_ran && j < r->o->inject.ninject; j++) {
        if (!r->injected[j]) {
            fprintf(stderr, "replbench run: --inject %s: no scenario run has this fault "
                    "point: nothing was injected\n", r->o->inject.inject[j].point);
            n++;
        }
    }
    return n;
}

/* A run ended: its record now, whatever ran before it in path order. */
static void job_finished(void *ctx, const ReportJob *job, const ReportOutcome *out)
{
    Run *r = ctx;

    cli_results_add(r->results, REPORT_KIND_RUN, r->files.paths[job->file], job, out);
}

static void job_done(void *ctx, const ReportJob *job, const ReportOutcome *out)
{
    Run *r = ctx;
    const char *path = r->files.paths[job->file];

    cli_progress_clear(&r->progress);
    if (out->trace_lost) {
        r->trace_lost = true;
        fprintf(stderr, "replbench run: the trace of %s could not be written\n", path);
    }
    check_injected(r, job, out, path);
    r->ran[job->file] = true;
    if (!out->loaded || out->res.status == SCN_FAIL || out->res.status == SCN_ERROR) {
        r->failed[job->file] = true;    /* --last-failed runs errors again too */
        r->any_failed = true;
    }
    report_text_add(r->report, ++r->done, path, job, out);
    if (r->html != NULL) {
        report_html_add(r->html, path, job, out);
    }
    fflush(stdout);
    progress(r);
}

/* ---- the command -------------------------------------------------------------- */

static int execute(Run *r, FILE *trace, size_t problems, double start)
{
    char crash_dir[REPORT_PATH_MAX + 1];
    CliPool pool = { .files = &r->files, .jobs = r->o->c.jobs, .trace = trace,
                     .timeout = r->o->c.timeout, .crash_dir = crash_dir,
                     .next = next_job, .finished = job_finished, .done = job_done, .ctx = r };
    RunOpts *o = r->o;
    ReportStyle style;
    int rc, status;

    if (o->report != NULL) {
        r->html = report_html_new(o->report, o->report_all, o->report_select, o->argc, o->argv);
    }
    if ((o->report != NULL && r->html == NULL) ||
        (r->report = report_text_new(o->format, r->files.n * r->nseeds)) == NULL) {
        fputs("replbench run: out of memory\n", stderr);
        report_html_free(r->html);
        return REPORT_EXIT_USAGE;
    }
    cli_command_crash_dir(&o->c, crash_dir, sizeof(crash_dir));
    style = cli_command_style(&o->c);
    report_text_style(r->report, &style);
    cli_progress_init(&r->progress, r->files.n * (size_t)r->nseeds);
    rc = cli_pool_run(&pool);
    cli_progress_clear(&r->progress);
    cli_command_stopped(&o->c, o->format == REPORT_FORMAT_SUMMARY ? stdout : stderr,
                        r->done, (uint64_t)r->files.n * r->nseeds);
    cli_last_failed_save(command.name, &r->files, r->ran, r->failed);
    /* The page before the summary line, which then stays the last line. */
    if (r->html != NULL && report_html_end(r->html, cli_now() - start) != 0) {
        rc = -1;
    }
    problems += injected_nowhere(r);
    status = report_text_end(r->report, problems, cli_now() - start);
    return rc != 0 || r->trace_lost ? REPORT_EXIT_USAGE : status;
}

/* --results, --trace and --report's page: none of them an input, nor
 * two of them one file. */
static int outputs_apart(const RunOpts *o, const CliFiles *files)
{
    char page[REPORT_PATH_MAX + 16];
    const char *out[] = { o->c.results, o->trace, NULL };
    const char *names[] = { "--results", "--trace", "--report" };

    if (o->report != NULL && strlen(o->report) <= REPORT_PATH_MAX) {
        snprintf(page, sizeof(page), "%s/index.html", o->report);
        out[2] = page;
    }
    return cli_outputs_apart("run", out, names, 3, files);
}

/* The trace file and the results file (its header and a record of each
 * path problem): 0, or -1 (printed). */
static int open_outputs(Run *r, ReportOut **trace)
{
    RunOpts *o = r->o;
    ReportResultsHeader h;
    char err[REPORT_ERROR_MAX];

    if (outputs_apart(o, &r->files) != 0) {
        return -1;
    }
    if (o->trace != NULL && (*trace = report_out_open(o->trace, err, sizeof(err))) == NULL) {
        fprintf(stderr, "replbench run: cannot open %s (--trace)\n", err);
        return -1;
    }
    cli_results_header(&h, command.name, &o->c, &r->files);
    h.inject = &o->inject;
    r->planned = h.planned;
    if (o->c.results != NULL &&
        (r->results = cli_results_open(command.name, o->c.results, &h)) == NULL) {
        return -1;
    }
    cli_results_problems(r->results, REPORT_KIND_RUN, &o->c, &r->files);
    return 0;
}

/* The trace renamed into place: 0, or -1 (printed). */
static int close_trace(ReportOut *trace)
{
    char err[REPORT_ERROR_MAX];

    if (trace != NULL && report_out_close(trace, err, sizeof(err)) != 0) {
        fprintf(stderr, "replbench run: cannot write the trace to %s\n", err);
        return -1;
    }
    return 0;
}

static int run_files(RunOpts *o, double start)
{
    Run r = { .o = o };
    bool none;
    size_t problems = cli_command_files(&command, &o->c, &r.files, &none);
    ReportOut *trace = NULL;
    int rc = REPORT_EXIT_USAGE;

    if (none) {
        goto out;
    }
    if (cli_command_list(&o->c, &r.files)) {
        rc = problems != 0 ? REPORT_EXIT_USAGE : REPORT_EXIT_OK;
        goto out;
    }
    r.nseeds = cli_command_nseeds(&o->c);
    r.ran = calloc(r.files.n + 1, sizeof(*r.ran));
    r.failed = calloc(r.files.n + 1, sizeof(*r.failed));
    if (r.ran == NULL || r.failed == NULL) {
        fputs("replbench run: out of memory\n", stderr);
        goto out;
    }
    if (open_outputs(&r, &trace) != 0) {
        goto out;
    }
    rc = execute(&r, trace != NULL ? report_out_file(trace) : NULL, problems, start);
    if (cli_results_close(r.results, o->c.stop, r.planned, false) != 0) {
        rc = REPORT_EXIT_USAGE;
    }
    r.results = NULL;
    if (close_trace(trace) != 0) {
        rc = REPORT_EXIT_USAGE;
    }
    trace = NULL;
    rc = problems != 0 ? REPORT_EXIT_USAGE : rc;
out:
    report_out_abandon(trace);
    cli_results_close(r.results, CLI_STOP_INTERRUPT, r.planned, false);
    free(r.ran);
    free(r.failed);
    cli_files_free(&r.files);
    return rc;
}

int cli_run(int argc, char **argv)
{
    double start = cli_now();
    RunOpts o = { .format = REPORT_FORMAT_SUMMARY, .argc = argc, .argv = argv };
    int rc;

    if (parse(argc, argv, &o) != 0) {
        rc = REPORT_EXIT_USAGE;
    } else if (o.c.help) {
        usage(stdout);
        rc = REPORT_EXIT_OK;
    } else {
        rc = run_files(&o, start);
    }
    cli_common_free(&o.c);
    return rc;
}
