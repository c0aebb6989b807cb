/* removed_self_linked.c: a PLANTED BUG for the contract
 * checker's tests (planted.sh); never link it into anything else.
 * A state removed during a walk is unlinked but left pointing at itself and
 * still callable: a walk that steps onto it calls it forever.  Breaks
 * rule 5 (a state removed before its turn is not called), and the walk
 * never ends.
 * expect-fail: 5/start 5/stop 5/checkpoint 5/get_error
 * expect-run: scenarios/suites/removal/remove_next_during_stop.scn removed during a walk
 */
#define PLANTED_REMOVED_SELF_LINKED 1
#include "planted.inc"
