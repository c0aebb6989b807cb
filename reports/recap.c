/* recap.c: the output style every command shares (report.h): colours on
 * verdict words and the recap of failures printed at the end of a run,
 * each failure with the command that reproduces it.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

typedef struct RecapItem {
    char *what;                 /* one line */
    char *reproduce;
} RecapItem;

struct ReportRecap {
    RecapItem items[REPORT_RECAP_MAX];
    size_t n;
    uint64_t more;              /* failures past REPORT_RECAP_MAX */
};

const char *report_paint(bool on, ReportPaint p)
{
    static const char *const codes[] = { "\033[0m", "\033[32m", "\033[1;31m", "\033[33m" };

    return on ? codes[p] : "";
}

void report_word(FILE *f, bool on, ReportPaint p, const char *word)
{
    fprintf(f, "%s%s%s", report_paint(on, p), word, report_paint(on, REPORT_PAINT_OFF));
}

ReportRecap *report_recap_new(void)
{
    return calloc(1, sizeof(ReportRecap));
}

static char *reproduce_string(uint64_t seed, const ReportJob *job, const char *path)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);

    if (f == NULL) {
        return NULL;
    }
    report_reproduce(f, seed, job, path);
    if (fclose(f) != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

void report_recap_add(ReportRecap *r, const char *what, uint64_t seed,
                      const ReportJob *job, const char *path)
{
    char *cmd = r != NULL && r->n < REPORT_RECAP_MAX ? reproduce_string(seed, job, path) : NULL;

    report_recap_add_command(r, what, cmd != NULL ? cmd : "");
    free(cmd);
}

void report_recap_add_command(ReportRecap *r, const char *what, const char *command)
{
    RecapItem *it;

    if (r == NULL) {
        return;
    }
    if (r->n >= REPORT_RECAP_MAX) {
        r->more++;
        return;
    }
    it = &r->items[r->n];
    it->what = strdup(what);
    it->reproduce = strdup(command);
    if (it->what == NULL || it->reproduce == NULL) {
        free(it->what);
        free(it->reproduce);
        r->more++;
        return;
    }
    r->n++;
}

void report_recap_end(ReportRecap *r, FILE *f, bool color)
{
    if (r == NULL) {
        return;
    }
    if (f != NULL && r->n + r->more != 0) {
        fprintf(f, "\nfailures (%" PRIu64 "):\n", (uint64_t)r->n + r->more);
    }
    for (size_t i = 0; i < r->n; i++) {
        if (f == NULL) {
            free(r->items[i].what);
            free(r->items[i].reproduce);
            continue;
        }
        fputs("  ", f);
        report_word(f, color, REPORT_PAINT_FAIL, "FAIL");
        fputc(' ', f);
        report_put_line_safe(f, r->items[i].what);
        fprintf(f, "\n    %s\n", r->items[i].reproduce);
        free(r->items[i].what);
        free(r->items[i].reproduce);
    }
    if (f != NULL && r->more != 0) {
        fprintf(f, "  ... and %" PRIu64 " more\n", r->more);
    }
    free(r);
}
