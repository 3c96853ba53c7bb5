// SPDX-License-Identifier: GPL-2.0
/*
 * Replay of captured traffic: a schedule of allocations and frees, loaded
 * through the `replay` file in as many writes as needed, then executed on
 * the module's pools by one kthread, in order, each operation at its time
 * (scaled by a speed factor) and in its context:
 *
 *   hardirq  an hrtimer in HRTIMER_MODE_ABS_HARD expiring at the time
 *   softirq  the same in HRTIMER_MODE_ABS_SOFT
 *   atomic   the kthread holding a raw spinlock with IRQs off
 *   process  the kthread, preemptible
 *
 * Operations that fall due together in the same context run in one timer
 * callback or one lock hold (at most DMAPOOL_REPLAY_BATCH), in order.
 * Schedule lines (one write holds whole lines, at most
 * DMAPOOL_MAX_REPLAY_WRITE bytes):
 *
 *   a ID T_NS SIZE ZONE MASK_BITS CTX   allocation ID (0, 1, 2, ... in order)
 *   f ID T_NS CTX                       free of allocation ID
 *
 * T_NS is the time from the start of the schedule, not decreasing from line
 * to line. Commands (a write of their own): `clear`, `start [speed=X]` (X a
 * decimal factor, 0.001 to 1000; 2 replays twice as fast), `stop`. Reading
 * `replay` gives the state and counters, `replay_log` what was executed.
 * Blocks whose free is not in the schedule (never freed while captured),
 * and all blocks of a stopped replay, are freed when it ends.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/hrtimer.h>
#include <linux/kthread.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>

#include "debugfs.h"
#include "load.h"
#include "pool.h"
#include "replay.h"
#include "spec.h"

/* Operations executed per timer callback or lock hold, at most. */
#define DMAPOOL_REPLAY_BATCH	16
#define DMAPOOL_REPLAY_FNV_PRIME 0x100000001b3ull
#define DMAPOOL_REPLAY_FNV_BASIS 0xcbf29ce484222325ull
/* The kthread waits at most this long at a time, to see a stop. */
#define DMAPOOL_REPLAY_SLICE_NS	(10 * NSEC_PER_MSEC)

enum dmapool_rop_kind { DMAPOOL_ROP_ALLOC, DMAPOOL_ROP_FREE, DMAPOOL_ROP_END };

static const char dmapool_rop_names[] = "afe";

enum dmapool_replay_state {
	DMAPOOL_REPLAY_IDLE,
	DMAPOOL_REPLAY_RUNNING,
	DMAPOOL_REPLAY_DONE,
	DMAPOOL_REPLAY_STOPPED,
};

static const char * const dmapool_replay_state_names[] = {
	"idle", "running", "done", "stopped"
};

/* One scheduled operation. */
struct dmapool_rop {
	u64 t_ns;			/* ns from the schedule's start, unscaled */
	u32 id;				/* the allocation's index */
	u32 size;			/* bytes, page-aligned */
	u8 kind;			/* enum dmapool_rop_kind */
	u8 zone;			/* enum dmapool_zone */
	u8 mask_bits;
	u8 ctx;				/* enum dmapool_ctx */
};

/* What one executed operation did (also the end's frees). */
struct dmapool_rlog {
	u64 t_sched;			/* ns from the replay's start, scaled */
	u64 t_exec;			/* ns from the replay's start */
	u32 id;
	u32 size;			/* bytes */
	u8 kind;			/* enum dmapool_rop_kind */
	u8 ctx;				/* the scheduled context */
	u8 pool;			/* served or freed into; DMAPOOL_POOL_NONE */
	u8 result;			/* enum dmapool_result; frees: see below */
	bool in_ctx;			/* ran in the scheduled context */
};

/* A free's result in the log: ok, skipped (its allocation failed), error. */
#define DMAPOOL_RFREE_OK	0
#define DMAPOOL_RFREE_SKIPPED	1
#define DMAPOOL_RFREE_ERROR	2

static const char * const dmapool_rfree_names[] = { "ok", "skipped", "error" };

struct dmapool_rblock {
	void *vaddr;
	u32 size;			/* bytes */
};

struct dmapool_replay {
	/* The schedule, as loaded. */
	struct dmapool_rop *sch;	/* DMAPOOL_MAX_REPLAY_OPS slots */
	u32 *free_of;			/* per allocation: its free's index + 1 */
	u32 nr_ops;
	u32 nr_allocs;
	u64 t_last;			/* ns: the last operation's time */

	/* The current or last replay. */
	int state;			/* enum dmapool_replay_state */
	bool stop;
	u32 speed;			/* thousandths */
	struct task_struct *task;
	struct completion done;
	struct hrtimer timer[2];	/* hard, soft */
	struct completion timer_done;
	raw_spinlock_t lock;		/* the atomic context */
	struct dmapool_rblock *blocks;	/* nr_allocs */
	struct dmapool_rlog *log;	/* nr_ops + nr_allocs */
	u32 next;			/* the next operation to execute */
	u32 nr_log;			/* entries written */
	u64 t0;				/* ktime_get_ns() at the start */
	u64 t_end;
	u64 expansions_before;
	u64 expansions_after;

	/* Counters, written only by the operation in progress. */
	u64 ops;			/* allocation attempts */
	u64 allocs;
	u64 fails;
	u64 frees;			/* frees in the schedule and at the end */
	u64 end_frees;			/* of them, at the end */
	u64 free_skipped;		/* frees of failed allocations */
	u64 free_errors;		/* blocks no pool took back: a bug */
	u64 bytes;			/* allocated */
	u64 outstanding;
	u64 results[DMAPOOL_NR_RES];
	u64 fallbacks[DMAPOOL_NR_POOLS][DMAPOOL_NR_POOLS];	/* [from][to] */
	u64 ctx_violations;
	u64 digest;			/* of the allocations' sizes and zones */
	u64 max_late_ns;		/* ns after its scheduled time, at most */
	u64 sum_late_ns;
};

static struct dmapool_replay dmapool_rp;
static DEFINE_MUTEX(dmapool_replay_lock);

/* Scheduled time of @op, ns from the start, scaled by the speed. */
static u64 dmapool_replay_sched(const struct dmapool_replay *r,
				const struct dmapool_rop *op)
{
	return mul_u64_u64_div_u64(op->t_ns, 1000, r->speed);
}

static void dmapool_replay_do_alloc(struct dmapool_replay *r,
				    const struct dmapool_rop *op,
				    struct dmapool_rlog *l)
{
	struct dmapool_alloc_info info = {};
	void *vaddr;
	int i;

	vaddr = dmapool_alloc(op->size, op->zone, op->mask_bits, true, &info);
	/* FNV-1a over whole words, as the generator's digest (load.c). */
	r->digest = (r->digest ^ op->size) * DMAPOOL_REPLAY_FNV_PRIME;
	r->digest = (r->digest ^ op->zone) * DMAPOOL_REPLAY_FNV_PRIME;
	r->ops++;
	r->results[info.result]++;
	for (i = 1; i < info.depth; i++)
		r->fallbacks[info.path[i - 1]][info.path[i]]++;
	l->result = info.result;
	l->pool = vaddr ? info.pool : DMAPOOL_POOL_NONE;
	if (!vaddr) {
		r->fails++;
		return;
	}
	r->allocs++;
	r->bytes += op->size;
	r->outstanding++;
	r->blocks[op->id].vaddr = vaddr;
	r->blocks[op->id].size = op->size;
}

static void dmapool_replay_release(struct dmapool_replay *r, u32 id,
				   struct dmapool_rlog *l)
{
	struct dmapool_rblock *b = &r->blocks[id];
	int pool;

	l->pool = DMAPOOL_POOL_NONE;
	if (!b->vaddr) {
		r->free_skipped++;
		l->result = DMAPOOL_RFREE_SKIPPED;
		return;
	}
	pool = dmapool_free(b->vaddr, b->size, NULL);
	b->vaddr = NULL;
	r->outstanding--;
	if (pool < 0) {
		r->free_errors++;
		l->result = DMAPOOL_RFREE_ERROR;
		return;
	}
	r->frees++;
	l->pool = pool;
	l->result = DMAPOOL_RFREE_OK;
}

/*
 * Execute the next operation, and those after it that are due now in the
 * same context, at most DMAPOOL_REPLAY_BATCH. Runs in @ctx, which may be a
 * hardirq: bounded, nothing here sleeps.
 */
static void dmapool_replay_batch(struct dmapool_replay *r, int ctx)
{
	u64 now, sched, late;
	unsigned int n;

	for (n = 0; n < DMAPOOL_REPLAY_BATCH && r->next < r->nr_ops; n++) {
		const struct dmapool_rop *op = &r->sch[r->next];
		struct dmapool_rlog *l = &r->log[r->next];

		now = ktime_get_ns() - r->t0;
		sched = dmapool_replay_sched(r, op);
		if (n && (op->ctx != ctx || sched > now))
			break;
		l->t_sched = sched;
		l->t_exec = now;
		l->id = op->id;
		l->size = op->size;
		l->kind = op->kind;
		l->ctx = op->ctx;
		l->in_ctx = dmapool_in_ctx(ctx);
		if (!l->in_ctx)
			r->ctx_violations++;
		late = now > sched ? now - sched : 0;
		r->max_late_ns = max(r->max_late_ns, late);
		r->sum_late_ns += late;
		if (op->kind == DMAPOOL_ROP_ALLOC)
			dmapool_replay_do_alloc(r, op, l);
		else
			dmapool_replay_release(r, op->id, l);
		r->next++;
		r->nr_log = r->next;
	}
}

static enum hrtimer_restart dmapool_replay_timer_fn(struct hrtimer *t)
{
	struct dmapool_replay *r = &dmapool_rp;

	dmapool_replay_batch(r, t == &r->timer[0] ? DMAPOOL_CTX_HARDIRQ :
				 DMAPOOL_CTX_SOFTIRQ);
	complete(&r->timer_done);
	return HRTIMER_NORESTART;
}

/* Sleep until @sched (ns from the start) or a stop; false on a stop. */
static bool dmapool_replay_wait(struct dmapool_replay *r, u64 sched)
{
	u64 now;
	ktime_t exp;

	for (;;) {
		if (READ_ONCE(r->stop))
			return false;
		now = ktime_get_ns() - r->t0;
		if (now >= sched)
			break;
		exp = ns_to_ktime(r->t0 + now +
				  min(sched - now, (u64)DMAPOOL_REPLAY_SLICE_NS));
		set_current_state(TASK_INTERRUPTIBLE);
		schedule_hrtimeout_range(&exp, 0, HRTIMER_MODE_ABS);
	}
	cond_resched();
	return true;
}

/* Hand the next operations to a timer expiring at @sched; false on a stop. */
static bool dmapool_replay_in_timer(struct dmapool_replay *r, int ctx,
				    u64 sched)
{
	struct hrtimer *t = &r->timer[ctx == DMAPOOL_CTX_HARDIRQ ? 0 : 1];

	reinit_completion(&r->timer_done);
	hrtimer_start(t, ns_to_ktime(r->t0 + sched),
		      ctx == DMAPOOL_CTX_HARDIRQ ? HRTIMER_MODE_ABS_HARD :
		      HRTIMER_MODE_ABS_SOFT);
	while (!wait_for_completion_timeout(&r->timer_done,
					    nsecs_to_jiffies(DMAPOOL_REPLAY_SLICE_NS) + 1)) {
		if (READ_ONCE(r->stop)) {
			/* Cancelled, or waited for while it runs. */
			hrtimer_cancel(t);
			return false;
		}
	}
	cond_resched();
	return true;
}

static int dmapool_replay_fn(void *data)
{
	struct dmapool_replay *r = data;
	unsigned long flags;
	u32 id;

	while (r->next < r->nr_ops) {
		const struct dmapool_rop *op = &r->sch[r->next];
		u64 sched = dmapool_replay_sched(r, op);

		if (op->ctx == DMAPOOL_CTX_HARDIRQ ||
		    op->ctx == DMAPOOL_CTX_SOFTIRQ) {
			if (!dmapool_replay_in_timer(r, op->ctx, sched))
				break;
			continue;
		}
		if (!dmapool_replay_wait(r, sched))
			break;
		if (op->ctx == DMAPOOL_CTX_ATOMIC) {
			raw_spin_lock_irqsave(&r->lock, flags);
			dmapool_replay_batch(r, DMAPOOL_CTX_ATOMIC);
			raw_spin_unlock_irqrestore(&r->lock, flags);
		} else {
			dmapool_replay_batch(r, DMAPOOL_CTX_PROCESS);
		}
	}
	/*
	 * A callback that completed us may still be returning from
	 * complete(): none runs module code once these return.
	 */
	hrtimer_cancel(&r->timer[0]);
	hrtimer_cancel(&r->timer[1]);
	if (r->outstanding)
		dmapool_emit_state();
	/* What is still held, in allocation order, yielding between blocks. */
	for (id = 0; id < r->nr_allocs; id++) {
		struct dmapool_rlog *l;

		cond_resched();
		if (!r->blocks[id].vaddr)
			continue;
		l = &r->log[r->nr_log];
		l->t_sched = 0;
		l->t_exec = ktime_get_ns() - r->t0;
		l->id = id;
		l->size = r->blocks[id].size;
		l->kind = DMAPOOL_ROP_END;
		l->ctx = DMAPOOL_CTX_PROCESS;
		l->in_ctx = true;
		dmapool_replay_release(r, id, l);
		r->end_frees++;
		r->nr_log++;
	}
	r->t_end = ktime_get_ns();
	r->expansions_after = dmapool_expansions_total();
	WRITE_ONCE(r->state, READ_ONCE(r->stop) ? DMAPOOL_REPLAY_STOPPED :
		   DMAPOOL_REPLAY_DONE);
	complete_all(&r->done);
	dmapool_wait_for_stop();
	return 0;
}

static bool dmapool_replay_running(const struct dmapool_replay *r)
{
	return READ_ONCE(r->state) == DMAPOOL_REPLAY_RUNNING;
}

/* Reap the last replay's kthread and free its blocks and log. */
static void dmapool_replay_reap(struct dmapool_replay *r)
{
	if (r->task) {
		kthread_stop(r->task);
		r->task = NULL;
	}
	kvfree(r->blocks);
	r->blocks = NULL;
	kvfree(r->log);
	r->log = NULL;
	r->nr_log = 0;
}

static void dmapool_replay_clear(struct dmapool_replay *r)
{
	dmapool_replay_reap(r);
	kvfree(r->sch);
	r->sch = NULL;
	kvfree(r->free_of);
	r->free_of = NULL;
	r->nr_ops = 0;
	r->nr_allocs = 0;
	r->t_last = 0;
	r->state = DMAPOOL_REPLAY_IDLE;
}

/*
 * Is a generator run going on? load.c (another part's) shows its state only
 * in `stats`, whose first line is "state: NAME": read that line into a small
 * buffer (what does not fit is dropped by seq_printf()).
 */
static bool dmapool_replay_load_running(void)
{
	static const char running[] = "state: running\n";
	struct seq_file m = {};
	char buf[32];

	m.buf = buf;
	m.size = sizeof(buf);
	dmapool_load_show_stats(&m);
	return !strncmp(buf, running, sizeof(running) - 1);
}

int dmapool_replay_gate_lock(void)
{
	if (mutex_lock_killable(&dmapool_replay_lock))
		return -EINTR;
	if (dmapool_replay_running(&dmapool_rp)) {
		mutex_unlock(&dmapool_replay_lock);
		pr_err("control: a replay is in progress (write stop to replay first)\n");
		return -EBUSY;
	}
	return 0;
}

void dmapool_replay_gate_unlock(void)
{
	mutex_unlock(&dmapool_replay_lock);
}

/* "X", "X.Y", "X.YZ" or "X.YZW" into thousandths; -EINVAL otherwise. */
static int dmapool_replay_parse_speed(const char *s, u32 *milli)
{
	const char *dot = strchr(s, '.');
	char ip[12];
	u32 whole, frac = 0, digits = 0;
	size_t n = dot ? dot - s : strlen(s);

	if (!n || n >= sizeof(ip))
		return -EINVAL;
	memcpy(ip, s, n);
	ip[n] = '\0';
	if (kstrtou32(ip, 10, &whole) || whole > DMAPOOL_REPLAY_SPEED_MAX / 1000)
		return -EINVAL;
	if (dot) {
		for (s = dot + 1; *s; s++, digits++) {
			if (digits == 3 || *s < '0' || *s > '9')
				return -EINVAL;
			frac = frac * 10 + (*s - '0');
		}
		if (!digits)
			return -EINVAL;
		while (digits++ < 3)
			frac *= 10;
	}
	*milli = whole * 1000 + frac;
	if (*milli < DMAPOOL_REPLAY_SPEED_MIN ||
	    *milli > DMAPOOL_REPLAY_SPEED_MAX)
		return -EINVAL;
	return 0;
}

static void dmapool_replay_reset_counters(struct dmapool_replay *r)
{
	r->ops = 0;
	r->allocs = 0;
	r->fails = 0;
	r->frees = 0;
	r->end_frees = 0;
	r->free_skipped = 0;
	r->free_errors = 0;
	r->bytes = 0;
	r->outstanding = 0;
	memset(r->results, 0, sizeof(r->results));
	memset(r->fallbacks, 0, sizeof(r->fallbacks));
	r->ctx_violations = 0;
	r->digest = DMAPOOL_REPLAY_FNV_BASIS;
	r->max_late_ns = 0;
	r->sum_late_ns = 0;
}

static int dmapool_replay_start(struct dmapool_replay *r, char *args)
{
	u32 speed = 1000;
	struct task_struct *task;

	if (args && (strncmp(args, "speed=", 6) ||
		     dmapool_replay_parse_speed(args + 6, &speed))) {
		pr_err("replay: speed '%s' invalid (speed=X, 0.001 to 1000, at most 3 decimals)\n",
		       args);
		return -EINVAL;
	}
	if (!r->nr_ops) {
		pr_err("replay: no schedule loaded\n");
		return -ENODATA;
	}
	if (dmapool_replay_load_running()) {
		pr_err("replay: a generator run is in progress (write stop to control first)\n");
		return -EBUSY;
	}
	dmapool_replay_reap(r);
	r->blocks = kvcalloc(r->nr_allocs, sizeof(*r->blocks), GFP_KERNEL);
	r->log = kvcalloc(r->nr_ops + r->nr_allocs, sizeof(*r->log),
			  GFP_KERNEL);
	if (!r->blocks || !r->log) {
		dmapool_replay_reap(r);
		return -ENOMEM;
	}
	dmapool_replay_reset_counters(r);
	r->speed = speed;
	r->stop = false;
	r->next = 0;
	r->nr_log = 0;
	init_completion(&r->done);
	task = kthread_create(dmapool_replay_fn, r, "dmapool_replay");
	if (IS_ERR(task)) {
		dmapool_replay_reap(r);
		return PTR_ERR(task);
	}
	r->task = task;
	r->expansions_before = dmapool_expansions_total();
	r->t0 = ktime_get_ns();
	r->t_end = 0;
	r->state = DMAPOOL_REPLAY_RUNNING;
	wake_up_process(task);
	return 0;
}

/* Stop the replay and wait until its blocks are back; killable. */
static int dmapool_replay_stop(struct dmapool_replay *r, bool killable)
{
	if (!dmapool_replay_running(r))
		return 0;
	WRITE_ONCE(r->stop, true);
	if (!killable)
		wait_for_completion(&r->done);
	else if (wait_for_completion_killable(&r->done))
		return -EINTR;
	return 0;
}

/* The next space-separated field of @line, or NULL. */
static char *dmapool_replay_field(char **line)
{
	char *w;

	do {
		w = strsep(line, " ");
	} while (w && !*w);
	return w;
}

static int dmapool_replay_bad(u32 lineno, const char *field, const char *val,
			      const char *why)
{
	pr_err("replay: line %u: %s '%s' invalid (%s)\n", lineno, field,
	       val ? val : "", why);
	return -EINVAL;
}

/* One schedule line into slot r->nr_ops + @k; @lineno counts from 1. */
static int dmapool_replay_parse_op(struct dmapool_replay *r, char *line,
				   u32 k, u32 lineno)
{
	struct dmapool_rop *op = &r->sch[r->nr_ops + k];
	char *kind = dmapool_replay_field(&line), *w;
	u64 t_prev = k ? r->sch[r->nr_ops + k - 1].t_ns : r->t_last;
	u32 allocs = r->nr_allocs, bits, i;
	u64 size;
	int v;

	/* Allocations in this chunk so far count for the ID check. */
	for (i = 0; i < k; i++)
		allocs += r->sch[r->nr_ops + i].kind == DMAPOOL_ROP_ALLOC;
	if (kind && !strcmp(kind, "a"))
		op->kind = DMAPOOL_ROP_ALLOC;
	else if (kind && !strcmp(kind, "f"))
		op->kind = DMAPOOL_ROP_FREE;
	else
		return dmapool_replay_bad(lineno, "operation", kind,
					  "a or f");
	w = dmapool_replay_field(&line);
	if (!w || kstrtou32(w, 10, &op->id))
		return dmapool_replay_bad(lineno, "id", w, "a number");
	if (op->kind == DMAPOOL_ROP_ALLOC && op->id != allocs)
		return dmapool_replay_bad(lineno, "id", w,
					  "allocations are numbered 0, 1, 2, ... in order");
	if (op->kind == DMAPOOL_ROP_FREE &&
	    (op->id >= allocs || r->free_of[op->id]))
		return dmapool_replay_bad(lineno, "id", w,
					  "no earlier allocation of this id left to free");
	w = dmapool_replay_field(&line);
	if (!w || kstrtou64(w, 10, &op->t_ns) ||
	    op->t_ns > DMAPOOL_MAX_REPLAY_T_NS)
		return dmapool_replay_bad(lineno, "t_ns", w,
					  "ns, at most one day");
	if (op->t_ns < t_prev)
		return dmapool_replay_bad(lineno, "t_ns", w,
					  "earlier than the line before");
	if (op->kind == DMAPOOL_ROP_ALLOC) {
		w = dmapool_replay_field(&line);
		if (!w || kstrtou64(w, 10, &size) || !size ||
		    size > DMAPOOL_MAX_ALLOC_SIZE)
			return dmapool_replay_bad(lineno, "size", w,
						  "1 to 4194304 bytes");
		/* dma_direct_alloc() page-aligns the size before the pool. */
		op->size = PAGE_ALIGN(size);
		w = dmapool_replay_field(&line);
		v = w ? dmapool_name_index(DMAPOOL_NAMES_ZONE, w, strlen(w)) :
			-EINVAL;
		if (v < 0)
			return dmapool_replay_bad(lineno, "zone", w,
						  "kernel, dma32 or dma");
		op->zone = v;
		w = dmapool_replay_field(&line);
		if (!w || kstrtou32(w, 10, &bits) ||
		    bits < DMAPOOL_MASK_BITS_MIN || bits > DMAPOOL_MASK_BITS_MAX)
			return dmapool_replay_bad(lineno, "mask_bits", w,
						  "24 to 64");
		op->mask_bits = bits;
	} else {
		op->size = 0;
		op->zone = 0;
		op->mask_bits = 0;
	}
	w = dmapool_replay_field(&line);
	v = w ? dmapool_name_index(DMAPOOL_NAMES_CTX, w, strlen(w)) : -EINVAL;
	if (v < 0)
		return dmapool_replay_bad(lineno, "ctx", w,
					  "hardirq, softirq, atomic or process");
	op->ctx = v;
	w = dmapool_replay_field(&line);
	if (w)
		return dmapool_replay_bad(lineno, "line", w,
					  "unexpected field at the end");
	/*
	 * A free comes after its allocation, so not before it in time either.
	 * Marked freed; the mark is undone when the chunk is refused.
	 */
	if (op->kind == DMAPOOL_ROP_FREE)
		r->free_of[op->id] = r->nr_ops + k + 1;
	return 0;
}

/*
 * A chunk of schedule lines: all taken, or none (-EINVAL after one pr_err
 * naming the line and field).
 */
static int dmapool_replay_load(struct dmapool_replay *r, char *buf)
{
	char *line;
	u32 k = 0, i;
	int ret = 0;

	if (!r->sch) {
		r->sch = kvcalloc(DMAPOOL_MAX_REPLAY_OPS, sizeof(*r->sch),
				  GFP_KERNEL);
		r->free_of = kvcalloc(DMAPOOL_MAX_REPLAY_OPS,
				      sizeof(*r->free_of), GFP_KERNEL);
		if (!r->sch || !r->free_of) {
			dmapool_replay_clear(r);
			return -ENOMEM;
		}
	}
	while ((line = strsep(&buf, "\n"))) {
		line = strim(line);
		if (!*line)
			continue;
		cond_resched();
		if (r->nr_ops + k >= DMAPOOL_MAX_REPLAY_OPS) {
			pr_err("replay: line %u: more than %u operations\n",
			       r->nr_ops + k + 1, DMAPOOL_MAX_REPLAY_OPS);
			ret = -EINVAL;
			break;
		}
		ret = dmapool_line_check(line, "replay");
		if (!ret)
			ret = dmapool_replay_parse_op(r, line, k, r->nr_ops + k + 1);
		if (ret)
			break;
		k++;
	}
	if (ret) {
		for (i = 0; i < k; i++)
			if (r->sch[r->nr_ops + i].kind == DMAPOOL_ROP_FREE)
				r->free_of[r->sch[r->nr_ops + i].id] = 0;
		return ret;
	}
	for (i = 0; i < k; i++)
		r->nr_allocs += r->sch[r->nr_ops + i].kind == DMAPOOL_ROP_ALLOC;
	r->nr_ops += k;
	if (r->nr_ops)
		r->t_last = r->sch[r->nr_ops - 1].t_ns;
	return 0;
}

static int dmapool_replay_exec(struct dmapool_replay *r, char *buf)
{
	char *first = strim(buf), *args;

	args = strchr(first, ' ');
	if (args) {
		*args++ = '\0';
		args = strim(args);
	}
	if (!strcmp(first, "stop") && !args)
		return dmapool_replay_stop(r, true);
	if (dmapool_replay_running(r)) {
		pr_err("replay: a replay is in progress (write stop first)\n");
		return -EBUSY;
	}
	if (!strcmp(first, "clear") && !args) {
		dmapool_replay_clear(r);
		return 0;
	}
	if (!strcmp(first, "start"))
		return dmapool_replay_start(r, args);
	if (args)
		args[-1] = ' ';
	return dmapool_replay_load(r, buf);
}

static ssize_t dmapool_replay_write(struct file *file, const char __user *ubuf,
				    size_t count, loff_t *ppos)
{
	char *buf;
	int ret;

	if (!dmapool_may_write(file, "replay"))
		return -EPERM;
	buf = dmapool_user_line(ubuf, count, DMAPOOL_MAX_REPLAY_WRITE,
				"replay");
	if (IS_ERR(buf))
		return PTR_ERR(buf);
	ret = mutex_lock_killable(&dmapool_replay_lock);
	if (!ret) {
		ret = dmapool_replay_exec(&dmapool_rp, buf);
		mutex_unlock(&dmapool_replay_lock);
	}
	kfree(buf);
	return ret ? ret : count;
}

static int dmapool_replay_show(struct seq_file *m, void *v)
{
	struct dmapool_replay *r = &dmapool_rp;
	u64 executed;
	bool running;

	if (mutex_lock_killable(&dmapool_replay_lock))
		return -EINTR;
	running = dmapool_replay_running(r);
	executed = READ_ONCE(r->next);
	seq_printf(m, "state: %s\n", dmapool_replay_state_names[READ_ONCE(r->state)]);
	seq_printf(m, "records: %u\n", r->nr_allocs);
	seq_printf(m, "scheduled_ops: %u\n", r->nr_ops);
	seq_printf(m, "schedule_ns: %llu\n", r->t_last);
	seq_printf(m, "speed_milli: %u\n", r->speed);
	if (r->state == DMAPOOL_REPLAY_IDLE)
		goto out;
	seq_printf(m, "elapsed_ns: %llu\n",
		   (running ? ktime_get_ns() : r->t_end) - r->t0);
	seq_printf(m, "executed: %llu\n", executed);
	seq_printf(m, "ops: %llu\n", r->ops);
	seq_printf(m, "allocs: %llu\n", r->allocs);
	seq_printf(m, "fails: %llu\n", r->fails);
	seq_printf(m, "frees: %llu\n", r->frees);
	seq_printf(m, "end_frees: %llu\n", r->end_frees);
	seq_printf(m, "free_skipped: %llu\n", r->free_skipped);
	seq_printf(m, "free_errors: %llu\n", r->free_errors);
	seq_printf(m, "bytes: %llu\n", r->bytes);
	seq_printf(m, "outstanding: %llu\n", r->outstanding);
	dmapool_show_outcomes(m, "", r->results, r->fallbacks, true);
	seq_printf(m, "expansions: %llu\n",
		   (running ? dmapool_expansions_total() : r->expansions_after) -
		   r->expansions_before);
	seq_printf(m, "ctx_violations: %llu\n", r->ctx_violations);
	seq_printf(m, "max_lateness_ns: %llu\n", r->max_late_ns);
	seq_printf(m, "avg_lateness_ns: %llu\n",
		   executed ? div64_u64(r->sum_late_ns, executed) : 0);
	seq_printf(m, "digest: 0x%016llx\n", r->digest);
out:
	mutex_unlock(&dmapool_replay_lock);
	return 0;
}

static int dmapool_replay_open(struct inode *inode, struct file *file)
{
	return single_open(file, dmapool_replay_show, NULL);
}

static const struct file_operations dmapool_replay_fops = {
	.owner = THIS_MODULE,
	.open = dmapool_replay_open,
	.read = seq_read,
	.write = dmapool_replay_write,
	.llseek = seq_lseek,
	.release = single_release,
};

/*
 * `replay_log`: one line per executed operation, in execution order, then
 * the frees at the end. Readable once the replay is over.
 */
static void *dmapool_rlog_start(struct seq_file *m, loff_t *pos)
{
	struct dmapool_replay *r = &dmapool_rp;

	if (mutex_lock_killable(&dmapool_replay_lock))
		return ERR_PTR(-EINTR);
	if (dmapool_replay_running(r))
		return ERR_PTR(-EBUSY);
	if (!*pos)
		return SEQ_START_TOKEN;
	return *pos <= r->nr_log ? &r->log[*pos - 1] : NULL;
}

static void *dmapool_rlog_next(struct seq_file *m, void *v, loff_t *pos)
{
	struct dmapool_replay *r = &dmapool_rp;

	++*pos;
	return *pos <= r->nr_log ? &r->log[*pos - 1] : NULL;
}

static void dmapool_rlog_stop(struct seq_file *m, void *v)
{
	if (!IS_ERR(v) || PTR_ERR(v) != -EINTR)
		mutex_unlock(&dmapool_replay_lock);
}

static int dmapool_rlog_show(struct seq_file *m, void *v)
{
	const struct dmapool_rlog *l = v;

	if (v == SEQ_START_TOKEN) {
		seq_puts(m, "# op id size ctx pool result in_ctx t_sched_ns t_exec_ns\n");
		return 0;
	}
	seq_printf(m, "%c %u %u %s %s %s %d %llu %llu\n",
		   dmapool_rop_names[l->kind], l->id, l->size,
		   dmapool_ctx_names[l->ctx],
		   l->pool == DMAPOOL_POOL_NONE ? DMAPOOL_POOL_NONE_NAME :
		   dmapool_pool_names[l->pool],
		   l->kind == DMAPOOL_ROP_ALLOC ? dmapool_res_names[l->result] :
		   dmapool_rfree_names[l->result],
		   l->in_ctx, l->t_sched, l->t_exec);
	return 0;
}

static const struct seq_operations dmapool_rlog_sops = {
	.start = dmapool_rlog_start,
	.next = dmapool_rlog_next,
	.stop = dmapool_rlog_stop,
	.show = dmapool_rlog_show,
};

static int dmapool_rlog_open(struct inode *inode, struct file *file)
{
	return seq_open(file, &dmapool_rlog_sops);
}

static const struct file_operations dmapool_rlog_fops = {
	.owner = THIS_MODULE,
	.open = dmapool_rlog_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = seq_release,
};

void dmapool_replay_debugfs(struct dentry *dir)
{
	struct dmapool_replay *r = &dmapool_rp;

	raw_spin_lock_init(&r->lock);
	init_completion(&r->timer_done);
	init_completion(&r->done);
#ifdef DMAPOOL_HAVE_HRTIMER_SETUP
	hrtimer_setup(&r->timer[0], dmapool_replay_timer_fn, CLOCK_MONOTONIC,
		      HRTIMER_MODE_ABS_HARD);
	hrtimer_setup(&r->timer[1], dmapool_replay_timer_fn, CLOCK_MONOTONIC,
		      HRTIMER_MODE_ABS_SOFT);
#else
	hrtimer_init(&r->timer[0], CLOCK_MONOTONIC, HRTIMER_MODE_ABS_HARD);
	r->timer[0].function = dmapool_replay_timer_fn;
	hrtimer_init(&r->timer[1], CLOCK_MONOTONIC, HRTIMER_MODE_ABS_SOFT);
	r->timer[1].function = dmapool_replay_timer_fn;
#endif
	r->speed = 1000;
	debugfs_create_file("replay", 0600, dir, NULL, &dmapool_replay_fops);
	debugfs_create_file("replay_log", 0400, dir, NULL, &dmapool_rlog_fops);
}

void dmapool_replay_exit(void)
{
	mutex_lock(&dmapool_replay_lock);
	dmapool_replay_stop(&dmapool_rp, false);
	dmapool_replay_clear(&dmapool_rp);
	mutex_unlock(&dmapool_replay_lock);
}
