/* hang_registry.c: our registry, except that a get_error walk never ends:
 * it spins without calling any state (no callback bound can see it), as a
 * registry whose list walk lost its way.  What --timeout must stop, and
 * what a signal must interrupt, in cli/tests/limits.sh.  Test code only. */
#define replication_get_error_all_in ours_get_error_all_in
#include "../../registry/replication.c"
#undef replication_get_error_all_in

void replication_get_error_all_in(ReplicationRegistry *reg, Error **errp);

void replication_get_error_all_in(ReplicationRegistry *reg, Error **errp)
{
    volatile unsigned long spins = 0;

    (void)reg;
    (void)errp;
    for (;;) {
        spins++;
    }
}
