/* test_check_output.c: the output checker (check_output.h): a packet a
 * client saw is never contradicted, whichever side of the old payload the
 * new one falls; every packet is remembered across the table's growths;
 * the limit holds exactly, the default one included; a host allocation
 * failure is an error, never a verdict.  Test code only.
 */
#include <errno.h>
#include <stdbool.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "alloc_fail.h"
#include "check_output.h"

static void duplicate_is_fine_and_history_agreeing_is_fine(void **state)
{
    SimOutCheck *o = sim_outcheck_new(0);

    (void)state;
    assert_int_equal(sim_outcheck_client_saw(o, 2, 10, 0xabc), 0);
    assert_int_equal(sim_outcheck_client_saw(o, 2, 10, 0xabc), 0);  /* duplicate */
    assert_int_equal(sim_outcheck_history(o, 2, 10, 0xabc), 0);
    assert_int_equal(sim_outcheck_history(o, 2, 11, 0xdef), 0);     /* unseen */
    assert_int_equal(sim_outcheck_seen(o), 1);
    assert_int_equal(sim_outcheck_violations(o), 0);
    assert_string_equal(sim_outcheck_first(o), "");
    sim_outcheck_free(o);
}

static void smaller_payload_at_a_seen_position_is_reported(void **state)
{
    SimOutCheck *o = sim_outcheck_new(0);

    (void)state;
    assert_int_equal(sim_outcheck_client_saw(o, 2, 10, 0xabc), 0);
    assert_int_equal(sim_outcheck_client_saw(o, 2, 10, 0x123), -EPROTO);
    assert_string_equal(sim_outcheck_first(o),
                        "output: conn 2 pos 10: client saw 0x0000000000000abc, "
                        "then 0x0000000000000123");
    assert_int_equal(sim_outcheck_violations(o), 1);
    sim_outcheck_free(o);
}

static void larger_payload_at_a_seen_position_is_reported(void **state)
{
    SimOutCheck *o = sim_outcheck_new(0);

    (void)state;
    assert_int_equal(sim_outcheck_client_saw(o, 0, 0, 0x123), 0);
    assert_int_equal(sim_outcheck_client_saw(o, 0, 0, 0xabc), -EPROTO);
    assert_string_equal(sim_outcheck_first(o),
                        "output: conn 0 pos 0: client saw 0x0000000000000123, "
                        "then 0x0000000000000abc");
    sim_outcheck_free(o);
}

static void history_contradicting_the_client_is_reported_both_ways(void **state)
{
    SimOutCheck *o = sim_outcheck_new(0);

    (void)state;
    assert_int_equal(sim_outcheck_client_saw(o, 2, 10, 0xabc), 0);
    assert_int_equal(sim_outcheck_client_saw(o, 3, 10, 0x100), 0);
    assert_int_equal(sim_outcheck_history(o, 2, 10, 0xdef), -EPROTO);
    assert_string_equal(sim_outcheck_first(o),
                        "output: conn 2 pos 10: client saw 0x0000000000000abc, "
                        "survivor sent 0x0000000000000def");
    assert_int_equal(sim_outcheck_history(o, 3, 10, 0x0ff), -EPROTO);
    assert_int_equal(sim_outcheck_violations(o), 2);
    sim_outcheck_free(o);
}

/* A position is a connection and an offset: the same offset on another
 * connection, or another offset on the same one, is another packet. */
static void position_is_the_pair_of_connection_and_offset(void **state)
{
    SimOutCheck *o = sim_outcheck_new(0);

    (void)state;
    assert_int_equal(sim_outcheck_client_saw(o, 1, 5, 0x11), 0);
    assert_int_equal(sim_outcheck_client_saw(o, 2, 5, 0x22), 0);
    assert_int_equal(sim_outcheck_client_saw(o, 1, 6, 0x33), 0);
    assert_int_equal(sim_outcheck_history(o, 2, 5, 0x22), 0);
    assert_int_equal(sim_outcheck_history(o, 1, 6, 0x33), 0);
    assert_int_equal(sim_outcheck_seen(o), 3);
    assert_int_equal(sim_outcheck_violations(o), 0);
    sim_outcheck_free(o);
}

/* Every packet is still known after the table grew several times: a
 * different payload at any position is a violation, in both checks. */
static void growth_forgets_no_packet(void **state)
{
    enum { N = 5000 };
    SimOutCheck *o = sim_outcheck_new(0);

    (void)state;
    for (uint64_t i = 0; i < N; i++) {
        assert_int_equal(sim_outcheck_client_saw(o, (uint32_t)(i % 7), i / 7, i * 3 + 1), 0);
    }
    assert_int_equal(sim_outcheck_seen(o), N);
    for (uint64_t i = 0; i < N; i++) {
        uint32_t conn = (uint32_t)(i % 7);

        assert_int_equal(sim_outcheck_history(o, conn, i / 7, i * 3 + 1), 0);
        assert_int_equal(sim_outcheck_history(o, conn, i / 7, i * 3 + 2), -EPROTO);
        assert_int_equal(sim_outcheck_client_saw(o, conn, i / 7, i * 3), -EPROTO);
    }
    assert_int_equal(sim_outcheck_violations(o), 2 * N);
    assert_int_equal(sim_outcheck_seen(o), N);
    sim_outcheck_free(o);
}

/* Positions seen in decreasing order, on few connections: a lookup walks
 * past every other position of its connection, lower or higher. */
static void packets_in_any_order_are_told_apart(void **state)
{
    enum { N = 3000 };
    SimOutCheck *o = sim_outcheck_new(0);

    (void)state;
    for (uint64_t i = N; i-- > 0;) {
        assert_int_equal(sim_outcheck_client_saw(o, (uint32_t)(i % 3), i, i + 7), 0);
    }
    for (uint64_t i = 0; i < N; i++) {
        assert_int_equal(sim_outcheck_history(o, (uint32_t)(i % 3), i, i + 7), 0);
        assert_int_equal(sim_outcheck_history(o, (uint32_t)((i + 1) % 3), i, i + 7), 0);
    }
    assert_int_equal(sim_outcheck_seen(o), N);
    assert_int_equal(sim_outcheck_violations(o), 0);
    sim_outcheck_free(o);
}

/* Many connections at the same positions, the higher connections seen
 * first: a lookup must pass over a slot holding the same position of
 * another connection, whichever of the two numbers is larger (a probe that
 * stopped at any slot of its position would call each later packet a
 * different one). */
static void same_positions_of_many_connections_are_told_apart(void **state)
{
    enum { CONNS = 64, POS = 64 };
    SimOutCheck *o = sim_outcheck_new(0);

    (void)state;
    for (uint32_t c = CONNS; c-- > 0;) {
        for (uint64_t p = 0; p < POS; p++) {
            assert_int_equal(sim_outcheck_client_saw(o, c, p, c * 1000u + p), 0);
        }
    }
    for (uint32_t c = 0; c < CONNS; c++) {
        for (uint64_t p = 0; p < POS; p++) {
            assert_int_equal(sim_outcheck_client_saw(o, c, p, c * 1000u + p), 0);
            assert_int_equal(sim_outcheck_history(o, c, p, c * 1000u + p), 0);
        }
    }
    assert_int_equal(sim_outcheck_seen(o), CONNS * POS);
    assert_int_equal(sim_outcheck_violations(o), 0);
    sim_outcheck_free(o);
}

/* Positions 16 apart on one connection all start probing at the same
 * place of their group of slots (an even slot).  A probe that stayed on
 * those places (a step of a whole group) or on one parity of slots would
 * run out of them: 2,048 packets, half of a table of 4,096 slots, would
 * take every even one, and looking up a position never seen would never
 * end. */
static void positions_at_the_same_offset_of_their_groups_are_all_remembered(void **state)
{
    enum { N = 2048 };
    SimOutCheck *o = sim_outcheck_new(0);

    (void)state;
    for (uint64_t i = 0; i < N; i++) {
        assert_int_equal(sim_outcheck_client_saw(o, 0, i * 16, i + 1), 0);
    }
    for (uint64_t i = 0; i < N; i++) {
        assert_int_equal(sim_outcheck_history(o, 0, i * 16, i + 1), 0);
        assert_int_equal(sim_outcheck_history(o, 0, i * 16, i + 2), -EPROTO);
    }
    assert_int_equal(sim_outcheck_history(o, 0, N * 16, 1), 0);     /* never seen */
    assert_int_equal(sim_outcheck_history(o, 1, 0, 1), 0);
    assert_int_equal(sim_outcheck_seen(o), N);
    assert_int_equal(sim_outcheck_violations(o), N);
    sim_outcheck_free(o);
}

static void limit_is_exact(void **state)
{
    SimOutCheck *o = sim_outcheck_new(1000);

    (void)state;
    for (uint64_t i = 0; i < 1000; i++) {
        assert_int_equal(sim_outcheck_client_saw(o, (uint32_t)(i % 7), i, i * 3), 0);
    }
    assert_int_equal(sim_outcheck_violations(o), 0);
    assert_int_equal(sim_outcheck_client_saw(o, 0, 5000, 1), -ENOSPC);
    assert_string_equal(sim_outcheck_first(o),
                        "output: more than 1000 packets seen: checker limit reached");
    assert_int_equal(sim_outcheck_seen(o), 1000);
    /* Past the limit, packets already seen are still judged. */
    assert_int_equal(sim_outcheck_client_saw(o, 3, 10, 30), 0);
    assert_int_equal(sim_outcheck_client_saw(o, 3, 10, 31), -EPROTO);
    assert_int_equal(sim_outcheck_history(o, 0, 5000, 1), 0);       /* never stored */
    sim_outcheck_free(o);
}

static void default_limit_is_a_million_packets(void **state)
{
    SimOutCheck *o = sim_outcheck_new(0);

    (void)state;
    for (uint64_t i = 0; i < 1000000; i++) {
        if (sim_outcheck_client_saw(o, 0, i, i) != 0) {
            fail_msg("packet %llu refused: %s", (unsigned long long)i, sim_outcheck_first(o));
        }
    }
    assert_int_equal(sim_outcheck_client_saw(o, 1, 0, 0), -ENOSPC);
    assert_string_equal(sim_outcheck_first(o),
                        "output: more than 1000000 packets seen: checker limit reached");
    sim_outcheck_free(o);
}

/* 200 packets (three growths of the table), the allocation numbered
 * fail_at failing: the first call that meets it says -ENOMEM (new: NULL),
 * and nothing is counted as a violation.  Returns the calls made. */
static int run_history(long fail_at, bool *oom)
{
    SimOutCheck *o;
    int calls = 0;

    alloc_arm(fail_at);
    o = sim_outcheck_new(0);
    *oom = o == NULL;
    for (uint64_t i = 0; o != NULL && i < 200 && !*oom; i++, calls++) {
        int rc = sim_outcheck_client_saw(o, 1, i, i);

        *oom = rc == -ENOMEM;
        assert_true(rc == 0 || *oom);
        assert_int_equal(sim_outcheck_violations(o), 0);
    }
    alloc_pause();
    sim_outcheck_free(o);
    return calls;
}

static void allocation_failure_is_an_error_never_a_verdict(void **state)
{
    bool oom;
    long total;

    (void)state;
    assert_int_equal(run_history(-1, &oom), 200);
    assert_false(oom);
    total = alloc_fault.seen;
    assert_int_equal(total, 5);             /* the checker, its table, three growths */
    for (long n = 0; n < total; n++) {
        run_history(n, &oom);
        assert_true(oom);
    }
}

/* A checker reset in place (a reused cluster's: issue 22) is a fresh one
 * with the new limit: nothing seen, no violation, no position remembered,
 * in a table that had grown. */
static void reset_checker_is_a_fresh_one(void **state)
{
    SimOutCheck *o = sim_outcheck_new(3);

    (void)state;
    for (uint64_t i = 0; i < 3; i++) {
        assert_int_equal(sim_outcheck_client_saw(o, 1, i, i), 0);
    }
    assert_int_equal(sim_outcheck_client_saw(o, 1, 0, 9), -EPROTO);
    assert_int_equal(sim_outcheck_client_saw(o, 1, 5, 5), -ENOSPC);
    assert_int_equal(sim_outcheck_violations(o), 2);
    sim_outcheck_reset(o, 100);
    assert_int_equal(sim_outcheck_seen(o), 0);
    assert_int_equal(sim_outcheck_violations(o), 0);
    assert_string_equal(sim_outcheck_first(o), "");
    for (uint64_t i = 0; i < 100; i++) {
        assert_int_equal(sim_outcheck_client_saw(o, 1, i, i + 7), 0);
    }
    assert_int_equal(sim_outcheck_client_saw(o, 2, 0, 0), -ENOSPC);
    sim_outcheck_reset(o, 0);
    for (uint64_t i = 0; i < 200; i++) {
        assert_int_equal(sim_outcheck_client_saw(o, 1, i, i), 0);
    }
    assert_int_equal(sim_outcheck_violations(o), 0);
    sim_outcheck_free(o);
}

static void free_null_is_a_noop(void **state)
{
    (void)state;
    sim_outcheck_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(duplicate_is_fine_and_history_agreeing_is_fine),
        cmocka_unit_test(smaller_payload_at_a_seen_position_is_reported),
        cmocka_unit_test(larger_payload_at_a_seen_position_is_reported),
        cmocka_unit_test(history_contradicting_the_client_is_reported_both_ways),
        cmocka_unit_test(position_is_the_pair_of_connection_and_offset),
        cmocka_unit_test(growth_forgets_no_packet),
        cmocka_unit_test(positions_at_the_same_offset_of_their_groups_are_all_remembered),
        cmocka_unit_test(packets_in_any_order_are_told_apart),
        cmocka_unit_test(same_positions_of_many_connections_are_told_apart),
        cmocka_unit_test(limit_is_exact),
        cmocka_unit_test(default_limit_is_a_million_packets),
        cmocka_unit_test(allocation_failure_is_an_error_never_a_verdict),
        cmocka_unit_test(free_null_is_a_noop),
        cmocka_unit_test(reset_checker_is_a_fresh_one),
    };

    return cmocka_run_group_tests_name("check_output", tests, NULL, NULL);
}
