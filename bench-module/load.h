/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The load generator: per-CPU kthreads driving the pool in hardirq, softirq,
 * atomic or process context.
 */
#ifndef _DMAPOOL_LOAD_H
#define _DMAPOOL_LOAD_H

#include <linux/kthread.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include "dmapool_bench.h"

/*
 * A kthread of ours that has finished stays here until reaped, so that
 * kthread_stop() always finds it (the generator's workers, the replay).
 */
static inline void dmapool_wait_for_stop(void)
{
	for (;;) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (kthread_should_stop())
			break;
		schedule();
	}
	__set_current_state(TASK_RUNNING);
}

int dmapool_load_start(const struct dmapool_run_spec *rs, char *err,
		       size_t errlen);
int dmapool_load_stop(bool killable);
int dmapool_load_format_spec(char *buf, size_t len);
void dmapool_load_show_stats(struct seq_file *m);
void dmapool_load_exit(void);
/* Whether this code runs in context @ctx (enum dmapool_ctx), as load.c defines it. */
bool dmapool_in_ctx(int ctx);

#endif /* _DMAPOOL_LOAD_H */
