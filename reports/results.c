/* results.c: results that merge (report.h): a header line, one JSON
 * object per scenario run, a line each (JSONL), and a trailer line,
 * written by `run --results` and `sweep --results` and read back by
 * `replbench merge`.  The reader takes only what the writer writes (an
 * object of known keys; unknown keys are skipped for later versions),
 * reads through a buffer of fixed size, and says where a line is wrong as
 * FILE:LINE:COL: why.  What a whole file must hold (header first, trailer
 * last, counts that agree) is merge's to judge (cli/merge.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "impl.h"
#include "liveness.h"
#include "probe.h"
#include "report.h"

#define NUM_MAX 32                  /* bytes of a number */
#define KEY_MAX 32                  /* bytes of a key */
#define SKIP_DEPTH 16               /* nesting of a skipped unknown value */

/* ---- writing ------------------------------------------------------------------ */

/* s as a JSON string: UTF-8 as is; quotes, backslashes and control bytes
 * escaped; a byte that is not UTF-8 as \u00NN. */
static void json_str(FILE *f, const char *s)
{
    const unsigned char *c = (const unsigned char *)s;

    fputc('"', f);
    while (*c != '\0') {
        uint32_t cp;
        size_t len = report_utf8_seq(c, &cp);

        if (len == 0) {
            fprintf(f, "\\u%04x", *c);
            len = 1;
        } else if (*c == '"' || *c == '\\') {
            fprintf(f, "\\%c", *c);
        } else if (*c == '\n') {
            fputs("\\n", f);
        } else if (*c < 0x20 || *c == 0x7f) {
            fprintf(f, "\\u%04x", *c);
        } else {
            fwrite(c, 1, len, f);
        }
        c += len;
    }
    fputc('"', f);
}

static const char *const verdict_names[] = { "pass", "fail", "skip", "na", "error", NULL };
static const char *const status_names[] = { "pass", "fail", "skip", "error" };
static const char *const kind_names[] = { "run", "sweep" };

ReportVerdict report_verdict(ReportKind kind, const ReportJob *job, const ReportOutcome *out)
{
    const ScnResult *r = &out->res;

    if (out->loaded && r->status == SCN_ERROR) {
        return REPORT_VERDICT_ERROR;    /* the host's doing: no verdict */
    }
    if (kind == REPORT_KIND_SWEEP && job->ninject != 0) {
        return !out->loaded || !r->checkers_ok ? REPORT_VERDICT_FAIL
             : r->missing_ext != 0 ? REPORT_VERDICT_NA
             : r->status == SCN_SKIP ? REPORT_VERDICT_SKIP : REPORT_VERDICT_PASS;
    }
    if (!out->loaded) {
        return REPORT_VERDICT_ERROR;
    }
    switch (r->status) {
    case SCN_PASS: return REPORT_VERDICT_PASS;
    case SCN_FAIL: return REPORT_VERDICT_FAIL;
    default: return r->missing_ext ? REPORT_VERDICT_NA : REPORT_VERDICT_SKIP;
    }
}

void report_sweep_name(char *buf, size_t len, const ReportJob *job)
{
    size_t n;

    snprintf(buf, len, " [%s", job->ninject == 0 ? "clean" : "");
    for (unsigned i = 0; i < job->ninject && i < SCN_MAX_INJECTS; i++) {
        n = strlen(buf);
        snprintf(buf + n, len - n, "%s%s#%" PRIu64 "%s", i ? " + " : "", job->inject[i].point,
                 job->inject[i].hit, job->inject[i].persistent ? " persistent" : "");
    }
    n = strlen(buf);
    snprintf(buf + n, len - n, "]");
}

static void write_points(FILE *f, const ScnResult *r)
{
    fputs(",\"points\":[", f);
    for (unsigned i = 0; i < r->npoints && i < SCN_MAX_POINTS; i++) {
        const ScnPointCount *p = &r->points[i];

        fputs(i ? ",{\"name\":" : "{\"name\":", f);
        json_str(f, p->name);
        fputs(",\"template\":", f);
        json_str(f, p->template_);
        fprintf(f, ",\"hits\":%" PRIu64 ",\"fires\":%" PRIu64 ",\"handled\":%" PRIu64
                ",\"observed\":%" PRIu64 "}", p->hits, p->fires, p->handled, p->observed);
    }
    fputs("],\"tail\":[", f);
    for (unsigned i = 0; i < r->ntail && i < SIM_TRACE_KEEP; i++) {
        fputs(i ? "," : "", f);
        json_str(f, r->tail[i]);
    }
    fputc(']', f);
}

/* ,"probes":{NAME: COUNT...}: the probes the run reached (probe.h), in
 * catalog order; a probe not reached is left out. */
static void write_probes(FILE *f, const ScnResult *r)
{
    bool first = true;

    fputs(",\"probes\":{", f);
    for (int i = 0; i < SIM_PROBE__COUNT; i++) {
        if (r->probes[i] != 0) {
            fputs(first ? "" : ",", f);
            json_str(f, sim_probe_info[i].name);
            fprintf(f, ":%" PRIu64, r->probes[i]);
            first = false;
        }
    }
    fputc('}', f);
}

/* ,"inject":[{point, hit, persistent}...]: the injections of job. */
static void write_inject(FILE *f, const ReportJob *job)
{
    fputs(",\"inject\":[", f);
    for (unsigned i = 0; i < job->ninject && i < SCN_MAX_INJECTS; i++) {
        fputs(i ? ",{\"point\":" : "{\"point\":", f);
        json_str(f, job->inject[i].point);
        fprintf(f, ",\"hit\":%" PRIu64 ",\"persistent\":%s}", job->inject[i].hit,
                job->inject[i].persistent ? "true" : "false");
    }
    fputc(']', f);
}

/* ,"crash":{kind, what, symbolized, report, stacks [{role, title, frames
 * [{index, func, file, line, column, module}]}]}: what killed the worker
 * (crash.c), typed as ReportCrash has it. */
static void write_crash(FILE *f, const ReportCrash *c)
{
    fputs(",\"crash\":{\"kind\":", f);
    json_str(f, c->kind);
    fputs(",\"what\":", f);
    json_str(f, c->what);
    fprintf(f, ",\"symbolized\":%s,\"report\":", c->symbolized ? "true" : "false");
    json_str(f, c->report);
    fputs(",\"stacks\":[", f);
    for (unsigned i = 0; i < c->nstacks && i < REPORT_CRASH_STACKS; i++) {
        const ReportStack *st = &c->stack[i];

        fprintf(f, "%s{\"role\":\"%s\",\"title\":", i ? "," : "",
                report_stack_role_name(st->role));
        json_str(f, st->title);
        fputs(",\"frames\":[", f);
        for (unsigned k = 0; k < st->nframes && k < REPORT_CRASH_FRAMES; k++) {
            const ReportFrame *fr = &st->frame[k];

            fprintf(f, "%s{\"index\":%u,\"func\":", k ? "," : "", fr->index);
            json_str(f, fr->func);
            fputs(",\"file\":", f);
            json_str(f, fr->file);
            fprintf(f, ",\"line\":%u,\"column\":%u,\"module\":", fr->line, fr->column);
            json_str(f, fr->module);
            fputc('}', f);
        }
        fputs("]}", f);
    }
    fputs("]}", f);
}

/* ,"impl":{name, path, api, sha256, offers}: the implementation this
 * binary links. */
static void write_impl(FILE *f)
{
    const ReplicationImpl *impl = replication_impl();

    fputs(",\"impl\":{\"name\":", f);
    json_str(f, impl->name);
    fputs(",\"path\":", f);
    json_str(f, impl->path);
    fputs(",\"api\":", f);
    json_str(f, impl->api);
    fputs(",\"sha256\":", f);
    json_str(f, impl->sha256);
    fputs(",\"offers\":[", f);
    for (unsigned i = 0, n = 0; i < REPLICATION_EXT__COUNT; i++) {
        if (replication_impl_extensions() & (1u << i)) {
            fputs(n++ ? "," : "", f);
            json_str(f, replication_ext_name((ReplicationExt)(1u << i)));
        }
    }
    fputs("]}", f);
}

void report_record_impl_describe(char *buf, size_t len, const ReportImpl *impl)
{
    if (impl == NULL) {
        report_impl_describe(buf, len);
        return;
    }
    report_impl_line(buf, len, impl->name, impl->path, impl->api, impl->sha256, impl->offers);
}

void report_results_write_as(FILE *f, ReportKind kind, const char *path, const ReportJob *job,
                             const ReportOutcome *out)
{
    const ScnResult *r = &out->res;

    fprintf(f, "{\"kind\":\"%s\",\"path\":", kind_names[kind]);
    json_str(f, path);
    fprintf(f, ",\"seed\":%" PRIu64 ",\"seed_set\":%s,\"verdict\":\"%s\",\"message\":",
            out->loaded ? r->seed : job->seed, job->seed_set ? "true" : "false",
            verdict_names[report_verdict(kind, job, out)]);
    json_str(f, out->loaded ? r->message : out->error);
    fprintf(f, ",\"hash\":\"0x%016" PRIx64 "\",\"ticks\":%" PRIu64 ",\"faults\":%" PRIu64
            ",\"time\":%.6f", r->hash, r->ticks, r->faults_fired, out->seconds);
    if (job->ninject != 0) {
        write_inject(f, job);
    }
    if (job->liveness) {
        fputs(",\"liveness\":true", f);
    }
    if (job->liveness && job->liveness_ticks != 0) {
        fprintf(f, ",\"liveness_ticks\":%" PRIu64, job->liveness_ticks);
    }
    write_impl(f);
    if (!out->loaded || r->status == SCN_ERROR) {
        fprintf(f, ",\"loaded\":%s", out->loaded ? "true" : "false");
    }
    if (out->loaded && kind == REPORT_KIND_SWEEP) {
        fprintf(f, ",\"status\":\"%s\"", status_names[r->status]);
    }
    if (out->loaded) {
        fprintf(f, ",\"line\":%u,\"ops\":%u,\"trace_lines\":%" PRIu64 ",\"missing_ext\":%u"
                ",\"died\":%s,\"checkers_ok\":%s,\"checker_kind\":\"%s\",\"checker\":", r->line,
                r->ops_run, r->trace_lines, r->missing_ext, out->died ? "true" : "false",
                r->checkers_ok ? "true" : "false", sim_check_kind_name(r->checker_kind));
        json_str(f, r->checker);
        if (r->live_ran) {
            fprintf(f, ",\"live_verdict\":\"%s\",\"live_part\":\"%s\"",
                    sim_live_verdict_name((SimLiveVerdict)r->live_verdict),
                    r->live_part < 0 ? "none" : sim_live_part_name((SimLivePart)r->live_part));
        }
        write_points(f, r);
        write_probes(f, r);
    }
    if (out->timed_out) {
        fputs(",\"timed_out\":true", f);
    }
    if (out->died) {
        write_crash(f, &out->crash);
    }
    fputs("}\n", f);
}

void report_results_write(FILE *f, const char *path, const ReportJob *job,
                          const ReportOutcome *out)
{
    report_results_write_as(f, REPORT_KIND_RUN, path, job, out);
}

static const char *const end_names[] = { "complete", "budget", "fail-fast", "interrupted" };

const char *report_end_name(ReportEnd end)
{
    return end < REPORT_END__COUNT ? end_names[end] : "?";
}

/* ,"key":[...]: the first REPORT_HEADER_LIST_MAX strings of v. */
static void write_list(FILE *f, const char *key, const char *const *v, size_t n)
{
    fprintf(f, ",\"%s\":[", key);
    for (size_t i = 0; i < n && i < REPORT_HEADER_LIST_MAX; i++) {
        fputs(i ? "," : "", f);
        json_str(f, v[i]);
    }
    fputc(']', f);
}

void report_results_header(FILE *f, const ReportResultsHeader *h)
{
    fprintf(f, "{\"kind\":\"header\",\"version\":%d,\"command\":", REPORT_RESULTS_VERSION);
    json_str(f, h->command);
    if (h->cwd[0] != '\0') {
        fputs(",\"cwd\":", f);
        json_str(f, h->cwd);
    }
    write_list(f, "paths", (const char *const *)h->paths, h->npaths);
    fprintf(f, ",\"npaths\":%zu", h->npaths);
    write_list(f, "keep", h->keep, h->nkeep);
    write_list(f, "exclude", h->drop, h->ndrop);
    fprintf(f, ",\"last_failed\":%s", h->last_failed ? "true" : "false");
    if (h->shard_n != 0) {
        fprintf(f, ",\"shard\":{\"k\":%u,\"n\":%u}", h->shard_k, h->shard_n);
    }
    if (h->seed_set) {
        fprintf(f, ",\"seed\":%" PRIu64, h->seed);
    }
    if (h->seeds_set) {
        fprintf(f, ",\"seeds\":{\"lo\":%" PRIu64 ",\"hi\":%" PRIu64 "}", h->seed_lo,
                h->seed_hi);
    }
    if (h->inject != NULL && h->inject->ninject != 0) {
        write_inject(f, h->inject);
    }
    if (h->max_hits != 0) {
        fprintf(f, ",\"max_hits\":%" PRIu64 ",\"depth\":%u", h->max_hits, h->depth);
    }
    fprintf(f, ",\"files\":%" PRIu64 ",\"planned\":%" PRIu64 ",\"more\":%s", h->files,
            h->planned, h->more ? "true" : "false");
    write_impl(f);
    fputs("}\n", f);
}

void report_results_trailer(FILE *f, const ReportResultsTrailer *t)
{
    fprintf(f, "{\"kind\":\"trailer\",\"end\":\"%s\",\"planned\":%" PRIu64 ",\"more\":%s"
            ",\"records\":%" PRIu64 ",\"lines\":%" PRIu64 ",\"verdicts\":{",
            report_end_name(t->end), t->planned, t->more ? "true" : "false", t->records,
            t->lines);
    for (int v = 0; v < REPORT_VERDICT__COUNT; v++) {
        fprintf(f, "%s\"%s\":%" PRIu64, v ? "," : "", verdict_names[v], t->verdicts[v]);
    }
    fputs("}}\n", f);
}

/* ---- reading -------------------------------------------------------------------- */

typedef struct Cur {
    const char *s;
    size_t i, len;
    const char *why;            /* the first problem, at `at` */
    size_t at;
} Cur;

static int bad(Cur *c, const char *why)
{
    if (c->why == NULL) {
        c->why = why;
        c->at = c->i;
    }
    return -1;
}

static void ws(Cur *c)
{
    while (c->i < c->len && strchr(" \t\r", c->s[c->i]) != NULL && c->s[c->i] != '\0') {
        c->i++;
    }
}

static bool eat(Cur *c, char ch)
{
    ws(c);
    if (c->i < c->len && c->s[c->i] == ch) {
        c->i++;
        return true;
    }
    return false;
}

static int hex4(Cur *c, uint32_t *v)
{
    *v = 0;
    for (int k = 0; k < 4; k++, c->i++) {
        char h = c->i < c->len ? c->s[c->i] : '\0';
        int d = h >= '0' && h <= '9' ? h - '0' : h >= 'a' && h <= 'f' ? h - 'a' + 10
              : h >= 'A' && h <= 'F' ? h - 'A' + 10 : -1;

        if (d < 0) {
            return bad(c, "bad \\u escape: expected 4 hex digits");
        }
        *v = *v * 16 + (uint32_t)d;
    }
    return 0;
}

/* \uXXXX (a surrogate pair for past U+FFFF) after the backslash and 'u'. */
static int unicode_escape(Cur *c, uint32_t *cp)
{
    uint32_t lo;

    if (hex4(c, cp) != 0) {
        return -1;
    }
    if (*cp >= 0xdc00 && *cp <= 0xdfff) {
        return bad(c, "a lone low surrogate");
    }
    if (*cp >= 0xd800 && *cp <= 0xdbff) {
        if (c->i + 2 > c->len || c->s[c->i] != '\\' || c->s[c->i + 1] != 'u') {
            return bad(c, "a high surrogate without its low half");
        }
        c->i += 2;
        if (hex4(c, &lo) != 0 || lo < 0xdc00 || lo > 0xdfff) {
            return bad(c, "a high surrogate without its low half");
        }
        *cp = 0x10000 + ((*cp - 0xd800) << 10) + (lo - 0xdc00);
    }
    return *cp == 0 ? bad(c, "\\u0000 in a string") : 0;
}

static size_t put_utf8(char *out, uint32_t cp)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xc0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xe0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    out[0] = (char)(0xf0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    out[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

/* A string into buf (at most cap - 1 bytes, NUL-terminated); buf NULL:
 * checked and dropped. */
static int string(Cur *c, char *buf, size_t cap)
{
    static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
    size_t n = 0;

    if (!eat(c, '"')) {
        return bad(c, "expected a string");
    }
    for (;;) {
        char tmp[4];
        size_t k = 1;
        unsigned char ch = c->i < c->len ? (unsigned char)c->s[c->i] : 0;

        if (c->i >= c->len || ch == '\0') {
            return bad(c, "unterminated string");
        }
        if (ch < 0x20) {
            return bad(c, "a control character in a string");
        }
        c->i++;
        if (ch == '"') {
            break;
        }
        tmp[0] = (char)ch;
        if (ch == '\\') {
            const char *e = c->i < c->len ? strchr(from, c->s[c->i]) : NULL;
            uint32_t cp;

            if (c->i < c->len && c->s[c->i] == 'u') {
                c->i++;
                if (unicode_escape(c, &cp) != 0) {
                    return -1;
                }
                k = put_utf8(tmp, cp);
            } else if (e == NULL || *e == '\0') {
                return bad(c, "bad escape in a string");
            } else {
                tmp[0] = to[e - from];
                c->i++;
            }
        }
        if (buf != NULL && n + k >= cap) {
            return bad(c, "string too long for its field");
        }
        if (buf != NULL) {
            memcpy(buf + n, tmp, k);
        }
        n += k;
    }
    if (buf != NULL) {
        buf[n] = '\0';
    }
    return 0;
}

/* The token of a number: JSON's characters for one, at most NUM_MAX. */
static int number_token(Cur *c, char *tok)
{
    size_t n;

    ws(c);
    n = strspn(c->s + c->i, "0123456789+-.eE");
    n = c->i + n > c->len ? c->len - c->i : n;
    if (n == 0 || n >= NUM_MAX) {
        return bad(c, n == 0 ? "expected a number" : "number too long");
    }
    memcpy(tok, c->s + c->i, n);
    tok[n] = '\0';
    return 0;
}

static int u64(Cur *c, uint64_t max, uint64_t *v)
{
    char tok[NUM_MAX];
    char *end;

    if (number_token(c, tok) != 0) {
        return -1;
    }
    if (strspn(tok, "0123456789") != strlen(tok) || (tok[0] == '0' && tok[1] != '\0')) {
        return bad(c, "expected a whole number from 0");
    }
    errno = 0;
    *v = strtoull(tok, &end, 10);
    if (errno != 0 || *v > max) {
        return bad(c, "number out of range");
    }
    c->i += strlen(tok);
    return 0;
}

static int uint_field(Cur *c, unsigned *v)
{
    uint64_t x;

    if (u64(c, UINT32_MAX, &x) != 0) {
        return -1;
    }
    *v = (unsigned)x;
    return 0;
}

static int seconds(Cur *c, double *v)
{
    char tok[NUM_MAX];
    char *end;

    if (number_token(c, tok) != 0) {
        return -1;
    }
    errno = 0;
    *v = strtod(tok, &end);
    if (errno != 0 || *end != '\0' || tok[0] == '-' || tok[0] == '+' || tok[0] == '.' ||
        !(*v >= 0 && *v < 1e12)) {
        return bad(c, "expected a time in seconds from 0");
    }
    c->i += strlen(tok);
    return 0;
}

static int boolean(Cur *c, bool *v)
{
    ws(c);
    if (c->len - c->i >= 4 && strncmp(c->s + c->i, "true", 4) == 0) {
        c->i += 4;
        *v = true;
        return 0;
    }
    if (c->len - c->i >= 5 && strncmp(c->s + c->i, "false", 5) == 0) {
        c->i += 5;
        *v = false;
        return 0;
    }
    return bad(c, "expected true or false");
}

/* A value of an unknown key, checked and dropped. */
static int skip_value(Cur *c, int depth)
{
    char open;
    uint64_t n;
    bool b;

    ws(c);
    open = c->i < c->len ? c->s[c->i] : '\0';
    if (depth > SKIP_DEPTH) {
        return bad(c, "nested too deep");
    }
    if (open == '"') {
        return string(c, NULL, 0);
    }
    if (open == 't' || open == 'f') {
        return boolean(c, &b);
    }
    if (c->len - c->i >= 4 && strncmp(c->s + c->i, "null", 4) == 0) {
        c->i += 4;
        return 0;
    }
    if (open != '{' && open != '[') {
        double d;

        return c->i < c->len && c->s[c->i] == '-' ? (c->i++, seconds(c, &d))
             : strchr("0123456789", open) != NULL && open != '\0' ? seconds(c, &d)
             : u64(c, 0, &n);
    }
    c->i++;
    if (eat(c, open == '{' ? '}' : ']')) {
        return 0;
    }
    do {
        if (open == '{' && (string(c, NULL, 0) != 0 || !eat(c, ':'))) {
            return bad(c, "expected \"key\": value");
        }
        if (skip_value(c, depth + 1) != 0) {
            return -1;
        }
    } while (eat(c, ','));
    return eat(c, open == '{' ? '}' : ']') ? 0 : bad(c, "expected ',' or the end");
}

/* A key's value: 0, -1 on a problem, 1 for a key not known here (skipped). */
typedef int KeyFn(Cur *c, const char *key, void *ctx);

static int object(Cur *c, KeyFn *fn, void *ctx)
{
    char key[KEY_MAX];
    int rc;

    if (!eat(c, '{')) {
        return bad(c, "expected an object");
    }
    if (eat(c, '}')) {
        return 0;
    }
    do {
        if (string(c, key, sizeof(key)) != 0) {
            return -1;
        }
        if (!eat(c, ':')) {
            return bad(c, "expected ':'");
        }
        rc = fn(c, key, ctx);
        if (rc < 0 || (rc > 0 && skip_value(c, 0) != 0)) {
            return -1;
        }
    } while (eat(c, ','));
    return eat(c, '}') ? 0 : bad(c, "expected ',' or '}'");
}

/* The index of key in names (NULL-ended), -1 when none; a key seen before
 * is a problem (-2). */
static int key_index(Cur *c, const char *const *names, const char *key, uint32_t *seen)
{
    for (int i = 0; names[i] != NULL; i++) {
        if (strcmp(names[i], key) == 0) {
            if (*seen & (1u << i)) {
                bad(c, "a key given twice");
                return -2;
            }
            *seen |= 1u << i;
            return i;
        }
    }
    return -1;
}

typedef struct PointCtx {
    ScnPointCount *p;
    uint64_t *runs;             /* a summary's point: its "runs"; else NULL */
    uint32_t seen;
} PointCtx;

static int point_key(Cur *c, const char *key, void *ctx)
{
    static const char *const names[] = { "name", "template", "hits", "fires", "handled",
                                         "observed", "runs", NULL };
    PointCtx *pc = ctx;
    int k = key_index(c, names, key, &pc->seen);
    uint64_t *counts[] = { &pc->p->hits, &pc->p->fires, &pc->p->handled, &pc->p->observed };

    if (k < -1) {
        return -1;
    }
    if (k < 0 || (k == 6 && pc->runs == NULL)) {
        return 1;
    }
    if (k == 6) {
        return u64(c, UINT64_MAX, pc->runs);
    }
    if (k == 0) {
        return string(c, pc->p->name, sizeof(pc->p->name));
    }
    if (k == 1) {
        return string(c, pc->p->template_, sizeof(pc->p->template_));
    }
    return u64(c, UINT64_MAX, counts[k - 2]);
}

/* [{name, template, hits, fires, handled, observed[, runs]}...]: point
 * *n (at(ctx, *n)) on; with runs (a summary's points), its "runs" too,
 * which must be there. */
static int point_array(Cur *c, ScnPointCount *(*at)(void *, unsigned),
                       uint64_t *(*runs)(void *, unsigned), void *ctx, unsigned *n)
{
    if (!eat(c, '[')) {
        return bad(c, "expected an array of points");
    }
    if (eat(c, ']')) {
        return 0;
    }
    do {
        PointCtx pc;

        if (*n >= SCN_MAX_POINTS) {
            return bad(c, "more fault points than a run has");
        }
        pc = (PointCtx){ .p = at(ctx, *n), .runs = runs != NULL ? runs(ctx, *n) : NULL };
        if (object(c, point_key, &pc) != 0) {
            return -1;
        }
        if (!(pc.seen & 1u) || (runs != NULL && !(pc.seen & 0x40u))) {
            return bad(c, runs != NULL ? "a summary's point needs a name and runs"
                                       : "a point without a name");
        }
        (*n)++;
    } while (eat(c, ','));
    return eat(c, ']') ? 0 : bad(c, "expected ',' or ']'");
}

static ScnPointCount *result_point(void *ctx, unsigned i)
{
    return &((ScnResult *)ctx)->points[i];
}

static int points(Cur *c, ScnResult *r)
{
    return point_array(c, result_point, NULL, r, &r->npoints);
}

/* {NAME: COUNT...}: a probe of the catalog once at most; a name the
 * catalog does not have is a problem (its counts would be lost). */
static int probes(Cur *c, uint64_t *counts)
{
    bool seen[SIM_PROBE__COUNT] = { false };
    char name[SIM_PROBE_NAME_MAX + 1];
    int p;

    if (!eat(c, '{')) {
        return bad(c, "expected an object of probe counts");
    }
    if (eat(c, '}')) {
        return 0;
    }
    do {
        if (string(c, name, sizeof(name)) != 0) {
            return -1;
        }
        if ((p = sim_probe_by_name(name)) < 0) {
            return bad(c, "not a probe of this catalog (replbench probes --help)");
        }
        if (seen[p]) {
            return bad(c, "a probe given twice");
        }
        seen[p] = true;
        if (!eat(c, ':')) {
            return bad(c, "expected ':'");
        }
        if (u64(c, UINT64_MAX, &counts[p]) != 0) {
            return -1;
        }
    } while (eat(c, ','));
    return eat(c, '}') ? 0 : bad(c, "expected ',' or '}'");
}

static int tail(Cur *c, ScnResult *r)
{
    if (!eat(c, '[')) {
        return bad(c, "expected an array of trace lines");
    }
    if (eat(c, ']')) {
        return 0;
    }
    do {
        if (r->ntail >= SIM_TRACE_KEEP) {
            return bad(c, "more trace lines than a run keeps");
        }
        if (string(c, r->tail[r->ntail], sizeof(r->tail[0])) != 0) {
            return -1;
        }
        r->ntail++;
    } while (eat(c, ','));
    return eat(c, ']') ? 0 : bad(c, "expected ',' or ']'");
}

typedef struct InjectCtx {
    ReportInject *in;
    uint32_t seen;
} InjectCtx;

static int inject_key(Cur *c, const char *key, void *ctx)
{
    static const char *const names[] = { "point", "hit", "persistent", NULL };
    InjectCtx *ic = ctx;
    int k = key_index(c, names, key, &ic->seen);

    switch (k) {
    case -2: return -1;
    case -1: return 1;
    case 0: return string(c, ic->in->point, sizeof(ic->in->point));
    case 1: return u64(c, INT64_MAX, &ic->in->hit);
    default: return boolean(c, &ic->in->persistent);
    }
}

/* [{point, hit, persistent}...]: each injection of the run. */
static int injections(Cur *c, ReportJob *job)
{
    if (!eat(c, '[')) {
        return bad(c, "expected an array of injections");
    }
    if (eat(c, ']')) {
        return 0;
    }
    do {
        InjectCtx ic;

        if (job->ninject >= SCN_MAX_INJECTS) {
            return bad(c, "more injections than a run takes");
        }
        ic = (InjectCtx){ .in = &job->inject[job->ninject] };
        if (object(c, inject_key, &ic) != 0) {
            return -1;
        }
        if (ic.seen != 7u || ic.in->point[0] == '\0' || ic.in->hit == 0) {
            return bad(c, "an injection needs a point, a hit from 1 and persistent");
        }
        job->ninject++;
    } while (eat(c, ','));
    return eat(c, ']') ? 0 : bad(c, "expected ',' or ']'");
}

typedef struct ImplCtx {
    ReportImpl *impl;
    uint32_t seen;
} ImplCtx;

/* ["instances", ...]: extensions by their names (registry/impl.h), each once. */
static int offers(Cur *c, unsigned *ext)
{
    char name[KEY_MAX];

    if (!eat(c, '[')) {
        return bad(c, "impl: offers: expected an array of extensions");
    }
    if (eat(c, ']')) {
        return 0;
    }
    do {
        unsigned i = 0;

        if (string(c, name, sizeof(name)) != 0) {
            return -1;
        }
        while (i < REPLICATION_EXT__COUNT &&
               strcmp(replication_ext_name((ReplicationExt)(1u << i)), name) != 0) {
            i++;
        }
        if (i == REPLICATION_EXT__COUNT || (*ext & (1u << i))) {
            return bad(c, i == REPLICATION_EXT__COUNT ? "impl: offers: unknown extension"
                                                      : "impl: offers: an extension twice");
        }
        *ext |= 1u << i;
    } while (eat(c, ','));
    return eat(c, ']') ? 0 : bad(c, "expected ',' or ']'");
}

static int impl_key(Cur *c, const char *key, void *ctx)
{
    static const char *const names[] = { "name", "path", "api", "sha256", "offers", NULL };
    ImplCtx *ic = ctx;
    ReportImpl *im = ic->impl;

    switch (key_index(c, names, key, &ic->seen)) {
    case -2: return -1;
    case -1: return 1;
    case 0: return string(c, im->name, sizeof(im->name));
    case 1: return string(c, im->path, sizeof(im->path));
    case 2: return string(c, im->api, sizeof(im->api));
    case 3: return string(c, im->sha256, sizeof(im->sha256));
    default: return offers(c, &im->offers);
    }
}

/* {name, path, api, sha256, offers}: the implementation the record ran,
 * all five given, api one of the two modes, sha256 64 lowercase hex
 * digits. */
static int impl_object(Cur *c, ReportImpl *impl)
{
    ImplCtx ic = { .impl = impl };
    size_t at, end;

    ws(c);
    at = c->i;
    if (object(c, impl_key, &ic) != 0) {
        return -1;
    }
    end = c->i;
    c->i = at;                  /* a problem of the whole object: said where it starts */
    if (ic.seen != 31u) {
        return bad(c, "impl: needs name, path, api, sha256 and offers");
    }
    if (impl->name[0] == '\0' || impl->path[0] == '\0') {
        return bad(c, "impl: an empty name or path");
    }
    if (strcmp(impl->api, "instances") != 0 && strcmp(impl->api, "global") != 0) {
        return bad(c, "impl: api: expected instances or global");
    }
    if (strlen(impl->sha256) != 64 || strspn(impl->sha256, "0123456789abcdef") != 64) {
        return bad(c, "impl: sha256: expected 64 lowercase hex digits");
    }
    c->i = end;
    return 0;
}

/* ---- crash fields (report.h's ReportCrash) ---- */

typedef struct FrameCtx {
    ReportFrame *fr;
    uint32_t seen;
} FrameCtx;

static int frame_key(Cur *c, const char *key, void *ctx)
{
    static const char *const names[] = { "index", "func", "file", "line", "column", "module",
                                         NULL };
    FrameCtx *fc = ctx;
    ReportFrame *fr = fc->fr;

    switch (key_index(c, names, key, &fc->seen)) {
    case -2: return -1;
    case -1: return 1;
    case 0: return uint_field(c, &fr->index);
    case 1: return string(c, fr->func, sizeof(fr->func));
    case 2: return string(c, fr->file, sizeof(fr->file));
    case 3: return uint_field(c, &fr->line);
    case 4: return uint_field(c, &fr->column);
    default: return string(c, fr->module, sizeof(fr->module));
    }
}

/* [item, ...]: at most max of them, item i read by fn(c, ctx, i); *n
 * counts them.  0, or -1. */
typedef int ItemFn(Cur *c, void *ctx, unsigned i);

static int crash_array(Cur *c, unsigned max, unsigned *n, ItemFn *fn, void *ctx)
{
    if (!eat(c, '[')) {
        return bad(c, "crash: expected an array");
    }
    if (eat(c, ']')) {
        return 0;
    }
    do {
        if (*n >= max) {
            return bad(c, "crash: more stacks or frames than a crash keeps");
        }
        if (fn(c, ctx, *n) != 0) {
            return -1;
        }
        (*n)++;
    } while (eat(c, ','));
    return eat(c, ']') ? 0 : bad(c, "expected ',' or ']'");
}

static int frame_item(Cur *c, void *ctx, unsigned i)
{
    FrameCtx fc = { .fr = &((ReportStack *)ctx)->frame[i] };

    return object(c, frame_key, &fc);
}

typedef struct StackCtx {
    ReportStack *st;
    uint32_t seen;
} StackCtx;

static int stack_key(Cur *c, const char *key, void *ctx)
{
    static const char *const names[] = { "role", "title", "frames", NULL };
    StackCtx *sc = ctx;
    char role[16];

    switch (key_index(c, names, key, &sc->seen)) {
    case -2: return -1;
    case -1: return 1;
    case 0:
        if (string(c, role, sizeof(role)) != 0) {
            return -1;
        }
        return report_stack_role_parse(role, &sc->st->role) == 0 ? 0
             : bad(c, "crash: role: expected error, free or alloc");
    case 1: return string(c, sc->st->title, sizeof(sc->st->title));
    default: return crash_array(c, REPORT_CRASH_FRAMES, &sc->st->nframes, frame_item, sc->st);
    }
}

static int stack_item(Cur *c, void *ctx, unsigned i)
{
    StackCtx sc = { .st = &((ReportCrash *)ctx)->stack[i] };

    return object(c, stack_key, &sc);
}

typedef struct CrashCtx {
    ReportCrash *cr;
    uint32_t seen;
} CrashCtx;

static int crash_key(Cur *c, const char *key, void *ctx)
{
    static const char *const names[] = { "kind", "what", "symbolized", "report", "stacks",
                                         NULL };
    CrashCtx *cc = ctx;
    ReportCrash *cr = cc->cr;

    switch (key_index(c, names, key, &cc->seen)) {
    case -2: return -1;
    case -1: return 1;
    case 0: return string(c, cr->kind, sizeof(cr->kind));
    case 1: return string(c, cr->what, sizeof(cr->what));
    case 2: return boolean(c, &cr->symbolized);
    case 3: return string(c, cr->report, sizeof(cr->report));
    default: return crash_array(c, REPORT_CRASH_STACKS, &cr->nstacks, stack_item, cr);
    }
}

/* {kind, what, symbolized, report, stacks}: a crash needs its kind. */
static int crash_object(Cur *c, ReportCrash *cr)
{
    CrashCtx cc = { .cr = cr };

    if (object(c, crash_key, &cc) != 0) {
        return -1;
    }
    return (cc.seen & 1u) && cr->kind[0] != '\0' ? 0 : bad(c, "crash: needs its kind");
}

/* What the record says, before it is put together. */
typedef struct RecCtx {
    ReportRecord *rec;
    uint32_t seen;
    uint64_t seed;
    char verdict[8];
    char message[REPORT_ERROR_MAX];
    char hash[24];
    char kind[16];              /* checker_kind */
    char run_kind[8];           /* kind */
    char status[8];
    bool loaded;
} RecCtx;

enum { K_PATH, K_SEED, K_VERDICT, K_MESSAGE, K_SEED_SET, K_HASH, K_TICKS, K_FAULTS, K_TIME,
       K_INJECT, K_LINE, K_OPS, K_TRACE_LINES, K_MISSING, K_DIED, K_CHECKERS_OK,
       K_CHECKER_KIND, K_CHECKER, K_POINTS, K_TAIL, K_KIND, K_LOADED, K_STATUS, K_IMPL,
       K_TIMED_OUT, K_CRASH, K_LIVENESS, K_LIVENESS_TICKS, K_LIVE_VERDICT, K_LIVE_PART,
       K_PROBES };

/* live_verdict or live_part ("none": -1): a liveness phase ran. */
static int live_word(Cur *c, ScnResult *res, int *out, bool verdict)
{
    char word[16];
    int n = verdict ? SIM_LIVE_VERDICT__COUNT : SIM_LIVE_PART__COUNT;

    if (string(c, word, sizeof(word)) != 0) {
        return -1;
    }
    res->live_ran = true;
    *out = -1;
    for (int i = 0; i < n && *out < 0; i++) {
        const char *name = verdict ? sim_live_verdict_name((SimLiveVerdict)i)
                                   : sim_live_part_name((SimLivePart)i);

        *out = strcmp(word, name) == 0 ? i : -1;
    }
    return *out >= 0 || (!verdict && strcmp(word, "none") == 0) ? 0
         : bad(c, verdict ? "live_verdict: expected converged, expected or stuck"
                          : "live_part: expected a part of liveness.h or none");
}

static int record_key(Cur *c, const char *key, void *ctx)
{
    static const char *const names[] = {
        "path", "seed", "verdict", "message", "seed_set", "hash", "ticks", "faults", "time",
        "inject", "line", "ops", "trace_lines", "missing_ext", "died", "checkers_ok",
        "checker_kind", "checker", "points", "tail", "kind", "loaded", "status", "impl",
        "timed_out", "crash", "liveness", "liveness_ticks", "live_verdict", "live_part",
        "probes", NULL,
    };
    RecCtx *x = ctx;
    ReportRecord *r = x->rec;
    ScnResult *res = &r->out.res;

    switch (key_index(c, names, key, &x->seen)) {
    case -2: return -1;
    case -1: return 1;
    case K_PATH: return string(c, r->path, sizeof(r->path));
    case K_SEED: return u64(c, UINT64_MAX, &x->seed);
    case K_VERDICT: return string(c, x->verdict, sizeof(x->verdict));
    case K_MESSAGE: return string(c, x->message, sizeof(x->message));
    case K_SEED_SET: return boolean(c, &r->job.seed_set);
    case K_HASH: return string(c, x->hash, sizeof(x->hash));
    case K_TICKS: return u64(c, UINT64_MAX, &res->ticks);
    case K_FAULTS: return u64(c, UINT64_MAX, &res->faults_fired);
    case K_TIME: return seconds(c, &r->out.seconds);
    case K_INJECT: return injections(c, &r->job);
    case K_LINE: return uint_field(c, &res->line);
    case K_OPS: return uint_field(c, &res->ops_run);
    case K_TRACE_LINES: return u64(c, UINT64_MAX, &res->trace_lines);
    case K_MISSING: return uint_field(c, &res->missing_ext);
    case K_DIED: return boolean(c, &r->out.died);
    case K_CHECKERS_OK: return boolean(c, &res->checkers_ok);
    case K_CHECKER_KIND: return string(c, x->kind, sizeof(x->kind));
    case K_CHECKER: return string(c, res->checker, sizeof(res->checker));
    case K_POINTS: return points(c, res);
    case K_KIND: return string(c, x->run_kind, sizeof(x->run_kind));
    case K_LOADED: return boolean(c, &x->loaded);
    case K_STATUS: return string(c, x->status, sizeof(x->status));
    case K_IMPL: return impl_object(c, &r->impl);
    case K_TIMED_OUT: return boolean(c, &r->out.timed_out);
    case K_CRASH: return crash_object(c, &r->out.crash);
    case K_LIVENESS: return boolean(c, &r->job.liveness);
    case K_LIVENESS_TICKS: return u64(c, UINT64_MAX, &r->job.liveness_ticks);
    case K_LIVE_VERDICT: return live_word(c, res, &res->live_verdict, true);
    case K_LIVE_PART: return live_word(c, res, &res->live_part, false);
    case K_PROBES: return probes(c, res->probes);
    default: return tail(c, res);
    }
}

/* name's index in names (n of them), or -1. */
static int name_index(const char *const *names, int n, const char *name)
{
    for (int i = 0; i < n; i++) {
        if (strcmp(names[i], name) == 0) {
            return i;
        }
    }
    return -1;
}

#define SEEN(x, k) (((x)->seen & (1u << (k))) != 0)

/* The kind, whether it loaded and the scenario's status: a run's status is
 * its verdict; a sweep run's is given, with what its rule reads. */
static int kind_and_status(Cur *c, RecCtx *x, int v)
{
    ReportRecord *r = x->rec;
    int k = SEEN(x, K_KIND) ? name_index(kind_names, 2, x->run_kind) : REPORT_KIND_RUN;
    int st;

    if (k < 0) {
        return bad(c, "kind: expected run or sweep");
    }
    r->kind = (ReportKind)k;
    r->out.loaded = SEEN(x, K_LOADED) ? x->loaded : v != REPORT_VERDICT_ERROR;
    if (r->kind == REPORT_KIND_RUN) {
        /* A loaded run with verdict error: the host failed it (SCN_ERROR). */
        if (!r->out.loaded && v != REPORT_VERDICT_ERROR) {
            return bad(c, "loaded false goes with verdict error");
        }
        if ((v == REPORT_VERDICT_NA) != (r->out.res.missing_ext != 0) && r->out.loaded) {
            return bad(c, "verdict na goes with a missing_ext, and only it");
        }
        r->out.res.status = v == REPORT_VERDICT_PASS ? SCN_PASS
                          : v == REPORT_VERDICT_FAIL ? SCN_FAIL
                          : v == REPORT_VERDICT_ERROR ? SCN_ERROR : SCN_SKIP;
        return 0;
    }
    if (!r->out.loaded) {
        return 0;
    }
    if (!SEEN(x, K_STATUS) || !SEEN(x, K_CHECKERS_OK)) {
        return bad(c, "a sweep record of a loaded scenario needs status and checkers_ok");
    }
    if ((st = name_index(status_names, 4, x->status)) < 0) {
        return bad(c, "status: expected pass, fail, skip or error");
    }
    r->out.res.status = (ScnStatus)st;
    return 0;
}

static int checker_kind(Cur *c, const char *name, SimCheckKind *kind)
{
    for (int k = 0; k < SIM_CHECK__COUNT; k++) {
        if (strcmp(sim_check_kind_name((SimCheckKind)k), name) == 0) {
            *kind = (SimCheckKind)k;
            return 0;
        }
    }
    return bad(c, "unknown checker_kind");
}

/* The parsed keys as the record's command had them: verdict and status to
 * the outcome, message to the field it came from; the verdict must be
 * what the kind's rule gives for them. */
static int assemble(Cur *c, RecCtx *x)
{
    ReportRecord *r = x->rec;
    ScnResult *res = &r->out.res;
    int v;
    char *end;

    if ((x->seen & 7u) != 7u) {
        return bad(c, "a record needs path, seed and verdict");
    }
    if ((v = name_index(verdict_names, 5, x->verdict)) < 0) {
        return bad(c, "verdict: expected pass, fail, skip, na or error");
    }
    if (r->path[0] == '\0') {
        return bad(c, "an empty path");
    }
    r->job.seed = x->seed;
    r->has_impl = SEEN(x, K_IMPL);
    res->seed = x->seed;
    if (kind_and_status(c, x, v) != 0) {
        return -1;
    }
    if (!r->out.loaded) {
        snprintf(r->out.error, sizeof(r->out.error), "%s", x->message);
    } else if (strlen(x->message) >= sizeof(res->message)) {
        return bad(c, "message too long");
    } else {
        memcpy(res->message, x->message, strlen(x->message) + 1);  /* fits: checked */
    }
    if (SEEN(x, K_HASH) &&
        (strncmp(x->hash, "0x", 2) != 0 || strlen(x->hash) != 18 ||
         strspn(x->hash + 2, "0123456789abcdefABCDEF") != 16)) {
        return bad(c, "hash: expected \"0x\" and 16 hex digits");
    }
    res->hash = SEEN(x, K_HASH) ? strtoull(x->hash + 2, &end, 16) : 0;
    if (!SEEN(x, K_CHECKERS_OK)) {
        res->checkers_ok = true;
    }
    if (SEEN(x, K_CHECKER_KIND) && checker_kind(c, x->kind, &res->checker_kind) != 0) {
        return -1;
    }
    if (SEEN(x, K_CRASH) && !r->out.died) {
        return bad(c, "crash: only a record whose worker died has one");
    }
    r->verdict = report_verdict(r->kind, &r->job, &r->out);
    if ((int)r->verdict != v) {
        return bad(c, "verdict: not what the kind's rule gives for the record's fields");
    }
    return 0;
}

int report_results_parse(const char *text, size_t len, const char *file, unsigned long line,
                         ReportRecord *rec, char *err, size_t errlen)
{
    Cur c = { .s = text, .len = len };
    RecCtx *x = calloc(1, sizeof(*x));
    int rc = -1;

    memset(rec, 0, sizeof(*rec));
    if (x == NULL) {
        snprintf(err, errlen, "%s:%lu: out of memory", file, line);
        return -1;
    }
    x->rec = rec;
    if (object(&c, record_key, x) == 0 && assemble(&c, x) == 0) {
        ws(&c);
        rc = c.i == c.len ? 0 : bad(&c, "text after the record");
    }
    if (rc != 0) {
        snprintf(err, errlen, "%s:%lu:%zu: %s", file, line, c.at + 1,
                 c.why != NULL ? c.why : "not a record");
    }
    free(x);
    return rc;
}

/* ---- the header and the trailer ------------------------------------------------- */

static int sniff_key(Cur *c, const char *key, void *ctx)
{
    char *kind = ctx;

    if (strcmp(key, "kind") != 0 || kind[0] != '\0') {
        return 1;
    }
    ws(c);
    if (c->i < c->len && c->s[c->i] != '"') {
        return 1;
    }
    /* "kind" of a record is at most "sweep": a longer one is a record's to judge. */
    if (string(c, kind, KEY_MAX) != 0) {
        kind[0] = '\0';
        return -1;
    }
    return 0;
}

ReportLineKind report_results_line_kind(const char *text, size_t len)
{
    Cur c = { .s = text, .len = len };
    char kind[KEY_MAX] = "";

    if (object(&c, sniff_key, kind) != 0) {
        return REPORT_LINE_RECORD;
    }
    return strcmp(kind, "header") == 0 ? REPORT_LINE_HEADER
         : strcmp(kind, "trailer") == 0 ? REPORT_LINE_TRAILER
         : strcmp(kind, "summary") == 0 ? REPORT_LINE_SUMMARY : REPORT_LINE_RECORD;
}

typedef struct ShardCtx {
    unsigned *k, *n;
    uint32_t seen;
} ShardCtx;

static int shard_key(Cur *c, const char *key, void *ctx)
{
    static const char *const names[] = { "k", "n", NULL };
    ShardCtx *sc = ctx;

    switch (key_index(c, names, key, &sc->seen)) {
    case -2: return -1;
    case -1: return 1;
    case 0: return uint_field(c, sc->k);
    default: return uint_field(c, sc->n);
    }
}

typedef struct HeaderCtx {
    ReportResultsHeader *h;
    uint32_t seen;
    uint64_t version;
} HeaderCtx;

enum { H_KIND, H_VERSION, H_COMMAND, H_CWD, H_SHARD, H_FILES, H_PLANNED, H_MORE, H_IMPL };

static int header_key(Cur *c, const char *key, void *ctx)
{
    static const char *const names[] = { "kind", "version", "command", "cwd", "shard", "files",
                                         "planned", "more", "impl", NULL };
    HeaderCtx *x = ctx;
    ReportResultsHeader *h = x->h;
    ShardCtx sc = { .k = &h->shard_k, .n = &h->shard_n };

    switch (key_index(c, names, key, &x->seen)) {
    case -2: return -1;
    case -1: return 1;
    case H_KIND: return string(c, NULL, 0);
    case H_VERSION: return u64(c, UINT32_MAX, &x->version);
    case H_COMMAND: return string(c, h->command, sizeof(h->command));
    case H_CWD: return string(c, h->cwd, sizeof(h->cwd));
    case H_SHARD:
        if (object(c, shard_key, &sc) != 0) {
            return -1;
        }
        return sc.seen == 3u && h->shard_k >= 1 && h->shard_k <= h->shard_n ? 0
             : bad(c, "shard: expected {\"k\": K, \"n\": N} with 1 <= K <= N");
    case H_FILES: return u64(c, UINT64_MAX, &h->files);
    case H_PLANNED: return u64(c, UINT64_MAX, &h->planned);
    case H_MORE: return boolean(c, &h->more);
    default: return impl_object(c, &h->impl);
    }
}

#define NEEDS(x, k) (((x)->seen & (1u << (k))) != 0)

/* "FILE:LINE:COL: why" of a line that did not parse. */
static int line_error(const Cur *c, const char *file, unsigned long line, char *err,
                      size_t errlen)
{
    snprintf(err, errlen, "%s:%lu:%zu: %s", file, line, c->at + 1,
             c->why != NULL ? c->why : "not a record");
    return -1;
}

int report_results_parse_header(const char *text, size_t len, const char *file,
                                unsigned long line, ReportResultsHeader *h, char *err,
                                size_t errlen)
{
    Cur c = { .s = text, .len = len };
    HeaderCtx x = { .h = h };

    memset(h, 0, sizeof(*h));
    if (object(&c, header_key, &x) != 0) {
        return line_error(&c, file, line, err, errlen);
    }
    ws(&c);
    if (c.i != c.len) {
        bad(&c, "text after the header");
    } else if (!NEEDS(&x, H_VERSION) || !NEEDS(&x, H_COMMAND) || !NEEDS(&x, H_PLANNED) ||
               !NEEDS(&x, H_MORE) || !NEEDS(&x, H_FILES)) {
        bad(&c, "a header needs version, command, files, planned and more");
    } else if (x.version < 1 || x.version > REPORT_RESULTS_VERSION) {
        bad(&c, "version: not one this replbench reads (a newer one wrote it?)");
    } else if (h->command[0] == '\0') {
        bad(&c, "command: empty");
    }
    if (c.why != NULL) {
        return line_error(&c, file, line, err, errlen);
    }
    h->has_impl = NEEDS(&x, H_IMPL);
    h->version = (unsigned)x.version;
    return 0;
}

typedef struct TrailerCtx {
    ReportResultsTrailer *t;
    uint32_t seen;
    char end[16];
} TrailerCtx;

enum { T_KIND, T_END, T_PLANNED, T_MORE, T_RECORDS, T_VERDICTS, T_LINES };

typedef struct CountsCtx {
    uint64_t *v;
    uint32_t seen;
} CountsCtx;

static int count_key(Cur *c, const char *key, void *ctx)
{
    CountsCtx *cc = ctx;
    int k = key_index(c, verdict_names, key, &cc->seen);

    return k == -2 ? -1 : k == -1 ? bad(c, "verdicts: expected pass, fail, skip, na, error")
         : u64(c, UINT64_MAX, &cc->v[k]);
}

static int trailer_key(Cur *c, const char *key, void *ctx)
{
    static const char *const names[] = { "kind", "end", "planned", "more", "records",
                                         "verdicts", "lines", NULL };
    TrailerCtx *x = ctx;
    ReportResultsTrailer *t = x->t;
    CountsCtx cc = { .v = t->verdicts };

    switch (key_index(c, names, key, &x->seen)) {
    case -2: return -1;
    case -1: return 1;
    case T_KIND: return string(c, NULL, 0);
    case T_END: return string(c, x->end, sizeof(x->end));
    case T_PLANNED: return u64(c, UINT64_MAX, &t->planned);
    case T_MORE: return boolean(c, &t->more);
    case T_RECORDS: return u64(c, UINT64_MAX, &t->records);
    case T_LINES: return u64(c, UINT64_MAX, &t->lines);
    default:
        if (object(c, count_key, &cc) != 0) {
            return -1;
        }
        return cc.seen == (1u << REPORT_VERDICT__COUNT) - 1 ? 0
             : bad(c, "verdicts: needs pass, fail, skip, na and error");
    }
}

int report_results_parse_trailer(const char *text, size_t len, const char *file,
                                 unsigned long line, ReportResultsTrailer *t, char *err,
                                 size_t errlen)
{
    Cur c = { .s = text, .len = len };
    TrailerCtx x = { .t = t };
    int end;
    uint64_t sum = 0;

    memset(t, 0, sizeof(*t));
    if (object(&c, trailer_key, &x) != 0) {
        return line_error(&c, file, line, err, errlen);
    }
    ws(&c);
    if (c.i != c.len) {
        bad(&c, "text after the trailer");
    } else if ((x.seen & ((1u << (T_VERDICTS + 1)) - 1)) != (1u << (T_VERDICTS + 1)) - 1) {
        bad(&c, "a trailer needs end, planned, more, records and verdicts");
    } else if ((end = name_index(end_names, REPORT_END__COUNT, x.end)) < 0) {
        bad(&c, "end: expected complete, budget, fail-fast or interrupted");
    } else {
        t->end = (ReportEnd)end;
        t->has_lines = (x.seen & (1u << T_LINES)) != 0;
        for (int v = 0; v < REPORT_VERDICT__COUNT; v++) {
            sum += t->verdicts[v];
        }
        if (sum != t->records) {
            bad(&c, "verdicts: they do not add up to records");
        }
    }
    return c.why != NULL ? line_error(&c, file, line, err, errlen) : 0;
}

/* ---- the bounded reader ------------------------------------------------------------ */

#define READ_CHUNK 65536

typedef struct Reader {
    const char *file;
    int fd;
    char *chunk;                /* READ_CHUNK bytes read, [at, got) not yet used */
    size_t at, got;
    char *line;                 /* REPORT_RESULT_LINE_MAX + 1 bytes */
    size_t len;
    unsigned long lineno;
} Reader;

/* The next line into r->line (without its newline, nor a '\r' before it):
 * 1, 0 at the end of the file, -1 on a problem (printed). */
static int next_line(Reader *r)
{
    bool any = false;

    r->len = 0;
    for (;;) {
        char *nl;
        size_t take;

        if (r->at == r->got) {
            ssize_t n = read(r->fd, r->chunk, READ_CHUNK);

            if (n < 0 && errno == EINTR) {
                continue;
            }
            if (n < 0) {
                fprintf(stderr, "replbench: %s: cannot read: %s\n", r->file, strerror(errno));
                return -1;
            }
            if (n == 0) {
                break;
            }
            r->at = 0;
            r->got = (size_t)n;
        }
        any = true;
        nl = memchr(r->chunk + r->at, '\n', r->got - r->at);
        take = (nl != NULL ? (size_t)(nl - r->chunk) : r->got) - r->at;
        if (r->len + take > REPORT_RESULT_LINE_MAX) {
            fprintf(stderr, "replbench: %s:%lu: a record longer than %zu bytes\n", r->file,
                    r->lineno + 1, REPORT_RESULT_LINE_MAX);
            return -1;
        }
        if (memchr(r->chunk + r->at, '\0', take) != NULL) {
            fprintf(stderr, "replbench: %s:%lu: a NUL byte in a record\n", r->file,
                    r->lineno + 1);
            return -1;
        }
        memcpy(r->line + r->len, r->chunk + r->at, take);
        r->len += take;
        r->at += take + (nl != NULL);
        if (nl != NULL) {
            break;
        }
    }
    if (!any) {
        return 0;
    }
    r->lineno++;
    r->len -= r->len > 0 && r->line[r->len - 1] == '\r';
    r->line[r->len] = '\0';
    return 1;
}

int report_results_read(const char *file, ReportLineFn *fn, void *ctx)
{
    char err[REPORT_ERROR_MAX];
    Reader r = { .file = file, .fd = report_in_open(file, err, sizeof(err)) };
    int rc = 0, got;

    if (r.fd < 0) {
        fprintf(stderr, "replbench: %s\n", err);
        return -1;
    }
    r.chunk = malloc(READ_CHUNK);
    r.line = malloc(REPORT_RESULT_LINE_MAX + 1);
    if (r.chunk == NULL || r.line == NULL) {
        fprintf(stderr, "replbench: %s: out of memory to read it\n", file);
        rc = -1;
    }
    while (rc == 0 && (got = next_line(&r)) != 0) {
        rc = got < 0 ? -1 : r.len != 0 ? fn(ctx, file, r.lineno, r.line, r.len) : 0;
    }
    free(r.chunk);
    free(r.line);
    close(r.fd);
    return rc;
}

/* ---- summaries (version 2) ------------------------------------------------------ */

void report_summary_start(ReportSummary *s, const char *path, const ReportJob *job,
                          const ReportOutcome *out)
{
    memset(s, 0, sizeof(*s));
    snprintf(s->path, sizeof(s->path), "%s", path);
    s->seed = out->loaded ? out->res.seed : job->seed;
    s->seed_set = job->seed_set;
    s->liveness = job->liveness;
    s->liveness_ticks = job->liveness_ticks;
    if (job->ninject != 0) {
        snprintf(s->names[0], sizeof(s->names[0]), "%s", job->inject[0].point);
        s->nnames = 1;
    }
}

bool report_summary_fits(const ReportSummary *s, const char *path, const ReportJob *job,
                         const ReportOutcome *out)
{
    return s->count < REPORT_SUMMARY_RUNS && job->ninject != 0 && s->nnames != 0 &&
           strcmp(s->names[0], job->inject[0].point) == 0 &&
           s->seed == (out->loaded ? out->res.seed : job->seed) &&
           s->seed_set == job->seed_set && s->liveness == job->liveness &&
           s->liveness_ticks == job->liveness_ticks && strcmp(s->path, path) == 0;
}

static bool summary_has_name(const ReportSummary *s, const char *name)
{
    for (unsigned i = 0; i < s->nnames; i++) {
        if (strcmp(s->names[i], name) == 0) {
            return true;
        }
    }
    return false;
}

static bool summary_has_point(const ReportSummary *s, unsigned hint, const char *name)
{
    if (hint < s->npoints && strcmp(s->points[hint].sum.name, name) == 0) {
        return true;
    }
    for (unsigned i = 0; i < s->npoints; i++) {
        if (strcmp(s->points[i].sum.name, name) == 0) {
            return true;
        }
    }
    return false;
}

/* name's index in s->names, added when new; -1 when full. */
static int summary_name(ReportSummary *s, const char *name)
{
    for (unsigned i = 0; i < s->nnames; i++) {
        if (strcmp(s->names[i], name) == 0) {
            return (int)i;
        }
    }
    if (s->nnames >= SCN_MAX_POINTS) {
        return -1;
    }
    snprintf(s->names[s->nnames], sizeof(s->names[0]), "%s", name);
    return (int)s->nnames++;
}

/* The sums of point p's name in s (added when new); NULL when full. */
static ReportSummaryPoint *summary_point(ReportSummary *s, unsigned hint, const ScnPointCount *p)
{
    if (hint < s->npoints && strcmp(s->points[hint].sum.name, p->name) == 0) {
        return &s->points[hint];
    }
    for (unsigned i = 0; i < s->npoints; i++) {
        if (strcmp(s->points[i].sum.name, p->name) == 0) {
            return &s->points[i];
        }
    }
    if (s->npoints >= SCN_MAX_POINTS) {
        return NULL;
    }
    s->points[s->npoints].sum = (ScnPointCount){ 0 };
    memcpy(s->points[s->npoints].sum.name, p->name, sizeof(p->name));
    memcpy(s->points[s->npoints].sum.template_, p->template_, sizeof(p->template_));
    return &s->points[s->npoints++];
}

int report_summary_add(ReportSummary *s, const ReportJob *job, const ReportOutcome *out)
{
    ReportSummaryRun *run = &s->runs[s->count];
    const ScnResult *r = &out->res;

    unsigned new_names = 0, new_points = 0;

    if (s->count >= REPORT_SUMMARY_RUNS || job->ninject == 0 ||
        job->ninject > SCN_MAX_INJECTS) {
        return -1;
    }
    /* Room first: a run that does not fit leaves s as it was. */
    for (unsigned i = 0; i < job->ninject; i++) {
        new_names += !summary_has_name(s, job->inject[i].point);
    }
    for (unsigned i = 0; i < r->npoints && i < SCN_MAX_POINTS; i++) {
        new_points += !summary_has_point(s, i, r->points[i].name);
    }
    if (s->nnames + new_names > SCN_MAX_POINTS || s->npoints + new_points > SCN_MAX_POINTS) {
        return -1;
    }
    *run = (ReportSummaryRun){ .ninject = job->ninject, .expect_failed = r->status == SCN_FAIL };
    s->expect_failed += run->expect_failed;
    for (unsigned i = 0; i < job->ninject; i++) {
        int k = summary_name(s, job->inject[i].point);

        if (k < 0) {
            return -1;
        }
        run->inject[i].point = (unsigned)k;
        run->inject[i].hit = job->inject[i].hit;
        run->inject[i].persistent = job->inject[i].persistent;
    }
    for (unsigned i = 0; i < r->npoints && i < SCN_MAX_POINTS; i++) {
        ReportSummaryPoint *p = summary_point(s, i, &r->points[i]);

        if (p == NULL) {
            return -1;
        }
        p->runs++;
        p->sum.hits += r->points[i].hits;
        p->sum.fires += r->points[i].fires;
        p->sum.handled += r->points[i].handled;
        p->sum.observed += r->points[i].observed;
    }
    for (int i = 0; i < SIM_PROBE__COUNT; i++) {
        s->probes[i] += r->probes[i];
        s->probe_runs[i] += r->probes[i] != 0;
    }
    s->seconds += out->seconds;
    s->count++;
    return 0;
}

/* ,"key":{NAME: COUNT...}: the probes whose count is not 0. */
static void write_probe_counts(FILE *f, const char *key, const uint64_t *v)
{
    bool first = true;

    fprintf(f, ",\"%s\":{", key);
    for (int i = 0; i < SIM_PROBE__COUNT; i++) {
        if (v[i] != 0) {
            fputs(first ? "" : ",", f);
            json_str(f, sim_probe_info[i].name);
            fprintf(f, ":%" PRIu64, v[i]);
            first = false;
        }
    }
    fputc('}', f);
}

void report_summary_write(FILE *f, const ReportSummary *s)
{
    fputs("{\"kind\":\"summary\",\"of\":\"sweep\",\"path\":", f);
    json_str(f, s->path);
    fprintf(f, ",\"seed\":%" PRIu64 ",\"seed_set\":%s,\"verdict\":\"pass\",\"count\":%u"
            ",\"names\":[", s->seed, s->seed_set ? "true" : "false", s->count);
    for (unsigned i = 0; i < s->nnames; i++) {
        fputs(i ? "," : "", f);
        json_str(f, s->names[i]);
    }
    fputs("],\"runs\":\"", f);
    for (unsigned i = 0; i < s->count; i++) {
        const ReportSummaryRun *run = &s->runs[i];

        for (unsigned k = 0; k < run->ninject; k++) {
            fprintf(f, "%s%u:%" PRIu64 "%s", k ? "+" : i ? "," : "", run->inject[k].point,
                    run->inject[k].hit, run->inject[k].persistent ? "p" : "");
        }
        if (run->expect_failed) {
            fputc('x', f);
        }
    }
    fprintf(f, "\",\"time\":%.6f", s->seconds);
    if (s->liveness) {
        fputs(",\"liveness\":true", f);
    }
    if (s->liveness && s->liveness_ticks != 0) {
        fprintf(f, ",\"liveness_ticks\":%" PRIu64, s->liveness_ticks);
    }
    write_impl(f);
    fputs(",\"points\":[", f);
    for (unsigned i = 0; i < s->npoints; i++) {
        const ScnPointCount *p = &s->points[i].sum;

        fputs(i ? ",{\"name\":" : "{\"name\":", f);
        json_str(f, p->name);
        fputs(",\"template\":", f);
        json_str(f, p->template_);
        fprintf(f, ",\"runs\":%" PRIu64 ",\"hits\":%" PRIu64 ",\"fires\":%" PRIu64
                ",\"handled\":%" PRIu64 ",\"observed\":%" PRIu64 "}", s->points[i].runs,
                p->hits, p->fires, p->handled, p->observed);
    }
    fputc(']', f);
    write_probe_counts(f, "probes", s->probes);
    write_probe_counts(f, "probe_runs", s->probe_runs);
    fputs("}\n", f);
}

void report_summary_job(const ReportSummary *s, unsigned i, ReportJob *job)
{
    const ReportSummaryRun *run = &s->runs[i];

    memset(job, 0, sizeof(*job));
    job->seed_set = s->seed_set;
    job->seed = s->seed;
    job->liveness = s->liveness;
    job->liveness_ticks = s->liveness_ticks;
    job->ninject = run->ninject;
    for (unsigned k = 0; k < run->ninject && k < SCN_MAX_INJECTS; k++) {
        memcpy(job->inject[k].point, s->names[run->inject[k].point], REPORT_POINT_MAX);
        job->inject[k].hit = run->inject[k].hit;
        job->inject[k].persistent = run->inject[k].persistent;
    }
}

typedef struct SummaryCtx {
    ReportSummary *s;
    uint32_t seen;
    char kind[16], of[16], verdict[16];
    uint64_t count;
} SummaryCtx;

enum { S_KIND, S_OF, S_PATH, S_SEED, S_VERDICT, S_COUNT, S_NAMES, S_RUNS, S_SEED_SET,
       S_TIME, S_LIVENESS, S_LIVENESS_TICKS, S_POINTS, S_PROBES, S_PROBE_RUNS, S_IMPL };

static int summary_names(Cur *c, ReportSummary *s)
{
    if (!eat(c, '[')) {
        return bad(c, "names: expected an array of point names");
    }
    if (eat(c, ']')) {
        return 0;
    }
    do {
        if (s->nnames >= SCN_MAX_POINTS) {
            return bad(c, "names: more points than a run has");
        }
        if (string(c, s->names[s->nnames], sizeof(s->names[0])) != 0) {
            return -1;
        }
        if (s->names[s->nnames++][0] == '\0') {
            return bad(c, "names: an empty name");
        }
    } while (eat(c, ','));
    return eat(c, ']') ? 0 : bad(c, "expected ',' or ']'");
}

/* A decimal number of the runs string into *v (at most max). */
static int runs_number(Cur *c, uint64_t max, uint64_t *v)
{
    size_t start = c->i;

    *v = 0;
    while (c->i < c->len && c->s[c->i] >= '0' && c->s[c->i] <= '9') {
        unsigned d = (unsigned)(c->s[c->i] - '0');

        if (*v > (max - d) / 10) {
            return bad(c, "runs: a number too large");
        }
        *v = *v * 10 + d;
        c->i++;
    }
    return c->i > start ? 0 : bad(c, "runs: expected a number");
}

/* "I:H[p][+I:H[p]]...,...": every run of the summary. */
static int summary_runs(Cur *c, ReportSummary *s)
{
    ws(c);
    if (c->i >= c->len || c->s[c->i] != '"') {
        return bad(c, "runs: expected a string");
    }
    c->i++;
    do {
        ReportSummaryRun *run;

        if (s->count >= REPORT_SUMMARY_RUNS) {
            return bad(c, "runs: more than a summary holds");
        }
        run = &s->runs[s->count++];
        do {
            uint64_t point, hit;

            if (run->ninject >= SCN_MAX_INJECTS) {
                return bad(c, "runs: more injections than a run takes");
            }
            if (runs_number(c, SCN_MAX_POINTS - 1, &point) != 0) {
                return -1;
            }
            if (c->i >= c->len || c->s[c->i++] != ':') {
                return bad(c, "runs: expected ':' after a point's index");
            }
            if (runs_number(c, INT64_MAX, &hit) != 0) {
                return -1;
            }
            if (hit == 0) {
                return bad(c, "runs: a hit counts from 1");
            }
            run->inject[run->ninject].point = (unsigned)point;
            run->inject[run->ninject].hit = hit;
            run->inject[run->ninject].persistent = c->i < c->len && c->s[c->i] == 'p';
            c->i += run->inject[run->ninject].persistent;
            run->ninject++;
        } while (c->i < c->len && c->s[c->i] == '+' && (c->i++, true));
        if (c->i < c->len && c->s[c->i] == 'x') {
            run->expect_failed = true;
            s->expect_failed++;
            c->i++;
        }
    } while (c->i < c->len && c->s[c->i] == ',' && (c->i++, true));
    if (c->i >= c->len || c->s[c->i] != '"') {
        return bad(c, "runs: expected ',', '+', 'p', 'x' or the end of the string");
    }
    c->i++;
    return 0;
}

static ScnPointCount *summary_point_at(void *ctx, unsigned i)
{
    return &((ReportSummary *)ctx)->points[i].sum;
}

static uint64_t *summary_point_runs(void *ctx, unsigned i)
{
    return &((ReportSummary *)ctx)->points[i].runs;
}

static int summary_points(Cur *c, ReportSummary *s)
{
    return point_array(c, summary_point_at, summary_point_runs, s, &s->npoints);
}

static int summary_key(Cur *c, const char *key, void *ctx)
{
    static const char *const names[] = {
        "kind", "of", "path", "seed", "verdict", "count", "names", "runs", "seed_set", "time",
        "liveness", "liveness_ticks", "points", "probes", "probe_runs", "impl", NULL,
    };
    SummaryCtx *x = ctx;
    ReportSummary *s = x->s;

    switch (key_index(c, names, key, &x->seen)) {
    case -2: return -1;
    case -1: return 1;
    case S_KIND: return string(c, x->kind, sizeof(x->kind));
    case S_OF: return string(c, x->of, sizeof(x->of));
    case S_PATH: return string(c, s->path, sizeof(s->path));
    case S_SEED: return u64(c, UINT64_MAX, &s->seed);
    case S_VERDICT: return string(c, x->verdict, sizeof(x->verdict));
    case S_COUNT: return u64(c, REPORT_SUMMARY_RUNS, &x->count);
    case S_NAMES: return summary_names(c, s);
    case S_RUNS: return summary_runs(c, s);
    case S_SEED_SET: return boolean(c, &s->seed_set);
    case S_TIME: return seconds(c, &s->seconds);
    case S_LIVENESS: return boolean(c, &s->liveness);
    case S_LIVENESS_TICKS: return u64(c, UINT64_MAX, &s->liveness_ticks);
    case S_POINTS: return summary_points(c, s);
    case S_PROBES: return probes(c, s->probes);
    case S_PROBE_RUNS: return probes(c, s->probe_runs);
    default: return impl_object(c, &s->impl);
    }
}

/* What a summary must be: of passing sweep runs, its count its runs', each
 * run's first injection at names[0], every index a name. */
static int summary_whole(Cur *c, SummaryCtx *x)
{
    const ReportSummary *s = x->s;
    uint32_t need = (1u << S_KIND) | (1u << S_OF) | (1u << S_PATH) | (1u << S_SEED) |
                    (1u << S_VERDICT) | (1u << S_COUNT) | (1u << S_NAMES) | (1u << S_RUNS);

    if ((x->seen & need) != need) {
        return bad(c, "a summary needs of, path, seed, verdict, count, names and runs");
    }
    if (strcmp(x->of, "sweep") != 0) {
        return bad(c, "of: a summary is of sweep runs");
    }
    if (strcmp(x->verdict, "pass") != 0) {
        return bad(c, "verdict: a summary holds passing runs only");
    }
    if (s->path[0] == '\0') {
        return bad(c, "an empty path");
    }
    if (x->count != s->count || s->count == 0) {
        return bad(c, "count: not the number of its runs");
    }
    for (unsigned i = 0; i < s->count; i++) {
        const ReportSummaryRun *run = &s->runs[i];

        if (run->inject[0].point != 0) {
            return bad(c, "runs: each run's first injection is at names[0]");
        }
        for (unsigned k = 0; k < run->ninject; k++) {
            if (run->inject[k].point >= s->nnames) {
                return bad(c, "runs: a point's index past names");
            }
        }
    }
    return 0;
}

int report_summary_parse(const char *text, size_t len, const char *file, unsigned long line,
                         ReportSummary *s, char *err, size_t errlen)
{
    Cur c = { .s = text, .len = len };
    SummaryCtx x = { .s = s };

    memset(s, 0, sizeof(*s));
    if (object(&c, summary_key, &x) == 0 && summary_whole(&c, &x) == 0) {
        ws(&c);
        if (c.i != c.len) {
            bad(&c, "text after the summary");
        }
    } else if (c.why == NULL) {
        bad(&c, "not a summary");
    }
    if (c.why != NULL) {
        return line_error(&c, file, line, err, errlen);
    }
    s->has_impl = (x.seen & (1u << S_IMPL)) != 0;
    return 0;
}
