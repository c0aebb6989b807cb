/* run.c: `replbench run` (cli.h): its options, the list of files, one
 * job per file through the pool, a report line per scenario in path order
 * and the summary.  Exit 0 when every scenario passed or was skipped, 1
 * when one failed, 2 on a usage, read or parse error.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum { O_SEED, O_TRACE, O_FORMAT, O_SHARD, O_JOBS, O_INJECT, O_REPORT, O_REPORT_ALL,
       O_REPORT_SELECT, O_HELP };

static const CliOptSpec specs[] = {
    { "--seed", true, O_SEED },
    { "--trace", true, O_TRACE },
    { "--format", true, O_FORMAT },
    { "--shard", true, O_SHARD },
    { "--jobs", true, O_JOBS },
    { "--inject", true, O_INJECT },
    { "--report", true, O_REPORT },
    { "--report-all", false, O_REPORT_ALL },
    { "--report-select", true, O_REPORT_SELECT },
    { "--help", false, O_HELP },
    { NULL, false, 0 },
};

typedef struct RunOpts {
    bool help;
    bool seed_set;
    uint64_t seed;
    const char *trace;
    ReportFormat format;
    unsigned shard_k, shard_n;  /* 0: no sharding */
    unsigned jobs;
    ReportJob inject;              /* point, hit, persistent */
    const char *report;         /* the HTML report's folder, or NULL */
    bool report_all;
    const char *report_select;
    int argc;                   /* the command's, for the report */
    char **argv;
    CliPaths paths;
} RunOpts;

typedef struct Run {
    const RunOpts *o;
    CliFiles files;
    ReportText *report;
    ReportHtml *html;              /* --report, or NULL */
    CliProgress progress;
    size_t next_file;
    size_t done;
    bool trace_lost;
} Run;

/* The progress line names the scenario started last: the one a slow run
 * is waiting for. */
static void progress(Run *r)
{
    if (r->next_file > 0) {
        cli_progress_show(&r->progress, r->next_file, r->files.paths[r->next_file - 1]);
    }
}

static int parse_format(const char *v, ReportFormat *format)
{
    static const char *const names[] = { "summary", "tap", "junit" };

    for (int i = 0; i < 3; i++) {
        if (strcmp(v, names[i]) == 0) {
            *format = (ReportFormat)i;
            return 0;
        }
    }
    return cli_bad_value("run", "--format", v, "expected summary, tap or junit");
}

/* "K/N", 1 <= K <= N <= CLI_MAX_SHARDS. */
static int parse_shard(const char *v, unsigned *k, unsigned *n)
{
    const char *slash = strchr(v, '/');
    char kbuf[16];
    uint64_t kv, nv;

    if (slash == NULL || (size_t)(slash - v) >= sizeof(kbuf)) {
        return cli_bad_value("run", "--shard", v, "expected K/N");
    }
    memcpy(kbuf, v, (size_t)(slash - v));
    kbuf[slash - v] = '\0';
    if (cli_parse_u64(kbuf, 1, CLI_MAX_SHARDS, &kv) != 0 ||
        cli_parse_u64(slash + 1, 1, CLI_MAX_SHARDS, &nv) != 0 || kv > nv) {
        return cli_bad_value("run", "--shard", v, "expected K/N with 1 <= K <= N <= 1000");
    }
    *k = (unsigned)kv;
    *n = (unsigned)nv;
    return 0;
}

/* "POINT:HIT" or "POINT:HIT:persistent"; a point is a concrete name of
 * letters, digits, '_', '-', '.' and '/' (no pattern). */
static int parse_inject(const char *v, ReportJob *job)
{
    const char *colon = strchr(v, ':');
    const char *hit = colon ? colon + 1 : NULL;
    const char *mode = hit ? strchr(hit, ':') : NULL;
    size_t plen = colon ? (size_t)(colon - v) : 0;
    char hbuf[24];
    size_t hlen = hit ? (mode ? (size_t)(mode - hit) : strlen(hit)) : 0;

    if (colon == NULL || plen == 0 || plen >= REPORT_POINT_MAX ||
        strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./") != plen) {
        return cli_bad_value("run", "--inject", v, "expected POINT:HIT[:persistent] "
                             "with a fault point name");
    }
    if (hlen == 0 || hlen >= sizeof(hbuf) || (mode != NULL && strcmp(mode, ":persistent") != 0)) {
        return cli_bad_value("run", "--inject", v, "expected POINT:HIT[:persistent]");
    }
    memcpy(hbuf, hit, hlen);
    hbuf[hlen] = '\0';
    if (cli_parse_u64(hbuf, 1, INT64_MAX, &job->hit) != 0) {
        return cli_bad_value("run", "--inject", v, "HIT must be a number from 1");
    }
    memcpy(job->point, v, plen);
    job->point[plen] = '\0';
    job->persistent = mode != NULL;
    return 0;
}

static int option(RunOpts *o, int id, const char *v)
{
    switch (id) {
    case O_SEED:
        o->seed_set = true;
        return cli_opt_seed("run", v, &o->seed);
    case O_TRACE:
        o->trace = v;
        return 0;
    case O_FORMAT:
        return parse_format(v, &o->format);
    case O_SHARD:
        return parse_shard(v, &o->shard_k, &o->shard_n);
    case O_JOBS:
        return cli_opt_jobs("run", v, &o->jobs);
    case O_INJECT:
        return parse_inject(v, &o->inject);
    case O_REPORT:
        o->report = v;
        return v[0] != '\0' ? 0 : cli_bad_value("run", "--report", v, "expected a folder");
    case O_REPORT_ALL:
        o->report_all = true;
        return 0;
    case O_REPORT_SELECT:
        o->report_select = v;
        return 0;
    default:
        o->help = true;
        return 0;
    }
}

static int parse(int argc, char **argv, RunOpts *o)
{
    CliArgs a = { .argc = argc, .argv = argv, .i = 1 };
    const char *v = NULL;
    int id = 0, kind;

    o->jobs = 1;
    if (!cli_paths_init(&o->paths, argc)) {
        return -1;
    }
    while ((kind = cli_args_next(&a, specs, "run", &id, &v)) != CLI_ARG_END) {
        if (kind == CLI_ARG_ERROR || (kind == CLI_ARG_OPTION && option(o, id, v) != 0)) {
            return -1;
        }
        if (kind == CLI_ARG_PATH) {
            o->paths.v[o->paths.n++] = (char *)v;
        }
    }
    if (!o->help && o->paths.n == 0) {
        fputs("replbench run: no PATH given\n", stderr);
        return -1;
    }
    if (!o->help && o->report == NULL && (o->report_all || o->report_select != NULL)) {
        fputs("replbench run: --report-all and --report-select need --report DIR\n", stderr);
        return -1;
    }
    return 0;
}

/* ---- the pool's callbacks ----------------------------------------------------- */

static bool next_job(void *ctx, ReportJob *job)
{
    Run *r = ctx;

    if (r->next_file >= r->files.n) {
        return false;
    }
    *job = r->o->inject;
    job->file = (uint32_t)r->next_file++;
    job->seed_set = r->o->seed_set;
    job->seed = r->o->seed;
    progress(r);
    return true;
}

/* --inject of a point the scenario never creates injects nothing: say so,
 * or a reproduce command would pass for the wrong reason. */
static void check_injected(const ReportJob *job, const ReportOutcome *out, const char *path)
{
    if (job->point[0] == '\0' || !out->loaded || out->res.status == SCN_SKIP) {
        return;
    }
    for (unsigned i = 0; i < out->res.npoints && i < SCN_MAX_POINTS; i++) {
        if (strcmp(out->res.points[i].name, job->point) == 0) {
            return;
        }
    }
    fprintf(stderr, "replbench run: warning: %s has no fault point '%s': nothing injected\n",
            path, job->point);
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
    check_injected(job, out, path);
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
    CliPool pool = { .files = &r->files, .jobs = r->o->jobs, .trace = trace,
                     .next = next_job, .done = job_done, .ctx = r };
    const RunOpts *o = r->o;
    int rc, status;

    if (o->report != NULL) {
        r->html = report_html_new(o->report, o->report_all, o->report_select, o->argc, o->argv);
    }
    if ((o->report != NULL && r->html == NULL) ||
        (r->report = report_text_new(o->format, r->files.n)) == NULL) {
        fputs("replbench run: out of memory\n", stderr);
        report_html_free(r->html);
        return REPORT_EXIT_USAGE;
    }
    cli_progress_init(&r->progress, r->files.n);
    rc = cli_pool_run(&pool);
    cli_progress_clear(&r->progress);
    /* The page before the summary line, which then stays the last line. */
    if (r->html != NULL && report_html_end(r->html, cli_now() - start) != 0) {
        rc = -1;
    }
    status = report_text_end(r->report, problems, cli_now() - start);
    return rc != 0 || r->trace_lost ? REPORT_EXIT_USAGE : status;
}

static int run_files(const RunOpts *o, double start)
{
    Run r = { .o = o };
    size_t problems = cli_files_collect(o->paths.v, o->paths.n, &r.files);
    FILE *trace = NULL;
    int rc = REPORT_EXIT_USAGE;

    if (r.files.n == 0 && problems == 0) {
        fputs("replbench run: no .scn files in the given paths\n", stderr);
        goto out;
    }
    if (o->shard_n != 0) {
        cli_files_shard(&r.files, o->shard_k, o->shard_n);
    }
    if (o->trace != NULL && (trace = fopen(o->trace, "w")) == NULL) {
        fprintf(stderr, "replbench run: cannot open %s: %s\n", o->trace, strerror(errno));
        goto out;
    }
    rc = execute(&r, trace, problems, start);
    if (trace != NULL && (ferror(trace) | (fclose(trace) != 0))) {
        fprintf(stderr, "replbench run: cannot write the trace to %s\n", o->trace);
        rc = REPORT_EXIT_USAGE;
    }
    rc = problems != 0 ? REPORT_EXIT_USAGE : rc;
out:
    cli_files_free(&r.files);
    return rc;
}

int cli_run(int argc, char **argv)
{
    double start = cli_now();
    RunOpts o = { .format = REPORT_FORMAT_SUMMARY, .argc = argc, .argv = argv };
    int rc;

    if (parse(argc, argv, &o) != 0) {
        fputs("usage: replbench run [OPTIONS] PATH... (replbench run --help)\n", stderr);
        rc = REPORT_EXIT_USAGE;
    } else if (o.help) {
        cli_usage_run(stdout);
        rc = REPORT_EXIT_OK;
    } else {
        rc = run_files(&o, start);
    }
    cli_paths_free(&o.paths);
    return rc;
}
