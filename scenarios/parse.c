/* parse.c: scenario text to script (scn.h, FORMAT.md): the lexer, typed
 * values, and the name checks (states, registries, disks, nodes, fault
 * points) done in file order; every error of a file, each with the known
 * word it looks like.  The language's tables are lang.c's, the script's
 * memory ast.c's; runs nothing.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster.h"
#include "impl.h"
#include "replication.h"
#include "scn_ast.h"

typedef ScnKeySpec KeySpec;

/* ---- errors ------------------------------------------------------------ */

typedef struct Parser {
    ScnErrors *errs;            /* NULL: errors only counted */
    unsigned nerrors;           /* found */
    ScnError *last;             /* the error just kept, for its hint; NULL
                                   when it was not kept (past the limit, or
                                   muted) */
    bool mute;                  /* a line's second look: no error counts */
    bool stop;                  /* an error that ends the file was said */
    ScnScript *s;
    unsigned line;
} Parser;

/* Append fmt to e's message; bytes of the file it quotes that are control
 * bytes (ESC, BEL, ...; the formats have none) are shown as \xNN, never
 * sent to a terminal.  Cut at the message's size. */
static void say(ScnError *e, const char *fmt, va_list ap)
{
    char raw[sizeof(e->message)];
    size_t n = strlen(e->message);

    vsnprintf(raw, sizeof(raw), fmt, ap);
    for (const char *c = raw; *c != '\0' && n + 5 <= sizeof(e->message); c++) {
        unsigned char b = (unsigned char)*c;

        if (b < 0x20 || b == 0x7f) {
            n += (size_t)snprintf(e->message + n, 5, "\\x%02x", b);
        } else {
            e->message[n++] = *c;
        }
    }
    e->message[n] = '\0';
}

static int perr(Parser *p, unsigned col, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* An error at col of the current line: counted, and kept while there is
 * room (only then is its message formatted: a file of garbage costs no
 * more than SCN_MAX_ERRORS messages).  Returns -EINVAL. */
static int perr(Parser *p, unsigned col, const char *fmt, ...)
{
    va_list ap;

    p->last = NULL;
    if (p->mute) {
        return -EINVAL;
    }
    p->nerrors++;
    if (p->errs == NULL) {
        return -EINVAL;
    }
    p->errs->total = p->nerrors;
    if (p->errs->n == SCN_MAX_ERRORS) {
        return -EINVAL;
    }
    p->last = &p->errs->e[p->errs->n++];
    p->last->line = p->line;
    p->last->col = col;
    p->last->message[0] = '\0';
    va_start(ap, fmt);
    say(p->last, fmt, ap);
    va_end(ap);
    return -EINVAL;
}

/* An error that ends the file: nothing after it is read. */
static int stop(Parser *p)
{
    p->stop = true;
    return -EINVAL;
}

static void hint(Parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* More words for the error just kept (nothing when it was not). */
static void hint(Parser *p, const char *fmt, ...)
{
    va_list ap;

    if (p->last != NULL) {
        va_start(ap, fmt);
        say(p->last, fmt, ap);
        va_end(ap);
    }
}

/* Is the error just made kept, so that a hint is worth looking for? */
static bool hinting(const Parser *p)
{
    return p->last != NULL;
}

size_t scn_errors_format(const ScnErrors *errs, const char *file, char *buf, size_t len)
{
    size_t n = 0, room = strlen(file) + sizeof("\n: ... and 4294967295 more errors");
    unsigned shown = 0;

    buf[0] = '\0';
    for (; shown < errs->n; shown++) {
        const ScnError *e = &errs->e[shown];
        int w = snprintf(NULL, 0, "%s%s:%u:%u: %s", n ? "\n" : "", file, e->line, e->col,
                         e->message);
        bool last = shown + 1 == errs->n && errs->total == errs->n;

        if (w < 0 || n + (size_t)w + (last ? 0 : room) >= len) {
            break;
        }
        n += (size_t)snprintf(buf + n, len - n, "%s%s:%u:%u: %s", n ? "\n" : "", file,
                              e->line, e->col, e->message);
    }
    if (shown < errs->total) {
        int w = snprintf(buf + n, len - n, "%s%s: ... and %u more error%s", n ? "\n" : "",
                         file, errs->total - shown, errs->total - shown == 1 ? "" : "s");

        n = w < 0 ? n : n + (size_t)w < len ? n + (size_t)w : len - 1;
    }
    return n;
}

/* ---- did you mean -------------------------------------------------------- */

#define NEAR_MAX 64             /* longest word a near one is looked for */
#define NEAR_EDITS 3            /* most edits of a near word */
#define NEAR_POINT_EDITS 2      /* of a fault point: 3 would make another
                                   node's or disk's point near ("pri"/"sec") */

/* The known word nearest to a word not known, if one is near enough: at
 * most (len + 2) / 3 edits (insert, delete, change a byte, swap two
 * neighbours; ASCII case ignored), never more than NEAR_EDITS, and fewer
 * than its length. */
typedef struct Near {
    const char *word;
    size_t len;
    unsigned best;              /* edits of pick; above the limit: none */
    const char *pick;
    size_t pick_len;
} Near;

static void near_init(Near *n, const char *word, size_t len)
{
    size_t limit = (len + 2) / 3 < len ? (len + 2) / 3 : len - 1;

    limit = limit < NEAR_EDITS ? limit : NEAR_EDITS;
    *n = (Near){ .word = word, .len = len,
                 .best = len == 0 || len > NEAR_MAX ? 0 : (unsigned)limit + 1 };
}

static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static unsigned min2(unsigned a, unsigned b)
{
    return a < b ? a : b;
}

/* Edits from a[0..n) to b[0..m) (optimal string alignment), n, m <= NEAR_MAX;
 * any number above `most` once it is sure to be (a row's least is). */
static unsigned edits(const char *a, size_t n, const char *b, size_t m, unsigned most)
{
    unsigned d[3][NEAR_MAX + 1];

    for (size_t j = 0; j <= m; j++) {
        d[0][j] = (unsigned)j;
    }
    for (size_t i = 1; i <= n; i++) {
        unsigned *cur = d[i % 3], *up = d[(i - 1) % 3], *up2 = d[(i + 1) % 3];
        unsigned least = cur[0] = (unsigned)i;

        for (size_t j = 1; j <= m; j++) {
            unsigned v = min2(min2(up[j], cur[j - 1]) + 1,
                              up[j - 1] + (lower(a[i - 1]) != lower(b[j - 1])));

            if (i > 1 && j > 1 && lower(a[i - 1]) == lower(b[j - 2]) &&
                lower(a[i - 2]) == lower(b[j - 1])) {
                v = min2(v, up2[j - 2] + 1);
            }
            cur[j] = v;
            least = min2(least, v);
        }
        if (least > most) {
            return least;
        }
    }
    return d[n % 3][m];
}

/* One known word, cand[0..m): kept when nearer than any before it. */
static void near_try(Near *n, const char *cand, size_t m)
{
    size_t gap = m > n->len ? m - n->len : n->len - m;
    unsigned d;

    if (n->best == 0 || m > NEAR_MAX || gap >= n->best) {
        return;
    }
    d = edits(n->word, n->len, cand, m, n->best - 1);
    if (d < n->best && !(d == 0 && m == n->len && !memcmp(cand, n->word, m))) {
        n->best = d;
        n->pick = cand;
        n->pick_len = m;
    }
}

static void near_words(Near *n, const char *const *words)
{
    for (size_t i = 0; words[i] != NULL; i++) {
        near_try(n, words[i], strlen(words[i]));
    }
}

/* "; did you mean 'x'?" for the error just kept, when a word is near. */
static void hint_near(Parser *p, const Near *n)
{
    if (n->pick != NULL) {
        hint(p, "; did you mean '%.*s'?", (int)n->pick_len, n->pick);
    }
}

/* The same, over a list of words. */
static void hint_words(Parser *p, const char *word, const char *const *words)
{
    Near n;

    if (hinting(p)) {
        near_init(&n, word, strlen(word));
        near_words(&n, words);
        hint_near(p, &n);
    }
}

/* ---- the lexer ------------------------------------------------------------ */

typedef struct Token {
    char text[SCN_MAX_TEXT + 1];
    unsigned col;
    bool quoted;
} Token;

static bool is_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '_';
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

/* A quoted string at line[*i] (the opening quote). */
static int lex_quoted(Parser *p, const char *line, size_t len, size_t *i, Token *t)
{
    size_t n = 0;
    unsigned start = (unsigned)*i + 1;

    for ((*i)++; *i < len && line[*i] != '"'; (*i)++) {
        char c = line[*i];

        if (c == '\\') {
            char e = *i + 1 < len ? line[*i + 1] : '\0';
            int hi, lo;

            if (e == '"' || e == '\\') {
                c = e;
            } else if (e == 'n' || e == 't') {
                c = e == 'n' ? '\n' : '\t';
            } else if (e == 'x' && *i + 3 < len && (hi = hexval(line[*i + 2])) >= 0 &&
                       (lo = hexval(line[*i + 3])) >= 0) {
                if ((hi | lo) == 0) {
                    return perr(p, (unsigned)*i + 1, "'\\x00' is not allowed: no NUL bytes");
                }
                c = (char)(hi * 16 + lo);
                *i += 2;
            } else {
                return perr(p, (unsigned)*i + 1, "bad escape '\\%c'", e ? e : ' ');
            }
            (*i)++;
        }
        if (n == SCN_MAX_TEXT) {
            return perr(p, start, "string longer than %d bytes", SCN_MAX_TEXT);
        }
        t->text[n++] = c;
    }
    if (*i >= len) {
        return perr(p, start, "unterminated string");
    }
    (*i)++;
    t->text[n] = '\0';
    t->quoted = true;
    return 0;
}

/* A bare word: up to a blank, '=', '#' or the end. */
static int lex_bare(Parser *p, const char *line, size_t len, size_t *i, Token *t)
{
    size_t n = 0;

    while (*i < len && !strchr(" \t=#", line[*i])) {
        if (line[*i] == '"') {
            return perr(p, (unsigned)*i + 1, "unexpected '\"' inside a word");
        }
        if (n == SCN_MAX_TEXT) {
            return perr(p, t->col, "word longer than %d bytes", SCN_MAX_TEXT);
        }
        t->text[n++] = line[(*i)++];
    }
    t->text[n] = '\0';
    t->quoted = false;
    return 0;
}

static void skip_blanks(const char *line, size_t len, size_t *i)
{
    while (*i < len && (line[*i] == ' ' || line[*i] == '\t')) {
        (*i)++;
    }
}

/* ---- values ------------------------------------------------------------- */

static int parse_int(const char *s, bool negative_ok, int64_t *out)
{
    bool neg = negative_ok && *s == '-';
    const char *d = s + neg;
    int base = (d[0] == '0' && (d[1] == 'x' || d[1] == 'X')) ? 16 : 10;
    uint64_t v = 0;

    d += base == 16 ? 2 : 0;
    if (*d == '\0') {
        return -EINVAL;
    }
    for (; *d; d++) {
        int x = base == 16 ? hexval(*d) : (*d >= '0' && *d <= '9' ? *d - '0' : -1);

        if (x < 0) {
            return -EINVAL;
        }
        if (v > (UINT64_MAX - (uint64_t)x) / (uint64_t)base) {
            return -ERANGE;
        }
        v = v * (uint64_t)base + (uint64_t)x;
    }
    if (v > (uint64_t)INT64_MAX) {
        return -ERANGE;
    }
    *out = neg ? -(int64_t)v : (int64_t)v;
    return 0;
}

static int parse_u64(const char *s, int64_t *out)
{
    uint64_t v = 0;

    if (strncmp(s, "0x", 2) != 0 || s[2] == '\0' || strlen(s) > 18) {
        return -EINVAL;
    }
    for (s += 2; *s; s++) {
        int x = hexval(*s);

        if (x < 0) {
            return -EINVAL;
        }
        v = v * 16 + (uint64_t)x;
    }
    memcpy(out, &v, sizeof(v));
    return 0;
}

/* "0.25" (at most 6 places) or "N/1000000", in millionths. */
static int parse_frac(const char *s, int64_t *out, uint8_t *places)
{
    const char *slash = strchr(s, '/');
    int64_t whole = 0, part = 0, scale = 100000;
    const char *d;

    if (slash != NULL) {
        char num[32];

        if (strcmp(slash, "/1000000") || (size_t)(slash - s) >= sizeof(num)) {
            return -EINVAL;
        }
        memcpy(num, s, (size_t)(slash - s));
        num[slash - s] = '\0';
        if (parse_int(num, false, &whole) < 0 || whole > 1000000) {
            return -EINVAL;
        }
        *out = whole;
        return 0;
    }
    if (s[0] != '0' && s[0] != '1') {
        return -EINVAL;
    }
    whole = s[0] - '0';
    d = s + 1;
    if (*d == '.') {
        for (d++; *d && scale > 0; d++, scale /= 10) {
            if (*d < '0' || *d > '9') {
                return -EINVAL;
            }
            part += (*d - '0') * scale;
            (*places)++;
        }
        if (*d != '\0' || d[-1] == '.') {
            return -EINVAL;
        }
    } else if (*d != '\0') {
        return -EINVAL;
    }
    if (whole * 1000000 + part > 1000000) {
        return -EINVAL;
    }
    *out = whole * 1000000 + part;
    return 0;
}

/* The index of s[0..len) in words, or -1. */
static int word_index(const char *const *words, const char *s, size_t len)
{
    for (int i = 0; words[i] != NULL; i++) {
        if (!strncmp(words[i], s, len) && words[i][len] == '\0') {
            return i;
        }
    }
    return -1;
}

/* ", "-joined, cut at len. */
static size_t add_word(char *buf, size_t len, size_t n, const char *word)
{
    int w = n < len ? snprintf(buf + n, len - n, "%s%s", n ? ", " : "", word) : 0;

    return w < 0 ? n : n + (size_t)w < len ? n + (size_t)w : len;
}

static void list_words(const char *const *words, char *buf, size_t len)
{
    size_t n = 0;

    buf[0] = '\0';
    for (int i = 0; words[i] != NULL; i++) {
        n = add_word(buf, len, n, words[i]);
    }
}

static bool valid_name(const char *s)
{
    size_t n = strlen(s);

    if (n == 0 || n > SCN_MAX_NAME) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (!is_name_char(s[i]) && s[i] != '-') {
            return false;
        }
    }
    return true;
}

/* "a+b+c" over `words` (ops=, do=): each item's index into idx, at most
 * max of them.  0; or -EINVAL, with *bad at the item that is no word (NULL
 * when the list itself is wrong: an empty item, or too many). */
static int plus_words(const char *s, const char *const *words, uint8_t *idx, unsigned max,
                      unsigned *n, const char **bad)
{
    *n = 0;
    *bad = NULL;
    for (const char *w = s;; w++) {
        size_t len = strcspn(w, "+");
        int i = word_index(words, w, len);

        if (len == 0 || *n == max) {
            return -EINVAL;
        }
        if (i < 0) {
            *bad = w;
            return -EINVAL;
        }
        idx[(*n)++] = (uint8_t)i;
        w += len;
        if (*w == '\0') {
            return 0;
        }
    }
}

/* ops=all|none|start+stop...: each member once. */
static int parse_ops(const char *s, const char *const *members, int64_t *bits,
                     const char **bad)
{
    uint8_t idx[SCN_MAX_ACTIONS];
    unsigned n;

    *bits = 0;
    *bad = NULL;
    if (!strcmp(s, "all") || !strcmp(s, "none")) {
        *bits = !strcmp(s, "all") ? 15 : 0;
        return 0;
    }
    if (plus_words(s, members, idx, SCN_MAX_ACTIONS, &n, bad) < 0) {
        return -EINVAL;
    }
    for (unsigned i = 0; i < n; i++) {
        if (*bits & (1 << idx[i])) {
            return -EINVAL;
        }
        *bits |= 1 << idx[i];
    }
    return 0;
}

/* "; did you mean 'a+b'?": the list with its bad item (at bad) made the
 * nearest word, when one is near. */
static void hint_plus(Parser *p, const char *list, const char *bad, const char *const *words)
{
    size_t len = strcspn(bad, "+");
    char item[NEAR_MAX + 1];
    Near n;

    if (!hinting(p) || len > NEAR_MAX) {
        return;
    }
    memcpy(item, bad, len);
    item[len] = '\0';
    near_init(&n, item, len);
    near_words(&n, words);
    if (n.pick != NULL) {
        hint(p, "; did you mean '%.*s%.*s%s'?", (int)(bad - list), list, (int)n.pick_len,
             n.pick, bad + len);
    }
}

static int bad_value(Parser *p, const Token *t, ScnKey key, const char *why)
{
    return perr(p, t->col, "bad value '%s' for '%s': %s", t->text, scn_key_name(key), why);
}

static int value_range(Parser *p, const Token *t, const KeySpec *k, ScnValue *v)
{
    int rc = parse_int(t->text, k->type == T_SINT, &v->i);

    if (rc == -ERANGE) {
        return bad_value(p, t, k->key, "too large");
    }
    if (rc < 0) {
        return bad_value(p, t, k->key, "expected an integer");
    }
    if (v->i < k->min || v->i > k->max) {
        char why[80];

        snprintf(why, sizeof(why), "must be %lld..%lld", (long long)k->min,
                 (long long)k->max);
        return bad_value(p, t, k->key, why);
    }
    return 0;
}

/* A word of a list (T_ENUM, T_WALK): its index, or an error that lists
 * them and names the nearest. */
static int one_of(Parser *p, const Token *t, ScnKey key, const char *const *words, int64_t *i)
{
    char list[160];

    *i = word_index(words, t->text, strlen(t->text));
    if (*i >= 0) {
        return 0;
    }
    list_words(words, list, sizeof(list));
    perr(p, t->col, "bad value '%s' for '%s': expected one of %s", t->text,
         scn_key_name(key), list);
    hint_words(p, t->text, words);
    return -EINVAL;
}

/* ops= and do=: words joined by '+'. */
static int plus_value(Parser *p, const Token *t, const KeySpec *k, ScnValue *v)
{
    char list[160], why[200];
    const char *bad;
    unsigned n;
    int rc;

    if (k->type == T_OPS) {
        rc = parse_ops(t->text, k->words, &v->i, &bad);
        snprintf(why, sizeof(why), "expected all, none, or members joined by '+'");
    } else {
        rc = plus_words(t->text, k->words, v->list, SCN_MAX_ACTIONS, &n, &bad);
        v->nlist = (uint8_t)n;
        list_words(k->words, list, sizeof(list));
        snprintf(why, sizeof(why), "expected actions joined by '+' (%s)", list);
    }
    if (rc < 0) {
        bad_value(p, t, k->key, why);
        if (bad != NULL) {
            hint_plus(p, t->text, bad, k->words);
        }
    }
    return rc;
}

static int typed_value(Parser *p, const Token *t, const KeySpec *k, ScnValue *v)
{
    static const char *const bools[] = { "false", "true", NULL };

    v->col = t->col;
    switch (k->type) {
    case T_INT:
    case T_SINT:
        return value_range(p, t, k, v);
    case T_U64:
        return parse_u64(t->text, &v->i) < 0
               ? bad_value(p, t, k->key, "expected 0x and 1-16 hex digits") : 0;
    case T_BOOL:
        v->i = word_index(bools, t->text, strlen(t->text));
        if (v->i < 0) {
            bad_value(p, t, k->key, "expected true or false");
            hint_words(p, t->text, bools);
            return -EINVAL;
        }
        return 0;
    case T_FRAC:
        return parse_frac(t->text, &v->i, &v->places) < 0
               ? bad_value(p, t, k->key, "expected a fraction 0..1 (at most 6 places) or "
                           "N/1000000") : 0;
    case T_WALK:
    case T_ENUM:
        if (one_of(p, t, k->key, k->words, &v->i) < 0) {
            return -EINVAL;
        }
        break;                  /* keep the word too, for messages */
    case T_OPS:
    case T_DO:
        return plus_value(p, t, k, v);
    case T_NAME:
        if (!valid_name(t->text)) {
            return bad_value(p, t, k->key, "expected a name of 1-24 letters, digits, '_' or '-'");
        }
        break;
    default:
        v->i = k->type == T_ERRTEXT && !t->quoted && !strcmp(t->text, "none") ? -1 : 0;
        break;
    }
    v->text = scn_keep(p->s, t->text, strlen(t->text));
    if (v->text == NULL) {
        perr(p, t->col, "out of memory");
        return stop(p);
    }
    return 0;
}

/* ---- one line ------------------------------------------------------------ */

/* The keys of the line's operation (of its form, for `expect`). */
typedef struct Keys {
    const KeySpec *k;
    size_t n;
} Keys;

static const KeySpec *find_key(const Keys *keys, const char *name)
{
    for (size_t i = 0; i < keys->n; i++) {
        if (!strcmp(scn_key_name(keys->k[i].key), name)) {
            return &keys->k[i];
        }
    }
    return NULL;
}

static int unknown_op(Parser *p, const Token *word)
{
    Near n;

    perr(p, word->col, "unknown operation '%s'", word->text);
    if (hinting(p)) {
        near_init(&n, word->text, strlen(word->text));
        for (int i = 0; i < OP__COUNT; i++) {
            near_try(&n, scn_op_name((ScnOpKind)i), strlen(scn_op_name((ScnOpKind)i)));
        }
        hint_near(p, &n);
    }
    return -EINVAL;
}

/* An error naming a word that is none of names: the nearest, else the
 * list of them. */
static void hint_or_list(Parser *p, const char *word, const char *const *names, size_t count)
{
    char list[256];
    size_t len = 0;
    Near n;

    if (!hinting(p)) {
        return;
    }
    near_init(&n, word, strlen(word));
    for (size_t i = 0; i < count; i++) {
        near_try(&n, names[i], strlen(names[i]));
        len = add_word(list, sizeof(list), len, names[i]);
    }
    if (n.pick != NULL) {
        hint_near(p, &n);
    } else if (count > 0) {
        hint(p, "; expected one of %s", list);
    }
}

static int unknown_form(Parser *p, const Token *key)
{
    const char *names[K__COUNT];
    size_t count = 0;

    while (scn_expect_form_at(count) != K__COUNT) {
        names[count] = scn_key_name(scn_expect_form_at(count));
        count++;
    }
    perr(p, key->col, "unknown expectation '%s'", key->text);
    hint_or_list(p, key->text, names, count);
    return -EINVAL;
}

static int unknown_key(Parser *p, const ScnOp *op, const Keys *keys, const Token *key)
{
    const char *names[MAX_SPECS];

    for (size_t i = 0; i < keys->n; i++) {
        names[i] = scn_key_name(keys->k[i].key);
    }
    perr(p, key->col, "unknown argument '%s' for '%s'", key->text, scn_op_name(op->kind));
    hint_or_list(p, key->text, names, keys->n);
    return -EINVAL;
}

static int lex_arg(Parser *p, const char *line, size_t len, size_t *i, Token *key, Token *val)
{
    key->col = (unsigned)*i + 1;
    if (lex_bare(p, line, len, i, key) < 0) {
        return -EINVAL;
    }
    if (*i >= len || line[*i] != '=' || key->text[0] == '\0') {
        return perr(p, key->col, "expected key=value");
    }
    (*i)++;
    val->col = (unsigned)*i + 1;
    if (*i < len && line[*i] == '"') {
        return lex_quoted(p, line, len, i, val);
    }
    if (lex_bare(p, line, len, i, val) < 0) {
        return -EINVAL;
    }
    return val->text[0] == '\0' ? perr(p, val->col, "missing value for '%s'", key->text) : 0;
}

static int add_arg(Parser *p, ScnOp *op, Keys *keys, const Token *key, const Token *val)
{
    const KeySpec *k;

    if (op->kind == OP_EXPECT && op->nargs == 0) {
        size_t i = 0;

        while (scn_expect_form_at(i) != K__COUNT &&
               strcmp(scn_key_name(scn_expect_form_at(i)), key->text) != 0) {
            i++;
        }
        if (scn_expect_form_at(i) == K__COUNT) {
            return unknown_form(p, key);
        }
        op->form = scn_expect_form_at(i);
        keys->k = scn_op_keys(op->kind, op->form, &keys->n);
    }
    k = find_key(keys, key->text);
    if (k == NULL) {
        return unknown_key(p, op, keys, key);
    }
    if (scn_arg(op, k->key) != NULL) {
        return perr(p, key->col, "duplicate argument '%s'", key->text);
    }
    if (op->nargs == SCN_MAX_ARGS) {
        return perr(p, key->col, "more than %d arguments", SCN_MAX_ARGS);
    }
    op->args[op->nargs].key = k->key;
    if (typed_value(p, val, k, &op->args[op->nargs].v) < 0) {
        return -EINVAL;
    }
    op->nargs++;
    return 0;
}

static int check_required(Parser *p, const ScnOp *op, const Keys *keys)
{
    if (op->kind == OP_EXPECT && op->nargs == 0) {
        return perr(p, op->col, "'expect' needs what to expect, e.g. calls=\"a.stop\"");
    }
    for (size_t i = 0; i < keys->n; i++) {
        if (keys->k[i].required && scn_arg(op, keys->k[i].key) == NULL) {
            return perr(p, op->col, "missing argument '%s' for '%s'",
                        scn_key_name(keys->k[i].key), scn_op_name(op->kind));
        }
    }
    return 0;
}

/* One line into op: 0 (an empty line sets *empty), or its error.  op->kind
 * is OP__COUNT until the operation is known; on an error, op holds the
 * arguments read before it. */
static int parse_line(Parser *p, const char *line, size_t len, ScnOp *op, bool *empty)
{
    size_t i = 0;
    Token word, key, val;
    Keys keys = { NULL, 0 };

    memset(op, 0, sizeof(*op));
    op->kind = OP__COUNT;
    skip_blanks(line, len, &i);
    *empty = i == len || line[i] == '#';
    if (*empty) {
        return 0;
    }
    word.col = (unsigned)i + 1;
    if (lex_bare(p, line, len, &i, &word) < 0) {
        return -EINVAL;
    }
    op->line = p->line;
    op->col = word.col;
    op->kind = scn_op_by_name(word.text);
    if (op->kind == OP__COUNT || (i < len && line[i] == '=')) {
        op->kind = OP__COUNT;
        return unknown_op(p, &word);
    }
    keys.k = scn_op_keys(op->kind, op->form, &keys.n);
    for (;;) {
        size_t before = i;

        skip_blanks(line, len, &i);
        if (i == len || line[i] == '#') {
            break;
        }
        if (i == before) {
            return perr(p, (unsigned)i + 1, "expected a blank before the next argument");
        }
        if (lex_arg(p, line, len, &i, &key, &val) < 0 || add_arg(p, op, &keys, &key, &val) < 0) {
            return -EINVAL;
        }
    }
    return check_required(p, op, &keys);
}

/* ---- names: what exists at each line ---------------------------------- */

typedef struct Syms {
    char regs[SCN_MAX_REGISTRIES][SCN_MAX_NAME + 1];
    unsigned nregs;
    struct {
        char name[SCN_MAX_NAME + 1];
        bool on_node;
    } states[SCN_MAX_STATES];
    unsigned nstates;
    struct {
        char name[SCN_MAX_NAME + 1];
        int role;
    } disks[SCN_MAX_DISKS];
    unsigned ndisks;
    bool cluster;
    char nodes[2][SCN_MAX_NAME + 1];
    unsigned cluster_disks;
    char points[SCN_MAX_POINTS][SIM_FAULT_NAME_MAX];
    unsigned npoints;
} Syms;

static const char *text_of(const ScnOp *op, ScnKey key)
{
    const ScnValue *v = scn_arg(op, key);

    return v ? v->text : NULL;
}

static unsigned col_of(const ScnOp *op, ScnKey key)
{
    const ScnValue *v = scn_arg(op, key);

    return v ? v->col : op->col;
}

static int find_name(const char (*names)[SCN_MAX_NAME + 1], size_t stride, unsigned n,
                     const char *name)
{
    for (unsigned i = 0; i < n; i++) {
        const char *s = (const char *)names + i * stride;

        if (!strcmp(s, name)) {
            return (int)i;
        }
    }
    return -1;
}

static int state_index(const Syms *y, const char *name)
{
    return find_name(&y->states[0].name, sizeof(y->states[0]), y->nstates, name);
}

static int disk_index(const Syms *y, const char *name)
{
    return find_name(&y->disks[0].name, sizeof(y->disks[0]), y->ndisks, name);
}

static bool is_registry(const Syms *y, const char *name)
{
    return !strcmp(name, "default") ||
           find_name(y->regs, sizeof(y->regs[0]), y->nregs, name) >= 0;
}

static bool is_node(const Syms *y, const char *name)
{
    return y->cluster && (!strcmp(name, y->nodes[0]) || !strcmp(name, y->nodes[1]));
}

/* The names come from their owners (disk.h, cluster.h, replication.h),
 * in the order they register them. */
static int add_point(Parser *p, Syms *y, unsigned col, const char *name)
{
    if (y->npoints == SCN_MAX_POINTS) {
        return perr(p, col, "more than %d fault points", SCN_MAX_POINTS);
    }
    snprintf(y->points[y->npoints++], sizeof(y->points[0]), "%s", name);
    return 0;
}

static int disk_points(Parser *p, Syms *y, unsigned col, const char *name, bool secondary)
{
    SimDiskRole role = secondary ? SIM_DISK_SECONDARY : SIM_DISK_PRIMARY;
    char point[SIM_FAULT_NAME_MAX];
    int rc = 0;

    for (int i = 0; i < SIM_DISK_POINT__COUNT && rc == 0; i++) {
        if (sim_disk_role_has_point(role, (SimDiskPoint)i)) {
            rc = sim_disk_point_name(point, sizeof(point), name, (SimDiskPoint)i);
            rc = rc < 0 ? perr(p, col, "disk name '%s' too long for a fault point", name)
                        : add_point(p, y, col, point);
        }
    }
    return rc;
}

typedef struct PointSink {
    Parser *p;
    Syms *y;
    unsigned col;
    int rc;
} PointSink;

static void add_cluster_point(void *ctx, const char *name)
{
    PointSink *k = ctx;

    k->rc = k->rc < 0 ? k->rc : add_point(k->p, k->y, k->col, name);
}

static int cluster_points(Parser *p, Syms *y, unsigned col)
{
    SimClusterConfig cfg = { .names = { y->nodes[0], y->nodes[1] },
                             .disks = y->cluster_disks };
    PointSink k = { p, y, col, 0 };

    if (sim_cluster_points(&cfg, add_cluster_point, &k) < 0 && k.rc == 0) {
        return perr(p, col, "the cluster's fault point names do not fit");
    }
    return k.rc;
}

/* Does `pattern` (a name, "prefix/STAR" or STAR) name a known point? */
static bool known_point(const Syms *y, const char *pattern, bool exact_only)
{
    size_t n = strlen(pattern);
    bool subtree = n >= 2 && !strcmp(pattern + n - 2, "/*");

    if (!exact_only && !strcmp(pattern, "*")) {
        return y->npoints > 0;
    }
    for (unsigned i = 0; i < y->npoints; i++) {
        if (!strcmp(y->points[i], pattern) ||
            (!exact_only && subtree && !strncmp(y->points[i], pattern, n - 1))) {
            return true;
        }
    }
    return false;
}

/* The nearest known point to an unknown pattern: a point's name, or for
 * "prefix/STAR" a subtree of the points ("prefix/" of some point). */
static int unknown_point(Parser *p, const Syms *y, unsigned col, const char *pattern,
                         bool exact_only)
{
    size_t len = strlen(pattern);
    bool subtree = !exact_only && len >= 2 && !strcmp(pattern + len - 2, "/*");
    Near n;

    perr(p, col, "unknown fault point '%s'", pattern);
    if (!hinting(p)) {
        return -EINVAL;
    }
    near_init(&n, pattern, subtree ? len - 1 : len);
    n.best = n.best < NEAR_POINT_EDITS + 1 ? n.best : NEAR_POINT_EDITS + 1;
    for (unsigned i = 0; i < y->npoints; i++) {
        const char *pt = y->points[i];

        for (const char *c = pt; subtree && (c = strchr(c, '/')) != NULL; c++) {
            near_try(&n, pt, (size_t)(c - pt) + 1);
        }
        if (!subtree) {
            near_try(&n, pt, strlen(pt));
        }
    }
    if (n.pick != NULL) {
        hint(p, "; did you mean '%.*s%s'?", (int)n.pick_len, n.pick, subtree ? "*" : "");
    }
    return -EINVAL;
}

/* Which names an unknown one is compared with. */
enum { N_STATE = 1, N_REGISTRY = 2, N_DISK = 4, N_NODE = 8 };

/* "unknown <what> 'name'" at col, with the nearest of the names known. */
static int unknown_name(Parser *p, const Syms *y, unsigned col, unsigned kinds,
                        const char *what, const char *name)
{
    static const char default_reg[] = "default";
    Near n;

    perr(p, col, "unknown %s '%s'", what, name);
    if (!hinting(p)) {
        return -EINVAL;
    }
    near_init(&n, name, strlen(name));
    for (unsigned i = 0; (kinds & N_STATE) && i < y->nstates; i++) {
        near_try(&n, y->states[i].name, strlen(y->states[i].name));
    }
    if (kinds & N_REGISTRY) {
        near_try(&n, default_reg, sizeof(default_reg) - 1);
    }
    for (unsigned i = 0; (kinds & N_REGISTRY) && i < y->nregs; i++) {
        near_try(&n, y->regs[i], strlen(y->regs[i]));
    }
    for (unsigned i = 0; (kinds & N_DISK) && i < y->ndisks; i++) {
        near_try(&n, y->disks[i].name, strlen(y->disks[i].name));
    }
    for (unsigned i = 0; (kinds & N_NODE) && y->cluster && i < 2; i++) {
        near_try(&n, y->nodes[i], strlen(y->nodes[i]));
    }
    hint_near(p, &n);
    return -EINVAL;
}

/* reg= or node= (at most one), each known. */
static int check_place(Parser *p, const Syms *y, const ScnOp *op)
{
    const char *reg = text_of(op, K_REG), *node = text_of(op, K_NODE);

    if (reg && node) {
        return perr(p, col_of(op, K_NODE), "give reg= or node=, not both");
    }
    if (reg && !is_registry(y, reg)) {
        return unknown_name(p, y, col_of(op, K_REG), N_REGISTRY, "registry", reg);
    }
    if (node && !is_node(y, node)) {
        return unknown_name(p, y, col_of(op, K_NODE), N_NODE, "node", node);
    }
    return 0;
}

static int need_cluster(Parser *p, const Syms *y, const ScnOp *op)
{
    return y->cluster ? 0 : perr(p, op->col, "'%s' needs a cluster (declare one with "
                                 "'cluster' first)", scn_op_name(op->kind));
}

static int need_node(Parser *p, const Syms *y, const ScnOp *op)
{
    const char *node = text_of(op, K_NODE);

    if (need_cluster(p, y, op) < 0) {
        return -EINVAL;
    }
    return is_node(y, node) ? 0 : unknown_name(p, y, col_of(op, K_NODE), N_NODE, "node", node);
}

static int need_state(Parser *p, const Syms *y, const ScnOp *op, ScnKey key)
{
    const char *name = text_of(op, key);

    if (name != NULL && state_index(y, name) < 0) {
        return unknown_name(p, y, col_of(op, key), N_STATE, "state", name);
    }
    return 0;
}

static int need_disk(Parser *p, const Syms *y, const ScnOp *op, ScnKey key)
{
    const char *name = text_of(op, key);

    return disk_index(y, name) >= 0 ? 0 : unknown_name(p, y, col_of(op, key), N_DISK, "disk",
                                                       name);
}

static int declare_state(Parser *p, Syms *y, const char *name, unsigned col, bool on_node)
{
    if (state_index(y, name) >= 0) {
        return perr(p, col, "state '%s' already exists", name);
    }
    if (y->nstates == SCN_MAX_STATES) {
        return perr(p, col, "more than %d states", SCN_MAX_STATES);
    }
    snprintf(y->states[y->nstates].name, sizeof(y->states[0].name), "%s", name);
    y->states[y->nstates++].on_node = on_node;
    return 0;
}

static int declare_registry(Parser *p, Syms *y, const ScnOp *op)
{
    const char *name = text_of(op, K_NAME);

    if (is_registry(y, name)) {
        return perr(p, col_of(op, K_NAME), "registry '%s' already exists", name);
    }
    if (y->nregs == SCN_MAX_REGISTRIES) {
        return perr(p, col_of(op, K_NAME), "more than %d registries", SCN_MAX_REGISTRIES);
    }
    snprintf(y->regs[y->nregs++], sizeof(y->regs[0]), "%s", name);
    return 0;
}

static int declare_cluster(Parser *p, Syms *y, const ScnOp *op)
{
    const char *pri = text_of(op, K_PRIMARY), *sec = text_of(op, K_SECONDARY);
    const ScnValue *disks = scn_arg(op, K_DISKS);

    if (y->cluster) {
        return perr(p, op->col, "only one cluster per scenario");
    }
    snprintf(y->nodes[0], sizeof(y->nodes[0]), "%s", pri ? pri : SIM_CLUSTER_PRIMARY_NAME);
    snprintf(y->nodes[1], sizeof(y->nodes[1]), "%s", sec ? sec : SIM_CLUSTER_SECONDARY_NAME);
    if (!strcmp(y->nodes[0], y->nodes[1])) {
        return perr(p, col_of(op, K_SECONDARY), "the two nodes need different names");
    }
    y->cluster = true;
    y->cluster_disks = disks ? (unsigned)disks->i : 1;
    return cluster_points(p, y, op->col);
}

static int declare_disk(Parser *p, Syms *y, const ScnOp *op)
{
    const char *name = text_of(op, K_NAME);
    int role = (int)scn_arg(op, K_ROLE)->i;

    if (disk_index(y, name) >= 0) {
        return perr(p, col_of(op, K_NAME), "disk '%s' already exists", name);
    }
    if (y->ndisks == SCN_MAX_DISKS) {
        return perr(p, col_of(op, K_NAME), "more than %d disks", SCN_MAX_DISKS);
    }
    snprintf(y->disks[y->ndisks].name, sizeof(y->disks[0].name), "%s", name);
    y->disks[y->ndisks++].role = role;
    return disk_points(p, y, op->col, name, role == ROLE_SECONDARY);
}

static int check_disk_op(Parser *p, Syms *y, const ScnOp *op)
{
    const char *to = text_of(op, K_TO);
    int role = (int)scn_arg(op, K_ROLE)->i;

    if (check_place(p, y, op) < 0 || (to && need_disk(p, y, op, K_TO) < 0)) {
        return -EINVAL;
    }
    if (to && (role != ROLE_PRIMARY || y->disks[disk_index(y, to)].role != ROLE_SECONDARY)) {
        return perr(p, col_of(op, K_TO),
                    "'to' needs a primary disk forwarding to a secondary one ('%s')", to);
    }
    return declare_disk(p, y, op);
}

/* A line with an error still declares the name it gives (a registry, a
 * state, a disk, the cluster) when it has one, so that the lines after it
 * do not fail for want of it: one mistake, one error.  Silently: the
 * line's error is said. */
static void declare_anyway(Parser *p, Syms *y, const ScnOp *op)
{
    const char *name = text_of(op, K_NAME);

    p->mute = true;
    if (op->kind == OP_REGISTRY && name != NULL) {
        (void)declare_registry(p, y, op);
    } else if (op->kind == OP_STATE && name != NULL) {
        (void)declare_state(p, y, name, op->col, text_of(op, K_NODE) != NULL);
    } else if (op->kind == OP_DISK && name != NULL && scn_arg(op, K_ROLE) != NULL) {
        (void)declare_disk(p, y, op);
    } else if (op->kind == OP_CLUSTER) {
        (void)declare_cluster(p, y, op);
    }
    p->mute = false;
}

static int check_on_op(Parser *p, Syms *y, const ScnOp *op)
{
    const ScnValue *act = scn_arg(op, K_DO);
    const char *target = text_of(op, K_TARGET), *in = text_of(op, K_IN);

    if (need_state(p, y, op, K_STATE) < 0) {
        return -EINVAL;
    }
    for (unsigned i = 0; i < act->nlist; i++) {
        switch (act->list[i]) {
        case ACT_FAIL:
            if (!scn_arg(op, K_MSG)) {
                return perr(p, act->col, "'fail' needs msg=");
            }
            break;
        case ACT_REMOVE:
            if (need_state(p, y, op, K_TARGET) < 0) {
                return -EINVAL;
            }
            break;
        case ACT_REGISTER:
            if (target == NULL) {
                return perr(p, act->col, "'register' needs target= (the new state's name)");
            }
            if (declare_state(p, y, target, col_of(op, K_TARGET),
                              y->states[state_index(y, text_of(op, K_STATE))].on_node) < 0) {
                return -EINVAL;
            }
            break;
        case ACT_NESTED:
            if (!scn_arg(op, K_NESTED)) {
                return perr(p, act->col, "'nested' needs nested= (a walk)");
            }
            if (in && !is_registry(y, in) && !is_node(y, in)) {
                return unknown_name(p, y, col_of(op, K_IN), N_REGISTRY | N_NODE,
                                    "registry or node", in);
            }
            break;
        case ACT_CRASH:
            if (!y->states[state_index(y, text_of(op, K_STATE))].on_node) {
                return perr(p, act->col, "'crash' needs a state on a cluster node");
            }
            break;
        default:
            break;
        }
    }
    return 0;
}

static int check_io_op(Parser *p, const Syms *y, const ScnOp *op)
{
    int io = (int)scn_arg(op, K_OP)->i;

    if (need_disk(p, y, op, K_DISK) < 0) {
        return -EINVAL;
    }
    if (io == IO_RECEIVE && y->disks[disk_index(y, text_of(op, K_DISK))].role != ROLE_SECONDARY) {
        return perr(p, col_of(op, K_OP), "'receive' needs a secondary disk");
    }
    if (io != IO_READ && !scn_arg(op, K_BYTE)) {
        return perr(p, op->col, "missing argument 'byte' for 'io'");
    }
    return 0;
}

static int check_point(Parser *p, const Syms *y, const ScnOp *op, bool exact_only)
{
    const char *point = text_of(op, K_POINT);

    return known_point(y, point, exact_only)
           ? 0 : unknown_point(p, y, col_of(op, K_POINT), point, exact_only);
}

static int check_fault_op(Parser *p, const Syms *y, const ScnOp *op)
{
    const ScnValue *mode = scn_arg(op, K_MODE);

    if (check_point(p, y, op, false) < 0) {
        return -EINVAL;
    }
    if ((mode->i == FM_NTH || mode->i == FM_AFTER || mode->i == FM_EVERY) &&
        !scn_arg(op, K_K)) {
        return perr(p, mode->col, "mode '%s' needs k=", mode->text);
    }
    if (mode->i == FM_PROB && !scn_arg(op, K_P)) {
        return perr(p, mode->col, "mode 'prob' needs p=");
    }
    return 0;
}

const char *scn_rule_title(unsigned rule)
{
    return sim_rule_title(rule);
}

static int unknown_rule(Parser *p, const ScnOp *op, const char *id)
{
    char list[160];
    size_t len = 0;
    Near n;

    list[0] = '\0';
    for (unsigned i = 0; i < REPLICATION_EXT__COUNT; i++) {
        len = add_word(list, sizeof(list), len, replication_ext_name((ReplicationExt)(1u << i)));
    }
    perr(p, col_of(op, K_ID), "bad value '%s' for 'id': expected a walk rule 1-%d or an "
         "extension (%s)", id, SCN_RULES, list);
    if (hinting(p)) {
        near_init(&n, id, strlen(id));
        for (unsigned i = 0; i < REPLICATION_EXT__COUNT; i++) {
            const char *ext = replication_ext_name((ReplicationExt)(1u << i));

            near_try(&n, ext, strlen(ext));
        }
        hint_near(p, &n);
    }
    return -EINVAL;
}

/* rule id=<1-6 or extension> [walk=]: a tag for conform, and a need. */
static int check_rule_op(Parser *p, ScnScript *s, const ScnOp *op)
{
    const char *id = text_of(op, K_ID);
    const ScnValue *walk = scn_arg(op, K_WALK);
    ScnRuleTag t = { .walk = walk ? (int)walk->i : SCN_WALK_ANY, .line = op->line };

    if (id[0] >= '1' && id[0] <= '0' + SCN_RULES && id[1] == '\0') {
        t.rule = (unsigned)(id[0] - '0');
    }
    for (unsigned i = 0; i < REPLICATION_EXT__COUNT && t.rule == 0; i++) {
        if (strcmp(id, replication_ext_name((ReplicationExt)(1u << i))) == 0) {
            t.ext = 1u << i;
        }
    }
    if (t.rule == 0 && t.ext == 0) {
        return unknown_rule(p, op, id);
    }
    if (s->nrules == SCN_MAX_RULES) {
        return perr(p, op->col, "too many rule lines (limit %d)", SCN_MAX_RULES);
    }
    s->rules[s->nrules++] = t;
    s->needs |= t.ext;
    return 0;
}

size_t scn_script_rules(const ScnScript *s, const ScnRuleTag **tags)
{
    *tags = s->rules;
    return s->nrules;
}

unsigned scn_script_needs(const ScnScript *s)
{
    return s->needs;
}

/* data= and stage=: a standalone disk=, or node= (and index=). */
static int check_disk_target(Parser *p, const Syms *y, const ScnOp *op)
{
    const char *disk = text_of(op, K_DISK), *node = text_of(op, K_NODE);
    const ScnValue *index = scn_arg(op, K_INDEX);

    if (!!disk == !!node) {
        return perr(p, op->col, "expect %s needs disk= or node=", scn_key_name(op->form));
    }
    if (disk && need_disk(p, y, op, K_DISK) < 0) {
        return -EINVAL;
    }
    if (node && need_node(p, y, op) < 0) {
        return -EINVAL;
    }
    if (node && index && index->i >= (int64_t)y->cluster_disks) {
        return perr(p, index->col, "no disk %lld on %s (the cluster has %u)",
                    (long long)index->i, node, y->cluster_disks);
    }
    return 0;
}

static int check_expect_op(Parser *p, const Syms *y, const ScnOp *op)
{
    switch (op->form) {
    case K_COUNT:
        return check_place(p, y, op);
    case K_DATA:
    case K_STAGE:
        return check_disk_target(p, y, op);
    case K_PACKETS:
    case K_EPOCH:
    case K_BROKEN:
        return need_cluster(p, y, op);
    case K_CRASHED:
        return need_node(p, y, op);
    case K_FIRED:
    case K_HITS:
        return check_point(p, y, op, true);
    default:
        return 0;
    }
}

static int check_op(Parser *p, ScnScript *s, Syms *y, const ScnOp *op)
{
    const ScnValue *v;

    scn_script_note(s, op);
    switch (op->kind) {
    case OP_REGISTRY:
        return declare_registry(p, y, op);
    case OP_CLUSTER:
        return declare_cluster(p, y, op);
    case OP_DISK:
        return check_disk_op(p, y, op);
    case OP_STATE:
        if (check_place(p, y, op) < 0) {
            return -EINVAL;
        }
        return declare_state(p, y, text_of(op, K_NAME), col_of(op, K_NAME),
                             text_of(op, K_NODE) != NULL);
    case OP_REMOVE:
        return need_state(p, y, op, K_STATE);
    case OP_ON:
        return check_on_op(p, y, op);
    case OP_WALK:
        return check_place(p, y, op);
    case OP_START: case OP_CHECKPOINT: case OP_PACKET: case OP_PARTITION: case OP_HEAL:
        return need_cluster(p, y, op);
    case OP_WRITE:
        v = scn_arg(op, K_DISK);
        if (need_cluster(p, y, op) == 0 && v && v->i >= (int64_t)y->cluster_disks) {
            return perr(p, v->col, "no disk %lld (the cluster has %u)", (long long)v->i,
                        y->cluster_disks);
        }
        return y->cluster ? 0 : -EINVAL;
    case OP_FAILOVER: case OP_CRASH:
        return need_node(p, y, op);
    case OP_IO:
        return check_io_op(p, y, op);
    case OP_FAULT:
        return check_fault_op(p, y, op);
    case OP_RULE:
        return check_rule_op(p, s, op);
    case OP_CLEAR:
        return check_point(p, y, op, false);
    case OP_EXPECT:
        return check_expect_op(p, y, op);
    default:
        return 0;
    }
}

/* ---- the whole file --------------------------------------------------------- */

static int append(Parser *p, const ScnOp *op)
{
    ScnScript *s = p->s;

    if (s->nops == SCN_MAX_OPS) {
        perr(p, op->col, "too many operations (limit %d)", SCN_MAX_OPS);
        return stop(p);
    }
    if (s->nops == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        ScnOp *grown = realloc(s->ops, cap * sizeof(*grown));

        if (grown == NULL) {
            perr(p, op->col, "out of memory");
            return stop(p);
        }
        s->ops = grown;
        s->cap = cap;
    }
    s->ops[s->nops++] = *op;
    return 0;
}

/* One line (without its end): an error is said and the next line read. */
static void one_line(Parser *p, Syms *y, const char *line, size_t n)
{
    ScnOp op;
    bool empty;
    int rc;

    if (n > SCN_MAX_LINE) {
        perr(p, SCN_MAX_LINE + 1, "line longer than %d bytes", SCN_MAX_LINE);
        return;
    }
    if (n > 0 && line[n - 1] == '\r') {
        n--;            /* CRLF files */
    }
    rc = parse_line(p, line, n, &op, &empty);
    if (rc == 0 && !empty) {
        rc = check_op(p, p->s, y, &op);
        if (rc == 0) {
            (void)append(p, &op);
        }
    }
    if (rc < 0 && op.kind != OP__COUNT) {
        declare_anyway(p, y, &op);
    }
}

static void parse_text(Parser *p, const char *text, size_t len)
{
    Syms *y = calloc(1, sizeof(*y));
    size_t at = 0, lines = 1;

    if (y == NULL) {
        perr(p, 1, "out of memory");
        return;
    }
    (void)add_point(p, y, 1, REPLICATION_FAULT_ALLOC);     /* the first: room */
    for (size_t i = 0; i < len && lines < 1024; i++) {
        lines += text[i] == '\n';
    }
    p->s->ops = malloc(lines * sizeof(*p->s->ops));   /* room for every line, up to */
    p->s->cap = p->s->ops ? lines : 0;                  /* a point: one allocation */
    for (p->line = 0; !p->stop && at < len;) {
        const char *nl = memchr(text + at, '\n', len - at);
        size_t n = nl ? (size_t)(nl - (text + at)) : len - at;

        p->line++;
        one_line(p, y, text + at, n);
        at = nl ? (size_t)(nl - text) + 1 : len;
    }
    free(y);
}

/* The line and column of the first NUL byte in text[0..len), if any. */
static bool find_nul(Parser *p, const char *text, size_t len, unsigned *col)
{
    const char *nul = memchr(text, '\0', len);
    const char *line_start = text;

    if (nul == NULL) {
        return false;
    }
    p->line = 1;
    for (const char *c = text; c < nul; c++) {
        p->line += *c == '\n';
        line_start = *c == '\n' ? c + 1 : line_start;
    }
    *col = (unsigned)(nul - line_start) + 1;
    return true;
}

ScnScript *scn_parse(const char *text, size_t len, const char *file, ScnErrors *errs)
{
    Parser p = { .errs = errs, .line = 1 };
    unsigned col;

    if (errs != NULL) {
        errs->n = errs->total = 0;
    }
    if (len > SCN_MAX_FILE_BYTES) {
        perr(&p, 1, "file larger than %u bytes", SCN_MAX_FILE_BYTES);
        return NULL;
    }
    if (find_nul(&p, text, len, &col)) {
        perr(&p, col, "NUL byte in the file");
        return NULL;
    }
    p.s = scn_script_new(file ? file : "-", 0);
    if (p.s == NULL) {
        perr(&p, 1, "out of memory");
        return NULL;
    }
    parse_text(&p, text, len);
    if (p.nerrors > 0) {
        scn_free(p.s);
        return NULL;
    }
    return p.s;
}

size_t scn_ops(const ScnScript *s)
{
    return s->nops;
}

uint64_t scn_seed(const ScnScript *s)
{
    return s->seed;
}
