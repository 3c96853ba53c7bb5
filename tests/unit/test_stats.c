// SPDX-License-Identifier: GPL-2.0
/*
 * The gate's statistics on inputs with known answers. The Mann-Whitney
 * references were computed independently, in Python, by enumerating every
 * split of the pooled midranks (exact) or by the textbook normal
 * approximation with tie and continuity corrections.
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "tap.h"
#include "stats.h"

#define N(x) (sizeof(x) / sizeof((x)[0]))
#define NEAR(got, want, tol) (fabs((got) - (want)) <= (tol))

static void test_median(void)
{
	double odd[] = { 5, 1, 3 }, even[] = { 4, 1, 3, 2 }, one[] = { 7 };
	double copy[3];

	memcpy(copy, odd, sizeof(odd));
	TAP_OK(stats_median(odd, 3) == 3, "median of 3 unsorted values");
	TAP_OK(!memcmp(copy, odd, sizeof(odd)), "median leaves its input alone");
	TAP_OK(stats_median(even, 4) == 2.5, "median of 4: mean of the middle two");
	TAP_OK(stats_median(one, 1) == 7, "median of 1");
}

static void test_mann_whitney(void)
{
	double a5[] = { 1, 2, 3, 4, 5 }, b5[] = { 6, 7, 8, 9, 10 };
	double a3[] = { 3, 1, 2 }, b3[] = { 9, 8, 7 };
	double same[] = { 4, 4, 4, 4 };
	double ta[] = { 1, 2, 2, 3, 5 }, tb[] = { 2, 3, 4, 4, 6, 7 };
	double ua[] = { 10, 10, 11, 12 }, ub[] = { 10, 12, 13, 13, 14 };
	double mix[] = { 1, 6, 2, 7, 3 }, mix2[] = { 8, 4, 9, 5, 10 };
	double la[30], lb[30], p;
	int exact, i;

	p = stats_mann_whitney_p(a5, 5, b5, 5, &exact);
	TAP_OK(exact && NEAR(p, 2.0 / 252, 1e-12), "5 vs 5 separated: exact p = 2/252 (%g)", p);
	p = stats_mann_whitney_p(b5, 5, a5, 5, NULL);
	TAP_OK(NEAR(p, 2.0 / 252, 1e-12), "two-sided: the same p the other way round");
	p = stats_mann_whitney_p(a3, 3, b3, 3, &exact);
	TAP_OK(exact && NEAR(p, 0.1, 1e-12), "3 vs 3 separated: p = 2/20 (%g)", p);
	p = stats_mann_whitney_p(same, 4, same, 4, NULL);
	TAP_OK(p == 1, "all values equal: p = 1");
	p = stats_mann_whitney_p(a5, 5, a5, 5, NULL);
	TAP_OK(p == 1, "a sample against itself: p = 1");
	p = stats_mann_whitney_p(ta, 5, tb, 6, &exact);
	TAP_OK(exact && NEAR(p, 0.1341991341991342, 1e-12),
	       "ties, 5 vs 6: exact p = 0.134199 (%.6f)", p);
	p = stats_mann_whitney_p(ua, 4, ub, 5, &exact);
	TAP_OK(exact && NEAR(p, 0.12698412698412698, 1e-12),
	       "ties, 4 vs 5: exact p = 0.126984 (%.6f)", p);
	p = stats_mann_whitney_p(mix, 5, mix2, 5, NULL);
	TAP_OK(p > 0.05, "overlapping samples: p > 0.05 (%g)", p);
	for (i = 0; i < 30; i++) {
		la[i] = 100 + (i * 37) % 23;
		lb[i] = 104 + (i * 41) % 29;
	}
	p = stats_mann_whitney_p(la, 30, lb, 30, &exact);
	TAP_OK(!exact && NEAR(p, 0.0030915179859658266, 1e-9),
	       "30 vs 30: normal approximation, p = 0.0030915 (%.7f)", p);
	TAP_OK(stats_mann_whitney_p(a5, 0, b5, 5, NULL) == 1, "an empty side: p = 1");
}

static void test_bootstrap(void)
{
	double a[] = { 100, 120, 90, 110, 105 }, b[5], noisy[5], lo, pt, hi;
	double lo2, pt2, hi2, nlo, npt, nhi, neg[] = { 1, -2, 3, 4, 5 };
	int i;

	for (i = 0; i < 5; i++)
		b[i] = a[i] * 1.1;
	TAP_OK(!stats_bootstrap_ratio(a, 5, b, 5, 1, 0.95, 2000, 1, &lo, &pt, &hi) &&
	       NEAR(lo, 1.1, 1e-12) && NEAR(pt, 1.1, 1e-12) && NEAR(hi, 1.1, 1e-12),
	       "paired, b = 1.1 a: the interval is the point 1.1");
	TAP_OK(!stats_bootstrap_ratio(a, 5, b, 5, 0, 0.95, 2000, 1, &lo, &pt, &hi) &&
	       NEAR(pt, 1.1, 1e-12) && lo <= pt && pt <= hi,
	       "unpaired, b = 1.1 a: point 1.1 inside [%g, %g]", lo, hi);
	stats_bootstrap_ratio(a, 5, b, 5, 0, 0.95, 2000, 7, &lo, &pt, &hi);
	stats_bootstrap_ratio(a, 5, b, 5, 0, 0.95, 2000, 7, &lo2, &pt2, &hi2);
	TAP_OK(lo == lo2 && pt == pt2 && hi == hi2, "the same seed gives the same interval");
	for (i = 0; i < 5; i++)
		noisy[i] = a[i] * (i % 2 ? 1.4 : 0.9);
	stats_bootstrap_ratio(a, 5, b, 5, 1, 0.95, 2000, 3, &lo, &pt, &hi);
	stats_bootstrap_ratio(a, 5, noisy, 5, 1, 0.95, 2000, 3, &nlo, &npt, &nhi);
	TAP_OK(nlo < npt && npt < nhi && nhi - nlo > hi - lo + 0.1,
	       "noisier pairs, wider interval: [%g, %g]", nlo, nhi);
	TAP_OK(nlo >= 0.9 - 1e-12 && nhi <= 1.4 + 1e-12,
	       "a paired interval stays within the smallest and largest ratio");
	TAP_IS(stats_bootstrap_ratio(a, 0, b, 5, 0, 0.95, 100, 1, &lo, &pt, &hi), -EINVAL,
	       "an empty side is refused");
	TAP_IS(stats_bootstrap_ratio(a, 5, b, 4, 1, 0.95, 100, 1, &lo, &pt, &hi), -EINVAL,
	       "paired with different lengths is refused");
	TAP_IS(stats_bootstrap_ratio(a, 5, neg, 5, 1, 0.95, 100, 1, &lo, &pt, &hi), -EINVAL,
	       "a value <= 0 is refused");
}

static void test_lkp(void)
{
	double a[] = { 10, 11, 12, 13, 14 }, up[] = { 12.5, 15, 16, 17, 18 };
	double down[] = { 5, 6, 7, 8, 11.5 }, over[] = { 11, 12, 13, 14, 15 };
	double edge[] = { 12, 15, 16, 17, 18 };

	TAP_IS(stats_lkp_separation(a, 5, up, 5), 1,
	       "min(b) > median(a) and median(b) > max(a): separated above");
	TAP_IS(stats_lkp_separation(a, 5, down, 5), -1, "mirror: separated below");
	TAP_IS(stats_lkp_separation(a, 5, over, 5), 0, "overlapping: not separated");
	TAP_IS(stats_lkp_separation(a, 5, edge, 5), 0, "min(b) == median(a): not separated");
	TAP_IS(stats_lkp_separation(a, 5, a, 5), 0, "equal samples: not separated");
	TAP_IS(stats_lkp_separation(a, 0, a, 5), 0, "an empty side: not separated");
}

int main(void)
{
	test_median();
	test_mann_whitney();
	test_bootstrap();
	test_lkp();
	return tap_done();
}
