// SPDX-License-Identifier: GPL-2.0
/*
 * Captured records into the module's replay schedule (replay-sched.h): pure
 * conversion, no I/O, unit-tested on the host.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "replay-sched.h"
#include "spec.h"

unsigned int replay_mask_bits(uint64_t mask)
{
	return mask ? 64 - __builtin_clzll(mask) : 0;
}

static int free_cmp(const void *a, const void *b)
{
	const struct replay_op *x = a, *y = b;

	if (x->t_ns != y->t_ns)
		return x->t_ns < y->t_ns ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

int replay_convert(const struct cap_rec *recs, size_t nr,
		   struct replay_sched *s, char *err, size_t errlen)
{
	struct replay_op *allocs = NULL, *frees = NULL;
	size_t i, a, f, nf = 0;
	uint64_t t0 = nr ? recs[0].t_ns : 0, prev = t0;
	unsigned int bits;

	memset(s, 0, sizeof(*s));
	if (!nr) {
		snprintf(err, errlen, "no records: nothing to replay");
		return -EINVAL;
	}
	for (i = 0; i < nr; i++)
		nf += recs[i].freed;
	if (nr + nf > DMAPOOL_MAX_REPLAY_OPS) {
		snprintf(err, errlen,
			 "%zu allocations and %zu frees: more than the %u operations a replay takes",
			 nr, nf, DMAPOOL_MAX_REPLAY_OPS);
		return -EINVAL;
	}
	allocs = calloc(nr, sizeof(*allocs));
	frees = calloc(nf ? nf : 1, sizeof(*frees));
	s->ops = calloc(nr + nf, sizeof(*s->ops));
	if (!allocs || !frees || !s->ops) {
		free(allocs);
		free(frees);
		free(s->ops);
		s->ops = NULL;
		return -ENOMEM;
	}
	for (i = 0, f = 0; i < nr; i++) {
		const struct cap_rec *r = &recs[i];
		struct replay_op *op = &allocs[i];

		if (r->t_ns < prev) {
			snprintf(err, errlen, "record %zu: .t_ns: %llu is before the record before (%llu)",
				 i + 1, (unsigned long long)r->t_ns,
				 (unsigned long long)prev);
			goto bad;
		}
		prev = r->t_ns;
		if (!r->size || r->size > DMAPOOL_MAX_ALLOC_SIZE) {
			snprintf(err, errlen, "record %zu: .size: %llu is not in 1..%u (the bench pools' largest block)",
				 i + 1, (unsigned long long)r->size,
				 DMAPOOL_MAX_ALLOC_SIZE);
			goto bad;
		}
		bits = replay_mask_bits(r->mask);
		if (bits < DMAPOOL_MASK_BITS_MIN) {
			snprintf(err, errlen, "record %zu: .mask: 0x%llx is narrower than the %u bits the bench pools simulate",
				 i + 1, (unsigned long long)r->mask,
				 DMAPOOL_MASK_BITS_MIN);
			goto bad;
		}
		if ((unsigned int)r->zone >= DMAPOOL_NR_ZONES ||
		    (unsigned int)r->ctx >= DMAPOOL_NR_CTX) {
			snprintf(err, errlen, "record %zu: .%s: value %d out of range",
				 i + 1, (unsigned int)r->zone >= DMAPOOL_NR_ZONES ?
				 "zone" : "ctx",
				 (unsigned int)r->zone >= DMAPOOL_NR_ZONES ?
				 (int)r->zone : (int)r->ctx);
			goto bad;
		}
		op->t_ns = r->t_ns - t0;
		op->id = i;
		op->size = r->size;
		op->kind = REPLAY_ALLOC;
		op->zone = r->zone;
		op->mask_bits = bits;
		op->ctx = r->ctx;
		if (!r->freed)
			continue;
		if (r->free_ctx < 0 || r->free_ctx >= DMAPOOL_NR_CTX) {
			snprintf(err, errlen, "record %zu: .free_ctx: value %d out of range",
				 i + 1, r->free_ctx);
			goto bad;
		}
		if (r->life_ns > DMAPOOL_MAX_REPLAY_T_NS - op->t_ns) {
			snprintf(err, errlen, "record %zu: .life_ns: %llu ends past the %llu ns a replay may last",
				 i + 1, (unsigned long long)r->life_ns,
				 (unsigned long long)DMAPOOL_MAX_REPLAY_T_NS);
			goto bad;
		}
		frees[f++] = (struct replay_op){
			.t_ns = op->t_ns + r->life_ns, .id = i,
			.kind = REPLAY_FREE, .ctx = r->free_ctx,
		};
	}
	if (prev - t0 > DMAPOOL_MAX_REPLAY_T_NS) {
		snprintf(err, errlen, "record %zu: .t_ns: %llu ns after the first record, more than a replay may last",
			 nr, (unsigned long long)(prev - t0));
		goto bad;
	}
	qsort(frees, nf, sizeof(*frees), free_cmp);
	/* Merge: a free before an allocation when earlier, or at the same
	 * time when its block is older (an allocation's own free never comes
	 * before it: its id is not smaller).
	 */
	for (a = 0, f = 0; a < nr || f < nf;) {
		bool take_free = f < nf &&
			(a == nr || frees[f].t_ns < allocs[a].t_ns ||
			 (frees[f].t_ns == allocs[a].t_ns &&
			  frees[f].id < allocs[a].id));

		s->ops[s->nr++] = take_free ? frees[f++] : allocs[a++];
	}
	s->nr_allocs = nr;
	s->nr_frees = nf;
	s->span_ns = s->ops[s->nr - 1].t_ns;
	free(allocs);
	free(frees);
	return 0;
bad:
	free(allocs);
	free(frees);
	replay_sched_free(s);
	return -EINVAL;
}

void replay_sched_free(struct replay_sched *s)
{
	free(s->ops);
	memset(s, 0, sizeof(*s));
}

int replay_op_format(const struct replay_op *op, char *buf, size_t len)
{
	if (op->kind == REPLAY_ALLOC)
		return snprintf(buf, len, "a %u %llu %u %s %u %s\n", op->id,
				(unsigned long long)op->t_ns, op->size,
				dmapool_zone_names[op->zone], op->mask_bits,
				dmapool_ctx_names[op->ctx]);
	return snprintf(buf, len, "f %u %llu %s\n", op->id,
			(unsigned long long)op->t_ns,
			dmapool_ctx_names[op->ctx]);
}

int replay_parse_speed(const char *s, uint32_t *milli)
{
	uint64_t whole = 0;
	uint32_t frac = 0, digits = 0;
	const char *p = s;

	if (*p < '0' || *p > '9')
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		whole = whole * 10 + (*p - '0');
		if (whole > DMAPOOL_REPLAY_SPEED_MAX / 1000)
			return -EINVAL;
	}
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++, digits++) {
			if (digits == 3)
				return -EINVAL;
			frac = frac * 10 + (*p - '0');
		}
		if (!digits)
			return -EINVAL;
		for (; digits < 3; digits++)
			frac *= 10;
	}
	if (*p)
		return -EINVAL;
	whole = whole * 1000 + frac;
	if (whole < DMAPOOL_REPLAY_SPEED_MIN || whole > DMAPOOL_REPLAY_SPEED_MAX)
		return -EINVAL;
	*milli = whole;
	return 0;
}
