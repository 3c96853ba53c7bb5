// SPDX-License-Identifier: GPL-2.0
/*
 * The one option parser and --help generator (see opts.h).
 */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "main.h"
#include "opts.h"
#include "spec.h"

static int set_verbose(const char *cmd, const struct opt *opt, const char *val,
		       void *obj)
{
	(void)cmd;
	(void)opt;
	(void)val;
	(void)obj;
	verbose++;
	return 0;
}

static int set_json(const char *cmd, const struct opt *opt, const char *val,
		    void *obj)
{
	(void)cmd;
	(void)opt;
	(void)val;
	(void)obj;
	json_output = true;
	return 0;
}

/* -h is recognised by its name: it prints the help of what is parsed. */
static const struct opt global_opts[] = {
	OPT_FN_("verbose", 'v', NULL, set_verbose, 0,
		"libbpf debug output and more detail (twice: more)"),
	OPT_FN_("json", 'j', NULL, set_json, 0, "machine-readable output"),
	OPT_FN_("help", 'h', NULL, NULL, 0, "this help"),
};

static const struct opt_group global_group = OPT_GROUP("Global options", global_opts);

/* The effective options: first declaration of each name wins. */
struct opt_set {
	const struct opt *opt[OPTS_MAX];
	void *obj[OPTS_MAX];
	const char *title[OPTS_MAX];
	size_t nr;
};

static const struct opt *find_name(const struct opt_set *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->nr; i++)
		if (!strcmp(s->opt[i]->name, name))
			return s->opt[i];
	return NULL;
}

static void add_group(struct opt_set *s, const struct opt_group *g, void *obj)
{
	size_t i;

	for (i = 0; i < g->nr; i++) {
		if (find_name(s, g->opts[i].name))
			continue;
		if (s->nr == OPTS_MAX) {
			/* A table error, found by the first test that runs it. */
			fprintf(stderr, "dmapool-bench: more than %d options\n", OPTS_MAX);
			abort();
		}
		s->opt[s->nr] = &g->opts[i];
		s->obj[s->nr] = obj;
		s->title[s->nr] = g->title;
		s->nr++;
	}
}

static void collect(struct opt_set *s, const struct opt_use *use, size_t nr)
{
	size_t i;

	s->nr = 0;
	for (i = 0; i < nr; i++)
		add_group(s, use[i].group, use[i].obj);
	add_group(s, &global_group, NULL);
}

bool opts_choice_ok(const char *choices, const char *s)
{
	size_t n = strlen(s);
	const char *c = choices;

	while (*c) {
		size_t len = strcspn(c, "|");

		if (len == n && n && !strncmp(c, s, n))
			return true;
		c += len + (c[len] == '|');
	}
	return false;
}

/* "a|b|c" as "a, b or c". */
static void choices_text(const char *choices, char *buf, size_t len)
{
	const char *c = choices;
	size_t w = 0;

	buf[0] = '\0';
	while (*c && w < len) {
		size_t n = strcspn(c, "|");
		const char *sep = !c[n] ? "" : strchr(c + n + 1, '|') ? ", " : " or ";

		w += snprintf(buf + w, len - w, "%.*s%s", (int)n, c, sep);
		c += n + (c[n] == '|');
	}
}

static int set_value(const char *cmd, const struct opt *o, const char *val,
		     void *obj)
{
	char *p = (char *)obj + o->off, text[128], *end;
	unsigned long v;

	switch (o->kind) {
	case OPT_FLAG:
		*(bool *)p = true;
		return 0;
	case OPT_STR:
		*(const char **)p = val;
		return 0;
	case OPT_CHOICE:
		if (!opts_choice_ok(o->choices, val)) {
			choices_text(o->choices, text, sizeof(text));
			p_err("%s: invalid --%s '%s' (%s)", cmd, o->name, val, text);
			return -EINVAL;
		}
		*(const char **)p = val;
		return 0;
	case OPT_UINT:
		errno = 0;
		v = strtoul(val, &end, 10);
		if (errno || *end || !*val || *val == '-' || v < o->min || v > o->max) {
			p_err("%s: invalid --%s '%s' (%lu..%lu%s)", cmd, o->name,
			      val, o->min, o->max, o->unit ? o->unit : "");
			return -EINVAL;
		}
		*(unsigned int *)p = v;
		return 0;
	case OPT_FN:
		return o->fn(cmd, o, val, obj);
	case OPT_REFUSE:
		p_err("%s: --%s is not a '%s' option (%s)", cmd, o->name, cmd, o->help);
		return -EINVAL;
	}
	return -EINVAL;
}

/* getopt_long's tables for @s: long option i returns 256 + i. */
static void getopt_tables(const struct opt_set *s, struct option *lo,
			  char *shorts, bool stop_at_operand)
{
	size_t i, n = 0;

	if (stop_at_operand)
		shorts[n++] = '+';
	shorts[n++] = ':';
	for (i = 0; i < s->nr; i++) {
		lo[i] = (struct option){ s->opt[i]->name,
			s->opt[i]->arg ? required_argument : no_argument, NULL, 256 + i };
		if (s->opt[i]->key) {
			shorts[n++] = s->opt[i]->key;
			if (s->opt[i]->arg)
				shorts[n++] = ':';
		}
	}
	lo[s->nr] = (struct option){};
	shorts[n] = '\0';
}

static int index_of_key(const struct opt_set *s, int key)
{
	size_t i;

	for (i = 0; i < s->nr; i++)
		if (s->opt[i]->key == key)
			return i;
	return -1;
}

/* An unknown option, or one without its value (@missing). */
static void opts_bad(const char *cmd, const char *arg, bool missing)
{
	char pre[64] = "", see[64] = "";

	if (cmd) {
		snprintf(pre, sizeof(pre), "%s: ", cmd);
		snprintf(see, sizeof(see), "%s ", cmd);
	}
	if (missing)
		p_err("%s%s needs a value (see 'dmapool-bench %s--help')", pre, arg, see);
	else
		p_err("%sunknown option '%s' (see 'dmapool-bench %s--help')", pre, arg, see);
}

/* Returns 0 at the end, 1 after --help, -EINVAL after one message. */
static int parse_set(const char *cmd, const struct opt_set *s, int argc,
		     char **argv, bool stop_at_operand)
{
	struct option lo[OPTS_MAX + 1];
	char shorts[2 * OPTS_MAX + 3];
	int c, i;

	getopt_tables(s, lo, shorts, stop_at_operand);
	opterr = 0;
	optind = 0;
	while ((c = getopt_long(argc, argv, shorts, lo, NULL)) != -1) {
		if (c == '?' || c == ':') {
			char shortopt[3] = { '-', (char)optopt, '\0' };

			/* A letter in a group ("-xv"): optind has not moved on. */
			opts_bad(cmd, optopt > 0 && optopt < 256 ? shortopt :
				 argv[optind - 1], c == ':');
			return -EINVAL;
		}
		i = c >= 256 ? c - 256 : index_of_key(s, c);
		if (i < 0)
			return -EINVAL;
		if (!strcmp(s->opt[i]->name, "help") && !s->obj[i])
			return 1;
		if (set_value(cmd, s->opt[i], optarg, s->obj[i]))
			return -EINVAL;
	}
	return 0;
}

/*
 * --json anywhere on the line applies to the errors found before it too:
 * look for it first, stepping over the values of options that take one.
 */
/* The option @a ("--name", "--na" as getopt_long takes a prefix): or NULL. */
static const struct opt *find_long(const struct opt_set *s, const char *a)
{
	const struct opt *o = NULL;
	size_t i, n = strcspn(a, "=");

	for (i = 0; i < s->nr; i++) {
		if (strncmp(s->opt[i]->name, a, n))
			continue;
		if (!s->opt[i]->name[n])
			return s->opt[i];	/* exact */
		if (o)
			return NULL;		/* ambiguous */
		o = s->opt[i];
	}
	return o;
}

static bool is_json(const struct opt *o)
{
	return o && !strcmp(o->name, "json");
}

/*
 * --json anywhere on the line applies to the errors found before it too:
 * look for it first (also as a prefix, or a letter of "-vj"), stepping over
 * the values of options that take one.
 */
static void json_first(const struct opt_set *s, int argc, char **argv)
{
	const struct opt *o;
	int i, k;

	for (i = 1; i < argc && strcmp(argv[i], "--"); i++) {
		const char *a = argv[i], *c;

		if (a[0] != '-' || !a[1])
			continue;
		if (a[1] == '-') {
			o = find_long(s, a + 2);
			json_output |= is_json(o);
			i += o && o->arg && !strchr(a, '=');
			continue;
		}
		for (c = a + 1; *c; c++) {
			k = index_of_key(s, *c);
			o = k >= 0 ? s->opt[k] : NULL;
			json_output |= is_json(o);
			if (o && o->arg) {
				i += !c[1];	/* the value is the next word */
				break;
			}
		}
	}
}

int opts_parse(const struct cmd_help *cmd, const struct opt_use *use,
	       size_t nr, int argc, char **argv, int *first)
{
	struct opt_set s;
	int ret;

	collect(&s, use, nr);
	json_first(&s, argc, argv);
	ret = parse_set(cmd->name, &s, argc, argv, false);
	if (ret == 1)
		opts_usage(stdout, cmd, use, nr);
	*first = optind;
	return ret;
}

static void print_opt(FILE *f, const struct opt *o)
{
	char left[64];
	const char *h = o->help, *nl;
	int n;

	if (o->key)
		n = snprintf(left, sizeof(left), "-%c, --%s", o->key, o->name);
	else
		n = snprintf(left, sizeof(left), "--%s", o->name);
	if (o->arg && n > 0 && (size_t)n < sizeof(left))
		snprintf(left + n, sizeof(left) - n, " %s", o->arg);
	if (strlen(left) > 22)
		fprintf(f, "  %s\n%25s", left, "");
	else
		fprintf(f, "  %-22s ", left);
	while ((nl = strchr(h, '\n'))) {
		fprintf(f, "%.*s\n%25s", (int)(nl - h), h, "");
		h = nl + 1;
	}
	fprintf(f, "%s\n", h);
}

static void print_set(FILE *f, const struct opt_set *s)
{
	const char *title = NULL;
	size_t i, j;

	/* Group by heading, in the order the headings first appear. */
	for (i = 0; i < s->nr; i++) {
		if (s->opt[i]->kind == OPT_REFUSE)
			continue;
		for (j = 0; j < i; j++)
			if (s->title[j] == s->title[i] && s->opt[j]->kind != OPT_REFUSE)
				break;
		if (j < i)
			continue;
		title = s->title[i];
		fprintf(f, "\n%s:\n", title);
		for (j = i; j < s->nr; j++)
			if (s->title[j] == title && s->opt[j]->kind != OPT_REFUSE)
				print_opt(f, s->opt[j]);
	}
}

/*
 * What a shell may complete after @o: its choices, the context names for a
 * CTX value, or a source the completion script asks at run time (@kernels:
 * tools/dmapool-vm --list-kernels, @profiles: dmapool-bench profiles,
 * @files, @dirs); "" for free text.
 */
static void doc_values(const struct opt *o, char *buf, size_t len)
{
	size_t i, n = 0;

	buf[0] = '\0';
	if (!o->arg)
		return;
	if (o->kind == OPT_CHOICE) {
		snprintf(buf, len, "%s", o->choices);
	} else if (!strcmp(o->arg, "CTX")) {
		for (i = 0; i < DMAPOOL_NR_CTX && n < len; i++)
			n += snprintf(buf + n, len - n, "%s%s", i ? "|" : "",
				      dmapool_ctx_names[i]);
	} else if (!strcmp(o->name, "kernel")) {
		snprintf(buf, len, "@kernels");
	} else if (!strcmp(o->name, "profile")) {
		snprintf(buf, len, "@profiles");
	} else if (strstr(o->arg, "FILE") || !strcmp(o->arg, "PATH")) {
		snprintf(buf, len, "@files");
	} else if (strstr(o->arg, "DIR")) {
		snprintf(buf, len, "@dirs");
	}
}

/* One option as a DOC line: opt, short, long, value, completions, help. */
static void doc_opt(FILE *f, const struct opt *o, const char *title)
{
	char values[256];
	const char *h = o->help, *nl;

	doc_values(o, values, sizeof(values));
	fprintf(f, "opt\t%s\t%c\t%s\t%s\t%s\t", title, o->key ? o->key : '-',
		o->name, o->arg ? o->arg : "-", values[0] ? values : "-");
	while ((nl = strchr(h, '\n'))) {
		fprintf(f, "%.*s ", (int)(nl - h), h);
		h = nl + 1;
	}
	fprintf(f, "%s\n", h);
}

/* Each '\n'-terminated line of @text as "@tag\tLINE". */
static void doc_lines(FILE *f, const char *tag, const char *text)
{
	const char *nl;

	while (text && *text) {
		nl = strchr(text, '\n');
		if (!nl)
			nl = text + strlen(text);
		fprintf(f, "%s\t%.*s\n", tag, (int)(nl - text), text);
		text = *nl ? nl + 1 : nl;
	}
}

bool opts_doc(void)
{
	const char *d = getenv("DMAPOOL_BENCH_HELP");

	return d && !strcmp(d, "doc");
}

void opts_doc_global(FILE *f)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(global_opts); i++)
		doc_opt(f, &global_opts[i], global_group.title);
}

void opts_usage(FILE *f, const struct cmd_help *cmd,
		const struct opt_use *use, size_t nr)
{
	struct opt_set s;
	size_t i;

	collect(&s, use, nr);
	if (opts_doc()) {
		fprintf(f, "cmd\t%s\t%s\n", cmd->name, cmd->synopsis);
		doc_lines(f, "about", cmd->about);
		for (i = 0; i < s.nr; i++)
			if (s.opt[i]->kind != OPT_REFUSE)
				doc_opt(f, s.opt[i], s.title[i]);
		doc_lines(f, "example", cmd->examples);
		return;
	}
	fprintf(f, "Usage: dmapool-bench %s %s\n", cmd->name, cmd->synopsis);
	if (cmd->about)
		fprintf(f, "\n%s", cmd->about);
	print_set(f, &s);
	if (cmd->examples)
		fprintf(f, "\nExamples:\n%s", cmd->examples);
}

int opts_parse_global(int argc, char **argv)
{
	struct opt_set s;
	int ret;

	collect(&s, NULL, 0);
	ret = parse_set(NULL, &s, argc, argv, true);
	if (ret)
		return ret == 1 ? argc + 1 : ret;
	return optind;
}

void opts_global_usage(FILE *f)
{
	size_t i;

	fprintf(f, "Options:\n");
	for (i = 0; i < ARRAY_SIZE(global_opts); i++)
		print_opt(f, &global_opts[i]);
}
