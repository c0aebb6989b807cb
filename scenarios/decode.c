/* decode.c: fuzzer bytes straight into a script (no text, no parse), and
 * back (scn.h, "Fuzzing").  The fuzz harnesses and `replbench fuzz2scn`
 * decode through here (fuzz2scn prints the script with ast.c's printer), so
 * a fuzzer input and its scenario are one and the same run; the encoder
 * turns suite scenarios into seed inputs.  Every byte string decodes to a
 * script the parser would make of its printed text (the corpus test in
 * tests/test_decode_ast.c); the byte formats are described at each decoder.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cluster.h"
#include "scn_ast.h"

#define DEC_MAX_OPS 64          /* opcodes decoded at most */
#define DEC_MAX_STATES 32
#define DEC_SCRIPT_OPS (3 + 2 * DEC_MAX_OPS)    /* the header's, then 2 per opcode at most */
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

/* The script being decoded, and the last opcode's operations (folding). */
typedef struct Out {
    ScnScript *s;
    unsigned prev_code;
    size_t prev_first, prev_n;
} Out;

/* A new operation on the next line: line 1 is the header. */
static ScnOp *op_new(Out *o, ScnOpKind kind)
{
    return scn_op_add(o->s, kind, (unsigned)o->s->nops + 2);
}

/* An opcode's operations end (they began at `first`).  A repeat of the
 * opcode before it is folded away when repeating changes nothing (`clear`,
 * `heal`, the same `partition`, the same rule), so that long runs of
 * identical lines never reach the scenario. */
static void op_done(Out *o, size_t first, unsigned code, bool idempotent)
{
    size_t n = o->s->nops - first;
    bool same = idempotent && code == o->prev_code && n == o->prev_n;

    for (size_t i = 0; same && i < n; i++) {
        same = scn_op_same(&o->s->ops[o->prev_first + i], &o->s->ops[first + i]);
    }
    if (same) {
        o->s->nops = first;
        return;
    }
    for (size_t i = first; i < o->s->nops; i++) {
        scn_script_note(o->s, &o->s->ops[i]);
    }
    o->prev_first = first;
    o->prev_n = n;
    o->prev_code = code;
}

/* Names and messages the decoders write, by number (static: a script's
 * strings live as long as it). */
#define D10(p) p "0", p "1", p "2", p "3", p "4", p "5", p "6", p "7", p "8", p "9"
static const char *const state_names[DEC_MAX_STATES] = {
    D10("s"), D10("s1"), D10("s2"), "s30", "s31" };
static const char *const node_states[DEC_MAX_STATES] = {
    D10("n"), D10("n1"), D10("n2"), "n30", "n31" };
static const char *const reg_names[3] = { "r0", "r1", "r2" };
static const char *const fail_msgs[DEC_MAX_OPS] = {
    D10("e"), D10("e1"), D10("e2"), D10("e3"), D10("e4"), D10("e5"), "e60", "e61", "e62", "e63" };

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

static void reg_state(RegDec *d, Bytes *b, Out *o)
{
    unsigned reg = next(b) % d->nregs, mask = next(b) % 16;
    ScnOp *op;

    if (d->nstates == DEC_MAX_STATES) {
        return;
    }
    op = op_new(o, OP_STATE);
    scn_arg_text(op, K_NAME, state_names[d->nstates]);
    scn_arg_text(op, K_REG, reg_names[reg]);
    scn_arg_int(op, K_OPS, mask);
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
            ScnOp *op = op_new(o, OP_REMOVE);

            scn_arg_text(op, K_STATE, state_names[i]);
            scn_arg_int(op, K_MAY_FAIL, 1);
            d->live[i] = false;
        }
    }
}

static void reg_on(RegDec *d, Bytes *b, Out *o, unsigned nth)
{
    unsigned st = next(b), walk = next(b) % 4, call = next(b) % 4;
    unsigned a1 = next(b), a2 = next(b), target = next(b), extra = next(b);
    unsigned n = (a1 & 0x80) ? 2 : 1;
    uint8_t act[2] = { (uint8_t)(a1 % 6), (uint8_t)(a2 % 6) };
    bool needs_target = false, registers = false;
    ScnOp *op;

    if (d->nstates == 0) {
        return;
    }
    for (int i = 0; i < 2; i++) {
        act[i] = act[i] == ACT_REGISTER && d->nstates == DEC_MAX_STATES ? ACT_OK : act[i];
    }
    if (act[0] == ACT_REMOVE && act[1] == ACT_REGISTER) {   /* one target=: register it first */
        act[0] = ACT_REGISTER;
        act[1] = ACT_REMOVE;
    }
    st %= d->nstates;
    n = n == 2 && act[1] != act[0] ? 2 : 1;
    op = op_new(o, OP_ON);
    scn_arg_text(op, K_STATE, state_names[st]);
    scn_arg_int(op, K_WALK, walk);
    if (call) {
        scn_arg_int(op, K_CALL, call);
    }
    scn_arg_do(op, act, n);                 /* ACT_OK..ACT_NESTED */
    for (unsigned i = 0; i < n; i++) {
        needs_target |= act[i] == ACT_REMOVE;
        registers |= act[i] == ACT_REGISTER;
        if (act[i] == ACT_FAIL) {
            scn_arg_text(op, K_MSG, fail_msgs[nth]);
        }
        if (act[i] == ACT_NESTED) {
            scn_arg_int(op, K_NESTED, extra % 4);
            scn_arg_text(op, K_IN, reg_names[(extra >> 2) % d->nregs]);
        }
    }
    if (registers) {            /* a new name; it exists when the rule fires */
        scn_arg_text(op, K_TARGET, state_names[d->nstates]);
        d->reg_of[d->nstates] = d->reg_of[st];
        d->live[d->nstates++] = false;
    } else if (needs_target) {
        scn_arg_text(op, K_TARGET, state_names[target % d->nstates]);
    }
}

static void reg_walk(RegDec *d, Bytes *b, Out *o)
{
    static const uint8_t errp[] = { ERRP_FRESH, ERRP_NULL, ERRP_SET, ERRP_FRESH };
    unsigned kind = next(b) % 4, reg = next(b) % d->nregs, flags = next(b);
    ScnOp *op = op_new(o, OP_WALK);

    scn_arg_int(op, K_KIND, kind);
    scn_arg_text(op, K_REG, reg_names[reg]);
    scn_arg_int(op, K_ERRP, errp[flags % 4]);
    if (kind == SIM_WALK_START) {
        scn_arg_int(op, K_MODE, flags & 4 ? ROLE_SECONDARY : ROLE_PRIMARY);
    } else if (kind == SIM_WALK_STOP) {
        scn_arg_int(op, K_FAILOVER, (flags & 4) != 0);
    }
    /* What the rules ask for may be impossible when they fire (a removal of
     * a state already gone, a second registration, nesting past depth=):
     * the decoder cannot know, so the walk may fail. */
    scn_arg_int(op, K_MAY_FAIL, 1);
}

static void decode_registry(Bytes *b, Out *o)
{
    RegDec d = { .nregs = 1 + next(b) % 3 };
    ScnOp *op = op_new(o, OP_LIMIT);

    scn_arg_int(op, K_DEPTH, 4);
    scn_arg_int(op, K_CALLS, 2000);
    for (unsigned i = 0; i < d.nregs; i++) {
        scn_arg_text(op_new(o, OP_REGISTRY), K_NAME, reg_names[i]);
    }
    for (unsigned ops = 0; b->at < b->len && ops < DEC_MAX_OPS; ops++) {
        size_t first = o->s->nops;
        unsigned code = next(b) % REG_OPCODES;

        switch (code) {
        case 0: case 1: reg_state(&d, b, o); break;
        case 2: reg_remove(&d, b, o); break;
        case 3: case 4: reg_on(&d, b, o, ops); break;
        default: reg_walk(&d, b, o); break;
        }
        op_done(o, first, code == 4 ? 3 : code, code == 3 || code == 4);
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

/* The fault points of a cluster of 1 or 2 disks, in the decoder's order. */
typedef struct ClPoints {
    char name[64][48];
    unsigned n;
} ClPoints;

typedef struct ClDec {
    unsigned disks;
    unsigned nstates;
    unsigned ticks;
    const ClPoints *points;
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
 * sizeof(p->name[0]); the builders' errors cannot happen here. */
static void make_points(ClPoints *p, unsigned disks)
{
    size_t len = sizeof(p->name[0]);

    p->n = 0;
    snprintf(p->name[p->n++], len, "%s", REPLICATION_FAULT_ALLOC);
    for (unsigned i = 0; i < disks; i++) {
        for (int n = 0; n < 2; n++) {
            SimDiskRole role = n ? SIM_DISK_SECONDARY : SIM_DISK_PRIMARY;

            for (size_t w = 0; w < sizeof(disk_order) / sizeof(disk_order[0]); w++) {
                if (sim_disk_role_has_point(role, disk_order[w])) {
                    (void)sim_cluster_disk_point(p->name[p->n++], len, nodes[n], i,
                                                 disk_order[w]);
                }
            }
        }
    }
    for (int l = 0; l < 2; l++) {
        for (size_t w = 0; w < sizeof(link_order) / sizeof(link_order[0]); w++) {
            (void)sim_cluster_link_point(p->name[p->n++], len, l == 0, link_order[w]);
        }
    }
    for (int n = 0; n < 2; n++) {
        (void)sim_cluster_crash_point(p->name[p->n++], len, nodes[n]);
    }
}

/* The points of a cluster of `disks` (1 or 2), made once per process (the
 * decoders run in one thread) and never changed: the scripts point into
 * them. */
static const ClPoints *cl_points(unsigned disks)
{
    static ClPoints points[2];
    static bool made[2];

    if (!made[disks - 1]) {
        make_points(&points[disks - 1], disks);
        made[disks - 1] = true;
    }
    return &points[disks - 1];
}

static void cl_header(ClDec *d, Bytes *b, Out *o)
{
    unsigned seed = next(b), shape = next(b), interval = next(b), load = next(b);
    unsigned diverge = next(b);
    ScnOp *op;

    d->disks = 1 + shape % 2;
    d->points = cl_points(d->disks);
    scn_arg_int(op_new(o, OP_SEED), K_VALUE, seed);
    op = op_new(o, OP_LIMIT);
    scn_arg_int(op, K_TICKS, CL_TICKS);
    scn_arg_int(op, K_DEPTH, 4);
    scn_arg_int(op, K_CALLS, 2000);
    op = op_new(o, OP_CLUSTER);
    scn_arg_int(op, K_DISKS, d->disks);
    scn_arg_int(op, K_SIZE, CL_SECTORS);
    scn_arg_int(op, K_WORKING_SET, 256);
    scn_arg_int(op, K_LATENCY, 1 + shape / 2 % 3);
    scn_arg_int(op, K_INTERVAL, (interval % 4) * 25);
    scn_arg_int(op, K_COMMIT_RATE, 16);
    scn_arg_frac(op, K_WRITES, (load % 6) * 100000, 1);
    scn_arg_frac(op, K_PACKETS, (load / 8 % 6) * 100000, 1);
    scn_arg_frac(op, K_DIVERGENCE, (diverge % 3) * 10000, 2);
    for (size_t i = 0; i < o->s->nops; i++) {
        scn_script_note(o->s, &o->s->ops[i]);
    }
}

static void cl_write(ClDec *d, Bytes *b, Out *o)
{
    unsigned disk = next(b) % d->disks, sector = next(b) % 250, count = 1 + next(b) % 6;
    unsigned byte = next(b), which = next(b) % 3;
    ScnOp *op = op_new(o, OP_WRITE);

    scn_arg_int(op, K_DISK, disk);
    scn_arg_int(op, K_SECTOR, sector);
    scn_arg_int(op, K_COUNT, count);
    scn_arg_int(op, K_BYTE, byte);
    scn_arg_int(op, K_VM, which);       /* VM_BOTH, VM_PRIMARY, VM_SECONDARY */
    scn_arg_int(op, K_MAY_FAIL, 1);
}

static void cl_fault(ClDec *d, Bytes *b, Out *o)
{
    unsigned point = next(b) % d->points->n, mode = next(b) % 5, k = 1 + next(b) % 8;
    unsigned persistent = next(b) & 1;
    ScnOp *op = op_new(o, OP_FAULT);

    scn_arg_text(op, K_POINT, d->points->name[point]);
    scn_arg_int(op, K_MODE, mode);      /* FM_ALWAYS..FM_EVERY */
    if (mode >= FM_NTH) {
        scn_arg_int(op, K_K, k);
    }
    scn_arg_int(op, K_PERSISTENT, persistent);
}

static void cl_state(ClDec *d, Bytes *b, Out *o)
{
    static const uint8_t what[] = { ACT_FAIL, ACT_CRASH, ACT_REMOVE, ACT_OK };
    unsigned node = next(b) % 2, walk = next(b) % 4, act = next(b) % 4;
    ScnOp *op;

    if (d->nstates == DEC_MAX_STATES) {
        return;
    }
    /* registry/alloc may be armed: the registration may fail. */
    op = op_new(o, OP_STATE);
    scn_arg_text(op, K_NAME, node_states[d->nstates]);
    scn_arg_text(op, K_NODE, nodes[node]);
    scn_arg_int(op, K_MAY_FAIL, 1);
    op = op_new(o, OP_ON);
    scn_arg_text(op, K_STATE, node_states[d->nstates]);
    scn_arg_int(op, K_WALK, walk);
    scn_arg_do(op, &what[act], 1);
    if (what[act] == ACT_FAIL) {
        scn_arg_text(op, K_MSG, "f");
    }
    d->nstates++;
}

/* run: runs in a row are one run (the last operation's ticks grow). */
static void cl_run(ClDec *d, Bytes *b, Out *o)
{
    unsigned ticks = 1 + next(b) % 32;

    ticks = d->ticks + ticks > CL_TICKS ? CL_TICKS - d->ticks : ticks;
    d->ticks += ticks;
    if (o->prev_code == 1) {
        ScnArg *a = &o->s->ops[o->s->nops - 1].args[0];

        SIM_CHECK(a->key == K_TICKS);
        a->v.i += ticks;
        return;
    }
    scn_arg_int(op_new(o, OP_RUN), K_TICKS, ticks);
}

static void cl_op_args(Out *o, ScnOpKind kind, ScnKey key, int64_t i)
{
    ScnOp *op = op_new(o, kind);

    if (kind == OP_CLEAR) {
        scn_arg_text(op, K_POINT, "*");
    } else if (key == K_NODE) {
        scn_arg_text(op, K_NODE, nodes[i]);
    } else if (key != K_VALUE) {
        scn_arg_int(op, key, i);
    }
    if (kind != OP_PARTITION && kind != OP_HEAL && kind != OP_CLEAR) {
        scn_arg_int(op, K_MAY_FAIL, 1);
    }
}

static void cl_op(ClDec *d, Bytes *b, Out *o, unsigned code)
{
    ScnOp *op;

    switch (code) {
    case 0: cl_op_args(o, OP_START, K_VALUE, 0); break;
    case 1: case 2: cl_run(d, b, o); break;
    case 3: cl_write(d, b, o); break;
    case 4:
        op = op_new(o, OP_PACKET);
        scn_arg_int(op, K_CONN, next(b) % 4);
        scn_arg_int(op, K_DIVERGE, next(b) & 1);
        scn_arg_int(op, K_MAY_FAIL, 1);
        break;
    case 5: cl_op_args(o, OP_CHECKPOINT, K_VALUE, 0); break;
    case 6: cl_op_args(o, OP_FAILOVER, K_NODE, next(b) % 2); break;
    case 7: cl_op_args(o, OP_CRASH, K_NODE, next(b) % 2); break;
    case 8: cl_op_args(o, OP_PARTITION, K_LINK, next(b) % 3); break;
    case 9: cl_op_args(o, OP_HEAL, K_VALUE, 0); break;
    case 10: cl_fault(d, b, o); break;
    case 11: cl_op_args(o, OP_CLEAR, K_POINT, 0); break;
    default: cl_state(d, b, o); break;
    }
}

static void decode_cluster(Bytes *b, Out *o)
{
    ClDec d = { 0 };

    cl_header(&d, b, o);
    for (unsigned ops = 0; b->at < b->len && ops < DEC_MAX_OPS; ops++) {
        size_t first = o->s->nops;
        unsigned code = next(b) % CLUSTER_OPCODES;
        bool merged = (code == 1 || code == 2) && o->prev_code == 1;

        cl_op(&d, b, o, code);
        code = code == 2 ? 1 : code;
        op_done(o, merged ? o->prev_first : first, code, code == 8 || code == 9 || code == 11);
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

int scn_decode_script(ScnHarness h, const uint8_t *data, size_t len, ScnScript **s)
{
    Bytes b = { data, len, 0 };
    Out o = { 0 };

    if (h == SCN_HARNESS_SCENARIO) {
        return -EINVAL;
    }
    if (*s == NULL && (*s = scn_script_new("fuzz.scn", DEC_SCRIPT_OPS)) == NULL) {
        return -ENOMEM;
    }
    SIM_CHECK_OP((*s)->cap, >=, DEC_SCRIPT_OPS);
    scn_script_reset(*s);
    o.s = *s;
    if (h == SCN_HARNESS_REGISTRY) {
        decode_registry(&b, &o);
    } else {
        decode_cluster(&b, &o);
    }
    return 0;
}

size_t scn_decode(ScnHarness h, const uint8_t *data, size_t len, char *text, size_t cap)
{
    ScnScript *s = NULL;
    char header[64];
    size_t n = 0;

    if (cap == 0) {
        return 0;
    }
    text[0] = '\0';
    if (h == SCN_HARNESS_SCENARIO) {
        n = len < cap - 1 ? len : cap - 1;
        memcpy(text, data, n);
        text[n] = '\0';
        return n;
    }
    /* Line 1 is the header (fuzz2scn writes its own one-line header in its
     * place), so that the operations have the same line numbers, which the
     * trace records, in the harness's run and in the printed scenario. */
    if (scn_decode_script(h, data, len, &s) == 0) {
        snprintf(header, sizeof(header), "# %s input, decoded\n", harness_names[h]);
        n = scn_print(s, header, text, cap, NULL);
    }
    scn_free(s);
    return n;
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

/* The byte of a rule's first action when a second follows: bit 7 says so,
 * and the decoder's `b % 6` (bit 7 included) must still give the action. */
static unsigned first_of_two(unsigned act)
{
    return 0x80 | (act + 6 - 0x80 % 6) % 6;
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
    put(e, act->nlist > 1 ? first_of_two(map[act->list[0]]) : map[act->list[0]]);
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
    d->points = cl_points(d->disks);
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

    for (unsigned i = 0; point != NULL && i < d->points->n; i++) {
        if (!strcmp(d->points->name[i], point)) {
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
