// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/debug/dmapool_bench/: pool_size_{dma,dma32,kernel} (as
 * upstream's dma_pools/), `pools`, `control` and `stats` here, `cmd`
 * (cmd.c) and the test-only `real_pool` (realpool.c); and the checks every
 * control write goes through.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "cmd.h"
#include "debugfs.h"
#include "load.h"
#include "pool.h"
#include "realpool.h"
#include "replay.h"
#include "spec.h"

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

/*
 * The `control` file: a spec line (up to DMAPOOL_MAX_STREAMS specs, ';'
 * between them, one stream each) starts a run, `stop` stops it; reading
 * gives the current or last line with every default filled in.
 */
static ssize_t dmapool_control_write(struct file *file,
				     const char __user *ubuf, size_t count,
				     loff_t *ppos)
{
	char err[DMAPOOL_SPEC_ERR_LEN] = "";
	struct dmapool_run_spec *rs;
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
	rs = kmalloc(sizeof(*rs), GFP_KERNEL);
	if (!rs) {
		kfree(line);
		return -ENOMEM;
	}
	ret = dmapool_run_spec_parse(line, rs, err, sizeof(err));
	kfree(line);
	/* Not while a replay runs (replay.c's gate). */
	if (!ret)
		ret = dmapool_replay_gate_lock();
	if (!ret) {
		ret = dmapool_load_start(rs, err, sizeof(err));
		dmapool_replay_gate_unlock();
	}
	kfree(rs);
	if (ret && err[0])
		pr_err("control: %s\n", err);
	return ret ? ret : count;
}

static ssize_t dmapool_control_read(struct file *file, char __user *ubuf,
				    size_t count, loff_t *ppos)
{
	size_t len = DMAPOOL_MAX_SPEC_LEN + 2;
	char *buf = kmalloc(len, GFP_KERNEL);
	ssize_t ret;
	int n;

	if (!buf)
		return -ENOMEM;
	n = dmapool_load_format_spec(buf, len - 1);
	n = min_t(int, n, len - 2);
	buf[n++] = '\n';
	ret = simple_read_from_buffer(ubuf, count, ppos, buf, n);
	kfree(buf);
	return ret;
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
	dmapool_cmd_debugfs(dmapool_dir);
	debugfs_create_file("control", 0600, dmapool_dir, NULL,
			    &dmapool_control_fops);
	debugfs_create_file("stats", 0400, dmapool_dir, NULL,
			    &dmapool_stats_fops);
	dmapool_realpool_debugfs(dmapool_dir);
	dmapool_replay_debugfs(dmapool_dir);
	return 0;
}

/* Remove the files (waiting for users), then free what `cmd` still holds. */
void dmapool_debugfs_exit(void)
{
	debugfs_remove_recursive(dmapool_dir);
	dmapool_cmd_exit();
}
