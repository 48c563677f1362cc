/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bhbench: every kernel API difference between the releases bhbench
 * targets (6.1 .. 7.x) lives here, keyed on the release that made it.
 */
#ifndef _BHB_COMPAT_H
#define _BHB_COMPAT_H

#include <linux/hrtimer.h>
#include <linux/slab.h>
#include <linux/version.h>
#include <linux/workqueue.h>

/* 6.9: BH workqueues (WQ_BH, system_bh_wq, system_bh_highpri_wq) */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 9, 0)
#define BHB_HAVE_BH_WQ 1
#endif

/*
 * 6.17: system_percpu_wq and system_dfl_wq replace system_wq and
 * system_unbound_wq, and alloc_workqueue() wants WQ_PERCPU or WQ_UNBOUND.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 17, 0)
#define BHB_SYSTEM_PERCPU_WQ	system_percpu_wq
#define BHB_SYSTEM_UNBOUND_WQ	system_dfl_wq
#define BHB_WQ_BH_FLAGS		(WQ_BH | WQ_PERCPU)
#else
#define BHB_SYSTEM_PERCPU_WQ	system_wq
#define BHB_SYSTEM_UNBOUND_WQ	system_unbound_wq
#define BHB_WQ_BH_FLAGS		WQ_BH
#endif

/* 6.13: hrtimer_setup() replaces hrtimer_init() plus setting ->function */
static inline void bhb_hrtimer_setup(struct hrtimer *t,
				     enum hrtimer_restart (*fn)(struct hrtimer *),
				     clockid_t clock, enum hrtimer_mode mode)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 13, 0)
	hrtimer_setup(t, fn, clock, mode);
#else
	hrtimer_init(t, clock, mode);
	t->function = fn;
#endif
}

/* 6.10: disable_work_sync(), enable_work() */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 10, 0)
#define BHB_HAVE_DISABLE_WORK 1
#endif

/*
 * 6.5: SLAB_NO_MERGE.  Before it, a flag of SLAB_NEVER_MERGE's that
 * changes nothing else for a cache without kmemleak: SLAB_NOLEAKTRACE.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 5, 0)
#define BHB_SLAB_NO_MERGE	SLAB_NO_MERGE
#else
#define BHB_SLAB_NO_MERGE	SLAB_NOLEAKTRACE
#endif

#endif /* _BHB_COMPAT_H */
