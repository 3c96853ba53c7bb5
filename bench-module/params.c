// SPDX-License-Identifier: GPL-2.0
/*
 * Module parameters, declared and validated here and nowhere else: the
 * load-time ones become the pools' configuration (dmapool_params_check()),
 * the writable ones (fault injection, the test-only spin) are checked on
 * every write.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/string.h>
#include <linux/sysfs.h>

#include "compat.h"
#include "debugfs.h"
#include "kpools.h"
#include "params.h"
#include "pool_logic.h"
#include "spec.h"
#include "zones.h"

static char *coherent_pool;
module_param(coherent_pool, charp, 0400);
MODULE_PARM_DESC(coherent_pool,
		 "size of each pool, memparse syntax (64K, 1M); default: the running kernel's atomic_pool_size");

static char *zones = "auto";
module_param(zones, charp, 0400);
MODULE_PARM_DESC(zones,
		 "pools to create: auto (as the running kernel) or a list of kernel,dma32,dma");

static bool remap;
module_param(remap, bool, 0400);
MODULE_PARM_DESC(remap, "vmap() every pool block, as CONFIG_DMA_DIRECT_REMAP platforms do");

static int max_order = -1;
module_param(max_order, int, 0400);
MODULE_PARM_DESC(max_order, "largest expansion block order; -1: the kernel's MAX_PAGE_ORDER");

static char *semantics = "auto";
module_param(semantics, charp, 0400);
MODULE_PARM_DESC(semantics,
		 "pool choice rules: auto (the running kernel's, probed), v6.1 (v6.1..v6.18) or managed (v6.19+: pools only for zones with managed pages)");

/* The running kernel's pools, read once at load time. */
static struct dmapool_kpools dmapool_kp;

static unsigned int state_period_ms;
module_param(state_period_ms, uint, 0400);
MODULE_PARM_DESC(state_period_ms,
		 "emit pool_state every this many ms; 0: only after expansions and when the load ends");

static int fail_order_above = -1;

static int dmapool_set_fail_next(const char *val, const struct kernel_param *kp)
{
	unsigned int v;

	if (!dmapool_may_write(NULL, "fail_next"))
		return -EPERM;
	if (kstrtouint(val, 0, &v) || v > INT_MAX) {
		pr_err("fail_next: invalid value '%s' (0..%d)\n", val, INT_MAX);
		return -EINVAL;
	}
	dmapool_inject_set_next(v);
	return 0;
}

/* The injector counts down: show what is left, not what was written. */
static int dmapool_get_fail_next(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%u\n", dmapool_inject_next());
}

static int dmapool_set_fail_order(const char *val, const struct kernel_param *kp)
{
	int v;

	if (!dmapool_may_write(NULL, "fail_order_above"))
		return -EPERM;
	if (kstrtoint(val, 0, &v) || v < -1 || v > MAX_PAGE_ORDER) {
		pr_err("fail_order_above: invalid value '%s' (-1..%d)\n", val,
		       MAX_PAGE_ORDER);
		return -EINVAL;
	}
	fail_order_above = v;
	dmapool_inject_set_order(v);
	return 0;
}

static unsigned int test_spin_ns;

static int dmapool_set_spin(const char *val, const struct kernel_param *kp)
{
	unsigned int v;

	if (!dmapool_may_write(NULL, "test_spin_ns"))
		return -EPERM;
	if (kstrtouint(val, 0, &v) || v > DMAPOOL_MAX_TEST_SPIN_NS) {
		pr_err("test_spin_ns: invalid value '%s' (0..%u)\n", val,
		       DMAPOOL_MAX_TEST_SPIN_NS);
		return -EINVAL;
	}
	if (v)
		pr_warn("TEST ONLY: every allocation now spins %u ns\n", v);
	test_spin_ns = v;
	dmapool_set_spin_ns(v);
	return 0;
}

static const struct kernel_param_ops dmapool_spin_ops = {
	.set = dmapool_set_spin,
	.get = param_get_uint,
};

static const struct kernel_param_ops dmapool_fail_next_ops = {
	.set = dmapool_set_fail_next,
	.get = dmapool_get_fail_next,
};

static const struct kernel_param_ops dmapool_fail_order_ops = {
	.set = dmapool_set_fail_order,
	.get = param_get_int,
};

module_param_cb(fail_next, &dmapool_fail_next_ops, NULL, 0600);
MODULE_PARM_DESC(fail_next, "fault injection: fail the next N expansion page allocations");
module_param_cb(fail_order_above, &dmapool_fail_order_ops, &fail_order_above, 0600);
MODULE_PARM_DESC(fail_order_above, "fault injection: fail expansion page allocations above this order; -1: off");
module_param_cb(test_spin_ns, &dmapool_spin_ops, &test_spin_ns, 0600);
MODULE_PARM_DESC(test_spin_ns,
		 "TEST ONLY: spin this many ns inside every allocation, a deliberate slowdown for the performance gate's own test; 0: off");

/* semantics=: the rules to follow, and where they came from. */
static int dmapool_params_sem(struct dmapool_config *cfg)
{
	cfg->sem_from = "parameter";
	cfg->sem_why = "semantics= given";
	if (!strcmp(semantics, "auto")) {
		dmapool_zones_choose_sem(cfg, &dmapool_kp);
	} else if (!strcmp(semantics, "v6.1")) {
		cfg->sem = DMAPOOL_SEM_V61;
	} else if (!strcmp(semantics, "managed")) {
		cfg->sem = DMAPOOL_SEM_MANAGED;
	} else {
		pr_err("semantics: unknown value '%s' (auto, v6.1 or managed)\n",
		       semantics);
		return -EINVAL;
	}
	return 0;
}

/* coherent_pool=: the target size, and where it came from. */
static int dmapool_params_size(struct dmapool_config *cfg)
{
	int id;

	if (coherent_pool &&
	    (dmapool_parse_bytes(coherent_pool, strlen(coherent_pool),
				 &cfg->target) ||
	     cfg->target > DMAPOOL_MAX_COHERENT_POOL)) {
		pr_err("coherent_pool: invalid size '%s' (0..1G, memparse syntax)\n",
		       coherent_pool);
		return -EINVAL;
	}
	/*
	 * As upstream, coherent_pool=0 means the default: the kernel's own
	 * atomic_pool_size and first blocks, sized at boot from the RAM it
	 * counted then. The formula now would count the initrd and init
	 * memory freed since, and just past a power-of-two GiB get a pool
	 * twice the kernel's: only where the kernel's cannot be read.
	 */
	cfg->formula = dmapool_default_size(totalram_pages(), PAGE_SHIFT,
					    MAX_ORDER_NR_PAGES);
	cfg->sizing = "parameter";
	if (!cfg->target && dmapool_kp.ok) {
		cfg->sizing = "kernel";
		cfg->target = dmapool_kp.pool_size;
		for (id = 0; id < DMAPOOL_NR_POOLS; id++)
			cfg->initial[id] = dmapool_kp.initial[id];
	} else if (!cfg->target) {
		cfg->sizing = "formula";
		cfg->sizing_why = dmapool_kp.why;
		cfg->target = cfg->formula;
	}
	return 0;
}

/* Validate the load-time parameters and turn them into a pool config. */
int dmapool_params_check(struct dmapool_config *cfg)
{
	int ret;

	memset(cfg, 0, sizeof(*cfg));
	dmapool_kpools_read(&dmapool_kp);
	ret = dmapool_params_sem(cfg);
	if (ret)
		return ret;
	cfg->remap = remap;
	ret = dmapool_params_size(cfg);
	if (ret)
		return ret;

	if (max_order < -1 || max_order > MAX_PAGE_ORDER) {
		pr_err("max_order: invalid value %d (-1..%d)\n", max_order,
		       MAX_PAGE_ORDER);
		return -EINVAL;
	}
	cfg->max_order = max_order < 0 ? MAX_PAGE_ORDER : max_order;

	if (state_period_ms > DMAPOOL_MAX_STATE_PERIOD_MS) {
		pr_err("state_period_ms: invalid value %u (0..%u)\n",
		       state_period_ms, DMAPOOL_MAX_STATE_PERIOD_MS);
		return -EINVAL;
	}
	cfg->state_period_ms = state_period_ms;

	ret = dmapool_zones_parse(zones ? zones : "auto", cfg->sem, &cfg->zones);
	if (ret)
		return ret;
	/* 6.1 frees by walking from the kernel pool: it must exist. */
	if (cfg->sem == DMAPOOL_SEM_V61 &&
	    !(cfg->zones & BIT(DMAPOOL_POOL_KERNEL))) {
		pr_err("zones: the v6.1 rules need the kernel pool (frees start there)\n");
		return -EINVAL;
	}
	if (!cfg->zones) {
		pr_err("zones: no pool to create\n");
		return -EINVAL;
	}
	return 0;
}
