/* trace.c: trace events, the chained hash of their encodings, the last few
 * kept in typed form, and their lines, rendered only when read (trace.h).
 * Writes only where the caller pointed it.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <xxhash.h>

#include "check.h"
#include "host.h"
#include "trace.h"

int sim_trace_init(SimTrace *t)
{
    bool gate = sim_host_gate(0, "trace: the hash state");

    /* The ring's slots are read only below ring.n: no need to clear them. */
    memset(t, 0, offsetof(SimTrace, ring));
    t->ring.n = 0;
    t->hash = gate ? XXH3_createState() : NULL;
    t->chain = XXH3_64bits("", 0);
    if (gate && t->hash == NULL) {
        sim_host_oom(0, "trace: the hash state");
    }
    return t->hash != NULL ? 0 : -ENOMEM;
}

void sim_trace_fini(SimTrace *t)
{
    XXH3_freeState(t->hash);
    memset(t, 0, offsetof(SimTrace, ring));
    t->ring.n = 0;
}

uint64_t sim_trace_hash(const SimTrace *t)
{
    return t->hash != NULL ? t->chain : XXH3_64bits("", 0);
}

/* ---- rendering ------------------------------------------------------------- */

static const char *const comp_names[SIM_COMP__MAX] = {
    [SIM_COMP_NONE] = "-", [SIM_COMP_NET] = "net", [SIM_COMP_COMPARE] = "compare",
    [SIM_COMP_DISK] = "disk/", [SIM_COMP_COLO] = "colo", [SIM_COMP_CHECK] = "check",
    [SIM_COMP_FAULT] = "fault", [SIM_COMP_SCN] = "scn", [SIM_COMP_LIVENESS] = "liveness",
};

/* A line being rendered: every append stops at the line limit. */
typedef struct Line {
    char *buf;
    int len;
} Line;

/* s, or "(null)": a slot read back from bytes may lack any string. */
static void put(Line *l, const char *s)
{
    s = s != NULL ? s : "(null)";
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

/* Numbers without printf: a trace file has a line per event. */
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
        put(l, f->v.s);
    }
    if (f->flags & SIM_TF_QUOTED) {
        put_c(l, '"');
    }
}

size_t sim_trace_render(const SimTraceEvent *e, char line[SIM_TRACE_LINE_MAX])
{
    Line l = { .buf = line };

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
    line[l.len] = '\0';
    return (size_t)l.len;
}

/* ---- the encoding (trace.h) ---------------------------------------------------- */

_Static_assert(SIM_TRACE_SLOT_MAX >= SIM_TRACE_LINE_MAX, "a slot holds a line");
_Static_assert(SIM_TRACE_SLOT_MAX <= UINT16_MAX, "a slot's length is 16 bits");

/* Encodings are written in place, every part bounded by the slot's end;
 * an event that does not fit takes the streaming path below. */
static inline unsigned char *fast_le(unsigned char *d, uint64_t v, unsigned bytes)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    memcpy(d, &v, bytes);
    return d + bytes;
}

/* s with its presence byte at d, or NULL when it does not fit before end. */
static inline unsigned char *fast_str(unsigned char *d, const unsigned char *end, const char *s)
{
    if (d >= end) {
        return NULL;
    }
    *d++ = s != NULL;
    if (s == NULL) {
        return d;
    }
    while (d < end) {
        if ((*d++ = (unsigned char)*s++) == '\0') {
            return d;
        }
    }
    return NULL;
}

/* f's encoding at d, or NULL when it does not fit before end. */
static inline unsigned char *fast_field(unsigned char *d, const unsigned char *end,
                                       const SimTraceField *f)
{
    SIM_CHECK(f->type <= SIM_TV_TEXT && f->flags < 256);
    if (end - d < 2) {
        return NULL;
    }
    *d++ = (unsigned char)f->type;
    *d++ = (unsigned char)f->flags;
    d = fast_str(d, end, f->key);
    if (d == NULL) {
        return NULL;
    }
    if (f->type == SIM_TV_STR || f->type == SIM_TV_TEXT) {
        return fast_str(d, end, f->v.s);
    }
    if (end - d < 8) {
        return NULL;
    }
    d = fast_le(d, f->type == SIM_TV_I64 ? (uint64_t)f->v.i : f->v.u, 8);
    return f->type == SIM_TV_WORD ? fast_str(d, end, f->v.s) : d;
}

/* e's whole encoding into slot s: its length, or 0 when it does not fit. */
static size_t fast_event(SimTraceSlot *s, const SimTraceEvent *e)
{
    unsigned char *d = s->enc;
    const unsigned char *end = s->enc + SIM_TRACE_SLOT_MAX;

    unsigned char *nfields;
    unsigned n = 0;

    d = fast_le(d, e->tick, 8);
    *d++ = (unsigned char)e->comp;
    d = fast_le(d, (uint32_t)e->kind, 4);
    nfields = d++;                  /* the fields in the line, known after them */
    d = fast_str(d, end, e->node);
    d = d != NULL ? fast_str(d, end, e->object) : NULL;
    d = d != NULL ? fast_str(d, end, e->name) : NULL;
    for (unsigned i = 0; d != NULL && i < e->nfields; i++) {
        if (!(e->field[i].flags & SIM_TF_HIDDEN)) {
            d = fast_field(d, end, &e->field[i]);
            n++;
        }
    }
    *nfields = (unsigned char)n;
    return d != NULL ? (size_t)(d - s->enc) : 0;
}

/* The rare event whose encoding is longer than a slot (long strings):
 * hashed part by part through the streaming state, seeded with the chain,
 * which gives what one shot over the whole encoding would. */
static void stream(XXH3_state_t *h, const void *p, size_t n)
{
    SIM_CHECK(XXH3_64bits_update(h, p, n) == XXH_OK);
}

static void stream_le(XXH3_state_t *h, uint64_t v, unsigned bytes)
{
    unsigned char b[8];

    fast_le(b, v, bytes);
    stream(h, b, bytes);
}

static void stream_str(XXH3_state_t *h, const char *s)
{
    stream_le(h, s != NULL, 1);
    if (s != NULL) {
        stream(h, s, strlen(s) + 1);
    }
}

static uint64_t stream_event(XXH3_state_t *h, uint64_t seed, const SimTraceEvent *e)
{
    unsigned n = 0;

    for (unsigned i = 0; i < e->nfields; i++) {
        n += !(e->field[i].flags & SIM_TF_HIDDEN);
    }
    SIM_CHECK(XXH3_64bits_reset_withSeed(h, seed) == XXH_OK);
    stream_le(h, e->tick, 8);
    stream_le(h, (uint64_t)e->comp, 1);
    stream_le(h, (uint32_t)e->kind, 4);
    stream_le(h, n, 1);
    stream_str(h, e->node);
    stream_str(h, e->object);
    stream_str(h, e->name);
    for (unsigned i = 0; i < e->nfields; i++) {
        const SimTraceField *f = &e->field[i];
        bool str = f->type == SIM_TV_STR || f->type == SIM_TV_TEXT;

        SIM_CHECK(f->type <= SIM_TV_TEXT && f->flags < 256);
        if (f->flags & SIM_TF_HIDDEN) {
            continue;
        }
        stream_le(h, (uint64_t)f->type, 1);
        stream_le(h, f->flags, 1);
        stream_str(h, f->key);
        if (!str) {
            stream_le(h, f->type == SIM_TV_I64 ? (uint64_t)f->v.i : f->v.u, 8);
        }
        if (str || f->type == SIM_TV_WORD) {
            stream_str(h, f->v.s);
        }
    }
    return XXH3_64bits_digest(h);
}

/* Keep e in r's next slot and, when t is set, chain its hash: one
 * one-shot XXH3 per event (a streaming update per event cost as much as
 * the whole encoding), unless it is longer than a slot, which then keeps
 * its line. */
static void keep(SimTraceRing *r, const SimTraceEvent *e, SimTrace *t)
{
    SimTraceSlot *slot = &r->slot[r->n % SIM_TRACE_KEEP];
    bool hashed = t != NULL && t->hash != NULL;
    size_t len;

    SIM_CHECK(e->comp < SIM_COMP__MAX && e->nfields <= SIM_TRACE_FIELDS_MAX);
    len = fast_event(slot, e);
    if (len > 0 && hashed) {
        t->chain = XXH3_64bits_withSeed(slot->enc, len, t->chain);
    } else if (len == 0 && hashed) {
        t->chain = stream_event(t->hash, t->chain, e);
    }
    slot->is_line = len == 0;
    slot->len = (uint16_t)(len > 0 ? len : sim_trace_render(e, (char *)slot->enc) + 1);
    r->n++;
}

void sim_trace_ring_put(SimTraceRing *r, const SimTraceEvent *e)
{
    keep(r, e, NULL);
}

void sim_trace_ring_copy(SimTraceRing *dst, const SimTraceRing *src)
{
    for (unsigned i = 0; i < SIM_TRACE_KEEP && i < src->n; i++) {
        const SimTraceSlot *s = &src->slot[i];

        SIM_CHECK_OP(s->len, <=, SIM_TRACE_SLOT_MAX);
        memcpy(&dst->slot[i], s, offsetof(SimTraceSlot, enc) + s->len);
    }
    dst->n = src->n;
}

void sim_trace_emit(SimTrace *t, const SimTraceEvent *e)
{
    keep(&t->ring, e, t);
    t->lines++;
    if (t->out != NULL) {
        char line[SIM_TRACE_LINE_MAX];
        size_t len = sim_trace_render(e, line);

        line[len] = '\n';
        fwrite(line, 1, len + 1, t->out);
    }
    if (t->sink != NULL) {
        t->sink(t->sink_ctx, e);
    }
}

/* ---- reading a slot back ------------------------------------------------------- */

/* A slot's bytes being read: any read past its end marks it bad. */
typedef struct Dec {
    const unsigned char *p;
    size_t len, at;
    bool bad;
} Dec;

static unsigned dec_u8(Dec *d)
{
    if (d->at + 1 > d->len) {
        d->bad = true;
        return 0;
    }
    return d->p[d->at++];
}

static uint64_t dec_u64(Dec *d, unsigned bytes)
{
    uint64_t v = 0;

    if (d->at + bytes > d->len) {
        d->bad = true;
        return 0;
    }
    for (unsigned i = 0; i < bytes; i++) {
        v |= (uint64_t)d->p[d->at++] << (8 * i);
    }
    return v;
}

static const char *dec_str(Dec *d)
{
    unsigned present = dec_u8(d);
    const unsigned char *end;
    const char *s;

    if (present != 1) {
        d->bad |= present != 0;
        return NULL;
    }
    end = d->at < d->len ? memchr(d->p + d->at, '\0', d->len - d->at) : NULL;
    if (end == NULL) {
        d->bad = true;
        return NULL;
    }
    s = (const char *)d->p + d->at;
    d->at = (size_t)(end - d->p) + 1;
    return s;
}

static void dec_field(Dec *d, SimTraceField *f)
{
    unsigned type = dec_u8(d);

    f->type = (SimTraceType)type;
    f->flags = dec_u8(d);
    f->key = dec_str(d);
    if (type == SIM_TV_I64) {
        f->v.i = (int64_t)dec_u64(d, 8);
    } else if (type == SIM_TV_STR || type == SIM_TV_TEXT) {
        f->v.s = dec_str(d);
    } else if (type == SIM_TV_WORD) {
        f->v.u = dec_u64(d, 8);
        f->v.s = dec_str(d);
    } else if (type == SIM_TV_U64 || type == SIM_TV_BOOL) {
        f->v.u = dec_u64(d, 8);
    } else {
        d->bad = true;
    }
}

/* The event encoded in s, its strings pointing into s; false when the
 * bytes are not one whole encoding. */
static bool decode(const SimTraceSlot *s, SimTraceEvent *e, SimTraceField f[SIM_TRACE_FIELDS_MAX])
{
    Dec d = { .p = s->enc, .len = s->len <= SIM_TRACE_SLOT_MAX ? s->len : 0 };

    memset(e, 0, sizeof(*e));
    memset(f, 0, SIM_TRACE_FIELDS_MAX * sizeof(*f));
    e->tick = dec_u64(&d, 8);
    e->comp = (SimTraceComp)dec_u8(&d);
    e->kind = (int)(uint32_t)dec_u64(&d, 4);
    e->nfields = dec_u8(&d);
    e->node = dec_str(&d);
    e->object = dec_str(&d);
    e->name = dec_str(&d);
    e->field = f;
    if (e->comp >= SIM_COMP__MAX || e->nfields > SIM_TRACE_FIELDS_MAX) {
        return false;
    }
    for (unsigned i = 0; i < e->nfields && !d.bad; i++) {
        dec_field(&d, &f[i]);
    }
    return !d.bad && d.at == d.len;
}

const char *sim_trace_ring_line(const SimTraceRing *r, unsigned i,
                                char line[SIM_TRACE_LINE_MAX])
{
    const SimTraceSlot *s;
    SimTraceField f[SIM_TRACE_FIELDS_MAX];
    SimTraceEvent e;

    if (i >= SIM_TRACE_KEEP || i >= r->n) {
        return NULL;
    }
    s = &r->slot[(r->n - 1 - i) % SIM_TRACE_KEEP];
    if (s->is_line && s->len >= 1 && s->len <= SIM_TRACE_LINE_MAX
        && s->enc[s->len - 1] == '\0') {
        memcpy(line, s->enc, s->len);
    } else if (s->is_line || !decode(s, &e, f)) {
        snprintf(line, SIM_TRACE_LINE_MAX, "%s", "(unreadable trace event)");
    } else {
        sim_trace_render(&e, line);
    }
    return line;
}

const char *sim_trace_recent(const SimTrace *t, unsigned i, char line[SIM_TRACE_LINE_MAX])
{
    return sim_trace_ring_line(&t->ring, i, line);
}

/* ---- reading fields --------------------------------------------------------- */

const SimTraceField *sim_trace_field(const SimTraceEvent *e, const char *key)
{
    for (unsigned i = 0; i < e->nfields; i++) {
        if (e->field[i].key != NULL && strcmp(e->field[i].key, key) == 0) {
            return &e->field[i];
        }
    }
    return NULL;
}

const SimTraceField *sim_trace_need(const SimTraceEvent *e, const char *key)
{
    const SimTraceField *f = sim_trace_field(e, key);

    if (f == NULL) {
        fprintf(stderr, "trace: event '%s' has no field '%s'\n", e->name ? e->name : "?", key);
    }
    SIM_CHECK(f != NULL);
    return f;
}

const char *sim_trace_need_str(const SimTraceEvent *e, const char *key)
{
    const SimTraceField *f = sim_trace_need(e, key);

    return f->v.s != NULL ? f->v.s : "";
}

uint64_t sim_trace_need_u64(const SimTraceEvent *e, const char *key)
{
    return sim_trace_need(e, key)->v.u;
}
