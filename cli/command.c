/* command.c: the one option/command skeleton of replbench (cli.h): the
 * options every scenario command shares (--seed, --jobs, --shard, --help),
 * the command's own options beside them, its paths, and the files they
 * name.  Each command keeps its usage text and its own options in its file;
 * the common options are parsed and described here only.
 */
#include <fnmatch.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "cli.h"

#define SPECS_MAX 64            /* common + one command's own options */

enum {
    ID_SEED = -1, ID_JOBS = -2, ID_SHARD = -3, ID_HELP = -4, ID_KEEP = -5, ID_DROP = -6,
    ID_LIST = -7, ID_LAST_FAILED = -8, ID_FAIL_FAST = -9, ID_FAIL_FAST_LONG = -10,
    ID_QUIET = -11, ID_VERBOSE = -12, ID_COLOR = -13, ID_SEEDS = -14, ID_BUDGET = -15,
    ID_RESULTS = -16, ID_TIMEOUT = -17, ID_CRASH_DIR = -18, ID_LIVENESS = -19,
    ID_LIVENESS_TICKS = -20, ID_FORMAT = -21, ID_REPORT = -22,
    ID_NA = -100,               /* ID_NA - i: cmd->na[i] */
};

/* The help text of an option that has a one-letter and a long name is on
 * its long name's entry. */

static const struct {
    CliOptSpec spec;
    unsigned takes;             /* CLI_TAKES_*; 0: every command */
    const char *help;
} common_specs[] = {
    { { "--seed", true, ID_SEED }, CLI_TAKES_SEED,
      "  --seed N              override every scenario's seed (0..2^64-1)\n" },
    { { "-j", true, ID_JOBS }, CLI_TAKES_JOBS, "" },
    { { "--jobs", true, ID_JOBS }, CLI_TAKES_JOBS,
      "  -j, --jobs N          run up to N scenarios at once in worker processes\n"
      "                        (1..64, default 1); output stays in path order\n" },
    { { "--shard", true, ID_SHARD }, CLI_TAKES_SHARD,
      "  --shard K/N           only shard K of N (1 <= K <= N <= 1000): the files\n"
      "                        whose normalized path hashes to K-1 mod N\n" },
    { { "--seeds", true, ID_SEEDS }, CLI_TAKES_SEEDS,
      "  --seeds A..B          run each scenario under every seed A..B (at most\n"
      "                        1000000 of them); failures name their seed\n" },
    { { "--budget", true, ID_BUDGET }, CLI_TAKES_SEEDS | CLI_TAKES_BUDGET,
      "  --budget DURATION     start no run once DURATION of wall time is spent\n"
      "                        (N[ms|s|m|h], e.g. 30s, 5m); what ran is reported\n" },
    { { "--results", true, ID_RESULTS }, CLI_TAKES_RESULTS,
      "  --results FILE.jsonl  also write to FILE a header (what is planned), one\n"
      "                        JSON object per run as it ends and a trailer (how\n"
      "                        it ended), for replbench merge; FILE is locked and\n"
      "                        written whole (docs/RESULTS.md)\n" },
    { { "--format", true, ID_FORMAT }, CLI_TAKES_REPORT,
      "  --format F            summary (default), tap (TAP 13), junit (XML) or\n"
      "                        probes on stdout, as `replbench merge` reports\n"
      "                        --results (the command's own lines then go to\n"
      "                        stderr)\n" },
    { { "--report", true, ID_REPORT }, CLI_TAKES_REPORT,
      "  --report DIR          also write DIR/index.html, as merge --report does\n" },
    { { "--timeout", true, ID_TIMEOUT }, CLI_TAKES_CHILD,
      "  --timeout DURATION    stop a scenario that runs longer than DURATION of\n"
      "                        wall time (N[ms|s|m|h]; default 60s, or\n"
      "                        $REPLBENCH_TIMEOUT; 0: no limit): it FAILs \"timed\n"
      "                        out\", and the command goes on with the next\n" },
    { { "--crash-dir", true, ID_CRASH_DIR }, CLI_TAKES_CHILD,
      "  --crash-dir DIR       keep the whole report of each crash (a sanitizer's\n"
      "                        finding, a signal) in DIR/crash-HASH.txt (default:\n"
      "                        beside --results, else the current folder)\n" },
    { { "--liveness", false, ID_LIVENESS }, CLI_TAKES_LIVENESS,
      "  --liveness            after each run's last operation, a liveness phase:\n"
      "                        faults stop, the pair must converge (checkpoints\n"
      "                        resume, held packets drain, failover completes);\n"
      "                        what does not is a failure (docs/LIVENESS.md)\n" },
    { { "--liveness-ticks", true, ID_LIVENESS_TICKS }, CLI_TAKES_LIVENESS,
      "  --liveness-ticks N    with --liveness: the phase's bound in ticks\n"
      "                        (1..1000000; default derived from the timeouts)\n" },
    { { "-k", true, ID_KEEP }, CLI_TAKES_SELECT | CLI_TAKES_PICK,
      "  -k PATTERN            only scenarios whose path matches PATTERN (a glob\n"
      "                        on the path or a tail of it after a '/'; without\n"
      "                        *?[ a substring); repeat: any of them\n" },
    { { "--exclude", true, ID_DROP }, CLI_TAKES_SELECT | CLI_TAKES_PICK,
      "  --exclude PATTERN     leave out scenarios matching PATTERN (as -k)\n" },
    { { "--list", false, ID_LIST }, CLI_TAKES_SELECT | CLI_TAKES_PICK,
      "  --list                print the selected scenario files, run nothing\n" },
    { { "--last-failed", false, ID_LAST_FAILED }, CLI_TAKES_SELECT,
      "  --last-failed         only the files that failed when this command last\n"
      "                        ran them (all when none did); the state is kept in\n"
      "                        $REPLBENCH_CACHE_DIR, else ./.replbench-cache/\n" },
    { { "-x", false, ID_FAIL_FAST }, CLI_TAKES_SELECT | CLI_TAKES_OUTPUT, "" },
    { { "--fail-fast", false, ID_FAIL_FAST_LONG }, CLI_TAKES_SELECT | CLI_TAKES_OUTPUT,
      "  -x, --fail-fast       start no run after the first failure\n" },
    { { "-q", false, ID_QUIET }, CLI_TAKES_SELECT | CLI_TAKES_OUTPUT | CLI_TAKES_VERBOSITY, "" },
    { { "--quiet", false, ID_QUIET }, CLI_TAKES_SELECT | CLI_TAKES_OUTPUT | CLI_TAKES_VERBOSITY,
      "  -q, --quiet           only failures, the recap and the summary\n" },
    { { "-v", false, ID_VERBOSE }, CLI_TAKES_SELECT | CLI_TAKES_OUTPUT | CLI_TAKES_VERBOSITY, "" },
    { { "--verbose", false, ID_VERBOSE }, CLI_TAKES_SELECT | CLI_TAKES_OUTPUT | CLI_TAKES_VERBOSITY,
      "  -v, --verbose         also seed and counts of each passing run\n" },
    { { "--color", true, ID_COLOR }, CLI_TAKES_SELECT | CLI_TAKES_COLOR,
      "  --color WHEN          auto (default: on a terminal, unless NO_COLOR is\n"
      "                        set), always or never\n" },
    { { "-h", false, ID_HELP }, 0, "" },
    { { "--help", false, ID_HELP }, 0,
      "  -h, --help            this text\n"
      "  one-letter options combine: -ab is -a -b, and -jN is -j N\n" },
};

#define NCOMMON (sizeof(common_specs) / sizeof(common_specs[0]))

void cli_usage_common(FILE *f, unsigned takes)
{
    for (size_t i = 0; i < NCOMMON; i++) {
        if (common_specs[i].takes == 0 || (takes & common_specs[i].takes)) {
            fputs(common_specs[i].help, f);
        }
    }
    fputc('\n', f);
    cli_usage_exit(f);
}

/* text from column 24, in lines of at most 78 columns. */
static void put_wrapped(FILE *f, const char *text)
{
    size_t col = 24;

    fprintf(f, "%24s", "");
    while (*text != '\0') {
        size_t word = strcspn(text, " ");

        if (col > 24 && col + 1 + word > 78) {
            fprintf(f, "\n%24s", "");
            col = 24;
        } else if (col > 24) {
            fputc(' ', f);
            col++;
        }
        fwrite(text, 1, word, f);
        col += word;
        text += word;
        text += strspn(text, " ");
    }
    fputc('\n', f);
}

void cli_usage_command(FILE *f, const CliCommand *cmd)
{
    /* The options of one reason on one line, then the reason. */
    for (const CliNotApplicable *na = cmd->na; na != NULL && na->name != NULL; na++) {
        if (na != cmd->na && na[-1].why == na->why) {
            continue;
        }
        fprintf(f, "  %s", na->name);
        for (const CliNotApplicable *b = na + 1; b->name != NULL && b->why == na->why; b++) {
            fprintf(f, ", %s", b->name);
        }
        fputs(": do not apply here\n", f);
        put_wrapped(f, na->why);
    }
    cli_usage_common(f, cmd->takes);
}

void cli_usage_exit(FILE *f)
{
    fputs("exit status (every command): 0 all passed or skipped, 1 something failed,\n"
          "2 usage error or an input that cannot be read or parsed (file:line:col:\n"
          "message), or a run the host failed (host out of memory: never a verdict);\n"
          "130 or 143 stopped by SIGINT or SIGTERM (what ran is reported).\n", f);
}

/* "K/N", 1 <= K <= N <= CLI_MAX_SHARDS. */
static int parse_shard(const char *cmd, const char *v, unsigned *k, unsigned *n)
{
    const char *slash = strchr(v, '/');
    char kbuf[16];
    uint64_t kv, nv;

    if (slash == NULL || (size_t)(slash - v) >= sizeof(kbuf)) {
        return cli_bad_value(cmd, "--shard", v, "expected K/N");
    }
    memcpy(kbuf, v, (size_t)(slash - v));
    kbuf[slash - v] = '\0';
    if (cli_parse_u64(kbuf, 1, CLI_MAX_SHARDS, &kv) != 0 ||
        cli_parse_u64(slash + 1, 1, CLI_MAX_SHARDS, &nv) != 0 || kv > nv) {
        return cli_bad_value(cmd, "--shard", v, "expected K/N with 1 <= K <= N <= 1000");
    }
    *k = (unsigned)kv;
    *n = (unsigned)nv;
    return 0;
}

/* "A..B", A <= B, at most CLI_MAX_SEEDS seeds. */
static int parse_seeds(const char *cmd, const char *v, CliCommon *c)
{
    const char *dots = strstr(v, "..");
    char abuf[24];

    if (dots == NULL || dots == v || (size_t)(dots - v) >= sizeof(abuf)) {
        return cli_bad_value(cmd, "--seeds", v, "expected A..B (two seeds)");
    }
    memcpy(abuf, v, (size_t)(dots - v));
    abuf[dots - v] = '\0';
    if (cli_parse_u64(abuf, 0, UINT64_MAX, &c->seed_lo) != 0 ||
        cli_parse_u64(dots + 2, 0, UINT64_MAX, &c->seed_hi) != 0) {
        return cli_bad_value(cmd, "--seeds", v, "expected A..B, numbers 0..2^64-1");
    }
    if (c->seed_hi < c->seed_lo || c->seed_hi - c->seed_lo >= CLI_MAX_SEEDS) {
        return cli_bad_value(cmd, "--seeds", v, "expected A <= B and at most 1000000 seeds");
    }
    c->seeds_set = true;
    return 0;
}

/* "N", "Nms", "Ns", "Nm" or "Nh", at most a week: more than 0, or 0 too
 * when zero_ok. */
static int parse_duration(const char *cmd, const char *opt, const char *v, bool zero_ok,
                          double *secs)
{
    static const struct { const char *unit; double secs; } units[] = {
        { "", 1.0 }, { "ms", 0.001 }, { "s", 1.0 }, { "m", 60.0 }, { "h", 3600.0 },
    };
    size_t digits = strspn(v, "0123456789");
    char nbuf[16];
    uint64_t n;

    if (digits == 0 || digits >= sizeof(nbuf)) {
        return cli_bad_value(cmd, opt, v, "expected a duration: N[ms|s|m|h]");
    }
    memcpy(nbuf, v, digits);
    nbuf[digits] = '\0';
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        if (strcmp(v + digits, units[i].unit) == 0 &&
            cli_parse_u64(nbuf, zero_ok ? 0 : 1, UINT32_MAX, &n) == 0) {
            *secs = (double)n * units[i].secs;
            return *secs <= CLI_MAX_BUDGET ? 0 : cli_bad_value(cmd, opt, v, "at most a week (168h)");
        }
    }
    return cli_bad_value(cmd, opt, v, zero_ok ? "expected a duration: N[ms|s|m|h], 0 for none"
                                              : "expected a duration from 1: N[ms|s|m|h]");
}

static int add_pattern(const char *cmd, const char *opt, const char *v,
                       const char **list, size_t *n)
{
    if (v[0] == '\0' || strlen(v) > REPORT_PATH_MAX) {
        return cli_bad_value(cmd, opt, v, "expected a pattern of 1..1024 bytes");
    }
    if (*n >= CLI_MAX_PATTERNS) {
        return cli_bad_value(cmd, opt, v, "at most 64 patterns");
    }
    list[(*n)++] = v;
    return 0;
}

/* --color: 1 always, 0 never, -1 auto. */
static int parse_color(const char *cmd, const char *v, int *when)
{
    *when = strcmp(v, "always") == 0 ? 1 : strcmp(v, "never") == 0 ? 0
          : strcmp(v, "auto") == 0 ? -1 : -2;
    return *when != -2 ? 0 : cli_bad_value(cmd, "--color", v, "expected auto, always or never");
}

static int output_option(const CliCommand *cmd, CliCommon *c, int id, const char *v,
                         int *color)
{
    ReportFormat format;

    switch (id) {
    case ID_KEEP:
        return add_pattern(cmd->name, "-k", v, c->keep, &c->nkeep);
    case ID_DROP:
        return add_pattern(cmd->name, "--exclude", v, c->drop, &c->ndrop);
    case ID_QUIET:
    case ID_VERBOSE:
        if (c->verbosity != 0 && c->verbosity != (id == ID_QUIET ? -1 : 1)) {
            fprintf(stderr, "replbench %s: -q and -v cannot go together\n", cmd->name);
            return -1;
        }
        c->verbosity = id == ID_QUIET ? -1 : 1;
        return 0;
    case ID_COLOR:
        return parse_color(cmd->name, v, color);
    case ID_RESULTS:
        return v[0] != '\0' ? (c->results = v, 0)
             : cli_bad_value(cmd->name, "--results", v, "expected a file name");
    case ID_FORMAT:
        return report_format_parse(v, &format) == 0 ? (c->format = v, 0)
             : cli_bad_value(cmd->name, "--format", v,
                                                         "expected summary, tap, junit or probes");
    case ID_REPORT:
        return v[0] != '\0' ? (c->report = v, 0)
             : cli_bad_value(cmd->name, "--report", v, "expected a folder");
    default:
        c->list |= id == ID_LIST;
        c->last_failed |= id == ID_LAST_FAILED;
        c->fail_fast |= id == ID_FAIL_FAST || id == ID_FAIL_FAST_LONG;
        return 0;
    }
}

static int common_option(const CliCommand *cmd, CliCommon *c, int id, const char *v,
                         int *color)
{
    switch (id) {
    case ID_SEED:
        c->seed_set = true;
        return cli_opt_seed(cmd->name, v, &c->seed);
    case ID_JOBS:
        return cli_opt_jobs(cmd->name, v, &c->jobs);
    case ID_SHARD:
        return parse_shard(cmd->name, v, &c->shard_k, &c->shard_n);
    case ID_SEEDS:
        return parse_seeds(cmd->name, v, c);
    case ID_BUDGET:
        return parse_duration(cmd->name, "--budget", v, false, &c->budget);
    case ID_TIMEOUT:
        return parse_duration(cmd->name, "--timeout", v, true, &c->timeout);
    case ID_CRASH_DIR:
        return v[0] != '\0' ? (c->crash_dir = v, 0)
             : cli_bad_value(cmd->name, "--crash-dir", v, "expected a folder");
    case ID_HELP:
        c->help = true;
        return 0;
    case ID_LIVENESS:
        c->liveness = true;
        return 0;
    case ID_LIVENESS_TICKS:
        return cli_parse_u64(v, 1, SCN_MAX_TICKS, &c->liveness_ticks) == 0 ? 0
             : cli_bad_value(cmd->name, "--liveness-ticks", v, "expected 1..1000000");
    default:
        return output_option(cmd, c, id, v, color);
    }
}

/* Colours: --color, else on when stdout is a terminal, TERM is not "dumb"
 * and NO_COLOR is unset or empty (no-color.org). */
static bool decide_color(int when)
{
    const char *no = getenv("NO_COLOR");
    const char *term = getenv("TERM");

    if (when >= 0) {
        return when == 1;
    }
    return isatty(STDOUT_FILENO) && (no == NULL || no[0] == '\0') &&
           (term == NULL || strcmp(term, "dumb") != 0);
}

/* The command's own options, then the common ones it takes. */
static void merge_specs(const CliCommand *cmd, CliOptSpec *out)
{
    size_t n = 0;

    for (const CliOptSpec *s = cmd->specs; s != NULL && s->name != NULL; s++) {
        SIM_CHECK(n < SPECS_MAX - NCOMMON - 1);
        out[n++] = *s;
    }
    for (size_t i = 0; i < NCOMMON; i++) {
        if (common_specs[i].takes == 0 || (cmd->takes & common_specs[i].takes)) {
            out[n++] = common_specs[i].spec;
        }
    }
    for (int i = 0; cmd->na != NULL && cmd->na[i].name != NULL; i++) {
        SIM_CHECK(n < SPECS_MAX - 1);
        out[n++] = (CliOptSpec){ cmd->na[i].name, cmd->na[i].has_value, ID_NA - i };
    }
    out[n] = (CliOptSpec){ NULL, false, 0 };
}

static int parse(const CliCommand *cmd, int argc, char **argv, void *ctx, CliCommon *c)
{
    CliOptSpec specs[SPECS_MAX];
    CliArgs a = { .argc = argc, .argv = argv, .i = 1 };
    const char *v = NULL;
    int id = 0, kind, color = -1;

    merge_specs(cmd, specs);
    while ((kind = cli_args_next(&a, specs, cmd->name, &id, &v)) != CLI_ARG_END) {
        if (kind == CLI_ARG_ERROR) {
            return -1;
        }
        if (kind == CLI_ARG_PATH) {
            c->paths.v[c->paths.n++] = (char *)v;
        } else if (id <= ID_NA) {
            fprintf(stderr, "replbench %s: %s does not apply: %s\n", cmd->name,
                    cmd->na[ID_NA - id].name, cmd->na[ID_NA - id].why);
            return -1;
        } else if (id < 0 ? common_option(cmd, c, id, v, &color) != 0
                          : cmd->option(ctx, id, v) != 0) {
            return -1;
        }
    }
    c->color = decide_color(color);
    if (c->liveness_ticks != 0 && !c->liveness) {
        fprintf(stderr, "replbench %s: --liveness-ticks needs --liveness\n", cmd->name);
        return -1;
    }
    if (c->seed_set && c->seeds_set) {
        fprintf(stderr, "replbench %s: --seed and --seeds cannot go together\n", cmd->name);
        return -1;
    }
    if (!c->help && c->paths.n == 0 && !cmd->paths_optional) {
        fprintf(stderr, "replbench %s: no PATH given\n", cmd->name);
        return -1;
    }
    return 0;
}

/* The default of --timeout: $REPLBENCH_TIMEOUT (for slow setups, such as
 * valgrind's), else CLI_TIMEOUT_DEFAULT. */
static int default_timeout(const CliCommand *cmd, CliCommon *c)
{
    const char *env = getenv("REPLBENCH_TIMEOUT");

    c->timeout = CLI_TIMEOUT_DEFAULT;
    if (env == NULL || env[0] == '\0') {
        return 0;
    }
    return parse_duration(cmd->name, "REPLBENCH_TIMEOUT", env, true, &c->timeout);
}

int cli_command_parse(const CliCommand *cmd, int argc, char **argv, void *ctx,
                      CliCommon *c)
{
    *c = (CliCommon){ .jobs = 1, .start = cli_now() };
    if (!cli_paths_init(&c->paths, argc)) {
        return -1;
    }
    if ((cmd->takes & CLI_TAKES_CHILD) && default_timeout(cmd, c) != 0) {
        return -1;
    }
    if (parse(cmd, argc, argv, ctx, c) != 0) {
        fprintf(stderr, "usage: replbench %s %s (replbench %s --help)\n", cmd->name,
                cmd->synopsis, cmd->name);
        return -1;
    }
    /* From here a ^C stops the runs cleanly: what ran is reported. */
    if ((cmd->takes & CLI_TAKES_CHILD) && !c->help) {
        cli_signals_catch();
    }
    return 0;
}

void cli_common_free(CliCommon *c)
{
    cli_paths_free(&c->paths);
}

/* A glob matches the path or a tail of it after a '/'; a pattern without
 * *?[ is a substring of the path. */
static bool matches(const char *pattern, const char *path)
{
    if (strpbrk(pattern, "*?[") == NULL) {
        return strstr(path, pattern) != NULL;
    }
    for (const char *tail = path; tail != NULL; tail = strchr(tail, '/')) {
        tail += tail[0] == '/';
        if (fnmatch(pattern, tail, 0) == 0) {
            return true;
        }
    }
    return false;
}

static bool any_matches(const char *const *patterns, size_t n, const char *path)
{
    for (size_t i = 0; i < n; i++) {
        if (matches(patterns[i], path)) {
            return true;
        }
    }
    return false;
}

/* -k and --exclude: false when they leave nothing (printed): a misspelt
 * pattern must not pass as an empty run. */
static bool select_files(const CliCommand *cmd, const CliCommon *c, CliFiles *f)
{
    size_t kept = 0;

    if (c->nkeep == 0 && c->ndrop == 0) {
        return true;
    }
    for (size_t i = 0; i < f->n; i++) {
        if ((c->nkeep == 0 || any_matches(c->keep, c->nkeep, f->paths[i])) &&
            !any_matches(c->drop, c->ndrop, f->paths[i])) {
            f->paths[kept++] = f->paths[i];
        } else {
            free(f->paths[i]);
        }
    }
    f->n = kept;
    if (kept == 0) {
        fprintf(stderr, "replbench %s: no scenario matches the -k/--exclude patterns\n",
                cmd->name);
    }
    return kept != 0;
}

size_t cli_command_files(const CliCommand *cmd, const CliCommon *c, CliFiles *files,
                         bool *none)
{
    size_t problems = cli_files_collect(c->paths.v, c->paths.n, files);

    *none = files->n == 0 && problems == 0;
    if (*none) {
        fprintf(stderr, "replbench %s: no .scn files in the given paths\n", cmd->name);
    }
    if (!*none && !select_files(cmd, c, files)) {
        *none = true;
    }
    if (!*none && c->last_failed && cli_last_failed_filter(cmd->name, files) != 0) {
        *none = true;
    }
    if (c->shard_n != 0) {
        cli_files_shard(files, c->shard_k, c->shard_n);
    }
    return problems;
}

uint64_t cli_command_nseeds(const CliCommon *c)
{
    return c->seeds_set ? c->seed_hi - c->seed_lo + 1 : 1;
}

void cli_command_seed(const CliCommon *c, uint64_t i, ReportJob *job)
{
    job->seed_set = c->seed_set || c->seeds_set;
    job->seed = c->seeds_set ? c->seed_lo + i : c->seed;
}

bool cli_command_next_run(CliCommon *c, size_t *next, size_t nfiles, bool failed,
                          ReportJob *job)
{
    uint64_t nseeds = cli_command_nseeds(c);

    if (*next >= nfiles * nseeds || !cli_command_go_on(c, failed)) {
        return false;
    }
    *job = (ReportJob){ .file = (uint32_t)(*next / nseeds) };
    cli_command_seed(c, *next % nseeds, job);
    (*next)++;
    return true;
}

void cli_command_job_options(const CliCommon *c, ReportJob *job)
{
    job->liveness = c->liveness;
    job->liveness_ticks = c->liveness_ticks;
}

bool cli_command_go_on(CliCommon *c, bool failed)
{
    if (c->stop == CLI_STOP_NONE && cli_signal_caught() != 0) {
        c->stop = CLI_STOP_INTERRUPT;
    }
    if (c->stop == CLI_STOP_NONE && c->fail_fast && failed) {
        c->stop = CLI_STOP_FAIL_FAST;
    }
    if (c->stop == CLI_STOP_NONE && c->budget > 0 && cli_now() - c->start >= c->budget) {
        c->stop = CLI_STOP_BUDGET;
    }
    return c->stop == CLI_STOP_NONE;
}

void cli_command_stopped(CliCommon *c, FILE *f, uint64_t done, uint64_t planned)
{
    if (cli_signal_caught() != 0) {
        c->stop = CLI_STOP_INTERRUPT;
    }
    if (c->stop == CLI_STOP_INTERRUPT) {
        fprintf(f, "interrupted by %s: %" PRIu64 " of %" PRIu64 " runs done (%" PRIu64
                " not run or cut short)\n", cli_signal_name(cli_signal_caught()), done,
                planned, planned - done);
    } else if (c->stop == CLI_STOP_BUDGET) {
        fprintf(f, "budget of %.3f s spent: stopped after %" PRIu64 " of %" PRIu64
                " runs (%" PRIu64 " not run)\n", c->budget, done, planned, planned - done);
    } else if (c->stop == CLI_STOP_FAIL_FAST) {
        fprintf(f, "stopped at the first failure (-x): %" PRIu64 " of %" PRIu64
                " runs done (%" PRIu64 " not run)\n", done, planned, planned - done);
    }
}

void cli_command_crash_dir(const CliCommon *c, char *buf, size_t len)
{
    const char *slash = c->results != NULL ? strrchr(c->results, '/') : NULL;

    if (c->crash_dir != NULL) {
        snprintf(buf, len, "%s", c->crash_dir);
    } else if (slash == c->results && slash != NULL) {
        snprintf(buf, len, "/");
    } else if (slash != NULL) {
        snprintf(buf, len, "%.*s", (int)(slash - c->results), c->results);
    } else {
        snprintf(buf, len, ".");
    }
}

ReportStyle cli_command_style(const CliCommon *c)
{
    return (ReportStyle){ .color = c->color, .verbosity = c->verbosity,
                          .show_seed = c->seeds_set };
}

bool cli_command_list(const CliCommon *c, const CliFiles *files)
{
    if (!c->list) {
        return false;
    }
    for (size_t i = 0; i < files->n; i++) {
        report_put_line_safe(stdout, files->paths[i]);
        putchar('\n');
    }
    return true;
}

#ifndef REPLBENCH_DATA_FROM_BIN
#define REPLBENCH_DATA_FROM_BIN "../share/replbench"
#endif
#ifndef REPLBENCH_SOURCE_ROOT
#define REPLBENCH_SOURCE_ROOT "."
#endif

static bool has_suites(const char *root)
{
    char path[REPORT_PATH_MAX + 32];
    struct stat st;

    snprintf(path, sizeof(path), "%s/scenarios/suites", root);
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The installed binary's data: REPLBENCH_DATA_FROM_BIN from the folder of
 * /proc/self/exe (relative), or as it is (absolute). */
static bool installed_root(char *buf, size_t len)
{
    char exe[REPORT_PATH_MAX + 1];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    char *slash;

    if (REPLBENCH_DATA_FROM_BIN[0] == '/') {
        snprintf(buf, len, "%s", REPLBENCH_DATA_FROM_BIN);
        return has_suites(buf);
    }
    if (n <= 0 || (size_t)n >= sizeof(exe) - 1) {
        return false;
    }
    exe[n] = '\0';
    slash = strrchr(exe, '/');
    if (slash == NULL) {
        return false;
    }
    *slash = '\0';
    return (size_t)snprintf(buf, len, "%s/%s", exe, REPLBENCH_DATA_FROM_BIN) < len &&
           has_suites(buf);
}

void cli_suites_root(char *buf, size_t len)
{
    if (installed_root(buf, len)) {
        return;
    }
    if (has_suites(".")) {
        snprintf(buf, len, ".");
        return;
    }
    snprintf(buf, len, "%s", REPLBENCH_SOURCE_ROOT);
}
