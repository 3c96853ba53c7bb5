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
#include "replay-sched.h"
#include "profile.h"
#include "result.h"
#include "run.h"
#include "spec.h"
#include "vm.h"

#define RUN_MAX_SPEC_KEYS 32	/* spec.c's parser tracks keys in 32 bits */

#ifndef DMAPOOL_VERSION
#define DMAPOOL_VERSION "unknown"
#endif

static volatile sig_atomic_t interrupted;

static void on_sigint(int sig)
{
	(void)sig;
	interrupted = 1;
}

bool run_interrupted(void)
{
	return interrupted;
}

bool run_in_icount_guest(void)
{
	const char *v = getenv("DMAPOOL_VM_DETERMINISTIC");

	return v && !strcmp(v, "1");
}

/* --- the run's options: tables and the run_opts API ---------------------- */

/*
 * The default workload, where a key is not given (and, for duration_ms,
 * neither is ops). The CPUs default to "0" in a deterministic guest.
 */
static const struct {
	const char *key, *val, *unless;
} run_default_workload[] = {
	{ "ctx", "hardirq", NULL },
	{ "cpus", "0-1", NULL },
	{ "duration_ms", "2000", "ops" },
	{ "size", "4K:8,8K:4,16K:2,64K", NULL },
	{ "hold", "ops:32", NULL },
};

static int spec_key_index(const char *key, size_t n)
{
	const char *k, *arg, *what;
	unsigned int i;

	for (i = 0; !dmapool_spec_key(i, &k, &arg, &what); i++)
		if (strlen(k) == n && !strncmp(k, key, n))
			return i;
	return -1;
}

static int append(char *line, size_t size, const char *key, const char *val)
{
	size_t used = strlen(line);
	int n;

	n = snprintf(line + used, size - used, "%s%s%s%s", used ? " " : "",
		     key, *key ? "=" : "", val);
	return n < 0 || (size_t)n >= size - used ? -E2BIG : 0;
}

void run_opts_init(struct run_opts *o, const char *cmd)
{
	memset(o, 0, sizeof(*o));
	o->cmd = cmd;
	o->output = "results/latest";
	o->attach = "auto";
	o->repeat = 1;
	o->state_period_ms = 50;
	o->buffer_kb = 8192;
}

int run_opts_set_key(struct run_opts *o, const char *key, const char *val)
{
	int i = spec_key_index(key, strlen(key));

	if (strpbrk(val, " \t\n") || !*val) {
		p_err("%s: %s '%s' must be one word", o->cmd, key, val);
		return -EINVAL;
	}
	if (i >= 0)
		o->given |= 1u << i;
	o->by_key = true;
	if (append(o->given_line, sizeof(o->given_line), key, val)) {
		p_err("%s: the workload is longer than %u bytes", o->cmd,
		      DMAPOOL_MAX_SPEC_LEN);
		return -EINVAL;
	}
	return 0;
}

int run_opts_set_spec(struct run_opts *o, const char *line)
{
	const char *t = line;

	/* Note the keys given; the spec parser judges them all at the end. */
	while (*(t += strspn(t, " \t\n"))) {
		size_t n = strcspn(t, " \t\n"), k = strcspn(t, "=");
		int i = k < n ? spec_key_index(t, k) : -1;

		if (i >= 0)
			o->given |= 1u << i;
		t += n;
	}
	if (append(o->given_line, sizeof(o->given_line), "", line)) {
		p_err("%s: the workload is longer than %u bytes", o->cmd,
		      DMAPOOL_MAX_SPEC_LEN);
		return -EINVAL;
	}
	return 0;
}

static int set_coherent_pool(struct run_opts *o, const char *val)
{
	__u64 bytes;

	if (dmapool_parse_bytes(val, strlen(val), &bytes) ||
	    bytes > DMAPOOL_MAX_COHERENT_POOL) {
		p_err("%s: invalid --coherent-pool '%s' (a size such as 256K, at most 1G)",
		      o->cmd, val);
		return -EINVAL;
	}
	o->coherent_pool = val;
	return 0;
}

static int set_zones(struct run_opts *o, const char *val)
{
	/* The module checks the names; no spaces, no '=' here. */
	if (!*val || strlen(val) > 32 ||
	    strspn(val, "abcdefghijklmnopqrstuvwxyz0123456789,") != strlen(val)) {
		p_err("%s: invalid --zones '%s' (kernel, dma32, dma, comma-separated, or auto)",
		      o->cmd, val);
		return -EINVAL;
	}
	o->zones = val;
	return 0;
}

int run_opts_set_line(struct run_opts *o, const char *line)
{
	char buf[DMAPOOL_MAX_SPEC_LEN + 1], *tok, *save;

	if (strlen(line) >= sizeof(buf)) {
		p_err("%s: '%.40s...' is longer than %u bytes", o->cmd, line,
		      DMAPOOL_MAX_SPEC_LEN);
		return -EINVAL;
	}
	snprintf(buf, sizeof(buf), "%s", line);
	for (tok = strtok_r(buf, " \t\n", &save); tok;
	     tok = strtok_r(NULL, " \t\n", &save)) {
		const char *v = strchr(tok, '=') ? strchr(tok, '=') + 1 : "";
		int ret;

		if (!strncmp(tok, "coherent_pool=", 14) &&
		    strlen(v) >= sizeof(o->coherent_pool_buf)) {
			p_err("%s: invalid coherent_pool '%s' (a size such as 256K, at most 1G)",
			      o->cmd, v);
			ret = -EINVAL;
		} else if (!strncmp(tok, "coherent_pool=", 14)) {
			snprintf(o->coherent_pool_buf, sizeof(o->coherent_pool_buf), "%s", v);
			ret = set_coherent_pool(o, o->coherent_pool_buf);
		} else if (!strncmp(tok, "remap=", 6) && (!strcmp(v, "0") || !strcmp(v, "1")))
			ret = (o->remap = *v == '1', 0);
		else if (!strncmp(tok, "test_spin_ns=", 13))
			ret = parse_uint_opt(o->cmd, "test-spin-ns", v, 0,
					     DMAPOOL_MAX_TEST_SPIN_NS, " ns",
					     &o->test_spin_ns);
		else
			ret = run_opts_set_spec(o, tok);
		if (ret)
			return -EINVAL;
	}
	return 0;
}

/*
 * --profile: the profile's streams make the workload, the keys given on the
 * command line override theirs in every stream, and its coherent_pool
 * applies unless one was given. The default workload does not apply.
 */
static int run_opts_finish_profile(struct run_opts *o)
{
	char err[DMAPOOL_SPEC_ERR_LEN];

	if (!o->prof) {
		o->prof = calloc(1, sizeof(*o->prof));
		if (!o->prof)
			return -ENOMEM;
		if (profile_load(o->profile, o->prof)) {
			free(o->prof);
			o->prof = NULL;
			return -EINVAL;
		}
	}
	if (profile_line(o->prof, o->given, o->given_line, o->spec_line,
			 sizeof(o->spec_line))) {
		p_err("%s: profile '%s' with the options given is longer than %u bytes",
		      o->cmd, o->prof->name, DMAPOOL_MAX_SPEC_LEN);
		return -EINVAL;
	}
	if (!o->coherent_pool && o->prof->coherent_pool[0])
		o->coherent_pool = o->prof->coherent_pool;
	if (vm_check_opts(o->cmd, &o->vm))
		return -EINVAL;
	/* A profile of several streams is a multi-stream line. */
	if (dmapool_run_spec_parse(o->spec_line, &o->rs, err, sizeof(err))) {
		p_err("%s: profile '%s': %s", o->cmd, o->prof->name, err);
		return -EINVAL;
	}
	o->spec = o->rs.streams[0];
	return 0;
}

int run_opts_finish(struct run_opts *o)
{
	char err[DMAPOOL_SPEC_ERR_LEN];
	size_t i;
	int k, u;

	if (o->profile && o->replay) {
		p_err("%s: --replay and --profile are two workloads: give one", o->cmd);
		return -EINVAL;
	}
	if (o->profile)
		return run_opts_finish_profile(o);
	snprintf(o->spec_line, sizeof(o->spec_line), "%s", o->given_line);
	/*
	 * Several streams: each spec stands alone, on the module's defaults;
	 * the key options and the default workload are a single stream's.
	 */
	if (strchr(o->given_line, ';')) {
		if (o->replay) {
			p_err("%s: --replay runs the captured traffic: workload options ('%s') do not apply",
			      o->cmd, o->given_line);
			return -EINVAL;
		}
		if (o->by_key) {
			p_err("%s: a workload option such as --ctx applies to a single-stream run; with several streams, give every key in its stream's --spec",
			      o->cmd);
			return -EINVAL;
		}
		if (vm_check_opts(o->cmd, &o->vm))
			return -EINVAL;
		if (dmapool_run_spec_parse(o->spec_line, &o->rs, err, sizeof(err))) {
			p_err("%s: %s", o->cmd, err);
			return -EINVAL;
		}
		o->spec = o->rs.streams[0];
		return 0;
	}
	for (i = 0; i < ARRAY_SIZE(run_default_workload); i++) {
		const char *key = run_default_workload[i].key;
		const char *val = run_default_workload[i].val;
		const char *unless = run_default_workload[i].unless;

		k = spec_key_index(key, strlen(key));
		u = unless ? spec_key_index(unless, strlen(unless)) : -1;
		if ((o->given & (1u << k)) || (u >= 0 && (o->given & (1u << u))))
			continue;
		if (!strcmp(key, "cpus") && (o->vm.deterministic || run_in_icount_guest()))
			val = "0";
		if (append(o->spec_line, sizeof(o->spec_line), key, val))
			return -E2BIG;
	}
	if (vm_check_opts(o->cmd, &o->vm))
		return -EINVAL;
	if (dmapool_run_spec_parse(o->spec_line, &o->rs, err, sizeof(err))) {
		p_err("%s: %s", o->cmd, err);
		return -EINVAL;
	}
	o->spec = o->rs.streams[0];
	if (o->replay && *o->given_line) {
		p_err("%s: --replay runs the captured traffic: workload options ('%s') do not apply",
		      o->cmd, o->given_line);
		return -EINVAL;
	}
	return replay_opts_load(o);
}

uint64_t run_cpus(const struct run_opts *o)
{
	uint64_t cpus = 0;
	unsigned int i;

	for (i = 0; i < o->rs.nr_streams; i++)
		cpus |= o->rs.streams[i].cpus;
	return cpus;
}

/* The workload options, one per spec key (spec.c's table), and --spec. */
static int opt_key(const char *cmd, const struct opt *opt, const char *val,
		   void *obj)
{
	const char *key, *arg, *what;
	struct run_opts *o = obj;
	size_t n;
	uint64_t ns, unit_ns;
	char num[32];

	(void)cmd;
	dmapool_spec_key(opt->data, &key, &arg, &what);
	n = strlen(key);
	if (n < 4 || (strcmp(key + n - 3, "_ms") && strcmp(key + n - 3, "_us")))
		return run_opts_set_key(o, key, val);
	/* A duration option into a key in milliseconds or microseconds. */
	unit_ns = key[n - 2] == 'm' ? 1000000 : 1000;
	if (parse_duration_ns(val, &ns) || ns % unit_ns) {
		p_err("%s: invalid --%s '%s' (a duration such as 2s, 500ms%s)",
		      o->cmd, opt->name, val, unit_ns < 1000000 ? ", 100us" : "");
		return -EINVAL;
	}
	snprintf(num, sizeof(num), "%llu", (unsigned long long)(ns / unit_ns));
	return run_opts_set_key(o, key, num);
}

static int opt_spec(const char *cmd, const struct opt *opt, const char *val,
		    void *obj)
{
	(void)cmd;
	(void)opt;
	return run_opts_set_spec(obj, val);
}

const struct opt_group *run_workload_group(void)
{
	static char names[RUN_MAX_SPEC_KEYS][32];
	static char helps[RUN_MAX_SPEC_KEYS][160];
	static struct opt opts[RUN_MAX_SPEC_KEYS + 1];
	static struct opt_group g = { "Workload (the module's spec keys)", opts, 0 };
	const char *key, *arg, *what, *def;
	unsigned int i, j;
	size_t n;

	for (i = 0; !g.nr && i < RUN_MAX_SPEC_KEYS &&
	     !dmapool_spec_key(i, &key, &arg, &what); i++) {
		n = strlen(key);
		if (n > 3 && (!strcmp(key + n - 3, "_ms") || !strcmp(key + n - 3, "_us")))
			n -= 3;
		for (j = 0; j < n && j < sizeof(names[i]) - 1; j++)
			names[i][j] = key[j] == '_' ? '-' : key[j];
		for (j = 0, def = NULL; j < ARRAY_SIZE(run_default_workload); j++)
			if (!strcmp(run_default_workload[j].key, key))
				def = run_default_workload[j].val;
		snprintf(helps[i], sizeof(helps[i]), "%s%s%s%s%s", what,
			 def ? " (default " : "", def ? def : "",
			 def && n < strlen(key) ? key + n + 1 : "", def ? ")" : "");
		opts[i] = (struct opt)OPT_FN_(names[i], 0, arg, opt_key, i, helps[i]);
	}
	if (!g.nr) {
		opts[i] = (struct opt)OPT_FN_("spec", 0, "'KEY=VALUE ...'", opt_spec, 0,
					      "any spec keys verbatim; several streams:\n"
					      "'stream=A KEY=VALUE ... ; stream=B ...' (then every\n"
					      "key in --spec, the options above are refused)");
		g.nr = i + 1;
	}
	return &g;
}

static int opt_cp(const char *cmd, const struct opt *opt, const char *val,
		  void *obj)
{
	(void)cmd;
	(void)opt;
	return set_coherent_pool(obj, val);
}

static int opt_zones(const char *cmd, const struct opt *opt, const char *val,
		     void *obj)
{
	(void)cmd;
	(void)opt;
	return set_zones(obj, val);
}

static int opt_profile(const char *cmd, const struct opt *opt, const char *val,
		       void *obj)
{
	struct run_opts *o = obj;

	(void)opt;
	if (!*val) {
		p_err("%s: empty --profile", cmd);
		return -EINVAL;
	}
	o->profile = val;
	return 0;
}

static const struct opt pools_opts[] = {
	OPT_FN_("profile", 0, "NAME", opt_profile, 0,
		"a driver profile (profiles/NAME.json, or a file path):\n"
		"its streams and coherent_pool; options given override"),
	OPT_FN_("coherent-pool", 0, "SIZE", opt_cp, 0,
		"pool size like the kernel's coherent_pool= (default: the kernel's rule)"),
	OPT_FLAG_("remap", 0, struct run_opts, remap, "vmap() pool blocks (DMA_DIRECT_REMAP cost)"),
	OPT_FN_("zones", 0, "LIST", opt_zones, 0,
		"pools to create: kernel,dma32,dma or auto (default auto);\n"
		"a zone without a pool fails as \"no suitable pool\""),
	OPT_UINT_("state-period", struct run_opts, state_period_ms, "MS", 0,
		  DMAPOOL_MAX_STATE_PERIOD_MS, " ms",
		  "pool_state sampling period for the timeline (default 50)"),
	OPT_FLAG_("fresh", 0, struct run_opts, fresh,
		  "reload the module first: pools start at their initial size"),
	OPT_STR_("module", 0, struct run_opts, module, "PATH", "the dmapool_bench.ko to load"),
	OPT_UINT_("test-spin-ns", struct run_opts, test_spin_ns, "N", 0,
		  DMAPOOL_MAX_TEST_SPIN_NS, " ns",
		  "TEST ONLY: spin N ns in every allocation (a deliberate slowdown)"),
};

const struct opt_group run_pools_group =
	OPT_GROUP("Module and pools (the module is reloaded when they change)", pools_opts);

static const struct opt repeat_opts[] = {
	OPT_UINT_("repeat", struct run_opts, repeat, "N", 1, 1000, "",
		  "N runs in one module load (default 1)"),
};

const struct opt_group run_repeat_group = OPT_GROUP("Runs", repeat_opts);

/* The options @t's subcommand composes, bound to @o. */
static size_t run_uses(const struct tracer *t, struct run_opts *o,
		       struct opt_use *use)
{
	use[0] = (struct opt_use){ t->own, o };
	use[1] = (struct opt_use){ &run_repeat_group, o };
	use[2] = (struct opt_use){ run_workload_group(), o };
	use[3] = (struct opt_use){ &run_pools_group, o };
	use[4] = (struct opt_use){ &vm_group, &o->vm };
	if (!t->fleet)
		return 5;
	use[5] = (struct opt_use){ &fleet_group, &o->fleet };
	return 6;
}

/* Parse `run`/`record` options into @o: 0, 1 after --help, or -EINVAL. */
static int run_parse(const struct tracer *t, struct run_opts *o, int argc,
		     char **argv)
{
	struct opt_use use[6];
	size_t nr = run_uses(t, o, use);
	int first, ret;

	run_opts_init(o, t->help.name);
	if (t->record)
		o->output = "results/latest/record.dpr";
	ret = opts_parse(&t->help, use, nr, argc, argv, &first);
	if (ret)
		return ret;
	if (first < argc) {
		p_err("%s: unexpected argument '%s'", o->cmd, argv[first]);
		return -EINVAL;
	}
	if (fleet_opts_check(o->cmd, &o->fleet, &o->fmt))
		return -EINVAL;
	return run_opts_finish(o);
}

/*
 * The command line of `dmapool-bench run` for @o (what was given, not the
 * defaults, so the child applies its own): into @argv (@max slots, NULL
 * terminated), strings in @store. Returns the count, or -E2BIG.
 */
struct argv_buf {
	char **argv;
	int n, max;
	char *w, *end;
	int err;
};

/* Append @a (and @b, unless NULL) to @v; -E2BIG is kept in @v->err. */
static void argv_add(struct argv_buf *v, const char *a, const char *b)
{
	const char *s[2] = { a, b };
	int i;

	for (i = 0; i < 2 && s[i]; i++) {
		size_t l = strlen(s[i]) + 1;

		if (v->n + 1 >= v->max || l > (size_t)(v->end - v->w)) {
			v->err = -E2BIG;
			return;
		}
		v->argv[v->n++] = memcpy(v->w, s[i], l);
		v->w += l;
	}
}

int run_opts_to_argv(const struct run_opts *o, char **argv, int max,
		     char *store, size_t len)
{
	struct argv_buf v = { argv, 0, max, store, store + len, 0 };
	char period[16], spin[16], repeat[16];

	snprintf(period, sizeof(period), "%u", o->state_period_ms);
	snprintf(spin, sizeof(spin), "%u", o->test_spin_ns);
	snprintf(repeat, sizeof(repeat), "%u", o->repeat);
	if (o->profile)
		argv_add(&v, "--profile", o->prof ? o->prof->file : o->profile);
	if (*o->given_line)
		argv_add(&v, "--spec", o->given_line);
	if (o->coherent_pool)
		argv_add(&v, "--coherent-pool", o->coherent_pool);
	if (o->remap)
		argv_add(&v, "--remap", NULL);
	if (o->zones)
		argv_add(&v, "--zones", o->zones);
	argv_add(&v, "--state-period", period);
	if (o->test_spin_ns)
		argv_add(&v, "--test-spin-ns", spin);
	if (o->fresh)
		argv_add(&v, "--fresh", NULL);
	if (o->module)
		argv_add(&v, "--module", o->module);
	argv_add(&v, "--repeat", repeat);
	argv_add(&v, "-o", o->output);
	if (o->plot)
		argv_add(&v, "--plot", NULL);
	if (o->hist)
		argv_add(&v, "--hist", NULL);
	argv_add(&v, "--attach", o->attach);
	if (o->replay)
		argv_add(&v, "--replay", o->replay);
	if (o->speed)
		argv_add(&v, "--speed", o->speed);
	if (v.err)
		return v.err;
	argv[v.n] = NULL;
	return v.n;
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
	dmapool_run_spec_format(&o->rs, line, sizeof(line));
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
	if (o->rp)
		snprintf(line, sizeof(line), "replay %s", o->replay);
	json_object_object_add(m, "spec", json_object_new_string(line));
	json_object_object_add(m, "replay", replay_meta(o));
	json_object_object_add(m, "seed", json_object_new_uint64(o->spec.seed));
	json_object_object_add(m, "coherent_pool_param", o->coherent_pool ?
			       json_object_new_string(o->coherent_pool) : NULL);
	json_object_object_add(m, "remap", json_object_new_boolean(o->remap));
	json_object_object_add(m, "test_spin_ns", json_object_new_uint64(o->test_spin_ns));
	json_object_object_add(m, "bpf_attach", json_object_new_string(how));
	if (o->prof)
		json_object_object_add(m, "profile", profile_meta(o->prof));
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

bool run_crosscheck_streams(struct json_object *run, const struct run_opts *o,
			    const char *src, bool exact, const char *inexact_why)
{
	struct json_object *streams = json_object_object_get(run, "streams");
	struct json_object *lost = json_object_object_get(run, "lost");
	struct json_object *cc = json_object_object_get(run, "crosscheck");
	char bad[256] = "";
	bool ok = true, one;
	size_t i;

	for (i = 0; i < json_object_array_length(streams) &&
	     i < o->rs.nr_streams; i++) {
		struct json_object *s = json_object_array_get_idx(streams, i);

		/* run_crosscheck() reads a run: module_stats, counters, lost. */
		json_object_object_add(s, "lost", json_object_get(lost));
		one = run_crosscheck(s, &o->rs.streams[i], src, exact, inexact_why);
		json_object_object_del(s, "lost");
		if (!one)
			snprintf(bad + strlen(bad), sizeof(bad) - strlen(bad),
				 "%s%s", *bad ? ", " : "", o->rs.streams[i].name);
		ok &= one;
	}
	if (cc && !ok) {
		char msg[512];

		snprintf(msg, sizeof(msg), "%s; streams disagreeing: %s",
			 jget_str(cc, "message"), bad);
		json_object_object_add(cc, "ok", json_object_new_boolean(false));
		json_object_object_add(cc, "message", json_object_new_string(msg));
	}
	return ok;
}

static void show_progress(const struct dmapool_spec *spec, uint64_t t0,
			  struct json_object *st)
{
	double t = (mono_ns() - t0) / 1e9;

	if (json_output || !isatty(STDERR_FILENO))
		return;
	if (spec->duration_ms || spec->ops == 0)
		fprintf(stderr, "\r  running %.1f / %.1f s, %llu ops   ", t,
			(spec->duration_ms + spec->warmup_ms) / 1e3,
			(unsigned long long)jget_u64(st, "ops"));
	else
		fprintf(stderr, "\r  running %.1f s, %llu / %llu ops   ", t,
			(unsigned long long)jget_u64(st, "ops"),
			(unsigned long long)(spec->ops * __builtin_popcountll(spec->cpus)));
}

int tracer_start(const struct tracer *t, const struct run_opts *o,
		 const char *outdir, void **priv, const char **how)
{
	*priv = NULL;
	*how = "none";
	return t->start ? t->start(o, outdir, priv, how) : 0;
}

void tracer_stop(const struct tracer *t, void *priv)
{
	if (t->stop)
		t->stop(priv);
}

bool tracer_finish(const struct tracer *t, void *priv, const struct run_opts *o,
		   struct json_object *root, const char *outdir)
{
	return t->finish ? t->finish(priv, o, root, outdir) : true;
}

/* How long the longest stream may take before the run is stopped. */
static uint64_t run_limit_ns(const struct run_opts *o)
{
	uint64_t limit = 0, l;
	unsigned int i;

	for (i = 0; i < o->rs.nr_streams; i++) {
		const struct dmapool_spec *s = &o->rs.streams[i];

		l = (s->duration_ms + s->warmup_ms) * 1000000ull +
		    (s->ops ? 600000000000ull : 60000000000ull);
		if (l > limit)
			limit = l;
	}
	return limit;
}

/*
 * The module's per-stream lines (streams: N, stream.NAME.KEY: V) out of
 * @st: with several streams they become run.streams[] (name, index, spec,
 * module_stats); a single stream's are its aggregate, and dropped.
 */
static void run_split_streams(const struct run_opts *o, struct json_object *run,
			      struct json_object *st)
{
	struct json_object *streams = NULL, *ms[DMAPOOL_MAX_STREAMS] = { 0 };
	char line[DMAPOOL_MAX_SPEC_LEN + 1], key[64];
	unsigned int i;
	size_t n;

	if (o->rs.nr_streams > 1) {
		streams = json_object_new_array();
		for (i = 0; i < o->rs.nr_streams; i++) {
			struct json_object *s = json_object_new_object();

			/* The stream's own line: what --spec it alone would be. */
			dmapool_spec_format(&o->rs.streams[i], line, sizeof(line));
			json_object_object_add(s, "name",
				json_object_new_string(o->rs.streams[i].name));
			json_object_object_add(s, "index", json_object_new_int(i));
			json_object_object_add(s, "spec", json_object_new_string(line));
			ms[i] = json_object_new_object();
			json_object_object_add(s, "module_stats", ms[i]);
			json_object_array_add(streams, s);
		}
	}
	json_object_object_del(st, "streams");
	for (i = 0; i < o->rs.nr_streams; i++) {
		n = snprintf(key, sizeof(key), "stream.%s.", o->rs.streams[i].name);
		for (;;) {
			char found[128] = "";

			json_object_object_foreach(st, k, v) {
				if (strncmp(k, key, n))
					continue;
				if (ms[i])
					json_object_object_add(ms[i], k + n,
							       json_object_get(v));
				snprintf(found, sizeof(found), "%s", k);
				break;
			}
			if (!*found)
				break;
			json_object_object_del(st, found);
		}
	}
	if (streams)
		json_object_object_add(run, "streams", streams);
}

static void p_busy(void)
{
	p_err("a run is already in progress (echo stop > %s/control)", KMOD_DEBUGFS);
}

/*
 * Someone else's run is going: say so before attaching anything. Attaching
 * BPF to the module's tracepoints live-patches their jump labels under that
 * run's load; a 6.12 TCG guest once oopsed there on a half-patched int3
 * (CI, a hardirq run with a second `run` started beside it).
 */
static bool run_in_progress(void)
{
	struct json_object *st = kmod_stats();
	bool busy = !strcmp(jget_str(st, "state"), "running");

	json_object_put(st);
	if (busy)
		p_busy();
	return busy;
}

struct json_object *run_once(const struct run_opts *o,
			     const struct tracer *t, void *priv,
			     unsigned int index, bool *ok)
{
	struct json_object *run, *st = NULL;
	uint64_t t0, limit_ns;
	const char *state;
	int err;

	if (o->rp)
		return replay_run_once(o, t, priv, index, ok);
	t0 = mono_ns();
	if (t->begin && t->begin(priv, t0))
		return NULL;
	err = kmod_control(o->spec_line);
	if (err == -EBUSY) {
		p_busy();
		return NULL;
	}
	if (err) {
		p_err("the module refused the spec: %s (see dmesg)", strerror(-err));
		return NULL;
	}
	limit_ns = run_limit_ns(o);
	for (;;) {
		if (t->wait)
			t->wait(priv, 100);
		else
			usleep(100 * 1000);
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
	run_split_streams(o, run, st);
	json_object_object_add(run, "module_stats", st);
	if (t->end && t->end(priv, o, run, t0, mono_ns(), ok)) {
		json_object_put(run);
		return NULL;
	}
	return run;
}

static int run_here(const struct tracer *t, struct run_opts *o,
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
	if (kmod_ensure(o->module ? o->module : kmod_default_path(), params) ||
	    run_in_progress())
		return EXIT_FAIL;
	/* Before start: an interrupted start still reaches stop and finish. */
	signal(SIGINT, on_sigint);
	signal(SIGTERM, on_sigint);
	signal(SIGHUP, on_sigint);
	if (tracer_start(t, o, outdir, &priv, &how))
		return EXIT_FAIL;

	root = json_object_new_object();
	json_object_object_add(root, "schema", json_object_new_string(RESULT_SCHEMA));
	json_object_object_add(root, "meta", make_meta(o, how));
	runs = json_object_new_array();
	json_object_object_add(root, "runs", runs);
	for (i = 0; i < o->repeat && !interrupted; i++) {
		run = run_once(o, t, priv, i, &ok);
		if (!run) {
			ok = false;
			break;
		}
		json_object_array_add(runs, run);
	}
	/* Detach before anyone unloads the module: programs hold a reference. */
	tracer_stop(t, priv);
	json_object_object_add(json_object_object_get(root, "meta"), "pools_at_end",
			       kmod_pools());
	if (!tracer_finish(t, priv, o, json_object_array_length(runs) ? root : NULL,
			outdir))
		ok = false;
	json_object_put(root);
	if (interrupted) {
		p_err("interrupted: the runs so far are in %s%s", t->record ?
		      o->output : outdir, t->record ? "" : "/result.json");
		return EXIT_FAIL;
	}
	return ok ? EXIT_OK : EXIT_FAIL;
}

/* Where the outputs go: @o->output, or for record the file's directory. */
static int run_outdir(const struct tracer *t, const struct run_opts *o,
		      char *outdir)
{
	char dir[PATH_MAX], tmp[PATH_MAX];

	snprintf(dir, sizeof(dir), "%s", o->output);
	if (t->record) {
		if (!*o->output || o->output[strlen(o->output) - 1] == '/') {
			p_err("%s: -o '%s' must name a file", o->cmd, o->output);
			return -EINVAL;
		}
		snprintf(tmp, sizeof(tmp), "%s", o->output);
		snprintf(dir, sizeof(dir), "%s", dirname(tmp));
	}
	return run_prepare_outdir(o->cmd, dir, outdir);
}

static bool fleet_printed;

void run_fleet_printed(void)
{
	fleet_printed = true;
}

/*
 * A fleet format: a run that failed before printing its tests is one
 * failing test on stdout (the reason is on stderr), so that a fleet sees the
 * failure (gate's gate.input likewise). Returns @ret.
 */
static int run_fleet_failed(const struct run_opts *o, int ret)
{
	struct fleet_test t = {};
	char nonce[16];
	struct fleet_meta m = { .origin = o->fleet.origin, .suite = o->cmd,
				.run_id = nonce };
	int nr = 0;

	if (o->fmt == FLEET_TEXT || ret == EXIT_OK || fleet_printed)
		return ret;
	fleet_nonce(nonce, sizeof(nonce));
	fleet_add(&t, &nr, 1, o->cmd, FLEET_FAIL);
	fleet_diag(&t, "%s failed (exit %d): see stderr", o->cmd, ret);
	fleet_print(stdout, o->fmt, &t, nr, &m);
	return ret;
}

/*
 * Run ourselves in a guest: its exit status, the harness's failures named
 * (*@broke: the guest's own run did not get to say anything).
 */
static int run_in_guest(struct run_opts *o, const char *outdir, int argc,
			char **argv, bool *broke)
{
	int ret;

	o->vm.rwdir = outdir;
	o->vm.hold_output = o->fmt != FLEET_TEXT;
	o->vm.cpus = o->vm.deterministic ? 1 : 64 - __builtin_clzll(run_cpus(o) | 1);
	if (o->vm.cpus < 2 && !o->vm.deterministic)
		o->vm.cpus = 2;
	ret = vm_run(&o->vm, argc, argv);
	/* The harness's own failures (124 timeout, 125 kernel, 126 boot). */
	*broke = ret > EXIT_USAGE;
	if (ret > EXIT_USAGE) {
		p_err("the guest failed (tools/dmapool-vm exit %d: %s)", ret,
		      ret == 124 ? "timeout" : ret == 125 ?
		      "kernel problem, see the console log it names" :
		      "boot or harness failure");
		ret = EXIT_FAIL;
	}
	return ret;
}

int run_main(const struct tracer *t, int argc, char **argv)
{
	struct run_opts o;
	char outdir[PATH_MAX], result[PATH_MAX + 16];
	const char *files[1] = { result };
	int ret;

	ret = run_parse(t, &o, argc, argv);
	if (ret)
		return ret > 0 ? EXIT_OK : EXIT_USAGE;
	if (run_outdir(t, &o, outdir))
		return EXIT_USAGE;
	if (vm_needed(o.vm.force)) {
		bool broke = false;

		ret = run_in_guest(&o, outdir, argc, argv, &broke);
		/* Else the guest's run printed its tests, or its failure. */
		if (broke)
			return run_fleet_failed(&o, ret);
	} else {
		ret = run_fleet_failed(&o, run_here(t, &o, outdir));
		if (getenv("DMAPOOL_IN_VM"))
			return ret;	/* the host plots, at native speed */
	}
	if (ret == EXIT_OK && o.plot) {
		snprintf(result, sizeof(result), "%s/result.json", outdir);
		ret = plot_results(files, 1, outdir, "png,svg", NULL);
	}
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
