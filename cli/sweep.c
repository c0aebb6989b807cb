/* sweep.c: `replbench sweep` (cli.h), SQLite's fault loop over
 * scenarios: a clean run of each file counts the hits of every fault point;
 * then, for each point and each hit h up to --max-hits, one run failing hit
 * h once (transient) and one failing it and every later hit (persistent).
 * A run passes when every checker held and teardown was clean; under an
 * injected fault the scenario's own expectations need not hold.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define MAX_HITS_DEFAULT 100
#define MAX_HITS_LIMIT 100000

enum { O_MAX_HITS };

static const CliOptSpec specs[] = {
    { "--max-hits", true, O_MAX_HITS },
    { NULL, false, 0 },
};

static int option(void *ctx, int id, const char *v);

static const CliCommand command = {
    .name = "sweep",
    .synopsis = "[OPTIONS] PATH...",
    .takes = CLI_TAKES_SEED | CLI_TAKES_JOBS | CLI_TAKES_SHARD,
    .specs = specs,
    .option = option,
};

static void usage(FILE *f)
{
    fputs("usage: replbench sweep [OPTIONS] PATH...\n"
          "\n"
          "For each scenario: a clean run counts the hits of every fault point; then,\n"
          "for each point and each hit H (up to --max-hits), one run fails hit H once\n"
          "(transient) and one fails it and every later hit (persistent).  A run\n"
          "passes when every checker holds and teardown is clean; expectations may\n"
          "fail under an injected fault.  Each failure gets a reproduce command.\n"
          "\n"
          "options:\n"
          "  --max-hits N          hits swept per point (1..100000, default 100)\n", f);
    cli_usage_common(f, command.takes);
}

typedef struct Point {
    char name[REPORT_POINT_MAX];
    uint64_t hits;
} Point;

/* What the clean run of one file left for the sweep. */
typedef struct Scenario {
    bool loaded;
    uint64_t seed;
    Point *points;              /* those with hits > 0 */
    unsigned npoints;
    ReportOutcome *clean;          /* a copy, when the clean run did not pass */
    uint64_t runs, failed;
} Scenario;

typedef struct Sweep {
    CliCommon c;
    uint64_t max_hits;
    CliFiles files;
    Scenario *sc;
    CliProgress progress;
    size_t next_file;           /* clean runs */
    size_t gen_file;            /* injected runs: the next one */
    unsigned gen_point;
    uint64_t gen_hit;
    bool gen_persistent;
    size_t cursor;              /* output: the scenario being printed */
    bool opened;
    uint64_t runs, failed, points, errors, done;
    uint64_t na;                /* injected runs N/A (an extension lacking) */
} Sweep;

static int option(void *ctx, int id, const char *v)
{
    Sweep *S = ctx;

    (void)id;                   /* --max-hits, the only one */
    if (cli_parse_u64(v, 1, MAX_HITS_LIMIT, &S->max_hits) != 0) {
        return cli_bad_value("sweep", "--max-hits", v, "expected a number 1..100000");
    }
    return 0;
}

/* ---- clean runs --------------------------------------------------------------- */

static bool next_clean(void *ctx, ReportJob *job)
{
    Sweep *S = ctx;

    if (S->next_file >= S->files.n) {
        return false;
    }
    job->file = (uint32_t)S->next_file++;
    job->seed_set = S->c.seed_set;
    job->seed = S->c.seed;
    return true;
}

static void keep_points(Scenario *sc, const ScnResult *r)
{
    unsigned n = 0;

    for (unsigned i = 0; i < r->npoints && i < SCN_MAX_POINTS; i++) {
        n += r->points[i].hits > 0;
    }
    sc->points = n ? calloc(n, sizeof(*sc->points)) : NULL;
    for (unsigned i = 0; sc->points != NULL && i < r->npoints && i < SCN_MAX_POINTS; i++) {
        if (r->points[i].hits > 0) {
            Point *p = &sc->points[sc->npoints++];

            snprintf(p->name, sizeof(p->name), "%s", r->points[i].name);
            p->hits = r->points[i].hits;
        }
    }
}

static void clean_done(void *ctx, const ReportJob *job, const ReportOutcome *out)
{
    Sweep *S = ctx;
    Scenario *sc = &S->sc[job->file];

    S->done++;
    cli_progress_show(&S->progress, S->done, S->files.paths[job->file]);
    if (!out->loaded) {
        cli_progress_clear(&S->progress);
        fprintf(stderr, "%s\n", out->error);
        S->errors++;
        return;
    }
    sc->loaded = true;
    sc->seed = out->res.seed;
    sc->runs++;
    S->runs++;
    if (out->res.status == SCN_FAIL) {
        sc->failed++;
        S->failed++;
    }
    if (out->res.status != SCN_PASS && (sc->clean = malloc(sizeof(*out))) != NULL) {
        memcpy(sc->clean, out, sizeof(*out));
    }
    keep_points(sc, &out->res);
}

/* ---- injected runs ------------------------------------------------------------ */

/* The run after the last one handed out: per point, hits 1, 1, 2, 2, ...
 * transient then persistent; then the next point, the next file. */
static bool next_injected(void *ctx, ReportJob *job)
{
    Sweep *S = ctx;
    const Scenario *sc;

    for (;;) {
        uint64_t hit = S->gen_hit + (S->gen_hit == 0 || S->gen_persistent);
        const Point *p;

        if (S->gen_file >= S->files.n) {
            return false;
        }
        sc = &S->sc[S->gen_file];
        if (S->gen_point >= sc->npoints) {
            S->gen_file++;
            S->gen_point = 0;
            S->gen_hit = 0;
            continue;
        }
        p = &sc->points[S->gen_point];
        if (hit > p->hits || hit > S->max_hits) {
            S->gen_point++;
            S->gen_hit = 0;
            continue;
        }
        S->gen_persistent = hit == S->gen_hit;
        S->gen_hit = hit;
        break;
    }
    job->file = (uint32_t)S->gen_file;
    job->seed_set = true;
    job->seed = sc->seed;
    snprintf(job->point, sizeof(job->point), "%s", sc->points[S->gen_point].name);
    job->hit = S->gen_hit;
    job->persistent = S->gen_persistent;
    return true;
}

static void scenario_open(Sweep *S, size_t i)
{
    const ReportOutcome *c = S->sc[i].clean;
    const char *path = S->files.paths[i];

    if (c == NULL) {
        return;
    }
    cli_progress_clear(&S->progress);
    if (c->res.status == SCN_SKIP) {
        printf("%s %s: ", c->res.missing_ext ? "N/A" : "SKIP", path);
        report_put_line_safe(stdout, c->res.message);
        putchar('\n');
        return;
    }
    printf("FAIL %s", path);
    if (c->res.line != 0) {
        printf(":%u", c->res.line);
    }
    printf(": clean run: ");
    report_put_line_safe(stdout, c->res.message);
    putchar('\n');
    report_failure_details(stdout, "  ", path, NULL, &c->res);
}

static void scenario_close(Sweep *S, size_t i)
{
    const Scenario *sc = &S->sc[i];

    if (sc->loaded) {
        cli_progress_clear(&S->progress);
        printf("swept %s: ", S->files.paths[i]);
        report_count(stdout, sc->npoints, "point", "points");
        fputs(", ", stdout);
        report_count(stdout, sc->runs, "run", "runs");
        printf(", %" PRIu64 " failed\n", sc->failed);
    }
}

/* Print what is left of the scenarios before `file`, and open it. */
static void advance_to(Sweep *S, size_t file)
{
    while (S->cursor <= file && S->cursor < S->files.n) {
        if (!S->opened) {
            scenario_open(S, S->cursor);
            S->opened = true;
        }
        if (S->cursor == file) {
            break;
        }
        scenario_close(S, S->cursor);
        S->cursor++;
        S->opened = false;
    }
}

static void injected_done(void *ctx, const ReportJob *job, const ReportOutcome *out)
{
    Sweep *S = ctx;
    Scenario *sc = &S->sc[job->file];
    const char *path = S->files.paths[job->file];

    advance_to(S, job->file);
    sc->runs++;
    S->runs++;
    S->done++;
    S->na += out->loaded && out->res.missing_ext != 0;
    if (!out->loaded || !out->res.checkers_ok) {
        sc->failed++;
        S->failed++;
        cli_progress_clear(&S->progress);
        printf("FAIL %s point=%s hit=%" PRIu64 " %s: ", path, job->point, job->hit,
               job->persistent ? "persistent" : "transient");
        report_put_line_safe(stdout, out->loaded ? out->res.checker : out->error);
        fputs("\n  reproduce: ", stdout);
        report_reproduce(stdout, sc->seed, job, path);
        putchar('\n');
    }
    fflush(stdout);
    cli_progress_show(&S->progress, S->done, path);
}

/* ---- the command -------------------------------------------------------------- */

static uint64_t planned_runs(const Sweep *S)
{
    uint64_t n = 0;

    for (size_t i = 0; i < S->files.n; i++) {
        for (unsigned j = 0; j < S->sc[i].npoints; j++) {
            uint64_t h = S->sc[i].points[j].hits;

            n += 2 * (h < S->max_hits ? h : S->max_hits);
        }
    }
    return n;
}

static int sweep_files(Sweep *S, double start)
{
    CliPool pool = { .files = &S->files, .jobs = S->c.jobs, .next = next_clean,
                     .done = clean_done, .ctx = S };
    double secs;
    int rc;

    cli_progress_init(&S->progress, S->files.n);
    rc = cli_pool_run(&pool);
    for (size_t i = 0; i < S->files.n; i++) {
        S->points += S->sc[i].npoints;
    }
    S->done = 0;
    cli_progress_clear(&S->progress);
    cli_progress_init(&S->progress, (size_t)planned_runs(S));
    pool.next = next_injected;
    pool.done = injected_done;
    rc = rc != 0 ? rc : cli_pool_run(&pool);
    cli_progress_clear(&S->progress);
    advance_to(S, S->files.n);
    secs = cli_now() - start;
    fputs("sweep: ", stdout);
    report_count(stdout, S->runs, "run", "runs");
    printf(", %" PRIu64 " failed, ", S->failed);
    if (S->errors != 0) {
        report_count(stdout, S->errors, "error, ", "errors, ");
    }
    if (S->na != 0) {
        printf("%" PRIu64 " N/A, ", S->na);
    }
    report_count(stdout, S->points, "point", "points");
    printf(", in %.3f s ", secs);
    report_rate(stdout, S->runs, secs, "runs");
    putchar('\n');
    return rc != 0 || S->errors != 0 ? REPORT_EXIT_USAGE : S->failed != 0 ? REPORT_EXIT_FAIL : REPORT_EXIT_OK;
}

static int sweep(Sweep *S, double start)
{
    bool none;
    size_t problems = cli_command_files(&command, &S->c, &S->files, &none);
    int rc = REPORT_EXIT_USAGE;

    if (none) {
        /* printed */
    } else if ((S->sc = calloc(S->files.n ? S->files.n : 1, sizeof(*S->sc))) == NULL) {
        fputs("replbench sweep: out of memory\n", stderr);
    } else {
        S->errors = problems;
        rc = sweep_files(S, start);
        rc = problems != 0 ? REPORT_EXIT_USAGE : rc;
    }
    for (size_t i = 0; S->sc != NULL && i < S->files.n; i++) {
        free(S->sc[i].points);
        free(S->sc[i].clean);
    }
    free(S->sc);
    cli_files_free(&S->files);
    return rc;
}

int cli_sweep(int argc, char **argv)
{
    double start = cli_now();
    Sweep *S = calloc(1, sizeof(*S));
    int rc;

    if (S == NULL) {
        fputs("replbench sweep: out of memory\n", stderr);
        return REPORT_EXIT_USAGE;
    }
    S->max_hits = MAX_HITS_DEFAULT;
    if (cli_command_parse(&command, argc, argv, S, &S->c) != 0) {
        rc = REPORT_EXIT_USAGE;
    } else if (S->c.help) {
        usage(stdout);
        rc = REPORT_EXIT_OK;
    } else {
        rc = sweep(S, start);
    }
    cli_common_free(&S->c);
    free(S);
    return rc;
}
