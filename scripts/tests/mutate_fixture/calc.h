/* calc.h: the fixture library of scripts/tests/mutate.sh. */
#ifndef CALC_H
#define CALC_H

int clamp(int x, int lo, int hi);
int index_of(const int *a, int n, int x);
int sum_positive(const int *a, int n);
int total(const int *a, int n);
unsigned countdown(unsigned n);
int count_odd(const int *a, int n);

#endif
