// SPDX-License-Identifier: GPL-2.0
/* compare --recommend's search (compare-search.h). */
#include "compare-search.h"

int cmp_search(uint64_t from, uint64_t max, int max_trials, cmp_probe_fn probe,
	       void *arg, struct cmp_trial *t, struct cmp_found *res)
{
	uint64_t lo = 0, hi = 0, size, mid;
	int n = 0, best = -1, err;

	for (size = from; size <= max && n < max_trials; size *= 2) {
		err = probe(arg, size, &t[n]);
		if (err)
			return err;
		if (t[n++].ok) {
			hi = size;
			best = n - 1;
			break;
		}
		lo = size;
	}
	/* Bisection on whole pages between the last too-small and the first good. */
	while (hi && lo && hi - lo > CMP_PAGE && n < max_trials) {
		mid = (lo + hi) / 2 / CMP_PAGE * CMP_PAGE;
		err = probe(arg, mid, &t[n]);
		if (err)
			return err;
		if (t[n++].ok) {
			hi = mid;
			best = n - 1;
		} else {
			lo = mid;
		}
	}
	res->n = n;
	res->best = best;
	res->bytes = best >= 0 ? hi : 0;
	res->too_small = lo;
	return 0;
}
