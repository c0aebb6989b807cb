/* util.c: helpers every report writer shares (report.h): reading and parsing
 * a scenario file, the suite name of a path, shell quoting, reproduce
 * commands, one-line output of untrusted text, and UTF-8 sequences (the
 * escaping of text.c and the JSON strings of results.c read them).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "impl.h"
#include "report.h"

/* Length of the valid UTF-8 sequence at s (1-4; *cp its code point), or 0
 * for a byte that starts none.  Overlong forms, surrogates and code points
 * past U+10FFFF are not valid. */
size_t report_utf8_seq(const unsigned char *s, uint32_t *cp)
{
    static const uint32_t min[5] = { 0, 0, 0x80, 0x800, 0x10000 };
    size_t len = s[0] < 0x80 ? 1 : (s[0] >> 5) == 6 ? 2 : (s[0] >> 4) == 14 ? 3
               : (s[0] >> 3) == 30 ? 4 : 0;
    uint32_t v = len == 1 ? s[0] : len == 2 ? s[0] & 0x1f : len == 3 ? s[0] & 0x0f : s[0] & 0x07;

    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80) {
            return 0;
        }
        v = (v << 6) | (s[i] & 0x3f);
    }
    if (len == 0 || v < min[len] || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) {
        return 0;
    }
    *cp = v;
    return len;
}

static bool shell_safe(const char *s)
{
    if (*s == '\0') {
        return false;
    }
    for (; *s != '\0'; s++) {
        if (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                   "0123456789_./-=:,+@%", *s) == NULL) {
            return false;
        }
    }
    return true;
}

void report_count(FILE *f, uint64_t n, const char *one, const char *many)
{
    fprintf(f, "%" PRIu64 " %s", n, n == 1 ? one : many);
}

void report_rate(FILE *f, uint64_t count, double seconds, const char *unit)
{
    double rate = (double)count / (seconds > 1e-9 ? seconds : 1e-9);

    if (rate >= 100 || count == 0) {
        fprintf(f, "(%.0f %s/s)", rate, unit);
    } else if (rate >= 1) {
        fprintf(f, "(%.1f %s/s)", rate, unit);
    } else {
        fprintf(f, "(%.2g %s/s)", rate, unit);
    }
}

void report_shell_word(FILE *f, const char *s)
{
    if (shell_safe(s)) {
        fputs(s, f);
        return;
    }
    fputc('\'', f);
    for (; *s != '\0'; s++) {
        if (*s == '\'') {
            fputs("'\\''", f);
        } else {
            fputc(*s, f);
        }
    }
    fputc('\'', f);
}

void report_job_options(const ReportJob *job, ScnOptions *opt)
{
    opt->seed_set = job->seed_set;
    opt->seed = job->seed;
    opt->ninject = 0;
    for (unsigned i = 0; i < job->ninject && i < SCN_MAX_INJECTS; i++) {
        opt->inject[opt->ninject++] = (ScnInject){ job->inject[i].point, job->inject[i].hit,
                                                   job->inject[i].persistent };
    }
    opt->liveness = job->liveness;
    opt->liveness_ticks = job->liveness_ticks;
}

static const char *program = "replbench";

void report_set_program(const char *argv0)
{
    program = argv0 != NULL && argv0[0] != '\0' ? argv0 : "replbench";
}

const char *report_program(void)
{
    return program;
}

void report_reproduce(FILE *f, uint64_t seed, const ReportJob *job, const char *path)
{
    report_shell_word(f, program);
    fprintf(f, " run --seed %" PRIu64, seed);
    for (unsigned i = 0; job != NULL && i < job->ninject && i < SCN_MAX_INJECTS; i++) {
        fputs(" --inject ", f);
        report_shell_word(f, job->inject[i].point);
        fprintf(f, ":%" PRIu64 "%s", job->inject[i].hit,
                job->inject[i].persistent ? ":persistent" : "");
    }
    if (job != NULL && job->liveness) {
        fputs(" --liveness", f);
    }
    if (job != NULL && job->liveness && job->liveness_ticks != 0) {
        fprintf(f, " --liveness-ticks %" PRIu64, job->liveness_ticks);
    }
    fputc(' ', f);
    if (path[0] == '-') {
        fputs("-- ", f);
    }
    report_shell_word(f, path);
}

/* s with its control bytes as \xNN, but for '\n' when lines are kept. */
static void put_safe(FILE *f, const char *s, bool lines)
{
    for (const unsigned char *c = (const unsigned char *)s; *c != '\0'; c++) {
        if ((*c < 0x20 && !(lines && *c == '\n')) || *c == 0x7f) {
            fprintf(f, "\\x%02x", *c);
        } else {
            fputc(*c, f);
        }
    }
}

void report_put_line_safe(FILE *f, const char *s)
{
    put_safe(f, s, false);
}

void report_put_lines_safe(FILE *f, const char *s)
{
    put_safe(f, s, true);
}

static const char *open_regular(const char *path, int *fd, size_t *size)
{
    struct stat st;

    *fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (*fd < 0 || fstat(*fd, &st) != 0) {
        return strerror(errno);
    }
    if (!S_ISREG(st.st_mode)) {
        return "not a regular file";
    }
    *size = (size_t)st.st_size;
    return NULL;
}

/* At most SCN_MAX_FILE_BYTES + 1 bytes: one more than the parser accepts,
 * so that it reports the size.  A FIFO or device is refused, not read. */
static char *read_file(const char *path, size_t *len, char *err, size_t errlen)
{
    size_t cap = SCN_MAX_FILE_BYTES + 1;
    size_t size = 0;
    int fd = -1;
    const char *why = open_regular(path, &fd, &size);
    char *buf = NULL;
    ssize_t r = 0;

    *len = 0;
    if (why == NULL) {
        cap = size < cap ? size + 1 : cap;
        buf = malloc(cap);
        why = buf == NULL ? "out of memory" : NULL;
    }
    while (why == NULL && *len < cap) {
        r = read(fd, buf + *len, cap - *len);
        if (r == 0) {
            break;
        }
        if (r < 0 && errno != EINTR) {
            why = strerror(errno);
        }
        *len += r > 0 ? (size_t)r : 0;
    }
    if (why != NULL) {
        snprintf(err, errlen, "%s: cannot read: %s", path, why);
        free(buf);
        buf = NULL;
    }
    if (fd >= 0) {
        close(fd);
    }
    return buf;
}

ScnScript *report_load(const char *path, char *err, size_t errlen)
{
    size_t len;
    char *text;
    ScnScript *s;
    ScnErrors e;

    text = read_file(path, &len, err, errlen);
    if (text == NULL) {
        return NULL;
    }
    s = scn_parse(text, len, path, &e);
    if (s == NULL) {
        scn_errors_format(&e, path, err, errlen);
    }
    free(text);
    return s;
}

void report_impl_line(char *buf, size_t len, const char *name, const char *path,
                      const char *api, const char *sha256, unsigned offers)
{
    size_t n;

    n = (size_t)snprintf(buf, len, "%s (%s, API %s, sha256 %s; offers", name, path, api, sha256);
    for (unsigned i = 0; i < REPLICATION_EXT__COUNT && n < len; i++) {
        if (offers & (1u << i)) {
            n += (size_t)snprintf(buf + n, len - n, " %s",
                                  replication_ext_name((ReplicationExt)(1u << i)));
        }
    }
    if (n < len) {
        snprintf(buf + n, len - n, ")");
    }
}

void report_impl_describe(char *buf, size_t len)
{
    const ReplicationImpl *impl = replication_impl();

    report_impl_line(buf, len, impl->name, impl->path, impl->api, impl->sha256,
                     replication_impl_extensions());
}
