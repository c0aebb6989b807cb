/* derefs_errp.c: a PLANTED BUG for the contract
 * checker's tests (planted.sh); never link it into anything else.
 * The walk hands its own errp to every callback and tests *errp, with no
 * NULL check and no fresh Error: a NULL errp is dereferenced (a crash), an
 * earlier error in *errp reaches the callbacks and ends the walk.  Breaks
 * rule 3.
 * expect-fail: 3/start 3/stop 3/checkpoint 3/get_error
 * expect-run: scenarios/suites/registry/errp_set_keeps_the_earlier_error_in_checkpoint.scn an errp already holding an error
 */
#define PLANTED_DEREFS_ERRP 1
#include "planted.inc"
