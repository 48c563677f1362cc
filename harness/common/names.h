/* SPDX-License-Identifier: GPL-2.0 */
/* Names of mechanisms, producers and contexts, from the ABI's X-macros. */
#ifndef BHB_NAMES_H
#define BHB_NAMES_H

#include <stddef.h>
#include <stdint.h>

#include "../../bench-module/bhbench_uapi.h"

extern const char *const bhb_mech_names[BHB_NR_MECHS];
extern const char *const bhb_producer_names[BHB_NR_PRODUCERS];
extern const char *const bhb_ctx_names[BHB_NR_CTX];

/*
 * The control scenario's operations: the timed ones (cancel .. disable_enable,
 * a frame's "op") and the checks (coalesce .. after_callback, a frame's "kind")
 */
extern const char *const bhb_ctrl_op_names[BHB_NR_CTRL_OPS];

/*
 * A case's work = (what each callback does): busy and touch are the
 * module's BHB_WORK_BUSY (touch: with touch_kb of scratch memory written),
 * hash, handoff and payload its BHB_WORK_HASH, _HANDOFF and _PAYLOAD (the
 * function of a payload module: bhbench run --payload DIR)
 */
enum {
	BHB_CASE_WORK_BUSY, BHB_CASE_WORK_TOUCH, BHB_CASE_WORK_HASH, BHB_CASE_WORK_HANDOFF, BHB_CASE_WORK_PAYLOAD,
	BHB_NR_CASE_WORKS
};
extern const char *const bhb_work_names[BHB_NR_CASE_WORKS];
/* a case's competitor = (the competing load softirq_load_us describes): enum bhb_competitor */
extern const char *const bhb_competitor_names[BHB_NR_COMPETITORS];

/* a case's victim = (a task on the producing CPU that pays for the load: agent/victim.c) */
enum { BHB_VICTIM_NONE, BHB_VICTIM_CPU, BHB_VICTIM_RT, BHB_NR_VICTIMS };
extern const char *const bhb_victim_names[BHB_NR_VICTIMS];

/* the module's enum bhb_work for a case's work */
static inline uint32_t bhb_case_work_module(uint32_t w)
{
	return w == BHB_CASE_WORK_HASH ? BHB_WORK_HASH : w == BHB_CASE_WORK_HANDOFF ? BHB_WORK_HANDOFF :
	       w == BHB_CASE_WORK_PAYLOAD ? BHB_WORK_PAYLOAD : BHB_WORK_BUSY;
}
#define BHB_NR_CTRL_TIMED	(BHB_CTRL_DISABLE + 1)
#define BHB_NR_CTRL_CHECKS	(BHB_NR_CTRL_OPS - BHB_CTRL_COALESCE)

/* index of name in table, or -1 */
int bhb_name_lookup(const char *const *table, int n, const char *name);
/*
 * A list of names ("tasklet, bh" or "all"; commas and blanks separate) to a
 * bit mask of their indexes in table.  0, or -1 with the first unknown name
 * in bad.
 */
int bhb_name_mask(const char *const *table, int n, const char *list, uint64_t *mask, char *bad,
		  size_t badlen);

/*
 * A work item on a per-CPU pool (BH or threaded, not unbound): its
 * __queue_work() emits queue_work and activate_work a few instructions
 * apart, which the trace cross-check uses to measure one event's cost.
 */
static inline int bhb_mech_percpu_work(int m)
{
	return m == BHB_MECH_BH || m == BHB_MECH_BH_HIGHPRI || m == BHB_MECH_BH_CUSTOM ||
	       m == BHB_MECH_WQ_PERCPU || m == BHB_MECH_WQ_HIGHPRI;
}

#endif
