/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The load generator's run spec: one line of key=value pairs. The one parser
 * and formatter, built into the module (control file), the CLI and the host
 * unit tests.
 */
#ifndef _DMAPOOL_SPEC_H
#define _DMAPOOL_SPEC_H

#ifdef __KERNEL__
#include <linux/types.h>
#else
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#endif

#include "dmapool_bench.h"

#define DMAPOOL_SPEC_ERR_LEN 192

void dmapool_spec_default(struct dmapool_spec *spec);
int dmapool_spec_parse(const char *line, struct dmapool_spec *spec,
		       char *err, size_t errlen);
int dmapool_spec_format(const struct dmapool_spec *spec, char *buf,
			size_t len);
int dmapool_parse_bytes(const char *s, size_t n, __u64 *out);
/*
 * Spec key @i (0, 1, ... until -ENOENT): its name, and for people a
 * placeholder for its value and what it sets.
 */
int dmapool_spec_key(unsigned int i, const char **key, const char **arg,
		     const char **what);

/* The generator's deterministic choices (splitmix64). */
static inline __u64 dmapool_rng_next(__u64 *state)
{
	__u64 z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

__u32 dmapool_spec_pick_size(const struct dmapool_spec *spec, __u64 *rng);
int dmapool_spec_pick_zone(const struct dmapool_spec *spec, __u64 *rng);
/* zone=auto: every allocation asks for the zone the mask implies. */
bool dmapool_spec_zone_auto(const struct dmapool_spec *spec);

#endif /* _DMAPOOL_SPEC_H */
