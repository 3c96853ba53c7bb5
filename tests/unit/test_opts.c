// SPDX-License-Identifier: GPL-2.0
/*
 * The CLI's option tables and their one parser (tools/dmapool-bench/opts.c):
 * composition with the first declaration winning, refused options, every
 * kind's checks and messages, operands mixed with options, the global
 * options after the subcommand, --json found before the error it applies
 * to, and --help generated from the tables.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "main.h"
#include "cli_msgs.h"
#include "opts.h"

bool json_output;
int verbose;

struct obj {
	const char *name, *mode;
	unsigned int count;
	bool flag;
	int fn_calls;
	char fn_val[32];
};

static int fn_store(const char *cmd, const struct opt *opt, const char *val,
		    void *o)
{
	struct obj *b = o;

	(void)cmd;
	(void)opt;
	b->fn_calls++;
	snprintf(b->fn_val, sizeof(b->fn_val), "%s", val);
	return 0;
}

/* A subcommand's own group: --size overrides the shared one. */
static const struct opt own_opts[] = {
	OPT_STR_("size", 's', struct obj, name, "TEXT", "the own --size"),
	OPT_REFUSE_("flag", NULL, "not here, for a reason"),
};

static const struct opt shared_opts[] = {
	OPT_UINT_("size", struct obj, count, "N", 1, 9, "", "the shared --size"),
	OPT_UINT_("count", struct obj, count, "N", 1, 9, " things", "how many\nper run"),
	OPT_FLAG_("flag", 'f', struct obj, flag, "a flag"),
	OPT_CHOICE_("mode", struct obj, mode, "M", "fast|slow|auto", "how"),
	OPT_FN_("call", 0, "V", fn_store, 0, "calls fn_store"),
};

static const struct opt_group own = OPT_GROUP("Own", own_opts);
static const struct opt_group shared = OPT_GROUP("Shared", shared_opts);
static const struct cmd_help help = {
	.name = "t", .synopsis = "[OPTIONS] FILE...", .about = "About t.\n",
	.examples = "  dmapool-bench t -s x\n",
};

static struct obj a, b;

/* Parse the NULL-terminated words (without "t") into a and b. */
static int parse(int *first, ...)
{
	static char *argv[32];
	struct opt_use use[] = { { &own, &a }, { &shared, &b } };
	va_list ap;
	int argc = 0;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	last_err[0] = '\0';
	json_output = false;
	verbose = 0;
	argv[argc++] = "t";
	va_start(ap, first);
	while ((argv[argc] = va_arg(ap, char *)))
		argc++;
	va_end(ap);
	return opts_parse(&help, use, ARRAY_SIZE(use), argc, argv, first);
}

static void test_compose(void)
{
	int first;

	TAP_IS(parse(&first, "--size", "abc", NULL), 0, "--size parses");
	TAP_OK(a.name && !strcmp(a.name, "abc") && !b.count,
	       "the first group's --size wins (the shared one is not set)");
	TAP_IS(parse(&first, "-s", "x", "--count=7", NULL), 0,
	       "short options and --opt=value");
	TAP_OK(a.name && !strcmp(a.name, "x") && b.count == 7,
	       "-s is own's; --count 7 the shared object's");
	TAP_OK(!strcmp(last_err, ""), "no message");
	TAP_IS(parse(&first, "-f", NULL), (uint64_t)-EINVAL,
	       "-f, the short name of a refused option, is refused too");
	TAP_IS(parse(&first, "--flag", NULL), (uint64_t)-EINVAL,
	       "a refused option is an error even though a later group has it");
	TAP_OK(strstr(last_err, "--flag is not a 't' option (not here, for a reason)") != NULL,
	       "the refusal names the option and the reason: %s", last_err);
}

static void test_values(void)
{
	int first;

	TAP_IS(parse(&first, "--count", "0", NULL), (uint64_t)-EINVAL, "--count 0 < min");
	TAP_OK(!strcmp(last_err, "t: invalid --count '0' (1..9 things)"),
	       "range message: %s", last_err);
	TAP_IS(parse(&first, "--count", "10", NULL), (uint64_t)-EINVAL, "--count 10 > max");
	TAP_IS(parse(&first, "--count", "-1", NULL), (uint64_t)-EINVAL, "--count -1");
	TAP_IS(parse(&first, "--count", "3x", NULL), (uint64_t)-EINVAL, "--count 3x");
	TAP_IS(parse(&first, "--mode", "slow", NULL), 0, "--mode slow");
	TAP_OK(b.mode && !strcmp(b.mode, "slow"), "the choice is stored");
	TAP_IS(parse(&first, "--mode", "sl", NULL), (uint64_t)-EINVAL,
	       "a prefix of a choice is not a choice");
	TAP_OK(!strcmp(last_err, "t: invalid --mode 'sl' (fast, slow or auto)"),
	       "choice message: %s", last_err);
	TAP_IS(parse(&first, "--call", "v1", "--call", "v2", NULL), 0, "--call twice");
	TAP_OK(b.fn_calls == 2 && !strcmp(b.fn_val, "v2"), "the callback ran twice, last v2");
	TAP_IS(parse(&first, "--count", NULL), (uint64_t)-EINVAL, "--count without its value");
	TAP_OK(strstr(last_err, "t: --count needs a value") != NULL, "%s", last_err);
	TAP_IS(parse(&first, "--nope", NULL), (uint64_t)-EINVAL, "an unknown option");
	TAP_OK(strstr(last_err, "t: unknown option '--nope'") != NULL, "%s", last_err);
}

static void test_operands_and_globals(void)
{
	static char *argv[] = { "t", "f1", "-v", "--count", "2", "f2", "-j", "-v", NULL };
	struct opt_use use[] = { { &own, &a }, { &shared, &b } };
	int first;

	json_output = false;
	verbose = 0;
	memset(&b, 0, sizeof(b));
	TAP_IS(opts_parse(&help, use, ARRAY_SIZE(use), 8, argv, &first), 0,
	       "operands mixed with options");
	TAP_OK(first == 6 && !strcmp(argv[6], "f1") && !strcmp(argv[7], "f2"),
	       "the operands end up last, in order (first %d)", first);
	TAP_OK(verbose == 2 && json_output && b.count == 2,
	       "-v twice and -j after the subcommand are the global options");
	TAP_IS(parse(&first, "--nope", "-j", NULL), (uint64_t)-EINVAL, "--nope -j");
	TAP_OK(json_output, "-j after the bad option still makes its error JSON");
	TAP_IS(parse(&first, "--size", "-j", NULL), 0, "--size -j: -j is the value");
	TAP_OK(!json_output && a.name && !strcmp(a.name, "-j"),
	       "a value that looks like -j is not --json");
}

static void test_help(void)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	struct opt_use use[] = { { &own, &a }, { &shared, &b } };
	const char *own_at, *shared_at, *global_at;
	int first, saved, ret;

	opts_usage(f, &help, use, ARRAY_SIZE(use));
	fclose(f);
	own_at = strstr(text, "\nOwn:\n");
	shared_at = strstr(text, "\nShared:\n");
	global_at = strstr(text, "\nGlobal options:\n");
	TAP_OK(!strncmp(text, "Usage: dmapool-bench t [OPTIONS] FILE...\n", 41),
	       "usage line first");
	TAP_OK(own_at && shared_at && global_at && own_at < shared_at && shared_at < global_at,
	       "headings in the order of the groups, the global options last");
	TAP_OK(strstr(text, "  -s, --size TEXT        the own --size\n") &&
	       !strstr(text, "the shared --size"),
	       "an overridden option is listed once, as its winner");
	TAP_OK(!strstr(text, "--flag"), "a refused option is not listed");
	TAP_OK(strstr(text, "  --count N              how many\n"
			    "                         per run\n") != NULL,
	       "a help line continues aligned");
	TAP_OK(strstr(text, "\nExamples:\n  dmapool-bench t -s x\n") != NULL, "examples last");
	free(text);
	/* The help goes to stdout: keep it out of the TAP stream. */
	fflush(stdout);
	saved = dup(1);
	dup2(open("/dev/null", O_WRONLY), 1);
	ret = parse(&first, "--count", "3", "-h", NULL);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	TAP_IS(ret, 1, "-h after other options: help");
}

static void test_global(void)
{
	char *argv[] = { "dmapool-bench", "-v", "--json", "run", "--ctx", "x", NULL };
	char *bad[] = { "dmapool-bench", "-x", "run", NULL };

	verbose = 0;
	json_output = false;
	TAP_IS(opts_parse_global(6, argv), 3, "the global options stop at the subcommand");
	TAP_OK(verbose == 1 && json_output, "-v and --json before it are set");
	TAP_IS(opts_parse_global(3, bad), (uint64_t)-EINVAL, "-x is not a global option");
}

int main(void)
{
	test_compose();
	test_values();
	test_operands_and_globals();
	test_help();
	test_global();
	return tap_done();
}
