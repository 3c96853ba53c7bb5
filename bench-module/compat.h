/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Differences between the kernels we build against (Debian's 6.1 and 6.12),
 * detected by feature rather than by version number.
 */
#ifndef _DMAPOOL_COMPAT_H
#define _DMAPOOL_COMPAT_H

#include <linux/mmzone.h>

/*
 * MAX_PAGE_ORDER: the largest buddy order, which caps upstream's expansion
 * blocks. 6.8 named it MAX_PAGE_ORDER; before, MAX_ORDER meant two things:
 * one past it in 6.1-6.3 (exclusive: 11 on x86), the order itself in
 * 6.4-6.7 (inclusive: 10, "mm, treewide: redefine MAX_ORDER sanely").
 * MAX_ORDER_NR_PAGES, the pages of the largest block in every version,
 * tells which: 1 << (MAX_ORDER - 1) or 1 << MAX_ORDER. A header that says
 * neither stops the build rather than halve or double the cap.
 */
#ifndef MAX_PAGE_ORDER
#if !defined(MAX_ORDER) || !defined(MAX_ORDER_NR_PAGES)
#error "compat.h: largest buddy order unknown: no MAX_PAGE_ORDER, MAX_ORDER, MAX_ORDER_NR_PAGES"
#elif MAX_ORDER + 0 < 2
#error "compat.h: largest buddy order unknown: MAX_ORDER is not a constant >= 2"
#elif MAX_ORDER_NR_PAGES == (1 << (MAX_ORDER - 1))
#define MAX_PAGE_ORDER (MAX_ORDER - 1)	/* 6.1-6.3: MAX_ORDER exclusive */
#elif MAX_ORDER_NR_PAGES == (1 << MAX_ORDER)
#define MAX_PAGE_ORDER MAX_ORDER	/* 6.4-6.7: MAX_ORDER inclusive */
#else
#error "compat.h: largest buddy order unknown: MAX_ORDER_NR_PAGES is not 1 << MAX_ORDER (- 1)"
#endif
#endif

#endif /* _DMAPOOL_COMPAT_H */
