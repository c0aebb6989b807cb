/* lastfailed.c: the --last-failed state of the replbench CLI (cli.h): for
 * each command and each implementation (its sha256: a canary build's
 * failures are not the normal build's), the files that failed when it last
 * ran them, one path a line in DIR/COMMAND.SHA256.last-failed (DIR:
 * $REPLBENCH_CACHE_DIR, else ./.replbench-cache).  A run forgets the old
 * state of the files it ran and keeps that of the others, so a run of a
 * subset does not erase what the rest recorded.  Updates hold DIR/lock
 * (flock) from reading the old state to the rename of the new one, so two
 * runs at once keep both their failures; the file is replaced whole
 * (rename), never torn.  A state file that is not a regular file (a FIFO)
 * is an error, never read (no hang).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "impl.h"

#define STATE_MAX_LINES CLI_MAX_FILES
#define LOCK_WAIT_MS 10000          /* another run's update takes milliseconds */

typedef struct State {
    char **paths;               /* sorted */
    size_t n;
} State;

static int state_path(const char *cmd, char *buf, size_t len, char *dir, size_t dlen)
{
    const char *env = getenv("REPLBENCH_CACHE_DIR");
    const char *d = env != NULL && env[0] != '\0' ? env : ".replbench-cache";

    if ((size_t)snprintf(dir, dlen, "%s", d) >= dlen ||
        (size_t)snprintf(buf, len, "%s/%s.%s.last-failed", d, cmd,
                         replication_impl()->sha256) >= len) {
        fprintf(stderr, "replbench %s: cache folder name too long\n", cmd);
        return -1;
    }
    return 0;
}

/* DIR/lock held (LOCK_EX or LOCK_SH): its descriptor, or -1 with errno
 * (ETIMEDOUT: held by another process for LOCK_WAIT_MS). */
static int lock_dir(const char *dir, int how)
{
    char name[REPORT_PATH_MAX + 16];
    struct timespec pause = { .tv_nsec = 10 * 1000 * 1000 };
    struct stat st;
    int fd;

    snprintf(name, sizeof(name), "%s/lock", dir);
    fd = open(name, O_RDWR | O_CREAT | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW, 0666);
    if (fd >= 0 && (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))) {
        close(fd);
        errno = EINVAL;
        return -1;
    }
    for (int waited = 0; fd >= 0 && flock(fd, how | LOCK_NB) != 0; waited += 10) {
        if (errno != EWOULDBLOCK || waited >= LOCK_WAIT_MS) {
            int e = errno == EWOULDBLOCK ? ETIMEDOUT : errno;

            close(fd);
            errno = e;
            return -1;
        }
        nanosleep(&pause, NULL);
    }
    return fd;
}
static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void state_free(State *s)
{
    for (size_t i = 0; i < s->n; i++) {
        free(s->paths[i]);
    }
    free(s->paths);
    s->paths = NULL;
    s->n = 0;
}

/* The state file for reading: a regular file, opened without waiting (a
 * FIFO in its place is refused, never read); NULL with errno ENOENT when
 * there is none, or another errno. */
static FILE *open_state(const char *file)
{
    int fd = open(file, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    struct stat st;
    FILE *f;

    if (fd < 0) {
        return NULL;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        errno = EINVAL;
        return NULL;
    }
    if ((f = fdopen(fd, "r")) == NULL) {
        close(fd);
    }
    return f;
}

/* One more path into s: 0, or -1 (out of memory). */
static int state_add(State *s, size_t *cap, const char *line)
{
    if (s->n == *cap) {
        size_t grown_cap = *cap ? 2 * *cap : 64;
        char **grown = realloc(s->paths, grown_cap * sizeof(*grown));

        if (grown == NULL) {
            return -1;
        }
        s->paths = grown;
        *cap = grown_cap;
    }
    if ((s->paths[s->n] = strdup(line)) == NULL) {
        return -1;
    }
    s->n++;
    return 0;
}

/* The recorded paths; none when the file does not exist.  -1 when it
 * cannot be read, is not a regular file or memory runs out (printed: a
 * state half read would drop failures when written back). */
static int state_read(const char *cmd, const char *file, State *s)
{
    FILE *f = open_state(file);
    char line[REPORT_PATH_MAX + 2];
    size_t cap = 0;
    int rc = 0;

    *s = (State){ 0 };
    if (f == NULL) {
        if (errno == ENOENT) {
            return 0;
        }
        fprintf(stderr, "replbench %s: cannot read %s: %s\n", cmd, file,
                errno == EINVAL ? "not a regular file" : strerror(errno));
        return -1;
    }
    while (rc == 0 && s->n < STATE_MAX_LINES && fgets(line, sizeof(line), f) != NULL) {
        line[strcspn(line, "\n")] = '\0';
        rc = line[0] != '\0' ? state_add(s, &cap, line) : 0;
    }
    if (rc != 0 || ferror(f)) {
        fprintf(stderr, "replbench %s: cannot read %s: %s\n", cmd, file,
                rc != 0 ? "out of memory" : strerror(errno));
        rc = -1;
    }
    fclose(f);
    if (rc != 0) {
        state_free(s);
    } else if (s->n != 0) {
        qsort(s->paths, s->n, sizeof(*s->paths), cmp_str);
    }
    return rc;
}

static bool state_has(const State *s, const char *path)
{
    return s->n != 0 && bsearch(&path, s->paths, s->n, sizeof(*s->paths), cmp_str) != NULL;
}

int cli_last_failed_filter(const char *cmd, CliFiles *f)
{
    char file[REPORT_PATH_MAX + 64], dir[REPORT_PATH_MAX + 1];
    State s;
    size_t kept = 0;

    if (state_path(cmd, file, sizeof(file), dir, sizeof(dir)) != 0 ||
        state_read(cmd, file, &s) != 0) {
        return -1;
    }
    /* No lock needed: a state file is only ever replaced whole. */
    for (size_t i = 0; i < f->n; i++) {
        kept += state_has(&s, f->paths[i]);
    }
    if (kept == 0) {
        fprintf(stderr, "replbench %s: --last-failed: no failure recorded in %s for these "
                "files; running them all\n", cmd, file);
        state_free(&s);
        return 0;
    }
    kept = 0;
    for (size_t i = 0; i < f->n; i++) {
        if (state_has(&s, f->paths[i])) {
            f->paths[kept++] = f->paths[i];
        } else {
            free(f->paths[i]);
        }
    }
    f->n = kept;
    state_free(&s);
    return 0;
}

static bool was_run(const CliFiles *f, const bool *ran, const char *path)
{
    const char *key = path;
    char **hit = f->n ? bsearch(&key, f->paths, f->n, sizeof(*f->paths), cmp_str) : NULL;

    return hit != NULL && ran[hit - f->paths];
}

/* The old paths not run this time, then this run's failures. */
static bool state_write(FILE *out, const State *old, const CliFiles *f, const bool *ran,
                        const bool *failed)
{
    for (size_t i = 0; i < old->n; i++) {
        if (!was_run(f, ran, old->paths[i])) {
            fprintf(out, "%s\n", old->paths[i]);
        }
    }
    for (size_t i = 0; i < f->n; i++) {
        if (ran[i] && failed[i] && strchr(f->paths[i], '\n') == NULL) {
            fprintf(out, "%s\n", f->paths[i]);
        }
    }
    return ferror(out) == 0;
}

/* The new state written beside file and renamed over it: true when done. */
static bool state_replace(const char *file, const State *old, const CliFiles *f,
                          const bool *ran, const bool *failed)
{
    char tmp[REPORT_PATH_MAX + 160];
    FILE *out;
    bool ok;

    snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", file, (long)getpid());
    if ((out = fopen(tmp, "w")) == NULL) {
        return false;
    }
    ok = state_write(out, old, f, ran, failed);
    ok = (fclose(out) == 0) && ok && rename(tmp, file) == 0;
    if (!ok) {
        unlink(tmp);
    }
    return ok;
}

void cli_last_failed_save(const char *cmd, const CliFiles *f, const bool *ran,
                          const bool *failed)
{
    char file[REPORT_PATH_MAX + 96], dir[REPORT_PATH_MAX + 1];
    State old = { 0 };
    int lock = -1;

    if (state_path(cmd, file, sizeof(file), dir, sizeof(dir)) != 0) {
        return;
    }
    if ((mkdir(dir, 0777) != 0 && errno != EEXIST) || (lock = lock_dir(dir, LOCK_EX)) < 0) {
        fprintf(stderr, "replbench %s: warning: cannot record the failures in %s: %s\n",
                cmd, file, errno == ETIMEDOUT ? "another run holds its lock"
                         : errno == EINVAL ? "its lock is not a regular file" : strerror(errno));
        return;
    }
    if (state_read(cmd, file, &old) != 0) {
        fprintf(stderr, "replbench %s: warning: cannot record the failures in %s\n", cmd, file);
    } else if (!state_replace(file, &old, f, ran, failed)) {
        fprintf(stderr, "replbench %s: warning: cannot record the failures in %s: %s\n", cmd,
                file, strerror(errno));
    }
    state_free(&old);
    close(lock);
}
