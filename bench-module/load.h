/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The load generator: per-CPU kthreads driving the pool in hardirq, softirq,
 * atomic or process context.
 */
#ifndef _DMAPOOL_LOAD_H
#define _DMAPOOL_LOAD_H

#include <linux/seq_file.h>
#include "dmapool_bench.h"

int dmapool_load_start(const struct dmapool_run_spec *rs, char *err,
		       size_t errlen);
int dmapool_load_stop(bool killable);
int dmapool_load_format_spec(char *buf, size_t len);
void dmapool_load_show_stats(struct seq_file *m);
void dmapool_load_exit(void);

#endif /* _DMAPOOL_LOAD_H */
