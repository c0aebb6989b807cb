/* check_data.c: the data checker (check_data.h).  Per disk it keeps the
 * acknowledged writes, the pre-images of the primary's writes per epoch (two
 * epochs: the secondary is never more than one checkpoint behind the newest
 * marker, because the primary sends a marker only after the previous one was
 * acknowledged), and the secondary VM's writes since its last checkpoint.
 * The primary's disk at checkpoint E is its current image with the earliest
 * pre-image recorded since E laid over it.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "check_data.h"
#include "host.h"

#define MAX_DISKS 16

typedef struct Shadow {
    SimStore *acked;            /* every acknowledged primary write */
    SimStore *pre_cur;          /* pre-images since the newest marker */
    SimStore *pre_prev;         /* pre-images between the two newest markers */
    SimStore *sec_writes;       /* secondary VM writes since its checkpoint */
} Shadow;

struct SimDataCheck {
    unsigned disks;
    uint64_t cur_epoch;         /* marker that started pre_cur (0: start) */
    uint64_t sec_epoch;         /* last checkpoint the secondary completed */
    Shadow sh[MAX_DISKS];
    unsigned violations;
    char first[SIM_DATACHECK_MSG_MAX];
};

/* One violation; the first one's message is kept. */
#define note(x, ...) sim_note(&(x)->violations, (x)->first, sizeof((x)->first), __VA_ARGS__)

SimDataCheck *sim_datacheck_new(unsigned disks, uint64_t size_sectors)
{
    SimDataCheck *dc;

    if (disks == 0 || disks > MAX_DISKS) {
        return NULL;
    }
    dc = sim_host_calloc(1, sizeof(*dc), "data checker");
    if (dc == NULL) {
        return NULL;
    }
    dc->disks = disks;
    for (unsigned i = 0; i < disks; i++) {
        Shadow *s = &dc->sh[i];

        s->acked = sim_store_new(size_sectors, 0);
        s->pre_cur = sim_store_new(size_sectors, 0);
        s->pre_prev = sim_store_new(size_sectors, 0);
        s->sec_writes = sim_store_new(size_sectors, 0);
        if (!s->acked || !s->pre_cur || !s->pre_prev || !s->sec_writes) {
            sim_datacheck_free(dc);
            return NULL;
        }
    }
    return dc;
}

void sim_datacheck_free(SimDataCheck *dc)
{
    if (dc == NULL) {
        return;
    }
    for (unsigned i = 0; i < dc->disks; i++) {
        sim_store_free(dc->sh[i].acked);
        sim_store_free(dc->sh[i].pre_cur);
        sim_store_free(dc->sh[i].pre_prev);
        sim_store_free(dc->sh[i].sec_writes);
    }
    free(dc);
}

int sim_datacheck_primary_before(SimDataCheck *dc, unsigned i,
                                 const SimStore *local, uint64_t sector,
                                 uint32_t count)
{
    uint32_t copied;

    return sim_store_backup(dc->sh[i].pre_cur, local, sector, count, &copied);
}

int sim_datacheck_primary_acked(SimDataCheck *dc, unsigned i, uint64_t sector,
                                uint32_t count, const uint8_t *data)
{
    return sim_store_write(dc->sh[i].acked, sector, count, data);
}

int sim_datacheck_secondary_wrote(SimDataCheck *dc, unsigned i, uint64_t sector,
                                  uint32_t count, const uint8_t *data)
{
    return sim_store_write(dc->sh[i].sec_writes, sector, count, data);
}

void sim_datacheck_marker(SimDataCheck *dc, uint64_t epoch)
{
    if (epoch != dc->cur_epoch + 1) {
        note(dc, "data: checkpoint %llu taken after %llu: epochs skipped",
             (unsigned long long)epoch, (unsigned long long)dc->cur_epoch);
    }
    for (unsigned i = 0; i < dc->disks; i++) {
        SimStore *t = dc->sh[i].pre_prev;

        sim_store_empty(t);
        dc->sh[i].pre_prev = dc->sh[i].pre_cur;
        dc->sh[i].pre_cur = t;
    }
    dc->cur_epoch = epoch;
}

/* Disk i of the primary as it was at the newest checkpoint (the only one
 * a secondary may complete), sector s: its pre-image since that marker,
 * else what it holds now. */
static const uint8_t *primary_at(const SimDataCheck *dc, unsigned i,
                                 const SimStore *local, uint64_t s)
{
    static const uint8_t zeros[SIM_SECTOR_SIZE];
    const uint8_t *b = sim_store_peek(dc->sh[i].pre_cur, s);

    if (b == NULL) {
        b = sim_store_peek(local, s);
    }
    return b ? b : zeros;
}

static int sector_differs(SimDataCheck *dc, const char *what, uint64_t s,
                          const uint8_t *want, const SimStore *actual)
{
    static const uint8_t zeros[SIM_SECTOR_SIZE];
    const uint8_t *got = sim_store_peek(actual, s);

    unsigned k = 0;

    got = got ? got : zeros;
    if (memcmp(want, got, SIM_SECTOR_SIZE) == 0) {
        return 0;
    }
    while (want[k] == got[k]) {         /* they differ: k stays below 512 */
        k++;
    }
    note(dc, "data: %s: sector %llu byte %u: expected 0x%02x, actual 0x%02x",
         what, (unsigned long long)s, k, want[k], got[k]);
    return -EPROTO;
}

typedef struct Visit {
    SimDataCheck *dc;
    unsigned disk;
    const SimStore *local;
    const SimStore *actual;
    char what[96];
} Visit;

static int check_sector(void *ctx, uint64_t s, const uint8_t *data)
{
    Visit *v = ctx;

    (void)data;
    return sector_differs(v->dc, v->what, s,
                          primary_at(v->dc, v->disk, v->local, s), v->actual);
}

static int overlay_empty(SimDataCheck *dc, const char *name, unsigned i,
                         uint64_t epoch, const SimStore *overlay)
{
    uint64_t n = sim_store_count(overlay);

    if (n == 0) {
        return 0;
    }
    note(dc, "data: disk %u: %s disk not emptied at checkpoint %llu: %llu sectors left",
         i, name, (unsigned long long)epoch, (unsigned long long)n);
    return -EPROTO;
}

int sim_datacheck_secondary_checkpoint(SimDataCheck *dc, uint64_t epoch, unsigned i,
                                       const SimStore *primary_local,
                                       const SimStore *secondary_disk,
                                       const SimStore *hidden,
                                       const SimStore *active)
{
    Visit v = { dc, i, primary_local, secondary_disk, "" };
    int rc;

    if (overlay_empty(dc, "hidden", i, epoch, hidden) < 0 ||
        overlay_empty(dc, "active", i, epoch, active) < 0) {
        return -EPROTO;
    }
    if (epoch != dc->cur_epoch) {
        note(dc, "data: disk %u: secondary completed checkpoint %llu, newest is %llu",
             i, (unsigned long long)epoch, (unsigned long long)dc->cur_epoch);
        return -EPROTO;
    }
    snprintf(v.what, sizeof(v.what), "disk %u at checkpoint %llu", i,
             (unsigned long long)epoch);
    /* Sectors the primary wrote since the previous checkpoint; the rest
     * were checked then and neither side has written them since. */
    rc = sim_store_foreach(dc->sh[i].pre_prev, check_sector, &v);
    sim_store_empty(dc->sh[i].sec_writes);
    dc->sec_epoch = epoch;
    return rc < 0 ? rc : 0;
}

static int lay_over(void *img, uint64_t s, const uint8_t *data)
{
    return sim_store_write(img, s, 1, data);
}

/* The expected secondary disk after failover, as a new image in *out:
 * 0, or -ENOMEM with nothing made (never an image missing a layer). */
static int expected_after_failover(const SimDataCheck *dc, unsigned i,
                                   const SimStore *primary_local, SimStore **out)
{
    SimStore *want = sim_store_clone(primary_local);
    const SimStore *layers[3] = { dc->sh[i].pre_cur, NULL, dc->sh[i].sec_writes };
    int rc = want != NULL ? 0 : -ENOMEM;

    if (dc->sec_epoch + 1 == dc->cur_epoch) {
        layers[1] = dc->sh[i].pre_prev;
    }
    for (int l = 0; l < 3 && rc == 0; l++) {
        if (layers[l] != NULL) {
            rc = sim_store_foreach(layers[l], lay_over, want);
        }
    }
    if (rc < 0) {
        sim_store_free(want);
        want = NULL;
    }
    *out = want;
    return rc;
}

static int full_compare(SimDataCheck *dc, const char *what, const SimStore *want,
                        const SimStore *actual)
{
    SimStoreDiff diff;
    int rc = sim_store_compare(want, actual, &diff);

    if (rc == 1) {
        note(dc, "data: %s: sector %llu byte %u: expected 0x%02x, actual 0x%02x",
             what, (unsigned long long)diff.sector, diff.offset, diff.expected,
             diff.actual);
        return -EPROTO;
    }
    return rc;
}

int sim_datacheck_secondary_failover(SimDataCheck *dc, unsigned i,
                                     const SimStore *primary_local,
                                     const SimStore *secondary_disk)
{
    SimStore *want;
    char what[96];
    int rc;

    if (dc->sec_epoch + 1 < dc->cur_epoch) {
        note(dc, "data: disk %u: secondary at checkpoint %llu, two behind %llu",
             i, (unsigned long long)dc->sec_epoch, (unsigned long long)dc->cur_epoch);
        return -EPROTO;
    }
    rc = expected_after_failover(dc, i, primary_local, &want);
    if (rc < 0) {
        return rc;
    }
    snprintf(what, sizeof(what), "disk %u after secondary failover (checkpoint %llu)",
             i, (unsigned long long)dc->sec_epoch);
    rc = full_compare(dc, what, want, secondary_disk);
    sim_store_free(want);
    return rc;
}

int sim_datacheck_primary_failover(SimDataCheck *dc, unsigned i,
                                   const SimStore *primary_local)
{
    char what[64];

    snprintf(what, sizeof(what), "disk %u after primary failover", i);
    return full_compare(dc, what, dc->sh[i].acked, primary_local);
}

uint64_t sim_datacheck_secondary_epoch(const SimDataCheck *dc)
{
    return dc->sec_epoch;
}

unsigned sim_datacheck_violations(const SimDataCheck *dc)
{
    return dc->violations;
}

const char *sim_datacheck_first(const SimDataCheck *dc)
{
    return dc->first;
}

/* ---- Reuse (issue 22) -------------------------------------------------- */

int sim_datacheck_reset(SimDataCheck *dc, unsigned disks, uint64_t size_sectors)
{
    Shadow sh[MAX_DISKS];

    if (disks != dc->disks || sim_store_size_sectors(dc->sh[0].acked) != size_sectors) {
        return -EXDEV;
    }
    memcpy(sh, dc->sh, sizeof(sh));
    memset(dc, 0, sizeof(*dc));
    dc->disks = disks;
    memcpy(dc->sh, sh, sizeof(sh));
    for (unsigned i = 0; i < disks; i++) {
        sim_store_clear(dc->sh[i].acked);
        sim_store_clear(dc->sh[i].pre_cur);
        sim_store_clear(dc->sh[i].pre_prev);
        sim_store_clear(dc->sh[i].sec_writes);
    }
    return 0;
}
