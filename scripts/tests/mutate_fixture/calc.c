/* calc.c: the fixture library of scripts/tests/mutate.sh: each function
 * gives the mutation operators something to change. */
#include <stdlib.h>
#include <string.h>

#include "calc.h"

/* A loop written as a macro, as QEMU's QLIST_FOREACH_SAFE is. */
#define FOR_EACH(i, n) for (int i = 0; i < (n); i++)

int clamp(int x, int lo, int hi)
{
    if (x < lo) {
        return lo;
    }
    if (x > hi) {
        return hi;
    }
    return x;
}

int index_of(const int *a, int n, int x)
{
    if (a == NULL) {
        return -1;
    }
    for (int i = 0; i < n; i++) {
        if (a[i] == x) {
            return i;
        }
    }
    return -1;
}

int sum_positive(const int *a, int n)
{
    int s = 0;

    for (int i = 0; i < n; i++) {
        if (a[i] <= 0) {
            continue;
        }
        s += a[i];
    }
    return s;
}

int total(const int *a, int n)
{
    int *copy = malloc(sizeof(*copy) * (size_t)n);
    int s;

    memcpy(copy, a, sizeof(*copy) * (size_t)n);
    s = sum_positive(copy, n);
    free(copy);
    return s;
}

unsigned countdown(unsigned n)
{
    unsigned steps = 0;

    while (n > 0) {
        n--;
        steps++;
    }
    return steps;
}

int count_odd(const int *a, int n)
{
    int c = 0;

    FOR_EACH(i, n) {
        if (a[i] % 2 != 0) {
            c++;
        }
    }
    return c;
}
