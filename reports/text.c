/* text.c: what `replbench run` prints per scenario and at the end
 * (report.h), in three formats: summary lines, TAP 13 (with a YAML block per
 * failure) and one JUnit XML document.  Every byte of a path, message or
 * trace line is escaped for the format: the output stays well formed
 * whatever the scenario says.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "impl.h"
#include "report.h"

/* One JUnit <testsuite>: the cases of one folder, until the counts are
 * known. */
typedef struct JunitSuite {
    char *name;                 /* the folder, "." for none */
    FILE *f;
    char *buf;
    size_t len;
    size_t tests, failures, errors, skipped;
    double seconds;
} JunitSuite;

struct ReportText {
    ReportFormat format;
    ReportStyle style;
    ReportRecap *recap;         /* the summary's list of failures */
    size_t total;
    size_t passed, failed, skipped, errors;
    JunitSuite *suites;         /* JUnit: a suite per folder, in order of first case */
    size_t nsuites, cap;
    size_t last;                /* the suite of the last case */
    time_t started;             /* JUnit's timestamp */
    bool has_impl;              /* impl named, not the linked one */
    ReportImpl impl;
    ReportProbes *probes;       /* probes: the table of the runs (probes.c) */
};

/* ---- escaping ----------------------------------------------------------------- */

/* XML 1.0's characters: tab, newline, return, and from space on (less
 * the surrogates and U+FFFE, U+FFFF). */
static bool xml_char(uint32_t cp)
{
    return cp == 0x9 || cp == 0xa || cp == 0xd || (cp >= 0x20 && cp != 0xfffe && cp != 0xffff);
}

static const char *xml_entity(unsigned char c, bool attr)
{
    switch (c) {
    case '&': return "&amp;";
    case '<': return "&lt;";
    case '>': return "&gt;";
    case '"': return attr ? "&quot;" : NULL;
    case '\n': return attr ? "&#10;" : NULL;
    case '\t': return attr ? "&#9;" : NULL;
    case '\r': return "&#13;";
    default: return NULL;
    }
}

/* cli.h: s as XML text or attribute value. */
void report_xml_put(FILE *f, const char *s, bool attr)
{
    const unsigned char *c = (const unsigned char *)s;

    while (*c != '\0') {
        uint32_t cp = 0;
        size_t len = report_utf8_seq(c, &cp);
        const char *ent = len == 1 ? xml_entity(*c, attr) : NULL;

        if (len == 0 || !xml_char(cp)) {
            fprintf(f, "\\x%02x", *c);
            len = 1;
        } else if (ent != NULL) {
            fputs(ent, f);
        } else {
            fwrite(c, 1, len, f);
        }
        c += len;
    }
}

/* s as a YAML double-quoted scalar. */
static void yaml_put(FILE *f, const char *s)
{
    const unsigned char *c = (const unsigned char *)s;

    fputc('"', f);
    while (*c != '\0') {
        uint32_t cp = 0;
        size_t len = report_utf8_seq(c, &cp);

        if (len == 0 || cp < 0x20 || cp == 0x7f) {
            fprintf(f, "\\x%02x", *c);
            len = 1;
        } else if (*c == '"' || *c == '\\') {
            fprintf(f, "\\%c", *c);
        } else {
            fwrite(c, 1, len, f);
        }
        c += len;
    }
    fputc('"', f);
}

/* A TAP description: one line, and '#' would start a directive. */
static void tap_put(FILE *f, const char *s)
{
    for (const char *c = s; *c != '\0'; c++) {
        char one[2] = { *c, '\0' };

        if (*c == '#' || *c == '\\') {
            fputc('\\', f);
        }
        report_put_line_safe(f, one);
    }
}

/* ---- the details of a failure -------------------------------------------------- */

void report_failure_details(FILE *f, const char *indent, const char *path,
                         const ReportJob *job, const ReportOutcome *out)
{
    const ScnResult *res = &out->res;

    fprintf(f, "%sseed: %" PRIu64 "\n%sreproduce: ", indent, res->seed, indent);
    report_reproduce(f, res->seed, job, path);
    fputc('\n', f);
    if (!res->checkers_ok) {
        fprintf(f, "%schecker: ", indent);
        report_put_line_safe(f, res->checker);
        fputc('\n', f);
    }
    if (out->died) {
        report_crash_print(f, indent, &out->crash);
    }
    fprintf(f, "%slast trace lines:%s\n", indent, res->ntail == 0 ? " (none)" : "");
    for (unsigned i = 0; i < res->ntail && i < SIM_TRACE_KEEP; i++) {
        fprintf(f, "%s  ", indent);
        report_put_line_safe(f, res->tail[i]);
        fputc('\n', f);
    }
}

/* A malloc'd string of what fn writes, or NULL. */
static char *to_string(void (*fn)(FILE *, const void *), const void *arg)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);

    if (f == NULL) {
        return NULL;
    }
    fn(f, arg);
    if (fclose(f) != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

typedef struct Case {
    const char *path;
    const ReportJob *job;
    const ReportOutcome *out;
    ReportKind kind;
    ReportVerdict verdict;      /* report_verdict of the three */
    bool show_seed;
} Case;

/* A sweep's injected run is judged by its checkers: its failure is the
 * checker's (or why it did not load), at no line of the file. */
static bool injected(const Case *c)
{
    return c->kind == REPORT_KIND_SWEEP && c->job->ninject != 0;
}

static const char *why_of(const Case *c)
{
    if (!c->out->loaded) {
        return c->out->error;
    }
    if (c->out->res.status == SCN_ERROR) {
        return c->out->res.message;     /* the host's failure, not a checker's */
    }
    return injected(c) && !c->out->res.checkers_ok ? c->out->res.checker : c->out->res.message;
}

static unsigned line_of(const Case *c)
{
    return injected(c) || !c->out->loaded ? 0 : c->out->res.line;
}

/* The path, with its seed when many seeds run (" [seed N]"), and a sweep
 * run's injections. */
static void put_name(FILE *f, const Case *c, bool with_line)
{
    char inj[2 * REPORT_POINT_MAX + 96];

    fputs(c->path, f);
    if (with_line && line_of(c) != 0) {
        fprintf(f, ":%u", line_of(c));
    }
    if (c->show_seed && c->out->loaded) {
        fprintf(f, " [seed %" PRIu64 "]", c->out->res.seed);
    }
    if (c->kind == REPORT_KIND_SWEEP) {
        report_sweep_name(inj, sizeof(inj), c->job);
        fputs(inj, f);
    }
}

static void write_details(FILE *f, const void *arg)
{
    const Case *c = arg;

    report_failure_details(f, "", c->path, c->job, c->out);
}

static void write_reproduce(FILE *f, const void *arg)
{
    const Case *c = arg;

    report_reproduce(f, c->out->res.seed, c->job, c->path);
}

static void write_headline(FILE *f, const void *arg)
{
    const Case *c = arg;

    put_name(f, c, true);
    fprintf(f, ": %s", why_of(c));
}

/* ---- the three formats ---------------------------------------------------------- */

static void write_recap_line(FILE *f, const void *arg)
{
    Case c = *(const Case *)arg;

    c.show_seed = true;
    put_name(f, &c, true);
    fprintf(f, ": %s", why_of(&c));
}

static void summary_pass(const ReportText *t, const Case *c)
{
    const ScnResult *r = &c->out->res;

    report_word(stdout, t->style.color, REPORT_PAINT_PASS, "PASS");
    putchar(' ');
    put_name(stdout, c, false);
    printf(" (ops %u, ticks %" PRIu64 ", hash 0x%016" PRIx64 ")\n", r->ops_run, r->ticks,
           r->hash);
    if (t->style.verbosity > 0) {
        printf("  seed: %" PRIu64 ", faults fired: %" PRIu64 ", trace lines: %" PRIu64
               ", %.6f s\n  reproduce: ", r->seed, r->faults_fired, r->trace_lines,
               c->out->seconds);
        report_reproduce(stdout, r->seed, c->job, c->path);
        putchar('\n');
    }
}

static void summary_case(ReportText *t, const Case *c)
{
    const ScnResult *r = &c->out->res;
    bool quiet = t->style.verbosity < 0;
    char *line;

    if (c->verdict == REPORT_VERDICT_ERROR) {
        report_word(stdout, t->style.color, REPORT_PAINT_FAIL, "ERROR");
        putchar(' ');
        if (c->out->loaded) {
            /* The host failed the run (SCN_ERROR): no verdict, and nothing
             * that a reproduce command would show on another machine. */
            put_name(stdout, c, true);
            printf(": ");
            report_put_line_safe(stdout, why_of(c));
            printf("\n  not a verdict: the host refused memory; run it again with more: ");
            report_reproduce(stdout, r->seed, c->job, c->path);
        } else {
            report_put_line_safe(stdout, c->path);  /* a path problem's may hold any byte */
        }
        putchar('\n');
    } else if (c->verdict == REPORT_VERDICT_PASS) {
        if (!quiet) {
            summary_pass(t, c);
        }
    } else if (c->verdict != REPORT_VERDICT_FAIL) {
        if (!quiet) {
            report_word(stdout, t->style.color, REPORT_PAINT_SKIP,
                        c->verdict == REPORT_VERDICT_NA ? "N/A" : "SKIP");
            putchar(' ');
            put_name(stdout, c, false);
            printf(": ");
            report_put_line_safe(stdout, r->message);
            putchar('\n');
        }
    } else {
        line = to_string(write_recap_line, c);
        /* A crash (its worker died) is that scenario's ERROR; a failure all
         * the same for the exit status. */
        report_word(stdout, t->style.color, REPORT_PAINT_FAIL, c->out->died ? "ERROR" : "FAIL");
        putchar(' ');
        put_name(stdout, c, true);
        printf(": ");
        report_put_line_safe(stdout, why_of(c));
        putchar('\n');
        report_failure_details(stdout, "  ", c->path, c->job, c->out);
        report_recap_add(t->recap, line != NULL ? line : c->path, r->seed, c->job, c->path);
        free(line);
    }
}

static void write_frame(FILE *f, const void *arg)
{
    report_frame_put(f, arg);
}

/* A dead worker's finding: crash (the kind), stack (each stack's title and
 * frames, a line each) and the file of the whole report. */
static void tap_crash(const ReportCrash *crash)
{
    printf("  crash: ");
    yaml_put(stdout, crash->kind);
    printf("\n  stack:%s\n", crash->nstacks == 0 ? " []" : "");
    for (unsigned i = 0; i < crash->nstacks && i < REPORT_CRASH_STACKS; i++) {
        const ReportStack *st = &crash->stack[i];

        printf("    - ");
        yaml_put(stdout, report_stack_title(crash, st));
        putchar('\n');
        for (unsigned k = 0; k < st->nframes && k < REPORT_CRASH_FRAMES; k++) {
            char *frame = to_string(write_frame, &st->frame[k]);

            printf("    - ");
            yaml_put(stdout, frame != NULL ? frame : "");
            putchar('\n');
            free(frame);
        }
    }
    if (crash->report[0] != '\0') {
        printf("  crash_report: ");
        yaml_put(stdout, crash->report);
        putchar('\n');
    }
}

static void tap_yaml(const Case *c)
{
    const ScnResult *r = &c->out->res;
    char *repro = to_string(write_reproduce, c);

    printf("  ---\n  message: ");
    yaml_put(stdout, why_of(c));
    printf("\n  severity: %s\n", c->verdict == REPORT_VERDICT_ERROR ? "error" : "fail");
    if (c->out->loaded) {
        printf("  line: %u\n  seed: %" PRIu64 "\n  reproduce: ", line_of(c), r->seed);
        yaml_put(stdout, repro != NULL ? repro : "");
        if (!r->checkers_ok) {
            printf("\n  checker: ");
            yaml_put(stdout, r->checker);
        }
        putchar('\n');
        if (c->out->died) {
            tap_crash(&c->out->crash);
        }
        printf("  trace:%s\n", r->ntail == 0 ? " []" : "");
        for (unsigned i = 0; i < r->ntail && i < SIM_TRACE_KEEP; i++) {
            printf("    - ");
            yaml_put(stdout, r->tail[i]);
            putchar('\n');
        }
    }
    printf("  ...\n");
    free(repro);
}

static void write_name(FILE *f, const void *arg)
{
    put_name(f, arg, false);
}

static void tap_case(size_t k, const Case *c)
{
    const ScnResult *r = &c->out->res;
    bool ok = c->verdict != REPORT_VERDICT_FAIL && c->verdict != REPORT_VERDICT_ERROR;
    char *name = to_string(write_name, c);

    printf("%sok %zu - ", ok ? "" : "not ", k);
    tap_put(stdout, name != NULL ? name : c->path);
    free(name);
    if (c->verdict == REPORT_VERDICT_SKIP || c->verdict == REPORT_VERDICT_NA) {
        printf(" # SKIP ");
        report_put_line_safe(stdout, r->message);
    }
    putchar('\n');
    if (!ok) {
        tap_yaml(c);
    }
}

/* The seed and reproduce command of a case, as its output: the strict
 * (Ant) schema has no <properties> in a <testcase>. */
static void junit_system_out(FILE *f, const Case *c)
{
    char *repro = to_string(write_reproduce, c);

    fprintf(f, "      <system-out>seed: %" PRIu64 "\nreproduce: ", c->out->res.seed);
    report_xml_put(f, repro != NULL ? repro : "", false);
    fputs("\n</system-out>\n", f);
    free(repro);
}

static void junit_outcome(FILE *f, const Case *c)
{
    const ScnResult *r = &c->out->res;
    char *text = NULL;

    if (c->verdict == REPORT_VERDICT_ERROR) {
        fputs("      <error message=\"", f);
        report_xml_put(f, why_of(c), true);
        fputs("\" type=\"error\"/>\n", f);
    } else if (c->verdict == REPORT_VERDICT_SKIP || c->verdict == REPORT_VERDICT_NA) {
        fputs("      <skipped message=\"", f);
        report_xml_put(f, r->message, true);
        fputs("\"/>\n", f);
    } else if (c->verdict == REPORT_VERDICT_FAIL) {
        text = to_string(write_headline, c);
        fputs("      <failure message=\"", f);
        report_xml_put(f, text != NULL ? text : r->message, true);
        free(text);
        text = to_string(write_details, c);
        fputs("\" type=\"failure\">", f);
        report_xml_put(f, text != NULL ? text : "", false);
        fputs("</failure>\n", f);
        free(text);
    }
}

/* The folder of path ("." when none): the suite of its case. */
static char *folder_of(const char *path)
{
    const char *end = strrchr(path, '/');

    while (end != NULL && end > path && end[-1] == '/') {
        end--;
    }
    if (end == NULL) {
        return strdup(".");
    }
    return strndup(path, end == path ? 1 : (size_t)(end - path));
}

/* The suite of path, made when new; NULL when out of memory. */
static JunitSuite *junit_suite(ReportText *r, const char *path)
{
    char *name = folder_of(path);
    JunitSuite *su;

    if (name == NULL) {
        return NULL;
    }
    for (size_t i = 0; i < r->nsuites; i++) {
        size_t k = (r->last + i) % r->nsuites;

        if (strcmp(r->suites[k].name, name) == 0) {
            free(name);
            r->last = k;
            return &r->suites[k];
        }
    }
    if (r->nsuites == r->cap) {
        size_t cap = r->cap ? 2 * r->cap : 16;
        JunitSuite *grown = realloc(r->suites, cap * sizeof(*grown));

        if (grown == NULL) {
            free(name);
            return NULL;
        }
        r->suites = grown;
        r->cap = cap;
    }
    su = &r->suites[r->nsuites];
    *su = (JunitSuite){ .name = name };
    if ((su->f = open_memstream(&su->buf, &su->len)) == NULL) {
        free(name);
        return NULL;
    }
    r->last = r->nsuites++;
    return su;
}

/* The line a case points at: the failing operation's, a parse error's
 * ("path:LINE:col: ..."), else 1. */
static unsigned case_line(const Case *c)
{
    size_t len = strlen(c->path);
    const char *e = c->out->error;

    if (c->out->loaded) {
        return line_of(c) != 0 ? line_of(c) : 1;
    }
    if (strncmp(e, c->path, len) == 0 && e[len] == ':' && e[len + 1] >= '1' && e[len + 1] <= '9') {
        unsigned long v = strtoul(e + len + 1, NULL, 10);

        return v > 0 && v <= UINT32_MAX ? (unsigned)v : 1;
    }
    return 1;
}

/* A <testcase> with the file and line CI annotations point at. */
static void junit_case(ReportText *r, const Case *c)
{
    JunitSuite *su = junit_suite(r, c->path);
    char *name = to_string(write_name, c);
    FILE *f;

    if (su == NULL || name == NULL) {
        fprintf(stderr, "replbench: out of memory: %s left out of the JUnit report\n", c->path);
        free(name);
        return;
    }
    f = su->f;
    su->tests++;
    su->errors += c->verdict == REPORT_VERDICT_ERROR;
    su->failures += c->verdict == REPORT_VERDICT_FAIL;
    su->skipped += c->verdict == REPORT_VERDICT_SKIP || c->verdict == REPORT_VERDICT_NA;
    su->seconds += c->out->seconds;
    fputs("    <testcase name=\"", f);
    report_xml_put(f, name, true);
    free(name);
    fputs("\" classname=\"", f);
    report_xml_put(f, su->name, true);
    fputs("\" file=\"", f);
    report_xml_put(f, c->path, true);
    fprintf(f, "\" line=\"%u\" time=\"%.6f\">\n", case_line(c), c->out->seconds);
    junit_outcome(f, c);
    if (c->out->loaded) {
        junit_system_out(f, c);
    }
    fputs("    </testcase>\n", f);
}

int report_format_parse(const char *name, ReportFormat *format)
{
    static const char *const names[] = { "summary", "tap", "junit", "probes" };

    for (int i = 0; i < 4; i++) {
        if (strcmp(name, names[i]) == 0) {
            *format = (ReportFormat)i;
            return 0;
        }
    }
    return -1;
}

ReportText *report_text_new(ReportFormat format, size_t total)
{
    ReportText *r = calloc(1, sizeof(*r));

    if (r == NULL) {
        return NULL;
    }
    r->format = format;
    r->total = total;
    if (format == REPORT_FORMAT_SUMMARY && (r->recap = report_recap_new()) == NULL) {
        free(r);
        return NULL;
    }
    if (format == REPORT_FORMAT_PROBES && (r->probes = report_probes_new()) == NULL) {
        free(r);
        return NULL;
    }
    r->started = time(NULL);
    if (format == REPORT_FORMAT_TAP) {
        printf("TAP version 13\n1..%zu\n", total);
    }
    return r;
}

void report_text_style(ReportText *r, const ReportStyle *style)
{
    r->style = *style;
}

void report_text_add_as(ReportText *r, size_t k, ReportKind kind, const char *path,
                        const ReportJob *job, const ReportOutcome *out)
{
    Case c = { .path = path, .job = job, .out = out, .kind = kind,
               .verdict = report_verdict(kind, job, out), .show_seed = r->style.show_seed };

    if (c.verdict == REPORT_VERDICT_ERROR) {
        r->errors++;
        if (out->loaded) {
            fprintf(stderr, "%s: ", path);      /* the host failed it: one line */
            report_put_line_safe(stderr, why_of(&c));
        } else {
            report_put_lines_safe(stderr, out->error);     /* a file's errors: lines */
        }
        fputc('\n', stderr);
    }
    r->passed += c.verdict == REPORT_VERDICT_PASS;
    r->failed += c.verdict == REPORT_VERDICT_FAIL;
    r->skipped += c.verdict == REPORT_VERDICT_SKIP || c.verdict == REPORT_VERDICT_NA;
    switch (r->format) {
    case REPORT_FORMAT_SUMMARY:
        summary_case(r, &c);
        break;
    case REPORT_FORMAT_TAP:
        tap_case(k, &c);
        break;
    case REPORT_FORMAT_JUNIT:
        junit_case(r, &c);
        break;
    case REPORT_FORMAT_PROBES:
        if (out->loaded && c.verdict != REPORT_VERDICT_ERROR && !out->died && !out->timed_out) {
            report_probes_add(r->probes, path, &out->res);  /* its counts are whole */
        }
        break;
    }
}

void report_summary_name(char *buf, size_t len, const ReportSummary *s)
{
    snprintf(buf, len, " [%s#*: %u passing run%s (%u with expectations not met), this point "
             "injected first]", s->names[0], s->count, s->count == 1 ? "" : "s",
             s->expect_failed);
}

/* "path [seed N] [POINT#*: N passing runs...]" */
static void put_summary_name(FILE *f, const ReportText *r, const ReportSummary *s)
{
    char label[REPORT_POINT_MAX + 128];

    fputs(s->path, f);
    if (r->style.show_seed) {
        fprintf(f, " [seed %" PRIu64 "]", s->seed);
    }
    report_summary_name(label, sizeof(label), s);
    fputs(label, f);
}

static void write_summary_name(FILE *f, const void *arg)
{
    const void *const *v = arg;

    put_summary_name(f, v[0], v[1]);
}

void report_text_add_summary(ReportText *r, size_t k, const ReportSummary *s)
{
    const void *both[2] = { r, s };
    JunitSuite *su;
    char *name;

    r->passed += s->count;
    switch (r->format) {
    case REPORT_FORMAT_SUMMARY:
        if (r->style.verbosity >= 0) {
            report_word(stdout, r->style.color, REPORT_PAINT_PASS, "PASS");
            putchar(' ');
            put_summary_name(stdout, r, s);
            putchar('\n');
        }
        break;
    case REPORT_FORMAT_TAP:
        name = to_string(write_summary_name, both);
        printf("ok %zu - ", k);
        tap_put(stdout, name != NULL ? name : s->path);
        putchar('\n');
        free(name);
        break;
    case REPORT_FORMAT_JUNIT:
        su = junit_suite(r, s->path);
        name = to_string(write_summary_name, both);
        if (su == NULL || name == NULL) {
            fprintf(stderr, "replbench: out of memory: %s left out of the JUnit report\n",
                    s->path);
            free(name);
            break;
        }
        su->tests++;
        su->seconds += s->seconds;
        fputs("    <testcase name=\"", su->f);
        report_xml_put(su->f, name, true);
        fputs("\" classname=\"", su->f);
        report_xml_put(su->f, su->name, true);
        fputs("\" file=\"", su->f);
        report_xml_put(su->f, s->path, true);
        fprintf(su->f, "\" line=\"1\" time=\"%.6f\"/>\n", s->seconds);
        free(name);
        break;
    case REPORT_FORMAT_PROBES:
        report_probes_add_sums(r->probes, s->path, s->count, s->probes, s->probe_runs);
        break;
    }
}

void report_text_add(ReportText *r, size_t k, const char *path, const ReportJob *job,
                    const ReportOutcome *out)
{
    report_text_add_as(r, k, REPORT_KIND_RUN, path, job, out);
}

void report_text_impl(ReportText *r, const ReportImpl *impl)
{
    r->has_impl = impl != NULL;
    if (impl != NULL) {
        r->impl = *impl;
    }
}

/* The suite-level properties: the implementation under test (r's). */
static void junit_properties(FILE *f, const ReportText *r)
{
    const ReplicationImpl *linked = replication_impl();
    const ReportImpl *impl = r->has_impl ? &r->impl : NULL;
    char desc[REPORT_PATH_MAX + 512];

    report_record_impl_describe(desc, sizeof(desc), impl);
    fputs("    <properties>\n      <property name=\"implementation\" value=\"", f);
    report_xml_put(f, desc, true);
    fputs("\"/>\n      <property name=\"implementation.path\" value=\"", f);
    report_xml_put(f, impl != NULL ? impl->path : linked->path, true);
    fputs("\"/>\n      <property name=\"implementation.api\" value=\"", f);
    report_xml_put(f, impl != NULL ? impl->api : linked->api, true);
    fputs("\"/>\n      <property name=\"implementation.sha256\" value=\"", f);
    report_xml_put(f, impl != NULL ? impl->sha256 : linked->sha256, true);
    fputs("\"/>\n    </properties>\n", f);
}

/* The whole document: <testsuites> and a <testsuite> per folder, each
 * with timestamp, hostname and its properties before its cases. */
static void junit_document(ReportText *r, double seconds)
{
    char stamp[32] = "1970-01-01T00:00:00", host[256] = "localhost";
    size_t tests = 0, failures = 0, errors = 0, skipped = 0;
    struct tm tm;

    if (gmtime_r(&r->started, &tm) != NULL) {
        strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
    }
    if (gethostname(host, sizeof(host)) != 0 || host[0] == '\0') {
        snprintf(host, sizeof(host), "localhost");
    }
    host[sizeof(host) - 1] = '\0';
    /* The cases' counts (a summary is one case for many passing runs). */
    for (size_t i = 0; i < r->nsuites; i++) {
        tests += r->suites[i].tests;
        failures += r->suites[i].failures;
        errors += r->suites[i].errors;
        skipped += r->suites[i].skipped;
    }
    printf("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
           "<testsuites name=\"replbench\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" "
           "skipped=\"%zu\" time=\"%.6f\" timestamp=\"%s\">\n",
           tests, failures, errors, skipped, seconds, stamp);
    for (size_t i = 0; i < r->nsuites; i++) {
        JunitSuite *su = &r->suites[i];

        fputs("  <testsuite name=\"", stdout);
        report_xml_put(stdout, su->name, true);
        printf("\" id=\"%zu\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\" "
               "time=\"%.6f\" timestamp=\"%s\" hostname=\"", i, su->tests, su->failures,
               su->errors, su->skipped, su->seconds, stamp);
        report_xml_put(stdout, host, true);
        fputs("\">\n", stdout);
        junit_properties(stdout, r);
        if (fclose(su->f) == 0 && su->buf != NULL) {
            fwrite(su->buf, 1, su->len, stdout);
        }
        fputs("  </testsuite>\n", stdout);
        free(su->buf);
        free(su->name);
    }
    free(r->suites);
    fputs("</testsuites>\n", stdout);
}

int report_text_end(ReportText *r, size_t path_errors, double seconds)
{
    size_t ran = r->passed + r->failed + r->skipped;
    size_t errors = r->errors + path_errors;
    FILE *f = r->format == REPORT_FORMAT_JUNIT ? stderr : stdout;
    int status = errors ? REPORT_EXIT_USAGE : r->failed ? REPORT_EXIT_FAIL : REPORT_EXIT_OK;

    char impl[REPORT_PATH_MAX + 512];

    report_record_impl_describe(impl, sizeof(impl), r->has_impl ? &r->impl : NULL);
    if (r->format == REPORT_FORMAT_JUNIT) {
        junit_document(r, seconds);
    }
    if (r->format == REPORT_FORMAT_PROBES && report_probes_print(r->probes, f) != 0 &&
        status == REPORT_EXIT_OK) {
        status = REPORT_EXIT_FAIL;      /* a probe not reached */
    }
    report_probes_free(r->probes);
    report_recap_end(r->recap, f, r->style.color);
    fprintf(f, "%simplementation: %s\n", r->format == REPORT_FORMAT_TAP ? "# " : "", impl);
    fprintf(f, "%s%zu passed, %zu failed, %zu skipped", r->format == REPORT_FORMAT_TAP ? "# " : "",
            r->passed, r->failed, r->skipped);
    if (errors != 0) {
        fputs(", ", f);
        report_count(f, errors, "error", "errors");
    }
    fprintf(f, " in %.3f s ", seconds);
    report_rate(f, ran, seconds, "scenarios");
    fputc('\n', f);
    free(r);
    return status;
}
