/* probe.c: scripted test states, walk dispatch and abort checks for
 * registry/tests (see probe.h).  Uses only the registry's public headers.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "probe.h"

static char log_buf[4096];
static size_t log_len;

static const char walk_letter[TW__COUNT] = { 's', 'p', 'c', 'g' };

const char *probe_log(void)
{
    return log_buf;
}

void probe_log_reset(void)
{
    log_len = 0;
    log_buf[0] = '\0';
}

static void log_call(const Probe *p, TestWalk w)
{
    int n = snprintf(log_buf + log_len, sizeof(log_buf) - log_len, "%s%s:%c",
                     log_len ? " " : "", p->name, walk_letter[w]);

    assert_true(n > 0 && (size_t)n < sizeof(log_buf) - log_len);
    log_len += (size_t)n;
}

void probe_remove(Probe *p)
{
    if (p->rs != NULL) {
        replication_remove(p->rs);
        p->rs = NULL;
    }
}

static void remove_targets(Probe *p)
{
    for (size_t i = 0; i < PROBE_MAX_TARGETS && p->targets[i]; i++) {
        probe_remove(p->targets[i]);
    }
}

static void act(Probe *p, TestWalk w, Error **errp)
{
    ProbeAct a = p->act;

    /* Rule 3: every callback gets its own, fresh, NULL error. */
    assert_non_null(errp);
    assert_null(*errp);
    log_call(p, w);
    p->calls++;
    if (p->once) {
        p->act = ACT_OK;
    }
    switch (a) {
    case ACT_OK:
    case ACT_FAIL_SILENT:
        break;
    case ACT_FAIL:
        error_setg(errp, "%s failed in %s", p->name, walk_name(w));
        break;
    case ACT_REMOVE:
        remove_targets(p);
        break;
    case ACT_REMOVE_THEN_FAIL:
        remove_targets(p);
        error_setg(errp, "%s failed in %s", p->name, walk_name(w));
        break;
    case ACT_REGISTER:
        probe_register(p->spawn, p->spawn->name, p->reg, &probe_ops_all);
        break;
    case ACT_NESTED:
        run_walk(p->nested_reg, p->nested, NULL);
        break;
    }
    p->count_after = replication_registry_count(p->reg);
}

static void on_start(ReplicationState *rs, ReplicationMode mode, Error **errp)
{
    Probe *p = rs->opaque;

    p->last_mode = mode;
    act(p, TW_START, errp);
}

static void on_stop(ReplicationState *rs, bool failover, Error **errp)
{
    Probe *p = rs->opaque;

    p->last_failover = failover;
    act(p, TW_STOP, errp);
}

static void on_checkpoint(ReplicationState *rs, Error **errp)
{
    act(rs->opaque, TW_CHECKPOINT, errp);
}

static void on_get_error(ReplicationState *rs, Error **errp)
{
    act(rs->opaque, TW_GET_ERROR, errp);
}

ReplicationOps probe_ops_all = {
    .start = on_start,
    .stop = on_stop,
    .checkpoint = on_checkpoint,
    .get_error = on_get_error,
};

void probe_register(Probe *p, const char *name, ReplicationRegistry *reg,
                    ReplicationOps *ops)
{
    if (p->name != name) {
        snprintf(p->name, sizeof(p->name), "%s", name);
    }
    p->reg = reg;
    p->rs = replication_new_in(reg, p, ops);
    assert_non_null(p->rs);
    assert_ptr_equal(p->rs->opaque, p);
    assert_ptr_equal(p->rs->ops, ops);
}

void probe_register_n(Probe *probes, size_t n, ReplicationRegistry *reg)
{
    for (size_t i = 0; i < n; i++) {
        char name[2] = { (char)('a' + i), '\0' };

        probe_register(&probes[i], name, reg, &probe_ops_all);
    }
}

void run_walk(ReplicationRegistry *reg, TestWalk w, Error **errp)
{
    switch (w) {
    case TW_START:
        replication_start_all_in(reg, REPLICATION_MODE_SECONDARY, errp);
        break;
    case TW_STOP:
        replication_stop_all_in(reg, true, errp);
        break;
    case TW_CHECKPOINT:
        replication_do_checkpoint_all_in(reg, errp);
        break;
    default:
        replication_get_error_all_in(reg, errp);
        break;
    }
}

const char *walk_name(TestWalk w)
{
    static const char *const names[TW__COUNT] = {
        "start", "stop", "checkpoint", "get_error",
    };

    return names[w];
}

const char *walk_log(ReplicationRegistry *reg, TestWalk w)
{
    probe_log_reset();
    run_walk(reg, w, NULL);
    return probe_log();
}

const char *calls_of(TestWalk w, const char *names)
{
    static char buf[1024];
    size_t len = 0;

    for (const char *c = names; *c != '\0'; c++) {
        assert_true(len + 3 < sizeof(buf));
        buf[len++] = *c;
        if (c[1] == ' ' || c[1] == '\0') {
            buf[len++] = ':';
            buf[len++] = walk_letter[w];
        }
    }
    buf[len] = '\0';
    return buf;
}

/* A child that aborts never runs its exit handlers, so coverage counters
 * gathered in it would be lost: dump them from the SIGABRT handler. */
#ifdef REPLBENCH_COVERAGE
extern void __gcov_dump(void);
#define dump_coverage() __gcov_dump()
#else
#define dump_coverage() ((void)0)
#endif

static void on_abort(int sig)
{
    (void)sig;
    dump_coverage();
}

void expect_abort(void (*fn)(void *arg), void *arg, const char *message)
{
    int fds[2];
    char out[2048];
    size_t len = 0;
    ssize_t n;
    int status;
    pid_t pid;

    assert_int_equal(pipe(fds), 0);
    fflush(NULL);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        dup2(fds[1], STDERR_FILENO);
        signal(SIGABRT, on_abort);
        fn(arg);
        _exit(0);
    }
    close(fds[1]);
    while (len < sizeof(out) - 1 &&
           (n = read(fds[0], out + len, sizeof(out) - 1 - len)) > 0) {
        len += (size_t)n;
    }
    out[len] = '\0';
    close(fds[0]);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGABRT) {
        fail_msg("expected abort with \"%s\"; child status %d, stderr: %s",
                 message, status, out);
    }
    if (strstr(out, message) == NULL) {
        fail_msg("abort message \"%s\" not in child's stderr: %s", message, out);
    }
}
