/* scn_event.h: the scenario interpreter's trace events (SIM_COMP_SCN in
 * trace.h), public: their kinds, and the typed payload each carries in
 * SimTraceEvent.data, for whatever reads a run's events (the run report's
 * timeline and walk view, the interpreter's own fault ledger).  Owned by
 * the interpreter (interp.c), which emits them; lang.c names them.
 * Readers take a payload through the accessors below, never by a field's
 * key: an accessor fails loudly (SIM_CHECK) on an event of another kind or
 * one without its payload.  The form of a script stays private
 * (scn_ast.h).
 */
#ifndef REPLBENCH_SCN_EVENT_H
#define REPLBENCH_SCN_EVENT_H

#include <stdbool.h>
#include <stdint.h>

#include "check.h"
#include "check_registry.h"
#include "trace.h"

/* The operations of the language, in lang.c's table order.  Every
 * operation but `expect` is traced as one event of its own kind, with a
 * ScnOpEvent; its line "- scn NAME line=N key=value..." gives every
 * argument (do= as its actions' names joined by '+'), so that scripts that
 * differ in any argument differ in their trace and hash.  The payloads are
 * not hashed: each restates for readers what the line already says. */
typedef enum ScnOpKind {
    OP_SEED, OP_LIMIT, OP_REGISTRY, OP_CLUSTER, OP_DISK, OP_STATE, OP_REMOVE,
    OP_ON, OP_WALK, OP_START, OP_RUN, OP_WRITE, OP_PACKET, OP_CHECKPOINT,
    OP_FAILOVER, OP_CRASH, OP_PARTITION, OP_HEAL, OP_IO, OP_FAULT, OP_CLEAR,
    OP_EXPECT, OP_RULE, OP_LIVENESS, OP__COUNT
} ScnOpKind;

/* What a scripted callback's rule does (`on ... do=`), in do='s order. */
typedef enum ScnAction {
    ACT_OK, ACT_FAIL, ACT_FAIL_SILENT, ACT_REMOVE, ACT_REGISTER, ACT_NESTED, ACT_CRASH
} ScnAction;

/* The interpreter's events besides the operations' own.  Numbers the
 * trace hash reads: they follow the operations the language had up to
 * OP_RULE and never change; an operation added since traces under a kind
 * after them (scn_trace_kind). */
typedef enum ScnEvent {
    SCN_EV_CALL = OP_RULE + 1,  /* "call STATE.WALK", on the state's node if
                                   any: ScnCallEvent */
    SCN_EV_WALK_DONE,           /* "walk_done ok" or "walk_done \"error\"":
                                   ScnWalkDoneEvent */
    SCN_EV_FAILED,              /* "failed line=N error": ScnFailedEvent */
    SCN_EV__END
} ScnEvent;

/* The kind an operation's event carries: its ScnOpKind up to OP_RULE, and
 * SCN_EV__END onwards for the later ones (OP_LIVENESS), so that no trace
 * of a scenario written before them changes (lang.c). */
int scn_trace_kind(ScnOpKind kind);

/* The name of an operation's kind or of a ScnEvent, as the line writes
 * it ("?" for none). */
const char *scn_event_name(int kind);

/* An operation's event: its line, and the names it gives where the
 * operation takes them ("" where it does not, or they were left out). */
typedef struct ScnOpEvent {
    unsigned line;
    const char *name;           /* name=: of a registry, state or disk */
    const char *reg;            /* reg=: the registry it acts on */
    const char *node;           /* node=: the cluster node it acts on */
    const char *state;          /* state=: of remove and on */
    SimWalk walk;               /* kind= of a walk (SIM_WALK_START otherwise) */
} ScnOpEvent;

/* A callback of a scripted state ("call STATE.WALK"), and the rule it
 * runs: none when rule is 0 (then acts is 0 and the texts ""). */
typedef struct ScnCallEvent {
    const char *state;
    SimWalk walk;
    unsigned depth;             /* the walk's nesting, 1 for the outermost */
    unsigned rule;              /* the rule's line */
    uint32_t acts;              /* 1 << ScnAction of each of its actions */
    const char *target;         /* target= of remove or register */
    const char *msg;            /* msg= of fail */
    SimWalk nested;             /* nested= of nested */
} ScnCallEvent;

/* A `walk` returned: the Error it set ("" when none), and whether that
 * Error is the registry's shared out-of-memory one. */
typedef struct ScnWalkDoneEvent {
    const char *error;
    bool out_of_memory;
} ScnWalkDoneEvent;

/* An operation under may_fail=true failed, with rc, and the run goes on. */
typedef struct ScnFailedEvent {
    unsigned line;
    const char *error;
    int rc;
} ScnFailedEvent;

/* e's payload, when e is an interpreter event that may carry it; a check
 * failure otherwise. */
static inline const void *scn_event_payload(const SimTraceEvent *e, bool kind_fits)
{
    SIM_CHECK(e->comp == SIM_COMP_SCN && kind_fits && e->data != NULL);
    return e->data;
}

/* e is an interpreter event (SIM_COMP_SCN) of an operation's kind
 * (scn_trace_kind of it). */
static inline bool scn_event_is_op(const SimTraceEvent *e)
{
    return e->comp == SIM_COMP_SCN &&
           ((e->kind >= 0 && e->kind <= OP_RULE) ||
            (e->kind >= SCN_EV__END && e->kind < SCN_EV__END + (OP__COUNT - OP_RULE - 1)));
}

static inline const ScnOpEvent *scn_event_op(const SimTraceEvent *e)
{
    return scn_event_payload(e, scn_event_is_op(e));
}

static inline const ScnCallEvent *scn_event_call(const SimTraceEvent *e)
{
    return scn_event_payload(e, e->kind == SCN_EV_CALL);
}

static inline const ScnWalkDoneEvent *scn_event_walk_done(const SimTraceEvent *e)
{
    return scn_event_payload(e, e->kind == SCN_EV_WALK_DONE);
}

static inline const ScnFailedEvent *scn_event_failed(const SimTraceEvent *e)
{
    return scn_event_payload(e, e->kind == SCN_EV_FAILED);
}

/* The line of the script e stands for: an operation's, a failed one's;
 * 0 for a callback or a walk's end (no line of their own). */
static inline unsigned scn_event_line(const SimTraceEvent *e)
{
    return scn_event_is_op(e) ? scn_event_op(e)->line
           : e->comp == SIM_COMP_SCN && e->kind == SCN_EV_FAILED ? scn_event_failed(e)->line : 0;
}

#endif /* REPLBENCH_SCN_EVENT_H */
