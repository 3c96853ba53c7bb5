// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of bench-module/spec.c: defaults, every key, the canonical
 * round trip, the malformed specs of tests/data/bad-specs.txt, and the
 * deterministic size and zone choices.
 */
#include <errno.h>
#include <string.h>

#include "pool_logic.h"
#include "spec.h"
#include "tap.h"

static char err[DMAPOOL_SPEC_ERR_LEN];

static int parse(const char *line, struct dmapool_spec *s)
{
	err[0] = '\0';
	return dmapool_spec_parse(line, s, err, sizeof(err));
}

static void test_defaults(void)
{
	struct dmapool_spec s;
	char buf[DMAPOOL_MAX_SPEC_LEN];

	TAP_IS(parse("ctx=hardirq", &s), 0, "minimal spec parses");
	dmapool_spec_format(&s, buf, sizeof(buf));
	TAP_OK(!strcmp(buf, "ctx=hardirq cpus=0 duration_ms=1000 ops=0 period_us=100 batch=8 size=4096 hold=0 zone=auto mask=64 burst=off seed=1 warmup_ms=0 max_outstanding=1024"),
	       "defaults are filled in: %s", buf);
	TAP_IS(parse("ops=500", &s), 0, "ops alone parses");
	TAP_IS(s.duration_ms, 0, "ops alone drops the default duration");
	TAP_IS(s.ops, 500, "ops=500");
}

static void test_keys(void)
{
	struct dmapool_spec s;

	TAP_IS(parse("  ctx=softirq\tcpus=0-2,5 duration_ms=250 ops=7 period_us=50 "
		     "batch=16 size=4K,16K:3,0x10000 hold=ops:32 zone=kernel:3,dma32 "
		     "mask=32 burst=10/90 seed=42 warmup_ms=100 max_outstanding=64\n",
		     &s), 0, "every key at once");
	TAP_IS(s.ctx, DMAPOOL_CTX_SOFTIRQ, "ctx");
	TAP_IS(s.cpus, 0x27, "cpus=0-2,5");
	TAP_IS(s.duration_ms, 250, "duration_ms");
	TAP_IS(s.ops, 7, "ops");
	TAP_IS(s.period_us, 50, "period_us");
	TAP_IS(s.batch, 16, "batch");
	TAP_IS(s.nr_sizes, 3, "three sizes");
	TAP_OK(s.sizes[0] == 4096 && s.sizes[1] == 16384 && s.sizes[2] == 65536,
	       "sizes 4K, 16K, 0x10000");
	TAP_OK(s.size_weights[0] == 1 && s.size_weights[1] == 3 &&
	       s.size_weights[2] == 1, "size weights 1, 3, 1");
	TAP_OK(s.hold_kind == DMAPOOL_HOLD_OPS && s.hold_val == 32, "hold=ops:32");
	TAP_OK(s.zone_weights[DMAPOOL_ZONE_KERNEL] == 3 &&
	       s.zone_weights[DMAPOOL_ZONE_DMA32] == 1 &&
	       !s.zone_weights[DMAPOOL_ZONE_DMA], "zone=kernel:3,dma32");
	TAP_IS(s.mask_bits, 32, "mask");
	TAP_OK(s.burst_on_ms == 10 && s.burst_off_ms == 90, "burst=10/90");
	TAP_IS(s.seed, 42, "seed");
	TAP_IS(s.warmup_ms, 100, "warmup_ms");
	TAP_IS(s.max_outstanding, 64, "max_outstanding");

	TAP_IS(parse("size=uniform:4K-64K hold=us:500", &s), 0, "uniform sizes");
	TAP_OK(s.size_kind == DMAPOOL_SIZE_UNIFORM && s.sizes[0] == 4096 &&
	       s.sizes[1] == 65536, "uniform:4K-64K");
	TAP_OK(s.hold_kind == DMAPOOL_HOLD_US && s.hold_val == 500, "hold=us:500");
	TAP_IS(parse("size=loguniform:4K-1M hold=deferred ctx=process period_us=0", &s), 0,
	       "loguniform, deferred, process context without sleeping");
	TAP_OK(s.size_kind == DMAPOOL_SIZE_LOGUNIFORM && s.sizes[1] == 1 << 20,
	       "loguniform:4K-1M");
	TAP_IS(s.hold_kind, DMAPOOL_HOLD_DEFERRED, "hold=deferred");
	TAP_IS(parse("seed=18446744073709551615", &s), 0, "largest seed");
	TAP_IS(s.seed, ~0ull, "seed = 2^64-1");
}

static void test_round_trip(void)
{
	static const char * const lines[] = {
		"ctx=atomic cpus=1,3-4 ops=1000 size=8K:2,4K batch=1 period_us=0",
		"ctx=hardirq cpus=0-1 duration_ms=2000 size=loguniform:4K-256K hold=us:200 zone=dma32:2,dma mask=24",
		"ctx=softirq burst=5/5 hold=deferred warmup_ms=50 seed=7 max_outstanding=4096",
	};
	struct dmapool_spec a, b;
	char buf[DMAPOOL_MAX_SPEC_LEN];
	size_t i;

	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		TAP_IS(parse(lines[i], &a), 0, "parses: %s", lines[i]);
		dmapool_spec_format(&a, buf, sizeof(buf));
		TAP_IS(parse(buf, &b), 0, "canonical form parses: %s", buf);
		TAP_OK(!memcmp(&a, &b, sizeof(a)), "round trip preserves the spec");
	}
	TAP_OK(dmapool_spec_format(&a, buf, 10) > 10,
	       "format reports the full length when the buffer is short");
	TAP_IS(strlen(buf), 9, "and truncates safely");
}

static void test_bad(void)
{
	struct dmapool_spec s, before;
	char line[8192], *nl;
	char big[DMAPOOL_MAX_SPEC_LEN + 2];
	FILE *f = fopen("tests/data/bad-specs.txt", "r");
	int n = 0;

	TAP_OK(f != NULL, "tests/data/bad-specs.txt readable");
	if (!f)
		return;
	dmapool_spec_default(&before);
	before.seed = 99;
	while (fgets(line, sizeof(line), f)) {
		nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		if (!line[0] || line[0] == '#')
			continue;
		s = before;
		TAP_IS(parse(line, &s), -EINVAL, "refused: '%s' (%s)", line, err);
		TAP_OK(!memcmp(&s, &before, sizeof(s)) && err[0],
		       "spec unchanged, error message given");
		n++;
	}
	fclose(f);
	TAP_OK(n >= 30, "%d malformed specs checked", n);

	TAP_IS(parse("", &s), -EINVAL, "empty spec refused (%s)", err);
	TAP_IS(parse("   \t ", &s), -EINVAL, "blank spec refused (%s)", err);
	TAP_IS(parse("ctx=hard\xc3\xa9irq", &s), -EINVAL, "UTF-8 byte refused (%s)", err);
	TAP_IS(parse("ctx=hardirq \xff\xfe", &s), -EINVAL, "non-UTF-8 bytes refused (%s)", err);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memcpy(big, "seed=", 5);
	TAP_IS(parse(big, &s), -EINVAL, "line over 4 KiB refused (%s)", err);
	TAP_OK(strstr(err, "longer than") != NULL, "for its length: %s", err);
}

static void test_picks(void)
{
	struct dmapool_spec s;
	__u64 r1 = 5, r2 = 5, r3 = 6;
	unsigned int i, counts[2] = { 0 }, same = 0, in_range = 0, zones[3] = { 0 };
	__u32 a, b;

	parse("size=4K,16K:3 zone=kernel:1,dma:3", &s);
	for (i = 0; i < 4000; i++) {
		a = dmapool_spec_pick_size(&s, &r1);
		b = dmapool_spec_pick_size(&s, &r2);
		same += a == b;
		counts[a == 16384]++;
		zones[dmapool_spec_pick_zone(&s, &r1)]++;
		dmapool_spec_pick_zone(&s, &r2);
		if (dmapool_spec_pick_size(&s, &r3) != a)
			in_range++;
	}
	TAP_IS(same, 4000, "same seed: same size sequence");
	TAP_OK(in_range > 1000, "another seed: another sequence (%u differ)", in_range);
	TAP_OK(counts[1] > 2700 && counts[1] < 3300,
	       "weights 1:3 give ~75%% 16K (%u of 4000)", counts[1]);
	TAP_OK(zones[DMAPOOL_ZONE_DMA] > 2700 && !zones[DMAPOOL_ZONE_DMA32],
	       "zone weights respected (dma %u, dma32 %u)",
	       zones[DMAPOOL_ZONE_DMA], zones[DMAPOOL_ZONE_DMA32]);

	parse("size=loguniform:4K-1M", &s);
	in_range = 0;
	counts[0] = counts[1] = 0;
	for (i = 0; i < 9000; i++) {
		a = dmapool_spec_pick_size(&s, &r1);
		in_range += a >= 4096 && a <= 1 << 20;
		counts[a < 32768]++;
	}
	TAP_IS(in_range, 9000, "loguniform sizes stay in range");
	TAP_OK(counts[1] > 2600 && counts[1] < 3400,
	       "loguniform: a third of 9 octaves lie below 32K (%u)", counts[1]);
	parse("size=uniform:5000-5003", &s);
	in_range = 0;
	for (i = 0; i < 1000; i++) {
		a = dmapool_spec_pick_size(&s, &r1);
		in_range += a >= 5000 && a <= 5003;
	}
	TAP_IS(in_range, 1000, "uniform sizes stay in range");
}

/* zone=auto: the zone the mask implies, with the sequence of zone=kernel. */
static void test_zone_auto(void)
{
	struct dmapool_spec a, k;
	char buf[DMAPOOL_MAX_SPEC_LEN];
	__u64 ra = 9, rk = 9;
	unsigned int i, same = 0;

	TAP_IS(parse("zone=auto mask=24", &a), 0, "zone=auto parses");
	TAP_OK(dmapool_spec_zone_auto(&a), "zone=auto: no weights");
	dmapool_spec_format(&a, buf, sizeof(buf));
	TAP_OK(strstr(buf, " zone=auto mask=24 ") != NULL, "zone=auto round trip: %s", buf);
	TAP_IS(dmapool_spec_pick_zone(&a, &ra), DMAPOOL_ZONE_DMA, "auto, 24-bit mask: dma");
	parse("mask=32", &a);
	TAP_IS(dmapool_spec_pick_zone(&a, &ra), DMAPOOL_ZONE_DMA32,
	       "default zone, 32-bit mask: dma32");
	parse("zone=kernel mask=32", &k);
	TAP_IS(dmapool_spec_pick_zone(&k, &rk), DMAPOOL_ZONE_KERNEL,
	       "explicit zone=kernel overrides a 32-bit mask");
	parse("size=4K,16K:3,64K", &a);
	parse("size=4K,16K:3,64K zone=kernel", &k);
	ra = rk = 3;
	for (i = 0; i < 1000; i++) {
		same += dmapool_spec_pick_zone(&a, &ra) == dmapool_spec_pick_zone(&k, &rk);
		same += dmapool_spec_pick_size(&a, &ra) == dmapool_spec_pick_size(&k, &rk);
	}
	TAP_IS(same, 2000, "auto with a 64-bit mask: the zone=kernel sequence");
	TAP_IS(parse("zone=auto,kernel", &a), -EINVAL, "auto mixed with a zone: refused");
}

/* The name lists: every value's name, and back, in every list. */
static void test_names(void)
{
	static const struct {
		enum dmapool_names list;
		unsigned int nr;
		const char *first, *last;
	} lists[] = {
		{ DMAPOOL_NAMES_POOL, DMAPOOL_NR_POOLS, "dma", "kernel" },
		{ DMAPOOL_NAMES_CTX, DMAPOOL_NR_CTX, "hardirq", "process" },
		{ DMAPOOL_NAMES_RES, DMAPOOL_NR_RES, "ok", "no_pool" },
		{ DMAPOOL_NAMES_FAIL, DMAPOOL_NR_FAIL, "no_suitable_pool", "exhausted" },
		{ DMAPOOL_NAMES_FB, DMAPOOL_NR_FB, "exhausted", "addr_rejected" },
		{ DMAPOOL_NAMES_ZONE, DMAPOOL_NR_ZONES, "kernel", "dma" },
		{ DMAPOOL_NAMES_OP, DMAPOOL_NR_OPS, "alloc", "free" },
		{ DMAPOOL_NAMES_EVENT, DMAPOOL_NR_EVENTS, "pool_alloc", "pool_state" },
		{ DMAPOOL_NAMES_SEM, DMAPOOL_NR_SEMS, "v6.1", "managed-zones" },
	};
	unsigned int l, v, round = 0, total = 0;

	for (l = 0; l < sizeof(lists) / sizeof(lists[0]); l++) {
		const char *first = dmapool_name(lists[l].list, 0);
		const char *last = dmapool_name(lists[l].list, lists[l].nr - 1);

		TAP_OK(first && last && !strcmp(first, lists[l].first) &&
		       !strcmp(last, lists[l].last), "list %u: %s .. %s", l,
		       lists[l].first, lists[l].last);
		TAP_OK(!dmapool_name(lists[l].list, lists[l].nr),
		       "list %u: no name past its last value", l);
		for (v = 0; v < lists[l].nr; v++, total++) {
			const char *n = dmapool_name(lists[l].list, v);

			round += n && dmapool_name_index(lists[l].list, n,
							 strlen(n)) == (int)v;
		}
	}
	TAP_IS(round, total, "every name leads back to its value");
	TAP_IS(dmapool_name(DMAPOOL_NAMES_POOL, DMAPOOL_POOL_NONE) == NULL, 1,
	       "DMAPOOL_POOL_NONE is in no list");
	TAP_IS(dmapool_name_index(DMAPOOL_NAMES_POOL, "dma32,", 5), DMAPOOL_POOL_DMA32,
	       "only the given bytes are compared");
	TAP_IS(dmapool_name_index(DMAPOOL_NAMES_POOL, "dma32", 3), DMAPOOL_POOL_DMA,
	       "3 bytes of \"dma32\" name dma");
	TAP_IS(dmapool_name_index(DMAPOOL_NAMES_POOL, "dma3", 4), -EINVAL,
	       "a prefix is no name");
	TAP_IS(dmapool_name_index(DMAPOOL_NAMES_ZONE, "DMA", 3), -EINVAL,
	       "names are case-sensitive");
	TAP_IS(dmapool_name_index(DMAPOOL_NAMES_CTX, "", 0), -EINVAL,
	       "the empty string is no name");
	TAP_IS(dmapool_name_index(DMAPOOL_NAMES_ZONE, "dma", 3), DMAPOOL_ZONE_DMA,
	       "a zone and a pool of one name have their own values");
	TAP_OK(dmapool_pool_names[DMAPOOL_POOL_KERNEL] ==
	       dmapool_name(DMAPOOL_NAMES_POOL, DMAPOOL_POOL_KERNEL),
	       "the arrays and dmapool_name() hold the same strings");
}

static int rparse(const char *line, struct dmapool_run_spec *rs)
{
	err[0] = '\0';
	return dmapool_run_spec_parse(line, rs, err, sizeof(err));
}

/* A refused control line whose error starts with @want. */
static void refused(const char *line, const char *want)
{
	struct dmapool_run_spec rs;

	TAP_IS(rparse(line, &rs), -EINVAL, "refused: '%.60s'", line);
	TAP_OK(!strncmp(err, want, strlen(want)), "error names stream and field: '%s' (want '%s')",
	       err, want);
}

/* Several specs in one control line, each its own stream. */
/*
 * Eight streams with every key near its longest: short enough to write
 * (under DMAPOOL_MAX_SPEC_LEN), too long once every default is filled in.
 * Refused, or `control` and results would show a cut line.
 */
static void test_streams_too_long(void)
{
	static char line[DMAPOOL_MAX_SPEC_LEN + 1], out[2 * DMAPOOL_MAX_SPEC_LEN];
	struct dmapool_run_spec rs;
	size_t at = 0;
	int i, k;

	for (i = 0; i < 8; i++) {
		at += snprintf(line + at, sizeof(line) - at,
			       "%sstream=stream-name-%02d ctx=hardirq cpus=1,3,5,7,9,11,13,15,17,19,21,23,25,27,29,31,33,35,37,39,41,43,45,47,49,51,53,55,57,59,61,63 size=4M:999,2M:999,1M:999,3M:999,2M:998,1M:998,3M:998,4M:998,2M:997,1M:997,3M:997,4M:997,2M:996,1M:996,3M:996,4M:996 zone=kernel:999,dma32:999,dma:999 seed=18446744073709551615 hold=us:100000 burst=60000/60000 warmup_ms=60000 mask=33 duration_ms=100000 period_us=10000 batch=64",
			       i ? " ; " : "", i);
	}
	TAP_OK(at < DMAPOOL_MAX_SPEC_LEN, "a line of 8 long streams fits the limit (%zu bytes)", at);
	TAP_IS(rparse(line, &rs), -EINVAL, "refused: its formatted line is longer than the limit");
	TAP_OK(strstr(err, "with every default filled in") != NULL, "error says why: '%s'", err);
	/* What a line that passes formats to always parses again. */
	line[strlen(line) / 2] = '\0';
	line[strrchr(line, ';') - line] = '\0';
	TAP_IS(rparse(line, &rs), 0, "half of it is taken (%s)", err);
	k = dmapool_run_spec_format(&rs, out, sizeof(out));
	TAP_OK(k > 0 && k <= (int)DMAPOOL_MAX_SPEC_LEN, "its formatted line (%d bytes) fits", k);
	TAP_IS(rparse(out, &rs), 0, "and parses again (%s)", err);
}

static void test_streams(void)
{
	static const char * const single[] = {
		"ctx=hardirq",
		"ctx=atomic cpus=1,3-4 ops=1000 size=8K:2,4K batch=1 period_us=0",
		"ctx=hardirq cpus=0-1 duration_ms=2000 size=loguniform:4K-256K hold=us:200 zone=dma32:2,dma mask=24",
		"ctx=softirq burst=5/5 hold=deferred warmup_ms=50 seed=7 max_outstanding=4096",
	};
	struct dmapool_run_spec rs, rs2;
	struct dmapool_spec s;
	char buf[DMAPOOL_MAX_SPEC_LEN + 1], one[DMAPOOL_MAX_SPEC_LEN + 1];
	char line[DMAPOOL_MAX_SPEC_LEN + 1];
	size_t i;

	/* A lone spec: the stream "default", its line byte for byte as before. */
	for (i = 0; i < sizeof(single) / sizeof(single[0]); i++) {
		TAP_IS(rparse(single[i], &rs), 0, "one spec as a control line: %s", single[i]);
		TAP_IS(rs.nr_streams, 1, "one stream");
		TAP_OK(!strcmp(rs.streams[0].name, "default"), "named default");
		parse(single[i], &s);
		TAP_OK(!memcmp(&s, &rs.streams[0], sizeof(s)), "the spec dmapool_spec_parse() gives");
		dmapool_run_spec_format(&rs, buf, sizeof(buf));
		dmapool_spec_format(&s, one, sizeof(one));
		TAP_OK(!strcmp(buf, one) && !strstr(buf, "stream") && !strchr(buf, ';'),
		       "formats as a single spec did: %s", buf);
	}
	dmapool_run_spec_format(&rs, buf, sizeof(buf));
	TAP_OK(!strcmp(buf, "ctx=softirq cpus=0 duration_ms=1000 ops=0 period_us=100 batch=8 size=4096 hold=deferred zone=auto mask=64 burst=5/5 seed=7 warmup_ms=50 max_outstanding=4096"),
	       "the single-stream line is unchanged: %s", buf);

	/* Several streams: each its own defaults, round trip. */
	TAP_IS(rparse("stream=usb ctx=hardirq cpus=0 size=uniform:4K-64K hold=ops:8;"
		      "stream=mbox ctx=atomic cpus=1 size=4K seed=5  ;  stream=x_1-2 ops=10",
		      &rs), 0, "three streams, spaces around ';' optional (%s)", err);
	TAP_IS(rs.nr_streams, 3, "three streams");
	TAP_OK(!strcmp(rs.streams[0].name, "usb") && !strcmp(rs.streams[1].name, "mbox") &&
	       !strcmp(rs.streams[2].name, "x_1-2"), "names in order");
	TAP_OK(rs.streams[0].ctx == DMAPOOL_CTX_HARDIRQ && rs.streams[0].hold_kind == DMAPOOL_HOLD_OPS &&
	       rs.streams[0].size_kind == DMAPOOL_SIZE_UNIFORM, "stream usb's keys");
	TAP_OK(rs.streams[1].ctx == DMAPOOL_CTX_ATOMIC && rs.streams[1].cpus == 2 &&
	       rs.streams[1].seed == 5 && rs.streams[1].hold_kind == DMAPOOL_HOLD_NONE,
	       "stream mbox's keys, the rest its own defaults");
	TAP_OK(rs.streams[2].ops == 10 && !rs.streams[2].duration_ms && rs.streams[2].seed == 1,
	       "stream x_1-2: ops alone drops its default duration, not the others'");
	dmapool_run_spec_format(&rs, buf, sizeof(buf));
	TAP_OK(!strncmp(buf, "stream=usb ctx=hardirq cpus=0 ", 30) &&
	       strstr(buf, " ; stream=mbox ctx=atomic cpus=1 ") &&
	       strstr(buf, " ; stream=x_1-2 ctx=hardirq "), "canonical multi-stream line: %s", buf);
	TAP_IS(rparse(buf, &rs2), 0, "canonical line parses (%s)", err);
	TAP_OK(!memcmp(&rs, &rs2, sizeof(rs)), "round trip preserves every stream");
	TAP_IS(dmapool_run_spec_format(&rs, buf, 10),
	       dmapool_run_spec_format(&rs2, line, sizeof(line)), "short buffer: full length reported");
	TAP_IS(strlen(buf), 9, "and truncated safely");

	/* A lone named spec keeps its name; "stream=default" is the default. */
	TAP_IS(rparse("stream=usb ctx=softirq", &rs), 0, "one named stream");
	dmapool_run_spec_format(&rs, buf, sizeof(buf));
	TAP_OK(!strncmp(buf, "stream=usb ctx=softirq ", 23), "keeps its name: %s", buf);
	TAP_IS(rparse(buf, &rs2), 0, "and parses back");
	TAP_OK(!memcmp(&rs, &rs2, sizeof(rs)), "to the same stream");
	TAP_IS(rparse("stream=default ctx=softirq", &rs), 0, "stream=default");
	dmapool_run_spec_format(&rs, buf, sizeof(buf));
	TAP_OK(!strncmp(buf, "ctx=softirq ", 12), "formats without stream=: %s", buf);
	TAP_IS(rparse("stream=a ; stream=default ctx=process", &rs), 0,
	       "a stream named default among others");
	dmapool_run_spec_format(&rs, buf, sizeof(buf));
	TAP_OK(strstr(buf, " ; stream=default ctx=process ") != NULL,
	       "names it in a multi-stream line: %s", buf);
	TAP_IS(rparse(buf, &rs2), 0, "which parses back");

	/* Eight streams fit, each as long as the canonical form gets. */
	line[0] = '\0';
	for (i = 0; i < DMAPOOL_MAX_STREAMS; i++)
		snprintf(line + strlen(line), sizeof(line) - strlen(line),
			 "%sstream=s%zu ctx=hardirq cpus=0-63 duration_ms=3600000 ops=1000000000 period_us=1000000 batch=256 size=4096:1000,8192:1000,12288:1000,16384:1000,20480:1000,24576:1000,32768:1000,65536:1000,131072:1000,262144:1000,524288:1000,1048576:1000,2097152:1000,4194304:1000,4095:1000,4097:1000 hold=ops:65536 zone=kernel:1000,dma32:1000,dma:1000 mask=64 burst=60000/60000 seed=18446744073709551615 warmup_ms=60000 max_outstanding=65536",
			 i ? " ; " : "", i);
	TAP_OK(strlen(line) <= DMAPOOL_MAX_SPEC_LEN, "8 longest streams: %zu bytes", strlen(line));
	TAP_IS(rparse(line, &rs), 0, "eight streams parse (%s)", err);
	TAP_IS(rs.nr_streams, DMAPOOL_MAX_STREAMS, "eight streams");
	TAP_OK(dmapool_run_spec_format(&rs, buf, sizeof(buf)) <= (int)DMAPOOL_MAX_SPEC_LEN,
	       "their canonical line fits the control file");

	/* Every error names the stream and the field. */
	refused("stream=a ctx=hardirq ; stream=a ctx=atomic", "stream a: stream: name given to streams #1 and #2");
	refused("stream=a;stream=b;stream=c;stream=d;stream=e;stream=f;stream=g;stream=h;stream=i",
		"stream i: stream: more than 8 streams");
	refused("stream=a ctx=hardirq ; ctx=atomic", "stream #2: stream: missing");
	refused("ctx=atomic ; stream=b", "stream #1: stream: missing");
	refused("stream=USB ctx=atomic ; stream=b", "stream #1: stream: invalid name 'USB'");
	refused("stream=usb!", "stream: invalid name 'usb!'");
	refused("stream=abcdefghijklmnop", "stream: invalid name");
	refused("stream= ctx=atomic", "stream: invalid name ''");
	refused("stream=a stream=b", "stream a: stream: given twice");
	refused("stream=usb ctx=hardirq ; stream=mbox size=0", "stream mbox: size: invalid value '0'");
	refused("stream=usb ctx=bogus ; stream=mbox", "stream usb: ctx: invalid value 'bogus'");
	refused("ctx=bogus ; stream=mbox", "stream #1: ctx: invalid value 'bogus'");
	refused("stream=usb ctx=hardirq period_us=5", "stream usb: period_us: 5 is below 20");
	refused("stream=a ; stream=b frob=1", "stream b: spec: unknown key 'frob'");
	refused("stream=a ;", "stream #2: spec: empty");
	refused("stream=a ; ; stream=b", "stream #2: spec: empty");
	refused(";", "stream #1: spec: empty");
	refused("ctx=bogus", "ctx: invalid value 'bogus'");
	TAP_IS(dmapool_spec_parse("stream=a ; stream=b", &s, err, sizeof(err)), -EINVAL,
	       "the single-spec parser takes one spec only (%s)", err);
	test_streams_too_long();
}

int main(void)
{
	test_defaults();
	test_keys();
	test_round_trip();
	test_bad();
	test_picks();
	test_zone_auto();
	test_names();
	test_streams();
	return tap_done();
}
