/* compat/qemu/queue.h: the doubly linked list macros (QLIST_*) that an
 * upstream-style registry uses, written for replbench after the BSD
 * queue(3) conventions (QEMU's own header is GPL and is not used).
 * Each element holds `le_next` and `le_prev`, the address of the pointer
 * that points at it, so removal needs no list head.  QLIST_REMOVE leaves the
 * removed element's links as they were (as the 2016-era header did);
 * QLIST_FOREACH_SAFE reads the next element before running the body, so the
 * body may remove the current element, and nothing else. */
#ifndef REPLBENCH_COMPAT_QUEUE_H
#define REPLBENCH_COMPAT_QUEUE_H

#include <stddef.h>

#define QLIST_HEAD(name, type) \
    struct name { struct type *lh_first; }

#define QLIST_ENTRY(type) \
    struct { struct type *le_next; struct type **le_prev; }

#define QLIST_INSERT_HEAD(head, elm, field) do { \
    (elm)->field.le_next = (head)->lh_first; \
    if ((elm)->field.le_next != NULL) { \
        (head)->lh_first->field.le_prev = &(elm)->field.le_next; \
    } \
    (head)->lh_first = (elm); \
    (elm)->field.le_prev = &(head)->lh_first; \
} while (0)

#define QLIST_REMOVE(elm, field) do { \
    if ((elm)->field.le_next != NULL) { \
        (elm)->field.le_next->field.le_prev = (elm)->field.le_prev; \
    } \
    *(elm)->field.le_prev = (elm)->field.le_next; \
} while (0)

#define QLIST_FOREACH_SAFE(var, head, field, next_var) \
    for ((var) = (head)->lh_first; \
         (var) != NULL && ((next_var) = (var)->field.le_next, 1); \
         (var) = (next_var))

#endif /* REPLBENCH_COMPAT_QUEUE_H */
