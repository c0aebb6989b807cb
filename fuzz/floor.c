/* floor.c: the floor harness of the fuzz benchmark: the same bytes run
 * straight on the registry API (no decoder, interpreter, simulator or
 * checker), so each harness's exec/s can be printed as a fraction of what
 * the registry alone costs.  Owns only its byte-to-call mapping; it judges
 * nothing (a harness finds bugs, the floor only sets the pace).
 */
#include <stdint.h>

#include "floor.h"
#include "replication.h"

#define FLOOR_STATES 64         /* live states at most, as the decoder's limit */

static unsigned long floor_calls;

static void floor_checkpoint(ReplicationState *rs, Error **errp)
{
    (void)rs;
    (void)errp;
    floor_calls++;
}

static void floor_get_error(ReplicationState *rs, Error **errp)
{
    (void)rs;
    (void)errp;
    floor_calls++;
}

static ReplicationOps floor_ops = {
    .checkpoint = floor_checkpoint,
    .get_error = floor_get_error,
};

/* Each byte is one call: register, remove the state the byte names, or a
 * checkpoint or get_error walk (both without errors). */
static void floor_ops_from(ReplicationRegistry *reg, const uint8_t *data, size_t size)
{
    ReplicationState *live[FLOOR_STATES];
    size_t n = 0;
    Error *err = NULL;

    for (size_t i = 0; i < size; i++) {
        unsigned arg = data[i] >> 2;

        switch (data[i] & 3) {
        case 0:
            if (n < FLOOR_STATES && (live[n] = replication_new_in(reg, NULL, &floor_ops))) {
                n++;
            }
            break;
        case 1:
            if (n > 0) {
                arg %= n;
                replication_remove(live[arg]);
                live[arg] = live[--n];
            }
            break;
        case 2:
            replication_do_checkpoint_all_in(reg, &err);
            break;
        default:
            replication_get_error_all_in(reg, &err);
            break;
        }
        if (err != NULL) {
            error_free(err);
            err = NULL;
        }
    }
}

unsigned long fuzz_floor_one_input(const uint8_t *data, size_t size)
{
    ReplicationRegistry *reg = replication_registry_new();

    if (reg != NULL) {
        floor_ops_from(reg, data, size);
        replication_registry_free(reg);
    }
    return floor_calls;
}
