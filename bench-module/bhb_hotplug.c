// SPDX-License-Identifier: GPL-2.0
/*
 * bhbench CPU hotplug drain: what happens to deferred work pending on a
 * CPU that goes offline.
 *
 * Two hotplug states, registered without calling them for present CPUs:
 *  - CPUHP_AP_ONLINE_DYN: its teardown runs on the outgoing CPU, in its
 *    hotplug thread, early in the offline; TEARDOWN mode queues the items
 *    there.
 *  - CPUHP_BP_PREPARE_DYN: its teardown runs on the control CPU after the
 *    outgoing CPU is dead and, being above CPUHP_SOFTIRQ_DEAD, before the
 *    kernel splices its tasklets away or drains its BH work.  It counts the
 *    items whose callback has not started: the proven pending count.  Its
 *    startup, on the control CPU before the CPU is brought back, marks the
 *    return.
 *
 * The armed state is only changed under cpus_read_lock(), so the callbacks
 * (which run with the hotplug lock held for write) always see it whole.
 */
#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/jiffies.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>

#include "bhb.h"

static struct bhb_run *hp_run;
static struct bhb_hp_arm hp_cfg;
static struct bhb_hp_result hp_res;	/* queue/teardown/dead/online facts */
static int hp_online_state = -1;
static struct task_struct *hp_racer;	/* RACE mode: queues from another CPU */
static struct completion hp_go;
static bool hp_abort;
static int hp_dead_state = -1;

bool bhb_hp_busy(void)
{
	return READ_ONCE(hp_run);
}

static struct bhb_pcpu *hp_owner(struct bhb_run *run)
{
	return run->pcpu[hp_cfg.cpu];
}

static void hp_queue_all(struct bhb_run *run, bool remote)
{
	struct bhb_pcpu *pc = hp_owner(run);
	u32 i;

	hp_res.t_queue_ns = ktime_get_ns();
	for (i = 0; i < hp_cfg.count; i++) {
		struct bhb_item *it = &pc->items[i];
		bool ok;

		WRITE_ONCE(it->t_returned, 0);
		WRITE_ONCE(it->done, 0);
		it->seq = i + 1;
		it->ev = 0;	/* no producer handler: no exit stamp */
		it->pos = 0;
		it->t_intended = ktime_get_ns();
		WRITE_ONCE(it->t_queued, it->t_intended);
		/* the dead count sees t_queued with busy */
		atomic_set_release(&it->busy, 1);
		pc->stats.arrivals++;
		ok = run->mech->queue(run->mech, it, remote ? (int)hp_cfg.cpu : BHB_THIS_CPU);
		/* until this is set the item is inside its queue call: not yet queued */
		WRITE_ONCE(it->t_returned, ktime_get_ns());
		if (ok) {
			WRITE_ONCE(pc->stats.queued, pc->stats.queued + 1);
		} else {
			WRITE_ONCE(pc->stats.refused, pc->stats.refused + 1);
			atomic_set(&it->busy, 0);
		}
	}
}

/*
 * Items queued and not started at t_dead.  An item whose queue call began
 * before t_dead and had not returned (RACE: the call runs on another CPU)
 * is not known to be queued: it is counted in *in_call instead.  Calls
 * begun after t_dead are in neither (queued_after_dead, at collect).
 */
static u64 hp_count_pending(struct bhb_run *run, u64 t_dead, u64 *in_call)
{
	struct bhb_pcpu *pc = hp_owner(run);
	u64 n = 0;
	u32 i;

	*in_call = 0;
	for (i = 0; i < hp_cfg.count; i++) {
		struct bhb_item *it = &pc->items[i];
		u64 begun, ret;

		if (!atomic_read_acquire(&it->busy))
			continue;
		begun = READ_ONCE(it->t_queued);
		if (begun > t_dead)
			continue;
		ret = READ_ONCE(it->t_returned);
		if (ret && ret <= t_dead)
			n++;
		else
			(*in_call)++;
	}
	return n;
}

/*
 * RACE mode: waits on another CPU for the outgoing CPU's teardown to begin,
 * then queues the items onto it as fast as it can while it dies.
 */
static int bhb_hp_racer(void *arg)
{
	struct bhb_run *run = arg;

	/* interruptible: a long wait for the offline is not a hung task */
	if (!wait_for_completion_interruptible(&hp_go) && !READ_ONCE(hp_abort))
		hp_queue_all(run, true);
	return bhb_kthread_park_until_stopped();
}

/* on the outgoing CPU, in its hotplug thread */
static int bhb_hp_teardown(unsigned int cpu)
{
	struct bhb_run *run = hp_run;

	bhb_run_cpu_down(cpu);
	if (!run || cpu != hp_cfg.cpu)
		return 0;
	hp_res.t_teardown_ns = ktime_get_ns();
	if (hp_cfg.mode == BHB_HP_TEARDOWN && !hp_res.t_queue_ns)
		hp_queue_all(run, false);
	if (hp_cfg.mode == BHB_HP_RACE)
		complete(&hp_go);
	return 0;
}

/* on the control CPU, the outgoing CPU is dead, its softirq work untouched */
static int bhb_hp_dead(unsigned int cpu)
{
	struct bhb_run *run = hp_run;

	if (!run || cpu != hp_cfg.cpu)
		return 0;
	/* from here on a starting callback knows the CPU was dead */
	atomic_set(&run->phase, BHB_HP_DEAD_PHASE);
	/*
	 * Pairs with the xchg in bhb_item_exec(): an item counted as pending
	 * below records the dead phase when it runs.
	 */
	smp_mb();
	if (hp_cfg.mode == BHB_HP_DEAD && !hp_res.t_queue_ns)
		hp_queue_all(run, true);
	/* RACE: items queued after this stamp are not in the count below */
	hp_res.t_dead_ns = ktime_get_ns();
	hp_res.pending_at_dead = hp_count_pending(run, hp_res.t_dead_ns, &hp_res.in_call_at_dead);
	hp_res.dead_cpu = raw_smp_processor_id();
	hp_res.saw_dead = 1;
	return 0;
}

/*
 * On the control CPU, before the CPU is brought back: from here on its
 * stranded work may run (on it, as soon as it takes interrupts).
 */
static int bhb_hp_prepare(unsigned int cpu)
{
	struct bhb_run *run = hp_run;

	if (!run || cpu != hp_cfg.cpu || atomic_read(&run->phase) != BHB_HP_DEAD_PHASE)
		return 0;
	atomic_set(&run->phase, BHB_HP_ONLINE);
	hp_res.t_online_ns = ktime_get_ns();
	return 0;
}

static void hp_stop_racer(void)
{
	if (!hp_racer)
		return;
	WRITE_ONCE(hp_abort, true);
	complete(&hp_go);
	kthread_stop(hp_racer);
	hp_racer = NULL;
}

long bhb_hp_arm_ioctl(void __user *uarg)
{
	struct bhb_run_req req = { .abi_version = BHB_ABI_VERSION };
	const struct bhb_mech *mech;
	struct bhb_hp_arm a;
	struct bhb_run *run;
	long ret = 0;

	if (copy_from_user(&a, uarg, sizeof(a)))
		return -EFAULT;
	if (a.abi_version != BHB_ABI_VERSION)
		return -EPROTO;
	if (a.reserved || a.mech >= BHB_NR_MECHS || a.mode >= BHB_NR_HP_MODES ||
	    !a.count || a.count > BHB_MAX_HP_ITEMS || a.cost_ns > BHB_MAX_COST_NS ||
	    (u64)a.count * a.cost_ns > 5 * BHB_MAX_BACKLOG_NS ||
	    a.cpu >= BHB_MAX_CPUS || a.cpu >= nr_cpu_ids || !cpu_possible(a.cpu))
		return -EINVAL;
	mech = bhb_mech_get(a.mech);
	if (!mech || mech->kind == BHB_KIND_DIRECT)
		return -EOPNOTSUPP;
	if (a.mode != BHB_HP_TEARDOWN && !mech->remote)
		return -EOPNOTSUPP;
	if (hp_run)
		return -EBUSY;

	req.mech = a.mech;
	req.producer = BHB_PROD_PROCESS;
	req.cpu_mask = 1ull << a.cpu;
	req.nr_items = a.count;
	req.inflight = a.count;
	req.period_ns = BHB_MIN_PERIOD_NS;
	req.cost_ns = a.cost_ns;
	run = bhb_run_alloc(&req);
	if (IS_ERR(run))
		return PTR_ERR(run);
	if (a.mode == BHB_HP_RACE) {
		int other = cpumask_any_but(cpu_online_mask, a.cpu);

		if (other >= nr_cpu_ids) {
			bhb_run_free(run);
			return -ENODEV;
		}
		init_completion(&hp_go);
		hp_abort = false;
		hp_racer = kthread_create_on_cpu(bhb_hp_racer, run, other, "bhbench_race/%u");
		if (IS_ERR(hp_racer)) {
			ret = PTR_ERR(hp_racer);
			hp_racer = NULL;
			bhb_run_free(run);
			return ret;
		}
		wake_up_process(hp_racer);
	}

	cpus_read_lock();
	if (a.mode == BHB_HP_OFFLINE ? cpu_online(a.cpu) :
	    !cpu_online(a.cpu) || num_online_cpus() < 2) {
		ret = a.mode == BHB_HP_OFFLINE ? -EBUSY : -ENODEV;
	} else {
		hp_cfg = a;
		memset(&hp_res, 0, sizeof(hp_res));
		hp_run = run;
		if (a.mode == BHB_HP_OFFLINE) {
			atomic_set(&run->phase, BHB_HP_DEAD_PHASE);
			hp_queue_all(run, true);
		}
	}
	cpus_read_unlock();
	if (ret) {
		hp_stop_racer();
		bhb_run_free(run);
	}
	return ret;
}

long bhb_hp_collect_ioctl(void __user *uarg)
{
	struct bhb_hp_result *r;
	struct bhb_run *run = hp_run;
	struct bhb_pcpu *pc;
	unsigned long deadline;
	u32 wait_ms, i;
	long ret = 0;

	if (!run)
		return -ENODATA;
	r = kmalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		return -ENOMEM;
	if (copy_from_user(r, uarg, sizeof(*r))) {
		ret = -EFAULT;
		goto out;
	}
	if (r->abi_version != BHB_ABI_VERSION || r->wait_ms > BHB_MAX_DRAIN_MS) {
		ret = r->abi_version != BHB_ABI_VERSION ? -EPROTO : -EINVAL;
		goto out;
	}
	wait_ms = r->wait_ms;
	deadline = jiffies + msecs_to_jiffies(wait_ms);
	while (bhb_run_pending(run) && time_before(jiffies, deadline) &&
	       !fatal_signal_pending(current))
		usleep_range(200, 500);

	cpus_read_lock();
	*r = hp_res;
	cpus_read_unlock();
	r->abi_version = BHB_ABI_VERSION;
	r->wait_ms = wait_ms;
	r->cpu = hp_cfg.cpu;
	r->mech = hp_cfg.mech;
	r->mode = hp_cfg.mode;
	r->count = hp_cfg.count;
	pc = hp_owner(run);
	/* the RACE racer may still be queueing */
	r->queued = READ_ONCE(pc->stats.queued);
	r->refused = READ_ONCE(pc->stats.refused);
	for (i = 0; i < hp_cfg.count; i++) {
		struct bhb_item *it = &pc->items[i];

		if (r->saw_dead && READ_ONCE(it->t_queued) > r->t_dead_ns)
			r->queued_after_dead++;
		/* the callback wrote t_exec, exec_cpu and phase before done */
		if (!smp_load_acquire(&it->done))
			continue;
		r->executed++;
		r->by_phase[min_t(u32, it->phase, BHB_NR_HP_PHASES - 1)]++;
		if (it->exec_cpu == hp_cfg.cpu)
			r->on_cpu++;
		else
			r->on_other++;
		if (it->exec_cpu < BHB_MAX_CPUS)
			r->per_cpu[it->exec_cpu]++;
		if (!r->t_first_exec_ns || it->t_exec < r->t_first_exec_ns)
			r->t_first_exec_ns = it->t_exec;
		if (it->t_exec > r->t_last_exec_ns)
			r->t_last_exec_ns = it->t_exec;
	}
	if (copy_to_user(uarg, r, sizeof(*r)))
		ret = -EFAULT;
out:
	kfree(r);
	return ret;
}

long bhb_hp_disarm_ioctl(void)
{
	struct bhb_run *run;

	cpus_read_lock();
	run = hp_run;
	hp_run = NULL;
	cpus_read_unlock();
	if (!run)
		return -ENODATA;
	hp_stop_racer();
	bhb_run_reclaim(run);
	bhb_run_free(run);
	return 0;
}

int bhb_hp_init(void)
{
	int ret;

	ret = cpuhp_setup_state_nocalls(CPUHP_AP_ONLINE_DYN, "bhbench:online",
					NULL, bhb_hp_teardown);
	if (ret < 0)
		return ret;
	hp_online_state = ret;
	ret = cpuhp_setup_state_nocalls(CPUHP_BP_PREPARE_DYN, "bhbench:dead",
					bhb_hp_prepare, bhb_hp_dead);
	if (ret < 0) {
		cpuhp_remove_state_nocalls(hp_online_state);
		return ret;
	}
	hp_dead_state = ret;
	return 0;
}

void bhb_hp_exit(void)
{
	cpuhp_remove_state_nocalls(hp_online_state);
	cpuhp_remove_state_nocalls(hp_dead_state);
	bhb_hp_disarm_ioctl();
}
