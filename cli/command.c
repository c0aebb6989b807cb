/* command.c: the one option/command skeleton of replbench (cli.h): the
 * options every scenario command shares (--seed, --jobs, --shard, --help),
 * the command's own options beside them, its paths, and the files they
 * name.  Each command keeps its usage text and its own options in its file;
 * the common options are parsed and described here only.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "cli.h"

#define SPECS_MAX 48            /* common + one command's own options */

enum { ID_SEED = -1, ID_JOBS = -2, ID_SHARD = -3, ID_HELP = -4 };

static const struct {
    CliOptSpec spec;
    unsigned takes;             /* CLI_TAKES_*; 0: every command */
    const char *help;
} common_specs[] = {
    { { "--seed", true, ID_SEED }, CLI_TAKES_SEED,
      "  --seed N              override every scenario's seed (0..2^64-1)\n" },
    { { "--jobs", true, ID_JOBS }, CLI_TAKES_JOBS,
      "  --jobs N              run up to N scenarios at once in worker processes\n"
      "                        (1..64, default 1); output stays in path order\n" },
    { { "--shard", true, ID_SHARD }, CLI_TAKES_SHARD,
      "  --shard K/N           only shard K of N (1 <= K <= N <= 1000): the files\n"
      "                        whose normalized path hashes to K-1 mod N\n" },
    { { "--help", false, ID_HELP }, 0,
      "  --help                this text\n" },
};

#define NCOMMON (sizeof(common_specs) / sizeof(common_specs[0]))

void cli_usage_common(FILE *f, unsigned takes)
{
    for (size_t i = 0; i < NCOMMON; i++) {
        if (common_specs[i].takes == 0 || (takes & common_specs[i].takes)) {
            fputs(common_specs[i].help, f);
        }
    }
    fputs("\nexit status: 0 all passed or skipped, 1 something failed, 2 usage error\n"
          "or a file that cannot be read or parsed (file:line:col: message).\n", f);
}

/* "K/N", 1 <= K <= N <= CLI_MAX_SHARDS. */
static int parse_shard(const char *cmd, const char *v, unsigned *k, unsigned *n)
{
    const char *slash = strchr(v, '/');
    char kbuf[16];
    uint64_t kv, nv;

    if (slash == NULL || (size_t)(slash - v) >= sizeof(kbuf)) {
        return cli_bad_value(cmd, "--shard", v, "expected K/N");
    }
    memcpy(kbuf, v, (size_t)(slash - v));
    kbuf[slash - v] = '\0';
    if (cli_parse_u64(kbuf, 1, CLI_MAX_SHARDS, &kv) != 0 ||
        cli_parse_u64(slash + 1, 1, CLI_MAX_SHARDS, &nv) != 0 || kv > nv) {
        return cli_bad_value(cmd, "--shard", v, "expected K/N with 1 <= K <= N <= 1000");
    }
    *k = (unsigned)kv;
    *n = (unsigned)nv;
    return 0;
}

static int common_option(const CliCommand *cmd, CliCommon *c, int id, const char *v)
{
    switch (id) {
    case ID_SEED:
        c->seed_set = true;
        return cli_opt_seed(cmd->name, v, &c->seed);
    case ID_JOBS:
        return cli_opt_jobs(cmd->name, v, &c->jobs);
    case ID_SHARD:
        return parse_shard(cmd->name, v, &c->shard_k, &c->shard_n);
    default:
        c->help = true;
        return 0;
    }
}

/* The command's own options, then the common ones it takes. */
static void merge_specs(const CliCommand *cmd, CliOptSpec *out)
{
    size_t n = 0;

    for (const CliOptSpec *s = cmd->specs; s != NULL && s->name != NULL; s++) {
        SIM_CHECK(n < SPECS_MAX - NCOMMON - 1);
        out[n++] = *s;
    }
    for (size_t i = 0; i < NCOMMON; i++) {
        if (common_specs[i].takes == 0 || (cmd->takes & common_specs[i].takes)) {
            out[n++] = common_specs[i].spec;
        }
    }
    out[n] = (CliOptSpec){ NULL, false, 0 };
}

static int parse(const CliCommand *cmd, int argc, char **argv, void *ctx, CliCommon *c)
{
    CliOptSpec specs[SPECS_MAX];
    CliArgs a = { .argc = argc, .argv = argv, .i = 1 };
    const char *v = NULL;
    int id = 0, kind;

    merge_specs(cmd, specs);
    while ((kind = cli_args_next(&a, specs, cmd->name, &id, &v)) != CLI_ARG_END) {
        if (kind == CLI_ARG_ERROR) {
            return -1;
        }
        if (kind == CLI_ARG_PATH) {
            c->paths.v[c->paths.n++] = (char *)v;
        } else if (id < 0 ? common_option(cmd, c, id, v) != 0
                          : cmd->option(ctx, id, v) != 0) {
            return -1;
        }
    }
    if (!c->help && c->paths.n == 0 && !cmd->paths_optional) {
        fprintf(stderr, "replbench %s: no PATH given\n", cmd->name);
        return -1;
    }
    return 0;
}

int cli_command_parse(const CliCommand *cmd, int argc, char **argv, void *ctx,
                      CliCommon *c)
{
    *c = (CliCommon){ .jobs = 1 };
    if (!cli_paths_init(&c->paths, argc)) {
        return -1;
    }
    if (parse(cmd, argc, argv, ctx, c) != 0) {
        fprintf(stderr, "usage: replbench %s %s (replbench %s --help)\n", cmd->name,
                cmd->synopsis, cmd->name);
        return -1;
    }
    return 0;
}

void cli_common_free(CliCommon *c)
{
    cli_paths_free(&c->paths);
}

size_t cli_command_files(const CliCommand *cmd, const CliCommon *c, CliFiles *files,
                         bool *none)
{
    size_t problems = cli_files_collect(c->paths.v, c->paths.n, files);

    *none = files->n == 0 && problems == 0;
    if (*none) {
        fprintf(stderr, "replbench %s: no .scn files in the given paths\n", cmd->name);
    }
    if (c->shard_n != 0) {
        cli_files_shard(files, c->shard_k, c->shard_n);
    }
    return problems;
}
