/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * dmapool-bench: the one definition of the enums, names and limits shared by
 * the module (bench-module/), the BPF programs (bpf/) and the CLI (tools/).
 *
 * Plain C with fixed-width types only: it is included by kernel code, by BPF
 * objects built against vmlinux.h, and by C11 userspace.
 */
#ifndef _UAPI_DMAPOOL_BENCH_H
#define _UAPI_DMAPOOL_BENCH_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* Pools, in the order upstream's pool.c declares them. */
enum dmapool_pool {
	DMAPOOL_POOL_DMA = 0,		/* GFP_DMA: ZONE_DMA (x86: below 16 MiB) */
	DMAPOOL_POOL_DMA32 = 1,		/* GFP_DMA32: ZONE_DMA32 (below 4 GiB) */
	DMAPOOL_POOL_KERNEL = 2,	/* no zone modifier: ZONE_NORMAL */
	DMAPOOL_NR_POOLS = 3,
	DMAPOOL_POOL_NONE = 255,	/* no pool (failed allocation) */
};

#define DMAPOOL_POOL_NAMES { "dma", "dma32", "kernel" }

/* The context an operation ran in. */
enum dmapool_ctx {
	DMAPOOL_CTX_HARDIRQ = 0,
	DMAPOOL_CTX_SOFTIRQ = 1,
	DMAPOOL_CTX_ATOMIC = 2,		/* IRQs off or preemption disabled */
	DMAPOOL_CTX_PROCESS = 3,
	DMAPOOL_NR_CTX = 4,
};

#define DMAPOOL_CTX_NAMES { "hardirq", "softirq", "atomic", "process" }

/* Outcome of one allocation through the pool chain. */
enum dmapool_result {
	DMAPOOL_RES_OK = 0,
	DMAPOOL_RES_EXHAUSTED = 1,	/* every pool tried was full */
	DMAPOOL_RES_ADDR = 2,		/* blocks found, none fit the device mask */
	DMAPOOL_RES_NO_POOL = 3,	/* no pool exists for the request */
	DMAPOOL_NR_RES = 4,
};

#define DMAPOOL_RES_NAMES { "ok", "exhausted", "addr_rejected", "no_pool" }

/*
 * The kernel's two kinds of failed allocation (dma_alloc_from_pool() since
 * 56c430c7f06d): no pool fits the request at all, "Failed to get suitable
 * pool" (a configuration error, always warned), or pools were tried and
 * none served, "DMA pool exhausted" (warned unless __GFP_NOWARN). Of our
 * results, DMAPOOL_RES_NO_POOL is the first kind; DMAPOOL_RES_EXHAUSTED and
 * DMAPOOL_RES_ADDR (every block the mask rejected) are the second.
 */
enum dmapool_fail_kind {
	DMAPOOL_FAIL_NO_POOL = 0,	/* "Failed to get suitable pool" */
	DMAPOOL_FAIL_EXHAUSTED = 1,	/* "DMA pool exhausted" */
	DMAPOOL_NR_FAIL = 2,
};

#define DMAPOOL_FAIL_NAMES { "no_suitable_pool", "exhausted" }

/* The kind of a failed enum dmapool_result. */
#define DMAPOOL_FAIL_KIND(res)						\
	((res) == DMAPOOL_RES_NO_POOL ? DMAPOOL_FAIL_NO_POOL :		\
	 DMAPOOL_FAIL_EXHAUSTED)

/* Why an allocation moved on to the next pool. */
enum dmapool_fallback_reason {
	DMAPOOL_FB_EXHAUSTED = 0,	/* gen_pool_alloc() found no room */
	DMAPOOL_FB_ADDR_REJECTED = 1,	/* the block failed the mask check */
	DMAPOOL_NR_FB = 2,
};

#define DMAPOOL_FB_NAMES { "exhausted", "addr_rejected" }

/* The gfp zone an allocation asks for (what dma_alloc_coherent() passes). */
enum dmapool_zone {
	DMAPOOL_ZONE_KERNEL = 0,
	DMAPOOL_ZONE_DMA32 = 1,
	DMAPOOL_ZONE_DMA = 2,
	DMAPOOL_NR_ZONES = 3,
};

#define DMAPOOL_ZONE_NAMES { "kernel", "dma32", "dma" }

/* Limits enforced by the module's parsers and by the CLI. */
#define DMAPOOL_PAGE_SIZE		4096u
#define DMAPOOL_MIN_POOL_SIZE		(128u << 10)	/* bytes: upstream minimum default */
#define DMAPOOL_MAX_COHERENT_POOL	(1ull << 30)	/* bytes: largest coherent_pool= we accept */
#define DMAPOOL_MAX_ALLOC_SIZE		(4u << 20)	/* bytes: one allocation, = MAX_ORDER_NR_PAGES pages */
#define DMAPOOL_MAX_CMD_COUNT		65536u		/* allocations per `alloc` command */
#define DMAPOOL_MAX_HANDLES		65536u		/* outstanding `alloc` command blocks */
#define DMAPOOL_MAX_CMD_LEN		256u		/* bytes in one command line */
#define DMAPOOL_MAX_STATE_PERIOD_MS	60000u
#define DMAPOOL_MAX_TEST_SPIN_NS	100000u	/* test_spin_ns: at most 100 us */
#define DMAPOOL_MASK_BITS_MIN		24u
#define DMAPOOL_MASK_BITS_MAX		64u

/* Load generator run spec limits (the control file's key=value line). */
#define DMAPOOL_MAX_SPEC_LEN		1024u		/* bytes in one control line */
#define DMAPOOL_MAX_CPUS		64u		/* CPU ids 0..63 */
#define DMAPOOL_MAX_SIZES		16u		/* entries in a size list */
#define DMAPOOL_MAX_WEIGHT		1000u
#define DMAPOOL_MAX_BATCH		256u		/* operations per timer expiry */
#define DMAPOOL_MIN_PERIOD_US		20u		/* timer contexts */
#define DMAPOOL_MAX_PERIOD_US		1000000u
#define DMAPOOL_MAX_DURATION_MS		3600000u
#define DMAPOOL_MAX_OPS			1000000000ull	/* per CPU */
#define DMAPOOL_MAX_OUTSTANDING		65536u		/* held blocks per CPU */
#define DMAPOOL_MAX_HOLD_US		10000000u
#define DMAPOOL_MAX_BURST_MS		60000u
#define DMAPOOL_MAX_WARMUP_MS		60000u

enum dmapool_size_kind {
	DMAPOOL_SIZE_LIST = 0,		/* sizes[] with weights[] (one: fixed) */
	DMAPOOL_SIZE_UNIFORM = 1,	/* uniform in [sizes[0], sizes[1]] bytes */
	DMAPOOL_SIZE_LOGUNIFORM = 2,	/* log-uniform in [sizes[0], sizes[1]] */
};

enum dmapool_hold_kind {
	DMAPOOL_HOLD_NONE = 0,		/* free in the same callback */
	DMAPOOL_HOLD_OPS = 1,		/* free after hold_val more operations */
	DMAPOOL_HOLD_US = 2,		/* free once hold_val us old */
	DMAPOOL_HOLD_DEFERRED = 3,	/* freed by the kthread, process context */
};

/* One run of the load generator, as parsed from the control line. */
struct dmapool_spec {
	__u64 cpus;			/* bitmask of CPU ids */
	__u64 duration_ms;		/* 0: until ops */
	__u64 ops;			/* per CPU; 0: until duration_ms */
	__u64 seed;
	__u64 hold_val;			/* ops or us, by hold_kind */
	__u32 ctx;			/* enum dmapool_ctx */
	__u32 period_us;		/* timer period, or sleep between batches */
	__u32 batch;			/* operations per expiry or per batch */
	__u32 size_kind;		/* enum dmapool_size_kind */
	__u32 nr_sizes;
	__u32 sizes[DMAPOOL_MAX_SIZES];	/* bytes */
	__u32 size_weights[DMAPOOL_MAX_SIZES];
	__u32 hold_kind;		/* enum dmapool_hold_kind */
	__u32 zone_weights[DMAPOOL_NR_ZONES];	/* all 0: zone=auto, from the mask */
	__u32 mask_bits;		/* simulated device coherent mask */
	__u32 burst_on_ms;		/* 0: no bursts */
	__u32 burst_off_ms;
	__u32 warmup_ms;
	__u32 max_outstanding;		/* held blocks per CPU */
};

/* The tracepoint system and event names. */
#define DMAPOOL_TRACE_SYSTEM		"dmapool_bench"
#define DMAPOOL_DEBUGFS_DIR		"dmapool_bench"

#endif /* _UAPI_DMAPOOL_BENCH_H */
