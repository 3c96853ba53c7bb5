// SPDX-License-Identifier: GPL-2.0
/*
 * The capture file (capfile.h): the writer, and the strict reader that
 * `capture`'s tests and `run --replay` use.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <zlib.h>

#include "afile.h"
#include "capfile.h"
#include "main.h"
#include "spec.h"

#define CAP_GFP_DMA	0x01u		/* ___GFP_DMA */
#define CAP_GFP_DMA32	0x04u		/* ___GFP_DMA32 */
#define CAP_MAX_LINE	(64u << 10)	/* bytes in one line */

int cap_gfp_zone(uint32_t gfp)
{
	if ((gfp & CAP_GFP_DMA) && (gfp & CAP_GFP_DMA32))
		return -EINVAL;
	if (gfp & CAP_GFP_DMA)
		return DMAPOOL_ZONE_DMA;
	if (gfp & CAP_GFP_DMA32)
		return DMAPOOL_ZONE_DMA32;
	return DMAPOOL_ZONE_KERNEL;
}

/* --- checks shared by writer and reader ------------------------------- */

static bool time_ok(const char *s)
{
	static const char form[] = "dddd-dd-ddTdd:dd:ddZ";
	size_t i;

	if (strlen(s) != sizeof(form) - 1)
		return false;
	for (i = 0; form[i]; i++)
		if (form[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != form[i])
			return false;
	return true;
}

static int meta_check(const struct cap_meta *m, char *err, size_t len)
{
	const struct {
		const char *key, *val;
	} strs[] = {
		{ "version", m->version }, { "time", m->time },
		{ "kernel", m->kernel }, { "arch", m->arch },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(strs); i++)
		if (!strs[i].val[0]) {
			snprintf(err, len, ".meta.%s: empty", strs[i].key);
			return -EINVAL;
		}
	if (!time_ok(m->time)) {
		snprintf(err, len, ".meta.time: '%s' is not YYYY-MM-DDTHH:MM:SSZ", m->time);
		return -EINVAL;
	}
	if (m->has_atomic_pool_size &&
	    (!m->atomic_pool_size || m->atomic_pool_size > DMAPOOL_MAX_COHERENT_POOL)) {
		snprintf(err, len, ".meta.atomic_pool_size: %llu is not in 1..%llu",
			 (unsigned long long)m->atomic_pool_size,
			 (unsigned long long)DMAPOOL_MAX_COHERENT_POOL);
		return -EINVAL;
	}
	if (m->has_coherent_pool_param && !m->coherent_pool_param[0]) {
		snprintf(err, len, ".meta.coherent_pool_param: empty");
		return -EINVAL;
	}
	for (i = 0; i < DMAPOOL_NR_POOLS; i++) {
		const struct cap_pool_start *p = &m->pools[i];

		if (p->present ? (!p->size || p->size % DMAPOOL_PAGE_SIZE) : p->size) {
			snprintf(err, len, ".meta.pools_at_start.%s.size: %llu for a pool %s",
				 dmapool_pool_names[i], (unsigned long long)p->size,
				 p->present ? "present (a non-zero multiple of 4096 expected)" :
				 "not present (0 expected)");
			return -EINVAL;
		}
	}
	return 0;
}

void cap_name_clean(char *s)
{
	for (; *s; s++)
		if (*s < 0x20 || *s > 0x7e)
			*s = '?';
}

static bool name_ok(const char *s)
{
	size_t n = strnlen(s, CAP_NAME_MAX);

	if (!n || n == CAP_NAME_MAX)
		return false;
	for (; *s; s++)
		if (*s < 0x20 || *s > 0x7e)
			return false;
	return true;
}

/* One record against the meta and the previous record's time. */
static int rec_check(const struct cap_meta *m, const struct cap_rec *r,
		     uint64_t prev_t, char *err, size_t len)
{
	int zone;

	if (r->t_ns < prev_t) {
		snprintf(err, len, ".t_ns: %llu is before the previous record's %llu",
			 (unsigned long long)r->t_ns, (unsigned long long)prev_t);
		return -EINVAL;
	}
	if (r->t_ns > m->duration_ns) {
		snprintf(err, len, ".t_ns: %llu is past the capture's end (duration_ns %llu)",
			 (unsigned long long)r->t_ns, (unsigned long long)m->duration_ns);
		return -EINVAL;
	}
	if (!r->size || r->size > CAP_MAX_SIZE) {
		snprintf(err, len, ".size: %llu is not in 1..%llu",
			 (unsigned long long)r->size, (unsigned long long)CAP_MAX_SIZE);
		return -EINVAL;
	}
	if ((unsigned int)r->zone >= DMAPOOL_NR_ZONES) {
		snprintf(err, len, ".zone: %u is no zone", (unsigned int)r->zone);
		return -EINVAL;
	}
	zone = cap_gfp_zone(r->gfp);
	if (zone < 0) {
		snprintf(err, len, ".gfp: 0x%x asks for both GFP_DMA and GFP_DMA32", r->gfp);
		return -EINVAL;
	}
	if ((unsigned int)zone != (unsigned int)r->zone) {
		snprintf(err, len, ".zone: \"%s\" disagrees with gfp 0x%x (zone %s)",
			 dmapool_zone_names[r->zone], r->gfp, dmapool_zone_names[zone]);
		return -EINVAL;
	}
	if ((unsigned int)r->result >= DMAPOOL_NR_RES) {
		snprintf(err, len, ".result: %u is no result", (unsigned int)r->result);
		return -EINVAL;
	}
	if (r->pool != DMAPOOL_POOL_NONE && (unsigned int)r->pool >= DMAPOOL_NR_POOLS) {
		snprintf(err, len, ".pool: %u is no pool", (unsigned int)r->pool);
		return -EINVAL;
	}
	if ((r->result == DMAPOOL_RES_OK) != (r->pool != DMAPOOL_POOL_NONE)) {
		snprintf(err, len, ".pool: %s for result \"%s\"",
			 r->pool == DMAPOOL_POOL_NONE ? "null" : "a pool",
			 dmapool_res_names[r->result]);
		return -EINVAL;
	}
	if (r->pool != DMAPOOL_POOL_NONE && !m->pools[r->pool].present) {
		snprintf(err, len, ".pool: \"%s\" was not present at start",
			 dmapool_pool_names[r->pool]);
		return -EINVAL;
	}
	if (!name_ok(r->dev)) {
		snprintf(err, len, ".dev: empty, not printable ASCII or not under %d bytes",
			 CAP_NAME_MAX);
		return -EINVAL;
	}
	if (r->has_driver && !name_ok(r->driver)) {
		snprintf(err, len, ".driver: empty, not printable ASCII or not under %d bytes",
			 CAP_NAME_MAX);
		return -EINVAL;
	}
	if ((unsigned int)r->ctx >= DMAPOOL_NR_CTX) {
		snprintf(err, len, ".ctx: %u is no context", (unsigned int)r->ctx);
		return -EINVAL;
	}
	if (r->freed && r->result != DMAPOOL_RES_OK) {
		snprintf(err, len, ".life_ns: not null for a failed allocation");
		return -EINVAL;
	}
	if (r->freed && r->life_ns > m->duration_ns - r->t_ns) {
		snprintf(err, len, ".life_ns: %llu ends past the capture (t_ns %llu, duration_ns %llu)",
			 (unsigned long long)r->life_ns, (unsigned long long)r->t_ns,
			 (unsigned long long)m->duration_ns);
		return -EINVAL;
	}
	if (r->freed != (r->free_ctx != CAP_NO_CTX)) {
		snprintf(err, len, ".free_ctx: %s while life_ns is %s",
			 r->freed ? "null" : "not null", r->freed ? "not" : "null");
		return -EINVAL;
	}
	if (r->freed && (r->free_ctx < 0 || r->free_ctx >= DMAPOOL_NR_CTX)) {
		snprintf(err, len, ".free_ctx: %d is no context", r->free_ctx);
		return -EINVAL;
	}
	return 0;
}

int capfile_check(const struct capfile *cf, char *err, size_t len)
{
	char sub[CAP_ERR_LEN];
	uint64_t prev = 0;
	size_t i;

	if (meta_check(&cf->meta, sub, sizeof(sub))) {
		snprintf(err, len, "meta: %s", sub);
		return -EINVAL;
	}
	for (i = 0; i < cf->nr; i++) {
		if (rec_check(&cf->meta, &cf->recs[i], prev, sub, sizeof(sub))) {
			snprintf(err, len, "record %zu: %s", i + 1, sub);
			return -EINVAL;
		}
		prev = cf->recs[i].t_ns;
	}
	return 0;
}

/* --- the writer ---------------------------------------------------------- */

/*
 * A JSON string: printable ASCII as is, the rest escaped (the meta strings
 * may hold anything; the names were checked to be printable ASCII).
 */
static void put_str(FILE *f, const char *s)
{
	const unsigned char *p;

	fputc('"', f);
	for (p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20 || *p >= 0x7f)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

static void put_str_or_null(FILE *f, bool has, const char *s)
{
	if (has)
		put_str(f, s);
	else
		fputs("null", f);
}

static void put_header(FILE *f, const struct cap_meta *m)
{
	size_t i;

	fputs("{\"schema\":\"" CAPFILE_SCHEMA "\",\"meta\":{\"version\":", f);
	put_str(f, m->version);
	fputs(",\"time\":", f);
	put_str(f, m->time);
	fputs(",\"kernel\":", f);
	put_str(f, m->kernel);
	fputs(",\"arch\":", f);
	put_str(f, m->arch);
	fprintf(f, ",\"duration_ns\":%llu,\"atomic_pool_size\":",
		(unsigned long long)m->duration_ns);
	if (m->has_atomic_pool_size)
		fprintf(f, "%llu", (unsigned long long)m->atomic_pool_size);
	else
		fputs("null", f);
	fputs(",\"coherent_pool_param\":", f);
	put_str_or_null(f, m->has_coherent_pool_param, m->coherent_pool_param);
	fputs(",\"pools_at_start\":{", f);
	for (i = 0; i < DMAPOOL_NR_POOLS; i++)
		fprintf(f, "%s\"%s\":{\"present\":%d,\"size\":%llu}", i ? "," : "",
			dmapool_pool_names[i], m->pools[i].present,
			(unsigned long long)m->pools[i].size);
	fprintf(f, "},\"dropped\":%llu}}\n", (unsigned long long)m->dropped);
}

static void put_rec(FILE *f, const struct cap_rec *r)
{
	fprintf(f, "{\"t_ns\":%llu,\"size\":%llu,\"zone\":\"%s\",\"pool\":",
		(unsigned long long)r->t_ns, (unsigned long long)r->size,
		dmapool_zone_names[r->zone]);
	if (r->pool == DMAPOOL_POOL_NONE)
		fputs("null", f);
	else
		fprintf(f, "\"%s\"", dmapool_pool_names[r->pool]);
	fprintf(f, ",\"result\":\"%s\",\"gfp\":\"0x%x\",\"dev\":",
		dmapool_res_names[r->result], r->gfp);
	put_str(f, r->dev);
	fputs(",\"driver\":", f);
	put_str_or_null(f, r->has_driver, r->driver);
	fprintf(f, ",\"mask\":\"0x%llx\",\"ctx\":\"%s\",\"life_ns\":",
		(unsigned long long)r->mask, dmapool_ctx_names[r->ctx]);
	if (r->freed)
		fprintf(f, "%llu,\"free_ctx\":\"%s\"}\n", (unsigned long long)r->life_ns,
			dmapool_ctx_names[r->free_ctx]);
	else
		fputs("null,\"free_ctx\":null}\n", f);
}

int capfile_write(const char *path, const struct capfile *cf)
{
	char err[CAP_ERR_LEN], dir[PATH_MAX];
	const char *slash, *name;
	struct afile a;
	char *buf = NULL;
	size_t len = 0, i;
	FILE *mem;
	bool ok;

	if (capfile_check(cf, err, sizeof(err))) {
		p_err("cannot write %s: %s", path, err);
		return -EINVAL;
	}
	mem = open_memstream(&buf, &len);
	if (!mem) {
		p_err("cannot write %s: %s", path, strerror(errno));
		return -ENOMEM;
	}
	put_header(mem, &cf->meta);
	for (i = 0; i < cf->nr; i++)
		put_rec(mem, &cf->recs[i]);
	if (fclose(mem) || !buf) {
		free(buf);
		p_err("cannot write %s: out of memory", path);
		return -ENOMEM;
	}
	slash = strrchr(path, '/');
	name = slash ? slash + 1 : path;
	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - path) : 1,
		 slash ? (slash == path ? "/" : path) : ".");
	if (afile_open(&a, dir, name)) {
		free(buf);
		return -EIO;
	}
	ok = fwrite(buf, 1, len, a.f) == len;
	ok &= fprintf(a.f, "{\"end\":{\"records\":%zu,\"crc32\":\"0x%08lx\"}}\n", cf->nr,
		      crc32(crc32(0L, Z_NULL, 0), (const Bytef *)buf, (uInt)len)) > 0;
	free(buf);
	return afile_close(&a, ok) ? -EIO : 0;
}

/* --- the reader ---------------------------------------------------------- */

struct rd {
	const char *name;		/* the file, for messages */
	size_t line;
	char *err;
	size_t errlen;
};

__printf(3, 4) static int bad(struct rd *rd, const char *path, const char *fmt, ...)
{
	char what[CAP_ERR_LEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (path)
		snprintf(rd->err, rd->errlen, "%s:%zu: %s: %s", rd->name, rd->line, path, what);
	else
		snprintf(rd->err, rd->errlen, "%s:%zu: %s", rd->name, rd->line, what);
	return -EINVAL;
}

/*
 * The members of @o must be exactly @keys (NULL-terminated): a missing one
 * or another one is an error at @path ("." for the line's object).
 */
static int keys_exact(struct rd *rd, struct json_object *o, const char *path,
		      const char *const *keys)
{
	size_t n = 0;

	for (; keys[n]; n++)
		if (!json_object_object_get_ex(o, keys[n], NULL))
			return bad(rd, path, "no \"%s\"", keys[n]);
	json_object_object_foreach(o, k, v) {
		size_t i;

		(void)v;
		for (i = 0; i < n && strcmp(k, keys[i]); i++)
			;
		if (i == n)
			return bad(rd, path, "unknown member \"%s\"", k);
	}
	return 0;
}

static int get_u64(struct rd *rd, struct json_object *o, const char *key,
		   const char *path, uint64_t *out)
{
	struct json_object *v = json_object_object_get(o, key);

	if (!json_object_is_type(v, json_type_int))
		return bad(rd, path, "expected an integer");
	if (json_object_get_int64(v) < 0)
		return bad(rd, path, "%lld is negative", (long long)json_object_get_int64(v));
	errno = 0;
	*out = json_object_get_uint64(v);
	if (errno)
		return bad(rd, path, "out of range");
	return 0;
}

/* An integer or null (*has false). */
static int get_u64_null(struct rd *rd, struct json_object *o, const char *key,
			const char *path, bool *has, uint64_t *out)
{
	*has = json_object_object_get(o, key) != NULL;
	*out = 0;
	return *has ? get_u64(rd, o, key, path, out) : 0;
}

/* A string that fits @size bytes with its NUL, or null when @has. */
static int get_str(struct rd *rd, struct json_object *o, const char *key,
		   const char *path, char *out, size_t size, bool *has)
{
	struct json_object *v = json_object_object_get(o, key);
	const char *s;
	int n;

	out[0] = '\0';
	if (has) {
		*has = v != NULL;
		if (!v)
			return 0;
	}
	if (!json_object_is_type(v, json_type_string))
		return bad(rd, path, has ? "expected a string or null" : "expected a string");
	s = json_object_get_string(v);
	n = json_object_get_string_len(v);
	if ((size_t)n != strlen(s))
		return bad(rd, path, "contains a NUL character");
	if ((size_t)n >= size)
		return bad(rd, path, "longer than %zu bytes", size - 1);
	memcpy(out, s, (size_t)n + 1);
	return 0;
}

/* One of the names of @list, or null (*val -1) when @nullable. */
static int get_name(struct rd *rd, struct json_object *o, const char *key,
		    const char *path, enum dmapool_names list, bool nullable, int *val)
{
	struct json_object *v = json_object_object_get(o, key);
	const char *s;

	*val = -1;
	if (!v && nullable)
		return 0;
	if (!json_object_is_type(v, json_type_string))
		return bad(rd, path, nullable ? "expected a name or null" : "expected a name");
	s = json_object_get_string(v);
	*val = dmapool_name_index(list, s, (size_t)json_object_get_string_len(v));
	if (*val < 0)
		return bad(rd, path, "unknown name \"%s\"", s);
	return 0;
}

/* "0x" and 1 to 16 lowercase hex digits, at most @max. */
static int get_hex(struct rd *rd, struct json_object *o, const char *key,
		   const char *path, uint64_t max, uint64_t *out)
{
	struct json_object *v = json_object_object_get(o, key);
	const char *s, *p;

	if (!json_object_is_type(v, json_type_string))
		return bad(rd, path, "expected a hex string");
	s = json_object_get_string(v);
	if (strncmp(s, "0x", 2) || !s[2] || strlen(s + 2) > 16)
		return bad(rd, path, "'%s' is not 0x and 1 to 16 hex digits", s);
	for (p = s + 2; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return bad(rd, path, "'%s' is not 0x and lowercase hex digits", s);
	*out = strtoull(s + 2, NULL, 16);
	if (*out > max)
		return bad(rd, path, "%s is more than 0x%llx", s, (unsigned long long)max);
	return 0;
}

static struct json_object *parse_line(struct rd *rd, const char *s, size_t n)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *o = NULL;
	enum json_tokener_error jerr;

	if (!tok) {
		snprintf(rd->err, rd->errlen, "%s:%zu: out of memory", rd->name, rd->line);
		return NULL;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	o = json_tokener_parse_ex(tok, s, (int)n);
	jerr = json_tokener_get_error(tok);
	if (jerr == json_tokener_success && json_tokener_get_parse_end(tok) != n)
		bad(rd, NULL, "not JSON: more after the value, at byte %zu",
		    json_tokener_get_parse_end(tok) + 1);
	else if (jerr == json_tokener_continue)
		bad(rd, NULL, "not JSON: the line ends inside a value");
	else if (jerr != json_tokener_success)
		bad(rd, NULL, "not JSON: %s at byte %zu", json_tokener_error_desc(jerr),
		    json_tokener_get_parse_end(tok) + 1);
	else if (!json_object_is_type(o, json_type_object))
		bad(rd, NULL, "expected an object");
	else
		goto out;
	json_object_put(o);
	o = NULL;
out:
	json_tokener_free(tok);
	return o;
}

static int read_pools(struct rd *rd, struct json_object *ps, struct cap_meta *m)
{
	static const char *const keys[] = { "present", "size", NULL };
	static const char *const pool_keys[] = { "dma", "dma32", "kernel", NULL };
	char path[96];
	uint64_t present;
	size_t i;
	int err;

	if (!json_object_is_type(ps, json_type_object))
		return bad(rd, ".meta.pools_at_start", "expected an object");
	err = keys_exact(rd, ps, ".meta.pools_at_start", pool_keys);
	for (i = 0; !err && i < DMAPOOL_NR_POOLS; i++) {
		struct json_object *p = json_object_object_get(ps, dmapool_pool_names[i]);

		snprintf(path, sizeof(path), ".meta.pools_at_start.%s", dmapool_pool_names[i]);
		if (!json_object_is_type(p, json_type_object))
			return bad(rd, path, "expected an object");
		err = keys_exact(rd, p, path, keys);
		if (err)
			break;
		snprintf(path, sizeof(path), ".meta.pools_at_start.%s.present",
			 dmapool_pool_names[i]);
		err = get_u64(rd, p, "present", path, &present);
		if (!err && present > 1)
			err = bad(rd, path, "%llu is not 0 or 1", (unsigned long long)present);
		m->pools[i].present = present;
		snprintf(path, sizeof(path), ".meta.pools_at_start.%s.size",
			 dmapool_pool_names[i]);
		if (!err)
			err = get_u64(rd, p, "size", path, &m->pools[i].size);
	}
	return err;
}

static int read_header(struct rd *rd, struct json_object *o, struct cap_meta *m)
{
	static const char *const top[] = { "schema", "meta", NULL };
	static const char *const keys[] = {
		"version", "time", "kernel", "arch", "duration_ns", "atomic_pool_size",
		"coherent_pool_param", "pools_at_start", "dropped", NULL
	};
	struct json_object *meta, *schema;
	char sub[CAP_ERR_LEN];
	int err;

	/* Another kind of file: say that first. */
	schema = json_object_object_get(o, "schema");
	if (!json_object_is_type(schema, json_type_string) ||
	    strcmp(json_object_get_string(schema), CAPFILE_SCHEMA))
		return bad(rd, ".schema", "not a %s file", CAPFILE_SCHEMA);
	err = keys_exact(rd, o, ".", top);
	meta = json_object_object_get(o, "meta");
	if (!err && !json_object_is_type(meta, json_type_object))
		err = bad(rd, ".meta", "expected an object");
	if (!err)
		err = keys_exact(rd, meta, ".meta", keys);
	if (err)
		return err;
	err = get_str(rd, meta, "version", ".meta.version", m->version, sizeof(m->version), NULL) ?:
	      get_str(rd, meta, "time", ".meta.time", m->time, sizeof(m->time), NULL) ?:
	      get_str(rd, meta, "kernel", ".meta.kernel", m->kernel, sizeof(m->kernel), NULL) ?:
	      get_str(rd, meta, "arch", ".meta.arch", m->arch, sizeof(m->arch), NULL) ?:
	      get_u64(rd, meta, "duration_ns", ".meta.duration_ns", &m->duration_ns) ?:
	      get_u64_null(rd, meta, "atomic_pool_size", ".meta.atomic_pool_size",
			   &m->has_atomic_pool_size, &m->atomic_pool_size) ?:
	      get_str(rd, meta, "coherent_pool_param", ".meta.coherent_pool_param",
		      m->coherent_pool_param, sizeof(m->coherent_pool_param),
		      &m->has_coherent_pool_param) ?:
	      read_pools(rd, json_object_object_get(meta, "pools_at_start"), m) ?:
	      get_u64(rd, meta, "dropped", ".meta.dropped", &m->dropped);
	if (err)
		return err;
	/* meta_check() says ".meta.KEY: what". */
	if (meta_check(m, sub, sizeof(sub))) {
		snprintf(rd->err, rd->errlen, "%s:%zu: %s", rd->name, rd->line, sub);
		return -EINVAL;
	}
	return 0;
}

static int read_rec(struct rd *rd, struct json_object *o, const struct cap_meta *m,
		    uint64_t prev_t, struct cap_rec *r)
{
	static const char *const keys[] = {
		"t_ns", "size", "zone", "pool", "result", "gfp", "dev", "driver",
		"mask", "ctx", "life_ns", "free_ctx", NULL
	};
	char sub[CAP_ERR_LEN];
	int zone = 0, pool = 0, res = 0, ctx = 0;
	uint64_t gfp = 0;
	int err;

	memset(r, 0, sizeof(*r));
	err = keys_exact(rd, o, ".", keys) ?:
	      get_u64(rd, o, "t_ns", ".t_ns", &r->t_ns) ?:
	      get_u64(rd, o, "size", ".size", &r->size) ?:
	      get_name(rd, o, "zone", ".zone", DMAPOOL_NAMES_ZONE, false, &zone) ?:
	      get_name(rd, o, "pool", ".pool", DMAPOOL_NAMES_POOL, true, &pool) ?:
	      get_name(rd, o, "result", ".result", DMAPOOL_NAMES_RES, false, &res) ?:
	      get_hex(rd, o, "gfp", ".gfp", UINT32_MAX, &gfp) ?:
	      get_str(rd, o, "dev", ".dev", r->dev, sizeof(r->dev), NULL) ?:
	      get_str(rd, o, "driver", ".driver", r->driver, sizeof(r->driver),
		      &r->has_driver) ?:
	      get_hex(rd, o, "mask", ".mask", UINT64_MAX, &r->mask) ?:
	      get_name(rd, o, "ctx", ".ctx", DMAPOOL_NAMES_CTX, false, &ctx) ?:
	      get_u64_null(rd, o, "life_ns", ".life_ns", &r->freed, &r->life_ns) ?:
	      get_name(rd, o, "free_ctx", ".free_ctx", DMAPOOL_NAMES_CTX, true, &r->free_ctx);
	if (err)
		return err;
	r->zone = zone;
	r->pool = pool < 0 ? DMAPOOL_POOL_NONE : (enum dmapool_pool)pool;
	r->result = res;
	r->gfp = (uint32_t)gfp;
	r->ctx = ctx;
	if (r->free_ctx < 0)
		r->free_ctx = CAP_NO_CTX;
	if (rec_check(m, r, prev_t, sub, sizeof(sub))) {
		snprintf(rd->err, rd->errlen, "%s:%zu: %s", rd->name, rd->line, sub);
		return -EINVAL;
	}
	return 0;
}

static int read_trailer(struct rd *rd, struct json_object *o, size_t nr,
			unsigned long crc)
{
	static const char *const top[] = { "end", NULL };
	static const char *const keys[] = { "records", "crc32", NULL };
	struct json_object *end = json_object_object_get(o, "end");
	uint64_t records, want;
	int err;

	err = keys_exact(rd, o, ".", top);
	if (!err && !json_object_is_type(end, json_type_object))
		err = bad(rd, ".end", "expected an object");
	err = err ?: keys_exact(rd, end, ".end", keys) ?:
	      get_u64(rd, end, "records", ".end.records", &records) ?:
	      get_hex(rd, end, "crc32", ".end.crc32", UINT32_MAX, &want);
	if (err)
		return err;
	if (strlen(json_object_get_string(json_object_object_get(end, "crc32"))) != 10)
		return bad(rd, ".end.crc32", "expected 0x and 8 hex digits");
	if (records != nr)
		return bad(rd, ".end.records", "%llu, but the file has %zu records",
			   (unsigned long long)records, nr);
	if (want != crc)
		return bad(rd, ".end.crc32", "0x%08llx, but the bytes before it give 0x%08lx",
			   (unsigned long long)want, crc);
	return 0;
}

int capfile_parse(const char *buf, size_t len, const char *name,
		  struct capfile *cf, char *err, size_t errlen)
{
	struct rd rd = { .name = name, .err = err, .errlen = errlen };
	size_t cap = 0, off = 0, n;
	bool have_end = false;
	struct json_object *o;
	unsigned long crc = crc32(0L, Z_NULL, 0);
	const char *nl;
	int ret = 0;

	memset(cf, 0, sizeof(*cf));
	while (!ret && off < len) {
		rd.line++;
		nl = memchr(buf + off, '\n', len - off);
		if (!nl) {
			ret = bad(&rd, NULL, "the line has no newline (truncated?)");
			break;
		}
		n = (size_t)(nl - (buf + off));
		if (have_end) {
			ret = bad(&rd, NULL, "a line after the trailer");
			break;
		}
		if (!n || n > CAP_MAX_LINE) {
			ret = bad(&rd, NULL, n ? "longer than %u bytes" : "an empty line",
				  CAP_MAX_LINE);
			break;
		}
		o = parse_line(&rd, buf + off, n);
		if (!o) {
			ret = -EINVAL;
			break;
		}
		if (rd.line == 1) {
			ret = read_header(&rd, o, &cf->meta);
		} else if (json_object_object_get_ex(o, "end", NULL)) {
			ret = read_trailer(&rd, o, cf->nr, crc);
			have_end = true;
		} else {
			if (cf->nr == cap) {
				struct cap_rec *nr;

				cap = cap ? 2 * cap : 256;
				nr = realloc(cf->recs, cap * sizeof(*nr));
				if (!nr) {
					snprintf(err, errlen, "%s:%zu: out of memory", name, rd.line);
					ret = -ENOMEM;
				}
				cf->recs = nr ? nr : cf->recs;
			}
			if (!ret)
				ret = read_rec(&rd, o, &cf->meta,
					       cf->nr ? cf->recs[cf->nr - 1].t_ns : 0,
					       &cf->recs[cf->nr]);
			if (!ret)
				cf->nr++;
		}
		json_object_put(o);
		crc = crc32(crc, (const Bytef *)buf + off, (uInt)(n + 1));
		off += n + 1;
	}
	if (!ret && !rd.line)
		ret = bad(&rd, NULL, "the file is empty");
	else if (!ret && !have_end)
		ret = bad(&rd, NULL, "no trailer line {\"end\":...} after this one (truncated?)");
	if (ret)
		capfile_free(cf);
	return ret;
}

int capfile_load(const char *path, struct capfile *cf, char *err, size_t errlen)
{
	size_t n = 0, cap = 0, got;
	char *buf = NULL, *nb;
	int ret = -EIO;
	FILE *f;

	memset(cf, 0, sizeof(*cf));
	f = fopen(path, "re");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -errno;
	}
	for (;;) {
		if (n == cap) {
			cap = cap ? 2 * cap : 65536;
			nb = cap > INT_MAX ? NULL : realloc(buf, cap);
			if (!nb) {
				snprintf(err, errlen, "%s: too large to read", path);
				goto out;
			}
			buf = nb;
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (!got)
			break;
	}
	if (ferror(f))
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
	else
		ret = capfile_parse(buf, n, path, cf, err, errlen);
out:
	free(buf);
	fclose(f);
	return ret;
}

void capfile_free(struct capfile *cf)
{
	free(cf->recs);
	memset(cf, 0, sizeof(*cf));
}
