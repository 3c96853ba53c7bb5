/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Replay of captured pool traffic: a schedule of allocations and frees,
 * each with its time and context, executed on the module's pools.
 */
#ifndef _DMAPOOL_REPLAY_H
#define _DMAPOOL_REPLAY_H

struct dentry;

/* The `replay` and `replay_log` files. */
void dmapool_replay_debugfs(struct dentry *dir);
/* Stop a replay, free its blocks and its schedule (module exit). */
void dmapool_replay_exit(void);

/*
 * A generator run and a replay exclude each other: the control file takes
 * this gate around starting a run. 0 with the gate held, or -EBUSY while a
 * replay runs (-EINTR when the writer is killed while waiting).
 */
int dmapool_replay_gate_lock(void);
void dmapool_replay_gate_unlock(void);

#endif /* _DMAPOOL_REPLAY_H */
