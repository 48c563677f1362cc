// SPDX-License-Identifier: GPL-2.0
/*
 * The fuzz kind on the host: the guest's "fuzz" frame
 * (harness/agent/fuzz.c) -> results.json "fuzz", the checks that make
 * the run fail, and its summary.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kind.h"

static void *fuzz_begin(void)
{
	static char none;

	return &none;	/* no state: the frame goes straight into results.json */
}

/* the checks the guest reported: each one that does not hold is a failure */
static void fuzz_checks(json_t *failures, json_t *j)
{
	json_t *ch = json_object_get(j, "checks");

	if (bhb_jint(j, "anomalies"))
		json_array_append_new(failures, json_sprintf("fuzz: %lld anomalies, first: %s",
			(long long)bhb_jint(j, "anomalies"), json_string_value(json_object_get(j, "first_anomaly"))));
	if (bhb_jint(ch, "concurrent_run_errno") != EBUSY)
		json_array_append_new(failures, json_string("fuzz: a second concurrent run was not refused with EBUSY"));
	if (!bhb_jint(ch, "unload_in_use_errno"))
		json_array_append_new(failures, json_string("fuzz: the module unloaded while in use"));
	if (json_object_get(ch, "offline_during_run_errno") && bhb_jint(ch, "offline_during_run_errno") != ENODEV)
		json_array_append_new(failures, json_sprintf("fuzz: a producing CPU went offline during a run "
			"and the run returned errno %lld, not ENODEV (numbers from a moved producer)",
			(long long)bhb_jint(ch, "offline_during_run_errno")));
	if (bhb_jint(ch, "node_mode") != 0600 || !json_is_true(json_object_get(ch, "unprivileged_open_refused")))
		json_array_append_new(failures, json_string("fuzz: /dev/bhbench is not root-only"));
	if (bhb_jint(ch, "limits_not_refused"))
		json_array_append_new(failures, json_sprintf("fuzz: %lld requests past a memory limit were not refused with EINVAL",
			(long long)bhb_jint(ch, "limits_not_refused")));
	if (bhb_jint(ch, "load_unload_failures"))
		json_array_append_new(failures, json_string("fuzz: a module unload/load cycle failed"));
	if (bhb_jint(j, "failed_checks"))
		json_array_append_new(failures, json_sprintf("fuzz: %lld checks failed (slab %lld kB before, %lld kB after unloading)",
			(long long)bhb_jint(j, "failed_checks"), (long long)bhb_jint(ch, "slab_kb_before"),
			(long long)bhb_jint(ch, "slab_kb_after_unload")));
}

static void fuzz_take(struct bhb_analysis *a, void *st, const struct bhb_frame *f, json_t *j)
{
	(void)st;
	(void)f;
	fuzz_checks(a->failures, j);
	json_object_set_new(a->res, "fuzz", j);
}

static void fuzz_finish(struct bhb_analysis *a, void *st)
{
	(void)a;
	(void)st;
}

static int fuzz_summary(FILE *f, json_t *res)
{
	json_t *z = json_object_get(res, "fuzz"), *k, *ch = json_object_get(z, "checks");
	const char *name;

	if (!z)
		return 0;
	fprintf(f, "\nfuzz: %lld hostile requests from %lld threads, %lld anomalies\n",
		(long long)bhb_jint(z, "requests"), (long long)bhb_jint(z, "threads"), (long long)bhb_jint(z, "anomalies"));
	json_object_foreach(json_object_get(z, "kinds"), name, k) {
		char *errs = json_dumps(json_object_get(k, "errors"), JSON_COMPACT);

		fprintf(f, "  %-13s %7lld requests, %6lld accepted, refused with %s\n", name,
			(long long)bhb_jint(k, "requests"), (long long)bhb_jint(k, "succeeded"), errs ? errs : "?");
		free(errs);
	}
	fprintf(f, "limits (one past each must be EINVAL): %lld not refused\n", (long long)bhb_jint(ch, "limits_not_refused"));
	fprintf(f, "second concurrent run: %s; unload while in use: %s; node mode %llo, unprivileged open %s;\n"
		   "%lld unload/load cycles with a run each; slab %lld kB before, %lld kB after unloading\n",
		strerror((int)bhb_jint(ch, "concurrent_run_errno")), strerror((int)bhb_jint(ch, "unload_in_use_errno")),
		(unsigned long long)bhb_jint(ch, "node_mode"),
		json_is_true(json_object_get(ch, "unprivileged_open_refused")) ? "refused" : "ALLOWED",
		(long long)bhb_jint(ch, "load_unload_cycles"), (long long)bhb_jint(ch, "slab_kb_before"),
		(long long)bhb_jint(ch, "slab_kb_after_unload"));
	return 1;
}

static const char *const fuzz_frames[] = { "fuzz", NULL };

const struct bhb_kind bhb_kind_fuzz = {
	.name = "fuzz",
	.frames = fuzz_frames,
	.begin = fuzz_begin,
	.take = fuzz_take,
	.finish = fuzz_finish,
	.summary = fuzz_summary,
};
