/* SPDX-License-Identifier: GPL-2.0 */
/*
 * TEST ONLY (real_pool_test=1): debugfs `real_pool` drives the running
 * kernel's own dma_alloc_from_pool()/dma_free_from_pool().
 */
#ifndef _DMAPOOL_REALPOOL_H
#define _DMAPOOL_REALPOOL_H

struct dentry;

/*
 * When the option is set: resolve the kernel's functions and register the
 * test devices and their driver. 0 or -errno (nothing left registered).
 */
int dmapool_realpool_init(void);
void dmapool_realpool_debugfs(struct dentry *dir);
/*
 * Give back what the test path holds (after its debugfs file is gone), then
 * unregister its devices and driver. Also on a failed module init.
 */
void dmapool_realpool_exit(void);

#endif /* _DMAPOOL_REALPOOL_H */
