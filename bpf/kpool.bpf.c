// SPDX-License-Identifier: GPL-2.0
/*
 * Live tracing of the running kernel's own atomic DMA pools
 * (kernel/dma/pool.c): dma_alloc_from_pool() entry and exit,
 * dma_free_from_pool(), atomic_pool_expand() and atomic_pool_work_fn().
 * Aggregates into the maps of bpf/dmapool.h, so the CLI reads them as it
 * reads the bench programs'.
 *
 * Each probe exists twice: fentry/fexit (fe_, fx_) and kprobe/kretprobe
 * (kp_, kr_); the loader enables one set. Argument positions come from the
 * kernel's BTF (read by the loader), not from a prototype compiled in here.
 *
 * The kernel does not say which pool served an allocation: the block's
 * address is looked up in the chunks of the three pools, whose gen_pool
 * pointers are read through the addresses of atomic_pool_{dma,dma32,kernel}
 * (from kallsyms). A fallback is an allocation served by another pool than
 * the first one dma_guess_pool() picks for its gfp.
 *
 * Who holds the pools (monitor --by dev|stack, track_blocks): every block
 * allocated after attach is kept by address with its device and kernel
 * stack until dma_free_from_pool() takes it back (holders.bpf.h); each
 * failed allocation is also one event in the fail_events ring buffer, with
 * the device, its coherent DMA mask and the kernel's kind of failure.
 *
 * Capture (dmapool-bench capture): fx_alloc_cap and fe_free_cap send one
 * cap_events record per allocation and per free of a pool block (struct
 * dmapool_cap_event). Programs of their own, loaded only when capturing:
 * the others stay as they are (6.1's verifier would run out of its 1M
 * instructions on fx_alloc with the capture code in it), and without
 * capture there is no code at all, and a one-page ring.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "dmapool.h"
#include "maps.bpf.h"
#include "holders.bpf.h"
#include "ctx.bpf.h"
#include "pool_logic.h"

/* Set by the loader. */
const volatile __u64 pool_var[DMAPOOL_NR_POOLS];	/* &atomic_pool_<pool> */
const volatile __u32 alloc_arg_size = 1;
const volatile __u32 alloc_arg_cpu_addr = 2;
const volatile __u32 alloc_arg_gfp = 3;
const volatile __u32 alloc_arg_phys_ok = 4;
const volatile __u32 alloc_arg_dev;
const volatile __u32 free_arg_start = 1;
const volatile __u32 free_arg_size = 2;
const volatile __u32 expand_arg_pool;
const volatile __u32 expand_arg_size = 1;
const volatile __u32 sem;	/* enum dmapool_sem: the kernel's pool rules */
const volatile bool collect_stacks;	/* a kernel stack per block */
const volatile bool key_stacks;		/* holders per device and stack */
const volatile __u64 atomic_pool_size_var;	/* &atomic_pool_size, or 0 */

/* Last seen state of each pool (walked at each of its events). */
__u64 pool_size[DMAPOOL_NR_POOLS];
__u64 pool_avail[DMAPOOL_NR_POOLS];
__u64 pool_expansions[DMAPOOL_NR_POOLS];
__u64 pool_phys_last[DMAPOOL_NR_POOLS];	/* highest byte's physical address */
__u64 atomic_pool_size_now;	/* read by walk_pools */
__u64 cap_dropped;		/* cap_events records lost: the ring was full */

#define KPOOL_GFP_DMA		0x01u
#define KPOOL_GFP_DMA32		0x04u
#define KPOOL_MAX_CHUNKS	64
#define KPOOL_MAX_DEPTH		4	/* task, softirq, hardirq, NMI: 2^n */

enum { FRAME_ALLOC, FRAME_FREE };

struct kpool_frame {
	__u64 ts;
	__u64 arg[5];
	__u64 task;
	__u32 kind;
	__u32 ctx;
};

/* Calls in progress on a CPU: they nest only by interrupts, LIFO. */
struct kpool_stack {
	__u32 depth;
	struct kpool_frame f[KPOOL_MAX_DEPTH];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct kpool_stack);
} stacks SEC(".maps");

/* atomic_pool_expand() sleeps; its calls for one pool are serialized. */
__u64 expand_ts[DMAPOOL_NR_POOLS];
__u64 expand_req[DMAPOOL_NR_POOLS];
__u64 expand_before[DMAPOOL_NR_POOLS];	/* pool size before */
__u32 expand_pool;		/* the pool being expanded, for kretprobes */
__u64 work_ts;

static __always_inline struct gen_pool *pool_ptr(__u32 p)
{
	struct gen_pool *gp = NULL;

	if (p < DMAPOOL_NR_POOLS && pool_var[p])
		bpf_probe_read_kernel(&gp, sizeof(gp), (void *)pool_var[p]);
	return gp;
}

/*
 * Walk pool @p's chunks: does one hold @addr? Also sums size and avail
 * into pool_size[]/pool_avail[].
 */
static __always_inline bool pool_walk(__u32 p, __u64 addr)
{
	struct gen_pool *gp = pool_ptr(p);
	struct list_head *head, *pos;
	__u64 size = 0, avail = 0, last = 0;
	bool found = false;
	int i;

	if (!gp || p >= DMAPOOL_NR_POOLS)
		return false;
	head = &gp->chunks;
	pos = BPF_CORE_READ(gp, chunks.next);
	for (i = 0; i < KPOOL_MAX_CHUNKS && pos && pos != head; i++) {
		struct gen_pool_chunk *ch = (void *)pos -
			bpf_core_field_offset(struct gen_pool_chunk, next_chunk);
		__u64 start = BPF_CORE_READ(ch, start_addr);
		__u64 end = BPF_CORE_READ(ch, end_addr);

		__u64 phys_end = BPF_CORE_READ(ch, phys_addr) + end - start;

		if (addr >= start && addr <= end)
			found = true;
		if (phys_end > last)
			last = phys_end;
		size += end - start + 1;
		avail += BPF_CORE_READ(ch, avail.counter);
		pos = BPF_CORE_READ(ch, next_chunk.next);
	}
	pool_size[p] = size;
	pool_avail[p] = avail;
	pool_phys_last[p] = last;
	return found;
}

static __always_inline __u32 pool_of(__u64 addr)
{
	__u32 p;

	/* One full walk per pool tried, which also refreshes its stats. */
	for (p = 0; p < DMAPOOL_NR_POOLS; p++)
		if (pool_walk(p, addr))
			return p;
	return DMAPOOL_POOL_NONE;
}

/*
 * dma_guess_pool(NULL, gfp): the first pool an allocation tries, by the
 * module's own definition of the kernel's rules (bench-module/pool_logic.h)
 * under the rule set the loader found (v6.1 or v6.19's managed zones).
 */
static __always_inline int gfp_zone_of(__u64 gfp)
{
	if (gfp & KPOOL_GFP_DMA32)
		return DMAPOOL_ZONE_DMA32;
	if (gfp & KPOOL_GFP_DMA)
		return DMAPOOL_ZONE_DMA;
	return DMAPOOL_ZONE_KERNEL;
}

static __always_inline void pools_present(bool present[DMAPOOL_NR_POOLS])
{
	__u32 p;

	for (p = 0; p < DMAPOOL_NR_POOLS; p++)
		present[p] = pool_ptr(p);
}

static __always_inline __u32 first_pool(__u64 gfp)
{
	bool present[DMAPOOL_NR_POOLS];

	pools_present(present);
	return dmapool_guess_pool(present, DMAPOOL_POOL_NONE, gfp_zone_of(gfp),
				  sem);
}

static __always_inline struct kpool_stack *stack(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&stacks, &zero);
}

static __always_inline void push(__u32 kind, __u64 a0, __u64 a1, __u64 a2,
				 __u64 a3, __u64 a4)
{
	struct kpool_stack *s = stack();
	struct kpool_frame *f;
	__u32 d;

	if (!s)
		return;
	d = s->depth;
	if (d >= KPOOL_MAX_DEPTH) {
		/*
		 * Deeper than interrupts nest: exits were missed (a nested
		 * exit program skipped, a task moved to another CPU). Those
		 * frames will never pair: drop them, and count them, rather
		 * than stop pairing on this CPU for good.
		 */
		struct dmapool_counters *c = dmapool_counters();

		if (c)
			c->unpaired += d;
		d = 0;
	}
	/* Keep the mask below: older verifiers need it to bound the index. */
	asm volatile("" : "+r"(d));
	f = &s->f[d & (KPOOL_MAX_DEPTH - 1)];
	f->kind = kind;
	f->arg[0] = a0;
	f->arg[1] = a1;
	f->arg[2] = a2;
	f->arg[3] = a3;
	f->arg[4] = a4;
	f->task = bpf_get_current_task();
	f->ctx = read_ctx();
	f->ts = bpf_ktime_get_ns();
	s->depth = d + 1;
}

/*
 * Copy out the frame of the call returning now; false (counted as
 * unpaired) when there is none. A copy: an interrupt's nested call may
 * push over the slot while this exit still runs.
 */
static __always_inline bool pop(__u32 kind, struct dmapool_counters *c,
				struct kpool_frame *out)
{
	struct kpool_stack *s = stack();
	struct kpool_frame *f;
	__u32 d;

	if (!s)
		return false;
	d = s->depth;
	if (d == 0 || d > KPOOL_MAX_DEPTH) {
		c->unpaired++;
		return false;
	}
	f = &s->f[(d - 1) & (KPOOL_MAX_DEPTH - 1)];
	*out = *f;
	s->depth = d - 1;
	/* A missed entry or a migrated caller would pair the wrong frames. */
	if (out->kind != kind || out->task != bpf_get_current_task()) {
		c->unpaired++;
		return false;
	}
	return true;
}

/* --- who holds the pools (track_blocks) ------------------------------- */

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, DMAPOOL_MAX_STACKS);	/* 1 unless collect_stacks */
	__uint(key_size, sizeof(__u32));
	__uint(value_size, DMAPOOL_STACK_DEPTH * sizeof(__u64));
} kstacks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} fail_events SEC(".maps");

/* dev_name(@dev) and its driver's name, cut to DMAPOOL_NAME_LEN. */
static __always_inline void dev_names(struct device *dev, char *name,
				      char *driver)
{
	struct device_driver *drv;
	const char *n;

	if (!dev)
		return;
	n = BPF_CORE_READ(dev, init_name);
	if (!n)
		n = BPF_CORE_READ(dev, kobj.name);
	if (n)
		bpf_probe_read_kernel_str(name, DMAPOOL_NAME_LEN, n);
	drv = BPF_CORE_READ(dev, driver);
	n = drv ? BPF_CORE_READ(drv, name) : NULL;
	if (n)
		bpf_probe_read_kernel_str(driver, DMAPOOL_NAME_LEN, n);
}

/* What dev_name(@dev) returns: its init_name until registered. */
static __always_inline __u64 dev_name_ptr(struct device *dev)
{
	const char *n;

	if (!dev)
		return 0;
	n = BPF_CORE_READ(dev, init_name);
	return (__u64)(n ? n : BPF_CORE_READ(dev, kobj.name));
}

/*
 * The holder of key @k. Its names are read when it is created, and again
 * when its device's name has moved: a device freed and another allocated
 * at the same address (a USB stick unplugged and plugged back).
 */
static __always_inline struct dmapool_holder *
dev_holder(const struct dmapool_holder_key *k, struct dmapool_counters *c)
{
	struct dmapool_holder *h = bpf_map_lookup_elem(&holders, k);
	struct device *dev = (struct device *)k->dev;
	__u64 name = dev_name_ptr(dev);
	struct dmapool_holder init = {};

	if (h && h->name_ptr == name)
		return h;
	init.name_ptr = name;
	dev_names(dev, init.dev_name, init.driver);
	if (!h)
		return holder_create(k, &init, c);
	/* Renamed in place: racing writers write the same names. */
	__builtin_memcpy(h->dev_name, init.dev_name, DMAPOOL_NAME_LEN);
	__builtin_memcpy(h->driver, init.driver, DMAPOOL_NAME_LEN);
	h->name_ptr = name;
	return h;
}

static __always_inline __s32 kstack_id(void *ctx, struct dmapool_counters *c)
{
	long id;

	if (!collect_stacks)
		return -1;
	id = bpf_get_stackid(ctx, &kstacks, 0);
	if (id < 0) {
		c->stacks_lost++;
		return -1;
	}
	return id;
}

/* One failed allocation, as an event: who, what, and the kernel's kind. */
static __always_inline void fail_event(const struct kpool_frame *f, __u64 now,
				       __s32 stack, __u8 res,
				       struct dmapool_counters *c)
{
	struct device *dev = (struct device *)f->arg[4];
	struct dmapool_fail_event *e;

	e = bpf_ringbuf_reserve(&fail_events, sizeof(*e), 0);
	if (!e) {
		c->fail_events_dropped++;
		return;
	}
	__builtin_memset(e, 0, sizeof(*e));
	e->ts_ns = now;
	e->dev = f->arg[4];
	e->size = f->arg[0];
	e->gfp = f->arg[2];
	e->mask = dev ? BPF_CORE_READ(dev, coherent_dma_mask) : 0;
	e->stack_id = stack;
	e->kind = DMAPOOL_FAIL_KIND(res);
	e->result = res;
	e->ctx = f->ctx;
	dev_names(dev, e->dev_name, e->driver);
	bpf_ringbuf_submit(e, 0);
}

/*
 * The highest address the device of @f can reach, as dma_coherent_ok()
 * decides: its coherent mask, or its bus limit when that is lower.
 */
static __always_inline __u64 dev_limit(const struct kpool_frame *f)
{
	struct device *dev = (struct device *)f->arg[4];
	__u64 mask, bus = 0;

	if (!dev)
		return ~0ULL;
	mask = BPF_CORE_READ(dev, coherent_dma_mask);
	if (bpf_core_field_exists(dev->bus_dma_limit))
		bus = BPF_CORE_READ(dev, bus_dma_limit);
	if (!mask || (bus && bus < mask))
		mask = bus ? bus : ~0ULL;
	return mask;
}

/*
 * Why every pool failed: none for the gfp ("Failed to get suitable pool"),
 * or the pools of its chain were tried ("DMA pool exhausted"), refined:
 * addr_rejected when one of them had room enough and memory beyond what
 * the device reaches (its check must have refused the blocks), else
 * exhausted (no room, or too fragmented for the size).
 */
static __always_inline __u8 fail_result(const struct kpool_frame *f)
{
	bool present[DMAPOOL_NR_POOLS];
	int zone = gfp_zone_of(f->arg[2]);
	__u64 limit;
	int p, i;

	pools_present(present);
	p = dmapool_guess_pool(present, DMAPOOL_POOL_NONE, zone, sem);
	if (p < 0 || p >= DMAPOOL_NR_POOLS)
		return DMAPOOL_RES_NO_POOL;
	if (!f->arg[3])
		return DMAPOOL_RES_EXHAUSTED;
	limit = dev_limit(f);
	for (i = 0; i < DMAPOOL_NR_POOLS; i++) {
		if (p < 0 || p >= DMAPOOL_NR_POOLS)
			break;
		pool_walk(p, 0);
		if (pool_avail[p] >= f->arg[0] && pool_phys_last[p] > limit)
			return DMAPOOL_RES_ADDR;
		p = dmapool_guess_pool(present, p, zone, sem);
	}
	return DMAPOOL_RES_EXHAUSTED;
}

/* --- capture ------------------------------------------------------------ */

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);	/* the loader's size when capturing */
} cap_events SEC(".maps");

static __always_inline struct dmapool_cap_event *cap_reserve(void)
{
	struct dmapool_cap_event *e;

	e = bpf_ringbuf_reserve(&cap_events, sizeof(*e), 0);
	if (!e) {
		__sync_fetch_and_add(&cap_dropped, 1);
		return NULL;
	}
	__builtin_memset(e, 0, sizeof(*e));
	return e;
}

/*
 * The pool walks of capture's programs, as global functions: the verifier
 * checks each once, on its own, and the callers see a number (6.1's
 * verifier runs out of its 1M instructions with them inlined).
 */
__noinline int cap_pool_of(__u64 addr)
{
	return pool_of(addr);
}

__noinline int cap_fail_result(__u64 size, __u64 gfp, __u64 phys_ok, __u64 dev)
{
	struct kpool_frame f = {};

	f.arg[0] = size;
	f.arg[2] = gfp;
	f.arg[3] = phys_ok;
	f.arg[4] = dev;
	return fail_result(&f);
}

/* The allocation of @f returned @vaddr (0: failed) from @pool at @now. */
static __always_inline void cap_alloc(const struct kpool_frame *f, __u64 now,
				      __u64 vaddr, __u32 pool, __u8 res)
{
	struct device *dev = (struct device *)f->arg[4];
	struct dmapool_cap_event *e = cap_reserve();

	if (!e)
		return;
	e->ts_ns = now;
	e->type = DMAPOOL_CAP_ALLOC;
	e->addr = vaddr;
	e->dev = f->arg[4];
	e->size = f->arg[0];
	e->gfp = f->arg[2];
	e->mask = dev ? BPF_CORE_READ(dev, coherent_dma_mask) : 0;
	e->pool = pool;
	e->result = res;
	e->zone = gfp_zone_of(f->arg[2]);
	e->ctx = f->ctx;
	dev_names(dev, e->dev_name, e->driver);
	bpf_ringbuf_submit(e, 0);
}

/* dma_free_from_pool(@start) was called: one record if it is a pool block. */
static __always_inline void cap_free(__u64 start)
{
	struct dmapool_cap_event *e;

	if ((__u32)cap_pool_of(start) >= DMAPOOL_NR_POOLS)
		return;
	e = cap_reserve();
	if (!e)
		return;
	e->ts_ns = bpf_ktime_get_ns();
	e->type = DMAPOOL_CAP_FREE;
	e->addr = start;
	e->ctx = read_ctx();
	bpf_ringbuf_submit(e, 0);
}

/*
 * Attribution of one allocation that returned @vaddr (0: failed). Holders
 * are devices, or (--by stack, key_stacks) devices and stacks; each block
 * keeps its stack either way, for the exit summary.
 */
static __always_inline void track_alloc(void *ctx, const struct kpool_frame *f,
					__u64 vaddr, __u32 pool, __u64 now,
					__u8 res, struct dmapool_counters *c)
{
	__s32 stack = kstack_id(ctx, c);
	struct dmapool_holder_key k = {
		.dev = f->arg[4],
		.stack_id = key_stacks ? stack : -1,
	};
	struct dmapool_holder *h = dev_holder(&k, c);

	if (h)
		holder_count(h, f->arg[0], vaddr != 0);
	if (vaddr)
		block_add(vaddr, &k, f->arg[0], pool, f->ctx, stack, c);
	else
		fail_event(f, now, stack, res, c);
}

/*
 * dma_alloc_from_pool() returned @page for the call in @f: its arguments
 * (fexit reads them itself; kretprobes from the entry's frame) and, when
 * the entry was seen (@f->ts), its start time.
 */
static __always_inline void alloc_exit(void *ctx, __u64 page,
				       const struct kpool_frame *f,
				       struct dmapool_counters *c)
{
	__u64 now = bpf_ktime_get_ns(), size = f->arg[0], vaddr = 0;
	__u32 pool, first;

	if (!page) {
		__u8 res = fail_result(f);

		dmapool_count_alloc(c, size, res);
		dmapool_count_exhausted(c, res);
		if (f->ts)
			hist_add(DMAPOOL_OP_ALLOC, DMAPOOL_POOL_NONE, f->ctx,
				 size, now - f->ts);
		if (track_blocks)
			track_alloc(ctx, f, 0, DMAPOOL_POOL_NONE, now, res, c);
		else
			fail_event(f, now, -1, res, c);
		return;
	}
	bpf_probe_read_kernel(&vaddr, sizeof(vaddr), (void *)f->arg[1]);
	pool = pool_of(vaddr);
	dmapool_count_alloc(c, size, DMAPOOL_RES_OK);
	if (f->ts)
		hist_add(DMAPOOL_OP_ALLOC, pool, f->ctx, size, now - f->ts);
	if (track_blocks && vaddr)
		track_alloc(ctx, f, vaddr, pool, now, DMAPOOL_RES_OK, c);
	first = first_pool(f->arg[2]);
	if (pool < DMAPOOL_NR_POOLS && pool != first) {
		/*
		 * Without a mask check only exhaustion moves on; with one, a
		 * first pool with room enough must have offered a block the
		 * check refused (or been too fragmented: we cannot tell).
		 */
		__u8 why = DMAPOOL_FB_EXHAUSTED;

		if (f->arg[3]) {
			pool_walk(first, 0);
			if (first < DMAPOOL_NR_POOLS && pool_avail[first] >= size)
				why = DMAPOOL_FB_ADDR_REJECTED;
		}
		dmapool_count_fallback(c, first, pool, why);
	}
}

/*
 * dma_free_from_pool() entry: a block we track is a pool block, forgotten
 * now, before the pool can hand its address out again. Whether an unknown
 * address was a pool block (allocated before attach) only the exit knows:
 * every coherent free on x86 asks the pools first.
 */
static __always_inline void free_enter(__u64 start, __u64 size)
{
	bool known = track_blocks && block_del(start);

	push(FRAME_FREE, start, size, known, 0, 0);
}

/* dma_free_from_pool() returned @freed for the call in @f (see alloc_exit). */
static __always_inline void free_exit(__u64 freed, const struct kpool_frame *f,
				      bool paired, struct dmapool_counters *c)
{
	__u64 now = bpf_ktime_get_ns();

	if (!(freed & 0xff))	/* bool: false, not a pool block */
		return;
	/* Unpaired, whether its entry knew the block is not known either. */
	if (track_blocks && paired && !f->arg[2])
		c->frees_untracked++;
	dmapool_count_free(c, f->arg[1]);
	if (paired)
		hist_add(DMAPOOL_OP_FREE, pool_of(f->arg[0]), f->ctx, f->arg[1],
			 now - f->ts);
}

static __always_inline __u32 pool_index(__u64 gp)
{
	__u32 p;

	for (p = 0; p < DMAPOOL_NR_POOLS; p++)
		if (gp && (__u64)pool_ptr(p) == gp)
			return p;
	return DMAPOOL_POOL_NONE;
}

static __always_inline void expand_enter(__u64 gp, __u64 requested)
{
	__u32 p = pool_index(gp);

	if (p >= DMAPOOL_NR_POOLS)
		return;
	expand_pool = p;
	expand_req[p] = requested;
	pool_walk(p, 0);
	expand_before[p] = pool_size[p];
	expand_ts[p] = bpf_ktime_get_ns();
}

static __always_inline void expand_exit(__s32 ret)
{
	struct dmapool_counters *c = dmapool_counters();
	struct dmapool_sample s = {};
	__u32 p = expand_pool;
	__u64 now = bpf_ktime_get_ns(), before, lat;

	if (!c || p >= DMAPOOL_NR_POOLS || !expand_ts[p])
		return;
	lat = now - expand_ts[p];
	expand_ts[p] = 0;
	dmapool_count_expand(c, lat, ret);
	if (!ret)
		__sync_fetch_and_add(&pool_expansions[p], 1);
	before = expand_before[p];
	pool_walk(p, 0);
	if (!collect_samples)
		return;
	/* The order the kernel settled on is not visible here: 0. */
	dmapool_sample_expand(&s, now, p, expand_req[p],
			      pool_size[p] > before ? pool_size[p] - before : 0,
			      0, lat, pool_size[p], ret);
	add_sample(c, &s);
}

static __always_inline void work_exit(void)
{
	struct dmapool_counters *c = dmapool_counters();

	if (!c || !work_ts)
		return;
	c->work_runs++;
	c->work_ns += bpf_ktime_get_ns() - work_ts;
	work_ts = 0;
}

/* fentry/fexit: arguments by the positions the kernel's BTF gives. */

static __always_inline __u64 farg(void *ctx, __u32 n)
{
	__u64 v = 0;

	bpf_get_func_arg(ctx, n, &v);
	return v;
}

static __always_inline __u64 fret(void *ctx)
{
	__u64 v = 0;

	bpf_get_func_ret(ctx, &v);
	return v;
}

SEC("fentry/dma_alloc_from_pool")
int fe_alloc(void *ctx)
{
	push(FRAME_ALLOC, farg(ctx, alloc_arg_size),
	     farg(ctx, alloc_arg_cpu_addr), farg(ctx, alloc_arg_gfp),
	     farg(ctx, alloc_arg_phys_ok), farg(ctx, alloc_arg_dev));
	return 0;
}

/*
 * fexit reads the arguments itself: attribution does not depend on the
 * entry being seen (a nested call's exit program is skipped while another
 * runs on this CPU); the frame gives the start time when it pairs.
 */
SEC("fexit/dma_alloc_from_pool")
int fx_alloc(void *ctx)
{
	struct dmapool_counters *c = dmapool_counters();
	struct kpool_frame f = {};

	if (!c)
		return 0;
	if (!pop(FRAME_ALLOC, c, &f)) {
		f.ts = 0;
		f.ctx = read_ctx();
	}
	f.arg[0] = farg(ctx, alloc_arg_size);
	f.arg[1] = farg(ctx, alloc_arg_cpu_addr);
	f.arg[2] = farg(ctx, alloc_arg_gfp);
	f.arg[3] = farg(ctx, alloc_arg_phys_ok);
	f.arg[4] = farg(ctx, alloc_arg_dev);
	alloc_exit(ctx, fret(ctx), &f, c);
	return 0;
}

/*
 * Capture: the allocation as it returns, every argument read here (fexit
 * has them all), so nothing depends on the other programs' frames.
 */
SEC("fexit/dma_alloc_from_pool")
int fx_alloc_cap(void *ctx)
{
	struct kpool_frame f = {};
	__u64 now = bpf_ktime_get_ns(), page = fret(ctx), vaddr = 0;
	__u32 pool = DMAPOOL_POOL_NONE;
	__u8 res = DMAPOOL_RES_OK;

	f.arg[0] = farg(ctx, alloc_arg_size);
	f.arg[1] = farg(ctx, alloc_arg_cpu_addr);
	f.arg[2] = farg(ctx, alloc_arg_gfp);
	f.arg[3] = farg(ctx, alloc_arg_phys_ok);
	f.arg[4] = farg(ctx, alloc_arg_dev);
	f.ctx = read_ctx();
	if (page) {
		bpf_probe_read_kernel(&vaddr, sizeof(vaddr), (void *)f.arg[1]);
		pool = cap_pool_of(vaddr);
	} else {
		res = cap_fail_result(f.arg[0], f.arg[2], f.arg[3], f.arg[4]);
	}
	cap_alloc(&f, now, vaddr, pool, res);
	return 0;
}

/* Capture: a free, at its call, before the pool can hand the block out. */
SEC("fentry/dma_free_from_pool")
int fe_free_cap(void *ctx)
{
	cap_free(farg(ctx, free_arg_start));
	return 0;
}

SEC("fentry/dma_free_from_pool")
int fe_free(void *ctx)
{
	free_enter(farg(ctx, free_arg_start), farg(ctx, free_arg_size));
	return 0;
}

SEC("fexit/dma_free_from_pool")
int fx_free(void *ctx)
{
	struct dmapool_counters *c = dmapool_counters();
	struct kpool_frame f = {};
	bool paired;

	if (!c)
		return 0;
	paired = pop(FRAME_FREE, c, &f);
	f.arg[0] = farg(ctx, free_arg_start);
	f.arg[1] = farg(ctx, free_arg_size);
	free_exit(fret(ctx), &f, paired, c);
	return 0;
}

SEC("fentry/atomic_pool_expand")
int fe_expand(void *ctx)
{
	expand_enter(farg(ctx, expand_arg_pool), farg(ctx, expand_arg_size));
	return 0;
}

SEC("fexit/atomic_pool_expand")
int fx_expand(void *ctx)
{
	expand_exit((__s32)fret(ctx));
	return 0;
}

SEC("fentry/atomic_pool_work_fn")
int fe_work(void *ctx)
{
	work_ts = bpf_ktime_get_ns();
	return 0;
}

SEC("fexit/atomic_pool_work_fn")
int fx_work(void *ctx)
{
	work_exit();
	return 0;
}

/*
 * Not attached: run by the reader (BPF_PROG_TEST_RUN) each interval, so
 * that every pool's size and avail are current even when it had no event;
 * also reads the kernel's atomic_pool_size when the loader gave its address.
 */
SEC("raw_tp")
int walk_pools(void *ctx)
{
	__u32 p;

	for (p = 0; p < DMAPOOL_NR_POOLS; p++)
		pool_walk(p, 0);
	if (atomic_pool_size_var)
		bpf_probe_read_kernel(&atomic_pool_size_now, sizeof(atomic_pool_size_now),
				      (void *)atomic_pool_size_var);
	return 0;
}

/* kprobes: where trampolines are missing (or --attach kprobe). */

static __always_inline __u64 karg(struct pt_regs *regs, __u32 n)
{
	switch (n) {
	case 0:
		return PT_REGS_PARM1_CORE(regs);
	case 1:
		return PT_REGS_PARM2_CORE(regs);
	case 2:
		return PT_REGS_PARM3_CORE(regs);
	case 3:
		return PT_REGS_PARM4_CORE(regs);
	case 4:
		return PT_REGS_PARM5_CORE(regs);
	default:
		return 0;
	}
}

SEC("kprobe/dma_alloc_from_pool")
int kp_alloc(struct pt_regs *regs)
{
	push(FRAME_ALLOC, karg(regs, alloc_arg_size),
	     karg(regs, alloc_arg_cpu_addr), karg(regs, alloc_arg_gfp),
	     karg(regs, alloc_arg_phys_ok), karg(regs, alloc_arg_dev));
	return 0;
}

/* kretprobes have only the entry's frame for the arguments. */
SEC("kretprobe/dma_alloc_from_pool")
int kr_alloc(struct pt_regs *regs)
{
	struct dmapool_counters *c = dmapool_counters();
	struct kpool_frame f;

	if (c && pop(FRAME_ALLOC, c, &f))
		alloc_exit(regs, PT_REGS_RC_CORE(regs), &f, c);
	return 0;
}

SEC("kprobe/dma_free_from_pool")
int kp_free(struct pt_regs *regs)
{
	free_enter(karg(regs, free_arg_start), karg(regs, free_arg_size));
	return 0;
}

SEC("kretprobe/dma_free_from_pool")
int kr_free(struct pt_regs *regs)
{
	struct dmapool_counters *c = dmapool_counters();
	struct kpool_frame f;

	if (c && pop(FRAME_FREE, c, &f))
		free_exit(PT_REGS_RC_CORE(regs), &f, true, c);
	return 0;
}

SEC("kprobe/atomic_pool_expand")
int kp_expand(struct pt_regs *regs)
{
	expand_enter(karg(regs, expand_arg_pool), karg(regs, expand_arg_size));
	return 0;
}

SEC("kretprobe/atomic_pool_expand")
int kr_expand(struct pt_regs *regs)
{
	expand_exit((__s32)PT_REGS_RC_CORE(regs));
	return 0;
}

SEC("kprobe/atomic_pool_work_fn")
int kp_work(struct pt_regs *regs)
{
	work_ts = bpf_ktime_get_ns();
	return 0;
}

SEC("kretprobe/atomic_pool_work_fn")
int kr_work(struct pt_regs *regs)
{
	work_exit();
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
