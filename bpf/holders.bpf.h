/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Holder attribution (monitor --by), shared by the bench programs
 * (dmapool.bpf.c: holders are CPUs and contexts) and the kernel-pool
 * programs (kpool.bpf.c: holders are devices and kernel stacks). Layouts in
 * bpf/dmapool.h. Off unless the loader sets track_blocks: the hot path of a
 * bench run without --by keeps no hash map (the verifier drops the code).
 */
#ifndef __DMAPOOL_HOLDERS_BPF_H
#define __DMAPOOL_HOLDERS_BPF_H

const volatile bool track_blocks;

/* Outstanding blocks by address; max_entries: the loader's --max-blocks. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, struct dmapool_block);
} blocks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, DMAPOOL_MAX_HOLDERS);
	__type(key, struct dmapool_holder_key);
	__type(value, struct dmapool_holder);
} holders SEC(".maps");

/*
 * The holder @k, created from @init when new (BPF_NOEXIST: when two CPUs
 * race to create it, one wins and both use it). NULL, counted, when the
 * map is full.
 */
static __always_inline struct dmapool_holder *
holder_create(const struct dmapool_holder_key *k,
	      const struct dmapool_holder *init, struct dmapool_counters *c)
{
	struct dmapool_holder *h;

	bpf_map_update_elem(&holders, k, init, BPF_NOEXIST);
	h = bpf_map_lookup_elem(&holders, k);
	if (!h)
		c->holders_dropped++;
	return h;
}

/*
 * Forget block @addr and credit its holder with its free, unless another
 * CPU deleted it first (and credited it): each block's free counts once.
 */
static __always_inline void block_forget(__u64 addr,
					 const struct dmapool_block *b)
{
	struct dmapool_holder_key k = b->holder;
	struct dmapool_holder *h;

	if (bpf_map_delete_elem(&blocks, &addr))
		return;
	h = bpf_map_lookup_elem(&holders, &k);
	if (h)
		__sync_fetch_and_add(&h->frees, 1);
}

/* A new outstanding block @addr of holder @k. */
static __always_inline void block_add(__u64 addr,
				      const struct dmapool_holder_key *k,
				      __u64 size, __u8 pool, __u8 ctx,
				      __s32 stack_id, struct dmapool_counters *c)
{
	struct dmapool_block *old = bpf_map_lookup_elem(&blocks, &addr);
	struct dmapool_block b = {
		.holder = *k,
		.size = size,
		.ts_ns = bpf_ktime_get_ns(),
		.stack_id = stack_id,
		.pool = pool,
		.ctx = ctx,
	};

	/*
	 * The address is handed out again before the free of its last block
	 * was seen (the bench module traces a free after gen_pool_free(), so
	 * another CPU may allocate the block in between; or that free's event
	 * was missed): that block is freed. Its late free event, if it comes,
	 * finds this block and forgets it early, and this block's own free is
	 * then counted as untracked: rare, and never a block held forever.
	 */
	if (old)
		block_forget(addr, old);
	/* A preallocated map that is full refuses (-E2BIG): count it. */
	if (bpf_map_update_elem(&blocks, &addr, &b, BPF_ANY))
		c->blocks_untracked++;
}

/*
 * Block @addr is being freed: credit its holder and forget it. False when
 * it is not in the map: allocated before attach, or it did not fit (or, on
 * the kernel target, not a pool block at all: the caller tells).
 */
static __always_inline bool block_del(__u64 addr)
{
	struct dmapool_block *b = bpf_map_lookup_elem(&blocks, &addr);

	if (!b)
		return false;
	block_forget(addr, b);
	return true;
}

/* Count an allocation, or a failure (!@ok), against holder @h. */
static __always_inline void holder_count(struct dmapool_holder *h, __u64 size,
					 bool ok)
{
	if (!ok) {
		__sync_fetch_and_add(&h->fails, 1);
		return;
	}
	__sync_fetch_and_add(&h->allocs, 1);
	__sync_fetch_and_add(&h->alloc_bytes, size);
}

#endif /* __DMAPOOL_HOLDERS_BPF_H */
