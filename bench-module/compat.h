/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Differences between the kernels we build against (Debian's 6.1 and 6.12),
 * detected by feature rather than by version number.
 */
#ifndef _DMAPOOL_COMPAT_H
#define _DMAPOOL_COMPAT_H

#include <linux/mmzone.h>

/*
 * The largest buddy order, which caps upstream's expansion blocks: 6.8
 * renamed it MAX_PAGE_ORDER; before 6.4 MAX_ORDER was one past it. (6.4-6.7,
 * where MAX_ORDER was already inclusive, are not supported.)
 */
#ifndef MAX_PAGE_ORDER
#define MAX_PAGE_ORDER (MAX_ORDER - 1)
#endif

#endif /* _DMAPOOL_COMPAT_H */
