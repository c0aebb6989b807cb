/* html.c: the run report of `replbench run --report DIR` (report.h): one
 * self-contained XHTML page, DIR/index.html, with a table of every scenario
 * and an SVG timeline of each failing or selected one, drawn from a second
 * run of that scenario in this process.  Owns the page, the timelines and
 * those re-runs; leaves the pool and the other report formats alone.
 * Every path, message and trace line on the page goes through report_xml_put.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "check.h"
#include "cluster.h"
#include "impl.h"
#include "report.h"
#include "scn_event.h"
#include "world.h"
#include "walks.h"

/* Geometry of a timeline, in SVG user units (pixels at 100%). */
#define PLOT_X 120              /* lane labels to the left of it */
#define PLOT_W 1040
#define SVG_W (PLOT_X + PLOT_W + 16)
#define TOP_H 34                /* the failure's caption */
#define LANE_H 28
#define AXIS_H 30
#define LEGEND_COLS 7
#define LEGEND_ROWS 2

/* Readable at any length: every mark of one kind in one lane that falls in
 * the same BUCKET_PX-wide column becomes a single mark, whose tooltip gives
 * the count, the ticks and the first trace line.  A timeline is then at
 * most MAX_LANES * M_COUNT * NBUCKETS marks, and its memory does not grow
 * with the run: a million ticks cost what a hundred do. */
#define BUCKET_PX 4
#define NBUCKETS (PLOT_W / BUCKET_PX)
#define MAX_LANES 16            /* the last one takes whatever is left */
#define MAX_ALIASES (SCN_MAX_STATES + SCN_MAX_DISKS + 2 * SIM_CLUSTER_MAX_DISKS)
#define NAME_MAX_LEN (SCN_MAX_NAME + 8)
#define TEXT_MAX 160            /* bytes of trace line kept per mark */
#define ARENA_MAX (4u << 20)    /* bytes of those lines per timeline */
#define CAPTION_MAX 400         /* bytes of the failure's caption */
#define STRIP_H 18              /* a disk's stage strip, under the lanes */
#define MAX_STRIPS 8            /* disks with a strip; others are not drawn */
#define MAX_STAGES 32           /* stage changes drawn per disk */
#define STAGE_NAME_MAX 24
#define SCN_TEXT_MAX 65536      /* bytes of a scenario's text on the page */

/* Kinds of marks, in drawing order: later ones are drawn on top. */
typedef enum Kind {
    M_OTHER, M_OP, M_CKPT_BEGIN, M_CKPT_DONE, M_WALK, M_WRITE, M_PACKET, M_CALL,
    M_LOST, M_FAULT, M_FAILOVER, M_CRASH, M_CHECK, M_COUNT
} Kind;

static const char *const kind_label[M_COUNT] = {
    "other event", "scenario line", "checkpoint begin", "checkpoint done", "scripted walk",
    "disk write", "packet", "walk callback", "packet lost, link down", "fault fired",
    "failover", "crash", "check violation",
};

/* Which trace events make which mark, by component and event kind (unlisted
 * ones: M_OTHER).  A replication callback of a node's own walks is traced
 * by its backend (disk or comparator) under the walk's name; every other
 * scenario operation is M_OP. */
static const Kind disk_kinds[SIM_DISK_EV__COUNT] = {
    [SIM_DISK_EV_WRITE] = M_WRITE, [SIM_DISK_EV_RECEIVE] = M_WRITE,
    [SIM_DISK_EV_START] = M_CALL, [SIM_DISK_EV_STOP] = M_CALL,
    [SIM_DISK_EV_CHECKPOINT] = M_CALL, [SIM_DISK_EV_GET_ERROR] = M_CALL,
};
static const Kind link_kinds[SIM_LINK_EV__COUNT] = {
    [SIM_LINK_EV_SEND] = M_PACKET, [SIM_LINK_EV_DELIVER] = M_PACKET,
    [SIM_LINK_EV_DROP] = M_LOST, [SIM_LINK_EV_REFUSE] = M_LOST, [SIM_LINK_EV_DOWN] = M_LOST,
};
static const Kind compare_kinds[SIM_COMPARE_EV__COUNT] = {
    [SIM_COMPARE_EV_PRIMARY] = M_PACKET, [SIM_COMPARE_EV_SECONDARY] = M_PACKET,
    [SIM_COMPARE_EV_RELEASE] = M_PACKET, [SIM_COMPARE_EV_MISMATCH] = M_PACKET,
    [SIM_COMPARE_EV_TIMEOUT] = M_PACKET, [SIM_COMPARE_EV_DROP] = M_LOST,
    [SIM_COMPARE_EV_DISCARD] = M_LOST, [SIM_COMPARE_EV_START] = M_CALL,
    [SIM_COMPARE_EV_STOP] = M_CALL, [SIM_COMPARE_EV_CHECKPOINT] = M_CALL,
};
static const Kind colo_kinds[SIM_COLO_EV__COUNT] = {
    [SIM_COLO_EV_CHECKPOINT_BEGIN] = M_CKPT_BEGIN, [SIM_COLO_EV_CHECKPOINT_DONE] = M_CKPT_DONE,
    [SIM_COLO_EV_CRASH] = M_CRASH, [SIM_COLO_EV_FAILOVER] = M_FAILOVER,
};

/* kinds[kind], M_OTHER past the table. */
static Kind kind_in(const Kind *kinds, int n, int kind)
{
    return kind >= 0 && kind < n ? kinds[kind] : M_OTHER;
}

/* Lanes, in display order by type, then in the order they appeared. */
typedef enum LaneType { LANE_NODE, LANE_LINK, LANE_REG, LANE_SCRIPT, LANE_MORE } LaneType;

static const char *const lane_prefix[] = { "node", "link", "reg", "", "" };

typedef struct Lane {
    LaneType type;
    char name[NAME_MAX_LEN];
} Lane;

/* A state or standalone disk, and the lane of the registry it lives in. */
typedef struct Alias {
    char name[NAME_MAX_LEN];
    int lane;
} Alias;

/* A disk's stages over the run: one band per stage, from its change. */
typedef struct Strip {
    char name[NAME_MAX_LEN];    /* the disk's name ("sec.d0" in a cluster) */
    unsigned n;
    unsigned stage[MAX_STAGES]; /* SimDiskStage */
    char stage_name[MAX_STAGES][STAGE_NAME_MAX];
    uint64_t tick[MAX_STAGES];
    double x[MAX_STAGES];
} Strip;

typedef struct Cell {
    uint64_t count;
    uint64_t first, last;       /* ticks */
    double x;                   /* of the first event, from PLOT_X */
    uint32_t text;              /* its line: arena offset + 1, 0 when none */
} Cell;

typedef struct Timeline {
    uint64_t ticks;             /* the run's last tick */
    double px_per_tick;
    uint32_t *per_tick;         /* short runs: events in each tick */
    uint64_t cur_tick;          /* the tick being placed, and how many */
    uint32_t cur_index;         /* of its events were placed */
    bool counting;              /* first pass: fill per_tick only */
    Lane lanes[MAX_LANES];
    int nlanes;
    Alias aliases[MAX_ALIASES];
    int naliases;
    int default_reg;            /* the first registry declared, or -1 */
    Cell *cells;                /* [MAX_LANES][M_COUNT][NBUCKETS] */
    char *arena;
    size_t arena_len, arena_cap;
    uint64_t lines;
    unsigned fail_line;         /* the failing operation's, or 0 */
    bool have_violation, have_line;     /* the failure's places, when seen */
    uint64_t violation_tick, line_tick;
    double violation_x, line_x;
    Strip strips[MAX_STRIPS];
    int nstrips;
    ReportWalks *walks;         /* the ordered walk view of the same run */
} Timeline;

/* One row of the table. */
typedef struct Row {
    char *path;
    char *label;                /* after the path: a sweep run's " [POINT#HIT]", or NULL */
    char *message;              /* FAIL, SKIP or ERROR; NULL for PASS */
    ReportJob job;
    bool loaded, died, timed_out, drawn;
    ReportCrash *crash;         /* died: what killed its worker, or NULL */
    bool checkers_ok;
    SimCheckKind checker_kind;
    ScnStatus status;
    unsigned line;
    uint64_t seed, ticks, hash, faults;
    uint64_t runs;              /* 1, or a summary's passing runs (no ticks, hash, faults) */
    double seconds;
} Row;

struct ReportHtml {
    const char *dir;
    bool all;
    const char *select;
    int argc;
    char *const *argv;
    Row *rows;
    size_t n, cap;
    size_t passed, failed, skipped, errors, selected;
    bool oom;
    ReportHtmlIntro *intro;     /* a section above the table, or NULL */
    void *intro_ctx;
    ReportLedger *ledger;       /* the fault ledger of the rows, NULL when out of memory */
    ReportProbes *probes;       /* the probe table of the rows, NULL when out of memory */
    bool has_impl;              /* impl named, not the linked one */
    ReportImpl impl;
};

/* ---- the rows ----------------------------------------------------------------- */

ReportHtml *report_html_new(const char *dir, bool all, const char *select,
                      int argc, char *const *argv)
{
    ReportHtml *h = calloc(1, sizeof(*h));

    if (h != NULL) {
        *h = (ReportHtml){ .dir = dir, .all = all, .select = select, .argc = argc, .argv = argv,
                           .ledger = report_ledger_new(), .probes = report_probes_new() };
        h->oom = h->ledger == NULL || h->probes == NULL;
    }
    return h;
}

static bool wanted(const ReportHtml *h, const Row *r)
{
    if (!r->loaded || r->died || r->timed_out || r->status == SCN_SKIP) {
        return false;
    }
    return r->status == SCN_FAIL || h->all ||
           (h->select != NULL && strstr(r->path, h->select) != NULL);
}

/* The row's status as its kind judged it (report_verdict). */
static ScnStatus row_status(ReportVerdict v)
{
    return v == REPORT_VERDICT_PASS ? SCN_PASS : v == REPORT_VERDICT_FAIL ? SCN_FAIL
           : v == REPORT_VERDICT_ERROR ? SCN_ERROR : SCN_SKIP;
}

/* Room for one more row: it, or NULL (out of memory, noted). */
static Row *next_row(ReportHtml *h)
{
    if (h->n == h->cap) {
        size_t cap = h->cap ? h->cap * 2 : 64;
        Row *rows = realloc(h->rows, cap * sizeof(*rows));

        if (rows == NULL) {
            h->oom = true;
            return NULL;
        }
        h->rows = rows;
        h->cap = cap;
    }
    return &h->rows[h->n];
}

void report_html_add(ReportHtml *h, const char *path, const ReportJob *job, const ReportOutcome *out)
{
    report_html_add_as(h, REPORT_KIND_RUN, path, job, out);
}

void report_html_add_as(ReportHtml *h, ReportKind kind, const char *path, const ReportJob *job,
                        const ReportOutcome *out)
{
    const ScnResult *res = &out->res;
    ReportVerdict v = report_verdict(kind, job, out);
    bool injected = kind == REPORT_KIND_SWEEP && job->ninject != 0;
    char label[2 * REPORT_POINT_MAX + 96];
    Row *r;

    if ((r = next_row(h)) == NULL) {
        return;
    }
    *r = (Row){ .job = *job, .runs = 1, .loaded = out->loaded, .died = out->died,
                .timed_out = out->timed_out, .status = row_status(v),
                .line = injected ? 0 : res->line, .seed = res->seed, .ticks = res->ticks, .hash = res->hash,
                .faults = res->faults_fired, .seconds = out->seconds,
                .checkers_ok = res->checkers_ok, .checker_kind = res->checker_kind };
    if (out->loaded && v != REPORT_VERDICT_ERROR && h->ledger != NULL) {
        report_ledger_add(h->ledger, res);     /* not a run the host cut short */
    }
    if (out->loaded && v != REPORT_VERDICT_ERROR && !out->died && !out->timed_out &&
        h->probes != NULL) {
        report_probes_add(h->probes, path, res);  /* its counts are whole */
    }
    r->path = strdup(path);
    if (out->died && (r->crash = malloc(sizeof(*r->crash))) != NULL) {
        *r->crash = out->crash;
    }
    h->oom |= out->died && r->crash == NULL;
    if (v != REPORT_VERDICT_PASS) {
        r->message = strdup(!out->loaded ? out->error
                            : injected && !res->checkers_ok && v != REPORT_VERDICT_ERROR
                            ? res->checker : res->message);
        h->oom |= r->message == NULL;
    }
    if (kind == REPORT_KIND_SWEEP) {
        report_sweep_name(label, sizeof(label), job);
        r->label = strdup(label);
        h->oom |= r->label == NULL;
    }
    if (r->path == NULL) {
        free(r->message);
        free(r->label);
        free(r->crash);
        h->oom = true;
        return;
    }
    h->errors += !out->loaded || r->status == SCN_ERROR;
    h->passed += out->loaded && r->status == SCN_PASS;
    h->failed += out->loaded && r->status == SCN_FAIL;
    h->skipped += out->loaded && r->status == SCN_SKIP;
    r->drawn = wanted(h, r) && h->selected++ < REPORT_HTML_MAX_TIMELINES;
    h->n++;
}

void report_html_add_summary(ReportHtml *h, const ReportSummary *s)
{
    char label[REPORT_POINT_MAX + 128];
    Row *r;

    if ((r = next_row(h)) == NULL) {
        return;
    }
    *r = (Row){ .runs = s->count, .loaded = true, .status = SCN_PASS, .seed = s->seed,
                .seconds = s->seconds, .checkers_ok = true };
    report_summary_job(s, 0, &r->job);
    if (h->ledger != NULL) {
        report_ledger_add_summary(h->ledger, s);
    }
    if (h->probes != NULL) {
        report_probes_add_sums(h->probes, s->path, s->count, s->probes, s->probe_runs);
    }
    report_summary_name(label, sizeof(label), s);
    r->path = strdup(s->path);
    r->label = strdup(label);
    if (r->path == NULL || r->label == NULL) {
        free(r->path);
        free(r->label);
        h->oom = true;
        return;
    }
    h->passed += s->count;
    h->n++;
}

/* ---- trace events --------------------------------------------------------------- */

static Kind kind_of(const SimTraceEvent *e)
{
    switch (e->comp) {
    case SIM_COMP_DISK:
        return kind_in(disk_kinds, SIM_DISK_EV__COUNT, e->kind);
    case SIM_COMP_NET:
        return kind_in(link_kinds, SIM_LINK_EV__COUNT, e->kind);
    case SIM_COMP_COMPARE:
        return kind_in(compare_kinds, SIM_COMPARE_EV__COUNT, e->kind);
    case SIM_COMP_COLO:
        return kind_in(colo_kinds, SIM_COLO_EV__COUNT, e->kind);
    case SIM_COMP_SCN:
        return e->kind == OP_WALK ? M_WALK : e->kind == SCN_EV_CALL ? M_CALL : M_OP;
    case SIM_COMP_FAULT:
        return M_FAULT;
    case SIM_COMP_CHECK:
        return M_CHECK;
    default:
        return M_OTHER;
    }
}

/* ---- lanes ---------------------------------------------------------------------- */

static int lane_get(Timeline *t, LaneType type, const char *name)
{
    for (int i = 0; i < t->nlanes; i++) {
        if (t->lanes[i].type == type && strcmp(t->lanes[i].name, name) == 0) {
            return i;
        }
    }
    if (t->nlanes >= MAX_LANES - 1 && type != LANE_MORE) {
        return lane_get(t, LANE_MORE, "(more)");
    }
    t->lanes[t->nlanes].type = type;
    if (snprintf(t->lanes[t->nlanes].name, NAME_MAX_LEN, "%s", name) < 0) {
        t->lanes[t->nlanes].name[0] = '\0';   /* a longer name is cut: the lane shows its start */
    }
    return t->nlanes++;
}

static int script_lane(Timeline *t)
{
    return lane_get(t, LANE_SCRIPT, "script");
}

/* Where a walk or state without reg= or node= goes (FORMAT.md). */
static int default_lane(Timeline *t)
{
    return t->default_reg >= 0 ? t->default_reg : lane_get(t, LANE_REG, "default");
}

static int alias_lane(Timeline *t, const char *name)
{
    for (int i = 0; i < t->naliases; i++) {
        if (strcmp(t->aliases[i].name, name) == 0) {
            return t->aliases[i].lane;
        }
    }
    return default_lane(t);
}

static void alias_set(Timeline *t, const char *name, int lane)
{
    int i = 0;

    while (i < t->naliases && strcmp(t->aliases[i].name, name) != 0) {
        i++;
    }
    if (i == MAX_ALIASES) {
        return;                 /* past the script limits: the default lane */
    }
    snprintf(t->aliases[i].name, NAME_MAX_LEN, "%s", name);
    t->aliases[i].lane = lane;
    t->naliases += i == t->naliases;
}

/* The lane of a scenario operation's reg= or node= argument. */
static int owner_lane(Timeline *t, const ScnOpEvent *op)
{
    if (op->node[0] != '\0') {
        return lane_get(t, LANE_NODE, op->node);
    }
    return op->reg[0] != '\0' ? lane_get(t, LANE_REG, op->reg) : default_lane(t);
}

/* A scenario event: walks and callbacks on their registry's lane, every
 * other operation on the script's. */
static int scn_lane(Timeline *t, const SimTraceEvent *e)
{
    int script = script_lane(t), lane;

    switch (e->kind) {
    case OP_REGISTRY:
        lane = lane_get(t, LANE_REG, scn_event_op(e)->name);
        t->default_reg = t->default_reg < 0 ? lane : t->default_reg;
        break;
    case OP_STATE:
    case OP_DISK:
        alias_set(t, scn_event_op(e)->name, owner_lane(t, scn_event_op(e)));
        break;
    case OP_WALK:
        return owner_lane(t, scn_event_op(e));
    case SCN_EV_CALL:
        return alias_lane(t, scn_event_call(e)->state);
    default:
        break;
    }
    return script;
}

static bool template_in(const SimFaultTemplate *tp, const SimFaultTemplate *table, size_t n)
{
    return tp >= table && tp < table + n;
}

/* A fire's lane, from its point's template and instance (data the fault
 * layer gives, never the point's name taken apart): a link's, a node's
 * crash, a disk's (a cluster disk's on its node's lane, learnt from the
 * disk's own events); registry/alloc and anything else on the script's. */
static int point_lane(Timeline *t, const SimFaultPoint *p)
{
    const SimFaultTemplate *tp = p->template_;

    if (p->instance[0] == '\0' || tp == &sim_world_alloc_template) {
        return script_lane(t);
    }
    if (template_in(tp, sim_link_templates, SIM_LINK_POINT__COUNT)) {
        return lane_get(t, LANE_LINK, p->instance);
    }
    if (tp == &sim_cluster_crash_template) {
        return lane_get(t, LANE_NODE, p->instance);
    }
    SIM_CHECK(template_in(tp, sim_disk_templates, SIM_DISK_POINT__COUNT));
    return alias_lane(t, p->instance);
}

/* A disk event on a node: the node's lane, which the disk's fires join. */
static int node_disk_lane(Timeline *t, const SimTraceEvent *e)
{
    int lane = lane_get(t, LANE_NODE, e->node);

    if (e->object != NULL) {
        alias_set(t, e->object, lane);
    }
    return lane;
}

static int event_lane(Timeline *t, const SimTraceEvent *e)
{
    if (e->node != NULL && strcmp(e->node, "-") != 0) {
        return e->comp == SIM_COMP_NET ? lane_get(t, LANE_LINK,
                                                  sim_trace_need_str(e, SIM_LINK_F_LINK))
               : e->comp == SIM_COMP_DISK ? node_disk_lane(t, e)
               : lane_get(t, LANE_NODE, e->node);
    }
    switch (e->comp) {
    case SIM_COMP_SCN:
        return scn_lane(t, e);
    case SIM_COMP_FAULT:
        return point_lane(t, sim_fault_fired(e));
    case SIM_COMP_DISK:
        return alias_lane(t, e->object != NULL ? e->object : "");
    default:
        return script_lane(t);
    }
}

/* ---- collecting the marks -------------------------------------------------------- */

/* x of an event from PLOT_X.  A short run (a tick at least BUCKET_PX wide)
 * spreads the events of a tick over the middle of its column, in trace
 * order, so that a registry run all at tick 0 still reads left to right;
 * a long one puts them at the tick's middle. */
static double event_x(Timeline *t, uint64_t tick)
{
    uint32_t n, i;

    tick = tick > t->ticks ? t->ticks : tick;
    if (t->per_tick == NULL) {
        return ((double)tick + 0.5) * t->px_per_tick;
    }
    if (tick != t->cur_tick) {
        t->cur_tick = tick;
        t->cur_index = 0;
    }
    n = t->per_tick[tick] != 0 ? t->per_tick[tick] : 1;
    i = t->cur_index < n ? t->cur_index : n - 1;
    t->cur_index++;
    return ((double)tick + 0.1 + 0.8 * ((double)i + 0.5) / n) * t->px_per_tick;
}

/* The longest prefix of s of at most max bytes that ends on a character. */
static int utf8_prefix(const char *s, size_t max)
{
    size_t n = strlen(s);

    if (n <= max) {
        return (int)n;
    }
    while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80) {
        max--;
    }
    return (int)max;
}

/* line kept for a tooltip: its offset + 1, or 0 once the arena is full. */
static uint32_t keep(Timeline *t, const char *line)
{
    size_t len = (size_t)utf8_prefix(line, TEXT_MAX);
    size_t at = t->arena_len;

    if (at + len + 1 > t->arena_cap) {
        size_t cap = t->arena_cap ? t->arena_cap * 2 : 65536;
        char *a = cap <= ARENA_MAX ? realloc(t->arena, cap) : NULL;

        if (a == NULL) {
            return 0;
        }
        t->arena = a;
        t->arena_cap = cap;
    }
    memcpy(t->arena + at, line, len);
    t->arena[at + len] = '\0';
    t->arena_len += len + 1;
    return (uint32_t)at + 1;
}

static Cell *cell(const Timeline *t, int lane, int kind, int bucket)
{
    return &t->cells[((size_t)lane * M_COUNT + (size_t)kind) * NBUCKETS + (size_t)bucket];
}

/* The first checker violation, and the failing operation when it is
 * traced (an `expect` is not: the run's end stands for it). */
static void note_failure(Timeline *t, const SimTraceEvent *e, Kind k, double x)
{
    unsigned line = scn_event_line(e);

    if (k == M_CHECK && !t->have_violation) {
        t->have_violation = true;
        t->violation_tick = e->tick;
        t->violation_x = x;
    }
    if (t->fail_line != 0 && k != M_CALL && e->comp == SIM_COMP_SCN && line != 0) {
        if (line == t->fail_line) {
            t->have_line = true;
            t->line_tick = e->tick;
            t->line_x = x;
        }
    }
}

/* A disk's stage change ("stage from -> to"): its strip gets a band. */
static void note_stage(Timeline *t, const SimTraceEvent *e, double x)
{
    const SimTraceField *to = sim_trace_need(e, SIM_DISK_F_STAGE_TO);
    char name[NAME_MAX_LEN];
    Strip *s = NULL;

    snprintf(name, sizeof(name), "%s", e->object != NULL ? e->object
             : e->node != NULL ? e->node : "?");
    for (int i = 0; i < t->nstrips && s == NULL; i++) {
        s = strcmp(t->strips[i].name, name) == 0 ? &t->strips[i] : NULL;
    }
    if (s == NULL && t->nstrips < MAX_STRIPS) {
        s = &t->strips[t->nstrips++];
        snprintf(s->name, sizeof(s->name), "%s", name);
    }
    if (s == NULL || s->n == MAX_STAGES) {
        return;
    }
    s->stage[s->n] = (unsigned)to->v.u;
    snprintf(s->stage_name[s->n], STAGE_NAME_MAX, "%s", to->v.s != NULL ? to->v.s : "?");
    s->tick[s->n] = e->tick;
    s->x[s->n] = x;
    s->n++;
}

static void sink(void *ctx, const SimTraceEvent *e)
{
    Timeline *t = ctx;
    Kind k;
    Cell *c;
    double x;
    int b;

    if (t->counting) {
        t->per_tick[e->tick > t->ticks ? t->ticks : e->tick]++;
        return;
    }
    t->lines++;
    k = kind_of(e);
    x = event_x(t, e->tick);
    b = (int)(x / BUCKET_PX);
    c = cell(t, event_lane(t, e), k, b < 0 ? 0 : b >= NBUCKETS ? NBUCKETS - 1 : b);
    if (c->count++ == 0) {
        char line[SIM_TRACE_LINE_MAX];      /* a cell shows its first line */

        sim_trace_render(e, line);
        c->first = e->tick;
        c->x = x;
        c->text = keep(t, line);
    }
    c->last = e->tick;
    note_failure(t, e, k, x);
    if (e->comp == SIM_COMP_DISK && e->kind == SIM_DISK_EV_STAGE) {
        note_stage(t, e, x);
    }
    report_walks_event(t->walks, e);
}

static void timeline_reset(Timeline *t, const Row *r)
{
    Cell *cells = t->cells;
    char *arena = t->arena;
    size_t cap = t->arena_cap;
    ReportWalks *walks = t->walks;

    free(t->per_tick);
    memset(cells, 0, (size_t)MAX_LANES * M_COUNT * NBUCKETS * sizeof(*cells));
    report_walks_reset(walks);
    *t = (Timeline){ .ticks = r->ticks, .cells = cells, .arena = arena, .arena_cap = cap,
                     .walks = walks, .default_reg = -1, .cur_tick = UINT64_MAX,
                     .fail_line = r->status == SCN_FAIL ? r->line : 0 };
    t->px_per_tick = (double)PLOT_W / ((double)r->ticks + 1.0);
    if (t->px_per_tick >= BUCKET_PX) {
        t->per_tick = calloc(r->ticks + 1, sizeof(*t->per_tick));
    }
}

/* Run r again with the trace going to the timeline: twice for a short
 * run (the first pass counts the events of each tick).  Runs are
 * deterministic: same seed, same injection, same trace as the pool's run. */
static int rerun(const Row *r, Timeline *t, ScnResult *res, char *err, size_t errlen)
{
    ScnScript *s = report_load(r->path, err, errlen);
    ScnOptions opt = { .sink = sink, .sink_ctx = t };

    if (s == NULL) {
        return -1;
    }
    report_job_options(&r->job, &opt);
    if (t->per_tick != NULL) {
        t->counting = true;
        scn_run(s, &opt, res);
        t->counting = false;
    }
    scn_run(s, &opt, res);
    scn_free(s);
    return 0;
}

/* ---- drawing ---------------------------------------------------------------------- */

/* The glyph of a mark of kind k at x in the lane whose top is y. */
static void glyph_path(FILE *f, Kind k, double x, double y)
{
    double m = y + LANE_H / 2.0;

    switch (k) {
    case M_OTHER:       fprintf(f, "M%.1f %.1fh2v6h-2z", x - 1, y + 21); break;
    case M_OP:          fprintf(f, "M%.1f %.1fh2.4v14h-2.4z", x - 1.2, y + 7); break;
    case M_CKPT_BEGIN:
    case M_CKPT_DONE:   fprintf(f, "M%.1f %.1fh3v26h-3z", x - 1.5, y + 1); break;
    case M_WALK:        fprintf(f, "M%.1f %.1fh3.5v24h-3.5z", x - 1.75, y + 2); break;
    case M_WRITE:       fprintf(f, "M%.1f %.1fh5v9h-5z", x - 2.5, y + 2); break;
    case M_PACKET:      fprintf(f, "M%.1f %.1fa3.4 3.4 0 1 0 6.8 0a3.4 3.4 0 1 0 -6.8 0z",
                                x - 3.4, m); break;
    case M_CALL:        fprintf(f, "M%.1f %.1fl4.5 5.5l-4.5 5.5l-4.5 -5.5z", x, m - 5.5); break;
    case M_LOST:        fprintf(f, "M%.1f %.1fl6 6M%.1f %.1fl-6 6", x - 3, m - 3, x + 3, m - 3);
                        break;
    case M_FAULT:       fprintf(f, "M%.1f %.1fl4.5 8h-9z", x, y + 17); break;
    case M_FAILOVER:    fprintf(f, "M%.1f %.1fl6.5 7.5l-6.5 7.5l-6.5 -7.5z", x, m - 7.5); break;
    case M_CRASH:       fprintf(f, "M%.1f %.1fl10 10M%.1f %.1fl-10 10", x - 5, m - 5, x + 5, m - 5);
                        break;
    default:            fprintf(f, "M%.1f %.1fa5 5 0 1 0 10 0a5 5 0 1 0 -10 0z", x - 5, m); break;
    }
}

static void mark(FILE *f, const Timeline *t, const Cell *c, Kind k, double y)
{
    fprintf(f, "<path class=\"k%d\" d=\"", (int)k);
    glyph_path(f, k, PLOT_X + c->x, y);
    fprintf(f, "\"><title>%s x%" PRIu64 ", tick %" PRIu64, kind_label[k], c->count, c->first);
    if (c->last != c->first) {
        fprintf(f, " to %" PRIu64, c->last);
    }
    if (c->text != 0) {
        fputs(c->count > 1 ? "; first: " : ": ", f);
        report_xml_put(f, t->arena + c->text - 1, false);
    }
    fputs("</title></path>\n", f);
}

/* order[row] = lane: by type, then as they appeared (the primary's node
 * first), links by name (p2s above s2p). */
static void lane_order(const Timeline *t, int *order)
{
    int n = 0;

    for (int type = LANE_NODE; type <= LANE_MORE; type++) {
        for (int i = 0; i < t->nlanes; i++) {
            if ((int)t->lanes[i].type != type) {
                continue;
            }
            int j = n++;

            while (type == LANE_LINK && j > 0 && t->lanes[order[j - 1]].type == LANE_LINK &&
                   strcmp(t->lanes[order[j - 1]].name, t->lanes[i].name) > 0) {
                order[j] = order[j - 1];
                j--;
            }
            order[j] = i;
        }
    }
}

static void svg_lanes(FILE *f, const Timeline *t, const int *order)
{
    for (int row = 0; row < t->nlanes; row++) {
        const Lane *l = &t->lanes[order[row]];
        double y = TOP_H + row * LANE_H;

        fprintf(f, "<rect class=\"lane%d\" x=\"%d\" y=\"%.1f\" width=\"%d\" height=\"%d\"/>\n",
                row % 2, PLOT_X, y, PLOT_W, LANE_H);
        if (row > 0 && l->type != t->lanes[order[row - 1]].type) {
            fprintf(f, "<path class=\"sep\" d=\"M8 %.1fH%d\"/>\n", y, PLOT_X + PLOT_W);
        }
        fprintf(f, "<text class=\"lt\" x=\"%d\" y=\"%.1f\">", PLOT_X - 8, y + 18);
        if (lane_prefix[l->type][0] != '\0') {
            fprintf(f, "<tspan class=\"lp\">%s </tspan>", lane_prefix[l->type]);
        }
        report_xml_put(f, l->name, false);
        fputs("</text>\n", f);
    }
}

/* 1, 2 or 5 times a power of ten: at most about 12 labels. */
static uint64_t axis_step(uint64_t span)
{
    uint64_t step = 1;

    for (;;) {
        for (int m = 1; m <= 5; m += m == 1 ? 1 : 3) {
            if (span / (step * (uint64_t)m) <= 12) {
                return step * (uint64_t)m;
            }
        }
        step *= 10;
    }
}

static void svg_axis(FILE *f, const Timeline *t, double bottom)
{
    uint64_t step = axis_step(t->ticks + 1);
    bool every = t->px_per_tick >= 12;

    for (uint64_t k = 0; every && k <= t->ticks; k++) {
        fprintf(f, "<path class=\"tg\" d=\"M%.1f %dV%.1f\"/>\n",
                PLOT_X + (double)k * t->px_per_tick, TOP_H, bottom);
    }
    for (uint64_t k = 0; k <= t->ticks; k += step) {
        double x0 = PLOT_X + (double)k * t->px_per_tick;

        fprintf(f, "<path class=\"grid\" d=\"M%.1f %dV%.1f\"/>\n", x0, TOP_H, bottom + 4);
        fprintf(f, "<text class=\"ax\" x=\"%.1f\" y=\"%.1f\">%" PRIu64 "</text>\n",
                x0 + t->px_per_tick / 2, bottom + 16, k);
    }
    fprintf(f, "<path class=\"axis\" d=\"M%d %.1fH%d\"/>\n", PLOT_X, bottom, PLOT_X + PLOT_W);
    fprintf(f, "<text class=\"axt\" x=\"%d\" y=\"%.1f\">tick</text>\n", PLOT_X - 8, bottom + 16);
}

static void svg_legend(FILE *f, double top)
{
    double w = (double)PLOT_W / LEGEND_COLS;

    for (int k = 0; k < M_COUNT; k++) {
        int i = (k + M_COUNT - 2) % M_COUNT;   /* "other" and "scenario line" last */
        double x = PLOT_X + (double)(i % LEGEND_COLS) * w + 8;
        double y = top + (double)(i / LEGEND_COLS) * LANE_H;

        fprintf(f, "<path class=\"k%d\" d=\"", k);
        glyph_path(f, (Kind)k, x, y);
        fprintf(f, "\"/>\n<text class=\"lg\" x=\"%.1f\" y=\"%.1f\">%s</text>\n",
                x + 12, y + 18, kind_label[k]);
    }
}

/* The failing check: the first checker violation when a checker failed,
 * else the failing operation when it is traced, else the end of the run
 * (where the failing `expect` stopped it).  A red band over every lane,
 * the message as caption and as tooltip. */
static void svg_failure(FILE *f, const Timeline *t, const Row *r, const ScnResult *res,
                        double bottom)
{
    bool checker = !res->checkers_ok && t->have_violation;
    uint64_t tick = checker ? t->violation_tick : t->have_line ? t->line_tick : t->ticks;
    double end = ((double)t->ticks + (t->per_tick != NULL ? 0.9 : 0.5)) * t->px_per_tick;
    double xc = PLOT_X + (checker ? t->violation_x : t->have_line ? t->line_x : end);
    double w = t->px_per_tick < 6 ? 6 : t->px_per_tick > 14 ? 14 : t->px_per_tick;
    bool left = xc < PLOT_X + PLOT_W * 0.55;
    double room = left ? SVG_W - (xc - 6) : xc + 6;
    char cap[CAPTION_MAX];

    snprintf(cap, sizeof(cap), "FAIL at tick %" PRIu64 ", line %u: %s", tick, r->line,
             r->message != NULL ? r->message : "");
    fputs("<g class=\"fail\"><title>", f);
    report_xml_put(f, cap, false);
    fprintf(f, "</title>\n<rect class=\"band\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" "
            "height=\"%.1f\"/>\n", xc - w / 2, TOP_H - 6, w, bottom - TOP_H + 6);
    fprintf(f, "<path class=\"fline\" d=\"M%.1f %dV%.1f\"/>\n", xc, TOP_H - 6, bottom + 4);
    fprintf(f, "<path class=\"farrow\" d=\"M%.1f %dl6 8l6 -8z\"/>\n", xc - 6, TOP_H - 12);
    fprintf(f, "<text class=\"cap\" x=\"%.1f\" y=\"14\" text-anchor=\"%s\">",
            left ? (xc - 6 < 8 ? 8 : xc - 6) : xc + 6, left ? "start" : "end");
    cap[utf8_prefix(cap, (size_t)(room / 7.2))] = '\0';
    report_xml_put(f, cap, false);
    fputs("</text></g>\n", f);
}

/* Under the lanes, a strip per disk: a band per stage (running, failover,
 * done...) from the tick it began to the next change or the run's end. */
static void svg_stages(FILE *f, const Timeline *t, double top)
{
    for (int i = 0; i < t->nstrips; i++) {
        const Strip *s = &t->strips[i];
        double y = top + i * STRIP_H;

        fprintf(f, "<text class=\"lt\" x=\"%d\" y=\"%.1f\"><tspan class=\"lp\">stages </tspan>",
                PLOT_X - 8, y + 13);
        report_xml_put(f, s->name, false);
        fputs("</text>\n", f);
        for (unsigned k = 0; k < s->n; k++) {
            double x0 = PLOT_X + s->x[k];
            double x1 = k + 1 < s->n ? PLOT_X + s->x[k + 1] : PLOT_X + PLOT_W;

            fputs("<g><title>disk ", f);
            report_xml_put(f, s->name, false);
            fprintf(f, ": %s from tick %" PRIu64 "</title><rect class=\"st st%u\" x=\"%.1f\" "
                    "y=\"%.1f\" width=\"%.1f\" height=\"%d\"/>", s->stage_name[k], s->tick[k],
                    s->stage[k] % 8, x0, y + 2, x1 - x0 > 1 ? x1 - x0 : 1, STRIP_H - 4);
            if (x1 - x0 > 8.0 * (double)strlen(s->stage_name[k]) + 8) {
                fprintf(f, "<text class=\"stl\" x=\"%.1f\" y=\"%.1f\">", x0 + 4, y + 13);
                report_xml_put(f, s->stage_name[k], false);
                fputs("</text>", f);
            }
            fputs("</g>\n", f);
        }
    }
}

static void svg_timeline(FILE *f, const Timeline *t, const Row *r, const ScnResult *res)
{
    int order[MAX_LANES];
    double lanes_end = TOP_H + (double)t->nlanes * LANE_H;
    double bottom = lanes_end + (double)t->nstrips * STRIP_H;
    double legend = bottom + AXIS_H;
    double height = legend + LEGEND_ROWS * LANE_H + 4;

    lane_order(t, order);
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"tl\" width=\"%d\" "
            "height=\"%.0f\" viewBox=\"0 0 %d %.0f\" role=\"img\">\n", SVG_W, height, SVG_W,
            height);
    fputs("<title>timeline of ", f);
    report_xml_put(f, r->path, false);
    report_xml_put(f, r->label != NULL ? r->label : "", false);
    fputs("</title>\n", f);
    svg_lanes(f, t, order);
    svg_stages(f, t, lanes_end);
    svg_axis(f, t, bottom);
    if (r->status == SCN_FAIL) {
        svg_failure(f, t, r, res, bottom);
    }
    for (int k = 0; k < M_COUNT; k++) {
        for (int row = 0; row < t->nlanes; row++) {
            for (int b = 0; b < NBUCKETS; b++) {
                const Cell *c = cell(t, order[row], k, b);

                if (c->count != 0) {
                    mark(f, t, c, (Kind)k, TOP_H + (double)row * LANE_H);
                }
            }
        }
    }
    svg_legend(f, legend);
    fputs("</svg>\n", f);
}

/* ---- the page ------------------------------------------------------------------ */

static const char page_css[] =
    "body{font:14px/1.45 \"DejaVu Sans\",\"Liberation Sans\",system-ui,sans-serif;"
    "margin:24px 28px;color:#1d2024;background:#fff}\n"
    "h1{font-size:22px;margin:0 0 6px}h2{font-size:17px;margin:28px 0 8px}"
    "h3{font-size:15px;margin:0 0 8px;font-weight:600}\n"
    "p.meta{margin:2px 0;color:#444}code,.mono{font-family:\"DejaVu Sans Mono\","
    "ui-monospace,monospace;font-size:12px}\n"
    "table{border-collapse:collapse;width:100%;font-size:13px;margin-top:14px}\n"
    "th,td{padding:4px 8px;border-bottom:1px solid #e4e6ea;text-align:left;vertical-align:top}\n"
    "th{background:#f2f3f5;font-weight:600;white-space:nowrap}\n"
    "td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\n"
    "tr.fail td{background:#fff4f4}td.msg{color:#8b1a1a}\n"
    ".badge{display:inline-block;min-width:3.4em;text-align:center;padding:1px 6px;"
    "border-radius:4px;font-weight:700;font-size:11px;color:#fff;letter-spacing:.03em}\n"
    ".PASS{background:#2e7d32}.FAIL{background:#c62828}.SKIP{background:#7d838c}"
    ".ERROR{background:#6a1b9a}\n"
    "section{margin:18px 0;padding:14px 16px;border:1px solid #e4e6ea;border-radius:8px}\n"
    "svg.tl{width:100%;max-width:1600px;height:auto;display:block;margin:6px 0}\n"
    "dl{display:grid;grid-template-columns:max-content auto;gap:2px 12px;margin:8px 0}"
    "dt{color:#555}dd{margin:0}\n"
    "p.note{color:#555;font-size:12px;margin:4px 0}p.warn{color:#b35900}\n"
    "pre{background:#f6f7f9;padding:8px;overflow-x:auto;font-size:12px}\n"
    "p.crash{font-weight:600;color:#6a1b9a}p.stk{margin:8px 0 2px;color:#333}"
    "ol.frames{margin:0 0 4px;padding-left:36px;font-size:13px}\n"
    ".lane0{fill:#f5f6f8}.lane1{fill:#fcfcfd}.sep{stroke:#c9ccd2}"
    ".grid{stroke:#d5d8dd}.tg{stroke:#eceef1}.axis{stroke:#888}\n"
    ".lt{font-size:12px;text-anchor:end;fill:#222;font-weight:600}"
    ".lp{fill:#8a8f98;font-weight:400}.ax{font-size:11px;fill:#555;text-anchor:middle}"
    ".axt{font-size:11px;fill:#555;text-anchor:end;font-style:italic}"
    ".lg{font-size:12px;fill:#333}\n"
    ".band{fill:#d62728;fill-opacity:.14}.fline{stroke:#d62728;stroke-width:1.5;"
    "stroke-dasharray:4 3}.farrow{fill:#d62728}.cap{font-size:12px;font-weight:700;"
    "fill:#c62828}\n"
    "ol.wk{list-style:none;margin:6px 0;padding:0;font-size:13px}"
    "ol.wk li{padding:1px 0;border-left:2px solid #e4e6ea;margin:0}"
    ".d0{padding-left:6px!important}.d1{padding-left:28px!important}"
    ".d2{padding-left:50px!important}.d3{padding-left:72px!important}"
    ".d4{padding-left:94px!important}.d5,.d6,.d7,.d8{padding-left:116px!important}\n"
    "li.walk{margin-top:6px!important;border-left-color:#6a3d9a!important}"
    "li.call{border-left-color:#d9c2f5!important}.wh,.ln{color:#8a8f98;font-size:12px}"
    ".rm{color:#8c564b;font-weight:600}.ad{color:#1e8a3c;font-weight:600}"
    ".ne{color:#6a3d9a;font-weight:600}.er{color:#c62828;font-weight:600}.ok{color:#1e8a3c}\n"
    "details{margin:6px 0}summary{cursor:pointer;color:#333}"
    "ul.sum{margin:4px 0;padding-left:20px}li.bad b{color:#c62828}li.good{color:#555}\n"
    "tr.gh th{background:#e8eaee;font-weight:400}.gc{color:#555;margin-left:8px}"
    "th.sortable{cursor:pointer}th[data-dir=up]:after{content:\" \\25B2\"}"
    "th[data-dir=down]:after{content:\" \\25BC\"}p.filter{margin:14px 0 0}\n"
    ".st{stroke:#fff}.st0{fill:#d5d8dd}.st1{fill:#a8dba8}.st2{fill:#ffc46b}"
    ".st3{fill:#f08080}.st4{fill:#9ecae1}.stl{font-size:11px;fill:#222}\n"
    ".k0{fill:#a9afb7}.k1{fill:#7d838c}.k2{fill:#96d096}.k3{fill:#1e8a3c}"
    ".k4{fill:#6a3d9a}.k5{fill:#1f6fb4}.k6{fill:#13a3b5}"
    ".k7{fill:#d9c2f5;stroke:#6a3d9a;stroke-width:1}"
    ".k8{fill:none;stroke:#8c564b;stroke-width:1.8}.k9{fill:#ff9f1c;stroke:#b35900;"
    "stroke-width:.8}.k10{fill:#e377c2;stroke:#8b1a6b}.k11{fill:none;stroke:#111;"
    "stroke-width:2.6;stroke-linecap:round}.k12{fill:#d62728;stroke:#fff}\n";

static const char *status_name(const Row *r)
{
    static const char *const names[] = { "PASS", "FAIL", "SKIP", "ERROR" };

    return !r->loaded ? "ERROR" : names[r->status];
}

/* The command line, each word as a shell would need it. */
static void put_command(FILE *f, const ReportHtml *h)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);

    if (m == NULL) {
        return;
    }
    report_shell_word(m, report_program());
    for (int i = 0; i < h->argc; i++) {
        fputc(' ', m);
        report_shell_word(m, h->argv[i]);
    }
    if (fclose(m) == 0) {
        report_xml_put(f, buf, false);
    }
    free(buf);
}

void report_html_impl(ReportHtml *h, const ReportImpl *impl)
{
    h->has_impl = impl != NULL;
    if (impl != NULL) {
        h->impl = *impl;
    }
}

static void page_head(FILE *f, const ReportHtml *h, double seconds)
{
    char impl[REPORT_PATH_MAX + 512];

    fprintf(f, "<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n"
            "<head>\n<meta charset=\"utf-8\"/>\n<title>replbench run report</title>\n"
            "<style>\n%s</style>\n</head>\n<body>\n<h1>replbench run report</h1>\n", page_css);
    fprintf(f, "<p class=\"meta\"><span class=\"badge PASS\">%zu passed</span> "
            "<span class=\"badge FAIL\">%zu failed</span> "
            "<span class=\"badge SKIP\">%zu skipped</span>", h->passed, h->failed, h->skipped);
    if (h->errors != 0) {
        fputs(" <span class=\"badge ERROR\">", f);
        report_count(f, h->errors, "error", "errors");
        fputs("</span>", f);
    }
    fprintf(f, " in %.3f s (wall clock)</p>\n<p class=\"meta\">command: <code>", seconds);
    put_command(f, h);
    report_record_impl_describe(impl, sizeof(impl), h->has_impl ? &h->impl : NULL);
    fputs("</code></p>\n<p class=\"meta\">implementation under test: <code>", f);
    report_xml_put(f, impl, false);
    fputs("</code></p>\n", f);
    if (h->has_impl && strcmp(h->impl.sha256, replication_impl()->sha256) != 0) {
        report_impl_describe(impl, sizeof(impl));
        fputs("<p class=\"note warn\">The timelines are re-runs with this binary's "
              "implementation: <code>", f);
        report_xml_put(f, impl, false);
        fputs("</code>.</p>\n", f);
    }
}

/* Filtering (result, text) and sorting (per column, within each folder's
 * group) of the table; no '<' or '&' so that it needs no escaping. */
static const char table_js[] =
    "(function () {\n"
    "  var table = document.getElementById('runs');\n"
    "  var q = document.getElementById('q'), st = document.getElementById('st');\n"
    "  var each = function (list, fn) { Array.prototype.forEach.call(list, fn); };\n"
    "  var rows = function (g) {\n"
    "    return Array.prototype.filter.call(g.rows, function (r) { return r.className !== 'gh'; });\n"
    "  };\n"
    "  var apply = function () {\n"
    "    var text = q.value.toLowerCase(), want = st.value;\n"
    "    each(table.tBodies, function (g) {\n"
    "      var shown = 0;\n"
    "      rows(g).forEach(function (r) {\n"
    "        var ok = (want === '' || r.getAttribute('data-status') === want) ?\n"
    "                 r.textContent.toLowerCase().indexOf(text) !== -1 : false;\n"
    "        r.style.display = ok ? '' : 'none';\n"
    "        shown += ok ? 1 : 0;\n"
    "      });\n"
    "      g.style.display = shown ? '' : 'none';\n"
    "    });\n"
    "  };\n"
    "  q.addEventListener('input', apply);\n"
    "  st.addEventListener('change', apply);\n"
    "  each(table.tHead.rows[0].cells, function (th, i) {\n"
    "    th.className = 'sortable';\n"
    "    th.addEventListener('click', function () {\n"
    "      var dir = th.getAttribute('data-dir') === 'up' ? -1 : 1;\n"
    "      each(table.tHead.rows[0].cells, function (o) { o.removeAttribute('data-dir'); });\n"
    "      th.setAttribute('data-dir', dir === 1 ? 'up' : 'down');\n"
    "      each(table.tBodies, function (g) {\n"
    "        var list = rows(g);\n"
    "        list.sort(function (a, b) {\n"
    "          var x = a.cells[i], y = b.cells[i];\n"
    "          var c = x.className === 'num' ?\n"
    "                  (parseFloat(x.textContent) || 0) - (parseFloat(y.textContent) || 0) :\n"
    "                  x.textContent.localeCompare(y.textContent);\n"
    "          return c * dir;\n"
    "        });\n"
    "        list.forEach(function (r) { g.appendChild(r); });\n"
    "      });\n"
    "    });\n"
    "  });\n"
    "})();\n";

/* A table of the whole run, folded (<details class=cls>): print(table)
 * into a buffer, then the summary line of its count of problems
 * (summary), the table below. */
typedef unsigned TablePrintFn(const void *table, FILE *f);
typedef void TableSummaryFn(FILE *f, unsigned bad);

static void page_folded(FILE *f, const char *cls, TablePrintFn *print, const void *table,
                        TableSummaryFn *summary)
{
    char *buf = NULL;
    size_t len = 0;
    unsigned bad = 0;
    FILE *m = table != NULL ? open_memstream(&buf, &len) : NULL;

    if (m == NULL) {
        return;
    }
    bad = print(table, m);
    if (fclose(m) == 0) {
        fprintf(f, "<details class=\"%s\"><summary>", cls);
        summary(f, bad);
        fputs("</summary>\n<pre>", f);
        report_xml_put(f, buf, false);
        fputs("</pre></details>\n", f);
    }
    free(buf);
}

/* The fault ledger of the rows (ledger.c). */
static unsigned ledger_print(const void *table, FILE *f)
{
    return report_ledger_print(table, f);
}

static void ledger_summary(FILE *f, unsigned bad)
{
    fprintf(f, "Fault ledger of this run: %u fault point%s not ok: never fired, or a fire "
            "not handled or not observed (<code>replbench ledger</code> over the suites is "
            "the gate)", bad, bad == 1 ? "" : "s");
}

/* The probe table of the rows (probes.c). */
static unsigned probes_print(const void *table, FILE *f)
{
    return report_probes_print(table, f);
}

static void probes_summary(FILE *f, unsigned bad)
{
    fprintf(f, "Probes of this run: %u not reached (<code>replbench probes</code> over the "
            "suites is the gate)", bad);
}

/* Links to the first rows whose outcome is `which` (up to 8). */
static void summary_links(FILE *f, const ReportHtml *h, int which)
{
    int shown = 0;

    for (size_t k = 0; k < h->n && shown < 8; k++) {
        const Row *r = &h->rows[k];
        bool failed_check = r->loaded && !r->checkers_ok && r->status == SCN_FAIL;
        int what = !r->loaded || r->status == SCN_ERROR ? -2 : r->died ? -4
                   : failed_check ? (int)r->checker_kind
                   : r->status == SCN_FAIL ? -1 : -3;

        if (what == which) {
            fprintf(f, " <a href=\"#r%zu\">#%zu</a>", k + 1, k + 1);
            shown++;
        }
    }
}

/* What failed, by checker (the failing check's owner), and the fault
 * ledger of the whole run. */
static void page_summary(FILE *f, const ReportHtml *h)
{
    size_t count[SIM_CHECK__COUNT] = { 0 }, expects = 0, crashes = 0;

    for (size_t k = 0; k < h->n; k++) {
        const Row *r = &h->rows[k];

        if (r->died) {
            crashes++;
        } else if (r->loaded && r->status == SCN_FAIL) {
            if (r->checkers_ok) {
                expects++;
            } else if (r->checker_kind < SIM_CHECK__COUNT) {
                count[r->checker_kind]++;
            }
        }
    }
    fputs("<h2>By checker</h2>\n<ul class=\"sum\">\n", f);
    for (int c = SIM_CHECK_CONTRACT; c < SIM_CHECK__COUNT; c++) {
        fprintf(f, "<li class=\"%s\"><b>%s</b> checker: %zu failed", count[c] ? "bad" : "good",
                sim_check_kind_name((SimCheckKind)c), count[c]);
        summary_links(f, h, c);
        fputs("</li>\n", f);
    }
    fprintf(f, "<li class=\"%s\"><b>expectations</b> (<code>expect</code> lines): %zu failed",
            expects ? "bad" : "good", expects);
    summary_links(f, h, -1);
    fprintf(f, "</li>\n<li class=\"%s\"><b>crashes</b> (the worker died: a signal or a "
            "sanitizer): %zu", crashes ? "bad" : "good", crashes);
    summary_links(f, h, -4);
    fprintf(f, "</li>\n<li class=\"%s\"><b>errors</b> (unreadable files, bad input, host "
            "out of memory): %zu",
            h->errors ? "bad" : "good", h->errors);
    summary_links(f, h, -2);
    fputs("</li>\n</ul>\n", f);
    page_folded(f, "ledger", ledger_print, h->ledger, ledger_summary);
    page_folded(f, "probes", probes_print, h->probes, probes_summary);
}

static void table_row(FILE *f, size_t k, const Row *r)
{
    bool bad = !r->loaded || r->status == SCN_FAIL || r->status == SCN_ERROR;

    fprintf(f, "<tr class=\"%s\" id=\"r%zu\" data-status=\"%s\"><td><span class=\"badge %s\">"
            "%s</span></td><td class=\"mono\">", bad ? "fail" : "ok", k, status_name(r),
            status_name(r), status_name(r));
    if (r->drawn) {
        fprintf(f, "<a href=\"#t%zu\">", k);
    }
    report_xml_put(f, r->path, false);
    report_xml_put(f, r->label != NULL ? r->label : "", false);
    fputs(r->drawn ? "</a></td>" : "</td>", f);
    if (r->loaded && r->runs != 1) {
        fprintf(f, "<td class=\"num\">%" PRIu64 "</td><td class=\"num\">-</td><td>-</td>"
                "<td class=\"num\">-</td>", r->seed);
    } else if (r->loaded) {
        fprintf(f, "<td class=\"num\">%" PRIu64 "</td><td class=\"num\">%" PRIu64 "</td>"
                "<td class=\"mono\">0x%016" PRIx64 "</td><td class=\"num\">%" PRIu64 "</td>",
                r->seed, r->ticks, r->hash, r->faults);
    } else {
        fputs("<td class=\"num\">-</td><td class=\"num\">-</td><td>-</td>"
              "<td class=\"num\">-</td>", f);
    }
    fprintf(f, "<td class=\"num\">%.1f</td><td class=\"msg\">", r->seconds * 1000.0);
    if (r->loaded && r->status == SCN_FAIL && r->line != 0) {
        fprintf(f, "line %u: ", r->line);
    }
    if (r->message != NULL) {
        report_xml_put(f, r->message, false);
    }
    if (r->crash != NULL) {
        fprintf(f, " <a href=\"#c%zu\">(stacks)</a>", k);
    }
    fputs("</td></tr>\n", f);
}

static bool row_bad(const Row *r)
{
    return !r->loaded || r->status == SCN_FAIL || r->status == SCN_ERROR;
}

/* The row, unless the page holds REPORT_HTML_MAX_ROWS of its kind (bad:
 * failing or error; the others) already: left[bad] counts down. */
static void table_row_capped(FILE *f, size_t k, const Row *r, size_t *left)
{
    if (left[row_bad(r)] != 0) {
        left[row_bad(r)]--;
        table_row(f, k, r);
    }
}

/* Bytes of path before its last '/' (0 when it has none). */
static size_t folder_len(const char *path)
{
    const char *slash = strrchr(path, '/');

    return slash != NULL ? (size_t)(slash - path) : 0;
}

static bool same_folder(const char *a, const char *b)
{
    size_t n = folder_len(a);

    return n == folder_len(b) && strncmp(a, b, n) == 0;
}

/* The rows of the folder of row k, from k on, under a heading with their
 * counts; each is marked done. */
static void table_group(FILE *f, const ReportHtml *h, size_t k, bool *done, size_t *left)
{
    const char *path = h->rows[k].path;
    char folder[REPORT_PATH_MAX + 1];
    size_t n = 0, bad = 0;
    bool sweep = false;         /* rows of sweep runs: counted as runs */

    for (size_t j = k; j < h->n; j++) {
        if (!done[j] && same_folder(path, h->rows[j].path)) {
            sweep |= h->rows[j].label != NULL;
            n += h->rows[j].runs;
            bad += !h->rows[j].loaded || h->rows[j].status == SCN_FAIL;
        }
    }
    snprintf(folder, sizeof(folder), "%.*s", (int)folder_len(path), path);
    fputs("<tbody>\n<tr class=\"gh\"><th colspan=\"8\"><span class=\"mono\">", f);
    report_xml_put(f, folder[0] != '\0' ? folder : ".", false);
    fprintf(f, "/</span> <span class=\"gc\">%zu %s%s, %zu failed</span></th></tr>\n",
            n, sweep ? "run" : "scenario", n == 1 ? "" : "s", bad);
    for (size_t j = k; j < h->n; j++) {
        if (!done[j] && same_folder(path, h->rows[j].path)) {
            table_row_capped(f, j + 1, &h->rows[j], left);
            done[j] = true;
        }
    }
    fputs("</tbody>\n", f);
}

static void page_table(FILE *f, const ReportHtml *h)
{
    bool *done = calloc(h->n + 1, sizeof(*done));
    size_t left[2] = { REPORT_HTML_MAX_ROWS, REPORT_HTML_MAX_ROWS }, hidden[2] = { 0, 0 };

    fputs("<p class=\"filter\">show <select id=\"st\"><option value=\"\">every result</option>"
          "<option>FAIL</option><option>ERROR</option><option>PASS</option><option>SKIP</option>"
          "</select> matching <input id=\"q\" type=\"search\" placeholder=\"path or message\"/>"
          " <span class=\"note\">Click a heading to sort (within each folder).</span></p>\n", f);
    fputs("<table id=\"runs\">\n<thead><tr><th>result</th><th>scenario</th><th>seed</th>"
          "<th>ticks</th><th>trace hash</th><th>faults fired</th><th>ms</th><th>failure</th>"
          "</tr></thead>\n", f);
    for (size_t k = 0; done != NULL && k < h->n; k++) {
        if (!done[k]) {
            table_group(f, h, k, done, left);
        }
    }
    if (done == NULL) {         /* out of memory: one group, in order */
        fputs("<tbody>\n", f);
        for (size_t k = 0; k < h->n; k++) {
            table_row_capped(f, k + 1, &h->rows[k], left);
        }
        fputs("</tbody>\n", f);
    }
    fputs("</table>\n", f);
    for (size_t k = 0; k < h->n; k++) {
        hidden[row_bad(&h->rows[k])] += 1;
    }
    hidden[0] -= REPORT_HTML_MAX_ROWS - left[0];
    hidden[1] -= REPORT_HTML_MAX_ROWS - left[1];
    if (hidden[0] + hidden[1] != 0) {
        fprintf(f, "<p class=\"note warn\">%zu more row%s not shown (%zu of them failing or "
                "errors): a page shows at most %d failing and %d other rows; <code>replbench "
                "merge</code> of the results file lists every run.</p>\n",
                hidden[0] + hidden[1], hidden[0] + hidden[1] == 1 ? "" : "s", hidden[1],
                REPORT_HTML_MAX_ROWS, REPORT_HTML_MAX_ROWS);
    }
    fprintf(f, "<script>//<![CDATA[\n%s//]]></script>\n", table_js);
    free(done);
}

static void put_reproduce(FILE *f, const Row *r, uint64_t seed)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);

    if (m == NULL) {
        return;
    }
    report_reproduce(m, seed, &r->job, r->path);
    if (fclose(m) == 0) {
        report_xml_put(f, buf, false);
    }
    free(buf);
}

/* Under a timeline: how to read it, how to reproduce the run, and for a
 * failure the checker and the last trace lines. */
static void section_details(FILE *f, const Timeline *t, const Row *r, const ScnResult *res)
{
    fprintf(f, "<p class=\"note\">x: ticks 0 to %" PRIu64 ", %" PRIu64 " trace lines; %s "
            "Marks of one kind in one lane are merged per %d-pixel column: hover a mark for "
            "its count, ticks and first trace line.</p>\n", t->ticks, t->lines,
            t->per_tick != NULL ? "the events of a tick are spread over its column in trace "
            "order." : "each event at its tick.", BUCKET_PX);
    if (res->hash != r->hash) {
        fprintf(f, "<p class=\"note warn\">The re-run's trace hash 0x%016" PRIx64 " differs "
                "from the run's 0x%016" PRIx64 ": the scenario is not deterministic; the "
                "timeline shows the re-run.</p>\n", res->hash, r->hash);
    }
    fprintf(f, "<dl><dt>seed</dt><dd class=\"mono\">%" PRIu64 "</dd><dt>reproduce</dt>"
            "<dd><code>", r->seed);
    put_reproduce(f, r, r->seed);
    fputs("</code></dd>", f);
    if (r->status == SCN_FAIL) {
        fprintf(f, "<dt>failure</dt><dd class=\"mono\">line %u: ", r->line);
        report_xml_put(f, r->message != NULL ? r->message : "", false);
        fputs("</dd>", f);
    }
    if (!res->checkers_ok) {
        fputs("<dt>checker</dt><dd class=\"mono\">", f);
        report_xml_put(f, res->checker, false);
        fputs("</dd>", f);
    }
    fputs("</dl>\n", f);
    if (r->status == SCN_FAIL && res->ntail != 0) {
        fputs("<details><summary>last trace lines</summary><pre>", f);
        for (unsigned i = 0; i < res->ntail && i < SIM_TRACE_KEEP; i++) {
            report_xml_put(f, res->tail[i], false);
            fputc('\n', f);
        }
        fputs("</pre></details>\n", f);
    }
}

/* The scenario file itself, folded: what the timeline is a run of. */
static void put_scenario_text(FILE *f, const char *path)
{
    FILE *in = fopen(path, "r");
    char *buf = in != NULL ? malloc(SCN_TEXT_MAX + 1) : NULL;
    size_t n;

    if (buf != NULL) {
        n = fread(buf, 1, SCN_TEXT_MAX, in);
        buf[n] = '\0';
        fputs("<details class=\"scn\"><summary>scenario text</summary><pre>", f);
        report_xml_put(f, buf, false);
        if (n == SCN_TEXT_MAX && fgetc(in) != EOF) {
            fprintf(f, "\n[cut at %d bytes]", SCN_TEXT_MAX);
        }
        fputs("</pre></details>\n", f);
    }
    free(buf);
    if (in != NULL) {
        fclose(in);
    }
}

static void page_section(FILE *f, size_t k, const Row *r, Timeline *t, ScnResult *res)
{
    char err[REPORT_ERROR_MAX];

    fprintf(f, "<section id=\"t%zu\">\n<h3><span class=\"badge %s\">%s</span> <span "
            "class=\"mono\">", k, status_name(r), status_name(r));
    report_xml_put(f, r->path, false);
    report_xml_put(f, r->label != NULL ? r->label : "", false);
    fputs("</span></h3>\n", f);
    timeline_reset(t, r);
    if (rerun(r, t, res, err, sizeof(err)) != 0) {
        fputs("<p class=\"note warn\">No timeline: ", f);
        report_xml_put(f, err, false);
        fputs("</p>\n</section>\n", f);
        return;
    }
    svg_timeline(f, t, r, res);
    report_walks_write(f, t->walks);
    section_details(f, t, r, res);
    put_scenario_text(f, r->path);
    fputs("</section>\n", f);
}

/* A dead worker's finding: its headline, each stack's title and frames
 * (function, file:line:col), and the file of the whole report. */
static void crash_section(FILE *f, size_t k, const Row *r)
{
    const ReportCrash *c = r->crash;

    fprintf(f, "<section id=\"c%zu\">\n<h3><span class=\"badge ERROR\">CRASH</span> <a "
            "class=\"mono\" href=\"#r%zu\">", k, k);
    report_xml_put(f, r->path, false);
    report_xml_put(f, r->label != NULL ? r->label : "", false);
    fputs("</a></h3>\n<p class=\"crash\">", f);
    report_xml_put(f, c->what[0] != '\0' ? c->what : c->kind, false);
    fputs("</p>\n", f);
    for (unsigned i = 0; i < c->nstacks && i < REPORT_CRASH_STACKS; i++) {
        const ReportStack *st = &c->stack[i];

        fprintf(f, "<p class=\"stk %s\">", report_stack_role_name(st->role));
        report_xml_put(f, report_stack_title(c, st), false);
        fputs("</p>\n<ol class=\"frames\">", f);
        for (unsigned j = 0; j < st->nframes && j < REPORT_CRASH_FRAMES; j++) {
            const ReportFrame *fr = &st->frame[j];

            fprintf(f, "<li value=\"%u\"><b>", fr->index);
            report_xml_put(f, fr->func[0] != '\0' ? fr->func : "??", false);
            fputs("</b> <span class=\"mono\">", f);
            report_xml_put(f, fr->file[0] != '\0' ? fr->file : fr->module, false);
            if (fr->line != 0) {
                fprintf(f, ":%u", fr->line);
            }
            if (fr->column != 0) {
                fprintf(f, ":%u", fr->column);
            }
            fputs("</span></li>", f);
        }
        fputs("</ol>\n", f);
    }
    if (c->nstacks > 0 && !c->symbolized) {
        fputs("<p class=\"note warn\">No file:line: the sanitizer found no symbolizer "
              "(install llvm-symbolizer, Debian: llvm-14, or set ASAN_SYMBOLIZER_PATH).</p>\n", f);
    }
    if (c->report[0] != '\0') {
        fputs("<p class=\"note\">The whole report: <code>", f);
        report_xml_put(f, c->report, false);
        fputs("</code></p>\n", f);
    }
    fputs("</section>\n", f);
}

static void page_crashes(FILE *f, const ReportHtml *h)
{
    bool any = false;

    for (size_t k = 0; k < h->n; k++) {
        if (h->rows[k].crash == NULL) {
            continue;
        }
        if (!any) {
            fputs("<h2>Crashes</h2>\n<p class=\"note\">What killed each worker that died: "
                  "the sanitizer's finding and the first frames of its stacks (where the "
                  "error happened, where the memory was freed, where it was allocated).</p>\n",
                  f);
            any = true;
        }
        crash_section(f, k + 1, &h->rows[k]);
    }
}

static void page_timelines(FILE *f, const ReportHtml *h, Timeline *t, ScnResult *res)
{
    fprintf(f, "<h2>Timelines</h2>\n<p class=\"note\">One per failing scenario%s, from a "
            "second run in the report's process with the same seed (the same trace). Lanes: "
            "a node's events, a link's packets, a registry's walks and callbacks, the "
            "script's other operations.</p>\n",
            h->all ? " and per scenario run (--report-all)"
            : h->select != NULL ? " and per scenario selected (--report-select)" : "");
    if (h->selected == 0 && h->failed == 0) {
        fputs("<p class=\"note\">None: nothing failed.</p>\n", f);
    }
    for (size_t k = 0; k < h->n; k++) {
        if (h->rows[k].drawn) {
            page_section(f, k + 1, &h->rows[k], t, res);
        }
    }
    for (size_t k = 0; k < h->n; k++) {
        if (h->rows[k].died) {
            fprintf(f, "<p class=\"note warn\">No timeline for #%zu: its worker died, and a "
                    "re-run here would take the report down with it (its stacks: "
                    "<a href=\"#c%zu\">Crashes</a>).</p>\n", k + 1, k + 1);
        } else if (h->rows[k].timed_out) {
            fprintf(f, "<p class=\"note warn\">No timeline for #%zu: it ran past the time "
                    "limit, and a re-run here would not end either.</p>\n", k + 1);
        }
    }
    if (h->selected > REPORT_HTML_MAX_TIMELINES) {
        fprintf(f, "<p class=\"note warn\">%zu more not drawn (at most %d per page).</p>\n",
                h->selected - REPORT_HTML_MAX_TIMELINES, REPORT_HTML_MAX_TIMELINES);
    }
}

static int write_page(FILE *f, const ReportHtml *h, double seconds)
{
    Timeline *t = calloc(1, sizeof(*t));
    ScnResult *res = malloc(sizeof(*res));
    int rc = -1;

    if (t != NULL && res != NULL && (t->walks = report_walks_new()) != NULL &&
        (t->cells = malloc((size_t)MAX_LANES * M_COUNT * NBUCKETS * sizeof(*t->cells))) != NULL) {
        page_head(f, h, seconds);
        if (h->intro != NULL) {
            h->intro(f, h->intro_ctx);
        }
        page_summary(f, h);
        page_table(f, h);
        page_crashes(f, h);
        page_timelines(f, h, t, res);
        fputs("</body>\n</html>\n", f);
        rc = 0;
    }
    if (t != NULL) {
        report_walks_free(t->walks);
        free(t->cells);
        free(t->arena);
        free(t->per_tick);
    }
    free(t);
    free(res);
    return rc;
}

void report_html_set_intro(ReportHtml *h, ReportHtmlIntro *fn, void *ctx)
{
    h->intro = fn;
    h->intro_ctx = ctx;
}

void report_html_free(ReportHtml *h)
{
    if (h == NULL) {
        return;
    }
    for (size_t k = 0; k < h->n; k++) {
        free(h->rows[k].path);
        free(h->rows[k].message);
        free(h->rows[k].label);
        free(h->rows[k].crash);
    }
    free(h->rows);
    report_ledger_free(h->ledger);
    report_probes_free(h->probes);
    free(h);
}

int report_html_end(ReportHtml *h, double seconds)
{
    char path[REPORT_PATH_MAX + 16], err[REPORT_ERROR_MAX];
    ReportOut *out = NULL;
    int rc = -1;

    snprintf(path, sizeof(path), "%s/index.html", h->dir);
    if (h->oom) {
        fputs("replbench run: out of memory for the report\n", stderr);
    } else if (strlen(h->dir) > REPORT_PATH_MAX) {
        fputs("replbench run: --report: the folder's name is too long\n", stderr);
    } else if (mkdir(h->dir, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "replbench run: cannot make %s: %s\n", h->dir, strerror(errno));
    } else if ((out = report_out_open(path, err, sizeof(err))) == NULL) {
        fprintf(stderr, "replbench run: cannot open %s\n", err);
    } else if (write_page(report_out_file(out), h, seconds) != 0) {
        fputs("replbench run: out of memory for the report\n", stderr);
    } else {
        rc = 0;
    }
    /* Written whole (outfile.c): a reader never sees half a page. */
    if (rc == 0 && report_out_close(out, err, sizeof(err)) != 0) {
        fprintf(stderr, "replbench run: cannot write %s\n", err);
        rc = -1;
    } else if (rc != 0) {
        report_out_abandon(out);
    }
    if (rc == 0) {
        fprintf(stderr, "replbench run: report in %s\n", path);
    }
    report_html_free(h);
    return rc;
}
