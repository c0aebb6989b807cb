/* store.c: SimStore (store.h): an open-addressing hash map from page (8
 * sectors) to what its sectors hold, with linear probing and backward-shift
 * deletion, over a pool of 512-byte blocks kept in fixed chunks.  A write
 * whose every byte is the same (QEMU's cases fill 64 MiB with one byte)
 * takes no block: its sectors point at one shared row of that byte, and a
 * page whose sectors all do keeps their bytes in its 16-byte slot.  Owns
 * only its own memory.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "host.h"
#include "store.h"

#define CHUNK_BLOCKS 256u
#define CHUNK_BYTES ((size_t)CHUNK_BLOCKS * SIM_SECTOR_SIZE)
#define NO_BLOCK UINT32_MAX     /* unwritten sector; end of the free list */
#define UNIFORM 0xFFFFFE00u     /* UNIFORM + b: every byte is b, in rows[b] */
#define NO_PAGE UINT64_MAX      /* an empty slot of the table */
#define PAGE_SECTORS 8u         /* a page: 8 aligned sectors, a 4 KiB guest block */
#define MIN_TABLE_BITS 4
#define PAGE_BITS 40            /* a key: the page in its low 40 bits, */
#define PAGE_MASK ((UINT64_C(1) << PAGE_BITS) - 1)
#define WRITTEN_SHIFT PAGE_BITS /* bit 40 + k: sector k written (slot form), */
#define OWN (UINT64_C(1) << 48) /* the page's sectors are in an Ext */

/* One slot of the table, 16 bytes, so that the tables of the large images
 * stay in the cache: a page and what each of its sectors holds.  While
 * every written sector of the page holds one byte (UNIFORM + b), the slot
 * holds those bytes; the first sector with a block of its own moves the
 * page's sectors into an Ext, for as long as the page stays in the table. */
typedef struct Page {
    uint64_t key;               /* NO_PAGE: empty; else page | written << 40 | OWN */
    union {
        uint8_t byte[PAGE_SECTORS];     /* not OWN: written sector k's byte */
        uint64_t ext;                   /* OWN: its Ext */
    } v;
} Page;

/* A page's sectors: NO_BLOCK, UNIFORM + b, or a pool block.  A free Ext
 * links the next through block[0]. */
typedef struct Ext {
    uint32_t block[PAGE_SECTORS];
} Ext;

struct SimStore {
    uint64_t size_sectors;
    uint64_t max_blocks;
    uint64_t count;             /* written sectors */
    uint64_t pages;             /* occupied slots: pages with a written sector */
    Page *table;                /* NULL while nothing was written */
    unsigned bits;              /* table has 1 << bits slots */
    uint8_t **chunks;
    size_t nchunks;
    size_t chunks_cap;
    uint32_t used_blocks;       /* blocks ever handed out of the chunks */
    uint32_t free_head;         /* freed blocks, linked through their bytes */
    uint64_t free_count;
    Ext *ext;                   /* the OWN pages' sectors */
    uint32_t ext_cap;           /* Exts allocated */
    uint32_t ext_used;          /* Exts ever handed out of ext */
    uint32_t ext_free;          /* freed Exts, linked through block[0] */
    uint32_t ext_free_count;
};

_Static_assert(SIM_STORE_MAX_BLOCKS < UNIFORM, "block indexes stay below the rows");
_Static_assert(SIM_STORE_MAX_SIZE_SECTORS / PAGE_SECTORS < PAGE_MASK, "a page fits its key's bits, "
               "and an empty slot's key never reads as a page");
_Static_assert(sizeof(Page) == 16, "16-byte slots");


static const uint8_t zero_block[SIM_SECTOR_SIZE];

static size_t table_cap(const SimStore *s)
{
    return s->table == NULL ? 0 : (size_t)1 << s->bits;
}

/* Fibonacci hashing of the page number. */
static size_t home_of(const SimStore *s, uint64_t page)
{
    return (size_t)((page * UINT64_C(0x9E3779B97F4A7C15)) >> (64 - s->bits));
}

static uint8_t *block_at(const SimStore *s, uint32_t block)
{
    return s->chunks[block / CHUNK_BLOCKS]
           + (size_t)(block % CHUNK_BLOCKS) * SIM_SECTOR_SIZE;
}

/* The rows of one byte, rows[b] 512 bytes of b, made on first use and
 * shared by every store of the process: a one-byte sector reads as the
 * same bytes at the same address in every image, so the caches hold each
 * row once however many images hold it (bench_sim's checkpoint check
 * compares rows of three images).  Never freed; no store owns them. */
static uint8_t rows[256][SIM_SECTOR_SIZE];
static bool rows_made[256];

/* The row of byte b. */
static const uint8_t *row(uint8_t b)
{
    if (!rows_made[b]) {
        memset(rows[b], b, SIM_SECTOR_SIZE);
        rows_made[b] = true;
    }
    return rows[b];
}

/* The bytes of a sector's block: its own, or the row of its byte. */
static const uint8_t *data_of(const SimStore *s, uint32_t block)
{
    return block >= UNIFORM ? rows[block - UNIFORM] : block_at(s, block);
}

/* Block onto the free list (its first bytes link it). */
static void release(SimStore *s, uint32_t block)
{
    memcpy(block_at(s, block), &s->free_head, sizeof(s->free_head));
    s->free_head = block;
    s->free_count++;
}

static uint64_t page_of(const Page *p)
{
    return p->key & PAGE_MASK;
}

/* The slot holding page, or the empty slot where it would go. */
static size_t probe(const SimStore *s, uint64_t page)
{
    size_t mask = table_cap(s) - 1;
    size_t i = home_of(s, page);

    while (s->table[i].key != NO_PAGE && page_of(&s->table[i]) != page) {
        i = (i + 1) & mask;
    }
    return i;
}

static Page *find(const SimStore *s, uint64_t page)
{
    size_t i;

    if (s->table == NULL) {
        return NULL;
    }
    i = probe(s, page);
    return s->table[i].key == NO_PAGE ? NULL : &s->table[i];
}

/* What sector k of the occupied slot p holds: NO_BLOCK, UNIFORM + b or a
 * pool block. */
static uint32_t get(const SimStore *s, const Page *p, unsigned k)
{
    if (p->key & OWN) {
        return s->ext[p->v.ext].block[k];
    }
    return (p->key >> (WRITTEN_SHIFT + k)) & 1 ? UNIFORM + p->v.byte[k] : NO_BLOCK;
}

/* An Ext from the free list or the array; reserve() made sure of one. */
static uint32_t take_ext(SimStore *s)
{
    uint32_t e = s->ext_free;

    if (e != NO_BLOCK) {
        s->ext_free = s->ext[e].block[0];
        s->ext_free_count--;
        return e;
    }
    SIM_CHECK_OP(s->ext_used, <, s->ext_cap);
    return s->ext_used++;
}

/* Sector k of p holds `block` from now on.  The first block of its own
 * in a page moves the page's sectors into an Ext (reserve() made room). */
static void set(SimStore *s, Page *p, unsigned k, uint32_t block)
{
    uint64_t bit = UINT64_C(1) << (WRITTEN_SHIFT + k);

    if (!(p->key & OWN) && block < UNIFORM) {
        uint32_t e = take_ext(s);

        for (unsigned j = 0; j < PAGE_SECTORS; j++) {
            s->ext[e].block[j] = get(s, p, j);
        }
        p->key |= OWN;
        p->v.ext = e;
    }
    if (p->key & OWN) {
        s->ext[p->v.ext].block[k] = block;
    } else if (block == NO_BLOCK) {
        p->key &= ~bit;
    } else {
        p->key |= bit;
        p->v.byte[k] = (uint8_t)(block - UNIFORM);
    }
}

/* What sector holds: NO_BLOCK when unwritten. */
static uint32_t block_of(const SimStore *s, uint64_t sector)
{
    const Page *p = find(s, sector / PAGE_SECTORS);

    return p == NULL ? NO_BLOCK : get(s, p, (unsigned)(sector % PAGE_SECTORS));
}

/* The slot of page, made (every sector unwritten) when missing; the table
 * has room (reserve()). */
static Page *page_in(SimStore *s, uint64_t page)
{
    Page *p = &s->table[probe(s, page)];

    if (p->key == NO_PAGE) {
        p->key = page;
        p->v.ext = 0;
        s->pages++;
    }
    return p;
}

static bool range_ok(const SimStore *s, uint64_t sector, uint32_t count)
{
    return count > 0 && sector < s->size_sectors
           && count <= s->size_sectors - sector;
}

/* Pages [sector, sector + count) adds to the table: all it touches, or,
 * when that many would grow the table, only the ones not there yet (a
 * lookup each), so that rewriting what is there never grows it. */
static uint64_t pages_of(const SimStore *s, uint64_t sector, uint32_t count)
{
    uint64_t first = sector / PAGE_SECTORS, last = (sector + count - 1) / PAGE_SECTORS;
    uint64_t n = last - first + 1;

    if (s->pages + n > table_cap(s) / 2) {
        n = 0;
        for (uint64_t p = first; p <= last; p++) {
            n += find(s, p) == NULL;
        }
    }
    return n;
}

SimStore *sim_store_new(uint64_t size_sectors, uint64_t max_blocks)
{
    SimStore *s;

    if (size_sectors == 0 || size_sectors > SIM_STORE_MAX_SIZE_SECTORS) {
        return NULL;
    }
    if (max_blocks == 0) {
        max_blocks = size_sectors;
    }
    if (max_blocks > SIM_STORE_MAX_BLOCKS) {
        max_blocks = SIM_STORE_MAX_BLOCKS;
    }
    s = sim_host_calloc(1, sizeof(*s), "store: an image");
    if (s != NULL) {
        s->size_sectors = size_sectors;
        s->max_blocks = max_blocks;
        s->free_head = NO_BLOCK;
        s->ext_free = NO_BLOCK;
    }
    return s;
}

void sim_store_clear(SimStore *s)
{
    for (size_t i = 0; i < s->nchunks; i++) {
        free(s->chunks[i]);
    }
    free(s->chunks);
    free(s->table);
    free(s->ext);
    s->ext = NULL;
    s->ext_cap = s->ext_used = s->ext_free_count = 0;
    s->ext_free = NO_BLOCK;
    s->chunks = NULL;
    s->nchunks = s->chunks_cap = 0;
    s->table = NULL;
    s->bits = 0;
    s->count = 0;
    s->pages = 0;
    s->used_blocks = 0;
    s->free_head = NO_BLOCK;
    s->free_count = 0;
}

/* The table's bits for n pages at a load of at most 1/2. */
static unsigned bits_for(uint64_t n, unsigned bits)
{
    while (n > ((uint64_t)1 << bits) / 2) {
        bits++;
    }
    return bits;
}

void sim_store_empty(SimStore *s)
{
    size_t cap = table_cap(s);
    unsigned bits = bits_for(s->pages, MIN_TABLE_BITS);

    /* A table far larger than what was written this time is swapped for
     * one of that size, so that emptying costs what was written, not the
     * largest round ever; without memory for it the old one is swept. */
    if (cap > ((size_t)4 << bits)) {
        Page *table = sim_host_malloc(((size_t)1 << bits) * sizeof(*table),
                                      "store: hash table");

        if (table != NULL) {
            free(s->table);
            s->table = table;
            s->bits = bits;
            cap = (size_t)1 << bits;
        }
    }
    for (size_t i = 0; i < cap; i++) {
        s->table[i].key = NO_PAGE;
    }
    s->count = 0;
    s->pages = 0;
    s->used_blocks = 0;
    s->free_head = NO_BLOCK;
    s->free_count = 0;
    s->ext_used = 0;
    s->ext_free = NO_BLOCK;
    s->ext_free_count = 0;
}

void sim_store_free(SimStore *s)
{
    if (s != NULL) {
        sim_store_clear(s);
        free(s);
    }
}

uint64_t sim_store_size_sectors(const SimStore *s)
{
    return s->size_sectors;
}

uint64_t sim_store_count(const SimStore *s)
{
    return s->count;
}

size_t sim_store_bytes_used(const SimStore *s)
{
    return sizeof(*s) + table_cap(s) * sizeof(Page)
           + s->chunks_cap * sizeof(*s->chunks) + s->nchunks * CHUNK_BYTES
           + (size_t)s->ext_cap * sizeof(Ext);
}

const uint8_t *sim_store_peek(const SimStore *s, uint64_t sector)
{
    uint32_t block = sector < s->size_sectors ? block_of(s, sector) : NO_BLOCK;

    return block == NO_BLOCK ? NULL : data_of(s, block);
}

bool sim_store_has(const SimStore *s, uint64_t sector)
{
    return sim_store_peek(s, sector) != NULL;
}

int sim_store_read(const SimStore *s, uint64_t sector, uint32_t count,
                   uint8_t *buf)
{
    if (buf == NULL || !range_ok(s, sector, count)) {
        return -EINVAL;
    }
    for (uint32_t i = 0; i < count; i++) {
        const uint8_t *data = sim_store_peek(s, sector + i);

        memcpy(buf + (size_t)i * SIM_SECTOR_SIZE, data ? data : zero_block,
               SIM_SECTOR_SIZE);
    }
    return 0;
}

/* Rehash into a table of 1 << bits slots.  0 or -ENOMEM (table kept). */
static int rehash(SimStore *s, unsigned bits)
{
    Page *old = s->table;
    size_t old_cap = table_cap(s);
    Page *table = sim_host_malloc(((size_t)1 << bits) * sizeof(*table), "store: hash table");

    if (table == NULL) {
        return -ENOMEM;
    }
    for (size_t i = 0; i < ((size_t)1 << bits); i++) {
        table[i].key = NO_PAGE;
    }
    s->table = table;
    s->bits = bits;
    for (size_t i = 0; i < old_cap; i++) {
        if (old[i].key != NO_PAGE) {
            s->table[probe(s, page_of(&old[i]))] = old[i];
        }
    }
    free(old);
    return 0;
}

/* Room for n more Exts.  0 or -ENOMEM. */
static int ext_room(SimStore *s, uint64_t n)
{
    uint64_t spare = (uint64_t)s->ext_free_count + s->ext_cap - s->ext_used;
    uint64_t cap = s->ext_cap ? s->ext_cap : 16;
    Ext *ext;

    if (spare >= n) {
        return 0;
    }
    while (cap - s->ext_used + s->ext_free_count < n) {
        cap *= 2;
    }
    ext = sim_host_realloc(s->ext, cap * sizeof(*ext), "store: pages with blocks of their own");
    if (ext == NULL) {
        return -ENOMEM;
    }
    s->ext = ext;
    s->ext_cap = (uint32_t)cap;
    return 0;
}

/* Make room for `more` new pages, `blocks` blocks and `exts` pages that
 * may take an Ext: table load stays at most 1/2 and the pool has that
 * many free blocks.  0 or -ENOMEM (the image is unchanged). */
static int reserve(SimStore *s, uint64_t more, uint64_t blocks, uint64_t exts)
{
    uint64_t spare = s->free_count
                     + (uint64_t)s->nchunks * CHUNK_BLOCKS - s->used_blocks;
    unsigned bits = bits_for(s->pages + more, s->table == NULL ? MIN_TABLE_BITS : s->bits);

    if ((s->table == NULL || bits != s->bits) && rehash(s, bits) < 0) {
        return -ENOMEM;
    }
    while (spare < blocks) {
        if (s->nchunks == s->chunks_cap) {
            size_t cap = s->chunks_cap ? s->chunks_cap * 2 : 16;
            uint8_t **chunks = sim_host_realloc(s->chunks, cap * sizeof(*chunks),
                                                "store: the list of chunks");

            if (chunks == NULL) {
                return -ENOMEM;
            }
            s->chunks = chunks;
            s->chunks_cap = cap;
        }
        s->chunks[s->nchunks] = sim_host_malloc(CHUNK_BYTES, "store: a chunk of sectors");
        if (s->chunks[s->nchunks] == NULL) {
            return -ENOMEM;
        }
        s->nchunks++;
        spare += CHUNK_BLOCKS;
    }
    return ext_room(s, exts);
}

/* A block from the free list or the chunks; reserve() made sure of one. */
static uint32_t take_block(SimStore *s)
{
    uint32_t block = s->free_head;

    if (block != NO_BLOCK) {
        memcpy(&s->free_head, block_at(s, block), sizeof(s->free_head));
        s->free_count--;
        return block;
    }
    SIM_CHECK_OP(s->used_blocks, <, s->nchunks * CHUNK_BLOCKS);
    return s->used_blocks++;
}

/* The bits set in a page's written bits (8 of them), without a libgcc
 * call where the target has no popcount instruction. */
static unsigned ones(uint64_t bits)
{
    static const uint8_t nibble[16] = { 0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4 };

    return nibble[bits & 15] + nibble[(bits >> 4) & 15];
}

/* Sectors k .. k + n - 1 of p point at the row of byte b (uniform) or get
 * blocks of their own holding data; blocks they no longer need go back to
 * the free list.  Returns data past what was stored. */
static const uint8_t *put_page(SimStore *s, Page *p, unsigned k, uint32_t n,
                               bool uniform, uint8_t b, const uint8_t *data)
{
    if (uniform && !(p->key & OWN)) {
        /* The slot form: the sectors' bytes and written bits at once. */
        uint64_t bits = (uint64_t)((1u << n) - 1) << (WRITTEN_SHIFT + k);

        s->count += n - ones((p->key & bits) >> WRITTEN_SHIFT);
        p->key |= bits;
        memset(p->v.byte + k, b, n);
        return data;
    }
    for (uint32_t i = 0; i < n; i++, k++) {
        uint32_t old = get(s, p, k);

        s->count += old == NO_BLOCK;
        if (uniform) {
            if (old < UNIFORM) {
                release(s, old);
            }
            set(s, p, k, UNIFORM + b);
            continue;
        }
        if (old == NO_BLOCK || old >= UNIFORM) {
            old = take_block(s);
            set(s, p, k, old);
        }
        memcpy(block_at(s, old), data, SIM_SECTOR_SIZE);
        data += SIM_SECTOR_SIZE;
    }
    return data;
}

/* Sectors [sector, sector + count) as put_page says, page by page;
 * reserve() made room for them. */
static void put(SimStore *s, uint64_t sector, uint32_t count, bool uniform,
                uint8_t b, const uint8_t *data)
{
    SIM_CHECK(!uniform || rows_made[b]);
    while (count > 0) {
        unsigned k = (unsigned)(sector % PAGE_SECTORS);
        uint32_t n = PAGE_SECTORS - k < count ? PAGE_SECTORS - k : count;

        data = put_page(s, page_in(s, sector / PAGE_SECTORS), k, n, uniform, b, data);
        sector += n;
        count -= n;
    }
}

/* x86-64 Linux with GCC or Clang: the loop below also gets an AVX2 copy,
 * picked when the program loads (ifunc); three times faster than SSE2 on
 * a 4 KiB write, and bench_sim checks every write it stores.  Not under
 * AFL++ (__AFL_COMPILER): its coverage pass (Debian's AFL++ with clang 14)
 * crashes the compiler on an ifunc. */
#if defined(__x86_64__) && defined(__GNUC__) && defined(__linux__) && !defined(__AFL_COMPILER)
#define WIDEST_VECTORS __attribute__((target_clones("avx2", "default")))
#else
#define WIDEST_VECTORS
#endif

/* Every byte of data (len: a multiple of 512) is data[0].  Word by word, a
 * sector at a time: the inner loop's fixed length lets compilers vectorise
 * and unroll it whole. */
WIDEST_VECTORS
static bool one_byte(const uint8_t *data, size_t len)
{
    uint64_t pattern = data[0] * UINT64_C(0x0101010101010101);

    SIM_CHECK_OP(len % SIM_SECTOR_SIZE, ==, 0);
    for (size_t at = 0; at < len; at += SIM_SECTOR_SIZE) {
        uint64_t diff = 0;

        for (size_t i = 0; i < SIM_SECTOR_SIZE; i += 8) {
            uint64_t w;

            memcpy(&w, data + at + i, sizeof(w));
            diff |= w ^ pattern;
        }
        if (diff != 0) {
            return false;
        }
    }
    return true;
}

int sim_store_write(SimStore *s, uint64_t sector, uint32_t count,
                    const uint8_t *data)
{
    size_t len = (size_t)count * SIM_SECTOR_SIZE;
    uint64_t fresh = 0, blocks = 0;
    bool uniform;
    int rc;

    if (data == NULL || !range_ok(s, sector, count)) {
        return -EINVAL;
    }
    uniform = one_byte(data, len);
    /* Counting the new sectors (and the rows that need a block) costs a
     * second probe each: do it only near the limit, and otherwise make room
     * for the worst case. */
    if ((uint64_t)count > s->max_blocks - s->count) {
        for (uint32_t i = 0; i < count; i++) {
            uint32_t block = block_of(s, sector + i);

            fresh += block == NO_BLOCK;
            blocks += block == NO_BLOCK || block >= UNIFORM;
        }
        if (fresh > s->max_blocks - s->count) {
            return -ENOSPC;
        }
    } else {
        blocks = count;
    }
    if (uniform) {
        row(data[0]);
    }
    rc = reserve(s, pages_of(s, sector, count), uniform ? 0 : blocks,
                 uniform ? 0 : (sector + count - 1) / PAGE_SECTORS - sector / PAGE_SECTORS + 1);
    if (rc < 0) {
        return rc;
    }
    put(s, sector, count, uniform, data[0], data);
    SIM_CHECK_OP(s->pages, <=, table_cap(s) / 2);
    return 0;
}

/* One sector not yet written in s, whose 512 bytes are data, or every byte
 * b when uniform (data is then not read): as sim_store_write of it. */
static int write_new(SimStore *s, uint64_t sector, bool uniform, uint8_t b,
                     const uint8_t *data)
{
    int rc;

    if (s->count >= s->max_blocks) {
        return -ENOSPC;
    }
    if (uniform) {
        row(b);
    }
    rc = reserve(s, pages_of(s, sector, 1), uniform ? 0 : 1, uniform ? 0 : 1);
    if (rc < 0) {
        return rc;
    }
    put(s, sector, 1, uniform, b, data);
    return 0;
}

/* The sectors [at, stop) of one page that dst lacks, copied from src
 * (from: src's slot of the page, or NULL) in one go when each holds one
 * byte there (or nothing: zeros) and dst has room for every one of
 * them: what their one-sector writes would do, with the same
 * one allocation at most (the table's, which the first of them would
 * make, failing the same way).  Returns 0 (*copied set), 1 when the page
 * needs them one by one, or reserve()'s error. */
static int backup_rows(SimStore *dst, const SimStore *src, const Page *from,
                       uint64_t at, uint64_t stop, uint32_t *copied)
{
    uint64_t page = at / PAGE_SECTORS;
    const Page *mine = find(dst, page);
    uint8_t byte[PAGE_SECTORS];
    unsigned want = 0, n = 0;
    Page *p;
    int rc;

    for (uint64_t sector = at; sector < stop; sector++) {
        unsigned k = (unsigned)(sector % PAGE_SECTORS);
        uint32_t block = from != NULL && sector < src->size_sectors ? get(src, from, k) : NO_BLOCK;

        if (mine != NULL && get(dst, mine, k) != NO_BLOCK) {
            continue;
        }
        if (block < UNIFORM) {
            return 1;                   /* bytes of its own: one_byte decides */
        }
        byte[k] = block == NO_BLOCK ? 0 : (uint8_t)(block - UNIFORM);
        row(byte[k]);
        want |= 1u << k;
        n++;
    }
    *copied = n;
    if (n == 0) {
        return 0;
    }
    if (n > dst->max_blocks - dst->count) {
        return 1;                       /* some fit: those are copied */
    }
    rc = reserve(dst, pages_of(dst, at, 1), 0, 0);
    if (rc < 0) {
        *copied = 0;
        return rc;
    }
    p = page_in(dst, page);
    for (unsigned k = 0; k < PAGE_SECTORS; k++) {
        if (want & (1u << k)) {
            put_page(dst, p, k, 1, true, byte[k], NULL);
        }
    }
    return 0;
}

/* The same, one sector at a time: for sectors with bytes of their own in
 * src, or room for only some of them.  Returns 0 or
 * write_new's error (the sectors before stay copied, *copied counts
 * them). */
static int backup_sectors(SimStore *dst, const SimStore *src, const Page *from,
                          uint64_t at, uint64_t stop, uint32_t *copied)
{
    uint64_t page = at / PAGE_SECTORS;
    const Page *mine = find(dst, page);

    for (; at < stop; at++) {
        uint32_t block = from != NULL && at < src->size_sectors
                         ? get(src, from, at % PAGE_SECTORS) : NO_BLOCK;
        const uint8_t *data = NULL;
        bool uniform = true;
        uint8_t b = 0;
        int rc;

        if (mine != NULL && get(dst, mine, at % PAGE_SECTORS) != NO_BLOCK) {
            continue;
        }
        if (block != NO_BLOCK && block >= UNIFORM) {
            b = (uint8_t)(block - UNIFORM);
        } else if (block != NO_BLOCK) {
            data = block_at(src, block);
            uniform = one_byte(data, SIM_SECTOR_SIZE);
            b = data[0];
        }
        rc = write_new(dst, at, uniform, b, data);
        if (rc < 0) {
            return rc;
        }
        ++*copied;
        /* The destination's slot again after each copy (the table may
         * move); the source's too when they are one store. */
        mine = find(dst, page);
        from = src == dst ? mine : from;
    }
    return 0;
}

int sim_store_backup(SimStore *dst, const SimStore *src, uint64_t sector,
                     uint32_t count, uint32_t *copied)
{
    uint64_t end = sector;              /* sectors past dst's end: skipped */

    *copied = 0;
    if (sector < dst->size_sectors) {
        end += count < dst->size_sectors - sector ? count : dst->size_sectors - sector;
    }
    /* Page by page: the source page is looked up once. */
    for (uint64_t at = sector; at < end;) {
        uint64_t page = at / PAGE_SECTORS;
        uint64_t stop = (page + 1) * PAGE_SECTORS < end ? (page + 1) * PAGE_SECTORS : end;
        const Page *from = find(src, page);
        uint32_t n = 0;
        int rc = backup_rows(dst, src, from, at, stop, &n);

        if (rc == 1) {
            n = 0;
            rc = backup_sectors(dst, src, from, at, stop, &n);
        }
        *copied += n;
        if (rc < 0) {
            return rc;
        }
        at = stop;
    }
    return 0;
}

/* Empty slot i, shifting later members of its probe run back so that
 * every remaining page stays reachable from its home slot. */
static void remove_slot(SimStore *s, size_t i)
{
    size_t mask = table_cap(s) - 1;

    for (size_t j = (i + 1) & mask; s->table[j].key != NO_PAGE;
         j = (j + 1) & mask) {
        size_t k = home_of(s, page_of(&s->table[j]));

        /* Move j into the hole unless its home lies cyclically in (i, j]. */
        if ((i <= j) ? (i < k && k <= j) : (i < k || k <= j)) {
            continue;
        }
        s->table[i] = s->table[j];
        i = j;
    }
    s->table[i].key = NO_PAGE;
    s->pages--;
}

/* An OWN page's Ext onto the free list (the page leaves the table). */
static void release_ext(SimStore *s, const Page *p)
{
    if (p->key & OWN) {
        s->ext[p->v.ext].block[0] = s->ext_free;
        s->ext_free = (uint32_t)p->v.ext;
        s->ext_free_count++;
    }
}

int sim_store_discard(SimStore *s, uint64_t sector, uint32_t count)
{
    if (!range_ok(s, sector, count)) {
        return -EINVAL;
    }
    while (count > 0 && s->count > 0) {
        size_t slot = probe(s, sector / PAGE_SECTORS);
        Page *p = &s->table[slot];
        unsigned k = (unsigned)(sector % PAGE_SECTORS);
        uint32_t n = PAGE_SECTORS - k < count ? PAGE_SECTORS - k : count;
        bool left = false;

        if (p->key != NO_PAGE) {
            for (uint32_t i = 0; i < n; i++) {
                uint32_t old = get(s, p, k + i);

                if (old < UNIFORM) {
                    release(s, old);
                }
                s->count -= old != NO_BLOCK;
                set(s, p, k + i, NO_BLOCK);
            }
            for (unsigned i = 0; i < PAGE_SECTORS; i++) {
                left = left || get(s, p, i) != NO_BLOCK;
            }
            if (!left) {
                release_ext(s, p);
                remove_slot(s, slot);
            }
        }
        sector += n;
        count -= n;
    }
    return 0;
}

/* Sort n page numbers (< 2^37) ascending: least significant byte first,
 * five passes through tmp, each skipped when every page has the same byte
 * there.  Faster than qsort's calls through a pointer for the few hundred
 * pages of a checkpoint. */
static void radix_sort(uint64_t *v, uint64_t *tmp, size_t n)
{
    _Static_assert(SIM_STORE_MAX_SIZE_SECTORS / PAGE_SECTORS <= (UINT64_C(1) << 40), "5 bytes a page");
    for (unsigned shift = 0; shift < 40; shift += 8) {
        size_t at[256] = { 0 }, sum = 0;

        for (size_t i = 0; i < n; i++) {
            at[(v[i] >> shift) & 0xff]++;
        }
        if (at[(v[0] >> shift) & 0xff] == n) {
            continue;
        }
        for (unsigned d = 0; d < 256; d++) {
            size_t c = at[d];

            at[d] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++) {
            tmp[at[(v[i] >> shift) & 0xff]++] = v[i];
        }
        memcpy(v, tmp, n * sizeof(*v));
    }
}

/* The occupied pages, ascending, into v (s->pages entries; tmp as many). */
static void sorted_pages(const SimStore *s, uint64_t *v, uint64_t *tmp)
{
    size_t n = 0;

    for (size_t i = 0; i < table_cap(s); i++) {
        if (s->table[i].key != NO_PAGE) {
            v[n++] = page_of(&s->table[i]);
        }
    }
    SIM_CHECK_OP(n, ==, s->pages);
    radix_sort(v, tmp, n);
}

int sim_store_sorted_sectors(const SimStore *s, uint64_t **sectors,
                             size_t *count)
{
    uint64_t *out = NULL;
    size_t n = 0;

    *sectors = NULL;
    *count = 0;
    if (s->count > 0) {
        /* One allocation: the result, then the pages and the sort's
         * scratch. */
        uint64_t *pages;

        out = sim_host_malloc(((size_t)s->count + 2 * (size_t)s->pages) * sizeof(*out),
                              "store: sorted sectors");
        if (out == NULL) {
            return -ENOMEM;
        }
        pages = out + s->count;
        sorted_pages(s, pages, pages + s->pages);
        for (size_t j = 0; j < s->pages; j++) {
            const Page *p = find(s, pages[j]);

            for (unsigned k = 0; k < PAGE_SECTORS; k++) {
                if (get(s, p, k) != NO_BLOCK) {
                    out[n++] = pages[j] * PAGE_SECTORS + k;
                }
            }
        }
    }
    SIM_CHECK_OP(n, ==, s->count);
    *sectors = out;
    *count = n;
    return 0;
}

int sim_store_foreach(const SimStore *s, SimStoreVisitFn *fn, void *ctx)
{
    uint64_t *pages;
    int rc = 0;

    if (s->count == 0) {
        return 0;
    }
    pages = sim_host_malloc(2 * (size_t)s->pages * sizeof(*pages), "store: sorted sectors");
    if (pages == NULL) {
        return -ENOMEM;
    }
    sorted_pages(s, pages, pages + s->pages);
    for (size_t j = 0; rc == 0 && j < s->pages; j++) {
        const Page *p = find(s, pages[j]);

        for (unsigned k = 0; rc == 0 && k < PAGE_SECTORS; k++) {
            uint32_t block = get(s, p, k);

            if (block != NO_BLOCK) {
                rc = fn(ctx, pages[j] * PAGE_SECTORS + k, data_of(s, block));
            }
        }
    }
    free(pages);
    return rc;
}

SimStore *sim_store_clone(const SimStore *src)
{
    SimStore *s = sim_store_new(src->size_sectors, src->max_blocks);
    uint64_t own = 0, exts = 0;
    bool ok;

    for (size_t i = 0; i < table_cap(src); i++) {
        exts += src->table[i].key != NO_PAGE && (src->table[i].key & OWN);
        for (unsigned k = 0; src->table[i].key != NO_PAGE && k < PAGE_SECTORS; k++) {
            own += get(src, &src->table[i], k) < UNIFORM;
        }
    }
    ok = s != NULL && reserve(s, src->pages, own, exts) == 0;
    if (!ok) {
        sim_store_free(s);
        return NULL;
    }
    for (size_t i = 0; i < table_cap(src); i++) {
        const Page *from = &src->table[i];
        Page *to;

        if (from->key == NO_PAGE) {
            continue;
        }
        to = &s->table[probe(s, page_of(from))];
        *to = *from;
        s->pages++;
        if (from->key & OWN) {
            to->v.ext = take_ext(s);
        }
        for (unsigned k = 0; k < PAGE_SECTORS; k++) {
            uint32_t block = get(src, from, k);

            s->count += block != NO_BLOCK;
            if (from->key & OWN) {
                s->ext[to->v.ext].block[k] = block < UNIFORM ? take_block(s) : block;
            }
            if (block < UNIFORM) {
                memcpy(block_at(s, get(s, to, k)), block_at(src, block), SIM_SECTOR_SIZE);
            }
        }
    }
    SIM_CHECK_OP(s->count, ==, src->count);
    SIM_CHECK_OP(s->pages, ==, src->pages);
    return s;
}

/* First differing byte of one sector: 0 and diff filled, or 1 when equal. */
static int compare_sector(const SimStore *a, const SimStore *b, uint64_t sector,
                          SimStoreDiff *diff)
{
    const uint8_t *x = sim_store_peek(a, sector);
    const uint8_t *y = sim_store_peek(b, sector);

    x = x ? x : zero_block;
    y = y ? y : zero_block;
    for (uint32_t i = 0; i < SIM_SECTOR_SIZE; i++) {
        if (x[i] != y[i]) {
            *diff = (SimStoreDiff){sector, i, x[i], y[i]};
            return 0;
        }
    }
    return 1;
}

int sim_store_compare(const SimStore *expected, const SimStore *actual,
                      SimStoreDiff *diff)
{
    uint64_t *xs = NULL, *ys = NULL;
    size_t nx = 0, ny = 0, i = 0, j = 0;
    SimStoreDiff found = {0};
    int rc = -EINVAL;

    if (expected->size_sectors != actual->size_sectors) {
        goto out;
    }
    rc = sim_store_sorted_sectors(expected, &xs, &nx);
    if (rc == 0) {
        rc = sim_store_sorted_sectors(actual, &ys, &ny);
    }
    /* Merge the two ascending lists: each sector of the union once. */
    while (rc == 0 && (i < nx || j < ny)) {
        uint64_t sector = j == ny || (i < nx && xs[i] <= ys[j]) ? xs[i] : ys[j];

        i += i < nx && xs[i] == sector;
        j += j < ny && ys[j] == sector;
        if (compare_sector(expected, actual, sector, &found) == 0) {
            rc = 1;
        }
    }
    if (rc == 1 && diff != NULL) {
        *diff = found;
    }
out:
    free(xs);
    free(ys);
    return rc;
}

const char *sim_store_diff_format(const SimStoreDiff *diff, char *buf,
                                  size_t len)
{
    snprintf(buf, len, "sector %llu byte %u: expected 0x%02x, actual 0x%02x",
             (unsigned long long)diff->sector, (unsigned)diff->offset,
             (unsigned)diff->expected, (unsigned)diff->actual);
    return buf;
}
