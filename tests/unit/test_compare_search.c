// SPDX-License-Identifier: GPL-2.0
/*
 * compare --recommend's search (tools/dmapool-bench/compare-search.c)
 * against a fake workload that needs a known coherent_pool: the sizes
 * tried, in order, and what is found.
 */
#include <errno.h>
#include <string.h>

#include "tap.h"
#include "compare-search.h"

#define K 1024ull
#define M (1024 * K)

struct fake {
	uint64_t need;		/* the smallest size that works */
	uint64_t tried[64];
	int n;
	int fail_at;		/* probe number that errs, -1: none */
};

static int fake_probe(void *arg, uint64_t bytes, struct cmp_trial *t)
{
	struct fake *f = arg;

	if (f->n == f->fail_at)
		return -EIO;
	f->tried[f->n++] = bytes;
	memset(t, 0, sizeof(*t));
	t->bytes = bytes;
	t->runs = 1;
	t->fails = bytes < f->need;
	t->ok = !t->fails;
	return 0;
}

static int tried_is(const struct fake *f, const uint64_t *want, int n)
{
	return f->n == n && !memcmp(f->tried, want, n * sizeof(*want));
}

static void test_bisect(void)
{
	static const uint64_t seq[] = { 64 * K, 128 * K, 96 * K, 112 * K, 104 * K, 100 * K };
	struct fake f = { .need = 100 * K, .fail_at = -1 };
	struct cmp_trial t[40];
	struct cmp_found r;

	TAP_IS(cmp_search(64 * K, 64 * M, 40, fake_probe, &f, t, &r), 0, "search: 0");
	TAP_OK(tried_is(&f, seq, 6), "need 100K: tries 64K 128K, then 96K 112K 104K 100K");
	TAP_IS(r.bytes, 100 * K, "need 100K: finds 100K");
	TAP_IS(r.too_small, 96 * K, "need 100K: 96K is the largest too small");
	TAP_IS(r.n, 6, "need 100K: 6 trials");
	TAP_OK(r.best == 5 && t[r.best].bytes == 100 * K && t[r.best].ok,
	       "need 100K: the best trial is the last, 100K, ok");

	memset(&f, 0, sizeof(f));
	f.need = 100 * K + 1;
	f.fail_at = -1;
	cmp_search(64 * K, 64 * M, 40, fake_probe, &f, t, &r);
	TAP_OK(tried_is(&f, seq, 6), "need 100K + 1: the same six sizes");
	TAP_IS(r.bytes, 104 * K, "need 100K + 1: finds the next page up, 104K");
	TAP_IS(r.too_small, 100 * K, "need 100K + 1: 100K too small");
	TAP_IS(r.best, 4, "need 100K + 1: the best trial is the fifth");
}

static void test_edges(void)
{
	struct fake f = { .need = 4 * K, .fail_at = -1 };
	struct cmp_trial t[40];
	struct cmp_found r;
	int i, pages = 1;

	cmp_search(64 * K, 64 * M, 40, fake_probe, &f, t, &r);
	TAP_OK(r.n == 1 && r.bytes == 64 * K && r.too_small == 0 && r.best == 0,
	       "the first size works: one trial, nothing bisected");

	memset(&f, 0, sizeof(f));
	f.need = 65 * M;
	f.fail_at = -1;
	cmp_search(64 * K, 64 * M, 40, fake_probe, &f, t, &r);
	TAP_OK(r.n == 11 && r.best == -1 && r.bytes == 0 && r.too_small == 64 * M,
	       "nothing up to 64M works: 11 doublings, none found, 64M too small");

	memset(&f, 0, sizeof(f));
	f.need = 65 * M;
	f.fail_at = -1;
	cmp_search(64 * K, 64 * M, 3, fake_probe, &f, t, &r);
	TAP_OK(r.n == 3 && f.n == 3 && r.best == -1, "at most max_trials trials");

	memset(&f, 0, sizeof(f));
	f.need = 1 * M;
	f.fail_at = 2;
	TAP_IS(cmp_search(64 * K, 64 * M, 40, fake_probe, &f, t, &r), (uint64_t)-EIO,
	       "a probe's error stops the search and is returned");
	TAP_IS(f.n, 2, "no trial after the error");

	memset(&f, 0, sizeof(f));
	f.need = 3 * M + 12345;
	f.fail_at = -1;
	cmp_search(64 * K, 64 * M, 40, fake_probe, &f, t, &r);
	for (i = 0; i < f.n; i++)
		pages &= !(f.tried[i] % CMP_PAGE);
	TAP_OK(pages, "every size tried is whole pages");
	TAP_IS(r.bytes, (3 * M + 12345 + CMP_PAGE - 1) / CMP_PAGE * CMP_PAGE,
	       "need 3M + 12345: finds it rounded up to a page");
	TAP_IS(r.bytes - r.too_small, CMP_PAGE, "one page between too small and enough");
}

int main(void)
{
	test_bisect();
	test_edges();
	return tap_done();
}
