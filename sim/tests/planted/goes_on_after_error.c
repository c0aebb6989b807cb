/* goes_on_after_error.c: a PLANTED BUG for the contract
 * checker's tests (planted.sh); never link it into anything else.
 * A walk goes on after a callback fails: later states are called too.
 * Breaks rule 3 in every walk.
 * expect-fail: 3/start 3/stop 3/checkpoint 3/get_error
 * expect-run: scenarios/suites/registry/first_error_stops_every_walk.scn after a callback had failed
 */
#define PLANTED_GOES_ON_AFTER_ERROR 1
#include "planted.inc"
