/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The log-linear latency histograms of bpf/dmapool.h in userspace: bucket
 * bounds, quantiles, and the log2 view printed like libbpf-tools.
 */
#ifndef DMAPOOL_BENCH_HIST_H
#define DMAPOOL_BENCH_HIST_H

#include <stdint.h>
#include <stdio.h>
#include <linux/types.h>
#include "dmapool.h"

/* Lower bound and width (ns) of log-linear bucket @b. */
void hist_bucket_bounds(uint32_t b, uint64_t *lo, uint64_t *width);

/*
 * The @q quantile (0 < q <= 1) of a histogram of @count values whose
 * largest is @max: the middle of the bucket holding it, at most @max.
 */
uint64_t hist_quantile(const __u64 *slots, uint64_t count, uint64_t max,
		       double q);

/* Fold log-linear buckets into log2 slots: slot k counts [2^k, 2^(k+1)). */
#define HIST_LOG2_SLOTS (DMAPOOL_HIST_MAX_POW + 1)
void hist_fold_log2(const __u64 *slots, uint64_t log2[HIST_LOG2_SLOTS]);

/* Print a log2 histogram in the libbpf-tools layout. */
void hist_print_log2(FILE *f, const uint64_t log2[HIST_LOG2_SLOTS],
		     const char *unit);

#endif
