/* walks.h: the run report's ordered view of a scenario's walks (walks.c),
 * private to reports/: fed the typed trace events of one run (trace.h),
 * it lists registrations, each scripted walk, its callbacks indented by
 * nesting, what each callback did (removals, registrations, nested walks,
 * errors) and how the walk ended.  Reads event kinds and fields only.
 */
#ifndef REPLBENCH_REPORT_WALKS_H
#define REPLBENCH_REPORT_WALKS_H

#include <stdio.h>

#include "trace.h"

#define REPORT_WALK_ROWS_MAX 400    /* rows listed per run; past it, a count */

typedef struct ReportWalks ReportWalks;

/* An empty view; NULL when out of memory. */
ReportWalks *report_walks_new(void);
void report_walks_free(ReportWalks *w);

/* Forget the previous run. */
void report_walks_reset(ReportWalks *w);

/* One event of the run, in trace order. */
void report_walks_event(ReportWalks *w, const SimTraceEvent *e);

/* The view as XHTML (a <details> open by default), nothing when the run
 * had no scripted walk. */
void report_walks_write(FILE *f, const ReportWalks *w);

#endif /* REPLBENCH_REPORT_WALKS_H */
