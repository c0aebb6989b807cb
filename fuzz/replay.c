/* replay.c: the driver that replaces libFuzzer in builds without it (gcc):
 * runs LLVMFuzzerTestOneInput once on every file given, or on every file in
 * the folders given, so the corpora run as ordinary tests and count in
 * coverage.  A finding aborts, as under libFuzzer.  An input the host
 * failed (the harness returns -1: out of memory, no verdict) is counted and
 * makes the exit status 2: the corpus was not all judged.
 */
#include <dirent.h>
#include <stdbool.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "harness.h"

#define INPUT_MAX (1u << 20)

static bool show_hashes;
static unsigned host_failed;    /* inputs the harness rejected: the host's doing */

static int run_file(const char *path)
{
    static uint8_t buf[INPUT_MAX];
    FILE *f = fopen(path, "rb");
    size_t n;

    if (f == NULL) {
        fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
        return -1;
    }
    n = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    if (LLVMFuzzerTestOneInput(buf, n) != 0) {
        fprintf(stderr, "replay: %s: not judged: the host failed its run (above)\n", path);
        host_failed++;
        return -1;
    }
    if (show_hashes) {
        printf("%s 0x%016llx\n", path, (unsigned long long)fuzz_last_hash);
    }
    return 0;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every regular file of a folder, in name order (the runs are independent,
 * but a stable order makes logs comparable). */
static int run_dir(const char *dir, unsigned *count)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char **names = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;

    if (d == NULL) {
        fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
        return -1;
    }
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') {
            continue;
        }
        if (n == cap) {
            char **grown = realloc(names, (cap ? cap * 2 : 64) * sizeof(*names));

            if (grown == NULL) {
                break;
            }
            names = grown;
            cap = cap ? cap * 2 : 64;
        }
        names[n] = malloc(strlen(dir) + strlen(e->d_name) + 2);
        if (names[n] == NULL) {
            break;
        }
        sprintf(names[n], "%s/%s", dir, e->d_name);
        n++;
    }
    closedir(d);
    qsort(names, n, sizeof(*names), by_name);
    for (size_t i = 0; i < n; i++) {
        rc |= run_file(names[i]);
        free(names[i]);
        (*count)++;
    }
    free(names);
    return rc;
}

int main(int argc, char **argv)
{
    unsigned count = 0;
    int rc = 0;

    int first = 1;

    if (argc > 1 && !strcmp(argv[1], "--hashes")) {
        show_hashes = true;
        first = 2;
    }
    if (argc <= first || !strcmp(argv[1], "--help")) {
        fprintf(argc <= first ? stderr : stdout,
                "usage: %s [--hashes] FILE|DIR...\nRuns the harness once on each input "
                "(libFuzzer's replay, for builds without it);\n--hashes prints each run's "
                "trace hash.\n", argv[0]);
        return argc <= first ? 2 : 0;
    }
    for (int i = first; i < argc; i++) {
        struct stat st;

        if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
            rc |= run_dir(argv[i], &count);
        } else {
            rc |= run_file(argv[i]);
            count++;
        }
    }
    printf("replayed %u inputs", count);
    if (host_failed != 0) {
        printf(", %u not judged (host out of memory)", host_failed);
    }
    putchar('\n');
    return rc ? 2 : 0;
}
