// SPDX-License-Identifier: GPL-2.0
/*
 * Unit test of holders.c (monitor --by) against maps faked in memory: the
 * libbpf map calls it makes are defined here, so the sums per holder, the
 * interval counts, the trend, the order, --top and the exit summary are
 * checked on the host without a kernel.
 */
#include <errno.h>
#include <string.h>
#include <bpf/bpf.h>

#include "holders.h"
#include "tap.h"

#define FD_BLOCKS	10
#define FD_HOLDERS	11

static struct {
	__u64 addr;
	struct dmapool_block b;
} blocks[16];
static int nblocks;
static int batches;		/* bpf_map_lookup_batch() calls */

static struct {
	struct dmapool_holder_key k;
	struct dmapool_holder v;
} hmap[8];
static int nholders;

int bpf_map_lookup_batch(int fd, void *in_batch, void *out_batch, void *keys,
			 void *values, __u32 *count,
			 const struct bpf_map_batch_opts *opts)
{
	/* At most 3 a batch, as a hash map returns buckets: the loop resumes. */
	__u64 at = in_batch ? *(__u64 *)in_batch : 0;
	__u32 n = 0;

	(void)opts;
	if (fd != FD_BLOCKS)
		return -EINVAL;
	while (n < *count && n < 3 && at < (__u64)nblocks) {
		((__u64 *)keys)[n] = blocks[at].addr;
		((struct dmapool_block *)values)[n] = blocks[at].b;
		n++;
		at++;
	}
	*(__u64 *)out_batch = at;
	*count = n;
	batches++;
	return at >= (__u64)nblocks ? -ENOENT : 0;
}

int bpf_map_get_next_key(int fd, const void *key, void *next_key)
{
	int i = 0;

	if (fd != FD_HOLDERS)
		return -EINVAL;
	if (key) {
		for (i = 0; i < nholders; i++)
			if (!memcmp(&hmap[i].k, key, sizeof(hmap[i].k)))
				break;
		i++;
	}
	if (i >= nholders)
		return -ENOENT;
	memcpy(next_key, &hmap[i].k, sizeof(hmap[i].k));
	return 0;
}

int bpf_map_lookup_elem(int fd, const void *key, void *value)
{
	int i;

	if (fd != FD_HOLDERS)
		return -ENOENT;
	for (i = 0; i < nholders; i++)
		if (!memcmp(&hmap[i].k, key, sizeof(hmap[i].k))) {
			memcpy(value, &hmap[i].v, sizeof(hmap[i].v));
			return 0;
		}
	return -ENOENT;
}

static struct dmapool_holder_key key(__u64 dev, int stack, int cpu, int ctx)
{
	struct dmapool_holder_key k;

	memset(&k, 0, sizeof(k));
	k.dev = dev;
	k.stack_id = stack;
	k.cpu = cpu;
	k.ctx = ctx;
	return k;
}

static void holder(struct dmapool_holder_key k, const char *name, __u64 allocs,
		   __u64 frees, __u64 fails)
{
	int i;

	for (i = 0; i < nholders; i++)
		if (!memcmp(&hmap[i].k, &k, sizeof(k)))
			break;
	if (i == nholders)
		nholders++;
	memset(&hmap[i], 0, sizeof(hmap[i]));
	hmap[i].k = k;
	hmap[i].v.allocs = allocs;
	hmap[i].v.frees = frees;
	hmap[i].v.fails = fails;
	snprintf(hmap[i].v.dev_name, sizeof(hmap[i].v.dev_name), "%s", name);
	snprintf(hmap[i].v.driver, sizeof(hmap[i].v.driver), "drv-%s", name);
}

static void block(__u64 addr, struct dmapool_holder_key k, __u64 size, __u64 ts,
		  int pool)
{
	blocks[nblocks].addr = addr;
	memset(&blocks[nblocks].b, 0, sizeof(blocks[nblocks].b));
	blocks[nblocks].b.holder = k;
	blocks[nblocks].b.size = size;
	blocks[nblocks].b.ts_ns = ts;
	blocks[nblocks].b.pool = pool;
	nblocks++;
}

static void reset(void)
{
	nblocks = 0;
	nholders = 0;
}

static void init(struct holders *h, enum holders_by by, unsigned int trend)
{
	memset(h, 0, sizeof(*h));
	h->by = by;
	h->kernel = by != HOLDERS_BY_CPU;
	h->trend = trend;
	h->holders_fd = FD_HOLDERS;
	h->blocks_fd = FD_BLOCKS;
	h->stacks_fd = -1;
	holders_init(h, 16);
}

/* Field @f of the holder named @dev (or on CPU @dev) in @arr; -1: absent. */
static long long field(struct json_object *arr, const char *dev, const char *f)
{
	size_t i;

	for (i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *o = json_object_array_get_idx(arr, i), *v;

		if (json_object_object_get_ex(o, "dev", &v) &&
		    !strcmp(json_object_get_string(v), dev) &&
		    json_object_object_get_ex(o, f, &v))
			return json_object_get_int64(v);
	}
	return -1;
}

#define MS 1000000ull

static void test_by_dev(void)
{
	struct dmapool_holder_key a1 = key(0xa0, 1, 0, 0), a2 = key(0xa0, 2, 0, 0);
	struct dmapool_holder_key b = key(0xb0, 3, 0, 0);
	const struct holder_row **v;
	struct json_object *arr;
	struct holders h;
	size_t n;

	reset();
	/* dev a: two call sites (stacks), 2 x 8K; dev b: 3 x 4K. */
	holder(a1, "a", 1, 0, 0);
	holder(a2, "a", 1, 0, 1);
	holder(b, "b", 4, 1, 0);
	block(0x1000, a1, 8192, 100 * MS, DMAPOOL_POOL_KERNEL);
	block(0x3000, a2, 8192, 300 * MS, DMAPOOL_POOL_KERNEL);
	block(0x5000, b, 4096, 200 * MS, DMAPOOL_POOL_DMA32);
	block(0x6000, b, 4096, 400 * MS, DMAPOOL_POOL_DMA32);
	block(0x7000, b, 4096, 500 * MS, DMAPOOL_POOL_DMA32);
	init(&h, HOLDERS_BY_DEV, 0);
	TAP_IS(holders_read(&h, 1100 * MS, false), 0, "by dev: read");
	arr = holders_json(&h);
	TAP_IS(json_object_array_length(arr), 2, "two devices (a's two stacks are one row)");
	TAP_IS(field(arr, "a", "live_bytes"), 16384, "a: 16384 live bytes");
	TAP_IS(field(arr, "a", "live_blocks"), 2, "a: 2 blocks");
	TAP_IS(field(arr, "b", "live_bytes"), 12288, "b: 12288 live bytes");
	TAP_IS(field(arr, "b", "live_blocks"), 3, "b: 3 blocks");
	TAP_IS(field(arr, "a", "oldest_ms"), 1000, "a's oldest block: 1000 ms old");
	TAP_IS(field(arr, "b", "oldest_ms"), 900, "b's oldest block: 900 ms old");
	TAP_IS(field(arr, "a", "allocs"), 2, "a: allocs summed over its stacks");
	TAP_IS(field(arr, "a", "fails"), 1, "a: 1 failure");
	TAP_IS(field(arr, "b", "frees"), 1, "b: 1 free");
	TAP_OK(!strcmp(json_object_get_string(json_object_object_get(
		json_object_array_get_idx(arr, 0), "dev")), "a"),
	       "biggest holder first");
	TAP_OK(!strcmp(json_object_get_string(json_object_object_get(
		json_object_array_get_idx(arr, 0), "driver")), "drv-a"),
	       "its driver");
	TAP_IS(h.tracked[DMAPOOL_POOL_KERNEL], 16384, "tracked in the kernel pool");
	TAP_IS(h.tracked[DMAPOOL_POOL_DMA32], 12288, "tracked in the dma32 pool");
	TAP_IS(h.tracked_blocks, 5, "5 blocks tracked");
	TAP_IS(batches, 2, "read in 2 batches of at most 3");
	json_object_put(arr);

	/* Next interval: b allocated 2 more and freed all; a unchanged. */
	holder(b, "b", 6, 6, 0);
	nblocks = 2;
	TAP_IS(holders_read(&h, 2100 * MS, false), 0, "second read");
	arr = holders_json(&h);
	TAP_IS(field(arr, "b", "allocs"), 2, "b: 2 allocs this interval (a difference)");
	TAP_IS(field(arr, "b", "frees"), 5, "b: 5 frees this interval");
	TAP_IS(field(arr, "b", "live_bytes"), 0, "b: 0 live bytes");
	TAP_IS(field(arr, "a", "allocs"), 0, "a: no allocation this interval");
	json_object_put(arr);

	/* A third read with nothing new: b is idle and empty. */
	TAP_IS(holders_read(&h, 3100 * MS, false), 0, "third read");
	n = holders_sorted(&h, false, &v);
	TAP_IS(n, 1, "the live table leaves out an idle, empty holder");
	free(v);
	n = holders_sorted(&h, true, &v);
	TAP_IS(n, 2, "JSON keeps it");
	free(v);
	h.top = 1;
	arr = holders_json(&h);
	TAP_IS(json_object_array_length(arr), 1, "--top 1: one holder");
	json_object_put(arr);
	holders_free(&h);
}

static void test_by_stack_and_cpu(void)
{
	struct dmapool_holder_key a1 = key(0xa0, 1, 0, 0), a2 = key(0xa0, 2, 0, 0);
	struct dmapool_holder_key c0 = key(0, -1, 0, DMAPOOL_CTX_HARDIRQ);
	struct dmapool_holder_key c1 = key(0, -1, 1, DMAPOOL_CTX_SOFTIRQ);
	struct json_object *arr, *o;
	struct holders h;

	reset();
	holder(a1, "a", 1, 0, 0);
	holder(a2, "a", 2, 0, 0);
	block(0x1000, a1, 4096, 1, DMAPOOL_POOL_KERNEL);
	block(0x2000, a2, 4096, 2, DMAPOOL_POOL_KERNEL);
	block(0x3000, a2, 4096, 3, DMAPOOL_POOL_KERNEL);
	init(&h, HOLDERS_BY_STACK, 0);
	holders_read(&h, 10, false);
	TAP_IS(h.nrows, 2, "by stack: one row per (device, stack)");
	arr = holders_json(&h);
	o = json_object_array_get_idx(arr, 0);
	TAP_IS(json_object_get_int64(json_object_object_get(o, "live_bytes")), 8192,
	       "the stack with 2 blocks first");
	TAP_OK(json_object_object_get_ex(o, "stack", NULL), "each holder has a stack");
	json_object_put(arr);
	holders_free(&h);

	reset();
	holder(c0, "", 10, 9, 0);
	holder(c1, "", 5, 5, 2);
	block(0x10, c0, 4096, 1, DMAPOOL_POOL_KERNEL);
	init(&h, HOLDERS_BY_CPU, 0);
	holders_read(&h, 10, false);
	arr = holders_json(&h);
	TAP_IS(json_object_array_length(arr), 2, "by cpu: two holders");
	o = json_object_array_get_idx(arr, 0);
	TAP_IS(json_object_get_int(json_object_object_get(o, "cpu")), 0, "CPU 0 first (it holds a block)");
	TAP_OK(!strcmp(json_object_get_string(json_object_object_get(o, "ctx")), "hardirq"),
	       "its context: hardirq");
	o = json_object_array_get_idx(arr, 1);
	TAP_IS(json_object_get_int64(json_object_object_get(o, "fails")), 2, "CPU 1: 2 failures");
	json_object_put(arr);
	holders_free(&h);
}

static void test_trend(void)
{
	struct dmapool_holder_key a = key(0xa0, -1, 0, 0), b = key(0xb0, -1, 0, 0);
	struct json_object *arr, *s, *g, *old;
	struct holders h;
	int i, j;

	reset();
	init(&h, HOLDERS_BY_DEV, 3);
	/* a: i blocks in interval i; b: 1, 0, 1 blocks (it freed). */
	for (i = 1; i <= 3; i++) {
		nblocks = 0;
		for (j = 0; j < i; j++)
			block(0x1000 * (j + 1), a, 4096, (j + 1) * MS, DMAPOOL_POOL_KERNEL);
		if (i != 2)
			block(0x9000, b, 4096, 10 * MS, DMAPOOL_POOL_KERNEL);
		holder(a, "a", i, 0, 0);
		holder(b, "b", i == 3 ? 2 : 1, i >= 2, 0);
		holders_read(&h, 100 * MS, false);
		arr = holders_json(&h);
		if (i < 3)
			TAP_IS(field(arr, "a", "growing"), 0, "a after %d intervals: not yet growing", i);
		else
			TAP_IS(field(arr, "a", "growing"), 1, "a, up in each of 3 intervals: growing");
		TAP_IS(field(arr, "b", "growing"), 0, "b in interval %d: not growing", i);
		json_object_put(arr);
	}
	/* Ctrl-C: a cut-short interval with no change keeps the mark... */
	holders_read(&h, 100 * MS, true);
	arr = holders_json(&h);
	TAP_IS(field(arr, "a", "growing"), 1, "a cut-short flat interval keeps 'growing'");
	json_object_put(arr);
	s = holders_summary_json(&h);
	g = json_object_object_get(s, "growing");
	TAP_IS(json_object_array_length(g), 1, "summary: one growing holder");
	TAP_OK(!strcmp(json_object_get_string(json_object_object_get(
		json_object_array_get_idx(g, 0), "dev")), "a"), "... a");
	old = json_object_object_get(s, "oldest");
	TAP_IS(json_object_array_length(old), 4, "summary: the oldest blocks (4 held)");
	TAP_IS(json_object_get_int64(json_object_object_get(json_object_array_get_idx(old, 0),
							    "age_ms")), 99, "oldest first: 99 ms");
	TAP_IS(json_object_get_int64(json_object_object_get(json_object_array_get_idx(old, 3),
							    "age_ms")), 90, "... b's, 90 ms, last");
	json_object_put(s);
	/* ... one where the holder shrank does not. */
	nblocks = 1;
	holders_read(&h, 100 * MS, true);
	arr = holders_json(&h);
	TAP_IS(field(arr, "a", "growing"), 0, "a cut-short interval where it shrank clears it");
	json_object_put(arr);
	holders_free(&h);
}

/* Memory over many intervals: LSan (ASan build) fails the test on a leak. */
static void test_many_reads(void)
{
	struct dmapool_holder_key a = key(0xa0, 1, 0, 0);
	struct json_object *arr, *s;
	struct holders h;
	int i;

	reset();
	holder(a, "a", 1, 0, 0);
	block(0x1000, a, 4096, 1, DMAPOOL_POOL_KERNEL);
	init(&h, HOLDERS_BY_STACK, 5);
	for (i = 0; i < 10000; i++) {
		hmap[0].v.allocs = i + 1;
		holders_read(&h, 10 * MS + i, false);
		arr = holders_json(&h);
		json_object_put(arr);
	}
	TAP_IS(h.nrows, 1, "10,000 reads: still one row");
	s = holders_summary_json(&h);
	json_object_put(s);
	holders_free(&h);
	TAP_OK(h.rows == NULL && h.addr == NULL, "holders_free() lets go of everything");
}

int main(void)
{
	test_by_dev();
	test_by_stack_and_cpu();
	test_trend();
	test_many_reads();
	return tap_done();
}
