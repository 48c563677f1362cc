// SPDX-License-Identifier: GPL-2.0
/*
 * bhbench engine: open-loop producers, the timed item callback, per-CPU
 * histograms and counters.  It never names a mechanism: it calls the
 * mechanism's ops vector.
 *
 * Arrivals are open loop.  Producer CPU c issues arrival k at
 * start + k * period whatever the mechanism is doing; latency counts from
 * that intended time, so a slow mechanism or a late timer shows up in the
 * latency instead of silently slowing the arrivals down.
 */
#include <linux/bitmap.h>
#include <linux/bitops.h>
#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/log2.h>
#include <linux/math64.h>
#include <linux/module.h>
#include <linux/overflow.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <crypto/sha2.h>

#include "bhb.h"
#include "bhb_compat.h"
#include "bhb_payload.h"

/* the latency run in progress, for bhb_run_cpu_down() */
static struct bhb_run *bhb_active;

/* Producers start this long after the run is set up. */
#define BHB_START_DELAY_NS	(2 * NSEC_PER_MSEC)
/* a late timer producer's pause after BHB_MAX_CATCHUP ticks in one interrupt */
#define BHB_CATCHUP_PAUSE_NS	(20 * NSEC_PER_USEC)

static bool bhb_kthread_named(const char *prefix)
{
	return (current->flags & PF_KTHREAD) && !strncmp(current->comm, prefix, strlen(prefix));
}

/*
 * Where a callback runs.  A softirq over the idle task is an interrupt's
 * exit (or, rarely, the idle loop's own softirq run after IPI work); over
 * another task it is an interrupt's exit or the task's own
 * local_bh_enable(), which the kernel does not tell apart, so it gets a
 * name of its own.  Under PREEMPT_RT (and threadirqs) softirqs also run in
 * ktimers/N and at the end of threaded handlers.
 */
static unsigned int bhb_context(struct bhb_pcpu *pc)
{
	if (in_hardirq())
		return BHB_CTX_HARDIRQ;
	if (in_serving_softirq()) {
		if (bhb_kthread_named("ksoftirqd/"))
			return BHB_CTX_KSOFTIRQD;
		if (pc && READ_ONCE(pc->bh_window) == current)
			return BHB_CTX_SOFTIRQ_BH_ENABLE;
		if (bhb_kthread_named("ktimers/"))
			return BHB_CTX_SOFTIRQ_KTIMERS;
		if (bhb_kthread_named("irq/"))
			return BHB_CTX_SOFTIRQ_IRQ_THREAD;
		if (is_idle_task(current))
			return BHB_CTX_SOFTIRQ_IRQ_EXIT;
		return BHB_CTX_SOFTIRQ_TASK;
	}
	if (current->flags & PF_WQ_WORKER)
		return BHB_CTX_KWORKER;
	return BHB_CTX_PROCESS;
}

/* Caller has interrupts off and runs on pc's CPU. */
void bhb_record(struct bhb_pcpu *pc, u64 lat, u64 q2e, unsigned int ctx)
{
	struct bhb_cpu_stats *s = &pc->stats;

	pc->hist_lat[bhb_hist_index(lat)]++;
	pc->hist_q2e[bhb_hist_index(q2e)]++;
	s->executed++;
	s->ctx[ctx]++;
	s->ctx_lat_sum_ns[ctx] += lat;
	s->lat_sum_ns += lat;
	if (lat < s->lat_min_ns)
		s->lat_min_ns = lat;
	if (lat > s->lat_max_ns)
		s->lat_max_ns = lat;
	if (q2e > s->q2e_max_ns)
		s->q2e_max_ns = q2e;
	s->q2e_sum_ns += q2e;
}

/* the producer's own tail and producer exit -> callback; interrupts off, on pc's CPU */
static void bhb_record_exit(struct bhb_pcpu *pc, u64 tail, u64 x2e)
{
	pc->hist_tail[bhb_hist_index(tail)]++;
	pc->hist_x2e[bhb_hist_index(x2e)]++;
	pc->stats.tail_sum_ns += tail;
	pc->stats.x2e_sum_ns += x2e;
	pc->stats.x2e_n++;
}

/* q->cb by position in the tick: the first item's, and a line fit over all */
static void bhb_record_pos(struct bhb_pcpu *pc, u32 pos, u64 q2e)
{
	struct bhb_cpu_stats *s = &pc->stats;

	if (!pos)
		pc->hist_first[bhb_hist_index(q2e)]++;
	s->pos_n++;
	s->pos_sx += pos;
	s->pos_sxx += (u64)pos * pos;
	/* in 16 ns units: a day of 10^7 items of 4096-item bursts stays in a u64 */
	s->pos_sy += q2e >> 4;
	s->pos_sxy += pos * (q2e >> 4);
}

/* A producer's handler begins: the items it queues belong to this event. */
static void bhb_producer_enter(struct bhb_pcpu *pc)
{
	pc->ev++;
}

/* ... and returns, at @now. */
static void bhb_producer_exit(struct bhb_pcpu *pc, u64 now)
{
	u32 slot = pc->ev % BHB_EXIT_RING;

	/*
	 * A reader (bhb_exit_of(), any CPU) that saw the tag before and after
	 * reading ns must not mix two stamps: the tag is cleared before ns
	 * changes and set after (pairs with the smp_rmb()s there).  A
	 * seqcount would make that reader spin on a preempted writer (the
	 * kthread producer); a lost stamp is counted instead.
	 */
	WRITE_ONCE(pc->exit[slot].tag, 0);
	/* the tag cleared before ns changes */
	smp_wmb();
	WRITE_ONCE(pc->exit[slot].ns, now);
	/* ns written before the tag names it */
	smp_wmb();
	WRITE_ONCE(pc->exit[slot].tag, pc->ev);
	/* the slot complete before exit_seq says so: pairs with bhb_exit_of() */
	smp_store_release(&pc->exit_seq, pc->ev);
}

enum { BHB_EXIT_OK, BHB_EXIT_NOT_YET, BHB_EXIT_LOST, BHB_EXIT_NONE };

/* when event @ev of @owner's producer returned, if it has and it is still known */
static int bhb_exit_of(struct bhb_pcpu *owner, u64 ev, u64 *ns)
{
	u32 slot = ev % BHB_EXIT_RING;
	u64 tag;

	if (!ev)
		return BHB_EXIT_NONE;
	/* pairs with the release in bhb_producer_exit(): the slot is written */
	if (smp_load_acquire(&owner->exit_seq) < ev)
		return BHB_EXIT_NOT_YET;
	tag = READ_ONCE(owner->exit[slot].tag);
	/* the tag before ns: pairs with the writer's second smp_wmb() */
	smp_rmb();
	*ns = READ_ONCE(owner->exit[slot].ns);
	/* ns before the tag again: pairs with the writer's first smp_wmb() */
	smp_rmb();
	if (tag != ev || READ_ONCE(owner->exit[slot].tag) != ev)
		return BHB_EXIT_LOST;
	return BHB_EXIT_OK;
}

static void bhb_busy(u64 from, u64 ns)
{
	while (ktime_get_ns() - from < ns)
		cpu_relax();
}

/*
 * A fixed instruction count, without the clock: under icount a busy loop
 * on the clock cannot be shorter than a clock read (about 0.5 us there).
 */
static noinline void bhb_spin(unsigned long loops)
{
	while (loops--)
		barrier();
}

/* the executing CPU's per-CPU state (interrupts off, or preemption off and only own counters) */
static struct bhb_pcpu *bhb_here(struct bhb_run *run)
{
	int cpu = smp_processor_id();

	return cpu < BHB_MAX_CPUS ? run->pcpu[cpu] : NULL;
}

/* an item's page (BHB_WORK_HASH, _PAYLOAD): one per slot of its producing CPU */
static u8 *bhb_item_page(struct bhb_item *it)
{
	return it->owner->pages + (size_t)(it - it->owner->items) * BHB_HASH_BYTES;
}

/*
 * HASH and PAYLOAD: count the item on the executing CPU and keep what its
 * work produced (len bytes, the rest 0) for the first item that CPU ran
 */
static void bhb_work_keep(struct bhb_item *it, u64 seq, const void *out, size_t len)
{
	struct bhb_pcpu *pc;
	unsigned long flags;

	local_irq_save(flags);
	pc = bhb_here(it->owner->run);
	if (likely(pc) && !pc->stats.hashed++) {
		pc->stats.hash_cpu = it->owner->cpu;
		pc->stats.hash_seq = seq;
		memset(pc->stats.hash_digest, 0, sizeof(pc->stats.hash_digest));
		memcpy(pc->stats.hash_digest, out, min(len, sizeof(pc->stats.hash_digest)));
	}
	local_irq_restore(flags);
}

/*
 * BHB_WORK_HASH: SHA-256 of the page the producer filled.  Before the slot
 * is freed: a new arrival refills the page (on this CPU, from an interrupt
 * in the middle of the hash).
 */
static void bhb_work_hash(struct bhb_item *it, u64 seq)
{
	u8 digest[SHA256_DIGEST_SIZE];

	sha256(bhb_item_page(it), BHB_HASH_BYTES, digest);
	bhb_work_keep(it, seq, digest, sizeof(digest));
}

/* BHB_WORK_PAYLOAD: the payload module's function on the page (its value little-endian) */
static void bhb_work_payload(struct bhb_item *it, u64 seq)
{
	__le64 v = cpu_to_le64(it->owner->run->payload(bhb_item_page(it), BHB_HASH_BYTES, seq));

	bhb_work_keep(it, seq, &v, sizeof(v));
}

/* a handed-off buffer as the producer wrote it for seq? */
static bool bhb_handoff_ok(const u8 *buf, u64 seq)
{
	u32 i;

	for (i = 0; i < BHB_HANDOFF_BYTES; i++)
		if (buf[i] != (u8)(seq + i))
			return false;
	return true;
}

/*
 * BHB_WORK_HANDOFF, first half: take the buffer off the item under the
 * producer's lock, before the slot may be queued again (a new arrival
 * fills it->buf with the next buffer; taken later, this one would leak).
 */
static void *bhb_handoff_take(struct bhb_item *it)
{
	struct bhb_pcpu *owner = it->owner;
	unsigned long flags;
	void *buf;

	raw_spin_lock_irqsave(&owner->ho_lock, flags);
	buf = it->buf;
	it->buf = NULL;
	raw_spin_unlock_irqrestore(&owner->ho_lock, flags);
	return buf;
}

/*
 * The second half: read it whole under the producer's lock (interrupts
 * off, as the producer holds it), free it on this CPU.
 */
static void bhb_work_handoff(struct bhb_item *it, void *buf, u64 seq)
{
	struct bhb_pcpu *owner = it->owner, *pc;
	unsigned long flags;
	bool ok = false;

	raw_spin_lock_irqsave(&owner->ho_lock, flags);
	if (buf)
		ok = bhb_handoff_ok(buf, seq);
	raw_spin_unlock_irqrestore(&owner->ho_lock, flags);
	/* test only: one in inject_leak never goes back, but is counted as freed */
	if (buf && !(bhb_inject_leak &&
		     atomic_inc_return(&owner->run->ho_leak) % bhb_inject_leak == 0))
		kmem_cache_free(owner->run->ho_cache, buf);
	local_irq_save(flags);
	pc = bhb_here(owner->run);
	if (likely(pc) && buf) {
		pc->stats.handoff_freed++;
		if (!ok)
			pc->stats.handoff_bad++;
	}
	local_irq_restore(flags);
}

/* the producer's side of the work, just before the queue call */
static void bhb_work_prepare(struct bhb_pcpu *pc, struct bhb_item *it, u64 seq)
{
	unsigned long flags;
	u8 *p;
	u32 i;

	if (pc->run->req.work == BHB_WORK_HASH || pc->run->req.work == BHB_WORK_PAYLOAD) {
		p = bhb_item_page(it);
		for (i = 0; i < BHB_HASH_BYTES; i++)
			p[i] = BHB_HASH_BYTE(i, seq, pc->cpu);
	} else if (pc->run->req.work == BHB_WORK_HANDOFF) {
		p = kmem_cache_alloc(pc->run->ho_cache, GFP_ATOMIC);
		if (!p) {
			pc->stats.handoff_alloc_failed++;
			return;
		}
		pc->stats.handoff_alloc++;
		raw_spin_lock_irqsave(&pc->ho_lock, flags);
		for (i = 0; i < BHB_HANDOFF_BYTES; i++)
			p[i] = (u8)(seq + i);
		it->buf = p;
		raw_spin_unlock_irqrestore(&pc->ho_lock, flags);
	}
}

/* the queue call refused the item: its buffer goes back here */
static void bhb_work_unprepare(struct bhb_pcpu *pc, struct bhb_item *it)
{
	unsigned long flags;
	void *buf;

	raw_spin_lock_irqsave(&pc->ho_lock, flags);
	buf = it->buf;
	it->buf = NULL;
	raw_spin_unlock_irqrestore(&pc->ho_lock, flags);
	if (!buf)
		return;
	kmem_cache_free(pc->run->ho_cache, buf);
	pc->stats.handoff_freed++;
}

/*
 * The callback every mechanism ends in.  The first thing it does is read
 * the clock (after the test-only injected delay, if any).
 */
void bhb_item_exec(struct bhb_item *it)
{
	struct bhb_pcpu *owner = it->owner;
	struct bhb_run *run = owner->run;
	u64 intended = it->t_intended, queued = it->t_queued, seq = it->seq, ev = it->ev;
	u32 pos = it->pos;
	struct bhb_pcpu *pc;
	unsigned long flags;
	u64 now, exit_ns = 0;
	void *ho = NULL;
	int exit_state;
	s64 prev;
	int cpu;

	/* test only: a known regression, inside the measured latency */
	if (unlikely(bhb_inject_delay(run->req.mech)))
		bhb_busy(ktime_get_ns(), bhb_inject_delay(run->req.mech));
	if (unlikely(bhb_inject_loops(run->req.mech)))
		bhb_spin(bhb_inject_loops(run->req.mech));
	now = ktime_get_ns();

	it->t_exec = now;
	it->exec_cpu = raw_smp_processor_id();
	if (run->req.work == BHB_WORK_HANDOFF)
		ho = bhb_handoff_take(it);
	/* the page is the producer's again once the slot is free: the work on it before */
	else if (run->req.work == BHB_WORK_HASH)
		bhb_work_hash(it, seq);
	else if (run->req.work == BHB_WORK_PAYLOAD)
		bhb_work_payload(it, seq);
	/*
	 * The slot may be queued again from here on.  The full barrier of the
	 * xchg pairs with the one in bhb_hp_dead(): if the dead callback saw
	 * this item still pending, this reads the dead phase.
	 */
	atomic_xchg(&it->busy, 0);
	it->phase = atomic_read(&run->phase);
	/* the hotplug collect counts the item once this is seen */
	smp_store_release(&it->done, 1);
	exit_state = bhb_exit_of(owner, ev, &exit_ns);

	local_irq_save(flags);
	cpu = smp_processor_id();
	pc = cpu < BHB_MAX_CPUS ? run->pcpu[cpu] : NULL;
	if (likely(pc)) {
		bhb_record(pc, now - intended, now - queued, bhb_context(pc));
		bhb_record_pos(pc, pos, now - queued);
		if (exit_state == BHB_EXIT_OK && exit_ns >= queued && now >= exit_ns)
			bhb_record_exit(pc, exit_ns - queued, now - exit_ns);
		else if (exit_state == BHB_EXIT_NOT_YET || exit_state == BHB_EXIT_OK)
			pc->stats.before_exit++;
		else if (exit_state == BHB_EXIT_LOST)
			pc->stats.exit_unknown++;
		if (cpu != owner->cpu)
			pc->stats.other_cpu++;
		prev = atomic64_read(&owner->exec.max_done_seq);
		do {
			if ((u64)prev > seq) {
				pc->stats.out_of_order++;
				break;
			}
		} while (!atomic64_try_cmpxchg(&owner->exec.max_done_seq, &prev, seq));
	}
	local_irq_restore(flags);

	if (run->req.work == BHB_WORK_HANDOFF)
		bhb_work_handoff(it, ho, seq);

	if (run->req.cost_ns)
		bhb_busy(now, run->req.cost_ns);

	/* scratch memory of this CPU: preemption off, interrupts on */
	if (run->req.touch_bytes) {
		cpu = get_cpu();
		pc = cpu < BHB_MAX_CPUS ? run->pcpu[cpu] : NULL;
		if (likely(pc && pc->touch))
			memset(pc->touch, (int)seq, run->req.touch_bytes);
		put_cpu();
	}

	local_irq_save(flags);
	cpu = smp_processor_id();
	pc = cpu < BHB_MAX_CPUS ? run->pcpu[cpu] : NULL;
	if (likely(pc)) {
		u64 end = ktime_get_ns();

		pc->stats.exec_end_ns = max(pc->stats.exec_end_ns, end);
		pc->hist_svc[bhb_hist_index(end - now)]++;
		pc->stats.svc_sum_ns += end - now;
	}
	local_irq_restore(flags);
	/* returned, not entered: the drain waits for the last callback's end */
	atomic64_inc(&owner->exec.executed_own);
}

/* One arrival on pc's CPU, due at @intended, item @pos of its tick. */
void bhb_arrive(struct bhb_pcpu *pc, u64 intended, u32 pos)
{
	struct bhb_run *run = pc->run;
	struct bhb_item *it = &pc->items[pc->next_slot];

	if (++pc->next_slot == run->req.inflight)
		pc->next_slot = 0;
	pc->stats.arrivals++;
	if (atomic_xchg(&it->busy, 1)) {
		pc->stats.coalesced++;
		return;
	}
	it->seq = ++pc->seq;
	it->ev = pc->ev;
	it->pos = pos;
	it->t_intended = intended;
	if (run->req.work != BHB_WORK_BUSY)
		bhb_work_prepare(pc, it, it->seq);
	it->t_queued = ktime_get_ns();
	if (!run->mech->queue(run->mech, it, run->req.producer == BHB_PROD_REMOTE ?
			      (int)run->req.remote_cpu : BHB_THIS_CPU)) {
		pc->stats.refused++;
		if (run->req.work == BHB_WORK_HANDOFF)
			bhb_work_unprepare(pc, it);
		atomic_set(&it->busy, 0);
		return;
	}
	/* read with READ_ONCE() by bhb_run_pending() on another CPU */
	WRITE_ONCE(pc->stats.queued, pc->stats.queued + 1);
}

static void bhb_producer_done(struct bhb_run *run)
{
	if (atomic_dec_and_test(&run->producers_left))
		complete(&run->producers_done);
}

/*
 * -ln(u / 2^32) in 16.16 fixed point, for u in [1, 2^32): the exponent
 * from ilog2() and log2(1 + f) ~ f + 0.3431 f (1 - f) for the mantissa
 * (error below 0.01), times ln 2.
 */
static u64 bhb_neg_ln_q16(u32 u)
{
	u32 n = ilog2(u | 1), f;
	u64 lg;

	f = (u32)(((u64)(u | 1) << (32 - n)) >> 16) & 0xffff;
	lg = f + (((u64)f * (65536 - f) >> 16) * 22486 >> 16);
	return ((((u64)(32 - n)) << 16) - lg) * 45426 >> 16;
}

/* gap to the next tick: period_ns, or exponential with that mean */
static u64 bhb_next_gap(struct bhb_pcpu *pc)
{
	const struct bhb_run_req *req = &pc->run->req;
	u32 u;

	if (!(req->flags & BHB_RUN_POISSON))
		return req->period_ns;
	/* xorshift64*: cheap, and the same sequence for the same seed */
	pc->rng ^= pc->rng >> 12;
	pc->rng ^= pc->rng << 25;
	pc->rng ^= pc->rng >> 27;
	u = (u32)((pc->rng * 0x2545F4914F6CDD1Dull) >> 32);
	return (req->period_ns * bhb_neg_ln_q16(u)) >> 16;
}

/* One tick: burst arrivals, all due at @intended; true when all are done. */
static bool bhb_tick(struct bhb_pcpu *pc, u64 intended)
{
	struct bhb_run *run = pc->run;
	u32 k = max(run->req.burst, 1u), pos;

	for (pos = 0; pos < k && pc->stats.arrivals < run->req.nr_items; pos++)
		bhb_arrive(pc, intended, pos);
	return pc->stats.arrivals >= run->req.nr_items;
}

/*
 * hardirq, softirq and remote producers: a pinned hrtimer per CPU, hard
 * (like a device interrupt) or soft (the timer softirq)
 */
/*
 * The next expiry of a timer producer's hrtimer, after the tick due at
 * @intended ran; @now is after it.  Counts late ticks and bounds catch-up.
 */
static enum hrtimer_restart bhb_timer_next(struct bhb_pcpu *pc, struct hrtimer *t, u64 intended,
					   u64 now)
{
	/* due time of the next arrival, even if already past: no skipping */
	pc->next_due = intended + bhb_next_gap(pc);
	if (pc->next_due > now) {
		pc->catchup = 0;
		hrtimer_set_expires(t, ns_to_ktime(pc->next_due));
		return HRTIMER_RESTART;
	}
	/*
	 * Behind: the hrtimer core would run every late tick back to back in
	 * this one interrupt.  After BHB_MAX_CATCHUP of them the rest waits
	 * for a later interrupt; the arrivals keep their intended times, so
	 * the delay shows in their latency.
	 */
	pc->stats.late_ticks++;
	if (++pc->catchup < BHB_MAX_CATCHUP) {
		hrtimer_set_expires(t, ns_to_ktime(pc->next_due));
		return HRTIMER_RESTART;
	}
	pc->catchup = 0;
	pc->stats.catchup_cuts++;
	hrtimer_set_expires(t, ns_to_ktime(now + BHB_CATCHUP_PAUSE_NS));
	return HRTIMER_RESTART;
}

/* hardirq, softirq and remote producers: the queue calls run in the timer */
static enum hrtimer_restart bhb_timer_fn(struct hrtimer *t)
{
	struct bhb_pcpu *pc = container_of(t, struct bhb_pcpu, timer);
	struct bhb_run *run = pc->run;
	u64 intended = pc->next_due, now;
	enum hrtimer_restart ret;
	bool done;

	bhb_producer_enter(pc);
	done = bhb_tick(pc, intended) || READ_ONCE(run->stop);
	now = ktime_get_ns();
	ret = done ? HRTIMER_NORESTART : bhb_timer_next(pc, t, intended, now);
	/* the callback returns: its items' producer tail ends here */
	bhb_producer_exit(pc, now);
	if (done)
		bhb_producer_done(run);
	return ret;
}

/*
 * irqwork producer, the timer half: hands the tick to the irq_work on
 * this CPU, whose interrupt follows this one's return.  A full ring (the
 * irq_work far behind) keeps the tick for a later expiry.
 */
static enum hrtimer_restart bhb_iw_timer_fn(struct hrtimer *t)
{
	struct bhb_pcpu *pc = container_of(t, struct bhb_pcpu, timer);
	struct bhb_run *run = pc->run;
	u32 ticks = DIV_ROUND_UP(run->req.nr_items, max(run->req.burst, 1u));
	u64 now = ktime_get_ns();

	if (pc->iw_head - pc->iw_tail == BHB_IW_RING) {
		irq_work_queue(&pc->iw);
		hrtimer_set_expires(t, ns_to_ktime(now + BHB_CATCHUP_PAUSE_NS));
		return HRTIMER_RESTART;
	}
	pc->iw_due[pc->iw_head++ % BHB_IW_RING] = pc->next_due;
	if (++pc->iw_ticks >= ticks || READ_ONCE(run->stop)) {
		pc->iw_last = true;
		irq_work_queue(&pc->iw);
		return HRTIMER_NORESTART;
	}
	irq_work_queue(&pc->iw);
	return bhb_timer_next(pc, t, pc->next_due, now);
}

/* irqwork producer, the device-interrupt half: every tick handed over */
static void bhb_iw_fn(struct irq_work *w)
{
	struct bhb_pcpu *pc = container_of(w, struct bhb_pcpu, iw);
	struct bhb_run *run = pc->run;

	u32 n = 0;

	bhb_producer_enter(pc);
	/* like the timer's catch-up: at most BHB_MAX_CATCHUP ticks in one interrupt */
	while (pc->iw_tail != pc->iw_head && n++ < BHB_MAX_CATCHUP)
		bhb_tick(pc, pc->iw_due[pc->iw_tail++ % BHB_IW_RING]);
	bhb_producer_exit(pc, ktime_get_ns());
	if (pc->iw_tail != pc->iw_head) {
		irq_work_queue(&pc->iw);
		return;
	}
	/*
	 * Done once the timer handed over its last tick (also on stop) and it
	 * ran: before that the timer may still hand over one.
	 */
	if (pc->iw_last && !pc->iw_done) {
		pc->iw_done = true;
		bhb_producer_done(run);
	}
}

static enum hrtimer_mode bhb_timer_mode(const struct bhb_run *run)
{
	return run->req.producer == BHB_PROD_SOFTIRQ ? HRTIMER_MODE_ABS_PINNED_SOFT :
						       HRTIMER_MODE_ABS_PINNED_HARD;
}

static void bhb_timer_start(void *arg)
{
	struct bhb_pcpu *pc = arg;

	hrtimer_start(&pc->timer, ns_to_ktime(pc->next_due), bhb_timer_mode(pc->run));
}

/* the competing softirq load: a tasklet busy for noise_cost_ns */
static void bhb_noise_fn(struct tasklet_struct *t)
{
	struct bhb_pcpu *pc = from_tasklet(pc, t, noise);

	bhb_busy(ktime_get_ns(), pc->run->req.noise_cost_ns);
	pc->stats.noise_runs++;
}

/* ... as another driver's BH work item */
static void bhb_noise_work_fn(struct work_struct *w)
{
	struct bhb_pcpu *pc = container_of(w, struct bhb_pcpu, noise_work);

	bhb_busy(ktime_get_ns(), pc->run->req.noise_cost_ns);
	pc->stats.noise_runs++;
}

static enum hrtimer_restart bhb_noise_timer_fn(struct hrtimer *t)
{
	struct bhb_pcpu *pc = container_of(t, struct bhb_pcpu, noise_timer);

	if (READ_ONCE(pc->run->stop))
		return HRTIMER_NORESTART;
#ifdef BHB_HAVE_BH_WQ
	if (pc->run->req.competitor == BHB_COMP_BH)
		queue_work_on(pc->cpu, system_bh_wq, &pc->noise_work);
	else
#endif
		tasklet_schedule(&pc->noise);
	hrtimer_forward_now(t, ns_to_ktime(pc->run->req.noise_period_ns));
	return HRTIMER_RESTART;
}

/*
 * ... as code of another driver's that holds local_bh_disable() (a
 * spin_lock_bh() section) for the cost every period, from a kthread of
 * the CPU: softirq work raised meanwhile waits for local_bh_enable().
 */
static int bhb_noise_section_fn(void *arg)
{
	struct bhb_pcpu *pc = arg;
	const struct bhb_run_req *req = &pc->run->req;
	ktime_t next = ns_to_ktime(pc->run->start_ns);

	while (!kthread_should_stop() && !READ_ONCE(pc->run->stop)) {
		set_current_state(TASK_INTERRUPTIBLE);
		schedule_hrtimeout(&next, HRTIMER_MODE_ABS);
		if (kthread_should_stop() || READ_ONCE(pc->run->stop))
			break;
		local_bh_disable();
		bhb_busy(ktime_get_ns(), req->noise_cost_ns);
		pc->stats.noise_runs++;
		local_bh_enable();
		next = ktime_add_ns(next, req->noise_period_ns);
	}
	return bhb_kthread_park_until_stopped();
}

static void bhb_noise_start(void *arg)
{
	struct bhb_pcpu *pc = arg;

	hrtimer_start(&pc->noise_timer, ns_to_ktime(pc->run->start_ns),
		      HRTIMER_MODE_ABS_PINNED_HARD);
}

/* the competing load of pc's CPU, started: 0 or -errno */
static int bhb_noise_setup(struct bhb_pcpu *pc)
{
	if (pc->run->req.competitor == BHB_COMP_BH_SECTION) {
		pc->noise_thread = kthread_create_on_cpu(bhb_noise_section_fn, pc, pc->cpu,
							 "bhb_bh_section/%u");
		if (IS_ERR(pc->noise_thread)) {
			int err = PTR_ERR(pc->noise_thread);

			pc->noise_thread = NULL;
			return err;
		}
		wake_up_process(pc->noise_thread);
		return 0;
	}
	tasklet_setup(&pc->noise, bhb_noise_fn);
	INIT_WORK(&pc->noise_work, bhb_noise_work_fn);
	bhb_hrtimer_setup(&pc->noise_timer, bhb_noise_timer_fn, CLOCK_MONOTONIC,
			  HRTIMER_MODE_ABS_PINNED_HARD);
	pc->noise_ready = true;
	smp_call_function_single(pc->cpu, bhb_noise_start, pc, 1);
	return 0;
}

static bool bhb_timer_producer(u32 producer)
{
	return producer == BHB_PROD_HARDIRQ || producer == BHB_PROD_SOFTIRQ ||
	       producer == BHB_PROD_REMOTE || producer == BHB_PROD_IRQWORK;
}

/* process producer: a kthread bound to the CPU */
static int bhb_thread_fn(void *arg)
{
	struct bhb_pcpu *pc = arg;
	struct bhb_run *run = pc->run;
	bool bh = run->req.producer == BHB_PROD_PROCESS_BH;
	u64 next = pc->next_due;

	bool done = false;

	while (!done && !READ_ONCE(run->stop) && !kthread_should_stop()) {
		if (ktime_get_ns() < next) {
			ktime_t due = ns_to_ktime(next);

			set_current_state(TASK_INTERRUPTIBLE);
			schedule_hrtimeout_range(&due, 0, HRTIMER_MODE_ABS);
			continue;
		}
		bhb_producer_enter(pc);
		if (bh) {
			local_bh_disable();
			done = bhb_tick(pc, next);
			WRITE_ONCE(pc->bh_window, current);
			/* the producer's part ends where local_bh_enable() runs the softirqs */
			bhb_producer_exit(pc, ktime_get_ns());
			local_bh_enable();
			WRITE_ONCE(pc->bh_window, NULL);
		} else {
			done = bhb_tick(pc, next);
			bhb_producer_exit(pc, ktime_get_ns());
		}
		next += bhb_next_gap(pc);
		/* a producer that fell behind must still let its CPU breathe */
		cond_resched();
	}
	bhb_producer_done(run);
	return bhb_kthread_park_until_stopped();
}

/* a kthread's work is done: sleep until kthread_stop() collects it */
int bhb_kthread_park_until_stopped(void)
{
	while (!kthread_should_stop()) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (!kthread_should_stop())
			schedule();
	}
	__set_current_state(TASK_RUNNING);
	return 0;
}

int bhb_run_validate(const struct bhb_run_req *req)
{
	u64 online = 0;
	int cpu;

	if ((req->flags & ~BHB_RUN_FLAGS) || req->work >= BHB_NR_WORKS)
		return -EINVAL;
	/* a page per item slot */
	if ((req->work == BHB_WORK_HASH || req->work == BHB_WORK_PAYLOAD) &&
	    req->inflight > BHB_MAX_HASH_INFLIGHT)
		return -EINVAL;
	/* PREEMPT_RT: no allocation in hard interrupt context, where these producers queue */
	if (req->work == BHB_WORK_HANDOFF && IS_ENABLED(CONFIG_PREEMPT_RT) &&
	    (req->producer == BHB_PROD_HARDIRQ || req->producer == BHB_PROD_IRQWORK ||
	     req->producer == BHB_PROD_REMOTE))
		return -EOPNOTSUPP;
	if (req->noise_period_ns &&
	    (req->noise_period_ns < BHB_MIN_NOISE_PERIOD_NS ||
	     req->noise_period_ns > BHB_MAX_PERIOD_NS ||
	     req->noise_cost_ns > BHB_MAX_NOISE_COST_NS ||
	     req->noise_cost_ns >= req->noise_period_ns))
		return -EINVAL;
	if (!req->noise_period_ns && req->noise_cost_ns)
		return -EINVAL;
	if (req->competitor >= BHB_NR_COMPETITORS || req->reserved)
		return -EINVAL;
#ifndef BHB_HAVE_BH_WQ
	if (req->noise_period_ns && req->competitor == BHB_COMP_BH)
		return -EOPNOTSUPP;
#endif
	if (req->mech >= BHB_NR_MECHS || req->producer >= BHB_NR_PRODUCERS)
		return -EINVAL;
	if (!bhb_mech_get(req->mech))
		return -EOPNOTSUPP;
	/* a tasklet (and a direct call) cannot be queued on another CPU */
	if (req->producer == BHB_PROD_REMOTE && !bhb_mech_get(req->mech)->remote)
		return -EOPNOTSUPP;
	if (!req->nr_items || req->nr_items > BHB_MAX_ITEMS)
		return -EINVAL;
	if (!req->inflight || req->inflight > BHB_MAX_INFLIGHT ||
	    req->burst > req->inflight)
		return -EINVAL;
	if (req->touch_bytes > BHB_MAX_TOUCH_BYTES)
		return -EINVAL;
	if (req->period_ns < BHB_MIN_PERIOD_NS || req->period_ns > BHB_MAX_PERIOD_NS)
		return -EINVAL;
	if (req->cost_ns > BHB_MAX_COST_NS || req->drain_ms > BHB_MAX_DRAIN_MS)
		return -EINVAL;
	/* a tasklet list runs whole in one softirq pass: bound that pass */
	if ((u64)req->inflight * req->cost_ns > BHB_MAX_BACKLOG_NS ||
	    (u64)req->inflight * req->touch_bytes > BHB_MAX_BACKLOG_TOUCH)
		return -EINVAL;
	/*
	 * direct runs every callback of a tick inside the producer: from a
	 * timer that is interrupt (or softirq) context, so a tick's work must
	 * stay well below the period and short in absolute terms
	 */
	if (req->mech == BHB_MECH_DIRECT && bhb_timer_producer(req->producer)) {
		u64 k = max(req->burst, 1u);

		if (k * req->cost_ns > min_t(u64, req->period_ns / 2, BHB_MAX_DIRECT_TICK_NS) ||
		    k * req->touch_bytes > BHB_MAX_DIRECT_TICK_TOUCH)
			return -EINVAL;
	}
	for_each_online_cpu(cpu)
		if (cpu < BHB_MAX_CPUS)
			online |= 1ull << cpu;
	if (!req->cpu_mask || (req->cpu_mask & ~online))
		return -EINVAL;
	if (req->producer == BHB_PROD_REMOTE &&
	    (req->remote_cpu >= BHB_MAX_CPUS || !(online & (1ull << req->remote_cpu)) ||
	     (req->cpu_mask & (1ull << req->remote_cpu))))
		return -EINVAL;
	return 0;
}

/*
 * A run of a valid request, or ERR_PTR(-ENOMEM), or ERR_PTR(-ENOENT) for
 * work = payload without a payload module loaded.
 */
struct bhb_run *bhb_run_alloc(const struct bhb_run_req *req)
{
	struct bhb_run *run;
	int cpu;
	u32 i;

	run = kzalloc(sizeof(*run), GFP_KERNEL);
	if (!run)
		return ERR_PTR(-ENOMEM);
	run->req = *req;
	run->mech = bhb_mech_get(req->mech);
	if (req->work == BHB_WORK_PAYLOAD) {
		run->payload = symbol_get(bhb_payload);
		if (!run->payload) {
			kfree(run);
			return ERR_PTR(-ENOENT);
		}
	}
	atomic_set(&run->ho_leak, 0);
	if (req->work == BHB_WORK_HANDOFF) {
		run->ho_cache = kmem_cache_create("bhbench_handoff", BHB_HANDOFF_BYTES, 0,
						  BHB_SLAB_NO_MERGE, NULL);
		if (!run->ho_cache) {
			kfree(run);
			return ERR_PTR(-ENOMEM);
		}
	}
	atomic_set(&run->phase, 0);
	atomic_set(&run->producers_left, 0);
	init_completion(&run->producers_done);

	for_each_possible_cpu(cpu) {
		struct bhb_pcpu *pc;

		if (cpu >= BHB_MAX_CPUS)
			break;
		pc = kvzalloc_node(sizeof(*pc), GFP_KERNEL, cpu_to_node(cpu));
		if (!pc)
			goto fail;
		run->pcpu[cpu] = pc;
		pc->run = run;
		pc->cpu = cpu;
		pc->stats.lat_min_ns = U64_MAX;
		raw_spin_lock_init(&pc->ho_lock);
		atomic64_set(&pc->exec.max_done_seq, 0);
		atomic64_set(&pc->exec.executed_own, 0);
		if (req->touch_bytes) {
			pc->touch = kvzalloc_node(req->touch_bytes, GFP_KERNEL, cpu_to_node(cpu));
			if (!pc->touch)
				goto fail;
		}
		if (!(req->cpu_mask & (1ull << cpu)))
			continue;
		pc->producing = true;
		/* never 0, which xorshift would keep forever */
		pc->rng = (req->seed ^ (0x9E3779B97F4A7C15ull * (cpu + 1))) | 1;
		pc->items = kvzalloc_node(array_size(req->inflight, sizeof(*pc->items)),
					  GFP_KERNEL, cpu_to_node(cpu));
		if (!pc->items)
			goto fail;
		for (i = 0; i < req->inflight; i++) {
			pc->items[i].owner = pc;
			if (run->mech->init_item)
				run->mech->init_item(&pc->items[i]);
		}
		if (req->work == BHB_WORK_HASH || req->work == BHB_WORK_PAYLOAD) {
			pc->pages = kvzalloc_node(array_size(req->inflight, BHB_HASH_BYTES),
						  GFP_KERNEL, cpu_to_node(cpu));
			if (!pc->pages)
				goto fail;
		}
	}
	return run;
fail:
	bhb_run_free(run);
	return ERR_PTR(-ENOMEM);
}

/* handed-off buffers of items that never ran (a lost item: the run failed already) */
static void bhb_free_buffers(struct bhb_pcpu *pc)
{
	u32 i;

	for (i = 0; pc->items && i < pc->run->req.inflight; i++) {
		if (pc->items[i].buf)
			kmem_cache_free(pc->run->ho_cache, pc->items[i].buf);
		pc->items[i].buf = NULL;
	}
}

void bhb_run_free(struct bhb_run *run)
{
	int cpu;

	if (!run)
		return;
	for (cpu = 0; cpu < BHB_MAX_CPUS; cpu++) {
		if (!run->pcpu[cpu])
			continue;
		bhb_free_buffers(run->pcpu[cpu]);
		kvfree(run->pcpu[cpu]->items);
		kvfree(run->pcpu[cpu]->pages);
		kvfree(run->pcpu[cpu]->touch);
		kvfree(run->pcpu[cpu]);
	}
	if (run->payload)
		symbol_put(bhb_payload);
	/* every buffer went back (or the slab allocator says which did not) */
	kmem_cache_destroy(run->ho_cache);
	kfree(run);
}

u64 bhb_run_pending(struct bhb_run *run)
{
	u64 queued = 0, done = 0;
	int cpu;

	for (cpu = 0; cpu < BHB_MAX_CPUS; cpu++) {
		struct bhb_pcpu *pc = run->pcpu[cpu];

		if (!pc || !pc->producing)
			continue;
		queued += READ_ONCE(pc->stats.queued);
		done += atomic64_read(&pc->exec.executed_own);
	}
	/* a callback on another CPU can return before its queue call is counted */
	return queued > done ? queued - done : 0;
}

static void bhb_stop_producers(struct bhb_run *run)
{
	int cpu;

	WRITE_ONCE(run->stop, true);
	for (cpu = 0; cpu < BHB_MAX_CPUS; cpu++) {
		struct bhb_pcpu *pc = run->pcpu[cpu];

		if (!pc || !pc->producing)
			continue;
		if (pc->timer_ready) {
			hrtimer_cancel(&pc->timer);
			if (run->req.producer == BHB_PROD_IRQWORK)
				irq_work_sync(&pc->iw);
		} else if (pc->thread) {
			kthread_stop(pc->thread);
		}
		pc->thread = NULL;
		if (pc->noise_ready) {
			hrtimer_cancel(&pc->noise_timer);
			tasklet_kill(&pc->noise);
			cancel_work_sync(&pc->noise_work);
			pc->noise_ready = false;
		}
		if (pc->noise_thread) {
			kthread_stop(pc->noise_thread);
			pc->noise_thread = NULL;
		}
	}
}

/*
 * Wait for the last arrival, then at most drain_ms for the items to run.
 * Anything still pending after that is lost; items a mechanism cannot
 * cancel are waited for (see bhb_run_reclaim()).
 */
int bhb_run_execute(struct bhb_run *run)
{
	u32 nprod = hweight64(run->req.cpu_mask), k = 0;
	unsigned long deadline;
	int cpu, ret = 0;

	/* a bias of one: no early producer can complete before all started */
	atomic_set(&run->producers_left, 1);
	cpus_read_lock();
	/* from here on an offline of a producing CPU is recorded (bhb_run_cpu_down) */
	WRITE_ONCE(bhb_active, run);
	run->start_ns = ktime_get_ns() + BHB_START_DELAY_NS;
	for (cpu = 0; cpu < BHB_MAX_CPUS; cpu++) {
		struct bhb_pcpu *pc = run->pcpu[cpu];

		if (!pc || !pc->producing)
			continue;
		if (!cpu_online(cpu)) {
			ret = -ENODEV;
			break;
		}
		/*
		 * Staggered: with the same start and period every CPU's timer
		 * would fire at once, and a callback queued to another CPU
		 * (wq_unbound) would never find one idle.
		 */
		pc->next_due = run->start_ns;
		if (!(run->req.flags & BHB_RUN_ALIGNED))
			pc->next_due += div_u64(run->req.period_ns * k, nprod);
		pc->stats.first_due_ns = pc->next_due;
		k++;
		if (run->req.noise_period_ns)
			ret = bhb_noise_setup(pc);
		if (ret)
			break;
		atomic_inc(&run->producers_left);
		if (bhb_timer_producer(run->req.producer)) {
			if (run->req.producer == BHB_PROD_IRQWORK)
				pc->iw = IRQ_WORK_INIT_HARD(bhb_iw_fn);
			bhb_hrtimer_setup(&pc->timer, run->req.producer == BHB_PROD_IRQWORK ?
					  bhb_iw_timer_fn : bhb_timer_fn, CLOCK_MONOTONIC,
					  bhb_timer_mode(run));
			pc->timer_ready = true;
			smp_call_function_single(cpu, bhb_timer_start, pc, 1);
		} else {
			pc->thread = kthread_create_on_cpu(bhb_thread_fn, pc, cpu,
							   "bhbench/%u");
			if (IS_ERR(pc->thread)) {
				ret = PTR_ERR(pc->thread);
				pc->thread = NULL;
				atomic_dec(&run->producers_left);
				break;
			}
			wake_up_process(pc->thread);
		}
	}
	cpus_read_unlock();
	bhb_producer_done(run);

	if (bhb_inject_warn)
		WARN(1, "bhbench: warning injected on request (inject_warn)\n");

	if (!ret && wait_for_completion_killable(&run->producers_done))
		ret = -EINTR;
	if (ret) {
		/* producers see stop at their next arrival and finish */
		WRITE_ONCE(run->stop, true);
		wait_for_completion(&run->producers_done);
	}

	deadline = jiffies + msecs_to_jiffies(run->req.drain_ms);
	while (bhb_run_pending(run) && time_before(jiffies, deadline) &&
	       !fatal_signal_pending(current))
		usleep_range(500, 1000);
	run->end_ns = ktime_get_ns();
	run->lost = bhb_run_pending(run);
	/* under the lock: no teardown callback still looks at this run */
	cpus_read_lock();
	WRITE_ONCE(bhb_active, NULL);
	cpus_read_unlock();
	if (!ret && !bitmap_empty(run->went_offline, BHB_MAX_CPUS))
		ret = -ENODEV;
	bhb_stop_producers(run);
	bhb_run_reclaim(run);
	return ret;
}

/* @loops arrivals through the direct mechanism on @slots item slots in turn; ns */
static u64 bhb_overhead_pass(struct bhb_pcpu *pc, u32 loops, u32 slots)
{
	unsigned long flags;
	u64 t0, t1;
	u32 i = 0, j;

	pc->next_slot = 0;
	pc->stats.arrivals = 0;
	t0 = ktime_get_ns();
	while (i < loops) {
		/* interrupts off for a bounded chunk only */
		local_irq_save(flags);
		for (j = 0; j < BHB_OH_CHUNK && i < loops; j++, i++) {
			if (pc->next_slot >= slots)
				pc->next_slot = 0;
			bhb_producer_enter(pc);
			bhb_arrive(pc, t0, 0);
			bhb_producer_exit(pc, ktime_get_ns());
		}
		local_irq_restore(flags);
	}
	t1 = ktime_get_ns();
	return t1 - t0;
}

/*
 * The measurement's own cost, on the path every item takes: a scratch run
 * of the direct mechanism on this CPU, so that bhb_arrive() stamps and
 * queues and bhb_item_exec() stamps, records and counts, as in a run.
 * Warm: one slot reused; cold: every slot in turn (on hardware their lines
 * are out of cache by the time they come round).  Caller holds the run
 * lock.
 */
int bhb_overhead(u32 loops, u64 *warm_ns, u64 *cold_ns)
{
	struct bhb_run_req req = {
		.abi_version = BHB_ABI_VERSION, .mech = BHB_MECH_DIRECT,
		.producer = BHB_PROD_PROCESS, .nr_items = loops,
		.inflight = min(loops, BHB_MAX_INFLIGHT), .period_ns = BHB_MIN_PERIOD_NS,
	};
	struct bhb_run *run;
	struct bhb_pcpu *pc;
	int cpu;

	migrate_disable();
	cpu = smp_processor_id();
	if (cpu >= BHB_MAX_CPUS) {
		migrate_enable();
		return -ENODEV;
	}
	req.cpu_mask = 1ull << cpu;
	run = bhb_run_alloc(&req);
	if (IS_ERR(run)) {
		migrate_enable();
		return PTR_ERR(run);
	}
	pc = run->pcpu[cpu];
	*warm_ns = bhb_overhead_pass(pc, loops, 1);
	*cold_ns = bhb_overhead_pass(pc, loops, req.inflight);
	migrate_enable();
	bhb_run_free(run);
	return 0;
}

/*
 * A CPU's teardown (CPUHP_AP_ONLINE_DYN, registered by bhb_hotplug.c): if
 * it produces in the running run, its pinned producer is about to move to
 * another CPU and the run's numbers to mean something else; the run then
 * fails with -ENODEV.  Runs under the hotplug lock, which
 * bhb_run_execute() holds for reading while it sets and clears the run.
 */
void bhb_run_cpu_down(unsigned int cpu)
{
	struct bhb_run *run = READ_ONCE(bhb_active);

	if (!run || cpu >= BHB_MAX_CPUS)
		return;
	/* a producer, or the CPU a remote producer queues onto */
	if ((run->pcpu[cpu] && run->pcpu[cpu]->producing) ||
	    (run->req.producer == BHB_PROD_REMOTE && cpu == run->req.remote_cpu))
		set_bit(cpu, run->went_offline);
}

/*
 * Make every item idle before the run is freed: a callback that ran late
 * must never find its run gone (nor, after an unload, its code).  Work is
 * cancelled; a tasklet is waited for, since it cannot be cancelled.
 */
void bhb_run_reclaim(struct bhb_run *run)
{
	int cpu;
	u32 i;

	for (cpu = 0; cpu < BHB_MAX_CPUS; cpu++) {
		struct bhb_pcpu *pc = run->pcpu[cpu];

		if (!pc || !pc->producing)
			continue;
		/* executed within the drain bound: late runs below do not count */
		pc->stats.executed_own = atomic64_read(&pc->exec.executed_own);
		for (i = 0; i < run->req.inflight && run->mech->make_idle; i++)
			run->mech->make_idle(&pc->items[i]);
	}
}
