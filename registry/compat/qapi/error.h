/* compat/qapi/error.h: QEMU's error API for another implementation of the
 * replication API, mapped onto replbench's own registry/error.h (the same
 * names and semantics: error_setg, error_propagate, error_free). */
#ifndef REPLBENCH_COMPAT_QAPI_ERROR_H
#define REPLBENCH_COMPAT_QAPI_ERROR_H

#include "../../error.h"

#endif /* REPLBENCH_COMPAT_QAPI_ERROR_H */
