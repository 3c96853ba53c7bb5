/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dmapool-bench bench: the tracers whose cost it measures (bench-tracers.c),
 * (struct tracer, run.h), and what they counted for the lost-event check.
 */
#ifndef DMAPOOL_BENCH_BENCH_H
#define DMAPOOL_BENCH_BENCH_H

#include <stdint.h>

#include "run.h"

enum bench_tracer { TR_NONE, TR_BPF, TR_BPFTRACE, TR_HIST, TR_RECORD, NR_TRACERS };

/* Counts a tracer kept, for the lost-event check; -1: it keeps none. */
struct traced {
	int64_t ops, frees, dropped;
};

/* The tracers: (a) none, (b) our BPF, (c) bpftrace, (d) ftrace hist, (e) record. */
extern const struct tracer *const bench_tracers[NR_TRACERS];

/* What the bpftrace tracer counted, read when it stopped. */
const struct traced *bench_bpftrace_counts(void);

/* bench's --help, the tracers' usage. */

#endif
