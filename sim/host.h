/* host.h: the one door between the simulator (and the interpreter that
 * drives it) and the host's memory.  Owns the record of host allocation
 * failures and the test hook that provokes them; knows no backend.
 *
 * A host allocation that fails is not a simulated event: nothing a scenario
 * said made it happen, a memory limit did, and another machine would not
 * see it.  So it must never become a simulated disk error, a dropped
 * packet or a broken replication that a verdict then rests on.  Every
 * allocation of sim/ and scenarios/interp.c goes through sim_host_*; a
 * failure is recorded here, typed (where, how many bytes), and the
 * interpreter ends the run as an infrastructure error (scn.h SCN_ERROR,
 * exit status 2, "host out of memory"), whatever the layers above made of
 * the NULL in the meantime.  Callers still handle the NULL cleanly (no
 * crash, no leak); what they make of it no longer decides anything.
 *
 * The registry under test allocates with its own malloc, and answers
 * "out of memory" the same way whether the host refused or its
 * registry/alloc fault point fired: host_registry.h tells them apart.
 *
 * The record is process-wide, like libfiu's state: one run at a time per
 * process.  The interpreter clears it when a run begins.
 */
#ifndef REPLBENCH_SIM_HOST_H
#define REPLBENCH_SIM_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* malloc, calloc and realloc of the host, or NULL (recorded, with `where`:
 * a string constant naming the allocation, "store: hash table") when the
 * host refuses or the test hook fails this one.  realloc: on failure p is
 * untouched, as realloc's.  A zero size still counts as one allocation. */
void *sim_host_malloc(size_t size, const char *where);
void *sim_host_calloc(size_t n, size_t size, const char *where);
void *sim_host_realloc(void *p, size_t size, const char *where);

/* For allocators that are not ours (libxxhash, libfiu): sim_host_gate
 * before the call counts it as one allocation and is false when the test
 * hook fails it (then recorded: do not call); sim_host_oom records a
 * failure the foreign allocator reported. */
bool sim_host_gate(size_t size, const char *where);
void sim_host_oom(size_t size, const char *where);

/* The first host failure since the record was cleared. */
typedef struct SimHostFailure {
    const char *where;          /* NULL: none */
    size_t bytes;               /* what that allocation asked for */
    uint64_t count;             /* failures since cleared, that one included */
} SimHostFailure;

/* The record (never NULL); where is NULL when nothing failed. */
const SimHostFailure *sim_host_failure(void);

/* True when a host allocation failed since the record was cleared. */
bool sim_host_failed(void);

/* Forget the failures (a run begins).  The test hook stays as it is. */
void sim_host_clear(void);

/* "host out of memory: WHERE (N bytes)" into buf, for the run's message. */
const char *sim_host_describe(const SimHostFailure *f, char *buf, size_t len);

/* ---- The test hook (SQLite's test_malloc countdown) ----------------------
 * Fail the nth allocation through this door from now on (1: the next one),
 * as if the host had refused it: transient (that one only) or persistent
 * (that one and every later one, as a real limit does).  0 disarms.
 * Allocations are counted whether or not the hook is armed. */
void sim_host_fail_nth(uint64_t n, bool persistent);

/* Allocations through this door since the process began: a test runs a
 * scenario once and walks 1..(after - before). */
uint64_t sim_host_allocs(void);

#endif /* REPLBENCH_SIM_HOST_H */
