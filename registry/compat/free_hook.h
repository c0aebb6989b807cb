/* compat/free_hook.h: the hook behind the stand-in g_free (compat/glib.c); set
 * by the adapter, NULL elsewhere.  Called with every pointer g_free is
 * about to free, before it is freed. */
#ifndef REPLBENCH_COMPAT_FREE_HOOK_H
#define REPLBENCH_COMPAT_FREE_HOOK_H

extern void (*compat_free_hook)(void *p);

#endif /* REPLBENCH_COMPAT_FREE_HOOK_H */
