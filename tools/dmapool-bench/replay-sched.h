/* SPDX-License-Identifier: GPL-2.0 */
/*
 * run --replay: a capture (capfile.h) turned into the module's replay
 * schedule (bench-module/replay.c), loaded, run and measured like any run.
 *
 * The schedule: every captured allocation at its time, and the free of each
 * block freed during the capture at its time plus its lifetime, merged in
 * time order. Times start at the first allocation (a capture's quiet lead-in
 * is not replayed). At equal times a free goes after its own allocation and
 * before every later one, frees by allocation order: the order the capture
 * implies, whatever the clock's resolution. Blocks the capture never saw
 * freed stay until the replay's end.
 */
#ifndef DMAPOOL_BENCH_REPLAY_SCHED_H
#define DMAPOOL_BENCH_REPLAY_SCHED_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capfile.h"
#include "dmapool_bench.h"

#define REPLAY_ERR_LEN 256

enum replay_kind { REPLAY_ALLOC, REPLAY_FREE };

/* One line of the module's schedule. */
struct replay_op {
	uint64_t t_ns;			/* from the first allocation, unscaled */
	uint32_t id;			/* the allocation's index */
	uint32_t size;			/* bytes (allocations) */
	uint8_t kind;			/* enum replay_kind */
	uint8_t zone;			/* enum dmapool_zone (allocations) */
	uint8_t mask_bits;		/* allocations */
	uint8_t ctx;			/* enum dmapool_ctx */
};

struct replay_sched {
	struct replay_op *ops;
	size_t nr;
	size_t nr_allocs;
	size_t nr_frees;
	uint64_t span_ns;		/* the last operation's time */
};

/* The device mask as a bit count, as the module takes it (fls64). */
unsigned int replay_mask_bits(uint64_t mask);

/*
 * The schedule of @nr captured records: 0, or -EINVAL with "record N:
 * .path: what" (N from 1, as capfile's) in @err, or -ENOMEM.
 */
int replay_convert(const struct cap_rec *recs, size_t nr,
		   struct replay_sched *s, char *err, size_t errlen);
void replay_sched_free(struct replay_sched *s);

/* Schedule line @i ("a ID T SIZE ZONE BITS CTX\n" / "f ID T CTX\n"). */
int replay_op_format(const struct replay_op *op, char *buf, size_t len);

/*
 * A speed factor as the module takes it: a decimal of at most 3 decimals,
 * 0.001 to 1000; in thousandths into @milli. 0 or -EINVAL.
 */
int replay_parse_speed(const char *s, uint32_t *milli);

struct run_opts;
struct tracer;

/*
 * Load and check @o->replay, convert it, check @o->speed: 0, or -EINVAL
 * after one line naming the file and what is wrong. Freed at exit.
 */
int replay_opts_load(struct run_opts *o);
/* meta.replay: {file, crc32, records, kernel, arch, speed}. */
struct json_object *replay_meta(const struct run_opts *o);
/* One replay on the loaded module, as run_once() does a generator run. */
struct json_object *replay_run_once(const struct run_opts *o,
				    const struct tracer *t, void *priv,
				    unsigned int index, bool *ok);

#endif
