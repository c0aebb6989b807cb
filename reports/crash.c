/* crash.c: what killed a worker, as data (report.h): the one reader of a
 * sanitizer's report (AddressSanitizer, LeakSanitizer, UBSan; clang's and
 * gcc's runtimes), turned into a ReportCrash -- its kind, its headline
 * and the first frames of its stacks -- and printed from there.  The
 * report is the text of another program (the sanitizer runtime): it is
 * read here once, and every other part uses the typed fields.  Decides no
 * verdict.
 */
#include <stdlib.h>
#include <string.h>

#include "report.h"

#define LINE_MAX_BYTES 1024     /* longer lines of a report are cut */

static const char *const role_names[REPORT_STACK__COUNT] = { "error", "free", "alloc" };

const char *report_stack_role_name(ReportStackRole role)
{
    return role < REPORT_STACK__COUNT ? role_names[role] : "error";
}

int report_stack_role_parse(const char *name, ReportStackRole *role)
{
    for (int i = 0; i < REPORT_STACK__COUNT; i++) {
        if (strcmp(role_names[i], name) == 0) {
            *role = (ReportStackRole)i;
            return 0;
        }
    }
    return -1;
}

/* ---- lines ---------------------------------------------------------------------- */

/* The first n bytes of src (fewer at its end) into out, cut to fit len. */
static void put(char *out, size_t len, const char *src, size_t n)
{
    n = strnlen(src, n);
    n = n < len - 1 ? n : len - 1;
    memcpy(out, src, n);
    out[n] = '\0';
}

/* The line at *at (without its newline, cut at LINE_MAX_BYTES) into buf;
 * *at moves past it.  false at the end of text. */
static bool next_line(const char **at, char *buf)
{
    const char *s = *at;
    size_t n;

    if (*s == '\0') {
        return false;
    }
    n = strcspn(s, "\n");
    *at = s + n + (s[n] == '\n');
    n = n < LINE_MAX_BYTES - 1 ? n : LINE_MAX_BYTES - 1;
    memcpy(buf, s, n);
    buf[n] = '\0';
    return true;
}

/* The line without the runtime's "==PID==" prefix and leading blanks. */
static const char *bare(const char *line)
{
    const char *s = line + strspn(line, " \t");

    if (s[0] == '=' && s[1] == '=') {
        const char *end = strstr(s + 2, "==");

        if (end != NULL && strspn(s + 2, "0123456789") == (size_t)(end - s - 2)) {
            s = end + 2;
        }
    }
    return s;
}

/* "Tool: " at s (AddressSanitizer, LeakSanitizer, ...): its length with the
 * blank, or 0. */
static size_t tool_prefix(const char *s)
{
    size_t n = strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");

    if (n > strlen("Sanitizer") && strncmp(s + n - 9, "Sanitizer", 9) == 0 &&
        s[n] == ':' && s[n + 1] == ' ') {
        return n + 2;
    }
    return 0;
}

/* The error line's text after "ERROR: ", without the registers ("at pc
 * 0x... bp ... sp ..." or "(pc ..."). */
static void headline_of(const char *after, char *out, size_t len)
{
    size_t n = strlen(after);
    const char *cut = strstr(after, " at pc 0x");

    if (cut == NULL) {
        cut = strstr(after, " (pc 0x");
    }
    n = cut != NULL ? (size_t)(cut - after) : n;
    put(out, len, after, n);
}

/* The kind in a report's words: "Tool: " and what follows up to where the
 * details begin (" on ", " at ", " in ", ':', an address). */
static void kind_of_error(const char *tool_and_rest, char *out, size_t len)
{
    static const char *const stops[] = { " on ", " at ", " in ", " 0x" };
    size_t tool = tool_prefix(tool_and_rest);
    const char *s = tool_and_rest + tool;
    size_t n = strcspn(s, ":(");

    for (size_t i = 0; i < sizeof(stops) / sizeof(stops[0]); i++) {
        const char *at = strstr(s, stops[i]);

        if (at != NULL && (size_t)(at - s) < n) {
            n = (size_t)(at - s);
        }
    }
    while (n > 0 && s[n - 1] == ' ') {
        n--;
    }
    put(out, len, tool_and_rest, tool + n);
}

/* The kind of a "SUMMARY: Tool: kind ..." line: Tool and its first word,
 * when that is a name ("heap-use-after-free", "signed-integer-overflow");
 * false for a count ("40 byte(s) leaked"). */
static bool kind_of_summary(const char *s, char *out, size_t len)
{
    size_t tool = tool_prefix(s);
    size_t word;

    if (tool == 0) {
        return false;
    }
    word = strcspn(s + tool, " ");
    if (word == 0 || !((s[tool] >= 'a' && s[tool] <= 'z') || (s[tool] >= 'A' && s[tool] <= 'Z'))) {
        return false;
    }
    put(out, len, s, tool + word);
    return true;
}

/* ---- frames ------------------------------------------------------------------------ */

/* "a/b/../c" as "a/c": paths as a build folder's compiler gave them
 * ("build/../sim/x.c") read as the source tree has them. */
static void tidy_path(char *p)
{
    char *up;

    while ((up = strstr(p, "/../")) != NULL && up > p) {
        char *seg = up - 1;

        while (seg > p && seg[-1] != '/') {
            seg--;
        }
        if (strncmp(seg, "../", 3) == 0 || (seg == up - 1 && *seg == '.')) {
            break;
        }
        memmove(seg, up + 4, strlen(up + 4) + 1);
    }
}

/* "FILE:LINE[:COL]" into the frame; a location without numbers is a file
 * of unknown line. */
static void parse_location(const char *loc, size_t n, ReportFrame *fr)
{
    unsigned nums[2] = { 0, 0 }, k = 0;
    size_t end = n;

    while (k < 2 && end > 0) {
        size_t d = end;

        while (d > 0 && loc[d - 1] >= '0' && loc[d - 1] <= '9') {
            d--;
        }
        if (d == end || d == 0 || loc[d - 1] != ':' || end - d > 9) {
            break;
        }
        nums[k++] = (unsigned)strtoul(loc + d, NULL, 10);
        end = d - 1;
    }
    fr->line = k == 2 ? nums[1] : k == 1 ? nums[0] : 0;
    fr->column = k == 2 ? nums[0] : 0;
    put(fr->file, sizeof(fr->file), loc, end);
    tidy_path(fr->file);
}

/* "#N 0xADDR [in FUNC] LOCATION": false when the line is not a frame. */
static bool parse_frame(const char *line, ReportFrame *fr)
{
    const char *s = line + strspn(line, " \t");
    char *end;
    size_t n;

    if (s[0] != '#' || s[1] < '0' || s[1] > '9') {
        return false;
    }
    memset(fr, 0, sizeof(*fr));
    fr->index = (unsigned)strtoul(s + 1, &end, 10);
    s = end + strspn(end, " ");
    if (strncmp(s, "0x", 2) == 0) {
        s += 2 + strspn(s + 2, "0123456789abcdefABCDEF");
        s += strspn(s, " ");
    }
    if (strncmp(s, "in ", 3) == 0) {
        s += 3;
        n = strcspn(s, " ");
        put(fr->func, sizeof(fr->func), s, n);
        s += n + strspn(s + n, " ");
    }
    if (s[0] == '(') {          /* "(module+0xoff)": not symbolized to a file */
        n = strcspn(s + 1, ")");
        put(fr->module, sizeof(fr->module), s + 1, n);
        return true;
    }
    n = strcspn(s, " ");
    parse_location(s, n, fr);
    return true;
}

/* A frame of the sanitizer's own runtime (its interceptor of free or
 * malloc): nothing of the code under test. */
static bool runtime_frame(const ReportFrame *fr)
{
    static const char *const funcs[] = { "__interceptor_", "__asan", "__lsan", "__ubsan",
                                         "__sanitizer", NULL };
    static const char *const files[] = { "/libsanitizer/", "/compiler-rt/", NULL };

    for (const char *const *p = funcs; *p != NULL; p++) {
        if (strncmp(fr->func, *p, strlen(*p)) == 0) {
            return true;
        }
    }
    for (const char *const *p = files; *p != NULL; p++) {
        if (strstr(fr->file, *p) != NULL) {
            return true;
        }
    }
    return false;
}

/* ---- stacks ------------------------------------------------------------------------ */

typedef struct Parser {
    ReportCrash *crash;
    char title[LINE_MAX_BYTES];     /* the last line before a stack's frames */
    bool in_stack;                  /* the last line was a frame */
    bool keep;                      /* the frames now read go to the last stack */
    ReportFrame held[REPORT_CRASH_FRAMES];  /* its frames without a file, held back */
    unsigned nheld;
} Parser;

static ReportStackRole role_of(const char *title, unsigned nth)
{
    if (strstr(title, "freed by") != NULL) {
        return REPORT_STACK_FREE;
    }
    if (strstr(title, "allocated") != NULL && nth > 0) {
        return REPORT_STACK_ALLOC;
    }
    return nth == 0 ? REPORT_STACK_ERROR : REPORT_STACK_ALLOC;
}

static void open_stack(Parser *p)
{
    ReportCrash *c = p->crash;
    ReportStack *st;

    p->in_stack = true;
    p->nheld = 0;
    /* A thread's creation stack says nothing of the error. */
    p->keep = c->nstacks < REPORT_CRASH_STACKS && strstr(p->title, "created by") == NULL;
    if (!p->keep) {
        return;
    }
    st = &c->stack[c->nstacks];
    memset(st, 0, sizeof(*st));
    st->role = role_of(p->title, c->nstacks);
    put(st->title, sizeof(st->title), strcmp(p->title, c->what) == 0 ? "" : p->title,
        sizeof(p->title));
    c->nstacks++;
}

static void push(ReportStack *st, const ReportFrame *fr)
{
    if (st->nframes < REPORT_CRASH_FRAMES) {
        st->frame[st->nframes++] = *fr;
    }
}

/* The first frames of a stack, less the runtime's at its top; frames
 * without a file at the top (libc, the runtime built in) are held back
 * until a frame with one shows they came before the code that matters --
 * a stack never symbolized keeps them all. */
static void add_frame(Parser *p, const ReportFrame *fr)
{
    ReportStack *st = &p->crash->stack[p->crash->nstacks - 1];

    if (!p->keep) {
        return;
    }
    if (st->nframes == 0 && runtime_frame(fr)) {
        return;
    }
    if (st->nframes == 0 && fr->file[0] == '\0') {
        if (p->nheld < REPORT_CRASH_FRAMES) {
            p->held[p->nheld++] = *fr;
        }
        return;
    }
    p->crash->symbolized |= fr->file[0] != '\0';
    p->nheld = 0;
    push(st, fr);
}

/* A stack that ended with its held frames only (nothing symbolized):
 * they are all it has. */
static void close_stack(Parser *p)
{
    if (p->keep && p->crash->nstacks > 0 && p->crash->stack[p->crash->nstacks - 1].nframes == 0) {
        for (unsigned i = 0; i < p->nheld; i++) {
            push(&p->crash->stack[p->crash->nstacks - 1], &p->held[i]);
        }
    }
    p->in_stack = false;
    p->keep = false;
    p->nheld = 0;
}

/* ---- the report ---------------------------------------------------------------------- */

/* The first error line: "ERROR: Tool: ..." (ASan, LSan) or "...: runtime
 * error: ..." (UBSan).  Sets kind and what; true when it is one. */
static bool error_line(ReportCrash *c, const char *s, const char *line)
{
    const char *err = strstr(s, "ERROR: ");
    const char *ub = strstr(line, ": runtime error: ");

    if (c->what[0] != '\0') {
        return false;
    }
    if (err == s && tool_prefix(s + 7) != 0) {
        headline_of(s + 7, c->what, sizeof(c->what));
        kind_of_error(s + 7, c->kind, sizeof(c->kind));
        return true;
    }
    if (ub != NULL) {
        put(c->what, sizeof(c->what), line + strspn(line, " "), LINE_MAX_BYTES);
        snprintf(c->kind, sizeof(c->kind), "UndefinedBehaviorSanitizer: undefined-behavior");
        return true;
    }
    return false;
}

bool report_crash_parse(const char *text, ReportCrash *crash)
{
    Parser p = { .crash = crash };
    char line[LINE_MAX_BYTES], kind[sizeof(crash->kind)];
    const char *at = text;
    ReportFrame fr;
    bool summary = false;

    memset(crash->kind, 0, sizeof(crash->kind));
    memset(crash->what, 0, sizeof(crash->what));
    crash->nstacks = 0;
    crash->symbolized = false;
    while (next_line(&at, line)) {
        const char *s = bare(line);

        if (error_line(crash, s, line)) {
            put(p.title, sizeof(p.title), crash->what, sizeof(crash->what));
            continue;
        }
        if (crash->what[0] == '\0') {
            continue;               /* what came before the report */
        }
        if (parse_frame(line, &fr)) {
            if (!p.in_stack) {
                open_stack(&p);
            }
            add_frame(&p, &fr);
            continue;
        }
        if (p.in_stack) {
            close_stack(&p);
        }
        if (strncmp(s, "SUMMARY: ", 9) == 0 && !summary) {
            summary = true;
            if (kind_of_summary(s + 9, kind, sizeof(kind))) {
                memcpy(crash->kind, kind, sizeof(kind));
            }
        } else if (s[0] != '\0' && strncmp(s, "Hint: ", 6) != 0) {
            put(p.title, sizeof(p.title), s, LINE_MAX_BYTES);
        }
    }
    if (p.in_stack) {
        close_stack(&p);
    }
    return crash->kind[0] != '\0';
}

/* ---- printing ---------------------------------------------------------------------- */

void report_frame_put(FILE *f, const ReportFrame *fr)
{
    fprintf(f, "#%u ", fr->index);
    report_put_line_safe(f, fr->func[0] != '\0' ? fr->func : "??");
    fputc(' ', f);
    if (fr->file[0] != '\0') {
        report_put_line_safe(f, fr->file);
        if (fr->line != 0) {
            fprintf(f, ":%u", fr->line);
        }
        if (fr->column != 0) {
            fprintf(f, ":%u", fr->column);
        }
    } else {
        fputc('(', f);
        report_put_line_safe(f, fr->module);
        fputc(')', f);
    }
}

/* A stack's heading: the sanitizer's words for it, or the crash's. */
const char *report_stack_title(const ReportCrash *c, const ReportStack *st)
{
    return st->title[0] != '\0' ? st->title : c->what[0] != '\0' ? c->what : c->kind;
}

void report_crash_print(FILE *f, const char *indent, const ReportCrash *c)
{
    fprintf(f, "%scrash: ", indent);
    report_put_line_safe(f, c->what[0] != '\0' ? c->what : c->kind);
    fputc('\n', f);
    for (unsigned i = 0; i < c->nstacks && i < REPORT_CRASH_STACKS; i++) {
        const ReportStack *st = &c->stack[i];

        fprintf(f, "%s  ", indent);
        report_put_line_safe(f, report_stack_title(c, st));
        fputs(st->title[0] != '\0' && st->title[strlen(st->title) - 1] == ':' ? "\n" : ":\n", f);
        for (unsigned k = 0; k < st->nframes && k < REPORT_CRASH_FRAMES; k++) {
            fprintf(f, "%s    ", indent);
            report_frame_put(f, &st->frame[k]);
            fputc('\n', f);
        }
    }
    if (c->nstacks > 0 && !c->symbolized) {
        fprintf(f, "%s  (no file:line: the sanitizer found no symbolizer; install "
                "llvm-symbolizer (Debian: llvm-14) or set ASAN_SYMBOLIZER_PATH)\n", indent);
    }
    if (c->report[0] != '\0') {
        fprintf(f, "%s  full report: ", indent);
        report_put_line_safe(f, c->report);
        fputc('\n', f);
    }
}
