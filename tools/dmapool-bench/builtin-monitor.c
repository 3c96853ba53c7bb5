// SPDX-License-Identifier: GPL-2.0
/*
 * dmapool-bench monitor: live per-interval view of the bench pools (the
 * module's tracepoints, the same in-kernel aggregation as `run`) or of the
 * running kernel's own atomic pools (bpf/kpool.bpf.c), in the manner of
 * bpftrace and libbpf-tools. Unlike those tools the maps are not cleared
 * each interval (events landing between a read and a clear would be lost):
 * each interval shows the difference of two cumulative reads, so intervals
 * add up exactly.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "collect.h"
#include "dmapool.h"
#include "hist.h"
#include "kcollect.h"
#include "kmod.h"
#include "main.h"
#include "result.h"
#include "spec.h"

static const char monitor_usage[] =
"Usage: dmapool-bench monitor [--target bench|kernel|auto] [-i SECONDS] [COUNT]\n"
"                             [--pool P] [--hist] [--lat-unit us|ns] [-T] [--json]\n"
"                             [--attach auto|fentry|kprobe]\n"
"\n"
"Every interval, per pool: allocs/s, frees/s, fails/s (no suitable pool and\n"
"exhausted: the kernel's two kinds), fallbacks (from -> to),\n"
"expansions (count, mean latency), size, avail, largest free extent and live\n"
"bytes; with --hist the alloc latency log2 histograms. Intervals are exact\n"
"differences of cumulative counts. Ctrl-C prints the last interval and detaches.\n"
"\n"
"  --target T        bench: the dmapool_bench module's tracepoints;\n"
"                    kernel: the running kernel's own pools (dma_alloc_from_pool,\n"
"                    dma_free_from_pool, atomic_pool_expand, atomic_pool_work_fn;\n"
"                    sizes from debugfs dma_pools/); auto (default): bench when\n"
"                    the module is loaded, else kernel\n"
"  --attach MODE     kernel target: fentry, kprobe or auto (default: fentry/fexit,\n"
"                    kprobes when they do not attach)\n"
"  -i, --interval S  seconds between reports (default 1)\n"
"  COUNT             stop after COUNT intervals (default: until Ctrl-C)\n"
"  --pool P          only pool P (dma, dma32, kernel)\n"
"  --hist            alloc latency histograms\n"
"  --lat-unit U      us or ns for histograms (default us)\n"
"  -T, --timestamp   a time stamp on each interval\n"
"  --json            one JSON object per interval, one per line\n"
"\n"
"Examples:\n"
"  dmapool-bench monitor\n"
"  dmapool-bench monitor -i 2 5 --hist --pool kernel\n"
"  dmapool-bench monitor --target kernel -T --hist\n"
"  dmapool-bench monitor --json 10 | jq .pools.kernel.allocs\n";

static volatile sig_atomic_t stop_monitor;

static void on_signal(int sig)
{
	(void)sig;
	stop_monitor = 1;
}

/* Cumulative reads of the previous interval. */
struct monitor_prev {
	uint64_t next_sample;	/* samples read so far */
	struct dmapool_counters sum;
	struct dmapool_hist alloc[DMAPOOL_NR_POOLS];
	struct dmapool_hist free[DMAPOOL_NR_POOLS];
	uint64_t ctx_allocs[DMAPOOL_NR_POOLS][DMAPOOL_NR_CTX];
};

/* @cur -= @prev, and remember @cur's old value in @prev. */
static void delta_words(__u64 *cur, __u64 *prev, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		__u64 c = cur[i];

		cur[i] -= prev[i];
		prev[i] = c;
	}
}

static void hist_delta(struct dmapool_hist *cur, struct dmapool_hist *prev)
{
	__u64 max = cur->max;

	delta_words((__u64 *)cur, (__u64 *)prev, sizeof(*cur) / sizeof(__u64));
	cur->max = max;		/* not a count: the run's maximum so far */
}

struct monitor_opts {
	bool kernel;		/* the kernel's own pools, not the bench's */
	const char *attach;
	double interval;
	long count;
	int pool;		/* -1: all */
	bool hist;
	bool ns;
	bool timestamp;
};

static const char * const *const pool_names = dmapool_pool_names;
static const char * const *const ctx_names = dmapool_ctx_names;
static const char * const *const fail_names = dmapool_fail_names;

/* A signed field of a pools object (-1: not known). */
static long long jint(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_int64(v) : -1;
}

/* ns log2 slots to us: slot k of the result counts [2^k, 2^(k+1)) us. */
static void log2_to_us(uint64_t log2[HIST_LOG2_SLOTS])
{
	int k;

	for (k = 1; k <= 10; k++)
		log2[0] += log2[k];
	for (k = 1; k < HIST_LOG2_SLOTS; k++)
		log2[k] = k + 10 < HIST_LOG2_SLOTS ? log2[k + 10] : 0;
}

/* o.allocs_by_ctx: this interval's allocations of @pool per context. */
static int add_ctx_allocs(struct collector *c, struct json_object *o, int pool,
			  uint64_t prev[DMAPOOL_NR_CTX])
{
	struct json_object *by = json_object_new_object();
	struct dmapool_hist h;
	int ctx, err;

	for (ctx = 0; ctx < DMAPOOL_NR_CTX; ctx++) {
		err = collect_op_hist(c, DMAPOOL_OP_ALLOC, pool, ctx, &h);
		if (err) {
			json_object_put(by);
			return err;
		}
		json_object_object_add(by, ctx_names[ctx],
				       json_object_new_uint64(h.count - prev[ctx]));
		prev[ctx] = h.count;
	}
	json_object_object_add(o, "allocs_by_ctx", by);
	return 0;
}

/*
 * The expansions of this interval, one line (or object) each. The sample
 * array is rewound once read up to its end, so that a long monitor keeps
 * showing them; a sample claimed in that instant is not shown (the counts
 * above do not depend on samples).
 */
static int report_expansions(struct collector *c, struct monitor_prev *prev,
			     struct json_object *arr)
{
	struct dmapool_sample s[64];
	int n, i;

	do {
		n = collect_new_samples(c, &prev->next_sample, s, 64);
		if (n < 0)
			return n;
		for (i = 0; i < n; i++) {
			struct json_object *o;

			if (s[i].kind != DMAPOOL_EV_EXPAND || s[i].pool >= DMAPOOL_NR_POOLS)
				continue;
			if (!arr) {
				printf("  expansion %s: %+lld bytes -> %llu in %.1f us%s\n",
				       pool_names[s[i].pool], (long long)s[i].obtained,
				       (unsigned long long)s[i].size, s[i].latency_ns / 1e3,
				       s[i].result ? " (failed)" : "");
				continue;
			}
			o = json_object_new_object();
			json_object_object_add(o, "pool", json_object_new_string(pool_names[s[i].pool]));
			json_object_object_add(o, "requested", json_object_new_uint64(s[i].requested));
			json_object_object_add(o, "obtained", json_object_new_uint64(s[i].obtained));
			json_object_object_add(o, "size_after", json_object_new_uint64(s[i].size));
			json_object_object_add(o, "latency_ns", json_object_new_uint64(s[i].latency_ns));
			json_object_object_add(o, "result", json_object_new_int(s[i].result));
			json_object_array_add(arr, o);
		}
	} while (n == 64);
	if (prev->next_sample && prev->next_sample == *c->nr_samples) {
		*c->nr_samples = 0;
		prev->next_sample = 0;
	}
	return 0;
}

/* Print (or add to @o) one interval; returns 0 or -errno. */
static int report(struct collector *c, const struct monitor_opts *mo,
		  double secs, struct monitor_prev *prev, int64_t *live)
{
	struct json_object *root = NULL, *pools_j = NULL, *fb_j = NULL;
	struct json_object *pools = mo->kernel ? kcollect_pools(c) : kmod_pools();
	struct json_object *pj;
	struct dmapool_counters sum;
	struct dmapool_hist h;
	uint64_t log2[HIST_LOG2_SLOTS];
	char stamp[32];
	time_t now = time(NULL);
	int p, to, r, err;

	err = collect_counters(c, &sum);
	if (err)
		return err;
	delta_words((__u64 *)&sum, (__u64 *)&prev->sum, sizeof(sum) / sizeof(__u64));
	*live += sum.live_bytes;
	strftime(stamp, sizeof(stamp), "%H:%M:%S", localtime(&now));
	if (json_output) {
		root = json_object_new_object();
		json_object_object_add(root, "time", json_object_new_int64(now));
		json_object_object_add(root, "interval_s", json_object_new_double(secs));
		pools_j = json_object_new_object();
		fb_j = json_object_new_array();
	} else {
		if (mo->timestamp)
			printf("%s\n", stamp);
		printf("%-7s %10s %10s %13s %10s %10s %10s\n", "pool",
		       "allocs/s", "frees/s", "alloc_avg(ns)", "size", "avail",
		       "largest");
	}
	for (p = 0; p < DMAPOOL_NR_POOLS; p++) {
		struct dmapool_hist fh;
		uint64_t allocs, frees;

		if (mo->pool >= 0 && p != mo->pool)
			continue;
		if (!json_object_object_get_ex(pools, pool_names[p], &pj) ||
		    !jint(pj, "present"))
			continue;
		err = collect_op_hist(c, DMAPOOL_OP_ALLOC, p, -1, &h);
		if (!err)
			err = collect_op_hist(c, DMAPOOL_OP_FREE, p, -1, &fh);
		if (err)
			goto out;
		hist_delta(&h, &prev->alloc[p]);
		hist_delta(&fh, &prev->free[p]);
		allocs = h.count;
		frees = fh.count;
		if (json_output) {
			struct json_object *o = json_object_new_object();

			json_object_object_add(o, "allocs", json_object_new_uint64(allocs));
			json_object_object_add(o, "frees", json_object_new_uint64(frees));
			json_object_object_add(o, "alloc_mean_ns", json_object_new_uint64(
				h.count ? h.sum / h.count : 0));
			json_object_object_add(o, "alloc_max_ns", json_object_new_uint64(h.max));
			err = add_ctx_allocs(c, o, p, prev->ctx_allocs[p]);
			if (err) {
				json_object_put(o);
				goto out;
			}
			json_object_object_add(o, "size", json_object_new_int64(jint(pj, "size")));
			json_object_object_add(o, "avail", json_object_new_int64(jint(pj, "avail")));
			json_object_object_add(o, "largest_free",
					       json_object_new_int64(jint(pj, "largest_free")));
			json_object_object_add(o, "expansions_total",
					       json_object_new_int64(jint(pj, "expansions")));
			if (mo->kernel)
				json_object_object_add(o, "size_walked", json_object_new_int64(
					jint(pj, "size_walked")));
			json_object_object_add(pools_j, pool_names[p], o);
		} else {
			char avail[24] = "-", largest[24] = "-";

			/* Negative: not known (the kernel target). */
			if (jint(pj, "avail") >= 0)
				snprintf(avail, sizeof(avail), "%lld", jint(pj, "avail"));
			if (jint(pj, "largest_free") >= 0)
				snprintf(largest, sizeof(largest), "%lld",
					 jint(pj, "largest_free"));
			printf("%-7s %10.0f %10.0f %13llu %10lld %10s %10s\n",
			       pool_names[p], allocs / secs, frees / secs,
			       (unsigned long long)(h.count ? h.sum / h.count : 0),
			       jint(pj, "size"), avail, largest);
		}
		if (mo->hist && !json_output && h.count) {
			hist_fold_log2(h.slots, log2);
			if (!mo->ns)
				log2_to_us(log2);
			printf("\n  %s alloc latency:\n", pool_names[p]);
			hist_print_log2(stdout, log2, mo->ns ? "nsecs" : "usecs");
		}
	}
	if (!json_output)
		printf("fails/s %.0f (no suitable pool %llu, exhausted %llu), expansions %llu (mean %.1f us), live bytes since start %lld\n",
		       sum.fails / secs,
		       (unsigned long long)sum.failures[DMAPOOL_FAIL_NO_POOL],
		       (unsigned long long)sum.failures[DMAPOOL_FAIL_EXHAUSTED],
		       (unsigned long long)sum.expansions,
		       sum.expansions ? sum.expand_ns / 1e3 / sum.expansions : 0.0,
		       (long long)*live);
	if (!json_output && mo->kernel && kcollect_traced("atomic_pool_work_fn"))
		printf("atomic_pool_work_fn runs %llu (mean %.1f us)%s\n",
		       (unsigned long long)sum.work_runs,
		       sum.work_runs ? sum.work_ns / 1e3 / sum.work_runs : 0.0,
		       sum.unpaired ? ", some exits without their entry (nested probes)" : "");
	for (p = 0; p < DMAPOOL_NR_POOLS; p++)
		for (to = 0; to < DMAPOOL_NR_POOLS; to++)
			for (r = 0; r < DMAPOOL_NR_FB; r++) {
				static const char * const *const why = dmapool_fb_names;
				uint64_t n = sum.fallbacks[p][to][r];

				if (!n)
					continue;
				if (json_output) {
					struct json_object *f = json_object_new_object();

					json_object_object_add(f, "from", json_object_new_string(pool_names[p]));
					json_object_object_add(f, "to", json_object_new_string(pool_names[to]));
					json_object_object_add(f, "reason", json_object_new_string(why[r]));
					json_object_object_add(f, "count", json_object_new_uint64(n));
					json_object_array_add(fb_j, f);
				} else {
					printf("  fallback %s -> %s (%s): %llu\n", pool_names[p],
					       pool_names[to], why[r], (unsigned long long)n);
				}
			}
	if (json_output) {
		struct json_object *ex = json_object_new_array();

		json_object_object_add(root, "pools", pools_j);
		json_object_object_add(root, "fallbacks", fb_j);
		json_object_object_add(root, "expansion_events", ex);
		err = report_expansions(c, prev, ex);
		if (err)
			goto out;
		json_object_object_add(root, "fails", json_object_new_uint64(sum.fails));
		for (r = 0; r < DMAPOOL_NR_FAIL; r++)
			json_object_object_add(root, fail_names[r],
					       json_object_new_uint64(sum.failures[r]));
		json_object_object_add(root, "expansions", json_object_new_uint64(sum.expansions));
		json_object_object_add(root, "expand_ns", json_object_new_uint64(sum.expand_ns));
		json_object_object_add(root, "live_bytes_since_start", json_object_new_int64(*live));
		json_object_object_add(root, "target", json_object_new_string(
			mo->kernel ? "kernel" : "bench"));
		if (mo->kernel) {
			struct json_object *cfg;

			/* The kernel's pool rules the fallbacks are judged by. */
			if (json_object_object_get_ex(pools, "config", &cfg))
				json_object_object_add(root, "rules", json_object_get(cfg));
			/* Functions the kernel's BTF lacks: their views are left out. */
			json_object_object_add(root, "untraced", kcollect_untraced());
			json_object_object_add(root, "work_runs", json_object_new_uint64(sum.work_runs));
			json_object_object_add(root, "work_ns", json_object_new_uint64(sum.work_ns));
			json_object_object_add(root, "unpaired", json_object_new_uint64(sum.unpaired));
		}
		printf("%s\n", json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN));
		json_object_put(root);
		root = NULL;
	} else {
		err = report_expansions(c, prev, NULL);
		if (err)
			goto out;
		printf("\n");
	}
	fflush(stdout);
out:
	json_object_put(root);
	json_object_put(pools);
	return err;
}

int cmd_monitor(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "target", required_argument, NULL, 't' },
		{ "attach", required_argument, NULL, 'a' },
		{ "interval", required_argument, NULL, 'i' },
		{ "pool", required_argument, NULL, 'p' },
		{ "hist", no_argument, NULL, 'H' },
		{ "lat-unit", required_argument, NULL, 'u' },
		{ "timestamp", no_argument, NULL, 'T' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct monitor_opts mo = { .interval = 1, .count = -1, .pool = -1,
				   .attach = "auto" };
	const char *target = "auto";
	struct monitor_prev *prev = calloc(1, sizeof(*prev));
	struct collector *col;
	int64_t live = 0;
	const char *how;
	char *end;
	int c, p, err = 0;
	long n = 0;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "i:Tjh", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			if (strcmp(optarg, "bench") && strcmp(optarg, "kernel") &&
			    strcmp(optarg, "auto")) {
				p_err("monitor: invalid --target '%s' (bench, kernel or auto)",
				      optarg);
				return EXIT_USAGE;
			}
			target = optarg;
			break;
		case 'a':
			if (strcmp(optarg, "auto") && strcmp(optarg, "fentry") &&
			    strcmp(optarg, "kprobe")) {
				p_err("monitor: invalid --attach '%s' (auto, fentry or kprobe)",
				      optarg);
				return EXIT_USAGE;
			}
			mo.attach = optarg;
			break;
		case 'i':
			errno = 0;
			mo.interval = strtod(optarg, &end);
			if (errno || *end || mo.interval < 0.1 || mo.interval > 3600) {
				p_err("monitor: invalid interval '%s' (0.1..3600 seconds)", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'p':
			p = dmapool_name_index(DMAPOOL_NAMES_POOL, optarg, strlen(optarg));
			if (p >= 0)
				mo.pool = p;
			if (mo.pool < 0) {
				p_err("monitor: invalid --pool '%s' (dma, dma32 or kernel)", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'H':
			mo.hist = true;
			break;
		case 'u':
			if (strcmp(optarg, "us") && strcmp(optarg, "ns")) {
				p_err("monitor: invalid --lat-unit '%s' (us or ns)", optarg);
				return EXIT_USAGE;
			}
			mo.ns = !strcmp(optarg, "ns");
			break;
		case 'T':
			mo.timestamp = true;
			break;
		case 'j':
			json_output = true;
			break;
		case 'h':
			fputs(monitor_usage, stdout);
			return EXIT_OK;
		default:
			p_err("monitor: unknown option or missing value: '%s' (see 'dmapool-bench monitor --help')",
			      argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		errno = 0;
		mo.count = strtol(argv[optind], &end, 10);
		if (errno || *end || mo.count < 1 || optind + 1 < argc) {
			p_err("monitor: invalid count '%s' (a positive number of intervals)",
			      argv[optind]);
			return EXIT_USAGE;
		}
	}
	mo.kernel = !strcmp(target, "kernel") ||
		    (!strcmp(target, "auto") && access("/sys/module/dmapool_bench", F_OK));
	if (!mo.kernel && access("/sys/module/dmapool_bench", F_OK)) {
		p_err("monitor: the dmapool_bench module is not loaded (dmapool-bench run loads it)");
		free(prev);
		return EXIT_FAIL;
	}
	if (!prev || (mo.kernel ? kcollect_start(&col, mo.attach, &how) :
		      collect_start(&col, "auto", &how))) {
		free(prev);
		return EXIT_FAIL;
	}
	if (mo.kernel && !kcollect_debugfs_ok())
		p_info("pool sizes unknown: cannot read /sys/kernel/debug/dma_pools (mount debugfs)");
	collect_reset(col, mono_ns());
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (!json_output)
		fprintf(stderr, "Monitoring the %s (%s)... Hit Ctrl-C to end.\n",
			mo.kernel ? "kernel's atomic pools" : "bench pools", how);
	while (!stop_monitor && (mo.count < 0 || n < mo.count)) {
		uint64_t t0 = mono_ns();
		double secs;

		while (!stop_monitor && mono_ns() - t0 < mo.interval * 1e9)
			usleep(20000);
		secs = (mono_ns() - t0) / 1e9;
		err = report(col, &mo, secs, prev, &live);
		if (err) {
			p_err("monitor: reading the maps failed: %s", strerror(-err));
			break;
		}
		n++;
	}
	collect_stop(col);
	free(prev);
	return err ? EXIT_FAIL : EXIT_OK;
}
