/* drops_failover.c: a PLANTED BUG for the contract
 * checker's tests (planted.sh); never link it into anything else.
 * stop_all hands every callback failover=false, whatever it was given.
 * Breaks rule 3 (what a callback receives) in the stop walk.
 * expect-fail: 3/stop
 * expect-run: scenarios/suites/registry/mode_and_failover_reach_every_callback.scn got failover=false, the walk was given true
 */
#define PLANTED_DROPS_FAILOVER 1
#include "planted.inc"
