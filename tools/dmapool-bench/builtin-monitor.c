// SPDX-License-Identifier: GPL-2.0
/*
 * dmapool-bench monitor: live per-interval view of the bench pools (the
 * module's tracepoints, the same in-kernel aggregation as `run`) or of the
 * running kernel's own atomic pools (bpf/kpool.bpf.c), in the manner of
 * bpftrace and libbpf-tools. Unlike those tools the maps are not cleared
 * each interval (events landing between a read and a clear would be lost):
 * each interval shows the difference of two cumulative reads, so intervals
 * add up exactly.
 *
 * With --by (or --trend) it also says who holds the pools (holders.c):
 * per device or kernel stack (kernel target) or per CPU and context
 * (bench target), and on the kernel target every failed allocation is an
 * event line as it happens.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "collect.h"
#include "dmapool.h"
#include "hist.h"
#include "holders.h"
#include "kcollect.h"
#include "kmod.h"
#include "main.h"
#include "opts.h"
#include "result.h"
#include "spec.h"

static volatile sig_atomic_t stop_monitor;

static void on_signal(int sig)
{
	(void)sig;
	stop_monitor = 1;
}

/* Cumulative reads of the previous interval. */
struct monitor_prev {
	uint64_t next_sample;	/* samples read so far */
	struct dmapool_counters sum;
	struct dmapool_hist alloc[DMAPOOL_NR_POOLS];
	struct dmapool_hist free[DMAPOOL_NR_POOLS];
	uint64_t ctx_allocs[DMAPOOL_NR_POOLS][DMAPOOL_NR_CTX];
};

/* @cur -= @prev, and remember @cur's old value in @prev. */
static void delta_words(__u64 *cur, __u64 *prev, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		__u64 c = cur[i];

		cur[i] -= prev[i];
		prev[i] = c;
	}
}

static void hist_delta(struct dmapool_hist *cur, struct dmapool_hist *prev)
{
	__u64 max = cur->max;

	delta_words((__u64 *)cur, (__u64 *)prev, sizeof(*cur) / sizeof(__u64));
	cur->max = max;		/* not a count: the run's maximum so far */
}

struct monitor_opts {
	bool kernel;		/* the kernel's own pools, not the bench's */
	const char *target;	/* bench, kernel or auto */
	const char *lat_unit;	/* us or ns */
	const char *attach;
	double interval;
	long count;
	int pool;		/* -1: all */
	bool hist;
	bool ns;
	bool timestamp;
	const char *by;		/* dev, stack or cpu; NULL: pools only */
	unsigned int trend;	/* intervals; 0: off */
	unsigned int top;	/* holders shown; 0: all */
	unsigned int max_blocks;
	bool max_blocks_set;
};

/* What outlives one interval: the holders and the failure events. */
struct monitor_state {
	const struct monitor_opts *mo;
	struct holders h;
	bool tracking;
	int64_t wall_off_ns;		/* CLOCK_REALTIME - CLOCK_MONOTONIC */
	struct json_object *fail_events;	/* this interval's, --json */
	uint64_t fail_events_omitted;	/* past HOLDERS_MAX_FAIL_EVENTS */
};

static const char * const *const pool_names = dmapool_pool_names;
static const char * const *const ctx_names = dmapool_ctx_names;
static const char * const *const fail_names = dmapool_fail_names;

/* A signed field of a pools object (-1: not known). */
static long long jint(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_int64(v) : -1;
}

/* ns log2 slots to us: slot k of the result counts [2^k, 2^(k+1)) us. */
static void log2_to_us(uint64_t log2[HIST_LOG2_SLOTS])
{
	int k;

	for (k = 1; k <= 10; k++)
		log2[0] += log2[k];
	for (k = 1; k < HIST_LOG2_SLOTS; k++)
		log2[k] = k + 10 < HIST_LOG2_SLOTS ? log2[k + 10] : 0;
}

/* One pool in one interval: this interval's counts, the pool's state now. */
struct monitor_pool {
	bool shown;			/* selected, and present */
	struct dmapool_hist alloc;	/* this interval's alloc latencies */
	uint64_t frees;
	uint64_t ctx_allocs[DMAPOOL_NR_CTX];
	/* The pools object's fields; -1: not known (the kernel target). */
	long long size, avail, largest_free, expansions_total, size_walked;
};

/* One interval: the model both printers show. */
struct monitor_interval {
	time_t now;
	double secs;
	struct monitor_pool pool[DMAPOOL_NR_POOLS];
	struct dmapool_counters sum;	/* this interval's counters */
	int64_t live;			/* live bytes since the start */
	struct dmapool_sample *exp;	/* this interval's expansions */
	size_t nr_exp;
	struct monitor_state *st;
	/* The kernel target only. */
	bool work_traced;		/* atomic_pool_work_fn is traced */
	struct json_object *rules;	/* the kernel's pool rules (borrowed) */
	struct json_object *untraced;	/* functions left out (owned) */
	struct json_object *pools;	/* kcollect_pools()/kmod_pools() (owned) */
};

static void interval_free(struct monitor_interval *iv)
{
	free(iv->exp);
	json_object_put(iv->untraced);
	json_object_put(iv->pools);
}

/* Keep expansion samples (the others are not shown). */
static int keep_expansions(struct monitor_interval *iv,
			   const struct dmapool_sample *s, int n)
{
	struct dmapool_sample *e;
	int i;

	for (i = 0; i < n; i++) {
		if (s[i].kind != DMAPOOL_EV_EXPAND || s[i].pool >= DMAPOOL_NR_POOLS)
			continue;
		e = realloc(iv->exp, (iv->nr_exp + 1) * sizeof(*e));
		if (!e)
			return -ENOMEM;
		iv->exp = e;
		iv->exp[iv->nr_exp++] = s[i];
	}
	return 0;
}

/*
 * The expansions of this interval. The sample array is rewound once read
 * up to its end, so that a long monitor keeps showing them; a sample
 * claimed in that instant is not shown (the counts do not depend on
 * samples).
 */
static int read_expansions(struct collector *c, struct monitor_prev *prev,
			   struct monitor_interval *iv)
{
	struct dmapool_sample s[64];
	int n, err;

	do {
		n = collect_new_samples(c, &prev->next_sample, s, 64);
		if (n < 0)
			return n;
		err = keep_expansions(iv, s, n);
		if (err)
			return err;
	} while (n == 64);
	if (prev->next_sample && prev->next_sample == *c->nr_samples) {
		*c->nr_samples = 0;
		prev->next_sample = 0;
	}
	return 0;
}

/* This interval's allocations of @pool per context. */
static int read_ctx_allocs(struct collector *c, int pool, uint64_t prev[DMAPOOL_NR_CTX],
			   uint64_t out[DMAPOOL_NR_CTX])
{
	struct dmapool_hist h;
	int ctx, err;

	for (ctx = 0; ctx < DMAPOOL_NR_CTX; ctx++) {
		err = collect_op_hist(c, DMAPOOL_OP_ALLOC, pool, ctx, &h);
		if (err)
			return err;
		out[ctx] = h.count - prev[ctx];
		prev[ctx] = h.count;
	}
	return 0;
}

/* Pool @p's line: the maps' differences and the pools object's state. */
static int read_pool(struct collector *c, struct monitor_prev *prev, int p,
		     struct json_object *pj, struct monitor_pool *mp)
{
	struct dmapool_hist fh;
	int err;

	err = collect_op_hist(c, DMAPOOL_OP_ALLOC, p, -1, &mp->alloc);
	if (!err)
		err = collect_op_hist(c, DMAPOOL_OP_FREE, p, -1, &fh);
	if (err)
		return err;
	hist_delta(&mp->alloc, &prev->alloc[p]);
	hist_delta(&fh, &prev->free[p]);
	mp->frees = fh.count;
	err = read_ctx_allocs(c, p, prev->ctx_allocs[p], mp->ctx_allocs);
	if (err)
		return err;
	mp->size = jint(pj, "size");
	mp->avail = jint(pj, "avail");
	mp->largest_free = jint(pj, "largest_free");
	mp->expansions_total = jint(pj, "expansions");
	mp->size_walked = jint(pj, "size_walked");
	mp->shown = true;
	return 0;
}

/* Read one interval into @iv (interval_free() after); 0 or -errno. */
static int monitor_read(struct collector *c, const struct monitor_opts *mo,
			struct monitor_prev *prev, struct monitor_interval *iv)
{
	struct json_object *pj;
	int p, err;

	/* Current avail for every pool, with or without events. */
	if (mo->kernel && kcollect_walk(c) && verbose)
		p_info("monitor: walking the pools' chunks failed");
	iv->pools = mo->kernel ? kcollect_pools(c) : kmod_pools();
	err = collect_counters(c, &iv->sum);
	if (err)
		return err;
	delta_words((__u64 *)&iv->sum, (__u64 *)&prev->sum,
		    sizeof(iv->sum) / sizeof(__u64));
	iv->live += iv->sum.live_bytes;
	if (iv->st->tracking) {
		err = holders_read(&iv->st->h, mono_ns(), stop_monitor);
		if (err)
			return err;
	}
	for (p = 0; p < DMAPOOL_NR_POOLS; p++) {
		if (mo->pool >= 0 && p != mo->pool)
			continue;
		if (!json_object_object_get_ex(iv->pools, pool_names[p], &pj) ||
		    !jint(pj, "present"))
			continue;
		err = read_pool(c, prev, p, pj, &iv->pool[p]);
		if (err)
			return err;
	}
	err = read_expansions(c, prev, iv);
	if (err)
		return err;
	if (mo->kernel) {
		iv->work_traced = kcollect_traced("atomic_pool_work_fn");
		if (!json_object_object_get_ex(iv->pools, "config", &iv->rules))
			iv->rules = NULL;
		iv->untraced = kcollect_untraced();
	}
	return 0;
}

static uint64_t alloc_mean_ns(const struct monitor_pool *mp)
{
	return mp->alloc.count ? mp->alloc.sum / mp->alloc.count : 0;
}

static void pool_plain(const struct monitor_opts *mo,
		       const struct monitor_interval *iv, int p)
{
	const struct monitor_pool *mp = &iv->pool[p];
	char avail[24] = "-", largest[24] = "-";
	uint64_t log2[HIST_LOG2_SLOTS];

	/* Negative: not known (the kernel target). */
	if (mp->avail >= 0)
		snprintf(avail, sizeof(avail), "%lld", mp->avail);
	if (mp->largest_free >= 0)
		snprintf(largest, sizeof(largest), "%lld", mp->largest_free);
	/* Counts as well as rates: a handful of real calls rounds to 0/s. */
	printf("%-7s %8llu %9.1f %8llu %9.1f %13llu %10lld %10s %10s\n",
	       pool_names[p], (unsigned long long)mp->alloc.count,
	       mp->alloc.count / iv->secs, (unsigned long long)mp->frees,
	       mp->frees / iv->secs, (unsigned long long)alloc_mean_ns(mp),
	       mp->size, avail, largest);
	if (!mo->hist || !mp->alloc.count)
		return;
	hist_fold_log2(mp->alloc.slots, log2);
	if (!mo->ns)
		log2_to_us(log2);
	printf("\n  %s alloc latency:\n", pool_names[p]);
	hist_print_log2(stdout, log2, mo->ns ? "nsecs" : "usecs");
}

/*
 * Bytes in use in pool @p that were allocated before attach (or did not
 * fit the blocks map): what the pool's chunks say is in use, less what we
 * track. -1: not known (the pool was never walked).
 */
static long long unattributed(const struct monitor_interval *iv, int p)
{
	const struct monitor_pool *mp = &iv->pool[p];
	long long size = mp->size_walked >= 0 ? mp->size_walked : mp->size;
	long long used = size - mp->avail - (long long)iv->st->h.tracked[p];

	if (size < 0 || mp->avail < 0)
		return -1;
	return used > 0 ? used : 0;
}

/*
 * Live bytes: tracked blocks when attributing; else allocated minus freed
 * since attach, which frees of older blocks can make negative: then it is
 * not known, and said so.
 */
static void live_plain(const struct monitor_interval *iv)
{
	const struct dmapool_counters *sum = &iv->sum;
	int p;

	if (iv->st->tracking) {
		printf("live bytes tracked since attach %llu in %llu blocks\n",
		       (unsigned long long)iv->st->h.tracked_bytes,
		       (unsigned long long)iv->st->h.tracked_blocks);
		printf("in use from before attach (unattributed):");
		for (p = 0; p < DMAPOOL_NR_POOLS; p++)
			if (iv->pool[p].shown && unattributed(iv, p) >= 0)
				printf(" %s %lld", pool_names[p], unattributed(iv, p));
		printf("\n");
		if (sum->blocks_untracked || sum->frees_untracked || sum->holders_dropped ||
		    sum->stacks_lost)
			printf("not tracked: %llu allocations (blocks map full: --max-blocks), %llu frees of untracked blocks (from before attach, or reused on another CPU before the free was traced), %llu events of holders past the holders map, %llu stacks lost\n",
			       (unsigned long long)sum->blocks_untracked,
			       (unsigned long long)sum->frees_untracked,
			       (unsigned long long)sum->holders_dropped,
			       (unsigned long long)sum->stacks_lost);
	} else if (iv->live < 0) {
		printf("live bytes since start unknown (%lld bytes more freed than allocated since attach: blocks from before it)\n",
		       -(long long)iv->live);
	} else {
		printf("live bytes since start %lld\n", (long long)iv->live);
	}
}

static void monitor_print_plain(const struct monitor_opts *mo,
				const struct monitor_interval *iv)
{
	static const char * const *const why = dmapool_fb_names;
	const struct dmapool_counters *sum = &iv->sum;
	const struct dmapool_sample *s;
	char stamp[32];
	int p, to, r;
	size_t i;

	strftime(stamp, sizeof(stamp), "%H:%M:%S", localtime(&iv->now));
	if (mo->timestamp)
		printf("%s\n", stamp);
	printf("%-7s %8s %9s %8s %9s %13s %10s %10s %10s\n", "pool", "allocs",
	       "allocs/s", "frees", "frees/s", "alloc_avg(ns)", "size", "avail",
	       "largest");
	for (p = 0; p < DMAPOOL_NR_POOLS; p++)
		if (iv->pool[p].shown)
			pool_plain(mo, iv, p);
	printf("fails %llu (no suitable pool %llu, exhausted %llu), expansions %llu (mean %.1f us), ",
	       (unsigned long long)sum->fails,
	       (unsigned long long)sum->failures[DMAPOOL_FAIL_NO_POOL],
	       (unsigned long long)sum->failures[DMAPOOL_FAIL_EXHAUSTED],
	       (unsigned long long)sum->expansions,
	       sum->expansions ? sum->expand_ns / 1e3 / sum->expansions : 0.0);
	live_plain(iv);
	if (mo->kernel && iv->work_traced)
		printf("atomic_pool_work_fn runs %llu (mean %.1f us)%s\n",
		       (unsigned long long)sum->work_runs,
		       sum->work_runs ? sum->work_ns / 1e3 / sum->work_runs : 0.0,
		       sum->unpaired ? ", some exits without their entry (nested probes)" : "");
	for (p = 0; p < DMAPOOL_NR_POOLS; p++)
		for (to = 0; to < DMAPOOL_NR_POOLS; to++)
			for (r = 0; r < DMAPOOL_NR_FB; r++)
				if (sum->fallbacks[p][to][r])
					printf("  fallback %s -> %s (%s): %llu\n", pool_names[p],
					       pool_names[to], why[r],
					       (unsigned long long)sum->fallbacks[p][to][r]);
	for (i = 0; i < iv->nr_exp; i++) {
		s = &iv->exp[i];
		printf("  expansion %s: %+lld bytes -> %llu in %.1f us%s\n",
		       pool_names[s->pool], (long long)s->obtained,
		       (unsigned long long)s->size, s->latency_ns / 1e3,
		       s->result ? " (failed)" : "");
	}
	if (iv->st->tracking) {
		printf("\n");
		holders_print_plain(&iv->st->h);
	}
	printf("\n");
}

static struct json_object *pool_json(const struct monitor_opts *mo,
				     const struct monitor_interval *iv, int p)
{
	const struct monitor_pool *mp = &iv->pool[p];
	struct json_object *o = json_object_new_object();
	struct json_object *by = json_object_new_object();
	int ctx;

	json_object_object_add(o, "allocs", json_object_new_uint64(mp->alloc.count));
	json_object_object_add(o, "frees", json_object_new_uint64(mp->frees));
	json_object_object_add(o, "alloc_mean_ns", json_object_new_uint64(alloc_mean_ns(mp)));
	json_object_object_add(o, "alloc_max_ns", json_object_new_uint64(mp->alloc.max));
	for (ctx = 0; ctx < DMAPOOL_NR_CTX; ctx++)
		json_object_object_add(by, ctx_names[ctx],
				       json_object_new_uint64(mp->ctx_allocs[ctx]));
	json_object_object_add(o, "allocs_by_ctx", by);
	json_object_object_add(o, "size", json_object_new_int64(mp->size));
	json_object_object_add(o, "avail", json_object_new_int64(mp->avail));
	json_object_object_add(o, "largest_free", json_object_new_int64(mp->largest_free));
	json_object_object_add(o, "expansions_total",
			       json_object_new_int64(mp->expansions_total));
	if (mo->kernel)
		json_object_object_add(o, "size_walked", json_object_new_int64(mp->size_walked));
	if (iv->st->tracking) {
		long long u = unattributed(iv, p);

		json_object_object_add(o, "tracked_bytes",
				       json_object_new_uint64(iv->st->h.tracked[p]));
		json_object_object_add(o, "unattributed_bytes",
				       u >= 0 ? json_object_new_int64(u) : NULL);
	}
	return o;
}

static struct json_object *fallbacks_json(const struct dmapool_counters *sum)
{
	static const char * const *const why = dmapool_fb_names;
	struct json_object *arr = json_object_new_array(), *f;
	int p, to, r;

	for (p = 0; p < DMAPOOL_NR_POOLS; p++)
		for (to = 0; to < DMAPOOL_NR_POOLS; to++)
			for (r = 0; r < DMAPOOL_NR_FB; r++) {
				if (!sum->fallbacks[p][to][r])
					continue;
				f = json_object_new_object();
				json_object_object_add(f, "from", json_object_new_string(pool_names[p]));
				json_object_object_add(f, "to", json_object_new_string(pool_names[to]));
				json_object_object_add(f, "reason", json_object_new_string(why[r]));
				json_object_object_add(f, "count",
						       json_object_new_uint64(sum->fallbacks[p][to][r]));
				json_object_array_add(arr, f);
			}
	return arr;
}

static struct json_object *expansions_json(const struct monitor_interval *iv)
{
	struct json_object *arr = json_object_new_array(), *o;
	const struct dmapool_sample *s;
	size_t i;

	for (i = 0; i < iv->nr_exp; i++) {
		s = &iv->exp[i];
		o = json_object_new_object();
		json_object_object_add(o, "pool", json_object_new_string(pool_names[s->pool]));
		json_object_object_add(o, "requested", json_object_new_uint64(s->requested));
		json_object_object_add(o, "obtained", json_object_new_uint64(s->obtained));
		json_object_object_add(o, "size_after", json_object_new_uint64(s->size));
		json_object_object_add(o, "latency_ns", json_object_new_uint64(s->latency_ns));
		json_object_object_add(o, "result", json_object_new_int(s->result));
		json_object_array_add(arr, o);
	}
	return arr;
}

/* The kernel target's extras: its pool rules, what is not traced, work. */
static void kernel_json(struct json_object *root, const struct monitor_interval *iv)
{
	/* The kernel's pool rules the fallbacks are judged by. */
	if (iv->rules)
		json_object_object_add(root, "rules", json_object_get(iv->rules));
	/* Functions the kernel's BTF lacks: their views are left out. */
	json_object_object_add(root, "untraced", json_object_get(iv->untraced));
	json_object_object_add(root, "work_runs", json_object_new_uint64(iv->sum.work_runs));
	json_object_object_add(root, "work_ns", json_object_new_uint64(iv->sum.work_ns));
	json_object_object_add(root, "unpaired", json_object_new_uint64(iv->sum.unpaired));
	json_object_object_add(root, "failure_events_dropped",
			       json_object_new_uint64(iv->sum.fail_events_dropped));
}

/* --by: who holds the pools, and what attribution could not count. */
static void tracking_json(struct json_object *root, const struct monitor_interval *iv)
{
	const struct dmapool_counters *sum = &iv->sum;
	struct holders *h = &iv->st->h;

	json_object_object_add(root, "by", json_object_new_string(iv->st->mo->by));
	json_object_object_add(root, "holders", holders_json(h));
	json_object_object_add(root, "tracked_bytes", json_object_new_uint64(h->tracked_bytes));
	json_object_object_add(root, "tracked_blocks", json_object_new_uint64(h->tracked_blocks));
	json_object_object_add(root, "blocks_untracked",
			       json_object_new_uint64(sum->blocks_untracked));
	json_object_object_add(root, "frees_untracked",
			       json_object_new_uint64(sum->frees_untracked));
	json_object_object_add(root, "holders_dropped",
			       json_object_new_uint64(sum->holders_dropped));
	json_object_object_add(root, "stacks_lost", json_object_new_uint64(sum->stacks_lost));
}

/* One JSON object on one line. */
static void monitor_print_json(const struct monitor_opts *mo,
			       const struct monitor_interval *iv)
{
	struct json_object *root = json_object_new_object();
	struct json_object *pools = json_object_new_object();
	int p, r;

	json_object_object_add(root, "time", json_object_new_int64(iv->now));
	json_object_object_add(root, "interval_s", json_object_new_double(iv->secs));
	for (p = 0; p < DMAPOOL_NR_POOLS; p++)
		if (iv->pool[p].shown)
			json_object_object_add(pools, pool_names[p], pool_json(mo, iv, p));
	json_object_object_add(root, "pools", pools);
	json_object_object_add(root, "fallbacks", fallbacks_json(&iv->sum));
	json_object_object_add(root, "expansion_events", expansions_json(iv));
	json_object_object_add(root, "fails", json_object_new_uint64(iv->sum.fails));
	for (r = 0; r < DMAPOOL_NR_FAIL; r++)
		json_object_object_add(root, fail_names[r],
				       json_object_new_uint64(iv->sum.failures[r]));
	json_object_object_add(root, "expansions", json_object_new_uint64(iv->sum.expansions));
	json_object_object_add(root, "expand_ns", json_object_new_uint64(iv->sum.expand_ns));
	/* Negative: frees of blocks from before attach; not known. */
	json_object_object_add(root, "live_bytes_since_start", iv->live >= 0 ?
			       json_object_new_int64(iv->live) : NULL);
	if (iv->st->tracking)
		tracking_json(root, iv);
	if (mo->kernel) {
		json_object_object_add(root, "failure_events", iv->st->fail_events ?
				       iv->st->fail_events : json_object_new_array());
		iv->st->fail_events = NULL;
		json_object_object_add(root, "failure_events_omitted",
				       json_object_new_uint64(iv->st->fail_events_omitted));
		iv->st->fail_events_omitted = 0;
	}
	json_object_object_add(root, "target", json_object_new_string(
		mo->kernel ? "kernel" : "bench"));
	if (mo->kernel)
		kernel_json(root, iv);
	printf("%s\n", json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN));
	json_object_put(root);
}

/* Read and print one interval; returns 0 or -errno. */
static int report(struct collector *c, struct monitor_state *st, double secs,
		  struct monitor_prev *prev, int64_t *live)
{
	struct monitor_interval *iv = calloc(1, sizeof(*iv));
	const struct monitor_opts *mo = st->mo;
	int err;

	if (!iv)
		return -ENOMEM;
	iv->now = time(NULL);
	iv->secs = secs;
	iv->live = *live;
	iv->st = st;
	err = monitor_read(c, mo, prev, iv);
	if (!err) {
		*live = iv->live;
		if (json_output)
			monitor_print_json(mo, iv);
		else
			monitor_print_plain(mo, iv);
		fflush(stdout);
	}
	interval_free(iv);
	free(iv);
	return err;
}

/* A failed allocation of the kernel's pools, from the ring buffer. */
static int on_fail_event(void *ctx, void *data, size_t len)
{
	struct monitor_state *st = ctx;
	const struct dmapool_fail_event *e = data;

	if (len < sizeof(*e))
		return 0;
	if (!json_output) {
		holders_fail_plain(&st->h, e, st->wall_off_ns);
		fflush(stdout);
		return 0;
	}
	if (!st->fail_events)
		st->fail_events = json_object_new_array();
	/* Bounded per interval: a storm of failures is counted, not kept. */
	if (json_object_array_length(st->fail_events) >= HOLDERS_MAX_FAIL_EVENTS)
		st->fail_events_omitted++;
	else
		json_object_array_add(st->fail_events,
				      holders_fail_json(&st->h, e, st->wall_off_ns));
	return 0;
}

static int opt_interval(const char *cmd, const struct opt *opt, const char *val,
			void *obj)
{
	struct monitor_opts *mo = obj;
	char *end;

	(void)opt;
	errno = 0;
	mo->interval = strtod(val, &end);
	if (errno || *end || end == val || !(mo->interval >= 0.1 && mo->interval <= 3600)) {
		p_err("%s: invalid interval '%s' (0.1..3600 seconds)", cmd, val);
		return -EINVAL;
	}
	return 0;
}

static int opt_pool(const char *cmd, const struct opt *opt, const char *val,
		    void *obj)
{
	struct monitor_opts *mo = obj;
	int p;

	(void)opt;
	p = dmapool_name_index(DMAPOOL_NAMES_POOL, val, strlen(val));
	if (p >= 0)
		mo->pool = p;
	if (mo->pool < 0) {
		p_err("%s: invalid --pool '%s' (dma, dma32 or kernel)", cmd, val);
		return -EINVAL;
	}
	return 0;
}

static int opt_max_blocks(const char *cmd, const struct opt *opt, const char *val,
			  void *obj)
{
	struct monitor_opts *mo = obj;
	unsigned long v;
	char *end;

	(void)opt;
	errno = 0;
	v = strtoul(val, &end, 10);
	if (errno || *end || end == val || val[0] == '-' || v < 1 || v > 1u << 20) {
		p_err("%s: invalid --max-blocks '%s' (1..1048576)", cmd, val);
		return -EINVAL;
	}
	mo->max_blocks = v;
	mo->max_blocks_set = true;
	return 0;
}

static const struct opt monitor_opts_table[] = {
	OPT_CHOICE_("target", struct monitor_opts, target, "T", "bench|kernel|auto",
		    "bench: the dmapool_bench module's tracepoints;\n"
		    "kernel: the running kernel's own pools (dma_alloc_from_pool,\n"
		    "dma_free_from_pool, atomic_pool_expand, atomic_pool_work_fn;\n"
		    "sizes from debugfs dma_pools/); auto (default): bench when\n"
		    "the module is loaded, else kernel"),
	OPT_CHOICE_("attach", struct monitor_opts, attach, "MODE", "auto|fentry|kprobe",
		    "kernel target: fentry, kprobe or auto (default: fentry/fexit,\n"
		    "kprobes when they do not attach)"),
	OPT_FN_("interval", 'i', "S", opt_interval, 0, "seconds between reports (default 1)"),
	OPT_FN_("pool", 0, "P", opt_pool, 0, "only pool P (dma, dma32, kernel)"),
	OPT_FLAG_("hist", 0, struct monitor_opts, hist, "alloc latency histograms"),
	OPT_CHOICE_("lat-unit", struct monitor_opts, lat_unit, "U", "us|ns",
		    "us or ns for histograms (default us)"),
	OPT_FLAG_("timestamp", 'T', struct monitor_opts, timestamp,
		  "a time stamp on each interval"),
};

static const struct opt holders_opts_table[] = {
	OPT_CHOICE_("by", struct monitor_opts, by, "KEY", "pool|dev|stack|cpu",
		    "who holds the pools: per device (dev) or per device and\n"
		    "kernel stack (stack) for the kernel target, per CPU and\n"
		    "context (cpu) for the bench target: live bytes and blocks,\n"
		    "age of the oldest block, allocs, frees and fails; pool\n"
		    "(default): the pools only, nothing tracked"),
	OPT_UINT_("trend", struct monitor_opts, trend, "N", 1, HOLDERS_MAX_TREND, "",
		  "mark holders whose live bytes grew in each of the last N\n"
		  "intervals (growing); the exit summary lists them (implies --by)"),
	OPT_UINT_("top", struct monitor_opts, top, "N", 1, DMAPOOL_MAX_HOLDERS, "",
		  "show the N biggest holders (default all)"),
	OPT_FN_("max-blocks", 0, "N", opt_max_blocks, 0,
		"outstanding blocks tracked at most (1..1048576, default\n"
		"65536); more are counted as not tracked"),
};

static const struct opt_group monitor_group = OPT_GROUP("Options", monitor_opts_table);
static const struct opt_group holders_group = OPT_GROUP("Who holds the pools",
							holders_opts_table);

static const struct cmd_help monitor_help = {
	.name = "monitor",
	.synopsis = "[--target bench|kernel|auto] [-i SECONDS] [COUNT]\n"
		    "                             [--pool P] [--hist] [--lat-unit us|ns] [-T] [--json]\n"
		    "                             [--attach auto|fentry|kprobe]\n"
		    "                             [--by pool|dev|stack|cpu] [--trend N] [--top N]\n"
		    "                             [--max-blocks N]",
	.about =
"Every interval, per pool: allocs and frees (counts and per second), fails\n"
"(no suitable pool and exhausted: the kernel's two kinds), fallbacks (from ->\n"
"to), expansions (count, mean latency), size, avail, largest free extent and\n"
"live bytes; with --hist the alloc latency log2 histograms. Intervals are\n"
"exact differences of cumulative counts. Ctrl-C prints the last interval and\n"
"detaches. COUNT stops after COUNT intervals (default: until Ctrl-C); with\n"
"--json, one JSON object per interval, one per line.\n"
"\n"
"--by says who holds the pools: every block allocated after attach is kept\n"
"until it is freed, with its device and kernel stack (kernel target) or CPU\n"
"and context (bench target). Blocks allocated before attach are not known:\n"
"the pools' other in-use bytes are shown as unattributed. On exit a summary\n"
"lists the growing holders (--trend) and the oldest blocks. The kernel target\n"
"prints every failed allocation as it happens: device, driver, size, gfp,\n"
"the device's coherent DMA mask and the kernel's kind of failure.\n",
	.examples =
"  dmapool-bench monitor\n"
"  dmapool-bench monitor -i 2 5 --hist --pool kernel\n"
"  dmapool-bench monitor --target kernel -T --hist\n"
"  dmapool-bench monitor --target kernel --by dev --trend 5 -i 60\n"
"  dmapool-bench monitor --target kernel --by stack --top 10\n"
"  dmapool-bench monitor --target bench --by cpu\n"
"  dmapool-bench monitor --json 10 | jq .pools.kernel.allocs\n",
};

/* --by and --trend against the target; 0 or -EINVAL. */
static int check_by(struct monitor_opts *mo)
{
	if (mo->by && !strcmp(mo->by, "pool")) {
		if (mo->trend || mo->top || mo->max_blocks_set) {
			p_err("monitor: --trend, --top and --max-blocks need holders (--by dev, stack or cpu), not --by pool");
			return -EINVAL;
		}
		mo->by = NULL;	/* the pool view alone: the default */
	}
	/* What only holders have implies them: the target's default view. */
	if ((mo->trend || mo->top || mo->max_blocks_set) && !mo->by)
		mo->by = mo->kernel ? "dev" : "cpu";
	if (!mo->by)
		return 0;
	if (mo->kernel && !strcmp(mo->by, "cpu")) {
		p_err("monitor: --by cpu is for the bench target (kernel: --by dev or --by stack)");
		return -EINVAL;
	}
	if (!mo->kernel && strcmp(mo->by, "cpu")) {
		p_err("monitor: --by %s is for the kernel target (bench: --by cpu)", mo->by);
		return -EINVAL;
	}
	return 0;
}

/* Options and COUNT: 0, 1 after --help, or -EINVAL. */
static int monitor_parse(struct monitor_opts *mo, int argc, char **argv)
{
	struct opt_use use[] = { { &monitor_group, mo }, { &holders_group, mo } };
	int first, ret;
	char *end;

	ret = opts_parse(&monitor_help, use, ARRAY_SIZE(use), argc, argv, &first);
	if (ret)
		return ret;
	mo->ns = !strcmp(mo->lat_unit, "ns");
	if (first < argc) {
		errno = 0;
		mo->count = strtol(argv[first], &end, 10);
		if (errno || *end || mo->count < 1 || first + 1 < argc) {
			p_err("monitor: invalid count '%s' (a positive number of intervals)",
			      argv[first]);
			return -EINVAL;
		}
	}
	mo->kernel = !strcmp(mo->target, "kernel") ||
		     (!strcmp(mo->target, "auto") && access("/sys/module/dmapool_bench", F_OK));
	if (check_by(mo))
		return -EINVAL;
	if (!mo->kernel && access("/sys/module/dmapool_bench", F_OK)) {
		p_err("monitor: the dmapool_bench module is not loaded (dmapool-bench run loads it)");
		return -ENOENT;
	}
	return 0;
}

/* Attach, and set up what attribution and failure events need. */
static int monitor_start(struct monitor_state *st, struct collector **col,
			 struct ring_buffer **rb, const char **how)
{
	const struct monitor_opts *mo = st->mo;
	struct timespec rt, mt;
	int err;

	collect_track.on = st->tracking;
	collect_track.stacks = mo->kernel;
	collect_track.key_stacks = mo->by && !strcmp(mo->by, "stack");
	collect_track.max_blocks = mo->max_blocks;
	err = mo->kernel ? kcollect_start(col, mo->attach, how) :
	      collect_start(col, "auto", how);
	if (err)
		return err;
	st->h.by = !mo->by ? HOLDERS_BY_DEV : !strcmp(mo->by, "stack") ? HOLDERS_BY_STACK :
		   !strcmp(mo->by, "cpu") ? HOLDERS_BY_CPU : HOLDERS_BY_DEV;
	st->h.kernel = mo->kernel;
	st->h.trend = mo->trend;
	st->h.top = mo->top;
	st->h.holders_fd = (*col)->holders_fd;
	st->h.blocks_fd = (*col)->blocks_fd;
	st->h.stacks_fd = (*col)->stacks_fd;
	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_MONOTONIC, &mt);
	st->wall_off_ns = (rt.tv_sec - mt.tv_sec) * 1000000000LL + rt.tv_nsec - mt.tv_nsec;
	if (st->tracking && holders_init(&st->h, mo->max_blocks)) {
		p_err("monitor: out of memory for %u blocks", mo->max_blocks);
		return -ENOMEM;
	}
	if (mo->kernel && (*col)->fail_fd >= 0) {
		*rb = ring_buffer__new((*col)->fail_fd, on_fail_event, st, NULL);
		if (!*rb) {
			err = -errno;
			p_err("monitor: cannot read the failure events: %s", strerror(-err));
			return err;
		}
	}
	return 0;
}

/* The summary on exit (--by): growing holders, oldest blocks. */
static void monitor_summary(struct monitor_state *st)
{
	struct json_object *o;

	if (json_output) {
		o = json_object_new_object();
		json_object_object_add(o, "summary", holders_summary_json(&st->h));
		printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
		json_object_put(o);
	} else {
		holders_summary_plain(&st->h);
	}
	fflush(stdout);
}

int cmd_monitor(int argc, char **argv)
{
	struct monitor_opts mo = { .interval = 1, .count = -1, .pool = -1,
				   .attach = "auto", .target = "auto", .lat_unit = "us",
				   .max_blocks = 65536 };
	struct monitor_state st = { .mo = &mo, .h = { .holders_fd = -1, .blocks_fd = -1,
						     .stacks_fd = -1 } };
	struct ring_buffer *rb = NULL;
	struct collector *col = NULL;
	struct monitor_prev *prev;
	int64_t live = 0;
	const char *how;
	int err = 0;
	long n = 0;

	err = monitor_parse(&mo, argc, argv);
	if (err)
		return err > 0 ? EXIT_OK : err == -ENOENT ? EXIT_FAIL : EXIT_USAGE;
	st.tracking = mo.by != NULL;
	prev = calloc(1, sizeof(*prev));
	if (!prev || monitor_start(&st, &col, &rb, &how)) {
		ring_buffer__free(rb);
		if (col)
			collect_stop(col);
		holders_free(&st.h);
		free(prev);
		return EXIT_FAIL;
	}
	if (mo.kernel && !kcollect_debugfs_ok())
		p_info("pool sizes unknown: cannot read /sys/kernel/debug/dma_pools (mount debugfs)");
	collect_reset(col, mono_ns());
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (!json_output) {
		fprintf(stderr, "Monitoring the %s (%s)... Hit Ctrl-C to end.\n",
			mo.kernel ? "kernel's atomic pools" : "bench pools", how);
		if (st.tracking)
			fprintf(stderr, "Blocks allocated before now are not known: the pools' in-use bytes beyond the tracked ones are shown as unattributed.\n");
	}
	while (!stop_monitor && (mo.count < 0 || n < mo.count)) {
		uint64_t t0 = mono_ns();
		double secs;

		while (!stop_monitor && mono_ns() - t0 < mo.interval * 1e9) {
			usleep(20000);
			if (rb)
				ring_buffer__consume(rb);
		}
		if (rb)
			ring_buffer__consume(rb);
		secs = (mono_ns() - t0) / 1e9;
		err = report(col, &st, secs, prev, &live);
		if (err) {
			p_err("monitor: reading the maps failed: %s", strerror(-err));
			break;
		}
		n++;
	}
	if (!err && st.tracking)
		monitor_summary(&st);
	ring_buffer__free(rb);
	collect_stop(col);
	holders_free(&st.h);
	json_object_put(st.fail_events);
	free(prev);
	return err ? EXIT_FAIL : EXIT_OK;
}
