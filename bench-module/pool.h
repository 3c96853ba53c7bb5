/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The instrumented copy of kernel/dma/pool.c: one gen_pool per zone, the same
 * choice, fallback, address filter, expansion and free as upstream, plus
 * counters, tracepoints and knobs for what upstream hard-codes.
 */
#ifndef _DMAPOOL_POOL_H
#define _DMAPOOL_POOL_H

#include <linux/types.h>
#include <linux/seq_file.h>
#include "dmapool_bench.h"

/* Pool configuration, validated by dmapool_params_check() before use. */
struct dmapool_config {
	u64 target;			/* bytes: atomic_pool_size */
	u64 formula;			/* bytes: upstream's default, from RAM now */
	u64 initial[DMAPOOL_NR_POOLS];	/* first block asked for; 0: target */
	unsigned int zones;		/* bitmask of pools to create, BIT(pool) */
	unsigned int max_order;		/* largest expansion block order */
	bool remap;			/* vmap() every block, as DMA_DIRECT_REMAP */
	unsigned int state_period_ms;	/* ms between pool_state; 0: none */
	int sem;			/* enum dmapool_sem */
	/* Where target and sem came from, for `pools` (static strings). */
	const char *sizing;		/* parameter, kernel or formula */
	const char *sizing_why;		/* formula: why not the kernel's */
	const char *sem_from;		/* parameter, probe or version */
	const char *sem_why;
};

/* What one allocation did. */
struct dmapool_alloc_info {
	u64 phys;
	u64 latency_ns;			/* ns */
	u8 pool;			/* enum dmapool_pool that served it */
	u8 result;			/* enum dmapool_result */
	u8 depth;			/* pools tried; fallbacks: depth - 1 */
	u8 path[DMAPOOL_NR_POOLS];	/* the pools tried, in order */
	u8 rejected;			/* BIT(i): path[i]'s block failed the mask */
};

int dmapool_pools_init(const struct dmapool_config *cfg);
void dmapool_pools_exit(void);

/*
 * An allocation and a free on behalf of @stream, the load generator's
 * stream the tracepoints name (DMAPOOL_STREAM_NONE: none).
 */
void *dmapool_alloc_stream(size_t size, int zone, unsigned int mask_bits,
			   bool nowarn, u8 stream,
			   struct dmapool_alloc_info *info);
int dmapool_free_stream(void *vaddr, size_t size, u8 stream, u64 *latency_ns);

static inline void *dmapool_alloc(size_t size, int zone,
				  unsigned int mask_bits, bool nowarn,
				  struct dmapool_alloc_info *info)
{
	return dmapool_alloc_stream(size, zone, mask_bits, nowarn,
				    DMAPOOL_STREAM_NONE, info);
}

static inline int dmapool_free(void *vaddr, size_t size, u64 *latency_ns)
{
	return dmapool_free_stream(vaddr, size, DMAPOOL_STREAM_NONE,
				   latency_ns);
}

void dmapool_flush(void);
void dmapool_emit_state(void);
/* pool_state every state_period_ms (when not 0), until stopped. */
void dmapool_state_timer_start(void);
void dmapool_state_timer_stop(void);
void dmapool_show_pools(struct seq_file *m);
/*
 * The outcome lines `stats` and `replay` share: result_NAME for every
 * result, then (with @pairs) fallback_FROM_TO for the three chain steps of
 * @fallbacks[from][to]; every key after @prefix ("" or "stream.NAME.").
 */
void dmapool_show_outcomes(struct seq_file *m, const char *prefix,
			   const u64 results[DMAPOOL_NR_RES],
			   const u64 fallbacks[DMAPOOL_NR_POOLS][DMAPOOL_NR_POOLS],
			   bool pairs);
bool dmapool_pool_present(int pool);
u64 dmapool_expansions_total(void);
int dmapool_cur_ctx(void);

/* Fault injection for expansion page allocations. */
void dmapool_inject_set_next(unsigned int fail_next);
unsigned int dmapool_inject_next(void);
void dmapool_inject_set_order(int fail_order_above);
/* TEST ONLY: spin this many ns in every allocation (0: off). */
void dmapool_set_spin_ns(unsigned int ns);

/* Cumulative bytes added per pool, as upstream's dma_pools/pool_size_*. */
extern unsigned long dmapool_size_added[DMAPOOL_NR_POOLS];

#endif /* _DMAPOOL_POOL_H */
