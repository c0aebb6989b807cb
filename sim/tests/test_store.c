/* test_store.c: SimStore (store.h): sparse 512-byte-sector images, their
 * limits, iteration, comparison and cloning, against a reference model.
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

/* ==== SimStore ============================================================ */

static void store_unwritten_sectors_read_as_zeros(void **state)
{
    SimStore *s = sim_store_new(64, 0);

    (void)state;
    memset(iobuf, 0xee, 64 * SIM_SECTOR_SIZE);
    assert_int_equal(sim_store_read(s, 0, 64, iobuf), 0);
    for (size_t i = 0; i < 64 * SIM_SECTOR_SIZE; i++) {
        assert_int_equal(iobuf[i], 0);
    }
    assert_int_equal(sim_store_count(s), 0);
    assert_null(sim_store_peek(s, 3));
    sim_store_free(s);
}

static void store_write_then_read_returns_each_sector(void **state)
{
    SimStore *s = sim_store_new(100, 0);
    uint8_t out[3 * SIM_SECTOR_SIZE];

    (void)state;
    for (int i = 0; i < 3; i++) {
        memset(iobuf + i * SIM_SECTOR_SIZE, 0x10 + i, SIM_SECTOR_SIZE);
    }
    assert_int_equal(sim_store_write(s, 97, 3, iobuf), 0);
    assert_int_equal(sim_store_read(s, 97, 3, out), 0);
    assert_memory_equal(out, iobuf, sizeof(out));
    assert_int_equal(store_byte(s, 98), 0x11);
    assert_int_equal(sim_store_count(s), 3);
    sim_store_free(s);
}

static void store_written_zeros_count_as_written(void **state)
{
    SimStore *s = sim_store_new(8, 0);

    (void)state;
    assert_int_equal(sim_store_write(s, 2, 1, pattern_buf(0, 1)), 0);
    assert_true(sim_store_has(s, 2));
    assert_false(sim_store_has(s, 3));
    assert_int_equal(sim_store_count(s), 1);
    sim_store_free(s);
}

static void store_range_outside_image_is_einval(void **state)
{
    SimStore *s = sim_store_new(16, 0);

    (void)state;
    assert_int_equal(sim_store_read(s, 16, 1, iobuf), -EINVAL);
    assert_int_equal(sim_store_read(s, 15, 2, iobuf), -EINVAL);
    assert_int_equal(sim_store_read(s, 0, 0, iobuf), -EINVAL);
    assert_int_equal(sim_store_read(s, 0, 1, NULL), -EINVAL);
    assert_int_equal(sim_store_write(s, UINT64_MAX, 2, iobuf), -EINVAL);
    assert_int_equal(sim_store_write(s, 14, 3, iobuf), -EINVAL);
    assert_int_equal(sim_store_discard(s, 16, 1), -EINVAL);
    assert_int_equal(sim_store_count(s), 0);
    assert_int_equal(sim_store_read(s, 15, 1, iobuf), 0);
    sim_store_free(s);
}

static void store_new_rejects_sizes_out_of_range(void **state)
{
    (void)state;
    assert_null(sim_store_new(0, 0));
    assert_null(sim_store_new(SIM_STORE_MAX_SIZE_SECTORS + 1, 0));
}

static void store_past_block_limit_is_enospc_and_unchanged(void **state)
{
    SimStore *s = sim_store_new(100, 4);

    (void)state;
    assert_int_equal(sim_store_write(s, 0, 3, pattern_buf(0x11, 3)), 0);
    assert_int_equal(sim_store_write(s, 2, 3, pattern_buf(0x22, 3)), -ENOSPC);
    assert_int_equal(store_byte(s, 2), 0x11);
    assert_false(sim_store_has(s, 3));
    assert_int_equal(sim_store_count(s), 3);
    /* Rewriting written sectors needs no new block. */
    assert_int_equal(sim_store_write(s, 1, 3, pattern_buf(0x33, 3)), 0);
    assert_int_equal(sim_store_count(s), 4);
    sim_store_free(s);
}

static void store_discard_makes_sectors_unwritten(void **state)
{
    SimStore *s = sim_store_new(64, 0);
    size_t used;

    (void)state;
    assert_int_equal(sim_store_write(s, 0, 64, mixed_buf(0x44, 64)), 0);
    used = sim_store_bytes_used(s);
    assert_int_equal(sim_store_discard(s, 10, 20), 0);
    assert_int_equal(sim_store_count(s), 44);
    assert_int_equal(store_byte(s, 9), -2);
    assert_int_equal(sim_store_peek(s, 9)[0], 0x44);
    assert_int_equal(store_byte(s, 10), -1);
    assert_int_equal(store_byte(s, 29), -1);
    assert_int_equal(sim_store_peek(s, 30)[0], 0x44);
    /* Freed blocks are reused: writing them back takes no new memory. */
    assert_int_equal(sim_store_write(s, 10, 20, mixed_buf(0x55, 20)), 0);
    assert_int_equal(sim_store_bytes_used(s), used);
    sim_store_free(s);
}

static void store_clear_empties_and_releases_memory(void **state)
{
    SimStore *s = sim_store_new(4096, 0);
    size_t empty = sim_store_bytes_used(s);

    (void)state;
    for (uint64_t i = 0; i < 4096; i += SECTORS) {
        assert_int_equal(sim_store_write(s, i, SECTORS,
                                         mixed_buf(0x66, SECTORS)), 0);
    }
    assert_int_equal(sim_store_write(s, 0, 1, pattern_buf(0x67, 1)), 0);
    assert_true(sim_store_bytes_used(s) > 4096 * SIM_SECTOR_SIZE);
    sim_store_clear(s);
    assert_int_equal(sim_store_count(s), 0);
    assert_int_equal(sim_store_bytes_used(s), empty);
    assert_int_equal(store_byte(s, 100), -1);
    sim_store_free(s);
}

/* 64 GiB, 10,000 written sectors scattered over it: memory follows the
 * written sectors (5,120,000 bytes of data), not the size. */
static void store_64gib_with_10000_sectors_stays_small(void **state)
{
    const uint64_t size = UINT64_C(64) << 21;     /* 134,217,728 sectors */
    SimStore *s = sim_store_new(size, 0);
    SimPrng prng;

    (void)state;
    assert_int_equal(size, 134217728);
    sim_prng_init(&prng, 7, "store-test");
    while (sim_store_count(s) < 10000) {
        uint64_t sector = sim_prng_below(&prng, size);

        assert_int_equal(sim_store_write(s, sector, 1,
                                         mixed_buf(0x77, 1)), 0);
    }
    assert_true(sim_store_bytes_used(s) >= 10000 * SIM_SECTOR_SIZE);
    assert_true(sim_store_bytes_used(s) < 8u * 1024 * 1024);
    sim_store_free(s);
}

/* Random writes, rewrites and discards of n scattered sectors against a
 * reference: exercises growth, probe runs and backward-shift deletion
 * (scattered sectors collide in the table; consecutive ones hardly do). */
static void churn(uint64_t n, int ops, uint64_t seed)
{
    static uint64_t where[4096];    /* distinct: the low 12 bits are i */
    static int16_t ref[4096];       /* -1 unwritten, else the byte */
    static int16_t last[4096];      /* its last byte: ref, or mixed_buf's */
    SimStore *s = sim_store_new(UINT64_C(1) << 30, 0);
    SimPrng prng;

    assert_true(n <= 4096);
    sim_prng_init(&prng, seed, "store-churn");
    for (uint64_t i = 0; i < n; i++) {
        where[i] = (sim_prng_below(&prng, UINT64_C(1) << 18) << 12) | i;
        ref[i] = last[i] = -1;
    }
    for (int op = 0; op < ops; op++) {
        uint64_t i = sim_prng_below(&prng, n);
        int byte = (int)sim_prng_below(&prng, 256);
        bool discard = sim_prng_below(&prng, 3) == 0;
        bool mixed = sim_prng_below(&prng, 2) == 0;     /* a block, or a row */

        if (discard) {
            assert_int_equal(sim_store_discard(s, where[i], 1), 0);
        } else {
            assert_int_equal(sim_store_write(s, where[i], 1, mixed ? mixed_buf(byte, 1)
                                                                  : pattern_buf(byte, 1)), 0);
        }
        ref[i] = discard ? -1 : (int16_t)byte;
        last[i] = discard ? -1 : (int16_t)(mixed ? byte ^ 0xff : byte);
        for (uint64_t j = 0; n <= 32 && j < n; j++) {
            const uint8_t *p = sim_store_peek(s, where[j]);
            int got = p ? p[0] : -1;

            if (got != ref[j] || (p ? p[SIM_SECTOR_SIZE - 1] : -1) != last[j]) {
                fail_msg("seed %llu op %d: sector %llu reads %d, expected %d",
                         (unsigned long long)seed, op,
                         (unsigned long long)where[j], got, ref[j]);
            }
        }
    }
    for (uint64_t i = 0; i < n; i++) {
        const uint8_t *p = sim_store_peek(s, where[i]);

        assert_int_equal(p ? p[0] : -1, ref[i]);
        assert_int_equal(p ? p[SIM_SECTOR_SIZE - 1] : -1, last[i]);
    }
    sim_store_free(s);
}

static void store_matches_reference_under_random_churn(void **state)
{
    (void)state;
    churn(4096, 40000, 11);
}

/* At most 24 live sectors keep the table at 64 slots, so probe runs often
 * wrap around its end; many key sets, checked after every operation. */
static void store_matches_reference_in_a_small_table(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 400; seed++) {
        churn(24, 200, seed);
    }
}

/* Runs of 1..5 sectors over four pages: written with one byte or with
 * bytes of their own, or discarded, so that sectors of both kinds share
 * pages, pages change kind and leave the table.  Every sector, the count
 * and a clone are checked against a reference after every operation; an
 * emptied store starts over on the memory it kept. */
static void dense_churn(SimStore *s, SimPrng *prng, int ops)
{
    enum { N = 32 };
    int16_t ref[N], last[N];            /* as churn's: -1 unwritten */

    for (unsigned i = 0; i < N; i++) {
        ref[i] = last[i] = -1;
    }
    for (int op = 0; op < ops; op++) {
        uint32_t count = 1 + (uint32_t)sim_prng_below(prng, 5);
        uint64_t at = sim_prng_below(prng, N - count + 1);
        int byte = (int)sim_prng_below(prng, 256);
        unsigned kind = (unsigned)sim_prng_below(prng, 3);     /* row, block, discard */
        uint64_t written = 0;
        SimStore *c;

        if (kind == 2) {
            assert_int_equal(sim_store_discard(s, at, count), 0);
        } else {
            assert_int_equal(sim_store_write(s, at, count, kind ? mixed_buf(byte, count)
                                                               : pattern_buf(byte, count)), 0);
        }
        for (uint64_t i = at; i < at + count; i++) {
            ref[i] = kind == 2 ? -1 : (int16_t)byte;
            last[i] = kind == 2 ? -1 : (int16_t)(kind ? byte ^ 0xff : byte);
        }
        c = sim_store_clone(s);
        assert_non_null(c);
        for (unsigned i = 0; i < N; i++) {
            const uint8_t *p = sim_store_peek(s, i), *q = sim_store_peek(c, i);

            assert_int_equal(p ? p[0] : -1, ref[i]);
            assert_int_equal(p ? p[SIM_SECTOR_SIZE - 1] : -1, last[i]);
            assert_int_equal(q ? q[SIM_SECTOR_SIZE - 1] : -1, last[i]);
            written += ref[i] >= 0;
        }
        assert_int_equal(sim_store_count(s), written);
        assert_int_equal(sim_store_count(c), written);
        assert_int_equal(sim_store_compare(s, c, NULL), 0);
        sim_store_free(c);
    }
}

static void store_pages_mixing_rows_and_blocks_match_reference(void **state)
{
    SimStore *s = sim_store_new(64, 0);
    SimPrng prng;

    (void)state;
    sim_prng_init(&prng, 5, "store-dense-churn");
    dense_churn(s, &prng, 3000);
    sim_store_empty(s);
    assert_int_equal(sim_store_count(s), 0);
    dense_churn(s, &prng, 3000);
    sim_store_free(s);
}

static void store_sorted_sectors_ascend(void **state)
{
    SimStore *s = sim_store_new(1000, 0);
    const uint64_t order[] = {500, 3, 999, 42, 0, 77};
    uint64_t *sectors;
    size_t n;

    (void)state;
    for (size_t i = 0; i < 6; i++) {
        assert_int_equal(sim_store_write(s, order[i], 1, pattern_buf(1, 1)), 0);
    }
    assert_int_equal(sim_store_sorted_sectors(s, &sectors, &n), 0);
    assert_int_equal(n, 6);
    for (size_t i = 1; i < n; i++) {
        assert_true(sectors[i - 1] < sectors[i]);
    }
    assert_int_equal(sectors[0], 0);
    assert_int_equal(sectors[5], 999);
    free(sectors);
    sim_store_free(s);
}

/* Every byte of a sector's 40 bits sorts: 5,000 sectors drawn over the
 * largest image, and runs of neighbours that share their high bytes. */
static void store_sorted_sectors_ascend_over_every_byte(void **state)
{
    SimStore *s = sim_store_new(SIM_STORE_MAX_SIZE_SECTORS, 0);
    uint64_t *sectors;
    size_t n;
    SimPrng prng;

    (void)state;
    sim_prng_init(&prng, 3, "store-sort");
    for (int i = 0; i < 5000; i++) {
        uint64_t at = sim_prng_below(&prng, SIM_STORE_MAX_SIZE_SECTORS - 8);

        assert_int_equal(sim_store_write(s, at, 1 + (uint32_t)(at & 7), pattern_buf(2, 8)), 0);
    }
    assert_int_equal(sim_store_write(s, SIM_STORE_MAX_SIZE_SECTORS - 1, 1, pattern_buf(3, 1)), 0);
    assert_int_equal(sim_store_sorted_sectors(s, &sectors, &n), 0);
    assert_int_equal(n, sim_store_count(s));
    for (size_t i = 0; i < n; i++) {
        assert_true(sim_store_has(s, sectors[i]));
        assert_true(i == 0 || sectors[i - 1] < sectors[i]);
    }
    assert_int_equal(sectors[n - 1], SIM_STORE_MAX_SIZE_SECTORS - 1);
    free(sectors);
    sim_store_free(s);
}

typedef struct Visit {
    uint64_t seen[8];
    int n;
    int stop_at;
} Visit;

static int visit(void *ctx, uint64_t sector, const uint8_t *data)
{
    Visit *v = ctx;

    assert_int_equal(data[0], (uint8_t)sector);
    v->seen[v->n++] = sector;
    return v->n == v->stop_at ? 99 : 0;
}

static void store_foreach_visits_in_order_and_stops(void **state)
{
    SimStore *s = sim_store_new(100, 0);
    Visit all = {.stop_at = -1}, some = {.stop_at = 2};

    (void)state;
    assert_int_equal(sim_store_write(s, 50, 1, pattern_buf(50, 1)), 0);
    assert_int_equal(sim_store_write(s, 7, 1, pattern_buf(7, 1)), 0);
    assert_int_equal(sim_store_write(s, 20, 1, pattern_buf(20, 1)), 0);
    assert_int_equal(sim_store_foreach(s, visit, &all), 0);
    assert_int_equal(all.n, 3);
    assert_int_equal(all.seen[0], 7);
    assert_int_equal(all.seen[1], 20);
    assert_int_equal(all.seen[2], 50);
    assert_int_equal(sim_store_foreach(s, visit, &some), 99);
    assert_int_equal(some.n, 2);
    sim_store_free(s);
}

static void store_compare_reports_first_difference(void **state)
{
    SimStore *a = sim_store_new(100, 0), *b = sim_store_new(100, 0);
    SimStoreDiff diff;
    char text[96];

    (void)state;
    assert_int_equal(sim_store_compare(a, b, &diff), 0);
    assert_int_equal(sim_store_write(a, 0, 20, pattern_buf(0x11, 20)), 0);
    assert_int_equal(sim_store_write(b, 0, 20, pattern_buf(0x11, 20)), 0);
    assert_int_equal(sim_store_compare(a, b, &diff), 0);
    /* Two differences: sector 90 (only in b) and byte 3 of sector 7. */
    assert_int_equal(sim_store_write(b, 90, 1, pattern_buf(0x99, 1)), 0);
    memset(iobuf, 0x11, SIM_SECTOR_SIZE);
    iobuf[3] = 0x22;
    assert_int_equal(sim_store_write(b, 7, 1, iobuf), 0);
    assert_int_equal(sim_store_compare(a, b, &diff), 1);
    assert_int_equal(diff.sector, 7);
    assert_int_equal(diff.offset, 3);
    assert_int_equal(diff.expected, 0x11);
    assert_int_equal(diff.actual, 0x22);
    assert_string_equal(sim_store_diff_format(&diff, text, sizeof(text)),
                        "sector 7 byte 3: expected 0x11, actual 0x22");
    assert_int_equal(sim_store_compare(b, a, &diff), 1);
    assert_int_equal(diff.expected, 0x22);
    sim_store_free(a);
    sim_store_free(b);
}

static void store_compare_sees_unwritten_as_zeros(void **state)
{
    SimStore *a = sim_store_new(100, 0), *b = sim_store_new(100, 0);
    SimStoreDiff diff;

    (void)state;
    assert_int_equal(sim_store_write(a, 5, 2, pattern_buf(0, 2)), 0);
    assert_int_equal(sim_store_compare(a, b, &diff), 0);
    assert_int_equal(sim_store_write(b, 60, 1, pattern_buf(0x01, 1)), 0);
    assert_int_equal(sim_store_compare(a, b, &diff), 1);
    assert_int_equal(diff.sector, 60);
    assert_int_equal(diff.expected, 0);
    assert_int_equal(diff.actual, 1);
    sim_store_free(a);
    sim_store_free(b);
}

static void store_compare_of_other_sizes_is_einval(void **state)
{
    SimStore *a = sim_store_new(100, 0), *b = sim_store_new(101, 0);

    (void)state;
    assert_int_equal(sim_store_compare(a, b, NULL), -EINVAL);
    sim_store_free(a);
    sim_store_free(b);
}

static void store_clone_is_equal_and_independent(void **state)
{
    SimStore *a = sim_store_new(100, 0), *c;

    (void)state;
    assert_int_equal(sim_store_write(a, 10, 30, pattern_buf(0x12, 30)), 0);
    c = sim_store_clone(a);
    assert_non_null(c);
    assert_int_equal(sim_store_compare(a, c, NULL), 0);
    assert_int_equal(sim_store_write(a, 10, 1, pattern_buf(0x34, 1)), 0);
    assert_int_equal(store_byte(c, 10), 0x12);
    assert_int_equal(sim_store_count(c), 30);
    sim_store_free(a);
    sim_store_free(c);
}

/* A write of one byte throughout takes no block per sector, only that
 * byte's row: 64 MiB of 0x11 (QEMU's cases) is table memory only. */
static void store_one_byte_writes_take_no_blocks(void **state)
{
    SimStore *s = sim_store_new(131072, 0);
    size_t empty = sim_store_bytes_used(s);

    (void)state;
    for (uint64_t i = 0; i < 131072; i += SECTORS) {
        assert_int_equal(sim_store_write(s, i, SECTORS, pattern_buf(0x11, SECTORS)), 0);
    }
    assert_int_equal(sim_store_count(s), 131072);
    assert_true(sim_store_bytes_used(s) - empty < (size_t)131072 * 64);
    assert_int_equal(store_byte(s, 0), 0x11);
    assert_int_equal(store_byte(s, 131071), 0x11);
    assert_int_equal(sim_store_read(s, 1000, SECTORS, iobuf), 0);
    for (size_t i = 0; i < SECTORS * SIM_SECTOR_SIZE; i++) {
        assert_int_equal(iobuf[i], 0x11);
    }
    sim_store_free(s);
}

/* A sector goes from a row to a block of its own and back: each read gives
 * the last write, and blocks given up are reused. */
static void store_sector_moves_between_row_and_block(void **state)
{
    SimStore *s = sim_store_new(64, 0);
    size_t used;

    (void)state;
    assert_int_equal(sim_store_write(s, 0, 64, pattern_buf(0x21, 64)), 0);
    assert_int_equal(sim_store_write(s, 8, 8, mixed_buf(0x22, 8)), 0);
    assert_int_equal(store_byte(s, 7), 0x21);
    assert_int_equal(sim_store_peek(s, 8)[0], 0x22);
    assert_int_equal(sim_store_peek(s, 8)[SIM_SECTOR_SIZE - 1], 0x22 ^ 0xff);
    assert_int_equal(store_byte(s, 16), 0x21);
    assert_int_equal(sim_store_write(s, 8, 4, pattern_buf(0x23, 4)), 0);
    assert_int_equal(store_byte(s, 11), 0x23);
    assert_int_equal(sim_store_peek(s, 12)[0], 0x22);
    used = sim_store_bytes_used(s);
    /* The four blocks given up hold the next four mixed sectors. */
    assert_int_equal(sim_store_write(s, 40, 4, mixed_buf(0x24, 4)), 0);
    assert_int_equal(sim_store_bytes_used(s), used);
    assert_int_equal(sim_store_count(s), 64);
    assert_int_equal(sim_store_discard(s, 40, 1), 0);
    assert_int_equal(sim_store_discard(s, 0, 1), 0);
    assert_int_equal(store_byte(s, 0), -1);
    assert_int_equal(store_byte(s, 40), -1);
    assert_int_equal(sim_store_count(s), 62);
    sim_store_free(s);
}

/* Content decides, not how a sector is held: a row and a block of the same
 * bytes are equal, and a clone copies both kinds. */
static void store_rows_and_blocks_compare_by_content(void **state)
{
    SimStore *a = sim_store_new(32, 0), *b = sim_store_new(32, 0), *c;
    SimStoreDiff diff;

    (void)state;
    assert_int_equal(sim_store_write(a, 0, 32, pattern_buf(0x31, 32)), 0);
    assert_int_equal(sim_store_write(a, 4, 2, mixed_buf(0x32, 2)), 0);
    /* b: the same bytes in one write that is not one byte throughout, so
     * every sector of b has a block. */
    memset(iobuf, 0x31, 32 * SIM_SECTOR_SIZE);
    memset(iobuf + 4 * SIM_SECTOR_SIZE, 0x32, 2 * SIM_SECTOR_SIZE);
    iobuf[5 * SIM_SECTOR_SIZE - 1] = iobuf[6 * SIM_SECTOR_SIZE - 1] = 0x32 ^ 0xff;
    assert_int_equal(sim_store_write(b, 0, 32, iobuf), 0);
    assert_int_equal(sim_store_compare(a, b, NULL), 0);
    c = sim_store_clone(a);
    assert_non_null(c);
    assert_int_equal(sim_store_compare(c, b, NULL), 0);
    assert_int_equal(sim_store_write(a, 9, 1, pattern_buf(0x33, 1)), 0);
    assert_int_equal(sim_store_compare(a, c, &diff), 1);
    assert_int_equal(diff.sector, 9);
    assert_int_equal(diff.expected, 0x33);
    assert_int_equal(diff.actual, 0x31);
    sim_store_free(a);
    sim_store_free(b);
    sim_store_free(c);
}

/* Copy-before-write: only the sectors dst has not written, with src's bytes
 * (a row, a block, or zeros), none past dst's end; one sector at a time up
 * to the limit, the ones before it kept. */
static void store_backup_copies_only_unwritten_sectors(void **state)
{
    SimStore *src = sim_store_new(32, 0), *dst = sim_store_new(16, 0);
    SimStore *small = sim_store_new(16, 3);
    uint32_t copied = 99;

    (void)state;
    assert_int_equal(sim_store_write(src, 0, 8, pattern_buf(0x11, 8)), 0);
    assert_int_equal(sim_store_write(src, 8, 4, mixed_buf(0x22, 4)), 0);
    assert_int_equal(sim_store_write(src, 12, 1, mixed_buf(0x33, 1)), 0);
    /* Sector 13: a block (not a row) that holds one byte throughout. */
    mixed_buf(0x55, 2);
    memset(iobuf, 0x44, SIM_SECTOR_SIZE);
    assert_int_equal(sim_store_write(src, 13, 2, iobuf), 0);
    assert_int_equal(store_byte(src, 13), 0x44);
    assert_int_equal(store_byte(src, 14), -2);
    assert_int_equal(sim_store_write(dst, 2, 1, pattern_buf(0x99, 1)), 0);
    assert_int_equal(sim_store_backup(dst, src, 0, 20, &copied), 0);
    assert_int_equal(copied, 15);                       /* 16, less sector 2 */
    assert_int_equal(sim_store_count(dst), 16);
    assert_int_equal(store_byte(dst, 0), 0x11);
    assert_int_equal(store_byte(dst, 2), 0x99);
    assert_int_equal(store_byte(dst, 13), 0x44);
    assert_int_equal(store_byte(dst, 15), 0);           /* unwritten in src */
    for (uint64_t k = 8; k < 15; k++) {
        assert_memory_equal(sim_store_peek(dst, k), sim_store_peek(src, k), SIM_SECTOR_SIZE);
    }
    /* Written already: nothing to copy, nothing changes. */
    assert_int_equal(sim_store_write(src, 0, 16, pattern_buf(0x66, 16)), 0);
    assert_int_equal(sim_store_backup(dst, src, 0, 16, &copied), 0);
    assert_int_equal(copied, 0);
    assert_int_equal(store_byte(dst, 0), 0x11);
    /* At and past dst's end (16 sectors; src has 32): nothing copied.  The
     * end-of-disk test the data checker had before it called this. */
    assert_int_equal(sim_store_write(src, 16, 8, pattern_buf(0x12, 8)), 0);
    assert_int_equal(sim_store_backup(dst, src, 16, 4, &copied), 0);
    assert_int_equal(copied, 0);
    assert_int_equal(sim_store_backup(dst, src, 20, 4, &copied), 0);
    assert_int_equal(copied, 0);
    assert_int_equal(sim_store_count(dst), 16);
    /* At the limit: the sectors before it stay copied. */
    assert_int_equal(sim_store_write(small, 1, 1, pattern_buf(0x77, 1)), 0);
    assert_int_equal(sim_store_backup(small, src, 0, 5, &copied), -ENOSPC);
    assert_int_equal(copied, 2);
    assert_int_equal(store_byte(small, 0), 0x66);
    assert_int_equal(store_byte(small, 1), 0x77);
    assert_int_equal(store_byte(small, 2), 0x66);
    assert_int_equal(store_byte(small, 3), -1);
    sim_store_free(src);
    sim_store_free(dst);
    sim_store_free(small);
}

/* Emptying keeps the memory for the next round: blocks are reused, and a
 * table grown for a large round shrinks after a small one. */
static void store_empty_keeps_memory_for_the_next_writes(void **state)
{
    SimStore *s = sim_store_new(8192, 0);
    size_t used, big;

    (void)state;
    assert_int_equal(sim_store_write(s, 0, 64, mixed_buf(0x12, 64)), 0);
    used = sim_store_bytes_used(s);
    sim_store_empty(s);
    assert_int_equal(sim_store_count(s), 0);
    assert_int_equal(store_byte(s, 5), -1);
    assert_int_equal(sim_store_bytes_used(s), used);
    /* As many pages again (8 aligned sectors each): no new memory. */
    assert_int_equal(sim_store_write(s, 104, 64, mixed_buf(0x13, 64)), 0);
    assert_int_equal(sim_store_bytes_used(s), used);
    assert_int_equal(store_byte(s, 103), -1);
    assert_int_equal(sim_store_peek(s, 104)[0], 0x13);
    for (uint64_t i = 0; i < 8192; i += SECTORS) {
        assert_int_equal(sim_store_write(s, i, SECTORS, pattern_buf(0x14, SECTORS)), 0);
    }
    big = sim_store_bytes_used(s);
    sim_store_empty(s);                     /* 8192 written: the table stays */
    assert_int_equal(sim_store_bytes_used(s), big);
    assert_int_equal(sim_store_write(s, 7, 1, pattern_buf(0x15, 1)), 0);
    sim_store_empty(s);                     /* 1 written: a small table */
    /* 1,024 pages had 2,048 slots of 16 bytes: at least half of them gone. */
    assert_true(sim_store_bytes_used(s) < big - 1024 * 16);
    assert_int_equal(sim_store_count(s), 0);
    assert_int_equal(store_byte(s, 7), -1);
    assert_int_equal(sim_store_write(s, 0, SECTORS, pattern_buf(0x16, SECTORS)), 0);
    assert_int_equal(store_byte(s, 255), 0x16);
    sim_store_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(store_unwritten_sectors_read_as_zeros),
        cmocka_unit_test(store_write_then_read_returns_each_sector),
        cmocka_unit_test(store_written_zeros_count_as_written),
        cmocka_unit_test(store_range_outside_image_is_einval),
        cmocka_unit_test(store_new_rejects_sizes_out_of_range),
        cmocka_unit_test(store_past_block_limit_is_enospc_and_unchanged),
        cmocka_unit_test(store_discard_makes_sectors_unwritten),
        cmocka_unit_test(store_clear_empties_and_releases_memory),
        cmocka_unit_test(store_64gib_with_10000_sectors_stays_small),
        cmocka_unit_test(store_matches_reference_under_random_churn),
        cmocka_unit_test(store_matches_reference_in_a_small_table),
        cmocka_unit_test(store_pages_mixing_rows_and_blocks_match_reference),
        cmocka_unit_test(store_sorted_sectors_ascend),
        cmocka_unit_test(store_foreach_visits_in_order_and_stops),
        cmocka_unit_test(store_compare_reports_first_difference),
        cmocka_unit_test(store_compare_sees_unwritten_as_zeros),
        cmocka_unit_test(store_compare_of_other_sizes_is_einval),
        cmocka_unit_test(store_clone_is_equal_and_independent),
        cmocka_unit_test(store_one_byte_writes_take_no_blocks),
        cmocka_unit_test(store_sector_moves_between_row_and_block),
        cmocka_unit_test(store_rows_and_blocks_compare_by_content),
        cmocka_unit_test(store_backup_copies_only_unwritten_sectors),
        cmocka_unit_test(store_sorted_sectors_ascend_over_every_byte),
        cmocka_unit_test(store_empty_keeps_memory_for_the_next_writes),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
