/* clock.c: virtual time and a binary min-heap of events keyed by
 * (tick, sequence) (clock.h).  Owns the events; never looks inside `arg`.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

#include "check.h"
#include "clock.h"
#include "host.h"

typedef struct Event {
    uint64_t tick;
    uint64_t seq;
    SimEventFn *fn;
    void *arg;
    uint64_t data;
} Event;

struct SimClock {
    uint64_t now;
    uint64_t next_seq;
    Event *heap;
    size_t len;
    size_t cap;
    size_t max;
};

SimClock *sim_clock_new(size_t max_events)
{
    SimClock *c = sim_host_calloc(1, sizeof(*c), "clock");

    if (c != NULL) {
        c->max = max_events ? max_events : 1000000;
    }
    return c;
}

void sim_clock_free(SimClock *clock)
{
    if (clock != NULL) {
        free(clock->heap);
        free(clock);
    }
}

void sim_clock_reset(SimClock *clock)
{
    clock->now = 0;
    clock->next_seq = 0;
    clock->len = 0;
}

uint64_t sim_clock_now(const SimClock *clock)
{
    return clock->now;
}

const uint64_t *sim_clock_now_ptr(const SimClock *clock)
{
    return &clock->now;
}

size_t sim_clock_pending(const SimClock *clock)
{
    return clock->len;
}

static bool before(const Event *a, const Event *b)
{
    return a->tick != b->tick ? a->tick < b->tick : a->seq < b->seq;
}

static void sift_up(Event *h, size_t i)
{
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        Event tmp;

        if (!before(&h[i], &h[parent])) {
            break;
        }
        tmp = h[i];
        h[i] = h[parent];
        h[parent] = tmp;
        i = parent;
    }
}

static void sift_down(Event *h, size_t len, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        Event tmp;

        if (l < len && before(&h[l], &h[m])) {
            m = l;
        }
        if (r < len && before(&h[r], &h[m])) {
            m = r;
        }
        if (m == i) {
            return;
        }
        tmp = h[i];
        h[i] = h[m];
        h[m] = tmp;
        i = m;
    }
}

/* The heap order, whole: no event is before its parent.  O(n), so only
 * where the caller already paid O(n) (cancel). */
static void check_heap(const Event *h, size_t len)
{
    for (size_t i = 1; i < len; i++) {
        SIM_CHECK(!before(&h[i], &h[(i - 1) / 2]));
    }
}

int sim_clock_schedule(SimClock *clock, uint64_t delay_ticks, SimEventFn *fn,
                       void *arg, uint64_t data)
{
    SIM_CHECK(fn != NULL);
    SIM_CHECK_OP(delay_ticks, <=, UINT64_MAX - clock->now);
    if (clock->len >= clock->max) {
        return -ENOSPC;
    }
    if (clock->len == clock->cap) {
        size_t cap = clock->cap ? clock->cap * 2 : 64;
        Event *heap;

        if (cap > clock->max) {
            cap = clock->max;
        }
        heap = sim_host_realloc(clock->heap, cap * sizeof(*heap), "clock: event queue");
        if (heap == NULL) {
            return -ENOMEM;
        }
        clock->heap = heap;
        clock->cap = cap;
    }
    SIM_CHECK_OP(clock->len, <, clock->cap);
    clock->heap[clock->len] = (Event){
        .tick = clock->now + delay_ticks, .seq = clock->next_seq++,
        .fn = fn, .arg = arg, .data = data,
    };
    sift_up(clock->heap, clock->len);
    clock->len++;
    return 0;
}

size_t sim_clock_cancel(SimClock *clock, const void *arg)
{
    size_t kept = 0, removed;

    for (size_t i = 0; i < clock->len; i++) {
        if (clock->heap[i].arg != arg) {
            clock->heap[kept++] = clock->heap[i];
        }
    }
    removed = clock->len - kept;
    clock->len = kept;
    /* Rebuild the heap: removal anywhere breaks the order property. */
    for (size_t i = kept / 2; i-- > 0;) {
        sift_down(clock->heap, kept, i);
    }
    check_heap(clock->heap, kept);
    return removed;
}

int sim_clock_step(SimClock *clock)
{
    Event ev;

    if (clock->len == 0) {
        return 0;
    }
    ev = clock->heap[0];
    clock->heap[0] = clock->heap[--clock->len];
    sift_down(clock->heap, clock->len, 0);
    /* Time never runs back: events are scheduled at now or later, and now
     * only moves up to the earliest event.  What is left comes after ev. */
    SIM_CHECK_OP(ev.tick, >=, clock->now);
    SIM_CHECK(clock->len == 0 || !before(&clock->heap[0], &ev));
    clock->now = ev.tick;
    ev.fn(clock, ev.arg, ev.data);
    return 1;
}

uint64_t sim_clock_run_until(SimClock *clock, uint64_t tick, uint64_t max_events)
{
    uint64_t ran = 0;

    while (clock->len > 0 && clock->heap[0].tick <= tick) {
        if (max_events != 0 && ran == max_events) {
            return ran;
        }
        sim_clock_step(clock);
        ran++;
    }
    if (tick > clock->now) {
        clock->now = tick;
    }
    return ran;
}
