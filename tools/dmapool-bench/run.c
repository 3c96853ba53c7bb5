// SPDX-License-Identifier: GPL-2.0
/*
 * dmapool-bench run: load the module with the pool options, attach the BPF
 * programs, start the load through the control file, wait, read the maps and
 * the module's stats, detach, write DIR/result.json and CSVs, print a summary.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "collect.h"
#include "dmapool.h"
#include "kmod.h"
#include "main.h"
#include "result.h"
#include "spec.h"
#include "vm.h"

#ifndef DMAPOOL_VERSION
#define DMAPOOL_VERSION "unknown"
#endif

#define RUN_DEFAULT_SPEC \
	"ctx=hardirq cpus=0-1 duration_ms=2000 size=4K:8,8K:4,16K:2,64K hold=ops:32"

static const char run_usage[] =
"Usage: dmapool-bench run [OPTIONS]\n"
"\n"
"Run one workload of the module's load generator, measure it with BPF and\n"
"write DIR/result.json (schema " RESULT_SCHEMA ") plus CSVs for gnuplot.\n"
"On a host that cannot load modules it runs itself in tools/dmapool-vm.\n"
"\n"
"Workload (the module's spec keys; defaults: " RUN_DEFAULT_SPEC "):\n"
"  --ctx CTX              hardirq, softirq, atomic, process\n"
"  --cpus LIST            CPUs to load, e.g. 0-1\n"
"  --duration DUR         measured time, e.g. 2s, 500ms\n"
"  --ops N                operations per CPU instead of a duration\n"
"  --period DUR           timer period or sleep between batches (e.g. 100us)\n"
"  --batch N              operations per expiry\n"
"  --size SPEC            4K | 4K,16K:3 | uniform:4K-64K | loguniform:4K-1M\n"
"  --hold SPEC            0 | ops:N | us:N | deferred\n"
"  --zone SPEC            kernel | kernel:3,dma32 ...\n"
"  --mask BITS            simulated device coherent mask, 24..64\n"
"  --burst ON/OFF         burst pattern in ms\n"
"  --seed N               PRNG seed\n"
"  --warmup DUR           run this long before counting\n"
"  --max-outstanding N    held blocks per CPU\n"
"  --spec 'KEY=VALUE ...' any spec keys verbatim\n"
"Pools (module parameters; the module is reloaded when they change):\n"
"  --coherent-pool SIZE   pool size like the kernel's coherent_pool= (default: the kernel's rule)\n"
"  --remap                vmap() pool blocks (DMA_DIRECT_REMAP cost)\n"
"  --state-period MS      pool_state sampling period for the timeline (default 50)\n"
"Output:\n"
"  -o, --output DIR       result directory (default results/latest)\n"
"  --repeat N             N runs in one module load (default 1)\n"
"  --plot                 also render plots (PNG and SVG) into DIR\n"
"  --module PATH          the dmapool_bench.ko to load\n"
"  --attach MODE          auto, tp_btf or tracepoint (default auto)\n"
"Guest (tools/dmapool-vm):\n"
"  --vm                   run in a guest even if this host loads modules\n"
"  --kernel VER           guest kernel (default: newest installed)\n"
"  --vm-mem SIZE          guest memory (default 2G)\n"
"  --deterministic        guest with -icount: latencies in instruction-time\n"
"\n"
"Examples:\n"
"  dmapool-bench run --plot\n"
"  dmapool-bench run --ctx softirq --cpus 0 --ops 100000 --size loguniform:4K-256K --hold ops:64 -o /tmp/r\n"
"  dmapool-bench run --coherent-pool 128K --mask 32 --zone kernel:3,dma32 --repeat 5 --json\n";

struct run_opts {
	char spec_line[DMAPOOL_MAX_SPEC_LEN + 256];
	struct dmapool_spec spec;
	const char *coherent_pool;
	bool remap;
	unsigned int state_period_ms;
	const char *outdir;
	unsigned int repeat;
	bool plot;
	const char *module;
	const char *attach;
	bool force_vm;
	struct vm_opts vm;
};

static volatile sig_atomic_t interrupted;

static void on_sigint(int sig)
{
	(void)sig;
	interrupted = 1;
}

static int add_key(struct run_opts *o, const char *key, const char *val)
{
	size_t used = strlen(o->spec_line);

	if (strchr(val, ' ') && strcmp(key, "")) {
		p_err("run: --%s '%s' must not contain spaces", key, val);
		return -EINVAL;
	}
	snprintf(o->spec_line + used, sizeof(o->spec_line) - used, "%s%s%s%s",
		 used ? " " : "", key, *key ? "=" : "", val);
	return 0;
}

/* A duration option into a spec key in @unit_ns units. */
static int add_duration(struct run_opts *o, const char *opt, const char *key,
			const char *val, uint64_t unit_ns)
{
	char num[32];
	uint64_t ns;

	if (parse_duration_ns(val, &ns) || ns % unit_ns) {
		p_err("run: invalid --%s '%s' (a duration such as 2s, 500ms%s)",
		      opt, val, unit_ns < 1000000 ? ", 100us" : "");
		return -EINVAL;
	}
	snprintf(num, sizeof(num), "%llu", (unsigned long long)(ns / unit_ns));
	return add_key(o, key, num);
}

static int parse_run_opts(struct run_opts *o, int argc, char **argv)
{
	enum {
		O_CTX = 256, O_CPUS, O_DURATION, O_OPS, O_PERIOD, O_BATCH,
		O_SIZE, O_HOLD, O_ZONE, O_MASK, O_BURST, O_SEED, O_WARMUP,
		O_MAXOUT, O_SPEC, O_CP, O_REMAP, O_STATE, O_REPEAT, O_PLOT,
		O_MODULE, O_VM, O_KERNEL, O_VMMEM, O_DET, O_ATTACH,
	};
	static const struct option opts[] = {
		{ "ctx", required_argument, NULL, O_CTX },
		{ "cpus", required_argument, NULL, O_CPUS },
		{ "duration", required_argument, NULL, O_DURATION },
		{ "ops", required_argument, NULL, O_OPS },
		{ "period", required_argument, NULL, O_PERIOD },
		{ "batch", required_argument, NULL, O_BATCH },
		{ "size", required_argument, NULL, O_SIZE },
		{ "hold", required_argument, NULL, O_HOLD },
		{ "zone", required_argument, NULL, O_ZONE },
		{ "mask", required_argument, NULL, O_MASK },
		{ "burst", required_argument, NULL, O_BURST },
		{ "seed", required_argument, NULL, O_SEED },
		{ "warmup", required_argument, NULL, O_WARMUP },
		{ "max-outstanding", required_argument, NULL, O_MAXOUT },
		{ "spec", required_argument, NULL, O_SPEC },
		{ "coherent-pool", required_argument, NULL, O_CP },
		{ "remap", no_argument, NULL, O_REMAP },
		{ "state-period", required_argument, NULL, O_STATE },
		{ "output", required_argument, NULL, 'o' },
		{ "repeat", required_argument, NULL, O_REPEAT },
		{ "plot", no_argument, NULL, O_PLOT },
		{ "module", required_argument, NULL, O_MODULE },
		{ "attach", required_argument, NULL, O_ATTACH },
		{ "vm", no_argument, NULL, O_VM },
		{ "kernel", required_argument, NULL, O_KERNEL },
		{ "vm-mem", required_argument, NULL, O_VMMEM },
		{ "deterministic", no_argument, NULL, O_DET },
		{ "json", no_argument, NULL, 'j' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct { int id; const char *key; } plain[] = {
		{ O_CTX, "ctx" }, { O_CPUS, "cpus" }, { O_OPS, "ops" },
		{ O_BATCH, "batch" }, { O_SIZE, "size" }, { O_HOLD, "hold" },
		{ O_ZONE, "zone" }, { O_MASK, "mask" }, { O_BURST, "burst" },
		{ O_SEED, "seed" }, { O_MAXOUT, "max_outstanding" },
	};
	bool have_ctx = false, have_cpus = false, have_len = false;
	char err[DMAPOOL_SPEC_ERR_LEN], *end;
	unsigned long v;
	size_t i;
	int c;

	o->outdir = "results/latest";
	o->attach = "auto";
	o->repeat = 1;
	o->state_period_ms = 50;
	o->vm.mem = "2G";
	opterr = 0;
	while ((c = getopt_long(argc, argv, "o:jvh", opts, NULL)) != -1) {
		for (i = 0; i < sizeof(plain) / sizeof(plain[0]); i++)
			if (plain[i].id == c && add_key(o, plain[i].key, optarg))
				return -EINVAL;
		switch (c) {
		case O_CTX:
			have_ctx = true;
			break;
		case O_CPUS:
			have_cpus = true;
			break;
		case O_OPS:
			have_len = true;
			break;
		case O_DURATION:
			have_len = true;
			if (add_duration(o, "duration", "duration_ms", optarg, 1000000))
				return -EINVAL;
			break;
		case O_PERIOD:
			if (add_duration(o, "period", "period_us", optarg, 1000))
				return -EINVAL;
			break;
		case O_WARMUP:
			if (add_duration(o, "warmup", "warmup_ms", optarg, 1000000))
				return -EINVAL;
			break;
		case O_SPEC:
			have_ctx |= strstr(optarg, "ctx=") != NULL;
			have_cpus |= strstr(optarg, "cpus=") != NULL;
			have_len |= strstr(optarg, "duration_ms=") || strstr(optarg, "ops=");
			if (add_key(o, "", optarg))
				return -EINVAL;
			break;
		case O_CP:
			o->coherent_pool = optarg;
			break;
		case O_REMAP:
			o->remap = true;
			break;
		case O_STATE:
			errno = 0;
			v = strtoul(optarg, &end, 10);
			if (errno || *end || !*optarg || v > DMAPOOL_MAX_STATE_PERIOD_MS) {
				p_err("run: invalid --state-period '%s' (0..%u ms)", optarg,
				      DMAPOOL_MAX_STATE_PERIOD_MS);
				return -EINVAL;
			}
			o->state_period_ms = v;
			break;
		case 'o':
			o->outdir = optarg;
			break;
		case O_REPEAT:
			errno = 0;
			v = strtoul(optarg, &end, 10);
			if (errno || *end || !*optarg || !v || v > 1000) {
				p_err("run: invalid --repeat '%s' (1..1000)", optarg);
				return -EINVAL;
			}
			o->repeat = v;
			break;
		case O_PLOT:
			o->plot = true;
			break;
		case O_MODULE:
			o->module = optarg;
			break;
		case O_ATTACH:
			if (strcmp(optarg, "auto") && strcmp(optarg, "tp_btf") &&
			    strcmp(optarg, "tracepoint")) {
				p_err("run: invalid --attach '%s' (auto, tp_btf or tracepoint)",
				      optarg);
				return -EINVAL;
			}
			o->attach = optarg;
			break;
		case O_VM:
			o->force_vm = true;
			break;
		case O_KERNEL:
			o->vm.kernel = optarg;
			o->force_vm = true;
			break;
		case O_VMMEM:
			o->vm.mem = optarg;
			break;
		case O_DET:
			o->vm.deterministic = true;
			o->force_vm = true;
			break;
		case 'j':
			json_output = true;
			break;
		case 'v':
			verbose++;
			break;
		case 'h':
			fputs(run_usage, stdout);
			exit(EXIT_OK);
		case '?':
			p_err("run: unknown option or missing value: '%s' (see 'dmapool-bench run --help')",
			      argv[optind - 1]);
			return -EINVAL;
		default:
			break;
		}
	}
	if (optind < argc) {
		p_err("run: unexpected argument '%s'", argv[optind]);
		return -EINVAL;
	}
	/* The defaults of the default workload, where not given. */
	if (!have_ctx)
		add_key(o, "ctx", "hardirq");
	if (!have_cpus)
		add_key(o, "cpus", o->vm.deterministic ? "0" : "0-1");
	if (!have_len)
		add_key(o, "duration_ms", "2000");
	if (!strstr(o->spec_line, "size="))
		add_key(o, "size", "4K:8,8K:4,16K:2,64K");
	if (!strstr(o->spec_line, "hold="))
		add_key(o, "hold", "ops:32");
	if (dmapool_spec_parse(o->spec_line, &o->spec, err, sizeof(err))) {
		p_err("run: %s", err);
		return -EINVAL;
	}
	if (o->coherent_pool) {
		__u64 bytes;

		if (dmapool_parse_bytes(o->coherent_pool, strlen(o->coherent_pool),
					&bytes) || bytes > DMAPOOL_MAX_COHERENT_POOL) {
			p_err("run: invalid --coherent-pool '%s' (a size such as 256K, at most 1G)",
			      o->coherent_pool);
			return -EINVAL;
		}
	}
	return 0;
}

/* Create the output directory (and parents); exit-2 material if we cannot. */
static int prepare_outdir(const char *dir, char *abs, size_t len)
{
	char tmp[PATH_MAX], *p;

	if (!*dir) {
		p_err("run: empty output directory name");
		return -EINVAL;
	}
	snprintf(tmp, sizeof(tmp), "%s", dir);
	for (p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		mkdir(tmp, 0755);
		*p = '/';
	}
	if (mkdir(tmp, 0755) && errno != EEXIST) {
		p_err("run: cannot create output directory '%s': %s", dir,
		      strerror(errno));
		return -errno;
	}
	if (access(dir, W_OK | X_OK) || !realpath(dir, abs)) {
		p_err("run: output directory '%s' is not writable: %s", dir,
		      strerror(errno));
		return -EACCES;
	}
	(void)len;
	return 0;
}

static const char *guest_accel(void)
{
	char line[256];
	const char *accel = "native";
	FILE *f = fopen("/proc/cpuinfo", "r");

	if (!f)
		return "unknown";
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "model name", 10) && strstr(line, "TCG")) {
			accel = "tcg";
			break;
		}
		if (!strncmp(line, "flags", 5) && strstr(line, " hypervisor")) {
			accel = "kvm";
			break;
		}
	}
	fclose(f);
	return accel;
}

static struct json_object *make_meta(const struct run_opts *o, const char *how)
{
	struct json_object *m = json_object_new_object(), *pools, *cfg, *b;
	char line[DMAPOOL_MAX_SPEC_LEN + 1];
	struct utsname u;
	time_t now = time(NULL);
	char stamp[32];
	long mem_kb = 0;
	FILE *f;

	uname(&u);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	dmapool_spec_format(&o->spec, line, sizeof(line));
	f = fopen("/proc/meminfo", "r");
	if (f) {
		if (fscanf(f, "MemTotal: %ld kB", &mem_kb) != 1)
			mem_kb = 0;
		fclose(f);
	}
	json_object_object_add(m, "version", json_object_new_string(DMAPOOL_VERSION));
	json_object_object_add(m, "time", json_object_new_string(stamp));
	json_object_object_add(m, "kernel", json_object_new_string(u.release));
	json_object_object_add(m, "accel", json_object_new_string(guest_accel()));
	json_object_object_add(m, "deterministic", json_object_new_boolean(
		getenv("DMAPOOL_VM_DETERMINISTIC") &&
		!strcmp(getenv("DMAPOOL_VM_DETERMINISTIC"), "1")));
	json_object_object_add(m, "latency_unit", json_object_new_string(
		o->vm.deterministic || (getenv("DMAPOOL_VM_DETERMINISTIC") &&
		!strcmp(getenv("DMAPOOL_VM_DETERMINISTIC"), "1")) ?
		"instruction-time ns (icount)" : "ns"));
	json_object_object_add(m, "mem_mb", json_object_new_int64(mem_kb / 1024));
	json_object_object_add(m, "cpus", json_object_new_int64(sysconf(_SC_NPROCESSORS_ONLN)));
	json_object_object_add(m, "spec", json_object_new_string(line));
	json_object_object_add(m, "seed", json_object_new_uint64(o->spec.seed));
	json_object_object_add(m, "coherent_pool_param", o->coherent_pool ?
			       json_object_new_string(o->coherent_pool) : NULL);
	json_object_object_add(m, "remap", json_object_new_boolean(o->remap));
	json_object_object_add(m, "bpf_attach", json_object_new_string(how));
	pools = kmod_pools();
	if (pools && json_object_object_get_ex(pools, "config", &cfg))
		json_object_object_add(m, "coherent_pool",
				       json_object_new_uint64(jget_u64(cfg, "target")));
	json_object_object_add(m, "pools_at_start", pools);
	b = json_object_new_object();
	json_object_object_add(b, "scheme", json_object_new_string("log-linear"));
	json_object_object_add(b, "sub_bits", json_object_new_int(DMAPOOL_HIST_SUB_BITS));
	json_object_object_add(b, "max_pow", json_object_new_int(DMAPOOL_HIST_MAX_POW));
	json_object_object_add(m, "buckets", b);
	return m;
}

/*
 * BPF saw every tracepoint hit of the run, the module counted every
 * operation: they must agree (warmup operations are BPF-only, and events a
 * nested BPF invocation missed are reported by the kernel).
 */
/* Does the kernel count what a nested classic-tracepoint program drops? */
static bool misses_counted(const char *how)
{
	struct utsname u;
	int major = 0, minor = 0;

	if (!strcmp(how, "tp_btf"))
		return true;
	/* trace_call_bpf() reports its drops in recursion_misses from 6.7. */
	uname(&u);
	sscanf(u.release, "%d.%d", &major, &minor);
	return major > 6 || (major == 6 && minor >= 7);
}

static bool crosscheck(struct json_object *run, const struct dmapool_spec *spec,
		       bool exact)
{
	struct json_object *ms = json_object_object_get(run, "module_stats");
	struct json_object *ctr = json_object_object_get(run, "counters");
	struct json_object *lost = json_object_object_get(run, "lost");
	struct json_object *fb = json_object_object_get(ctr, "fallbacks");
	struct json_object *cc = json_object_new_object();
	struct json_object *by = json_object_object_get(lost, "recursion_misses_by_event");
	uint64_t bpf_fb = 0, misses;
	uint64_t bpf_allocs = jget_u64(ctr, "allocs"), bpf_frees = jget_u64(ctr, "frees");
	uint64_t bpf_ops = bpf_allocs + jget_u64(ctr, "fails");
	char msg[512] = "";
	size_t i;
	bool ok;

	for (i = 0; fb && i < json_object_array_length(fb); i++)
		bpf_fb += jget_u64(json_object_array_get_idx(fb, i), "count");
#define CHECK(name, event, bpf, mod)					\
	do {								\
		uint64_t b_ = (bpf), m_ = (mod);			\
		misses = jget_u64(by, event);				\
		bool good = spec->warmup_ms ? b_ + misses >= m_ || !exact : \
			    b_ <= m_ && (b_ + misses >= m_ || !exact);	\
		if (!good)						\
			snprintf(msg + strlen(msg), sizeof(msg) - strlen(msg), \
				 "%s%s: bpf %llu, module %llu", *msg ? "; " : "", \
				 name, (unsigned long long)b_,		\
				 (unsigned long long)m_);		\
	} while (0)
	CHECK("ops", "pool_alloc", bpf_ops, jget_u64(ms, "ops"));
	CHECK("allocs", "pool_alloc", bpf_allocs, jget_u64(ms, "allocs"));
	CHECK("frees", "pool_free", bpf_frees, jget_u64(ms, "frees"));
	CHECK("fallbacks", "pool_fallback", bpf_fb, jget_u64(ms, "fallbacks"));
#undef CHECK
	ok = !*msg;
	json_object_object_add(cc, "ok", json_object_new_boolean(ok));
	json_object_object_add(cc, "exact", json_object_new_boolean(exact));
	json_object_object_add(cc, "message", json_object_new_string(
		!ok ? msg : exact ? "BPF counts equal the module's counters" :
		"BPF counts do not exceed the module's; this kernel does not count classic tracepoint drops (before 6.7), so equality cannot be checked"));
	json_object_object_add(run, "crosscheck", cc);
	/* Under --json the result carries it; stdout stays one document. */
	if (!ok)
		fprintf(stderr, "dmapool-bench: BPF and module counters disagree: %s\n", msg);
	return ok;
}

static void show_progress(const struct dmapool_spec *spec, uint64_t t0,
			  struct json_object *st)
{
	double t = (mono_ns() - t0) / 1e9;

	if (json_output || !isatty(STDERR_FILENO))
		return;
	if (spec->duration_ms)
		fprintf(stderr, "\r  running %.1f / %.1f s, %llu ops   ", t,
			(spec->duration_ms + spec->warmup_ms) / 1e3,
			(unsigned long long)jget_u64(st, "ops"));
	else
		fprintf(stderr, "\r  running %.1f s, %llu / %llu ops   ", t,
			(unsigned long long)jget_u64(st, "ops"),
			(unsigned long long)(spec->ops * __builtin_popcountll(spec->cpus)));
}

/* Start one run and wait for it; NULL on failure. */
static struct json_object *one_run(const struct run_opts *o,
				   struct collector *col, unsigned int index)
{
	struct json_object *run, *st = NULL;
	uint64_t t0, limit_ns;
	const char *state;
	int err;

	t0 = mono_ns();
	if (collect_reset(col, t0))
		return NULL;
	err = kmod_control(o->spec_line);
	if (err) {
		p_err(err == -EBUSY ? "a run is already in progress (echo stop > %s/control)" :
		      "the module refused the spec: %s (see dmesg)",
		      err == -EBUSY ? KMOD_DEBUGFS : strerror(-err));
		return NULL;
	}
	limit_ns = (o->spec.duration_ms + o->spec.warmup_ms) * 1000000ull +
		   (o->spec.ops ? 600000000000ull : 60000000000ull);
	for (;;) {
		usleep(100000);
		json_object_put(st);
		st = kmod_stats();
		state = jget_str(st, "state");
		if (strcmp(state, "running"))
			break;
		if (interrupted || mono_ns() - t0 > limit_ns) {
			if (!interrupted)
				p_err("run did not finish in time, stopping it");
			kmod_control("stop");
		}
		show_progress(&o->spec, t0, st);
	}
	if (!json_output && isatty(STDERR_FILENO))
		fputs("\r\033[K", stderr);
	if (strcmp(state, "done") && strcmp(state, "stopped")) {
		p_err("run ended in state '%s': %s", state, jget_str(st, "error"));
		json_object_put(st);
		return NULL;
	}
	run = json_object_new_object();
	json_object_object_add(run, "index", json_object_new_int(index));
	json_object_object_add(run, "state", json_object_new_string(state));
	json_object_object_add(run, "elapsed_ns",
			       json_object_new_uint64(jget_u64(st, "elapsed_ns")));
	json_object_object_add(run, "module_stats", st);
	if (collect_read(col, run)) {
		json_object_put(run);
		return NULL;
	}
	return run;
}

static int run_here(struct run_opts *o, const char *outdir)
{
	struct json_object *root, *runs, *run;
	struct collector *col = NULL;
	char params[256], series[1024], pools[64];
	const char *how;
	unsigned int i;
	bool ok = true;
	int n;

	n = snprintf(params, sizeof(params), "state_period_ms=%u%s",
		     o->state_period_ms, o->remap ? " remap=1" : "");
	if (o->coherent_pool)
		snprintf(params + n, sizeof(params) - n, " coherent_pool=%s",
			 o->coherent_pool);
	if (kmod_ensure(o->module ? o->module : kmod_default_path(), params))
		return EXIT_FAIL;
	if (collect_start(&col, o->attach, &how))
		return EXIT_FAIL;

	signal(SIGINT, on_sigint);
	signal(SIGTERM, on_sigint);
	root = json_object_new_object();
	json_object_object_add(root, "schema", json_object_new_string(RESULT_SCHEMA));
	json_object_object_add(root, "meta", make_meta(o, how));
	runs = json_object_new_array();
	json_object_object_add(root, "runs", runs);
	for (i = 0; i < o->repeat && !interrupted; i++) {
		run = one_run(o, col, i);
		if (!run) {
			ok = false;
			break;
		}
		ok &= crosscheck(run, &o->spec, misses_counted(how));
		json_object_array_add(runs, run);
	}
	/* Detach before anyone unloads the module: programs hold a reference. */
	collect_stop(col);
	json_object_object_add(json_object_object_get(root, "meta"), "pools_at_end",
			       kmod_pools());
	if (json_object_array_length(runs)) {
		if (result_write_json(root, outdir, "result.json") ||
		    result_write_csvs(&root, 1, outdir, series, sizeof(series),
				      pools, sizeof(pools)))
			ok = false;
		if (json_output)
			printf("%s\n", json_object_to_json_string_ext(root,
				JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
		else
			result_print_summary(root);
		p_info("wrote %s/result.json", outdir);
	}
	json_object_put(root);
	if (interrupted) {
		p_err("interrupted: the runs so far are in %s/result.json", outdir);
		return EXIT_FAIL;
	}
	return ok ? EXIT_OK : EXIT_FAIL;
}

int cmd_run(int argc, char **argv)
{
	struct run_opts o = {};
	char outdir[PATH_MAX], *pargv[5];
	char result[PATH_MAX + 16];
	int ret;

	if (parse_run_opts(&o, argc, argv))
		return EXIT_USAGE;
	if (prepare_outdir(o.outdir, outdir, sizeof(outdir)))
		return EXIT_USAGE;
	if (vm_needed(o.force_vm)) {
		o.vm.rwdir = outdir;
		o.vm.cpus = o.vm.deterministic ? 1 :
			    64 - __builtin_clzll(o.spec.cpus | 1);
		if (o.vm.cpus < 2 && !o.vm.deterministic)
			o.vm.cpus = 2;
		ret = vm_run(&o.vm, argc, argv);
		/* The harness's own failures (124 timeout, 125 kernel, 126 boot). */
		if (ret > EXIT_USAGE) {
			p_err("the guest failed (tools/dmapool-vm exit %d: %s)", ret,
			      ret == 124 ? "timeout" : ret == 125 ?
			      "kernel problem, see the console log it names" :
			      "boot or harness failure");
			ret = EXIT_FAIL;
		}
	} else {
		ret = run_here(&o, outdir);
		if (getenv("DMAPOOL_IN_VM"))
			return ret;	/* the host plots, at native speed */
	}
	if (ret == EXIT_OK && o.plot) {
		snprintf(result, sizeof(result), "%s/result.json", outdir);
		pargv[0] = "plot";
		pargv[1] = result;
		pargv[2] = "-o";
		pargv[3] = outdir;
		pargv[4] = NULL;
		optind = 0;
		ret = cmd_plot(4, pargv);
	}
	return ret;
}
