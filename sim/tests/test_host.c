/* test_host.c: the host allocation door (host.h): the test hook's
 * countdown, transient and persistent; the record of the first failure;
 * and telling the registry's host failures from its fault point's.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fault.h"
#include "host.h"
#include "host_registry.h"
#include "replication.h"
#include "store.h"
#include "world.h"            /* SIM_ASAN */

static int reset(void **state)
{
    (void)state;
    sim_host_fail_nth(0, false);
    sim_host_clear();
    return 0;
}

static void nothing_failed_means_an_empty_record(void **state)
{
    void *p = sim_host_malloc(16, "a");

    (void)state;
    assert_non_null(p);
    free(p);
    assert_false(sim_host_failed());
    assert_null(sim_host_failure()->where);
    assert_int_equal(sim_host_failure()->count, 0);
}

static void every_call_counts_one_allocation(void **state)
{
    uint64_t before = sim_host_allocs();
    void *a = sim_host_malloc(1, "a"), *b = sim_host_calloc(2, 3, "b");
    void *c = sim_host_realloc(NULL, 4, "c");

    (void)state;
    assert_true(sim_host_gate(0, "d"));
    assert_int_equal(sim_host_allocs() - before, 4);
    free(a), free(b), free(c);
}

static void the_nth_allocation_fails_once(void **state)
{
    void *p[4];

    (void)state;
    sim_host_fail_nth(3, false);
    p[0] = sim_host_malloc(8, "first");
    p[1] = sim_host_calloc(1, 8, "second");
    p[2] = sim_host_malloc(24, "third");
    p[3] = sim_host_malloc(8, "fourth");
    assert_non_null(p[0]);
    assert_non_null(p[1]);
    assert_null(p[2]);
    assert_non_null(p[3]);
    assert_string_equal(sim_host_failure()->where, "third");
    assert_int_equal(sim_host_failure()->bytes, 24);
    assert_int_equal(sim_host_failure()->count, 1);
    for (int i = 0; i < 4; i++) {
        free(p[i]);
    }
}

static void a_persistent_failure_refuses_every_later_one(void **state)
{
    void *a, *b, *c;

    (void)state;
    sim_host_fail_nth(2, true);
    a = sim_host_malloc(8, "first");
    b = sim_host_malloc(8, "second");
    c = sim_host_realloc(a, 64, "third");
    assert_non_null(a);
    assert_null(b);
    assert_null(c);             /* a is untouched, as with realloc */
    assert_false(sim_host_gate(0, "fourth"));
    assert_string_equal(sim_host_failure()->where, "second");
    assert_int_equal(sim_host_failure()->count, 3);
    free(a);
    sim_host_fail_nth(0, false);
    a = sim_host_malloc(8, "after");
    assert_non_null(a);
    free(a);
}

static void clearing_forgets_the_failure_but_not_the_hook(void **state)
{
    void *p;

    (void)state;
    sim_host_fail_nth(1, false);
    assert_null(sim_host_malloc(8, "x"));
    assert_true(sim_host_failed());
    sim_host_clear();
    assert_false(sim_host_failed());
    sim_host_fail_nth(2, false);
    sim_host_clear();
    p = sim_host_malloc(8, "y");
    assert_non_null(p);
    free(p);
    assert_null(sim_host_malloc(8, "z"));
    assert_string_equal(sim_host_failure()->where, "z");
}

/* The host's own refusal (a size no host gives) is recorded too.  ASan
 * reports such a size instead of returning NULL: skipped under it. */
static void a_real_refusal_is_recorded_too(void **state)
{
    (void)state;
#ifdef SIM_ASAN
    skip();
#endif
    assert_null(sim_host_malloc((size_t)1 << 62, "huge"));
    assert_true(sim_host_failed());
    assert_string_equal(sim_host_failure()->where, "huge");
    assert_null(sim_host_calloc(SIZE_MAX / 2, 4, "overflow"));
    assert_int_equal(sim_host_failure()->count, 2);
}

static void the_description_names_where_and_how_much(void **state)
{
    char buf[128];

    (void)state;
    sim_host_fail_nth(1, false);
    assert_null(sim_host_malloc(4096, "store: hash table"));
    assert_string_equal(sim_host_describe(sim_host_failure(), buf, sizeof(buf)),
                        "host out of memory: store: hash table (4096 bytes)");
    sim_host_clear();
    sim_host_oom(0, "libfiu: a fault point's entry");
    assert_string_equal(sim_host_describe(sim_host_failure(), buf, sizeof(buf)),
                        "host out of memory: libfiu: a fault point's entry");
}

/* The registry answered "out of memory" with no point firing and errno at
 * ENOMEM: its malloc failed, the host's doing. */
static void a_registry_null_with_enomem_is_the_hosts(void **state)
{
    SimHostMark mark = sim_host_mark();

    (void)state;
    assert_int_equal(errno, 0);
    errno = ENOMEM;             /* what a refusing malloc leaves */
    assert_true(sim_host_registry_oom(mark, "registry under test"));
    assert_string_equal(sim_host_failure()->where, "registry under test");
}

/* An implementation that answers NULL for no reason: a verdict on it. */
static void a_registry_null_without_enomem_is_not(void **state)
{
    SimHostMark mark = sim_host_mark();

    (void)state;
    assert_false(sim_host_registry_oom(mark, "registry under test"));
    assert_false(sim_host_failed());
}

#ifdef FIU_ENABLE
/* registry/alloc fired inside the call: simulated, whatever errno says. */
static void a_registry_null_after_its_point_fired_is_simulated(void **state)
{
    SimFaults *f = sim_faults_new(1, NULL, NULL);
    SimFaultSpec once = { .mode = SIM_FAULT_ONCE };
    SimHostMark mark;

    (void)state;
    assert_non_null(f);
    assert_int_equal(sim_faults_register(f, REPLICATION_FAULT_ALLOC), 0);
    assert_int_equal(sim_faults_arm(f, REPLICATION_FAULT_ALLOC, &once, NULL, 0), 1);
    mark = sim_host_mark();
    assert_null(replication_registry_new());
    errno = ENOMEM;
    assert_false(sim_host_registry_oom(mark, "registry under test"));
    assert_false(sim_host_failed());
    sim_faults_clear(f, "*");
    sim_faults_free(f);
}
#endif

/* sim_host_error: the Error is set as error_setg sets it; a refused one is
 * the shared out-of-memory Error, and the host's failure when nothing fired. */
static void an_error_set_through_the_door_is_the_same_error(void **state)
{
    Error *err = NULL;

    (void)state;
    sim_host_error(&err, "colo-compare: not running", "where");
    assert_non_null(err);
    assert_string_equal(error_get_pretty(err), "colo-compare: not running");
    assert_false(error_is_out_of_memory(err));
    assert_false(sim_host_failed());
    error_free(err);
    sim_host_error(NULL, "dropped", "where");
    assert_false(sim_host_failed());
}

static int count_visit(void *ctx, uint64_t sector, const uint8_t *data)
{
    (void)sector, (void)data;
    ++*(int *)ctx;
    return 0;
}

/* Found by scenarios/tests/test_host.c: a refused sort left its output
 * unset, and sim_store_foreach freed an uninitialized pointer. */
static void a_store_walk_whose_sort_is_refused_fails_cleanly(void **state)
{
    SimStore *s = sim_store_new(64, 0);
    uint8_t data[SIM_SECTOR_SIZE] = { 1, 2 };
    uint64_t stale = 0, *sectors = &stale;
    size_t n = 7;
    int visits = 0;

    (void)state;
    assert_non_null(s);
    assert_int_equal(sim_store_write(s, 3, 1, data), 0);
    sim_host_fail_nth(1, false);
    assert_int_equal(sim_store_sorted_sectors(s, &sectors, &n), -ENOMEM);
    assert_null(sectors);
    assert_int_equal(n, 0);
    sim_host_fail_nth(1, false);
    assert_int_equal(sim_store_foreach(s, count_visit, &visits), -ENOMEM);
    assert_int_equal(visits, 0);
    assert_true(sim_host_failed());
    assert_int_equal(sim_store_foreach(s, count_visit, &visits), 0);
    assert_int_equal(visits, 1);
    sim_store_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(nothing_failed_means_an_empty_record, reset),
        cmocka_unit_test_setup(every_call_counts_one_allocation, reset),
        cmocka_unit_test_setup(the_nth_allocation_fails_once, reset),
        cmocka_unit_test_setup(a_persistent_failure_refuses_every_later_one, reset),
        cmocka_unit_test_setup(clearing_forgets_the_failure_but_not_the_hook, reset),
        cmocka_unit_test_setup(a_real_refusal_is_recorded_too, reset),
        cmocka_unit_test_setup(the_description_names_where_and_how_much, reset),
        cmocka_unit_test_setup(a_registry_null_with_enomem_is_the_hosts, reset),
        cmocka_unit_test_setup(a_registry_null_without_enomem_is_not, reset),
#ifdef FIU_ENABLE
        cmocka_unit_test_setup(a_registry_null_after_its_point_fired_is_simulated, reset),
#endif
        cmocka_unit_test_setup(an_error_set_through_the_door_is_the_same_error, reset),
        cmocka_unit_test_setup(a_store_walk_whose_sort_is_refused_fails_cleanly, reset),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
