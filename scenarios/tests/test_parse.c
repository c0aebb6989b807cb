/* test_parse.c: the scenario parser: what it accepts, the exact
 * file:line:col message of each error, and that no input crashes it.
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

#include "prng.h"
#include "check_registry.h"
#include "cluster.h"
#include "impl.h"
#include "scn_ast.h"

static ScnScript *parse(const char *text, ScnError *err)
{
    return scn_parse(text, strlen(text), "t.scn", err);
}

/* Parse must fail with exactly this "t.scn:line:col: message". */
static void rejects(const char *text, const char *want)
{
    ScnError err;
    char got[512];
    ScnScript *s = parse(text, &err);

    if (s != NULL) {
        scn_free(s);
        fail_msg("accepted: %s", text);
    }
    scn_error_format(NULL, "t.scn", &err, got, sizeof(got));
    assert_string_equal(got, want);
}

static void accepts_every_operation(void **state)
{
    static const char text[] =
        "# a comment line\n"
        "\n"
        "seed value=0x2a\n"
        "limit ticks=5000 depth=4 calls=100\n"
        "registry name=r1\n"
        "state name=a reg=r1 ops=start+stop   # trailing comment\n"
        "state name=b\n"
        "on state=a walk=stop call=2 do=remove+fail target=b msg=\"b \\\"gone\\\"\\n\\x41\"\n"
        "on state=b walk=start do=nested nested=checkpoint in=r1\n"
        "walk kind=start reg=r1 mode=secondary errp=set\n"
        "expect calls=\"a.start\"\n"
        "expect error=none\n"
        "cluster disks=2 size=8192 interval=0 writes=0.5 packets=3/1000000\r\n"
        "start\n"
        "write disk=1 sector=3 count=2 byte=0xff vm=primary\n"
        "fault point=disk/sec.d1/* mode=prob p=0.25 persistent=true\n"
        "fault point=net/p2s/drop mode=nth k=3\n"
        "clear point=*\n"
        "expect data=0 node=sec index=1 sector=3 count=2\n"
        "expect fired=0 point=node/pri/crash\n"
        "expect hash=0xffffffffffffffff\n";
    ScnError err;
    ScnScript *s = parse(text, &err);
    const ScnValue *v;

    (void)state;
    if (s == NULL) {
        fail_msg("%u:%u: %s", err.line, err.col, err.message);
    }
    assert_int_equal(scn_ops(s), 19);
    assert_int_equal(scn_seed(s), 42);
    v = scn_arg(&s->ops[5], K_MSG);
    assert_string_equal(v->text, "b \"gone\"\nA");
    assert_int_equal(scn_arg(&s->ops[5], K_DO)->nlist, 2);
    assert_int_equal(scn_arg(&s->ops[3], K_OPS)->i, MEMBER_START | MEMBER_STOP);
    assert_int_equal(scn_arg(&s->ops[10], K_PACKETS)->i, 3);
    assert_int_equal(scn_arg(&s->ops[10], K_WRITES)->i, 500000);
    assert_int_equal(scn_arg(&s->ops[9], K_ERROR)->i, -1);
    assert_int_equal(s->ops[18].line, 21);
    assert_int_equal((uint64_t)scn_arg(&s->ops[18], K_HASH)->i, UINT64_MAX);
    scn_free(s);
}

static void syntax_errors_name_line_and_column(void **state)
{
    (void)state;
    rejects("bogus x=1\n", "t.scn:1:1: unknown operation 'bogus'");
    rejects("\n  walk kind=stop nope=1\n", "t.scn:2:18: unknown argument 'nope' for 'walk'");
    rejects("walk\n", "t.scn:1:1: missing argument 'kind' for 'walk'");
    rejects("walk kind=stop kind=start\n", "t.scn:1:16: duplicate argument 'kind'");
    rejects("walk kind stop\n", "t.scn:1:6: expected key=value");
    rejects("walk kind=\n", "t.scn:1:11: missing value for 'kind'");
    rejects("walk kind=stop\"x\"\n", "t.scn:1:15: unexpected '\"' inside a word");
    rejects("state name=\"abc\n", "t.scn:1:12: unterminated string");
    rejects("on state=a walk=stop do=ok\n", "t.scn:1:10: unknown state 'a'");
    rejects("state name=a\non state=a walk=stop do=fail msg=\"x\\qy\"\n",
            "t.scn:2:36: bad escape '\\q'");
    rejects("expect\n", "t.scn:1:1: 'expect' needs what to expect, e.g. calls=\"a.stop\"");
    rejects("expect nothing=1\n", "t.scn:1:8: unknown expectation 'nothing'");
    rejects("walk kind=\"stop\"errp=null\n",
            "t.scn:1:17: expected a blank before the next argument");
}

/* What a message quotes from the file is shown, never sent to the terminal
 * as it is: control bytes (ESC, BEL, ...) come out as \xNN. */
static void control_bytes_in_errors_are_escaped(void **state)
{
    (void)state;
    rejects("bo\x1b[2Jgus\n", "t.scn:1:1: unknown operation 'bo\\x1b[2Jgus'");
    rejects("walk kind=st\aop\n",
            "t.scn:1:11: bad value 'st\\x07op' for 'kind': expected one of start, stop, "
            "checkpoint, get_error");
    rejects("state name=a\non state=a walk=stop do=fail msg=\"x\\\x1b\"\n",
            "t.scn:2:36: bad escape '\\\\x1b'");
    rejects("walk kind=\x7f\n", "t.scn:1:11: bad value '\\x7f' for 'kind': expected one of "
            "start, stop, checkpoint, get_error");
}

static void bad_values_say_why(void **state)
{
    (void)state;
    rejects("seed value=12x\n", "t.scn:1:12: bad value '12x' for 'value': expected an integer");
    rejects("seed value=99999999999999999999\n",
            "t.scn:1:12: bad value '99999999999999999999' for 'value': too large");
    rejects("cluster disks=5\n", "t.scn:1:15: bad value '5' for 'disks': must be 1..4");
    rejects("cluster upstream_checkpoint=yes\n",
            "t.scn:1:29: bad value 'yes' for 'upstream_checkpoint': expected true or false");
    rejects("cluster writes=1.5\n", "t.scn:1:16: bad value '1.5' for 'writes': expected a "
            "fraction 0..1 (at most 6 places) or N/1000000");
    rejects("cluster writes=0.1234567\n", "t.scn:1:16: bad value '0.1234567' for 'writes': "
            "expected a fraction 0..1 (at most 6 places) or N/1000000");
    rejects("walk kind=halt\n", "t.scn:1:11: bad value 'halt' for 'kind': expected one of "
            "start, stop, checkpoint, get_error");
    rejects("registry name=a.b\n", "t.scn:1:15: bad value 'a.b' for 'name': expected a name "
            "of 1-24 letters, digits, '_' or '-'");
    rejects("state name=a ops=start+\n", "t.scn:1:18: bad value 'start+' for 'ops': "
            "expected all, none, or members joined by '+'");
    rejects("state name=a\non state=a walk=stop do=+fail msg=x\n",
            "t.scn:2:25: bad value '+fail' for 'do': expected actions joined by '+' (ok, "
            "fail, fail_silent, remove, register, nested, crash)");
    rejects("state name=a\non state=a walk=stop do=fail msg=\"a\\x00b\"\n",
            "t.scn:2:36: '\\x00' is not allowed: no NUL bytes");
    rejects("state name=a ops=start+start\n", "t.scn:1:18: bad value 'start+start' for 'ops': "
            "expected all, none, or members joined by '+'");
    rejects("state name=a\non state=a walk=stop do=explode\n",
            "t.scn:2:25: bad value 'explode' for 'do': expected actions joined by '+' (ok, "
            "fail, fail_silent, remove, register, nested, crash)");
    rejects("expect hash=12\n", "t.scn:1:13: bad value '12' for 'hash': expected 0x and 1-16 "
            "hex digits");
}

static void names_are_checked_in_file_order(void **state)
{
    (void)state;
    rejects("state name=a\nstate name=a\n", "t.scn:2:12: state 'a' already exists");
    rejects("walk kind=stop reg=r\n", "t.scn:1:20: unknown registry 'r'");
    rejects("registry name=default\n", "t.scn:1:15: registry 'default' already exists");
    rejects("state name=a node=pri\n", "t.scn:1:19: unknown node 'pri'");
    rejects("start\n", "t.scn:1:1: 'start' needs a cluster (declare one with 'cluster' first)");
    rejects("cluster\ncluster\n", "t.scn:2:1: only one cluster per scenario");
    rejects("cluster\nfailover node=p\n", "t.scn:2:15: unknown node 'p'");
    rejects("cluster\nwrite disk=1 sector=0 byte=1\n", "t.scn:2:12: no disk 1 (the cluster has 1)");
    rejects("io disk=d op=read sector=0\n", "t.scn:1:9: unknown disk 'd'");
    rejects("disk name=p role=primary\nio disk=p op=receive sector=0 byte=1\n",
            "t.scn:2:14: 'receive' needs a secondary disk");
    rejects("state name=a\non state=a walk=stop do=fail\n", "t.scn:2:25: 'fail' needs msg=");
    rejects("state name=a\non state=a walk=stop do=crash\n",
            "t.scn:2:25: 'crash' needs a state on a cluster node");
    rejects("state name=a\non state=a walk=stop do=register target=a\n",
            "t.scn:2:41: state 'a' already exists");
}

static void fault_points_must_exist_when_armed(void **state)
{
    ScnError err;
    ScnScript *s;

    (void)state;
    rejects("fault point=disk/x/read mode=always\n", "t.scn:1:13: unknown fault point 'disk/x/read'");
    rejects("fault point=node/pri/crash mode=once\ncluster\n",
            "t.scn:1:13: unknown fault point 'node/pri/crash'");
    rejects("cluster\nfault point=disk/pri.d0/read mode=once\n",
            "t.scn:2:13: unknown fault point 'disk/pri.d0/read'");
    rejects("cluster\nfault point=net/p2s/drop mode=nth\n", "t.scn:2:31: mode 'nth' needs k=");
    rejects("cluster\nexpect fired=1 point=net/*\n", "t.scn:2:22: unknown fault point 'net/*'");
    s = parse("fault point=registry/alloc mode=once\ncluster primary=a secondary=b\n"
              "fault point=disk/b.d0/* mode=always\nfault point=node/a/crash mode=once\n"
              "clear point=*\n", &err);
    assert_non_null(s);
    scn_free(s);
}

/* Text at `max` parses, at max + 1 it fails naming the bound. */
static void bound_is(const char *fmt, long long max, const char *key)
{
    char text[256], want[128];
    ScnError err;
    ScnScript *s;

    snprintf(text, sizeof(text), fmt, max);
    s = parse(text, &err);
    if (s == NULL) {
        fail_msg("%s: %s", text, err.message);
    }
    scn_free(s);
    snprintf(text, sizeof(text), fmt, max + 1);
    assert_null(parse(text, &err));
    snprintf(want, sizeof(want), "for '%s': must be ", key);
    assert_non_null(strstr(err.message, want));
    snprintf(want, sizeof(want), "..%lld", max);
    assert_non_null(strstr(err.message, want));
}

static void value_bounds_are_their_owners_limits(void **state)
{
    (void)state;
    bound_is("cluster disks=%lld\n", SIM_CLUSTER_MAX_DISKS, "disks");
    bound_is("cluster connections=%lld\n", SIM_CLUSTER_MAX_CONNS, "connections");
    bound_is("cluster\nwrite sector=0 byte=1 count=%lld\n", SIM_CLUSTER_MAX_WRITE_SECTORS,
             "count");
    bound_is("cluster disks=4\nwrite disk=%lld sector=0 byte=1\n", SIM_CLUSTER_MAX_DISKS - 1,
             "disk");
    bound_is("cluster connections=64\npacket conn=%lld\n", SIM_CLUSTER_MAX_CONNS - 1, "conn");
    bound_is("cluster commit_rate=%lld\n", SIM_DISK_COMMIT_MAX_SECTORS_PER_TICK, "commit_rate");
    bound_is("disk name=d role=secondary\nio disk=d op=read sector=0 count=%lld\n",
             SIM_DISK_MAX_IO_SECTORS, "count");
    bound_is("limit ticks=%lld\n", SCN_MAX_TICKS, "ticks");
    bound_is("limit depth=%lld\n", SCN_MAX_DEPTH, "depth");
    bound_is("limit calls=%lld\n", SCN_MAX_CALLS, "calls");
    bound_is("cluster latency=%lld\n", SCN_MAX_LATENCY_TICKS, "latency");
    bound_is("disk name=d role=secondary size=%lld\n", SCN_MAX_SECTORS, "size");
}

static void collect_point(void *ctx, const char *name)
{
    char *text = ctx;
    size_t len = strlen(text);

    snprintf(text + len, 8192 - len, "fault point=%s mode=once\n", name);
}

/* The parser knows a cluster's points from the cluster itself. */
static void every_point_a_cluster_registers_can_be_armed(void **state)
{
    SimClusterConfig cfg = { .names = { "a", "b" }, .disks = SIM_CLUSTER_MAX_DISKS };
    static char text[8192];
    ScnError err;
    ScnScript *s;

    (void)state;
    snprintf(text, sizeof(text), "cluster primary=a secondary=b disks=%d\n",
             SIM_CLUSTER_MAX_DISKS);
    assert_int_equal(sim_cluster_points(&cfg, collect_point, text), 0);
    s = parse(text, &err);
    if (s == NULL) {
        fail_msg("%s", err.message);
    }
    assert_int_equal(scn_ops(s), 1 + 10 + 2 + SIM_CLUSTER_MAX_DISKS * (1 + 4));
    scn_free(s);
    rejects("cluster primary=a secondary=b\nfault point=disk/a.d0/read mode=once\n",
            "t.scn:2:13: unknown fault point 'disk/a.d0/read'");
}

static void file_limits(void **state)
{
    char *big = malloc(SCN_MAX_LINE + 64);
    ScnError err;
    ScnScript *s;

    (void)state;
    assert_non_null(big);
    memcpy(big, "seed value=1\n", 13);
    memset(big + 13, 'x', SCN_MAX_LINE + 1);     /* line 2: one byte too long */
    big[13 + SCN_MAX_LINE + 1] = '\0';
    rejects(big, "t.scn:2:4097: line longer than 4096 bytes");
    free(big);
    s = scn_parse("seed value=1\nse\0d\n", 17, "t.scn", &err);
    assert_null(s);
    assert_int_equal(err.line, 2);
    assert_int_equal(err.col, 3);
    assert_string_equal(err.message, "NUL byte in the file");
}

/* FORMAT.md "Errors": CRLF line ends are accepted, a CR elsewhere is a
 * byte (shown escaped); escape errors point at the backslash, an
 * unterminated string at its quote. */
static void line_ends_and_byte_level_columns(void **state)
{
    ScnError err;
    ScnScript *s;

    (void)state;
    s = parse("state name=a\r\nwalk kind=stop\r\n", &err);
    assert_non_null(s);
    assert_int_equal(scn_ops(s), 2);
    scn_free(s);
    rejects("state name=a\rwalk kind=stop\n",
            "t.scn:1:12: bad value 'a\\x0dwalk' for 'name': expected a name of 1-24 "
            "letters, digits, '_' or '-'");
    rejects("state name=a\non state=a walk=stop do=fail msg=\"ab\\x00\"\n",
            "t.scn:2:37: '\\x00' is not allowed: no NUL bytes");
    rejects("state name=a\non state=a walk=stop do=fail msg=\"ab\\x4\"\n",
            "t.scn:2:37: bad escape '\\x'");
    rejects("state name=\"a b\n", "t.scn:1:12: unterminated string");
}

static void too_many_operations(void **state)
{
    size_t n = (SCN_MAX_OPS + 1) * 13 + 1;
    char *text = malloc(n);
    char want[128];

    (void)state;
    assert_non_null(text);
    text[0] = '\0';
    for (int i = 0; i <= SCN_MAX_OPS; i++) {
        strcat(text + (size_t)i * 12, "run ticks=0\n");
    }
    snprintf(want, sizeof(want), "t.scn:%d:1: too many operations (limit %d)",
             SCN_MAX_OPS + 1, SCN_MAX_OPS);
    rejects(text, want);
    free(text);
}

/* Random edits of a valid file: parse errors or scripts, never a crash. */
static void mutated_input_never_crashes(void **state)
{
    static const char base[] =
        "registry name=r\nstate name=a reg=r ops=start+stop\nstate name=b reg=r\n"
        "on state=a walk=stop call=1 do=remove+fail target=b msg=\"x\\x41\"\n"
        "walk kind=stop reg=r errp=null\nexpect calls=\"a.stop\"\ncluster size=64\n"
        "fault point=disk/sec.d0/* mode=prob p=0.5\nexpect hash=0x1\n";
    static const char alphabet[] = "=\"\\# \t\nax0.+/*-_";
    SimPrng r;
    char buf[sizeof(base) + 64];

    (void)state;
    sim_prng_init(&r, 7, "mutate");
    for (int round = 0; round < 20000; round++) {
        size_t len = sizeof(base) - 1;
        ScnError err;
        ScnScript *s;

        memcpy(buf, base, len);
        for (int k = 0; k < 1 + (int)sim_prng_below(&r, 4); k++) {
            size_t at = sim_prng_below(&r, len);

            buf[at] = sim_prng_chance(&r, 500000) ? alphabet[sim_prng_below(&r, sizeof(alphabet) - 1)]
                                                  : (char)sim_prng_below(&r, 256);
        }
        s = scn_parse(buf, len, "m.scn", &err);
        assert_true(s != NULL || (err.line >= 1 && err.col >= 1 && err.message[0]));
        scn_free(s);
    }
}

static void rule_tags_are_kept_and_checked(void **state)
{
    ScnError err;
    const ScnRuleTag *tags;
    ScnScript *s = parse("rule id=5 walk=stop\nrule id=alloc-null\nregistry name=r\n", &err);

    (void)state;
    assert_non_null(s);
    assert_int_equal(scn_script_rules(s, &tags), 2);
    assert_int_equal(tags[0].rule, 5);
    assert_int_equal(tags[0].walk, SIM_WALK_STOP);
    assert_int_equal(tags[1].rule, 0);
    assert_int_equal(tags[1].ext, REPLICATION_EXT_ALLOC_NULL);
    assert_int_equal(tags[1].walk, SCN_WALK_ANY);
    assert_int_equal(scn_script_needs(s), REPLICATION_EXT_ALLOC_NULL);
    scn_free(s);
    s = parse("fault point=registry/alloc mode=once\n", &err);
    assert_non_null(s);
    assert_int_equal(scn_script_needs(s), REPLICATION_EXT_ALLOC_NULL);
    scn_free(s);
    rejects("rule id=7\n", "t.scn:1:9: bad value '7' for 'id': expected a walk rule 1-6 "
            "or an extension (instances, count, alloc-null, free-with-states)");
    rejects("rule id=5 walk=sideways\n", "t.scn:1:16: bad value 'sideways' for 'walk': "
            "expected one of start, stop, checkpoint, get_error");
    rejects("rule walk=stop\n", "t.scn:1:1: missing argument 'id' for 'rule'");
    rejects("rule id=1\nrule id=1\nrule id=1\nrule id=1\nrule id=1\nrule id=1\n"
            "rule id=1\nrule id=1\nrule id=1\n", "t.scn:9:1: too many rule lines (limit 8)");
    assert_string_equal(scn_rule_title(5),
                        "removal, registration and nested walks inside callbacks are safe");
    assert_null(scn_rule_title(0));
    assert_null(scn_rule_title(7));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(accepts_every_operation),
        cmocka_unit_test(rule_tags_are_kept_and_checked),
        cmocka_unit_test(syntax_errors_name_line_and_column),
        cmocka_unit_test(bad_values_say_why),
        cmocka_unit_test(names_are_checked_in_file_order),
        cmocka_unit_test(fault_points_must_exist_when_armed),
        cmocka_unit_test(value_bounds_are_their_owners_limits),
        cmocka_unit_test(every_point_a_cluster_registers_can_be_armed),
        cmocka_unit_test(control_bytes_in_errors_are_escaped),
        cmocka_unit_test(file_limits),
        cmocka_unit_test(line_ends_and_byte_level_columns),
        cmocka_unit_test(too_many_operations),
        cmocka_unit_test(mutated_input_never_crashes),
    };

    return cmocka_run_group_tests_name("scn_parse", tests, NULL, NULL);
}
