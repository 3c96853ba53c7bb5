/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel target of `monitor`: bpf/kpool.bpf.c on the running kernel's
 * own atomic pools, with the maps of bpf/dmapool.h.
 */
#ifndef DMAPOOL_BENCH_KCOLLECT_H
#define DMAPOOL_BENCH_KCOLLECT_H

#include <json-c/json.h>
#include <stdbool.h>

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
/* Are the kernel's dma_pools debugfs files readable? */
bool kcollect_debugfs_ok(void);

#endif
