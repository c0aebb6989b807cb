/* test_adapter.c: compat/adapter.c over fixture_registry.c, a global-API
 * registry compiled 16 times whose removal aborts unless the state is in
 * its own copy's list: each registry's states go to, are walked by, and are
 * removed through the copy that holds them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "child.h"
#include "replication.h"

void compat_g_free(void *p);    /* compat/glib.c: the stand-in g_free */

static char calls[64];

static void on_checkpoint(ReplicationState *rs, Error **errp)
{
    (void)errp;
    strncat(calls, (const char *)rs->opaque, sizeof(calls) - strlen(calls) - 1);
}

static void on_checkpoint_fail(ReplicationState *rs, Error **errp)
{
    on_checkpoint(rs, errp);
    error_setg(errp, "%s failed", (const char *)rs->opaque);
}

static ReplicationState *doomed;

/* Removes `doomed`, whichever registry holds it, then records itself. */
static void on_checkpoint_remove(ReplicationState *rs, Error **errp)
{
    replication_remove(doomed);
    doomed = NULL;
    on_checkpoint(rs, errp);
}

static void on_stop(ReplicationState *rs, bool failover, Error **errp)
{
    (void)failover;
    on_checkpoint(rs, errp);
}

static ReplicationOps ops = { .checkpoint = on_checkpoint, .stop = on_stop };
static ReplicationOps ops_fail = { .checkpoint = on_checkpoint_fail };
static ReplicationOps ops_remove = { .checkpoint = on_checkpoint_remove };

static int setup(void **state)
{
    (void)state;
    calls[0] = '\0';
    return 0;
}

static void removal_of_a_new_registrys_state_goes_to_its_copy(void **state)
{
    ReplicationRegistry *reg = replication_registry_new();
    ReplicationState *a, *b;
    Error *err = NULL;

    (void)state;
    assert_non_null(reg);
    assert_ptr_not_equal(reg, replication_default_registry());
    a = replication_new_in(reg, "a", &ops);
    b = replication_new_in(reg, "b", &ops);
    replication_remove(a);              /* the fixture aborts in a wrong copy */
    assert_int_equal(replication_registry_count(reg), 1);
    replication_do_checkpoint_all_in(reg, &err);
    assert_null(err);
    assert_string_equal(calls, "b");
    replication_remove(b);
    assert_int_equal(replication_registry_count(reg), 0);
    replication_registry_free(reg);
}

static void removal_inside_another_registrys_walk_goes_to_its_copy(void **state)
{
    ReplicationRegistry *r1 = replication_registry_new(), *r2 = replication_registry_new();
    Error *err = NULL;

    (void)state;
    assert_non_null(r1);
    assert_non_null(r2);
    replication_new_in(r1, "x", &ops_remove);
    doomed = replication_new_in(r2, "y", &ops);
    replication_new_in(r2, "z", &ops);
    replication_do_checkpoint_all_in(r1, &err);
    assert_null(err);
    replication_do_checkpoint_all_in(r2, &err);
    assert_null(err);
    assert_string_equal(calls, "xz");
    assert_int_equal(replication_registry_count(r2), 1);
    replication_registry_free(r1);
    replication_registry_free(r2);
}

static void default_registry_states_are_removed_from_copy_0(void **state)
{
    ReplicationState *a = replication_new("a", &ops);
    ReplicationRegistry *reg = replication_registry_new();
    Error *err = NULL;

    (void)state;
    replication_new_in(reg, "b", &ops);
    replication_remove(a);
    replication_remove(NULL);           /* copy 0's: a no-op for this one */
    replication_do_checkpoint_all(&err);
    assert_null(err);
    assert_string_equal(calls, "");
    assert_int_equal(replication_registry_count(replication_default_registry()), 0);
    replication_registry_free(reg);
}

/* ERRP_GUARD in the fixture's walk: with a NULL errp the walk still ends at
 * the first error, which is released (ASan's leak check sees it otherwise). */
static void first_error_ends_the_walk_with_or_without_errp(void **state)
{
    ReplicationRegistry *reg = replication_registry_new();
    Error *err = NULL;

    (void)state;
    replication_new_in(reg, "a", &ops);
    replication_new_in(reg, "b", &ops_fail);
    replication_new_in(reg, "c", &ops);
    replication_do_checkpoint_all_in(reg, NULL);
    assert_string_equal(calls, "cb");
    replication_do_checkpoint_all_in(reg, &err);
    assert_string_equal(calls, "cbcb");
    assert_non_null(err);
    assert_string_equal(error_get_pretty(err), "b failed");
    error_free(err);
    replication_registry_free(reg);
}

/* The fixture's stop walk frees "!a" by itself, as a fork of QEMU's does:
 * it stops counting at once, and its owner's removal is not passed on (a
 * double free otherwise, which glibc or ASan aborts on). */
static void a_state_the_implementation_frees_stops_counting(void **state)
{
    ReplicationRegistry *reg = replication_registry_new();
    ReplicationState *a;
    Error *err = NULL;

    (void)state;
    a = replication_new_in(reg, "!a", &ops);
    replication_new_in(reg, "b", &ops);
    replication_stop_all_in(reg, false, &err);
    assert_null(err);
    assert_string_equal(calls, "b!a");
    assert_int_equal(replication_registry_count(reg), 1);
    replication_remove(a);
    assert_int_equal(replication_registry_count(reg), 1);
    replication_do_checkpoint_all_in(reg, &err);
    assert_string_equal(calls, "b!ab");
    replication_registry_free(reg);
    assert_int_equal(replication_registry_count(reg), 0);
}

/* What a child running fn wrote to stderr (its last line kept). */
static char said[256];

/* How a child running fn ended: its exit status, or 128 + its signal. */
static int in_child(void (*fn)(void))
{
    int status = child_run(fn, said, sizeof(said));

    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* The child aborted, its last words msg. */
static void aborts_saying(void (*fn)(void), const char *msg)
{
    assert_int_equal(in_child(fn), 128 + SIGABRT);
    assert_string_equal(said, msg);
}

/* 15 registries besides the default one, each a copy of its own; then
 * none; a freed one is handed out again, empty.  The default registry
 * is never handed out, freed or not. */
static void fifteen_registries_then_none_then_a_freed_one_again(void **state)
{
    ReplicationRegistry *regs[15], *again;

    (void)state;
    replication_registry_free(replication_default_registry());
    for (int i = 0; i < 15; i++) {
        regs[i] = replication_registry_new();
        assert_non_null(regs[i]);
        assert_ptr_not_equal(regs[i], replication_default_registry());
        for (int j = 0; j < i; j++) {
            assert_ptr_not_equal(regs[i], regs[j]);
        }
        replication_new_in(regs[i], "s", &ops);
    }
    assert_null(replication_registry_new());
    replication_registry_free(regs[6]);
    again = replication_registry_new();
    assert_ptr_equal(again, regs[6]);
    assert_int_equal(replication_registry_count(again), 0);
    assert_null(replication_registry_new());
    for (int i = 0; i < 15; i++) {
        assert_int_equal(replication_registry_count(regs[i]), i == 6 ? 0 : 1);
        replication_registry_free(regs[i]);
        assert_int_equal(replication_registry_count(regs[i]), 0);
    }
}

static void on_start(ReplicationState *rs, ReplicationMode mode, Error **errp)
{
    (void)mode;
    on_checkpoint(rs, errp);
}

/* Each registry's walks (all four) call its own states only. */
static void each_registry_walks_its_own_states(void **state)
{
    static ReplicationOps every = { .start = on_start, .stop = on_stop,
                                    .checkpoint = on_checkpoint, .get_error = on_checkpoint };
    ReplicationRegistry *r1 = replication_registry_new(), *r2 = replication_registry_new();
    ReplicationState *d;
    Error *err = NULL;

    (void)state;
    d = replication_new("d", &every);
    assert_non_null(d);
    assert_string_equal(d->opaque, "d");
    replication_new_in(r1, "a", &every);
    replication_new_in(r2, "b", &every);
    replication_new_in(r1, "c", &every);
    replication_do_checkpoint_all_in(r1, &err);
    assert_string_equal(calls, "ca");
    replication_stop_all_in(r2, true, &err);
    assert_string_equal(calls, "cab");
    replication_start_all_in(r1, REPLICATION_MODE_PRIMARY, &err);
    assert_string_equal(calls, "cabca");
    replication_get_error_all_in(r2, &err);
    assert_string_equal(calls, "cabcab");
    calls[0] = '\0';
    replication_do_checkpoint_all(&err);
    replication_stop_all(false, &err);
    replication_start_all(REPLICATION_MODE_SECONDARY, &err);
    replication_get_error_all(&err);
    assert_string_equal(calls, "dddd");
    assert_null(err);
    assert_int_equal(replication_registry_count(r1), 2);
    assert_int_equal(replication_registry_count(r2), 1);
    assert_int_equal(replication_registry_count(replication_default_registry()), 1);
    replication_registry_free(r2);      /* the other registries keep theirs */
    assert_int_equal(replication_registry_count(r1), 2);
    assert_int_equal(replication_registry_count(replication_default_registry()), 1);
    replication_remove(d);
    assert_int_equal(replication_registry_count(replication_default_registry()), 0);
    replication_do_checkpoint_all_in(r1, &err);
    assert_string_equal(calls, "ddddca");
    replication_registry_free(r1);
}

static void new_in_null(void)
{
    replication_new_in(NULL, "x", &ops);
}

static ReplicationRegistry *walked;

static void on_checkpoint_free_registry(ReplicationState *rs, Error **errp)
{
    (void)rs, (void)errp;
    replication_registry_free(walked);
}

static void free_during_walk(void)
{
    static ReplicationOps freeing = { .checkpoint = on_checkpoint_free_registry };

    walked = replication_registry_new();
    replication_new_in(walked, "x", &freeing);
    replication_do_checkpoint_all_in(walked, NULL);
}

/* After a walk (each kind, nested in another registry's), the registry may
 * be freed; during one it may not. */
static void free_after_walks(void)
{
    static ReplicationOps all = { .start = NULL, .stop = on_stop, .checkpoint = on_checkpoint };
    ReplicationRegistry *reg = replication_registry_new();

    replication_new_in(reg, "x", &all);
    replication_start_all_in(reg, REPLICATION_MODE_PRIMARY, NULL);
    replication_stop_all_in(reg, false, NULL);
    replication_do_checkpoint_all_in(reg, NULL);
    replication_get_error_all_in(reg, NULL);
    replication_start_all(REPLICATION_MODE_SECONDARY, NULL);
    replication_get_error_all(NULL);
    replication_registry_free(reg);
    free_during_walk();
}

static void table_of_4096(void)
{
    ReplicationRegistry *reg = replication_registry_new();

    for (int i = 0; i < 4096; i++) {
        replication_new_in(reg, "x", &ops);
    }
    if (replication_registry_count(reg) != 4096) {
        _exit(3);
    }
    replication_registry_free(reg);
    for (int i = 0; i < 4096; i++) {
        replication_new("y", &ops);
    }
    compat_g_free(malloc(8));   /* not a state: the whole table searched, no further */
    replication_new("z", &ops);         /* one too many: aborts */
}

/* What the adapter cannot honour aborts, naming it: a NULL registry, a
 * registry freed during its own walk, more live states than its table. */
static void what_the_adapter_cannot_honour_aborts(void **state)
{
    (void)state;
    aborts_saying(new_in_null, "compat adapter: replication_new: registry is NULL\n");
    aborts_saying(free_during_walk, "compat adapter: replication_registry_free: registry "
                  "freed during one of its walks\n");
    aborts_saying(free_after_walks, "compat adapter: replication_registry_free: registry "
                  "freed during one of its walks\n");
    aborts_saying(table_of_4096, "compat adapter: replication_new: more live states than "
                  "the adapter's table holds\n");
}

static void free_null_registry(void)
{
    replication_registry_free(NULL);
    _exit(7);
}

/* Freeing no registry does nothing. */
static void freeing_no_registry_does_nothing(void **state)
{
    (void)state;
    assert_int_equal(in_child(free_null_registry), 7);
}

/* Dropped states (freed by the implementation's stop walk), their owners'
 * removals taken out of order: each is swallowed once. */
static void each_dropped_state_is_forgotten_once(void **state)
{
    ReplicationRegistry *reg = replication_registry_new();
    ReplicationState *a, *b, *c;
    Error *err = NULL;

    (void)state;
    a = replication_new_in(reg, "!a", &ops);
    b = replication_new_in(reg, "!b", &ops);
    c = replication_new_in(reg, "!c", &ops);
    replication_new_in(reg, "d", &ops);
    replication_stop_all_in(reg, false, &err);
    assert_null(err);
    assert_int_equal(replication_registry_count(reg), 1);
    replication_remove(b);      /* the fixture aborts on any one passed on */
    replication_remove(a);
    replication_remove(c);
    assert_int_equal(replication_registry_count(reg), 1);
    replication_registry_free(reg);
}

static ReplicationState *twice;

static void remove_twice(void)
{
    replication_remove(twice);
    replication_remove(twice);
}

static void drop_then_remove_twice(void)
{
    ReplicationRegistry *reg = replication_registry_new();

    replication_new_in(reg, "!a", &ops);
    twice = replication_new_in(reg, "!b", &ops);
    replication_new_in(reg, "!c", &ops);
    replication_stop_all_in(reg, false, NULL);
    remove_twice();
}

/* Among dropped states at lower and higher addresses, a state removed
 * twice: its second removal goes on to the implementation. */
static void median_removed_twice(void)
{
    ReplicationRegistry *reg = replication_registry_new();
    ReplicationState *rs[9];

    for (int i = 0; i < 9; i++) {
        rs[i] = replication_new_in(reg, "!s", &ops);
    }
    for (int i = 1; i < 9; i++) {       /* by address */
        for (int j = i; j > 0 && (uintptr_t)rs[j] < (uintptr_t)rs[j - 1]; j--) {
            ReplicationState *t = rs[j];

            rs[j] = rs[j - 1];
            rs[j - 1] = t;
        }
    }
    rs[4]->opaque = "m";                /* the one of them the walk keeps */
    replication_stop_all_in(reg, false, NULL);
    if (replication_registry_count(reg) != 1) {
        _exit(3);
    }
    twice = rs[4];
    remove_twice();
}

/* A new state at a dropped one's address (the fixture's slab of one): it
 * is that state now, and once removed, removing it again goes on. */
static void reused_address_removed_twice(void)
{
    ReplicationRegistry *reg = replication_registry_new();
    ReplicationState *a = replication_new_in(reg, "!=a", &ops);

    replication_stop_all_in(reg, false, NULL);
    twice = replication_new_in(reg, "a=", &ops);
    if (twice != a || replication_registry_count(reg) != 1) {
        _exit(3);
    }
    remove_twice();
}

/* 4096 dropped states, then one the adapter never saw. */
static ReplicationState stranger;

static void many_dropped_then_a_stranger(void)
{
    ReplicationRegistry *reg = replication_registry_new();

    for (int i = 0; i < 4096; i++) {
        replication_new_in(reg, "!s", &ops);
    }
    replication_stop_all_in(reg, false, NULL);
    twice = &stranger;
    remove_twice();
}

/* 4096 dropped states, then one more: the allocator's free blocks of a
 * state's size are taken first, so the new one is at a new address. */
static void one_dropped_too_many(void)
{
    ReplicationRegistry *reg = replication_registry_new();

    for (int i = 0; i < 4096; i++) {
        replication_new_in(reg, "!s", &ops);
    }
    replication_stop_all_in(reg, false, NULL);
    for (int i = 0; i < 4096 + 64; i++) {
        if (calloc(1, 32) == NULL) {
            _exit(4);
        }
    }
    replication_new_in(reg, "!t", &ops);
    replication_stop_all_in(reg, false, NULL);
}

/* A removal the adapter does not recognise goes on to the
 * implementation (which aborts here): a double removal stays one. */
static void a_removal_not_recognised_goes_on(void **state)
{
    static const char not_mine[] = "fixture_registry: replication_g0_remove: state";

    (void)state;
    assert_int_equal(in_child(drop_then_remove_twice), 128 + SIGABRT);
    assert_memory_equal(said, not_mine, sizeof(not_mine) - 1);
    assert_int_equal(in_child(median_removed_twice), 128 + SIGABRT);
    assert_memory_equal(said, not_mine, sizeof(not_mine) - 1);
    assert_int_equal(in_child(reused_address_removed_twice), 128 + SIGABRT);
    assert_memory_equal(said, not_mine, sizeof(not_mine) - 1);
    assert_int_equal(in_child(many_dropped_then_a_stranger), 128 + SIGABRT);
    assert_memory_equal(said, not_mine, sizeof(not_mine) - 1);
    aborts_saying(one_dropped_too_many, "compat adapter: g_free: more states freed by the "
                  "implementation itself than the adapter holds\n");
}

#if defined(__SANITIZE_ADDRESS__)
#define LEAKS_SEEN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define LEAKS_SEEN 1
#endif
#endif

static __attribute__((noinline)) void register_and_leak(void)
{
    ReplicationRegistry *reg = replication_registry_new();

    replication_new_in(reg, "a", &ops);
    replication_remove(replication_new_in(reg, "b~", &ops));   /* the fixture leaks it */
    replication_registry_free(reg);
}

/* No copy of the leaked address left in the stack below us either. */
static __attribute__((noinline)) void clear_stack(void)
{
    volatile char junk[16384];

    for (size_t i = 0; i < sizeof(junk); i++) {
        junk[i] = 0;
    }
}

static void leak_the_last(void)
{
    register_and_leak();
    clear_stack();
    exit(0);                    /* LeakSanitizer runs */
}

/* The adapter keeps no removed state's address: a state the implementation
 * leaks on removal is a leak LeakSanitizer reports (ASan builds). */
static void a_state_leaked_on_removal_is_seen(void **state)
{
    int status;

    (void)state;
    status = in_child(leak_the_last);
#ifdef LEAKS_SEEN
    assert_int_not_equal(status, 0);
    assert_non_null(strstr(said, "LeakSanitizer"));
#else
    /* Under valgrind the child is traced too, and its leak reported with
     * the setup's --error-exitcode (99, meson.build). */
    assert_true(status == 0 || status == 99);
#endif
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(removal_of_a_new_registrys_state_goes_to_its_copy, setup),
        cmocka_unit_test_setup(removal_inside_another_registrys_walk_goes_to_its_copy, setup),
        cmocka_unit_test_setup(default_registry_states_are_removed_from_copy_0, setup),
        cmocka_unit_test_setup(first_error_ends_the_walk_with_or_without_errp, setup),
        cmocka_unit_test_setup(a_state_the_implementation_frees_stops_counting, setup),
        cmocka_unit_test_setup(fifteen_registries_then_none_then_a_freed_one_again, setup),
        cmocka_unit_test_setup(each_registry_walks_its_own_states, setup),
        cmocka_unit_test_setup(what_the_adapter_cannot_honour_aborts, setup),
        cmocka_unit_test_setup(freeing_no_registry_does_nothing, setup),
        cmocka_unit_test_setup(each_dropped_state_is_forgotten_once, setup),
        cmocka_unit_test_setup(a_removal_not_recognised_goes_on, setup),
        cmocka_unit_test_setup(a_state_leaked_on_removal_is_seen, setup),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
