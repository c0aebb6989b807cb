/* walk_loops.c: a PLANTED BUG for the contract
 * checker's tests (planted.sh); never link it into anything else.
 * A walk that has called the oldest state starts over from the newest: it
 * never ends while it has something to call.  Breaks rule 4 (each state
 * once; every walk ends) in every walk: the checker stops the walk at its
 * bound, and the run goes on with the next scenario in a new worker.
 * expect-fail: 4/start 4/stop 4/checkpoint 4/get_error
 * expect-run: scenarios/suites/registry/newest_first_in_every_walk.scn start walk called c twice
 */
#define PLANTED_WALK_LOOPS 1
#include "planted.inc"
