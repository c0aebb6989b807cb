/* compat/qapi-types.h: the 2016 name of QEMU's generated QAPI types header
 * (one file then, split per schema module since 2018), for code of that
 * time.  Written for replbench: only ReplicationMode is used. */
#ifndef REPLBENCH_COMPAT_QAPI_TYPES_H
#define REPLBENCH_COMPAT_QAPI_TYPES_H

#include "qapi/qapi-types-block-core.h"

#endif /* REPLBENCH_COMPAT_QAPI_TYPES_H */
