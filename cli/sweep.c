/* sweep.c: `replbench sweep` (cli.h), SQLite's fault loop over
 * scenarios: a clean run of each file counts the hits of every fault point;
 * then, for each point and each hit h up to --max-hits, one run failing hit
 * h once (transient) and one failing it and every later hit (persistent);
 * with --depth 2, then one run for each pair of those faults on two
 * different points, both injected.
 * A run passes when every checker held and teardown was clean; under an
 * injected fault the scenario's own expectations need not hold
 * (report_verdict, REPORT_KIND_SWEEP, decides it).  --results writes a
 * record of every run, clean and injected, for `replbench merge` (the runs
 * that pass under a fault in summaries: resultsfile.c).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define MAX_HITS_DEFAULT 100
#define MAX_HITS_LIMIT 100000
#define SWEEP_MAX_UNITS 10000000   /* files x seeds */

enum { O_MAX_HITS, O_DEPTH };

static const CliOptSpec specs[] = {
    { "--max-hits", true, O_MAX_HITS },
    { "--depth", true, O_DEPTH },
    { NULL, false, 0 },
};

static int option(void *ctx, int id, const char *v);

static const CliCommand command = {
    .name = "sweep",
    .synopsis = "[OPTIONS] PATH...",
    .takes = CLI_TAKES_SEED | CLI_TAKES_JOBS | CLI_TAKES_SHARD | CLI_TAKES_SELECT |
             CLI_TAKES_SEEDS | CLI_TAKES_RESULTS | CLI_TAKES_CHILD | CLI_TAKES_LIVENESS |
             CLI_TAKES_REPORT,
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
          "With --depth 2, then every pair of those faults on two different points\n"
          "(a pair is one run: both armed, each at its own hit, so the order\n"
          "between them is the run's), the reproduce command with --inject twice.\n"
          "\n"
          "With --results FILE.jsonl, every run (the clean ones and each injection:\n"
          "point, hit, persistent), of kind \"sweep\" and judged as above: a record of\n"
          "its own for a clean, failing, skipped, N/A or error run, and one summary line\n"
          "per scenario and first injected point for the runs that passed under a fault\n"
          "(docs/RESULTS.md); `replbench merge` reports the shards' files as one sweep\n"
          "(JUnit: a case per record, \"path [clean]\", \"path [POINT#HIT]\", \"path\n"
          "[POINT#HIT persistent]\", and one per scenario and point for its passing runs).\n"
          "\n"
          "options:\n"
          "  --max-hits N          hits swept per point (1..100000, default 100)\n"
          "  --depth D             1: single faults (default); 2: and every pair\n", f);
    cli_usage_common(f, command.takes);
}

typedef struct Point {
    char name[REPORT_POINT_MAX];
    uint64_t hits;
} Point;

/* What the clean run of one file under one seed (a unit) left for the
 * sweep.  Unit u is file u / nseeds under seed u % nseeds. */
typedef struct Scenario {
    bool loaded;
    uint64_t seed;
    Point *points;              /* those with hits > 0 */
    unsigned npoints;
    ReportOutcome *clean;          /* a copy, when the clean run did not pass */
    uint64_t runs, failed;
    bool ran;                   /* the clean run was done */
} Scenario;

typedef struct Sweep {
    CliCommon c;
    uint64_t max_hits;
    unsigned depth;             /* faults per run at most: 1 or 2 */
    CliFiles files;
    Scenario *sc;               /* per unit */
    size_t nunits;
    uint64_t nseeds;
    ReportRecap *recap;
    ReportStyle style;
    bool any_failed;
    CliProgress progress;
    size_t next_file;           /* clean runs: the next unit */
    size_t gen_file;            /* injected runs: the unit */
    bool gen_pairs;             /* its pairs (else its single faults) */
    uint64_t gen_a, gen_b;      /* the next fault (pairs: a < b) */
    size_t cursor;              /* output: the scenario being printed */
    bool opened;
    uint64_t runs, failed, points, errors, done;
    uint64_t na;                /* injected runs N/A (an extension lacking) */
    uint64_t skipped;           /* injected runs skipped */
    CliResults *results;        /* --results, or NULL */
    size_t cleaned;             /* clean runs done */
    double start;
} Sweep;

static int option(void *ctx, int id, const char *v)
{
    Sweep *S = ctx;
    uint64_t d;
    if (id == O_DEPTH) {
        if (cli_parse_u64(v, 1, 2, &d) != 0) {
            return cli_bad_value("sweep", "--depth", v, "expected 1 or 2");
        }
        S->depth = (unsigned)d;
        return 0;
    }
    if (cli_parse_u64(v, 1, MAX_HITS_LIMIT, &S->max_hits) != 0) {
        return cli_bad_value("sweep", "--max-hits", v, "expected a number 1..100000");
    }
    return 0;
}

/* ---- clean runs --------------------------------------------------------------- */

/* The unit of a job: its file, and its seed's place in --seeds. */
static size_t unit_of(const Sweep *S, const ReportJob *job)
{
    return (size_t)job->file * S->nseeds + (S->c.seeds_set ? job->seed - S->c.seed_lo : 0);
}

static bool next_clean(void *ctx, ReportJob *job)
{
    Sweep *S = ctx;
    size_t u = S->next_file;

    if (u >= S->nunits || !cli_command_go_on(&S->c, S->any_failed)) {
        return false;
    }
    S->next_file++;
    job->file = (uint32_t)(u / S->nseeds);
    cli_command_seed(&S->c, u % S->nseeds, job);
    cli_command_job_options(&S->c, job);
    return true;
}

/* path, and " [seed N]" with --seeds. */
static void put_name(const Sweep *S, const char *path, uint64_t seed)
{
    fputs(path, stdout);
    if (S->style.show_seed) {
        printf(" [seed %" PRIu64 "]", seed);
    }
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

static size_t put_injections(char *buf, size_t len, const ReportJob *job);

/* A run without a verdict (report_verdict ERROR): a scenario that did not
 * load (its error), or one the host failed (SCN_ERROR: "host out of
 * memory: ..."; the sweep goes on, the exit status is 2). */
static void no_verdict(Sweep *S, const char *path, const ReportJob *job,
                       const ReportOutcome *out)
{
    char faults[2 * (REPORT_POINT_MAX + 64)];

    if (!out->loaded) {
        fprintf(stderr, "%s\n", out->error);
        return;
    }
    put_injections(faults, sizeof(faults), job);
    report_word(stdout, S->style.color, REPORT_PAINT_FAIL, "ERROR");
    putchar(' ');
    put_name(S, path, out->res.seed);
    printf("%s: ", faults);
    report_put_line_safe(stdout, out->res.message);
    putchar('\n');
    fprintf(stderr, "replbench sweep: %s%s: %s\n", path, faults, out->res.message);
}

/* A sweep run ended (clean or injected): its record now. */
static void run_finished(void *ctx, const ReportJob *job, const ReportOutcome *out)
{
    Sweep *S = ctx;

    cli_results_add(S->results, REPORT_KIND_SWEEP, S->files.paths[job->file], job, out);
}

static void clean_done(void *ctx, const ReportJob *job, const ReportOutcome *out)
{
    Sweep *S = ctx;
    Scenario *sc = &S->sc[unit_of(S, job)];
    ReportVerdict v = report_verdict(REPORT_KIND_SWEEP, job, out);

    S->done++;
    S->cleaned++;
    cli_progress_show(&S->progress, S->done, S->files.paths[job->file]);
    if (v == REPORT_VERDICT_ERROR) {
        cli_progress_clear(&S->progress);
        no_verdict(S, S->files.paths[job->file], job, out);
        S->errors++;
        sc->ran = true;
        sc->failed = 1;         /* for --last-failed; not loaded: never printed */
        S->any_failed = true;
        return;
    }
    sc->loaded = true;
    sc->ran = true;
    sc->seed = out->res.seed;
    sc->runs++;
    S->runs++;
    if (v == REPORT_VERDICT_FAIL) {
        sc->failed++;
        S->failed++;
        S->any_failed = true;
    }
    if (out->res.status != SCN_PASS && (sc->clean = malloc(sizeof(*out))) != NULL) {
        memcpy(sc->clean, out, sizeof(*out));
    }
    keep_points(sc, &out->res);
}

/* ---- injected runs ------------------------------------------------------------ */

static uint64_t swept_hits(const Sweep *S, const Point *p)
{
    return p->hits < S->max_hits ? p->hits : S->max_hits;
}

/* The single faults of a unit, numbered: per point, hits 1, 1, 2, 2, ...
 * transient then persistent; then the next point.  Fault k into *f (and
 * its point's index); false past the last. */
static bool fault_at(const Sweep *S, const Scenario *sc, uint64_t k, ReportInject *f,
                     unsigned *point)
{
    for (unsigned j = 0; j < sc->npoints; j++) {
        uint64_t n = 2 * swept_hits(S, &sc->points[j]);

        if (k < n) {
            snprintf(f->point, sizeof(f->point), "%s", sc->points[j].name);
            f->hit = k / 2 + 1;
            f->persistent = k % 2 == 1;
            *point = j;
            return true;
        }
        k -= n;
    }
    return false;
}

/* The next pair (gen_a < gen_b) on two different points into job; false
 * when the unit has no more. */
static bool next_pair(Sweep *S, const Scenario *sc, ReportJob *job)
{
    unsigned pa, pb;

    while (fault_at(S, sc, S->gen_a, &job->inject[0], &pa)) {
        if (!fault_at(S, sc, S->gen_b, &job->inject[1], &pb)) {
            S->gen_a++;
            S->gen_b = S->gen_a + 1;
            continue;
        }
        S->gen_b++;
        if (pa != pb) {
            job->ninject = 2;
            return true;
        }
    }
    return false;
}

/* The run after the last one handed out: a unit's single faults, then
 * (--depth 2) its pairs; then the next unit. */
static bool next_injected(void *ctx, ReportJob *job)
{
    Sweep *S = ctx;
    const Scenario *sc;
    unsigned point;

    if (!cli_command_go_on(&S->c, S->any_failed)) {
        return false;
    }
    for (;;) {
        if (S->gen_file >= S->nunits) {
            return false;
        }
        sc = &S->sc[S->gen_file];
        if (!S->gen_pairs && fault_at(S, sc, S->gen_a, &job->inject[0], &point)) {
            S->gen_a++;
            job->ninject = 1;
            break;
        }
        if (!S->gen_pairs && S->depth >= 2) {
            S->gen_pairs = true;
            S->gen_a = 0;
            S->gen_b = 1;
            continue;
        }
        if (S->gen_pairs && next_pair(S, sc, job)) {
            break;
        }
        S->gen_file++;
        S->gen_pairs = false;
        S->gen_a = 0;
    }
    job->file = (uint32_t)(S->gen_file / S->nseeds);
    job->seed_set = true;
    job->seed = sc->seed;
    cli_command_job_options(&S->c, job);
    return true;
}

static void scenario_open(Sweep *S, size_t i)
{
    const ReportOutcome *c = S->sc[i].clean;
    const char *path = S->files.paths[i / S->nseeds];
    char what[REPORT_PATH_MAX + SCN_MSG_MAX + 64];

    if (c == NULL) {
        return;
    }
    cli_progress_clear(&S->progress);
    if (c->res.status == SCN_SKIP) {
        if (S->style.verbosity >= 0) {
            report_word(stdout, S->style.color, REPORT_PAINT_SKIP,
                        c->res.missing_ext ? "N/A" : "SKIP");
            putchar(' ');
            put_name(S, path, c->res.seed);
            printf(": ");
            report_put_line_safe(stdout, c->res.message);
            putchar('\n');
        }
        return;
    }
    report_word(stdout, S->style.color, REPORT_PAINT_FAIL, "FAIL");
    printf(" %s", path);
    if (c->res.line != 0) {
        printf(":%u", c->res.line);
    }
    if (S->style.show_seed) {
        printf(" [seed %" PRIu64 "]", c->res.seed);
    }
    printf(": clean run: ");
    report_put_line_safe(stdout, c->res.message);
    putchar('\n');
    report_failure_details(stdout, "  ", path, NULL, c);
    snprintf(what, sizeof(what), "%s:%u [seed %" PRIu64 "]: clean run: %s", path, c->res.line,
             c->res.seed, c->res.message);
    report_recap_add(S->recap, what, c->res.seed, NULL, path);
}

static void scenario_close(Sweep *S, size_t i)
{
    const Scenario *sc = &S->sc[i];

    if (sc->loaded && S->style.verbosity >= 0) {
        cli_progress_clear(&S->progress);
        printf("swept ");
        put_name(S, S->files.paths[i / S->nseeds], sc->seed);
        fputs(": ", stdout);
        report_count(stdout, sc->npoints, "point", "points");
        fputs(", ", stdout);
        report_count(stdout, sc->runs, "run", "runs");
        printf(", %" PRIu64 " failed\n", sc->failed);
        for (unsigned j = 0; S->style.verbosity > 0 && j < sc->npoints; j++) {
            printf("  point %s: %" PRIu64 " hits\n", sc->points[j].name, sc->points[j].hits);
        }
    }
}

/* Print what is left of the scenarios before `file`, and open it. */
static void advance_to(Sweep *S, size_t file)
{
    while (S->cursor <= file && S->cursor < S->nunits) {
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

/* " point=P hit=H transient" for each injection, joined by " +". */
static size_t put_injections(char *buf, size_t len, const ReportJob *job)
{
    size_t n = 0;

    buf[0] = '\0';
    for (unsigned i = 0; i < job->ninject && i < SCN_MAX_INJECTS && n < len; i++) {
        int w = snprintf(buf + n, len - n, "%s point=%s hit=%" PRIu64 " %s", i ? " +" : "",
                         job->inject[i].point, job->inject[i].hit,
                         job->inject[i].persistent ? "persistent" : "transient");

        n += w > 0 ? (size_t)w : 0;
    }
    return n;
}

static void injected_failed(Sweep *S, const ReportJob *job, const ReportOutcome *out,
                            const char *path, uint64_t seed)
{
    const char *why = out->loaded ? out->res.checker : out->error;
    char faults[2 * (REPORT_POINT_MAX + 64)];
    char what[REPORT_PATH_MAX + sizeof(faults) + REPORT_ERROR_MAX + 64];

    put_injections(faults, sizeof(faults), job);
    cli_progress_clear(&S->progress);
    report_word(stdout, S->style.color, REPORT_PAINT_FAIL, "FAIL");
    putchar(' ');
    put_name(S, path, seed);
    printf("%s: ", faults);
    report_put_line_safe(stdout, why);
    fputs("\n  reproduce: ", stdout);
    report_reproduce(stdout, seed, job, path);
    putchar('\n');
    if (out->died) {
        report_crash_print(stdout, "  ", &out->crash);
    }
    snprintf(what, sizeof(what), "%s [seed %" PRIu64 "]%s: %s", path, seed, faults, why);
    report_recap_add(S->recap, what, seed, job, path);
}

static void injected_done(void *ctx, const ReportJob *job, const ReportOutcome *out)
{
    Sweep *S = ctx;
    size_t u = unit_of(S, job);
    Scenario *sc = &S->sc[u];
    const char *path = S->files.paths[job->file];
    ReportVerdict v = report_verdict(REPORT_KIND_SWEEP, job, out);

    advance_to(S, u);
    sc->runs++;
    S->runs++;
    S->done++;
    S->na += v == REPORT_VERDICT_NA;
    S->skipped += v == REPORT_VERDICT_SKIP;
    if (v == REPORT_VERDICT_ERROR) {
        cli_progress_clear(&S->progress);
        no_verdict(S, path, job, out);
        S->errors++;
    }
    if (v == REPORT_VERDICT_FAIL) {
        sc->failed++;
        S->failed++;
        S->any_failed = true;
        injected_failed(S, job, out, path, sc->seed);
    }
    fflush(stdout);
    cli_progress_show(&S->progress, S->done, path);
}

/* ---- the command -------------------------------------------------------------- */

static uint64_t planned_runs(const Sweep *S)
{
    uint64_t n = 0;

    for (size_t i = 0; i < S->nunits; i++) {
        uint64_t all = 0, same = 0;

        for (unsigned j = 0; j < S->sc[i].npoints; j++) {
            uint64_t h = 2 * swept_hits(S, &S->sc[i].points[j]);

            all += h;
            same += h * (h - 1) / 2;
        }
        n += all + (S->depth >= 2 ? all * (all - 1) / 2 - same : 0);
    }
    return n;
}

/* A file failed when any of its runs did, under any seed. */
static void save_last_failed(const Sweep *S)
{
    bool *ran = calloc(S->files.n + 1, sizeof(*ran));
    bool *failed = calloc(S->files.n + 1, sizeof(*failed));

    for (size_t u = 0; ran != NULL && failed != NULL && u < S->nunits; u++) {
        ran[u / S->nseeds] |= S->sc[u].ran;
        failed[u / S->nseeds] |= S->sc[u].failed != 0;
    }
    if (ran != NULL && failed != NULL) {
        cli_last_failed_save(command.name, &S->files, ran, failed);
    }
    free(ran);
    free(failed);
}

static int sweep_files(Sweep *S, double start)
{
    char crash_dir[REPORT_PATH_MAX + 1];
    CliPool pool = { .files = &S->files, .jobs = S->c.jobs, .timeout = S->c.timeout,
                     .crash_dir = crash_dir, .next = next_clean,
                     .finished = run_finished, .done = clean_done, .ctx = S };
    double secs;
    int rc;

    cli_command_crash_dir(&S->c, crash_dir, sizeof(crash_dir));
    cli_progress_init(&S->progress, S->nunits);
    rc = cli_pool_run(&pool);
    for (size_t i = 0; i < S->nunits; i++) {
        S->points += S->sc[i].npoints;
    }
    /* The injected runs are known now: counted after the clean ones. */
    cli_progress_clear(&S->progress);
    cli_progress_total(&S->progress, S->nunits + (size_t)planned_runs(S));
    pool.next = next_injected;
    pool.done = injected_done;
    rc = rc != 0 || cli_signal_caught() != 0 ? rc : cli_pool_run(&pool);
    cli_progress_clear(&S->progress);
    advance_to(S, S->nunits);
    cli_command_stopped(&S->c, stdout, S->runs, S->nunits + planned_runs(S));
    save_last_failed(S);
    report_recap_end(S->recap, stdout, S->style.color);
    S->recap = NULL;
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
    if (S->skipped != 0) {
        printf("%" PRIu64 " skipped, ", S->skipped);
    }
    report_count(stdout, S->points, "point", "points");
    printf(", in %.3f s ", secs);
    report_rate(stdout, S->runs, secs, "runs");
    putchar('\n');
    return rc != 0 || S->errors != 0 ? REPORT_EXIT_USAGE : S->failed != 0 ? REPORT_EXIT_FAIL : REPORT_EXIT_OK;
}

/* --results (not an input) with its header and a record per path
 * problem: 0, or -1 (printed). */
static int open_results(Sweep *S)
{
    const char *out[] = { S->c.results };
    const char *names[] = { "--results" };
    ReportResultsHeader h;

    if (S->c.results == NULL) {
        return 0;
    }
    if (cli_outputs_apart(command.name, out, names, 1, &S->files) != 0) {
        return -1;
    }
    cli_results_header(&h, command.name, &S->c, &S->files);
    h.more = true;
    h.max_hits = S->max_hits;
    h.depth = S->depth;
    if ((S->results = cli_results_open(command.name, S->c.results, &h)) == NULL) {
        return -1;
    }
    cli_results_problems(S->results, REPORT_KIND_SWEEP, &S->c, &S->files);
    return 0;
}

static int sweep(Sweep *S, double start)
{
    bool none;
    size_t problems = cli_command_files(&command, &S->c, &S->files, &none);
    int rc = REPORT_EXIT_USAGE;

    S->nseeds = cli_command_nseeds(&S->c);
    S->nunits = S->files.n * S->nseeds;
    S->style = cli_command_style(&S->c);
    if (none) {
        /* printed */
    } else if (S->nunits > SWEEP_MAX_UNITS) {
        fprintf(stderr, "replbench sweep: %zu files x %" PRIu64 " seeds: more than %d "
                "clean runs\n", S->files.n, S->nseeds, SWEEP_MAX_UNITS);
    } else if (cli_command_list(&S->c, &S->files)) {
        rc = problems != 0 ? REPORT_EXIT_USAGE : REPORT_EXIT_OK;
    } else if ((S->sc = calloc(S->nunits ? S->nunits : 1, sizeof(*S->sc))) == NULL ||
               (S->recap = report_recap_new()) == NULL) {
        fputs("replbench sweep: out of memory\n", stderr);
    } else if (open_results(S) == 0) {
        S->errors = problems;
        rc = sweep_files(S, start);
        rc = problems != 0 ? REPORT_EXIT_USAGE : rc;
        /* The injected runs are known once every clean run is done. */
        if (cli_results_close(S->results, S->c.stop, S->nunits + S->files.nproblems +
                              planned_runs(S), S->cleaned < S->nunits) != 0) {
            rc = REPORT_EXIT_USAGE;
        }
    }
    for (size_t i = 0; S->sc != NULL && i < S->nunits; i++) {
        free(S->sc[i].points);
        free(S->sc[i].clean);
    }
    free(S->sc);
    report_recap_end(S->recap, NULL, false);
    cli_files_free(&S->files);
    return rc;
}

static int run_sweep(void *ctx)
{
    Sweep *S = ctx;

    return sweep(S, S->start);
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
    S->depth = 1;
    if (cli_command_parse(&command, argc, argv, S, &S->c) != 0) {
        rc = REPORT_EXIT_USAGE;
    } else if (S->c.help) {
        usage(stdout);
        rc = REPORT_EXIT_OK;
    } else {
        S->start = start;
        rc = cli_report_via_merge("sweep", &S->c, S->c.format, S->c.report, run_sweep, S);
    }
    cli_common_free(&S->c);
    free(S);
    return rc;
}
