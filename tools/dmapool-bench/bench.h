/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dmapool-bench bench: the tracers whose cost it measures (bench-tracers.c),
 * (struct tracer, run.h), and what they counted for the lost-event check.
 */
#ifndef DMAPOOL_BENCH_BENCH_H
#define DMAPOOL_BENCH_BENCH_H

#include <limits.h>
#include <stdint.h>
#include <sys/types.h>

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

/* A tracer run as a child process, its stdout and stderr into @out. */
struct bench_child {
	pid_t pid;
	char out[PATH_MAX + 64];	/* outdir (PATH_MAX) and a name */
};

/*
 * Run @argv (argv[0] looked up in PATH) and wait until a line of its output
 * holds @ready (3 minutes at most). 0, or -errno after one line saying so
 * (the child is gone then).
 */
int bench_child_start(struct bench_child *c, char *const argv[], const char *ready);
/*
 * SIGINT (repeated while it prints nothing), then wait for its exit (2
 * minutes at most, then SIGKILL). 0 when it exited 0; else -errno after one
 * line naming @what.
 */
int bench_child_stop(struct bench_child *c, const char *what);

/* bench's --help, the tracers' usage. */

#endif
