/* test_host.c: the host never decides a verdict.  Every host allocation of
 * a few suite scenarios (registry and cluster ones) is refused in turn,
 * transient and persistent, SQLite's do_faultsim_test: each run must end as
 * SCN_ERROR "host out of memory: ...", never PASS, FAIL or SKIP, and never
 * by a crash; the next run without a refusal is the clean run again.
 *
 * Two kinds of host allocation: the simulator's and the interpreter's,
 * through sim/host.h's test hook; and the registry under test's own
 * malloc.  For those this test links its own copy of our registry, built
 * with -Dmalloc=test_registry_malloc (meson.build), whose malloc it
 * controls: the simulator must tell that NULL from its registry/alloc
 * point firing, which stays a simulated event (last test).
 */
#undef malloc                   /* this file's malloc is the host's */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "host.h"
#include "scn.h"

/* ---- the registry's malloc ----------------------------------------------- */

static uint64_t reg_allocs;     /* calls since the process began */
static uint64_t reg_fail_at;    /* 0: none; else this call number fails */
static bool reg_persistent;     /* ... and every later one */

void *test_registry_malloc(size_t size);

void *test_registry_malloc(size_t size)
{
    reg_allocs++;
    if (reg_fail_at != 0 && (reg_allocs == reg_fail_at ||
                             (reg_persistent && reg_allocs > reg_fail_at))) {
        errno = ENOMEM;         /* what a refusing malloc leaves */
        return NULL;
    }
    return malloc(size);
}

/* ---- running a suite scenario -------------------------------------------- */

static ScnResult res;

static ScnScript *load(const char *name)
{
    static char text[1 << 16];
    char path[512];
    static ScnErrors errs;
    ScnScript *s;
    FILE *f;
    size_t len;

    snprintf(path, sizeof(path), "%s/%s", SUITES_DIR, name);
    f = fopen(path, "rb");
    assert_non_null(f);
    len = fread(text, 1, sizeof(text), f);
    fclose(f);
    assert_true(len < sizeof(text));
    s = scn_parse(text, len, path, &errs);
    if (s == NULL) {
        fail_msg("%s:%u:%u: %s", path, errs.e[0].line, errs.e[0].col, errs.e[0].message);
    }
    return s;
}

typedef enum Side { SIM_SIDE, REGISTRY_SIDE } Side;

/* Refuse allocation k (from the run's start) of side, once or from then
 * on, and run. */
static ScnStatus run_refusing(const ScnScript *s, const ScnOptions *opt, Side side,
                              uint64_t k, bool persistent)
{
    ScnStatus st;

    if (side == SIM_SIDE) {
        sim_host_fail_nth(k, persistent);
    } else {
        reg_fail_at = reg_allocs + k;
        reg_persistent = persistent;
    }
    st = scn_run(s, opt, &res);
    sim_host_fail_nth(0, false);
    reg_fail_at = 0;
    return st;
}

/* The scenario runs as it should (status want), then every allocation of
 * both sides, refused in turn, ends it as SCN_ERROR; then it runs as at
 * first.  Returns how many runs were refused. */
static uint64_t walk(const char *name, const ScnOptions *opt, ScnStatus want)
{
    ScnScript *s = load(name);
    uint64_t sim0 = sim_host_allocs(), reg0 = reg_allocs, hash, n[2], runs = 0;

    assert_int_equal(scn_run(s, opt, &res), want);
    assert_false(sim_host_failed());
    hash = res.hash;
    n[SIM_SIDE] = sim_host_allocs() - sim0;
    n[REGISTRY_SIDE] = reg_allocs - reg0;
    assert_true(n[SIM_SIDE] > 0);
    assert_true(n[REGISTRY_SIDE] > 0);
    for (int side = SIM_SIDE; side <= REGISTRY_SIDE; side++) {
        for (int persistent = 0; persistent < 2; persistent++) {
            for (uint64_t k = 1; k <= n[side]; k++, runs++) {
                ScnStatus st = run_refusing(s, opt, (Side)side, k, persistent);

                if (st != SCN_ERROR || strncmp(res.message, "host out of memory: ", 20) != 0) {
                    fail_msg("%s: %s allocation %llu of %llu refused%s: status %d, "
                             "line %u: %s", name, side == SIM_SIDE ? "simulator" : "registry",
                             (unsigned long long)k, (unsigned long long)n[side],
                             persistent ? " from then on" : "", (int)st, res.line,
                             res.message);
                }
            }
        }
    }
    assert_int_equal(scn_run(s, opt, &res), want);
    assert_int_equal(res.hash, hash);
    print_message("%s: %llu simulator and %llu registry allocations, each refused: "
                  "%llu runs, every one an error\n", name, (unsigned long long)n[SIM_SIDE],
                  (unsigned long long)n[REGISTRY_SIDE], (unsigned long long)runs);
    scn_free(s);
    return runs;
}

static void every_allocation_of_registry_scenarios(void **state)
{
    (void)state;
    walk("registry/nested_walk_in_another_registry.scn", NULL, SCN_PASS);
    walk("registry/register_during_walk_visited_next_time.scn", NULL, SCN_PASS);
    walk("errors/exact_message_text.scn", NULL, SCN_PASS);
    walk("faults/registry_alloc_in_scripted_walks.scn", NULL, SCN_PASS);
}

static void every_allocation_of_disk_scenarios(void **state)
{
    (void)state;
#ifndef FIU_ENABLE
    skip();             /* their scenarios need libfiu: skipped without it */
#endif
    walk("faults/standalone_commit_over_several_ticks.scn", NULL, SCN_PASS);
    walk("errors/get_error_before_start.scn", NULL, SCN_PASS);
}

static void every_allocation_of_cluster_scenarios(void **state)
{
    (void)state;
#ifndef FIU_ENABLE
    skip();             /* their scenarios need libfiu: skipped without it */
#endif
    walk("network/reorder_on_p2s_is_reassembled.scn", NULL, SCN_PASS);
    walk("network/mismatch_requests_a_checkpoint.scn", NULL, SCN_PASS);
    walk("failover/secondary_failover_after_checkpoint.scn", NULL, SCN_PASS);
    walk("faults/cluster_workload_periodic_checkpoints.scn", NULL, SCN_PASS);
    walk("network/partition_p2s_breaks_replication.scn", NULL, SCN_PASS);
    walk("failover/secondary_crash_mid_commit.scn", NULL, SCN_PASS);
    walk("errors/cluster_write_error_names_its_cause.scn", NULL, SCN_PASS);
    walk("failover/primary_scripted_crash_inside_its_checkpoint_walk.scn", NULL, SCN_PASS);
}

/* A sweep's injected runs too: the host failure wins over the injection. */
static void every_allocation_of_an_injected_run(void **state)
{
    static const ScnOptions crash = {
        .ninject = 1, .inject = { { .point = "node/sec/crash", .hit = 3 } },
    };

    (void)state;
#ifndef FIU_ENABLE
    skip();
#endif
    walk("faults/cluster_primary_failover.scn", &crash, SCN_FAIL);
}

/* registry/alloc firing is the scenario's doing: a simulated event the
 * scenario expects (the run passes), never the host's.  The same NULL from
 * the registry's malloc is the host's. */
static void the_registry_alloc_point_stays_simulated(void **state)
{
    static const ScnOptions third = {
        .ninject = 1, .inject = { { .point = "registry/alloc", .hit = 3 } },
    };
    ScnScript *s = load("faults/registry_alloc_error_is_still_reported.scn");
    ScnScript *t = load("faults/registry_alloc_in_scripted_walks.scn");

    (void)state;
#ifndef FIU_ENABLE
    skip();
#endif
    assert_int_equal(scn_run(s, NULL, &res), SCN_PASS);
    assert_int_equal(res.faults_fired, 1);
    assert_false(sim_host_failed());
    /* The third allocation (registry r, states a, b) refused by the point:
     * a FAIL (the scenario needs every state), not an ERROR. */
    assert_int_equal(scn_run(t, &third, &res), SCN_FAIL);
    assert_false(sim_host_failed());
    assert_string_equal(res.message, "cannot register state b: out of memory");
    /* The same registration refused by the host: no verdict. */
    assert_int_equal(run_refusing(t, NULL, REGISTRY_SIDE, 3, false), SCN_ERROR);
    assert_string_equal(res.message,
                        "host out of memory: a scripted state (registry under test)");
    assert_int_equal(res.line, 8);
    scn_free(s);
    scn_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_allocation_of_registry_scenarios),
        cmocka_unit_test(every_allocation_of_disk_scenarios),
        cmocka_unit_test(every_allocation_of_cluster_scenarios),
        cmocka_unit_test(every_allocation_of_an_injected_run),
        cmocka_unit_test(the_registry_alloc_point_stays_simulated),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
