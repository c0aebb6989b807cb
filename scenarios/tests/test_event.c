/* test_event.c: the interpreter's typed events (scn_event.h) as a reader
 * sees them: every event carries its payload with what the script said,
 * a fire carries its point with its owner as data, and a reader that asks
 * an event for what it does not carry stops the process (SIM_CHECK),
 * never reads "" or 0.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "cluster.h"
#include "disk.h"
#include "fault.h"
#include "scn.h"
#include "scn_event.h"

/* What the sink saw: the first payload of each kind it looks at. */
typedef struct Seen {
    unsigned ops, calls, dones, faileds, fires;
    ScnOpEvent walk_op, remove_op;      /* their strings are the script's: read */
    bool walk_on_node;                  /* in the sink only */
    char remove_state[32], state_name[32], state_reg[32];
    ScnCallEvent call;
    char call_state[32], call_target[32];
    bool done_oom;
    char done_error[64];
    int failed_rc;
    unsigned failed_line;
    char fired_instance[SIM_FAULT_NAME_MAX];
    const SimFaultTemplate *fired_template;
} Seen;

static void sink(void *ctx, const SimTraceEvent *e)
{
    Seen *s = ctx;

    if (e->comp == SIM_COMP_FAULT && s->fires++ == 0) {
        snprintf(s->fired_instance, sizeof(s->fired_instance), "%s",
                 sim_fault_fired(e)->instance);
        s->fired_template = sim_fault_fired(e)->template_;
    }
    if (e->comp != SIM_COMP_SCN) {
        return;
    }
    if (scn_event_is_op(e)) {
        const ScnOpEvent *op = scn_event_op(e);

        s->ops++;
        if (e->kind == OP_WALK) {
            s->walk_op = *op;
            s->walk_on_node = op->node[0] != '\0';
        }
        if (e->kind == OP_REMOVE) {
            s->remove_op = *op;
            snprintf(s->remove_state, sizeof(s->remove_state), "%s", op->state);
        }
        if (e->kind == OP_STATE && s->state_name[0] == '\0') {
            snprintf(s->state_name, sizeof(s->state_name), "%s", op->name);
            snprintf(s->state_reg, sizeof(s->state_reg), "%s", op->reg);
        }
    } else if (e->kind == SCN_EV_CALL) {
        s->calls++;
        if (strcmp(scn_event_call(e)->state, "a") != 0) {
            return;
        }
        s->call = *scn_event_call(e);
        snprintf(s->call_state, sizeof(s->call_state), "%s", s->call.state);
        snprintf(s->call_target, sizeof(s->call_target), "%s", s->call.target);
    } else if (e->kind == SCN_EV_WALK_DONE && s->dones++ == 0) {
        s->done_oom = scn_event_walk_done(e)->out_of_memory;
        snprintf(s->done_error, sizeof(s->done_error), "%s", scn_event_walk_done(e)->error);
    } else if (e->kind == SCN_EV_FAILED && s->faileds++ == 0) {
        s->failed_rc = scn_event_failed(e)->rc;
        s->failed_line = scn_event_line(e);
    }
}

static ScnStatus run_seeing(const char *text, Seen *seen)
{
    ScnOptions opt = { .sink = sink, .sink_ctx = seen };
    ScnResult res;
    ScnErrors err;
    ScnScript *s = scn_parse(text, strlen(text), "t.scn", &err);
    ScnStatus st;

    if (s == NULL) {
        fail_msg("parse: %u:%u: %s", err.e[0].line, err.e[0].col, err.e[0].message);
    }
    memset(seen, 0, sizeof(*seen));
    st = scn_run(s, &opt, &res);
    scn_free(s);
    return st;
}

static void operations_and_callbacks_carry_what_the_script_said(void **state)
{
    Seen s;

    (void)state;
    assert_int_equal(run_seeing("registry name=r0\n"
                                "state name=a reg=r0 ops=all\n"
                                "state name=b reg=r0 ops=all\n"
                                "on state=a walk=checkpoint do=remove+fail target=b msg=\"no\"\n"
                                "walk kind=checkpoint reg=r0 may_fail=true\n"
                                "remove state=a\n", &s), SCN_PASS);
    assert_int_equal(s.ops, 6);
    assert_string_equal(s.state_name, "a");
    assert_string_equal(s.state_reg, "r0");
    assert_int_equal(s.walk_op.line, 5);
    assert_int_equal(s.walk_op.walk, SIM_WALK_CHECKPOINT);
    assert_false(s.walk_on_node);
    assert_int_equal(s.remove_op.line, 6);
    assert_string_equal(s.remove_state, "a");
    assert_true(s.calls >= 1);
    assert_string_equal(s.call_state, "a");
    assert_int_equal(s.call.walk, SIM_WALK_CHECKPOINT);
    assert_int_equal(s.call.depth, 1);
    assert_int_equal(s.call.rule, 4);
    assert_int_equal(s.call.acts, (1u << ACT_REMOVE) | (1u << ACT_FAIL));
    assert_string_equal(s.call_target, "b");
    assert_int_equal(s.dones, 1);
    assert_string_equal(s.done_error, "no");
    assert_false(s.done_oom);
}

static void a_failed_operation_carries_its_line_and_rc(void **state)
{
    Seen s;

    (void)state;
    assert_int_equal(run_seeing("state name=a\nstate name=b\n"
                                "on state=a walk=stop do=remove target=b\n"
                                "walk kind=stop\nwalk kind=stop may_fail=true\n", &s), SCN_PASS);
    assert_int_equal(s.faileds, 1);
    assert_int_equal(s.failed_line, 3);     /* the rule's */
    assert_int_equal(s.failed_rc, -ENOENT);
}

/* The fault layer gives a fire's point with its owner: no reader takes
 * "node/pri/crash" apart. */
static void a_fire_carries_its_point_and_owner(void **state)
{
    Seen s;

    (void)state;
#ifndef FIU_ENABLE
    skip();
#endif
    assert_int_equal(run_seeing("cluster size=64 interval=0\nstart\nrun ticks=2\n"
                                "fault point=node/pri/crash mode=once\n"
                                "checkpoint fails=\"checkpoint could not begin: the primary "
                                "has crashed\"\nclear point=node/pri/crash\n", &s), SCN_PASS);
    assert_int_equal(s.fires, 1);
    assert_string_equal(s.fired_instance, "pri");
    assert_ptr_equal(s.fired_template, &sim_cluster_crash_template);
}

/* fn(e) in a child: it must stop the process (abort), not answer. */
static void child_aborts(void (*fn)(const SimTraceEvent *), const SimTraceEvent *e)
{
    int status = 0;
    pid_t pid;

    fflush(NULL);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        if (freopen("/dev/null", "w", stderr) == NULL) {
            _exit(2);
        }
        fn(e);
        _exit(0);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
}

static void ask_call(const SimTraceEvent *e)
{
    (void)scn_event_call(e);
}

static void ask_op(const SimTraceEvent *e)
{
    (void)scn_event_op(e);
}

static void ask_fire(const SimTraceEvent *e)
{
    (void)sim_fault_fired(e);
}

static void ask_disk_error(const SimTraceEvent *e)
{
    (void)sim_trace_need(e, SIM_DISK_F_ERROR);
}

static void a_reader_asking_for_what_an_event_lacks_stops(void **state)
{
    static const ScnCallEvent call = { .state = "a" };
    const SimTraceEvent call_ev = { .comp = SIM_COMP_SCN, .kind = SCN_EV_CALL, .name = "call",
                                    .data = &call };
    const SimTraceEvent bare = { .comp = SIM_COMP_SCN, .kind = SCN_EV_CALL, .name = "call" };
    const SimTraceEvent disk = { .comp = SIM_COMP_DISK, .kind = SIM_DISK_EV_STOP, .name = "stop",
                                 .field = (const SimTraceField[]){ sim_tf_str("eror", "x") },
                                 .nfields = 1 };

    (void)state;
    assert_ptr_equal(scn_event_call(&call_ev), &call);
    child_aborts(ask_call, &bare);          /* no payload */
    child_aborts(ask_op, &call_ev);         /* another kind */
    child_aborts(ask_fire, &call_ev);       /* another component */
    child_aborts(ask_disk_error, &disk);    /* a misspelt key */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(operations_and_callbacks_carry_what_the_script_said),
        cmocka_unit_test(a_failed_operation_carries_its_line_and_rc),
        cmocka_unit_test(a_fire_carries_its_point_and_owner),
        cmocka_unit_test(a_reader_asking_for_what_an_event_lacks_stops),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
