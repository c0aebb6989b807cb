/* compat/error.c: error_abort and error_fatal for the stand-in
 * qapi/error.h, in front of replbench's own error.c.  Linked only into
 * builds of another (global-API) implementation.  Owns no error: what is
 * neither aborted on nor fatal goes to registry/error.c unchanged. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "qapi/error.h"

/* Only their addresses mean anything. */
Error *error_abort;
Error *error_fatal;

static bool special(Error **errp)
{
    return errp == &error_abort || errp == &error_fatal;
}

/* Prints what went wrong; aborts for &error_abort, returns for
 * &error_fatal (the caller releases what it holds, then exits 1). */
static void report(Error **errp, const char *where, const char *msg)
{
    fprintf(stderr, "%s error%s%s: %s\n", errp == &error_abort ? "unexpected" : "fatal",
            where[0] ? " at " : "", where, msg);
    if (errp == &error_abort) {
        abort();
    }
}

/* The message is formatted here (a va_list cannot be handed on to
 * error_setg_internal), whole, in memory that aborts when it runs out, as
 * GLib's allocator does under QEMU. */
void compat_error_setg(Error **errp, const char *file, int line, const char *func,
                       const char *fmt, ...)
{
    va_list ap;
    char where[256];
    char *msg;
    int len;

    va_start(ap, fmt);
    len = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    msg = len < 0 ? NULL : malloc((size_t)len + 1);
    if (msg == NULL) {
        fprintf(stderr, "compat error_setg: cannot format \"%s\"\n", fmt);
        abort();
    }
    va_start(ap, fmt);
    vsnprintf(msg, (size_t)len + 1, fmt, ap);
    va_end(ap);
    if (special(errp)) {
        snprintf(where, sizeof(where), "%s:%d (%s)", file, line, func);
        report(errp, where, msg);
        free(msg);
        exit(1);
    }
    error_setg_internal(errp, file, line, func, "%s", msg);
    free(msg);
}

void compat_error_propagate(Error **dst, Error *local)
{
    if (local != NULL && special(dst)) {
        report(dst, "", error_get_pretty(local));
        error_free(local);
        exit(1);
    }
    (error_propagate)(dst, local);     /* registry/error.c's, not the macro */
}
