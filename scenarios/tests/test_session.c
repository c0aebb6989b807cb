/* test_session.c: one session runs input after input (what the fuzz
 * harnesses do) and its reset leaves nothing behind: for every ordered pair
 * (A, B) of corpus inputs that crash a node, arm and fire faults, fail
 * operations, break replication, run registries or a cluster, the session
 * runs A, B, A, and
 * the last run's trace text, hash and whole ScnResult are those of the
 * first, and of A alone in a fresh world (scn_run).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "scn.h"

#ifndef CORPORA_DIR
#error "CORPORA_DIR: fuzz/corpora"
#endif

typedef struct Input {
    ScnHarness h;
    const char *name;
    const char *what;           /* what it does, checked on its fresh run */
} Input;

static const Input inputs[] = {
    { SCN_HARNESS_CLUSTER, "regress_state_registration_out_of_memory", "fires" },
    { SCN_HARNESS_CLUSTER, "failover_primary_crash_secondary_takes_over", "crash" },
    { SCN_HARNESS_CLUSTER, "failover_backup_fault_refuses_the_failover", "fires" },
    /* A reused cluster (sim/cluster.c keeps its memory from one to the
     * next): a gap, an acknowledgement that timed out, a crash in the
     * middle of a commit, held out-of-order messages, packets remembered
     * across a failover. */
    { SCN_HARNESS_CLUSTER, "network_drop_on_p2s_leaves_a_gap", "broken" },
    { SCN_HARNESS_CLUSTER, "network_dropped_ack_breaks_replication", "broken" },
    { SCN_HARNESS_CLUSTER, "failover_secondary_crash_mid_commit", "crash" },
    { SCN_HARNESS_CLUSTER, "network_reorder_on_p2s_is_reassembled", "fires" },
    { SCN_HARNESS_CLUSTER, "failover_primary_failover_loses_nothing", "failover" },
    /* Its links, disks, comparator and checkers are kept too, and made
     * again in place where the next cluster's shape allows: two disks
     * (a one-disk cluster after it takes one of them), a connection the
     * comparator holds, packets it still queues when the cluster goes. */
    { SCN_HARNESS_CLUSTER, "faults_cluster_workload_periodic_checkpoints", "two disks" },
    { SCN_HARNESS_CLUSTER, "network_mismatch_holds_only_its_connection", "mismatch" },
    { SCN_HARNESS_CLUSTER, "network_comparator_queue_limit", "discard" },
    { SCN_HARNESS_REGISTRY, "06c69125dbb2a535c439328125e01e83e5337d30", "fails" },
    { SCN_HARNESS_REGISTRY, "0ad13d78642adf234c8dc05d64f68e2501cb993d", "fails" },
};
#define NINPUTS (sizeof(inputs) / sizeof(inputs[0]))

/* One run: its trace text (malloc'd) and result. */
typedef struct Run {
    char *trace;
    size_t len;
    ScnResult res;
} Run;

static ScnScript *load(const Input *in)
{
    static uint8_t buf[4096];
    char path[512];
    ScnScript *s = NULL;
    FILE *f;
    size_t n;

    snprintf(path, sizeof(path), "%s/%s/%s", CORPORA_DIR, scn_harness_name(in->h), in->name);
    f = fopen(path, "rb");
    if (f == NULL) {
        fail_msg("cannot open %s", path);
    }
    n = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    assert_int_equal(scn_decode_script(in->h, buf, n, &s), 0);
    return s;
}

/* Runs s in ss (a fresh world when ss is NULL), its trace in run->trace. */
static void run(ScnSession *ss, const ScnScript *s, Run *r)
{
    ScnOptions opt = { 0 };

    opt.trace = open_memstream(&r->trace, &r->len);
    assert_non_null(opt.trace);
    if (ss != NULL) {
        scn_session_run(ss, s, &opt, &r->res);
    } else {
        scn_run(s, &opt, &r->res);
    }
    assert_int_equal(fclose(opt.trace), 0);
    assert_true(r->len > 0);
}

static void same_run(const Run *a, const Run *b, const char *name)
{
    if (a->len != b->len || memcmp(a->trace, b->trace, a->len) != 0) {
        fail_msg("%s: the trace differs after another input ran in the session", name);
    }
    assert_int_equal(a->res.hash, b->res.hash);
    assert_int_equal(a->res.status, b->res.status);
    if (memcmp(&a->res, &b->res, sizeof(a->res)) != 0) {
        fail_msg("%s: the ScnResult differs after another input ran in the session", name);
    }
}

/* The input does what it was picked for (a fire, a crash, a failure). */
static void does_what(const Input *in, const Run *r)
{
    if (!strcmp(in->what, "fires")) {
#ifdef FIU_ENABLE
        assert_true(r->res.faults_fired > 0);
#endif
    } else if (!strcmp(in->what, "crash")) {
        assert_non_null(strstr(r->trace, " crash"));
    } else if (!strcmp(in->what, "broken")) {
#ifdef FIU_ENABLE
        /* Broken by a network fault point: none without libfiu. */
        assert_non_null(strstr(r->trace, " colo broken"));
#endif
    } else if (!strcmp(in->what, "failover")) {
        assert_non_null(strstr(r->trace, " colo failover"));
    } else if (!strcmp(in->what, "two disks")) {
        assert_non_null(strstr(r->trace, "pri.d1"));
    } else if (!strcmp(in->what, "mismatch")) {
        assert_non_null(strstr(r->trace, " compare mismatch"));
    } else if (!strcmp(in->what, "discard")) {
#ifdef FIU_ENABLE
        /* Its queue fills behind network fault points: none without libfiu. */
        assert_non_null(strstr(r->trace, " compare discard"));
#endif
    } else {
        assert_non_null(strstr(r->trace, "- scn failed"));
    }
}

static void a_b_a_gives_a_twice(void **state)
{
    ScnScript *s[NINPUTS];
    Run fresh[NINPUTS];
    ScnSession *ss = scn_session_new();
    unsigned triples = 0;

    (void)state;
    assert_non_null(ss);
    for (size_t i = 0; i < NINPUTS; i++) {
        s[i] = load(&inputs[i]);
        run(NULL, s[i], &fresh[i]);
        does_what(&inputs[i], &fresh[i]);
    }
    for (size_t a = 0; a < NINPUTS; a++) {
        for (size_t b = 0; b < NINPUTS; b++) {
            Run r[3];

            if (a == b) {
                continue;
            }
            run(ss, s[a], &r[0]);
            run(ss, s[b], &r[1]);
            run(ss, s[a], &r[2]);
            same_run(&r[0], &r[2], inputs[a].name);
            same_run(&fresh[a], &r[2], inputs[a].name);
            same_run(&fresh[b], &r[1], inputs[b].name);
            for (int i = 0; i < 3; i++) {
                free(r[i].trace);
            }
            triples++;
        }
    }
    assert_int_equal(triples, NINPUTS * (NINPUTS - 1));
    for (size_t i = 0; i < NINPUTS; i++) {
        free(fresh[i].trace);
        scn_free(s[i]);
    }
    scn_session_free(ss);
}

/* A parsed text script (fuzz_scenario's way) between two decoded runs. */
static void a_text_script_between_leaves_nothing(void **state)
{
    static const char text[] =
        "cluster size=64 interval=0\nstart\nfault point=disk/pri.d0/write mode=once\n"
        "write sector=4 byte=0x66 may_fail=true\nrun ticks=3\ncrash node=sec may_fail=true\n"
        "run ticks=5\n";
    ScnSession *ss = scn_session_new();
    ScnScript *a = load(&inputs[1]);
    ScnScript *t = scn_parse(text, sizeof(text) - 1, "t.scn", NULL);
    Run r[3];

    (void)state;
    assert_non_null(ss);
    assert_non_null(t);
    run(ss, a, &r[0]);
    run(ss, t, &r[1]);
    run(ss, a, &r[2]);
    same_run(&r[0], &r[2], inputs[1].name);
    for (int i = 0; i < 3; i++) {
        free(r[i].trace);
    }
    scn_free(t);
    scn_free(a);
    scn_session_free(ss);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_b_a_gives_a_twice),
        cmocka_unit_test(a_text_script_between_leaves_nothing),
    };

    return cmocka_run_group_tests_name("scn_session", tests, NULL, NULL);
}
