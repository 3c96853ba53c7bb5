/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Result files (schema dmapool-bench/1): written atomically with json-c,
 * read back for plots and summaries; CSVs for gnuplot derived from them.
 */
#ifndef DMAPOOL_BENCH_RESULT_H
#define DMAPOOL_BENCH_RESULT_H

#include <json-c/json.h>

#define RESULT_SCHEMA "dmapool-bench/1"

/* Write @root to DIR/NAME through a temporary file and rename(2). */
int result_write_json(struct json_object *root, const char *dir,
		      const char *name);
/* Read and check a result file; NULL (error printed) when invalid. */
struct json_object *result_read(const char *path);

/* spectrum.csv, hist_log2.csv, timeline.csv, expansions.csv in @dir. */
int result_write_csvs(struct json_object *const *results, int n,
		      const char *dir, char *series, size_t series_len,
		      char *pools, size_t pools_len);

/* The human summary of every run of @root. */
void result_print_summary(struct json_object *root);

/* json-c helpers */
uint64_t jget_u64(struct json_object *o, const char *key);
const char *jget_str(struct json_object *o, const char *key);

#endif
