// SPDX-License-Identifier: GPL-2.0
/*
 * The instrumented atomic DMA pools: the semantics of kernel/dma/pool.c on
 * the kernel's own gen_pool, with counters, tracepoints and knobs.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/dma-map-ops.h>
#include <linux/genalloc.h>
#include <linux/gfp.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/mutex.h>
#include <linux/pfn.h>
#include <linux/pgtable.h>
#include <linux/preempt.h>
#include <linux/sched/clock.h>
#include <linux/set_memory.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <linux/workqueue.h>
#include <asm/dma.h>

#include "compat.h"
#include "kpools.h"
#include "pool.h"
#include "pool_logic.h"
#include "spec.h"

#define CREATE_TRACE_POINTS
#include "dmapool_trace.h"

/* One block of pages added to a pool by an expansion. */
struct dmapool_block {
	struct list_head node;
	struct page *page;
	void *vaddr;			/* linear address, or the vmap() alias */
	unsigned int order;
};

struct dmapool_zpool {
	struct gen_pool *gp;
	gfp_t gfp;			/* what expansion allocates pages with */
	struct list_head blocks;	/* under dmapool_expand_lock */
	unsigned int nr_blocks;
	atomic64_t allocs;
	atomic64_t frees;
	atomic64_t fails;		/* gen_pool_alloc() found no room */
	atomic64_t rejects;		/* block failed the device mask */
	atomic64_t fallbacks;		/* moved on from this pool */
	atomic64_t expansions;
	atomic64_t expand_fails;
};

/* Highest physical address of each zone's pages: dmapool_zone_limits_init(). */
static u64 dmapool_zone_limit[DMAPOOL_NR_POOLS];
static const char *dmapool_zone_limit_src;

static struct dmapool_zpool dmapool_pools[DMAPOOL_NR_POOLS];
static bool dmapool_present[DMAPOOL_NR_POOLS];
static struct dmapool_config dmapool_cfg;

unsigned long dmapool_size_added[DMAPOOL_NR_POOLS];

/* Serialises expansion and teardown; never taken on the alloc/free path. */
static DEFINE_MUTEX(dmapool_expand_lock);
static struct work_struct dmapool_expand_work;

static atomic_t dmapool_fail_next = ATOMIC_INIT(0);
static int dmapool_fail_order_above = -1;
static atomic64_t dmapool_injected;
static atomic64_t dmapool_failed[DMAPOOL_NR_FAIL];	/* by kind */
static atomic64_t dmapool_leaked_pages;
static unsigned int dmapool_spin_ns;

bool dmapool_pool_present(int pool)
{
	return pool >= 0 && pool < DMAPOOL_NR_POOLS && dmapool_present[pool];
}

u64 dmapool_expansions_total(void)
{
	u64 n = 0;
	int id;

	for (id = 0; id < DMAPOOL_NR_POOLS; id++)
		n += atomic64_read(&dmapool_pools[id].expansions);
	return n;
}

int dmapool_cur_ctx(void)
{
	if (in_hardirq())
		return DMAPOOL_CTX_HARDIRQ;
	if (in_serving_softirq())
		return DMAPOOL_CTX_SOFTIRQ;
	if (irqs_disabled() || preempt_count())
		return DMAPOOL_CTX_ATOMIC;
	return DMAPOOL_CTX_PROCESS;
}

void dmapool_inject_set_next(unsigned int fail_next)
{
	atomic_set(&dmapool_fail_next, fail_next);
}

unsigned int dmapool_inject_next(void)
{
	return atomic_read(&dmapool_fail_next);
}

void dmapool_inject_set_order(int fail_order_above)
{
	WRITE_ONCE(dmapool_fail_order_above, fail_order_above);
}

void dmapool_set_spin_ns(unsigned int ns)
{
	WRITE_ONCE(dmapool_spin_ns, ns);
}

/*
 * TEST ONLY: a deliberate slowdown inside the timed alloc path, so that the
 * performance gate can be shown to catch one. Reads the clock the latency is
 * measured with; under icount that is instruction time.
 */
static void dmapool_spin(void)
{
	unsigned int ns = READ_ONCE(dmapool_spin_ns);
	u64 t0;

	if (likely(!ns))
		return;
	t0 = local_clock();
	while (local_clock() - t0 < ns)
		cpu_relax();
}

static bool dmapool_inject_fail(unsigned int order)
{
	int above = READ_ONCE(dmapool_fail_order_above);

	if ((above >= 0 && order > above) ||
	    atomic_add_unless(&dmapool_fail_next, -1, 0)) {
		atomic64_inc(&dmapool_injected);
		return true;
	}
	return false;
}

struct dmapool_scan {
	u64 largest_free;		/* bytes */
	u32 chunks;
};

static void dmapool_scan_chunk(struct gen_pool *gp,
			       struct gen_pool_chunk *chunk,
			       struct dmapool_scan *scan)
{
	/* At most 1 << MAX_PAGE_ORDER bits: a chunk is one expansion block. */
	unsigned long nbits = (chunk->end_addr - chunk->start_addr + 1) >>
			      gp->min_alloc_order;
	u64 run;

	run = (u64)dmapool_largest_zero_run(chunk->bits, nbits) <<
	      gp->min_alloc_order;
	if (run > scan->largest_free)
		scan->largest_free = run;
	scan->chunks++;
}

/*
 * A pool can have one chunk per page (every expansion adds one, and they
 * never go away), so the walk yields between chunks. It needs no RCU:
 * chunks are added only by dmapool_expand() and removed only by
 * dmapool_pool_destroy(), both under dmapool_expand_lock, which the caller
 * holds; the bitmaps change under us (allocations are lockless), which a
 * snapshot accepts, as gen_pool_for_each_chunk() callers do.
 */
static void dmapool_scan_pool(int id, struct dmapool_scan *scan)
{
	struct gen_pool *gp = dmapool_pools[id].gp;
	struct gen_pool_chunk *chunk;

	lockdep_assert_held(&dmapool_expand_lock);
	memset(scan, 0, sizeof(*scan));
	list_for_each_entry(chunk, &gp->chunks, next_chunk) {
		dmapool_scan_chunk(gp, chunk, scan);
		cond_resched();
	}
}

/* Caller holds dmapool_expand_lock (process context). */
static void dmapool_trace_state(int id)
{
	struct gen_pool *gp = dmapool_pools[id].gp;
	struct dmapool_scan scan;

	if (!trace_pool_state_enabled())
		return;
	dmapool_scan_pool(id, &scan);
	trace_pool_state(id, gen_pool_size(gp), gen_pool_avail(gp),
			 scan.largest_free, scan.chunks);
}

/* Process context: the state timer's work and the `state` command. */
void dmapool_emit_state(void)
{
	int id;

	mutex_lock(&dmapool_expand_lock);
	for (id = 0; id < DMAPOOL_NR_POOLS; id++)
		if (dmapool_present[id])
			dmapool_trace_state(id);
	mutex_unlock(&dmapool_expand_lock);
}

static void dmapool_state_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(dmapool_state_work, dmapool_state_fn);

static void dmapool_state_fn(struct work_struct *work)
{
	dmapool_emit_state();
	schedule_delayed_work(&dmapool_state_work,
			      msecs_to_jiffies(dmapool_cfg.state_period_ms));
}

void dmapool_state_timer_start(void)
{
	if (dmapool_cfg.state_period_ms)
		schedule_delayed_work(&dmapool_state_work,
				      msecs_to_jiffies(dmapool_cfg.state_period_ms));
}

void dmapool_state_timer_stop(void)
{
	cancel_delayed_work_sync(&dmapool_state_work);
}

/*
 * The attributes of upstream's remap: pgprot_dmacoherent() (arm64: Normal
 * non-cacheable), decrypted. x86 never remaps pool memory (no
 * CONFIG_DMA_DIRECT_REMAP) and has no pgprot_dmacoherent() of its own; the
 * generic one is uncached, and an uncached alias of memory the linear map
 * keeps write-back is an attribute conflict x86 forbids. There remap=1
 * keeps the cacheable attributes of the linear map upstream uses and only
 * prices the vmap() alias; `pools` says which (remap_prot).
 */
#ifdef CONFIG_DMA_DIRECT_REMAP
#define DMAPOOL_REMAP_PROT	pgprot_decrypted(pgprot_dmacoherent(PAGE_KERNEL))
#define DMAPOOL_REMAP_PROT_NAME	"dmacoherent,decrypted"
#else
#define DMAPOOL_REMAP_PROT	pgprot_decrypted(PAGE_KERNEL)
#define DMAPOOL_REMAP_PROT_NAME	"kernel,decrypted (no CONFIG_DMA_DIRECT_REMAP here)"
#endif

/* The remap of CONFIG_DMA_DIRECT_REMAP platforms, with plain vmap(). */
static void *dmapool_remap(struct page *page, unsigned int order)
{
	unsigned int i, n = 1U << order;
	struct page **pages;
	void *vaddr;

	pages = kvmalloc_array(n, sizeof(*pages), GFP_KERNEL);
	if (!pages)
		return NULL;
	for (i = 0; i < n; i++)
		pages[i] = nth_page(page, i);
	vaddr = vmap(pages, n, VM_MAP, DMAPOOL_REMAP_PROT);
	kvfree(pages);
	return vaddr;
}

/*
 * arch_dma_prep_coherent() (write back and invalidate the block's cache
 * lines before it gets a non-cacheable alias) is not exported: resolved at
 * load time where the architecture has one. NULL on x86 (coherent DMA, no
 * such hook) or when it cannot be found; `pools` says which.
 */
static void (*dmapool_prep_coherent)(struct page *page, size_t size);
static const char *dmapool_prep_coherent_state = "none (architecture has none)";

static void dmapool_prep_coherent_init(void)
{
	if (!IS_ENABLED(CONFIG_ARCH_HAS_DMA_PREP_COHERENT))
		return;
	dmapool_prep_coherent = dmapool_ksym("arch_dma_prep_coherent");
	dmapool_prep_coherent_state = dmapool_prep_coherent ? "called" :
				      "skipped (arch_dma_prep_coherent not found)";
}

#if !defined(MAX_DMA_PFN) && defined(CONFIG_ZONE_DMA)
/* The highest physical address of zone @zt's pages on any node, or 0. */
static u64 dmapool_zone_span_end(enum zone_type zt)
{
	struct zone *z;
	u64 end = 0;
	int nid;

	for_each_online_node(nid) {
		z = &NODE_DATA(nid)->node_zones[zt];
		if (z->spanned_pages)
			end = max_t(u64, end, PFN_PHYS(zone_end_pfn(z)) - 1);
	}
	return end;
}
#endif

/*
 * The zones' limits as the running kernel's dma-direct sees them. x86 fixes
 * them at build time (MAX_DMA_PFN, MAX_DMA32_PFN); arm64 sets ZONE_DMA's at
 * boot from the firmware's DMA ranges (zone_dma_bits until v6.11,
 * zone_dma_limit since), and ZONE_DMA32 always ends at 4 GiB. The kernel's
 * variable is read where kallsyms has it. Without it (Debian's 6.1 arm64
 * kernel has no CONFIG_KALLSYMS_ALL: no data symbols), x86 takes its
 * constant and other architectures the end of ZONE_DMA's span: the limit
 * itself where memory goes past it, else the last page any GFP_DMA request
 * could get here. `pools` names the source.
 */
static void dmapool_zone_limits_init(void)
{
	u64 *limit = dmapool_ksym_data("zone_dma_limit");
	unsigned int *bits = limit ? NULL : dmapool_ksym_data("zone_dma_bits");

	dmapool_zone_limit[DMAPOOL_POOL_DMA32] = DMA_BIT_MASK(32);
	dmapool_zone_limit[DMAPOOL_POOL_KERNEL] = U64_MAX;
	if (limit) {
		dmapool_zone_limit[DMAPOOL_POOL_DMA] = READ_ONCE(*limit);
		dmapool_zone_limit_src = "zone_dma_limit";
	} else if (bits && READ_ONCE(*bits) <= 64) {
		dmapool_zone_limit[DMAPOOL_POOL_DMA] =
			DMA_BIT_MASK(READ_ONCE(*bits));
		dmapool_zone_limit_src = "zone_dma_bits";
	} else {
#ifdef MAX_DMA_PFN
		dmapool_zone_limit[DMAPOOL_POOL_DMA] =
			((u64)MAX_DMA_PFN << PAGE_SHIFT) - 1;
		dmapool_zone_limit_src = "MAX_DMA_PFN";
#elif defined(CONFIG_ZONE_DMA)
		dmapool_zone_limit[DMAPOOL_POOL_DMA] =
			dmapool_zone_span_end(ZONE_DMA);
		dmapool_zone_limit_src = "zone_span";
#else
		dmapool_zone_limit_src = "unknown (no ZONE_DMA)";
#endif
	}
}

/*
 * atomic_pool_expand(): add one block of up to @want bytes, stepping the
 * order down until the page allocator gives one. Caller holds
 * dmapool_expand_lock.
 */
static int dmapool_expand(int id, u64 want)
{
	struct dmapool_zpool *p = &dmapool_pools[id];
	unsigned int order, tried;
	struct dmapool_block *blk;
	struct page *page = NULL;
	u64 t0 = local_clock();
	u64 size = 0;
	void *vaddr;
	int ret = -ENOMEM;

	lockdep_assert_held(&dmapool_expand_lock);
	order = dmapool_expand_order(want, PAGE_SHIFT, dmapool_cfg.max_order);
	tried = order;
	blk = kzalloc(sizeof(*blk), GFP_KERNEL);
	if (!blk)
		goto out;

	for (;;) {
		tried = order;
		if (!dmapool_inject_fail(order))
			page = alloc_pages(p->gfp | __GFP_NOWARN, order);
		if (page || !order)
			break;
		order--;
	}
	if (!page)
		goto free_blk;
	size = PAGE_SIZE << order;

	/* Upstream prepares the block before any remap. */
	if (dmapool_prep_coherent)
		dmapool_prep_coherent(page, size);
	vaddr = page_address(page);
	if (dmapool_cfg.remap) {
		vaddr = dmapool_remap(page, order);
		if (!vaddr)
			goto free_page;
	}
	/* Pool memory is shared with devices: unencrypted, as upstream. */
	ret = set_memory_decrypted((unsigned long)page_address(page),
				   1 << order);
	if (ret)
		goto unmap;
	ret = gen_pool_add_virt(p->gp, (unsigned long)vaddr,
				page_to_phys(page), size, NUMA_NO_NODE);
	if (ret)
		goto encrypt;

	blk->page = page;
	blk->vaddr = vaddr;
	blk->order = order;
	list_add_tail(&blk->node, &p->blocks);
	p->nr_blocks++;
	WRITE_ONCE(dmapool_size_added[id], dmapool_size_added[id] + size);
	atomic64_inc(&p->expansions);
	goto out;

encrypt:
	if (set_memory_encrypted((unsigned long)page_address(page),
				 1 << order)) {
		/*
		 * Upstream WARNs once and leaks the pages: they cannot be
		 * handed back decrypted. We leak and count instead of WARN.
		 */
		pr_err("re-encrypting %u pages failed, leaking them\n",
		       1U << order);
		atomic64_add(1 << order, &dmapool_leaked_pages);
		goto free_blk;
	}
unmap:
	if (dmapool_cfg.remap)
		vunmap(vaddr);
free_page:
	__free_pages(page, order);
free_blk:
	kfree(blk);
	size = 0;
out:
	if (ret)
		atomic64_inc(&p->expand_fails);
	trace_pool_expand(id, want, size, tried, local_clock() - t0,
			  gen_pool_size(p->gp), ret);
	dmapool_trace_state(id);
	return ret;
}

/* atomic_pool_work_fn(): grow every pool below the target by its size. */
static void dmapool_expand_work_fn(struct work_struct *work)
{
	static const int order[] = {
		DMAPOOL_POOL_DMA, DMAPOOL_POOL_DMA32, DMAPOOL_POOL_KERNEL
	};
	int i;

	mutex_lock(&dmapool_expand_lock);
	for (i = 0; i < ARRAY_SIZE(order); i++) {
		struct gen_pool *gp = dmapool_pools[order[i]].gp;

		if (dmapool_present[order[i]] &&
		    gen_pool_avail(gp) < dmapool_cfg.target)
			dmapool_expand(order[i], gen_pool_size(gp));
	}
	mutex_unlock(&dmapool_expand_lock);
}

void dmapool_flush(void)
{
	flush_work(&dmapool_expand_work);
}

static const gfp_t dmapool_zone_gfp[DMAPOOL_NR_ZONES] = {
	[DMAPOOL_ZONE_KERNEL] = 0,
	[DMAPOOL_ZONE_DMA32] = GFP_DMA32,
	[DMAPOOL_ZONE_DMA] = GFP_DMA,
};

/*
 * The bookkeeping of one allocation, after its timed window: per-pool
 * counters and the fallback events, from what dmapool_alloc() recorded.
 */
static void dmapool_alloc_account(size_t size, u8 stream,
				  const struct dmapool_alloc_info *info)
{
	unsigned int i;

	for (i = 0; i < info->depth; i++) {
		struct dmapool_zpool *p = &dmapool_pools[info->path[i]];
		bool rejected = info->rejected & BIT(i);

		if (i) {
			trace_pool_fallback(info->path[i - 1], info->path[i],
					    size, info->rejected & BIT(i - 1) ?
					    DMAPOOL_FB_ADDR_REJECTED :
					    DMAPOOL_FB_EXHAUSTED, stream);
			atomic64_inc(&dmapool_pools[info->path[i - 1]].fallbacks);
		}
		if (i + 1 == info->depth && info->result == DMAPOOL_RES_OK)
			atomic64_inc(&p->allocs);
		else if (rejected)
			atomic64_inc(&p->rejects);
		else
			atomic64_inc(&p->fails);
	}
}

/*
 * A failed allocation, after the window. Upstream WARNs "Failed to get
 * suitable pool" always and "DMA pool exhausted" unless __GFP_NOWARN; we
 * never WARN, but warn (ratelimited) under the same conditions.
 */
static void dmapool_alloc_failed(size_t size, int zone, bool nowarn,
				 u8 result, u8 stream)
{
	atomic64_inc(&dmapool_failed[DMAPOOL_FAIL_KIND(result)]);
	trace_pool_exhausted(size, (__force u32)(GFP_ATOMIC |
			     dmapool_zone_gfp[zone] |
			     (nowarn ? __GFP_NOWARN : 0)), result, stream);
	if (result == DMAPOOL_RES_NO_POOL)
		pr_warn_ratelimited("failed to get suitable pool for %zu bytes (zone %s)\n",
				    size, dmapool_zone_names[zone]);
	else if (!nowarn)
		pr_warn_ratelimited("DMA pool exhausted for %zu bytes (zone %s)\n",
				    size, dmapool_zone_names[zone]);
}

/*
 * dma_alloc_from_pool(): walk the pools in dma_guess_pool() order; a block
 * the device mask rejects goes back and the next pool is tried. Any context.
 *
 * The timed window (t0 .. latency_ns) holds only what upstream executes:
 * the pool walk, gen_pool_alloc(), the address check, the zeroing and the
 * expansion trigger (plus the test-only dmapool_spin()). What happened is
 * recorded in @info; counters and events come after the window closes.
 */
void *dmapool_alloc_stream(size_t size, int zone, unsigned int mask_bits,
			   bool nowarn, u8 stream,
			   struct dmapool_alloc_info *info)
{
	int id, prev = DMAPOOL_POOL_NONE;
	bool exhausted = false;
	struct gen_pool *gp = NULL;
	unsigned long addr = 0;
	phys_addr_t phys = 0;
	u64 t0;

	memset(info, 0, sizeof(*info));
	t0 = local_clock();
	while ((id = dmapool_guess_pool(dmapool_present, prev, zone,
					dmapool_cfg.sem)) != DMAPOOL_POOL_NONE) {
		gp = dmapool_pools[id].gp;
		info->path[info->depth++] = id;
		prev = id;
		addr = gen_pool_alloc(gp, size);
		if (!addr) {
			exhausted = true;
			continue;
		}
		phys = gen_pool_virt_to_phys(gp, addr);
		if (dmapool_addr_ok(phys, size, mask_bits))
			break;
		gen_pool_free(gp, addr, size);
		info->rejected |= BIT(info->depth - 1);
		addr = 0;
	}
	if (addr) {
		if (gen_pool_avail(gp) < dmapool_cfg.target)
			schedule_work(&dmapool_expand_work);
		memset((void *)addr, 0, size);
	}
	dmapool_spin();
	info->latency_ns = local_clock() - t0;

	if (addr) {
		info->pool = id;
		info->phys = phys;
		info->result = DMAPOOL_RES_OK;
	} else {
		info->pool = DMAPOOL_POOL_NONE;
		if (!info->depth)
			info->result = DMAPOOL_RES_NO_POOL;
		else if (info->rejected && !exhausted)
			info->result = DMAPOOL_RES_ADDR;
		else
			info->result = DMAPOOL_RES_EXHAUSTED;
	}
	/* The common case, the first pool served, without the walk. */
	if (likely(addr && info->depth == 1))
		atomic64_inc(&dmapool_pools[id].allocs);
	else
		dmapool_alloc_account(size, stream, info);
	if (!addr)
		dmapool_alloc_failed(size, zone, nowarn, info->result, stream);
	if (trace_pool_alloc_enabled())
		trace_pool_alloc(info->pool, size, info->phys,
				 info->latency_ns,
				 addr ? gen_pool_avail(gp) : 0,
				 dmapool_cur_ctx(), raw_smp_processor_id(),
				 info->result, info->depth, stream);
	return (void *)addr;
}

/*
 * dma_free_from_pool(): free into the pool that owns the address.
 * Returns the pool, or -ENOENT when no pool holds it; @latency_ns (may be
 * NULL) gets the time it took. As in dmapool_alloc(), the timed window
 * holds only the walk and gen_pool_free(); counting comes after it.
 */
int dmapool_free_stream(void *vaddr, size_t size, u8 stream, u64 *latency_ns)
{
	unsigned long addr = (unsigned long)vaddr;
	int id = DMAPOOL_POOL_NONE;
	struct gen_pool *gp;
	u64 t0 = local_clock();

	while ((id = dmapool_guess_pool(dmapool_present, id,
					DMAPOOL_ZONE_KERNEL,
					dmapool_cfg.sem)) != DMAPOOL_POOL_NONE) {
		gp = dmapool_pools[id].gp;
		if (!gen_pool_has_addr(gp, addr, size))
			continue;
		gen_pool_free(gp, addr, size);
		t0 = local_clock() - t0;
		atomic64_inc(&dmapool_pools[id].frees);
		if (latency_ns)
			*latency_ns = t0;
		if (trace_pool_free_enabled())
			trace_pool_free(id, size, gen_pool_virt_to_phys(gp, addr),
					t0, dmapool_cur_ctx(), stream);
		return id;
	}
	return -ENOENT;
}

static int dmapool_pool_create(int id)
{
	struct dmapool_zpool *p = &dmapool_pools[id];
	int ret;

	p->gp = gen_pool_create(PAGE_SHIFT, NUMA_NO_NODE);
	if (!p->gp)
		return -ENOMEM;
	gen_pool_set_algo(p->gp, gen_pool_first_fit_order_align, NULL);

	/* The kernel's first block where it is known (it may have got less). */
	mutex_lock(&dmapool_expand_lock);
	ret = dmapool_expand(id, dmapool_cfg.initial[id] ?: dmapool_cfg.target);
	mutex_unlock(&dmapool_expand_lock);
	if (ret) {
		gen_pool_destroy(p->gp);
		p->gp = NULL;
		pr_err("failed to allocate %llu KiB %s pool\n",
		       dmapool_cfg.target >> 10, dmapool_pool_names[id]);
		return ret;
	}
	pr_info("preallocated %zu KiB %s pool\n", gen_pool_size(p->gp) >> 10,
		dmapool_pool_names[id]);
	return 0;
}

/* Give every block back; a pool with allocations still out is leaked. */
static void dmapool_pool_destroy(int id)
{
	struct dmapool_zpool *p = &dmapool_pools[id];
	struct dmapool_block *blk, *tmp;

	if (!p->gp)
		return;
	if (gen_pool_avail(p->gp) != gen_pool_size(p->gp)) {
		pr_err("%s pool still has %zu bytes allocated, leaking it\n",
		       dmapool_pool_names[id],
		       gen_pool_size(p->gp) - gen_pool_avail(p->gp));
		return;
	}
	gen_pool_destroy(p->gp);
	p->gp = NULL;
	/* One block per expansion: yield between them (we hold a mutex). */
	list_for_each_entry_safe(blk, tmp, &p->blocks, node) {
		cond_resched();
		list_del(&blk->node);
		if (dmapool_cfg.remap)
			vunmap(blk->vaddr);
		if (set_memory_encrypted((unsigned long)page_address(blk->page),
					 1 << blk->order)) {
			pr_err("re-encrypting %u pages failed, leaking them\n",
			       1U << blk->order);
			atomic64_add(1 << blk->order, &dmapool_leaked_pages);
		} else {
			__free_pages(blk->page, blk->order);
		}
		kfree(blk);
	}
	p->nr_blocks = 0;
}

int dmapool_pools_init(const struct dmapool_config *cfg)
{
	static const gfp_t gfp[DMAPOOL_NR_POOLS] = {
		[DMAPOOL_POOL_DMA] = GFP_KERNEL | GFP_DMA,
		[DMAPOOL_POOL_DMA32] = GFP_KERNEL | GFP_DMA32,
		[DMAPOOL_POOL_KERNEL] = GFP_KERNEL,
	};
	/* Upstream creates kernel first, then dma, then dma32. */
	static const int order[] = {
		DMAPOOL_POOL_KERNEL, DMAPOOL_POOL_DMA, DMAPOOL_POOL_DMA32
	};
	int i, created = 0;

	dmapool_cfg = *cfg;
	dmapool_prep_coherent_init();
	dmapool_zone_limits_init();
	INIT_WORK(&dmapool_expand_work, dmapool_expand_work_fn);
	for (i = 0; i < DMAPOOL_NR_POOLS; i++) {
		INIT_LIST_HEAD(&dmapool_pools[i].blocks);
		dmapool_pools[i].gfp = gfp[i];
	}
	for (i = 0; i < ARRAY_SIZE(order); i++) {
		if (!(cfg->zones & BIT(order[i])))
			continue;
		if (!dmapool_pool_create(order[i]))
			created++;
	}
	if (!created)
		return -ENOMEM;
	/*
	 * Upstream 6.1 fails its initcall without a kernel pool; its frees
	 * could not find the other pools' blocks: refuse to run like that.
	 */
	if (cfg->sem == DMAPOOL_SEM_V61 && !dmapool_pools[DMAPOOL_POOL_KERNEL].gp) {
		pr_err("no kernel pool: the v6.1 rules cannot free\n");
		return -ENOMEM;
	}
	/* Published last: the alloc path reads it without locks. */
	for (i = 0; i < DMAPOOL_NR_POOLS; i++)
		dmapool_present[i] = dmapool_pools[i].gp;
	return 0;
}

void dmapool_pools_exit(void)
{
	int id;

	cancel_work_sync(&dmapool_expand_work);
	mutex_lock(&dmapool_expand_lock);
	for (id = 0; id < DMAPOOL_NR_POOLS; id++) {
		dmapool_present[id] = false;
		dmapool_pool_destroy(id);
	}
	mutex_unlock(&dmapool_expand_lock);
}

void dmapool_show_pools(struct seq_file *m)
{
	struct dmapool_scan scan;
	int id;

	mutex_lock(&dmapool_expand_lock);
	for (id = 0; id < DMAPOOL_NR_POOLS; id++) {
		struct dmapool_zpool *p = &dmapool_pools[id];

		seq_printf(m, "[%s]\n", dmapool_pool_names[id]);
		seq_printf(m, "present: %d\n", dmapool_present[id]);
		if (!dmapool_present[id]) {
			/* As pool_size_<pool> of a pool never created. */
			seq_puts(m, "size: 0\n");
			continue;
		}
		dmapool_scan_pool(id, &scan);
		seq_printf(m, "size: %zu\n", gen_pool_size(p->gp));
		seq_printf(m, "avail: %zu\n", gen_pool_avail(p->gp));
		seq_printf(m, "largest_free: %llu\n", scan.largest_free);
		seq_printf(m, "chunks: %u\n", scan.chunks);
		seq_printf(m, "allocs: %lld\n", atomic64_read(&p->allocs));
		seq_printf(m, "frees: %lld\n", atomic64_read(&p->frees));
		seq_printf(m, "fails: %lld\n", atomic64_read(&p->fails));
		seq_printf(m, "addr_rejects: %lld\n",
			   atomic64_read(&p->rejects));
		seq_printf(m, "fallbacks: %lld\n", atomic64_read(&p->fallbacks));
		seq_printf(m, "expansions: %lld\n",
			   atomic64_read(&p->expansions));
		seq_printf(m, "expand_fails: %lld\n",
			   atomic64_read(&p->expand_fails));
		seq_printf(m, "zone_limit: 0x%llx\n", dmapool_zone_limit[id]);
	}
	seq_puts(m, "[config]\n");
	seq_printf(m, "target: %llu\n", dmapool_cfg.target);
	seq_printf(m, "max_order: %u\n", dmapool_cfg.max_order);
	seq_printf(m, "remap: %d\n", dmapool_cfg.remap);
	seq_printf(m, "remap_prot: %s\n", DMAPOOL_REMAP_PROT_NAME);
	seq_printf(m, "prep_coherent: %s\n", dmapool_prep_coherent_state);
	seq_printf(m, "zone_limits: %s\n", dmapool_zone_limit_src);
	seq_printf(m, "sizing: %s\n", dmapool_cfg.sizing);
	seq_printf(m, "formula_target: %llu\n", dmapool_cfg.formula);
	if (dmapool_cfg.sizing_why)
		seq_printf(m, "sizing_why: %s\n", dmapool_cfg.sizing_why);
	seq_printf(m, "semantics: %s\n", dmapool_sem_names[dmapool_cfg.sem]);
	seq_printf(m, "semantics_from: %s\n", dmapool_cfg.sem_from);
	seq_printf(m, "semantics_why: %s\n", dmapool_cfg.sem_why);
	/*
	 * Upstream takes expansion pages from the default CMA area when it
	 * lies in the zone; dma_alloc_from_contiguous() is not exported, so
	 * this module always uses the page allocator.
	 */
	seq_printf(m, "cma: %s\n", IS_ENABLED(CONFIG_DMA_CMA) ?
		   "not used (kernel has CONFIG_DMA_CMA; not exported to modules)" :
		   "no (kernel built without CONFIG_DMA_CMA)");
	for (id = 0; id < DMAPOOL_NR_FAIL; id++)
		seq_printf(m, "%s: %lld\n", dmapool_fail_names[id],
			   atomic64_read(&dmapool_failed[id]));
	seq_printf(m, "injected_failures: %lld\n",
		   atomic64_read(&dmapool_injected));
	seq_printf(m, "fail_next: %d\n", atomic_read(&dmapool_fail_next));
	seq_printf(m, "fail_order_above: %d\n",
		   READ_ONCE(dmapool_fail_order_above));
	seq_printf(m, "leaked_pages: %lld\n",
		   atomic64_read(&dmapool_leaked_pages));
	mutex_unlock(&dmapool_expand_lock);
}

void dmapool_show_outcomes(struct seq_file *m, const char *prefix,
			   const u64 results[DMAPOOL_NR_RES],
			   const u64 fallbacks[DMAPOOL_NR_POOLS][DMAPOOL_NR_POOLS],
			   bool pairs)
{
	/* The fallback chain's steps (kernel -> dma32 -> dma), as pool_fallback. */
	static const int steps[][2] = {
		{ DMAPOOL_POOL_KERNEL, DMAPOOL_POOL_DMA32 },
		{ DMAPOOL_POOL_KERNEL, DMAPOOL_POOL_DMA },
		{ DMAPOOL_POOL_DMA32, DMAPOOL_POOL_DMA },
	};
	u64 total = 0;
	unsigned int i, j;

	for (i = 0; i < DMAPOOL_NR_RES; i++)
		seq_printf(m, "%sresult_%s: %llu\n", prefix,
			   dmapool_res_names[i], results[i]);
	for (i = 0; i < DMAPOOL_NR_POOLS; i++)
		for (j = 0; j < DMAPOOL_NR_POOLS; j++)
			total += fallbacks[i][j];
	seq_printf(m, "%sfallbacks: %llu\n", prefix, total);
	for (i = 0; pairs && i < ARRAY_SIZE(steps); i++)
		seq_printf(m, "%sfallback_%s_%s: %llu\n", prefix,
			   dmapool_pool_names[steps[i][0]],
			   dmapool_pool_names[steps[i][1]],
			   fallbacks[steps[i][0]][steps[i][1]]);
}
