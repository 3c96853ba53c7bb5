// SPDX-License-Identifier: GPL-2.0
/*
 * The tracers `bench` measures (struct tracer, run.h): (c) bpftrace running
 * bpf/bpftrace/dmapool-totals.bt, (d) ftrace hist triggers on the same
 * events. (a), nothing attached, is the tracer with no ops; (b), our BPF
 * programs, and (e), record, are run's and record's own tracers.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <tracefs.h>

#include "bench.h"
#include "collect.h"
#include "main.h"

static struct traced bt_last;	/* the bpftrace tracer's, read at its stop */

const struct traced *bench_bpftrace_counts(void)
{
	return &bt_last;
}

/* (a): nothing attached, nothing to do. */
static const struct tracer none_tracer = { .cmd = "bench" };

/* --- a tracer as a child process --------------------------------------------- */

static bool file_has(const char *path, const char *needle)
{
	char line[512];
	bool found = false;
	FILE *f = fopen(path, "r");

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, needle) != NULL;
	fclose(f);
	return found;
}

int bench_child_start(struct bench_child *c, char *const argv[], const char *ready)
{
	uint64_t t0 = mono_ns();
	int fd, status;

	unlink(c->out);
	fflush(NULL);
	c->pid = fork();
	if (c->pid < 0)
		return -errno;
	if (!c->pid) {
		fd = open(c->out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd >= 0) {
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
			close(fd);
		}
		execvp(argv[0], argv);
		fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	while (!file_has(c->out, ready)) {
		if (waitpid(c->pid, &status, WNOHANG) == c->pid ||
		    mono_ns() - t0 > 180000000000ull) {
			p_err("bench: %s did not start (see %s)", argv[0], c->out);
			kill(c->pid, SIGKILL);
			waitpid(c->pid, &status, 0);
			return -EIO;
		}
		usleep(20000);
	}
	return 0;
}

int bench_child_stop(struct bench_child *c, const char *what)
{
	uint64_t t0 = mono_ns(), sent = t0;
	struct stat st;
	off_t size0 = stat(c->out, &st) ? 0 : st.st_size;
	int status;
	pid_t got;

	kill(c->pid, SIGINT);
	/*
	 * bpftrace 0.17 now and then misses a SIGINT (seen about once in 20
	 * runs here: it keeps polling and never prints its maps), so repeat
	 * it every second until it starts printing. Bounded: a child that
	 * does not exit fails the run.
	 */
	while ((got = waitpid(c->pid, &status, WNOHANG)) == 0 &&
	       mono_ns() - t0 < 120000000000ull) {
		usleep(20000);
		if (mono_ns() - sent > 1000000000ull &&
		    (stat(c->out, &st) || st.st_size == size0)) {
			kill(c->pid, SIGINT);
			sent = mono_ns();
		}
	}
	if (!got) {
		p_err("bench: %s did not exit 120 s after SIGINT, killed (see %s)",
		      what, c->out);
		kill(c->pid, SIGKILL);
		waitpid(c->pid, &status, 0);
		return -ETIMEDOUT;
	}
	if (got != c->pid || !WIFEXITED(status) || WEXITSTATUS(status)) {
		p_err("bench: %s failed (see %s)", what, c->out);
		return -EIO;
	}
	return 0;
}

/* --- tracer (c): bpftrace, the same aggregation as a script ---------------- */

static int bt_start(const struct run_opts *o, const char *outdir, void **priv,
		    const char **how)
{
	struct bench_child *b = calloc(1, sizeof(*b));
	char script[PATH_MAX];
	char *argv[3];
	int err;

	(void)o;
	if (!b)
		return -ENOMEM;
	argv[0] = "bpftrace";
	argv[1] = script;
	argv[2] = NULL;
	snprintf(script, sizeof(script), "%s/bpf/bpftrace/dmapool-totals.bt",
		 data_dir());
	snprintf(b->out, sizeof(b->out), "%s/.bench-bpftrace.txt", outdir);
	/* BEGIN prints once every probe is attached. */
	err = bench_child_start(b, argv, "Tracing dmapool_bench");
	if (err) {
		free(b);
		return err;
	}
	*priv = b;
	*how = "bpftrace";
	return 0;
}

/* The sum of a printed count map's values: lines "@MAP[...]: N". */
static int64_t bt_sum(const char *path, const char *map)
{
	char line[512];
	int64_t sum = 0;
	size_t n = strlen(map);
	FILE *f = fopen(path, "r");
	char *colon;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		colon = strrchr(line, ':');
		if (!strncmp(line, map, n) && line[n] == '[' && colon)
			sum += strtoll(colon + 1, NULL, 10);
	}
	fclose(f);
	return sum;
}

/* Ctrl-C: bpftrace prints its maps and exits; keep the counts. */
static void bt_stop(void *priv)
{
	struct bench_child *b = priv;

	bt_last.ops = bt_last.frees = -1;
	bt_last.dropped = 0;
	if (bench_child_stop(b, "bpftrace"))
		return;
	bt_last.ops = bt_sum(b->out, "@allocs");
	bt_last.frees = bt_sum(b->out, "@frees");
}

static bool bt_finish(void *priv, const struct run_opts *o,
		      struct json_object *root, const char *outdir)
{
	struct bench_child *b = priv;

	(void)o;
	(void)root;
	(void)outdir;
	if (bt_last.ops >= 0)
		unlink(b->out);
	free(b);
	return true;
}

static const struct tracer bpftrace_tracer = {
	.cmd = "bench",
	.start = bt_start, .stop = bt_stop, .finish = bt_finish,
};

/* --- tracer (d): ftrace hist triggers on the same events ------------------- */

static const char * const ftrace_hist_events[2] = { "pool_alloc", "pool_free" };
static const char * const ftrace_hist_triggers[2] = {
	"hist:keys=pool,result,latency_ns.log2",
	"hist:keys=pool,latency_ns.log2",
};

static int ftrace_hist_write(int i, bool remove)
{
	char line[128];

	snprintf(line, sizeof(line), "%s%s\n", remove ? "!" : "", ftrace_hist_triggers[i]);
	if (tracefs_event_file_append(NULL, "dmapool_bench", ftrace_hist_events[i],
				      "trigger", line) < 0) {
		p_err("bench: cannot %s the hist trigger on dmapool_bench/%s: %s",
		      remove ? "remove" : "set", ftrace_hist_events[i], strerror(errno));
		return -EIO;
	}
	return 0;
}

static int ftrace_hist_start(const struct run_opts *o, const char *outdir, void **priv,
		      const char **how)
{
	(void)o;
	(void)outdir;
	if (ftrace_hist_write(0, false))
		return -EIO;
	if (ftrace_hist_write(1, false)) {
		ftrace_hist_write(0, true);
		return -EIO;
	}
	*priv = NULL;
	*how = "ftrace-hist";
	return 0;
}

/* "    Hits: N" and "    Dropped: N" of a hist file's totals. */
static int64_t ftrace_hist_total(const char *text, const char *key)
{
	const char *p = text ? strstr(text, "Totals:") : NULL;

	p = p ? strstr(p, key) : NULL;
	return p ? strtoll(p + strlen(key), NULL, 10) : -1;
}

static int ftrace_hist_end(void *priv, const struct run_opts *o,
		    struct json_object *run, uint64_t t0, uint64_t t1, bool *ok)
{
	struct json_object *j = json_object_new_object();
	int64_t hits[2], dropped = 0;
	char *text;
	int i, len;

	(void)priv;
	(void)o;
	(void)t0;
	(void)t1;
	(void)ok;
	for (i = 0; i < 2; i++) {
		text = tracefs_event_file_read(NULL, "dmapool_bench", ftrace_hist_events[i],
					       "hist", &len);
		hits[i] = ftrace_hist_total(text, "Hits:");
		if (ftrace_hist_total(text, "Dropped:") > 0)
			dropped += ftrace_hist_total(text, "Dropped:");
		free(text);
	}
	json_object_object_add(j, "ops", json_object_new_int64(hits[0]));
	json_object_object_add(j, "frees", json_object_new_int64(hits[1]));
	json_object_object_add(j, "dropped", json_object_new_int64(dropped));
	json_object_object_add(run, "hist_totals", j);
	return 0;
}

static void ftrace_hist_stop(void *priv)
{
	(void)priv;
	ftrace_hist_write(0, true);
	ftrace_hist_write(1, true);
}

static const struct tracer ftrace_hist_tracer = {
	.cmd = "bench",
	.start = ftrace_hist_start, .end = ftrace_hist_end, .stop = ftrace_hist_stop,
};

const struct tracer *const bench_tracers[NR_TRACERS] = {
	&none_tracer, &bpf_tracer, &bpftrace_tracer, &ftrace_hist_tracer,
	&record_tracer,
};
