/* walks.c: the ordered walk view of the run report (walks.h).  Owns its
 * rows; decides on the typed events of trace.h and the interpreter's
 * interpreter's events and their payloads (scn_event.h), never on
 * rendered trace lines or field names of its own.
 * Every name and message goes through report_xml_put.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "cluster.h"
#include "disk.h"
#include "report.h"
#include "scn_event.h"
#include "walks.h"

#define NAME_LEN (SCN_MAX_NAME + 8)
#define MSG_LEN 240
#define DEPTH_SHOWN 8               /* deeper nesting is drawn at this indent */

typedef enum RowKind {
    R_STATE,                        /* a `state` line: registration */
    R_REMOVE,                       /* a `remove` line */
    R_WALK,                         /* a scripted walk begins */
    R_CALL,                         /* a callback, and what its rule did */
    R_DISK,                         /* a disk's callback, and its outcome */
    R_FAILED,                       /* a may_fail operation failed */
    R_DONE,                         /* the scripted walk ended */
    R_VIOLATION,                    /* a checker's violation */
} RowKind;

/* The class of each kind's <li> (the page's CSS styles them). */
static const char *const row_class[] = {
    [R_STATE] = "state", [R_REMOVE] = "remove", [R_WALK] = "walk", [R_CALL] = "call",
    [R_DISK] = "call", [R_FAILED] = "failed", [R_DONE] = "done", [R_VIOLATION] = "check",
};

typedef struct Row {
    RowKind kind;
    unsigned depth;                 /* 0: the scenario's level; calls from 1 */
    uint64_t line;                  /* the scenario line, 0 when none */
    uint64_t acts;                  /* R_CALL: 1 << ACT_* of its rule */
    bool oom;                       /* R_DONE: the registry's shared error */
    char name[NAME_LEN];            /* state, walk kind, or checker */
    char where[NAME_LEN];           /* reg or node; R_CALL: the walk */
    char target[NAME_LEN];          /* R_CALL: remove or register target */
    char nested[NAME_LEN];          /* R_CALL: the nested walk */
    char msg[MSG_LEN];              /* error or message */
} Row;

struct ReportWalks {
    Row rows[REPORT_WALK_ROWS_MAX];
    unsigned n;
    uint64_t dropped;               /* rows past the limit */
    unsigned walks;
    bool in_walk;                   /* between a scripted walk and its end */
    unsigned depth;                 /* of the last call: failures nest under it */
    char default_reg[NAME_LEN];     /* the first registry declared (FORMAT.md) */
};

ReportWalks *report_walks_new(void)
{
    return calloc(1, sizeof(ReportWalks));
}

void report_walks_free(ReportWalks *w)
{
    free(w);
}

void report_walks_reset(ReportWalks *w)
{
    w->n = 0;
    w->dropped = 0;
    w->walks = 0;
    w->in_walk = false;
    w->depth = 0;
    w->default_reg[0] = '\0';
}

static void copy(char *dst, size_t len, const char *src)
{
    snprintf(dst, len, "%s", src);
}

static Row *add(ReportWalks *w, RowKind kind, unsigned depth, const SimTraceEvent *e)
{
    Row *r;

    if (w->n == REPORT_WALK_ROWS_MAX) {
        w->dropped++;
        return NULL;
    }
    r = &w->rows[w->n++];
    memset(r, 0, sizeof(*r));
    r->kind = kind;
    r->depth = depth;
    r->line = scn_event_line(e);
    return r;
}

/* The registry or node an operation names: without reg= or node=, the
 * first registry declared ("" when none was: the default registry). */
static void where_of(const ReportWalks *w, Row *r, const ScnOpEvent *op)
{
    copy(r->where, sizeof(r->where),
         op->node[0] != '\0' ? op->node : op->reg[0] != '\0' ? op->reg : w->default_reg);
}

/* What a callback's row shows: its state and walk, and its rule. */
static void call_row(Row *r, const ScnCallEvent *call)
{
    r->line = call->rule;
    r->acts = call->acts;
    copy(r->name, sizeof(r->name), call->state);
    copy(r->where, sizeof(r->where), sim_walk_name(call->walk));
    copy(r->target, sizeof(r->target), call->target);
    copy(r->nested, sizeof(r->nested), sim_walk_name(call->nested));
    copy(r->msg, sizeof(r->msg), call->msg);
}

/* An operation's event: registrations, removals, walks. */
static void op_event(ReportWalks *w, const SimTraceEvent *e)
{
    const ScnOpEvent *op = scn_event_op(e);
    Row *r;

    switch (e->kind) {
    case OP_REGISTRY:
        if (w->default_reg[0] == '\0') {
            copy(w->default_reg, sizeof(w->default_reg), op->name);
        }
        break;
    case OP_STATE:
        if ((r = add(w, R_STATE, 0, e)) != NULL) {
            copy(r->name, sizeof(r->name), op->name);
            where_of(w, r, op);
        }
        break;
    case OP_REMOVE:
        if ((r = add(w, R_REMOVE, 0, e)) != NULL) {
            copy(r->name, sizeof(r->name), op->state);
        }
        break;
    case OP_WALK:
        w->walks++;
        w->in_walk = true;
        w->depth = 0;
        if ((r = add(w, R_WALK, 0, e)) != NULL) {
            copy(r->name, sizeof(r->name), sim_walk_name(op->walk));
            where_of(w, r, op);
        }
        break;
    default:
        break;
    }
}

static void scn_event(ReportWalks *w, const SimTraceEvent *e)
{
    Row *r;

    switch (e->kind) {
    case SCN_EV_CALL:
        w->depth = scn_event_call(e)->depth;
        if ((r = add(w, R_CALL, w->depth, e)) != NULL) {
            call_row(r, scn_event_call(e));
        }
        break;
    case SCN_EV_FAILED:
        if ((r = add(w, R_FAILED, w->depth, e)) != NULL) {
            copy(r->msg, sizeof(r->msg), scn_event_failed(e)->error);
        }
        break;
    case SCN_EV_WALK_DONE:
        w->in_walk = false;
        w->depth = 0;
        if ((r = add(w, R_DONE, 0, e)) != NULL) {
            r->oom = scn_event_walk_done(e)->out_of_memory;
            copy(r->msg, sizeof(r->msg), scn_event_walk_done(e)->error);
        }
        break;
    default:
        op_event(w, e);
        break;
    }
}

/* A disk's replication callback inside a scripted walk (disk.h): at the
 * depth of the walk's last scripted callback, or 1. */
static void disk_event(ReportWalks *w, const SimTraceEvent *e)
{
    Row *r;

    if (!w->in_walk || (e->kind != SIM_DISK_EV_START && e->kind != SIM_DISK_EV_STOP &&
                        e->kind != SIM_DISK_EV_CHECKPOINT && e->kind != SIM_DISK_EV_GET_ERROR)) {
        return;
    }
    if ((r = add(w, R_DISK, w->depth ? w->depth : 1, e)) != NULL) {
        copy(r->name, sizeof(r->name), e->object != NULL ? e->object : "?");
        copy(r->where, sizeof(r->where), e->name != NULL ? e->name : "?");
        copy(r->msg, sizeof(r->msg), sim_trace_need_str(e, SIM_DISK_F_ERROR));
    }
}

void report_walks_event(ReportWalks *w, const SimTraceEvent *e)
{
    Row *r;

    if (e->comp == SIM_COMP_SCN) {
        scn_event(w, e);
    } else if (e->comp == SIM_COMP_DISK) {
        disk_event(w, e);
    } else if (e->comp == SIM_COMP_CHECK && (r = add(w, R_VIOLATION, w->depth, e)) != NULL) {
        copy(r->name, sizeof(r->name), sim_trace_need_str(e, SIM_CHECK_F_CHECKER));
        copy(r->msg, sizeof(r->msg), sim_trace_need_str(e, SIM_CHECK_F_MESSAGE));
    }
}

/* ---- the view ------------------------------------------------------------------ */

static void put(FILE *f, const char *s)
{
    report_xml_put(f, s, false);
}

static void put_where(FILE *f, const char *prefix, const char *where)
{
    fprintf(f, " <span class=\"wh\">%s ", prefix);
    put(f, where[0] != '\0' ? where : "the default registry");
    fputs("</span>", f);
}

/* What the rule of a callback did, each action as a mark. */
static void put_actions(FILE *f, const Row *r)
{
    const char *target = r->target[0] != '\0' ? r->target : r->name;

    if (r->acts & (UINT64_C(1) << ACT_REMOVE)) {
        fputs(" <span class=\"rm\">✕ removes ", f);
        put(f, target);
        fputs("</span>", f);
    }
    if (r->acts & (UINT64_C(1) << ACT_REGISTER)) {
        fputs(" <span class=\"ad\">+ registers ", f);
        put(f, r->target);
        fputs("</span>", f);
    }
    if (r->acts & (UINT64_C(1) << ACT_NESTED)) {
        fputs(" <span class=\"ne\">↳ nested ", f);
        put(f, r->nested);
        fputs(" walk</span>", f);
    }
    if (r->acts & (UINT64_C(1) << ACT_FAIL)) {
        fputs(" <span class=\"er\">fails: “", f);
        put(f, r->msg);
        fputs("”</span>", f);
    }
    if (r->acts & (UINT64_C(1) << ACT_FAIL_SILENT)) {
        fputs(" <span class=\"er\">fails silently (no error)</span>", f);
    }
    if (r->acts & (UINT64_C(1) << ACT_CRASH)) {
        fputs(" <span class=\"er\">crashes its node</span>", f);
    }
}

static void put_row(FILE *f, const Row *r)
{
    unsigned d = r->depth < DEPTH_SHOWN ? r->depth : DEPTH_SHOWN;

    fprintf(f, "<li class=\"%s d%u\">", row_class[r->kind], d);
    switch (r->kind) {
    case R_STATE:
        fputs("register <b>", f);
        put(f, r->name);
        fputs("</b>", f);
        put_where(f, "in", r->where);
        break;
    case R_REMOVE:
        fputs("<span class=\"rm\">✕ remove <b>", f);
        put(f, r->name);
        fputs("</b></span>", f);
        break;
    case R_WALK:
        fputs("walk <b>", f);
        put(f, r->name);
        fputs("</b>", f);
        put_where(f, "on", r->where);
        break;
    case R_CALL:
        fputs("<b>", f);
        put(f, r->name);
        fputs(".", f);
        put(f, r->where);
        fputs("</b>", f);
        put_actions(f, r);
        break;
    case R_DISK:
        fputs("disk <b>", f);
        put(f, r->name);
        fputs(".", f);
        put(f, r->where);
        fputs("</b>", f);
        if (r->msg[0] != '\0') {
            fputs(" <span class=\"er\">fails: \u201c", f);
            put(f, r->msg);
            fputs("\u201d</span>", f);
        }
        break;
    case R_FAILED:
        fputs("<span class=\"er\">failed: ", f);
        put(f, r->msg);
        fputs("</span>", f);
        break;
    case R_DONE:
        if (r->msg[0] == '\0') {
            fputs("<span class=\"ok\">ends: ok</span>", f);
        } else {
            fputs("<span class=\"er\">ends with error: “", f);
            put(f, r->msg);
            fprintf(f, "”%s</span>", r->oom ? " (out of memory)" : "");
        }
        break;
    case R_VIOLATION:
        fputs("<span class=\"er\">", f);
        put(f, r->name);
        fputs(" checker: ", f);
        put(f, r->msg);
        fputs("</span>", f);
        break;
    }
    if (r->line != 0) {
        fprintf(f, " <span class=\"ln\">line %" PRIu64 "</span>", r->line);
    }
    fputs("</li>\n", f);
}

void report_walks_write(FILE *f, const ReportWalks *w)
{
    if (w->walks == 0) {
        return;
    }
    fprintf(f, "<details class=\"walks\" open=\"open\"><summary>%u scripted walk%s, in "
            "order: callbacks indented by nesting, what each did, how each walk ended"
            "</summary>\n<ol class=\"wk\">\n", w->walks, w->walks == 1 ? "" : "s");
    for (unsigned i = 0; i < w->n; i++) {
        put_row(f, &w->rows[i]);
    }
    fputs("</ol>\n", f);
    if (w->dropped != 0) {
        fprintf(f, "<p class=\"note warn\">%" PRIu64 " more events not listed (at most %d "
                "rows).</p>\n", w->dropped, REPORT_WALK_ROWS_MAX);
    }
    fputs("</details>\n", f);
}
