/* viamerge.c: --format and --report of a command that writes --results
 * (cli.h): the command runs with its results file (a temporary one when
 * --results is not given) and `replbench merge` reports that file, in this
 * process: one writer of each format for a run, a sweep and their shards.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>

#include "cli.h"

/* Point stdout at fd (flushed first); the old stdout, or -1. */
static int stdout_to(int fd)
{
    int saved;

    fflush(stdout);
    saved = dup(STDOUT_FILENO);
    if (saved >= 0 && dup2(fd, STDOUT_FILENO) < 0) {
        close(saved);
        saved = -1;
    }
    return saved;
}

static void stdout_back(int saved)
{
    fflush(stdout);
    if (saved >= 0) {
        dup2(saved, STDOUT_FILENO);
        close(saved);
    }
}

static int merge_file(const char *format, const char *report, const char *file)
{
    char *argv[8];
    int argc = 0;

    argv[argc++] = "merge";
    argv[argc++] = "--format";
    argv[argc++] = (char *)(format != NULL ? format : "summary");
    if (report != NULL) {
        argv[argc++] = "--report";
        argv[argc++] = (char *)report;
    }
    argv[argc++] = "--";
    argv[argc++] = (char *)file;
    argv[argc] = NULL;
    return cli_merge(argc, argv);
}

int cli_report_via_merge(const char *cmd, CliCommon *c, const char *format,
                         const char *report, CliRunFn *run, void *ctx)
{
    bool summary = format == NULL || strcmp(format, "summary") == 0;
    const char *tmp = getenv("TMPDIR");
    char dir[REPORT_PATH_MAX + 32], file[REPORT_PATH_MAX + 64] = "";
    int saved = -1, rc, mrc, null_fd;

    if ((summary && report == NULL) || c->list) {
        return run(ctx);
    }
    snprintf(dir, sizeof(dir), "%.*s/replbench-results.XXXXXX", REPORT_PATH_MAX,
             tmp != NULL && tmp[0] == '/' ? tmp : "/tmp");
    if (c->results == NULL) {
        if (mkdtemp(dir) == NULL) {
            fprintf(stderr, "replbench %s: cannot make a folder for the results: ", cmd);
            perror(dir);
            return REPORT_EXIT_USAGE;
        }
        snprintf(file, sizeof(file), "%s/results.jsonl", dir);
        c->results = file;
    }
    /* The command's own lines go to stderr: stdout is the format's. */
    if (!summary) {
        saved = stdout_to(STDERR_FILENO);
    }
    rc = run(ctx);
    if (!summary) {
        stdout_back(saved);
    }
    if (rc != REPORT_EXIT_USAGE && cli_signal_caught() == 0) {
        /* With the summary already printed, merge writes the page only. */
        null_fd = summary ? open("/dev/null", O_WRONLY) : -1;
        saved = null_fd >= 0 ? stdout_to(null_fd) : -1;
        mrc = merge_file(format, report, c->results);
        if (null_fd >= 0) {
            stdout_back(saved);
            close(null_fd);
        }
        rc = mrc == REPORT_EXIT_USAGE ? mrc : rc > mrc ? rc : mrc;
    }
    if (file[0] != '\0') {
        unlink(file);
        rmdir(dir);
    }
    return rc;
}
