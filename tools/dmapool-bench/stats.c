// SPDX-License-Identifier: GPL-2.0
/*
 * Statistics for `gate`. Small inputs: a gate compares a few runs a side.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double *sorted_copy(const double *x, size_t n)
{
	double *s = malloc((n ? n : 1) * sizeof(*s));

	if (!s)
		return NULL;
	memcpy(s, x, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_double);
	return s;
}

double stats_median(const double *x, size_t n)
{
	double *s, m;

	if (!n)
		return 0;
	s = sorted_copy(x, n);
	if (!s)
		return NAN;
	m = n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
	free(s);
	return m;
}

static double choose(size_t n, size_t k)
{
	double c = 1;
	size_t i;

	if (k > n - k)
		k = n - k;
	for (i = 1; i <= k; i++)
		c = c * (n - k + i) / i;
	return c;
}

struct ranked {
	double v;
	int from_a;
};

static int cmp_ranked(const void *a, const void *b)
{
	return cmp_double(&((const struct ranked *)a)->v,
			  &((const struct ranked *)b)->v);
}

double stats_mann_whitney_p(const double *a, size_t na, const double *b,
			    size_t nb, int *exact)
{
	size_t n = na + nb, i, j, k, s, smax;
	struct ranked *r;
	unsigned int *r2;	/* doubled midranks: integers */
	double ties = 0, p = 1, w2 = 0, e2;

	if (exact)
		*exact = 0;
	if (!na || !nb)
		return 1;
	r = malloc(n * sizeof(*r));
	r2 = malloc(n * sizeof(*r2));
	if (!r || !r2) {
		free(r);
		free(r2);
		return NAN;
	}
	for (i = 0; i < n; i++) {
		r[i].v = i < na ? a[i] : b[i - na];
		r[i].from_a = i < na;
	}
	qsort(r, n, sizeof(*r), cmp_ranked);
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && r[j].v == r[i].v; j++)
			;
		/* Ranks i+1..j share (i+1+j)/2; doubled: i+1+j. */
		for (k = i; k < j; k++)
			r2[k] = i + 1 + j;
		ties += (double)(j - i) * (j - i) * (j - i) - (j - i);
	}
	if (ties == (double)n * n * n - n)
		goto out;		/* one value throughout */
	for (i = 0; i < n; i++)
		if (r[i].from_a)
			w2 += r2[i];
	e2 = (double)na * (n + 1);	/* doubled expectation of the rank sum */

	if (choose(n, na) <= 2e6) {
		/* ways[k][s]: subsets of k items with doubled rank sum s. */
		double *ways, total = 0, tail = 0;

		smax = n * (n + 1);
		ways = calloc((na + 1) * (smax + 1), sizeof(*ways));
		if (!ways) {
			p = NAN;
			goto out;
		}
		ways[0] = 1;
		for (i = 0; i < n; i++)
			for (k = (i + 1 < na ? i + 1 : na); k >= 1; k--)
				for (s = smax; s >= r2[i]; s--)
					ways[k * (smax + 1) + s] +=
						ways[(k - 1) * (smax + 1) + s - r2[i]];
		for (s = 0; s <= smax; s++) {
			double w = ways[na * (smax + 1) + s];

			total += w;
			if (fabs(s - e2) >= fabs(w2 - e2) - 1e-9)
				tail += w;
		}
		free(ways);
		p = tail / total;
		if (exact)
			*exact = 1;
	} else {
		double u = w2 / 2 - (double)na * (na + 1) / 2;
		double mu = (double)na * nb / 2;
		double var = (double)na * nb / 12 *
			     ((n + 1) - ties / ((double)n * (n - 1)));
		double z = var > 0 ? (fabs(u - mu) - 0.5) / sqrt(var) : 0;

		p = z > 0 ? erfc(z / sqrt(2)) : 1;
	}
out:
	free(r);
	free(r2);
	return p > 1 ? 1 : p;
}

/* splitmix64: small, fast, and the same sequence everywhere. */
static uint64_t next_rand(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static double mean_of(const double *x, size_t n)
{
	double s = 0;
	size_t i;

	for (i = 0; i < n; i++)
		s += x[i];
	return s / n;
}

int stats_bootstrap_ratio(const double *a, size_t na, const double *b,
			  size_t nb, int paired, double conf, unsigned int iters,
			  uint64_t seed, double *lo, double *point, double *hi)
{
	uint64_t st = seed;
	double *stat, *logs = NULL;
	size_t i, k, ilo, ihi;

	if (!na || !nb || (paired && na != nb) || !iters || conf <= 0 || conf >= 1)
		return -EINVAL;
	for (i = 0; i < na; i++)
		if (!(a[i] > 0))
			return -EINVAL;
	for (i = 0; i < nb; i++)
		if (!(b[i] > 0))
			return -EINVAL;
	stat = malloc(iters * sizeof(*stat));
	if (paired)
		logs = malloc(na * sizeof(*logs));
	if (!stat || (paired && !logs)) {
		free(stat);
		free(logs);
		return -ENOMEM;
	}
	if (logs) {	/* paired */
		for (i = 0; i < na; i++)
			logs[i] = log(b[i] / a[i]);
		*point = exp(mean_of(logs, na));
	} else {
		*point = mean_of(b, nb) / mean_of(a, na);
	}
	for (k = 0; k < iters; k++) {
		double sa = 0, sb = 0;

		if (paired) {
			for (i = 0; i < na; i++)
				sa += logs[next_rand(&st) % na];
			stat[k] = exp(sa / na);
			continue;
		}
		for (i = 0; i < na; i++)
			sa += a[next_rand(&st) % na];
		for (i = 0; i < nb; i++)
			sb += b[next_rand(&st) % nb];
		stat[k] = (sb / nb) / (sa / na);
	}
	qsort(stat, iters, sizeof(*stat), cmp_double);
	/* Nearest rank: the statistics below and above the tails cut off. */
	ilo = (size_t)floor((1 - conf) / 2 * iters);
	ihi = (size_t)ceil((1 + conf) / 2 * iters);
	if (ihi > 0)
		ihi--;
	if (ihi >= iters)
		ihi = iters - 1;
	*lo = stat[ilo];
	*hi = stat[ihi];
	/* Constant ratios: rounding must not put the point outside. */
	if (*lo > *point)
		*lo = *point;
	if (*hi < *point)
		*hi = *point;
	free(stat);
	free(logs);
	return 0;
}

static void min_max(const double *x, size_t n, double *mn, double *mx)
{
	size_t i;

	*mn = *mx = x[0];
	for (i = 1; i < n; i++) {
		if (x[i] < *mn)
			*mn = x[i];
		if (x[i] > *mx)
			*mx = x[i];
	}
}

int stats_lkp_separation(const double *a, size_t na, const double *b, size_t nb)
{
	double amin, amax, bmin, bmax, amed, bmed;

	if (!na || !nb)
		return 0;
	min_max(a, na, &amin, &amax);
	min_max(b, nb, &bmin, &bmax);
	amed = stats_median(a, na);
	bmed = stats_median(b, nb);
	if (bmin > amed && bmed > amax)
		return 1;
	if (bmax < amed && bmed < amin)
		return -1;
	return 0;
}
