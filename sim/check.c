/* check.c: the failure ends of check.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "check.h"

const char *sim_check_kind_name(SimCheckKind kind)
{
    static const char *const names[SIM_CHECK__COUNT] = {
        "none", "contract", "data", "output", "resources", "liveness",
    };

    return (unsigned)kind < SIM_CHECK__COUNT ? names[kind] : "?";
}

void sim_check_failed(const char *file, const char *func, const char *what,
                      long long a, long long b, bool show_values)
{
    if (show_values) {
        fprintf(stderr, "%s: %s: check failed: %s (%lld vs %lld)\n", file, func,
                what, a, b);
    } else {
        fprintf(stderr, "%s: %s: check failed: %s\n", file, func, what);
    }
    abort();
}

int sim_vfail(char *err, size_t errlen, int rc, const char *fmt, va_list ap)
{
    if (err != NULL && errlen > 0) {
        vsnprintf(err, errlen, fmt, ap);
    }
    return rc;
}

int sim_fail(char *err, size_t errlen, int rc, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    sim_vfail(err, errlen, rc, fmt, ap);
    va_end(ap);
    return rc;
}

void sim_note(unsigned *count, char *first, size_t len, const char *fmt, ...)
{
    if ((*count)++ == 0) {
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(first, len, fmt, ap);
        va_end(ap);
    }
}
