/* error.c: Error objects (see error.h).  Owns their memory; never touches a
 * registry.  One allocation per error: the message lives in the same block.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "alloc.h"
#include "error.h"

struct Error {
    const char *file;
    const char *func;
    int line;
    const char *msg;        /* in the same block, just after the struct */
};

/* Handed out when an error cannot be allocated: the caller must still see a
 * failure, so we never drop the error and never abort for lack of memory. */
static Error oom = { "(registry)", "(none)", 0, "out of memory" };

static size_t outstanding;      /* made, not yet freed (oom aside) */

void error_setg_internal(Error **errp, const char *file, int line,
                         const char *func, const char *fmt, ...)
{
    va_list ap;
    int len;
    Error *err;
    char *text;

    if (errp == NULL) {
        return;
    }
    if (*errp != NULL) {
        fprintf(stderr, "error_setg: %s:%d (%s): error already set by "
                "%s:%d (%s): \"%s\"; new message format: \"%s\"\n",
                file, line, func, (*errp)->file, (*errp)->line,
                (*errp)->func, (*errp)->msg, fmt);
        abort();
    }
    va_start(ap, fmt);
    len = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    err = len < 0 ? NULL : registry_alloc(sizeof(*err) + (size_t)len + 1);
    if (err == NULL) {
        *errp = &oom;
        return;
    }
    text = (char *)(err + 1);
    va_start(ap, fmt);
    vsnprintf(text, (size_t)len + 1, fmt, ap);
    va_end(ap);
    err->file = file;
    err->func = func;
    err->line = line;
    err->msg = text;
    *errp = err;
    outstanding++;
}

void error_propagate(Error **dst, Error *local)
{
    if (local == NULL) {
        return;
    }
    if (dst == NULL || *dst != NULL) {
        error_free(local);
        return;
    }
    *dst = local;
}

void error_free(Error *err)
{
    if (err != NULL && err != &oom) {
        outstanding--;
        free(err);
    }
}

const char *error_get_pretty(const Error *err)
{
    return err->msg;
}

size_t error_outstanding(void)
{
    return outstanding;
}

bool error_is_out_of_memory(const Error *err)
{
    return err == &oom;
}
