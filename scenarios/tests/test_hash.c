/* test_hash.c: the trace hash of scenario runs: XXH3-64 of the trace text,
 * changed by any one flipped bit of it, and different for scenarios that
 * the old word-wise FNV hash confused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <xxhash.h>

#include "scn.h"

#define TEXT_MAX (64u << 10)    /* bytes of trace a test keeps */

typedef struct Text {
    char buf[TEXT_MAX];
    size_t len;
} Text;

static void keep_line(void *ctx, const SimTraceEvent *e, const char *line)
{
    Text *t = ctx;
    size_t n = strlen(line);

    (void)e;
    assert_true(t->len + n + 1 <= sizeof(t->buf));
    memcpy(t->buf + t->len, line, n);
    t->buf[t->len + n] = '\n';
    t->len += n + 1;
}

/* Runs the scenario text (it must pass); its trace goes to out. */
static uint64_t run_text(const char *text, size_t len, const char *file, Text *out)
{
    ScnOptions opt = { .sink = keep_line, .sink_ctx = out };
    ScnResult res;
    ScnError err;
    ScnScript *s = scn_parse(text, len, file, &err);

    if (s == NULL) {
        fail_msg("%s:%u:%u: %s", file, err.line, err.col, err.message);
    }
    out->len = 0;
    assert_int_equal(scn_run(s, &opt, &res), SCN_PASS);
    scn_free(s);
    return res.hash;
}

static uint64_t run_file(const char *name, Text *out)
{
    static char text[1 << 16];
    char path[512];
    FILE *f;
    size_t len;

    snprintf(path, sizeof(path), "%s/%s", SUITES_DIR, name);
    f = fopen(path, "rb");
    assert_non_null(f);
    len = fread(text, 1, sizeof(text), f);
    assert_true(len < sizeof(text));
    fclose(f);
    return run_text(text, len, path, out);
}

/* Under FNV both gave 0x6c8dc3573041d17f: a difference in a word's top
 * byte stayed in the hash's top bits and was multiplied away. */
static void one_line_scenarios_fnv_confused_hash_differently(void **state)
{
    static const char a[] = "state name=abcdebghijklm2op ops=none\n";
    static const char b[] = "state name=abcdecghijklmAop ops=none\n";
    static Text ta, tb;

    (void)state;
    assert_int_not_equal(run_text(a, strlen(a), "a.scn", &ta),
                         run_text(b, strlen(b), "b.scn", &tb));
}

/* The `on` line's trace wrote do=0 for every action list (issue 10, item
 * 6): rules differing only in their actions traced and hashed the same. */
static void rules_that_differ_only_in_do_hash_differently(void **state)
{
    static const char *const scn[] = {
        "state name=a\non state=a walk=stop do=ok\n",
        "state name=a\non state=a walk=stop do=fail_silent\n",
        "state name=a\non state=a walk=stop do=fail_silent+remove target=a\n",
        "state name=a\non state=a walk=stop do=remove+fail_silent target=a\n",
    };
    static Text t[4];
    uint64_t h[4];

    (void)state;
    for (int i = 0; i < 4; i++) {
        h[i] = run_text(scn[i], strlen(scn[i]), "do.scn", &t[i]);
    }
    assert_non_null(strstr(t[0].buf, " on line=2 state=a walk=stop do=ok\n"));
    assert_non_null(strstr(t[3].buf, " do=remove+fail_silent target=a\n"));
    assert_int_not_equal(h[0], h[1]);
    assert_int_not_equal(h[2], h[3]);
}

/* The result's hash is XXH3-64 of exactly the lines the sink saw, each
 * ended by '\n' (the --trace file), and flipping any one bit of any byte
 * of them changes it. */
static void check_every_flip(const char *name)
{
    static Text t;
    uint64_t hash = run_file(name, &t);

    assert_true(t.len > 0);
    assert_int_equal(hash, XXH3_64bits(t.buf, t.len));
    for (size_t i = 0; i < t.len; i++) {
        for (int bit = 0; bit < 8; bit++) {
            t.buf[i] = (char)(t.buf[i] ^ (1 << bit));
            if (XXH3_64bits(t.buf, t.len) == hash) {
                fail_msg("%s: flipping bit %d of byte %zu left the hash", name, bit, i);
            }
            t.buf[i] = (char)(t.buf[i] ^ (1 << bit));
        }
    }
}

static void flipping_any_bit_of_a_suite_trace_changes_its_hash(void **state)
{
    (void)state;
    check_every_flip("registry/nested_walk_in_another_registry.scn");
#ifdef FIU_ENABLE                       /* these two inject faults */
    check_every_flip("errors/get_error_after_primary_forward_fault.scn");
    check_every_flip("failover/secondary_crash_mid_commit.scn");
#endif
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(one_line_scenarios_fnv_confused_hash_differently),
        cmocka_unit_test(rules_that_differ_only_in_do_hash_differently),
        cmocka_unit_test(flipping_any_bit_of_a_suite_trace_changes_its_hash),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
