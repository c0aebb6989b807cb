/* clock.h: virtual time and the event queue.  Time is a tick counter that
 * only moves when an event is taken from the queue; events at equal ticks
 * run in the order they were scheduled (tick, then sequence number), so a
 * run is deterministic.  No wall clock anywhere.
 */
#ifndef REPLBENCH_SIM_CLOCK_H
#define REPLBENCH_SIM_CLOCK_H

#include <stddef.h>
#include <stdint.h>

typedef struct SimClock SimClock;

/* An event's action.  `arg` is the owner's object, `data` a value of its
 * choosing (a packet id, a sector). */
typedef void SimEventFn(SimClock *clock, void *arg, uint64_t data);

/* A clock at tick 0 holding at most max_events pending events (0: the
 * default, 1,000,000).  NULL when out of memory. */
SimClock *sim_clock_new(size_t max_events);

/* Drops pending events without running them. NULL is a no-op. */
void sim_clock_free(SimClock *clock);

/* The same clock back at tick 0, no event pending (dropped, not run), its
 * heap's memory kept for the next run. */
void sim_clock_reset(SimClock *clock);

uint64_t sim_clock_now(const SimClock *clock);

/* Where the clock keeps the current tick, for components that read time
 * without holding the clock (the fault layer's trace).  Valid until free. */
const uint64_t *sim_clock_now_ptr(const SimClock *clock);
size_t sim_clock_pending(const SimClock *clock);

/* Run fn(clock, arg, data) at now + delay_ticks.  Returns 0, -ENOSPC past
 * the limit on pending events, -ENOMEM when out of memory.  fn NULL, or a
 * delay past the end of time (now + delay_ticks > UINT64_MAX), aborts. */
int sim_clock_schedule(SimClock *clock, uint64_t delay_ticks, SimEventFn *fn,
                       void *arg, uint64_t data);

/* Remove every pending event whose arg is `arg` (its owner is going away).
 * Returns how many were removed.  O(pending). */
size_t sim_clock_cancel(SimClock *clock, const void *arg);

/* Take the earliest event, advance time to its tick and run it.  Returns 1
 * when an event ran, 0 when the queue is empty. */
int sim_clock_step(SimClock *clock);

/* Run every event due at or before `tick`, then set time to `tick` (time
 * never goes back: a tick in the past only runs what is due now).  Returns
 * the number of events run, stopping early (and not moving time past the
 * last event run) once `max_events` have run; max_events 0 means no limit. */
uint64_t sim_clock_run_until(SimClock *clock, uint64_t tick, uint64_t max_events);

#endif /* REPLBENCH_SIM_CLOCK_H */
