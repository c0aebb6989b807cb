/* fuzz_cluster.c: libFuzzer harness: bytes decoded (scn_decode_script) into a COLO
 * pair, its operations and fault decisions (the input picks every point,
 * mode and hit; no hidden randomness), run with every checker on.
 */
#include "harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return size <= 4096 ? fuzz_decoded(SCN_HARNESS_CLUSTER, data, size) : 0;
}
