/* test_slow.c: a suite the tool's test does not select. */
#include "calc.h"

int main(void)
{
    return clamp(20, 0, 10) != 10;
}
