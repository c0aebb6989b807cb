/* reduce.c: `replbench reduce FILE [-o OUT]` (cli.h): a failing scenario
 * shrunk (scenarios/reduce.h) to a 1-minimal one that fails the same way:
 * the same checker kind and message (line numbers aside), or the same
 * crash kind.  Every candidate runs in a forked worker, its stderr kept
 * aside, so an implementation that crashes (a signal, a sanitizer report)
 * stops that candidate, never the reduction.  fuzz2scn --reduce uses
 * cli_reduce_text.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "reduce.h"

#define KIND_MAX 160

enum { O_OUT };

static const CliOptSpec specs[] = {
    { "-o", true, O_OUT },
    { "--out", true, O_OUT },
    { NULL, false, 0 },
};

/* What a worker sends back. */
typedef struct Verdict {
    int status;                 /* ScnStatus, or -1: did not parse */
    SimCheckKind checker;
    char message[SCN_MSG_MAX];
} Verdict;

/* How a run fails: the worker's verdict, or the way it died. */
struct CliFailure {
    bool fails;
    bool crashed;
    char kind[KIND_MAX];        /* the crash kind */
    Verdict v;                  /* message with line numbers blanked */
};

static int option(void *ctx, int id, const char *v)
{
    (void)id;
    *(const char **)ctx = v;
    return 0;
}

static const CliCommand command = {
    .name = "reduce",
    .synopsis = "FILE [-o OUT]",
    .takes = 0,
    .specs = specs,
    .option = option,
};

static void usage(FILE *f)
{
    fputs("usage: replbench reduce FILE [-o OUT]\n"
          "\n"
          "Shrink a failing scenario: ddmin over its lines, then each argument left\n"
          "out and each number made smaller, then single lines again, keeping a\n"
          "candidate only when it fails the same way (the same checker kind and\n"
          "message, line numbers aside, or the same crash kind: signal, sanitizer\n"
          "report).  Every candidate runs in a forked worker.  The result is valid\n"
          "and 1-minimal: without any one of its lines it no longer fails so.\n"
          "\n"
          "options:\n"
          "  -o, --out OUT         write the reduced scenario to OUT (default: stdout)\n"
          "  --help                this text\n"
          "\n"
          "exit status: 0 reduced, 2 usage error, a file that cannot be read or\n"
          "parsed, or one that does not fail.\n", f);
}

/* "line 12", "line=12", "lines 3-4": the numbers blanked. */
static void blank_lines(char *m)
{
    char *w = m;

    for (const char *r = m; *r;) {
        if (strncmp(r, "line", 4) == 0) {
            const char *p = r + 4 + (r[4] == 's');

            p += *p == ' ' || *p == '=' || *p == ':';
            memmove(w, r, (size_t)(p - r));
            w += p - r;
            r = p;
            while ((*r >= '0' && *r <= '9') || (*r == '-' && r[1] >= '0' && r[1] <= '9')) {
                r++;
            }
            continue;
        }
        *w++ = *r++;
    }
    *w = '\0';
}

/* The child: parse and run, the verdict to fd. */
static void child(const char *text, size_t len, const char *name, int fd)
{
    static ScnResult res;
    static Verdict v;
    ScnError err;
    ScnScript *s = scn_parse(text, len, name, &err);
    const char *p = (const char *)&v;
    size_t left = sizeof(v);

    v.status = -1;
    if (s != NULL) {
        v.status = (int)scn_run(s, NULL, &res);
        v.checker = res.checker_kind;
        snprintf(v.message, sizeof(v.message), "%s", res.message);
        scn_free(s);
    }
    while (left > 0) {
        ssize_t n = write(fd, p, left);

        if (n <= 0 && errno != EINTR) {
            cli_child_exit(3);
        }
        p += n > 0 ? n : 0;
        left -= n > 0 ? (size_t)n : 0;
    }
    cli_child_exit(0);
}

/* A sanitizer's "ERROR: AddressSanitizer: heap-use-after-free" in the
 * worker's stderr: "AddressSanitizer: heap-use-after-free". */
static bool sanitizer_kind(FILE *err, char *kind, size_t len)
{
    char line[512];

    rewind(err);
    while (fgets(line, sizeof(line), err) != NULL) {
        char *at = strstr(line, "ERROR: ");
        char *ub = strstr(line, "runtime error: ");

        if (at != NULL && strstr(at, "Sanitizer: ") != NULL) {
            snprintf(kind, len, "%.*s", (int)strcspn(at + 7, " \n") + 0, at + 7);
            at = strstr(at, "Sanitizer: ") + 11;
            snprintf(kind + strlen(kind), len - strlen(kind), " %.*s",
                     (int)strcspn(at, " \n"), at);
            return true;
        }
        if (ub != NULL) {
            snprintf(kind, len, "UndefinedBehaviorSanitizer: runtime error");
            return true;
        }
    }
    return false;
}

static void read_all(int fd, Verdict *v, bool *got)
{
    char *p = (char *)v;
    size_t have = 0;
    ssize_t n;

    while (have < sizeof(*v) && ((n = read(fd, p + have, sizeof(*v) - have)) > 0 ||
                                 (n < 0 && errno == EINTR))) {
        have += n > 0 ? (size_t)n : 0;
    }
    *got = have == sizeof(*v);
}

/* Run text in a forked worker: how it fails.  -1 when no worker starts. */
static int judge(const char *text, size_t len, const char *name, struct CliFailure *f)
{
    FILE *err = tmpfile();
    int fds[2], status = 0;
    bool got = false;
    pid_t pid;

    memset(f, 0, sizeof(*f));
    if (err == NULL || pipe(fds) != 0) {
        if (err != NULL) {
            fclose(err);
        }
        return -1;
    }
    fflush(stdout);
    fflush(stderr);
    pid = fork();
    if (pid == 0) {
        close(fds[0]);
        dup2(fileno(err), STDERR_FILENO);
        child(text, len, name, fds[1]);
    }
    close(fds[1]);
    if (pid > 0) {
        read_all(fds[0], &f->v, &got);
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
    }
    close(fds[0]);
    if (pid > 0 && (!got || !WIFEXITED(status) || WEXITSTATUS(status) != 0)) {
        f->crashed = f->fails = true;
        if (!sanitizer_kind(err, f->kind, sizeof(f->kind))) {
            snprintf(f->kind, sizeof(f->kind), WIFSIGNALED(status) ? "signal %d (%s)"
                     : "exit status %d%s", WIFSIGNALED(status) ? WTERMSIG(status)
                     : WEXITSTATUS(status), WIFSIGNALED(status)
                     ? strsignal(WTERMSIG(status)) : "");
        }
    } else if (got) {
        f->fails = f->v.status == SCN_FAIL;
        blank_lines(f->v.message);
    }
    fclose(err);
    return pid < 0 ? -1 : 0;
}

static bool same_failure(const struct CliFailure *a, const struct CliFailure *b)
{
    if (!a->fails || !b->fails || a->crashed != b->crashed) {
        return false;
    }
    if (a->crashed) {
        return strcmp(a->kind, b->kind) == 0;
    }
    return a->v.checker == b->v.checker && strcmp(a->v.message, b->v.message) == 0;
}

typedef struct Target {
    struct CliFailure want;
    const char *name;
} Target;

static bool still_fails(void *ctx, const char *text, size_t len)
{
    Target *t = ctx;
    struct CliFailure f;

    return judge(text, len, t->name, &f) == 0 && same_failure(&f, &t->want);
}

static void describe(const struct CliFailure *f, char *buf, size_t len)
{
    if (f->crashed) {
        snprintf(buf, len, "crash: %s", f->kind);
    } else {
        snprintf(buf, len, "%s", f->v.message);
    }
}

char *cli_reduce_text(const char *text, size_t len, const char *name, bool *fails,
                      char *why, size_t whylen, ScnReduceStats *stats)
{
    Target t = { .name = name };

    *fails = false;
    memset(stats, 0, sizeof(*stats));
    if (judge(text, len, name, &t.want) != 0) {
        snprintf(why, whylen, "cannot start a worker: %s", strerror(errno));
        return NULL;
    }
    describe(&t.want, why, whylen);
    *fails = t.want.fails;
    return t.want.fails ? scn_reduce(text, len, still_fails, &t, stats) : NULL;
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = malloc(SCN_MAX_FILE_BYTES + 2);

    *len = 0;
    if (f == NULL || buf == NULL) {
        fprintf(stderr, "replbench reduce: %s: %s\n", path, buf ? strerror(errno) : "out of memory");
        if (f != NULL) {
            fclose(f);
        }
        free(buf);
        return NULL;
    }
    *len = fread(buf, 1, SCN_MAX_FILE_BYTES + 1, f);
    fclose(f);
    buf[*len] = '\0';
    return buf;
}

/* The file parses (else its error, file:line:col): 0, or -1. */
static int check_parses(const char *path, const char *text, size_t len)
{
    ScnError err;
    ScnScript *s = scn_parse(text, len, path, &err);
    char msg[512];

    if (s == NULL) {
        scn_error_format(NULL, path, &err, msg, sizeof(msg));
        fprintf(stderr, "%s\n", msg);
        return -1;
    }
    scn_free(s);
    return 0;
}

static int write_out(const char *out, const char *path, const char *why,
                     const ScnReduceStats *st, const char *text)
{
    FILE *f = out ? fopen(out, "w") : stdout;

    if (f == NULL) {
        fprintf(stderr, "replbench reduce: %s: %s\n", out, strerror(errno));
        return REPORT_EXIT_USAGE;
    }
    fprintf(f, "# reduced by replbench reduce from %s (%u -> %u lines); fails: ", path,
            st->lines_before, st->lines_after);
    report_put_line_safe(f, why);
    fprintf(f, "\n%s", text);
    if (out != NULL && fclose(f) != 0) {
        fprintf(stderr, "replbench reduce: %s: %s\n", out, strerror(errno));
        return REPORT_EXIT_USAGE;
    }
    return REPORT_EXIT_OK;
}

static int reduce_file(const char *path, const char *out)
{
    char why[SCN_MSG_MAX + KIND_MAX], *text, *reduced = NULL;
    double start = cli_now();
    ScnReduceStats st;
    bool fails = false;
    size_t len;
    int rc = REPORT_EXIT_USAGE;

    if ((text = read_file(path, &len)) == NULL || check_parses(path, text, len) != 0) {
        free(text);
        return rc;
    }
    reduced = cli_reduce_text(text, len, path, &fails, why, sizeof(why), &st);
    if (!fails) {
        fprintf(stderr, "replbench reduce: %s does not fail: nothing to reduce\n", path);
    } else if (reduced == NULL) {
        fprintf(stderr, "replbench reduce: %s: %s\n", path, why[0] ? why : "out of memory");
    } else {
        rc = write_out(out, path, why, &st, reduced);
        fprintf(stderr, "reduce: %s: %u -> %u lines (%u arguments dropped, %u numbers made "
                "smaller), %u candidates in %.3f s%s\n", path, st.lines_before, st.lines_after,
                st.args_dropped, st.numbers_shrunk, st.tests, cli_now() - start,
                st.capped ? "; stopped at the candidate limit: may not be 1-minimal" : "");
    }
    free(reduced);
    free(text);
    return rc;
}

int cli_reduce(int argc, char **argv)
{
    const char *out = NULL;
    CliCommon c;
    int rc = REPORT_EXIT_USAGE;

    if (cli_command_parse(&command, argc, argv, &out, &c) != 0) {
        /* printed */
    } else if (c.help) {
        usage(stdout);
        rc = REPORT_EXIT_OK;
    } else if (c.paths.n != 1) {
        fprintf(stderr, "replbench reduce: one FILE, not %zu (usage: replbench reduce FILE "
                "[-o OUT])\n", c.paths.n);
    } else {
        rc = reduce_file(c.paths.v[0], out);
    }
    cli_common_free(&c);
    return rc;
}
