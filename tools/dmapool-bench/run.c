// SPDX-License-Identifier: GPL-2.0
/*
 * dmapool-bench run: load the module with the pool options, attach the BPF
 * programs, start the load through the control file, wait, read the maps and
 * the module's stats, detach, write DIR/result.json and CSVs, print a summary.
 *
 * `record` (record.c) shares all of it but the collector: see run.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "collect.h"
#include "dmapool.h"
#include "kmod.h"
#include "main.h"
#include "result.h"
#include "run.h"
#include "spec.h"
#include "vm.h"

#ifndef DMAPOOL_VERSION
#define DMAPOOL_VERSION "unknown"
#endif

static volatile sig_atomic_t interrupted;

static void on_sigint(int sig)
{
	(void)sig;
	interrupted = 1;
}

bool run_in_icount_guest(void)
{
	const char *v = getenv("DMAPOOL_VM_DETERMINISTIC");

	return v && !strcmp(v, "1");
}

static int add_key(struct run_opts *o, const char *key, const char *val)
{
	size_t used = strlen(o->spec_line);

	if (strchr(val, ' ') && strcmp(key, "")) {
		p_err("%s: --%s '%s' must not contain spaces", o->cmd, key, val);
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
		p_err("%s: invalid --%s '%s' (a duration such as 2s, 500ms%s)",
		      o->cmd, opt, val, unit_ns < 1000000 ? ", 100us" : "");
		return -EINVAL;
	}
	snprintf(num, sizeof(num), "%llu", (unsigned long long)(ns / unit_ns));
	return add_key(o, key, num);
}

int run_parse_opts(const struct run_backend *be, struct run_opts *o,
		   int argc, char **argv)
{
	enum {
		O_CTX = 256, O_CPUS, O_DURATION, O_OPS, O_PERIOD, O_BATCH,
		O_SIZE, O_HOLD, O_ZONE, O_MASK, O_BURST, O_SEED, O_WARMUP,
		O_MAXOUT, O_SPEC, O_CP, O_REMAP, O_STATE, O_REPEAT, O_PLOT,
		O_MODULE, O_VM, O_KERNEL, O_VMMEM, O_DET, O_ATTACH, O_BUFKB,
		O_SPIN, O_FRESH, O_ZONES, O_HIST,
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
		{ "zones", required_argument, NULL, O_ZONES },
		{ "state-period", required_argument, NULL, O_STATE },
		{ "test-spin-ns", required_argument, NULL, O_SPIN },
		{ "fresh", no_argument, NULL, O_FRESH },
		{ "output", required_argument, NULL, 'o' },
		{ "repeat", required_argument, NULL, O_REPEAT },
		{ "plot", no_argument, NULL, O_PLOT },
		{ "hist", no_argument, NULL, O_HIST },
		{ "module", required_argument, NULL, O_MODULE },
		{ "attach", required_argument, NULL, O_ATTACH },
		{ "buffer-kb", required_argument, NULL, O_BUFKB },
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
	char err[DMAPOOL_SPEC_ERR_LEN];
	size_t i;
	int c;

	o->cmd = be->cmd;
	o->output = be->record ? "results/latest/record.dpr" : "results/latest";
	o->attach = "auto";
	o->repeat = 1;
	o->state_period_ms = 50;
	o->buffer_kb = 8192;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "o:jvh", opts, NULL)) != -1) {
		for (i = 0; i < sizeof(plain) / sizeof(plain[0]); i++)
			if (plain[i].id == c && add_key(o, plain[i].key, optarg))
				return -EINVAL;
		/* Options of the other collector. */
		if ((be->record && (c == O_PLOT || c == O_ATTACH || c == O_HIST)) ||
		    (!be->record && c == O_BUFKB)) {
			p_err("%s: --%s is not a '%s' option (see 'dmapool-bench %s --help')",
			      o->cmd, c == O_PLOT ? "plot" : c == O_HIST ? "hist" : c == O_ATTACH ?
			      "attach" : "buffer-kb", o->cmd, o->cmd);
			return -EINVAL;
		}
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
		case O_ZONES:
			/* The module checks the names; no spaces, no '=' here. */
			if (!*optarg || strlen(optarg) > 32 ||
			    strspn(optarg, "abcdefghijklmnopqrstuvwxyz0123456789,") !=
			    strlen(optarg)) {
				p_err("%s: invalid --zones '%s' (kernel, dma32, dma, comma-separated, or auto)",
				      o->cmd, optarg);
				return -EINVAL;
			}
			o->zones = optarg;
			break;
		case O_STATE:
			if (parse_uint_opt(o->cmd, "state-period", optarg, 0,
				       DMAPOOL_MAX_STATE_PERIOD_MS, " ms",
				       &o->state_period_ms))
				return -EINVAL;
			break;
		case O_SPIN:
			if (parse_uint_opt(o->cmd, "test-spin-ns", optarg, 0,
				       DMAPOOL_MAX_TEST_SPIN_NS, " ns",
				       &o->test_spin_ns))
				return -EINVAL;
			break;
		case O_FRESH:
			o->fresh = true;
			break;
		case 'o':
			o->output = optarg;
			break;
		case O_REPEAT:
			if (parse_uint_opt(o->cmd, "repeat", optarg, 1, 1000, "", &o->repeat))
				return -EINVAL;
			break;
		case O_PLOT:
			o->plot = true;
			break;
		case O_HIST:
			o->hist = true;
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
		case O_BUFKB:
			/* At least a few pages per CPU, at most 1 GiB per CPU. */
			if (parse_uint_opt(o->cmd, "buffer-kb", optarg, 64, 1 << 20, " KiB per CPU",
				       &o->buffer_kb))
				return -EINVAL;
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
			fputs(be->usage, stdout);
			exit(EXIT_OK);
		case '?':
			p_err("%s: unknown option or missing value: '%s' (see 'dmapool-bench %s --help')",
			      o->cmd, argv[optind - 1], o->cmd);
			return -EINVAL;
		default:
			break;
		}
	}
	if (optind < argc) {
		p_err("%s: unexpected argument '%s'", o->cmd, argv[optind]);
		return -EINVAL;
	}
	if (vm_check_opts(o->cmd, &o->vm))
		return -EINVAL;
	/* The defaults of the default workload, where not given. */
	if (!have_ctx)
		add_key(o, "ctx", "hardirq");
	if (!have_cpus)
		add_key(o, "cpus", o->vm.deterministic || run_in_icount_guest() ?
			"0" : "0-1");
	if (!have_len)
		add_key(o, "duration_ms", "2000");
	if (!strstr(o->spec_line, "size="))
		add_key(o, "size", "4K:8,8K:4,16K:2,64K");
	if (!strstr(o->spec_line, "hold="))
		add_key(o, "hold", "ops:32");
	if (dmapool_spec_parse(o->spec_line, &o->spec, err, sizeof(err))) {
		p_err("%s: %s", o->cmd, err);
		return -EINVAL;
	}
	if (o->coherent_pool) {
		__u64 bytes;

		if (dmapool_parse_bytes(o->coherent_pool, strlen(o->coherent_pool),
					&bytes) || bytes > DMAPOOL_MAX_COHERENT_POOL) {
			p_err("%s: invalid --coherent-pool '%s' (a size such as 256K, at most 1G)",
			      o->cmd, o->coherent_pool);
			return -EINVAL;
		}
	}
	return 0;
}

int run_prepare_outdir(const char *cmd, const char *dir, char *abs)
{
	char tmp[PATH_MAX], *p;

	if (!*dir) {
		p_err("%s: empty output directory name", cmd);
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
		p_err("%s: cannot create output directory '%s': %s", cmd, dir,
		      strerror(errno));
		return -errno;
	}
	if (access(dir, W_OK | X_OK) || !realpath(dir, abs)) {
		p_err("%s: output directory '%s' is not writable: %s", cmd, dir,
		      strerror(errno));
		return -EACCES;
	}
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
	json_object_object_add(m, "deterministic", json_object_new_boolean(run_in_icount_guest()));
	json_object_object_add(m, "latency_unit", json_object_new_string(
		o->vm.deterministic || run_in_icount_guest() ?
		"instruction-time ns (icount)" : "ns"));
	json_object_object_add(m, "mem_mb", json_object_new_int64(mem_kb / 1024));
	json_object_object_add(m, "cpus", json_object_new_int64(sysconf(_SC_NPROCESSORS_ONLN)));
	json_object_object_add(m, "spec", json_object_new_string(line));
	json_object_object_add(m, "seed", json_object_new_uint64(o->spec.seed));
	json_object_object_add(m, "coherent_pool_param", o->coherent_pool ?
			       json_object_new_string(o->coherent_pool) : NULL);
	json_object_object_add(m, "remap", json_object_new_boolean(o->remap));
	json_object_object_add(m, "test_spin_ns", json_object_new_uint64(o->test_spin_ns));
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
 * The tracer saw every tracepoint hit of the run, the module counted every
 * operation: they must agree (warmup operations are traced only, and events
 * the tracer missed are reported per event: BPF recursion misses).
 */
bool run_crosscheck(struct json_object *run, const struct dmapool_spec *spec,
		    const char *src, bool exact, const char *inexact_why)
{
	struct json_object *ms = json_object_object_get(run, "module_stats");
	struct json_object *ctr = json_object_object_get(run, "counters");
	struct json_object *lost = json_object_object_get(run, "lost");
	struct json_object *fb = json_object_object_get(ctr, "fallbacks");
	struct json_object *cc = json_object_new_object();
	struct json_object *by = json_object_object_get(lost, "recursion_misses_by_event");
	uint64_t tr_fb = 0, misses;
	uint64_t tr_allocs = jget_u64(ctr, "allocs"), tr_frees = jget_u64(ctr, "frees");
	uint64_t tr_ops = tr_allocs + jget_u64(ctr, "fails");
	char msg[512] = "", good_msg[128];
	size_t i;
	bool ok;

	for (i = 0; fb && i < json_object_array_length(fb); i++)
		tr_fb += jget_u64(json_object_array_get_idx(fb, i), "count");
#define CHECK(name, event, traced, mod)					\
	do {								\
		uint64_t b_ = (traced), m_ = (mod);			\
		misses = jget_u64(by, event);				\
		bool good = spec->warmup_ms ? b_ + misses >= m_ || !exact : \
			    b_ <= m_ && (b_ + misses >= m_ || !exact);	\
		if (!good)						\
			snprintf(msg + strlen(msg), sizeof(msg) - strlen(msg), \
				 "%s%s: %s %llu, module %llu", *msg ? "; " : "", \
				 name, src, (unsigned long long)b_,	\
				 (unsigned long long)m_);		\
	} while (0)
	CHECK("ops", "pool_alloc", tr_ops, jget_u64(ms, "ops"));
	CHECK("allocs", "pool_alloc", tr_allocs, jget_u64(ms, "allocs"));
	CHECK("frees", "pool_free", tr_frees, jget_u64(ms, "frees"));
	CHECK("fallbacks", "pool_fallback", tr_fb, jget_u64(ms, "fallbacks"));
	/* The kernel's two failure kinds, from pool_exhausted's result. */
	CHECK("no_suitable_pool", "pool_exhausted",
	      jget_u64(ctr, "no_suitable_pool"), jget_u64(ms, "result_no_pool"));
	CHECK("exhausted", "pool_exhausted", jget_u64(ctr, "exhausted"),
	      jget_u64(ms, "result_exhausted") +
	      jget_u64(ms, "result_addr_rejected"));
#undef CHECK
	ok = !*msg;
	snprintf(good_msg, sizeof(good_msg), "%s counts equal the module's counters", src);
	json_object_object_add(cc, "ok", json_object_new_boolean(ok));
	json_object_object_add(cc, "exact", json_object_new_boolean(exact));
	json_object_object_add(cc, "message", json_object_new_string(
		!ok ? msg : exact ? good_msg : inexact_why));
	json_object_object_add(run, "crosscheck", cc);
	/* Under --json the result carries it; stdout stays one document. */
	if (!ok)
		fprintf(stderr, "dmapool-bench: %s and module counters disagree: %s\n",
			src, msg);
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

struct json_object *run_once(const struct run_opts *o,
			     const struct run_backend *be, void *priv,
			     unsigned int index, bool *ok)
{
	struct json_object *run, *st = NULL;
	uint64_t t0, limit_ns;
	const char *state;
	int err;

	t0 = mono_ns();
	if (be->begin(priv, t0))
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
		be->wait(priv, 100);
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
	if (be->end(priv, o, run, t0, mono_ns(), ok)) {
		json_object_put(run);
		return NULL;
	}
	return run;
}

static int run_here(const struct run_backend *be, struct run_opts *o,
		    const char *outdir)
{
	struct json_object *root, *runs, *run;
	char params[256];
	const char *how;
	void *priv = NULL;
	unsigned int i;
	bool ok = true;
	int n;

	n = snprintf(params, sizeof(params), "state_period_ms=%u%s",
		     o->state_period_ms, o->remap ? " remap=1" : "");
	if (o->test_spin_ns)
		n += snprintf(params + n, sizeof(params) - n, " test_spin_ns=%u",
			      o->test_spin_ns);
	if (o->zones)
		n += snprintf(params + n, sizeof(params) - n, " zones=%s",
			      o->zones);
	if (o->coherent_pool)
		snprintf(params + n, sizeof(params) - n, " coherent_pool=%s",
			 o->coherent_pool);
	if (o->fresh && kmod_unload())
		return EXIT_FAIL;
	if (kmod_ensure(o->module ? o->module : kmod_default_path(), params))
		return EXIT_FAIL;
	/* Before start: an interrupted start still reaches stop and finish. */
	signal(SIGINT, on_sigint);
	signal(SIGTERM, on_sigint);
	signal(SIGHUP, on_sigint);
	if (be->start(o, outdir, &priv, &how))
		return EXIT_FAIL;

	root = json_object_new_object();
	json_object_object_add(root, "schema", json_object_new_string(RESULT_SCHEMA));
	json_object_object_add(root, "meta", make_meta(o, how));
	runs = json_object_new_array();
	json_object_object_add(root, "runs", runs);
	for (i = 0; i < o->repeat && !interrupted; i++) {
		run = run_once(o, be, priv, i, &ok);
		if (!run) {
			ok = false;
			break;
		}
		json_object_array_add(runs, run);
	}
	/* Detach before anyone unloads the module: programs hold a reference. */
	be->stop(priv);
	json_object_object_add(json_object_object_get(root, "meta"), "pools_at_end",
			       kmod_pools());
	if (!be->finish(priv, o, json_object_array_length(runs) ? root : NULL,
			outdir))
		ok = false;
	json_object_put(root);
	if (interrupted) {
		p_err("interrupted: the runs so far are in %s%s", be->record ?
		      o->output : outdir, be->record ? "" : "/result.json");
		return EXIT_FAIL;
	}
	return ok ? EXIT_OK : EXIT_FAIL;
}

int run_main(const struct run_backend *be, int argc, char **argv)
{
	struct run_opts o = {};
	char outdir[PATH_MAX], dir[PATH_MAX], tmp[PATH_MAX], *pargv[5];
	char result[PATH_MAX + 16];
	int ret;

	if (run_parse_opts(be, &o, argc, argv))
		return EXIT_USAGE;
	/* record writes a file: its directory is the one to share. */
	snprintf(dir, sizeof(dir), "%s", o.output);
	if (be->record) {
		if (!*o.output || o.output[strlen(o.output) - 1] == '/') {
			p_err("%s: -o '%s' must name a file", o.cmd, o.output);
			return EXIT_USAGE;
		}
		snprintf(tmp, sizeof(tmp), "%s", o.output);
		snprintf(dir, sizeof(dir), "%s", dirname(tmp));
	}
	if (run_prepare_outdir(o.cmd, dir, outdir))
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
		ret = run_here(be, &o, outdir);
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

int run_check_args(int argc, char **argv)
{
	struct run_opts o = {};
	bool js = json_output;
	int ret;

	optind = 0;
	ret = run_parse_opts(&run_bpf_backend, &o, argc, argv);
	json_output = js;
	optind = 0;
	return ret;
}

int run_spawn(char *const *args, const char *log)
{
	const char **argv;
	int n, status, fd;
	pid_t pid;

	for (n = 0; args[n]; n++)
		;
	argv = calloc(n + 3, sizeof(*argv));
	if (!argv)
		return -ENOMEM;
	argv[0] = self_exe();
	argv[1] = "run";
	memcpy(argv + 2, args, n * sizeof(*argv));
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		free(argv);
		return -errno;
	}
	if (!pid) {
		fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (fd >= 0) {
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
			close(fd);
		}
		/* Here, never in another guest. */
		setenv("DMAPOOL_IN_VM", "1", 1);
		execv(argv[0], (char **)argv);
		_exit(126);
	}
	free(argv);
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
