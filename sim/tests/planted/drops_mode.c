/* drops_mode.c: a PLANTED BUG for the contract
 * checker's tests (planted.sh); never link it into anything else.
 * start_all hands every callback REPLICATION_MODE_PRIMARY, whatever mode
 * it was given.  Breaks rule 3 (what a callback receives) in the start walk.
 * expect-fail: 3/start
 * expect-run: scenarios/suites/registry/mode_and_failover_reach_every_callback.scn got mode 0, the walk was given 1
 */
#define PLANTED_DROPS_MODE 1
#include "planted.inc"
