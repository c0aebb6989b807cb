/* child.c: every child process replbench runs scenarios in (cli.h): the
 * pool's workers, reduce's candidates, explore's worker, conform's probes.
 * One way to start one (its stderr kept in a file of its own, killed when
 * the parent dies, deaf to the terminal's ^C, which is the parent's to
 * handle), to wait for it with a time limit and an ear for SIGINT and
 * SIGTERM, to kill it, and to say what killed it: the sanitizer's report
 * read by report_crash_parse (the one reader), else the signal or the
 * exit status, the whole report kept in a crash file.  Also the parent's
 * handlers of SIGINT and SIGTERM: a flag and a byte down a pipe that
 * every wait here polls.  Touches no simulator state.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "cli.h"

#define REPORT_READ_MAX ((size_t)256 << 10)     /* bytes of a report read (its tail) */
#define CRASH_FILE_MAX ((off_t)16 << 20)        /* bytes of stderr kept in a crash file */
#define NAP_MAX 1.0                             /* seconds a wait sleeps at most */

/* UBSan in the recover mode a plain -fsanitize=undefined build has would
 * print a finding and let the scenario pass: stop there instead, with the
 * stack and the check's name (the kind of the crash).  UBSAN_OPTIONS
 * still overrides. */
const char *__ubsan_default_options(void);
const char *__ubsan_default_options(void)
{
    return "halt_on_error=1:print_stacktrace=1:report_error_type=1";
}

/* ---- signals ------------------------------------------------------------------- */

static volatile sig_atomic_t caught;    /* SIGINT or SIGTERM, once caught */
static int wake[2] = { -1, -1 };        /* a byte per signal (SIGCHLD too) */

static void on_signal(int sig)
{
    int saved = errno;

    if (sig != SIGCHLD) {
        if (caught != 0) {
            /* The second: no more waiting (the workers die with us). */
            signal(sig, SIG_DFL);
            raise(sig);
        }
        caught = sig;
    }
    if (wake[1] >= 0 && write(wake[1], "", 1) < 0) {
        /* full: a byte is waiting already */
    }
    errno = saved;
}

void cli_signals_catch(void)
{
    struct sigaction sa = { .sa_handler = on_signal, .sa_flags = SA_RESTART }, old;

    if (wake[0] >= 0) {
        return;
    }
    if (pipe(wake) != 0) {
        wake[0] = wake[1] = -1;
    }
    for (int i = 0; i < 2 && wake[i] >= 0; i++) {
        fcntl(wake[i], F_SETFD, FD_CLOEXEC);
        fcntl(wake[i], F_SETFL, O_NONBLOCK);
    }
    sigemptyset(&sa.sa_mask);
    /* A ^C ignored when we started (a shell's background job) stays so. */
    if (sigaction(SIGINT, NULL, &old) != 0 || old.sa_handler != SIG_IGN) {
        sigaction(SIGINT, &sa, NULL);
    }
    sigaction(SIGTERM, &sa, NULL);
    sa.sa_flags |= SA_NOCLDSTOP;
    sigaction(SIGCHLD, &sa, NULL);
}

int cli_signal_caught(void)
{
    return caught;
}

int cli_signal_fd(void)
{
    return wake[0];
}

void cli_signal_drain(void)
{
    char buf[64];

    while (wake[0] >= 0 && read(wake[0], buf, sizeof(buf)) > 0) {
    }
}

const char *cli_signal_name(int sig)
{
    return sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "a signal";
}

/* Sleep until a signal (a child's end included) or `secs` pass. */
static void nap(double secs)
{
    struct pollfd p = { .fd = wake[0], .events = POLLIN };
    int ms;

    secs = secs < 0 || secs > NAP_MAX ? NAP_MAX : secs;
    ms = (int)(secs * 1000.0) + 1;
    if (wake[0] < 0) {
        ms = ms < 10 ? ms : 10;         /* no pipe: look again soon */
    }
    if (poll(&p, wake[0] >= 0 ? 1 : 0, ms) > 0) {
        cli_signal_drain();
    }
}

/* ---- children ------------------------------------------------------------------ */

int cli_child_errfile(CliChild *c)
{
    const char *tmp = getenv("TMPDIR");
    char name[REPORT_PATH_MAX + 32];

    if (tmp == NULL || tmp[0] != '/' || strlen(tmp) > REPORT_PATH_MAX) {
        tmp = "/tmp";
    }
    snprintf(name, sizeof(name), "%s/replbench-stderr-XXXXXX", tmp);
    c->err = mkstemp(name);
    if (c->err < 0) {
        return -1;
    }
    unlink(name);                       /* nothing left behind, whatever happens */
    fcntl(c->err, F_SETFD, FD_CLOEXEC);
    return 0;
}

/* In the child: die with the parent, leave ^C to it, write stderr to err. */
static void child_setup(pid_t parent, int err)
{
    struct sigaction ign = { .sa_handler = SIG_IGN }, dfl = { .sa_handler = SIG_DFL };

#ifdef __linux__
    prctl(PR_SET_PDEATHSIG, SIGKILL);
#endif
    if (getppid() != parent) {
        _exit(EXIT_FAILURE);            /* it died before the line above */
    }
    sigaction(SIGINT, &ign, NULL);
    sigaction(SIGTERM, &ign, NULL);
    sigaction(SIGCHLD, &dfl, NULL);
    sigaction(SIGPIPE, &dfl, NULL);
    for (int i = 0; i < 2; i++) {
        if (wake[i] >= 0) {
            close(wake[i]);
        }
        wake[i] = -1;
    }
    caught = 0;
    if (err >= 0 && err != STDERR_FILENO) {
        dup2(err, STDERR_FILENO);
        close(err);
    }
}

int cli_child_start(CliChild *c, CliChildFn *fn, void *ctx)
{
    pid_t parent = getpid();
    struct stat st;

    /* Its stderr from the start of an empty file: the child shares the
     * file's offset, which an ftruncate alone leaves where the last child
     * stopped (the next report then starts after a hole of NUL bytes).
     * Not a regular file (conform's /dev/null): nothing to empty. */
    if (c->err >= 0 && fstat(c->err, &st) == 0 && S_ISREG(st.st_mode) &&
        (ftruncate(c->err, 0) != 0 || lseek(c->err, 0, SEEK_SET) != 0)) {
        return -1;
    }
    fflush(NULL);                       /* nothing buffered is written twice */
    c->pid = fork();
    if (c->pid == 0) {
        child_setup(parent, c->err);
        fn(ctx);
        cli_child_exit(0);
    }
    c->started = cli_now();
    return c->pid > 0 ? 0 : -1;
}

int cli_child_wait(CliChild *c, double until, int *status)
{
    *status = 0;
    if (c->pid <= 0) {
        return CLI_CHILD_ENDED;         /* none (waitpid would take any child) */
    }
    for (;;) {
        pid_t r = waitpid(c->pid, status, WNOHANG);

        if (r == c->pid || (r < 0 && errno != EINTR)) {
            if (r < 0) {
                *status = 0;            /* reaped elsewhere: nothing to tell */
            }
            c->pid = -1;
            return CLI_CHILD_ENDED;
        }
        if (caught != 0) {
            return CLI_CHILD_INTERRUPTED;
        }
        if (until > 0 && cli_now() >= until) {
            return CLI_CHILD_WAITING;
        }
        nap(until > 0 ? until - cli_now() : NAP_MAX);
    }
}

void cli_child_kill(CliChild *c)
{
    int status;

    if (c->pid > 0) {
        kill(c->pid, SIGKILL);
        while (waitpid(c->pid, &status, 0) < 0 && errno == EINTR) {
        }
    }
    c->pid = -1;
}

void cli_child_close(CliChild *c)
{
    cli_child_kill(c);
    if (c->err >= 0) {
        close(c->err);
    }
    c->err = -1;
}

/* ---- what killed it ---------------------------------------------------------------- */

/* The tail of the child's stderr (the report is at its end), NUL-ended,
 * malloc'd; NULL when there is none. */
static char *read_tail(int err)
{
    struct stat st;
    off_t from;
    char *text;
    ssize_t got;

    if (err < 0 || fstat(err, &st) != 0 || st.st_size == 0) {
        return NULL;
    }
    from = st.st_size > (off_t)REPORT_READ_MAX ? st.st_size - (off_t)REPORT_READ_MAX : 0;
    text = malloc(REPORT_READ_MAX + 1);
    if (text == NULL) {
        return NULL;
    }
    got = pread(err, text, REPORT_READ_MAX, from);
    text[got > 0 ? got : 0] = '\0';
    return text;
}

/* The last line with something on it: an assertion's message, a
 * SIM_CHECK's, what the implementation said before abort(). */
static void last_line(const char *text, char *out, size_t len)
{
    const char *end = text + strlen(text);

    while (end > text && (end[-1] == '\n' || end[-1] == ' ' || end[-1] == '\r')) {
        end--;
    }
    for (const char *s = end; s >= text; s--) {
        if (s == text || s[-1] == '\n') {
            size_t n = (size_t)(end - s) < len - 1 ? (size_t)(end - s) : len - 1;

            memcpy(out, s, n);
            out[n] = '\0';
            return;
        }
    }
}

void cli_child_crash(const CliChild *c, int status, ReportCrash *crash)
{
    char *text = read_tail(c->err);

    memset(crash, 0, sizeof(*crash));
    if (text != NULL && report_crash_parse(text, crash)) {
        free(text);
        return;
    }
    if (WIFSIGNALED(status)) {
        snprintf(crash->kind, sizeof(crash->kind), "signal %d (%s)", WTERMSIG(status),
                 strsignal(WTERMSIG(status)));
    } else {
        snprintf(crash->kind, sizeof(crash->kind), "exit status %d before reporting",
                 WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    }
    if (text != NULL) {
        last_line(text, crash->what, sizeof(crash->what));
    }
    free(text);
}

static int write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);

        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return -1;
        }
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

/* header, then the child's stderr (at most CRASH_FILE_MAX bytes), to fd. */
static int copy_report(int fd, int err, const char *header)
{
    char buf[65536];
    off_t at = 0;
    ssize_t n;

    if (write_all(fd, header, strlen(header)) != 0) {
        return -1;
    }
    while (at < CRASH_FILE_MAX && (n = pread(err, buf, sizeof(buf), at)) > 0) {
        if (write_all(fd, buf, (size_t)n) != 0) {
            return -1;
        }
        at += n;
    }
    return 0;
}

int cli_crash_save(const CliChild *c, const char *dir, const char *name, const char *header,
                   ReportCrash *crash)
{
    char path[REPORT_PATH_MAX + 1];
    int fd, rc;

    if (dir == NULL) {
        return 0;
    }
    if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path)) {
        fprintf(stderr, "replbench: the crash folder's name is too long: %s\n", dir);
        return -1;
    }
    if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "replbench: cannot make %s for the crash report: %s\n", dir,
                strerror(errno));
        return -1;
    }
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    rc = fd >= 0 ? copy_report(fd, c->err, header) : -1;
    if (fd >= 0 && close(fd) != 0) {
        rc = -1;
    }
    if (rc != 0) {
        fprintf(stderr, "replbench: cannot write the crash report %s: %s\n", path,
                strerror(errno));
        return -1;
    }
    memcpy(crash->report, path, strlen(path) + 1);
    return 0;
}
