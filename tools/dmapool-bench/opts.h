/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Option tables, as perf's parse-options: every option is declared once, in a
 * group; a subcommand composes groups, each bound to the object its options
 * set, and one parser (getopt_long underneath) reads them. --help is
 * generated from the same tables. The global options (-v, -j, -h) belong to
 * every subcommand, before or after its name.
 *
 * Where two bound groups declare the same option, the first wins: a
 * subcommand's own group overrides a shared one (compare's --coherent-pool
 * takes a list), and OPT_REFUSE turns a shared option down with a reason.
 */
#ifndef DMAPOOL_BENCH_OPTS_H
#define DMAPOOL_BENCH_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum opt_kind {
	OPT_FLAG,	/* bool at .off becomes true */
	OPT_UINT,	/* unsigned int at .off, in .min.. .max */
	OPT_STR,	/* const char * at .off */
	OPT_CHOICE,	/* const char * at .off, one of .choices ("a|b|c") */
	OPT_FN,		/* .fn(obj, opt, val) checks and stores */
	OPT_REFUSE,	/* not this subcommand's: .help says why */
};

struct opt {
	const char *name;	/* long name, without "--" */
	int key;		/* short letter, or 0 */
	enum opt_kind kind;
	const char *arg;	/* placeholder of the value; NULL: no value */
	const char *help;	/* '\n' continues it on the next line */
	size_t off;		/* in the group's object */
	unsigned long min, max;	/* OPT_UINT */
	const char *unit;	/* OPT_UINT, in messages (" ms") */
	const char *choices;	/* OPT_CHOICE */
	/* OPT_FN: 0, or -EINVAL after one p_err line naming @val. */
	int (*fn)(const char *cmd, const struct opt *opt, const char *val,
		  void *obj);
	long data;		/* OPT_FN's own */
};

#define OPT_FLAG_(n, k, type, field, h) \
	{ .name = (n), .key = (k), .kind = OPT_FLAG, .help = (h), \
	  .off = offsetof(type, field) }
#define OPT_UINT_(n, type, field, a, lo, hi, u, h) \
	{ .name = (n), .kind = OPT_UINT, .arg = (a), .help = (h), \
	  .off = offsetof(type, field), .min = (lo), .max = (hi), .unit = (u) }
#define OPT_STR_(n, k, type, field, a, h) \
	{ .name = (n), .key = (k), .kind = OPT_STR, .arg = (a), .help = (h), \
	  .off = offsetof(type, field) }
#define OPT_CHOICE_(n, type, field, a, c, h) \
	{ .name = (n), .kind = OPT_CHOICE, .arg = (a), .help = (h), \
	  .off = offsetof(type, field), .choices = (c) }
#define OPT_FN_(n, k, a, f, d, h) \
	{ .name = (n), .key = (k), .kind = OPT_FN, .arg = (a), .help = (h), \
	  .fn = (f), .data = (d) }
#define OPT_REFUSE_(n, a, why) \
	{ .name = (n), .kind = OPT_REFUSE, .arg = (a), .help = (why) }

struct opt_group {
	const char *title;	/* the --help heading */
	const struct opt *opts;
	size_t nr;
};

#define OPT_GROUP(t, o) { .title = (t), .opts = (o), .nr = sizeof(o) / sizeof((o)[0]) }

/* A group and the object its options set. */
struct opt_use {
	const struct opt_group *group;
	void *obj;
};

/* What --help says around the options. */
struct cmd_help {
	const char *name;	/* "run" */
	const char *synopsis;	/* after "Usage: dmapool-bench NAME " */
	const char *about;	/* a paragraph, '\n'-terminated lines */
	const char *examples;	/* lines, each '\n'-terminated */
};

#define OPTS_MAX 96	/* options of one subcommand, globals included */

/*
 * Parse @argv (@argv[0] is the subcommand) by @use[0..@nr). Options and
 * operands may be mixed; the operands end up in @argv[*@first..@argc).
 * Returns 0, 1 when --help was printed (exit 0), or -EINVAL after one
 * p_err line naming the bad option or value.
 */
int opts_parse(const struct cmd_help *cmd, const struct opt_use *use,
	       size_t nr, int argc, char **argv, int *first);

/* The --help text of @cmd, from the tables. */
void opts_usage(FILE *f, const struct cmd_help *cmd,
		const struct opt_use *use, size_t nr);

/*
 * The global options before the subcommand's name: returns the index of
 * that name, argc when there is none, 1 + argc after --help, or -EINVAL.
 */
int opts_parse_global(int argc, char **argv);
void opts_global_usage(FILE *f);

/*
 * DMAPOOL_BENCH_HELP=doc: --help prints the tables as tab-separated lines
 * (cmd, about, opt, example; the top level: command, opt) for
 * tools/gen-doc, which writes the man page and the bash completion from
 * them.
 */
bool opts_doc(void);
void opts_doc_global(FILE *f);

/* Is @s one of the '|'-separated @choices? */
bool opts_choice_ok(const char *choices, const char *s);

#endif
