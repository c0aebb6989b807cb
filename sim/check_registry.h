/* check_registry.h: the registry contract checker.  It watches the states of
 * the registries it is told about and, for every walk, predicts from a small
 * reference model which callbacks run, in which order, with which arguments,
 * and what comes out (the caller's errp, the Errors left); any difference is
 * a violation, typed by the walk it happened in and the rule of
 * docs/CONTRACT.md it breaks.  It owns the list of those rules.
 *
 * How it watches: track() puts a recording trampoline in front of a state's
 * ops (rs->ops is the caller's to change, replication.h), with the same NULL
 * members as the original, so the registry's own skipping is what is
 * checked.  The trampoline stays on a state once it is untracked (removed):
 * a call of a removed state is seen, reported and not forwarded.  Knows
 * only registry/'s public headers; owns no backend.
 */
#ifndef REPLBENCH_SIM_CHECK_REGISTRY_H
#define REPLBENCH_SIM_CHECK_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "replication.h"

/* Limits: states tracked at once (live ones; a removed state's slot is
 * reused at once, open walks included), and walks open at once (nested).
 * A caller whose own limits could exceed them says so at compile time. */
#define SIM_REGCHECK_MAX_STATES 128
#define SIM_REGCHECK_MAX_DEPTH 8
#define SIM_REGCHECK_MSG_MAX 256

typedef enum SimWalk {
    SIM_WALK_START,
    SIM_WALK_STOP,
    SIM_WALK_CHECKPOINT,
    SIM_WALK_GET_ERROR,
} SimWalk;

#define SIM_WALKS 4

const char *sim_walk_name(SimWalk w);

/* ---- The contract's walk rules (docs/CONTRACT.md) -------------------------
 * The one list of them: the scenario parser (rule tags) and conform (its
 * rows) read it.  Rule 0 is no rule: a limit of the checker itself. */
#define SIM_RULES 6

/* Rule n's one-line title (1..SIM_RULES), NULL otherwise. */
const char *sim_rule_title(unsigned rule);

/* One violation: the walk it happened in, the rule it breaks (0: a limit
 * of the checker, no verdict on the registry), and what differed. */
typedef struct SimRegViolation {
    unsigned rule;
    SimWalk walk;
    char message[SIM_REGCHECK_MSG_MAX];
} SimRegViolation;

/* A cell of the rule x walk table: broken cells as bits of a mask. */
#define SIM_CELL(rule, walk) (1u << (((rule) - 1) * SIM_WALKS + (unsigned)(walk)))

typedef struct SimRegCheck SimRegCheck;

SimRegCheck *sim_regcheck_new(void);

/* Restores every tracked state's ops and frees the checker.  NULL: no-op. */
void sim_regcheck_free(SimRegCheck *chk);

/* The same checker as new: every tracked state's ops restored, no state,
 * walk, violation or idle hook left; no allocation. */
void sim_regcheck_reset(SimRegCheck *chk);

/* Watch rs, just registered in reg, under `label` (for messages).  States
 * must be tracked in registration order.  Returns 0, or -ENOSPC when
 * SIM_REGCHECK_MAX_STATES states are tracked already: rs is then not
 * watched, and the caller must not leave it registered (the model would
 * not know it: its calls would pass unseen). */
int sim_regcheck_track(SimRegCheck *chk, ReplicationRegistry *reg,
                       ReplicationState *rs, const char *label);

/* rs is about to be removed (call before replication_remove): the model
 * drops it, and a walk in progress must not call it any more.  Its ops
 * keep the trampoline, which reports a call of it and forwards nothing (its
 * owner may be gone).  Safe inside a callback.  Unknown rs: no-op. */
void sim_regcheck_untrack(SimRegCheck *chk, ReplicationState *rs);

/* rs belongs to something that died inside a walk (a crashed node): the
 * model drops it, as untrack(), and its ops become NULL so that the
 * registry skips it (rule 2) without it being removed: the caller removes
 * it once no walk of its registry runs (see sim_regcheck_on_idle).
 * Unknown rs: only its ops are cleared. */
void sim_regcheck_silence(SimRegCheck *chk, ReplicationState *rs);

/* Forget the removed states: the checker keeps their addresses (to name a
 * call of one), which would make memory a registry leaked look reachable
 * to a leak checker.  After the teardown, before such a check. */
void sim_regcheck_forget_removed(SimRegCheck *chk);

/* Some walk of reg, begun through this checker, is in progress. */
bool sim_regcheck_walking(const SimRegCheck *chk, const ReplicationRegistry *reg);

/* fn(ctx, reg) runs after each outermost walk of a registry returns
 * through sim_regcheck_walk (no walk of reg in progress any more): the
 * moment to remove silenced states.  At most SIM_REGCHECK_MAX_HOOKS; 0 or
 * -ENOSPC. */
#define SIM_REGCHECK_MAX_HOOKS 4
typedef void (*SimRegIdleFn)(void *ctx, ReplicationRegistry *reg);
int sim_regcheck_on_idle(SimRegCheck *chk, SimRegIdleFn fn, void *ctx);

/* Drop every hook registered with ctx (before ctx is freed). */
void sim_regcheck_off_idle(SimRegCheck *chk, void *ctx);

/* Run walk w on reg (replication_*_all_in) under the model, handing the
 * implementation exactly `errp` (NULL, a fresh NULL Error *, or one that
 * holds an earlier error), `mode` (start) and `failover` (stop).  Every
 * callback is checked as it happens: order, member, arguments, a fresh
 * NULL Error * of its own.  When the walk returns: it ended where it had
 * to (the first error, or every state), *errp is the first callback error
 * (or, when it held an earlier one, still that one), and no Error made
 * during the walk is left but the one in *errp.  Then the registry's live
 * count is at least the model's (a walk removes nothing by itself).
 *
 * A walk that makes more callbacks than twice the states it may call (live
 * when it began, or registered during it) plus two does not end: it is
 * abandoned (a jump from the callback back to the outermost walk), reported
 * as "walk did not end after N callbacks", and the registry is lost for the
 * rest of the process (sim_regcheck_registry_lost): whatever the jump left
 * open in the implementation cannot be undone.  Nested walks (from
 * callbacks) are checked the same way when they too go through this. */
void sim_regcheck_walk(SimRegCheck *chk, ReplicationRegistry *reg, SimWalk w,
                       ReplicationMode mode, bool failover, Error **errp);

/* A walk was abandoned in this process: the registry under test may hold
 * walks that never returned (and their locks, counts, cursors).  Nothing
 * may run on it again; sim_regcheck_walk returns at once. */
bool sim_regcheck_registry_lost(void);

/* The same, in two halves, for tests and for callers that drive the
 * registry themselves: begin() before the walk (mode primary, no
 * failover), end() after it with the error it returned (NULL for none), as
 * if errp had been fresh.  A walk begun with SIM_REGCHECK_MAX_DEPTH walks
 * open is a violation (a limit of the checker), not modelled: its calls
 * are not judged, and its end closes nothing else. */
void sim_regcheck_walk_begin(SimRegCheck *chk, ReplicationRegistry *reg, SimWalk w);
void sim_regcheck_walk_end(SimRegCheck *chk, const Error *err);

/* Violations seen so far, and the first one's message ("" when none). */
unsigned sim_regcheck_violations(const SimRegCheck *chk);
const char *sim_regcheck_first(const SimRegCheck *chk);

/* The first violation of each outermost walk (and of each call outside
 * any walk) whose cell (rule, walk) none before it broke, in order: what
 * broke where, its consequences in the same walk left out.  Returns how
 * many (at most SIM_RULES * SIM_WALKS + 1: cells, and the checker's own
 * limits under rule 0). */
#define SIM_REGCHECK_MAX_FILED (SIM_RULES * SIM_WALKS + 1)
size_t sim_regcheck_filed(const SimRegCheck *chk, const SimRegViolation **v);

/* Callbacks seen by the checker, all walks together. */
unsigned long sim_regcheck_calls(const SimRegCheck *chk);

/* Outermost walks begun so far (a walk begun while none is in progress,
 * on any registry): a callback can tell whether it belongs to the same
 * outermost walk as the one before it. */
unsigned long sim_regcheck_outer_walks(const SimRegCheck *chk);

/* Tracked states still live (teardown checks it is 0). */
size_t sim_regcheck_live(const SimRegCheck *chk);

#endif /* REPLBENCH_SIM_CHECK_REGISTRY_H */
