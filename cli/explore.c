/* explore.c: `replbench explore` (cli.h): every registry script of a
 * bounded scope (scenarios/explore.h) run under the contract checker, in
 * smallest-first order, in one worker process that reuses one world; the
 * first counterexample printed (and written with --out).  The worker is
 * forked once, not per script, so that an implementation that crashes
 * (a sanitizer report, a signal) still leaves the script it was running:
 * the worker publishes the index it runs in shared memory.
 */
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "explore.h"

#define POLL_NS 20000000L       /* the parent looks at the worker every 20 ms */

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
    char message[SCN_MSG_MAX];
} Shared;

static int option(void *ctx, int id, const char *v);

static const CliCommand command = {
    .name = "explore",
    .synopsis = "[OPTIONS]",
    .takes = CLI_TAKES_SHARD,
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

/* The worker: the shard's scripts in order, until the first failure. */
static void worker(ScnExplore *x, const Explore *E, Shared *sh)
{
    static ScnResult res;
    uint64_t step = E->c.shard_n ? E->c.shard_n : 1;
    uint64_t total = scn_explore_count(x);

    for (uint64_t i = E->c.shard_n ? E->c.shard_k - 1 : 0; i < total; i += step) {
        sh->current = i;
        if (scn_explore_run(x, i, &res) == SCN_FAIL) {
            snprintf(sh->message, sizeof(sh->message), "%s", res.message);
            sh->violated = 1;
            sh->explored++;
            break;
        }
        sh->explored++;
    }
    sh->finished = 1;
}

static void progress(const Shared *sh, uint64_t planned, double start, bool tty)
{
    static double last;
    double now = cli_now();

    if (tty && now - last >= 0.2) {
        last = now;
        fprintf(stderr, "\r\033[K[%" PRIu64 "/%" PRIu64 "] %.0f scripts/s", sh->explored,
                planned, (double)sh->explored / (now - start > 1e-9 ? now - start : 1e-9));
        fflush(stderr);
    }
}

/* Fork the worker and wait for it; the wait status, or -1. */
static int run_worker(ScnExplore *x, const Explore *E, Shared *sh, uint64_t planned,
                      double start)
{
    struct timespec poll = { 0, POLL_NS };
    bool tty = isatty(STDERR_FILENO);
    int status = 0;
    pid_t pid;

    fflush(stdout);
    fflush(stderr);
    pid = fork();
    if (pid < 0) {
        perror("replbench explore: fork");
        return -1;
    }
    if (pid == 0) {
        worker(x, E, sh);
        cli_child_exit(0);
    }
    while (waitpid(pid, &status, WNOHANG) == 0) {
        progress(sh, planned, start, tty);
        nanosleep(&poll, NULL);
    }
    if (tty) {
        fputs("\r\033[K", stderr);
    }
    return status;
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

/* The counterexample: printed, and written to --out. */
static int counterexample(ScnExplore *x, const Explore *E, uint64_t index, const char *why)
{
    char text[SCN_EXPLORE_TEXT_MAX];
    FILE *f;

    scn_explore_text(x, index, text, sizeof(text));
    printf("counterexample: script %" PRIu64 ", %u lines: ", index, scn_explore_lines(x, index));
    report_put_line_safe(stdout, why);
    printf("\n%s", text);
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
    fprintf(f, "\n%s", text);
    if (fclose(f) != 0) {
        perror(E->out);
        return REPORT_EXIT_USAGE;
    }
    printf("written to %s\n", E->out);
    return REPORT_EXIT_FAIL;
}

/* The crash of the worker, in words. */
static void crash_kind(int status, char *buf, size_t len)
{
    if (WIFSIGNALED(status)) {
        snprintf(buf, len, "crash: the run was killed by signal %d (%s)", WTERMSIG(status),
                 strsignal(WTERMSIG(status)));
    } else {
        snprintf(buf, len, "crash: the run ended with exit status %d (a sanitizer "
                 "report, or an abort, above)", WEXITSTATUS(status));
    }
}

static int explore(ScnExplore *x, const Explore *E, Shared *sh)
{
    uint64_t total = scn_explore_count(x);
    uint64_t planned = E->c.shard_n ? (total + E->c.shard_n - E->c.shard_k) / E->c.shard_n
                                    : total;
    double start = cli_now(), secs, cpu;
    int status = run_worker(x, E, sh, planned, start);
    bool crashed = status != -1 && (!WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
                                    !sh->finished);
    char why[SCN_MSG_MAX + 64];

    if (status == -1) {
        return REPORT_EXIT_USAGE;
    }
    secs = cli_now() - start;
    cpu = worker_cpu();
    printf("explore: --states %u --walks %u --depth %u: %" PRIu64 " scripts in the space",
           E->scope.states, E->scope.walks, E->scope.depth, total);
    if (E->c.shard_n) {
        printf(", %" PRIu64 " in shard %u/%u", planned, E->c.shard_k, E->c.shard_n);
    }
    printf("\nexplored %" PRIu64 " scripts in %.3f s (%.0f per second; %.3f s of CPU, "
           "%.0f per CPU second), %d violations\n", sh->explored + crashed, secs,
           (double)(sh->explored + crashed) / (secs > 1e-9 ? secs : 1e-9), cpu,
           (double)(sh->explored + crashed) / (cpu > 1e-9 ? cpu : 1e-9), crashed || sh->violated);
    if (crashed) {
        crash_kind(status, why, sizeof(why));
        return counterexample(x, E, sh->current, why);
    }
    if (sh->violated) {
        return counterexample(x, E, sh->current, sh->message);
    }
    return REPORT_EXIT_OK;
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
