/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The running kernel's own atomic pools, read at load time: its
 * atomic_pool_size, which pools it created and their first blocks. The
 * module copies them so that its pools start as the kernel's did at boot.
 */
#ifndef _DMAPOOL_KPOOLS_H
#define _DMAPOOL_KPOOLS_H

#include <linux/types.h>
#include "dmapool_bench.h"

struct gen_pool;

struct dmapool_kpools {
	bool ok;			/* the kernel's pool variables were read */
	const char *why;		/* !ok: why not */
	u64 pool_size;			/* atomic_pool_size, bytes */
	unsigned int present;		/* BIT(pool): the kernel created it */
	u64 initial[DMAPOOL_NR_POOLS];	/* bytes of its first block */
	struct gen_pool *gp[DMAPOOL_NR_POOLS];
};

/*
 * The address of kernel function @name (its start, or just past its ENDBR),
 * checked against kallsyms; NULL when it cannot be found. Process context.
 */
void *dmapool_ksym(const char *name);
/* The same for a variable: exactly its start. */
void *dmapool_ksym_data(const char *name);

/* Fill @kp from the running kernel; kp->ok says whether it could. */
void dmapool_kpools_read(struct dmapool_kpools *kp);

/* The kernel's pool that holds [@vaddr, @vaddr + @size), or -ENOENT. */
int dmapool_kpools_owner(const struct dmapool_kpools *kp,
			 unsigned long vaddr, size_t size);

#endif /* _DMAPOOL_KPOOLS_H */
