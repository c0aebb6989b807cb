/* reduce.h: shrinking a failing scenario (`replbench reduce`): ddmin over
 * its operation lines, then over each line's arguments (one argument left
 * out, a number made smaller), then single lines again until no one line
 * can go: the result is 1-minimal.  Text only: the caller's test says
 * whether a candidate still fails the same way (the CLI runs each in a
 * forked worker); a candidate that does not parse is the test's to refuse.
 */
#ifndef REPLBENCH_SCN_REDUCE_H
#define REPLBENCH_SCN_REDUCE_H

#include <stdbool.h>
#include <stddef.h>

#define SCN_REDUCE_MAX_TESTS 100000     /* candidates tried at most */

/* true: the candidate (text, len bytes) fails as the original does. */
typedef bool ScnReduceTest(void *ctx, const char *text, size_t len);

typedef struct ScnReduceStats {
    unsigned lines_before;      /* operation lines (comments, blanks dropped) */
    unsigned lines_after;
    unsigned args_dropped;      /* arguments left out */
    unsigned numbers_shrunk;    /* values made smaller */
    unsigned tests;             /* candidates tried */
    bool capped;                /* stopped at SCN_REDUCE_MAX_TESTS: may not
                                   be 1-minimal */
} ScnReduceStats;

/* The reduced text (malloc'd, NUL-terminated, one operation a line), or
 * NULL when out of memory.  The text itself is not tested: the caller
 * knows it fails. */
char *scn_reduce(const char *text, size_t len, ScnReduceTest *test, void *ctx,
                 ScnReduceStats *stats);

/* n candidates (text[i], len[i] bytes), the ones a search one at a time
 * would try next, in its order: the index of the first that fails as the
 * original does, or n when none does.  The caller may judge them at once;
 * what it answers must be what judging them in order would. */
typedef size_t ScnReduceFirst(void *ctx, const char *const *text, const size_t *len, size_t n);

/* scn_reduce, asking first() about up to width candidates at a time where
 * the search allows it (ddmin's chunks and complements, single lines out;
 * the arguments one at a time): the same result and the same count of
 * tests (those up to the first failing one) as scn_reduce with test. */
char *scn_reduce_wide(const char *text, size_t len, ScnReduceTest *test, ScnReduceFirst *first,
                      size_t width, void *ctx, ScnReduceStats *stats);

#endif /* REPLBENCH_SCN_REDUCE_H */
