/* test_checkers.c: each checker, fed a hand-made inconsistent state, reports
 * the exact difference (and stays quiet on a consistent one): data (a hidden
 * disk not emptied, a lost write, a wrong rollback), output (a released
 * packet taken back) and resources (a leaked state, an armed fault, a
 * pending event).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "check_data.h"
#include "check_output.h"
#include "check_resources.h"
#include "world.h"

#define SIZE 64

typedef struct Disks {
    SimDataCheck *dc;
    SimStore *local, *sec, *hidden, *active;
} Disks;

static int setup(void **state)
{
    static Disks d;

    d.dc = sim_datacheck_new(1, SIZE);
    d.local = sim_store_new(SIZE, 0);
    d.sec = sim_store_new(SIZE, 0);
    d.hidden = sim_store_new(SIZE, 0);
    d.active = sim_store_new(SIZE, 0);
    assert_true(d.dc && d.local && d.sec && d.hidden && d.active);
    *state = &d;
    return 0;
}

static int teardown(void **state)
{
    Disks *d = *state;

    sim_datacheck_free(d->dc);
    sim_store_free(d->local);
    sim_store_free(d->sec);
    sim_store_free(d->hidden);
    sim_store_free(d->active);
    return 0;
}

/* The primary's guest writes `byte` at `sector`, acknowledged. */
static void primary_writes(Disks *d, uint64_t sector, uint8_t byte)
{
    uint8_t buf[SIM_SECTOR_SIZE];

    memset(buf, byte, sizeof(buf));
    assert_int_equal(sim_datacheck_primary_before(d->dc, 0, d->local, sector, 1), 0);
    assert_int_equal(sim_store_write(d->local, sector, 1, buf), 0);
    assert_int_equal(sim_datacheck_primary_acked(d->dc, 0, sector, 1, buf), 0);
}

static void put(SimStore *s, uint64_t sector, uint8_t byte)
{
    uint8_t buf[SIM_SECTOR_SIZE];

    memset(buf, byte, sizeof(buf));
    assert_int_equal(sim_store_write(s, sector, 1, buf), 0);
}

static void consistent_checkpoint_passes(void **state)
{
    Disks *d = *state;

    primary_writes(d, 3, 0x22);
    put(d->sec, 3, 0x22);
    sim_datacheck_marker(d->dc, 1);
    assert_int_equal(sim_datacheck_secondary_checkpoint(d->dc, 1, 0, d->local, d->sec,
                                                        d->hidden, d->active), 0);
    assert_int_equal(sim_datacheck_violations(d->dc), 0);
    assert_int_equal(sim_datacheck_secondary_epoch(d->dc), 1);
}

static void hidden_disk_not_emptied_is_reported(void **state)
{
    Disks *d = *state;

    sim_datacheck_marker(d->dc, 1);
    put(d->hidden, 9, 0x11);
    assert_int_equal(sim_datacheck_secondary_checkpoint(d->dc, 1, 0, d->local, d->sec,
                                                        d->hidden, d->active), -EPROTO);
    assert_string_equal(sim_datacheck_first(d->dc),
                        "data: disk 0: hidden disk not emptied at checkpoint 1: 1 sectors left");
}

static void write_missing_at_checkpoint_is_reported(void **state)
{
    Disks *d = *state;

    primary_writes(d, 7, 0x33);             /* never reached the secondary */
    sim_datacheck_marker(d->dc, 1);
    assert_int_equal(sim_datacheck_secondary_checkpoint(d->dc, 1, 0, d->local, d->sec,
                                                        d->hidden, d->active), -EPROTO);
    assert_string_equal(sim_datacheck_first(d->dc),
                        "data: disk 0 at checkpoint 1: sector 7 byte 0: expected 0x33, actual 0x00");
}

static void lost_acknowledged_write_is_reported(void **state)
{
    Disks *d = *state;

    primary_writes(d, 5, 0x22);
    sim_store_discard(d->local, 5, 1);      /* the disk lost it */
    assert_int_equal(sim_datacheck_primary_failover(d->dc, 0, d->local), -EPROTO);
    assert_string_equal(sim_datacheck_first(d->dc),
                        "data: disk 0 after primary failover: sector 5 byte 0: "
                        "expected 0x22, actual 0x00");
}

static void failover_rolls_back_to_checkpoint_plus_own_writes(void **state)
{
    Disks *d = *state;
    uint8_t own[SIM_SECTOR_SIZE];

    primary_writes(d, 1, 0x11);             /* epoch 1 holds 0x11 at 1 */
    put(d->sec, 1, 0x11);
    sim_datacheck_marker(d->dc, 1);
    sim_datacheck_secondary_checkpoint(d->dc, 1, 0, d->local, d->sec, d->hidden, d->active);
    primary_writes(d, 1, 0x22);             /* after the checkpoint: rolled back */
    primary_writes(d, 2, 0x22);
    memset(own, 0x44, sizeof(own));
    sim_datacheck_secondary_wrote(d->dc, 0, 3, 1, own);
    put(d->sec, 3, 0x44);                   /* the correct outcome */
    assert_int_equal(sim_datacheck_secondary_failover(d->dc, 0, d->local, d->sec), 0);
    put(d->sec, 2, 0x22);                   /* a write that should be rolled back */
    assert_int_equal(sim_datacheck_secondary_failover(d->dc, 0, d->local, d->sec), -EPROTO);
    assert_string_equal(sim_datacheck_first(d->dc),
                        "data: disk 0 after secondary failover (checkpoint 1): sector 2 "
                        "byte 0: expected 0x00, actual 0x22");
}

static void packet_taken_back_is_reported(void **state)
{
    SimOutCheck *o = sim_outcheck_new(0);

    (void)state;
    assert_int_equal(sim_outcheck_client_saw(o, 2, 10, 0xabc), 0);
    assert_int_equal(sim_outcheck_client_saw(o, 2, 10, 0xabc), 0);  /* duplicate */
    assert_int_equal(sim_outcheck_history(o, 2, 10, 0xabc), 0);
    assert_int_equal(sim_outcheck_history(o, 2, 11, 0xdef), 0);     /* unseen */
    assert_int_equal(sim_outcheck_violations(o), 0);
    assert_int_equal(sim_outcheck_history(o, 2, 10, 0xdef), -EPROTO);
    assert_string_equal(sim_outcheck_first(o),
                        "output: conn 2 pos 10: client saw 0x0000000000000abc, "
                        "survivor sent 0x0000000000000def");
    assert_int_equal(sim_outcheck_client_saw(o, 2, 10, 0x123), -EPROTO);
    assert_int_equal(sim_outcheck_violations(o), 2);
    sim_outcheck_free(o);
}

static void output_checker_grows_and_keeps_its_limit(void **state)
{
    SimOutCheck *o = sim_outcheck_new(1000);

    (void)state;
    for (uint64_t i = 0; i < 1000; i++) {
        assert_int_equal(sim_outcheck_client_saw(o, (uint32_t)(i % 7), i, i * 3), 0);
    }
    for (uint64_t i = 0; i < 1000; i++) {
        assert_int_equal(sim_outcheck_history(o, (uint32_t)(i % 7), i, i * 3), 0);
    }
    assert_int_equal(sim_outcheck_client_saw(o, 0, 5000, 1), -ENOSPC);
    assert_string_equal(sim_outcheck_first(o),
                        "output: more than 1000 packets seen: checker limit reached");
    sim_outcheck_free(o);
}

static void nop(SimClock *c, void *arg, uint64_t data)
{
    (void)c, (void)arg, (void)data;
}

static void leftovers_are_reported_by_resources(void **state)
{
    char err[256];
    SimWorld *w;
    int made = sim_world_new(1, &w, err, sizeof(err));
    ReplicationRegistry *reg = replication_registry_new();
    static ReplicationOps ops = { 0 };
    ReplicationState *rs = replication_new_in(reg, NULL, &ops);
    ReplicationRegistry *regs[2] = { NULL, reg };

    (void)state;
    assert_int_equal(made, 0);
    assert_non_null(w);
    assert_int_equal(sim_check_resources(w, regs, 2, err, sizeof(err)), -EBUSY);
    assert_string_equal(err, "resources: registry 1 holds 1 state");
    sim_regcheck_track(w->regcheck, reg, rs, "x");
    /* Only the first registry: the checker itself still knows the state. */
    assert_int_equal(sim_check_resources(w, regs, 1, err, sizeof(err)), -EBUSY);
    assert_string_equal(err, "resources: 1 state(s) still tracked by the contract checker");
    sim_regcheck_untrack(w->regcheck, rs);
    replication_remove(rs);
#ifdef FIU_ENABLE
    SimFaultSpec always = { .mode = SIM_FAULT_ALWAYS };

    assert_int_equal(sim_faults_register(w->faults, "disk/x/read"), 0);
    assert_int_equal(sim_faults_arm(w->faults, "disk/x/read", &always, NULL, 0), 1);
    assert_int_equal(sim_check_resources(w, regs, 2, err, sizeof(err)), -EBUSY);
    assert_string_equal(err, "resources: fault point disk/x/read still armed");
    sim_faults_clear(w->faults, "disk/x/read");
#endif
    sim_clock_schedule(w->clock, 5, nop, NULL, 0);
    assert_int_equal(sim_check_resources(w, regs, 2, err, sizeof(err)), -EBUSY);
    assert_string_equal(err, "resources: 1 event(s) still pending");
    sim_clock_step(w->clock);
    assert_int_equal(sim_check_resources(w, regs, 2, err, sizeof(err)), 0);
    assert_string_equal(err, "");
    replication_registry_free(reg);
    sim_world_free(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(consistent_checkpoint_passes, setup, teardown),
        cmocka_unit_test_setup_teardown(hidden_disk_not_emptied_is_reported, setup, teardown),
        cmocka_unit_test_setup_teardown(write_missing_at_checkpoint_is_reported, setup, teardown),
        cmocka_unit_test_setup_teardown(lost_acknowledged_write_is_reported, setup, teardown),
        cmocka_unit_test_setup_teardown(failover_rolls_back_to_checkpoint_plus_own_writes,
                                        setup, teardown),
        cmocka_unit_test(packet_taken_back_is_reported),
        cmocka_unit_test(output_checker_grows_and_keeps_its_limit),
        cmocka_unit_test(leftovers_are_reported_by_resources),
    };

    return cmocka_run_group_tests_name("checkers", tests, NULL, NULL);
}
