/* fuzz.c: `replbench fuzz2scn` (a fuzz_registry, fuzz_cluster or
 * fuzz_scenario input as the scenario it runs, ending in the trace hash it
 * gives) and `replbench scn2fuzz` (a scenario as a seed input for the
 * binary harnesses), both through decode.c.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define INPUT_MAX (1u << 20)
#define TEXT_MAX (256 * 1024)
#define HEADER_MAX (REPORT_PATH_MAX + 256)

static int harness(const char *cmd, const char *name, ScnHarness *h)
{
    if (scn_harness_by_name(name, h) < 0) {
        fprintf(stderr, "replbench %s: unknown harness '%.*s' (fuzz_registry, "
                "fuzz_cluster or fuzz_scenario)\n", cmd, REPORT_PATH_MAX, name);
        return -1;
    }
    return 0;
}

static int fuzz2scn_usage(FILE *f, int rc)
{
    fputs("usage: replbench fuzz2scn HARNESS FILE\n"
          "\n"
          "Print the scenario that an input of HARNESS runs, a header comment\n"
          "first and `expect hash=` (the run's trace hash) last, so that it is a\n"
          "regression test as it stands: keep a fixed crash as\n"
          "scenarios/suites/regress/NAME.scn.  fuzz_registry and fuzz_cluster:\n"
          "the harness decodes the bytes into exactly these lines (the header\n"
          "takes the place of the decoder's line 1; repeated lines that change\n"
          "nothing are folded by the decoder itself), so `replbench run` gives\n"
          "the harness's trace hash and verdict.  fuzz_scenario: the input is\n"
          "the text, one line down under the header; the harness caps it at\n"
          "2000 ticks and 4096 sectors and holds only the registry contract and\n"
          "resources checkers against it, `replbench run` holds every check.\n"
          "exit status: 0 printed, 2 usage, or an input that cannot be read or\n"
          "(fuzz_scenario) parsed.\n", f);
    return rc;
}

/* The header line: the path with its control bytes shown as '?'. */
static void header(ScnHarness h, const char *path, char *buf, size_t len)
{
    int n = snprintf(buf, len, "# %s input %.*s, printed by replbench fuzz2scn\n",
                     scn_harness_name(h), REPORT_PATH_MAX, path);

    for (int i = 0; i < n - 1 && (size_t)i < len; i++) {
        buf[i] = (unsigned char)buf[i] < 0x20 || buf[i] == 0x7f ? '?' : buf[i];
    }
}

/* The scenario text in `text`: the header, then the operations. */
static size_t scenario(ScnHarness h, const char *path, const uint8_t *in, size_t n,
                       char *text, size_t cap)
{
    static char body[TEXT_MAX];
    size_t len = scn_decode(h, in, n, body, sizeof(body)), skip = 0, hl;

    if (h != SCN_HARNESS_SCENARIO) {
        skip = strcspn(body, "\n") + 1;       /* the decoder's line 1 */
    }
    header(h, path, text, cap);
    hl = strlen(text);
    len = len - skip < cap - hl - 1 ? len - skip : cap - hl - 1;
    memcpy(text + hl, body + skip, len);
    text[hl + len] = '\0';
    return hl + len;
}

/* Run it, print it with its trace hash; a failing run is also said on
 * stderr, as the harness reports it. */
static int print_run(const char *text, size_t len)
{
    static ScnResult res;
    ScnError err;
    ScnScript *s = scn_parse(text, len, "fuzz.scn", &err);

    fwrite(text, 1, len, stdout);
    if (s == NULL) {
        fprintf(stderr, "replbench fuzz2scn: the input does not parse: line %u col %u: %s\n",
                err.line, err.col, err.message);
        return REPORT_EXIT_USAGE;
    }
    scn_run(s, NULL, &res);
    scn_free(s);
    printf("%sexpect hash=0x%016" PRIx64 "\n", len > 0 && text[len - 1] != '\n' ? "\n" : "",
           res.ops_hash);
    if (res.status == SCN_FAIL) {
        fprintf(stderr, "replbench fuzz2scn: the scenario fails: line %u: %s\n", res.line,
                res.message);
    }
    return REPORT_EXIT_OK;
}

int cli_fuzz2scn(int argc, char **argv)
{
    static uint8_t in[INPUT_MAX];
    static char text[TEXT_MAX + HEADER_MAX];
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
        fprintf(stderr, "replbench fuzz2scn: %.*s: %s\n", REPORT_PATH_MAX, argv[2],
                strerror(errno));
        return REPORT_EXIT_USAGE;
    }
    n = fread(in, 1, sizeof(in), f);
    fclose(f);
    return print_run(text, scenario(h, argv[2], in, n, text, sizeof(text)));
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
    if (h == SCN_HARNESS_SCENARIO) {
        fprintf(stderr, "replbench scn2fuzz: fuzz_scenario's inputs are scenario texts: "
                "copy the file\n");
        scn_free(s);
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
