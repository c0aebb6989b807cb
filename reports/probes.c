/* probes.c: the probe table (report.h): for every probe of the simulator's
 * catalog (sim/probe.h, the one list), how often the runs reached it, in
 * how many runs, and which scenarios (the first few, in the order the runs
 * are added); a probe not reached, unless marked rare, is a problem.  Adds
 * results up and prints; runs nothing itself.  `replbench probes`, `merge
 * --format probes` and the run report print the same table.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe.h"
#include "report.h"

typedef struct Row {
    uint64_t count;             /* reached, over all runs */
    uint64_t runs;              /* runs that reached it */
    char *first[REPORT_PROBE_EXAMPLES];   /* the first scenarios that did */
    unsigned nfirst;
} Row;

struct ReportProbes {
    Row rows[SIM_PROBE__COUNT];
    uint64_t runs;
    bool oom;                   /* an example could not be kept */
};

ReportProbes *report_probes_new(void)
{
    return calloc(1, sizeof(ReportProbes));
}

void report_probes_free(ReportProbes *p)
{
    for (int i = 0; p != NULL && i < SIM_PROBE__COUNT; i++) {
        for (unsigned k = 0; k < p->rows[i].nfirst; k++) {
            free(p->rows[i].first[k]);
        }
    }
    free(p);
}

/* Is path among row's examples already (a scenario run under many seeds
 * is named once)? */
static bool named(const Row *w, const char *path)
{
    for (unsigned k = 0; k < w->nfirst; k++) {
        if (strcmp(w->first[k], path) == 0) {
            return true;
        }
    }
    return false;
}

void report_probes_add(ReportProbes *p, const char *path, const ScnResult *r)
{
    uint64_t reached[SIM_PROBE__COUNT];

    for (int i = 0; i < SIM_PROBE__COUNT; i++) {
        reached[i] = r->probes[i] != 0;
    }
    report_probes_add_sums(p, path, 1, r->probes, reached);
}

void report_probes_add_sums(ReportProbes *p, const char *path, uint64_t runs,
                            const uint64_t *counts, const uint64_t *reached)
{
    p->runs += runs;
    for (int i = 0; i < SIM_PROBE__COUNT; i++) {
        Row *w = &p->rows[i];

        if (counts[i] == 0) {
            continue;
        }
        w->count += counts[i];
        w->runs += reached[i];
        if (w->nfirst < REPORT_PROBE_EXAMPLES && !named(w, path)) {
            char *copy = strdup(path);

            if (copy == NULL) {
                p->oom = true;
                continue;
            }
            w->first[w->nfirst++] = copy;
        }
    }
}

uint64_t report_probes_count(const ReportProbes *p, int probe, uint64_t *runs)
{
    if (runs != NULL) {
        *runs = p->rows[probe].runs;
    }
    return p->rows[probe].count;
}

/* The scenarios that reached w: its examples (a run each at least), then
 * how many other runs did. */
static void reached_by(FILE *f, const Row *w)
{
    for (unsigned k = 0; k < w->nfirst; k++) {
        fputs(k ? ", " : "", f);
        report_put_line_safe(f, w->first[k]);
    }
    if (w->runs > w->nfirst) {
        fprintf(f, " (+%" PRIu64 " more run%s)", w->runs - w->nfirst,
                w->runs - w->nfirst == 1 ? "" : "s");
    }
}

unsigned report_probes_print(const ReportProbes *p, FILE *f)
{
    return report_probes_print_some(p, f, false, false);
}

unsigned report_probes_print_some(const ReportProbes *p, FILE *f, bool only_missing,
                                  bool color)
{
    unsigned missing = 0, reached = 0;

    fprintf(f, "%-*s %9s %7s  %s\n", SIM_PROBE_NAME_MAX - 8, "probe", "count", "runs",
            "reached by");
    for (int i = 0; i < SIM_PROBE__COUNT; i++) {
        const Row *w = &p->rows[i];
        bool problem = w->count == 0 && !sim_probe_info[i].rare;

        reached += w->count != 0;
        missing += problem;
        if (only_missing && !problem) {
            continue;
        }
        fprintf(f, "%-*s %9" PRIu64 " %7" PRIu64 "  ", SIM_PROBE_NAME_MAX - 8,
                sim_probe_info[i].name, w->count, w->runs);
        if (w->count != 0) {
            reached_by(f, w);
        } else {
            report_word(f, color, problem ? REPORT_PAINT_FAIL : REPORT_PAINT_SKIP,
                        problem ? "NOT REACHED" : "not reached (rare: allowed)");
        }
        fputc('\n', f);
    }
    fputs("probes: ", f);
    report_count(f, SIM_PROBE__COUNT, "probe", "probes");
    fprintf(f, ", %u reached, %u not reached (rare ones excepted), over ", reached, missing);
    report_count(f, p->runs, "run", "runs");
    fputc('\n', f);
    if (missing != 0) {
        fputs("not reached:", f);
        for (int i = 0; i < SIM_PROBE__COUNT; i++) {
            if (p->rows[i].count == 0 && !sim_probe_info[i].rare) {
                fprintf(f, " %s", sim_probe_info[i].name);
            }
        }
        fputc('\n', f);
    }
    if (p->oom) {
        fputs("probes: out of memory: some scenarios that reached a probe are not named\n", f);
    }
    return missing;
}
