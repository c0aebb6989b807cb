/* correct.c: planted.inc with no bug planted, for the contract checker's
 * tests (planted.sh): every scenario and every cell of `replbench conform`
 * must pass on it, the checker's test against false alarms.
 * expect-fail:
 */
#include "planted.inc"
