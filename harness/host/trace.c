// SPDX-License-Identifier: GPL-2.0
/*
 * The trace cross-check on the host: the guest's "trace" frames
 * (harness/agent/trace.c, one per traced run) -> results.json
 * "trace_check", and its table.
 *
 * Per mechanism, over all traced runs: the module's own queue-to-callback
 * median (q->cb) of those runs next to the median the kernel's trace
 * events give for the same items, and the module median of the normal,
 * untraced runs of the same case: traced / untraced is what tracing costs.
 *
 * Agreement.  The trace's interval lies inside the module's: the module's
 * starts just before the queue call (t_queued) and ends at the callback's
 * first clock read; the trace's starts inside the queue call (the clock
 * read of the queue_work event, or of softirq_raise in
 * __tasklet_schedule_common()) and ends inside the dispatch, before the
 * callback (the clock read of execute_start or tasklet_entry).  So item by
 * item, trace = module - delta, delta >= 0, and since quantiles are
 * monotone the trace median is below the module median by at least the
 * smallest and at most the largest delta.  Trace timestamps are printed in
 * microseconds (each end truncated: +-1 us per item) and the histograms
 * give medians within 0.8% each.  Hence, with E the cost of one trace
 * event measured in the same boot (below):
 *   trace p50 - module p50 <= 1 us + 2% of module p50   (cannot be longer)
 *   module p50 - trace p50 <= max(4 E, 1 us)   (tasklets and BH work)
 *   module p50 - trace p50 <= max(4 E, 1 us, 15% of module p50)
 *                      (threaded; wq_unbound: max(16 E, 25% of module p50))
 * Every term is either a resolution (1 us, 0.8%: the same on every host)
 * or a quantity of the same boot (E, the module's median), so the band
 * grows and shrinks with the speed of the emulation; no microsecond in it
 * was tuned on one host.
 *
 * E, the event cost.  delta is the code outside the trace's interval: the
 * queue call up to its event's clock read (including the first half of
 * recording that event), the rest of recording the execute event, the
 * call into bhb_item_exec(): one trace event's recording plus a few
 * hundred instructions.  __queue_work() emits workqueue_queue_work and,
 * a few instructions later in the same call, workqueue_activate_work, so
 * the gap between the two clock reads is one event's recording on that
 * host at that moment.  The agent pairs them by work pointer for the
 * per-CPU workqueue mechanisms (an unbound pool's activation may take a
 * node lock between the two) and E is the mean gap over every such item
 * of the traced runs, its top and bottom 10% trimmed (hist_trimmed_mean);
 * a case without those mechanisms gets a wq_percpu calibration run from
 * the agent.  delta holds one event whole (the end
 * of the queue event and the start of the execute event) and the code
 * around them, about as much again: measured on 6.12 (2 vCPUs, TCG), E
 * 1.1-1.6 us and the softirq mechanisms' delta 1.3-3.7 us (1.2-2.5 E) in
 * four traced boots on one host, E 46 us and delta 61-70 us (1.3-1.5 E)
 * with every guest 13-19 times slower (SLOW=2); on the host the
 * former fixed bound of 8 us was tuned on, delta was 4-7 us and traced
 * minus untraced medians of bh suggested about 4 us an event.  4 E keeps
 * about twice the typical delta, as 8 us did there; on a host 2-3 times
 * slower than that one, delta was 8-11 us and failed the fixed bound.
 * 15% for the slow threaded mechanisms, whose items wait long enough that
 * more of them have an interrupt or a preemption inside the bracketed
 * code: a fraction of the same runs' median, independent of the host's
 * speed.  Not for tasklets and BH work: their delta is 3-5 us against
 * medians of 11-15 us, and a relative term would grow with a delay
 * injected into their callbacks once the items queue behind each other
 * (under SLOW=2 a 734 us delay against 500 us arrivals hid inside 15% of
 * the median).  wq_unbound's queue event comes after __queue_work() has
 * taken the pool's lock, and its pool is shared by every CPU (one pod on
 * these guests), so it also waits for the other CPU's worker: 11-12% of
 * its median in four runs of 3 traced runs on 6.12, 16% once in CI on a
 * busier host, and 25.2% (49.2 us, 8.2 E) once under SLOW=1.  That wait is
 * emulated work like E (3.6-8.4 E on a free host), so its band is the
 * larger of 25% of the median and 16 E, about twice the largest wait
 * seen.  Outside the band, or fewer (or more) matched
 * items than the module executed while no event was lost, or no event
 * cost measured, is a failure.
 */
#define _GNU_SOURCE
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/names.h"
#include "../common/stats.h"
#include "kind.h"

#define TOL_EVENTS 4.0		/* trace shorter than module by at most ... */
#define TOL_REL 0.15		/* ... max(TOL_EVENTS x E, TOL_REL x module) */
#define MIN_GAPS 20		/* items that measure E, at least */
#define TOL_REL_UNBOUND 0.25	/* TOL_REL for wq_unbound (shared pool lock) ... */
#define TOL_EVENTS_UNBOUND 16.0	/* ... or this many E, if larger */
#define TOL_UP_ABS_NS 1000.0	/* trace longer than module by at most ... */
#define TOL_UP_REL 0.02		/* ... TOL_UP_ABS_NS + TOL_UP_REL x module */
#define MAXREPS 100
#define NA_PREFIX "this kernel has no "

static const char tol_why[] =
	"the trace's interval (queue event inside the queue call .. execute_start/tasklet_entry before "
	"the callback) lies inside the module's (just before the queue call .. the callback's first "
	"clock read), so the trace median cannot be longer than the module's beyond the 1 us "
	"resolution and the 0.8% histogram error; it is shorter by the code outside it: one trace event's "
	"recording and the code around it, about 2 E, with E one event's cost measured in the same boot "
	"(the trimmed mean queue_work-to-activate_work gap of per-CPU work items); bounded by 4 E";

struct tmech {
	int seen;
	struct bhb_hist mod, tr;
	double rep_mod[MAXREPS];	/* per traced run: module q->cb p50 */
	int nrep;
	long long matched, executed, uq, ue, lost, foreign, negative;
	json_t *errors, *na, *events, *wqs;
};


/*
 * The mean of the samples ranked in [lo, hi) x n, at bucket midpoints.  E
 * comes from gaps between timestamps truncated to 1 us, so a gap of 1.5 us
 * reads 1 or 2: a median would jump between the two, the mean of many
 * dithered readings resolves below 1 us; the trim drops a vCPU preempted
 * by the host in the middle of an event (interrupts are off between the
 * two events, so nothing in the guest lengthens a gap).
 */
static double hist_trimmed_mean(const struct bhb_hist *h, double lo, double hi)
{
	double from = floor(lo * (double)h->n), to = ceil(hi * (double)h->n), sum = 0, cnt = 0, rank = 0;

	/* the overflow bucket has no midpoint: its samples rank last, trimmed or not counted */
	for (unsigned int i = 0; i < BHB_HIST_OVERFLOW; i++) {
		double a = fmax(rank, from), b = fmin(rank + (double)h->c[i], to);

		if (b > a) {
			sum += (b - a) * ((double)bhb_hist_lower(i) + (double)bhb_hist_width(i) / 2);
			cnt += b - a;
		}
		rank += (double)h->c[i];
	}
	return cnt > 0 ? sum / cnt : NAN;
}

static json_t *num(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

static json_t *ci(double v, double lo, double hi)
{
	return json_pack("{s:o,s:[o,o]}", "value", num(v), "ci95", num(lo), num(hi));
}

/* the untraced benchmark of case and mech in benchmarks, or NULL */
static json_t *find_bench(json_t *benchmarks, const char *cs, const char *mech)
{
	json_t *b;
	size_t i;

	json_array_foreach(benchmarks, i, b)
		if (!strcmp(bhb_jstr(b, "case"), cs) && !strcmp(bhb_jstr(b, "mech"), mech))
			return b;
	return NULL;
}

static json_t *mech_entry(int m, struct tmech *t, const char *cs, json_t *benchmarks, json_t *failures,
			  double event_ns)
{
	const char *name = bhb_mech_names[m];
	json_t *o = json_object(), *b;
	double mp50, tp50, diff, tol, tol_up, up50 = NAN;
	int agree, counts_ok;

	json_object_set_new(o, "mech", json_string(name));
	json_object_set_new(o, "reps", json_integer(t->nrep));
	if (json_array_size(t->errors))
		json_object_set(o, "errors", t->errors);
	if (!t->nrep) {
		const char *why = json_array_size(t->na) ? json_string_value(json_array_get(t->na, 0))
							  : json_array_size(t->errors)
							  ? json_string_value(json_array_get(t->errors, 0)) : "no traced run";

		json_object_set_new(o, "status", json_string(json_array_size(t->na) ? "n/a" : "error"));
		json_object_set_new(o, "why", json_string(why));
		if (!json_array_size(t->na) && !json_array_size(t->errors))
			json_array_append_new(failures, json_sprintf("trace check: %s: no traced run", name));
		return o;
	}
	json_object_set(o, "events", t->events);
	if (json_array_size(t->wqs))
		json_object_set(o, "workqueues", t->wqs);
	mp50 = t->mod.n ? bhb_hist_quantile(&t->mod, 0.5) : NAN;
	tp50 = t->tr.n ? bhb_hist_quantile(&t->tr, 0.5) : NAN;
	diff = tp50 - mp50;
	/* never below the trace's own resolution (KVM: E is a fraction of a us) */
	tol = fmax(TOL_EVENTS * event_ns, TOL_UP_ABS_NS);
	if (m >= BHB_MECH_WQ_PERCPU)	/* threaded: see the header */
		tol = fmax(tol, (m == BHB_MECH_WQ_UNBOUND ? TOL_REL_UNBOUND : TOL_REL) * mp50);
	if (m == BHB_MECH_WQ_UNBOUND)
		tol = fmax(tol, TOL_EVENTS_UNBOUND * event_ns);
	if (!isfinite(event_ns))
		tol = NAN;	/* no E, no band: the check failed as a whole */
	tol_up = TOL_UP_ABS_NS + TOL_UP_REL * mp50;
	agree = isfinite(diff) && isfinite(tol) && diff >= -tol && diff <= tol_up;
	counts_ok = t->matched == t->executed;
	json_object_set_new(o, "module_q2e_p50_ns", num(mp50));
	json_object_set_new(o, "trace_q2e_p50_ns", num(tp50));
	json_object_set_new(o, "module_q2e_p99_ns", num(t->mod.n ? bhb_hist_quantile(&t->mod, 0.99) : NAN));
	json_object_set_new(o, "trace_q2e_p99_ns", num(t->tr.n ? bhb_hist_quantile(&t->tr, 0.99) : NAN));
	json_object_set_new(o, "diff_ns", num(diff));
	json_object_set_new(o, "ratio", num(tp50 / mp50));
	json_object_set_new(o, "tolerance_ns", json_pack("[o,o]", num(-tol), num(tol_up)));
	json_object_set_new(o, "agree", json_boolean(agree));
	json_object_set_new(o, "matched", json_integer(t->matched));
	json_object_set_new(o, "module_executed", json_integer(t->executed));
	json_object_set_new(o, "unmatched_queue", json_integer(t->uq));
	json_object_set_new(o, "unmatched_exec", json_integer(t->ue));
	json_object_set_new(o, "lost_events", json_integer(t->lost));
	json_object_set_new(o, "negative", json_integer(t->negative));
	if (t->foreign)
		json_object_set_new(o, "foreign_tasklets", json_integer(t->foreign));
	json_object_set_new(o, "counts_consistent", counts_ok ? json_true() : t->lost ? json_null() : json_false());

	b = find_bench(benchmarks, cs, name);
	if (b) {
		json_t *p = json_object_get(json_object_get(b, "queue_to_exec_ns"), "p50");
		double reps[MAXREPS], r, lo, hi;
		int n;

		up50 = json_number_value(json_object_get(p, "value"));
		json_object_set_new(o, "untraced_q2e_p50_ns",
				    ci(up50, json_number_value(json_array_get(json_object_get(p, "ci95"), 0)),
				       json_number_value(json_array_get(json_object_get(p, "ci95"), 1))));
		n = bhb_res_reps(b, "q2e_p50", reps, MAXREPS);
		if (n && !bhb_ratio_boot(reps, n, t->rep_mod, t->nrep, 0x7ace, &r, &lo, &hi))
			json_object_set_new(o, "traced_over_untraced", ci(r, lo, hi));
		else if (up50 > 0)
			json_object_set_new(o, "traced_over_untraced", ci(mp50 / up50, NAN, NAN));
	}

	if (!t->matched)
		json_array_append_new(failures, json_sprintf("trace check: %s: no item of the module found in the trace "
							     "(%lld executed, %lld events lost)", name,
							     t->executed, t->lost));
	else if (!isfinite(event_ns))
		;	/* one failure for the whole check, below */
	else if (!agree)
		json_array_append_new(failures, json_sprintf(
			"trace check: %s: trace-derived q->cb p50 %.1f us vs the module's %.1f us in the same runs: "
			"%+.1f us, outside [%+.1f, %+.1f] us", name, tp50 / 1e3, mp50 / 1e3, diff / 1e3,
			-tol / 1e3, tol_up / 1e3));
	if (!counts_ok && !t->lost)
		json_array_append_new(failures, json_sprintf(
			"trace check: %s: %lld items matched in the trace, %lld executed, and no event was lost",
			name, t->matched, t->executed));
	json_object_set_new(o, "status", json_string(!t->matched || !agree || (!counts_ok && !t->lost) ? "fail" : "ok"));
	return o;
}

/* one "trace" frame into its mechanism's tallies (tm) and the event-gap histogram */
static void take_frame(struct tmech *tm, struct bhb_hist *gap, const char **cs, json_t *f, json_t *failures)
{
	int m = bhb_name_lookup(bhb_mech_names, BHB_NR_MECHS, bhb_jstr(f, "mech"));
	struct tmech *t;
	json_t *w;
	size_t k;

	if (m < 0) {
		json_array_append_new(failures, json_sprintf("trace check: a frame names an unknown mechanism \"%s\"",
							     bhb_jstr(f, "mech")));
		return;
	}
	/* a frame with an error has no gaps: it is reported below */
	if (bhb_mech_percpu_work(m) && !json_object_get(f, "error") &&
	    bhb_hist_add_sparse(gap, json_object_get(f, "event_gap"))) {
		json_array_append_new(failures, json_sprintf("trace check: %s: malformed event-gap histogram",
							     bhb_mech_names[m]));
		return;
	}
	if (json_is_true(json_object_get(f, "calibration"))) {
		if (json_object_get(f, "error"))
			json_array_append_new(failures, json_sprintf("trace check: event-cost calibration "
								     "run: %s", bhb_jstr(f, "error")));
		return;
	}
	t = &tm[m];
	t->seen = 1;
	if (!*cs)
		*cs = bhb_jstr(f, "case");
	else if (strcmp(*cs, bhb_jstr(f, "case")))
		json_array_append_new(failures, json_sprintf("trace check: frames of two cases (%s, %s)",
							     *cs, bhb_jstr(f, "case")));
	if (json_object_get(f, "error")) {
		const char *e = bhb_jstr(f, "error");

		if (!strncmp(e, NA_PREFIX, strlen(NA_PREFIX))) {
			if (!json_array_size(t->na))
				json_array_append_new(t->na, json_string(e));
		} else {
			json_array_append_new(t->errors, json_sprintf("rep %lld: %s", (long long)bhb_jint(f, "rep"), e));
			json_array_append_new(failures, json_sprintf("trace check: %s rep %lld: %s",
								     bhb_mech_names[m], (long long)bhb_jint(f, "rep"), e));
		}
		return;
	}
	{
		struct bhb_hist one;

		memset(&one, 0, sizeof(one));
		if (bhb_hist_add_sparse(&one, json_object_get(f, "module_q2e")) ||
		    bhb_hist_add_sparse(&t->tr, json_object_get(f, "hist"))) {
			json_array_append_new(failures, json_sprintf("trace check: %s: malformed histogram in a trace frame",
								     bhb_mech_names[m]));
			return;
		}
		bhb_hist_merge(&t->mod, &one);
		if (t->nrep < MAXREPS)
			t->rep_mod[t->nrep] = bhb_hist_quantile(&one, 0.5);
	}
	t->nrep++;
	t->matched += bhb_jint(f, "matched");
	t->executed += bhb_jint(f, "module_executed");
	t->uq += bhb_jint(f, "unmatched_queue");
	t->ue += bhb_jint(f, "unmatched_exec");
	t->lost += bhb_jint(f, "lost_events");
	t->foreign += bhb_jint(f, "foreign_tasklets");
	t->negative += bhb_jint(f, "negative");
	if (!t->events)
		t->events = json_incref(json_object_get(f, "events"));
	json_array_foreach(json_object_get(f, "workqueues"), k, w) {
		size_t j;
		json_t *x;
		int dup = 0;

		json_array_foreach(t->wqs, j, x)
			dup |= json_equal(x, w);
		if (!dup)
			json_array_append(t->wqs, w);
	}
}

/* the tolerance and what it rests on (one trace event's cost in this boot) */
static void trace_out(json_t *out, const char *cs, const struct bhb_hist *gap, double event_ns)
{
	json_object_set_new(out, "case", json_string(cs ? cs : ""));
	json_object_set_new(out, "event_cost_ns", num(event_ns));
	json_object_set_new(out, "event_cost_items", json_integer((json_int_t)gap->n));
	json_object_set_new(out, "event_cost_estimator",
			    json_string("mean of the central 80% of the queue_work-to-activate_work gaps "
					"(1 us timestamps: the mean of many resolves below 1 us)"));
	json_object_set_new(out, "event_cost_p10_p90_ns",
			    json_pack("[o,o]", num(gap->n ? bhb_hist_quantile(gap, 0.1) : NAN),
				      num(gap->n ? bhb_hist_quantile(gap, 0.9) : NAN)));
	json_object_set_new(out, "trace_clock", json_string("mono"));
	json_object_set_new(out, "resolution_ns", json_integer(1000));
	json_object_set_new(out, "tolerance", json_pack("{s:f,s:o,s:f,s:f,s:f,s:f,s:f,s:s,s:s}", "events", TOL_EVENTS,
							"abs_ns", num(TOL_EVENTS * event_ns),
							"rel", TOL_REL, "rel_wq_unbound", TOL_REL_UNBOUND,
							"events_wq_unbound", TOL_EVENTS_UNBOUND,
							"up_abs_ns", TOL_UP_ABS_NS, "up_rel", TOL_UP_REL,
							"rule", "-events x event_cost_ns (threaded mechanisms: the larger "
								"of that and rel x module p50; wq_unbound: the largest of those, "
								"rel_wq_unbound x module p50 and events_wq_unbound x E) "
								"<= trace p50 - module p50 <= up_abs_ns + up_rel x module p50",
							"why", tol_why));
}

static json_t *trace_summary(json_t *frames, json_t *benchmarks, json_t *failures)
{
	struct tmech *tm = calloc(BHB_NR_MECHS, sizeof(*tm));
	struct bhb_hist *gap = calloc(1, sizeof(*gap));
	json_t *out = json_object(), *list = json_array(), *f;
	const char *cs = NULL;
	double event_ns = NAN;
	size_t i;

	if (!tm || !gap) {
		free(tm);
		free(gap);
		json_array_append_new(failures, json_string("trace check: out of memory"));
		json_decref(list);
		return out;
	}
	for (int m = 0; m < BHB_NR_MECHS; m++) {
		tm[m].errors = json_array();
		tm[m].na = json_array();
		tm[m].wqs = json_array();
	}
	json_array_foreach(frames, i, f)
		take_frame(tm, gap, &cs, f, failures);
	bhb_hist_recount(gap);
	if (gap->n >= MIN_GAPS)
		event_ns = hist_trimmed_mean(gap, 0.1, 0.9);
	else
		json_array_append_new(failures, json_sprintf(
			"trace check: the cost of a trace event was not measured in this boot (%llu queue_work/"
			"activate_work pairs of per-CPU work items, at least %d needed): no tolerance, no check",
			(unsigned long long)gap->n, MIN_GAPS));
	for (int m = 0; m < BHB_NR_MECHS; m++) {
		if (tm[m].nrep > MAXREPS)
			tm[m].nrep = MAXREPS;
		if (tm[m].seen)
			json_array_append_new(list, mech_entry(m, &tm[m], cs, benchmarks, failures, event_ns));
		json_decref(tm[m].errors);
		json_decref(tm[m].na);
		json_decref(tm[m].wqs);
		json_decref(tm[m].events);
	}
	free(tm);
	trace_out(out, cs, gap, event_ns);
	free(gap);
	json_object_set_new(out, "mechs", list);
	return out;
}

static void us(char *buf, size_t len, json_t *v)
{
	if (json_is_number(v))
		snprintf(buf, len, "%.1f us", json_number_value(v) / 1e3);
	else
		snprintf(buf, len, "-");
}

static void print_trace(FILE *f, json_t *tc)
{
	json_t *tol = json_object_get(tc, "tolerance"), *e;
	size_t i;

	fprintf(f, "\nTrace cross-check, case %s: the kernel's trace events (trace_clock mono, 1 us resolution)\n"
		   "against the module's own q->cb in the same traced runs:\n",
		json_string_value(json_object_get(tc, "case")));
	fprintf(f, "%-12s %5s %12s %12s %10s %-6s %17s %12s %19s\n", "mechanism", "runs", "module p50", "trace p50",
		"diff", "agree?", "matched/executed", "untraced p50", "traced/untraced");
	json_array_foreach(json_object_get(tc, "mechs"), i, e) {
		char a[32], b[32], d[32], u[32], me[40], r[48];
		json_t *ratio = json_object_get(e, "traced_over_untraced"), *rv = json_object_get(ratio, "value");
		json_t *lo = json_array_get(json_object_get(ratio, "ci95"), 0);
		json_t *hi = json_array_get(json_object_get(ratio, "ci95"), 1);
		const char *st = bhb_jstr(e, "status");

		if (!strcmp(st, "n/a") || !strcmp(st, "error")) {
			fprintf(f, "%-12s %s: %s\n", bhb_jstr(e, "mech"), st, bhb_jstr(e, "why"));
			continue;
		}
		us(a, sizeof(a), json_object_get(e, "module_q2e_p50_ns"));
		us(b, sizeof(b), json_object_get(e, "trace_q2e_p50_ns"));
		if (json_is_number(json_object_get(e, "diff_ns")))
			snprintf(d, sizeof(d), "%+.1f us", json_number_value(json_object_get(e, "diff_ns")) / 1e3);
		else
			snprintf(d, sizeof(d), "-");
		us(u, sizeof(u), json_object_get(json_object_get(e, "untraced_q2e_p50_ns"), "value"));
		snprintf(me, sizeof(me), "%lld/%lld%s", (long long)bhb_jint(e, "matched"), (long long)bhb_jint(e, "module_executed"),
			 bhb_jint(e, "lost_events") ? " (lost)" : "");
		if (json_is_number(rv) && json_is_number(lo) && json_is_number(hi))
			snprintf(r, sizeof(r), "%.2f [%.2f, %.2f]", json_number_value(rv), json_number_value(lo),
				 json_number_value(hi));
		else if (json_is_number(rv))
			snprintf(r, sizeof(r), "%.2f", json_number_value(rv));
		else
			snprintf(r, sizeof(r), "-");
		fprintf(f, "%-12s %5lld %12s %12s %10s %-6s %17s %12s %19s\n", bhb_jstr(e, "mech"), (long long)bhb_jint(e, "reps"),
			a, b, d, json_is_true(json_object_get(e, "agree")) ? "yes" : "NO", me, u, r);
	}
	fprintf(f, "agree: -%.0f x E = -%.1f us (threaded: or -%.0f%% of module, wq_unbound %.0f%% or 16 E, if larger) <=\n"
		   "trace - module <= %.0f us + %.0f%% of module (the trace brackets a part of the module's\n"
		   "interval; E = %.2f us, one trace event's cost in this boot: the trimmed mean queue_work-\n"
		   "to-activate_work gap of %lld per-CPU work items); traced/untraced: the module's q->cb p50\n"
		   "with the events on over without (95%% bootstrap interval over runs).\n",
		json_number_value(json_object_get(tol, "events")),
		json_number_value(json_object_get(tol, "abs_ns")) / 1e3,
		json_number_value(json_object_get(tol, "rel")) * 100,
		json_number_value(json_object_get(tol, "rel_wq_unbound")) * 100,
		json_number_value(json_object_get(tol, "up_abs_ns")) / 1e3,
		json_number_value(json_object_get(tol, "up_rel")) * 100,
		json_number_value(json_object_get(tc, "event_cost_ns")) / 1e3,
		(long long)bhb_jint(tc, "event_cost_items"));
}

static void trace_finish(struct bhb_analysis *a, void *st)
{
	if (json_array_size(st))
		json_object_set_new(a->res, "trace_check",
				    trace_summary(st, json_object_get(a->res, "benchmarks"), a->failures));
	json_decref(st);
}

static void trace_section(FILE *f, json_t *res)
{
	if (json_object_get(res, "trace_check"))
		print_trace(f, json_object_get(res, "trace_check"));
}

static const char *const trace_frames[] = { "trace", NULL };

const struct bhb_kind bhb_kind_trace = {
	.name = "trace",
	.frames = trace_frames,
	.begin = bhb_collect_begin,
	.take = bhb_collect_take,
	.finish = trace_finish,
	.section = trace_section,
};
