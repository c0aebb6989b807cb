/* fault.c: the fault layer (fault.h): concrete names from the backends'
 * templates, the registered points with their counters and PRNG streams,
 * and the one decision libfiu calls back for every hit.  The templates
 * themselves belong to the backends (points.c gathers them).  Owns libfiu's
 * point table while a SimFaults lives; never touches a backend's state, only
 * answers "does this hit fail".
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef FIU_ENABLE
#include <fiu-control.h>
#endif

#include "check.h"
#include "fault.h"
#include "host.h"
#include "prng.h"

#define PER_MILLION 1000000u
#define SPARE_MAX 128           /* points a reset keeps for reuse */
#define BUCKETS 1024            /* of the name index; a power of two */

/* Which armed hits fire, as data (every mode reduces to it when armed):
 * hit n, counted from arming, is chosen when n > skip, n - skip is a
 * multiple of period and is within the first `limit` such hits (0: no
 * limit); a chosen hit then fires with probability per_million / 1e6. */
typedef struct Rule {
    uint64_t skip;
    uint64_t period;
    uint64_t limit;
    uint32_t per_million;
} Rule;

typedef struct Point Point;
struct Point {
    SimFaultPoint pub;          /* first: libfiu hands &pub back as failinfo */
    Rule rule;
    SimPrng prng;               /* "fault/<name>" of the seed, from registration */
    bool spare;                 /* kept after a reset: hits pass, uncounted */
    Point *next_named;          /* in its bucket of the name index: kept
                                   while the point exists, spare or not */
};

struct SimFaults {
    uint64_t seed;
    SimTrace *trace;
    const uint64_t *now_ticks;
    size_t count, cap;
    Point **points;             /* grown on demand: most runs have few */
    size_t nspare;
    Point *spares[SPARE_MAX];   /* a reset's points, for reuse */
    /* Every point, registered or spare, by name: a cluster registers
     * dozens per run, and a linear search by name was most of the cost
     * of creating one (issue 22). */
    Point *named[BUCKETS];
};

/* libfiu's table is process-wide, so is the SimFaults that fills it. */
static SimFaults *live;
static uint64_t fired_total;    /* every fire of every point, every layer */
static uint64_t generation;     /* bumped by new, reset and free: refs go stale */


/* The decision: one hit of the point, counted; true when it fails.  Without
 * libfiu no hit reaches it, but it stays compiled so both builds check it.
 * libfiu's callback and sim_fault_hit both come here. */
static bool decide(Point *pt, SimFaults *f)
{
    SimFaultPoint *p = &pt->pub;
    const Rule *r = &pt->rule;
    uint64_t n;
    bool fire;

    if (pt->spare) {
        return false;           /* not a point of this run */
    }
    p->hits++;
    if (p->spec.mode == SIM_FAULT_OFF) {
        return false;
    }
    n = ++p->armed_hits;
    if (p->spec.persistent && p->fired_since_armed) {
        fire = true;
    } else {
        fire = n > r->skip && (n - r->skip) % r->period == 0
               && (r->limit == 0 || (n - r->skip) / r->period <= r->limit)
               && sim_prng_chance(&pt->prng, r->per_million);
    }
    if (fire) {
        p->fires++;
        fired_total++;
        p->fired_since_armed = true;
        p->last_fire_tick = f->now_ticks ? *f->now_ticks : 0;
        SIM_CHECK(p->fires <= p->hits);
        if (f->trace != NULL) {
            const SimTraceField fields[] = {
                sim_tf_flags(sim_tf_str("point", p->name), SIM_TF_BARE), sim_tf_u64("hit", n),
            };

            sim_trace_emit(f->trace, &(SimTraceEvent){
                .tick = f->now_ticks ? *f->now_ticks : 0, .comp = SIM_COMP_FAULT,
                .kind = SIM_FAULT_EV_FIRE, .name = "fire", .field = fields, .nfields = 2,
                .data = p });
        }
    }
    return fire;
}

#ifdef FIU_ENABLE
static const bool have_fiu = true;

static int on_hit(const char *name, int *failnum, void **failinfo,
                  unsigned int *flags)
{
    (void)name, (void)failnum, (void)flags;
    SIM_CHECK(live != NULL && *failinfo != NULL);
    return decide(*failinfo, live);
}

static bool init_fiu(void)
{
    static bool done;

    if (!done) {
        done = fiu_init(0) == 0;
    }
    return done;
}

/* Enabled at registration even while unarmed, so every hit is counted.
 * libfiu fails only when its own malloc does: the host's doing. */
static int attach(Point *pt)
{
    if (!sim_host_gate(0, "libfiu: a fault point's entry")) {
        return -ENOMEM;
    }
    if (fiu_enable_external(pt->pub.name, 1, &pt->pub, 0, on_hit) != 0) {
        sim_host_oom(0, "libfiu: a fault point's entry");
        return -ENOMEM;
    }
    return 0;
}

static void detach(Point *pt)
{
    int rc = fiu_disable(pt->pub.name);

    SIM_CHECK(rc == 0);
}
#else
static const bool have_fiu = false;

static bool init_fiu(void)
{
    return true;
}

static int attach(Point *pt)
{
    (void)pt;
    return 0;
}

static void detach(Point *pt)
{
    (void)pt;
}
#endif

bool sim_fault_instance_ok(const char *n, size_t len)
{
    if (len == 0) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        /* compared, not strchr'd: a cluster checks every point's
         * instance per run, and strchr is an ASan interceptor (issue 22) */
        if (!isalnum((unsigned char)n[i]) && n[i] != '_' && n[i] != '-' && n[i] != '.') {
            return false;
        }
    }
    return true;
}

const SimFaultPoint *sim_fault_fired(const SimTraceEvent *e)
{
    SIM_CHECK(e->comp == SIM_COMP_FAULT && e->kind == SIM_FAULT_EV_FIRE && e->data != NULL);
    return e->data;
}

/* Assembled by copies, not snprintf: a cluster names dozens of points per
 * run, and formatting was a visible part of fuzz_cluster's time (issue 22). */
int sim_fault_name(char *buf, size_t len, const SimFaultTemplate *t,
                   const char *instance)
{
    const char *open = strchr(t->pattern, '<');
    const char *close = open ? strchr(open, '>') : NULL;
    size_t head = close ? (size_t)(open - t->pattern) : strlen(t->pattern);
    const char *tail = close ? close + 1 : "";
    size_t ni, nt;

    SIM_CHECK(len > 0);
    buf[0] = '\0';
    if (close != NULL && instance == NULL) {
        return -EINVAL;
    }
    if (close == NULL) {
        instance = "";
    }
    ni = strlen(instance);
    nt = strlen(tail);
    if (head + ni + nt >= len) {
        return -ENAMETOOLONG;
    }
    memcpy(buf, t->pattern, head);
    memcpy(buf + head, instance, ni);
    memcpy(buf + head + ni, tail, nt + 1);
    return 0;
}

/* An arm/clear pattern: "*"; a prefix, '/' and '*' (a subtree, the prefix
 * a whole number of segments); or an exact name. */
static bool matches(const char *pattern, const char *name)
{
    size_t len = strlen(pattern);

    if (strcmp(pattern, "*") == 0) {
        return true;
    }
    if (len >= 2 && strcmp(pattern + len - 2, "/*") == 0) {
        return strncmp(name, pattern, len - 1) == 0;
    }
    return strcmp(name, pattern) == 0;
}

static Point **bucket(SimFaults *f, const char *name)
{
    return &f->named[sim_hash_str(SIM_HASH_INIT, name) & (BUCKETS - 1)];
}

/* The point of that name, registered or spare, or NULL. */
static Point *named(const SimFaults *f, const char *name)
{
    Point *pt = f->named[sim_hash_str(SIM_HASH_INIT, name) & (BUCKETS - 1)];

    while (pt != NULL && strcmp(pt->pub.name, name) != 0) {
        pt = pt->next_named;
    }
    return pt;
}

/* The registered point of that name, or NULL. */
static Point *registered(const SimFaults *f, const char *name)
{
    Point *pt = named(f, name);

    return pt != NULL && !pt->spare ? pt : NULL;
}

SimFaults *sim_faults_new(uint64_t seed, SimTrace *trace, const uint64_t *now_ticks)
{
    SimFaults *f;

    if (live != NULL || !init_fiu()) {
        return NULL;
    }
    f = sim_host_calloc(1, sizeof(*f), "fault: the fault layer");
    if (f == NULL) {
        return NULL;
    }
    f->seed = seed;
    f->trace = trace;
    f->now_ticks = now_ticks;
    live = f;
    generation++;
    return f;
}

static void drop(SimFaults *f, Point *pt)
{
    Point **at = bucket(f, pt->pub.name);

    while (*at != pt) {
        at = &(*at)->next_named;
    }
    *at = pt->next_named;
    detach(pt);
    free(pt);
}

void sim_faults_free(SimFaults *f)
{
    if (f == NULL) {
        return;
    }
    SIM_CHECK(f == live);
    for (size_t i = 0; i < f->count; i++) {
        drop(f, f->points[i]);
    }
    for (size_t i = 0; i < f->nspare; i++) {
        drop(f, f->spares[i]);
    }
    live = NULL;
    generation++;
    free(f->points);
    free(f);
}

void sim_faults_reset(SimFaults *f, uint64_t seed)
{
    SIM_CHECK(f == live);
    for (size_t i = 0; i < f->count; i++) {
        Point *pt = f->points[i];

        if (f->nspare == SPARE_MAX) {
            drop(f, pt);
            continue;
        }
        pt->spare = true;
        f->spares[f->nspare++] = pt;
    }
    f->count = 0;
    f->seed = seed;
    generation++;
}

/* A spare point of that name made new again (still attached and
 * indexed), or NULL. */
static Point *reuse(SimFaults *f, const char *name)
{
    Point *pt = named(f, name);
    Point *next_named;
    size_t i = 0;

    if (pt == NULL) {
        return NULL;
    }
    SIM_CHECK(pt->spare);
    while (f->spares[i] != pt) {
        i++;
        SIM_CHECK_OP(i, <, f->nspare);      /* every spare point is in spares */
    }
    f->spares[i] = f->spares[--f->nspare];
    next_named = pt->next_named;
    memset(pt, 0, sizeof(*pt));
    pt->next_named = next_named;
    return pt;
}

int sim_faults_add(SimFaults *f, const SimFaultTemplate *t, const char *instance)
{
    char stream[sizeof("fault/") + SIM_FAULT_NAME_MAX];
    char name[SIM_FAULT_NAME_MAX];
    bool has_instance = strchr(t->pattern, '<') != NULL;
    Point *pt;
    bool attached;
    size_t name_len;
    int rc;

    SIM_CHECK(f == live);
    if (has_instance != (instance != NULL)
        || (has_instance && !sim_fault_instance_ok(instance, strlen(instance)))
        || sim_fault_name(name, sizeof(name), t, instance) < 0) {
        return -EINVAL;
    }
    if (sim_faults_find(f, name) != NULL) {
        return -EEXIST;
    }
    if (f->count == SIM_FAULT_MAX_POINTS) {
        return -ENOSPC;
    }
    if (f->count == f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 32;
        Point **grown = sim_host_realloc(f->points, cap * sizeof(*grown),
                                         "fault: the table of points");

        if (grown == NULL) {
            return -ENOMEM;
        }
        f->points = grown;
        f->cap = cap;
    }
    pt = reuse(f, name);
    attached = pt != NULL;
    if (pt == NULL &&
        (pt = sim_host_calloc(1, sizeof(*pt), "fault: a fault point")) == NULL) {
        return -ENOMEM;
    }
    name_len = strlen(name);
    memcpy(pt->pub.name, name, name_len + 1);
    pt->pub.template_ = t;
    /* The instance fits: it is part of the name, which fit. */
    memcpy(pt->pub.instance, has_instance ? instance : "", has_instance ? strlen(instance) + 1 : 1);
    pt->pub.spec.mode = SIM_FAULT_OFF;
    memcpy(stream, "fault/", sizeof("fault/") - 1);
    memcpy(stream + sizeof("fault/") - 1, name, name_len + 1);
    sim_prng_init(&pt->prng, f->seed, stream);
    rc = attached ? 0 : attach(pt);
    if (rc < 0) {
        free(pt);
        return rc;
    }
    if (!attached) {
        Point **at = bucket(f, name);

        pt->next_named = *at;
        *at = pt;
    }
    f->points[f->count++] = pt;
    return 0;
}

static const char *const mode_names[] = {
    [SIM_FAULT_OFF] = "off",     [SIM_FAULT_ALWAYS] = "always",
    [SIM_FAULT_ONCE] = "once",   [SIM_FAULT_NTH] = "nth",
    [SIM_FAULT_AFTER] = "after", [SIM_FAULT_EVERY] = "every",
    [SIM_FAULT_PROB] = "prob",
};

static int check_spec(const SimFaultSpec *s, char *err, size_t errlen)
{
    if (s == NULL || s->mode <= SIM_FAULT_OFF || s->mode > SIM_FAULT_PROB) {
        return sim_fail(err, errlen, -EINVAL, "bad fault spec: mode %d is not one of "
                    "always, once, nth, after, every, prob", s ? (int)s->mode : -1);
    }
    if ((s->mode == SIM_FAULT_NTH || s->mode == SIM_FAULT_EVERY) && s->k == 0) {
        return sim_fail(err, errlen, -EINVAL, "bad fault spec: %s needs k >= 1",
                    mode_names[s->mode]);
    }
    if (s->mode == SIM_FAULT_PROB && s->per_million > PER_MILLION) {
        return sim_fail(err, errlen, -EINVAL, "bad fault spec: per_million %u is "
                    "above 1000000", (unsigned)s->per_million);
    }
    return 0;
}

/* The modes as data (see Rule); only PROB leaves chosen hits to chance. */
static Rule rule_of(const SimFaultSpec *s)
{
    const uint32_t sure = PER_MILLION;

    switch (s->mode) {
    case SIM_FAULT_ONCE:  return (Rule){0, 1, 1, sure};
    case SIM_FAULT_NTH:   return (Rule){s->k - 1, 1, 1, sure};
    case SIM_FAULT_AFTER: return (Rule){s->k, 1, 0, sure};
    case SIM_FAULT_EVERY: return (Rule){0, s->k, 0, sure};
    case SIM_FAULT_PROB:  return (Rule){0, 1, 0, s->per_million};
    default:              return (Rule){0, 1, 0, sure};    /* ALWAYS */
    }
}

static size_t count_matching(const SimFaults *f, const char *pattern)
{
    size_t n = 0;

    for (size_t i = 0; i < f->count; i++) {
        n += matches(pattern, f->points[i]->pub.name);
    }
    return n;
}

int sim_faults_arm(SimFaults *f, const char *pattern, const SimFaultSpec *spec,
                   char *err, size_t errlen)
{
    int rc = check_spec(spec, err, errlen);
    int armed = 0;

    SIM_CHECK(f == live && pattern != NULL);
    if (rc < 0) {
        return rc;
    }
    if (count_matching(f, pattern) == 0) {
        return sim_fail(err, errlen, -ENOENT, "unknown fault point '%s'", pattern);
    }
    if (!have_fiu) {
        return sim_fail(err, errlen, -ENOTSUP, "cannot arm '%s': built without "
                    "libfiu (fault points compiled out)", pattern);
    }
    for (size_t i = 0; i < f->count; i++) {
        Point *pt = f->points[i];

        if (matches(pattern, pt->pub.name)) {
            pt->pub.spec = *spec;
            pt->pub.armed_hits = 0;
            pt->pub.fired_since_armed = false;
            pt->pub.permanent = false;
            pt->rule = rule_of(spec);
            armed++;
        }
    }
    SIM_CHECK(armed > 0);
    return armed;
}

int sim_faults_clear(SimFaults *f, const char *pattern)
{
    size_t matched = 0;
    int cleared = 0;

    SIM_CHECK(f == live && pattern != NULL);
    for (size_t i = 0; i < f->count; i++) {
        SimFaultPoint *p = &f->points[i]->pub;

        if (matches(pattern, p->name)) {
            matched++;
            cleared += p->spec.mode != SIM_FAULT_OFF;
            p->spec = (SimFaultSpec){.mode = SIM_FAULT_OFF};
            p->permanent = false;
        }
    }
    return matched > 0 ? cleared : -ENOENT;
}

size_t sim_faults_clear_transient(SimFaults *f)
{
    size_t cleared = 0;

    SIM_CHECK(f == live);
    for (size_t i = 0; i < f->count; i++) {
        SimFaultPoint *p = &f->points[i]->pub;

        if (p->spec.mode != SIM_FAULT_OFF && !p->permanent) {
            p->spec = (SimFaultSpec){.mode = SIM_FAULT_OFF};
            cleared++;
        }
    }
    return cleared;
}

int sim_faults_set_permanent(SimFaults *f, const char *pattern)
{
    size_t matched = 0;
    int declared = 0;

    SIM_CHECK(f == live && pattern != NULL);
    for (size_t i = 0; i < f->count; i++) {
        SimFaultPoint *p = &f->points[i]->pub;

        if (matches(pattern, p->name)) {
            matched++;
            p->permanent = p->spec.mode != SIM_FAULT_OFF;
            declared += p->permanent;
        }
    }
    return matched > 0 ? declared : -ENOENT;
}

size_t sim_faults_count(const SimFaults *f)
{
    return f->count;
}

const SimFaultPoint *sim_faults_at(const SimFaults *f, size_t i)
{
    return i < f->count ? &f->points[i]->pub : NULL;
}

const SimFaultPoint *sim_faults_find(const SimFaults *f, const char *name)
{
    Point *pt = registered(f, name);

    return pt != NULL ? &pt->pub : NULL;
}

int sim_faults_ref(SimFaults *f, const char *name, SimFaultRef *ref)
{
    SIM_CHECK(f == live);
    *ref = (SimFaultRef){ .point = registered(f, name), .generation = generation };
    return ref->point != NULL ? 0 : -ENOENT;
}

bool sim_fault_hit(const SimFaultRef *ref)
{
    if (ref->point == NULL || ref->generation != generation || live == NULL) {
        return false;
    }
    return decide(ref->point, live);
}

uint64_t sim_faults_fired(void)
{
    return fired_total;
}

size_t sim_faults_armed(const SimFaults *f)
{
    size_t n = 0;

    for (size_t i = 0; i < f->count; i++) {
        n += f->points[i]->pub.spec.mode != SIM_FAULT_OFF;
    }
    return n;
}
