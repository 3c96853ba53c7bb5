// SPDX-License-Identifier: GPL-2.0
/*
 * TEST ONLY: make the running kernel's own atomic pools allocate, so that
 * `dmapool-bench monitor --target kernel` and the real-pool bpftrace script
 * can be tested on machines (x86 guests without memory encryption) where no
 * driver ever reaches dma_alloc_from_pool().
 *
 * dma_alloc_from_pool() and dma_free_from_pool() are declared in
 * <linux/dma-map-ops.h> but not exported. With real_pool_test=1 the module
 * resolves them at load time (dmapool_ksym(), kpools.c) and calls them
 * through those pointers; `flush` waits for the kernel's atomic_pool_work
 * and every result names the kernel pool that holds the block, so that one
 * scripted sequence can be compared step by step with the module's `cmd`
 * (tests/guest/differential.sh). Nothing else in the module calls them.
 *
 * Devices: allocations are made for one of two platform devices the option
 * registers, dmapool-real-a and dmapool-real-b, bound to this module's
 * platform driver "dmapool_bench", so that a tracer attributing the pools'
 * blocks (monitor --by dev, bpf/bpftrace/dmapool-holders.bt) reads real
 * names from struct device: dev_name() and dev->driver->name. Each `alloc`
 * sets the device's coherent DMA mask to its mask=, which the phys_addr_ok
 * callback then checks, as dma_coherent_ok() checks a real device's.
 *
 * Cost: `alloc_calls`/`alloc_ns` and `free_calls`/`free_ns` add up
 * local_clock() around each call of the kernel's functions (inside the
 * IRQs-off section), for `make bench`'s price of tracing one real-pool call;
 * `reset` zeroes them.
 *
 * Safety: when every pool fails, the kernel WARNs and names the device
 * unless __GFP_NOWARN, which every call here passes. The test path keeps
 * what it holds (at most DMAPOOL_REAL_CAP bytes) below the smallest pool the
 * kernel creates by default (128 KiB), so on a machine where nothing else
 * uses the pools an allocation fails only by its mask or `reject` (or, with
 * a smaller coherent_pool= on the kernel command line, as exhausted: never
 * warned either). With kernel IBT enforced the unexported targets may be
 * sealed against indirect calls, so the option is refused there.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/device.h>
#include <linux/dma-map-ops.h>
#include <linux/mod_devicetable.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/platform_device.h>
#include <linux/sched.h>
#include <linux/sched/clock.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/workqueue.h>

#include "cmd.h"
#include "debugfs.h"
#include "kpools.h"
#include "pool_logic.h"
#include "realpool.h"
#include "spec.h"

#define DMAPOOL_REAL_CAP	(64u << 10)	/* bytes held at most */
#define DMAPOOL_REAL_MAX	(DMAPOOL_REAL_CAP / PAGE_SIZE)
/*
 * The narrowest mask= taken: below what the pools' zones can satisfy (x86
 * reserves the low 64 KiB, so 16 bits fits no block), for failures by mask.
 * The bench specs keep DMAPOOL_MASK_BITS_MIN.
 */
#define DMAPOOL_REAL_MASK_MIN	12u
#define DMAPOOL_REAL_NR_DEVS	2

static bool real_pool_test;
module_param(real_pool_test, bool, 0400);
MODULE_PARM_DESC(real_pool_test,
		 "TEST ONLY: debugfs real_pool drives the kernel's own dma_alloc_from_pool(), resolved at load time");

static typeof(&dma_alloc_from_pool) real_alloc;
static typeof(&dma_free_from_pool) real_free;

/* dev=a|b, the devices' names and the driver's id_table. */
static const char *const dmapool_real_dev_keys[DMAPOOL_REAL_NR_DEVS + 1] = {
	"a", "b", NULL
};

static const struct platform_device_id dmapool_real_ids[] = {
	{ .name = "dmapool-real-a" },
	{ .name = "dmapool-real-b" },
	{ }
};

static struct platform_driver dmapool_real_driver = {
	.driver = {
		.name = KBUILD_MODNAME,
	},
	.id_table = dmapool_real_ids,
};

static bool dmapool_real_driver_registered;
static struct platform_device *dmapool_real_pdev[DMAPOOL_REAL_NR_DEVS];

struct dmapool_real_block {
	void *vaddr;			/* NULL: a free slot */
	size_t size;			/* bytes */
	unsigned int dev;		/* index in dmapool_real_pdev */
};

/*
 * Held blocks by id - 1. A new block takes the lowest free id, as the `cmd`
 * file's handles do, so one scripted sequence names the same blocks on
 * both (tests/guest/differential.sh).
 */
static DEFINE_MUTEX(dmapool_real_lock);
static struct dmapool_real_block dmapool_real_held[DMAPOOL_REAL_MAX];
static unsigned int dmapool_real_nr;
static size_t dmapool_real_bytes;
static unsigned int dmapool_real_dev_nr[DMAPOOL_REAL_NR_DEVS];
static size_t dmapool_real_dev_bytes[DMAPOOL_REAL_NR_DEVS];
static u64 dmapool_real_allocs, dmapool_real_frees, dmapool_real_fails;
/* The kernel's calls and their cost; `reset` zeroes these only. */
static u64 dmapool_real_alloc_calls, dmapool_real_alloc_ns;	/* ns */
static u64 dmapool_real_free_calls, dmapool_real_free_ns;	/* ns */
static bool dmapool_real_rejecting;		/* `reject`: no block fits */
static char dmapool_real_result[160];
static struct dmapool_kpools dmapool_real_kp;
static struct work_struct *dmapool_real_work;	/* atomic_pool_work */

/*
 * dma_coherent_ok() for the device of the current command: the block must
 * fit its coherent DMA mask (DMA_BIT_MASK(n) has n bits set). With
 * `reject`, a device no block fits: the kernel tries every pool, gives each
 * block back, and fails the allocation as "DMA pool exhausted" (not warned:
 * __GFP_NOWARN) without changing what the pools hold.
 */
static bool dmapool_real_phys_ok(struct device *dev, phys_addr_t phys,
				 size_t size)
{
	return !dmapool_real_rejecting &&
	       dmapool_addr_ok(phys, size, fls64(dev->coherent_dma_mask));
}

/*
 * alloc SIZE [count=N] [zone=auto|kernel|dma32|dma] [mask=BITS] [dev=a|b]
 * [reject] (cmd.h): whole pages, held until `free`.
 */
static const struct dmapool_req_syntax dmapool_real_syntax = {
	.flag = "reject",
	.max_size = DMAPOOL_REAL_CAP,
	.whole_pages = true,
	.count_base = 0,
	.max_count = UINT_MAX,
	.min_mask_bits = DMAPOOL_REAL_MASK_MIN,
	.devs = dmapool_real_dev_keys,
};

static int dmapool_real_parse_alloc(char *args, struct dmapool_req *req)
{
	struct dmapool_req_err e;

	if (!dmapool_req_parse(args, &dmapool_real_syntax, req, &e))
		return 0;
	switch (e.what) {
	case DMAPOOL_REQ_BAD_SIZE:
		pr_err("real_pool: invalid size '%s' (pages, at most %u bytes)\n",
		       e.word, DMAPOOL_REAL_CAP);
		break;
	case DMAPOOL_REQ_BAD_COUNT:
		pr_err("real_pool: invalid count '%s'\n", e.val);
		break;
	case DMAPOOL_REQ_BAD_ZONE:
		pr_err("real_pool: invalid zone '%s' (auto, kernel, dma32, dma)\n",
		       e.val);
		break;
	case DMAPOOL_REQ_BAD_MASK:
		pr_err("real_pool: invalid mask '%s' (%u..%u bits)\n", e.val,
		       DMAPOOL_REAL_MASK_MIN, DMAPOOL_MASK_BITS_MAX);
		break;
	case DMAPOOL_REQ_BAD_DEV:
		pr_err("real_pool: invalid dev '%s' (a, b)\n", e.val);
		break;
	default:
		pr_err("real_pool: unknown alloc argument '%s' (count=N, zone=Z, mask=BITS, dev=a|b, reject)\n",
		       e.word);
	}
	return -EINVAL;
}

/*
 * One block into the lowest free slot, IRQs off around the kernel's call.
 * Not inlined: the frame under dma_alloc_from_pool() in a kernel stack, as
 * a driver's allocating function would be.
 */
static noinline int dmapool_real_alloc_one(const struct dmapool_req *req,
				  unsigned int *slot_out)
{
	static const gfp_t zone_gfp[DMAPOOL_NR_ZONES] = {
		[DMAPOOL_ZONE_KERNEL] = 0,
		[DMAPOOL_ZONE_DMA32] = GFP_DMA32,
		[DMAPOOL_ZONE_DMA] = GFP_DMA,
	};
	struct device *dev = &dmapool_real_pdev[req->dev]->dev;
	struct dmapool_real_block *b;
	unsigned long flags;
	struct page *page;
	unsigned int slot;
	u64 t0, t1;

	for (slot = 0; dmapool_real_held[slot].vaddr; slot++)
		;
	b = &dmapool_real_held[slot];
	cond_resched();
	/* Atomic context, as the pool's real callers. */
	preempt_disable();
	local_irq_save(flags);
	t0 = local_clock();
	page = real_alloc(dev, req->size, &b->vaddr,
			  GFP_ATOMIC | __GFP_NOWARN | zone_gfp[req->zone],
			  req->mask_bits < 64 || req->flag ?
			  dmapool_real_phys_ok : NULL);
	t1 = local_clock();
	local_irq_restore(flags);
	preempt_enable();
	dmapool_real_alloc_calls++;
	dmapool_real_alloc_ns += t1 - t0;
	if (!page) {
		/* As before: the write fails, the result line says how. */
		b->vaddr = NULL;
		dmapool_real_fails++;
		return -ENOMEM;
	}
	b->size = req->size;
	b->dev = req->dev;
	dmapool_real_nr++;
	dmapool_real_bytes += req->size;
	dmapool_real_dev_nr[b->dev]++;
	dmapool_real_dev_bytes[b->dev] += req->size;
	dmapool_real_allocs++;
	*slot_out = slot;
	return 0;
}

static int dmapool_real_alloc_cmd(char *args)
{
	unsigned int served[DMAPOOL_NR_POOLS] = {};
	unsigned int ok = 0, failed = 0, i, slot, last = 0;
	struct dmapool_req req;
	int pool, ret;

	ret = dmapool_real_parse_alloc(args, &req);
	if (ret)
		return ret;
	if (req.count > DMAPOOL_REAL_MAX - dmapool_real_nr ||
	    dmapool_real_bytes + req.count * req.size > DMAPOOL_REAL_CAP) {
		pr_err("real_pool: would hold more than %u bytes\n",
		       DMAPOOL_REAL_CAP);
		return -ENOSPC;
	}
	/*
	 * The mask the allocation is checked against (dmapool_real_phys_ok()),
	 * where a tracer reads it. Assigned directly: dma_set_coherent_mask()
	 * refuses masks below the zone DMA limit, which are what mask=12..23
	 * are for.
	 */
	dmapool_real_pdev[req.dev]->dev.coherent_dma_mask =
		DMA_BIT_MASK(req.mask_bits);
	dmapool_real_rejecting = req.flag;
	/* At most DMAPOOL_REAL_MAX (16) blocks, IRQs off only around each. */
	for (i = 0; i < req.count; i++) {
		if (dmapool_real_alloc_one(&req, &slot)) {
			failed++;
			ret = -ENOMEM;
			continue;
		}
		ok++;
		last = slot + 1;
		pool = dmapool_kpools_owner(&dmapool_real_kp,
					    (unsigned long)dmapool_real_held[slot].vaddr,
					    req.size);
		if (pool >= 0)
			served[pool]++;
	}
	snprintf(dmapool_real_result, sizeof(dmapool_real_result),
		 "ok=%u failed=%u last=%u dma=%u dma32=%u kernel=%u\n", ok,
		 failed, last, served[DMAPOOL_POOL_DMA],
		 served[DMAPOOL_POOL_DMA32], served[DMAPOOL_POOL_KERNEL]);
	return ret;
}

/* Give block @slot back to the kernel, IRQs off around the call. */
static void dmapool_real_release(unsigned int slot,
				 unsigned int served[DMAPOOL_NR_POOLS])
{
	struct dmapool_real_block *b = &dmapool_real_held[slot];
	unsigned long flags;
	u64 t0, t1;
	int pool;
	bool freed;

	pool = dmapool_kpools_owner(&dmapool_real_kp, (unsigned long)b->vaddr,
				    b->size);
	cond_resched();
	preempt_disable();
	local_irq_save(flags);
	t0 = local_clock();
	/* The device it was allocated for. */
	freed = real_free(&dmapool_real_pdev[b->dev]->dev, b->vaddr, b->size);
	t1 = local_clock();
	local_irq_restore(flags);
	preempt_enable();
	dmapool_real_free_calls++;
	dmapool_real_free_ns += t1 - t0;
	if (freed) {
		dmapool_real_frees++;
		if (pool >= 0)
			served[pool]++;
	} else {
		pr_err("real_pool: the kernel did not take back %zu bytes\n",
		       b->size);
	}
	dmapool_real_bytes -= b->size;
	dmapool_real_nr--;
	dmapool_real_dev_bytes[b->dev] -= b->size;
	dmapool_real_dev_nr[b->dev]--;
	b->vaddr = NULL;
}

/* free ID|all; at most DMAPOOL_REAL_MAX (16) blocks. */
static int dmapool_real_free_cmd(const char *arg)
{
	unsigned int served[DMAPOOL_NR_POOLS] = {}, id, n = 0;

	if (arg && strcmp(arg, "all")) {
		if (kstrtouint(arg, 10, &id) || !id || id > DMAPOOL_REAL_MAX ||
		    !dmapool_real_held[id - 1].vaddr) {
			pr_err("real_pool: no block '%s'\n", arg);
			return -ENOENT;
		}
		dmapool_real_release(id - 1, served);
		n = 1;
	} else {
		for (id = 0; id < DMAPOOL_REAL_MAX; id++) {
			if (dmapool_real_held[id].vaddr) {
				dmapool_real_release(id, served);
				n++;
			}
		}
	}
	snprintf(dmapool_real_result, sizeof(dmapool_real_result),
		 "freed=%u dma=%u dma32=%u kernel=%u\n", n,
		 served[DMAPOOL_POOL_DMA], served[DMAPOOL_POOL_DMA32],
		 served[DMAPOOL_POOL_KERNEL]);
	return 0;
}

static ssize_t dmapool_real_write(struct file *file, const char __user *ubuf,
				  size_t len, loff_t *ppos)
{
	char *buf, *line, *verb;
	int ret;

	if (!dmapool_may_write(file, "real_pool"))
		return -EPERM;
	buf = dmapool_user_line(ubuf, len, DMAPOOL_MAX_CMD_LEN, "real_pool");
	if (IS_ERR(buf))
		return PTR_ERR(buf);
	line = strim(buf);
	ret = dmapool_line_check(line, "real_pool");
	if (ret)
		goto out;
	verb = strsep(&line, " ");
	ret = mutex_lock_killable(&dmapool_real_lock);
	if (ret)
		goto out;
	dmapool_real_result[0] = '\0';
	if (!strcmp(verb, "alloc")) {
		ret = dmapool_real_alloc_cmd(line ? line : "");
	} else if (!strcmp(verb, "free")) {
		ret = dmapool_real_free_cmd(line);
	} else if (!strcmp(verb, "flush") && !line) {
		/* Wait for the kernel's own expansion, as `cmd flush`. */
		if (dmapool_real_work)
			flush_work(dmapool_real_work);
		strscpy(dmapool_real_result, "flushed\n",
			sizeof(dmapool_real_result));
		ret = dmapool_real_work ? 0 : -ENOENT;
	} else if (!strcmp(verb, "reset") && !line) {
		dmapool_real_alloc_calls = 0;
		dmapool_real_alloc_ns = 0;
		dmapool_real_free_calls = 0;
		dmapool_real_free_ns = 0;
		strscpy(dmapool_real_result, "reset\n",
			sizeof(dmapool_real_result));
	} else {
		pr_err("real_pool: unknown command '%s' (alloc SIZE [count=N] [zone=Z] [mask=BITS] [dev=a|b] [reject], free ID|all, flush, reset)\n",
		       verb);
		ret = -EINVAL;
	}
	mutex_unlock(&dmapool_real_lock);
out:
	kfree(buf);
	return ret ? ret : len;
}

static int dmapool_real_show(struct seq_file *m, void *v)
{
	mutex_lock(&dmapool_real_lock);
	seq_printf(m, "held: %u\nheld_bytes: %zu\nallocs: %llu\nfrees: %llu\nfails: %llu\n",
		   dmapool_real_nr, dmapool_real_bytes, dmapool_real_allocs,
		   dmapool_real_frees, dmapool_real_fails);
	seq_printf(m, "held_a: %u\nheld_a_bytes: %zu\nheld_b: %u\nheld_b_bytes: %zu\n",
		   dmapool_real_dev_nr[0], dmapool_real_dev_bytes[0],
		   dmapool_real_dev_nr[1], dmapool_real_dev_bytes[1]);
	seq_printf(m, "alloc_calls: %llu\nalloc_ns: %llu\nfree_calls: %llu\nfree_ns: %llu\n",
		   dmapool_real_alloc_calls, dmapool_real_alloc_ns,
		   dmapool_real_free_calls, dmapool_real_free_ns);
	seq_printf(m, "last: %s",
		   dmapool_real_result[0] ? dmapool_real_result : "none\n");
	mutex_unlock(&dmapool_real_lock);
	return 0;
}

static int dmapool_real_open(struct inode *inode, struct file *file)
{
	return single_open(file, dmapool_real_show, NULL);
}

static const struct file_operations dmapool_real_fops = {
	.owner = THIS_MODULE,
	.open = dmapool_real_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = single_release,
	.write = dmapool_real_write,
};

/* Unregister what dmapool_real_register() registered (none: nothing). */
static void dmapool_real_unregister(void)
{
	int i;

	for (i = DMAPOOL_REAL_NR_DEVS - 1; i >= 0; i--) {
		if (dmapool_real_pdev[i])
			platform_device_unregister(dmapool_real_pdev[i]);
		dmapool_real_pdev[i] = NULL;
	}
	if (dmapool_real_driver_registered)
		platform_driver_unregister(&dmapool_real_driver);
	dmapool_real_driver_registered = false;
}

/*
 * The driver first, so that each device binds to it as it is added:
 * dev->driver is set before the first allocation.
 */
static int dmapool_real_register(void)
{
	struct platform_device *pdev;
	int i, ret;

	ret = platform_driver_register(&dmapool_real_driver);
	if (ret) {
		pr_err("real_pool_test: cannot register platform driver %s: %d\n",
		       dmapool_real_driver.driver.name, ret);
		return ret;
	}
	dmapool_real_driver_registered = true;
	for (i = 0; i < DMAPOOL_REAL_NR_DEVS; i++) {
		pdev = platform_device_register_simple(dmapool_real_ids[i].name,
						       PLATFORM_DEVID_NONE,
						       NULL, 0);
		if (IS_ERR(pdev)) {
			ret = PTR_ERR(pdev);
			pr_err("real_pool_test: cannot register device %s: %d\n",
			       dmapool_real_ids[i].name, ret);
			dmapool_real_unregister();
			return ret;
		}
		dmapool_real_pdev[i] = pdev;
	}
	return 0;
}

int dmapool_realpool_init(void)
{
	int ret;

	if (!real_pool_test)
		return 0;
#ifdef CONFIG_X86_KERNEL_IBT
	if (cpu_feature_enabled(X86_FEATURE_IBT)) {
		pr_err("real_pool_test: refused, kernel IBT is enforced on this CPU\n");
		return -EOPNOTSUPP;
	}
#endif
	if (!IS_ENABLED(CONFIG_KPROBES) || !IS_ENABLED(CONFIG_DMA_COHERENT_POOL)) {
		pr_err("real_pool_test: needs CONFIG_KPROBES and CONFIG_DMA_COHERENT_POOL\n");
		return -EOPNOTSUPP;
	}
	real_alloc = dmapool_ksym("dma_alloc_from_pool");
	real_free = dmapool_ksym("dma_free_from_pool");
	if (!real_alloc || !real_free) {
		pr_err("real_pool_test: dma_alloc_from_pool/dma_free_from_pool not found\n");
		return -ENOENT;
	}
	ret = dmapool_real_register();
	if (ret)
		return ret;
	/* Which kernel pool serves a block, and its expansion work. */
	dmapool_kpools_read(&dmapool_real_kp);
	dmapool_real_work = dmapool_ksym_data("atomic_pool_work");
	pr_info("real_pool_test: TEST ONLY path to the kernel's own atomic pools enabled\n");
	return 0;
}

void dmapool_realpool_debugfs(struct dentry *dir)
{
	if (real_pool_test)
		debugfs_create_file("real_pool", 0600, dir, NULL,
				    &dmapool_real_fops);
}

void dmapool_realpool_exit(void)
{
	mutex_lock(&dmapool_real_lock);
	if (real_free)
		dmapool_real_free_cmd(NULL);
	mutex_unlock(&dmapool_real_lock);
	/* Only once nothing is held for them. */
	dmapool_real_unregister();
}
