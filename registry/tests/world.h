/* world.h: the per-test fixture of registry/tests: a fresh registry with up
 * to eight probes, and the walk a per-walk test case runs.  Teardown frees
 * the registry (and so every state left in it).
 */
#ifndef REPLBENCH_WORLD_H
#define REPLBENCH_WORLD_H

#include "probe.h"

typedef struct World {
    TestWalk w;
    ReplicationRegistry *reg;
    Probe p[8];
} World;

extern const TestWalk world_walks[TW__COUNT];

int world_setup(void **state);
int world_teardown(void **state);

/* A test case run once per walk kind, named "fn[start]", "fn[stop]", ... */
#define PER_WALK(fn)                                                         \
    { #fn "[start]", fn, world_setup, world_teardown, (void *)&world_walks[TW_START] }, \
    { #fn "[stop]", fn, world_setup, world_teardown, (void *)&world_walks[TW_STOP] }, \
    { #fn "[checkpoint]", fn, world_setup, world_teardown,                   \
      (void *)&world_walks[TW_CHECKPOINT] },                                 \
    { #fn "[get_error]", fn, world_setup, world_teardown,                    \
      (void *)&world_walks[TW_GET_ERROR] }

#define ONCE(fn) { #fn, fn, world_setup, world_teardown, (void *)&world_walks[TW_START] }

#endif /* REPLBENCH_WORLD_H */
