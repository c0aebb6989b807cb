/* passes_set_errp.c: a PLANTED BUG for the contract
 * checker's tests (planted.sh); never link it into anything else.
 * As the ERRP_AUTO_PROPAGATE() series of QEMU did (../shared/impls
 * errpauto): only a NULL errp is replaced by a local Error; a caller's errp
 * goes straight to every callback and the walk tests *errp after each.
 * With errp already holding an error, the first callback gets that error
 * instead of a fresh NULL one, and the walk ends after it although nothing
 * failed.  errp=null and a fresh errp behave as the contract says.  Breaks
 * rule 3 under errp=set, in every walk: each walk has its own errp=set
 * scenario (before them, only the checkpoint cell failed; the others
 * passed, their one errp=set check blocked by the checkpoint walk).
 * expect-fail: 3/start 3/stop 3/checkpoint 3/get_error
 * expect-run: scenarios/suites/registry/errp_set_keeps_the_earlier_error_in_start.scn an errp already holding an error
 * expect-run: scenarios/suites/registry/errp_set_keeps_the_earlier_error_in_stop.scn an errp already holding an error
 * expect-run: scenarios/suites/registry/errp_set_keeps_the_earlier_error_in_checkpoint.scn an errp already holding an error
 * expect-run: scenarios/suites/registry/errp_set_keeps_the_earlier_error_in_get_error.scn an errp already holding an error
 */
#define PLANTED_PASSES_SET_ERRP 1
#include "planted.inc"
