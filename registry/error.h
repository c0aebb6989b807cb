/* error.h: the Error object that replication callbacks and walks report with.
 * Owns error creation, propagation and release; knows nothing of registries.
 * Names and semantics follow QEMU's qapi/error.h so callback code reads the same.
 */
#ifndef REPLBENCH_ERROR_H
#define REPLBENCH_ERROR_H

#include <stdbool.h>
#include <stddef.h>

/* An error: a formatted, human-readable message plus the source location
 * that set it.  Opaque; created by error_setg(), released by error_free(). */
typedef struct Error Error;

/* Set *errp to a new error whose message is printf(fmt, ...).
 *
 * errp NULL: the error is ignored (nothing is allocated), as upstream.
 * *errp already set: a programming error; the process aborts with a message
 *   naming both locations (upstream asserts the same).
 * Out of memory (including the "registry/alloc" fault point firing here):
 *   *errp is still set, to a shared static error whose message is
 *   "out of memory"; error_free() knows it.  The caller always sees a failure.
 * Safe inside a replication callback (it only touches errp).
 */
#define error_setg(errp, ...) \
    error_setg_internal((errp), __FILE__, __LINE__, __func__, __VA_ARGS__)

void error_setg_internal(Error **errp, const char *file, int line,
                         const char *func, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Move `local` into *dst: first error wins.
 * local NULL: nothing happens.
 * dst NULL, or *dst already set: `local` is freed (the newer error is dropped).
 * Safe inside a replication callback.
 */
void error_propagate(Error **dst, Error *local);

/* Release an error.  NULL is a no-op.  Safe inside a replication callback. */
void error_free(Error *err);

/* The error's message, valid until error_free().  err must not be NULL. */
const char *error_get_pretty(const Error *err);

/* Whether err is the shared "out of memory" error error_setg() sets when it
 * cannot allocate (a fact to hand on, not a message to match).  NULL: false. */
bool error_is_out_of_memory(const Error *err);

/* Errors made by error_setg() and not yet freed, the shared "out of
 * memory" error aside: what a test bench counts to see that nothing
 * leaks.  Process-wide. */
size_t error_outstanding(void);

#endif /* REPLBENCH_ERROR_H */
