/* trace.c: trace lines, their running hash and the last few lines kept for
 * failure reports (trace.h).  Writes only where the caller pointed it.
 */
#include <stdarg.h>
#include <string.h>

#include "prng.h"
#include "trace.h"

void sim_trace_init(SimTrace *t)
{
    memset(t, 0, sizeof(*t));
    t->hash = SIM_HASH_INIT;
}

void sim_trace_event(SimTrace *t, uint64_t tick, const char *node,
                     const char *component, const char *event,
                     const char *details_fmt, ...)
{
    char *line = t->last[t->lines % SIM_TRACE_KEEP];
    int len;

    len = snprintf(line, SIM_TRACE_LINE_MAX, "%llu %s %s %s",
                   (unsigned long long)tick, node ? node : "-",
                   component ? component : "-", event);
    if (details_fmt != NULL && len >= 0 && len < SIM_TRACE_LINE_MAX - 1) {
        va_list ap;

        line[len++] = ' ';
        va_start(ap, details_fmt);
        vsnprintf(line + len, (size_t)(SIM_TRACE_LINE_MAX - len), details_fmt, ap);
        va_end(ap);
    }
    t->hash = sim_hash_str(t->hash, line);
    t->hash = sim_hash_bytes(t->hash, "\n", 1);
    t->lines++;
    if (t->out != NULL) {
        fprintf(t->out, "%s\n", line);
    }
    if (t->sink != NULL) {
        t->sink(t->sink_ctx, line);
    }
}

const char *sim_trace_recent(const SimTrace *t, unsigned i)
{
    if (i >= SIM_TRACE_KEEP || i >= t->lines) {
        return NULL;
    }
    return t->last[(t->lines - 1 - i) % SIM_TRACE_KEEP];
}
