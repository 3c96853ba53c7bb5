// SPDX-License-Identifier: GPL-2.0
/*
 * dmapool-bench compare: one workload (same seed) under several coherent_pool
 * (and remap) settings, each on a freshly loaded module, all settings of a
 * kernel in one guest boot; DIR/compare.json, a table and plots.
 *
 * --recommend searches for the smallest coherent_pool with no failure and no
 * fallback: doubling from --from until a size works, then bisection between
 * the last failing and the first working size on whole pages. Every trial is
 * --repeat fresh module loads, since a pool only starts at its configured
 * size once: later runs would see it already expanded.
 *
 * The guest runs the settings and writes DIR/KERNEL/...; the host (or this
 * process when the host loads modules itself) reads them back, prints and
 * plots, at native speed.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "compare-search.h"
#include "hist.h"
#include "main.h"
#include "opts.h"
#include "profile.h"
#include "result.h"
#include "replay-sched.h"
#include "run.h"
#include "spec.h"
#include "vm.h"

#define CMP_MAX_SETTINGS	16
#define CMP_MAX_KERNELS		4
#define CMP_MAX_TRIALS		40

struct cmp_opts {
	char cps[CMP_MAX_SETTINGS][24];
	int nr_cps;
	bool remap[2];			/* off, on */
	const char *kernels[CMP_MAX_KERNELS];
	int nr_kernels;
	const char *output;
	bool recommend, no_plot;
	uint64_t from, max;
	/* The workload and the options passed to every `run` (with .vm). */
	struct run_opts run;
};

static int parse_size(const char *opt, const char *val, uint64_t *out)
{
	__u64 v;

	if (dmapool_parse_bytes(val, strlen(val), &v) || v < CMP_PAGE ||
	    v > DMAPOOL_MAX_COHERENT_POOL) {
		p_err("compare: invalid %s '%s' (a size such as 256K, 4K..1G)", opt, val);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

/* Split a comma list into @out (each at most @width bytes). */
static int split_list(const char *opt, const char *val, char *out, size_t width,
		      int max)
{
	char buf[512], *tok, *save;
	int n = 0;

	snprintf(buf, sizeof(buf), "%s", val);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (n == max) {
			p_err("compare: invalid %s '%s' (at most %d items)", opt, val, max);
			return -EINVAL;
		}
		if (strlen(tok) >= width) {
			p_err("compare: invalid %s '%s' (an item longer than %zu characters)",
			      opt, tok, width - 1);
			return -EINVAL;
		}
		snprintf(out + n * width, width, "%s", tok);
		n++;
	}
	if (!n) {
		p_err("compare: empty %s", opt);
		return -EINVAL;
	}
	return n;
}

static int opt_cps(const char *cmd, const struct opt *opt, const char *val,
		   void *obj)
{
	struct cmp_opts *o = obj;
	uint64_t bytes;
	int k;

	(void)cmd;
	o->nr_cps = split_list("--coherent-pool", val, o->cps[0], sizeof(o->cps[0]),
			       CMP_MAX_SETTINGS);
	if (o->nr_cps < 0)
		return -EINVAL;
	for (k = 0; k < o->nr_cps; k++)
		if (strcmp(o->cps[k], "default") &&
		    parse_size("--coherent-pool", o->cps[k], &bytes))
			return -EINVAL;
	(void)opt;
	return 0;
}

static int opt_remaps(const char *cmd, const struct opt *opt, const char *val,
		      void *obj)
{
	struct cmp_opts *o = obj;
	char onoff[2][8];
	int k, n;

	(void)opt;
	n = split_list("--remap", val, onoff[0], sizeof(onoff[0]), 2);
	if (n < 0)
		return -EINVAL;
	for (k = 0; k < n; k++) {
		if (strcmp(onoff[k], "on") && strcmp(onoff[k], "off")) {
			p_err("%s: invalid --remap '%s' (on, off or on,off)", cmd, val);
			return -EINVAL;
		}
		o->remap[!strcmp(onoff[k], "on")] = true;
	}
	return 0;
}

static int opt_kernels(const char *cmd, const struct opt *opt, const char *val,
		       void *obj)
{
	static char kern[CMP_MAX_KERNELS][64];
	struct cmp_opts *o = obj;
	int k;

	(void)opt;
	o->nr_kernels = split_list("--kernel", val, kern[0], sizeof(kern[0]),
				   CMP_MAX_KERNELS);
	if (o->nr_kernels < 0)
		return -EINVAL;
	for (k = 0; k < o->nr_kernels; k++) {
		o->kernels[k] = kern[k];
		if (vm_check_kernel(cmd, kern[k]))
			return -EINVAL;
	}
	o->run.vm.force = true;
	return 0;
}

static int opt_size(const char *cmd, const struct opt *opt, const char *val,
		    void *obj)
{
	(void)cmd;
	return parse_size(opt->name, val, (uint64_t *)((char *)obj + opt->data));
}

static const struct opt compare_opts_table[] = {
	OPT_FN_("coherent-pool", 0, "LIST", opt_cps, 0,
		"sizes to compare, e.g. 128K,512K,2M ('default': the\nkernel's rule)"),
	OPT_FN_("remap", 0, "LIST", opt_remaps, 0, "on, off or on,off (default off)"),
	OPT_FN_("kernel", 0, "LIST", opt_kernels, 0,
		"guest kernels, one boot each (default: the newest)"),
	OPT_STR_("output", 'o', struct cmp_opts, output, "DIR", "default results/compare"),
	OPT_FLAG_("recommend", 0, struct cmp_opts, recommend,
		  "search the smallest coherent_pool with 0 failures\n"
		  "and 0 fallbacks; prints the kernel command line"),
	OPT_FN_("from", 0, "SIZE", opt_size, offsetof(struct cmp_opts, from),
		"--recommend: first size tried (default 64K)"),
	OPT_FN_("max", 0, "SIZE", opt_size, offsetof(struct cmp_opts, max),
		"--recommend: give up above this (default 64M)"),
	OPT_FLAG_("no-plot", 0, struct cmp_opts, no_plot, "no images"),
	OPT_REFUSE_("plot", NULL, "compare plots unless --no-plot"),
	OPT_REFUSE_("fresh", NULL, "every setting starts from fresh pools"),
	OPT_REFUSE_("hist", NULL, "compare prints one table for all settings"),
};

static const struct opt_group compare_group = OPT_GROUP("Settings", compare_opts_table);

static const struct cmd_help compare_help = {
	.name = "compare",
	.synopsis = "--coherent-pool LIST [OPTIONS]\n"
		    "       dmapool-bench compare --recommend [OPTIONS]",
	.about =
"Run the same workload (same seed) under each coherent_pool setting, the\n"
"module reloaded for every setting, all settings of a kernel in one guest\n"
"boot. Writes DIR/compare.json, DIR/compare.csv, per-setting results under\n"
"DIR/KERNEL/, a table, and plots: latency spectra overlaid (spectrum), bars\n"
"per setting (compare-bars), pool-size timelines side by side\n"
"(compare-timeline). With --repeat N, each setting runs N times: the first\n"
"from fresh pools, later ones from the pools it left.\n",
	.examples =
"  dmapool-bench compare --coherent-pool 128K,512K,2M -o results/compare\n"
"  dmapool-bench compare --coherent-pool 256K,1M --remap on,off --kernel 6.1,6.12\n"
"  dmapool-bench compare --recommend --ctx hardirq --size 64K --hold ops:64 --repeat 3\n"
"  dmapool-bench compare --recommend --replay capture.jsonl\n"
"  dmapool-bench compare --recommend --profile rpi-dwc-otg --from 256K\n",
};

static int parse_cmp(struct cmp_opts *o, int argc, char **argv)
{
	struct opt_use use[] = {
		{ &compare_group, o },
		{ bpf_tracer.own, &o->run },
		{ &run_repeat_group, &o->run },
		{ run_workload_group(), &o->run },
		{ &run_pools_group, &o->run },
		{ &vm_group, &o->run.vm },
	};
	int first, ret;

	run_opts_init(&o->run, "compare");
	o->output = "results/compare";
	o->from = 64 << 10;
	o->max = 64 << 20;
	ret = opts_parse(&compare_help, use, ARRAY_SIZE(use), argc, argv, &first);
	if (ret)
		return ret;
	if (first < argc) {
		p_err("compare: unexpected argument '%s'", argv[first]);
		return -EINVAL;
	}
	if (!o->remap[0] && !o->remap[1])
		o->remap[0] = true;
	if (!o->nr_cps && !o->recommend) {
		p_err("compare: give --coherent-pool LIST or --recommend (see 'dmapool-bench compare --help')");
		return -EINVAL;
	}
	if (o->recommend && o->from > o->max) {
		p_err("compare: --from is larger than --max");
		return -EINVAL;
	}
	/* The workload must be a valid `run`'s. */
	return run_opts_finish(&o->run);
}

/* One `run` of the workload with @cp (NULL: the kernel's rule) into @dir. */
static int spawn_setting(const struct cmp_opts *o, const char *cp, bool remap,
			 unsigned int repeat, const char *dir, const char *log)
{
	struct run_opts r = o->run;
	char *argv[64], store[DMAPOOL_MAX_SPEC_LEN + 2 * PATH_MAX];
	int st;

	r.coherent_pool = cp;
	r.remap = remap;
	r.repeat = repeat;
	r.fresh = true;
	r.output = dir;
	if (run_opts_to_argv(&r, argv, ARRAY_SIZE(argv), store, sizeof(store)) < 0)
		return -E2BIG;
	st = run_spawn(argv, log);
	if (st)
		p_err("compare: the run with coherent_pool=%s%s failed (exit %d; see %s)",
		      cp ? cp : "default", remap ? " remap" : "", st, log);
	return st;
}

/* --- reading a setting's result back -------------------------------------- */

struct summary {
	char label[64];
	char kernel[64];
	char cp[24];
	bool remap;
	char result[256];		/* relative to DIR */
	uint64_t cp_bytes, runs, fails, fallbacks, expansions, ops, elapsed;
	uint64_t size_end[DMAPOOL_NR_POOLS];
	bool present[DMAPOOL_NR_POOLS];
	uint64_t p50, p99, p999, peak_live;
	double frag[DMAPOOL_NR_POOLS], frag_max;
	struct result_merged allocs;	/* every alloc case of every run */
	struct json_object *root;
};

static bool is_alloc(struct json_object *cs, const void *arg)
{
	(void)arg;
	return !strcmp(jget_str(cs, "op"), "alloc");
}

static const char * const *const pool_names = dmapool_pool_names;

static int pool_index(const char *name)
{
	return dmapool_name_index(DMAPOOL_NAMES_POOL, name, strlen(name));
}

static int setting_summarize(const char *path, struct summary *s)
{
	struct json_object *runs, *run, *ms, *tl, *pt, *end, *meta;
	uint64_t used[DMAPOOL_NR_POOLS] = {}, sum;
	size_t r, i, k;
	int p;

	s->root = result_read(path);
	if (!s->root)
		return -EINVAL;
	meta = json_object_object_get(s->root, "meta");
	runs = json_object_object_get(s->root, "runs");
	s->cp_bytes = jget_u64(meta, "coherent_pool");
	snprintf(s->kernel, sizeof(s->kernel), "%s", jget_str(meta, "kernel"));
	s->runs = json_object_array_length(runs);
	for (r = 0; r < s->runs; r++) {
		run = json_object_array_get_idx(runs, r);
		ms = json_object_object_get(run, "module_stats");
		s->fails += jget_u64(ms, "fails");
		s->fallbacks += jget_u64(ms, "fallbacks");
		s->expansions += jget_u64(ms, "expansions");
		s->ops += jget_u64(ms, "ops");
		s->elapsed += jget_u64(ms, "elapsed_ns");
		result_merge_cases(run, is_alloc, NULL, &s->allocs);
		/* Live bytes: every pool's latest size - avail, summed. */
		memset(used, 0, sizeof(used));
		tl = json_object_object_get(run, "timeline");
		for (i = 0; i < json_object_array_length(tl); i++) {
			pt = json_object_array_get_idx(tl, i);
			p = pool_index(jget_str(pt, "pool"));
			if (p < 0)
				continue;
			used[p] = jget_u64(pt, "size") - jget_u64(pt, "avail");
			for (sum = 0, k = 0; k < DMAPOOL_NR_POOLS; k++)
				sum += used[k];
			if (sum > s->peak_live)
				s->peak_live = sum;
			/* The last run's last sample of a pool: its end state. */
			if (r + 1 == s->runs)
				s->frag[p] = jget_u64(pt, "avail") ? 1 -
					(double)jget_u64(pt, "largest_free") /
					jget_u64(pt, "avail") : 0;
		}
	}
	s->p50 = hist_quantile(s->allocs.slots, s->allocs.n, s->allocs.max, 0.5);
	s->p99 = hist_quantile(s->allocs.slots, s->allocs.n, s->allocs.max, 0.99);
	s->p999 = hist_quantile(s->allocs.slots, s->allocs.n, s->allocs.max, 0.999);
	end = json_object_object_get(meta, "pools_at_end");
	for (p = 0; p < DMAPOOL_NR_POOLS; p++) {
		struct json_object *po = json_object_object_get(end, pool_names[p]);

		s->present[p] = jget_u64(po, "present");
		s->size_end[p] = jget_u64(po, "size");
		if (s->present[p] && s->frag[p] > s->frag_max)
			s->frag_max = s->frag[p];
	}
	return 0;
}

static void fmt_size(uint64_t b, char *buf, size_t len)
{
	if (b && !(b % (1 << 20)))
		snprintf(buf, len, "%lluM", (unsigned long long)(b >> 20));
	else if (b && !(b % 1024))
		snprintf(buf, len, "%lluK", (unsigned long long)(b >> 10));
	else
		snprintf(buf, len, "%llu", (unsigned long long)b);
}

static struct json_object *summary_json(const struct summary *s)
{
	struct json_object *o = json_object_new_object(), *sz, *fr;
	int p;

	json_object_object_add(o, "label", json_object_new_string(s->label));
	json_object_object_add(o, "kernel", json_object_new_string(s->kernel));
	json_object_object_add(o, "coherent_pool", json_object_new_string(s->cp));
	json_object_object_add(o, "coherent_pool_bytes", json_object_new_uint64(s->cp_bytes));
	json_object_object_add(o, "remap", json_object_new_boolean(s->remap));
	json_object_object_add(o, "result", json_object_new_string(s->result));
	json_object_object_add(o, "runs", json_object_new_uint64(s->runs));
	sz = json_object_new_object();
	fr = json_object_new_object();
	for (p = 0; p < DMAPOOL_NR_POOLS; p++) {
		if (!s->present[p])
			continue;
		json_object_object_add(sz, pool_names[p], json_object_new_uint64(s->size_end[p]));
		json_object_object_add(fr, pool_names[p], json_object_new_double(s->frag[p]));
	}
	json_object_object_add(o, "pool_size_reached", sz);
	json_object_object_add(o, "expansions", json_object_new_uint64(s->expansions));
	json_object_object_add(o, "fails", json_object_new_uint64(s->fails));
	json_object_object_add(o, "fallbacks", json_object_new_uint64(s->fallbacks));
	json_object_object_add(o, "alloc_p50", json_object_new_uint64(s->p50));
	json_object_object_add(o, "alloc_p99", json_object_new_uint64(s->p99));
	json_object_object_add(o, "alloc_p999", json_object_new_uint64(s->p999));
	json_object_object_add(o, "ops_per_sec", json_object_new_double(
		s->elapsed ? s->ops * 1e9 / s->elapsed : 0));
	json_object_object_add(o, "peak_live_bytes", json_object_new_uint64(s->peak_live));
	json_object_object_add(o, "frag_index_end", fr);
	json_object_object_add(o, "frag_index_end_max", json_object_new_double(s->frag_max));
	return o;
}

static void print_table(struct summary *s, int n, const char *unit)
{
	char a[24], b[24], c[24], d[24];
	int i;

	printf("%-22s %-17s %4s %6s %6s %9s %9s %9s %9s %9s %5s\n", "SETTING",
	       "POOLS dma/32/kern", "EXP", "FAILS", "FALLBK", "P50", "P99", "P99.9",
	       "OPS/S", "PEAKLIVE", "FRAG");
	for (i = 0; i < n; i++) {
		char pools[80];

		fmt_size(s[i].size_end[0], a, sizeof(a));
		fmt_size(s[i].size_end[1], b, sizeof(b));
		fmt_size(s[i].size_end[2], c, sizeof(c));
		snprintf(pools, sizeof(pools), "%s/%s/%s", s[i].present[0] ? a : "-",
			 s[i].present[1] ? b : "-", s[i].present[2] ? c : "-");
		fmt_size(s[i].peak_live, d, sizeof(d));
		printf("%-22s %-17s %4llu %6llu %6llu %9llu %9llu %9llu %9.0f %9s %5.2f\n",
		       s[i].label, pools, (unsigned long long)s[i].expansions,
		       (unsigned long long)s[i].fails, (unsigned long long)s[i].fallbacks,
		       (unsigned long long)s[i].p50, (unsigned long long)s[i].p99,
		       (unsigned long long)s[i].p999,
		       s[i].elapsed ? s[i].ops * 1e9 / s[i].elapsed : 0, d, s[i].frag_max);
	}
	printf("latencies: alloc, all pools and contexts merged, %s\n", unit);
}

/* A row of compare.csv. */
static void csv_compare_row(FILE *f, const struct summary *s)
{
	fprintf(f, "%s,%llu,%llu,%llu,%.0f,%llu,%llu,%llu,%llu,%.3f\n",
		s->label, (unsigned long long)s->p50,
		(unsigned long long)s->p99, (unsigned long long)s->p999,
		s->elapsed ? s->ops * 1e9 / s->elapsed : 0,
		(unsigned long long)s->fails, (unsigned long long)s->fallbacks,
		(unsigned long long)s->expansions,
		(unsigned long long)(s->peak_live >> 10), s->frag_max);
}

/* A setting's block of spectrum.csv: latency by percentile. */
static void csv_spectrum(FILE *f, const struct summary *s, bool first)
{
	static const double ps[] = { 0.5, 0.75, 0.9, 0.95, 0.99, 0.995, 0.999,
				     0.9995, 0.9999 };
	uint64_t cnt = s->allocs.n, max = s->allocs.max;
	size_t q;

	fprintf(f, "%s# %s\n", first ? "" : "\n\n", s->label);
	for (q = 0; q < ARRAY_SIZE(ps) && cnt; q++)
		fprintf(f, "%g,%g,%llu\n", ps[q], 1 / (1 - ps[q]),
			(unsigned long long)hist_quantile(s->allocs.slots, cnt, max, ps[q]));
	if (cnt)
		fprintf(f, "1,%g,%llu\n", 10 / (1 - ps[q - 1]), (unsigned long long)max);
}

/* A setting's block of compare_timeline.csv: its first run's pool sizes. */
static void csv_timeline(FILE *f, const struct summary *s, bool first)
{
	struct json_object *runs = json_object_object_get(s->root, "runs");
	struct json_object *start = json_object_object_get(json_object_object_get(
		s->root, "meta"), "pools_at_start");
	struct json_object *tl, *pt;
	uint64_t cur[DMAPOOL_NR_POOLS] = {};
	size_t i;
	int p;

	fprintf(f, "%s# %s\n", first ? "" : "\n\n", s->label);
	for (p = 0; p < DMAPOOL_NR_POOLS; p++)
		cur[p] = s->present[p] ? jget_u64(json_object_object_get(start,
			pool_names[p]), "size") : 0;
	tl = json_object_object_get(json_object_array_get_idx(runs, 0), "timeline");
	fprintf(f, "0,%llu,%llu,%llu\n", (unsigned long long)cur[0],
		(unsigned long long)cur[1], (unsigned long long)cur[2]);
	for (i = 0; i < json_object_array_length(tl); i++) {
		pt = json_object_array_get_idx(tl, i);
		p = pool_index(jget_str(pt, "pool"));
		if (p < 0)
			continue;
		cur[p] = jget_u64(pt, "size");
		fprintf(f, "%.3f,%llu,%llu,%llu\n", jget_u64(pt, "t_ns") / 1e6,
			(unsigned long long)cur[0], (unsigned long long)cur[1],
			(unsigned long long)cur[2]);
	}
}

/* compare.csv, spectrum.csv, compare_timeline.csv and the plots. */
static int write_plots(struct summary *s, int n, const char *dir, bool plot,
		       const char *title)
{
	static const char * const names[] = { "compare.csv", "spectrum.csv",
					      "compare_timeline.csv" };
	static const char * const scripts[] = { "spectrum", "compare-bars", "compare-timeline" };
	struct afile f[3];
	char series[1024] = "";
	int j, ret = 0;

	for (j = 0; j < 3; j++) {
		if (afile_open(&f[j], dir, names[j])) {
			while (j--)
				afile_close(&f[j], false);
			return -EIO;
		}
	}
	fprintf(f[0].f, "# setting,p50,p99,p999,ops_per_sec,fails,fallbacks,expansions,peak_live_kb,frag_end\n");
	fprintf(f[1].f, "# percentile,inv_tail,latency_ns\n");
	fprintf(f[2].f, "# t_ms,dma,dma32,kernel\n");
	for (j = 0; j < n; j++) {
		snprintf(series + strlen(series), sizeof(series) - strlen(series), "%s%s",
			 j ? " " : "", s[j].label);
		csv_compare_row(f[0].f, &s[j]);
		csv_spectrum(f[1].f, &s[j], !j);
		csv_timeline(f[2].f, &s[j], !j);
	}
	for (j = 0; j < 3; j++)
		if (afile_close(&f[j], true))
			ret = -EIO;
	if (ret || !plot)
		return ret;
	for (j = 0; j < 3; j++)
		if (plot_gnuplot(scripts[j], dir, "png", series, title) ||
		    plot_gnuplot(scripts[j], dir, "svg", series, title))
			ret = -EIO;
	if (!ret)
		p_info("plots in %s: spectrum, compare-bars, compare-timeline (png, svg)", dir);
	return ret;
}

/* --- the search ------------------------------------------------------------ */

/* @repeat fresh loads at @bytes; the trial is good when none failed or fell back. */
static int try_size(const struct cmp_opts *o, const char *kdir, const char *log,
		    uint64_t bytes, struct cmp_trial *t)
{
	char cp[32], dir[PATH_MAX + 64], path[PATH_MAX + 96];
	struct summary s;
	unsigned int r;

	memset(t, 0, sizeof(*t));
	t->bytes = bytes;
	snprintf(cp, sizeof(cp), "%lluK", (unsigned long long)(bytes >> 10));
	for (r = 0; r < o->run.repeat; r++) {
		snprintf(dir, sizeof(dir), "%s/recommend/%s/%u", kdir, cp, r);
		if (spawn_setting(o, cp, o->remap[1] && !o->remap[0], 1, dir, log))
			return -EIO;
		snprintf(path, sizeof(path), "%s/result.json", dir);
		memset(&s, 0, sizeof(s));
		if (setting_summarize(path, &s))
			return -EIO;
		t->fails += s.fails;
		t->fallbacks += s.fallbacks;
		t->expansions += s.expansions;
		t->reserved = jget_u64(json_object_object_get(json_object_object_get(
			json_object_object_get(s.root, "meta"), "pools_at_start"),
			"kernel"), "size");
		t->runs++;
		json_object_put(s.root);
	}
	t->ok = !t->fails && !t->fallbacks;
	p_info("recommend: coherent_pool=%s: %llu failures, %llu fallbacks in %llu fresh run(s): %s",
	       cp, (unsigned long long)t->fails, (unsigned long long)t->fallbacks,
	       (unsigned long long)t->runs, t->ok ? "enough" : "too small");
	return 0;
}

/* The where and how of compare --recommend's trials (cmp_probe_fn). */
struct probe_ctx {
	const struct cmp_opts *o;
	const char *kdir, *log;
};

static int probe_size(void *arg, uint64_t bytes, struct cmp_trial *t)
{
	const struct probe_ctx *pc = arg;

	return try_size(pc->o, pc->kdir, pc->log, bytes, t);
}

static struct json_object *trial_json(const struct cmp_trial *t)
{
	struct json_object *e = json_object_new_object();

	json_object_object_add(e, "coherent_pool_bytes", json_object_new_uint64(t->bytes));
	json_object_object_add(e, "reserved_bytes", json_object_new_uint64(t->reserved));
	json_object_object_add(e, "runs", json_object_new_uint64(t->runs));
	json_object_object_add(e, "fails", json_object_new_uint64(t->fails));
	json_object_object_add(e, "fallbacks", json_object_new_uint64(t->fallbacks));
	json_object_object_add(e, "expansions", json_object_new_uint64(t->expansions));
	json_object_object_add(e, "ok", json_object_new_boolean(t->ok));
	return e;
}

/* recommend.json: what the search found, and every trial as evidence. */
static struct json_object *recommend_json(const struct cmp_opts *o,
					  const struct cmp_trial *t,
					  const struct cmp_found *f)
{
	struct json_object *root = json_object_new_object(), *arr;
	int i;

	json_object_object_add(root, "found", json_object_new_boolean(f->best >= 0));
	json_object_object_add(root, "coherent_pool_bytes", f->best >= 0 ?
			       json_object_new_uint64(f->bytes) : NULL);
	if (f->best >= 0) {
		char cmd[64];

		snprintf(cmd, sizeof(cmd), "coherent_pool=%lluK",
			 (unsigned long long)(f->bytes >> 10));
		json_object_object_add(root, "cmdline", json_object_new_string(cmd));
		json_object_object_add(root, "reserved_bytes",
				       json_object_new_uint64(t[f->best].reserved));
	}
	json_object_object_add(root, "largest_too_small", f->too_small ?
			       json_object_new_uint64(f->too_small) : NULL);
	json_object_object_add(root, "replay", replay_meta(&o->run));
	json_object_object_add(root, "from", json_object_new_uint64(o->from));
	json_object_object_add(root, "max", json_object_new_uint64(o->max));
	arr = json_object_new_array();
	for (i = 0; i < f->n; i++)
		json_object_array_add(arr, trial_json(&t[i]));
	json_object_object_add(root, "trials", arr);
	return root;
}

static int recommend_here(const struct cmp_opts *o, const char *kdir,
			  const char *log)
{
	struct probe_ctx pc = { .o = o, .kdir = kdir, .log = log };
	struct cmp_trial t[CMP_MAX_TRIALS];
	struct json_object *root;
	struct cmp_found f;
	int err;

	if (cmp_search(o->from, o->max, CMP_MAX_TRIALS, probe_size, &pc, t, &f))
		return EXIT_FAIL;
	root = recommend_json(o, t, &f);
	err = result_write_json(root, kdir, "recommend.json");
	json_object_put(root);
	return err ? EXIT_FAIL : EXIT_OK;
}

static void setting_label(const struct cmp_opts *o, const char *kernel,
			  const char *cp, bool remap, char *buf, size_t len)
{
	char kshort[32] = "";

	if (o->nr_kernels > 1)
		snprintf(kshort, sizeof(kshort), "%.*s/",
			 (int)strcspn(kernel, "-+"), kernel);
	snprintf(buf, len, "%s%s%s", kshort, cp, remap ? "+remap" : "");
}

/* In the guest (or here): every setting of this kernel into DIR/KERNEL/. */
static int compare_here(const struct cmp_opts *o, const char *outdir)
{
	char kdir[PATH_MAX + 80], dir[PATH_MAX + 160], log[PATH_MAX + 160];
	struct utsname u;
	struct afile a;
	int i, rm, ret = EXIT_OK;

	uname(&u);
	snprintf(kdir, sizeof(kdir), "%s/%s", outdir, u.release);
	if (run_prepare_outdir("compare", kdir, dir))
		return EXIT_FAIL;
	snprintf(log, sizeof(log), "%s/runs.log", kdir);
	unlink(log);
	for (i = 0; i < o->nr_cps && ret == EXIT_OK; i++) {
		for (rm = 0; rm < 2 && ret == EXIT_OK; rm++) {
			if (!o->remap[rm])
				continue;
			snprintf(dir, sizeof(dir), "%s/cp-%s%s", kdir, o->cps[i],
				 rm ? "-remap" : "");
			p_info("compare: coherent_pool=%s%s", o->cps[i], rm ? " remap" : "");
			if (spawn_setting(o, strcmp(o->cps[i], "default") ? o->cps[i] : NULL,
					  rm, o->run.repeat, dir, log))
				ret = EXIT_FAIL;
		}
	}
	if (ret == EXIT_OK && o->recommend)
		ret = recommend_here(o, kdir, log);
	/* Tell the host which kernel this was. */
	if (afile_open(&a, outdir, ".guest-kernel"))
		return EXIT_FAIL;
	fprintf(a.f, "%s\n", u.release);
	if (afile_close(&a, true))
		return EXIT_FAIL;
	return ret;
}

static void print_recommendation(struct json_object *rec, const char *kernel)
{
	struct json_object *trials = json_object_object_get(rec, "trials"), *t;
	char a[24];
	size_t i;

	if (json_object_get_boolean(json_object_object_get(rec, "found"))) {
		printf("recommend (%s): %s\n", kernel, jget_str(rec, "cmdline"));
		fmt_size(jget_u64(rec, "reserved_bytes"), a, sizeof(a));
		printf("  each pool starts at %s: the kernel rounds coherent_pool up to a page\n"
		       "  order; the setting itself is the refill threshold (avail below it)\n", a);
	} else {
		printf("recommend (%s): no coherent_pool up to %lluK avoids failures and fallbacks\n",
		       kernel, (unsigned long long)(jget_u64(rec, "max") >> 10));
	}
	printf("  evidence (every trial: fresh module loads):\n");
	for (i = 0; i < json_object_array_length(trials); i++) {
		t = json_object_array_get_idx(trials, i);
		fmt_size(jget_u64(t, "coherent_pool_bytes"), a, sizeof(a));
		printf("  %-8s %llu run%s: %llu failures, %llu fallbacks, %llu expansions -> %s\n",
		       a, (unsigned long long)jget_u64(t, "runs"),
		       jget_u64(t, "runs") == 1 ? "" : "s",
		       (unsigned long long)jget_u64(t, "fails"),
		       (unsigned long long)jget_u64(t, "fallbacks"),
		       (unsigned long long)jget_u64(t, "expansions"),
		       json_object_get_boolean(json_object_object_get(t, "ok")) ?
		       "enough" : "too small");
	}
}

/* What compare shows: every setting's summary, and compare.json. */
struct compare_model {
	struct summary *s;
	int n;
	struct json_object *root;	/* compare.json */
	struct json_object *settings;	/* root's settings[] */
	struct json_object *recs;	/* root's recommend[] */
};

static void compare_model_free(struct compare_model *m)
{
	int i;

	json_object_put(m->root);
	for (i = 0; i < m->n; i++)
		json_object_put(m->s[i].root);
	free(m->s);
}

/* One setting's result back, as summary @s and a settings[] entry. */
static int read_setting(const struct cmp_opts *o, const char *outdir,
			const char *kernel, int i, bool rm, struct compare_model *m)
{
	struct summary *s = &m->s[m->n];
	char path[2 * PATH_MAX + 64];

	snprintf(s->result, sizeof(s->result), "%.63s/cp-%.23s%s/result.json",
		 kernel, o->cps[i], rm ? "-remap" : "");
	snprintf(path, sizeof(path), "%s/%s", outdir, s->result);
	if (setting_summarize(path, s))
		return -EINVAL;
	snprintf(s->cp, sizeof(s->cp), "%s", o->cps[i]);
	s->remap = rm;
	setting_label(o, kernel, o->cps[i], rm, s->label, sizeof(s->label));
	json_object_array_add(m->settings, summary_json(s));
	m->n++;
	return 0;
}

/* A kernel's settings, and its recommend.json with --recommend. */
static int read_kernel(const struct cmp_opts *o, const char *outdir,
		       const char *kernel, struct compare_model *m)
{
	char path[2 * PATH_MAX + 64];
	struct json_object *rec;
	int i, rm;

	for (i = 0; i < o->nr_cps; i++)
		for (rm = 0; rm < 2; rm++)
			if (o->remap[rm] && read_setting(o, outdir, kernel, i, rm, m))
				return -EINVAL;
	if (!o->recommend)
		return 0;
	snprintf(path, sizeof(path), "%s/%s/recommend.json", outdir, kernel);
	rec = json_read_checked(path, SCHEMA_RECOMMEND);
	if (!rec)
		return -EINVAL;
	json_object_object_add(rec, "kernel", json_object_new_string(kernel));
	json_object_array_add(m->recs, rec);
	return 0;
}

/* Read every kernel's settings back into @m (compare_model_free() after). */
static int compare_read(const struct cmp_opts *o, const char *outdir,
			char kernels[][64], int nk, struct compare_model *m)
{
	struct json_object *meta;
	int k;

	m->s = calloc(nk * CMP_MAX_SETTINGS * 2, sizeof(*m->s));
	if (!m->s)
		return -ENOMEM;
	m->root = json_object_new_object();
	m->settings = json_object_new_array();
	m->recs = json_object_new_array();
	json_object_object_add(m->root, "schema",
			       json_object_new_string("dmapool-bench-compare/1"));
	for (k = 0; k < nk; k++) {
		if (read_kernel(o, outdir, kernels[k], m)) {
			json_object_put(m->settings);
			json_object_put(m->recs);
			return -EINVAL;
		}
	}
	if (m->n) {
		meta = json_object_object_get(m->s[0].root, "meta");
		json_object_object_add(m->root, "spec", json_object_new_string(
			jget_str(meta, "spec")));
		json_object_object_add(m->root, "deterministic", json_object_get(
			json_object_object_get(meta, "deterministic")));
		json_object_object_add(m->root, "latency_unit", json_object_new_string(
			jget_str(meta, "latency_unit")));
	}
	json_object_object_add(m->root, "replay", replay_meta(&o->run));
	if (o->run.prof)
		json_object_object_add(m->root, "profile", profile_meta(o->run.prof));
	json_object_object_add(m->root, "repeat", json_object_new_uint64(o->run.repeat));
	json_object_object_add(m->root, "settings", m->settings);
	json_object_object_add(m->root, "recommend", m->recs);
	return 0;
}

static void compare_print_json(const struct compare_model *m)
{
	printf("%s\n", json_object_to_json_string_ext(m->root, JSON_C_TO_STRING_PLAIN |
		JSON_C_TO_STRING_NOSLASHESCAPE));
}

static void print_recommendations(const struct compare_model *m)
{
	struct json_object *rec, *prof = json_object_object_get(m->root, "profile");
	struct json_object *rp = json_object_object_get(m->root, "replay");
	size_t k;

	if (rp)
		printf("workload: replay of %s (%llu records, crc32 %s, captured on %s, speed %g)\n",
		       jget_str(rp, "file"), (unsigned long long)jget_u64(rp, "records"),
		       jget_str(rp, "crc32"), jget_str(rp, "kernel"),
		       json_object_get_double(json_object_object_get(rp, "speed")));
	if (prof && json_object_array_length(m->recs))
		printf("workload: profile %s (%zu sourced figures: dmapool-bench profiles %s)\n",
		       jget_str(prof, "name"),
		       json_object_array_length(json_object_object_get(prof, "sources")),
		       jget_str(prof, "name"));

	for (k = 0; k < json_object_array_length(m->recs); k++) {
		rec = json_object_array_get_idx(m->recs, k);
		print_recommendation(rec, jget_str(rec, "kernel"));
	}
}

/* On the host: read every kernel's settings back, write and show. */
static int compare_report(const struct cmp_opts *o, const char *outdir,
			  char kernels[][64], int nk)
{
	struct compare_model m = {};
	char title[160];
	int ret = EXIT_OK;

	if (compare_read(o, outdir, kernels, nk, &m) ||
	    result_write_json(m.root, outdir, "compare.json")) {
		compare_model_free(&m);
		return EXIT_FAIL;
	}
	if (json_output)
		compare_print_json(&m);
	if (m.n) {
		if (!json_output)
			print_table(m.s, m.n, jget_str(json_object_object_get(
				m.s[0].root, "meta"), "latency_unit"));
		snprintf(title, sizeof(title), "coherent_pool compare: %s", m.s[0].kernel);
		if (write_plots(m.s, m.n, outdir, !o->no_plot, title))
			ret = EXIT_FAIL;
	}
	/* After the plots' message, as before (logs interleave stdout and stderr). */
	if (!json_output)
		print_recommendations(&m);
	p_info("wrote %s/compare.json", outdir);
	compare_model_free(&m);
	return ret;
}

static int read_guest_kernel(const char *outdir, char *buf, size_t len)
{
	char path[PATH_MAX + 32];
	FILE *f;

	snprintf(path, sizeof(path), "%s/.guest-kernel", outdir);
	f = fopen(path, "r");
	if (!f)
		return -ENOENT;
	if (!fgets(buf, len, f))
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return buf[0] ? 0 : -EINVAL;
}

int cmd_compare(int argc, char **argv)
{
	struct cmp_opts o = {};
	char outdir[PATH_MAX], kernels[CMP_MAX_KERNELS][64], path[PATH_MAX + 32];
	struct utsname u;
	int k, nk = 0, ret = EXIT_OK;

	ret = parse_cmp(&o, argc, argv);
	if (ret)
		return ret > 0 ? EXIT_OK : EXIT_USAGE;
	if (strpbrk(o.output, "'\"\\")) {
		p_err("compare: output directory '%s' contains a quote or backslash", o.output);
		return EXIT_USAGE;
	}
	if (run_prepare_outdir("compare", o.output, outdir))
		return EXIT_USAGE;
	if (!vm_needed(o.run.vm.force)) {
		ret = compare_here(&o, outdir);
		if (getenv("DMAPOOL_IN_VM") || ret)
			return ret;
		uname(&u);
		snprintf(kernels[nk++], sizeof(kernels[0]), "%.63s", u.release);
	} else {
		o.run.vm.rwdir = outdir;
		o.run.vm.cpus = o.run.vm.deterministic ? 1 : 2;
		for (k = 0; k < (o.nr_kernels ? o.nr_kernels : 1); k++) {
			o.run.vm.kernel = o.nr_kernels ? o.kernels[k] : NULL;
			snprintf(path, sizeof(path), "%s/.guest-kernel", outdir);
			unlink(path);
			ret = vm_run(&o.run.vm, argc, argv);
			if (ret == EXIT_OK && read_guest_kernel(outdir, kernels[nk],
								sizeof(kernels[0])))
				ret = EXIT_FAIL;
			if (ret) {
				if (ret > EXIT_USAGE)
					p_err("compare: the guest failed (tools/dmapool-vm exit %d)", ret);
						return ret > EXIT_USAGE ? EXIT_FAIL : ret;
			}
			nk++;
		}
	}
	ret = compare_report(&o, outdir, kernels, nk);
	return ret;
}
