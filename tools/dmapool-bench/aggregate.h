/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The per-run part of a result from aggregated data in the BPF maps' layouts
 * (bpf/dmapool.h): shared by the BPF collectors and by `report`, which
 * aggregates a raw ftrace recording into the same structs.
 */
#ifndef DMAPOOL_BENCH_AGGREGATE_H
#define DMAPOOL_BENCH_AGGREGATE_H

#include <json-c/json.h>
#include <stdint.h>

#include "dmapool.h"

/* One histogram key's source: fill @out, return 0 or -errno. */
typedef int (*agg_hist_fn)(void *ctx, uint32_t key, struct dmapool_hist *out);

/* run.cases: every non-empty histogram key. */
int agg_add_cases(struct json_object *run, agg_hist_fn get, void *ctx,
		  double elapsed_s);
/*
 * A stream's non-empty histogram keys, each a case with "stream": @name,
 * appended to @cases; every alloc and free histogram merged into *@alloc
 * and *@free (for the stream's latency summary).
 */
int agg_add_stream_cases(struct json_object *cases, const char *name,
			 agg_hist_fn get, void *ctx, double elapsed_s,
			 struct dmapool_hist *alloc, struct dmapool_hist *free);
/* n, mean and percentiles of @h: a stream's latency summary. */
struct json_object *agg_latency(const struct dmapool_hist *h);
/* run.counters */
void agg_add_counters(struct json_object *run,
		      const struct dmapool_counters *sum);
/* The object agg_add_counters() adds. */
struct json_object *agg_counters(const struct dmapool_counters *sum);
/* run.timeline and run.expansions; times relative to @t0_ns. */
void agg_add_samples(struct json_object *run, const struct dmapool_sample *s,
		     size_t n, uint64_t t0_ns);
/* run.lost: per-event misses, samples dropped, and @extra keys if any. */
void agg_add_lost(struct json_object *run,
		  const uint64_t misses[DMAPOOL_NR_EVENTS],
		  uint64_t samples_dropped, struct json_object *extra);

#endif
