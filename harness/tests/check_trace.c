// SPDX-License-Identifier: GPL-2.0
/*
 * check_trace: assert what a run with --trace must show.  Usage:
 *   check_trace RUN_DIR [reps:N] [fail:MECH]
 * Every mechanism the run measured in the traced case, except direct, has
 * a results.json trace_check entry: N traced runs (if given), the
 * trace-derived and the module's q->cb medians within the tolerance, as
 * many items matched in the trace as the module executed, none unmatched,
 * no event lost, and traced/untraced reported.  The run's status is ok.
 * fail:MECH: instead, MECH must disagree (and only MECH) and the run must
 * have failed with a "trace check: MECH:" failure.
 * The event cost E the tolerance rests on was measured: over 20 items, and
 * 0 < E < the module's q->cb median of every per-CPU workqueue mechanism
 * checked (their interval holds at least that one event whole); the band's
 * absolute term is 4 E.
 * Exit 1 on any violation, printing each.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int bad;

static void no(const char *mech, const char *what)
{
	printf("FAIL: trace_check %s: %s\n", mech, what);
	bad = 1;
}

static const char *gs(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

static long long gi(json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

int main(int argc, char **argv)
{
	const char *want_fail = NULL, *cs;
	char path[4096], key[160];
	json_t *res, *tc, *b, *e, *f;
	json_error_t je;
	long long reps = -1;
	size_t i, j;
	double event_ns = 0;
	int nmech = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: check_trace RUN_DIR [reps:N] [fail:MECH]\n");
		return 2;
	}
	for (int a = 2; a < argc; a++) {
		if (!strncmp(argv[a], "reps:", 5))
			reps = atoll(argv[a] + 5);
		else if (!strncmp(argv[a], "fail:", 5))
			want_fail = argv[a] + 5;
		else {
			fprintf(stderr, "check_trace: unknown rule %s\n", argv[a]);
			return 2;
		}
	}
	snprintf(path, sizeof(path), "%s/results.json", argv[1]);
	res = json_load_file(path, 0, &je);
	if (!res) {
		printf("FAIL: %s: %s\n", path, je.text);
		return 1;
	}
	tc = json_object_get(res, "trace_check");
	if (!tc) {
		printf("FAIL: no trace_check in %s\n", path);
		return 1;
	}
	cs = gs(tc, "case");
	{
		json_t *ev = json_object_get(tc, "event_cost_ns");
		double ab = json_number_value(json_object_get(json_object_get(tc, "tolerance"), "abs_ns"));

		if (!json_is_number(ev) || json_number_value(ev) <= 0 || gi(tc, "event_cost_items") < 20)
			no("event cost", "not measured (or from under 20 items)");
		else if (fabs(ab - 4 * json_number_value(ev)) > 1e-6 * ab)
			no("event cost", "the band's absolute term is not 4 x E");
		else
			event_ns = json_number_value(ev);
	}
	json_array_foreach(json_object_get(res, "benchmarks"), i, b) {
		const char *mech = gs(b, "mech");
		int fail = want_fail && !strcmp(mech, want_fail);

		if (strcmp(gs(b, "case"), cs) || !strcmp(mech, "direct"))
			continue;
		nmech++;
		e = NULL;
		json_array_foreach(json_object_get(tc, "mechs"), j, f)
			if (!strcmp(gs(f, "mech"), mech))
				e = f;
		if (!e) {
			no(mech, "no entry");
			continue;
		}
		if (fail) {
			if (json_is_true(json_object_get(e, "agree")) || strcmp(gs(e, "status"), "fail"))
				no(mech, "agrees, but it was made to disagree");
		} else {
			if (strcmp(gs(e, "status"), "ok")) {
				snprintf(key, sizeof(key), "status %s: %s", gs(e, "status"), gs(e, "why"));
				no(mech, key);
			}
			if (!json_is_true(json_object_get(e, "agree")))
				no(mech, "trace and module medians disagree");
		}
		if (reps >= 0 && gi(e, "reps") != reps)
			no(mech, "wrong number of traced runs");
		if (event_ns > 0 && !fail && (!strcmp(mech, "bh") || !strcmp(mech, "bh_highpri") ||
					      !strcmp(mech, "bh_custom") || !strcmp(mech, "wq_percpu") ||
					      !strcmp(mech, "wq_highpri")) &&
		    !(event_ns < json_number_value(json_object_get(e, "module_q2e_p50_ns"))))
			no(mech, "the event cost is not below the module's q->cb median");
		if (gi(e, "matched") <= 0 || gi(e, "matched") != gi(e, "module_executed"))
			no(mech, "matched items != executed items");
		if (gi(e, "unmatched_queue") || gi(e, "unmatched_exec"))
			no(mech, "unmatched queue or execution events");
		if (gi(e, "lost_events"))
			no(mech, "trace events lost");
		if (!json_is_number(json_object_get(json_object_get(e, "traced_over_untraced"), "value")))
			no(mech, "no traced/untraced ratio");
		if (!json_is_number(json_object_get(e, "trace_q2e_p50_ns")) ||
		    !json_is_number(json_object_get(e, "module_q2e_p50_ns")))
			no(mech, "no medians");
	}
	if (nmech < 1)
		no(cs, "no traced mechanism in the benchmarks of this case");
	if (want_fail) {
		int found = 0;

		snprintf(key, sizeof(key), "trace check: %s:", want_fail);
		json_array_foreach(json_object_get(res, "failures"), i, f)
			found |= !strncmp(json_string_value(f) ? json_string_value(f) : "", key, strlen(key));
		if (!found || !strcmp(gs(res, "status"), "ok"))
			no(want_fail, "the run did not fail with its disagreement");
	} else if (strcmp(gs(res, "status"), "ok")) {
		no("run", "status is not ok");
	}
	if (!bad)
		printf("ok: %d mechanisms cross-checked against the trace (E %.1f us)%s%s\n", nmech,
		       event_ns / 1e3, want_fail ? ", disagreement caught: " : "", want_fail ? want_fail : "");
	json_decref(res);
	return bad;
}
