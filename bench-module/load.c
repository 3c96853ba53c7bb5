// SPDX-License-Identifier: GPL-2.0
/*
 * Load generator: a run is up to DMAPOOL_MAX_STREAMS streams, each its own
 * spec; one kthread per stream and chosen CPU (streams may share a CPU,
 * each with its own kthread and timer), all released together by one start
 * gate, each driving a stream of pool operations in one context:
 *
 *   hardirq  an hrtimer in HRTIMER_MODE_REL_PINNED_HARD, a batch per expiry
 *   softirq  the same timer in HRTIMER_MODE_REL_PINNED_SOFT
 *   atomic   the kthread, a raw spinlock held with IRQs off around each
 *            batch (atomic on PREEMPT_RT too, see dmapool_worker)
 *   process  the kthread, preemptible
 *
 * Blocks live for the spec's hold: freed in the same operation, after N more
 * operations, after T us (a FIFO ring per worker, freed in the operation's
 * context), or deferred to the kthread (the same ring as a single-producer
 * single-consumer queue on one CPU). Every block is freed when the run ends,
 * is stopped, fails, or the module is removed.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/hrtimer.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/sched/clock.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/timekeeping.h>

#include "load.h"
#include "pool.h"
#include "spec.h"

/* The run's state, and its name in `stats`. */
#define DMAPOOL_RUN_STATES DMAPOOL_EM_LIST(				\
	DMAPOOL_EM(DMAPOOL_RUN_IDLE,		"idle")				\
	DMAPOOL_EM(DMAPOOL_RUN_RUNNING,		"running")			\
	DMAPOOL_EM(DMAPOOL_RUN_DONE,		"done")				\
	DMAPOOL_EM(DMAPOOL_RUN_STOPPED,		"stopped")			\
	DMAPOOL_EMe(DMAPOOL_RUN_ERROR,		"error"))

#undef DMAPOOL_EM
#undef DMAPOOL_EMe
#define DMAPOOL_EM(a, b)	a,
#define DMAPOOL_EMe(a, b)	a

enum dmapool_run_state { DMAPOOL_RUN_STATES };

#undef DMAPOOL_EM
#undef DMAPOOL_EMe
#define DMAPOOL_EM(a, b)	b,
#define DMAPOOL_EMe(a, b)	b

static const char * const dmapool_state_names[] = { DMAPOOL_RUN_STATES };

#undef DMAPOOL_EM
#undef DMAPOOL_EMe

struct dmapool_lat {
	u64 n;
	u64 sum;			/* ns */
	u64 min;			/* ns */
	u64 max;			/* ns */
};

/* Counters of one worker's side; summed over workers and sides on read. */
struct dmapool_wstats {
	u64 ops;			/* allocation attempts */
	u64 allocs;
	u64 fails;
	u64 frees;
	u64 bytes;			/* allocated */
	u64 results[DMAPOOL_NR_RES];
	u64 fallbacks[DMAPOOL_NR_POOLS][DMAPOOL_NR_POOLS];	/* [from][to] */
	u64 ctx_violations;		/* operations not in the spec's context */
	u64 forced_frees;		/* freed early: the hold ring was full */
	u64 missed_periods;		/* timer expiries lost to overruns */
	u64 free_errors;		/* blocks no pool took back: a bug */
	/*
	 * Where the operation context's time goes, warmup included (make
	 * bench): batches, their allocations and the frees made in them, and
	 * the timer callbacks around the batches.
	 */
	u64 batch_ops;
	u64 batch_ns;			/* inside dmapool_batch() */
	u64 pool_ns;			/* inside dmapool_alloc() and _free() */
	u64 callbacks;
	u64 cb_ns;			/* inside dmapool_timer_fn() */
	struct dmapool_lat alloc_lat;
	struct dmapool_lat free_lat;
};

struct dmapool_held {
	void *vaddr;
	u64 expire;			/* operation index or local_clock() ns */
	u32 size;			/* bytes */
	bool counted;			/* allocated after warmup */
};

struct dmapool_run;

struct dmapool_worker {
	struct dmapool_run *run;
	const struct dmapool_spec *spec;	/* its stream's */
	u8 stream;			/* index in the run's line */
	struct task_struct *task;
	struct hrtimer timer;
	struct completion timer_done;
	/*
	 * Held around atomic-context batches: the context of a driver that
	 * allocates under its own lock with IRQs off. A raw_spinlock_t, not a
	 * spinlock_t: on PREEMPT_RT spin_lock_irqsave() takes a sleeping
	 * rt_mutex and leaves IRQs and preemption on, so the batch would run
	 * in process context. raw_spin_lock_irqsave() disables IRQs and
	 * preemption on every kernel, is what spin_lock_irqsave() compiles to
	 * on the others (their numbers do not move), and is what an RT driver
	 * really holds when it cannot sleep. An explicit preempt_disable() +
	 * local_irq_save() would give the same state but not a lock, which is
	 * the thing the context stands for.
	 */
	raw_spinlock_t lock;
	unsigned int cpu;
	u64 rng;
	u64 digest;			/* of the size and zone sequence */
	u64 t_start;			/* local_clock() ns */
	u64 t_measure;			/* end of warmup */
	u64 t_deadline;			/* end of the measured phase */
	u64 t_end;
	u64 op_index;
	u64 measured;			/* operations after warmup */
	/*
	 * Held blocks, FIFO. The slot count is a power of two so that the
	 * free-running u32 indices stay consistent when they wrap; at most
	 * ring_max (max_outstanding) entries are live.
	 */
	struct dmapool_held *ring;
	u32 ring_mask;			/* slots - 1 */
	u32 ring_max;
	u32 head;			/* producer: the operation context */
	u32 tail;			/* consumer: the op context, or the kthread */
	struct dmapool_wstats st;	/* written in the operation context */
	struct dmapool_wstats kst;	/* written by the kthread (deferred frees) */
};

struct dmapool_run {
	struct dmapool_run_spec rs;
	int state;			/* enum dmapool_run_state */
	bool stop;
	unsigned int nr_workers;
	struct dmapool_worker *workers;
	struct completion start_gate;
	struct completion done;
	atomic_t running;
	u64 t_start;			/* ktime_get_ns() */
	u64 t_end;
	u64 expansions_before;
	u64 expansions_after;
	char error[DMAPOOL_SPEC_ERR_LEN];
};

/* The current or last run; under dmapool_run_lock. */
static struct dmapool_run *dmapool_run;
static DEFINE_MUTEX(dmapool_run_lock);

#define DMAPOOL_FNV_PRIME 0x100000001b3ull
#define DMAPOOL_FNV_BASIS 0xcbf29ce484222325ull

/*
 * FNV-1a over whole 64-bit words, not bytes: the digest only has to tell
 * two sequences apart, and it runs on every operation (make bench counts
 * the generator's own cost per operation).
 */
static u64 dmapool_fnv(u64 h, u64 v)
{
	return (h ^ v) * DMAPOOL_FNV_PRIME;
}

static void dmapool_lat_add(struct dmapool_lat *l, u64 ns)
{
	if (!l->n || ns < l->min)
		l->min = ns;
	if (ns > l->max)
		l->max = ns;
	l->sum += ns;
	l->n++;
}

static void dmapool_lat_merge(struct dmapool_lat *to,
			      const struct dmapool_lat *from)
{
	if (!from->n)
		return;
	if (!to->n || from->min < to->min)
		to->min = from->min;
	if (from->max > to->max)
		to->max = from->max;
	to->sum += from->sum;
	to->n += from->n;
}

static void dmapool_release(struct dmapool_worker *w,
			    const struct dmapool_held *h,
			    struct dmapool_wstats *st)
{
	u64 ns = 0;

	if (dmapool_free_stream(h->vaddr, h->size, w->stream, &ns) < 0) {
		st->free_errors++;
		return;
	}
	if (st == &w->st)
		st->pool_ns += ns;
	if (h->counted) {
		st->frees++;
		dmapool_lat_add(&st->free_lat, ns);
	}
}

/*
 * At most this many expired blocks are freed per operation. The operation
 * context may be a hardirq, where nothing can yield, and each free costs
 * O(chunks) in the pool: without a bound, the first operation after a pause
 * (a burst's off window) would free up to max_outstanding (65536) blocks in
 * one interrupt. Each operation holds at most one new block, so a backlog
 * still shrinks by at least one block per operation (blocks are then freed
 * later than their hold, as they already are after a pause). An operation
 * thus makes one allocation and at most three frees (two expired, one
 * forced when the ring is full).
 */
#define DMAPOOL_EXPIRE_PER_OP 2

/* Free held blocks whose time has come (operation context). */
static void dmapool_expire(struct dmapool_worker *w, u64 now)
{
	u32 hold = w->spec->hold_kind;
	u64 limit = hold == DMAPOOL_HOLD_OPS ? w->op_index : now;
	struct dmapool_held *h;
	unsigned int n;

	if (hold != DMAPOOL_HOLD_OPS && hold != DMAPOOL_HOLD_US)
		return;
	for (n = 0; n < DMAPOOL_EXPIRE_PER_OP && w->tail != w->head; n++) {
		h = &w->ring[w->tail & w->ring_mask];
		if (h->expire > limit)
			break;
		dmapool_release(w, h, &w->st);
		w->tail++;
	}
}

/*
 * The kthread's side of a deferred hold: free what the op context queued
 * (up to max_outstanding blocks), yielding between blocks.
 */
static void dmapool_drain_deferred(struct dmapool_worker *w)
{
	/* Pairs with the release in dmapool_hold(): the entry is written. */
	u32 head = smp_load_acquire(&w->head);

	while (w->tail != head) {
		cond_resched();
		dmapool_release(w, &w->ring[w->tail & w->ring_mask], &w->kst);
		/* Pairs with the acquire in dmapool_hold(): the slot is free. */
		smp_store_release(&w->tail, w->tail + 1);
	}
}

/* Keep a block for later; the ring is bounded by max_outstanding. */
static void dmapool_hold(struct dmapool_worker *w, struct dmapool_held *h)
{
	const struct dmapool_spec *spec = w->spec;

	/* Pairs with the release in dmapool_drain_deferred(). */
	if (w->head - smp_load_acquire(&w->tail) >= w->ring_max) {
		w->st.forced_frees++;
		if (spec->hold_kind == DMAPOOL_HOLD_DEFERRED) {
			dmapool_release(w, h, &w->st);
			return;
		}
		dmapool_release(w, &w->ring[w->tail & w->ring_mask], &w->st);
		w->tail++;
	}
	w->ring[w->head & w->ring_mask] = *h;
	/* Publish the entry before the index: pairs with the drain's acquire. */
	smp_store_release(&w->head, w->head + 1);
}

/*
 * Does the operation run in the spec's context? dmapool_cur_ctx() names the
 * innermost context, and takes IRQs off or preemption off for atomic; the
 * generator's atomic context is both (its raw spinlock), and either alone
 * is not what the context stands for (on PREEMPT_RT a sleeping spinlock
 * gives neither). Without CONFIG_PREEMPT_COUNT a spinlock leaves no trace
 * in preempt_count(). in_hardirq(), behind dmapool_cur_ctx(), holds in
 * HRTIMER_MODE_*_HARD callbacks on PREEMPT_RT too.
 */
bool dmapool_in_ctx(int ctx)
{
	if (dmapool_cur_ctx() != ctx)
		return false;
	if (ctx == DMAPOOL_CTX_ATOMIC)
		return irqs_disabled() &&
		       (preempt_count() || !IS_ENABLED(CONFIG_PREEMPT_COUNT));
	return true;
}

/* One operation: an allocation, and whatever its hold says. */
static void dmapool_do_op(struct dmapool_worker *w, u64 now)
{
	const struct dmapool_spec *spec = w->spec;
	struct dmapool_wstats *st = &w->st;
	struct dmapool_alloc_info info;
	struct dmapool_held h;
	int zone, i;

	h.size = PAGE_ALIGN(dmapool_spec_pick_size(spec, &w->rng));
	zone = dmapool_spec_pick_zone(spec, &w->rng);
	w->digest = dmapool_fnv(dmapool_fnv(w->digest, h.size), zone);
	w->op_index++;
	h.counted = now >= w->t_measure;
	if (!dmapool_in_ctx(spec->ctx))
		st->ctx_violations++;

	dmapool_expire(w, now);
	h.vaddr = dmapool_alloc_stream(h.size, zone, spec->mask_bits, true,
				       w->stream, &info);
	st->pool_ns += info.latency_ns;
	if (h.counted) {
		w->measured++;
		st->ops++;
		st->results[info.result]++;
		for (i = 1; i < info.depth; i++)
			st->fallbacks[info.path[i - 1]][info.path[i]]++;
		dmapool_lat_add(&st->alloc_lat, info.latency_ns);
		if (h.vaddr) {
			st->allocs++;
			st->bytes += h.size;
		} else {
			st->fails++;
		}
	}
	if (!h.vaddr)
		return;
	switch (spec->hold_kind) {
	case DMAPOOL_HOLD_NONE:
		dmapool_release(w, &h, st);
		return;
	case DMAPOOL_HOLD_OPS:
		h.expire = w->op_index + spec->hold_val;
		break;
	case DMAPOOL_HOLD_US:
		h.expire = now + spec->hold_val * NSEC_PER_USEC;
		break;
	default:
		h.expire = 0;
	}
	dmapool_hold(w, &h);
}

static bool dmapool_worker_done(struct dmapool_worker *w, u64 now)
{
	const struct dmapool_spec *spec = w->spec;

	return READ_ONCE(w->run->stop) ||
	       (spec->ops && w->measured >= spec->ops) ||
	       (spec->duration_ms && now >= w->t_deadline);
}

/*
 * ns until the next "on" window of a burst pattern (0 inside one), at most
 * DMAPOOL_WAIT_SLICE_NS so that a stop is seen promptly.
 */
#define DMAPOOL_WAIT_SLICE_NS (10 * NSEC_PER_MSEC)

static u64 dmapool_burst_wait(struct dmapool_worker *w, u64 now)
{
	const struct dmapool_spec *spec = w->spec;
	u64 on = (u64)spec->burst_on_ms * NSEC_PER_MSEC;
	u64 cycle = on + (u64)spec->burst_off_ms * NSEC_PER_MSEC;
	u64 phase;

	if (!on)
		return 0;
	phase = (now - w->t_start) % cycle;
	return phase < on ? 0 : min(cycle - phase, DMAPOOL_WAIT_SLICE_NS);
}

/*
 * One timer expiry's or one kthread round's work. Nothing here can yield
 * (hardirq, softirq, or a spinlock with IRQs off): it is bounded by the spec,
 * at most batch (DMAPOOL_MAX_BATCH, 256) operations, each one allocation and
 * at most three frees; dmapool_timer_fn() keeps the timer contexts below
 * 80 % of the CPU when that outlasts the period.
 */
static void dmapool_batch(struct dmapool_worker *w, u64 now)
{
	const struct dmapool_spec *spec = w->spec;
	u64 t0 = local_clock();
	u32 i;

	for (i = 0; i < spec->batch; i++) {
		if (spec->ops && w->measured >= spec->ops)
			break;
		dmapool_do_op(w, now);
	}
	w->st.batch_ops += i;
	w->st.batch_ns += local_clock() - t0;
}

static enum hrtimer_restart dmapool_timer_fn(struct hrtimer *timer)
{
	struct dmapool_worker *w = container_of(timer, struct dmapool_worker,
						timer);
	u64 period = (u64)w->spec->period_us * NSEC_PER_USEC;
	u64 now = local_clock(), wait, overruns, gap;
	ktime_t next, min_next;

	if (dmapool_worker_done(w, now)) {
		complete(&w->timer_done);
		return HRTIMER_NORESTART;
	}
	wait = dmapool_burst_wait(w, now);
	if (!wait)
		dmapool_batch(w, now);
	/* At least a quarter of the period, and of the batch, outside. */
	gap = max(period, local_clock() - now) / 4;

	overruns = hrtimer_forward_now(timer, ns_to_ktime(wait ? wait : period));
	if (!wait && overruns > 1)
		w->st.missed_periods += overruns - 1;
	/*
	 * When a batch outlasts the period, keep the CPU out of the interrupt
	 * for a while (at most 80 % of the time inside), so that the
	 * generator never locks it up.
	 */
	next = hrtimer_get_expires(timer);
	min_next = ktime_add_ns(hrtimer_cb_get_time(timer), gap);
	if (ktime_before(next, min_next))
		hrtimer_set_expires(timer, min_next);
	w->st.callbacks++;
	w->st.cb_ns += local_clock() - now;
	return HRTIMER_RESTART;
}

static void dmapool_sleep_ns(u64 ns)
{
	if (ns >= 10 * NSEC_PER_USEC)
		usleep_range(ns / NSEC_PER_USEC, ns / NSEC_PER_USEC + 50);
	else
		cond_resched();
}

/* Atomic and process contexts: the kthread itself runs the batches. */
static void dmapool_task_loop(struct dmapool_worker *w)
{
	const struct dmapool_spec *spec = w->spec;
	unsigned long flags;
	u64 now, wait;

	for (;;) {
		now = local_clock();
		if (dmapool_worker_done(w, now))
			break;
		wait = dmapool_burst_wait(w, now);
		if (wait) {
			dmapool_sleep_ns(wait);
			continue;
		}
		if (spec->ctx == DMAPOOL_CTX_ATOMIC) {
			raw_spin_lock_irqsave(&w->lock, flags);
			dmapool_batch(w, now);
			raw_spin_unlock_irqrestore(&w->lock, flags);
		} else {
			dmapool_batch(w, now);
		}
		if (spec->hold_kind == DMAPOOL_HOLD_DEFERRED)
			dmapool_drain_deferred(w);
		dmapool_sleep_ns((u64)spec->period_us * NSEC_PER_USEC);
	}
}

static void dmapool_timer_loop(struct dmapool_worker *w)
{
	const struct dmapool_spec *spec = w->spec;
	enum hrtimer_mode mode = spec->ctx == DMAPOOL_CTX_HARDIRQ ?
				 HRTIMER_MODE_REL_PINNED_HARD :
				 HRTIMER_MODE_REL_PINNED_SOFT;

	hrtimer_start(&w->timer, 0, mode);
	while (!wait_for_completion_timeout(&w->timer_done, 1)) {
		if (spec->hold_kind == DMAPOOL_HOLD_DEFERRED)
			dmapool_drain_deferred(w);
	}
	hrtimer_cancel(&w->timer);
}

static int dmapool_worker_fn(void *data)
{
	struct dmapool_worker *w = data;
	struct dmapool_run *run = w->run;
	const struct dmapool_spec *spec = w->spec;

	wait_for_completion(&run->start_gate);
	w->t_start = local_clock();
	w->t_measure = w->t_start + (u64)spec->warmup_ms * NSEC_PER_MSEC;
	w->t_deadline = w->t_measure + spec->duration_ms * NSEC_PER_MSEC;
	if (!READ_ONCE(run->stop)) {
		if (spec->ctx == DMAPOOL_CTX_HARDIRQ ||
		    spec->ctx == DMAPOOL_CTX_SOFTIRQ)
			dmapool_timer_loop(w);
		else
			dmapool_task_loop(w);
	}
	/*
	 * One pool_state sample while the held blocks are still live, so the
	 * timeline shows the loaded pools however short the run was against
	 * the sampling period (a run of a few ms can fall between two samples).
	 */
	if (w->tail != w->head)
		dmapool_emit_state();
	/*
	 * The operation context is quiet now: free everything still held (up
	 * to max_outstanding blocks), yielding between blocks.
	 */
	while (w->tail != w->head) {
		cond_resched();
		dmapool_release(w, &w->ring[w->tail & w->ring_mask], &w->kst);
		w->tail++;
	}
	w->t_end = local_clock();

	if (atomic_dec_and_test(&run->running)) {
		run->t_end = ktime_get_ns();
		run->expansions_after = dmapool_expansions_total();
		WRITE_ONCE(run->state, READ_ONCE(run->stop) ?
			   DMAPOOL_RUN_STOPPED : DMAPOOL_RUN_DONE);
		complete_all(&run->done);
	}
	dmapool_wait_for_stop();
	return 0;
}

/* Stop the kthreads of a finished or failed run and free it. */
static void dmapool_run_free(struct dmapool_run *run)
{
	unsigned int i;

	if (!run)
		return;
	for (i = 0; i < run->nr_workers; i++) {
		struct dmapool_worker *w = &run->workers[i];

		if (w->task)
			kthread_stop(w->task);
		kvfree(w->ring);
		cond_resched();
	}
	kvfree(run->workers);
	kfree(run);
}

static void dmapool_worker_init(struct dmapool_worker *w,
				struct dmapool_run *run, unsigned int stream,
				unsigned int cpu, unsigned int index)
{
	const struct dmapool_spec *spec = &run->rs.streams[stream];
	enum hrtimer_mode mode = spec->ctx == DMAPOOL_CTX_SOFTIRQ ?
				 HRTIMER_MODE_REL_PINNED_SOFT :
				 HRTIMER_MODE_REL_PINNED_HARD;

	w->run = run;
	w->spec = spec;
	w->stream = stream;
	w->cpu = cpu;
	/*
	 * Each worker's sequence depends only on its stream's seed and its
	 * index among the stream's workers.
	 */
	w->rng = spec->seed ^ (0x9e3779b97f4a7c15ull * (index + 1));
	w->digest = DMAPOOL_FNV_BASIS;
	raw_spin_lock_init(&w->lock);
	init_completion(&w->timer_done);
#ifdef DMAPOOL_HAVE_HRTIMER_SETUP
	hrtimer_setup(&w->timer, dmapool_timer_fn, CLOCK_MONOTONIC, mode);
#else
	hrtimer_init(&w->timer, CLOCK_MONOTONIC, mode);
	w->timer.function = dmapool_timer_fn;
#endif
}

/* Set up every worker, then open the gate; any failure undoes it all. */
static int dmapool_run_launch(struct dmapool_run *run, char *err,
			      size_t errlen)
{
	unsigned int nr = 0, cpu, i = 0, st, index;
	int ret;

	for (st = 0; st < run->rs.nr_streams; st++)
		nr += hweight64(run->rs.streams[st].cpus);
	run->workers = kvcalloc(nr, sizeof(*run->workers), GFP_KERNEL);
	if (!run->workers) {
		snprintf(err, errlen, "cpus: no memory for %u workers", nr);
		return -ENOMEM;
	}
	run->nr_workers = nr;
	for (st = 0; st < run->rs.nr_streams; st++) {
		const struct dmapool_spec *spec = &run->rs.streams[st];

		for (cpu = 0, index = 0; cpu < DMAPOOL_MAX_CPUS; cpu++) {
			struct dmapool_worker *w;

			if (!(spec->cpus & BIT_ULL(cpu)))
				continue;
			w = &run->workers[i];
			dmapool_worker_init(w, run, st, cpu, index++);
			w->ring_max = spec->max_outstanding;
			w->ring_mask = roundup_pow_of_two(w->ring_max) - 1;
			w->ring = kvcalloc(w->ring_mask + 1, sizeof(*w->ring),
					   GFP_KERNEL);
			if (!w->ring) {
				ret = -ENOMEM;
				snprintf(err, errlen, "stream %s: max_outstanding: no memory for %u held blocks on CPU %u",
					 spec->name, w->ring_max, cpu);
				goto fail;
			}
			w->task = kthread_create_on_cpu(dmapool_worker_fn, w,
							cpu, "dmapool_bench/%u");
			if (IS_ERR(w->task)) {
				ret = PTR_ERR(w->task);
				w->task = NULL;
				snprintf(err, errlen, "stream %s: cpus: cannot start a kthread on CPU %u (%d)",
					 spec->name, cpu, ret);
				goto fail;
			}
			i++;
		}
	}
	atomic_set(&run->running, run->nr_workers);
	run->expansions_before = dmapool_expansions_total();
	run->t_start = ktime_get_ns();
	run->state = DMAPOOL_RUN_RUNNING;
	for (i = 0; i < run->nr_workers; i++)
		wake_up_process(run->workers[i].task);
	complete_all(&run->start_gate);
	return 0;

fail:
	/* Workers already created wake up, see stop and wait to be reaped. */
	WRITE_ONCE(run->stop, true);
	atomic_set(&run->running, run->nr_workers + 1);
	for (i = 0; i < run->nr_workers; i++)
		if (run->workers[i].task)
			wake_up_process(run->workers[i].task);
	complete_all(&run->start_gate);
	return ret;
}

int dmapool_load_start(const struct dmapool_run_spec *rs, char *err,
		       size_t errlen)
{
	struct dmapool_run *run;
	unsigned int cpu, st;
	int ret;

	mutex_lock(&dmapool_run_lock);
	/* No CPU goes away between the check and binding the kthreads. */
	cpus_read_lock();
	for (st = 0; st < rs->nr_streams; st++) {
		const struct dmapool_spec *spec = &rs->streams[st];

		for (cpu = 0; cpu < DMAPOOL_MAX_CPUS; cpu++) {
			if (!(spec->cpus & BIT_ULL(cpu)) ||
			    (cpu < nr_cpu_ids && cpu_online(cpu)))
				continue;
			cpus_read_unlock();
			mutex_unlock(&dmapool_run_lock);
			if (rs->nr_streams > 1)
				snprintf(err, errlen, "stream %s: cpus: CPU %u is not online",
					 spec->name, cpu);
			else
				snprintf(err, errlen, "cpus: CPU %u is not online",
					 cpu);
			return -EINVAL;
		}
	}

	if (dmapool_run && READ_ONCE(dmapool_run->state) == DMAPOOL_RUN_RUNNING) {
		cpus_read_unlock();
		mutex_unlock(&dmapool_run_lock);
		snprintf(err, errlen, "a run is in progress (write stop first)");
		return -EBUSY;
	}
	dmapool_run_free(dmapool_run);
	dmapool_run = NULL;

	run = kzalloc(sizeof(*run), GFP_KERNEL);
	if (!run) {
		cpus_read_unlock();
		mutex_unlock(&dmapool_run_lock);
		return -ENOMEM;
	}
	run->rs = *rs;
	init_completion(&run->start_gate);
	init_completion(&run->done);
	ret = dmapool_run_launch(run, err, errlen);
	if (ret) {
		run->state = DMAPOOL_RUN_ERROR;
		strscpy(run->error, err, sizeof(run->error));
	}
	dmapool_run = run;
	cpus_read_unlock();
	mutex_unlock(&dmapool_run_lock);
	return ret;
}

/*
 * Stop a running run and wait until every block is back. With @killable
 * (a `stop` write) the wait ends with -EINTR when the writer is killed; the
 * run still stops, as its stop flag is set.
 */
int dmapool_load_stop(bool killable)
{
	struct dmapool_run *run;
	int ret = 0;

	if (killable) {
		if (mutex_lock_killable(&dmapool_run_lock))
			return -EINTR;
	} else {
		mutex_lock(&dmapool_run_lock);
	}
	run = dmapool_run;
	if (!run || READ_ONCE(run->state) != DMAPOOL_RUN_RUNNING) {
		mutex_unlock(&dmapool_run_lock);
		return -EALREADY;
	}
	WRITE_ONCE(run->stop, true);
	if (!killable)
		wait_for_completion(&run->done);
	else if (wait_for_completion_killable(&run->done))
		ret = -EINTR;
	mutex_unlock(&dmapool_run_lock);
	return ret;
}

void dmapool_load_exit(void)
{
	dmapool_load_stop(false);
	mutex_lock(&dmapool_run_lock);
	dmapool_run_free(dmapool_run);
	dmapool_run = NULL;
	mutex_unlock(&dmapool_run_lock);
}

int dmapool_load_format_spec(char *buf, size_t len)
{
	struct dmapool_spec spec;
	int n;

	mutex_lock(&dmapool_run_lock);
	if (dmapool_run) {
		n = dmapool_run_spec_format(&dmapool_run->rs, buf, len);
	} else {
		dmapool_spec_default(&spec);
		n = dmapool_spec_format(&spec, buf, len);
	}
	mutex_unlock(&dmapool_run_lock);
	return n;
}

static void dmapool_stats_add(struct dmapool_wstats *to,
			      const struct dmapool_wstats *from)
{
	int i, j;

	to->ops += from->ops;
	to->allocs += from->allocs;
	to->fails += from->fails;
	to->frees += from->frees;
	to->bytes += from->bytes;
	for (i = 0; i < DMAPOOL_NR_RES; i++)
		to->results[i] += from->results[i];
	for (i = 0; i < DMAPOOL_NR_POOLS; i++)
		for (j = 0; j < DMAPOOL_NR_POOLS; j++)
			to->fallbacks[i][j] += from->fallbacks[i][j];
	to->ctx_violations += from->ctx_violations;
	to->forced_frees += from->forced_frees;
	to->missed_periods += from->missed_periods;
	to->free_errors += from->free_errors;
	to->batch_ops += from->batch_ops;
	to->batch_ns += from->batch_ns;
	to->pool_ns += from->pool_ns;
	to->callbacks += from->callbacks;
	to->cb_ns += from->cb_ns;
	dmapool_lat_merge(&to->alloc_lat, &from->alloc_lat);
	dmapool_lat_merge(&to->free_lat, &from->free_lat);
}

/* After @prefix ("" or "stream.NAME."), @name's latency summary. */
static void dmapool_show_lat(struct seq_file *m, const char *prefix,
			     const char *name, const struct dmapool_lat *l)
{
	seq_printf(m, "%s%s_lat_min_ns: %llu\n", prefix, name, l->min);
	seq_printf(m, "%s%s_lat_avg_ns: %llu\n", prefix, name,
		   l->n ? div64_u64(l->sum, l->n) : 0);
	seq_printf(m, "%s%s_lat_max_ns: %llu\n", prefix, name, l->max);
}

/*
 * Sum the counters of @run's workers of stream @stream (all: -1) into @sum;
 * their held blocks into *@outstanding and their digests into *@digest.
 */
static void dmapool_stats_sum(const struct dmapool_run *run, int stream,
			      struct dmapool_wstats *sum, u64 *outstanding,
			      u64 *digest)
{
	unsigned int i;

	memset(sum, 0, sizeof(*sum));
	*outstanding = 0;
	*digest = DMAPOOL_FNV_BASIS;
	for (i = 0; i < run->nr_workers; i++) {
		const struct dmapool_worker *w = &run->workers[i];

		if (stream >= 0 && w->stream != stream)
			continue;
		dmapool_stats_add(sum, &w->st);
		dmapool_stats_add(sum, &w->kst);
		*outstanding += READ_ONCE(w->head) - READ_ONCE(w->tail);
		*digest = dmapool_fnv(*digest, w->digest);
	}
}

/*
 * Per-stream lines: "streams: N", then "stream.NAME.KEY: VALUE" for each
 * stream in the line's order, KEY one of the aggregate's keys. They sum to
 * the aggregate lines.
 */
static void dmapool_show_streams(struct seq_file *m,
				 const struct dmapool_run *run)
{
	struct dmapool_wstats *sum;
	u64 outstanding, digest;
	unsigned int st;

	sum = kmalloc(sizeof(*sum), GFP_KERNEL);
	if (!sum)
		return;
	seq_printf(m, "streams: %u\n", run->rs.nr_streams);
	for (st = 0; st < run->rs.nr_streams; st++) {
		const char *name = run->rs.streams[st].name;
		char prefix[DMAPOOL_STREAM_NAME_LEN + 8];

		snprintf(prefix, sizeof(prefix), "stream.%s.", name);
		dmapool_stats_sum(run, st, sum, &outstanding, &digest);
		seq_printf(m, "stream.%s.index: %u\n", name, st);
		seq_printf(m, "stream.%s.ctx: %s\n", name,
			   dmapool_ctx_names[run->rs.streams[st].ctx]);
		seq_printf(m, "stream.%s.ops: %llu\n", name, sum->ops);
		seq_printf(m, "stream.%s.allocs: %llu\n", name, sum->allocs);
		seq_printf(m, "stream.%s.fails: %llu\n", name, sum->fails);
		seq_printf(m, "stream.%s.frees: %llu\n", name, sum->frees);
		seq_printf(m, "stream.%s.bytes: %llu\n", name, sum->bytes);
		seq_printf(m, "stream.%s.outstanding: %llu\n", name,
			   outstanding);
		dmapool_show_outcomes(m, prefix, sum->results, sum->fallbacks,
				      false);
		seq_printf(m, "stream.%s.ctx_violations: %llu\n", name,
			   sum->ctx_violations);
		seq_printf(m, "stream.%s.forced_frees: %llu\n", name,
			   sum->forced_frees);
		seq_printf(m, "stream.%s.missed_periods: %llu\n", name,
			   sum->missed_periods);
		seq_printf(m, "stream.%s.free_errors: %llu\n", name,
			   sum->free_errors);
		seq_printf(m, "stream.%s.alloc_lat_sum_ns: %llu\n", name,
			   sum->alloc_lat.sum);
		dmapool_show_lat(m, prefix, "alloc", &sum->alloc_lat);
		dmapool_show_lat(m, prefix, "free", &sum->free_lat);
		seq_printf(m, "stream.%s.digest: 0x%016llx\n", name, digest);
	}
	kfree(sum);
}

void dmapool_load_show_stats(struct seq_file *m)
{
	struct dmapool_wstats *sum = NULL;
	struct dmapool_run *run;
	u64 outstanding, elapsed, digest, ops;
	unsigned int i, cpu;
	bool any;
	int state;

	mutex_lock(&dmapool_run_lock);
	run = dmapool_run;
	state = run ? READ_ONCE(run->state) : DMAPOOL_RUN_IDLE;
	seq_printf(m, "state: %s\n", dmapool_state_names[state]);
	if (!run)
		goto out;
	if (state == DMAPOOL_RUN_ERROR) {
		seq_printf(m, "error: %s\n", run->error);
		goto out;
	}
	sum = kmalloc(sizeof(*sum), GFP_KERNEL);
	if (!sum)
		goto out;
	dmapool_stats_sum(run, -1, sum, &outstanding, &digest);
	elapsed = (state == DMAPOOL_RUN_RUNNING ? ktime_get_ns() : run->t_end) -
		  run->t_start;
	seq_printf(m, "elapsed_ns: %llu\n", elapsed);
	seq_printf(m, "ops: %llu\n", sum->ops);
	seq_printf(m, "ops_per_sec: %llu\n",
		   elapsed ? mul_u64_u64_div_u64(sum->ops, NSEC_PER_SEC, elapsed) : 0);
	seq_printf(m, "allocs: %llu\n", sum->allocs);
	seq_printf(m, "fails: %llu\n", sum->fails);
	seq_printf(m, "frees: %llu\n", sum->frees);
	seq_printf(m, "bytes: %llu\n", sum->bytes);
	seq_printf(m, "outstanding: %llu\n", outstanding);
	dmapool_show_outcomes(m, "", sum->results, sum->fallbacks, true);
	seq_printf(m, "expansions: %llu\n",
		   (state == DMAPOOL_RUN_RUNNING ? dmapool_expansions_total() :
		    run->expansions_after) - run->expansions_before);
	seq_printf(m, "ctx_violations: %llu\n", sum->ctx_violations);
	seq_printf(m, "forced_frees: %llu\n", sum->forced_frees);
	seq_printf(m, "missed_periods: %llu\n", sum->missed_periods);
	seq_printf(m, "free_errors: %llu\n", sum->free_errors);
	seq_printf(m, "batch_ops: %llu\n", sum->batch_ops);
	seq_printf(m, "batch_ns: %llu\n", sum->batch_ns);
	seq_printf(m, "pool_ns: %llu\n", sum->pool_ns);
	seq_printf(m, "callbacks: %llu\n", sum->callbacks);
	seq_printf(m, "cb_ns: %llu\n", sum->cb_ns);
	seq_printf(m, "alloc_lat_sum_ns: %llu\n", sum->alloc_lat.sum);
	dmapool_show_lat(m, "", "alloc", &sum->alloc_lat);
	dmapool_show_lat(m, "", "free", &sum->free_lat);
	seq_printf(m, "digest: 0x%016llx\n", digest);
	/* Per CPU, summed over the streams that share it. */
	for (cpu = 0; cpu < DMAPOOL_MAX_CPUS; cpu++) {
		for (i = 0, ops = 0, any = false; i < run->nr_workers; i++) {
			if (run->workers[i].cpu != cpu)
				continue;
			ops += run->workers[i].st.ops;
			any = true;
		}
		if (any)
			seq_printf(m, "cpu%u_ops: %llu\n", cpu, ops);
	}
	dmapool_show_streams(m, run);
out:
	kfree(sum);
	mutex_unlock(&dmapool_run_lock);
}
