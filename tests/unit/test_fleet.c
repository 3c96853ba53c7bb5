// SPDX-License-Identifier: GPL-2.0
/*
 * The fleet output formats (tools/dmapool-bench/fleet.c): every format from
 * fixed tests, exactly; names sanitised and made unique; KCIDB ids unique;
 * kselftest's exit statuses; the option checks and their messages.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "fleet.h"
#include "main.h"
#include "cli_msgs.h"

bool json_output;

static const struct fleet_meta meta = {
	.origin = "dmapool_bench", .suite = "gate", .build = "6.12.117+deb12-amd64",
	.run_id = "2026-11-30T06:13:11Z", .start_time = "2026-11-30T06:13:11Z",
};

/* @fmt of @t[0..@nr) as a string (free it). */
static char *render(enum fleet_format fmt, const struct fleet_test *t, int nr,
		    const struct fleet_meta *m)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		abort();
	fleet_print(f, fmt, t, nr, m);
	fclose(f);
	return buf;
}

static void is_text(const char *got, const char *want, const char *what)
{
	TAP_OK(got && !strcmp(got, want), "%s", what);
	if (got && strcmp(got, want))
		printf("#   got:\n%s#   want:\n%s", got, want);
}

/* Three tests: a pass with a baseline, a fail, an inconclusive skip. */
static int three(struct fleet_test *t)
{
	struct fleet_test *a;
	int nr = 0;

	a = fleet_add(t, &nr, 3, "p99.alloc.kernel.hardirq.4K", FLEET_PASS);
	a->have_value = a->have_base = true;
	a->value = 1100;
	a->base = 1000;
	a->change = 0.1;
	a->unit = "ns";
	fleet_diag(a, "base %d ns, candidate %d ns", 1000, 1100);
	a = fleet_add(t, &nr, 3, "fallback kernel->dma", FLEET_FAIL);
	a->have_value = a->have_base = true;
	a->value = 3;
	a->base = 0;
	a->change = INFINITY;
	a->unit = "count";
	a = fleet_add(t, &nr, 3, "ops_per_sec.alloc", FLEET_SKIP);
	a->have_value = true;
	a->value = 79998.5;
	a->unit = "ops/s";
	snprintf(a->reason, sizeof(a->reason), "too few runs # 3\nof 5");
	return nr;
}

static void test_ktap(void)
{
	struct fleet_test t[3];
	int nr = three(t);
	char *s = render(FLEET_KTAP, t, nr, &meta);

	is_text(s, "KTAP version 1\n"
		"1..3\n"
		"# base 1000 ns, candidate 1100 ns\n"
		"ok 1 p99.alloc.kernel.hardirq.4K\n"
		"not ok 2 fallback_kernel-_dma\n"
		"ok 3 ops_per_sec.alloc # SKIP too few runs   3 of 5\n"
		"# Totals: pass:1 fail:1 xfail:0 xpass:0 skip:1 error:0\n",
		"ktap: version, plan, diagnostics, ok / not ok / SKIP, totals");
	free(s);
	TAP_IS(fleet_ksft_status(t, 3), FLEET_KSFT_FAIL, "ktap: a failure exits 1");
	TAP_IS(fleet_ksft_status(t + 2, 1), FLEET_KSFT_SKIP, "ktap: only a skip exits 4");
	TAP_IS(fleet_ksft_status(t, 1), FLEET_KSFT_PASS, "ktap: all pass exits 0");
	TAP_IS(fleet_ksft_status(t, 0), FLEET_KSFT_PASS, "ktap: nothing exits 0");
	s = render(FLEET_KTAP, t, 0, &meta);
	is_text(s, "KTAP version 1\n1..0\n"
		"# Totals: pass:0 fail:0 xfail:0 xpass:0 skip:0 error:0\n",
		"ktap: no tests, plan 1..0");
	free(s);
}

static void test_lkp(void)
{
	struct fleet_test t[3];
	int nr = three(t);
	char *s = render(FLEET_LKP, t, nr, &meta);

	is_text(s, "p99.alloc.kernel.hardirq.4K.base: 1000\n"
		"p99.alloc.kernel.hardirq.4K.candidate: 1100\n"
		"p99.alloc.kernel.hardirq.4K.change_percent: 10\n"
		"p99.alloc.kernel.hardirq.4K.pass: 1\n"
		"fallback_kernel-_dma.base: 0\n"
		"fallback_kernel-_dma.candidate: 3\n"
		"fallback_kernel-_dma.fail: 1\n"
		"ops_per_sec.alloc: 79998.5\n"
		"ops_per_sec.alloc.skip: 1\n",
		"lkp: base, candidate, change_percent (not when infinite), result keys");
	free(s);
}

static void test_lava(void)
{
	struct fleet_test t[4];
	int nr = three(t);
	char *s;

	fleet_add(t, &nr, 4, "crosscheck", FLEET_PASS);
	s = render(FLEET_LAVA, t, nr, &meta);
	is_text(s, "p99.alloc.kernel.hardirq.4K pass 1100 ns\n"
		"fallback_kernel-_dma fail 3 count\n"
		"ops_per_sec.alloc skip 79998.5 ops/s\n"
		"crosscheck pass\n",
		"lava: NAME RESULT MEASUREMENT UNITS, no measurement without a value");
	free(s);
}

static void test_kcidb(void)
{
	struct fleet_test t[3];
	int nr = three(t);
	char *s = render(FLEET_KCIDB, t, nr, &meta);
	struct fleet_meta bare = { .suite = "run" };

	is_text(s, "{\"version\":{\"major\":4,\"minor\":5},\"tests\":["
		"{\"id\":\"dmapool_bench:gate.2026-11-30T06_13_11Z.p99.alloc.kernel.hardirq.4K\","
		"\"build_id\":\"dmapool_bench:6.12.117+deb12-amd64\",\"origin\":\"dmapool_bench\","
		"\"path\":\"dmapool_bench.gate.p99.alloc.kernel.hardirq.4K\",\"status\":\"PASS\","
		"\"number\":{\"value\":1100,\"unit\":\"ns\"},"
		"\"comment\":\"base 1000 ns, candidate 1100 ns\","
		"\"start_time\":\"2026-11-30T06:13:11Z\"},"
		"{\"id\":\"dmapool_bench:gate.2026-11-30T06_13_11Z.fallback_kernel-_dma\","
		"\"build_id\":\"dmapool_bench:6.12.117+deb12-amd64\",\"origin\":\"dmapool_bench\","
		"\"path\":\"dmapool_bench.gate.fallback_kernel-_dma\",\"status\":\"FAIL\","
		"\"number\":{\"value\":3,\"unit\":\"count\"},"
		"\"start_time\":\"2026-11-30T06:13:11Z\"},"
		"{\"id\":\"dmapool_bench:gate.2026-11-30T06_13_11Z.ops_per_sec.alloc\","
		"\"build_id\":\"dmapool_bench:6.12.117+deb12-amd64\",\"origin\":\"dmapool_bench\","
		"\"path\":\"dmapool_bench.gate.ops_per_sec.alloc\",\"status\":\"SKIP\","
		"\"number\":{\"value\":79998.5,\"unit\":\"ops/s\"},"
		"\"comment\":\"too few runs # 3; of 5\","
		"\"start_time\":\"2026-11-30T06:13:11Z\"}]}\n",
		"kcidb: v4.5 fragment, ids, build_id, path, status, number, comment, start_time");
	free(s);

	/* No origin, build, run or time: the defaults, no start_time. */
	t[0].have_value = false;
	s = render(FLEET_KCIDB, t, 1, &bare);
	is_text(s, "{\"version\":{\"major\":4,\"minor\":5},\"tests\":["
		"{\"id\":\"dmapool_bench:run.0.p99.alloc.kernel.hardirq.4K\","
		"\"build_id\":\"dmapool_bench:unknown\",\"origin\":\"dmapool_bench\","
		"\"path\":\"dmapool_bench.run.p99.alloc.kernel.hardirq.4K\",\"status\":\"PASS\","
		"\"comment\":\"base 1000 ns, candidate 1100 ns\"}]}\n",
		"kcidb: default origin and build, no number without a value, no start_time");
	free(s);
}

static void test_names(void)
{
	struct fleet_test t[8];
	char name[16], big[300];
	int nr = 0, i;

	fleet_sanitise(name, sizeof(name), "p99 #1\tx");
	is_text(name, "p99__1_x", "sanitise: '#', blanks and tabs become '_'");
	fleet_sanitise(name, sizeof(name), "");
	is_text(name, "test", "sanitise: no empty name");
	fleet_sanitise(name, sizeof(name), "a.b-c_D9");
	is_text(name, "a.b-c_D9", "sanitise: [A-Za-z0-9_.-] is kept");
	fleet_sanitise(name, sizeof(name), ".p50..4K.");
	is_text(name, "p50.4K",
		"sanitise: no empty part (no leading, doubled or trailing dot)");
	fleet_sanitise(name, sizeof(name), "...");
	is_text(name, "test", "sanitise: only dots is no name");
	fleet_sanitise(name, sizeof(name), "0123456789abcdefghij");
	TAP_IS(strlen(name), sizeof(name) - 1, "sanitise: truncated to the buffer");

	for (i = 0; i < 4; i++)
		fleet_add(t, &nr, 8, "mean alloc", FLEET_PASS);
	is_text(t[0].name, "mean_alloc", "unique: the first keeps its name");
	is_text(t[1].name, "mean_alloc.2", "unique: the second gets .2");
	is_text(t[3].name, "mean_alloc.4", "unique: the fourth gets .4");
	fleet_add(t, &nr, 8, "mean_alloc.2", FLEET_PASS);
	is_text(t[4].name, "mean_alloc.2.2", "unique: against suffixed names too");
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	fleet_add(t, &nr, 8, big, FLEET_PASS);
	fleet_add(t, &nr, 8, big, FLEET_PASS);
	TAP_OK(strlen(t[5].name) < FLEET_NAME_LEN && strcmp(t[5].name, t[6].name),
	       "unique: long names truncated and still unique");
	TAP_OK(fleet_add(t, &nr, 8, "x", FLEET_PASS) &&
	       !fleet_add(t, &nr, 8, "y", FLEET_PASS), "fleet_add: NULL when full");
	for (i = 0; i < nr; i++)
		TAP_OK(strspn(t[i].name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			      "0123456789_.-") == strlen(t[i].name),
		       "name %d matches [A-Za-z0-9_.-]+", i + 1);
}

static void test_kcidb_ids_unique(void)
{
	struct fleet_test t[40];
	char *s, *p, *ids[40];
	int nr = 0, i, j, n = 0;
	bool dup = false;

	for (i = 0; i < 40; i++)
		fleet_add(t, &nr, 40, i % 2 ? "p50.alloc" : "p50 alloc", FLEET_PASS);
	s = render(FLEET_KCIDB, t, nr, &meta);
	for (p = s; (p = strstr(p, "\"id\":\"")) && n < 40; p += 6)
		ids[n++] = p + 6;
	TAP_IS(n, 40, "kcidb: an id per test");
	for (i = 0; i < n; i++) {
		*strchr(ids[i], '"') = '\0';
		for (j = 0; j < i; j++)
			dup |= !strcmp(ids[i], ids[j]);
	}
	TAP_OK(!dup, "kcidb: ids unique for 40 tests of two colliding names");
	free(s);
}

static void test_opts(void)
{
	struct fleet_opts o = {};
	enum fleet_format f = FLEET_KCIDB;

	TAP_IS(fleet_format_parse("ktap"), FLEET_KTAP, "format ktap");
	TAP_IS(fleet_format_parse("kcidb"), FLEET_KCIDB, "format kcidb");
	TAP_IS(fleet_format_parse("KTAP"), -1, "format names are lowercase");
	TAP_IS(fleet_format_parse(""), -1, "no empty format");
	TAP_OK(!fleet_opts_check("gate", &o, &f) && f == FLEET_TEXT, "default: text");
	o.format = "lava";
	TAP_OK(!fleet_opts_check("gate", &o, &f) && f == FLEET_LAVA, "--format lava");
	o.format = "junit";
	TAP_IS(fleet_opts_check("gate", &o, &f), -EINVAL, "--format junit refused");
	TAP_OK(strstr(last_err, "'junit'") != NULL, "the message names the value");
	o.format = "kcidb";
	o.origin = "My-Lab";
	TAP_IS(fleet_opts_check("run", &o, &f), -EINVAL, "origin My-Lab refused");
	TAP_OK(strstr(last_err, "'My-Lab'") && !strncmp(last_err, "run: ", 5),
	       "the message names the command and the origin");
	o.origin = "my_lab2";
	TAP_OK(!fleet_opts_check("run", &o, &f), "origin my_lab2 taken");
	o.format = "ktap";
	TAP_IS(fleet_opts_check("run", &o, &f), -EINVAL,
	       "--kcidb-origin without --format kcidb refused");
	o.origin = NULL;
	json_output = true;
	TAP_IS(fleet_opts_check("run", &o, &f), -EINVAL, "--json with --format ktap refused");
	json_output = false;
	TAP_OK(fleet_origin_ok("dmapool_bench") && !fleet_origin_ok("") &&
	       !fleet_origin_ok("a:b"), "origins: ^[a-z0-9_]+$");
	TAP_OK(fleet_origin_ok("abcdefghijklmnopqrstuvwxyz_01234") &&
	       !fleet_origin_ok("abcdefghijklmnopqrstuvwxyz_012345"),
	       "origins: 32 characters at most (ids are never cut)");
}

static void test_nonfinite(void)
{
	struct fleet_test t[1];
	int nr = 0;
	char *s;

	fleet_add(t, &nr, 1, "mean.alloc", FLEET_SKIP);
	t[0].have_value = t[0].have_base = true;
	t[0].value = NAN;
	t[0].base = 0;
	t[0].change = NAN;
	t[0].unit = "ns";
	s = render(FLEET_LKP, t, nr, &meta);
	is_text(s, "mean.alloc.base: 0\nmean.alloc.skip: 1\n",
		"lkp: no key for a value that is not a number");
	free(s);
	s = render(FLEET_LAVA, t, nr, &meta);
	is_text(s, "mean.alloc skip\n", "lava: no measurement that is not a number");
	free(s);
	s = render(FLEET_KCIDB, t, nr, &meta);
	TAP_OK(s && !strstr(s, "\"number\"") && !strstr(s, "nan"),
	       "kcidb: no number that is not a number");
	free(s);
	s = render(FLEET_KTAP, t, nr, &meta);
	TAP_OK(s && strstr(s, "ok 1 mean.alloc # SKIP inconclusive\n"),
	       "ktap: a skip without a reason says inconclusive");
	free(s);
}

/* Numbers are exact and short: what was rounded at %.10g reads back. */
static void test_num(void)
{
	static const struct {
		double x;
		const char *want;
	} c[] = {
		{ 0.1, "0.1" }, { -0.0, "0" }, { 1234.5, "1234.5" },
		{ 12345678901.25, "12345678901.25" },
		{ 123456789012345678.0, "1.2345678901234568e+17" },
		{ 1.0 / 3, "0.3333333333333333" }, { -2.5e-7, "-2.5e-07" },
	};
	char buf[40], what[96];
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		fleet_num(c[i].x, buf, sizeof(buf));
		snprintf(what, sizeof(what), "fleet_num(%.17g) is %s", c[i].x, c[i].want);
		is_text(buf, c[i].want, what);
		TAP_OK(strtod(buf, NULL) == c[i].x, "fleet_num(%s) reads back exactly", buf);
	}
}

int main(void)
{
	test_ktap();
	test_lkp();
	test_lava();
	test_kcidb();
	test_names();
	test_kcidb_ids_unique();
	test_opts();
	test_nonfinite();
	test_num();
	return tap_done();
}
