/* alloc_fail.h: make the Nth host allocation of the code under test fail,
 * SQLite's fault loop over the allocator, for the checker tests.  The test
 * program is linked with -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc
 * (sim/tests/meson.build): every such call in the program's own objects
 * and in libsim comes here first.  Allocations count only while armed, so
 * the test's own set-up never fails.  Test code only; one per program.
 */
#ifndef REPLBENCH_SIM_TESTS_ALLOC_FAIL_H
#define REPLBENCH_SIM_TESTS_ALLOC_FAIL_H

#include <stdbool.h>
#include <stddef.h>

void *__real_malloc(size_t size);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t size);

static struct {
    bool armed;
    long fail_at;               /* the armed allocation that fails; -1 none */
    long seen;                  /* armed allocations so far */
    bool failed;
} alloc_fault = { false, -1, 0, false };

/* Count allocations from now on, failing the one numbered fail_at (0: the
 * first; -1: none). */
static inline void alloc_arm(long fail_at)
{
    alloc_fault.armed = true;
    alloc_fault.fail_at = fail_at;
    alloc_fault.seen = 0;
    alloc_fault.failed = false;
}

static inline void alloc_pause(void)
{
    alloc_fault.armed = false;
}

static inline void alloc_resume(void)
{
    alloc_fault.armed = true;
}

static inline bool alloc_fails(void)
{
    if (!alloc_fault.armed) {
        return false;
    }
    if (alloc_fault.seen++ == alloc_fault.fail_at) {
        alloc_fault.failed = true;
        return true;
    }
    return false;
}

void *__wrap_malloc(size_t size);
void *__wrap_malloc(size_t size)
{
    return alloc_fails() ? NULL : __real_malloc(size);
}

void *__wrap_calloc(size_t n, size_t size);
void *__wrap_calloc(size_t n, size_t size)
{
    return alloc_fails() ? NULL : __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t size);
void *__wrap_realloc(void *p, size_t size)
{
    return alloc_fails() ? NULL : __real_realloc(p, size);
}

#endif /* REPLBENCH_SIM_TESTS_ALLOC_FAIL_H */
