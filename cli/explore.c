/* explore.c: `replbench explore` (cli.h): every registry script of a
 * bounded scope (scenarios/explore.h) run under the contract checker, in
 * smallest-first order, in one worker process (child.c) that reuses one
 * world; the first counterexample printed (and written with --out).  The
 * worker is started once, not per script, so that an implementation that
 * crashes (a sanitizer report, a signal) or never ends still leaves the
 * script it was running: the worker publishes the index it runs in shared
 * memory.  A crash is shown with the sanitizer's stacks, its whole report
 * kept; a script past --timeout is a counterexample too; ^C ends it.
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

/* What the worker tells the parent, in shared memory. */
typedef struct Shared {
    volatile uint64_t current;          /* the script being run */
    volatile uint64_t explored;
    volatile int finished;              /* 1: all run, or a violation found */
    volatile int violated;
    volatile int host_failed;           /* SCN_ERROR: the host, no verdict */
    char message[SCN_MSG_MAX];
} Shared;

static int option(void *ctx, int id, const char *v);

static const CliCommand command = {
    .name = "explore",
    .synopsis = "[OPTIONS]",
    .takes = CLI_TAKES_SHARD | CLI_TAKES_CHILD,
    .paths_optional = true,
    .specs = specs,
    .option = option,
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
          "  --out FILE            write the counterexample to FILE as a .scn\n", f);
    cli_usage_common(f, command.takes);
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

/* What the worker is handed (a copy on its side of the fork). */
typedef struct Start {
    ScnExplore *x;
    const Explore *E;
    Shared *sh;
} Start;

/* What the worker wrote to stderr (an implementation's chatter) is
 * dropped now and then: only the report of a crash matters, and it comes
 * last. */
static void bound_stderr(void)
{
    if (lseek(STDERR_FILENO, 0, SEEK_END) > STDERR_MAX && ftruncate(STDERR_FILENO, 0) == 0) {
        lseek(STDERR_FILENO, 0, SEEK_SET);
    }
}

/* The worker: the shard's scripts in order, until the first failure (or
 * the host failing a run). */
static void worker(void *ctx)
{
    static ScnResult res;
    const Start *st = ctx;
    ScnExplore *x = st->x;
    const Explore *E = st->E;
    Shared *sh = st->sh;
    uint64_t step = E->c.shard_n ? E->c.shard_n : 1;
    uint64_t total = scn_explore_count(x);

    for (uint64_t i = E->c.shard_n ? E->c.shard_k - 1 : 0; i < total; i += step) {
        ScnStatus got;

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
            break;
        }
        sh->explored++;
    }
    sh->finished = 1;
}

/* Progress on stderr: on a terminal a line redrawn every PROGRESS_PERIOD;
 * elsewhere (a CI log) a plain line after PLAIN_FIRST, then every
 * PLAIN_PERIOD: "explore: [done/planned] N scripts/s, ETA 1m05s". */
static void progress(const Shared *sh, uint64_t planned, double start, bool tty)
{
    static double last;
    double now = cli_now();
    char eta[32];

    if (tty ? now - last < PROGRESS_PERIOD
            : now - start < PLAIN_FIRST || (last != 0 && now - last < PLAIN_PERIOD)) {
        return;
    }
    last = now;
    cli_eta(eta, sizeof(eta), sh->explored, planned, now - start);
    fprintf(stderr, "%sexplore: [%" PRIu64 "/%" PRIu64 "] %.0f scripts/s, %s%s",
            tty ? "\r\033[K" : "", sh->explored, planned,
            (double)sh->explored / (now - start > 1e-9 ? now - start : 1e-9), eta,
            tty ? "" : "\n");
    fflush(stderr);
}

/* How the worker's run ended. */
enum { ENDED, TIMED_OUT, INTERRUPTED };

/* Start the worker and wait for it: ENDED (*status its wait status),
 * TIMED_OUT (one script ran past --timeout) or INTERRUPTED (a signal),
 * the worker killed in both; -1 when it cannot start (printed). */
static int run_worker(CliChild *child, const Start *st, uint64_t planned, double start,
                      int *status)
{
    const double timeout = st->E->c.timeout;
    bool tty = isatty(STDERR_FILENO);
    uint64_t current = st->sh->current;
    double since = cli_now();
    int how = ENDED;

    if (cli_child_errfile(child) != 0 || cli_child_start(child, worker, (void *)st) != 0) {
        perror("replbench explore: cannot start the worker");
        return -1;
    }
    for (;;) {
        double until = cli_now() + PROGRESS_PERIOD;
        int r;

        until = timeout > 0 && since + timeout < until ? since + timeout : until;
        r = cli_child_wait(child, until, status);
        if (r == CLI_CHILD_ENDED) {
            break;
        }
        if (st->sh->current != current) {
            current = st->sh->current;
            since = cli_now();
        }
        if (r == CLI_CHILD_INTERRUPTED || (timeout > 0 && cli_now() - since >= timeout)) {
            how = r == CLI_CHILD_INTERRUPTED ? INTERRUPTED : TIMED_OUT;
            cli_child_kill(child);
            break;
        }
        progress(st->sh, planned, start, tty);
    }
    if (tty) {
        fputs("\r\033[K", stderr);
    }
    return how;
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
    printf("counterexample: script %" PRIu64 ", %u lines: ", index, scn_explore_lines(x, index));
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

static void summary(const Explore *E, const Shared *sh, uint64_t total, uint64_t planned,
                    double secs, bool failed)
{
    double cpu = worker_cpu();
    uint64_t n = sh->explored + failed;

    printf("explore: --states %u --walks %u --depth %u: %" PRIu64 " scripts in the space",
           E->scope.states, E->scope.walks, E->scope.depth, total);
    if (E->c.shard_n) {
        printf(", %" PRIu64 " in shard %u/%u", planned, E->c.shard_k, E->c.shard_n);
    }
    printf("\nexplored %" PRIu64 " scripts in %.3f s (%.0f per second; %.3f s of CPU, "
           "%.0f per CPU second), %d violations\n", n, secs,
           (double)n / (secs > 1e-9 ? secs : 1e-9), cpu, (double)n / (cpu > 1e-9 ? cpu : 1e-9),
           failed || sh->violated);
}

static int explore(ScnExplore *x, const Explore *E, Shared *sh)
{
    uint64_t total = scn_explore_count(x);
    uint64_t planned = E->c.shard_n ? (total + E->c.shard_n - E->c.shard_k) / E->c.shard_n
                                    : total;
    Start st = { .x = x, .E = E, .sh = sh };
    CliChild child = { .pid = -1, .err = -1 };
    double start = cli_now();
    int status = 0, rc = REPORT_EXIT_OK;
    int how = run_worker(&child, &st, planned, start, &status);
    bool died = how == ENDED && (!WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
                                 !sh->finished);
    ReportCrash *crash = died ? calloc(1, sizeof(*crash)) : NULL;
    char why[96];

    if (how < 0 || (died && crash == NULL)) {
        cli_child_close(&child);
        return REPORT_EXIT_USAGE;
    }
    summary(E, sh, total, planned, cli_now() - start, died || how == TIMED_OUT);
    if (how == INTERRUPTED) {
        printf("interrupted by %s at script %" PRIu64 ": the rest not explored\n",
               cli_signal_name(cli_signal_caught()), sh->current);
    } else if (how == TIMED_OUT) {
        snprintf(why, sizeof(why), "timed out after %g s (the --timeout limit)", E->c.timeout);
        rc = counterexample(x, E, sh->current, why, NULL);
    } else if (died) {
        crashed(x, E, &child, status, sh->current, crash);
        snprintf(why, sizeof(why), "crash: %.80s", crash->kind);
        rc = counterexample(x, E, sh->current, why, crash);
    } else if (sh->violated) {
        rc = counterexample(x, E, sh->current, sh->message, NULL);
    } else if (sh->host_failed) {
        fprintf(stderr, "replbench explore: script %" PRIu64 ": %s; not a verdict, and the "
                "scripts after it were not run\n", sh->current, sh->message);
        rc = REPORT_EXIT_USAGE;
    }
    free(crash);
    cli_child_close(&child);
    return rc;
}

int cli_explore(int argc, char **argv)
{
    Explore E = { .scope = { .states = 4, .walks = 2, .depth = 2 } };
    ScnExplore *x = NULL;
    Shared *sh = MAP_FAILED;
    int rc = REPORT_EXIT_USAGE;

    if (cli_command_parse(&command, argc, argv, &E, &E.c) != 0) {
        /* printed */
    } else if (E.c.help) {
        usage(stdout);
        rc = REPORT_EXIT_OK;
    } else if (E.c.paths.n != 0) {
        fprintf(stderr, "replbench explore: takes no PATH ('%s')\n", E.c.paths.v[0]);
    } else if ((x = scn_explore_new(&E.scope)) == NULL ||
               (sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
                          -1, 0)) == MAP_FAILED) {
        fputs("replbench explore: out of memory, or a space too large to number\n", stderr);
    } else {
        memset(sh, 0, sizeof(*sh));
        rc = explore(x, &E, sh);
    }
    if (sh != MAP_FAILED) {
        munmap(sh, sizeof(*sh));
    }
    scn_explore_free(x);
    cli_common_free(&E.c);
    return rc;
}
