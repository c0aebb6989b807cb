/* util.c: small helpers of the replbench CLI (cli.h): the wall clock for
 * summary figures and the progress line.  The only place the CLI reads the
 * clock or asks about a terminal.
 */
#include <inttypes.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

#define PROGRESS_PERIOD 0.1     /* seconds between redraws */
#define PLAIN_PERIOD 10.0       /* seconds between plain lines (not a terminal) */
#define PROGRESS_PATH_MAX 60    /* the tail of a longer path is shown */

double cli_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void cli_eta(char *buf, size_t len, uint64_t done, uint64_t total, double secs)
{
    double left;

    if (done >= total) {
        snprintf(buf, len, "ETA 0s");
        return;
    }
    if (done == 0 || secs <= 0) {
        snprintf(buf, len, "ETA unknown");
        return;
    }
    left = secs / (double)done * (double)(total - done) + 0.5;
    if (left < 60) {
        snprintf(buf, len, "ETA %.0fs", left);
    } else if (left < 3600) {
        snprintf(buf, len, "ETA %dm%02ds", (int)(left / 60), (int)left % 60);
    } else if (left < 100.0 * 24 * 3600) {
        snprintf(buf, len, "ETA %dh%02dm", (int)(left / 3600), (int)left % 3600 / 60);
    } else {
        snprintf(buf, len, "ETA > 100 days");
    }
}

void cli_progress_init(CliProgress *p, size_t total)
{
    memset(p, 0, sizeof(*p));
    p->tty = isatty(STDERR_FILENO);
    p->on = total > 1;
    p->total = total;
    p->last = -1.0;
    p->start = cli_now();
}

void cli_progress_total(CliProgress *p, size_t total)
{
    p->total = total;
    p->on = total > 1;
}

/* On a terminal, redrawn at most every PROGRESS_PERIOD: a sweep finishes
 * thousands of runs a second, and the terminal must not be the
 * bottleneck.  Elsewhere (a CI log) a plain line every PLAIN_PERIOD. */
void cli_progress_show(CliProgress *p, size_t k, const char *path)
{
    size_t len = strlen(path);
    char eta[32];
    double now;

    if (!p->on) {
        return;
    }
    now = cli_now();
    if (p->tty ? p->shown && now - p->last < PROGRESS_PERIOD && k != p->total
               : now - (p->last < 0 ? p->start : p->last) < PLAIN_PERIOD) {
        return;
    }
    p->last = now;
    p->shown = p->tty;
    cli_eta(eta, sizeof(eta), k, p->total, now - p->start);
    fprintf(stderr, "%s[%zu/%zu] %s %s", p->tty ? "\r\033[K" : "", k, p->total, eta,
            len > PROGRESS_PATH_MAX ? "..." : "");
    report_put_line_safe(stderr, len > PROGRESS_PATH_MAX ? path + len - PROGRESS_PATH_MAX : path);
    fputs(p->tty ? "" : "\n", stderr);
    fflush(stderr);
}

void cli_progress_clear(CliProgress *p)
{
    if (p->on && p->shown) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
        p->shown = false;
    }
}

#ifdef REPLBENCH_COVERAGE
extern void __gcov_dump(void);
#endif

void cli_child_exit(int status)
{
#ifdef REPLBENCH_COVERAGE
    __gcov_dump();
#endif
    _exit(status);
}
