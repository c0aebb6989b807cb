/* test_interp.c: the scenario interpreter: how a failure is reported (line,
 * expected and actual, trace tail), run-time errors, checker violations
 * (fatal unless expected), fault injection for sweeps, and seeds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "scn.h"

static ScnResult res;

static ScnStatus run_with(const char *text, const ScnOptions *opt)
{
    ScnErrors err;
    ScnScript *s = scn_parse(text, strlen(text), "t.scn", &err);
    ScnStatus st;

    if (s == NULL) {
        fail_msg("parse: %u:%u: %s", err.e[0].line, err.e[0].col, err.e[0].message);
    }
    st = scn_run(s, opt, &res);
    scn_free(s);
    return st;
}

static ScnStatus run(const char *text)
{
    return run_with(text, NULL);
}

/* Fault points are compiled out without libfiu: nothing to inject. */
static void needs_faults(void)
{
#ifndef FIU_ENABLE
    skip();
#endif
}

/* The last lines are rendered for a failure only: a passing run has none. */
static void passing_scenario_reports_hash_and_no_tail(void **state)
{
    (void)state;
    assert_int_equal(run("state name=a\nwalk kind=stop\nexpect calls=\"a.stop\"\n"), SCN_PASS);
    assert_true(res.checkers_ok);
    assert_int_equal(res.checker_kind, SIM_CHECK_NONE);
    assert_int_equal(res.ops_run, 3);
    assert_int_equal(res.seed, 1);
    assert_int_equal(res.ntail, 0);
    assert_int_not_equal(res.hash, 0);
}

/* A failure's tail: the last lines before the teardown, oldest first. */
static void failing_scenario_reports_its_last_lines(void **state)
{
    (void)state;
    assert_int_equal(run("state name=a\nwalk kind=stop\nexpect calls=\"b.stop\"\n"), SCN_FAIL);
    assert_true(res.ntail >= 3 && res.ntail <= SIM_TRACE_KEEP);
    assert_string_equal(res.tail[res.ntail - 3], "0 - scn walk line=2 kind=stop");
    assert_string_equal(res.tail[res.ntail - 2], "0 - scn call a.stop");
    assert_string_equal(res.tail[res.ntail - 1], "0 - scn walk_done ok");
    /* The teardown's lines (the disk unregistered) are not in it. */
    assert_int_equal(run("registry name=r\ndisk name=s role=secondary size=64 reg=r\n"
                         "expect stage=done disk=s\n"), SCN_FAIL);
    assert_int_equal(res.ntail, 3);
    assert_string_equal(res.tail[2], "0 - disk/s new role=secondary size_sectors=64");
}

static void failed_expectation_names_line_expected_and_actual(void **state)
{
    (void)state;
    assert_int_equal(run("state name=a\nstate name=b\nwalk kind=start\n"
                         "expect calls=\"a.start b.start\"\nexpect count=0\n"), SCN_FAIL);
    assert_int_equal(res.line, 4);
    assert_string_equal(res.message, "expect calls: expected \"a.start b.start\", "
                        "actual \"b.start a.start\"");
    assert_int_equal(res.ops_run, 3);           /* stops at the first failure */
    assert_true(res.checkers_ok);
}

static void runtime_error_fails_cleanly(void **state)
{
    (void)state;
    assert_int_equal(run("state name=a\nremove state=a\nremove state=a\n"), SCN_FAIL);
    assert_int_equal(res.line, 3);
    assert_string_equal(res.message, "state a is not registered");
    assert_true(res.checkers_ok);
}

static void operation_must_fail_as_told(void **state)
{
    (void)state;
    assert_int_equal(run("cluster size=64\ncheckpoint fails=\"not started\"\nstart\n"
                         "start fails=\"already\"\n"), SCN_PASS);
    assert_int_equal(run("cluster size=64\nstart fails=\"x\"\n"), SCN_FAIL);
    assert_string_equal(res.message, "start: expected it to fail with \"x\", it succeeded");
    assert_int_equal(run("cluster size=64\ncheckpoint\n"), SCN_FAIL);
    assert_string_equal(res.message, "checkpoint failed: no checkpoint: replication is "
                        "not started");
}

/* Upstream's order checkpoints over a forwarded write lost on the primary:
 * the data checker fails the scenario, unless the scenario expects it. */
static const char lost_write[] =
    "cluster size=64 interval=0 upstream_checkpoint=true\nstart\n"
    "fault point=disk/pri.d0/write mode=once\nwrite sector=4 byte=0x66\nrun ticks=3\n"
    "checkpoint\nrun ticks=10\n";

static void checker_violation_fails_unless_expected(void **state)
{
    char text[1024];

    (void)state;
    needs_faults();
    assert_int_equal(run(lost_write), SCN_FAIL);
    assert_string_equal(res.message, "checker: data: disk 0 at checkpoint 1: sector 4 "
                        "byte 0: expected 0x66, actual 0x00");
    assert_int_equal(res.line, 7);
    assert_false(res.checkers_ok);
    assert_int_equal(res.checker_kind, SIM_CHECK_DATA);
    snprintf(text, sizeof(text), "%sexpect violation=\"data: disk 0 at checkpoint 1: "
             "sector 4 byte 0: expected 0x66, actual 0x00\"\n", lost_write);
    assert_int_equal(run(text), SCN_PASS);
    assert_false(res.checkers_ok);              /* a sweep still sees it */
    assert_int_equal(res.checker_kind, SIM_CHECK_DATA);
}

static void injection_fails_the_chosen_hit(void **state)
{
    ScnOptions opt = { .inject = { { "registry/alloc", 2, false } }, .ninject = 1 };

    (void)state;
    needs_faults();
    assert_int_equal(run_with("state name=a\nstate name=b\nstate name=c\n", &opt), SCN_FAIL);
    assert_int_equal(res.line, 2);
    assert_string_equal(res.message, "cannot register state b: out of memory");
    assert_true(res.checkers_ok);               /* a clean error */
    assert_int_equal(res.points[0].hits, 2);
    assert_int_equal(res.points[0].fires, 1);
    assert_string_equal(res.points[0].name, "registry/alloc");
}

static void seed_option_overrides_script(void **state)
{
    ScnOptions opt = { .seed_set = true, .seed = 99 };
    uint64_t h1, h2;

    (void)state;
    assert_int_equal(run("seed value=5\ncluster size=64 writes=0.5\nstart\nrun ticks=50\n"),
                     SCN_PASS);
    assert_int_equal(res.seed, 5);
    h1 = res.hash;
    assert_int_equal(run_with("seed value=5\ncluster size=64 writes=0.5\nstart\nrun ticks=50\n",
                              &opt), SCN_PASS);
    assert_int_equal(res.seed, 99);
    h2 = res.hash;
    assert_int_not_equal(h1, h2);
}

static void limits_stop_runaway_scripts(void **state)
{
    (void)state;
    assert_int_equal(run("limit ticks=10\nrun ticks=11\n"), SCN_FAIL);
    assert_string_equal(res.message, "more than 10 ticks in all (limit ticks=)");
    assert_int_equal(run("limit depth=2\nstate name=a\non state=a walk=stop do=nested "
                         "nested=stop\nwalk kind=stop\n"), SCN_FAIL);
    assert_string_equal(res.message, "nested walks deeper than 2");
    assert_true(res.checkers_ok);
}

/* A rule's removal of a state that was never registered names it. */
static void removing_an_unknown_target_names_it(void **state)
{
    (void)state;
    assert_int_equal(run("state name=a\non state=a walk=start call=9 do=register target=ghost\n"
                         "on state=a walk=stop do=remove target=ghost\nwalk kind=stop\n"),
                     SCN_FAIL);
    assert_int_equal(res.line, 3);
    assert_string_equal(res.message, "state ghost is not registered");
}

/* walk may_fail=true: what its rules cannot do is traced, the run goes on;
 * the same for a registration that fails (state may_fail=true). */
static void a_walk_that_may_fail_goes_on_past_impossible_actions(void **state)
{
    (void)state;
    assert_int_equal(run("limit depth=2\nstate name=a\nstate name=b\n"
                         "on state=a walk=stop do=nested+remove nested=stop target=b\n"
                         "walk kind=stop may_fail=true\nexpect count=1\n"), SCN_PASS);
    assert_true(res.checkers_ok);
    assert_int_equal(run("limit depth=2\nstate name=a\non state=a walk=stop do=nested "
                         "nested=stop\nwalk kind=stop may_fail=true\nwalk kind=stop\n"), SCN_FAIL);
    assert_int_equal(res.line, 3);              /* the rule's line, on the walk without */
    assert_string_equal(res.message, "nested walks deeper than 2");
    needs_faults();
    assert_int_equal(run("fault point=registry/alloc mode=once\nstate name=a may_fail=true\n"
                         "state name=b\nexpect count=1\n"), SCN_PASS);
    assert_int_equal(run("fault point=registry/alloc mode=once\nstate name=a\n"), SCN_FAIL);
    assert_string_equal(res.message, "cannot register state a: out of memory");
}

/* Failures say values as a scenario writes them: true/false, hashes in hex,
 * and what is wrong with a range rather than an errno. */
static void expectation_failures_speak_the_scenario_language(void **state)
{
    (void)state;
    assert_int_equal(run("cluster size=64\nexpect broken=true\n"), SCN_FAIL);
    assert_string_equal(res.message, "expect broken: expected true, actual false");
    assert_int_equal(run("cluster size=64\nexpect crashed=true node=sec\n"), SCN_FAIL);
    assert_string_equal(res.message, "expect crashed: expected true, actual false");
    assert_int_equal(run("state name=a\nexpect hash=0x1f\n"), SCN_FAIL);
    assert_non_null(strstr(res.message, "expect hash: expected 0x000000000000001f, actual 0x"));
    assert_int_equal(run("cluster size=64\nexpect data=0 node=pri sector=60 count=8\n"), SCN_FAIL);
    assert_string_equal(res.message, "expect data on pri.d0: sectors 60..67 are past the end "
                        "of the disk (64 sectors)");
    assert_int_equal(run("cluster size=64\nexpect data=0 node=sec sector=64\n"), SCN_FAIL);
    assert_string_equal(res.message, "expect data on sec.d0: sectors 64..64 are past the end "
                        "of the disk (64 sectors)");
    assert_int_equal(run("cluster size=64\nexpect data=0 node=sec sector=56 count=8\n"), SCN_PASS);
}

/* limit calls= counts the callbacks of one outermost walk, nested walks
 * included: the cluster's walks (a checkpoint each get_error + checkpoint)
 * once added up over the whole run. */
static void callback_limit_is_per_outermost_walk(void **state)
{
    (void)state;
    assert_int_equal(run("limit calls=3\ncluster size=64 interval=10\nstate name=a node=pri\n"
                         "start\nrun ticks=100\nexpect epoch=10\n"), SCN_PASS);
    assert_int_equal(run("limit calls=3\nstate name=a\nwalk kind=stop\nwalk kind=stop\n"
                         "walk kind=stop\nwalk kind=stop\n"), SCN_PASS);
    assert_int_equal(run("limit calls=3 depth=8\nstate name=a\non state=a walk=stop do=nested "
                         "nested=stop\nwalk kind=stop\n"), SCN_FAIL);
    assert_string_equal(res.message, "more than 3 callbacks in one walk");
}

static void caps_and_mismatched_outcomes_fail_cleanly(void **state)
{
    ScnOptions caps = { .max_sectors = 64, .max_ticks = 5 };

    (void)state;
    assert_int_equal(run_with("registry name=r\ndisk name=d role=secondary size=128 reg=r\n", &caps),
                     SCN_FAIL);
    assert_string_equal(res.message, "128 sectors: over this run's limit of 64");
    assert_int_equal(run_with("registry name=r\ndisk name=d role=secondary size=64 reg=r\n"
                              "io disk=d op=read sector=0 count=65\n", &caps), SCN_FAIL);
    assert_string_equal(res.message, "65 sectors: over this run's limit of 64");
    assert_int_equal(run_with("run ticks=6\n", &caps), SCN_FAIL);
    assert_string_equal(res.message, "more than 5 ticks in all (limit ticks=)");
    assert_int_equal(run("registry name=r\ndisk name=d role=secondary size=64 reg=r\n"
                         "io disk=d op=read sector=0 rc=0\n"), SCN_FAIL);
    assert_string_equal(res.message, "io read on d: expected rc=0, actual rc=-5");
    assert_int_equal(run("cluster size=64\nstart\nstart fails=\"nope\"\n"), SCN_FAIL);
    assert_string_equal(res.message, "start: expected an error containing \"nope\", actual "
                        "\"cluster already started\"");
    assert_true(res.checkers_ok);
}

static void two_failures_in_one_callback_keep_the_first(void **state)
{
    (void)state;
    assert_int_equal(run("state name=a\non state=a walk=stop do=fail+fail msg=\"once\"\n"
                         "walk kind=stop\nexpect error=\"once\"\n"), SCN_PASS);
    assert_int_equal(run("cluster size=64\nstate name=a node=pri\n"
                         "on state=a walk=start do=crash+crash\nstart\n"
                         "expect crashed=true node=pri\n"), SCN_PASS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(passing_scenario_reports_hash_and_no_tail),
        cmocka_unit_test(failing_scenario_reports_its_last_lines),
        cmocka_unit_test(failed_expectation_names_line_expected_and_actual),
        cmocka_unit_test(runtime_error_fails_cleanly),
        cmocka_unit_test(callback_limit_is_per_outermost_walk),
        cmocka_unit_test(expectation_failures_speak_the_scenario_language),
        cmocka_unit_test(removing_an_unknown_target_names_it),
        cmocka_unit_test(a_walk_that_may_fail_goes_on_past_impossible_actions),
        cmocka_unit_test(operation_must_fail_as_told),
        cmocka_unit_test(checker_violation_fails_unless_expected),
        cmocka_unit_test(injection_fails_the_chosen_hit),
        cmocka_unit_test(seed_option_overrides_script),
        cmocka_unit_test(limits_stop_runaway_scripts),
        cmocka_unit_test(caps_and_mismatched_outcomes_fail_cleanly),
        cmocka_unit_test(two_failures_in_one_callback_keep_the_first),
    };

    return cmocka_run_group_tests_name("scn_interp", tests, NULL, NULL);
}
