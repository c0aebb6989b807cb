/* test_decode.c: the fuzz decoders and encoder (scn.h, "Fuzzing"): every
 * byte string decodes to text the parser accepts, decoded runs keep every
 * checker, and suite scenarios encode into inputs that decode and run.
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "prng.h"
#include "scn.h"
#include "scn_ast.h"

static char text[256 * 1024];
static ScnResult res;

/* Decode, parse (it must), run; return the run's status. */
#ifdef FIU_ENABLE
#define FIU_BUILT true
#else
#define FIU_BUILT false
#endif

static ScnStatus decode_and_run(ScnHarness h, const uint8_t *in, size_t n)
{
    size_t len = scn_decode(h, in, n, text, sizeof(text));
    ScnErrors err;
    ScnScript *s = scn_parse(text, len, "decoded.scn", &err);
    ScnStatus st;

    if (s == NULL) {
        fail_msg("decoded text does not parse: %u:%u: %s\n%s", err.e[0].line,
                 err.e[0].col, err.e[0].message, text);
    }
    st = scn_run(s, NULL, &res);
    scn_free(s);
    if (!res.checkers_ok) {
        fail_msg("checker: %s\n%s", res.checker, text);
    }
    return st;
}

static void empty_input_decodes_to_a_runnable_script(void **state)
{
    (void)state;
    assert_int_equal(decode_and_run(SCN_HARNESS_REGISTRY, NULL, 0), SCN_PASS);
    assert_string_equal(text, "# fuzz_registry input, decoded\nlimit depth=4 calls=2000\n"
                        "registry name=r0\n");
    assert_int_equal(decode_and_run(SCN_HARNESS_CLUSTER, NULL, 0), SCN_PASS);
    assert_non_null(strstr(text, "cluster disks=1 size=512"));
}

static void harness_names(void **state)
{
    ScnHarness h;

    (void)state;
    assert_int_equal(scn_harness_by_name("fuzz_registry", &h), 0);
    assert_int_equal(h, SCN_HARNESS_REGISTRY);
    assert_int_equal(scn_harness_by_name("cluster", &h), 0);
    assert_int_equal(h, SCN_HARNESS_CLUSTER);
    assert_string_equal(scn_harness_name(h), "fuzz_cluster");
    assert_int_equal(scn_harness_by_name("fuzz_scenario", &h), 0);
    assert_int_equal(h, SCN_HARNESS_SCENARIO);
    assert_int_equal(scn_harness_by_name("fuzz_nothing", &h), -EINVAL);
}

/* The decoders' promise, checked on random inputs of every length. */
static void random_bytes_always_decode_to_runnable_scripts(void **state)
{
    uint8_t in[512];
    SimPrng r;

    (void)state;
    sim_prng_init(&r, 11, "decode");
    for (int round = 0; round < 1500; round++) {
        size_t n = (size_t)sim_prng_below(&r, sizeof(in) + 1);

        for (size_t i = 0; i < n; i++) {
            in[i] = (uint8_t)sim_prng_u64(&r);
        }
        /* Our registry breaks no contract, so every decoded run passes: an
         * operation the decoder writes never fails by the script's own doing
         * (nesting too deep, a rule's removal of a state already gone, a
         * registration out of memory); the harness holds this against it. */
        ScnStatus st = decode_and_run(round % 2 ? SCN_HARNESS_CLUSTER : SCN_HARNESS_REGISTRY,
                                      in, n);

        /* Without libfiu a script that arms a fault is SKIP, never run. */
        if (st != SCN_PASS && !(st == SCN_SKIP && !FIU_BUILT)) {
            fail_msg("decoded run fails: line %u: %s\n%s", res.line, res.message, text);
        }
    }
}

static unsigned lines_equal_to(const char *want)
{
    unsigned n = 0;

    for (const char *p = text; (p = strstr(p, want)) != NULL; p += strlen(want)) {
        n += p == text || p[-1] == '\n';
    }
    return n;
}

/* 42 `clear` opcodes in a row are one line; 3 runs in a row, one run. */
static void repeated_operations_that_change_nothing_are_folded(void **state)
{
    uint8_t in[5 + 42 + 6];

    (void)state;
    memset(in, 0, sizeof(in));
    memset(in + 5, 11, 42);
    in[5 + 42] = 1, in[5 + 42 + 1] = 4;         /* run ticks=5 */
    in[5 + 42 + 2] = 1, in[5 + 42 + 3] = 9;     /* run ticks=10 */
    in[5 + 42 + 4] = 2, in[5 + 42 + 5] = 0;     /* run ticks=1 */
    assert_int_equal(decode_and_run(SCN_HARNESS_CLUSTER, in, sizeof(in)), SCN_PASS);
    assert_int_equal(lines_equal_to("clear point=*\n"), 1);
    assert_int_equal(lines_equal_to("run ticks=16\n"), 1);
    assert_null(strstr(text, "run ticks=5\n"));
}

/* A walk's rules may ask for what cannot be done when they fire: the walk
 * may fail, so the harness and `replbench run` both let the run go on. */
static void impossible_rule_actions_do_not_fail_a_decoded_run(void **state)
{
    /* s0's start nests a start walk, then removes s0: the deepest walk
     * nests past depth=4, and every level but one removes s0 again. */
    static const uint8_t in[] = {
        0,                                  /* one registry */
        0, 0, 15,                           /* s0 */
        3, 0, 0, 0, 0x83, 3, 0, 0,         /* on s0 start: nested+remove */
        5, 0, 0, 0,                         /* walk start */
    };

    (void)state;
    assert_int_equal(decode_and_run(SCN_HARNESS_REGISTRY, in, sizeof(in)), SCN_PASS);
    assert_non_null(strstr(text, "do=nested+remove nested=start in=r0 target=s0\n"));
    assert_non_null(strstr(text, "walk kind=start reg=r0 errp=fresh mode=primary may_fail=true\n"));
}

/* A packet's bytes are [conn] [diverge], in that order, with every compiler
 * (they were once read as two arguments of one call, in an order C leaves
 * open: gcc read diverge first). */
static void packet_bytes_are_read_in_their_order(void **state)
{
    static const uint8_t in[] = { 0, 0, 0, 0, 0, 4, 3, 0, 4, 0, 1 };

    (void)state;
    assert_int_equal(decode_and_run(SCN_HARNESS_CLUSTER, in, sizeof(in)), SCN_PASS);
    assert_non_null(strstr(text, "\npacket conn=3 diverge=false may_fail=true\n"
                            "packet conn=0 diverge=true may_fail=true\n"));
}

static void output_is_cut_at_a_line_when_full(void **state)
{
    uint8_t in[64];
    char small[100];
    size_t len;

    (void)state;
    memset(in, 0, sizeof(in));
    len = scn_decode(SCN_HARNESS_REGISTRY, in, sizeof(in), small, sizeof(small));
    assert_true(len < sizeof(small));
    assert_int_equal(small[len], '\0');
    assert_true(len == 0 || small[len - 1] == '\n');
    assert_int_equal(scn_decode(SCN_HARNESS_REGISTRY, in, sizeof(in), small, 0), 0);
}

/* Every suite scenario of the kinds a harness expresses encodes into an
 * input that decodes into a runnable script. */
static void suite_scenarios_encode_into_runnable_inputs(void **state)
{
    static const char *const dirs[] = { "registry", "removal", "errors", "failover",
                                        "network", "faults" };
    static char buf[1 << 20];
    uint8_t out[4096];
    unsigned encoded = 0;

    (void)state;
    for (size_t d = 0; d < sizeof(dirs) / sizeof(dirs[0]); d++) {
        char path[512];
        DIR *dir;
        struct dirent *e;

        snprintf(path, sizeof(path), "%s/%s", SUITES_DIR, dirs[d]);
        dir = opendir(path);
        assert_non_null(dir);
        while ((e = readdir(dir)) != NULL) {
            char file[1024];
            FILE *f;
            size_t n, len;
            ScnScript *s;

            if (strstr(e->d_name, ".scn") == NULL) {
                continue;
            }
            snprintf(file, sizeof(file), "%s/%s", path, e->d_name);
            f = fopen(file, "rb");
            assert_non_null(f);
            n = fread(buf, 1, sizeof(buf), f);
            fclose(f);
            s = scn_parse(buf, n, file, NULL);
            assert_non_null(s);
            assert_int_equal(scn_encode(d < 3 ? SCN_HARNESS_REGISTRY : SCN_HARNESS_CLUSTER, s,
                                        out, sizeof(out), &len), 0);
            assert_true(len > 0);
            scn_free(s);
            decode_and_run(d < 3 ? SCN_HARNESS_REGISTRY : SCN_HARNESS_CLUSTER, out, len);
            encoded++;
        }
        closedir(dir);
    }
    assert_true(encoded >= 100);
}

/* A rule's actions survive encoding, alone and in every pair (the decoder
 * registers before it removes, one target= serving both). */
static void rule_actions_encode_as_written(void **state)
{
    (void)state;
    for (uint8_t a = ACT_OK; a <= ACT_NESTED; a++) {
        for (uint8_t b = ACT_OK; b <= ACT_NESTED + 1; b++) {
            uint8_t acts[2] = { a, b }, out[64];
            unsigned n = b > ACT_NESTED ? 1 : 2;
            ScnScript *s, *d = NULL;
            ScnOp *on;
            const ScnValue *got;
            size_t len;

            if (a == b) {
                continue;       /* the decoder makes one of two equal actions */
            }
            s = scn_script_new("pair.scn", 8);
            assert_non_null(s);
            scn_arg_text(scn_op_add(s, OP_REGISTRY, 1), K_NAME, "r0");
            scn_arg_text(scn_op_add(s, OP_STATE, 2), K_NAME, "s0");
            scn_arg_text(scn_op_add(s, OP_STATE, 3), K_NAME, "s1");
            on = scn_op_add(s, OP_ON, 4);
            scn_arg_text(on, K_STATE, "s0");
            scn_arg_int(on, K_WALK, 0);     /* start */
            scn_arg_do(on, acts, n);
            assert_int_equal(scn_encode(SCN_HARNESS_REGISTRY, s, out, sizeof(out), &len), 0);
            assert_int_equal(scn_decode_script(SCN_HARNESS_REGISTRY, out, len, &d), 0);
            on = NULL;
            for (size_t i = 0; i < d->nops && on == NULL; i++) {
                on = d->ops[i].kind == OP_ON ? &d->ops[i] : NULL;
            }
            assert_non_null(on);
            got = scn_arg(on, K_DO);
            assert_int_equal(got->nlist, n);
            if (n == 2 && a == ACT_REMOVE && b == ACT_REGISTER) {
                acts[0] = ACT_REGISTER;
                acts[1] = ACT_REMOVE;
            }
            for (unsigned i = 0; i < n; i++) {
                if (got->list[i] != acts[i]) {
                    fail_msg("do=%s+%s decodes with action %u %s", scn_action_name(a),
                             n == 2 ? scn_action_name(b) : "", i, scn_action_name(got->list[i]));
                }
            }
            scn_free(d);
            scn_free(s);
        }
    }
}

static void encode_reports_a_full_buffer(void **state)
{
    static const char script[] = "registry name=r\nstate name=a reg=r\nwalk kind=stop reg=r\n";
    ScnScript *s = scn_parse(script, strlen(script), "x.scn", NULL);
    uint8_t out[4];
    size_t len;

    (void)state;
    assert_non_null(s);
    assert_int_equal(scn_encode(SCN_HARNESS_REGISTRY, s, out, sizeof(out), &len), -ENOSPC);
    assert_int_equal(len, sizeof(out));
    scn_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(empty_input_decodes_to_a_runnable_script),
        cmocka_unit_test(harness_names),
        cmocka_unit_test(random_bytes_always_decode_to_runnable_scripts),
        cmocka_unit_test(repeated_operations_that_change_nothing_are_folded),
        cmocka_unit_test(impossible_rule_actions_do_not_fail_a_decoded_run),
        cmocka_unit_test(packet_bytes_are_read_in_their_order),
        cmocka_unit_test(output_is_cut_at_a_line_when_full),
        cmocka_unit_test(suite_scenarios_encode_into_runnable_inputs),
        cmocka_unit_test(rule_actions_encode_as_written),
        cmocka_unit_test(encode_reports_a_full_buffer),
    };

    return cmocka_run_group_tests_name("scn_decode", tests, NULL, NULL);
}
