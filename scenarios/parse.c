/* parse.c: scenario text to script (scn.h, FORMAT.md): the lexer, the table
 * of operations and their arguments (scn_key_spec, which the builders and
 * the printer of ast.c read too), typed values, and the name checks
 * (states, registries, disks, nodes, fault points) done in file order.
 * The script's memory is ast.c's; runs nothing.
 */
#include <errno.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster.h"
#include "impl.h"
#include "replication.h"
#include "scn_ast.h"

typedef ScnKeySpec KeySpec;

typedef struct OpSpec {
    const char *name;
    KeySpec keys[MAX_SPECS];
} OpSpec;

static const char *const key_names[K__COUNT] = {
    "value", "ticks", "depth", "calls", "name", "disks", "size", "latency",
    "interval", "timeout", "compare_timeout", "commit_rate", "writes",
    "packets", "divergence", "connections", "working_set", "primary",
    "secondary", "upstream_checkpoint", "upstream_failover", "failover_on_crash",
    "role", "reg",
    "to", "node", "ops", "state", "walk", "call", "do", "target", "msg",
    "nested", "in", "mode", "failover", "kind", "errp", "disk", "sector",
    "count", "byte", "vm", "conn", "diverge", "link", "fails", "op", "rc",
    "point", "k", "p", "persistent", "error", "error_contains", "data",
    "index", "stage", "epoch", "broken", "crashed", "fired", "hits",
    "violation", "hash", "may_fail", "id",
};

static const char *const w_role[] = { "primary", "secondary", NULL };
static const char *const w_errp[] = { "fresh", "null", "set", NULL };
static const char *const w_vm[] = { "both", "primary", "secondary", NULL };
static const char *const w_link[] = { "p2s", "s2p", "both", NULL };
static const char *const w_io[] = { "read", "write", "receive", NULL };
static const char *const w_fmode[] = { "always", "once", "nth", "after", "every", "prob", NULL };
static const char *const w_stage[] = { "none", "running", "failover", "failover_failed", "done", NULL };
static const char *const w_walk[] = { "start", "stop", "checkpoint", "get_error", NULL };
static const char *const w_act[] = { "ok", "fail", "fail_silent", "remove", "register",
                                     "nested", "crash", NULL };

#define BIG INT64_MAX
#define I(k, req, lo, hi) { k, T_INT, req, lo, hi, NULL }
#define E(k, req, words) { k, T_ENUM, req, 0, 0, words }
#define T(k, type, req) { k, type, req, 0, 0, NULL }
#define W(k, req) { k, T_WALK, req, 0, 0, w_walk }

static const OpSpec ops[OP__COUNT] = {
    [OP_SEED] = { "seed", { I(K_VALUE, true, 0, BIG) } },
    [OP_LIMIT] = { "limit", { I(K_TICKS, false, 1, SCN_MAX_TICKS),
                              I(K_DEPTH, false, 1, SCN_MAX_DEPTH),
                              I(K_CALLS, false, 1, SCN_MAX_CALLS) } },
    [OP_REGISTRY] = { "registry", { T(K_NAME, T_NAME, true) } },
    [OP_CLUSTER] = { "cluster", {
        /* A disk and the working set hold the largest write. */
        I(K_DISKS, false, 1, SIM_CLUSTER_MAX_DISKS),
        I(K_SIZE, false, SIM_CLUSTER_MAX_WRITE_SECTORS, SCN_MAX_SECTORS),
        I(K_LATENCY, false, 1, SCN_MAX_LATENCY_TICKS), I(K_INTERVAL, false, 0, SCN_MAX_TICKS),
        I(K_TIMEOUT, false, 1, SCN_MAX_TICKS), I(K_COMPARE_TIMEOUT, false, 1, SCN_MAX_TICKS),
        I(K_COMMIT_RATE, false, 1, SIM_DISK_COMMIT_MAX_SECTORS_PER_TICK),
        T(K_WRITES, T_FRAC, false),
        T(K_PACKETS, T_FRAC, false), T(K_DIVERGENCE, T_FRAC, false),
        I(K_CONNECTIONS, false, 1, SIM_CLUSTER_MAX_CONNS),
        I(K_WORKING_SET, false, SIM_CLUSTER_MAX_WRITE_SECTORS, SCN_MAX_SECTORS),
        T(K_PRIMARY, T_NAME, false), T(K_SECONDARY, T_NAME, false),
        T(K_UPSTREAM_CHECKPOINT, T_BOOL, false), T(K_UPSTREAM_FAILOVER, T_BOOL, false),
        T(K_FAILOVER_ON_CRASH, T_BOOL, false) } },
    [OP_DISK] = { "disk", { T(K_NAME, T_NAME, true), E(K_ROLE, true, w_role),
                            I(K_SIZE, false, 1, SCN_MAX_SECTORS), T(K_REG, T_NAME, false),
                            T(K_TO, T_NAME, false) } },
    [OP_STATE] = { "state", { T(K_NAME, T_NAME, true), T(K_REG, T_NAME, false),
                              T(K_NODE, T_NAME, false), T(K_OPS, T_OPS, false),
                              T(K_MAY_FAIL, T_BOOL, false) } },
    [OP_REMOVE] = { "remove", { T(K_STATE, T_NAME, true), T(K_MAY_FAIL, T_BOOL, false) } },
    [OP_ON] = { "on", { T(K_STATE, T_NAME, true), W(K_WALK, true),
                        I(K_CALL, false, 1, SCN_MAX_COUNT), T(K_DO, T_DO, true),
                        T(K_TARGET, T_NAME, false), T(K_MSG, T_TEXT, false),
                        W(K_NESTED, false), T(K_IN, T_NAME, false),
                        E(K_MODE, false, w_role), T(K_FAILOVER, T_BOOL, false) } },
    [OP_WALK] = { "walk", { W(K_KIND, true), T(K_REG, T_NAME, false),
                            T(K_NODE, T_NAME, false), E(K_MODE, false, w_role),
                            T(K_FAILOVER, T_BOOL, false), E(K_ERRP, false, w_errp),
                            T(K_MAY_FAIL, T_BOOL, false) } },
    [OP_START] = { "start", { T(K_FAILS, T_TEXT, false), T(K_MAY_FAIL, T_BOOL, false) } },
    [OP_RUN] = { "run", { I(K_TICKS, true, 0, SCN_MAX_TICKS) } },
    [OP_WRITE] = { "write", { I(K_DISK, false, 0, SIM_CLUSTER_MAX_DISKS - 1),
                              I(K_SECTOR, true, 0, SCN_MAX_SECTORS),
                              I(K_COUNT, false, 1, SIM_CLUSTER_MAX_WRITE_SECTORS),
                              I(K_BYTE, true, 0, UINT8_MAX),
                              E(K_VM, false, w_vm), T(K_FAILS, T_TEXT, false),
                              T(K_MAY_FAIL, T_BOOL, false) } },
    [OP_PACKET] = { "packet", { I(K_CONN, true, 0, SIM_CLUSTER_MAX_CONNS - 1),
                                T(K_DIVERGE, T_BOOL, false),
                                T(K_FAILS, T_TEXT, false), T(K_MAY_FAIL, T_BOOL, false) } },
    [OP_CHECKPOINT] = { "checkpoint", { T(K_FAILS, T_TEXT, false), T(K_MAY_FAIL, T_BOOL, false) } },
    [OP_FAILOVER] = { "failover", { T(K_NODE, T_NAME, true), T(K_FAILS, T_TEXT, false),
                                    T(K_MAY_FAIL, T_BOOL, false) } },
    [OP_CRASH] = { "crash", { T(K_NODE, T_NAME, true), T(K_FAILS, T_TEXT, false),
                              T(K_MAY_FAIL, T_BOOL, false) } },
    [OP_PARTITION] = { "partition", { E(K_LINK, true, w_link) } },
    [OP_HEAL] = { "heal", { { 0 } } },
    [OP_IO] = { "io", { T(K_DISK, T_NAME, true), E(K_OP, true, w_io),
                        I(K_SECTOR, true, 0, SCN_MAX_SECTORS),
                        I(K_COUNT, false, 1, SIM_DISK_MAX_IO_SECTORS),
                        I(K_BYTE, false, 0, UINT8_MAX),
                        { K_RC, T_SINT, false, SCN_MIN_RC, 0, NULL } } },
    [OP_FAULT] = { "fault", { T(K_POINT, T_POINT, true), E(K_MODE, true, w_fmode),
                              I(K_K, false, 1, BIG), T(K_P, T_FRAC, false),
                              T(K_PERSISTENT, T_BOOL, false) } },
    [OP_CLEAR] = { "clear", { T(K_POINT, T_POINT, true) } },
    [OP_EXPECT] = { "expect", { { 0 } } },    /* see expect_forms */
    [OP_RULE] = { "rule", { T(K_ID, T_NAME, true), W(K_WALK, false) } },
};

/* `expect` forms: the first key decides which others may follow. */
static const OpSpec expect_forms[] = {
    { "calls", { T(K_CALLS, T_TEXT, true) } },
    { "error", { T(K_ERROR, T_ERRTEXT, true) } },
    { "error_contains", { T(K_ERROR_CONTAINS, T_TEXT, true) } },
    { "count", { I(K_COUNT, true, 0, SCN_MAX_COUNT), T(K_REG, T_NAME, false),
                 T(K_NODE, T_NAME, false) } },
    { "data", { I(K_DATA, true, 0, UINT8_MAX), T(K_DISK, T_NAME, false),
                T(K_NODE, T_NAME, false), I(K_INDEX, false, 0, SIM_CLUSTER_MAX_DISKS - 1),
                I(K_SECTOR, true, 0, SCN_MAX_SECTORS),
                I(K_COUNT, false, 1, SIM_DISK_MAX_IO_SECTORS) } },
    { "stage", { E(K_STAGE, true, w_stage), T(K_DISK, T_NAME, false),
                 T(K_NODE, T_NAME, false), I(K_INDEX, false, 0, SIM_CLUSTER_MAX_DISKS - 1) } },
    { "packets", { I(K_PACKETS, true, 0, BIG) } },
    { "epoch", { I(K_EPOCH, true, 0, BIG) } },
    { "broken", { T(K_BROKEN, T_BOOL, true) } },
    { "crashed", { T(K_CRASHED, T_BOOL, true), T(K_NODE, T_NAME, true) } },
    { "fired", { I(K_FIRED, true, 0, BIG), T(K_POINT, T_POINT, true) } },
    { "hits", { I(K_HITS, true, 0, BIG), T(K_POINT, T_POINT, true) } },
    { "violation", { T(K_VIOLATION, T_TEXT, true) } },
    { "hash", { T(K_HASH, T_U64, true) } },
};

const char *scn_op_name(ScnOpKind kind)
{
    return ops[kind].name;
}

const char *scn_key_name(ScnKey key)
{
    return key_names[key];
}

const char *scn_action_name(unsigned act)
{
    return act < sizeof(w_act) / sizeof(w_act[0]) - 1 ? w_act[act] : "?";
}

const char *scn_event_name(int kind)
{
    static const char *const names[] = { "call", "walk_done", "failed" };

    if (kind >= 0 && kind < OP__COUNT) {
        return ops[kind].name;
    }
    return kind >= OP__COUNT && kind < SCN_EV__END ? names[kind - OP__COUNT] : "?";
}

const ScnValue *scn_arg(const ScnOp *op, ScnKey key)
{
    for (unsigned i = 0; i < op->nargs; i++) {
        if (op->args[i].key == key) {
            return &op->args[i].v;
        }
    }
    return NULL;
}

/* ---- errors ------------------------------------------------------------ */

typedef struct Parser {
    const char *file;
    ScnError *err;
    ScnScript *s;
    unsigned line;
} Parser;

static int perr(Parser *p, unsigned col, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The message quotes bytes of the file: its control bytes (ESC, BEL, ...;
 * the formats have none) are shown as \xNN, never sent to a terminal. */
static int perr(Parser *p, unsigned col, const char *fmt, ...)
{
    char raw[sizeof(p->err->message)];
    size_t n = 0;
    va_list ap;

    p->err->line = p->line;
    p->err->col = col;
    va_start(ap, fmt);
    vsnprintf(raw, sizeof(raw), fmt, ap);
    va_end(ap);
    for (const char *c = raw; *c != '\0' && n + 5 <= sizeof(p->err->message); c++) {
        unsigned char b = (unsigned char)*c;

        if (b < 0x20 || b == 0x7f) {
            n += (size_t)snprintf(p->err->message + n, 5, "\\x%02x", b);
        } else {
            p->err->message[n++] = *c;
        }
    }
    p->err->message[n] = '\0';
    return -EINVAL;
}

void scn_error_format(const ScnScript *s, const char *file, const ScnError *err,
                      char *buf, size_t len)
{
    (void)s;
    snprintf(buf, len, "%s:%u:%u: %s", file, err->line, err->col, err->message);
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

static int word_index(const char *const *words, const char *s)
{
    for (int i = 0; words[i] != NULL; i++) {
        if (!strcmp(words[i], s)) {
            return i;
        }
    }
    return -1;
}

static void list_words(const char *const *words, char *buf, size_t len)
{
    size_t n = 0;

    buf[0] = '\0';
    for (int i = 0; words[i] != NULL && n < len; i++) {
        n += (size_t)snprintf(buf + n, len - n, "%s%s", i ? ", " : "", words[i]);
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

/* ops=all|none|start+stop... */
/* "a+b+c": no empty items (strtok_r would skip them silently). */
static bool plus_list_ok(const char *s)
{
    return *s != '\0' && *s != '+' && s[strlen(s) - 1] != '+' && !strstr(s, "++");
}

static int parse_ops(const char *s, int64_t *bits)
{
    char buf[SCN_MAX_TEXT + 1];
    char *save = NULL;

    if (!plus_list_ok(s)) {
        return -EINVAL;
    }
    if (!strcmp(s, "all") || !strcmp(s, "none")) {
        *bits = !strcmp(s, "all") ? 15 : 0;
        return 0;
    }
    snprintf(buf, sizeof(buf), "%s", s);
    *bits = 0;
    for (char *w = strtok_r(buf, "+", &save); w; w = strtok_r(NULL, "+", &save)) {
        int i = word_index(w_walk, w);

        if (i < 0 || (*bits & (1 << i))) {
            return -EINVAL;
        }
        *bits |= 1 << i;
    }
    return *bits ? 0 : -EINVAL;
}

static int parse_do(const char *s, ScnValue *v)
{
    char buf[SCN_MAX_TEXT + 1];
    char *save = NULL;

    if (!plus_list_ok(s)) {
        return -EINVAL;
    }
    snprintf(buf, sizeof(buf), "%s", s);
    v->nlist = 0;
    for (char *w = strtok_r(buf, "+", &save); w; w = strtok_r(NULL, "+", &save)) {
        int i = word_index(w_act, w);

        if (i < 0 || v->nlist == SCN_MAX_ACTIONS) {
            return -EINVAL;
        }
        v->list[v->nlist++] = (uint8_t)i;
    }
    return v->nlist ? 0 : -EINVAL;
}

static int bad(Parser *p, const Token *t, ScnKey key, const char *why)
{
    return perr(p, t->col, "bad value '%s' for '%s': %s", t->text, key_names[key], why);
}

static int value_range(Parser *p, const Token *t, const KeySpec *k, ScnValue *v)
{
    int rc = parse_int(t->text, k->type == T_SINT, &v->i);

    if (rc == -ERANGE) {
        return bad(p, t, k->key, "too large");
    }
    if (rc < 0) {
        return bad(p, t, k->key, "expected an integer");
    }
    if (v->i < k->min || v->i > k->max) {
        char why[80];

        snprintf(why, sizeof(why), "must be %lld..%lld", (long long)k->min,
                 (long long)k->max);
        return bad(p, t, k->key, why);
    }
    return 0;
}

static int typed_value(Parser *p, const Token *t, const KeySpec *k, ScnValue *v)
{
    char words[160];
    int i;

    v->col = t->col;
    switch (k->type) {
    case T_INT:
    case T_SINT:
        return value_range(p, t, k, v);
    case T_U64:
        return parse_u64(t->text, &v->i) < 0 ? bad(p, t, k->key, "expected 0x and 1-16 hex digits") : 0;
    case T_BOOL:
        if (strcmp(t->text, "true") && strcmp(t->text, "false")) {
            return bad(p, t, k->key, "expected true or false");
        }
        v->i = !strcmp(t->text, "true");
        return 0;
    case T_FRAC:
        return parse_frac(t->text, &v->i, &v->places) < 0
               ? bad(p, t, k->key, "expected a fraction 0..1 (at most 6 places) or N/1000000") : 0;
    case T_WALK:
    case T_ENUM:
        i = word_index(k->type == T_WALK ? w_walk : k->words, t->text);
        if (i < 0) {
            list_words(k->type == T_WALK ? w_walk : k->words, words, sizeof(words));
            return perr(p, t->col, "bad value '%s' for '%s': expected one of %s",
                        t->text, key_names[k->key], words);
        }
        v->i = i;
        break;                  /* keep the word too, for messages */
    case T_OPS:
        return parse_ops(t->text, &v->i) < 0
               ? bad(p, t, k->key, "expected all, none, or members joined by '+'") : 0;
    case T_DO:
        return parse_do(t->text, v) < 0
               ? bad(p, t, k->key, "expected actions joined by '+' (ok, fail, fail_silent, "
                                   "remove, register, nested, crash)") : 0;
    case T_NAME:
        if (!valid_name(t->text)) {
            return bad(p, t, k->key, "expected a name of 1-24 letters, digits, '_' or '-'");
        }
        break;
    default:
        v->i = k->type == T_ERRTEXT && !t->quoted && !strcmp(t->text, "none") ? -1 : 0;
        break;
    }
    v->text = scn_keep(p->s, t->text, strlen(t->text));
    return v->text ? 0 : perr(p, t->col, "out of memory");
}

/* ---- one line ------------------------------------------------------------ */

static const OpSpec *find_op(const char *name, ScnOpKind *kind)
{
    for (int i = 0; i < OP__COUNT; i++) {
        if (!strcmp(ops[i].name, name)) {
            *kind = (ScnOpKind)i;
            return &ops[i];
        }
    }
    return NULL;
}

/* Specs end at the first unused (zeroed) entry: every real integer key
 * has max > 0. */
static bool used(const KeySpec *k)
{
    return !(k->type == T_INT && k->max == 0 && !k->required);
}

static const KeySpec *find_key(const OpSpec *spec, const char *name)
{
    for (int i = 0; i < MAX_SPECS && used(&spec->keys[i]); i++) {
        if (!strcmp(key_names[spec->keys[i].key], name)) {
            return &spec->keys[i];
        }
    }
    return NULL;
}

const ScnKeySpec *scn_key_spec(ScnOpKind kind, ScnKey form, ScnKey key)
{
    const OpSpec *spec = kind == OP_EXPECT ? NULL : &ops[kind];

    for (size_t i = 0; spec == NULL && i < sizeof(expect_forms) / sizeof(expect_forms[0]); i++) {
        spec = expect_forms[i].keys[0].key == form ? &expect_forms[i] : NULL;
    }
    for (int i = 0; spec != NULL && i < MAX_SPECS && used(&spec->keys[i]); i++) {
        if (spec->keys[i].key == key) {
            return &spec->keys[i];
        }
    }
    return NULL;
}

/* The spec `expect` uses, chosen by its first key. */
static const OpSpec *expect_form(const char *first)
{
    for (size_t i = 0; i < sizeof(expect_forms) / sizeof(expect_forms[0]); i++) {
        if (!strcmp(expect_forms[i].name, first)) {
            return &expect_forms[i];
        }
    }
    return NULL;
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

static int add_arg(Parser *p, ScnOp *op, const OpSpec **spec, const Token *key, const Token *val)
{
    const KeySpec *k;

    if (op->kind == OP_EXPECT && op->nargs == 0) {
        *spec = expect_form(key->text);
        if (*spec == NULL) {
            return perr(p, key->col, "unknown expectation '%s'", key->text);
        }
        op->form = (*spec)->keys[0].key;
    }
    k = find_key(*spec, key->text);
    if (k == NULL) {
        return perr(p, key->col, "unknown argument '%s' for '%s'", key->text,
                    ops[op->kind].name);
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

static int check_required(Parser *p, const ScnOp *op, const OpSpec *spec)
{
    if (op->kind == OP_EXPECT && op->nargs == 0) {
        return perr(p, op->col, "'expect' needs what to expect, e.g. calls=\"a.stop\"");
    }
    for (int i = 0; i < MAX_SPECS && used(&spec->keys[i]); i++) {
        if (spec->keys[i].required && scn_arg(op, spec->keys[i].key) == NULL) {
            return perr(p, op->col, "missing argument '%s' for '%s'",
                        key_names[spec->keys[i].key], ops[op->kind].name);
        }
    }
    return 0;
}

static int parse_line(Parser *p, const char *line, size_t len, ScnOp *op, bool *empty)
{
    size_t i = 0;
    Token word, key, val;
    const OpSpec *spec;

    memset(op, 0, sizeof(*op));
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
    spec = find_op(word.text, &op->kind);
    if (spec == NULL || (i < len && line[i] == '=')) {
        return perr(p, word.col, "unknown operation '%s'", word.text);
    }
    for (;;) {
        size_t before = i;

        skip_blanks(line, len, &i);
        if (i == len || line[i] == '#') {
            break;
        }
        if (i == before) {
            return perr(p, (unsigned)i + 1, "expected a blank before the next argument");
        }
        if (lex_arg(p, line, len, &i, &key, &val) < 0 || add_arg(p, op, &spec, &key, &val) < 0) {
            return -EINVAL;
        }
    }
    return check_required(p, op, spec);
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

/* reg= or node= (at most one), each known. */
static int check_place(Parser *p, const Syms *y, const ScnOp *op)
{
    const char *reg = text_of(op, K_REG), *node = text_of(op, K_NODE);

    if (reg && node) {
        return perr(p, col_of(op, K_NODE), "give reg= or node=, not both");
    }
    if (reg && !is_registry(y, reg)) {
        return perr(p, col_of(op, K_REG), "unknown registry '%s'", reg);
    }
    if (node && !is_node(y, node)) {
        return perr(p, col_of(op, K_NODE), "unknown node '%s'", node);
    }
    return 0;
}

static int need_cluster(Parser *p, const Syms *y, const ScnOp *op)
{
    return y->cluster ? 0 : perr(p, op->col, "'%s' needs a cluster (declare one with "
                                 "'cluster' first)", ops[op->kind].name);
}

static int need_node(Parser *p, const Syms *y, const ScnOp *op)
{
    const char *node = text_of(op, K_NODE);

    if (need_cluster(p, y, op) < 0) {
        return -EINVAL;
    }
    return is_node(y, node) ? 0 : perr(p, col_of(op, K_NODE), "unknown node '%s'", node);
}

static int need_state(Parser *p, const Syms *y, const ScnOp *op, ScnKey key)
{
    const char *name = text_of(op, key);

    if (name != NULL && state_index(y, name) < 0) {
        return perr(p, col_of(op, key), "unknown state '%s'", name);
    }
    return 0;
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

static int check_registry_op(Parser *p, Syms *y, const ScnOp *op)
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

static int check_cluster_op(Parser *p, Syms *y, const ScnOp *op)
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

static int check_disk_op(Parser *p, Syms *y, const ScnOp *op)
{
    const char *name = text_of(op, K_NAME), *to = text_of(op, K_TO);
    int role = (int)scn_arg(op, K_ROLE)->i;

    if (disk_index(y, name) >= 0) {
        return perr(p, col_of(op, K_NAME), "disk '%s' already exists", name);
    }
    if (y->ndisks == SCN_MAX_DISKS) {
        return perr(p, col_of(op, K_NAME), "more than %d disks", SCN_MAX_DISKS);
    }
    if (check_place(p, y, op) < 0) {
        return -EINVAL;
    }
    if (to && (role != ROLE_PRIMARY || disk_index(y, to) < 0 ||
               y->disks[disk_index(y, to)].role != ROLE_SECONDARY)) {
        return perr(p, col_of(op, K_TO), disk_index(y, to) < 0 ? "unknown disk '%s'"
                    : "'to' needs a primary disk forwarding to a secondary one ('%s')", to);
    }
    snprintf(y->disks[y->ndisks].name, sizeof(y->disks[0].name), "%s", name);
    y->disks[y->ndisks++].role = role;
    return disk_points(p, y, op->col, name, role == ROLE_SECONDARY);
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
                return perr(p, col_of(op, K_IN), "unknown registry or node '%s'", in);
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
    int d = disk_index(y, text_of(op, K_DISK));
    int io = (int)scn_arg(op, K_OP)->i;

    if (d < 0) {
        return perr(p, col_of(op, K_DISK), "unknown disk '%s'", text_of(op, K_DISK));
    }
    if (io == IO_RECEIVE && y->disks[d].role != ROLE_SECONDARY) {
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
           ? 0 : perr(p, col_of(op, K_POINT), "unknown fault point '%s'", point);
}

static int check_fault_op(Parser *p, const Syms *y, const ScnOp *op)
{
    int mode = (int)scn_arg(op, K_MODE)->i;

    if (check_point(p, y, op, false) < 0) {
        return -EINVAL;
    }
    if ((mode == FM_NTH || mode == FM_AFTER || mode == FM_EVERY) && !scn_arg(op, K_K)) {
        return perr(p, col_of(op, K_MODE), "mode '%s' needs k=", w_fmode[mode]);
    }
    if (mode == FM_PROB && !scn_arg(op, K_P)) {
        return perr(p, col_of(op, K_MODE), "mode 'prob' needs p=");
    }
    return 0;
}

static const char *const rule_titles[SCN_RULES] = {
    "order: newest registered first",
    "a NULL ops or member is skipped",
    "first error ends the walk, fresh Error per callback",
    "a walk visits exactly the states registered when it began",
    "removal, registration and nested walks inside callbacks are safe",
    "remove(NULL) is a no-op; NULL ops and freeing a walked registry abort",
};

const char *scn_rule_title(unsigned rule)
{
    return rule >= 1 && rule <= SCN_RULES ? rule_titles[rule - 1] : NULL;
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
        return perr(p, col_of(op, K_ID), "bad value '%s' for 'id': expected a walk rule "
                    "1-%d or an extension (instances, count, alloc-null, free-with-states)",
                    id, SCN_RULES);
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
        return perr(p, op->col, "expect %s needs disk= or node=", key_names[op->form]);
    }
    if (disk && disk_index(y, disk) < 0) {
        return perr(p, col_of(op, K_DISK), "unknown disk '%s'", disk);
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
        return check_registry_op(p, y, op);
    case OP_CLUSTER:
        return check_cluster_op(p, y, op);
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
        return perr(p, op->col, "too many operations (limit %d)", SCN_MAX_OPS);
    }
    if (s->nops == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        ScnOp *grown = realloc(s->ops, cap * sizeof(*grown));

        if (grown == NULL) {
            return perr(p, op->col, "out of memory");
        }
        s->ops = grown;
        s->cap = cap;
    }
    s->ops[s->nops++] = *op;
    return 0;
}

static int parse_text(Parser *p, const char *text, size_t len)
{
    Syms *y = calloc(1, sizeof(*y));
    size_t at = 0;
    int rc = y ? 0 : perr(p, 1, "out of memory");

    if (rc == 0 && y != NULL) {
        rc = add_point(p, y, 1, REPLICATION_FAULT_ALLOC);
    }
    if (rc == 0) {              /* room for every line, up to a point: one allocation */
        size_t lines = 1;

        for (size_t i = 0; i < len && lines < 1024; i++) {
            lines += text[i] == '\n';
        }
        p->s->ops = malloc(lines * sizeof(*p->s->ops));
        p->s->cap = p->s->ops ? lines : 0;
    }
    while (rc == 0 && at < len) {
        const char *nl = memchr(text + at, '\n', len - at);
        size_t n = nl ? (size_t)(nl - (text + at)) : len - at;
        size_t next = nl ? (size_t)(nl - text) + 1 : len;
        ScnOp op;
        bool empty;

        p->line++;
        if (n > SCN_MAX_LINE) {
            rc = perr(p, SCN_MAX_LINE + 1, "line longer than %d bytes", SCN_MAX_LINE);
            break;
        }
        if (n > 0 && text[at + n - 1] == '\r') {
            n--;            /* CRLF files */
        }
        rc = parse_line(p, text + at, n, &op, &empty);
        if (rc == 0 && !empty) {
            rc = check_op(p, p->s, y, &op);
            rc = rc == 0 ? append(p, &op) : rc;
        }
        at = next;
    }
    free(y);
    return rc;
}

ScnScript *scn_parse(const char *text, size_t len, const char *file, ScnError *err)
{
    Parser p = { .file = file, .err = err };
    const char *nul = memchr(text, '\0', len);

    memset(err, 0, sizeof(*err));
    if (len > SCN_MAX_FILE_BYTES) {
        p.line = 1;
        perr(&p, 1, "file larger than %u bytes", SCN_MAX_FILE_BYTES);
        return NULL;
    }
    if (nul != NULL) {
        const char *line_start = text;

        for (const char *c = text; c < nul; c++) {
            p.line += *c == '\n';
            line_start = *c == '\n' ? c + 1 : line_start;
        }
        p.line++;
        perr(&p, (unsigned)(nul - line_start) + 1, "NUL byte in the file");
        return NULL;
    }
    p.s = scn_script_new(file ? file : "-", 0);
    if (p.s == NULL) {
        p.line = 1;
        perr(&p, 1, "out of memory");
        return NULL;
    }
    if (parse_text(&p, text, len) < 0) {
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
