/* SPDX-License-Identifier: GPL-2.0 */
/*
 * BPF collection: load bpf/dmapool.bpf.c (tp_btf when the module has BTF,
 * classic tracepoints otherwise), attach, read the maps into a result run,
 * reset them between runs, detach.
 */
#ifndef DMAPOOL_BENCH_COLLECT_H
#define DMAPOOL_BENCH_COLLECT_H

#include <json-c/json.h>
#include <stdint.h>

struct collector;

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

/* The event counters, summed over CPUs (monitor). */
struct dmapool_counters;
struct dmapool_hist;
int collect_counters(struct collector *c, struct dmapool_counters *sum);
/* One op's latency histogram for @pool, merged over contexts and sizes. */
int collect_op_hist(struct collector *c, uint32_t op, uint32_t pool,
		    struct dmapool_hist *out);

/* CLOCK_MONOTONIC ns, the clock of bpf_ktime_get_ns(). */
uint64_t mono_ns(void);

#endif
