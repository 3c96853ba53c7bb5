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

#include "dmapool.h"

#define RESULT_SCHEMA "dmapool-bench/1"

/*
 * Files appear whole or not at all: written to a temporary file in the same
 * directory, synced, renamed over the target, and the directory synced.
 */
struct afile {
	FILE *f;
	char tmp[PATH_MAX];
	char path[PATH_MAX];
};

/* Start DIR/NAME (error printed); write to a->f. */
int afile_open(struct afile *a, const char *dir, const char *name);
/* Commit (@ok) or drop the file; returns 0 when it was committed. */
int afile_close(struct afile *a, bool ok);

/* Write @root to DIR/NAME through a temporary file and rename(2). */
int result_write_json(struct json_object *root, const char *dir,
		      const char *name);
/* A JSON file whose "schema" is @schema, or NULL after a one-line error. */
struct json_object *result_read_json(const char *path, const char *schema);
/* Read and check a result file; NULL (error printed) when invalid. */
struct json_object *result_read(const char *path);

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

/* The human summary of every run of @root. */
void result_print_summary(struct json_object *root);

/* json-c helpers */
uint64_t jget_u64(struct json_object *o, const char *key);
const char *jget_str(struct json_object *o, const char *key);

#endif
