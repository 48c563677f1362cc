// SPDX-License-Identifier: GPL-2.0
/*
 * bhbench control operations (BHB_IOC_CTRL): what cancel, flush and
 * disable/enable cost on an idle item and on one whose callback is
 * running; whether queueing a pending item is merged; whether a work item
 * may free itself in its callback; whether the core writes a tasklet after
 * its callback returned.
 *
 * A busy item is queued on another CPU (queue_work_on(), or for a tasklet
 * tasklet_schedule() with BH disabled in a kworker there, so that it runs
 * in that CPU's softirq: an IPI handler would do, but PREEMPT_RT warns
 * about softirqs raised in one) and the op is called from this CPU once the
 * callback has started; the caller stays on its CPU (migrate_disable()).
 * Every item is idle again before the ioctl returns.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/interrupt.h>
#include <linux/irq_work.h>
#include <linux/overflow.h>
#include <linux/preempt.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>
#include <linux/workqueue.h>

#include "bhb.h"
#include "bhb_compat.h"

#define CTRL_TIMEOUT_NS		(2 * NSEC_PER_SEC)
#define CTRL_HOLD_NS		(100 * NSEC_PER_MSEC)	/* a busy callback's wait for the op */
#define CTRL_RETRIES		10	/* busy: redos of ops that met no running callback */
#define CTRL_POISON		0x5a
#define CTRL_MAGIC		0xb4b4c7a1f00dull

/* The one item of the timing, coalescing and tasklet AFTER_CB ops. */
struct ctrl_item {
	struct bhb_item it;		/* its work or tasklet */
	u64 cost_ns;			/* busy: run on this long after the op began */
	u64 t_op;			/* busy: when the op began (0: not yet) */
	u64 t_end;			/* the callback's last clock read */
	unsigned long state_in;		/* tasklet state at callback entry */
	unsigned long state_end;	/* ... and just before its last write */
	atomic_t runs;
	int started;
	int done;			/* the callback's last write */
};

struct ctrl {
	struct bhb_ctrl_req req;
	const struct bhb_mech *mech;
	struct ctrl_item ci;
	struct work_struct kick;	/* schedules a busy tasklet on another CPU */
	struct bhb_ctrl_sample *samples;
	/* FROM_HARDIRQ and FROM_SOFTIRQ: the op in an irq_work or a tasklet */
	struct irq_work iw;
	struct tasklet_struct at;
	int at_done;
	u64 at_t0, at_t1;
	bool at_running, at_finished, at_wrong;
	void (*atomic_fn)(struct bhb_item *it);	/* the API the context allows (ctrl_atomic_api()) */
	/* SELF_FREE and AFTER_CB work items */
	atomic_t left;			/* items not run yet, plus one */
	atomic_t runs;
	atomic_t intact;		/* items intact at callback entry */
	struct completion all_ran;
};

/* A work item of SELF_FREE or AFTER_CB, allocated on its own. */
struct ctrl_free {
	struct bhb_item it;
	struct ctrl *c;
	u64 magic;
};

/* A callback's flags: who sees one set sees what the callback wrote before. */
static void ctrl_flag_set(int *flag)
{
	/* pairs with the acquire in ctrl_flag() */
	smp_store_release(flag, 1);
}

static bool ctrl_flag(int *flag)
{
	/* pairs with the release in ctrl_flag_set() */
	return smp_load_acquire(flag);
}

/*
 * A busy callback runs until cost_ns after the op began, so that the op
 * always finds it running, however late the caller's CPU got to it (under
 * TCG on a loaded host a vCPU can stall for milliseconds).  It waits at
 * most CTRL_HOLD_NS for the op to begin.
 */
static void ctrl_exec(struct ctrl_item *ci, unsigned long *state)
{
	u64 t0 = ktime_get_ns(), from = 0;

	if (state)
		ci->state_in = READ_ONCE(*state);
	atomic_inc(&ci->runs);
	ctrl_flag_set(&ci->started);
	if (ci->cost_ns) {
		while (!(from = READ_ONCE(ci->t_op)) && ktime_get_ns() - t0 < CTRL_HOLD_NS)
			cpu_relax();
		from = from ?: t0;
	}
	while (ktime_get_ns() - from < ci->cost_ns)
		cpu_relax();
	ci->t_end = ktime_get_ns();
	if (state)
		ci->state_end = READ_ONCE(*state);
	ctrl_flag_set(&ci->done);
}

static void ctrl_work_fn(struct work_struct *w)
{
	ctrl_exec(container_of(w, struct ctrl_item, it.work), NULL);
}

static void ctrl_tasklet_fn(struct tasklet_struct *t)
{
	ctrl_exec(container_of(t, struct ctrl_item, it.tasklet), &t->state);
}

/* poison the item and free it (SELF_FREE) or keep it for inspection */
static void ctrl_free_fn(struct work_struct *w)
{
	struct ctrl_free *f = container_of(w, struct ctrl_free, it.work);
	struct ctrl *c = f->c;

	if (f->magic == CTRL_MAGIC)
		atomic_inc(&c->intact);
	memset(f, CTRL_POISON, sizeof(*f));
	if (c->req.op == BHB_CTRL_SELF_FREE)
		kfree(f);
	atomic_inc(&c->runs);
	/* complete() holds the wait lock until done: c may go once it is released */
	if (atomic_dec_and_test(&c->left))
		complete(&c->all_ran);
}

static void ctrl_schedule(struct ctrl *c)
{
	c->mech->queue(c->mech, &c->ci.it, BHB_THIS_CPU);
}

static void ctrl_kick_fn(struct work_struct *w)
{
	struct ctrl *c = container_of(w, struct ctrl, kick);

	local_bh_disable();
	ctrl_schedule(c);
	local_bh_enable();
}

/* queue the item on this CPU; false if it was pending already (merged) */
static bool ctrl_queue(struct ctrl *c)
{
	return c->mech->queue(c->mech, &c->ci.it, BHB_THIS_CPU);
}

/* a tasklet cannot be queued on another CPU: a kworker there schedules it */
static int ctrl_queue_on(struct ctrl *c, int cpu)
{
	if (!c->mech->remote)
		return queue_work_on(cpu, system_highpri_wq, &c->kick) ? 0 : -EIO;
	return c->mech->queue(c->mech, &c->ci.it, cpu) ? 0 : -EIO;
}

/* neither pending nor running; a pending tasklet runs once more first */
static void ctrl_sync(struct ctrl *c)
{
	if (!c->mech->remote)
		flush_work(&c->kick);
	c->mech->make_idle(&c->ci.it);
}

static int ctrl_wait(int *flag)
{
	u64 t0 = ktime_get_ns(), dt;

	while (!ctrl_flag(flag)) {
		dt = ktime_get_ns() - t0;
		if (dt > CTRL_TIMEOUT_NS)
			return -ETIMEDOUT;
		/* in case the callback needs this CPU */
		if (dt > NSEC_PER_MSEC)
			cond_resched();
		cpu_relax();
	}
	return 0;
}

/*
 * The op under test.  Returns whether the callback had finished when the
 * op's waiting part returned.
 */
static bool ctrl_op(struct ctrl *c)
{
	struct ctrl_item *ci = &c->ci;
	bool done = false;

	switch (c->req.op) {
	case BHB_CTRL_CANCEL:
		c->mech->cancel(&ci->it);
		return ctrl_flag(&ci->done);
	case BHB_CTRL_FLUSH:
		c->mech->flush(&ci->it);
		return ctrl_flag(&ci->done);
	}
	c->mech->disable(&ci->it);
	done = ctrl_flag(&ci->done);
	c->mech->enable(&ci->it);
	return done;
}

/* iteration i's op took t0 to t1 */
static void ctrl_sample(struct ctrl *c, u32 i, bool busy, u64 t0, u64 t1)
{
	struct bhb_ctrl_req *r = &c->req;

	r->op_ns_sum += t1 - t0;
	r->op_ns_max = max(r->op_ns_max, t1 - t0);
	if (c->samples) {
		c->samples[i].op_ns = t1 - t0;
		c->samples[i].remaining_ns = busy && ctrl_flag(&c->ci.done) ?
					     (s64)(c->ci.t_end - t0) : 0;
	}
}

/* the op from hardirq or softirq context: timed there, and the context checked */
static void ctrl_atomic_op(struct ctrl *c)
{
	struct ctrl_item *ci = &c->ci;
	bool hard = c->req.flags & BHB_CTRL_FROM_HARDIRQ;

	c->at_wrong = hard ? !in_hardirq() : !in_serving_softirq();
	c->at_t0 = ktime_get_ns();
	WRITE_ONCE(ci->t_op, c->at_t0);
	c->at_running = !ctrl_flag(&ci->done);
	c->atomic_fn(&ci->it);
	c->at_t1 = ktime_get_ns();
	c->at_finished = ctrl_flag(&ci->done);
	ctrl_flag_set(&c->at_done);
}

static void ctrl_iw_fn(struct irq_work *w)
{
	ctrl_atomic_op(container_of(w, struct ctrl, iw));
}

static void ctrl_at_fn(struct tasklet_struct *t)
{
	struct ctrl *c = from_tasklet(c, t, at);

	ctrl_atomic_op(c);
}

/* run the op in the asked context on this CPU, and wait for it */
static int ctrl_in_atomic(struct ctrl *c)
{
	WRITE_ONCE(c->at_done, 0);
	if (c->req.flags & BHB_CTRL_FROM_HARDIRQ) {
		irq_work_queue(&c->iw);
	} else {
		/* it runs in this local_bh_enable() */
		local_bh_disable();
		tasklet_hi_schedule(&c->at);
		local_bh_enable();
	}
	return ctrl_wait(&c->at_done);
}

/*
 * After a DISABLE from atomic context on an idle item: queued while
 * disabled, the callback must not run; enabled again, it runs once.
 */
static bool ctrl_held(struct ctrl *c)
{
	struct ctrl_item *ci = &c->ci;
	int before = atomic_read(&ci->runs);
	bool held;

	local_bh_disable();
	ctrl_queue(c);
	local_bh_enable();
	usleep_range(1000, 2000);
	held = atomic_read(&ci->runs) == before;
	c->mech->enable(&ci->it);
	if (c->mech->kind == BHB_KIND_WORK) {
		/* a disabled work item refuses to be queued: queue it now */
		ctrl_queue(c);
		c->mech->flush(&ci->it);
	} else {
		/* the tasklet stayed scheduled: it runs now */
		c->mech->make_idle(&ci->it);
	}
	return held && atomic_read(&ci->runs) == before + 1;
}

/* one op from atomic context (timed there); whether it passed its check */
static int ctrl_atomic_iter(struct ctrl *c, bool busy, u64 *t0, u64 *t1, bool *ok)
{
	int ret = ctrl_in_atomic(c);

	if (ret)
		return ret;
	*t0 = c->at_t0;
	*t1 = c->at_t1;
	c->req.wrong_ctx += c->at_wrong;
	if (busy) {
		*ok = c->at_running && (!c->req.waits || c->at_finished);
		if (c->req.op == BHB_CTRL_DISABLE)
			c->mech->enable(&c->ci.it);
		return 0;
	}
	*ok = !READ_ONCE(c->ci.started);
	if (c->req.op == BHB_CTRL_DISABLE)
		*ok = ctrl_held(c) && *ok;
	return 0;
}

static int ctrl_timing(struct ctrl *c)
{
	struct bhb_ctrl_req *r = &c->req;
	struct ctrl_item *ci = &c->ci;
	bool busy = r->flags & BHB_CTRL_BUSY;
	unsigned int self, target, retries = 0;
	int ret = 0;
	u32 i;

	migrate_disable();
	self = smp_processor_id();
	target = busy ? cpumask_any_but(cpu_online_mask, self) : self;
	if (target >= nr_cpu_ids) {
		ret = -ENODEV;
		goto out;
	}
	r->cpu = self;
	r->target_cpu = target;
	ci->cost_ns = 0;
	/*
	 * A work item's flush from atomic context may wait only once the item
	 * has been on a BH pool (WORK_OFFQ_BH; a never-queued item would
	 * might_sleep()): queued and run once first, as a driver's has been.
	 */
	if ((r->flags & BHB_CTRL_ATOMIC) && c->mech->kind == BHB_KIND_WORK) {
		ctrl_queue(c);
		c->mech->flush(&ci->it);
		atomic_set(&ci->runs, 0);
	}
	ci->cost_ns = busy ? r->cost_ns : 0;
	for (i = 0; i < r->iters; i++) {
		u64 t0, t1;
		bool done, running, ok = false;

		WRITE_ONCE(ci->started, 0);
		WRITE_ONCE(ci->done, 0);
		WRITE_ONCE(ci->t_op, 0);
		if (busy) {
			ret = ctrl_queue_on(c, target);
			if (ret)
				break;
			r->queued++;
			ret = ctrl_wait(&ci->started);
			if (ret)
				break;
		}
		if (r->flags & BHB_CTRL_ATOMIC) {
			ret = ctrl_atomic_iter(c, busy, &t0, &t1, &ok);
			if (ret)
				break;
			running = c->at_running;
		} else {
			t0 = ktime_get_ns();
			WRITE_ONCE(ci->t_op, t0);
			running = !ctrl_flag(&ci->done);
			done = ctrl_op(c);
			t1 = ktime_get_ns();
			ok = busy ? running && done : !READ_ONCE(ci->started);
		}
		ctrl_sync(c);
		/*
		 * busy: the callback must still run when the op begins.  It
		 * waits for t_op, but only CTRL_HOLD_NS: an unbound work item
		 * may run on the calling CPU instead (the CPU is only a hint
		 * there), and where the callback cannot be preempted the
		 * caller gets back to its CPU only after it finished.  Such
		 * an iteration is done again (CTRL_RETRIES times in all; its
		 * queue call and callback are not counted), and counts as
		 * failed if it keeps happening.  On the calling CPU but
		 * preempted (PREEMPT_RT, preempt=full), the callback is still
		 * running: that counts.
		 */
		if (busy && !running && retries < CTRL_RETRIES) {
			retries++;
			r->queued--;
			atomic_dec(&ci->runs);
			i--;
			continue;
		}
		r->ok += ok;
		ctrl_sample(c, i, busy, t0, t1);
	}
	ctrl_sync(c);
out:
	migrate_enable();
	return ret;
}

static int ctrl_coalesce(struct ctrl *c)
{
	struct bhb_ctrl_req *r = &c->req;
	struct ctrl_item *ci = &c->ci;
	u32 i;

	for (i = 0; i < r->iters; i++) {
		int before = atomic_read(&ci->runs), late;
		bool first, second;

		/* the item cannot run on this CPU in between */
		local_bh_disable();
		first = ctrl_queue(c);
		second = ctrl_queue(c);
		local_bh_enable();
		/* a tasklet has no flush: waiting for it to run is the same here */
		if (c->mech->flush)
			c->mech->flush(&ci->it);
		else
			c->mech->make_idle(&ci->it);
		r->queued += first + second;
		r->merged += !second;
		if (first && atomic_read(&ci->runs) - before == first + second) {
			r->ok++;
			continue;
		}
		/*
		 * Seen rarely on 7.3-rt under load: the runs did not match the
		 * queue calls when the flush returned (the totals balanced in
		 * the end).  Say what the item did, after one more flush.
		 */
		late = atomic_read(&ci->runs) - before;
		if (c->mech->flush)
			c->mech->flush(&ci->it);
		pr_info("coalesce %s: iteration %u: queued %d+%d, %d run(s) when the flush returned, %d after another\n",
			c->mech->name, i, first, second, late, atomic_read(&ci->runs) - before);
	}
	return 0;
}

/* SELF_FREE and AFTER_CB of a work mechanism: iters items on every CPU */
static int ctrl_work_items(struct ctrl *c)
{
	struct bhb_ctrl_req *r = &c->req;
	bool keep = r->op == BHB_CTRL_AFTER_CB;
	struct ctrl_free **kept = NULL;
	int cpu = -1, ret = 0;
	u32 i, n = 0;

	if (keep) {
		kept = kvcalloc(r->iters, sizeof(*kept), GFP_KERNEL);
		if (!kept)
			return -ENOMEM;
	}
	atomic_set(&c->left, 1);
	init_completion(&c->all_ran);
	for (i = 0; i < r->iters; i++) {
		struct ctrl_free *f = kmalloc(sizeof(*f), GFP_KERNEL);

		if (!f) {
			ret = -ENOMEM;
			break;
		}
		f->c = c;
		f->magic = CTRL_MAGIC;
		INIT_WORK(&f->it.work, ctrl_free_fn);
		cpu = cpumask_next(cpu, cpu_online_mask);
		if (cpu >= nr_cpu_ids)
			cpu = cpumask_first(cpu_online_mask);
		if (keep)
			kept[n] = f;
		atomic_inc(&c->left);
		if (!c->mech->queue(c->mech, &f->it, cpu)) {
			atomic_dec(&c->left);
			kfree(f);
			ret = -EIO;
			break;
		}
		n++;
	}
	r->queued = n;
	if (!atomic_dec_and_test(&c->left))
		wait_for_completion(&c->all_ran);
	/* softirq and kworker code after the callbacks has finished */
	synchronize_rcu();
	if (keep) {
		msleep(20);
		for (i = 0; i < n; i++) {
			if (memchr_inv(kept[i], CTRL_POISON, sizeof(*kept[i])))
				r->core_writes++;
			kfree(kept[i]);
		}
		kvfree(kept);
	}
	r->executed = atomic_read(&c->runs);
	r->ok = atomic_read(&c->intact);
	return ret;
}

/*
 * AFTER_CB of a tasklet: scheduled with BH disabled, it runs in
 * local_bh_enable().  Its callback's last write comes after it read the
 * state with RUN set; if RUN is clear afterwards, the core wrote the
 * tasklet after the callback returned (tasklet_unlock()).
 */
static int ctrl_tasklet_after(struct ctrl *c)
{
	struct bhb_ctrl_req *r = &c->req;
	struct ctrl_item *ci = &c->ci;
	unsigned long *state = &ci->it.tasklet.state;
	int ret = 0;
	u32 i;

	for (i = 0; i < r->iters; i++) {
		u64 t0;

		WRITE_ONCE(ci->done, 0);
		local_bh_disable();
		ctrl_schedule(c);
		local_bh_enable();
		r->queued++;
		ret = ctrl_wait(&ci->done);
		if (ret)
			break;
		t0 = ktime_get_ns();
		while (test_bit(TASKLET_STATE_RUN, state) &&
		       ktime_get_ns() - t0 < CTRL_TIMEOUT_NS)
			cond_resched();
		if (ci->state_in & BIT(TASKLET_STATE_RUN))
			r->ok++;
		if ((ci->state_end & BIT(TASKLET_STATE_RUN)) &&
		    !test_bit(TASKLET_STATE_RUN, state))
			r->core_writes++;
		c->mech->make_idle(&ci->it);
	}
	r->executed = atomic_read(&ci->runs);
	return ret;
}

/*
 * The API an op has in the context of flags, or NULL: from softirq the
 * spinning variant where there is one, else (and from hardirq) the one
 * that does not wait.  *waits: whether it waits for a running callback.
 */
typedef void (*ctrl_fn)(struct bhb_item *it);

static ctrl_fn ctrl_atomic_api(const struct bhb_mech *m, u32 op, u32 flags, bool *waits)
{
	void (*spin)(struct bhb_item *) = op == BHB_CTRL_CANCEL ? m->cancel_spin :
					  op == BHB_CTRL_DISABLE ? m->disable_spin : NULL;
	void (*nowait)(struct bhb_item *) = op == BHB_CTRL_CANCEL ? m->cancel_nowait :
					    op == BHB_CTRL_DISABLE ? m->disable_nowait : NULL;

	if (op == BHB_CTRL_DISABLE && !m->enable)
		return NULL;
	if ((flags & BHB_CTRL_FROM_SOFTIRQ) && spin) {
		if (waits)
			*waits = true;
		return spin;
	}
	if (waits)
		*waits = false;
	return nowait;
}

static int ctrl_validate(const struct bhb_ctrl_req *r)
{
	bool timing = r->op <= BHB_CTRL_DISABLE, busy = r->flags & BHB_CTRL_BUSY;
	const struct bhb_mech *m;

	if (r->reserved || (r->flags & ~BHB_CTRL_FLAGS))
		return -EINVAL;
	if (r->mech >= BHB_NR_MECHS || r->mech == BHB_MECH_DIRECT || r->op >= BHB_NR_CTRL_OPS)
		return -EINVAL;
	if (!r->iters || r->iters > BHB_CTRL_MAX_ITERS || (r->samples && !timing))
		return -EINVAL;
	if (!busy && r->cost_ns)
		return -EINVAL;
	if (busy && (!timing || !r->cost_ns || r->cost_ns > BHB_CTRL_MAX_COST_NS ||
		     r->cost_ns * r->iters > BHB_CTRL_MAX_BUSY_NS))
		return -EINVAL;
	m = bhb_mech_get(r->mech);
	if (!m)
		return -EOPNOTSUPP;
	/* tasklets have no flush and may not free themselves; disable_work() is 6.10+ */
	if ((r->op == BHB_CTRL_FLUSH && !m->flush) || (r->op == BHB_CTRL_DISABLE && !m->disable) ||
	    (r->op == BHB_CTRL_SELF_FREE && m->kind != BHB_KIND_WORK))
		return -EOPNOTSUPP;
	if ((r->flags & BHB_CTRL_ATOMIC) == BHB_CTRL_ATOMIC)
		return -EINVAL;
	/* from atomic context: cancel and disable, where the mechanism has an API there */
	if ((r->flags & BHB_CTRL_ATOMIC) && (!timing || !ctrl_atomic_api(m, r->op, r->flags, NULL)))
		return -EOPNOTSUPP;
	if (busy && num_online_cpus() < 2)
		return -ENODEV;
	return 0;
}

/* Called with the module's run lock held. */
long bhb_ctrl_ioctl(void __user *uarg)
{
	struct bhb_ctrl_req in, *r;
	struct ctrl *c;
	long ret;

	if (copy_from_user(&in, uarg, sizeof(in)))
		return -EFAULT;
	if (in.abi_version != BHB_ABI_VERSION)
		return -EPROTO;
	ret = ctrl_validate(&in);
	if (ret)
		return ret;
	c = kzalloc(sizeof(*c), GFP_KERNEL);
	if (!c)
		return -ENOMEM;
	r = &c->req;
	/* the inputs; every output starts at 0 */
	r->abi_version = in.abi_version;
	r->mech = in.mech;
	r->op = in.op;
	r->flags = in.flags;
	r->iters = in.iters;
	r->cost_ns = in.cost_ns;
	r->samples = in.samples;
	c->mech = bhb_mech_get(r->mech);
	INIT_WORK(&c->kick, ctrl_kick_fn);
	c->iw = IRQ_WORK_INIT_HARD(ctrl_iw_fn);
	tasklet_setup(&c->at, ctrl_at_fn);
	if (r->flags & BHB_CTRL_ATOMIC) {
		bool waits = false;

		c->atomic_fn = ctrl_atomic_api(c->mech, r->op, r->flags, &waits);
		r->waits = waits;
	}
	if (c->mech->kind == BHB_KIND_TASKLET)
		tasklet_setup(&c->ci.it.tasklet, ctrl_tasklet_fn);
	else
		INIT_WORK(&c->ci.it.work, ctrl_work_fn);
	if (r->samples) {
		c->samples = kvcalloc(r->iters, sizeof(*c->samples), GFP_KERNEL);
		if (!c->samples) {
			ret = -ENOMEM;
			goto out;
		}
	}
	switch (r->op) {
	case BHB_CTRL_COALESCE:
		ret = ctrl_coalesce(c);
		r->executed = atomic_read(&c->ci.runs);
		break;
	case BHB_CTRL_SELF_FREE:
		ret = ctrl_work_items(c);
		break;
	case BHB_CTRL_AFTER_CB:
		if (c->mech->kind == BHB_KIND_TASKLET)
			ret = ctrl_tasklet_after(c);
		else
			ret = ctrl_work_items(c);
		break;
	default:
		ret = ctrl_timing(c);
		r->executed = atomic_read(&c->ci.runs);
		break;
	}
	ctrl_sync(c);
	if (!ret && c->samples &&
	    copy_to_user(u64_to_user_ptr(r->samples), c->samples,
			 array_size(r->iters, sizeof(*c->samples))))
		ret = -EFAULT;
	if (!ret && copy_to_user(uarg, r, sizeof(*r)))
		ret = -EFAULT;
out:
	irq_work_sync(&c->iw);
	tasklet_kill(&c->at);
	kvfree(c->samples);
	kfree(c);
	return ret;
}
