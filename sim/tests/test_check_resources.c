/* test_check_resources.c: the teardown check (check_resources.h): each
 * leftover (a live state in any registry, a state the contract checker
 * still tracks, an armed fault point, a pending event) is named, the first
 * one found is the one described, and a clean world passes with an empty
 * message.  Test code only.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "check_resources.h"
#include "world.h"

typedef struct Fixture {
    SimWorld *w;
    ReplicationRegistry *reg[2];
    char msg[256];
} Fixture;

static ReplicationOps no_ops;

static int setup(void **state)
{
    static Fixture f;
    char err[256];

    assert_int_equal(sim_world_new(1, &f.w, err, sizeof(err)), 0);
    f.reg[0] = replication_registry_new();
    f.reg[1] = replication_registry_new();
    assert_true(f.reg[0] && f.reg[1]);
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    Fixture *f = *state;

    replication_registry_free(f->reg[0]);
    replication_registry_free(f->reg[1]);
    sim_world_free(f->w);
    return 0;
}

static int check(Fixture *f, size_t n)
{
    return sim_check_resources(f->w, f->reg, n, f->msg, sizeof(f->msg));
}

static void nop(SimClock *c, void *arg, uint64_t data)
{
    (void)c, (void)arg, (void)data;
}

static void clean_world_passes_with_an_empty_message(void **state)
{
    Fixture *f = *state;

    f->msg[0] = 'x';
    assert_int_equal(check(f, 2), 0);
    assert_string_equal(f->msg, "");
}

static void state_left_in_the_first_registry_is_reported(void **state)
{
    Fixture *f = *state;
    ReplicationState *rs = replication_new_in(f->reg[0], NULL, &no_ops);

    assert_int_equal(check(f, 2), -EBUSY);
    assert_string_equal(f->msg, "resources: registry 0 holds 1 state");
    replication_remove(rs);
    assert_int_equal(check(f, 2), 0);
}

static void states_left_in_a_later_registry_are_counted(void **state)
{
    Fixture *f = *state;
    ReplicationState *a = replication_new_in(f->reg[1], NULL, &no_ops);
    ReplicationState *b = replication_new_in(f->reg[1], NULL, &no_ops);

    assert_int_equal(check(f, 2), -EBUSY);
    assert_string_equal(f->msg, "resources: registry 1 holds 2 states");
    assert_int_equal(check(f, 1), 0);       /* only registry 0 given */
    replication_remove(a);
    replication_remove(b);
}

static void null_registries_are_skipped(void **state)
{
    Fixture *f = *state;
    ReplicationRegistry *regs[3] = { NULL, f->reg[1], NULL };
    ReplicationState *rs = replication_new_in(f->reg[1], NULL, &no_ops);

    assert_int_equal(sim_check_resources(f->w, regs, 3, f->msg, sizeof(f->msg)), -EBUSY);
    assert_string_equal(f->msg, "resources: registry 1 holds 1 state");
    replication_remove(rs);
    assert_int_equal(sim_check_resources(f->w, regs, 3, f->msg, sizeof(f->msg)), 0);
}

static void state_still_tracked_by_the_contract_checker_is_reported(void **state)
{
    Fixture *f = *state;
    ReplicationState *rs = replication_new_in(f->reg[1], NULL, &no_ops);

    sim_regcheck_track(f->w->regcheck, f->reg[1], rs, "x");
    /* Only registry 0: the checker itself still knows the state. */
    assert_int_equal(check(f, 1), -EBUSY);
    assert_string_equal(f->msg, "resources: 1 state(s) still tracked by the contract checker");
    sim_regcheck_untrack(f->w->regcheck, rs);
    replication_remove(rs);
    assert_int_equal(check(f, 2), 0);
}

#ifdef FIU_ENABLE
/* The registry's own point is the world's first one. */
static void armed_fault_point_is_reported(void **state)
{
    Fixture *f = *state;
    SimFaultSpec always = { .mode = SIM_FAULT_ALWAYS };

    assert_int_equal(sim_faults_arm(f->w->faults, REPLICATION_FAULT_ALLOC, &always, NULL, 0), 1);
    assert_int_equal(check(f, 2), -EBUSY);
    assert_string_equal(f->msg, "resources: fault point registry/alloc still armed");
    sim_faults_clear(f->w->faults, REPLICATION_FAULT_ALLOC);
    assert_int_equal(sim_faults_register(f->w->faults, "disk/x/read"), 0);
    assert_int_equal(sim_faults_arm(f->w->faults, "disk/x/read", &always, NULL, 0), 1);
    assert_int_equal(check(f, 2), -EBUSY);
    assert_string_equal(f->msg, "resources: fault point disk/x/read still armed");
    sim_faults_clear(f->w->faults, "disk/x/read");
    assert_int_equal(check(f, 2), 0);
}
#endif

/* A world built without libfiu has no fault layer: nothing can be armed. */
static void world_without_fault_points_has_none_armed(void **state)
{
    Fixture *f = *state;
    SimWorld bare = *f->w;

    bare.faults = NULL;
    assert_int_equal(sim_check_resources(&bare, f->reg, 2, f->msg, sizeof(f->msg)), 0);
}

static void pending_event_is_reported(void **state)
{
    Fixture *f = *state;

    sim_clock_schedule(f->w->clock, 5, nop, NULL, 0);
    sim_clock_schedule(f->w->clock, 7, nop, NULL, 0);
    assert_int_equal(check(f, 2), -EBUSY);
    assert_string_equal(f->msg, "resources: 2 event(s) still pending");
    sim_clock_step(f->w->clock);
    sim_clock_step(f->w->clock);
    assert_int_equal(check(f, 2), 0);
}

/* With every kind of leftover, the registries are described first. */
static void first_leftover_is_described(void **state)
{
    Fixture *f = *state;
    ReplicationState *rs = replication_new_in(f->reg[0], NULL, &no_ops);

    sim_regcheck_track(f->w->regcheck, f->reg[0], rs, "x");
    sim_clock_schedule(f->w->clock, 5, nop, NULL, 0);
    assert_int_equal(check(f, 2), -EBUSY);
    assert_string_equal(f->msg, "resources: registry 0 holds 1 state");
    assert_int_equal(check(f, 0), -EBUSY);
    assert_string_equal(f->msg, "resources: 1 state(s) still tracked by the contract checker");
    sim_regcheck_untrack(f->w->regcheck, rs);
    replication_remove(rs);
    assert_int_equal(check(f, 2), -EBUSY);
    assert_string_equal(f->msg, "resources: 1 event(s) still pending");
    sim_clock_step(f->w->clock);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(clean_world_passes_with_an_empty_message),
        T(state_left_in_the_first_registry_is_reported),
        T(states_left_in_a_later_registry_are_counted),
        T(null_registries_are_skipped),
        T(state_still_tracked_by_the_contract_checker_is_reported),
#ifdef FIU_ENABLE
        T(armed_fault_point_is_reported),
#endif
        T(world_without_fault_points_has_none_armed),
        T(pending_event_is_reported),
        T(first_leftover_is_described),
    };

    return cmocka_run_group_tests_name("check_resources", tests, NULL, NULL);
}
