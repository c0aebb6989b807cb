/* fuzz.c: `replbench fuzz2scn` (a fuzz_registry or fuzz_cluster input
 * as the scenario it runs) and `replbench scn2fuzz` (a scenario as a seed
 * input for those harnesses), both through decode.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define INPUT_MAX (1u << 20)
#define TEXT_MAX (256 * 1024)

static int harness(const char *cmd, const char *name, ScnHarness *h)
{
    if (scn_harness_by_name(name, h) < 0) {
        fprintf(stderr, "replbench %s: unknown harness '%.*s' (fuzz_registry or "
                "fuzz_cluster)\n", cmd, REPORT_PATH_MAX, name);
        return -1;
    }
    return 0;
}

static int fuzz2scn_usage(FILE *f, int rc)
{
    fputs("usage: replbench fuzz2scn HARNESS FILE\n"
          "\n"
          "Print the scenario that a fuzz_registry or fuzz_cluster input runs:\n"
          "the harness decodes its bytes into exactly this text, so running it\n"
          "with `replbench run` gives the same trace hash.  Keep a fixed crash\n"
          "as scenarios/suites/regress/NAME.scn.\n", f);
    return rc;
}

int cli_fuzz2scn(int argc, char **argv)
{
    static uint8_t in[INPUT_MAX];
    static char text[TEXT_MAX];
    ScnHarness h;
    FILE *f;
    size_t n;

    if (argc == 2 && strcmp(argv[1], "--help") == 0) {
        return fuzz2scn_usage(stdout, REPORT_EXIT_OK);
    }
    if (argc != 3) {
        return fuzz2scn_usage(stderr, REPORT_EXIT_USAGE);
    }
    if (harness("fuzz2scn", argv[1], &h) < 0) {
        return REPORT_EXIT_USAGE;
    }
    f = fopen(argv[2], "rb");
    if (f == NULL) {
        fprintf(stderr, "replbench fuzz2scn: %.*s: %s\n", REPORT_PATH_MAX, argv[2], strerror(errno));
        return REPORT_EXIT_USAGE;
    }
    n = fread(in, 1, sizeof(in), f);
    fclose(f);
    scn_decode(h, in, n, text, sizeof(text));
    /* The provenance goes last: a line before the operations would shift
     * their line numbers, which the trace records. */
    printf("%s# %s input %s, decoded by replbench fuzz2scn\n", text, scn_harness_name(h),
           argv[2]);
    return REPORT_EXIT_OK;
}

static int scn2fuzz_usage(FILE *f, int rc)
{
    fputs("usage: replbench scn2fuzz HARNESS FILE.scn OUT\n"
          "\n"
          "Write a seed input for fuzz_registry or fuzz_cluster from a scenario:\n"
          "the operations that harness can express, in order (others are left\n"
          "out).  fuzz/make-corpora.sh runs it over the suites.\n", f);
    return rc;
}

int cli_scn2fuzz(int argc, char **argv)
{
    static uint8_t out[4096];
    char err[512];
    ScnHarness h;
    ScnScript *s;
    size_t len = 0;
    FILE *f;

    if (argc == 2 && strcmp(argv[1], "--help") == 0) {
        return scn2fuzz_usage(stdout, REPORT_EXIT_OK);
    }
    if (argc != 4) {
        return scn2fuzz_usage(stderr, REPORT_EXIT_USAGE);
    }
    if (harness("scn2fuzz", argv[1], &h) < 0) {
        return REPORT_EXIT_USAGE;
    }
    s = report_load(argv[2], err, sizeof(err));
    if (s == NULL) {
        fprintf(stderr, "%s\n", err);
        return REPORT_EXIT_USAGE;
    }
    scn_encode(h, s, out, sizeof(out), &len);    /* a cut seed is still a seed */
    scn_free(s);
    f = fopen(argv[3], "wb");
    if (f == NULL || fwrite(out, 1, len, f) != len || fclose(f) != 0) {
        fprintf(stderr, "replbench scn2fuzz: cannot write %.*s\n", REPORT_PATH_MAX, argv[3]);
        return REPORT_EXIT_USAGE;
    }
    return REPORT_EXIT_OK;
}
