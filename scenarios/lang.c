/* lang.c: the scenario language's vocabulary (scn_ast.h): the names of
 * operations, keys and words, and each operation's keys with their types
 * and bounds.  The one owner of these tables: the parser (parse.c), the
 * builders and the printer (ast.c) read them here.  Depends on no other
 * file of scenarios/; parses, builds and runs nothing.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "cluster.h"
#include "scn_ast.h"

typedef ScnKeySpec KeySpec;

typedef struct OpSpec {
    const char *name;
    KeySpec keys[MAX_SPECS];
} OpSpec;

static const char *const key_names[K__COUNT] = {
    "value", "ticks", "depth", "calls", "name", "disks", "size", "latency",
    "interval", "timeout", "compare_timeout", "commit_rate", "writes",
    "packets", "divergence", "connections", "working_set", "primary",
    "secondary", "upstream_checkpoint", "upstream_failover", "failover_on_crash",
    "role", "reg",
    "to", "node", "ops", "state", "walk", "call", "do", "target", "msg",
    "nested", "in", "mode", "failover", "kind", "errp", "disk", "sector",
    "count", "byte", "vm", "conn", "diverge", "link", "fails", "op", "rc",
    "point", "k", "p", "persistent", "error", "error_contains", "data",
    "index", "stage", "epoch", "broken", "crashed", "fired", "hits",
    "violation", "hash", "may_fail", "id", "permanent", "liveness",
};

static const char *const w_role[] = { "primary", "secondary", NULL };
static const char *const w_errp[] = { "fresh", "null", "set", NULL };
static const char *const w_vm[] = { "both", "primary", "secondary", NULL };
static const char *const w_link[] = { "p2s", "s2p", "both", NULL };
static const char *const w_io[] = { "read", "write", "receive", NULL };
static const char *const w_fmode[] = { "always", "once", "nth", "after", "every", "prob", NULL };
static const char *const w_stage[] = { "none", "running", "failover", "failover_failed", "done", NULL };
static const char *const w_walk[] = { "start", "stop", "checkpoint", "get_error", NULL };
/* SimLiveVerdict's names, in its order (liveness.h). */
static const char *const w_live[] = { "converged", "expected", "stuck", NULL };
static const char *const w_act[] = { "ok", "fail", "fail_silent", "remove", "register",
                                     "nested", "crash", NULL };

#define BIG INT64_MAX
#define I(k, req, lo, hi) { k, T_INT, req, lo, hi, NULL }
#define E(k, req, words) { k, T_ENUM, req, 0, 0, words }
#define T(k, type, req) { k, type, req, 0, 0, NULL }
#define W(k, req) { k, T_WALK, req, 0, 0, w_walk }

static const OpSpec ops[OP__COUNT] = {
    [OP_SEED] = { "seed", { I(K_VALUE, true, 0, BIG) } },
    [OP_LIMIT] = { "limit", { I(K_TICKS, false, 1, SCN_MAX_TICKS),
                              I(K_DEPTH, false, 1, SCN_MAX_DEPTH),
                              I(K_CALLS, false, 1, SCN_MAX_CALLS) } },
    [OP_REGISTRY] = { "registry", { T(K_NAME, T_NAME, true) } },
    [OP_CLUSTER] = { "cluster", {
        /* A disk and the working set hold the largest write. */
        I(K_DISKS, false, 1, SIM_CLUSTER_MAX_DISKS),
        I(K_SIZE, false, SIM_CLUSTER_MAX_WRITE_SECTORS, SCN_MAX_SECTORS),
        I(K_LATENCY, false, 1, SCN_MAX_LATENCY_TICKS), I(K_INTERVAL, false, 0, SCN_MAX_TICKS),
        I(K_TIMEOUT, false, 1, SCN_MAX_TICKS), I(K_COMPARE_TIMEOUT, false, 1, SCN_MAX_TICKS),
        I(K_COMMIT_RATE, false, 1, SIM_DISK_COMMIT_MAX_SECTORS_PER_TICK),
        T(K_WRITES, T_FRAC, false),
        T(K_PACKETS, T_FRAC, false), T(K_DIVERGENCE, T_FRAC, false),
        I(K_CONNECTIONS, false, 1, SIM_CLUSTER_MAX_CONNS),
        I(K_WORKING_SET, false, SIM_CLUSTER_MAX_WRITE_SECTORS, SCN_MAX_SECTORS),
        T(K_PRIMARY, T_NAME, false), T(K_SECONDARY, T_NAME, false),
        T(K_UPSTREAM_CHECKPOINT, T_BOOL, false), T(K_UPSTREAM_FAILOVER, T_BOOL, false),
        T(K_FAILOVER_ON_CRASH, T_BOOL, false) } },
    [OP_DISK] = { "disk", { T(K_NAME, T_NAME, true), E(K_ROLE, true, w_role),
                            I(K_SIZE, false, 1, SCN_MAX_SECTORS), T(K_REG, T_NAME, false),
                            T(K_TO, T_NAME, false) } },
    [OP_STATE] = { "state", { T(K_NAME, T_NAME, true), T(K_REG, T_NAME, false),
                              T(K_NODE, T_NAME, false),
                              { K_OPS, T_OPS, false, 0, 0, w_walk },
                              T(K_MAY_FAIL, T_BOOL, false) } },
    [OP_REMOVE] = { "remove", { T(K_STATE, T_NAME, true), T(K_MAY_FAIL, T_BOOL, false) } },
    [OP_ON] = { "on", { T(K_STATE, T_NAME, true), W(K_WALK, true),
                        I(K_CALL, false, 1, SCN_MAX_COUNT),
                        { K_DO, T_DO, true, 0, 0, w_act },
                        T(K_TARGET, T_NAME, false), T(K_MSG, T_TEXT, false),
                        W(K_NESTED, false), T(K_IN, T_NAME, false),
                        E(K_MODE, false, w_role), T(K_FAILOVER, T_BOOL, false) } },
    [OP_WALK] = { "walk", { W(K_KIND, true), T(K_REG, T_NAME, false),
                            T(K_NODE, T_NAME, false), E(K_MODE, false, w_role),
                            T(K_FAILOVER, T_BOOL, false), E(K_ERRP, false, w_errp),
                            T(K_MAY_FAIL, T_BOOL, false) } },
    [OP_START] = { "start", { T(K_FAILS, T_TEXT, false), T(K_MAY_FAIL, T_BOOL, false) } },
    [OP_RUN] = { "run", { I(K_TICKS, true, 0, SCN_MAX_TICKS) } },
    [OP_WRITE] = { "write", { I(K_DISK, false, 0, SIM_CLUSTER_MAX_DISKS - 1),
                              I(K_SECTOR, true, 0, SCN_MAX_SECTORS),
                              I(K_COUNT, false, 1, SIM_CLUSTER_MAX_WRITE_SECTORS),
                              I(K_BYTE, true, 0, UINT8_MAX),
                              E(K_VM, false, w_vm), T(K_FAILS, T_TEXT, false),
                              T(K_MAY_FAIL, T_BOOL, false) } },
    [OP_PACKET] = { "packet", { I(K_CONN, true, 0, SIM_CLUSTER_MAX_CONNS - 1),
                                T(K_DIVERGE, T_BOOL, false),
                                T(K_FAILS, T_TEXT, false), T(K_MAY_FAIL, T_BOOL, false) } },
    [OP_CHECKPOINT] = { "checkpoint", { T(K_FAILS, T_TEXT, false), T(K_MAY_FAIL, T_BOOL, false) } },
    [OP_FAILOVER] = { "failover", { T(K_NODE, T_NAME, true), T(K_FAILS, T_TEXT, false),
                                    T(K_MAY_FAIL, T_BOOL, false) } },
    [OP_CRASH] = { "crash", { T(K_NODE, T_NAME, true), T(K_FAILS, T_TEXT, false),
                              T(K_MAY_FAIL, T_BOOL, false) } },
    [OP_PARTITION] = { "partition", { E(K_LINK, true, w_link),
                                      T(K_PERMANENT, T_BOOL, false) } },
    [OP_HEAL] = { "heal", { { 0 } } },
    [OP_IO] = { "io", { T(K_DISK, T_NAME, true), E(K_OP, true, w_io),
                        I(K_SECTOR, true, 0, SCN_MAX_SECTORS),
                        I(K_COUNT, false, 1, SIM_DISK_MAX_IO_SECTORS),
                        I(K_BYTE, false, 0, UINT8_MAX),
                        { K_RC, T_SINT, false, SCN_MIN_RC, 0, NULL } } },
    [OP_FAULT] = { "fault", { T(K_POINT, T_POINT, true), E(K_MODE, true, w_fmode),
                              I(K_K, false, 1, BIG), T(K_P, T_FRAC, false),
                              T(K_PERSISTENT, T_BOOL, false),
                              T(K_PERMANENT, T_BOOL, false) } },
    [OP_CLEAR] = { "clear", { T(K_POINT, T_POINT, true) } },
    [OP_EXPECT] = { "expect", { { 0 } } },    /* see expect_forms */
    [OP_RULE] = { "rule", { T(K_ID, T_NAME, true), W(K_WALK, false) } },
    [OP_LIVENESS] = { "liveness", { I(K_TICKS, false, 1, SCN_MAX_TICKS) } },
};

/* `expect` forms: the first key names the form and decides which others
 * may follow. */
static const KeySpec expect_forms[][MAX_SPECS] = {
    { T(K_CALLS, T_TEXT, true) },
    { T(K_ERROR, T_ERRTEXT, true) },
    { T(K_ERROR_CONTAINS, T_TEXT, true) },
    { I(K_COUNT, true, 0, SCN_MAX_COUNT), T(K_REG, T_NAME, false), T(K_NODE, T_NAME, false) },
    { I(K_DATA, true, 0, UINT8_MAX), T(K_DISK, T_NAME, false),
      T(K_NODE, T_NAME, false), I(K_INDEX, false, 0, SIM_CLUSTER_MAX_DISKS - 1),
      I(K_SECTOR, true, 0, SCN_MAX_SECTORS), I(K_COUNT, false, 1, SIM_DISK_MAX_IO_SECTORS) },
    { E(K_STAGE, true, w_stage), T(K_DISK, T_NAME, false),
      T(K_NODE, T_NAME, false), I(K_INDEX, false, 0, SIM_CLUSTER_MAX_DISKS - 1) },
    { I(K_PACKETS, true, 0, BIG) },
    { I(K_EPOCH, true, 0, BIG) },
    { T(K_BROKEN, T_BOOL, true) },
    { T(K_CRASHED, T_BOOL, true), T(K_NODE, T_NAME, true) },
    { I(K_FIRED, true, 0, BIG), T(K_POINT, T_POINT, true) },
    { I(K_HITS, true, 0, BIG), T(K_POINT, T_POINT, true) },
    { T(K_VIOLATION, T_TEXT, true) },
    { T(K_HASH, T_U64, true) },
    { E(K_LIVENESS, true, w_live) },
};

#define NFORMS (sizeof(expect_forms) / sizeof(expect_forms[0]))

const char *scn_op_name(ScnOpKind kind)
{
    return ops[kind].name;
}

const char *scn_key_name(ScnKey key)
{
    return key_names[key];
}

const char *scn_action_name(unsigned act)
{
    return act < sizeof(w_act) / sizeof(w_act[0]) - 1 ? w_act[act] : "?";
}

int scn_trace_kind(ScnOpKind kind)
{
    return kind <= OP_RULE ? (int)kind : (int)kind - OP_RULE - 1 + SCN_EV__END;
}

const char *scn_event_name(int kind)
{
    static const char *const names[] = { "call", "walk_done", "failed" };

    if (kind >= 0 && kind <= OP_RULE) {
        return ops[kind].name;
    }
    if (kind >= SCN_EV_CALL && kind < SCN_EV__END) {
        return names[kind - SCN_EV_CALL];
    }
    kind += OP_RULE + 1 - SCN_EV__END;      /* an operation added since */
    return kind > OP_RULE && kind < OP__COUNT ? ops[kind].name : "?";
}

ScnOpKind scn_op_by_name(const char *name)
{
    int i = 0;

    while (i < OP__COUNT && strcmp(ops[i].name, name) != 0) {
        i++;
    }
    return (ScnOpKind)i;
}

ScnKey scn_expect_form_at(size_t i)
{
    return i < NFORMS ? expect_forms[i][0].key : K__COUNT;
}

/* A table's keys end at the first unused (zeroed) entry: every real
 * integer key has max > 0 or is required. */
static size_t count_keys(const KeySpec *keys)
{
    size_t n = 0;

    while (n < MAX_SPECS && !(keys[n].type == T_INT && keys[n].max == 0 && !keys[n].required)) {
        n++;
    }
    return n;
}

const ScnKeySpec *scn_op_keys(ScnOpKind kind, ScnKey form, size_t *n)
{
    const KeySpec *keys = kind == OP_EXPECT ? NULL : ops[kind].keys;

    for (size_t i = 0; keys == NULL && i < NFORMS; i++) {
        keys = expect_forms[i][0].key == form ? expect_forms[i] : NULL;
    }
    *n = keys != NULL ? count_keys(keys) : 0;
    return keys;
}

/* Where each key is in each table, its index + 1 (0: not there; the first
 * of a key given twice), and which form a key begins (its index + 1):
 * made on the first lookup, since scn_key_spec is on every argument a
 * builder appends (every fuzz input's decoding) and the tables never
 * change.  One thread, as the decoders. */
static uint8_t op_slot[OP__COUNT][K__COUNT];
static uint8_t form_slot[NFORMS][K__COUNT];
static uint8_t form_of[K__COUNT];
static bool slots_made;

static void index_keys(const KeySpec *keys, uint8_t slot[K__COUNT])
{
    size_t n = count_keys(keys);

    for (size_t i = 0; i < n; i++) {
        if (slot[keys[i].key] == 0) {
            slot[keys[i].key] = (uint8_t)(i + 1);
        }
    }
}

static void make_slots(void)
{
    _Static_assert(MAX_SPECS < UINT8_MAX && NFORMS < UINT8_MAX, "an index + 1 fits a byte");
    for (size_t o = 0; o < OP__COUNT; o++) {
        if (o != OP_EXPECT) {
            index_keys(ops[o].keys, op_slot[o]);
        }
    }
    for (size_t f = 0; f < NFORMS; f++) {
        if (form_of[expect_forms[f][0].key] == 0) {
            form_of[expect_forms[f][0].key] = (uint8_t)(f + 1);
        }
        index_keys(expect_forms[f], form_slot[f]);
    }
    slots_made = true;
}

const ScnKeySpec *scn_key_spec(ScnOpKind kind, ScnKey form, ScnKey key)
{
    unsigned f, at;

    if (!slots_made) {
        make_slots();
    }
    if ((unsigned)key >= K__COUNT) {
        return NULL;            /* no table has it */
    }
    if (kind != OP_EXPECT) {
        at = op_slot[kind][key];
        return at != 0 ? &ops[kind].keys[at - 1] : NULL;
    }
    f = (unsigned)form < K__COUNT ? form_of[form] : 0;
    at = f != 0 ? form_slot[f - 1][key] : 0;
    return at != 0 ? &expect_forms[f - 1][at - 1] : NULL;
}
