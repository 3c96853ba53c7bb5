// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "collect.h"
#include "dmapool.skel.h"
#include "hist.h"
#include "main.h"

struct collector {
	struct dmapool_bpf *skel;
	int ncpus;
	uint64_t t0_ns;
	uint64_t misses_base[DMAPOOL_NR_EVENTS];	/* before the run */
	void *buf;			/* one per-CPU value of the largest map */
};

static const char * const pool_names[] = DMAPOOL_POOL_NAMES;
static const char * const ctx_names[] = DMAPOOL_CTX_NAMES;
static const char * const op_names[] = DMAPOOL_OP_NAMES;
static const char * const res_names[] = DMAPOOL_RES_NAMES;
static const char * const fb_names[] = DMAPOOL_FB_NAMES;
static const char * const ev_names[] = DMAPOOL_EVENT_NAMES;

uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	if (level == LIBBPF_DEBUG && verbose < 2)
		return 0;
	if (!verbose)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

/* Enable one set of programs: tp_btf (btf_*) or classic (tp_*). */
static void choose_programs(struct dmapool_bpf *skel, bool btf)
{
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, skel->obj) {
		bool is_btf = !strncmp(bpf_program__name(prog), "btf_", 4);

		bpf_program__set_autoload(prog, is_btf == btf);
	}
}

static int open_load(struct dmapool_bpf **out, bool btf)
{
	struct dmapool_bpf *skel = dmapool_bpf__open();
	int err;

	if (!skel)
		return -errno;
	choose_programs(skel, btf);
	err = dmapool_bpf__load(skel);
	if (!err)
		err = dmapool_bpf__attach(skel);
	if (err) {
		dmapool_bpf__destroy(skel);
		return err;
	}
	*out = skel;
	return 0;
}

/*
 * Events the kernel did not run a program for because another BPF program
 * was running on that CPU, per event (programs are named btf_EVENT and
 * tp_EVENT).
 */
static void recursion_misses(struct dmapool_bpf *skel,
			     uint64_t misses[DMAPOOL_NR_EVENTS])
{
	struct bpf_program *prog;
	int e;

	memset(misses, 0, sizeof(uint64_t) * DMAPOOL_NR_EVENTS);
	bpf_object__for_each_program(prog, skel->obj) {
		const char *name = strchr(bpf_program__name(prog), '_');
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);
		int fd = bpf_program__fd(prog);

		if (fd < 0 || !name || bpf_obj_get_info_by_fd(fd, &info, &len))
			continue;
		for (e = 0; e < DMAPOOL_NR_EVENTS; e++)
			if (!strcmp(name + 1, ev_names[e]))
				misses[e] += info.recursion_misses;
	}
}

int collect_start(struct collector **out, const char *want, const char **how)
{
	struct collector *c = calloc(1, sizeof(*c));
	bool btf = access("/sys/kernel/btf/dmapool_bench", R_OK) == 0;
	int err;

	if (!strcmp(want, "tracepoint"))
		btf = false;
	if (!strcmp(want, "tp_btf") && !btf) {
		p_err("--attach tp_btf: the module has no BTF (/sys/kernel/btf/dmapool_bench)");
		free(c);
		return -ENOENT;
	}

	if (!c)
		return -ENOMEM;
	libbpf_set_print(libbpf_print);
	c->ncpus = libbpf_num_possible_cpus();
	if (c->ncpus <= 0) {
		free(c);
		return -EINVAL;
	}
	c->buf = calloc(c->ncpus, sizeof(struct dmapool_hist));
	if (!c->buf) {
		free(c);
		return -ENOMEM;
	}
	/* Like bcc's probe_tp_btf: prefer tp_btf, fall back when it fails. */
	err = btf ? open_load(&c->skel, true) : -ENOENT;
	*how = "tp_btf";
	if (err && !strcmp(want, "tp_btf")) {
		p_err("--attach tp_btf: the tp_btf programs did not load or attach (%d)", err);
		free(c->buf);
		free(c);
		return err;
	}
	if (err) {
		if (btf && verbose)
			p_info("tp_btf programs did not load (%d), using classic tracepoints",
			       err);
		err = open_load(&c->skel, false);
		*how = "tracepoint";
	}
	if (err) {
		p_err("cannot load or attach the BPF programs: %s (is the module loaded? BPF needs root)",
		      strerror(-err));
		free(c->buf);
		free(c);
		return err;
	}
	*out = c;
	return 0;
}

static int zero_map(struct collector *c, int fd, uint32_t entries,
		    size_t value_size)
{
	uint32_t k;

	memset(c->buf, 0, value_size * c->ncpus);
	for (k = 0; k < entries; k++)
		if (bpf_map_update_elem(fd, &k, c->buf, BPF_ANY))
			return -errno;
	return 0;
}

int collect_reset(struct collector *c, uint64_t t0_ns)
{
	int err;

	err = zero_map(c, bpf_map__fd(c->skel->maps.hists), DMAPOOL_HIST_KEYS,
		       sizeof(struct dmapool_hist));
	if (!err)
		err = zero_map(c, bpf_map__fd(c->skel->maps.counters), 1,
			       sizeof(struct dmapool_counters));
	c->skel->bss->nr_samples = 0;
	c->t0_ns = t0_ns;
	recursion_misses(c->skel, c->misses_base);
	return err;
}

static struct json_object *u64j(uint64_t v)
{
	return json_object_new_uint64(v);
}

static struct json_object *hist_case(uint32_t key, const struct dmapool_hist *h,
				     double elapsed_s)
{
	struct json_object *o = json_object_new_object(), *b;
	uint32_t order = key % DMAPOOL_NR_ORDERS;
	uint32_t ctx = key / DMAPOOL_NR_ORDERS % DMAPOOL_NR_CTX;
	uint32_t pool = key / DMAPOOL_NR_ORDERS / DMAPOOL_NR_CTX %
			DMAPOOL_HIST_POOLS;
	uint32_t op = key / DMAPOOL_NR_ORDERS / DMAPOOL_NR_CTX /
		      DMAPOOL_HIST_POOLS;
	uint32_t i;

	json_object_object_add(o, "op", json_object_new_string(op_names[op]));
	json_object_object_add(o, "pool", json_object_new_string(
		pool < DMAPOOL_NR_POOLS ? pool_names[pool] : "none"));
	json_object_object_add(o, "ctx", json_object_new_string(ctx_names[ctx]));
	json_object_object_add(o, "size_order", json_object_new_int(order));
	json_object_object_add(o, "n", u64j(h->count));
	json_object_object_add(o, "sum_ns", u64j(h->sum));
	json_object_object_add(o, "mean", u64j(h->count ? h->sum / h->count : 0));
	json_object_object_add(o, "p50", u64j(hist_quantile(h->slots, h->count, h->max, 0.5)));
	json_object_object_add(o, "p90", u64j(hist_quantile(h->slots, h->count, h->max, 0.9)));
	json_object_object_add(o, "p99", u64j(hist_quantile(h->slots, h->count, h->max, 0.99)));
	json_object_object_add(o, "p999", u64j(hist_quantile(h->slots, h->count, h->max, 0.999)));
	json_object_object_add(o, "max", u64j(h->max));
	json_object_object_add(o, "ops_per_sec",
			       u64j(elapsed_s > 0 ? (uint64_t)(h->count / elapsed_s) : 0));
	b = json_object_new_array();
	for (i = 0; i < DMAPOOL_HIST_BUCKETS; i++) {
		struct json_object *pair;

		if (!h->slots[i])
			continue;
		pair = json_object_new_array();
		json_object_array_add(pair, json_object_new_int(i));
		json_object_array_add(pair, u64j(h->slots[i]));
		json_object_array_add(b, pair);
	}
	json_object_object_add(o, "buckets", b);
	return o;
}

static int read_hist(struct collector *c, uint32_t key,
		     struct dmapool_hist *sum);

static int read_hists(struct collector *c, struct json_object *run,
		      double elapsed_s)
{
	struct json_object *cases = json_object_new_array();
	struct dmapool_hist sum;
	uint32_t k;
	int err;

	for (k = 0; k < DMAPOOL_HIST_KEYS; k++) {
		err = read_hist(c, k, &sum);
		if (err)
			return err;
		if (sum.count)
			json_object_array_add(cases, hist_case(k, &sum, elapsed_s));
	}
	json_object_object_add(run, "cases", cases);
	return 0;
}

int collect_counters(struct collector *c, struct dmapool_counters *sum)
{
	struct dmapool_counters *per = c->buf;
	/* __u64, the fields' own type: no aliasing surprises at -O2. */
	__u64 *dst = (__u64 *)sum, *src;
	size_t n = sizeof(*sum) / sizeof(__u64), w;
	uint32_t zero = 0;
	int cpu;

	if (bpf_map_lookup_elem(bpf_map__fd(c->skel->maps.counters), &zero, per))
		return -errno;
	memset(sum, 0, sizeof(*sum));
	/* Every field is a 64-bit counter: sum them word by word. */
	for (cpu = 0; cpu < c->ncpus; cpu++) {
		src = (__u64 *)&per[cpu];
		for (w = 0; w < n; w++)
			dst[w] += src[w];
	}
	return 0;
}

/* One histogram key, summed over CPUs. */
static int read_hist(struct collector *c, uint32_t key, struct dmapool_hist *sum)
{
	struct dmapool_hist *per = c->buf;
	uint32_t i;
	int cpu;

	if (bpf_map_lookup_elem(bpf_map__fd(c->skel->maps.hists), &key, per))
		return -errno;
	memset(sum, 0, sizeof(*sum));
	for (cpu = 0; cpu < c->ncpus; cpu++) {
		sum->count += per[cpu].count;
		sum->sum += per[cpu].sum;
		if (per[cpu].max > sum->max)
			sum->max = per[cpu].max;
		for (i = 0; i < DMAPOOL_HIST_BUCKETS; i++)
			sum->slots[i] += per[cpu].slots[i];
	}
	return 0;
}

int collect_op_hist(struct collector *c, uint32_t op, uint32_t pool,
		    struct dmapool_hist *out)
{
	struct dmapool_hist h;
	uint32_t ctx, order, i;
	int err;

	memset(out, 0, sizeof(*out));
	for (ctx = 0; ctx < DMAPOOL_NR_CTX; ctx++) {
		for (order = 0; order < DMAPOOL_NR_ORDERS; order++) {
			err = read_hist(c, dmapool_hist_key(op, pool, ctx, order), &h);
			if (err)
				return err;
			out->count += h.count;
			out->sum += h.sum;
			if (h.max > out->max)
				out->max = h.max;
			for (i = 0; i < DMAPOOL_HIST_BUCKETS && h.count; i++)
				out->slots[i] += h.slots[i];
		}
	}
	return 0;
}

static int read_counters(struct collector *c, struct json_object *run,
			 struct dmapool_counters *sum)
{
	struct json_object *o, *a, *ev;
	uint32_t i, j, r;
	int err;

	err = collect_counters(c, sum);
	if (err)
		return err;
	o = json_object_new_object();
	ev = json_object_new_object();
	for (i = 0; i < DMAPOOL_NR_EVENTS; i++)
		json_object_object_add(ev, ev_names[i], u64j(sum->events[i]));
	json_object_object_add(o, "events", ev);
	json_object_object_add(o, "allocs", u64j(sum->allocs));
	json_object_object_add(o, "fails", u64j(sum->fails));
	json_object_object_add(o, "frees", u64j(sum->frees));
	a = json_object_new_object();
	for (i = 0; i < DMAPOOL_NR_RES; i++)
		json_object_object_add(a, res_names[i], u64j(sum->results[i]));
	json_object_object_add(o, "results", a);
	a = json_object_new_array();
	for (i = 0; i < DMAPOOL_NR_POOLS; i++)
		for (j = 0; j < DMAPOOL_NR_POOLS; j++)
			for (r = 0; r < DMAPOOL_NR_FB; r++) {
				struct json_object *f;

				if (!sum->fallbacks[i][j][r])
					continue;
				f = json_object_new_object();
				json_object_object_add(f, "from", json_object_new_string(pool_names[i]));
				json_object_object_add(f, "to", json_object_new_string(pool_names[j]));
				json_object_object_add(f, "reason", json_object_new_string(fb_names[r]));
				json_object_object_add(f, "count", u64j(sum->fallbacks[i][j][r]));
				json_object_array_add(a, f);
			}
	json_object_object_add(o, "fallbacks", a);
	json_object_object_add(o, "exhausted", u64j(sum->exhausted));
	json_object_object_add(o, "live_bytes", json_object_new_int64(sum->live_bytes));
	json_object_object_add(o, "expansions", u64j(sum->expansions));
	json_object_object_add(o, "expand_fails", u64j(sum->expand_fails));
	json_object_object_add(o, "expand_ns", u64j(sum->expand_ns));
	json_object_object_add(run, "counters", o);
	return 0;
}

static void read_samples(struct collector *c, struct json_object *run)
{
	struct json_object *tl = json_object_new_array();
	struct json_object *ex = json_object_new_array();
	int fd = bpf_map__fd(c->skel->maps.samples);
	uint64_t n = c->skel->bss->nr_samples;
	struct dmapool_sample s;
	uint32_t k;

	if (n > DMAPOOL_MAX_SAMPLES)
		n = DMAPOOL_MAX_SAMPLES;
	for (k = 0; k < n; k++) {
		struct json_object *o = json_object_new_object();
		int64_t t = 0;

		if (bpf_map_lookup_elem(fd, &k, &s)) {
			json_object_put(o);
			continue;
		}
		if (s.ts_ns > c->t0_ns)
			t = (int64_t)(s.ts_ns - c->t0_ns);
		json_object_object_add(o, "t_ns", json_object_new_int64(t));
		json_object_object_add(o, "pool", json_object_new_string(
			s.pool < DMAPOOL_NR_POOLS ? pool_names[s.pool] : "none"));
		if (s.kind == DMAPOOL_EV_STATE) {
			json_object_object_add(o, "size", u64j(s.size));
			json_object_object_add(o, "avail", u64j(s.avail));
			json_object_object_add(o, "largest_free", u64j(s.largest_free));
			json_object_object_add(o, "chunks", json_object_new_int(s.chunks));
			json_object_array_add(tl, o);
		} else {
			json_object_object_add(o, "requested", u64j(s.requested));
			json_object_object_add(o, "obtained", u64j(s.obtained));
			json_object_object_add(o, "order", json_object_new_int(s.order));
			json_object_object_add(o, "latency_ns", u64j(s.latency_ns));
			json_object_object_add(o, "size_after", u64j(s.size));
			json_object_object_add(o, "result", json_object_new_int(s.result));
			json_object_array_add(ex, o);
		}
	}
	json_object_object_add(run, "timeline", tl);
	json_object_object_add(run, "expansions", ex);
}

int collect_read(struct collector *c, struct json_object *run)
{
	struct json_object *elapsed, *lost, *by;
	uint64_t misses[DMAPOOL_NR_EVENTS], total = 0;
	struct dmapool_counters sum;
	double elapsed_s = 0;
	int err, e;

	if (json_object_object_get_ex(run, "elapsed_ns", &elapsed))
		elapsed_s = json_object_get_uint64(elapsed) / 1e9;
	err = read_counters(c, run, &sum);
	if (!err)
		err = read_hists(c, run, elapsed_s);
	if (err) {
		p_err("reading BPF maps failed: %s", strerror(-err));
		return err;
	}
	read_samples(c, run);
	lost = json_object_new_object();
	by = json_object_new_object();
	recursion_misses(c->skel, misses);
	for (e = 0; e < DMAPOOL_NR_EVENTS; e++) {
		json_object_object_add(by, ev_names[e], u64j(misses[e] - c->misses_base[e]));
		total += misses[e] - c->misses_base[e];
	}
	json_object_object_add(lost, "recursion_misses", u64j(total));
	json_object_object_add(lost, "recursion_misses_by_event", by);
	json_object_object_add(lost, "samples_dropped", u64j(sum.samples_dropped));
	json_object_object_add(run, "lost", lost);
	return 0;
}

void collect_stop(struct collector *c)
{
	if (!c)
		return;
	dmapool_bpf__destroy(c->skel);
	free(c->buf);
	free(c);
}
