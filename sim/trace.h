/* trace.h: the run's trace: typed events (tick, node, component, event,
 * typed fields), each rendered to one line "tick node component event
 * details" and streamed into a 64-bit hash: XXH3-64 (libxxhash) of the
 * lines, each ended by '\n', i.e. of the trace file's bytes.  The same seed
 * and inputs give the same lines and the same hash.  Keeps the last
 * SIM_TRACE_KEEP lines for failure reports; writes every line to a FILE or
 * hands every event, with its line, to a callback only when asked.
 *
 * Owns the event shape and its rendering, not the events: each component
 * (disk.h, link.h, compare.h, cluster.h, fault.h, the scenario interpreter)
 * owns the list of its event kinds and their names.  Consumers decide on
 * comp, kind and fields, never on the rendered text.
 */
#ifndef REPLBENCH_SIM_TRACE_H
#define REPLBENCH_SIM_TRACE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define SIM_TRACE_KEEP 20
#define SIM_TRACE_LINE_MAX 256      /* longer lines are cut, hash included */
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
} SimTraceEvent;

/* Every event and its rendered line (what the file and the hash get). */
typedef void SimTraceSink(void *ctx, const SimTraceEvent *e, const char *line);

struct XXH3_state_s;

typedef struct SimTrace {
    struct XXH3_state_s *hash;      /* private: the streaming state */
    uint64_t lines;
    FILE *out;                      /* every line, when not NULL */
    SimTraceSink *sink;             /* every event, when not NULL */
    void *sink_ctx;
    char last[SIM_TRACE_KEEP][SIM_TRACE_LINE_MAX];
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

/* The string field key of e ("" when absent or NULL), and the number field
 * (0 when absent): for readers whose events may lack a field. */
const char *sim_trace_str(const SimTraceEvent *e, const char *key);
uint64_t sim_trace_u64(const SimTraceEvent *e, const char *key);

/* An empty trace: no lines, no output, the hash of no bytes.  Returns 0,
 * or -ENOMEM (t is then empty and sim_trace_fini is still safe). */
int sim_trace_init(SimTrace *t);

/* Frees what sim_trace_init allocated; t is empty afterwards. */
void sim_trace_fini(SimTrace *t);

/* Record one event: render its line (cut at SIM_TRACE_LINE_MAX - 1 bytes),
 * hash it, keep it, write it, hand both to the sink.  At most
 * SIM_TRACE_FIELDS_MAX fields (a programming error past that). */
void sim_trace_emit(SimTrace *t, const SimTraceEvent *e);

/* XXH3-64 of every line so far, each followed by '\n': what `xxhsum -H3`
 * says of the trace file.  Cheap enough to ask after any event. */
uint64_t sim_trace_hash(const SimTrace *t);

/* The i-th most recent kept line, 0 the newest; NULL past what is kept. */
const char *sim_trace_recent(const SimTrace *t, unsigned i);

#endif /* REPLBENCH_SIM_TRACE_H */
