/* test_cluster.c: the simulated COLO pair: start order, checkpoints,
 * crashes (also between two callbacks of a walk), failover both ways, a
 * broken replication stream, determinism, and 1,000 seeds of random faults
 * with one failover at a random tick, each passing every checker.
 */
#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "check_resources.h"
#include "cluster.h"

/* Where a test's sim_trace_recent renders the line it reads. */
static char recent_line[SIM_TRACE_LINE_MAX];

typedef struct Run {
    SimWorld *w;
    SimCluster *c;
    char lines[64][SIM_TRACE_LINE_MAX];     /* trace lines kept by the sink */
    size_t nlines;
} Run;

static Run run;

/* The whole trace text, when a test asks for it. */
static struct {
    bool on;
    char *text;
    size_t len, cap;
} whole;

static void keep_whole(const char *line)
{
    size_t n = strlen(line);

    if (whole.len + n + 2 > whole.cap) {
        whole.cap = (whole.len + n + 2) * 2;
        whole.text = realloc(whole.text, whole.cap);
        assert_non_null(whole.text);
    }
    memcpy(whole.text + whole.len, line, n);
    whole.len += n;
    whole.text[whole.len++] = '\n';
}

static void keep(void *ctx, const SimTraceEvent *e)
{
    Run *r = ctx;
    char line[SIM_TRACE_LINE_MAX];

    sim_trace_render(e, line);
    if (r->nlines < 64) {
        snprintf(r->lines[r->nlines++], SIM_TRACE_LINE_MAX, "%s", line);
    }
    if (whole.on) {
        keep_whole(line);
    }
}

/* The trace text of the last run, taken over by the caller. */
static char *take_whole(size_t *len)
{
    char *text = whole.text;

    *len = whole.len;
    whole.text = NULL;
    whole.len = whole.cap = 0;
    return text;
}

/* Index of the first kept line containing `needle`, or -1. */
static int line_with(const char *needle)
{
    for (size_t i = 0; i < run.nlines; i++) {
        if (strstr(run.lines[i], needle)) {
            return (int)i;
        }
    }
    return -1;
}

static SimCluster *make(uint64_t seed, const SimClusterConfig *cfg)
{
    char err[256];

    /* A test that failed half-way left its world behind. */
    sim_cluster_free(run.c);
    sim_world_free(run.w);
    memset(&run, 0, sizeof(run));
    assert_int_equal(sim_world_new(seed, &run.w, err, sizeof(err)), 0);
    run.w->trace.sink = keep;
    run.w->trace.sink_ctx = &run;
    if (sim_cluster_new(run.w, cfg, &run.c, err, sizeof(err)) < 0) {
        fail_msg("cluster: %s", err);
    }
    return run.c;
}

/* Free everything and check that nothing is left. */
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
    run.w = NULL;
    run.c = NULL;
    return hash;
}

static void assert_clean(SimCluster *c)
{
    if (sim_cluster_violations(c) != 0) {
        fail_msg("violation: %s", sim_cluster_violation(c));
    }
}

static const SimClusterConfig busy = {
    .disk_size_sectors = 8192, .working_set_sectors = 2048,
    .checkpoint_interval_ticks = 50,
    .write_per_million = 400000, .packet_per_million = 400000,
    .divergence_per_million = 20000,
};

static void start_runs_secondary_then_primary(void **state)
{
    SimCluster *c = make(1, NULL);

    (void)state;
    assert_int_equal(sim_cluster_start(c), 0);
    assert_true(line_with("sec disk/sec.d0 start") >= 0);
    assert_true(line_with("sec disk/sec.d0 start") < line_with("pri compare start"));
    assert_true(line_with("pri compare start") < line_with("pri disk/pri.d0 start"));
    assert_int_equal(sim_cluster_start(c), -EALREADY);
    finish();
}

static void checkpoints_complete_and_release_packets(void **state)
{
    SimCluster *c = make(2, &busy);
    const SimClusterStats *st = sim_cluster_stats(c);

    (void)state;
    assert_int_equal(sim_cluster_start(c), 0);
    assert_int_equal(sim_cluster_run(c, 1000), 0);
    assert_clean(c);
    assert_true(st->checkpoints_done >= 15);
    assert_int_equal(st->checkpoints_failed, 0);
    assert_true(sim_compare_stats(sim_node_compare(sim_cluster_node(c, SIM_PRIMARY)))->released > 100);
    assert_true(sim_outcheck_seen(sim_cluster_output(c)) > 100);
    finish();
}

static void mismatch_asks_for_a_checkpoint(void **state)
{
    SimClusterConfig cfg = { .checkpoint_interval_ticks = SIM_NEVER };
    SimCluster *c = make(3, &cfg);
    SimCompare *cmp = sim_node_compare(sim_cluster_node(c, SIM_PRIMARY));

    (void)state;
    assert_int_equal(sim_cluster_start(c), 0);
    assert_int_equal(sim_cluster_packet(c, 1, false), 0);
    assert_int_equal(sim_cluster_run(c, 10), 0);
    assert_int_equal(sim_cluster_stats(c)->checkpoints_started, 0);
    assert_int_equal(sim_cluster_packet(c, 1, true), 0);
    assert_int_equal(sim_cluster_run(c, 20), 0);
    assert_int_equal(sim_compare_stats(cmp)->mismatches, 1);
    assert_int_equal(sim_cluster_stats(c)->checkpoints_done, 1);
    assert_int_equal(sim_cluster_epoch(c), 1);
    assert_clean(c);
    finish();
}

static void primary_crash_fails_over_to_secondary_with_rollback(void **state)
{
    SimClusterConfig cfg = { .checkpoint_interval_ticks = SIM_NEVER };
    SimCluster *c = make(4, &cfg);
    SimNode *s = sim_cluster_node(c, SIM_SECONDARY);
    uint8_t buf[SIM_SECTOR_SIZE];

    (void)state;
    assert_int_equal(sim_cluster_start(c), 0);
    assert_int_equal(sim_cluster_write(c, 0, 10, 1, 0x11), 0);
    assert_int_equal(sim_cluster_run(c, 5), 0);
    assert_int_equal(sim_cluster_checkpoint(c), 0);
    assert_int_equal(sim_cluster_run(c, 10), 0);
    assert_int_equal(sim_cluster_epoch(c), 1);
    assert_int_equal(sim_cluster_primary_write(c, 0, 10, 1, 0x22), 0);  /* after it */
    assert_int_equal(sim_cluster_secondary_write(c, 0, 11, 1, 0x33), 0);
    assert_int_equal(sim_cluster_run(c, 5), 0);
    assert_int_equal(sim_cluster_crash(c, SIM_PRIMARY), 0);
    assert_true(sim_node_failed_over(s));
    assert_int_equal(sim_cluster_run(c, 10), 0);
    assert_int_equal(sim_disk_stage(sim_node_disk(s, 0)), SIM_DISK_STAGE_DONE);
    assert_int_equal(sim_cluster_read(c, SIM_SECONDARY, 0, 10, 1, buf), 0);
    assert_int_equal(buf[0], 0x11);         /* rolled back to the checkpoint */
    assert_int_equal(sim_cluster_read(c, SIM_SECONDARY, 0, 11, 1, buf), 0);
    assert_int_equal(buf[511], 0x33);       /* its own write kept */
    assert_clean(c);
    finish();
}

static void secondary_crash_fails_over_to_primary(void **state)
{
    SimCluster *c = make(5, &busy);
    SimNode *p = sim_cluster_node(c, SIM_PRIMARY);

    (void)state;
    assert_int_equal(sim_cluster_start(c), 0);
    assert_int_equal(sim_cluster_run(c, 230), 0);
    assert_int_equal(sim_cluster_crash(c, SIM_SECONDARY), 0);
    assert_true(sim_node_failed_over(p));
    assert_int_equal(sim_disk_stage(sim_node_disk(p, 0)), SIM_DISK_STAGE_DONE);
    assert_int_equal(sim_compare_stage(sim_node_compare(p)), SIM_COMPARE_STOPPED);
    assert_int_equal(sim_cluster_run(c, 100), 0);   /* the primary runs alone */
    assert_clean(c);
    assert_int_equal(sim_cluster_failover(c, SIM_SECONDARY), -EINVAL);
    finish();
}

static void crash_between_callbacks_skips_the_rest_of_the_walk(void **state)
{
    SimFaultSpec once = { .mode = SIM_FAULT_ONCE };
    SimCluster *c = make(6, NULL);
    SimNode *p = sim_cluster_node(c, SIM_PRIMARY);

    (void)state;
    if (run.w->faults == NULL) {
        finish();
        skip();
    }
    assert_int_equal(sim_cluster_start(c), 0);
    run.nlines = 0;
    /* The failover's stop walk on the primary calls the comparator, then
     * the probe (which crashes the node), then would call the disk. */
    assert_int_equal(sim_faults_arm(run.w->faults, "node/pri/crash", &once, NULL, 0), 1);
    assert_int_equal(sim_cluster_failover(c, SIM_PRIMARY), 0);
    assert_true(line_with("pri compare stop") >= 0);
    assert_true(line_with("pri colo crash fault point, inside a walk") > line_with("pri compare stop"));
    assert_int_equal(line_with("pri disk/pri.d0 stop"), -1);
    assert_true(sim_node_crashed(p));
    assert_int_equal(replication_registry_count(sim_node_registry(p)), 0);
    assert_clean(c);            /* the contract checker agrees: no call missing */
    finish();
}

/* A state of the test's own on the primary that crashes it from inside
 * the primary's get_error walk, and counts the registry right then. */
static struct {
    SimCluster *c;
    size_t count_in_walk;
    unsigned calls;
} crasher;

static void crash_primary(ReplicationState *rs, Error **errp)
{
    ReplicationRegistry *reg = sim_node_registry(sim_cluster_node(crasher.c, SIM_PRIMARY));

    (void)rs, (void)errp;
    crasher.calls++;
    assert_int_equal(sim_cluster_crash(crasher.c, SIM_PRIMARY), 0);
    crasher.count_in_walk = replication_registry_count(reg);
}

static ReplicationOps crasher_ops = { .get_error = crash_primary };

/* A dead process runs nothing, and its states are not removed under a
 * walk in progress (which only a registry keeping rule 5 survives): they
 * go when the outermost walk of their registry returns. */
static void crash_inside_a_walk_tears_down_after_it(void **state)
{
    SimCluster *c = make(7, NULL);
    SimNode *p = sim_cluster_node(c, SIM_PRIMARY);
    ReplicationRegistry *reg = sim_node_registry(p);
    ReplicationState *rs;
    size_t before;

    (void)state;
    assert_int_equal(sim_cluster_start(c), 0);
    before = replication_registry_count(reg);
    assert_true(before >= 2);
    rs = replication_new_in(reg, NULL, &crasher_ops);
    assert_non_null(rs);
    crasher.c = c;
    crasher.calls = 0;
    run.nlines = 0;
    sim_cluster_checkpoint(c);
    assert_int_equal(crasher.calls, 1);
    assert_int_equal(crasher.count_in_walk, before + 1);
    assert_true(sim_node_crashed(p));
    assert_int_equal(line_with("pri disk/pri.d0 get_error"), -1);
    assert_int_equal(replication_registry_count(reg), 1);     /* only ours is left */
    assert_clean(c);
    replication_remove(rs);
    finish();
}

static void replication_stream_down_breaks_replication(void **state)
{
    SimCluster *c = make(7, NULL);

    (void)state;
    assert_int_equal(sim_cluster_start(c), 0);
    sim_cluster_set_link(c, true, false);
    assert_int_equal(sim_cluster_write(c, 0, 1, 1, 0x44), 0);   /* swallowed */
    assert_int_equal(sim_cluster_checkpoint(c), -EPIPE);
    assert_string_equal(sim_cluster_last_error(c),              /* with its cause */
                        "checkpoint could not begin: primary: link p2s is down");
    assert_true(sim_cluster_broken(c));
    assert_int_equal(sim_cluster_checkpoint(c), -ENOTCONN);
    assert_string_equal(sim_cluster_last_error(c), "no checkpoint: replication is broken "
                        "(primary: link p2s is down)");
    sim_cluster_set_link(c, false, false);
    assert_true(sim_cluster_broken(c));                 /* broken stays broken */
    assert_int_equal(sim_cluster_failover(c, SIM_PRIMARY), 0);
    assert_clean(c);
    finish();
}

/* A forwarded write lost on the primary side: with upstream's order (only
 * the secondary runs get_error_all) the next checkpoint goes through and the
 * data checker catches the secondary missing the write; with ours the
 * primary's get_error_all breaks replication first. */
static void lost_forward_is_caught_by_data_checker_in_upstream_order(void **state)
{
    SimFaultSpec once = { .mode = SIM_FAULT_ONCE };
    SimClusterConfig cfg = { .checkpoint_interval_ticks = SIM_NEVER };

    (void)state;
    for (int upstream = 1; upstream >= 0; upstream--) {
        SimCluster *c;

        cfg.upstream_checkpoint = upstream;
        c = make(8, &cfg);
        if (run.w->faults == NULL) {
            finish();
            skip();
        }
        assert_int_equal(sim_cluster_start(c), 0);
        assert_int_equal(sim_faults_arm(run.w->faults, "disk/pri.d0/write", &once, NULL, 0), 1);
        assert_int_equal(sim_cluster_write(c, 0, 40, 1, 0x66), 0);  /* not forwarded */
        assert_int_equal(sim_cluster_run(c, 5), 0);
        if (upstream) {
            assert_int_equal(sim_cluster_checkpoint(c), 0);
            assert_int_equal(sim_cluster_run(c, 10), -EPROTO);
            assert_string_equal(sim_cluster_violation(c),
                                "data: disk 0 at checkpoint 1: sector 40 byte 0: "
                                "expected 0x66, actual 0x00");
        } else {
            assert_int_equal(sim_cluster_checkpoint(c), -EPIPE);
            assert_true(sim_cluster_broken(c));
            assert_int_equal(sim_cluster_run(c, 10), 0);
        }
        finish();
    }
}

/* A backup fault leaves hidden without a pre-image: upstream's failover
 * commits anyway and the data checker catches the survivor keeping a
 * primary-only write; by default the disk refuses (FAILOVER_FAILED). */
static void backup_fault_then_failover_refused_unless_upstream(void **state)
{
    SimFaultSpec once = { .mode = SIM_FAULT_ONCE };
    SimClusterConfig cfg = { .checkpoint_interval_ticks = SIM_NEVER };

    (void)state;
    for (int upstream = 1; upstream >= 0; upstream--) {
        SimCluster *c;
        SimNode *s;

        cfg.upstream_failover = upstream;
        c = make(9, &cfg);
        if (run.w->faults == NULL) {
            finish();
            skip();
        }
        s = sim_cluster_node(c, SIM_SECONDARY);
        assert_int_equal(sim_cluster_start(c), 0);
        assert_int_equal(sim_cluster_write(c, 0, 1, 1, 0x11), 0);
        assert_int_equal(sim_cluster_checkpoint(c), 0);
        assert_int_equal(sim_cluster_run(c, 10), 0);
        assert_int_equal(sim_faults_arm(run.w->faults, "disk/sec.d0/backup", &once, NULL, 0), 1);
        assert_int_equal(sim_cluster_primary_write(c, 0, 1, 1, 0x22), 0);
        assert_int_equal(sim_cluster_run(c, 5), 0);
        assert_int_equal(sim_cluster_failover(c, SIM_SECONDARY), 0);
        sim_cluster_run(c, 10);
        if (upstream) {
            assert_int_equal(sim_disk_stage(sim_node_disk(s, 0)), SIM_DISK_STAGE_DONE);
            assert_string_equal(sim_cluster_violation(c),
                                "data: disk 0 after secondary failover (checkpoint 1): "
                                "sector 1 byte 0: expected 0x11, actual 0x22");
        } else {
            assert_int_equal(sim_disk_stage(sim_node_disk(s, 0)), SIM_DISK_STAGE_FAILOVER_FAILED);
            assert_clean(c);
        }
        finish();
    }
}

/* From a checkpoint's marker to its acknowledgement both VMs are paused:
 * guest writes and packets are refused (found by fuzz_cluster). */
static void guest_is_paused_during_a_checkpoint(void **state)
{
    SimClusterConfig cfg = { .checkpoint_interval_ticks = SIM_NEVER, .latency_ticks = 3 };
    SimCluster *c = make(10, &cfg);

    (void)state;
    assert_int_equal(sim_cluster_start(c), 0);
    assert_int_equal(sim_cluster_checkpoint(c), 0);
    assert_int_equal(sim_cluster_packet(c, 0, false), -EBUSY);
    assert_string_equal(sim_cluster_last_error(c), "the VMs are paused for checkpoint 1");
    assert_int_equal(sim_cluster_write(c, 0, 1, 1, 0x11), -EBUSY);
    assert_int_equal(sim_cluster_primary_write(c, 0, 1, 1, 0x11), -EBUSY);
    assert_int_equal(sim_cluster_secondary_write(c, 0, 1, 1, 0x11), -EBUSY);
    assert_int_equal(sim_cluster_run(c, 10), 0);
    assert_int_equal(sim_cluster_stats(c)->checkpoints_done, 1);
    assert_int_equal(sim_cluster_packet(c, 0, false), 0);
    assert_int_equal(sim_cluster_write(c, 0, 1, 1, 0x11), 0);
    assert_clean(c);
    finish();
}

static void bad_configs_and_arguments_are_refused(void **state)
{
    char err[256];
    SimWorld *w;
    SimClusterConfig bad = { .disks = 5 };
    SimClusterConfig names = { .names = { "a b", "sec" } };
    SimCluster *c = (SimCluster *)&bad;     /* a failed new sets it to NULL */

    (void)state;
    assert_int_equal(sim_world_new(1, &w, err, sizeof(err)), 0);
    assert_int_equal(sim_cluster_new(w, &bad, &c, err, sizeof(err)), -EINVAL);
    assert_null(c);
    assert_string_equal(err, "cluster: disks must be 1..4");
    assert_int_equal(sim_cluster_new(w, &names, &c, err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "cluster: node names must be 1..24 letters, digits, '_' or '-'");
    sim_world_free(w);
    c = make(1, NULL);
    assert_int_equal(sim_cluster_write(c, 1, 0, 1, 1), -EINVAL);
    assert_string_equal(sim_cluster_last_error(c), "no disk 1 (the cluster has 1)");
    assert_int_equal(sim_cluster_write(c, 0, 131071, 2, 1), -EINVAL);
    assert_int_equal(sim_cluster_packet(c, 9, false), -EINVAL);
    assert_int_equal(sim_cluster_checkpoint(c), -ENOTCONN);
    assert_int_equal(sim_cluster_failover(c, SIM_SECONDARY), -EINVAL);
    finish();
}

/* ---- random faults ---------------------------------------------------------- */

static void arm_random_faults(SimFaults *f, SimPrng *r)
{
    unsigned n = (unsigned)sim_prng_below(r, 4);

    for (unsigned k = 0; k < n; k++) {
        const SimFaultPoint *p = sim_faults_at(f, sim_prng_below(r, sim_faults_count(f)));
        SimFaultSpec spec = { .persistent = sim_prng_chance(r, 200000) };

        if (sim_prng_chance(r, 500000)) {
            spec.mode = SIM_FAULT_PROB;
            spec.per_million = (uint32_t)(1000 + sim_prng_below(r, 50000));
        } else {
            spec.mode = SIM_FAULT_NTH;
            spec.k = 1 + sim_prng_below(r, 300);
        }
        assert_true(sim_faults_arm(f, p->name, &spec, NULL, 0) == 1);
    }
}

/* One seed: random faults, a failover at a random tick, every checker. */
static uint64_t random_run(uint64_t seed)
{
    SimCluster *c = make(seed, &busy);
    SimPrng r;
    uint64_t before;

    sim_prng_init(&r, seed, "test");
    before = 20 + sim_prng_below(&r, 400);
    if (run.w->faults != NULL) {
        arm_random_faults(run.w->faults, &r);
    }
    sim_cluster_start(c);       /* may fail under faults: a clean error */
    sim_cluster_run(c, before);
    sim_cluster_failover(c, sim_prng_chance(&r, 500000) ? SIM_PRIMARY : SIM_SECONDARY);
    sim_cluster_run(c, 200);
    if (sim_cluster_violations(c) != 0) {
        fail_msg("seed %" PRIu64 ": %s (last trace: %s)", seed, sim_cluster_violation(c),
                 sim_trace_recent(&run.w->trace, 0, recent_line));
    }
    return finish();
}

static void random_faults_and_failover_pass_every_checker(void **state)
{
    const char *env = getenv("REPLBENCH_SEEDS");
    uint64_t seeds = env ? strtoull(env, NULL, 10) : 1000;

    (void)state;
    for (uint64_t seed = 1; seed <= seeds; seed++) {
        random_run(seed);
    }
}

static void same_seed_same_trace_other_seed_other_trace(void **state)
{
    uint64_t ha, hb, hc;
    char *a, *b, *c;
    size_t la, lb, lc;

    (void)state;
    whole.on = true;
    ha = random_run(77);
    a = take_whole(&la);
    hb = random_run(77);
    b = take_whole(&lb);
    hc = random_run(78);
    c = take_whole(&lc);
    whole.on = false;
    assert_true(la > 10000);
    assert_int_equal(la, lb);
    assert_memory_equal(a, b, la);          /* byte for byte */
    assert_int_equal(ha, hb);
    assert_true(la != lc || memcmp(a, c, la) != 0);
    assert_int_not_equal(ha, hc);
    free(a);
    free(b);
    free(c);
}

typedef struct Names {
    char name[3 * SIM_CLUSTER_MAX_DISKS * SIM_DISK_POINT__COUNT][SIM_FAULT_NAME_MAX];
    size_t n;
} Names;

static void collect(void *ctx, const char *name)
{
    Names *l = ctx;

    assert_true(l->n < sizeof(l->name) / sizeof(l->name[0]));
    snprintf(l->name[l->n++], SIM_FAULT_NAME_MAX, "%s", name);
}

/* Parsers and decoders learn a cluster's points from sim_cluster_points:
 * it must be exactly what sim_cluster_new registers, in that order. */
static void points_are_the_ones_a_cluster_registers_in_order(void **state)
{
    SimClusterConfig cfg = { .names = { "a-1", "b_2" }, .disks = 3 };
    Names l = { .n = 0 };
    size_t before;

    (void)state;
    make(1, &cfg);
    if (run.w->faults == NULL) {
        finish();
        skip();
    }
    before = 1;                                 /* the world's registry/alloc */
    assert_int_equal(sim_cluster_points(&cfg, collect, &l), 0);
    assert_int_equal(l.n, 10 + 2 + 3 * (1 + 4));
    assert_int_equal(sim_faults_count(run.w->faults), before + l.n);
    for (size_t i = 0; i < l.n; i++) {
        assert_string_equal(sim_faults_at(run.w->faults, before + i)->name, l.name[i]);
    }
    assert_string_equal(l.name[0], "net/p2s/down");
    assert_string_equal(l.name[10], "node/a-1/crash");
    assert_string_equal(l.name[11], "disk/a-1.d0/write");
    assert_string_equal(l.name[l.n - 1], "disk/b_2.d2/commit");
    finish();
    cfg.disks = SIM_CLUSTER_MAX_DISKS + 1;
    assert_int_equal(sim_cluster_points(&cfg, collect, &l), -EINVAL);
}

/* The public name of a disk's point takes any disk number: one digit, none
 * but 0, several (a cluster has at most SIM_CLUSTER_MAX_DISKS, a caller may
 * ask for more). */
static void disk_point_names_spell_the_number(void **state)
{
    char buf[SIM_FAULT_NAME_MAX];

    (void)state;
    assert_int_equal(sim_cluster_disk_point(buf, sizeof(buf), "pri", 0, SIM_DISK_POINT_WRITE), 0);
    assert_string_equal(buf, "disk/pri.d0/write");
    assert_int_equal(sim_cluster_disk_point(buf, sizeof(buf), "pri", 7, SIM_DISK_POINT_READ), 0);
    assert_string_equal(buf, "disk/pri.d7/read");
    assert_int_equal(sim_cluster_disk_point(buf, sizeof(buf), "pri", 10, SIM_DISK_POINT_READ), 0);
    assert_string_equal(buf, "disk/pri.d10/read");
    assert_int_equal(sim_cluster_disk_point(buf, sizeof(buf), "s", 4294967295u,
                                            SIM_DISK_POINT_COMMIT), 0);
    assert_string_equal(buf, "disk/s.d4294967295/commit");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(points_are_the_ones_a_cluster_registers_in_order),
        cmocka_unit_test(disk_point_names_spell_the_number),
        cmocka_unit_test(start_runs_secondary_then_primary),
        cmocka_unit_test(checkpoints_complete_and_release_packets),
        cmocka_unit_test(mismatch_asks_for_a_checkpoint),
        cmocka_unit_test(primary_crash_fails_over_to_secondary_with_rollback),
        cmocka_unit_test(secondary_crash_fails_over_to_primary),
        cmocka_unit_test(crash_between_callbacks_skips_the_rest_of_the_walk),
        cmocka_unit_test(crash_inside_a_walk_tears_down_after_it),
        cmocka_unit_test(replication_stream_down_breaks_replication),
        cmocka_unit_test(lost_forward_is_caught_by_data_checker_in_upstream_order),
        cmocka_unit_test(backup_fault_then_failover_refused_unless_upstream),
        cmocka_unit_test(guest_is_paused_during_a_checkpoint),
        cmocka_unit_test(bad_configs_and_arguments_are_refused),
        cmocka_unit_test(same_seed_same_trace_other_seed_other_trace),
        cmocka_unit_test(random_faults_and_failover_pass_every_checker),
    };

    return cmocka_run_group_tests_name("cluster", tests, NULL, NULL);
}
