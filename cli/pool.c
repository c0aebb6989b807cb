/* pool.c: runs the jobs of a command (cli.h) in 1 to CLI_MAX_JOBS worker
 * processes (child.c; the simulator allows one world per process), --jobs
 * 1 included: a scenario that crashes (SIGSEGV, a sanitizer's abort) kills
 * its worker, never the command, and one that runs past the time limit is
 * killed with it.  A worker reads a ReportJob from its pipe, loads and
 * runs the scenario, its ReportOutcome made in memory shared with the
 * parent, and writes back the job's number when it is whole; outcomes are handed on
 * in job order through a bounded window, so that memory does not grow with
 * the number of jobs.  Each worker's stderr goes to a file of its own, and
 * its last trace lines and the job's effective seed to memory shared with
 * the parent, so that a dead worker's job is reported with what killed it
 * (the sanitizer's stacks, its whole report kept in a crash file, or the
 * signal) and the lines before.  Traces of workers go through files of a
 * private temp folder and are copied in order.  SIGINT and SIGTERM kill
 * the workers and end the loop.  Touches no simulator state itself.
 */
#include <errno.h>
#include <inttypes.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "prng.h"

#define WINDOW_PER_WORKER 4     /* outcomes kept waiting for an earlier one */
#define TRACE_NAME_MAX 96
#define HEADER_MAX 4096         /* bytes of a crash file's header */

/* What a worker keeps from job to job: the last script loaded (a sweep
 * runs the same file many times in a row) and its session, whose world is
 * reset between runs rather than made anew (scn.h; the reset is proven
 * complete by the A, B, A tests of scenarios/ and sim/).  A run that leaves
 * the process unfit (ScnResult.spent) ends the worker, session and all. */
typedef struct Cache {
    bool valid;
    uint32_t file;
    ScnScript *s;
    ScnSession *ss;             /* NULL until the first run, or out of memory */
    char err[REPORT_ERROR_MAX];
} Cache;

#define HEAP_KEEP (256u << 20)  /* freed bytes a worker keeps for its next job */

/* What a worker publishes about its job, in memory shared with the parent:
 * what is left of a run whose worker died or was killed.  The last trace
 * events typed (rendered only then), the seed it runs under, and its
 * outcome as the run makes it (the contract violations filed so far). */
typedef struct Shared {
    SimTraceRing tail;
    uint64_t seed;              /* the job's effective seed, once seeded */
    bool seeded;
    ReportOutcome out;
} Shared;

typedef struct Worker {
    CliChild child;             /* pid <= 0: none; err kept over its restarts */
    int to;                     /* jobs, down */
    int from;                   /* outcomes, up */
    Shared *sh;                 /* shared, or NULL */
    long slot;                  /* the job's slot, -1 when idle */
    double since;               /* cli_now() when the job was handed to it */
} Worker;

typedef struct Slot {
    bool ready;
    ReportJob job;
    ReportOutcome out;
} Slot;

typedef struct Pool {
    const CliPool *cfg;
    Worker w[CLI_MAX_JOBS];
    unsigned nw;
    Slot *ring;
    size_t window;
    uint64_t next_seq;          /* the next job to hand out */
    uint64_t emit_seq;          /* the next outcome to hand on */
    bool exhausted;             /* next() said no more */
    char dir[TRACE_NAME_MAX];   /* traces of workers, when asked */
} Pool;

/* Slot s's outcome is known: to the command at once (its results record
 * must not wait for the slower jobs before it), later in order to done(). */
static void set_ready(const Pool *P, Slot *s)
{
    s->ready = true;
    if (P->cfg->finished != NULL) {
        P->cfg->finished(P->cfg->ctx, &s->job, &s->out);
    }
}

/* What a new worker is handed (a copy on its side of the fork). */
typedef struct Start {
    Pool *P;
    Worker *w;
    int in, out;                /* its ends of the two pipes */
} Start;

static void tail_event(void *ctx, const SimTraceEvent *e)
{
    sim_trace_ring_put(ctx, e);
}

static void execute(const CliPool *cfg, const ReportJob *job, FILE *trace,
                    Cache *c, Shared *sh, ReportOutcome *out)
{
    ScnOptions opt = { .seed_set = job->seed_set, .seed = job->seed, .trace = trace,
                       .sink = tail_event, .sink_ctx = &sh->tail, .leak_check = true };
    double start;

    memset(out, 0, sizeof(*out));
    if (!c->valid || c->file != job->file || cfg->make != NULL) {
        scn_free(c->s);
        c->s = cfg->make != NULL ? cfg->make(cfg->ctx, job, c->err, sizeof(c->err))
                                 : report_load(cfg->files->paths[job->file], c->err,
                                               sizeof(c->err));
        c->file = job->file;
        c->valid = true;
    }
    if (c->s == NULL) {
        snprintf(out->error, sizeof(out->error), "%s", c->err);
        return;
    }
    report_job_options(job, &opt);
    sh->seed = job->seed_set ? job->seed : scn_seed(c->s);
    sh->seeded = true;
    out->loaded = true;
    start = cli_now();
    if (c->ss == NULL) {
        c->ss = scn_session_new();
    }
    if (c->ss != NULL) {
        scn_session_run(c->ss, c->s, &opt, &out->res);
    } else {
        scn_run(c->s, &opt, &out->res);     /* reports the host's failure */
    }
    out->seconds = cli_now() - start;
}

static void trace_header(FILE *trace, const char *path)
{
    fputs("# ", trace);
    report_put_line_safe(trace, path);
    fputc('\n', trace);
}

/* ---- pipes -------------------------------------------------------------------- */

static size_t read_full(int fd, void *buf, size_t len)
{
    size_t got = 0;

    while (got < len) {
        ssize_t r = read(fd, (char *)buf + got, len - got);

        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r <= 0) {
            break;
        }
        got += (size_t)r;
    }
    return got;
}

static int write_full(int fd, const void *buf, size_t len)
{
    size_t put = 0;

    while (put < len) {
        ssize_t r = write(fd, (const char *)buf + put, len - put);

        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r <= 0) {
            return -1;
        }
        put += (size_t)r;
    }
    return 0;
}

static void trace_name(const Pool *P, uint64_t seq, char *buf, size_t len)
{
    snprintf(buf, len, "%s/%" PRIu64, P->dir, seq);
}

/* ---- workers ------------------------------------------------------------------ */

/* A worker runs job after job: it keeps the memory one scenario freed for
 * the next (QEMU's cases fill 64 MiB disks and buffers) instead of giving it
 * back to the kernel and faulting in fresh zeroed pages, one fault per
 * 4 KiB, which took half of the suite's time.  So every allocation comes
 * from the heap (no mmap of its own, which free would unmap) and up to
 * HEAP_KEEP bytes free at its top stay.  glibc's malloc only; ASan's and
 * valgrind's ignore it. */
static void keep_freed_memory(void)
{
#if defined(M_MMAP_MAX) && defined(M_TRIM_THRESHOLD)
    mallopt(M_MMAP_MAX, 0);
    mallopt(M_TRIM_THRESHOLD, (int)HEAP_KEEP);
#endif
}

static void close_fd(int *fd)
{
    if (*fd >= 0) {
        close(*fd);
    }
    *fd = -1;
}

/* The worker: job after job until its pipe closes.  It keeps only its own
 * two pipe ends (st->in, st->out): a job pipe's write end left open in it,
 * its own or another worker's, would never see end-of-file. */
static void worker_main(void *ctx)
{
    Start *st = ctx;
    Pool *P = st->P;
    Shared *sh = st->w->sh;
    ReportOutcome *out = &sh->out;
    Cache c = { .valid = false, .ss = NULL };
    char name[TRACE_NAME_MAX + 24];
    ReportJob job;

    for (unsigned i = 0; i < CLI_MAX_JOBS; i++) {
        close_fd(&P->w[i].to);
        close_fd(&P->w[i].from);
    }
    keep_freed_memory();
    while (read_full(st->in, &job, sizeof(job)) == sizeof(job)) {
        FILE *trace = NULL;

        memset(out, 0, sizeof(*out));   /* nothing of the last job if this dies */

        if (P->cfg->trace != NULL) {
            trace_name(P, job.seq, name, sizeof(name));
            trace = fopen(name, "w");
        }
        /* What a death of this job leaves: its stderr and trace lines only
         * (emptied only when the last job wrote some: a system call less
         * per run). */
        if (lseek(STDERR_FILENO, 0, SEEK_CUR) != 0 && ftruncate(STDERR_FILENO, 0) == 0) {
            lseek(STDERR_FILENO, 0, SEEK_SET);
        }
        sh->tail.n = 0;
        sh->seeded = false;
        execute(P->cfg, &job, trace, &c, sh, out);
        out->trace_lost = P->cfg->trace != NULL && (trace == NULL || fclose(trace) != 0);
        /* The outcome is in shared memory: the pipe carries only the job's
         * number, once it is whole (55 KB through a pipe per run was most
         * of a sweep's system time). */
        if (write_full(st->out, &job.seq, sizeof(job.seq)) != 0 || out->res.spent) {
            break;              /* spent: the parent starts another worker */
        }
    }
    scn_free(c.s);
    scn_session_free(c.ss);
    cli_child_exit(0);
}

/* Start worker w. */
static int start_worker(Pool *P, Worker *w)
{
    int down[2], up[2];
    Start st = { .P = P, .w = w };

    w->child.pid = -1;
    w->slot = -1;
    if (pipe(down) != 0) {
        return -1;
    }
    if (pipe(up) != 0) {
        close(down[0]);
        close(down[1]);
        return -1;
    }
    w->to = down[1];
    w->from = up[0];
    st.in = down[0];
    st.out = up[1];
    if (cli_child_start(&w->child, worker_main, &st) != 0) {
        close_fd(&w->to);
        close_fd(&w->from);
    }
    close(down[0]);
    close(up[1]);
    return w->child.pid > 0 ? 0 : -1;
}

/* The name of a job's crash file: the same job (path, seed, injections)
 * always gets the same one, so a crash run again replaces its report. */
static void crash_name(const char *path, const ReportJob *job, uint64_t seed, char *buf,
                       size_t len)
{
    uint64_t h = sim_hash_str(SIM_HASH_INIT, path);

    h = sim_hash_bytes(h, &seed, sizeof(seed));
    for (unsigned i = 0; i < job->ninject && i < SCN_MAX_INJECTS; i++) {
        h = sim_hash_str(h, job->inject[i].point);
        h = sim_hash_bytes(h, &job->inject[i].hit, sizeof(job->inject[i].hit));
        h = sim_hash_bytes(h, &job->inject[i].persistent, sizeof(job->inject[i].persistent));
    }
    snprintf(buf, len, "crash-%016" PRIx64 ".txt", h);
}

/* Keep the dead worker's whole report, with what it ran, in the crash
 * folder. */
static void keep_report(const Pool *P, const Worker *w, Slot *s)
{
    const char *path = P->cfg->files->paths[s->job.file];
    char header[HEADER_MAX], name[64], impl[512];
    FILE *f = fmemopen(header, sizeof(header), "w");

    if (f == NULL || P->cfg->crash_dir == NULL) {
        if (f != NULL) {
            fclose(f);
        }
        return;
    }
    report_impl_describe(impl, sizeof(impl));
    fputs("# replbench: the worker running ", f);
    report_put_line_safe(f, path);
    fputs(" died: ", f);
    report_put_line_safe(f, s->out.crash.kind);
    fprintf(f, "\n# seed: %" PRIu64 "\n# reproduce: ", s->out.res.seed);
    report_reproduce(f, s->out.res.seed, &s->job, path);
    fputs("\n# implementation: ", f);
    report_put_line_safe(f, impl);
    fputs("\n# what the worker wrote to stderr running it (the sanitizer's report):\n", f);
    fclose(f);
    header[sizeof(header) - 1] = '\0';
    crash_name(path, &s->job, s->out.res.seed, name, sizeof(name));
    cli_crash_save(&w->child, P->cfg->crash_dir, name, header, &s->out.crash);
}

/* A failed outcome for the job of a worker that is gone: the last trace
 * lines it wrote, the seed it published, the message and checker why.
 * The caller sets it ready. */
static void lost(const Worker *w, Slot *s, const char *why)
{
    ScnResult *r = &s->out.res;
    uint64_t n = w->sh->tail.n;
    uint64_t first = n > SIM_TRACE_KEEP ? n - SIM_TRACE_KEEP : 0;

    s->out.loaded = true;
    r->status = SCN_FAIL;
    r->checkers_ok = false;
    snprintf(r->message, sizeof(r->message), "%s", why);
    snprintf(r->checker, sizeof(r->checker), "%s", why);
    for (uint64_t i = first; i < n; i++) {
        sim_trace_ring_line(&w->sh->tail, (unsigned)(n - 1 - i), r->tail[r->ntail++]);
    }
    r->trace_lines = n;
    r->seed = w->sh->seeded ? w->sh->seed : s->job.seed;
}

/* Worker w died (status: its wait status) running the job of slot s. */
static void died(const Pool *P, const Worker *w, Slot *s, int status)
{
    char why[sizeof(s->out.crash.kind) + 16];

    memset(&s->out, 0, sizeof(s->out));
    s->out.died = true;
    cli_child_crash(&w->child, status, &s->out.crash);
    snprintf(why, sizeof(why), "crashed: %s", s->out.crash.kind);
    lost(w, s, why);
    /* What the contract checker filed before the death: the first
     * deviation heads the message, the crash is its consequence. */
    s->out.res.nviolations = w->sh->out.res.nviolations;
    memcpy(s->out.res.violations, w->sh->out.res.violations, sizeof(s->out.res.violations));
    if (s->out.res.nviolations > 0) {
        snprintf(s->out.res.message, sizeof(s->out.res.message), "checker: %.400s; then: %s",
                 s->out.res.violations[0].message, why);
    }
    keep_report(P, w, s);
    set_ready(P, s);
}

/* Worker w ran the job of slot s past the time limit (and is killed). */
static void timed_out(const Pool *P, const Worker *w, Slot *s)
{
    char why[96];

    memset(&s->out, 0, sizeof(s->out));
    s->out.timed_out = true;
    s->out.seconds = cli_now() - w->since;
    snprintf(why, sizeof(why), "timed out after %g s (the --timeout limit)", P->cfg->timeout);
    lost(w, s, why);
    set_ready(P, s);
}

/* Worker w is gone: report its job as died (status) or timed out, and
 * start another in its place. */
static void replace(Pool *P, Worker *w, bool timeout, int status)
{
    close_fd(&w->to);
    close_fd(&w->from);
    if (w->slot >= 0 && timeout) {
        timed_out(P, w, &P->ring[w->slot]);
    } else if (w->slot >= 0) {
        died(P, w, &P->ring[w->slot], status);
    }
    if (start_worker(P, w) != 0) {
        fprintf(stderr, "replbench: cannot start a worker: %s\n", strerror(errno));
    }
}

/* Worker w stopped answering: reap it, report its job. */
static void worker_lost(Pool *P, Worker *w)
{
    int status = 0;

    close_fd(&w->to);
    close_fd(&w->from);
    while (w->child.pid > 0 && waitpid(w->child.pid, &status, 0) < 0 && errno == EINTR) {
    }
    w->child.pid = -1;
    replace(P, w, false, status);
}

/* Worker w ended between two jobs (its pipe refused the next one): that
 * job is not to blame.  Reap it and start another in its place, for the
 * same job.  0, or -1 when none starts. */
static int restart_idle(Pool *P, Worker *w)
{
    long slot = w->slot;
    int status;

    close_fd(&w->to);
    close_fd(&w->from);
    while (w->child.pid > 0 && waitpid(w->child.pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (start_worker(P, w) != 0) {
        return -1;
    }
    w->slot = slot;
    return 0;
}

static unsigned busy_workers(const Pool *P)
{
    unsigned n = 0;

    for (unsigned i = 0; i < P->nw; i++) {
        n += P->w[i].child.pid > 0 && P->w[i].slot >= 0;
    }
    return n;
}

/* ---- the loop ----------------------------------------------------------------- */

static void dispatch(Pool *P)
{
    for (unsigned i = 0; i < P->nw; i++) {
        Worker *w = &P->w[i];
        Slot *s;

        if (w->child.pid <= 0 || w->slot >= 0) {
            continue;
        }
        if (P->exhausted || P->next_seq >= P->emit_seq + P->window) {
            return;
        }
        s = &P->ring[P->next_seq % P->window];
        memset(&s->job, 0, sizeof(s->job));
        if (!P->cfg->next(P->cfg->ctx, &s->job)) {
            P->exhausted = true;
            return;
        }
        s->job.seq = P->next_seq++;
        s->ready = false;
        w->slot = (long)(s->job.seq % P->window);
        w->since = cli_now();
        if (write_full(w->to, &s->job, sizeof(s->job)) != 0 &&
            (restart_idle(P, w) != 0 || write_full(w->to, &s->job, sizeof(s->job)) != 0)) {
            worker_lost(P, w);
        }
    }
}

static void copy_trace(Pool *P, Slot *s)
{
    char name[TRACE_NAME_MAX + 24];
    char buf[8192];
    FILE *in;
    size_t n;

    trace_header(P->cfg->trace, P->cfg->files->paths[s->job.file]);
    trace_name(P, s->job.seq, name, sizeof(name));
    in = fopen(name, "r");
    if (in == NULL) {
        s->out.trace_lost = s->out.trace_lost || s->out.loaded;
        return;
    }
    while ((n = fread(buf, 1, sizeof(buf), in)) > 0) {
        fwrite(buf, 1, n, P->cfg->trace);
    }
    fclose(in);
    unlink(name);
}

static void emit_one(Pool *P, Slot *s)
{
    if (P->cfg->trace != NULL) {
        copy_trace(P, s);
    }
    P->cfg->done(P->cfg->ctx, &s->job, &s->out);
    s->ready = false;
}

static void emit(Pool *P)
{
    Slot *s;

    while (P->emit_seq < P->next_seq && (s = &P->ring[P->emit_seq % P->window])->ready) {
        emit_one(P, s);
        P->emit_seq++;
    }
}

static void receive(Pool *P, Worker *w)
{
    Slot *s = &P->ring[w->slot];
    uint64_t seq;

    if (read_full(w->from, &seq, sizeof(seq)) != sizeof(seq) || seq != s->job.seq) {
        worker_lost(P, w);
        return;
    }
    memcpy(&s->out, &w->sh->out, sizeof(s->out));
    w->slot = -1;
    set_ready(P, s);
    if (s->out.res.spent) {
        worker_lost(P, w);      /* no other scenario may run in it: replace it */
    }
}

/* How long poll may sleep: until the first busy worker's time is up. */
static int poll_ms(const Pool *P)
{
    double first = -1, now = cli_now();

    for (unsigned i = 0; P->cfg->timeout > 0 && i < P->nw; i++) {
        const Worker *w = &P->w[i];

        if (w->child.pid > 0 && w->slot >= 0 && (first < 0 || w->since < first)) {
            first = w->since;
        }
    }
    if (first < 0) {
        return -1;
    }
    first += P->cfg->timeout - now;
    return first <= 0 ? 0 : first > 3600 ? 3600 * 1000 : (int)(first * 1000.0) + 1;
}

/* Kill the workers past the time limit; report their jobs. */
static void reap_late(Pool *P)
{
    double now = cli_now();

    for (unsigned i = 0; P->cfg->timeout > 0 && i < P->nw; i++) {
        Worker *w = &P->w[i];

        if (w->child.pid > 0 && w->slot >= 0 && now - w->since >= P->cfg->timeout) {
            cli_child_kill(&w->child);
            replace(P, w, true, 0);
        }
    }
}

static void wait_some(Pool *P)
{
    struct pollfd fds[CLI_MAX_JOBS + 1];
    Worker *who[CLI_MAX_JOBS];
    nfds_t n = 0;
    int ready;

    for (unsigned i = 0; i < P->nw; i++) {
        if (P->w[i].child.pid > 0 && P->w[i].slot >= 0) {
            fds[n] = (struct pollfd){ .fd = P->w[i].from, .events = POLLIN };
            who[n++] = &P->w[i];
        }
    }
    fds[n] = (struct pollfd){ .fd = cli_signal_fd(), .events = POLLIN };
    ready = poll(fds, n + 1, poll_ms(P));
    cli_signal_drain();
    if (ready < 0 || cli_signal_caught() != 0) {
        return;                 /* EINTR, or a signal: the caller looks */
    }
    for (nfds_t i = 0; i < n; i++) {
        if (fds[i].revents != 0) {
            receive(P, who[i]);
        }
    }
    reap_late(P);
}

/* SIGINT or SIGTERM: kill the workers, drop their jobs, hand on the
 * outcomes already known (what ran is reported). */
static void interrupted(Pool *P)
{
    for (unsigned i = 0; i < P->nw; i++) {
        cli_child_kill(&P->w[i].child);
        P->w[i].slot = -1;
    }
    for (; P->emit_seq < P->next_seq; P->emit_seq++) {
        Slot *s = &P->ring[P->emit_seq % P->window];

        if (s->ready) {
            emit_one(P, s);
        }
    }
}

/* ---- setup and teardown ------------------------------------------------------- */

/* Worker w's stderr file and shared memory, kept over its restarts: every
 * worker has both (the pool does not start without them). */
static int worker_files(Worker *w)
{
    void *m;

    if (cli_child_errfile(&w->child) != 0) {
        return -1;
    }
    m = mmap(NULL, sizeof(Shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    w->sh = m != MAP_FAILED ? m : NULL;
    return w->sh != NULL ? 0 : -1;
}

static int pool_start(Pool *P)
{
    const char *tmp = getenv("TMPDIR");

    P->window = (size_t)P->cfg->jobs * WINDOW_PER_WORKER;
    P->ring = calloc(P->window, sizeof(*P->ring));
    if (P->ring == NULL) {
        fputs("replbench: out of memory\n", stderr);
        return -1;
    }
    {
        bool usable = tmp != NULL && tmp[0] == '/' && strlen(tmp) < sizeof(P->dir) - 20;

        snprintf(P->dir, sizeof(P->dir), "%s/replbench-XXXXXX", usable ? tmp : "/tmp");
        if (mkdtemp(P->dir) == NULL) {
            fprintf(stderr, "replbench: cannot make a folder for the workers: %s\n",
                    strerror(errno));
            P->dir[0] = '\0';
            return -1;
        }
    }
    for (P->nw = 0; P->nw < P->cfg->jobs; P->nw++) {
        if (worker_files(&P->w[P->nw]) != 0) {
            /* ENOMEM: said as the other setup allocations say it. */
            fprintf(stderr, "replbench: cannot set up a worker: %s\n",
                    errno == ENOMEM ? "out of memory" : strerror(errno));
            return -1;
        }
        if (start_worker(P, &P->w[P->nw]) != 0) {
            fprintf(stderr, "replbench: cannot start a worker: %s\n", strerror(errno));
            return -1;
        }
    }
    return 0;
}

static void pool_stop(Pool *P)
{
    char name[TRACE_NAME_MAX + 24];
    int status;

    for (unsigned i = 0; i < P->nw; i++) {
        close_fd(&P->w[i].to);
    }
    for (unsigned i = 0; i < CLI_MAX_JOBS; i++) {
        Worker *w = &P->w[i];

        close_fd(&w->from);
        /* Each idle worker ends at the end of its pipe; one still busy
         * (a signal, no worker left) is killed. */
        if (w->slot >= 0 || cli_signal_caught() != 0) {
            cli_child_kill(&w->child);
        }
        while (w->child.pid > 0 && waitpid(w->child.pid, &status, 0) < 0 && errno == EINTR) {
        }
        w->child.pid = -1;
        cli_child_close(&w->child);
        if (w->sh != NULL) {
            munmap(w->sh, sizeof(Shared));
        }
    }
    for (uint64_t seq = P->emit_seq; P->dir[0] != '\0' && seq < P->next_seq; seq++) {
        trace_name(P, seq, name, sizeof(name));
        unlink(name);
    }
    if (P->dir[0] != '\0') {
        rmdir(P->dir);
    }
    free(P->ring);
}

int cli_pool_run(const CliPool *p)
{
    Pool *P;
    struct sigaction ign = { .sa_handler = SIG_IGN }, old;
    int rc = 0;

    P = calloc(1, sizeof(*P));
    if (P == NULL) {
        fputs("replbench: out of memory\n", stderr);
        return -1;
    }
    P->cfg = p;
    for (unsigned i = 0; i < CLI_MAX_JOBS; i++) {
        P->w[i] = (Worker){ .child = { .pid = -1, .err = -1 }, .to = -1, .from = -1,
                            .slot = -1 };
    }
    sigaction(SIGPIPE, &ign, &old);    /* a dead worker's pipe: EPIPE, not death */
    rc = pool_start(P);
    while (rc == 0) {
        /* Emit first, to make room in the window; again after dispatch,
         * which may find a worker dead and its outcome ready. */
        emit(P);
        if (cli_signal_caught() != 0) {
            interrupted(P);
            break;
        }
        dispatch(P);
        emit(P);
        if (P->exhausted && P->emit_seq == P->next_seq) {
            break;
        }
        if (busy_workers(P) == 0) {
            fputs("replbench: no worker left to run scenarios\n", stderr);
            rc = -1;
            break;
        }
        wait_some(P);
    }
    pool_stop(P);
    sigaction(SIGPIPE, &old, NULL);
    free(P);
    return rc;
}
