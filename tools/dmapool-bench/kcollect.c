// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel target: load bpf/kpool.bpf.c on the running kernel's own
 * atomic pool functions. Argument positions are read from the kernel's BTF;
 * the pools' gen_pool pointers are found through kallsyms; fentry/fexit are
 * tried first and kprobes are the fallback, as bcc's libbpf-tools do.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/utsname.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "collect.h"
#include "kcollect.h"
#include "kpool.skel.h"
#include "main.h"
#include "pool_logic.h"
#include "spec.h"

#define KCOLLECT_DEBUGFS "/sys/kernel/debug/dma_pools"

struct ksyms {
	bool have_alloc;
	unsigned long long pool_var[DMAPOOL_NR_POOLS];
	unsigned long long pool_size_var;	/* &atomic_pool_size, or 0 */
	int sem;			/* enum dmapool_sem */
	const char *sem_from;
};

struct kcapture_opts kcollect_capture;
static int kcollect_sem = -1;
static const char *kcollect_sem_from;

static int read_kallsyms(struct ksyms *k)
{
	char line[512], name[256], type;
	unsigned long long addr;
	bool zero_addrs = false;
	FILE *f = fopen("/proc/kallsyms", "r");
	int p;

	memset(k, 0, sizeof(*k));
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx %c %255s", &addr, &type, name) != 3)
			continue;
		if (!strcmp(name, "dma_alloc_from_pool")) {
			k->have_alloc = true;
			zero_addrs = !addr;
		}
		p = strncmp(name, "atomic_pool_", 12) ? -1 :
		    dmapool_name_index(DMAPOOL_NAMES_POOL, name + 12, strlen(name + 12));
		if (p >= 0)
			k->pool_var[p] = addr;
		if (!strcmp(name, "atomic_pool_size"))
			k->pool_size_var = addr;
	}
	fclose(f);
	return zero_addrs ? -EPERM : 0;
}

/*
 * The kernel functions the programs trace, each a view of its own: when one
 * cannot be traced (not in the kernel's BTF, inlined or renamed like an
 * .isra clone, or without a parameter we read) only its programs are left
 * out, with one line saying so.
 */
enum kfunc { KF_ALLOC, KF_FREE, KF_EXPAND, KF_WORK, NR_KF };

static const struct {
	const char *name;
	const char *view;		/* what is not traced without it */
	const char *prog;		/* its programs: fe_, fx_, kp_, kr_ + this */
} kfuncs[NR_KF] = {
	[KF_ALLOC] = { "dma_alloc_from_pool", "allocations", "alloc" },
	[KF_FREE] = { "dma_free_from_pool", "frees", "free" },
	[KF_EXPAND] = { "atomic_pool_expand", "expansions", "expand" },
	[KF_WORK] = { "atomic_pool_work_fn", "expansion worker runs", "work" },
};

/* The parameters the programs read, and where their positions go. */
static const struct {
	enum kfunc func;
	const char *param;
	size_t off;
} kargs[] = {
#define ARG(f, p, field) { f, p, offsetof(struct kpool_bpf__rodata, field) }
	ARG(KF_ALLOC, "size", alloc_arg_size),
	ARG(KF_ALLOC, "cpu_addr", alloc_arg_cpu_addr),
	ARG(KF_ALLOC, "gfp", alloc_arg_gfp),
	ARG(KF_ALLOC, "phys_addr_ok", alloc_arg_phys_ok),
	ARG(KF_ALLOC, "dev", alloc_arg_dev),
	ARG(KF_FREE, "start", free_arg_start),
	ARG(KF_FREE, "size", free_arg_size),
	ARG(KF_EXPAND, "pool", expand_arg_pool),
	ARG(KF_EXPAND, "pool_size", expand_arg_size),
#undef ARG
};

/* What the kernel's BTF says, looked up once for both attach modes. */
struct kbtf {
	bool have_btf;
	bool untraced[NR_KF];
	__u32 pos[ARRAY_SIZE(kargs)];
};

static bool untraced[NR_KF];	/* of the running collector */

/*
 * TEST ONLY: DMAPOOL_TEST_BTF_HIDE=FUNC[:PARAM][,...] makes the lookup act
 * as if FUNC (or its parameter PARAM) were missing from the kernel's BTF.
 */
static bool test_hidden(const char *func, const char *param)
{
	const char *v = getenv("DMAPOOL_TEST_BTF_HIDE");
	char want[128];
	size_t n;

	if (!v)
		return false;
	snprintf(want, sizeof(want), "%s%s%s", func, param ? ":" : "",
		 param ? param : "");
	n = strlen(want);
	for (; *v; v += strcspn(v, ","), v += *v == ',')
		if (!strncmp(v, want, n) && (v[n] == ',' || !v[n]))
			return true;
	return false;
}

/*
 * The position of @param among @func's parameters in the kernel's BTF:
 * -ENOENT when @func is not there, -ESRCH when it lacks @param.
 */
static int param_index(const struct btf *btf, const char *func,
		       const char *param)
{
	const struct btf_type *t;
	const struct btf_param *p;
	int id, i;

	id = btf__find_by_name_kind(btf, func, BTF_KIND_FUNC);
	if (id < 0 || test_hidden(func, NULL))
		return -ENOENT;
	t = btf__type_by_id(btf, btf__type_by_id(btf, id)->type);
	if (!t || !btf_is_func_proto(t))
		return -ENOENT;
	if (!param)
		return 0;
	if (test_hidden(func, param))
		return -ESRCH;
	p = btf_params(t);
	for (i = 0; i < btf_vlen(t); i++)
		if (!strcmp(btf__name_by_offset(btf, p[i].name_off), param))
			return i;
	return -ESRCH;
}

/* One stderr line, also under --json (stdout stays one object a line). */
static void say_untraced(enum kfunc f, const char *why)
{
	fprintf(stderr, "dmapool-bench: monitor: %s() %s: %s not traced\n",
		kfuncs[f].name, why, kfuncs[f].view);
}

/*
 * Look every function and parameter up in the kernel's BTF; a function
 * missing, or missing a parameter, is left untraced (one line each). No BTF
 * at all: the compiled-in 6.1 positions, for kprobes only.
 */
static int lookup_btf(struct kbtf *kb)
{
	struct btf *btf = btf__load_vmlinux_btf();
	char why[160];
	size_t i;
	int f, idx, left = 0;

	memset(kb, 0, sizeof(*kb));
	kb->have_btf = btf != NULL;
	if (!btf)
		return 0;
	for (f = 0; f < NR_KF; f++) {
		if (param_index(btf, kfuncs[f].name, NULL) < 0) {
			kb->untraced[f] = true;
			say_untraced(f, "is not in this kernel's BTF (inlined or renamed)");
		}
	}
	for (i = 0; i < ARRAY_SIZE(kargs); i++) {
		f = kargs[i].func;
		if (kb->untraced[f])
			continue;
		idx = param_index(btf, kfuncs[f].name, kargs[i].param);
		if (idx < 0) {
			kb->untraced[f] = true;
			snprintf(why, sizeof(why),
				 "in this kernel's BTF has no parameter '%s'",
				 kargs[i].param);
			say_untraced(f, why);
			continue;
		}
		kb->pos[i] = idx;
	}
	btf__free(btf);
	for (f = 0; f < NR_KF; f++)
		left += !kb->untraced[f];
	if (!left) {
		p_err("monitor: none of the kernel's pool functions can be traced");
		return -ENOENT;
	}
	return 0;
}

static long long read_ll(const char *path);

/*
 * The pool rules the running kernel follows (enum dmapool_sem), decided as
 * the module decides them (bench-module/zones.c): by the pools it created
 * where the two rule sets differ here, else by its version. @from says
 * which decided.
 */
static int kernel_sem(const char **from)
{
	static const char * const zone_pool[DMAPOOL_NR_POOLS] = {
		[DMAPOOL_POOL_DMA] = "DMA", [DMAPOOL_POOL_DMA32] = "DMA32",
		[DMAPOOL_POOL_KERNEL] = "Normal",
	};
	unsigned int present = 0, managed = 0, major = 0, minor = 0;
	char line[256], zone[32] = "", path[128];
	unsigned long long n;
	bool have_dma32 = false;
	struct utsname u;
	int p = -1, probe;
	FILE *f;

	if (!uname(&u))
		sscanf(u.release, "%u.%u", &major, &minor);
	*from = "version";
	f = fopen("/proc/zoneinfo", "r");
	if (!f)
		return dmapool_sem_of_version(major, minor);
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "Node %*d, zone %31s", zone) == 1) {
			for (p = 0; p < DMAPOOL_NR_POOLS; p++)
				if (!strcmp(zone, zone_pool[p]))
					break;
			have_dma32 |= p == DMAPOOL_POOL_DMA32;
		} else if (sscanf(line, " managed %llu", &n) == 1 &&
			   p >= 0 && p < DMAPOOL_NR_POOLS && n) {
			managed |= 1u << p;
		}
	}
	fclose(f);
	for (p = 0; p < DMAPOOL_NR_POOLS; p++) {
		snprintf(path, sizeof(path), KCOLLECT_DEBUGFS "/pool_size_%s",
			 dmapool_pool_names[p]);
		if (read_ll(path) > 0)
			present |= 1u << p;
	}
	probe = present ? dmapool_sem_probe(present, managed, have_dma32) : -1;
	if (probe < 0)
		return dmapool_sem_of_version(major, minor);
	*from = "probe";
	return probe;
}

/* Open, configure and load one program set: fentry/fexit or kprobes. */
static int open_load(struct kpool_bpf **out, const struct ksyms *k,
		     const struct kbtf *kb, bool kprobe)
{
	struct kpool_bpf *skel;
	struct bpf_program *prog;
	size_t i;
	int err, p, f;

	if (!kb->have_btf && !kprobe)
		return -ENOENT;	/* fentry needs the kernel's BTF */
	skel = kpool_bpf__open();
	if (!skel)
		return -errno;
	for (p = 0; p < DMAPOOL_NR_POOLS; p++)
		skel->rodata->pool_var[p] = k->pool_var[p];
	skel->rodata->sem = k->sem;
	skel->rodata->track_blocks = collect_track.on;
	skel->rodata->collect_stacks = collect_track.on && collect_track.stacks;
	skel->rodata->key_stacks = skel->rodata->collect_stacks && collect_track.key_stacks;
	collect_track_maps(skel->maps.blocks, skel->maps.holders);
	if (kcollect_capture.on) {
		skel->rodata->atomic_pool_size_var = k->pool_size_var;
		bpf_map__set_max_entries(skel->maps.cap_events, kcollect_capture.ring_bytes);
	}
	bpf_map__set_max_entries(skel->maps.kstacks, skel->rodata->collect_stacks ?
				 DMAPOOL_MAX_STACKS : 1);
	for (i = 0; kb->have_btf && i < ARRAY_SIZE(kargs); i++)
		if (!kb->untraced[kargs[i].func])
			*(__u32 *)((char *)skel->rodata + kargs[i].off) = kb->pos[i];
	if (!kb->have_btf && verbose)
		p_info("no kernel BTF: assuming the 6.1 argument positions");
	bpf_object__for_each_program(prog, skel->obj) {
		const char *name = bpf_program__name(prog);
		bool is_kprobe = name[0] == 'k', on = is_kprobe == kprobe;

		/* Capture's own fentry/fexit programs: only when capturing. */
		if (prog == skel->progs.fx_alloc_cap || prog == skel->progs.fe_free_cap) {
			bpf_program__set_autoload(prog, kcollect_capture.on && !kprobe &&
						  !kb->untraced[KF_ALLOC] &&
						  !kb->untraced[KF_FREE]);
			continue;
		}
		if (prog == skel->progs.walk_pools) {
			/* Run by kcollect_walk(), never attached. */
			bpf_program__set_autoattach(prog, false);
			continue;
		}

		for (f = 0; f < NR_KF; f++)
			if (kb->untraced[f] && !strcmp(name + 3, kfuncs[f].prog))
				on = false;
		bpf_program__set_autoload(prog, on);
	}
	err = kpool_bpf__load(skel);
	if (!err)
		err = kpool_bpf__attach(skel);
	if (err)
		goto fail;
	*out = skel;
	return 0;
fail:
	kpool_bpf__destroy(skel);
	return err;
}

struct json_object *kcollect_untraced(void)
{
	struct json_object *a = json_object_new_array();
	int f;

	for (f = 0; f < NR_KF; f++)
		if (untraced[f])
			json_object_array_add(a, json_object_new_string(kfuncs[f].name));
	return a;
}

bool kcollect_traced(const char *func)
{
	int f;

	for (f = 0; f < NR_KF; f++)
		if (!strcmp(func, kfuncs[f].name))
			return !untraced[f];
	return false;
}

static void destroy_kpool(void *skel)
{
	kpool_bpf__destroy(skel);
}

int kcollect_start(struct collector **out, const char *want, const char **how)
{
	struct kpool_bpf *skel = NULL;
	struct collector *c;
	struct ksyms k;
	struct kbtf kb;
	int err, ferr = -ENOENT;

	err = read_kallsyms(&k);
	if (err == -EPERM) {
		p_err("monitor: /proc/kallsyms hides addresses (kptr_restrict): run as root");
		return err;
	}
	if (err || !k.have_alloc) {
		p_err("monitor: this kernel has no atomic DMA pool (no dma_alloc_from_pool in /proc/kallsyms: CONFIG_DMA_COHERENT_POOL is off)");
		return -ENOENT;
	}
	/*
	 * Data symbols are in kallsyms only with CONFIG_KALLSYMS_ALL (Debian's
	 * 6.1 arm64 kernel has it off): the programs then cannot tell the
	 * pools apart by their gen_pool pointers. Said on stderr with --json
	 * too: the intervals only show it as unknown (-1) values.
	 */
	if (!k.pool_var[DMAPOOL_POOL_DMA] && !k.pool_var[DMAPOOL_POOL_DMA32] &&
	    !k.pool_var[DMAPOOL_POOL_KERNEL])
		fprintf(stderr, "dmapool-bench: monitor: atomic_pool_{dma,dma32,kernel} are not in /proc/kallsyms (kernel without CONFIG_KALLSYMS_ALL): avail, largest free and expansion events unknown; sizes from debugfs\n");
	k.sem = kernel_sem(&k.sem_from);
	kcollect_sem = k.sem;
	kcollect_sem_from = k.sem_from;
	if (verbose)
		p_info("the kernel's pool rules: %s (from its %s)",
		       dmapool_sem_names[k.sem], k.sem_from);
	err = lookup_btf(&kb);
	if (err)
		return err;
	memcpy(untraced, kb.untraced, sizeof(untraced));
	libbpf_set_print(collect_libbpf_print);
	if (strcmp(want, "kprobe")) {
		ferr = open_load(&skel, &k, &kb, false);
		*how = "fentry";
		if (ferr && !strcmp(want, "fentry")) {
			p_err("monitor: --attach fentry: the fentry/fexit programs did not load or attach: %s",
			      strerror(-ferr));
			return ferr;
		}
		if (ferr && verbose)
			p_info("fentry/fexit did not attach (%s), trying kprobes",
			       strerror(-ferr));
	}
	if (!skel) {
		err = open_load(&skel, &k, &kb, true);
		*how = "kprobe";
		if (err) {
			p_err("monitor: nothing attaches to the kernel's pool functions (fentry: %s; kprobe: %s)",
			      strcmp(want, "kprobe") ? strerror(-ferr) : "not tried",
			      strerror(-err));
			return err;
		}
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		kpool_bpf__destroy(skel);
		return -ENOMEM;
	}
	err = collect_init(c, skel->obj, destroy_kpool, skel);
	if (err) {
		p_err("monitor: cannot set up the BPF maps: %s", strerror(-err));
		collect_stop(c);
		return err;
	}
	c->nr_samples = &skel->bss->nr_samples;
	c->fail_fd = bpf_map__fd(skel->maps.fail_events);
	if (skel->rodata->collect_stacks)
		c->stacks_fd = bpf_map__fd(skel->maps.kstacks);
	*out = c;
	return 0;
}

int kcollect_walk(struct collector *c)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts);
	struct kpool_bpf *skel = c->skel;

	return bpf_prog_test_run_opts(bpf_program__fd(skel->progs.walk_pools), &opts);
}

static long long read_ll(const char *path)
{
	long long v = -1;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	if (fscanf(f, "%lld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

struct json_object *kcollect_pools(struct collector *c)
{
	struct kpool_bpf *skel = c->skel;
	struct json_object *pools = json_object_new_object();
	char path[128];
	int p;

	for (p = 0; p < DMAPOOL_NR_POOLS; p++) {
		struct json_object *o = json_object_new_object();
		long long size;

		snprintf(path, sizeof(path), KCOLLECT_DEBUGFS "/pool_size_%s",
			 dmapool_pool_names[p]);
		size = read_ll(path);
		/* debugfs keeps a file for every pool, 0 for absent ones. */
		json_object_object_add(o, "present", json_object_new_int(size > 0));
		json_object_object_add(o, "size", json_object_new_int64(size));
		/* As walked by the programs at the pool's last event; -1: none yet. */
		json_object_object_add(o, "size_walked", json_object_new_int64(
			skel->bss->pool_size[p] ? (long long)skel->bss->pool_size[p] : -1));
		json_object_object_add(o, "avail", json_object_new_int64(
			skel->bss->pool_size[p] ? (long long)skel->bss->pool_avail[p] : -1));
		json_object_object_add(o, "largest_free", json_object_new_int64(-1));
		json_object_object_add(o, "expansions", json_object_new_int64(
			skel->bss->pool_expansions[p]));
		json_object_object_add(pools, dmapool_pool_names[p], o);
	}
	/* As the module's [config]: which rules the fallbacks are judged by. */
	if (kcollect_sem >= 0) {
		struct json_object *cfg = json_object_new_object();

		json_object_object_add(cfg, "semantics",
				       json_object_new_string(dmapool_sem_names[kcollect_sem]));
		json_object_object_add(cfg, "semantics_from",
				       json_object_new_string(kcollect_sem_from));
		json_object_object_add(pools, "config", cfg);
	}
	return pools;
}

bool kcollect_debugfs_ok(void)
{
	return access(KCOLLECT_DEBUGFS "/pool_size_kernel", R_OK) == 0;
}

int kcollect_capture_fd(struct collector *c)
{
	struct kpool_bpf *skel = c->skel;

	return bpf_map__fd(skel->maps.cap_events);
}

uint64_t kcollect_capture_dropped(struct collector *c)
{
	struct kpool_bpf *skel = c->skel;

	return __atomic_load_n(&skel->bss->cap_dropped, __ATOMIC_RELAXED);
}

int kcollect_atomic_pool_size(struct collector *c, uint64_t *bytes)
{
	struct kpool_bpf *skel = c->skel;
	int err;

	if (!skel->rodata->atomic_pool_size_var)
		return -ENOENT;
	err = kcollect_walk(c);
	if (err)
		return err;
	*bytes = skel->bss->atomic_pool_size_now;
	return *bytes ? 0 : -ENODATA;
}
