/* prng.c: seeded streams (prng.h): splitmix64 to expand a seed, xoshiro256**
 * to draw, XXH3-64 (libxxhash) to turn a stream's name into a number.  Both
 * generators are public-domain algorithms (Vigna), written here from their
 * published definitions.
 */
#include <stddef.h>
#include <string.h>
#include <xxhash.h>

#include "prng.h"

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

uint64_t sim_hash_bytes(uint64_t h, const void *data, uint64_t len)
{
    return XXH3_64bits_withSeed(data, (size_t)len, h);
}

uint64_t sim_hash_str(uint64_t h, const char *s)
{
    return XXH3_64bits_withSeed(s, strlen(s), h);
}

void sim_prng_init(SimPrng *p, uint64_t seed, const char *name)
{
    uint64_t x = seed ^ (name != NULL ? sim_hash_str(SIM_HASH_INIT, name) : 0);

    for (int i = 0; i < 4; i++) {
        p->s[i] = splitmix64(&x);
    }
}

uint64_t sim_prng_u64(SimPrng *p)
{
    uint64_t *s = p->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;

    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

uint64_t sim_prng_below(SimPrng *p, uint64_t bound)
{
    uint64_t limit;
    uint64_t r;

    if (bound == 0) {
        return 0;
    }
    /* Reject the top partial block so every residue is equally likely. */
    limit = UINT64_MAX - (UINT64_MAX % bound);
    do {
        r = sim_prng_u64(p);
    } while (r >= limit);
    return r % bound;
}

bool sim_prng_chance(SimPrng *p, uint32_t per_million)
{
    if (per_million >= 1000000u) {
        return true;
    }
    return sim_prng_below(p, 1000000u) < per_million;
}
