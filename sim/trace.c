/* trace.c: trace lines, their running hash and the last few lines kept for
 * failure reports (trace.h).  Writes only where the caller pointed it.
 */
#include <stdarg.h>
#include <string.h>

#include "trace.h"

void sim_trace_init(SimTrace *t)
{
    memset(t, 0, sizeof(*t));
    t->hash = SIM_TRACE_HASH_INIT;
}

/* Append s to line at *len, cut at the line limit. */
static void put(char *line, int *len, const char *s)
{
    while (*s != '\0' && *len < SIM_TRACE_LINE_MAX - 1) {
        line[(*len)++] = *s++;
    }
}

/* The line's hash: FNV-1a's multiply over 8-byte words (the tail zero
 * padded), then the line length.  A hash per line, not per byte: every
 * event is traced, so this is on the hot path. */
static uint64_t hash_line(uint64_t h, const char *line, size_t len)
{
    size_t i = 0;
    uint64_t w;

    for (; i + 8 <= len; i += 8) {
        memcpy(&w, line + i, 8);
        h = (h ^ w) * 0x100000001b3ULL;
    }
    w = 0;
    memcpy(&w, line + i, len - i);
    h = (h ^ w) * 0x100000001b3ULL;
    return (h ^ len) * 0x100000001b3ULL;
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
    line[len] = '\0';
    t->hash = hash_line(t->hash, line, (size_t)len);
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
