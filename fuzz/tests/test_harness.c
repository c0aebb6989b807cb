/* test_harness.c: the fuzz verdict (harness.c) tells checkers apart by the
 * result's checker kind: under FUZZ_CONTRACT_ONLY a data violation (which
 * an arbitrary script may ask for) is no finding; under FUZZ_EVERY_CHECKER
 * it is one (the harness aborts), and any failure of a decoded input is
 * one, reported with the line and message `replbench run` gives.  A run
 * the host failed (out of memory) is never one.  Each run is in a child
 * process.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"
#include "host.h"

/* Upstream's order over a forwarded write lost on the primary: the data
 * checker reports it, the contract checker has nothing to say. */
static const char lost_write[] =
    "cluster size=64 interval=0 upstream_checkpoint=true\nstart\n"
    "fault point=disk/pri.d0/write mode=once\nwrite sector=4 byte=0x66\nrun ticks=3\n"
    "checkpoint\nrun ticks=10\n";

static const char *report_to = "/dev/null";

/* The child's end: 0 when the harness let the input pass, else its signal. */
static int verdict(const char *text, FuzzStrict strict)
{
    int status;
    pid_t pid = fork();

    assert_true(pid >= 0);
    if (pid == 0) {
        /* The finding's report goes to stderr: keep the test log short. */
        if (freopen(report_to, "w", stderr) == NULL) {
            _exit(3);
        }
        fuzz_text(text, strlen(text), NULL, strict);
        _exit(0);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (WIFEXITED(status)) {
        assert_int_equal(WEXITSTATUS(status), 0);
        return 0;
    }
    assert_true(WIFSIGNALED(status));
    return WTERMSIG(status);
}

static void data_violation_is_no_finding_when_only_the_contract_counts(void **state)
{
    (void)state;
#ifndef FIU_ENABLE
    skip();
#endif
    assert_int_equal(verdict(lost_write, FUZZ_CONTRACT_ONLY), 0);
}

static void data_violation_is_a_finding_when_every_checker_counts(void **state)
{
    (void)state;
#ifndef FIU_ENABLE
    skip();
#endif
    assert_int_equal(verdict(lost_write, FUZZ_EVERY_CHECKER), SIGABRT);
}

static void clean_run_is_no_finding(void **state)
{
    (void)state;
    assert_int_equal(verdict("state name=a\nwalk kind=stop\n", FUZZ_EVERY_CHECKER), 0);
}

/* Under FUZZ_EVERY_CHECKER (decoded inputs) the harness judges as
 * `replbench run` does: any failure is a finding, reported with the line
 * and message a run of the same text gives, checker or not. */
static void finding_says_what_a_run_says(void **state)
{
    static const char *const texts[] = {
        "state name=a\nremove state=a\nremove state=a\n",      /* an operation */
        lost_write,                                             /* a checker */
    };
    char path[] = "/tmp/test_harness.XXXXXX", got[4096], want[SCN_MSG_MAX + 64];
    int fd = mkstemp(path);

    (void)state;
    assert_true(fd >= 0);
    close(fd);
    report_to = path;
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        static ScnResult res;
        ScnScript *s = scn_parse(texts[i], strlen(texts[i]), "fuzz.scn", NULL);
        FILE *f;
        size_t n;

#ifndef FIU_ENABLE
        if (i == 1) {
            break;
        }
#endif
        assert_non_null(s);
        assert_int_equal(scn_run(s, NULL, &res), SCN_FAIL);
        scn_free(s);
        snprintf(want, sizeof(want), "fuzz finding: scenario fails: fuzz.scn:%u: %s\n",
                 res.line, res.message);
        assert_int_equal(verdict(texts[i], FUZZ_EVERY_CHECKER), SIGABRT);
        f = fopen(path, "r");
        assert_non_null(f);
        n = fread(got, 1, sizeof(got) - 1, f);
        fclose(f);
        got[n] = '\0';
        if (strstr(got, want) == NULL) {
            fail_msg("harness said:\n%s\nrun said:\n%s", got, want);
        }
    }
    assert_int_equal(verdict(texts[0], FUZZ_CONTRACT_ONLY), 0);
    unlink(path);
    report_to = "/dev/null";
}

/* The child's end with host allocation k refused from then on: 0 when the
 * harness rejected the input (-1) without a finding, 4 when it took it. */
static int verdict_refusing(const char *text, uint64_t k)
{
    int status;
    pid_t pid = fork();

    assert_true(pid >= 0);
    if (pid == 0) {
        if (freopen("/dev/null", "w", stderr) == NULL) {
            _exit(3);
        }
        sim_host_fail_nth(k, true);
        _exit(fuzz_text(text, strlen(text), NULL, FUZZ_EVERY_CHECKER) == -1 ? 0 : 4);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* An input that is a finding with memory (an operation fails), under every
 * host allocation refused in turn: rejected, never a finding (no abort). */
static void host_out_of_memory_is_no_finding(void **state)
{
    static const char failing[] = "state name=a\nremove state=a\nremove state=a\n";
    static ScnResult res;
    ScnScript *s = scn_parse(failing, strlen(failing), "fuzz.scn", NULL);
    uint64_t before = sim_host_allocs(), n;

    (void)state;
    assert_non_null(s);
    assert_int_equal(scn_run(s, NULL, &res), SCN_FAIL);
    n = sim_host_allocs() - before;
    scn_free(s);
    assert_true(n > 0);
    for (uint64_t k = 1; k <= n; k++) {
        int got = verdict_refusing(failing, k);

        if (got != 0) {
            fail_msg("allocation %llu of %llu refused: child ended %d (4: judged, "
                     "134: a finding)", (unsigned long long)k, (unsigned long long)n, got);
        }
    }
    assert_int_equal(verdict(failing, FUZZ_EVERY_CHECKER), SIGABRT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(data_violation_is_no_finding_when_only_the_contract_counts),
        cmocka_unit_test(data_violation_is_a_finding_when_every_checker_counts),
        cmocka_unit_test(clean_run_is_no_finding),
        cmocka_unit_test(finding_says_what_a_run_says),
        cmocka_unit_test(host_out_of_memory_is_no_finding),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
