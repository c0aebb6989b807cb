/* store.h: SimStore, a sparse, sector-addressed block image held in memory.
 * Owns its sectors and their bookkeeping; knows nothing of disks, stages or
 * replication.  Pure computation: no clock, no trace, no fault points.
 * Its allocations go through host.h: a refusal (-ENOMEM) is the host's,
 * recorded there, never a simulated error.
 *
 * A sector is either written (it has 512 bytes of its own, zeros included)
 * or unwritten (it reads as zeros).  The distinction matters to overlays:
 * a written sector of an upper image hides the image below it.
 *
 * Cost: the image is kept in pages of 8 aligned sectors (a 4 KiB guest
 * block), one slot of a hash table each (16 bytes, open addressing, load
 * 1/4 to 1/2), so a write, a copy-before-write or a checkpoint's check
 * looks up a page, not each sector.  A written sector's own 512 bytes sit
 * in a pool (chunks of 256 sectors), and a page with such a sector takes
 * 32 bytes more for its sectors' indexes; unwritten sectors take nothing,
 * so a 64 GiB image with 10,000 scattered written sectors uses about
 * 6 MiB.  A write whose every byte is the same takes no pool space: its
 * sectors read as one 512-byte row of that byte, shared by every store of
 * the process (made on first use, never freed), and a page whose written
 * sectors all do keeps their bytes in its slot.  Lookups are O(1) expected;
 * ordered walks sort the written pages first (a radix sort, O(n)).  An
 * image emptied every checkpoint keeps its memory (sim_store_empty); a
 * copy-before-write copies a range in one call (sim_store_backup).
 */
#ifndef REPLBENCH_SIM_STORE_H
#define REPLBENCH_SIM_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SIM_SECTOR_SIZE 512

/* Largest image: 2^40 sectors (512 TiB), so sector arithmetic never wraps. */
#define SIM_STORE_MAX_SIZE_SECTORS (UINT64_C(1) << 40)

/* Most sectors one store may hold written: 2^24 (8 GiB of data). */
#define SIM_STORE_MAX_BLOCKS (UINT64_C(1) << 24)

typedef struct SimStore SimStore;

/* An empty image of size_sectors (1 .. SIM_STORE_MAX_SIZE_SECTORS) that
 * holds at most max_blocks written sectors (0: size_sectors, capped at
 * SIM_STORE_MAX_BLOCKS; above the cap: the cap).  NULL for a size out of
 * range or when out of memory. */
SimStore *sim_store_new(uint64_t size_sectors, uint64_t max_blocks);

/* Release the image.  NULL is a no-op. */
void sim_store_free(SimStore *s);

/* A copy of src with the same size and limit, or NULL when out of memory. */
SimStore *sim_store_clone(const SimStore *src);

uint64_t sim_store_size_sectors(const SimStore *s);

/* Written sectors, and the bytes the store holds in memory (struct, table,
 * pool chunks), for resource checks and the sparse-memory bound. */
uint64_t sim_store_count(const SimStore *s);
size_t sim_store_bytes_used(const SimStore *s);

/* Copy sectors [sector, sector + count) into buf (count * 512 bytes);
 * unwritten sectors read as zeros.  Returns 0, or -EINVAL when count is 0,
 * buf is NULL or the range leaves the image. */
int sim_store_read(const SimStore *s, uint64_t sector, uint32_t count,
                   uint8_t *buf);

/* Write count sectors from data; all of them become written.  All or
 * nothing: returns 0; -EINVAL (as for read); -ENOSPC when the sectors not
 * yet written would take the store past max_blocks; -ENOMEM when out of
 * memory.  On error the image is unchanged. */
int sim_store_write(SimStore *s, uint64_t sector, uint32_t count,
                    const uint8_t *data);

/* Make [sector, sector + count) unwritten again (reads give zeros, memory
 * is reused).  Returns 0 or -EINVAL for a range outside the image (or
 * count 0).  Never fails for lack of memory. */
int sim_store_discard(SimStore *s, uint64_t sector, uint32_t count);

/* Make every sector unwritten and give the memory back (the table shrinks
 * to its initial size).  O(written). */
void sim_store_clear(SimStore *s);

/* As sim_store_clear, but the memory stays for the next writes (blocks
 * are reused, the table keeps its size unless it is far larger than what
 * was written): for images emptied at every checkpoint.  O(table). */
void sim_store_empty(SimStore *s);

/* Copy-before-write: each sector of [sector, sector + count) that dst has
 * not written gets src's bytes there (zeros when src has it unwritten);
 * sectors past dst's end are skipped.  Sector by sector, as that many
 * one-sector sim_store_write calls: on error (-ENOSPC, -ENOMEM) the
 * sectors before stay copied.  *copied counts the sectors copied. */
int sim_store_backup(SimStore *dst, const SimStore *src, uint64_t sector,
                     uint32_t count, uint32_t *copied);

/* The 512 bytes of a written sector, or NULL when it is unwritten or out of
 * range.  Valid until the next write, discard or clear of s. */
const uint8_t *sim_store_peek(const SimStore *s, uint64_t sector);

/* True when the sector is written. */
bool sim_store_has(const SimStore *s, uint64_t sector);

/* The written sectors in ascending order, in a new array of *count entries
 * (NULL when there are none) that the caller frees.  Returns 0 or -ENOMEM
 * (then *sectors is NULL and *count 0). */
int sim_store_sorted_sectors(const SimStore *s, uint64_t **sectors,
                             size_t *count);

/* Call fn(ctx, sector, data) for each written sector in ascending order.
 * fn must not change s.  A non-zero return from fn stops the walk and is
 * returned; otherwise returns 0, or -ENOMEM when the order cannot be built. */
typedef int SimStoreVisitFn(void *ctx, uint64_t sector, const uint8_t *data);
int sim_store_foreach(const SimStore *s, SimStoreVisitFn *fn, void *ctx);

/* Where two images first differ: the lowest such sector, the first byte
 * that differs in it, and both bytes (unwritten reads as zeros). */
typedef struct SimStoreDiff {
    uint64_t sector;
    uint32_t offset;            /* byte within the sector, 0..511 */
    uint8_t expected;           /* the byte in `expected` */
    uint8_t actual;             /* the byte in `actual` */
} SimStoreDiff;

/* Compare by content (a sector written with zeros equals an unwritten one).
 * Returns 0 when equal, 1 when they differ (diff filled when not NULL),
 * -EINVAL when the sizes differ, -ENOMEM when out of memory.
 * O(n + m) in the written sectors of both. */
int sim_store_compare(const SimStore *expected, const SimStore *actual,
                      SimStoreDiff *diff);

/* "sector S byte B: expected 0xEE, actual 0xAA" into buf; returns buf. */
const char *sim_store_diff_format(const SimStoreDiff *diff, char *buf,
                                  size_t len);

#endif /* REPLBENCH_SIM_STORE_H */
