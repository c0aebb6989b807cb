/* disk.c: SimDisk (disk.h): the stages and ReplicationOps of upstream's
 * block replication driver over SimStore images, and the failover commit
 * as clock events.  Touches only its own images, events and state.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "disk.h"
#include "fault.h"
#include "host.h"
#include "host_registry.h"
#include "probe.h"

#define MSG_MAX 160

struct SimDisk {
    char name[SIM_DISK_NAME_MAX + 1];
    char node[SIM_DISK_NAME_MAX + 1];
    char points[SIM_DISK_POINT__COUNT][SIM_FAULT_NAME_MAX];
    SimFaultRef refs[SIM_DISK_POINT__COUNT];    /* the role's points, for their hits */
    SimDiskRole role;
    SimDiskStage stage;
    uint64_t stage_tick;        /* when it entered the stage */
    int error;                  /* upstream's s->error: recorded I/O error */
    bool backup_running;        /* upstream's s->backup_job != NULL */
    bool safe_failover;         /* SimDiskConfig.safe_failover */
    bool committed;             /* the commit completed: top is the disk */
    bool faults_on;             /* points registered: SIM_FAULT may be hit */
    uint64_t size_sectors;
    uint32_t max_io_sectors;
    uint32_t commit_sectors_per_tick;
    ReplicationState *rs;
    SimClock *clock;
    SimTrace *trace;
    SimDiskForwardFn *forward;
    void *forward_ctx;
    SimDiskCommitDoneFn *commit_done;
    void *commit_ctx;
    SimStore *local;            /* primary */
    SimStore *disk;             /* secondary: the secondary disk */
    SimStore *hidden;
    SimStore *active;
    uint64_t *order;            /* commit pass: sectors still to commit */
    size_t order_len;
    size_t order_pos;
    SimDiskCounters counters;
};


static const char *const stage_names[] = {
    [SIM_DISK_STAGE_NONE] = "none",
    [SIM_DISK_STAGE_RUNNING] = "running",
    [SIM_DISK_STAGE_FAILOVER] = "failover",
    [SIM_DISK_STAGE_FAILOVER_FAILED] = "failover_failed",
    [SIM_DISK_STAGE_DONE] = "done",
};

const SimFaultTemplate sim_disk_templates[SIM_DISK_POINT__COUNT] = {
    [SIM_DISK_POINT_READ] = {
        "disk/<disk>/read", "a read of the disk's images fails with -EIO" },
    [SIM_DISK_POINT_WRITE] = {
        "disk/<disk>/write", "a write to the disk's images fails with -EIO "
                             "(on a primary: swallowed, reported by get_error)" },
    [SIM_DISK_POINT_BACKUP] = {
        "disk/<disk>/backup", "the copy-before-write of a forwarded write into the "
                              "hidden disk fails: the backup job is cancelled" },
    [SIM_DISK_POINT_COMMIT] = {
        "disk/<disk>/commit", "one step of the failover commit fails: the stage "
                              "becomes FAILOVER_FAILED" },
};

int sim_disk_point_name(char *buf, size_t len, const char *disk,
                        SimDiskPoint point)
{
    SIM_CHECK_OP((unsigned)point, <, SIM_DISK_POINT__COUNT);
    return sim_fault_name(buf, len, &sim_disk_templates[point], disk);
}

bool sim_disk_role_has_point(SimDiskRole role, SimDiskPoint point)
{
    return role == SIM_DISK_SECONDARY || point == SIM_DISK_POINT_WRITE;
}

static const char *const event_names[SIM_DISK_EV__COUNT] = {
    [SIM_DISK_EV_NEW] = "new", [SIM_DISK_EV_UNREGISTER] = "unregister",
    [SIM_DISK_EV_STAGE] = "stage", [SIM_DISK_EV_FAULT] = "fault",
    [SIM_DISK_EV_READ] = "read", [SIM_DISK_EV_WRITE] = "write",
    [SIM_DISK_EV_RECEIVE] = "receive", [SIM_DISK_EV_ERROR_RECORDED] = "error_recorded",
    [SIM_DISK_EV_BACKUP_CANCELLED] = "backup_cancelled",
    [SIM_DISK_EV_COMMIT_FAILED] = "commit_failed", [SIM_DISK_EV_COMMIT_STEP] = "commit_step",
    [SIM_DISK_EV_START] = "start", [SIM_DISK_EV_STOP] = "stop",
    [SIM_DISK_EV_CHECKPOINT] = "checkpoint", [SIM_DISK_EV_GET_ERROR] = "get_error",
};

static void trace(SimDisk *d, SimDiskEvent ev, const SimTraceField *f, unsigned n)
{
    if (d->trace != NULL) {
        sim_trace_emit(d->trace, &(SimTraceEvent){
            .tick = sim_clock_now(d->clock), .node = d->node, .comp = SIM_COMP_DISK,
            .object = d->name, .kind = (int)ev, .name = event_names[ev],
            .field = f, .nfields = n });
    }
}

static SimTraceField stage_field(const char *key, SimDiskStage stage, unsigned flags)
{
    return sim_tf_flags(sim_tf_word(key, stage, stage_names[stage]), flags);
}

static void set_stage(SimDisk *d, SimDiskStage stage)
{
    trace(d, SIM_DISK_EV_STAGE, SIM_TRACE_FIELDS(stage_field("from", d->stage, SIM_TF_BARE),
                                                 sim_tf_flags(sim_tf_text("->"), SIM_TF_GLUED),
                                                 stage_field(SIM_DISK_F_STAGE_TO, stage,
                                                             SIM_TF_BARE | SIM_TF_GLUED)));
    d->stage = stage;
    d->stage_tick = sim_clock_now(d->clock);
}

/* A hit of one of this disk's points; never hit without a SimFaults. */
static bool fires(SimDisk *d, SimDiskPoint point)
{
    bool fire;

    if (!d->faults_on) {
        return false;
    }
    SIM_CHECK_OP(sim_disk_role_has_point(d->role, point), ==, true);
    fire = SIM_FAULT_AT(&d->refs[point]);
    if (fire) {
        sim_probe_hit(d->role == SIM_DISK_PRIMARY ? SIM_PROBE_DISK_FAULT_PRIMARY
                                                  : SIM_PROBE_DISK_FAULT_SECONDARY);
        trace(d, SIM_DISK_EV_FAULT,
              SIM_TRACE_FIELDS(sim_tf_flags(sim_tf_str(SIM_DISK_F_POINT, d->points[point]),
                                            SIM_TF_BARE)));
    }
    return fire;
}

static bool after_failover(const SimDisk *d)
{
    return d->stage == SIM_DISK_STAGE_FAILOVER
           || d->stage == SIM_DISK_STAGE_DONE;
}

/* ---- Creation -------------------------------------------------------- */

static bool name_ok(const char *name)
{
    size_t len = name ? strnlen(name, SIM_DISK_NAME_MAX + 1) : 0;

    return len > 0 && len <= SIM_DISK_NAME_MAX
           && strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                           "0123456789_.-") == len;
}

static int check_config(const SimDiskConfig *c, char *err, size_t errlen)
{
    const char *n = c->name ? c->name : "(null)";

    if (!name_ok(c->name)) {
        return sim_fail(err, errlen, -EINVAL, "disk '%s': name must be 1 to %d of "
                        "[A-Za-z0-9_.-]", n, SIM_DISK_NAME_MAX);
    }
    if (c->node != NULL && strlen(c->node) > SIM_DISK_NAME_MAX) {
        return sim_fail(err, errlen, -EINVAL, "disk '%s': node name longer than %d", n,
                        SIM_DISK_NAME_MAX);
    }
    if (c->role != SIM_DISK_PRIMARY && c->role != SIM_DISK_SECONDARY) {
        return sim_fail(err, errlen, -EINVAL, "disk '%s': role %d is neither primary nor "
                        "secondary", n, (int)c->role);
    }
    if (c->size_sectors == 0 || c->size_sectors > SIM_STORE_MAX_SIZE_SECTORS) {
        return sim_fail(err, errlen, -EINVAL, "disk '%s': size_sectors %llu is not in 1..%llu",
                        n, (unsigned long long)c->size_sectors,
                        (unsigned long long)SIM_STORE_MAX_SIZE_SECTORS);
    }
    if (c->registry == NULL || c->clock == NULL) {
        return sim_fail(err, errlen, -EINVAL, "disk '%s': needs a registry and a clock", n);
    }
    if (c->role == SIM_DISK_PRIMARY && c->forward == NULL) {
        return sim_fail(err, errlen, -EINVAL, "disk '%s': a primary needs a forward function",
                        n);
    }
    if (c->commit_sectors_per_tick > SIM_DISK_COMMIT_MAX_SECTORS_PER_TICK) {
        return sim_fail(err, errlen, -EINVAL, "disk '%s': commit_sectors_per_tick %u is above %u",
                        n, (unsigned)c->commit_sectors_per_tick,
                        (unsigned)SIM_DISK_COMMIT_MAX_SECTORS_PER_TICK);
    }
    return 0;
}

static void fill(SimDisk *d, const SimDiskConfig *c)
{
    snprintf(d->name, sizeof(d->name), "%s", c->name);
    snprintf(d->node, sizeof(d->node), "%s", c->node ? c->node : "-");
    for (int p = 0; p < SIM_DISK_POINT__COUNT; p++) {
        int rc = sim_disk_point_name(d->points[p], sizeof(d->points[p]), c->name,
                                     (SimDiskPoint)p);

        SIM_CHECK_OP(rc, ==, 0);    /* check_config bounded the name */
    }
    d->role = c->role;
    d->safe_failover = c->safe_failover;
    d->stage = SIM_DISK_STAGE_NONE;
    d->size_sectors = c->size_sectors;
    d->max_io_sectors = c->max_io_sectors == 0
                        || c->max_io_sectors > SIM_DISK_MAX_IO_SECTORS
                        ? SIM_DISK_MAX_IO_SECTORS : c->max_io_sectors;
    d->commit_sectors_per_tick = c->commit_sectors_per_tick
                                 ? c->commit_sectors_per_tick
                                 : SIM_DISK_COMMIT_SECTORS_PER_TICK;
    d->clock = c->clock;
    d->trace = c->trace;
    d->forward = c->forward;
    d->forward_ctx = c->forward_ctx;
    d->commit_done = c->commit_done;
    d->commit_ctx = c->commit_ctx;
}

static int make_images(SimDisk *d, uint64_t max_blocks)
{
    if (d->role == SIM_DISK_PRIMARY) {
        d->local = sim_store_new(d->size_sectors, max_blocks);
        return d->local ? 0 : -ENOMEM;
    }
    d->disk = sim_store_new(d->size_sectors, max_blocks);
    d->hidden = sim_store_new(d->size_sectors, max_blocks);
    d->active = sim_store_new(d->size_sectors, max_blocks);
    return d->disk && d->hidden && d->active ? 0 : -ENOMEM;
}

/* A primary's only point is its forwarding (WRITE); see SimDiskPoint. */
static int register_points(SimDisk *d, SimFaults *faults, char *err,
                           size_t errlen)
{
    for (int p = 0; faults != NULL && p < SIM_DISK_POINT__COUNT; p++) {
        int rc;

        if (!sim_disk_role_has_point(d->role, (SimDiskPoint)p)) {
            continue;
        }
        rc = sim_faults_add(faults, &sim_disk_templates[p], d->name);
        if (rc < 0 && rc != -EEXIST) {
            return sim_fail(err, errlen, rc, "disk '%s': cannot register fault point "
                            "'%s': %s", d->name, d->points[p], strerror(-rc));
        }
        rc = sim_faults_ref(faults, d->points[p], &d->refs[p]);
        SIM_CHECK_OP(rc, ==, 0);
    }
    d->faults_on = faults != NULL;
    return 0;
}

static ReplicationOps disk_ops;

/* The tail of sim_disk_new and sim_disk_renew, on a filled d with its
 * images: its fault points, its state in the registry, its trace.  0, or
 * an error said in err (d is then the caller's to free or drop). */
static int enroll(SimDisk *d, const SimDiskConfig *cfg, char *err, size_t errlen)
{
    SimHostMark mark;
    int rc = register_points(d, cfg->faults, err, errlen);

    if (rc < 0) {
        return rc;
    }
    mark = sim_host_mark();
    d->rs = replication_new_in(cfg->registry, d, &disk_ops);
    if (d->rs == NULL) {
        sim_host_registry_oom(mark, "disk: its state (registry under test)");
        return sim_fail(err, errlen, -ENOMEM, "disk '%s': cannot register in the replication "
                        "registry: out of memory", cfg->name);
    }
    trace(d, SIM_DISK_EV_NEW,
          SIM_TRACE_FIELDS(sim_tf_word("role", d->role,
                                       d->role == SIM_DISK_PRIMARY ? "primary" : "secondary"),
                           sim_tf_u64("size_sectors", d->size_sectors)));
    return 0;
}

int sim_disk_new(const SimDiskConfig *cfg, SimDisk **out, char *err, size_t errlen)
{
    SimDisk *d;
    int rc;

    SIM_CHECK(out != NULL);
    *out = NULL;
    if (cfg == NULL) {
        return sim_fail(err, errlen, -EINVAL, "disk '(null)': no config");
    }
    rc = check_config(cfg, err, errlen);
    if (rc < 0) {
        return rc;
    }
    d = sim_host_calloc(1, sizeof(*d), "disk: a disk");
    if (d == NULL) {
        return sim_fail(err, errlen, -ENOMEM, "disk '%s': out of memory", cfg->name);
    }
    fill(d, cfg);
    rc = make_images(d, cfg->max_written_sectors);
    if (rc < 0) {
        sim_fail(err, errlen, rc, "disk '%s': out of memory for the images", cfg->name);
        goto fail;
    }
    rc = enroll(d, cfg, err, errlen);
    if (rc < 0) {
        goto fail;
    }
    *out = d;
    return 0;
fail:
    sim_disk_free(d);
    return rc;
}

void sim_disk_unregister(SimDisk *d)
{
    if (d->rs != NULL) {
        replication_remove(d->rs);
        d->rs = NULL;
        trace(d, SIM_DISK_EV_UNREGISTER, SIM_TRACE_FIELDS(stage_field("stage", d->stage, 0)));
    }
}

void sim_disk_free(SimDisk *d)
{
    if (d == NULL) {
        return;
    }
    sim_disk_unregister(d);
    sim_clock_cancel(d->clock, d);
    sim_store_free(d->local);
    sim_store_free(d->disk);
    sim_store_free(d->hidden);
    sim_store_free(d->active);
    free(d->order);
    free(d);
}

/* ---- I/O --------------------------------------------------------------- */

static bool io_ok(const SimDisk *d, uint64_t sector, uint32_t count,
                  const void *buf)
{
    return buf != NULL && count > 0 && count <= d->max_io_sectors
           && sector < d->size_sectors && count <= d->size_sectors - sector;
}

/* Count the call's outcome and trace it; returns rc. */
static int io_done(SimDisk *d, SimDiskEvent ev, uint64_t sector,
                   uint32_t count, int rc)
{
    d->counters.io_errors += rc < 0;
    trace(d, ev, SIM_TRACE_FIELDS(sim_tf_u64("sector", sector), sim_tf_u64("count", count),
                                  sim_tf_i64("rc", rc)));
    return rc;
}

/* Secondary view: active, else hidden, else the secondary disk. */
static void read_view(const SimDisk *d, uint64_t sector, uint32_t count,
                      uint8_t *buf)
{
    static const uint8_t zeros[SIM_SECTOR_SIZE];

    for (uint32_t i = 0; i < count; i++) {
        const uint8_t *data = sim_store_peek(d->active, sector + i);

        if (data == NULL) {
            data = sim_store_peek(d->hidden, sector + i);
        }
        if (data == NULL) {
            data = sim_store_peek(d->disk, sector + i);
        }
        memcpy(buf + (size_t)i * SIM_SECTOR_SIZE, data ? data : zeros,
               SIM_SECTOR_SIZE);
    }
}

int sim_disk_read(SimDisk *d, uint64_t sector, uint32_t count, uint8_t *buf)
{
    int rc = 0;

    d->counters.reads++;
    if (!io_ok(d, sector, count, buf)) {
        rc = -EINVAL;
    } else if (d->role == SIM_DISK_PRIMARY) {
        rc = -EIO;      /* upstream: the primary filter only forwards writes */
    } else if (d->stage == SIM_DISK_STAGE_NONE) {
        rc = -EIO;
    } else if (fires(d, SIM_DISK_POINT_READ)) {
        rc = -EIO;
    } else {
        read_view(d, sector, count, buf);
    }
    return io_done(d, SIM_DISK_EV_READ, sector, count, rc);
}

/* Upstream's replication_return_value for a primary: keep the error. */
static void swallow(SimDisk *d, int rc, const char *why)
{
    d->error = rc;
    d->counters.swallowed++;
    sim_probe_hit(SIM_PROBE_DISK_ERROR_RECORDED);
    trace(d, SIM_DISK_EV_ERROR_RECORDED,
          SIM_TRACE_FIELDS(sim_tf_flags(sim_tf_str("why", why), SIM_TF_BARE), sim_tf_i64("rc", rc)));
}

static int primary_write(SimDisk *d, uint64_t sector, uint32_t count,
                         const uint8_t *data)
{
    int rc;

    if (d->stage == SIM_DISK_STAGE_NONE) {
        return -EIO;
    }
    rc = sim_store_write(d->local, sector, count, data);
    if (rc < 0 || d->stage == SIM_DISK_STAGE_DONE) {
        return rc;
    }
    SIM_CHECK_OP(d->stage, ==, SIM_DISK_STAGE_RUNNING);
    if (fires(d, SIM_DISK_POINT_WRITE)) {
        swallow(d, -EIO, "forward fault");
        return 0;
    }
    d->counters.forwarded++;
    rc = d->forward(d->forward_ctx, sector, count, data);
    if (rc < 0) {
        swallow(d, rc, "forward");
    }
    return 0;
}

/* FAILOVER_FAILED: sectors that active or hidden holds go to active, the
 * rest to the secondary disk, in runs of the same target. */
static int write_split(SimDisk *d, uint64_t sector, uint32_t count,
                       const uint8_t *data)
{
    uint32_t start = 0;

    while (start < count) {
        uint64_t s = sector + start;
        bool upper = sim_store_has(d->active, s) || sim_store_has(d->hidden, s);
        uint32_t end = start + 1;
        int rc;

        while (end < count
               && (sim_store_has(d->active, sector + end)
                   || sim_store_has(d->hidden, sector + end)) == upper) {
            end++;
        }
        rc = sim_store_write(upper ? d->active : d->disk, s, end - start,
                             data + (size_t)start * SIM_SECTOR_SIZE);
        if (rc < 0) {
            return rc;
        }
        start = end;
    }
    return 0;
}

static int secondary_write(SimDisk *d, uint64_t sector, uint32_t count,
                           const uint8_t *data)
{
    if (d->stage == SIM_DISK_STAGE_NONE) {
        return -EIO;
    }
    if (fires(d, SIM_DISK_POINT_WRITE)) {
        return -EIO;
    }
    if (d->stage == SIM_DISK_STAGE_FAILOVER_FAILED) {
        return write_split(d, sector, count, data);
    }
    if (d->stage == SIM_DISK_STAGE_DONE && d->committed) {
        return sim_store_write(d->disk, sector, count, data);
    }
    return sim_store_write(d->active, sector, count, data);
}

int sim_disk_write(SimDisk *d, uint64_t sector, uint32_t count,
                   const uint8_t *data)
{
    int rc;

    d->counters.writes++;
    if (!io_ok(d, sector, count, data)) {
        rc = -EINVAL;
    } else if (d->role == SIM_DISK_PRIMARY) {
        rc = primary_write(d, sector, count, data);
    } else {
        rc = secondary_write(d, sector, count, data);
    }
    return io_done(d, SIM_DISK_EV_WRITE, sector, count, rc);
}

/* upstream's backup_job_completed outside FAILOVER: the job is gone and
 * that is an I/O error for get_error. */
static void cancel_backup(SimDisk *d, const char *why)
{
    SIM_CHECK_OP(d->backup_running, ==, true);
    d->backup_running = false;
    if (d->stage != SIM_DISK_STAGE_FAILOVER) {
        d->error = -EIO;
    }
    sim_probe_hit(SIM_PROBE_DISK_BACKUP_CANCELLED);
    trace(d, SIM_DISK_EV_BACKUP_CANCELLED,
          SIM_TRACE_FIELDS(sim_tf_flags(sim_tf_str("why", why), SIM_TF_BARE),
                           sim_tf_i64("error", d->error)));
}

/* Copy-before-write: the old content of each sector not yet in hidden.
 * A fired backup point cancels the job first; nothing is copied then. */
static int copy_before_write(SimDisk *d, uint64_t sector, uint32_t count)
{
    uint32_t first = count, copied;
    int rc;

    for (uint32_t i = 0; i < count && first == count; i++) {
        first = sim_store_has(d->hidden, sector + i) ? count : i;
    }
    if (first == count) {
        return 0;
    }
    if (fires(d, SIM_DISK_POINT_BACKUP)) {
        cancel_backup(d, "backup fault");
        return 0;
    }
    rc = sim_store_backup(d->hidden, d->disk, sector + first, count - first, &copied);
    d->counters.preimages += copied;
    return rc;
}

int sim_disk_receive(SimDisk *d, uint64_t sector, uint32_t count,
                     const uint8_t *data)
{
    int rc = 0;

    d->counters.receives++;
    if (!io_ok(d, sector, count, data) || d->role != SIM_DISK_SECONDARY) {
        rc = -EINVAL;
    } else if (d->stage != SIM_DISK_STAGE_NONE
               && d->stage != SIM_DISK_STAGE_RUNNING) {
        rc = -EIO;
    } else if (fires(d, SIM_DISK_POINT_WRITE)) {
        rc = -EIO;
    } else {
        if (d->backup_running) {
            rc = copy_before_write(d, sector, count);
        }
        if (rc == 0) {
            rc = sim_store_write(d->disk, sector, count, data);
        }
    }
    return io_done(d, SIM_DISK_EV_RECEIVE, sector, count, rc);
}

/* ---- The failover commit ------------------------------------------------ */

static void commit_end(SimDisk *d, int result, const char *why)
{
    free(d->order);
    d->order = NULL;
    d->order_len = d->order_pos = 0;
    if (result == 0) {
        SIM_CHECK_OP(sim_store_count(d->active) + sim_store_count(d->hidden), ==, 0);
        d->committed = true;
        d->error = 0;
        set_stage(d, SIM_DISK_STAGE_DONE);
    } else {
        d->error = -EIO;
        sim_probe_hit(SIM_PROBE_FAILOVER_COMMIT_FAILED);
        trace(d, SIM_DISK_EV_COMMIT_FAILED,
              SIM_TRACE_FIELDS(sim_tf_flags(sim_tf_str("why", why), SIM_TF_BARE)));
        set_stage(d, SIM_DISK_STAGE_FAILOVER_FAILED);
    }
    if (d->commit_done != NULL) {
        d->commit_done(d->commit_ctx, d, result);
    }
}

/* The next pass: every sector active or hidden holds, ascending. */
static int commit_plan(SimDisk *d)
{
    uint64_t *a, *h;
    size_t na, nh, i = 0, j = 0, n = 0;
    int rc = sim_store_sorted_sectors(d->active, &a, &na);

    if (rc == 0 && (rc = sim_store_sorted_sectors(d->hidden, &h, &nh)) < 0) {
        free(a);
    }
    if (rc < 0) {
        return rc;
    }
    free(d->order);
    d->order = na + nh ? sim_host_malloc((na + nh) * sizeof(*d->order), "disk: commit order")
                       : NULL;
    if (na + nh > 0 && d->order == NULL) {
        rc = -ENOMEM;
    }
    while (rc == 0 && (i < na || j < nh)) {
        uint64_t s = j == nh || (i < na && a[i] <= h[j]) ? a[i] : h[j];

        i += i < na && a[i] == s;
        j += j < nh && h[j] == s;
        d->order[n++] = s;
    }
    d->order_len = n;
    d->order_pos = 0;
    free(a);
    free(h);
    return rc;
}

/* Move one sector of the view into the secondary disk; the view is
 * unchanged, the overlays lose the sector.  1 when moved, 0 when neither
 * overlay holds it, < 0 when the secondary disk refuses the write. */
static int commit_sector(SimDisk *d, uint64_t sector)
{
    const uint8_t *data = sim_store_peek(d->active, sector);
    int rc;

    if (data == NULL) {
        data = sim_store_peek(d->hidden, sector);
    }
    if (data == NULL) {
        return 0;
    }
    rc = sim_store_write(d->disk, sector, 1, data);
    if (rc < 0) {
        return rc;
    }
    sim_store_discard(d->active, sector, 1);
    sim_store_discard(d->hidden, sector, 1);
    d->counters.committed_sectors++;
    return 1;
}

static void commit_step(SimClock *clock, void *arg, uint64_t data)
{
    SimDisk *d = arg;
    uint32_t moved = 0;
    int rc = 0;

    (void)clock, (void)data;
    SIM_CHECK_OP(d->stage, ==, SIM_DISK_STAGE_FAILOVER);
    d->counters.commit_steps++;
    if (fires(d, SIM_DISK_POINT_COMMIT)) {
        commit_end(d, -EIO, "commit fault");
        return;
    }
    if (d->order_pos == d->order_len) {
        rc = commit_plan(d);
    }
    while (rc >= 0 && moved < d->commit_sectors_per_tick
           && d->order_pos < d->order_len) {
        rc = commit_sector(d, d->order[d->order_pos++]);
        moved += rc > 0;
    }
    rc = rc < 0 ? rc : 0;
    trace(d, SIM_DISK_EV_COMMIT_STEP,
          SIM_TRACE_FIELDS(sim_tf_u64("sectors", moved),
                           sim_tf_u64("left", sim_store_count(d->active)
                                              + sim_store_count(d->hidden)),
                           sim_tf_i64("rc", rc)));
    if (rc == 0 && sim_store_count(d->active) + sim_store_count(d->hidden) == 0) {
        commit_end(d, 0, NULL);
    } else if (rc < 0 || (rc = sim_clock_schedule(d->clock, 1, commit_step,
                                                  d, 0)) < 0) {
        commit_end(d, -EIO, strerror(-rc));
    }
}

/* ---- ReplicationOps ---------------------------------------------------- */

static SimDisk *disk_of(ReplicationState *rs)
{
    SimDisk *d = rs->opaque;

    SIM_CHECK_OP(d->rs, ==, rs);
    return d;
}

/* Set errp to msg (if any) and trace the request, its argument and its
 * outcome with the stage it left. */
static void answer(SimDisk *d, SimDiskEvent request, SimTraceField arg,
                   const char *msg, Error **errp)
{
    if (msg != NULL) {
        sim_host_error(errp, msg, "disk: a callback's Error (registry under test)");
    }
    trace(d, request, SIM_TRACE_FIELDS(arg, stage_field("stage", d->stage, 0),
                                       sim_tf_text(msg ? "error:" : "ok"),
                                       sim_tf_flags(sim_tf_str(SIM_DISK_F_ERROR, msg),
                                                    msg ? SIM_TF_BARE : SIM_TF_HIDDEN)));
}

static void ignored(SimDisk *d, SimDiskEvent request, SimTraceField arg)
{
    d->counters.ignored++;
    trace(d, request, SIM_TRACE_FIELDS(arg, stage_field("stage", d->stage, 0),
                                       sim_tf_text("ignored after failover"),
                                       sim_tf_flags(sim_tf_str(SIM_DISK_F_ERROR, NULL),
                                                    SIM_TF_HIDDEN)));
}

/* The argument of a request without one. */
static SimTraceField no_arg(void)
{
    return sim_tf_text("-");
}

/* Upstream's secondary_do_checkpoint: NULL or the error message. */
static const char *secondary_checkpoint(SimDisk *d)
{
    if (!d->backup_running) {
        sim_probe_hit(SIM_PROBE_CHECKPOINT_BACKUP_CANCELLED);
        return "Backup job was cancelled unexpectedly";
    }
    sim_store_empty(d->active);       /* emptied every checkpoint: memory kept */
    sim_store_empty(d->hidden);
    d->counters.checkpoints++;
    return NULL;
}

static void disk_start(ReplicationState *rs, ReplicationMode mode, Error **errp)
{
    SimDisk *d = disk_of(rs);
    char msg[MSG_MAX];
    const char *err = NULL;
    SimTraceField arg = sim_tf_i64("mode", (int)mode);

    if (after_failover(d)) {
        ignored(d, SIM_DISK_EV_START, arg);
        return;
    }
    if (d->stage != SIM_DISK_STAGE_NONE) {
        err = "Block replication is running or done";
    } else if ((int)mode != (int)d->role) {
        snprintf(msg, sizeof(msg), "The parameter mode's value is invalid, "
                 "needs %d, but got %d", (int)d->role, (int)mode);
        err = msg;
    } else {
        d->backup_running = d->role == SIM_DISK_SECONDARY;
        set_stage(d, SIM_DISK_STAGE_RUNNING);
        if (d->role == SIM_DISK_SECONDARY) {
            err = secondary_checkpoint(d);
        }
        d->error = 0;
    }
    answer(d, SIM_DISK_EV_START, arg, err, errp);
}

static void disk_checkpoint(ReplicationState *rs, Error **errp)
{
    SimDisk *d = disk_of(rs);
    const char *err = NULL;

    if (after_failover(d)) {
        ignored(d, SIM_DISK_EV_CHECKPOINT, no_arg());
        return;
    }
    /* Upstream checks no stage here: a primary always succeeds, a
     * secondary without a backup job (not started, stopped) fails. */
    if (d->role == SIM_DISK_SECONDARY) {
        err = secondary_checkpoint(d);
    }
    answer(d, SIM_DISK_EV_CHECKPOINT, no_arg(), err, errp);
}

static void disk_get_error(ReplicationState *rs, Error **errp)
{
    SimDisk *d = disk_of(rs);
    const char *err = NULL;

    if (d->stage == SIM_DISK_STAGE_NONE) {
        err = "Block replication is not running";
    } else if (d->error != 0) {
        err = "I/O error occurred";
    }
    answer(d, SIM_DISK_EV_GET_ERROR, no_arg(), err, errp);
}

/* Secondary stop.  Upstream cancels the backup job while the stage is
 * still RUNNING, so its completion records -EIO; without failover the
 * checkpoint that follows then finds no job and fails. */
static const char *secondary_stop(SimDisk *d, bool failover, char *msg,
                                  size_t len)
{
    /* Still RUNNING, so the job was started: gone now means an error
     * cancelled it and some pre-images were never copied. */
    bool rollback_incomplete = !d->backup_running;
    int rc;

    if (failover && rollback_incomplete) {
        sim_probe_hit(SIM_PROBE_FAILOVER_AFTER_BACKUP_CANCELLED);
    }
    if (failover && sim_store_count(d->active) + sim_store_count(d->hidden) > 0) {
        sim_probe_hit(SIM_PROBE_FAILOVER_PENDING_WRITES);
    }
    if (d->backup_running) {
        cancel_backup(d, "stop");
    }
    if (failover && rollback_incomplete && d->safe_failover) {
        d->error = -EIO;
        set_stage(d, SIM_DISK_STAGE_FAILOVER_FAILED);
        return "Backup job was cancelled unexpectedly: the failover cannot roll back";
    }
    if (!failover) {
        const char *err = secondary_checkpoint(d);

        set_stage(d, SIM_DISK_STAGE_DONE);
        return err;
    }
    set_stage(d, SIM_DISK_STAGE_FAILOVER);
    d->order_len = d->order_pos = 0;
    rc = sim_clock_schedule(d->clock, 1, commit_step, d, 0);
    if (rc < 0) {
        d->error = -EIO;
        set_stage(d, SIM_DISK_STAGE_FAILOVER_FAILED);
        snprintf(msg, len, "Cannot start the failover commit: %s",
                 strerror(-rc));
        return msg;
    }
    return NULL;
}

static void disk_stop(ReplicationState *rs, bool failover, Error **errp)
{
    SimDisk *d = disk_of(rs);
    SimTraceField arg = sim_tf_u64("failover", failover);
    char msg[MSG_MAX];
    const char *err = NULL;

    if (after_failover(d)) {
        ignored(d, SIM_DISK_EV_STOP, arg);
        return;
    }
    if (d->stage != SIM_DISK_STAGE_RUNNING) {
        err = "Block replication is not running";
    } else if (d->role == SIM_DISK_PRIMARY) {
        set_stage(d, SIM_DISK_STAGE_DONE);
        d->error = 0;
    } else {
        err = secondary_stop(d, failover, msg, sizeof(msg));
    }
    answer(d, SIM_DISK_EV_STOP, arg, err, errp);
}

static ReplicationOps disk_ops = {
    .start = disk_start,
    .stop = disk_stop,
    .checkpoint = disk_checkpoint,
    .get_error = disk_get_error,
};

/* ---- Getters -------------------------------------------------------------- */

SimDiskStage sim_disk_stage(const SimDisk *d)
{
    return d->stage;
}

uint64_t sim_disk_stage_since(const SimDisk *d)
{
    return d->stage_tick;
}

uint64_t sim_disk_commit_left(const SimDisk *d)
{
    return d->role == SIM_DISK_SECONDARY
           ? sim_store_count(d->active) + sim_store_count(d->hidden) : 0;
}

uint64_t sim_disk_commit_ticks(const SimDisk *d)
{
    uint64_t left = sim_disk_commit_left(d);

    return (left + d->commit_sectors_per_tick - 1) / d->commit_sectors_per_tick;
}

const char *sim_disk_stage_name(SimDiskStage stage)
{
    return (unsigned)stage <= SIM_DISK_STAGE_DONE ? stage_names[stage] : "?";
}

const char *sim_disk_name(const SimDisk *d)
{
    return d->name;
}

int sim_disk_error(const SimDisk *d)
{
    return d->error;
}

bool sim_disk_backup_running(const SimDisk *d)
{
    return d->backup_running;
}

ReplicationState *sim_disk_state(const SimDisk *d)
{
    return d->rs;
}

const SimDiskCounters *sim_disk_counters(const SimDisk *d)
{
    return &d->counters;
}

const char *sim_disk_point(const SimDisk *d, SimDiskPoint point)
{
    SIM_CHECK_OP((unsigned)point, <, SIM_DISK_POINT__COUNT);
    return d->points[point];
}

const SimStore *sim_disk_local(const SimDisk *d)
{
    return d->local;
}

const SimStore *sim_disk_secondary(const SimDisk *d)
{
    return d->disk;
}

const SimStore *sim_disk_hidden(const SimDisk *d)
{
    return d->hidden;
}

const SimStore *sim_disk_active(const SimDisk *d)
{
    return d->active;
}

/* ---- Reuse (issue 22) -------------------------------------------------- */

void sim_disk_empty(SimDisk *d)
{
    sim_disk_unregister(d);
    sim_clock_cancel(d->clock, d);
    free(d->order);
    d->order = NULL;
    for (int i = 0; i < 4; i++) {
        SimStore *img = i == 0 ? d->local : i == 1 ? d->disk : i == 2 ? d->hidden : d->active;

        if (img != NULL) {
            sim_store_clear(img);
        }
    }
}

/* Everything but the images starts from zero, as a calloc'd disk; the
 * images are emptied.  Then the tail of sim_disk_new: points, state,
 * trace. */
int sim_disk_renew(SimDisk *d, const SimDiskConfig *cfg, char *err, size_t errlen)
{
    SimStore *images[4];
    int rc;

    SIM_CHECK(d != NULL && cfg != NULL);
    if (cfg->role != d->role || cfg->size_sectors != d->size_sectors
        || cfg->max_written_sectors != 0) {
        return -EXDEV;
    }
    rc = check_config(cfg, err, errlen);
    if (rc < 0) {
        return rc;
    }
    sim_disk_empty(d);
    images[0] = d->local, images[1] = d->disk, images[2] = d->hidden, images[3] = d->active;
    memset(d, 0, sizeof(*d));
    d->local = images[0], d->disk = images[1], d->hidden = images[2], d->active = images[3];
    fill(d, cfg);
    return enroll(d, cfg, err, errlen);
}
