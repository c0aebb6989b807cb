/* conform.c: `replbench conform` (cli.h): runs the registry-rule suites (or
 * the given paths) in forked workers, so that a scenario killing its
 * process (a use-after-free under ASan) fails only itself, and prints the
 * conformance table (reports/conform.c) of the implementation linked in.
 * A scenario whose worker died is run once more in a child whose stderr is
 * kept, to name the sanitizer's finding.  Exit 0 when no cell fails, 1 when
 * one does, 2 on a usage, read or parse error.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"

enum { O_FORMAT, O_REPORT, O_JOBS, O_HELP };

static const CliOptSpec specs[] = {
    { "--format", true, O_FORMAT },
    { "--report", true, O_REPORT },
    { "--jobs", true, O_JOBS },
    { "--help", false, O_HELP },
    { NULL, false, 0 },
};

/* The suites whose scenarios carry `rule` tags, from the source root. */
static char *const default_paths[] = {
    "scenarios/suites/registry", "scenarios/suites/removal",
    "scenarios/suites/errors", "scenarios/suites/faults",
};

typedef struct Conform {
    bool help;
    ReportConformFormat format;
    const char *report;
    unsigned jobs;
    int argc;
    char **argv;
    CliPaths paths;
    CliFiles files;
    ReportConform *table;
    ReportHtml *html;
    size_t next_file, done;
    bool errors;
} Conform;

static void usage(FILE *f)
{
    fputs("usage: replbench conform [OPTIONS] [PATH...]\n"
          "\n"
          "Run the scenarios (default: scenarios/suites/registry, removal, errors and\n"
          "faults, from the source root), each in a worker process, and print the\n"
          "conformance table of the implementation under test: each walk rule of\n"
          "DESIGN.md (1-6) and each extension, for each walk: pass, FAIL (how many\n"
          "scenarios, the first message, the sanitizer's finding, the reproduce\n"
          "command) or n/a (why).  A scenario counts in the cells its `rule` lines\n"
          "name (FORMAT.md); a scenario without one counts nowhere.\n"
          "\n"
          "options:\n"
          "  --format F            summary (default), json or junit\n"
          "  --report DIR          also write DIR/index.html: the table as a coloured\n"
          "                        rule x walk matrix, each failing cell linked to its\n"
          "                        scenarios' rows and timelines\n"
          "  --jobs N              worker processes (1..64, default 2)\n"
          "  --help                this text\n"
          "\n"
          "exit status: 0 no cell fails, 1 a cell fails, 2 usage, read or parse error.\n", f);
}

static int option(Conform *c, int id, const char *v)
{
    static const char *const names[] = { "summary", "json", "junit" };

    switch (id) {
    case O_FORMAT:
        for (int i = 0; i < 3; i++) {
            if (strcmp(v, names[i]) == 0) {
                c->format = (ReportConformFormat)i;
                return 0;
            }
        }
        return cli_bad_value("conform", "--format", v, "expected summary, json or junit");
    case O_REPORT:
        c->report = v;
        return v[0] != '\0' ? 0 : cli_bad_value("conform", "--report", v, "expected a folder");
    case O_JOBS:
        return cli_opt_jobs("conform", v, &c->jobs);
    default:
        c->help = true;
        return 0;
    }
}

static int parse(int argc, char **argv, Conform *c)
{
    CliArgs a = { .argc = argc, .argv = argv, .i = 1 };
    const char *v = NULL;
    int id = 0, kind;

    if (!cli_paths_init(&c->paths, argc)) {
        return -1;
    }
    while ((kind = cli_args_next(&a, specs, "conform", &id, &v)) != CLI_ARG_END) {
        if (kind == CLI_ARG_ERROR || (kind == CLI_ARG_OPTION && option(c, id, v) != 0)) {
            return -1;
        }
        if (kind == CLI_ARG_PATH) {
            c->paths.v[c->paths.n++] = (char *)v;
        }
    }
    return 0;
}

/* ---- what killed a worker ------------------------------------------------------- */

/* The first "SUMMARY: " line of the sanitizer's report, without its prefix
 * and the location after the kind ("AddressSanitizer: heap-use-after-free"). */
static void summary_line(const char *text, char *out, size_t len)
{
    const char *s = strstr(text, "SUMMARY: ");
    size_t n;

    if (s == NULL) {
        return;
    }
    s += strlen("SUMMARY: ");
    n = strcspn(s, "\n");
    for (const char *sp = s; (sp = memchr(sp, ' ', (size_t)(s + n - sp))) != NULL; sp++) {
        if (sp > s && sp[-1] != ':') {      /* the blank after the kind */
            n = (size_t)(sp - s);
            break;
        }
    }
    snprintf(out, len, "%.*s", (int)n, s);
}

/* Run path once more in a child with stderr in a file, and name what killed
 * it: the sanitizer's kind, else the signal or exit status. */
static void killed_by(const char *path, const ReportOutcome *out, char *kind, size_t len)
{
    char tmpl[] = "/tmp/replbench-conform-XXXXXX", text[16384], err[256];
    int fd = mkstemp(tmpl), status = 0;
    ssize_t got;
    pid_t pid;

    snprintf(kind, len, "%s", "");
    if (fd < 0) {
        return;
    }
    unlink(tmpl);
    fflush(NULL);
    pid = fork();
    if (pid == 0) {
        ScnOptions opt = { .seed_set = true, .seed = out->res.seed };
        ScnResult *res = malloc(sizeof(*res));
        ScnScript *s = report_load(path, err, sizeof(err));

        dup2(fd, STDERR_FILENO);
        if (s != NULL && res != NULL) {
            scn_run(s, &opt, res);
        }
        _exit(0);
    }
    while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    got = pread(fd, text, sizeof(text) - 1, 0);
    close(fd);
    text[got > 0 ? got : 0] = '\0';
    summary_line(text, kind, len);
    if (kind[0] == '\0' && pid > 0 && WIFSIGNALED(status)) {
        snprintf(kind, len, "signal %d", WTERMSIG(status));
    }
}

/* ---- the pool's callbacks ------------------------------------------------------- */

static bool next_job(void *ctx, ReportJob *job)
{
    Conform *c = ctx;

    if (c->next_file >= c->files.n) {
        return false;
    }
    *job = (ReportJob){ .file = (uint32_t)c->next_file++ };
    return true;
}

static void job_done(void *ctx, const ReportJob *job, const ReportOutcome *out)
{
    Conform *c = ctx;
    const char *path = c->files.paths[job->file];
    char err[REPORT_ERROR_MAX], kind[128] = "";
    ScnScript *s;

    c->done++;
    if (!out->loaded) {
        fprintf(stderr, "%s\n", out->error);
        c->errors = true;
        return;
    }
    if (out->died) {
        killed_by(path, out, kind, sizeof(kind));
    }
    s = report_load(path, err, sizeof(err));
    report_conform_add(c->table, c->done, path, s, out, kind);
    scn_free(s);
    if (c->html != NULL) {
        report_html_add(c->html, path, job, out);
    }
}

/* ---- the command ---------------------------------------------------------------- */

static int execute(Conform *c, double start)
{
    CliPool pool = { .files = &c->files, .jobs = c->jobs, .isolate = true,
                     .next = next_job, .done = job_done, .ctx = c };
    int rc;

    c->table = report_conform_new();
    if (c->report != NULL && (c->html = report_html_new(c->report, false, NULL, c->argc,
                                                        c->argv)) != NULL) {
        report_html_set_intro(c->html, report_conform_html, c->table);
    }
    if (c->table == NULL || (c->report != NULL && c->html == NULL)) {
        fputs("replbench conform: out of memory\n", stderr);
        report_html_free(c->html);
        report_conform_free(c->table);
        return REPORT_EXIT_USAGE;
    }
    rc = cli_pool_run(&pool);
    if (c->html != NULL && report_html_end(c->html, cli_now() - start) != 0) {
        rc = -1;
    }
    if (rc == 0) {
        rc = report_conform_write(c->table, c->format, stdout);
    } else {
        rc = REPORT_EXIT_USAGE;
    }
    report_conform_free(c->table);
    return c->errors ? REPORT_EXIT_USAGE : rc;
}

int cli_conform(int argc, char **argv)
{
    double start = cli_now();
    Conform c = { .format = REPORT_CONFORM_SUMMARY, .jobs = 2, .argc = argc, .argv = argv };
    size_t problems;
    int rc = REPORT_EXIT_USAGE;

    if (parse(argc, argv, &c) != 0) {
        fputs("usage: replbench conform [OPTIONS] [PATH...] (replbench conform --help)\n", stderr);
        goto out;
    }
    if (c.help) {
        usage(stdout);
        rc = REPORT_EXIT_OK;
        goto out;
    }
    problems = c.paths.n != 0 ? cli_files_collect(c.paths.v, c.paths.n, &c.files)
                              : cli_files_collect(default_paths, 4, &c.files);
    if (problems == 0 && c.files.n == 0) {
        fputs("replbench conform: no .scn files in the given paths\n", stderr);
    } else if (problems == 0) {
        rc = execute(&c, start);
    }
    cli_files_free(&c.files);
out:
    cli_paths_free(&c.paths);
    return rc;
}
