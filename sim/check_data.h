/* check_data.h: the data checker.  It shadows what the guests wrote and
 * when checkpoints were taken, and says exactly which sector differs when a
 * disk does not hold what the COLO data guarantee promises:
 * - at each checkpoint the secondary completes, its overlays (hidden,
 *   active) are empty and its disk equals the primary's disk as it was when
 *   that checkpoint was taken;
 * - after a secondary failover, its disk equals the primary's disk at the
 *   last checkpoint the secondary completed, plus the secondary VM's own
 *   writes since;
 * - after a primary failover, the primary's disk holds every write that
 *   was acknowledged to its guest.
 * Knows SimStore images only; owns its shadows, never a backend.
 */
#ifndef REPLBENCH_SIM_CHECK_DATA_H
#define REPLBENCH_SIM_CHECK_DATA_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

#define SIM_DATACHECK_MSG_MAX 256

typedef struct SimDataCheck SimDataCheck;

/* Shadows for `disks` replicated disks of size_sectors each. */
SimDataCheck *sim_datacheck_new(unsigned disks, uint64_t size_sectors);
void sim_datacheck_free(SimDataCheck *dc);
/* dc as sim_datacheck_new(disks, size_sectors) makes it, its shadows
 * emptied and their memory given back (a cluster reused: issue 22).  0,
 * or -EXDEV when dc was made for another number of disks or size (dc is
 * then untouched). */
int sim_datacheck_reset(SimDataCheck *dc, unsigned disks, uint64_t size_sectors);

/* The primary's guest is about to write [sector, sector+count) of disk i,
 * whose local image is `local`: remember the pre-images for the epoch (of
 * the sectors inside the disk).  These three return 0, or the shadow
 * store's error: -EINVAL outside the disk (acked, wrote), -ENOMEM when
 * host memory runs out (an infrastructure error, never a verdict). */
int sim_datacheck_primary_before(SimDataCheck *dc, unsigned i,
                                 const SimStore *local, uint64_t sector,
                                 uint32_t count);

/* That write was acknowledged to the guest. */
int sim_datacheck_primary_acked(SimDataCheck *dc, unsigned i, uint64_t sector,
                                uint32_t count, const uint8_t *data);

/* The secondary VM's own write to disk i succeeded. */
int sim_datacheck_secondary_wrote(SimDataCheck *dc, unsigned i, uint64_t sector,
                                  uint32_t count, const uint8_t *data);

/* The primary took checkpoint `epoch` (sent its marker): a new epoch of
 * pre-images starts.  Epochs increase by one. */
void sim_datacheck_marker(SimDataCheck *dc, uint64_t epoch);

/* The secondary completed checkpoint `epoch`; disk i's images are given.
 * Checks the overlays are empty and the disk equals the primary's disk at
 * that checkpoint on every sector written since the previous one.  Returns
 * 0 or -EPROTO (message in sim_datacheck_first). */
int sim_datacheck_secondary_checkpoint(SimDataCheck *dc, uint64_t epoch, unsigned i,
                                       const SimStore *primary_local,
                                       const SimStore *secondary_disk,
                                       const SimStore *hidden,
                                       const SimStore *active);

/* After the secondary's failover commit of disk i: full-range check of the
 * guarantee against the checkpoint the secondary last completed.  Returns
 * 0, -EPROTO (message in sim_datacheck_first) or -ENOMEM (no verdict). */
int sim_datacheck_secondary_failover(SimDataCheck *dc, unsigned i,
                                     const SimStore *primary_local,
                                     const SimStore *secondary_disk);

/* After a primary failover: full-range check that disk i's local image
 * holds every acknowledged write. */
int sim_datacheck_primary_failover(SimDataCheck *dc, unsigned i,
                                   const SimStore *primary_local);

/* Last checkpoint the secondary completed (0: none yet). */
uint64_t sim_datacheck_secondary_epoch(const SimDataCheck *dc);

unsigned sim_datacheck_violations(const SimDataCheck *dc);
const char *sim_datacheck_first(const SimDataCheck *dc);

#endif /* REPLBENCH_SIM_CHECK_DATA_H */
