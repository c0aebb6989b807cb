/* afl_driver.c: the driver that replaces libFuzzer when the harnesses are
 * built for AFL++ (-Dfuzz_engine=afl, CC=afl-clang-fast): a main that runs
 * LLVMFuzzerTestOneInput on each input AFL++ hands over in shared memory,
 * many inputs per process (persistent mode), so a fork per input is saved.
 * Run by hand, it reads one input from stdin (a crash file: `H < crash`).
 * A finding aborts, which AFL++ records as a crash.
 */
#include <stdint.h>
#include <stddef.h>
#include <unistd.h>             /* read(), in __AFL_FUZZ_TESTCASE_LEN */

#include "harness.h"

/* Inputs one process runs before AFL++ forks a fresh one: bounds what a
 * leak or a state the reset misses could pile up. */
#define AFL_INPUTS_PER_PROCESS 10000

#ifndef __AFL_FUZZ_TESTCASE_LEN
#error "afl_driver.c needs afl-clang-fast (CC=afl-clang-fast with -Dfuzz_engine=afl)"
#endif

/* AFL++'s macros end their own statements and use statement expressions. */
#pragma clang diagnostic ignored "-Wextra-semi"
#pragma clang diagnostic ignored "-Wgnu-statement-expression"

__AFL_FUZZ_INIT()

int main(void)
{
    const unsigned char *buf;

    __AFL_INIT();               /* deferred fork server: after the loader */
    buf = __AFL_FUZZ_TESTCASE_BUF;
    while (__AFL_LOOP(AFL_INPUTS_PER_PROCESS)) {
        size_t len = (size_t)__AFL_FUZZ_TESTCASE_LEN;

        LLVMFuzzerTestOneInput(buf, len);
    }
    return 0;
}
