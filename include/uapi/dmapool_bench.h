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

/*
 * Every enum whose values have names is one list of DMAPOOL_EM(VALUE,
 * "name") entries, the last one DMAPOOL_EMe(), as
 * include/trace/events/migrate.h keeps its lists (EM()/EMe() there; ours
 * are prefixed, as a uapi header must not take generic names). Each user
 * defines DMAPOOL_EM() and DMAPOOL_EMe() for what it needs and expands the
 * list: this header the enums (values from 0 in list order), spec.c the name
 * arrays, dmapool_trace.h TRACE_DEFINE_ENUM() and the __print_symbolic()
 * tables. The names are user-visible (trace output, JSON keys, stats lines,
 * CLI arguments): change none of them.
 *
 * A list is one DMAPOOL_EM_LIST() around its entries, so that it reads as
 * one expression (and checkpatch.pl sees one).
 */
#define DMAPOOL_EM_LIST(...)	__VA_ARGS__

/*
 * Pools, in the order upstream's pool.c declares them: dma (GFP_DMA:
 * ZONE_DMA, x86: below 16 MiB), dma32 (GFP_DMA32: ZONE_DMA32, below 4 GiB),
 * kernel (no zone modifier: ZONE_NORMAL).
 */
#define DMAPOOL_POOLS DMAPOOL_EM_LIST(					\
	DMAPOOL_EM(DMAPOOL_POOL_DMA,		"dma")				\
	DMAPOOL_EM(DMAPOOL_POOL_DMA32,		"dma32")			\
	DMAPOOL_EMe(DMAPOOL_POOL_KERNEL,	"kernel"))

/* The name of DMAPOOL_POOL_NONE, which is in no list (it is not a pool). */
#define DMAPOOL_POOL_NONE_NAME	"none"

/* The context an operation ran in; atomic: IRQs or preemption disabled. */
#define DMAPOOL_CTXS DMAPOOL_EM_LIST(					\
	DMAPOOL_EM(DMAPOOL_CTX_HARDIRQ,		"hardirq")			\
	DMAPOOL_EM(DMAPOOL_CTX_SOFTIRQ,		"softirq")			\
	DMAPOOL_EM(DMAPOOL_CTX_ATOMIC,		"atomic")			\
	DMAPOOL_EMe(DMAPOOL_CTX_PROCESS,	"process"))

/*
 * Outcome of one allocation through the pool chain: served, every pool
 * tried was full (exhausted), blocks were found but none fit the device
 * mask (addr_rejected), or no pool exists for the request (no_pool).
 */
#define DMAPOOL_RESULTS DMAPOOL_EM_LIST(				\
	DMAPOOL_EM(DMAPOOL_RES_OK,		"ok")				\
	DMAPOOL_EM(DMAPOOL_RES_EXHAUSTED,	"exhausted")			\
	DMAPOOL_EM(DMAPOOL_RES_ADDR,		"addr_rejected")		\
	DMAPOOL_EMe(DMAPOOL_RES_NO_POOL,	"no_pool"))

/*
 * The kernel's two kinds of failed allocation (dma_alloc_from_pool() since
 * 56c430c7f06d): no pool fits the request at all, "Failed to get suitable
 * pool" (a configuration error, always warned), or pools were tried and
 * none served, "DMA pool exhausted" (warned unless __GFP_NOWARN). Of our
 * results, DMAPOOL_RES_NO_POOL is the first kind; DMAPOOL_RES_EXHAUSTED and
 * DMAPOOL_RES_ADDR (every block the mask rejected) are the second.
 */
#define DMAPOOL_FAIL_KINDS DMAPOOL_EM_LIST(				\
	DMAPOOL_EM(DMAPOOL_FAIL_NO_POOL,	"no_suitable_pool")		\
	DMAPOOL_EMe(DMAPOOL_FAIL_EXHAUSTED,	"exhausted"))

/*
 * Why an allocation moved on to the next pool: gen_pool_alloc() found no
 * room, or the block failed the device mask check.
 */
#define DMAPOOL_FALLBACK_REASONS DMAPOOL_EM_LIST(			\
	DMAPOOL_EM(DMAPOOL_FB_EXHAUSTED,	"exhausted")			\
	DMAPOOL_EMe(DMAPOOL_FB_ADDR_REJECTED,	"addr_rejected"))

/* The gfp zone an allocation asks for (what dma_alloc_coherent() passes). */
#define DMAPOOL_ZONES DMAPOOL_EM_LIST(					\
	DMAPOOL_EM(DMAPOOL_ZONE_KERNEL,		"kernel")			\
	DMAPOOL_EM(DMAPOOL_ZONE_DMA32,		"dma32")			\
	DMAPOOL_EMe(DMAPOOL_ZONE_DMA,		"dma"))

/* The operations the latency histograms are kept by. */
#define DMAPOOL_OPS DMAPOOL_EM_LIST(					\
	DMAPOOL_EM(DMAPOOL_OP_ALLOC,		"alloc")			\
	DMAPOOL_EMe(DMAPOOL_OP_FREE,		"free"))

/* The tracepoints of system DMAPOOL_TRACE_SYSTEM, by name. */
#define DMAPOOL_EVENTS DMAPOOL_EM_LIST(					\
	DMAPOOL_EM(DMAPOOL_EV_ALLOC,		"pool_alloc")			\
	DMAPOOL_EM(DMAPOOL_EV_FREE,		"pool_free")			\
	DMAPOOL_EM(DMAPOOL_EV_FALLBACK,		"pool_fallback")		\
	DMAPOOL_EM(DMAPOOL_EV_EXPAND,		"pool_expand")			\
	DMAPOOL_EM(DMAPOOL_EV_EXHAUSTED,	"pool_exhausted")		\
	DMAPOOL_EMe(DMAPOOL_EV_STATE,		"pool_state"))

#undef DMAPOOL_EM
#undef DMAPOOL_EMe
#define DMAPOOL_EM(a, b)	a,
#define DMAPOOL_EMe(a, b)	a,

enum dmapool_pool {
	DMAPOOL_POOLS
	DMAPOOL_NR_POOLS,
	DMAPOOL_POOL_NONE = 255,	/* no pool (failed allocation) */
};

enum dmapool_ctx {
	DMAPOOL_CTXS
	DMAPOOL_NR_CTX,
};

enum dmapool_result {
	DMAPOOL_RESULTS
	DMAPOOL_NR_RES,
};

enum dmapool_fail_kind {
	DMAPOOL_FAIL_KINDS
	DMAPOOL_NR_FAIL,
};

enum dmapool_fallback_reason {
	DMAPOOL_FALLBACK_REASONS
	DMAPOOL_NR_FB,
};

enum dmapool_zone {
	DMAPOOL_ZONES
	DMAPOOL_NR_ZONES,
};

enum dmapool_op {
	DMAPOOL_OPS
	DMAPOOL_NR_OPS,
};

enum dmapool_event {
	DMAPOOL_EVENTS
	DMAPOOL_NR_EVENTS,
};

#undef DMAPOOL_EM
#undef DMAPOOL_EMe

/* The kind of a failed enum dmapool_result. */
#define DMAPOOL_FAIL_KIND(res)						\
	((res) == DMAPOOL_RES_NO_POOL ? DMAPOOL_FAIL_NO_POOL :		\
	 DMAPOOL_FAIL_EXHAUSTED)

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

/*
 * Replay of captured traffic (bench-module/replay.c, the `replay` file):
 * scheduled operations (allocations and frees) per replay, bytes per write
 * of schedule lines, the latest operation time, and the speed factor in
 * thousandths (1000: recorded speed).
 */
#define DMAPOOL_MAX_REPLAY_OPS		65536u
#define DMAPOOL_MAX_REPLAY_WRITE	65536u		/* bytes */
#define DMAPOOL_MAX_REPLAY_T_NS		86400000000000ull	/* ns: one day */
#define DMAPOOL_REPLAY_SPEED_MIN	1u		/* x0.001 */
#define DMAPOOL_REPLAY_SPEED_MAX	1000000u	/* x1000 */

/* Load generator run spec limits (the control file's key=value line). */
#define DMAPOOL_MAX_SPEC_LEN		4096u		/* bytes in one control line */
#define DMAPOOL_MAX_STREAMS		8u		/* specs in one control line */
#define DMAPOOL_STREAM_NAME_LEN		16u		/* 1..15 of [a-z0-9_-], and the NUL */
#define DMAPOOL_STREAM_DEFAULT		"default"	/* a lone spec without stream= */
/*
 * The stream index the tracepoints carry for an operation of no run: the
 * `alloc` command, anything outside the load generator.
 */
#define DMAPOOL_STREAM_NONE		255u
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
	char name[DMAPOOL_STREAM_NAME_LEN];	/* the stream, NUL-terminated */
};

/*
 * One control line: up to DMAPOOL_MAX_STREAMS specs separated by ';', each
 * its own stream, all against the same pools. Stream i is the index the
 * tracepoints carry (DMAPOOL_STREAM_NONE: no stream).
 */
struct dmapool_run_spec {
	__u32 nr_streams;		/* 1..DMAPOOL_MAX_STREAMS */
	__u32 pad;
	struct dmapool_spec streams[DMAPOOL_MAX_STREAMS];
};

/* The tracepoint system and event names. */
#define DMAPOOL_TRACE_SYSTEM		"dmapool_bench"
#define DMAPOOL_DEBUGFS_DIR		"dmapool_bench"

#endif /* _UAPI_DMAPOOL_BENCH_H */
