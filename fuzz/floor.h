/* floor.h: the fuzz benchmark's floor harness (floor.c): bytes run
 * straight on the registry API. */
#ifndef REPLBENCH_FUZZ_FLOOR_H
#define REPLBENCH_FUZZ_FLOOR_H

#include <stddef.h>
#include <stdint.h>

/* Run data as registry calls on a fresh registry; returns the callbacks
 * called so far in this process (so the work cannot be optimised away). */
unsigned long fuzz_floor_one_input(const uint8_t *data, size_t size);

#endif /* REPLBENCH_FUZZ_FLOOR_H */
