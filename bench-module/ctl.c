// SPDX-License-Identifier: GPL-2.0
/*
 * Control interface: module parameters (validated here and nowhere else) and
 * /sys/kernel/debug/dmapool_bench/.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/debugfs.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/moduleparam.h>
#include <linux/nodemask.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <linux/uaccess.h>
#include <linux/version.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

#include "compat.h"
#include "ctl.h"
#include "kpools.h"
#include "realpool.h"
#include "load.h"
#include "pool_logic.h"
#include "spec.h"

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

/*
 * Every write that changes the pools, injects faults or starts work needs
 * CAP_SYS_ADMIN, not only the files' root-only modes (uid 0 may have dropped
 * its capabilities). Debugfs writes check the credentials the file was
 * opened with, as the kernel does for files whose writes are privileged (a
 * privileged writer cannot be tricked into writing to a descriptor that an
 * unprivileged process opened); parameter writes have no file here and
 * check the writer.
 */
bool dmapool_may_write(const struct file *file, const char *what)
{
	if (file ? file_ns_capable(file, &init_user_ns, CAP_SYS_ADMIN) :
		   capable(CAP_SYS_ADMIN))
		return true;
	pr_err_ratelimited("%s: writing needs CAP_SYS_ADMIN\n", what);
	return false;
}

/*
 * One write(2) is one whole command: a command split over several writes is
 * several commands, each parsed (and usually refused) on its own, and
 * nothing is kept between writes. Copy it, NUL-terminated; refuse lengths
 * outside 1..@max and NUL bytes (what follows one would be ignored
 * silently, so the write could not be said to have been taken whole).
 */
char *dmapool_user_line(const char __user *ubuf, size_t count, size_t max,
			const char *what)
{
	char *line;
	size_t n;

	if (!count || count > max) {
		pr_err("%s: line length %zu invalid (1..%zu bytes)\n", what,
		       count, max);
		return ERR_PTR(-EINVAL);
	}
	line = memdup_user_nul(ubuf, count);
	if (IS_ERR(line))
		return line;
	n = strlen(line);
	if (n != count) {
		pr_err("%s: NUL byte at offset %zu\n", what, n);
		kfree(line);
		return ERR_PTR(-EINVAL);
	}
	return line;
}

/*
 * A trimmed command line holds printable ASCII only: anything else is
 * refused, so that every message that quotes the line stays readable.
 */
int dmapool_line_check(const char *line, const char *what)
{
	size_t i;

	for (i = 0; line[i]; i++) {
		if ((u8)line[i] < 0x20 || (u8)line[i] > 0x7e) {
			pr_err("%s: non-printable byte 0x%02x at offset %zu\n",
			       what, (u8)line[i], i);
			return -EINVAL;
		}
	}
	if (!i) {
		pr_err("%s: empty command\n", what);
		return -EINVAL;
	}
	return 0;
}

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
static void dmapool_choose_sem(struct dmapool_config *cfg,
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

/* Validate the load-time parameters and turn them into a pool config. */
int dmapool_params_check(struct dmapool_config *cfg)
{
	int ret;

	memset(cfg, 0, sizeof(*cfg));
	dmapool_kpools_read(&dmapool_kp);
	cfg->sem_from = "parameter";
	cfg->sem_why = "semantics= given";
	if (!strcmp(semantics, "auto")) {
		dmapool_choose_sem(cfg, &dmapool_kp);
	} else if (!strcmp(semantics, "v6.1")) {
		cfg->sem = DMAPOOL_SEM_V61;
	} else if (!strcmp(semantics, "managed")) {
		cfg->sem = DMAPOOL_SEM_MANAGED;
	} else {
		pr_err("semantics: unknown value '%s' (auto, v6.1 or managed)\n",
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
		int id;

		cfg->sizing = "kernel";
		cfg->target = dmapool_kp.pool_size;
		for (id = 0; id < DMAPOOL_NR_POOLS; id++)
			cfg->initial[id] = dmapool_kp.initial[id];
	} else if (!cfg->target) {
		cfg->sizing = "formula";
		cfg->sizing_why = dmapool_kp.why;
		cfg->target = cfg->formula;
	}

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
 *   alloc SIZE [count=N] [zone=auto|kernel|dma32|dma] [mask=BITS] [nowarn]
 *                  zone=auto (default): the zone the mask implies
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
	char *tok, *val;
	u64 v;

	req->count = 1;
	req->zone = -1;			/* auto: from the mask */
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
		} else if (!strcmp(tok, "zone") && !strcmp(val, "auto")) {
			req->zone = -1;
		} else if (!strcmp(tok, "zone")) {
			req->zone = dmapool_name_index(DMAPOOL_NAMES_ZONE, val,
						       strlen(val));
			if (req->zone < 0) {
				pr_err("cmd: zone '%s' invalid (auto, kernel, dma32, dma)\n",
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
	if (req->zone < 0)
		req->zone = dmapool_zone_of_mask(req->mask_bits);
	return 0;
}

/*
 * A long command must not hold the CPU: the pool's own operations cost
 * O(chunks) each (upstream's gen_pool walks its chunk list), and a command
 * does up to DMAPOOL_MAX_CMD_COUNT of them. So every loop over blocks yields
 * between them, and stops early when the writer is being killed (Ctrl-C on
 * a long `alloc 4K count=65536`): the result line then says how many of the
 * requested blocks were done, with interrupted=1.
 */
static bool dmapool_cmd_yield(void)
{
	cond_resched();
	return fatal_signal_pending(current);
}

static int dmapool_cmd_alloc(char *args)
{
	u32 served[DMAPOOL_NR_POOLS] = {}, ok = 0, failed = 0, fallbacks = 0;
	struct dmapool_alloc_info info = {};
	struct dmapool_alloc_req req;
	struct dmapool_handle *h;
	u32 id, first = 0, last = 0;
	bool interrupted = false;
	unsigned int i;
	u8 depth = 0;
	int ret;

	ret = dmapool_parse_alloc(args, &req);
	if (ret)
		return ret;

	for (i = 0; i < req.count; i++) {
		if (dmapool_cmd_yield()) {
			interrupted = true;
			break;
		}
		h = kmalloc(sizeof(*h), GFP_KERNEL);
		if (!h) {
			ret = -ENOMEM;
			break;
		}
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
			if (ret == -EBUSY) {
				pr_err("cmd: more than %u blocks outstanding\n",
				       DMAPOOL_MAX_HANDLES);
				ret = -ENOSPC;
			}
			break;
		}
		if (!ok++)
			first = id;
		last = id;
		served[info.pool]++;
	}
	/* What was done is kept (and freed by `free all`) even on an error. */
	snprintf(dmapool_cmd_result, sizeof(dmapool_cmd_result),
		 "ok=%u failed=%u first=%u last=%u dma=%u dma32=%u kernel=%u fallbacks=%u depth=%u last_phys=0x%llx last_result=%u latency_ns=%llu requested=%u interrupted=%d\n",
		 ok, failed, first, last, served[DMAPOOL_POOL_DMA],
		 served[DMAPOOL_POOL_DMA32], served[DMAPOOL_POOL_KERNEL],
		 fallbacks, depth, info.phys, info.result, info.latency_ns,
		 req.count, interrupted);
	if (!ret && interrupted)
		ret = -EINTR;
	return ret;
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

/*
 * Free every block `alloc` handed out, yielding between blocks; with
 * @killable, stop early when the caller is being killed. Returns how many
 * were freed.
 */
static u32 dmapool_release_all(u32 served[DMAPOOL_NR_POOLS], bool killable,
			       bool *interrupted)
{
	struct dmapool_handle *h;
	unsigned long id;
	u32 n = 0;

	xa_for_each(&dmapool_handles, id, h) {
		cond_resched();
		if (killable && fatal_signal_pending(current)) {
			*interrupted = true;
			break;
		}
		dmapool_release(id, h, served);
		n++;
	}
	return n;
}

static int dmapool_cmd_free(char *args)
{
	u32 served[DMAPOOL_NR_POOLS] = {};
	bool interrupted = false;
	struct dmapool_handle *h;
	unsigned long id;
	u32 n;

	if (args && !strcmp(args, "all")) {
		n = dmapool_release_all(served, true, &interrupted);
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
		 "freed=%u dma=%u dma32=%u kernel=%u interrupted=%d\n", n,
		 served[DMAPOOL_POOL_DMA], served[DMAPOOL_POOL_DMA32],
		 served[DMAPOOL_POOL_KERNEL], interrupted);
	return interrupted ? -EINTR : 0;
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
	char *line, *cmd;
	int ret;

	if (!dmapool_may_write(file, "cmd"))
		return -EPERM;
	line = dmapool_user_line(ubuf, count, DMAPOOL_MAX_CMD_LEN, "cmd");
	if (IS_ERR(line))
		return PTR_ERR(line);
	cmd = strim(line);
	ret = dmapool_line_check(cmd, "cmd");
	/* A second writer waits for the first, and can be killed meanwhile. */
	if (!ret)
		ret = mutex_lock_killable(&dmapool_cmd_lock);
	if (!ret) {
		ret = dmapool_cmd_exec(cmd);
		mutex_unlock(&dmapool_cmd_lock);
	}
	kfree(line);
	return ret ? ret : count;
}

static ssize_t dmapool_cmd_read(struct file *file, char __user *ubuf,
				size_t count, loff_t *ppos)
{
	ssize_t ret;

	ret = mutex_lock_killable(&dmapool_cmd_lock);
	if (ret)
		return ret;
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

	if (!dmapool_may_write(file, "control"))
		return -EPERM;
	line = dmapool_user_line(ubuf, count, DMAPOOL_MAX_SPEC_LEN, "control");
	if (IS_ERR(line))
		return PTR_ERR(line);
	if (!strcmp(strim(line), "stop")) {
		kfree(line);
		/* No run: nothing to do. Killed while waiting: -EINTR. */
		ret = dmapool_load_stop(true);
		return ret == -EINTR ? ret : count;
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
	bool interrupted = false;

	debugfs_remove_recursive(dmapool_dir);
	dmapool_release_all(served, false, &interrupted);
	xa_destroy(&dmapool_handles);
}
