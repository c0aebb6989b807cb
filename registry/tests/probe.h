/* probe.h: test support for registry/tests.  A Probe is a registered state
 * whose callbacks log their calls ("c:s" = state c, start walk) and then do a
 * scripted action.  Also: running any walk by kind, and checking that a
 * function aborts with a given message.  Knows only the public headers.
 */
#ifndef REPLBENCH_PROBE_H
#define REPLBENCH_PROBE_H

#include <stdbool.h>
#include <stddef.h>

#include "replication.h"

typedef enum TestWalk { TW_START, TW_STOP, TW_CHECKPOINT, TW_GET_ERROR, TW__COUNT } TestWalk;

typedef enum ProbeAct {
    ACT_OK,             /* succeed */
    ACT_FAIL,           /* set error "<name> failed in <walk>" */
    ACT_FAIL_SILENT,    /* return without setting an error */
    ACT_REMOVE,         /* remove every probe in `targets` (may be itself) */
    ACT_REMOVE_THEN_FAIL,
    ACT_REGISTER,       /* register `spawn` in this probe's registry */
    ACT_NESTED,         /* run walk `nested` on `nested_reg`, errors ignored */
} ProbeAct;

#define PROBE_MAX_TARGETS 8

typedef struct Probe Probe;
struct Probe {
    char name[8];
    ReplicationRegistry *reg;
    ReplicationState *rs;       /* NULL when not registered */
    ProbeAct act;               /* done on every call, reset by once */
    bool once;                  /* after acting, go back to ACT_OK */
    Probe *targets[PROBE_MAX_TARGETS];
    Probe *spawn;
    TestWalk nested;
    ReplicationRegistry *nested_reg;
    ReplicationMode last_mode;
    bool last_failover;
    int calls;
    size_t count_after;         /* registry count right after acting */
};

/* Every member set; each walk's member logs "<name>:<s|p|c|g>". */
extern ReplicationOps probe_ops_all;

/* The calls made since the last probe_log_reset(), space-separated. */
const char *probe_log(void);
void probe_log_reset(void);

/* Register p (named `name`) in reg with `ops`; asserts success. */
void probe_register(Probe *p, const char *name, ReplicationRegistry *reg,
                    ReplicationOps *ops);

/* Register n probes named "a", "b", ... in that order: "a" is the oldest. */
void probe_register_n(Probe *probes, size_t n, ReplicationRegistry *reg);

/* Remove p if still registered. */
void probe_remove(Probe *p);

void run_walk(ReplicationRegistry *reg, TestWalk w, Error **errp);
const char *walk_name(TestWalk w);

/* Log a walk's calls and return them: resets the log, runs w with a NULL
 * errp, returns the log. */
const char *walk_log(ReplicationRegistry *reg, TestWalk w);

/* "e d c" as the log of walk w: "e:s d:s c:s" for start.  Static buffer. */
const char *calls_of(TestWalk w, const char *names);

/* Run fn(arg) in a child process; assert the child aborts (SIGABRT) and
 * that its stderr contains `message`. */
void expect_abort(void (*fn)(void *arg), void *arg, const char *message);

#endif /* REPLBENCH_PROBE_H */
