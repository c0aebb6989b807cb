/* scn_ast.h: private to scenarios/: the form of a script, shared by the
 * parser (parse.c), which builds it from text and checks it, the builders
 * that make it without text (ast.c; decode.c, explore.c use it), the
 * printer (ast.c) and the interpreter (interp.c), which runs it.  The
 * tables of operations, keys and words are lang.c's, read by all of them.
 */
#ifndef REPLBENCH_SCN_AST_H
#define REPLBENCH_SCN_AST_H

#include "scn.h"
#include "scn_event.h"          /* the operations' kinds, the actions */

typedef enum ScnKey {
    K_VALUE, K_TICKS, K_DEPTH, K_CALLS, K_NAME, K_DISKS, K_SIZE, K_LATENCY,
    K_INTERVAL, K_TIMEOUT, K_COMPARE_TIMEOUT, K_COMMIT_RATE, K_WRITES,
    K_PACKETS, K_DIVERGENCE, K_CONNECTIONS, K_WORKING_SET, K_PRIMARY,
    K_SECONDARY, K_UPSTREAM_CHECKPOINT, K_UPSTREAM_FAILOVER, K_FAILOVER_ON_CRASH,
    K_ROLE, K_REG,
    K_TO, K_NODE, K_OPS, K_STATE, K_WALK, K_CALL, K_DO, K_TARGET, K_MSG,
    K_NESTED, K_IN, K_MODE, K_FAILOVER, K_KIND, K_ERRP, K_DISK, K_SECTOR,
    K_COUNT, K_BYTE, K_VM, K_CONN, K_DIVERGE, K_LINK, K_FAILS, K_OP, K_RC,
    K_POINT, K_K, K_P, K_PERSISTENT, K_ERROR, K_ERROR_CONTAINS, K_DATA,
    K_INDEX, K_STAGE, K_EPOCH, K_BROKEN, K_CRASHED, K_FIRED, K_HITS,
    K_VIOLATION, K_HASH, K_MAY_FAIL, K_ID, K_PERMANENT, K_LIVENESS, K__COUNT
} ScnKey;

/* Words of the enumerated values, in the order of their numbers. */
enum { ROLE_PRIMARY, ROLE_SECONDARY };
enum { ERRP_FRESH, ERRP_NULL, ERRP_SET };
enum { VM_BOTH, VM_PRIMARY, VM_SECONDARY };
enum { LINK_P2S, LINK_S2P, LINK_BOTH };
enum { IO_READ, IO_WRITE, IO_RECEIVE };
enum { FM_ALWAYS, FM_ONCE, FM_NTH, FM_AFTER, FM_EVERY, FM_PROB };
/* Members, as bits, for ops=. */
enum { MEMBER_START = 1, MEMBER_STOP = 2, MEMBER_CHECKPOINT = 4, MEMBER_GET_ERROR = 8 };

/* A key's type of value, as the parser reads it and the printer writes it. */
typedef enum ScnType {
    T_INT, T_SINT, T_U64, T_BOOL, T_FRAC, T_NAME, T_WALK, T_TEXT, T_ERRTEXT,
    T_ENUM, T_OPS, T_DO, T_POINT
} ScnType;

#define MAX_SPECS 24

typedef struct ScnKeySpec {
    ScnKey key;
    ScnType type;
    bool required;
    int64_t min, max;           /* T_INT, T_SINT */
    const char *const *words;   /* T_ENUM, T_WALK and T_OPS (the walk words),
                                   T_DO (the actions); NULL-terminated */
} ScnKeySpec;

/* ---- the language's tables (lang.c) ---------------------------------------------
 * The one list of operations, keys and words; nothing else spells them. */

const char *scn_op_name(ScnOpKind kind);
const char *scn_key_name(ScnKey key);
/* The name of an ACT_* action, as do= spells it. */
const char *scn_action_name(unsigned act);

/* The operation called `name`, or OP__COUNT when there is none. */
ScnOpKind scn_op_by_name(const char *name);

/* The first key of the i-th form of `expect` (from 0, in the table's
 * order), or K__COUNT past the last. */
ScnKey scn_expect_form_at(size_t i);

/* The keys of an operation of kind `kind` (of form `form` for `expect`), in
 * the table's order, *n of them; NULL (and *n = 0) for an `expect` form
 * that is none. */
const ScnKeySpec *scn_op_keys(ScnOpKind kind, ScnKey form, size_t *n);

/* Key `key` of an operation of kind `kind` (of form `form` for `expect`);
 * NULL when the operation has no such key. */
const ScnKeySpec *scn_key_spec(ScnOpKind kind, ScnKey form, ScnKey key);

typedef struct ScnValue {
    int64_t i;                  /* int, bool, walk, enum word, fraction in
                                   millionths, ops bits; -1: "none" */
    char *text;                 /* name and text values (in the script's
                                   chunks, or static) */
    uint8_t list[SCN_MAX_ACTIONS];  /* do= actions */
    uint8_t nlist;
    uint8_t places;             /* T_FRAC: decimal places as written (0:
                                   "0", "1" or N/1000000) */
    unsigned col;
} ScnValue;

typedef struct ScnArg {
    ScnKey key;
    ScnValue v;
} ScnArg;

typedef struct ScnOp {
    ScnOpKind kind;
    ScnKey form;                /* expect: its first key */
    unsigned line;
    unsigned col;
    unsigned nargs;
    ScnArg args[SCN_MAX_ARGS];
} ScnOp;

/* The script's strings live in chunks freed with it: one allocation per
 * chunk rather than one per value (parsing is on every fuzz input's path). */
typedef struct ScnChunk {
    struct ScnChunk *next;
    size_t used, cap;
    char data[];
} ScnChunk;

struct ScnScript {
    char *file;
    ScnOp *ops;
    size_t nops, cap;
    uint64_t seed;
    bool expects_violation;     /* some `expect violation=` */
    ScnRuleTag rules[SCN_MAX_RULES];    /* the `rule` lines, in order */
    size_t nrules;
    unsigned needs;             /* ReplicationExt bits the script needs */
    ScnChunk *strings;
};

/* ---- building scripts without text, and printing them (ast.c) ---------------
 * One way to build a script (the parser, the fuzz decoders and the explorer
 * all fill ScnOp through these or the same fields) and one way to print it.
 * A builder makes only what the parser would accept: each call checks (and
 * aborts on a bad call: a bug of the builder's caller) that the key is one
 * of the operation's and that the value has the key's type; the names and
 * their order of appearance are the caller's to get right. */

/* A script with room for `cap` operations, strings in chunks; NULL when out
 * of memory.  `file` is copied. */
ScnScript *scn_script_new(const char *file, size_t cap);

/* Empty again (no operations, seed 1, no rules or needs), its operation
 * array and string chunks kept for the next script: no allocation. */
void scn_script_reset(ScnScript *s);

/* A copy of text (len bytes, then a NUL) that lives as long as the
 * script, or until scn_script_reset; NULL when out of memory. */
char *scn_keep(ScnScript *s, const char *text, size_t len);

/* The argument `key` of op, or NULL when it was not given. */
const ScnValue *scn_arg(const ScnOp *op, ScnKey key);

/* A new operation at the end, on `line`; aborts when the script is full
 * (its capacity is its builder's bound). */
ScnOp *scn_op_add(ScnScript *s, ScnOpKind kind, unsigned line);

/* Arguments, appended in the order given (the printer keeps it).
 * scn_arg_int: T_INT, T_SINT, T_U64, T_BOOL, T_OPS, T_ENUM and T_WALK (the
 * word is kept as the parser keeps it); scn_arg_text: T_NAME, T_TEXT,
 * T_POINT (text lives as long as the script: static or scn_keep);
 * scn_arg_frac: millionths written with `places` decimals. */
void scn_arg_int(ScnOp *op, ScnKey key, int64_t i);
void scn_arg_text(ScnOp *op, ScnKey key, const char *text);
void scn_arg_frac(ScnOp *op, ScnKey key, int64_t millionths, unsigned places);
void scn_arg_do(ScnOp *op, const uint8_t *acts, unsigned n);

/* What an operation says about the whole script (the `seed`, the
 * extensions it needs, an `expect violation=`): the parser and the
 * builders call it on every operation. */
void scn_script_note(ScnScript *s, const ScnOp *op);

/* The same operation but for where it is (line, columns): kind, form and
 * every argument's key and value in order. */
bool scn_op_same(const ScnOp *a, const ScnOp *b);

#endif /* REPLBENCH_SCN_AST_H */
