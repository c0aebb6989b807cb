/* test_probe.c: the probe catalog and its counters (probe.h): one table of
 * at least 20 probes with unique, well-formed names and a meaning each;
 * names found back; counters that count, and that a new or reset world
 * zeroes.  Where the simulator's sites are reached: test_net.c (links,
 * the comparator) and cli/tests/probes.sh (every probe, over the suites).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "probe.h"
#include "world.h"

static uint64_t count_of(SimProbe p)
{
    uint64_t c[SIM_PROBE__COUNT];

    sim_probe_counts(c);
    return c[p];
}

static void catalog_has_twenty_named_and_described_probes(void **state)
{
    (void)state;
    assert_true(SIM_PROBE__COUNT >= 20);
    for (int i = 0; i < SIM_PROBE__COUNT; i++) {
        const char *n = sim_probe_info[i].name;

        assert_non_null(n);
        assert_true(strlen(n) > 0 && strlen(n) <= SIM_PROBE_NAME_MAX);
        assert_int_equal(strspn(n, "abcdefghijklmnopqrstuvwxyz0123456789-"), strlen(n));
        assert_true(n[0] != '-' && n[strlen(n) - 1] != '-');
        assert_non_null(sim_probe_info[i].meaning);
        assert_true(strlen(sim_probe_info[i].meaning) > 10);
        for (int k = 0; k < i; k++) {
            assert_string_not_equal(n, sim_probe_info[k].name);
        }
    }
}

static void names_are_found_back_and_others_are_not(void **state)
{
    (void)state;
    for (int i = 0; i < SIM_PROBE__COUNT; i++) {
        assert_int_equal(sim_probe_by_name(sim_probe_info[i].name), i);
    }
    assert_int_equal(sim_probe_by_name(""), -1);
    assert_int_equal(sim_probe_by_name("walk-nested "), -1);
    assert_int_equal(sim_probe_by_name("WALK-NESTED"), -1);
    assert_int_equal(sim_probe_by_name("no-such-probe"), -1);
}

static void hits_count_the_probe_hit_only(void **state)
{
    (void)state;
    sim_probe_reset();
    for (int i = 0; i < SIM_PROBE__COUNT; i++) {
        assert_int_equal(count_of((SimProbe)i), 0);
    }
    sim_probe_hit(SIM_PROBE_WALK_NESTED);
    sim_probe_hit(SIM_PROBE_WALK_NESTED);
    sim_probe_hit(SIM_PROBE_LIVENESS_STUCK);
    for (int i = 0; i < SIM_PROBE__COUNT; i++) {
        uint64_t want = i == SIM_PROBE_WALK_NESTED ? 2 : i == SIM_PROBE_LIVENESS_STUCK ? 1 : 0;

        assert_int_equal(count_of((SimProbe)i), want);
    }
    sim_probe_reset();
    assert_int_equal(count_of(SIM_PROBE_WALK_NESTED), 0);
}

/* A run's counts are its own: a new world and a reset one start at 0. */
static void a_new_or_reset_world_starts_at_zero(void **state)
{
    SimWorld *w = NULL;
    char err[128];

    (void)state;
    sim_probe_hit(SIM_PROBE_FAILOVER_SECONDARY);
    assert_int_equal(sim_world_new(1, &w, err, sizeof(err)), 0);
    assert_int_equal(count_of(SIM_PROBE_FAILOVER_SECONDARY), 0);
    sim_probe_hit(SIM_PROBE_FAILOVER_SECONDARY);
    assert_int_equal(count_of(SIM_PROBE_FAILOVER_SECONDARY), 1);
    assert_int_equal(sim_world_reset(w, 2, err, sizeof(err)), 0);
    assert_int_equal(count_of(SIM_PROBE_FAILOVER_SECONDARY), 0);
    sim_world_free(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(catalog_has_twenty_named_and_described_probes),
        cmocka_unit_test(names_are_found_back_and_others_are_not),
        cmocka_unit_test(hits_count_the_probe_hit_only),
        cmocka_unit_test(a_new_or_reset_world_starts_at_zero),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
