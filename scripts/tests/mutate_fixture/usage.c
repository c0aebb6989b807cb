/* usage.c: exits 1 (a test meson expects to fail) unless clamp is broken. */
#include "calc.h"

int main(void)
{
    return clamp(1, 0, 2) == 1;
}
