// SPDX-License-Identifier: GPL-2.0
/*
 * run --replay FILE [--speed X]: the capture loaded with capfile.c, turned
 * into a schedule (replay-sched.c), written to the module's `replay` file in
 * chunks of whole lines, started, waited for, and measured by the run's
 * tracer like a generator run.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "collect.h"
#include "kmod.h"
#include "main.h"
#include "replay-sched.h"
#include "result.h"
#include "run.h"

#define REPLAY_CHUNK (DMAPOOL_MAX_REPLAY_WRITE - 128)	/* bytes per write */

struct replay_data {
	char path[PATH_MAX];		/* as given */
	struct cap_meta meta;
	size_t records;
	uint32_t crc32;			/* the trailer's (checked by capfile) */
	uint32_t speed_milli;
	struct replay_sched sched;
};

/*
 * The trailer's crc32 is zlib's crc32 of every byte before the last line:
 * capfile_load() has checked that they agree, so compute it again here.
 */
static int file_crc32(const char *path, uint32_t *crc)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long len;
	size_t n;
	int ret = -EIO;

	if (!f)
		return -errno;
	if (fseek(f, 0, SEEK_END))
		goto out;
	len = ftell(f);
	if (len <= 0 || fseek(f, 0, SEEK_SET))
		goto out;
	buf = malloc(len);
	if (!buf || fread(buf, 1, len, f) != (size_t)len)
		goto out;
	/* The last line starts after the newline before the final one. */
	n = len - 1;
	while (n && buf[n - 1] != '\n')
		n--;
	*crc = crc32(0L, (const Bytef *)buf, n);
	ret = 0;
out:
	free(buf);
	fclose(f);
	return ret;
}

/* What replay_opts_load() loaded, freed at exit (compare keeps it). */
static struct replay_data *replay_loaded;

static void replay_free_loaded(void)
{
	if (!replay_loaded)
		return;
	replay_sched_free(&replay_loaded->sched);
	free(replay_loaded);
	replay_loaded = NULL;
}

int replay_opts_load(struct run_opts *o)
{
	static bool registered;
	char err[CAP_ERR_LEN];
	struct replay_data *d;
	struct capfile cf;
	int ret;

	if (!o->replay) {
		if (o->speed) {
			p_err("%s: --speed needs --replay FILE", o->cmd);
			return -EINVAL;
		}
		return 0;
	}
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	snprintf(d->path, sizeof(d->path), "%s", o->replay);
	d->speed_milli = 1000;
	if (o->speed && replay_parse_speed(o->speed, &d->speed_milli)) {
		p_err("%s: invalid --speed '%s' (a factor from 0.001 to 1000, at most 3 decimals)",
		      o->cmd, o->speed);
		free(d);
		return -EINVAL;
	}
	ret = capfile_load(o->replay, &cf, err, sizeof(err));
	if (ret) {
		p_err("%s: %s", o->cmd, err);
		free(d);
		return -EINVAL;
	}
	ret = replay_convert(cf.recs, cf.nr, &d->sched, err, sizeof(err));
	if (ret) {
		p_err("%s: cannot replay %s: %s", o->cmd, o->replay, err);
		capfile_free(&cf);
		free(d);
		return -EINVAL;
	}
	d->meta = cf.meta;
	d->records = cf.nr;
	capfile_free(&cf);
	if (file_crc32(o->replay, &d->crc32)) {
		p_err("%s: cannot read %s again: %s", o->cmd, o->replay,
		      strerror(errno));
		replay_sched_free(&d->sched);
		free(d);
		return -EINVAL;
	}
	replay_free_loaded();
	replay_loaded = d;
	if (!registered)
		registered = !atexit(replay_free_loaded);
	o->rp = d;
	return 0;
}

struct json_object *replay_meta(const struct run_opts *o)
{
	const struct replay_data *d = o->rp;
	struct json_object *m;
	char crc[16];

	if (!d)
		return NULL;
	m = json_object_new_object();
	snprintf(crc, sizeof(crc), "0x%08x", d->crc32);
	json_object_object_add(m, "file", json_object_new_string(d->path));
	json_object_object_add(m, "crc32", json_object_new_string(crc));
	json_object_object_add(m, "records", json_object_new_uint64(d->records));
	json_object_object_add(m, "kernel", json_object_new_string(d->meta.kernel));
	json_object_object_add(m, "arch", json_object_new_string(d->meta.arch));
	json_object_object_add(m, "speed", json_object_new_double(d->speed_milli / 1000.0));
	json_object_object_add(m, "frees", json_object_new_uint64(d->sched.nr_frees));
	json_object_object_add(m, "span_ns", json_object_new_uint64(d->sched.span_ns));
	return m;
}

/* One write(2) of @len bytes to the `replay` file: 0 or -errno. */
static int replay_write(int fd, const char *buf, size_t len)
{
	ssize_t n = write(fd, buf, len);

	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

/* Clear, load the schedule in chunks of whole lines, start. */
static int replay_load_start(const struct replay_data *d)
{
	char *buf = malloc(REPLAY_CHUNK), start[32];
	size_t i, used = 0;
	int fd, n, ret;

	if (!buf)
		return -ENOMEM;
	fd = open(KMOD_DEBUGFS "/replay", O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		p_err("cannot open %s/replay: %s (a module without replay?)",
		      KMOD_DEBUGFS, strerror(errno));
		free(buf);
		return ret;
	}
	ret = replay_write(fd, "clear", 5);
	for (i = 0; !ret && i <= d->sched.nr; i++) {
		char line[96];

		n = i < d->sched.nr ?
		    replay_op_format(&d->sched.ops[i], line, sizeof(line)) : 0;
		if (used && (i == d->sched.nr || used + n > REPLAY_CHUNK)) {
			ret = replay_write(fd, buf, used);
			used = 0;
		}
		memcpy(buf + used, line, n);
		used += n;
	}
	if (ret) {
		p_err(ret == -EBUSY ? "a replay is already in progress (echo stop > %s/replay)" :
		      "the module refused the schedule: %s (see dmesg)",
		      ret == -EBUSY ? KMOD_DEBUGFS : strerror(-ret));
	} else {
		snprintf(start, sizeof(start), "start speed=%u.%03u",
			 d->speed_milli / 1000, d->speed_milli % 1000);
		ret = replay_write(fd, start, strlen(start));
		if (ret)
			p_err(ret == -EBUSY ? "a generator run is in progress (echo stop > %s/control)" :
			      "the module refused to start the replay: %s (see dmesg)",
			      ret == -EBUSY ? KMOD_DEBUGFS : strerror(-ret));
	}
	close(fd);
	free(buf);
	return ret;
}

static void replay_stop(void)
{
	int fd = open(KMOD_DEBUGFS "/replay", O_WRONLY | O_CLOEXEC);

	if (fd >= 0) {
		if (replay_write(fd, "stop", 4))
			p_err("cannot stop the replay: %s", strerror(errno));
		close(fd);
	}
}

struct json_object *replay_run_once(const struct run_opts *o,
				    const struct tracer *t, void *priv,
				    unsigned int index, bool *ok)
{
	const struct replay_data *d = o->rp;
	struct json_object *run, *st = NULL;
	uint64_t t0, limit_ns;
	const char *state;

	t0 = mono_ns();
	if (t->begin && t->begin(priv, t0))
		return NULL;
	if (replay_load_start(d))
		return NULL;
	/* The schedule at its speed, and a minute for the pools and frees. */
	limit_ns = d->sched.span_ns * 1000 / d->speed_milli + 60000000000ull;
	for (;;) {
		if (t->wait)
			t->wait(priv, 100);
		else
			usleep(100 * 1000);
		json_object_put(st);
		st = kmod_read("replay");
		state = jget_str(st, "state");
		if (strcmp(state, "running"))
			break;
		if (run_interrupted() || mono_ns() - t0 > limit_ns) {
			if (!run_interrupted())
				p_err("replay did not finish in time, stopping it");
			replay_stop();
		}
	}
	if (strcmp(state, "done") && strcmp(state, "stopped")) {
		p_err("replay ended in state '%s'", state);
		json_object_put(st);
		return NULL;
	}
	run = json_object_new_object();
	json_object_object_add(run, "index", json_object_new_int(index));
	json_object_object_add(run, "state", json_object_new_string(state));
	json_object_object_add(run, "elapsed_ns",
			       json_object_new_uint64(jget_u64(st, "elapsed_ns")));
	json_object_object_add(run, "module_stats", st);
	if (t->end && t->end(priv, o, run, t0, mono_ns(), ok)) {
		json_object_put(run);
		return NULL;
	}
	return run;
}
