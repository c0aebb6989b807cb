/* swarm.c: a whole cluster scenario drawn from one seed (swarm.h).  The
 * draws come from three streams of the seed, "swarm/cluster" (the knobs),
 * "swarm/faults" (which points, which modes, when) and "swarm/schedule"
 * (crash, failover, checkpoint requests), so a --set that forces one knob
 * leaves every other draw as it was.  Builds the script with ast.c's
 * builders, prints it and parses the text back: the text is the scenario.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "cluster.h"
#include "prng.h"
#include "scn_ast.h"
#include "swarm.h"

/* A cluster has at most 30 points but its crash points (each link 5, a
 * primary disk 1, a secondary disk 4, four disks a node). */
#define MAX_FAULTS 32
#define MAX_EVENTS (2 * MAX_FAULTS + 20)
/* seed, cluster, start, a run before each event, the event, a last run,
 * liveness. */
#define MAX_OPS (2 * MAX_EVENTS + 5)
#define FRAC_PLACES 6
/* How many points a seed activates: each seed draws one of these shares
 * (swarm testing: some seeds quiet, some stormy). */
static const unsigned fault_per_cent[] = { 5, 15, 30, 50 };
#define MESSAGE_SHOWN 400       /* bytes of a failure message in the header */

typedef struct Fault {
    char point[SIM_FAULT_NAME_MAX];
    int mode;                   /* FM_* */
    uint64_t k;                 /* nth, after, every */
    uint32_t per_million;       /* prob */
    bool persistent;
    uint64_t arm, clear;        /* ticks; clear 0: stays armed */
} Fault;

typedef enum EventKind {
    EV_FAULT, EV_CLEAR, EV_CRASH, EV_FAILOVER, EV_CHECKPOINT, EV_WRITE
} EventKind;

/* A guest write on one VM only: the two guests' writes differ (the
 * workload's writes go to both). */
typedef struct Write {
    unsigned disk;
    uint64_t sector;
    unsigned count;
    unsigned byte;
    int vm;                     /* VM_PRIMARY or VM_SECONDARY */
} Write;

#define MAX_WRITES 12

typedef struct Event {
    uint64_t tick;
    EventKind kind;
    unsigned index;             /* the fault, or the node (SimRole) */
} Event;

typedef struct Draw {
    ScnScript *s;
    SimPrng rng;
    char names[2][SCN_MAX_NAME + 1];
    unsigned disks;
    uint64_t working_set;
    uint64_t ticks;             /* the run's length */
    Write writes[MAX_WRITES];
    unsigned nwrites;
    bool periodic;              /* interval > 0 */
    unsigned fault_share;       /* per cent of points active */
    Fault faults[MAX_FAULTS];
    unsigned nfaults;
    Event events[MAX_EVENTS];
    unsigned nevents;
    unsigned line;              /* the next operation's */
} Draw;

static const char *const mode_words[] = { "always", "once", "nth", "after", "every", "prob" };

/* ---- --set ------------------------------------------------------------------- */

/* The --set values as one `cluster` line, parsed: NULL with err. */
static ScnScript *parse_sets(const ScnSwarmOptions *o, char *err, size_t errlen)
{
    char line[SCN_MAX_LINE + 1] = "cluster";
    size_t len = strlen(line);
    ScnErrors e;
    ScnScript *s;

    if (o->nsets > SCN_SWARM_MAX_SETS) {
        snprintf(err, errlen, "--set: at most %d", SCN_SWARM_MAX_SETS);
        return NULL;
    }
    for (unsigned i = 0; i < o->nsets; i++) {
        if (strchr(o->sets[i], '=') == NULL || strpbrk(o->sets[i], " \t\n#\"") != NULL ||
            len + 1 + strlen(o->sets[i]) + 1 >= sizeof(line)) {
            snprintf(err, errlen, "--set '%s': expected KEY=VALUE, a cluster argument",
                     o->sets[i]);
            return NULL;
        }
        len += (size_t)snprintf(line + len, sizeof(line) - len, " %s", o->sets[i]);
    }
    s = scn_parse(line, strlen(line), "--set", &e);
    if (s == NULL) {
        snprintf(err, errlen, "--set: %s (in: %s)", e.n ? e.e[0].message : "?", line);
    }
    return s;
}

int scn_swarm_check(const ScnSwarmOptions *o, char *err, size_t errlen)
{
    ScnScript *s = parse_sets(o, err, errlen);

    scn_free(s);
    return s != NULL ? 0 : -EINVAL;
}

/* ---- drawing ----------------------------------------------------------------- */

static uint64_t pick(Draw *d, uint64_t lo, uint64_t hi)
{
    return lo + sim_prng_below(&d->rng, hi - lo + 1);
}

/* The value of key on the --set line, or NULL. */
static const ScnValue *forced(const ScnScript *sets, ScnKey key)
{
    return sets != NULL && sets->nops == 1 ? scn_arg(&sets->ops[0], key) : NULL;
}

/* Key's argument on op: the --set value when forced, else the draw. */
static void knob(Draw *d, ScnOp *op, const ScnScript *sets, ScnKey key, int64_t drawn)
{
    const ScnValue *v = forced(sets, key);

    if (v == NULL) {
        scn_arg_int(op, key, drawn);
    } else if (v->text != NULL) {
        scn_arg_text(op, key, scn_keep(d->s, v->text, strlen(v->text)));
    } else if (scn_key_spec(OP_CLUSTER, 0, key)->type == T_FRAC) {
        scn_arg_frac(op, key, v->i, v->places);
    } else {
        scn_arg_int(op, key, v->i);
    }
}

static void frac_knob(Draw *d, ScnOp *op, const ScnScript *sets, ScnKey key,
                      int64_t millionths)
{
    if (forced(sets, key) != NULL) {
        knob(d, op, sets, key, 0);
    } else {
        scn_arg_frac(op, key, millionths, FRAC_PLACES);
    }
}

/* A rate: none in a fifth of the seeds, else up to max millionths. */
static int64_t rate(Draw *d, uint64_t max)
{
    return pick(d, 0, 4) == 0 ? 0 : (int64_t)pick(d, 1, max);
}

static ScnOp *add_op(Draw *d, ScnOpKind kind)
{
    return scn_op_add(d->s, kind, d->line++);
}

/* Every knob is drawn, forced or not, so that forcing one leaves the
 * others' draws alone. */
static void draw_cluster(Draw *d, const ScnScript *sets)
{
    static const uint64_t sizes[] = { 256, 1024, 8192, 65536 };
    static const uint64_t sets_of[] = { 64, 256, 1024, 4096 };
    ScnOp *op = add_op(d, OP_CLUSTER);
    uint64_t w = pick(d, 0, 99), latency, size, ws, e;
    const ScnValue *v;

    knob(d, op, sets, K_DISKS, w < 40 ? 1 : w < 70 ? 2 : w < 85 ? 3 : 4);
    size = sizes[pick(d, 0, 3)];
    ws = sets_of[pick(d, 0, 3)];
    knob(d, op, sets, K_SIZE, (int64_t)size);
    knob(d, op, sets, K_WORKING_SET, (int64_t)(ws < size ? ws : size));
    latency = pick(d, 1, 8);
    knob(d, op, sets, K_LATENCY, (int64_t)latency);
    /* A held or delayed acknowledgement must beat the timeout. */
    knob(d, op, sets, K_TIMEOUT, (int64_t)(20 * latency + pick(d, 10, 110)));
    knob(d, op, sets, K_INTERVAL, pick(d, 0, 3) == 0 ? 0 : (int64_t)pick(d, 10, 400));
    /* From 2 to 1023 ticks, as often under 16 as over 256: a compare
     * timeout shorter than the link's round trip times every packet out. */
    e = pick(d, 1, 9);
    knob(d, op, sets, K_COMPARE_TIMEOUT, (int64_t)((1u << e) + pick(d, 0, (1u << e) - 1)));
    knob(d, op, sets, K_COMMIT_RATE, (int64_t)1 << pick(d, 0, 7));
    frac_knob(d, op, sets, K_WRITES, rate(d, 500000));
    frac_knob(d, op, sets, K_PACKETS, rate(d, 500000));
    frac_knob(d, op, sets, K_DIVERGENCE, rate(d, 50000));
    knob(d, op, sets, K_CONNECTIONS, (int64_t)pick(d, 1, 8));
    if (pick(d, 0, 9) == 0 || forced(sets, K_FAILOVER_ON_CRASH) != NULL) {
        knob(d, op, sets, K_FAILOVER_ON_CRASH, 0);
    }
    d->ticks = pick(d, 300, 3000);
    for (unsigned i = 0; sets != NULL && i < sets->ops[0].nargs; i++) {
        if (scn_arg(op, sets->ops[0].args[i].key) == NULL) {
            knob(d, op, sets, sets->ops[0].args[i].key, 0);
        }
    }
    d->disks = (unsigned)scn_arg(op, K_DISKS)->i;
    d->working_set = (uint64_t)scn_arg(op, K_WORKING_SET)->i;
    if (d->working_set > (uint64_t)scn_arg(op, K_SIZE)->i) {
        d->working_set = (uint64_t)scn_arg(op, K_SIZE)->i;     /* as the cluster clamps it */
    }
    d->periodic = scn_arg(op, K_INTERVAL)->i != 0;
    v = scn_arg(op, K_PRIMARY);
    snprintf(d->names[0], sizeof(d->names[0]), "%s", v ? v->text : SIM_CLUSTER_PRIMARY_NAME);
    v = scn_arg(op, K_SECONDARY);
    snprintf(d->names[1], sizeof(d->names[1]), "%s", v ? v->text : SIM_CLUSTER_SECONDARY_NAME);
}

static void add_event(Draw *d, uint64_t tick, EventKind kind, unsigned index)
{
    SIM_CHECK_OP(d->nevents, <, MAX_EVENTS);
    d->events[d->nevents++] = (Event){ tick, kind, index };
}

/* One active point: its mode, when it is armed and (half the time) when
 * it is cleared again. */
static void draw_fault(Draw *d, const char *name)
{
    Fault *f = &d->faults[d->nfaults];
    uint64_t w = pick(d, 0, 99);

    SIM_CHECK_OP(d->nfaults, <, MAX_FAULTS);
    snprintf(f->point, sizeof(f->point), "%s", name);
    f->mode = w < 5 ? FM_ALWAYS : w < 35 ? FM_ONCE : w < 55 ? FM_NTH : w < 65 ? FM_AFTER
            : w < 80 ? FM_EVERY : FM_PROB;
    f->k = f->mode == FM_EVERY ? pick(d, 2, 30) : pick(d, 1, 20);
    f->per_million = (uint32_t)pick(d, 100, 50000);
    f->persistent = pick(d, 0, 4) == 0;
    f->arm = pick(d, 0, d->ticks * 2 / 3);
    f->clear = pick(d, 0, 1) ? f->arm + pick(d, 1, d->ticks / 3) : 0;
    add_event(d, f->arm, EV_FAULT, d->nfaults);
    if (f->clear != 0) {
        add_event(d, f->clear, EV_CLEAR, d->nfaults);
    }
    d->nfaults++;
}

/* Each point the cluster registers but the crash points (crashes are
 * scheduled): active or not, from the faults stream. */
static void on_point(void *ctx, const char *name)
{
    Draw *d = ctx;

    if (sim_fault_template_of(name) == &sim_cluster_crash_template) {
        return;
    }
    if (pick(d, 0, 99) < d->fault_share) {
        draw_fault(d, name);
    }
}

static int draw_faults(Draw *d, uint64_t seed)
{
    SimClusterConfig k = { .names = { d->names[0], d->names[1] }, .disks = d->disks };

    sim_prng_init(&d->rng, seed, "swarm/faults");
    d->fault_share = fault_per_cent[pick(d, 0, 3)];
    return sim_cluster_points(&k, on_point, d);
}

/* Up to MAX_WRITES writes of one VM only, at any tick. */
static void draw_writes(Draw *d)
{
    for (uint64_t n = pick(d, 0, MAX_WRITES); n > 0; n--) {
        Write *w = &d->writes[d->nwrites];

        w->disk = (unsigned)pick(d, 0, d->disks - 1);
        w->count = (unsigned)pick(d, 1, 8);
        w->sector = pick(d, 0, d->working_set - w->count);
        w->byte = (unsigned)pick(d, 1, 255);
        w->vm = pick(d, 0, 2) == 0 ? VM_SECONDARY : VM_PRIMARY;
        add_event(d, pick(d, 1, d->ticks), EV_WRITE, d->nwrites++);
    }
}

/* A crash in a quarter of the seeds, a failover in 30%, checkpoint
 * requests when nothing is periodic, writes of one VM only. */
static void draw_schedule(Draw *d, uint64_t seed)
{
    uint64_t what;

    sim_prng_init(&d->rng, seed, "swarm/schedule");
    what = pick(d, 0, 19);
    if (what < 5) {
        add_event(d, pick(d, 1, d->ticks), EV_CRASH, (unsigned)pick(d, 0, 1));
    } else if (what < 11) {
        add_event(d, pick(d, 1, d->ticks), EV_FAILOVER,
                  pick(d, 0, 9) < 7 ? SIM_SECONDARY : SIM_PRIMARY);
    }
    for (uint64_t n = d->periodic ? 0 : pick(d, 1, 5); n > 0; n--) {
        add_event(d, pick(d, 1, d->ticks), EV_CHECKPOINT, 0);
    }
    draw_writes(d);
}

/* ---- building ---------------------------------------------------------------- */

static void fault_op(Draw *d, const Fault *f)
{
    ScnOp *op = add_op(d, OP_FAULT);

    scn_arg_text(op, K_POINT, f->point);
    scn_arg_int(op, K_MODE, f->mode);
    if (f->mode == FM_NTH || f->mode == FM_AFTER || f->mode == FM_EVERY) {
        scn_arg_int(op, K_K, (int64_t)f->k);
    }
    if (f->mode == FM_PROB) {
        scn_arg_frac(op, K_P, f->per_million, FRAC_PLACES);
    }
    if (f->persistent) {
        scn_arg_int(op, K_PERSISTENT, 1);
    }
}

static ScnOp *write_op(Draw *d, const Write *w)
{
    ScnOp *op = add_op(d, OP_WRITE);

    scn_arg_int(op, K_DISK, w->disk);
    scn_arg_int(op, K_SECTOR, (int64_t)w->sector);
    scn_arg_int(op, K_COUNT, w->count);
    scn_arg_int(op, K_BYTE, w->byte);
    scn_arg_int(op, K_VM, w->vm);
    return op;
}

static void event_op(Draw *d, const Event *e)
{
    ScnOp *op;

    switch (e->kind) {
    case EV_FAULT:
        fault_op(d, &d->faults[e->index]);
        return;
    case EV_CLEAR:
        scn_arg_text(add_op(d, OP_CLEAR), K_POINT, d->faults[e->index].point);
        return;
    case EV_CHECKPOINT:
        op = add_op(d, OP_CHECKPOINT);
        break;
    case EV_WRITE:
        op = write_op(d, &d->writes[e->index]);
        break;
    default:
        op = add_op(d, e->kind == EV_CRASH ? OP_CRASH : OP_FAILOVER);
        scn_arg_text(op, K_NODE, d->names[e->index]);
        break;
    }
    scn_arg_int(op, K_MAY_FAIL, 1);     /* the node may be down, the VMs paused */
}

/* By tick, then in the order drawn (a stable insertion sort: few events). */
static void sort_events(Draw *d)
{
    for (unsigned i = 1; i < d->nevents; i++) {
        Event e = d->events[i];
        unsigned j = i;

        for (; j > 0 && d->events[j - 1].tick > e.tick; j--) {
            d->events[j] = d->events[j - 1];
        }
        d->events[j] = e;
    }
}

static void run_op(Draw *d, uint64_t ticks)
{
    if (ticks > 0) {
        scn_arg_int(add_op(d, OP_RUN), K_TICKS, (int64_t)ticks);
    }
}

static void build_timeline(Draw *d, const ScnSwarmOptions *o)
{
    uint64_t at = 0;

    add_op(d, OP_START);
    sort_events(d);
    for (unsigned i = 0; i < d->nevents; i++) {
        run_op(d, d->events[i].tick - at);
        at = d->events[i].tick;
        event_op(d, &d->events[i]);
    }
    run_op(d, d->ticks > at ? d->ticks - at : 0);
    if (o->liveness) {
        ScnOp *op = add_op(d, OP_LIVENESS);

        if (o->liveness_ticks != 0) {
            scn_arg_int(op, K_TICKS, (int64_t)o->liveness_ticks);
        }
    }
}

/* The drawn script of seed into d (d->s, to free): 0, -ENOMEM or -EINVAL. */
static int draw(uint64_t seed, const ScnSwarmOptions *o, Draw *d, char *err, size_t errlen)
{
    ScnScript *sets = parse_sets(o, err, errlen);
    int rc;

    memset(d, 0, sizeof(*d));
    if (sets == NULL) {
        return -EINVAL;
    }
    d->s = scn_script_new("swarm", MAX_OPS);
    if (d->s == NULL) {
        scn_free(sets);
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    d->line = SCN_SWARM_HEADER_LINES + 1;
    scn_arg_int(add_op(d, OP_SEED), K_VALUE, (int64_t)(seed & INT64_MAX));
    sim_prng_init(&d->rng, seed, "swarm/cluster");
    draw_cluster(d, sets);
    scn_free(sets);
    rc = draw_faults(d, seed);
    if (rc < 0) {
        snprintf(err, errlen, "cannot name the cluster's fault points (%d)", rc);
        return rc;
    }
    draw_schedule(d, seed);
    build_timeline(d, o);
    return 0;
}

/* ---- text -------------------------------------------------------------------- */

/* The header: exactly SCN_SWARM_HEADER_LINES lines. */
static void header(char *buf, size_t cap, uint64_t seed, const ScnSwarmOptions *o,
                   const char *message)
{
    char cmd[SCN_SWARM_MAX_SETS * 80 + 128], msg[MESSAGE_SHOWN + 1];
    size_t n = (size_t)snprintf(cmd, sizeof(cmd), "replbench swarm --seeds %" PRIu64 "..%"
                                PRIu64, seed, seed);

    for (unsigned i = 0; i < o->nsets && n < sizeof(cmd); i++) {
        n += (size_t)snprintf(cmd + n, sizeof(cmd) - n, " --set %.64s", o->sets[i]);
    }
    if (o->liveness && n < sizeof(cmd)) {
        snprintf(cmd + n, sizeof(cmd) - n, " --liveness");
    }
    snprintf(msg, sizeof(msg), "%s", message);
    for (char *c = msg; *c != '\0'; c++) {
        *c = (unsigned char)*c < 0x20 ? ' ' : *c;
    }
    snprintf(buf, cap,
             "# swarm seed %" PRIu64 ": a scenario drawn from the seed alone\n"
             "# drawn by: %s\n"
             "# %s%s\n"
             "# reproduce: replbench run FILE (the same trace hash); shrink: replbench "
             "reduce FILE\n"
             "# below: the scenario as drawn (every line may be edited)\n"
             "#\n", seed, cmd, msg[0] ? "failed: " : "", msg[0] ? msg : "passed when drawn");
}

size_t scn_swarm_text(uint64_t seed, const ScnSwarmOptions *o, const char *message,
                      char *buf, size_t cap)
{
    char head[SCN_SWARM_MAX_SETS * 80 + MESSAGE_SHOWN + 512], err[256];
    Draw *d = malloc(sizeof(*d));
    size_t len = 0;
    bool cut = false;

    if (d != NULL && draw(seed, o, d, err, sizeof(err)) == 0) {
        header(head, sizeof(head), seed, o, message);
        len = scn_print(d->s, head, buf, cap, &cut);
        len = cut ? 0 : len;
    }
    if (d != NULL) {
        scn_free(d->s);
    }
    free(d);
    if (len == 0 && cap > 0) {
        buf[0] = '\0';
    }
    return len;
}

int scn_swarm_script(uint64_t seed, const ScnSwarmOptions *o, ScnScript **out, char *err,
                     size_t errlen)
{
    char *text = malloc(SCN_SWARM_TEXT_MAX);
    size_t len;
    ScnErrors e = { .n = 0 };
    int rc = scn_swarm_check(o, err, errlen);

    *out = NULL;
    if (rc < 0 || text == NULL) {
        free(text);
        return rc < 0 ? rc : -ENOMEM;
    }
    len = scn_swarm_text(seed, o, "", text, SCN_SWARM_TEXT_MAX);
    *out = len > 0 ? scn_parse(text, len, "swarm", &e) : NULL;
    if (*out == NULL && len == 0) {
        snprintf(err, errlen, "seed %" PRIu64 ": out of memory", seed);
        rc = -ENOMEM;
    } else if (*out == NULL) {
        snprintf(err, errlen, "seed %" PRIu64 ": the drawn scenario does not parse: "
                 "swarm:%u:%u: %s", seed, e.n ? e.e[0].line : 0, e.n ? e.e[0].col : 0,
                 e.n ? e.e[0].message : "?");
        rc = -EINVAL;
    }
    free(text);
    return rc;
}

/* ---- the one-line description ------------------------------------------------ */

static size_t put(char *buf, size_t cap, size_t n, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static size_t put(char *buf, size_t cap, size_t n, const char *fmt, ...)
{
    va_list ap;

    if (n >= cap) {
        return n;
    }
    va_start(ap, fmt);
    n += (size_t)vsnprintf(buf + n, cap - n, fmt, ap);
    va_end(ap);
    return n;
}

static size_t describe_faults(const Draw *d, char *buf, size_t cap, size_t n)
{
    for (unsigned i = 0; i < d->nfaults; i++) {
        const Fault *f = &d->faults[i];

        n = put(buf, cap, n, "%s%s %s", i ? ", " : "; faults: ", f->point, mode_words[f->mode]);
        if (f->mode == FM_NTH || f->mode == FM_AFTER || f->mode == FM_EVERY) {
            n = put(buf, cap, n, ":%" PRIu64, f->k);
        } else if (f->mode == FM_PROB) {
            n = put(buf, cap, n, ":%u/1000000", (unsigned)f->per_million);
        }
        n = put(buf, cap, n, "%s @%" PRIu64, f->persistent ? ",persistent" : "", f->arm);
        if (f->clear != 0) {
            n = put(buf, cap, n, "..%" PRIu64, f->clear);
        }
    }
    return n;
}

size_t scn_swarm_describe(uint64_t seed, const ScnSwarmOptions *o, char *buf, size_t cap)
{
    char text[1024], err[256];
    Draw *d = malloc(sizeof(*d));
    size_t n = 0;

    SIM_CHECK(cap > 0);
    buf[0] = '\0';
    if (d == NULL || draw(seed, o, d, err, sizeof(err)) != 0) {
        n = put(buf, cap, 0, "%s", d == NULL ? "out of memory" : err);
    } else {
        ScnScript one = *d->s;  /* the cluster line alone */

        one.ops = &d->s->ops[1];
        one.nops = 1;
        char *line = text;

        scn_print(&one, "", text, sizeof(text), NULL);
        line += strspn(line, "\n");
        line[strcspn(line, "\n")] = '\0';
        n = put(buf, cap, 0, "%s", line);
        n = describe_faults(d, buf, cap, n);
        for (unsigned i = 0; i < d->nevents; i++) {
            const Event *e = &d->events[i];

            if (e->kind == EV_CRASH || e->kind == EV_FAILOVER) {
                n = put(buf, cap, n, "; %s %s @%" PRIu64, e->kind == EV_CRASH ? "crash"
                        : "failover onto", d->names[e->index], e->tick);
            }
        }
        n = put(buf, cap, n, "; %" PRIu64 " ticks%s", d->ticks, o->liveness ? ", liveness" : "");
    }
    if (d != NULL) {
        scn_free(d->s);
    }
    free(d);
    return n < cap ? n : cap - 1;
}
