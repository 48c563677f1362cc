/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The real-subsystem kinds on the host (dm-verity, usb-storage): what
 * they share is host/fio.c; each kind is a descriptor and a summary.
 */
#ifndef BHB_RS_H
#define BHB_RS_H

#include "kind.h"

struct bhb_rs_desc {
	const char *kind;		/* in messages: "dm-verity" */
	const char *key;		/* its part of results.json: "dmverity" */
	const char *setup, *check;	/* its frame types (check: NULL if none); every other one is a run */
	const char *const *modes;	/* the modes it groups by; ratios are to modes[0] */
	int nmodes;
	int exact_reads;		/* fio's reads = the device's (bio-based); else at most them */
	int per_block;			/* the kprobe fires per 4 KiB block read (else per read) */
};

void *bhb_rs_begin(void);
void bhb_rs_take(const struct bhb_rs_desc *k, void *st, const struct bhb_frame *f, json_t *j);
void bhb_rs_finish(const struct bhb_rs_desc *k, struct bhb_analysis *a, void *st);
/* the groups' table and the ratios; work: what the where column is of ("verification") */
void bhb_rs_table(FILE *f, json_t *d, const char *work);

#endif
