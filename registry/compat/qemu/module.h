/* compat/qemu/module.h: stand-in for QEMU's module registration header,
 * which newer replication.c files include; nothing of it is used. */
#ifndef REPLBENCH_COMPAT_MODULE_H
#define REPLBENCH_COMPAT_MODULE_H
#endif /* REPLBENCH_COMPAT_MODULE_H */
