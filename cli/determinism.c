/* determinism.c: `replbench determinism` (cli.h): each scenario runs
 * twice in this process, every trace line captured through the sink, and
 * the two traces are compared line by line.  The first difference is
 * printed.  A trace is kept up to CAPTURE_MAX bytes per run; past that the
 * scenario is reported as an error, not compared in part.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define CAPTURE_MAX ((size_t)64 << 20)
#define CAPTURE_FIRST ((size_t)64 << 10)

static const CliCommand command = {
    .name = "determinism",
    .synopsis = "[OPTIONS] PATH...",
    .takes = CLI_TAKES_SEED | CLI_TAKES_SHARD | CLI_TAKES_SELECT | CLI_TAKES_SEEDS,
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
    cli_usage_common(f, command.takes);
}

/* Every line of one run, each ended by a NUL (a line may hold '\n'). */
typedef struct Capture {
    char *buf;
    size_t len, cap;
    uint64_t lines;
    bool over;                  /* past CAPTURE_MAX, or out of memory */
} Capture;

typedef struct Det {
    CliCommon c;
    CliFiles files;
    Capture cap[2];
    ScnResult res[2];
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
    char what[2 * REPORT_PATH_MAX + 64], cmd[2 * REPORT_PATH_MAX + 96];
    char *word = NULL;
    size_t wlen = 0;
    FILE *w = open_memstream(&word, &wlen);

    if (w != NULL) {
        report_shell_word(w, path);
        fclose(w);
    }
    snprintf(what, sizeof(what), "%s [seed %" PRIu64 "]: two runs differ", path, D->res[0].seed);
    snprintf(cmd, sizeof(cmd), "replbench determinism --seed %" PRIu64 " %s%s", D->res[0].seed,
             path[0] == '-' ? "-- " : "", word != NULL ? word : path);
    free(word);
    report_recap_add_command(D->recap, what, cmd);
    D->differ++;
}

static void compare(Det *D, const char *path)
{
    const char *la, *lb;
    uint64_t at;
    char name[REPORT_PATH_MAX + 32];

    cli_progress_clear(&D->progress);
    if (D->cap[0].over || D->cap[1].over) {
        fprintf(stderr, "replbench determinism: %s: trace longer than %zu MiB (the limit) "
                "or out of memory; not compared\n", path, CAPTURE_MAX >> 20);
        D->errors++;
        return;
    }
    name_of(D, path, name, sizeof(name));
    at = first_difference(&D->cap[0], &D->cap[1], &la, &lb);
    if (at != 0) {
        report_word(stdout, D->style.color, REPORT_PAINT_FAIL, "DIFF");
        printf(" %s: first difference at trace line %" PRIu64 "\n", name, at);
        print_side(1, la, D->cap[0].lines);
        print_side(2, lb, D->cap[1].lines);
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
                   D->cap[0].lines, D->res[0].hash);
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

/* Each seed of one file, while the budget and -x allow. */
static void check_file(Det *D, size_t file)
{
    const char *path = D->files.paths[file];
    char err[REPORT_ERROR_MAX];
    ScnScript *s = report_load(path, err, sizeof(err));
    uint64_t nseeds = cli_command_nseeds(&D->c);

    D->file_ran[file] = true;
    if (s == NULL) {
        cli_progress_clear(&D->progress);
        fprintf(stderr, "%s\n", err);
        D->errors++;
        D->file_failed[file] = true;
        return;
    }
    for (uint64_t k = 0; k < nseeds && cli_command_go_on(&D->c, D->differ + D->failed != 0); k++) {
        ReportJob job = { 0 };
        size_t bad = D->differ + D->failed;

        cli_command_seed(&D->c, k, &job);
        for (int i = 0; i < 2; i++) {
            ScnOptions opt = { .seed_set = job.seed_set, .seed = job.seed,
                               .sink = capture_line, .sink_ctx = &D->cap[i] };

            D->cap[i].len = 0;
            D->cap[i].lines = 0;
            D->cap[i].over = false;
            scn_run(s, &opt, &D->res[i]);
        }
        D->runs++;
        compare(D, path);
        D->file_failed[file] |= D->differ + D->failed != bad;
        fflush(stdout);
    }
    scn_free(s);
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
    if (D->file_ran == NULL || D->file_failed == NULL || D->recap == NULL) {
        fputs("replbench determinism: out of memory\n", stderr);
        cli_files_free(&D->files);
        return REPORT_EXIT_USAGE;
    }
    D->errors = problems;
    cli_progress_init(&D->progress, D->files.n);
    for (size_t i = 0; i < D->files.n && cli_command_go_on(&D->c, D->differ + D->failed != 0); i++) {
        cli_progress_show(&D->progress, i + 1, D->files.paths[i]);
        check_file(D, i);
        fflush(stdout);
    }
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
    free(D->file_ran);
    free(D->file_failed);
    report_recap_end(D->recap, NULL, false);
    cli_common_free(&D->c);
    free(D);
    return rc;
}
