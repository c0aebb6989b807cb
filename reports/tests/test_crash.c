/* test_crash.c: the one reader of sanitizer reports (report_crash_parse):
 * real reports of clang's and gcc's runtimes (trimmed) give the kind, the
 * headline and the first frames of the access, free and allocation stacks,
 * with the runtime's own frames left out; a leak is named the same way
 * whatever its SUMMARY says. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "report.h"

/* clang 14, the canary's use-after-free (frames cut after a few). */
static const char clang_uaf[] =
    "some output of the run before the report\n"
    "=================================================================\n"
    "==17054==ERROR: AddressSanitizer: heap-use-after-free on address 0x604000000120 at pc "
    "0x5640e8ea6e8e bp 0x7ffc22d1a8f0 sp 0x7ffc22d1a8e8\n"
    "READ of size 8 at 0x604000000120 thread T0\n"
    "    #0 0x5640e8ea6e8d in walk /src/fuzz/canary/naive_replication.c:206:19\n"
    "    #1 0x5640e8e92969 in sim_regcheck_walk /src/build-canary/../sim/check_registry.c:389:9\n"
    "    #2 0x5640e8e2bae7 in run_walk /src/build-canary/../scenarios/interp.c:540:5\n"
    "\n"
    "0x604000000120 is located 16 bytes inside of 40-byte region [0x604000000110,0x604000000138)\n"
    "freed by thread T0 here:\n"
    "    #0 0x5640e8d4d1b2 in free (/src/build-canary/cli/replbench+0x17b1b2) (BuildId: 72a1)\n"
    "    #1 0x5640e8e2af9e in unregister_state /src/build-canary/../scenarios/interp.c:324:5\n"
    "    #2 0x5640e8e29737 in act /src/build-canary/../scenarios/interp.c:443:9\n"
    "\n"
    "previously allocated by thread T0 here:\n"
    "    #0 0x5640e8d4d45e in __interceptor_malloc (/src/build-canary/cli/replbench+0x17b45e)\n"
    "    #1 0x5640e8ea6a11 in replication_new_in /src/fuzz/canary/naive_replication.c:120:10\n"
    "\n"
    "SUMMARY: AddressSanitizer: heap-use-after-free /src/fuzz/canary/naive_replication.c:206:19 "
    "in walk\n"
    "Shadow bytes around the buggy address:\n"
    "  0x0c087fff7fd0: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00\n"
    "==17054==ABORTING\n";

/* gcc 12's libasan: its own symbolizer (no column), interceptors with a file. */
static const char gcc_uaf[] =
    "=================================================================\n"
    "==30008==ERROR: AddressSanitizer: heap-use-after-free on address 0x602000000010 at pc "
    "0x5623896d41d2 bp 0x7ffc028bb8d0 sp 0x7ffc028bb8c8\n"
    "READ of size 4 at 0x602000000010 thread T0\n"
    "    #0 0x5623896d41d1 in main /tmp/t2.c:2\n"
    "    #1 0x7fa5f7e45249 in __libc_start_call_main ../sysdeps/nptl/libc_start_call_main.h:58\n"
    "\n"
    "freed by thread T0 here:\n"
    "    #0 0x7fa5f80b76a8 in __interceptor_free "
    "../../../../src/libsanitizer/asan/asan_malloc_linux.cpp:52\n"
    "    #1 0x5623896d419a in main /tmp/t2.c:2\n"
    "\n"
    "previously allocated by thread T0 here:\n"
    "    #0 0x7fa5f80b89cf in __interceptor_malloc "
    "../../../../src/libsanitizer/asan/asan_malloc_linux.cpp:69\n"
    "    #1 0x5623896d418a in main /tmp/t2.c:2\n"
    "\n"
    "SUMMARY: AddressSanitizer: heap-use-after-free /tmp/t2.c:2 in main\n";

static const char leak[] =
    "=================================================================\n"
    "==29404==ERROR: LeakSanitizer: detected memory leaks\n"
    "\n"
    "Direct leak of 40 byte(s) in 1 object(s) allocated from:\n"
    "    #0 0x5619307f414e in __interceptor_malloc (/tmp/leak+0xa314e) (BuildId: 8816)\n"
    "    #1 0x56193082eedd in make /tmp/leak.c:3:34\n"
    "    #2 0x56193082eeb3 in main /tmp/leak.c:4:18\n"
    "\n"
    "SUMMARY: AddressSanitizer: 40 byte(s) leaked in 1 allocation(s).\n";

static const char ubsan[] =
    "ub.c:2:34: runtime error: signed integer overflow: 2147483647 + 1 cannot be represented "
    "in type 'int'\n"
    "    #0 0x5555f642fd75 in add /tmp/ub.c:2:34\n"
    "    #1 0x5555f642fda2 in main /tmp/ub.c:3:54\n"
    "\n"
    "SUMMARY: UndefinedBehaviorSanitizer: signed-integer-overflow ub.c:2:34 in \n";

static const char segv[] =
    "AddressSanitizer:DEADLYSIGNAL\n"
    "=================================================================\n"
    "==29738==ERROR: AddressSanitizer: SEGV on unknown address 0x000000000000 (pc "
    "0x563762473eec bp 0x7fff873ba2f0 sp 0x7fff873ba2e0 T0)\n"
    "==29738==The signal is caused by a READ memory access.\n"
    "==29738==Hint: address points to the zero page.\n"
    "    #0 0x563762473eec in deref /tmp/segv.c:2:26\n"
    "    #1 0x563762473f13 in main /tmp/segv.c:3:25\n"
    "\n"
    "AddressSanitizer can not provide additional info.\n"
    "SUMMARY: AddressSanitizer: SEGV /tmp/segv.c:2:26 in deref\n";

/* No symbolizer: frames are module+offset only, and all of them are kept. */
static const char unsymbolized[] =
    "==1==ERROR: AddressSanitizer: heap-use-after-free on address 0x602000000010 at pc 0x1 "
    "bp 0x2 sp 0x3\n"
    "READ of size 4 at 0x602000000010 thread T0\n"
    "    #0 0x55bae5f13f02  (/tmp/t2+0xc5f02) (BuildId: 1234)\n"
    "    #1 0x7f0000000249  (/lib/x86_64-linux-gnu/libc.so.6+0x27249)\n"
    "\n"
    "SUMMARY: AddressSanitizer: heap-use-after-free (/tmp/t2+0xc5f02) in \n";

static ReportCrash crash;

static const ReportFrame *frame(unsigned stack, unsigned k)
{
    assert_true(stack < crash.nstacks);
    assert_true(k < crash.stack[stack].nframes);
    return &crash.stack[stack].frame[k];
}

static void assert_frame(const ReportFrame *f, unsigned index, const char *func,
                         const char *file, unsigned line, unsigned column)
{
    assert_int_equal(f->index, index);
    assert_string_equal(f->func, func);
    assert_string_equal(f->file, file);
    assert_int_equal(f->line, line);
    assert_int_equal(f->column, column);
}

static void test_clang_use_after_free_has_three_stacks(void **state)
{
    (void)state;
    assert_true(report_crash_parse(clang_uaf, &crash));
    assert_string_equal(crash.kind, "AddressSanitizer: heap-use-after-free");
    assert_string_equal(crash.what, "AddressSanitizer: heap-use-after-free on address "
                        "0x604000000120");
    assert_true(crash.symbolized);
    assert_int_equal(crash.nstacks, 3);
    assert_int_equal(crash.stack[0].role, REPORT_STACK_ERROR);
    assert_string_equal(crash.stack[0].title, "READ of size 8 at 0x604000000120 thread T0");
    assert_int_equal(crash.stack[0].nframes, 3);
    assert_frame(frame(0, 0), 0, "walk", "/src/fuzz/canary/naive_replication.c", 206, 19);
    /* build-canary/../ folded: the path as the source tree has it */
    assert_frame(frame(0, 1), 1, "sim_regcheck_walk", "/src/sim/check_registry.c", 389, 9);
    assert_int_equal(crash.stack[1].role, REPORT_STACK_FREE);
    assert_string_equal(crash.stack[1].title, "freed by thread T0 here:");
    /* the runtime's free (no file) left out: the first frame is the caller */
    assert_frame(frame(1, 0), 1, "unregister_state", "/src/scenarios/interp.c", 324, 5);
    assert_int_equal(crash.stack[1].nframes, 2);
    assert_int_equal(crash.stack[2].role, REPORT_STACK_ALLOC);
    assert_frame(frame(2, 0), 1, "replication_new_in", "/src/fuzz/canary/naive_replication.c",
                 120, 10);
}

static void test_gcc_interceptors_are_left_out(void **state)
{
    (void)state;
    assert_true(report_crash_parse(gcc_uaf, &crash));
    assert_string_equal(crash.kind, "AddressSanitizer: heap-use-after-free");
    assert_int_equal(crash.nstacks, 3);
    assert_frame(frame(0, 0), 0, "main", "/tmp/t2.c", 2, 0);
    assert_frame(frame(1, 0), 1, "main", "/tmp/t2.c", 2, 0);
    assert_int_equal(crash.stack[1].nframes, 1);
    assert_frame(frame(2, 0), 1, "main", "/tmp/t2.c", 2, 0);
}

static void test_leak_is_named_by_its_error_line(void **state)
{
    (void)state;
    assert_true(report_crash_parse(leak, &crash));
    /* not "AddressSanitizer: 40" from the SUMMARY line */
    assert_string_equal(crash.kind, "LeakSanitizer: detected memory leaks");
    assert_int_equal(crash.nstacks, 1);
    assert_string_equal(crash.stack[0].title,
                        "Direct leak of 40 byte(s) in 1 object(s) allocated from:");
    assert_frame(frame(0, 0), 1, "make", "/tmp/leak.c", 3, 34);
}

static void test_ubsan_kind_and_location(void **state)
{
    (void)state;
    assert_true(report_crash_parse(ubsan, &crash));
    assert_string_equal(crash.kind, "UndefinedBehaviorSanitizer: signed-integer-overflow");
    assert_non_null(strstr(crash.what, "ub.c:2:34: runtime error: signed integer overflow"));
    assert_int_equal(crash.nstacks, 1);
    assert_string_equal(crash.stack[0].title, "");
    assert_frame(frame(0, 0), 0, "add", "/tmp/ub.c", 2, 34);
}

static void test_segv_title_is_the_access(void **state)
{
    (void)state;
    assert_true(report_crash_parse(segv, &crash));
    assert_string_equal(crash.kind, "AddressSanitizer: SEGV");
    assert_string_equal(crash.what, "AddressSanitizer: SEGV on unknown address 0x000000000000");
    assert_string_equal(crash.stack[0].title, "The signal is caused by a READ memory access.");
    assert_frame(frame(0, 0), 0, "deref", "/tmp/segv.c", 2, 26);
}

static void test_unsymbolized_frames_are_kept(void **state)
{
    (void)state;
    assert_true(report_crash_parse(unsymbolized, &crash));
    assert_false(crash.symbolized);
    assert_int_equal(crash.stack[0].nframes, 2);
    assert_string_equal(frame(0, 0)->module, "/tmp/t2+0xc5f02");
    assert_string_equal(frame(0, 0)->file, "");
}

static void test_no_report_is_no_kind(void **state)
{
    (void)state;
    assert_false(report_crash_parse("a line\nanother: with a colon\n", &crash));
    assert_string_equal(crash.kind, "");
    assert_int_equal(crash.nstacks, 0);
    assert_false(report_crash_parse("", &crash));
}

static void test_print_names_file_and_line(void **state)
{
    char buf[4096];
    FILE *f = fmemopen(buf, sizeof(buf), "w");

    (void)state;
    assert_true(report_crash_parse(clang_uaf, &crash));
    snprintf(crash.report, sizeof(crash.report), "crashes/crash-0123.txt");
    assert_non_null(f);
    report_crash_print(f, "  ", &crash);
    fclose(f);
    assert_non_null(strstr(buf, "  crash: AddressSanitizer: heap-use-after-free on address"));
    assert_non_null(strstr(buf, "\n    READ of size 8 at 0x604000000120 thread T0:\n"
                           "      #0 walk /src/fuzz/canary/naive_replication.c:206:19\n"));
    assert_non_null(strstr(buf, "\n    freed by thread T0 here:\n"
                           "      #1 unregister_state /src/scenarios/interp.c:324:5\n"));
    assert_non_null(strstr(buf, "\n    full report: crashes/crash-0123.txt\n"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clang_use_after_free_has_three_stacks),
        cmocka_unit_test(test_gcc_interceptors_are_left_out),
        cmocka_unit_test(test_leak_is_named_by_its_error_line),
        cmocka_unit_test(test_ubsan_kind_and_location),
        cmocka_unit_test(test_segv_title_is_the_access),
        cmocka_unit_test(test_unsymbolized_frames_are_kept),
        cmocka_unit_test(test_no_report_is_no_kind),
        cmocka_unit_test(test_print_names_file_and_line),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
