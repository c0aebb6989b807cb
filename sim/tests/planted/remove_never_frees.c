/* remove_never_frees.c: a PLANTED BUG for the contract
 * checker's tests (planted.sh); never link it into anything else.
 * replication_remove unlinks a state and never frees it.  Breaks rule 5
 * (nothing leaks): a leak in every scenario that removes a state.
 * expect-fail: 5/start 5/stop 5/checkpoint 5/get_error
 * expect-run: scenarios/suites/removal/remove_next_during_stop.scn memory leaked
 */
#define PLANTED_REMOVE_NEVER_FREES 1
#include "planted.inc"
