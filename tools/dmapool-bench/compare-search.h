/* SPDX-License-Identifier: GPL-2.0 */
/*
 * compare --recommend's search, apart from running anything: the smallest
 * coherent_pool a workload needs, by doubling from a first size until one
 * works, then bisecting on whole pages between the last size too small and
 * the first that works. The trials themselves are a callback (the real one
 * runs the workload in fresh module loads; the unit tests pass a fake).
 */
#ifndef DMAPOOL_BENCH_COMPARE_SEARCH_H
#define DMAPOOL_BENCH_COMPARE_SEARCH_H

#include <stdbool.h>
#include <stdint.h>

#define CMP_PAGE		4096ull

/* One size tried. */
struct cmp_trial {
	uint64_t bytes;
	uint64_t reserved;		/* the pool the kernel's rule made of it */
	uint64_t fails, fallbacks, expansions, runs;
	bool ok;			/* no failure and no fallback */
};

/* Try @bytes: fill @t (t->ok above all); 0 or -errno (the search stops). */
typedef int (*cmp_probe_fn)(void *arg, uint64_t bytes, struct cmp_trial *t);

struct cmp_found {
	int n;				/* trials made */
	int best;			/* index of the smallest good trial, -1: none */
	uint64_t bytes;			/* its size, 0: none found */
	uint64_t too_small;		/* the largest size too small, 0: none */
};

/*
 * Search from @from up to @max (both > 0) with at most @max_trials calls of
 * @probe, recorded in @t. 0, or the probe's error.
 */
int cmp_search(uint64_t from, uint64_t max, int max_trials, cmp_probe_fn probe,
	       void *arg, struct cmp_trial *t, struct cmp_found *res);

#endif
