/* trace.c: trace lines, their streamed hash and the last few lines kept for
 * failure reports (trace.h).  Writes only where the caller pointed it.
 */
#include <errno.h>
#include <string.h>
#include <xxhash.h>

#include "check.h"
#include "trace.h"

int sim_trace_init(SimTrace *t)
{
    memset(t, 0, sizeof(*t));
    t->hash = XXH3_createState();
    if (t->hash == NULL) {
        return -ENOMEM;
    }
    SIM_CHECK(XXH3_64bits_reset(t->hash) == XXH_OK);
    return 0;
}

void sim_trace_fini(SimTrace *t)
{
    XXH3_freeState(t->hash);
    memset(t, 0, sizeof(*t));
}

uint64_t sim_trace_hash(const SimTrace *t)
{
    return t->hash != NULL ? XXH3_64bits_digest(t->hash) : XXH3_64bits("", 0);
}

static const char *const comp_names[SIM_COMP__MAX] = {
    [SIM_COMP_NONE] = "-", [SIM_COMP_NET] = "net", [SIM_COMP_COMPARE] = "compare",
    [SIM_COMP_DISK] = "disk/", [SIM_COMP_COLO] = "colo", [SIM_COMP_CHECK] = "check",
    [SIM_COMP_FAULT] = "fault", [SIM_COMP_SCN] = "scn",
};

/* A line being rendered: every append stops at the line limit. */
typedef struct Line {
    char *buf;
    int len;
} Line;

static void put(Line *l, const char *s)
{
    while (*s != '\0' && l->len < SIM_TRACE_LINE_MAX - 1) {
        l->buf[l->len++] = *s++;
    }
}

static void put_c(Line *l, char c)
{
    if (l->len < SIM_TRACE_LINE_MAX - 1) {
        l->buf[l->len++] = c;
    }
}

/* Numbers without printf: every event is traced, this is the hot path. */
static void put_u64(Line *l, uint64_t v)
{
    char digits[24];
    int n = 0;

    do {
        digits[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    while (n > 0) {
        put_c(l, digits[--n]);
    }
}

static void put_field(Line *l, const SimTraceField *f)
{
    if (f->flags & SIM_TF_HIDDEN || (f->type == SIM_TV_BOOL && !f->v.u)) {
        return;
    }
    if (!(f->flags & SIM_TF_GLUED)) {
        put_c(l, ' ');
    }
    if (f->type == SIM_TV_TEXT || f->type == SIM_TV_BOOL) {
        put(l, f->type == SIM_TV_TEXT ? f->v.s : f->key);
        return;
    }
    if (!(f->flags & SIM_TF_BARE)) {
        put(l, f->key);
        put_c(l, '=');
    }
    if (f->flags & SIM_TF_QUOTED) {
        put_c(l, '"');
    }
    if (f->type == SIM_TV_U64) {
        put_u64(l, f->v.u);
    } else if (f->type == SIM_TV_I64) {
        if (f->v.i < 0) {
            put_c(l, '-');
        }
        put_u64(l, f->v.i < 0 ? 0 - (uint64_t)f->v.i : (uint64_t)f->v.i);
    } else {
        put(l, f->v.s != NULL ? f->v.s : "(null)");
    }
    if (f->flags & SIM_TF_QUOTED) {
        put_c(l, '"');
    }
}

/* "tick node component event fields", cut at the line limit. */
static int render(const SimTraceEvent *e, char *buf)
{
    Line l = { .buf = buf };

    SIM_CHECK(e->comp < SIM_COMP__MAX && e->nfields <= SIM_TRACE_FIELDS_MAX);
    put_u64(&l, e->tick);
    put_c(&l, ' ');
    put(&l, e->node != NULL ? e->node : "-");
    put_c(&l, ' ');
    put(&l, comp_names[e->comp]);
    if (e->comp == SIM_COMP_DISK) {
        put(&l, e->object != NULL ? e->object : "?");
    }
    put_c(&l, ' ');
    put(&l, e->name);
    for (unsigned i = 0; i < e->nfields; i++) {
        put_field(&l, &e->field[i]);
    }
    return l.len;
}

const SimTraceField *sim_trace_field(const SimTraceEvent *e, const char *key)
{
    for (unsigned i = 0; i < e->nfields; i++) {
        if (e->field[i].key != NULL && strcmp(e->field[i].key, key) == 0) {
            return &e->field[i];
        }
    }
    return NULL;
}

const char *sim_trace_str(const SimTraceEvent *e, const char *key)
{
    const SimTraceField *f = sim_trace_field(e, key);

    return f != NULL && f->v.s != NULL ? f->v.s : "";
}

uint64_t sim_trace_u64(const SimTraceEvent *e, const char *key)
{
    const SimTraceField *f = sim_trace_field(e, key);

    return f != NULL ? f->v.u : 0;
}

void sim_trace_emit(SimTrace *t, const SimTraceEvent *e)
{
    char *line = t->last[t->lines % SIM_TRACE_KEEP];
    int len = render(e, line);

    line[len++] = '\n';        /* hashed as the trace file has it */
    if (t->hash != NULL) {
        SIM_CHECK(XXH3_64bits_update(t->hash, line, (size_t)len) == XXH_OK);
    }
    line[--len] = '\0';
    t->lines++;
    if (t->out != NULL) {
        fputs(line, t->out);
        fputc('\n', t->out);
    }
    if (t->sink != NULL) {
        t->sink(t->sink_ctx, e, line);
    }
}

const char *sim_trace_recent(const SimTrace *t, unsigned i)
{
    if (i >= SIM_TRACE_KEEP || i >= t->lines) {
        return NULL;
    }
    return t->last[(t->lines - 1 - i) % SIM_TRACE_KEEP];
}
