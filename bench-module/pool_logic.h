/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The decisions of kernel/dma/pool.c as pure functions: pool choice and
 * fallback order, default pool size, expansion order, the device mask check
 * and the largest free extent of a chunk bitmap.
 *
 * No kernel dependencies, so the same code is built into the module, into the
 * BPF programs that watch the kernel's own pools (bpf/kpool.bpf.c), into the
 * CLI and into the host unit tests (tests/unit/test_pool_logic.c, under
 * ASan/UBSan).
 */
#ifndef _DMAPOOL_POOL_LOGIC_H
#define _DMAPOOL_POOL_LOGIC_H

#if defined(__KERNEL__)
#include <linux/types.h>
#elif !defined(__bpf__)
#include <stdbool.h>
#include <stdint.h>
typedef uint64_t u64;
#endif
/* BPF programs (bpf/kpool.bpf.c) get bool and u64 from vmlinux.h. */

#include "dmapool_bench.h"

/*
 * Which version of upstream's pool choice to follow.
 *
 * DMAPOOL_SEM_V61: Linux 6.1. The kernel pool always exists, DMA32 exists
 * whenever CONFIG_ZONE_DMA32; the first pick for GFP_DMA32 is the DMA32 pool
 * and for GFP_DMA the DMA pool if it exists, else the kernel pool.
 *
 * DMAPOOL_SEM_MANAGED: later kernels create each pool only where its zone has
 * managed pages, and the first pick falls through to whatever pool exists:
 * GFP_DMA: dma ?: dma32 ?: kernel; GFP_DMA32: dma32 ?: dma ?: kernel;
 * otherwise kernel ?: dma32 ?: dma.
 *
 * After the first pick both walk kernel -> dma32 (else dma) -> dma -> none.
 */
#define DMAPOOL_SEMS DMAPOOL_EM_LIST(					\
	DMAPOOL_EM(DMAPOOL_SEM_V61,		"v6.1")				\
	DMAPOOL_EMe(DMAPOOL_SEM_MANAGED,	"managed-zones"))

#undef DMAPOOL_EM
#undef DMAPOOL_EMe
#define DMAPOOL_EM(a, b)	a,
#define DMAPOOL_EMe(a, b)	a,

enum dmapool_sem {
	DMAPOOL_SEMS
	DMAPOOL_NR_SEMS,
};

#undef DMAPOOL_EM
#undef DMAPOOL_EMe

/* The first mainline release with the managed-zone rules: v6.19. */
#define DMAPOOL_SEM_MANAGED_SINCE(major, minor) \
	((major) > 6 || ((major) == 6 && (minor) >= 19))

static inline int dmapool_sem_of_version(unsigned int major,
					 unsigned int minor)
{
	return DMAPOOL_SEM_MANAGED_SINCE(major, minor) ?
	       DMAPOOL_SEM_MANAGED : DMAPOOL_SEM_V61;
}

/*
 * The pools each rule set creates, as BIT(pool), given which zones have
 * managed pages (BIT(pool) for the pool's zone) and whether the kernel has
 * ZONE_DMA32 (v6.1 creates that pool whenever the zone is configured).
 */
static inline unsigned int dmapool_sem_pools(int sem, unsigned int managed,
					     bool have_dma32)
{
	unsigned int pools = managed;

	if (sem == DMAPOOL_SEM_V61) {
		pools |= 1u << DMAPOOL_POOL_KERNEL;
		if (have_dma32)
			pools |= 1u << DMAPOOL_POOL_DMA32;
	}
	return pools;
}

/*
 * Which rule set a kernel follows, from the pools it created at boot
 * (@kernel_pools, BIT(pool)): the one whose pools match. Where both match
 * (every zone has pages: both create every pool) the pools alone cannot
 * tell, and -1 is returned: the caller goes by version. Where neither
 * matches, -2: the kernel follows rules we do not know.
 */
static inline int dmapool_sem_probe(unsigned int kernel_pools,
				    unsigned int managed, bool have_dma32)
{
	bool v61 = kernel_pools == dmapool_sem_pools(DMAPOOL_SEM_V61, managed,
						     have_dma32);
	bool mgd = kernel_pools == dmapool_sem_pools(DMAPOOL_SEM_MANAGED,
						     managed, have_dma32);

	if (v61 && mgd)
		return -1;
	if (v61)
		return DMAPOOL_SEM_V61;
	if (mgd)
		return DMAPOOL_SEM_MANAGED;
	return -2;
}

/*
 * dma_direct_optimal_gfp_mask(): the zone an allocation for a device with a
 * @mask_bits-bit coherent mask asks for (the caller's own zone bits are
 * stripped first): up to 24 bits ZONE_DMA, up to 32 ZONE_DMA32, else none.
 */
static inline int dmapool_zone_of_mask(unsigned int mask_bits)
{
	if (mask_bits <= 24)
		return DMAPOOL_ZONE_DMA;
	if (mask_bits <= 32)
		return DMAPOOL_ZONE_DMA32;
	return DMAPOOL_ZONE_KERNEL;
}

static inline int dmapool_first_of(const bool present[DMAPOOL_NR_POOLS],
				   int a, int b, int c)
{
	if (present[a])
		return a;
	if (present[b])
		return b;
	if (present[c])
		return c;
	return DMAPOOL_POOL_NONE;
}

/*
 * The pool to try after @prev (DMAPOOL_POOL_NONE: the first one) for a
 * request in @zone, or DMAPOOL_POOL_NONE when there is no further pool.
 */
static inline int dmapool_guess_pool(const bool present[DMAPOOL_NR_POOLS],
				     int prev, int zone, int sem)
{
	if (prev == DMAPOOL_POOL_NONE) {
		if (sem == DMAPOOL_SEM_MANAGED) {
			if (zone == DMAPOOL_ZONE_DMA)
				return dmapool_first_of(present,
							DMAPOOL_POOL_DMA,
							DMAPOOL_POOL_DMA32,
							DMAPOOL_POOL_KERNEL);
			if (zone == DMAPOOL_ZONE_DMA32)
				return dmapool_first_of(present,
							DMAPOOL_POOL_DMA32,
							DMAPOOL_POOL_DMA,
							DMAPOOL_POOL_KERNEL);
			return dmapool_first_of(present, DMAPOOL_POOL_KERNEL,
						DMAPOOL_POOL_DMA32,
						DMAPOOL_POOL_DMA);
		}
		if (zone == DMAPOOL_ZONE_DMA32)
			return present[DMAPOOL_POOL_DMA32] ?
			       DMAPOOL_POOL_DMA32 : DMAPOOL_POOL_NONE;
		if (zone == DMAPOOL_ZONE_DMA && present[DMAPOOL_POOL_DMA])
			return DMAPOOL_POOL_DMA;
		return present[DMAPOOL_POOL_KERNEL] ?
		       DMAPOOL_POOL_KERNEL : DMAPOOL_POOL_NONE;
	}
	if (prev == DMAPOOL_POOL_KERNEL) {
		if (present[DMAPOOL_POOL_DMA32])
			return DMAPOOL_POOL_DMA32;
		return present[DMAPOOL_POOL_DMA] ?
		       DMAPOOL_POOL_DMA : DMAPOOL_POOL_NONE;
	}
	if (prev == DMAPOOL_POOL_DMA32)
		return present[DMAPOOL_POOL_DMA] ?
		       DMAPOOL_POOL_DMA : DMAPOOL_POOL_NONE;
	return DMAPOOL_POOL_NONE;
}

/* get_order(): smallest order whose block holds @size bytes (size > 0). */
static inline unsigned int dmapool_get_order(u64 size, unsigned int page_shift)
{
	u64 pages = (size + (1ull << page_shift) - 1) >> page_shift;
	unsigned int order = 0;

	while ((1ull << order) < pages)
		order++;
	return order;
}

/*
 * Upstream's default atomic_pool_size: 128 KiB per GiB of RAM, at most
 * @max_order_nr_pages pages, at least 128 KiB.
 */
static inline u64 dmapool_default_size(u64 totalram_pages,
				       unsigned int page_shift,
				       u64 max_order_nr_pages)
{
	u64 pages = totalram_pages / ((1ull << 30) / (128ull << 10));
	u64 size;

	if (pages > max_order_nr_pages)
		pages = max_order_nr_pages;
	size = pages << page_shift;
	return size < DMAPOOL_MIN_POOL_SIZE ? DMAPOOL_MIN_POOL_SIZE : size;
}

/* The first order atomic_pool_expand() tries for a block of @size bytes. */
static inline unsigned int dmapool_expand_order(u64 size,
						unsigned int page_shift,
						unsigned int max_order)
{
	unsigned int order = dmapool_get_order(size, page_shift);

	return order < max_order ? order : max_order;
}

/*
 * dma_coherent_ok() for a simulated device with a @mask_bits-bit coherent
 * mask (phys == dma address: no IOMMU, no memory encryption offset).
 */
static inline bool dmapool_addr_ok(u64 phys, u64 size, unsigned int mask_bits)
{
	u64 mask;

	if (mask_bits >= 64)
		return true;
	mask = (1ull << mask_bits) - 1;
	return size && phys <= mask && size - 1 <= mask - phys;
}

/* Longest run of clear bits in the first @nbits bits of @map. */
static inline unsigned long dmapool_largest_zero_run(const unsigned long *map,
						     unsigned long nbits)
{
	const unsigned long wbits = 8 * sizeof(unsigned long);
	unsigned long best = 0, run = 0, i;

	for (i = 0; i < nbits; i++) {
		if (map[i / wbits] & (1ul << (i % wbits))) {
			run = 0;
			continue;
		}
		if (++run > best)
			best = run;
	}
	return best;
}

#endif /* _DMAPOOL_POOL_LOGIC_H */
