/* determinism.c: `replbench determinism` (cli.h): each scenario runs
 * twice in one child process (child.c), every trace line captured through
 * the sink, and the two traces are compared line by line; the child hands
 * back both results and the first difference, which is printed.  A child
 * that crashes or runs past --timeout fails that scenario only.  A trace is
 * kept up to CAPTURE_MAX bytes per run; past that the scenario is reported
 * as an error, not compared in part.  With -j N up to N children (slots)
 * run at once, each pair in its own; their outcomes are printed in the
 * order of the pairs, as -j 1 prints them.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "cli.h"
#include "prng.h"

#define CAPTURE_MAX ((size_t)64 << 20)
#define CAPTURE_FIRST ((size_t)64 << 10)

/* A results record holds one run's outcome; determinism's verdict is about
 * two runs' traces. */
#define DET_NA_WHY "determinism's verdict (SAME or DIFF) compares the traces of two runs; " \
    "a results record holds one run's outcome, so neither a results file nor merge's " \
    "reports of one can carry it (run --results reports the runs themselves)"

static const CliNotApplicable det_na[] = {
    { "--results", true, DET_NA_WHY },
    { "--format", true, DET_NA_WHY },
    { "--report", true, DET_NA_WHY },
    { NULL, false, NULL },
};

static const CliCommand command = {
    .name = "determinism",
    .synopsis = "[OPTIONS] PATH...",
    .takes = CLI_TAKES_SEED | CLI_TAKES_SHARD | CLI_TAKES_SELECT | CLI_TAKES_SEEDS |
             CLI_TAKES_CHILD | CLI_TAKES_LIVENESS | CLI_TAKES_JOBS,
    .na = det_na,
};

static void usage(FILE *f)
{
    fputs("usage: replbench determinism [OPTIONS] PATH...\n"
          "\n"
          "Run each scenario twice in one process and compare the two traces line by\n"
          "line: SAME, or DIFF with the first differing trace line of each run.  A\n"
          "scenario that fails (in either run) is also reported FAIL: a failure.\n"
          "\n"
          "options:\n", f);
    cli_usage_command(f, &command);
}

/* Every line of one run, each ended by a NUL (a line may hold '\n'). */
typedef struct Capture {
    char *buf;
    size_t len, cap;
    uint64_t lines;
    bool over;                  /* past CAPTURE_MAX, or out of memory */
} Capture;

/* What the child hands back of its two runs, in memory shared with the
 * parent. */
typedef struct Pair {
    bool done;                  /* the child reached its end */
    bool over;                  /* a trace past CAPTURE_MAX, or out of memory */
    ScnResult res[2];
    uint64_t lines[2];
    uint64_t at;                /* the first differing trace line, 0: none */
    bool has[2];                /* run i has a line `at` */
    char line[2][SIM_TRACE_LINE_MAX];
} Pair;

/* A pair in flight: its child, the Pair it shares, the job. */
typedef struct Slot {
    CliChild child;
    Pair *pair;                 /* shared with the child */
    ReportJob job;
    size_t file;
} Slot;

typedef struct Det {
    CliCommon c;
    CliFiles files;
    Capture cap[2];             /* the child's */
    Slot *slots;                /* c.jobs of them, used in a ring */
    Pair *pair;                 /* the slot's whose outcome is handled */
    CliChild *child;            /* its child */
    char crash_dir[REPORT_PATH_MAX + 1];
    ScnResult *res;             /* = pair->res */
    CliProgress progress;
    ReportStyle style;
    ReportRecap *recap;
    bool *file_ran, *file_failed;   /* per file, for --last-failed */
    uint64_t runs;
    size_t same, differ, failed, errors;
} Det;

/* The runs are compared line by line: this sink needs every line. */
static void capture_line(void *ctx, const SimTraceEvent *e)
{
    Capture *c = ctx;
    char line[SIM_TRACE_LINE_MAX];
    size_t len = sim_trace_render(e, line) + 1;

    if (c->over) {
        return;
    }
    if (c->len + len > c->cap) {
        size_t cap = c->cap ? c->cap : CAPTURE_FIRST;
        char *grown;

        while (cap < c->len + len && cap < CAPTURE_MAX) {
            cap *= 2;
        }
        grown = c->len + len <= cap ? realloc(c->buf, cap) : NULL;
        if (grown == NULL) {
            c->over = true;
            return;
        }
        c->buf = grown;
        c->cap = cap;
    }
    memcpy(c->buf + c->len, line, len);
    c->len += len;
    c->lines++;
}

/* The first line (from 1) where the captures differ, or 0 when the same. */
static uint64_t first_difference(const Capture *a, const Capture *b,
                                 const char **la, const char **lb)
{
    size_t ia = 0, ib = 0;

    for (uint64_t line = 1;; line++) {
        *la = ia < a->len ? a->buf + ia : NULL;
        *lb = ib < b->len ? b->buf + ib : NULL;
        if (*la == NULL && *lb == NULL) {
            return 0;
        }
        if (*la == NULL || *lb == NULL || strcmp(*la, *lb) != 0) {
            return line;
        }
        ia += strlen(*la) + 1;
        ib += strlen(*lb) + 1;
    }
}

static void print_side(int run, const char *line, uint64_t lines)
{
    printf("  run %d: ", run);
    if (line == NULL) {
        printf("(the trace ended after %" PRIu64 " lines)\n", lines);
        return;
    }
    report_put_line_safe(stdout, line);
    putchar('\n');
}

static bool same_result(const ScnResult *a, const ScnResult *b)
{
    return a->status == b->status && a->hash == b->hash && a->line == b->line &&
           a->ticks == b->ticks && strcmp(a->message, b->message) == 0 &&
           a->checkers_ok == b->checkers_ok;
}

/* "path [seed N]" with --seeds, into buf. */
static void name_of(const Det *D, const char *path, char *buf, size_t len)
{
    if (D->style.show_seed) {
        snprintf(buf, len, "%s [seed %" PRIu64 "]", path, D->res[0].seed);
    } else {
        snprintf(buf, len, "%s", path);
    }
}

static void differs(Det *D, const char *path)
{
    char what[2 * REPORT_PATH_MAX + 64], cmd[3 * REPORT_PATH_MAX + 96];
    char *word = NULL, *prog = NULL;
    size_t wlen = 0, plen = 0;
    FILE *w = open_memstream(&word, &wlen), *p = open_memstream(&prog, &plen);

    /* The binary that printed it, as run's reproduce lines name it. */
    if (w != NULL) {
        report_shell_word(w, path);
        fclose(w);
    }
    if (p != NULL) {
        report_shell_word(p, report_program());
        fclose(p);
    }
    snprintf(what, sizeof(what), "%s [seed %" PRIu64 "]: two runs differ", path, D->res[0].seed);
    snprintf(cmd, sizeof(cmd), "%s determinism --seed %" PRIu64 " %s%s",
             prog != NULL ? prog : "replbench", D->res[0].seed, path[0] == '-' ? "-- " : "",
             word != NULL ? word : path);
    free(word);
    free(prog);
    report_recap_add_command(D->recap, what, cmd);
    D->differ++;
}

static void compare(Det *D, const char *path)
{
    const Pair *p = D->pair;
    const char *la = p->has[0] ? p->line[0] : NULL, *lb = p->has[1] ? p->line[1] : NULL;
    uint64_t at = p->at;
    char name[REPORT_PATH_MAX + 32];

    cli_progress_clear(&D->progress);
    if (p->over) {
        fprintf(stderr, "replbench determinism: %s: trace longer than %zu MiB (the limit) "
                "or out of memory; not compared\n", path, CAPTURE_MAX >> 20);
        D->errors++;
        return;
    }
    name_of(D, path, name, sizeof(name));
    if (D->res[0].status == SCN_ERROR || D->res[1].status == SCN_ERROR) {
        /* The host failed a run: two runs compared under a memory limit
         * say nothing about the simulator's determinism. */
        const ScnResult *r = D->res[0].status == SCN_ERROR ? &D->res[0] : &D->res[1];

        report_word(stdout, D->style.color, REPORT_PAINT_FAIL, "ERROR");
        printf(" %s: ", name);
        report_put_line_safe(stdout, r->message);
        fputs("; not compared\n", stdout);
        fprintf(stderr, "replbench determinism: %s: %s\n", name, r->message);
        D->errors++;
        return;
    }
    if (at != 0) {
        report_word(stdout, D->style.color, REPORT_PAINT_FAIL, "DIFF");
        printf(" %s: first difference at trace line %" PRIu64 "\n", name, at);
        print_side(1, la, p->lines[0]);
        print_side(2, lb, p->lines[1]);
        differs(D, path);
    } else if (!same_result(&D->res[0], &D->res[1])) {
        report_word(stdout, D->style.color, REPORT_PAINT_FAIL, "DIFF");
        printf(" %s: same trace, different results (hash 0x%016" PRIx64 " / 0x%016"
               PRIx64 ", status %d / %d)\n", name, D->res[0].hash, D->res[1].hash,
               (int)D->res[0].status, (int)D->res[1].status);
        differs(D, path);
    } else {
        if (D->style.verbosity >= 0) {
            report_word(stdout, D->style.color, REPORT_PAINT_PASS, "SAME");
            printf(" %s (%" PRIu64 " lines, hash 0x%016" PRIx64 ")\n", name,
                   p->lines[0], D->res[0].hash);
        }
        D->same++;
    }
    /* Deterministic is not passing: a failure the same twice is a failure. */
    if (D->res[0].status == SCN_FAIL || D->res[1].status == SCN_FAIL) {
        const ScnResult *r = D->res[0].status == SCN_FAIL ? &D->res[0] : &D->res[1];

        char what[REPORT_PATH_MAX + SCN_MSG_MAX + 64];

        report_word(stdout, D->style.color, REPORT_PAINT_FAIL, "FAIL");
        printf(" %s:%u", path, r->line);
        if (D->style.show_seed) {
            printf(" [seed %" PRIu64 "]", r->seed);
        }
        fputs(": ", stdout);
        report_put_line_safe(stdout, r->message[0] != '\0' ? r->message : r->checker);
        putchar('\n');
        snprintf(what, sizeof(what), "%s:%u [seed %" PRIu64 "]: %s", path, r->line, r->seed,
                 r->message[0] != '\0' ? r->message : r->checker);
        report_recap_add(D->recap, what, r->seed, NULL, path);
        D->failed++;
    }
}

/* The child: both runs of the job, their traces compared; the outcome in
 * D->pair. */
typedef struct PairJob {
    Det *D;
    const ScnScript *s;
    const ReportJob *job;
    Pair *pair;
} PairJob;

static void pair_main(void *ctx)
{
    const PairJob *pj = ctx;
    Det *D = pj->D;
    Pair *p = pj->pair;
    const char *l[2];

    for (int i = 0; i < 2; i++) {
        ScnOptions opt = { .sink = capture_line, .sink_ctx = &D->cap[i] };

        report_job_options(pj->job, &opt);
        scn_run(pj->s, &opt, &p->res[i]);
        p->lines[i] = D->cap[i].lines;
        p->over |= D->cap[i].over;
    }
    p->at = p->over ? 0 : first_difference(&D->cap[0], &D->cap[1], &l[0], &l[1]);
    for (int i = 0; i < 2 && p->at != 0; i++) {
        p->has[i] = l[i] != NULL;
        snprintf(p->line[i], sizeof(p->line[i]), "%s", l[i] != NULL ? l[i] : "");
    }
    p->done = true;
    cli_child_exit(0);
}

/* How the child of a pair ended. */
typedef enum PairEnd { PAIR_DONE, PAIR_DIED, PAIR_TIMED_OUT, PAIR_INTERRUPTED } PairEnd;

/* Start both runs of the slot's job in a child (s is copied into it by
 * the fork): 0, or -1 (printed). */
static int start_pair(Det *D, Slot *slot, const ScnScript *s)
{
    PairJob pj = { .D = D, .s = s, .job = &slot->job, .pair = slot->pair };

    memset(slot->pair, 0, sizeof(*slot->pair));
    if (cli_child_start(&slot->child, pair_main, &pj) != 0) {
        fprintf(stderr, "replbench determinism: cannot start a child: %s\n", strerror(errno));
        return -1;
    }
    return 0;
}

/* Wait for the slot's child: DONE (its pair holds both runs), DIED
 * (*status its wait status), TIMED_OUT (past --timeout) or INTERRUPTED;
 * the child is gone in every case. */
static PairEnd wait_pair(Det *D, Slot *slot, int *status)
{
    int how = cli_child_wait(&slot->child, D->c.timeout > 0 ? slot->child.started +
                             D->c.timeout : 0, status);

    if (how != CLI_CHILD_ENDED) {
        cli_child_kill(&slot->child);
        return how == CLI_CHILD_INTERRUPTED ? PAIR_INTERRUPTED : PAIR_TIMED_OUT;
    }
    return slot->pair->done && WIFEXITED(*status) && WEXITSTATUS(*status) == 0 ? PAIR_DONE
                                                                                : PAIR_DIED;
}

/* The child died (status: its wait status) or ran past --timeout: a
 * failure of its own, with the crash's stacks. */
static void lost(Det *D, const char *path, const ReportJob *job, PairEnd how, int status)
{
    ReportCrash *crash = calloc(1, sizeof(*crash));
    char what[REPORT_PATH_MAX + 256], name[64], header[REPORT_PATH_MAX + 128];
    uint64_t seed = job->seed_set ? job->seed : D->res[0].seed;

    cli_progress_clear(&D->progress);
    report_word(stdout, D->style.color, REPORT_PAINT_FAIL, how == PAIR_TIMED_OUT ? "FAIL"
                                                                            : "ERROR");
    printf(" %s: ", path);
    if (how == PAIR_TIMED_OUT || crash == NULL) {
        snprintf(what, sizeof(what), "%s: %s", path, crash == NULL ? "out of memory"
                 : "timed out (the --timeout limit)");
        printf("timed out after %g s (the --timeout limit)\n", D->c.timeout);
    } else {
        cli_child_crash(D->child, status, crash);
        snprintf(name, sizeof(name), "crash-%016" PRIx64 ".txt",
                 sim_hash_bytes(sim_hash_str(SIM_HASH_INIT, path), &seed, sizeof(seed)));
        snprintf(header, sizeof(header), "# replbench determinism: %s crashes\n# what it "
                 "wrote to stderr:\n", path);
        cli_crash_save(D->child, D->crash_dir, name, header, crash);
        snprintf(what, sizeof(what), "%s: crashed: %s", path, crash->kind);
        printf("crashed: %s\n", crash->kind);
        report_crash_print(stdout, "  ", crash);
    }
    report_recap_add(D->recap, what, seed, NULL, path);
    D->failed++;
    free(crash);
}

/* The next job to start, while the budget and -x allow: its file, seed
 * and loaded script (*s; the file's, loaded once, freed when the next file
 * starts).  A file that does not load is an error of its own (printed).
 * false when there is none. */
typedef struct Jobs {
    size_t file;
    uint64_t k;
    ScnScript *s;
} Jobs;

static bool next_pair(Det *D, Jobs *J, Slot *slot)
{
    uint64_t nseeds = cli_command_nseeds(&D->c);
    char err[REPORT_ERROR_MAX];

    while (J->file < D->files.n && cli_command_go_on(&D->c, D->differ + D->failed != 0)) {
        const char *path = D->files.paths[J->file];

        if (J->s == NULL && J->k == 0) {
            D->file_ran[J->file] = true;
            J->s = report_load(path, err, sizeof(err));
            if (J->s == NULL) {
                cli_progress_clear(&D->progress);
                fprintf(stderr, "%s\n", err);
                D->errors++;
                D->file_failed[J->file] = true;
                J->file++;
                continue;
            }
        }
        if (J->k < nseeds) {
            slot->job = (ReportJob){ 0 };
            slot->file = J->file;
            cli_command_seed(&D->c, J->k, &slot->job);
            cli_command_job_options(&D->c, &slot->job);
            cli_progress_show(&D->progress, J->file * (size_t)nseeds + (size_t)J->k + 1, path);
            J->k++;
            return true;
        }
        scn_free(J->s);
        J->s = NULL;
        J->k = 0;
        J->file++;
    }
    return false;
}

/* Every pair, up to c.jobs at once, each outcome printed in order. */
static void check_pairs(Det *D)
{
    Jobs J = { 0 };
    size_t nslots = D->c.jobs, first = 0, inflight = 0;
    bool stop = false;

    for (;;) {
        Slot *slot;
        size_t bad = D->differ + D->failed;
        int status = 0;
        PairEnd how;

        while (!stop && inflight < nslots) {
            slot = &D->slots[(first + inflight) % nslots];
            if (!next_pair(D, &J, slot)) {
                stop = true;
            } else if (start_pair(D, slot, J.s) != 0) {
                D->errors++;
                stop = true;
            } else {
                inflight++;
            }
        }
        if (inflight == 0) {
            break;
        }
        slot = &D->slots[first];
        first = (first + 1) % nslots;
        inflight--;
        how = wait_pair(D, slot, &status);
        if (how == PAIR_INTERRUPTED) {
            for (size_t i = 0; i < inflight; i++) {
                cli_child_kill(&D->slots[(first + i) % nslots].child);
            }
            break;
        }
        D->pair = slot->pair;
        D->res = slot->pair->res;
        D->child = &slot->child;
        D->runs++;
        if (how == PAIR_DONE) {
            compare(D, D->files.paths[slot->file]);
        } else {
            lost(D, D->files.paths[slot->file], &slot->job, how, status);
        }
        D->file_failed[slot->file] |= D->differ + D->failed != bad;
        fflush(stdout);
    }
    scn_free(J.s);
}

/* The slots: a shared Pair and a file for the child's stderr each. */
static int slots_open(Det *D)
{
    D->slots = calloc(D->c.jobs, sizeof(*D->slots));
    cli_command_crash_dir(&D->c, D->crash_dir, sizeof(D->crash_dir));
    for (unsigned i = 0; D->slots != NULL && i < D->c.jobs; i++) {
        void *m = mmap(NULL, sizeof(Pair), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
                       -1, 0);

        D->slots[i].child = (CliChild){ .pid = -1, .err = -1 };
        D->slots[i].pair = m != MAP_FAILED ? m : NULL;
        if (D->slots[i].pair == NULL || cli_child_errfile(&D->slots[i].child) != 0) {
            return -1;
        }
    }
    return D->slots != NULL ? 0 : -1;
}

static void slots_close(Det *D)
{
    for (unsigned i = 0; D->slots != NULL && i < D->c.jobs; i++) {
        if (D->slots[i].pair != NULL) {
            munmap(D->slots[i].pair, sizeof(Pair));
        }
        cli_child_close(&D->slots[i].child);
    }
    free(D->slots);
    D->slots = NULL;
}

static int check_all(Det *D, double start)
{
    bool none;
    size_t problems = cli_command_files(&command, &D->c, &D->files, &none);
    double secs;

    if (none) {
        cli_files_free(&D->files);      /* -k may have left an empty list */
        return REPORT_EXIT_USAGE;
    }
    if (cli_command_list(&D->c, &D->files)) {
        cli_files_free(&D->files);
        return problems != 0 ? REPORT_EXIT_USAGE : REPORT_EXIT_OK;
    }
    D->style = cli_command_style(&D->c);
    D->file_ran = calloc(D->files.n + 1, sizeof(*D->file_ran));
    D->file_failed = calloc(D->files.n + 1, sizeof(*D->file_failed));
    D->recap = report_recap_new();
    if (D->file_ran == NULL || D->file_failed == NULL || D->recap == NULL || slots_open(D) != 0) {
        fputs("replbench determinism: out of memory, or no file for a child's stderr\n", stderr);
        cli_files_free(&D->files);
        return REPORT_EXIT_USAGE;
    }
    D->errors = problems;
    /* Progress counts runs (a pair each): every seed of every file. */
    cli_progress_init(&D->progress, D->files.n * (size_t)cli_command_nseeds(&D->c));
    check_pairs(D);
    cli_progress_clear(&D->progress);
    cli_command_stopped(&D->c, stdout, D->runs, (uint64_t)D->files.n * cli_command_nseeds(&D->c));
    cli_last_failed_save(command.name, &D->files, D->file_ran, D->file_failed);
    report_recap_end(D->recap, stdout, D->style.color);
    D->recap = NULL;
    secs = cli_now() - start;
    printf("determinism: %zu same, %zu different, %zu failed", D->same, D->differ,
           D->failed);
    if (D->errors != 0) {
        fputs(", ", stdout);
        report_count(stdout, D->errors, "error", "errors");
    }
    printf(" in %.3f s\n", secs);
    cli_files_free(&D->files);
    return D->errors != 0 ? REPORT_EXIT_USAGE
         : D->differ != 0 || D->failed != 0 ? REPORT_EXIT_FAIL : REPORT_EXIT_OK;
}

int cli_determinism(int argc, char **argv)
{
    double start = cli_now();
    Det *D = calloc(1, sizeof(*D));
    int rc;

    if (D == NULL) {
        fputs("replbench determinism: out of memory\n", stderr);
        return REPORT_EXIT_USAGE;
    }
    if (cli_command_parse(&command, argc, argv, D, &D->c) != 0) {
        rc = REPORT_EXIT_USAGE;
    } else if (D->c.help) {
        usage(stdout);
        rc = REPORT_EXIT_OK;
    } else {
        rc = check_all(D, start);
    }
    for (int i = 0; i < 2; i++) {
        free(D->cap[i].buf);
    }
    slots_close(D);
    free(D->file_ran);
    free(D->file_failed);
    report_recap_end(D->recap, NULL, false);
    cli_common_free(&D->c);
    free(D);
    return rc;
}
