/* test_disk.c: SimDisk (disk.h): the replication stages and their exact
 * messages, primary forwarding, the secondary's copy-before-write,
 * checkpoint and commit, faults, registry.  The images: test_store.c.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "clock.h"
#include "disk.h"
#include "fault.h"
#include "prng.h"
#include "replication.h"
#include "store.h"
#include "sectors.h"

/* Where a test's sim_trace_recent renders the line it reads. */
static char recent_line[SIM_TRACE_LINE_MAX];

#define STEP_LIMIT 10000        /* clock events one test may run */

/* ==== SimDisk ============================================================= */

typedef struct World {
    ReplicationRegistry *reg;
    SimClock *clock;
    SimTrace trace;
    SimFaults *faults;
    SimStore *link;             /* what the primary forwarded */
    int forward_rc;             /* forward() answers this (after writing) */
    int commit_calls;
    int commit_result;
    SimDisk *p;
    SimDisk *s;
    char msg[256];
} World;

static int forward(void *ctx, uint64_t sector, uint32_t count,
                   const uint8_t *data)
{
    World *w = ctx;

    if (w->forward_rc < 0) {
        return w->forward_rc;
    }
    return sim_store_write(w->link, sector, count, data);
}

static void commit_done(void *ctx, SimDisk *disk, int result)
{
    World *w = ctx;

    assert_ptr_equal(disk, w->s);
    w->commit_calls++;
    w->commit_result = result;
}

static int world_setup(void **state)
{
    World *w = calloc(1, sizeof(*w));

    assert_non_null(w);
    assert_int_equal(sim_trace_init(&w->trace), 0);
    w->reg = replication_registry_new();
    w->clock = sim_clock_new(0);
    w->faults = sim_faults_new(1, &w->trace, NULL);
    w->link = sim_store_new(SECTORS, 0);
    assert_non_null(w->reg);
    assert_non_null(w->clock);
    assert_non_null(w->faults);
    assert_non_null(w->link);
    *state = w;
    return 0;
}

static int world_teardown(void **state)
{
    World *w = *state;

    sim_disk_free(w->p);
    sim_disk_free(w->s);
    assert_int_equal(replication_registry_count(w->reg), 0);
    assert_int_equal(sim_clock_pending(w->clock), 0);
    sim_faults_clear(w->faults, "*");
    assert_int_equal(sim_faults_armed(w->faults), 0);
    sim_faults_free(w->faults);
    replication_registry_free(w->reg);
    sim_clock_free(w->clock);
    sim_store_free(w->link);
    sim_trace_fini(&w->trace);
    free(w);
    return 0;
}

static SimDiskConfig config(World *w, SimDiskRole role)
{
    return (SimDiskConfig){
        .name = role == SIM_DISK_PRIMARY ? "p0" : "s0",
        .node = role == SIM_DISK_PRIMARY ? "pn" : "sn",
        .role = role, .size_sectors = SECTORS, .registry = w->reg,
        .clock = w->clock, .trace = &w->trace, .faults = w->faults,
        .forward = forward, .forward_ctx = w,
        .commit_done = commit_done, .commit_ctx = w,
    };
}

static SimDisk *make(World *w, const SimDiskConfig *cfg)
{
    SimDisk *d;

    if (sim_disk_new(cfg, &d, w->msg, sizeof(w->msg)) < 0) {
        fail_msg("sim_disk_new: %s", w->msg);
    }
    if (cfg->role == SIM_DISK_PRIMARY) {
        w->p = d;
    } else {
        w->s = d;
    }
    return d;
}

static SimDisk *primary(World *w)
{
    SimDiskConfig cfg = config(w, SIM_DISK_PRIMARY);

    return make(w, &cfg);
}

static SimDisk *secondary(World *w)
{
    SimDiskConfig cfg = config(w, SIM_DISK_SECONDARY);

    return make(w, &cfg);
}

/* Each walk returns NULL on success or the error's message (kept in w). */
static const char *answer(World *w, Error *err)
{
    if (err == NULL) {
        return NULL;
    }
    snprintf(w->msg, sizeof(w->msg), "%s", error_get_pretty(err));
    error_free(err);
    return w->msg;
}

static const char *start(World *w, int mode)
{
    Error *err = NULL;

    replication_start_all_in(w->reg, (ReplicationMode)mode, &err);
    return answer(w, err);
}

static const char *stop(World *w, bool failover)
{
    Error *err = NULL;

    replication_stop_all_in(w->reg, failover, &err);
    return answer(w, err);
}

static const char *checkpoint(World *w)
{
    Error *err = NULL;

    replication_do_checkpoint_all_in(w->reg, &err);
    return answer(w, err);
}

static const char *get_error(World *w)
{
    Error *err = NULL;

    replication_get_error_all_in(w->reg, &err);
    return answer(w, err);
}

typedef int IoFn(SimDisk *d, uint64_t sector, uint32_t count,
                 const uint8_t *data);

static int put(SimDisk *d, IoFn *io, uint64_t sector, uint32_t count,
               int pattern)
{
    return io(d, sector, count, pattern_buf(pattern, count));
}

/* The byte one sector reads as through the top (uniform), or the error. */
static int top_byte(SimDisk *d, uint64_t sector)
{
    uint8_t buf[SIM_SECTOR_SIZE];
    int rc;

    memset(buf, 0xa5, sizeof(buf));
    rc = sim_disk_read(d, sector, 1, buf);
    if (rc < 0) {
        return rc;
    }
    for (unsigned i = 1; i < SIM_SECTOR_SIZE; i++) {
        assert_int_equal(buf[i], buf[0]);
    }
    return buf[0];
}

/* Every sector of [first, first + count) reads through the top as byte. */
static void expect_top(SimDisk *d, uint64_t first, uint32_t count, int byte)
{
    for (uint64_t s = first; s < first + count; s++) {
        int got = top_byte(d, s);

        if (got != byte) {
            fail_msg("top sector %llu: expected 0x%02x, actual %d",
                     (unsigned long long)s, (unsigned)byte, got);
        }
    }
}

static void arm(World *w, SimDisk *d, SimDiskPoint point, SimFaultMode mode)
{
    SimFaultSpec spec = {.mode = mode, .k = 1};
    char err[128];
    int rc = sim_faults_arm(w->faults, sim_disk_point(d, point), &spec, err,
                            sizeof(err));

    if (rc == -ENOTSUP) {
        skip();         /* built without libfiu: points compile to nothing */
    }
    if (rc != 1) {
        fail_msg("arm %s: %d %s", sim_disk_point(d, point), rc, err);
    }
}

/* Step the clock until the commit ends; returns the steps taken. */
static int run_commit(World *w)
{
    int steps = 0;

    while (sim_disk_stage(w->s) == SIM_DISK_STAGE_FAILOVER) {
        assert_true(steps++ < STEP_LIMIT);
        assert_int_equal(sim_clock_step(w->clock), 1);
    }
    return steps;
}

/* A running secondary over a disk of 0x11 with a forwarded 0x22 write to
 * sectors [0, 8) (pre-images in hidden) and its own 0x33 write to [4, 12). */
static SimDisk *busy_secondary(World *w)
{
    SimDisk *s = secondary(w);

    assert_int_equal(put(s, sim_disk_receive, 0, SECTORS, 0x11), 0);
    assert_null(start(w, REPLICATION_MODE_SECONDARY));
    assert_int_equal(put(s, sim_disk_receive, 0, 8, 0x22), 0);
    assert_int_equal(put(s, sim_disk_write, 4, 8, 0x33), 0);
    return s;
}

/* ---- creation and registration ------------------------------------------ */

static void disk_new_rejects_bad_config(void **state)
{
    World *w = *state;
    static const struct {
        const char *name;
        int what;
        const char *message;
    } cases[] = {
        {"", 0, "disk '': name must be 1 to 32 of [A-Za-z0-9_.-]"},
        {"a/b", 0, "disk 'a/b': name must be 1 to 32 of [A-Za-z0-9_.-]"},
        {"x", 1, "disk 'x': size_sectors 0 is not in 1..1099511627776"},
        {"x", 2, "disk 'x': needs a registry and a clock"},
        {"x", 3, "disk 'x': needs a registry and a clock"},
        {"x", 4, "disk 'x': a primary needs a forward function"},
        {"x", 5, "disk 'x': role 7 is neither primary nor secondary"},
        {"x", 6, "disk 'x': commit_sectors_per_tick 1048577 is above 1048576"},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        SimDiskConfig cfg = config(w, SIM_DISK_PRIMARY);
        SimDisk *d = (SimDisk *)&cfg;       /* a failed new sets it to NULL */
        char err[128] = "";

        cfg.name = cases[i].name;
        switch (cases[i].what) {
        case 1: cfg.size_sectors = 0; break;
        case 2: cfg.registry = NULL; break;
        case 3: cfg.clock = NULL; break;
        case 4: cfg.forward = NULL; break;
        case 5: cfg.role = (SimDiskRole)7; break;
        case 6: cfg.commit_sectors_per_tick = (1u << 20) + 1; break;
        default: break;
        }
        assert_int_equal(sim_disk_new(&cfg, &d, err, sizeof(err)), -EINVAL);
        assert_null(d);
        assert_string_equal(err, cases[i].message);
    }
    assert_int_equal(replication_registry_count(w->reg), 0);
}

static void disk_new_registers_state_and_free_removes_it(void **state)
{
    World *w = *state;
    SimDisk *s = secondary(w);

    assert_int_equal(replication_registry_count(w->reg), 1);
    assert_non_null(sim_disk_state(s));
    assert_ptr_equal(sim_disk_state(s)->opaque, s);
    sim_disk_free(s);
    w->s = NULL;
    assert_int_equal(replication_registry_count(w->reg), 0);
    assert_null(start(w, REPLICATION_MODE_SECONDARY));
}

static void disk_registers_fault_points_by_role(void **state)
{
    World *w = *state;

    primary(w);
    secondary(w);
    assert_non_null(sim_faults_find(w->faults, "disk/p0/write"));
    assert_null(sim_faults_find(w->faults, "disk/p0/read"));
    assert_null(sim_faults_find(w->faults, "disk/p0/backup"));
    assert_null(sim_faults_find(w->faults, "disk/p0/commit"));
    assert_non_null(sim_faults_find(w->faults, "disk/s0/read"));
    assert_non_null(sim_faults_find(w->faults, "disk/s0/write"));
    assert_non_null(sim_faults_find(w->faults, "disk/s0/backup"));
    assert_non_null(sim_faults_find(w->faults, "disk/s0/commit"));
    assert_string_equal(sim_disk_point(w->s, SIM_DISK_POINT_COMMIT),
                        "disk/s0/commit");
    assert_int_equal(sim_faults_count(w->faults), 5);
}

static void disk_recreated_with_same_name_reuses_points(void **state)
{
    World *w = *state;

    secondary(w);
    sim_disk_free(w->s);
    w->s = NULL;
    secondary(w);
    assert_int_equal(sim_faults_count(w->faults), 4);
}

static void unregistered_disk_is_not_walked(void **state)
{
    World *w = *state;
    SimDisk *s = secondary(w);

    sim_disk_unregister(s);
    sim_disk_unregister(s);
    assert_null(sim_disk_state(s));
    assert_int_equal(replication_registry_count(w->reg), 0);
    assert_null(start(w, REPLICATION_MODE_SECONDARY));
    assert_int_equal(sim_disk_stage(s), SIM_DISK_STAGE_NONE);
}

static void walks_reach_disks_newest_first_until_first_error(void **state)
{
    World *w = *state;

    primary(w);
    secondary(w);       /* newer: visited first */
    assert_string_equal(start(w, REPLICATION_MODE_SECONDARY),
                        "The parameter mode's value is invalid, needs 0, but got 1");
    assert_int_equal(sim_disk_stage(w->s), SIM_DISK_STAGE_RUNNING);
    assert_int_equal(sim_disk_stage(w->p), SIM_DISK_STAGE_NONE);
    /* The secondary now fails first; the primary is not reached. */
    assert_string_equal(start(w, REPLICATION_MODE_PRIMARY),
                        "Block replication is running or done");
    assert_int_equal(sim_disk_stage(w->p), SIM_DISK_STAGE_NONE);
}

/* ---- stages and their messages ------------------------------------------- */

static void start_with_other_mode_names_both(void **state)
{
    World *w = *state;

    primary(w);
    assert_string_equal(start(w, REPLICATION_MODE_SECONDARY),
                        "The parameter mode's value is invalid, needs 0, but got 1");
    assert_int_equal(sim_disk_stage(w->p), SIM_DISK_STAGE_NONE);
    sim_disk_free(w->p);
    w->p = NULL;
    secondary(w);
    assert_string_equal(start(w, REPLICATION_MODE_PRIMARY),
                        "The parameter mode's value is invalid, needs 1, but got 0");
}

static void start_with_out_of_range_mode_is_invalid(void **state)
{
    World *w = *state;

    primary(w);
    assert_string_equal(start(w, REPLICATION_MODE__MAX),
                        "The parameter mode's value is invalid, needs 0, but got 2");
    assert_string_equal(start(w, -1),
                        "The parameter mode's value is invalid, needs 0, but got -1");
}

static void start_twice_is_running_or_done(void **state)
{
    World *w = *state;

    secondary(w);
    assert_null(start(w, REPLICATION_MODE_SECONDARY));
    assert_int_equal(sim_disk_stage(w->s), SIM_DISK_STAGE_RUNNING);
    assert_true(sim_disk_backup_running(w->s));
    assert_string_equal(start(w, REPLICATION_MODE_SECONDARY),
                        "Block replication is running or done");
    /* The stage is checked before the mode. */
    assert_string_equal(start(w, REPLICATION_MODE_PRIMARY),
                        "Block replication is running or done");
}

static void get_error_before_start_is_not_running(void **state)
{
    World *w = *state;

    primary(w);
    assert_string_equal(get_error(w), "Block replication is not running");
}

static void stop_before_start_is_not_running(void **state)
{
    World *w = *state;

    secondary(w);
    assert_string_equal(stop(w, true), "Block replication is not running");
    assert_string_equal(stop(w, false), "Block replication is not running");
    assert_int_equal(sim_disk_stage(w->s), SIM_DISK_STAGE_NONE);
}

/* Upstream's checkpoint checks no stage: a primary has nothing to do. */
static void primary_checkpoint_before_start_succeeds(void **state)
{
    World *w = *state;

    primary(w);
    assert_null(checkpoint(w));
}

/* ... and a secondary that never started has no backup job. */
static void secondary_checkpoint_before_start_finds_no_backup_job(void **state)
{
    World *w = *state;

    secondary(w);
    assert_string_equal(checkpoint(w), "Backup job was cancelled unexpectedly");
}

static void primary_stop_is_done_and_later_requests_are_ignored(void **state)
{
    World *w = *state;

    primary(w);
    assert_null(start(w, REPLICATION_MODE_PRIMARY));
    assert_null(stop(w, false));
    assert_int_equal(sim_disk_stage(w->p), SIM_DISK_STAGE_DONE);
    assert_null(start(w, REPLICATION_MODE_SECONDARY));
    assert_null(checkpoint(w));
    assert_null(stop(w, true));
    assert_null(get_error(w));
    assert_int_equal(sim_disk_counters(w->p)->ignored, 3);
    assert_int_equal(sim_disk_stage(w->p), SIM_DISK_STAGE_DONE);
}

/* Upstream cancels the backup job while still RUNNING: its completion
 * records -EIO, and the checkpoint that follows finds no job.  The stage
 * is DONE all the same; the overlays stay and the view is unchanged. */
static void secondary_stop_without_failover_finds_no_backup_job(void **state)
{
    World *w = *state;
    SimDisk *s = busy_secondary(w);

    assert_string_equal(stop(w, false), "Backup job was cancelled unexpectedly");
    assert_int_equal(sim_disk_stage(s), SIM_DISK_STAGE_DONE);
    assert_false(sim_disk_backup_running(s));
    assert_string_equal(get_error(w), "I/O error occurred");
    assert_int_equal(sim_store_count(sim_disk_hidden(s)), 8);
    expect_top(s, 0, 4, 0x11);
    expect_top(s, 4, 8, 0x33);
    expect_top(s, 12, SECTORS - 12, 0x11);
    assert_null(stop(w, false));                /* DONE: ignored */
    assert_int_equal(sim_clock_pending(w->clock), 0);
}

static void secondary_failover_reports_io_error_until_commit_ends(void **state)
{
    World *w = *state;

    busy_secondary(w);
    assert_null(get_error(w));
    assert_null(stop(w, true));
    assert_int_equal(sim_disk_stage(w->s), SIM_DISK_STAGE_FAILOVER);
    assert_string_equal(get_error(w), "I/O error occurred");
    run_commit(w);
    assert_int_equal(sim_disk_stage(w->s), SIM_DISK_STAGE_DONE);
    assert_null(get_error(w));
}

static void requests_during_commit_are_ignored(void **state)
{
    World *w = *state;

    busy_secondary(w);
    assert_null(stop(w, true));
    assert_null(start(w, REPLICATION_MODE_PRIMARY));
    assert_null(start(w, REPLICATION_MODE_SECONDARY));
    assert_null(checkpoint(w));
    assert_null(stop(w, false));
    assert_int_equal(sim_disk_counters(w->s)->ignored, 4);
    assert_int_equal(sim_disk_stage(w->s), SIM_DISK_STAGE_FAILOVER);
    assert_int_equal(sim_store_count(sim_disk_active(w->s)), 8);
    run_commit(w);
    assert_int_equal(w->commit_calls, 1);
}

/* ---- I/O ------------------------------------------------------------------ */

static void io_before_start_is_eio(void **state)
{
    World *w = *state;

    primary(w);
    secondary(w);
    assert_int_equal(put(w->p, sim_disk_write, 0, 1, 0x11), -EIO);
    assert_int_equal(sim_disk_read(w->p, 0, 1, iobuf), -EIO);
    assert_int_equal(put(w->s, sim_disk_write, 0, 1, 0x11), -EIO);
    assert_int_equal(sim_disk_read(w->s, 0, 1, iobuf), -EIO);
    assert_int_equal(sim_store_count(sim_disk_local(w->p)), 0);
    assert_int_equal(sim_store_count(w->link), 0);
    assert_int_equal(sim_store_count(sim_disk_active(w->s)), 0);
    assert_int_equal(sim_disk_counters(w->s)->io_errors, 2);
}

static void io_outside_limits_is_einval(void **state)
{
    World *w = *state;
    SimDiskConfig cfg = config(w, SIM_DISK_SECONDARY);

    cfg.max_io_sectors = 4;
    make(w, &cfg);
    assert_null(start(w, REPLICATION_MODE_SECONDARY));
    assert_int_equal(put(w->s, sim_disk_write, 0, 5, 1), -EINVAL);
    assert_int_equal(put(w->s, sim_disk_write, SECTORS - 1, 2, 1), -EINVAL);
    assert_int_equal(put(w->s, sim_disk_write, 0, 0, 1), -EINVAL);
    assert_int_equal(sim_disk_read(w->s, SECTORS, 1, iobuf), -EINVAL);
    assert_int_equal(sim_disk_read(w->s, 0, 1, NULL), -EINVAL);
    assert_int_equal(put(w->s, sim_disk_receive, 0, 5, 1), -EINVAL);
    assert_int_equal(put(w->s, sim_disk_write, 0, 4, 1), 0);
}

static void primary_read_fails_while_running(void **state)
{
    World *w = *state;

    primary(w);
    assert_null(start(w, REPLICATION_MODE_PRIMARY));
    assert_int_equal(put(w->p, sim_disk_write, 0, 4, 0x22), 0);
    assert_int_equal(sim_disk_read(w->p, 0, 4, iobuf), -EIO);
}

static void primary_write_lands_locally_and_is_forwarded(void **state)
{
    World *w = *state;

    primary(w);
    assert_null(start(w, REPLICATION_MODE_PRIMARY));
    assert_int_equal(put(w->p, sim_disk_write, 10, 3, 0x22), 0);
    assert_int_equal(sim_store_compare(sim_disk_local(w->p), w->link, NULL), 0);
    assert_int_equal(store_byte(w->link, 12), 0x22);
    assert_int_equal(sim_store_count(w->link), 3);
    assert_int_equal(sim_disk_counters(w->p)->forwarded, 1);
    assert_null(get_error(w));
}

static void primary_forward_error_is_swallowed_and_reported(void **state)
{
    World *w = *state;

    primary(w);
    assert_null(start(w, REPLICATION_MODE_PRIMARY));
    w->forward_rc = -ECONNRESET;
    assert_int_equal(put(w->p, sim_disk_write, 0, 2, 0x22), 0);
    assert_int_equal(store_byte(sim_disk_local(w->p), 1), 0x22);
    assert_int_equal(sim_store_count(w->link), 0);
    assert_int_equal(sim_disk_error(w->p), -ECONNRESET);
    assert_int_equal(sim_disk_counters(w->p)->swallowed, 1);
    assert_string_equal(get_error(w), "I/O error occurred");
    /* Recorded, not cleared by later successful writes. */
    w->forward_rc = 0;
    assert_int_equal(put(w->p, sim_disk_write, 0, 2, 0x22), 0);
    assert_string_equal(get_error(w), "I/O error occurred");
}

static void primary_stop_clears_recorded_error(void **state)
{
    World *w = *state;

    primary(w);
    assert_null(start(w, REPLICATION_MODE_PRIMARY));
    w->forward_rc = -EIO;
    assert_int_equal(put(w->p, sim_disk_write, 0, 1, 0x22), 0);
    assert_null(stop(w, true));
    assert_int_equal(sim_disk_error(w->p), 0);
    assert_null(get_error(w));
}

/* After stop the filter is out of the path: local only, nothing recorded. */
static void primary_write_after_stop_stays_local(void **state)
{
    World *w = *state;

    primary(w);
    assert_null(start(w, REPLICATION_MODE_PRIMARY));
    assert_null(stop(w, true));
    assert_int_equal(put(w->p, sim_disk_write, 5, 1, 0x44), 0);
    assert_int_equal(store_byte(sim_disk_local(w->p), 5), 0x44);
    assert_int_equal(sim_store_count(w->link), 0);
    assert_int_equal(sim_disk_counters(w->p)->forwarded, 0);
    assert_null(get_error(w));
}

static void receive_before_start_lands_without_preimage(void **state)
{
    World *w = *state;
    SimDisk *s = secondary(w);

    assert_int_equal(put(s, sim_disk_receive, 0, 4, 0x11), 0);
    assert_int_equal(put(s, sim_disk_receive, 0, 4, 0x22), 0);
    assert_int_equal(store_byte(sim_disk_secondary(s), 3), 0x22);
    assert_int_equal(sim_store_count(sim_disk_hidden(s)), 0);
}

static void receive_copies_preimage_before_first_overwrite(void **state)
{
    World *w = *state;
    SimDisk *s = secondary(w);

    assert_int_equal(put(s, sim_disk_receive, 0, SECTORS, 0x11), 0);
    assert_null(start(w, REPLICATION_MODE_SECONDARY));
    assert_int_equal(put(s, sim_disk_receive, 20, 2, 0x22), 0);
    assert_int_equal(store_byte(sim_disk_secondary(s), 20), 0x22);
    assert_int_equal(store_byte(sim_disk_hidden(s), 20), 0x11);
    assert_int_equal(store_byte(sim_disk_hidden(s), 21), 0x11);
    assert_int_equal(sim_store_count(sim_disk_hidden(s)), 2);
    expect_top(s, 0, SECTORS, 0x11);
    assert_int_equal(sim_disk_counters(s)->preimages, 2);
}

static void second_receive_keeps_first_preimage(void **state)
{
    World *w = *state;
    SimDisk *s = secondary(w);

    assert_int_equal(put(s, sim_disk_receive, 0, SECTORS, 0x11), 0);
    assert_null(start(w, REPLICATION_MODE_SECONDARY));
    assert_int_equal(put(s, sim_disk_receive, 20, 1, 0x22), 0);
    assert_int_equal(put(s, sim_disk_receive, 19, 3, 0x33), 0);
    assert_int_equal(store_byte(sim_disk_hidden(s), 20), 0x11);
    assert_int_equal(store_byte(sim_disk_hidden(s), 19), 0x11);
    assert_int_equal(store_byte(sim_disk_secondary(s), 20), 0x33);
    assert_int_equal(sim_disk_counters(s)->preimages, 3);
    expect_top(s, 19, 3, 0x11);
}

/* The pre-image of a never-written sector is written zeros, so that the
 * view keeps reading zeros over the forwarded data. */
static void preimage_of_unwritten_sector_is_written_zeros(void **state)
{
    World *w = *state;
    SimDisk *s = secondary(w);

    assert_null(start(w, REPLICATION_MODE_SECONDARY));
    assert_int_equal(put(s, sim_disk_receive, 7, 1, 0x22), 0);
    assert_int_equal(store_byte(sim_disk_hidden(s), 7), 0);
    assert_int_equal(top_byte(s, 7), 0);
}

static void secondary_write_goes_to_active_only(void **state)
{
    World *w = *state;
    SimDisk *s = secondary(w);

    assert_int_equal(put(s, sim_disk_receive, 0, SECTORS, 0x11), 0);
    assert_null(start(w, REPLICATION_MODE_SECONDARY));
    assert_int_equal(put(s, sim_disk_write, 30, 2, 0x33), 0);
    assert_int_equal(store_byte(sim_disk_active(s), 31), 0x33);
    assert_int_equal(store_byte(sim_disk_secondary(s), 31), 0x11);
    assert_int_equal(sim_store_count(sim_disk_hidden(s)), 0);
    expect_top(s, 30, 2, 0x33);
}

static void top_read_prefers_active_then_hidden_then_disk(void **state)
{
    World *w = *state;
    SimDisk *s = busy_secondary(w);   /* 0-3: hidden; 4-7: active over hidden */

    expect_top(s, 0, 4, 0x11);
    expect_top(s, 4, 8, 0x33);
    expect_top(s, 12, SECTORS - 12, 0x11);
    assert_int_equal(put(s, sim_disk_receive, 100, 1, 0x22), 0);
    assert_null(checkpoint(w));
    expect_top(s, 0, 4, 0x22);          /* now the secondary disk */
    expect_top(s, 4, 4, 0x22);
    expect_top(s, 8, 4, 0x11);
    expect_top(s, 100, 1, 0x22);
}

static void checkpoint_empties_overlays_and_rearms_preimages(void **state)
{
    World *w = *state;
    SimDisk *s = busy_secondary(w);

    assert_null(checkpoint(w));
    assert_int_equal(sim_store_count(sim_disk_hidden(s)), 0);
    assert_int_equal(sim_store_count(sim_disk_active(s)), 0);
    assert_int_equal(sim_disk_counters(s)->checkpoints, 2);  /* start's too */
    assert_int_equal(put(s, sim_disk_receive, 0, 1, 0x44), 0);
    assert_int_equal(store_byte(sim_disk_hidden(s), 0), 0x22);
    expect_top(s, 0, 1, 0x22);
}

static void receive_after_stop_is_eio(void **state)
{
    World *w = *state;
    SimDisk *s = busy_secondary(w);

    assert_null(stop(w, true));
    assert_int_equal(put(s, sim_disk_receive, 0, 1, 0x55), -EIO);
    run_commit(w);
    assert_int_equal(put(s, sim_disk_receive, 0, 1, 0x55), -EIO);
    assert_int_equal(store_byte(sim_disk_secondary(s), 0), 0x11);
}

static void receive_on_primary_is_einval(void **state)
{
    World *w = *state;

    primary(w);
    assert_null(start(w, REPLICATION_MODE_PRIMARY));
    assert_int_equal(put(w->p, sim_disk_receive, 0, 1, 0x55), -EINVAL);
}

static void image_limit_is_enospc_at_the_call(void **state)
{
    World *w = *state;
    SimDiskConfig cfg = config(w, SIM_DISK_SECONDARY);

    cfg.max_written_sectors = 4;
    make(w, &cfg);
    assert_null(start(w, REPLICATION_MODE_SECONDARY));
    assert_int_equal(put(w->s, sim_disk_write, 0, 4, 0x33), 0);
    assert_int_equal(put(w->s, sim_disk_write, 4, 1, 0x33), -ENOSPC);
    assert_int_equal(sim_store_count(sim_disk_active(w->s)), 4);
}

/* ---- failover commit --------------------------------------------------- */

static void commit_takes_ticks_at_configured_speed(void **state)
{
    World *w = *state;
    SimDiskConfig cfg = config(w, SIM_DISK_SECONDARY);
    SimDisk *s;

    cfg.commit_sectors_per_tick = 3;
    s = make(w, &cfg);
    assert_null(start(w, REPLICATION_MODE_SECONDARY));
    assert_int_equal(put(s, sim_disk_write, 0, 10, 0x33), 0);
    assert_null(stop(w, true));
    assert_int_equal(sim_disk_stage(s), SIM_DISK_STAGE_FAILOVER);
    assert_int_equal(sim_clock_pending(w->clock), 1);
    assert_int_equal(store_byte(sim_disk_secondary(s), 0), -1);
    assert_int_equal(sim_clock_run_until(w->clock, 3, 0), 3);
    assert_int_equal(sim_disk_stage(s), SIM_DISK_STAGE_FAILOVER);
    assert_int_equal(sim_store_count(sim_disk_active(s)), 1);
    assert_int_equal(sim_clock_run_until(w->clock, 4, 0), 1);
    assert_int_equal(sim_disk_stage(s), SIM_DISK_STAGE_DONE);
    assert_int_equal(sim_disk_counters(s)->commit_steps, 4);
    assert_int_equal(sim_disk_counters(s)->committed_sectors, 10);
    assert_int_equal(w->commit_calls, 1);
    assert_int_equal(w->commit_result, 0);
    assert_int_equal(sim_clock_pending(w->clock), 0);
}

static void commit_writes_active_over_hidden_into_disk(void **state)
{
    World *w = *state;
    SimDisk *s = busy_secondary(w);

    assert_null(stop(w, true));
    assert_int_equal(run_commit(w), 1);     /* 12 sectors, 64 per tick */
    for (uint64_t i = 0; i < SECTORS; i++) {
        int want = i < 4 ? 0x11 : i < 12 ? 0x33 : 0x11;

        assert_int_equal(store_byte(sim_disk_secondary(s), i), want);
    }
    assert_int_equal(sim_store_count(sim_disk_hidden(s)), 0);
    assert_int_equal(sim_store_count(sim_disk_active(s)), 0);
}

static void empty_commit_still_takes_a_tick(void **state)
{
    World *w = *state;

    secondary(w);
    assert_null(start(w, REPLICATION_MODE_SECONDARY));
    assert_null(stop(w, true));
    assert_int_equal(sim_disk_stage(w->s), SIM_DISK_STAGE_FAILOVER);
    assert_int_equal(run_commit(w), 1);
    assert_int_equal(sim_clock_now(w->clock), 1);
    assert_int_equal(sim_disk_stage(w->s), SIM_DISK_STAGE_DONE);
}

static void write_during_commit_is_committed(void **state)
{
    World *w = *state;
    SimDiskConfig cfg = config(w, SIM_DISK_SECONDARY);
    SimDisk *s;

    cfg.commit_sectors_per_tick = 2;
    s = make(w, &cfg);
    assert_null(start(w, REPLICATION_MODE_SECONDARY));
    assert_int_equal(put(s, sim_disk_write, 0, 6, 0x33), 0);
    assert_null(stop(w, true));
    assert_int_equal(sim_clock_step(w->clock), 1);       /* 0, 1 committed */
    assert_int_equal(put(s, sim_disk_write, 0, 1, 0x66), 0);
    assert_int_equal(put(s, sim_disk_write, 5, 1, 0x77), 0);
    expect_top(s, 0, 1, 0x66);
    run_commit(w);
    assert_int_equal(store_byte(sim_disk_secondary(s), 0), 0x66);
    assert_int_equal(store_byte(sim_disk_secondary(s), 1), 0x33);
    assert_int_equal(store_byte(sim_disk_secondary(s), 5), 0x77);
    assert_int_equal(sim_store_count(sim_disk_active(s)), 0);
}

static void writes_after_commit_go_to_secondary_disk(void **state)
{
    World *w = *state;
    SimDisk *s = busy_secondary(w);

    assert_null(stop(w, true));
    run_commit(w);
    assert_int_equal(put(s, sim_disk_write, 200, 1, 0x88), 0);
    assert_int_equal(store_byte(sim_disk_secondary(s), 200), 0x88);
    assert_int_equal(sim_store_count(sim_disk_active(s)), 0);
    expect_top(s, 200, 1, 0x88);
}

static void free_during_commit_cancels_its_events(void **state)
{
    World *w = *state;

    busy_secondary(w);
    assert_null(stop(w, true));
    assert_int_equal(sim_clock_pending(w->clock), 1);
    sim_disk_free(w->s);
    w->s = NULL;
    assert_int_equal(sim_clock_pending(w->clock), 0);
    assert_int_equal(w->commit_calls, 0);
}

/* ---- faults ------------------------------------------------------------------ */

static void commit_fault_ends_in_failover_failed(void **state)
{
    World *w = *state;
    SimDiskConfig cfg = config(w, SIM_DISK_SECONDARY);
    SimDisk *s;

    cfg.commit_sectors_per_tick = 4;
    s = make(w, &cfg);
    assert_int_equal(put(s, sim_disk_receive, 0, SECTORS, 0x11), 0);
    assert_null(start(w, REPLICATION_MODE_SECONDARY));
    assert_int_equal(put(s, sim_disk_write, 0, 10, 0x33), 0);
    assert_null(stop(w, true));
    assert_int_equal(sim_clock_step(w->clock), 1);
    arm(w, s, SIM_DISK_POINT_COMMIT, SIM_FAULT_ONCE);
    run_commit(w);
    assert_int_equal(sim_disk_stage(s), SIM_DISK_STAGE_FAILOVER_FAILED);
    assert_int_equal(w->commit_calls, 1);
    assert_int_equal(w->commit_result, -EIO);
    assert_int_equal(sim_clock_pending(w->clock), 0);
    assert_string_equal(get_error(w), "I/O error occurred");
    /* Half-committed, and the view is whole. */
    assert_int_equal(sim_store_count(sim_disk_active(s)), 6);
    expect_top(s, 0, 10, 0x33);
    expect_top(s, 10, SECTORS - 10, 0x11);
}

static void failover_failed_refuses_requests(void **state)
{
    World *w = *state;
    SimDisk *s = busy_secondary(w);

    arm(w, s, SIM_DISK_POINT_COMMIT, SIM_FAULT_ALWAYS);
    assert_null(stop(w, true));
    run_commit(w);
    assert_int_equal(sim_disk_stage(s), SIM_DISK_STAGE_FAILOVER_FAILED);
    assert_string_equal(start(w, REPLICATION_MODE_SECONDARY),
                        "Block replication is running or done");
    assert_string_equal(stop(w, true), "Block replication is not running");
    assert_string_equal(checkpoint(w), "Backup job was cancelled unexpectedly");
    assert_string_equal(get_error(w), "I/O error occurred");
    assert_int_equal(sim_disk_counters(s)->ignored, 0);
}

/* Upstream: after a failed commit, sectors active or hidden hold are
 * written to active, the others straight to the secondary disk. */
static void failover_failed_writes_follow_allocation(void **state)
{
    World *w = *state;
    SimDisk *s = busy_secondary(w);     /* active: 4-11, hidden: 0-7 */

    arm(w, s, SIM_DISK_POINT_COMMIT, SIM_FAULT_ONCE);
    assert_null(stop(w, true));
    run_commit(w);
    assert_int_equal(put(s, sim_disk_write, 0, 16, 0x99), 0);
    for (uint64_t i = 0; i < 12; i++) {
        assert_int_equal(store_byte(sim_disk_active(s), i), 0x99);
    }
    assert_int_equal(store_byte(sim_disk_secondary(s), 5), 0x22);
    for (uint64_t i = 12; i < 16; i++) {
        assert_int_equal(store_byte(sim_disk_active(s), i), -1);
        assert_int_equal(store_byte(sim_disk_secondary(s), i), 0x99);
    }
    expect_top(s, 0, 16, 0x99);
}

static void backup_fault_cancels_job_and_fails_checkpoint(void **state)
{
    World *w = *state;
    SimDisk *s = secondary(w);

    assert_int_equal(put(s, sim_disk_receive, 0, SECTORS, 0x11), 0);
    assert_null(start(w, REPLICATION_MODE_SECONDARY));
    arm(w, s, SIM_DISK_POINT_BACKUP, SIM_FAULT_ONCE);
    assert_int_equal(put(s, sim_disk_receive, 0, 2, 0x22), 0);
    assert_false(sim_disk_backup_running(s));
    assert_string_equal(get_error(w), "I/O error occurred");
    assert_string_equal(checkpoint(w), "Backup job was cancelled unexpectedly");
    assert_int_equal(sim_disk_stage(s), SIM_DISK_STAGE_RUNNING);
    /* Stop with failover still commits; no job is left to cancel. */
    assert_null(stop(w, true));
    run_commit(w);
    assert_int_equal(sim_disk_stage(s), SIM_DISK_STAGE_DONE);
}

/* The chosen model: the job dies before copying, so the write that hit
 * the fault, and every later one, lands without a pre-image; the view
 * then shows primary data the secondary VM never saw, which is why
 * get_error and the checkpoint report it. */
static void backup_fault_loses_preimages_from_then_on(void **state)
{
    World *w = *state;
    SimDisk *s = secondary(w);

    assert_int_equal(put(s, sim_disk_receive, 0, SECTORS, 0x11), 0);
    assert_null(start(w, REPLICATION_MODE_SECONDARY));
    assert_int_equal(put(s, sim_disk_receive, 0, 1, 0x22), 0);
    arm(w, s, SIM_DISK_POINT_BACKUP, SIM_FAULT_ONCE);
    assert_int_equal(put(s, sim_disk_receive, 1, 1, 0x22), 0);
    assert_int_equal(put(s, sim_disk_receive, 2, 1, 0x22), 0);
    assert_int_equal(sim_store_count(sim_disk_hidden(s)), 1);
    expect_top(s, 0, 1, 0x11);
    expect_top(s, 1, 2, 0x22);
    assert_int_equal(sim_faults_find(w->faults, "disk/s0/backup")->armed_hits, 1);
    assert_int_equal(sim_faults_find(w->faults, "disk/s0/backup")->fires, 1);
}

static void read_fault_is_eio_at_the_call(void **state)
{
    World *w = *state;
    SimDisk *s = secondary(w);

    assert_null(start(w, REPLICATION_MODE_SECONDARY));
    arm(w, s, SIM_DISK_POINT_READ, SIM_FAULT_ONCE);
    assert_int_equal(sim_disk_read(s, 0, 1, iobuf), -EIO);
    assert_int_equal(sim_disk_read(s, 0, 1, iobuf), 0);
    assert_null(get_error(w));
}

static void write_fault_is_eio_at_the_call(void **state)
{
    World *w = *state;
    SimDisk *s = secondary(w);

    assert_null(start(w, REPLICATION_MODE_SECONDARY));
    arm(w, s, SIM_DISK_POINT_WRITE, SIM_FAULT_ONCE);
    assert_int_equal(put(s, sim_disk_write, 0, 1, 0x33), -EIO);
    assert_int_equal(sim_store_count(sim_disk_active(s)), 0);
    assert_int_equal(put(s, sim_disk_write, 0, 1, 0x33), 0);
    assert_null(get_error(w));
}

static void write_fault_on_receive_is_eio(void **state)
{
    World *w = *state;
    SimDisk *s = secondary(w);

    assert_null(start(w, REPLICATION_MODE_SECONDARY));
    arm(w, s, SIM_DISK_POINT_WRITE, SIM_FAULT_ONCE);
    assert_int_equal(put(s, sim_disk_receive, 0, 1, 0x22), -EIO);
    assert_int_equal(sim_store_count(sim_disk_secondary(s)), 0);
    assert_int_equal(sim_store_count(sim_disk_hidden(s)), 0);
}

static void primary_write_fault_is_swallowed_and_reported(void **state)
{
    World *w = *state;
    SimDisk *p = primary(w);

    assert_null(start(w, REPLICATION_MODE_PRIMARY));
    arm(w, p, SIM_DISK_POINT_WRITE, SIM_FAULT_ONCE);
    assert_int_equal(put(p, sim_disk_write, 3, 1, 0x22), 0);
    assert_int_equal(store_byte(sim_disk_local(p), 3), 0x22);
    assert_int_equal(sim_store_count(w->link), 0);
    assert_int_equal(sim_disk_error(p), -EIO);
    assert_string_equal(get_error(w), "I/O error occurred");
}

/* ---- trace --------------------------------------------------------------- */

static void calls_and_stage_changes_are_traced(void **state)
{
    World *w = *state;

    secondary(w);
    assert_string_equal(sim_trace_recent(&w->trace, 0, recent_line),
                        "0 sn disk/s0 new role=secondary size_sectors=256");
    assert_null(start(w, REPLICATION_MODE_SECONDARY));
    assert_string_equal(sim_trace_recent(&w->trace, 1, recent_line),
                        "0 sn disk/s0 stage none->running");
    assert_string_equal(sim_trace_recent(&w->trace, 0, recent_line),
                        "0 sn disk/s0 start mode=1 stage=running ok");
    assert_int_equal(put(w->s, sim_disk_write, 9, 2, 0x33), 0);
    assert_string_equal(sim_trace_recent(&w->trace, 0, recent_line),
                        "0 sn disk/s0 write sector=9 count=2 rc=0");
    assert_null(checkpoint(w));
    assert_null(stop(w, true));
    run_commit(w);
    assert_string_equal(sim_trace_recent(&w->trace, 0, recent_line),
                        "1 sn disk/s0 stage failover->done");
}

/* One scripted run of a primary and a secondary; returns the trace hash. */
static uint64_t scripted_run_hash(World *w)
{
    SimDisk *s = busy_secondary(w);

    assert_int_equal(put(s, sim_disk_receive, 40, 3, 0x44), 0);
    assert_null(checkpoint(w));
    assert_int_equal(put(s, sim_disk_write, 41, 3, 0x55), 0);
    assert_null(stop(w, true));
    run_commit(w);
    sim_disk_free(s);
    w->s = NULL;
    return sim_trace_hash(&w->trace);
}

static void same_operations_give_same_trace(void **state)
{
    uint64_t first = scripted_run_hash(*state);
    World *w;

    /* A fresh world (one SimFaults may exist at a time: release first). */
    world_teardown(state);
    world_setup(state);
    w = *state;
    assert_int_not_equal(sim_trace_hash(&w->trace), first);     /* it hashed the run */
    assert_int_equal(scripted_run_hash(w), first);
}

int main(void)
{
#define DISK(name) cmocka_unit_test_setup_teardown(name, world_setup, world_teardown)
    const struct CMUnitTest tests[] = {
        DISK(disk_new_rejects_bad_config),
        DISK(disk_new_registers_state_and_free_removes_it),
        DISK(disk_registers_fault_points_by_role),
        DISK(disk_recreated_with_same_name_reuses_points),
        DISK(unregistered_disk_is_not_walked),
        DISK(walks_reach_disks_newest_first_until_first_error),
        DISK(start_with_other_mode_names_both),
        DISK(start_with_out_of_range_mode_is_invalid),
        DISK(start_twice_is_running_or_done),
        DISK(get_error_before_start_is_not_running),
        DISK(stop_before_start_is_not_running),
        DISK(primary_checkpoint_before_start_succeeds),
        DISK(secondary_checkpoint_before_start_finds_no_backup_job),
        DISK(primary_stop_is_done_and_later_requests_are_ignored),
        DISK(secondary_stop_without_failover_finds_no_backup_job),
        DISK(secondary_failover_reports_io_error_until_commit_ends),
        DISK(requests_during_commit_are_ignored),
        DISK(io_before_start_is_eio),
        DISK(io_outside_limits_is_einval),
        DISK(primary_read_fails_while_running),
        DISK(primary_write_lands_locally_and_is_forwarded),
        DISK(primary_forward_error_is_swallowed_and_reported),
        DISK(primary_stop_clears_recorded_error),
        DISK(primary_write_after_stop_stays_local),
        DISK(receive_before_start_lands_without_preimage),
        DISK(receive_copies_preimage_before_first_overwrite),
        DISK(second_receive_keeps_first_preimage),
        DISK(preimage_of_unwritten_sector_is_written_zeros),
        DISK(secondary_write_goes_to_active_only),
        DISK(top_read_prefers_active_then_hidden_then_disk),
        DISK(checkpoint_empties_overlays_and_rearms_preimages),
        DISK(receive_after_stop_is_eio),
        DISK(receive_on_primary_is_einval),
        DISK(image_limit_is_enospc_at_the_call),
        DISK(commit_takes_ticks_at_configured_speed),
        DISK(commit_writes_active_over_hidden_into_disk),
        DISK(empty_commit_still_takes_a_tick),
        DISK(write_during_commit_is_committed),
        DISK(writes_after_commit_go_to_secondary_disk),
        DISK(free_during_commit_cancels_its_events),
        DISK(commit_fault_ends_in_failover_failed),
        DISK(failover_failed_refuses_requests),
        DISK(failover_failed_writes_follow_allocation),
        DISK(backup_fault_cancels_job_and_fails_checkpoint),
        DISK(backup_fault_loses_preimages_from_then_on),
        DISK(read_fault_is_eio_at_the_call),
        DISK(write_fault_is_eio_at_the_call),
        DISK(write_fault_on_receive_is_eio),
        DISK(primary_write_fault_is_swallowed_and_reported),
        DISK(calls_and_stage_changes_are_traced),
        DISK(same_operations_give_same_trace),
    };
#undef STORE
#undef DISK

    return cmocka_run_group_tests_name("disk", tests, NULL, NULL);
}
