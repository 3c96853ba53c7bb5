// SPDX-License-Identifier: GPL-2.0
/*
 * Who holds the pools (monitor --by): read the blocks and holders maps of
 * bpf/holders.bpf.h, sum the outstanding blocks per holder, and show them
 * as a sorted table (the libbpf-tools way) or as JSON. Stacks are kernel
 * addresses from the kstacks map, named from /proc/kallsyms (module
 * symbols too, re-read when an address is not found: a module loaded after
 * we started).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>

#include "holders.h"
#include "main.h"
#include "spec.h"

/* --- kernel symbols -------------------------------------------------------- */

struct ksym {
	uint64_t addr;
	char *name;			/* "name" or "name [module]" */
};

struct ksyms {
	struct ksym *syms;		/* sorted by address */
	size_t n;
};

static void ksyms_free(struct ksyms *ks)
{
	size_t i;

	if (!ks)
		return;
	for (i = 0; i < ks->n; i++)
		free(ks->syms[i].name);
	free(ks->syms);
	free(ks);
}

static int ksym_cmp(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* Text symbols of /proc/kallsyms; NULL when it cannot be read. */
static struct ksyms *ksyms_load(void)
{
	struct ksyms *ks = calloc(1, sizeof(*ks));
	char line[512], name[256], mod[128];
	unsigned long long addr;
	size_t cap = 0;
	struct ksym *s;
	char type;
	FILE *f;
	int n;

	f = fopen("/proc/kallsyms", "r");
	if (!ks || !f)
		goto fail;
	while (fgets(line, sizeof(line), f)) {
		mod[0] = '\0';
		n = sscanf(line, "%llx %c %255s %127s", &addr, &type, name, mod);
		if (n < 3 || !addr || !strchr("tTwW", type))
			continue;
		if (ks->n == cap) {
			cap = cap ? cap * 2 : 65536;
			s = realloc(ks->syms, cap * sizeof(*s));
			if (!s)
				goto fail;
			ks->syms = s;
		}
		s = &ks->syms[ks->n];
		s->addr = addr;
		s->name = malloc(strlen(name) + strlen(mod) + 2);
		if (!s->name)
			goto fail;
		sprintf(s->name, "%s%s%s", name, mod[0] ? " " : "", mod);
		ks->n++;
	}
	fclose(f);
	if (ks->n)
		qsort(ks->syms, ks->n, sizeof(*ks->syms), ksym_cmp);
	return ks;
fail:
	if (f)
		fclose(f);
	ksyms_free(ks);
	return NULL;
}

/* The symbol @ip is in, or NULL; *@off its offset. */
static const struct ksym *ksym_find(const struct ksyms *ks, uint64_t ip,
				    uint64_t *off)
{
	size_t lo = 0, hi = ks ? ks->n : 0, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (ks->syms[mid].addr <= ip)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return NULL;
	*off = ip - ks->syms[lo - 1].addr;
	/* Past the end of the kernel's text, or far into nowhere. */
	if (*off > (1u << 20))
		return NULL;
	return &ks->syms[lo - 1];
}

/* Frames of the tracer itself, above the holder's own stack. */
static bool tracer_frame(const char *name)
{
	return !name || strstr(name, "[bpf]") || strstr(name, "kprobe") ||
	       !strncmp(name, "bpf_trampoline", 14) ||
	       !strncmp(name, "bpf_prog_", 9);
}

/*
 * The frames of stack @id as "symbol+0xoff [module]" strings, the tracer's
 * own frames at the top left out; a new JSON array, or NULL.
 */
static struct json_object *stack_frames(struct holders *h, int32_t id)
{
	uint64_t ips[DMAPOOL_STACK_DEPTH] = {}, off;
	struct json_object *arr;
	const struct ksym *s;
	bool top = true;
	char buf[320];
	__u32 key = id;
	int i;

	if (id < 0 || h->stacks_fd < 0 || bpf_map_lookup_elem(h->stacks_fd, &key, ips))
		return NULL;
	if (!h->ksyms) {
		h->ksyms = ksyms_load();
		h->ksyms_read = h->reads;
	}
	arr = json_object_new_array();
	for (i = 0; i < DMAPOOL_STACK_DEPTH && ips[i]; i++) {
		s = ksym_find(h->ksyms, ips[i], &off);
		if (!s && h->ksyms_read != h->reads) {
			/* A module loaded since: read again, once an interval. */
			ksyms_free(h->ksyms);
			h->ksyms = ksyms_load();
			h->ksyms_read = h->reads;
			s = ksym_find(h->ksyms, ips[i], &off);
		}
		if (top && (!s || tracer_frame(s->name)))
			continue;
		top = false;
		if (s) {
			const char *mod = strchr(s->name, ' ');
			int len = mod ? (int)(mod - s->name) : (int)strlen(s->name);

			snprintf(buf, sizeof(buf), "%.*s+0x%" PRIx64 "%s", len, s->name,
				 off, mod ? mod : "");
		} else {
			snprintf(buf, sizeof(buf), "0x%" PRIx64, ips[i]);
		}
		json_object_array_add(arr, json_object_new_string(buf));
	}
	return arr;
}

/* The name of @v in @list, "?" when it has none. */
static const char *nm(enum dmapool_names list, unsigned int v)
{
	const char *s = dmapool_name(list, v);

	return s ? s : "?";
}

/* --- rows ------------------------------------------------------------------ */

static int key_cmp(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct dmapool_holder_key));
}

/* A holder key as the view groups it. */
static struct dmapool_holder_key view_key(const struct holders *h,
					  const struct dmapool_holder_key *k)
{
	struct dmapool_holder_key v;

	memset(&v, 0, sizeof(v));
	v.stack_id = -1;
	if (h->by == HOLDERS_BY_CPU) {
		v.cpu = k->cpu;
		v.ctx = k->ctx;
	} else {
		v.dev = k->dev;
		if (h->by == HOLDERS_BY_STACK)
			v.stack_id = k->stack_id;
	}
	return v;
}

static struct holder_row *row_find(struct holders *h,
				   const struct dmapool_holder_key *v)
{
	if (!h->nrows)
		return NULL;
	/* key is the first member: a row compares as its key. */
	return bsearch(v, h->rows, h->nrows, sizeof(*h->rows), key_cmp);
}

/*
 * The row of view key @v, made when new (at most DMAPOOL_MAX_HOLDERS +
 * DMAPOOL_MAX_HOLDERS: the map's holders and blocks whose holder did not
 * fit). NULL when full or out of memory.
 */
static struct holder_row *row_get(struct holders *h,
				  const struct dmapool_holder_key *v)
{
	struct holder_row *r = row_find(h, v), *rows;
	size_t at;

	if (r)
		return r;
	if (h->nrows >= 2 * DMAPOOL_MAX_HOLDERS)
		return NULL;
	rows = realloc(h->rows, (h->nrows + 1) * sizeof(*rows));
	if (!rows)
		return NULL;
	h->rows = rows;
	for (at = 0; at < h->nrows && key_cmp(&rows[at].key, v) < 0; at++)
		;
	memmove(&rows[at + 1], &rows[at], (h->nrows - at) * sizeof(*rows));
	r = &rows[at];
	memset(r, 0, sizeof(*r));
	r->key = *v;
	/* Before it was first seen it held nothing (since attach). */
	r->nlast = 1;
	h->nrows++;
	return r;
}

int holders_init(struct holders *h, uint32_t max_blocks)
{
	h->max_blocks = max_blocks;
	h->addr = calloc(max_blocks, sizeof(*h->addr));
	h->blk = calloc(max_blocks, sizeof(*h->blk));
	return h->addr && h->blk ? 0 : -ENOMEM;
}

void holders_free(struct holders *h)
{
	free(h->addr);
	free(h->blk);
	free(h->rows);
	ksyms_free(h->ksyms);
	h->addr = NULL;
	h->blk = NULL;
	h->rows = NULL;
	h->ksyms = NULL;
	h->nrows = 0;
}

/* Every entry of the blocks map into h->addr/blk, by batches. */
static int read_blocks(struct holders *h)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	__u64 in = 0, out = 0, key, next;
	bool first = true;
	__u32 count;
	int err;

	h->nblk = 0;
	while (h->nblk < h->max_blocks) {
		count = h->max_blocks - h->nblk;
		err = bpf_map_lookup_batch(h->blocks_fd, first ? NULL : &in, &out,
					   h->addr + h->nblk, h->blk + h->nblk,
					   &count, &opts);
		if (err && err != -ENOENT && first && h->nblk == 0)
			goto one_by_one;	/* no batch ops: kernel < 5.6 */
		h->nblk += count;
		if (err == -ENOENT || err == -ENOSPC)
			return 0;	/* the end, or a bucket past the buffer */
		if (err)
			return err;
		in = out;
		first = false;
	}
	return 0;
one_by_one:
	h->nblk = 0;
	for (err = bpf_map_get_next_key(h->blocks_fd, NULL, &next);
	     !err && h->nblk < h->max_blocks;
	     err = bpf_map_get_next_key(h->blocks_fd, &key, &next)) {
		key = next;
		if (!bpf_map_lookup_elem(h->blocks_fd, &key, &h->blk[h->nblk]))
			h->addr[h->nblk++] = key;
	}
	return 0;
}

/* The holders map's cumulative counts and names into the rows. */
static void read_holder_map(struct holders *h)
{
	struct dmapool_holder_key key, next, v;
	struct dmapool_holder val;
	struct holder_row *r;
	int err;

	for (err = bpf_map_get_next_key(h->holders_fd, NULL, &next); !err;
	     err = bpf_map_get_next_key(h->holders_fd, &key, &next)) {
		key = next;
		if (bpf_map_lookup_elem(h->holders_fd, &key, &val))
			continue;
		v = view_key(h, &key);
		r = row_get(h, &v);
		if (!r)
			continue;
		r->cum[0] += val.allocs;
		r->cum[1] += val.frees;
		r->cum[2] += val.fails;
		/* Every read: a device at a reused address is renamed. */
		memcpy(r->dev, val.dev_name, DMAPOOL_NAME_LEN);
		memcpy(r->driver, val.driver, DMAPOOL_NAME_LEN);
	}
}

/*
 * Live bytes of the last --trend intervals, and whether each one grew. A
 * cut-short last interval (Ctrl-C) is no evidence either way unless the
 * holder shrank in it: it leaves the history alone.
 */
static void trend_push(struct holder_row *r, unsigned int trend, bool partial)
{
	unsigned int keep = trend + 1, i;

	if (partial) {
		if (r->live_bytes < r->last_live[r->nlast - 1])
			r->growing = false;
		return;
	}
	if (r->nlast == keep) {
		memmove(r->last_live, r->last_live + 1, (keep - 1) * sizeof(uint64_t));
		r->nlast--;
	}
	r->last_live[r->nlast++] = r->live_bytes;
	r->growing = trend && r->nlast == keep;
	for (i = 1; r->growing && i < r->nlast; i++)
		if (r->last_live[i] <= r->last_live[i - 1])
			r->growing = false;
}

int holders_read(struct holders *h, uint64_t now_ns, bool partial)
{
	struct dmapool_holder_key v;
	struct holder_row *r;
	size_t i;
	int err, k;

	h->now_ns = now_ns;
	h->reads++;
	err = read_blocks(h);
	if (err)
		return err;
	for (i = 0; i < h->nrows; i++) {
		r = &h->rows[i];
		memset(r->cum, 0, sizeof(r->cum));
		r->live_bytes = r->live_blocks = r->oldest_ts = 0;
	}
	read_holder_map(h);
	memset(h->tracked, 0, sizeof(h->tracked));
	h->tracked_bytes = h->tracked_blocks = 0;
	for (i = 0; i < h->nblk; i++) {
		const struct dmapool_block *b = &h->blk[i];

		v = view_key(h, &b->holder);
		r = row_get(h, &v);
		if (b->pool < DMAPOOL_NR_POOLS)
			h->tracked[b->pool] += b->size;
		h->tracked_bytes += b->size;
		h->tracked_blocks++;
		if (!r)
			continue;
		r->live_bytes += b->size;
		r->live_blocks++;
		if (!r->oldest_ts || b->ts_ns < r->oldest_ts)
			r->oldest_ts = b->ts_ns;
	}
	for (i = 0; i < h->nrows; i++) {
		r = &h->rows[i];
		for (k = 0; k < 3; k++) {
			uint64_t d = r->cum[k] >= r->prev[k] ? r->cum[k] - r->prev[k] : 0;

			if (k == 0)
				r->allocs = d;
			else if (k == 1)
				r->frees = d;
			else
				r->fails = d;
			r->prev[k] = r->cum[k];
		}
		trend_push(r, h->trend, partial);
	}
	return 0;
}

/* --- views ----------------------------------------------------------------- */

static int row_order(const void *a, const void *b)
{
	const struct holder_row *x = *(const struct holder_row * const *)a;
	const struct holder_row *y = *(const struct holder_row * const *)b;

	if (x->live_bytes != y->live_bytes)
		return x->live_bytes < y->live_bytes ? 1 : -1;
	if (x->allocs != y->allocs)
		return x->allocs < y->allocs ? 1 : -1;
	return key_cmp(&x->key, &y->key);
}

size_t holders_sorted(const struct holders *h, bool all,
		      const struct holder_row ***out)
{
	const struct holder_row **v = calloc(h->nrows + 1, sizeof(*v));
	size_t i, n = 0;

	*out = v;
	if (!v)
		return 0;
	for (i = 0; i < h->nrows; i++) {
		const struct holder_row *r = &h->rows[i];

		/* Idle and empty: left out of the live table. */
		if (all || r->live_blocks || r->allocs || r->frees || r->fails)
			v[n++] = r;
	}
	qsort(v, n, sizeof(*v), row_order);
	if (h->top && n > h->top)
		n = h->top;
	return n;
}

static uint64_t age_ms(const struct holders *h, uint64_t ts)
{
	return ts && h->now_ns > ts ? (h->now_ns - ts) / 1000000 : 0;
}

/* The device's name as shown: "(no device)" for NULL, its address if unnamed. */
static const char *dev_label(const struct holder_row *r, char *buf, size_t len)
{
	if (!r->key.dev)
		return "(no device)";
	if (r->dev[0])
		return r->dev;
	snprintf(buf, len, "dev@%" PRIx64, (uint64_t)r->key.dev);
	return buf;
}

/* The first frames of @r's stack, indented, as memleak shows them. */
static void print_frames(struct holders *h, int32_t id, int max, const char *indent)
{
	struct json_object *fr = stack_frames(h, id);
	int i, n = fr ? (int)json_object_array_length(fr) : 0;

	if (id < 0)
		printf("%s(no stack)\n", indent);
	for (i = 0; i < n && (max <= 0 || i < max); i++)
		printf("%s%s\n", indent,
		       json_object_get_string(json_object_array_get_idx(fr, i)));
	if (max > 0 && n > max)
		printf("%s... %d more\n", indent, n - max);
	json_object_put(fr);
}

void holders_print_plain(struct holders *h)
{
	const struct holder_row **v;
	size_t n = holders_sorted(h, false, &v), i;
	char buf[32];

	if (h->by == HOLDERS_BY_CPU)
		printf("%-4s %-8s", "CPU", "CTX");
	else
		printf("%-20s %-16s", "DEVICE", "DRIVER");
	printf(" %11s %7s %9s %7s %7s %6s\n", "LIVE_BYTES", "BLOCKS", "OLDEST_MS",
	       "ALLOCS", "FREES", "FAILS");
	for (i = 0; i < n; i++) {
		const struct holder_row *r = v[i];

		if (h->by == HOLDERS_BY_CPU)
			printf("%-4u %-8s", r->key.cpu, nm(DMAPOOL_NAMES_CTX, r->key.ctx));
		else
			printf("%-20s %-16s", dev_label(r, buf, sizeof(buf)),
			       r->driver[0] ? r->driver : "-");
		printf(" %11" PRIu64 " %7" PRIu64 " %9" PRIu64 " %7" PRIu64 " %7" PRIu64
		       " %6" PRIu64 "%s\n", r->live_bytes, r->live_blocks,
		       age_ms(h, r->oldest_ts), r->allocs, r->frees, r->fails,
		       r->growing ? "  growing" : "");
		if (h->by == HOLDERS_BY_STACK)
			print_frames(h, r->key.stack_id, 4, "    ");
	}
	if (!n)
		printf("(no holder active this interval)\n");
	free(v);
}

static struct json_object *row_json(struct holders *h, const struct holder_row *r)
{
	struct json_object *o = json_object_new_object();
	char buf[32];

	if (h->by == HOLDERS_BY_CPU) {
		json_object_object_add(o, "cpu", json_object_new_int(r->key.cpu));
		json_object_object_add(o, "ctx", json_object_new_string(nm(DMAPOOL_NAMES_CTX, r->key.ctx)));
	} else {
		json_object_object_add(o, "dev", json_object_new_string(
			dev_label(r, buf, sizeof(buf))));
		json_object_object_add(o, "driver", json_object_new_string(r->driver));
	}
	json_object_object_add(o, "live_bytes", json_object_new_uint64(r->live_bytes));
	json_object_object_add(o, "live_blocks", json_object_new_uint64(r->live_blocks));
	json_object_object_add(o, "oldest_ms", json_object_new_uint64(age_ms(h, r->oldest_ts)));
	json_object_object_add(o, "allocs", json_object_new_uint64(r->allocs));
	json_object_object_add(o, "frees", json_object_new_uint64(r->frees));
	json_object_object_add(o, "fails", json_object_new_uint64(r->fails));
	if (h->trend)
		json_object_object_add(o, "growing", json_object_new_boolean(r->growing));
	if (h->by == HOLDERS_BY_STACK)
		json_object_object_add(o, "stack", stack_frames(h, r->key.stack_id));
	return o;
}

struct json_object *holders_json(struct holders *h)
{
	struct json_object *arr = json_object_new_array();
	const struct holder_row **v;
	size_t n = holders_sorted(h, true, &v), i;

	for (i = 0; i < n; i++)
		json_object_array_add(arr, row_json(h, v[i]));
	free(v);
	return arr;
}

/* --- the exit summary ------------------------------------------------------ */

/* The HOLDERS_OLDEST oldest blocks, oldest first; how many. */
static size_t oldest_blocks(const struct holders *h, size_t idx[HOLDERS_OLDEST])
{
	size_t n = 0, i, j;

	for (i = 0; i < h->nblk; i++) {
		for (j = n; j > 0 && h->blk[idx[j - 1]].ts_ns > h->blk[i].ts_ns; j--)
			if (j < HOLDERS_OLDEST)
				idx[j] = idx[j - 1];
		if (j < HOLDERS_OLDEST) {
			idx[j] = i;
			if (n < HOLDERS_OLDEST)
				n++;
		}
	}
	return n;
}

/* The device of block @b, as its row names it. */
static const struct holder_row *block_row(struct holders *h,
					  const struct dmapool_block *b)
{
	struct dmapool_holder_key v = view_key(h, &b->holder);

	return row_find(h, &v);
}

void holders_summary_plain(struct holders *h)
{
	size_t idx[HOLDERS_OLDEST], n, i, g = 0;
	char buf[32];

	if (h->trend) {
		printf("Growing holders (live bytes up in each of the last %u intervals):\n",
		       h->trend);
		for (i = 0; i < h->nrows; i++) {
			const struct holder_row *r = &h->rows[i];

			if (!r->growing)
				continue;
			g++;
			if (h->by == HOLDERS_BY_CPU)
				printf("  cpu %u %s", r->key.cpu, nm(DMAPOOL_NAMES_CTX, r->key.ctx));
			else
				printf("  %s (%s)", dev_label(r, buf, sizeof(buf)),
				       r->driver[0] ? r->driver : "no driver");
			printf(": %" PRIu64 " bytes in %" PRIu64 " blocks, from %" PRIu64
			       " %u intervals ago\n", r->live_bytes, r->live_blocks,
			       r->last_live[0], h->trend);
			if (h->by == HOLDERS_BY_STACK)
				print_frames(h, r->key.stack_id, 0, "      ");
		}
		if (!g)
			printf("  none\n");
	}
	n = oldest_blocks(h, idx);
	printf("Oldest outstanding blocks (of %zu tracked):\n", h->nblk);
	for (i = 0; i < n; i++) {
		const struct dmapool_block *b = &h->blk[idx[i]];
		const struct holder_row *r = block_row(h, b);

		printf("  %" PRIu64 " ms  %" PRIu64 " bytes  pool %s  ", age_ms(h, b->ts_ns),
		       (uint64_t)b->size, nm(DMAPOOL_NAMES_POOL, b->pool));
		if (h->kernel)
			printf("%s\n", r ? dev_label(r, buf, sizeof(buf)) : "?");
		else
			printf("cpu %u %s\n", b->holder.cpu,
			       nm(DMAPOOL_NAMES_CTX, b->holder.ctx));
		if (h->kernel)
			print_frames(h, b->stack_id, 4, "      ");
	}
	if (!n)
		printf("  none\n");
}

struct json_object *holders_summary_json(struct holders *h)
{
	struct json_object *s = json_object_new_object();
	struct json_object *grow = json_object_new_array();
	struct json_object *old = json_object_new_array(), *o;
	size_t idx[HOLDERS_OLDEST], n, i;
	char buf[32];

	for (i = 0; i < h->nrows; i++)
		if (h->rows[i].growing)
			json_object_array_add(grow, row_json(h, &h->rows[i]));
	n = oldest_blocks(h, idx);
	for (i = 0; i < n; i++) {
		const struct dmapool_block *b = &h->blk[idx[i]];
		const struct holder_row *r = block_row(h, b);

		o = json_object_new_object();
		json_object_object_add(o, "age_ms", json_object_new_uint64(age_ms(h, b->ts_ns)));
		json_object_object_add(o, "size", json_object_new_uint64(b->size));
		json_object_object_add(o, "pool", json_object_new_string(
			b->pool < DMAPOOL_NR_POOLS ? dmapool_pool_names[b->pool] : "none"));
		json_object_object_add(o, "ctx", json_object_new_string(
			nm(DMAPOOL_NAMES_CTX, b->ctx)));
		if (h->kernel) {
			json_object_object_add(o, "dev", json_object_new_string(
				r ? dev_label(r, buf, sizeof(buf)) : "?"));
			json_object_object_add(o, "driver", json_object_new_string(
				r ? r->driver : ""));
			json_object_object_add(o, "stack", stack_frames(h, b->stack_id));
		} else {
			json_object_object_add(o, "cpu", json_object_new_int(b->holder.cpu));
		}
		json_object_array_add(old, o);
	}
	if (h->trend)
		json_object_object_add(s, "growing", grow);
	else
		json_object_put(grow);
	json_object_object_add(s, "oldest", old);
	json_object_object_add(s, "tracked_blocks", json_object_new_uint64(h->nblk));
	return s;
}

/* --- failure events -------------------------------------------------------- */

static const char *fail_dev(const struct dmapool_fail_event *e, char *buf, size_t len)
{
	if (!e->dev)
		return "(no device)";
	if (e->dev_name[0])
		return e->dev_name;
	snprintf(buf, len, "dev@%" PRIx64, (uint64_t)e->dev);
	return buf;
}

void holders_fail_plain(struct holders *h, const struct dmapool_fail_event *e,
			int64_t wall_off_ns)
{
	time_t t = (time_t)((int64_t)(e->ts_ns + wall_off_ns) / 1000000000);
	char stamp[16], buf[32], drv[DMAPOOL_NAME_LEN + 1], name[DMAPOOL_NAME_LEN + 1];

	memcpy(name, e->dev_name, DMAPOOL_NAME_LEN);
	name[DMAPOOL_NAME_LEN] = '\0';
	memcpy(drv, e->driver, DMAPOOL_NAME_LEN);
	drv[DMAPOOL_NAME_LEN] = '\0';
	strftime(stamp, sizeof(stamp), "%H:%M:%S", localtime(&t));
	printf("%s FAIL %s (%s) %" PRIu64 " bytes gfp 0x%" PRIx64 " mask 0x%" PRIx64
	       " %s: %s (%s)\n", stamp, e->dev_name[0] ? name : fail_dev(e, buf, sizeof(buf)),
	       drv[0] ? drv : "no driver", (uint64_t)e->size, (uint64_t)e->gfp,
	       (uint64_t)e->mask, nm(DMAPOOL_NAMES_CTX, e->ctx),
	       nm(DMAPOOL_NAMES_FAIL, e->kind),
	       nm(DMAPOOL_NAMES_RES, e->result));
	if (h->stacks_fd >= 0 && e->stack_id >= 0)
		print_frames(h, e->stack_id, 4, "    ");
}

struct json_object *holders_fail_json(struct holders *h,
				      const struct dmapool_fail_event *e,
				      int64_t wall_off_ns)
{
	struct json_object *o = json_object_new_object();
	char buf[32], s[DMAPOOL_NAME_LEN + 1];

	json_object_object_add(o, "time", json_object_new_double(
		(double)(int64_t)(e->ts_ns + wall_off_ns) / 1e9));
	memcpy(s, e->dev_name, DMAPOOL_NAME_LEN);
	s[DMAPOOL_NAME_LEN] = '\0';
	json_object_object_add(o, "dev", json_object_new_string(
		s[0] ? s : fail_dev(e, buf, sizeof(buf))));
	memcpy(s, e->driver, DMAPOOL_NAME_LEN);
	json_object_object_add(o, "driver", json_object_new_string(s));
	json_object_object_add(o, "size", json_object_new_uint64(e->size));
	/* Hex strings: as the kernel prints them, and exact in every JSON reader. */
	snprintf(buf, sizeof(buf), "0x%" PRIx64, (uint64_t)e->gfp);
	json_object_object_add(o, "gfp", json_object_new_string(buf));
	snprintf(buf, sizeof(buf), "0x%" PRIx64, (uint64_t)e->mask);
	json_object_object_add(o, "mask", json_object_new_string(buf));
	json_object_object_add(o, "ctx", json_object_new_string(
		nm(DMAPOOL_NAMES_CTX, e->ctx)));
	json_object_object_add(o, "kind", json_object_new_string(
		nm(DMAPOOL_NAMES_FAIL, e->kind)));
	json_object_object_add(o, "reason", json_object_new_string(
		nm(DMAPOOL_NAMES_RES, e->result)));
	if (e->stack_id >= 0)
		json_object_object_add(o, "stack", stack_frames(h, e->stack_id));
	return o;
}
