// SPDX-License-Identifier: GPL-2.0
#include <string.h>

#include "aggregate.h"
#include "hist.h"
#include "spec.h"

static struct json_object *u64j(uint64_t v)
{
	return json_object_new_uint64(v);
}

/* A pool's name: "none" for failed allocations (and anything unknown). */
static const char *pool_name(uint32_t pool)
{
	const char *name = dmapool_name(DMAPOOL_NAMES_POOL, pool);

	return name ? name : DMAPOOL_POOL_NONE_NAME;
}

/* A case of histogram key @key; of stream @stream unless NULL. */
static struct json_object *hist_case(uint32_t key, const struct dmapool_hist *h,
				     double elapsed_s, const char *stream)
{
	struct json_object *o = json_object_new_object(), *b;
	uint32_t order = key % DMAPOOL_NR_ORDERS;
	uint32_t ctx = key / DMAPOOL_NR_ORDERS % DMAPOOL_NR_CTX;
	uint32_t pool = key / DMAPOOL_NR_ORDERS / DMAPOOL_NR_CTX %
			DMAPOOL_HIST_POOLS;
	uint32_t op = key / DMAPOOL_NR_ORDERS / DMAPOOL_NR_CTX /
		      DMAPOOL_HIST_POOLS;
	uint32_t i;

	if (stream)
		json_object_object_add(o, "stream", json_object_new_string(stream));
	json_object_object_add(o, "op", json_object_new_string(dmapool_op_names[op]));
	json_object_object_add(o, "pool", json_object_new_string(pool_name(pool)));
	json_object_object_add(o, "ctx", json_object_new_string(dmapool_ctx_names[ctx]));
	json_object_object_add(o, "size_order", json_object_new_int(order));
	json_object_object_add(o, "n", u64j(h->count));
	json_object_object_add(o, "sum_ns", u64j(h->sum));
	json_object_object_add(o, "mean", u64j(h->count ? h->sum / h->count : 0));
	json_object_object_add(o, "p50", u64j(hist_quantile(h->slots, h->count, h->max, 0.5)));
	json_object_object_add(o, "p90", u64j(hist_quantile(h->slots, h->count, h->max, 0.9)));
	json_object_object_add(o, "p99", u64j(hist_quantile(h->slots, h->count, h->max, 0.99)));
	json_object_object_add(o, "p999", u64j(hist_quantile(h->slots, h->count, h->max, 0.999)));
	json_object_object_add(o, "max", u64j(h->max));
	json_object_object_add(o, "ops_per_sec",
			       u64j(elapsed_s > 0 ? (uint64_t)(h->count / elapsed_s) : 0));
	b = json_object_new_array();
	for (i = 0; i < DMAPOOL_HIST_BUCKETS; i++) {
		struct json_object *pair;

		if (!h->slots[i])
			continue;
		pair = json_object_new_array();
		json_object_array_add(pair, json_object_new_int(i));
		json_object_array_add(pair, u64j(h->slots[i]));
		json_object_array_add(b, pair);
	}
	json_object_object_add(o, "buckets", b);
	return o;
}

int agg_add_cases(struct json_object *run, agg_hist_fn get, void *ctx,
		  double elapsed_s)
{
	struct json_object *cases = json_object_new_array();
	struct dmapool_hist h;
	uint32_t k;
	int err;

	for (k = 0; k < DMAPOOL_HIST_KEYS; k++) {
		err = get(ctx, k, &h);
		if (err) {
			json_object_put(cases);
			return err;
		}
		if (h.count)
			json_object_array_add(cases, hist_case(k, &h, elapsed_s, NULL));
	}
	json_object_object_add(run, "cases", cases);
	return 0;
}

static void hist_merge(struct dmapool_hist *to, const struct dmapool_hist *h)
{
	uint32_t i;

	to->count += h->count;
	to->sum += h->sum;
	if (h->max > to->max)
		to->max = h->max;
	for (i = 0; i < DMAPOOL_HIST_BUCKETS; i++)
		to->slots[i] += h->slots[i];
}

int agg_add_stream_cases(struct json_object *cases, const char *name,
			 agg_hist_fn get, void *ctx, double elapsed_s,
			 struct dmapool_hist *alloc, struct dmapool_hist *free)
{
	struct dmapool_hist h;
	struct json_object *cs;
	uint32_t k;
	int err;

	memset(alloc, 0, sizeof(*alloc));
	memset(free, 0, sizeof(*free));
	for (k = 0; k < DMAPOOL_HIST_KEYS; k++) {
		err = get(ctx, k, &h);
		if (err)
			return err;
		if (!h.count)
			continue;
		cs = hist_case(k, &h, elapsed_s, name);
		json_object_array_add(cases, cs);
		hist_merge(k < DMAPOOL_HIST_KEYS / DMAPOOL_NR_OPS ? alloc : free, &h);
	}
	return 0;
}

struct json_object *agg_latency(const struct dmapool_hist *h)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "n", u64j(h->count));
	json_object_object_add(o, "mean", u64j(h->count ? h->sum / h->count : 0));
	json_object_object_add(o, "p50", u64j(hist_quantile(h->slots, h->count, h->max, 0.5)));
	json_object_object_add(o, "p90", u64j(hist_quantile(h->slots, h->count, h->max, 0.9)));
	json_object_object_add(o, "p99", u64j(hist_quantile(h->slots, h->count, h->max, 0.99)));
	json_object_object_add(o, "p999", u64j(hist_quantile(h->slots, h->count, h->max, 0.999)));
	json_object_object_add(o, "max", u64j(h->max));
	return o;
}

void agg_add_counters(struct json_object *run,
		      const struct dmapool_counters *sum)
{
	json_object_object_add(run, "counters", agg_counters(sum));
}

struct json_object *agg_counters(const struct dmapool_counters *sum)
{
	struct json_object *o = json_object_new_object(), *a, *ev;
	uint32_t i, j, r;

	ev = json_object_new_object();
	for (i = 0; i < DMAPOOL_NR_EVENTS; i++)
		json_object_object_add(ev, dmapool_event_names[i], u64j(sum->events[i]));
	json_object_object_add(o, "events", ev);
	json_object_object_add(o, "allocs", u64j(sum->allocs));
	json_object_object_add(o, "fails", u64j(sum->fails));
	json_object_object_add(o, "frees", u64j(sum->frees));
	a = json_object_new_object();
	for (i = 0; i < DMAPOOL_NR_RES; i++)
		json_object_object_add(a, dmapool_res_names[i], u64j(sum->results[i]));
	json_object_object_add(o, "results", a);
	a = json_object_new_array();
	for (i = 0; i < DMAPOOL_NR_POOLS; i++)
		for (j = 0; j < DMAPOOL_NR_POOLS; j++)
			for (r = 0; r < DMAPOOL_NR_FB; r++) {
				struct json_object *f;

				if (!sum->fallbacks[i][j][r])
					continue;
				f = json_object_new_object();
				json_object_object_add(f, "from",
						       json_object_new_string(dmapool_pool_names[i]));
				json_object_object_add(f, "to",
						       json_object_new_string(dmapool_pool_names[j]));
				json_object_object_add(f, "reason",
						       json_object_new_string(dmapool_fb_names[r]));
				json_object_object_add(f, "count", u64j(sum->fallbacks[i][j][r]));
				json_object_array_add(a, f);
			}
	json_object_object_add(o, "fallbacks", a);
	/* The kernel's two failure kinds: no_suitable_pool, exhausted. */
	for (i = 0; i < DMAPOOL_NR_FAIL; i++)
		json_object_object_add(o, dmapool_fail_names[i], u64j(sum->failures[i]));
	json_object_object_add(o, "live_bytes", json_object_new_int64(sum->live_bytes));
	json_object_object_add(o, "expansions", u64j(sum->expansions));
	json_object_object_add(o, "expand_fails", u64j(sum->expand_fails));
	json_object_object_add(o, "expand_ns", u64j(sum->expand_ns));
	return o;
}

void agg_add_samples(struct json_object *run, const struct dmapool_sample *s,
		     size_t n, uint64_t t0_ns)
{
	struct json_object *tl = json_object_new_array();
	struct json_object *ex = json_object_new_array();
	size_t k;

	for (k = 0; k < n; k++, s++) {
		struct json_object *o = json_object_new_object();
		int64_t t = s->ts_ns > t0_ns ? (int64_t)(s->ts_ns - t0_ns) : 0;

		json_object_object_add(o, "t_ns", json_object_new_int64(t));
		json_object_object_add(o, "pool", json_object_new_string(pool_name(s->pool)));
		if (s->kind == DMAPOOL_EV_STATE) {
			json_object_object_add(o, "size", u64j(s->size));
			json_object_object_add(o, "avail", u64j(s->avail));
			json_object_object_add(o, "largest_free", u64j(s->largest_free));
			json_object_object_add(o, "chunks", json_object_new_int(s->chunks));
			json_object_array_add(tl, o);
		} else {
			json_object_object_add(o, "requested", u64j(s->requested));
			json_object_object_add(o, "obtained", u64j(s->obtained));
			json_object_object_add(o, "order", json_object_new_int(s->order));
			json_object_object_add(o, "latency_ns", u64j(s->latency_ns));
			json_object_object_add(o, "size_after", u64j(s->size));
			json_object_object_add(o, "result", json_object_new_int(s->result));
			json_object_array_add(ex, o);
		}
	}
	json_object_object_add(run, "timeline", tl);
	json_object_object_add(run, "expansions", ex);
}

void agg_add_lost(struct json_object *run,
		  const uint64_t misses[DMAPOOL_NR_EVENTS],
		  uint64_t samples_dropped, struct json_object *extra)
{
	struct json_object *lost = json_object_new_object();
	struct json_object *by = json_object_new_object();
	uint64_t total = 0;
	int e;

	for (e = 0; e < DMAPOOL_NR_EVENTS; e++) {
		json_object_object_add(by, dmapool_event_names[e], u64j(misses[e]));
		total += misses[e];
	}
	json_object_object_add(lost, "recursion_misses", u64j(total));
	json_object_object_add(lost, "recursion_misses_by_event", by);
	json_object_object_add(lost, "samples_dropped", u64j(samples_dropped));
	if (extra) {
		json_object_object_foreach(extra, key, val)
			json_object_object_add(lost, key, json_object_get(val));
		json_object_put(extra);
	}
	json_object_object_add(run, "lost", lost);
}
