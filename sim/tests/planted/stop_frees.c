/* stop_frees.c: a PLANTED BUG for the contract
 * checker's tests (planted.sh); never link it into anything else.
 * stop_all removes every state it stops (as a 2016 COLO fork did).  Breaks
 * rule 4 in the stop walk, and only there: the states are gone behind the
 * caller's back (seen at the next callback, or when the walk returns).
 * expect-fail: 4/stop
 * expect-run: scenarios/suites/registry/newest_first_in_every_walk.scn the stop walk removed states by itself
 */
#define PLANTED_STOP_FREES 1
#include "planted.inc"
