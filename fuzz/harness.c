/* harness.c: the shared part of the fuzz harnesses (harness.h): decoded
 * inputs straight into a script (reused from input to input), text through
 * the one parser, runs through the one interpreter in one session per
 * process (one world, reset between inputs), and the verdict.  A finding
 * prints what was found and the scenario text, then aborts.  A run the
 * host failed (SCN_ERROR: out of memory) is no finding and no verdict: the
 * input is rejected (-1: libFuzzer does not keep it) and said on stderr.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define TEXT_MAX (256 * 1024)

static char text[TEXT_MAX];
static ScnResult res;
static ScnScript *decoded;      /* the decoders' script, reused */
static ScnSession *session;     /* every run's, made on the first */
static uint64_t host_errors;
uint64_t fuzz_last_hash;

/* ASan's defaults in every harness (ASAN_OPTIONS overrides each): a
 * quarantine of 16 MB, not 256.  Freed memory stays poisoned until the
 * quarantine holds that much more; while it fills, every allocation is
 * memory the process never touched (a page fault, then zeroing): at 256 MB
 * that was most of fuzz_cluster's time for its first 30 s (issue 22).  One
 * input frees well under 1 MB, so a use after free within an input, or in
 * the next few hundred, is still reported; the canary is still found. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "quarantine_size_mb=16";
}

static void finding(const char *what, const char *detail, const char *script)
{
    fprintf(stderr, "fuzz finding: %s: %s\n--- scenario ---\n%s--- end ---\n", what, detail,
            script);
    fflush(stderr);             /* abort() flushes nothing: a buffered stderr loses it */
    abort();
}

/* The host failed the run: not a finding, not a verdict; -1 (rejected).
 * The first few are said, the rest counted. */
static int host_error(const char *message)
{
    fuzz_last_hash = 0;
    if (++host_errors <= 3) {
        fprintf(stderr, "fuzz: %s: input rejected, not a finding%s\n", message,
                host_errors == 3 ? " (further host errors not shown)" : "");
    }
    return -1;
}

/* A decoded input is judged as `replbench run` judges its scenario (any
 * failure is a finding, with the message run prints): the decoder writes
 * may_fail= wherever an operation may fail by the script's own doing.
 * 0, or -1 when the host failed the run. */
static int judge(const ScnScript *s, const char *script, size_t len, const ScnOptions *opt,
                 FuzzStrict strict)
{
    char where[SCN_MSG_MAX + 32];

    if (session == NULL && (session = scn_session_new()) == NULL) {
        return host_error("host out of memory: a session");
    }
    if (scn_session_run(session, s, opt, &res) == SCN_ERROR) {
        return host_error(res.message);
    }
    fuzz_last_hash = res.hash;
    if (script == NULL && (res.status == SCN_FAIL || !res.checkers_ok)) {
        /* decoded: its text is printed only for a finding */
        len = scn_print(s, "# decoded input\n", text, sizeof(text), NULL);
        script = text;
    }
    if (strict == FUZZ_EVERY_CHECKER) {
        if (res.status == SCN_FAIL) {
            snprintf(where, sizeof(where), "fuzz.scn:%u: %s", res.line, res.message);
            finding("scenario fails", where, script);
        }
        return 0;
    }
    if (!res.checkers_ok && (res.checker_kind == SIM_CHECK_CONTRACT ||
                             res.checker_kind == SIM_CHECK_RESOURCES)) {
        finding("checker", res.checker, len < TEXT_MAX ? script : "(too long to show)");
    }
    return 0;
}

/* A text refused is refused cleanly: each of its errors (at most the
 * limit kept) at a line and column, with a message, all of them said. */
static void refused(const ScnErrors *errs, const char *script, size_t len)
{
    static char said[SCN_MAX_ERRORS * 400];
    bool ok = errs->n >= 1 && errs->n <= SCN_MAX_ERRORS && errs->total >= errs->n;

    for (unsigned i = 0; ok && i < errs->n; i++) {
        ok = errs->e[i].line >= 1 && errs->e[i].col >= 1 && errs->e[i].message[0] != '\0';
    }
    if (!ok || scn_errors_format(errs, "fuzz.scn", said, sizeof(said)) == 0) {
        len = len < TEXT_MAX - 1 ? len : TEXT_MAX - 1;
        memcpy(text, script, len);          /* the input has no NUL of its own */
        text[len] = '\0';
        finding("parse error", "refused without a clean error", text);
    }
}

int fuzz_text(const char *script, size_t len, const ScnOptions *opt, FuzzStrict strict)
{
    static ScnErrors errs;
    ScnScript *s = scn_parse(script, len, "fuzz.scn", &errs);
    int rc;

    fuzz_last_hash = 0;
    if (s == NULL) {
        refused(&errs, script, len);
        return 0;
    }
    rc = judge(s, script, len, opt, strict);
    scn_free(s);
    return rc;
}

int fuzz_decoded(ScnHarness h, const uint8_t *data, size_t size)
{
    fuzz_last_hash = 0;
    if (scn_decode_script(h, data, size, &decoded) < 0) {
        return host_error("host out of memory: decoding the input");
    }
    return judge(decoded, NULL, 0, NULL, FUZZ_EVERY_CHECKER);
}
