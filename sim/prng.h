/* prng.h: the simulator's only source of randomness.  One root seed per run;
 * each component derives its own independent stream from it by name, so
 * adding a component or a draw in one never shifts the draws of another.
 * Pure computation: no global state, no clock.
 */
#ifndef REPLBENCH_SIM_PRNG_H
#define REPLBENCH_SIM_PRNG_H

#include <stdbool.h>
#include <stdint.h>

/* xoshiro256** state; copyable, 32 bytes. */
typedef struct SimPrng {
    uint64_t s[4];
} SimPrng;

/* The stream named `name` (e.g. "disk/sec0") of root seed `seed`.  The same
 * (seed, name) always gives the same stream; different names give unrelated
 * streams.  name may be NULL (the root stream). */
void sim_prng_init(SimPrng *p, uint64_t seed, const char *name);

/* The next 64 random bits. */
uint64_t sim_prng_u64(SimPrng *p);

/* Uniform in [0, bound); bound 0 gives 0.  Unbiased. */
uint64_t sim_prng_below(SimPrng *p, uint64_t bound);

/* True with probability per_million / 1,000,000 (>= 1,000,000: always). */
bool sim_prng_chance(SimPrng *p, uint32_t per_million);

/* XXH3-64 of a string or of bytes, seeded with h (the hash so far, to
 * chain pieces; SIM_HASH_INIT to start): stable names to numbers (stream
 * ids, hashes). */
uint64_t sim_hash_str(uint64_t h, const char *s);
uint64_t sim_hash_bytes(uint64_t h, const void *data, uint64_t len);
#define SIM_HASH_INIT 0ULL              /* XXH3's default seed */

#endif /* REPLBENCH_SIM_PRNG_H */
