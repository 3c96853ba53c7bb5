// SPDX-License-Identifier: GPL-2.0
/*
 * The running kernel's own atomic pools, read at load time.
 *
 * kernel/dma/pool.c keeps its state in static variables: atomic_pool_size
 * (set at boot from coherent_pool= or from the RAM counted then) and the
 * atomic_pool_{dma,dma32,kernel} gen_pools. Neither they nor
 * kallsyms_lookup_name() are exported, so the symbols are resolved the way
 * the kprobes API resolves a probe point: register_kprobe() looks the name
 * up in kallsyms and stores the address in the kprobe before it checks
 * whether that address may be probed. A data symbol is then refused
 * (-EINVAL, nothing armed) but its address is known. No unexported function
 * is ever called, so this also works where kernel IBT seals functions
 * against indirect calls. Every address is checked against kallsyms in the
 * other direction (sprint_symbol(), exported) before it is used: a kernel
 * where the lookup behaves otherwise gets "not found", never a wrong read.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/genalloc.h>
#include <linux/kallsyms.h>
#include <linux/kprobes.h>
#include <linux/rculist.h>
#include <linux/string.h>

#include "kpools.h"

static void *dmapool_ksym_at(const char *name, bool text)
{
	struct kprobe kp = { .symbol_name = name };
	char have[KSYM_SYMBOL_LEN], want[KSYM_NAME_LEN + 8];
	unsigned long addr;
	size_t n;

	if (!IS_ENABLED(CONFIG_KPROBES))
		return NULL;
	if (!register_kprobe(&kp))
		unregister_kprobe(&kp);
	addr = (unsigned long)kp.addr;
	if (!addr)
		return NULL;
	sprint_symbol(have, addr);
	/* "name+0x0/0x8"; a probed function may start after its ENDBR. */
	n = snprintf(want, sizeof(want), "%s+0x0/", name);
	if (!strncmp(have, want, n))
		return (void *)addr;
	n = snprintf(want, sizeof(want), "%s+0x4/", name);
	if (text && !strncmp(have, want, n))
		return (void *)addr;
	pr_err("symbol %s resolved to %s, not used\n", name, have);
	return NULL;
}

void *dmapool_ksym(const char *name)
{
	return dmapool_ksym_at(name, true);
}

void *dmapool_ksym_data(const char *name)
{
	return dmapool_ksym_at(name, false);
}

void dmapool_kpools_read(struct dmapool_kpools *kp)
{
	static const char * const vars[DMAPOOL_NR_POOLS] = {
		[DMAPOOL_POOL_DMA] = "atomic_pool_dma",
		[DMAPOOL_POOL_DMA32] = "atomic_pool_dma32",
		[DMAPOOL_POOL_KERNEL] = "atomic_pool_kernel",
	};
	struct gen_pool_chunk *chunk, *first;
	struct gen_pool **var;
	size_t *size;
	int id;

	memset(kp, 0, sizeof(*kp));
	if (!IS_ENABLED(CONFIG_DMA_COHERENT_POOL)) {
		kp->why = "kernel built without CONFIG_DMA_COHERENT_POOL";
		return;
	}
	if (!IS_ENABLED(CONFIG_KPROBES) || !IS_ENABLED(CONFIG_KALLSYMS_ALL)) {
		kp->why = "kernel built without CONFIG_KPROBES or CONFIG_KALLSYMS_ALL";
		return;
	}
	size = dmapool_ksym_data("atomic_pool_size");
	if (!size) {
		kp->why = "atomic_pool_size not found in kallsyms";
		return;
	}
	for (id = 0; id < DMAPOOL_NR_POOLS; id++) {
		var = dmapool_ksym_data(vars[id]);
		if (!var) {
			kp->why = "atomic_pool_{dma,dma32,kernel} not found in kallsyms";
			return;
		}
		kp->gp[id] = READ_ONCE(*var);
		if (!kp->gp[id])
			continue;
		kp->present |= BIT(id);
		/*
		 * gen_pool_add() puts each chunk at the head of the list and
		 * the kernel never removes one: the last is the boot block.
		 */
		first = NULL;
		rcu_read_lock();
		list_for_each_entry_rcu(chunk, &kp->gp[id]->chunks, next_chunk)
			first = chunk;
		if (first)
			kp->initial[id] = first->end_addr - first->start_addr + 1;
		rcu_read_unlock();
	}
	kp->pool_size = READ_ONCE(*size);
	if (!kp->pool_size) {
		kp->why = "atomic_pool_size is 0 (the pools were never set up)";
		return;
	}
	kp->ok = true;
}

int dmapool_kpools_owner(const struct dmapool_kpools *kp, unsigned long vaddr,
			 size_t size)
{
	int id;

	for (id = 0; id < DMAPOOL_NR_POOLS; id++)
		if (kp->gp[id] && gen_pool_has_addr(kp->gp[id], vaddr, size))
			return id;
	return -ENOENT;
}
