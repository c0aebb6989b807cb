/* fuzz.c: `replbench fuzz2scn` (a fuzz_registry, fuzz_cluster or
 * fuzz_scenario input as the scenario it runs, ending in the trace hash it
 * gives) and `replbench scn2fuzz` (a scenario as a seed input for the
 * binary harnesses), both through decode.c (fuzz2scn prints the decoded
 * script with scn_print, then runs the printed text).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "reduce.h"

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
    fputs("usage: replbench fuzz2scn [--reduce] HARNESS FILE\n"
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
          "The scenario is printed in every case; a run that fails is a failure\n"
          "(exit 1, the failure on stderr), a directory or unreadable input is an\n"
          "error (exit 2), and so is a fuzz_scenario input that does not parse.\n"
          "\n"
          "options:\n"
          "  --reduce              shrink the scenario first, as `replbench reduce`\n"
          "                        does, to one that fails the same way (1-minimal);\n"
          "                        the header says so and `expect hash=` is its own\n", f);
    cli_usage_common(f, 0);
    return rc;
}

static const CliOptSpec fuzz2scn_specs[] = {
    { "--reduce", false, 0 },
    { NULL, false, 0 },
};

static int fuzz2scn_option(void *ctx, int id, const char *v)
{
    (void)id, (void)v;
    *(bool *)ctx = true;        /* --reduce, the only one */
    return 0;
}

static const CliCommand fuzz2scn_command = {
    .name = "fuzz2scn",
    .synopsis = "[--reduce] HARNESS FILE",
    .specs = fuzz2scn_specs,
    .option = fuzz2scn_option,
};

static const CliCommand scn2fuzz_command = {
    .name = "scn2fuzz",
    .synopsis = "HARNESS FILE.scn OUT",
};

/* The command's arguments through the one skeleton (command.c): exactly
 * `want` of them.  0 with *help for --help; -1 (printed) on a usage error. */
static int arguments(const CliCommand *cmd, int argc, char **argv, size_t want,
                     void *ctx, CliCommon *c)
{
    if (cli_command_parse(cmd, argc, argv, ctx, c) != 0) {
        return -1;
    }
    if (!c->help && c->paths.n != want) {
        fprintf(stderr, "replbench %s: expected %s\nusage: replbench %s %s (replbench %s "
                "--help)\n", cmd->name, cmd->synopsis, cmd->name, cmd->synopsis, cmd->name);
        return -1;
    }
    return 0;
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

/* The scenario text in `text`: the header, then the operations: the
 * script the harness runs (decode.c), printed (a fuzz_scenario input is
 * its own text). */
static size_t scenario(ScnHarness h, const char *path, const uint8_t *in, size_t n,
                       char *text, size_t cap)
{
    ScnScript *s = NULL;
    char head[HEADER_MAX];
    size_t len, hl;

    header(h, path, head, sizeof(head));
    if (h != SCN_HARNESS_SCENARIO) {
        len = scn_decode_script(h, in, n, &s) == 0 ? scn_print(s, head, text, cap, NULL) : 0;
        scn_free(s);
        return len;
    }
    hl = strlen(head);
    memcpy(text, head, hl + 1);
    len = n < TEXT_MAX - 1 ? n : TEXT_MAX - 1;      /* as scn_decode copies it */
    len = len < cap - hl - 1 ? len : cap - hl - 1;
    memcpy(text + hl, in, len);
    text[hl + len] = '\0';
    return hl + len;
}

/* Run it, print it with its trace hash; a failing run is also said on
 * stderr, as the harness reports it. */
static int print_run(const char *text, size_t len)
{
    static ScnResult res;
    static ScnErrors errs;
    static char msg[REPORT_ERROR_MAX];
    ScnScript *s = scn_parse(text, len, "fuzz.scn", &errs);

    fwrite(text, 1, len, stdout);
    fflush(stdout);             /* printed even if the implementation crashes */
    if (s == NULL) {
        /* at the lines of the text printed, named as the harness names it */
        scn_errors_format(&errs, "fuzz.scn", msg, sizeof(msg));
        fprintf(stderr, "replbench fuzz2scn: the input does not parse:\n%s\n", msg);
        return REPORT_EXIT_USAGE;
    }
    scn_run(s, NULL, &res);
    scn_free(s);
    if (res.status == SCN_ERROR) {
        fprintf(stderr, "replbench fuzz2scn: line %u: %s: no verdict, no hash\n", res.line,
                res.message);
        return REPORT_EXIT_USAGE;
    }
    printf("%sexpect hash=0x%016" PRIx64 "\n", len > 0 && text[len - 1] != '\n' ? "\n" : "",
           res.ops_hash);
    if (res.status == SCN_FAIL) {
        fprintf(stderr, "replbench fuzz2scn: the scenario fails: line %u: %s\n", res.line,
                res.message);
        return REPORT_EXIT_FAIL;
    }
    return REPORT_EXIT_OK;
}

/* --reduce: the scenario shrunk (reduce.c) to one that fails the same
 * way, under a header saying so; printed as it is when it does not fail. */
static int print_reduced(const char *text, size_t len, const char *path)
{
    char why[SCN_MSG_MAX + 256], *out, *reduced;
    ScnReduceStats st;
    bool fails;
    size_t hl = strcspn(text, "\n"), olen;
    int rc;

    reduced = cli_reduce_text(text, len, path, &fails, why, sizeof(why), &st);
    if (!fails || reduced == NULL) {
        fprintf(stderr, "replbench fuzz2scn: %s: printed as it is\n",
                fails ? why : "the scenario does not fail, nothing to reduce");
        free(reduced);
        return print_run(text, len);
    }
    olen = hl + strlen(reduced) + 128;
    out = malloc(olen);
    if (out == NULL) {
        free(reduced);
        return print_run(text, len);
    }
    olen = (size_t)snprintf(out, olen, "%.*s --reduce (%u -> %u lines)\n%s", (int)hl, text,
                            st.lines_before, st.lines_after, reduced);
    rc = print_run(out, olen);
    free(out);
    free(reduced);
    return rc;
}

/* The whole input: a directory, a read error or more than INPUT_MAX bytes
 * is an error (printed), never an empty or cut input. */
static int read_input(const char *path, uint8_t *in, size_t cap, size_t *n)
{
    FILE *f = fopen(path, "rb");
    int err = 0;

    if (f == NULL) {
        err = errno;
    } else {
        *n = fread(in, 1, cap, f);
        err = ferror(f) ? (errno != 0 ? errno : EIO) : 0;
        if (err == 0 && *n == cap && fgetc(f) != EOF) {
            err = EFBIG;
        }
        fclose(f);
    }
    if (err != 0) {
        fprintf(stderr, "replbench fuzz2scn: %.*s: %s\n", REPORT_PATH_MAX, path,
                err == EFBIG ? "longer than 1 MiB (the limit)" : strerror(err));
        return -1;
    }
    return 0;
}

int cli_fuzz2scn(int argc, char **argv)
{
    static uint8_t in[INPUT_MAX];
    static char text[TEXT_MAX + HEADER_MAX];
    bool reduce = false;
    CliCommon c;
    ScnHarness h;
    size_t n = 0;
    int rc = REPORT_EXIT_USAGE;

    if (arguments(&fuzz2scn_command, argc, argv, 2, &reduce, &c) != 0) {
        /* printed */
    } else if (c.help) {
        rc = fuzz2scn_usage(stdout, REPORT_EXIT_OK);
    } else if (harness("fuzz2scn", c.paths.v[0], &h) == 0 &&
               read_input(c.paths.v[1], in, sizeof(in), &n) == 0) {
        size_t len = scenario(h, c.paths.v[1], in, n, text, sizeof(text));

        rc = reduce ? print_reduced(text, len, c.paths.v[1]) : print_run(text, len);
    }
    cli_common_free(&c);
    return rc;
}

static int scn2fuzz_usage(FILE *f, int rc)
{
    fputs("usage: replbench scn2fuzz HARNESS FILE.scn OUT\n"
          "\n"
          "Write a seed input for fuzz_registry or fuzz_cluster from a scenario:\n"
          "the operations that harness can express, in order (others are left\n"
          "out).  fuzz/make-corpora.sh runs it over the suites.\n"
          "\n"
          "options:\n", f);
    cli_usage_common(f, 0);
    return rc;
}

static int write_seed(const char *path, const uint8_t *out, size_t len)
{
    FILE *f = fopen(path, "wb");

    if (f == NULL || fwrite(out, 1, len, f) != len || fclose(f) != 0) {
        fprintf(stderr, "replbench scn2fuzz: cannot write %.*s\n", REPORT_PATH_MAX, path);
        return REPORT_EXIT_USAGE;
    }
    return REPORT_EXIT_OK;
}

int cli_scn2fuzz(int argc, char **argv)
{
    static uint8_t out[4096];
    char err[REPORT_ERROR_MAX];
    CliCommon c;
    ScnHarness h;
    ScnScript *s = NULL;
    size_t len = 0;
    int rc = REPORT_EXIT_USAGE;

    if (arguments(&scn2fuzz_command, argc, argv, 3, NULL, &c) != 0) {
        /* printed */
    } else if (c.help) {
        rc = scn2fuzz_usage(stdout, REPORT_EXIT_OK);
    } else if (harness("scn2fuzz", c.paths.v[0], &h) < 0) {
        /* printed */
    } else if ((s = report_load(c.paths.v[1], err, sizeof(err))) == NULL) {
        fprintf(stderr, "%s\n", err);
    } else if (h == SCN_HARNESS_SCENARIO) {
        fprintf(stderr, "replbench scn2fuzz: fuzz_scenario's inputs are scenario texts: "
                "copy the file\n");
    } else {
        scn_encode(h, s, out, sizeof(out), &len);    /* a cut seed is still a seed */
        rc = write_seed(c.paths.v[2], out, len);
    }
    scn_free(s);
    cli_common_free(&c);
    return rc;
}
