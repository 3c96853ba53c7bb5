/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Result files (schema dmapool-bench/1): written atomically with json-c,
 * read back for plots and summaries; CSVs for gnuplot derived from them.
 */
#ifndef DMAPOOL_BENCH_RESULT_H
#define DMAPOOL_BENCH_RESULT_H

#include <json-c/json.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <linux/types.h>

#include "afile.h"
#include "dmapool.h"

#define RESULT_SCHEMA "dmapool-bench/1"

/* Write @root to DIR/NAME through a temporary file and rename(2). */
int result_write_json(struct json_object *root, const char *dir,
		      const char *name);
/*
 * Read a result file and check every field the readers use (result_check):
 * NULL after one line naming the file, the JSON path and the problem.
 */
struct json_object *result_read(const char *path);
/*
 * Check @doc against the subschema @ptr of result.schema.json ("#": a
 * result file; "#/$defs/skeleton", "#/$defs/recording_info": a recording's
 * sections) and the histogram layout of bpf/dmapool.h. 0 when valid, else
 * -EINVAL with "PATH: WHAT" in @err (JSCHEMA_ERR_LEN bytes will do).
 */
int result_check(struct json_object *doc, const char *ptr, char *err, size_t len);

/* The other files the CLI reads back, each with its schema. */
enum json_schema {
	SCHEMA_RESULT,		/* result.schema.json */
	SCHEMA_BENCH,		/* bench.schema.json: bench's normal.json ... */
	SCHEMA_RECOMMEND,	/* recommend.schema.json: compare's recommend.json */
	SCHEMA_PROFILE,		/* profiles/profile.schema.json: a driver profile */
};

/* Check @doc against the subschema @ptr of @which; as result_check(). */
int json_check(enum json_schema which, struct json_object *doc,
	       const char *ptr, char *err, size_t len);
/*
 * Read and check a JSON file (SCHEMA_RESULT: as result_check()); NULL after
 * one line naming the file, and the JSON path and the problem.
 */
struct json_object *json_read_checked(const char *path, enum json_schema which);

/* spectrum.csv, hist_log2.csv, timeline.csv, expansions.csv in @dir. */
int result_write_csvs(struct json_object *const *results, int n,
		      const char *dir, char *series, size_t series_len,
		      char *pools, size_t pools_len);

/* The dense @slots of case @cs from its sparse [[bucket, count], ...]. */
void result_case_slots(struct json_object *cs, __u64 *slots);

/* Cases of runs merged: what gate and compare measure. */
struct result_merged {
	__u64 slots[DMAPOOL_HIST_BUCKETS];
	uint64_t n, sum_ns, max;
};

/* Add the cases of @run that @keep(case, @arg) accepts into @m. */
void result_merge_cases(struct json_object *run,
			bool (*keep)(struct json_object *cs, const void *arg),
			const void *arg, struct result_merged *m);

/*
 * The summary of every run of @root for people, on stdout: the workload, a
 * table per run (failed allocations as pool "failed"), fallbacks,
 * expansions, lost events; with @hist a log2 histogram per alloc case too.
 * Sizes in binary units (fmt_bytes()).
 */
void result_print_summary(struct json_object *root, bool hist);
/*
 * The workload of @meta's spec for people: "hardirq on cpus 0-1, 2 s, sizes
 * 4 KiB, 16 KiB weighted 1:3, hold 32 ops, zone auto, 64-bit mask"; @brief (a
 * plot title) leaves out the duration, weights, zone and mask and gives a
 * list of more than two sizes as a range. The spec itself if it does not
 * parse.
 */
void result_workload(struct json_object *meta, bool brief, char *buf,
		     size_t len);

/* json-c helpers */
uint64_t jget_u64(struct json_object *o, const char *key);
const char *jget_str(struct json_object *o, const char *key);

#endif
