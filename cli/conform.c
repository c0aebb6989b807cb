/* conform.c: `replbench conform` (cli.h): runs the registry-rule suites (or
 * the given paths) in forked workers, so that a scenario killing its
 * process (a use-after-free under ASan) fails only itself, and prints the
 * conformance table (reports/conform.c) of the implementation linked in.
 * A scenario whose worker died is named by what killed it (the pool keeps
 * each worker's stderr: the sanitizer's finding, or the signal).  Exit 0
 * when no cell fails, 1 when one does, 2 on a usage, read or parse error.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check_registry.h"
#include "cli.h"
#include "impl.h"
#include "replication.h"

enum { O_FORMAT, O_REPORT };

static const CliOptSpec specs[] = {
    { "--format", true, O_FORMAT },
    { "--report", true, O_REPORT },
    { NULL, false, 0 },
};

static int option(void *ctx, int id, const char *v);

static const CliCommand command = {
    .name = "conform",
    .synopsis = "[OPTIONS] [PATH...]",
    .takes = CLI_TAKES_SEED | CLI_TAKES_SEEDS | CLI_TAKES_JOBS | CLI_TAKES_CHILD |
             CLI_TAKES_PICK | CLI_TAKES_OUTPUT | CLI_TAKES_COLOR,
    .paths_optional = true,
    .specs = specs,
    .option = option,
};

/* The suites whose scenarios carry `rule` tags, under cli_suites_root. */
static const char *const default_suites[] = {
    "scenarios/suites/registry", "scenarios/suites/removal",
    "scenarios/suites/errors", "scenarios/suites/faults",
};
#define NSUITES (sizeof(default_suites) / sizeof(*default_suites))

typedef struct Conform {
    CliCommon c;
    ReportConformFormat format;
    const char *report;
    int argc;
    char **argv;
    CliFiles files;
    ReportConform *table;
    ReportHtml *html;
    size_t next_file, done;
    uint64_t nseeds;            /* runs per file: cli_command_nseeds */
    bool errors;
    bool any_failed;            /* a cell fails: -x starts no more scenarios */
    FILE *crash_log;            /* each crash's stacks, shown after the table, or NULL */
    char *crashes;              /* crash_log's text */
    size_t crashes_len;
} Conform;

static void usage(FILE *f)
{
    fputs("usage: replbench conform [OPTIONS] [PATH...]\n"
          "\n"
          "Run the scenarios (default: scenarios/suites/registry, removal, errors and\n"
          "faults, those installed with replbench, else the source tree's), each in\n"
          "a worker process, and print the conformance table of the implementation\n"
          "under test: each walk rule of docs/CONTRACT.md (1-6) and each extension,\n"
          "for each walk: pass, FAIL (how many scenarios, the first message, the\n"
          "sanitizer's finding, the reproduce command) or n/a (why).  A scenario\n"
          "that breaks the contract fails the cell of the rule and walk the contract\n"
          "checker saw broken (the first violation of each outermost walk; what\n"
          "follows in that walk is taken for its consequences), whatever its tags;\n"
          "one that passes, is n/a or fails otherwise (a crash, an expectation)\n"
          "counts in the cells its `rule` lines name (FORMAT.md); memory left after\n"
          "the teardown is rule 5.  A scenario\n"
          "without a `rule` line counts only where it breaks the contract.  A cell\n"
          "whose scenarios all broke another cell first is n/a, saying which; one\n"
          "where some passed and others broke another cell first is pass* (partly\n"
          "checked: \"partly\" in JSON, skipped in JUnit, not a failure), with a\n"
          "footnote naming those scenarios and the cells they broke.\n"
          "Without PATH, built-in probes also check rule 6 (remove(NULL) does\n"
          "nothing; NULL ops and freeing a registry during its walk abort) and\n"
          "free-with-states, which no scenario can script.\n"
          "\n"
          "options:\n"
          "  --format F            summary (default), json or junit\n"
          "  --report DIR          also write DIR/index.html: the table as a coloured\n"
          "                        rule x walk matrix, each failing cell linked to its\n"
          "                        scenarios' rows and timelines\n", f);
    cli_usage_common(f, command.takes);
    fputs("Here a failure is a cell that fails: -x starts no scenario (and no\n"
          "built-in probe) once one does.  -q prints the failures and the closing\n"
          "line without the table; -v also a line per scenario as it ends (on\n"
          "stderr with --format json or junit).  --seed N runs every scenario\n"
          "under seed N, --seeds A..B under each seed A..B: each run counts in the\n"
          "cells as a scenario does, and a failure's reproduce line names its seed.\n"
          "--budget starts no scenario (and no built-in probe) once it is spent and\n"
          "says so; the table holds what ran.  --color paints the table's cells.\n", f);
}

static int option(void *ctx, int id, const char *v)
{
    Conform *c = ctx;
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
    default:
        c->report = v;
        return v[0] != '\0' ? 0 : cli_bad_value("conform", "--report", v, "expected a folder");
    }
}

/* ---- rule 6 (docs/CONTRACT.md): built-in probes, each in a child ------------------
 * What rule 6 asks, aborts above all, no scenario can script: these check it
 * directly on the implementation, one child per probe and walk. */

static ReplicationRegistry *probe_reg;
static unsigned probe_calls;

/* A walk with a fresh errp: what rule 3 asks of errp is the scenarios'
 * business, not rule 6's. */
static void probe_walk(ReplicationRegistry *reg, int w)
{
    Error *err = NULL;

    switch (w) {
    case SIM_WALK_START: replication_start_all_in(reg, REPLICATION_MODE_PRIMARY, &err); break;
    case SIM_WALK_STOP: replication_stop_all_in(reg, false, &err); break;
    case SIM_WALK_CHECKPOINT: replication_do_checkpoint_all_in(reg, &err); break;
    default: replication_get_error_all_in(reg, &err); break;
    }
    error_free(err);
}

static int probe_kind;

/* A call of a probe's state.  In the remove(NULL) probe a second call ends
 * the child as a pass: the state was reached, so remove(NULL) broke
 * nothing; a walk that calls a state again, or never ends, breaks rule 4,
 * which the scenarios judge in the walk's own cell (not rule 6's here). */
static void counted(void)
{
    if (++probe_calls > 1 && probe_kind == 0) {
        cli_child_exit(0);
    }
}

static void count_start(ReplicationState *rs, ReplicationMode m, Error **errp)
{
    (void)rs, (void)m, (void)errp;
    counted();
}

static void count_stop(ReplicationState *rs, bool f, Error **errp)
{
    (void)rs, (void)f, (void)errp;
    counted();
}

static void count_other(ReplicationState *rs, Error **errp)
{
    (void)rs, (void)errp;
    counted();
}

static void free_start(ReplicationState *rs, ReplicationMode m, Error **errp)
{
    (void)rs, (void)m, (void)errp;
    replication_registry_free(probe_reg);
}

static void free_stop(ReplicationState *rs, bool f, Error **errp)
{
    (void)rs, (void)f, (void)errp;
    replication_registry_free(probe_reg);
}

static void free_other(ReplicationState *rs, Error **errp)
{
    (void)rs, (void)errp;
    replication_registry_free(probe_reg);
}

static ReplicationOps count_ops = {
    .start = count_start, .stop = count_stop, .checkpoint = count_other, .get_error = count_other,
};
static ReplicationOps free_ops = {
    .start = free_start, .stop = free_stop, .checkpoint = free_other, .get_error = free_other,
};

/* The probe bodies; each ends the child.  Exit 0: no abort happened. */
static void probe_body(int kind, int w)
{
    ReplicationState *rs;

    probe_kind = kind;
    probe_reg = replication_registry_new();
    if (probe_reg == NULL) {
        cli_child_exit(4);
    }
    if (kind == 0) {                    /* remove(NULL) is a no-op */
        replication_remove(NULL);
        rs = replication_new_in(probe_reg, NULL, &count_ops);
        probe_walk(probe_reg, w);
        cli_child_exit(rs != NULL && probe_calls == 1 ? 0 : 3);
    }
    if (kind == 1) {                    /* NULL ops aborts */
        replication_new_in(probe_reg, NULL, NULL);
        cli_child_exit(0);
    }
    if (kind == 3) {                    /* free-with-states: no call, no leak */
        for (int i = 0; i < 3; i++) {
            replication_new_in(probe_reg, NULL, &count_ops);
        }
        replication_registry_free(probe_reg);
        exit(probe_calls == 0 ? 0 : 3);     /* exit(): LeakSanitizer checks at exit */
    }
    replication_new_in(probe_reg, NULL, &free_ops);     /* freeing a walked registry aborts */
    probe_walk(probe_reg, w);
    cli_child_exit(0);
}

typedef struct Probe {
    int kind, w;
} Probe;

static void probe_main(void *ctx)
{
    const Probe *p = ctx;

    probe_body(p->kind, p->w);
}

/* Run probe (kind, w) in a child, its stderr (the abort's message) to
 * /dev/null: its wait status, or -1 (msg says why: no child, a signal
 * caught, past --timeout). */
static int run_probe(const Conform *c, int kind, int w, char *msg, size_t len)
{
    Probe p = { .kind = kind, .w = w };
    CliChild child = { .pid = -1, .err = open("/dev/null", O_WRONLY | O_CLOEXEC) };
    int status = 0, how = -1;

    if (cli_child_start(&child, probe_main, &p) != 0) {
        snprintf(msg, len, "cannot fork: %s", strerror(errno));
    } else if ((how = cli_child_wait(&child, c->c.timeout > 0 ? child.started + c->c.timeout
                                                              : 0, &status)) != CLI_CHILD_ENDED) {
        snprintf(msg, len, how == CLI_CHILD_INTERRUPTED ? "interrupted"
                 : "timed out after %g s (the --timeout limit)", c->c.timeout);
    }
    cli_child_close(&child);
    return how == CLI_CHILD_ENDED ? status : -1;
}

static void probe(Conform *c, int kind, int w)
{
    static const char *const names[4][4] = {
        { "probe:remove-null/start", "probe:remove-null/stop", "probe:remove-null/checkpoint",
          "probe:remove-null/get_error" },
        { "probe:new-null-ops-aborts", "", "", "" },
        { "probe:free-during-start-aborts", "probe:free-during-stop-aborts",
          "probe:free-during-checkpoint-aborts", "probe:free-during-get_error-aborts" },
        { "probe:free-with-states-releases-them", "", "", "" },
    };
    bool wants_abort = kind == 1 || kind == 2;
    ScnRuleTag tag = { .rule = kind == 3 ? 0 : 6, .ext = kind == 3 ? REPLICATION_EXT_FREE_WITH_STATES : 0,
                       .walk = kind == 1 || kind == 3 ? SCN_WALK_ANY : w };
    char msg[128];
    int status = run_probe(c, kind, w, msg, sizeof(msg));
    bool ok;

    if (cli_signal_caught() != 0) {
        return;                 /* not run: the command reports it was interrupted */
    }
    ok = !wants_abort ? status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0
                      : status >= 0 && WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT;
    if (status < 0) {
        /* msg says why */
    } else if (WIFSIGNALED(status)) {
        snprintf(msg, sizeof(msg), "killed by signal %d%s", WTERMSIG(status),
                 wants_abort ? ", expected an abort (SIGABRT)" : "");
    } else {
        snprintf(msg, sizeof(msg), "exited with status %d, expected %s", WEXITSTATUS(status),
                 wants_abort ? "an abort (SIGABRT)" : "0 (no abort, no leak, the calls expected)");
    }
    report_conform_add_probe(c->table, &tag, names[kind][tag.walk == SCN_WALK_ANY ? 0 : w], ok, msg);
}

/* free-with-states only where the implementation says it offers it. */
static void probes(Conform *c)
{
    if (replication_impl_extensions() & REPLICATION_EXT_FREE_WITH_STATES) {
        probe(c, 3, 0);
    }
    probe(c, 1, 0);
    for (int w = 0; w < 4; w++) {
        probe(c, 0, w);
        probe(c, 2, w);
    }
}

/* ---- the pool's callbacks ------------------------------------------------------- */

static bool next_job(void *ctx, ReportJob *job)
{
    Conform *c = ctx;

    return cli_command_next_run(&c->c, &c->next_file, c->files.n, c->any_failed, job);
}

/* -v: the scenario's verdict as run would give it, and its path. */
static void scenario_line(const Conform *c, const char *path, const ReportJob *job,
                          const ReportOutcome *out)
{
    static const char *const words[REPORT_VERDICT__COUNT] = { "PASS", "FAIL", "SKIP", "N/A",
                                                              "ERROR" };
    FILE *f = c->format == REPORT_CONFORM_JSON || c->format == REPORT_CONFORM_JUNIT ? stderr
                                                                                   : stdout;

    if (c->c.verbosity <= 0) {
        return;
    }
    fprintf(f, "%s ", words[report_verdict(REPORT_KIND_RUN, job, out)]);
    report_put_line_safe(f, path);
    if (c->c.seeds_set) {
        fprintf(f, " [seed %" PRIu64 "]", job->seed);
    }
    if (out->res.message[0] != '\0') {
        fputs(": ", f);
        report_put_line_safe(f, out->res.message);
    }
    fputc('\n', f);
}

static void job_done(void *ctx, const ReportJob *job, const ReportOutcome *out)
{
    Conform *c = ctx;
    const char *path = c->files.paths[job->file];
    char err[REPORT_ERROR_MAX];
    ScnScript *s;

    c->done++;
    if (!out->loaded) {
        fprintf(stderr, "%s\n", out->error);
        c->errors = true;
        return;
    }
    if (out->res.status == SCN_ERROR) {
        /* The host failed the run: no verdict for any cell it tags; the
         * table is incomplete (exit 2), never a FAIL of the registry. */
        fprintf(stderr, "replbench conform: %s: %s\n", path, out->res.message);
        c->errors = true;
        return;
    }
    if (out->died && c->crash_log != NULL) {
        fprintf(c->crash_log, "CRASH %s:\n", path);
        report_crash_print(c->crash_log, "  ", &out->crash);
    }
    s = report_load(path, err, sizeof(err));
    report_conform_add(c->table, c->done, path, s, out, out->died ? out->crash.kind : "");
    scn_free(s);
    c->any_failed = report_conform_failing(c->table) != 0;
    scenario_line(c, path, job, out);
    if (c->html != NULL) {
        report_html_add(c->html, path, job, out);
    }
}

/* ---- the command ---------------------------------------------------------------- */

static int execute(Conform *c, double start)
{
    char crash_dir[REPORT_PATH_MAX + 1];
    CliPool pool = { .files = &c->files, .jobs = c->c.jobs, .timeout = c->c.timeout,
                     .crash_dir = crash_dir, .next = next_job, .done = job_done, .ctx = c };
    int rc;

    c->table = report_conform_new();
    c->nseeds = cli_command_nseeds(&c->c);
    if (c->table != NULL) {
        report_conform_set_color(c->table, c->c.color);
    }
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
    cli_command_crash_dir(&c->c, crash_dir, sizeof(crash_dir));
    c->crash_log = open_memstream(&c->crashes, &c->crashes_len);
    rc = cli_pool_run(&pool);
    if (c->c.paths.n == 0 && cli_signal_caught() == 0 && c->c.stop == CLI_STOP_NONE) {
        probes(c);
    }
    if (c->html != NULL && report_html_end(c->html, cli_now() - start) != 0) {
        rc = -1;
    }
    if (rc == 0) {
        rc = report_conform_write(c->table, c->format == REPORT_CONFORM_SUMMARY &&
                                  c->c.verbosity < 0 ? REPORT_CONFORM_QUIET : c->format, stdout);
        cli_command_stopped(&c->c, c->format == REPORT_CONFORM_SUMMARY ? stdout : stderr,
                            c->done, c->files.n * c->nseeds);
    } else {
        rc = REPORT_EXIT_USAGE;
    }
    if (c->crash_log != NULL && fclose(c->crash_log) == 0 && c->crashes_len != 0 &&
        c->format == REPORT_CONFORM_SUMMARY) {
        printf("\ncrashes (the sanitizer's stacks of each scenario whose worker died):\n%s",
               c->crashes);
    }
    free(c->crashes);
    if (cli_signal_caught() != 0) {
        fprintf(stderr, "replbench conform: interrupted by %s: the table holds the %zu of %"
                PRIu64 " runs that ran%s\n", cli_signal_name(cli_signal_caught()), c->done,
                (uint64_t)c->files.n * c->nseeds,
                c->c.paths.n == 0 ? ", and no built-in probe" : "");
    }
    report_conform_free(c->table);
    return c->errors ? REPORT_EXIT_USAGE : rc;
}

int cli_conform(int argc, char **argv)
{
    double start = cli_now();
    Conform c = { .format = REPORT_CONFORM_SUMMARY, .argc = argc, .argv = argv };
    CliCommon given;
    char root[REPORT_PATH_MAX + 1], paths[NSUITES][2 * REPORT_PATH_MAX];
    char *default_paths[NSUITES];
    bool none;
    size_t problems;
    int rc = REPORT_EXIT_USAGE;

    if (cli_command_parse(&command, argc, argv, &c, &c.c) != 0) {
        goto out;
    }
    if (c.c.help) {
        usage(stdout);
        rc = REPORT_EXIT_OK;
        goto out;
    }
    given = c.c;
    if (given.paths.n == 0) {
        cli_suites_root(root, sizeof(root));
        for (size_t i = 0; i < NSUITES; i++) {
            snprintf(paths[i], sizeof(paths[i]), "%s%s%s", strcmp(root, ".") == 0 ? "" : root,
                     strcmp(root, ".") == 0 ? "" : "/", default_suites[i]);
            default_paths[i] = paths[i];
        }
        given.paths = (CliPaths){ default_paths, NSUITES };
    }
    problems = cli_command_files(&command, &given, &c.files, &none);
    if (problems == 0 && !none && cli_command_list(&c.c, &c.files)) {
        rc = REPORT_EXIT_OK;
    } else if (problems == 0 && !none) {
        rc = execute(&c, start);
    }
    cli_files_free(&c.files);
out:
    cli_common_free(&c.c);
    return rc;
}
