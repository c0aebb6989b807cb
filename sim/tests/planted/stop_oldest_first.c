/* stop_oldest_first.c: a PLANTED BUG for the contract
 * checker's tests (planted.sh); never link it into anything else.
 * The stop walk alone runs oldest first.  Breaks rule 1 in the stop walk
 * only: every other cell must pass.
 * expect-fail: 1/stop
 * expect-run: scenarios/suites/registry/newest_first_in_every_walk.scn stop walk called a, model expected c
 */
#define PLANTED_STOP_OLDEST_FIRST 1
#include "planted.inc"
