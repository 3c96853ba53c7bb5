/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dmapool-bench CLI: shared declarations. Subcommands live in their own
 * files; main.c dispatches, as bpftool does.
 */
#ifndef DMAPOOL_BENCH_MAIN_H
#define DMAPOOL_BENCH_MAIN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

/* The kernel's spelling of the printf-format attribute (compiler_attributes.h). */
#ifndef __printf
#define dmapool_attr(x) __attribute__((x))
#define __printf(a, b) dmapool_attr(format(printf, a, b))
#endif

/* Exit statuses of every subcommand. */
#define EXIT_OK		0
#define EXIT_FAIL	1	/* the work failed, or a check did */
#define EXIT_USAGE	2	/* bad input: option, value, file */

extern bool json_output;
extern int verbose;

/* One error printer: a lowercase line on stderr, or a JSON object. */
__printf(1, 2) void p_err(const char *fmt, ...);
__printf(1, 2) void p_info(const char *fmt, ...);

/* The directory of our own executable (build/), and the project root. */
const char *self_dir(void);
const char *self_exe(void);
/*
 * The directory holding profiles/, plots/, bpf/bpftrace/ and tools/dmapool-vm:
 * the source tree's top, or PREFIX/share/dmapool-bench when installed
 * ($DMAPOOL_DATADIR overrides); data_in_tree() tells which.
 */
const char *data_dir(void);
bool data_in_tree(void);

/*
 * @bytes in binary units for people: "512 B", "64 KiB", "1.5 MiB" (one
 * decimal unless exact). Returns @buf.
 */
const char *fmt_bytes(uint64_t bytes, char *buf, size_t len);

/* Parse a duration such as 2s, 500ms, 100us, 3 (seconds) into ns. */
int parse_duration_ns(const char *s, uint64_t *ns);
/* --@opt @val, unsigned in [@min, @max]; else -EINVAL after one line. */
int parse_uint_opt(const char *cmd, const char *opt, const char *val,
		   unsigned long min, unsigned long max, const char *unit,
		   unsigned int *out);

/*
 * gnuplot plots/@script.gp with datadir=@dir, series and title set, out= a
 * temporary renamed to @dir/@script.@fmt when gnuplot succeeded and wrote
 * something; 0 when the image is there. @title may be "TITLE\nSUBTITLE":
 * the script sets both (wrapped to the image's width).
 */
int plot_gnuplot(const char *script, const char *dir, const char *fmt,
		 const char *series, const char *title);

/*
 * plot @files into @outdir (NULL: the first file's directory) as @formats
 * ("png", "svg", "png,svg"), titled @title (NULL: from the first result).
 * Returns an exit status.
 */
int plot_results(const char *const *files, int n, const char *outdir,
		 const char *formats, const char *title);

int cmd_run(int argc, char **argv);
int cmd_plot(int argc, char **argv);
int cmd_monitor(int argc, char **argv);
int cmd_record(int argc, char **argv);
int cmd_capture(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_gate(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_profiles(int argc, char **argv);

#endif
