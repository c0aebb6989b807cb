/* conform.c: the conformance table (report.h): each walk rule of
 * docs/CONTRACT.md and each extension of registry/impl.h, for each walk.
 * A scenario that breaks the contract fails the cells of the violations
 * the contract checker filed (rule, walk: ScnResult.violations), whatever
 * its tags; one that passes, is N/A, or fails otherwise (a crash, an
 * expectation, a leak at teardown) counts in the cells its `rule` tags
 * name.  A cell has one of four states: pass, partly (passed where judged,
 * but some scenarios filed there broke another cell first, so it was not
 * judged by them: a plain pass would claim what was not checked), fail,
 * n/a.  Written as a summary, JSON, JUnit, and as the coloured matrix of
 * the HTML page.  Runs nothing.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "check_registry.h"
#include "impl.h"
#include "report.h"

#define WALKS SIM_WALKS
#define ROWS (SIM_RULES + REPLICATION_EXT__COUNT)
#define CELL_MAX_FAILS 16               /* failures (and blocked ones) kept per cell */
#define WHY_MAX 256                     /* a cell's why, NUL included */
#define FOOTNOTE_NAMES 3                /* blocked scenarios the summary names per cell */

typedef struct Fail {
    size_t k;                           /* the run report's row */
    const char *path;                   /* the caller's, outlives the table */
    uint64_t seed;
    unsigned line;
    bool probe;                         /* a built-in probe, not a scenario */
    bool died;                          /* message is the crash, sanitizer included */
    char message[256];
    char sanitizer[128];
} Fail;

/* A scenario filed in a cell that broke other cells first: it gave no
 * verdict here. */
typedef struct Blocked {
    size_t k;                           /* the run report's row */
    const char *path;                   /* the caller's, outlives the table */
    unsigned by;                        /* the cells it broke, SIM_CELL() bits */
} Blocked;

typedef struct Cell {
    unsigned pass, fail, na;
    unsigned missing;                   /* extensions the N/A ones needed */
    unsigned blocked;                   /* scenarios that broke other cells
                                           first: no verdict here */
    unsigned blocked_by;                /* those cells, SIM_CELL() bits */
    unsigned nfails, nblocks;
    Fail fails[CELL_MAX_FAILS];
    Blocked blocks[CELL_MAX_FAILS];     /* the first blocked ones */
} Cell;

struct ReportConform {
    Cell cells[ROWS][WALKS];
    unsigned offered;
    bool color;                 /* the text table's cells painted */
};

typedef enum State { ST_PASS, ST_PARTLY, ST_FAIL, ST_NA, ST__COUNT } State;

/* How the text table paints each state with --color. */
static const ReportPaint state_paints[] = { REPORT_PAINT_PASS, REPORT_PAINT_SKIP,
                                            REPORT_PAINT_FAIL, REPORT_PAINT_OFF };

/* As JSON says them, and as the text table and JUnit show them. */
static const char *const state_names[ST__COUNT] = { "pass", "partly", "fail", "n/a" };
static const char *const state_labels[ST__COUNT] = { "pass", "pass*", "FAIL", "n/a" };

void report_conform_set_color(ReportConform *c, bool color)
{
    c->color = color;
}

ReportConform *report_conform_new(void)
{
    ReportConform *c = calloc(1, sizeof(*c));

    if (c != NULL) {
        c->offered = replication_impl_extensions();
    }
    return c;
}

void report_conform_free(ReportConform *c)
{
    free(c);
}

/* Rows: rules 1..SIM_RULES, then one per extension bit. */
static unsigned row_of(const ScnRuleTag *t)
{
    unsigned bit = 0;

    if (t->rule != 0) {
        return t->rule - 1;
    }
    while ((t->ext >> bit) > 1) {
        bit++;
    }
    return SIM_RULES + bit;
}

static void add_fail(Cell *cell, size_t k, const char *path, const ReportOutcome *out,
                     const char *message, const char *sanitizer)
{
    const ScnResult *r = &out->res;
    Fail *f;

    cell->fail++;
    if (cell->nfails == CELL_MAX_FAILS) {
        return;
    }
    f = &cell->fails[cell->nfails++];
    *f = (Fail){ .k = k, .path = path, .seed = r->seed, .line = r->line };
    snprintf(f->message, sizeof(f->message), "%.*s", (int)sizeof(f->message) - 1, message);
    f->died = out->died;
    snprintf(f->sanitizer, sizeof(f->sanitizer), "%.*s", (int)sizeof(f->sanitizer) - 1,
             sanitizer ? sanitizer : "");
}

/* A scenario under its tags: pass, N/A or (no typed violation) fail. */
static void add_to_cell(Cell *cell, size_t k, const char *path, const ReportOutcome *out,
                        const char *sanitizer)
{
    const ScnResult *r = &out->res;

    if (out->loaded && r->status == SCN_PASS) {
        cell->pass++;
    } else if (out->loaded && r->status == SCN_SKIP) {
        cell->na++;
        cell->missing |= r->missing_ext;
    } else {
        add_fail(cell, k, path, out, out->loaded ? r->message : out->error, sanitizer);
    }
}

/* The walks a scenario's tags name, as bits (1 << walk). */
static unsigned tagged_walks(const ScnRuleTag *tags, size_t n)
{
    unsigned walks = 0;

    for (size_t i = 0; i < n; i++) {
        walks |= tags[i].walk == SCN_WALK_ANY ? (1u << WALKS) - 1 : 1u << tags[i].walk;
    }
    return walks != 0 ? walks : (1u << WALKS) - 1;
}

/* The cells a failed run broke by the contract checker's typed record:
 * its violations' (rule, walk), those filed before its worker died
 * included, or for memory left after the teardown rule 5 (nothing leaks)
 * in the walks its tags name.  0: none, the run is filed by its tags. */
static unsigned broken_cells(const ReportOutcome *out, unsigned walks)
{
    const ScnResult *r = &out->res;
    unsigned cells = 0;

    if (!out->loaded || r->status != SCN_FAIL) {
        return 0;
    }
    for (unsigned i = 0; i < r->nviolations; i++) {
        cells |= r->violations[i].rule != 0 ? SIM_CELL(r->violations[i].rule,
                                                       r->violations[i].walk) : 0;
    }
    for (unsigned w = 0; cells == 0 && r->leaked && w < WALKS; w++) {
        cells |= walks & (1u << w) ? SIM_CELL(5, w) : 0;
    }
    return cells;
}

void report_conform_add(ReportConform *c, size_t k, const char *path, const ScnScript *s,
                        const ReportOutcome *out, const char *sanitizer)
{
    const ScnRuleTag *tags;
    size_t n = s != NULL ? scn_script_rules(s, &tags) : 0;
    unsigned broken = broken_cells(out, tagged_walks(tags, n));
    const ScnResult *r = &out->res;

    for (unsigned i = 0; i < r->nviolations && broken != 0; i++) {
        if (r->violations[i].rule != 0) {
            add_fail(&c->cells[r->violations[i].rule - 1][r->violations[i].walk], k, path, out,
                     r->violations[i].message, sanitizer);
        }
    }
    for (unsigned w = 0; r->nviolations == 0 && w < WALKS; w++) {
        if (broken & SIM_CELL(5, w)) {
            add_fail(&c->cells[4][w], k, path, out, r->checker, sanitizer);
        }
    }
    for (size_t i = 0; i < n; i++) {
        unsigned row = row_of(&tags[i]);

        for (int w = 0; w < WALKS; w++) {
            Cell *cell = &c->cells[row][w];

            if (tags[i].walk != SCN_WALK_ANY && tags[i].walk != w) {
                continue;
            }
            if (broken == 0) {
                add_to_cell(cell, k, path, out, sanitizer);
            } else if (row >= SIM_RULES || !(broken & SIM_CELL(row + 1, w))) {
                cell->blocked++;        /* it broke the contract elsewhere first */
                cell->blocked_by |= broken;
                if (cell->nblocks < CELL_MAX_FAILS) {
                    cell->blocks[cell->nblocks++] = (Blocked){ k, path, broken };
                }
            }
        }
    }
}

void report_conform_add_probe(ReportConform *c, const ScnRuleTag *tag, const char *name,
                              bool ok, const char *message)
{
    for (int w = 0; w < WALKS; w++) {
        Cell *cell;
        Fail *f;

        if (tag->walk != SCN_WALK_ANY && tag->walk != w) {
            continue;
        }
        cell = &c->cells[row_of(tag)][w];
        if (ok) {
            cell->pass++;
            continue;
        }
        cell->fail++;
        if (cell->nfails < CELL_MAX_FAILS) {
            f = &cell->fails[cell->nfails++];
            *f = (Fail){ .path = name, .probe = true };
            snprintf(f->message, sizeof(f->message), "%.*s", (int)sizeof(f->message) - 1, message);
        }
    }
}

static unsigned row_ext(unsigned row)
{
    return row < SIM_RULES ? 0 : 1u << (row - SIM_RULES);
}

/* The row's name ("5", "alloc-null") and title. */
static const char *row_name(unsigned row, char *buf, size_t len)
{
    if (row < SIM_RULES) {
        snprintf(buf, len, "%u", row + 1);
    } else {
        snprintf(buf, len, "%s", replication_ext_name((ReplicationExt)row_ext(row)));
    }
    return buf;
}

static const char *row_title(unsigned row)
{
    static const char *const ext_titles[REPLICATION_EXT__COUNT] = {
        "independent registries (replication_registry_new)",
        "live count (replication_registry_count)",
        "NULL, nothing changed, when allocation fails",
        "freeing a registry releases its states",
    };

    return row < SIM_RULES ? sim_rule_title(row + 1) : ext_titles[row - SIM_RULES];
}

/* The cells of `by` (SIM_CELL() bits) as " rule 5 in stop, rule 4 in stop"
 * appended at buf + n; returns the new length (never past len). */
static size_t put_cells(char *buf, size_t n, size_t len, unsigned by)
{
    for (unsigned b = 0; b < SIM_RULES * WALKS && n < len; b++) {
        if (by & (1u << b)) {
            n += (size_t)snprintf(buf + n, len - n, " rule %u in %s,", b / WALKS + 1,
                                  sim_walk_name((SimWalk)(b % WALKS)));
        }
    }
    if (n > len - 1) {
        n = len - 1;
    }
    if (n > 0 && buf[n - 1] == ',') {
        buf[--n] = '\0';
    }
    return n;
}

/* A cell's state, and why when partly or n/a. */
static State cell_state(const ReportConform *c, unsigned row, int w, char *why, size_t len)
{
    const Cell *cell = &c->cells[row][w];
    unsigned ext = row_ext(row);
    size_t n;

    why[0] = '\0';
    if (ext != 0 && !(c->offered & ext)) {
        snprintf(why, len, "not offered by %s", replication_impl()->name);
        return ST_NA;
    }
    if (cell->fail > 0) {
        return ST_FAIL;
    }
    if (cell->pass > 0 && cell->blocked > 0) {
        n = (size_t)snprintf(why, len, "%u of %u scenarios not judged here: they broke",
                             cell->blocked, cell->blocked + cell->pass);
        n = put_cells(why, n, len, cell->blocked_by);
        snprintf(why + n, len - n, " first");
        return ST_PARTLY;
    }
    if (cell->pass > 0) {
        return ST_PASS;
    }
    if (cell->blocked > 0) {
        n = (size_t)snprintf(why, len, "every scenario that checks it broke");
        n = put_cells(why, n, len, cell->blocked_by);
        snprintf(why + n, len - n, " first");
        return ST_NA;
    }
    if (cell->na == 0) {
        snprintf(why, len, "no scenario checks it");
        return ST_NA;
    }
    n = (size_t)snprintf(why, len, "every scenario needs");
    for (unsigned i = 0; i < REPLICATION_EXT__COUNT && n < len; i++) {
        if (cell->missing & (1u << i)) {
            n += (size_t)snprintf(why + n, len - n, " %s",
                                  replication_ext_name((ReplicationExt)(1u << i)));
        }
    }
    return ST_NA;
}

/* ---- summary ------------------------------------------------------------------ */

static void summary_failures(const ReportConform *c, FILE *f)
{
    char name[32];

    for (unsigned row = 0; row < ROWS; row++) {
        for (int w = 0; w < WALKS; w++) {
            const Cell *cell = &c->cells[row][w];
            const Fail *x = &cell->fails[0];

            if (cell->fail == 0) {
                continue;
            }
            report_word(f, c->color, REPORT_PAINT_FAIL, "FAIL");
            fprintf(f, " rule %s, %s: %u scenario%s; first: %s", row_name(row, name, sizeof(name)),
                    sim_walk_name((SimWalk)w), cell->fail, cell->fail == 1 ? "" : "s", x->path);
            if (x->line != 0) {
                fprintf(f, ":%u", x->line);
            }
            fputs(": ", f);
            report_put_line_safe(f, x->message);
            /* A crash's message names its sanitizer finding already. */
            if (x->sanitizer[0] != '\0' && !x->died) {
                fprintf(f, " [%s]", x->sanitizer);
            }
            fputs("\n  reproduce: ", f);
            if (x->probe) {
                report_shell_word(f, report_program());
                fputs(" conform (a built-in probe)", f);
            } else {
                report_reproduce(f, x->seed, NULL, x->path);
            }
            fputc('\n', f);
        }
    }
}

/* The cells in each state. */
static void count_cells(const ReportConform *c, unsigned counts[ST__COUNT])
{
    char why[WHY_MAX];

    for (unsigned row = 0; row < ROWS; row++) {
        for (int w = 0; w < WALKS; w++) {
            counts[cell_state(c, row, w, why, sizeof(why))]++;
        }
    }
}

unsigned report_conform_failing(const ReportConform *c)
{
    unsigned counts[ST__COUNT] = { 0 };

    count_cells(c, counts);
    return counts[ST_FAIL];
}

/* The footnote of each partly checked cell: which of its scenarios were
 * blocked, by the failing cells they broke first. */
static void summary_partly(const ReportConform *c, FILE *f)
{
    char name[32], why[WHY_MAX], by[WHY_MAX];

    for (unsigned row = 0; row < ROWS; row++) {
        for (int w = 0; w < WALKS; w++) {
            const Cell *cell = &c->cells[row][w];

            if (cell_state(c, row, w, why, sizeof(why)) != ST_PARTLY) {
                continue;
            }
            fprintf(f, "pass* rule %s, %s: %u scenario%s passed; %u not judged here "
                    "(each broke another cell first):\n", row_name(row, name, sizeof(name)),
                    sim_walk_name((SimWalk)w), cell->pass, cell->pass == 1 ? "" : "s",
                    cell->blocked);
            for (unsigned i = 0; i < cell->nblocks && i < FOOTNOTE_NAMES; i++) {
                put_cells(by, 0, sizeof(by), cell->blocks[i].by);
                fputs("  ", f);
                report_put_line_safe(f, cell->blocks[i].path);
                fprintf(f, " broke%s\n", by);
            }
            if (cell->blocked > FOOTNOTE_NAMES) {
                fprintf(f, "  and %u more (--format json lists the first %d)\n",
                        cell->blocked - FOOTNOTE_NAMES, CELL_MAX_FAILS);
            }
        }
    }
}

/* quiet: the failures and the closing line only, no table (nor footnotes). */
static int write_summary(const ReportConform *c, FILE *f, bool quiet)
{
    char name[32], why[WHY_MAX], impl[512];
    unsigned counts[ST__COUNT] = { 0 };

    count_cells(c, counts);
    report_impl_describe(impl, sizeof(impl));
    fprintf(f, "conformance of %s\n\n", impl);
    if (!quiet) {
        fprintf(f, "%-18s %-10s %-10s %-10s %-10s  title\n", "rule", "start", "stop",
                "checkpoint", "get_error");
    }
    for (unsigned row = 0; row < ROWS && !quiet; row++) {
        fprintf(f, "%-18s", row_name(row, name, sizeof(name)));
        for (int w = 0; w < WALKS; w++) {
            State st = cell_state(c, row, w, why, sizeof(why));

            fprintf(f, " %s%-10s%s", report_paint(c->color, state_paints[st]),
                    state_labels[st], report_paint(c->color, REPORT_PAINT_OFF));
        }
        fprintf(f, "  %s", row_title(row));
        if (cell_state(c, row, 0, why, sizeof(why)) == ST_NA) {
            fprintf(f, " (n/a: %s)", why);
        }
        fputc('\n', f);
    }
    if (!quiet) {
        fputc('\n', f);
    }
    if (!quiet && counts[ST_PARTLY] != 0) {
        fputs("pass*: partly checked: the scenarios judged there passed, the ones listed broke\n"
              "another cell first and judged nothing there (fix that cell, then look again)\n", f);
        summary_partly(c, f);
        fputc('\n', f);
    }
    summary_failures(c, f);
    fprintf(f, "conform: %u pass, %u partly, %u fail, %u n/a (cells of %u rules x %d walks)\n",
            counts[ST_PASS], counts[ST_PARTLY], counts[ST_FAIL], counts[ST_NA], ROWS, WALKS);
    return counts[ST_FAIL] != 0 ? REPORT_EXIT_FAIL : REPORT_EXIT_OK;
}

/* ---- JSON --------------------------------------------------------------------- */

static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
        if (*p == '"' || *p == '\\') {
            fprintf(f, "\\%c", *p);
        } else if (*p < 0x20 || *p == 0x7f) {
            fprintf(f, "\\u%04x", *p);
        } else {
            fputc(*p, f);
        }
    }
    fputc('"', f);
}

static void json_impl(FILE *f, unsigned offered)
{
    const ReplicationImpl *impl = replication_impl();
    bool first = true;

    fputs("{\"implementation\": {\"name\": ", f);
    json_str(f, impl->name);
    fputs(", \"path\": ", f);
    json_str(f, impl->path);
    fprintf(f, ", \"api\": \"%s\", \"sha256\": \"%s\", \"extensions\": [", impl->api, impl->sha256);
    for (unsigned i = 0; i < REPLICATION_EXT__COUNT; i++) {
        if (offered & (1u << i)) {
            fprintf(f, "%s\"%s\"", first ? "" : ", ", replication_ext_name((ReplicationExt)(1u << i)));
            first = false;
        }
    }
    fputs("]},\n \"rules\": [", f);
}

static void json_failures(const ReportConform *c, unsigned row, FILE *f)
{
    bool first = true;

    for (int w = 0; w < WALKS; w++) {
        const Cell *cell = &c->cells[row][w];

        for (unsigned i = 0; i < cell->nfails; i++) {
            const Fail *x = &cell->fails[i];
            char *repro = NULL;
            size_t len = 0;
            FILE *m = open_memstream(&repro, &len);

            if (m != NULL) {
                if (x->probe) {
                    report_shell_word(m, report_program());
                    fputs(" conform", m);
                } else {
                    report_reproduce(m, x->seed, NULL, x->path);
                }
                fclose(m);
            }
            fprintf(f, "%s\n    {\"walk\": \"%s\", \"scenario\": ", first ? "" : ",",
                    sim_walk_name((SimWalk)w));
            json_str(f, x->path);
            fprintf(f, ", \"line\": %u, \"message\": ", x->line);
            json_str(f, x->message);
            fputs(", \"sanitizer\": ", f);
            json_str(f, x->sanitizer);
            fputs(", \"reproduce\": ", f);
            json_str(f, repro != NULL ? repro : "");
            fputc('}', f);
            free(repro);
            first = false;
        }
    }
}

/* The row's blocked scenarios: each one's walk, path and the cells it broke
 * ("5/stop"), the first CELL_MAX_FAILS of each cell. */
static void json_blocked(const ReportConform *c, unsigned row, FILE *f)
{
    bool first = true;

    for (int w = 0; w < WALKS; w++) {
        const Cell *cell = &c->cells[row][w];

        for (unsigned i = 0; i < cell->nblocks; i++) {
            const Blocked *b = &cell->blocks[i];
            bool first_by = true;

            fprintf(f, "%s\n    {\"walk\": \"%s\", \"scenario\": ", first ? "" : ",",
                    sim_walk_name((SimWalk)w));
            json_str(f, b->path);
            fputs(", \"broke\": [", f);
            for (unsigned x = 0; x < SIM_RULES * WALKS; x++) {
                if (b->by & (1u << x)) {
                    fprintf(f, "%s\"%u/%s\"", first_by ? "" : ", ", x / WALKS + 1,
                            sim_walk_name((SimWalk)(x % WALKS)));
                    first_by = false;
                }
            }
            fputs("]}", f);
            first = false;
        }
    }
}

static int write_json(const ReportConform *c, FILE *f)
{
    char name[32], why[WHY_MAX];
    bool failed = false;

    json_impl(f, c->offered);
    for (unsigned row = 0; row < ROWS; row++) {
        fprintf(f, "%s\n  {\"rule\": ", row == 0 ? "" : ",");
        json_str(f, row_name(row, name, sizeof(name)));
        fputs(", \"title\": ", f);
        json_str(f, row_title(row));
        fputs(", \"walks\": {", f);
        for (int w = 0; w < WALKS; w++) {
            State st = cell_state(c, row, w, why, sizeof(why));

            failed |= st == ST_FAIL;
            fprintf(f, "%s\"%s\": \"%s\"", w ? ", " : "", sim_walk_name((SimWalk)w), state_names[st]);
        }
        fputs("}, \"why\": {", f);
        for (int w = 0; w < WALKS; w++) {
            cell_state(c, row, w, why, sizeof(why));
            fprintf(f, "%s\"%s\": ", w ? ", " : "", sim_walk_name((SimWalk)w));
            json_str(f, why);
        }
        fputs("}, \"failures\": [", f);
        json_failures(c, row, f);
        fputs("], \"blocked\": [", f);
        json_blocked(c, row, f);
        fputs("]}", f);
    }
    fputs("\n]}\n", f);
    return failed ? REPORT_EXIT_FAIL : REPORT_EXIT_OK;
}

/* ---- JUnit: one testcase per cell ------------------------------------------------ */

static void junit_cell(const ReportConform *c, unsigned row, int w, FILE *f)
{
    char name[32], why[WHY_MAX];
    State st = cell_state(c, row, w, why, sizeof(why));
    const Cell *cell = &c->cells[row][w];

    fprintf(f, "    <testcase classname=\"conform.rule.%s\" name=\"%s\">",
            row_name(row, name, sizeof(name)), sim_walk_name((SimWalk)w));
    if (st == ST_NA) {
        fputs("<skipped message=\"n/a: ", f);
        report_xml_put(f, why, true);
        fputs("\"/>", f);
    } else if (st == ST_PARTLY) {
        /* Not a plain success (that would claim what was not checked), not
         * a failure (the cell it waits on is the failure): skipped, saying
         * so, and which scenarios could not judge it. */
        fputs("<skipped message=\"partly checked: ", f);
        report_xml_put(f, why, true);
        fputs("\">", f);
        for (unsigned i = 0; i < cell->nblocks; i++) {
            char by[WHY_MAX];

            put_cells(by, 0, sizeof(by), cell->blocks[i].by);
            report_xml_put(f, cell->blocks[i].path, false);
            fputs(" broke", f);
            report_xml_put(f, by, false);
            fputc('\n', f);
        }
        fputs("</skipped>", f);
    } else if (st == ST_FAIL) {
        fprintf(f, "<failure type=\"failure\" message=\"%u scenarios fail; first: ", cell->fail);
        report_xml_put(f, cell->fails[0].path, true);
        fputs(": ", f);
        report_xml_put(f, cell->fails[0].message, true);
        fputs("\">", f);
        for (unsigned i = 0; i < cell->nfails; i++) {
            report_xml_put(f, cell->fails[i].path, false);
            fputs(": ", f);
            report_xml_put(f, cell->fails[i].message, false);
            fputs(cell->fails[i].sanitizer[0] ? " [" : "", f);
            report_xml_put(f, cell->fails[i].sanitizer, false);
            fputs(cell->fails[i].sanitizer[0] ? "]\n" : "\n", f);
        }
        fputs("</failure>", f);
    }
    fputs("</testcase>\n", f);
}

static int write_junit(const ReportConform *c, FILE *f)
{
    const ReplicationImpl *impl = replication_impl();
    char why[WHY_MAX], desc[512];
    unsigned failed = 0, na = 0;       /* na: skipped, partly checked included */

    for (unsigned row = 0; row < ROWS; row++) {
        for (int w = 0; w < WALKS; w++) {
            State st = cell_state(c, row, w, why, sizeof(why));

            failed += st == ST_FAIL;
            na += st == ST_NA || st == ST_PARTLY;
        }
    }
    report_impl_describe(desc, sizeof(desc));
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"conform\">\n"
            "  <testsuite name=\"conform\" tests=\"%u\" failures=\"%u\" errors=\"0\" "
            "skipped=\"%u\">\n  <properties>\n    <property name=\"implementation\" value=\"",
            ROWS * WALKS, failed, na);
    report_xml_put(f, desc, true);
    fputs("\"/>\n    <property name=\"implementation.path\" value=\"", f);
    report_xml_put(f, impl->path, true);
    fprintf(f, "\"/>\n    <property name=\"implementation.api\" value=\"%s\"/>\n"
            "    <property name=\"implementation.sha256\" value=\"%s\"/>\n  </properties>\n",
            impl->api, impl->sha256);
    for (unsigned row = 0; row < ROWS; row++) {
        for (int w = 0; w < WALKS; w++) {
            junit_cell(c, row, w, f);
        }
    }
    fputs("  </testsuite>\n</testsuites>\n", f);
    return failed != 0 ? REPORT_EXIT_FAIL : REPORT_EXIT_OK;
}

int report_conform_write(const ReportConform *c, ReportConformFormat fmt, FILE *f)
{
    switch (fmt) {
    case REPORT_CONFORM_JSON:
        return write_json(c, f);
    case REPORT_CONFORM_JUNIT:
        return write_junit(c, f);
    case REPORT_CONFORM_QUIET:
        return write_summary(c, f, true);
    default:
        return write_summary(c, f, false);
    }
}

/* ---- the HTML matrix ---------------------------------------------------------- */

static void html_cell(FILE *f, const ReportConform *c, unsigned row, int w)
{
    char why[WHY_MAX];
    State st = cell_state(c, row, w, why, sizeof(why));
    const Cell *cell = &c->cells[row][w];

    static const char *const classes[ST__COUNT] = { "pass", "partly", "fail", "na" };

    fprintf(f, "<td class=\"cell %s\">%s", classes[st], state_labels[st]);
    if (st == ST_PASS || st == ST_PARTLY) {
        fprintf(f, "<br/><small>%u scenario%s</small>", cell->pass, cell->pass == 1 ? "" : "s");
    }
    if (st == ST_PARTLY) {
        fputs("<br/><small title=\"", f);
        report_xml_put(f, why, true);
        fprintf(f, "\">%u not judged:</small>", cell->blocked);
        for (unsigned i = 0; i < cell->nblocks; i++) {
            const char *base = strrchr(cell->blocks[i].path, '/');

            fprintf(f, "<br/><a href=\"#r%zu\"><small>", cell->blocks[i].k);
            report_xml_put(f, base != NULL ? base + 1 : cell->blocks[i].path, false);
            fputs("</small></a>", f);
        }
    } else if (st == ST_NA) {
        fputs("<br/><small>", f);
        report_xml_put(f, why, false);
        fputs("</small>", f);
    }
    for (unsigned i = 0; st == ST_FAIL && i < cell->nfails; i++) {
        const char *base = strrchr(cell->fails[i].path, '/');

        if (cell->fails[i].probe) {
            fputs("<br/><span title=\"", f);
        } else {
            fprintf(f, "<br/><a href=\"#r%zu\" title=\"", cell->fails[i].k);
        }
        report_xml_put(f, cell->fails[i].message, true);
        fputs("\">", f);
        report_xml_put(f, base != NULL ? base + 1 : cell->fails[i].path, false);
        fputs(cell->fails[i].probe ? "</span>" : "</a>", f);
        if (cell->fails[i].sanitizer[0] != '\0') {
            fputs(" <small>", f);
            report_xml_put(f, cell->fails[i].sanitizer, false);
            fputs("</small>", f);
        }
    }
    fputs("</td>", f);
}

void report_conform_html(FILE *f, void *ctx)
{
    const ReportConform *c = ctx;
    char name[32];

    fputs("<style>table.conform td.cell{text-align:center;vertical-align:top;min-width:9em}"
          "td.cell.pass{background:#d7f0d9}td.cell.partly{background:#eef3c4}td.cell.fail{background:#f6cdc9;font-weight:600}"
          "td.cell.na{background:#e8e8e8;color:#555}td.cell small{font-weight:400}</style>\n"
          "<h2>Conformance</h2>\n<table class=\"conform\">\n<thead><tr><th>rule</th><th>title</th>",
          f);
    for (int w = 0; w < WALKS; w++) {
        fprintf(f, "<th>%s</th>", sim_walk_name((SimWalk)w));
    }
    fputs("</tr></thead>\n<tbody>\n", f);
    for (unsigned row = 0; row < ROWS; row++) {
        fputs("<tr><td class=\"mono\">", f);
        report_xml_put(f, row_name(row, name, sizeof(name)), false);
        fputs("</td><td>", f);
        report_xml_put(f, row_title(row), false);
        fputs("</td>", f);
        for (int w = 0; w < WALKS; w++) {
            html_cell(f, c, row, w);
        }
        fputs("</tr>\n", f);
    }
    fputs("</tbody>\n</table>\n<h2>Scenarios</h2>\n", f);
}
