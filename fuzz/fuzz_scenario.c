/* fuzz_scenario.c: libFuzzer harness: bytes as scenario text through the
 * parser and, when it parses, the interpreter.  Any input must end in
 * success or a clean error; runs are capped so every input is quick.
 */
#include "harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const ScnOptions caps = { .max_ticks = 2000, .max_sectors = 4096 };

    return size <= 16384 ? fuzz_text((const char *)data, size, &caps, FUZZ_CONTRACT_ONLY) : 0;
}
