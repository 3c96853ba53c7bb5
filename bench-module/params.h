/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Module parameters: validated once at load time into the pools' config.
 */
#ifndef _DMAPOOL_PARAMS_H
#define _DMAPOOL_PARAMS_H

#include "pool.h"

/* 0, or -EINVAL with one pr_err naming the parameter. */
int dmapool_params_check(struct dmapool_config *cfg);

#endif /* _DMAPOOL_PARAMS_H */
