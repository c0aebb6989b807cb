/* compat/sysemu/sysemu.h: stand-in for QEMU's system emulation header, the
 * one include of some 2016 replication.h files (written for replbench from
 * what those files use; QEMU's header is GPL).  In QEMU it brought, among
 * much else, the prelude, the list macros and the QAPI types; so does this,
 * and the error API, which a replication.c of that time reached through it. */
#ifndef REPLBENCH_COMPAT_SYSEMU_H
#define REPLBENCH_COMPAT_SYSEMU_H

#include "../qemu/osdep.h"
#include "../qemu/queue.h"
#include "../qapi/error.h"

#endif /* REPLBENCH_COMPAT_SYSEMU_H */
