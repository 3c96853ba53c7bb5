// SPDX-License-Identifier: GPL-2.0
/*
 * Control interface: module parameters (validated here and nowhere else) and
 * /sys/kernel/debug/dmapool_bench/.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/moduleparam.h>
#include <linux/nodemask.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <linux/uaccess.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

#include "compat.h"
#include "ctl.h"
#include "realpool.h"
#include "load.h"
#include "pool_logic.h"
#include "spec.h"

static char *coherent_pool;
module_param(coherent_pool, charp, 0400);
MODULE_PARM_DESC(coherent_pool,
		 "size of each pool, memparse syntax (64K, 1M); default as the kernel: 128K per GiB of RAM, 128K..4M");

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

static char *semantics = "v6.1";
module_param(semantics, charp, 0400);
MODULE_PARM_DESC(semantics,
		 "pool choice rules: v6.1 (Debian 6.1 and 6.12) or managed (later kernels: pools only for zones with managed pages)");

static unsigned int state_period_ms;
module_param(state_period_ms, uint, 0400);
MODULE_PARM_DESC(state_period_ms, "emit pool_state every this many ms; 0: only after expansions");

static int fail_order_above = -1;

static int dmapool_set_fail_next(const char *val, const struct kernel_param *kp)
{
	unsigned int v;

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

static const char * const dmapool_pool_names[] = DMAPOOL_POOL_NAMES;

static int dmapool_name_index(const char *s, const char * const *names, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(s, names[i]))
			return i;
	return -1;
}

/* Which pools the running kernel's dma_atomic_pool_init() would create. */
static unsigned int dmapool_auto_zones(int sem)
{
	unsigned int mask = 0;
	int id;

	for (id = 0; id < DMAPOOL_NR_POOLS; id++)
		if (dmapool_zone_managed(dmapool_pool_zone[id]))
			mask |= BIT(id);
	if (sem == DMAPOOL_SEM_V61)
		mask |= BIT(DMAPOOL_POOL_KERNEL) | BIT(DMAPOOL_POOL_DMA32);
	return mask;
}

static int dmapool_parse_zones(const char *s, int sem, unsigned int *out)
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
		id = dmapool_name_index(tok, dmapool_pool_names,
					DMAPOOL_NR_POOLS);
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

/* Validate the load-time parameters and turn them into a pool config. */
int dmapool_params_check(struct dmapool_config *cfg)
{
	int ret;

	memset(cfg, 0, sizeof(*cfg));
	if (!strcmp(semantics, "v6.1")) {
		cfg->sem = DMAPOOL_SEM_V61;
	} else if (!strcmp(semantics, "managed")) {
		cfg->sem = DMAPOOL_SEM_MANAGED;
	} else {
		pr_err("semantics: unknown value '%s' (v6.1 or managed)\n",
		       semantics);
		return -EINVAL;
	}
	cfg->remap = remap;

	if (coherent_pool) {
		ret = dmapool_parse_bytes(coherent_pool, strlen(coherent_pool),
					  &cfg->target);
		if (ret || cfg->target > DMAPOOL_MAX_COHERENT_POOL) {
			pr_err("coherent_pool: invalid size '%s' (0..1G, memparse syntax)\n",
			       coherent_pool);
			return -EINVAL;
		}
	}
	/* As upstream, coherent_pool=0 means the default. */
	if (!cfg->target)
		cfg->target = dmapool_default_size(totalram_pages(), PAGE_SHIFT,
						   MAX_ORDER_NR_PAGES);

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

	ret = dmapool_parse_zones(zones ? zones : "auto", cfg->sem, &cfg->zones);
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

static void dmapool_state_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(dmapool_state_work, dmapool_state_fn);

static void dmapool_state_fn(struct work_struct *work)
{
	dmapool_emit_state();
	schedule_delayed_work(&dmapool_state_work,
			      msecs_to_jiffies(state_period_ms));
}

void dmapool_state_timer_start(void)
{
	if (state_period_ms)
		schedule_delayed_work(&dmapool_state_work,
				      msecs_to_jiffies(state_period_ms));
}

void dmapool_state_timer_stop(void)
{
	cancel_delayed_work_sync(&dmapool_state_work);
}

/*
 * The `cmd` file: single allocations and frees for tests and for people.
 *
 *   alloc SIZE [count=N] [zone=kernel|dma32|dma] [mask=BITS] [nowarn]
 *   free ID|all
 *   flush          wait for a pending expansion
 *   state          emit pool_state for every pool
 *
 * Reading it returns the outcome of the last command.
 */
struct dmapool_handle {
	void *vaddr;
	u32 size;			/* bytes */
};

static DEFINE_XARRAY_ALLOC(dmapool_handles);
static DEFINE_MUTEX(dmapool_cmd_lock);
static char dmapool_cmd_result[256];

struct dmapool_alloc_req {
	u64 size;			/* bytes, page aligned */
	u32 count;
	int zone;
	unsigned int mask_bits;
	bool nowarn;
};

static int dmapool_parse_alloc(char *args, struct dmapool_alloc_req *req)
{
	static const char * const zone_names[] = DMAPOOL_ZONE_NAMES;
	char *tok, *val;
	u64 v;

	req->count = 1;
	req->zone = DMAPOOL_ZONE_KERNEL;
	req->mask_bits = 64;
	req->nowarn = false;

	tok = strsep(&args, " ");
	if (!tok || dmapool_parse_bytes(tok, strlen(tok), &v) || !v ||
	    v > DMAPOOL_MAX_ALLOC_SIZE) {
		pr_err("cmd: alloc size '%s' invalid (1..%u bytes)\n",
		       tok ? tok : "", DMAPOOL_MAX_ALLOC_SIZE);
		return -EINVAL;
	}
	/* dma_direct_alloc() page-aligns the size before the pool sees it. */
	req->size = PAGE_ALIGN(v);

	while ((tok = strsep(&args, " "))) {
		if (!*tok)
			continue;
		if (!strcmp(tok, "nowarn")) {
			req->nowarn = true;
			continue;
		}
		val = strchr(tok, '=');
		if (!val) {
			pr_err("cmd: unknown alloc argument '%s'\n", tok);
			return -EINVAL;
		}
		*val++ = '\0';
		if (!strcmp(tok, "count")) {
			if (kstrtou32(val, 10, &req->count) || !req->count ||
			    req->count > DMAPOOL_MAX_CMD_COUNT) {
				pr_err("cmd: count '%s' invalid (1..%u)\n", val,
				       DMAPOOL_MAX_CMD_COUNT);
				return -EINVAL;
			}
		} else if (!strcmp(tok, "zone")) {
			req->zone = dmapool_name_index(val, zone_names,
						       DMAPOOL_NR_ZONES);
			if (req->zone < 0) {
				pr_err("cmd: zone '%s' invalid (kernel, dma32, dma)\n",
				       val);
				return -EINVAL;
			}
		} else if (!strcmp(tok, "mask")) {
			if (kstrtouint(val, 10, &req->mask_bits) ||
			    req->mask_bits < DMAPOOL_MASK_BITS_MIN ||
			    req->mask_bits > DMAPOOL_MASK_BITS_MAX) {
				pr_err("cmd: mask '%s' invalid (%u..%u bits)\n",
				       val, DMAPOOL_MASK_BITS_MIN,
				       DMAPOOL_MASK_BITS_MAX);
				return -EINVAL;
			}
		} else {
			pr_err("cmd: unknown alloc argument '%s'\n", tok);
			return -EINVAL;
		}
	}
	return 0;
}

static int dmapool_cmd_alloc(char *args)
{
	u32 served[DMAPOOL_NR_POOLS] = {}, ok = 0, failed = 0, fallbacks = 0;
	struct dmapool_alloc_info info = {};
	struct dmapool_alloc_req req;
	struct dmapool_handle *h;
	u32 id, first = 0, last = 0;
	unsigned int i;
	u8 depth = 0;
	int ret;

	ret = dmapool_parse_alloc(args, &req);
	if (ret)
		return ret;

	for (i = 0; i < req.count; i++) {
		h = kmalloc(sizeof(*h), GFP_KERNEL);
		if (!h)
			return -ENOMEM;
		h->size = req.size;
		h->vaddr = dmapool_alloc(req.size, req.zone, req.mask_bits,
					 req.nowarn, &info);
		depth = max(depth, info.depth);
		fallbacks += info.depth ? info.depth - 1 : 0;
		if (!h->vaddr) {
			kfree(h);
			failed++;
			continue;
		}
		ret = xa_alloc(&dmapool_handles, &id, h,
			       XA_LIMIT(1, DMAPOOL_MAX_HANDLES), GFP_KERNEL);
		if (ret) {
			dmapool_free(h->vaddr, h->size, NULL);
			kfree(h);
			pr_err("cmd: more than %u blocks outstanding\n",
			       DMAPOOL_MAX_HANDLES);
			return -ENOSPC;
		}
		if (!ok++)
			first = id;
		last = id;
		served[info.pool]++;
	}
	snprintf(dmapool_cmd_result, sizeof(dmapool_cmd_result),
		 "ok=%u failed=%u first=%u last=%u dma=%u dma32=%u kernel=%u fallbacks=%u depth=%u last_phys=0x%llx last_result=%u latency_ns=%llu\n",
		 ok, failed, first, last, served[DMAPOOL_POOL_DMA],
		 served[DMAPOOL_POOL_DMA32], served[DMAPOOL_POOL_KERNEL],
		 fallbacks, depth, info.phys, info.result, info.latency_ns);
	return 0;
}

static void dmapool_release(unsigned long id, struct dmapool_handle *h,
			    u32 served[DMAPOOL_NR_POOLS])
{
	int pool = dmapool_free(h->vaddr, h->size, NULL);

	if (pool >= 0)
		served[pool]++;
	else
		pr_err("block %lu is in no pool\n", id);
	xa_erase(&dmapool_handles, id);
	kfree(h);
}

static int dmapool_cmd_free(char *args)
{
	u32 served[DMAPOOL_NR_POOLS] = {};
	struct dmapool_handle *h;
	unsigned long id;
	u32 n = 0;

	if (args && !strcmp(args, "all")) {
		xa_for_each(&dmapool_handles, id, h) {
			dmapool_release(id, h, served);
			n++;
		}
	} else {
		if (!args || kstrtoul(args, 10, &id)) {
			pr_err("cmd: free needs a block id or 'all', got '%s'\n",
			       args ? args : "");
			return -EINVAL;
		}
		h = xa_load(&dmapool_handles, id);
		if (!h) {
			pr_err("cmd: no block %lu\n", id);
			return -ENOENT;
		}
		dmapool_release(id, h, served);
		n = 1;
	}
	snprintf(dmapool_cmd_result, sizeof(dmapool_cmd_result),
		 "freed=%u dma=%u dma32=%u kernel=%u\n", n,
		 served[DMAPOOL_POOL_DMA], served[DMAPOOL_POOL_DMA32],
		 served[DMAPOOL_POOL_KERNEL]);
	return 0;
}

static int dmapool_cmd_exec(char *line)
{
	char *verb = strsep(&line, " ");

	if (!strcmp(verb, "alloc"))
		return dmapool_cmd_alloc(line);
	if (!strcmp(verb, "free"))
		return dmapool_cmd_free(line);
	if (line) {
		pr_err("cmd: '%s' takes no arguments\n", verb);
		return -EINVAL;
	}
	if (!strcmp(verb, "flush")) {
		dmapool_flush();
		strscpy(dmapool_cmd_result, "flushed\n",
			sizeof(dmapool_cmd_result));
		return 0;
	}
	if (!strcmp(verb, "state")) {
		dmapool_emit_state();
		strscpy(dmapool_cmd_result, "state emitted\n",
			sizeof(dmapool_cmd_result));
		return 0;
	}
	pr_err("cmd: unknown command '%s' (alloc, free, flush, state)\n", verb);
	return -EINVAL;
}

static ssize_t dmapool_cmd_write(struct file *file, const char __user *ubuf,
				 size_t count, loff_t *ppos)
{
	char *line;
	size_t i;
	int ret;

	if (!count || count > DMAPOOL_MAX_CMD_LEN) {
		pr_err("cmd: command length %zu invalid (1..%u bytes)\n", count,
		       DMAPOOL_MAX_CMD_LEN);
		return -EINVAL;
	}
	line = memdup_user_nul(ubuf, count);
	if (IS_ERR(line))
		return PTR_ERR(line);
	strim(line);
	for (i = 0; line[i]; i++) {
		if (!isprint(line[i])) {
			pr_err("cmd: non-printable byte 0x%02x at offset %zu\n",
			       (u8)line[i], i);
			kfree(line);
			return -EINVAL;
		}
	}
	if (!*line) {
		pr_err("cmd: empty command\n");
		kfree(line);
		return -EINVAL;
	}
	mutex_lock(&dmapool_cmd_lock);
	ret = dmapool_cmd_exec(line);
	mutex_unlock(&dmapool_cmd_lock);
	kfree(line);
	return ret ? ret : count;
}

static ssize_t dmapool_cmd_read(struct file *file, char __user *ubuf,
				size_t count, loff_t *ppos)
{
	ssize_t ret;

	mutex_lock(&dmapool_cmd_lock);
	ret = simple_read_from_buffer(ubuf, count, ppos, dmapool_cmd_result,
				      strlen(dmapool_cmd_result));
	mutex_unlock(&dmapool_cmd_lock);
	return ret;
}

static const struct file_operations dmapool_cmd_fops = {
	.owner = THIS_MODULE,
	.read = dmapool_cmd_read,
	.write = dmapool_cmd_write,
	.llseek = default_llseek,
};

/*
 * The `control` file: a spec line starts a run, `stop` stops it; reading
 * gives the current or last spec with every default filled in.
 */
static ssize_t dmapool_control_write(struct file *file,
				     const char __user *ubuf, size_t count,
				     loff_t *ppos)
{
	char err[DMAPOOL_SPEC_ERR_LEN] = "";
	struct dmapool_spec spec;
	char *line;
	int ret;

	if (!count || count > DMAPOOL_MAX_SPEC_LEN) {
		pr_err("control: line length %zu invalid (1..%u bytes)\n",
		       count, DMAPOOL_MAX_SPEC_LEN);
		return -EINVAL;
	}
	line = memdup_user_nul(ubuf, count);
	if (IS_ERR(line))
		return PTR_ERR(line);
	if (!strcmp(strim(line), "stop")) {
		dmapool_load_stop();
		kfree(line);
		return count;
	}
	ret = dmapool_spec_parse(line, &spec, err, sizeof(err));
	kfree(line);
	if (!ret)
		ret = dmapool_load_start(&spec, err, sizeof(err));
	if (ret && err[0])
		pr_err("control: %s\n", err);
	return ret ? ret : count;
}

static ssize_t dmapool_control_read(struct file *file, char __user *ubuf,
				    size_t count, loff_t *ppos)
{
	char buf[DMAPOOL_MAX_SPEC_LEN + 2];
	int n = dmapool_load_format_spec(buf, sizeof(buf) - 1);

	n = min_t(int, n, sizeof(buf) - 2);
	buf[n++] = '\n';
	return simple_read_from_buffer(ubuf, count, ppos, buf, n);
}

static const struct file_operations dmapool_control_fops = {
	.owner = THIS_MODULE,
	.read = dmapool_control_read,
	.write = dmapool_control_write,
	.llseek = default_llseek,
};

static int dmapool_stats_show(struct seq_file *m, void *v)
{
	dmapool_load_show_stats(m);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(dmapool_stats);

static int dmapool_pools_show(struct seq_file *m, void *v)
{
	dmapool_show_pools(m);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(dmapool_pools);

static struct dentry *dmapool_dir;

int dmapool_debugfs_init(void)
{
	static const char * const size_files[DMAPOOL_NR_POOLS] = {
		"pool_size_dma", "pool_size_dma32", "pool_size_kernel"
	};
	int id;

	dmapool_dir = debugfs_create_dir(DMAPOOL_DEBUGFS_DIR, NULL);
	if (IS_ERR(dmapool_dir))
		return PTR_ERR(dmapool_dir);
	for (id = 0; id < DMAPOOL_NR_POOLS; id++)
		debugfs_create_ulong(size_files[id], 0400, dmapool_dir,
				     &dmapool_size_added[id]);
	debugfs_create_file("pools", 0400, dmapool_dir, NULL,
			    &dmapool_pools_fops);
	debugfs_create_file("cmd", 0600, dmapool_dir, NULL, &dmapool_cmd_fops);
	debugfs_create_file("control", 0600, dmapool_dir, NULL,
			    &dmapool_control_fops);
	debugfs_create_file("stats", 0400, dmapool_dir, NULL,
			    &dmapool_stats_fops);
	dmapool_realpool_debugfs(dmapool_dir);
	return 0;
}

/* Remove the files (waiting for users), then free what `cmd` still holds. */
void dmapool_debugfs_exit(void)
{
	u32 served[DMAPOOL_NR_POOLS] = {};
	struct dmapool_handle *h;
	unsigned long id;

	debugfs_remove_recursive(dmapool_dir);
	xa_for_each(&dmapool_handles, id, h)
		dmapool_release(id, h, served);
	xa_destroy(&dmapool_handles);
}
