/* check_output.h: the output checker.  Remembers every packet a client saw,
 * by (connection, position), and reports any later claim about the same
 * position that contradicts it: a second, different packet released there,
 * or, after a failover, the surviving node's own history saying it sent
 * something else there.  Pure bookkeeping: knows no backend.
 */
#ifndef REPLBENCH_SIM_CHECK_OUTPUT_H
#define REPLBENCH_SIM_CHECK_OUTPUT_H

#include <stddef.h>
#include <stdint.h>

#define SIM_OUTCHECK_MSG_MAX 256

typedef struct SimOutCheck SimOutCheck;

/* A checker remembering at most max_packets positions (0: 1,000,000). */
SimOutCheck *sim_outcheck_new(size_t max_packets);
void sim_outcheck_free(SimOutCheck *chk);
/* chk as sim_outcheck_new(max_packets) makes it, keeping its table's
 * memory (a cluster reused: issue 22). */
void sim_outcheck_reset(SimOutCheck *chk, size_t max_packets);

/* A client saw `payload` (a digest) at (conn, pos).  Seeing the same packet
 * again (a duplicate) is fine; a different one is a violation.  Returns 0,
 * -ENOSPC past the limit (the packet is then not remembered, and the
 * checker says so in its first message), or -EPROTO on a violation. */
int sim_outcheck_client_saw(SimOutCheck *chk, uint32_t conn, uint64_t pos,
                            uint64_t payload);

/* The surviving node's history says it sent `payload` at (conn, pos).
 * Returns 0, or -EPROTO when a client saw something else there. */
int sim_outcheck_history(SimOutCheck *chk, uint32_t conn, uint64_t pos,
                         uint64_t payload);

size_t sim_outcheck_seen(const SimOutCheck *chk);
unsigned sim_outcheck_violations(const SimOutCheck *chk);
const char *sim_outcheck_first(const SimOutCheck *chk);

#endif /* REPLBENCH_SIM_CHECK_OUTPUT_H */
