/* cli.h: private to the replbench CLI (replbench.c, cli_*.c): the list of
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

#include "scn.h"

#define CLI_MAX_FILES 100000        /* scenario files per command */
#define CLI_PATH_MAX 1024           /* bytes of one path, NUL excluded */
#define CLI_MAX_DEPTH 32            /* folder nesting searched */
#define CLI_MAX_JOBS 64
#define CLI_MAX_SHARDS 1000
#define CLI_POINT_MAX 64            /* = ScnPointCount.name */
#define CLI_ERROR_MAX (CLI_PATH_MAX + 512)

/* Exit statuses of every command. */
enum { CLI_EXIT_OK = 0, CLI_EXIT_FAIL = 1, CLI_EXIT_USAGE = 2 };

/* ---- files (cli_files.c) ---------------------------------------------------- */

/* The scenario files of a command, sorted by path, without duplicates. */
typedef struct CliFiles {
    char **paths;
    size_t n;
} CliFiles;

/* Collect the files named by args: a file as given, a folder searched
 * recursively for *.scn.  Prints each problem to stderr ("replbench: PATH:
 * why") and returns the number of problems (a missing path, an unreadable
 * folder, a path too long, more than CLI_MAX_FILES files).  *out is valid
 * (possibly empty) in every case; free it with cli_files_free. */
size_t cli_files_collect(char *const *args, size_t nargs, CliFiles *out);
void cli_files_free(CliFiles *f);

/* Keep the files of shard k (1-based) of n: FNV-1a-64 of the path modulo n
 * equals k - 1. */
void cli_files_shard(CliFiles *f, unsigned k, unsigned n);

/* Read and parse one scenario file.  NULL with err filled ("path: why" or
 * "path:line:col: message") when it cannot be read or does not parse. */
ScnScript *cli_load(const char *path, char *err, size_t errlen);

/* The name of the folder holding path ("scenarios" when none), for JUnit's
 * classname. */
void cli_suite_name(const char *path, char *buf, size_t len);

/* ---- options (cli_args.c) --------------------------------------------------- */

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
} CliArgs;

enum { CLI_ARG_END, CLI_ARG_OPTION, CLI_ARG_PATH, CLI_ARG_ERROR };

/* The next argument: an option of specs (*id, *value for "--x V" and
 * "--x=V"), a path (*value), the end, or an error already printed. */
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

/* The paths of a command: argv's non-options, gathered as they come. */
typedef struct CliPaths {
    char **v;
    size_t n;
} CliPaths;

/* Room for every argument; false when out of memory (printed). */
bool cli_paths_init(CliPaths *p, int argc);
void cli_paths_free(CliPaths *p);

/* ---- one job and the pool (cli_pool.c) -------------------------------------- */

/* One run of one scenario file.  Fixed size: sent down a pipe as is. */
typedef struct CliJob {
    uint32_t file;              /* index in CliFiles */
    bool seed_set;
    bool persistent;
    uint64_t seed;
    uint64_t hit;               /* with point[0] != 0: inject this hit */
    uint64_t seq;               /* set by the pool */
    char point[CLI_POINT_MAX];
} CliJob;

/* What a run gives back.  Fixed size: sent up a pipe as is. */
typedef struct CliOutcome {
    bool loaded;                /* false: error says why, res is empty */
    bool trace_lost;            /* the trace could not be written */
    bool died;                  /* the worker died running it: res says how */
    double seconds;
    char error[CLI_ERROR_MAX];
    ScnResult res;
} CliOutcome;

/* The next job, in order; false when there are no more. */
typedef bool CliNextFn(void *ctx, CliJob *job);
/* A job's outcome, in the order the jobs were given. */
typedef void CliDoneFn(void *ctx, const CliJob *job, const CliOutcome *out);

typedef struct CliPool {
    const CliFiles *files;
    unsigned jobs;              /* 1: in this process; more: forked workers */
    FILE *trace;                /* every run's trace after "# path", or NULL */
    CliNextFn *next;
    CliDoneFn *done;
    void *ctx;
} CliPool;

/* Run every job that next() gives and hand each outcome to done(), in
 * order.  A worker killed by a signal gives a failed outcome naming it.
 * Returns 0, or -1 when workers cannot be started (message printed). */
int cli_pool_run(const CliPool *p);

/* ---- small helpers (cli_util.c) --------------------------------------------- */

double cli_now(void);           /* monotonic seconds */

/* s quoted for a POSIX shell when it needs it. */
void cli_shell_word(FILE *f, const char *s);

/* "replbench run --seed S [--inject P:H[:persistent]] PATH" */
void cli_reproduce(FILE *f, uint64_t seed, const CliJob *job, const char *path);

/* s with control bytes as \xNN, for one-line output. */
void cli_put_line_safe(FILE *f, const char *s);

/* The "\r[k/N] path" line on stderr, only when it is a terminal. */
typedef struct CliProgress {
    bool on;
    bool shown;
    size_t total;
    double last;
} CliProgress;

void cli_progress_init(CliProgress *p, size_t total);
void cli_progress_show(CliProgress *p, size_t k, const char *path);
void cli_progress_clear(CliProgress *p);

/* ---- the commands ------------------------------------------------------------ */

int cli_run(int argc, char **argv);             /* cli_run.c */
int cli_sweep(int argc, char **argv);           /* cli_sweep.c */
int cli_determinism(int argc, char **argv);     /* cli_determinism.c */
int cli_fuzz2scn(int argc, char **argv);        /* cli_fuzz.c */
int cli_ledger(int argc, char **argv);          /* cli_ledger.c */
int cli_scn2fuzz(int argc, char **argv);        /* cli_fuzz.c */

/* Usage texts (replbench.c): to stdout for --help, stderr otherwise. */
void cli_usage_run(FILE *f);
void cli_usage_sweep(FILE *f);
void cli_usage_determinism(FILE *f);

/* Report output of run (cli_report.c). */
typedef enum CliFormat { CLI_FORMAT_SUMMARY, CLI_FORMAT_TAP, CLI_FORMAT_JUNIT } CliFormat;

typedef struct CliReport CliReport;

CliReport *cli_report_new(CliFormat format, size_t total);
/* One scenario's outcome; k counts from 1. */
void cli_report_add(CliReport *r, size_t k, const char *path, const CliJob *job,
                    const CliOutcome *out);
/* The summary line (and, for JUnit, the whole document).  Frees r.
 * path_errors (paths that could not be searched) count as errors in the
 * summary line.  Returns the exit status: 2 with an error, 1 with a
 * failure, else 0. */
int cli_report_end(CliReport *r, size_t path_errors, double seconds);

/* The failure details: seed, reproduce, checker, last trace lines; each
 * line starts with indent. */
void cli_failure_details(FILE *f, const char *indent, const char *path,
                         const CliJob *job, const ScnResult *res);

/* s as XML (and XHTML) text, or as an attribute value in double quotes
 * (attr): & < > (and " in attributes) as entities; invalid UTF-8 and
 * what XML cannot carry as \xNN.  Used by JUnit and the HTML report. */
void cli_xml_put(FILE *f, const char *s, bool attr);

/* ---- the HTML run report (cli_html.c) ----------------------------------------- */

#define CLI_HTML_MAX_TIMELINES 100  /* timelines drawn per page */

typedef struct CliHtml CliHtml;

/* A report for `run --report dir`: every scenario in the table; a timeline
 * for each failing one, each one when all, and each whose path contains
 * select (when not NULL).  argv (the command's, for the page's header) and
 * the strings must outlive it.  NULL when out of memory. */
CliHtml *cli_html_new(const char *dir, bool all, const char *select,
                      int argc, char *const *argv);

/* One scenario's outcome, in the order of the table. */
void cli_html_add(CliHtml *h, const char *path, const CliJob *job, const CliOutcome *out);

/* Re-run the scenarios to draw (in this process, with the same seed and
 * injection: same trace) and write dir/index.html (dir is made when
 * missing).  Frees h.  0, or -1 with the problem printed. */
int cli_html_end(CliHtml *h, double seconds);

/* Free h (NULL is fine) without writing anything. */
void cli_html_free(CliHtml *h);

#endif /* REPLBENCH_CLI_H */
