/* trace.h: the run's trace: one line per event, "tick node component event
 * details", folded into a running 64-bit hash (FNV-1a's multiply, over each
 * line's 8-byte words and its length).  The
 * same seed and inputs give the same lines and the same hash.  Keeps the
 * last SIM_TRACE_KEEP lines for failure reports; writes every line to a
 * FILE or hands it to a callback only when asked.
 */
#ifndef REPLBENCH_SIM_TRACE_H
#define REPLBENCH_SIM_TRACE_H

#include <stdint.h>
#include <stdio.h>

#define SIM_TRACE_KEEP 20
#define SIM_TRACE_LINE_MAX 256      /* longer details are cut, hash included */
#define SIM_TRACE_HASH_INIT 0xcbf29ce484222325ULL

typedef void SimTraceSink(void *ctx, const char *line);

typedef struct SimTrace {
    uint64_t hash;
    uint64_t lines;
    FILE *out;                      /* every line, when not NULL */
    SimTraceSink *sink;             /* every line, when not NULL */
    void *sink_ctx;
    char last[SIM_TRACE_KEEP][SIM_TRACE_LINE_MAX];
} SimTrace;

/* An empty trace: hash SIM_TRACE_HASH_INIT, no lines, no output. */
void sim_trace_init(SimTrace *t);

/* Record one event.  node and component may be "-" (or NULL, written "-").
 * details is printf-style and may be NULL. */
void sim_trace_event(SimTrace *t, uint64_t tick, const char *node,
                     const char *component, const char *event,
                     const char *details_fmt, ...)
    __attribute__((format(printf, 6, 7)));

/* The i-th most recent kept line, 0 the newest; NULL past what is kept. */
const char *sim_trace_recent(const SimTrace *t, unsigned i);

#endif /* REPLBENCH_SIM_TRACE_H */
