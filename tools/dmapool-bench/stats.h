/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The statistics of the performance gate: medians, the Mann-Whitney U test
 * (exact for small samples, ties included), a percentile bootstrap of a
 * ratio, and the LKP separation rule.
 */
#ifndef DMAPOOL_BENCH_STATS_H
#define DMAPOOL_BENCH_STATS_H

#include <stddef.h>
#include <stdint.h>

/* Median of @n values (n >= 1); @x is not modified. */
double stats_median(const double *x, size_t n);

/*
 * Two-sided Mann-Whitney U test of @a against @b with midranks for ties:
 * exact (every split of the pooled ranks) when C(na + nb, na) <= 2e6, else
 * the normal approximation with tie and continuity corrections. p = 1 when
 * a side is empty or every value is equal; *@exact (may be NULL) says which.
 */
double stats_mann_whitney_p(const double *a, size_t na, const double *b,
			    size_t nb, int *exact);

/*
 * Percentile bootstrap (level @conf, @iters resamples, reproducible from
 * @seed) of the ratio of @b to @a. Paired (na == nb): the geometric mean of
 * b_i / a_i over resampled pairs; unpaired: mean(b*) / mean(a*). *@point is
 * the statistic of the data. 0, or -EINVAL for empty sides, a paired length
 * mismatch or a value <= 0.
 */
int stats_bootstrap_ratio(const double *a, size_t na, const double *b,
			  size_t nb, int paired, double conf, unsigned int iters,
			  uint64_t seed, double *lo, double *point, double *hi);

/*
 * LKP separation: +1 when min(b) > median(a) and median(b) > max(a), -1 in
 * the mirror case, else 0 (also when a side is empty).
 */
int stats_lkp_separation(const double *a, size_t na, const double *b, size_t nb);

#endif
