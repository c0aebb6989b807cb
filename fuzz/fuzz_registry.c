/* fuzz_registry.c: libFuzzer harness: bytes decoded (scn_decode_script) into
 * registrations, removals, scripted callbacks (fail, remove any state,
 * register, nested walks) and walks on up to three registries, run by the
 * scenario interpreter with the contract checker predicting every call.
 */
#include "harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return size <= 4096 ? fuzz_decoded(SCN_HARNESS_REGISTRY, data, size) : 0;
}
