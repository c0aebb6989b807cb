/* explore.c: `replbench explore` (cli.h): every registry script of a
 * bounded scope (scenarios/explore.h) run under the contract checker, in
 * smallest-first order, in worker processes (child.c) that each reuse one
 * world; the first counterexample printed (and written with --out).  A
 * worker is started once, not per script, so that an implementation that
 * crashes (a sanitizer report, a signal) or never ends still leaves the
 * script it was running: each worker publishes the index it runs in shared
 * memory.  With -j N, worker w runs the scripts w, w + N, w + 2N, ... of
 * the shard; a worker that fails at script f lowers a shared bound to f,
 * and every worker stops past the bound, so that the counterexample is the
 * smallest failing script, the one -j 1 finds.  A crash is shown with the
 * sanitizer's stacks, its whole report kept; a script past --timeout is a
 * counterexample too; ^C and --budget end it.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "explore.h"
#include "prng.h"

#define PROGRESS_PERIOD 0.2     /* seconds between progress lines on a terminal */
#define PLAIN_FIRST 1.0         /* seconds to the first plain progress line (a CI log) */
#define PLAIN_PERIOD 10.0       /* seconds between the next ones */
#define STDERR_CHECK 1024       /* scripts between looks at the worker's stderr size */
#define STDERR_MAX ((off_t)1 << 20)     /* past it, what the worker wrote is dropped */

enum { O_STATES, O_WALKS, O_DEPTH, O_OUT };

static const CliOptSpec specs[] = {
    { "--states", true, O_STATES },
    { "--walks", true, O_WALKS },
    { "--depth", true, O_DEPTH },
    { "--out", true, O_OUT },
    { NULL, false, 0 },
};

typedef struct Explore {
    CliCommon c;
    ScnExploreScope scope;
    const char *out;
} Explore;

/* What every worker sees, in shared memory: the smallest failing script
 * known (UINT64_MAX: none), and 1 in stop once --budget is spent. */
typedef struct Control {
    uint64_t bound;
    volatile int stop;
} Control;

/* What a worker tells the parent, in shared memory. */
typedef struct Shared {
    volatile uint64_t current;          /* the script being run */
    volatile uint64_t explored;
    volatile int finished;              /* 1: all run, or a violation found */
    volatile int violated;
    volatile int host_failed;           /* SCN_ERROR: the host, no verdict */
    char message[SCN_MSG_MAX];
} Shared;

static int option(void *ctx, int id, const char *v);

/* Options of the commands that take files. */
#define EXPLORE_NO_PATH "explore takes no PATH: its scripts are numbered in the scope " \
    "(--states, --walks, --depth), not files; --shard K/N splits them"

/* The options of records: a record per run, and merge's reports of them. */
#define EXPLORE_NO_RECORDS "explore's verdict is its first counterexample in a space of " \
    "up to millions of scripts (2549992 by default), run by workers that keep one world " \
    "and hand back no outcome per script: a record each would be gigabytes; the " \
    "counterexample is written with --out as a .scn, which run --results, --format and " \
    "--report take"

static const CliNotApplicable explore_na[] = {
    { "-k", true, EXPLORE_NO_PATH },
    { "--exclude", true, EXPLORE_NO_PATH },
    { "--list", false, EXPLORE_NO_PATH },
    { "--last-failed", false, EXPLORE_NO_PATH },
    { "--results", true, EXPLORE_NO_RECORDS },
    { "--format", true, EXPLORE_NO_RECORDS },
    { "--report", true, EXPLORE_NO_RECORDS },
    { NULL, false, NULL },
};

static const CliCommand command = {
    .name = "explore",
    .synopsis = "[OPTIONS]",
    .takes = CLI_TAKES_SHARD | CLI_TAKES_CHILD | CLI_TAKES_JOBS | CLI_TAKES_OUTPUT |
             CLI_TAKES_BUDGET | CLI_TAKES_COLOR,
    .paths_optional = true,
    .specs = specs,
    .option = option,
    .na = explore_na,
};

static void usage(FILE *f)
{
    fputs("usage: replbench explore [OPTIONS]\n"
          "\n"
          "Run every registry script of a bounded scope under the contract checker,\n"
          "smallest first: 1..S states in one registry or two, 1..W top-level walks\n"
          "of any kind in either, and for each state one action of ok, fail,\n"
          "fail_silent, remove (itself), remove+fail, register (a new state), a\n"
          "nested walk of each kind, or remove target= each other state.  Stops at\n"
          "the first failing script (a checker violation, a failed teardown, or a\n"
          "crash of the implementation) and prints it as a scenario.\n"
          "\n"
          "options:\n"
          "  --states S            states at most (1..6, default 4)\n"
          "  --walks W             top-level walks at most (1..3, default 2)\n"
          "  --depth D             nesting of walks inside callbacks (1..8, default 2)\n"
          "  --out FILE            write the counterexample to FILE as a .scn\n"
          "With -j N, N workers share the scripts; the counterexample and the counts\n"
          "are those of -j 1.  explore always stops at its first counterexample (-x\n"
          "is what it does anyway); -q prints no progress line, -v also a line per\n"
          "worker.  With --budget, what was explored when it was spent is reported.\n"
          "--color paints the word counterexample.\n",
          f);
    cli_usage_command(f, &command);
}

static int option(void *ctx, int id, const char *v)
{
    Explore *E = ctx;
    uint64_t n;

    switch (id) {
    case O_STATES:
        if (cli_parse_u64(v, 1, SCN_EXPLORE_MAX_STATES, &n) != 0) {
            return cli_bad_value("explore", "--states", v, "expected a number 1..6");
        }
        E->scope.states = (unsigned)n;
        return 0;
    case O_WALKS:
        if (cli_parse_u64(v, 1, SCN_EXPLORE_MAX_WALKS, &n) != 0) {
            return cli_bad_value("explore", "--walks", v, "expected a number 1..3");
        }
        E->scope.walks = (unsigned)n;
        return 0;
    case O_DEPTH:
        if (cli_parse_u64(v, 1, SCN_EXPLORE_MAX_DEPTH, &n) != 0) {
            return cli_bad_value("explore", "--depth", v, "expected a number 1..8");
        }
        E->scope.depth = (unsigned)n;
        return 0;
    default:
        E->out = v;
        return 0;
    }
}

/* What a worker is handed (a copy on its side of the fork). */
typedef struct Start {
    ScnExplore *x;
    const Explore *E;
    Control *ctl;
    Shared *sh;                 /* its own */
    unsigned w;                 /* its number, from 0 */
} Start;

/* What a worker wrote to stderr (an implementation's chatter) is
 * dropped now and then: only the report of a crash matters, and it comes
 * last. */
static void bound_stderr(void)
{
    if (lseek(STDERR_FILENO, 0, SEEK_END) > STDERR_MAX && ftruncate(STDERR_FILENO, 0) == 0) {
        lseek(STDERR_FILENO, 0, SEEK_SET);
    }
}

/* The smallest failing script known becomes i when i is smaller. */
static void lower_bound(Control *ctl, uint64_t i)
{
    uint64_t b = __atomic_load_n(&ctl->bound, __ATOMIC_SEQ_CST);

    while (i < b && !__atomic_compare_exchange_n(&ctl->bound, &b, i, false, __ATOMIC_SEQ_CST,
                                                 __ATOMIC_SEQ_CST)) {
    }
}

/* The first script of the shard and the step between its scripts. */
static uint64_t shard_first(const Explore *E)
{
    return E->c.shard_n ? E->c.shard_k - 1 : 0;
}

static uint64_t shard_step(const Explore *E)
{
    return E->c.shard_n ? E->c.shard_n : 1;
}

/* A worker: its scripts of the shard in order, until its first failure (or
 * the host failing a run), a script past the bound, or the budget. */
static void worker(void *ctx)
{
    static ScnResult res;
    const Start *st = ctx;
    ScnExplore *x = st->x;
    const Explore *E = st->E;
    Shared *sh = st->sh;
    uint64_t step = shard_step(E) * E->c.jobs;
    uint64_t total = scn_explore_count(x);

    for (uint64_t i = shard_first(E) + st->w * shard_step(E); i < total; i += step) {
        ScnStatus got;

        if (st->ctl->stop || i > __atomic_load_n(&st->ctl->bound, __ATOMIC_SEQ_CST)) {
            break;
        }
        if (sh->explored % STDERR_CHECK == 0) {
            bound_stderr();
        }
        sh->current = i;
        got = scn_explore_run(x, i, &res);
        if (got == SCN_FAIL || got == SCN_ERROR) {
            /* SCN_ERROR: the host failed the run, no verdict on it, nor
             * on the scripts after it. */
            snprintf(sh->message, sizeof(sh->message), "%s", res.message);
            sh->violated = got == SCN_FAIL;
            sh->host_failed = got == SCN_ERROR;
            sh->explored += got == SCN_FAIL;
            lower_bound(st->ctl, i);
            break;
        }
        sh->explored++;
    }
    sh->finished = 1;
}

/* The workers' state, in the parent. */
typedef struct Workers {
    Start *st;
    CliChild *child;
    int *status;
    int *how;                   /* ENDED, TIMED_OUT, INTERRUPTED, RUNNING */
    uint64_t *current;          /* the script each runs, as last seen */
    double *since;              /* since when */
    unsigned n;
} Workers;

/* How a worker's run ended. */
enum { ENDED, TIMED_OUT, INTERRUPTED, RUNNING };

static uint64_t explored_sum(const Workers *W)
{
    uint64_t n = 0;

    for (unsigned w = 0; w < W->n; w++) {
        n += W->st[w].sh->explored;
    }
    return n;
}

/* Progress on stderr: on a terminal a line redrawn every PROGRESS_PERIOD;
 * elsewhere (a CI log) a plain line after PLAIN_FIRST, then every
 * PLAIN_PERIOD: "explore: [done/planned] N scripts/s, ETA 1m05s". */
static void progress(const Workers *W, uint64_t planned, double start, bool tty)
{
    static double last;
    double now = cli_now();
    uint64_t explored = explored_sum(W);
    char eta[32];

    if (tty ? now - last < PROGRESS_PERIOD
            : now - start < PLAIN_FIRST || (last != 0 && now - last < PLAIN_PERIOD)) {
        return;
    }
    last = now;
    cli_eta(eta, sizeof(eta), explored, planned, now - start);
    fprintf(stderr, "%sexplore: [%" PRIu64 "/%" PRIu64 "] %.0f scripts/s, %s%s",
            tty ? "\r\033[K" : "", explored, planned,
            (double)explored / (now - start > 1e-9 ? now - start : 1e-9), eta,
            tty ? "" : "\n");
    fflush(stderr);
}

/* Wait a while for worker w: its end, a signal, its script past
 * --timeout (it is killed, and the bound lowered to that script).
 * Whether it still runs. */
static bool watch(Workers *W, unsigned w, double wait)
{
    const double timeout = W->st[w].E->c.timeout;
    const Shared *sh = W->st[w].sh;
    double until = cli_now() + wait;
    int r;

    until = timeout > 0 && W->since[w] + timeout < until ? W->since[w] + timeout : until;
    r = cli_child_wait(&W->child[w], until, &W->status[w]);
    if (r == CLI_CHILD_ENDED) {
        W->how[w] = ENDED;
        return false;
    }
    if (sh->current != W->current[w]) {
        W->current[w] = sh->current;
        W->since[w] = cli_now();
    }
    if (r == CLI_CHILD_INTERRUPTED || (timeout > 0 && cli_now() - W->since[w] >= timeout)) {
        W->how[w] = r == CLI_CHILD_INTERRUPTED ? INTERRUPTED : TIMED_OUT;
        cli_child_kill(&W->child[w]);
        if (W->how[w] == TIMED_OUT) {
            lower_bound(W->st[w].ctl, sh->current);
        }
        return false;
    }
    return true;
}

/* Start the workers and wait for them all; a signal kills them all.  0,
 * or -1 when one cannot start (printed). */
static int run_workers(Workers *W, Explore *E, uint64_t planned, double start)
{
    bool tty = isatty(STDERR_FILENO);
    unsigned running = 0;

    for (unsigned w = 0; w < W->n; w++) {
        W->how[w] = RUNNING;
        W->current[w] = W->st[w].sh->current;
        W->since[w] = cli_now();
        if (cli_child_errfile(&W->child[w]) != 0 ||
            cli_child_start(&W->child[w], worker, &W->st[w]) != 0) {
            perror("replbench explore: cannot start a worker");
            return -1;
        }
        running++;
    }
    while (running > 0) {
        bool interrupted = false;

        for (unsigned w = 0; w < W->n; w++) {
            if (W->how[w] == RUNNING && !watch(W, w, PROGRESS_PERIOD / running)) {
                running--;
                interrupted |= W->how[w] == INTERRUPTED;
                /* A worker that died at a script: no later one matters. */
                if (W->how[w] == ENDED && !W->st[w].sh->finished) {
                    lower_bound(W->st[w].ctl, W->st[w].sh->current);
                }
            }
        }
        for (unsigned w = 0; interrupted && w < W->n; w++) {
            if (W->how[w] == RUNNING) {
                cli_child_kill(&W->child[w]);
                W->how[w] = INTERRUPTED;
                running--;
            }
        }
        if (!cli_command_go_on(&E->c, false) && E->c.stop == CLI_STOP_BUDGET) {
            W->st[0].ctl->stop = 1;
        }
        if (E->c.verbosity >= 0) {
            progress(W, planned, start, tty);
        }
    }
    if (tty && E->c.verbosity >= 0) {
        fputs("\r\033[K", stderr);
    }
    return 0;
}

/* The worker's CPU seconds (the machine may be shared: the elapsed time
 * then says little). */
static double worker_cpu(void)
{
    struct rusage ru;

    if (getrusage(RUSAGE_CHILDREN, &ru) != 0) {
        return 0;
    }
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* The counterexample: printed, and written to --out; a crash (or NULL)
 * with its stacks. */
static int counterexample(ScnExplore *x, const Explore *E, uint64_t index, const char *why,
                          const ReportCrash *crash)
{
    char text[SCN_EXPLORE_TEXT_MAX];
    FILE *f;

    scn_explore_text(x, index, text, sizeof(text));
    report_word(stdout, E->c.color, REPORT_PAINT_FAIL, "counterexample");
    printf(": script %" PRIu64 ", %u lines: ", index, scn_explore_lines(x, index));
    report_put_line_safe(stdout, why);
    putchar('\n');
    if (crash != NULL) {
        report_crash_print(stdout, "  ", crash);
    }
    fputs(text, stdout);
    if (E->out == NULL) {
        return REPORT_EXIT_FAIL;
    }
    f = fopen(E->out, "w");
    if (f == NULL || fprintf(f, "# replbench explore: script %" PRIu64 " of --states %u "
                             "--walks %u --depth %u fails: ", index, E->scope.states,
                             E->scope.walks, E->scope.depth) < 0) {
        perror(E->out);
        if (f != NULL) {
            fclose(f);
        }
        return REPORT_EXIT_USAGE;
    }
    report_put_line_safe(f, why);
    fputc('\n', f);
    if (crash != NULL) {
        report_crash_print(f, "# ", crash);
    }
    fputs(text, f);
    if (fclose(f) != 0) {
        perror(E->out);
        return REPORT_EXIT_USAGE;
    }
    printf("written to %s\n", E->out);
    return REPORT_EXIT_FAIL;
}

/* What killed the worker running script index: its stacks, its whole
 * report kept in the crash folder. */
static void crashed(ScnExplore *x, const Explore *E, const CliChild *child, int status,
                    uint64_t index, ReportCrash *crash)
{
    char dir[REPORT_PATH_MAX + 1], name[64], header[256];
    char text[SCN_EXPLORE_TEXT_MAX];

    cli_child_crash(child, status, crash);
    scn_explore_text(x, index, text, sizeof(text));
    cli_command_crash_dir(&E->c, dir, sizeof(dir));
    snprintf(name, sizeof(name), "crash-%016" PRIx64 ".txt", sim_hash_str(SIM_HASH_INIT, text));
    snprintf(header, sizeof(header), "# replbench explore: script %" PRIu64 " of --states %u "
             "--walks %u --depth %u crashes: %s\n# what the worker wrote to stderr:\n", index,
             E->scope.states, E->scope.walks, E->scope.depth, crash->kind);
    cli_crash_save(child, dir, name, header, crash);
}

static void summary(const Explore *E, uint64_t n, uint64_t total, uint64_t planned,
                    double secs, bool violated)
{
    double cpu = worker_cpu();

    printf("explore: --states %u --walks %u --depth %u: %" PRIu64 " scripts in the space",
           E->scope.states, E->scope.walks, E->scope.depth, total);
    if (E->c.shard_n) {
        printf(", %" PRIu64 " in shard %u/%u", planned, E->c.shard_k, E->c.shard_n);
    }
    printf("\nexplored %" PRIu64 " scripts in %.3f s (%.0f per second; %.3f s of CPU, "
           "%.0f per CPU second), %d violations\n", n, secs,
           (double)n / (secs > 1e-9 ? secs : 1e-9), cpu, (double)n / (cpu > 1e-9 ? cpu : 1e-9),
           violated);
}

/* Whether worker w stopped at a failure of its own (a violation, a crash,
 * past --timeout, the host failing a run), and at which script. */
static bool failed_at(const Workers *W, unsigned w, uint64_t *at)
{
    const Shared *sh = W->st[w].sh;
    bool died = W->how[w] == ENDED && (!WIFEXITED(W->status[w]) ||
                                       WEXITSTATUS(W->status[w]) != 0 || !sh->finished);

    *at = sh->current;
    return died || W->how[w] == TIMED_OUT || sh->violated || sh->host_failed;
}

static int explore(ScnExplore *x, Explore *E, Workers *W)
{
    uint64_t total = scn_explore_count(x);
    uint64_t first = shard_first(E), step = shard_step(E);
    uint64_t planned = total > first ? (total - first + step - 1) / step : 0;
    double start = cli_now();
    int rc = REPORT_EXIT_OK;
    unsigned f = W->n;          /* the worker of the smallest failing script */
    uint64_t at = UINT64_MAX, n;
    const Shared *sh;
    bool died, interrupted = false;
    ReportCrash *crash = NULL;
    char why[96];

    if (run_workers(W, E, planned, start) != 0) {
        return REPORT_EXIT_USAGE;
    }
    for (unsigned w = 0; w < W->n; w++) {
        uint64_t i;

        interrupted |= W->how[w] == INTERRUPTED;
        if (W->how[w] != INTERRUPTED && failed_at(W, w, &i) && i < at) {
            at = i;
            f = w;
        }
    }
    if (interrupted) {
        f = W->n;
    }
    sh = f < W->n ? W->st[f].sh : NULL;
    died = sh != NULL && W->how[f] == ENDED && !sh->violated && !sh->host_failed;
    if (died && (crash = calloc(1, sizeof(*crash))) == NULL) {
        return REPORT_EXIT_USAGE;
    }
    /* The scripts up to the counterexample, as -j 1 counts them (the host
     * failing a script: those before it); else what the workers ran. */
    n = sh == NULL ? (interrupted || E->c.stop != CLI_STOP_NONE ? explored_sum(W) : planned)
                   : (at - first) / step + !sh->host_failed;
    summary(E, n, total, planned, cli_now() - start, sh != NULL && !sh->host_failed);
    for (unsigned w = 0; E->c.verbosity > 0 && w < W->n; w++) {
        printf("explore: worker %u of %u: %" PRIu64 " scripts run\n", w + 1, W->n,
               W->st[w].sh->explored);
    }
    if (interrupted) {
        uint64_t current = UINT64_MAX;

        for (unsigned w = 0; w < W->n; w++) {
            current = W->st[w].sh->current < current ? W->st[w].sh->current : current;
        }
        printf("interrupted by %s at script %" PRIu64 ": the rest not explored\n",
               cli_signal_name(cli_signal_caught()), current);
    } else if (sh == NULL) {
        cli_command_stopped(&E->c, stdout, n, planned);
    } else if (W->how[f] == TIMED_OUT) {
        snprintf(why, sizeof(why), "timed out after %g s (the --timeout limit)", E->c.timeout);
        rc = counterexample(x, E, at, why, NULL);
    } else if (died) {
        crashed(x, E, &W->child[f], W->status[f], at, crash);
        snprintf(why, sizeof(why), "crash: %.80s", crash->kind);
        rc = counterexample(x, E, at, why, crash);
    } else if (sh->violated) {
        rc = counterexample(x, E, at, sh->message, NULL);
    } else {
        fprintf(stderr, "replbench explore: script %" PRIu64 ": %s; not a verdict, and the "
                "scripts after it were not run\n", at, sh->message);
        rc = REPORT_EXIT_USAGE;
    }
    free(crash);
    return rc;
}

/* The workers' memory: a Control, then a Shared each (shared with them),
 * and the parent's arrays. */
static bool workers_new(Workers *W, ScnExplore *x, const Explore *E, void **map, size_t *len)
{
    unsigned n = E->c.jobs;
    char *m;

    *len = sizeof(Control) + n * sizeof(Shared);
    *map = mmap(NULL, *len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    W->n = n;
    W->st = calloc(n, sizeof(*W->st));
    W->child = calloc(n, sizeof(*W->child));
    W->status = calloc(n, sizeof(*W->status));
    W->how = calloc(n, sizeof(*W->how));
    W->current = calloc(n, sizeof(*W->current));
    W->since = calloc(n, sizeof(*W->since));
    if (*map == MAP_FAILED || W->st == NULL || W->child == NULL || W->status == NULL ||
        W->how == NULL || W->current == NULL || W->since == NULL) {
        return false;
    }
    m = *map;
    memset(m, 0, *len);
    ((Control *)m)->bound = UINT64_MAX;
    for (unsigned w = 0; w < n; w++) {
        W->child[w] = (CliChild){ .pid = -1, .err = -1 };
        W->st[w] = (Start){ .x = x, .E = E, .ctl = (Control *)m,
                            .sh = (Shared *)(m + sizeof(Control)) + w, .w = w };
    }
    return true;
}

static void workers_free(Workers *W, void *map, size_t len)
{
    for (unsigned w = 0; W->child != NULL && w < W->n; w++) {
        cli_child_close(&W->child[w]);
    }
    if (map != MAP_FAILED) {
        munmap(map, len);
    }
    free(W->st);
    free(W->child);
    free(W->status);
    free(W->how);
    free(W->current);
    free(W->since);
}

int cli_explore(int argc, char **argv)
{
    Explore E = { .scope = { .states = 4, .walks = 2, .depth = 2 } };
    ScnExplore *x = NULL;
    Workers W = { 0 };
    void *map = MAP_FAILED;
    size_t len = 0;
    int rc = REPORT_EXIT_USAGE;

    if (cli_command_parse(&command, argc, argv, &E, &E.c) != 0) {
        /* printed */
    } else if (E.c.help) {
        usage(stdout);
        rc = REPORT_EXIT_OK;
    } else if (E.c.paths.n != 0) {
        fprintf(stderr, "replbench explore: takes no PATH ('%s')\n", E.c.paths.v[0]);
    } else if ((x = scn_explore_new(&E.scope)) == NULL || !workers_new(&W, x, &E, &map, &len)) {
        fputs("replbench explore: out of memory, or a space too large to number\n", stderr);
    } else {
        rc = explore(x, &E, &W);
    }
    workers_free(&W, map, len);
    scn_explore_free(x);
    cli_common_free(&E.c);
    return rc;
}
