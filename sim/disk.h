/* disk.h: SimDisk, one node's COLO block-replication disk, modelled on
 * QEMU's block/replication.c and registered in the node's replication
 * registry through ReplicationOps.  Owns its images (SimStore), its stage,
 * its commit events on the clock and its state in the registry; never
 * touches other backends, the network or the registry's other states.
 *
 * Primary: the replication filter over the link to the secondary, plus the
 * primary's own local image.  A guest write goes to the local image and is
 * forwarded (SimDiskForwardFn); forwarding errors are swallowed, recorded,
 * and reported by get_error.  Reads through the filter always fail.
 *
 * Secondary: top -> active (the secondary VM's own writes) -> hidden
 * (copy-before-write pre-images) -> secondary disk (receives the primary's
 * forwarded writes).  Checkpoint empties hidden and active; failover
 * (stop with failover=true) commits active and hidden into the secondary
 * disk, a few sectors per tick, on the clock.
 *
 * Stages, their errors and messages follow upstream; where the model makes
 * a choice upstream does not dictate, the function's comment says so.
 */
#ifndef REPLBENCH_SIM_DISK_H
#define REPLBENCH_SIM_DISK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "clock.h"
#include "fault.h"
#include "replication.h"
#include "store.h"
#include "trace.h"

#define SIM_DISK_NAME_MAX 32                /* chars of a disk or node name */
#define SIM_DISK_COMMIT_SECTORS_PER_TICK 64 /* default commit speed */
#define SIM_DISK_COMMIT_MAX_SECTORS_PER_TICK (1u << 20)
#define SIM_DISK_MAX_IO_SECTORS (1u << 18)  /* default and largest I/O: 128 MiB */

typedef struct SimDisk SimDisk;

/* Values are upstream's ReplicationMode: a start walk's mode must equal it. */
typedef enum SimDiskRole {
    SIM_DISK_PRIMARY = REPLICATION_MODE_PRIMARY,
    SIM_DISK_SECONDARY = REPLICATION_MODE_SECONDARY,
} SimDiskRole;

/* Upstream's ReplicationStage. */
typedef enum SimDiskStage {
    SIM_DISK_STAGE_NONE,            /* not started: every I/O fails */
    SIM_DISK_STAGE_RUNNING,
    SIM_DISK_STAGE_FAILOVER,        /* secondary: the commit is running */
    SIM_DISK_STAGE_FAILOVER_FAILED, /* secondary: the commit failed */
    SIM_DISK_STAGE_DONE,
} SimDiskStage;

/* The disk's trace events (component "disk/<name>", trace.h), in the
 * order of their names' table in disk.c.  Fields: new role, size_sectors;
 * unregister stage; stage from, to; fault point; read, write and receive
 * sector, count, rc; error_recorded why, rc; backup_cancelled why, error;
 * commit_failed why; commit_step sectors, left, rc; the requests start
 * (mode), stop (failover), checkpoint and get_error: stage and the
 * outcome, "ok" or "error: " and the error (field error). */
/* Keys of the disk's event fields that readers take (sim_trace_need). */
#define SIM_DISK_F_POINT "point"            /* fault: the point's name */
#define SIM_DISK_F_STAGE_TO "to"            /* stage: the new stage (word) */
#define SIM_DISK_F_ERROR "error"            /* the requests: the Error's message,
                                               NULL for none (then hidden) */

typedef enum SimDiskEvent {
    SIM_DISK_EV_NEW, SIM_DISK_EV_UNREGISTER, SIM_DISK_EV_STAGE, SIM_DISK_EV_FAULT,
    SIM_DISK_EV_READ, SIM_DISK_EV_WRITE, SIM_DISK_EV_RECEIVE, SIM_DISK_EV_ERROR_RECORDED,
    SIM_DISK_EV_BACKUP_CANCELLED, SIM_DISK_EV_COMMIT_FAILED, SIM_DISK_EV_COMMIT_STEP,
    SIM_DISK_EV_START, SIM_DISK_EV_STOP, SIM_DISK_EV_CHECKPOINT, SIM_DISK_EV_GET_ERROR,
    SIM_DISK_EV__COUNT
} SimDiskEvent;

/* The disk's fault points, "disk/<name>/<what>".  A primary registers only
 * WRITE (its forwarding); a secondary registers all four. */
typedef enum SimDiskPoint {
    SIM_DISK_POINT_READ,            /* secondary read: -EIO at the call */
    SIM_DISK_POINT_WRITE,           /* secondary write or receive: -EIO at the
                                       call; primary: forwarding fails,
                                       swallowed and recorded */
    SIM_DISK_POINT_BACKUP,          /* a copy-before-write: the backup job is
                                       cancelled */
    SIM_DISK_POINT_COMMIT,          /* one commit step: FAILOVER_FAILED */
    SIM_DISK_POINT__COUNT,
} SimDiskPoint;

/* The templates of the disk's points, in SimDiskPoint order (also the
 * order a disk registers them): the one place their names are spelled. */
extern const SimFaultTemplate sim_disk_templates[SIM_DISK_POINT__COUNT];

/* The concrete name of `point` of the disk named `disk`, as the disk
 * registers it ("disk/<disk>/<what>"): 0 or sim_fault_name's error. */
int sim_disk_point_name(char *buf, size_t len, const char *disk,
                        SimDiskPoint point);

/* Whether a disk of `role` registers `point` (a primary only WRITE). */
bool sim_disk_role_has_point(SimDiskRole role, SimDiskPoint point);

/* Primary: hand a guest write to the secondary (the link).  < 0 is an
 * error; the disk records it and the guest write still succeeds. */
typedef int SimDiskForwardFn(void *ctx, uint64_t sector, uint32_t count,
                             const uint8_t *data);

/* Secondary: the failover commit ended, from a clock event: result 0 (stage
 * DONE) or -EIO (stage FAILOVER_FAILED).  Called last in the event, so it
 * may free the disk.
 *
 * The commit runs one step per tick from the tick after stop(failover):
 * each step hits the commit point, then moves up to commit_sectors_per_tick
 * sectors of the view (active, else hidden) into the secondary disk, in
 * ascending order, and drops them from the overlays, so the view never
 * changes.  Guest writes during FAILOVER go to active and are committed
 * too; the commit ends when both overlays are empty (a guest that writes
 * faster than the commit keeps it running, as upstream's mirror would). */
typedef void SimDiskCommitDoneFn(void *ctx, SimDisk *disk, int result);

typedef struct SimDiskConfig {
    const char *name;               /* [A-Za-z0-9_.-]{1,32}: "disk/<name>" */
    const char *node;               /* node name in the trace; NULL: "-" */
    SimDiskRole role;
    uint64_t size_sectors;          /* 1 .. SIM_STORE_MAX_SIZE_SECTORS */
    ReplicationRegistry *registry;  /* the node's registry */
    SimClock *clock;                /* time for the trace; commit events */
    SimTrace *trace;                /* may be NULL: nothing traced */
    SimFaults *faults;              /* may be NULL: no fault point is hit */
    SimDiskForwardFn *forward;      /* primary: required; secondary: unused */
    void *forward_ctx;
    SimDiskCommitDoneFn *commit_done;   /* secondary, optional */
    void *commit_ctx;
    uint32_t commit_sectors_per_tick;   /* 0: 64; at most 2^20 */
    uint64_t max_written_sectors;       /* per image; 0: as SimStore */
    uint32_t max_io_sectors;            /* per call; 0 or above: 2^18 */
    /* Beyond upstream: a failover after the backup job was cancelled by an
     * error (hidden then lacks pre-images, so the rollback to the last
     * checkpoint would be incomplete) ends in FAILOVER_FAILED instead of
     * committing a state no checkpoint ever had.  Upstream commits. */
    bool safe_failover;
} SimDiskConfig;

/* Counters since creation (read-only for callers). */
typedef struct SimDiskCounters {
    uint64_t reads, writes, receives;   /* calls */
    uint64_t io_errors;             /* calls of the three that returned < 0 */
    uint64_t forwarded;             /* primary: writes handed to forward() */
    uint64_t swallowed;             /* primary: forward errors and write
                                       faults recorded instead of returned */
    uint64_t preimages;             /* secondary: sectors copied into hidden */
    uint64_t checkpoints;           /* secondary: overlays emptied */
    uint64_t ignored;               /* requests ignored after failover */
    uint64_t commit_steps, committed_sectors;
} SimDiskCounters;

/* A disk in stage NONE, in *out, registered in cfg->registry
 * (replication_new_in), its fault points registered in cfg->faults (a point
 * already registered by an earlier disk of the same name is reused).
 * Returns 0, -EINVAL for a bad config, -ENOMEM, or the error of
 * sim_faults_register; on error *out is NULL and err (if not NULL) holds a
 * one-line message, e.g. "disk 'p0': a primary needs a forward function".
 * Safe inside a replication callback (the new state is not visited by walks
 * already running). */
int sim_disk_new(const SimDiskConfig *cfg, SimDisk **out, char *err, size_t errlen);

/* Remove the disk's state from its registry (if still there), cancel its
 * clock events and free everything.  NULL is a no-op.  The commit_done
 * callback is not called.  Safe inside a replication callback of another
 * state and inside commit_done; not inside this disk's own replication
 * callbacks, nor inside forward (the write still uses the disk). */
void sim_disk_free(SimDisk *d);

/* Remove the disk's state from its registry now; walks no longer reach it.
 * Idempotent.  Safe inside any replication callback. */
void sim_disk_unregister(SimDisk *d);

/* What sim_disk_free does but free the disk itself: unregistered, events
 * cancelled, every image emptied and its memory given back (what a run
 * allocated, it frees: libFuzzer's leak check sees nothing kept).  Only
 * sim_disk_renew or sim_disk_free may follow.  Same contexts as
 * sim_disk_free. */
void sim_disk_empty(SimDisk *d);

/* d, made with max_written_sectors 0, made again in place as sim_disk_new
 * makes a disk of cfg (emptied first if it was not): the same disk, trace
 * and errors, no allocation but its points' and state's (a cluster reused
 * from run to run: issue 22).  Returns 0; -EXDEV when cfg has another role
 * or size or a max_written_sectors (d is untouched: free it and make a new
 * one); or sim_disk_new's errors (d is then only to be freed).  Not inside
 * a replication callback. */
int sim_disk_renew(SimDisk *d, const SimDiskConfig *cfg, char *err, size_t errlen);

/* ---- I/O: these touch only the disk's own images (and call forward);
 * safe inside any replication callback. */

/* Read through the top of the disk into buf (count * 512 bytes).
 * Primary: always -EIO (the filter only forwards writes; read the local
 * image with sim_disk_local).  Secondary: -EIO in NONE; otherwise active,
 * else hidden, else secondary disk, per sector; -EIO when the read point
 * fires.  -EINVAL for a bad range, buf NULL or count above the limit. */
int sim_disk_read(SimDisk *d, uint64_t sector, uint32_t count, uint8_t *buf);

/* A guest write through the top of the disk.
 * Primary: NONE -> -EIO, nothing written.  RUNNING -> the local image,
 *   then forwarded; a forward error or a fired write point is recorded
 *   (get_error then says "I/O error occurred") and 0 is returned.  DONE
 *   (after stop) -> the local image only: the filter is out of the path.
 * Secondary: NONE -> -EIO.  RUNNING, FAILOVER -> active.  DONE -> the
 *   secondary disk after a completed commit, else active.  FAILOVER_FAILED
 *   -> per sector, active where active or hidden holds it, else the
 *   secondary disk (upstream's rule).  A fired write point -> -EIO.
 * Errors from the images (-ENOSPC past max_written_sectors) are returned.
 * -EINVAL for a bad range, data NULL or count above the limit. */
int sim_disk_write(SimDisk *d, uint64_t sector, uint32_t count,
                   const uint8_t *data);

/* Secondary only: a write forwarded by the primary, to the secondary disk.
 * NONE -> lands as is (how an initial sync or upstream's test prefills it).
 * RUNNING -> copy-before-write: each sector not yet in hidden since the
 *   last checkpoint has its old content (zeros included) copied there
 *   first, then the write lands.  A fired backup point cancels the backup
 *   job (recorded error; the next checkpoint fails): that write and every
 *   later one land without a pre-image.
 * FAILOVER, FAILOVER_FAILED, DONE -> -EIO: the export is gone after stop.
 * A fired write point -> -EIO, nothing written.  -EINVAL as for write,
 * and for a primary. */
int sim_disk_receive(SimDisk *d, uint64_t sector, uint32_t count,
                     const uint8_t *data);

/* ---- Getters: no side effects, safe anywhere. */
SimDiskStage sim_disk_stage(const SimDisk *d);
/* For a liveness check (liveness.h): the tick the disk entered its stage
 * (0: never changed); for a secondary, the sectors its overlays hold (what
 * a failover commit still has to move; 0 for a primary). */
uint64_t sim_disk_stage_since(const SimDisk *d);
uint64_t sim_disk_commit_left(const SimDisk *d);
/* The ticks a commit of what the overlays hold takes at its rate. */
uint64_t sim_disk_commit_ticks(const SimDisk *d);
/* "none", "running", "failover", "failover_failed", "done"; "?" otherwise. */
const char *sim_disk_stage_name(SimDiskStage stage);
const char *sim_disk_name(const SimDisk *d);

/* The recorded I/O error (0: none), what get_error reports on. */
int sim_disk_error(const SimDisk *d);
/* Secondary: the backup job (copy-before-write) is alive. */
bool sim_disk_backup_running(const SimDisk *d);
/* The state in the registry, NULL after sim_disk_unregister. */
ReplicationState *sim_disk_state(const SimDisk *d);
const SimDiskCounters *sim_disk_counters(const SimDisk *d);
/* The concrete name of a fault point, "disk/<name>/<what>", whether or not
 * this role registers it. */
const char *sim_disk_point(const SimDisk *d, SimDiskPoint point);

/* The images, for checkers; NULL for the other role's.  Valid until the
 * disk is freed; contents change with every I/O and checkpoint. */
const SimStore *sim_disk_local(const SimDisk *d);       /* primary */
const SimStore *sim_disk_secondary(const SimDisk *d);   /* secondary ... */
const SimStore *sim_disk_hidden(const SimDisk *d);
const SimStore *sim_disk_active(const SimDisk *d);

#endif /* REPLBENCH_SIM_DISK_H */
