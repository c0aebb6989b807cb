/* pool.c: runs the jobs of a command (cli.h) in 1 to CLI_MAX_JOBS forked
 * workers (the simulator allows one world per process), --jobs 1 included:
 * a scenario that crashes (SIGSEGV, a sanitizer's abort) kills its worker,
 * never the command.  A worker reads a ReportJob from its pipe, loads and
 * runs the scenario and writes back a ReportOutcome; outcomes are handed on
 * in job order through a bounded window, so that memory does not grow with
 * the number of jobs.  Each worker's stderr goes to a file of its own and
 * its last trace lines to a shared ring, so that a dead worker's job is
 * reported with what killed it (the sanitizer's SUMMARY line, or the
 * signal) and the lines before.  Traces of workers go through files of a
 * private temp folder and are copied in order.  Touches no simulator state
 * itself.
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

#define WINDOW_PER_WORKER 4     /* outcomes kept waiting for an earlier one */
#define TRACE_NAME_MAX 96

/* The last script loaded: a sweep runs the same file many times in a row. */
typedef struct Cache {
    bool valid;
    uint32_t file;
    ScnScript *s;
    char err[REPORT_ERROR_MAX];
} Cache;

#define STDERR_KEEP 16384       /* bytes of a dead worker's stderr read */
#define HEAP_KEEP (256u << 20)  /* freed bytes a worker keeps for its next job */

/* The last trace events of a worker's job, typed, in memory shared with
 * the parent: what is left of a run whose worker died, rendered only then. */
typedef SimTraceRing Tail;

typedef struct Worker {
    pid_t pid;                  /* <= 0: none */
    int to;                     /* jobs, down */
    int from;                   /* outcomes, up */
    int err;                    /* its stderr: a file, unlinked */
    Tail *tail;                 /* shared, or NULL */
    long slot;                  /* the job's slot, -1 when idle */
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

static void tail_event(void *ctx, const SimTraceEvent *e)
{
    sim_trace_ring_put(ctx, e);
}

static void execute(const CliFiles *files, const ReportJob *job, FILE *trace,
                    Cache *c, Tail *tail, ReportOutcome *out)
{
    ScnOptions opt = { .seed_set = job->seed_set, .seed = job->seed, .trace = trace,
                       .sink = tail_event, .sink_ctx = tail };
    double start;

    memset(out, 0, sizeof(*out));
    if (!c->valid || c->file != job->file) {
        scn_free(c->s);
        c->s = report_load(files->paths[job->file], c->err, sizeof(c->err));
        c->file = job->file;
        c->valid = true;
    }
    if (c->s == NULL) {
        snprintf(out->error, sizeof(out->error), "%s", c->err);
        return;
    }
    report_job_options(job, &opt);
    out->loaded = true;
    start = cli_now();
    scn_run(c->s, &opt, &out->res);
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

static void worker_main(Pool *P, Worker *w, int in, int out_fd)
{
    ReportOutcome *out = malloc(sizeof(*out));
    Cache c = { .valid = false };
    char name[TRACE_NAME_MAX + 24];
    ReportJob job;

    keep_freed_memory();
    dup2(w->err, STDERR_FILENO);
    close(w->err);
    while (out != NULL && read_full(in, &job, sizeof(job)) == sizeof(job)) {
        FILE *trace = NULL;

        if (P->cfg->trace != NULL) {
            trace_name(P, job.seq, name, sizeof(name));
            trace = fopen(name, "w");
        }
        /* What a death of this job leaves: its stderr and trace lines only. */
        if (ftruncate(STDERR_FILENO, 0) == 0) {
            lseek(STDERR_FILENO, 0, SEEK_SET);
        }
        w->tail->n = 0;
        execute(P->cfg->files, &job, trace, &c, w->tail, out);
        out->trace_lost = P->cfg->trace != NULL && (trace == NULL || fclose(trace) != 0);
        if (write_full(out_fd, out, sizeof(*out)) != 0) {
            break;
        }
    }
    scn_free(c.s);
    free(out);
    cli_child_exit(0);
}

static void close_fd(int *fd)
{
    if (*fd >= 0) {
        close(*fd);
    }
    *fd = -1;
}

/* Fork worker w.  The child keeps only its own two pipe ends: another
 * worker's job pipe left open in it would never see end-of-file. */
static int start_worker(Pool *P, Worker *w)
{
    int down[2], up[2];

    w->pid = -1;
    w->slot = -1;
    if (pipe(down) != 0) {
        return -1;
    }
    if (pipe(up) != 0) {
        close(down[0]);
        close(down[1]);
        return -1;
    }
    w->pid = fork();
    if (w->pid == 0) {
        close(down[1]);
        close(up[0]);
        for (unsigned i = 0; i < P->nw; i++) {
            if (&P->w[i] != w && P->w[i].pid > 0) {
                close(P->w[i].to);
                close(P->w[i].from);
            }
        }
        worker_main(P, w, down[0], up[1]);
    }
    close(down[0]);
    close(up[1]);
    w->to = down[1];
    w->from = up[0];
    if (w->pid < 0) {
        close_fd(&w->to);
        close_fd(&w->from);
        return -1;
    }
    return 0;
}

/* The first "SUMMARY: " line of a sanitizer's report, without its prefix
 * and the location after the kind ("AddressSanitizer: heap-use-after-free");
 * "" when there is none. */
void cli_sanitizer_summary(const char *text, char *out, size_t len)
{
    const char *s = strstr(text, "SUMMARY: ");
    size_t n;

    snprintf(out, len, "%s", "");
    if (s == NULL) {
        return;
    }
    s += strlen("SUMMARY: ");
    n = strcspn(s, "\n");
    for (const char *sp = s; (sp = memchr(sp, ' ', (size_t)(s + n - sp))) != NULL; sp++) {
        if (sp > s && sp[-1] != ':') {      /* the blank after the kind */
            n = (size_t)(sp - s);
            break;
        }
    }
    snprintf(out, len, "%.*s", (int)n, s);
}

/* What killed worker w: the sanitizer's kind from its stderr, else the
 * signal or the exit status, into out->crash and the result's message. */
static void killed_by(const Worker *w, int status, ReportOutcome *out)
{
    static char text[STDERR_KEEP];
    ScnResult *r = &out->res;
    ssize_t got = pread(w->err, text, sizeof(text) - 1, 0);

    text[got > 0 ? got : 0] = '\0';
    cli_sanitizer_summary(text, out->crash, sizeof(out->crash));
    if (out->crash[0] == '\0' && WIFSIGNALED(status)) {
        snprintf(out->crash, sizeof(out->crash), "signal %d (%s)", WTERMSIG(status),
                 strsignal(WTERMSIG(status)));
    } else if (out->crash[0] == '\0') {
        snprintf(out->crash, sizeof(out->crash), "exit status %d before reporting",
                 WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    }
    snprintf(r->message, sizeof(r->message), "crashed: %s", out->crash);
    snprintf(r->checker, sizeof(r->checker), "%s", r->message);
}

/* A failed outcome for the job of a worker that died: what killed it and
 * the last trace lines it wrote. */
static void died(const Pool *P, const Worker *w, Slot *s, int status)
{
    ScnResult *r = &s->out.res;
    ScnScript *script;
    char err[REPORT_ERROR_MAX];
    uint64_t n = w->tail->n;
    uint64_t first = n > SIM_TRACE_KEEP ? n - SIM_TRACE_KEEP : 0;

    memset(&s->out, 0, sizeof(s->out));
    s->out.loaded = true;
    s->out.died = true;
    r->status = SCN_FAIL;
    r->checkers_ok = false;
    killed_by(w, status, &s->out);
    for (uint64_t i = first; i < n; i++) {
        sim_trace_ring_line(w->tail, (unsigned)(n - 1 - i), r->tail[r->ntail++]);
    }
    r->trace_lines = n;
    r->seed = s->job.seed;
    if (!s->job.seed_set) {
        script = report_load(P->cfg->files->paths[s->job.file], err, sizeof(err));
        r->seed = script != NULL ? scn_seed(script) : 1;
        scn_free(script);
    }
    set_ready(P, s);
}

/* Worker w stopped answering: report its job, and start another. */
static void worker_lost(Pool *P, Worker *w)
{
    int status = 0;

    close_fd(&w->to);
    close_fd(&w->from);
    while (waitpid(w->pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (w->slot >= 0) {
        died(P, w, &P->ring[w->slot], status);
    }
    if (start_worker(P, w) != 0) {
        fprintf(stderr, "replbench: cannot start a worker: %s\n", strerror(errno));
    }
}

static unsigned busy_workers(const Pool *P)
{
    unsigned n = 0;

    for (unsigned i = 0; i < P->nw; i++) {
        n += P->w[i].pid > 0 && P->w[i].slot >= 0;
    }
    return n;
}

/* ---- the loop ----------------------------------------------------------------- */

static void dispatch(Pool *P)
{
    for (unsigned i = 0; i < P->nw; i++) {
        Worker *w = &P->w[i];
        Slot *s;

        if (w->pid <= 0 || w->slot >= 0) {
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
        if (write_full(w->to, &s->job, sizeof(s->job)) != 0) {
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

static void emit(Pool *P)
{
    Slot *s;

    while (P->emit_seq < P->next_seq && (s = &P->ring[P->emit_seq % P->window])->ready) {
        if (P->cfg->trace != NULL) {
            copy_trace(P, s);
        }
        P->cfg->done(P->cfg->ctx, &s->job, &s->out);
        s->ready = false;
        P->emit_seq++;
    }
}

static void receive(Pool *P, Worker *w)
{
    Slot *s = &P->ring[w->slot];

    if (read_full(w->from, &s->out, sizeof(s->out)) != sizeof(s->out)) {
        worker_lost(P, w);
        return;
    }
    w->slot = -1;
    set_ready(P, s);
}

static void wait_some(Pool *P)
{
    struct pollfd fds[CLI_MAX_JOBS];
    Worker *who[CLI_MAX_JOBS];
    nfds_t n = 0;

    for (unsigned i = 0; i < P->nw; i++) {
        if (P->w[i].pid > 0 && P->w[i].slot >= 0) {
            fds[n] = (struct pollfd){ .fd = P->w[i].from, .events = POLLIN };
            who[n++] = &P->w[i];
        }
    }
    if (poll(fds, n, -1) < 0) {
        return;                 /* EINTR: the caller loops */
    }
    for (nfds_t i = 0; i < n; i++) {
        if (fds[i].revents != 0) {
            receive(P, who[i]);
        }
    }
}

/* ---- setup and teardown ------------------------------------------------------- */

/* Worker w's stderr file and trace ring, kept over its restarts: every
 * worker has both (the pool does not start without them). */
static int worker_files(Pool *P, Worker *w)
{
    char name[TRACE_NAME_MAX + 24];
    void *m;

    snprintf(name, sizeof(name), "%s/stderr-XXXXXX", P->dir);
    w->err = mkstemp(name);
    if (w->err < 0) {
        return -1;
    }
    unlink(name);
    m = mmap(NULL, sizeof(Tail), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    w->tail = m != MAP_FAILED ? m : NULL;
    return w->tail != NULL ? 0 : -1;
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
    fflush(NULL);
    for (P->nw = 0; P->nw < P->cfg->jobs; P->nw++) {
        if (worker_files(P, &P->w[P->nw]) != 0) {
            fprintf(stderr, "replbench: cannot set up a worker: %s\n", strerror(errno));
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
        close_fd(&P->w[i].from);
        while (P->w[i].pid > 0 && waitpid(P->w[i].pid, &status, 0) < 0 && errno == EINTR) {
        }
        close_fd(&P->w[i].err);
        if (P->w[i].tail != NULL) {
            munmap(P->w[i].tail, sizeof(Tail));
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
        P->w[i] = (Worker){ .pid = -1, .to = -1, .from = -1, .err = -1, .slot = -1 };
    }
    sigaction(SIGPIPE, &ign, &old);    /* a dead worker's pipe: EPIPE, not death */
    rc = pool_start(P);
    while (rc == 0) {
        /* Emit first, to make room in the window; again after dispatch,
         * which may find a worker dead and its outcome ready. */
        emit(P);
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
