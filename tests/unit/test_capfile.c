// SPDX-License-Identifier: GPL-2.0
/*
 * The capture file (tools/dmapool-bench/capfile.c): a written file reads
 * back equal, field for field; each corruption of a field, of the order, of
 * the counts or of the checksum is refused with its line and JSON path; the
 * writer refuses what the reader would.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "tap.h"
#include "main.h"
#include "capfile.h"

bool json_output;
int verbose;
static char last_err[1024];

void p_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_err, sizeof(last_err), fmt, ap);
	va_end(ap);
}

void p_info(const char *fmt, ...)
{
	(void)fmt;
}

static void sample(struct capfile *cf, struct cap_rec *recs)
{
	memset(cf, 0, sizeof(*cf));
	memset(recs, 0, 4 * sizeof(*recs));
	snprintf(cf->meta.version, sizeof(cf->meta.version), "v1.0-3-gabcdef");
	snprintf(cf->meta.time, sizeof(cf->meta.time), "2026-11-30T13:40:00Z");
	snprintf(cf->meta.kernel, sizeof(cf->meta.kernel), "6.12.117+deb12-amd64");
	snprintf(cf->meta.arch, sizeof(cf->meta.arch), "x86_64");
	cf->meta.duration_ns = 5000000000ull;
	cf->meta.has_atomic_pool_size = true;
	cf->meta.atomic_pool_size = 262144;
	cf->meta.has_coherent_pool_param = true;
	snprintf(cf->meta.coherent_pool_param, sizeof(cf->meta.coherent_pool_param), "256K");
	cf->meta.pools[DMAPOOL_POOL_DMA] = (struct cap_pool_start){ true, 131072 };
	cf->meta.pools[DMAPOOL_POOL_DMA32] = (struct cap_pool_start){ true, 131072 };
	cf->meta.pools[DMAPOOL_POOL_KERNEL] = (struct cap_pool_start){ true, 262144 };
	cf->meta.dropped = 2;

	/* served by kernel, freed from softirq */
	recs[0] = (struct cap_rec){ .t_ns = 1000, .size = 8192, .zone = DMAPOOL_ZONE_KERNEL,
		.pool = DMAPOOL_POOL_KERNEL, .result = DMAPOOL_RES_OK, .gfp = 0x820,
		.has_driver = true, .mask = ~0ull, .ctx = DMAPOOL_CTX_ATOMIC,
		.freed = true, .life_ns = 3000, .free_ctx = DMAPOOL_CTX_SOFTIRQ };
	snprintf(recs[0].dev, sizeof(recs[0].dev), "dmapool-real-a");
	snprintf(recs[0].driver, sizeof(recs[0].driver), "dmapool_bench");
	/* dma32, still held, an unbound device with a name to escape */
	recs[1] = (struct cap_rec){ .t_ns = 1000, .size = 4096, .zone = DMAPOOL_ZONE_DMA32,
		.pool = DMAPOOL_POOL_DMA32, .result = DMAPOOL_RES_OK, .gfp = 0xa24,
		.mask = 0xffffffff, .ctx = DMAPOOL_CTX_HARDIRQ, .free_ctx = CAP_NO_CTX };
	snprintf(recs[1].dev, sizeof(recs[1].dev), "odd \"dev\"\\ {x}");
	/* failed */
	recs[2] = (struct cap_rec){ .t_ns = 2000, .size = 65536, .zone = DMAPOOL_ZONE_DMA,
		.pool = DMAPOOL_POOL_NONE, .result = DMAPOOL_RES_ADDR, .gfp = 0xa21,
		.has_driver = true, .mask = 0xffff, .ctx = DMAPOOL_CTX_PROCESS,
		.free_ctx = CAP_NO_CTX };
	snprintf(recs[2].dev, sizeof(recs[2].dev), "dmapool-real-b");
	snprintf(recs[2].driver, sizeof(recs[2].driver), "dmapool_bench");
	/* freed at the very end */
	recs[3] = (struct cap_rec){ .t_ns = 4000000000ull, .size = 1, .zone = DMAPOOL_ZONE_KERNEL,
		.pool = DMAPOOL_POOL_KERNEL, .result = DMAPOOL_RES_OK, .gfp = 0,
		.mask = 0, .ctx = DMAPOOL_CTX_PROCESS, .freed = true,
		.life_ns = 1000000000ull, .free_ctx = DMAPOOL_CTX_PROCESS };
	snprintf(recs[3].dev, sizeof(recs[3].dev), "x");
	cf->recs = recs;
	cf->nr = 4;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t cap = 0;
	FILE *mem;
	int c;

	if (!f)
		return NULL;
	mem = open_memstream(&buf, &cap);
	while ((c = fgetc(f)) != EOF)
		fputc(c, mem);
	fclose(mem);
	fclose(f);
	*len = cap;
	return buf;
}

/* @text with its trailer's crc32 made right again (the last line). */
static void fix_crc(char *text)
{
	size_t len = strlen(text);
	char *last, *hex, tmp[9];

	text[len - 1] = '\0';
	last = strrchr(text, '\n') + 1;
	text[len - 1] = '\n';
	hex = strstr(last, "\"crc32\":\"0x") + 11;

	snprintf(tmp, sizeof(tmp), "%08lx",
		 crc32(crc32(0L, Z_NULL, 0), (const Bytef *)text, (uInt)(last - text)));
	memcpy(hex, tmp, 8);
}

/* @text with the first @from on line @line replaced by @to; NULL if absent. */
static char *edit(const char *text, int line, const char *from, const char *to)
{
	const char *p = text, *hit, *eol;
	size_t n;
	char *out;
	int l;

	for (l = 1; l < line && p; l++) {
		p = strchr(p, '\n');
		p = p ? p + 1 : NULL;
	}
	if (!p)
		return NULL;
	eol = strchr(p, '\n');
	hit = strstr(p, from);
	if (!hit || (eol && hit > eol))
		return NULL;
	n = strlen(text) - strlen(from) + strlen(to) + 1;
	out = malloc(n);
	snprintf(out, n, "%.*s%s%s", (int)(hit - text), text, to, hit + strlen(from));
	return out;
}

struct corruption {
	int line;
	const char *from, *to;
	const char *want;	/* the start of the message, after "NAME:" */
	bool keep_crc;		/* don't fix the checksum */
};

static const struct corruption corruptions[] = {
	{ 1, "dmapool-capture/1", "dmapool-capture/2", "1: .schema: not a dmapool-capture/1", false },
	{ 1, "\"version\":\"v1.0-3-gabcdef\"", "\"version\":\"\"", "1: .meta.version: empty", false },
	{ 1, "\"version\":\"v1.0-3-gabcdef\",", "", "1: .meta: no \"version\"", false },
	{ 1, "\"dropped\":2", "\"dropped\":2,\"extra\":1", "1: .meta: unknown member \"extra\"", false },
	{ 1, "\"dropped\":2", "\"dropped\":-2", "1: .meta.dropped: -2 is negative", false },
	{ 1, "\"dropped\":2", "\"dropped\":2.0", "1: .meta.dropped: expected an integer", false },
	{ 1, "13:40:00Z", "13:40:00", "1: .meta.time: ", false },
	{ 1, "\"kernel\":\"6.12.117+deb12-amd64\"", "\"kernel\":[\"6\"]", "1: .meta.kernel: expected a string", false },
	{ 1, "\"atomic_pool_size\":262144", "\"atomic_pool_size\":0", "1: .meta.atomic_pool_size: 0 is not", false },
	{ 1, "\"atomic_pool_size\":262144", "\"atomic_pool_size\":\"256K\"", "1: .meta.atomic_pool_size: expected an integer", false },
	{ 1, "\"coherent_pool_param\":\"256K\"", "\"coherent_pool_param\":7", "1: .meta.coherent_pool_param: expected a string or null", false },
	{ 1, "\"dma\":{\"present\":1", "\"dma\":{\"present\":2", "1: .meta.pools_at_start.dma.present: 2 is not 0 or 1", false },
	{ 1, "\"dma32\":{\"present\":1,\"size\":131072}", "\"dma32\":{\"present\":1,\"size\":100}", "1: .meta.pools_at_start.dma32.size: 100 for a pool present", false },
	{ 1, "\"dma32\":{\"present\":1,\"size\":131072}", "\"dma32\":{\"present\":0,\"size\":131072}", "1: .meta.pools_at_start.dma32.size: 131072 for a pool not present", false },
	{ 1, "\"kernel\":{\"present\":1,\"size\":262144}", "\"kernel\":{\"present\":1}", "1: .meta.pools_at_start.kernel: no \"size\"", false },
	{ 1, "\"dma\":{", "\"dmax\":{", "1: .meta.pools_at_start: no \"dma\"", false },
	{ 2, "\"size\":8192", "\"size\":0", "2: .size: 0 is not in 1..1073741824", false },
	{ 2, "\"size\":8192", "\"size\":\"8192\"", "2: .size: expected an integer", false },
	{ 2, "\"size\":8192", "\"size\":8192,\"size2\":1", "2: .: unknown member \"size2\"", false },
	{ 2, "\"t_ns\":1000,", "", "2: .: no \"t_ns\"", false },
	{ 2, "\"zone\":\"kernel\"", "\"zone\":\"normal\"", "2: .zone: unknown name \"normal\"", false },
	{ 2, "\"zone\":\"kernel\"", "\"zone\":\"dma32\"", "2: .zone: \"dma32\" disagrees with gfp 0x820", false },
	{ 2, "\"pool\":\"kernel\"", "\"pool\":\"kernel2\"", "2: .pool: unknown name", false },
	{ 2, "\"pool\":\"kernel\"", "\"pool\":null", "2: .pool: null for result \"ok\"", false },
	{ 2, "\"result\":\"ok\"", "\"result\":\"OK\"", "2: .result: unknown name \"OK\"", false },
	{ 2, "\"gfp\":\"0x820\"", "\"gfp\":\"0X820\"", "2: .gfp: '0X820' is not", false },
	{ 2, "\"gfp\":\"0x820\"", "\"gfp\":\"0x820A\"", "2: .gfp: '0x820A' is not 0x and lowercase", false },
	{ 2, "\"gfp\":\"0x820\"", "\"gfp\":\"0x100000000\"", "2: .gfp: 0x100000000 is more than 0xffffffff", false },
	{ 2, "\"gfp\":\"0x820\"", "\"gfp\":\"0x825\"", "2: .gfp: 0x825 asks for both", false },
	{ 2, "\"dev\":\"dmapool-real-a\"", "\"dev\":\"\"", "2: .dev: empty", false },
	{ 2, "\"dev\":\"dmapool-real-a\"", "\"dev\":null", "2: .dev: expected a string", false },
	{ 2, "\"dev\":\"dmapool-real-a\"",
	  "\"dev\":\"0123456789012345678901234567890123456789012345678901234567890123\"",
	  "2: .dev: longer than 63 bytes", false },
	{ 2, "\"driver\":\"dmapool_bench\"", "\"driver\":\"\"", "2: .driver: empty", false },
	{ 2, "\"driver\":\"dmapool_bench\"", "\"driver\":\"dmapool\\u00e9\"", "2: .driver: empty, not printable ASCII", false },
	{ 2, "\"dev\":\"dmapool-real-a\"", "\"dev\":\"a\\u0001\"", "2: .dev: empty, not printable ASCII", false },
	{ 2, "\"dev\":\"dmapool-real-a\"", "\"dev\":\"a\\u0000b\"", "2: .dev: contains a NUL", false },
	{ 2, "\"mask\":\"0xffffffffffffffff\"", "\"mask\":\"0x1ffffffffffffffff\"", "2: .mask: '0x1ffffffffffffffff' is not 0x and 1 to 16", false },
	{ 2, "\"mask\":\"0xffffffffffffffff\"", "\"mask\":\"0x\"", "2: .mask: '0x' is not", false },
	{ 2, "\"ctx\":\"atomic\"", "\"ctx\":\"irq\"", "2: .ctx: unknown name \"irq\"", false },
	{ 2, "\"life_ns\":3000", "\"life_ns\":null", "2: .free_ctx: not null while life_ns is null", false },
	{ 2, "\"free_ctx\":\"softirq\"", "\"free_ctx\":null", "2: .free_ctx: null while life_ns is not", false },
	{ 2, "\"free_ctx\":\"softirq\"", "\"free_ctx\":\"later\"", "2: .free_ctx: unknown name", false },
	{ 2, "\"life_ns\":3000", "\"life_ns\":4999999001", "2: .life_ns: 4999999001 ends past the capture", false },
	{ 3, "\"t_ns\":1000", "\"t_ns\":999", "3: .t_ns: 999 is before the previous record's 1000", false },
	{ 4, "\"life_ns\":null", "\"life_ns\":5", "4: .life_ns: not null for a failed allocation", false },
	{ 4, "\"pool\":null", "\"pool\":\"dma\"", "4: .pool: a pool for result \"addr_rejected\"", false },
	{ 4, "{\"t_ns\"", "[{\"t_ns\"", "4: not JSON", false },
	{ 4, "}\n", "} x\n", "4: not JSON", false },
	{ 4, "}\n", "}\n\n", "5: an empty line", false },
	{ 5, "\"t_ns\":4000000000", "\"t_ns\":5000000001", "5: .t_ns: 5000000001 is past the capture's end", false },
	{ 6, "\"records\":4", "\"records\":5", "6: .end.records: 5, but the file has 4 records", false },
	{ 6, "\"records\":4", "\"records\":4,\"more\":0", "6: .end: unknown member \"more\"", false },
	{ 6, "}}\n", "}}\n{\"end\":{}}\n", "7: a line after the trailer", false },
	{ 6, "}}\n", "}}", "6: the line has no newline (truncated?)", false },
	{ 2, "\"size\":8192", "\"size\":8193", "6: .end.crc32: 0x", true },
	{ 3, "\"t_ns\":1000", "\"t_ns\":1001", "6: .end.crc32: 0x", true },
};

/* The pool of a record that was not present at start. */
static void test_pool_absent(const char *text)
{
	char *t = edit(text, 1, "\"dma32\":{\"present\":1,\"size\":131072}",
		       "\"dma32\":{\"present\":0,\"size\":0}");
	char err[CAP_ERR_LEN];
	struct capfile cf;

	fix_crc(t);
	TAP_OK(capfile_parse(t, strlen(t), "c.jsonl", &cf, err, sizeof(err)) == -EINVAL &&
	       strstr(err, "c.jsonl:3: .pool: \"dma32\" was not present at start"),
	       "a record served by a pool absent at start is refused (%s)", err);
	free(t);
}

int main(void)
{
	char dir[] = "/tmp/test_capfile.XXXXXX", path[128], err[CAP_ERR_LEN];
	struct cap_rec recs[4];
	struct capfile cf, back;
	size_t i, len;
	char *text;
	int ret;

	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/capture.jsonl", dir);
	sample(&cf, recs);
	TAP_IS(capfile_check(&cf, err, sizeof(err)), 0, "the sample is valid");
	TAP_IS(capfile_write(path, &cf), 0, "capfile_write");
	ret = capfile_load(path, &back, err, sizeof(err));
	TAP_IS(ret, 0, "capfile_load of what was written (%s)", ret ? err : "ok");
	TAP_IS(back.nr, 4, "4 records back");
	TAP_OK(!memcmp(&back.meta, &cf.meta, sizeof(cf.meta)), "meta equal");
	for (i = 0; i < 4 && back.nr == 4; i++)
		TAP_OK(!memcmp(&back.recs[i], &recs[i], sizeof(recs[i])),
		       "record %zu equal, field for field", i + 1);
	capfile_free(&back);

	text = slurp(path, &len);
	TAP_OK(text && len == strlen(text), "read the file back as text");
	if (!text)
		return tap_done();
	TAP_OK(!strncmp(text, "{\"schema\":\"dmapool-capture/1\",\"meta\":{\"version\":", 48),
	       "the header line starts as documented");
	TAP_OK(strstr(text, "\"dev\":\"odd \\\"dev\\\"\\\\ {x}\""),
	       "names are escaped as JSON");
	{
		char *t = edit(text, 6, "\"crc32\":\"0x", "\"crc32\":\"0x");

		fix_crc(t);
		TAP_OK(!strcmp(t, text), "the trailer's crc32 is zlib's over the lines before it");
		free(t);
	}
	TAP_IS(capfile_parse(text, len, "c.jsonl", &back, err, sizeof(err)), 0,
	       "capfile_parse of the same bytes");
	capfile_free(&back);

	for (i = 0; i < ARRAY_SIZE(corruptions); i++) {
		const struct corruption *c = &corruptions[i];
		char want[256], *t = edit(text, c->line, c->from, c->to);

		if (!t) {
			TAP_OK(0, "corruption %zu: '%s' not on line %d", i, c->from, c->line);
			continue;
		}
		if (!c->keep_crc && strstr(t, "\"crc32\":\"0x") &&
		    strstr(t, "}}\n") == t + strlen(t) - 3)
			fix_crc(t);
		snprintf(want, sizeof(want), "c.jsonl:%s", c->want);
		ret = capfile_parse(t, strlen(t), "c.jsonl", &back, err, sizeof(err));
		TAP_OK(ret == -EINVAL && !strncmp(err, want, strlen(want)) &&
		       !back.recs && !back.nr,
		       "corruption %zu on line %d refused as %s (%s)", i, c->line, want,
		       ret ? err : "accepted");
		capfile_free(&back);
		free(t);
	}
	test_pool_absent(text);
	{
		/* Whitespace between members is JSON: accepted. */
		char *t = edit(text, 3, "\"pool\":\"dma32\"", "\"pool\" : \"dma32\" ");

		fix_crc(t);
		ret = capfile_parse(t, strlen(t), "c.jsonl", &back, err, sizeof(err));
		TAP_IS(ret, 0, "whitespace inside a line is accepted (%s)", ret ? err : "ok");
		capfile_free(&back);
		free(t);
	}

	TAP_OK(capfile_parse(text, 0, "c.jsonl", &back, err, sizeof(err)) == -EINVAL &&
	       strstr(err, "the file is empty"), "an empty file is refused: %s", err);
	{
		/* Cut after the records: no trailer. */
		const char *tr = strstr(text, "{\"end\"");

		TAP_OK(capfile_parse(text, (size_t)(tr - text), "c.jsonl", &back, err,
				     sizeof(err)) == -EINVAL && strstr(err, "c.jsonl:5: no trailer"),
		       "a file without its trailer is refused: %s", err);
	}
	free(text);

	/* No records at all is a valid capture. */
	cf.nr = 0;
	TAP_IS(capfile_write(path, &cf), 0, "capfile_write with no records");
	TAP_IS(capfile_load(path, &back, err, sizeof(err)), 0, "... reads back");
	TAP_IS(back.nr, 0, "... with 0 records");
	capfile_free(&back);

	/* The writer refuses what the reader would, and leaves the old file. */
	cf.nr = 4;
	recs[2].t_ns = 999;
	TAP_IS(capfile_write(path, &cf), -EINVAL, "capfile_write refuses records out of order");
	TAP_OK(strstr(last_err, "record 3: .t_ns: 999 is before") != NULL, "... saying so: %s",
	       last_err);
	recs[2].t_ns = 2000;
	recs[0].zone = DMAPOOL_ZONE_DMA;
	TAP_IS(capfile_write(path, &cf), -EINVAL, "capfile_write refuses a zone against its gfp");
	recs[0].zone = DMAPOOL_ZONE_KERNEL;
	cf.meta.time[4] = '/';
	TAP_IS(capfile_write(path, &cf), -EINVAL, "capfile_write refuses a bad meta.time");
	TAP_OK(strstr(last_err, "meta: .meta.time") != NULL, "... saying so: %s", last_err);
	TAP_IS(capfile_load(path, &back, err, sizeof(err)), 0, "the last good file is intact");
	TAP_IS(back.nr, 0, "... the one with 0 records");
	capfile_free(&back);

	snprintf(path, sizeof(path), "%s/missing.jsonl", dir);
	TAP_OK(capfile_load(path, &back, err, sizeof(err)) < 0 && strstr(err, "missing.jsonl: "),
	       "a missing file: %s", err);
	snprintf(path, sizeof(path), "%s/capture.jsonl", dir);
	unlink(path);
	rmdir(dir);

	{
		char name[] = "ab\x01\xe9\x7f~";

		cap_name_clean(name);
		TAP_OK(!strcmp(name, "ab???~"), "cap_name_clean: %s", name);
	}
	TAP_IS(cap_gfp_zone(0x1), DMAPOOL_ZONE_DMA, "gfp 0x1 asks for dma");
	TAP_IS(cap_gfp_zone(0x4), DMAPOOL_ZONE_DMA32, "gfp 0x4 asks for dma32");
	TAP_IS(cap_gfp_zone(0xa20), DMAPOOL_ZONE_KERNEL, "GFP_ATOMIC asks for kernel");
	return tap_done();
}
