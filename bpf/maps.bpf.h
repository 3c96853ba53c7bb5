/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The maps of bpf/dmapool.h and their update helpers, shared by the bench
 * programs (dmapool.bpf.c) and the kernel-pool programs (kpool.bpf.c), so
 * that one reader in the CLI serves both.
 */
#ifndef __DMAPOOL_MAPS_BPF_H
#define __DMAPOOL_MAPS_BPF_H

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

	/*
	 * Per-CPU, and each (op, ...) key written by one program only, which
	 * never nests with itself (a nested invocation is dropped and counted
	 * in recursion_misses): no atomics needed.
	 */
	if (h)
		dmapool_hist_add(h, ns);
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

#endif /* __DMAPOOL_MAPS_BPF_H */
