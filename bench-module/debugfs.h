/* SPDX-License-Identifier: GPL-2.0 */
/*
 * /sys/kernel/debug/dmapool_bench/ and the rules every control write
 * follows (debugfs files and writable parameters alike).
 */
#ifndef _DMAPOOL_DEBUGFS_H
#define _DMAPOOL_DEBUGFS_H

#include <linux/compiler_types.h>
#include <linux/types.h>

struct file;

/* May this write go ahead? Needs CAP_SYS_ADMIN; @file NULL: the writer's. */
bool dmapool_may_write(const struct file *file, const char *what);
/* Copy one whole command line from user space, or ERR_PTR(-errno). */
char *dmapool_user_line(const char __user *ubuf, size_t count, size_t max,
			const char *what);
/* 0 if @line (trimmed) is printable ASCII and not empty, else -EINVAL. */
int dmapool_line_check(const char *line, const char *what);

int dmapool_debugfs_init(void);
void dmapool_debugfs_exit(void);

#endif /* _DMAPOOL_DEBUGFS_H */
