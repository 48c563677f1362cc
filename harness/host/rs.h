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

/* the two kinds' descriptors (host/dmverity.c, host/usbstorage.c), and the list of them, NULL-terminated */
extern const struct bhb_rs_desc bhb_rs_dmverity, bhb_rs_usb;
extern const struct bhb_rs_desc *const bhb_rs_descs[];
/* the real-subsystem kind a result holds, or NULL */
const struct bhb_rs_desc *bhb_rs_of(json_t *res);
/* d's (res's part for a kind) group of one load and mode, or NULL */
json_t *bhb_rs_group(json_t *d, const char *load, const char *mode);
/*
 * Into the merged result m: the kind's runs of every boot (each run
 * tagged with its boot), grouped again with intervals over boots, then
 * runs.  0 (also when runs are of no such kind), or -1 after saying why.
 */
int bhb_rs_merge(json_t *m, json_t *const *runs, int n);

/*
 * A result whose groups predate their per-run repetitions (or that holds
 * only runs): grouped again from its runs, as the analysis would now.
 */
void bhb_rs_upgrade(json_t *res);

/* a metric of the groups (mib_s, iops, p50_us, p99_us, p999_us, busy_us_per_io, ...): 1 if it is one */
int bhb_rs_metric(const char *name);
/* {value, ci95: [lo, hi]} of a group's metric (load, mode: indices into the loads and k->modes), new; or NULL */
json_t *bhb_rs_value(json_t *res, const struct bhb_rs_desc *k, int load, int mode, const char *metric);
/*
 * trend.gp's data for a kind: a column triple per load and mode in mask
 * (bit load * nmodes + mode; bhb_rs_present: those some run has), a row
 * per run; the columns' names
 */
unsigned int bhb_rs_present(json_t *const *runs, int n, const struct bhb_rs_desc *k);
void bhb_rs_trend_header(FILE *f, const struct bhb_rs_desc *k, unsigned int mask);
void bhb_rs_trend_row(FILE *f, json_t *res, const struct bhb_rs_desc *k, const char *metric, unsigned int mask);
void bhb_rs_columns(const struct bhb_rs_desc *k, unsigned int mask, char *out, size_t len);

void *bhb_rs_begin(void);
void bhb_rs_take(const struct bhb_rs_desc *k, void *st, const struct bhb_frame *f, json_t *j);
void bhb_rs_finish(const struct bhb_rs_desc *k, struct bhb_analysis *a, void *st);
/* the groups' table and the ratios; work: what the where column is of ("verification") */
void bhb_rs_table(FILE *f, json_t *d, const char *work);

#endif
