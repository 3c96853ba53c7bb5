/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The file `dmapool-bench record` writes and `report` reads: a raw ftrace
 * recording of the dmapool_bench events with everything needed to decode it
 * elsewhere, and the result skeleton of the runs it covers.
 *
 *   header   8 bytes magic "DPBRAW1\n", u32 version (1), u32 0x01020304
 *            (the writer's byte order; every integer below is in it, and so
 *            are the ring-buffer pages: the writer is the traced kernel's
 *            machine)
 *   sections until END, each: u32 type, u32 cpu (REC_NO_CPU if none),
 *            u32 length, u32 crc32 (zlib's) of the payload, then length
 *            bytes (no padding):
 *
 *   INFO         JSON: page_size (ring-buffer page), long_size (the kernel's
 *                long, the width of a page's commit field), ncpus,
 *                trace_clock ("mono": CLOCK_MONOTONIC, the clock of the
 *                runs' t0_ns/t1_ns), instance, buffer_kb, system
 *   HEADER_PAGE  the text of events/header_page
 *   FORMAT       the text of events/dmapool_bench/EVENT/format, one each
 *   PAGE (cpu)   one ring-buffer page as trace_pipe_raw returned it, cut
 *                after its data (header + commit bytes, plus the 8-byte
 *                missed-events count when the page says it stored one):
 *                readers pad it with zeros to page_size. A CPU's pages come
 *                in the order they were read, i.e. in time order.
 *   STATS (cpu)  the text of per_cpu/cpuN/stats after the last page
 *   SKELETON     JSON: the result file `run` would write minus what BPF
 *                collects: schema, meta (bpf_attach "ftrace-raw"), runs[]
 *                with index, state, elapsed_ns, module_stats and the run's
 *                window t0_ns..t1_ns (CLOCK_MONOTONIC)
 *   END          empty: the file is complete
 *
 * Sections may come in any order (the writer streams PAGEs as the run goes
 * and writes STATS and SKELETON at the end); readers skip unknown types.
 */
#ifndef DMAPOOL_BENCH_RECFILE_H
#define DMAPOOL_BENCH_RECFILE_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define REC_MAGIC		"DPBRAW1\n"
#define REC_MAGIC_LEN		8
#define REC_VERSION		1
#define REC_BYTE_ORDER		0x01020304u
#define REC_NO_CPU		0xffffffffu
#define REC_SYSTEM		"dmapool_bench"
#define REC_ATTACH		"ftrace-raw"	/* meta.bpf_attach */

enum rec_section {
	REC_SEC_INFO = 1,
	REC_SEC_HEADER_PAGE = 2,
	REC_SEC_FORMAT = 3,
	REC_SEC_PAGE = 4,
	REC_SEC_STATS = 5,
	REC_SEC_SKELETON = 6,
	REC_SEC_END = 7,
};

struct rec_file_header {
	char magic[REC_MAGIC_LEN];
	uint32_t version;
	uint32_t byte_order;
};

struct rec_section_header {
	uint32_t type;
	uint32_t cpu;
	uint32_t len;
	uint32_t crc;
};

/* The value of "KEY: N" in a per_cpu stats text, 0 if absent. */
static inline uint64_t rec_stat(const char *text, const char *key)
{
	size_t n = strlen(key);
	const char *p;

	for (p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, key, n) && p[n] == ':')
			return strtoull(p + n + 1, NULL, 10);
	return 0;
}

/*
 * A ring-buffer page: u64 timestamp, then the commit word (a long): the
 * bytes of data, and flags in its top bits (include/linux/ring_buffer.h,
 * kernel/trace/ring_buffer.c).
 */
#define REC_PAGE_MISSED_EVENTS	(1ull << 31)	/* events lost before this page */
#define REC_PAGE_MISSED_STORED	(1ull << 30)	/* their count follows the data */
#define REC_PAGE_COMMIT_MASK	((1ull << 27) - 1)

#endif
