/* files.c: which scenario files a command runs (cli.h): folders searched
 * recursively for *.scn, sorted by path, sharded by a hash of the path,
 * and the paths that could not be searched, kept as data (a results
 * record each).  Reading and parsing one file: reports/util.c.  Bounded:
 * CLI_MAX_FILES files, REPORT_PATH_MAX bytes per path, CLI_MAX_DEPTH
 * folders deep.  Symbolic links to folders are not followed (no loops).
 * Every path is kept in one spelling (normalize): the same file named two
 * ways is one file, and lands in the same shard.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "prng.h"

typedef struct List {
    CliFiles *f;
    size_t cap;
    size_t problems;
    bool full;                  /* CLI_MAX_FILES reached and reported */
} List;

static void normalize(const char *in, char *out);

/* Printed, counted and kept: a record of its own in --results.  The count
 * is what makes the command's status 2, kept or not. */
static void problem(List *l, const char *path, const char *why)
{
    char norm[REPORT_PATH_MAX + 2], given[REPORT_PATH_MAX + 1];
    CliProblem *grown;
    CliFiles *f = l->f;

    fputs("replbench: ", stderr);
    snprintf(given, sizeof(given), "%s", path);
    report_put_line_safe(stderr, given);
    fprintf(stderr, ": %s\n", why);
    l->problems++;
    normalize(given, norm);
    grown = realloc(f->problems, (f->nproblems + 1) * sizeof(*grown));
    if (grown == NULL) {
        return;
    }
    f->problems = grown;
    grown[f->nproblems].path = strdup(norm);
    grown[f->nproblems].why = strdup(why);
    if (grown[f->nproblems].path == NULL || grown[f->nproblems].why == NULL) {
        free(grown[f->nproblems].path);
        free(grown[f->nproblems].why);
        return;
    }
    f->nproblems++;
}

/* Paths are printed on one line each, in every format. */
static bool printable(const char *path)
{
    for (const unsigned char *c = (const unsigned char *)path; *c != '\0'; c++) {
        if (*c < 0x20 || *c == 0x7f) {
            return false;
        }
    }
    return true;
}

/* The path without "." segments, repeated and trailing slashes: "./a//b/"
 * is "a/b", "/./x" is "/x", "./" is ".".  Lexical only (no ".." folding, no
 * links resolved): the same spelling for the same path, whatever cwd is.
 * out has room for strlen(in) + 2 bytes. */
static void normalize(const char *in, char *out)
{
    size_t n = 0;
    bool absolute = in[0] == '/';

    if (absolute) {
        out[n++] = '/';
    }
    while (*in != '\0') {
        size_t seg;

        in += strspn(in, "/");
        seg = strcspn(in, "/");
        if (seg == 0 || (seg == 1 && in[0] == '.')) {
            in += seg;
            continue;
        }
        if (n > (size_t)absolute) {
            out[n++] = '/';
        }
        memcpy(out + n, in, seg);
        n += seg;
        in += seg;
    }
    if (n == 0) {
        out[n++] = '.';
    }
    out[n] = '\0';
}

static void add(List *l, const char *given)
{
    char path[REPORT_PATH_MAX + 2];
    char **grown;
    char *copy;

    normalize(given, path);

    if (!printable(path)) {
        problem(l, path, "a control character in the path: rename the file");
        return;
    }
    if (l->f->n >= CLI_MAX_FILES) {
        if (!l->full) {
            problem(l, path, "more scenario files than the limit (100000); this one and "
                    "those after it left out");
        }
        l->full = true;
        return;
    }
    if (l->f->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;

        grown = realloc(l->f->paths, cap * sizeof(*grown));
        if (grown == NULL) {
            problem(l, path, "out of memory");
            return;
        }
        l->f->paths = grown;
        l->cap = cap;
    }
    copy = strdup(path);
    if (copy == NULL) {
        problem(l, path, "out of memory");
        return;
    }
    l->f->paths[l->f->n++] = copy;
}

static bool is_scn(const char *name)
{
    size_t len = strlen(name);

    return len > 4 && strcmp(name + len - 4, ".scn") == 0;
}

static void walk(List *l, const char *dir, unsigned depth);

/* One entry of a folder: a sub-folder (not a link to one), or a *.scn file
 * (a link to a file is fine; one that cannot be followed is a problem).
 * A *.scn that is not a folder is kept whatever it is (a FIFO, a device, a
 * link to /dev/null): loading it fails as when it is named directly,
 * never a silent skip. */
static void entry(List *l, const char *dir, const char *name, unsigned depth)
{
    char path[REPORT_PATH_MAX + 2];
    size_t dlen = strlen(dir);
    const char *sep = dlen > 0 && dir[dlen - 1] == '/' ? "" : "/";
    struct stat st;
    int len = snprintf(path, sizeof(path), "%s%s%s", dir, sep, name);

    if (len < 0 || (size_t)len > REPORT_PATH_MAX) {
        problem(l, dir, "a path in this folder is too long");
        return;
    }
    if (lstat(path, &st) != 0) {
        problem(l, path, strerror(errno));
        return;
    }
    if (S_ISDIR(st.st_mode)) {
        walk(l, path, depth + 1);
        return;
    }
    if (!is_scn(name)) {
        return;
    }
    /* A *.scn link that dangles or loops is a scenario that cannot be read,
     * never a silent skip. */
    if (S_ISLNK(st.st_mode) && stat(path, &st) != 0) {
        problem(l, path, strerror(errno));
        return;
    }
    if (!S_ISDIR(st.st_mode)) {
        add(l, path);
    }
}

static void walk(List *l, const char *dir, unsigned depth)
{
    DIR *d;
    struct dirent *e;

    if (depth > CLI_MAX_DEPTH) {
        problem(l, dir, "folders nested too deep");
        return;
    }
    d = opendir(dir);
    if (d == NULL) {
        problem(l, dir, strerror(errno));
        return;
    }
    while (!l->full && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
            entry(l, dir, e->d_name, depth);
        }
    }
    closedir(d);
}

static int by_path(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sort, and drop a path named twice. */
static void sort_unique(CliFiles *f)
{
    size_t kept = 0;

    if (f->n == 0) {
        return;
    }
    qsort(f->paths, f->n, sizeof(*f->paths), by_path);
    for (size_t i = 0; i < f->n; i++) {
        if (kept > 0 && strcmp(f->paths[kept - 1], f->paths[i]) == 0) {
            free(f->paths[i]);
        } else {
            f->paths[kept++] = f->paths[i];
        }
    }
    f->n = kept;
}

static int by_problem(const void *a, const void *b)
{
    return strcmp(((const CliProblem *)a)->path, ((const CliProblem *)b)->path);
}

/* Sort, and keep one problem per path (a path named twice is one record). */
static void sort_problems(CliFiles *f)
{
    size_t kept = 0;

    if (f->nproblems == 0) {
        return;
    }
    qsort(f->problems, f->nproblems, sizeof(*f->problems), by_problem);
    for (size_t i = 0; i < f->nproblems; i++) {
        if (kept > 0 && strcmp(f->problems[kept - 1].path, f->problems[i].path) == 0) {
            free(f->problems[i].path);
            free(f->problems[i].why);
        } else {
            f->problems[kept++] = f->problems[i];
        }
    }
    f->nproblems = kept;
}

size_t cli_files_collect(char *const *args, size_t nargs, CliFiles *out)
{
    List l = { .f = out };
    struct stat st;

    memset(out, 0, sizeof(*out));
    for (size_t i = 0; i < nargs && !l.full; i++) {
        if (strlen(args[i]) > REPORT_PATH_MAX) {
            problem(&l, args[i], "path too long");
        } else if (stat(args[i], &st) != 0) {
            problem(&l, args[i], strerror(errno));
        } else if (S_ISDIR(st.st_mode)) {
            walk(&l, args[i], 0);
        } else {
            add(&l, args[i]);
        }
    }
    sort_unique(out);
    sort_problems(out);
    return l.problems;
}

void cli_files_free(CliFiles *f)
{
    for (size_t i = 0; i < f->n; i++) {
        free(f->paths[i]);
    }
    for (size_t i = 0; i < f->nproblems; i++) {
        free(f->problems[i].path);
        free(f->problems[i].why);
    }
    free(f->paths);
    free(f->problems);
    memset(f, 0, sizeof(*f));
}

static bool in_shard(const char *path, unsigned k, unsigned n)
{
    return sim_hash_str(SIM_HASH_INIT, path) % n == k - 1;
}

void cli_files_shard(CliFiles *f, unsigned k, unsigned n)
{
    size_t kept = 0;

    for (size_t i = 0; i < f->n; i++) {
        if (in_shard(f->paths[i], k, n)) {
            f->paths[kept++] = f->paths[i];
        } else {
            free(f->paths[i]);
        }
    }
    f->n = kept;
    kept = 0;
    for (size_t i = 0; i < f->nproblems; i++) {
        if (in_shard(f->problems[i].path, k, n)) {
            f->problems[kept++] = f->problems[i];
        } else {
            free(f->problems[i].path);
            free(f->problems[i].why);
        }
    }
    f->nproblems = kept;
}
