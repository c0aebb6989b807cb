/* swarm.h: swarm configurations (`replbench swarm`): from one seed alone, a
 * whole cluster scenario: the cluster's configuration and knobs (disks and
 * sizes, latency, interval, timeouts, compare timeout, commit rate,
 * workload rates, connections), which fault points are active (armed and
 * cleared when) and in which mode, and when a node crashes or fails over;
 * every draw from the sim's PRNG streams of the seed ("swarm/..."), so a
 * seed always gives the same scenario.  The scenario is text first: what
 * runs is what its printed file parses back into, so a failing seed's file
 * reproduces it with the same trace hash.  Owns the drawing; runs nothing.
 */
#ifndef REPLBENCH_SCN_SWARM_H
#define REPLBENCH_SCN_SWARM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scn.h"

#define SCN_SWARM_MAX_SETS 16           /* --set options */
#define SCN_SWARM_HEADER_LINES 6        /* comment lines before the operations */
#define SCN_SWARM_TEXT_MAX (64 * 1024)  /* a swarm scenario's text, header included */
#define SCN_SWARM_DESCRIBE_MAX 2048     /* the one-line description */

typedef struct ScnSwarmOptions {
    /* "KEY=VALUE": a `cluster` argument (FORMAT.md) forced for every seed,
     * over what the seed draws. */
    const char *sets[SCN_SWARM_MAX_SETS];
    unsigned nsets;
    bool liveness;                      /* end with a `liveness` line */
    uint64_t liveness_ticks;            /* its ticks=; 0: derived */
} ScnSwarmOptions;

/* Check o's --set values as the parser would read them on a `cluster`
 * line: 0, or -EINVAL with err ("--set 'x=1': unknown argument 'x' for
 * 'cluster'"). */
int scn_swarm_check(const ScnSwarmOptions *o, char *err, size_t errlen);

/* The scenario of seed, parsed back from its text (that text is
 * scn_swarm_text's with any message): 0 with *out (scn_free it), or
 * -ENOMEM, or -EINVAL with err when the options are bad (scn_swarm_check)
 * or the drawn text does not parse (a bug of the drawing, said with its
 * line and column). */
int scn_swarm_script(uint64_t seed, const ScnSwarmOptions *o, ScnScript **out, char *err,
                     size_t errlen);

/* The scenario of seed as a standalone file: SCN_SWARM_HEADER_LINES
 * comment lines (the seed, the command that drew it, `message` (one line,
 * may be "") and how to reproduce and reduce it), then its operations.
 * Returns the length (0: options bad or out of room; cap >=
 * SCN_SWARM_TEXT_MAX is always room enough). */
size_t scn_swarm_text(uint64_t seed, const ScnSwarmOptions *o, const char *message,
                      char *buf, size_t cap);

/* What seed draws, in one line: the cluster's arguments, the active fault
 * points (mode, armed at tick, cleared at tick), crash and failover times,
 * the length.  Returns the length; buf is always terminated. */
size_t scn_swarm_describe(uint64_t seed, const ScnSwarmOptions *o, char *buf, size_t cap);

#endif /* REPLBENCH_SCN_SWARM_H */
