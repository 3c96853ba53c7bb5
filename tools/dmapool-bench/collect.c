// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "aggregate.h"
#include "collect.h"
#include "dmapool.skel.h"
#include "hist.h"
#include "main.h"
#include "spec.h"

uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

int collect_libbpf_print(enum libbpf_print_level level, const char *fmt,
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

struct track_opts collect_track;

void collect_track_maps(struct bpf_map *blocks, struct bpf_map *holders)
{
	/* Preallocated hash maps: no memory for them unless asked. */
	bpf_map__set_max_entries(blocks, collect_track.on ? collect_track.max_blocks : 1);
	bpf_map__set_max_entries(holders, collect_track.on ? DMAPOOL_MAX_HOLDERS : 1);
}

void collect_track_fds(struct collector *c)
{
	c->blocks_fd = c->holders_fd = c->stacks_fd = c->fail_fd = -1;
	if (!collect_track.on)
		return;
	c->blocks_fd = bpf_object__find_map_fd_by_name(c->obj, "blocks");
	c->holders_fd = bpf_object__find_map_fd_by_name(c->obj, "holders");
}

unsigned int collect_streams;

static int open_load(struct dmapool_bpf **out, bool btf)
{
	struct dmapool_bpf *skel = dmapool_bpf__open();
	unsigned int streams = collect_streams > 1 ? collect_streams : 0;
	int err;

	if (!skel)
		return -errno;
	choose_programs(skel, btf);
	skel->rodata->track_blocks = collect_track.on;
	collect_track_maps(skel->maps.blocks, skel->maps.holders);
	/* Per-stream histograms: memory only for the run's streams. */
	skel->rodata->nr_streams = streams;
	bpf_map__set_max_entries(skel->maps.stream_hists,
				 streams ? streams * DMAPOOL_HIST_KEYS : 1);
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
static void recursion_misses(struct bpf_object *obj,
			     uint64_t misses[DMAPOOL_NR_EVENTS])
{
	struct bpf_program *prog;
	int e;

	memset(misses, 0, sizeof(uint64_t) * DMAPOOL_NR_EVENTS);
	bpf_object__for_each_program(prog, obj) {
		const char *name = strchr(bpf_program__name(prog), '_');
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);
		int fd = bpf_program__fd(prog);

		if (fd < 0 || !name || bpf_obj_get_info_by_fd(fd, &info, &len))
			continue;
		e = dmapool_name_index(DMAPOOL_NAMES_EVENT, name + 1, strlen(name + 1));
		if (e >= 0)
			misses[e] += info.recursion_misses;
	}
}

/* Buffers and map descriptors once the programs are loaded and attached. */
int collect_init(struct collector *c, struct bpf_object *obj,
		 void (*destroy)(void *), void *skel)
{
	c->obj = obj;
	c->destroy = destroy;
	c->skel = skel;
	c->ncpus = libbpf_num_possible_cpus();
	if (c->ncpus <= 0)
		return -EINVAL;
	c->buf = calloc(c->ncpus, sizeof(struct dmapool_hist));
	if (!c->buf)
		return -ENOMEM;
	c->hists_fd = bpf_object__find_map_fd_by_name(obj, "hists");
	c->counters_fd = bpf_object__find_map_fd_by_name(obj, "counters");
	c->samples_fd = bpf_object__find_map_fd_by_name(obj, "samples");
	if (c->hists_fd < 0 || c->counters_fd < 0 || c->samples_fd < 0)
		return -ENOENT;
	collect_track_fds(c);
	if (collect_track.on && (c->blocks_fd < 0 || c->holders_fd < 0))
		return -ENOENT;
	c->stream_counters_fd = c->stream_hists_fd = -1;
	return 0;
}

static void destroy_bench(void *skel)
{
	dmapool_bpf__destroy(skel);
}

int collect_start(struct collector **out, const char *want, const char **how)
{
	struct collector *c = calloc(1, sizeof(*c));
	bool btf = access("/sys/kernel/btf/dmapool_bench", R_OK) == 0;
	struct dmapool_bpf *skel = NULL;
	int err;

	if (!c)
		return -ENOMEM;
	if (!strcmp(want, "tracepoint"))
		btf = false;
	if (!strcmp(want, "tp_btf") && !btf) {
		p_err("--attach tp_btf: the module has no BTF (/sys/kernel/btf/dmapool_bench)");
		free(c);
		return -ENOENT;
	}
	libbpf_set_print(collect_libbpf_print);
	/* Like bcc's probe_tp_btf: prefer tp_btf, fall back when it fails. */
	err = btf ? open_load(&skel, true) : -ENOENT;
	*how = "tp_btf";
	if (err && !strcmp(want, "tp_btf")) {
		p_err("--attach tp_btf: the tp_btf programs did not load or attach (%d)", err);
		free(c);
		return err;
	}
	if (err) {
		if (btf && verbose)
			p_info("tp_btf programs did not load (%d), using classic tracepoints",
			       err);
		err = open_load(&skel, false);
		*how = "tracepoint";
	}
	if (err) {
		p_err("cannot load or attach the BPF programs: %s (is the module loaded? BPF needs root)",
		      strerror(-err));
		free(c);
		return err;
	}
	err = collect_init(c, skel->obj, destroy_bench, skel);
	if (err) {
		p_err("cannot set up the BPF maps: %s", strerror(-err));
		collect_stop(c);
		return err;
	}
	c->nr_samples = &skel->bss->nr_samples;
	if (collect_streams > 1) {
		c->nr_streams = collect_streams;
		c->stream_counters_fd = bpf_map__fd(skel->maps.stream_counters);
		c->stream_hists_fd = bpf_map__fd(skel->maps.stream_hists);
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

	err = zero_map(c, c->hists_fd, DMAPOOL_HIST_KEYS,
		       sizeof(struct dmapool_hist));
	if (!err)
		err = zero_map(c, c->counters_fd, 1,
			       sizeof(struct dmapool_counters));
	if (!err && c->nr_streams)
		err = zero_map(c, c->stream_counters_fd, c->nr_streams,
			       sizeof(struct dmapool_counters));
	if (!err && c->nr_streams)
		err = zero_map(c, c->stream_hists_fd,
			       c->nr_streams * DMAPOOL_HIST_KEYS,
			       sizeof(struct dmapool_hist));
	*c->nr_samples = 0;
	c->t0_ns = t0_ns;
	recursion_misses(c->obj, c->misses_base);
	return err;
}

static int sum_counters(struct collector *c, int fd, uint32_t key,
			struct dmapool_counters *sum)
{
	struct dmapool_counters *per = c->buf;
	/* __u64, the fields' own type: no aliasing surprises at -O2. */
	__u64 *dst = (__u64 *)sum, *src;
	size_t n = sizeof(*sum) / sizeof(__u64), w;
	int cpu;

	if (bpf_map_lookup_elem(fd, &key, per))
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

int collect_counters(struct collector *c, struct dmapool_counters *sum)
{
	return sum_counters(c, c->counters_fd, 0, sum);
}

int collect_stream_counters(struct collector *c, unsigned int stream,
			    struct dmapool_counters *sum)
{
	if (stream >= c->nr_streams)
		return -ENOENT;
	return sum_counters(c, c->stream_counters_fd, stream, sum);
}

static int sum_hist(struct collector *c, int fd, uint32_t key,
		    struct dmapool_hist *sum)
{
	struct dmapool_hist *per = c->buf;
	uint32_t i;
	int cpu;

	if (bpf_map_lookup_elem(fd, &key, per))
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

/* One histogram key, summed over CPUs (an agg_hist_fn). */
static int read_hist(void *ctx, uint32_t key, struct dmapool_hist *sum)
{
	struct collector *c = ctx;

	return sum_hist(c, c->hists_fd, key, sum);
}

struct stream_read {
	struct collector *c;
	unsigned int stream;
};

/* One histogram key of one stream (an agg_hist_fn). */
static int read_stream_hist(void *ctx, uint32_t key, struct dmapool_hist *sum)
{
	struct stream_read *r = ctx;

	return sum_hist(r->c, r->c->stream_hists_fd,
			dmapool_stream_hist_key(r->stream, key), sum);
}

int collect_stream_cases(struct collector *c, unsigned int stream,
			 const char *name, double elapsed_s,
			 struct json_object *cases, struct dmapool_hist *alloc,
			 struct dmapool_hist *free)
{
	struct stream_read r = { c, stream };

	if (stream >= c->nr_streams)
		return -ENOENT;
	return agg_add_stream_cases(cases, name, read_stream_hist, &r,
				    elapsed_s, alloc, free);
}

int collect_op_hist(struct collector *c, uint32_t op, uint32_t pool,
		    int only_ctx, struct dmapool_hist *out)
{
	struct dmapool_hist h;
	uint32_t ctx, order, i;
	int err;

	memset(out, 0, sizeof(*out));
	for (ctx = 0; ctx < DMAPOOL_NR_CTX; ctx++) {
		if (only_ctx >= 0 && ctx != (uint32_t)only_ctx)
			continue;
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

int collect_new_samples(struct collector *c, uint64_t *next,
			struct dmapool_sample *out, int max)
{
	uint64_t n = *c->nr_samples;
	uint32_t k;
	int got = 0;

	if (n > DMAPOOL_MAX_SAMPLES)
		n = DMAPOOL_MAX_SAMPLES;
	for (; *next < n && got < max; (*next)++) {
		k = *next;
		/* A claimed slot is written just after: read it next time. */
		if (bpf_map_lookup_elem(c->samples_fd, &k, &out[got]))
			return -errno;
		if (!out[got].ts_ns)
			break;
		got++;
	}
	return got;
}

static void read_samples(struct collector *c, struct json_object *run)
{
	uint64_t n = *c->nr_samples;
	struct dmapool_sample *s;
	uint32_t k, got = 0;

	if (n > DMAPOOL_MAX_SAMPLES)
		n = DMAPOOL_MAX_SAMPLES;
	s = calloc(n ? n : 1, sizeof(*s));
	for (k = 0; s && k < n; k++)
		if (!bpf_map_lookup_elem(c->samples_fd, &k, &s[got]))
			got++;
	agg_add_samples(run, s, got, c->t0_ns);
	free(s);
}

int collect_read(struct collector *c, struct json_object *run)
{
	struct json_object *elapsed;
	uint64_t misses[DMAPOOL_NR_EVENTS];
	struct dmapool_counters sum;
	double elapsed_s = 0;
	int err, e;

	if (json_object_object_get_ex(run, "elapsed_ns", &elapsed))
		elapsed_s = json_object_get_uint64(elapsed) / 1e9;
	err = collect_counters(c, &sum);
	if (!err) {
		agg_add_counters(run, &sum);
		err = agg_add_cases(run, read_hist, c, elapsed_s);
	}
	if (err) {
		p_err("reading BPF maps failed: %s", strerror(-err));
		return err;
	}
	read_samples(c, run);
	recursion_misses(c->obj, misses);
	for (e = 0; e < DMAPOOL_NR_EVENTS; e++)
		misses[e] -= c->misses_base[e];
	agg_add_lost(run, misses, sum.samples_dropped, NULL);
	return 0;
}

void collect_stop(struct collector *c)
{
	if (!c)
		return;
	if (c->destroy)
		c->destroy(c->skel);
	free(c->buf);
	free(c);
}
