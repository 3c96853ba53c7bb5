/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The file `dmapool-bench capture` writes and `run --replay` reads: the real
 * kernel pool traffic of one capture, schema "dmapool-capture/1".
 *
 * JSON Lines: UTF-8, one JSON object per line, each line ended by "\n", no
 * blank lines, nothing after the trailer. Every key below is required, no
 * other key is allowed; integers are JSON integers (no fraction, no
 * exponent), never negative; hex values are strings "0x" followed by 1 to
 * 16 lowercase hex digits.
 *
 * Line 1, the header:
 *   {"schema":"dmapool-capture/1","meta":{
 *     "version":    the capturing CLI's git describe (non-empty)
 *     "time":       capture start, UTC, "YYYY-MM-DDTHH:MM:SSZ"
 *     "kernel":     uname -r, "arch": uname -m (non-empty)
 *     "duration_ns": capture length; every record's t_ns, and t_ns + life_ns,
 *                   lie within it
 *     "atomic_pool_size": the kernel's atomic_pool_size variable in bytes
 *                   (read through kallsyms at start), or null when unknown
 *     "coherent_pool_param": the value of coherent_pool= on /proc/cmdline
 *                   (last one wins, as the kernel's early_param), or null
 *     "pools_at_start": {"dma":{"present":0|1,"size":N},"dma32":{...},
 *                   "kernel":{...}}: the pools' sizes in bytes when the
 *                   capture started (debugfs dma_pools/pool_size_*); a pool
 *                   is present when its size is not 0; a present pool's size
 *                   is a non-zero multiple of 4096, an absent one's is 0
 *     "dropped":    events the BPF side could not deliver (ring buffer full)
 *   }}
 *
 * Then one line per dma_alloc_from_pool() call, in call order (t_ns never
 * decreases):
 *   {"t_ns":      ns since the capture started (CLOCK_MONOTONIC)
 *    "size":      bytes asked, 1 .. 1 GiB
 *    "zone":      "kernel"|"dma32"|"dma": the zone the gfp asks for; it must
 *                 agree with "gfp" (___GFP_DMA 0x1: dma, ___GFP_DMA32 0x4:
 *                 dma32, neither: kernel; both is refused)
 *    "pool":      "dma"|"dma32"|"kernel", the pool that served it, or null
 *                 when it failed; a pool present at start
 *    "result":    "ok" (pool not null) | "exhausted" | "addr_rejected" |
 *                 "no_pool" (pool null), the names of dmapool_bench.h
 *    "gfp":       the gfp flags, 32 bits
 *    "dev":       dev_name() of the device: printable ASCII (0x20..0x7e; the
 *                 writer turns any other byte into '?'), 1 to 63 bytes
 *    "driver":    its driver's name, the same way, or null when unbound
 *    "mask":      the device's coherent_dma_mask
 *    "ctx":       "hardirq"|"softirq"|"atomic"|"process": where it was called
 *    "life_ns":   ns until dma_free_from_pool() took the block back, or null
 *                 when it was still held at the end (and always when it
 *                 failed)
 *    "free_ctx":  the context of that free; null exactly when life_ns is
 *   }
 *
 * Last line, the trailer:
 *   {"end":{"records":N,"crc32":"0x%08x"}}: the number of record lines, and
 *   zlib's crc32 of every byte of the file before this line (the header and
 *   record lines with their newlines), 8 lowercase hex digits.
 *
 * The reader checks all of this and names the first error as
 * "FILE:LINE: .json.path: what", e.g. "capture.jsonl:17: .size: 0 is not
 * in 1..1073741824".
 */
#ifndef DMAPOOL_BENCH_CAPFILE_H
#define DMAPOOL_BENCH_CAPFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dmapool_bench.h"

#define CAPFILE_SCHEMA		"dmapool-capture/1"
#define CAP_NAME_MAX		64	/* bytes of dev and driver, with the NUL */
#define CAP_TEXT_MAX		128	/* bytes of the meta strings, with the NUL */
#define CAP_MAX_SIZE		(1ull << 30)	/* largest "size" */
#define CAP_ERR_LEN		512
#define CAP_NO_CTX		(-1)	/* free_ctx null */

struct cap_pool_start {
	bool present;
	uint64_t size;				/* bytes */
};

struct cap_meta {
	char version[CAP_TEXT_MAX];
	char time[CAP_TEXT_MAX];		/* ISO 8601 UTC, seconds */
	char kernel[CAP_TEXT_MAX];
	char arch[CAP_TEXT_MAX];
	uint64_t duration_ns;
	bool has_atomic_pool_size;
	uint64_t atomic_pool_size;		/* bytes */
	bool has_coherent_pool_param;
	char coherent_pool_param[CAP_TEXT_MAX];
	struct cap_pool_start pools[DMAPOOL_NR_POOLS];	/* enum dmapool_pool */
	uint64_t dropped;
};

struct cap_rec {
	uint64_t t_ns;
	uint64_t size;				/* bytes */
	enum dmapool_zone zone;
	enum dmapool_pool pool;			/* DMAPOOL_POOL_NONE: null */
	enum dmapool_result result;
	uint32_t gfp;
	char dev[CAP_NAME_MAX];
	bool has_driver;
	char driver[CAP_NAME_MAX];
	uint64_t mask;
	enum dmapool_ctx ctx;
	bool freed;				/* life_ns, free_ctx not null */
	uint64_t life_ns;
	int free_ctx;				/* enum dmapool_ctx, or CAP_NO_CTX */
};

struct capfile {
	struct cap_meta meta;
	struct cap_rec *recs;
	size_t nr;
};

/* Turn what a name may not hold into '?' (before writing it). */
void cap_name_clean(char *s);

/* The zone a gfp asks for; -EINVAL when it sets both DMA zone bits. */
int cap_gfp_zone(uint32_t gfp);

/*
 * Check @cf as the reader would (every field, order, ranges); 0, or -EINVAL
 * with "record N: .path: what" (or "meta: ...") in @err.
 */
int capfile_check(const struct capfile *cf, char *err, size_t len);

/*
 * Write @cf to @path atomically (afile.h); errors printed. Refuses (-EINVAL,
 * printed) what the reader would refuse.
 */
int capfile_write(const char *path, const struct capfile *cf);

/*
 * Parse the @len bytes at @buf as a capture file named @name (for messages):
 * 0 with @cf filled (free it with capfile_free()), or -EINVAL/-ENOMEM with
 * "NAME:LINE: .path: what" in @err and @cf empty.
 */
int capfile_parse(const char *buf, size_t len, const char *name,
		  struct capfile *cf, char *err, size_t errlen);

/* capfile_parse() of the file at @path (which names it in @err). */
int capfile_load(const char *path, struct capfile *cf, char *err,
		 size_t errlen);

void capfile_free(struct capfile *cf);

#endif
