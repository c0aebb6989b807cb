/* test_harness.c: the fuzz verdict (harness.c) tells checkers apart by the
 * result's checker kind: under FUZZ_CONTRACT_ONLY a data violation (which
 * an arbitrary script may ask for) is no finding; under FUZZ_EVERY_CHECKER
 * it is one (the harness aborts).  Each run is in a child process.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"

/* Upstream's order over a forwarded write lost on the primary: the data
 * checker reports it, the contract checker has nothing to say. */
static const char lost_write[] =
    "cluster size=64 interval=0 upstream_checkpoint=true\nstart\n"
    "fault point=disk/pri.d0/write mode=once\nwrite sector=4 byte=0x66\nrun ticks=3\n"
    "checkpoint\nrun ticks=10\n";

/* The child's end: 0 when the harness let the input pass, else its signal. */
static int verdict(const char *text, FuzzStrict strict)
{
    int status;
    pid_t pid = fork();

    assert_true(pid >= 0);
    if (pid == 0) {
        /* The finding's report goes to stderr: keep the test log short. */
        if (freopen("/dev/null", "w", stderr) == NULL) {
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(data_violation_is_no_finding_when_only_the_contract_counts),
        cmocka_unit_test(data_violation_is_a_finding_when_every_checker_counts),
        cmocka_unit_test(clean_run_is_no_finding),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
