/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Your own callback: the interface between bhbench.ko and a payload module
 * (the template is bench-module/payload/; `bhbench run --payload DIR`
 * builds DIR with this header beside its files and loads it after
 * bhbench.ko).
 *
 * For each item of a case with work = payload, the producer fills the
 * item's page (BHB_HASH_BYTES bytes, byte i = BHB_HASH_BYTE(i, seq, cpu) of
 * bhbench_uapi.h) just before the queue call, and the item's callback
 * calls bhb_payload() on it, under whichever mechanism the run measures:
 * in softirq context (tasklets, BH workqueues), in a kworker (threaded
 * workqueues) or in the producer's own context (direct).  It must not
 * sleep.  Its duration is the callback's service time; what it returns
 * for the first item each CPU runs is reported (results.json:
 * "payload".checks, with the producing CPU and sequence), so that a test
 * can recompute it.
 *
 * bhbench.ko finds the function by name (symbol_get()) when a run starts
 * and holds the payload module until the run is freed: export it with
 * EXPORT_SYMBOL_GPL().
 */
#ifndef BHB_PAYLOAD_H
#define BHB_PAYLOAD_H

#include <linux/types.h>

u64 bhb_payload(const u8 *buf, u32 len, u64 seq);

#endif
