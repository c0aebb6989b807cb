/* harness.h: what the three libFuzzer harnesses share: decoding bytes
 * into a script (or parsing a text), running it in the process's one
 * session, and deciding what is a finding (the harness then aborts, so the
 * fuzzer keeps the input).
 */
#ifndef REPLBENCH_FUZZ_HARNESS_H
#define REPLBENCH_FUZZ_HARNESS_H

#include <stddef.h>
#include <stdint.h>

#include "scn.h"

/* What the harness holds against a run. */
typedef enum FuzzStrict {
    FUZZ_EVERY_CHECKER,         /* decoded inputs: the scenario must pass, as
                                   under `replbench run` (every checker holds) */
    FUZZ_CONTRACT_ONLY,         /* arbitrary scripts: registry contract and
                                   resources (data and output violations can
                                   be what a script asked for) */
} FuzzStrict;

/* Decode `data` for harness h straight into a script, run it; abort on a
 * finding (printing the script as text).  0, or -1 when the host failed
 * the run (out of memory: SCN_ERROR, or no memory to decode or to run):
 * no finding and no verdict, what LLVMFuzzerTestOneInput returns so that
 * libFuzzer does not keep the input; said on stderr. */
int fuzz_decoded(ScnHarness h, const uint8_t *data, size_t size);

/* Parse `text` as a scenario, run it if it parses; abort on a finding.
 * 0, or -1 as fuzz_decoded. */
int fuzz_text(const char *text, size_t len, const ScnOptions *opt, FuzzStrict strict);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The trace hash of the last run (0 when the input did not run), for the
 * replay driver's --hashes: fuzz2scn's round trip is checked with it. */
extern uint64_t fuzz_last_hash;

#endif /* REPLBENCH_FUZZ_HARNESS_H */
