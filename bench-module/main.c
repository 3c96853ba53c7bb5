// SPDX-License-Identifier: GPL-2.0
/*
 * dmapool_bench: an instrumented copy of the kernel's atomic DMA pools
 * (kernel/dma/pool.c) with tracepoints, counters and a load generator.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>

#include "debugfs.h"
#include "load.h"
#include "params.h"
#include "pool.h"
#include "realpool.h"
#include "replay.h"

static int __init dmapool_init(void)
{
	struct dmapool_config cfg;
	int ret;

	ret = dmapool_params_check(&cfg);
	if (!ret)
		ret = dmapool_realpool_init();
	if (ret)
		return ret;
	ret = dmapool_pools_init(&cfg);
	if (ret)
		goto err_pools;
	ret = dmapool_debugfs_init();
	if (ret)
		goto err_pools;
	dmapool_state_timer_start();
	return 0;

err_pools:
	dmapool_realpool_exit();
	dmapool_pools_exit();
	return ret;
}

static void __exit dmapool_exit(void)
{
	dmapool_state_timer_stop();
	dmapool_debugfs_exit();
	dmapool_realpool_exit();
	dmapool_load_exit();
	dmapool_replay_exit();
	dmapool_pools_exit();
}

module_init(dmapool_init);
module_exit(dmapool_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Instrumented atomic DMA pools and load generator");
MODULE_AUTHOR("dmapool-bench developers");
