/* compat/qemu/queue.h: the intrusive list macros of QEMU's queue.h (QLIST,
 * QSLIST, QTAILQ), written for replbench after the BSD queue(3) conventions
 * and QEMU's documented names (QEMU's own header is GPL and is not used).
 * Owns no memory: every macro works on links embedded in the caller's
 * elements.  Costs: insertion and removal O(1) (QSLIST_REMOVE: O(n)).
 *
 * QLIST: each element holds `le_next` and `le_prev`, the address of the
 * pointer that points at it, so removal needs no list head.  QLIST_REMOVE
 * clears the removed element's links, as QEMU's header has done since 2019
 * (QLIST_IS_INSERTED and QLIST_SAFE_REMOVE rely on it; the 2016 header left
 * them stale, which no upstream-style registry can notice: it frees the
 * element at once).  QLIST_FOREACH_SAFE reads the next element before the
 * body runs: the body may remove (and free) the current element, and
 * nothing else.  Every *_FOREACH without _SAFE reads the next element after
 * the body: the body must not remove the current one. */
#ifndef REPLBENCH_COMPAT_QUEUE_H
#define REPLBENCH_COMPAT_QUEUE_H

#include <stddef.h>

/* ---- QLIST: doubly linked, head holds the first element --------------- */

#define QLIST_HEAD(name, type) \
    struct name { struct type *lh_first; }

#define QLIST_HEAD_INITIALIZER(head) { NULL }

#define QLIST_ENTRY(type) \
    struct { struct type *le_next; struct type **le_prev; }

#define QLIST_INIT(head) do { (head)->lh_first = NULL; } while (0)

#define QLIST_EMPTY(head) ((head)->lh_first == NULL)
#define QLIST_FIRST(head) ((head)->lh_first)
#define QLIST_NEXT(elm, field) ((elm)->field.le_next)
#define QLIST_IS_INSERTED(elm, field) ((elm)->field.le_prev != NULL)

#define QLIST_INSERT_HEAD(head, elm, field) do { \
    (elm)->field.le_next = (head)->lh_first; \
    if ((elm)->field.le_next != NULL) { \
        (head)->lh_first->field.le_prev = &(elm)->field.le_next; \
    } \
    (head)->lh_first = (elm); \
    (elm)->field.le_prev = &(head)->lh_first; \
} while (0)

#define QLIST_INSERT_AFTER(listelm, elm, field) do { \
    (elm)->field.le_next = (listelm)->field.le_next; \
    if ((elm)->field.le_next != NULL) { \
        (listelm)->field.le_next->field.le_prev = &(elm)->field.le_next; \
    } \
    (listelm)->field.le_next = (elm); \
    (elm)->field.le_prev = &(listelm)->field.le_next; \
} while (0)

#define QLIST_INSERT_BEFORE(listelm, elm, field) do { \
    (elm)->field.le_prev = (listelm)->field.le_prev; \
    (elm)->field.le_next = (listelm); \
    *(listelm)->field.le_prev = (elm); \
    (listelm)->field.le_prev = &(elm)->field.le_next; \
} while (0)

#define QLIST_REMOVE(elm, field) do { \
    if ((elm)->field.le_next != NULL) { \
        (elm)->field.le_next->field.le_prev = (elm)->field.le_prev; \
    } \
    *(elm)->field.le_prev = (elm)->field.le_next; \
    (elm)->field.le_next = NULL; \
    (elm)->field.le_prev = NULL; \
} while (0)

/* Removes elm only when it is in a list: safe to repeat. */
#define QLIST_SAFE_REMOVE(elm, field) do { \
    if ((elm)->field.le_prev != NULL) { \
        QLIST_REMOVE(elm, field); \
    } \
} while (0)

/* Exchanges the contents of two heads, fixing the first elements' back links. */
#define QLIST_SWAP(dstlist, srclist, field) do { \
    void *swap_first_ = (void *)(dstlist)->lh_first; \
    (dstlist)->lh_first = (srclist)->lh_first; \
    (srclist)->lh_first = swap_first_; \
    if ((dstlist)->lh_first != NULL) { \
        (dstlist)->lh_first->field.le_prev = &(dstlist)->lh_first; \
    } \
    if ((srclist)->lh_first != NULL) { \
        (srclist)->lh_first->field.le_prev = &(srclist)->lh_first; \
    } \
} while (0)

#define QLIST_FOREACH(var, head, field) \
    for ((var) = (head)->lh_first; (var) != NULL; (var) = (var)->field.le_next)

#define QLIST_FOREACH_SAFE(var, head, field, next_var) \
    for ((var) = (head)->lh_first; \
         (var) != NULL && ((next_var) = (var)->field.le_next, 1); \
         (var) = (next_var))

/* ---- QSLIST: singly linked ---------------------------------------------- */

#define QSLIST_HEAD(name, type) \
    struct name { struct type *slh_first; }

#define QSLIST_HEAD_INITIALIZER(head) { NULL }

#define QSLIST_ENTRY(type) \
    struct { struct type *sle_next; }

#define QSLIST_INIT(head) do { (head)->slh_first = NULL; } while (0)

#define QSLIST_EMPTY(head) ((head)->slh_first == NULL)
#define QSLIST_FIRST(head) ((head)->slh_first)
#define QSLIST_NEXT(elm, field) ((elm)->field.sle_next)

#define QSLIST_INSERT_HEAD(head, elm, field) do { \
    (elm)->field.sle_next = (head)->slh_first; \
    (head)->slh_first = (elm); \
} while (0)

#define QSLIST_INSERT_AFTER(slistelm, elm, field) do { \
    (elm)->field.sle_next = (slistelm)->field.sle_next; \
    (slistelm)->field.sle_next = (elm); \
} while (0)

#define QSLIST_REMOVE_HEAD(head, field) do { \
    (head)->slh_first = (head)->slh_first->field.sle_next; \
} while (0)

#define QSLIST_REMOVE_AFTER(slistelm, field) do { \
    (slistelm)->field.sle_next = (slistelm)->field.sle_next->field.sle_next; \
} while (0)

/* O(n): finds the element before elm. */
#define QSLIST_REMOVE(head, elm, type, field) do { \
    if ((head)->slh_first == (elm)) { \
        QSLIST_REMOVE_HEAD((head), field); \
    } else { \
        struct type *before_ = (head)->slh_first; \
        while (before_->field.sle_next != (elm)) { \
            before_ = before_->field.sle_next; \
        } \
        QSLIST_REMOVE_AFTER(before_, field); \
    } \
} while (0)

#define QSLIST_FOREACH(var, head, field) \
    for ((var) = (head)->slh_first; (var) != NULL; (var) = (var)->field.sle_next)

#define QSLIST_FOREACH_SAFE(var, head, field, next_var) \
    for ((var) = (head)->slh_first; \
         (var) != NULL && ((next_var) = (var)->field.sle_next, 1); \
         (var) = (next_var))

/* ---- QTAILQ: doubly linked with a tail --------------------------------------
 * Head and entries share one link shape: `next` (the next element) and
 * `prev` (the link before this one: the previous element's, or the head's
 * for the first).  The head's `prev` is the last element's link (its own
 * when empty).  So LAST and PREV need neither the head's type name nor a
 * head, as in QEMU since 2018: LAST(head) and PREV(elm, field). */

typedef struct CompatTailLink {
    void *tql_next;
    struct CompatTailLink *tql_prev;
} CompatTailLink;

#define QTAILQ_HEAD(name, type) \
    union name { struct type *tqh_first; CompatTailLink tqh_circ; }

#define QTAILQ_HEAD_INITIALIZER(head) { .tqh_circ = { NULL, &(head).tqh_circ } }

#define QTAILQ_ENTRY(type) \
    union { struct type *tqe_next; CompatTailLink tqe_circ; }

#define QTAILQ_INIT(head) do { \
    (head)->tqh_first = NULL; \
    (head)->tqh_circ.tql_prev = &(head)->tqh_circ; \
} while (0)

#define QTAILQ_EMPTY(head) ((head)->tqh_first == NULL)
#define QTAILQ_FIRST(head) ((head)->tqh_first)
#define QTAILQ_NEXT(elm, field) ((elm)->field.tqe_next)
#define QTAILQ_IN_USE(elm, field) ((elm)->field.tqe_circ.tql_prev != NULL)
#define QTAILQ_LAST(head) \
    ((__typeof__((head)->tqh_first))(head)->tqh_circ.tql_prev->tql_prev->tql_next)
#define QTAILQ_PREV(elm, field) \
    ((__typeof__(elm))(elm)->field.tqe_circ.tql_prev->tql_prev->tql_next)

#define QTAILQ_INSERT_HEAD(head, elm, field) do { \
    (elm)->field.tqe_next = (head)->tqh_first; \
    if ((elm)->field.tqe_next != NULL) { \
        (head)->tqh_first->field.tqe_circ.tql_prev = &(elm)->field.tqe_circ; \
    } else { \
        (head)->tqh_circ.tql_prev = &(elm)->field.tqe_circ; \
    } \
    (head)->tqh_first = (elm); \
    (elm)->field.tqe_circ.tql_prev = &(head)->tqh_circ; \
} while (0)

#define QTAILQ_INSERT_TAIL(head, elm, field) do { \
    (elm)->field.tqe_next = NULL; \
    (elm)->field.tqe_circ.tql_prev = (head)->tqh_circ.tql_prev; \
    (head)->tqh_circ.tql_prev->tql_next = (elm); \
    (head)->tqh_circ.tql_prev = &(elm)->field.tqe_circ; \
} while (0)

#define QTAILQ_INSERT_AFTER(head, listelm, elm, field) do { \
    (elm)->field.tqe_next = (listelm)->field.tqe_next; \
    if ((elm)->field.tqe_next != NULL) { \
        (elm)->field.tqe_next->field.tqe_circ.tql_prev = &(elm)->field.tqe_circ; \
    } else { \
        (head)->tqh_circ.tql_prev = &(elm)->field.tqe_circ; \
    } \
    (listelm)->field.tqe_next = (elm); \
    (elm)->field.tqe_circ.tql_prev = &(listelm)->field.tqe_circ; \
} while (0)

#define QTAILQ_INSERT_BEFORE(listelm, elm, field) do { \
    (elm)->field.tqe_circ.tql_prev = (listelm)->field.tqe_circ.tql_prev; \
    (elm)->field.tqe_next = (listelm); \
    (listelm)->field.tqe_circ.tql_prev->tql_next = (elm); \
    (listelm)->field.tqe_circ.tql_prev = &(elm)->field.tqe_circ; \
} while (0)

#define QTAILQ_REMOVE(head, elm, field) do { \
    if ((elm)->field.tqe_next != NULL) { \
        (elm)->field.tqe_next->field.tqe_circ.tql_prev = (elm)->field.tqe_circ.tql_prev; \
    } else { \
        (head)->tqh_circ.tql_prev = (elm)->field.tqe_circ.tql_prev; \
    } \
    (elm)->field.tqe_circ.tql_prev->tql_next = (elm)->field.tqe_next; \
    (elm)->field.tqe_circ.tql_prev = NULL; \
    (elm)->field.tqe_circ.tql_next = NULL; \
} while (0)

#define QTAILQ_FOREACH(var, head, field) \
    for ((var) = (head)->tqh_first; (var) != NULL; (var) = (var)->field.tqe_next)

#define QTAILQ_FOREACH_SAFE(var, head, field, next_var) \
    for ((var) = (head)->tqh_first; \
         (var) != NULL && ((next_var) = (var)->field.tqe_next, 1); \
         (var) = (next_var))

#define QTAILQ_FOREACH_REVERSE(var, head, field) \
    for ((var) = QTAILQ_LAST(head); (var) != NULL; (var) = QTAILQ_PREV(var, field))

#endif /* REPLBENCH_COMPAT_QUEUE_H */
