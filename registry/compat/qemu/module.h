/* compat/qemu/module.h: stand-in for QEMU's module registration header,
 * which block/replication.h has included since 2019 (written for
 * replbench; QEMU's header is GPL).  Nothing of it is used by the
 * replication registry, so it declares nothing. */
#ifndef REPLBENCH_COMPAT_MODULE_H
#define REPLBENCH_COMPAT_MODULE_H
#endif /* REPLBENCH_COMPAT_MODULE_H */
