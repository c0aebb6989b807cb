/* host.c: the host allocation door (host.h): the count of allocations, the
 * test hook's countdown, and the record of failures.  Touches nothing but
 * its own few statics and the host's allocator; uses no other file of sim/
 * (every other file may use it).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "host.h"

static SimHostFailure record;
static uint64_t allocs;
static uint64_t countdown;      /* 0: the hook is off */
static bool persistent, failing;

void sim_host_oom(size_t size, const char *where)
{
    if (record.where == NULL) {
        record.where = where != NULL ? where : "?";
        record.bytes = size;
    }
    record.count++;
}

/* The hook's decision for the allocation being counted: true to refuse it. */
static bool hook_refuses(void)
{
    if (failing) {
        return true;            /* persistent, past the nth */
    }
    if (countdown == 0 || --countdown != 0) {
        return false;
    }
    failing = persistent;
    return true;
}

bool sim_host_gate(size_t size, const char *where)
{
    allocs++;
    if (hook_refuses()) {
        sim_host_oom(size, where);
        errno = ENOMEM;
        return false;
    }
    return true;
}

/* After the host's allocator answered: a NULL for a non-zero size is the
 * host refusing (a zero size may give NULL and is no failure). */
static void *answered(void *p, size_t size, const char *where)
{
    if (p == NULL && size != 0) {
        sim_host_oom(size, where);
    }
    return p;
}

void *sim_host_malloc(size_t size, const char *where)
{
    return sim_host_gate(size, where) ? answered(malloc(size), size, where) : NULL;
}

void *sim_host_calloc(size_t n, size_t size, const char *where)
{
    size_t bytes = n != 0 && size > SIZE_MAX / n ? SIZE_MAX : n * size;

    return sim_host_gate(bytes, where) ? answered(calloc(n, size), bytes, where) : NULL;
}

void *sim_host_realloc(void *p, size_t size, const char *where)
{
    return sim_host_gate(size, where) ? answered(realloc(p, size), size, where) : NULL;
}

const SimHostFailure *sim_host_failure(void)
{
    return &record;
}

bool sim_host_failed(void)
{
    return record.where != NULL;
}

void sim_host_clear(void)
{
    record = (SimHostFailure){ 0 };
}

const char *sim_host_describe(const SimHostFailure *f, char *buf, size_t len)
{
    if (f->bytes != 0) {
        snprintf(buf, len, "host out of memory: %s (%zu bytes)", f->where ? f->where : "?",
                 f->bytes);
    } else {
        snprintf(buf, len, "host out of memory: %s", f->where ? f->where : "?");
    }
    return buf;
}

void sim_host_fail_nth(uint64_t n, bool persist)
{
    countdown = n;
    persistent = persist;
    failing = false;
}

uint64_t sim_host_allocs(void)
{
    return allocs;
}
