/* test_check_data.c: the data checker (check_data.h), fed hand-made disk
 * images: it stays quiet on a consistent history and names the exact
 * sector, byte and both values of every difference, in both directions
 * (expected above or below actual) and at the first and last byte of a
 * sector and of the disk; each of its violations is triggered here.  A
 * host allocation failure anywhere in it is an error (-ENOMEM, or NULL),
 * never a verdict, and leaks nothing.  Test code only.
 */
#include <errno.h>
#include <stdbool.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "alloc_fail.h"
#include "check_data.h"

#define SIZE 64
#define LAST (SIZE - 1)
#define DISKS 2

typedef struct Disks {
    SimDataCheck *dc;
    SimStore *local[DISKS], *sec[DISKS], *hidden, *active;
} Disks;

static int setup(void **state)
{
    static Disks d;

    d.dc = sim_datacheck_new(DISKS, SIZE);
    for (unsigned i = 0; i < DISKS; i++) {
        d.local[i] = sim_store_new(SIZE, 0);
        d.sec[i] = sim_store_new(SIZE, 0);
        assert_true(d.local[i] && d.sec[i]);
    }
    d.hidden = sim_store_new(SIZE, 0);
    d.active = sim_store_new(SIZE, 0);
    assert_true(d.dc && d.hidden && d.active);
    *state = &d;
    return 0;
}

static int teardown(void **state)
{
    Disks *d = *state;

    sim_datacheck_free(d->dc);
    for (unsigned i = 0; i < DISKS; i++) {
        sim_store_free(d->local[i]);
        sim_store_free(d->sec[i]);
    }
    sim_store_free(d->hidden);
    sim_store_free(d->active);
    return 0;
}

/* A sector of `fill` whose byte `at` is `byte` instead. */
static const uint8_t *sector_of(uint8_t fill, unsigned at, uint8_t byte)
{
    static uint8_t buf[SIM_SECTOR_SIZE];

    memset(buf, fill, sizeof(buf));
    buf[at] = byte;
    return buf;
}

static void put(SimStore *s, uint64_t sector, const uint8_t *data)
{
    assert_int_equal(sim_store_write(s, sector, 1, data), 0);
}

static void put_byte(SimStore *s, uint64_t sector, uint8_t byte)
{
    put(s, sector, sector_of(byte, 0, byte));
}

/* The primary's guest writes `data` (count sectors) to disk i, acknowledged. */
static void primary_writes_n(Disks *d, unsigned i, uint64_t sector, uint32_t count,
                             const uint8_t *data)
{
    assert_int_equal(sim_datacheck_primary_before(d->dc, i, d->local[i], sector, count), 0);
    assert_int_equal(sim_store_write(d->local[i], sector, count, data), 0);
    assert_int_equal(sim_datacheck_primary_acked(d->dc, i, sector, count, data), 0);
}

static void primary_writes(Disks *d, uint64_t sector, uint8_t byte)
{
    primary_writes_n(d, 0, sector, 1, sector_of(byte, 0, byte));
}

/* The secondary VM's own write to disk 0, as its disk holds it. */
static void secondary_writes(Disks *d, uint64_t sector, uint8_t byte)
{
    const uint8_t *data = sector_of(byte, 0, byte);

    assert_int_equal(sim_datacheck_secondary_wrote(d->dc, 0, sector, 1, data), 0);
    put(d->sec[0], sector, data);
}

static int checkpoint(Disks *d, uint64_t epoch, unsigned i)
{
    return sim_datacheck_secondary_checkpoint(d->dc, epoch, i, d->local[i], d->sec[i],
                                              d->hidden, d->active);
}

static int failover(Disks *d)
{
    return sim_datacheck_secondary_failover(d->dc, 0, d->local[0], d->sec[0]);
}

static void first_is(Disks *d, const char *msg)
{
    assert_string_equal(sim_datacheck_first(d->dc), msg);
}

/* ---- creation */

static void new_refuses_zero_disks_and_more_than_sixteen(void **state)
{
    SimDataCheck *dc = sim_datacheck_new(16, SIZE);

    (void)state;
    assert_non_null(dc);
    sim_datacheck_free(dc);
    assert_null(sim_datacheck_new(0, SIZE));
    assert_null(sim_datacheck_new(17, SIZE));
    sim_datacheck_free(NULL);
}

static void fresh_checker_has_no_epoch_and_no_violation(void **state)
{
    Disks *d = *state;

    assert_int_equal(sim_datacheck_secondary_epoch(d->dc), 0);
    assert_int_equal(sim_datacheck_violations(d->dc), 0);
    first_is(d, "");
}

/* ---- checkpoints */

static void consistent_checkpoint_passes(void **state)
{
    Disks *d = *state;

    primary_writes(d, 3, 0x22);
    put_byte(d->sec[0], 3, 0x22);
    sim_datacheck_marker(d->dc, 1);
    assert_int_equal(checkpoint(d, 1, 0), 0);
    assert_int_equal(checkpoint(d, 1, 1), 0);
    assert_int_equal(sim_datacheck_violations(d->dc), 0);
    assert_int_equal(sim_datacheck_secondary_epoch(d->dc), 1);
}

static void hidden_disk_not_emptied_is_reported(void **state)
{
    Disks *d = *state;

    sim_datacheck_marker(d->dc, 1);
    put_byte(d->hidden, 9, 0x11);
    assert_int_equal(checkpoint(d, 1, 0), -EPROTO);
    first_is(d, "data: disk 0: hidden disk not emptied at checkpoint 1: 1 sectors left");
}

static void active_disk_not_emptied_is_reported(void **state)
{
    Disks *d = *state;

    sim_datacheck_marker(d->dc, 1);
    put_byte(d->active, 2, 0x11);
    put_byte(d->active, 5, 0x11);
    assert_int_equal(checkpoint(d, 1, 1), -EPROTO);
    first_is(d, "data: disk 1: active disk not emptied at checkpoint 1: 2 sectors left");
    assert_int_equal(sim_datacheck_violations(d->dc), 1);
}

static void write_missing_at_checkpoint_is_reported(void **state)
{
    Disks *d = *state;

    primary_writes(d, 7, 0x33);             /* never reached the secondary */
    sim_datacheck_marker(d->dc, 1);
    assert_int_equal(checkpoint(d, 1, 0), -EPROTO);
    first_is(d, "data: disk 0 at checkpoint 1: sector 7 byte 0: expected 0x33, actual 0x00");
}

static void larger_byte_at_checkpoint_is_reported(void **state)
{
    Disks *d = *state;

    primary_writes(d, 7, 0x10);
    put_byte(d->sec[0], 7, 0x90);           /* actual above expected */
    sim_datacheck_marker(d->dc, 1);
    assert_int_equal(checkpoint(d, 1, 0), -EPROTO);
    first_is(d, "data: disk 0 at checkpoint 1: sector 7 byte 0: expected 0x10, actual 0x90");
}

/* One byte differs, at `at` of `sector`, lower or higher than the primary's. */
static void checkpoint_sees_one_byte(Disks *d, uint64_t sector, unsigned at, uint8_t got,
                                     const char *msg)
{
    primary_writes_n(d, 0, sector, 1, sector_of(0x40, at, 0x40));
    put(d->sec[0], sector, sector_of(0x40, at, got));
    sim_datacheck_marker(d->dc, 1);
    assert_int_equal(checkpoint(d, 1, 0), -EPROTO);
    first_is(d, msg);
}

static void checkpoint_difference_in_first_byte_of_disk(void **state)
{
    checkpoint_sees_one_byte(*state, 0, 0, 0x3f,
        "data: disk 0 at checkpoint 1: sector 0 byte 0: expected 0x40, actual 0x3f");
}

static void checkpoint_difference_in_last_byte_of_disk(void **state)
{
    checkpoint_sees_one_byte(*state, LAST, SIM_SECTOR_SIZE - 1, 0x41,
        "data: disk 0 at checkpoint 1: sector 63 byte 511: expected 0x40, actual 0x41");
}

static void checkpoint_difference_in_first_byte_of_sector(void **state)
{
    checkpoint_sees_one_byte(*state, 20, 0, 0x41,
        "data: disk 0 at checkpoint 1: sector 20 byte 0: expected 0x40, actual 0x41");
}

static void checkpoint_difference_in_last_byte_of_sector(void **state)
{
    checkpoint_sees_one_byte(*state, 20, SIM_SECTOR_SIZE - 1, 0x00,
        "data: disk 0 at checkpoint 1: sector 20 byte 511: expected 0x40, actual 0x00");
}

/* Every sector written since the previous checkpoint is compared, not
 * only the first. */
static void every_written_sector_is_compared(void **state)
{
    Disks *d = *state;

    primary_writes(d, 3, 0x22);
    primary_writes(d, 5, 0x55);
    primary_writes(d, 60, 0x66);
    put_byte(d->sec[0], 3, 0x22);
    put_byte(d->sec[0], 5, 0x55);
    sim_datacheck_marker(d->dc, 1);
    assert_int_equal(checkpoint(d, 1, 0), -EPROTO);
    first_is(d, "data: disk 0 at checkpoint 1: sector 60 byte 0: expected 0x66, actual 0x00");
}

/* Sectors nobody wrote since the previous checkpoint are not compared:
 * what the secondary holds there was checked then. */
static void only_sectors_written_since_the_previous_checkpoint_are_compared(void **state)
{
    Disks *d = *state;

    primary_writes(d, 3, 0x22);
    put_byte(d->sec[0], 3, 0x22);
    put_byte(d->sec[0], 4, 0x99);           /* unwritten by the primary */
    sim_datacheck_marker(d->dc, 1);
    assert_int_equal(checkpoint(d, 1, 0), 0);
    assert_int_equal(sim_datacheck_violations(d->dc), 0);
}

/* The secondary is compared with the primary as it was when the marker
 * was sent, not with what the primary wrote since. */
static void checkpoint_compares_the_primary_at_its_marker(void **state)
{
    Disks *d = *state;

    primary_writes(d, 3, 0x22);
    put_byte(d->sec[0], 3, 0x22);
    sim_datacheck_marker(d->dc, 1);
    primary_writes(d, 3, 0x33);             /* after the marker */
    assert_int_equal(checkpoint(d, 1, 0), 0);
    put_byte(d->sec[0], 3, 0x33);           /* a secondary that ran ahead */
    assert_int_equal(checkpoint(d, 1, 0), -EPROTO);
    first_is(d, "data: disk 0 at checkpoint 1: sector 3 byte 0: expected 0x22, actual 0x33");
}

/* Each checkpoint compares what was written since the one before, on the
 * disk it names. */
static void later_checkpoints_compare_their_own_epoch(void **state)
{
    Disks *d = *state;

    primary_writes(d, 1, 0x11);
    put_byte(d->sec[0], 1, 0x11);
    sim_datacheck_marker(d->dc, 1);
    assert_int_equal(checkpoint(d, 1, 0), 0);
    primary_writes(d, 2, 0x22);
    sim_datacheck_marker(d->dc, 2);
    assert_int_equal(checkpoint(d, 2, 1), 0);           /* disk 1: untouched */
    assert_int_equal(checkpoint(d, 2, 0), -EPROTO);
    first_is(d, "data: disk 0 at checkpoint 2: sector 2 byte 0: expected 0x22, actual 0x00");
    put_byte(d->sec[0], 2, 0x22);
    primary_writes(d, 1, 0x55);
    put_byte(d->sec[0], 1, 0x55);
    sim_datacheck_marker(d->dc, 3);
    assert_int_equal(checkpoint(d, 3, 0), 0);
    assert_int_equal(failover(d), 0);       /* nothing of epoch 1 is left over */
    assert_int_equal(sim_datacheck_violations(d->dc), 1);
}

static void checkpoint_behind_the_newest_marker_is_reported(void **state)
{
    Disks *d = *state;

    sim_datacheck_marker(d->dc, 1);
    sim_datacheck_marker(d->dc, 2);
    assert_int_equal(checkpoint(d, 1, 1), -EPROTO);
    first_is(d, "data: disk 1: secondary completed checkpoint 1, newest is 2");
}

static void checkpoint_ahead_of_the_newest_marker_is_reported(void **state)
{
    Disks *d = *state;

    sim_datacheck_marker(d->dc, 1);
    assert_int_equal(checkpoint(d, 2, 0), -EPROTO);
    first_is(d, "data: disk 0: secondary completed checkpoint 2, newest is 1");
    assert_int_equal(sim_datacheck_secondary_epoch(d->dc), 0);
}

static void skipped_epoch_is_reported(void **state)
{
    Disks *d = *state;

    sim_datacheck_marker(d->dc, 1);
    sim_datacheck_marker(d->dc, 2);
    assert_int_equal(sim_datacheck_violations(d->dc), 0);
    sim_datacheck_marker(d->dc, 4);
    first_is(d, "data: checkpoint 4 taken after 2: epochs skipped");
    assert_int_equal(sim_datacheck_violations(d->dc), 1);
}

static void repeated_epoch_is_reported(void **state)
{
    Disks *d = *state;

    sim_datacheck_marker(d->dc, 1);
    sim_datacheck_marker(d->dc, 1);
    first_is(d, "data: checkpoint 1 taken after 1: epochs skipped");
}

static void first_marker_must_be_one(void **state)
{
    Disks *d = *state;

    sim_datacheck_marker(d->dc, 2);
    first_is(d, "data: checkpoint 2 taken after 0: epochs skipped");
}

/* ---- pre-images */

/* A write that runs past the end of the disk (the disk refuses it) still
 * leaves the checker consistent: only sectors inside get a pre-image. */
static void write_past_the_end_of_the_disk_is_clipped(void **state)
{
    Disks *d = *state;

    assert_int_equal(sim_datacheck_primary_before(d->dc, 0, d->local[0], LAST, 3), 0);
    assert_int_equal(sim_datacheck_primary_before(d->dc, 0, d->local[0], SIZE + 5, 1), 0);
    put_byte(d->local[0], LAST, 0x66);      /* the part inside reached the disk */
    put_byte(d->sec[0], LAST, 0x66);
    sim_datacheck_marker(d->dc, 1);
    assert_int_equal(checkpoint(d, 1, 0), 0);
    put_byte(d->sec[0], LAST, 0x67);
    assert_int_equal(checkpoint(d, 1, 0), -EPROTO);
    first_is(d, "data: disk 0 at checkpoint 1: sector 63 byte 0: expected 0x66, actual 0x67");
}

static void acknowledged_write_outside_the_disk_is_an_error(void **state)
{
    Disks *d = *state;
    const uint8_t *data = sector_of(1, 0, 1);

    assert_int_equal(sim_datacheck_primary_acked(d->dc, 0, SIZE, 1, data), -EINVAL);
    assert_int_equal(sim_datacheck_secondary_wrote(d->dc, 1, LAST, 2, data), -EINVAL);
    assert_int_equal(sim_datacheck_violations(d->dc), 0);
}

/* Two writes to one sector between markers: the checkpoint's content is
 * the one before the first of them. */
static void second_write_in_an_epoch_keeps_the_first_pre_image(void **state)
{
    Disks *d = *state;

    primary_writes(d, 2, 0x11);
    sim_datacheck_marker(d->dc, 1);
    primary_writes(d, 2, 0x22);
    primary_writes(d, 2, 0x33);
    put_byte(d->sec[0], 2, 0x11);
    assert_int_equal(checkpoint(d, 1, 0), 0);
    assert_int_equal(failover(d), 0);
}

/* A multi-sector write over a sector that already has its pre-image still
 * records the pre-images of the others. */
static void multi_sector_write_records_each_pre_image(void **state)
{
    Disks *d = *state;
    uint8_t three[3 * SIM_SECTOR_SIZE];

    sim_datacheck_marker(d->dc, 1);
    assert_int_equal(checkpoint(d, 1, 0), 0);
    primary_writes(d, 4, 0x44);
    memset(three, 0x55, sizeof(three));
    primary_writes_n(d, 0, 4, 3, three);    /* 4 again, then 5 and 6 */
    assert_int_equal(failover(d), 0);       /* all rolled back to zeros */
    put_byte(d->sec[0], 6, 0x55);
    assert_int_equal(failover(d), -EPROTO);
    first_is(d, "data: disk 0 after secondary failover (checkpoint 1): sector 6 byte 0: "
                "expected 0x00, actual 0x55");
}

/* ---- failover */

static void failover_rolls_back_to_checkpoint_plus_own_writes(void **state)
{
    Disks *d = *state;

    primary_writes(d, 1, 0x11);             /* epoch 1 holds 0x11 at 1 */
    put_byte(d->sec[0], 1, 0x11);
    sim_datacheck_marker(d->dc, 1);
    assert_int_equal(checkpoint(d, 1, 0), 0);
    primary_writes(d, 1, 0x22);             /* after the checkpoint: rolled back */
    primary_writes(d, 2, 0x22);
    secondary_writes(d, 3, 0x44);           /* the secondary's own: kept */
    assert_int_equal(failover(d), 0);
    put_byte(d->sec[0], 2, 0x22);           /* a write that should be rolled back */
    assert_int_equal(failover(d), -EPROTO);
    first_is(d, "data: disk 0 after secondary failover (checkpoint 1): sector 2 "
                "byte 0: expected 0x00, actual 0x22");
}

static void failover_keeping_less_than_the_checkpoint_is_reported(void **state)
{
    Disks *d = *state;

    primary_writes(d, 1, 0x11);
    put_byte(d->sec[0], 1, 0x11);
    sim_datacheck_marker(d->dc, 1);
    assert_int_equal(checkpoint(d, 1, 0), 0);
    put_byte(d->sec[0], 1, 0x10);           /* below what the checkpoint held */
    assert_int_equal(failover(d), -EPROTO);
    first_is(d, "data: disk 0 after secondary failover (checkpoint 1): sector 1 "
                "byte 0: expected 0x11, actual 0x10");
}

/* The secondary's own writes win over primary writes they replaced, all
 * of them. */
static void own_writes_over_rolled_back_sectors_are_kept(void **state)
{
    Disks *d = *state;

    sim_datacheck_marker(d->dc, 1);
    assert_int_equal(checkpoint(d, 1, 0), 0);
    primary_writes(d, 2, 0x22);
    secondary_writes(d, 2, 0x55);
    secondary_writes(d, 9, 0x66);
    assert_int_equal(failover(d), 0);
}

/* Own writes from before the secondary's last checkpoint were discarded
 * with its active disk: they are not expected after failover. */
static void own_writes_before_the_checkpoint_are_forgotten(void **state)
{
    Disks *d = *state;

    secondary_writes(d, 5, 0x44);
    put_byte(d->sec[0], 5, 0x00);           /* the checkpoint dropped it */
    sim_datacheck_marker(d->dc, 1);
    assert_int_equal(checkpoint(d, 1, 0), 0);
    assert_int_equal(failover(d), 0);
}

/* A marker was sent (2) but the secondary completed only 1: failover goes
 * back to 1, undoing the writes of both epochs since. */
static void failover_one_checkpoint_behind_rolls_back_both_epochs(void **state)
{
    Disks *d = *state;

    primary_writes(d, 1, 0x11);
    put_byte(d->sec[0], 1, 0x11);
    sim_datacheck_marker(d->dc, 1);
    assert_int_equal(checkpoint(d, 1, 0), 0);
    primary_writes(d, 1, 0x22);
    sim_datacheck_marker(d->dc, 2);
    primary_writes(d, 1, 0x33);
    primary_writes(d, 2, 0x44);
    assert_int_equal(failover(d), 0);
    put_byte(d->sec[0], 1, 0x22);           /* the state at checkpoint 2 */
    assert_int_equal(failover(d), -EPROTO);
    first_is(d, "data: disk 0 after secondary failover (checkpoint 1): sector 1 "
                "byte 0: expected 0x11, actual 0x22");
}

static void failover_two_checkpoints_behind_is_reported(void **state)
{
    Disks *d = *state;

    sim_datacheck_marker(d->dc, 1);
    sim_datacheck_marker(d->dc, 2);
    assert_int_equal(failover(d), -EPROTO);
    first_is(d, "data: disk 0: secondary at checkpoint 0, two behind 2");
}

/* After a consistent checkpoint, byte `at` of the secondary's `sector`
 * becomes `got`. */
static void failover_sees_one_byte(Disks *d, uint64_t sector, unsigned at, uint8_t got,
                                   const char *msg)
{
    primary_writes_n(d, 0, sector, 1, sector_of(0x40, at, 0x40));
    put(d->sec[0], sector, sector_of(0x40, at, 0x40));
    sim_datacheck_marker(d->dc, 1);
    assert_int_equal(checkpoint(d, 1, 0), 0);
    put(d->sec[0], sector, sector_of(0x40, at, got));
    assert_int_equal(failover(d), -EPROTO);
    first_is(d, msg);
}

static void failover_difference_in_first_byte_of_disk(void **state)
{
    failover_sees_one_byte(*state, 0, 0, 0x41,
        "data: disk 0 after secondary failover (checkpoint 1): sector 0 byte 0: "
        "expected 0x40, actual 0x41");
}

static void failover_difference_in_last_byte_of_disk(void **state)
{
    failover_sees_one_byte(*state, LAST, SIM_SECTOR_SIZE - 1, 0x3f,
        "data: disk 0 after secondary failover (checkpoint 1): sector 63 byte 511: "
        "expected 0x40, actual 0x3f");
}

static void primary_failover_lost_write_is_reported(void **state)
{
    Disks *d = *state;

    primary_writes(d, 5, 0x22);
    sim_store_discard(d->local[0], 5, 1);   /* the disk lost it */
    assert_int_equal(sim_datacheck_primary_failover(d->dc, 0, d->local[0]), -EPROTO);
    first_is(d, "data: disk 0 after primary failover: sector 5 byte 0: "
                "expected 0x22, actual 0x00");
}

static void primary_failover_changed_write_is_reported(void **state)
{
    Disks *d = *state;

    primary_writes_n(d, 1, LAST, 1, sector_of(0x22, SIM_SECTOR_SIZE - 1, 0x22));
    assert_int_equal(sim_datacheck_primary_failover(d->dc, 1, d->local[1]), 0);
    put(d->local[1], LAST, sector_of(0x22, SIM_SECTOR_SIZE - 1, 0x23));
    assert_int_equal(sim_datacheck_primary_failover(d->dc, 1, d->local[1]), -EPROTO);
    first_is(d, "data: disk 1 after primary failover: sector 63 byte 511: "
                "expected 0x22, actual 0x23");
}

/* ---- host allocation failures */

#define MAX_STEPS 16

/* What each call of a history returned, and the violations after it. */
typedef struct History {
    int rc[MAX_STEPS];
    unsigned violations[MAX_STEPS];
    int steps;
    bool oom;                   /* a call said -ENOMEM (or new said NULL) */
} History;

static bool step(History *h, SimDataCheck *dc, int rc)
{
    h->rc[h->steps] = rc;
    h->violations[h->steps] = sim_datacheck_violations(dc);
    h->steps++;
    h->oom = rc == -ENOMEM;
    return !h->oom;
}

/* The guest's write on the test's side, never failed; `replicated`: the
 * secondary's disk has it too. */
static void local_write(Disks *d, uint64_t sector, uint32_t count, uint8_t byte,
                        bool replicated)
{
    static uint8_t buf[4 * SIM_SECTOR_SIZE];

    alloc_pause();
    memset(buf, byte, sizeof(buf));
    assert_int_equal(sim_store_write(d->local[0], sector, count, buf), 0);
    if (replicated) {
        assert_int_equal(sim_store_write(d->sec[0], sector, count, buf), 0);
    }
    alloc_resume();
}

/* Every allocating call of the checker, on one made inside the armed
 * window, the allocation numbered fail_at failing; stops at the first
 * call that reports it (every failure must be reported: the shadow
 * stores absorb none).  Without a failure, every call but the last
 * passes: a layer or a pre-image lost to a failed allocation would show
 * as a violation. */
static void run_history(Disks *d, History *h, long fail_at)
{
    static uint8_t own[SIM_SECTOR_SIZE], ones[3 * SIM_SECTOR_SIZE];
    SimDataCheck *dc;

    memset(own, 0x99, sizeof(own));
    memset(ones, 0x11, sizeof(ones));
    *h = (History){ .steps = 0 };
    alloc_arm(fail_at);
    dc = sim_datacheck_new(DISKS, SIZE);
    if (dc == NULL) {
        h->oom = true;
        alloc_pause();
        return;
    }
    if (step(h, dc, sim_datacheck_primary_before(dc, 0, d->local[0], 1, 3))) {
        local_write(d, 1, 3, 0x11, true);
        if (step(h, dc, sim_datacheck_primary_acked(dc, 0, 1, 3, ones)) &&
            step(h, dc, (sim_datacheck_marker(dc, 1), 0)) &&
            step(h, dc, sim_datacheck_secondary_checkpoint(dc, 1, 0, d->local[0], d->sec[0],
                                                           d->hidden, d->active)) &&
            step(h, dc, sim_datacheck_primary_before(dc, 0, d->local[0], 2, 1))) {
            local_write(d, 2, 1, 0x22, false);
            if (step(h, dc, (sim_datacheck_marker(dc, 2), 0)) &&
                step(h, dc, sim_datacheck_primary_before(dc, 0, d->local[0], 7, 1))) {
                local_write(d, 7, 1, 0x77, false);
                alloc_pause();
                put(d->sec[0], 10, own);
                alloc_resume();
                if (step(h, dc, sim_datacheck_secondary_wrote(dc, 0, 10, 1, own)) &&
                    step(h, dc, sim_datacheck_secondary_failover(dc, 0, d->local[0],
                                                                 d->sec[0]))) {
                    step(h, dc, sim_datacheck_primary_failover(dc, 0, d->local[0]));
                }
            }
        }
    }
    alloc_pause();
    sim_datacheck_free(dc);
}

/* Clean disks between two runs of the history. */
static void wipe(Disks *d)
{
    for (unsigned i = 0; i < DISKS; i++) {
        sim_store_clear(d->local[i]);
        sim_store_clear(d->sec[i]);
    }
}

static void allocation_failure_is_an_error_never_a_verdict(void **state)
{
    Disks *d = *state;
    History clean, h;
    long total;

    run_history(d, &clean, -1);
    total = alloc_fault.seen;
    assert_false(clean.oom);
    assert_int_equal(clean.steps, 10);
    for (int k = 0; k < 9; k++) {
        assert_int_equal(clean.rc[k], 0);
    }
    assert_int_equal(clean.rc[9], -EPROTO);     /* 2 and 7 were never acknowledged */
    assert_int_equal(clean.violations[9], 1);
    assert_true(total > 10);
    for (long n = 0; n < total; n++) {
        wipe(d);
        run_history(d, &h, n);
        assert_true(alloc_fault.failed);
        for (int k = 0; k < h.steps; k++) {
            bool last = h.oom && k == h.steps - 1;

            if (last) {
                assert_int_equal(h.violations[k], k == 0 ? 0 : clean.violations[k - 1]);
            } else if (h.rc[k] != clean.rc[k] || h.violations[k] != clean.violations[k]) {
                fail_msg("allocation %ld failed: call %d returned %d (%u violations), "
                         "not %d (%u)", n, k, h.rc[k], h.violations[k], clean.rc[k],
                         clean.violations[k]);
            }
        }
        if (!h.oom) {
            fail_msg("allocation %ld failed and no call said so", n);
        }
        wipe(d);
    }
}

/* ---- reuse */

/* A checker reset in place (a reused cluster's: issue 22) is a fresh one:
 * no epoch, no violation, and nothing left in any shadow of any disk:
 * acknowledged writes (a primary failover would miss them), pre-images of
 * both epochs (a checkpoint would check, a failover lay over, sectors it
 * never saw written) and the secondary's own writes. */
static void reset_checker_is_a_fresh_one(void **state)
{
    Disks *d = *state;
    static uint8_t own[SIM_SECTOR_SIZE];

    memset(own, 0x77, sizeof(own));
    for (unsigned i = 0; i < DISKS; i++) {
        put_byte(d->local[i], 5, 0x11);
        primary_writes_n(d, i, 5, 1, sector_of(0x55, 0, 0x55));
    }
    sim_datacheck_marker(d->dc, 1);
    for (unsigned i = 0; i < DISKS; i++) {
        put_byte(d->local[i], 6, 0x12);
        primary_writes_n(d, i, 6, 1, sector_of(0x66, 0, 0x66));
    }
    sim_datacheck_marker(d->dc, 3);                 /* a violation: 2 skipped */
    assert_int_equal(checkpoint(d, 3, 0), -EPROTO); /* epoch 3, another */
    for (unsigned i = 0; i < DISKS; i++) {
        put_byte(d->local[i], 8, 0x13);
        primary_writes_n(d, i, 8, 1, sector_of(0x88, 0, 0x88));
        assert_int_equal(sim_datacheck_secondary_wrote(d->dc, i, 7, 1, own), 0);
    }
    assert_int_equal(sim_datacheck_secondary_epoch(d->dc), 3);
    assert_int_equal(sim_datacheck_violations(d->dc), 2);
    assert_int_equal(sim_datacheck_reset(d->dc, DISKS - 1, SIZE), -EXDEV);
    assert_int_equal(sim_datacheck_reset(d->dc, DISKS + 1, SIZE), -EXDEV);
    assert_int_equal(sim_datacheck_reset(d->dc, DISKS, SIZE + 1), -EXDEV);
    assert_int_equal(sim_datacheck_reset(d->dc, DISKS, SIZE - 1), -EXDEV);
    assert_int_equal(sim_datacheck_violations(d->dc), 2);   /* untouched */
    assert_int_equal(sim_datacheck_reset(d->dc, DISKS, SIZE), 0);
    assert_int_equal(sim_datacheck_secondary_epoch(d->dc), 0);
    assert_int_equal(sim_datacheck_violations(d->dc), 0);
    first_is(d, "");
    wipe(d);
    for (unsigned i = 0; i < DISKS; i++) {
        assert_int_equal(sim_datacheck_primary_failover(d->dc, i, d->local[i]), 0);
        assert_int_equal(sim_datacheck_secondary_failover(d->dc, i, d->local[i], d->sec[i]), 0);
        put_byte(d->sec[i], 6, 0x42);               /* not written: not checked */
        assert_int_equal(checkpoint(d, 0, i), 0);
    }
    assert_int_equal(sim_datacheck_violations(d->dc), 0);
    assert_int_equal(sim_datacheck_reset(d->dc, DISKS, SIZE), 0);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(new_refuses_zero_disks_and_more_than_sixteen),
        T(fresh_checker_has_no_epoch_and_no_violation),
        T(consistent_checkpoint_passes),
        T(hidden_disk_not_emptied_is_reported),
        T(active_disk_not_emptied_is_reported),
        T(write_missing_at_checkpoint_is_reported),
        T(larger_byte_at_checkpoint_is_reported),
        T(checkpoint_difference_in_first_byte_of_disk),
        T(checkpoint_difference_in_last_byte_of_disk),
        T(checkpoint_difference_in_first_byte_of_sector),
        T(checkpoint_difference_in_last_byte_of_sector),
        T(every_written_sector_is_compared),
        T(only_sectors_written_since_the_previous_checkpoint_are_compared),
        T(checkpoint_compares_the_primary_at_its_marker),
        T(later_checkpoints_compare_their_own_epoch),
        T(checkpoint_behind_the_newest_marker_is_reported),
        T(checkpoint_ahead_of_the_newest_marker_is_reported),
        T(skipped_epoch_is_reported),
        T(repeated_epoch_is_reported),
        T(first_marker_must_be_one),
        T(write_past_the_end_of_the_disk_is_clipped),
        T(acknowledged_write_outside_the_disk_is_an_error),
        T(second_write_in_an_epoch_keeps_the_first_pre_image),
        T(multi_sector_write_records_each_pre_image),
        T(failover_rolls_back_to_checkpoint_plus_own_writes),
        T(failover_keeping_less_than_the_checkpoint_is_reported),
        T(own_writes_over_rolled_back_sectors_are_kept),
        T(own_writes_before_the_checkpoint_are_forgotten),
        T(failover_one_checkpoint_behind_rolls_back_both_epochs),
        T(failover_two_checkpoints_behind_is_reported),
        T(failover_difference_in_first_byte_of_disk),
        T(failover_difference_in_last_byte_of_disk),
        T(primary_failover_lost_write_is_reported),
        T(primary_failover_changed_write_is_reported),
        T(allocation_failure_is_an_error_never_a_verdict),
        T(reset_checker_is_a_fresh_one),
    };

    return cmocka_run_group_tests_name("check_data", tests, NULL, NULL);
}
