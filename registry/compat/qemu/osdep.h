/* compat/qemu/osdep.h: stand-in for QEMU's common prelude, written for
 * replbench from the documented behaviour (QEMU's own header is GPL and is
 * not used).  Gives another implementation of the replication API the C
 * headers, the Error type name and GLib's g_new0/g_free that it expects.
 * g_new0 aborts when memory runs out, as GLib does: such an implementation
 * never returns NULL for lack of memory (no "alloc-null" extension). */
#ifndef REPLBENCH_COMPAT_OSDEP_H
#define REPLBENCH_COMPAT_OSDEP_H

#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct Error Error;

static inline void *compat_alloc0(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);

    if (p == NULL) {
        fprintf(stderr, "compat g_new0: out of memory (%zu x %zu bytes)\n", n, size);
        abort();
    }
    return p;
}

#define g_new0(type, n) ((type *)compat_alloc0((n), sizeof(type)))
#define g_free(p) free(p)

#endif /* REPLBENCH_COMPAT_OSDEP_H */
