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

/* The subtitle: the spec of every file plotted together. */
#define PLOT_SUBTITLE_LEN 4096

/*
 * Quotes would end gnuplot's strings, and a line break its command: @n bytes
 * of @t into @out, those as spaces.
 */
static void clean_title(char *out, size_t len, const char *t, size_t n)
{
	size_t m, lead, need;
	char *c;

	snprintf(out, len, "%.*s", (int)n, t);
	/* A cut in the middle of a UTF-8 character would make the SVG invalid. */
	m = strlen(out);
	for (lead = m; lead > 0 && m - lead < 4; lead--)
		if (((unsigned char)out[lead - 1] & 0xc0) != 0x80)
			break;
	if (lead > 0 && (unsigned char)out[lead - 1] >= 0xc0) {
		unsigned char b = out[lead - 1];

		need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2;
		if (m - (lead - 1) < need)
			out[lead - 1] = '\0';
	}
	for (c = out; *c; c++)
		if (*c == '\'' || *c == '"' || *c == '\\' || (unsigned char)*c < ' ')
			*c = ' ';
}

/* Reap gnuplot @pid and keep its image @a (@out) if it succeeded; 0 if so. */
static int gnuplot_wait(pid_t pid, struct afile *a, const char *prog,
			const char *out)
{
	siginfo_t info;
	int status, err;
	bool ok;

	/* Exited, not reaped: its PID stays gnuplot's until we forget it. */
	while (waitid(P_PID, pid, &info, WEXITED | WNOWAIT) < 0 && errno == EINTR)
		;
	afile_writer_done();
	while ((err = waitpid(pid, &status, 0)) < 0 && errno == EINTR)
		;
	ok = err == pid && WIFEXITED(status) && !WEXITSTATUS(status);
	err = afile_close_written(a, ok);
	if (!ok)
		p_err("gnuplot %s failed for %s", prog, out);
	else if (err == -ENODATA)
		p_err("gnuplot %s wrote nothing for %s", prog, out);
	return ok && !err ? 0 : -EIO;
}

/*
 * Everything here goes into gnuplot's single-quoted strings: the title is
 * cleaned of quotes, and a directory or series name with one is refused
 * (a quote would end the string and let the rest run as gnuplot commands).
 * @title is "TITLE" or "TITLE\nSUBTITLE"; the scripts wrap both to the
 * image width.
 */
int plot_gnuplot(const char *script, const char *dir, const char *fmt,
		 const char *series, const char *title)
{
	char head[512], sub[PLOT_SUBTITLE_LEN];
	char prog[PATH_MAX], expr[3 * PATH_MAX + PLOT_SUBTITLE_LEN + 2048];
	char out[PATH_MAX + NAME_MAX + 2], name[NAME_MAX + 1];
	const char *base = strrchr(script, '/') ? strrchr(script, '/') + 1 : script;
	const char *nl = strchr(title, '\n');
	struct afile a;
	pid_t pid;

	if (strpbrk(dir, "'\"\\") || strpbrk(series, "'\"\\")) {
		p_err("plot: '%s' (series '%s'): a quote or backslash cannot go into a gnuplot string",
		      dir, series);
		return -EINVAL;
	}
	clean_title(head, sizeof(head), title, nl ? (size_t)(nl - title) : strlen(title));
	clean_title(sub, sizeof(sub), nl ? nl + 1 : "", nl ? strlen(nl + 1) : 0);
	if (getenv("DMAPOOL_PLOTS"))
		snprintf(prog, sizeof(prog), "%s/%s.gp", getenv("DMAPOOL_PLOTS"), script);
	else
		snprintf(prog, sizeof(prog), "%s/plots/%s.gp", data_dir(), script);
	snprintf(name, sizeof(name), "%s.%s", base, fmt);
	snprintf(out, sizeof(out), "%s/%s", dir, name);
	/* gnuplot writes a temporary; the image appears whole or not at all. */
	if (afile_open(&a, dir, name))
		return -EIO;
	snprintf(expr, sizeof(expr),
		 "datadir='%s'; out='%s'; fmt='%s'; series='%s'; title='%s'; subtitle='%s'",
		 dir, a.tmp, fmt, series, head, sub);
	/* The child's freopen() would write our buffered output a second time. */
	fflush(NULL);
	pid = afile_fork_writer();
	if (pid < 0) {
		int err = -errno;

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
	return gnuplot_wait(pid, &a, prog, out);
}

/*
 * The heading of the plots of @results: "@title\nspec: SPEC", or with files
 * of different specs "@title\nfile 1: SPEC; file 2: SPEC". Without @title,
 * "KERNEL (ACCEL): " and the first file's workload in short.
 */
static void plot_heading(struct json_object *const *results, int n,
			 const char *title, char *buf, size_t len)
{
	struct json_object *meta = json_object_object_get(results[0], "meta");
	const char *spec = jget_str(meta, "spec");
	char work[256];
	size_t used;
	bool same = true;
	int i;

	if (title[0]) {
		used = snprintf(buf, len, "%s", title);
	} else {
		result_workload(meta, true, work, sizeof(work));
		used = snprintf(buf, len, "%s (%s): %s", jget_str(meta, "kernel"),
				jget_str(meta, "accel"), work);
	}
	for (i = 1; i < n; i++)
		same &= !strcmp(spec, jget_str(json_object_object_get(results[i], "meta"),
					       "spec"));
	if (used >= len)
		return;		/* the title filled it */
	if (same) {
		snprintf(buf + used, len - used, "\nspec: %s", spec);
		return;
	}
	for (i = 0; i < n && used < len; i++)
		used += snprintf(buf + used, len - used, "%sfile %d: %s",
				 i ? "; " : "\n", i + 1,
				 jget_str(json_object_object_get(results[i], "meta"), "spec"));
}

/*
 * The directory the plots go to: @outdir (created), else that of the first
 * result file @first. EXIT_USAGE after one line when it cannot be used.
 */
static int plot_outdir(const char *first, const char *outdir, char *dir)
{
	char *slash;

	if (!outdir) {
		snprintf(dir, PATH_MAX, "%s", first);
		slash = strrchr(dir, '/');
		if (slash)
			*slash = '\0';
		else
			snprintf(dir, PATH_MAX, ".");
	} else {
		snprintf(dir, PATH_MAX, "%s", outdir);
		mkdir(dir, 0755);
	}
	/* The directory goes into gnuplot strings: no quotes in it. */
	if (strpbrk(dir, "'\"\\")) {
		p_err("plot: output directory '%s' contains a quote or backslash", dir);
		return EXIT_USAGE;
	}
	if (access(dir, W_OK)) {
		p_err("plot: output directory '%s' is not writable: %s", dir,
		      strerror(errno));
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

/* The CSVs of @results in @dir, and the plots from them: an exit status. */
static int plot_write(struct json_object *const *results, int n,
		      const char *dir, const char *title, bool png, bool svg,
		      const char *formats)
{
	static const char * const scripts[] = { "spectrum", "hist", "timeline" };
	char series[1024], pools[64], heading[512 + PLOT_SUBTITLE_LEN];
	int s, ret = EXIT_OK;

	plot_heading(results, n, title, heading, sizeof(heading));
	if (result_write_csvs(results, n, dir, series, sizeof(series), pools,
			      sizeof(pools)))
		return EXIT_FAIL;
	for (s = 0; s < 3; s++) {
		const char *list = s == 2 ? pools : series;

		if ((png && plot_gnuplot(scripts[s], dir, "png", list, heading)) ||
		    (svg && plot_gnuplot(scripts[s], dir, "svg", list, heading)))
			ret = EXIT_FAIL;
	}
	if (ret == EXIT_OK)
		p_info("plots in %s: spectrum, hist, timeline (%s)", dir, formats);
	return ret;
}

int plot_results(const char *const *files, int n, const char *outdir,
		 const char *formats, const char *title)
{
	struct json_object **results = calloc(n, sizeof(*results));
	char dir[PATH_MAX];
	int i, ret = EXIT_OK;

	if (!results)
		return EXIT_FAIL;
	for (i = 0; i < n && ret == EXIT_OK; i++) {
		results[i] = result_read(files[i]);
		if (!results[i])
			ret = EXIT_USAGE;
	}
	if (ret == EXIT_OK)
		ret = plot_outdir(files[0], outdir, dir);
	if (ret == EXIT_OK)
		ret = plot_write(results, n, dir, title ? title : "",
				 strstr(formats, "png"), strstr(formats, "svg"), formats);
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
		 "plot title (default: kernel and the first result's workload);\n"
		 "the full spec is the subtitle either way"),
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
