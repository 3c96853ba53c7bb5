// SPDX-License-Identifier: GPL-2.0
/*
 * TEST ONLY: make the running kernel's own atomic pools allocate, so that
 * `dmapool-bench monitor --target kernel` and the real-pool bpftrace script
 * can be tested on machines (x86 guests without memory encryption) where no
 * driver ever reaches dma_alloc_from_pool().
 *
 * dma_alloc_from_pool() and dma_free_from_pool() are declared in
 * <linux/dma-map-ops.h> but not exported. With real_pool_test=1 the module
 * resolves them at load time through a kprobe that is registered and at
 * once removed (kallsyms_lookup_name() is not exported either) and calls
 * them through those pointers. Nothing else in the module uses this path.
 *
 * Safety: when every pool fails, the kernel WARNs and names the device. The
 * test path keeps what it holds (at most DMAPOOL_REAL_CAP bytes) below the
 * smallest pool the kernel ever creates (128 KiB), so on a machine where
 * nothing else uses the pools an allocation cannot fail; and it passes a
 * named dummy device. With kernel IBT enforced the unexported targets may be
 * sealed against indirect calls, so the option is refused there.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/device.h>
#include <linux/dma-map-ops.h>
#include <linux/kprobes.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "ctl.h"
#include "realpool.h"
#include "spec.h"

#define DMAPOOL_REAL_CAP	(64u << 10)	/* bytes held at most */
#define DMAPOOL_REAL_MAX	(DMAPOOL_REAL_CAP / PAGE_SIZE)

static bool real_pool_test;
module_param(real_pool_test, bool, 0400);
MODULE_PARM_DESC(real_pool_test,
		 "TEST ONLY: debugfs real_pool drives the kernel's own dma_alloc_from_pool(), resolved at load time");

static typeof(&dma_alloc_from_pool) real_alloc;
static typeof(&dma_free_from_pool) real_free;

/* Named, never registered: only dev_name() could ever look at it. */
static struct device dmapool_real_dev = {
	.init_name = "dmapool_bench_real_pool_test",
};

struct dmapool_real_block {
	void *vaddr;
	size_t size;
};

static DEFINE_MUTEX(dmapool_real_lock);
static struct dmapool_real_block dmapool_real_held[DMAPOOL_REAL_MAX];
static unsigned int dmapool_real_nr;
static size_t dmapool_real_bytes;
static u64 dmapool_real_allocs, dmapool_real_frees, dmapool_real_fails;

static void *dmapool_lookup(const char *name)
{
	struct kprobe kp = { .symbol_name = name };
	void *addr;

	if (register_kprobe(&kp))
		return NULL;
	/*
	 * The probed address; with an ENDBR at the entry it is the instruction
	 * after it, equivalent as a call target since IBT is not enforced.
	 */
	addr = kp.addr;
	unregister_kprobe(&kp);
	return addr;
}

/*
 * `reject`: a device no block fits. The kernel tries every pool, gives each
 * block back, and fails the allocation as "DMA pool exhausted" (not warned:
 * __GFP_NOWARN) without touching what the pools hold.
 */
static bool dmapool_real_reject(struct device *dev, phys_addr_t phys,
				size_t size)
{
	return false;
}

/* alloc SIZE [count=N] [zone=kernel|dma32|dma] [reject]; held until `free`. */
static int dmapool_real_alloc_cmd(char *args)
{
	static const char * const zones[] = DMAPOOL_ZONE_NAMES;
	static const gfp_t zone_gfp[] = { 0, GFP_DMA32, GFP_DMA };
	u64 size;
	unsigned int count = 1, zone = 0, i;
	bool reject = false;
	char *tok;
	int ret = 0;

	tok = strsep(&args, " ");
	if (!tok || dmapool_parse_bytes(tok, strlen(tok), &size) || !size ||
	    size % PAGE_SIZE || size > DMAPOOL_REAL_CAP) {
		pr_err("real_pool: invalid size '%s' (pages, at most %u bytes)\n",
		       tok ? tok : "", DMAPOOL_REAL_CAP);
		return -EINVAL;
	}
	while ((tok = strsep(&args, " "))) {
		if (!*tok)
			continue;
		if (!strncmp(tok, "count=", 6)) {
			if (kstrtouint(tok + 6, 0, &count) || !count)
				goto bad;
		} else if (!strncmp(tok, "zone=", 5)) {
			for (zone = 0; zone < ARRAY_SIZE(zones); zone++)
				if (!strcmp(tok + 5, zones[zone]))
					break;
			if (zone == ARRAY_SIZE(zones))
				goto bad;
		} else if (!strcmp(tok, "reject")) {
			reject = true;
		} else {
			goto bad;
		}
	}
	if (count > DMAPOOL_REAL_MAX ||
	    dmapool_real_bytes + count * size > DMAPOOL_REAL_CAP) {
		pr_err("real_pool: would hold more than %u bytes\n",
		       DMAPOOL_REAL_CAP);
		return -ENOSPC;
	}
	/* At most DMAPOOL_REAL_MAX (16) blocks, IRQs off only around each. */
	for (i = 0; i < count; i++) {
		struct dmapool_real_block *b = &dmapool_real_held[dmapool_real_nr];
		unsigned long flags;
		struct page *page;

		cond_resched();
		/* Atomic context, as the pool's real callers. */
		preempt_disable();
		local_irq_save(flags);
		page = real_alloc(&dmapool_real_dev, size, &b->vaddr,
				  GFP_ATOMIC | __GFP_NOWARN | zone_gfp[zone],
				  reject ? dmapool_real_reject : NULL);
		local_irq_restore(flags);
		preempt_enable();
		if (!page) {
			dmapool_real_fails++;
			ret = -ENOMEM;
			break;
		}
		b->size = size;
		dmapool_real_nr++;
		dmapool_real_bytes += size;
		dmapool_real_allocs++;
	}
	return ret;
bad:
	pr_err("real_pool: invalid argument '%s' (count=N, zone=kernel|dma32|dma, reject)\n",
	       tok);
	return -EINVAL;
}

/* At most DMAPOOL_REAL_MAX (16) blocks, IRQs off only around each. */
static void dmapool_real_free_all(void)
{
	while (dmapool_real_nr) {
		struct dmapool_real_block *b =
			&dmapool_real_held[--dmapool_real_nr];
		unsigned long flags;
		bool freed;

		cond_resched();
		preempt_disable();
		local_irq_save(flags);
		freed = real_free(&dmapool_real_dev, b->vaddr, b->size);
		local_irq_restore(flags);
		preempt_enable();
		if (freed)
			dmapool_real_frees++;
		else
			pr_err("real_pool: the kernel did not take back %zu bytes\n",
			       b->size);
		dmapool_real_bytes -= b->size;
	}
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
	if (!strcmp(verb, "alloc")) {
		ret = dmapool_real_alloc_cmd(line ? line : "");
	} else if (!strcmp(verb, "free") && !line) {
		dmapool_real_free_all();
		ret = 0;
	} else {
		pr_err("real_pool: unknown command '%s' (alloc SIZE [count=N] [zone=Z], free)\n",
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

int dmapool_realpool_check(void)
{
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
	real_alloc = dmapool_lookup("dma_alloc_from_pool");
	real_free = dmapool_lookup("dma_free_from_pool");
	if (!real_alloc || !real_free) {
		pr_err("real_pool_test: dma_alloc_from_pool/dma_free_from_pool not found\n");
		return -ENOENT;
	}
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
		dmapool_real_free_all();
	mutex_unlock(&dmapool_real_lock);
}
