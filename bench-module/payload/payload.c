// SPDX-License-Identifier: GPL-2.0
/*
 * The payload template: bhbench calls bhb_payload() as the body of every
 * item of a case with work = payload, under each mechanism it measures.
 * This example is the CRC-32 (IEEE 802.3, as zlib's crc32()) of the page
 * the producer filled; replace the body with your driver's bottom half.
 *
 * The rules (bhb_payload.h): no sleeping (it runs in softirq context under
 * tasklets and BH workqueues); buf is the item's page, len bytes, filled
 * by the producing CPU just before the item was queued; seq is the item's
 * sequence number on that CPU.  What it returns for the first item each
 * CPU runs is reported, so a test can recompute it.
 */
#include <linux/crc32.h>
#include <linux/module.h>

#include "bhb_payload.h"

u64 bhb_payload(const u8 *buf, u32 len, u64 seq)
{
	return crc32_le(~0u, buf, len) ^ ~0u;
}
EXPORT_SYMBOL_GPL(bhb_payload);

MODULE_DESCRIPTION("bhbench payload example: CRC-32 of the item's page");
MODULE_LICENSE("GPL");
