/* sectors.h: helpers shared by the store and disk tests: a pattern buffer
 * and the byte a sector is filled with.  Test code only.
 */
#ifndef REPLBENCH_SIM_TESTS_SECTORS_H
#define REPLBENCH_SIM_TESTS_SECTORS_H

#include <stdint.h>
#include <string.h>

#include "store.h"

#define SECTORS 256u            /* image size in the store and disk tests */

static uint8_t iobuf[SECTORS * SIM_SECTOR_SIZE];

static inline uint8_t *pattern_buf(int pattern, uint32_t count)
{
    assert_true(count <= SECTORS);
    memset(iobuf, pattern, (size_t)count * SIM_SECTOR_SIZE);
    return iobuf;
}

/* count sectors of pattern whose last byte differs (pattern ^ 0xff): not
 * one byte throughout, so the store gives each sector a block of its own. */
static inline uint8_t *mixed_buf(int pattern, uint32_t count)
{
    pattern_buf(pattern, count);
    for (uint32_t i = 0; i < count; i++) {
        iobuf[(size_t)i * SIM_SECTOR_SIZE + SIM_SECTOR_SIZE - 1] = (uint8_t)(pattern ^ 0xff);
    }
    return iobuf;
}

/* The byte a store's sector is uniformly filled with; -1 when unwritten,
 * -2 when the sector is not uniform. */
static inline int store_byte(const SimStore *s, uint64_t sector)
{
    const uint8_t *p = sim_store_peek(s, sector);

    if (p == NULL) {
        return -1;
    }
    for (unsigned i = 1; i < SIM_SECTOR_SIZE; i++) {
        if (p[i] != p[0]) {
            return -2;
        }
    }
    return p[0];
}


#endif /* REPLBENCH_SIM_TESTS_SECTORS_H */
