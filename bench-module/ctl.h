/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Module parameters, their validation, and the debugfs control files.
 */
#ifndef _DMAPOOL_CTL_H
#define _DMAPOOL_CTL_H

#include "pool.h"

int dmapool_params_check(struct dmapool_config *cfg);

int dmapool_debugfs_init(void);
void dmapool_debugfs_exit(void);

void dmapool_state_timer_start(void);
void dmapool_state_timer_stop(void);

#endif /* _DMAPOOL_CTL_H */
