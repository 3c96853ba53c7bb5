// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of bench-module/pool_logic.h: the pool choice and fallback
 * chains of both upstream variants, which variant a kernel follows, the zone
 * a device mask implies, default sizing, expansion orders, the device mask
 * check and the free-extent scan.
 */
#include <string.h>

#include "pool_logic.h"
#include "spec.h"
#include "tap.h"

/* The chain of pools an allocation in @zone tries, as "a,b,c" or "-". */
static const char *chain(int sem, int zone, int dma, int dma32, int kernel)
{
	static char buf[64];
	bool present[DMAPOOL_NR_POOLS] = {
		[DMAPOOL_POOL_DMA] = dma,
		[DMAPOOL_POOL_DMA32] = dma32,
		[DMAPOOL_POOL_KERNEL] = kernel,
	};
	int id = DMAPOOL_POOL_NONE, steps = 0;

	buf[0] = '\0';
	while ((id = dmapool_guess_pool(present, id, zone, sem)) !=
	       DMAPOOL_POOL_NONE) {
		if (++steps > DMAPOOL_NR_POOLS)
			return "loop";
		if (buf[0])
			strcat(buf, ",");
		strcat(buf, dmapool_pool_names[id]);
	}
	return buf[0] ? buf : "-";
}

#define CHAIN(sem, zone, d, d32, k, want)				\
	do {								\
		const char *_got = chain(sem, zone, d, d32, k);		\
		TAP_OK(!strcmp(_got, want),				\
		       #sem " " #zone " pools(dma=%d,dma32=%d,kernel=%d): %s", \
		       d, d32, k, want);				\
		if (strcmp(_got, want))					\
			printf("#   got %s\n", _got);			\
	} while (0)

static void test_chains(void)
{
	/* 6.1: all pools present. */
	CHAIN(DMAPOOL_SEM_V61, DMAPOOL_ZONE_KERNEL, 1, 1, 1, "kernel,dma32,dma");
	CHAIN(DMAPOOL_SEM_V61, DMAPOOL_ZONE_DMA32, 1, 1, 1, "dma32,dma");
	CHAIN(DMAPOOL_SEM_V61, DMAPOOL_ZONE_DMA, 1, 1, 1, "dma");
	/* 6.1: GFP_DMA without a DMA pool starts at the kernel pool. */
	CHAIN(DMAPOOL_SEM_V61, DMAPOOL_ZONE_DMA, 0, 1, 1, "kernel,dma32");
	/* 6.1: the first pick does not fall through to another pool. */
	CHAIN(DMAPOOL_SEM_V61, DMAPOOL_ZONE_DMA32, 1, 0, 1, "-");
	CHAIN(DMAPOOL_SEM_V61, DMAPOOL_ZONE_KERNEL, 1, 1, 0, "-");
	CHAIN(DMAPOOL_SEM_V61, DMAPOOL_ZONE_KERNEL, 1, 0, 1, "kernel,dma");

	/* Later kernels: each first pick falls through to a present pool. */
	CHAIN(DMAPOOL_SEM_MANAGED, DMAPOOL_ZONE_KERNEL, 1, 1, 1, "kernel,dma32,dma");
	CHAIN(DMAPOOL_SEM_MANAGED, DMAPOOL_ZONE_DMA32, 1, 1, 1, "dma32,dma");
	CHAIN(DMAPOOL_SEM_MANAGED, DMAPOOL_ZONE_DMA, 1, 1, 1, "dma");
	/* All RAM below 4 GiB: no ZONE_NORMAL, so no kernel pool. */
	CHAIN(DMAPOOL_SEM_MANAGED, DMAPOOL_ZONE_KERNEL, 1, 1, 0, "dma32,dma");
	CHAIN(DMAPOOL_SEM_MANAGED, DMAPOOL_ZONE_DMA32, 0, 0, 1, "kernel");
	CHAIN(DMAPOOL_SEM_MANAGED, DMAPOOL_ZONE_DMA, 0, 1, 1, "dma32");
	CHAIN(DMAPOOL_SEM_MANAGED, DMAPOOL_ZONE_DMA32, 1, 0, 1, "dma");
	CHAIN(DMAPOOL_SEM_MANAGED, DMAPOOL_ZONE_DMA, 0, 0, 0, "-");
}

static void test_sizes(void)
{
	const uint64_t gib = 262144;	/* 4 KiB pages per GiB */

	TAP_IS(dmapool_get_order(1, 12), 0, "get_order(1) = 0");
	TAP_IS(dmapool_get_order(4096, 12), 0, "get_order(4K) = 0");
	TAP_IS(dmapool_get_order(4097, 12), 1, "get_order(4K+1) = 1");
	TAP_IS(dmapool_get_order(128 << 10, 12), 5, "get_order(128K) = 5");
	TAP_IS(dmapool_get_order(768 << 10, 12), 8, "get_order(768K) = 8");
	TAP_IS(dmapool_get_order(4 << 20, 12), 10, "get_order(4M) = 10");

	TAP_IS(dmapool_default_size(gib / 2, 12, 1024), 128 << 10,
	       "default size, 512 MiB RAM: 128 KiB minimum");
	TAP_IS(dmapool_default_size(2 * gib, 12, 1024), 256 << 10,
	       "default size, 2 GiB RAM: 256 KiB");
	TAP_IS(dmapool_default_size(6 * gib, 12, 1024), 768 << 10,
	       "default size, 6 GiB RAM: 768 KiB (not a power of two)");
	TAP_IS(dmapool_default_size(6 * gib - 1, 12, 1024), 764 << 10,
	       "default size rounds pages down");
	TAP_IS(dmapool_default_size(64 * gib, 12, 1024), 4 << 20,
	       "default size, 64 GiB RAM: capped at MAX_ORDER_NR_PAGES");

	TAP_IS(dmapool_expand_order(768 << 10, 12, 10), 8,
	       "768 KiB pool is one order-8 block (1 MiB)");
	TAP_IS(dmapool_expand_order(64 << 10, 12, 10), 4, "64 KiB: order 4");
	TAP_IS(dmapool_expand_order(16 << 20, 12, 10), 10,
	       "expansion order capped at MAX_PAGE_ORDER");
	TAP_IS(dmapool_expand_order(1 << 20, 12, 3), 3,
	       "expansion order capped by max_order");
}

static void test_mask(void)
{
	TAP_OK(dmapool_addr_ok(0xfff000, 4096, 24), "24-bit: last page below 16M fits");
	TAP_OK(!dmapool_addr_ok(0xfff000, 8192, 24), "24-bit: block crossing 16M rejected");
	TAP_OK(!dmapool_addr_ok(0x1000000, 4096, 24), "24-bit: block at 16M rejected");
	TAP_OK(dmapool_addr_ok(0xfffff000ull, 4096, 32), "32-bit: last page below 4G fits");
	TAP_OK(!dmapool_addr_ok(0x100000000ull, 4096, 32), "32-bit: block at 4G rejected");
	TAP_OK(!dmapool_addr_ok(0xfffff000ull, 1ull << 40, 32),
	       "32-bit: huge size does not wrap");
	TAP_OK(dmapool_addr_ok(0xfffffffffffff000ull, 4096, 64), "64-bit: everything fits");
	TAP_OK(!dmapool_addr_ok(0x1000, 0, 32), "zero size rejected");
	/* real_pool's masks below any zone: 12..23 bits. */
	TAP_OK(dmapool_addr_ok(0xf000, 4096, 16), "16-bit: last page below 64K fits");
	TAP_OK(!dmapool_addr_ok(0x10000, 4096, 16), "16-bit: block at 64K rejected");
	TAP_OK(!dmapool_addr_ok(0xf000, 8192, 16), "16-bit: block crossing 64K rejected");
	TAP_OK(dmapool_addr_ok(0, 4096, 12), "12-bit: page 0 fits");
	TAP_OK(!dmapool_addr_ok(0x1000, 4096, 12), "12-bit: page 1 rejected");
	TAP_OK(!dmapool_addr_ok(0, 8192, 12), "12-bit: two pages rejected");
}

static void test_zone_of_mask(void)
{
	/* dma_direct_optimal_gfp_mask(): <= 24 DMA, <= 32 DMA32, else none. */
	TAP_IS(dmapool_zone_of_mask(24), DMAPOOL_ZONE_DMA, "24-bit mask: GFP_DMA");
	TAP_IS(dmapool_zone_of_mask(25), DMAPOOL_ZONE_DMA32, "25-bit mask: GFP_DMA32");
	TAP_IS(dmapool_zone_of_mask(30), DMAPOOL_ZONE_DMA32, "30-bit mask: GFP_DMA32");
	TAP_IS(dmapool_zone_of_mask(32), DMAPOOL_ZONE_DMA32, "32-bit mask: GFP_DMA32");
	TAP_IS(dmapool_zone_of_mask(33), DMAPOOL_ZONE_KERNEL, "33-bit mask: no zone");
	TAP_IS(dmapool_zone_of_mask(64), DMAPOOL_ZONE_KERNEL, "64-bit mask: no zone");
}

#define B(p) (1u << DMAPOOL_POOL_##p)

static void test_rules(void)
{
	TAP_IS(dmapool_sem_of_version(6, 1), DMAPOOL_SEM_V61, "6.1: v6.1 rules");
	TAP_IS(dmapool_sem_of_version(6, 18), DMAPOOL_SEM_V61, "6.18: v6.1 rules");
	TAP_IS(dmapool_sem_of_version(6, 19), DMAPOOL_SEM_MANAGED, "6.19: managed zones");
	TAP_IS(dmapool_sem_of_version(7, 0), DMAPOOL_SEM_MANAGED, "7.0: managed zones");

	/* Every zone with pages: both create every pool; the pools can't tell. */
	TAP_IS(dmapool_sem_pools(DMAPOOL_SEM_V61, B(DMA) | B(DMA32) | B(KERNEL), true),
	       B(DMA) | B(DMA32) | B(KERNEL), "v6.1, all zones: all pools");
	TAP_IS(dmapool_sem_probe(B(DMA) | B(DMA32) | B(KERNEL),
				 B(DMA) | B(DMA32) | B(KERNEL), true), -1,
	       "all zones: the probe defers to the version");
	/* A 2 GiB x86 guest: no ZONE_NORMAL pages. */
	TAP_IS(dmapool_sem_pools(DMAPOOL_SEM_V61, B(DMA) | B(DMA32), true),
	       B(DMA) | B(DMA32) | B(KERNEL), "v6.1 without ZONE_NORMAL: kernel pool anyway");
	TAP_IS(dmapool_sem_pools(DMAPOOL_SEM_MANAGED, B(DMA) | B(DMA32), true),
	       B(DMA) | B(DMA32), "managed without ZONE_NORMAL: no kernel pool");
	TAP_IS(dmapool_sem_probe(B(DMA) | B(DMA32) | B(KERNEL), B(DMA) | B(DMA32), true),
	       DMAPOOL_SEM_V61, "kernel pool without ZONE_NORMAL: v6.1 rules");
	TAP_IS(dmapool_sem_probe(B(DMA) | B(DMA32), B(DMA) | B(DMA32), true),
	       DMAPOOL_SEM_MANAGED, "no kernel pool without ZONE_NORMAL: managed zones");
	/* v6.1 creates the DMA pool only with managed DMA pages, too. */
	TAP_IS(dmapool_sem_pools(DMAPOOL_SEM_V61, B(DMA32) | B(KERNEL), true),
	       B(DMA32) | B(KERNEL), "v6.1 without ZONE_DMA pages: no dma pool");
	TAP_IS(dmapool_sem_probe(B(KERNEL), B(DMA32) | B(KERNEL), true), -2,
	       "pools neither rule set creates: unknown");
}

static void test_zero_run(void)
{
	unsigned long map[3] = { 0 };
	const unsigned long w = 8 * sizeof(unsigned long);

	TAP_IS(dmapool_largest_zero_run(map, 3 * w), 3 * w, "empty bitmap: all free");
	map[0] = ~0ul;
	map[1] = 1ul << 5;
	map[2] = ~0ul;
	TAP_IS(dmapool_largest_zero_run(map, 3 * w), w - 6,
	       "run after bit 5 of word 1");
	map[2] = 0;
	TAP_IS(dmapool_largest_zero_run(map, 2 * w + 3), w - 6 + 3,
	       "run across a word boundary, stopping at nbits");
	map[1] = ~0ul;
	TAP_IS(dmapool_largest_zero_run(map, 2 * w), 0, "full bitmap: nothing free");
}

int main(void)
{
	test_chains();
	test_sizes();
	test_mask();
	test_zone_of_mask();
	test_rules();
	test_zero_run();
	return tap_done();
}
