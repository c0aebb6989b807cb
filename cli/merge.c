/* merge.c: `replbench merge` (cli.h): the results of several runs (the
 * JSONL of `run --results` and `sweep --results`, e.g. one file per CI
 * shard) put back together and reported as one run: the summary, TAP,
 * JUnit or the HTML page of their union, in the order one whole run prints
 * (path, then kind, seed and injections).  Each record is judged by its
 * kind's rule (report_verdict: a sweep run passes when its checkers held),
 * never by its text.  Each file must prove it is whole (docs/RESULTS.md):
 * a header first, a trailer last whose counts agree with the records
 * between, an end that is not "interrupted"; a file that cannot is refused
 * unless --allow-partial, which reports it and fails when a run could be
 * missing.  The same (path, kind, seed, injections) in two records is an
 * error, also under two spellings of the path (normalized, relative to
 * the folder the writer ran in, and absolute): shards do not overlap.  The
 * reports name the implementation the records say they ran (their
 * "impl"); records of two implementations are an error, and records that
 * do not say (older files) are named as this binary's, with a note.  Exit
 * 0 when every run passed or was skipped, 1 when one failed (or could be
 * missing, with --allow-partial), 2 on a usage error, an unreadable,
 * malformed, empty, torn or partial file, or a record of a scenario that
 * could not be loaded.
 */
#include <glob.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define MERGE_MAX_RECORDS 10000000

enum { O_FORMAT, O_REPORT, O_REPORT_ALL, O_ALLOW_PARTIAL };

static const CliOptSpec specs[] = {
    { "--format", true, O_FORMAT },
    { "--report", true, O_REPORT },
    { "--report-all", false, O_REPORT_ALL },
    { "--allow-partial", false, O_ALLOW_PARTIAL },
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
          "kind, seed, injection) twice is an error, also under two spellings of the\n"
          "path, and so is a bad or truncated line (FILE:LINE:COL: why).  The reports\n"
          "name the implementation the records ran; records of two implementations\n"
          "(sha256) are an error.\n"
          "\n"
          "Each file must prove it is whole: its header first (what was planned), its\n"
          "trailer last (how it ended, how many records of each verdict), counts that\n"
          "agree.  An empty file, one whose counts disagree or with lines after its\n"
          "trailer is an error (exit 2); so is one without its header or trailer, or\n"
          "interrupted, unless --allow-partial.  Files of --shard K/N runs must hold\n"
          "every shard 1..N of their command (each file's header says which): a\n"
          "shard left out is an error too.  See docs/RESULTS.md.\n"
          "\n"
          "options:\n"
          "  --format F            summary (default), tap (TAP 13), junit (XML) or\n"
          "                        probes (the probe table of the runs, as `replbench\n"
          "                        probes` prints it; exit 1 when a probe is not reached)\n"
          "  --report DIR          also write DIR/index.html, the run report (its\n"
          "                        timelines re-run the scenario files, which must be\n"
          "                        where the records say)\n"
          "  --report-all          with --report: a timeline for every run\n"
          "  --allow-partial       report files that cannot prove they are whole (no\n"
          "                        header or trailer, interrupted) too; exit 1 at\n"
          "                        least when a planned run is not in them (a failure\n"
          "                        could be missing)\n", f);
    cli_usage_common(f, 0);
}

/* One injection of an entry, its point's name held elsewhere. */
typedef struct EntryInject {
    const char *point;
    uint64_t hit;
    bool persistent;
} EntryInject;

/* One run: a record (its line as read), a summary or one run of a
 * summary, and where it came from.  A summary's entry holds its line,
 * sorts as the one injection "POINT#0" (no run has a hit 0: its runs' first
 * point, so that the summaries of one scenario, seed and point are next to
 * one another, however the writer split them) and owns the strings and
 * injections its runs (shadows: never reported on their own) share. */
typedef struct Entry {
    char *text;                 /* NULL for a shadow */
    size_t len;
    const char *file;
    size_t src;                 /* the file's place on the command line */
    unsigned long line;
    char *path;
    char *rel;                  /* the path normalized, relative to the writer's folder */
    char *abs;                  /* normalized absolute, or NULL (folder not known) */
    EntryInject *inject;        /* sorted: the order is not the run's */
    ReportKind kind;
    unsigned ninject;
    bool owns;                  /* path, rel, abs and inject are this entry's to free */
    bool summary;               /* text is a summary line */
    bool shadow;                /* one of a summary's runs after its first */
    uint64_t seed;
} Entry;

/* What one file held: its header and trailer, the records between. */
typedef struct Source {
    const char *file;
    unsigned long lines;        /* lines read (not empty) */
    bool has_header, has_trailer;
    char *cwd;                  /* the header's, or NULL */
    char command[16];           /* the header's: run, sweep... */
    unsigned shard_k, shard_n;  /* the header's --shard; 0: not sharded */
    unsigned version;           /* the header's */
    uint64_t planned;
    bool more;
    ReportResultsTrailer t;
    uint64_t records;           /* runs (a summary holds many) */
    uint64_t record_lines;      /* record and summary lines */
    uint64_t verdicts[REPORT_VERDICT__COUNT];
} Source;

typedef struct Merge {
    CliCommon c;
    ReportFormat format;
    const char *report;
    bool report_all;
    bool allow_partial;
    bool could_miss;            /* --allow-partial: a planned run may be missing */
    int argc;
    char **argv;
    Entry *e;
    size_t n, cap;
    Source *src;                /* per file */
    Source *cur;                /* the file being read */
    ReportRecord *rec;          /* scratch */
    ReportSummary *summ;        /* scratch */
    ReportSummary *group;       /* the summaries of one scenario, seed and point, folded */
    ReportResultsHeader *hdr;   /* scratch */
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

    if (id == O_REPORT_ALL || id == O_ALLOW_PARTIAL) {
        m->report_all |= id == O_REPORT_ALL;
        m->allow_partial |= id == O_ALLOW_PARTIAL;
        return 0;
    }
    if (id == O_REPORT) {
        m->report = v;
        return v[0] != '\0' ? 0 : cli_bad_value("merge", "--report", v, "expected a folder");
    }
    return report_format_parse(v, &m->format) == 0 ? 0
         : cli_bad_value("merge", "--format", v, "expected summary, tap, junit or probes");
}

/* ---- keys: the order of the reports, and which runs are one ------------------------ */

static int cmp_u64(uint64_t a, uint64_t b)
{
    return (a > b) - (a < b);
}

static int cmp_inject(const EntryInject *a, const EntryInject *b)
{
    int d = strcmp(a->point, b->point);

    d = d != 0 ? d : cmp_u64(a->hit, b->hit);
    return d != 0 ? d : (int)a->persistent - (int)b->persistent;
}

static int by_inject(const void *a, const void *b)
{
    return cmp_inject(a, b);
}

/* Kind, seed and injections: the run, once its path is known equal. */
static int same_run(const Entry *x, const Entry *y)
{
    int d = (int)x->kind - (int)y->kind;

    d = d != 0 ? d : cmp_u64(x->seed, y->seed);
    for (unsigned i = 0; d == 0 && i < x->ninject && i < y->ninject; i++) {
        d = cmp_inject(&x->inject[i], &y->inject[i]);
    }
    return d != 0 ? d : (int)x->ninject - (int)y->ninject;
}

static int by_key(const void *a, const void *b)
{
    const Entry *x = a, *y = b;
    int d = strcmp(x->path, y->path);

    return d != 0 ? d : same_run(x, y);
}

static int by_rel(const void *a, const void *b)
{
    const Entry *x = *(Entry *const *)a, *y = *(Entry *const *)b;
    int d = strcmp(x->rel, y->rel);

    return d != 0 ? d : same_run(x, y);
}

static int by_abs(const void *a, const void *b)
{
    const Entry *x = *(Entry *const *)a, *y = *(Entry *const *)b;
    int d = x->abs == NULL || y->abs == NULL ? (x->abs != NULL) - (y->abs != NULL)
          : strcmp(x->abs, y->abs);

    return d != 0 ? d : same_run(x, y);
}

/* The start of out's last "/segment" (out holds n bytes of them). */
static size_t last_segment(const char *out, size_t n)
{
    while (n > 0 && out[--n] != '/') {
    }
    return n;
}

/* base (when path is relative and base not NULL), then path, with "." and
 * empty segments dropped and ".." folded: lexically, a spelling, not the
 * file system's view.  malloc'd, or NULL when out of memory. */
static char *normalized(const char *base, const char *path)
{
    const char *parts[2] = { base != NULL && path[0] != '/' ? base : "", path };
    bool absolute = (parts[0][0] != '\0' ? parts[0][0] : path[0]) == '/';
    char *out = malloc(strlen(parts[0]) + strlen(path) + 3);
    size_t n = 0;

    for (int p = 0; out != NULL && p < 2; p++) {
        for (const char *s = parts[p]; *s != '\0';) {
            size_t len;

            s += strspn(s, "/");
            len = strcspn(s, "/");
            if (len == 2 && s[0] == '.' && s[1] == '.' && n > 0 &&
                strcmp(out + last_segment(out, n), "/..") != 0) {
                n = last_segment(out, n);
            } else if (len == 2 && s[0] == '.' && s[1] == '.' && n == 0 && absolute) {
                /* "/.." is "/" */
            } else if (len != 0 && !(len == 1 && s[0] == '.')) {
                out[n++] = '/';
                memcpy(out + n, s, len);
                n += len;
            }
            out[n] = '\0';
            s += len;
        }
    }
    if (out != NULL) {
        out[n] = '\0';
        if (n == 0) {
            strcpy(out, absolute ? "/" : ".");
        } else if (!absolute) {
            memmove(out, out + 1, n);
        }
    }
    return out;
}

/* The entry's two spellings: relative to the writer's folder (the same in
 * every checkout) and absolute (the same whichever folder it ran in). */
static int spell(Entry *e, const char *cwd)
{
    size_t clen = cwd != NULL ? strlen(cwd) : 0;
    const char *rel = e->path;

    if (clen > 1 && strncmp(e->path, cwd, clen) == 0 && e->path[clen] == '/') {
        rel = e->path + clen + 1;
    }
    e->rel = normalized(NULL, rel);
    e->abs = cwd != NULL || e->path[0] == '/' ? normalized(cwd, e->path) : NULL;
    return e->rel != NULL && (e->abs != NULL || (cwd == NULL && e->path[0] != '/')) ? 0 : -1;
}

/* The record's implementation, the same as every other record's: 0, or -1
 * (printed) for a second one. */
static int same_impl(Merge *m, bool has_impl, const ReportImpl *b, const char *file,
                     unsigned long line)
{
    const ReportImpl *a = &m->impl;

    if (!has_impl) {
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

/* Room for one more entry: 0, or -1 (printed). */
static int grow(Merge *m, const char *file, unsigned long line)
{
    size_t cap = m->cap ? 2 * m->cap : 256;
    Entry *grown;

    if (m->n < m->cap) {
        return 0;
    }
    grown = m->n < MERGE_MAX_RECORDS ? realloc(m->e, cap * sizeof(*grown)) : NULL;
    if (grown == NULL) {
        fprintf(stderr, "replbench merge: %s:%lu: more than %d records or out of memory\n",
                file, line, MERGE_MAX_RECORDS);
        return -1;
    }
    m->e = grown;
    m->cap = cap;
    return 0;
}

/* Room for an entry's n injections and a copy of names points' names: one
 * block, the entry's to free. */
static EntryInject *inject_block(size_t n, size_t names)
{
    return malloc(n * sizeof(EntryInject) + names * REPORT_POINT_MAX + 1);
}

/* One entry of the file being read (its path and spellings made from
 * path, or shared with m->e[head] when head is not SIZE_MAX); NULL
 * (printed) when out of memory. */
static Entry *entry_new(Merge *m, const char *file, unsigned long line, const char *path,
                        size_t head)
{
    Entry *e;

    if (grow(m, file, line) != 0) {
        return NULL;
    }
    e = &m->e[m->n];
    *e = (Entry){ .file = file, .src = (size_t)(m->cur - m->src), .line = line };
    if (head != SIZE_MAX) {
        e->path = m->e[head].path;
        e->rel = m->e[head].rel;
        e->abs = m->e[head].abs;
        m->n++;
        return e;
    }
    e->owns = true;
    e->path = strdup(path);
    if (e->path == NULL || spell(e, m->cur->cwd) != 0) {
        free(e->path);
        free(e->rel);
        free(e->abs);
        fputs("replbench merge: out of memory\n", stderr);
        return NULL;
    }
    m->n++;
    return e;
}

/* A record (m->rec, parsed): kept for the second reading, with its keys. */
static int keep(Merge *m, const char *file, unsigned long line, const char *text, size_t len)
{
    const ReportJob *job = &m->rec->job;
    Entry *e = entry_new(m, file, line, m->rec->path, SIZE_MAX);
    char *names;

    if (e == NULL) {
        return -1;
    }
    e->kind = m->rec->kind;
    e->seed = job->seed;
    e->len = len;
    e->text = strndup(text, len);
    e->inject = inject_block(job->ninject, job->ninject);
    if (e->text == NULL || e->inject == NULL) {
        fputs("replbench merge: out of memory\n", stderr);
        return -1;
    }
    e->ninject = job->ninject;
    names = (char *)(e->inject + job->ninject);
    for (unsigned i = 0; i < job->ninject; i++) {
        memcpy(names + (size_t)i * REPORT_POINT_MAX, job->inject[i].point, REPORT_POINT_MAX);
        e->inject[i] = (EntryInject){ .point = names + (size_t)i * REPORT_POINT_MAX,
                                      .hit = job->inject[i].hit,
                                      .persistent = job->inject[i].persistent };
    }
    qsort(e->inject, e->ninject, sizeof(e->inject[0]), by_inject);
    return 0;
}

/* A summary (m->summ, parsed): an entry for its line and a shadow entry
 * for each of its runs: every run is in the overlap check. */
static int keep_summary(Merge *m, const char *file, unsigned long line, const char *text,
                        size_t len)
{
    const ReportSummary *s = m->summ;
    size_t ninject = 1, head = m->n;
    EntryInject *block;
    char *names;
    Entry *e = entry_new(m, file, line, s->path, SIZE_MAX);

    if (e == NULL) {
        return -1;
    }
    for (unsigned i = 0; i < s->count; i++) {
        ninject += s->runs[i].ninject;
    }
    e->summary = true;
    e->kind = REPORT_KIND_SWEEP;
    e->seed = s->seed;
    e->len = len;
    e->text = strndup(text, len);
    e->inject = block = inject_block(ninject, s->nnames);
    if (e->text == NULL || block == NULL) {
        fputs("replbench merge: out of memory\n", stderr);
        return -1;
    }
    names = (char *)(block + ninject);
    memcpy(names, s->names, (size_t)s->nnames * REPORT_POINT_MAX);
    e->ninject = 1;
    *block++ = (EntryInject){ .point = names, .hit = 0 };
    for (unsigned i = 0; i < s->count; i++) {
        const ReportSummaryRun *run = &s->runs[i];

        if ((e = entry_new(m, file, line, NULL, head)) == NULL) {
            return -1;
        }
        e->kind = REPORT_KIND_SWEEP;
        e->seed = s->seed;
        e->shadow = true;
        e->ninject = run->ninject;
        e->inject = block;
        for (unsigned k = 0; k < run->ninject; k++) {
            block[k] = (EntryInject){
                .point = names + (size_t)run->inject[k].point * REPORT_POINT_MAX,
                .hit = run->inject[k].hit, .persistent = run->inject[k].persistent };
        }
        qsort(block, run->ninject, sizeof(block[0]), by_inject);
        block += run->ninject;
    }
    return 0;
}

/* A record, parsed into m->rec: counted and kept. */
static int record(Merge *m, const char *file, unsigned long line, const char *text, size_t len)
{
    if (same_impl(m, m->rec->has_impl, &m->rec->impl, file, line) != 0) {
        return -1;
    }
    m->cur->records++;
    m->cur->record_lines++;
    m->cur->verdicts[m->rec->verdict]++;
    return keep(m, file, line, text, len);
}

/* A summary, parsed into m->summ: its runs counted (each a pass) and kept. */
static int summary(Merge *m, const char *file, unsigned long line, const char *text, size_t len)
{
    if (m->cur->has_header && m->cur->version < 2) {
        fprintf(stderr, "replbench merge: %s:%lu: a summary in a file of version %u (only "
                "version 2 has them)\n", file, line, m->cur->version);
        return -1;
    }
    if (same_impl(m, m->summ->has_impl, &m->summ->impl, file, line) != 0) {
        return -1;
    }
    m->cur->records += m->summ->count;
    m->cur->record_lines++;
    m->cur->verdicts[REPORT_VERDICT_PASS] += m->summ->count;
    return keep_summary(m, file, line, text, len);
}

/* The header, parsed into m->hdr: what the file planned, where it ran. */
static int header(Merge *m)
{
    Source *src = m->cur;

    src->has_header = true;
    memcpy(src->command, m->hdr->command, sizeof(src->command));
    src->command[sizeof(src->command) - 1] = '\0';
    src->shard_k = m->hdr->shard_k;
    src->shard_n = m->hdr->shard_n;
    src->version = m->hdr->version;
    src->planned = m->hdr->planned;
    src->more = m->hdr->more;
    if (m->hdr->cwd[0] != '\0' && (src->cwd = strdup(m->hdr->cwd)) == NULL) {
        fputs("replbench merge: out of memory\n", stderr);
        return -1;
    }
    return 0;
}

/* Why a line of kind cannot stand where it is (the file's line s->lines),
 * or NULL: a header first, nothing after the trailer. */
static const char *misplaced(const Source *s, ReportLineKind kind)
{
    return kind == REPORT_LINE_HEADER && s->lines != 1 ? "a header after line 1"
         : kind == REPORT_LINE_TRAILER && s->has_trailer ? "a second trailer"
         : (kind == REPORT_LINE_RECORD || kind == REPORT_LINE_SUMMARY) && s->has_trailer
         ? "a record after the trailer" : NULL;
}

/* A line of a results file: checked now; a record kept for the second
 * reading. */
static int collect(void *ctx, const char *file, unsigned long line, const char *text, size_t len)
{
    Merge *m = ctx;
    ReportLineKind kind = report_results_line_kind(text, len);
    char err[REPORT_ERROR_MAX];
    const char *where;
    int rc;

    m->cur->lines++;
    if ((where = misplaced(m->cur, kind)) != NULL) {
        fprintf(stderr, "replbench merge: %s:%lu: %s: two files in one, or a second writer\n",
                file, line, where);
        return -1;
    }
    rc = kind == REPORT_LINE_HEADER
       ? report_results_parse_header(text, len, file, line, m->hdr, err, sizeof(err))
       : kind == REPORT_LINE_TRAILER
       ? report_results_parse_trailer(text, len, file, line, &m->cur->t, err, sizeof(err))
       : kind == REPORT_LINE_SUMMARY
       ? report_summary_parse(text, len, file, line, m->summ, err, sizeof(err))
       : report_results_parse(text, len, file, line, m->rec, err, sizeof(err));
    if (rc != 0) {
        fprintf(stderr, "replbench merge: %s\n", err);
        return -1;
    }
    if (kind == REPORT_LINE_TRAILER) {
        m->cur->has_trailer = true;
        return 0;
    }
    return kind == REPORT_LINE_HEADER ? header(m)
         : kind == REPORT_LINE_SUMMARY ? summary(m, file, line, text, len)
         : record(m, file, line, text, len);
}

/* ---- whole files ------------------------------------------------------------------- */

/* "3 pass, 1 fail, 0 skip, 0 na, 0 error" */
static void put_counts(FILE *f, const uint64_t *v)
{
    static const char *const names[] = { "pass", "fail", "skip", "na", "error" };

    for (int i = 0; i < REPORT_VERDICT__COUNT; i++) {
        fprintf(f, "%s%" PRIu64 " %s", i ? ", " : "", v[i], names[i]);
    }
}

/* What the trailer says against what the file holds: a disagreement is
 * a torn or edited file, never partial.  0, or -1 (printed). */
static int counts_agree(const Source *s)
{
    const ReportResultsTrailer *t = &s->t;
    const char *why = NULL;

    if (t->records != s->records || memcmp(t->verdicts, s->verdicts, sizeof(s->verdicts)) != 0 ||
        (t->has_lines && t->lines != s->record_lines)) {
        why = "the records in it";
    } else if (!t->has_lines && s->has_header && s->version >= 2) {
        why = "its header's version (2: a trailer says how many lines)";
    } else if (s->has_header && (t->planned < s->planned ||
                                 (!s->more && t->planned != s->planned))) {
        why = "the runs its header planned";
    } else if (t->records > t->planned ||
               (t->end == REPORT_END_COMPLETE && (t->records != t->planned || t->more))) {
        why = "the runs it planned";
    }
    if (why == NULL) {
        return 0;
    }
    fprintf(stderr, "replbench merge: %s: its trailer (%s: %" PRIu64 " of %" PRIu64 "%s planned "
            "runs: ", s->file, report_end_name(t->end), t->records, t->planned,
            t->more ? "+" : "");
    put_counts(stderr, t->verdicts);
    if (t->has_lines) {
        fprintf(stderr, "; %" PRIu64 " line%s", t->lines, t->lines == 1 ? "" : "s");
    }
    fprintf(stderr, ") disagrees with %s (%" PRIu64 " run%s in %" PRIu64 " line%s: ", why,
            s->records, s->records == 1 ? "" : "s", s->record_lines,
            s->record_lines == 1 ? "" : "s");
    put_counts(stderr, s->verdicts);
    fprintf(stderr, "; header: %" PRIu64 "%s planned): torn, edited or written by two "
            "processes\n", s->planned, s->more ? "+" : "");
    return -1;
}

/* Why a file cannot prove it is whole, or NULL when it can. */
static const char *partial(const Source *s)
{
    return !s->has_header ? "no header (written by a replbench before results files had "
                            "one, or not by run/sweep --results): it cannot prove it is whole"
         : !s->has_trailer ? "no trailer: the command writing it did not finish (killed, "
                             "or still running)"
         : s->t.end == REPORT_END_INTERRUPTED ? "interrupted before the end" : NULL;
}

/* Whether runs may be missing from a partial file, said on stderr. */
static bool missing_runs(const Source *s)
{
    bool known = s->has_header && !(s->has_trailer ? s->t.more : s->more);
    uint64_t planned = s->has_trailer ? s->t.planned : s->planned;

    if (known && planned <= s->records) {
        return false;
    }
    if (known) {
        fprintf(stderr, "replbench merge: %s: %" PRIu64 " of %" PRIu64 " planned runs missing: "
                "a failure could be among them\n", s->file, planned - s->records, planned);
    } else {
        fprintf(stderr, "replbench merge: %s: how many runs are missing is not known: a "
                "failure could be among them\n", s->file);
    }
    return true;
}

/* A command killed while it wrote file leaves its records under file's
 * temporary name (reports/outfile.c): say where. */
static void left_behind(const char *file)
{
    char pattern[REPORT_PATH_MAX + 16];
    glob_t g;

    if (strlen(file) > REPORT_PATH_MAX) {
        return;
    }
    snprintf(pattern, sizeof(pattern), "%s.part-*", file);
    if (glob(pattern, 0, NULL, &g) == 0) {
        for (size_t i = 0; i < g.gl_pathc; i++) {
            fprintf(stderr, "replbench merge: %s holds what it wrote before it stopped "
                    "(merge --allow-partial reads it)\n", g.gl_pathv[i]);
        }
    }
    globfree(&g);
}

/* A file read to its end: whole (0), or partial and allowed (0, noted), or
 * refused (-1, printed). */
static int judge(Merge *m, const Source *s)
{
    const char *why;

    if (s->lines == 0) {
        fprintf(stderr, "replbench merge: %s: empty: no header, no record, no trailer (the "
                "command writing it was killed, or never started)\n", s->file);
        left_behind(s->file);
        return -1;
    }
    if (s->has_trailer && counts_agree(s) != 0) {
        return -1;
    }
    why = partial(s);
    if (why != NULL && !m->allow_partial) {
        fprintf(stderr, "replbench merge: %s: %s; refused (--allow-partial reports it, and "
                "fails when a run could be missing)\n", s->file, why);
        return -1;
    }
    if (why != NULL) {
        fprintf(stderr, "replbench merge: %s: partial: %s\n", s->file, why);
        m->could_miss |= missing_runs(s);
    } else if (s->t.end == REPORT_END_BUDGET || s->t.end == REPORT_END_FAIL_FAST) {
        fprintf(stderr, "replbench merge: note: %s: stopped early (%s): %" PRIu64 " of %" PRIu64
                "%s planned runs\n", s->file, s->t.end == REPORT_END_BUDGET ? "--budget" : "-x",
                s->records, s->t.planned, s->t.more ? "+" : "");
    }
    return 0;
}

/* ---- order and overlap -------------------------------------------------------------- */

/* a before b on the command line, then in its file. */
static bool earlier(const Entry *a, const Entry *b)
{
    return a->src != b->src ? a->src < b->src : a->line < b->line;
}

/* b is the same run as a (read first). */
static int overlap(const Entry *a, const Entry *b)
{
    fprintf(stderr, "replbench merge: %s:%lu: the same run as %s:%lu (", b->file, b->line,
            a->file, a->line);
    report_put_line_safe(stderr, b->path);
    if (strcmp(a->path, b->path) != 0) {
        fputs(" and ", stderr);
        report_put_line_safe(stderr, a->path);
    }
    fprintf(stderr, ", seed %" PRIu64 "): shards must not overlap\n", b->seed);
    return -1;
}

/* No run twice under any spelling of its path: -1 (printed) for the first
 * one found. */
static int no_overlap(Merge *m, int (*cmp)(const void *, const void *))
{
    Entry **v = malloc((m->n ? m->n : 1) * sizeof(*v));
    int rc = 0;

    if (v == NULL) {
        fputs("replbench merge: out of memory\n", stderr);
        return -1;
    }
    for (size_t i = 0; i < m->n; i++) {
        v[i] = &m->e[i];
    }
    qsort(v, m->n, sizeof(*v), cmp);
    for (size_t i = 1; rc == 0 && i < m->n; i++) {
        if (cmp(&v[i - 1], &v[i]) == 0 && (cmp != by_abs || v[i]->abs != NULL) &&
            !(v[i - 1]->summary && v[i]->summary)) {
            bool first = earlier(v[i - 1], v[i]);

            rc = overlap(first ? v[i - 1] : v[i], first ? v[i] : v[i - 1]);
        }
    }
    free(v);
    return rc;
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

        if (by_key(a, b) == 0 && !(a->summary && b->summary)) {
            return earlier(a, b) ? overlap(a, b) : overlap(b, a);
        }
        *many_seeds |= strcmp(a->path, b->path) == 0 && a->seed != b->seed;
    }
    return no_overlap(m, by_rel) != 0 || no_overlap(m, by_abs) != 0 ? -1 : 0;
}

/* Two summaries of one scenario, seed and first point (sorted next to
 * each other: by_key). */
static bool one_group(const Entry *a, const Entry *b)
{
    return a->summary && b->summary && by_key(a, b) == 0;
}

/* Summary e (parsed again) into m->group: its copy when first, else its
 * runs' count, time, points and probes added (its runs themselves are not
 * reported). */
static void fold(Merge *m, const Entry *e, bool first)
{
    ReportSummary *g = m->group, *s = first ? m->group : m->summ;
    char err[REPORT_ERROR_MAX];

    SIM_CHECK(report_summary_parse(e->text, e->len, e->file, e->line, s, err,
                                   sizeof(err)) == 0);
    if (first) {
        return;
    }
    g->count += s->count;
    g->expect_failed += s->expect_failed;
    g->seconds += s->seconds;
    for (int i = 0; i < SIM_PROBE__COUNT; i++) {
        g->probes[i] += s->probes[i];
        g->probe_runs[i] += s->probe_runs[i];
    }
    for (unsigned i = 0; i < s->npoints; i++) {
        unsigned k = 0;

        while (k < g->npoints && strcmp(g->points[k].sum.name, s->points[i].sum.name) != 0) {
            k++;
        }
        if (k == g->npoints && g->npoints < SCN_MAX_POINTS) {
            g->points[g->npoints++] = (ReportSummaryPoint){ .sum = s->points[i].sum,
                                                            .runs = 0 };
            g->points[k].sum.hits = g->points[k].sum.fires = 0;
            g->points[k].sum.handled = g->points[k].sum.observed = 0;
        }
        if (k < g->npoints) {
            g->points[k].runs += s->points[i].runs;
            g->points[k].sum.hits += s->points[i].sum.hits;
            g->points[k].sum.fires += s->points[i].sum.fires;
            g->points[k].sum.handled += s->points[i].sum.handled;
            g->points[k].sum.observed += s->points[i].sum.observed;
        }
    }
}

/* The second reading: each record and summary in order to the reports
 * (a summary once, for all its runs). */
static int report(Merge *m, bool many_seeds)
{
    ReportStyle style = { .color = false, .show_seed = many_seeds };
    size_t shown = 0, k = 0;
    ReportText *t;
    ReportHtml *h;
    char err[REPORT_ERROR_MAX];
    double seconds = 0;
    int rc, status;

    for (size_t i = 0; i < m->n; i++) {
        shown += !m->e[i].shadow && !(m->e[i].summary && i > 0 && one_group(&m->e[i - 1],
                                                                            &m->e[i]));
    }
    t = report_text_new(m->format, shown);
    h = m->report != NULL ? report_html_new(m->report, m->report_all, NULL, m->argc, m->argv)
                          : NULL;
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

        if (e->shadow) {
            continue;
        }
        k++;
        if (e->summary) {
            fold(m, e, true);
            /* the other summaries of its scenario, seed and point: one report */
            while (i + 1 < m->n && (m->e[i + 1].shadow || one_group(e, &m->e[i + 1]))) {
                if (!m->e[++i].shadow) {
                    fold(m, &m->e[i], false);
                }
            }
            seconds += m->group->seconds;
            report_text_add_summary(t, k, m->group);
            if (h != NULL) {
                report_html_add_summary(h, m->group);
            }
            fflush(stdout);
            continue;
        }
        SIM_CHECK(report_results_parse(e->text, e->len, e->file, e->line, m->rec, err,
                                       sizeof(err)) == 0);
        m->rec->job.file = (uint32_t)i;
        seconds += m->rec->out.seconds;
        report_text_add_as(t, k, m->rec->kind, m->rec->path, &m->rec->job, &m->rec->out);
        if (h != NULL) {
            report_html_add_as(h, m->rec->kind, m->rec->path, &m->rec->job, &m->rec->out);
        }
        fflush(stdout);
    }
    rc = h != NULL && report_html_end(h, seconds) != 0 ? -1 : 0;
    status = report_text_end(t, 0, seconds);
    return rc != 0 ? REPORT_EXIT_USAGE : status;
}

/* --report's page is none of the files read. */
static int outputs_apart(const Merge *m)
{
    char page[REPORT_PATH_MAX + 16];
    const char *out[] = { page };
    const char *names[] = { "--report" };
    CliFiles inputs = { .paths = m->c.paths.v, .n = m->c.paths.n };

    if (m->report == NULL || strlen(m->report) > REPORT_PATH_MAX) {
        return 0;
    }
    snprintf(page, sizeof(page), "%s/index.html", m->report);
    return cli_outputs_apart("merge", out, names, 1, &inputs);
}

static int read_all(Merge *m)
{
    m->rec = malloc(sizeof(*m->rec));
    m->summ = malloc(sizeof(*m->summ));
    m->group = malloc(sizeof(*m->group));
    m->hdr = malloc(sizeof(*m->hdr));
    m->src = calloc(m->c.paths.n + 1, sizeof(*m->src));
    if (m->rec == NULL || m->summ == NULL || m->group == NULL || m->hdr == NULL || m->src == NULL) {
        fputs("replbench merge: out of memory\n", stderr);
        return -1;
    }
    for (size_t i = 0; i < m->c.paths.n; i++) {
        m->cur = &m->src[i];
        m->cur->file = m->c.paths.v[i];
        if (report_results_read(m->cur->file, collect, m) != 0 || judge(m, m->cur) != 0) {
            return -1;
        }
    }
    return 0;
}

/* Sources by the shards they hold: command, N, then K. */
static int by_shard(const void *a, const void *b)
{
    const Source *x = *(const Source *const *)a;
    const Source *y = *(const Source *const *)b;
    int c = strcmp(x->command, y->command);

    if (c != 0) {
        return c;
    }
    if (x->shard_n != y->shard_n) {
        return x->shard_n < y->shard_n ? -1 : 1;
    }
    return x->shard_k < y->shard_k ? -1 : x->shard_k > y->shard_k;
}

/* Every shard of a sharded command given: a file of shard 1/3 and one of
 * 3/3 with no 2/3 leave out 2/3's runs, and any failure among them, with
 * every file whole.  A missing shard is refused (-1), or with
 * --allow-partial noted and the merge made a failure. */
static int shards_whole(Merge *m)
{
    Source **v = calloc(m->c.paths.n + 1, sizeof(*v));
    size_t n = 0;
    int rc = 0;

    if (v == NULL) {
        fputs("replbench merge: out of memory\n", stderr);
        return -1;
    }
    for (size_t i = 0; i < m->c.paths.n; i++) {
        if (m->src[i].has_header && m->src[i].shard_n != 0) {
            v[n++] = &m->src[i];
        }
    }
    qsort(v, n, sizeof(*v), by_shard);
    for (size_t i = 0; i < n && rc == 0;) {
        size_t j = i;
        unsigned want = 1;

        /* One group: the same command and N; its Ks in order. */
        while (j < n && strcmp(v[j]->command, v[i]->command) == 0 &&
               v[j]->shard_n == v[i]->shard_n) {
            want += v[j]->shard_k == want;
            j++;
        }
        if (want <= v[i]->shard_n) {
            fprintf(stderr, "replbench merge: %s --shard %u/%u was not given (shards of %u "
                    "given, as %s): its runs, and any failure among them, are missing",
                    v[i]->command, want, v[i]->shard_n, v[i]->shard_n, v[i]->file);
            if (!m->allow_partial) {
                fputs("; refused (--allow-partial reports the others, and fails)\n", stderr);
                rc = -1;
            } else {
                fputc('\n', stderr);
                m->could_miss = true;
            }
        }
        i = j;
    }
    free(v);
    return rc;
}

static int merge(Merge *m)
{
    bool many_seeds;
    int status;

    if (outputs_apart(m) != 0 || read_all(m) != 0 || order(m, &many_seeds) != 0 ||
        shards_whole(m) != 0) {
        return REPORT_EXIT_USAGE;
    }
    if (m->unsaid != 0) {
        fprintf(stderr, "replbench merge: note: %zu record%s (the first at %s:%lu) %s not say "
                "which implementation produced %s; named as %s\n", m->unsaid,
                m->unsaid == 1 ? "" : "s", m->unsaid_file, m->unsaid_line,
                m->unsaid == 1 ? "does" : "do", m->unsaid == 1 ? "it" : "them",
                m->impl_known ? "the other records' implementation" : "this binary's");
    }
    status = report(m, many_seeds);
    if (m->could_miss && status == REPORT_EXIT_OK) {
        fputs("replbench merge: partial results (--allow-partial): a run could be missing, "
              "so this is not a pass: exit 1\n", stderr);
        status = REPORT_EXIT_FAIL;
    }
    return status;
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
        if (m.e[i].owns) {
            free(m.e[i].path);
            free(m.e[i].rel);
            free(m.e[i].abs);
            free(m.e[i].inject);
        }
    }
    for (size_t i = 0; m.src != NULL && i < m.c.paths.n; i++) {
        free(m.src[i].cwd);
    }
    free(m.e);
    free(m.src);
    free(m.rec);
    free(m.summ);
    free(m.group);
    free(m.hdr);
    cli_common_free(&m.c);
    return rc;
}
