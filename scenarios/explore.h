/* explore.h: the exhaustive registry explorer (`replbench explore`): every
 * registry script within a bounded scope, numbered in smallest-first order,
 * each run under the contract checker in one ScnSession (one world, reset
 * between scripts).  The CLI owns the processes, the clock and the output;
 * this module owns the space: how an index becomes a script, its text, and
 * its run.
 *
 * A script of the space: n states (1..states) in one registry (the default)
 * or two (r1, r2; the first holds k >= n - k of them); 1..walks top-level
 * walks, each of any kind in either registry; and, for each state whose
 * registry is walked, one action from ok, fail, fail_silent, remove (self),
 * remove+fail, register (a new state beside it), nested (a walk of each
 * kind, in its registry) and remove target= (each other state).  A state's
 * action is its rule for every walk kind its registry sees (the walks' and
 * the nested actions').  Walks are `may_fail=true` (what a rule cannot do
 * is traced, not a failure); `limit depth=` bounds the nesting.
 *
 * Symmetry: states that have not acted yet are interchangeable, so only
 * canonical forms are numbered: states are declared registry by registry
 * (any interleaving of declarations across registries is a renaming of
 * one of these), the fuller registry first (swapping the registries is a
 * renaming; when both hold as many, both orders are numbered), and a state
 * in a registry no top-level walk visits takes no action (none of its
 * callbacks can run).
 */
#ifndef REPLBENCH_SCN_EXPLORE_H
#define REPLBENCH_SCN_EXPLORE_H

#include <stddef.h>
#include <stdint.h>

#include "scn.h"

#define SCN_EXPLORE_MAX_STATES 6
#define SCN_EXPLORE_MAX_WALKS 3
#define SCN_EXPLORE_MAX_DEPTH SCN_MAX_DEPTH
#define SCN_EXPLORE_TEXT_MAX 4096       /* the longest script's text */

typedef struct ScnExploreScope {
    unsigned states;            /* 1..SCN_EXPLORE_MAX_STATES, default 4 */
    unsigned walks;             /* 1..SCN_EXPLORE_MAX_WALKS, default 2 */
    unsigned depth;             /* 1..SCN_EXPLORE_MAX_DEPTH, default 2 */
} ScnExploreScope;

typedef struct ScnExplore ScnExplore;

/* The space of scope (its numbering made); NULL when out of memory or the
 * scope is out of its bounds. */
ScnExplore *scn_explore_new(const ScnExploreScope *scope);
void scn_explore_free(ScnExplore *x);

/* How many scripts the space holds. */
uint64_t scn_explore_count(const ScnExplore *x);

/* The .scn text of script `index` (< count), NUL-terminated; its length,
 * or 0 when it does not fit in cap. */
size_t scn_explore_text(const ScnExplore *x, uint64_t index, char *buf, size_t cap);

/* The number of operations (lines) of script `index`. */
unsigned scn_explore_lines(const ScnExplore *x, uint64_t index);

/* Run script `index` in the explorer's session (its text's very operations,
 * built without parsing).  Fills *res; returns its status. */
ScnStatus scn_explore_run(ScnExplore *x, uint64_t index, ScnResult *res);

/* The explorer's session: other scripts run in it while the explorer
 * lives (a process has one world at a time). */
ScnSession *scn_explore_session(ScnExplore *x);

#endif /* REPLBENCH_SCN_EXPLORE_H */
