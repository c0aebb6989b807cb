/* decode.c: fuzzer bytes to scenario text, and back (scn.h, "Fuzzing").
 * The fuzz harnesses and `replbench fuzz2scn` decode through here, so a
 * fuzzer input and its scenario are one and the same run; the encoder turns
 * suite scenarios into seed inputs.  Every byte string decodes to a script
 * the parser accepts; the byte formats are described at each decoder.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cluster.h"
#include "scn_ast.h"

#define DEC_MAX_OPS 64
#define DEC_MAX_STATES 32
#define REG_OPCODES 8
#define CLUSTER_OPCODES 13

typedef struct Bytes {
    const uint8_t *p;
    size_t len, at;
} Bytes;

/* The next byte, 0 once the input is used up: every input decodes. */
static unsigned next(Bytes *b)
{
    return b->at < b->len ? b->p[b->at++] : 0;
}

typedef struct Out {
    char *buf;
    size_t cap, len;
    bool full;
    size_t prev, prev_len;      /* the last operation's text */
    unsigned prev_code;         /* and its opcode */
} Out;

static void emit(Out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void emit(Out *o, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (o->full) {
        return;
    }
    va_start(ap, fmt);
    n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= o->cap - o->len) {
        /* Full: drop the line being written (it may have been emitted in
         * pieces), so the text ends with whole lines and stays parseable. */
        o->full = true;
        while (o->len > 0 && o->buf[o->len - 1] != '\n') {
            o->len--;
        }
        o->buf[o->len] = '\0';
        return;
    }
    o->len += (size_t)n;
}

/* An operation's text ends (it began at `start`).  A repeat of the one
 * before it is folded away when repeating changes nothing (`clear`,
 * `heal`, the same `partition`, the same rule), so that long runs of
 * identical lines never reach the scenario. */
static void op_done(Out *o, size_t start, unsigned code, bool idempotent)
{
    size_t len = o->len - start;

    if (o->full) {
        return;
    }
    if (idempotent && code == o->prev_code && len == o->prev_len &&
        memcmp(o->buf + o->prev, o->buf + start, len) == 0) {
        o->len = start;
        o->buf[o->len] = '\0';
        return;
    }
    o->prev = start;
    o->prev_len = len;
    o->prev_code = code;
}

static const char *const walks[] = { "start", "stop", "checkpoint", "get_error" };

/* ---- fuzz_registry ----------------------------------------------------------
 * byte 0: registries r0.. (1 + b % 3).  Then operations, each an opcode byte
 * (b % 8) and its argument bytes:
 *   0,1 state   [reg] [members: b % 16]
 *   2   remove  [which live state]
 *   3,4 on      [state] [walk] [call: b % 4, 0 every] [action] [action 2:
 *               only when b & 0x80] [target] [nested walk / in]
 *   5,6,7 walk  [kind] [reg] [errp / mode / failover]
 * Missing bytes read as 0. */

typedef struct RegDec {
    unsigned nregs;
    unsigned nstates;           /* s0.. declared (live or not) */
    bool live[DEC_MAX_STATES];
    unsigned reg_of[DEC_MAX_STATES];
} RegDec;

static void members(Out *o, unsigned mask)
{
    static const char *const m[] = { "start", "stop", "checkpoint", "get_error" };
    bool first = true;

    if (mask == 0 || mask == 15) {
        emit(o, " ops=%s", mask ? "all" : "none");
        return;
    }
    emit(o, " ops=");
    for (int i = 0; i < 4; i++) {
        if (mask & (1u << i)) {
            emit(o, "%s%s", first ? "" : "+", m[i]);
            first = false;
        }
    }
}

static void reg_state(RegDec *d, Bytes *b, Out *o)
{
    unsigned reg = next(b) % d->nregs, mask = next(b) % 16;

    if (d->nstates == DEC_MAX_STATES) {
        return;
    }
    emit(o, "state name=s%u reg=r%u", d->nstates, reg);
    members(o, mask);
    emit(o, "\n");
    d->reg_of[d->nstates] = reg;
    d->live[d->nstates++] = true;
}

static void reg_remove(RegDec *d, Bytes *b, Out *o)
{
    unsigned pick = next(b), nlive = 0;

    for (unsigned i = 0; i < d->nstates; i++) {
        nlive += d->live[i];
    }
    for (unsigned i = 0, k = 0; nlive && i < d->nstates; i++) {
        if (d->live[i] && k++ == pick % nlive) {
            emit(o, "remove state=s%u may_fail=true\n", i);
            d->live[i] = false;
        }
    }
}

static void reg_on(RegDec *d, Bytes *b, Out *o, unsigned line)
{
    unsigned st = next(b), walk = next(b) % 4, call = next(b) % 4;
    unsigned a1 = next(b), a2 = next(b), target = next(b), extra = next(b);
    unsigned n = (a1 & 0x80) ? 2 : 1, act[2] = { a1 % 6, a2 % 6 };
    bool needs_target = false, registers = false;

    if (d->nstates == 0) {
        return;
    }
    for (int i = 0; i < 2; i++) {
        act[i] = act[i] == 4 && d->nstates == DEC_MAX_STATES ? 0 : act[i];
    }
    if (act[0] == 3 && act[1] == 4) {   /* one target=: register it first */
        act[0] = 4;
        act[1] = 3;
    }
    st %= d->nstates;
    emit(o, "on state=s%u walk=%s", st, walks[walk]);
    if (call) {
        emit(o, " call=%u", call);
    }
    emit(o, " do=%s", scn_action_name(act[0]));     /* ACT_OK..ACT_NESTED */
    if (n == 2 && act[1] != act[0]) {
        emit(o, "+%s", scn_action_name(act[1]));
    } else {
        n = 1;
    }
    for (unsigned i = 0; i < n; i++) {
        needs_target |= act[i] == 3;
        registers |= act[i] == 4;
        if (act[i] == 1) {
            emit(o, " msg=\"e%u\"", line);
        }
        if (act[i] == 5) {
            emit(o, " nested=%s in=r%u", walks[extra % 4], (extra >> 2) % d->nregs);
        }
    }
    if (registers) {            /* a new name; it exists when the rule fires */
        emit(o, " target=s%u", d->nstates);
        d->reg_of[d->nstates] = d->reg_of[st];
        d->live[d->nstates++] = false;
    } else if (needs_target) {
        emit(o, " target=s%u", target % d->nstates);
    }
    emit(o, "\n");
}

static void reg_walk(RegDec *d, Bytes *b, Out *o)
{
    static const char *const errp[] = { "fresh", "null", "set", "fresh" };
    unsigned kind = next(b) % 4, reg = next(b) % d->nregs, flags = next(b);

    emit(o, "walk kind=%s reg=r%u errp=%s", walks[kind], reg, errp[flags % 4]);
    if (kind == 0) {
        emit(o, " mode=%s", flags & 4 ? "secondary" : "primary");
    } else if (kind == 1) {
        emit(o, " failover=%s", flags & 4 ? "true" : "false");
    }
    /* What the rules ask for may be impossible when they fire (a removal of
     * a state already gone, a second registration, nesting past depth=):
     * the decoder cannot know, so the walk may fail. */
    emit(o, " may_fail=true\n");
}

static void decode_registry(Bytes *b, Out *o)
{
    RegDec d = { .nregs = 1 + next(b) % 3 };

    emit(o, "limit depth=4 calls=2000\n");
    for (unsigned i = 0; i < d.nregs; i++) {
        emit(o, "registry name=r%u\n", i);
    }
    for (unsigned ops = 0; b->at < b->len && ops < DEC_MAX_OPS && !o->full; ops++) {
        size_t start = o->len;
        unsigned code = next(b) % REG_OPCODES;

        switch (code) {
        case 0: case 1: reg_state(&d, b, o); break;
        case 2: reg_remove(&d, b, o); break;
        case 3: case 4: reg_on(&d, b, o, ops); break;
        default: reg_walk(&d, b, o); break;
        }
        op_done(o, start, code == 4 ? 3 : code, code == 3 || code == 4);
    }
}

/* ---- fuzz_cluster -----------------------------------------------------------
 * Runs are short (120 ticks in all) so that an input takes well under a
 * millisecond.  bytes 0-4: the seed, then disks (1 + b % 2) and latency (1 + b / 2 % 3),
 * the checkpoint interval ((b % 4) * 25, 0: on request), the workload
 * (writes and packets in tenths, b % 6 and b / 8 % 6), divergence (b % 3
 * in hundredths).  Then operations, an opcode byte (b % 13) and arguments:
 *   0 start   1,2 run [ticks: 1 + b % 32]   3 write [disk] [sector] [count]
 *   [byte] [vm]   4 packet [conn] [diverge]   5 checkpoint   6 failover
 *   [node]   7 crash [node]   8 partition [link]   9 heal   10 fault [point]
 *   [mode] [k] [persistent]   11 clear   12 state on a node [node] [walk]
 *   [action: fail, crash, remove itself, ok]
 * Fault decisions come from these bytes only: modes always, once, nth,
 * after, every (never prob). */

#define CL_SECTORS 512
#define CL_TICKS 120

typedef struct ClDec {
    unsigned disks;
    unsigned nstates;
    unsigned ticks;
    unsigned last_run;          /* ticks of the last run emitted */
    bool merged;                /* this run went into the one before */
    char points[64][48];
    unsigned npoints;
} ClDec;

static const char *const nodes[] = { SIM_CLUSTER_PRIMARY_NAME, SIM_CLUSTER_SECONDARY_NAME };

/* The decoder's order of the points (a byte picks one by its index, so the
 * order is part of the byte format: existing inputs keep their meaning):
 * registry/alloc; per disk, the primary's then the secondary's points in
 * disk_order; each link's in link_order, p2s first; each node's crash.
 * The names themselves come from their owners. */
static const SimDiskPoint disk_order[] = {
    SIM_DISK_POINT_WRITE, SIM_DISK_POINT_READ, SIM_DISK_POINT_BACKUP, SIM_DISK_POINT_COMMIT,
};
static const SimLinkPoint link_order[] = {
    SIM_LINK_POINT_DROP, SIM_LINK_POINT_DELAY, SIM_LINK_POINT_DUPLICATE,
    SIM_LINK_POINT_REORDER, SIM_LINK_POINT_DOWN,
};

/* Every name fits: the longest is a default node's disk point, well under
 * sizeof(d->points[0]); the builders' errors cannot happen here. */
static void cl_points(ClDec *d)
{
    size_t len = sizeof(d->points[0]);

    d->npoints = 0;
    snprintf(d->points[d->npoints++], len, "%s", REPLICATION_FAULT_ALLOC);
    for (unsigned i = 0; i < d->disks; i++) {
        for (int n = 0; n < 2; n++) {
            SimDiskRole role = n ? SIM_DISK_SECONDARY : SIM_DISK_PRIMARY;

            for (size_t w = 0; w < sizeof(disk_order) / sizeof(disk_order[0]); w++) {
                if (sim_disk_role_has_point(role, disk_order[w])) {
                    (void)sim_cluster_disk_point(d->points[d->npoints++], len, nodes[n],
                                                 i, disk_order[w]);
                }
            }
        }
    }
    for (int l = 0; l < 2; l++) {
        for (size_t w = 0; w < sizeof(link_order) / sizeof(link_order[0]); w++) {
            (void)sim_cluster_link_point(d->points[d->npoints++], len, l == 0, link_order[w]);
        }
    }
    for (int n = 0; n < 2; n++) {
        (void)sim_cluster_crash_point(d->points[d->npoints++], len, nodes[n]);
    }
}

static void cl_header(ClDec *d, Bytes *b, Out *o)
{
    unsigned seed = next(b), shape = next(b), interval = next(b), load = next(b);
    unsigned diverge = next(b);

    d->disks = 1 + shape % 2;
    cl_points(d);
    emit(o, "seed value=%u\nlimit ticks=%u depth=4 calls=2000\n", seed, CL_TICKS);
    emit(o, "cluster disks=%u size=%u working_set=256 latency=%u interval=%u "
         "commit_rate=16 writes=0.%u packets=0.%u divergence=0.0%u\n",
         d->disks, CL_SECTORS, 1 + shape / 2 % 3, (interval % 4) * 25, load % 6,
         load / 8 % 6, diverge % 3);
}

static void cl_write(ClDec *d, Bytes *b, Out *o)
{
    static const char *const vm[] = { "both", "primary", "secondary" };
    unsigned disk = next(b) % d->disks, sector = next(b) % 250, count = 1 + next(b) % 6;
    unsigned byte = next(b), which = next(b) % 3;

    emit(o, "write disk=%u sector=%u count=%u byte=%u vm=%s may_fail=true\n", disk,
         sector, count, byte, vm[which]);
}

static void cl_fault(ClDec *d, Bytes *b, Out *o)
{
    static const char *const modes[] = { "always", "once", "nth", "after", "every" };
    unsigned point = next(b) % d->npoints, mode = next(b) % 5, k = 1 + next(b) % 8;
    unsigned persistent = next(b) & 1;

    emit(o, "fault point=%s mode=%s", d->points[point], modes[mode]);
    if (mode >= 2) {
        emit(o, " k=%u", k);
    }
    emit(o, " persistent=%s\n", persistent ? "true" : "false");
}

static void cl_state(ClDec *d, Bytes *b, Out *o)
{
    static const char *const what[] = { "fail msg=\"f\"", "crash", "remove", "ok" };
    unsigned node = next(b) % 2, walk = next(b) % 4, act = next(b) % 4;

    if (d->nstates == DEC_MAX_STATES) {
        return;
    }
    /* registry/alloc may be armed: the registration may fail. */
    emit(o, "state name=n%u node=%s may_fail=true\non state=n%u walk=%s do=%s\n", d->nstates,
         nodes[node], d->nstates, walks[walk], what[act]);
    d->nstates++;
}

static void cl_op(ClDec *d, Bytes *b, Out *o, unsigned code)
{
    static const char *const links[] = { "p2s", "s2p", "both" };
    unsigned ticks;

    switch (code) {
    case 0: emit(o, "start may_fail=true\n"); break;
    case 1: case 2:
        ticks = 1 + next(b) % 32;
        ticks = d->ticks + ticks > CL_TICKS ? CL_TICKS - d->ticks : ticks;
        d->ticks += ticks;
        if (o->prev_code == 1 && o->prev + o->prev_len == o->len && !o->full) {
            o->len = o->prev;   /* runs in a row are one run */
            ticks += d->last_run;
            d->merged = true;
        }
        d->last_run = ticks;
        emit(o, "run ticks=%u\n", ticks);
        break;
    case 3: cl_write(d, b, o); break;
    case 4: emit(o, "packet conn=%u diverge=%s may_fail=true\n", next(b) % 4,
                 next(b) & 1 ? "true" : "false"); break;
    case 5: emit(o, "checkpoint may_fail=true\n"); break;
    case 6: emit(o, "failover node=%s may_fail=true\n", nodes[next(b) % 2]); break;
    case 7: emit(o, "crash node=%s may_fail=true\n", nodes[next(b) % 2]); break;
    case 8: emit(o, "partition link=%s\n", links[next(b) % 3]); break;
    case 9: emit(o, "heal\n"); break;
    case 10: cl_fault(d, b, o); break;
    case 11: emit(o, "clear point=*\n"); break;
    default: cl_state(d, b, o); break;
    }
}

static void decode_cluster(Bytes *b, Out *o)
{
    ClDec d = { 0 };

    cl_header(&d, b, o);
    for (unsigned ops = 0; b->at < b->len && ops < DEC_MAX_OPS && !o->full; ops++) {
        size_t start = o->len;
        unsigned code = next(b) % CLUSTER_OPCODES;

        d.merged = false;
        cl_op(&d, b, o, code);
        code = code == 2 ? 1 : code;
        op_done(o, d.merged ? o->prev : start, code, code == 8 || code == 9 || code == 11);
    }
}

/* ---- the interface -------------------------------------------------------------- */

static const char *const harness_names[] = { "fuzz_registry", "fuzz_cluster",
                                              "fuzz_scenario" };

int scn_harness_by_name(const char *name, ScnHarness *h)
{
    for (int i = 0; i < 3; i++) {
        if (!strcmp(name, harness_names[i]) || !strcmp(name, harness_names[i] + 5)) {
            *h = (ScnHarness)i;
            return 0;
        }
    }
    return -EINVAL;
}

const char *scn_harness_name(ScnHarness h)
{
    return harness_names[h];
}

size_t scn_decode(ScnHarness h, const uint8_t *data, size_t len, char *text, size_t cap)
{
    Bytes b = { data, len, 0 };
    Out o = { .buf = text, .cap = cap };

    if (cap == 0) {
        return 0;
    }
    text[0] = '\0';
    if (h == SCN_HARNESS_SCENARIO) {
        o.len = len < cap - 1 ? len : cap - 1;
        memcpy(text, data, o.len);
        text[o.len] = '\0';
        return o.len;
    }
    /* Line 1 is the header (fuzz2scn writes its own one-line header in its
     * place), so that the operations have the same line numbers, which the
     * trace records, in the harness's run and in the printed scenario. */
    emit(&o, "# %s input, decoded\n", harness_names[h]);
    if (h == SCN_HARNESS_REGISTRY) {
        decode_registry(&b, &o);
    } else {
        decode_cluster(&b, &o);
    }
    return o.len;
}

/* ---- encoding suite scenarios into seed inputs --------------------------------
 * The inverse of the decoders for what they can express; other operations
 * are left out (a seed need not be exact, only a good start). */

typedef struct Enc {
    uint8_t *buf;
    size_t cap, len;
    char names[DEC_MAX_STATES][SCN_MAX_NAME + 1];
    bool live[DEC_MAX_STATES];
    unsigned nnames;
    char regs[3][SCN_MAX_NAME + 1];
    unsigned nregs;
} Enc;

static void put(Enc *e, unsigned v)
{
    if (e->len < e->cap) {
        e->buf[e->len++] = (uint8_t)v;
    }
}

static int index_of(char (*names)[SCN_MAX_NAME + 1], unsigned n, const char *name)
{
    for (unsigned i = 0; name != NULL && i < n; i++) {
        if (!strcmp(names[i], name)) {
            return (int)i;
        }
    }
    return -1;
}

static int64_t arg_i(const ScnOp *op, ScnKey k, int64_t dflt)
{
    const ScnValue *v = scn_arg(op, k);

    return v ? v->i : dflt;
}

static const char *arg_t(const ScnOp *op, ScnKey k)
{
    const ScnValue *v = scn_arg(op, k);

    return v ? v->text : NULL;
}

static void name_state(Enc *e, const char *name, bool live)
{
    if (e->nnames < DEC_MAX_STATES) {
        snprintf(e->names[e->nnames], sizeof(e->names[0]), "%s", name);
        e->live[e->nnames++] = live;
    }
}

static unsigned reg_index(Enc *e, const ScnOp *op, ScnKey key)
{
    int i = index_of(e->regs, e->nregs, arg_t(op, key));

    return i < 0 ? 0 : (unsigned)i;
}

static void enc_on(Enc *e, const ScnOp *op)
{
    static const uint8_t map[] = { 0, 1, 2, 3, 4, 5, 0 };   /* crash: ok */
    const ScnValue *act = scn_arg(op, K_DO);
    int st = index_of(e->names, e->nnames, arg_t(op, K_STATE));
    int target = index_of(e->names, e->nnames, arg_t(op, K_TARGET));
    int64_t call = arg_i(op, K_CALL, 0);
    unsigned nested = (unsigned)arg_i(op, K_NESTED, 0) | reg_index(e, op, K_IN) << 2;

    put(e, 3);
    put(e, st < 0 ? 0 : (unsigned)st);
    put(e, (unsigned)arg_i(op, K_WALK, 0));
    put(e, call > 3 ? 0 : (unsigned)call);
    put(e, map[act->list[0]] | (act->nlist > 1 ? 0x80 : 0));
    put(e, act->nlist > 1 ? map[act->list[1]] : 0);
    put(e, target < 0 ? 0 : (unsigned)target);
    put(e, nested);
    for (unsigned i = 0; i < act->nlist && i < 2; i++) {
        if (act->list[i] == ACT_REGISTER && arg_t(op, K_TARGET)) {
            name_state(e, arg_t(op, K_TARGET), false);
        }
    }
}

static void enc_registry_op(Enc *e, const ScnOp *op)
{
    int i;

    switch (op->kind) {
    case OP_STATE:
        put(e, 0);
        put(e, reg_index(e, op, K_REG));
        put(e, (unsigned)arg_i(op, K_OPS, 15));
        name_state(e, arg_t(op, K_NAME), true);
        break;
    case OP_REMOVE:
        i = index_of(e->names, e->nnames, arg_t(op, K_STATE));
        if (i >= 0) {
            unsigned k = 0;

            for (int j = 0; j < i; j++) {
                k += e->live[j];
            }
            put(e, 2);
            put(e, k);
            e->live[i] = false;
        }
        break;
    case OP_ON:
        enc_on(e, op);
        break;
    case OP_WALK:
        put(e, 5);
        put(e, (unsigned)arg_i(op, K_KIND, 0));
        put(e, reg_index(e, op, K_REG));
        put(e, (unsigned)arg_i(op, K_ERRP, 0) |
               (arg_i(op, K_MODE, 0) || arg_i(op, K_FAILOVER, 0) ? 4 : 0));
        break;
    default:
        break;
    }
}

static void enc_registry(Enc *e, const ScnScript *s)
{
    for (size_t i = 0; i < s->nops; i++) {
        if (s->ops[i].kind == OP_REGISTRY && e->nregs < 3) {
            snprintf(e->regs[e->nregs++], sizeof(e->regs[0]), "%s", arg_t(&s->ops[i], K_NAME));
        }
    }
    put(e, e->nregs ? e->nregs - 1 : 0);
    for (size_t i = 0; i < s->nops; i++) {
        enc_registry_op(e, &s->ops[i]);
    }
}

static unsigned tenths(int64_t per_million)
{
    return (unsigned)(per_million / 100000);
}

static void enc_cluster_header(Enc *e, const ScnScript *s, ClDec *d)
{
    const ScnOp *c = NULL;

    for (size_t i = 0; i < s->nops && c == NULL; i++) {
        c = s->ops[i].kind == OP_CLUSTER ? &s->ops[i] : NULL;
    }
    d->disks = c ? (unsigned)arg_i(c, K_DISKS, 1) : 1;
    d->disks = d->disks > 2 ? 2 : d->disks;
    cl_points(d);
    put(e, (unsigned)s->seed);
    put(e, (d->disks - 1) | (unsigned)((c ? arg_i(c, K_LATENCY, 2) : 2) - 1) % 3 << 1);
    put(e, (unsigned)((c ? arg_i(c, K_INTERVAL, 100) : 100) / 25) % 4);
    put(e, tenths(c ? arg_i(c, K_WRITES, 0) : 0) % 6 |
           (tenths(c ? arg_i(c, K_PACKETS, 0) : 0) % 6) << 3);
    put(e, (unsigned)((c ? arg_i(c, K_DIVERGENCE, 0) : 0) / 10000) % 3);
}

static unsigned node_byte(const ScnOp *op)
{
    const char *n = arg_t(op, K_NODE);

    return n && !strcmp(n, SIM_CLUSTER_SECONDARY_NAME) ? 1 : 0;
}

static void enc_cluster_fault(Enc *e, const ScnOp *op, ClDec *d)
{
    static const int mode_of[] = { 0, 1, 2, 3, 4, 1 };     /* prob: once */
    const char *point = arg_t(op, K_POINT);

    for (unsigned i = 0; point != NULL && i < d->npoints; i++) {
        if (!strcmp(d->points[i], point)) {
            put(e, 10);
            put(e, i);
            put(e, (unsigned)mode_of[arg_i(op, K_MODE, 0)]);
            put(e, (unsigned)(arg_i(op, K_K, 1) - 1) % 8);
            put(e, (unsigned)arg_i(op, K_PERSISTENT, 0));
            return;
        }
    }
}

static void enc_cluster_op(Enc *e, const ScnOp *op, ClDec *d)
{
    int64_t ticks;

    switch (op->kind) {
    case OP_START: put(e, 0); break;
    case OP_RUN:
        for (ticks = arg_i(op, K_TICKS, 0); ticks > 0; ticks -= 32) {
            put(e, 1);
            put(e, (unsigned)(ticks > 32 ? 31 : ticks - 1));
        }
        break;
    case OP_WRITE:
        put(e, 3);
        put(e, (unsigned)arg_i(op, K_DISK, 0));
        put(e, (unsigned)(arg_i(op, K_SECTOR, 0) % 250));
        put(e, (unsigned)(arg_i(op, K_COUNT, 1) - 1) % 6);
        put(e, (unsigned)arg_i(op, K_BYTE, 0));
        put(e, (unsigned)arg_i(op, K_VM, 0));
        break;
    case OP_PACKET: put(e, 4); put(e, (unsigned)arg_i(op, K_CONN, 0)); put(e, (unsigned)arg_i(op, K_DIVERGE, 0)); break;
    case OP_CHECKPOINT: put(e, 5); break;
    case OP_FAILOVER: put(e, 6); put(e, node_byte(op)); break;
    case OP_CRASH: put(e, 7); put(e, node_byte(op)); break;
    case OP_PARTITION: put(e, 8); put(e, (unsigned)arg_i(op, K_LINK, 0)); break;
    case OP_HEAL: put(e, 9); break;
    case OP_FAULT: enc_cluster_fault(e, op, d); break;
    case OP_CLEAR: put(e, 11); break;
    default: break;
    }
}

int scn_encode(ScnHarness h, const ScnScript *s, uint8_t *out, size_t cap, size_t *len)
{
    Enc e = { .buf = out, .cap = cap };
    ClDec d = { 0 };

    if (h == SCN_HARNESS_SCENARIO) {
        *len = 0;
        return -EINVAL;
    }
    if (h == SCN_HARNESS_REGISTRY) {
        enc_registry(&e, s);
    } else {
        enc_cluster_header(&e, s, &d);
        for (size_t i = 0; i < s->nops; i++) {
            enc_cluster_op(&e, &s->ops[i], &d);
        }
    }
    *len = e.len;
    return e.len < cap ? 0 : -ENOSPC;
}
