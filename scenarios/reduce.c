/* reduce.c: shrinking a failing scenario (reduce.h): the text as a list of
 * operation lines, each as its tokens (op, then key=value, quotes kept);
 * ddmin over the lines (Zeller and Hildebrandt's delta debugging: chunks,
 * then their complements, at finer and finer granularity); then each
 * argument left out and each number made smaller; then single lines again.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reduce.h"
#include "scn.h"

#define MAX_TOKENS (1 + SCN_MAX_ARGS)

typedef struct Reducer {
    char **line;                /* the current lines, normalized (owned) */
    size_t n;
    ScnReduceTest *test;
    void *ctx;
    ScnReduceStats *st;
    char *buf;                  /* a candidate's text */
    size_t cap;
    bool oom;
    ScnReduceFirst *first;      /* several candidates at once, or NULL */
    size_t width;               /* how many at most */
    size_t g, top;              /* the pass under way: ddmin's granularity, single lines' first */
    bool subsets;               /* ddmin's chunks tried alone too */
} Reducer;

#define NONE SIZE_MAX

/* The lines of a pass's candidate i into set: how many, or NONE when the
 * pass has no candidate i (past its end, or one it skips). */
typedef size_t CandFn(Reducer *r, size_t i, char **set);

/* ---- lines ---------------------------------------------------------------------- */

/* The tokens of one line (blanks apart, quoted strings whole, a comment
 * outside quotes ends it), into tok[]; how many, at most MAX_TOKENS. */
static size_t tokens(const char *s, size_t len, const char **tok, size_t *tlen)
{
    size_t i = 0, n = 0;

    while (i < len && n < MAX_TOKENS) {
        size_t start;
        bool quoted = false;

        while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r')) {
            i++;
        }
        if (i == len || s[i] == '#') {
            break;
        }
        start = i;
        while (i < len && (quoted || (s[i] != ' ' && s[i] != '\t' && s[i] != '#'))) {
            if (s[i] == '\\' && quoted && i + 1 < len) {
                i++;
            } else if (s[i] == '"') {
                quoted = !quoted;
            }
            i++;
        }
        tok[n] = s + start;
        tlen[n++] = i - start;
    }
    return n;
}

/* Line s (len bytes) with its tokens joined by one blank; NULL for a
 * blank or comment line (and *oom when out of memory). */
static char *normalize(const char *s, size_t len, bool *oom)
{
    const char *tok[MAX_TOKENS];
    size_t tlen[MAX_TOKENS], n = tokens(s, len, tok, tlen), out = 0;
    char *line;

    if (n == 0) {
        return NULL;
    }
    line = malloc(len + 1);
    if (line == NULL) {
        *oom = true;
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        if (i > 0) {
            line[out++] = ' ';
        }
        memcpy(line + out, tok[i], tlen[i]);
        out += tlen[i];
    }
    line[out] = '\0';
    return line;
}

static bool split(Reducer *r, const char *text, size_t len)
{
    size_t start = 0;

    r->line = calloc(len / 2 + 2, sizeof(*r->line));
    if (r->line == NULL) {
        return false;
    }
    for (size_t i = 0; i <= len; i++) {
        if (i == len || text[i] == '\n') {
            char *l = normalize(text + start, i - start, &r->oom);

            if (l != NULL) {
                r->line[r->n++] = l;
            }
            start = i + 1;
        }
    }
    r->cap = len + r->n + 1;
    r->buf = malloc(r->cap);
    return !r->oom && r->buf != NULL;
}

/* The lines of set (n of them), one a line, in r->buf; its length. */
static size_t join(Reducer *r, char *const *set, size_t n)
{
    size_t len = 0;

    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(set[i]);

        if (len + l + 2 > r->cap) {
            char *grown = realloc(r->buf, 2 * (len + l + 2));

            if (grown == NULL) {
                r->oom = true;
                return 0;
            }
            r->buf = grown;
            r->cap = 2 * (len + l + 2);
        }
        memcpy(r->buf + len, set[i], l);
        len += l;
        r->buf[len++] = '\n';
    }
    r->buf[len] = '\0';
    return len;
}

static bool try_set(Reducer *r, char *const *set, size_t n)
{
    size_t len;

    if (r->oom || r->st->tests >= SCN_REDUCE_MAX_TESTS) {
        r->st->capped = r->st->capped || !r->oom;
        return false;
    }
    len = join(r, set, n);
    r->st->tests++;
    return !r->oom && r->test(r->ctx, r->buf, len);
}

/* The lines of set (n of them) as a text of its own (malloc'd): *len. */
static char *join_dup(Reducer *r, char *const *set, size_t n, size_t *len)
{
    char *text;

    *len = join(r, set, n);
    if (r->oom || (text = malloc(*len + 1)) == NULL) {
        r->oom = true;
        return NULL;
    }
    memcpy(text, r->buf, *len + 1);
    return text;
}

/* Candidates from..count-1 of the pass, width at a time through first():
 * the index of the first that still fails, its lines in set (*m of them),
 * or NONE.  The tests counted are those a search one at a time makes. */
static size_t first_wide(Reducer *r, CandFn *cand, size_t from, size_t count, char **set,
                         size_t *m)
{
    size_t idx[64], len[64];
    char *text[64];

    while (from < count && !r->oom) {
        size_t b = 0, hit;

        if (r->st->tests >= SCN_REDUCE_MAX_TESTS) {
            r->st->capped = true;
            return NONE;
        }
        for (; from < count && b < r->width && b < 64 &&
               r->st->tests + b < SCN_REDUCE_MAX_TESTS; from++) {
            size_t k = cand(r, from, set);

            if (k != NONE && (text[b] = join_dup(r, set, k, &len[b])) != NULL) {
                idx[b++] = from;
            }
        }
        hit = b != 0 && !r->oom ? r->first(r->ctx, (const char *const *)text, len, b) : b;
        for (size_t i = 0; i < b; i++) {
            free(text[i]);
        }
        if (hit < b) {
            r->st->tests += (unsigned)hit + 1;
            *m = cand(r, idx[hit], set);
            return idx[hit];
        }
        r->st->tests += (unsigned)b;
    }
    return NONE;
}

/* The first candidate from `from` on that still fails (in the pass's
 * order), its lines in set (*m of them); NONE when none does, or the cap
 * or memory stopped the search. */
static size_t first_failing(Reducer *r, CandFn *cand, size_t from, size_t count, char **set,
                            size_t *m)
{
    if (r->first != NULL && r->width > 1) {
        return first_wide(r, cand, from, count, set, m);
    }
    for (size_t i = from; i < count; i++) {
        size_t k = cand(r, i, set);

        if (k != NONE && try_set(r, set, k)) {
            *m = k;
            return i;
        }
    }
    return NONE;
}

/* ---- ddmin over lines --------------------------------------------------------------- */

/* Keep only set (n lines, pointers into r->line), in order: the others
 * are freed. */
static void keep_only(Reducer *r, char **set, size_t n)
{
    size_t k = 0;

    for (size_t i = 0; i < r->n; i++) {
        if (k < n && r->line[i] == set[k]) {
            r->line[k++] = r->line[i];
        } else {
            free(r->line[i]);
        }
    }
    r->n = k;
}

/* Candidate i of a pass at granularity r->g: chunk i / 2 alone (i even,
 * when r->subsets) or the rest without it (i odd). */
static size_t ddmin_cand(Reducer *r, size_t i, char **set)
{
    size_t c = i / 2, lo = c * r->n / r->g, hi = (c + 1) * r->n / r->g, m = 0;

    if (hi == lo || (i % 2 == 0 && !r->subsets)) {
        return NONE;
    }
    if (i % 2 == 0) {
        memcpy(set, r->line + lo, (hi - lo) * sizeof(*set));
        return hi - lo;
    }
    for (size_t k = 0; k < r->n; k++) {
        if (k < lo || k >= hi) {
            set[m++] = r->line[k];
        }
    }
    return m;
}

/* One pass at granularity g: a chunk alone, or the rest without it, that
 * still fails.  true when the lines were reduced. */
static bool ddmin_pass(Reducer *r, char **tmp, size_t g, bool subsets)
{
    size_t m = 0;

    r->g = g;
    r->subsets = subsets;
    if (first_failing(r, ddmin_cand, 0, 2 * g, tmp, &m) == NONE) {
        return false;
    }
    keep_only(r, tmp, m);
    return true;
}

static void ddmin(Reducer *r)
{
    char **tmp = malloc((r->n + 1) * sizeof(*tmp));
    size_t g = 2;

    if (tmp == NULL) {
        r->oom = true;
        return;
    }
    while (r->n >= 2 && !r->oom && !r->st->capped) {
        if (ddmin_pass(r, tmp, g, g > 2 || r->n <= 2)) {
            g = g > 3 ? g - 1 : 2;
        } else if (g >= r->n) {
            break;
        } else {
            g = 2 * g < r->n ? 2 * g : r->n;
        }
    }
    /* A single line left may still go (a failure of the empty script). */
    if (r->n == 1 && try_set(r, NULL, 0)) {
        keep_only(r, NULL, 0);
    }
    free(tmp);
}

/* ---- arguments ------------------------------------------------------------------------ */

/* Line i replaced by `cand` if the script still fails; true then. */
static bool try_line(Reducer *r, size_t i, char *cand)
{
    char *old = r->line[i];

    r->line[i] = cand;
    if (try_set(r, r->line, r->n)) {
        free(old);
        return true;
    }
    r->line[i] = old;
    free(cand);
    return false;
}

/* Line i without token t (t >= 1), or with token t's value `value`. */
static char *edit(const char *line, size_t t, const char *value)
{
    const char *tok[MAX_TOKENS];
    size_t tlen[MAX_TOKENS], n = tokens(line, strlen(line), tok, tlen);
    char *out = malloc(strlen(line) + 32);
    size_t len = 0;

    for (size_t i = 0; out != NULL && i < n; i++) {
        const char *eq = memchr(tok[i], '=', tlen[i]);

        if (i == t && value == NULL) {
            continue;
        }
        len += (size_t)sprintf(out + len, "%s", len ? " " : "");
        if (i == t && eq != NULL) {
            len += (size_t)sprintf(out + len, "%.*s=%s", (int)(eq - tok[i]), tok[i], value);
        } else {
            memcpy(out + len, tok[i], tlen[i]);
            len += tlen[i];
        }
        out[len] = '\0';
    }
    return out;
}

/* A decimal value of token t: smaller candidates, 0 and 1 first. */
static bool shrink_number(Reducer *r, size_t i, size_t t, const char *v, size_t vlen)
{
    char digits[24], *end;
    unsigned long long x;

    if (vlen == 0 || vlen >= sizeof(digits) || strspn(v, "0123456789") < vlen) {
        return false;
    }
    memcpy(digits, v, vlen);
    digits[vlen] = '\0';
    x = strtoull(digits, &end, 10);
    for (int k = 0; k < 3; k++) {
        unsigned long long y = k == 0 ? 0 : k == 1 ? 1 : x / 2;
        char value[24];
        char *cand;

        if (y >= x || (k == 2 && y <= 1)) {
            continue;
        }
        snprintf(value, sizeof(value), "%llu", y);
        if ((cand = edit(r->line[i], t, value)) == NULL) {
            r->oom = true;
            return false;
        }
        if (try_line(r, i, cand)) {
            r->st->numbers_shrunk++;
            return true;
        }
    }
    return false;
}

/* Every argument of every line: left out, or its number smaller.  true
 * when something changed. */
static bool arguments(Reducer *r)
{
    bool changed = false;

    for (size_t i = 0; i < r->n && !r->oom && !r->st->capped; i++) {
        const char *tok[MAX_TOKENS];
        size_t tlen[MAX_TOKENS], n = tokens(r->line[i], strlen(r->line[i]), tok, tlen);

        for (size_t t = n; t-- > 1;) {
            const char *eq = memchr(tok[t], '=', tlen[t]);
            char *cand = edit(r->line[i], t, NULL);

            if (cand == NULL) {
                r->oom = true;
                return changed;
            }
            if (try_line(r, i, cand)) {
                r->st->args_dropped++;
                changed = true;
            } else if (eq != NULL &&
                       shrink_number(r, i, t, eq + 1, tlen[t] - (size_t)(eq + 1 - tok[t]))) {
                changed = true;
            }
            n = tokens(r->line[i], strlen(r->line[i]), tok, tlen);
            t = t < n ? t : n;
        }
    }
    return changed;
}

/* Candidate i of single lines: all but line r->top - i. */
static size_t single_cand(Reducer *r, size_t i, char **set)
{
    size_t m = 0;

    for (size_t j = 0; j < r->n; j++) {
        if (j != r->top - i) {
            set[m++] = r->line[j];
        }
    }
    return m;
}

/* Single lines out, last first, until none can go: 1-minimal. */
static bool single_lines(Reducer *r)
{
    char **tmp = malloc((r->n + 1) * sizeof(*tmp));
    bool changed = false;
    size_t i = r->n;            /* the lines below i are still to try */

    while (tmp != NULL && i > 0 && !r->st->capped) {
        size_t k, m = 0;

        r->top = i - 1;
        if ((k = first_failing(r, single_cand, 0, i, tmp, &m)) == NONE) {
            break;
        }
        keep_only(r, tmp, m);
        changed = true;
        i = r->top - k;         /* line top - k went: the one below it next */
    }
    r->oom = r->oom || tmp == NULL;
    free(tmp);
    return changed;
}

char *scn_reduce(const char *text, size_t len, ScnReduceTest *test, void *ctx,
                 ScnReduceStats *stats)
{
    return scn_reduce_wide(text, len, test, NULL, 1, ctx, stats);
}

char *scn_reduce_wide(const char *text, size_t len, ScnReduceTest *test, ScnReduceFirst *first,
                      size_t width, void *ctx, ScnReduceStats *stats)
{
    Reducer r = { .test = test, .ctx = ctx, .st = stats, .first = first, .width = width };
    char *out = NULL;
    bool changed = true;

    memset(stats, 0, sizeof(*stats));
    if (split(&r, text, len)) {
        stats->lines_before = (unsigned)r.n;
        ddmin(&r);
        while (changed && !r.oom && !stats->capped) {
            changed = arguments(&r);
            changed = single_lines(&r) || changed;
        }
        stats->lines_after = (unsigned)r.n;
        if (!r.oom && join(&r, r.line, r.n) <= r.cap && !r.oom) {
            out = strdup(r.buf);
        }
    }
    for (size_t i = 0; i < r.n; i++) {
        free(r.line[i]);
    }
    free(r.line);
    free(r.buf);
    return out;
}
