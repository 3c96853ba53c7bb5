// SPDX-License-Identifier: GPL-2.0
/*
 * Zone policy: which pools this machine gets and which pool rules it
 * follows, from its zones' managed pages, the kernel's own pools and the
 * kernel version.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/mmzone.h>
#include <linux/nodemask.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/version.h>

#include "kpools.h"
#include "pool_logic.h"
#include "spec.h"
#include "zones.h"

static bool dmapool_zone_managed(enum zone_type zt)
{
	int nid;

	for_each_online_node(nid)
		if (zone_managed_pages(&NODE_DATA(nid)->node_zones[zt]))
			return true;
	return false;
}

static const enum zone_type dmapool_pool_zone[DMAPOOL_NR_POOLS] = {
	[DMAPOOL_POOL_DMA] = ZONE_DMA,
	[DMAPOOL_POOL_DMA32] = ZONE_DMA32,
	[DMAPOOL_POOL_KERNEL] = ZONE_NORMAL,
};

/* BIT(pool) for every pool whose zone has managed pages. */
static unsigned int dmapool_managed_pools(void)
{
	unsigned int mask = 0;
	int id;

	for (id = 0; id < DMAPOOL_NR_POOLS; id++)
		if (dmapool_zone_managed(dmapool_pool_zone[id]))
			mask |= BIT(id);
	return mask;
}

/* Which pools dma_atomic_pool_init() creates here under rules @sem. */
static unsigned int dmapool_auto_zones(int sem)
{
	return dmapool_sem_pools(sem, dmapool_managed_pools(),
				 IS_ENABLED(CONFIG_ZONE_DMA32));
}

/*
 * semantics=auto: the rules the running kernel follows. Its pools decide
 * where the two rule sets create different ones (a machine without
 * ZONE_NORMAL pages, or without ZONE_DMA32 pages); elsewhere they create the
 * same pools and the version decides (a backport of the v6.19 rules to an
 * older version would then go unseen: say so in `pools`).
 */
void dmapool_zones_choose_sem(struct dmapool_config *cfg,
			      const struct dmapool_kpools *kp)
{
	int probe;

	cfg->sem = dmapool_sem_of_version(LINUX_VERSION_MAJOR,
					  LINUX_VERSION_PATCHLEVEL);
	cfg->sem_from = "version";
	if (!kp->ok) {
		cfg->sem_why = kp->why;
		return;
	}
	probe = dmapool_sem_probe(kp->present, dmapool_managed_pools(),
				  IS_ENABLED(CONFIG_ZONE_DMA32));
	if (probe >= 0) {
		cfg->sem = probe;
		cfg->sem_from = "probe";
		cfg->sem_why = "the kernel's pools are the ones only these rules create here";
	} else if (probe == -1) {
		cfg->sem_why = "both rule sets create the same pools on this machine";
	} else {
		cfg->sem_why = "the kernel's pools match neither rule set";
		pr_warn("semantics: the kernel's pools (0x%x) match neither rule set; going by version\n",
			kp->present);
	}
}

/* zones=: "auto" or a list of pools, each with managed pages here. */
int dmapool_zones_parse(const char *s, int sem, unsigned int *out)
{
	char *buf, *cur, *tok;
	int id, ret = 0;

	if (!strcmp(s, "auto")) {
		*out = dmapool_auto_zones(sem);
		return 0;
	}
	buf = kstrdup(s, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	*out = 0;
	cur = buf;
	while ((tok = strsep(&cur, ","))) {
		id = dmapool_name_index(DMAPOOL_NAMES_POOL, tok, strlen(tok));
		if (id < 0) {
			pr_err("zones: unknown pool '%s' (kernel, dma32, dma or auto)\n",
			       tok);
			ret = -EINVAL;
			break;
		}
		if (!(dmapool_auto_zones(sem) & BIT(id))) {
			pr_err("zones: %s has no managed pages on this machine\n",
			       tok);
			ret = -EINVAL;
			break;
		}
		*out |= BIT(id);
	}
	kfree(buf);
	return ret;
}
