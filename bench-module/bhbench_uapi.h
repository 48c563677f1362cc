/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * bhbench control ABI: shared by bhbench.ko and the user-space harness.
 *
 * Every request starts with abi_version; the module refuses any other
 * version with -EPROTO.  All fields are fixed width; structures have no
 * implicit padding.
 */
#ifndef _UAPI_BHBENCH_H
#define _UAPI_BHBENCH_H

#include <linux/types.h>
#include <linux/ioctl.h>

#include "bhb_hist.h"

#define BHB_ABI_VERSION		8
#define BHB_DEVICE_NAME		"bhbench"
#define BHB_MAX_CPUS		64
#define BHB_NAME_LEN		16

/* Mechanisms, in reporting order (names: harness/common/names.c). */
enum bhb_mech_id {
	BHB_MECH_DIRECT,	/* the callback called in the producer's context */
	BHB_MECH_TASKLET,
	BHB_MECH_TASKLET_HI,
	BHB_MECH_BH,		/* system_bh_wq */
	BHB_MECH_BH_HIGHPRI,	/* system_bh_highpri_wq */
	BHB_MECH_BH_CUSTOM,	/* own alloc_workqueue(WQ_BH) */
	BHB_MECH_WQ_PERCPU,	/* system_wq / system_percpu_wq */
	BHB_MECH_WQ_HIGHPRI,	/* system_highpri_wq */
	BHB_MECH_WQ_UNBOUND,	/* system_unbound_wq / system_dfl_wq */
	BHB_NR_MECHS
};

/* Producer contexts. */
enum bhb_producer_id {
	BHB_PROD_HARDIRQ,	/* per-CPU pinned hard hrtimer */
	BHB_PROD_PROCESS,	/* per-CPU kthread, BH enabled */
	BHB_PROD_PROCESS_BH,	/* per-CPU kthread inside local_bh_disable() */
	BHB_PROD_SOFTIRQ,	/* per-CPU pinned soft hrtimer (timer softirq) */
	BHB_PROD_REMOTE,	/* hard hrtimer queueing onto remote_cpu */
	/*
	 * A device interrupt and nothing else: a hard hrtimer raises an
	 * irq_work on its CPU, and the queue calls run in the irq_work
	 * interrupt, whose exit has no timer reprogramming
	 */
	BHB_PROD_IRQWORK,
	BHB_NR_PRODUCERS
};

/* The context a callback ran in. */
enum bhb_ctx_id {
	BHB_CTX_HARDIRQ,
	BHB_CTX_SOFTIRQ_IRQ_EXIT,	/* softirq over the idle task: an interrupt's exit */
	BHB_CTX_SOFTIRQ_BH_ENABLE,	/* softirq run by the producer's local_bh_enable() */
	BHB_CTX_KSOFTIRQD,
	BHB_CTX_KWORKER,
	BHB_CTX_PROCESS,
	/*
	 * softirq over another running task: an interrupt's exit or that
	 * task's own local_bh_enable() (the kernel does not tell them apart)
	 */
	BHB_CTX_SOFTIRQ_TASK,
	BHB_CTX_SOFTIRQ_KTIMERS,	/* in ktimers/N (PREEMPT_RT: the timer softirq thread) */
	BHB_CTX_SOFTIRQ_IRQ_THREAD,	/* in a threaded handler's local_bh_enable() */
	BHB_NR_CTX
};

/* BHB_IOC_INFO */
struct bhb_info {
	__u32 abi_version;		/* in: BHB_ABI_VERSION; out: module's */
	__u32 nr_cpu_ids;
	__u32 nr_online;
	__u32 hist_buckets;		/* BHB_HIST_NBUCKETS */
	__u32 hist_sub_bits;		/* BHB_HIST_SUB_BITS */
	__u32 nr_mechs;			/* BHB_NR_MECHS */
	__u64 online_mask;		/* CPUs < BHB_MAX_CPUS that are online */
	__u64 mech_available;		/* bit per enum bhb_mech_id */
};

/* Limits checked by BHB_IOC_RUN. */
#define BHB_MAX_CATCHUP		64u		/* late ticks run in one interrupt */
#define BHB_MAX_ITEMS		10000000u	/* arrivals per CPU */
#define BHB_MAX_INFLIGHT	4096u		/* item slots per CPU */
#define BHB_MIN_PERIOD_NS	1000ull
#define BHB_MAX_PERIOD_NS	1000000000ull
#define BHB_MAX_COST_NS		10000000ull	/* 10 ms */
#define BHB_MAX_DRAIN_MS	60000u
#define BHB_MAX_BACKLOG_NS	1000000000ull	/* inflight x cost_ns; hotplug: count x cost_ns */
#define BHB_MAX_TOUCH_BYTES	1048576u	/* memory each callback writes */
#define BHB_MAX_BACKLOG_TOUCH	67108864ull	/* inflight x touch_bytes */
/* direct from a timer producer: one tick's callbacks run in the timer itself */
#define BHB_MAX_DIRECT_TICK_NS	1000000ull	/* burst x cost_ns, and < period / 2 */
#define BHB_MAX_DIRECT_TICK_TOUCH	1048576ull	/* burst x touch_bytes */
#define BHB_MAX_HASH_INFLIGHT	1024u		/* BHB_WORK_HASH: a 4 KiB page per slot */
#define BHB_MIN_NOISE_PERIOD_NS	10000ull
#define BHB_MAX_NOISE_COST_NS	1000000u

/* bhb_run_req.flags */
#define BHB_RUN_POISSON		0x1u	/* exponential gaps of mean period_ns, not periodic */
/*
 * Every producing CPU's first tick at the same time (and so, periodic, every
 * tick).  Without it CPU i of n starts i * period / n later.
 */
#define BHB_RUN_ALIGNED		0x2u
#define BHB_RUN_FLAGS		(BHB_RUN_POISSON | BHB_RUN_ALIGNED)

/* BHB_IOC_RUN: blocks until every arrival ran or the drain bound passed. */
struct bhb_run_req {
	__u32 abi_version;
	__u32 mech;			/* enum bhb_mech_id */
	__u32 producer;			/* enum bhb_producer_id */
	__u32 flags;			/* BHB_RUN_* */
	__u64 cpu_mask;			/* producing CPUs */
	__u32 nr_items;			/* arrivals per producing CPU */
	__u32 inflight;			/* item slots per producing CPU (>= burst) */
	__u64 period_ns;		/* (mean) gap between two ticks per CPU */
	__u64 cost_ns;			/* busy time in each callback */
	__u32 drain_ms;			/* bound on waiting after the last arrival */
	__u32 burst;			/* arrivals per tick, all due at once (0 = 1) */
	__u64 seed;			/* BHB_RUN_POISSON: random sequence */
	__u32 touch_bytes;		/* memory each callback writes, after cost_ns */
	__u32 remote_cpu;		/* BHB_PROD_REMOTE: where items are queued */
	/*
	 * A competing softirq load on every producing CPU while the run
	 * lasts: a hard hrtimer every noise_period_ns schedules a tasklet that
	 * is busy for noise_cost_ns (< period).  0: none.
	 */
	__u64 noise_period_ns;
	__u32 noise_cost_ns;
	__u32 work;			/* enum bhb_work: what each callback does */
	__u32 competitor;		/* enum bhb_competitor: what the competing load is */
	__u32 reserved;			/* must be 0 */
};

/*
 * The competing load of noise_period_ns / noise_cost_ns, on every producing CPU:
 *   TASKLET     another driver's tasklet, scheduled by a hard hrtimer
 *   BH          another driver's BH work item (system_bh_wq, 6.9+), queued
 *               by a hard hrtimer
 *   BH_SECTION  a kthread bound to the CPU that holds local_bh_disable()
 *               for the cost every period (a spin_lock_bh() section)
 */
enum bhb_competitor { BHB_COMP_TASKLET, BHB_COMP_BH, BHB_COMP_BH_SECTION, BHB_NR_COMPETITORS };

/*
 * What a callback does, besides cost_ns of busy time and writing
 * touch_bytes of its CPU's scratch memory (both also for HASH and HANDOFF):
 *   BUSY     nothing more
 *   HASH     SHA-256 of the item's 4 KiB page, which the producer filled
 *            just before the queue call: byte i = BHB_HASH_BYTE(i, seq, cpu)
 *            (cpu: the producing CPU; seq: the item's sequence there)
 *   HANDOFF  the producer kmalloc()s BHB_HANDOFF_BYTES and fills them
 *            under a spinlock of its CPU taken with interrupts off; the
 *            callback takes the same lock, reads the buffer whole, checks
 *            it and kfree()s it (on whichever CPU it runs)
 *   PAYLOAD  the page as for HASH, given to bhb_payload() of the payload
 *            module (bhb_payload.h, bench-module/payload/), which must be
 *            loaded: the run holds a reference to it (-ENOENT without)
 */
enum bhb_work { BHB_WORK_BUSY, BHB_WORK_HASH, BHB_WORK_HANDOFF, BHB_WORK_PAYLOAD, BHB_NR_WORKS };
#define BHB_HASH_BYTES		4096u
#define BHB_HASH_BYTE(i, seq, cpu)	((__u8)((i) * 131u + (seq) * 7u + (cpu)))
#define BHB_HANDOFF_BYTES	1536u

/*
 * Per-CPU statistics of the last run.  "Producer" counters belong to the
 * CPU that generated the arrival, "executor" counters and the histograms to
 * the CPU the callback ran on.
 */
struct bhb_cpu_stats {
	/* producer */
	__u64 arrivals;		/* arrivals generated (open loop) */
	__u64 queued;		/* queue calls that queued the item */
	__u64 coalesced;	/* arrival found its item still pending */
	__u64 refused;		/* queue call returned false on an idle item */
	__u64 executed_own;	/* of queued here, executed (anywhere) */
	/* executor */
	__u64 executed;		/* callbacks run on this CPU */
	__u64 other_cpu;	/* ... for an item queued on another CPU */
	__u64 out_of_order;	/* ... whose sequence was below one already run */
	__u64 ctx[BHB_NR_CTX];	/* ... by context (enum bhb_ctx_id) */
	__u64 ctx_lat_sum_ns[BHB_NR_CTX];	/* ... their latencies, by context */
	__u64 exec_end_ns;	/* when the last callback here returned (ktime) */
	__u64 noise_runs;	/* competing softirq load: its tasklet ran */
	__u64 lat_sum_ns;	/* sum of latencies from the intended arrival */
	__u64 lat_min_ns;
	__u64 lat_max_ns;
	__u64 q2e_max_ns;	/* largest queue-call-to-callback latency */
	__u64 q2e_sum_ns;	/* sum of queue-call-to-callback latencies */
	/* producer, timer producers */
	__u64 late_ticks;	/* ticks that ran when the next one was already due */
	__u64 catchup_cuts;	/* times a late producer left its backlog for a later interrupt */
	__u64 first_due_ns;	/* the first tick's intended time (ktime; staggered by CPU) */
	/*
	 * executor: the producer's own tail (queue call -> its handler
	 * returned) and producer exit -> callback, for the callbacks whose
	 * producer had returned when they started
	 */
	__u64 tail_sum_ns;
	__u64 x2e_sum_ns;
	__u64 x2e_n;		/* callbacks with a tail and an exit -> callback */
	__u64 before_exit;	/* callbacks that started before their producer returned */
	__u64 exit_unknown;	/* ... whose producer's exit stamp was overwritten */
	/*
	 * executor: q->cb by the item's position x in its tick (0 = first of
	 * a burst), for a line fit q->cb = a + b x: n, sums of x, x^2, y, x y
	 * (y = q->cb in units of 16 ns)
	 */
	__u64 pos_n, pos_sx, pos_sxx, pos_sy, pos_sxy;
	/* executor: the callback's own duration, entry to its work's end */
	__u64 svc_sum_ns;
	/*
	 * HANDOFF: buffers the producer allocated here (or failed to), and
	 * buffers freed here (by a callback, or by the producer when the
	 * queue call refused the item, or by the run's end for an item that
	 * never ran); bad: a callback read other bytes than were written
	 */
	__u64 handoff_alloc, handoff_alloc_failed, handoff_freed, handoff_bad;
	/*
	 * HASH: the digest of the first item this CPU ran, with its producing
	 * CPU and sequence (a check the host recomputes); hashed: items hashed.
	 * PAYLOAD likewise: what bhb_payload() returned, little-endian in the
	 * digest's first 8 bytes (the rest 0); hashed: its calls
	 */
	__u64 hashed;
	__u32 hash_cpu, hash_pad;
	__u64 hash_seq;
	__u8 hash_digest[32];
};

struct bhb_cpu_result {
	__u32 cpu;
	__u32 online;
	struct bhb_cpu_stats stats;
	__u64 hist_lat[BHB_HIST_NBUCKETS];	/* intended arrival -> callback */
	__u64 hist_q2e[BHB_HIST_NBUCKETS];	/* queue call -> callback */
	__u64 hist_tail[BHB_HIST_NBUCKETS];	/* queue call -> producer returned */
	__u64 hist_x2e[BHB_HIST_NBUCKETS];	/* producer returned -> callback */
	__u64 hist_first[BHB_HIST_NBUCKETS];	/* q->cb of the first item of each tick */
	__u64 hist_svc[BHB_HIST_NBUCKETS];	/* callback entry -> its work done */
};

/* BHB_IOC_RESULT: copy out the last run's per-CPU results. */
struct bhb_result_req {
	__u32 abi_version;
	__u32 nr_cpus;		/* in: capacity of buf; out: entries written */
	__u64 buf;		/* user pointer to struct bhb_cpu_result[] */
	__u64 lost;		/* out: queued but not executed within drain_ms */
	__u64 duration_ns;	/* out: first arrival to last drain check */
	__u64 start_ns;		/* out: first arrival due (ktime) */
};

/*
 * BHB_IOC_OVERHEAD: what the measurement itself costs per item, on its real
 * path: an arrival queued through the direct mechanism on the calling CPU
 * (the producer's stamps and counters, the callback's stamps, context,
 * histograms and counters), with interrupts off BHB_OH_CHUNK items at a
 * time.  Warm: one item reused; cold: up to BHB_MAX_INFLIGHT items in turn.
 */
#define BHB_OH_CHUNK		64u
struct bhb_overhead_req {
	__u32 abi_version;
	__u32 loops;		/* in: 1..100000 */
	__u64 total_ns;		/* out: loops items, warm */
	__u64 clock_ns;		/* out: loops x ktime_get_ns() alone */
	__u64 cold_ns;		/* out: loops items, cold */
};

/*
 * CPU hotplug drain.  HP_ARM prepares count items for one mechanism and
 * one CPU; how they get queued depends on the mode:
 *   TEARDOWN  from the CPU itself, in its CPUHP_AP_ONLINE_DYN teardown
 *             callback, while it goes down (the last moment a driver's own
 *             offline callback could queue work there)
 *   DEAD      onto the dead CPU's queue from the control CPU, after the CPU
 *             died and before the kernel's own softirq drain (BH and per-CPU
 *             workqueues only: a tasklet cannot be queued on another CPU)
 *   OFFLINE   onto the CPU right away, which must already be offline
 *   RACE      onto the CPU from a kthread on another CPU, started when the
 *             CPU's teardown begins, so the queueing races with its death
 * The module counts, after the CPU died and before the kernel moves or
 * drains anything (CPUHP_BP_PREPARE_DYN teardown runs before
 * CPUHP_SOFTIRQ_DEAD), how many had not started: the proven pending count.
 */
enum bhb_hp_mode {
	BHB_HP_TEARDOWN,
	BHB_HP_DEAD,
	BHB_HP_OFFLINE,
	BHB_HP_RACE,
	BHB_NR_HP_MODES
};

#define BHB_MAX_HP_ITEMS	100000u

struct bhb_hp_arm {
	__u32 abi_version;
	__u32 mech;
	__u32 cpu;
	__u32 count;		/* 1..BHB_MAX_HP_ITEMS */
	__u64 cost_ns;		/* busy time in each callback */
	__u32 mode;		/* enum bhb_hp_mode */
	__u32 reserved;		/* must be 0 */
};

/* The phase an item's callback started in. */
enum bhb_hp_phase {
	BHB_HP_ALIVE,		/* before the CPU was dead */
	BHB_HP_DEAD_PHASE,	/* after it died, before it came back */
	BHB_HP_ONLINE,		/* after its bring-up began */
	BHB_NR_HP_PHASES
};

struct bhb_hp_result {
	__u32 abi_version;
	__u32 wait_ms;		/* in: wait at most this long for stragglers */
	__u32 cpu, mech, mode, count;
	__u64 queued;		/* queue calls that queued */
	__u64 refused;		/* queue calls that returned false */
	__u64 executed;
	__u64 pending_at_dead;	/* not started when the CPU was dead (proven) */
	__u64 by_phase[BHB_NR_HP_PHASES];
	__u64 on_cpu;		/* ran on the CPU that went offline */
	__u64 on_other;		/* ran elsewhere */
	__u64 per_cpu[BHB_MAX_CPUS];
	__u64 t_queue_ns;	/* first queue call */
	__u64 t_teardown_ns;	/* the CPU's CPUHP_AP_ONLINE_DYN teardown began */
	__u64 t_dead_ns;	/* dead callback on the control CPU */
	__u64 t_online_ns;	/* bring-up of the CPU began (0: not yet) */
	__u64 t_first_exec_ns;
	__u64 t_last_exec_ns;
	__u32 dead_cpu;		/* CPU the dead callback ran on */
	__u32 saw_dead;		/* the CPU went through the dead callback */
	__u64 queued_after_dead;	/* RACE: queue calls begun after the death */
	/*
	 * RACE: queue calls begun before the death and not returned at it,
	 * counted neither pending nor after the death
	 */
	__u64 in_call_at_dead;
};

/*
 * Control operations (BHB_IOC_CTRL): one op, iters times, on one item of
 * one mechanism (not BHB_MECH_DIRECT), each op mapped to the mechanism's
 * own API.  Timing ops (CANCEL, FLUSH, DISABLE) run on an idle item, or
 * with BHB_CTRL_BUSY on an item whose callback is running: queued on
 * another CPU, the op is called once the callback has started, and the
 * callback spins until cost_ns after the op began.  For them ok counts,
 * idle, the iterations in which no callback ran and, busy, those in which
 * the callback still ran when the op began and had finished when the op
 * returned (the op waited).  Every item is idle again when the ioctl returns.
 *   CANCEL      cancel_work_sync() / tasklet_kill()
 *   FLUSH       flush_work(); tasklets have none (-EOPNOTSUPP)
 *   DISABLE     disable_work_sync() + enable_work() (6.10+, else
 *               -EOPNOTSUPP) / tasklet_disable() + tasklet_enable()
 *   COALESCE    queue an idle item twice with BH disabled: ok counts the
 *               iterations whose callback ran once per successful queue
 *   SELF_FREE   work only: iters kmalloc()ed items whose callback poisons
 *               and kfree()s its own item; ok counts intact items at entry
 *   AFTER_CB    does the core write the item after its callback returned?
 *               work: iters items poisoned whole by their callback and kept,
 *               checked after an RCU grace period; tasklet: the RUN bit, set
 *               at the callback's last write, cleared afterwards
 *               (core_writes counts the items written)
 */
enum bhb_ctrl_op {
	BHB_CTRL_CANCEL,
	BHB_CTRL_FLUSH,
	BHB_CTRL_DISABLE,
	BHB_CTRL_COALESCE,
	BHB_CTRL_SELF_FREE,
	BHB_CTRL_AFTER_CB,
	BHB_NR_CTRL_OPS
};

/*
 * bhb_ctrl_req.flags.  FROM_HARDIRQ and FROM_SOFTIRQ (one of them, CANCEL
 * and DISABLE only): the op is called from a hard irq_work or from a
 * tasklet on the calling CPU, with the API the mechanism has in that
 * context (-EOPNOTSUPP where it has none).  Any context: cancel_work() and
 * disable_work() (6.10+) of a work item, which do not wait for a running
 * callback.  Softirq, not hardirq: cancel_work_sync() and
 * disable_work_sync() of a BH work item (6.10+) and
 * tasklet_disable_in_atomic(), which spin until a running callback
 * returned (waits = 1); they are used there instead.  The item is enabled
 * again from the ioctl.  ok counts, idle, the iterations in which no
 * callback ran (DISABLE: nor when the item was queued while disabled, and
 * it ran once after being enabled) and, busy, those in which the callback
 * still ran when the op began (and, when the API waits, had finished when
 * it returned); wrong_ctx, ops that found themselves outside the context
 * asked for.
 */
#define BHB_CTRL_BUSY		0x1u	/* timing ops: the callback runs when the op is called */
#define BHB_CTRL_FROM_HARDIRQ	0x2u
#define BHB_CTRL_FROM_SOFTIRQ	0x4u
#define BHB_CTRL_ATOMIC		(BHB_CTRL_FROM_HARDIRQ | BHB_CTRL_FROM_SOFTIRQ)
#define BHB_CTRL_FLAGS		(BHB_CTRL_BUSY | BHB_CTRL_ATOMIC)

/* Limits checked by BHB_IOC_CTRL (-EINVAL beyond them). */
#define BHB_CTRL_MAX_ITERS	10000u
#define BHB_CTRL_MAX_COST_NS	10000000ull	/* 10 ms: a busy callback */
#define BHB_CTRL_MAX_BUSY_NS	1000000000ull	/* iters x cost_ns */

/* One timing op. */
struct bhb_ctrl_sample {
	__u64 op_ns;		/* the op's duration */
	__s64 remaining_ns;	/* BUSY: callback end - op start (> 0: it had to wait) */
};

struct bhb_ctrl_req {
	__u32 abi_version;
	__u32 mech;		/* enum bhb_mech_id, not BHB_MECH_DIRECT */
	__u32 op;		/* enum bhb_ctrl_op */
	__u32 flags;		/* BHB_CTRL_*; BUSY with timing ops only */
	__u32 iters;		/* 1..BHB_CTRL_MAX_ITERS */
	__u32 reserved;		/* must be 0 */
	__u64 cost_ns;		/* BUSY: 1..BHB_CTRL_MAX_COST_NS; else 0 */
	__u64 samples;		/* timing ops: user pointer to bhb_ctrl_sample[iters], or 0 */
	/* out */
	__u64 ok;		/* iterations that passed the op's check (see above) */
	__u64 queued;		/* queue calls that queued */
	__u64 merged;		/* COALESCE: second queue calls that found it pending */
	__u64 executed;		/* callbacks run */
	__u64 core_writes;	/* AFTER_CB: items the core wrote after the callback */
	__u64 op_ns_sum;	/* timing ops: sum and largest of the op durations */
	__u64 op_ns_max;
	__u32 cpu;		/* the CPU the ops were called on */
	__u32 target_cpu;	/* BUSY: the CPU the callback ran on */
	__u64 wrong_ctx;	/* FROM_*: ops not in the context asked for */
	__u32 waits;		/* FROM_*: the API waits for a running callback */
	__u32 pad;
};

#define BHB_IOC_MAGIC		0xB4
#define BHB_IOC_INFO		_IOWR(BHB_IOC_MAGIC, 1, struct bhb_info)
#define BHB_IOC_RUN		_IOW(BHB_IOC_MAGIC, 2, struct bhb_run_req)
#define BHB_IOC_RESULT		_IOWR(BHB_IOC_MAGIC, 3, struct bhb_result_req)
#define BHB_IOC_OVERHEAD	_IOWR(BHB_IOC_MAGIC, 4, struct bhb_overhead_req)
#define BHB_IOC_HP_ARM		_IOW(BHB_IOC_MAGIC, 5, struct bhb_hp_arm)
#define BHB_IOC_HP_COLLECT	_IOWR(BHB_IOC_MAGIC, 6, struct bhb_hp_result)
#define BHB_IOC_HP_DISARM	_IO(BHB_IOC_MAGIC, 7)
#define BHB_IOC_CTRL		_IOWR(BHB_IOC_MAGIC, 8, struct bhb_ctrl_req)

#endif /* _UAPI_BHBENCH_H */
