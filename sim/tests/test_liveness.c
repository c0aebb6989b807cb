/* test_liveness.c: the liveness phase (liveness.h) and the getters it
 * reads: a healthy pair converges; a partition not declared permanent
 * really heals (and one that is stays, explained); armed faults are
 * disarmed unless declared permanent; a break nothing explains is stuck,
 * named with since when; a commit cut short by the bound is stuck and
 * named; the phase is deterministic.  The canaries (sim/canary.h) prove
 * it against planted bugs: scripts/sim-canaries.sh.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "check_resources.h"
#include "liveness.h"

typedef struct Run {
    SimWorld *w;
    SimCluster *c;
} Run;

static Run run;

static SimCluster *make(const SimClusterConfig *cfg)
{
    char err[256];

    sim_cluster_free(run.c);
    sim_world_free(run.w);
    memset(&run, 0, sizeof(run));
    assert_int_equal(sim_world_new(7, &run.w, err, sizeof(err)), 0);
    if (sim_cluster_new(run.w, cfg, &run.c, err, sizeof(err)) < 0) {
        fail_msg("cluster: %s", err);
    }
    assert_int_equal(sim_cluster_start(run.c), 0);
    return run.c;
}

static uint64_t finish(void)
{
    char err[256];
    uint64_t hash = sim_trace_hash(&run.w->trace);

    if (run.w->faults != NULL) {
        sim_faults_clear(run.w->faults, "*");
    }
    sim_cluster_free(run.c);
    if (sim_check_resources(run.w, NULL, 0, err, sizeof(err)) != 0) {
        fail_msg("%s", err);
    }
    sim_world_free(run.w);
    memset(&run, 0, sizeof(run));
    return hash;
}

static void phase(const SimLiveConfig *cfg, SimLiveResult *res)
{
    assert_int_equal(sim_live_run(run.w, cfg, res), 0);
    if (sim_cluster_violations(run.c) != 0) {
        fail_msg("violation: %s", sim_cluster_violation(run.c));
    }
}

static const SimClusterConfig quiet = { .disk_size_sectors = 256,
                                        .checkpoint_interval_ticks = SIM_NEVER };

static void a_healthy_pair_converges_after_a_checkpoint(void **state)
{
    SimCluster *c = make(&(SimClusterConfig){ .disk_size_sectors = 1024,
                                              .checkpoint_interval_ticks = 40,
                                              .write_per_million = 300000,
                                              .packet_per_million = 300000 });
    SimLiveConfig cfg = { .cluster = c };
    SimLiveResult res;
    uint64_t epoch;

    (void)state;
    assert_int_equal(sim_cluster_run(c, 200), 0);
    epoch = sim_cluster_epoch(c);
    phase(&cfg, &res);
    assert_int_equal(res.verdict, SIM_LIVE_CONVERGED);
    assert_int_equal(res.count, 0);
    assert_true(sim_cluster_epoch(c) > epoch);
    assert_true(res.end_tick - res.begin_tick < res.bound_ticks);
    assert_non_null(strstr(res.message, "liveness: converged"));
    finish();
}

static void a_partition_not_declared_permanent_heals(void **state)
{
    SimCluster *c = make(&quiet);
    SimLiveConfig cfg = { .cluster = c };
    SimLiveResult res;

    (void)state;
    sim_cluster_set_link(c, true, true);
    assert_int_equal(sim_cluster_run(c, 10), 0);
    phase(&cfg, &res);
    assert_false(sim_link_is_down(sim_cluster_link(c, true)));
    assert_false(sim_link_is_down(sim_cluster_link(c, false)));
    assert_int_equal(res.verdict, SIM_LIVE_CONVERGED);
    assert_false(sim_cluster_broken(c));
    assert_int_equal(sim_cluster_epoch(c), 1);
    /* Healed for good: a later checkpoint crosses both links too. */
    assert_int_equal(sim_cluster_checkpoint(c), 0);
    assert_int_equal(sim_cluster_run(c, 10), 0);
    assert_int_equal(sim_cluster_stats(c)->checkpoints_done, 2);
    finish();
}

static void a_partition_declared_permanent_stays_and_is_expected(void **state)
{
    SimCluster *c = make(&quiet);
    SimLiveConfig cfg = { .cluster = c, .keep_down = { true, false } };
    SimLiveResult res;

    (void)state;
    sim_cluster_set_link(c, true, false);
    phase(&cfg, &res);
    assert_true(sim_link_is_down(sim_cluster_link(c, true)));
    assert_int_equal(res.verdict, SIM_LIVE_EXPECTED);
    assert_true(res.nstuck >= 1);
    assert_true(res.stuck[0].explained);
    assert_int_equal(res.stuck[0].part, SIM_LIVE_REPLICATION);
    assert_non_null(strstr(res.stuck[0].why, "partition"));
    finish();
}

/* A checkpoint timeout shorter than the round trip: every checkpoint times
 * out with no fault at all.  The break is stuck, named by the checkpoint
 * and since when it waits. */
static void a_break_nothing_explains_is_stuck(void **state)
{
    SimCluster *c = make(&(SimClusterConfig){ .disk_size_sectors = 256, .latency_ticks = 20,
                                              .checkpoint_timeout_ticks = 10,
                                              .checkpoint_interval_ticks = SIM_NEVER });
    SimLiveConfig cfg = { .cluster = c };
    SimLiveResult res;
    char want[128];

    (void)state;
    phase(&cfg, &res);
    assert_int_equal(res.verdict, SIM_LIVE_STUCK);
    assert_int_equal(res.stuck[0].part, SIM_LIVE_CHECKPOINT);
    assert_false(res.stuck[0].explained);
    assert_int_equal(res.stuck[0].since_tick, res.begin_tick);
    snprintf(want, sizeof(want), "checkpoint 1 waiting for the secondary's ack since tick %llu",
             (unsigned long long)res.begin_tick);
    assert_non_null(strstr(res.stuck[0].what, want));
    assert_non_null(strstr(res.message, "not converged"));
    assert_non_null(strstr(res.message, "with no fault, partition, crash"));
    finish();
}

static void armed_faults_are_disarmed_unless_declared_permanent(void **state)
{
    SimCluster *c = make(&quiet);
    SimLiveConfig cfg = { .cluster = c };
    SimFaultSpec always = { .mode = SIM_FAULT_ALWAYS };
    SimLiveResult res;

    (void)state;
    if (run.w->faults == NULL) {
        finish();
        skip();
    }
    assert_int_equal(sim_faults_arm(run.w->faults, "net/s2p/delay", &always, NULL, 0), 1);
    assert_int_equal(sim_faults_arm(run.w->faults, "net/p2s/duplicate", &always, NULL, 0), 1);
    assert_int_equal(sim_faults_set_permanent(run.w->faults, "net/p2s/duplicate"), 1);
    phase(&cfg, &res);
    assert_int_equal(res.disarmed, 1);
    assert_int_equal(sim_faults_find(run.w->faults, "net/s2p/delay")->spec.mode, SIM_FAULT_OFF);
    assert_int_equal(sim_faults_find(run.w->faults, "net/s2p/delay")->fires, 0);
    assert_int_equal(sim_faults_find(run.w->faults, "net/p2s/duplicate")->spec.mode,
                     SIM_FAULT_ALWAYS);
    assert_true(sim_faults_find(run.w->faults, "net/p2s/duplicate")->fires > 0);
    /* Duplicates are harmless: it converged all the same. */
    assert_int_equal(res.verdict, SIM_LIVE_CONVERGED);
    finish();
}

static void a_commit_cut_short_by_the_bound_is_stuck_and_named(void **state)
{
    SimCluster *c = make(&(SimClusterConfig){ .disk_size_sectors = 256,
                                              .commit_sectors_per_tick = 1,
                                              .checkpoint_interval_ticks = SIM_NEVER });
    SimDisk *d = sim_node_disk(sim_cluster_node(c, SIM_SECONDARY), 0);
    SimLiveConfig cfg = { .cluster = c, .max_ticks = 3 };
    SimLiveResult res;

    (void)state;
    assert_int_equal(sim_cluster_secondary_write(c, 0, 0, 16, 0x5a), 0);
    assert_int_equal(sim_cluster_failover(c, SIM_SECONDARY), 0);
    assert_int_equal(sim_disk_commit_left(d), 16);
    assert_int_equal(sim_disk_commit_ticks(d), 16);
    phase(&cfg, &res);
    assert_int_equal(res.bound_ticks, 3);
    assert_int_equal(res.verdict, SIM_LIVE_STUCK);
    assert_int_equal(res.stuck[0].part, SIM_LIVE_COMMIT);
    assert_int_equal(res.stuck[0].since_tick, sim_disk_stage_since(d));
    assert_non_null(strstr(res.stuck[0].what, "failover commit of sec.d0: stage failover"));
    /* Given the time the bound derives from the commit, it ends. */
    cfg.max_ticks = 0;
    phase(&cfg, &res);
    assert_int_equal(res.verdict, SIM_LIVE_CONVERGED);
    assert_int_equal(sim_disk_stage(d), SIM_DISK_STAGE_DONE);
    finish();
}

static void the_comparator_and_links_name_what_they_hold(void **state)
{
    SimCluster *c = make(&quiet);
    SimCompare *cmp = sim_node_compare(sim_cluster_node(c, SIM_PRIMARY));
    SimCompareHeld h;
    uint64_t id, sent;

    (void)state;
    assert_false(sim_compare_oldest(cmp, &h));
    assert_int_equal(h.primary + h.secondary, 0);
    assert_false(sim_link_oldest(sim_cluster_link(c, false), &id, &sent));
    assert_int_equal(sim_cluster_run(c, 3), 0);
    assert_int_equal(sim_cluster_packet(c, 2, false), 0);
    assert_int_equal(sim_cluster_packet(c, 1, false), 0);
    assert_true(sim_compare_oldest(cmp, &h));
    assert_int_equal(h.number, 1);
    assert_int_equal(h.conn, 2);
    assert_int_equal(h.since_tick, 3);
    assert_false(h.secondary_side);
    assert_int_equal(h.primary, 2);
    assert_true(sim_link_oldest(sim_cluster_link(c, false), &id, &sent));
    assert_int_equal(sent, 3);
    assert_int_equal(sim_cluster_run(c, 5), 0);
    assert_false(sim_compare_oldest(cmp, &h));
    finish();
}

static uint64_t phase_hash(void)
{
    SimCluster *c = make(&(SimClusterConfig){ .disk_size_sectors = 1024,
                                              .checkpoint_interval_ticks = 30,
                                              .write_per_million = 200000,
                                              .packet_per_million = 500000,
                                              .divergence_per_million = 50000 });
    SimLiveConfig cfg = { .cluster = c };
    SimLiveResult res;

    assert_int_equal(sim_cluster_run(c, 150), 0);
    phase(&cfg, &res);
    assert_int_equal(sim_cluster_run(c, 50), 0);
    return finish();
}

static void the_phase_is_deterministic(void **state)
{
    (void)state;
    assert_int_equal(phase_hash(), phase_hash());
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_healthy_pair_converges_after_a_checkpoint),
        cmocka_unit_test(a_partition_not_declared_permanent_heals),
        cmocka_unit_test(a_partition_declared_permanent_stays_and_is_expected),
        cmocka_unit_test(a_break_nothing_explains_is_stuck),
        cmocka_unit_test(armed_faults_are_disarmed_unless_declared_permanent),
        cmocka_unit_test(a_commit_cut_short_by_the_bound_is_stuck_and_named),
        cmocka_unit_test(the_comparator_and_links_name_what_they_hold),
        cmocka_unit_test(the_phase_is_deterministic),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
