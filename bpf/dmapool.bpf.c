// SPDX-License-Identifier: GPL-2.0
/*
 * In-kernel aggregation of the dmapool_bench tracepoints: latency histograms
 * per (op, pool, ctx, size order) and event counters in per-CPU arrays, and
 * the rare pool_state / pool_expand events in a sample array. No hash maps,
 * no per-event ring buffer.
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

/* Keep pool_state and pool_expand samples for the timeline. */
const volatile bool collect_samples = true;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, DMAPOOL_HIST_KEYS);
	__type(key, __u32);
	__type(value, struct dmapool_hist);
} hists SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct dmapool_counters);
} counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, DMAPOOL_MAX_SAMPLES);
	__type(key, __u32);
	__type(value, struct dmapool_sample);
} samples SEC(".maps");

/* Samples claimed so far (may exceed DMAPOOL_MAX_SAMPLES: those dropped). */
__u64 nr_samples;

static __always_inline struct dmapool_counters *dmapool_counters(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&counters, &zero);
}

static __always_inline void hist_add(__u32 op, __u32 pool, __u32 ctx,
				     __u64 size, __u64 ns)
{
	__u32 key = dmapool_hist_key(op, pool, ctx, dmapool_size_order(size));
	struct dmapool_hist *h = bpf_map_lookup_elem(&hists, &key);
	__u32 b;

	if (!h)
		return;
	b = dmapool_hist_bucket(ns);
	if (b >= DMAPOOL_HIST_BUCKETS)
		b = DMAPOOL_HIST_BUCKETS - 1;
	/*
	 * Per-CPU, and each (op, ...) key written by one program only, which
	 * never nests with itself (a nested invocation is dropped and counted
	 * in recursion_misses): no atomics needed.
	 */
	h->slots[b]++;
	h->count++;
	h->sum += ns;
	if (ns > h->max)
		h->max = ns;
}

static __always_inline void add_sample(struct dmapool_counters *c,
				       const struct dmapool_sample *s)
{
	__u64 i = __sync_fetch_and_add(&nr_samples, 1);
	struct dmapool_sample *slot;
	__u32 key = i;

	if (i >= DMAPOOL_MAX_SAMPLES) {
		/* Two programs (state, expand) may race here: atomic. */
		__sync_fetch_and_add(&c->samples_dropped, 1);
		return;
	}
	slot = bpf_map_lookup_elem(&samples, &key);
	if (slot)
		*slot = *s;
}

static __always_inline int on_alloc(__u8 pool, __u64 size, __u64 latency_ns,
				    __u8 ctx, __u8 result)
{
	struct dmapool_counters *c = dmapool_counters();

	if (!c)
		return 0;
	c->events[DMAPOOL_EV_ALLOC]++;
	if (result == DMAPOOL_RES_OK) {
		c->allocs++;
		/* Also written by on_free, which a hardirq alloc can interrupt. */
		__sync_fetch_and_add(&c->live_bytes, size);
	} else {
		c->fails++;
	}
	if (result < DMAPOOL_NR_RES)
		c->results[result]++;
	hist_add(DMAPOOL_OP_ALLOC, pool, ctx, size, latency_ns);
	return 0;
}

static __always_inline int on_free(__u8 pool, __u64 size, __u64 latency_ns,
				   __u8 ctx)
{
	struct dmapool_counters *c = dmapool_counters();

	if (!c)
		return 0;
	c->events[DMAPOOL_EV_FREE]++;
	c->frees++;
	__sync_fetch_and_sub(&c->live_bytes, size);
	hist_add(DMAPOOL_OP_FREE, pool, ctx, size, latency_ns);
	return 0;
}

static __always_inline int on_fallback(__u8 from, __u8 to, __u8 reason)
{
	__u32 idx = ((__u32)from * DMAPOOL_NR_POOLS + to) * DMAPOOL_NR_FB + reason;
	struct dmapool_counters *c = dmapool_counters();

	if (!c)
		return 0;
	c->events[DMAPOOL_EV_FALLBACK]++;
	/* Bound the flat index itself: the verifier keeps that for the access. */
	if (from < DMAPOOL_NR_POOLS && to < DMAPOOL_NR_POOLS &&
	    reason < DMAPOOL_NR_FB && idx < sizeof(c->fallbacks) / sizeof(__u64))
		(&c->fallbacks[0][0][0])[idx]++;
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
	c->events[DMAPOOL_EV_EXPAND]++;
	if (result)
		c->expand_fails++;
	else
		c->expansions++;
	c->expand_ns += latency_ns;
	if (!collect_samples)
		return 0;
	s.ts_ns = bpf_ktime_get_ns();
	s.kind = DMAPOOL_EV_EXPAND;
	s.pool = pool;
	s.requested = requested;
	s.obtained = obtained;
	s.order = order;
	s.latency_ns = latency_ns;
	s.size = size_after;
	s.result = result;
	add_sample(c, &s);
	return 0;
}

static __always_inline int on_exhausted(void)
{
	struct dmapool_counters *c = dmapool_counters();

	if (c) {
		c->events[DMAPOOL_EV_EXHAUSTED]++;
		c->exhausted++;
	}
	return 0;
}

static __always_inline int on_state(__u8 pool, __u64 size, __u64 avail,
				    __u64 largest_free, __u32 chunks)
{
	struct dmapool_counters *c = dmapool_counters();
	struct dmapool_sample s = {};

	if (!c)
		return 0;
	c->events[DMAPOOL_EV_STATE]++;
	if (!collect_samples)
		return 0;
	s.ts_ns = bpf_ktime_get_ns();
	s.kind = DMAPOOL_EV_STATE;
	s.pool = pool;
	s.size = size;
	s.avail = avail;
	s.largest_free = largest_free;
	s.chunks = chunks;
	add_sample(c, &s);
	return 0;
}

/* tp_btf: the tracepoint's TP_PROTO arguments, typed by the module's BTF. */

SEC("tp_btf/pool_alloc")
int BPF_PROG(btf_pool_alloc, u8 pool, u64 size, u64 phys, u64 latency_ns,
	     u64 avail_after, u8 op_ctx, u32 cpu, u8 result, u8 depth)
{
	return on_alloc(pool, size, latency_ns, op_ctx, result);
}

SEC("tp_btf/pool_free")
int BPF_PROG(btf_pool_free, u8 pool, u64 size, u64 phys, u64 latency_ns,
	     u8 op_ctx)
{
	return on_free(pool, size, latency_ns, op_ctx);
}

SEC("tp_btf/pool_fallback")
int BPF_PROG(btf_pool_fallback, u8 from, u8 to, u64 size, u8 reason)
{
	return on_fallback(from, to, reason);
}

SEC("tp_btf/pool_expand")
int BPF_PROG(btf_pool_expand, u8 pool, u64 requested, u64 obtained,
	     u32 order, u64 latency_ns, u64 size_after, s32 result)
{
	return on_expand(pool, requested, obtained, order, latency_ns,
			 size_after, result);
}

SEC("tp_btf/pool_exhausted")
int BPF_PROG(btf_pool_exhausted, u64 size, u32 gfp)
{
	return on_exhausted();
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
	return on_alloc(e->pool, e->size, e->latency_ns, e->ctx, e->result);
}

SEC("tracepoint/dmapool_bench/pool_free")
int tp_pool_free(struct trace_event_raw_pool_free *e)
{
	return on_free(e->pool, e->size, e->latency_ns, e->ctx);
}

SEC("tracepoint/dmapool_bench/pool_fallback")
int tp_pool_fallback(struct trace_event_raw_pool_fallback *e)
{
	return on_fallback(e->from, e->to, e->reason);
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
	return on_exhausted();
}

SEC("tracepoint/dmapool_bench/pool_state")
int tp_pool_state(struct trace_event_raw_pool_state *e)
{
	return on_state(e->pool, e->size, e->avail, e->largest_free,
			e->chunks);
}

char LICENSE[] SEC("license") = "GPL";
