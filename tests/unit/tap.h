/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A minimal TAP producer for the host unit tests: each check prints
 * "ok N - ..." or "not ok N - ...", a test that cannot run here prints
 * "ok N - ... # SKIP reason" (kselftest's KSFT_SKIP; tests/run counts it
 * as a skip, not a pass), tap_done() prints the plan and returns the exit
 * status.
 */
#ifndef _DMAPOOL_TAP_H
#define _DMAPOOL_TAP_H

#include <inttypes.h>
#include <stdio.h>

static int tap_n, tap_failed, tap_skipped;

#define TAP_OK(cond, ...)						\
	do {								\
		int _c = !!(cond);					\
		tap_n++;						\
		if (!_c)						\
			tap_failed++;					\
		printf("%sok %d - ", _c ? "" : "not ", tap_n);		\
		printf(__VA_ARGS__);					\
		printf("\n");						\
		if (!_c)						\
			printf("#   failed at %s:%d: %s\n", __FILE__,	\
			       __LINE__, #cond);			\
	} while (0)

#define TAP_IS(got, want, ...)						\
	do {								\
		uint64_t _g = (uint64_t)(got), _w = (uint64_t)(want);	\
		TAP_OK(_g == _w, __VA_ARGS__);				\
		if (_g != _w)						\
			printf("#   got %" PRIu64 ", want %" PRIu64 "\n",	\
			       _g, _w);					\
	} while (0)

/* TAP_SKIP(reason, name...): a check that cannot run here, not a pass. */
#define TAP_SKIP(reason, ...)						\
	do {								\
		tap_n++;						\
		tap_skipped++;						\
		printf("ok %d - ", tap_n);				\
		printf(__VA_ARGS__);					\
		printf(" # SKIP %s\n", reason);				\
	} while (0)

static inline int tap_done(void)
{
	printf("1..%d\n", tap_n);
	if (tap_skipped)
		printf("# %d skipped\n", tap_skipped);
	return tap_failed ? 1 : 0;
}

#endif /* _DMAPOOL_TAP_H */
