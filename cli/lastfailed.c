/* lastfailed.c: the --last-failed state of the replbench CLI (cli.h): for
 * each command, the files that failed when it last ran them, one path a
 * line in DIR/COMMAND.last-failed (DIR: $REPLBENCH_CACHE_DIR, else
 * ./.replbench-cache).  A run forgets the old state of the files it ran
 * and keeps that of the others, so a run of a subset does not erase what
 * the rest recorded.  The file is replaced whole (rename), never torn.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

#define STATE_MAX_LINES CLI_MAX_FILES

typedef struct State {
    char **paths;               /* sorted */
    size_t n;
} State;

static int state_path(const char *cmd, char *buf, size_t len, char *dir, size_t dlen)
{
    const char *env = getenv("REPLBENCH_CACHE_DIR");
    const char *d = env != NULL && env[0] != '\0' ? env : ".replbench-cache";

    if ((size_t)snprintf(dir, dlen, "%s", d) >= dlen ||
        (size_t)snprintf(buf, len, "%s/%s.last-failed", d, cmd) >= len) {
        fprintf(stderr, "replbench %s: cache folder name too long\n", cmd);
        return -1;
    }
    return 0;
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

/* The recorded paths; none when the file does not exist.  -1 when it
 * cannot be read (printed). */
static int state_read(const char *cmd, const char *file, State *s)
{
    FILE *f = fopen(file, "r");
    char line[REPORT_PATH_MAX + 2];
    size_t cap = 0;

    *s = (State){ 0 };
    if (f == NULL) {
        if (errno == ENOENT) {
            return 0;
        }
        fprintf(stderr, "replbench %s: cannot read %s: %s\n", cmd, file, strerror(errno));
        return -1;
    }
    while (s->n < STATE_MAX_LINES && fgets(line, sizeof(line), f) != NULL) {
        line[strcspn(line, "\n")] = '\0';
        if (line[0] == '\0') {
            continue;
        }
        if (s->n == cap) {
            char **grown = realloc(s->paths, (cap = cap ? 2 * cap : 64) * sizeof(*grown));

            if (grown == NULL) {
                break;
            }
            s->paths = grown;
        }
        if ((s->paths[s->n] = strdup(line)) == NULL) {
            break;
        }
        s->n++;
    }
    fclose(f);
    if (s->n != 0) {
        qsort(s->paths, s->n, sizeof(*s->paths), cmp_str);
    }
    return 0;
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

void cli_last_failed_save(const char *cmd, const CliFiles *f, const bool *ran,
                          const bool *failed)
{
    char file[REPORT_PATH_MAX + 64], dir[REPORT_PATH_MAX + 1], tmp[REPORT_PATH_MAX + 96];
    State old;
    FILE *out;
    bool ok;

    if (state_path(cmd, file, sizeof(file), dir, sizeof(dir)) != 0 ||
        state_read(cmd, file, &old) != 0) {
        return;
    }
    snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", file, (long)getpid());
    if ((mkdir(dir, 0777) != 0 && errno != EEXIST) || (out = fopen(tmp, "w")) == NULL) {
        fprintf(stderr, "replbench %s: warning: cannot record the failures in %s: %s\n",
                cmd, file, strerror(errno));
        state_free(&old);
        return;
    }
    ok = state_write(out, &old, f, ran, failed);
    ok = (fclose(out) == 0) && ok && rename(tmp, file) == 0;
    if (!ok) {
        fprintf(stderr, "replbench %s: warning: cannot record the failures in %s\n", cmd, file);
        unlink(tmp);
    }
    state_free(&old);
}
