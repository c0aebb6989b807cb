/* test_calc.c: checks calc.c, leaving some of it untested on purpose
 * (clamp above the range, index_of with NULL). */
#include <stdio.h>

#include "calc.h"

#define CHECK(c) do { if (!(c)) { printf("failed: %s\n", #c); return 1; } } while (0)

int main(void)
{
    int a[] = { 3, -1, 0, 7 };

    CHECK(clamp(-5, 0, 10) == 0);
    CHECK(clamp(0, 0, 10) == 0);
    CHECK(clamp(4, 0, 10) == 4);
    CHECK(index_of(a, 4, 7) == 3);
    CHECK(index_of(a, 4, 3) == 0);
    CHECK(index_of(a, 4, 5) == -1);
    CHECK(index_of(a, 3, 7) == -1);
    CHECK(sum_positive(a, 4) == 10);
    CHECK(total(a, 4) == 10);
    CHECK(countdown(3) == 3);
    CHECK(countdown(0) == 0);
    CHECK(count_odd(a, 4) == 3);
    return 0;
}
