// SPDX-License-Identifier: GPL-2.0
/*
 * The CLI's histogram arithmetic (tools/dmapool-bench/hist.c) against
 * values worked out by hand from bpf/dmapool.h's log-linear buckets: 16
 * one-ns buckets, then 16 sub-buckets per power of two.
 */
#include <string.h>

#include "tap.h"
#include "hist.h"

static __u64 slots[DMAPOOL_HIST_BUCKETS];

static void test_bounds(void)
{
	uint64_t lo, width;

	hist_bucket_bounds(5, &lo, &width);
	TAP_OK(lo == 5 && width == 1, "bucket 5: [5, 6)");
	hist_bucket_bounds(16, &lo, &width);
	TAP_OK(lo == 16 && width == 1, "bucket 16: [16, 17)");
	hist_bucket_bounds(33, &lo, &width);
	TAP_OK(lo == 34 && width == 2, "bucket 33: [34, 36)");
	hist_bucket_bounds(111, &lo, &width);
	TAP_OK(lo == 992 && width == 32, "bucket 111: [992, 1024)");
	TAP_IS(dmapool_hist_bucket(1000), 111, "1000 ns lands in bucket 111");
	hist_bucket_bounds(DMAPOOL_HIST_BUCKETS - 1, &lo, &width);
	TAP_OK(lo == 31ull << 36 && width == 1ull << 36,
	       "the last bucket: [31 * 2^36, 2^41)");
}

static void test_quantile(void)
{
	memset(slots, 0, sizeof(slots));
	slots[5] = 10;		/* 10 values of 5 ns */
	slots[111] = 90;	/* 90 values in [992, 1024) */
	TAP_IS(hist_quantile(slots, 100, 1010, 0.05), 5, "p5: bucket 5's middle");
	TAP_IS(hist_quantile(slots, 100, 1010, 0.10), 5,
	       "p10: the 10th value, still bucket 5");
	TAP_IS(hist_quantile(slots, 100, 1010, 0.11), 1008,
	       "p11: the 11th value, bucket 111's middle (992 + 32 / 2)");
	TAP_IS(hist_quantile(slots, 100, 1010, 0.5), 1008, "p50: 1008");
	TAP_IS(hist_quantile(slots, 100, 1000, 0.99), 1000,
	       "p99: capped at the maximum seen (1000 < 1008)");
	TAP_IS(hist_quantile(slots, 100, 1010, 1.0), 1008, "p100: the last bucket's middle");
	TAP_IS(hist_quantile(slots, 100, 1010, 0.0), 5, "q 0: the first value");
	TAP_IS(hist_quantile(slots, 0, 0, 0.5), 0, "an empty histogram: 0");
	TAP_IS(hist_quantile(slots, 200, 4242, 0.9), 4242,
	       "count beyond the buckets' sum: the maximum");
}

static void test_fold(void)
{
	uint64_t log2[HIST_LOG2_SLOTS], sum = 0;
	int k;

	memset(slots, 0, sizeof(slots));
	slots[0] = 3;		/* 0 ns -> slot 0 */
	slots[1] = 4;		/* 1 ns -> slot 0 */
	slots[5] = 10;		/* 5 ns -> slot 2, [4, 8) */
	slots[16] = 1;		/* 16 ns -> slot 4 */
	slots[111] = 90;	/* 992 ns -> slot 9, [512, 1024) */
	slots[DMAPOOL_HIST_BUCKETS - 1] = 2;	/* 2^40 and up -> slot 40 */
	for (k = 0; k < HIST_LOG2_SLOTS; k++)
		log2[k] = 12345;	/* overwritten, not added to */
	hist_fold_log2(slots, log2);
	TAP_IS(log2[0], 7, "log2 slot 0: buckets 0 and 1");
	TAP_IS(log2[1], 0, "log2 slot 1: empty (cleared first)");
	TAP_IS(log2[2], 10, "log2 slot 2: [4, 8)");
	TAP_IS(log2[4], 1, "log2 slot 4: [16, 32)");
	TAP_IS(log2[9], 90, "log2 slot 9: [512, 1024)");
	TAP_IS(log2[HIST_LOG2_SLOTS - 1], 2, "the last log2 slot: 2^40 and up");
	for (k = 0; k < HIST_LOG2_SLOTS; k++)
		sum += log2[k];
	TAP_IS(sum, 110, "folding keeps every count");
}

int main(void)
{
	test_bounds();
	test_quantile();
	test_fold();
	return tap_done();
}
