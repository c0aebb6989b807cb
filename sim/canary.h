/* canary.h: the simulator's planted bugs, for proving the liveness checker
 * (liveness.h): a build with -Dsim_canary=NAME compiles one of them in
 * (SIM_CANARY is its number, sim/meson.build); every other build has none
 * (SIM_CANARY 0, and each test below is a constant 0 the compiler drops).
 * Each passes the four safety checkers and is caught only by --liveness.
 * Owns the names and numbers; the bugs sit where they act (compare.c,
 * cluster.c), each under its SIM_CANARY_* test.
 */
#ifndef REPLBENCH_SIM_CANARY_H
#define REPLBENCH_SIM_CANARY_H

#ifndef SIM_CANARY
#define SIM_CANARY 0
#endif

/* compare-release: after a checkpoint a compare timeout asked for, the
 * comparator queues every packet and releases none, checkpoints included. */
#define SIM_CANARY_COMPARE_RELEASE (SIM_CANARY == 1)
/* secondary-ack: once a checkpoint has been acknowledged after a fault on
 * a link (the link healed), the secondary checkpoints but never
 * acknowledges again. */
#define SIM_CANARY_SECONDARY_ACK (SIM_CANARY == 2)
/* commit-stall: when a commit fault fails one disk's failover commit, the
 * commits of the node's other disks are cancelled and never resumed (their
 * stage stays failover). */
#define SIM_CANARY_COMMIT_STALL (SIM_CANARY == 3)

/* The canary built in: "none", "compare-release", "secondary-ack" or
 * "commit-stall" (liveness.c). */
const char *sim_canary_name(void);

#endif /* REPLBENCH_SIM_CANARY_H */
