/* trace.c: trace lines, their streamed hash and the last few lines kept for
 * failure reports (trace.h).  Writes only where the caller pointed it.
 */
#include <errno.h>
#include <stdarg.h>
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

/* Append s to line at *len, cut at the line limit. */
static void put(char *line, int *len, const char *s)
{
    while (*s != '\0' && *len < SIM_TRACE_LINE_MAX - 1) {
        line[(*len)++] = *s++;
    }
}

void sim_trace_event(SimTrace *t, uint64_t tick, const char *node,
                     const char *component, const char *event,
                     const char *details_fmt, ...)
{
    char *line = t->last[t->lines % SIM_TRACE_KEEP];
    char digits[24];
    int n = 0, len = 0;

    do {                        /* the tick, without printf */
        digits[n++] = (char)('0' + tick % 10);
        tick /= 10;
    } while (tick != 0);
    while (n > 0) {
        line[len++] = digits[--n];
    }
    line[len++] = ' ';
    put(line, &len, node ? node : "-");
    put(line, &len, " ");
    put(line, &len, component ? component : "-");
    put(line, &len, " ");
    put(line, &len, event);
    if (details_fmt != NULL && len < SIM_TRACE_LINE_MAX - 2) {
        va_list ap;
        int more;

        line[len++] = ' ';
        va_start(ap, details_fmt);
        more = vsnprintf(line + len, (size_t)(SIM_TRACE_LINE_MAX - len), details_fmt, ap);
        va_end(ap);
        len = more < 0 ? len : len + more < SIM_TRACE_LINE_MAX ? len + more
                                                               : SIM_TRACE_LINE_MAX - 1;
    }
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
