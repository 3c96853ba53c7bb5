// SPDX-License-Identifier: GPL-2.0
#include <math.h>
#include <string.h>

#include "hist.h"

void hist_bucket_bounds(uint32_t b, uint64_t *lo, uint64_t *width)
{
	uint32_t pow, sub;

	if (b < DMAPOOL_HIST_SUB) {
		*lo = b;
		*width = 1;
		return;
	}
	pow = b / DMAPOOL_HIST_SUB + DMAPOOL_HIST_SUB_BITS - 1;
	sub = b % DMAPOOL_HIST_SUB;
	*width = 1ull << (pow - DMAPOOL_HIST_SUB_BITS);
	*lo = (DMAPOOL_HIST_SUB + sub) * *width;
}

uint64_t hist_quantile(const __u64 *slots, uint64_t count, uint64_t max,
		       double q)
{
	uint64_t target, seen = 0, lo, width, v;
	uint32_t b;

	if (!count)
		return 0;
	target = (uint64_t)ceil(q * (double)count);
	if (target < 1)
		target = 1;
	if (target > count)
		target = count;
	for (b = 0; b < DMAPOOL_HIST_BUCKETS; b++) {
		seen += slots[b];
		if (seen >= target)
			break;
	}
	if (b == DMAPOOL_HIST_BUCKETS)
		return max;
	hist_bucket_bounds(b, &lo, &width);
	v = lo + width / 2;
	return v > max ? max : v;
}

void hist_fold_log2(const __u64 *slots, uint64_t log2[HIST_LOG2_SLOTS])
{
	uint64_t lo, width;
	uint32_t b, k;

	memset(log2, 0, sizeof(uint64_t) * HIST_LOG2_SLOTS);
	for (b = 0; b < DMAPOOL_HIST_BUCKETS; b++) {
		if (!slots[b])
			continue;
		hist_bucket_bounds(b, &lo, &width);
		k = lo ? dmapool_log2(lo) : 0;
		if (k >= HIST_LOG2_SLOTS)
			k = HIST_LOG2_SLOTS - 1;
		log2[k] += slots[b];
	}
}

void hist_print_log2(FILE *f, const uint64_t log2[HIST_LOG2_SLOTS],
		     const char *unit)
{
	const int width = 40;
	uint64_t peak = 0, lo, hi;
	int k, first = -1, last = -1, i, stars;

	for (k = 0; k < HIST_LOG2_SLOTS; k++) {
		if (!log2[k])
			continue;
		if (first < 0)
			first = k;
		last = k;
		if (log2[k] > peak)
			peak = log2[k];
	}
	if (first < 0)
		return;
	fprintf(f, "%*s%-*s : count    distribution\n", 5, "", 19, unit);
	for (k = first; k <= last; k++) {
		lo = k ? 1ull << k : 0;
		hi = (1ull << (k + 1)) - 1;
		stars = (int)(log2[k] * width / peak);
		fprintf(f, "%10llu -> %-10llu : %-8llu |",
			(unsigned long long)lo, (unsigned long long)hi,
			(unsigned long long)log2[k]);
		for (i = 0; i < width; i++)
			fputc(i < stars ? '*' : ' ', f);
		fputs("|\n", f);
	}
}
