/* scn.h: the scenario language (FORMAT.md): parsing a .scn text into a
 * script, and the one interpreter that runs a script against the simulator.
 * The replbench CLI and the fuzzers both call these; neither does I/O of its
 * own here beyond the trace the caller asks for.
 */
#ifndef REPLBENCH_SCN_H
#define REPLBENCH_SCN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "check.h"
#include "check_registry.h"
#include "probe.h"
#include "trace.h"

#define SCN_MAX_FILE_BYTES (1u << 20)
#define SCN_MAX_LINE 4096
#define SCN_MAX_ARGS 16
#define SCN_MAX_OPS 10000
#define SCN_MAX_TEXT 1024
#define SCN_MAX_NAME 24
#define SCN_MAX_STATES 64
#define SCN_MAX_REGISTRIES 8
#define SCN_MAX_DISKS 8
#define SCN_MAX_ACTIONS 8
#define SCN_MAX_RULES 8
#define SCN_MAX_POINTS 128
#define SCN_MSG_MAX 1024

/* The language's own bounds on values (a backend's bounds are its own
 * constants: cluster.h, disk.h); the parser checks them. */
#define SCN_MAX_TICKS 1000000           /* ticks in all (limit ticks=, also the
                                           default), per run, per timeout */
#define SCN_MAX_DEPTH 8                 /* walk nesting (limit depth=, default) */
#define SCN_MAX_CALLS 10000             /* callbacks per walk (limit calls=, default) */
#define SCN_MAX_COUNT 1000000           /* a call number (on call=), a count to expect */
#define SCN_MAX_LATENCY_TICKS 1000      /* cluster latency= */
#define SCN_MAX_SECTORS (INT64_C(1) << 31)  /* disk sizes and sector numbers */
#define SCN_MIN_RC (-4095)              /* io rc=: a negative errno, or 0 */

typedef struct ScnScript ScnScript;

#define SCN_MAX_ERRORS 20        /* errors of one file kept (and shown) */

/* Where a parse error is, and what it is ("...; did you mean 'x'?" when
 * the word looks like a known one). */
typedef struct ScnError {
    unsigned line;
    unsigned col;
    char message[320];
} ScnError;

/* Every error of a file, in file order, at most one a line: the first
 * SCN_MAX_ERRORS kept, the others only counted. */
typedef struct ScnErrors {
    unsigned n;                 /* kept, in e[] */
    unsigned total;             /* found (>= n): total - n were not kept */
    ScnError e[SCN_MAX_ERRORS];
} ScnErrors;

/* Parse `len` bytes of scenario text.  Returns the script, or NULL when the
 * file has any error, with *errs (when not NULL) filled: a line with an
 * error is reported and parsing goes on with the next, so one run shows
 * them all (a line with an error still declares the name it gives, so
 * that later lines do not fail for want of it).  Some errors end the file
 * at once: a NUL byte (the file is not text), more than
 * SCN_MAX_FILE_BYTES or SCN_MAX_OPS, out of memory.  `file` is kept for
 * messages. */
ScnScript *scn_parse(const char *text, size_t len, const char *file, ScnErrors *errs);
void scn_free(ScnScript *s);

/* ---- What a scenario checks -------------------------------------------------
 * A `rule` line (FORMAT.md) says which walk rule of docs/CONTRACT.md (1-6),
 * or which extension of registry/impl.h, the scenario checks, and in which
 * walk.  `replbench conform` files a scenario that passes under these tags;
 * one that breaks the contract, under the rule and walk the contract
 * checker saw broken (ScnResult.violations). */
#define SCN_RULES SIM_RULES
#define SCN_WALK_ANY (-1)

typedef struct ScnRuleTag {
    unsigned rule;              /* 1..SCN_RULES; 0 for an extension */
    unsigned ext;               /* a ReplicationExt bit; 0 for a rule */
    int walk;                   /* a SimWalk, or SCN_WALK_ANY */
    unsigned line;
} ScnRuleTag;

/* Rule n's one-line title (1..SCN_RULES), NULL otherwise: sim_rule_title,
 * the one list. */
const char *scn_rule_title(unsigned rule);

/* The script's tags, in file order; returns how many. */
size_t scn_script_rules(const ScnScript *s, const ScnRuleTag **tags);

/* The extensions (ReplicationExt bits) the script needs to be run at all:
 * those its `rule` lines name, and alloc-null when it arms registry/alloc.
 * An implementation without one makes the scenario N/A, never FAIL. */
unsigned scn_script_needs(const ScnScript *s);

/* The errors as lines "file:line:col: message" joined by '\n' (no '\n'
 * at the end), then "file: ... and N more errors" for those not kept or
 * that do not fit: whole lines only, NUL-terminated (len >= 1).  Every
 * command that loads scenarios prints a file's errors this way.  Returns
 * the length. */
size_t scn_errors_format(const ScnErrors *errs, const char *file, char *buf, size_t len);

size_t scn_ops(const ScnScript *s);
uint64_t scn_seed(const ScnScript *s);          /* the `seed` op's, or 1 */

#define SCN_MAX_INJECTS 8       /* injections of one run */

/* One injected fault: a concrete point name, its hit, transient or not. */
typedef struct ScnInject {
    const char *point;
    uint64_t hit;
    bool persistent;
} ScnInject;

typedef struct ScnOptions {
    bool seed_set;              /* use `seed` instead of the script's */
    uint64_t seed;
    FILE *trace;                /* every trace line, when not NULL */
    SimTraceSink *sink;         /* every trace event, when not NULL */
    void *sink_ctx;
    /* Sweep and --inject: each of inject[0..ninject) fails hit number `hit`
     * (from 1) of its point, once, or from then on when persistent.  Each is
     * armed as soon as its point exists. */
    ScnInject inject[SCN_MAX_INJECTS];
    unsigned ninject;
    /* Caps a caller puts on any script (fuzzers: every input must run
     * fast); 0 means none.  Past one, the script fails cleanly. */
    uint64_t max_ticks;         /* ticks in all, over the script's limit */
    uint64_t max_sectors;       /* disk sizes and I/O lengths */
    /* After the teardown, ask LeakSanitizer (in builds that have it: ASan)
     * whether memory is left that nothing reaches: a leak fails the run
     * (resources), and the process is spent (ScnResult.spent), since the
     * same blocks would be reported again.  For workers that run one
     * scenario after another in a process they may leave. */
    bool leak_check;
    /* A liveness phase (sim/liveness.h) after the last operation, unless
     * the script's last operation is `liveness`; its bound in ticks (0:
     * derived from the cluster's timeouts).  A stuck verdict fails the
     * scenario as the liveness checker. */
    bool liveness;
    uint64_t liveness_ticks;
} ScnOptions;

typedef enum ScnStatus {
    SCN_PASS,
    SCN_FAIL,                   /* an expectation, operation or checker */
    SCN_SKIP,                   /* needs fault points, built without libfiu;
                                   or N/A: see ScnResult.missing_ext */
    SCN_ERROR,                  /* no verdict: the host failed the run (an
                                   allocation of the simulator, the interpreter
                                   or the registry under test was refused:
                                   sim/host.h; a fault point firing is never
                                   one).  The message says "host out of
                                   memory: WHERE"; the run stopped after the
                                   operation at `line`.  Never PASS or FAIL:
                                   another machine would not see it. */
} ScnStatus;

/* A fault point's counts in one run, decided on the trace's typed events
 * (never their text).  A fire is `handled` when the code that owns the
 * point reacted to it later in the trace (the disk's "fault" event naming
 * the point, the link's drop, fault or down event for the fault, the node's
 * crash, for registry/alloc the registry's out-of-memory error ending a
 * walk or an operation failing with -ENOMEM); one such event handles one
 * fire, the oldest of its point not yet handled.  It is `observed` when
 * something checked the outcome after it: an `expect`, a walk (the contract
 * checker), a checkpoint or failover (the data checker), a checker
 * violation, or a failed operation's reported error; one check observes
 * every fire before it.  Every fire is counted (no bound): handled <= fires
 * and observed <= fires. */
typedef struct ScnPointCount {
    char name[64];
    char template_[48];         /* its pattern in sim_fault_templates */
    uint64_t hits;
    uint64_t fires;
    uint64_t handled;           /* fires handled */
    uint64_t observed;          /* fires observed */
} ScnPointCount;

typedef struct ScnResult {
    ScnStatus status;
    unsigned line;              /* of the failing operation; 0 if none */
    char message[SCN_MSG_MAX];  /* what failed: expected and actual */
    bool checkers_ok;           /* no checker violation, clean teardown */
    unsigned missing_ext;       /* SCN_SKIP as N/A: the ReplicationExt bits
                                   needed and not offered (0: not N/A) */
    char checker[SCN_MSG_MAX];  /* the first violation, when not ok */
    SimCheckKind checker_kind;  /* which checker: SIM_CHECK_NONE when ok */
    uint64_t seed;
    uint64_t hash;              /* trace hash after the teardown: of every line */
    uint64_t ops_hash;          /* trace hash after the last operation run, before
                                   the teardown: what a last `expect hash=` sees */
    uint64_t trace_lines;
    uint64_t ticks;
    uint64_t faults_fired;
    unsigned ops_run;
    unsigned npoints;           /* every fault point and its counts */
    ScnPointCount points[SCN_MAX_POINTS];
    /* The contract checker's violations, typed (check_registry.h): the first
     * of each outermost walk that broke a cell (rule, walk) none before it
     * broke; consequences in the same walk are left out. */
    unsigned nviolations;
    SimRegViolation violations[SIM_REGCHECK_MAX_FILED];
    /* How often the run reached each probe of the catalog (probe.h), by
     * SimProbe; counted to the end of the teardown. */
    uint64_t probes[SIM_PROBE__COUNT];
    bool leaked;                /* memory was left after the teardown (leak_check) */
    bool spent;                 /* this process must run no other scenario (a
                                   walk was abandoned, or a leak is reported
                                   and would be again): a worker is replaced */
    /* The last liveness phase run (a `liveness` line, or after the last
     * operation under ScnOptions.liveness): its line (0: after the last
     * operation), verdict (SimLiveVerdict), the part of its first item
     * (SimLivePart; -1: none), its length in ticks, and what it said. */
    bool live_ran;
    unsigned live_line;
    int live_verdict;
    int live_part;
    uint64_t live_ticks;
    char live_message[SCN_MSG_MAX];
    unsigned ntail;             /* when it failed: the last trace lines before
                                   the teardown, oldest first; else 0 */
    char tail[SIM_TRACE_KEEP][SIM_TRACE_LINE_MAX];
} ScnResult;

/* Run the script in a fresh world (one at a time per process).  Fills
 * *res; returns its status.  Never aborts on anything a script can say. */
ScnStatus scn_run(const ScnScript *s, const ScnOptions *opt, ScnResult *res);

/* A session runs many scripts one after the other in one world, reset
 * between runs (sim_world_reset) rather than made anew: what `replbench
 * explore` does a million times.  scn_session_run is scn_run in it; one
 * session runs at a time per process. */
typedef struct ScnSession ScnSession;

ScnSession *scn_session_new(void);      /* NULL: out of memory */
void scn_session_free(ScnSession *ss);
ScnStatus scn_session_run(ScnSession *ss, const ScnScript *s, const ScnOptions *opt,
                          ScnResult *res);

/* Print the script as text that parses back into the same script, line
 * numbers included: `header` (whole lines, or ""), then blank lines up to
 * each operation's line, one operation a line.  Whole lines only: it stops
 * at the last that fits in cap, NUL-terminated, and sets *cut (when not
 * NULL) when some were left out.  Returns the length. */
size_t scn_print(const ScnScript *s, const char *header, char *buf, size_t cap, bool *cut);

/* ---- Fuzzing ----------------------------------------------------------------
 * The binary fuzz harnesses decode their input bytes straight into a script
 * (no text, no parse) and run it in one session, so a fuzzer input is a
 * scenario: `replbench fuzz2scn` prints that script, and the run of the
 * printed text has the same trace hash. */
typedef enum ScnHarness {
    SCN_HARNESS_REGISTRY,       /* fuzz_registry: registries, states, walks */
    SCN_HARNESS_CLUSTER,        /* fuzz_cluster: a COLO pair, faults */
    SCN_HARNESS_SCENARIO,       /* fuzz_scenario: the bytes are scenario text */
} ScnHarness;

/* "fuzz_registry" or "registry" (and the same for cluster). 0 or -EINVAL. */
int scn_harness_by_name(const char *name, ScnHarness *h);
const char *scn_harness_name(ScnHarness h);

/* Decode any bytes for fuzz_registry or fuzz_cluster into a script: the
 * script the parser makes of its printed text (scn_print, under a one-line
 * header: the operations start on line 2, as the trace's line= say).  *s is
 * made on the first call (NULL) and reused on the next ones: reset, its
 * operations and strings kept, nothing allocated.  Free it with scn_free.
 * 0, -ENOMEM, or -EINVAL for fuzz_scenario (its bytes are text). */
int scn_decode_script(ScnHarness h, const uint8_t *data, size_t len, ScnScript **s);

/* The same as text: scn_decode_script's script printed under the header
 * "# <harness> input, decoded" (at most cap bytes, NUL-terminated, whole
 * lines).  fuzz_scenario's bytes are copied as they are (they may not
 * parse).  Returns the text's length (0 when out of memory). */
size_t scn_decode(ScnHarness h, const uint8_t *data, size_t len, char *text, size_t cap);

/* A seed input for harness h from a parsed scenario: the operations the
 * harness can express, in order.  0, -ENOSPC when cap was too small, or
 * -EINVAL for fuzz_scenario (its seeds are .scn files as they are). */
int scn_encode(ScnHarness h, const ScnScript *s, uint8_t *out, size_t cap, size_t *len);

#endif /* REPLBENCH_SCN_H */
