// SPDX-License-Identifier: GPL-2.0
/*
 * In-kernel aggregation of the dmapool_bench tracepoints: latency histograms
 * per (op, pool, ctx, size order) and event counters in per-CPU arrays (and
 * the same per stream of a multi-stream run), and
 * the rare pool_state / pool_expand events in a sample array. No hash maps,
 * no per-event ring buffer; only `monitor --by cpu` (track_blocks) keeps
 * the outstanding blocks in one, to say who holds them (holders.bpf.h).
 *
 * Each handler exists twice: a tp_btf program (needs the module's BTF) and a
 * classic tracepoint program reading the record layout that the build takes
 * from the module's BTF (dmapool_tp.h). The loader enables one set.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "dmapool_tp.h"
#include "dmapool.h"
#include "maps.bpf.h"
#include "holders.bpf.h"

/*
 * Per-stream counters and histograms for the first nr_streams streams of
 * a run (0: none kept); set by the loader with stream_hists' size. An event
 * of no stream (DMAPOOL_STREAM_NONE) counts in the global maps only.
 */
const volatile __u32 nr_streams;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, DMAPOOL_MAX_STREAMS);
	__type(key, __u32);
	__type(value, struct dmapool_counters);
} stream_counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);		/* nr_streams * DMAPOOL_HIST_KEYS */
	__type(key, __u32);
	__type(value, struct dmapool_hist);
} stream_hists SEC(".maps");

static __always_inline struct dmapool_counters *stream_ctr(__u32 stream)
{
	if (stream >= nr_streams)
		return NULL;
	return bpf_map_lookup_elem(&stream_counters, &stream);
}

static __always_inline void stream_hist_add(__u32 stream, __u32 key, __u64 ns)
{
	struct dmapool_hist *h;

	key = dmapool_stream_hist_key(stream, key);
	h = bpf_map_lookup_elem(&stream_hists, &key);
	/* As hist_add(): per-CPU, one program per op, no atomics needed. */
	if (h)
		dmapool_hist_add(h, ns);
}

/*
 * The per-stream accounting, each a subprogram of its own: inlined beside
 * the global counters' the compiler shares their bound checks, which older
 * verifiers (6.1) cannot follow through a spilled register.
 */
static __noinline int stream_alloc(__u32 stream, __u32 key, __u64 size,
				   __u64 latency_ns, __u32 result)
{
	struct dmapool_counters *sc = stream_ctr(stream);

	if (!sc)
		return 0;
	dmapool_count_alloc_opaque(sc, size, result);
	stream_hist_add(stream, key, latency_ns);
	return 0;
}

static __noinline int stream_free(__u32 stream, __u32 key, __u64 size,
				  __u64 latency_ns)
{
	struct dmapool_counters *sc = stream_ctr(stream);

	if (!sc)
		return 0;
	dmapool_count_free(sc, size);
	stream_hist_add(stream, key, latency_ns);
	return 0;
}

static __noinline int stream_fallback(__u32 stream, __u32 from, __u32 to,
				      __u32 reason)
{
	struct dmapool_counters *sc = stream_ctr(stream);

	if (sc)
		dmapool_count_fallback(sc, from, to, reason);
	return 0;
}

static __noinline int stream_exhausted(__u32 stream, __u32 result)
{
	struct dmapool_counters *sc = stream_ctr(stream);

	if (sc)
		dmapool_count_exhausted(sc, result);
	return 0;
}

/* The load generator's CPU and context hold what they allocate. */
static __always_inline void track_alloc(__u8 pool, __u64 size, __u64 phys,
					__u32 cpu, __u8 ctx, __u8 result,
					struct dmapool_counters *c)
{
	struct dmapool_holder_key k = {
		.stack_id = -1,
		.cpu = cpu,
		.ctx = ctx,
	};
	struct dmapool_holder *h = bpf_map_lookup_elem(&holders, &k);
	struct dmapool_holder init = {};

	if (!h)
		h = holder_create(&k, &init, c);
	if (h)
		holder_count(h, size, result == DMAPOOL_RES_OK);
	if (result == DMAPOOL_RES_OK)
		block_add(phys, &k, size, pool, ctx, -1, c);
}

static __always_inline int on_alloc(__u8 pool, __u64 size, __u64 phys,
				    __u64 latency_ns, __u32 cpu, __u8 ctx,
				    __u8 result, __u8 stream)
{
	struct dmapool_counters *c = dmapool_counters();

	if (!c)
		return 0;
	dmapool_count_alloc_opaque(c, size, result);
	hist_add(DMAPOOL_OP_ALLOC, pool, ctx, size, latency_ns);
	if (stream < nr_streams)
		stream_alloc(stream, dmapool_hist_key(DMAPOOL_OP_ALLOC, pool, ctx,
						      dmapool_size_order(size)),
			     size, latency_ns, result);
	if (track_blocks)
		track_alloc(pool, size, phys, cpu, ctx, result, c);
	return 0;
}

static __always_inline int on_free(__u8 pool, __u64 size, __u64 phys,
				   __u64 latency_ns, __u8 ctx, __u8 stream)
{
	struct dmapool_counters *c = dmapool_counters();

	if (!c)
		return 0;
	dmapool_count_free(c, size);
	hist_add(DMAPOOL_OP_FREE, pool, ctx, size, latency_ns);
	if (stream < nr_streams)
		stream_free(stream, dmapool_hist_key(DMAPOOL_OP_FREE, pool, ctx,
						     dmapool_size_order(size)),
			    size, latency_ns);
	if (track_blocks && !block_del(phys))
		c->frees_untracked++;
	return 0;
}

static __always_inline int on_fallback(__u8 from, __u8 to, __u8 reason,
				       __u8 stream)
{
	struct dmapool_counters *c = dmapool_counters();

	if (c)
		dmapool_count_fallback(c, from, to, reason);
	if (stream < nr_streams)
		stream_fallback(stream, from, to, reason);
	return 0;
}

static __always_inline int on_expand(__u8 pool, __u64 requested,
				     __u64 obtained, __u32 order,
				     __u64 latency_ns, __u64 size_after,
				     __s32 result)
{
	struct dmapool_counters *c = dmapool_counters();
	struct dmapool_sample s = {};

	if (!c)
		return 0;
	dmapool_count_expand(c, latency_ns, result);
	if (!collect_samples)
		return 0;
	dmapool_sample_expand(&s, bpf_ktime_get_ns(), pool, requested, obtained,
			      order, latency_ns, size_after, result);
	add_sample(c, &s);
	return 0;
}

static __always_inline int on_exhausted(__u8 result, __u8 stream)
{
	struct dmapool_counters *c = dmapool_counters();

	if (c)
		dmapool_count_exhausted(c, result);
	if (stream < nr_streams)
		stream_exhausted(stream, result);
	return 0;
}

static __always_inline int on_state(__u8 pool, __u64 size, __u64 avail,
				    __u64 largest_free, __u32 chunks)
{
	struct dmapool_counters *c = dmapool_counters();
	struct dmapool_sample s = {};

	if (!c)
		return 0;
	dmapool_count_state(c);
	if (!collect_samples)
		return 0;
	dmapool_sample_state(&s, bpf_ktime_get_ns(), pool, size, avail,
			     largest_free, chunks);
	add_sample(c, &s);
	return 0;
}

/* tp_btf: the tracepoint's TP_PROTO arguments, typed by the module's BTF. */

SEC("tp_btf/pool_alloc")
int BPF_PROG(btf_pool_alloc, u8 pool, u64 size, u64 phys, u64 latency_ns,
	     u64 avail_after, u8 op_ctx, u32 cpu, u8 result, u8 depth, u8 stream)
{
	return on_alloc(pool, size, phys, latency_ns, cpu, op_ctx, result,
			stream);
}

SEC("tp_btf/pool_free")
int BPF_PROG(btf_pool_free, u8 pool, u64 size, u64 phys, u64 latency_ns,
	     u8 op_ctx, u8 stream)
{
	return on_free(pool, size, phys, latency_ns, op_ctx, stream);
}

SEC("tp_btf/pool_fallback")
int BPF_PROG(btf_pool_fallback, u8 from, u8 to, u64 size, u8 reason,
	     u8 stream)
{
	return on_fallback(from, to, reason, stream);
}

SEC("tp_btf/pool_expand")
int BPF_PROG(btf_pool_expand, u8 pool, u64 requested, u64 obtained,
	     u32 order, u64 latency_ns, u64 size_after, s32 result)
{
	return on_expand(pool, requested, obtained, order, latency_ns,
			 size_after, result);
}

SEC("tp_btf/pool_exhausted")
int BPF_PROG(btf_pool_exhausted, u64 size, u32 gfp, u8 result, u8 stream)
{
	return on_exhausted(result, stream);
}

SEC("tp_btf/pool_state")
int BPF_PROG(btf_pool_state, u8 pool, u64 size, u64 avail, u64 largest_free,
	     u32 chunks)
{
	return on_state(pool, size, avail, largest_free, chunks);
}

/* Classic tracepoints: the trace record itself. */

SEC("tracepoint/dmapool_bench/pool_alloc")
int tp_pool_alloc(struct trace_event_raw_pool_alloc *e)
{
	return on_alloc(e->pool, e->size, e->phys, e->latency_ns, e->cpu,
			e->ctx, e->result, e->stream);
}

SEC("tracepoint/dmapool_bench/pool_free")
int tp_pool_free(struct trace_event_raw_pool_free *e)
{
	return on_free(e->pool, e->size, e->phys, e->latency_ns, e->ctx,
		       e->stream);
}

SEC("tracepoint/dmapool_bench/pool_fallback")
int tp_pool_fallback(struct trace_event_raw_pool_fallback *e)
{
	return on_fallback(e->from, e->to, e->reason, e->stream);
}

SEC("tracepoint/dmapool_bench/pool_expand")
int tp_pool_expand(struct trace_event_raw_pool_expand *e)
{
	return on_expand(e->pool, e->requested, e->obtained, e->order,
			 e->latency_ns, e->size_after, e->result);
}

SEC("tracepoint/dmapool_bench/pool_exhausted")
int tp_pool_exhausted(struct trace_event_raw_pool_exhausted *e)
{
	return on_exhausted(e->result, e->stream);
}

SEC("tracepoint/dmapool_bench/pool_state")
int tp_pool_state(struct trace_event_raw_pool_state *e)
{
	return on_state(e->pool, e->size, e->avail, e->largest_free,
			e->chunks);
}

char LICENSE[] SEC("license") = "GPL";
