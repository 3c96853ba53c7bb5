// SPDX-License-Identifier: GPL-2.0
/*
 * Fleet output formats (fleet.h): a list of tests as KTAP, LKP stats lines,
 * LAVA result lines or a KCIDB fragment. Pure: it writes to the FILE it is
 * given and nothing else.
 */
#include <errno.h>
#include <json-c/json.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fleet.h"
#include "main.h"

static const struct opt fleet_opts_table[] = {
	OPT_CHOICE_("format", struct fleet_opts, format, "FMT", FLEET_FORMATS,
		    "output for test fleets: text (default), ktap (KTAP v1,\n"
		    "kselftest), lkp (lkp-tests stats lines), lava (lines\n"
		    "NAME RESULT MEASUREMENT UNITS) or kcidb (KCIDB v4.4 JSON)"),
	OPT_STR_("kcidb-origin", 0, struct fleet_opts, origin, "NAME",
		 "--format kcidb: the origin ([a-z0-9_]+, default " FLEET_ORIGIN ")"),
};

const struct opt_group fleet_group = OPT_GROUP("Fleet output", fleet_opts_table);

static const char *const format_names[] = {
	[FLEET_TEXT] = "text",
	[FLEET_KTAP] = "ktap",
	[FLEET_LKP] = "lkp",
	[FLEET_LAVA] = "lava",
	[FLEET_KCIDB] = "kcidb",
};

int fleet_format_parse(const char *s)
{
	size_t i;

	for (i = 0; s && i < ARRAY_SIZE(format_names); i++)
		if (!strcmp(s, format_names[i]))
			return i;
	return -1;
}

void fleet_nonce(char *buf, size_t len)
{
	unsigned char r[4];
	FILE *f = fopen("/dev/urandom", "rb");
	size_t n = f ? fread(r, 1, sizeof(r), f) : 0;

	if (f)
		fclose(f);
	if (n != sizeof(r))
		snprintf(buf, len, "0");
	else
		snprintf(buf, len, "%02x%02x%02x%02x", r[0], r[1], r[2], r[3]);
}

/* KCIDB's origin characters; 32 at most, so that ids are never cut. */
bool fleet_origin_ok(const char *s)
{
	return s && *s && strlen(s) <= 32 &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_") == strlen(s);
}

int fleet_opts_check(const char *cmd, const struct fleet_opts *o,
		     enum fleet_format *fmt)
{
	int f = o->format ? fleet_format_parse(o->format) : FLEET_TEXT;

	if (f < 0) {
		p_err("%s: invalid --format '%s' (%s)", cmd, o->format, FLEET_FORMATS);
		return -EINVAL;
	}
	if (o->origin && !fleet_origin_ok(o->origin)) {
		p_err("%s: invalid --kcidb-origin '%s' (1 to 32 lowercase letters, digits and '_')",
		      cmd, o->origin);
		return -EINVAL;
	}
	if (o->origin && f != FLEET_KCIDB) {
		p_err("%s: --kcidb-origin '%s' needs --format kcidb", cmd, o->origin);
		return -EINVAL;
	}
	if (f != FLEET_TEXT && json_output) {
		p_err("%s: --json and --format '%s' exclude each other", cmd, o->format);
		return -EINVAL;
	}
	*fmt = f;
	return 0;
}

static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
}

/*
 * Only name characters; no empty part: dots are not doubled, and none
 * leads or ends (an empty op or pool would give "p50..4K", an empty KCIDB
 * path part).
 */
void fleet_sanitise(char *dst, size_t len, const char *raw)
{
	size_t i, w = 0;
	char c;

	if (!len)
		return;
	for (i = 0; raw[i] && w + 1 < len; i++) {
		c = name_char(raw[i]) ? raw[i] : '_';
		if (c == '.' && (!w || dst[w - 1] == '.'))
			continue;
		dst[w++] = c;
	}
	while (w && dst[w - 1] == '.')
		w--;
	dst[w] = '\0';
	if (!w)
		snprintf(dst, len, "test");
}

static bool name_taken(const struct fleet_test *t, int nr, const char *name)
{
	int i;

	for (i = 0; i < nr; i++)
		if (!strcmp(t[i].name, name))
			return true;
	return false;
}

struct fleet_test *fleet_add(struct fleet_test *t, int *nr, int max,
			     const char *raw, enum fleet_result res)
{
	struct fleet_test *n;
	char base[FLEET_NAME_LEN - 8];
	int k;

	if (*nr >= max)
		return NULL;
	n = &t[*nr];
	memset(n, 0, sizeof(*n));
	fleet_sanitise(base, sizeof(base), raw);
	snprintf(n->name, sizeof(n->name), "%s", base);
	for (k = 2; name_taken(t, *nr, n->name); k++) {
		char tmp[sizeof(base) + 16];

		snprintf(tmp, sizeof(tmp), "%s.%d", base, k);
		snprintf(n->name, sizeof(n->name), "%.*s", (int)sizeof(n->name) - 1, tmp);
	}
	n->result = res;
	(*nr)++;
	return n;
}

void fleet_diag(struct fleet_test *t, const char *fmt, ...)
{
	size_t used = strlen(t->diag);
	va_list ap;

	if (used && used + 1 < sizeof(t->diag))
		t->diag[used++] = '\n';
	if (used + 1 >= sizeof(t->diag))
		return;
	va_start(ap, fmt);
	vsnprintf(t->diag + used, sizeof(t->diag) - used, fmt, ap);
	va_end(ap);
}

void fleet_size_name(int order, char *buf, size_t len)
{
	unsigned int kib = 4U << (order & 15);

	if (kib >= 1024)
		snprintf(buf, len, "%uM", kib / 1024);
	else
		snprintf(buf, len, "%uK", kib);
}

/*
 * The shortest of %.15g, %.16g and %.17g that reads back as @x: exact (no
 * rounding of large counts or long fractions) and short for the common
 * values (0.1, not 0.10000000000000001).
 */
const char *fleet_num(double x, char *buf, size_t len)
{
	int prec;

	if (x == 0)
		x = 0.0;
	for (prec = 15; prec < 17; prec++) {
		snprintf(buf, len, "%.*g", prec, x);
		if (strtod(buf, NULL) == x)
			return buf;
	}
	snprintf(buf, len, "%.17g", x);
	return buf;
}

/* One line of free text: no newline, no '#' (KTAP's directive mark). */
static void one_line(char *dst, size_t len, const char *src)
{
	size_t i;

	for (i = 0; src[i] && i + 1 < len; i++)
		dst[i] = src[i] == '\n' || src[i] == '\r' || src[i] == '#' ? ' ' : src[i];
	if (len)
		dst[i] = '\0';
}

static void print_diag_lines(FILE *f, const char *diag)
{
	const char *p = diag, *nl;
	char line[FLEET_DIAG_LEN];

	while (*p) {
		nl = strchr(p, '\n');
		snprintf(line, sizeof(line), "%.*s", (int)(nl ? nl - p : (long)strlen(p)), p);
		fprintf(f, "# %s\n", line);
		if (!nl)
			break;
		p = nl + 1;
	}
}

static void print_ktap(FILE *f, const struct fleet_test *t, int nr)
{
	int i, pass = 0, fail = 0, skip = 0;
	char reason[FLEET_REASON_LEN];

	fprintf(f, "KTAP version 1\n1..%d\n", nr);
	for (i = 0; i < nr; i++) {
		print_diag_lines(f, t[i].diag);
		switch (t[i].result) {
		case FLEET_PASS:
			fprintf(f, "ok %d %s\n", i + 1, t[i].name);
			pass++;
			break;
		case FLEET_FAIL:
			fprintf(f, "not ok %d %s\n", i + 1, t[i].name);
			fail++;
			break;
		case FLEET_SKIP:
			one_line(reason, sizeof(reason), *t[i].reason ? t[i].reason :
				 "inconclusive");
			fprintf(f, "ok %d %s # SKIP %s\n", i + 1, t[i].name, reason);
			skip++;
			break;
		}
	}
	fprintf(f, "# Totals: pass:%d fail:%d xfail:0 xpass:0 skip:%d error:0\n",
		pass, fail, skip);
}

static const char *result_word(enum fleet_result r)
{
	return r == FLEET_PASS ? "pass" : r == FLEET_FAIL ? "fail" : "skip";
}

static void lkp_key(FILE *f, const char *name, const char *key, double v)
{
	char b[40];

	if (!isfinite(v))
		return;		/* an LKP value is a number */
	fprintf(f, "%s%s%s: %s\n", name, *key ? "." : "", key,
		fleet_num(v, b, sizeof(b)));
}

static void print_lkp(FILE *f, const struct fleet_test *t, int nr)
{
	int i;

	for (i = 0; i < nr; i++) {
		if (t[i].have_base) {
			lkp_key(f, t[i].name, "base", t[i].base);
			lkp_key(f, t[i].name, "candidate", t[i].value);
			lkp_key(f, t[i].name, "change_percent", t[i].change * 100);
		} else if (t[i].have_value) {
			lkp_key(f, t[i].name, "", t[i].value);
		}
		fprintf(f, "%s.%s: 1\n", t[i].name, result_word(t[i].result));
	}
}

static void print_lava(FILE *f, const struct fleet_test *t, int nr)
{
	char b[40];
	int i;

	for (i = 0; i < nr; i++) {
		fprintf(f, "%s %s", t[i].name, result_word(t[i].result));
		if (t[i].have_value && isfinite(t[i].value))
			fprintf(f, " %s %s", fleet_num(t[i].value, b, sizeof(b)),
				t[i].unit ? t[i].unit : "count");
		fputc('\n', f);
	}
}

static const char *kcidb_status(enum fleet_result r)
{
	return r == FLEET_PASS ? "PASS" : r == FLEET_FAIL ? "FAIL" : "SKIP";
}

static struct json_object *kcidb_test(const struct fleet_test *t,
				      const struct fleet_meta *m)
{
	struct json_object *o = json_object_new_object(), *num;
	char buf[FLEET_NAME_LEN + 256], run[128], comment[2 * FLEET_DIAG_LEN];
	char all[FLEET_DIAG_LEN + FLEET_REASON_LEN];
	const char *origin = m->origin ? m->origin : FLEET_ORIGIN;
	const char *p;
	size_t w;

	fleet_sanitise(run, sizeof(run), m->run_id && *m->run_id ? m->run_id : "0");
	snprintf(buf, sizeof(buf), "%s:%s.%s.%s", origin, m->suite, run, t->name);
	json_object_object_add(o, "id", json_object_new_string(buf));
	snprintf(buf, sizeof(buf), "%s:%s", origin, m->build && *m->build ? m->build :
		 "unknown");
	json_object_object_add(o, "build_id", json_object_new_string(buf));
	json_object_object_add(o, "origin", json_object_new_string(origin));
	/* The same path in every lab: the tool's, not the origin's. */
	snprintf(buf, sizeof(buf), "dmapool_bench.%s.%s", m->suite, t->name);
	json_object_object_add(o, "path", json_object_new_string(buf));
	json_object_object_add(o, "status", json_object_new_string(kcidb_status(t->result)));
	if (t->have_value && isfinite(t->value)) {
		num = json_object_new_object();
		json_object_object_add(num, "value", json_object_new_double_s(
			t->value, fleet_num(t->value, buf, sizeof(buf))));
		json_object_object_add(num, "unit", json_object_new_string(
			t->unit ? t->unit : "count"));
		json_object_object_add(o, "number", num);
	}
	/* One line: the diagnostics and a skip's reason joined with "; ". */
	snprintf(all, sizeof(all), "%s%s%s", t->diag, *t->diag && *t->reason ? "\n" : "",
		 t->reason);
	w = 0;
	for (p = all; *p && w + 3 < sizeof(comment); p++) {
		if (*p == '\n') {
			comment[w++] = ';';
			comment[w++] = ' ';
		} else {
			comment[w++] = *p;
		}
	}
	comment[w] = '\0';
	if (*comment)
		json_object_object_add(o, "comment", json_object_new_string(comment));
	if (m->start_time && *m->start_time)
		json_object_object_add(o, "start_time", json_object_new_string(m->start_time));
	return o;
}

static void print_kcidb(FILE *f, const struct fleet_test *t, int nr,
			const struct fleet_meta *m)
{
	struct json_object *js = json_object_new_object();
	struct json_object *ver = json_object_new_object();
	struct json_object *tests = json_object_new_array();
	int i;

	/*
	 * test.number {value, unit} is in KCIDB schema v4.5 (kcidb-io
	 * v04_05.py; v4.4 had test.value instead).
	 */
	json_object_object_add(ver, "major", json_object_new_int(4));
	json_object_object_add(ver, "minor", json_object_new_int(5));
	json_object_object_add(js, "version", ver);
	json_object_object_add(js, "tests", tests);
	for (i = 0; i < nr; i++)
		json_object_array_add(tests, kcidb_test(&t[i], m));
	fprintf(f, "%s\n", json_object_to_json_string_ext(js, JSON_C_TO_STRING_PLAIN |
		JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(js);
}

/* A document could not be written: said once, nothing more is written. */
static bool fleet_write_failed;

void fleet_stdout_lost(void)
{
	fleet_write_failed = true;
}

int fleet_print(FILE *f, enum fleet_format fmt, const struct fleet_test *t,
		int nr, const struct fleet_meta *m)
{
	/* A reader that went away (a closed pipe) is not a signal to die of. */
	sighandler_t old;
	int err = 0;

	if (fleet_write_failed)
		return -EIO;
	old = signal(SIGPIPE, SIG_IGN);
	switch (fmt) {
	case FLEET_TEXT:
		break;
	case FLEET_KTAP:
		print_ktap(f, t, nr);
		break;
	case FLEET_LKP:
		print_lkp(f, t, nr);
		break;
	case FLEET_LAVA:
		print_lava(f, t, nr);
		break;
	case FLEET_KCIDB:
		print_kcidb(f, t, nr, m);
		break;
	}
	if (fflush(f) || ferror(f)) {
		err = errno ? -errno : -EIO;
		p_err("cannot write the fleet document to stdout: %s", strerror(-err));
		fleet_write_failed = true;
	}
	signal(SIGPIPE, old);
	return err;
}

int fleet_ksft_status(const struct fleet_test *t, int nr)
{
	bool skip = false;
	int i;

	for (i = 0; i < nr; i++) {
		if (t[i].result == FLEET_FAIL)
			return FLEET_KSFT_FAIL;
		skip |= t[i].result == FLEET_SKIP;
	}
	return skip ? FLEET_KSFT_SKIP : FLEET_KSFT_PASS;
}
