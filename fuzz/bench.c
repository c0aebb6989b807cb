/* bench.c: the fuzz benchmark's driver (meson benchmark, suite "bench"):
 * loads a harness's corpus into memory, then runs the floor harness
 * (floor.c, the registry alone) and the harness over it, pass after pass,
 * for a minimum time each, and prints both exec/s and their ratio.  Owns
 * its timing loop and the in-memory corpus.  Prints figures, never judges
 * them: exit 1 is a harness that did not run, 2 bad arguments.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "floor.h"
#include "harness.h"

#define BENCH_INPUTS_MAX 4096u          /* corpus files loaded at most */
#define BENCH_INPUT_MAX 65536u          /* bytes read of each */
#define BENCH_MIN_NS 1000000000ull      /* each side runs at least 1 s */
#define BENCH_PASSES_MAX 100000u

typedef struct BenchInput {
    uint8_t *data;
    size_t size;
} BenchInput;

static BenchInput inputs[BENCH_INPUTS_MAX];
static size_t ninputs;

static unsigned long long now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (unsigned long long)ts.tv_sec * 1000000000ull + (unsigned long long)ts.tv_nsec;
}

static int load_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    BenchInput *in = &inputs[ninputs];

    if (f == NULL) {
        fprintf(stderr, "bench_fuzz: %s: %s\n", path, strerror(errno));
        return -1;
    }
    in->data = malloc(BENCH_INPUT_MAX);
    if (in->data == NULL) {
        fclose(f);
        return -1;
    }
    in->size = fread(in->data, 1, BENCH_INPUT_MAX, f);
    fclose(f);
    ninputs++;
    return 0;
}

static int load_dir(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char path[4096];
    int rc = 0;

    if (d == NULL) {
        fprintf(stderr, "bench_fuzz: %s: %s\n", dir, strerror(errno));
        return -1;
    }
    while (rc == 0 && ninputs < BENCH_INPUTS_MAX && (e = readdir(d)) != NULL) {
        if (e->d_name[0] != '.') {
            snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
            rc = load_file(path);
        }
    }
    closedir(d);
    return rc;
}

static unsigned long sink;

/* Whole passes over the corpus until BENCH_MIN_NS have gone by; exec/s. */
static double rate(int floor)
{
    unsigned long long start = now_ns(), took, execs = 0;
    unsigned passes = 0;

    do {
        for (size_t i = 0; i < ninputs; i++) {
            if (floor) {
                sink += fuzz_floor_one_input(inputs[i].data, inputs[i].size);
            } else {
                LLVMFuzzerTestOneInput(inputs[i].data, inputs[i].size);
            }
        }
        execs += ninputs;
        took = now_ns() - start;
    } while (took < BENCH_MIN_NS && ++passes < BENCH_PASSES_MAX);
    return (double)execs * 1e9 / (double)(took ? took : 1);
}

int main(int argc, char **argv)
{
    double floor_rate, harness_rate;

    if (argc != 3 || !strcmp(argv[1], "--help")) {
        fprintf(argc == 3 ? stdout : stderr,
                "usage: %s NAME CORPUS-DIR\nPrints the harness's exec/s over the corpus "
                "beside the floor harness's (the registry alone).\n", argv[0]);
        return argc == 3 ? 0 : 2;
    }
    if (load_dir(argv[2]) != 0 || ninputs == 0) {
        fprintf(stderr, "bench_fuzz: no inputs loaded from %s\n", argv[2]);
        return 1;
    }
    floor_rate = rate(1);
    harness_rate = rate(0);
    printf("%-14s %6zu inputs  harness %10.0f exec/s  floor %10.0f exec/s  "
           "harness/floor %.4f\n", argv[1], ninputs, harness_rate, floor_rate,
           harness_rate / floor_rate);
    return sink == 0 ? 1 : 0;
}
