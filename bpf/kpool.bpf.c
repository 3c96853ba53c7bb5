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
const volatile bool collect_stacks;	/* a kernel stack per holder */

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
				 __u64 a3, __u64 a4)
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
	s->depth = d - 1;
	f = &s->f[(d - 1) & (KPOOL_MAX_DEPTH - 1)];
	/* A missed entry or a migrated caller would pair the wrong frames. */
	if (f->kind != kind || f->task != bpf_get_current_task()) {
		c->unpaired++;
		return false;
	}
	*out = *f;
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

/* The holder of key @k; its names are read once, when it is created. */
static __always_inline struct dmapool_holder *
dev_holder(const struct dmapool_holder_key *k, struct dmapool_counters *c)
{
	struct dmapool_holder *h = bpf_map_lookup_elem(&holders, k);
	struct dmapool_holder init = {};

	if (h)
		return h;
	dev_names((struct device *)k->dev, init.dev_name, init.driver);
	return holder_create(k, &init, c);
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
 * Why every pool failed: none for the gfp ("Failed to get suitable pool"),
 * or pools tried ("DMA pool exhausted"), refined: with a device mask check
 * and a pool with room enough, the check must have refused its blocks
 * (addr_rejected; a pool too fragmented for the size looks the same).
 */
static __always_inline __u8 fail_result(const struct kpool_frame *f)
{
	__u32 p;

	if (first_pool(f->arg[2]) == DMAPOOL_POOL_NONE)
		return DMAPOOL_RES_NO_POOL;
	if (!f->arg[3])
		return DMAPOOL_RES_EXHAUSTED;
	for (p = 0; p < DMAPOOL_NR_POOLS; p++) {
		pool_walk(p, 0);
		if (pool_ptr(p) && pool_avail[p] >= f->arg[0])
			return DMAPOOL_RES_ADDR;
	}
	return DMAPOOL_RES_EXHAUSTED;
}

/* Attribution of one allocation that returned @vaddr (0: failed). */
static __always_inline void track_alloc(void *ctx, const struct kpool_frame *f,
					__u64 vaddr, __u32 pool, __u64 now,
					__u8 res, struct dmapool_counters *c)
{
	struct dmapool_holder_key k = {
		.dev = f->arg[4],
		.stack_id = kstack_id(ctx, c),
	};
	struct dmapool_holder *h = dev_holder(&k, c);

	if (h)
		holder_count(h, f->arg[0], vaddr != 0);
	if (vaddr)
		block_add(vaddr, &k, f->arg[0], pool, f->ctx, c);
	else
		fail_event(f, now, k.stack_id, res, c);
}

static __always_inline void alloc_exit(void *ctx, __u64 page)
{
	struct dmapool_counters *c = dmapool_counters();
	__u64 now = bpf_ktime_get_ns(), size, vaddr = 0;
	struct kpool_frame f;
	__u32 pool, first;

	if (!c || !pop(FRAME_ALLOC, c, &f))
		return;
	size = f.arg[0];
	if (!page) {
		__u8 res = fail_result(&f);

		dmapool_count_alloc(c, size, res);
		dmapool_count_exhausted(c, res);
		hist_add(DMAPOOL_OP_ALLOC, DMAPOOL_POOL_NONE, f.ctx, size,
			 now - f.ts);
		if (track_blocks)
			track_alloc(ctx, &f, 0, DMAPOOL_POOL_NONE, now, res, c);
		else
			fail_event(&f, now, -1, res, c);
		return;
	}
	bpf_probe_read_kernel(&vaddr, sizeof(vaddr), (void *)f.arg[1]);
	pool = pool_of(vaddr);
	dmapool_count_alloc(c, size, DMAPOOL_RES_OK);
	hist_add(DMAPOOL_OP_ALLOC, pool, f.ctx, size, now - f.ts);
	if (track_blocks && vaddr)
		track_alloc(ctx, &f, vaddr, pool, now, DMAPOOL_RES_OK, c);
	first = first_pool(f.arg[2]);
	if (pool < DMAPOOL_NR_POOLS && pool != first) {
		/*
		 * Without a mask check only exhaustion moves on; with one, a
		 * first pool with room enough must have offered a block the
		 * check refused (or been too fragmented: we cannot tell).
		 */
		__u8 why = DMAPOOL_FB_EXHAUSTED;

		if (f.arg[3]) {
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

static __always_inline void free_exit(__u64 freed)
{
	struct dmapool_counters *c = dmapool_counters();
	__u64 now = bpf_ktime_get_ns();
	struct kpool_frame f;

	if (!c || !pop(FRAME_FREE, c, &f))
		return;
	if (!(freed & 0xff))	/* bool: false, not a pool block */
		return;
	if (track_blocks && !f.arg[2])
		c->frees_untracked++;
	dmapool_count_free(c, f.arg[1]);
	hist_add(DMAPOOL_OP_FREE, pool_of(f.arg[0]), f.ctx, f.arg[1],
		 now - f.ts);
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

SEC("fexit/dma_alloc_from_pool")
int fx_alloc(void *ctx)
{
	alloc_exit(ctx, fret(ctx));
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

/*
 * Not attached: run by the reader (BPF_PROG_TEST_RUN) each interval, so
 * that every pool's size and avail are current even when it had no event.
 */
SEC("raw_tp")
int walk_pools(void *ctx)
{
	__u32 p;

	for (p = 0; p < DMAPOOL_NR_POOLS; p++)
		pool_walk(p, 0);
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

SEC("kretprobe/dma_alloc_from_pool")
int kr_alloc(struct pt_regs *regs)
{
	alloc_exit(regs, PT_REGS_RC_CORE(regs));
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
