/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The `cmd` file (single allocations and frees through the module's pools)
 * and its `alloc` request grammar, which `real_pool` (realpool.c) shares:
 *
 *   alloc SIZE [count=N] [zone=auto|kernel|dma32|dma] [mask=BITS] [dev=D]
 *              [FLAG]
 *
 * zone=auto (the default) asks for the zone the mask implies, as
 * dma_direct_optimal_gfp_mask() does.
 */
#ifndef _DMAPOOL_CMD_H
#define _DMAPOOL_CMD_H

#include <linux/types.h>

struct dentry;

/* What one file accepts in a request. */
struct dmapool_req_syntax {
	const char *flag;		/* the one bare word taken: FLAG */
	u64 max_size;			/* bytes */
	bool whole_pages;		/* SIZE must be a multiple of PAGE_SIZE */
	unsigned int count_base;	/* of count=, as kstrtouint() takes it */
	u32 max_count;
	unsigned int min_mask_bits;	/* of mask=; 0: DMAPOOL_MASK_BITS_MIN */
	const char *const *devs;	/* dev= names, NULL-ended; NULL: no dev= */
};

struct dmapool_req {
	u64 size;			/* bytes, as given */
	u32 count;
	int zone;			/* enum dmapool_zone (auto: the mask's) */
	unsigned int mask_bits;
	unsigned int dev;		/* index in devs (default 0) */
	bool flag;			/* FLAG was given */
};

/* The part of a request that was refused; each file words its own error. */
enum dmapool_req_bad {
	DMAPOOL_REQ_BAD_SIZE = 1,
	DMAPOOL_REQ_BAD_ARG,		/* an unknown word or key */
	DMAPOOL_REQ_BAD_COUNT,
	DMAPOOL_REQ_BAD_ZONE,
	DMAPOOL_REQ_BAD_MASK,
	DMAPOOL_REQ_BAD_DEV,
};

struct dmapool_req_err {
	enum dmapool_req_bad what;
	const char *word;		/* the whole word ("" for no SIZE) */
	const char *val;		/* what follows its '=', or NULL */
	int keylen;			/* bytes before the '=' (all: none) */
};

/*
 * Parse @args (what follows `alloc`; NULL: nothing; split in place) into
 * @req. 0, or -EINVAL with @err saying which word was refused.
 */
int dmapool_req_parse(char *args, const struct dmapool_req_syntax *syn,
		      struct dmapool_req *req, struct dmapool_req_err *err);

void dmapool_cmd_debugfs(struct dentry *dir);
/* Free what `cmd` still holds (after its debugfs file is gone). */
void dmapool_cmd_exit(void);

#endif /* _DMAPOOL_CMD_H */
