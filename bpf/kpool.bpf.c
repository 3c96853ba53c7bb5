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
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "dmapool.h"
#include "maps.bpf.h"
#include "ctx.bpf.h"
#include "pool_logic.h"

/* Set by the loader. */
const volatile __u64 pool_var[DMAPOOL_NR_POOLS];	/* &atomic_pool_<pool> */
const volatile __u32 alloc_arg_size = 1;
const volatile __u32 alloc_arg_cpu_addr = 2;
const volatile __u32 alloc_arg_gfp = 3;
const volatile __u32 alloc_arg_phys_ok = 4;
const volatile __u32 free_arg_start = 1;
const volatile __u32 free_arg_size = 2;
const volatile __u32 expand_arg_pool;
const volatile __u32 expand_arg_size = 1;
const volatile __u32 sem;	/* enum dmapool_sem: the kernel's pool rules */

/* Last seen state of each pool (walked at each of its events). */
__u64 pool_size[DMAPOOL_NR_POOLS];
__u64 pool_avail[DMAPOOL_NR_POOLS];
__u64 pool_expansions[DMAPOOL_NR_POOLS];

#define KPOOL_GFP_DMA		0x01u
#define KPOOL_GFP_DMA32		0x04u
#define KPOOL_MAX_CHUNKS	64
#define KPOOL_MAX_DEPTH		4	/* task, softirq, hardirq, NMI: 2^n */

enum { FRAME_ALLOC, FRAME_FREE };

struct kpool_frame {
	__u64 ts;
	__u64 arg[4];
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
	__u64 size = 0, avail = 0;
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

		if (addr >= start && addr <= end)
			found = true;
		size += end - start + 1;
		avail += BPF_CORE_READ(ch, avail.counter);
		pos = BPF_CORE_READ(ch, next_chunk.next);
	}
	pool_size[p] = size;
	pool_avail[p] = avail;
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
static __always_inline __u32 first_pool(__u64 gfp)
{
	bool present[DMAPOOL_NR_POOLS];
	int zone = DMAPOOL_ZONE_KERNEL;
	__u32 p;

	if (gfp & KPOOL_GFP_DMA32)
		zone = DMAPOOL_ZONE_DMA32;
	else if (gfp & KPOOL_GFP_DMA)
		zone = DMAPOOL_ZONE_DMA;
	for (p = 0; p < DMAPOOL_NR_POOLS; p++)
		present[p] = pool_ptr(p);
	return dmapool_guess_pool(present, DMAPOOL_POOL_NONE, zone, sem);
}

static __always_inline struct kpool_stack *stack(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&stacks, &zero);
}

static __always_inline void push(__u32 kind, __u64 a0, __u64 a1, __u64 a2,
				 __u64 a3)
{
	struct kpool_stack *s = stack();
	struct kpool_frame *f;
	__u32 d;

	if (!s)
		return;
	d = s->depth;
	if (d >= KPOOL_MAX_DEPTH) {
		struct dmapool_counters *c = dmapool_counters();

		if (c)
			c->unpaired++;
		return;
	}
	f = &s->f[d & (KPOOL_MAX_DEPTH - 1)];	/* a bound the verifier keeps */
	f->kind = kind;
	f->arg[0] = a0;
	f->arg[1] = a1;
	f->arg[2] = a2;
	f->arg[3] = a3;
	f->task = bpf_get_current_task();
	f->ctx = read_ctx();
	f->ts = bpf_ktime_get_ns();
	s->depth = d + 1;
}

/* The frame of the call returning now, or NULL (counted as unpaired). */
static __always_inline struct kpool_frame *pop(__u32 kind,
					       struct dmapool_counters *c)
{
	struct kpool_stack *s = stack();
	struct kpool_frame *f;
	__u32 d;

	if (!s)
		return NULL;
	d = s->depth;
	if (d == 0 || d > KPOOL_MAX_DEPTH) {
		c->unpaired++;
		return NULL;
	}
	s->depth = d - 1;
	f = &s->f[(d - 1) & (KPOOL_MAX_DEPTH - 1)];
	/* A missed entry or a migrated caller would pair the wrong frames. */
	if (f->kind != kind || f->task != bpf_get_current_task()) {
		c->unpaired++;
		return NULL;
	}
	return f;
}

static __always_inline void alloc_exit(__u64 page)
{
	struct dmapool_counters *c = dmapool_counters();
	__u64 now = bpf_ktime_get_ns(), size, vaddr = 0;
	struct kpool_frame *f;
	__u32 pool, first;

	if (!c)
		return;
	f = pop(FRAME_ALLOC, c);
	if (!f)
		return;
	size = f->arg[0];
	if (!page) {
		/*
		 * No pool at all for the gfp: "Failed to get suitable pool";
		 * else pools were tried: "DMA pool exhausted".
		 */
		__u8 res = first_pool(f->arg[2]) == DMAPOOL_POOL_NONE ?
			   DMAPOOL_RES_NO_POOL : DMAPOOL_RES_EXHAUSTED;

		dmapool_count_alloc(c, size, res);
		dmapool_count_exhausted(c, res);
		hist_add(DMAPOOL_OP_ALLOC, DMAPOOL_POOL_NONE, f->ctx, size,
			 now - f->ts);
		return;
	}
	bpf_probe_read_kernel(&vaddr, sizeof(vaddr), (void *)f->arg[1]);
	pool = pool_of(vaddr);
	dmapool_count_alloc(c, size, DMAPOOL_RES_OK);
	hist_add(DMAPOOL_OP_ALLOC, pool, f->ctx, size, now - f->ts);
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

static __always_inline void free_exit(__u64 freed)
{
	struct dmapool_counters *c = dmapool_counters();
	__u64 now = bpf_ktime_get_ns();
	struct kpool_frame *f;

	if (!c)
		return;
	f = pop(FRAME_FREE, c);
	if (!f || !(freed & 0xff))	/* bool: false, not a pool block */
		return;
	dmapool_count_free(c, f->arg[1]);
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
	     farg(ctx, alloc_arg_phys_ok));
	return 0;
}

SEC("fexit/dma_alloc_from_pool")
int fx_alloc(void *ctx)
{
	alloc_exit(fret(ctx));
	return 0;
}

SEC("fentry/dma_free_from_pool")
int fe_free(void *ctx)
{
	push(FRAME_FREE, farg(ctx, free_arg_start), farg(ctx, free_arg_size),
	     0, 0);
	return 0;
}

SEC("fexit/dma_free_from_pool")
int fx_free(void *ctx)
{
	free_exit(fret(ctx));
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
	     karg(regs, alloc_arg_phys_ok));
	return 0;
}

SEC("kretprobe/dma_alloc_from_pool")
int kr_alloc(struct pt_regs *regs)
{
	alloc_exit(PT_REGS_RC_CORE(regs));
	return 0;
}

SEC("kprobe/dma_free_from_pool")
int kp_free(struct pt_regs *regs)
{
	push(FRAME_FREE, karg(regs, free_arg_start),
	     karg(regs, free_arg_size), 0, 0);
	return 0;
}

SEC("kretprobe/dma_free_from_pool")
int kr_free(struct pt_regs *regs)
{
	free_exit(PT_REGS_RC_CORE(regs));
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
