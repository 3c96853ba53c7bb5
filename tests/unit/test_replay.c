// SPDX-License-Identifier: GPL-2.0
/*
 * run --replay's conversion (tools/dmapool-bench/replay-sched.c): captured
 * records into the module's schedule. Hand-made captures with known
 * schedules, every refusal naming its record and field, the schedule lines,
 * the speed factor, and 2,000 random captures checked against what a
 * schedule must be (every allocation once, in capture order, at its time;
 * every captured free once, at time + lifetime, after its allocation; time
 * never going back; the tie rule).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "replay-sched.h"
#include "spec.h"

static struct cap_rec rec(uint64_t t, uint64_t size, int ctx, int64_t life,
			  int free_ctx)
{
	struct cap_rec r;

	memset(&r, 0, sizeof(r));
	r.t_ns = t;
	r.size = size;
	r.zone = DMAPOOL_ZONE_KERNEL;
	r.mask = ~0ull;
	r.ctx = ctx;
	r.freed = life >= 0;
	r.life_ns = life >= 0 ? (uint64_t)life : 0;
	r.free_ctx = life >= 0 ? free_ctx : CAP_NO_CTX;
	return r;
}

/* The schedule as text, one "a ID T" / "f ID T" per op, space-separated. */
static void sched_str(const struct replay_sched *s, char *buf, size_t len)
{
	size_t i, n = 0;

	buf[0] = '\0';
	for (i = 0; i < s->nr && n < len; i++)
		n += snprintf(buf + n, len - n, "%s%c%u@%llu", i ? " " : "",
			      s->ops[i].kind == REPLAY_ALLOC ? 'a' : 'f',
			      s->ops[i].id, (unsigned long long)s->ops[i].t_ns);
}

static void test_known(void)
{
	struct cap_rec r[4];
	struct replay_sched s;
	char err[REPLAY_ERR_LEN], got[512], line[96];
	int ret;

	/* 0 freed after 500 (softirq), 1 never freed, 2 freed at once. */
	r[0] = rec(1000, 4096, DMAPOOL_CTX_HARDIRQ, 500, DMAPOOL_CTX_SOFTIRQ);
	r[1] = rec(1200, 8192, DMAPOOL_CTX_PROCESS, -1, 0);
	r[2] = rec(1500, 65536, DMAPOOL_CTX_ATOMIC, 0, DMAPOOL_CTX_ATOMIC);
	r[1].zone = DMAPOOL_ZONE_DMA32;
	r[1].mask = 0xffffffffull;
	ret = replay_convert(r, 3, &s, err, sizeof(err));
	TAP_IS(ret, 0, "three records convert");
	sched_str(&s, got, sizeof(got));
	TAP_OK(!strcmp(got, "a0@0 a1@200 f0@500 a2@500 f2@500"),
	       "times from the first record; a free at an allocation's time goes before it when older, after its own (%s)",
	       got);
	TAP_IS(s.nr_allocs, 3, "3 allocations");
	TAP_IS(s.nr_frees, 2, "2 frees: the never-freed block has none");
	TAP_IS(s.span_ns, 500, "span is the last operation's time");
	TAP_OK(s.ops[0].ctx == DMAPOOL_CTX_HARDIRQ &&
	       s.ops[2].ctx == DMAPOOL_CTX_SOFTIRQ &&
	       s.ops[4].ctx == DMAPOOL_CTX_ATOMIC,
	       "allocation and free contexts kept");
	replay_op_format(&s.ops[1], line, sizeof(line));
	TAP_OK(!strcmp(line, "a 1 200 8192 dma32 32 process\n"),
	       "allocation line: id, time, size, zone, mask bits, ctx (%.*s)",
	       (int)strlen(line) - 1, line);
	replay_op_format(&s.ops[2], line, sizeof(line));
	TAP_OK(!strcmp(line, "f 0 500 softirq\n"), "free line (%.*s)",
	       (int)strlen(line) - 1, line);
	replay_sched_free(&s);

	/* Two frees at one time: by allocation order, before a later alloc. */
	r[0] = rec(0, 4096, DMAPOOL_CTX_PROCESS, 100, DMAPOOL_CTX_PROCESS);
	r[1] = rec(50, 4096, DMAPOOL_CTX_PROCESS, 50, DMAPOOL_CTX_PROCESS);
	r[2] = rec(100, 4096, DMAPOOL_CTX_PROCESS, -1, 0);
	r[3] = rec(100, 4096, DMAPOOL_CTX_PROCESS, 0, DMAPOOL_CTX_PROCESS);
	ret = replay_convert(r, 4, &s, err, sizeof(err));
	sched_str(&s, got, sizeof(got));
	TAP_OK(!ret && !strcmp(got, "a0@0 a1@50 f0@100 f1@100 a2@100 a3@100 f3@100"),
	       "ties: older frees first in allocation order, a zero lifetime right after its allocation (%s)",
	       got);
	replay_sched_free(&s);
}

static void test_refusals(void)
{
	struct cap_rec r[2], *big;
	struct replay_sched s;
	char err[REPLAY_ERR_LEN];
	size_t i;

	r[0] = rec(10, 4096, DMAPOOL_CTX_PROCESS, -1, 0);
	r[1] = rec(5, 4096, DMAPOOL_CTX_PROCESS, -1, 0);
	TAP_OK(replay_convert(r, 2, &s, err, sizeof(err)) == -EINVAL &&
	       strstr(err, "record 2: .t_ns") && !s.ops,
	       "time going back is refused, naming record 2's .t_ns (%s)", err);
	r[1] = rec(20, 0, DMAPOOL_CTX_PROCESS, -1, 0);
	TAP_OK(replay_convert(r, 2, &s, err, sizeof(err)) == -EINVAL &&
	       strstr(err, "record 2: .size: 0"), "size 0 refused (%s)", err);
	r[1].size = DMAPOOL_MAX_ALLOC_SIZE + 1ull;
	TAP_OK(replay_convert(r, 2, &s, err, sizeof(err)) == -EINVAL &&
	       strstr(err, "record 2: .size: 4194305"),
	       "a size above the largest block refused (%s)", err);
	r[1].size = DMAPOOL_MAX_ALLOC_SIZE;
	TAP_IS(replay_convert(r, 2, &s, err, sizeof(err)), 0,
	       "the largest block taken");
	replay_sched_free(&s);
	r[1].mask = 0xfffff;
	TAP_OK(replay_convert(r, 2, &s, err, sizeof(err)) == -EINVAL &&
	       strstr(err, "record 2: .mask: 0xfffff"),
	       "a 20-bit mask refused (%s)", err);
	r[1].mask = 0xffffff;
	TAP_IS(replay_convert(r, 2, &s, err, sizeof(err)), 0, "a 24-bit mask taken");
	TAP_IS(s.ops[1].mask_bits, 24, "  as 24 bits");
	replay_sched_free(&s);
	r[1].free_ctx = 7;
	r[1].freed = true;
	TAP_OK(replay_convert(r, 2, &s, err, sizeof(err)) == -EINVAL &&
	       strstr(err, "record 2: .free_ctx"), "a bad free_ctx refused (%s)",
	       err);
	TAP_OK(replay_convert(r, 0, &s, err, sizeof(err)) == -EINVAL &&
	       strstr(err, "no records"), "an empty capture refused (%s)", err);

	big = calloc(DMAPOOL_MAX_REPLAY_OPS / 2 + 1, sizeof(*big));
	for (i = 0; i < DMAPOOL_MAX_REPLAY_OPS / 2 + 1; i++)
		big[i] = rec(i, 4096, DMAPOOL_CTX_PROCESS, 1, DMAPOOL_CTX_PROCESS);
	TAP_OK(replay_convert(big, DMAPOOL_MAX_REPLAY_OPS / 2 + 1, &s, err,
			      sizeof(err)) == -EINVAL && strstr(err, "65536"),
	       "more than 65536 operations refused (%s)", err);
	TAP_IS(replay_convert(big, DMAPOOL_MAX_REPLAY_OPS / 2, &s, err,
			      sizeof(err)), 0, "exactly 65536 operations taken");
	TAP_IS(s.nr, DMAPOOL_MAX_REPLAY_OPS, "  all of them in the schedule");
	replay_sched_free(&s);
	big[0].t_ns = 0;
	big[1].t_ns = DMAPOOL_MAX_REPLAY_T_NS + 1;
	TAP_OK(replay_convert(big, 2, &s, err, sizeof(err)) == -EINVAL &&
	       strstr(err, "record 2: .t_ns"), "a capture longer than a day refused (%s)",
	       err);
	free(big);
}

static void test_mask_speed(void)
{
	uint32_t m = 0;

	TAP_IS(replay_mask_bits(~0ull), 64, "mask ~0: 64 bits");
	TAP_IS(replay_mask_bits(0xffffffffull), 32, "mask 0xffffffff: 32 bits");
	TAP_IS(replay_mask_bits(0xffffff), 24, "mask 0xffffff: 24 bits");
	TAP_IS(replay_mask_bits(0), 0, "mask 0: 0 bits");
	TAP_OK(!replay_parse_speed("1", &m) && m == 1000, "speed 1");
	TAP_OK(!replay_parse_speed("2.5", &m) && m == 2500, "speed 2.5");
	TAP_OK(!replay_parse_speed("0.001", &m) && m == 1, "speed 0.001");
	TAP_OK(!replay_parse_speed("1000", &m) && m == 1000000, "speed 1000");
	TAP_OK(replay_parse_speed("1000.001", &m) == -EINVAL, "speed 1000.001 refused");
	TAP_OK(replay_parse_speed("0", &m) == -EINVAL, "speed 0 refused");
	TAP_OK(replay_parse_speed("0.0001", &m) == -EINVAL, "4 decimals refused");
	TAP_OK(replay_parse_speed("1.", &m) == -EINVAL, "'1.' refused");
	TAP_OK(replay_parse_speed(".5", &m) == -EINVAL, "'.5' refused");
	TAP_OK(replay_parse_speed("2x", &m) == -EINVAL, "'2x' refused");
	TAP_OK(replay_parse_speed("-1", &m) == -EINVAL, "'-1' refused");
	TAP_OK(replay_parse_speed("99999999999999999999", &m) == -EINVAL,
	       "a huge number refused");
}

static uint64_t rnd(uint64_t *s)
{
	__u64 v = *s, r = dmapool_rng_next(&v);

	*s = v;
	return r;
}

/* Random captures: the schedule is what it must be. */
static void test_random(void)
{
	enum { CASES = 2000, MAXN = 200 };
	static struct cap_rec r[MAXN];
	uint64_t seed = 42, t;
	unsigned int c, bad = 0;
	char err[REPLAY_ERR_LEN];

	for (c = 0; c < CASES; c++) {
		size_t n = 1 + rnd(&seed) % MAXN, i, seen_a = 0, seen_f = 0;
		int pos_a[MAXN], pos_f[MAXN];
		struct replay_sched s;
		const char *why = NULL;

		t = rnd(&seed) % 1000;
		for (i = 0; i < n; i++) {
			/* Coarse clocks: many equal times. */
			t += rnd(&seed) % 4 ? rnd(&seed) % 3 : 0;
			r[i] = rec(t, 1 + rnd(&seed) % DMAPOOL_MAX_ALLOC_SIZE,
				   rnd(&seed) % DMAPOOL_NR_CTX,
				   rnd(&seed) % 5 ? (int64_t)(rnd(&seed) % 6) : -1,
				   rnd(&seed) % DMAPOOL_NR_CTX);
			r[i].zone = rnd(&seed) % DMAPOOL_NR_ZONES;
			r[i].mask = ~0ull >> (rnd(&seed) % 41);
			pos_a[i] = pos_f[i] = -1;
		}
		if (replay_convert(r, n, &s, err, sizeof(err))) {
			bad++;
			printf("#   case %u: %s\n", c, err);
			continue;
		}
		for (i = 0; i < s.nr && !why; i++) {
			const struct replay_op *op = &s.ops[i];
			const struct cap_rec *cr = &r[op->id];

			if (i && op->t_ns < s.ops[i - 1].t_ns)
				why = "time goes back";
			else if (op->kind == REPLAY_ALLOC) {
				if (op->id != seen_a || pos_a[op->id] >= 0)
					why = "allocations out of capture order";
				pos_a[op->id] = i;
				seen_a++;
				if (op->t_ns != cr->t_ns - r[0].t_ns ||
				    op->size != cr->size || op->zone != cr->zone ||
				    op->ctx != cr->ctx ||
				    op->mask_bits != replay_mask_bits(cr->mask))
					why = "allocation fields differ";
			} else {
				if (!cr->freed || pos_f[op->id] >= 0 ||
				    pos_a[op->id] < 0)
					why = "a free not captured, twice, or before its allocation";
				pos_f[op->id] = i;
				seen_f++;
				if (op->t_ns != cr->t_ns - r[0].t_ns + cr->life_ns ||
				    op->ctx != cr->free_ctx)
					why = "free time or context differ";
				/* The tie rule: no later allocation at this time before it. */
				if (i && s.ops[i - 1].kind == REPLAY_ALLOC &&
				    s.ops[i - 1].t_ns == op->t_ns &&
				    s.ops[i - 1].id > op->id)
					why = "a free after a younger allocation at its time";
			}
		}
		for (i = 0; i < n && !why; i++)
			if (r[i].freed != (pos_f[i] >= 0))
				why = "a captured free missing";
		if (!why && (seen_a != n || s.nr_allocs != n || s.nr_frees != seen_f ||
			     s.nr != seen_a + seen_f))
			why = "counts differ";
		if (why) {
			bad++;
			if (bad < 5)
				printf("#   case %u: %s\n", c, why);
		}
		replay_sched_free(&s);
	}
	TAP_IS(bad, 0, "%u random captures: schedules in order, complete, at their times",
	       (unsigned int)CASES);
}

int main(void)
{
	test_known();
	test_refusals();
	test_mask_speed();
	test_random();
	return tap_done();
}
