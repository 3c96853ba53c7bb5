// SPDX-License-Identifier: GPL-2.0
/*
 * dmapool-bench record: `run` without BPF. The same options, module handling
 * and run loop (run.c), but the events go through ftrace: a private
 * instance with the dmapool_bench events enabled, its per-CPU ring-buffer
 * pages streamed raw (trace_pipe_raw) into a file with the event formats
 * and the result skeleton; `report` turns that file into a result.
 *
 * For machines where BPF is unavailable or forbidden. The file format is
 * described in recfile.h.
 */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <kbuffer.h>
#include <tracefs.h>

#include "collect.h"
#include "main.h"
#include "recfile.h"
#include "result.h"
#include "run.h"

struct recorder {
	struct tracefs_instance *inst;
	char name[64];
	int ncpus;
	struct tracefs_cpu **tcpu;	/* per CPU; NULL where none opened */
	char **stats;			/* per CPU, at the end */
	char *page;			/* one ring-buffer page */
	int page_size;
	int long_size;			/* the kernel's long */
	struct kbuffer *kbuf;
	struct afile out;
	const char *path;
	bool io_error;
	unsigned int runs;
	uint64_t pages, bytes;
	uint64_t missed, missed_unknown;	/* from the pages' headers */
};

static int write_section(struct recorder *r, uint32_t type, uint32_t cpu,
			 const void *data, size_t len)
{
	struct rec_section_header h = {
		.type = type, .cpu = cpu, .len = (uint32_t)len,
		.crc = (uint32_t)crc32(0, data, len),
	};

	if (r->io_error)
		return -EIO;
	if (len > UINT32_MAX || fwrite(&h, sizeof(h), 1, r->out.f) != 1 ||
	    (len && fwrite(data, len, 1, r->out.f) != 1)) {
		p_err("writing %s failed: %s", r->path, strerror(errno));
		r->io_error = true;
		return -EIO;
	}
	r->bytes += sizeof(h) + len;
	return 0;
}

static int write_text(struct recorder *r, uint32_t type, uint32_t cpu,
		      const char *text)
{
	return write_section(r, type, cpu, text, strlen(text));
}

/* One page read from @cpu's trace_pipe_raw: keep it up to its data's end. */
static void save_page(struct recorder *r, int cpu, int len)
{
	long long missed;
	size_t keep;

	if (len < 16 || kbuffer_load_subbuffer(r->kbuf, r->page))
		return;
	missed = kbuffer_missed_events(r->kbuf);
	/* The stored count is a long, like the commit word before the data. */
	keep = kbuffer_start_of_data(r->kbuf) + kbuffer_subbuffer_size(r->kbuf) +
	       (missed > 0 ? r->long_size : 0);
	if (!kbuffer_subbuffer_size(r->kbuf) && !missed)
		return;
	if (missed > 0)
		r->missed += missed;
	else if (missed < 0)
		r->missed_unknown++;
	if (keep > (size_t)len)
		keep = len;
	if (!write_section(r, REC_SEC_PAGE, cpu, r->page, keep))
		r->pages++;
}

/* Read what the ring buffers hold now; returns the pages read. */
static unsigned int drain(struct recorder *r, bool flush)
{
	unsigned int n = 0, i;
	int cpu, len;

	for (cpu = 0; cpu < r->ncpus; cpu++) {
		if (!r->tcpu[cpu])
			continue;
		/* A bounded batch per CPU, so no CPU waits for another. */
		for (i = 0; i < 256 || flush; i++) {
			len = flush ? tracefs_cpu_flush(r->tcpu[cpu], r->page) :
			      tracefs_cpu_read(r->tcpu[cpu], r->page, true);
			if (len <= 0)
				break;
			save_page(r, cpu, len);
			n++;
		}
	}
	return n;
}

/* Undo whatever start got to: events off, readers closed, instance gone. */
static void teardown(struct recorder *r)
{
	int cpu;

	if (r->inst) {
		tracefs_event_disable(r->inst, REC_SYSTEM, NULL);
		tracefs_trace_off(r->inst);
	}
	for (cpu = 0; r->tcpu && cpu < r->ncpus; cpu++) {
		tracefs_cpu_close(r->tcpu[cpu]);
		r->tcpu[cpu] = NULL;
	}
	if (r->inst) {
		if (tracefs_instance_destroy(r->inst))
			p_err("cannot remove the ftrace instance %s: %s (rmdir it in instances/)",
			      r->name, strerror(errno));
		tracefs_instance_free(r->inst);
		r->inst = NULL;
	}
}

static void recorder_free(struct recorder *r)
{
	int cpu;

	teardown(r);
	for (cpu = 0; r->stats && cpu < r->ncpus; cpu++)
		free(r->stats[cpu]);
	free(r->stats);
	free(r->tcpu);
	free(r->page);
	kbuffer_free(r->kbuf);
	free(r);
}

static int write_info(struct recorder *r, const struct run_opts *o)
{
	struct json_object *info = json_object_new_object();
	int err;

	json_object_object_add(info, "page_size", json_object_new_int(r->page_size));
	json_object_object_add(info, "long_size", json_object_new_int(r->long_size));
	json_object_object_add(info, "ncpus", json_object_new_int(r->ncpus));
	json_object_object_add(info, "trace_clock", json_object_new_string("mono"));
	json_object_object_add(info, "instance", json_object_new_string(r->name));
	json_object_object_add(info, "buffer_kb", json_object_new_int(o->buffer_kb));
	json_object_object_add(info, "system", json_object_new_string(REC_SYSTEM));
	err = write_text(r, REC_SEC_INFO, REC_NO_CPU,
			 json_object_to_json_string_ext(info, JSON_C_TO_STRING_PLAIN));
	json_object_put(info);
	return err;
}

/* events/header_page and every dmapool_bench event's format. */
static int write_formats(struct recorder *r)
{
	char **events = tracefs_system_events(NULL, REC_SYSTEM), *text;
	int i, len, err;

	if (!events || !events[0]) {
		tracefs_list_free(events);
		p_err("no %s events in tracefs (is the module loaded, tracefs mounted?)",
		      REC_SYSTEM);
		return -ENOENT;
	}
	text = tracefs_instance_file_read(NULL, "events/header_page", &len);
	err = text ? write_text(r, REC_SEC_HEADER_PAGE, REC_NO_CPU, text) : -ENOENT;
	free(text);
	for (i = 0; !err && events[i]; i++) {
		text = tracefs_event_file_read(NULL, REC_SYSTEM, events[i],
					       "format", &len);
		err = text ? write_text(r, REC_SEC_FORMAT, REC_NO_CPU, text) : -ENOENT;
		free(text);
	}
	if (err == -ENOENT)
		p_err("cannot read the event formats from tracefs: %s", strerror(errno));
	tracefs_list_free(events);
	return err;
}

/* The private instance: mono clock, our buffer size, no comm recording. */
static int setup_instance(struct recorder *r, const struct run_opts *o)
{
	static const enum tracefs_option_id keep_off[] = {
		TRACEFS_OPTION_RECORD_CMD, TRACEFS_OPTION_RECORD_TGID,
	};
	char kb[32];
	size_t i;

	snprintf(r->name, sizeof(r->name), "dmapool_bench_record_%d", (int)getpid());
	r->inst = tracefs_instance_create(r->name);
	if (!r->inst) {
		p_err("cannot create the ftrace instance %s: %s (needs root and tracefs)",
		      r->name, strerror(errno));
		return -errno;
	}
	/*
	 * Recording comms or tgids hooks sched_switch/sched_wakeup, and
	 * flipping those hot static keys under QEMU TCG has oopsed a CPU (see
	 * tests/guest/lib.sh). A new instance copies the top level's options:
	 * turn them off before any event is enabled.
	 */
	for (i = 0; i < ARRAY_SIZE(keep_off); i++) {
		if (!tracefs_option_is_supported(r->inst, keep_off[i]))
			continue;
		if (tracefs_option_disable(r->inst, keep_off[i])) {
			p_err("cannot turn off option %s in ftrace instance %s",
			      tracefs_option_name(keep_off[i]), r->name);
			return -EIO;
		}
	}
	/* CLOCK_MONOTONIC, the clock of the runs' t0 and t1. */
	if (tracefs_instance_file_write(r->inst, "trace_clock", "mono") <= 0) {
		p_err("cannot set trace_clock 'mono' in ftrace instance %s (needs Linux 3.18 or later)",
		      r->name);
		return -EIO;
	}
	snprintf(kb, sizeof(kb), "%u", o->buffer_kb);
	if (tracefs_instance_file_write(r->inst, "buffer_size_kb", kb) <= 0) {
		p_err("cannot set a %s KiB ftrace buffer per CPU in instance %s: %s",
		      kb, r->name, strerror(errno));
		return -EIO;
	}
	if (tracefs_trace_on(r->inst)) {
		p_err("cannot turn tracing on in ftrace instance %s", r->name);
		return -EIO;
	}
	return 0;
}

static int open_cpus(struct recorder *r)
{
	int cpu, opened = 0;

	r->ncpus = sysconf(_SC_NPROCESSORS_CONF);
	if (r->ncpus <= 0)
		r->ncpus = 1;
	r->tcpu = calloc(r->ncpus, sizeof(*r->tcpu));
	r->stats = calloc(r->ncpus, sizeof(*r->stats));
	if (!r->tcpu || !r->stats)
		return -ENOMEM;
	for (cpu = 0; cpu < r->ncpus; cpu++) {
		/* Non-blocking: the run loop polls, the module is never waited on. */
		r->tcpu[cpu] = tracefs_cpu_open(r->inst, cpu, true);
		if (!r->tcpu[cpu])
			continue;
		opened++;
		if (tracefs_cpu_read_size(r->tcpu[cpu]) > r->page_size)
			r->page_size = tracefs_cpu_read_size(r->tcpu[cpu]);
	}
	if (!opened || r->page_size < 64) {
		p_err("cannot open trace_pipe_raw in ftrace instance %s: %s",
		      r->name, strerror(errno));
		return -EIO;
	}
	r->page = calloc(1, r->page_size);
	/* The kernel's long: kbuffer asks uname, as for a 32-bit userland. */
	r->kbuf = kbuffer_alloc(KBUFFER_LSIZE_SAME_AS_HOST,
				KBUFFER_ENDIAN_SAME_AS_HOST);
	if (!r->page || !r->kbuf || kbuffer_load_subbuffer(r->kbuf, r->page))
		return -ENOMEM;
	r->long_size = kbuffer_start_of_data(r->kbuf) - 8;
	return 0;
}

static int rec_start(const struct run_opts *o, const char *outdir, void **priv,
		     const char **how)
{
	struct rec_file_header fh = { .version = REC_VERSION,
				      .byte_order = REC_BYTE_ORDER };
	struct recorder *r = calloc(1, sizeof(*r));
	char base[PATH_MAX];
	int err;

	if (!r)
		return -ENOMEM;
	r->path = o->output;
	memcpy(fh.magic, REC_MAGIC, REC_MAGIC_LEN);
	snprintf(base, sizeof(base), "%s", o->output);
	if (afile_open(&r->out, outdir, basename(base))) {
		free(r);
		return -EIO;
	}
	if (fwrite(&fh, sizeof(fh), 1, r->out.f) != 1) {
		p_err("writing %s failed: %s", r->path, strerror(errno));
		r->io_error = true;
	}
	tracefs_set_loglevel(verbose ? TEP_LOG_WARNING : TEP_LOG_NONE);
	err = r->io_error ? -EIO : setup_instance(r, o);
	if (!err)
		err = write_formats(r);
	if (!err)
		err = open_cpus(r);
	if (!err)
		err = write_info(r, o);
	/* Last, with every reader open: from here on nothing is missed. */
	if (!err && tracefs_event_enable(r->inst, REC_SYSTEM, NULL)) {
		p_err("cannot enable the %s events in ftrace instance %s",
		      REC_SYSTEM, r->name);
		err = -EIO;
	}
	if (err) {
		afile_close(&r->out, false);
		recorder_free(r);
		return err;
	}
	if (verbose)
		p_info("recording into ftrace instance %s, %u KiB per CPU, %d-byte pages",
		       r->name, o->buffer_kb, r->page_size);
	*how = REC_ATTACH;
	*priv = r;
	return 0;
}

static int rec_begin(void *priv, uint64_t t0)
{
	struct recorder *r = priv;

	(void)t0;
	drain(r, false);
	return r->io_error ? -EIO : 0;
}

static void rec_wait(void *priv, unsigned int ms)
{
	struct recorder *r = priv;
	uint64_t end = mono_ns() + ms * 1000000ull, now;
	unsigned int got;

	/* Poll every 10 ms, and at once again while pages keep coming. */
	for (;;) {
		got = drain(r, false);
		now = mono_ns();
		if (now >= end || r->io_error)
			return;
		if (!got)
			usleep(end - now < 10000000 ? (end - now) / 1000 : 10000);
	}
}

/*
 * What ftrace could not keep since the start, over every CPU: pages the
 * reader found marked as missing events, and the ring buffer's own counters.
 */
static struct json_object *lost_so_far(struct recorder *r)
{
	static const char * const keys[] = {
		"overrun", "commit overrun", "dropped events"
	};
	struct json_object *j = json_object_new_object();
	uint64_t sum[3] = {};
	char file[64], *st;
	int cpu, len;
	size_t k;

	for (cpu = 0; cpu < r->ncpus; cpu++) {
		if (!r->tcpu[cpu])
			continue;
		snprintf(file, sizeof(file), "per_cpu/cpu%d/stats", cpu);
		st = tracefs_instance_file_read(r->inst, file, &len);
		for (k = 0; st && k < 3; k++)
			sum[k] += rec_stat(st, keys[k]);
		free(st);
	}
	json_object_object_add(j, "missed_events", json_object_new_uint64(r->missed));
	json_object_object_add(j, "missed_unknown", json_object_new_uint64(r->missed_unknown));
	json_object_object_add(j, "overrun", json_object_new_uint64(sum[0]));
	json_object_object_add(j, "commit_overrun", json_object_new_uint64(sum[1]));
	json_object_object_add(j, "dropped", json_object_new_uint64(sum[2]));
	return j;
}

static int rec_end(void *priv, const struct run_opts *o,
		   struct json_object *run, uint64_t t0, uint64_t t1, bool *ok)
{
	struct recorder *r = priv;

	(void)o;
	(void)ok;	/* report cross-checks */
	json_object_object_add(run, "t0_ns", json_object_new_uint64(t0));
	json_object_object_add(run, "t1_ns", json_object_new_uint64(t1));
	r->runs++;
	drain(r, false);
	json_object_object_add(run, "ftrace_lost", lost_so_far(r));
	return r->io_error ? -EIO : 0;
}

/* Events off, the rest of the buffers read, their stats kept, instance gone. */
static void rec_stop(void *priv)
{
	struct recorder *r = priv;
	int cpu, len;

	tracefs_event_disable(r->inst, REC_SYSTEM, NULL);
	tracefs_trace_off(r->inst);
	drain(r, true);
	for (cpu = 0; cpu < r->ncpus; cpu++) {
		char file[64];

		if (!r->tcpu[cpu])
			continue;
		snprintf(file, sizeof(file), "per_cpu/cpu%d/stats", cpu);
		r->stats[cpu] = tracefs_instance_file_read(r->inst, file, &len);
	}
	teardown(r);
}

static void print_summary(struct recorder *r, const char *file)
{
	uint64_t overrun = 0, commit_overrun = 0, dropped = 0, entries = 0;
	int cpu, ncpus = 0;
	char size[16];

	for (cpu = 0; cpu < r->ncpus; cpu++) {
		if (!r->stats[cpu])
			continue;
		ncpus++;
		overrun += rec_stat(r->stats[cpu], "overrun");
		commit_overrun += rec_stat(r->stats[cpu], "commit overrun");
		dropped += rec_stat(r->stats[cpu], "dropped events");
		entries += rec_stat(r->stats[cpu], "entries");
	}
	if (json_output) {
		struct json_object *j = json_object_new_object();

		json_object_object_add(j, "file", json_object_new_string(file));
		json_object_object_add(j, "runs", json_object_new_int(r->runs));
		json_object_object_add(j, "cpus", json_object_new_int(ncpus));
		json_object_object_add(j, "pages", json_object_new_uint64(r->pages));
		json_object_object_add(j, "bytes", json_object_new_uint64(r->bytes));
		json_object_object_add(j, "ftrace_missed_events", json_object_new_uint64(r->missed));
		json_object_object_add(j, "ftrace_missed_unknown", json_object_new_uint64(r->missed_unknown));
		json_object_object_add(j, "ftrace_overrun", json_object_new_uint64(overrun));
		json_object_object_add(j, "ftrace_commit_overrun", json_object_new_uint64(commit_overrun));
		json_object_object_add(j, "ftrace_dropped", json_object_new_uint64(dropped));
		json_object_object_add(j, "ftrace_unread", json_object_new_uint64(entries));
		printf("%s\n", json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN |
				JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(j);
	} else {
		printf("recorded %u run%s: %llu ring-buffer pages from %d CPUs, %s\n",
		       r->runs, r->runs == 1 ? "" : "s", (unsigned long long)r->pages,
		       ncpus, fmt_bytes(r->bytes, size, sizeof(size)));
		printf("ftrace lost: %llu events missed%s, overrun %llu, commit overrun %llu, dropped %llu\n",
		       (unsigned long long)r->missed,
		       r->missed_unknown ? " (and pages with an unknown number)" : "",
		       (unsigned long long)overrun, (unsigned long long)commit_overrun,
		       (unsigned long long)dropped);
	}
	/* The summary shows before the warnings about it. */
	fflush(stdout);
	if (r->missed || r->missed_unknown || overrun || commit_overrun || dropped)
		fprintf(stderr, "dmapool-bench: ftrace lost events: report cannot check counts exactly (try a larger --buffer-kb)\n");
	if (entries)
		fprintf(stderr, "dmapool-bench: %llu events were left unread in the ftrace buffers\n",
			(unsigned long long)entries);
}

static bool rec_finish(void *priv, const struct run_opts *o,
		       struct json_object *root, const char *outdir)
{
	struct recorder *r = priv;
	int cpu;
	bool ok;

	(void)outdir;
	if (!root) {
		afile_close(&r->out, false);
		recorder_free(r);
		return true;
	}
	for (cpu = 0; cpu < r->ncpus; cpu++)
		if (r->stats[cpu])
			write_text(r, REC_SEC_STATS, cpu, r->stats[cpu]);
	write_text(r, REC_SEC_SKELETON, REC_NO_CPU, json_object_to_json_string_ext(
		root, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	write_section(r, REC_SEC_END, REC_NO_CPU, "", 0);
	ok = !afile_close(&r->out, !r->io_error);
	if (ok) {
		print_summary(r, o->output);
		p_info("wrote %s (dmapool-bench report %s)", o->output, o->output);
	}
	recorder_free(r);
	return ok;
}

/* At least a few pages per CPU, at most 1 GiB per CPU. */
static const struct opt record_opts_table[] = {
	OPT_STR_("output", 'o', struct run_opts, output, "FILE",
		 "the recording (default results/latest/record.dpr)"),
	OPT_UINT_("buffer-kb", struct run_opts, buffer_kb, "N", 64, 1 << 20, " KiB per CPU",
		  "ftrace buffer per CPU in KiB (default 8192)"),
};

static const struct opt_group record_group = OPT_GROUP("Output", record_opts_table);

const struct tracer record_tracer = {
	.cmd = "record",
	.own = &record_group,
	.help = {
		.name = "record",
		.synopsis = "[OPTIONS] -o FILE",
		.about =
"Run a workload like 'dmapool-bench run', but trace it with ftrace instead of\n"
"BPF: a private ftrace instance records the module's events, and their raw\n"
"per-CPU ring-buffer pages are streamed into FILE with the event formats and\n"
"the runs' module counters. 'dmapool-bench report FILE' turns it into the\n"
"same result.json as 'run'. No BPF is used. Events ftrace could not keep\n"
"(overrun, dropped) are reported. On a host that cannot load modules it\n"
"runs itself in tools/dmapool-vm.\n",
		.examples =
"  dmapool-bench record --ctx softirq --cpus 0-1 --ops 5000 --seed 7 -o /tmp/r/rec.dpr\n"
"  dmapool-bench report /tmp/r/rec.dpr --plot\n"
"  dmapool-bench record --duration 5s --repeat 3 --buffer-kb 32768 -o results/rec/rec.dpr\n",
	},
	.record = true,
	.start = rec_start,
	.begin = rec_begin,
	.wait = rec_wait,
	.end = rec_end,
	.stop = rec_stop,
	.finish = rec_finish,
};

int cmd_record(int argc, char **argv)
{
	return run_main(&record_tracer, argc, argv);
}
