// SPDX-License-Identifier: GPL-2.0
/*
 * dmapool-bench run: load the module with the pool options, attach the BPF
 * programs, start the load through the control file, wait, read the maps and
 * the module's stats, detach, write DIR/result.json and CSVs, print a summary.
 *
 * The run loop is run.c's, shared with `record`; this file is the BPF tracer.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "aggregate.h"
#include "collect.h"
#include "main.h"
#include "result.h"
#include "run.h"

/* --- the BPF collector (collect.c) ---------------------------------------- */

struct bpf_run {
	struct collector *col;
	const char *how;
};

static int bpf_start(const struct run_opts *o, const char *outdir, void **priv,
		     const char **how)
{
	struct bpf_run *b = calloc(1, sizeof(*b));

	(void)outdir;
	if (!b)
		return -ENOMEM;
	collect_streams = o->rs.nr_streams;
	if (collect_start(&b->col, o->attach, &b->how)) {
		free(b);
		return -ENOENT;
	}
	*how = b->how;
	*priv = b;
	return 0;
}

static int bpf_begin(void *priv, uint64_t t0)
{
	struct bpf_run *b = priv;

	return collect_reset(b->col, t0);
}

/* Does the kernel count what a nested classic-tracepoint program drops? */
static bool misses_counted(const char *how)
{
	struct utsname u;
	int major = 0, minor = 0;

	if (!strcmp(how, "tp_btf"))
		return true;
	/* trace_call_bpf() reports its drops in recursion_misses from 6.7. */
	if (uname(&u) || sscanf(u.release, "%d.%d", &major, &minor) != 2)
		return false;
	return major > 6 || (major == 6 && minor >= 7);
}

/*
 * A multi-stream run: each of run.streams[] gets its BPF counters and
 * latency summary, and run.cases becomes the streams' cases, each with its
 * "stream" (merged over streams they are the run's cases as before).
 */
static int read_streams(struct collector *col, const struct run_opts *o,
			struct json_object *run)
{
	struct json_object *streams = json_object_object_get(run, "streams");
	struct json_object *cases = json_object_new_array(), *s, *lat;
	struct dmapool_hist *alloc = malloc(2 * sizeof(*alloc)), *free_h;
	struct dmapool_counters sum;
	double elapsed_s = jget_u64(run, "elapsed_ns") / 1e9;
	unsigned int i;
	int err = alloc ? 0 : -ENOMEM;

	free_h = alloc + 1;
	for (i = 0; !err && i < o->rs.nr_streams; i++) {
		s = json_object_array_get_idx(streams, i);
		if (!s) {
			err = -ENOENT;
			break;
		}
		err = collect_stream_counters(col, i, &sum);
		if (err)
			break;
		json_object_object_add(s, "counters", agg_counters(&sum));
		err = collect_stream_cases(col, i, o->rs.streams[i].name, elapsed_s,
					   cases, alloc, free_h);
		if (err)
			break;
		lat = json_object_new_object();
		json_object_object_add(lat, "alloc", agg_latency(alloc));
		json_object_object_add(lat, "free", agg_latency(free_h));
		json_object_object_add(s, "latency", lat);
	}
	free(alloc);
	if (err) {
		json_object_put(cases);
		p_err("reading the per-stream BPF maps failed: %s", strerror(-err));
		return err;
	}
	json_object_object_add(run, "cases", cases);
	return 0;
}

static int bpf_end(void *priv, const struct run_opts *o,
		   struct json_object *run, uint64_t t0, uint64_t t1, bool *ok)
{
	static const char inexact[] =
		"BPF counts do not exceed the module's; this kernel does not count classic tracepoint drops (before 6.7), so equality cannot be checked";
	struct bpf_run *b = priv;
	int err;

	(void)t0;
	(void)t1;
	err = collect_read(b->col, run);
	if (!err && o->rs.nr_streams > 1)
		err = read_streams(b->col, o, run);
	if (!err) {
		/*
		 * The module leaves every stream's warmup out of its sums and
		 * BPF counts it all: the sums are checked with the longest
		 * warmup of any stream (as report does), each stream below
		 * with its own.
		 */
		struct dmapool_spec all = o->spec;
		unsigned int i;

		for (i = 1; i < o->rs.nr_streams; i++)
			if (o->rs.streams[i].warmup_ms > all.warmup_ms)
				all.warmup_ms = o->rs.streams[i].warmup_ms;
		*ok &= run_crosscheck(run, &all, "BPF", misses_counted(b->how),
				      inexact);
	}
	if (!err && o->rs.nr_streams > 1)
		*ok &= run_crosscheck_streams(run, o, "BPF", misses_counted(b->how),
					      inexact);
	return err;
}

static void bpf_stop(void *priv)
{
	struct bpf_run *b = priv;

	collect_stop(b->col);
	b->col = NULL;
}

/* --- fleet formats (fleet.h): one test per case and metric, a cross-check */

/* The tests of one run's cases: p50, p99 (ns) and ops_per_sec per case. */
static void run_case_tests(struct json_object *run, const char *pre,
			   struct fleet_test *t, int *nr, int max)
{
	static const struct { const char *key, *unit; } metrics[] = {
		{ "p50", "ns" }, { "p99", "ns" }, { "ops_per_sec", "ops/s" },
	};
	struct json_object *cases = json_object_object_get(run, "cases"), *cs;
	char name[FLEET_NAME_LEN], size[24];
	struct fleet_test *one;
	size_t i, k;

	for (i = 0; i < json_object_array_length(cases); i++) {
		cs = json_object_array_get_idx(cases, i);
		fleet_size_name(jget_u64(cs, "size_order"), size, sizeof(size));
		for (k = 0; k < ARRAY_SIZE(metrics); k++) {
			const char *stream = json_object_object_get(cs, "stream") ?
					     jget_str(cs, "stream") : "";

			snprintf(name, sizeof(name), "%s%s.%s.%s.%s.%s%s%s", pre,
				 metrics[k].key, jget_str(cs, "op"), jget_str(cs, "pool"),
				 jget_str(cs, "ctx"), size, *stream ? "." : "", stream);
			one = fleet_add(t, nr, max, name, FLEET_PASS);
			if (!one)
				return;
			one->have_value = true;
			one->value = json_object_get_double(json_object_object_get(
				cs, metrics[k].key));
			one->unit = metrics[k].unit;
			fleet_diag(one, "n %llu, p50 %llu, p99 %llu, max %llu",
				   (unsigned long long)jget_u64(cs, "n"),
				   (unsigned long long)jget_u64(cs, "p50"),
				   (unsigned long long)jget_u64(cs, "p99"),
				   (unsigned long long)jget_u64(cs, "max"));
		}
	}
}

/* Every run of @root as fleet tests, printed as @o->fmt; 0 or -errno. */
static int run_print_fleet(struct json_object *root, const struct run_opts *o)
{
	struct json_object *runs = json_object_object_get(root, "runs"), *run, *cc;
	struct json_object *meta = json_object_object_get(root, "meta");
	char run_id[64], nonce[16];
	struct fleet_meta m = {
		.origin = o->fleet.origin, .suite = "run",
		.build = jget_str(meta, "kernel"), .run_id = run_id,
		.start_time = jget_str(meta, "time"),
	};
	size_t i, nruns = json_object_array_length(runs);
	int err, nr = 0, max = 1;
	struct fleet_test *t, *one;
	char pre[32] = "", name[FLEET_NAME_LEN];

	fleet_nonce(nonce, sizeof(nonce));
	snprintf(run_id, sizeof(run_id), "%.40s.%s", jget_str(meta, "time"), nonce);
	for (i = 0; i < nruns; i++)
		max += 1 + 3 * json_object_array_length(json_object_object_get(
			json_object_array_get_idx(runs, i), "cases"));
	t = calloc(max, sizeof(*t));
	if (!t) {
		p_err("run: out of memory for the fleet document");
		return -ENOMEM;
	}
	for (i = 0; i < nruns; i++) {
		run = json_object_array_get_idx(runs, i);
		if (nruns > 1)
			snprintf(pre, sizeof(pre), "run%zu.", i + 1);
		run_case_tests(run, pre, t, &nr, max);
		cc = json_object_object_get(run, "crosscheck");
		snprintf(name, sizeof(name), "%scrosscheck", pre);
		one = fleet_add(t, &nr, max, name, cc &&
				json_object_get_boolean(json_object_object_get(cc, "ok")) ?
				FLEET_PASS : FLEET_FAIL);
		if (!one)
			break;
		one->have_value = true;
		one->value = jget_u64(json_object_object_get(run, "module_stats"), "ops");
		one->unit = "count";
		fleet_diag(one, "%s (%s)", cc ? jget_str(cc, "message") : "no cross-check",
			   cc && json_object_get_boolean(json_object_object_get(cc, "exact")) ?
			   "exact" : "inexact");
	}
	err = fleet_print(stdout, o->fmt, t, nr, &m);
	run_fleet_printed();
	free(t);
	return err;
}

static bool bpf_finish(void *priv, const struct run_opts *o,
		       struct json_object *root, const char *outdir)
{
	char series[1024], pools[64];
	bool ok = true;

	free(priv);
	if (!root)
		return true;
	if (result_write_json(root, outdir, "result.json") ||
	    result_write_csvs(&root, 1, outdir, series, sizeof(series),
			      pools, sizeof(pools)))
		ok = false;
	if (o->fmt != FLEET_TEXT) {
		if (run_print_fleet(root, o))
			ok = false;
	} else if (json_output)
		printf("%s\n", json_object_to_json_string_ext(root,
			JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	else
		result_print_summary(root, o->hist);
	p_info("wrote %s/result.json", outdir);
	return ok;
}

static const struct opt run_opts_table[] = {
	OPT_STR_("output", 'o', struct run_opts, output, "DIR",
		 "result directory (default results/latest)"),
	OPT_FLAG_("plot", 0, struct run_opts, plot, "also render plots (PNG and SVG) into DIR"),
	OPT_FLAG_("hist", 0, struct run_opts, hist, "also print the latency histograms"),
	OPT_CHOICE_("attach", struct run_opts, attach, "MODE", "auto|tp_btf|tracepoint",
		    "auto, tp_btf or tracepoint (default auto)"),
	OPT_STR_("replay", 0, struct run_opts, replay, "FILE",
		 "replay a capture (dmapool-bench capture) instead of the\n"
		 "generator: its allocations and frees in order, at their\n"
		 "times and in their contexts"),
	OPT_STR_("speed", 0, struct run_opts, speed, "X",
		 "--replay: speed factor, 0.001 to 1000 (default 1)"),
};

static const struct opt_group run_group = OPT_GROUP("Output", run_opts_table);

const struct tracer bpf_tracer = {
	.cmd = "run",
	.own = &run_group,
	.fleet = true,
	.help = {
		.name = "run",
		.synopsis = "[OPTIONS]",
		.about =
"Run one workload of the module's load generator, measure it with BPF and\n"
"write DIR/result.json (schema " RESULT_SCHEMA ") plus CSVs for gnuplot.\n"
"On a host that cannot load modules it runs itself in tools/dmapool-vm.\n"
"--format ktap|lkp|lava|kcidb prints, instead of the summary, one test per\n"
"case (op, pool, ctx, size) and metric (p50, p99 in ns, ops_per_sec) and the\n"
"run's cross-check as a pass/fail test (exit statuses as without it).\n",
		.examples =
"  dmapool-bench run --plot\n"
"  dmapool-bench run --ctx softirq --cpus 0 --ops 100000 --size loguniform:4K-256K --hold ops:64 -o /tmp/r\n"
"  dmapool-bench run --coherent-pool 128K --mask 32 --repeat 5 --json\n"
"  dmapool-bench run --spec 'stream=usb ctx=hardirq cpus=0 size=uniform:4K-64K hold=ops:16 ;\n"
"                            stream=mbox ctx=atomic cpus=1 size=4K'\n"
"  dmapool-bench run --replay capture.jsonl --speed 10 -o /tmp/replay\n"
"  dmapool-bench run --profile rpi-dwc-otg --coherent-pool 512K\n"
"  dmapool-bench run --ops 20000 --format ktap   # KTAP: a test per case and metric\n"
"  dmapool-bench run --format kcidb --kcidb-origin my_lab -o /tmp/r\n",
	},
	.start = bpf_start,
	.begin = bpf_begin,
	.end = bpf_end,
	.stop = bpf_stop,
	.finish = bpf_finish,
};

int cmd_run(int argc, char **argv)
{
	return run_main(&bpf_tracer, argc, argv);
}
