/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Zone policy: the pools this machine gets and the pool rules it follows.
 */
#ifndef _DMAPOOL_ZONES_H
#define _DMAPOOL_ZONES_H

#include "pool.h"

struct dmapool_kpools;

/* semantics=auto: set cfg->sem and say why (sem_from, sem_why). */
void dmapool_zones_choose_sem(struct dmapool_config *cfg,
			      const struct dmapool_kpools *kp);
/* zones=: BIT(pool) of the pools to create under rules @sem, or -errno. */
int dmapool_zones_parse(const char *s, int sem, unsigned int *out);

#endif /* _DMAPOOL_ZONES_H */
