// SPDX-License-Identifier: GPL-2.0
/*
 * dmapool-bench plot: result files -> CSVs -> gnuplot (plots/NAME.gp) -> PNG
 * and SVG: latency percentile spectrum, log2 histograms, pool timeline.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "main.h"
#include "opts.h"
#include "result.h"

#define DMAPOOL_TITLE_SPEC 1100

/* Quotes would end gnuplot's strings: drop them from the title. */
static void clean_title(char *t)
{
	for (; *t; t++)
		if (*t == '\'' || *t == '"' || *t == '\\')
			*t = ' ';
}

/*
 * Everything here goes into gnuplot's single-quoted strings: the title is
 * cleaned of quotes, and a directory or series name with one is refused
 * (a quote would end the string and let the rest run as gnuplot commands).
 */
int plot_gnuplot(const char *script, const char *dir, const char *fmt,
		   const char *series, const char *title)
{
	char clean[512];
	char prog[PATH_MAX], expr[3 * PATH_MAX + 2048], name[NAME_MAX + 1];
	char out[PATH_MAX + NAME_MAX + 2];
	const char *base = strrchr(script, '/') ? strrchr(script, '/') + 1 : script;
	pid_t pid;
	struct afile a;
	siginfo_t info;
	int status, err;
	bool ok;

	if (strpbrk(dir, "'\"\\") || strpbrk(series, "'\"\\")) {
		p_err("plot: '%s' (series '%s'): a quote or backslash cannot go into a gnuplot string",
		      dir, series);
		return -EINVAL;
	}
	snprintf(clean, sizeof(clean), "%s", title);
	clean_title(clean);
	if (getenv("DMAPOOL_PLOTS"))
		snprintf(prog, sizeof(prog), "%s/%s.gp", getenv("DMAPOOL_PLOTS"), script);
	else
		snprintf(prog, sizeof(prog), "%s/../plots/%s.gp", self_dir(), script);
	snprintf(name, sizeof(name), "%s.%s", base, fmt);
	snprintf(out, sizeof(out), "%s/%s", dir, name);
	/* gnuplot writes a temporary; the image appears whole or not at all. */
	if (afile_open(&a, dir, name))
		return -EIO;
	snprintf(expr, sizeof(expr),
		 "datadir='%s'; out='%s'; fmt='%s'; series='%s'; title='%s'",
		 dir, a.tmp, fmt, series, clean);
	/* The child's freopen() would write our buffered output a second time. */
	fflush(NULL);
	pid = afile_fork_writer();
	if (pid < 0) {
		err = -errno;
		afile_close_written(&a, false);
		return err;
	}
	if (!pid) {
		if (!verbose) {
			FILE *devnull = freopen("/dev/null", "w", stdout);

			(void)devnull;
		}
		execlp("gnuplot", "gnuplot", "-e", expr, prog, (char *)NULL);
		fprintf(stderr, "dmapool-bench: cannot run gnuplot: %s (make deps installs it)\n",
			strerror(errno));
		_exit(127);
	}
	/* Exited, not reaped: its PID stays gnuplot's until we forget it. */
	while (waitid(P_PID, pid, &info, WEXITED | WNOWAIT) < 0 && errno == EINTR)
		;
	afile_writer_done();
	while ((err = waitpid(pid, &status, 0)) < 0 && errno == EINTR)
		;
	ok = err == pid && WIFEXITED(status) && !WEXITSTATUS(status);
	err = afile_close_written(&a, ok);
	if (!ok)
		p_err("gnuplot %s failed for %s", prog, out);
	else if (err == -ENODATA)
		p_err("gnuplot %s wrote nothing for %s", prog, out);
	return ok && !err ? 0 : -EIO;
}

/* "KERNEL (ACCEL): ctx=.. cpus=.. size=.. hold=.. zone=..": the spec's gist. */
static void default_title(struct json_object *meta, char *title, size_t len)
{
	static const char * const keep[] = { "ctx=", "cpus=", "size=", "hold=", "zone=" };
	char spec[DMAPOOL_TITLE_SPEC], *tok, *save;
	size_t used, i;

	snprintf(spec, sizeof(spec), "%s", jget_str(meta, "spec"));
	used = snprintf(title, len, "%s (%s):", jget_str(meta, "kernel"),
			jget_str(meta, "accel"));
	for (tok = strtok_r(spec, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
		for (i = 0; i < ARRAY_SIZE(keep); i++)
			if (!strncmp(tok, keep[i], strlen(keep[i])) && used < len)
				used += snprintf(title + used, len - used, " %s", tok);
}

/* The output directory: @outdir, or the first file's; writable, no quotes. */
static int plot_dir(const char *outdir, const char *first, char *dir, size_t len)
{
	char *slash;

	if (!outdir) {
		snprintf(dir, len, "%s", first);
		slash = strrchr(dir, '/');
		if (slash)
			*slash = '\0';
		else
			snprintf(dir, len, ".");
	} else {
		snprintf(dir, len, "%s", outdir);
		mkdir(dir, 0755);
	}
	/* The directory goes into gnuplot strings: no quotes in it. */
	if (strpbrk(dir, "'\"\\")) {
		p_err("plot: output directory '%s' contains a quote or backslash", dir);
		return -EINVAL;
	}
	if (access(dir, W_OK)) {
		p_err("plot: output directory '%s' is not writable: %s", dir,
		      strerror(errno));
		return -EINVAL;
	}
	return 0;
}

int plot_results(const char *const *files, int n, const char *outdir,
		 const char *formats, const char *title_in)
{
	static const char * const scripts[] = { "spectrum", "hist", "timeline" };
	struct json_object **results = calloc(n, sizeof(*results));
	char dir[PATH_MAX], series[1024], pools[64], title[512] = "";
	bool png = strstr(formats, "png"), svg = strstr(formats, "svg");
	int i, s, ret = EXIT_OK;

	if (!results)
		return EXIT_FAIL;
	for (i = 0; i < n && ret == EXIT_OK; i++) {
		results[i] = result_read(files[i]);
		if (!results[i])
			ret = EXIT_USAGE;
	}
	if (ret == EXIT_OK && plot_dir(outdir, files[0], dir, sizeof(dir)))
		ret = EXIT_USAGE;
	if (ret != EXIT_OK)
		goto out;
	if (title_in)
		snprintf(title, sizeof(title), "%s", title_in);
	else
		default_title(json_object_object_get(results[0], "meta"), title, 100);
	if (result_write_csvs(results, n, dir, series, sizeof(series), pools,
			      sizeof(pools))) {
		ret = EXIT_FAIL;
		goto out;
	}
	for (s = 0; s < 3; s++) {
		const char *list = s == 2 ? pools : series;

		if ((png && plot_gnuplot(scripts[s], dir, "png", list, title)) ||
		    (svg && plot_gnuplot(scripts[s], dir, "svg", list, title)))
			ret = EXIT_FAIL;
	}
	if (ret == EXIT_OK)
		p_info("plots in %s: spectrum, hist, timeline (%s)", dir, formats);
out:
	for (i = 0; i < n; i++)
		json_object_put(results[i]);
	free(results);
	return ret;
}

struct plot_opts {
	const char *output;
	const char *format;
	const char *title;
};

static int opt_format(const char *cmd, const struct opt *opt, const char *val,
		      void *obj)
{
	struct plot_opts *o = obj;

	(void)opt;
	if ((!strstr(val, "png") && !strstr(val, "svg")) ||
	    strspn(val, "pngsvg,") != strlen(val)) {
		p_err("%s: invalid --format '%s' (png, svg or png,svg)", cmd, val);
		return -EINVAL;
	}
	o->format = val;
	return 0;
}

static const struct opt plot_opts_table[] = {
	OPT_STR_("output", 'o', struct plot_opts, output, "DIR",
		 "where CSVs and images go (default: the first file's directory)"),
	OPT_FN_("format", 0, "LIST", opt_format, 0, "png, svg or png,svg (default png,svg)"),
	OPT_STR_("title", 0, struct plot_opts, title, "TEXT",
		 "plot title (default: kernel and the first result's spec)"),
};

static const struct opt_group plot_group = OPT_GROUP("Options", plot_opts_table);

static const struct cmd_help plot_help = {
	.name = "plot",
	.synopsis = "RESULT.json... [-o DIR] [--format png,svg] [--title TEXT]",
	.about =
"Render a result's latency percentile spectrum (one line per pool and\n"
"context; several files are overlaid), log2 latency histograms and the pool\n"
"size / avail / largest-free timeline with expansion marks.\n"
"\n"
"Every file is checked against result.schema.json first: one that does not\n"
"validate is named with the JSON path of its first problem.\n"
"\n"
"Exit status: 0 plotted, 1 gnuplot or writing failed, 2 bad input (an\n"
"option, or a result file that cannot be read or does not validate).\n",
	.examples =
"  dmapool-bench plot results/latest/result.json\n"
"  dmapool-bench plot a/result.json b/result.json -o /tmp/cmp --format svg\n",
};

int cmd_plot(int argc, char **argv)
{
	struct plot_opts o = { .format = "png,svg" };
	struct opt_use use[] = { { &plot_group, &o } };
	int first, ret;

	ret = opts_parse(&plot_help, use, ARRAY_SIZE(use), argc, argv, &first);
	if (ret)
		return ret > 0 ? EXIT_OK : EXIT_USAGE;
	if (first >= argc) {
		p_err("plot: no result file given (see 'dmapool-bench plot --help')");
		return EXIT_USAGE;
	}
	return plot_results((const char *const *)argv + first, argc - first,
			    o.output, o.format, o.title);
}
