/*
 * bench.h - what the C benchmarks in tests/bench/ share: a monotonic clock
 * and the comparison qsort needs to take a median of run times.
 */
#ifndef WISP_BENCH_H
#define WISP_BENCH_H

#include <time.h>

/* Milliseconds on the monotonic clock. */
static inline double
bench_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* qsort's comparison for doubles, ascending. */
static inline int
bench_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

#endif
