/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Layouts shared by bpf/dmapool.bpf.c and the CLI: histogram scheme, map
 * keys and values. Fixed-width types only.
 */
#ifndef __DMAPOOL_BPF_H
#define __DMAPOOL_BPF_H

#include "dmapool_bench.h"

/*
 * Latency histograms are log-linear: values below 16 ns have a bucket each;
 * above, every power of two is split into 16 equal sub-buckets, so a
 * percentile read at a bucket's middle is within 1/32 (~3 %) of the truth.
 * Summing a power's sub-buckets gives the log2 histogram for display.
 */
#define DMAPOOL_HIST_SUB_BITS	4
#define DMAPOOL_HIST_SUB	(1u << DMAPOOL_HIST_SUB_BITS)
#define DMAPOOL_HIST_MAX_POW	40	/* 2^40 ns: 18 minutes */
#define DMAPOOL_HIST_BUCKETS	\
	((DMAPOOL_HIST_MAX_POW - DMAPOOL_HIST_SUB_BITS + 2) * DMAPOOL_HIST_SUB)

#define DMAPOOL_NR_ORDERS	11	/* size orders 0..10: 4K..4M */
#define DMAPOOL_HIST_POOLS	(DMAPOOL_NR_POOLS + 1)	/* last: failed */

#define DMAPOOL_HIST_KEYS \
	(DMAPOOL_NR_OPS * DMAPOOL_HIST_POOLS * DMAPOOL_NR_CTX * DMAPOOL_NR_ORDERS)

/*
 * Per-stream aggregation (bpf/dmapool.bpf.c), for a run of several streams:
 * the `stream_counters` map holds one struct dmapool_counters per stream
 * (index: the tracepoints' stream), the `stream_hists` map the histograms
 * of stream S at keys S * DMAPOOL_HIST_KEYS + dmapool_hist_key(). The
 * loader sizes stream_hists to the run's streams before load.
 */
static inline __u32 dmapool_stream_hist_key(__u32 stream, __u32 key)
{
	return stream * DMAPOOL_HIST_KEYS + key;
}

/* One latency histogram (value of the per-CPU `hists` map). */
struct dmapool_hist {
	__u64 count;
	__u64 sum;			/* ns */
	__u64 max;			/* ns */
	__u64 slots[DMAPOOL_HIST_BUCKETS];
};

/* Event counters (the per-CPU `counters` map, one entry). */
struct dmapool_counters {
	__u64 events[DMAPOOL_NR_EVENTS];
	__u64 allocs;
	__u64 fails;
	__u64 frees;
	__u64 results[DMAPOOL_NR_RES];
	__u64 fallbacks[DMAPOOL_NR_POOLS][DMAPOOL_NR_POOLS][DMAPOOL_NR_FB];
	__u64 failures[DMAPOOL_NR_FAIL];	/* pool_exhausted, by kind */
	__s64 live_bytes;		/* allocated minus freed */
	__u64 expansions;
	__u64 expand_fails;
	__u64 expand_ns;		/* summed expansion latency */
	__u64 samples_dropped;		/* the sample array was full */
	/* Kernel target only (bpf/kpool.bpf.c): */
	__u64 work_runs;		/* atomic_pool_work_fn runs */
	__u64 work_ns;			/* their summed duration */
	__u64 unpaired;			/* an exit without its entry (nesting) */
	/* Attribution (monitor --by), when the loader turns it on: */
	__u64 blocks_untracked;		/* allocations the blocks map had no room for */
	__u64 frees_untracked;		/* frees of blocks not in it (allocated before attach) */
	__u64 holders_dropped;		/* events of a holder the holders map had no room for */
	__u64 stacks_lost;		/* bpf_get_stackid() failed (map full, collision) */
	__u64 fail_events_dropped;	/* the failure ring buffer was full */
};

/*
 * Holder attribution (monitor --by): who holds the outstanding blocks.
 *
 * Every allocation that succeeds while attribution is on goes into the
 * `blocks` hash map, keyed by the block's address (kernel target: its
 * virtual address; bench target: its physical address, which the
 * tracepoints carry), and leaves it at its free. Its holder is the device
 * and kernel stack that asked (kernel target) or the CPU and context of the
 * load generator (bench target); the `holders` hash map keeps each holder's
 * cumulative counts. Live bytes, blocks and the oldest block's age are
 * summed from `blocks` by the reader, so nothing on the BPF side has to be
 * kept consistent between the two maps.
 */
#define DMAPOOL_NAME_LEN	32	/* dev_name() and driver name, cut to fit */
#define DMAPOOL_STACK_DEPTH	32	/* kernel frames kept per stack */
#define DMAPOOL_MAX_HOLDERS	1024	/* entries of the holders map */
#define DMAPOOL_MAX_STACKS	1024	/* entries of the stack map */

struct dmapool_holder_key {
	__u64 dev;			/* kernel: struct device *; bench: 0 */
	__s32 stack_id;			/* kernel --by stack: stack map id; else -1 */
	__u16 cpu;			/* bench: the CPU */
	__u8 ctx;			/* bench: enum dmapool_ctx */
	__u8 pad;
};

/* The `holders` map's value: cumulative since attach. */
struct dmapool_holder {
	__u64 allocs;
	__u64 frees;			/* of blocks this holder allocated */
	__u64 fails;
	__u64 alloc_bytes;		/* bytes */
	__u64 name_ptr;			/* the dev_name() the names were read from */
	char dev_name[DMAPOOL_NAME_LEN];	/* kernel target */
	char driver[DMAPOOL_NAME_LEN];		/* kernel target; "" unbound */
};

/* The `blocks` map's value: one outstanding block. */
struct dmapool_block {
	struct dmapool_holder_key holder;
	__u64 size;			/* bytes */
	__u64 ts_ns;			/* bpf_ktime_get_ns() at its allocation */
	__s32 stack_id;			/* kernel: its stack (also with --by dev); -1 */
	__u8 pool;			/* enum dmapool_pool */
	__u8 ctx;			/* enum dmapool_ctx */
	__u8 pad[2];
};

/* One failed allocation of the kernel's pools (the `fail_events` ring). */
struct dmapool_fail_event {
	__u64 ts_ns;			/* bpf_ktime_get_ns() */
	__u64 dev;			/* struct device * */
	__u64 size;			/* bytes */
	__u64 gfp;
	__u64 mask;			/* the device's coherent_dma_mask */
	__s32 stack_id;			/* -1: none */
	__u8 kind;			/* enum dmapool_fail_kind */
	__u8 result;			/* enum dmapool_result */
	__u8 ctx;			/* enum dmapool_ctx */
	__u8 pad;
	char dev_name[DMAPOOL_NAME_LEN];
	char driver[DMAPOOL_NAME_LEN];
};

/*
 * capture (kernel target, kpool.bpf.c with `capture` set): one event per
 * dma_alloc_from_pool() return, and one per dma_free_from_pool() of a pool
 * block, taken at its entry (before the block can be handed out again), in
 * the `cap_events` ring buffer. A free's event always follows its block's
 * allocation event there; times are bpf_ktime_get_ns().
 */
enum dmapool_cap_type {
	DMAPOOL_CAP_ALLOC = 1,
	DMAPOOL_CAP_FREE = 2,
};

struct dmapool_cap_event {
	__u64 ts_ns;			/* alloc: at the return; free: at the call */
	__u64 addr;			/* the block's virtual address; 0: failed */
	__u64 dev;			/* alloc: struct device * */
	__u64 size;			/* alloc: bytes asked */
	__u64 gfp;			/* alloc */
	__u64 mask;			/* alloc: the device's coherent_dma_mask */
	__u8 type;			/* enum dmapool_cap_type */
	__u8 pool;			/* alloc: enum dmapool_pool that served it */
	__u8 result;			/* alloc: enum dmapool_result */
	__u8 zone;			/* alloc: enum dmapool_zone its gfp asks for */
	__u8 ctx;			/* enum dmapool_ctx of the call */
	__u8 pad[3];
	char dev_name[DMAPOOL_NAME_LEN];	/* alloc */
	char driver[DMAPOOL_NAME_LEN];		/* alloc; "" unbound */
};

/* A pool_state or pool_expand event, in the `samples` array. */
struct dmapool_sample {
	__u64 ts_ns;			/* bpf_ktime_get_ns() */
	__u64 size;			/* state: pool size; expand: size after */
	__u64 avail;			/* state */
	__u64 largest_free;		/* state */
	__u64 requested;		/* expand */
	__u64 obtained;			/* expand */
	__u64 latency_ns;		/* expand */
	__u32 chunks;			/* state */
	__u32 order;			/* expand */
	__s32 result;			/* expand */
	__u8 kind;			/* DMAPOOL_EV_STATE or DMAPOOL_EV_EXPAND */
	__u8 pool;
	__u8 pad[2];
};

#define DMAPOOL_MAX_SAMPLES	8192

static inline __u32 dmapool_log2(__u64 v)
{
	__u32 r, shift;

	r = (v > 0xffffffffull) << 5;
	v >>= r;
	shift = (v > 0xffff) << 4;
	v >>= shift;
	r |= shift;
	shift = (v > 0xff) << 3;
	v >>= shift;
	r |= shift;
	shift = (v > 0xf) << 2;
	v >>= shift;
	r |= shift;
	shift = (v > 0x3) << 1;
	v >>= shift;
	r |= shift;
	return r | (__u32)(v >> 1);
}

/* The log-linear bucket of @v. */
static inline __u32 dmapool_hist_bucket(__u64 v)
{
	__u32 pow;

	if (v < DMAPOOL_HIST_SUB)
		return (__u32)v;
	pow = dmapool_log2(v);
	if (pow > DMAPOOL_HIST_MAX_POW)
		return DMAPOOL_HIST_BUCKETS - 1;
	return (pow - DMAPOOL_HIST_SUB_BITS + 1) * DMAPOOL_HIST_SUB +
	       (__u32)((v >> (pow - DMAPOOL_HIST_SUB_BITS)) &
		       (DMAPOOL_HIST_SUB - 1));
}

/* get_order() of a byte size, clamped to the histogram's orders. */
static inline __u32 dmapool_size_order(__u64 size)
{
	__u64 pages = (size + DMAPOOL_PAGE_SIZE - 1) / DMAPOOL_PAGE_SIZE;
	__u32 order = pages <= 1 ? 0 : dmapool_log2(pages - 1) + 1;

	return order < DMAPOOL_NR_ORDERS ? order : DMAPOOL_NR_ORDERS - 1;
}

static inline __u32 dmapool_hist_key(__u32 op, __u32 pool, __u32 ctx,
				     __u32 order)
{
	if (pool >= DMAPOOL_NR_POOLS)
		pool = DMAPOOL_NR_POOLS;
	if (ctx >= DMAPOOL_NR_CTX)
		ctx = DMAPOOL_NR_CTX - 1;
	return ((op * DMAPOOL_HIST_POOLS + pool) * DMAPOOL_NR_CTX + ctx) *
	       DMAPOOL_NR_ORDERS + order;
}

/*
 * The accounting of one event, shared by the BPF programs (on per-CPU map
 * values) and by `report` (on the same structs in memory), so that a raw
 * ftrace recording and the BPF maps of the same run count alike.
 */
/* BPF: bpf_helpers.h defines it; userspace: plain inline will do. */
#ifndef __always_inline
#define __always_inline inline
#endif

static __always_inline void dmapool_hist_add(struct dmapool_hist *h, __u64 ns)
{
	__u32 b = dmapool_hist_bucket(ns);

	if (b >= DMAPOOL_HIST_BUCKETS)
		b = DMAPOOL_HIST_BUCKETS - 1;
	h->slots[b]++;
	h->count++;
	h->sum += ns;
	if (ns > h->max)
		h->max = ns;
}

/*
 * @opaque (a constant): check and index results[] with one opaque register.
 * Otherwise the compiler may check one copy of @result and index with
 * another, or reuse what a branch told it, and 6.1's verifier loses the
 * bound: bpf/dmapool.bpf.c's per-stream subprograms need it. kpool.bpf.c's
 * kprobe programs must not have it: there it costs 6.1's verifier more than
 * its 1M-instruction budget (E2BIG), so they keep the plain check.
 */
static __always_inline void __dmapool_count_alloc(struct dmapool_counters *c,
						  __u64 size, __u8 result,
						  const int opaque)
{
	__u32 r = result;

	c->events[DMAPOOL_EV_ALLOC]++;
	if (opaque) {
		__asm__ __volatile__("" : "+r"(r));
		if (r < DMAPOOL_NR_RES)
			c->results[r]++;
	}
	if (result == DMAPOOL_RES_OK) {
		c->allocs++;
		/* Also written by frees, which a hardirq alloc can interrupt. */
		__sync_fetch_and_add(&c->live_bytes, size);
	} else {
		c->fails++;
	}
	if (!opaque && result < DMAPOOL_NR_RES)
		c->results[result]++;
}

#define dmapool_count_alloc(c, size, result) \
	__dmapool_count_alloc(c, size, result, 0)
#define dmapool_count_alloc_opaque(c, size, result) \
	__dmapool_count_alloc(c, size, result, 1)

static __always_inline void dmapool_count_free(struct dmapool_counters *c,
					       __u64 size)
{
	c->events[DMAPOOL_EV_FREE]++;
	c->frees++;
	__sync_fetch_and_sub(&c->live_bytes, size);
}

static __always_inline void dmapool_count_fallback(struct dmapool_counters *c,
						   __u8 from, __u8 to,
						   __u8 reason)
{
	__u32 idx = ((__u32)from * DMAPOOL_NR_POOLS + to) * DMAPOOL_NR_FB +
		    reason;

	c->events[DMAPOOL_EV_FALLBACK]++;
	/* Bound the flat index itself: the verifier keeps that for the access. */
	if (from < DMAPOOL_NR_POOLS && to < DMAPOOL_NR_POOLS &&
	    reason < DMAPOOL_NR_FB && idx < sizeof(c->fallbacks) / sizeof(__u64))
		(&c->fallbacks[0][0][0])[idx]++;
}

static __always_inline void dmapool_count_expand(struct dmapool_counters *c,
						 __u64 latency_ns, __s32 result)
{
	c->events[DMAPOOL_EV_EXPAND]++;
	if (result)
		c->expand_fails++;
	else
		c->expansions++;
	c->expand_ns += latency_ns;
}

/* A failed allocation, @result its enum dmapool_result. */
static __always_inline void dmapool_count_exhausted(struct dmapool_counters *c,
						    __u8 result)
{
	c->events[DMAPOOL_EV_EXHAUSTED]++;
	if (DMAPOOL_FAIL_KIND(result) == DMAPOOL_FAIL_NO_POOL)
		c->failures[DMAPOOL_FAIL_NO_POOL]++;
	else
		c->failures[DMAPOOL_FAIL_EXHAUSTED]++;
}

static __always_inline void dmapool_count_state(struct dmapool_counters *c)
{
	c->events[DMAPOOL_EV_STATE]++;
}

/* The timeline samples of pool_expand and pool_state, @ts in mono ns. */
static __always_inline void
dmapool_sample_expand(struct dmapool_sample *s, __u64 ts, __u8 pool,
		      __u64 requested, __u64 obtained, __u32 order,
		      __u64 latency_ns, __u64 size_after, __s32 result)
{
	s->ts_ns = ts;
	s->kind = DMAPOOL_EV_EXPAND;
	s->pool = pool;
	s->requested = requested;
	s->obtained = obtained;
	s->order = order;
	s->latency_ns = latency_ns;
	s->size = size_after;
	s->result = result;
}

static __always_inline void
dmapool_sample_state(struct dmapool_sample *s, __u64 ts, __u8 pool, __u64 size,
		     __u64 avail, __u64 largest_free, __u32 chunks)
{
	s->ts_ns = ts;
	s->kind = DMAPOOL_EV_STATE;
	s->pool = pool;
	s->size = size;
	s->avail = avail;
	s->largest_free = largest_free;
	s->chunks = chunks;
}

#endif /* __DMAPOOL_BPF_H */
