// SPDX-License-Identifier: GPL-2.0
/*
 * dmapool-bench bench: what tracing costs the workload it watches, measured
 * side by side in one guest boot, and what the load generator can drive.
 *
 *   overhead   one seeded hardirq workload (fixed op count, 1 and 2 CPUs)
 *              under each tracer, interleaved over --reps repetitions:
 *              none, our BPF collector, bpftrace, ftrace hist triggers,
 *              record (raw ftrace). The cost is hardirq time per operation,
 *              the module's batch_ns / batch_ops: every tracepoint hit and
 *              what is attached to it runs inside the batch.
 *   off        (deterministic) the module built with the tracepoints
 *              compiled out against the normal one with them disabled.
 *   capacity   tracers off, the shortest timer period, batch 1..256: ops/s
 *              per vCPU and the share of hardirq time inside pool
 *              operations (of the callbacks; of the CPU's non-idle time).
 *   lost       every tracer at the highest rate: traced counts against the
 *              module's, plus each tracer's own drop counters.
 *   bpf_stats  BPF_ENABLE_STATS: run_time_ns / run_cnt of every program.
 *   holders    the kernel's own dma_alloc_from_pool()/dma_free_from_pool()
 *              driven through the module's test-only real_pool file: the
 *              cost of one call (the module's local_clock() around each)
 *              untraced, under `monitor --target kernel --by stack` and
 *              under bpf/bpftrace/dmapool-holders.bt, interleaved.
 *
 * The guest writes DIR/normal.json or DIR/deterministic.json; the host boots
 * one guest per mode and prints the table (DIR/table.txt).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "bench.h"
#include "collect.h"
#include "kmod.h"
#include "jschema.h"
#include "main.h"
#include "opts.h"
#include "result.h"
#include "run.h"
#include "vm.h"

#ifndef DMAPOOL_VERSION
#define DMAPOOL_VERSION "unknown"
#endif

#define BENCH_SCHEMA "dmapool-bench-bench/1"
/* Sizes and hold: the default workload's (run.c applies it); one seed. */
#define BENCH_SIZES "seed=1"
#define BENCH_MAX_REPS 50


static const char * const tr_names[NR_TRACERS] = {
	"none", "bpf", "bpftrace", "ftrace-hist", "record"
};

static const char * const tr_labels[NR_TRACERS] = {
	"(a) tracepoints disabled", "(b) dmapool-bench BPF",
	"(c) bpftrace totals.bt", "(d) ftrace hist trigger",
	"(e) record (raw ftrace)"
};

struct bench_opts {
	const char *output;
	unsigned int reps;
	unsigned int ops;
	bool quick;
	const char *only;
	const char *module;
	struct vm_opts vm;
};

struct bench {
	const struct bench_opts *o;
	const char *outdir;
	const char *module;
	int online;			/* CPUs the workloads use: 1 or 2 */
	bool deterministic;
};

/* --- BPF program statistics ------------------------------------------------ */

static __u32 last_prog_id(void)
{
	__u32 id = 0, next;

	while (!bpf_prog_get_next_id(id, &next))
		id = next;
	return id;
}

/* Programs loaded after @after that ran: their run_cnt and run_time_ns. */
static struct json_object *prog_stats(__u32 after)
{
	struct json_object *arr = json_object_new_array(), *p;
	__u32 id = after, len;
	int fd;

	while (!bpf_prog_get_next_id(id, &id)) {
		struct bpf_prog_info info = {};

		fd = bpf_prog_get_fd_by_id(id);
		if (fd < 0)
			continue;
		len = sizeof(info);
		if (!bpf_obj_get_info_by_fd(fd, &info, &len) && info.run_cnt) {
			p = json_object_new_object();
			json_object_object_add(p, "name", json_object_new_string(info.name));
			json_object_object_add(p, "type", json_object_new_int(info.type));
			json_object_object_add(p, "run_cnt", json_object_new_uint64(info.run_cnt));
			json_object_object_add(p, "run_time_ns",
					       json_object_new_uint64(info.run_time_ns));
			json_object_object_add(p, "ns_per_run", json_object_new_double(
				(double)info.run_time_ns / info.run_cnt));
			json_object_object_add(p, "recursion_misses",
					       json_object_new_uint64(info.recursion_misses));
			json_object_array_add(arr, p);
		}
		close(fd);
	}
	return arr;
}

/* --- one measured run ------------------------------------------------------ */

/* Idle ns of @cpu so far (/proc/timer_list idle_sleeptime), or -1. */
static int64_t cpu_idle_ns(int cpu)
{
	char line[256];
	int cur = -1;
	long long v;
	FILE *f = fopen("/proc/timer_list", "r");
	int64_t ret = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "cpu: %d", &cur) == 1)
			continue;
		if (cur == cpu && sscanf(line, " .idle_sleeptime : %lld", &v) == 1) {
			ret = v;
			break;
		}
	}
	fclose(f);
	return ret;
}

static double ratio(uint64_t a, uint64_t b)
{
	return b ? (double)a / b : 0;
}

/*
 * What one run says: hardirq ns per operation, where the time went, and
 * traced against module counts (@tr: -1 where the tracer keeps none).
 */
static struct json_object *bench_summarize(struct json_object *run, enum bench_tracer t,
				     const char *how, const struct traced *tr,
				     int64_t busy_ns)
{
	struct json_object *ms = json_object_object_get(run, "module_stats");
	struct json_object *m = json_object_new_object(), *l, *lost;
	uint64_t ops = jget_u64(ms, "ops"), frees = jget_u64(ms, "frees");
	int64_t missing = 0, drops = tr->dropped;

	json_object_object_add(m, "tracer", json_object_new_string(tr_names[t]));
	json_object_object_add(m, "attach", json_object_new_string(how));
	json_object_object_add(m, "ops", json_object_new_uint64(ops));
	json_object_object_add(m, "batch_ops", json_object_new_uint64(jget_u64(ms, "batch_ops")));
	json_object_object_add(m, "ns_per_op", json_object_new_double(
		ratio(jget_u64(ms, "batch_ns"), jget_u64(ms, "batch_ops"))));
	json_object_object_add(m, "pool_ns_per_op", json_object_new_double(
		ratio(jget_u64(ms, "pool_ns"), jget_u64(ms, "batch_ops"))));
	json_object_object_add(m, "alloc_mean_ns", json_object_new_double(
		ratio(jget_u64(ms, "alloc_lat_sum_ns"), ops)));
	json_object_object_add(m, "cb_ns_per_callback", json_object_new_double(
		ratio(jget_u64(ms, "cb_ns"), jget_u64(ms, "callbacks"))));
	json_object_object_add(m, "pool_share_of_callbacks", json_object_new_double(
		ratio(jget_u64(ms, "pool_ns"), jget_u64(ms, "cb_ns"))));
	json_object_object_add(m, "pool_share_of_busy", busy_ns > 0 ?
		json_object_new_double(ratio(jget_u64(ms, "pool_ns"), busy_ns)) : NULL);
	json_object_object_add(m, "elapsed_ns", json_object_new_uint64(jget_u64(ms, "elapsed_ns")));
	json_object_object_add(m, "ops_per_sec", json_object_new_uint64(jget_u64(ms, "ops_per_sec")));
	json_object_object_add(m, "fails", json_object_new_uint64(jget_u64(ms, "fails")));
	json_object_object_add(m, "fallbacks", json_object_new_uint64(jget_u64(ms, "fallbacks")));

	/* Lost: what the tracer saw fewer of, plus its own drop counters. */
	lost = json_object_new_object();
	json_object_object_add(lost, "module_ops", json_object_new_uint64(ops));
	json_object_object_add(lost, "module_frees", json_object_new_uint64(frees));
	if (tr->ops >= 0) {
		json_object_object_add(lost, "traced_ops", json_object_new_int64(tr->ops));
		json_object_object_add(lost, "traced_frees", json_object_new_int64(tr->frees));
		missing = llabs((long long)ops - tr->ops) + llabs((long long)frees - tr->frees);
	}
	json_object_object_add(lost, "tracer_drops", json_object_new_int64(drops));
	json_object_object_add(lost, "counted", json_object_new_boolean(tr->ops >= 0));
	json_object_object_add(m, "lost_events", json_object_new_int64(missing + drops));
	if (json_object_object_get_ex(run, "crosscheck", &l))
		json_object_object_add(lost, "crosscheck", json_object_get(l));
	json_object_object_add(m, "lost", lost);
	return m;
}

/* Drops a tracer reports itself, and its counts, from what its end added. */
static void tracer_counts(struct json_object *run, enum bench_tracer t,
			  struct traced *tr)
{
	struct json_object *j, *l;

	tr->ops = tr->frees = -1;
	tr->dropped = 0;
	switch (t) {
	case TR_BPF:
		j = json_object_object_get(run, "counters");
		tr->ops = jget_u64(j, "allocs") + jget_u64(j, "fails");
		tr->frees = jget_u64(j, "frees");
		l = json_object_object_get(run, "lost");
		tr->dropped = jget_u64(l, "recursion_misses") +
			      jget_u64(l, "samples_dropped");
		break;
	case TR_BPFTRACE:
		*tr = *bench_bpftrace_counts();
		break;
	case TR_HIST:
		j = json_object_object_get(run, "hist_totals");
		tr->ops = json_object_get_int64(json_object_object_get(j, "ops"));
		tr->frees = json_object_get_int64(json_object_object_get(j, "frees"));
		tr->dropped = json_object_get_int64(json_object_object_get(j, "dropped"));
		break;
	case TR_RECORD:
		j = json_object_object_get(run, "ftrace_lost");
		tr->dropped = jget_u64(j, "missed_events") + jget_u64(j, "missed_unknown") +
			      jget_u64(j, "overrun") + jget_u64(j, "commit_overrun") +
			      jget_u64(j, "dropped");
		break;
	default:
		break;
	}
}

/*
 * One run of @spec under tracer @t on the loaded module; with @stats, the
 * BPF programs' run-time statistics too. NULL on failure.
 */
static struct json_object *bench_one(struct bench *b, enum bench_tracer t,
				     const char *spec, bool stats)
{
	const struct tracer *tracer = bench_tracers[t];
	char rec[PATH_MAX];
	struct json_object *run, *m = NULL, *progs = NULL;
	struct run_opts o;
	struct traced tr;
	const char *how = "";
	void *priv = NULL;
	int64_t idle0, idle1;
	bool ok = true;
	__u32 last_id;

	snprintf(rec, sizeof(rec), "%s/.bench.dpr", b->outdir);
	run_opts_init(&o, "bench");
	o.state_period_ms = 0;
	o.output = rec;
	if (run_opts_set_spec(&o, spec) || run_opts_finish(&o))
		return NULL;
	last_id = last_prog_id();
	if (verbose > 1)
		p_info("%s: starting %s", tr_names[t], spec);
	if (tracer_start(tracer, &o, b->outdir, &priv, &how))
		return NULL;
	idle0 = cpu_idle_ns(0);
	run = run_once(&o, tracer, priv, 0, &ok);
	idle1 = cpu_idle_ns(0);
	if (run && stats)
		progs = prog_stats(last_id);
	if (verbose > 1)
		p_info("%s: run %s, stopping", tr_names[t], run ? "done" : "failed");
	tracer_stop(tracer, priv);
	if (run && t == TR_BPFTRACE && bench_bpftrace_counts()->ops < 0) {
		/* bpftrace failed: its error is printed; the run counts nothing. */
		json_object_put(run);
		run = NULL;
	}
	if (run) {
		int64_t busy = idle0 >= 0 && idle1 >= idle0 && o.spec.cpus == 1 ?
			(int64_t)jget_u64(json_object_object_get(run, "module_stats"),
					  "elapsed_ns") - (idle1 - idle0) : -1;

		tracer_counts(run, t, &tr);
		m = bench_summarize(run, t, how, &tr, busy);
		if (progs)
			json_object_object_add(m, "bpf_progs", progs);
		if (!ok)
			json_object_object_add(m, "check_failed", json_object_new_boolean(true));
	}
	tracer_finish(tracer, priv, &o, NULL, b->outdir);
	json_object_put(run);
	if (verbose && m)
		p_info("%-12s %s: %.1f ns/op, lost %lld", tr_names[t], spec,
		       json_object_get_double(json_object_object_get(m, "ns_per_op")),
		       (long long)json_object_get_int64(json_object_object_get(m, "lost_events")));
	return m;
}

static double jd(struct json_object *o, const char *key)
{
	return json_object_get_double(json_object_object_get(o, key));
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Median, min and max of @n values into @o under @prefix. */
static void add_spread(struct json_object *o, const char *prefix, double *v,
		       unsigned int n)
{
	char key[64];

	qsort(v, n, sizeof(*v), cmp_double);
	snprintf(key, sizeof(key), "%s_median", prefix);
	json_object_object_add(o, key, json_object_new_double(
		n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2));
	snprintf(key, sizeof(key), "%s_min", prefix);
	json_object_object_add(o, key, json_object_new_double(v[0]));
	snprintf(key, sizeof(key), "%s_max", prefix);
	json_object_object_add(o, key, json_object_new_double(v[n - 1]));
}

/* --- holders: one real-pool call, traced by us or by bpftrace ------------- */

enum holders_tracer { HT_NONE, HT_OURS, HT_BPFTRACE, NR_HT };

static const char * const ht_names[NR_HT] = { "none", "ours", "bpftrace" };

static const char * const ht_labels[NR_HT] = {
	"(a) untraced", "(b) dmapool-bench monitor", "(c) bpftrace holders.bt"
};

#define HOLDERS_FILE KMOD_DEBUGFS "/real_pool"
#define HOLDERS_BLOCKS 16		/* per loop: what real_pool holds at most */
#define HOLDERS_ALLOC "alloc 4K count=16"

/* One command to real_pool: 0 or -errno. */
static int holders_cmd(const char *line)
{
	size_t len = strlen(line);
	int fd = open(HOLDERS_FILE, O_WRONLY | O_CLOEXEC), err = 0;

	if (fd < 0) {
		p_err("bench: cannot open %s: %s", HOLDERS_FILE, strerror(errno));
		return -errno;
	}
	if (write(fd, line, len) != (ssize_t)len) {
		err = -errno;
		p_err("bench: real_pool '%s' failed: %s", line, strerror(errno));
	}
	close(fd);
	return err;
}

/* The real_pool counters named in @keys (n of them) into @v; 0 or -EIO. */
static int holders_read(const char *const *keys, uint64_t *v, int n)
{
	char line[256], key[64];
	unsigned long long x;
	int i, found = 0;
	FILE *f = fopen(HOLDERS_FILE, "r");

	if (!f) {
		p_err("bench: cannot read %s: %s", HOLDERS_FILE, strerror(errno));
		return -errno;
	}
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%63[a-z_]: %llu", key, &x) != 2)
			continue;
		for (i = 0; i < n; i++) {
			if (!strcmp(key, keys[i])) {
				v[i] = x;
				found |= 1 << i;
			}
		}
	}
	fclose(f);
	if (found != (1 << n) - 1) {
		p_err("bench: %s lacks the per-call counters (an older module?)",
		      HOLDERS_FILE);
		return -EIO;
	}
	return 0;
}

/*
 * @loops of HOLDERS_ALLOC + `free all` after `reset`: the run's counters,
 * ns per call, and whether every allocation succeeded. NULL on failure.
 */
static struct json_object *holders_drive(unsigned int loops)
{
	static const char * const keys[4] = {
		"alloc_calls", "alloc_ns", "free_calls", "free_ns"
	};
	struct json_object *m;
	uint64_t v[4] = {};
	unsigned int i;

	if (holders_cmd("reset"))
		return NULL;
	for (i = 0; i < loops; i++)
		if (holders_cmd(HOLDERS_ALLOC) || holders_cmd("free all"))
			return NULL;
	if (holders_read(keys, v, 4))
		return NULL;
	if (v[0] != (uint64_t)loops * HOLDERS_BLOCKS || v[2] != v[0]) {
		p_err("bench: real_pool made %llu allocations and %llu frees, not %u of each",
		      (unsigned long long)v[0], (unsigned long long)v[2],
		      loops * HOLDERS_BLOCKS);
		return NULL;
	}
	m = json_object_new_object();
	json_object_object_add(m, "alloc_calls", json_object_new_uint64(v[0]));
	json_object_object_add(m, "alloc_ns", json_object_new_uint64(v[1]));
	json_object_object_add(m, "free_calls", json_object_new_uint64(v[2]));
	json_object_object_add(m, "free_ns", json_object_new_uint64(v[3]));
	json_object_object_add(m, "alloc_ns_per_call",
			       json_object_new_double(ratio(v[1], v[0])));
	json_object_object_add(m, "free_ns_per_call",
			       json_object_new_double(ratio(v[3], v[2])));
	json_object_object_add(m, "ns_per_call",
			       json_object_new_double(ratio(v[1] + v[3], v[0] + v[2])));
	return m;
}

/* The `monitor` the holders section prices (b). */
static const char * const holders_monitor_args[] = {
	"monitor", "--target", "kernel", "--by", "stack", "--json", "-i", "1"
};

/* One measured run under @t; NULL on failure. */
static struct json_object *holders_one(struct bench *b, enum holders_tracer t,
				       unsigned int loops)
{
	char script[PATH_MAX], exe[PATH_MAX];
	char *argv[ARRAY_SIZE(holders_monitor_args) + 2];
	struct bench_child c = {};
	struct json_object *m;
	size_t i;
	int err;

	if (t == HT_OURS) {
		snprintf(exe, sizeof(exe), "%s", self_exe());
		argv[0] = exe;
		for (i = 0; i < ARRAY_SIZE(holders_monitor_args); i++)
			argv[i + 1] = (char *)holders_monitor_args[i];
		argv[i + 1] = NULL;
		snprintf(c.out, sizeof(c.out), "%s/.bench-holders-monitor.txt", b->outdir);
		/* Its first interval's JSON line: attached and reading. */
		if (bench_child_start(&c, argv, "\"target\":\"kernel\""))
			return NULL;
	} else if (t == HT_BPFTRACE) {
		snprintf(script, sizeof(script), "%s/bpf/bpftrace/dmapool-holders.bt",
			 data_dir());
		argv[0] = "bpftrace";
		argv[1] = script;
		argv[2] = NULL;
		snprintf(c.out, sizeof(c.out), "%s/.bench-holders-bpftrace.txt", b->outdir);
		if (bench_child_start(&c, argv, "Tracing who holds"))
			return NULL;
	}
	m = holders_drive(loops);
	if (t != HT_NONE) {
		err = bench_child_stop(&c, t == HT_OURS ? "monitor" : "bpftrace");
		if (err) {
			json_object_put(m);
			return NULL;
		}
		unlink(c.out);
	}
	if (m) {
		json_object_object_add(m, "tracer", json_object_new_string(ht_names[t]));
		if (verbose)
			p_info("holders %-9s %.1f ns/call", ht_names[t],
			       jd(m, "ns_per_call"));
	}
	return m;
}

/* --- the phases ------------------------------------------------------------ */

static void overhead_spec(char *buf, size_t len, int cpus, unsigned int ops)
{
	snprintf(buf, len, "ctx=hardirq cpus=%s ops=%u period_us=100 batch=8 " BENCH_SIZES,
		 cpus == 1 ? "0" : "0-1", ops);
}

/* Targets: (b) adds at most half of (c), and no more than (d). */
static void overhead_targets(struct json_object *cfg, struct json_object *sum[])
{
	double b = jd(sum[TR_BPF], "added_ns_median");
	double c = jd(sum[TR_BPFTRACE], "added_ns_median");
	double d = jd(sum[TR_HIST], "added_ns_median");
	struct json_object *t = json_object_new_object();

	json_object_object_add(t, "bpf_at_most_half_of_bpftrace",
			       json_object_new_boolean(b <= c / 2));
	json_object_object_add(t, "bpf_at_most_hist", json_object_new_boolean(b <= d));
	json_object_object_add(cfg, "targets", t);
}

static int phase_overhead(struct bench *b, struct json_object *root)
{
	struct json_object *arr = json_object_new_array();
	unsigned int reps = b->o->reps, r, k;
	double ns[NR_TRACERS][BENCH_MAX_REPS], v[BENCH_MAX_REPS];
	char spec[256];
	int cpus;

	json_object_object_add(root, "overhead", arr);
	for (cpus = 1; cpus <= (b->o->quick ? 1 : b->online); cpus++) {
		struct json_object *cfg = json_object_new_object();
		struct json_object *runs = json_object_new_array(), *sum[NR_TRACERS];
		struct json_object *tr = json_object_new_object(), *m;

		overhead_spec(spec, sizeof(spec), cpus, b->o->ops);
		json_object_object_add(cfg, "cpus", json_object_new_int(cpus));
		json_object_object_add(cfg, "spec", json_object_new_string(spec));
		json_object_object_add(cfg, "reps", json_object_new_int(reps));
		json_object_array_add(arr, cfg);
		/* Interleaved: each repetition starts one tracer further on. */
		for (r = 0; r < reps; r++) {
			for (k = 0; k < NR_TRACERS; k++) {
				enum bench_tracer t = (k + r) % NR_TRACERS;

				m = bench_one(b, t, spec, false);
				if (!m)
					return -EIO;
				json_object_object_add(m, "rep", json_object_new_int(r));
				ns[t][r] = jd(m, "ns_per_op");
				json_object_array_add(runs, m);
			}
		}
		for (k = 0; k < NR_TRACERS; k++) {
			sum[k] = json_object_new_object();
			json_object_object_add(sum[k], "label", json_object_new_string(tr_labels[k]));
			for (r = 0; r < reps; r++)
				v[r] = ns[k][r];
			add_spread(sum[k], "ns_per_op", v, reps);
			/* Paired with the same repetition's untraced run. */
			for (r = 0; r < reps; r++)
				v[r] = ns[k][r] - ns[TR_NONE][r];
			add_spread(sum[k], "added_ns", v, reps);
			for (r = 0; r < reps; r++)
				v[r] = ns[k][r] / ns[TR_NONE][r];
			add_spread(sum[k], "ratio", v, reps);
			json_object_object_add(tr, tr_names[k], sum[k]);
		}
		json_object_object_add(cfg, "tracers", tr);
		overhead_targets(cfg, sum);
		json_object_object_add(cfg, "runs", runs);
	}
	return 0;
}

/* Every tracer at the generator's highest rate: nothing may be lost. */
static int phase_lost(struct bench *b, struct json_object *root)
{
	struct json_object *arr = json_object_new_array(), *m;
	char spec[256];
	int t;

	snprintf(spec, sizeof(spec), "ctx=hardirq cpus=%s ops=%u period_us=%u batch=64 "
		 BENCH_SIZES, b->online == 1 ? "0" : "0-1",
		 b->o->quick ? 5000 : 4 * b->o->ops, DMAPOOL_MIN_PERIOD_US);
	json_object_object_add(root, "lost", arr);
	for (t = TR_BPF; t < NR_TRACERS; t++) {
		m = bench_one(b, t, spec, false);
		if (!m)
			return -EIO;
		json_object_object_add(m, "spec", json_object_new_string(spec));
		json_object_array_add(arr, m);
	}
	return 0;
}

/* Tracers off, the shortest period, batch 1..256 on one vCPU. */
static int phase_capacity(struct bench *b, struct json_object *root)
{
	struct json_object *arr = json_object_new_array(), *m;
	unsigned int batch;
	char spec[256];

	json_object_object_add(root, "capacity", arr);
	for (batch = 1; batch <= DMAPOOL_MAX_BATCH; batch *= 2) {
		snprintf(spec, sizeof(spec), "ctx=hardirq cpus=0 duration_ms=%u period_us=%u batch=%u "
			 BENCH_SIZES, 400, DMAPOOL_MIN_PERIOD_US, batch);
		m = bench_one(b, TR_NONE, spec, false);
		if (!m)
			return -EIO;
		json_object_object_add(m, "batch", json_object_new_int(batch));
		json_object_object_add(m, "period_us", json_object_new_int(DMAPOOL_MIN_PERIOD_US));
		json_object_object_add(m, "ops_per_sec_per_vcpu", json_object_new_double(
			ratio(jget_u64(m, "batch_ops") * 1000000000ull, jget_u64(m, "elapsed_ns"))));
		json_object_array_add(arr, m);
	}
	return 0;
}

static int load_module(const char *path)
{
	return kmod_unload() || kmod_ensure(path, "state_period_ms=0") ? -EIO : 0;
}

/* Tracepoints compiled out vs compiled in and disabled, interleaved. */
static int phase_off(struct bench *b, struct json_object *root)
{
	struct json_object *j = json_object_new_object(), *runs = json_object_new_array();
	struct json_object *side[2], *m;
	static const char * const names[2] = { "compiled_out", "compiled_in" };
	double alloc[2][BENCH_MAX_REPS], nsop[2][BENCH_MAX_REPS], v[BENCH_MAX_REPS];
	char notrace[PATH_MAX], tmp[PATH_MAX], spec[256];
	const char *paths[2];
	unsigned int r, k, reps = b->o->reps;
	double a_out, a_in;
	int err = 0;

	snprintf(tmp, sizeof(tmp), "%s", b->module);
	snprintf(notrace, sizeof(notrace), "%s/notrace/%s", dirname(tmp),
		 "dmapool_bench.ko");
	if (access(notrace, R_OK)) {
		p_err("bench: no %s (the tracepoints-compiled-out module: 'make bench' builds it)",
		      notrace);
		return -ENOENT;
	}
	paths[0] = notrace;
	paths[1] = b->module;
	overhead_spec(spec, sizeof(spec), 1, b->o->ops);
	json_object_object_add(root, "instrumentation_off", j);
	json_object_object_add(j, "spec", json_object_new_string(spec));
	for (r = 0; r < reps && !err; r++) {
		for (k = 0; k < 2 && !err; k++) {
			unsigned int s = (k + r) % 2;

			err = load_module(paths[s]);
			m = err ? NULL : bench_one(b, TR_NONE, spec, false);
			if (!m) {
				err = -EIO;
				break;
			}
			json_object_object_add(m, "module", json_object_new_string(names[s]));
			alloc[s][r] = jd(m, "alloc_mean_ns");
			nsop[s][r] = jd(m, "ns_per_op");
			json_object_array_add(runs, m);
		}
	}
	if (load_module(b->module) || err)
		return -EIO;
	for (k = 0; k < 2; k++) {
		side[k] = json_object_new_object();
		memcpy(v, alloc[k], sizeof(v));
		add_spread(side[k], "alloc_mean_ns", v, reps);
		memcpy(v, nsop[k], sizeof(v));
		add_spread(side[k], "ns_per_op", v, reps);
		json_object_object_add(j, names[k], side[k]);
	}
	a_out = jd(side[0], "alloc_mean_ns_median");
	a_in = jd(side[1], "alloc_mean_ns_median");
	json_object_object_add(j, "alloc_diff_pct", json_object_new_double(
		a_out ? 100 * (a_in - a_out) / a_out : 0));
	json_object_object_add(j, "ns_per_op_diff_pct", json_object_new_double(
		100 * (jd(side[1], "ns_per_op_median") - jd(side[0], "ns_per_op_median")) /
		jd(side[0], "ns_per_op_median")));
	json_object_object_add(j, "target_met", json_object_new_boolean(
		fabs(a_in - a_out) <= 0.02 * a_out));
	json_object_object_add(j, "runs", runs);
	return 0;
}

/* Our programs and bpftrace's, each with BPF_ENABLE_STATS on. */
static int phase_bpf_stats(struct bench *b, struct json_object *root)
{
	struct json_object *arr = json_object_new_array(), *m;
	char spec[256];
	int fd, t;

	json_object_object_add(root, "bpf_stats", arr);
	fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
	if (fd < 0) {
		p_err("bench: BPF_ENABLE_STATS failed: %s", strerror(errno));
		return -errno;
	}
	overhead_spec(spec, sizeof(spec), 1, b->o->ops);
	for (t = TR_BPF; t <= TR_BPFTRACE; t++) {
		m = bench_one(b, t, spec, true);
		if (!m) {
			close(fd);
			return -EIO;
		}
		json_object_array_add(arr, m);
	}
	close(fd);
	return 0;
}

/*
 * The cost of one call into the kernel's own pool, untraced and under each
 * holders tracer, interleaved over the repetitions. The module is reloaded
 * with real_pool_test=1; a module that refuses it (kernel IBT enforced)
 * skips the section, saying why.
 */
static int phase_holders(struct bench *b, struct json_object *root)
{
	struct json_object *j = json_object_new_object(), *runs = json_object_new_array();
	struct json_object *tr = json_object_new_object(), *sum[NR_HT], *m, *t;
	unsigned int loops = b->o->quick ? 16 : 64, reps = b->o->reps, r, k;
	double ns[NR_HT][BENCH_MAX_REPS], v[BENCH_MAX_REPS];
	char args[128] = "";
	size_t i;

	json_object_object_add(root, "holders", j);
	if (kmod_unload() || kmod_ensure(b->module, "state_period_ms=0 real_pool_test=1")) {
		json_object_object_add(j, "skipped", json_object_new_string(
			"the module refused real_pool_test=1 (see dmesg)"));
		json_object_put(runs);
		json_object_put(tr);
		return load_module(b->module);
	}
	for (i = 0; i < ARRAY_SIZE(holders_monitor_args); i++)
		snprintf(args + strlen(args), sizeof(args) - strlen(args), "%s%s",
			 i ? " " : "", holders_monitor_args[i]);
	json_object_object_add(j, "workload", json_object_new_string(
		HOLDERS_ALLOC " + free all, through real_pool"));
	json_object_object_add(j, "loops", json_object_new_int(loops));
	json_object_object_add(j, "pairs_per_run", json_object_new_int(loops * HOLDERS_BLOCKS));
	json_object_object_add(j, "reps", json_object_new_int(reps));
	json_object_object_add(j, "ours", json_object_new_string(args));
	json_object_object_add(j, "bpftrace", json_object_new_string(
		"bpf/bpftrace/dmapool-holders.bt"));
	/* One untimed round: the kernel pool's one expansion happens here. */
	if (holders_cmd(HOLDERS_ALLOC) || holders_cmd("free all") || holders_cmd("flush"))
		return -EIO;
	for (r = 0; r < reps; r++) {
		for (k = 0; k < NR_HT; k++) {
			enum holders_tracer h = (k + r) % NR_HT;

			m = holders_one(b, h, loops);
			if (!m) {
				json_object_put(runs);
				json_object_put(tr);
				return -EIO;
			}
			json_object_object_add(m, "rep", json_object_new_int(r));
			ns[h][r] = jd(m, "ns_per_call");
			json_object_array_add(runs, m);
		}
	}
	for (k = 0; k < NR_HT; k++) {
		sum[k] = json_object_new_object();
		json_object_object_add(sum[k], "label", json_object_new_string(ht_labels[k]));
		for (r = 0; r < reps; r++)
			v[r] = ns[k][r];
		add_spread(sum[k], "ns_per_call", v, reps);
		for (r = 0; r < reps; r++)
			v[r] = ns[k][r] - ns[HT_NONE][r];
		add_spread(sum[k], "added_ns", v, reps);
		for (r = 0; r < reps; r++)
			v[r] = ns[k][r] / ns[HT_NONE][r];
		add_spread(sum[k], "ratio", v, reps);
		json_object_object_add(tr, ht_names[k], sum[k]);
	}
	json_object_object_add(j, "tracers", tr);
	/* Ours against bpftrace, each repetition paired. */
	for (r = 0; r < reps; r++)
		v[r] = ns[HT_OURS][r] / ns[HT_BPFTRACE][r];
	t = json_object_new_object();
	add_spread(t, "ns_per_call_ratio", v, reps);
	for (r = 0; r < reps; r++)
		v[r] = ns[HT_BPFTRACE][r] > ns[HT_NONE][r] ?
		       (ns[HT_OURS][r] - ns[HT_NONE][r]) /
		       (ns[HT_BPFTRACE][r] - ns[HT_NONE][r]) : 0;
	add_spread(t, "added_ns_ratio", v, reps);
	json_object_object_add(j, "ours_vs_bpftrace", t);
	t = json_object_new_object();
	json_object_object_add(t, "ours_below_bpftrace", json_object_new_boolean(
		jd(sum[HT_OURS], "ns_per_call_max") < jd(sum[HT_BPFTRACE], "ns_per_call_min")));
	json_object_object_add(j, "targets", t);
	json_object_object_add(j, "runs", runs);
	return load_module(b->module);
}

static struct json_object *bench_meta(const struct bench *b)
{
	struct json_object *m = json_object_new_object();
	struct utsname u;

	uname(&u);
	json_object_object_add(m, "version", json_object_new_string(DMAPOOL_VERSION));
	json_object_object_add(m, "kernel", json_object_new_string(u.release));
	json_object_object_add(m, "mode", json_object_new_string(
		b->deterministic ? "deterministic" : "normal"));
	json_object_object_add(m, "deterministic", json_object_new_boolean(b->deterministic));
	json_object_object_add(m, "latency_unit", json_object_new_string(
		b->deterministic ? "instruction-time ns (icount)" : "ns"));
	json_object_object_add(m, "cpus", json_object_new_int(b->online));
	json_object_object_add(m, "reps", json_object_new_int(b->o->reps));
	json_object_object_add(m, "ops_per_cpu", json_object_new_int(b->o->ops));
	json_object_object_add(m, "quick", json_object_new_boolean(b->o->quick));
	return m;
}

static int bench_here(const struct bench_opts *o, const char *outdir)
{
	struct bench b = { .o = o, .outdir = outdir };
	struct json_object *root = json_object_new_object();
	char name[64];
	int err;

	b.module = o->module ? o->module : kmod_default_path();
	b.deterministic = run_in_icount_guest();
	b.online = sysconf(_SC_NPROCESSORS_ONLN) >= 2 ? 2 : 1;
	json_object_object_add(root, "schema", json_object_new_string(BENCH_SCHEMA));
	json_object_object_add(root, "meta", bench_meta(&b));
	err = load_module(b.module);
	if (!err)
		err = phase_overhead(&b, root);
	if (!err)
		err = phase_lost(&b, root);
	if (!err && !o->quick)
		err = phase_capacity(&b, root);
	if (!err && b.deterministic)
		err = phase_off(&b, root);
	if (!err && !o->quick)
		err = phase_bpf_stats(&b, root);
	if (!err)
		err = phase_holders(&b, root);
	kmod_unload();
	snprintf(name, sizeof(name), "%s.json", b.deterministic ? "deterministic" : "normal");
	if (!err)
		err = result_write_json(root, outdir, name);
	json_object_put(root);
	if (!err)
		p_info("wrote %s/%s", outdir, name);
	return err ? EXIT_FAIL : EXIT_OK;
}

/* --- the table -------------------------------------------------------------- */

static const char *met(struct json_object *o, const char *key)
{
	return json_object_get_boolean(json_object_object_get(o, key)) ? "met" : "NOT met";
}

static void print_overhead(FILE *f, struct json_object *ov)
{
	struct json_object *cfg, *s, *tg;
	size_t i, k;

	for (i = 0; ov && i < json_object_array_length(ov); i++) {
		cfg = json_object_array_get_idx(ov, i);
		fprintf(f, "\nTracing overhead, hardirq, %s; %d interleaved repetitions, median [min, max]\n",
			jget_str(cfg, "spec"), (int)jget_u64(cfg, "reps"));
		fprintf(f, "  %-26s %24s %26s %8s\n", "tracer", "hardirq ns/op",
			"added ns/op vs (a)", "ratio");
		for (k = 0; k < NR_TRACERS; k++) {
			s = json_object_object_get(json_object_object_get(cfg, "tracers"),
						   tr_names[k]);
			fprintf(f, "  %-26s %8.1f [%6.1f, %6.1f] %8.1f [%6.1f, %6.1f] %7.3fx\n",
				tr_labels[k], jd(s, "ns_per_op_median"), jd(s, "ns_per_op_min"),
				jd(s, "ns_per_op_max"), jd(s, "added_ns_median"),
				jd(s, "added_ns_min"), jd(s, "added_ns_max"), jd(s, "ratio_median"));
		}
		tg = json_object_object_get(cfg, "targets");
		fprintf(f, "  target (b) <= (c)/2: %s; (b) <= (d): %s\n",
			met(tg, "bpf_at_most_half_of_bpftrace"), met(tg, "bpf_at_most_hist"));
	}
}

static void print_off(FILE *f, struct json_object *j, struct json_object *meta)
{
	struct json_object *out = json_object_object_get(j, "compiled_out");
	struct json_object *in = json_object_object_get(j, "compiled_in");

	fprintf(f, "\nTracepoints compiled out vs compiled in but disabled (%d interleaved loads each)\n",
		(int)jget_u64(meta, "reps"));
	fprintf(f, "  alloc mean %.1f vs %.1f: %+.2f %%; hardirq ns/op %.1f vs %.1f: %+.2f %% (target <= 2 %%: %s)\n",
		jd(out, "alloc_mean_ns_median"), jd(in, "alloc_mean_ns_median"),
		jd(j, "alloc_diff_pct"), jd(out, "ns_per_op_median"),
		jd(in, "ns_per_op_median"), jd(j, "ns_per_op_diff_pct"),
		met(j, "target_met"));
}

static void print_capacity(FILE *f, struct json_object *j)
{
	struct json_object *s;
	size_t i;

	fprintf(f, "\nGenerator capacity, tracers off, 1 vCPU, period %d us\n",
		DMAPOOL_MIN_PERIOD_US);
	fprintf(f, "  %5s %14s %16s %18s\n", "batch", "ops/s per vCPU",
		"pool/callbacks", "pool/busy CPU");
	for (i = 0; i < json_object_array_length(j); i++) {
		s = json_object_array_get_idx(j, i);
		fprintf(f, "  %5d %14.0f %15.1f%% %17.1f%%%s\n", (int)jget_u64(s, "batch"),
			jd(s, "ops_per_sec_per_vcpu"), 100 * jd(s, "pool_share_of_callbacks"),
			100 * jd(s, "pool_share_of_busy"),
			jget_u64(s, "batch") == 8 ? "   (default batch)" : "");
	}
}

static void print_lost(FILE *f, struct json_object *j)
{
	struct json_object *s, *l;
	size_t i;

	fprintf(f, "\nLost events at the highest rate (period %d us, batch 64)\n",
		DMAPOOL_MIN_PERIOD_US);
	for (i = 0; i < json_object_array_length(j); i++) {
		s = json_object_array_get_idx(j, i);
		l = json_object_object_get(s, "lost");
		fprintf(f, "  %-12s %9llu ops/s: lost %lld (module %llu ops, %llu frees; traced %s; tracer drops %lld)\n",
			jget_str(s, "tracer"), (unsigned long long)jget_u64(s, "ops_per_sec"),
			(long long)json_object_get_int64(json_object_object_get(s, "lost_events")),
			(unsigned long long)jget_u64(l, "module_ops"),
			(unsigned long long)jget_u64(l, "module_frees"),
			json_object_get_boolean(json_object_object_get(l, "counted")) ?
			"counts equal" : "counts not kept", (long long)jget_u64(l, "tracer_drops"));
	}
}

static void print_bpf_stats(FILE *f, struct json_object *j)
{
	struct json_object *p, *s;
	size_t i, k;

	fprintf(f, "\nBPF program cost (BPF_ENABLE_STATS, 1 CPU)\n");
	for (i = 0; i < json_object_array_length(j); i++) {
		p = json_object_object_get(json_object_array_get_idx(j, i), "bpf_progs");
		for (k = 0; p && k < json_object_array_length(p); k++) {
			s = json_object_array_get_idx(p, k);
			fprintf(f, "  %-9s %-16s %9llu runs %8.1f ns/run\n",
				jget_str(json_object_array_get_idx(j, i), "tracer"),
				jget_str(s, "name"), (unsigned long long)jget_u64(s, "run_cnt"),
				jd(s, "ns_per_run"));
		}
	}
}

static void print_holders(FILE *f, struct json_object *j)
{
	struct json_object *s, *t = json_object_object_get(j, "ours_vs_bpftrace");
	int k;

	fprintf(f, "\nCost of one call into the kernel's pool (real_pool_test)");
	if (json_object_object_get(j, "skipped")) {
		fprintf(f, ": skipped, %s\n", jget_str(j, "skipped"));
		return;
	}
	fprintf(f, ", %s: %d alloc+free pairs per run, %d interleaved repetitions, median [min, max]\n",
		jget_str(j, "workload"), (int)jget_u64(j, "pairs_per_run"),
		(int)jget_u64(j, "reps"));
	fprintf(f, "  %-28s %24s %26s %8s\n", "tracer", "ns/call", "added ns/call vs (a)",
		"ratio");
	for (k = 0; k < NR_HT; k++) {
		s = json_object_object_get(json_object_object_get(j, "tracers"), ht_names[k]);
		fprintf(f, "  %-28s %8.1f [%6.1f, %6.1f] %8.1f [%6.1f, %6.1f] %7.3fx\n",
			ht_labels[k], jd(s, "ns_per_call_median"), jd(s, "ns_per_call_min"),
			jd(s, "ns_per_call_max"), jd(s, "added_ns_median"),
			jd(s, "added_ns_min"), jd(s, "added_ns_max"), jd(s, "ratio_median"));
	}
	fprintf(f, "  (b) = %s\n", jget_str(j, "ours"));
	fprintf(f, "  (b)/(c): %.3f per call, %.3f of the added cost; target (b) < (c): %s\n",
		jd(t, "ns_per_call_ratio_median"), jd(t, "added_ns_ratio_median"),
		met(json_object_object_get(j, "targets"), "ours_below_bpftrace"));
}

/* The tables of one mode's results (the bench file), for people. */
static void print_tables(FILE *f, struct json_object *res, const char *mode)
{
	struct json_object *meta = json_object_object_get(res, "meta");
	struct json_object *j;

	fprintf(f, "== %s guest: kernel %s, %s, %s ==\n", mode, jget_str(meta, "kernel"),
		jget_u64(meta, "cpus") == 1 ? "1 vCPU" : "2 vCPUs",
		jget_str(meta, "latency_unit"));
	print_overhead(f, json_object_object_get(res, "overhead"));
	j = json_object_object_get(res, "instrumentation_off");
	if (j)
		print_off(f, j, meta);
	j = json_object_object_get(res, "capacity");
	if (j)
		print_capacity(f, j);
	j = json_object_object_get(res, "lost");
	if (j)
		print_lost(f, j);
	j = json_object_object_get(res, "bpf_stats");
	if (j)
		print_bpf_stats(f, j);
	j = json_object_object_get(res, "holders");
	if (j)
		print_holders(f, j);
	fprintf(f, "\n");
}

static int bench_report(const char *outdir, bool want[2])
{
	static const char * const modes[2] = { "normal", "deterministic" };
	struct json_object *res[2] = {}, *all = json_object_new_object();
	char path[PATH_MAX + 32];
	struct afile a;
	int k, ret = EXIT_OK;

	for (k = 0; k < 2; k++) {
		if (!want[k])
			continue;
		snprintf(path, sizeof(path), "%s/%s.json", outdir, modes[k]);
		res[k] = json_read_checked(path, SCHEMA_BENCH);
		if (!res[k]) {
			ret = EXIT_FAIL;
			goto out;
		}
		json_object_object_add(all, modes[k], json_object_get(res[k]));
	}
	if (json_output)
		printf("%s\n", json_object_to_json_string_ext(all, JSON_C_TO_STRING_PLAIN |
				JSON_C_TO_STRING_NOSLASHESCAPE));
	for (k = 0; k < 2; k++)
		if (res[k] && !json_output)
			print_tables(stdout, res[k], modes[k]);
	if (afile_open(&a, outdir, "table.txt")) {
		ret = EXIT_FAIL;
		goto out;
	}
	for (k = 0; k < 2; k++)
		if (res[k])
			print_tables(a.f, res[k], modes[k]);
	if (afile_close(&a, true))
		ret = EXIT_FAIL;
	else
		p_info("wrote %s/table.txt", outdir);
out:
	for (k = 0; k < 2; k++)
		json_object_put(res[k]);
	json_object_put(all);
	return ret;
}

/* --- options and the host's side ------------------------------------------- */

static const struct opt bench_opts_table[] = {
	OPT_STR_("output", 'o', struct bench_opts, output, "DIR",
		 "results directory (default results/bench)"),
	OPT_UINT_("reps", struct bench_opts, reps, "N", 1, BENCH_MAX_REPS, "",
		  "interleaved repetitions (default 5; --quick 2)"),
	OPT_UINT_("ops", struct bench_opts, ops, "N", 100, 10000000, "",
		  "operations per CPU per overhead run (default 20000; --quick 2000)"),
	OPT_FLAG_("quick", 0, struct bench_opts, quick,
		  "small runs: overhead on 1 CPU, lost events, (in the\n"
		  "deterministic guest) tracepoints compiled out, and\n"
		  "the real-pool call cost over 256 calls each way"),
	OPT_CHOICE_("only", struct bench_opts, only, "MODE", "normal|deterministic",
		    "normal or deterministic: boot only that guest"),
	OPT_STR_("module", 0, struct bench_opts, module, "PATH",
		 "the dmapool_bench.ko (its notrace/ sibling is the\n"
		 "tracepoints-compiled-out build)"),
};

static const struct opt bench_refused[] = {
	OPT_REFUSE_("deterministic", NULL, "bench boots both guests; --only deterministic"),
};

static const struct opt_group bench_group = OPT_GROUP("Options", bench_opts_table);
static const struct opt_group bench_refused_group = OPT_GROUP("", bench_refused);

static const struct cmd_help bench_help = {
	.name = "bench",
	.synopsis = "[OPTIONS]",
	.about =
"Measure what tracing costs the pool workload, side by side in one guest boot:\n"
"hardirq time per operation with tracepoints disabled, with our BPF collector,\n"
"with bpftrace (bpf/bpftrace/dmapool-totals.bt), with ftrace hist triggers and\n"
"with 'record' (raw ftrace), interleaved over several repetitions; the cost\n"
"of compiled-in but disabled tracepoints; the load generator's capacity; lost\n"
"events at its highest rate; each BPF program's run time (BPF stats); and the\n"
"cost of one call into the kernel's own pool (the module's real_pool_test\n"
"path) untraced, under 'monitor --target kernel --by stack' and under\n"
"bpftrace (bpf/bpftrace/dmapool-holders.bt).\n"
"Boots a normal (TCG/KVM, 2 vCPUs) and a deterministic (icount, 1 vCPU) guest\n"
"and writes DIR/normal.json, DIR/deterministic.json and DIR/table.txt.\n",
	.examples =
"  dmapool-bench bench\n"
"  dmapool-bench bench --quick --only deterministic -o /tmp/b --json\n"
"  dmapool-bench bench --reps 9 --ops 50000 --kernel 6.1\n",
};

static int parse_bench(struct bench_opts *o, int argc, char **argv)
{
	struct opt_use use[] = {
		{ &bench_group, o }, { &bench_refused_group, NULL }, { &vm_group, &o->vm },
	};
	int first, ret;

	o->output = "results/bench";
	ret = opts_parse(&bench_help, use, ARRAY_SIZE(use), argc, argv, &first);
	if (ret)
		return ret;
	if (first < argc) {
		p_err("bench: unexpected argument '%s'", argv[first]);
		return -EINVAL;
	}
	if (vm_check_opts("bench", &o->vm))
		return -EINVAL;
	if (!o->reps)
		o->reps = o->quick ? 2 : 5;
	if (!o->ops)
		o->ops = o->quick ? 2000 : 20000;
	return 0;
}

int cmd_bench(int argc, char **argv)
{
	static const char * const modes[2] = { "normal", "deterministic" };
	struct bench_opts o = {};
	char outdir[PATH_MAX], path[PATH_MAX + 32];
	bool want[2];
	int k, ret;

	ret = parse_bench(&o, argc, argv);
	if (ret)
		return ret > 0 ? EXIT_OK : EXIT_USAGE;
	if (run_prepare_outdir("bench", o.output, outdir))
		return EXIT_USAGE;
	if (!vm_needed(o.vm.force)) {
		ret = bench_here(&o, outdir);
		if (getenv("DMAPOOL_IN_VM") || ret)
			return ret;
		want[0] = !run_in_icount_guest();
		want[1] = !want[0];
		return bench_report(outdir, want);
	}
	for (k = 0; k < 2; k++) {
		want[k] = !o.only || !strcmp(o.only, modes[k]);
		if (!want[k])
			continue;
		o.vm.rwdir = outdir;
		o.vm.deterministic = k == 1;
		o.vm.cpus = k == 1 ? 1 : 2;
		/* A quick run takes under a minute: fail fast if it hangs. */
		o.vm.timeout = o.quick ? 400 : 1200;
		snprintf(path, sizeof(path), "%s/%s.json", outdir, modes[k]);
		unlink(path);
		ret = vm_run(&o.vm, argc, argv);
		if (ret) {
			p_err("bench: the %s guest failed (exit %d)", modes[k], ret);
			return EXIT_FAIL;
		}
	}
	return bench_report(outdir, want);
}
