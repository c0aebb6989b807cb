/* test_parse.c: the scenario parser: what it accepts, the exact
 * file:line:col message of each error, every error of a file (up to the
 * limit), the known word each names when one is near, and that no input
 * crashes it.
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

static ScnScript *parse(const char *text, ScnErrors *err)
{
    return scn_parse(text, strlen(text), "t.scn", err);
}

/* Parse must fail with exactly these errors: "t.scn:line:col: message"
 * lines, as every command prints them. */
static void rejects(const char *text, const char *want)
{
    static ScnErrors err;
    static char got[8192];
    ScnScript *s = parse(text, &err);

    if (s != NULL) {
        scn_free(s);
        fail_msg("accepted: %s", text);
    }
    scn_errors_format(&err, "t.scn", got, sizeof(got));
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
    ScnErrors err;
    ScnScript *s = parse(text, &err);
    const ScnValue *v;

    (void)state;
    if (s == NULL) {
        fail_msg("%u:%u: %s", err.e[0].line, err.e[0].col, err.e[0].message);
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
    rejects("\n  walk kind=stop nope=1\n",
            "t.scn:2:18: unknown argument 'nope' for 'walk'; did you mean 'node'?");
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
    rejects("expect nothing=1\n", "t.scn:1:8: unknown expectation 'nothing'; expected one of "
            "calls, error, error_contains, count, data, stage, packets, epoch, broken, "
            "crashed, fired, hits, violation, hash, liveness");
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
            "checkpoint, get_error; did you mean 'stop'?");
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
    ScnErrors err;
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
    ScnErrors err;
    ScnScript *s;

    snprintf(text, sizeof(text), fmt, max);
    s = parse(text, &err);
    if (s == NULL) {
        fail_msg("%s: %s", text, err.e[0].message);
    }
    scn_free(s);
    snprintf(text, sizeof(text), fmt, max + 1);
    assert_null(parse(text, &err));
    snprintf(want, sizeof(want), "for '%s': must be ", key);
    assert_non_null(strstr(err.e[0].message, want));
    snprintf(want, sizeof(want), "..%lld", max);
    assert_non_null(strstr(err.e[0].message, want));
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
    ScnErrors err;
    ScnScript *s;

    (void)state;
    snprintf(text, sizeof(text), "cluster primary=a secondary=b disks=%d\n",
             SIM_CLUSTER_MAX_DISKS);
    assert_int_equal(sim_cluster_points(&cfg, collect_point, text), 0);
    s = parse(text, &err);
    if (s == NULL) {
        fail_msg("%s", err.e[0].message);
    }
    assert_int_equal(scn_ops(s), 1 + 10 + 2 + SIM_CLUSTER_MAX_DISKS * (1 + 4));
    scn_free(s);
    rejects("cluster primary=a secondary=b\nfault point=disk/a.d0/read mode=once\n",
            "t.scn:2:13: unknown fault point 'disk/a.d0/read'; did you mean 'disk/b.d0/read'?");
}

static void file_limits(void **state)
{
    char *big = malloc(SCN_MAX_LINE + 64);
    ScnErrors err;
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
    assert_int_equal(err.n, 1);
    assert_int_equal(err.total, 1);
    assert_int_equal(err.e[0].line, 2);
    assert_int_equal(err.e[0].col, 3);
    assert_string_equal(err.e[0].message, "NUL byte in the file");
}

/* FORMAT.md "Errors": CRLF line ends are accepted, a CR elsewhere is a
 * byte (shown escaped); escape errors point at the backslash, an
 * unterminated string at its quote. */
static void line_ends_and_byte_level_columns(void **state)
{
    ScnErrors err;
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
        ScnErrors err;
        ScnScript *s;

        memcpy(buf, base, len);
        for (int k = 0; k < 1 + (int)sim_prng_below(&r, 4); k++) {
            size_t at = sim_prng_below(&r, len);

            buf[at] = sim_prng_chance(&r, 500000) ? alphabet[sim_prng_below(&r, sizeof(alphabet) - 1)]
                                                  : (char)sim_prng_below(&r, 256);
        }
        s = scn_parse(buf, len, "m.scn", &err);
        assert_true(s != NULL || (err.n >= 1 && err.total >= err.n));
        for (unsigned i = 0; s == NULL && i < err.n; i++) {
            assert_true(err.e[i].line >= 1 && err.e[i].col >= 1 && err.e[i].message[0]);
        }
        scn_free(s);
    }
}

static void rule_tags_are_kept_and_checked(void **state)
{
    ScnErrors err;
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

/* ---- every error of a file, and the word it looks like ---------------------- */

static void every_error_of_a_file_is_reported_in_file_order(void **state)
{
    (void)state;
    rejects("registry name=r\n"
            "expect colour=1\n"
            "state name=a reg=r\n"
            "walk kind=halt reg=r\n"
            "\n"
            "bogus\n"
            "walk kind=stop reg=q\n",
            "t.scn:2:8: unknown expectation 'colour'; expected one of calls, error, "
            "error_contains, count, data, stage, packets, epoch, broken, crashed, fired, "
            "hits, violation, hash, liveness\n"
            "t.scn:4:11: bad value 'halt' for 'kind': expected one of start, stop, "
            "checkpoint, get_error\n"
            "t.scn:6:1: unknown operation 'bogus'\n"
            "t.scn:7:20: unknown registry 'q'");
}

/* A line longer than the limit is one error; the lines after it are read. */
static void a_long_line_is_one_error_and_reading_goes_on(void **state)
{
    char *text = malloc(SCN_MAX_LINE + 64);
    char want[256];

    (void)state;
    assert_non_null(text);
    memset(text, 'x', SCN_MAX_LINE + 1);
    strcpy(text + SCN_MAX_LINE + 1, "\nwlak kind=stop\n");
    snprintf(want, sizeof(want), "t.scn:1:%d: line longer than %d bytes\n"
             "t.scn:2:1: unknown operation 'wlak'; did you mean 'walk'?",
             SCN_MAX_LINE + 1, SCN_MAX_LINE);
    rejects(text, want);
    free(text);
}

/* One mistake, one error: a declaration with an error still declares its
 * name, so the lines that use it are not errors too. */
static void a_line_with_an_error_still_declares_its_name(void **state)
{
    (void)state;
    rejects("registry name=r colour=red\n"
            "state name=a reg=r ops=start+halt\n"
            "disk name=d role=secondary size=0\n"
            "cluster disks=9\n"
            "on state=a walk=stop do=ok\n"
            "walk kind=stop reg=r\n"
            "io disk=d op=read sector=0\n"
            "start\n"
            "crash node=sec\n",
            "t.scn:1:17: unknown argument 'colour' for 'registry'; expected one of name\n"
            "t.scn:2:24: bad value 'start+halt' for 'ops': expected all, none, or members "
            "joined by '+'\n"
            "t.scn:3:33: bad value '0' for 'size': must be 1..2147483648\n"
            "t.scn:4:15: bad value '9' for 'disks': must be 1..4");
    rejects("state name=a reg=nowhere\non state=a walk=stop do=ok\n",
            "t.scn:1:18: unknown registry 'nowhere'");
}

/* Past SCN_MAX_ERRORS the errors are counted, not kept: the file still
 * fails, and the count says how many more there were. */
static void errors_past_the_limit_are_counted(void **state)
{
    static char text[4096], want[8192];
    static ScnErrors err;
    size_t n = 0, w = 0;

    (void)state;
    for (int i = 1; i <= SCN_MAX_ERRORS + 5; i++) {
        n += (size_t)snprintf(text + n, sizeof(text) - n, "bogus%d\n", i);
        if (i <= SCN_MAX_ERRORS) {
            w += (size_t)snprintf(want + w, sizeof(want) - w,
                                  "t.scn:%d:1: unknown operation 'bogus%d'\n", i, i);
        }
    }
    snprintf(want + w, sizeof(want) - w, "t.scn: ... and 5 more errors");
    rejects(text, want);
    assert_null(parse(text, &err));
    assert_int_equal(err.n, SCN_MAX_ERRORS);
    assert_int_equal(err.total, SCN_MAX_ERRORS + 5);
    assert_null(parse(text, NULL));         /* errors only counted: the same verdict */
}

/* The errors as text: whole lines only, the rest counted, in any buffer. */
static void formatted_errors_are_whole_lines_and_a_count(void **state)
{
    static ScnErrors err;
    char small[80], one[2];

    (void)state;
    assert_null(parse("bogus\nbogus\nbogus\n", &err));
    assert_int_equal(scn_errors_format(&err, "t.scn", small, sizeof(small)),
                     strlen("t.scn:1:1: unknown operation 'bogus'\nt.scn: ... and 2 more errors"));
    assert_string_equal(small, "t.scn:1:1: unknown operation 'bogus'\n"
                        "t.scn: ... and 2 more errors");
    scn_errors_format(&err, "t.scn", small, 40);
    assert_string_equal(small, "t.scn: ... and 3 more errors");
    assert_int_equal(scn_errors_format(&err, "t.scn", one, sizeof(one)), 1);
    assert_int_equal(strlen(one), 1);
    assert_null(parse("bogus\n", &err));
    scn_errors_format(&err, "t.scn", small, sizeof(small));
    assert_string_equal(small, "t.scn:1:1: unknown operation 'bogus'");
}

/* Errors that end the file: nothing after them is read or counted. */
static void a_nul_byte_ends_the_file(void **state)
{
    ScnErrors err;

    (void)state;
    assert_null(scn_parse("bogus\nse\0d\nbogus\n", 16, "t.scn", &err));
    assert_int_equal(err.total, 1);
    assert_int_equal(err.e[0].line, 2);
    assert_string_equal(err.e[0].message, "NUL byte in the file");
}

static void did_you_mean_an_operation_key_or_expectation(void **state)
{
    (void)state;
    rejects("wlak kind=stop\n", "t.scn:1:1: unknown operation 'wlak'; did you mean 'walk'?");
    rejects("Registry name=r\n",
            "t.scn:1:1: unknown operation 'Registry'; did you mean 'registry'?");
    rejects("checkpiont\n",
            "t.scn:1:1: unknown operation 'checkpiont'; did you mean 'checkpoint'?");
    rejects("registry nmae=r\n",
            "t.scn:1:10: unknown argument 'nmae' for 'registry'; did you mean 'name'?");
    rejects("cluster disk=2\n",
            "t.scn:1:9: unknown argument 'disk' for 'cluster'; did you mean 'disks'?");
    /* at the most edits (3) still near; one more and nothing is */
    rejects("cluster upstrem_chekpint=true\n", "t.scn:1:9: unknown argument "
            "'upstrem_chekpint' for 'cluster'; did you mean 'upstream_checkpoint'?");
    rejects("cluster upstrem_chekpnt=true\n", "t.scn:1:9: unknown argument 'upstrem_chekpnt' "
            "for 'cluster'; expected one of disks, size, latency, interval, timeout, "
            "compare_timeout, commit_rate, writes, packets, divergence, connections, "
            "working_set, primary, secondary, upstream_checkpoint, upstream_failover, "
            "failover_on_crash");
    rejects("expect cals=\"a.stop\"\n",
            "t.scn:1:8: unknown expectation 'cals'; did you mean 'calls'?");
    rejects("expect error_contain=x\n",
            "t.scn:1:8: unknown expectation 'error_contain'; did you mean 'error_contains'?");
    rejects("cluster\nexpect crashed=true nod=pri\n",
            "t.scn:2:21: unknown argument 'nod' for 'expect'; did you mean 'node'?");
}

static void did_you_mean_a_word_a_walk_or_an_action(void **state)
{
    (void)state;
    rejects("walk kind=stpo\n", "t.scn:1:11: bad value 'stpo' for 'kind': expected one of "
            "start, stop, checkpoint, get_error; did you mean 'stop'?");
    rejects("state name=a\non state=a walk=get_eror do=ok\n",
            "t.scn:2:17: bad value 'get_eror' for 'walk': expected one of start, stop, "
            "checkpoint, get_error; did you mean 'get_error'?");
    rejects("state name=a ops=start+stp+checkpoint\n",
            "t.scn:1:18: bad value 'start+stp+checkpoint' for 'ops': expected all, none, or "
            "members joined by '+'; did you mean 'start+stop+checkpoint'?");
    rejects("state name=a\non state=a walk=stop do=ok+fial msg=x\n",
            "t.scn:2:25: bad value 'ok+fial' for 'do': expected actions joined by '+' (ok, "
            "fail, fail_silent, remove, register, nested, crash); did you mean 'ok+fail'?");
    rejects("state name=a\non state=a walk=stop do=remve target=a\n",
            "t.scn:2:25: bad value 'remve' for 'do': expected actions joined by '+' (ok, "
            "fail, fail_silent, remove, register, nested, crash); did you mean 'remove'?");
    rejects("walk kind=start mode=secondry\n", "t.scn:1:22: bad value 'secondry' for "
            "'mode': expected one of primary, secondary; did you mean 'secondary'?");
    rejects("walk kind=stop failover=ture\n", "t.scn:1:25: bad value 'ture' for 'failover': "
            "expected true or false; did you mean 'true'?");
    rejects("rule id=alloc_null\n", "t.scn:1:9: bad value 'alloc_null' for 'id': expected a "
            "walk rule 1-6 or an extension (instances, count, alloc-null, free-with-states); "
            "did you mean 'alloc-null'?");
}

/* Fault points come from their owners (the cluster, the disks, the
 * registry): the near one is a point that exists at that line. */
static void did_you_mean_a_fault_point(void **state)
{
    (void)state;
    rejects("cluster primary=a secondary=b\nfault point=node/a/crsh mode=once\n",
            "t.scn:2:13: unknown fault point 'node/a/crsh'; did you mean 'node/a/crash'?");
    rejects("cluster\nexpect fired=1 point=net/p2s/dorp\n",
            "t.scn:2:22: unknown fault point 'net/p2s/dorp'; did you mean 'net/p2s/drop'?");
    rejects("disk name=d0 role=secondary\nclear point=dsk/d0/*\n",
            "t.scn:2:13: unknown fault point 'dsk/d0/*'; did you mean 'disk/d0/*'?");
    rejects("fault point=registry/aloc mode=once\n", "t.scn:1:13: unknown fault point "
            "'registry/aloc'; did you mean 'registry/alloc'?");
    /* the other node's point is not a typo of this one */
    rejects("cluster\nfault point=disk/pri.d0/read mode=once\n",
            "t.scn:2:13: unknown fault point 'disk/pri.d0/read'");
}

static void did_you_mean_a_name(void **state)
{
    (void)state;
    rejects("state name=ghost\nremove state=ghots\n",
            "t.scn:2:14: unknown state 'ghots'; did you mean 'ghost'?");
    rejects("registry name=left\nwalk kind=stop reg=lfet\n",
            "t.scn:2:20: unknown registry 'lfet'; did you mean 'left'?");
    rejects("walk kind=stop reg=defualt\n",
            "t.scn:1:20: unknown registry 'defualt'; did you mean 'default'?");
    rejects("disk name=spare role=secondary\nio disk=sapre op=read sector=0\n",
            "t.scn:2:9: unknown disk 'sapre'; did you mean 'spare'?");
    rejects("cluster primary=alpha secondary=beta\nfailover node=betta\n",
            "t.scn:2:15: unknown node 'betta'; did you mean 'beta'?");
}

/* Nothing near: no guess.  Short words need an exact letter set. */
static void no_guess_when_nothing_is_near(void **state)
{
    (void)state;
    rejects("frobnicate\n", "t.scn:1:1: unknown operation 'frobnicate'");
    rejects("state name=a\nremove state=b\n", "t.scn:2:14: unknown state 'b'");
    rejects("walk kind=stop x=1\n", "t.scn:1:16: unknown argument 'x' for 'walk'; expected "
            "one of kind, reg, node, mode, failover, errp, may_fail");
    rejects("cluster colour=red\n", "t.scn:1:9: unknown argument 'colour' for 'cluster'; "
            "expected one of disks, size, latency, interval, timeout, compare_timeout, "
            "commit_rate, writes, packets, divergence, connections, working_set, primary, "
            "secondary, upstream_checkpoint, upstream_failover, failover_on_crash");
    rejects("state name=a\non state=a walk=stop do=explode\n",
            "t.scn:2:25: bad value 'explode' for 'do': expected actions joined by '+' (ok, "
            "fail, fail_silent, remove, register, nested, crash)");
}

/* ---- what replaced the fault spec parser: fault lines ----------------------- */

/* p= is exact in millionths, in every form the format allows. */
static void fault_probabilities_are_exact_millionths(void **state)
{
    static const struct {
        const char *p;
        int64_t want;
    } cases[] = {
        {"0", 0}, {"1", 1000000}, {"0.0", 0}, {"1.0", 1000000}, {"1.000000", 1000000},
        {"0.1", 100000}, {"0.25", 250000}, {"0.3", 300000}, {"0.000001", 1},
        {"0.999999", 999999}, {"0.123456", 123456}, {"0/1000000", 0},
        {"123/1000000", 123}, {"1000000/1000000", 1000000},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char text[128];
        ScnErrors err;
        ScnScript *s;

        snprintf(text, sizeof(text), "fault point=registry/alloc mode=prob p=%s\n", cases[i].p);
        s = parse(text, &err);
        if (s == NULL) {
            fail_msg("%s: %s", text, err.e[0].message);
        }
        assert_int_equal(scn_arg(&s->ops[0], K_P)->i, cases[i].want);
        scn_free(s);
    }
}

static void bad_fault_lines_say_why(void **state)
{
    static const char *const bad_p[] = {
        "1.5", "2", "1.000001", "1000001/1000000", "0.1234567", ".5", "0.", "0.5x", "1e-3",
        "1/4", "/1000000", "99999999999999999999", "-0.5",
    };
    char text[128], want[256];

    (void)state;
    for (size_t i = 0; i < sizeof(bad_p) / sizeof(bad_p[0]); i++) {
        snprintf(text, sizeof(text), "fault point=registry/alloc mode=prob p=%s\n", bad_p[i]);
        snprintf(want, sizeof(want), "t.scn:1:40: bad value '%s' for 'p': expected a fraction "
                 "0..1 (at most 6 places) or N/1000000", bad_p[i]);
        rejects(text, want);
    }
    rejects("fault point=registry/alloc mode=sometimes\n", "t.scn:1:33: bad value 'sometimes' "
            "for 'mode': expected one of always, once, nth, after, every, prob");
    rejects("fault point=registry/alloc mode=Always\n", "t.scn:1:33: bad value 'Always' for "
            "'mode': expected one of always, once, nth, after, every, prob; did you mean "
            "'always'?");
    rejects("fault point=registry/alloc mode=nth k=0\n",
            "t.scn:1:39: bad value '0' for 'k': must be 1..9223372036854775807");
    rejects("fault point=registry/alloc mode=every k=+1\n",
            "t.scn:1:41: bad value '+1' for 'k': expected an integer");
    rejects("fault point=registry/alloc mode=after k=18446744073709551616\n",
            "t.scn:1:41: bad value '18446744073709551616' for 'k': too large");
    rejects("fault point=registry/alloc mode=every\n",
            "t.scn:1:33: mode 'every' needs k=");
    rejects("fault point=registry/alloc mode=prob\n", "t.scn:1:33: mode 'prob' needs p=");
    rejects("fault point=registry/alloc mode=once persistent=forever\n",
            "t.scn:1:49: bad value 'forever' for 'persistent': expected true or false");
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
        cmocka_unit_test(every_error_of_a_file_is_reported_in_file_order),
        cmocka_unit_test(a_long_line_is_one_error_and_reading_goes_on),
        cmocka_unit_test(a_line_with_an_error_still_declares_its_name),
        cmocka_unit_test(errors_past_the_limit_are_counted),
        cmocka_unit_test(formatted_errors_are_whole_lines_and_a_count),
        cmocka_unit_test(a_nul_byte_ends_the_file),
        cmocka_unit_test(did_you_mean_an_operation_key_or_expectation),
        cmocka_unit_test(did_you_mean_a_word_a_walk_or_an_action),
        cmocka_unit_test(did_you_mean_a_fault_point),
        cmocka_unit_test(did_you_mean_a_name),
        cmocka_unit_test(no_guess_when_nothing_is_near),
        cmocka_unit_test(fault_probabilities_are_exact_millionths),
        cmocka_unit_test(bad_fault_lines_say_why),
    };

    return cmocka_run_group_tests_name("scn_parse", tests, NULL, NULL);
}
