/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Who holds the pools (monitor --by): the outstanding blocks the BPF
 * programs keep (bpf/holders.bpf.h) summed per holder each interval, with
 * each holder's interval counts, the age of its oldest block and its trend.
 * A memleak/slabtop for the atomic pools. Memory is bounded by the maps:
 * at most DMAPOOL_MAX_HOLDERS rows and --max-blocks blocks.
 */
#ifndef DMAPOOL_BENCH_HOLDERS_H
#define DMAPOOL_BENCH_HOLDERS_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "dmapool.h"

enum holders_by {
	HOLDERS_BY_DEV,			/* kernel: per device */
	HOLDERS_BY_STACK,		/* kernel: per device and kernel stack */
	HOLDERS_BY_CPU,			/* bench: per CPU and context */
};

#define HOLDERS_MAX_TREND	100	/* --trend N, intervals */
#define HOLDERS_OLDEST		5	/* blocks in the exit summary */
#define HOLDERS_MAX_FAIL_EVENTS	1000	/* kept per interval for --json */

struct holder_row {
	struct dmapool_holder_key key;	/* the view's key */
	char dev[DMAPOOL_NAME_LEN + 1];
	char driver[DMAPOOL_NAME_LEN + 1];
	uint64_t live_bytes, live_blocks;
	uint64_t oldest_ts;		/* ts_ns of its oldest block; 0: none */
	uint64_t allocs, frees, fails;	/* this interval */
	uint64_t cum[3], prev[3];	/* allocs, frees, fails since attach */
	uint64_t last_live[HOLDERS_MAX_TREND + 1];	/* newest last */
	unsigned int nlast;
	bool growing;
};

struct holders {
	enum holders_by by;
	bool kernel;
	unsigned int trend;		/* 0: off */
	unsigned int top;		/* rows shown; 0: all */
	int holders_fd, blocks_fd, stacks_fd;
	uint32_t max_blocks;
	uint64_t now_ns;		/* of the last read, CLOCK_MONOTONIC */
	struct holder_row *rows;	/* sorted by key */
	size_t nrows;
	/* The blocks of the last read (key: address; value). */
	uint64_t *addr;
	struct dmapool_block *blk;
	size_t nblk;
	uint64_t tracked[DMAPOOL_NR_POOLS];	/* live bytes tracked per pool */
	uint64_t tracked_bytes, tracked_blocks;
	struct ksyms *ksyms;		/* loaded on the first stack shown */
	unsigned long reads;		/* holders_read() calls */
	unsigned long ksyms_read;	/* the read ksyms were last loaded in */
};

/* @h->by, kernel, trend, top and the map fds set by the caller. */
int holders_init(struct holders *h, uint32_t max_blocks);
void holders_free(struct holders *h);
/*
 * Read the maps: one interval, @partial when it was cut short (Ctrl-C).
 * 0 or -errno.
 */
int holders_read(struct holders *h, uint64_t now_ns, bool partial);

/* The rows to show, biggest live bytes first: *@out (free() it). */
size_t holders_sorted(const struct holders *h, bool all,
		      const struct holder_row ***out);

void holders_print_plain(struct holders *h);
struct json_object *holders_json(struct holders *h);

/* The exit summary: growing holders and the oldest blocks. */
void holders_summary_plain(struct holders *h);
struct json_object *holders_summary_json(struct holders *h);

/* A failure event's line, and as JSON (@wall_off: realtime - monotonic). */
void holders_fail_plain(struct holders *h, const struct dmapool_fail_event *e,
			int64_t wall_off_ns);
struct json_object *holders_fail_json(struct holders *h,
				      const struct dmapool_fail_event *e,
				      int64_t wall_off_ns);

#endif
