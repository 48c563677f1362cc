// SPDX-License-Identifier: GPL-2.0
/*
 * bhbench: benchmark Linux deferred work (tasklets, BH workqueues, threaded
 * workqueues).  Control interface: the root-only misc device /dev/bhbench.
 */
#include <linux/capability.h>
#include <linux/cpumask.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>

#include "bhb.h"
#include "bhb_compat.h"

bool bhb_inject_warn;
module_param_named(inject_warn, bhb_inject_warn, bool, 0600);
MODULE_PARM_DESC(inject_warn, "test only: WARN() in every run");

static bool bhb_inject_oops;
module_param_named(inject_oops, bhb_inject_oops, bool, 0600);
MODULE_PARM_DESC(inject_oops, "test only: oops (NULL dereference) in BHB_IOC_INFO");

unsigned long bhb_inject_delay_ns;
module_param_named(inject_delay_ns, bhb_inject_delay_ns, ulong, 0600);
MODULE_PARM_DESC(inject_delay_ns, "test only: delay (ns) before the callback of inject_delay_mech");

unsigned long bhb_inject_spin;
module_param_named(inject_spin, bhb_inject_spin, ulong, 0600);
MODULE_PARM_DESC(inject_spin, "test only: empty loop iterations before the callback of inject_delay_mech");

unsigned int bhb_inject_leak;
module_param_named(inject_leak, bhb_inject_leak, uint, 0600);
MODULE_PARM_DESC(inject_leak, "test only: the callback leaks one handed-off buffer in N, counted as freed");

unsigned int bhb_inject_delay_mech = BHB_NR_MECHS;
module_param_named(inject_delay_mech, bhb_inject_delay_mech, uint, 0600);
MODULE_PARM_DESC(inject_delay_mech, "test only: mechanism id that inject_delay_ns and inject_spin apply to");

/* One run at a time; the last run's results stay until the next one. */
static DEFINE_MUTEX(bhb_lock);
static struct bhb_run *bhb_last;

static long bhb_ioc_info(void __user *uarg)
{
	struct bhb_info info;
	int cpu;

	if (copy_from_user(&info, uarg, sizeof(info)))
		return -EFAULT;
	if (info.abi_version != BHB_ABI_VERSION)
		return -EPROTO;
	if (unlikely(bhb_inject_oops)) {
		/* test only, like lkdtm's NULL dereference: the harness must report it */
		int *p = NULL;

		return READ_ONCE(*p);
	}
	memset(&info, 0, sizeof(info));
	info.abi_version = BHB_ABI_VERSION;
	info.nr_cpu_ids = nr_cpu_ids;
	info.nr_online = num_online_cpus();
	info.hist_buckets = BHB_HIST_NBUCKETS;
	info.hist_sub_bits = BHB_HIST_SUB_BITS;
	info.nr_mechs = BHB_NR_MECHS;
	for_each_online_cpu(cpu)
		if (cpu < BHB_MAX_CPUS)
			info.online_mask |= 1ull << cpu;
	info.mech_available = bhb_mech_available_mask();
	return copy_to_user(uarg, &info, sizeof(info)) ? -EFAULT : 0;
}

static long bhb_ioc_run(void __user *uarg)
{
	struct bhb_run_req req;
	struct bhb_run *run;
	long ret;

	if (copy_from_user(&req, uarg, sizeof(req)))
		return -EFAULT;
	if (req.abi_version != BHB_ABI_VERSION)
		return -EPROTO;
	if (!mutex_trylock(&bhb_lock))
		return -EBUSY;
	ret = bhb_hp_busy() ? -EBUSY : bhb_run_validate(&req);
	if (ret)
		goto out;
	bhb_run_free(bhb_last);
	bhb_last = NULL;
	run = bhb_run_alloc(&req);
	if (IS_ERR(run)) {
		ret = PTR_ERR(run);
		goto out;
	}
	ret = bhb_run_execute(run);
	bhb_last = run;
out:
	mutex_unlock(&bhb_lock);
	return ret;
}

static long bhb_ioc_result(void __user *uarg)
{
	struct bhb_result_req rr;
	struct bhb_cpu_result *res;
	struct bhb_cpu_result __user *ubuf;
	u32 n = 0;
	long ret = 0;
	int cpu;

	if (copy_from_user(&rr, uarg, sizeof(rr)))
		return -EFAULT;
	if (rr.abi_version != BHB_ABI_VERSION)
		return -EPROTO;
	ubuf = u64_to_user_ptr(rr.buf);
	/* four histograms: about 64 KB, not worth a contiguous allocation */
	res = kvmalloc(sizeof(*res), GFP_KERNEL);
	if (!res)
		return -ENOMEM;
	if (mutex_lock_killable(&bhb_lock)) {
		kvfree(res);
		return -EINTR;
	}
	if (!bhb_last) {
		ret = -ENODATA;
		goto out;
	}
	for (cpu = 0; cpu < BHB_MAX_CPUS; cpu++) {
		struct bhb_pcpu *pc = bhb_last->pcpu[cpu];

		if (!pc)
			continue;
		if (n >= rr.nr_cpus) {
			ret = -ENOSPC;
			goto out;
		}
		memset(res, 0, sizeof(*res));
		res->cpu = cpu;
		res->online = cpu_online(cpu);
		res->stats = pc->stats;
		if (!res->stats.executed)
			res->stats.lat_min_ns = 0;
		memcpy(res->hist_lat, pc->hist_lat, sizeof(res->hist_lat));
		memcpy(res->hist_q2e, pc->hist_q2e, sizeof(res->hist_q2e));
		memcpy(res->hist_tail, pc->hist_tail, sizeof(res->hist_tail));
		memcpy(res->hist_x2e, pc->hist_x2e, sizeof(res->hist_x2e));
		memcpy(res->hist_first, pc->hist_first, sizeof(res->hist_first));
		memcpy(res->hist_svc, pc->hist_svc, sizeof(res->hist_svc));
		if (copy_to_user(&ubuf[n], res, sizeof(*res))) {
			ret = -EFAULT;
			goto out;
		}
		n++;
	}
	rr.nr_cpus = n;
	rr.lost = bhb_last->lost;
	rr.start_ns = bhb_last->start_ns;
	rr.duration_ns = bhb_last->end_ns > bhb_last->start_ns ?
			 bhb_last->end_ns - bhb_last->start_ns : 0;
	if (copy_to_user(uarg, &rr, sizeof(rr)))
		ret = -EFAULT;
out:
	mutex_unlock(&bhb_lock);
	kvfree(res);
	return ret;
}

/*
 * What the measurement itself costs: one ktime_get_ns() plus one
 * bhb_record(), the work bhb_item_exec() adds to every item.
 */
static long bhb_ioc_overhead(void __user *uarg)
{
	struct bhb_overhead_req oh;
	unsigned long flags;
	u64 t0, t1;
	long ret;
	u32 i, j;

	if (copy_from_user(&oh, uarg, sizeof(oh)))
		return -EFAULT;
	if (oh.abi_version != BHB_ABI_VERSION)
		return -EPROTO;
	if (!oh.loops || oh.loops > 100000)
		return -EINVAL;
	/* a scratch run: not beside a real one */
	if (!mutex_trylock(&bhb_lock))
		return -EBUSY;
	ret = bhb_hp_busy() ? -EBUSY : bhb_overhead(oh.loops, &oh.total_ns, &oh.cold_ns);
	mutex_unlock(&bhb_lock);
	if (ret)
		return ret;

	t0 = ktime_get_ns();
	for (i = 0; i < oh.loops; i += BHB_OH_CHUNK) {
		local_irq_save(flags);
		for (j = i; j < i + BHB_OH_CHUNK && j < oh.loops; j++)
			ktime_get_ns();
		local_irq_restore(flags);
	}
	t1 = ktime_get_ns();
	oh.clock_ns = t1 - t0;
	return copy_to_user(uarg, &oh, sizeof(oh)) ? -EFAULT : 0;
}

/* hotplug requests share the one-run-at-a-time lock with BHB_IOC_RUN */
static long bhb_ioc_hotplug(unsigned int cmd, void __user *uarg)
{
	long ret;

	if (!mutex_trylock(&bhb_lock))
		return -EBUSY;
	switch (cmd) {
	case BHB_IOC_HP_ARM:
		ret = bhb_hp_arm_ioctl(uarg);
		break;
	case BHB_IOC_HP_COLLECT:
		ret = bhb_hp_collect_ioctl(uarg);
		break;
	default:
		ret = bhb_hp_disarm_ioctl();
		break;
	}
	mutex_unlock(&bhb_lock);
	return ret;
}

static long bhb_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case BHB_IOC_HP_ARM:
	case BHB_IOC_HP_COLLECT:
	case BHB_IOC_HP_DISARM:
		return bhb_ioc_hotplug(cmd, uarg);
	case BHB_IOC_INFO:
		return bhb_ioc_info(uarg);
	case BHB_IOC_RUN:
		return bhb_ioc_run(uarg);
	case BHB_IOC_RESULT:
		return bhb_ioc_result(uarg);
	case BHB_IOC_OVERHEAD:
		return bhb_ioc_overhead(uarg);
	case BHB_IOC_CTRL: {
		long ret;

		if (!mutex_trylock(&bhb_lock))
			return -EBUSY;
		ret = bhb_hp_busy() ? -EBUSY : bhb_ctrl_ioctl(uarg);
		mutex_unlock(&bhb_lock);
		return ret;
	}
	default:
		return -ENOTTY;
	}
}

static int bhb_open(struct inode *inode, struct file *file)
{
	return capable(CAP_SYS_ADMIN) ? 0 : -EPERM;
}

static const struct file_operations bhb_fops = {
	.owner = THIS_MODULE,
	.open = bhb_open,
	.unlocked_ioctl = bhb_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

static struct miscdevice bhb_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = BHB_DEVICE_NAME,
	.fops = &bhb_fops,
	.mode = 0600,
};

static int __init bhb_init(void)
{
	int ret;

	ret = bhb_mechs_setup();
	if (ret)
		return ret;
	ret = bhb_hp_init();
	if (ret)
		goto out_mechs;
	ret = misc_register(&bhb_misc);
	if (ret)
		goto out_hp;
	return 0;
out_hp:
	bhb_hp_exit();
out_mechs:
	bhb_mechs_teardown();
	return ret;
}

static void __exit bhb_exit(void)
{
	misc_deregister(&bhb_misc);
	bhb_hp_exit();
	bhb_run_free(bhb_last);
	bhb_last = NULL;
	bhb_mechs_teardown();
}

module_init(bhb_init);
module_exit(bhb_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("bhbench: latency and throughput of tasklets, BH and threaded workqueues");
MODULE_AUTHOR("bhbench authors");
