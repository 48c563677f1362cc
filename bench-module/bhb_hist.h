/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Log-linear latency histogram, shared by bhbench.ko and the harness.
 *
 * Values below 2^SUB_BITS ns have a bucket each.  Above, every power of two
 * [2^e, 2^(e+1)) is split into 2^SUB_BITS equal buckets, so a bucket's width
 * is at most 1/2^SUB_BITS of its lower bound (1.6% for SUB_BITS = 6).
 * Values of 2^MAX_EXP ns (68.7 s) and more land in the overflow bucket.
 *
 * Pure integer arithmetic: no libc dependency; the last set bit is the
 * kernel's fls64() in the module and the compiler's builtin in the harness.
 */
#ifndef _BHB_HIST_H
#define _BHB_HIST_H

#define BHB_HIST_SUB_BITS	6
#define BHB_HIST_SUB		64u	/* 2^BHB_HIST_SUB_BITS */
#define BHB_HIST_MAX_EXP	36
#define BHB_HIST_OVERFLOW	((BHB_HIST_MAX_EXP - BHB_HIST_SUB_BITS + 1) * BHB_HIST_SUB)
#define BHB_HIST_NBUCKETS	(BHB_HIST_OVERFLOW + 1)

#ifdef __KERNEL__
#include <linux/bitops.h>
#define bhb_fls64(v)	fls64(v)
#else
/* the kernel's fls64() for the harness: the last set bit, from 1; 0 for 0 */
static inline unsigned int bhb_fls64(unsigned long long v)
{
	return v ? 64 - (unsigned int)__builtin_clzll(v) : 0;
}
#endif

static inline unsigned int bhb_hist_index(unsigned long long v)
{
	unsigned int e;

	if (v < BHB_HIST_SUB)
		return (unsigned int)v;
	e = bhb_fls64(v) - 1;
	if (e >= BHB_HIST_MAX_EXP)
		return BHB_HIST_OVERFLOW;
	return (e - BHB_HIST_SUB_BITS + 1) * BHB_HIST_SUB +
	       (unsigned int)((v >> (e - BHB_HIST_SUB_BITS)) - BHB_HIST_SUB);
}

/* Smallest value that lands in bucket idx (idx < BHB_HIST_OVERFLOW). */
static inline unsigned long long bhb_hist_lower(unsigned int idx)
{
	unsigned int group = idx / BHB_HIST_SUB, off = idx % BHB_HIST_SUB;

	if (group == 0)
		return idx;
	return (unsigned long long)(BHB_HIST_SUB + off) << (group - 1);
}

/* Number of values that land in bucket idx (idx < BHB_HIST_OVERFLOW). */
static inline unsigned long long bhb_hist_width(unsigned int idx)
{
	unsigned int group = idx / BHB_HIST_SUB;

	return group == 0 ? 1 : 1ull << (group - 1);
}

#endif /* _BHB_HIST_H */
