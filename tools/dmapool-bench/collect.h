/* SPDX-License-Identifier: GPL-2.0 */
/*
 * BPF collection: load bpf/dmapool.bpf.c (tp_btf when the module has BTF,
 * classic tracepoints otherwise), attach, read the maps into a result run,
 * reset them between runs, detach.
 */
#ifndef DMAPOOL_BENCH_COLLECT_H
#define DMAPOOL_BENCH_COLLECT_H

#include <json-c/json.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <bpf/libbpf.h>

#include "dmapool.h"

struct bpf_object;

/* A loaded and attached set of programs with the maps of bpf/dmapool.h. */
struct collector {
	struct bpf_object *obj;
	void (*destroy)(void *skel);
	void *skel;
	int hists_fd, counters_fd, samples_fd;
	__u64 *nr_samples;		/* the program's sample counter (bss) */
	int ncpus;
	uint64_t t0_ns;
	uint64_t misses_base[DMAPOOL_NR_EVENTS];	/* before the run */
	void *buf;			/* one per-CPU value of the largest map */
	/* Holder attribution (collect_track.on): */
	int blocks_fd, holders_fd;	/* -1 when off */
	int stacks_fd, fail_fd;		/* kernel target only; else -1 */
	/* Per stream (collect_streams > 1); else -1: */
	int stream_counters_fd, stream_hists_fd;
	unsigned int nr_streams;
};

/*
 * The streams of the runs to come, read by collect_start() before it loads:
 * with several, the programs keep per-stream counters and histograms
 * (collect_stream_counters(), collect_stream_cases()); 0 or 1: none.
 */
extern unsigned int collect_streams;

/*
 * Holder attribution (monitor --by), read by collect_start() and
 * kcollect_start() before they load: off (all zero) unless set. When off the
 * blocks and holders maps shrink to one entry and the programs skip them.
 */
struct track_opts {
	bool on;
	bool stacks;			/* kernel target: a kernel stack per block */
	bool key_stacks;		/* kernel target: holders per device and stack */
	uint32_t max_blocks;		/* entries of the blocks map */
};

extern struct track_opts collect_track;

struct bpf_map;
/* Size the attribution maps of a program set before load. */
void collect_track_maps(struct bpf_map *blocks, struct bpf_map *holders);
/* collect_init()'s lookup of the attribution maps' fds. */
void collect_track_fds(struct collector *c);

/* Fill @c's map descriptors and buffers from a loaded object. */
int collect_init(struct collector *c, struct bpf_object *obj,
		 void (*destroy)(void *), void *skel);
/* libbpf's messages, shown with -v (debug with -vv). */
int collect_libbpf_print(enum libbpf_print_level level, const char *fmt,
			 va_list ap);

/*
 * Open, load and attach. @want: "auto" (tp_btf when the module has BTF and
 * it loads, else classic tracepoints), "tp_btf" or "tracepoint"; *@how says
 * which was used.
 */
int collect_start(struct collector **out, const char *want, const char **how);
/* Zero every map; remember the time runs are measured from. */
int collect_reset(struct collector *c, uint64_t t0_ns);
/* Add the run's BPF data to @run: cases, counters, timeline, lost. */
int collect_read(struct collector *c, struct json_object *run);
void collect_stop(struct collector *c);
/* Stream @stream's counters, summed over CPUs. */
int collect_stream_counters(struct collector *c, unsigned int stream,
			    struct dmapool_counters *sum);
/*
 * Stream @stream's histograms as cases with "stream": @name, appended to
 * @cases; its alloc and free latency merged into *@alloc and *@free.
 */
int collect_stream_cases(struct collector *c, unsigned int stream,
			 const char *name, double elapsed_s,
			 struct json_object *cases, struct dmapool_hist *alloc,
			 struct dmapool_hist *free);

/* The event counters, summed over CPUs (monitor). */
struct dmapool_counters;
struct dmapool_hist;
struct dmapool_sample;
int collect_counters(struct collector *c, struct dmapool_counters *sum);
/*
 * One op's latency histogram for @pool, merged over sizes and over contexts
 * (@only_ctx < 0) or for context @only_ctx.
 */
int collect_op_hist(struct collector *c, uint32_t op, uint32_t pool,
		    int only_ctx, struct dmapool_hist *out);

/*
 * The samples (pool_state, pool_expand) recorded since index *@next, at most
 * @max; advances *@next. Returns how many, or -errno.
 */
int collect_new_samples(struct collector *c, uint64_t *next,
			struct dmapool_sample *out, int max);

/* CLOCK_MONOTONIC ns, the clock of bpf_ktime_get_ns(). */
uint64_t mono_ns(void);

#endif
