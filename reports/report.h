/* report.h: one interface over scenario results, for every report writer:
 * what was run (ReportJob), what came of it (ReportOutcome), and the writers
 * over them: summary/TAP/JUnit (text.c), the HTML run report (html.c), the
 * fault ledger (ledger.c).  Reports read results and scenario files; they
 * never decide a verdict the interpreter did not give.
 */
#ifndef REPLBENCH_REPORT_H
#define REPLBENCH_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "scn.h"

#define REPORT_PATH_MAX 1024           /* bytes of one path, NUL excluded */
#define REPORT_POINT_MAX 64            /* = ScnPointCount.name */
/* An error: a path and a message, or a file's parse errors (scn.h: up to
 * SCN_MAX_ERRORS lines; whole lines past this are counted, not shown). */
#define REPORT_ERROR_MAX (REPORT_PATH_MAX + 512 + SCN_MAX_ERRORS * 400)

/* Exit statuses of every command. */
enum { REPORT_EXIT_OK = 0, REPORT_EXIT_FAIL = 1, REPORT_EXIT_USAGE = 2 };

/* ---- results ----------------------------------------------------------------- */

/* One injected fault of a job (ScnInject, with its name held). */
typedef struct ReportInject {
    char point[REPORT_POINT_MAX];
    uint64_t hit;               /* from 1 */
    bool persistent;
} ReportInject;

/* One run of one scenario file.  Fixed size: sent down a pipe as is. */
typedef struct ReportJob {
    uint32_t file;              /* index in CliFiles */
    bool seed_set;
    uint64_t seed;
    uint64_t seq;               /* set by the pool */
    unsigned ninject;           /* inject[0..ninject): every one injected */
    ReportInject inject[SCN_MAX_INJECTS];
    bool liveness;              /* a liveness phase at the end (ScnOptions) */
    uint64_t liveness_ticks;    /* its bound; 0: derived */
} ReportJob;

/* ---- a worker's crash (crash.c) -----------------------------------------------
 * What killed the process that ran a scenario, as data: the sanitizer's
 * finding and the first frames of its stacks (where the bad access
 * happened, where the memory was freed, where it was allocated), read once
 * from the sanitizer's report by report_crash_parse; or the signal.  The
 * whole report is kept in a file (report). */

#define REPORT_CRASH_STACKS 3          /* stacks kept: error, free, alloc */
#define REPORT_CRASH_FRAMES 6          /* frames kept of each */

/* What a stack of a report shows: where the error happened (the bad
 * access, the second free, the leaked block's allocation when it is the
 * only one), where the memory was freed, where it was allocated. */
typedef enum ReportStackRole {
    REPORT_STACK_ERROR, REPORT_STACK_FREE, REPORT_STACK_ALLOC, REPORT_STACK__COUNT
} ReportStackRole;

/* One frame, as the sanitizer symbolized it. */
typedef struct ReportFrame {
    unsigned index;             /* the report's #N */
    char func[128];             /* "" when unknown */
    char file[256];             /* source file ("dir/../" folded), or "" */
    unsigned line, column;      /* 0: unknown */
    char module[192];           /* "binary+0xoffset" when there is no file */
} ReportFrame;

typedef struct ReportStack {
    ReportStackRole role;
    char title[192];            /* the report's words ("freed by thread T0 here:"),
                                   "" when they are the crash's headline */
    unsigned nframes;
    ReportFrame frame[REPORT_CRASH_FRAMES];     /* the first, less the runtime's */
} ReportStack;

typedef struct ReportCrash {
    char kind[128];             /* "AddressSanitizer: heap-use-after-free",
                                   "LeakSanitizer: detected memory leaks",
                                   "UndefinedBehaviorSanitizer: signed-integer-overflow",
                                   or "signal 11 (Segmentation fault)" */
    char what[256];             /* the headline: the report's error line, or
                                   the last line the process wrote */
    bool symbolized;            /* some frame has a file */
    unsigned nstacks;
    ReportStack stack[REPORT_CRASH_STACKS];
    char report[REPORT_PATH_MAX + 1];   /* the file with the whole report, or "" */
} ReportCrash;

/* Read a sanitizer's report (text: the dead process's stderr, NUL-ended):
 * kind, what and the stacks of its first error; report is left alone.
 * false when text holds no sanitizer report (kind, what empty). */
bool report_crash_parse(const char *text, ReportCrash *crash);

/* "crash: WHAT", each stack's title and frames ("#1 func file:line:col"),
 * and the full report's file, each line after indent. */
void report_crash_print(FILE *f, const char *indent, const ReportCrash *crash);
/* One frame: "#N func file:line:col", or "#N func (module+0xoff)". */
void report_frame_put(FILE *f, const ReportFrame *frame);
/* A stack's heading: its title, or the crash's headline. */
const char *report_stack_title(const ReportCrash *crash, const ReportStack *stack);

/* "error", "free", "alloc"; and back (0, or -1 for another name). */
const char *report_stack_role_name(ReportStackRole role);
int report_stack_role_parse(const char *name, ReportStackRole *role);

/* What a run gives back.  Fixed size: sent up a pipe as is. */
typedef struct ReportOutcome {
    bool loaded;                /* false: error says why, res is empty */
    bool trace_lost;            /* the trace could not be written */
    bool died;                  /* the worker died running it: res says how,
                                   crash what killed it */
    bool timed_out;             /* stopped at the time limit: res says which */
    ReportCrash crash;          /* died: the sanitizer's finding or the signal */
    double seconds;
    char error[REPORT_ERROR_MAX];
    ScnResult res;
} ReportOutcome;

/* Which command a run belongs to: its verdict follows that command's rule
 * (report_verdict). */
typedef enum ReportKind { REPORT_KIND_RUN, REPORT_KIND_SWEEP } ReportKind;

/* A run's verdict, typed: what every report counts. */
typedef enum ReportVerdict {
    REPORT_VERDICT_PASS, REPORT_VERDICT_FAIL, REPORT_VERDICT_SKIP, REPORT_VERDICT_NA,
    REPORT_VERDICT_ERROR,
} ReportVerdict;

#define REPORT_VERDICT__COUNT 5

/* The verdict of one run by its kind's rule (results.c), the one place it
 * is decided.  Either kind: ERROR when the host failed the run (status
 * SCN_ERROR: a host allocation failed, never a verdict).  RUN: the
 * scenario's status (ERROR when it did not load, NA for a SKIP that lacks
 * an extension).  SWEEP: its clean run (no injection) as RUN; an injected
 * run FAILs when it did not load or a checker broke (its expectations may
 * fail), else NA when an extension lacks, SKIP when skipped, else PASS. */
ReportVerdict report_verdict(ReportKind kind, const ReportJob *job, const ReportOutcome *out);

/* ---- scenario files and shell words (util.c) ------------------------------- */

/* Read and parse one scenario file.  NULL with err filled ("path: why", or
 * every parse error as scn_errors_format gives them: "path:line:col:
 * message" lines) when it cannot be read or does not parse. */
ScnScript *report_load(const char *path, char *err, size_t errlen);

/* s quoted for a POSIX shell when it needs it. */
void report_shell_word(FILE *f, const char *s);

/* The scenario options of job: its seed and its injections (pointing
 * into job, which must outlive *opt's use).  Other fields are kept. */
void report_job_options(const ReportJob *job, ScnOptions *opt);

/* "PROGRAM run --seed S [--inject P:H[:persistent]]... [--liveness
 * [--liveness-ticks N]] PATH": PROGRAM is the binary that prints it, as
 * report_set_program named it (its path as invoked), "replbench" until
 * then: the line runs the same build. */
void report_set_program(const char *argv0);
/* The binary as report_set_program named it: for the commands that print a
 * command line of their own (determinism, a report page's command). */
const char *report_program(void);
void report_reproduce(FILE *f, uint64_t seed, const ReportJob *job, const char *path);

/* s with control bytes as \xNN, for one-line output. */
void report_put_line_safe(FILE *f, const char *s);
/* The same but for its line ends, kept: text of several lines (a file's
 * parse errors, report_load). */
void report_put_lines_safe(FILE *f, const char *s);

/* "1 error", "2 errors": n then the word, singular only for 1. */
void report_count(FILE *f, uint64_t n, const char *one, const char *many);

/* "(N UNIT/s)" for count items in seconds, with the digits a small rate
 * needs (0.071, 2.5, 130), never "(0 .../s)" for a slow run that did
 * something. */
void report_rate(FILE *f, uint64_t count, double seconds, const char *unit);

/* The implementation under test in one line: "NAME (PATH, API API,
 * sha256 HASH; offers EXT,...)" (registry/impl.h). */
void report_impl_describe(char *buf, size_t len);
/* The same line of any implementation's fields (offers: ReplicationExt bits). */
void report_impl_line(char *buf, size_t len, const char *name, const char *path,
                      const char *api, const char *sha256, unsigned offers);

/* ---- output style and the recap of failures (recap.c) ------------------------ */

/* How much a command prints, and whether in colour. */
typedef struct ReportStyle {
    bool color;                 /* ANSI colours on verdict words */
    int verbosity;              /* -1: failures only, 0: a line each, 1: more */
    bool show_seed;             /* many seeds: every line names its seed */
} ReportStyle;

typedef enum ReportPaint { REPORT_PAINT_OFF, REPORT_PAINT_PASS, REPORT_PAINT_FAIL,
                           REPORT_PAINT_SKIP } ReportPaint;

/* The escape sequence that starts p ("" when !on; OFF ends a colour). */
const char *report_paint(bool on, ReportPaint p);
/* word (PASS, FAIL...) in colour p when on. */
void report_word(FILE *f, bool on, ReportPaint p, const char *word);

#define REPORT_RECAP_MAX 1000          /* failures listed; the rest counted */

/* The failures of a command, listed again at its end. */
typedef struct ReportRecap ReportRecap;

ReportRecap *report_recap_new(void);
/* One failure: what (one line: "path:line: message") and the command that
 * reproduces it (seed, job's injection, path).  job may be NULL. */
void report_recap_add(ReportRecap *r, const char *what, uint64_t seed,
                      const ReportJob *job, const char *path);
/* The same with the reproduce command given (one line). */
void report_recap_add_command(ReportRecap *r, const char *what, const char *command);
/* "failures (N):" and each failure with its reproduce command, to f (nothing
 * when none).  Frees r (NULL is fine). */
void report_recap_end(ReportRecap *r, FILE *f, bool color);

/* ---- summary, TAP and JUnit (text.c) ----------------------------------------- */

/* PROBES: no line per run; at the end the probe table (probes.c) of the
 * runs, and exit 1 also when a probe not marked rare was not reached. */
typedef enum ReportFormat {
    REPORT_FORMAT_SUMMARY, REPORT_FORMAT_TAP, REPORT_FORMAT_JUNIT, REPORT_FORMAT_PROBES
} ReportFormat;

typedef struct ReportText ReportText;
typedef struct ReportImpl ReportImpl;   /* results.c's */
typedef struct ReportSummary ReportSummary;     /* results.c's */

/* "summary", "tap", "junit" or "probes": 0, or -1 for another name. */
int report_format_parse(const char *name, ReportFormat *format);

ReportText *report_text_new(ReportFormat format, size_t total);
/* The style of r's output (default: a line each, no colour). */
void report_text_style(ReportText *r, const ReportStyle *style);
/* The implementation r names (default, or impl NULL: the linked one). */
void report_text_impl(ReportText *r, const ReportImpl *impl);
/* One scenario's outcome; k counts from 1.  report_text_add is a run of
 * `run`; report_text_add_as one of kind, judged and named by its rule (a
 * sweep run is "path [clean]" or "path [POINT#HIT]", " persistent" and
 * " + " between two injections inside the brackets). */
void report_text_add(ReportText *r, size_t k, const char *path, const ReportJob *job,
                    const ReportOutcome *out);
void report_text_add_as(ReportText *r, size_t k, ReportKind kind, const char *path,
                        const ReportJob *job, const ReportOutcome *out);

/* A summary (results.c) of a sweep's passing runs: one line, one TAP test
 * point, one JUnit case for all its runs; its runs count as passed. */
void report_text_add_summary(ReportText *r, size_t k, const ReportSummary *s);
/* Its name after the path: " [POINT#*: N passing runs, this point injected
 * first]". */
void report_summary_name(char *buf, size_t len, const ReportSummary *s);

/* The name of a sweep run's injections, " [clean]" or " [P#H persistent +
 * P#H]", into buf (always terminated). */
void report_sweep_name(char *buf, size_t len, const ReportJob *job);
/* The summary line (and, for JUnit, the whole document).  Frees r.
 * path_errors (paths that could not be searched) count as errors in the
 * summary line.  Returns the exit status: 2 with an error, 1 with a
 * failure, else 0. */
int report_text_end(ReportText *r, size_t path_errors, double seconds);

/* The failure details: seed, reproduce, checker, the crash (its stacks:
 * report_crash_print) when the worker died, last trace lines; each line
 * starts with indent. */
void report_failure_details(FILE *f, const char *indent, const char *path,
                         const ReportJob *job, const ReportOutcome *out);

/* Length of the valid UTF-8 sequence at s (1-4; *cp its code point), or 0
 * for a byte that starts none (overlong forms, surrogates, past U+10FFFF). */
size_t report_utf8_seq(const unsigned char *s, uint32_t *cp);

/* s as XML (and XHTML) text, or as an attribute value in double quotes
 * (attr): & < > (and " in attributes) as entities; invalid UTF-8 and
 * what XML cannot carry as \xNN.  Used by JUnit and the HTML report. */
void report_xml_put(FILE *f, const char *s, bool attr);

/* ---- results that merge (results.c) -------------------------------------------
 * `run --results FILE.jsonl` and `sweep --results`: JSON lines.  The first
 * is a header, the last a trailer; between them one record per run, each
 * written as soon as its run ends (in the order runs end; merge sorts).
 *
 * A record: kind ("run" or "sweep"; "run" when absent, as files before it
 * had), path, seed, seed_set, verdict (pass, fail, skip, na, error: by
 * kind's rule, report_verdict), message, hash ("0x..."), ticks, faults
 * (fired), time (seconds), inject [{point, hit, persistent}] when injected,
 * loaded (false for a run whose scenario did not load, or a path that
 * could not be searched; true, written, for a run the host failed: verdict
 * error, message "host out of memory: ..."); for a scenario that loaded
 * also line, ops, trace_lines, missing_ext, died, checkers_ok,
 * checker_kind, checker, points [{name, template, hits, fires, handled,
 * observed}], tail [last trace lines] and, for a sweep run, status (the
 * scenario's own: pass, fail, skip, error); impl {name, path, api,
 * sha256, offers [extension names]}: the implementation the writing binary
 * links (absent in files before it); timed_out (true only when the run was
 * stopped at the time limit); crash {kind, what, symbolized, report, stacks
 * [{role, title, frames [{index, func, file, line, column, module}]}]}
 * (only when its worker died: ReportCrash); liveness (true, with
 * liveness_ticks when not derived: the run had a liveness phase at its
 * end), live_verdict and live_part (the last phase's verdict and the part
 * of its first item, "none" when none: only when a phase ran).  A
 * record's verdict must be what its kind's rule gives for its fields.  A
 * byte that is not UTF-8 is written as \u00NN.
 *
 * The header (ReportResultsHeader) says what the command set out to do;
 * the trailer (ReportResultsTrailer) how it ended and how many records of
 * each verdict it wrote.  docs/RESULTS.md says what a file guarantees. */

#define REPORT_RESULT_LINE_MAX ((size_t)1 << 20)  /* bytes of one record */

/* The implementation a record was produced with (registry/impl.h's
 * name, path, API mode, sha256 and extensions, as the writing binary had
 * them). */
struct ReportImpl {
    char name[256];
    char path[REPORT_PATH_MAX + 1];
    char api[16];               /* "instances" or "global" */
    char sha256[65];            /* 64 lowercase hex digits */
    unsigned offers;            /* its extensions (ReplicationExt) */
};

/* One record read back: what run or sweep had of the run. */
typedef struct ReportRecord {
    ReportKind kind;
    ReportVerdict verdict;      /* = report_verdict(kind, &job, &out) */
    char path[REPORT_PATH_MAX + 1];
    ReportJob job;
    ReportOutcome out;
    bool has_impl;              /* false: an older record, without "impl" */
    ReportImpl impl;
} ReportRecord;

/* 1: a record a run.  2: also summaries (ReportSummary) and the trailer's
 * "lines".  merge reads both; a replbench that reads only 1 refuses 2. */
#define REPORT_RESULTS_VERSION 2
#define REPORT_HEADER_LIST_MAX 16      /* paths and patterns listed in a header */

/* {"kind":"header", "version", "command", "cwd", "paths" (the command's PATH
 * arguments, the first REPORT_HEADER_LIST_MAX), "npaths", "keep" and
 * "exclude" (-k, --exclude: the first ones), "last_failed", "shard"
 * {"k","n"}, "seed" (--seed) or "seeds" {"lo","hi"}, "inject" (run
 * --inject), "max_hits" and "depth" (sweep), "files" (scenario files
 * selected), "planned" (runs planned when it began), "more" (true: more
 * are planned as it goes, as sweep's injected runs), "impl"}.  The fields
 * marked "read back" are what report_results_parse_header fills; the
 * others are written for people and skipped when read. */
typedef struct ReportResultsHeader {
    unsigned version;                   /* read back (written: REPORT_RESULTS_VERSION) */
    char command[16];                   /* read back */
    char cwd[REPORT_PATH_MAX + 1];      /* read back; "" when not said */
    unsigned shard_k, shard_n;          /* read back; 0: not sharded */
    uint64_t files, planned;            /* read back */
    bool more;                          /* read back */
    bool has_impl;                      /* read back (written: the linked one) */
    ReportImpl impl;                    /* read back */
    char *const *paths;
    size_t npaths;
    const char *const *keep, *const *drop;
    size_t nkeep, ndrop;
    bool last_failed;
    bool seed_set, seeds_set;
    uint64_t seed, seed_lo, seed_hi;
    const ReportJob *inject;             /* run --inject, or NULL */
    uint64_t max_hits;                  /* sweep; 0: none */
    unsigned depth;
} ReportResultsHeader;

/* How the command that wrote a file ended. */
typedef enum ReportEnd {
    REPORT_END_COMPLETE,        /* every planned run written */
    REPORT_END_BUDGET,          /* --budget spent: the runs not started are not written */
    REPORT_END_FAIL_FAST,       /* -x: stopped after a failure */
    REPORT_END_INTERRUPTED,     /* a signal: runs may be missing */
    REPORT_END__COUNT
} ReportEnd;

/* {"kind":"trailer", "end" (complete, budget, fail-fast, interrupted),
 * "planned" (runs planned in all), "more" (true: the number planned was
 * not known yet: a sweep interrupted in its clean runs), "records" (the
 * runs recorded: a summary records its count), "lines" (version 2: the
 * record and summary lines written) and "verdicts" {"pass", "fail",
 * "skip", "na", "error"} (how many runs of each). */
typedef struct ReportResultsTrailer {
    ReportEnd end;
    uint64_t planned;
    bool more;
    uint64_t records;
    bool has_lines;                     /* read back: "lines" given */
    uint64_t lines;
    uint64_t verdicts[REPORT_VERDICT__COUNT];   /* by ReportVerdict */
} ReportResultsTrailer;

/* "complete", "budget", "fail-fast", "interrupted". */
const char *report_end_name(ReportEnd end);

/* impl in one line, as report_impl_describe has the linked one: "NAME
 * (PATH, API API, sha256 HASH; offers EXT...)"; impl NULL: the linked
 * one's. */
void report_record_impl_describe(char *buf, size_t len, const ReportImpl *impl);

/* One record of a run of kind (report_results_write: of `run`). */
void report_results_write_as(FILE *f, ReportKind kind, const char *path, const ReportJob *job,
                             const ReportOutcome *out);
void report_results_write(FILE *f, const char *path, const ReportJob *job,
                          const ReportOutcome *out);

/* The header line: cwd, paths... as h has them, the implementation
 * linked; and the trailer line. */
void report_results_header(FILE *f, const ReportResultsHeader *h);
void report_results_trailer(FILE *f, const ReportResultsTrailer *t);

typedef enum ReportLineKind {
    REPORT_LINE_RECORD, REPORT_LINE_HEADER, REPORT_LINE_TRAILER, REPORT_LINE_SUMMARY
} ReportLineKind;

/* ---- summaries (version 2) -------------------------------------------------------
 * A sweep's passing injected runs of one scenario, seed and first injected
 * point, in one line instead of one each (a depth-2 sweep is ~400,000
 * runs): {"kind":"summary", "of":"sweep", "path", "seed", "seed_set",
 * "liveness", "liveness_ticks", "verdict":"pass", "count" (runs),
 * "names" [the points the runs inject; names[0] is every run's first],
 * "runs" ("I:H" or "I:Hp" (persistent), joined by "+" within a run, then
 * "x" when the scenario's own status was fail (its expectations, which
 * need not hold under a fault; its checkers held), runs joined by ","; I
 * indexes names), "time" (seconds, summed), "points"
 * [{name, template, runs, hits, fires, handled, observed}] (summed over
 * the runs; runs: how many had the point), "probes" {NAME: COUNT} and
 * "probe_runs" {NAME: RUNS} (summed; how many runs reached each), "impl"}.
 * Failing, skipped, N/A, error and clean runs stay records of their own. */

#define REPORT_SUMMARY_RUNS 1024        /* runs of one summary at most */

typedef struct ReportSummaryRun {
    unsigned ninject;
    bool expect_failed;                 /* the scenario's status fail (its checkers held) */
    struct {
        unsigned point;                 /* index in names */
        bool persistent;
        uint64_t hit;
    } inject[SCN_MAX_INJECTS];
} ReportSummaryRun;

typedef struct ReportSummaryPoint {
    ScnPointCount sum;                  /* name, template, counts summed */
    uint64_t runs;                      /* runs that had the point */
} ReportSummaryPoint;

struct ReportSummary {
    char path[REPORT_PATH_MAX + 1];
    uint64_t seed;
    bool seed_set, liveness;
    uint64_t liveness_ticks;
    unsigned nnames;
    char names[SCN_MAX_POINTS][REPORT_POINT_MAX];
    unsigned count;
    unsigned expect_failed;             /* runs whose status was fail */
    ReportSummaryRun runs[REPORT_SUMMARY_RUNS];
    double seconds;
    unsigned npoints;
    ReportSummaryPoint points[SCN_MAX_POINTS];
    uint64_t probes[SIM_PROBE__COUNT], probe_runs[SIM_PROBE__COUNT];
    bool has_impl;
    ReportImpl impl;
};

/* Start s for the runs of path like job's (its seed, liveness): empty. */
void report_summary_start(ReportSummary *s, const char *path, const ReportJob *job,
                          const ReportOutcome *out);
/* Whether job's run belongs in s (same path, seed and first injected
 * point), and s has room for it. */
bool report_summary_fits(const ReportSummary *s, const char *path, const ReportJob *job,
                         const ReportOutcome *out);
/* Add a passing injected run of the sweep (report_verdict PASS): 0, or -1
 * when it does not fit (a name more than SCN_MAX_POINTS). */
int report_summary_add(ReportSummary *s, const ReportJob *job, const ReportOutcome *out);
/* One summary line (the linked implementation's). */
void report_summary_write(FILE *f, const ReportSummary *s);
/* Parse one summary line: 0, or -1 with err "FILE:LINE:COL: why". */
int report_summary_parse(const char *text, size_t len, const char *file, unsigned long line,
                         ReportSummary *s, char *err, size_t errlen);
/* Run i of s as a job (seed, liveness, injections). */
void report_summary_job(const ReportSummary *s, unsigned i, ReportJob *job);

/* The kind of a line: a header or a trailer by its "kind"; anything else
 * (a malformed line too) is a record, for report_results_parse to judge. */
ReportLineKind report_results_line_kind(const char *text, size_t len);

/* Parse one line (without its newline) into *rec, *h or *t: 0, or -1 with
 * err set to "FILE:LINE:COL: why". */
int report_results_parse(const char *text, size_t len, const char *file, unsigned long line,
                         ReportRecord *rec, char *err, size_t errlen);
int report_results_parse_header(const char *text, size_t len, const char *file,
                                unsigned long line, ReportResultsHeader *h, char *err,
                                size_t errlen);
int report_results_parse_trailer(const char *text, size_t len, const char *file,
                                 unsigned long line, ReportResultsTrailer *t, char *err,
                                 size_t errlen);

/* Each non-empty line of file: fn(ctx, file, line, text, len), which
 * returns 0 to go on, or -1 to stop.  Reads through one buffer of
 * REPORT_RESULT_LINE_MAX bytes: a longer line is an error as soon as the
 * buffer is full, and so is a NUL byte; memory does not grow with the
 * file.  0, or -1 with the problem printed (a file that cannot be opened
 * (report_in_open) or read, a line too long, out of memory) or fn's -1. */
typedef int ReportLineFn(void *ctx, const char *file, unsigned long line, const char *text,
                         size_t len);
int report_results_read(const char *file, ReportLineFn *fn, void *ctx);

/* ---- output files written whole (outfile.c) -----------------------------------
 * Results, trace and report files have one writer, and a reader never sees
 * half of one.  A regular file or a new name is locked (a POSIX record
 * lock, advisory: held by this process, not by the workers it forks) and
 * emptied when opened, so that a writer that dies leaves an empty file,
 * never an older run's; the content goes to PATH.part-XXXXXX beside it,
 * renamed over PATH when complete.  A device or a FIFO (also through a
 * symbolic link) is written in place; a FIFO only when a reader has it
 * open (no hang).  A symbolic link to a regular file is refused. */

typedef struct ReportOut ReportOut;

/* path opened for writing whole.  NULL with err "path: why": another
 * process holds its lock ("being written by another process"), a folder,
 * a FIFO without a reader, a link, or what open says. */
ReportOut *report_out_open(const char *path, char *err, size_t errlen);
/* Where to write (buffered: flush what must be seen before the end). */
FILE *report_out_file(const ReportOut *o);
const char *report_out_path(const ReportOut *o);
/* Flush, sync and rename into place; frees o.  0, or -1 with err "path:
 * why" (the temporary file removed, PATH left empty). */
int report_out_close(ReportOut *o, char *err, size_t errlen);
/* Stop without renaming: the temporary file removed, PATH left empty.
 * NULL is fine. */
void report_out_abandon(ReportOut *o);

/* path opened for reading: a regular file (refused while another process
 * holds its lock), a FIFO (without a writer: end of file at once, no hang)
 * or a device; a folder refused.  The descriptor, or -1 with err "path:
 * cannot read: why". */
int report_in_open(const char *path, char *err, size_t errlen);

/* ---- the HTML run report (html.c) ---------------------------------------------- */

#define REPORT_HTML_MAX_TIMELINES 100  /* timelines drawn per page */
#define REPORT_HTML_MAX_ROWS 2000      /* failing rows, and other rows, per page */

typedef struct ReportHtml ReportHtml;

/* A report for `run --report dir`: every scenario in the table; a timeline
 * for each failing one, each one when all, and each whose path contains
 * select (when not NULL).  argv (the command's, for the page's header) and
 * the strings must outlive it.  NULL when out of memory. */
ReportHtml *report_html_new(const char *dir, bool all, const char *select,
                      int argc, char *const *argv);

/* The implementation the page names (default, or impl NULL: the linked
 * one); the timelines are still re-run with the linked one. */
void report_html_impl(ReportHtml *h, const ReportImpl *impl);

/* One scenario's outcome, in the order of the table: a run of `run`, or
 * (report_html_add_as) one of kind, judged and named by its rule as
 * report_text_add_as does. */
void report_html_add(ReportHtml *h, const char *path, const ReportJob *job, const ReportOutcome *out);
void report_html_add_as(ReportHtml *h, ReportKind kind, const char *path, const ReportJob *job,
                        const ReportOutcome *out);
/* A summary of a sweep's passing runs (results.c): one row for all its
 * runs, counted as passed. */
void report_html_add_summary(ReportHtml *h, const ReportSummary *s);

/* Re-run the scenarios to draw (in this process, with the same seed and
 * injection: same trace) and write dir/index.html (dir is made when
 * missing).  Frees h.  0, or -1 with the problem printed. */
int report_html_end(ReportHtml *h, double seconds);

/* Free h (NULL is fine) without writing anything. */
void report_html_free(ReportHtml *h);

/* A section drawn between the page's header and its table (the scenario
 * in row k, counted from 1 in the order added, has the anchor "#r<k>"). */
typedef void ReportHtmlIntro(FILE *f, void *ctx);
void report_html_set_intro(ReportHtml *h, ReportHtmlIntro *fn, void *ctx);

/* ---- the conformance table (conform.c) ---------------------------------------
 * Each walk rule of docs/CONTRACT.md and each extension of registry/impl.h,
 * for each walk: pass, partly (passed where judged; some of its scenarios
 * broke another cell first and judged nothing here), fail or n/a.  A run
 * that broke the contract fails the cells of the violations the checker
 * filed (ScnResult.violations); any other run counts in the cells its
 * `rule` tags name. */

typedef struct ReportConform ReportConform;

/* An empty table for the implementation linked in; NULL when out of memory. */
ReportConform *report_conform_new(void);
void report_conform_free(ReportConform *c);
/* Paint the text table's cells and FAIL words (--color); off by default. */
void report_conform_set_color(ReportConform *c, bool color);

/* Scenario k (from 1, the run report's row) with its tags and outcome.
 * sanitizer: what killed its worker ("AddressSanitizer: heap-use-after-free"),
 * "" when unknown or not killed. */
void report_conform_add(ReportConform *c, size_t k, const char *path, const ScnScript *s,
                        const ReportOutcome *out, const char *sanitizer);

/* A built-in probe's outcome, filed as tag says (its rule or extension and
 * walk): for what no scenario can script (aborts).  name is static; message
 * says what happened when !ok. */
void report_conform_add_probe(ReportConform *c, const ScnRuleTag *tag, const char *name,
                              bool ok, const char *message);

/* QUIET: the summary without the table (its failures and closing line). */
typedef enum ReportConformFormat {
    REPORT_CONFORM_SUMMARY, REPORT_CONFORM_JSON, REPORT_CONFORM_JUNIT, REPORT_CONFORM_QUIET
} ReportConformFormat;

/* The cells that fail so far. */
unsigned report_conform_failing(const ReportConform *c);

/* The table to f.  Returns REPORT_EXIT_OK when no cell fails, else
 * REPORT_EXIT_FAIL: a partly checked cell is not a failure (and never comes
 * alone: the cell that blocked it fails). */
int report_conform_write(const ReportConform *c, ReportConformFormat fmt, FILE *f);

/* The coloured rule x walk matrix for the HTML page (a ReportHtmlIntro;
 * ctx is the ReportConform). */
void report_conform_html(FILE *f, void *ctx);

/* ---- the fault ledger (ledger.c) ---------------------------------------------- */

typedef struct ReportLedger ReportLedger;

/* An empty ledger with a row per fault point template; NULL when out of
 * memory. */
ReportLedger *report_ledger_new(void);
void report_ledger_free(ReportLedger *l);

/* Add one scenario's fault point counts. */
void report_ledger_add(ReportLedger *l, const ScnResult *r);
/* Add a summary's runs: its points' sums and how many runs had each. */
void report_ledger_add_summary(ReportLedger *l, const ReportSummary *s);

/* Print the table and its closing line to f; returns the number of points
 * without a fired, handled and observed outcome. */
unsigned report_ledger_print(const ReportLedger *l, FILE *f);
/* The same, with only the rows of points not ok when only_problems, and
 * the verdicts painted (ok green, the others red) when color. */
unsigned report_ledger_print_some(const ReportLedger *l, FILE *f, bool only_problems,
                                  bool color);

/* ---- the probe table (probes.c) ------------------------------------------------ */

typedef struct ReportProbes ReportProbes;

#define REPORT_PROBE_EXAMPLES 2        /* scenarios named per probe */

/* An empty table, a row per probe of the catalog (sim/probe.h); NULL when
 * out of memory. */
ReportProbes *report_probes_new(void);
void report_probes_free(ReportProbes *p);

/* Add runs runs' probe counts summed (counts), and how many of them reached
 * each probe (reached); path names them among a probe's first scenarios. */
void report_probes_add_sums(ReportProbes *p, const char *path, uint64_t runs,
                            const uint64_t *counts, const uint64_t *reached);
/* Add one run's probe counts; path names it among a probe's first
 * scenarios. */
void report_probes_add(ReportProbes *p, const char *path, const ScnResult *r);

/* Probe `probe` (a SimProbe): its count over the runs added, and (runs not
 * NULL) in how many runs. */
uint64_t report_probes_count(const ReportProbes *p, int probe, uint64_t *runs);

/* Print the table (a line per probe: count, runs, the first scenarios that
 * reached it or NOT REACHED), its closing line and, when some are missing,
 * a line "not reached: NAME..." to f; returns the number of probes not
 * marked rare that nothing reached. */
unsigned report_probes_print(const ReportProbes *p, FILE *f);
/* The same, with only the rows of probes not reached (rare ones left out)
 * when only_missing, and NOT REACHED painted red (a rare one's word
 * yellow) when color. */
unsigned report_probes_print_some(const ReportProbes *p, FILE *f, bool only_missing,
                                  bool color);

#endif /* REPLBENCH_REPORT_H */
