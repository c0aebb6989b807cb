/* bench_registry.c: how fast the hardened replication registry walks,
 * registers and removes, next to a plain upstream-style list built here.
 * Owns its timing loops and that baseline list; uses only replication.h and
 * error.h, never registry internals.  Prints figures, never judges them:
 * exit 1 means a wrong call count, not a slow run. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <errno.h>
#include <sys/wait.h>
#include <unistd.h>

#include "error.h"
#include "replication.h"

/* Limits, so that a mistyped option fails at once instead of running for
 * hours or exhausting memory. */
#define DEFAULT_STATES 100000UL
#define DEFAULT_ROUNDS 20UL
#define DEFAULT_PROCS 9UL
#define MAX_STATES 10000000UL
#define MAX_ROUNDS 1000UL
#define MAX_PROCS 100UL
/* Pairs per churn round: the same at every registry size, so that the
 * per-pair figures compare directly and only the size varies. */
#define CHURN_PAIRS 100000UL
/* The hardened walk may cost at most this much more than the plain one
 * (issue 22: it stays within 5%). */
#define TARGET_RATIO 1.05

static const char usage_text[] =
    "usage: bench_registry [--states N] [--rounds R] [--processes P] [--help]\n"
    "  --states N     states per walk and per register/remove run\n"
    "                 (default 100000)\n"
    "  --rounds R     timed rounds per figure; the best round is reported\n"
    "                 (default 20)\n"
    "  --processes P  the walks are timed in P processes, one after another,\n"
    "                 and the best over all of them is reported (default 9)\n"
    "Prints timings only; exits 1 if a callback count is wrong, 2 on bad\n"
    "arguments.\n";

static uint64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static double ms(uint64_t ns)
{
    return (double)ns / 1e6;
}

/* A divisor of zero counts as one: a run too short for the clock still
 * prints a figure instead of inf or nan. */
static double quotient(uint64_t num, uint64_t den)
{
    return (double)num / (double)(den ? den : 1);
}

static bool fail(const char *what)
{
    fprintf(stderr, "bench_registry: %s\n", what);
    return false;
}

static bool check_count(const char *what, uint64_t got, uint64_t want)
{
    if (got == want) {
        return true;
    }
    fprintf(stderr, "bench_registry: self-check failed: %s: got %llu, "
            "expected %llu\n", what, (unsigned long long)got,
            (unsigned long long)want);
    return false;
}

/* ---- No-op callbacks ----------------------------------------------------- */

/* Calls seen by the no-op callbacks; one set per list, so that a miscount
 * names the list it came from. */
typedef struct Calls {
    uint64_t start;
    uint64_t stop;
    uint64_t checkpoint;
    uint64_t get_error;
} Calls;

/* Each callback counts through opaque: the cheapest work the compiler must
 * keep, since the counts are read after the walks. */
static void noop_start(ReplicationState *rs, ReplicationMode mode,
                       Error **errp)
{
    (void)mode;
    (void)errp;
    ((Calls *)rs->opaque)->start++;
}

static void noop_stop(ReplicationState *rs, bool failover, Error **errp)
{
    (void)failover;
    (void)errp;
    ((Calls *)rs->opaque)->stop++;
}

static void noop_checkpoint(ReplicationState *rs, Error **errp)
{
    (void)errp;
    ((Calls *)rs->opaque)->checkpoint++;
}

static void noop_get_error(ReplicationState *rs, Error **errp)
{
    (void)errp;
    ((Calls *)rs->opaque)->get_error++;
}

static ReplicationOps noop_ops = {
    .start = noop_start,
    .stop = noop_stop,
    .checkpoint = noop_checkpoint,
    .get_error = noop_get_error,
};

/* ---- The baseline: a plain upstream-style list ---------------------------
 * What QEMU does: an intrusive doubly linked list, head insertion, and walks
 * that save the next node before each call, with no tombstones and no walker
 * count.  Removing anything but the current node during a walk is unsafe
 * here; the bench never does it.  The ReplicationState comes first so that
 * the same callbacks serve both lists. */
typedef struct PlainNode PlainNode;
struct PlainNode {
    ReplicationState rs;
    PlainNode *next;
    PlainNode **prev;           /* the link that points at this node */
};

typedef struct PlainList {
    PlainNode *first;
} PlainList;

static PlainNode *plain_new(PlainList *list, void *opaque,
                            ReplicationOps *ops)
{
    PlainNode *node = malloc(sizeof(*node));

    if (!node) {
        return NULL;
    }
    node->rs.opaque = opaque;
    node->rs.ops = ops;
    node->next = list->first;
    if (node->next) {
        node->next->prev = &node->next;
    }
    node->prev = &list->first;
    list->first = node;
    return node;
}

static void plain_free_all(PlainList *list)
{
    while (list->first) {
        PlainNode *node = list->first;

        list->first = node->next;
        free(node);
    }
}

/* noinline: the hardened walk sits behind a call into another translation
 * unit, so the plain one must not get inlined into the timing loop either. */
static __attribute__((noinline)) void plain_checkpoint_all(PlainList *list,
                                                           Error **errp)
{
    PlainNode *node, *next;

    for (node = list->first; node; node = next) {
        Error *local = NULL;

        next = node->next;
        if (node->rs.ops && node->rs.ops->checkpoint) {
            node->rs.ops->checkpoint(&node->rs, &local);
        }
        if (local) {
            error_propagate(errp, local);
            return;
        }
    }
}

static __attribute__((noinline)) void plain_start_all(PlainList *list,
                                                      ReplicationMode mode,
                                                      Error **errp)
{
    PlainNode *node, *next;

    for (node = list->first; node; node = next) {
        Error *local = NULL;

        next = node->next;
        if (node->rs.ops && node->rs.ops->start) {
            node->rs.ops->start(&node->rs, mode, &local);
        }
        if (local) {
            error_propagate(errp, local);
            return;
        }
    }
}

/* ---- Walk timing ---------------------------------------------------------- */

/* One shape for all four walks, so that one timing loop serves them; the
 * extra indirect call costs the same on both sides and is once per round. */
typedef void WalkFn(void *list, Error **errp);

static void hard_checkpoint(void *list, Error **errp)
{
    replication_do_checkpoint_all_in(list, errp);
}

static void hard_start(void *list, Error **errp)
{
    replication_start_all_in(list, REPLICATION_MODE_PRIMARY, errp);
}

static void plain_checkpoint(void *list, Error **errp)
{
    plain_checkpoint_all(list, errp);
}

static void plain_start(void *list, Error **errp)
{
    plain_start_all(list, REPLICATION_MODE_PRIMARY, errp);
}

typedef struct Timing {
    uint64_t best_ns;
    uint64_t median_ns;
} Timing;

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

    return (x > y) - (x < y);
}

static Timing summarise(uint64_t *ns, unsigned long n)
{
    Timing t;

    qsort(ns, n, sizeof(*ns), cmp_u64);
    t.best_ns = ns[0];
    t.median_ns = n % 2 ? ns[n / 2] : (ns[n / 2 - 1] + ns[n / 2]) / 2;
    return t;
}

/* A no-op callback never sets an error, so one here is a broken walk. */
static bool timed_walk(WalkFn *walk, void *list, uint64_t *ns)
{
    Error *err = NULL;
    uint64_t t0 = now_ns();

    walk(list, &err);
    *ns = now_ns() - t0;
    if (err) {
        fprintf(stderr, "bench_registry: walk failed: %s\n",
                error_get_pretty(err));
        error_free(err);
        return false;
    }
    return true;
}

/* Time `rounds` rounds of walks a and b, after one untimed warm-up each.
 * They alternate which goes first, so that neither always finds the caches
 * and the clock frequency as the other left them. */
static bool time_pair(WalkFn *wa, void *a, WalkFn *wb, void *b,
                      unsigned long rounds, Timing *ta, Timing *tb)
{
    uint64_t *sa = calloc(rounds, sizeof(*sa));
    uint64_t *sb = calloc(rounds, sizeof(*sb));
    uint64_t warm;
    bool ok = sa && sb;

    if (!ok) {
        fail("out of memory");
    }
    ok = ok && timed_walk(wa, a, &warm) && timed_walk(wb, b, &warm);
    for (unsigned long r = 0; ok && r < rounds; r++) {
        if (r % 2 == 0) {
            ok = timed_walk(wa, a, &sa[r]) && timed_walk(wb, b, &sb[r]);
        } else {
            ok = timed_walk(wb, b, &sb[r]) && timed_walk(wa, a, &sa[r]);
        }
    }
    if (ok) {
        *ta = summarise(sa, rounds);
        *tb = summarise(sb, rounds);
    }
    free(sa);
    free(sb);
    return ok;
}

/* ---- The walk comparison, over several processes -------------------------
 * On the machines we measured (AMD EPYC VMs) one process's hardened walk
 * settles at the plain list's speed or at 1.2-1.4 times it, and stays
 * there, while the plain walk does not move.  The mode follows the process:
 * forked children of one process mostly share it, processes started anew
 * do not.  No round count inside one process can see past it, so the walks
 * are timed in `procs` new processes (this program run again), one after
 * another, and the figures are taken over all of them. */

enum { W_CHECKPOINT, W_START, N_WALKS };

static const char *const walk_names[N_WALKS] = { "checkpoint", "start" };

/* What a child sends back: its best and median round per walk and side. */
typedef struct WalkTimes {
    Timing hard[N_WALKS];
    Timing plain[N_WALKS];
} WalkTimes;

/* Build both lists alike: n mallocs each, same order, hardened first. */
static bool fill_lists(ReplicationRegistry *reg, Calls *hard_calls,
                       PlainList *plain, Calls *plain_calls, unsigned long n)
{
    for (unsigned long i = 0; i < n; i++) {
        if (!replication_new_in(reg, hard_calls, &noop_ops)) {
            return fail("out of memory registering states");
        }
    }
    for (unsigned long i = 0; i < n; i++) {
        if (!plain_new(plain, plain_calls, &noop_ops)) {
            return fail("out of memory building the plain list");
        }
    }
    return true;
}

/* One process's comparison: the same n no-op states walked by the hardened
 * registry and by the plain list, every call counted. */
static bool time_walks(unsigned long n, unsigned long rounds, WalkTimes *wt)
{
    Calls hard_calls = { 0 }, plain_calls = { 0 };
    PlainList plain = { NULL };
    ReplicationRegistry *reg = replication_registry_new();
    uint64_t calls = (uint64_t)n * (rounds + 1);  /* + the warm-up round */
    bool ok = reg || fail("out of memory creating a registry");

    ok = ok && fill_lists(reg, &hard_calls, &plain, &plain_calls, n);
    ok = ok && time_pair(hard_checkpoint, reg, plain_checkpoint, &plain,
                         rounds, &wt->hard[W_CHECKPOINT],
                         &wt->plain[W_CHECKPOINT]);
    ok = ok && time_pair(hard_start, reg, plain_start, &plain, rounds,
                         &wt->hard[W_START], &wt->plain[W_START]);
    ok = ok && check_count("hardened checkpoint calls", hard_calls.checkpoint,
                           calls);
    ok = ok && check_count("plain checkpoint calls", plain_calls.checkpoint,
                           calls);
    ok = ok && check_count("hardened start calls", hard_calls.start, calls);
    ok = ok && check_count("plain start calls", plain_calls.start, calls);
    ok = ok && check_count("live states after walks",
                           replication_registry_count(reg), n);
    replication_registry_free(reg);
    plain_free_all(&plain);
    return ok;
}

/* The child's side: time the walks and write the figures to stdout, which
 * is the parent's pipe.  0 when they were written. */
static int walk_child(unsigned long n, unsigned long rounds)
{
    WalkTimes wt;

    if (!time_walks(n, rounds, &wt)) {
        return 1;
    }
    return fwrite(&wt, sizeof(wt), 1, stdout) == 1 && fflush(stdout) == 0 ? 0 : 1;
}

/* Run the walks in a new process, this program executed again (so that it
 * gets its own address-space layout, which a fork would share), and read
 * its figures.  A child that fails, dies or sends a short answer fails the
 * comparison (it said why on stderr). */
static bool walks_in_child(const char *self, unsigned long n,
                           unsigned long rounds, WalkTimes *wt)
{
    char states[24], nrounds[24];
    int fd[2];
    pid_t pid;
    int status = 0;
    size_t have = 0;

    snprintf(states, sizeof(states), "%lu", n);
    snprintf(nrounds, sizeof(nrounds), "%lu", rounds);
    if (pipe(fd) != 0) {
        return fail("pipe failed");
    }
    fflush(NULL);
    pid = fork();
    if (pid < 0) {
        close(fd[0]);
        close(fd[1]);
        return fail("fork failed");
    }
    if (pid == 0) {
        close(fd[0]);
        if (dup2(fd[1], STDOUT_FILENO) < 0) {
            _exit(1);
        }
        close(fd[1]);
        execl(self, self, "--states", states, "--rounds", nrounds,
              "--walk-child", (char *)NULL);
        fprintf(stderr, "bench_registry: cannot run %s: %s\n", self,
                strerror(errno));
        _exit(1);
    }
    close(fd[1]);
    while (have < sizeof(*wt)) {
        ssize_t got = read(fd[0], (char *)wt + have, sizeof(*wt) - have);

        if (got < 0 && errno == EINTR) {
            continue;
        }
        if (got <= 0) {
            break;
        }
        have += (size_t)got;
    }
    close(fd[0]);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        return fail("a walk process failed");
    }
    return have == sizeof(*wt) || fail("a walk process sent no figures");
}

static void print_walk(const char *walk, const char *side, unsigned long n,
                       unsigned long rounds, unsigned long procs, Timing t)
{
    char label[32];

    snprintf(label, sizeof(label), "%s %s", walk, side);
    printf("walk %-20s %8lu states  x%lu rounds x%lu processes  best %8.3f ms"
           "  median %8.3f ms  %7.1f M states/s (best)\n", label, n, rounds,
           procs, ms(t.best_ns), ms(t.median_ns),
           1e3 / quotient(t.best_ns, n));
}

/* Over the processes: the best of their best rounds, the median of their
 * medians. */
static Timing over_processes(const WalkTimes *wt, unsigned long procs,
                             bool hard, int w, uint64_t *scratch)
{
    Timing t = { UINT64_MAX, 0 };

    for (unsigned long p = 0; p < procs; p++) {
        Timing one = hard ? wt[p].hard[w] : wt[p].plain[w];

        t.best_ns = one.best_ns < t.best_ns ? one.best_ns : t.best_ns;
        scratch[p] = one.median_ns;
    }
    t.median_ns = summarise(scratch, procs).median_ns;
    return t;
}

/* The ratio is judged on the best over all processes; each process's own
 * best-round ratio is printed after it, so that the modes show. */
static void print_ratio(int w, const WalkTimes *wt, unsigned long procs,
                        Timing hard, Timing plain)
{
    double best = quotient(hard.best_ns, plain.best_ns);
    double median = quotient(hard.median_ns, plain.median_ns);

    printf("ratio hardened/plain %-11s %.2f best, %.2f median "
           "(target <= %.2f on best: %s); per process:", walk_names[w],
           best, median, TARGET_RATIO, best <= TARGET_RATIO ? "met" : "NOT met");
    for (unsigned long p = 0; p < procs; p++) {
        printf(" %.2f", quotient(wt[p].hard[w].best_ns,
                                 wt[p].plain[w].best_ns));
    }
    printf("\n");
}

static bool bench_walks(const char *self, unsigned long n,
                        unsigned long rounds, unsigned long procs)
{
    WalkTimes *wt = calloc(procs, sizeof(*wt));
    uint64_t *scratch = calloc(procs, sizeof(*scratch));
    bool ok = (wt && scratch) || fail("out of memory");

    for (unsigned long p = 0; ok && p < procs; p++) {
        ok = walks_in_child(self, n, rounds, &wt[p]);
    }
    for (int w = 0; ok && w < N_WALKS; w++) {
        Timing hard = over_processes(wt, procs, true, w, scratch);
        Timing plain = over_processes(wt, procs, false, w, scratch);

        print_walk(walk_names[w], "hardened", n, rounds, procs, hard);
        print_walk(walk_names[w], "plain", n, rounds, procs, plain);
        print_ratio(w, wt, procs, hard, plain);
    }
    free(wt);
    free(scratch);
    return ok;
}

/* ---- Register and remove -------------------------------------------------- */

static bool register_n(ReplicationRegistry *reg, ReplicationState **states,
                       unsigned long n, void *opaque)
{
    for (unsigned long i = 0; i < n; i++) {
        states[i] = replication_new_in(reg, opaque, &noop_ops);
        if (!states[i]) {
            return fail("out of memory registering states");
        }
    }
    return true;
}

/* n registrations into a fresh registry, then n removals outside any walk,
 * oldest first; best of `rounds`, each in a fresh registry. */
static bool bench_register_remove(unsigned long n, unsigned long rounds)
{
    ReplicationState **states = calloc(n, sizeof(*states));
    Calls calls = { 0 };
    uint64_t best_reg = UINT64_MAX, best_rem = UINT64_MAX;
    bool ok = states || fail("out of memory");

    for (unsigned long r = 0; ok && r < rounds; r++) {
        ReplicationRegistry *reg = replication_registry_new();
        uint64_t t0, t1, t2;

        ok = reg || fail("out of memory creating a registry");
        t0 = now_ns();
        ok = ok && register_n(reg, states, n, &calls);
        t1 = now_ns();
        for (unsigned long i = 0; ok && i < n; i++) {
            replication_remove(states[i]);
        }
        t2 = now_ns();
        ok = ok && check_count("live states after removing all",
                               replication_registry_count(reg), 0);
        replication_registry_free(reg);
        best_reg = t1 - t0 < best_reg ? t1 - t0 : best_reg;
        best_rem = t2 - t1 < best_rem ? t2 - t1 : best_rem;
    }
    if (ok) {
        printf("register %8lu states, fresh registry:  best %8.3f ms  "
               "%6.1f ns/op\n", n, ms(best_reg), quotient(best_reg, n));
        printf("remove   %8lu states, outside a walk:  best %8.3f ms  "
               "%6.1f ns/op\n", n, ms(best_rem), quotient(best_rem, n));
    }
    free(states);
    return ok;
}

/* The state whose one callback removes all the others in mid-walk. */
typedef struct Remover {
    ReplicationState **victims;
    unsigned long n;
    uint64_t in_callback_ns;
} Remover;

static void remove_victims(ReplicationState *rs, Error **errp)
{
    Remover *rm = rs->opaque;
    uint64_t t0 = now_ns();

    (void)errp;
    for (unsigned long i = 0; i < rm->n; i++) {
        replication_remove(rm->victims[i]);
    }
    rm->in_callback_ns = now_ns() - t0;
}

static ReplicationOps remover_ops = { .checkpoint = remove_victims };

/* One round: n victims, then the remover, which is newest and so visited
 * first; the walk must then call no victim.  Times the callback and the
 * whole walk; the difference is the rest of the walk, where the registry
 * skips the removed states and releases them. */
static bool remove_in_walk_round(Remover *rm, uint64_t *walk_ns)
{
    ReplicationRegistry *reg = replication_registry_new();
    ReplicationState *remover = NULL;
    Calls victim_calls = { 0 };
    Error *err = NULL;
    uint64_t t0;
    bool ok = reg || fail("out of memory creating a registry");

    ok = ok && register_n(reg, rm->victims, rm->n, &victim_calls);
    if (ok) {
        remover = replication_new_in(reg, rm, &remover_ops);
        ok = remover || fail("out of memory registering states");
    }
    if (ok) {
        t0 = now_ns();
        replication_do_checkpoint_all_in(reg, &err);
        *walk_ns = now_ns() - t0;
        ok = !err || fail("walk failed");
        error_free(err);
    }
    ok = ok && check_count("victims called after removal",
                           victim_calls.checkpoint, 0);
    ok = ok && check_count("live states after the removing walk",
                           replication_registry_count(reg), 1);
    replication_remove(remover);
    replication_registry_free(reg);
    return ok;
}

static bool bench_remove_in_walk(unsigned long n, unsigned long rounds)
{
    Remover rm = { .victims = calloc(n, sizeof(*rm.victims)), .n = n };
    uint64_t best_walk = UINT64_MAX, best_cb = 0;
    bool ok = rm.victims || fail("out of memory");

    for (unsigned long r = 0; ok && r < rounds; r++) {
        uint64_t walk_ns = 0;

        ok = remove_in_walk_round(&rm, &walk_ns);
        if (ok && walk_ns < best_walk) {
            best_walk = walk_ns;
            best_cb = rm.in_callback_ns;
        }
    }
    if (ok) {
        printf("remove   %8lu states, in one callback: best %8.3f ms  "
               "%6.1f ns/op  (in callback %.3f ms, rest of walk incl. "
               "deferred release %.3f ms)\n", n, ms(best_walk),
               quotient(best_walk, n), ms(best_cb), ms(best_walk - best_cb));
    }
    free(rm.victims);
    return ok;
}

/* ---- O(1) by measurement ---------------------------------------------------
 * With `live` states registered, register one and remove the oldest, pair
 * after pair, so the size stays put.  Removing the oldest (the far end from
 * where registration inserts) means a registry that searched on removal
 * would show cost growing with `live`. */
static bool churn_round(ReplicationRegistry *reg, ReplicationState **ring,
                        unsigned long live, unsigned long *oldest,
                        Calls *calls)
{
    for (unsigned long j = 0; j < CHURN_PAIRS; j++) {
        ReplicationState *fresh = replication_new_in(reg, calls, &noop_ops);

        if (!fresh) {
            return fail("out of memory registering states");
        }
        replication_remove(ring[*oldest]);
        ring[*oldest] = fresh;
        *oldest = (*oldest + 1) % live;
    }
    return true;
}

static bool bench_churn(unsigned long live, unsigned long rounds)
{
    ReplicationRegistry *reg = replication_registry_new();
    ReplicationState **ring = calloc(live, sizeof(*ring));
    unsigned long oldest = 0;
    uint64_t best = UINT64_MAX;
    Calls calls = { 0 };
    bool ok = (reg && ring) || fail("out of memory");

    ok = ok && register_n(reg, ring, live, &calls);
    for (unsigned long r = 0; ok && r < rounds; r++) {
        uint64_t t0 = now_ns();

        uint64_t ns;

        ok = churn_round(reg, ring, live, &oldest, &calls);
        ns = now_ns() - t0;
        best = ns < best ? ns : best;
    }
    ok = ok && check_count("live states after churn",
                           replication_registry_count(reg), live);
    if (ok) {
        printf("register+remove at %8lu live: %lu pairs  best %8.3f ms  "
               "%6.1f ns/pair\n", live, CHURN_PAIRS, ms(best),
               quotient(best, CHURN_PAIRS));
    }
    replication_registry_free(reg);
    free(ring);
    return ok;
}

/* This program's own file, for walks_in_child: what /proc/self/exe links
 * to (valgrind answers that with its guest's path, where executing the link
 * itself would start valgrind's tool), else argv[0]. */
static const char *self_path(const char *argv0)
{
    static char path[4096];
    ssize_t len = readlink("/proc/self/exe", path, sizeof(path) - 1);

    if (len <= 0) {
        return argv0;
    }
    path[len] = '\0';
    return path;
}

/* ---- Command line ---------------------------------------------------------- */

/* A decimal count in [1, max]; anything else is a usage error. */
static bool parse_count(const char *opt, const char *arg, unsigned long max,
                        unsigned long *out)
{
    char *end;
    unsigned long v;

    if (!arg || *arg < '0' || *arg > '9') {
        fprintf(stderr, "bench_registry: %s needs a number\n", opt);
        return false;
    }
    v = strtoul(arg, &end, 10);
    if (*end || v == 0 || v > max) {
        fprintf(stderr, "bench_registry: %s %s: expected 1..%lu\n", opt, arg,
                max);
        return false;
    }
    *out = v;
    return true;
}

/* 0: run; 1: --help was printed; 2: a usage error was printed. */
static int parse_args(int argc, char **argv, unsigned long *states,
                      unsigned long *rounds, unsigned long *procs,
                      bool *child)
{
    for (int i = 1; i < argc; i++) {
        const char *opt = argv[i];

        if (!strcmp(opt, "--help") || !strcmp(opt, "-h")) {
            fputs(usage_text, stdout);
            return 1;
        } else if (!strcmp(opt, "--states")) {
            if (!parse_count(opt, argv[++i], MAX_STATES, states)) {
                return 2;
            }
        } else if (!strcmp(opt, "--rounds")) {
            if (!parse_count(opt, argv[++i], MAX_ROUNDS, rounds)) {
                return 2;
            }
        } else if (!strcmp(opt, "--walk-child")) {
            *child = true;      /* internal: see walks_in_child */
        } else if (!strcmp(opt, "--processes")) {
            if (!parse_count(opt, argv[++i], MAX_PROCS, procs)) {
                return 2;
            }
        } else {
            fprintf(stderr, "bench_registry: unknown argument '%s'\n%s", opt,
                    usage_text);
            return 2;
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    unsigned long states = DEFAULT_STATES, rounds = DEFAULT_ROUNDS;
    unsigned long procs = DEFAULT_PROCS;
    bool child = false;
    unsigned long small;
    bool ok;

    switch (parse_args(argc, argv, &states, &rounds, &procs, &child)) {
    case 0:
        break;
    case 1:
        return 0;
    default:
        return 2;
    }
    if (child) {
        return walk_child(states, rounds);
    }
    small = states / 10 ? states / 10 : 1;
    printf("bench_registry: %lu states, %lu rounds per figure, walks in %lu "
           "processes, CLOCK_MONOTONIC; figures are the best round\n",
           states, rounds, procs);
    ok = bench_walks(self_path(argv[0]), states, rounds, procs);
    ok = bench_register_remove(states, rounds) && ok;
    ok = bench_remove_in_walk(states, rounds) && ok;
    ok = bench_churn(small, rounds) && ok;
    ok = bench_churn(states, rounds) && ok;
    if (!ok) {
        fprintf(stderr, "bench_registry: FAILED (see above)\n");
    }
    return ok ? 0 : 1;
}
