/* fault.h: the simulator's fault layer on libfiu.  Owns the registered
 * fault points, the fault model (modes, counts) and every decision; libfiu
 * only carries the points compiled into the backends (SIM_FAULT) to our
 * decision function, through fiu_enable_external.  libfiu's own PRNG is
 * never used: probabilistic modes draw from a stream of the run's seed.
 *
 * Points are named hierarchically, "<kind>/<instance>/<what>", from
 * templates.  Each backend owns its templates (disk.h, link.h, cluster.h;
 * world.h the registry's) and builds its concrete names with
 * sim_fault_name; sim_fault_templates gathers them (points.c).  A backend
 * registers its concrete points when it is created, by template and
 * instance (sim_faults_add): a point carries both as data, and no reader
 * takes its name apart.  Only registered names can be armed (an unknown
 * name is an error, never a silent no-op).
 *
 * libfiu's state is process-wide: at most one SimFaults may exist at a time.
 * Built without libfiu (-Dfiu=disabled), SIM_FAULT is 0 and nothing fires;
 * arming still validates names but returns -ENOTSUP.
 */
#ifndef REPLBENCH_SIM_FAULT_H
#define REPLBENCH_SIM_FAULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trace.h"

#ifdef FIU_ENABLE
#include <fiu.h>
/* True when the point `name` (a registered concrete name) fires now. */
#define SIM_FAULT(name) (fiu_fail(name) != 0)
#define SIM_FAULT_AT(ref) sim_fault_hit(ref)
#else
#define SIM_FAULT(name) ((void)(name), 0)
#define SIM_FAULT_AT(ref) ((void)(ref), 0)
#endif

#define SIM_FAULT_NAME_MAX 64
#define SIM_FAULT_MAX_POINTS 4096

/* What the modes decide, per hit of an armed point (hits counted from the
 * moment it was armed; k is SimFaultSpec.k):
 *   ALWAYS  every hit fires          ONCE   the first hit fires
 *   NTH     hit number k fires       AFTER  every hit after the first k fires
 *   EVERY   hits k, 2k, 3k... fire   PROB   each hit fires with probability
 *                                           per_million / 1e6, from the seed
 * persistent: once the point has fired, every later hit fires too, until
 * it is cleared (a persistent PROB point stops drawing once it fired).
 * Transient (default): only the hits chosen above fire.  A point's PROB
 * stream runs on across re-arming: it is not reset. */
typedef enum SimFaultMode {
    SIM_FAULT_OFF,
    SIM_FAULT_ALWAYS,
    SIM_FAULT_ONCE,
    SIM_FAULT_NTH,
    SIM_FAULT_AFTER,
    SIM_FAULT_EVERY,
    SIM_FAULT_PROB,
} SimFaultMode;

typedef struct SimFaultSpec {
    SimFaultMode mode;
    uint64_t k;                 /* NTH, AFTER, EVERY; >= 1 for NTH and EVERY */
    uint32_t per_million;       /* PROB, 0..1,000,000 */
    bool persistent;
} SimFaultSpec;

/* One template: a pattern with at most one "<...>" segment standing for
 * the instance ("disk/<disk>/write"), and what a fire there means. */
typedef struct SimFaultTemplate {
    const char *pattern;
    const char *description;
} SimFaultTemplate;

/* Every template, owner by owner, in the order `replbench faults` and the
 * ledger print them; ends with NULL (points.c). */
extern const SimFaultTemplate *const sim_fault_templates[];

/* The concrete name of template t for `instance`: the pattern with its
 * "<...>" segment replaced by instance (a pattern without one is the name
 * itself; instance is then unused and may be NULL).  Returns 0, or
 * -ENAMETOOLONG when the name needs more than len bytes (buf then holds
 * ""), -EINVAL for a NULL instance where one is needed. */
int sim_fault_name(char *buf, size_t len, const SimFaultTemplate *t,
                   const char *instance);

/* The template the concrete name fits (see sim_faults_register), or NULL:
 * how a name typed outside a scenario is checked (points.c). */
const SimFaultTemplate *sim_fault_template_of(const char *name);

/* Can the len bytes at s be a point's instance ("<...>": one segment of
 * letters, digits, '_', '-', '.')?  Instance names become trace fields and
 * scenario words. */
bool sim_fault_instance_ok(const char *s, size_t len);

/* The fault layer's one trace event ("- fault fire <point> hit=N",
 * trace.h): fields point (the point's name) and hit (its armed hit); its
 * payload (SimTraceEvent.data) is the SimFaultPoint that fired. */
typedef enum SimFaultEvent {
    SIM_FAULT_EV_FIRE
} SimFaultEvent;

/* A registered point and its counters (read-only for callers). */
typedef struct SimFaultPoint {
    char name[SIM_FAULT_NAME_MAX];
    const SimFaultTemplate *template_;
    char instance[SIM_FAULT_NAME_MAX];  /* the name's "<...>" segment: its owner
                                           (a disk, link or node); "" for none */
    SimFaultSpec spec;          /* mode OFF when not armed */
    uint64_t hits;              /* every time the code passed the point */
    uint64_t fires;             /* hits that failed */
    uint64_t armed_hits;        /* hits since last armed */
    bool fired_since_armed;     /* for persistent specs */
    uint64_t last_fire_tick;    /* tick of the latest fire (valid when fires > 0) */
    bool permanent;             /* declared permanent while armed: a liveness
                                   phase (liveness.h) leaves it armed */
} SimFaultPoint;

typedef struct SimFaults SimFaults;

/* The point a fire event (SIM_FAULT_EV_FIRE) is of; a check failure
 * (SIM_CHECK) for any other event. */
const SimFaultPoint *sim_fault_fired(const SimTraceEvent *e);

/* The fault layer of one run; probabilistic decisions use the stream
 * "fault/<point name>" of `seed`.  trace may be NULL; every fire is traced
 * ("<tick> - fault fire <name> hit=<n>") using *now_ticks when given.
 * NULL when out of memory or when another SimFaults exists. */
SimFaults *sim_faults_new(uint64_t seed, SimTrace *trace, const uint64_t *now_ticks);

/* Disarm and forget every point (libfiu included).  NULL is a no-op. */
void sim_faults_free(SimFaults *f);

/* The same layer as new with another seed: no point registered.  The
 * points it had are kept aside, still known to libfiu but never counting
 * or failing, so that registering one of those names again allocates
 * nothing (a session registers the same points run after run); at most
 * 128 are kept, the others forgotten. */
void sim_faults_reset(SimFaults *f, uint64_t seed);

/* Register the concrete point `name`; it must match a template (each
 * "<...>" is one non-empty segment of letters, digits, '_', '-', '.').  Returns 0, -EINVAL
 * for a name matching no template (or too long), -EEXIST when registered
 * already, -ENOSPC past SIM_FAULT_MAX_POINTS, -ENOMEM when out of memory
 * (or when libfiu refuses the point). */
int sim_faults_register(SimFaults *f, const char *name);

/* The same for the point of template t and instance (NULL for a template
 * without "<...>"), as its owner registers it: the point keeps both as
 * data.  -EINVAL for an instance that is missing, not wanted, not one
 * plain segment, or makes the name too long. */
int sim_faults_add(SimFaults *f, const SimFaultTemplate *t, const char *instance);

/* Arm every registered point that `pattern` names: an exact name, or a
 * prefix followed by a slash and a star for a subtree (disk/STAR, where STAR
 * is '*', arms every disk point; disk/sec0/STAR those of disk sec0), or "*".
 * Re-arming resets the point's armed_hits and persistent state.  Returns the
 * number of points armed (>= 1), or -ENOENT when no registered point
 * matches, -EINVAL for a bad spec (k = 0 for NTH/EVERY, per_million > 1e6,
 * mode OFF), -ENOTSUP without libfiu.  On error, `err` (if not NULL) gets a
 * one-line message such as "unknown fault point 'disk/sec9/write'". */
int sim_faults_arm(SimFaults *f, const char *pattern, const SimFaultSpec *spec,
                   char *err, size_t errlen);

/* Disarm the points `pattern` names (same syntax).  Counters stay.
 * Returns the number that were armed (0 if none was), or -ENOENT. */
int sim_faults_clear(SimFaults *f, const char *pattern);

/* Declare the armed points `pattern` names (as sim_faults_arm) permanent:
 * a liveness phase leaves them armed.  Arming or clearing a point again
 * forgets it.  Returns how many were declared (armed points only), or
 * -ENOENT when no registered point matches. */
int sim_faults_set_permanent(SimFaults *f, const char *pattern);

/* Disarm every armed point not declared permanent: what a liveness phase
 * does when faults stop (liveness.h).  Counters stay.  Returns how many it
 * disarmed. */
size_t sim_faults_clear_transient(SimFaults *f);

/* Registered points, in registration order, for ledgers and sweeps;
 * sim_faults_at() is NULL past the end. */
size_t sim_faults_count(const SimFaults *f);
const SimFaultPoint *sim_faults_at(const SimFaults *f, size_t i);
const SimFaultPoint *sim_faults_find(const SimFaults *f, const char *name);

/* Fires of every point so far, in every fault layer this process made:
 * a call during which it did not change had no point fire inside it
 * (world.h tells the registry's simulated allocation failures from the
 * host's with it).  0 without libfiu. */
uint64_t sim_faults_fired(void);

/* A registered point as its owner keeps it, so that a hit skips libfiu's
 * lookup by name and its lock: SIM_FAULT_AT(&ref) is SIM_FAULT(name), the
 * same decision, counters and trace, for the simulator's own points.  A
 * reference taken before the layer was reset or freed (or of no point)
 * never fires and counts nothing, as libfiu treats a name whose point is
 * kept aside or gone. */
typedef struct SimFaultRef {
    void *point;                /* fault.c's own; NULL: no point */
    uint64_t generation;        /* of the layer the reference was taken in */
} SimFaultRef;

/* The reference of the registered point `name`: 0, or -ENOENT (then *ref
 * is one that never fires). */
int sim_faults_ref(SimFaults *f, const char *name, SimFaultRef *ref);

/* One hit of the point (SIM_FAULT_AT): true when it fails. */
bool sim_fault_hit(const SimFaultRef *ref);

/* Number of points currently armed (teardown checks it is 0). */
size_t sim_faults_armed(const SimFaults *f);

#endif /* REPLBENCH_SIM_FAULT_H */
