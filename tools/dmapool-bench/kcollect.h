/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel target of `monitor`: bpf/kpool.bpf.c on the running kernel's
 * own atomic pools, with the maps of bpf/dmapool.h.
 */
#ifndef DMAPOOL_BENCH_KCOLLECT_H
#define DMAPOOL_BENCH_KCOLLECT_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

struct collector;

/*
 * Load and attach; @want: "auto" (fentry/fexit, else kprobes), "fentry" or
 * "kprobe"; *@how says which. Prints one line and returns -errno when the
 * kernel has no atomic pool or nothing attaches.
 */
int kcollect_start(struct collector **out, const char *want, const char **how);
/*
 * Per pool, like kmod_pools(): present and size from the kernel's
 * dma_pools/pool_size_* files; size_walked and avail as the programs last
 * saw them (-1: no event yet); largest_free -1 (unknown); expansions.
 */
struct json_object *kcollect_pools(struct collector *c);
/*
 * Is @func (dma_alloc_from_pool, dma_free_from_pool, atomic_pool_expand,
 * atomic_pool_work_fn) traced by the running collector? kcollect_start()
 * leaves out, with one line each, those the kernel's BTF lacks.
 */
bool kcollect_traced(const char *func);
/* The names of those left out, a new JSON array. */
struct json_object *kcollect_untraced(void);
/*
 * Walk every pool's chunks now, so that kcollect_pools()'s avail and
 * size_walked are current even for a pool without events. 0 or -errno.
 */
int kcollect_walk(struct collector *c);
/* Are the kernel's dma_pools debugfs files readable? */
bool kcollect_debugfs_ok(void);

/*
 * Capture (dmapool-bench capture), read by kcollect_start() before it
 * loads: off (all zero) unless set. When on, the fentry/fexit set also
 * loads the capture programs, which send one struct dmapool_cap_event per
 * allocation and per pool free to a ring buffer of @ring_bytes (a power of
 * 2, at least a page). The kprobe set has no capture programs.
 */
struct kcapture_opts {
	bool on;
	uint32_t ring_bytes;
};

extern struct kcapture_opts kcollect_capture;

/* The capture ring buffer's fd; the records it could not take. */
int kcollect_capture_fd(struct collector *c);
uint64_t kcollect_capture_dropped(struct collector *c);
/*
 * The kernel's atomic_pool_size (bytes), read through its kallsyms address
 * by the programs: 0, or -ENOENT when kallsyms does not list it.
 */
int kcollect_atomic_pool_size(struct collector *c, uint64_t *bytes);

#endif
