/* child.h: for the compat tests (after cmocka.h): run a function in a
 * child process, its stderr kept in a buffer.  One copy for both test
 * programs. */
#ifndef REPLBENCH_COMPAT_TESTS_CHILD_H
#define REPLBENCH_COMPAT_TESTS_CHILD_H

#include <stddef.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

/* Runs fn in a child (then _exit(0)); what it wrote to stderr goes to
 * said (size bytes, NUL-terminated); returns its wait status. */
static int child_run(void (*fn)(void), char *said, size_t size)
{
    int status = 0, fds[2];
    size_t len = 0;
    ssize_t n;
    pid_t pid;

    fflush(NULL);
    assert_int_equal(pipe(fds), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        if (dup2(fds[1], 2) < 0) {
            _exit(90);
        }
        fn();
        _exit(0);
    }
    close(fds[1]);
    while ((n = read(fds[0], said + len, size - 1 - len)) > 0) {
        len += (size_t)n;
    }
    close(fds[0]);
    said[len] = '\0';
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return status;
}

#endif /* REPLBENCH_COMPAT_TESTS_CHILD_H */
