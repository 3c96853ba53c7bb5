// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hist.h"
#include "jschema.h"
#include "main.h"
#include "result.h"
#include "spec.h"
/* Generated from the *.schema.json files. */
#include "bench.schema.h"
#include "profile.schema.h"
#include "recommend.schema.h"
#include "result.schema.h"

uint64_t jget_u64(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_uint64(v) : 0;
}

const char *jget_str(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) && v ? json_object_get_string(v) : "";
}

int result_write_json(struct json_object *root, const char *dir,
		      const char *name)
{
	struct afile a;
	const char *text;

	if (afile_open(&a, dir, name))
		return -EIO;
	text = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
					      JSON_C_TO_STRING_NOSLASHESCAPE);
	if (fputs(text, a.f) < 0 || fputc('\n', a.f) < 0) {
		p_err("writing %s failed: %s", a.path, strerror(errno));
		afile_close(&a, false);
		return -EIO;
	}
	return afile_close(&a, true);
}

int json_check(enum json_schema which, struct json_object *doc,
	       const char *ptr, char *err, size_t len)
{
	static const char * const text[] = {
		[SCHEMA_RESULT] = result_schema_text,
		[SCHEMA_BENCH] = bench_schema_text,
		[SCHEMA_RECOMMEND] = recommend_schema_text,
		[SCHEMA_PROFILE] = profile_schema_text,
	};
	static struct json_object *schema[4];

	if (!schema[which])
		schema[which] = json_tokener_parse(text[which]);
	if (!schema[which]) {
		snprintf(err, len, "an embedded schema does not parse");
		return -EINVAL;
	}
	return jschema_check(doc, schema[which], ptr, err, len);
}

/*
 * What the schema cannot say: the histograms' layout is the one this
 * program was built with (bpf/dmapool.h), each case's buckets ascend below
 * its bucket count and add up to its n.
 */
static int check_layout(struct json_object *root, char *err, size_t len)
{
	struct json_object *meta, *b, *runs, *cases, *cs, *bk;
	size_t r, c, i, nb;
	uint64_t sub, pow, sum, k, prev;

	if (!json_object_object_get_ex(root, "meta", &meta) ||
	    !json_object_object_get_ex(meta, "buckets", &b))
		return 0;
	sub = jget_u64(b, "sub_bits");
	pow = jget_u64(b, "max_pow");
	if (sub != DMAPOOL_HIST_SUB_BITS || pow != DMAPOOL_HIST_MAX_POW) {
		snprintf(err, len, ".meta.buckets: sub_bits %llu, max_pow %llu: this dmapool-bench reads the layout sub_bits %d, max_pow %d",
			 (unsigned long long)sub, (unsigned long long)pow,
			 DMAPOOL_HIST_SUB_BITS, DMAPOOL_HIST_MAX_POW);
		return -EINVAL;
	}
	json_object_object_get_ex(root, "runs", &runs);
	for (r = 0; r < json_object_array_length(runs); r++) {
		if (!json_object_object_get_ex(json_object_array_get_idx(runs, r),
					       "cases", &cases))
			continue;
		for (c = 0; c < json_object_array_length(cases); c++) {
			cs = json_object_array_get_idx(cases, c);
			json_object_object_get_ex(cs, "buckets", &bk);
			nb = json_object_array_length(bk);
			sum = 0;
			prev = 0;
			for (i = 0; i < nb; i++) {
				b = json_object_array_get_idx(bk, i);
				k = json_object_get_uint64(json_object_array_get_idx(b, 0));
				if (k >= DMAPOOL_HIST_BUCKETS || (i && k <= prev)) {
					if (k >= DMAPOOL_HIST_BUCKETS)
						snprintf(err, len, ".runs[%zu].cases[%zu].buckets[%zu][0]: bucket %llu is beyond the layout's %d buckets",
							 r, c, i, (unsigned long long)k,
							 DMAPOOL_HIST_BUCKETS);
					else
						snprintf(err, len, ".runs[%zu].cases[%zu].buckets[%zu][0]: bucket %llu does not ascend",
							 r, c, i, (unsigned long long)k);
					return -EINVAL;
				}
				prev = k;
				/* Counts are below 2^53 (the schema): no wrap. */
				sum += json_object_get_uint64(json_object_array_get_idx(b, 1));
			}
			if (sum != jget_u64(cs, "n")) {
				snprintf(err, len, ".runs[%zu].cases[%zu].buckets: the counts add up to %llu, n is %llu",
					 r, c, (unsigned long long)sum,
					 (unsigned long long)jget_u64(cs, "n"));
				return -EINVAL;
			}
		}
	}
	return 0;
}

int result_check(struct json_object *doc, const char *ptr, char *err, size_t len)
{
	if (json_check(SCHEMA_RESULT, doc, ptr, err, len))
		return -EINVAL;
	return check_layout(doc, err, len);
}

/*
 * A whole file as one JSON value; NULL with the reason in @err: json-c's own
 * messages ("json_tokener_parse_ex failed: continue") say little.
 */
static struct json_object *json_parse_file(const char *path, char *err,
					   size_t len)
{
	struct json_object *root = NULL;
	struct json_tokener *tok = NULL;
	enum json_tokener_error jerr;
	size_t n = 0, cap = 0, end;
	char *buf = NULL, *nb;
	FILE *f;

	f = fopen(path, "re");
	if (!f) {
		snprintf(err, len, "%s", strerror(errno));
		return NULL;
	}
	for (;;) {
		if (n == cap) {
			cap = cap ? 2 * cap : 65536;
			nb = cap > INT_MAX ? NULL : realloc(buf, cap);
			if (!nb) {
				snprintf(err, len, "too large to read");
				goto out;
			}
			buf = nb;
		}
		end = fread(buf + n, 1, cap - n, f);
		n += end;
		if (!end)
			break;
	}
	if (ferror(f)) {
		snprintf(err, len, "%s", strerror(errno));
		goto out;
	}
	tok = json_tokener_new();
	if (!tok) {
		snprintf(err, len, "out of memory");
		goto out;
	}
	root = json_tokener_parse_ex(tok, buf, (int)n);
	jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	while (end < n && strchr(" \t\r\n", buf[end]))
		end++;
	if (!n)
		snprintf(err, len, "the file is empty");
	else if (jerr == json_tokener_continue)
		snprintf(err, len, "not JSON: it ends after %zu bytes, inside a value (truncated?)",
			 n);
	else if (jerr != json_tokener_success)
		snprintf(err, len, "not JSON: %s at byte %zu",
			 json_tokener_error_desc(jerr), json_tokener_get_parse_end(tok));
	else if (end < n)
		snprintf(err, len, "not JSON: more after the value, at byte %zu", end);
	else if (!root)
		snprintf(err, len, "expected an object, got null");
	else
		goto out;
	json_object_put(root);
	root = NULL;
out:
	if (tok)
		json_tokener_free(tok);
	free(buf);
	fclose(f);
	return root;
}

struct json_object *json_read_checked(const char *path, enum json_schema which)
{
	char err[JSCHEMA_ERR_LEN];
	struct json_object *root = json_parse_file(path, err, sizeof(err));

	if (!root) {
		p_err("cannot read '%s': %s", path, err);
		return NULL;
	}
	/* Some other JSON file: say that, not where it differs from ours. */
	if (which == SCHEMA_RESULT && strcmp(jget_str(root, "schema"), RESULT_SCHEMA)) {
		p_err("'%s' is not a %s result file", path, RESULT_SCHEMA);
		json_object_put(root);
		return NULL;
	}
	if (which == SCHEMA_RESULT ? result_check(root, "#", err, sizeof(err)) :
	    json_check(which, root, "#", err, sizeof(err))) {
		p_err("%s: %s", path, err);
		json_object_put(root);
		return NULL;
	}
	return root;
}

struct json_object *result_read(const char *path)
{
	return json_read_checked(path, SCHEMA_RESULT);
}

void result_case_slots(struct json_object *cs, __u64 *slots)
{
	struct json_object *b, *pair;
	size_t i;

	memset(slots, 0, sizeof(__u64) * DMAPOOL_HIST_BUCKETS);
	b = json_object_object_get(cs, "buckets");
	/* result_check(): pairs of integers, bucket indices in the layout. */
	for (i = 0; i < json_object_array_length(b); i++) {
		pair = json_object_array_get_idx(b, i);
		slots[json_object_get_uint64(json_object_array_get_idx(pair, 0))] +=
			json_object_get_uint64(json_object_array_get_idx(pair, 1));
	}
}

void result_merge_cases(struct json_object *run,
			bool (*keep)(struct json_object *cs, const void *arg),
			const void *arg, struct result_merged *m)
{
	struct json_object *cases = json_object_object_get(run, "cases"), *cs;
	__u64 tmp[DMAPOOL_HIST_BUCKETS];
	size_t i, k;

	for (i = 0; i < json_object_array_length(cases); i++) {
		cs = json_object_array_get_idx(cases, i);
		if (!keep(cs, arg))
			continue;
		result_case_slots(cs, tmp);
		for (k = 0; k < DMAPOOL_HIST_BUCKETS; k++)
			m->slots[k] += tmp[k];
		m->n += jget_u64(cs, "n");
		m->sum_ns += jget_u64(cs, "sum_ns");
		if (jget_u64(cs, "max") > m->max)
			m->max = jget_u64(cs, "max");
	}
}

/*
 * A series is one (pool, ctx) of alloc latency, merged over size orders and
 * runs: what the spectrum and histogram plots show.
 */
struct series {
	char name[64];
	__u64 slots[DMAPOOL_HIST_BUCKETS];
	uint64_t count, max;
};

/* @s names a value of @list; a pool may be none (failed allocations). */
static bool known_name(enum dmapool_names list, const char *s)
{
	return dmapool_name_index(list, s, strlen(s)) >= 0 ||
	       (list == DMAPOOL_NAMES_POOL && !strcmp(s, DMAPOOL_POOL_NONE_NAME));
}

/* The pool of case @cs for people: the failed allocations are pool "none". */
static const char *case_pool(struct json_object *cs)
{
	const char *pool = jget_str(cs, "pool");

	return strcmp(pool, DMAPOOL_POOL_NONE_NAME) ? pool : "failed";
}

static void series_add(struct series *s, struct json_object *cs)
{
	__u64 tmp[DMAPOOL_HIST_BUCKETS];
	unsigned int i;

	result_case_slots(cs, tmp);
	for (i = 0; i < DMAPOOL_HIST_BUCKETS; i++)
		s->slots[i] += tmp[i];
	s->count += jget_u64(cs, "n");
	if (jget_u64(cs, "max") > s->max)
		s->max = jget_u64(cs, "max");
}

/* The series of one result file's alloc cases, named PREFIX POOL/CTX. */
static int collect_series(struct json_object *result, struct series *out,
			  int nr, int max_series, const char *prefix)
{
	struct json_object *runs, *cases, *cs;
	size_t ri, ci;
	char name[64];
	int s;

	json_object_object_get_ex(result, "runs", &runs);
	for (ri = 0; ri < json_object_array_length(runs); ri++) {
		if (!json_object_object_get_ex(json_object_array_get_idx(runs, ri),
					       "cases", &cases))
			continue;
		for (ci = 0; ci < json_object_array_length(cases); ci++) {
			cs = json_object_array_get_idx(cases, ci);
			/* Names end up in gnuplot commands: known ones only. */
			if (strcmp(jget_str(cs, "op"), "alloc") ||
			    !known_name(DMAPOOL_NAMES_POOL, jget_str(cs, "pool")) ||
			    !known_name(DMAPOOL_NAMES_CTX, jget_str(cs, "ctx")))
				continue;
			/* A stream's cases are its own series: never merged. */
			if (json_object_object_get(cs, "stream"))
				snprintf(name, sizeof(name), "%s%s:%s/%s", prefix,
					 jget_str(cs, "stream"), case_pool(cs),
					 jget_str(cs, "ctx"));
			else
				snprintf(name, sizeof(name), "%s%s/%s", prefix,
					 case_pool(cs), jget_str(cs, "ctx"));
			for (s = 0; s < nr; s++)
				if (!strcmp(out[s].name, name))
					break;
			if (s == nr) {
				if (nr == max_series)
					continue;
				memset(&out[nr], 0, sizeof(out[nr]));
				snprintf(out[nr].name, sizeof(out[nr].name), "%s", name);
				nr++;
			}
			series_add(&out[s], cs);
		}
	}
	return nr;
}

/* Several files: series prefixed with their file's index ("2:kernel/hardirq"). */
static int collect_all_series(struct json_object *const *results, int n,
			      struct series *out, int max_series)
{
	char prefix[16] = "";
	int r, nr = 0;

	for (r = 0; r < n && nr < max_series; r++) {
		if (n > 1)
			snprintf(prefix, sizeof(prefix), "%d:", r + 1);
		nr = collect_series(results[r], out, nr, max_series, prefix);
	}
	return nr;
}

static FILE *csv_open(struct afile *a, const char *dir, const char *name,
		      const char *header)
{
	if (afile_open(a, dir, name))
		return NULL;
	fprintf(a->f, "# %s\n", header);
	return a->f;
}

/* Append @fmt to @buf (@len bytes, @used of them so far): the new length. */
static __printf(4, 5)
size_t bufcat(char *buf, size_t len, size_t used, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(used < len ? buf + used : NULL, used < len ? len - used : 0,
		      fmt, ap);
	va_end(ap);
	return used + (n > 0 ? n : 0);
}

/* spectrum.csv and hist_log2.csv: a block per series; their names in @names. */
static void write_series(FILE *sp, FILE *hi, const struct series *ser, int nr,
			 char *names, size_t names_len)
{
	static const double ps[] = { 0.5, 0.75, 0.9, 0.95, 0.99, 0.995, 0.999,
				     0.9995, 0.9999 };
	uint64_t log2[HIST_LOG2_SLOTS];
	size_t used = 0, i;
	int s, k;

	names[0] = '\0';
	for (s = 0; s < nr; s++) {
		used = bufcat(names, names_len, used, "%s%s", used ? " " : "", ser[s].name);
		fprintf(sp, "%s# %s\n", s ? "\n\n" : "", ser[s].name);
		for (i = 0; i < ARRAY_SIZE(ps); i++)
			fprintf(sp, "%g,%g,%llu\n", ps[i], 1 / (1 - ps[i]),
				(unsigned long long)hist_quantile(ser[s].slots,
					ser[s].count, ser[s].max, ps[i]));
		fprintf(sp, "1,%g,%llu\n", 10 / (1 - ps[i - 1]),
			(unsigned long long)ser[s].max);
		hist_fold_log2(ser[s].slots, log2);
		fprintf(hi, "%s# %s\n", s ? "\n\n" : "", ser[s].name);
		for (k = 0; k < HIST_LOG2_SLOTS; k++)
			fprintf(hi, "%llu,%llu,%llu\n",
				(unsigned long long)(k ? 1ull << k : 0),
				(unsigned long long)(1ull << (k + 1)),
				(unsigned long long)log2[k]);
	}
}

/* timeline.csv: the runs of @runs, one block per pool; the pools in @names. */
static void write_timeline(FILE *tl, struct json_object *runs, char *names,
			   size_t names_len)
{
	static const char * const *const pools = dmapool_pool_names;
	struct json_object *arr, *o;
	size_t ri, i, used = 0;
	bool any;
	int p;

	names[0] = '\0';
	for (p = 0; p < DMAPOOL_NR_POOLS; p++) {
		any = false;
		for (ri = 0; ri < json_object_array_length(runs); ri++) {
			if (!json_object_object_get_ex(json_object_array_get_idx(runs, ri),
						       "timeline", &arr))
				continue;
			for (i = 0; i < json_object_array_length(arr); i++) {
				o = json_object_array_get_idx(arr, i);
				if (strcmp(jget_str(o, "pool"), pools[p]))
					continue;
				if (!any) {
					fprintf(tl, "%s# %s\n", used ? "\n\n" : "", pools[p]);
					used = bufcat(names, names_len, used, "%s%s",
						      used ? " " : "", pools[p]);
					any = true;
				}
				fprintf(tl, "%.3f,%llu,%llu,%llu\n",
					jget_u64(o, "t_ns") / 1e6,
					(unsigned long long)jget_u64(o, "size"),
					(unsigned long long)jget_u64(o, "avail"),
					(unsigned long long)jget_u64(o, "largest_free"));
			}
		}
	}
}

/* expansions.csv: every expansion of @runs, one block. */
static void write_expansions(FILE *ex, struct json_object *runs)
{
	struct json_object *arr, *o;
	size_t ri, i;

	for (ri = 0; ri < json_object_array_length(runs); ri++) {
		if (!json_object_object_get_ex(json_object_array_get_idx(runs, ri),
					       "expansions", &arr))
			continue;
		for (i = 0; i < json_object_array_length(arr); i++) {
			o = json_object_array_get_idx(arr, i);
			fprintf(ex, "%.3f,%s,%llu,%llu\n", jget_u64(o, "t_ns") / 1e6,
				jget_str(o, "pool"),
				(unsigned long long)jget_u64(o, "obtained"),
				(unsigned long long)jget_u64(o, "latency_ns"));
		}
	}
}

#define MAX_SERIES 16

int result_write_csvs(struct json_object *const *results, int n,
		      const char *dir, char *series_names, size_t series_len,
		      char *pools_out, size_t pools_len)
{
	struct series *ser = calloc(MAX_SERIES, sizeof(*ser));
	struct afile files[4] = {};
	struct json_object *runs;
	FILE *sp, *hi, *tl, *ex;
	bool ok = true;
	int k;

	if (!ser)
		return -ENOMEM;
	sp = csv_open(&files[0], dir, "spectrum.csv", "percentile,inv_tail,latency_ns");
	hi = csv_open(&files[1], dir, "hist_log2.csv", "lo_ns,hi_ns,count");
	tl = csv_open(&files[2], dir, "timeline.csv", "t_ms,size,avail,largest_free");
	ex = csv_open(&files[3], dir, "expansions.csv", "t_ms,pool,obtained,latency_ns");
	if (!sp || !hi || !tl || !ex) {
		for (k = 0; k < 4; k++)
			afile_close(&files[k], false);
		free(ser);
		return -EIO;
	}
	write_series(sp, hi, ser, collect_all_series(results, n, ser, MAX_SERIES),
		     series_names, series_len);
	/* The timeline and expansions of the first result's runs. */
	json_object_object_get_ex(results[0], "runs", &runs);
	write_timeline(tl, runs, pools_out, pools_len);
	write_expansions(ex, runs);
	free(ser);
	for (k = 0; k < 4; k++)
		ok &= !afile_close(&files[k], true);
	return ok ? 0 : -EIO;
}

/* --- the summary for people ------------------------------------------- */

/* @ns for people: "850 ns", "12.3 us", "2.06 ms", "1.20 s". */
static const char *fmt_ns(uint64_t ns, char *buf, size_t len)
{
	if (ns < 1000)
		snprintf(buf, len, "%llu ns", (unsigned long long)ns);
	else if (ns < 1000000)
		snprintf(buf, len, "%.1f us", ns / 1e3);
	else if (ns < 1000000000)
		snprintf(buf, len, "%.2f ms", ns / 1e6);
	else
		snprintf(buf, len, "%.2f s", ns / 1e9);
	return buf;
}

/* The allocation size of case @cs: PAGE_SIZE << size_order. */
static const char *case_size(struct json_object *cs, char *buf, size_t len)
{
	return fmt_bytes(4096ull << (jget_u64(cs, "size_order") & 15), buf, len);
}

/* Copy the value of KEY= in the spec line @spec into @buf ("" if absent). */
static const char *spec_value(const char *spec, const char *key, char *buf,
			      size_t len)
{
	size_t klen = strlen(key);
	const char *p;

	buf[0] = '\0';
	for (p = spec; (p = strstr(p, key)); p += klen) {
		if (p == spec || p[-1] == ' ') {
			snprintf(buf, len, "%.*s", (int)strcspn(p + klen, " "), p + klen);
			break;
		}
	}
	return buf;
}

/* "sizes 4 KiB, 16 KiB weighted 1:3", "sizes 4 KiB..64 KiB log-uniform". */
static size_t spec_sizes(const struct dmapool_spec *s, bool brief, char *buf,
			 size_t len, size_t used)
{
	char a[16], b[16];
	bool weighted = false;
	__u32 i;

	if (s->size_kind != DMAPOOL_SIZE_LIST)
		return bufcat(buf, len, used, "sizes %s..%s %s",
			      fmt_bytes(s->sizes[0], a, sizeof(a)),
			      fmt_bytes(s->sizes[1], b, sizeof(b)),
			      s->size_kind == DMAPOOL_SIZE_UNIFORM ?
			      "uniform" : "log-uniform");
	if (brief && s->nr_sizes > 2)
		return bufcat(buf, len, used, "%u sizes %s..%s", s->nr_sizes,
			      fmt_bytes(s->sizes[0], a, sizeof(a)),
			      fmt_bytes(s->sizes[s->nr_sizes - 1], b, sizeof(b)));
	used = bufcat(buf, len, used, "size%s", s->nr_sizes > 1 ? "s" : "");
	for (i = 0; i < s->nr_sizes; i++) {
		used = bufcat(buf, len, used, "%s %s", i ? "," : "",
			      fmt_bytes(s->sizes[i], a, sizeof(a)));
		weighted |= s->size_weights[i] != 1;
	}
	for (i = 0; weighted && !brief && i < s->nr_sizes; i++)
		used = bufcat(buf, len, used, "%s%u", i ? ":" : " weighted ",
			      s->size_weights[i]);
	return used;
}

/* One stream's workload in words, from its own @line and spec @s. */
static size_t stream_workload(const char *line, const struct dmapool_spec *s0,
			      bool brief, char *buf, size_t len, size_t used)
{
	const struct dmapool_spec s = *s0;
	char word[64], dur[16];

	used = bufcat(buf, len, used, "%s", spec_value(line, "ctx=", word, sizeof(word)));
	used = bufcat(buf, len, used, " on cpus %s, ",
		      spec_value(line, "cpus=", word, sizeof(word)));
	if (!brief && s.ops)
		used = bufcat(buf, len, used, "%llu ops per cpu, ",
			      (unsigned long long)s.ops);
	else if (!brief)
		used = bufcat(buf, len, used, "%s, ",
			      fmt_ns(s.duration_ms * 1000000ull, dur, sizeof(dur)));
	used = spec_sizes(&s, brief, buf, len, used);
	if (s.hold_kind == DMAPOOL_HOLD_NONE)
		used = bufcat(buf, len, used, ", no hold");
	else if (s.hold_kind == DMAPOOL_HOLD_DEFERRED)
		used = bufcat(buf, len, used, ", hold deferred");
	else
		used = bufcat(buf, len, used, ", hold %llu %s",
			      (unsigned long long)s.hold_val,
			      s.hold_kind == DMAPOOL_HOLD_OPS ? "ops" : "us");
	if (!brief)
		used = bufcat(buf, len, used, ", zone %s, %u-bit mask",
			      spec_value(line, "zone=", word, sizeof(word)),
			      s.mask_bits);
	return used;
}

void result_workload(struct json_object *meta, bool brief, char *buf,
		     size_t len)
{
	const char *line = jget_str(meta, "spec");
	char err[DMAPOOL_SPEC_ERR_LEN], one[DMAPOOL_MAX_SPEC_LEN + 1];
	struct dmapool_run_spec *rs = malloc(sizeof(*rs));
	size_t used = 0;
	__u32 i;

	if (!rs || dmapool_run_spec_parse(line, rs, err, sizeof(err))) {
		snprintf(buf, len, "%s", line);
		free(rs);
		return;
	}
	if (rs->nr_streams > 1)
		used = bufcat(buf, len, used, "%u streams: ", rs->nr_streams);
	for (i = 0; i < rs->nr_streams; i++) {
		if (rs->nr_streams > 1)
			used = bufcat(buf, len, used, "%s%s: ", i ? "; " : "",
				      rs->streams[i].name);
		dmapool_spec_format(&rs->streams[i], one, sizeof(one));
		used = stream_workload(one, &rs->streams[i], brief, buf, len, used);
	}
	free(rs);
}

static void print_cases(struct json_object *cases)
{
	struct json_object *cs;
	bool failed = false, streams = false;
	char sz[16];
	size_t ci;

	/* A multi-stream run's cases are keyed by stream first. */
	for (ci = 0; ci < json_object_array_length(cases); ci++)
		streams |= json_object_object_get(json_object_array_get_idx(cases, ci),
						  "stream") != NULL;
	if (streams)
		printf("%-15s ", "stream");
	printf("%-5s %-7s %-8s %8s %9s %9s %9s %9s %9s %10s %9s\n", "op",
	       "pool", "ctx", "size", "n", "p50", "p90", "p99", "p99.9",
	       "max", "ops/s");
	for (ci = 0; ci < json_object_array_length(cases); ci++) {
		cs = json_object_array_get_idx(cases, ci);
		failed |= !strcmp(jget_str(cs, "pool"), DMAPOOL_POOL_NONE_NAME);
		if (streams)
			printf("%-15s ", jget_str(cs, "stream"));
		printf("%-5s %-7s %-8s %8s %9llu %9llu %9llu %9llu %9llu %10llu %9llu\n",
		       jget_str(cs, "op"), case_pool(cs), jget_str(cs, "ctx"),
		       case_size(cs, sz, sizeof(sz)),
		       (unsigned long long)jget_u64(cs, "n"),
		       (unsigned long long)jget_u64(cs, "p50"),
		       (unsigned long long)jget_u64(cs, "p90"),
		       (unsigned long long)jget_u64(cs, "p99"),
		       (unsigned long long)jget_u64(cs, "p999"),
		       (unsigned long long)jget_u64(cs, "max"),
		       (unsigned long long)jget_u64(cs, "ops_per_sec"));
	}
	printf("(latencies in ns%s)\n",
	       failed ? "; pool \"failed\": the allocations that failed" : "");
}

static void print_counters(struct json_object *ctr)
{
	struct json_object *fb, *f;
	size_t i;

	printf("allocs %llu, fails %llu (no suitable pool %llu, exhausted %llu), frees %llu\n",
	       (unsigned long long)jget_u64(ctr, "allocs"),
	       (unsigned long long)jget_u64(ctr, "fails"),
	       (unsigned long long)jget_u64(ctr, "no_suitable_pool"),
	       (unsigned long long)jget_u64(ctr, "exhausted"),
	       (unsigned long long)jget_u64(ctr, "frees"));
	fb = json_object_object_get(ctr, "fallbacks");
	if (!json_object_array_length(fb))
		printf("fallbacks: none\n");
	for (i = 0; i < json_object_array_length(fb); i++) {
		f = json_object_array_get_idx(fb, i);
		printf("fallback %s -> %s (%s): %llu\n", jget_str(f, "from"),
		       jget_str(f, "to"), jget_str(f, "reason"),
		       (unsigned long long)jget_u64(f, "count"));
	}
}

#define MAX_EXPANSIONS_SHOWN 8

static void print_expansions(struct json_object *run)
{
	struct json_object *ctr = json_object_object_get(run, "counters");
	struct json_object *arr = json_object_object_get(run, "expansions"), *e;
	char t[16], lat[16], got[16], after[16];
	size_t i, n = json_object_array_length(arr);

	if (!jget_u64(ctr, "expansions") && !jget_u64(ctr, "expand_fails")) {
		printf("expansions: none\n");
		return;
	}
	printf("expansions %llu (failed %llu), %s in all\n",
	       (unsigned long long)jget_u64(ctr, "expansions"),
	       (unsigned long long)jget_u64(ctr, "expand_fails"),
	       fmt_ns(jget_u64(ctr, "expand_ns"), lat, sizeof(lat)));
	for (i = 0; i < n && i < MAX_EXPANSIONS_SHOWN; i++) {
		e = json_object_array_get_idx(arr, i);
		fmt_ns(jget_u64(e, "t_ns"), t, sizeof(t));
		fmt_ns(jget_u64(e, "latency_ns"), lat, sizeof(lat));
		if (json_object_get_int(json_object_object_get(e, "result")))
			printf("  at %s: %s failed to grow by %s (error %d) in %s\n",
			       t, jget_str(e, "pool"),
			       fmt_bytes(jget_u64(e, "requested"), got, sizeof(got)),
			       json_object_get_int(json_object_object_get(e, "result")),
			       lat);
		else
			printf("  at %s: %s grew by %s to %s in %s\n", t,
			       jget_str(e, "pool"),
			       fmt_bytes(jget_u64(e, "obtained"), got, sizeof(got)),
			       fmt_bytes(jget_u64(e, "size_after"), after, sizeof(after)),
			       lat);
	}
	if (n > MAX_EXPANSIONS_SHOWN)
		printf("  ... %zu more (result.json, expansions.csv)\n",
		       n - MAX_EXPANSIONS_SHOWN);
}

static void print_lost(struct json_object *lost)
{
	if (json_object_object_get(lost, "ftrace_missed_events"))
		/* A raw ftrace recording (report): ftrace's own counts. */
		printf("lost events: %llu (ftrace missed; recording: overrun %llu, dropped %llu), %llu samples\n",
		       (unsigned long long)jget_u64(lost, "ftrace_missed_events"),
		       (unsigned long long)jget_u64(lost, "ftrace_overrun"),
		       (unsigned long long)jget_u64(lost, "ftrace_dropped"),
		       (unsigned long long)jget_u64(lost, "samples_dropped"));
	else
		printf("lost events: %llu (BPF recursion), %llu samples\n",
		       (unsigned long long)jget_u64(lost, "recursion_misses"),
		       (unsigned long long)jget_u64(lost, "samples_dropped"));
}

static void print_hists(struct json_object *cases)
{
	__u64 slots[DMAPOOL_HIST_BUCKETS];
	uint64_t log2[HIST_LOG2_SLOTS];
	struct json_object *cs;
	char sz[16];
	size_t ci;

	for (ci = 0; ci < json_object_array_length(cases); ci++) {
		cs = json_object_array_get_idx(cases, ci);
		if (strcmp(jget_str(cs, "op"), "alloc"))
			continue;
		if (strcmp(jget_str(cs, "pool"), DMAPOOL_POOL_NONE_NAME))
			printf("\nalloc latency, pool %s, %s, %s:\n", jget_str(cs, "pool"),
			       jget_str(cs, "ctx"), case_size(cs, sz, sizeof(sz)));
		else
			printf("\nfailed alloc latency, %s, %s:\n", jget_str(cs, "ctx"),
			       case_size(cs, sz, sizeof(sz)));
		result_case_slots(cs, slots);
		hist_fold_log2(slots, log2);
		hist_print_log2(stdout, log2, "nsecs");
	}
}

/* A multi-stream run: one row per stream, module and BPF side by side. */
static void print_streams(struct json_object *streams)
{
	struct json_object *st, *ms, *lat, *cc;
	size_t i;

	if (!streams)
		return;
	printf("%-15s %-8s %9s %9s %7s %9s %9s %9s %9s %8s %s\n", "stream", "ctx",
	       "ops", "allocs", "fails", "frees", "fallbacks", "alloc p50", "p99",
	       "ctx_viol", "crosscheck");
	for (i = 0; i < json_object_array_length(streams); i++) {
		st = json_object_array_get_idx(streams, i);
		ms = json_object_object_get(st, "module_stats");
		lat = json_object_object_get(json_object_object_get(st, "latency"),
					     "alloc");
		cc = json_object_object_get(st, "crosscheck");
		printf("%-15s %-8s %9llu %9llu %7llu %9llu %9llu %9llu %9llu %8llu %s\n",
		       jget_str(st, "name"), jget_str(ms, "ctx"),
		       (unsigned long long)jget_u64(ms, "ops"),
		       (unsigned long long)jget_u64(ms, "allocs"),
		       (unsigned long long)jget_u64(ms, "fails"),
		       (unsigned long long)jget_u64(ms, "frees"),
		       (unsigned long long)jget_u64(ms, "fallbacks"),
		       (unsigned long long)jget_u64(lat, "p50"),
		       (unsigned long long)jget_u64(lat, "p99"),
		       (unsigned long long)jget_u64(ms, "ctx_violations"),
		       !cc ? "-" : json_object_get_boolean(json_object_object_get(cc, "ok")) ?
		       "ok" : "MISMATCH");
	}
	printf("(module counts; alloc latency in ns from BPF)\n");
}

void result_print_summary(struct json_object *root, bool hist)
{
	struct json_object *runs, *run, *cases;
	char work[512];
	size_t ri, nr;

	result_workload(json_object_object_get(root, "meta"), false, work,
			sizeof(work));
	printf("workload: %s\n", work);
	json_object_object_get_ex(root, "runs", &runs);
	nr = json_object_array_length(runs);
	for (ri = 0; ri < nr; ri++) {
		run = json_object_array_get_idx(runs, ri);
		cases = json_object_object_get(run, "cases");
		printf("\nrun %zu of %zu: %.2f s\n", ri + 1, nr,
		       jget_u64(run, "elapsed_ns") / 1e9);
		print_cases(cases);
		print_streams(json_object_object_get(run, "streams"));
		print_counters(json_object_object_get(run, "counters"));
		print_expansions(run);
		print_lost(json_object_object_get(run, "lost"));
		if (hist)
			print_hists(cases);
	}
}
