// SPDX-License-Identifier: GPL-2.0
/*
 * dmapool-bench capture: record the running kernel's real atomic pool
 * traffic (bpf/kpool.bpf.c with `capture` on) into a capture file
 * (capfile.h): every allocation with its device, mask, gfp, context, the
 * pool that served it, and its lifetime, paired with its free by address.
 */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/utsname.h>
#include <bpf/libbpf.h>
#include <json-c/json.h>

#include "capfile.h"
#include "collect.h"
#include "dmapool.h"
#include "kcollect.h"
#include "main.h"
#include "opts.h"
#include "run.h"
#include "spec.h"
#include "vm.h"

#define CAP_DEFAULT_OUTPUT	"results/latest/capture.jsonl"
#define CAP_DEFAULT_RING_KB	4096
#define CAP_POOLS_DIR		"/sys/kernel/debug/dma_pools"

struct capture_opts {
	const char *output;
	const char *check;		/* --check FILE */
	uint64_t duration_ns;		/* 0: until SIGINT/SIGTERM */
	unsigned int ring_kb;
	struct vm_opts vm;
};

/* Outstanding blocks: address -> record index, open addressing. */
struct cap_live {
	uint64_t *addr;			/* 0: empty slot */
	size_t *idx;
	size_t cap, nr;			/* cap: a power of 2 */
};

struct cap_state {
	struct capfile cf;
	size_t cap;			/* of cf.recs */
	struct cap_live live;
	uint64_t t0;			/* CLOCK_MONOTONIC at start */
	uint64_t last_ts;
	uint64_t unknown_frees;		/* of blocks allocated before the start */
	uint64_t no_pool_found;		/* served, but in no pool we could walk */
	bool oom;
};

static volatile sig_atomic_t stop_capture;

static void on_signal(int sig)
{
	(void)sig;
	stop_capture = 1;
}

static size_t live_slot(const struct cap_live *l, uint64_t addr)
{
	size_t i = (size_t)((addr >> 12) * 0x9e3779b97f4a7c15ull) & (l->cap - 1);

	while (l->addr[i] && l->addr[i] != addr)
		i = (i + 1) & (l->cap - 1);
	return i;
}

static int live_grow(struct cap_live *l)
{
	struct cap_live n = { .cap = l->cap ? 2 * l->cap : 1024 };
	size_t i, s;

	n.addr = calloc(n.cap, sizeof(*n.addr));
	n.idx = calloc(n.cap, sizeof(*n.idx));
	if (!n.addr || !n.idx) {
		free(n.addr);
		free(n.idx);
		return -ENOMEM;
	}
	for (i = 0; i < l->cap; i++) {
		if (!l->addr[i])
			continue;
		s = live_slot(&n, l->addr[i]);
		n.addr[s] = l->addr[i];
		n.idx[s] = l->idx[i];
		n.nr++;
	}
	free(l->addr);
	free(l->idx);
	*l = n;
	return 0;
}

/* Remember block @addr as record @idx (a reused address replaces). */
static int live_put(struct cap_live *l, uint64_t addr, size_t idx)
{
	size_t s;

	if (2 * (l->nr + 1) > l->cap && live_grow(l))
		return -ENOMEM;
	s = live_slot(l, addr);
	if (!l->addr[s])
		l->nr++;
	l->addr[s] = addr;
	l->idx[s] = idx;
	return 0;
}

/* Take block @addr out: its record index, or -1 when not known. */
static long live_take(struct cap_live *l, uint64_t addr)
{
	size_t s, j, want;
	long idx;

	if (!l->cap)
		return -1;
	s = live_slot(l, addr);
	if (!l->addr[s])
		return -1;
	idx = (long)l->idx[s];
	l->addr[s] = 0;
	l->nr--;
	/* Shift back the run after it, so no lookup stops at the hole. */
	for (j = (s + 1) & (l->cap - 1); l->addr[j]; j = (j + 1) & (l->cap - 1)) {
		uint64_t a = l->addr[j];
		size_t ix = l->idx[j];

		l->addr[j] = 0;
		want = live_slot(l, a);
		l->addr[want] = a;
		l->idx[want] = ix;
	}
	return idx;
}

static uint64_t rel_ns(const struct cap_state *st, uint64_t ts)
{
	return ts > st->t0 ? ts - st->t0 : 0;
}

static void on_alloc(struct cap_state *st, const struct dmapool_cap_event *e)
{
	struct cap_rec *r;

	if (e->result == DMAPOOL_RES_OK && e->pool >= DMAPOOL_NR_POOLS) {
		st->no_pool_found++;
		return;
	}
	if (st->cf.nr == st->cap) {
		size_t cap = st->cap ? 2 * st->cap : 1024;
		struct cap_rec *n = realloc(st->cf.recs, cap * sizeof(*n));

		if (!n) {
			st->oom = true;
			return;
		}
		st->cf.recs = n;
		st->cap = cap;
	}
	r = &st->cf.recs[st->cf.nr];
	memset(r, 0, sizeof(*r));
	r->t_ns = rel_ns(st, e->ts_ns);
	r->size = e->size;
	r->zone = e->zone < DMAPOOL_NR_ZONES ? e->zone : DMAPOOL_ZONE_KERNEL;
	r->result = e->result < DMAPOOL_NR_RES ? e->result : DMAPOOL_RES_EXHAUSTED;
	r->pool = r->result == DMAPOOL_RES_OK ? e->pool : DMAPOOL_POOL_NONE;
	r->gfp = (uint32_t)e->gfp;
	snprintf(r->dev, sizeof(r->dev), "%.*s", DMAPOOL_NAME_LEN - 1,
		 e->dev_name[0] ? e->dev_name : "unknown");
	cap_name_clean(r->dev);
	if (e->driver[0]) {
		r->has_driver = true;
		snprintf(r->driver, sizeof(r->driver), "%.*s", DMAPOOL_NAME_LEN - 1, e->driver);
		cap_name_clean(r->driver);
	}
	r->mask = e->mask;
	r->ctx = e->ctx < DMAPOOL_NR_CTX ? e->ctx : DMAPOOL_CTX_PROCESS;
	r->free_ctx = CAP_NO_CTX;
	if (r->result == DMAPOOL_RES_OK && e->addr && live_put(&st->live, e->addr, st->cf.nr))
		st->oom = true;
	st->cf.nr++;
}

static void on_free(struct cap_state *st, const struct dmapool_cap_event *e)
{
	long idx = live_take(&st->live, e->addr);
	struct cap_rec *r;
	uint64_t t;

	if (idx < 0) {
		st->unknown_frees++;
		return;
	}
	r = &st->cf.recs[idx];
	t = rel_ns(st, e->ts_ns);
	r->freed = true;
	r->life_ns = t > r->t_ns ? t - r->t_ns : 0;
	r->free_ctx = e->ctx < DMAPOOL_NR_CTX ? e->ctx : DMAPOOL_CTX_PROCESS;
}

static int on_event(void *ctx, void *data, size_t len)
{
	const struct dmapool_cap_event *e = data;
	struct cap_state *st = ctx;

	if (len < sizeof(*e))
		return 0;
	if (e->ts_ns > st->last_ts)
		st->last_ts = e->ts_ns;
	if (e->type == DMAPOOL_CAP_ALLOC)
		on_alloc(st, e);
	else if (e->type == DMAPOOL_CAP_FREE)
		on_free(st, e);
	return 0;
}

/* A record's time and its place in the ring's order. */
struct rec_key {
	uint64_t t_ns;
	size_t i;
};

static int rec_cmp(const void *a, const void *b)
{
	const struct rec_key *x = a, *y = b;

	if (x->t_ns != y->t_ns)
		return x->t_ns < y->t_ns ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

/*
 * Records by time, equal times in the ring's order: qsort() is not stable,
 * so it sorts keys that carry the arrival index. Returns -ENOMEM.
 */
static int sort_records(struct capfile *cf)
{
	struct rec_key *k = calloc(cf->nr ? cf->nr : 1, sizeof(*k));
	struct cap_rec *out = calloc(cf->nr ? cf->nr : 1, sizeof(*out));
	size_t i;

	if (!k || !out) {
		free(k);
		free(out);
		return -ENOMEM;
	}
	for (i = 0; i < cf->nr; i++)
		k[i] = (struct rec_key){ cf->recs[i].t_ns, i };
	qsort(k, cf->nr, sizeof(*k), rec_cmp);
	for (i = 0; i < cf->nr; i++)
		out[i] = cf->recs[k[i].i];
	free(k);
	free(cf->recs);
	cf->recs = out;
	return 0;
}

/* --- meta ------------------------------------------------------------------ */

/* coherent_pool= on the kernel's command line (the last one counts). */
static void cmdline_param(struct cap_meta *m)
{
	char line[4096], *tok, *save = NULL;
	FILE *f = fopen("/proc/cmdline", "r");

	if (!f)
		return;
	if (fgets(line, sizeof(line), f)) {
		for (tok = strtok_r(line, " \t\n", &save); tok;
		     tok = strtok_r(NULL, " \t\n", &save)) {
			if (strncmp(tok, "coherent_pool=", 14) || !tok[14])
				continue;
			m->has_coherent_pool_param = true;
			snprintf(m->coherent_pool_param, sizeof(m->coherent_pool_param),
				 "%.*s", (int)sizeof(m->coherent_pool_param) - 1, tok + 14);
		}
	}
	fclose(f);
}

/* The pools' sizes from debugfs (a file for each, 0 for an absent pool). */
static int read_pools(struct cap_meta *m)
{
	char path[128];
	long long v;
	FILE *f;
	int p, n;

	for (p = 0; p < DMAPOOL_NR_POOLS; p++) {
		snprintf(path, sizeof(path), CAP_POOLS_DIR "/pool_size_%s",
			 dmapool_pool_names[p]);
		f = fopen(path, "r");
		if (!f) {
			p_err("capture: cannot read %s: %s (mount debugfs, run as root)", path,
			      strerror(errno));
			return -errno;
		}
		n = fscanf(f, "%lld", &v);
		fclose(f);
		if (n != 1 || v < 0) {
			p_err("capture: %s does not hold a size", path);
			return -EINVAL;
		}
		m->pools[p].present = v > 0;
		m->pools[p].size = (uint64_t)v;
	}
	return 0;
}

static void fill_meta(struct cap_meta *m)
{
	struct utsname u;
	time_t now = time(NULL);
	struct tm tm;

	snprintf(m->version, sizeof(m->version), "%s", DMAPOOL_VERSION);
	gmtime_r(&now, &tm);
	strftime(m->time, sizeof(m->time), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (!uname(&u)) {
		snprintf(m->kernel, sizeof(m->kernel), "%.*s", (int)sizeof(m->kernel) - 1,
			 u.release);
		snprintf(m->arch, sizeof(m->arch), "%.*s", (int)sizeof(m->arch) - 1, u.machine);
	}
	cmdline_param(m);
}

/* --- options -------------------------------------------------------------- */

static int opt_duration(const char *cmd, const struct opt *opt, const char *val,
			void *obj)
{
	struct capture_opts *o = obj;

	(void)opt;
	if (parse_duration_ns(val, &o->duration_ns) || !o->duration_ns) {
		p_err("%s: invalid --duration '%s' (e.g. 10s, 500ms; more than 0)", cmd, val);
		return -EINVAL;
	}
	return 0;
}

static const struct opt capture_opts_table[] = {
	OPT_STR_("output", 'o', struct capture_opts, output, "FILE",
		 "the capture file (default " CAP_DEFAULT_OUTPUT ")"),
	OPT_FN_("duration", 'd', "D", opt_duration, 0,
		"stop after D (10s, 500ms; default: at Ctrl-C or SIGTERM)"),
	OPT_UINT_("buffer-kb", struct capture_opts, ring_kb, "N", 4, 1u << 20, " KiB",
		  "ring buffer size, a power of 2 (default 4096); what does not\n"
		  "fit is counted in meta.dropped"),
	OPT_STR_("check", 0, struct capture_opts, check, "FILE",
		 "validate a capture file (every field, order, counts, crc32),\n"
		 "print its summary; nothing is captured"),
	OPT_REFUSE_("deterministic", NULL, "capture records real time: no icount guest"),
};

static const struct opt_group capture_group = OPT_GROUP("Options", capture_opts_table);

static const struct cmd_help capture_help = {
	.name = "capture",
	.synopsis = "[-o FILE] [--duration D] [--buffer-kb N] [--json]\n"
		    "                             | --check FILE",
	.about =
"Record the running kernel's real atomic pool traffic: every\n"
"dma_alloc_from_pool() call (time, size, gfp and the zone it asks for, the\n"
"pool that served it or the kind of failure, device, driver, coherent DMA\n"
"mask, context) and its lifetime, paired with dma_free_from_pool() by\n"
"address, plus the pools' sizes and atomic_pool_size at the start, through\n"
"fentry/fexit (no kprobe fallback: a kernel without them cannot capture). The file\n"
"is JSON Lines, schema dmapool-capture/1 (README, capfile.h), checksummed,\n"
"and appears only when complete. Blocks allocated before the start are not\n"
"known; blocks still held at the end have no lifetime (null).\n"
"\n"
"Where this host cannot load modules it runs in a guest (tools/dmapool-vm),\n"
"as run does: --duration is then needed. On x86 without memory encryption\n"
"no driver uses the pools; the guest tests drive them through the module's\n"
"test-only real_pool path.\n",
	.examples =
"  dmapool-bench capture --duration 60s -o /tmp/pi.jsonl\n"
"  dmapool-bench capture            # until Ctrl-C\n"
"  dmapool-bench capture --duration 10s --buffer-kb 16384 --json\n"
"  dmapool-bench capture --check results/latest/capture.jsonl\n",
};

static int capture_parse(struct capture_opts *o, int argc, char **argv)
{
	struct opt_use use[] = { { &capture_group, o }, { &vm_group, &o->vm } };
	int first, ret;

	ret = opts_parse(&capture_help, use, ARRAY_SIZE(use), argc, argv, &first);
	if (ret)
		return ret;
	if (first < argc) {
		p_err("capture: unexpected argument '%s'", argv[first]);
		return -EINVAL;
	}
	if (o->ring_kb & (o->ring_kb - 1)) {
		p_err("capture: --buffer-kb %u is not a power of 2", o->ring_kb);
		return -EINVAL;
	}
	if (!*o->output || o->output[strlen(o->output) - 1] == '/') {
		p_err("capture: -o '%s' must name a file", o->output);
		return -EINVAL;
	}
	if (vm_check_opts("capture", &o->vm))
		return -EINVAL;
	return 0;
}

/* --- the capture ------------------------------------------------------------ */

static void summary(const char *file, const struct capfile *cf, uint64_t unknown_frees)
{
	size_t i, j, ok = 0, held = 0, devs = 0;

	for (i = 0; i < cf->nr; i++) {
		ok += cf->recs[i].result == DMAPOOL_RES_OK;
		held += cf->recs[i].result == DMAPOOL_RES_OK && !cf->recs[i].freed;
		for (j = 0; j < i && strcmp(cf->recs[j].dev, cf->recs[i].dev); j++)
			;
		devs += j == i;
	}
	if (json_output) {
		struct json_object *s = json_object_new_object();

		json_object_object_add(s, "file", json_object_new_string(file));
		json_object_object_add(s, "records", json_object_new_uint64(cf->nr));
		json_object_object_add(s, "failed", json_object_new_uint64(cf->nr - ok));
		json_object_object_add(s, "held_at_end", json_object_new_uint64(held));
		json_object_object_add(s, "devices", json_object_new_uint64(devs));
		json_object_object_add(s, "dropped", json_object_new_uint64(cf->meta.dropped));
		if (unknown_frees != UINT64_MAX)
			json_object_object_add(s, "frees_of_earlier_blocks",
					       json_object_new_uint64(unknown_frees));
		json_object_object_add(s, "duration_ns",
				       json_object_new_uint64(cf->meta.duration_ns));
		printf("%s\n", json_object_to_json_string_ext(s, JSON_C_TO_STRING_PLAIN));
		json_object_put(s);
		return;
	}
	printf("capture: %zu records (%zu failed, %zu held at the end) from %zu device%s in %.1f s, %llu dropped: %s\n",
	       cf->nr, cf->nr - ok, held, devs, devs == 1 ? "" : "s",
	       cf->meta.duration_ns / 1e9, (unsigned long long)cf->meta.dropped, file);
	if (unknown_frees && unknown_frees != UINT64_MAX)
		printf("capture: %llu frees of blocks allocated before the start (not in the file)\n",
		       (unsigned long long)unknown_frees);
}

static int capture_here(const struct capture_opts *o)
{
	struct cap_state st = {};
	struct ring_buffer *rb = NULL;
	struct collector *col = NULL;
	struct cap_meta *m = &st.cf.meta;
	uint64_t start, end, bytes;
	const char *how;
	int err, ret = EXIT_FAIL;

	fill_meta(m);
	if (read_pools(m))
		return EXIT_FAIL;
	kcollect_capture.on = true;
	kcollect_capture.ring_bytes = o->ring_kb * 1024u;
	st.t0 = mono_ns();
	/* The capture programs are fentry/fexit ones: no kprobe fallback. */
	err = kcollect_start(&col, "fentry", &how);
	if (err)
		return EXIT_FAIL;
	if (!kcollect_traced("dma_alloc_from_pool") || !kcollect_traced("dma_free_from_pool")) {
		p_err("capture: dma_alloc_from_pool() and dma_free_from_pool() must both be traced");
		goto out;
	}
	err = kcollect_atomic_pool_size(col, &bytes);
	if (!err && bytes <= DMAPOOL_MAX_COHERENT_POOL) {
		m->has_atomic_pool_size = true;
		m->atomic_pool_size = bytes;
	} else if (verbose) {
		p_info("atomic_pool_size unknown: %s", err ? strerror(-err) : "out of range");
	}
	rb = ring_buffer__new(kcollect_capture_fd(col), on_event, &st, NULL);
	if (!rb) {
		p_err("capture: cannot read the capture ring buffer: %s", strerror(errno));
		goto out;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (!json_output)
		fprintf(stderr, "Capturing the kernel's atomic pool traffic (%s)...%s\n", how,
			o->duration_ns ? "" : " Hit Ctrl-C to end.");
	/* --duration counts from now, attached; times from before the attach. */
	start = mono_ns();
	while (!stop_capture && !st.oom &&
	       (!o->duration_ns || mono_ns() - start < o->duration_ns)) {
		err = ring_buffer__poll(rb, 100);
		if (err < 0 && err != -EINTR) {
			p_err("capture: reading the ring buffer failed: %s", strerror(-err));
			goto out;
		}
	}
	end = mono_ns();
	ring_buffer__consume(rb);
	m->dropped = kcollect_capture_dropped(col);
	ring_buffer__free(rb);
	rb = NULL;
	collect_stop(col);
	col = NULL;
	if (st.oom) {
		p_err("capture: out of memory after %zu records", st.cf.nr);
		goto out;
	}
	if (st.last_ts > end)
		end = st.last_ts;
	m->duration_ns = end - st.t0;
	m->dropped += st.no_pool_found;
	if (st.no_pool_found)
		p_info("%llu allocations served from no pool the programs could walk: counted as dropped",
		       (unsigned long long)st.no_pool_found);
	if (sort_records(&st.cf)) {
		p_err("capture: out of memory sorting %zu records", st.cf.nr);
		goto out;
	}
	if (capfile_write(o->output, &st.cf))
		goto out;
	summary(o->output, &st.cf, st.unknown_frees);
	ret = EXIT_OK;
out:
	ring_buffer__free(rb);
	if (col)
		collect_stop(col);
	free(st.live.addr);
	free(st.live.idx);
	free(st.cf.recs);
	return ret;
}

int cmd_capture(int argc, char **argv)
{
	struct capture_opts o = { .output = CAP_DEFAULT_OUTPUT, .ring_kb = CAP_DEFAULT_RING_KB };
	char dir[PATH_MAX], tmp[PATH_MAX], abs[PATH_MAX];
	int ret;

	ret = capture_parse(&o, argc, argv);
	if (ret)
		return ret > 0 ? EXIT_OK : EXIT_USAGE;
	if (o.check) {
		char err[CAP_ERR_LEN];
		struct capfile cf;

		if (capfile_load(o.check, &cf, err, sizeof(err))) {
			p_err("capture: %s", err);
			return EXIT_USAGE;
		}
		summary(o.check, &cf, UINT64_MAX);
		capfile_free(&cf);
		return EXIT_OK;
	}
	snprintf(tmp, sizeof(tmp), "%s", o.output);
	snprintf(dir, sizeof(dir), "%s", dirname(tmp));
	if (run_prepare_outdir("capture", dir, abs))
		return EXIT_USAGE;
	if (!vm_needed(o.vm.force))
		return capture_here(&o);
	if (!o.duration_ns) {
		p_err("capture: --duration is needed in a guest (nothing there can stop it)");
		return EXIT_USAGE;
	}
	o.vm.rwdir = abs;
	o.vm.cpus = 2;
	ret = vm_run(&o.vm, argc, argv);
	if (ret > EXIT_USAGE) {
		p_err("capture: the guest failed (tools/dmapool-vm exit %d)", ret);
		ret = EXIT_FAIL;
	}
	return ret;
}
