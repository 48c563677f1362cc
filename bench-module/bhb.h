/* SPDX-License-Identifier: GPL-2.0 */
/* bhbench: internal declarations shared by the module's files. */
#ifndef _BHB_H
#define _BHB_H

#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/hrtimer.h>
#include <linux/interrupt.h>
#include <linux/irq_work.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

#include "bhbench_uapi.h"

struct bhb_run;
struct bhb_pcpu;

#define BHB_IW_RING	128	/* irqwork: ticks handed over, not yet run */
#define BHB_EXIT_RING	16	/* producer exit stamps kept */

/* One deferred-work item: a slot a producer reuses round-robin. */
struct bhb_item {
	union {
		struct tasklet_struct tasklet;
		struct work_struct work;
	};
	struct bhb_pcpu *owner;		/* producing CPU's state */
	u64 t_intended;			/* when the arrival was due */
	u64 t_queued;			/* just before the queue call */
	u64 seq;			/* per producing CPU, from 1 */
	u64 ev;				/* the producer invocation that queued it (0: none) */
	u32 pos;			/* its position in that tick (0: the first) */
	u64 t_exec;			/* callback entry */
	u64 t_returned;			/* hotplug: the queue call returned (0: not yet) */
	u32 exec_cpu;
	u32 phase;			/* hotplug: enum bhb_hp_phase at entry */
	u32 done;			/* hotplug: t_exec, exec_cpu, phase written (release) */
	atomic_t busy;			/* queued and callback not yet entered */
	void *buf;			/* BHB_WORK_HANDOFF: its buffer, under owner->ho_lock */
};

enum bhb_mech_kind { BHB_KIND_DIRECT, BHB_KIND_TASKLET, BHB_KIND_WORK };

/* queue on the calling CPU (see bhb_mech.queue) */
#define BHB_THIS_CPU	(-1)

/*
 * A deferred-work mechanism.  The engine, the hotplug drain and the
 * control operations only ever call these; a NULL op is one the mechanism
 * does not have.
 */
struct bhb_mech {
	const char *name;
	enum bhb_mech_kind kind;
	bool hi;				/* tasklets: the HI softirq */
	bool remote;				/* can queue on another CPU */
	struct workqueue_struct **wq;		/* work: its workqueue */
	int (*setup)(void);			/* module load */
	void (*teardown)(void);			/* module unload */
	void (*init_item)(struct bhb_item *it);
	/*
	 * Queue on @cpu, or on the calling CPU for BHB_THIS_CPU (the only
	 * choice without .remote); false if the mechanism did not queue (the
	 * item was still pending: merged)
	 */
	bool (*queue)(const struct bhb_mech *m, struct bhb_item *it, int cpu);
	/*
	 * The item neither pending nor running, by cancelling it or by
	 * waiting for it to run; may sleep.  After it the kernel touches
	 * nothing of the item's run any more.
	 */
	void (*make_idle)(struct bhb_item *it);
	/* the control operations (bhb_ctrl.c) */
	void (*cancel)(struct bhb_item *it);	/* cancel_work_sync(), tasklet_kill() */
	void (*flush)(struct bhb_item *it);	/* flush_work() */
	void (*disable)(struct bhb_item *it);	/* disable_work_sync(), tasklet_disable() */
	void (*enable)(struct bhb_item *it);	/* enable_work(), tasklet_enable() */
	/*
	 * From atomic context (NULL: none there, for this mechanism or
	 * kernel).  Any context: cancel_work() and disable_work() (6.10+),
	 * which do not wait for a running callback (work only).  Not in
	 * hardirq: cancel_work_sync() and disable_work_sync() of a BH work
	 * item (6.10+), and tasklet_disable_in_atomic(), which spin until a
	 * running callback returned.  enable works anywhere.
	 */
	void (*cancel_nowait)(struct bhb_item *it);
	void (*disable_nowait)(struct bhb_item *it);
	void (*cancel_spin)(struct bhb_item *it);
	void (*disable_spin)(struct bhb_item *it);
};

/* Per-CPU state of a run: the CPU as producer and as executor. */
struct bhb_pcpu {
	struct bhb_run *run;
	int cpu;
	bool producing;
	void *touch;			/* executor: memory the callbacks write */
	u8 *pages;			/* BHB_WORK_HASH, _PAYLOAD: a page per item slot */
	raw_spinlock_t ho_lock;		/* BHB_WORK_HANDOFF: producer and callbacks, irqs off */

	/* producer side */
	struct bhb_item *items;
	u32 next_slot;
	u64 seq;
	u64 rng;			/* BHB_RUN_POISSON state */
	struct hrtimer timer;
	bool timer_ready;
	struct task_struct *thread;
	struct hrtimer noise_timer;	/* competing softirq load */
	struct tasklet_struct noise;
	struct work_struct noise_work;	/* ... as a BH work item */
	struct task_struct *noise_thread;	/* ... as a BH-disabled section */
	bool noise_ready;
	struct task_struct *bh_window;	/* producer inside local_bh_enable() */
	u64 next_due;			/* timer producers: the next tick's intended time */
	u32 catchup;			/* ticks run back to back in this interrupt */

	/* irqwork producer: ticks the timer handed to the irq_work */
	struct irq_work iw;
	u64 iw_due[BHB_IW_RING];
	u32 iw_head, iw_tail;
	u32 iw_ticks;			/* ticks handed over */
	bool iw_last;			/* the timer handed over its last tick */
	bool iw_done;			/* bhb_producer_done() called */

	/*
	 * Producer exit stamps.  Every invocation of the producer's handler
	 * (a timer callback, the irq_work, one loop of the kthread) is an
	 * event, numbered from 1; items record it.  When invocation N
	 * returns, its time goes to slot N % BHB_EXIT_RING, tagged with N
	 * (0 while being written), and exit_seq becomes N (release).
	 */
	u64 ev;
	u64 exit_seq;
	struct {
		u64 tag;
		u64 ns;
	} exit[BHB_EXIT_RING];

	/*
	 * Written by whichever CPU runs the callback: a cache line of their
	 * own, so that callbacks on another CPU (wq_unbound, remote) do not
	 * bounce the producer's lines.
	 */
	struct {
		atomic64_t max_done_seq;	/* highest sequence executed so far */
		atomic64_t executed_own;	/* callbacks that returned */
	} ____cacheline_aligned_in_smp exec;

	/* written with interrupts off on this CPU (executor) or by the producer */
	struct bhb_cpu_stats stats;
	u64 hist_lat[BHB_HIST_NBUCKETS];
	u64 hist_q2e[BHB_HIST_NBUCKETS];
	u64 hist_tail[BHB_HIST_NBUCKETS];
	u64 hist_x2e[BHB_HIST_NBUCKETS];
	u64 hist_first[BHB_HIST_NBUCKETS];
	u64 hist_svc[BHB_HIST_NBUCKETS];
};

struct bhb_run {
	struct bhb_run_req req;
	const struct bhb_mech *mech;
	u64 (*payload)(const u8 *buf, u32 len, u64 seq);	/* BHB_WORK_PAYLOAD, held */
	/*
	 * BHB_WORK_HANDOFF: the buffers' own cache, never merged, destroyed
	 * with the run: a buffer not freed makes the slab allocator complain
	 * (a kernel splat the harness fails the run on)
	 */
	struct kmem_cache *ho_cache;
	atomic_t ho_leak;		/* inject_leak's count */
	struct bhb_pcpu *pcpu[BHB_MAX_CPUS];
	atomic_t producers_left;
	struct completion producers_done;
	u64 start_ns;
	u64 end_ns;
	u64 lost;
	bool stop;
	atomic_t phase;			/* hotplug runs: enum bhb_hp_phase */
	DECLARE_BITMAP(went_offline, BHB_MAX_CPUS);	/* producing CPUs taken offline */
};

extern const struct bhb_mech *const bhb_mechs[BHB_NR_MECHS];
const struct bhb_mech *bhb_mech_get(u32 id);
extern bool bhb_inject_warn;
extern unsigned long bhb_inject_delay_ns;
extern unsigned int bhb_inject_delay_mech;
extern unsigned long bhb_inject_spin;
extern unsigned int bhb_inject_leak;

/* Test-only: a fixed delay before the callback of one chosen mechanism. */
static inline u64 bhb_inject_delay(u32 mech)
{
	return mech == bhb_inject_delay_mech ? bhb_inject_delay_ns : 0;
}

/*
 * Test-only: a fixed number of empty loop iterations, likewise; at most
 * 10^7 (tens of ms even emulated), so a typo cannot lock up a softirq.
 */
static inline unsigned long bhb_inject_loops(u32 mech)
{
	return mech == bhb_inject_delay_mech ? min(bhb_inject_spin, 10000000UL) : 0;
}

void bhb_item_exec(struct bhb_item *it);
int bhb_mechs_setup(void);
void bhb_mechs_teardown(void);
u64 bhb_mech_available_mask(void);

int bhb_run_validate(const struct bhb_run_req *req);
struct bhb_run *bhb_run_alloc(const struct bhb_run_req *req);
int bhb_run_execute(struct bhb_run *run);
void bhb_run_free(struct bhb_run *run);
void bhb_record(struct bhb_pcpu *pc, u64 lat, u64 q2e, unsigned int ctx);
void bhb_arrive(struct bhb_pcpu *pc, u64 intended, u32 pos);
int bhb_overhead(u32 loops, u64 *warm_ns, u64 *cold_ns);
u64 bhb_run_pending(struct bhb_run *run);
void bhb_run_reclaim(struct bhb_run *run);
int bhb_kthread_park_until_stopped(void);
void bhb_run_cpu_down(unsigned int cpu);

int bhb_hp_init(void);
void bhb_hp_exit(void);
bool bhb_hp_busy(void);
long bhb_hp_arm_ioctl(void __user *uarg);
long bhb_hp_collect_ioctl(void __user *uarg);
long bhb_hp_disarm_ioctl(void);
long bhb_ctrl_ioctl(void __user *uarg);

#endif /* _BHB_H */
