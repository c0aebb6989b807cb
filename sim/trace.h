/* trace.h: the run's trace: typed events (tick, node, component, event,
 * typed fields) streamed into a 64-bit hash of their binary encoding, the
 * last SIM_TRACE_KEEP kept in typed form, and each rendered to one line
 * "tick node component event details" only where a line is read: the
 * trace FILE, a sink that asks for it (sim_trace_render), the last lines
 * of a failure (sim_trace_recent).  The same seed and inputs give the same
 * events, the same lines and the same hash.
 *
 * The hash is a chain of XXH3-64 (libxxhash) over the encoding of each
 * event (see "The encoding" below), not over the text, which is never
 * made for it: h0 = XXH3-64 of no bytes, then for each event h = XXH3-64
 * of its encoding seeded with the h before it.  Hidden fields
 * (SIM_TF_HIDDEN) do not count: the hash identifies the trace, what its
 * lines say (equal hashes mean equal lines, as when it hashed the text),
 * and a hidden field only restates for consumers what a line already
 * says in words (a violation's checker beside its text, a disk's empty
 * error).  Counting them cost a fuzz_registry input about a tenth more
 * instructions.  What readers need beyond the line travels as the
 * event's typed payload (data), which is not hashed either.
 *
 * Owns the event shape, its encoding and its rendering, not the events:
 * each component (disk.h, link.h, compare.h, cluster.h, fault.h, the
 * scenario interpreter) owns the list of its event kinds and their names.
 * Consumers decide on comp, kind and the typed payload (data) or fields,
 * never on the rendered text; a field a consumer needs is read by a key
 * its emitter's header names (sim_trace_need: a missing one is a check
 * failure, not a silent "" or 0).
 */
#ifndef REPLBENCH_SIM_TRACE_H
#define REPLBENCH_SIM_TRACE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define SIM_TRACE_KEEP 20
#define SIM_TRACE_LINE_MAX 256      /* longer lines are cut (the hash is not) */
#define SIM_TRACE_FIELDS_MAX 24     /* fields of one event */

/* Which component traced an event; its name is the line's component
 * ("disk/<object>" for a disk). */
typedef enum SimTraceComp {
    SIM_COMP_NONE,                  /* "-" */
    SIM_COMP_NET,                   /* a link (link.h): SimLinkEvent */
    SIM_COMP_COMPARE,               /* the comparator (compare.h): SimCompareEvent */
    SIM_COMP_DISK,                  /* a disk (disk.h): SimDiskEvent */
    SIM_COMP_COLO,                  /* the cluster (cluster.h): SimColoEvent */
    SIM_COMP_CHECK,                 /* a checker's violation (cluster.h): SimColoEvent */
    SIM_COMP_FAULT,                 /* the fault layer (fault.h): SimFaultEvent */
    SIM_COMP_SCN,                   /* the scenario interpreter (scn.h) */
    SIM_COMP_LIVENESS,              /* a liveness phase (liveness.h): SimLiveEvent */
    SIM_COMP__MAX
} SimTraceComp;

typedef enum SimTraceType {
    SIM_TV_U64,                     /* v.u, in decimal */
    SIM_TV_I64,                     /* v.i, in decimal */
    SIM_TV_STR,                     /* v.s, as it is */
    SIM_TV_WORD,                    /* a code of the component's (v.u) and its name (v.s) */
    SIM_TV_BOOL,                    /* v.u 0 or 1, rendered as key alone when set */
    SIM_TV_TEXT,                    /* v.s: fixed words of the line, no key */
} SimTraceType;

/* How a field is written after the previous one: " key=value" unless: */
enum {
    SIM_TF_BARE = 1,                /* the value alone, without "key=" */
    SIM_TF_QUOTED = 2,              /* the value in double quotes */
    SIM_TF_GLUED = 4,               /* no blank before it */
    SIM_TF_HIDDEN = 8,              /* for consumers only: not in the line */
};

typedef struct SimTraceField {
    const char *key;                /* its name; NULL for SIM_TV_TEXT */
    SimTraceType type;
    unsigned flags;
    struct {
        uint64_t u;
        int64_t i;
        const char *s;
    } v;
} SimTraceField;

/* One event.  Strings are borrowed: valid during sim_trace_emit() and the
 * sink's call only. */
typedef struct SimTraceEvent {
    uint64_t tick;
    const char *node;               /* NULL: "-" */
    SimTraceComp comp;
    const char *object;             /* SIM_COMP_DISK: the disk's name */
    int kind;                       /* in comp's list of events */
    const char *name;               /* kind's name, as the line writes it */
    const SimTraceField *field;
    unsigned nfields;
    const void *data;               /* the component's typed payload for this
                                       kind (its header declares it beside
                                       its events), or NULL; not hashed, not
                                       kept: for sinks only */
} SimTraceEvent;

/* Every event, typed.  A sink that needs the line renders it
 * (sim_trace_render); one that reads fields only costs no text. */
typedef void SimTraceSink(void *ctx, const SimTraceEvent *e);

/* The encoding, what the hash reads, little-endian, every string with its
 * presence byte (0: NULL; 1: its bytes and a '\0' follow):
 *   event: tick (8 bytes), comp (1), kind (4), the number of fields not
 *          hidden (1), node, object, name, then each field not hidden;
 *   field: type (1), flags (1), key, then its value: v.u (8) for U64 and
 *          BOOL, v.i (8) for I64, v.s for STR and TEXT, v.u (8) and v.s
 *          for WORD.
 * Every event reads back from its bytes alone, so any change of any part
 * of any event changes its encoding, and so (but for a 64-bit collision)
 * its link of the chain and every link after it.  Strings are hashed whole: a line cut
 * at SIM_TRACE_LINE_MAX still hashes every byte of its strings. */

/* A kept event: its encoding (sim_trace_render reads it back), or, for an
 * event whose encoding is longer than the slot (long strings), its line.
 * Plain bytes, no pointers: a slot may live in memory shared with another
 * process, and reading one never trusts its bytes. */
#define SIM_TRACE_SLOT_MAX 480
typedef struct SimTraceSlot {
    uint16_t len;                   /* bytes of enc in use */
    uint8_t is_line;                /* enc holds the line, '\0'-ended */
    unsigned char enc[SIM_TRACE_SLOT_MAX];
} SimTraceSlot;

/* The last SIM_TRACE_KEEP events put, event i (from 0) in slot i % KEEP. */
typedef struct SimTraceRing {
    uint64_t n;                     /* events put so far */
    SimTraceSlot slot[SIM_TRACE_KEEP];
} SimTraceRing;

struct XXH3_state_s;

typedef struct SimTrace {
    struct XXH3_state_s *hash;      /* private: for encodings longer than a slot */
    uint64_t chain;                 /* private: the hash so far */
    uint64_t lines;                 /* events emitted (one line each) */
    FILE *out;                      /* every line, when not NULL */
    SimTraceSink *sink;             /* every event, when not NULL */
    void *sink_ctx;
    SimTraceRing ring;              /* the last events */
} SimTrace;

/* Field constructors: " key=value" (or as flags say). */
static inline SimTraceField sim_tf_u64(const char *key, uint64_t v)
{
    return (SimTraceField){ .key = key, .type = SIM_TV_U64, .v.u = v };
}

static inline SimTraceField sim_tf_i64(const char *key, int64_t v)
{
    return (SimTraceField){ .key = key, .type = SIM_TV_I64, .v.i = v };
}

static inline SimTraceField sim_tf_str(const char *key, const char *v)
{
    return (SimTraceField){ .key = key, .type = SIM_TV_STR, .v.s = v };
}

static inline SimTraceField sim_tf_word(const char *key, unsigned code, const char *name)
{
    return (SimTraceField){ .key = key, .type = SIM_TV_WORD, .v.u = code, .v.s = name };
}

/* " key" when set, nothing when not. */
static inline SimTraceField sim_tf_bool(const char *key, bool v)
{
    return (SimTraceField){ .key = key, .type = SIM_TV_BOOL, .v.u = v };
}

/* Fixed words of the line ("link down"). */
static inline SimTraceField sim_tf_text(const char *words)
{
    return (SimTraceField){ .type = SIM_TV_TEXT, .v.s = words };
}

static inline SimTraceField sim_tf_flags(SimTraceField f, unsigned flags)
{
    f.flags |= flags;
    return f;
}

/* A field list and its length, for a SimTraceEvent or a helper taking
 * (const SimTraceField *, unsigned). */
#define SIM_TRACE_FIELDS(...) \
    (const SimTraceField[]){ __VA_ARGS__ }, \
    (unsigned)(sizeof((SimTraceField[]){ __VA_ARGS__ }) / sizeof(SimTraceField))

/* The field of e named key, or NULL. */
const SimTraceField *sim_trace_field(const SimTraceEvent *e, const char *key);

/* The field of e named key, which e's emitter always gives: a check
 * failure (SIM_CHECK) when e has none, as when an emitter and its reader
 * disagree on a key.  Readers take key from the emitter's header (its
 * SIM_*_F_* names), never spell it. */
const SimTraceField *sim_trace_need(const SimTraceEvent *e, const char *key);

/* The same field's string ("" for NULL) and number. */
const char *sim_trace_need_str(const SimTraceEvent *e, const char *key);
uint64_t sim_trace_need_u64(const SimTraceEvent *e, const char *key);

/* An empty trace: no lines, no output, the hash of no events.  Returns
 * 0, or -ENOMEM (t is then empty and sim_trace_fini is still safe). */
int sim_trace_init(SimTrace *t);

/* Frees what sim_trace_init allocated; t is empty afterwards. */
void sim_trace_fini(SimTrace *t);

/* Record one event: hash its encoding, keep it, and only when asked
 * render its line for out; then hand it to the sink.  At most
 * SIM_TRACE_FIELDS_MAX fields, comp below SIM_COMP__MAX, flags below 256,
 * a known type (a programming error otherwise). */
void sim_trace_emit(SimTrace *t, const SimTraceEvent *e);

/* The hash of every event so far (the chain above), the next one's seed.
 * Free to ask after any event. */
uint64_t sim_trace_hash(const SimTrace *t);

/* e's line, "tick node component event fields", cut at
 * SIM_TRACE_LINE_MAX - 1 bytes, into line; returns its length. */
size_t sim_trace_render(const SimTraceEvent *e, char line[SIM_TRACE_LINE_MAX]);

/* Keep e in r's next slot (its strings copied), for a reader of the last
 * events that may outlive the run: the one a dead process left. */
void sim_trace_ring_put(SimTraceRing *r, const SimTraceEvent *e);

/* dst becomes a copy of src (only the bytes of its slots in use). */
void sim_trace_ring_copy(SimTraceRing *dst, const SimTraceRing *src);

/* The line of the i-th most recent event of r, 0 the newest, rendered
 * into line; NULL past what is kept.  A slot that does not read back (a
 * process died writing it) renders as "(unreadable trace event)". */
const char *sim_trace_ring_line(const SimTraceRing *r, unsigned i,
                                char line[SIM_TRACE_LINE_MAX]);

/* The same for the trace's own last events. */
const char *sim_trace_recent(const SimTrace *t, unsigned i, char line[SIM_TRACE_LINE_MAX]);

#endif /* REPLBENCH_SIM_TRACE_H */
