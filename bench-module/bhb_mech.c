// SPDX-License-Identifier: GPL-2.0
/*
 * bhbench: one ops vector per deferred-work mechanism.
 *
 * Each mechanism queues an item, on the calling CPU the way a driver's
 * interrupt handler or thread would, or on a given CPU where it can.  The
 * work mechanisms share one set of ops and differ only in their
 * workqueue.  A mechanism the running kernel lacks has no ops vector (a
 * NULL slot) and is left out of every run.
 */
#include <linux/interrupt.h>
#include <linux/workqueue.h>

#include "bhb.h"
#include "bhb_compat.h"

/* direct: the item's function in the producer's own context (the floor) */
static bool bhb_direct_queue(const struct bhb_mech *m, struct bhb_item *it, int cpu)
{
	bhb_item_exec(it);
	return true;
}

static const struct bhb_mech bhb_mech_direct = {
	.name = "direct",
	.kind = BHB_KIND_DIRECT,
	.queue = bhb_direct_queue,
};

/* ---- tasklets ---- */

static void bhb_tasklet_fn(struct tasklet_struct *t)
{
	bhb_item_exec(container_of(t, struct bhb_item, tasklet));
}

static void bhb_tasklet_init(struct bhb_item *it)
{
	tasklet_setup(&it->tasklet, bhb_tasklet_fn);
}

/*
 * On the calling CPU only (a tasklet cannot be queued elsewhere).
 * tasklet_schedule() returns nothing; an item is scheduled from one CPU
 * at a time, so a set SCHED bit here means the schedule would have been
 * merged.
 */
static bool bhb_tasklet_queue(const struct bhb_mech *m, struct bhb_item *it, int cpu)
{
	if (test_bit(TASKLET_STATE_SCHED, &it->tasklet.state))
		return false;
	if (m->hi)
		tasklet_hi_schedule(&it->tasklet);
	else
		tasklet_schedule(&it->tasklet);
	return true;
}

/*
 * A scheduled tasklet cannot be cancelled: tasklet_kill() waits until it
 * has run.  It always does run: a dead CPU's tasklets are moved to a live
 * one.
 */
static void bhb_tasklet_kill(struct bhb_item *it)
{
	tasklet_kill(&it->tasklet);
}

static void bhb_tasklet_disable(struct bhb_item *it)
{
	tasklet_disable(&it->tasklet);
}

static void bhb_tasklet_enable(struct bhb_item *it)
{
	tasklet_enable(&it->tasklet);
}

/*
 * Spins until a running callback returned: allowed in atomic context, but
 * not under PREEMPT_RT, where from a tasklet it blocked for good in
 * tasklet_unlock_spin_wait() while the tasklet ran on another CPU (7.3-rt)
 */
static void bhb_tasklet_disable_atomic(struct bhb_item *it)
{
	tasklet_disable_in_atomic(&it->tasklet);
}

#define BHB_TASKLET_DISABLE_SPIN \
	(IS_ENABLED(CONFIG_PREEMPT_RT) ? NULL : bhb_tasklet_disable_atomic)

#define BHB_TASKLET_OPS					\
	.kind = BHB_KIND_TASKLET,			\
	.init_item = bhb_tasklet_init,			\
	.queue = bhb_tasklet_queue,			\
	.make_idle = bhb_tasklet_kill,			\
	.cancel = bhb_tasklet_kill,			\
	.disable = bhb_tasklet_disable,			\
	.enable = bhb_tasklet_enable,			\
	.disable_spin = BHB_TASKLET_DISABLE_SPIN

static const struct bhb_mech bhb_mech_tasklet = {
	.name = "tasklet",
	BHB_TASKLET_OPS,
};

static const struct bhb_mech bhb_mech_tasklet_hi = {
	.name = "tasklet_hi",
	.hi = true,
	BHB_TASKLET_OPS,
};

/* ---- workqueues: one set of ops, the workqueue per mechanism ---- */

static void bhb_work_fn(struct work_struct *w)
{
	bhb_item_exec(container_of(w, struct bhb_item, work));
}

static void bhb_work_init(struct bhb_item *it)
{
	INIT_WORK(&it->work, bhb_work_fn);
}

static bool bhb_work_queue(const struct bhb_mech *m, struct bhb_item *it, int cpu)
{
	if (cpu == BHB_THIS_CPU)
		return queue_work(*m->wq, &it->work);
	return queue_work_on(cpu, *m->wq, &it->work);
}

/* cancelled if pending, waited for if running */
static void bhb_work_cancel(struct bhb_item *it)
{
	cancel_work_sync(&it->work);
}

static void bhb_work_flush(struct bhb_item *it)
{
	flush_work(&it->work);
}

#ifdef BHB_HAVE_DISABLE_WORK
static void bhb_work_disable(struct bhb_item *it)
{
	disable_work_sync(&it->work);
}

static void bhb_work_enable(struct bhb_item *it)
{
	enable_work(&it->work);
}

/* threaded work from atomic context: neither waits for a running callback */
static void bhb_work_disable_nosync(struct bhb_item *it)
{
	disable_work(&it->work);
}

#define BHB_WORK_DISABLE_OPS				\
	.disable = bhb_work_disable,			\
	.enable = bhb_work_enable
#define BHB_WORK_DISABLE_ATOMIC	bhb_work_disable_nosync
#else
#define BHB_WORK_DISABLE_OPS				\
	.disable = NULL,				\
	.enable = NULL
#define BHB_WORK_DISABLE_ATOMIC	NULL
#endif

static void bhb_work_cancel_nosync(struct bhb_item *it)
{
	cancel_work(&it->work);
}

#define BHB_WORK_OPS(_wq)				\
	.kind = BHB_KIND_WORK,				\
	.wq = &(_wq),					\
	.remote = true,					\
	.init_item = bhb_work_init,			\
	.queue = bhb_work_queue,			\
	.make_idle = bhb_work_cancel,			\
	.cancel = bhb_work_cancel,			\
	.flush = bhb_work_flush,			\
	BHB_WORK_DISABLE_OPS

/* work items from any context: the variants that do not wait */
#define BHB_THREADED_ATOMIC_OPS				\
	.cancel_nowait = bhb_work_cancel_nosync,	\
	.disable_nowait = BHB_WORK_DISABLE_ATOMIC

/*
 * BH work items from softirq context too (6.10+): the waiting variants,
 * which busy-wait for a callback running on another CPU
 */
#ifdef BHB_HAVE_DISABLE_WORK
#define BHB_BH_ATOMIC_OPS				\
	BHB_THREADED_ATOMIC_OPS,			\
	.cancel_spin = bhb_work_cancel,			\
	.disable_spin = bhb_work_disable
#else
#define BHB_BH_ATOMIC_OPS				\
	BHB_THREADED_ATOMIC_OPS
#endif

#ifdef BHB_HAVE_BH_WQ
static struct workqueue_struct *bhb_custom_wq;

static int bhb_custom_setup(void)
{
	bhb_custom_wq = alloc_workqueue("bhbench_bh", BHB_WQ_BH_FLAGS, 0);
	return bhb_custom_wq ? 0 : -ENOMEM;
}

static void bhb_custom_teardown(void)
{
	if (bhb_custom_wq)
		destroy_workqueue(bhb_custom_wq);
	bhb_custom_wq = NULL;
}

static const struct bhb_mech bhb_mech_bh = {
	.name = "bh",
	BHB_WORK_OPS(system_bh_wq),
	BHB_BH_ATOMIC_OPS,
};

static const struct bhb_mech bhb_mech_bh_highpri = {
	.name = "bh_highpri",
	BHB_WORK_OPS(system_bh_highpri_wq),
	BHB_BH_ATOMIC_OPS,
};

static const struct bhb_mech bhb_mech_bh_custom = {
	.name = "bh_custom",
	.setup = bhb_custom_setup,
	.teardown = bhb_custom_teardown,
	BHB_WORK_OPS(bhb_custom_wq),
	BHB_BH_ATOMIC_OPS,
};
#endif

static const struct bhb_mech bhb_mech_wq_percpu = {
	.name = "wq_percpu",
	BHB_WORK_OPS(BHB_SYSTEM_PERCPU_WQ),
	BHB_THREADED_ATOMIC_OPS,
};

static const struct bhb_mech bhb_mech_wq_highpri = {
	.name = "wq_highpri",
	BHB_WORK_OPS(system_highpri_wq),
	BHB_THREADED_ATOMIC_OPS,
};

static const struct bhb_mech bhb_mech_wq_unbound = {
	.name = "wq_unbound",
	BHB_WORK_OPS(BHB_SYSTEM_UNBOUND_WQ),
	BHB_THREADED_ATOMIC_OPS,
};

/* NULL: not in this kernel */
const struct bhb_mech *const bhb_mechs[BHB_NR_MECHS] = {
	[BHB_MECH_DIRECT] = &bhb_mech_direct,
	[BHB_MECH_TASKLET] = &bhb_mech_tasklet,
	[BHB_MECH_TASKLET_HI] = &bhb_mech_tasklet_hi,
#ifdef BHB_HAVE_BH_WQ
	[BHB_MECH_BH] = &bhb_mech_bh,
	[BHB_MECH_BH_HIGHPRI] = &bhb_mech_bh_highpri,
	[BHB_MECH_BH_CUSTOM] = &bhb_mech_bh_custom,
#endif
	[BHB_MECH_WQ_PERCPU] = &bhb_mech_wq_percpu,
	[BHB_MECH_WQ_HIGHPRI] = &bhb_mech_wq_highpri,
	[BHB_MECH_WQ_UNBOUND] = &bhb_mech_wq_unbound,
};

/* the mechanism, if this kernel has it and its setup succeeded */
const struct bhb_mech *bhb_mech_get(u32 id)
{
	const struct bhb_mech *m = id < BHB_NR_MECHS ? bhb_mechs[id] : NULL;

	/* a work mechanism whose workqueue could not be created */
	if (m && m->wq && !*m->wq)
		return NULL;
	return m;
}

int bhb_mechs_setup(void)
{
	int i, ret;

	for (i = 0; i < BHB_NR_MECHS; i++) {
		if (!bhb_mechs[i] || !bhb_mechs[i]->setup)
			continue;
		ret = bhb_mechs[i]->setup();
		if (ret) {
			while (--i >= 0)
				if (bhb_mechs[i] && bhb_mechs[i]->teardown)
					bhb_mechs[i]->teardown();
			return ret;
		}
	}
	return 0;
}

void bhb_mechs_teardown(void)
{
	int i;

	for (i = BHB_NR_MECHS - 1; i >= 0; i--)
		if (bhb_mechs[i] && bhb_mechs[i]->teardown)
			bhb_mechs[i]->teardown();
}

u64 bhb_mech_available_mask(void)
{
	u64 mask = 0;
	int i;

	for (i = 0; i < BHB_NR_MECHS; i++)
		if (bhb_mech_get(i))
			mask |= 1ull << i;
	return mask;
}
