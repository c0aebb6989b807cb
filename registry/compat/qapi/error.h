/* compat/qapi/error.h: QEMU's error API for another implementation of the
 * replication API, written for replbench from QEMU's documented behaviour
 * (its header is GPL and is not used).  The Error object and its functions
 * are replbench's own (registry/error.h: same names, same semantics); this
 * header adds what QEMU's code may also use:
 * - error_abort and error_fatal: an error set or propagated into
 *   &error_abort aborts at once, into &error_fatal prints and exits 1;
 * - ERRP_GUARD() (and its first name, ERRP_AUTO_PROPAGATE()): at the top of
 *   a function taking `Error **errp`, when errp is NULL or &error_fatal it
 *   is pointed at a local error, handed to the caller's errp (propagated)
 *   when the function returns, so the body may test *errp; any other errp
 *   (&error_abort included) is used as given;
 * - ReplicationMode: QEMU's 2016 qapi/error.h brought the generated QAPI
 *   types, and a replication.h of that time relies on it. */
#ifndef REPLBENCH_COMPAT_QAPI_ERROR_H
#define REPLBENCH_COMPAT_QAPI_ERROR_H

#include "../../error.h"
#include "qapi-types-block-core.h"

extern Error *error_abort;
extern Error *error_fatal;

/* error_setg and error_propagate of registry/error.h, with &error_abort
 * and &error_fatal handled first (registry/compat/error.c). */
void compat_error_setg(Error **errp, const char *file, int line, const char *func,
                       const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void compat_error_propagate(Error **dst, Error *local);

#undef error_setg
#define error_setg(errp, ...) \
    compat_error_setg((errp), __FILE__, __LINE__, __func__, __VA_ARGS__)
#define error_propagate(dst, local) compat_error_propagate((dst), (local))

typedef struct CompatErrpGuard {
    Error *local;
    Error **errp;               /* the caller's, as the function received it */
} CompatErrpGuard;

static inline void compat_errp_guard_end(CompatErrpGuard *g)
{
    compat_error_propagate(g->errp, g->local);
}

#define ERRP_GUARD() \
    CompatErrpGuard errp_guard_ __attribute__((cleanup(compat_errp_guard_end))) = \
        { NULL, errp }; \
    do { \
        if (errp == NULL || errp == &error_fatal) { \
            errp = &errp_guard_.local; \
        } \
    } while (0)

#define ERRP_AUTO_PROPAGATE() ERRP_GUARD()

#endif /* REPLBENCH_COMPAT_QAPI_ERROR_H */
