/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A scenario kind on the host.  Each kind is a pair of files:
 * agent/<kind>.c runs it in the guest and sends frames of its types;
 * host/<kind>.c turns those frames into its part of results.json and
 * prints its part of the summary.  analyze.c only decodes the stream and
 * hands each frame to the kind that takes its type (docs/ARCHITECTURE.md:
 * how to add a kind).
 */
#ifndef BHB_KIND_H
#define BHB_KIND_H

#include <stdio.h>
#include <jansson.h>

#include "../common/frame.h"
#include "bhbench.h"

/* one analysis in progress: what every kind reads and writes */
struct bhb_analysis {
	const struct analysis_in *in;
	json_t *res;		/* results.json being built */
	json_t *failures;	/* res's "failures": why the run is not ok */
};

struct bhb_kind {
	const char *name;
	/* the frame types it takes, NULL-terminated: as JSON, and raw (NULL: none) */
	const char *const *frames;
	const char *const *raw;
	/* its state for one analysis (NULL: out of memory) */
	void *(*begin)(void);
	/* one frame of its types: j its parsed payload (NULL for a raw type), the kind's from here */
	void (*take)(struct bhb_analysis *a, void *st, const struct bhb_frame *f, json_t *j);
	/* after the whole stream, in table order: its results into a->res; frees st */
	void (*finish)(struct bhb_analysis *a, void *st);
	/* the whole summary of a run of this kind alone; 0 when res is not one */
	int (*summary)(FILE *f, json_t *res);
	/* its part of a suite's summary, after the latency table (may be NULL) */
	void (*section)(FILE *f, json_t *res);
};

/*
 * NULL-terminated, in finish order (trace reads latency's rows) and
 * summary order: the first kind whose summary() claims the run prints
 * it; a run none claims is printed by bhb_latency_print(), which prints
 * a suite's other kinds through their section().
 */
extern const struct bhb_kind *const bhb_kinds[];
extern const struct bhb_kind bhb_kind_latency, bhb_kind_trace, bhb_kind_fuzz, bhb_kind_control,
	bhb_kind_hotplug, bhb_kind_dmverity, bhb_kind_usb;

/* small readers of results.json: 0 / "" when absent */
static inline json_int_t bhb_jint(json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

static inline const char *bhb_jstr(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

void bhb_latency_print(FILE *f, json_t *res);

/* a kind whose state is the array of its frames (control, trace) */
void *bhb_collect_begin(void);
void bhb_collect_take(struct bhb_analysis *a, void *st, const struct bhb_frame *f, json_t *j);

/* ns as microseconds, about three significant digits; "ovf" for an overflow (< 0, inf) */
void bhb_fmt_us(char *out, size_t len, double ns);

#endif
