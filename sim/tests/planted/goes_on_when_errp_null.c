/* goes_on_when_errp_null.c: a PLANTED BUG for the contract
 * checker's tests (planted.sh); never link it into anything else.
 * A walk given errp NULL does not end at the first error (it frees it
 * and goes on).  Breaks rule 3, seen only when the caller passes NULL.
 * expect-fail: 3/start 3/stop 3/checkpoint 3/get_error
 * expect-run: scenarios/suites/registry/errp_null_frees_the_error_in_every_walk.scn after a callback had failed
 */
#define PLANTED_GOES_ON_WHEN_ERRP_NULL 1
#include "planted.inc"
