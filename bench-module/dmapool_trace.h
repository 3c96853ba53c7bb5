/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tracepoints of the instrumented atomic DMA pool (system dmapool_bench).
 *
 * Every latency is measured in the module around the pool operation with
 * local_clock(), so a consumer never has to pair an entry with an exit.
 *
 * pool_alloc, pool_free, pool_fallback and pool_exhausted carry the stream
 * of the load generator's run that made the operation (its index in the
 * control line) or DMAPOOL_STREAM_NONE (255: the `alloc` command, anything
 * outside a run). It is the last argument and a record field; the text
 * line leaves it out and reads as before streams existed.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM dmapool_bench

#if !defined(_DMAPOOL_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _DMAPOOL_TRACE_H

#include <linux/tracepoint.h>
#include "dmapool_bench.h"

/*
 * The enums printed by name, from dmapool_bench.h's lists: first exported
 * to user space with TRACE_DEFINE_ENUM(), so that the format files carry
 * their values, then mapped to their names for __print_symbolic().
 */
#undef DMAPOOL_EM
#undef DMAPOOL_EMe
#define DMAPOOL_EM(a, b)	TRACE_DEFINE_ENUM(a);
#define DMAPOOL_EMe(a, b)	TRACE_DEFINE_ENUM(a);

TRACE_DEFINE_ENUM(DMAPOOL_POOL_NONE);
DMAPOOL_POOLS
DMAPOOL_CTXS
DMAPOOL_RESULTS
DMAPOOL_FALLBACK_REASONS

#undef DMAPOOL_EM
#undef DMAPOOL_EMe
#define DMAPOOL_EM(a, b)	{ a, b },
#define DMAPOOL_EMe(a, b)	{ a, b }

#define show_dmapool_pool(p)						\
	__print_symbolic(p, DMAPOOL_POOLS,				\
			 { DMAPOOL_POOL_NONE, DMAPOOL_POOL_NONE_NAME })

#define show_dmapool_ctx(c)	__print_symbolic(c, DMAPOOL_CTXS)
#define show_dmapool_res(r)	__print_symbolic(r, DMAPOOL_RESULTS)
#define show_dmapool_fb(r)	__print_symbolic(r, DMAPOOL_FALLBACK_REASONS)

TRACE_EVENT(pool_alloc,
	TP_PROTO(u8 pool, u64 size, u64 phys, u64 latency_ns, u64 avail_after,
		 u8 ctx, u32 cpu, u8 result, u8 depth, u8 stream),
	TP_ARGS(pool, size, phys, latency_ns, avail_after, ctx, cpu, result,
		depth, stream),
	TP_STRUCT__entry(
		__field(u64, size)		/* bytes */
		__field(u64, phys)
		__field(u64, latency_ns)	/* ns */
		__field(u64, avail_after)	/* bytes left in the pool */
		__field(u32, cpu)
		__field(u8, pool)
		__field(u8, ctx)
		__field(u8, result)
		__field(u8, depth)		/* pools tried */
		__field(u8, stream)		/* DMAPOOL_STREAM_NONE: none */
	),
	TP_fast_assign(
		__entry->size = size;
		__entry->phys = phys;
		__entry->latency_ns = latency_ns;
		__entry->avail_after = avail_after;
		__entry->cpu = cpu;
		__entry->pool = pool;
		__entry->ctx = ctx;
		__entry->result = result;
		__entry->depth = depth;
		__entry->stream = stream;
	),
	TP_printk("pool=%s size=%llu phys=0x%llx latency_ns=%llu avail_after=%llu ctx=%s cpu=%u result=%s depth=%u",
		  show_dmapool_pool(__entry->pool), __entry->size,
		  __entry->phys, __entry->latency_ns, __entry->avail_after,
		  show_dmapool_ctx(__entry->ctx), __entry->cpu,
		  show_dmapool_res(__entry->result), __entry->depth)
);

TRACE_EVENT(pool_free,
	TP_PROTO(u8 pool, u64 size, u64 phys, u64 latency_ns, u8 ctx,
		 u8 stream),
	TP_ARGS(pool, size, phys, latency_ns, ctx, stream),
	TP_STRUCT__entry(
		__field(u64, size)		/* bytes */
		__field(u64, phys)
		__field(u64, latency_ns)	/* ns */
		__field(u8, pool)
		__field(u8, ctx)
		__field(u8, stream)		/* DMAPOOL_STREAM_NONE: none */
	),
	TP_fast_assign(
		__entry->size = size;
		__entry->phys = phys;
		__entry->latency_ns = latency_ns;
		__entry->pool = pool;
		__entry->ctx = ctx;
		__entry->stream = stream;
	),
	TP_printk("pool=%s size=%llu phys=0x%llx latency_ns=%llu ctx=%s",
		  show_dmapool_pool(__entry->pool), __entry->size,
		  __entry->phys, __entry->latency_ns,
		  show_dmapool_ctx(__entry->ctx))
);

TRACE_EVENT(pool_fallback,
	TP_PROTO(u8 from, u8 to, u64 size, u8 reason, u8 stream),
	TP_ARGS(from, to, size, reason, stream),
	TP_STRUCT__entry(
		__field(u64, size)		/* bytes */
		__field(u8, from)
		__field(u8, to)
		__field(u8, reason)
		__field(u8, stream)		/* DMAPOOL_STREAM_NONE: none */
	),
	TP_fast_assign(
		__entry->size = size;
		__entry->from = from;
		__entry->to = to;
		__entry->reason = reason;
		__entry->stream = stream;
	),
	TP_printk("from=%s to=%s size=%llu reason=%s",
		  show_dmapool_pool(__entry->from),
		  show_dmapool_pool(__entry->to), __entry->size,
		  show_dmapool_fb(__entry->reason))
);

TRACE_EVENT(pool_expand,
	TP_PROTO(u8 pool, u64 requested, u64 obtained, u32 order,
		 u64 latency_ns, u64 size_after, s32 result),
	TP_ARGS(pool, requested, obtained, order, latency_ns, size_after,
		result),
	TP_STRUCT__entry(
		__field(u64, requested)		/* bytes */
		__field(u64, obtained)		/* bytes, 0 on failure */
		__field(u64, latency_ns)	/* ns */
		__field(u64, size_after)	/* bytes */
		__field(u32, order)		/* last order tried */
		__field(s32, result)		/* 0 or -errno */
		__field(u8, pool)
	),
	TP_fast_assign(
		__entry->requested = requested;
		__entry->obtained = obtained;
		__entry->latency_ns = latency_ns;
		__entry->size_after = size_after;
		__entry->order = order;
		__entry->result = result;
		__entry->pool = pool;
	),
	TP_printk("pool=%s requested=%llu obtained=%llu order=%u latency_ns=%llu size_after=%llu result=%d",
		  show_dmapool_pool(__entry->pool), __entry->requested,
		  __entry->obtained, __entry->order, __entry->latency_ns,
		  __entry->size_after, __entry->result)
);

/*
 * Every failed allocation. @result says which of the kernel's two kinds:
 * no_pool is "Failed to get suitable pool", exhausted and addr_rejected are
 * "DMA pool exhausted" (DMAPOOL_FAIL_KIND()).
 */
TRACE_EVENT(pool_exhausted,
	TP_PROTO(u64 size, u32 gfp, u8 result, u8 stream),
	TP_ARGS(size, gfp, result, stream),
	TP_STRUCT__entry(
		__field(u64, size)		/* bytes */
		__field(u32, gfp)
		__field(u8, result)		/* enum dmapool_result */
		__field(u8, stream)		/* DMAPOOL_STREAM_NONE: none */
	),
	TP_fast_assign(
		__entry->size = size;
		__entry->gfp = gfp;
		__entry->result = result;
		__entry->stream = stream;
	),
	TP_printk("size=%llu gfp=0x%x result=%s", __entry->size, __entry->gfp,
		  show_dmapool_res(__entry->result))
);

TRACE_EVENT(pool_state,
	TP_PROTO(u8 pool, u64 size, u64 avail, u64 largest_free, u32 chunks),
	TP_ARGS(pool, size, avail, largest_free, chunks),
	TP_STRUCT__entry(
		__field(u64, size)		/* bytes */
		__field(u64, avail)		/* bytes */
		__field(u64, largest_free)	/* bytes, largest free extent */
		__field(u32, chunks)
		__field(u8, pool)
	),
	TP_fast_assign(
		__entry->size = size;
		__entry->avail = avail;
		__entry->largest_free = largest_free;
		__entry->chunks = chunks;
		__entry->pool = pool;
	),
	TP_printk("pool=%s size=%llu avail=%llu largest_free=%llu chunks=%u",
		  show_dmapool_pool(__entry->pool), __entry->size,
		  __entry->avail, __entry->largest_free, __entry->chunks)
);

#endif /* _DMAPOOL_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE dmapool_trace
#include <trace/define_trace.h>
