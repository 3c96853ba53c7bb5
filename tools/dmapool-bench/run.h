/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What `run` and `record` share: the run's options (struct run_opts, its
 * setters and option groups), loading the module, the run loop and the
 * result skeleton. Only the tracer differs: BPF programs and maps
 * (builtin-run.c) or a raw ftrace recording (builtin-record.c). The
 * cross-check of traced counts against the module's is also `report`'s.
 */
#ifndef DMAPOOL_BENCH_RUN_H
#define DMAPOOL_BENCH_RUN_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dmapool_bench.h"
#include "fleet.h"
#include "opts.h"
#include "vm.h"

/*
 * What a run is: set up by run_opts_init() and the setters below (or the
 * option tables), checked and completed by run_opts_finish().
 */
struct profile;

struct run_opts {
	const char *cmd;		/* "run" or "record", for messages */
	char given_line[DMAPOOL_MAX_SPEC_LEN + 1];	/* the keys given */
	unsigned int given;		/* bit i: spec key i given */
	char spec_line[DMAPOOL_MAX_SPEC_LEN + 256];	/* with the defaults */
	bool by_key;			/* a key given as its own option */
	struct dmapool_run_spec rs;	/* the streams of spec_line */
	struct dmapool_spec spec;	/* its first (usually only) stream */
	const char *coherent_pool;
	char coherent_pool_buf[32];	/* run_opts_set_line()'s */
	const char *zones;		/* module parameter zones=, NULL: auto */
	bool remap;
	unsigned int state_period_ms;
	unsigned int test_spin_ns;
	bool fresh;			/* reload the module before the runs */
	const char *output;		/* run: a directory; record: a file */
	unsigned int repeat;
	bool plot;			/* run */
	bool hist;			/* run: print the histograms too */
	const char *module;
	const char *attach;		/* run */
	unsigned int buffer_kb;		/* record: per-CPU ftrace buffer */
	struct vm_opts vm;		/* .force: in a guest even if not needed */
	const char *replay;		/* run --replay: a capture file */
	const char *speed;		/* --speed: its speed factor */
	struct replay_data *rp;		/* replay_opts_load()'s (replay-sched.h) */
	const char *profile;		/* --profile: a name or a file */
	struct profile *prof;		/* loaded by run_opts_finish() */
	struct fleet_opts fleet;	/* run: --format, --kcidb-origin */
	enum fleet_format fmt;		/* checked by run_parse() */
};

/*
 * A tracer: what watches the runs (run's BPF programs, record's ftrace
 * instance, bench's bpftrace and hist triggers). The loop calls start once,
 * then begin / wait... / end around every run, then stop (always, before
 * anything may unload the module), then finish (always, once). Every op is
 * optional: NULL does nothing (start: *how is "none"; wait: sleeps).
 */
struct tracer {
	const char *cmd;		/* the subcommand */
	struct cmd_help help;		/* its --help around the options */
	const struct opt_group *own;	/* its own options (bound to run_opts) */
	bool record;			/* -o names a file */
	bool fleet;			/* takes --format (fleet.h) */
	/* Attach or enable; *@how goes to meta.bpf_attach. */
	int (*start)(const struct run_opts *o, const char *outdir, void **priv,
		     const char **how);
	/* A run is about to start; @t0 is CLOCK_MONOTONIC ns. */
	int (*begin)(void *priv, uint64_t t0);
	/* The run is going on: return after about @ms. */
	void (*wait)(void *priv, unsigned int ms);
	/*
	 * The run ended at @t1: add what was collected to @run. Returns 0, or
	 * -errno when nothing could be read; *@ok false when a check failed.
	 */
	int (*end)(void *priv, const struct run_opts *o, struct json_object *run,
		   uint64_t t0, uint64_t t1, bool *ok);
	/* Detach or disable. */
	void (*stop)(void *priv);
	/*
	 * Write the outputs of @root (NULL: no run to keep) into @outdir and
	 * free @priv. Returns false when writing failed.
	 */
	bool (*finish)(void *priv, const struct run_opts *o,
		       struct json_object *root, const char *outdir);
};

/* Has SIGINT, SIGTERM or SIGHUP asked the runs to stop? */
bool run_interrupted(void);

/* Are we the guest of a --deterministic (icount, one vCPU) boot? */
bool run_in_icount_guest(void);

/* The tracers of `run` (BPF programs and maps) and `record` (raw ftrace). */
extern const struct tracer bpf_tracer;
extern const struct tracer record_tracer;

/* The option groups `run`, `record`, `compare` and `gate` compose (run_opts). */
const struct opt_group *run_workload_group(void);
extern const struct opt_group run_pools_group;
extern const struct opt_group run_repeat_group;

/* Defaults: the default workload is applied by run_opts_finish(). */
void run_opts_init(struct run_opts *o, const char *cmd);
/* One spec key; its value is checked by run_opts_finish(). 0 or -EINVAL. */
int run_opts_set_key(struct run_opts *o, const char *key, const char *val);
/* Spec keys verbatim ("ctx=softirq ops=100"). 0 or -EINVAL. */
int run_opts_set_spec(struct run_opts *o, const char *line);
/* Spec keys and the pool keys coherent_pool=, remap=0|1, test_spin_ns=. */
int run_opts_set_line(struct run_opts *o, const char *line);
/*
 * The default workload where not given, the guest options checked, the spec
 * parsed into @o->spec: 0, or -EINVAL after one line naming the bad value.
 */
int run_opts_finish(struct run_opts *o);
/*
 * `dmapool-bench run` options for @o (given keys, not the defaults): into
 * @argv (@max slots, NULL-terminated), strings in @store. The count or -E2BIG.
 */
int run_opts_to_argv(const struct run_opts *o, char **argv, int max,
		     char *store, size_t len);

/*
 * One run of @o->spec_line on the loaded module, collected by @be (started,
 * @priv): its module_stats and what @be adds, or NULL on failure.
 */
struct json_object *run_once(const struct run_opts *o,
			     const struct tracer *be, void *priv,
			     unsigned int index, bool *ok);

/* The ops of @t, or what a NULL op means. */
int tracer_start(const struct tracer *t, const struct run_opts *o,
		 const char *outdir, void **priv, const char **how);
void tracer_stop(const struct tracer *t, void *priv);
bool tracer_finish(const struct tracer *t, void *priv, const struct run_opts *o,
		   struct json_object *root, const char *outdir);

/* A tracer printed its --format tests (a failure need not be printed). */
void run_fleet_printed(void);

/* `run` and `record`: options, guest or here, the runs, the outputs. */
int run_main(const struct tracer *be, int argc, char **argv);

/*
 * `dmapool-bench run ARGS...` (NULL-terminated, without "run") as a child
 * process here, never in another guest; its output is appended to @log.
 * Returns its exit status, or -errno.
 */
int run_spawn(char *const *args, const char *log);

/* Create @dir (and parents) and resolve it into @abs (PATH_MAX bytes). */
int run_prepare_outdir(const char *cmd, const char *dir, char *abs);

/*
 * Traced counts (@src: "BPF", "ftrace") against the module's counters of
 * @run: equal when @exact, else at most the module's (@inexact_why says
 * why equality cannot be checked). Adds run.crosscheck; false on mismatch.
 */
bool run_crosscheck(struct json_object *run, const struct dmapool_spec *spec,
		    const char *src, bool exact, const char *inexact_why);
/*
 * The same per stream of a multi-stream run: each of run.streams[] against
 * its own module_stats and counters (see builtin-run.c); adds each stream's
 * crosscheck and folds the verdicts into run.crosscheck.
 */
bool run_crosscheck_streams(struct json_object *run, const struct run_opts *o,
			    const char *src, bool exact, const char *inexact_why);
/* Every CPU any stream of @o loads. */
uint64_t run_cpus(const struct run_opts *o);

#endif
