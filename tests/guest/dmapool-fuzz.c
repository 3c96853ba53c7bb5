// SPDX-License-Identifier: GPL-2.0
/*
 * dmapool-fuzz: guest-side tools for tests/guest/fuzz.sh and lockup.sh.
 *
 *   dmapool-fuzz fuzz SEED
 *	generate inputs to the module's writable files (debugfs control and
 *	cmd, the writable module parameters) from SEED, write each with one
 *	write(2) and classify what the kernel answered; print one summary
 *	line per campaign:
 *	  NAME inputs=N accepted=N EINVAL=N ... short=N mismatch=N max_ms=N
 *	short: 0 <= ret < len (a write must succeed whole or fail with an
 *	errno); mismatch: `control` disagreed with bench-module/spec.c, the
 *	module's own parser built here, about accepting a line; other: an
 *	errno outside those the module documents. A write that blocks for
 *	WRITE_LIMIT_S seconds kills the program (SIGALRM): a hang.
 *
 *   dmapool-fuzz cyclic PERIOD_US OUT
 *	SCHED_FIFO on the CPU it was started on, wake every PERIOD_US and
 *	record the largest gap between wake-ups until SIGTERM; then write
 *	"wakeups=N max_gap_us=N" to OUT.
 *
 * The module parses one write at a time: a write is one whole command.
 * A command split over several writes is several commands, each taken or
 * refused on its own (the split campaign checks exactly that).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "spec.h"

#define DIR_DEBUGFS	"/sys/kernel/debug/dmapool_bench/"
#define DIR_PARAMS	"/sys/module/dmapool_bench/parameters/"
#define WRITE_LIMIT_S	20
#define MAX_LINE	(64 << 10)
/* Accepted work is kept small: the campaign tests parsing, not capacity. */
#define BUDGET_BYTES	(8ull << 20)

static __u64 rng_state;

static uint64_t rnd(void)
{
	return dmapool_rng_next(&rng_state);
}

static unsigned int rndn(unsigned int n)
{
	return n ? (unsigned int)(rnd() % n) : 0;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* ------------------------------------------------------------ outcomes */

enum { E_EINVAL, E_EBUSY, E_ENOENT, E_ENOSPC, E_EPERM, E_OTHER, NR_E };
static const char *const e_names[NR_E] = {
	"EINVAL", "EBUSY", "ENOENT", "ENOSPC", "EPERM", "other"
};

struct tally {
	const char *name;
	unsigned long inputs, accepted, err[NR_E], shortw, truncated, mismatch;
	uint64_t max_ns;
	int other_errno;
};

static void tally_print(const struct tally *t)
{
	int i;

	printf("%s inputs=%lu accepted=%lu", t->name, t->inputs, t->accepted);
	for (i = 0; i < NR_E; i++)
		printf(" %s=%lu", e_names[i], t->err[i]);
	printf(" short=%lu sysfs_truncated=%lu mismatch=%lu max_ms=%llu",
	       t->shortw, t->truncated, t->mismatch,
	       (unsigned long long)(t->max_ns / 1000000));
	if (t->err[E_OTHER])
		printf(" other_errno=%d", t->other_errno);
	printf("\n");
	fflush(stdout);
}

static int e_index(int e)
{
	switch (e) {
	case EINVAL: return E_EINVAL;
	case EBUSY: return E_EBUSY;
	case ENOENT: return E_ENOENT;
	case ENOSPC: return E_ENOSPC;
	case EPERM: return E_EPERM;
	default: return E_OTHER;
	}
}

/*
 * One input, one write(2) on a fresh descriptor. Returns 1 if taken whole,
 * 0 if refused with an errno, -1 on a short write.
 */
static int put(struct tally *t, const char *path, const char *buf, size_t len,
	       bool sysfs)
{
	uint64_t t0, dt;
	ssize_t r;
	int fd, e;

	fd = open(path, O_WRONLY);
	if (fd < 0) {
		fprintf(stderr, "dmapool-fuzz: open %s: %s\n", path, strerror(errno));
		exit(2);
	}
	t->inputs++;
	t0 = now_ns();
	alarm(WRITE_LIMIT_S);
	r = write(fd, buf, len);
	e = errno;
	alarm(0);
	dt = now_ns() - t0;
	close(fd);
	if (dt > t->max_ns)
		t->max_ns = dt;
	if (r == (ssize_t)len) {
		t->accepted++;
		return 1;
	}
	if (r < 0) {
		if (e_index(e) == E_OTHER)
			t->other_errno = e;
		t->err[e_index(e)]++;
		return 0;
	}
	/* kernfs hands a sysfs store at most PAGE_SIZE bytes, by design. */
	if (sysfs && len > 4096 && r == 4096) {
		t->truncated++;
		return 1;
	}
	t->shortw++;
	fprintf(stderr, "dmapool-fuzz: %s: short write %zd of %zu\n", path, r, len);
	return -1;
}

static void put_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY);

	if (fd >= 0) {
		if (write(fd, s, strlen(s)) < 0) {
			/* housekeeping: the answer does not matter */
		}
		close(fd);
	}
}

/* ------------------------------------------------------------ generator */

static const char *const dict_num[] = {
	"0", "1", "2", "-1", "+1", "007", "24", "32", "64", "65", "255", "256",
	"1023", "1024", "1025", "4096", "65535", "65536", "65537", "1000000",
	"1000000000", "1000000001", "2147483647", "2147483648", "4294967295",
	"4294967296", "9223372036854775807", "9223372036854775808",
	"18446744073709551615", "18446744073709551616",
	"99999999999999999999999999", "0x10", "0xffffffffffffffff", "1e3",
	"4K", "4M", "5M", "1G", "17179869184K", "0x", "-0", "", " ",
};

static const char *const dict_key[] = {
	"ctx", "cpus", "duration_ms", "ops", "period_us", "batch", "size",
	"hold", "zone", "mask", "burst", "seed", "warmup_ms", "max_outstanding",
	"count", "nowarn", "alloc", "free", "flush", "state", "stop", "all",
	"Ctx", "ctx ", "c", "", "=", "size:", "zone=kernel:3,dma32",
};

static const char *const dict_sep[] = {
	" ", "  ", "\t", "\n", "=", "==", ":", ",", "-", "/", "", " = ",
	"\r", "\v", "\xa0", ";", "\n\n",
};

static const char *const seed_control[] = {
	"ctx=hardirq cpus=0 ops=200 size=4K hold=0",
	"ctx=softirq cpus=0 ops=100 size=uniform:4K-32K hold=ops:8",
	"ctx=atomic cpus=0 ops=100 period_us=0 size=8K hold=us:200",
	"ctx=process cpus=0 ops=100 period_us=10 size=4K,64K hold=deferred zone=kernel:3,dma32",
	"ctx=hardirq cpus=0 duration_ms=30 size=loguniform:4K-64K zone=kernel:2,dma32,dma",
	"ctx=hardirq cpus=0 ops=50 mask=24 burst=1/1 warmup_ms=1 seed=7 max_outstanding=16",
	"ops=10",
	"stream=a ctx=hardirq cpus=0 ops=100 size=4K hold=ops:4 ; stream=b ctx=atomic cpus=0 ops=50",
	"stream=usb ops=20;stream=mbox ctx=process ops=20 hold=deferred;stream=x ctx=softirq ops=9",
	"stop",
	" stop\n",
};

static const char *const seed_cmd[] = {
	"alloc 4K", "alloc 4K count=4", "alloc 8K count=2 zone=dma32 mask=32 nowarn",
	"alloc 16K zone=dma mask=24", "alloc 0x1000 count=3 zone=kernel",
	"free all", "free 1", "free 2", "flush", "state", "alloc 4M nowarn",
	"alloc 4K count=1 count=2", "free", "bogus",
};

static const char *const seed_param[] = {
	"0", "1", "-1", "2", "10", "11", "100000", "100001", "0x10", "+3",
	"2147483647", "2147483648", "4294967295", "4294967296", " 1", "1 ",
	"1\n", "\n", "", "-2", "abc",
};

struct buf {
	char s[MAX_LINE + 1];
	size_t n;
};

static void b_set(struct buf *b, const char *s)
{
	b->n = strlen(s);
	memcpy(b->s, s, b->n);
}

/* Replace @len bytes at @at by @ins (bounded by MAX_LINE). */
static void b_splice(struct buf *b, size_t at, size_t len, const char *ins,
		     size_t ilen)
{
	if (at > b->n)
		at = b->n;
	if (len > b->n - at)
		len = b->n - at;
	if (b->n - len + ilen > MAX_LINE)
		return;
	memmove(b->s + at + ilen, b->s + at + len, b->n - at - len);
	memcpy(b->s + at, ins, ilen);
	b->n = b->n - len + ilen;
}

/* A random run of digits (and hex/sign characters) or of a key. */
static bool b_find(const struct buf *b, bool digits, size_t *at, size_t *len)
{
	size_t start = b->n ? rndn(b->n) : 0, i, j;

	for (i = 0; i < b->n; i++) {
		size_t k = (start + i) % b->n;
		unsigned char c = b->s[k];

		if (digits ? isdigit(c) : islower(c)) {
			while (k > 0 && (digits ? isxdigit((unsigned char)b->s[k - 1]) :
					 (islower((unsigned char)b->s[k - 1]) ||
					  b->s[k - 1] == '_')))
				k--;
			for (j = k; j < b->n && (digits ?
			     isxdigit((unsigned char)b->s[j]) || b->s[j] == 'x' :
			     islower((unsigned char)b->s[j]) || b->s[j] == '_'); j++)
				;
			*at = k;
			*len = j - k;
			return true;
		}
	}
	return false;
}

#define PICK(a) (a)[rndn(sizeof(a) / sizeof((a)[0]))]

static void mutate_once(struct buf *b)
{
	size_t at, len;
	const char *s;
	char c;

	switch (rndn(12)) {
	case 0: case 1: case 2:	/* a number becomes a boundary value */
		if (b_find(b, true, &at, &len)) {
			s = PICK(dict_num);
			b_splice(b, at, len, s, strlen(s));
		}
		break;
	case 3: case 4:		/* a key becomes another key */
		if (b_find(b, false, &at, &len)) {
			s = PICK(dict_key);
			b_splice(b, at, len, s, strlen(s));
		}
		break;
	case 5:			/* a separator changes */
		for (at = rndn(b->n + 1); at < b->n; at++)
			if (strchr(" =:,-/", b->s[at]))
				break;
		s = PICK(dict_sep);
		b_splice(b, at, at < b->n ? 1 : 0, s, strlen(s));
		break;
	case 6:			/* a binary byte, NUL included */
		c = (char)rndn(256);
		b_splice(b, rndn(b->n + 1), rndn(2), &c, 1);
		break;
	case 7:			/* a bit flip */
		if (b->n)
			b->s[rndn(b->n)] ^= (char)(1u << rndn(8));
		break;
	case 8:			/* truncation */
		b->n = rndn(b->n + 1);
		break;
	case 9:			/* a token duplicated */
		if (b->n) {
			char tmp[128];

			at = rndn(b->n);
			len = 1 + rndn(sizeof(tmp) - 1);
			if (len > b->n - at)
				len = b->n - at;
			memcpy(tmp, b->s + at, len);
			b_splice(b, b->n, 0, " ", 1);
			b_splice(b, b->n, 0, tmp, len);
		}
		break;
	case 10:		/* case */
		if (b->n) {
			at = rndn(b->n);
			b->s[at] = isupper((unsigned char)b->s[at]) ?
				   tolower((unsigned char)b->s[at]) :
				   toupper((unsigned char)b->s[at]);
		}
		break;
	default:		/* key=value appended */
		s = PICK(dict_key);
		b_splice(b, b->n, 0, " ", 1);
		b_splice(b, b->n, 0, s, strlen(s));
		b_splice(b, b->n, 0, "=", 1);
		s = PICK(dict_num);
		b_splice(b, b->n, 0, s, strlen(s));
		break;
	}
}

static void mutate(struct buf *b)
{
	unsigned int i, n = 1 + rndn(3);

	for (i = 0; i < n; i++)
		mutate_once(b);
	if (rndn(4) == 0)
		b_splice(b, b->n, 0, "\n", 1);
}

/* ------------------------------------------------------------ oracles */

static unsigned int ncpus;

/* What the kernel's strim() removes: its isspace() includes 0xa0. */
static bool k_space(unsigned char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r') || c == 0xa0;
}

/*
 * Will `control` take this line? The module: length 1..4096, no NUL, strim,
 * "stop", else dmapool_run_spec_parse() and every CPU online. @rs is set
 * for a line it takes. Returns 1 (stop), 2 (spec) or 0 (refused).
 */
static int control_verdict(const struct buf *b, struct dmapool_run_spec *rs)
{
	unsigned int i;
	char line[DMAPOOL_MAX_SPEC_LEN + 1], err[DMAPOOL_SPEC_ERR_LEN];
	size_t s = 0, e = b->n;

	if (!b->n || b->n > DMAPOOL_MAX_SPEC_LEN || memchr(b->s, 0, b->n))
		return 0;
	while (s < e && k_space(b->s[s]))
		s++;
	while (e > s && k_space(b->s[e - 1]))
		e--;
	memcpy(line, b->s + s, e - s);
	line[e - s] = '\0';
	if (!strcmp(line, "stop"))
		return 1;
	if (dmapool_run_spec_parse(line, rs, err, sizeof(err)))
		return 0;
	for (i = 0; i < rs->nr_streams; i++)
		if (rs->streams[i].cpus >> ncpus)
			return 0;
	return 2;
}

/*
 * Must `cmd` refuse this line? The module: length 1..256, no NUL, strim,
 * then printable ASCII only and not empty. (Whether it takes a line that
 * passes is for the command parser to say: no prediction then.)
 */
static bool cmd_must_refuse(const struct buf *b)
{
	size_t s = 0, e = b->n, i;

	if (!b->n || b->n > DMAPOOL_MAX_CMD_LEN || memchr(b->s, 0, b->n))
		return true;
	while (s < e && k_space(b->s[s]))
		s++;
	while (e > s && k_space(b->s[e - 1]))
		e--;
	for (i = s; i < e; i++)
		if ((unsigned char)b->s[i] < 0x20 || (unsigned char)b->s[i] > 0x7e)
			return true;
	return s == e;
}

/* The most a run of @spec can hold at once, in bytes. */
static uint64_t spec_bytes(const struct dmapool_spec *spec)
{
	uint64_t per = spec->max_outstanding;
	uint32_t big = 0, i;

	if (spec->hold_kind == DMAPOOL_HOLD_NONE)
		per = 1;
	else if (spec->hold_kind == DMAPOOL_HOLD_OPS && spec->hold_val < per)
		per = spec->hold_val;
	for (i = 0; i < spec->nr_sizes; i++)
		if (spec->sizes[i] > big)
			big = spec->sizes[i];
	return (uint64_t)__builtin_popcountll(spec->cpus) * per * big;
}

/*
 * Keep an `alloc` command within BUDGET_BYTES: read the size and count
 * as leniently as the module could (kstrtou32 takes '+', leading zeros) and
 * lower the count when the product is too large. Only digits change, so a
 * line the module would refuse stays refused.
 */
static void cmd_budget(struct buf *b)
{
	char line[512], *p, *q;
	__u64 size = 0;
	unsigned long long count;
	size_t n;

	if (b->n >= sizeof(line))
		return;
	memcpy(line, b->s, b->n);
	line[b->n] = '\0';
	p = strstr(line, "alloc");
	if (!p)
		return;
	p += 5;
	while (*p == ' ')
		p++;
	n = strcspn(p, " \t\n");
	if (dmapool_parse_bytes(p, n, &size) || !size)
		size = DMAPOOL_MAX_ALLOC_SIZE;
	/* The last count= wins in the module: lower every one. */
	for (p = strstr(line, "count="); p; p = strstr(p + 1, "count=")) {
		q = p + 6;
		if (*q == '+')
			q++;
		count = strtoull(q, NULL, 10);
		if (count * ((size + 4095) & ~4095ull) <= BUDGET_BYTES &&
		    count < (1ull << 32))
			continue;
		b_splice(b, q - line, strspn(q, "0123456789"), "3", 1);
		/* Keep @line in step with @b for the next occurrence. */
		if (b->n >= sizeof(line))
			return;
		memcpy(line, b->s, b->n);
		line[b->n] = '\0';
	}
}

/* ------------------------------------------------------------ campaigns */

static char control_path[] = DIR_DEBUGFS "control";
static char cmd_path[] = DIR_DEBUGFS "cmd";
static const char *const params[] = {
	DIR_PARAMS "fail_next", DIR_PARAMS "fail_order_above",
	DIR_PARAMS "test_spin_ns",
};

static void cmd_one(struct tally *t, struct buf *b)
{
	cmd_budget(b);
	if (put(t, cmd_path, b->s, b->n, false) == 1 && cmd_must_refuse(b)) {
		t->mismatch++;
		fprintf(stderr, "dmapool-fuzz: cmd: kernel took a line it must refuse: '%.*s'\n",
			(int)(b->n > 120 ? 120 : b->n), b->s);
	}
}

static void params_reset(void)
{
	put_str(params[0], "0");
	put_str(params[1], "-1");
	put_str(params[2], "0");
}

static void control_one(struct tally *t, struct buf *b, bool check)
{
	struct dmapool_run_spec rs;
	uint64_t bytes = 0;
	unsigned int i;
	int want, r;

	want = control_verdict(b, &rs);
	for (i = 0; want == 2 && i < rs.nr_streams; i++)
		bytes += spec_bytes(&rs.streams[i]);
	/* Accepted runs stay small: too large a spec becomes a smaller one. */
	if (want == 2 && bytes > BUDGET_BYTES)
		b_set(b, "ctx=hardirq cpus=0 ops=64 size=4K max_outstanding=64");
	r = put(t, control_path, b->s, b->n, false);
	if (check && r >= 0 && (r == 1) != (want != 0)) {
		t->mismatch++;
		fprintf(stderr, "dmapool-fuzz: control: kernel %s, spec.c %s: '%.*s'\n",
			r ? "took" : "refused", want ? "takes" : "refuses",
			(int)(b->n > 120 ? 120 : b->n), b->s);
	}
	/* A stop right away, or a little later: races with the run's start. */
	if (r == 1 && want == 2) {
		if (rndn(2))
			usleep(rndn(3000));
		put_str(control_path, "stop");
	}
}

static void campaign_control(unsigned int n, struct tally *t)
{
	char readback[DMAPOOL_MAX_SPEC_LEN + 2];
	struct buf *b = malloc(sizeof(*b));
	unsigned int i;
	ssize_t r;
	int fd;

	fd = open(control_path, O_RDONLY);
	r = fd >= 0 ? read(fd, readback, sizeof(readback) - 1) : -1;
	if (fd >= 0)
		close(fd);
	readback[r > 0 ? r : 0] = '\0';
	for (i = 0; i < n; i++) {
		if (r > 0 && rndn(4) == 0)
			b_set(b, readback);
		else
			b_set(b, PICK(seed_control));
		if (i % 8)	/* one in 8 goes in as it is */
			mutate(b);
		control_one(t, b, true);
	}
	free(b);
}

static void campaign_cmd(unsigned int n, struct tally *t)
{
	struct buf *b = malloc(sizeof(*b));
	unsigned int i;

	for (i = 0; i < n; i++) {
		b_set(b, PICK(seed_cmd));
		if (i % 8)
			mutate(b);
		cmd_one(t, b);
		if (i % 16 == 15)
			put_str(cmd_path, "free all");
	}
	put_str(cmd_path, "free all");
	free(b);
}

static void campaign_params(unsigned int n, struct tally *t)
{
	struct buf *b = malloc(sizeof(*b));
	unsigned int i;

	for (i = 0; i < n; i++) {
		b_set(b, PICK(seed_param));
		if (i % 4)
			mutate(b);
		put(t, params[i % 3], b->s, b->n, true);
	}
	params_reset();
	free(b);
}

/* 4 KiB and 64 KiB lines, empty and all-NUL writes, to every file. */
static void campaign_special(struct tally *t)
{
	static const size_t lens[] = { 4096, 4097, MAX_LINE };
	const char *paths[] = { control_path, cmd_path, params[0], params[1],
				params[2] };
	struct buf *b = malloc(sizeof(*b));
	unsigned int p, l, k;

	for (p = 0; p < 5; p++) {
		bool sysfs = p >= 2;

		for (l = 0; l < 3; l++) {
			for (k = 0; k < 4; k++) {
				/* valid start, then spaces, 'a's, NULs, bytes */
				b_set(b, p == 0 ? "ctx=hardirq ops=10 " :
				      p == 1 ? "alloc 4K " : "1");
				memset(b->s + b->n, " a\0\xff"[k], lens[l] - b->n);
				b->n = lens[l];
				put(t, paths[p], b->s, b->n, sysfs);
			}
		}
		put(t, paths[p], "\0", 1, sysfs);
		put(t, paths[p], "1\0", 2, sysfs);
	}
	put_str(control_path, "stop");
	params_reset();
	free(b);
}

/*
 * One line written in 2..4 pieces on one descriptor: each piece is its
 * own command. For `control`, each piece must get the verdict spec.c gives
 * that piece alone.
 */
static void campaign_split(unsigned int n, struct tally *tc, struct tally *tm)
{
	struct buf *b = malloc(sizeof(*b)), *piece = malloc(sizeof(*piece));
	unsigned int i, k, parts;

	for (i = 0; i < n; i++) {
		bool ctl = i % 2 == 0;
		size_t at = 0, cut[5];

		b_set(b, ctl ? PICK(seed_control) : PICK(seed_cmd));
		if (rndn(2))
			mutate(b);
		parts = 2 + rndn(3);
		cut[0] = 0;
		for (k = 1; k < parts; k++)
			cut[k] = cut[k - 1] + rndn(b->n - cut[k - 1] + 1);
		cut[parts] = b->n;
		for (k = 0; k < parts; k++) {
			at = cut[k];
			piece->n = cut[k + 1] - at;
			memcpy(piece->s, b->s + at, piece->n);
			if (ctl)
				control_one(tc, piece, true);
			else
				cmd_one(tm, piece);
		}
	}
	put_str(cmd_path, "free all");
	put_str(control_path, "stop");
	free(piece);
	free(b);
}

/* Print a child's tally into a pipe-free place: its stdout, line-buffered. */
static pid_t child(void (*fn)(unsigned int, struct tally *), unsigned int n,
		   const char *name, uint64_t seed)
{
	pid_t pid = fork();

	if (pid == 0) {
		struct tally t = { .name = name };

		rng_state = seed;
		fn(n, &t);
		tally_print(&t);
		_exit(0);
	}
	return pid;
}

static void stopper(unsigned int n, struct tally *t)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		put(t, control_path, "stop\n", 5, false);
		usleep(rndn(2000));
	}
}

static void starter(unsigned int n, struct tally *t)
{
	struct buf *b = malloc(sizeof(*b));
	unsigned int i;

	for (i = 0; i < n; i++) {
		b_set(b, PICK(seed_control));
		if (rndn(2))
			mutate(b);
		control_one(t, b, false);
	}
	free(b);
}

static void waitall(pid_t *pids, int n, int *bad)
{
	int i, st;

	for (i = 0; i < n; i++) {
		if (waitpid(pids[i], &st, 0) < 0 || !WIFEXITED(st) ||
		    WEXITSTATUS(st)) {
			fprintf(stderr, "dmapool-fuzz: child %d ended with status 0x%x\n",
				pids[i], st);
			(*bad)++;
		}
	}
}

static int fuzz(uint64_t seed, unsigned int scale)
{
	struct tally tc = { .name = "control" }, tm = { .name = "cmd" },
		     tp = { .name = "params" }, ts = { .name = "special" },
		     tsc = { .name = "split-control" },
		     tsm = { .name = "split-cmd" },
		     tr = { .name = "during-run" };
	pid_t pids[4];
	int bad = 0;
	unsigned int i;

	ncpus = (unsigned int)sysconf(_SC_NPROCESSORS_ONLN);
	rng_state = seed;
	params_reset();
	put_str(control_path, "stop");
	put_str(cmd_path, "free all");

	campaign_control(scale * 12, &tc);
	tally_print(&tc);
	campaign_cmd(scale * 12, &tm);
	tally_print(&tm);
	campaign_params(scale * 6, &tp);
	tally_print(&tp);
	campaign_special(&ts);
	tally_print(&ts);
	campaign_split(scale * 2, &tsc, &tsm);
	tally_print(&tsc);
	tally_print(&tsm);

	/* Two concurrent writers on each file, and stops racing the runs. */
	pids[0] = child(campaign_cmd, scale * 2, "concurrent-cmd-a", seed ^ 1);
	pids[1] = child(campaign_cmd, scale * 2, "concurrent-cmd-b", seed ^ 2);
	pids[2] = child(starter, scale * 2, "concurrent-control", seed ^ 3);
	pids[3] = child(stopper, scale * 2, "concurrent-stop", seed ^ 4);
	waitall(pids, 4, &bad);

	/* Writes while a run goes on: cmd, parameters, specs (EBUSY), stop. */
	put_str(control_path, "stop");
	put_str(control_path, "ctx=softirq cpus=0 duration_ms=3000 size=4K hold=us:100 max_outstanding=256");
	for (i = 0; i < scale * 2; i++) {
		struct buf b;

		switch (i % 4) {
		case 0:
			b_set(&b, seed_control[rndn(7)]);
			mutate(&b);
			if (memmem(b.s, b.n, "stop", 4))
				b_set(&b, "ops=10");
			put(&tr, control_path, b.s, b.n, false);
			break;
		case 1:
			b_set(&b, PICK(seed_cmd));
			mutate(&b);
			cmd_one(&tr, &b);
			break;
		default:
			b_set(&b, PICK(seed_param));
			mutate(&b);
			put(&tr, params[i % 3], b.s, b.n, true);
		}
	}
	put(&tr, control_path, "stop", 4, false);
	params_reset();
	put_str(cmd_path, "free all");
	tally_print(&tr);
	return bad ? 1 : 0;
}

/* ------------------------------------------------------------ cyclic */

static volatile sig_atomic_t stop_cyclic;

static void on_term(int sig)
{
	(void)sig;
	stop_cyclic = 1;
}

static int cyclic(long period_us, const char *out)
{
	struct sched_param sp = { .sched_priority = 50 };
	struct timespec next, ts;
	uint64_t last, t, gap, max_gap = 0, n = 0;
	cpu_set_t set;
	FILE *f;

	CPU_ZERO(&set);
	CPU_SET(sched_getcpu(), &set);
	if (sched_setaffinity(0, sizeof(set), &set) ||
	    sched_setscheduler(0, SCHED_FIFO, &sp)) {
		perror("dmapool-fuzz: cyclic: SCHED_FIFO");
		return 2;
	}
	signal(SIGTERM, on_term);
	clock_gettime(CLOCK_MONOTONIC, &next);
	last = now_ns();
	while (!stop_cyclic) {
		next.tv_nsec += period_us * 1000;
		while (next.tv_nsec >= 1000000000) {
			next.tv_nsec -= 1000000000;
			next.tv_sec++;
		}
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
		t = now_ns();
		gap = t - last;
		if (gap > max_gap)
			max_gap = gap;
		last = t;
		n++;
		/* Behind (the CPU was held): restart the schedule from now. */
		clock_gettime(CLOCK_MONOTONIC, &ts);
		if (ts.tv_sec > next.tv_sec ||
		    (ts.tv_sec == next.tv_sec && ts.tv_nsec > next.tv_nsec))
			next = ts;
	}
	f = fopen(out, "w");
	if (!f)
		return 2;
	fprintf(f, "wakeups=%llu max_gap_us=%llu\n", (unsigned long long)n,
		(unsigned long long)(max_gap / 1000));
	return fclose(f) ? 2 : 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "fuzz"))
		return fuzz(strtoull(argv[2], NULL, 0), 250);
	if (argc == 4 && !strcmp(argv[1], "fuzz"))
		return fuzz(strtoull(argv[2], NULL, 0),
			    (unsigned int)strtoul(argv[3], NULL, 0));
	if (argc == 4 && !strcmp(argv[1], "cyclic"))
		return cyclic(strtol(argv[2], NULL, 0), argv[3]);
	fprintf(stderr, "usage: dmapool-fuzz fuzz SEED [SCALE] | cyclic PERIOD_US OUT\n");
	return 2;
}
