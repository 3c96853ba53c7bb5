/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What `run` and `record` share: the workload options, loading the module,
 * the run loop and the result skeleton. Only the collector differs, a
 * backend: the BPF maps (run.c) or a raw ftrace recording (record.c). The
 * cross-check of traced counts against the module's is also `report`'s.
 */
#ifndef DMAPOOL_BENCH_RUN_H
#define DMAPOOL_BENCH_RUN_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dmapool_bench.h"
#include "vm.h"

#define RUN_DEFAULT_SPEC \
	"ctx=hardirq cpus=0-1 duration_ms=2000 size=4K:8,8K:4,16K:2,64K hold=ops:32"

/* The --help blocks of the options run and record share. */
#define RUN_WORKLOAD_HELP \
"Workload (the module's spec keys; defaults: " RUN_DEFAULT_SPEC "):\n" \
"  --ctx CTX              hardirq, softirq, atomic, process\n" \
"  --cpus LIST            CPUs to load, e.g. 0-1\n" \
"  --duration DUR         measured time, e.g. 2s, 500ms\n" \
"  --ops N                operations per CPU instead of a duration\n" \
"  --period DUR           timer period or sleep between batches (e.g. 100us)\n" \
"  --batch N              operations per expiry\n" \
"  --size SPEC            4K | 4K,16K:3 | uniform:4K-64K | loguniform:4K-1M\n" \
"  --hold SPEC            0 | ops:N | us:N | deferred\n" \
"  --zone SPEC            auto (default: from --mask, as the kernel) | kernel:3,dma32 ...\n" \
"  --mask BITS            simulated device coherent mask, 24..64\n" \
"  --burst ON/OFF         burst pattern in ms\n" \
"  --seed N               PRNG seed\n" \
"  --warmup DUR           run this long before counting\n" \
"  --max-outstanding N    held blocks per CPU\n" \
"  --spec 'KEY=VALUE ...' any spec keys verbatim\n" \
"Pools (module parameters; the module is reloaded when they change):\n" \
"  --coherent-pool SIZE   pool size like the kernel's coherent_pool= (default: the kernel's rule)\n" \
"  --remap                vmap() pool blocks (DMA_DIRECT_REMAP cost)\n" \
"  --zones LIST           pools to create: kernel,dma32,dma or auto (default auto);\n" \
"                         a zone without a pool fails as \"no suitable pool\"\n" \
"  --state-period MS      pool_state sampling period for the timeline (default 50)\n" \
"  --fresh                reload the module first: pools start at their initial size\n" \
"  --test-spin-ns N       TEST ONLY: spin N ns in every allocation (a deliberate slowdown)\n"

#define RUN_GUEST_HELP \
"Guest (tools/dmapool-vm):\n" \
"  --vm                   run in a guest even if this host loads modules\n" \
"  --kernel VER           guest kernel, e.g. 6.1 (default: newest installed)\n" \
"  --vm-mem SIZE          guest memory, 128M..this host's (default 2G)\n" \
"  --deterministic        guest with -icount: latencies in instruction-time\n"

struct run_opts {
	const char *cmd;		/* "run" or "record", for messages */
	char spec_line[DMAPOOL_MAX_SPEC_LEN + 256];
	struct dmapool_spec spec;
	const char *coherent_pool;
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
	bool force_vm;
	struct vm_opts vm;
};

/*
 * A collector. The loop calls start once, then begin / wait... / end around
 * every run, then stop (always, before anything may unload the module), then
 * finish (always, once).
 */
struct run_backend {
	const char *cmd;		/* the subcommand */
	const char *usage;		/* its --help */
	bool record;			/* -o names a file; --buffer-kb */
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

/* Are we the guest of a --deterministic (icount, one vCPU) boot? */
bool run_in_icount_guest(void);

/* The collectors of `run` (BPF maps) and `record` (raw ftrace). */
extern const struct run_backend run_bpf_backend;
extern const struct run_backend run_record_backend;

/*
 * Parse `run`/`record` options (@argv[0] is skipped; reset optind first)
 * into @o, with the default workload where not given. 0 or -EINVAL.
 */
int run_parse_opts(const struct run_backend *be, struct run_opts *o,
		   int argc, char **argv);

/*
 * One run of @o->spec_line on the loaded module, collected by @be (started,
 * @priv): its module_stats and what @be adds, or NULL on failure.
 */
struct json_object *run_once(const struct run_opts *o,
			     const struct run_backend *be, void *priv,
			     unsigned int index, bool *ok);

/* `run` and `record`: options, guest or here, the runs, the outputs. */
int run_main(const struct run_backend *be, int argc, char **argv);

/* Check `run` options @argv (argv[0] is skipped) without running: 0 or -EINVAL. */
int run_check_args(int argc, char **argv);

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

#endif
