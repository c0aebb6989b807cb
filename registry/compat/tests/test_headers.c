/* test_headers.c: the stand-in QEMU headers of registry/compat behave as
 * QEMU documents them: the QLIST, QSLIST and QTAILQ macros, ERRP_GUARD and
 * ERRP_AUTO_PROPAGATE, error_abort and error_fatal; and every header QEMU's
 * replication code has included over its history is there (this file
 * includes each one).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <wchar.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "qemu/osdep.h"
#include "qemu/module.h"
#include "qemu/queue.h"
#include "qapi/error.h"
#include "qapi/qapi-types-block-core.h"
#include "qapi-types.h"
#include "sysemu/sysemu.h"
#include "block/replication.h"
#include "replication.h"
#include "free_hook.h"
#include "child.h"

typedef struct Item {
    int v;
    QLIST_ENTRY(Item) l;
    QSLIST_ENTRY(Item) s;
    QTAILQ_ENTRY(Item) t;
} Item;

typedef QLIST_HEAD(, Item) ItemList;
typedef QSLIST_HEAD(, Item) ItemSList;
typedef QTAILQ_HEAD(, Item) ItemTailQ;

/* The values of a QLIST, in order, as digits. */
static const char *qlist_text(ItemList *h)
{
    static char buf[16];
    size_t n = 0;
    Item *x;

    QLIST_FOREACH(x, h, l) {
        buf[n++] = (char)('0' + x->v);
    }
    buf[n] = '\0';
    return buf;
}

static void qlist_inserts_where_asked(void **state)
{
    ItemList h = QLIST_HEAD_INITIALIZER(h);
    Item a = { .v = 1 }, b = { .v = 2 }, c = { .v = 3 }, d = { .v = 4 };

    (void)state;
    assert_true(QLIST_EMPTY(&h));
    QLIST_INSERT_HEAD(&h, &b, l);
    QLIST_INSERT_HEAD(&h, &a, l);
    QLIST_INSERT_AFTER(&b, &d, l);
    QLIST_INSERT_BEFORE(&d, &c, l);
    assert_string_equal(qlist_text(&h), "1234");
    assert_ptr_equal(QLIST_FIRST(&h), &a);
    assert_ptr_equal(QLIST_NEXT(&c, l), &d);
    assert_null(QLIST_NEXT(&d, l));
    assert_false(QLIST_EMPTY(&h));
}

static void qlist_remove_clears_the_links(void **state)
{
    ItemList h;
    Item a = { .v = 1 }, b = { .v = 2 };

    (void)state;
    QLIST_INIT(&h);
    QLIST_INSERT_HEAD(&h, &b, l);
    QLIST_INSERT_HEAD(&h, &a, l);
    assert_true(QLIST_IS_INSERTED(&a, l));
    QLIST_REMOVE(&a, l);
    assert_false(QLIST_IS_INSERTED(&a, l));
    assert_null(QLIST_NEXT(&a, l));
    QLIST_SAFE_REMOVE(&a, l);           /* not inserted: nothing happens */
    assert_string_equal(qlist_text(&h), "2");
    QLIST_SAFE_REMOVE(&b, l);
    assert_true(QLIST_EMPTY(&h));
}

static void qlist_foreach_safe_allows_removing_the_current(void **state)
{
    ItemList h = QLIST_HEAD_INITIALIZER(h);
    Item it[3] = { { .v = 1 }, { .v = 2 }, { .v = 3 } };
    Item *x, *next;
    int seen = 0;

    (void)state;
    for (int i = 2; i >= 0; i--) {
        QLIST_INSERT_HEAD(&h, &it[i], l);
    }
    QLIST_FOREACH_SAFE(x, &h, l, next) {
        seen = seen * 10 + x->v;
        QLIST_REMOVE(x, l);
    }
    assert_int_equal(seen, 123);
    assert_true(QLIST_EMPTY(&h));
}

static void qlist_swap_exchanges_heads(void **state)
{
    ItemList h1 = QLIST_HEAD_INITIALIZER(h1), h2 = QLIST_HEAD_INITIALIZER(h2);
    Item a = { .v = 1 }, b = { .v = 2 };

    (void)state;
    QLIST_INSERT_HEAD(&h1, &a, l);
    QLIST_INSERT_HEAD(&h1, &b, l);
    QLIST_SWAP(&h1, &h2, l);
    assert_true(QLIST_EMPTY(&h1));
    assert_string_equal(qlist_text(&h2), "21");
    QLIST_REMOVE(&b, l);                /* its back link points into h2 now */
    assert_ptr_equal(QLIST_FIRST(&h2), &a);
}

static void qslist_keeps_its_order_through_removals(void **state)
{
    ItemSList h = QSLIST_HEAD_INITIALIZER(h);
    Item a = { .v = 1 }, b = { .v = 2 }, c = { .v = 3 }, d = { .v = 4 };
    Item *x, *next;
    int seen = 0;

    (void)state;
    QSLIST_INIT(&h);
    QSLIST_INSERT_HEAD(&h, &a, s);
    QSLIST_INSERT_AFTER(&a, &c, s);
    QSLIST_INSERT_AFTER(&a, &b, s);
    QSLIST_INSERT_AFTER(&c, &d, s);
    QSLIST_REMOVE(&h, &c, Item, s);
    QSLIST_REMOVE_AFTER(&b, s);         /* d */
    QSLIST_FOREACH(x, &h, s) {
        seen = seen * 10 + x->v;
    }
    assert_int_equal(seen, 12);
    QSLIST_REMOVE_HEAD(&h, s);
    assert_ptr_equal(QSLIST_FIRST(&h), &b);
    assert_null(QSLIST_NEXT(&b, s));
    QSLIST_FOREACH_SAFE(x, &h, s, next) {
        QSLIST_REMOVE(&h, x, Item, s);
    }
    assert_true(QSLIST_EMPTY(&h));
}

static int qtailq_forward(ItemTailQ *h)
{
    Item *x;
    int n = 0;

    QTAILQ_FOREACH(x, h, t) {
        n = n * 10 + x->v;
    }
    return n;
}

static int qtailq_backward(ItemTailQ *h)
{
    Item *x;
    int n = 0;

    QTAILQ_FOREACH_REVERSE(x, h, t) {
        n = n * 10 + x->v;
    }
    return n;
}

static void qtailq_walks_both_ways(void **state)
{
    ItemTailQ h = QTAILQ_HEAD_INITIALIZER(h);
    Item a = { .v = 1 }, b = { .v = 2 }, c = { .v = 3 }, d = { .v = 4 }, e = { .v = 5 };

    (void)state;
    assert_null(QTAILQ_LAST(&h));
    QTAILQ_INSERT_TAIL(&h, &c, t);
    QTAILQ_INSERT_HEAD(&h, &a, t);
    QTAILQ_INSERT_AFTER(&h, &c, &e, t);
    QTAILQ_INSERT_BEFORE(&c, &b, t);
    QTAILQ_INSERT_AFTER(&h, &c, &d, t);
    assert_int_equal(qtailq_forward(&h), 12345);
    assert_int_equal(qtailq_backward(&h), 54321);
    assert_ptr_equal(QTAILQ_LAST(&h), &e);
    assert_ptr_equal(QTAILQ_PREV(&b, t), &a);
    assert_null(QTAILQ_PREV(&a, t));
    assert_ptr_equal(QTAILQ_NEXT(&a, t), &b);
}

static void qtailq_remove_keeps_the_tail(void **state)
{
    ItemTailQ h;
    Item a = { .v = 1 }, b = { .v = 2 }, c = { .v = 3 };
    Item *x, *next;

    (void)state;
    QTAILQ_INIT(&h);
    QTAILQ_INSERT_TAIL(&h, &a, t);
    QTAILQ_INSERT_TAIL(&h, &b, t);
    QTAILQ_INSERT_TAIL(&h, &c, t);
    QTAILQ_REMOVE(&h, &c, t);           /* the tail */
    assert_false(QTAILQ_IN_USE(&c, t));
    assert_ptr_equal(QTAILQ_LAST(&h), &b);
    QTAILQ_REMOVE(&h, &a, t);           /* the head */
    assert_ptr_equal(QTAILQ_FIRST(&h), &b);
    assert_int_equal(qtailq_backward(&h), 2);
    QTAILQ_INSERT_TAIL(&h, &c, t);
    QTAILQ_FOREACH_SAFE(x, &h, t, next) {
        QTAILQ_REMOVE(&h, x, t);
    }
    assert_true(QTAILQ_EMPTY(&h));
    assert_null(QTAILQ_LAST(&h));
}

/* ---- error API ------------------------------------------------------------ */

static Error **seen_errp;

/* Sets an error and tests *errp, as ERRP_GUARD allows. */
static bool guarded_fails(Error **errp)
{
    ERRP_GUARD();

    seen_errp = errp;
    error_setg(errp, "guarded %d", 1);
    return *errp != NULL;
}

static bool auto_propagated_fails(Error **errp)
{
    ERRP_AUTO_PROPAGATE();

    seen_errp = errp;
    error_setg(errp, "auto");
    return *errp != NULL;
}

static void errp_guard_gives_null_errp_a_local_error(void **state)
{
    (void)state;
    assert_true(guarded_fails(NULL));   /* released on return: ASan's leak check */
    assert_non_null(seen_errp);
    assert_true(auto_propagated_fails(NULL));
    assert_non_null(seen_errp);
}

static void errp_guard_keeps_a_callers_errp(void **state)
{
    Error *err = NULL;

    (void)state;
    assert_true(guarded_fails(&err));
    assert_ptr_equal(seen_errp, &err);
    assert_string_equal(error_get_pretty(err), "guarded 1");
    error_free(err);
    err = NULL;
    assert_true(auto_propagated_fails(&err));
    assert_ptr_equal(seen_errp, &err);
    error_free(err);
}

/* What the last child wrote to stderr. */
static char said[512];

/* What becomes of a child that runs fn: its wait status; what it wrote
 * to stderr in `said`. */
static int child_status(void (*fn)(void))
{
    return child_run(fn, said, sizeof(said));
}

/* `said` is "<kind> error at <this file>:<a line> (<func>): <msg>\n". */
static void said_at(const char *kind, const char *func, const char *msg)
{
    char tail[128];
    const char *at = strstr(said, "test_headers.c:");

    assert_non_null(at);
    assert_memory_equal(said, kind, strlen(kind));
    assert_memory_equal(said + strlen(kind), " error at ", 10);
    snprintf(tail, sizeof(tail), " (%s): %s\n", func, msg);
    assert_true(strlen(said) > strlen(tail));
    assert_string_equal(said + strlen(said) - strlen(tail), tail);
    assert_null(strstr(said, "LeakSanitizer"));
}

static void set_into_abort(void)
{
    error_setg(&error_abort, "boom");
}

static void propagate_into_abort(void)
{
    Error *err = NULL;

    error_setg(&err, "boom");
    error_propagate(&error_abort, err);
}

static void set_into_fatal(void)
{
    error_setg(&error_fatal, "boom %d", 7);
    _exit(93);                          /* not reached: exit(1), leak checked */
}

static void guard_with_fatal(void)
{
    guarded_fails(&error_fatal);        /* exits when the function returns */
    _exit(seen_errp == &error_fatal ? 91 : 92);
}

static void error_abort_aborts(void **state)
{
    int st;

    (void)state;
    st = child_status(set_into_abort);
    assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT);
    said_at("unexpected", "set_into_abort", "boom");
    st = child_status(propagate_into_abort);
    assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT);
    assert_string_equal(said, "unexpected error: boom\n");
}

static void error_fatal_exits_1(void **state)
{
    int st;

    (void)state;
    st = child_status(set_into_fatal);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 1);
    said_at("fatal", "set_into_fatal", "boom 7");
    st = child_status(guard_with_fatal);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 1);
    assert_string_equal(said, "fatal error: guarded 1\n");
}

static void set_unformattable(void)
{
    static const wchar_t bad[] = { 0x7fffffff, 0 };     /* no character at all */

    error_setg(&error_abort, "%ls", bad);
}

/* error_setg formats the whole message, arguments and all, an empty one
 * too; a message that cannot be formatted aborts, naming its format. */
static void messages_are_formatted_whole(void **state)
{
    Error *err = NULL;
    int st;

    (void)state;
    error_setg(&err, "n=%d s=%s c=%c", 42, "xyz", 'q');
    assert_string_equal(error_get_pretty(err), "n=42 s=xyz c=q");
    error_free(err);
    err = NULL;
    error_setg(&err, "%s", "");
    assert_non_null(err);
    assert_string_equal(error_get_pretty(err), "");
    error_free(err);
    st = child_status(set_unformattable);
    assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT);
    assert_string_equal(said, "compat error_setg: cannot format \"%ls\"\n");
}

static void propagate_into_fatal(void)
{
    Error *err = NULL;

    error_setg(&err, "boom");
    error_propagate(&error_fatal, err);
    _exit(93);                          /* not reached: exit(1), leak checked */
}

static void propagate_nothing(void)
{
    error_propagate(&error_abort, NULL);
    error_propagate(&error_fatal, NULL);
}

/* Propagating an error into &error_fatal prints it, releases it and exits
 * 1; propagating no error into either does nothing. */
static void propagating_into_fatal_exits_and_nothing_does_nothing(void **state)
{
    int st;

    (void)state;
    st = child_status(propagate_into_fatal);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 1);
    assert_string_equal(said, "fatal error: boom\n");
    st = child_status(propagate_nothing);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
    assert_string_equal(said, "");
}

static void *hooked;
static int hook_calls;

static void record_free(void *p)
{
    hooked = p;
    hook_calls++;
}

/* g_free tells the hook of each pointer it frees, NULL excepted, and
 * without a hook just frees. */
static void g_free_tells_the_hook_of_each_pointer(void **state)
{
    void *p = g_malloc(8);

    (void)state;
    g_free(g_malloc(4));                /* no hook */
    g_free(NULL);
    compat_free_hook = record_free;
    g_free(NULL);
    assert_int_equal(hook_calls, 0);
    g_free(p);
    assert_int_equal(hook_calls, 1);
    assert_ptr_equal(hooked, p);
    compat_free_hook = NULL;
}

static void an_error_propagated_to_null_is_released(void **state)
{
    Error *err = NULL;

    (void)state;
    error_setg(&err, "dropped");
    error_propagate(NULL, err);         /* ASan's leak check sees it otherwise */
    error_setg(NULL, "ignored");
}

/* The 2016 header brought ReplicationMode through qapi/error.h; today's
 * through qapi/qapi-types-block-core.h: the same values either way. */
static void replication_mode_has_qemus_values(void **state)
{
    (void)state;
    assert_int_equal(REPLICATION_MODE_PRIMARY, 0);
    assert_int_equal(REPLICATION_MODE_SECONDARY, 1);
    assert_int_equal(REPLICATION_MODE__MAX, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(qlist_inserts_where_asked),
        cmocka_unit_test(qlist_remove_clears_the_links),
        cmocka_unit_test(qlist_foreach_safe_allows_removing_the_current),
        cmocka_unit_test(qlist_swap_exchanges_heads),
        cmocka_unit_test(qslist_keeps_its_order_through_removals),
        cmocka_unit_test(qtailq_walks_both_ways),
        cmocka_unit_test(qtailq_remove_keeps_the_tail),
        cmocka_unit_test(errp_guard_gives_null_errp_a_local_error),
        cmocka_unit_test(errp_guard_keeps_a_callers_errp),
        cmocka_unit_test(error_abort_aborts),
        cmocka_unit_test(error_fatal_exits_1),
        cmocka_unit_test(an_error_propagated_to_null_is_released),
        cmocka_unit_test(messages_are_formatted_whole),
        cmocka_unit_test(propagating_into_fatal_exits_and_nothing_does_nothing),
        cmocka_unit_test(g_free_tells_the_hook_of_each_pointer),
        cmocka_unit_test(replication_mode_has_qemus_values),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
