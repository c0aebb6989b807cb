/* reduce.c: `replbench reduce FILE [-o OUT]` (cli.h): a failing scenario
 * shrunk (scenarios/reduce.h) to a 1-minimal one that fails the same way:
 * the same checker kind and message (line numbers aside), or the same
 * crash kind, or past the time limit again.  Every candidate runs in a
 * child process (child.c), its stderr kept aside, so an implementation that
 * crashes (a signal, a sanitizer report) or never ends stops that
 * candidate, never the reduction.  The reduced scenario's crash is shown
 * with its stacks and its whole report kept.  fuzz2scn --reduce uses
 * cli_reduce_text.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "cli.h"
#include "prng.h"
#include "reduce.h"

enum { O_OUT, O_INJECT };

static const CliOptSpec specs[] = {
    { "-o", true, O_OUT },
    { "--out", true, O_OUT },
    { "--inject", true, O_INJECT },
    { NULL, false, 0 },
};

/* What a candidate's child leaves, in memory shared with the parent. */
typedef struct Verdict {
    bool done;                  /* written: the child reached its end */
    int status;                 /* ScnStatus, or -1: did not parse */
    SimCheckKind checker;
    char message[SCN_MSG_MAX];
} Verdict;

/* How a run fails: the child's verdict, or the way it died or stopped. */
struct CliFailure {
    bool fails;
    bool crashed;               /* died, or stopped at the time limit */
    ReportCrash crash;          /* what killed it: its kind is what must match */
    Verdict v;                  /* message with line numbers blanked */
};

/* The command's options: -o, --inject, and the common ones (--seed,
 * --liveness, --timeout, --crash-dir). */
typedef struct Opts {
    CliCommon c;
    const char *out;
    ReportJob run;              /* --seed, --inject, --liveness: how each candidate runs */
} Opts;

/* The time limit of a candidate: --timeout (fuzz2scn --reduce: the default). */
static double limit = CLI_TIMEOUT_DEFAULT;
/* How a candidate runs (its seed, injections, liveness phase), or NULL:
 * as its text says (fuzz2scn --reduce). */
static const ReportJob *run_as;
/* -j: candidates judged at once (fuzz2scn --reduce: one). */
static unsigned width = 1;

static int option(void *ctx, int id, const char *v)
{
    Opts *o = ctx;

    if (id == O_INJECT) {
        return cli_opt_inject("reduce", v, &o->run);
    }
    o->out = v;
    return 0;
}

static const CliCommand command = {
    .name = "reduce",
    .synopsis = "[OPTIONS] FILE [-o OUT]",
    .takes = CLI_TAKES_CHILD | CLI_TAKES_SEED | CLI_TAKES_LIVENESS | CLI_TAKES_JOBS,
    .specs = specs,
    .option = option,
};

static void usage(FILE *f)
{
    fputs("usage: replbench reduce [OPTIONS] FILE [-o OUT]\n"
          "\n"
          "Shrink a failing scenario: ddmin over its lines, then each argument left\n"
          "out and each number made smaller, then single lines again, keeping a\n"
          "candidate only when it fails the same way (the same checker kind and\n"
          "message, line numbers aside, or the same crash kind: signal, sanitizer\n"
          "report, time limit).  Every candidate runs in a child process.  The\n"
          "result is valid and 1-minimal: without any one of its lines it no longer\n"
          "fails so.  A crash's stacks head the reduced file, and its whole report\n"
          "is kept (--crash-dir).  With --seed, --inject and --liveness every\n"
          "candidate runs as `replbench run` with them would: a failure of sweep is\n"
          "reduced from its reproduce line, `run` replaced by `reduce`.  With -j N up\n"
          "to N candidates run at once, judged in the order one at a time would: the\n"
          "same reduced file and the same count of candidates.\n"
          "\n"
          "options:\n"
          "  -o, --out OUT         write the reduced scenario to OUT (default: stdout)\n"
          "  --inject POINT:HIT[:persistent]\n"
          "                        fail hit HIT of fault point POINT in each candidate,\n"
          "                        as run --inject (repeat: up to 8)\n", f);
    cli_usage_common(f, command.takes);
    fputs("Here exit status 0 is reduced; a file that does not fail is 2, and so is\n"
          "one the host failed (host out of memory: no verdict to reduce against).\n", f);
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

/* A candidate, and where its child leaves the verdict. */
typedef struct Candidate {
    const char *text;
    size_t len;
    const char *name;
    Verdict *v;
} Candidate;

/* The child: parse and run, the verdict to shared memory. */
static void candidate_main(void *ctx)
{
    static ScnResult res;
    const Candidate *cd = ctx;
    ScnScript *s = scn_parse(cd->text, cd->len, cd->name, NULL);
    ScnOptions opt = { 0 };

    cd->v->status = -1;
    if (run_as != NULL) {
        report_job_options(run_as, &opt);
    }
    if (s != NULL) {
        cd->v->status = (int)scn_run(s, run_as != NULL ? &opt : NULL, &res);
        cd->v->checker = res.checker_kind;
        snprintf(cd->v->message, sizeof(cd->v->message), "%s", res.message);
        scn_free(s);
    }
    cd->v->done = true;
    cli_child_exit(0);
}

/* The children of one reduction: one stderr file, one shared verdict. */
typedef struct Judge {
    CliChild child;
    Verdict *v;                 /* shared with the child */
} Judge;

static int judge_open(Judge *j)
{
    void *m = mmap(NULL, sizeof(Verdict), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
                   -1, 0);

    j->child = (CliChild){ .pid = -1, .err = -1 };
    j->v = m != MAP_FAILED ? m : NULL;
    if (j->v == NULL || cli_child_errfile(&j->child) != 0) {
        if (j->v != NULL) {
            munmap(j->v, sizeof(Verdict));
        }
        j->v = NULL;
        return -1;
    }
    return 0;
}

static void judge_close(Judge *j)
{
    cli_child_close(&j->child);
    if (j->v != NULL) {
        munmap(j->v, sizeof(Verdict));
    }
    j->v = NULL;
}

/* Start a child that runs text.  0, or -1 when it cannot start (errno). */
static int judge_start(Judge *j, const char *text, size_t len, const char *name)
{
    Candidate cd = { .text = text, .len = len, .name = name, .v = j->v };

    memset(j->v, 0, sizeof(*j->v));
    return cli_child_start(&j->child, candidate_main, &cd);
}

/* Wait for the child judge_start started: how it fails.  0, or -2 when a
 * signal came (the child killed). */
static int judge_end(Judge *j, struct CliFailure *f)
{
    int status = 0, how;

    memset(f, 0, sizeof(*f));
    how = cli_child_wait(&j->child, limit > 0 ? j->child.started + limit : 0, &status);
    if (how != CLI_CHILD_ENDED) {
        cli_child_kill(&j->child);
        if (how == CLI_CHILD_INTERRUPTED) {
            return -2;
        }
        f->fails = f->crashed = true;
        snprintf(f->crash.kind, sizeof(f->crash.kind), "timed out after %g s (the --timeout "
                 "limit)", limit);
        return 0;
    }
    if (!j->v->done || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        f->fails = f->crashed = true;
        cli_child_crash(&j->child, status, &f->crash);
        return 0;
    }
    f->v = *j->v;
    f->fails = f->v.status == SCN_FAIL;
    blank_lines(f->v.message);
    return 0;
}

/* Run text in a child: how it fails.  0, -1 when no child starts (errno),
 * -2 when a signal came (the child killed). */
static int judge(Judge *j, const char *text, size_t len, const char *name, struct CliFailure *f)
{
    memset(f, 0, sizeof(*f));
    if (judge_start(j, text, len, name) != 0) {
        return -1;
    }
    return judge_end(j, f);
}

static bool same_failure(const struct CliFailure *a, const struct CliFailure *b)
{
    if (!a->fails || !b->fails || a->crashed != b->crashed) {
        return false;
    }
    if (a->crashed) {
        return strcmp(a->crash.kind, b->crash.kind) == 0;
    }
    return a->v.checker == b->v.checker && strcmp(a->v.message, b->v.message) == 0;
}

typedef struct Target {
    Judge j;
    Judge more[CLI_MAX_JOBS];   /* -j N: the other N - 1 judges, open */
    unsigned nmore;
    struct CliFailure want;
    const char *name;
    char host[SCN_MSG_MAX];     /* a candidate the host failed (SCN_ERROR): its message */
} Target;

/* The host failed the run (SCN_ERROR): no verdict either way. */
static bool host_failed(const struct CliFailure *f)
{
    return !f->crashed && f->v.status == SCN_ERROR;
}

/* A candidate's failure against the one wanted; the first the host
 * failed is kept. */
static bool as_wanted(Target *t, const struct CliFailure *f)
{
    if (host_failed(f) && t->host[0] == '\0') {
        snprintf(t->host, sizeof(t->host), "%s", f->v.message);
    }
    return same_failure(f, &t->want);
}

static bool still_fails(void *ctx, const char *text, size_t len)
{
    Target *t = ctx;
    struct CliFailure f;

    /* Interrupted: every candidate is refused, and the reduction ends. */
    if (cli_signal_caught() != 0 || judge(&t->j, text, len, t->name, &f) != 0) {
        return false;
    }
    return as_wanted(t, &f);
}

/* -j N: up to N candidates, each in a child of its own at once; judged in
 * their order, as still_fails one after the other would (what follows the
 * first that fails is not looked at: its children are killed). */
static size_t first_fails(void *ctx, const char *const *text, const size_t *len, size_t n)
{
    Target *t = ctx;
    size_t started = 0, hit = n;

    for (; started < n && started <= t->nmore && cli_signal_caught() == 0; started++) {
        Judge *j = started == 0 ? &t->j : &t->more[started - 1];

        if (judge_start(j, text[started], len[started], t->name) != 0) {
            break;
        }
    }
    for (size_t i = 0; i < started; i++) {
        Judge *j = i == 0 ? &t->j : &t->more[i - 1];
        struct CliFailure f;

        if (hit < n || cli_signal_caught() != 0) {
            cli_child_kill(&j->child);
        } else if (judge_end(j, &f) == 0 && as_wanted(t, &f)) {
            hit = i;
        }
    }
    return hit;
}

static void describe(const struct CliFailure *f, char *buf, size_t len)
{
    if (f->crashed) {
        snprintf(buf, len, "crash: %s", f->crash.kind);
    } else {
        snprintf(buf, len, "%s", f->v.message);
    }
}

char *cli_reduce_text(const char *text, size_t len, const char *name, bool *fails,
                      char *why, size_t whylen, ScnReduceStats *stats)
{
    Target t = { .name = name };
    char *reduced = NULL;
    int rc;

    *fails = false;
    memset(stats, 0, sizeof(*stats));
    cli_signals_catch();        /* a child's end wakes the wait (fuzz2scn too) */
    if (judge_open(&t.j) != 0) {
        snprintf(why, whylen, "cannot set up a child: %s", strerror(errno));
        return NULL;
    }
    rc = judge(&t.j, text, len, name, &t.want);
    if (rc != 0) {
        snprintf(why, whylen, rc == -2 ? "interrupted" : "cannot start a child: %s",
                 strerror(errno));
    } else {
        describe(&t.want, why, whylen);
        *fails = t.want.fails || host_failed(&t.want);
        while (t.nmore + 1 < width && judge_open(&t.more[t.nmore]) == 0) {
            t.nmore++;
        }
        reduced = !t.want.fails ? NULL
                : t.nmore == 0 ? scn_reduce(text, len, still_fails, &t, stats)
                : scn_reduce_wide(text, len, still_fails, first_fails, t.nmore + 1, &t, stats);
    }
    if (t.host[0] != '\0') {
        /* A candidate judged under a host failure: the result may keep
         * what a run with memory would have dropped. */
        snprintf(why, whylen, "%s (while reducing: not reduced)", t.host);
        free(reduced);
        reduced = NULL;
    }
    judge_close(&t.j);
    for (unsigned i = 0; i < t.nmore; i++) {
        judge_close(&t.more[i]);
    }
    return reduced;
}

/* The reduced scenario's crash, run once more: its stacks (to head the
 * file) and its whole report, kept in the crash folder. */
static bool final_crash(const Opts *o, const char *text, const char *path, ReportCrash *crash)
{
    char dir[REPORT_PATH_MAX + 1], name[64], header[REPORT_PATH_MAX + 128];
    struct CliFailure f;
    Judge j;
    bool crashed = false;

    if (judge_open(&j) != 0) {
        return false;
    }
    if (judge(&j, text, strlen(text), path, &f) == 0 && f.crashed) {
        *crash = f.crash;
        crashed = true;
        cli_command_crash_dir(&o->c, dir, sizeof(dir));
        snprintf(name, sizeof(name), "crash-%016" PRIx64 ".txt",
                 sim_hash_str(SIM_HASH_INIT, text));
        snprintf(header, sizeof(header), "# replbench reduce: the scenario reduced from %s "
                 "crashes: %s\n# what it wrote to stderr:\n", path, crash->kind);
        cli_crash_save(&j.child, dir, name, header, crash);
    }
    judge_close(&j);
    return crashed;
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
    static ScnErrors errs;
    static char msg[REPORT_ERROR_MAX];
    ScnScript *s = scn_parse(text, len, path, &errs);

    if (s == NULL) {
        scn_errors_format(&errs, path, msg, sizeof(msg));
        fprintf(stderr, "%s\n", msg);
        return -1;
    }
    scn_free(s);
    return 0;
}

/* " under --seed S --inject P:H ... --liveness": how the candidates ran,
 * when not as their text says. */
static void run_options(FILE *f, const ReportJob *job)
{
    if (job == NULL) {
        return;
    }
    fputs(" under", f);
    if (job->seed_set) {
        fprintf(f, " --seed %" PRIu64, job->seed);
    }
    for (unsigned i = 0; i < job->ninject; i++) {
        fputs(" --inject ", f);
        report_shell_word(f, job->inject[i].point);
        fprintf(f, ":%" PRIu64 "%s", job->inject[i].hit,
                job->inject[i].persistent ? ":persistent" : "");
    }
    if (job->liveness) {
        fputs(" --liveness", f);
    }
    if (job->liveness && job->liveness_ticks != 0) {
        fprintf(f, " --liveness-ticks %" PRIu64, job->liveness_ticks);
    }
}

static int write_out(const Opts *o, const char *path, const char *why,
                     const ScnReduceStats *st, const char *text)
{
    FILE *f = o->out ? fopen(o->out, "w") : stdout;
    ReportCrash *crash = malloc(sizeof(*crash));

    if (f == NULL) {
        fprintf(stderr, "replbench reduce: %s: %s\n", o->out, strerror(errno));
        free(crash);
        return REPORT_EXIT_USAGE;
    }
    fprintf(f, "# reduced by replbench reduce from %s (%u -> %u lines)", path,
            st->lines_before, st->lines_after);
    run_options(f, run_as);
    fputs("; fails: ", f);
    report_put_line_safe(f, why);
    fputc('\n', f);
    if (crash != NULL && final_crash(o, text, path, crash)) {
        report_crash_print(f, "# ", crash);
        report_crash_print(stderr, "reduce: ", crash);
    }
    fputs(text, f);
    free(crash);
    if (o->out != NULL && fclose(f) != 0) {
        fprintf(stderr, "replbench reduce: %s: %s\n", o->out, strerror(errno));
        return REPORT_EXIT_USAGE;
    }
    return REPORT_EXIT_OK;
}

static int reduce_file(const Opts *o, const char *path)
{
    char why[SCN_MSG_MAX + sizeof(((ReportCrash *)0)->kind)], *text, *reduced = NULL;
    double start = cli_now();
    ScnReduceStats st;
    bool fails = false;
    size_t len;
    int rc = REPORT_EXIT_USAGE;

    if ((text = read_file(path, &len)) == NULL || check_parses(path, text, len) != 0) {
        free(text);
        return rc;
    }
    limit = o->c.timeout;
    width = o->c.jobs;
    if (o->c.seed_set || o->run.ninject != 0 || o->c.liveness) {
        run_as = &o->run;
    }
    reduced = cli_reduce_text(text, len, path, &fails, why, sizeof(why), &st);
    if (cli_signal_caught() != 0) {
        fprintf(stderr, "replbench reduce: %s: interrupted by %s after %u candidates: "
                "nothing written\n", path, cli_signal_name(cli_signal_caught()), st.tests);
    } else if (!fails) {
        fprintf(stderr, "replbench reduce: %s does not fail: nothing to reduce%s\n", path,
                run_as == NULL ? " (a failure under --seed or --inject, as sweep's: reduce "
                "it with those options, its reproduce line with reduce for run)" : "");
    } else if (reduced == NULL) {
        fprintf(stderr, "replbench reduce: %s: %s\n", path, why[0] ? why : "out of memory");
    } else {
        rc = write_out(o, path, why, &st, reduced);
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
    Opts o = { .out = NULL };
    int rc = REPORT_EXIT_USAGE;

    if (cli_command_parse(&command, argc, argv, &o, &o.c) != 0) {
        /* printed */
    } else if (o.c.help) {
        usage(stdout);
        rc = REPORT_EXIT_OK;
    } else if (o.c.paths.n != 1) {
        fprintf(stderr, "replbench reduce: one FILE, not %zu (usage: replbench reduce [OPTIONS] FILE "
                "[-o OUT])\n", o.c.paths.n);
    } else {
        o.run.seed_set = o.c.seed_set;
        o.run.seed = o.c.seed;
        cli_command_job_options(&o.c, &o.run);
        rc = reduce_file(&o, o.c.paths.v[0]);
    }
    cli_common_free(&o.c);
    return rc;
}
