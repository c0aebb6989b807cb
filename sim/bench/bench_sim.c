/* bench_sim.c: how fast the simulator runs a COLO pair: simulated events
 * per second and peak memory for a two-node cluster with one 1 GiB disk
 * under a write-heavy workload with network faults on.  Prints figures,
 * never judges them: exit 1 means a checker failed, 2 bad arguments.
 * Wall-clock reads are allowed here, never in sim/ itself.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "cluster.h"

#define TARGET_EVENTS_PER_SEC 5e6    /* issue 22 */

static const char usage[] =
    "usage: bench_sim [--ticks N] [--seed S] [--working-set N] [--help]\n"
    "  --ticks N        simulated ticks (default 200000, at most 100000000)\n"
    "  --seed S         root seed (default 1)\n"
    "  --working-set N  sectors the guest writes to (default 32768 = 16 MiB,\n"
    "                   at most 2097152 = the whole 1 GiB disk)\n"
    "Runs a two-node cluster (one 1 GiB disk pair, both links, write-heavy\n"
    "workload, network faults armed) and prints events per second and peak\n"
    "memory.  Exit 1 if a checker reports a violation, 2 on bad arguments.\n";

static double seconds(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int parse(int argc, char **argv, uint64_t *ticks, uint64_t *seed,
                 uint64_t *ws)
{
    for (int i = 1; i < argc; i++) {
        char *end = NULL;
        uint64_t *dst = NULL;

        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(usage, stdout);
            exit(0);
        }
        if (!strcmp(argv[i], "--ticks")) {
            dst = ticks;
        } else if (!strcmp(argv[i], "--seed")) {
            dst = seed;
        } else if (!strcmp(argv[i], "--working-set")) {
            dst = ws;
        }
        if (dst == NULL || i + 1 == argc) {
            fprintf(stderr, "bench_sim: bad argument '%s'\n%s", argv[i], usage);
            return -EINVAL;
        }
        errno = 0;
        *dst = strtoull(argv[++i], &end, 10);
        if (errno || *end || end == argv[i] || (dst == ticks && (*dst == 0 || *dst > 100000000))
            || (dst == ws && (*dst < 64 || *dst > 2097152))) {
            fprintf(stderr, "bench_sim: bad value '%s' for %s\n", argv[i], argv[i - 1]);
            return -EINVAL;
        }
    }
    return 0;
}

static void arm(SimWorld *w, bool p2s, SimLinkPoint what, uint32_t per_million)
{
    SimFaultSpec spec = { .mode = SIM_FAULT_PROB, .per_million = per_million };
    char point[SIM_FAULT_NAME_MAX];

    if (w->faults != NULL && sim_cluster_link_point(point, sizeof(point), p2s, what) == 0) {
        sim_faults_arm(w->faults, point, &spec, NULL, 0);
    }
}

int main(int argc, char **argv)
{
    uint64_t ticks = 200000, seed = 1, ws = 32768;
    SimClusterConfig cfg = {
        .disk_size_sectors = 2097152,       /* 1 GiB */
        .write_per_million = 1000000, .packet_per_million = 500000,
        .divergence_per_million = 1000, .checkpoint_interval_ticks = 100,
    };
    char err[256];
    SimWorld *w;
    SimCluster *c;
    struct rusage ru;
    double t0, dt;
    int rc;

    if (parse(argc, argv, &ticks, &seed, &ws) < 0) {
        return 2;
    }
    cfg.working_set_sectors = ws;
    c = NULL;
    if (sim_world_new(seed, &w, err, sizeof(err)) < 0
        || sim_cluster_new(w, &cfg, &c, err, sizeof(err)) < 0) {
        fprintf(stderr, "bench_sim: %s\n", err);
        return 1;
    }
    /* Faults the protocol rides out (the stream is reassembled in order);
     * a dropped acknowledgement would break replication and end the test. */
    arm(w, false, SIM_LINK_POINT_REORDER, 2000);
    arm(w, true, SIM_LINK_POINT_DELAY, 2000);
    arm(w, true, SIM_LINK_POINT_DUPLICATE, 2000);
    sim_cluster_start(c);
    t0 = seconds();
    rc = sim_cluster_run(c, ticks);
    dt = seconds() - t0;
    getrusage(RUSAGE_SELF, &ru);
    {
        const SimClusterStats *st = sim_cluster_stats(c);
        double span = dt > 0 ? dt : 1e-9;
        double eps = (double)w->trace.lines / span;

        printf("sim cluster: 1 GiB disk pair, writes over %.0f MiB of it, %" PRIu64
               " ticks, seed %" PRIu64 ", net faults at 0.2%% per message\n",
               (double)ws / 2048.0, ticks, seed);
        /* An event is what the trace records: one line each (a send, a
         * delivery, an I/O, a callback, a stage change, a fault...). */
        printf("events %" PRIu64 " in %.3f s: %.2f M events/s (target >= 5.00: %s)\n",
               w->trace.lines, dt, eps / 1e6, eps >= TARGET_EVENTS_PER_SEC ? "met" : "NOT met");
        printf("scheduled events, workload operations and walks: %" PRIu64
               " (%.2f M/s); ticks %.2f M/s\n", st->events, (double)st->events / span / 1e6,
               (double)st->ticks / span / 1e6);
        printf("guest writes %" PRIu64 ", packets %" PRIu64 ", checkpoints %" PRIu64
               " done / %" PRIu64 " started, broken %s\n", st->guest_writes, st->packets,
               st->checkpoints_done, st->checkpoints_started,
               sim_cluster_broken(c) ? "yes" : "no");
        printf("peak memory (max RSS): %.1f MiB\n", (double)ru.ru_maxrss / 1024.0);
    }
    if (rc < 0) {
        fprintf(stderr, "bench_sim: violation: %s\n", sim_cluster_violation(c));
    }
    if (w->faults != NULL) {
        sim_faults_clear(w->faults, "*");
    }
    sim_cluster_free(c);
    sim_world_free(w);
    return rc < 0 ? 1 : 0;
}
