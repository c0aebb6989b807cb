/* compat/qemu/osdep.h: stand-in for QEMU's common prelude, written for
 * replbench from the documented behaviour (QEMU's own header is GPL and is
 * not used, and a checkout's needs the generated config-host.h: this one
 * wins over it, see registry/meson.build).  Gives another implementation of
 * the replication API the C headers, the Error type name and GLib's
 * allocation macros that it expects.  They abort when memory runs out, as
 * GLib does: such an implementation never returns NULL for lack of memory
 * (no "alloc-null" extension). */
#ifndef REPLBENCH_COMPAT_OSDEP_H
#define REPLBENCH_COMPAT_OSDEP_H

#include <assert.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct Error Error;

static inline void *compat_alloc(size_t n, size_t size, bool zero)
{
    void *p = NULL;

    if (n == 0 || size == 0) {
        n = size = 1;           /* GLib gives NULL; a unique pointer is as good */
    }
    if (n <= SIZE_MAX / size) {
        p = zero ? calloc(n, size) : malloc(n * size);
    }
    if (p == NULL) {
        fprintf(stderr, "compat GLib allocation: out of memory (%zu x %zu bytes)\n", n, size);
        abort();
    }
    return p;
}

/* free(p), after telling the adapter (compat/glib.c): a state the
 * implementation frees by itself, outside replication_remove (as a fork
 * whose stop_all drops its states does), must stop counting as live. */
void compat_g_free(void *p);

#define g_new0(type, n) ((type *)compat_alloc((n), sizeof(type), true))
#define g_new(type, n) ((type *)compat_alloc((n), sizeof(type), false))
#define g_malloc0(size) compat_alloc(1, (size), true)
#define g_malloc(size) compat_alloc(1, (size), false)
#define g_free(p) compat_g_free(p)

#endif /* REPLBENCH_COMPAT_OSDEP_H */
