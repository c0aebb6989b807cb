/* trace.c: trace events, the chained hash of their encodings, the last few
 * kept in typed form, and their lines, rendered only when read (trace.h).
 * Writes only where the caller pointed it.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <xxhash.h>

#include "check.h"
#include "trace.h"

int sim_trace_init(SimTrace *t)
{
    /* The ring's slots are read only below ring.n: no need to clear them. */
    memset(t, 0, offsetof(SimTrace, ring));
    t->ring.n = 0;
    t->hash = XXH3_createState();
    t->chain = XXH3_64bits("", 0);
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
    [SIM_COMP_FAULT] = "fault", [SIM_COMP_SCN] = "scn",
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

/* An event being encoded into a slot.  An encoding longer than the slot
 * goes to the streaming state a slot at a time (spilled), seeded with the
 * chain as the one-shot hash of a whole encoding is: the same value.  The
 * slot then keeps the line instead. */
typedef struct Enc {
    SimTraceSlot *slot;
    size_t len;
    XXH3_state_t *hash;             /* NULL: only kept */
    uint64_t seed;                  /* the chain so far */
    bool spilled;
} Enc;

static void spill(Enc *x)
{
    if (x->hash != NULL) {
        if (!x->spilled) {
            SIM_CHECK(XXH3_64bits_reset_withSeed(x->hash, x->seed) == XXH_OK);
        }
        SIM_CHECK(XXH3_64bits_update(x->hash, x->slot->enc, x->len) == XXH_OK);
    }
    x->len = 0;
    x->spilled = true;
}

static void enc_long(Enc *x, const unsigned char *p, size_t n)
{
    while (n > 0) {
        size_t room = SIM_TRACE_SLOT_MAX - x->len;
        size_t k = n < room ? n : room;

        if (room == 0) {
            spill(x);
            continue;
        }
        memcpy(x->slot->enc + x->len, p, k);
        x->len += k;
        p += k;
        n -= k;
    }
}

static inline void enc_bytes(Enc *x, const void *p, size_t n)
{
    if (n <= SIM_TRACE_SLOT_MAX - x->len) {
        memcpy(x->slot->enc + x->len, p, n);
        x->len += n;
    } else {
        enc_long(x, p, n);
    }
}

static inline void enc_u8(Enc *x, unsigned v)
{
    unsigned char b = (unsigned char)v;

    enc_bytes(x, &b, 1);
}

/* v in `bytes` bytes (8 or 4), least significant first: one store on a
 * little-endian host. */
static inline void enc_le(Enc *x, uint64_t v, unsigned bytes)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    enc_bytes(x, &v, bytes);
}

/* Copied a byte at a time: the strings of an event are short (keys,
 * names), and a strlen and a memcpy call each cost more than the copy. */
static inline void enc_str(Enc *x, const char *s)
{
    unsigned char *d, *end;

    if (s == NULL) {
        enc_u8(x, 0);
        return;
    }
    enc_u8(x, 1);
    d = x->slot->enc + x->len;
    end = x->slot->enc + SIM_TRACE_SLOT_MAX;
    while (d < end) {
        if ((*d++ = (unsigned char)*s++) == '\0') {
            x->len = (size_t)(d - x->slot->enc);
            return;
        }
    }
    x->len = SIM_TRACE_SLOT_MAX;
    enc_long(x, (const unsigned char *)s, strlen(s) + 1);
}

static void enc_field(Enc *x, const SimTraceField *f)
{
    SIM_CHECK(f->type <= SIM_TV_TEXT && f->flags < 256);
    enc_u8(x, (unsigned)f->type);
    enc_u8(x, f->flags);
    enc_str(x, f->key);
    switch (f->type) {
    case SIM_TV_I64:
        enc_le(x, (uint64_t)f->v.i, 8);
        break;
    case SIM_TV_STR:
    case SIM_TV_TEXT:
        enc_str(x, f->v.s);
        break;
    case SIM_TV_WORD:
        enc_le(x, f->v.u, 8);
        enc_str(x, f->v.s);
        break;
    default:
        enc_le(x, f->v.u, 8);
        break;
    }
}

/* Encode e into r's next slot and, when t is set, chain its hash: one
 * one-shot XXH3 per event (a streaming update per event cost as much as
 * the whole encoding), unless it spilled. */
static void keep(SimTraceRing *r, const SimTraceEvent *e, SimTrace *t)
{
    Enc x = { .slot = &r->slot[r->n % SIM_TRACE_KEEP], .hash = t != NULL ? t->hash : NULL,
              .seed = t != NULL ? t->chain : 0 };

    SIM_CHECK(e->comp < SIM_COMP__MAX && e->nfields <= SIM_TRACE_FIELDS_MAX);
    enc_le(&x, e->tick, 8);
    enc_u8(&x, (unsigned)e->comp);
    enc_le(&x, (uint32_t)e->kind, 4);
    enc_u8(&x, e->nfields);
    enc_str(&x, e->node);
    enc_str(&x, e->object);
    enc_str(&x, e->name);
    for (unsigned i = 0; i < e->nfields; i++) {
        enc_field(&x, &e->field[i]);
    }
    if (x.hash != NULL && x.spilled) {
        SIM_CHECK(XXH3_64bits_update(x.hash, x.slot->enc, x.len) == XXH_OK);
        t->chain = XXH3_64bits_digest(x.hash);
    } else if (x.hash != NULL) {
        t->chain = XXH3_64bits_withSeed(x.slot->enc, x.len, x.seed);
    }
    x.slot->is_line = x.spilled;
    x.slot->len = (uint16_t)(x.spilled ? sim_trace_render(e, (char *)x.slot->enc) + 1 : x.len);
    r->n++;
}

void sim_trace_ring_put(SimTraceRing *r, const SimTraceEvent *e)
{
    keep(r, e, NULL);
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
