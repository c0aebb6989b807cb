/* overwrites_errp.c: a PLANTED BUG for the contract
 * checker's tests (planted.sh); never link it into anything else.
 * The first error is stored with *errp = local: an earlier error in *errp
 * is lost (leaked), and with errp NULL the error itself leaks.  Breaks
 * rule 3 under errp=set and errp=null.
 * expect-fail: 3/start 3/stop 3/checkpoint 3/get_error
 * expect-run: scenarios/suites/registry/errp_set_keeps_the_earlier_error_in_checkpoint.scn replaced the earlier error
 */
#define PLANTED_OVERWRITES_ERRP 1
#include "planted.inc"
