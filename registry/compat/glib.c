/* compat/glib.c: g_free of the stand-in qemu/osdep.h.  Frees, after calling
 * the hook the adapter sets (compat_free_hook), which learns of states an
 * implementation frees by itself.  Linked with every build of a global-API
 * file and with the stand-ins' tests. */
#include "qemu/osdep.h"
#include "free_hook.h"

void (*compat_free_hook)(void *p);

void compat_g_free(void *p)
{
    if (p != NULL && compat_free_hook != NULL) {
        compat_free_hook(p);
    }
    free(p);
}
