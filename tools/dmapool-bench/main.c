// SPDX-License-Identifier: GPL-2.0
/*
 * dmapool-bench: benchmark and trace the kernel's atomic DMA pools.
 */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "main.h"
#include "opts.h"

bool json_output;
int verbose;

static const struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *what;
} cmds[] = {
	{ "run", cmd_run, "run a workload in the bench pool, measure it with BPF, write results" },
	{ "plot", cmd_plot, "plot one or more result files with gnuplot" },
	{ "monitor", cmd_monitor, "live per-interval view of the bench pools or the kernel's own" },
	{ "capture", cmd_capture, "record the kernel's real pool traffic into a capture file" },
	{ "record", cmd_record, "run a workload traced by ftrace (no BPF) into a raw recording" },
	{ "report", cmd_report, "turn a recording into result.json, CSVs and plots like run's" },
	{ "profiles", cmd_profiles, "list the driver profiles, or show one with its sources" },
	{ "compare", cmd_compare, "run one workload under several coherent_pool settings; --recommend" },
	{ "bench", cmd_bench, "tracing overhead vs bpftrace and ftrace, generator capacity, lost events" },
	{ "gate", cmd_gate, "CI performance gate: candidate vs baseline, statistically" },
};

void p_err(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* What went to stdout first shows first, even through a pipe or file. */
	fflush(stdout);
	if (json_output) {
		char *c;

		/* A message is one line; quotes and backslashes escaped. */
		printf("{\"error\":\"");
		for (c = msg; *c; c++) {
			if (*c == '"' || *c == '\\')
				putchar('\\');
			putchar(*c == '\n' ? ' ' : *c);
		}
		printf("\"}\n");
	} else {
		fprintf(stderr, "dmapool-bench: %s\n", msg);
	}
}

void p_info(const char *fmt, ...)
{
	va_list ap;

	if (json_output)
		return;
	fflush(stdout);
	va_start(ap, fmt);
	fputs("dmapool-bench: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

const char *self_exe(void)
{
	static char path[PATH_MAX];
	ssize_t n;

	if (!path[0]) {
		n = readlink("/proc/self/exe", path, sizeof(path) - 1);
		if (n < 0)
			n = 0;
		path[n] = '\0';
	}
	return path;
}

const char *self_dir(void)
{
	static char dir[PATH_MAX];
	char tmp[PATH_MAX];

	if (!dir[0]) {
		snprintf(tmp, sizeof(tmp), "%s", self_exe());
		snprintf(dir, sizeof(dir), "%s", dirname(tmp));
	}
	return dir;
}

/*
 * Where our data files are (profiles/, plots/, bpf/bpftrace/, tools/dmapool-vm):
 * the source tree when the CLI runs from its build directory
 * (TOP/build/dmapool-bench, TOP/build/asan/dmapool-bench,
 * TOP/build/arm64/dmapool-bench, where TOP has bench-module/Kbuild: not just
 * any directory near a tree), else PREFIX/share/dmapool-bench beside an installed
 * PREFIX/sbin/dmapool-bench (the Debian package's layout, which mirrors the
 * tree's). DMAPOOL_DATADIR overrides both.
 */
const char *data_dir(void)
{
	static char dir[PATH_MAX + 32];
	char try[PATH_MAX + 64], up[PATH_MAX], *slash;
	const char *env = getenv("DMAPOOL_DATADIR");
	struct stat st;
	int i;

	if (env && *env)
		return env;
	if (dir[0])
		return dir;
	snprintf(up, sizeof(up), "%s", self_dir());
	for (i = 0; i < 2 && (slash = strrchr(up, '/')) && slash != up; i++) {
		*slash = '\0';
		if (strcmp(slash + 1, "build"))
			continue;
		snprintf(try, sizeof(try), "%s/bench-module/Kbuild", up);
		if (!stat(try, &st)) {
			snprintf(dir, sizeof(dir), "%s", up);
			return dir;
		}
		break;
	}
	snprintf(dir, sizeof(dir), "%s/../share/dmapool-bench", self_dir());
	if (realpath(dir, up))
		snprintf(dir, sizeof(dir), "%s", up);
	return dir;
}

bool data_in_tree(void)
{
	char try[PATH_MAX + 32];
	struct stat st;

	snprintf(try, sizeof(try), "%s/bench-module/Kbuild", data_dir());
	return !stat(try, &st);
}

int parse_uint_opt(const char *cmd, const char *opt, const char *val,
		   unsigned long min, unsigned long max, const char *unit,
		   unsigned int *out)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(val, &end, 10);
	if (errno || *end || !*val || *val == '-' || v < min || v > max) {
		p_err("%s: invalid --%s '%s' (%lu..%lu%s)", cmd, opt, val, min,
		      max, unit);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

const char *fmt_bytes(uint64_t bytes, char *buf, size_t len)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	unsigned int u = 0;
	uint64_t div = 1;

	while (u + 1 < ARRAY_SIZE(units) && bytes >= div * 1024) {
		div *= 1024;
		u++;
	}
	if (bytes % div == 0)
		snprintf(buf, len, "%llu %s", (unsigned long long)(bytes / div), units[u]);
	else
		snprintf(buf, len, "%.1f %s", (double)bytes / div, units[u]);
	return buf;
}

int parse_duration_ns(const char *s, uint64_t *ns)
{
	static const struct {
		const char *unit;
		uint64_t ns;
	} units[] = {
		{ "ns", 1 }, { "us", 1000 }, { "ms", 1000000 },
		{ "s", 1000000000 }, { "", 1000000000 },
	};
	char *end;
	unsigned long long v;
	size_t i;

	if (!*s || *s == '-' || *s == '+')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(units); i++) {
		if (!strcmp(end, units[i].unit)) {
			if (v > UINT64_MAX / units[i].ns)
				return -ERANGE;
			*ns = v * units[i].ns;
			return 0;
		}
	}
	return -EINVAL;
}

static void usage(FILE *f)
{
	size_t i;

	if (opts_doc()) {
		for (i = 0; i < ARRAY_SIZE(cmds); i++)
			fprintf(f, "command\t%s\t%s\n", cmds[i].name, cmds[i].what);
		opts_doc_global(f);
		return;
	}
	fprintf(f,
		"Usage: dmapool-bench [OPTIONS] COMMAND [ARGS...]\n"
		"       dmapool-bench COMMAND --help\n\n"
		"Benchmark and trace the kernel's atomic DMA pools.\n\nCommands:\n");
	for (i = 0; i < ARRAY_SIZE(cmds); i++)
		fprintf(f, "  %-8s %s\n", cmds[i].name, cmds[i].what);
	fputc('\n', f);
	opts_global_usage(f);
	fprintf(f,
		"\nThe options are accepted before or after COMMAND.\n\n"
		"Examples:\n"
		"  dmapool-bench run --ctx hardirq --cpus 0-1 --duration 2s -o results/latest --plot\n"
		"  dmapool-bench plot results/latest/result.json -o results/latest\n"
		"  dmapool-bench monitor --target kernel -T --hist\n"
		"  dmapool-bench compare --coherent-pool 128K,512K,2M -o results/compare\n"
		"  dmapool-bench gate results/baseline/result.json results/latest/result.json\n");
}

int main(int argc, char **argv)
{
	char names[256];
	size_t i, n = 0;
	int first;

	first = opts_parse_global(argc, argv);
	if (first < 0)
		return EXIT_USAGE;
	if (first > argc) {
		usage(stdout);
		return EXIT_OK;
	}
	if (first == argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		if (!strcmp(argv[first], cmds[i].name))
			return cmds[i].fn(argc - first, argv + first);
		n += snprintf(names + n, sizeof(names) - n, "%s%s",
			      i ? ", " : "", cmds[i].name);
	}
	p_err("unknown command '%s' (commands: %s; see --help)", argv[first], names);
	return EXIT_USAGE;
}
