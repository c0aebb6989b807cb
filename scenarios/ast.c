/* ast.c: the script's memory and its one builder and printer (scn_ast.h,
 * scn_print in scn.h): scripts made, reset for reuse and freed; strings in
 * chunks; operations and typed arguments appended as the parser would make
 * them (checked against lang.c's key table); a script printed as text the
 * parser reads back into the same script.  Parses and runs nothing; reads
 * the language's tables (lang.c), never the parser.
 */
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "impl.h"
#include "replication.h"
#include "scn_ast.h"

#define CHUNK_BYTES 8192

ScnScript *scn_script_new(const char *file, size_t cap)
{
    ScnScript *s = calloc(1, sizeof(*s));

    if (s == NULL || (s->file = strdup(file)) == NULL ||
        (cap > 0 && (s->ops = malloc(cap * sizeof(*s->ops))) == NULL)) {
        scn_free(s);
        return NULL;
    }
    s->cap = cap;
    s->seed = 1;
    return s;
}

/* Every chunk but the newest is freed: one script's strings fit in one
 * chunk (CHUNK_BYTES) unless it has long texts. */
void scn_script_reset(ScnScript *s)
{
    ScnChunk *keep = s->strings;

    while (keep != NULL && keep->next != NULL) {
        ScnChunk *c = keep->next;

        keep->next = c->next;
        free(c);
    }
    if (keep != NULL) {
        keep->used = 0;
    }
    s->nops = 0;
    s->seed = 1;
    s->expects_violation = false;
    s->nrules = 0;
    s->needs = 0;
}

void scn_free(ScnScript *s)
{
    if (s == NULL) {
        return;
    }
    while (s->strings != NULL) {
        ScnChunk *c = s->strings;

        s->strings = c->next;
        free(c);
    }
    free(s->ops);
    free(s->file);
    free(s);
}

char *scn_keep(ScnScript *s, const char *text, size_t len)
{
    ScnChunk *c = s->strings;

    if (c == NULL || c->cap - c->used < len + 1) {
        size_t cap = len + 1 > CHUNK_BYTES ? len + 1 : CHUNK_BYTES;

        c = malloc(sizeof(*c) + cap);
        if (c == NULL) {
            return NULL;
        }
        c->next = s->strings;
        c->used = 0;
        c->cap = cap;
        s->strings = c;
    }
    memcpy(c->data + c->used, text, len);
    c->data[c->used + len] = '\0';
    c->used += len + 1;
    return c->data + c->used - len - 1;
}

/* ---- building ------------------------------------------------------------------ */

const ScnValue *scn_arg(const ScnOp *op, ScnKey key)
{
    for (unsigned i = 0; i < op->nargs; i++) {
        if (op->args[i].key == key) {
            return &op->args[i].v;
        }
    }
    return NULL;
}

ScnOp *scn_op_add(ScnScript *s, ScnOpKind kind, unsigned line)
{
    ScnOp *op;

    SIM_CHECK_OP(s->nops, <, s->cap);
    op = &s->ops[s->nops++];
    op->kind = kind;
    op->form = K_VALUE;
    op->line = line;
    op->col = 1;
    op->nargs = 0;          /* args[] beyond nargs are never read */
    return op;
}

/* The next argument of op, its key's spec checked: one of the operation's,
 * not given yet, of a type in `types` (bits 1 << ScnType). */
static const ScnKeySpec *arg_new(ScnOp *op, ScnKey key, unsigned types, ScnValue **v)
{
    const ScnKeySpec *k;
    ScnArg *a;

    if (op->kind == OP_EXPECT && op->nargs == 0) {
        op->form = key;         /* the first key names the form */
    }
    k = scn_key_spec(op->kind, op->form, key);
    SIM_CHECK(k != NULL);
    SIM_CHECK(types & (1u << k->type));
    SIM_CHECK(scn_arg(op, key) == NULL);
    SIM_CHECK_OP(op->nargs, <, SCN_MAX_ARGS);
    a = &op->args[op->nargs++];
    a->key = key;
    a->v = (ScnValue){ .col = 1 };
    *v = &a->v;
    return k;
}

static unsigned nwords(const char *const *words)
{
    unsigned n = 0;

    while (words[n] != NULL) {
        n++;
    }
    return n;
}

void scn_arg_int(ScnOp *op, ScnKey key, int64_t i)
{
    ScnValue *v;
    const ScnKeySpec *k = arg_new(op, key, 1u << T_INT | 1u << T_SINT | 1u << T_U64 |
                                  1u << T_BOOL | 1u << T_OPS | 1u << T_ENUM | 1u << T_WALK, &v);

    switch (k->type) {
    case T_INT: case T_SINT: SIM_CHECK(i >= k->min && i <= k->max); break;
    case T_BOOL: SIM_CHECK(i == 0 || i == 1); break;
    case T_OPS: SIM_CHECK(i >= 0 && i <= 15); break;
    case T_ENUM: case T_WALK:
        SIM_CHECK(i >= 0 && i < (int64_t)nwords(k->words));
        v->text = (char *)k->words[i];      /* the word too, as the parser keeps it */
        break;
    default: break;
    }
    v->i = i;
}

void scn_arg_text(ScnOp *op, ScnKey key, const char *text)
{
    ScnValue *v;

    (void)arg_new(op, key, 1u << T_NAME | 1u << T_TEXT | 1u << T_POINT | 1u << T_ERRTEXT, &v);
    SIM_CHECK(text != NULL);
    v->text = (char *)text;
}

void scn_arg_frac(ScnOp *op, ScnKey key, int64_t millionths, unsigned places)
{
    ScnValue *v;

    (void)arg_new(op, key, 1u << T_FRAC, &v);
    SIM_CHECK(millionths >= 0 && millionths <= 1000000 && places <= 6);
    v->i = millionths;
    v->places = (uint8_t)places;
}

void scn_arg_do(ScnOp *op, const uint8_t *acts, unsigned n)
{
    ScnValue *v;

    (void)arg_new(op, K_DO, 1u << T_DO, &v);
    SIM_CHECK(n >= 1 && n <= SCN_MAX_ACTIONS);
    for (unsigned i = 0; i < n; i++) {
        SIM_CHECK(acts[i] <= ACT_CRASH);
        v->list[i] = acts[i];
    }
    v->nlist = (uint8_t)n;
}

void scn_script_note(ScnScript *s, const ScnOp *op)
{
    const ScnValue *v;

    switch (op->kind) {
    case OP_SEED:
        s->seed = (uint64_t)scn_arg(op, K_VALUE)->i;
        break;
    case OP_FAULT:
        v = scn_arg(op, K_POINT);
        if (v != NULL && fnmatch(v->text, REPLICATION_FAULT_ALLOC, 0) == 0) {
            s->needs |= REPLICATION_EXT_ALLOC_NULL;
        }
        break;
    case OP_EXPECT:
        s->expects_violation |= op->form == K_VIOLATION;
        break;
    default:
        break;
    }
}

static bool same_value(const ScnValue *a, const ScnValue *b)
{
    if (a->i != b->i || a->nlist != b->nlist || a->places != b->places ||
        (a->text == NULL) != (b->text == NULL) || (a->text && strcmp(a->text, b->text))) {
        return false;
    }
    return memcmp(a->list, b->list, a->nlist) == 0;
}

bool scn_op_same(const ScnOp *a, const ScnOp *b)
{
    if (a->kind != b->kind || a->form != b->form || a->nargs != b->nargs) {
        return false;
    }
    for (unsigned i = 0; i < a->nargs; i++) {
        if (a->args[i].key != b->args[i].key || !same_value(&a->args[i].v, &b->args[i].v)) {
            return false;
        }
    }
    return true;
}

/* ---- printing ------------------------------------------------------------------- */

typedef struct Line {
    char buf[SCN_MAX_LINE + 2];
    size_t len;
    bool full;
} Line;

static void put(Line *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(Line *l, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (l->full) {
        return;
    }
    va_start(ap, fmt);
    n = vsnprintf(l->buf + l->len, sizeof(l->buf) - l->len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof(l->buf) - l->len) {
        l->full = true;
        return;
    }
    l->len += (size_t)n;
}

/* A quoted text, escaped as the lexer reads it back. */
static void put_quoted(Line *l, const char *t)
{
    put(l, "\"");
    for (; *t != '\0'; t++) {
        unsigned char c = (unsigned char)*t;

        if (c == '"' || c == '\\') {
            put(l, "\\%c", c);
        } else if (c == '\n' || c == '\t') {
            put(l, "\\%c", c == '\n' ? 'n' : 't');
        } else if (c < 0x20 || c == 0x7f) {
            put(l, "\\x%02x", c);
        } else {
            put(l, "%c", c);
        }
    }
    put(l, "\"");
}

/* Millionths with the places they were written with ("0.3", "0.00"), or
 * N/1000000 when those places cannot say it. */
static void put_frac(Line *l, const ScnValue *v)
{
    int64_t unit = 1;

    for (unsigned p = v->places; p < 6; p++) {
        unit *= 10;
    }
    if (v->places == 0 && v->i % 1000000 == 0) {
        put(l, "%lld", (long long)(v->i / 1000000));
    } else if (v->places > 0 && v->i % unit == 0) {
        put(l, "%lld.%0*lld", (long long)(v->i / 1000000), (int)v->places,
            (long long)(v->i % 1000000 / unit));
    } else {
        put(l, "%lld/1000000", (long long)v->i);
    }
}

static void put_words(Line *l, const uint8_t *list, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        put(l, "%s%s", i ? "+" : "", scn_action_name(list[i]));
    }
}

/* ops=: all, none, or the members (the walk words) joined by '+'. */
static void put_ops(Line *l, const char *const *m, int64_t bits)
{
    bool first = true;

    if (bits == 0 || bits == 15) {
        put(l, "%s", bits ? "all" : "none");
        return;
    }
    for (int i = 0; i < 4; i++) {
        if (bits & (1 << i)) {
            put(l, "%s%s", first ? "" : "+", m[i]);
            first = false;
        }
    }
}

static void put_value(Line *l, const ScnOp *op, const ScnArg *a)
{
    const ScnKeySpec *k = scn_key_spec(op->kind, op->form, a->key);
    const ScnValue *v = &a->v;

    switch (k ? k->type : v->text ? T_NAME : T_SINT) {
    case T_BOOL: put(l, "%s", v->i ? "true" : "false"); break;
    case T_DO: put_words(l, v->list, v->nlist); break;
    case T_OPS: put_ops(l, k->words, v->i); break;
    case T_FRAC: put_frac(l, v); break;
    case T_U64: put(l, "0x%016llx", (unsigned long long)v->i); break;
    case T_INT: case T_SINT: put(l, "%lld", (long long)v->i); break;
    case T_ERRTEXT:
        if (v->i == -1) {
            put(l, "none");
            break;
        }
        /* fall through */
    case T_TEXT: put_quoted(l, v->text ? v->text : ""); break;
    default:
        put(l, "%s", v->text ? v->text : k && k->words ? k->words[v->i] : "?");
        break;
    }
}

size_t scn_print(const ScnScript *s, const char *header, char *buf, size_t cap, bool *cut)
{
    size_t len = strlen(header), line = 1;
    bool left = false;

    if (cap == 0) {
        return 0;
    }
    len = len < cap ? len : 0;              /* a header that does not fit: none */
    memcpy(buf, header, len);
    for (size_t i = 0; i < len; i++) {
        line += header[i] == '\n';
    }
    for (size_t i = 0; i < s->nops && !left; i++) {
        const ScnOp *op = &s->ops[i];
        Line l = { .len = 0 };

        for (; line < op->line; line++) {
            put(&l, "\n");
        }
        put(&l, "%s", scn_op_name(op->kind));
        for (unsigned j = 0; j < op->nargs; j++) {
            put(&l, " %s=", scn_key_name(op->args[j].key));
            put_value(&l, op, &op->args[j]);
        }
        put(&l, "\n");
        line++;
        left = l.full || l.len >= cap - len;
        if (!left) {
            memcpy(buf + len, l.buf, l.len);
            len += l.len;
        }
    }
    buf[len] = '\0';
    if (cut != NULL) {
        *cut = left;
    }
    return len;
}
