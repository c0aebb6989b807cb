/* resultsfile.c: the --results file of run and sweep (cli.h): its header,
 * a record per run as the run ends, its trailer; and the rule that a
 * command's outputs are neither its inputs nor one another.  The record
 * format is reports/results.c's; locking and the rename, outfile.c's.
 * A sweep's passing injected runs are kept back and written as summaries
 * (report.h: one line per scenario, seed and first injected point, up to
 * REPORT_SUMMARY_RUNS runs): a failing, skipped, N/A or error run, and
 * every clean run, is still a record of its own written as it ends.  The
 * trailer counts runs ("records") and lines apart.
 */
#include <errno.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

#define OPEN_SUMMARIES 8            /* summaries filling at once */

struct CliResults {
    const char *cmd;
    ReportOut *out;
    FILE *f;
    uint64_t records;           /* runs written */
    uint64_t lines;             /* record and summary lines written */
    uint64_t verdicts[REPORT_VERDICT__COUNT];
    ReportSummary *open[OPEN_SUMMARIES];        /* filling, or NULL */
    uint64_t used[OPEN_SUMMARIES];              /* when each was last added to */
    uint64_t clock;
};

void cli_results_header(ReportResultsHeader *h, const char *cmd, const CliCommon *c,
                        const CliFiles *files)
{
    memset(h, 0, sizeof(*h));
    snprintf(h->command, sizeof(h->command), "%s", cmd);
    if (getcwd(h->cwd, sizeof(h->cwd)) == NULL) {
        h->cwd[0] = '\0';
    }
    h->paths = c->paths.v;
    h->npaths = c->paths.n;
    h->keep = c->keep;
    h->nkeep = c->nkeep;
    h->drop = c->drop;
    h->ndrop = c->ndrop;
    h->last_failed = c->last_failed;
    h->shard_k = c->shard_k;
    h->shard_n = c->shard_n;
    h->seed_set = c->seed_set;
    h->seed = c->seed;
    h->seeds_set = c->seeds_set;
    h->seed_lo = c->seed_lo;
    h->seed_hi = c->seed_hi;
    h->files = files->n;
    h->planned = (uint64_t)files->n * cli_command_nseeds(c) + files->nproblems;
}

CliResults *cli_results_open(const char *cmd, const char *path, const ReportResultsHeader *h)
{
    char err[REPORT_ERROR_MAX];
    CliResults *r = calloc(1, sizeof(*r));

    if (r == NULL) {
        fprintf(stderr, "replbench %s: out of memory\n", cmd);
        return NULL;
    }
    r->cmd = cmd;
    r->out = report_out_open(path, err, sizeof(err));
    if (r->out == NULL) {
        fprintf(stderr, "replbench %s: cannot open %s (--results)\n", cmd, err);
        free(r);
        return NULL;
    }
    r->f = report_out_file(r->out);
    report_results_header(r->f, h);
    fflush(r->f);
    return r;
}

/* Summary i written and emptied (its runs counted). */
static void summary_flush(CliResults *r, unsigned i)
{
    ReportSummary *s = r->open[i];

    if (s == NULL || s->count == 0) {
        return;
    }
    report_summary_write(r->f, s);
    fflush(r->f);
    r->lines++;
    r->records += s->count;
    r->verdicts[REPORT_VERDICT_PASS] += s->count;
    s->count = 0;
    s->nnames = 0;
}

static bool filling(const CliResults *r, int i)
{
    return r->open[i] != NULL && r->open[i]->count != 0;
}

/* A passing injected sweep run into its summary: true, or false when it
 * must be a record of its own (out of memory, too many point names). */
static bool summarized(CliResults *r, const char *path, const ReportJob *job,
                       const ReportOutcome *out)
{
    int fit = -1, slot = -1;

    /* The summary the run fits; else an empty slot, or the least recently
     * used summary (written out to make room). */
    for (unsigned i = 0; i < OPEN_SUMMARIES && fit < 0; i++) {
        if (filling(r, (int)i) && report_summary_fits(r->open[i], path, job, out)) {
            fit = (int)i;
        } else if (slot < 0 || (filling(r, slot) && (!filling(r, (int)i) ||
                                                     r->used[i] < r->used[slot]))) {
            slot = (int)i;
        }
    }
    if (fit < 0) {
        fit = slot;
        summary_flush(r, (unsigned)fit);
        if (r->open[fit] == NULL && (r->open[fit] = malloc(sizeof(ReportSummary))) == NULL) {
            return false;
        }
        report_summary_start(r->open[fit], path, job, out);
    }
    if (report_summary_add(r->open[fit], job, out) != 0) {
        return false;           /* left as it was: the run is written whole */
    }
    r->used[fit] = ++r->clock;
    if (r->open[fit]->count == REPORT_SUMMARY_RUNS) {
        summary_flush(r, (unsigned)fit);
    }
    return true;
}

void cli_results_add(CliResults *r, ReportKind kind, const char *path, const ReportJob *job,
                     const ReportOutcome *out)
{
    ReportVerdict v;

    if (r == NULL) {
        return;
    }
    v = report_verdict(kind, job, out);
    if (kind == REPORT_KIND_SWEEP && job->ninject != 0 && v == REPORT_VERDICT_PASS &&
        !out->died && !out->timed_out && summarized(r, path, job, out)) {
        return;
    }
    report_results_write_as(r->f, kind, path, job, out);
    fflush(r->f);
    r->records++;
    r->lines++;
    r->verdicts[v]++;
}

void cli_results_problems(CliResults *r, ReportKind kind, const CliCommon *c,
                          const CliFiles *files)
{
    ReportOutcome *out;
    ReportJob job = { 0 };

    if (r == NULL || files->nproblems == 0) {
        return;
    }
    out = calloc(1, sizeof(*out));
    if (out == NULL) {           /* the records missing: the trailer will not say complete */
        fprintf(stderr, "replbench %s: out of memory\n", r->cmd);
        return;
    }
    cli_command_seed(c, 0, &job);
    for (size_t i = 0; i < files->nproblems; i++) {
        const CliProblem *p = &files->problems[i];

        memset(out, 0, sizeof(*out));
        snprintf(out->error, sizeof(out->error), "%s: %s", p->path, p->why);
        cli_results_add(r, kind, p->path, &job, out);
    }
    free(out);
}

int cli_results_close(CliResults *r, int stop, uint64_t planned, bool more)
{
    ReportResultsTrailer t = { .planned = planned, .more = more };
    char err[REPORT_ERROR_MAX];
    int rc;

    if (r == NULL) {
        return 0;
    }
    for (unsigned i = 0; i < OPEN_SUMMARIES; i++) {
        summary_flush(r, i);
        free(r->open[i]);
    }
    t.end = stop == CLI_STOP_BUDGET ? REPORT_END_BUDGET
          : stop == CLI_STOP_FAIL_FAST ? REPORT_END_FAIL_FAST
          : stop == CLI_STOP_INTERRUPT ? REPORT_END_INTERRUPTED : REPORT_END_COMPLETE;
    if (t.end == REPORT_END_COMPLETE && (r->records != planned || more)) {
        t.end = REPORT_END_INTERRUPTED;
    }
    t.records = r->records;
    t.lines = r->lines;
    memcpy(t.verdicts, r->verdicts, sizeof(t.verdicts));
    report_results_trailer(r->f, &t);
    rc = report_out_close(r->out, err, sizeof(err));
    if (rc != 0) {
        fprintf(stderr, "replbench %s: cannot write the results to %s\n", r->cmd, err);
    }
    free(r);
    return rc;
}

/* ---- outputs apart from inputs -------------------------------------------------- */

/* One file's identity: its inode when it exists, else the real path of its
 * folder and its name.  A device or a FIFO (/dev/null) is a sink any
 * number of outputs may share: none. */
typedef struct Ident {
    bool special;
    bool exists;
    dev_t dev;
    ino_t ino;
    char where[PATH_MAX + 1];
} Ident;

static void identify(const char *path, Ident *id)
{
    struct stat st;
    char *dup = strdup(path), *dup2 = strdup(path);
    char dir[PATH_MAX];

    memset(id, 0, sizeof(*id));
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
        id->special = true;
    } else if (stat(path, &st) == 0) {
        id->exists = true;
        id->dev = st.st_dev;
        id->ino = st.st_ino;
    } else if (dup != NULL && dup2 != NULL && realpath(dirname(dup), dir) != NULL) {
        snprintf(id->where, sizeof(id->where), "%s/%s", dir, basename(dup2));
    } else {
        snprintf(id->where, sizeof(id->where), "%s", path);
    }
    free(dup);
    free(dup2);
}

static bool same(const Ident *a, const Ident *b)
{
    return a->special || b->special ? false
         : a->exists ? b->exists && a->dev == b->dev && a->ino == b->ino
                     : !b->exists && strcmp(a->where, b->where) == 0;
}

int cli_outputs_apart(const char *cmd, const char *const *outputs, const char *const *names,
                      size_t n, const CliFiles *files)
{
    Ident a, b;

    for (size_t i = 0; i < n; i++) {
        if (outputs[i] == NULL) {
            continue;
        }
        identify(outputs[i], &a);
        for (size_t j = i + 1; j < n; j++) {
            if (outputs[j] != NULL && (identify(outputs[j], &b), same(&a, &b))) {
                fprintf(stderr, "replbench %s: %s %s and %s %s are the same file: one writer "
                        "per file\n", cmd, names[i], outputs[i], names[j], outputs[j]);
                return -1;
            }
        }
        for (size_t k = 0; a.exists && files != NULL && k < files->n; k++) {
            if (identify(files->paths[k], &b), same(&a, &b)) {
                fprintf(stderr, "replbench %s: %s %s is also an input (%s): it would be "
                        "overwritten; refused\n", cmd, names[i], outputs[i], files->paths[k]);
                return -1;
            }
        }
    }
    return 0;
}
