/* test_decode_ast.c: the decoders build, without text, the script the
 * parser makes of its print.  For every input of the corpora given: decode
 * it (scn_decode_script), print it (scn_print, under the harness's header),
 * parse the print; the two scripts must be the same (each operation's
 * kind, form, line and every argument's key and value, in order; the
 * script's seed, needs, rules and `expect violation`), and their runs must
 * give the same trace hash and result.  This is the evidence that what the
 * parser checks (names declared before use, values in range, fault points
 * that exist) holds for a decoded script by construction.
 * usage: test_decode_ast HARNESS DIR [HARNESS DIR...]
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scn_ast.h"

#define INPUT_MAX 4096          /* the harnesses' own bound */
#define MAX_INPUTS 4096

static char text[256 * 1024];
static ScnResult direct, printed;

static int differs(const char *path, const char *what, unsigned line)
{
    fprintf(stderr, "test_decode_ast: %s: %s (line %u)\n--- printed ---\n%s--- end ---\n",
            path, what, line, text);
    return 1;
}

/* The scripts' operations and what the script says as a whole. */
static int compare_scripts(const char *path, const ScnScript *a, const ScnScript *b)
{
    if (a->nops != b->nops) {
        return differs(path, "a different number of operations", 0);
    }
    for (size_t i = 0; i < a->nops; i++) {
        if (a->ops[i].line != b->ops[i].line) {
            return differs(path, "an operation on another line", a->ops[i].line);
        }
        if (!scn_op_same(&a->ops[i], &b->ops[i])) {
            return differs(path, "an operation differs (kind, form or an argument)",
                           a->ops[i].line);
        }
    }
    if (a->seed != b->seed || a->needs != b->needs ||
        a->expects_violation != b->expects_violation || a->nrules != b->nrules) {
        return differs(path, "the script's seed, needs, rules or violation differ", 0);
    }
    return 0;
}

static int compare_runs(const char *path, ScnSession *ss, const ScnScript *a,
                        const ScnScript *b)
{
    scn_session_run(ss, a, NULL, &direct);
    scn_session_run(ss, b, NULL, &printed);
    if (direct.hash != printed.hash || direct.ops_hash != printed.ops_hash ||
        direct.trace_lines != printed.trace_lines || direct.status != printed.status ||
        direct.line != printed.line || strcmp(direct.message, printed.message) != 0) {
        return differs(path, "the runs differ (trace hash, lines, status or message)", 0);
    }
    return direct.hash == 0 ? differs(path, "the run has no trace", 0) : 0;
}

static int check_input(ScnHarness h, const char *path, ScnSession *ss, ScnScript **decoded)
{
    static uint8_t in[INPUT_MAX];
    char header[64];
    static ScnErrors err;
    ScnScript *parsed;
    FILE *f = fopen(path, "rb");
    size_t n;
    int rc;

    if (f == NULL) {
        fprintf(stderr, "test_decode_ast: %s: %s\n", path, strerror(errno));
        return 1;
    }
    n = fread(in, 1, sizeof(in), f);
    fclose(f);
    if (scn_decode_script(h, in, n, decoded) < 0) {
        return differs(path, "out of memory", 0);
    }
    snprintf(header, sizeof(header), "# %s input, decoded\n", scn_harness_name(h));
    scn_print(*decoded, header, text, sizeof(text), NULL);
    parsed = scn_parse(text, strlen(text), "fuzz.scn", &err);
    if (parsed == NULL) {
        fprintf(stderr, "test_decode_ast: %s: the print does not parse: %u:%u: %s\n", path,
                err.e[0].line, err.e[0].col, err.e[0].message);
        return differs(path, "does not parse", err.e[0].line);
    }
    rc = compare_scripts(path, *decoded, parsed);
    rc = rc ? rc : compare_runs(path, ss, *decoded, parsed);
    scn_free(parsed);
    return rc;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every input of dir, in name order; adds how many to *count. */
static int check_dir(ScnHarness h, const char *dir, ScnSession *ss, unsigned *count)
{
    static char *names[MAX_INPUTS];
    ScnScript *decoded = NULL;
    DIR *d = opendir(dir);
    struct dirent *e;
    size_t n = 0;
    int rc = 0;

    if (d == NULL) {
        fprintf(stderr, "test_decode_ast: %s: %s\n", dir, strerror(errno));
        return 1;
    }
    while ((e = readdir(d)) != NULL && n < MAX_INPUTS) {
        if (e->d_name[0] != '.' && (names[n] = malloc(strlen(dir) + strlen(e->d_name) + 2))) {
            sprintf(names[n++], "%s/%s", dir, e->d_name);
        }
    }
    closedir(d);
    qsort(names, n, sizeof(names[0]), by_name);
    for (size_t i = 0; i < n; i++) {
        rc |= check_input(h, names[i], ss, &decoded);
        free(names[i]);
    }
    scn_free(decoded);
    *count += (unsigned)n;
    return rc;
}

int main(int argc, char **argv)
{
    ScnSession *ss = scn_session_new();
    unsigned count = 0;
    int rc = 0;

    if (argc < 3 || argc % 2 == 0 || ss == NULL) {
        fprintf(stderr, "usage: %s HARNESS DIR [HARNESS DIR...]\n", argv[0]);
        scn_session_free(ss);
        return 2;
    }
    for (int i = 1; i + 1 < argc; i += 2) {
        ScnHarness h;

        if (scn_harness_by_name(argv[i], &h) < 0 || h == SCN_HARNESS_SCENARIO) {
            fprintf(stderr, "test_decode_ast: not a binary harness: %s\n", argv[i]);
            rc = 2;
            break;
        }
        rc |= check_dir(h, argv[i + 1], ss, &count);
    }
    scn_session_free(ss);
    printf("%u inputs: decoded script == parsed print, same trace hash%s\n", count,
           rc ? ": FAILED" : "");
    return rc ? 1 : count == 0;
}
