// SPDX-License-Identifier: GPL-2.0
/*
 * Run spec parser and formatter, shared by the module, the CLI and the unit
 * tests. Plain C: no allocation, no libc beyond snprintf/memcmp/strlen.
 *
 *   ctx=hardirq|softirq|atomic|process   cpus=0-1,3
 *   duration_ms=N  ops=N (per CPU)       period_us=N  batch=N
 *   size=4K | 4K,16K:3 | uniform:4K-64K | loguniform:4K-1M
 *   hold=0 | ops:N | us:N | deferred     zone=auto | kernel | kernel:3,dma32:1
 *   mask=24..64  burst=off|ON_MS/OFF_MS  seed=N  warmup_ms=N
 *   max_outstanding=N                    stream=NAME
 *
 * A control line holds up to DMAPOOL_MAX_STREAMS such specs separated by
 * ';', each one stream (dmapool_run_spec_parse()); with several, each names
 * itself with stream=NAME. A lone spec without it is the stream "default".
 */
#ifdef __KERNEL__
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/string.h>
#else
#include <errno.h>
#include <stdio.h>
#include <string.h>
#endif

#include "pool_logic.h"
#include "spec.h"

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

struct dmapool_tok {
	const char *s;
	size_t n;
};

#undef DMAPOOL_EM
#undef DMAPOOL_EMe
#define DMAPOOL_EM(a, b)	b,
#define DMAPOOL_EMe(a, b)	b

const char * const dmapool_pool_names[DMAPOOL_NR_POOLS] = { DMAPOOL_POOLS };
const char * const dmapool_ctx_names[DMAPOOL_NR_CTX] = { DMAPOOL_CTXS };
const char * const dmapool_res_names[DMAPOOL_NR_RES] = { DMAPOOL_RESULTS };
const char * const dmapool_fail_names[DMAPOOL_NR_FAIL] = { DMAPOOL_FAIL_KINDS };
const char * const dmapool_fb_names[DMAPOOL_NR_FB] = {
	DMAPOOL_FALLBACK_REASONS
};
const char * const dmapool_zone_names[DMAPOOL_NR_ZONES] = { DMAPOOL_ZONES };
const char * const dmapool_op_names[DMAPOOL_NR_OPS] = { DMAPOOL_OPS };
const char * const dmapool_event_names[DMAPOOL_NR_EVENTS] = {
	DMAPOOL_EVENTS
};
const char * const dmapool_sem_names[DMAPOOL_NR_SEMS] = { DMAPOOL_SEMS };

#undef DMAPOOL_EM
#undef DMAPOOL_EMe

static const struct {
	const char * const *names;
	unsigned int nr;
} dmapool_lists[] = {
	[DMAPOOL_NAMES_POOL] = { dmapool_pool_names, DMAPOOL_NR_POOLS },
	[DMAPOOL_NAMES_CTX] = { dmapool_ctx_names, DMAPOOL_NR_CTX },
	[DMAPOOL_NAMES_RES] = { dmapool_res_names, DMAPOOL_NR_RES },
	[DMAPOOL_NAMES_FAIL] = { dmapool_fail_names, DMAPOOL_NR_FAIL },
	[DMAPOOL_NAMES_FB] = { dmapool_fb_names, DMAPOOL_NR_FB },
	[DMAPOOL_NAMES_ZONE] = { dmapool_zone_names, DMAPOOL_NR_ZONES },
	[DMAPOOL_NAMES_OP] = { dmapool_op_names, DMAPOOL_NR_OPS },
	[DMAPOOL_NAMES_EVENT] = { dmapool_event_names, DMAPOOL_NR_EVENTS },
	[DMAPOOL_NAMES_SEM] = { dmapool_sem_names, DMAPOOL_NR_SEMS },
};

const char *dmapool_name(enum dmapool_names list, unsigned int val)
{
	if ((unsigned int)list >= ARRAY_SIZE(dmapool_lists) ||
	    val >= dmapool_lists[list].nr)
		return NULL;
	return dmapool_lists[list].names[val];
}

int dmapool_name_index(enum dmapool_names list, const char *s, size_t n)
{
	unsigned int i;

	if ((unsigned int)list >= ARRAY_SIZE(dmapool_lists))
		return -EINVAL;
	for (i = 0; i < dmapool_lists[list].nr; i++) {
		const char *name = dmapool_lists[list].names[i];

		if (strlen(name) == n && !memcmp(name, s, n))
			return i;
	}
	return -EINVAL;
}

void dmapool_spec_default(struct dmapool_spec *spec)
{
	memset(spec, 0, sizeof(*spec));
	spec->ctx = DMAPOOL_CTX_HARDIRQ;
	spec->cpus = 1;
	spec->duration_ms = 1000;
	spec->period_us = 100;
	spec->batch = 8;
	spec->size_kind = DMAPOOL_SIZE_LIST;
	spec->nr_sizes = 1;
	spec->sizes[0] = DMAPOOL_PAGE_SIZE;
	spec->size_weights[0] = 1;
	spec->hold_kind = DMAPOOL_HOLD_NONE;
	/* zone_weights all 0: zone=auto, the zone the mask implies. */
	spec->mask_bits = 64;
	spec->seed = 1;
	spec->max_outstanding = 1024;
	memcpy(spec->name, DMAPOOL_STREAM_DEFAULT, sizeof(DMAPOOL_STREAM_DEFAULT));
}

/* A stream name: 1..15 of [a-z0-9_-]. */
static bool dmapool_stream_name_ok(const char *s, size_t n)
{
	size_t i;

	if (!n || n >= DMAPOOL_STREAM_NAME_LEN)
		return false;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-'))
			return false;
	}
	return true;
}

static bool dmapool_tok_eq(struct dmapool_tok t, const char *s)
{
	return t.n == strlen(s) && !memcmp(t.s, s, t.n);
}

/* Split @t at the first @c: @head before it, @t after it. */
static bool dmapool_tok_split(struct dmapool_tok *t, char c,
			      struct dmapool_tok *head)
{
	size_t i;

	for (i = 0; i < t->n; i++) {
		if (t->s[i] == c) {
			head->s = t->s;
			head->n = i;
			t->s += i + 1;
			t->n -= i + 1;
			return true;
		}
	}
	*head = *t;
	t->s += t->n;
	t->n = 0;
	return false;
}

static int dmapool_parse_u64(struct dmapool_tok t, __u64 max, __u64 *out)
{
	__u64 v = 0;
	size_t i;

	if (!t.n)
		return -EINVAL;
	for (i = 0; i < t.n; i++) {
		unsigned int d = (unsigned char)t.s[i] - '0';

		if (d > 9 || v > (max - d) / 10)
			return -EINVAL;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

static int dmapool_parse_u32(struct dmapool_tok t, __u32 min, __u32 max,
			     __u32 *out)
{
	__u64 v;

	if (dmapool_parse_u64(t, max, &v) || v < min)
		return -EINVAL;
	*out = (__u32)v;
	return 0;
}

/*
 * A byte count: decimal or 0x hex, with an optional K, M or G suffix, as
 * memparse() reads coherent_pool= (but without trailing garbage or overflow).
 */
int dmapool_parse_bytes(const char *s, size_t n, __u64 *out)
{
	unsigned int shift = 0, base = 10;
	__u64 v = 0;
	size_t i = 0;

	if (n && (s[n - 1] == 'k' || s[n - 1] == 'K'))
		shift = 10;
	else if (n && (s[n - 1] == 'm' || s[n - 1] == 'M'))
		shift = 20;
	else if (n && (s[n - 1] == 'g' || s[n - 1] == 'G'))
		shift = 30;
	if (shift)
		n--;
	if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		i = 2;
	}
	if (i == n)
		return -EINVAL;
	for (; i < n; i++) {
		unsigned int d;
		char c = s[i];

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (base == 16 && c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (base == 16 && c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return -EINVAL;
		if (v > (~0ull - d) / base)
			return -EINVAL;
		v = v * base + d;
	}
	if (v > (~0ull >> shift))
		return -EINVAL;
	*out = v << shift;
	return 0;
}

static int dmapool_parse_size_tok(struct dmapool_tok t, __u32 *out)
{
	__u64 v;

	if (dmapool_parse_bytes(t.s, t.n, &v) || !v ||
	    v > DMAPOOL_MAX_ALLOC_SIZE)
		return -EINVAL;
	*out = (__u32)v;
	return 0;
}

static int dmapool_set_ctx(struct dmapool_spec *spec, struct dmapool_tok v)
{
	int i = dmapool_name_index(DMAPOOL_NAMES_CTX, v.s, v.n);

	if (i < 0)
		return -EINVAL;
	spec->ctx = i;
	return 0;
}

static int dmapool_set_cpus(struct dmapool_spec *spec, struct dmapool_tok v)
{
	struct dmapool_tok item, lo;
	__u64 a, b, mask = 0;

	if (!v.n)
		return -EINVAL;
	do {
		bool last = !dmapool_tok_split(&v, ',', &item);

		if (dmapool_tok_split(&item, '-', &lo)) {
			if (dmapool_parse_u64(lo, DMAPOOL_MAX_CPUS - 1, &a) ||
			    dmapool_parse_u64(item, DMAPOOL_MAX_CPUS - 1, &b) ||
			    a > b)
				return -EINVAL;
		} else {
			if (dmapool_parse_u64(lo, DMAPOOL_MAX_CPUS - 1, &a))
				return -EINVAL;
			b = a;
		}
		for (; a <= b; a++)
			mask |= 1ull << a;
		if (last)
			break;
		if (!v.n)
			return -EINVAL;
	} while (1);
	spec->cpus = mask;
	return 0;
}

static int dmapool_set_duration(struct dmapool_spec *spec, struct dmapool_tok v)
{
	return dmapool_parse_u64(v, DMAPOOL_MAX_DURATION_MS, &spec->duration_ms);
}

static int dmapool_set_ops(struct dmapool_spec *spec, struct dmapool_tok v)
{
	return dmapool_parse_u64(v, DMAPOOL_MAX_OPS, &spec->ops);
}

static int dmapool_set_period(struct dmapool_spec *spec, struct dmapool_tok v)
{
	return dmapool_parse_u32(v, 0, DMAPOOL_MAX_PERIOD_US, &spec->period_us);
}

static int dmapool_set_batch(struct dmapool_spec *spec, struct dmapool_tok v)
{
	return dmapool_parse_u32(v, 1, DMAPOOL_MAX_BATCH, &spec->batch);
}

static int dmapool_set_size(struct dmapool_spec *spec, struct dmapool_tok v)
{
	struct dmapool_tok item, head;
	__u32 n = 0;

	if (dmapool_tok_split(&v, ':', &head) &&
	    (dmapool_tok_eq(head, "uniform") ||
	     dmapool_tok_eq(head, "loguniform"))) {
		spec->size_kind = dmapool_tok_eq(head, "uniform") ?
				  DMAPOOL_SIZE_UNIFORM : DMAPOOL_SIZE_LOGUNIFORM;
		if (!dmapool_tok_split(&v, '-', &head) ||
		    dmapool_parse_size_tok(head, &spec->sizes[0]) ||
		    dmapool_parse_size_tok(v, &spec->sizes[1]) ||
		    spec->sizes[0] > spec->sizes[1])
			return -EINVAL;
		spec->nr_sizes = 2;
		spec->size_weights[0] = spec->size_weights[1] = 1;
		return 0;
	}
	/* A list: undo the split and walk SIZE[:WEIGHT] items. */
	v.n += v.s - head.s;
	v.s = head.s;
	spec->size_kind = DMAPOOL_SIZE_LIST;
	if (!v.n)
		return -EINVAL;
	do {
		bool last = !dmapool_tok_split(&v, ',', &item);

		if (n == DMAPOOL_MAX_SIZES)
			return -E2BIG;
		spec->size_weights[n] = 1;
		if (dmapool_tok_split(&item, ':', &head)) {
			if (dmapool_parse_u32(item, 1, DMAPOOL_MAX_WEIGHT,
					      &spec->size_weights[n]))
				return -EINVAL;
		}
		if (dmapool_parse_size_tok(head, &spec->sizes[n]))
			return -EINVAL;
		n++;
		if (last)
			break;
		if (!v.n)
			return -EINVAL;
	} while (1);
	spec->nr_sizes = n;
	return 0;
}

static int dmapool_set_hold(struct dmapool_spec *spec, struct dmapool_tok v)
{
	struct dmapool_tok kind;

	spec->hold_val = 0;
	if (dmapool_tok_eq(v, "0")) {
		spec->hold_kind = DMAPOOL_HOLD_NONE;
		return 0;
	}
	if (dmapool_tok_eq(v, "deferred")) {
		spec->hold_kind = DMAPOOL_HOLD_DEFERRED;
		return 0;
	}
	if (!dmapool_tok_split(&v, ':', &kind))
		return -EINVAL;
	if (dmapool_tok_eq(kind, "ops"))
		spec->hold_kind = DMAPOOL_HOLD_OPS;
	else if (dmapool_tok_eq(kind, "us"))
		spec->hold_kind = DMAPOOL_HOLD_US;
	else
		return -EINVAL;
	if (dmapool_parse_u64(v, spec->hold_kind == DMAPOOL_HOLD_OPS ?
			      DMAPOOL_MAX_OUTSTANDING : DMAPOOL_MAX_HOLD_US,
			      &spec->hold_val) || !spec->hold_val)
		return -EINVAL;
	return 0;
}

static int dmapool_set_zone(struct dmapool_spec *spec, struct dmapool_tok v)
{
	struct dmapool_tok item, name;
	__u32 w;
	int z;

	memset(spec->zone_weights, 0, sizeof(spec->zone_weights));
	if (!v.n)
		return -EINVAL;
	if (dmapool_tok_eq(v, "auto"))
		return 0;
	do {
		bool last = !dmapool_tok_split(&v, ',', &item);

		w = 1;
		if (dmapool_tok_split(&item, ':', &name) &&
		    dmapool_parse_u32(item, 1, DMAPOOL_MAX_WEIGHT, &w))
			return -EINVAL;
		z = dmapool_name_index(DMAPOOL_NAMES_ZONE, name.s, name.n);
		if (z < 0 || spec->zone_weights[z])
			return -EINVAL;
		spec->zone_weights[z] = w;
		if (last)
			break;
		if (!v.n)
			return -EINVAL;
	} while (1);
	return 0;
}

static int dmapool_set_mask(struct dmapool_spec *spec, struct dmapool_tok v)
{
	return dmapool_parse_u32(v, DMAPOOL_MASK_BITS_MIN, DMAPOOL_MASK_BITS_MAX,
				 &spec->mask_bits);
}

static int dmapool_set_burst(struct dmapool_spec *spec, struct dmapool_tok v)
{
	struct dmapool_tok on;

	if (dmapool_tok_eq(v, "off") || dmapool_tok_eq(v, "0")) {
		spec->burst_on_ms = spec->burst_off_ms = 0;
		return 0;
	}
	if (!dmapool_tok_split(&v, '/', &on) ||
	    dmapool_parse_u32(on, 1, DMAPOOL_MAX_BURST_MS, &spec->burst_on_ms) ||
	    dmapool_parse_u32(v, 1, DMAPOOL_MAX_BURST_MS, &spec->burst_off_ms))
		return -EINVAL;
	return 0;
}

static int dmapool_set_seed(struct dmapool_spec *spec, struct dmapool_tok v)
{
	return dmapool_parse_u64(v, ~0ull, &spec->seed);
}

static int dmapool_set_warmup(struct dmapool_spec *spec, struct dmapool_tok v)
{
	return dmapool_parse_u32(v, 0, DMAPOOL_MAX_WARMUP_MS, &spec->warmup_ms);
}

static int dmapool_set_outstanding(struct dmapool_spec *spec,
				   struct dmapool_tok v)
{
	return dmapool_parse_u32(v, 1, DMAPOOL_MAX_OUTSTANDING,
				 &spec->max_outstanding);
}

/*
 * The spec keys. @arg and @what describe the key for people: the CLI builds
 * its workload options and their --help from this table (a key ending in _ms
 * or _us becomes a duration option without the suffix).
 */
static const struct {
	const char *key;
	int (*set)(struct dmapool_spec *spec, struct dmapool_tok v);
	const char *expect;
	const char *arg;
	const char *what;
} dmapool_keys[] = {
	{ "ctx", dmapool_set_ctx, "hardirq, softirq, atomic or process",
	  "CTX", "hardirq, softirq, atomic, process" },
	{ "cpus", dmapool_set_cpus, "a CPU list such as 0-1,3, ids below 64",
	  "LIST", "CPUs to load, e.g. 0-1" },
	{ "duration_ms", dmapool_set_duration, "0..3600000",
	  "DUR", "measured time, e.g. 2s, 500ms" },
	{ "ops", dmapool_set_ops, "0..1000000000 per CPU",
	  "N", "operations per CPU instead of a duration" },
	{ "period_us", dmapool_set_period, "0..1000000",
	  "DUR", "timer period or sleep between batches (e.g. 100us)" },
	{ "batch", dmapool_set_batch, "1..256", "N", "operations per expiry" },
	{ "size", dmapool_set_size,
	  "SIZE[:W],... (up to 16), uniform:LO-HI or loguniform:LO-HI, 1..4M bytes",
	  "SPEC", "4K | 4K,16K:3 | uniform:4K-64K | loguniform:4K-1M" },
	{ "hold", dmapool_set_hold, "0, ops:N, us:N or deferred",
	  "SPEC", "0 | ops:N | us:N | deferred" },
	{ "zone", dmapool_set_zone, "auto, or kernel, dma32, dma, each once, with optional :WEIGHT",
	  "SPEC", "auto (from --mask, as the kernel) | kernel:3,dma32 ..." },
	{ "mask", dmapool_set_mask, "24..64",
	  "BITS", "simulated device coherent mask, 24..64" },
	{ "burst", dmapool_set_burst, "off or ON_MS/OFF_MS, 1..60000 each",
	  "ON/OFF", "burst pattern in ms" },
	{ "seed", dmapool_set_seed, "an unsigned 64-bit number", "N", "PRNG seed" },
	{ "warmup_ms", dmapool_set_warmup, "0..60000",
	  "DUR", "run this long before counting" },
	{ "max_outstanding", dmapool_set_outstanding, "1..65536",
	  "N", "held blocks per CPU" },
};

#define DMAPOOL_NR_KEYS ARRAY_SIZE(dmapool_keys)

int dmapool_spec_key(unsigned int i, const char **key, const char **arg,
		     const char **what)
{
	if (i >= DMAPOOL_NR_KEYS)
		return -ENOENT;
	*key = dmapool_keys[i].key;
	*arg = dmapool_keys[i].arg;
	*what = dmapool_keys[i].what;
	return 0;
}

static bool dmapool_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n';
}

/* The whole line: its length and bytes, before any spec in it is parsed. */
static int dmapool_line_ok(const char *line, size_t len, char *err,
			   size_t errlen)
{
	size_t i;

	if (len > DMAPOOL_MAX_SPEC_LEN) {
		snprintf(err, errlen, "spec: %zu bytes, longer than %u", len,
			 DMAPOOL_MAX_SPEC_LEN);
		return -EINVAL;
	}
	for (i = 0; i < len; i++) {
		unsigned char c = line[i];

		if ((c < 0x21 || c > 0x7e) && !dmapool_is_space(c)) {
			snprintf(err, errlen,
				 "spec: byte 0x%02x at offset %zu is not printable ASCII",
				 c, i);
			return -EINVAL;
		}
	}
	return 0;
}

/*
 * Parse the @len bytes at @line, one spec, over the defaults into @spec;
 * *@named: it gave stream=. On error @spec is unchanged and @err names the
 * key and the bad value.
 */
static int dmapool_spec_parse_n(const char *line, size_t len,
				struct dmapool_spec *spec, bool *named,
				char *err, size_t errlen)
{
	struct dmapool_spec s;
	struct dmapool_tok tok, key;
	bool given_duration = false, given_ops = false, given_name = false;
	unsigned int seen = 0;
	size_t i;
	int k, ret;

	dmapool_spec_default(&s);
	i = 0;
	for (;;) {
		while (i < len && dmapool_is_space(line[i]))
			i++;
		if (i == len)
			break;
		tok.s = line + i;
		while (i < len && !dmapool_is_space(line[i]))
			i++;
		tok.n = line + i - tok.s;
		if (!dmapool_tok_split(&tok, '=', &key)) {
			snprintf(err, errlen, "spec: '%.*s' is not key=value",
				 (int)(key.n > 40 ? 40 : key.n), key.s);
			return -EINVAL;
		}
		if (dmapool_tok_eq(key, "stream")) {
			if (given_name) {
				snprintf(err, errlen, "stream: given twice");
				return -EINVAL;
			}
			if (!dmapool_stream_name_ok(tok.s, tok.n)) {
				snprintf(err, errlen, "stream: invalid name '%.*s' (1..15 of a-z, 0-9, _ and -)",
					 (int)(tok.n > 40 ? 40 : tok.n), tok.s);
				return -EINVAL;
			}
			memset(s.name, 0, sizeof(s.name));
			memcpy(s.name, tok.s, tok.n);
			given_name = true;
			continue;
		}
		for (k = 0; k < (int)DMAPOOL_NR_KEYS; k++)
			if (dmapool_tok_eq(key, dmapool_keys[k].key))
				break;
		if (k == (int)DMAPOOL_NR_KEYS) {
			snprintf(err, errlen, "spec: unknown key '%.*s'",
				 (int)(key.n > 40 ? 40 : key.n), key.s);
			return -EINVAL;
		}
		if (seen & (1u << k)) {
			snprintf(err, errlen, "%s: given twice",
				 dmapool_keys[k].key);
			return -EINVAL;
		}
		seen |= 1u << k;
		ret = dmapool_keys[k].set(&s, tok);
		if (ret) {
			snprintf(err, errlen, "%s: invalid value '%.*s' (%s)",
				 dmapool_keys[k].key,
				 (int)(tok.n > 40 ? 40 : tok.n), tok.s,
				 dmapool_keys[k].expect);
			return -EINVAL;
		}
		given_duration |= dmapool_tok_eq(key, "duration_ms");
		given_ops |= dmapool_tok_eq(key, "ops");
	}
	if (!seen && !given_name) {
		snprintf(err, errlen, "spec: empty");
		return -EINVAL;
	}
	if (given_ops && !given_duration)
		s.duration_ms = 0;
	if (!s.duration_ms && !s.ops) {
		snprintf(err, errlen, "duration_ms/ops: one of them must be nonzero");
		return -EINVAL;
	}
	if ((s.ctx == DMAPOOL_CTX_HARDIRQ || s.ctx == DMAPOOL_CTX_SOFTIRQ) &&
	    s.period_us < DMAPOOL_MIN_PERIOD_US) {
		snprintf(err, errlen, "period_us: %u is below %u, the minimum for timer contexts",
			 s.period_us, DMAPOOL_MIN_PERIOD_US);
		return -EINVAL;
	}
	if (s.hold_kind == DMAPOOL_HOLD_OPS && s.hold_val > s.max_outstanding) {
		snprintf(err, errlen, "hold: ops:%llu exceeds max_outstanding=%u",
			 (unsigned long long)s.hold_val, s.max_outstanding);
		return -EINVAL;
	}
	*spec = s;
	*named = given_name;
	return 0;
}

/*
 * Parse @line, one spec, over the defaults into @spec. On error @spec is
 * unchanged and @err names the key and the bad value.
 */
int dmapool_spec_parse(const char *line, struct dmapool_spec *spec,
		       char *err, size_t errlen)
{
	size_t len = strlen(line);
	bool named;

	if (dmapool_line_ok(line, len, err, errlen))
		return -EINVAL;
	return dmapool_spec_parse_n(line, len, spec, &named, err, errlen);
}

/* The name a spec of @n bytes at @s gives itself, if valid; else "". */
static void dmapool_seg_name(const char *s, size_t n, char *name)
{
	struct dmapool_tok t = { s, n }, word, key;

	name[0] = '\0';
	while (t.n) {
		while (t.n && dmapool_is_space(*t.s)) {
			t.s++;
			t.n--;
		}
		word.s = t.s;
		while (t.n && !dmapool_is_space(*t.s)) {
			t.s++;
			t.n--;
		}
		word.n = t.s - word.s;
		if (dmapool_tok_split(&word, '=', &key) &&
		    dmapool_tok_eq(key, "stream") &&
		    dmapool_stream_name_ok(word.s, word.n)) {
			memcpy(name, word.s, word.n);
			name[word.n] = '\0';
			return;
		}
	}
}

/*
 * Parse a control line of up to DMAPOOL_MAX_STREAMS specs separated by ';'
 * into @rs. A field's error names its stream ("stream usb: size: ..."; a
 * stream without a valid name by its place, "stream #2: ..."). On error
 * @rs is undefined.
 */
int dmapool_run_spec_parse(const char *line, struct dmapool_run_spec *rs,
			   char *err, size_t errlen)
{
	char what[DMAPOOL_STREAM_NAME_LEN + 16], name[DMAPOOL_STREAM_NAME_LEN];
	char msg[DMAPOOL_SPEC_ERR_LEN];
	bool named[DMAPOOL_MAX_STREAMS];
	size_t len = strlen(line), at = 0, end;
	unsigned int n = 0, i, j;
	bool several;
	char one;
	int full;

	if (dmapool_line_ok(line, len, err, errlen))
		return -EINVAL;
	memset(rs, 0, sizeof(*rs));
	several = memchr(line, ';', len) != NULL;
	for (;;) {
		const char *semi = memchr(line + at, ';', len - at);

		end = semi ? (size_t)(semi - line) : len;
		dmapool_seg_name(line + at, end - at, name);
		if (name[0])
			snprintf(what, sizeof(what), "stream %s: ", name);
		else if (several)
			snprintf(what, sizeof(what), "stream #%u: ", n + 1);
		else
			what[0] = '\0';
		if (n == DMAPOOL_MAX_STREAMS) {
			snprintf(err, errlen, "%sstream: more than %u streams in one line",
				 what, DMAPOOL_MAX_STREAMS);
			return -EINVAL;
		}
		if (dmapool_spec_parse_n(line + at, end - at, &rs->streams[n],
					 &named[n], msg, sizeof(msg))) {
			snprintf(err, errlen, "%s%s", what, msg);
			return -EINVAL;
		}
		n++;
		if (!semi)
			break;
		at = end + 1;
	}
	for (i = 0; n > 1 && i < n; i++) {
		if (!named[i]) {
			snprintf(err, errlen, "stream #%u: stream: missing (with several specs, each needs stream=NAME)",
				 i + 1);
			return -EINVAL;
		}
		for (j = 0; j < i; j++) {
			if (!strcmp(rs->streams[i].name, rs->streams[j].name)) {
				snprintf(err, errlen, "stream %s: stream: name given to streams #%u and #%u",
					 rs->streams[i].name, j + 1, i + 1);
				return -EINVAL;
			}
		}
	}
	rs->nr_streams = n;
	/*
	 * Filled in with every default, a line that fit can outgrow the
	 * limit; `control` and results show the formatted line, which must
	 * parse again whole.
	 */
	full = dmapool_run_spec_format(rs, &one, 1);
	if (full > (int)DMAPOOL_MAX_SPEC_LEN) {
		snprintf(err, errlen, "spec: %d bytes with every default filled in, longer than %u",
			 full, DMAPOOL_MAX_SPEC_LEN);
		return -EINVAL;
	}
	return 0;
}

#define DMAPOOL_PUT(...)						\
	do {								\
		int _n = snprintf(buf + (at < len ? at : len),		\
				  at < len ? len - at : 0, __VA_ARGS__); \
		at += _n > 0 ? _n : 0;					\
	} while (0)

/* One spec, every field given, stream=NAME first when @named. */
static int dmapool_spec_put(const struct dmapool_spec *spec, bool named,
			    char *buf, size_t len)
{
	size_t at = 0;
	__u32 i;
	int a, b, first;

	if (named)
		DMAPOOL_PUT("stream=%.*s ", (int)DMAPOOL_STREAM_NAME_LEN - 1,
			    spec->name);
	DMAPOOL_PUT("ctx=%s cpus=", dmapool_ctx_names[spec->ctx]);
	first = 1;
	for (a = 0; a < (int)DMAPOOL_MAX_CPUS; a++) {
		if (!(spec->cpus & (1ull << a)))
			continue;
		for (b = a; b + 1 < (int)DMAPOOL_MAX_CPUS &&
		     (spec->cpus & (1ull << (b + 1))); b++)
			;
		DMAPOOL_PUT(first ? "%d" : ",%d", a);
		if (b > a)
			DMAPOOL_PUT("-%d", b);
		first = 0;
		a = b;
	}
	DMAPOOL_PUT(" duration_ms=%llu ops=%llu period_us=%u batch=%u size=",
		    (unsigned long long)spec->duration_ms,
		    (unsigned long long)spec->ops, spec->period_us, spec->batch);
	if (spec->size_kind == DMAPOOL_SIZE_LIST) {
		for (i = 0; i < spec->nr_sizes; i++) {
			DMAPOOL_PUT(i ? ",%u" : "%u", spec->sizes[i]);
			if (spec->size_weights[i] != 1)
				DMAPOOL_PUT(":%u", spec->size_weights[i]);
		}
	} else {
		DMAPOOL_PUT("%s:%u-%u", spec->size_kind == DMAPOOL_SIZE_UNIFORM ?
			    "uniform" : "loguniform", spec->sizes[0],
			    spec->sizes[1]);
	}
	switch (spec->hold_kind) {
	case DMAPOOL_HOLD_OPS:
		DMAPOOL_PUT(" hold=ops:%llu", (unsigned long long)spec->hold_val);
		break;
	case DMAPOOL_HOLD_US:
		DMAPOOL_PUT(" hold=us:%llu", (unsigned long long)spec->hold_val);
		break;
	case DMAPOOL_HOLD_DEFERRED:
		DMAPOOL_PUT(" hold=deferred");
		break;
	default:
		DMAPOOL_PUT(" hold=0");
	}
	DMAPOOL_PUT(" zone=");
	if (dmapool_spec_zone_auto(spec))
		DMAPOOL_PUT("auto");
	first = 1;
	for (a = 0; a < (int)DMAPOOL_NR_ZONES; a++) {
		if (!spec->zone_weights[a])
			continue;
		DMAPOOL_PUT(first ? "%s" : ",%s", dmapool_zone_names[a]);
		if (spec->zone_weights[a] != 1)
			DMAPOOL_PUT(":%u", spec->zone_weights[a]);
		first = 0;
	}
	DMAPOOL_PUT(" mask=%u", spec->mask_bits);
	if (spec->burst_on_ms)
		DMAPOOL_PUT(" burst=%u/%u", spec->burst_on_ms, spec->burst_off_ms);
	else
		DMAPOOL_PUT(" burst=off");
	DMAPOOL_PUT(" seed=%llu warmup_ms=%u max_outstanding=%u",
		    (unsigned long long)spec->seed, spec->warmup_ms,
		    spec->max_outstanding);
	return (int)at;
}

/*
 * The canonical line for @spec, every field given; snprintf's return. The
 * stream "default" gives no stream= (the line of a lone spec, as before
 * streams existed).
 */
int dmapool_spec_format(const struct dmapool_spec *spec, char *buf,
			size_t len)
{
	return dmapool_spec_put(spec, strcmp(spec->name, DMAPOOL_STREAM_DEFAULT),
				buf, len);
}

/* The canonical control line for @rs: its specs joined by " ; ". */
int dmapool_run_spec_format(const struct dmapool_run_spec *rs, char *buf,
			    size_t len)
{
	size_t at = 0;
	__u32 i;

	if (rs->nr_streams <= 1)
		return dmapool_spec_format(&rs->streams[0], buf, len);
	for (i = 0; i < rs->nr_streams && i < DMAPOOL_MAX_STREAMS; i++) {
		if (i)
			DMAPOOL_PUT(" ; ");
		at += dmapool_spec_put(&rs->streams[i], true,
				       buf + (at < len ? at : len),
				       at < len ? len - at : 0);
	}
	return (int)at;
}
#undef DMAPOOL_PUT

static __u32 dmapool_pick_weighted(const __u32 *w, __u32 n, __u64 r)
{
	__u64 total = 0;
	__u32 i;

	for (i = 0; i < n; i++)
		total += w[i];
	r %= total;
	for (i = 0; i < n; i++) {
		if (r < w[i])
			return i;
		r -= w[i];
	}
	return n - 1;
}

static unsigned int dmapool_ilog2(__u32 v)
{
	unsigned int l = 0;

	while (v >>= 1)
		l++;
	return l;
}

/* The next allocation size in bytes (before page alignment). */
__u32 dmapool_spec_pick_size(const struct dmapool_spec *spec, __u64 *rng)
{
	__u64 r = dmapool_rng_next(rng);
	__u32 lo = spec->sizes[0], hi = spec->sizes[1];
	unsigned int o, lo_o, hi_o;

	switch (spec->size_kind) {
	case DMAPOOL_SIZE_UNIFORM:
		return lo + (__u32)(r % ((__u64)hi - lo + 1));
	case DMAPOOL_SIZE_LOGUNIFORM:
		/* An octave uniformly, then uniformly within it. */
		lo_o = dmapool_ilog2(lo);
		hi_o = dmapool_ilog2(hi);
		o = lo_o + (unsigned int)(r % (hi_o - lo_o + 1));
		if ((1u << o) > lo)
			lo = 1u << o;
		if (o < 31 && (2u << o) - 1 < hi)
			hi = (2u << o) - 1;
		return lo + (__u32)((r >> 32) % ((__u64)hi - lo + 1));
	default:
		return spec->sizes[dmapool_pick_weighted(spec->size_weights,
							 spec->nr_sizes, r)];
	}
}

bool dmapool_spec_zone_auto(const struct dmapool_spec *spec)
{
	__u32 z;

	for (z = 0; z < DMAPOOL_NR_ZONES; z++)
		if (spec->zone_weights[z])
			return false;
	return true;
}

/*
 * The next allocation's gfp zone (enum dmapool_zone). zone=auto draws from
 * the generator too, so that it and zone=kernel with a 64-bit mask make the
 * same sequence (and digest) for one seed.
 */
int dmapool_spec_pick_zone(const struct dmapool_spec *spec, __u64 *rng)
{
	__u64 r = dmapool_rng_next(rng);

	if (dmapool_spec_zone_auto(spec))
		return dmapool_zone_of_mask(spec->mask_bits);
	return dmapool_pick_weighted(spec->zone_weights, DMAPOOL_NR_ZONES, r);
}
