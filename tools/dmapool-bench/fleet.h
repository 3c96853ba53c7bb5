/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Fleet output formats: what the test fleets (KernelCI, LKFT/LAVA,
 * 0-day/LKP) read unchanged. gate and run build a list of tests (a name, a
 * result, a measured value with its unit, the baseline's value when there is
 * one, diagnostics) and fleet_print() writes it as
 *
 *  - ktap:  KTAP version 1 (kselftest): plan, "# " diagnostics before each
 *           "ok N NAME", "not ok N NAME" or "ok N NAME # SKIP reason";
 *  - lkp:   lkp-tests stats lines "dmapool-bench.NAME.KEY: NUMBER";
 *  - lava:  one "NAME pass|fail|skip [MEASUREMENT UNITS]" line a test, for a
 *           LAVA test definition's parse pattern;
 *  - kcidb: one KCIDB v4.4 JSON object (tests[] with id, build_id, origin,
 *           path, status, number {value, unit}, comment, start_time).
 *
 * Pure: no files, no global state; the unit tests drive it.
 */
#ifndef DMAPOOL_BENCH_FLEET_H
#define DMAPOOL_BENCH_FLEET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "main.h"
#include "opts.h"

enum fleet_format { FLEET_TEXT, FLEET_KTAP, FLEET_LKP, FLEET_LAVA, FLEET_KCIDB };

/* The --format choices, for the option tables. */
#define FLEET_FORMATS		"text|ktap|lkp|lava|kcidb"
#define FLEET_ORIGIN		"dmapool_bench"	/* KCIDB origin by default */

/* kselftest's exit statuses (ktap mode). */
#define FLEET_KSFT_PASS		0
#define FLEET_KSFT_FAIL		1
#define FLEET_KSFT_SKIP		4

enum fleet_result { FLEET_PASS, FLEET_FAIL, FLEET_SKIP };

#define FLEET_NAME_LEN		96
#define FLEET_DIAG_LEN		512
#define FLEET_REASON_LEN	192	/* "inconclusive: " and a gate why[] */

struct fleet_test {
	char name[FLEET_NAME_LEN];	/* [A-Za-z0-9_.-]+, unique in a list */
	enum fleet_result result;
	bool have_value;		/* value and unit are known */
	double value;			/* the candidate's, or the measurement */
	const char *unit;		/* "ns", "ops/s", "count" */
	bool have_base;			/* gate: base and change are known */
	double base, change;		/* change: a fraction (0.05 = +5 %) */
	char diag[FLEET_DIAG_LEN];	/* lines, '\n'-separated */
	char reason[FLEET_REASON_LEN];	/* a skip's (one line) */
};

/* Who wrote the tests, for KCIDB (and the names' prefix there). */
struct fleet_meta {
	const char *origin;	/* ^[a-z0-9_]+$ */
	const char *suite;	/* "gate", "run" */
	const char *build;	/* what was tested (the kernel release) */
	const char *run_id;	/* makes ids unique across runs (a time) */
	const char *start_time;	/* RFC 3339, or NULL */
};

/* Options --format and --kcidb-origin (fleet_group binds them). */
struct fleet_opts {
	const char *format;
	const char *origin;
};

extern const struct opt_group fleet_group;

/* The format named @s (one of FLEET_FORMATS); -1 when none. */
int fleet_format_parse(const char *s);

/*
 * @o checked (the origin's syntax) and its format into *@fmt: 0, or
 * -EINVAL after one p_err line naming the value.
 */
int fleet_opts_check(const char *cmd, const struct fleet_opts *o,
		     enum fleet_format *fmt);

/* Is @s a KCIDB origin (^[a-z0-9_]+$)? */
bool fleet_origin_ok(const char *s);

/*
 * 8 random hex digits into @buf (at least 9 bytes), for KCIDB run ids: the
 * time alone repeats when two machines run in the same second (and every
 * guest has the same hostname). "0" when /dev/urandom cannot be read.
 */
void fleet_nonce(char *buf, size_t len);

/*
 * @raw as a test name into @dst: every character outside [A-Za-z0-9_.-]
 * becomes '_', no empty name ("test").
 */
void fleet_sanitise(char *dst, size_t len, const char *raw);

/*
 * Append a test named @raw (sanitised, made unique against the list with
 * ".2", ".3"...) to @t (@nr of @max used). Returns it, or NULL when full.
 */
struct fleet_test *fleet_add(struct fleet_test *t, int *nr, int max,
			     const char *raw, enum fleet_result res);

/* Add a diagnostic line to @t (printf-style). */
__printf(2, 3)
void fleet_diag(struct fleet_test *t, const char *fmt, ...);

/* A size order's block size in a name: "4K" for 0 (a page) ... "4M" for 10. */
void fleet_size_name(int order, char *buf, size_t len);

/* A number as the formats write it: the shortest %.15g..%.17g that reads back exactly, "0" for -0. */
const char *fleet_num(double x, char *buf, size_t len);

/*
 * Write @t[0..@nr) as @fmt to @f (FLEET_TEXT writes nothing). 0, or -errno
 * when it could not be written (a closed pipe, a full disk): said once on
 * stderr, and later calls write nothing.
 */
int fleet_print(FILE *f, enum fleet_format fmt, const struct fleet_test *t,
		int nr, const struct fleet_meta *m);

/* stdout failed elsewhere (already said): fleet_print() writes nothing more. */
void fleet_stdout_lost(void);

/* kselftest's exit status of @t: 1 any fail, else 4 any skip, else 0. */
int fleet_ksft_status(const struct fleet_test *t, int nr);

#endif
