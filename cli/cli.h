/* cli.h: private to the replbench CLI (every file of cli/): the list of
 * scenario files, option parsing, the worker pool that runs scenarios, and
 * the commands.  Only the CLI does I/O; the scenario library (scn.h) and the
 * simulator never see a file, a terminal or the wall clock.
 */
#ifndef REPLBENCH_CLI_H
#define REPLBENCH_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "report.h"
#include "scn.h"

#define CLI_MAX_FILES 100000        /* scenario files per command */
#define CLI_MAX_DEPTH 32            /* folder nesting searched */
#define CLI_MAX_JOBS 64
#define CLI_MAX_SHARDS 1000

/* ---- files (files.c) ---------------------------------------------------- */

/* A path that could not be searched, and why ("No such file or
 * directory"): a record of its own in --results (verdict error). */
typedef struct CliProblem {
    char *path;                 /* normalized, at most REPORT_PATH_MAX bytes */
    char *why;
} CliProblem;

/* The scenario files of a command, sorted by path, without duplicates,
 * and the problems met looking for them. */
typedef struct CliFiles {
    char **paths;
    size_t n;
    CliProblem *problems;
    size_t nproblems;
} CliFiles;

/* Collect the files named by args: a file as given, a folder searched
 * recursively for *.scn (what is named *.scn there and is not a folder: a
 * FIFO, a device, a link to one, is kept, to fail as when named).  Prints
 * each problem to stderr ("replbench: PATH: why"), keeps it in
 * out->problems, and returns the number of problems (a missing path, a
 * link that dangles or loops, an unreadable folder, a path too long or
 * with control bytes, more than CLI_MAX_FILES files).  *out is valid
 * (possibly empty) in every case; free it with cli_files_free. */
size_t cli_files_collect(char *const *args, size_t nargs, CliFiles *out);
void cli_files_free(CliFiles *f);

/* Keep the files and problems of shard k (1-based) of n: XXH3-64 of the
 * (normalized) path (sim_hash_str) modulo n equals k - 1. */
void cli_files_shard(CliFiles *f, unsigned k, unsigned n);

/* ---- options (args.c) --------------------------------------------------- */

typedef struct CliOptSpec {
    const char *name;           /* "--seed" */
    bool has_value;
    int id;
} CliOptSpec;

typedef struct CliArgs {
    int argc;
    char **argv;
    int i;                      /* next argument */
    bool only_paths;            /* after "--" */
    const char *cluster;        /* the short flags still to read of "-qx" */
} CliArgs;

enum { CLI_ARG_END, CLI_ARG_OPTION, CLI_ARG_PATH, CLI_ARG_ERROR };

/* The next argument: an option of specs (*id, *value for "--x V" and
 * "--x=V"; for a one-letter option "-j V" and "-jV"), a path (*value),
 * the end, or an error already printed.  One-letter flags combine: "-qx"
 * is "-q -x", "-qj2" is "-q -j 2". */
int cli_args_next(CliArgs *a, const CliOptSpec *specs, const char *cmd,
                  int *id, const char **value);

/* Strict numbers: decimal or 0x hex digits only, in [lo, hi].  0 or -1. */
int cli_parse_u64(const char *s, uint64_t lo, uint64_t hi, uint64_t *out);

/* Print "replbench CMD: bad value 'V' for OPT: why" and return -1. */
int cli_bad_value(const char *cmd, const char *opt, const char *value, const char *why);

/* --seed (any 64-bit number) and --jobs (1..CLI_MAX_JOBS): 0, or -1 with
 * the problem printed. */
int cli_opt_seed(const char *cmd, const char *value, uint64_t *seed);
int cli_opt_jobs(const char *cmd, const char *value, unsigned *jobs);
/* --inject "POINT:HIT" or "POINT:HIT:persistent" (run, reduce), added to
 * job's injections; the point a concrete name fitting one of the
 * backends' templates, at most SCN_MAX_INJECTS, none twice: 0, or -1 with
 * the problem printed. */
int cli_opt_inject(const char *cmd, const char *value, ReportJob *job);

/* The paths of a command: argv's non-options, gathered as they come. */
typedef struct CliPaths {
    char **v;
    size_t n;
} CliPaths;

/* Room for every argument; false when out of memory (printed). */
bool cli_paths_init(CliPaths *p, int argc);
void cli_paths_free(CliPaths *p);

/* ---- the command skeleton (command.c) ------------------------------------- */

/* Which common options a command takes (-h/--help: every command).
 * SELECT: -k, --exclude, --list, --last-failed, -x, -q, -v, --color;
 * OUTPUT: -x, -q, -v only (what a failure and quiet mean is the command's);
 * BUDGET: --budget alone (SEEDS has it too);
 * PICK: -k, --exclude, --list only (the command calls cli_command_list);
 * REPORT: --format, --report: merge's reports of the command's --results
 * (cli_report_via_merge; c->format, c->report);
 * VERBOSITY: -q, -v only (OUTPUT has them too: a command without -x);
 * COLOR: --color alone (SELECT has it too; the command paints its
 * verdict words when c->color);
 * SEEDS: --seeds, --budget (with SEED); RESULTS: --results; CHILD: the
 * command runs scenarios in child processes: --timeout, --crash-dir, and
 * SIGINT/SIGTERM stop it cleanly (cli_signals_catch); LIVENESS:
 * --liveness, --liveness-ticks. */
enum {
    CLI_TAKES_SEED = 1u << 0, CLI_TAKES_JOBS = 1u << 1, CLI_TAKES_SHARD = 1u << 2,
    CLI_TAKES_SELECT = 1u << 3, CLI_TAKES_SEEDS = 1u << 4, CLI_TAKES_RESULTS = 1u << 5,
    CLI_TAKES_CHILD = 1u << 6, CLI_TAKES_LIVENESS = 1u << 7, CLI_TAKES_PICK = 1u << 8,
    CLI_TAKES_OUTPUT = 1u << 9, CLI_TAKES_BUDGET = 1u << 10, CLI_TAKES_COLOR = 1u << 11,
    CLI_TAKES_VERBOSITY = 1u << 12, CLI_TAKES_REPORT = 1u << 13,
};

#define CLI_MAX_PATTERNS 64         /* -k and --exclude, each */
#define CLI_MAX_SEEDS 1000000       /* seeds of one --seeds range */
#define CLI_MAX_BUDGET (7.0 * 24 * 3600)
#define CLI_TIMEOUT_DEFAULT 60.0    /* seconds a scenario may run (--timeout) */

/* Why a command stopped handing out runs before the end.  INTERRUPT: a
 * signal (SIGINT, SIGTERM); its results file ends "interrupted". */
enum { CLI_STOP_NONE, CLI_STOP_BUDGET, CLI_STOP_FAIL_FAST, CLI_STOP_INTERRUPT };

/* The common options and the paths, as parsed. */
typedef struct CliCommon {
    bool help;
    bool seed_set;
    uint64_t seed;
    unsigned jobs;              /* 1 unless --jobs */
    unsigned shard_k, shard_n;  /* 0: no sharding */
    CliPaths paths;
    /* selection and output (CLI_TAKES_SELECT) */
    const char *keep[CLI_MAX_PATTERNS];     /* -k: any matches */
    size_t nkeep;
    const char *drop[CLI_MAX_PATTERNS];     /* --exclude: none matches */
    size_t ndrop;
    bool list;                  /* print the selected files, run nothing */
    bool last_failed;
    bool fail_fast;
    int verbosity;              /* -1 -q, 0, 1 -v */
    bool color;                 /* decided from --color, the terminal, NO_COLOR */
    /* many seeds (CLI_TAKES_SEEDS) */
    bool seeds_set;
    uint64_t seed_lo, seed_hi;  /* --seeds A..B, inclusive */
    double budget;              /* seconds of wall time, 0: none */
    const char *results;        /* --results FILE.jsonl, or NULL */
    const char *format;         /* --format F (report_format_parse), or NULL */
    const char *report;         /* --report DIR, or NULL */
    /* child processes (CLI_TAKES_CHILD) */
    double timeout;             /* seconds one scenario may run; 0: no limit */
    const char *crash_dir;      /* --crash-dir, or NULL: cli_command_crash_dir */
    bool liveness;              /* --liveness: a liveness phase after each run */
    uint64_t liveness_ticks;    /* --liveness-ticks N: its bound; 0 derived */
    double start;               /* cli_now() at parse */
    int stop;                   /* CLI_STOP_* */
} CliCommon;

/* One of the command's own options (ids >= 0): 0, or -1 with the problem
 * printed. */
typedef int CliOptionFn(void *ctx, int id, const char *value);

/* An option of other commands that cannot apply to this one, and why: the
 * command refuses it (exit 2) saying so, and its --help lists it. */
typedef struct CliNotApplicable {
    const char *name;           /* "--results" */
    bool has_value;
    const char *why;            /* "the ledger's verdict is over all runs ..." */
} CliNotApplicable;

typedef struct CliCommand {
    const char *name;           /* "run" */
    const char *synopsis;       /* "[OPTIONS] PATH..." */
    unsigned takes;             /* CLI_TAKES_* */
    bool paths_optional;        /* no PATH is not an error */
    const CliOptSpec *specs;    /* the command's own options, or NULL */
    CliOptionFn *option;
    const CliNotApplicable *na; /* ended by a NULL name, or NULL */
} CliCommand;

/* Parse argv (argv[0] is the command's name): common options into *c, the
 * command's own through cmd->option(ctx, ...).  0 (with c->help set for
 * --help), or -1 with the problem and a usage line printed.  Free c with
 * cli_common_free in either case. */
int cli_command_parse(const CliCommand *cmd, int argc, char **argv, void *ctx,
                      CliCommon *c);
void cli_common_free(CliCommon *c);

/* The scenario files of c's paths, sharded by --shard: the number of
 * problems (printed).  *none: the paths hold no scenario at all (printed). */
size_t cli_command_files(const CliCommand *cmd, const CliCommon *c, CliFiles *files,
                         bool *none);

/* The common options' lines of a usage text and the exit-status rule, for
 * the options in takes. */
void cli_usage_common(FILE *f, unsigned takes);
/* The same, after the lines of cmd's options that do not apply (cmd->na). */
void cli_usage_command(FILE *f, const CliCommand *cmd);
/* The exit-status rule of every command, stated here only. */
void cli_usage_exit(FILE *f);

/* --list: print the paths of files, one a line, and return true; false
 * without --list. */
bool cli_command_list(const CliCommon *c, const CliFiles *files);

/* The seeds each scenario runs under: --seeds A..B (B - A + 1 of them), or
 * the one of --seed or of the scenario (1). */
uint64_t cli_command_nseeds(const CliCommon *c);
/* Seed i (from 0) of a job: sets job->seed_set and job->seed. */
void cli_command_seed(const CliCommon *c, uint64_t i, ReportJob *job);
/* The next run of nfiles files, each under each of its seeds, one file
 * after the other (*next counts them): false when all ran or, by
 * cli_command_go_on, no other may start. */
bool cli_command_next_run(CliCommon *c, size_t *next, size_t nfiles, bool failed,
                          ReportJob *job);
/* The options of c every run of a job has: --liveness, --liveness-ticks. */
void cli_command_job_options(const CliCommon *c, ReportJob *job);

/* Whether another run may start: false (and c->stop set) once --budget is
 * spent or, with -x, once failed is true. */
bool cli_command_go_on(CliCommon *c, bool failed);
/* When the command stopped early: a line saying why and how many of
 * planned runs were done, on f.  A signal caught since (cli_signal_caught)
 * sets c->stop to CLI_STOP_INTERRUPT first. */
void cli_command_stopped(CliCommon *c, FILE *f, uint64_t done, uint64_t planned);

/* Where crash reports go: --crash-dir, else the folder of --results, else
 * the current folder (as libFuzzer's crash files). */
void cli_command_crash_dir(const CliCommon *c, char *buf, size_t len);

/* The folder whose scenarios/suites/ the commands run by default: the
 * installed one beside an installed binary (its share/replbench), else
 * the current folder when it has scenarios/suites (the source root),
 * else the source tree this binary was built from. */
void cli_suites_root(char *buf, size_t len);

/* The ReportStyle of c's output options. */
ReportStyle cli_command_style(const CliCommon *c);

/* ---- --last-failed (lastfailed.c) ------------------------------------------
 * The files that failed when each command last ran them, one path a line
 * in DIR/COMMAND.last-failed; DIR is $REPLBENCH_CACHE_DIR, or else
 * .replbench-cache in the current folder. */

/* Keep only the files of f that last failed; all of them (and a note on
 * stderr) when none is recorded.  0, or -1 when the state cannot be read
 * (printed). */
int cli_last_failed_filter(const char *cmd, CliFiles *f);

/* Record the outcome of a command: ran[i] says file i ran (its old state is
 * forgotten), failed[i] that it failed.  A state that cannot be written is
 * a warning on stderr. */
void cli_last_failed_save(const char *cmd, const CliFiles *f, const bool *ran,
                          const bool *failed);

/* ---- --results and the other output files (resultsfile.c) ---------------------
 * A results file is a header, a record per run written as the run ends,
 * and a trailer (report.h; docs/RESULTS.md): written under a temporary
 * name, locked against a second writer (report_out_open), renamed into
 * place by cli_results_close. */

typedef struct CliResults CliResults;

/* The header's common part: cmd, the working folder, c's paths,
 * selection, shard and seeds, files->n; planned is files->n x seeds +
 * files->nproblems (a record each).  The command adds what is its own
 * (more, inject, max_hits). */
void cli_results_header(ReportResultsHeader *h, const char *cmd, const CliCommon *c,
                        const CliFiles *files);

/* Open c->results (report_out_open) and write the header h, flushed.  NULL
 * (printed) when it cannot be opened. */
CliResults *cli_results_open(const char *cmd, const char *path, const ReportResultsHeader *h);

/* One record, written and flushed at once: call it as each run ends
 * (CliPool.finished).  Safe with r NULL (no --results). */
void cli_results_add(CliResults *r, ReportKind kind, const char *path, const ReportJob *job,
                     const ReportOutcome *out);

/* A record of verdict error for each problem of files (of kind; seed as
 * run i = 0 has it). */
void cli_results_problems(CliResults *r, ReportKind kind, const CliCommon *c,
                          const CliFiles *files);

/* Write the trailer and rename the file into place; frees r (NULL: 0).
 * The end is stop's (CLI_STOP_*: NONE complete, BUDGET, FAIL_FAST,
 * INTERRUPT interrupted), and never "complete" unless planned records were
 * written and more is false: a command cut short for another reason (no
 * worker left) ends "interrupted".  0, or -1 (printed) when a record or
 * the trailer could not be written: the file is then left empty.  Call it
 * from the command's normal flow (after the pool returned), not from a
 * signal handler: a handler sets c->stop = CLI_STOP_INTERRUPT. */
int cli_results_close(CliResults *r, int stop, uint64_t planned, bool more);

/* Refuse (printed, -1) outputs that are inputs of the same command or one
 * another: each outputs[i] (NULL: none; names[i] is its option, as
 * "--results") against the others and against every file of files (the
 * same file, also by another name or link).  0 when all are apart. */
int cli_outputs_apart(const char *cmd, const char *const *outputs, const char *const *names,
                      size_t n, const CliFiles *files);

/* ---- --format and --report through merge (viamerge.c) ---------------------------- */

typedef int CliRunFn(void *ctx);

/* Run the command (run(ctx): its exit status) writing c->results (a
 * temporary file when c->results is NULL), then report that file as
 * `replbench merge --format FORMAT [--report REPORT]` does: exit 2 when
 * either is 2, else 1 when either is 1.  With a format other than
 * summary, what the command prints goes to stderr (stdout is the
 * format's); with summary (or NULL) and a report, merge writes the page
 * only.  Without both, only run(ctx).  Nothing is merged after exit 2 or
 * a signal.  With --list, only run(ctx). */
int cli_report_via_merge(const char *cmd, CliCommon *c, const char *format,
                         const char *report, CliRunFn *run, void *ctx);

/* ---- one job and the pool (pool.c) -------------------------------------- */

/* The next job, in order; false when there are no more. */
typedef bool CliNextFn(void *ctx, ReportJob *job);
/* A job's outcome. */
typedef void CliDoneFn(void *ctx, const ReportJob *job, const ReportOutcome *out);

typedef struct CliPool {
    const CliFiles *files;
    unsigned jobs;              /* forked workers (1..CLI_MAX_JOBS) */
    FILE *trace;                /* every run's trace after "# path", or NULL */
    double timeout;             /* seconds a job may run; 0: no limit */
    const char *crash_dir;      /* where a dead worker's report is kept, or NULL */
    CliNextFn *next;
    CliDoneFn *finished;        /* each outcome as soon as it is known (the
                                   order jobs end in), or NULL: results records */
    CliDoneFn *done;            /* each outcome in the order the jobs were given */
    /* Scripts made, not read (swarm): the script of job, in the worker
     * (the pool frees it after the run), or NULL with err filled; NULL:
     * files->paths[job->file] is loaded. */
    ScnScript *(*make)(void *ctx, const ReportJob *job, char *err, size_t errlen);
    void *ctx;
} CliPool;

/* Run every job that next() gives and hand each outcome to done(), in
 * order, each in a worker process (child.c).  A job whose worker died (a
 * signal, a sanitizer's abort) gives a failed outcome with died set, crash
 * saying what killed it (the sanitizer's stacks, its whole report kept in
 * crash_dir), and the last trace lines it wrote; a job past the timeout
 * is killed and fails with timed_out set; the run goes on with the next.
 * On SIGINT or SIGTERM (cli_signals_catch) the running jobs are killed and
 * dropped, the outcomes already known handed on, and it returns 0: the
 * command reports what ran (cli_signal_caught says why it stopped).
 * Returns 0, or -1 when workers cannot be started (message printed). */
int cli_pool_run(const CliPool *p);

/* ---- a table over all runs: ledger, probes (tally.c) ------------------------ */

typedef struct CliTally CliTally;
/* A whole run of path (loaded, not cut short): into the command's table. */
typedef void CliTallyAddFn(CliTally *t, const char *path, const ReportOutcome *out);

struct CliTally {
    const CliCommand *command;
    CliCommon c;                /* parsed by cli_command_parse */
    CliFiles files;
    CliTallyAddFn *add;
    void *table;                /* the command's */
    size_t next, errors, done;  /* errors: files not found or loaded, runs cut short */
    uint64_t nseeds;            /* runs per file: cli_command_nseeds */
    bool any_failed;            /* -x: a run cut short, or add() says so */
};

/* Select t's files and run each under each seed, every whole run handed
 * to t->add: true.  False, with *rc the exit status, when --list printed
 * them instead (or there was nothing to run). */
bool cli_tally_run(CliTally *t, int *rc);
/* The line of cli_command_stopped, on stdout, with t's counts. */
void cli_tally_stopped(CliTally *t);

/* ---- child processes and signals (child.c) --------------------------------------- */

/* What a child runs; it ends the child (cli_child_exit(0) when it returns). */
typedef void CliChildFn(void *ctx);

typedef struct CliChild {
    pid_t pid;                  /* > 0 while it runs */
    int err;                    /* its stderr: a file (cli_child_errfile), or -1:
                                   the parent's */
    double started;             /* cli_now() when started */
} CliChild;

/* c->err: an unlinked temporary file ($TMPDIR, else /tmp).  0, or -1. */
int cli_child_errfile(CliChild *c);

/* Fork a child that runs fn(ctx): its stderr to c->err (emptied first: what
 * a child before it wrote there is gone), SIGINT and SIGTERM ignored (the
 * parent handles them and kills it), killed when the parent dies
 * (PR_SET_PDEATHSIG).  0, or -1 (errno) when it cannot fork. */
int cli_child_start(CliChild *c, CliChildFn *fn, void *ctx);

enum { CLI_CHILD_ENDED, CLI_CHILD_WAITING, CLI_CHILD_INTERRUPTED };

/* Wait for c to end (ENDED, *status its wait status, c->pid -1), until
 * the time `until` (cli_now(); 0: no limit; WAITING: it still runs) or a
 * caught SIGINT/SIGTERM (INTERRUPTED: it still runs). */
int cli_child_wait(CliChild *c, double until, int *status);

/* SIGKILL c (when it runs) and reap it; _close also closes c->err. */
void cli_child_kill(CliChild *c);
void cli_child_close(CliChild *c);

/* What killed c (status: its wait status): the sanitizer's finding read
 * from its stderr file, else the signal or the exit status, with the last
 * line it wrote as the headline. */
void cli_child_crash(const CliChild *c, int status, ReportCrash *crash);

/* Keep c's whole stderr in DIR/NAME after header (lines saying which
 * scenario, how to reproduce it), and name that file in crash->report.
 * DIR is made when missing; dir NULL: nothing kept.  0, or -1 (printed). */
int cli_crash_save(const CliChild *c, const char *dir, const char *name, const char *header,
                   ReportCrash *crash);

/* SIGINT and SIGTERM (and SIGCHLD, to wake the waits) caught from now on:
 * the first sets a flag and wakes the waits, the second kills at once. */
void cli_signals_catch(void);
/* The signal caught (SIGINT or SIGTERM), or 0. */
int cli_signal_caught(void);
/* "SIGINT", "SIGTERM". */
const char *cli_signal_name(int sig);
/* A file readable once a signal came (for poll), -1 before
 * cli_signals_catch; cli_signal_drain empties it. */
int cli_signal_fd(void);
void cli_signal_drain(void);

/* ---- small helpers (util.c) --------------------------------------------- */

double cli_now(void);           /* monotonic seconds */

/* "ETA 1m05s": the time left for total - done more at the rate of done in
 * secs ("ETA unknown" before the first is done, "ETA 0s" at the end). */
void cli_eta(char *buf, size_t len, uint64_t done, uint64_t total, double secs);

/* The end of a forked child: _exit (no atexit handler of the parent's runs
 * twice), in coverage builds after writing the child's counters. */
void cli_child_exit(int status) __attribute__((noreturn));

/* Progress on stderr, "[k/N] ETA 1m05s path": on a terminal a line
 * redrawn in place, elsewhere (a CI log) a plain line every 10 s.  k and
 * N count runs (seeds, clean and injected runs), not files. */
typedef struct CliProgress {
    bool on;
    bool tty;
    bool shown;
    size_t total;
    double last;
    double start;
} CliProgress;

void cli_progress_init(CliProgress *p, size_t total);
void cli_progress_show(CliProgress *p, size_t k, const char *path);
/* A new total, once it is known (sweep: the injected runs after the clean
 * ones); the count and the clock go on. */
void cli_progress_total(CliProgress *p, size_t total);
void cli_progress_clear(CliProgress *p);

/* ---- the commands ------------------------------------------------------------ */

int cli_run(int argc, char **argv);             /* run.c */
int cli_sweep(int argc, char **argv);           /* sweep.c */
int cli_determinism(int argc, char **argv);     /* determinism.c */
int cli_fuzz2scn(int argc, char **argv);        /* fuzz.c */
int cli_ledger(int argc, char **argv);          /* ledger.c */
int cli_scn2fuzz(int argc, char **argv);        /* fuzz.c */
int cli_conform(int argc, char **argv);         /* conform.c */
int cli_explore(int argc, char **argv);         /* explore.c */
int cli_reduce(int argc, char **argv);          /* reduce.c */

/* reduce.c, for fuzz2scn --reduce: text (len bytes, a scenario named
 * `name`) reduced to a 1-minimal scenario that fails the same way (each
 * candidate in a forked worker).  *fails and why (how the text fails, or
 * why it could not be run) are set in every case; the reduced text
 * (malloc'd) or NULL: it does not fail (*fails false), or it could not be
 * reduced (*fails true, why says why: out of memory, or the host failed
 * a run, "host out of memory: ...", the text itself included). */
struct ScnReduceStats;
char *cli_reduce_text(const char *text, size_t len, const char *name, bool *fails,
                      char *why, size_t whylen, struct ScnReduceStats *stats);
int cli_merge(int argc, char **argv);           /* merge.c */
int cli_swarm(int argc, char **argv);           /* swarm.c */
int cli_probes(int argc, char **argv);          /* probes.c */


#endif /* REPLBENCH_CLI_H */
