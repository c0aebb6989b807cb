/* world.c: the per-test fixture of registry/tests (see world.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>

#include <cmocka.h>

#include "world.h"

const TestWalk world_walks[TW__COUNT] = { TW_START, TW_STOP, TW_CHECKPOINT, TW_GET_ERROR };

int world_setup(void **state)
{
    World *world = calloc(1, sizeof(*world));

    assert_non_null(world);
    world->w = *(const TestWalk *)*state;
    world->reg = replication_registry_new();
    assert_non_null(world->reg);
    probe_log_reset();
    *state = world;
    return 0;
}

int world_teardown(void **state)
{
    World *world = *state;

    replication_registry_free(world->reg);
    free(world);
    return 0;
}
