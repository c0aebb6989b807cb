/* test_registry.c: registries as objects: independent instances, the
 * default registry API, counting, freeing with states, and programming
 * errors at registration that abort.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "impl.h"
#include "world.h"

static void instances_are_independent(void **state)
{
    World *t = *state;
    ReplicationRegistry *other = replication_registry_new();
    Probe x[2] = { 0 };

    assert_non_null(other);
    assert_ptr_not_equal(other, t->reg);
    assert_ptr_not_equal(other, replication_default_registry());
    probe_register_n(t->p, 3, t->reg);
    probe_register(&x[0], "x", other, &probe_ops_all);
    probe_register(&x[1], "y", other, &probe_ops_all);
    assert_int_equal(replication_registry_count(t->reg), 3);
    assert_int_equal(replication_registry_count(other), 2);
    for (int w = 0; w < TW__COUNT; w++) {
        assert_string_equal(walk_log(t->reg, (TestWalk)w),
                            calls_of((TestWalk)w, "c b a"));
        assert_string_equal(walk_log(other, (TestWalk)w),
                            calls_of((TestWalk)w, "y x"));
    }
    probe_remove(&x[1]);
    assert_int_equal(replication_registry_count(t->reg), 3);
    assert_int_equal(replication_registry_count(other), 1);
    replication_registry_free(other);
    assert_int_equal(replication_registry_count(t->reg), 3);
}

static void default_registry_api_walks_default_registry(void **state)
{
    World *t = *state;
    ReplicationRegistry *def = replication_default_registry();
    Probe d[3] = { 0 };
    Error *err = NULL;

    assert_ptr_equal(replication_default_registry(), def);
    assert_int_equal(replication_registry_count(def), 0);
    probe_register_n(t->p, 1, t->reg);      /* must not be walked below */
    for (int i = 0; i < 3; i++) {
        char name[2] = { (char)('a' + i), '\0' };

        snprintf(d[i].name, sizeof(d[i].name), "%s", name);
        d[i].reg = def;
        d[i].rs = replication_new(&d[i], &probe_ops_all);
        assert_non_null(d[i].rs);
    }
    assert_int_equal(replication_registry_count(def), 3);
    replication_start_all(REPLICATION_MODE_PRIMARY, &err);
    assert_int_equal(d[0].last_mode, REPLICATION_MODE_PRIMARY);
    replication_do_checkpoint_all(&err);
    replication_get_error_all(&err);
    d[1].act = ACT_FAIL;
    replication_stop_all(true, &err);
    assert_string_equal(probe_log(), "c:s b:s a:s c:c b:c a:c c:g b:g a:g c:p b:p");
    assert_non_null(err);
    assert_string_equal(error_get_pretty(err), "b failed in stop");
    assert_true(d[2].last_failover);
    error_free(err);
    assert_int_equal(t->p[0].calls, 0);
    for (int i = 0; i < 3; i++) {
        probe_remove(&d[i]);
    }
    assert_int_equal(replication_registry_count(def), 0);
}

static void free_with_states_releases_them_without_calls(void **state)
{
    World *t = *state;
    ReplicationRegistry *reg = replication_registry_new();

    assert_non_null(reg);
    probe_register_n(t->p, 5, reg);
    replication_registry_free(reg);     /* ASan/valgrind: no leak */
    for (int i = 0; i < 5; i++) {
        assert_int_equal(t->p[i].calls, 0);
    }
    assert_string_equal(probe_log(), "");
}

static void free_with_states_removed_earlier(void **state)
{
    World *t = *state;
    ReplicationRegistry *reg = replication_registry_new();

    assert_non_null(reg);
    probe_register_n(t->p, 4, reg);
    t->p[3].act = ACT_REMOVE;
    t->p[3].targets[0] = &t->p[1];
    t->p[3].targets[1] = &t->p[3];
    run_walk(reg, TW_CHECKPOINT, NULL);
    probe_remove(&t->p[0]);
    replication_registry_free(reg);
}

static void free_null_is_noop(void **state)
{
    (void)state;
    replication_registry_free(NULL);
}

static void free_default_registry_empties_it(void **state)
{
    ReplicationRegistry *def = replication_default_registry();
    Probe d = { .name = "d" };

    (void)state;
    d.reg = def;
    d.rs = replication_new(&d, &probe_ops_all);
    assert_non_null(d.rs);
    replication_registry_free(def);
    assert_int_equal(replication_registry_count(def), 0);
    probe_log_reset();
    replication_do_checkpoint_all(NULL);
    assert_string_equal(probe_log(), "");
    /* Still usable afterwards. */
    d.rs = replication_new(&d, &probe_ops_all);
    replication_do_checkpoint_all(NULL);
    assert_string_equal(probe_log(), "d:c");
    probe_remove(&d);
}

static void same_ops_twice_gives_two_states(void **state)
{
    World *t = *state;
    ReplicationState *r1 = replication_new_in(t->reg, &t->p[0], &probe_ops_all);
    ReplicationState *r2 = replication_new_in(t->reg, &t->p[0], &probe_ops_all);

    snprintf(t->p[0].name, sizeof(t->p[0].name), "a");
    t->p[0].reg = t->reg;
    assert_non_null(r1);
    assert_non_null(r2);
    assert_ptr_not_equal(r1, r2);
    assert_int_equal(replication_registry_count(t->reg), 2);
    assert_string_equal(walk_log(t->reg, TW_START), "a:s a:s");
}

static void do_new_null_ops(void *arg)
{
    World *t = arg;

    replication_new_in(t->reg, NULL, NULL);
}

static void new_with_null_ops_aborts(void **state)
{
    expect_abort(do_new_null_ops, *state, "replication_new: ops is NULL");
}

static void do_new_null_registry(void *arg)
{
    replication_new_in(NULL, arg, &probe_ops_all);
}

static void new_in_null_registry_aborts(void **state)
{
    expect_abort(do_new_null_registry, *state, "registry is NULL");
}

/* Ours declares every extension, and the build names it. */
static void ours_is_named_and_offers_every_extension(void **state)
{
    const ReplicationImpl *impl = replication_impl();

    (void)state;
    assert_int_equal(replication_impl_extensions(),
                     REPLICATION_EXT_INSTANCES | REPLICATION_EXT_COUNT |
                     REPLICATION_EXT_ALLOC_NULL | REPLICATION_EXT_FREE_WITH_STATES);
    assert_true(impl->ours);
    assert_string_equal(impl->name, "ours");
    assert_string_equal(impl->api, "instances");
    assert_int_equal(strlen(impl->sha256), 64);
    assert_int_equal(strspn(impl->sha256, "0123456789abcdef"), 64);
    assert_non_null(strstr(impl->path, "registry/replication.c"));
    assert_string_equal(replication_ext_name(REPLICATION_EXT_INSTANCES), "instances");
    assert_string_equal(replication_ext_name(REPLICATION_EXT_FREE_WITH_STATES), "free-with-states");
    assert_null(replication_ext_name((ReplicationExt)0));
    assert_null(replication_ext_name((ReplicationExt)(1u << REPLICATION_EXT__COUNT)));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        ONCE(instances_are_independent),
        ONCE(default_registry_api_walks_default_registry),
        ONCE(free_with_states_releases_them_without_calls),
        ONCE(free_with_states_removed_earlier),
        ONCE(free_null_is_noop),
        ONCE(free_default_registry_empties_it),
        ONCE(same_ops_twice_gives_two_states),
        ONCE(new_with_null_ops_aborts),
        ONCE(new_in_null_registry_aborts),
        ONCE(ours_is_named_and_offers_every_extension),
    };

    return cmocka_run_group_tests_name("registry", tests, NULL, NULL);
}
