/* merge.c: `replbench merge` (cli.h): the results of several runs (the
 * JSONL of `run --results` and `sweep --results`, e.g. one file per CI
 * shard) put back together and reported as one run: the summary, TAP,
 * JUnit or the HTML page of their union, in the order one whole run prints
 * (path, then kind, seed and injections).  Each record is judged by its
 * kind's rule (report_verdict: a sweep run passes when its checkers held),
 * never by its text.  The same (path, kind, seed, injection) in two
 * records is an error: shards do not overlap.  The reports name the
 * implementation the records say they ran (their "impl"); records of two
 * implementations are an error, and records that do not say (older
 * files) are named as this binary's, with a note.  Exit 0 when every run
 * passed or was skipped, 1 when one failed, 2 on a usage error, an
 * unreadable or malformed file, or a record of a scenario that could not
 * be loaded.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define MERGE_MAX_RECORDS 10000000

enum { O_FORMAT, O_REPORT, O_REPORT_ALL };

static const CliOptSpec specs[] = {
    { "--format", true, O_FORMAT },
    { "--report", true, O_REPORT },
    { "--report-all", false, O_REPORT_ALL },
    { NULL, false, 0 },
};

static int option(void *ctx, int id, const char *v);

static const CliCommand command = {
    .name = "merge",
    .synopsis = "[OPTIONS] FILE.jsonl...",
    .takes = 0,
    .specs = specs,
    .option = option,
};

static void usage(FILE *f)
{
    fputs("usage: replbench merge [OPTIONS] FILE.jsonl...\n"
          "\n"
          "Read the results that `replbench run --results FILE.jsonl` and `replbench\n"
          "sweep --results FILE.jsonl` wrote (one file per shard, say; both kinds may\n"
          "be mixed) and report their union as one run would: in path and seed order,\n"
          "with the recap and the summary line.  Each record is judged by its kind: a\n"
          "run by its scenario's verdict, a sweep run by sweep's rule (its checkers\n"
          "hold; see `replbench sweep --help`), named \"path [clean]\" or \"path\n"
          "[POINT#HIT]\" (\" persistent\", \" + \" between a pair).  The same (path,\n"
          "kind, seed, injection) twice is an error, and so is a bad or truncated\n"
          "line (FILE:LINE:COL: why).  The reports name the implementation the\n"
          "records ran; records of two implementations (sha256) are an error.\n"
          "\n"
          "options:\n"
          "  --format F            summary (default), tap (TAP 13) or junit (XML)\n"
          "  --report DIR          also write DIR/index.html, the run report (its\n"
          "                        timelines re-run the scenario files, which must be\n"
          "                        where the records say)\n"
          "  --report-all          with --report: a timeline for every run\n", f);
    cli_usage_common(f, 0);
}

/* One record: its line as read, and where it came from. */
typedef struct Entry {
    char *text;
    size_t len;
    const char *file;
    unsigned long line;
    char *path;
    ReportKind kind;
    uint64_t seed;
    unsigned ninject;
    ReportInject inject[SCN_MAX_INJECTS];
} Entry;

typedef struct Merge {
    CliCommon c;
    ReportFormat format;
    const char *report;
    bool report_all;
    int argc;
    char **argv;
    Entry *e;
    size_t n, cap;
    ReportRecord *rec;          /* scratch */
    bool impl_known;            /* some record named its implementation: */
    ReportImpl impl;            /* the first one's, */
    const char *impl_file;      /* at impl_file:impl_line */
    unsigned long impl_line;
    size_t unsaid;              /* records without it; the first at: */
    const char *unsaid_file;
    unsigned long unsaid_line;
} Merge;

static int option(void *ctx, int id, const char *v)
{
    Merge *m = ctx;

    if (id == O_REPORT_ALL) {
        m->report_all = true;
        return 0;
    }
    if (id == O_REPORT) {
        m->report = v;
        return v[0] != '\0' ? 0 : cli_bad_value("merge", "--report", v, "expected a folder");
    }
    return report_format_parse(v, &m->format) == 0 ? 0
         : cli_bad_value("merge", "--format", v, "expected summary, tap or junit");
}

static int by_key(const void *a, const void *b)
{
    const Entry *x = a, *y = b;
    int d = strcmp(x->path, y->path);

    d = d != 0 ? d : (int)x->kind - (int)y->kind;
    if (d == 0) {
        d = (x->seed > y->seed) - (x->seed < y->seed);
    }
    for (unsigned i = 0; d == 0 && i < x->ninject && i < y->ninject; i++) {
        const ReportInject *a = &x->inject[i], *b = &y->inject[i];

        d = strcmp(a->point, b->point);
        d = d != 0 ? d : (a->hit > b->hit) - (a->hit < b->hit);
        d = d != 0 ? d : (int)a->persistent - (int)b->persistent;
    }
    return d != 0 ? d : (int)x->ninject - (int)y->ninject;
}

/* The record's implementation, the same as every other record's: 0, or -1
 * (printed) for a second one. */
static int same_impl(Merge *m, const char *file, unsigned long line)
{
    const ReportImpl *a = &m->impl, *b = &m->rec->impl;

    if (!m->rec->has_impl) {
        if (m->unsaid++ == 0) {
            m->unsaid_file = file;
            m->unsaid_line = line;
        }
        return 0;
    }
    if (!m->impl_known) {
        m->impl_known = true;
        m->impl = *b;
        m->impl_file = file;
        m->impl_line = line;
        return 0;
    }
    if (strcmp(a->sha256, b->sha256) == 0) {
        return 0;
    }
    fprintf(stderr, "replbench merge: %s:%lu: implementation %s (sha256 %s), but %s:%lu's is "
            "%s (sha256 %s): merge the results of one implementation\n", file, line, b->path,
            b->sha256, m->impl_file, m->impl_line, a->path, a->sha256);
    return -1;
}

/* A line of a results file: checked now, kept for the second reading. */
static int collect(void *ctx, const char *file, unsigned long line, const char *text, size_t len)
{
    Merge *m = ctx;
    char err[REPORT_ERROR_MAX];
    Entry *e;

    if (report_results_parse(text, len, file, line, m->rec, err, sizeof(err)) != 0) {
        fprintf(stderr, "replbench merge: %s\n", err);
        return -1;
    }
    if (same_impl(m, file, line) != 0) {
        return -1;
    }
    if (m->n == m->cap) {
        size_t cap = m->cap ? 2 * m->cap : 256;
        Entry *grown = m->n < MERGE_MAX_RECORDS ? realloc(m->e, cap * sizeof(*grown)) : NULL;

        if (grown == NULL) {
            fprintf(stderr, "replbench merge: %s:%lu: more than %d records or out of memory\n",
                    file, line, MERGE_MAX_RECORDS);
            return -1;
        }
        m->e = grown;
        m->cap = cap;
    }
    e = &m->e[m->n];
    *e = (Entry){ .len = len, .file = file, .line = line, .seed = m->rec->job.seed,
                  .kind = m->rec->kind, .ninject = m->rec->job.ninject };
    memcpy(e->inject, m->rec->job.inject, sizeof(e->inject));
    e->text = strndup(text, len);
    e->path = strdup(m->rec->path);
    if (e->text == NULL || e->path == NULL) {
        free(e->text);
        free(e->path);
        fputs("replbench merge: out of memory\n", stderr);
        return -1;
    }
    m->n++;
    return 0;
}

/* Sorted, without a run twice; whether some path has many seeds. */
static int order(Merge *m, bool *many_seeds)
{
    *many_seeds = false;
    if (m->n != 0) {
        qsort(m->e, m->n, sizeof(*m->e), by_key);
    }
    for (size_t i = 1; i < m->n; i++) {
        const Entry *a = &m->e[i - 1], *b = &m->e[i];

        if (by_key(a, b) == 0) {
            fprintf(stderr, "replbench merge: %s:%lu: the same run as %s:%lu (%s, seed %"
                    PRIu64 "): shards must not overlap\n", b->file, b->line, a->file,
                    a->line, b->path, b->seed);
            return -1;
        }
        *many_seeds |= strcmp(a->path, b->path) == 0 && a->seed != b->seed;
    }
    return 0;
}

/* The second reading: each record in order to the reports. */
static int report(Merge *m, bool many_seeds)
{
    ReportStyle style = { .color = false, .show_seed = many_seeds };
    ReportText *t = report_text_new(m->format, m->n);
    ReportHtml *h = m->report != NULL ? report_html_new(m->report, m->report_all, NULL,
                                                        m->argc, m->argv) : NULL;
    char err[REPORT_ERROR_MAX];
    double seconds = 0;
    int rc, status;

    if (t == NULL || (m->report != NULL && h == NULL)) {
        fputs("replbench merge: out of memory\n", stderr);
        report_html_free(h);
        if (t != NULL) {
            report_text_end(t, 1, 0);
        }
        return REPORT_EXIT_USAGE;
    }
    report_text_style(t, &style);
    report_text_impl(t, m->impl_known ? &m->impl : NULL);
    if (h != NULL) {
        report_html_impl(h, m->impl_known ? &m->impl : NULL);
    }
    for (size_t i = 0; i < m->n; i++) {
        const Entry *e = &m->e[i];

        SIM_CHECK(report_results_parse(e->text, e->len, e->file, e->line, m->rec, err,
                                       sizeof(err)) == 0);
        m->rec->job.file = (uint32_t)i;
        seconds += m->rec->out.seconds;
        report_text_add_as(t, i + 1, m->rec->kind, m->rec->path, &m->rec->job, &m->rec->out);
        if (h != NULL) {
            report_html_add_as(h, m->rec->kind, m->rec->path, &m->rec->job, &m->rec->out);
        }
        fflush(stdout);
    }
    rc = h != NULL && report_html_end(h, seconds) != 0 ? -1 : 0;
    status = report_text_end(t, 0, seconds);
    return rc != 0 ? REPORT_EXIT_USAGE : status;
}

static int merge(Merge *m)
{
    bool many_seeds;

    if ((m->rec = malloc(sizeof(*m->rec))) == NULL) {
        fputs("replbench merge: out of memory\n", stderr);
        return REPORT_EXIT_USAGE;
    }
    for (size_t i = 0; i < m->c.paths.n; i++) {
        if (report_results_read(m->c.paths.v[i], collect, m) != 0) {
            return REPORT_EXIT_USAGE;
        }
    }
    if (order(m, &many_seeds) != 0) {
        return REPORT_EXIT_USAGE;
    }
    if (m->unsaid != 0) {
        fprintf(stderr, "replbench merge: note: %zu record%s (the first at %s:%lu) %s not say "
                "which implementation produced %s; named as %s\n", m->unsaid,
                m->unsaid == 1 ? "" : "s", m->unsaid_file, m->unsaid_line,
                m->unsaid == 1 ? "does" : "do", m->unsaid == 1 ? "it" : "them",
                m->impl_known ? "the other records' implementation" : "this binary's");
    }
    return report(m, many_seeds);
}

int cli_merge(int argc, char **argv)
{
    Merge m = { .format = REPORT_FORMAT_SUMMARY, .argc = argc, .argv = argv };
    int rc;

    if (cli_command_parse(&command, argc, argv, &m, &m.c) != 0) {
        rc = REPORT_EXIT_USAGE;
    } else if (m.c.help) {
        usage(stdout);
        rc = REPORT_EXIT_OK;
    } else if (m.report_all && m.report == NULL) {
        fputs("replbench merge: --report-all needs --report DIR\n", stderr);
        rc = REPORT_EXIT_USAGE;
    } else {
        rc = merge(&m);
    }
    for (size_t i = 0; i < m.n; i++) {
        free(m.e[i].text);
        free(m.e[i].path);
    }
    free(m.e);
    free(m.rec);
    cli_common_free(&m.c);
    return rc;
}
