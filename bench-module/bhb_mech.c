// SPDX-License-Identifier: GPL-2.0
/*
 * bhbench: one ops vector per deferred-work mechanism.
 *
 * Each mechanism queues an item on the calling CPU, the way a driver's
 * interrupt handler or thread would.  A mechanism the running kernel lacks
 * reports itself unavailable and is left out of every run.
 */
#include <linux/interrupt.h>
#include <linux/workqueue.h>

#include "bhb.h"
#include "bhb_compat.h"

static bool bhb_always(void)
{
	return true;
}

/* direct: the item's function in the producer's own context (the floor). */
static void direct_init(struct bhb_item *it)
{
}

static bool direct_queue(struct bhb_item *it)
{
	bhb_item_exec(it);
	return true;
}

static void direct_sync(struct bhb_item *it)
{
}

static const struct bhb_mech mech_direct = {
	.name = "direct",
	.available = bhb_always,
	.init_item = direct_init,
	.queue = direct_queue,
	.sync = direct_sync,
};

/* tasklets */
static void bhb_tasklet_fn(struct tasklet_struct *t)
{
	bhb_item_exec(container_of(t, struct bhb_item, tasklet));
}

static void tasklet_init_item(struct bhb_item *it)
{
	tasklet_setup(&it->tasklet, bhb_tasklet_fn);
}

/*
 * tasklet_schedule() returns nothing; the item is ours alone and is only
 * scheduled from its producing CPU, so a set SCHED bit here means the
 * schedule would have been merged.
 */
static bool tasklet_queue(struct bhb_item *it)
{
	if (test_bit(TASKLET_STATE_SCHED, &it->tasklet.state))
		return false;
	tasklet_schedule(&it->tasklet);
	return true;
}

static bool tasklet_hi_queue(struct bhb_item *it)
{
	if (test_bit(TASKLET_STATE_SCHED, &it->tasklet.state))
		return false;
	tasklet_hi_schedule(&it->tasklet);
	return true;
}

/*
 * A scheduled tasklet cannot be cancelled: tasklet_kill() waits until it has
 * run.  It always does run: a dead CPU's tasklets are moved to a live one.
 */
static void tasklet_sync(struct bhb_item *it)
{
	tasklet_kill(&it->tasklet);
}

static const struct bhb_mech mech_tasklet = {
	.name = "tasklet",
	.available = bhb_always,
	.init_item = tasklet_init_item,
	.queue = tasklet_queue,
	.sync = tasklet_sync,
};

static const struct bhb_mech mech_tasklet_hi = {
	.name = "tasklet_hi",
	.available = bhb_always,
	.init_item = tasklet_init_item,
	.queue = tasklet_hi_queue,
	.sync = tasklet_sync,
};

/* workqueues: one item function, the queue chosen per mechanism */
static void bhb_work_fn(struct work_struct *w)
{
	bhb_item_exec(container_of(w, struct bhb_item, work));
}

static void work_init_item(struct bhb_item *it)
{
	INIT_WORK(&it->work, bhb_work_fn);
}

static void work_sync(struct bhb_item *it)
{
	cancel_work_sync(&it->work);
}

#define BHB_WQ_MECH(_var, _name, _avail, _wq)				\
static struct workqueue_struct *_var##_wq(void)				\
{									\
	return _wq;							\
}									\
static bool _var##_queue(struct bhb_item *it)				\
{									\
	return queue_work(_var##_wq(), &it->work);			\
}									\
static bool _var##_queue_on(struct bhb_item *it, int cpu)		\
{									\
	return queue_work_on(cpu, _var##_wq(), &it->work);		\
}									\
static const struct bhb_mech _var = {					\
	.name = _name,							\
	.available = _avail,						\
	.init_item = work_init_item,					\
	.queue = _var##_queue,						\
	.queue_on = _var##_queue_on,					\
	.sync = work_sync,						\
}

#ifdef BHB_HAVE_BH_WQ
static struct workqueue_struct *bhb_custom_wq;

static bool bhb_have_bh(void)
{
	return true;
}

static bool bhb_have_custom(void)
{
	return bhb_custom_wq;
}

static int bh_custom_setup(void)
{
	bhb_custom_wq = alloc_workqueue("bhbench_bh", BHB_WQ_BH_FLAGS, 0);
	return bhb_custom_wq ? 0 : -ENOMEM;
}

static void bh_custom_teardown(void)
{
	if (bhb_custom_wq)
		destroy_workqueue(bhb_custom_wq);
	bhb_custom_wq = NULL;
}

BHB_WQ_MECH(mech_bh, "bh", bhb_have_bh, system_bh_wq);
BHB_WQ_MECH(mech_bh_highpri, "bh_highpri", bhb_have_bh, system_bh_highpri_wq);

static bool mech_bh_custom_queue(struct bhb_item *it)
{
	return queue_work(bhb_custom_wq, &it->work);
}

static bool mech_bh_custom_queue_on(struct bhb_item *it, int cpu)
{
	return queue_work_on(cpu, bhb_custom_wq, &it->work);
}

static const struct bhb_mech mech_bh_custom = {
	.name = "bh_custom",
	.available = bhb_have_custom,
	.setup = bh_custom_setup,
	.teardown = bh_custom_teardown,
	.init_item = work_init_item,
	.queue = mech_bh_custom_queue,
	.queue_on = mech_bh_custom_queue_on,
	.sync = work_sync,
};
#else
static bool bhb_never(void)
{
	return false;
}

static const struct bhb_mech mech_bh = { .name = "bh", .available = bhb_never };
static const struct bhb_mech mech_bh_highpri = { .name = "bh_highpri", .available = bhb_never };
static const struct bhb_mech mech_bh_custom = { .name = "bh_custom", .available = bhb_never };
#endif

BHB_WQ_MECH(mech_wq_percpu, "wq_percpu", bhb_always, BHB_SYSTEM_PERCPU_WQ);
BHB_WQ_MECH(mech_wq_highpri, "wq_highpri", bhb_always, system_highpri_wq);
BHB_WQ_MECH(mech_wq_unbound, "wq_unbound", bhb_always, BHB_SYSTEM_UNBOUND_WQ);

const struct bhb_mech *const bhb_mechs[BHB_NR_MECHS] = {
	[BHB_MECH_DIRECT] = &mech_direct,
	[BHB_MECH_TASKLET] = &mech_tasklet,
	[BHB_MECH_TASKLET_HI] = &mech_tasklet_hi,
	[BHB_MECH_BH] = &mech_bh,
	[BHB_MECH_BH_HIGHPRI] = &mech_bh_highpri,
	[BHB_MECH_BH_CUSTOM] = &mech_bh_custom,
	[BHB_MECH_WQ_PERCPU] = &mech_wq_percpu,
	[BHB_MECH_WQ_HIGHPRI] = &mech_wq_highpri,
	[BHB_MECH_WQ_UNBOUND] = &mech_wq_unbound,
};

int bhb_mechs_setup(void)
{
	int i, ret;

	for (i = 0; i < BHB_NR_MECHS; i++) {
		if (!bhb_mechs[i]->setup)
			continue;
		ret = bhb_mechs[i]->setup();
		if (ret) {
			while (--i >= 0)
				if (bhb_mechs[i]->teardown)
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
		if (bhb_mechs[i]->teardown)
			bhb_mechs[i]->teardown();
}

u64 bhb_mech_available_mask(void)
{
	u64 mask = 0;
	int i;

	for (i = 0; i < BHB_NR_MECHS; i++)
		if (bhb_mechs[i]->available())
			mask |= 1ull << i;
	return mask;
}
