// SPDX-License-Identifier: GPL-2.0
/*
 * The `cmd` file: single allocations and frees for tests and for people.
 *
 *   alloc SIZE [count=N] [zone=auto|kernel|dma32|dma] [mask=BITS] [nowarn]
 *                  zone=auto (default): the zone the mask implies
 *   free ID|all
 *   flush          wait for a pending expansion
 *   state          emit pool_state for every pool
 *
 * Reading it returns the outcome of the last command. The `alloc` grammar
 * (dmapool_req_parse()) is shared with realpool.c.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/xarray.h>

#include "cmd.h"
#include "debugfs.h"
#include "pool.h"
#include "pool_logic.h"
#include "spec.h"

static bool dmapool_req_key(const char *word, int keylen, const char *key)
{
	return (size_t)keylen == strlen(key) && !memcmp(word, key, keylen);
}

/* @val's index in the NULL-ended @names, or -1. */
static int dmapool_req_dev(const char *const *names, const char *val)
{
	int i;

	for (i = 0; names && names[i]; i++)
		if (!strcmp(names[i], val))
			return i;
	return -1;
}

/* One word after SIZE: FLAG, count=N, zone=Z, mask=BITS or dev=D. */
static int dmapool_req_word(char *word, const struct dmapool_req_syntax *syn,
			    struct dmapool_req *req,
			    struct dmapool_req_err *err)
{
	char *val = strchr(word, '=');

	err->word = word;
	err->val = val ? val + 1 : NULL;
	err->keylen = val ? val - word : strlen(word);
	err->what = DMAPOOL_REQ_BAD_ARG;
	if (!val) {
		if (!syn->flag || strcmp(word, syn->flag))
			return -EINVAL;
		req->flag = true;
		return 0;
	}
	val++;
	if (dmapool_req_key(word, err->keylen, "count")) {
		err->what = DMAPOOL_REQ_BAD_COUNT;
		if (kstrtouint(val, syn->count_base, &req->count) ||
		    !req->count || req->count > syn->max_count)
			return -EINVAL;
	} else if (dmapool_req_key(word, err->keylen, "zone")) {
		err->what = DMAPOOL_REQ_BAD_ZONE;
		if (!strcmp(val, "auto")) {
			req->zone = -1;
		} else {
			req->zone = dmapool_name_index(DMAPOOL_NAMES_ZONE, val,
						       strlen(val));
			if (req->zone < 0)
				return -EINVAL;
		}
	} else if (dmapool_req_key(word, err->keylen, "mask")) {
		err->what = DMAPOOL_REQ_BAD_MASK;
		if (kstrtouint(val, 10, &req->mask_bits) ||
		    req->mask_bits < (syn->min_mask_bits ?: DMAPOOL_MASK_BITS_MIN) ||
		    req->mask_bits > DMAPOOL_MASK_BITS_MAX)
			return -EINVAL;
	} else if (syn->devs && dmapool_req_key(word, err->keylen, "dev")) {
		int dev = dmapool_req_dev(syn->devs, val);

		err->what = DMAPOOL_REQ_BAD_DEV;
		if (dev < 0)
			return -EINVAL;
		req->dev = dev;
	} else {
		return -EINVAL;
	}
	return 0;
}

int dmapool_req_parse(char *args, const struct dmapool_req_syntax *syn,
		      struct dmapool_req *req, struct dmapool_req_err *err)
{
	char *word = strsep(&args, " ");
	int ret;

	req->count = 1;
	req->zone = -1;			/* auto: from the mask */
	req->mask_bits = 64;
	req->dev = 0;
	req->flag = false;
	if (!word || dmapool_parse_bytes(word, strlen(word), &req->size) ||
	    !req->size || req->size > syn->max_size ||
	    (syn->whole_pages && req->size % PAGE_SIZE)) {
		err->what = DMAPOOL_REQ_BAD_SIZE;
		err->word = word ? word : "";
		err->val = NULL;
		err->keylen = strlen(err->word);
		return -EINVAL;
	}
	while ((word = strsep(&args, " "))) {
		if (!*word)
			continue;
		ret = dmapool_req_word(word, syn, req, err);
		if (ret)
			return ret;
	}
	if (req->zone < 0)
		req->zone = dmapool_zone_of_mask(req->mask_bits);
	return 0;
}

struct dmapool_handle {
	void *vaddr;
	u32 size;			/* bytes */
};

static DEFINE_XARRAY_ALLOC(dmapool_handles);
static DEFINE_MUTEX(dmapool_cmd_lock);
static char dmapool_cmd_result[256];

static const struct dmapool_req_syntax dmapool_cmd_syntax = {
	.flag = "nowarn",
	.max_size = DMAPOOL_MAX_ALLOC_SIZE,
	.count_base = 10,
	.max_count = DMAPOOL_MAX_CMD_COUNT,
};

static int dmapool_cmd_parse_alloc(char *args, struct dmapool_req *req)
{
	struct dmapool_req_err e;

	if (!dmapool_req_parse(args, &dmapool_cmd_syntax, req, &e)) {
		/* dma_direct_alloc() page-aligns the size before the pool. */
		req->size = PAGE_ALIGN(req->size);
		return 0;
	}
	switch (e.what) {
	case DMAPOOL_REQ_BAD_SIZE:
		pr_err("cmd: alloc size '%s' invalid (1..%u bytes)\n", e.word,
		       DMAPOOL_MAX_ALLOC_SIZE);
		break;
	case DMAPOOL_REQ_BAD_COUNT:
		pr_err("cmd: count '%s' invalid (1..%u)\n", e.val,
		       DMAPOOL_MAX_CMD_COUNT);
		break;
	case DMAPOOL_REQ_BAD_ZONE:
		pr_err("cmd: zone '%s' invalid (auto, kernel, dma32, dma)\n",
		       e.val);
		break;
	case DMAPOOL_REQ_BAD_MASK:
		pr_err("cmd: mask '%s' invalid (%u..%u bits)\n", e.val,
		       DMAPOOL_MASK_BITS_MIN, DMAPOOL_MASK_BITS_MAX);
		break;
	default:
		pr_err("cmd: unknown alloc argument '%.*s'\n", e.keylen,
		       e.word);
	}
	return -EINVAL;
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
	struct dmapool_req req;
	struct dmapool_handle *h;
	u32 id, first = 0, last = 0;
	bool interrupted = false;
	unsigned int i;
	u8 depth = 0;
	int ret;

	ret = dmapool_cmd_parse_alloc(args, &req);
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
					 req.flag, &info);
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

static void dmapool_cmd_release(unsigned long id, struct dmapool_handle *h,
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
static u32 dmapool_cmd_release_all(u32 served[DMAPOOL_NR_POOLS],
				   bool killable, bool *interrupted)
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
		dmapool_cmd_release(id, h, served);
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
		n = dmapool_cmd_release_all(served, true, &interrupted);
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
		dmapool_cmd_release(id, h, served);
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

void dmapool_cmd_debugfs(struct dentry *dir)
{
	debugfs_create_file("cmd", 0600, dir, NULL, &dmapool_cmd_fops);
}

void dmapool_cmd_exit(void)
{
	u32 served[DMAPOOL_NR_POOLS] = {};
	bool interrupted = false;

	dmapool_cmd_release_all(served, false, &interrupted);
	xa_destroy(&dmapool_handles);
}
