/* trace.h: the run's trace: one line per event, "tick node component event
 * details", streamed into a 64-bit hash: XXH3-64 (libxxhash) of the lines,
 * each ended by '\n', i.e. of the trace file's bytes.  The same seed and
 * inputs give the same lines and the same hash.  Keeps the last
 * SIM_TRACE_KEEP lines for failure reports; writes every line to a FILE or
 * hands it to a callback only when asked.
 */
#ifndef REPLBENCH_SIM_TRACE_H
#define REPLBENCH_SIM_TRACE_H

#include <stdint.h>
#include <stdio.h>

#define SIM_TRACE_KEEP 20
#define SIM_TRACE_LINE_MAX 256      /* longer details are cut, hash included */

typedef void SimTraceSink(void *ctx, const char *line);

struct XXH3_state_s;

typedef struct SimTrace {
    struct XXH3_state_s *hash;      /* private: the streaming state */
    uint64_t lines;
    FILE *out;                      /* every line, when not NULL */
    SimTraceSink *sink;             /* every line, when not NULL */
    void *sink_ctx;
    char last[SIM_TRACE_KEEP][SIM_TRACE_LINE_MAX];
} SimTrace;

/* An empty trace: no lines, no output, the hash of no bytes.  Returns 0,
 * or -ENOMEM (t is then empty and sim_trace_fini is still safe). */
int sim_trace_init(SimTrace *t);

/* Frees what sim_trace_init allocated; t is empty afterwards. */
void sim_trace_fini(SimTrace *t);

/* XXH3-64 of every line so far, each followed by '\n': what `xxhsum -H3`
 * says of the trace file.  Cheap enough to ask after any event. */
uint64_t sim_trace_hash(const SimTrace *t);

/* Record one event.  node and component may be "-" (or NULL, written "-").
 * details is printf-style and may be NULL. */
void sim_trace_event(SimTrace *t, uint64_t tick, const char *node,
                     const char *component, const char *event,
                     const char *details_fmt, ...)
    __attribute__((format(printf, 6, 7)));

/* The i-th most recent kept line, 0 the newest; NULL past what is kept. */
const char *sim_trace_recent(const SimTrace *t, unsigned i);

#endif /* REPLBENCH_SIM_TRACE_H */
