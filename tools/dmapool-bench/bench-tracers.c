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

/* --- tracer (c): bpftrace, the same aggregation as a script ---------------- */

struct bt_run {
	pid_t pid;
	char out[PATH_MAX];
};

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

static int bt_start(const struct run_opts *o, const char *outdir, void **priv,
		    const char **how)
{
	struct bt_run *b = calloc(1, sizeof(*b));
	char script[PATH_MAX];
	uint64_t t0 = mono_ns();
	int fd, status;

	(void)o;
	if (!b)
		return -ENOMEM;
	snprintf(script, sizeof(script), "%s/../bpf/bpftrace/dmapool-totals.bt",
		 self_dir());
	snprintf(b->out, sizeof(b->out), "%s/.bench-bpftrace.txt", outdir);
	unlink(b->out);
	fflush(NULL);
	b->pid = fork();
	if (b->pid < 0) {
		free(b);
		return -errno;
	}
	if (!b->pid) {
		fd = open(b->out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd >= 0) {
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
			close(fd);
		}
		execlp("bpftrace", "bpftrace", script, (char *)NULL);
		fprintf(stderr, "cannot run bpftrace: %s\n", strerror(errno));
		_exit(127);
	}
	/* BEGIN prints once every probe is attached. */
	while (!file_has(b->out, "Tracing dmapool_bench")) {
		if (waitpid(b->pid, &status, WNOHANG) == b->pid ||
		    mono_ns() - t0 > 180000000000ull) {
			p_err("bench: bpftrace %s did not start (see %s)", script, b->out);
			kill(b->pid, SIGKILL);
			waitpid(b->pid, &status, 0);
			free(b);
			return -EIO;
		}
		usleep(20000);
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
	struct bt_run *b = priv;
	int status;

	uint64_t t0 = mono_ns(), sent = t0;
	struct stat st;
	off_t size0 = stat(b->out, &st) ? 0 : st.st_size;
	pid_t got;

	bt_last.ops = bt_last.frees = -1;
	bt_last.dropped = 0;
	kill(b->pid, SIGINT);
	/*
	 * bpftrace 0.17 now and then misses a SIGINT (seen about once in 20
	 * runs here: it keeps polling and never prints its maps), so repeat
	 * it every second until it starts printing. Bounded: a bpftrace that
	 * does not exit fails the run.
	 */
	while ((got = waitpid(b->pid, &status, WNOHANG)) == 0 &&
	       mono_ns() - t0 < 120000000000ull) {
		usleep(20000);
		if (mono_ns() - sent > 1000000000ull &&
		    (stat(b->out, &st) || st.st_size == size0)) {
			kill(b->pid, SIGINT);
			sent = mono_ns();
		}
	}
	if (!got) {
		p_err("bench: bpftrace did not exit 120 s after SIGINT, killed (see %s)",
		      b->out);
		kill(b->pid, SIGKILL);
		waitpid(b->pid, &status, 0);
		return;
	}
	if (got != b->pid || !WIFEXITED(status) || WEXITSTATUS(status)) {
		p_err("bench: bpftrace failed (see %s)", b->out);
		return;
	}
	bt_last.ops = bt_sum(b->out, "@allocs");
	bt_last.frees = bt_sum(b->out, "@frees");
}

static bool bt_finish(void *priv, const struct run_opts *o,
		      struct json_object *root, const char *outdir)
{
	struct bt_run *b = priv;

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
