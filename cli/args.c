/* args.c: command-line options of the replbench CLI (cli.h): "--x V",
 * "--x=V", "--" and paths, and strict numbers.  Prints every problem as
 * "replbench CMD: ..." on stderr; never exits.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "fault.h"

#define OPT_NAME_MAX 32

static const CliOptSpec *find_spec(const CliOptSpec *specs, const char *arg, size_t len)
{
    for (const CliOptSpec *s = specs; s->name != NULL; s++) {
        if (strlen(s->name) == len && strncmp(s->name, arg, len) == 0) {
            return s;
        }
    }
    return NULL;
}

/* The value of option s, whose name ended at a->argv[a->i - 1] + used:
 * "=V" (long options), the rest of "-jV", or the next argument. */
static int value_of(CliArgs *a, const CliOptSpec *s, const char *cmd, const char *rest,
                    const char **value)
{
    if (!s->has_value) {
        if (rest[0] == '=') {
            fprintf(stderr, "replbench %s: option %s takes no value\n", cmd, s->name);
            return CLI_ARG_ERROR;
        }
        return CLI_ARG_OPTION;
    }
    if (rest[0] != '\0') {
        *value = rest + (rest[0] == '=');
    } else if (a->i < a->argc) {
        *value = a->argv[a->i++];
    } else {
        fprintf(stderr, "replbench %s: option %s needs a value\n", cmd, s->name);
        return CLI_ARG_ERROR;
    }
    return CLI_ARG_OPTION;
}

static int unknown(const char *cmd, const char *arg, size_t len)
{
    fprintf(stderr, "replbench %s: unknown option '%.*s'\n", cmd,
            len > OPT_NAME_MAX ? OPT_NAME_MAX : (int)len, arg);
    return CLI_ARG_ERROR;
}

/* The next one-letter flag of a cluster ("-qx": q, then x); one that takes
 * a value takes the rest of the cluster ("-j2") or the next argument. */
static int short_option(CliArgs *a, const CliOptSpec *specs, const char *cmd,
                        int *id, const char **value)
{
    char name[3] = { '-', a->cluster[0], '\0' };
    const CliOptSpec *s = find_spec(specs, name, 2);
    const char *rest = a->cluster + 1;

    a->cluster = NULL;
    if (s == NULL) {
        return unknown(cmd, name, 2);
    }
    *id = s->id;
    *value = NULL;
    if (s->has_value || rest[0] == '\0') {
        return value_of(a, s, cmd, s->has_value ? rest : "", value);
    }
    a->cluster = rest;
    return CLI_ARG_OPTION;
}

/* "--x", "--x V" or "--x=V" at a->argv[a->i]; "-x", "-x V", "-xV" or a
 * cluster of one-letter flags "-qx". */
static int option(CliArgs *a, const CliOptSpec *specs, const char *cmd,
                  int *id, const char **value)
{
    const char *arg = a->argv[a->i++];
    const char *eq = strchr(arg, '=');
    size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
    const CliOptSpec *s = find_spec(specs, arg, len);

    if (s == NULL && arg[1] != '-' && arg[1] != '\0') {
        a->cluster = arg + 1;
        return short_option(a, specs, cmd, id, value);
    }
    if (s == NULL) {
        return unknown(cmd, arg, len);
    }
    *id = s->id;
    *value = NULL;
    return value_of(a, s, cmd, eq != NULL ? eq : "", value);
}

int cli_args_next(CliArgs *a, const CliOptSpec *specs, const char *cmd,
                  int *id, const char **value)
{
    const char *arg;

    if (a->cluster != NULL) {
        return short_option(a, specs, cmd, id, value);
    }
    if (a->i >= a->argc) {
        return CLI_ARG_END;
    }
    arg = a->argv[a->i];
    if (!a->only_paths && strcmp(arg, "--") == 0) {
        a->only_paths = true;
        a->i++;
        return cli_args_next(a, specs, cmd, id, value);
    }
    if (!a->only_paths && arg[0] == '-') {
        return option(a, specs, cmd, id, value);
    }
    a->i++;
    *value = arg;
    return CLI_ARG_PATH;
}

int cli_parse_u64(const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
    int base = 10;
    const char *digits = s;
    char *end;
    unsigned long long v;

    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        digits = s + 2;
    }
    if (*digits == '\0' || strspn(digits, base == 16 ? "0123456789abcdefABCDEF"
                                                     : "0123456789") != strlen(digits)) {
        return -1;
    }
    errno = 0;
    v = strtoull(digits, &end, base);
    if (errno != 0 || *end != '\0' || v < lo || v > hi) {
        return -1;
    }
    *out = v;
    return 0;
}

int cli_bad_value(const char *cmd, const char *opt, const char *value, const char *why)
{
    fprintf(stderr, "replbench %s: bad value '%.*s' for %s: %s\n", cmd,
            REPORT_PATH_MAX, value, opt, why);
    return -1;
}

int cli_opt_seed(const char *cmd, const char *value, uint64_t *seed)
{
    if (cli_parse_u64(value, 0, UINT64_MAX, seed) != 0) {
        return cli_bad_value(cmd, "--seed", value, "expected a number 0..2^64-1");
    }
    return 0;
}

int cli_opt_jobs(const char *cmd, const char *value, unsigned *jobs)
{
    uint64_t v;

    if (cli_parse_u64(value, 1, CLI_MAX_JOBS, &v) != 0) {
        return cli_bad_value(cmd, "--jobs", value, "expected a number 1..64");
    }
    *jobs = (unsigned)v;
    return 0;
}

bool cli_paths_init(CliPaths *p, int argc)
{
    p->n = 0;
    p->v = calloc(argc > 0 ? (size_t)argc : 1, sizeof(*p->v));
    if (p->v == NULL) {
        fputs("replbench: out of memory\n", stderr);
    }
    return p->v != NULL;
}

void cli_paths_free(CliPaths *p)
{
    free(p->v);
    p->v = NULL;
    p->n = 0;
}

int cli_opt_inject(const char *cmd, const char *v, ReportJob *job)
{
    const char *colon = strchr(v, ':');
    const char *hit = colon ? colon + 1 : NULL;
    const char *mode = hit ? strchr(hit, ':') : NULL;
    size_t plen = colon ? (size_t)(colon - v) : 0;
    char hbuf[24];
    size_t hlen = hit ? (mode ? (size_t)(mode - hit) : strlen(hit)) : 0;
    ReportInject *in = &job->inject[job->ninject];

    if (job->ninject >= SCN_MAX_INJECTS) {
        return cli_bad_value(cmd, "--inject", v, "more than 8 --inject options");
    }
    if (colon == NULL || plen == 0 || plen >= REPORT_POINT_MAX) {
        return cli_bad_value(cmd, "--inject", v, "expected POINT:HIT[:persistent] "
                             "with a fault point name");
    }
    if (hlen == 0 || hlen >= sizeof(hbuf) || (mode != NULL && strcmp(mode, ":persistent") != 0)) {
        return cli_bad_value(cmd, "--inject", v, "expected POINT:HIT[:persistent]");
    }
    memcpy(hbuf, hit, hlen);
    hbuf[hlen] = '\0';
    if (cli_parse_u64(hbuf, 1, INT64_MAX, &in->hit) != 0) {
        return cli_bad_value(cmd, "--inject", v, "HIT must be a number from 1");
    }
    memcpy(in->point, v, plen);
    in->point[plen] = '\0';
    if (sim_fault_template_of(in->point) == NULL) {
        return cli_bad_value(cmd, "--inject", v, "unknown fault point (no backend has "
                             "it; replbench faults lists them)");
    }
    for (unsigned i = 0; i < job->ninject; i++) {
        if (strcmp(job->inject[i].point, in->point) == 0) {
            return cli_bad_value(cmd, "--inject", v, "the point is injected twice");
        }
    }
    in->persistent = mode != NULL;
    job->ninject++;
    return 0;
}
