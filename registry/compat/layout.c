/* compat/layout.c: compiled against the implementation's own replication.h
 * (global API) to check, at build time, that its ReplicationState begins
 * with `opaque` and `ops` as ours does: the adapter hands upstream's states
 * to callers as registry/replication.h states. */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "replication.h"

_Static_assert(offsetof(ReplicationState, opaque) == 0,
               "ReplicationState must begin with void *opaque");
_Static_assert(offsetof(ReplicationState, ops) == sizeof(void *),
               "ReplicationState's second member must be ReplicationOps *ops");

/* ISO C wants a translation unit to declare something. */
extern const int replbench_compat_layout_checked;
const int replbench_compat_layout_checked = 1;
