/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Module parameters, their validation, and the debugfs control files.
 */
#ifndef _DMAPOOL_CTL_H
#define _DMAPOOL_CTL_H

#include <linux/compiler_types.h>
#include <linux/types.h>
#include "pool.h"

struct file;

int dmapool_params_check(struct dmapool_config *cfg);

/* May this write go ahead? Needs CAP_SYS_ADMIN; @file NULL: the writer's. */
bool dmapool_may_write(const struct file *file, const char *what);
/* Copy one whole command line from user space, or ERR_PTR(-errno). */
char *dmapool_user_line(const char __user *ubuf, size_t count, size_t max,
			const char *what);
/* 0 if @line (trimmed) is printable ASCII and not empty, else -EINVAL. */
int dmapool_line_check(const char *line, const char *what);

int dmapool_debugfs_init(void);
void dmapool_debugfs_exit(void);

void dmapool_state_timer_start(void);
void dmapool_state_timer_stop(void);

#endif /* _DMAPOOL_CTL_H */
