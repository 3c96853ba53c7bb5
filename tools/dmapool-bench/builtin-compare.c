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

#include "hist.h"
#include "main.h"
#include "result.h"
#include "run.h"
#include "spec.h"
#include "vm.h"

#define CMP_MAX_SETTINGS	16
#define CMP_MAX_KERNELS		4
#define CMP_MAX_TRIALS		40
#define CMP_PAGE		4096ull

static const char compare_usage[] =
"Usage: dmapool-bench compare --coherent-pool LIST [OPTIONS] [RUN OPTIONS]\n"
"       dmapool-bench compare --recommend [OPTIONS] [RUN OPTIONS]\n"
"\n"
"Run the same workload (same seed) under each coherent_pool setting, the\n"
"module reloaded for every setting, all settings of a kernel in one guest\n"
"boot. Writes DIR/compare.json, DIR/compare.csv, per-setting results under\n"
"DIR/KERNEL/, a table, and plots: latency spectra overlaid (spectrum), bars\n"
"per setting (compare-bars), pool-size timelines side by side\n"
"(compare-timeline).\n"
"\n"
"Options:\n"
"  --coherent-pool LIST   sizes to compare, e.g. 128K,512K,2M ('default': the\n"
"                         kernel's rule)\n"
"  --remap LIST           on, off or on,off (default off)\n"
"  --kernel LIST          guest kernels, one boot each (default: the newest)\n"
"  --repeat N             runs per setting (default 1); the first starts from\n"
"                         fresh pools, later ones from the pools it left\n"
"  -o, --output DIR       default results/compare\n"
"  --recommend            search the smallest coherent_pool with 0 failures\n"
"                         and 0 fallbacks; prints the kernel command line\n"
"  --from SIZE            --recommend: first size tried (default 64K)\n"
"  --max SIZE             --recommend: give up above this (default 64M)\n"
"  --deterministic        guest with -icount: latencies in instruction-time\n"
"  --vm-mem SIZE          guest memory (default 2G)\n"
"  --no-plot              no images\n"
"  -j, --json             compare.json on stdout\n"
"Every other option is a `run` option (workload, --state-period...): see\n"
"'dmapool-bench run --help'.\n"
"\n"
"Examples:\n"
"  dmapool-bench compare --coherent-pool 128K,512K,2M -o results/compare\n"
"  dmapool-bench compare --coherent-pool 256K,1M --remap on,off --kernel 6.1,6.12\n"
"  dmapool-bench compare --recommend --ctx hardirq --size 64K --hold ops:64 --repeat 3\n";

struct cmp_opts {
	char cps[CMP_MAX_SETTINGS][24];
	int nr_cps;
	bool remap[2];			/* off, on */
	const char *kernels[CMP_MAX_KERNELS];
	int nr_kernels;
	unsigned int repeat;
	const char *output;
	bool recommend, plot;
	uint64_t from, max;
	struct vm_opts vm;
	bool force_vm;
	char **pass;			/* run options, NULL-terminated */
	int nr_pass;
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

static int parse_cmp(struct cmp_opts *o, int argc, char **argv)
{
	static char kern[CMP_MAX_KERNELS][64];
	char onoff[2][8], *val, name[64];
	uint64_t bytes;
	int i, n, k;

	o->repeat = 1;
	o->output = "results/compare";
	o->plot = true;
	o->from = 64 << 10;
	o->max = 64 << 20;
	o->pass = calloc(argc + 1, sizeof(*o->pass));
	if (!o->pass)
		return -ENOMEM;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		bool takes;

		snprintf(name, sizeof(name), "%.*s", (int)strcspn(a, "="), a);
		val = strchr(a, '=');
		takes = !strcmp(name, "--coherent-pool") || !strcmp(name, "--remap") ||
			!strcmp(name, "--kernel") || !strcmp(name, "--repeat") ||
			!strcmp(name, "-o") || !strcmp(name, "--output") ||
			!strcmp(name, "--from") || !strcmp(name, "--max") ||
			!strcmp(name, "--vm-mem");
		if (takes && !val) {
			if (i + 1 == argc) {
				p_err("compare: %s needs a value", a);
				return -EINVAL;
			}
			val = argv[++i];
		} else if (val) {
			val++;
		}
		if (!strcmp(name, "--coherent-pool")) {
			o->nr_cps = split_list(name, val, o->cps[0], sizeof(o->cps[0]),
					       CMP_MAX_SETTINGS);
			if (o->nr_cps < 0)
				return -EINVAL;
			for (k = 0; k < o->nr_cps; k++)
				if (strcmp(o->cps[k], "default") &&
				    parse_size("--coherent-pool", o->cps[k], &bytes))
					return -EINVAL;
		} else if (!strcmp(name, "--remap")) {
			n = split_list(name, val, onoff[0], sizeof(onoff[0]), 2);
			if (n < 0)
				return -EINVAL;
			for (k = 0; k < n; k++) {
				if (strcmp(onoff[k], "on") && strcmp(onoff[k], "off")) {
					p_err("compare: invalid --remap '%s' (on, off or on,off)", val);
					return -EINVAL;
				}
				o->remap[!strcmp(onoff[k], "on")] = true;
			}
		} else if (!strcmp(name, "--kernel")) {
			o->nr_kernels = split_list(name, val, kern[0], sizeof(kern[0]),
						   CMP_MAX_KERNELS);
			if (o->nr_kernels < 0)
				return -EINVAL;
			for (k = 0; k < o->nr_kernels; k++)
				o->kernels[k] = kern[k];
			o->force_vm = true;
		} else if (!strcmp(name, "--repeat")) {
			char *end;

			errno = 0;
			o->repeat = strtoul(val, &end, 10);
			if (errno || *end || !*val || *val == '-' || !o->repeat ||
			    o->repeat > 100) {
				p_err("compare: invalid --repeat '%s' (1..100)", val);
				return -EINVAL;
			}
		} else if (!strcmp(name, "-o") || !strcmp(name, "--output")) {
			o->output = val;
		} else if (!strcmp(name, "--from")) {
			if (parse_size(name, val, &o->from))
				return -EINVAL;
		} else if (!strcmp(name, "--max")) {
			if (parse_size(name, val, &o->max))
				return -EINVAL;
		} else if (!strcmp(name, "--vm-mem")) {
			o->vm.mem = val;
		} else if (!strcmp(a, "--recommend")) {
			o->recommend = true;
		} else if (!strcmp(a, "--no-plot")) {
			o->plot = false;
		} else if (!strcmp(a, "--deterministic")) {
			o->vm.deterministic = true;
			o->force_vm = true;
		} else if (!strcmp(a, "--vm")) {
			o->force_vm = true;
		} else if (!strcmp(a, "-j") || !strcmp(a, "--json")) {
			json_output = true;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			fputs(compare_usage, stdout);
			exit(EXIT_OK);
		} else if (!strcmp(a, "--plot") || !strcmp(a, "--fresh")) {
			p_err("compare: %s is not a compare option (see 'dmapool-bench compare --help')", a);
			return -EINVAL;
		} else {
			o->pass[o->nr_pass++] = argv[i];
		}
	}
	if (vm_check_opts("compare", &o->vm))
		return -EINVAL;
	for (k = 0; k < o->nr_kernels; k++)
		if (vm_check_kernel("compare", o->kernels[k]))
			return -EINVAL;
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
	/* The rest must be valid `run` options. */
	o->pass[o->nr_pass] = NULL;
	{
		char **check = calloc(o->nr_pass + 2, sizeof(*check));
		int ret;

		if (!check)
			return -ENOMEM;
		check[0] = "run";
		memcpy(check + 1, o->pass, o->nr_pass * sizeof(*check));
		ret = run_check_args(o->nr_pass + 1, check);
		free(check);
		if (ret)
			return -EINVAL;
	}
	return 0;
}

/* One `run` of the workload with @cp (NULL: the kernel's rule) into @dir. */
static int spawn_setting(const struct cmp_opts *o, const char *cp, bool remap,
			 unsigned int repeat, const char *dir, const char *log)
{
	char **argv = calloc(o->nr_pass + 12, sizeof(*argv));
	char rep[16];
	int n = 0, st;

	if (!argv)
		return -ENOMEM;
	snprintf(rep, sizeof(rep), "%u", repeat);
	if (cp) {
		argv[n++] = "--coherent-pool";
		argv[n++] = (char *)cp;
	}
	if (remap)
		argv[n++] = "--remap";
	argv[n++] = "--repeat";
	argv[n++] = rep;
	argv[n++] = "--fresh";
	argv[n++] = "-o";
	argv[n++] = (char *)dir;
	memcpy(argv + n, o->pass, o->nr_pass * sizeof(*argv));
	st = run_spawn(argv, log);
	free(argv);
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

static int summarize(const char *path, struct summary *s)
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

/* compare.csv, spectrum.csv, compare_timeline.csv and the plots. */
static int write_plots(struct summary *s, int n, const char *dir, bool plot,
		       const char *title)
{
	static const double ps[] = { 0.5, 0.75, 0.9, 0.95, 0.99, 0.995, 0.999,
				     0.9995, 0.9999 };
	const __u64 *slots;
	struct afile f[3];
	char series[1024] = "";
	struct json_object *runs, *tl, *pt;
	uint64_t cnt, max, cur[DMAPOOL_NR_POOLS];
	size_t i, q;
	int j, p, ret = 0;
	static const char * const scripts[] = { "spectrum", "compare-bars", "compare-timeline" };

	if (afile_open(&f[0], dir, "compare.csv"))
		return -EIO;
	if (afile_open(&f[1], dir, "spectrum.csv")) {
		afile_close(&f[0], false);
		return -EIO;
	}
	if (afile_open(&f[2], dir, "compare_timeline.csv")) {
		afile_close(&f[0], false);
		afile_close(&f[1], false);
		return -EIO;
	}
	fprintf(f[0].f, "# setting,p50,p99,p999,ops_per_sec,fails,fallbacks,expansions,peak_live_kb,frag_end\n");
	fprintf(f[1].f, "# percentile,inv_tail,latency_ns\n");
	fprintf(f[2].f, "# t_ms,dma,dma32,kernel\n");
	for (j = 0; j < n; j++) {
		snprintf(series + strlen(series), sizeof(series) - strlen(series), "%s%s",
			 j ? " " : "", s[j].label);
		fprintf(f[0].f, "%s,%llu,%llu,%llu,%.0f,%llu,%llu,%llu,%llu,%.3f\n",
			s[j].label, (unsigned long long)s[j].p50,
			(unsigned long long)s[j].p99, (unsigned long long)s[j].p999,
			s[j].elapsed ? s[j].ops * 1e9 / s[j].elapsed : 0,
			(unsigned long long)s[j].fails, (unsigned long long)s[j].fallbacks,
			(unsigned long long)s[j].expansions,
			(unsigned long long)(s[j].peak_live >> 10), s[j].frag_max);
		runs = json_object_object_get(s[j].root, "runs");
		cnt = s[j].allocs.n;
		max = s[j].allocs.max;
		slots = s[j].allocs.slots;
		fprintf(f[1].f, "%s# %s\n", j ? "\n\n" : "", s[j].label);
		for (q = 0; q < sizeof(ps) / sizeof(ps[0]) && cnt; q++)
			fprintf(f[1].f, "%g,%g,%llu\n", ps[q], 1 / (1 - ps[q]),
				(unsigned long long)hist_quantile(slots, cnt, max, ps[q]));
		if (cnt)
			fprintf(f[1].f, "1,%g,%llu\n", 10 / (1 - ps[q - 1]),
				(unsigned long long)max);
		/* The first run's pool sizes, each row carrying every pool's. */
		fprintf(f[2].f, "%s# %s\n", j ? "\n\n" : "", s[j].label);
		memset(cur, 0, sizeof(cur));
		for (p = 0; p < DMAPOOL_NR_POOLS; p++)
			cur[p] = s[j].present[p] ? jget_u64(json_object_object_get(
				json_object_object_get(json_object_object_get(s[j].root,
				"meta"), "pools_at_start"), pool_names[p]), "size") : 0;
		tl = json_object_object_get(json_object_array_get_idx(runs, 0), "timeline");
		fprintf(f[2].f, "0,%llu,%llu,%llu\n", (unsigned long long)cur[0],
			(unsigned long long)cur[1], (unsigned long long)cur[2]);
		for (i = 0; i < json_object_array_length(tl); i++) {
			pt = json_object_array_get_idx(tl, i);
			p = pool_index(jget_str(pt, "pool"));
			if (p < 0)
				continue;
			cur[p] = jget_u64(pt, "size");
			fprintf(f[2].f, "%.3f,%llu,%llu,%llu\n", jget_u64(pt, "t_ns") / 1e6,
				(unsigned long long)cur[0], (unsigned long long)cur[1],
				(unsigned long long)cur[2]);
		}
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

struct trial {
	uint64_t bytes;
	uint64_t reserved;		/* the pool the kernel's rule made of it */
	uint64_t fails, fallbacks, expansions, runs;
	bool ok;
};

/* @repeat fresh loads at @bytes; the trial is good when none failed or fell back. */
static int try_size(const struct cmp_opts *o, const char *kdir, const char *log,
		    uint64_t bytes, struct trial *t)
{
	char cp[32], dir[PATH_MAX + 64], path[PATH_MAX + 96];
	struct summary s;
	unsigned int r;

	memset(t, 0, sizeof(*t));
	t->bytes = bytes;
	snprintf(cp, sizeof(cp), "%lluK", (unsigned long long)(bytes >> 10));
	for (r = 0; r < o->repeat; r++) {
		snprintf(dir, sizeof(dir), "%s/recommend/%s/%u", kdir, cp, r);
		if (spawn_setting(o, cp, o->remap[1] && !o->remap[0], 1, dir, log))
			return -EIO;
		snprintf(path, sizeof(path), "%s/result.json", dir);
		memset(&s, 0, sizeof(s));
		if (summarize(path, &s))
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

static int recommend_here(const struct cmp_opts *o, const char *kdir,
			  const char *log)
{
	struct trial t[CMP_MAX_TRIALS];
	struct json_object *root, *arr, *e;
	uint64_t lo = 0, hi = 0, size, mid;
	int n = 0, i, best = -1;

	for (size = o->from; size <= o->max && n < CMP_MAX_TRIALS; size *= 2) {
		if (try_size(o, kdir, log, size, &t[n]))
			return EXIT_FAIL;
		if (t[n++].ok) {
			hi = size;
			best = n - 1;
			break;
		}
		lo = size;
	}
	/* Bisection on whole pages between the last too-small and the first good. */
	while (hi && lo && hi - lo > CMP_PAGE && n < CMP_MAX_TRIALS) {
		mid = (lo + hi) / 2 / CMP_PAGE * CMP_PAGE;
		if (try_size(o, kdir, log, mid, &t[n]))
			return EXIT_FAIL;
		if (t[n++].ok) {
			hi = mid;
			best = n - 1;
		} else {
			lo = mid;
		}
	}
	root = json_object_new_object();
	json_object_object_add(root, "found", json_object_new_boolean(best >= 0));
	json_object_object_add(root, "coherent_pool_bytes", best >= 0 ?
			       json_object_new_uint64(hi) : NULL);
	if (best >= 0) {
		char cmd[64];

		snprintf(cmd, sizeof(cmd), "coherent_pool=%lluK", (unsigned long long)(hi >> 10));
		json_object_object_add(root, "cmdline", json_object_new_string(cmd));
		json_object_object_add(root, "reserved_bytes",
				       json_object_new_uint64(t[best].reserved));
	}
	json_object_object_add(root, "largest_too_small", lo ? json_object_new_uint64(lo) : NULL);
	json_object_object_add(root, "from", json_object_new_uint64(o->from));
	json_object_object_add(root, "max", json_object_new_uint64(o->max));
	arr = json_object_new_array();
	for (i = 0; i < n; i++) {
		e = json_object_new_object();
		json_object_object_add(e, "coherent_pool_bytes", json_object_new_uint64(t[i].bytes));
		json_object_object_add(e, "reserved_bytes", json_object_new_uint64(t[i].reserved));
		json_object_object_add(e, "runs", json_object_new_uint64(t[i].runs));
		json_object_object_add(e, "fails", json_object_new_uint64(t[i].fails));
		json_object_object_add(e, "fallbacks", json_object_new_uint64(t[i].fallbacks));
		json_object_object_add(e, "expansions", json_object_new_uint64(t[i].expansions));
		json_object_object_add(e, "ok", json_object_new_boolean(t[i].ok));
		json_object_array_add(arr, e);
	}
	json_object_object_add(root, "trials", arr);
	i = result_write_json(root, kdir, "recommend.json");
	json_object_put(root);
	return i ? EXIT_FAIL : EXIT_OK;
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
					  rm, o->repeat, dir, log))
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
	}
	else
		printf("recommend (%s): no coherent_pool up to %lluK avoids failures and fallbacks\n",
		       kernel, (unsigned long long)(jget_u64(rec, "max") >> 10));
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

/* On the host: read every kernel's settings back, write and show. */
static int compare_report(const struct cmp_opts *o, const char *outdir,
			  char kernels[][64], int nk)
{
	struct summary *s = calloc(nk * CMP_MAX_SETTINGS * 2, sizeof(*s));
	struct json_object *root, *arr, *recs, *rec;
	char path[2 * PATH_MAX + 64], title[160];
	int k, i, rm, n = 0, ret = EXIT_OK;

	if (!s)
		return EXIT_FAIL;
	root = json_object_new_object();
	arr = json_object_new_array();
	recs = json_object_new_array();
	json_object_object_add(root, "schema", json_object_new_string("dmapool-bench-compare/1"));
	for (k = 0; k < nk; k++) {
		for (i = 0; i < o->nr_cps; i++) {
			for (rm = 0; rm < 2; rm++) {
				if (!o->remap[rm])
					continue;
				snprintf(s[n].result, sizeof(s[n].result), "%.63s/cp-%.23s%s/result.json",
					 kernels[k], o->cps[i], rm ? "-remap" : "");
				snprintf(path, sizeof(path), "%s/%s", outdir, s[n].result);
				if (summarize(path, &s[n])) {
					ret = EXIT_FAIL;
					goto out;
				}
				snprintf(s[n].cp, sizeof(s[n].cp), "%s", o->cps[i]);
				s[n].remap = rm;
				setting_label(o, kernels[k], o->cps[i], rm, s[n].label,
					      sizeof(s[n].label));
				json_object_array_add(arr, summary_json(&s[n]));
				n++;
			}
		}
		if (o->recommend) {
			snprintf(path, sizeof(path), "%s/%s/recommend.json", outdir, kernels[k]);
			rec = json_read_checked(path, SCHEMA_RECOMMEND);
			if (!rec) {
				ret = EXIT_FAIL;
				goto out;
			}
			json_object_object_add(rec, "kernel", json_object_new_string(kernels[k]));
			json_object_array_add(recs, rec);
		}
	}
	if (n) {
		struct json_object *meta = json_object_object_get(s[0].root, "meta");

		json_object_object_add(root, "spec", json_object_new_string(jget_str(meta, "spec")));
		json_object_object_add(root, "deterministic", json_object_get(
			json_object_object_get(meta, "deterministic")));
		json_object_object_add(root, "latency_unit", json_object_new_string(
			jget_str(meta, "latency_unit")));
	}
	json_object_object_add(root, "repeat", json_object_new_uint64(o->repeat));
	json_object_object_add(root, "settings", arr);
	arr = NULL;
	json_object_object_add(root, "recommend", recs);
	recs = NULL;
	if (result_write_json(root, outdir, "compare.json")) {
		ret = EXIT_FAIL;
		goto out;
	}
	if (json_output)
		printf("%s\n", json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN |
			JSON_C_TO_STRING_NOSLASHESCAPE));
	if (n) {
		if (!json_output)
			print_table(s, n, jget_str(json_object_object_get(s[0].root, "meta"),
						   "latency_unit"));
		snprintf(title, sizeof(title), "coherent_pool compare: %s",
			 n ? s[0].kernel : "");
		if (write_plots(s, n, outdir, o->plot, title))
			ret = EXIT_FAIL;
	}
	if (!json_output) {
		recs = json_object_object_get(root, "recommend");
		for (k = 0; k < (int)json_object_array_length(recs); k++) {
			rec = json_object_array_get_idx(recs, k);
			print_recommendation(rec, jget_str(rec, "kernel"));
		}
		recs = NULL;
	}
	p_info("wrote %s/compare.json", outdir);
out:
	json_object_put(arr);
	json_object_put(recs);
	json_object_put(root);
	for (i = 0; i < n; i++)
		json_object_put(s[i].root);
	free(s);
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

	if (parse_cmp(&o, argc, argv)) {
		free(o.pass);
		return EXIT_USAGE;
	}
	if (strpbrk(o.output, "'\"\\")) {
		p_err("compare: output directory '%s' contains a quote or backslash", o.output);
		free(o.pass);
		return EXIT_USAGE;
	}
	if (run_prepare_outdir("compare", o.output, outdir)) {
		free(o.pass);
		return EXIT_USAGE;
	}
	if (!vm_needed(o.force_vm)) {
		ret = compare_here(&o, outdir);
		if (getenv("DMAPOOL_IN_VM") || ret) {
			free(o.pass);
			return ret;
		}
		uname(&u);
		snprintf(kernels[nk++], sizeof(kernels[0]), "%.63s", u.release);
	} else {
		o.vm.rwdir = outdir;
		o.vm.cpus = o.vm.deterministic ? 1 : 2;
		for (k = 0; k < (o.nr_kernels ? o.nr_kernels : 1); k++) {
			o.vm.kernel = o.nr_kernels ? o.kernels[k] : NULL;
			snprintf(path, sizeof(path), "%s/.guest-kernel", outdir);
			unlink(path);
			ret = vm_run(&o.vm, argc, argv);
			if (ret == EXIT_OK && read_guest_kernel(outdir, kernels[nk],
								sizeof(kernels[0])))
				ret = EXIT_FAIL;
			if (ret) {
				if (ret > EXIT_USAGE)
					p_err("compare: the guest failed (tools/dmapool-vm exit %d)", ret);
				free(o.pass);
				return ret > EXIT_USAGE ? EXIT_FAIL : ret;
			}
			nk++;
		}
	}
	ret = compare_report(&o, outdir, kernels, nk);
	free(o.pass);
	return ret;
}
