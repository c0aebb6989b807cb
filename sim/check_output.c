/* check_output.c: the output checker (check_output.h): an open-addressing
 * map (conn, pos) -> payload digest of what clients saw, and the first
 * violation's message.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "check_output.h"
#include "host.h"

typedef struct Seen {
    uint64_t pos;
    uint64_t payload;
    uint32_t conn;
    bool used;
} Seen;

struct SimOutCheck {
    Seen *slots;
    size_t cap;                 /* a power of two */
    size_t len;
    size_t max;
    unsigned violations;
    char first[SIM_OUTCHECK_MSG_MAX];
};

/* The limit a checker made or reset with max_packets keeps to. */
static size_t limit_of(size_t max_packets)
{
    return max_packets ? max_packets : 1000000;
}

SimOutCheck *sim_outcheck_new(size_t max_packets)
{
    SimOutCheck *chk = sim_host_calloc(1, sizeof(*chk), "output checker");

    if (chk == NULL) {
        return NULL;
    }
    chk->max = limit_of(max_packets);
    chk->cap = 64;
    chk->slots = sim_host_calloc(chk->cap, sizeof(*chk->slots), "output checker: packets seen");
    if (chk->slots == NULL) {
        free(chk);
        return NULL;
    }
    return chk;
}

void sim_outcheck_free(SimOutCheck *chk)
{
    if (chk != NULL) {
        free(chk->slots);
        free(chk);
    }
}

/* One violation; the first one's message is kept. */
#define note(x, ...) sim_note(&(x)->violations, (x)->first, sizeof((x)->first), __VA_ARGS__)

/* A connection's positions come in order: GROUP consecutive ones share a
 * home and take consecutive slots from it, so a client's stream touches a
 * new cache line every few packets instead of a random one for each (the
 * table of a long run is megabytes).  A taken slot sends the probe one
 * group and one slot on: a group whose home is taken by another lands in
 * the next one's slots, still in a row, instead of walking past every
 * member of the other group; the step is odd, so the probe visits every
 * slot of the table (a power of two) before it repeats.  Any home and
 * any such step give the same answers. */
#define GROUP 16

static size_t slot_of(const Seen *slots, size_t cap, uint32_t conn, uint64_t pos)
{
    uint64_t h = (pos / GROUP * 0x9e3779b97f4a7c15ULL) ^ ((uint64_t)conn * 0xc2b2ae3d27d4eb4fULL);
    size_t i = ((size_t)(h >> 17) * GROUP + (size_t)(pos % GROUP)) & (cap - 1);

    while (slots[i].used && (slots[i].conn != conn || slots[i].pos != pos)) {
        i = (i + GROUP + 1) & (cap - 1);
    }
    return i;
}

static int grow(SimOutCheck *chk)
{
    size_t cap = chk->cap * 2;
    Seen *slots = sim_host_calloc(cap, sizeof(*slots), "output checker: packets seen");

    if (slots == NULL) {
        return -ENOMEM;
    }
    for (size_t i = 0; i < chk->cap; i++) {
        if (chk->slots[i].used) {
            slots[slot_of(slots, cap, chk->slots[i].conn, chk->slots[i].pos)] = chk->slots[i];
        }
    }
    free(chk->slots);
    chk->slots = slots;
    chk->cap = cap;
    return 0;
}

int sim_outcheck_client_saw(SimOutCheck *chk, uint32_t conn, uint64_t pos,
                            uint64_t payload)
{
    Seen *s = &chk->slots[slot_of(chk->slots, chk->cap, conn, pos)];

    if (s->used) {
        if (s->payload == payload) {
            return 0;
        }
        note(chk, "output: conn %u pos %llu: client saw 0x%016llx, then 0x%016llx",
             conn, (unsigned long long)pos, (unsigned long long)s->payload,
             (unsigned long long)payload);
        return -EPROTO;
    }
    if (chk->len >= chk->max) {
        note(chk, "output: more than %zu packets seen: checker limit reached", chk->max);
        return -ENOSPC;
    }
    if (2 * (chk->len + 1) > chk->cap) {
        if (grow(chk) < 0) {
            return -ENOMEM;
        }
        s = &chk->slots[slot_of(chk->slots, chk->cap, conn, pos)];
    }
    *s = (Seen){ .pos = pos, .payload = payload, .conn = conn, .used = true };
    chk->len++;
    return 0;
}

int sim_outcheck_history(SimOutCheck *chk, uint32_t conn, uint64_t pos,
                         uint64_t payload)
{
    const Seen *s = &chk->slots[slot_of(chk->slots, chk->cap, conn, pos)];

    if (!s->used || s->payload == payload) {
        return 0;
    }
    note(chk, "output: conn %u pos %llu: client saw 0x%016llx, survivor sent 0x%016llx",
         conn, (unsigned long long)pos, (unsigned long long)s->payload,
         (unsigned long long)payload);
    return -EPROTO;
}

size_t sim_outcheck_seen(const SimOutCheck *chk)
{
    return chk->len;
}

unsigned sim_outcheck_violations(const SimOutCheck *chk)
{
    return chk->violations;
}

const char *sim_outcheck_first(const SimOutCheck *chk)
{
    return chk->first;
}

/* ---- Reuse (issue 22) -------------------------------------------------- */

void sim_outcheck_reset(SimOutCheck *chk, size_t max_packets)
{
    memset(chk->slots, 0, chk->cap * sizeof(*chk->slots));
    chk->len = 0;
    chk->max = limit_of(max_packets);
    chk->violations = 0;
    chk->first[0] = '\0';
}
