// SPDX-License-Identifier: GPL-2.0
/*
 * dmapool-bench report: a recording made by `record` (recfile.h) into the
 * result `run` writes. libtraceevent parses the event formats and kbuffer
 * walks the raw ring-buffer pages; the per-CPU streams are merged in time
 * order and split into the runs by their t0..t1 windows. Every event is
 * accounted by the BPF programs' own helpers (bpf/dmapool.h) into the BPF
 * maps' structs, which aggregate.c turns into the runs' JSON; then the same
 * cross-check as `run`.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <event-parse.h>
#include <kbuffer.h>

#include "aggregate.h"
#include "dmapool.h"
#include "jschema.h"
#include "main.h"
#include "opts.h"
#include "recfile.h"
#include "result.h"
#include "run.h"
#include "spec.h"

#define REC_MAX_CPUS	4096
#define PAGE_PAD	64	/* zeros after a page: kbuffer may peek past */

struct rec_page {
	const unsigned char *data;
	uint32_t len;
};

struct rec_cpu {
	struct rec_page *pages;
	size_t n, cap;
	char *stats;
};

/* The file, mapped, cut into its sections. */
struct recording {
	const char *path;
	unsigned char *map;
	size_t size;
	struct json_object *info, *skel;
	char *header_page;
	char **formats;
	int nformats;
	struct rec_cpu *cpus;
	int ncpus;			/* highest CPU with a section, plus one */
	size_t ncpus_at;		/* the byte offset of that section */
	int page_size, long_size;
};

/* The fields the accounting reads, as the BPF programs' arguments. */
enum {
	F_POOL, F_SIZE, F_LAT, F_CTX, F_RESULT, F_FROM, F_TO, F_REASON,
	F_REQ, F_OBT, F_ORDER, F_SIZE_AFTER, F_AVAIL, F_LARGEST, F_CHUNKS,
	NR_F,
};

static const char * const field_names[NR_F] = {
	"pool", "size", "latency_ns", "ctx", "result", "from", "to", "reason",
	"requested", "obtained", "order", "size_after", "avail",
	"largest_free", "chunks",
};

#define FB(f) (1u << (f))
static const uint32_t ev_fields[DMAPOOL_NR_EVENTS] = {
	[DMAPOOL_EV_ALLOC] = FB(F_POOL) | FB(F_SIZE) | FB(F_LAT) | FB(F_CTX) |
			     FB(F_RESULT),
	[DMAPOOL_EV_FREE] = FB(F_POOL) | FB(F_SIZE) | FB(F_LAT) | FB(F_CTX),
	[DMAPOOL_EV_FALLBACK] = FB(F_FROM) | FB(F_TO) | FB(F_REASON),
	[DMAPOOL_EV_EXPAND] = FB(F_POOL) | FB(F_REQ) | FB(F_OBT) | FB(F_ORDER) |
			      FB(F_LAT) | FB(F_SIZE_AFTER) | FB(F_RESULT),
	[DMAPOOL_EV_EXHAUSTED] = FB(F_RESULT),
	[DMAPOOL_EV_STATE] = FB(F_POOL) | FB(F_SIZE) | FB(F_AVAIL) |
			     FB(F_LARGEST) | FB(F_CHUNKS),
};

struct decoder {
	int type_end;			/* a record holds common_type before it */
	struct tep_handle *tep;
	struct tep_event *ev[DMAPOOL_NR_EVENTS];
	struct tep_format_field *field[DMAPOOL_NR_EVENTS][NR_F];
};

/* One run's data, in the layouts of the BPF maps. */
struct run_acc {
	struct dmapool_counters c;
	struct dmapool_hist *hists;		/* DMAPOOL_HIST_KEYS */
	struct dmapool_sample *samples;		/* DMAPOOL_MAX_SAMPLES */
	size_t nsamples;
};

/* A run's window and what ftrace says it lost in it. */
struct run_win {
	struct json_object *run;
	uint64_t t0, t1;
	uint64_t missed, missed_unknown;
	bool exact;			/* ftrace lost nothing: counts must match */
	char why[256];			/* why they need not, when !exact */
};

/* One CPU's stream of events. */
struct cursor {
	struct rec_cpu *rc;
	size_t next_page;		/* the current page is next_page - 1 */
	struct kbuffer *kbuf;
	unsigned char *buf;		/* page_size + PAGE_PAD */
	void *data;			/* the current event, NULL: none left */
	int size;
	unsigned long long ts;
};

static __printf(2, 3)
int bad_file(const struct recording *rec, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	p_err("report: '%s' %s", rec->path, msg);
	return -EINVAL;
}

static struct json_object *parse_json(const unsigned char *p, size_t len)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *o;

	if (!tok)
		return NULL;
	o = json_tokener_parse_ex(tok, (const char *)p, (int)len);
	if (json_tokener_get_error(tok) != json_tokener_success ||
	    !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		o = NULL;
	}
	json_tokener_free(tok);
	return o;
}

static int add_page(struct recording *rec, uint32_t cpu,
		    const unsigned char *p, uint32_t len)
{
	struct rec_cpu *c = &rec->cpus[cpu];

	if (c->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 256;
		struct rec_page *np = realloc(c->pages, cap * sizeof(*np));

		if (!np)
			return -ENOMEM;
		c->pages = np;
		c->cap = cap;
	}
	c->pages[c->n].data = p;
	c->pages[c->n++].len = len;
	return 0;
}

/* Map the file and check its header; -EINVAL (message printed) if bad. */
static int rec_map(struct recording *rec)
{
	const struct rec_file_header *fh;
	struct stat st;
	int fd;

	fd = open(rec->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st)) {
		p_err("report: cannot read '%s': %s", rec->path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -EINVAL;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return bad_file(rec, "is not a regular file");
	}
	rec->size = st.st_size;
	if (rec->size >= sizeof(*fh))
		rec->map = mmap(NULL, rec->size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (rec->map == MAP_FAILED) {
		rec->map = NULL;
		p_err("report: cannot read '%s': %s", rec->path, strerror(errno));
		return -EINVAL;
	}
	fh = (const struct rec_file_header *)rec->map;
	if (!rec->map || memcmp(fh->magic, REC_MAGIC, REC_MAGIC_LEN))
		return bad_file(rec, "is not a dmapool-bench recording (made by 'dmapool-bench record')");
	if (fh->byte_order != REC_BYTE_ORDER)
		return bad_file(rec, "was recorded on a machine of the other byte order");
	if (fh->version != REC_VERSION)
		return bad_file(rec, "is a version %u recording; this dmapool-bench reads version %u",
				fh->version, REC_VERSION);
	return 0;
}

/* INFO or SKELETON: a JSON object passing its schema definition @def. */
static int rec_json(const struct recording *rec, const unsigned char *p,
		    uint32_t len, size_t at, const char *what, const char *def,
		    struct json_object **out)
{
	char why[JSCHEMA_ERR_LEN];

	json_object_put(*out);
	*out = parse_json(p, len);
	if (!*out)
		return bad_file(rec, "is corrupt: its %s (byte %zu) is not a JSON object",
				what, at);
	if (result_check(*out, def, why, sizeof(why)))
		return bad_file(rec, "is corrupt: its %s (byte %zu): %s", what, at, why);
	return 0;
}

/*
 * gcc 12's -fanalyzer loses track of pointers stored into arrays it saw
 * realloc()ed or calloc()ed (rec->formats, rec->cpus[].pages and .stats) and
 * reports them leaked at the return; rec_close() frees every one of them.
 * That one warning is off for this function only.
 */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wanalyzer-malloc-leak"
/* Keep section @sh (payload @p, header at byte @at); 0, -EINVAL or -ENOMEM. */
static int rec_section(struct recording *rec, const struct rec_section_header *sh,
		       const unsigned char *p, size_t at)
{
	char **nf;

	switch (sh->type) {
	case REC_SEC_INFO:
		return rec_json(rec, p, sh->len, at, "INFO", "#/$defs/recording_info",
				&rec->info);
	case REC_SEC_HEADER_PAGE:
		free(rec->header_page);
		rec->header_page = strndup((const char *)p, sh->len);
		return 0;
	case REC_SEC_FORMAT:
		nf = realloc(rec->formats, (rec->nformats + 1) * sizeof(*nf));
		if (!nf)
			return -ENOMEM;
		rec->formats = nf;
		rec->formats[rec->nformats++] = strndup((const char *)p, sh->len);
		return 0;
	case REC_SEC_PAGE:
		return add_page(rec, sh->cpu, p, sh->len) ? -ENOMEM : 0;
	case REC_SEC_STATS:
		free(rec->cpus[sh->cpu].stats);
		rec->cpus[sh->cpu].stats = strndup((const char *)p, sh->len);
		return rec->cpus[sh->cpu].stats ? 0 : -ENOMEM;
	case REC_SEC_SKELETON:
		return rec_json(rec, p, sh->len, at, "result skeleton", "#/$defs/skeleton",
				&rec->skel);
	default:	/* END, or a later version's: not ours to read */
		return 0;
	}
}
#pragma GCC diagnostic pop

/* Every section is read: is anything missing or inconsistent? */
static int rec_check(struct recording *rec)
{
	int i;

	if (!rec->info || !rec->header_page || !rec->nformats || !rec->skel)
		return bad_file(rec, "is corrupt: it lacks %s", !rec->info ? "its INFO" :
				!rec->header_page ? "events/header_page" :
				!rec->nformats ? "the event formats" : "the result skeleton");
	for (i = 0; i < rec->nformats; i++)
		if (!rec->formats[i])
			return -ENOMEM;
	/* INFO passed its schema: sizes in range, long_size 4 or 8. */
	rec->page_size = jget_u64(rec->info, "page_size");
	rec->long_size = jget_u64(rec->info, "long_size");
	if ((uint64_t)rec->ncpus > jget_u64(rec->info, "ncpus"))
		return bad_file(rec, "is corrupt: the section at byte %zu is for CPU %d, INFO says %llu CPUs",
				rec->ncpus_at, rec->ncpus - 1,
				(unsigned long long)jget_u64(rec->info, "ncpus"));
	return 0;
}

/* Map the file and cut it into sections; -EINVAL (message printed) if bad. */
static int rec_open(struct recording *rec)
{
	struct rec_section_header sh;
	bool complete = false;
	size_t off;
	int err;

	err = rec_map(rec);
	if (err)
		return err;
	rec->cpus = calloc(REC_MAX_CPUS, sizeof(*rec->cpus));
	if (!rec->cpus)
		return -ENOMEM;
	for (off = sizeof(struct rec_file_header); !complete;) {
		const unsigned char *p;
		size_t at = off;

		if (rec->size - off < sizeof(sh))
			return bad_file(rec, "is truncated (%zu bytes, no end marker)", rec->size);
		memcpy(&sh, rec->map + off, sizeof(sh));
		off += sizeof(sh);
		if (sh.len > rec->size - off)
			return bad_file(rec, "is truncated (%zu bytes, a section at byte %zu needs %u)",
					rec->size, at, sh.len);
		p = rec->map + off;
		off += sh.len;
		if ((uint32_t)crc32(0, p, sh.len) != sh.crc)
			return bad_file(rec, "is corrupt: the section at byte %zu fails its checksum", at);
		if ((sh.type == REC_SEC_PAGE || sh.type == REC_SEC_STATS) &&
		    sh.cpu >= REC_MAX_CPUS)
			return bad_file(rec, "is corrupt: CPU %u at byte %zu", sh.cpu, at);
		err = rec_section(rec, &sh, p, at);
		if (err)
			return err;
		complete = sh.type == REC_SEC_END;
		if ((sh.type == REC_SEC_PAGE || sh.type == REC_SEC_STATS) &&
		    (int)sh.cpu >= rec->ncpus) {
			rec->ncpus = sh.cpu + 1;
			rec->ncpus_at = at;
		}
	}
	return rec_check(rec);
}

static void rec_close(struct recording *rec)
{
	int i;

	if (rec->map)
		munmap(rec->map, rec->size);
	json_object_put(rec->info);
	json_object_put(rec->skel);
	free(rec->header_page);
	for (i = 0; i < rec->nformats; i++)
		free(rec->formats[i]);
	free(rec->formats);
	for (i = 0; rec->cpus && i < REC_MAX_CPUS; i++) {
		free(rec->cpus[i].pages);
		free(rec->cpus[i].stats);
	}
	free(rec->cpus);
}

/*
 * An event format with its "print fmt:" replaced by an empty one: only the
 * fields are read, and libtraceevent's print-format parser dereferences
 * NULL on a format whose print fmt names a field it lacks (1.7.1).
 */
static char *fields_only(const char *format)
{
	static const char empty[] = "print fmt: \"\"\n";
	const char *p = strstr(format, "\nprint fmt:");
	size_t n = p ? (size_t)(p - format) + 1 : strlen(format);
	char *s = malloc(n + sizeof(empty));

	if (s) {
		memcpy(s, format, n);
		memcpy(s + n, empty, sizeof(empty));
	}
	return s;
}

static int decoder_init(struct decoder *d, const struct recording *rec)
{
	int i, e, f;

	tep_set_loglevel(verbose ? TEP_LOG_WARNING : TEP_LOG_NONE);
	d->tep = tep_alloc();
	if (!d->tep)
		return -ENOMEM;
	tep_set_long_size(d->tep, rec->long_size);
	tep_set_page_size(d->tep, rec->page_size);
	if (tep_parse_header_page(d->tep, rec->header_page,
				  strlen(rec->header_page), rec->long_size) ||
	    tep_get_header_page_size(d->tep) != rec->long_size)
		return bad_file(rec, "is corrupt: events/header_page does not parse");
	for (i = 0; i < rec->nformats; i++) {
		char *fields = fields_only(rec->formats[i]);
		int err;

		if (!fields)
			return -ENOMEM;
		err = tep_parse_event(d->tep, fields, strlen(fields), REC_SYSTEM);
		free(fields);
		if (err)
			return bad_file(rec, "is corrupt: event format %d does not parse", i + 1);
	}
	/*
	 * libtraceevent finds a record's event by the common_type field of
	 * whichever format it parsed first: every format must put it in the
	 * same place, and records must be long enough to hold it (decode()).
	 */
	for (i = 0; i < tep_get_events_count(d->tep); i++) {
		struct tep_format_field *t = tep_find_common_field(
			tep_get_event(d->tep, i), "common_type");

		if (!t || t->offset < 0 || t->offset > 64 || !t->size || t->size > 8 ||
		    (d->type_end && t->offset + t->size != d->type_end))
			return bad_file(rec, "is corrupt: event format %d has %s common_type field",
					i + 1, t ? "an impossible" : "no");
		d->type_end = t->offset + t->size;
	}
	for (e = 0; e < DMAPOOL_NR_EVENTS; e++) {
		d->ev[e] = tep_find_event_by_name(d->tep, REC_SYSTEM,
						  dmapool_event_names[e]);
		if (!d->ev[e])
			return bad_file(rec, "has no format for event %s:%s",
					REC_SYSTEM, dmapool_event_names[e]);
		/*
		 * The fields are looked up once here and read with
		 * tep_read_number_field() per event: tep_get_field_val()
		 * would look each up by name every time.
		 */
		for (f = 0; f < NR_F; f++) {
			if (!(ev_fields[e] & FB(f)))
				continue;
			d->field[e][f] = tep_find_field(d->ev[e], field_names[f]);
			/*
			 * Recordings from before pool_exhausted said which
			 * failure kind it was: all count as exhausted.
			 */
			if (!d->field[e][f] && e == DMAPOOL_EV_EXHAUSTED)
				continue;
			if (!d->field[e][f] || d->field[e][f]->size > 8)
				return bad_file(rec, "has no numeric field %s in event %s",
						field_names[f], dmapool_event_names[e]);
		}
	}
	return 0;
}

/* Load @page into the cursor's buffer; false if its header is impossible. */
static bool load_page(const struct recording *rec, struct cursor *c,
		      const struct rec_page *page)
{
	uint64_t commit = 0;
	size_t hdr = 8 + rec->long_size;

	if (page->len < hdr || page->len > (size_t)rec->page_size)
		return false;
	memset(c->buf, 0, rec->page_size + PAGE_PAD);
	memcpy(c->buf, page->data, page->len);
	if (rec->long_size == 8)
		memcpy(&commit, c->buf + 8, 8);
	else
		commit = *(uint32_t *)(c->buf + 8);
	if ((commit & REC_PAGE_COMMIT_MASK) > rec->page_size - hdr)
		return false;
	return !kbuffer_load_subbuffer(c->kbuf, c->buf);
}

/* Move @c to its next event, loading pages as needed; -EINVAL if corrupt. */
static int cursor_next(const struct recording *rec, struct cursor *c)
{
	void *data = c->data ? kbuffer_next_event(c->kbuf, &c->ts) : NULL;

	while (!data) {
		if (c->next_page >= c->rc->n) {
			c->data = NULL;
			return 0;
		}
		if (!load_page(rec, c, &c->rc->pages[c->next_page++]))
			return bad_file(rec, "is corrupt: a ring-buffer page has an impossible header");
		data = kbuffer_read_event(c->kbuf, &c->ts);
	}
	c->size = kbuffer_event_size(c->kbuf);
	if (c->size <= 0 || (unsigned char *)data < c->buf ||
	    (unsigned char *)data + c->size > c->buf + rec->page_size)
		return bad_file(rec, "is corrupt: an event lies outside its page");
	c->data = data;
	return 0;
}

/* BPF's add_sample(): keep it while there is room, else count the drop. */
static void add_sample(struct run_acc *a, const struct dmapool_sample *s)
{
	if (a->nsamples >= DMAPOOL_MAX_SAMPLES) {
		a->c.samples_dropped++;
		return;
	}
	a->samples[a->nsamples++] = *s;
}

/* BPF's hist_add(). */
static void hist_add(struct run_acc *a, __u32 op, __u8 pool, __u8 ctx,
		     __u64 size, __u64 ns)
{
	dmapool_hist_add(&a->hists[dmapool_hist_key(op, pool, ctx,
						     dmapool_size_order(size))], ns);
}

/*
 * One event, accounted as bpf/dmapool.bpf.c's on_<event>() handlers do
 * (the same helpers, the arguments narrowed to their tracepoint types).
 */
static void account(struct run_acc *a, int ev, const uint64_t *v, uint64_t ts)
{
	struct dmapool_sample s = {};

	switch (ev) {
	case DMAPOOL_EV_ALLOC:
		dmapool_count_alloc(&a->c, v[F_SIZE], (__u8)v[F_RESULT]);
		hist_add(a, DMAPOOL_OP_ALLOC, v[F_POOL], v[F_CTX], v[F_SIZE], v[F_LAT]);
		break;
	case DMAPOOL_EV_FREE:
		dmapool_count_free(&a->c, v[F_SIZE]);
		hist_add(a, DMAPOOL_OP_FREE, v[F_POOL], v[F_CTX], v[F_SIZE], v[F_LAT]);
		break;
	case DMAPOOL_EV_FALLBACK:
		dmapool_count_fallback(&a->c, v[F_FROM], v[F_TO], v[F_REASON]);
		break;
	case DMAPOOL_EV_EXPAND:
		dmapool_count_expand(&a->c, v[F_LAT], (__s32)v[F_RESULT]);
		dmapool_sample_expand(&s, ts, v[F_POOL], v[F_REQ], v[F_OBT],
				      (__u32)v[F_ORDER], v[F_LAT], v[F_SIZE_AFTER],
				      (__s32)v[F_RESULT]);
		add_sample(a, &s);
		break;
	case DMAPOOL_EV_EXHAUSTED:
		dmapool_count_exhausted(&a->c, (__u8)v[F_RESULT]);
		break;
	case DMAPOOL_EV_STATE:
		dmapool_count_state(&a->c);
		dmapool_sample_state(&s, ts, v[F_POOL], v[F_SIZE], v[F_AVAIL],
				     v[F_LARGEST], (__u32)v[F_CHUNKS]);
		add_sample(a, &s);
		break;
	}
}

/* The byte offset of the section holding @c's current page. */
static size_t page_at(const struct recording *rec, const struct cursor *c)
{
	return c->rc->pages[c->next_page - 1].data - rec->map -
	       sizeof(struct rec_section_header);
}

/* The field of event @e whose value the module never writes, or -1. */
static int bad_value(int e, const uint64_t *v)
{
	switch (e) {
	case DMAPOOL_EV_ALLOC:
		if (v[F_POOL] >= DMAPOOL_NR_POOLS && v[F_POOL] != DMAPOOL_POOL_NONE)
			return F_POOL;
		if (v[F_RESULT] >= DMAPOOL_NR_RES)
			return F_RESULT;
		return v[F_CTX] >= DMAPOOL_NR_CTX ? F_CTX : -1;
	case DMAPOOL_EV_FREE:
		if (v[F_POOL] >= DMAPOOL_NR_POOLS)
			return F_POOL;
		return v[F_CTX] >= DMAPOOL_NR_CTX ? F_CTX : -1;
	case DMAPOOL_EV_FALLBACK:
		if (v[F_FROM] >= DMAPOOL_NR_POOLS)
			return F_FROM;
		if (v[F_TO] >= DMAPOOL_NR_POOLS)
			return F_TO;
		return v[F_REASON] >= DMAPOOL_NR_FB ? F_REASON : -1;
	case DMAPOOL_EV_EXPAND:
		/* result: 0 or -errno, as the s32 it is */
		if (v[F_RESULT] > UINT32_MAX ||
		    (int32_t)(uint32_t)v[F_RESULT] > 0 ||
		    (int32_t)(uint32_t)v[F_RESULT] < -4095)
			return F_RESULT;
		return v[F_POOL] >= DMAPOOL_NR_POOLS ? F_POOL : -1;
	case DMAPOOL_EV_EXHAUSTED:
		/* a failed result: exhausted, addr_rejected or no_pool */
		return v[F_RESULT] == DMAPOOL_RES_OK ||
		       v[F_RESULT] >= DMAPOOL_NR_RES ? F_RESULT : -1;
	case DMAPOOL_EV_STATE:
		return v[F_POOL] >= DMAPOOL_NR_POOLS ? F_POOL : -1;
	}
	return -1;
}

/* Which of our events is this record, and its fields; -1 if not ours. */
static int decode(const struct recording *rec, struct decoder *d,
		  struct cursor *c, uint64_t *v, int *err)
{
	struct tep_record r = {
		.ts = c->ts, .data = c->data, .size = c->size,
		.cpu = (int)(c->rc - rec->cpus),
	};
	struct tep_event *event;
	unsigned long long val;
	int e, f;

	if (c->size < d->type_end) {
		*err = bad_file(rec, "is corrupt: a %d-byte record in the page at byte %zu",
				c->size, page_at(rec, c));
		return -1;
	}
	event = tep_find_event_by_record(d->tep, &r);
	for (e = 0; e < DMAPOOL_NR_EVENTS; e++)
		if (event == d->ev[e])
			break;
	if (e == DMAPOOL_NR_EVENTS)
		return -1;
	if (e == DMAPOOL_EV_EXHAUSTED)
		v[F_RESULT] = DMAPOOL_RES_EXHAUSTED;	/* unless it says */
	for (f = 0; f < NR_F; f++) {
		struct tep_format_field *fld = d->field[e][f];

		if (!fld)
			continue;
		if (fld->offset < 0 || (long)fld->offset + fld->size > c->size ||
		    tep_read_number_field(fld, c->data, &val)) {
			*err = bad_file(rec, "is corrupt: a %s event in the page at byte %zu is too short",
					dmapool_event_names[e], page_at(rec, c));
			return -1;
		}
		v[f] = val;
	}
	f = bad_value(e, v);
	if (f >= 0) {
		*err = bad_file(rec, "is corrupt: a %s event in the page at byte %zu has %s %llu",
				dmapool_event_names[e], page_at(rec, c), field_names[f],
				(unsigned long long)v[f]);
		return -1;
	}
	return e;
}

static int get_hist(void *ctx, uint32_t key, struct dmapool_hist *out)
{
	struct run_acc *a = ctx;

	*out = a->hists[key];
	return 0;
}

static void stats_total(const struct recording *rec, const char *key, uint64_t *sum)
{
	int cpu;

	*sum = 0;
	for (cpu = 0; cpu < rec->ncpus; cpu++)
		if (rec->cpus[cpu].stats)
			*sum += rec_stat(rec->cpus[cpu].stats, key);
}

/*
 * A run's counters, cases, timeline, lost events and cross-check (*@ok);
 * -EINVAL if its events add up to values a result may not hold.
 */
static int finish_run(const struct recording *rec, struct run_acc *a,
		      struct run_win *w)
{
	static const uint64_t no_misses[DMAPOOL_NR_EVENTS];
	struct json_object *extra = json_object_new_object();
	struct json_object *cc = json_object_new_object();
	uint64_t overrun, commit_overrun, dropped;
	char err[JSCHEMA_ERR_LEN];

	stats_total(rec, "overrun", &overrun);
	stats_total(rec, "commit overrun", &commit_overrun);
	stats_total(rec, "dropped events", &dropped);
	agg_add_counters(w->run, &a->c);
	agg_add_cases(w->run, get_hist, a, jget_u64(w->run, "elapsed_ns") / 1e9);
	agg_add_samples(w->run, a->samples, a->nsamples, w->t0);
	/* Per run from the pages' headers; the ring buffer's stats per recording. */
	json_object_object_add(extra, "ftrace_missed_events", json_object_new_uint64(w->missed));
	json_object_object_add(extra, "ftrace_missed_unknown",
			       json_object_new_uint64(w->missed_unknown));
	json_object_object_add(extra, "ftrace_overrun", json_object_new_uint64(overrun));
	json_object_object_add(extra, "ftrace_commit_overrun",
			       json_object_new_uint64(commit_overrun));
	json_object_object_add(extra, "ftrace_dropped", json_object_new_uint64(dropped));
	agg_add_lost(w->run, no_misses, a->c.samples_dropped, extra);
	w->exact = !w->missed && !w->missed_unknown && !overrun && !commit_overrun &&
		   !dropped;
	snprintf(w->why, sizeof(w->why),
		 "ftrace lost events (%llu missed in this run; recording: overrun %llu, dropped %llu): the counts can only be checked not to exceed the module's",
		 (unsigned long long)w->missed, (unsigned long long)overrun,
		 (unsigned long long)dropped);
	memset(&a->c, 0, sizeof(a->c));
	memset(a->hists, 0, DMAPOOL_HIST_KEYS * sizeof(*a->hists));
	a->nsamples = 0;
	/* Checked now; replay() cross-checks it once every run is (and replaces this). */
	json_object_object_add(cc, "ok", json_object_new_boolean(true));
	json_object_object_add(cc, "exact", json_object_new_boolean(true));
	json_object_object_add(cc, "message", json_object_new_string(""));
	json_object_object_add(w->run, "crosscheck", cc);
	if (result_check(w->run, "#/$defs/run", err, sizeof(err)))
		return bad_file(rec, "is corrupt: its events make an invalid run %lld: %s",
				(long long)jget_u64(w->run, "index"), err);
	return 0;
}

/*
 * Events lost before a page were lost between that CPU's previous page and
 * this one: charge them to every run overlapping that interval (possibly
 * more than one: conservative).
 */
static int charge_missed(const struct recording *rec, struct run_win *w,
			 size_t nruns, uint64_t *total)
{
	struct cursor c = {};
	uint64_t prev, ts;
	long long m;
	size_t i, r;
	int cpu;

	c.buf = calloc(1, rec->page_size + PAGE_PAD);
	c.kbuf = kbuffer_alloc(rec->long_size == 8 ? KBUFFER_LSIZE_8 : KBUFFER_LSIZE_4,
			       KBUFFER_ENDIAN_SAME_AS_HOST);
	if (!c.buf || !c.kbuf) {
		free(c.buf);
		kbuffer_free(c.kbuf);
		return -ENOMEM;
	}
	*total = 0;
	for (cpu = 0; cpu < rec->ncpus; cpu++) {
		prev = 0;
		for (i = 0; i < rec->cpus[cpu].n; i++) {
			if (!load_page(rec, &c, &rec->cpus[cpu].pages[i])) {
				free(c.buf);
				kbuffer_free(c.kbuf);
				return bad_file(rec, "is corrupt: a ring-buffer page has an impossible header");
			}
			m = kbuffer_missed_events(c.kbuf);
			ts = kbuffer_subbuf_timestamp(c.kbuf, c.buf);
			if (m) {
				if (m > 0)
					*total += m;
				for (r = 0; r < nruns; r++) {
					if (prev >= w[r].t1 || ts < w[r].t0)
						continue;
					if (m > 0)
						w[r].missed += m;
					else
						w[r].missed_unknown++;
				}
			}
			prev = ts;
		}
	}
	free(c.buf);
	kbuffer_free(c.kbuf);
	return 0;
}

/*
 * Every event of the recording, in time order, into its run; each run is
 * checked as it ends. Nothing is printed before every page, event and run
 * has been: the cross-checks speak after, so a bad file is one line only.
 */
static int replay(const struct recording *rec, struct decoder *d,
		  struct run_win *w, size_t nruns,
		  const struct dmapool_spec *spec, bool *ok)
{
	struct run_acc a = {};
	struct cursor *cur = calloc(rec->ncpus ? rec->ncpus : 1, sizeof(*cur));
	uint64_t v[NR_F] = {}, events = 0, outside = 0, other = 0, missed = 0;
	size_t r = 0;
	int cpu, err = 0, e;

	a.hists = calloc(DMAPOOL_HIST_KEYS, sizeof(*a.hists));
	a.samples = calloc(DMAPOOL_MAX_SAMPLES, sizeof(*a.samples));
	if (!cur || !a.hists || !a.samples)
		err = -ENOMEM;
	if (!err)
		err = charge_missed(rec, w, nruns, &missed);
	for (cpu = 0; !err && cpu < rec->ncpus; cpu++) {
		cur[cpu].rc = &rec->cpus[cpu];
		if (!cur[cpu].rc->n)
			continue;
		cur[cpu].buf = calloc(1, rec->page_size + PAGE_PAD);
		cur[cpu].kbuf = tep_kbuffer(d->tep);
		if (!cur[cpu].buf || !cur[cpu].kbuf)
			err = -ENOMEM;
		else
			err = cursor_next(rec, &cur[cpu]);
	}
	while (!err) {
		struct cursor *c = NULL;

		/* The earliest pending event of any CPU (a handful of CPUs). */
		for (cpu = 0; cpu < rec->ncpus; cpu++)
			if (cur[cpu].data && (!c || cur[cpu].ts < c->ts))
				c = &cur[cpu];
		for (; !err && r < nruns && (!c || c->ts >= w[r].t1); r++)
			err = finish_run(rec, &a, &w[r]);
		if (err)
			break;
		if (!c)
			break;
		e = decode(rec, d, c, v, &err);
		if (e < 0) {
			other += !err;
		} else if (r < nruns && c->ts >= w[r].t0) {
			account(&a, e, v, c->ts);
			events++;
		} else {
			outside++;
		}
		if (!err)
			err = cursor_next(rec, c);
	}
	for (r = 0; !err && r < nruns; r++)
		*ok &= run_crosscheck(w[r].run, spec, "ftrace", w[r].exact, w[r].why);
	if (!err && verbose)
		p_info("%llu events in the runs, %llu outside them, %llu of other types; %llu missed by ftrace",
		       (unsigned long long)events, (unsigned long long)outside,
		       (unsigned long long)other, (unsigned long long)missed);
	for (cpu = 0; cur && cpu < rec->ncpus; cpu++) {
		free(cur[cpu].buf);
		kbuffer_free(cur[cpu].kbuf);
	}
	free(cur);
	free(a.hists);
	free(a.samples);
	return err;
}

/* The runs of the skeleton with their windows, in time order. */
static int run_windows(const struct recording *rec, struct run_win **out,
		       size_t *n, struct dmapool_spec *spec)
{
	struct json_object *runs, *meta;
	char err[DMAPOOL_SPEC_ERR_LEN];
	struct dmapool_run_spec *rs;
	struct run_win *w;
	size_t i;
	__u32 k;

	/* rec_open() checked it against the schema's skeleton. */
	runs = json_object_object_get(rec->skel, "runs");
	meta = json_object_object_get(rec->skel, "meta");
	rs = malloc(sizeof(*rs));
	if (!rs)
		return -ENOMEM;
	if (dmapool_run_spec_parse(jget_str(meta, "spec"), rs, err, sizeof(err))) {
		free(rs);
		return bad_file(rec, "is corrupt: its spec does not parse: %s", err);
	}
	/* Several streams: the first, with the longest warmup of any. */
	*spec = rs->streams[0];
	for (k = 1; k < rs->nr_streams; k++)
		if (rs->streams[k].warmup_ms > spec->warmup_ms)
			spec->warmup_ms = rs->streams[k].warmup_ms;
	free(rs);
	*n = json_object_array_length(runs);
	w = calloc(*n, sizeof(*w));
	if (!w)
		return -ENOMEM;
	for (i = 0; i < *n; i++) {
		w[i].run = json_object_array_get_idx(runs, i);
		w[i].t0 = jget_u64(w[i].run, "t0_ns");
		w[i].t1 = jget_u64(w[i].run, "t1_ns");
		if (!w[i].t1 || w[i].t1 < w[i].t0 || (i && w[i].t0 < w[i - 1].t1)) {
			free(w);
			return bad_file(rec, "is corrupt: run %zu has no valid t0_ns..t1_ns window", i);
		}
	}
	*out = w;
	return 0;
}

struct report_opts {
	const char *output;
	bool plot, hist;
};

static const struct opt report_opts_table[] = {
	OPT_STR_("output", 'o', struct report_opts, output, "DIR",
		 "result directory (default: FILE's directory)"),
	OPT_FLAG_("plot", 0, struct report_opts, plot,
		  "also render plots (PNG and SVG) into DIR"),
	OPT_FLAG_("hist", 0, struct report_opts, hist, "also print the latency histograms"),
};

static const struct opt_group report_group = OPT_GROUP("Options", report_opts_table);

static const struct cmd_help report_help = {
	.name = "report",
	.synopsis = "FILE [-o DIR] [--plot] [--hist] [--json]",
	.about =
"Decode a recording made by 'dmapool-bench record' (raw ftrace ring-buffer\n"
"pages and the event formats) with libtraceevent, account every event\n"
"exactly as the BPF programs of 'run' do, cross-check the counts against\n"
"the module's counters, and write DIR/result.json (schema " RESULT_SCHEMA ")\n"
"plus CSVs for gnuplot, like 'run'. Events ftrace missed are reported in\n"
"each run's lost object (ftrace_missed_events, ftrace_overrun, ...).\n"
"\n"
"Exit status: 0 done, 1 the cross-check failed (or an output could not be\n"
"written), 2 bad input: a recording that is truncated, corrupt or\n"
"inconsistent (the message names the byte offset or section).\n",
	.examples =
"  dmapool-bench record --ctx softirq --cpus 0-1 --ops 5000 -o /tmp/r/rec.dpr\n"
"  dmapool-bench report /tmp/r/rec.dpr --plot\n"
"  dmapool-bench report results/rec/rec.dpr -o results/rec-report --json\n",
};

/* The recording's result into @outdir: an exit status. */
static int report_write(struct recording *rec, const struct report_opts *o,
			const char *outdir, bool ok)
{
	char series[1024], pools[64], why[JSCHEMA_ERR_LEN];

	if (result_check(rec->skel, "#", why, sizeof(why))) {
		bad_file(rec, "is corrupt: its events make an invalid result: %s", why);
		return EXIT_USAGE;
	}
	if (result_write_json(rec->skel, outdir, "result.json") ||
	    result_write_csvs(&rec->skel, 1, outdir, series, sizeof(series),
			      pools, sizeof(pools)))
		ok = false;
	if (json_output)
		printf("%s\n", json_object_to_json_string_ext(rec->skel,
			JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	else
		result_print_summary(rec->skel, o->hist);
	p_info("wrote %s/result.json", outdir);
	return ok ? EXIT_OK : EXIT_FAIL;
}

/* Parse: 0 with the recording's path in *@path, 1 after --help, -EINVAL. */
static int report_parse(struct report_opts *o, int argc, char **argv,
			const char **path)
{
	struct opt_use use[] = { { &report_group, o } };
	int first, ret;

	ret = opts_parse(&report_help, use, ARRAY_SIZE(use), argc, argv, &first);
	if (ret)
		return ret;
	if (first >= argc) {
		p_err("report: no recording given (dmapool-bench report FILE)");
		return -EINVAL;
	}
	if (first + 1 < argc) {
		p_err("report: unexpected argument '%s' (one recording at a time)",
		      argv[first + 1]);
		return -EINVAL;
	}
	*path = argv[first];
	return 0;
}

int cmd_report(int argc, char **argv)
{
	struct report_opts o = {};
	struct recording rec = {};
	struct decoder d = {};
	struct dmapool_spec spec;
	struct run_win *w = NULL;
	char dir[PATH_MAX], outdir[PATH_MAX], result[PATH_MAX + 16];
	const char *files[1] = { result };
	bool ok = true;
	size_t nruns = 0;
	int err, ret;

	ret = report_parse(&o, argc, argv, &rec.path);
	if (ret)
		return ret > 0 ? EXIT_OK : EXIT_USAGE;
	snprintf(dir, sizeof(dir), "%s", rec.path);
	if (!o.output)
		o.output = dirname(dir);
	err = rec_open(&rec);
	if (!err)
		err = decoder_init(&d, &rec);
	if (!err)
		err = run_windows(&rec, &w, &nruns, &spec);
	if (!err && run_prepare_outdir("report", o.output, outdir))
		err = -EINVAL;
	if (!err)
		err = replay(&rec, &d, w, nruns, &spec, &ok);
	if (err) {
		if (err == -ENOMEM)
			p_err("report: out of memory reading '%s'", rec.path);
		ret = err == -ENOMEM ? EXIT_FAIL : EXIT_USAGE;
		goto out;
	}
	ret = report_write(&rec, &o, outdir, ok);
	if (ret == EXIT_OK && o.plot) {
		snprintf(result, sizeof(result), "%s/result.json", outdir);
		ret = plot_results(files, 1, outdir, "png,svg", NULL);
	}
out:
	free(w);
	if (d.tep)
		tep_free(d.tep);
	rec_close(&rec);
	return ret;
}
