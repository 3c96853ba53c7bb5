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

#define DMAPOOL_SPEC_ERR_LEN 256

/*
 * The names of the values of dmapool_bench.h's enums and of pool_logic.h's
 * enum dmapool_sem, from their DMAPOOL_EM() lists, indexed by value. Index them
 * with values known to be in range; a value read from outside (a trace
 * record, a map, a file) goes through dmapool_name().
 */
extern const char * const dmapool_pool_names[DMAPOOL_NR_POOLS];
extern const char * const dmapool_ctx_names[DMAPOOL_NR_CTX];
extern const char * const dmapool_res_names[DMAPOOL_NR_RES];
extern const char * const dmapool_fail_names[DMAPOOL_NR_FAIL];
extern const char * const dmapool_fb_names[DMAPOOL_NR_FB];
extern const char * const dmapool_zone_names[DMAPOOL_NR_ZONES];
extern const char * const dmapool_op_names[DMAPOOL_NR_OPS];
extern const char * const dmapool_event_names[DMAPOOL_NR_EVENTS];
extern const char * const dmapool_sem_names[];	/* DMAPOOL_NR_SEMS */

/* The named enums, for the lookups below. */
enum dmapool_names {
	DMAPOOL_NAMES_POOL,		/* enum dmapool_pool */
	DMAPOOL_NAMES_CTX,		/* enum dmapool_ctx */
	DMAPOOL_NAMES_RES,		/* enum dmapool_result */
	DMAPOOL_NAMES_FAIL,		/* enum dmapool_fail_kind */
	DMAPOOL_NAMES_FB,		/* enum dmapool_fallback_reason */
	DMAPOOL_NAMES_ZONE,		/* enum dmapool_zone */
	DMAPOOL_NAMES_OP,		/* enum dmapool_op */
	DMAPOOL_NAMES_EVENT,		/* enum dmapool_event */
	DMAPOOL_NAMES_SEM,		/* enum dmapool_sem (pool_logic.h) */
};

/* The name of value @val of @list; NULL when it has none. */
const char *dmapool_name(enum dmapool_names list, unsigned int val);
/*
 * The value of @list named exactly by the @n bytes at @s (which need no
 * NUL), or -EINVAL.
 */
int dmapool_name_index(enum dmapool_names list, const char *s, size_t n);

void dmapool_spec_default(struct dmapool_spec *spec);
int dmapool_spec_parse(const char *line, struct dmapool_spec *spec,
		       char *err, size_t errlen);
int dmapool_spec_format(const struct dmapool_spec *spec, char *buf,
			size_t len);
/* A control line: up to DMAPOOL_MAX_STREAMS specs separated by ';'. */
int dmapool_run_spec_parse(const char *line, struct dmapool_run_spec *rs,
			   char *err, size_t errlen);
int dmapool_run_spec_format(const struct dmapool_run_spec *rs, char *buf,
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
