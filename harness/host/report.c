// SPDX-License-Identifier: GPL-2.0
/*
 * bhbench report RUN [RUN...]: gnuplot figures from data files the report
 * writes next to them (so they can be re-run or restyled by hand), a
 * self-contained report.html (figures inline, no network) and report.md.
 * At the top, the conversion verdicts: tasklet -> bh, tasklet_hi ->
 * bh_highpri, tasklet -> wq_percpu.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/names.h"
#include "../common/stats.h"
#include "bhbench.h"
#include "rs.h"

#define MAXFIGS		128
#define MAXCASES	512
#define MAXREPS		65536	/* repetitions of one benchmark a ratio reads */

static const char *const conv[][2] = {
	{ "tasklet", "bh" }, { "tasklet_hi", "bh_highpri" }, { "tasklet", "wq_percpu" },
};
#define NCONV (sizeof(conv) / sizeof(conv[0]))

struct fig {
	char file[96];		/* svg name in figures/ */
	char caption[256];
};

/* one report being written (bhb_report): nothing of it outlives the call */
struct rep {
	FILE *md, *html;
	char figdir[PATH_MAX];
	int nruns;		/* runs given, loaded or not */
	struct fig figs[MAXFIGS];
	int nfig;
	char hbuf[8][2048];	/* h()'s rotating results */
	int hk;
	double *ra, *rb;	/* ratio_res()'s repetitions, MAXREPS each */
};

/* hotplug group of mode/mech with the largest K, or NULL */
static json_t *hp_group(json_t *res, const char *mode, const char *mech)
{
	json_t *g, *best = NULL;
	size_t i;

	json_array_foreach(json_object_get(json_object_get(res, "hotplug"), "groups"), i, g)
		if (!strcmp(json_string_value(json_object_get(g, "mode")), mode) &&
		    !strcmp(json_string_value(json_object_get(g, "mech")), mech) &&
		    (!best || json_integer_value(json_object_get(g, "count")) >
			      json_integer_value(json_object_get(best, "count"))))
			best = g;
	return best;
}

static double hp_ms(json_t *g, const char *k)
{
	return json_number_value(json_object_get(json_object_get(g, k), "p50")) / 1e6;
}

/*
 * ratio of medians over repetitions (from -> to), with a bootstrap
 * interval; for merged boots a hierarchical one (boots, then repetitions)
 */
static int ratio_res(struct rep *rp, json_t *res, json_t *from, json_t *to, const char *metric, double *v,
		     double *lo, double *hi)
{
	int n = bhb_res_reps(from, metric, rp->ra, MAXREPS), m = bhb_res_reps(to, metric, rp->rb, MAXREPS);
	double p;

	if (n < 2 || m < 2)
		return -1;
	if (res && bhb_res_boots(res) > 1)
		return bhb_ratio_hier(from, to, metric, 0x7265706f7274ull, v, lo, hi, &p);
	return bhb_ratio_boot(rp->ra, n, rp->rb, m, 0x7265706f7274ull, v, lo, hi);
}

/* one line a reader can act on */
static void verdict(char *out, size_t len, int ok50, double r50, double l50, double h50,
		    int ok99, double r99, double l99, double h99, double floor)
{
	char a[96] = "", b[96] = "";

	/* floor: a change the model cannot tell from none (icount: 1%) */
	l50 /= 1 + floor;
	h50 /= 1 - floor;
	l99 /= 1 + floor;
	h99 /= 1 - floor;
	if (ok50 && (l50 > 1 || h50 < 1))
		snprintf(a, sizeof(a), "p50 %.2fx %s", r50 >= 1 ? r50 : 1 / r50, r50 >= 1 ? "worse" : "better");
	if (ok99 && (l99 > 1 || h99 < 1))
		snprintf(b, sizeof(b), "p99 %.2fx %s", r99 >= 1 ? r99 : 1 / r99, r99 >= 1 ? "worse" : "better");
	if (!a[0] && !b[0])
		snprintf(out, len, "no measurable difference");
	else
		snprintf(out, len, "%s%s%s", a, a[0] && b[0] ? ", " : "", b);
}

/*
 * A string from results.json (a case or scenario name, an environment
 * value, a reason) made safe for HTML: & < > " ' escaped.  Returns one of
 * the report's eight rotating buffers, so that a call may take several.
 */
static const char *h(struct rep *rp, const char *s)
{
	char *o;
	size_t n = 0;

	rp->hk = (rp->hk + 1) % 8;
	o = rp->hbuf[rp->hk];
	for (s = s ?: ""; *s && n + 7 < sizeof(rp->hbuf[0]); s++) {
		const char *e = *s == '&' ? "&amp;" : *s == '<' ? "&lt;" : *s == '>' ? "&gt;" :
				*s == '"' ? "&quot;" : *s == '\'' ? "&#39;" : NULL;

		if (e) {
			memcpy(o + n, e, strlen(e));
			n += strlen(e);
		} else {
			o[n++] = *s;
		}
	}
	o[n] = 0;
	return o;
}

/* how sure a run's comparisons are: what kind of number they rest on */
enum evidence { EV_LEAD, EV_ICOUNT, EV_MERGED };

static enum evidence evidence_of(json_t *res, char *text, size_t len)
{
	json_t *env = json_object_get(res, "env");
	const char *acc = json_string_value(json_object_get(env, "accel")) ?: "?";
	int boots = bhb_res_boots(res);

	if (!strcmp(acc, "icount") && json_integer_value(json_object_get(env, "vcpus")) <= 1) {
		snprintf(text, len, "the icount cost model (one vCPU, %s): deterministic, so one boot gives "
			 "verdicts; a difference under 1%% is within what two boots of one kernel differ by. "
			 "Instructions, not hardware time", BHB_ICOUNT_MEANING);
		return EV_ICOUNT;
	}
	if (!strcmp(acc, "native")) {
		const char *cpu = json_string_value(json_object_get(json_object_get(env, "native"), "cpu_model")) ?: "?";

		if (boots >= 3)
			snprintf(text, len, "%d merged runs on the machine itself (native, %s): the intervals span "
				 "runs, so these are verdicts for this machine and kernel", boots, cpu);
		else
			snprintf(text, len, "%s on the machine itself (native, %s): leads, not verdicts (a run sits in "
				 "the machine's state: frequency, caches, other load); confirm with `bhbench run --native "
				 "--boots 3`", boots > 1 ? "two runs" : "one run", cpu);
		return boots >= 3 ? EV_MERGED : EV_LEAD;
	}
	if (boots >= 3) {
		snprintf(text, len, "%d merged boots under %s: the intervals span boots, so these are verdicts "
			 "for this emulation; hardware can differ", boots, acc);
		return EV_MERGED;
	}
	snprintf(text, len, "%s under %s%s: leads, not verdicts (a boot's medians move about 10%% with the "
		 "host); confirm with `bhbench run --boots 3`, `bhbench ab` or `--accel icount`",
		 boots > 1 ? "two boots" : "one boot", acc,
		 !strcmp(acc, "icount") ? " with several vCPUs (run in turn: not the cost model)" : "");
	return EV_LEAD;
}

static double jv(json_t *o, const char *a, const char *b, const char *c)
{
	json_t *v = json_object_get(json_object_get(o, a), b);

	if (c)
		v = json_object_get(v, c);
	return json_is_number(v) ? json_number_value(v) : NAN;
}

/* the context a benchmark's callbacks ran in most, into buf */
static const char *where_ran(json_t *b, char *buf, size_t len)
{
	json_t *ctx = json_object_get(b, "contexts"), *v;
	json_int_t best = 0;
	const char *name;

	snprintf(buf, len, "?");
	json_object_foreach(ctx, name, v)
		if (json_integer_value(v) > best) {
			best = json_integer_value(v);
			snprintf(buf, len, "%s", name);
		}
	return buf;
}

/* the cleanest latency case: hardirq, periodic, one item, no cost, no hog, no load */
static const char *plain_case(json_t *res)
{
	json_t *b;
	size_t i;

	json_array_foreach(json_object_get(res, "benchmarks"), i, b) {
		json_t *pa = json_object_get(b, "params");

		if (!strcmp(json_string_value(json_object_get(b, "producer")) ?: "", "hardirq") &&
		    (!pa || (json_integer_value(json_object_get(pa, "burst")) <= 1 &&
			     !json_integer_value(json_object_get(pa, "cost_ns")) &&
			     !json_integer_value(json_object_get(pa, "softirq_load_period_ns")) &&
			     !strcmp(json_string_value(json_object_get(pa, "hog")) ?: "none", "none") &&
			     !strcmp(json_string_value(json_object_get(pa, "pattern")) ?: "periodic", "periodic"))))
			return bhb_res_case(b);
	}
	return NULL;
}

/* the saturating case of least callback cost (the mechanism's own per-item cost shows most) */
static const char *saturated_case(json_t *res, const char *mech)
{
	json_t *b;
	size_t i;
	const char *best = NULL;
	double bc = INFINITY;

	json_array_foreach(json_object_get(res, "benchmarks"), i, b) {
		double off = jv(b, "throughput", "offered_per_s", NULL), done = jv(b, "throughput", "items_per_s", "value");
		double cost = (double)json_integer_value(json_object_get(json_object_get(b, "params"), "cost_ns"));

		/*
		 * saturated: well below the offered rate (a Poisson case's own
		 * rate wanders around its nominal one, so periodic cases only)
		 */
		if (strcmp(json_string_value(json_object_get(b, "mech")) ?: "", mech) || !(off > 0) ||
		    !(done < 0.9 * off) || json_integer_value(json_object_get(json_object_get(b, "params"), "touch_bytes")) ||
		    !strcmp(json_string_value(json_object_get(json_object_get(b, "params"), "pattern")) ?: "", "poisson"))
			continue;
		if (cost < bc) {
			bc = cost;
			best = bhb_res_case(b);
		}
	}
	return best;
}

/*
 * The "In short" sentence of conversion c in Markdown (** for bold) into
 * s; false if a side of it is missing from the plain case.
 */
static int short_sentence(struct rep *rp, json_t *res, size_t c, const char *plain, enum evidence e, char *s,
			  size_t len)
{
	json_t *from = plain ? bhb_res_bench(res, plain, conv[c][0]) : NULL;
	json_t *to = plain ? bhb_res_bench(res, plain, conv[c][1]) : NULL;
	double floor = e == EV_ICOUNT ? 0.01 : 0;
	double r50, l50, h50, r99, l99, h99, rt, lt, ht;
	char wt[64], wf[64];
	size_t n = 0;

	if (!from || !to)
		return 0;
	n += (size_t)snprintf(s + n, len - n, "**%s → %s** (%s): ", conv[c][0], conv[c][1],
			      e == EV_LEAD ? "lead" : "verdict");
	if (!ratio_res(rp, res, from, to, "q2e_p50", &r50, &l50, &h50)) {
		double a = jv(from, "queue_to_exec_ns", "p50", "value"), b = jv(to, "queue_to_exec_ns", "p50", "value");
		int diff = (l50 > 1 + floor || h50 < 1 - floor);
		char by[48] = "";

		if (diff)
			snprintf(by, sizeof(by), "%.1f µs ", fabs(b - a) / 1e3);
		n += (size_t)snprintf(s + n, len - n, "from a hardirq (case %s) the callback starts %s%s "
				      "(queue to callback p50 %.1f → %.1f µs, ×%.2f [%.2f–%.2f])",
				      plain, by, !diff ? "no measurably later" : b > a ? "later" : "sooner",
				      a / 1e3, b / 1e3, r50, l50, h50);
	}
	if (!ratio_res(rp, res, from, to, "p99", &r99, &l99, &h99) && n < len)
		n += (size_t)snprintf(s + n, len - n, "; its p99 latency ×%.2f [%.2f–%.2f]", r99, l99, h99);
	where_ran(to, wt, sizeof(wt));
	where_ran(from, wf, sizeof(wf));
	if (n < len && strcmp(wt, wf))
		n += (size_t)snprintf(s + n, len - n, "; it runs in %s instead of %s", wt, wf);
	else if (n < len)
		n += (size_t)snprintf(s + n, len - n, "; it runs where the %s ran (%s)", conv[c][0], wt);
	const char *sat = saturated_case(res, conv[c][1]);
	json_t *sf = sat ? bhb_res_bench(res, sat, conv[c][0]) : NULL, *stt = sat ? bhb_res_bench(res, sat, conv[c][1]) : NULL;

	if (sf && stt && !ratio_res(rp, res, sf, stt, "items_per_s", &rt, &lt, &ht) && n < len)
		n += (size_t)snprintf(s + n, len - n, "; at saturation (case %s) items/s ×%.2f [%.2f–%.2f]",
				      sat, rt, lt, ht);
	if (n < len)
		snprintf(s + n, len - n, ".");
	return 1;
}

/* the first case whose params.KEY is VALUE (a string), or NULL */
static const char *case_where(json_t *res, const char *key, const char *value)
{
	json_t *b;
	size_t i;

	json_array_foreach(json_object_get(res, "benchmarks"), i, b)
		if (!strcmp(json_string_value(json_object_get(json_object_get(b, "params"), key)) ?: "", value))
			return bhb_res_case(b);
	return NULL;
}

/* b's victim.K.p99.value (wakeup_ns, wakeup_alone_ns), or NaN */
static double wakeup_p99(json_t *b, const char *k)
{
	return jv(json_object_get(json_object_get(b, "victim"), k), "p99", "value", NULL);
}

/* e's string k is v */
static int jis(json_t *e, const char *k, const char *v)
{
	return !strcmp(json_string_value(json_object_get(e, k)) ?: "", v);
}

/* the control scenario's atomic-context cell of mech (op, from, state), or NULL */
static json_t *atomic_cell(json_t *res, const char *mech, const char *op, const char *from, const char *state)
{
	json_t *e;
	size_t i;

	json_array_foreach(json_object_get(json_object_get(res, "control"), "atomic"), i, e)
		if (jis(e, "mech", mech) && jis(e, "op", op) && jis(e, "from", from) && jis(e, "state", state))
			return e;
	return NULL;
}

/* an atomic cell as "API 0.47 µs [0.46–0.48]" or "no API there" */
static void atomic_text(char *o, size_t len, json_t *e)
{
	json_t *ci = json_object_get(e, "ci95");

	if (json_is_string(json_object_get(e, "na")) || !json_is_number(json_object_get(e, "median_ns")))
		snprintf(o, len, "no API there");
	else if (json_number_value(json_object_get(e, "median_ns")) >= 100e3)	/* it waited for the callback */
		snprintf(o, len, "%s %.0f µs [%.0f–%.0f]", json_string_value(json_object_get(e, "api")) ?: "?",
			 json_number_value(json_object_get(e, "median_ns")) / 1e3,
			 json_number_value(json_array_get(ci, 0)) / 1e3, json_number_value(json_array_get(ci, 1)) / 1e3);
	else
		snprintf(o, len, "%s %.2f µs [%.2f–%.2f]", json_string_value(json_object_get(e, "api")) ?: "?",
			 json_number_value(json_object_get(e, "median_ns")) / 1e3,
			 json_number_value(json_array_get(ci, 0)) / 1e3, json_number_value(json_array_get(ci, 1)) / 1e3);
}

/* what the driver sentence says of control from atomic context, on a running item */
static const struct {
	const char *op, *from, *what;
} atomic_ops[] = {
	{ "cancel", "hardirq", "cancelling a running item from a hard interrupt" },
	{ "disable_enable", "softirq", "disabling it from softirq (and enabling)" },
};

/*
 * The second sentence of conversion c, from the cases a driver's author
 * asks about when the run has them: a callback that hashes the page the
 * interrupt wrote, the task it interrupts, an RT thread's wakeup, another
 * driver's BH-disabled section; false if the run has none of them.
 */
static int driver_sentence(struct rep *rp, json_t *res, size_t c, char *s, size_t len)
{
	const char *hc = case_where(res, "work", "hash"), *vc = case_where(res, "victim", "cpu");
	const char *rc = case_where(res, "victim", "rt"), *bc = case_where(res, "competitor", "bh_section");
	json_t *f, *t;
	double r, lo, hi;
	size_t n = 0, start;

	n += (size_t)snprintf(s + n, len - n, "**%s → %s** as a driver's bottom half:", conv[c][0], conv[c][1]);
	start = n;
	f = hc ? bhb_res_bench(res, hc, conv[c][0]) : NULL;
	t = hc ? bhb_res_bench(res, hc, conv[c][1]) : NULL;
	/* a callback as long as half the period or more: the items queued behind each other */
	if (f && t && jv(t, "service_ns", "p50", "value") * 2 >=
	    (double)json_integer_value(json_object_get(json_object_get(t, "params"), "period_ns")) && n < len)
		n += (size_t)snprintf(s + n, len - n, " hashing the page the interrupt wrote (case %s) took %.0f µs "
				      "of every %.0f: the items queued behind each other, no figure;", hc,
				      jv(t, "service_ns", "p50", "value") / 1e3,
				      (double)json_integer_value(json_object_get(json_object_get(t, "params"), "period_ns")) /
				      1e3);
	else if (f && t && !ratio_res(rp, res, f, t, "q2e_p50", &r, &lo, &hi) && n < len)
		n += (size_t)snprintf(s + n, len - n, " hashing the page the interrupt wrote (case %s), queue to "
				      "callback p50 %.1f → %.1f µs (×%.2f [%.2f–%.2f]), the hash itself %.1f → %.1f µs;",
				      hc, jv(f, "queue_to_exec_ns", "p50", "value") / 1e3,
				      jv(t, "queue_to_exec_ns", "p50", "value") / 1e3, r, lo, hi,
				      jv(f, "service_ns", "p50", "value") / 1e3, jv(t, "service_ns", "p50", "value") / 1e3);
	f = vc ? bhb_res_bench(res, vc, conv[c][0]) : NULL;
	t = vc ? bhb_res_bench(res, vc, conv[c][1]) : NULL;
	if (f && t && !isnan(jv(f, "victim", "rate_ratio", "value")) && !isnan(jv(t, "victim", "rate_ratio", "value")) &&
	    n < len) {
		json_t *cf = json_object_get(json_object_get(json_object_get(f, "victim"), "rate_ratio"), "ci95");
		json_t *ct = json_object_get(json_object_get(json_object_get(t, "victim"), "rate_ratio"), "ci95");

		n += (size_t)snprintf(s + n, len - n, " a SCHED_OTHER task on the producing CPU keeps %.2f "
				      "[%.2f–%.2f] → %.2f [%.2f–%.2f] of its rate alone (case %s);",
				      jv(f, "victim", "rate_ratio", "value"), json_number_value(json_array_get(cf, 0)),
				      json_number_value(json_array_get(cf, 1)), jv(t, "victim", "rate_ratio", "value"),
				      json_number_value(json_array_get(ct, 0)), json_number_value(json_array_get(ct, 1)),
				      vc);
	}
	f = rc ? bhb_res_bench(res, rc, conv[c][0]) : NULL;
	t = rc ? bhb_res_bench(res, rc, conv[c][1]) : NULL;
	if (f && t && !isnan(wakeup_p99(f, "wakeup_ns")) && !isnan(wakeup_p99(t, "wakeup_ns")) && n < len)
		n += (size_t)snprintf(s + n, len - n, " a SCHED_FIFO thread's wakeup p99 there %.0f → %.0f µs "
				      "(alone %.0f µs; case %s, a tail of one boot);", wakeup_p99(f, "wakeup_ns") / 1e3,
				      wakeup_p99(t, "wakeup_ns") / 1e3, wakeup_p99(f, "wakeup_alone_ns") / 1e3, rc);
	f = bc ? bhb_res_bench(res, bc, conv[c][0]) : NULL;
	t = bc ? bhb_res_bench(res, bc, conv[c][1]) : NULL;
	if (f && t && !ratio_res(rp, res, f, t, "p99", &r, &lo, &hi) && n < len)
		n += (size_t)snprintf(s + n, len - n, " under another driver's BH-disabled section (case %s) its "
				      "p99 latency ×%.2f [%.2f–%.2f];", bc, r, lo, hi);
	for (size_t k = 0; k < sizeof(atomic_ops) / sizeof(atomic_ops[0]) && n < len; k++) {
		char a[96], b[96];

		f = atomic_cell(res, conv[c][0], atomic_ops[k].op, atomic_ops[k].from, "busy");
		t = atomic_cell(res, conv[c][1], atomic_ops[k].op, atomic_ops[k].from, "busy");
		if (!f || !t)
			continue;
		atomic_text(a, sizeof(a), f);
		atomic_text(b, sizeof(b), t);
		n += (size_t)snprintf(s + n, len - n, " %s: %s → %s;", atomic_ops[k].what, a, b);
	}
	if (n == start || n >= len)
		return 0;
	s[n - 1] = '.';
	return 1;
}

/* a Markdown sentence as an HTML list item: ** pairs become <b></b>, the rest is escaped */
static void html_item(struct rep *rp, const char *s)
{
	int open = 0;

	fprintf(rp->html, "<li>");
	for (const char *q = s; *q; q++)
		if (q[0] == '*' && q[1] == '*') {
			fprintf(rp->html, open ? "</b>" : "<b>");
			open = !open;
			q++;
		} else {
			char one[2] = { *q, 0 };

			fputs(h(rp, one), rp->html);
		}
	fprintf(rp->html, "</li>\n");
}

/*
 * The report's first screen: for each conversion, what a driver author
 * asks (how much later does my callback run, what happens to the tail and
 * to throughput, where does it run now) in a few sentences, and what kind
 * of number they rest on.
 */
/* ---- dm-verity (type = dm-verity): the real subsystem's table, figure and sentence ---- */

static double dmv_num(json_t *g, const char *metric, const char *k)
{
	return json_number_value(json_object_get(json_object_get(g, metric), k));
}

/* "softirq 94%, kworker 6%" from a group's where shares */
static void dmv_where(char *o, size_t n, json_t *w)
{
	static const char *const ctx[] = { "softirq", "ksoftirqd", "hardirq", "kworker", "task" };

	o[0] = 0;
	for (int k = 0; k < 5; k++) {
		double v = json_number_value(json_object_get(w, ctx[k]));

		if (v >= 0.005)
			snprintf(o + strlen(o), n - strlen(o), "%s%s %.0f%%", o[0] ? ", " : "", ctx[k], v * 100);
	}
	if (!o[0])
		snprintf(o, n, "-");
}

/* the verdict sentence of each load: the BH mode against kverityd, and where each verified */
static void dmv_short(struct rep *rp, json_t *res)
{
	json_t *d = json_object_get(res, "dmverity"), *q, *g;
	size_t i, k;

	json_array_foreach(json_object_get(d, "ratios"), i, q) {
		const char *load = json_string_value(json_object_get(q, "load")) ?: "?";
		const char *mode = json_string_value(json_object_get(q, "mode")) ?: "?";
		double lo = json_number_value(json_object_get(q, "lo")), hi = json_number_value(json_object_get(q, "hi"));
		char s[768], wm[128] = "-", ww[128] = "-";

		json_array_foreach(json_object_get(d, "groups"), k, g) {
			if (strcmp(json_string_value(json_object_get(g, "load")) ?: "", load))
				continue;
			if (!strcmp(json_string_value(json_object_get(g, "mode")) ?: "", mode))
				dmv_where(wm, sizeof(wm), json_object_get(g, "where"));
			if (!strcmp(json_string_value(json_object_get(g, "mode")) ?: "", "wq"))
				dmv_where(ww, sizeof(ww), json_object_get(g, "where"));
		}
		snprintf(s, sizeof(s), "dm-verity, %s reads: %s (try_verify_in_tasklet%s) %s kverityd's throughput, "
			 "x%.2f [%.2f-%.2f] its MiB/s; verification ran in %s (%s) and %s (wq).", load, mode,
			 strcmp(mode, "bh_bytes") ? "" : ", use_bh_bytes raised",
			 lo > 1 ? "beats" : hi < 1 ? "trails" : "matches",
			 json_number_value(json_object_get(q, "ratio")), lo, hi, wm, mode, ww);
		fprintf(rp->md, "- %s\n", s);
		html_item(rp, s);
	}
}

static void in_short(struct rep *rp, json_t *res, int r)
{
	char ev[512], s[2400];
	enum evidence e = evidence_of(res, ev, sizeof(ev));
	const char *plain = plain_case(res);
	const char *kernel = json_string_value(json_object_get(json_object_get(res, "env"), "kernel"));

	if (rp->nruns > 1) {
		fprintf(rp->md, "**Run %d** (%s):\n\n", r, kernel);
		fprintf(rp->html, "<p><b>Run %d</b> (%s):</p>\n", r, h(rp, kernel));
	}
	fprintf(rp->html, "<ul>\n");
	for (size_t c = 0; c < NCONV; c++) {
		if (!short_sentence(rp, res, c, plain, e, s, sizeof(s)))
			continue;
		fprintf(rp->md, "- %s\n", s);
		html_item(rp, s);
	}
	for (size_t c = 0; c < NCONV; c++) {
		if (!driver_sentence(rp, res, c, s, sizeof(s)))
			continue;
		fprintf(rp->md, "- %s\n", s);
		html_item(rp, s);
	}
	dmv_short(rp, res);
	fprintf(rp->html, "</ul>\n");
	fprintf(rp->md, "\nThese rest on %s.\n\n", ev);
	fprintf(rp->html, "<p>These rest on %s.</p>\n", h(rp, ev));
}

/* vars: more gnuplot assignments ("names='a b'; ylab='MiB/s'"), or "" */
static int gnuplot(const char *script, const char *data, int nblocks, const char *out, const char *term,
		   const char *title, const char *vars)
{
	char expr[4096], sp[PATH_MAX];
	const char *argv[] = { "gnuplot", "-e", expr, sp, NULL };
	char sink[256];

	snprintf(sp, sizeof(sp), "%s/plots/%s", bhb_root(), script);
	snprintf(expr, sizeof(expr), "datafile='%s'; nblocks=%d; outfile='%s'; term='%s'; ttl='%s'%s%s", data, nblocks,
		 out, term, title, vars[0] ? "; " : "", vars);
	return bhb_capture(sink, sizeof(sink), argv);
}

/*
 * Render one figure as figdir/base.svg and .png and register it for the
 * report; false if the figure table is full.  vars: the script's other
 * variables (figure_vars), or none (figure).
 */
static int figure_vars(struct rep *rp, const char *script, const char *data, int nblocks, const char *base,
		       const char *title, const char *caption, const char *vars)
{
	char out[PATH_MAX];

	if (rp->nfig >= MAXFIGS)
		return 0;
	for (int t = 0; t < 2; t++) {
		const char *ext = t ? "png" : "svg";

		snprintf(out, sizeof(out), "%s/%s.%s", rp->figdir, base, ext);
		if (gnuplot(script, data, nblocks, out, ext, title, vars))
			fprintf(stderr, "bhbench report: gnuplot failed for %s\n", out);
	}
	snprintf(rp->figs[rp->nfig].file, sizeof(rp->figs[0].file), "%s", base);
	snprintf(rp->figs[rp->nfig].caption, sizeof(rp->figs[0].caption), "%s", caption);
	rp->nfig++;
	return 1;
}

static int figure(struct rep *rp, const char *script, const char *data, int nblocks, const char *base,
		  const char *title, const char *caption)
{
	return figure_vars(rp, script, data, nblocks, base, title, caption, "");
}

/* " value lo hi" in µs; without an interval lo = hi = value; NaN if overflowed */
static void pct3(FILE *fp, json_t *v)
{
	json_t *ci = json_object_get(v, "ci95");
	double x;

	if (!json_is_number(json_object_get(v, "value"))) {
		fprintf(fp, " NaN NaN NaN");
		return;
	}
	x = json_number_value(json_object_get(v, "value")) / 1e3;
	if (json_array_size(ci) == 2)
		fprintf(fp, " %.3f %.3f %.3f", x, json_number_value(json_array_get(ci, 0)) / 1e3,
			json_number_value(json_array_get(ci, 1)) / 1e3);
	else
		fprintf(fp, " %.3f %.3f %.3f", x, x, x);
}

static void fmt_ci(char *o, size_t n, json_t *v)
{
	json_t *ci = json_object_get(v, "ci95");

	if (!v || json_is_null(v))
		snprintf(o, n, "overflow");
	else
		snprintf(o, n, "%.1f [%.1f-%.1f]", json_real_value(json_object_get(v, "value")) / 1e3,
			 json_real_value(json_array_get(ci, 0)) / 1e3, json_real_value(json_array_get(ci, 1)) / 1e3);
}


static void verdicts_head(struct rep *rp)
{
	fprintf(rp->md, "## Conversion verdicts\n\nRatios of medians over repetitions (NEW mechanism / tasklet), 95%% bootstrap interval; "
		"a difference counts only when the interval excludes 1 (icount: 1 ± 1%%); one boot under TCG or KVM gives "
		"leads, marked so.\n\n"
		"| run | scenario | case | conversion | p50 ratio | p99 ratio | items/s ratio | verdict |\n|---|---|---|---|---|---|---|---|\n");
	fprintf(rp->html, "<h2>Conversion verdicts</h2><p>Ratios of medians over repetitions (converted / original), "
		"95%% bootstrap interval; a difference counts only when the interval excludes 1 (icount: 1 ± 1%%); one boot "
		"under TCG or KVM gives leads, marked so.</p>\n"
		"<table id=\"verdicts\"><tr><th>run</th><th>scenario</th><th>case</th><th>conversion</th><th>p50 ratio</th>"
		"<th>p99 ratio</th><th>items/s ratio</th><th>verdict</th></tr>\n");
}

/*
 * items/s ratio into st, where the offered load saturated one of the two;
 * a measurable difference is added to the verdict v
 */
static void tput_ratio(struct rep *rp, json_t *res, json_t *from, json_t *to, char *st, size_t stlen, char *v,
		       size_t vlen)
{
	double rt, lt, ht, off = json_real_value(json_object_get(json_object_get(to, "throughput"), "offered_per_s"));
	double done = fmin(json_real_value(json_object_get(json_object_get(json_object_get(from, "throughput"),
							"items_per_s"), "value")),
			   json_real_value(json_object_get(json_object_get(json_object_get(to, "throughput"),
							"items_per_s"), "value")));

	if (off > 0 && done < 0.95 * off && !ratio_res(rp, res, from, to, "items_per_s", &rt, &lt, &ht)) {
		snprintf(st, stlen, "%.2f [%.2f-%.2f]", rt, lt, ht);
		if (lt > 1 || ht < 1)
			snprintf(v + strlen(v), vlen - strlen(v), "%sitems/s %.2fx %s",
				 strcmp(v, "no measurable difference") ? ", " : "; ",
				 rt >= 1 ? rt : 1 / rt, rt >= 1 ? "higher" : "lower");
	}
}

/* the verdict row of conversion c in case kase of run r */
static void verdict_row(struct rep *rp, json_t *res, int r, const char *kase, size_t c, enum evidence ev)
{
	const char *scen = json_string_value(json_object_get(json_object_get(res, "scenario"), "name"));
	json_t *from = bhb_res_bench(res, kase, conv[c][0]), *to = bhb_res_bench(res, kase, conv[c][1]);
	double r50 = NAN, l50 = NAN, h50 = NAN, r99 = NAN, l99 = NAN, h99 = NAN;
	char v[160], s50[48] = "n/a", s99[48] = "n/a", st[48] = "-";
	int ok50, ok99;

	if (!from || !to)
		return;
	ok50 = !ratio_res(rp, res, from, to, "p50", &r50, &l50, &h50);
	ok99 = !ratio_res(rp, res, from, to, "p99", &r99, &l99, &h99);
	if (ok50)
		snprintf(s50, sizeof(s50), "%.2f [%.2f-%.2f]", r50, l50, h50);
	if (ok99)
		snprintf(s99, sizeof(s99), "%.2f [%.2f-%.2f]", r99, l99, h99);
	verdict(v, sizeof(v), ok50, r50, l50, h50, ok99, r99, l99, h99, ev == EV_ICOUNT ? 0.01 : 0);
	tput_ratio(rp, res, from, to, st, sizeof(st), v, sizeof(v));
	/* one TCG boot: the difference is a lead (see "In short") */
	const char *pre = ev == EV_LEAD && strncmp(v, "no measurable", 13) ? "lead: " : "";

	fprintf(rp->md, "| %d | %s | %s | %s → %s | %s | %s | %s | %s%s |\n", r, scen, kase, conv[c][0],
		conv[c][1], s50, s99, st, pre, v);
	fprintf(rp->html, "<tr><td>%d</td><td>%s</td><td>%s</td><td>%s → %s</td><td>%s</td><td>%s</td><td>%s</td>"
		"<td>%s%s</td></tr>\n", r, h(rp, scen), h(rp, kase), conv[c][0], conv[c][1], s50, s99, st, pre,
		h(rp, v));
}

/* hotplug behaviour of conversion c in run r (teardown mode, largest K) */
static void hotplug_row(struct rep *rp, json_t *res, int r, size_t c)
{
	const char *scen = json_string_value(json_object_get(json_object_get(res, "scenario"), "name"));
	json_t *gf = hp_group(res, "teardown", conv[c][0]), *gt = hp_group(res, "teardown", conv[c][1]);
	char v[320], k[48];

	if (!gf || !gt)
		return;
	snprintf(k, sizeof(k), "hotplug K=%lld", (long long)json_integer_value(json_object_get(gt, "count")));
	snprintf(v, sizeof(v), "offline %.0f → %.0f ms, pending at death %.0f%% → %.0f%%, "
		 "ran elsewhere %lld → %lld, lost %lld → %lld",
		 hp_ms(gf, "offline_user_ns"), hp_ms(gt, "offline_user_ns"),
		 100 * json_real_value(json_object_get(gf, "pending_fraction_p50")),
		 100 * json_real_value(json_object_get(gt, "pending_fraction_p50")),
		 (long long)json_integer_value(json_object_get(gf, "on_other")),
		 (long long)json_integer_value(json_object_get(gt, "on_other")),
		 (long long)json_integer_value(json_object_get(gf, "lost")),
		 (long long)json_integer_value(json_object_get(gt, "lost")));
	fprintf(rp->md, "| %d | %s | %s | %s → %s | - | - | - | %s |\n", r, scen, k, conv[c][0], conv[c][1], v);
	fprintf(rp->html, "<tr><td>%d</td><td>%s</td><td>%s</td><td>%s → %s</td><td>-</td><td>-</td><td>-</td><td>%s</td></tr>\n",
		r, h(rp, scen), k, conv[c][0], conv[c][1], h(rp, v));
}

/* 1. conversion verdicts: every case and conversion of every run, then hotplug */
static void sec_verdicts(struct rep *rp, json_t *const *runs)
{
	verdicts_head(rp);
	for (int r = 1; r <= rp->nruns; r++) {
		json_t *res = runs[r - 1];
		const char *prods[MAXCASES];
		size_t ncase;
		char evtext[512];
		enum evidence ev;

		if (!res)
			continue;
		ncase = (size_t)bhb_res_cases(res, prods, MAXCASES);
		ev = evidence_of(res, evtext, sizeof(evtext));
		for (size_t p = 0; p < ncase; p++)
			for (size_t c = 0; c < NCONV; c++)
				verdict_row(rp, res, r, prods[p], c, ev);
		for (size_t c = 0; c < NCONV; c++)
			hotplug_row(rp, res, r, c);
	}
	fprintf(rp->html, "</table>\n");
}

/* several runs (kernels): p50 and p99 of the hardirq case across them */
static void fig_trend(struct rep *rp, json_t *const *runs)
{
	static const char *const mets[] = { "p50", "p99" };

	if (rp->nruns < 2)
		return;
	for (int k = 0; k < 2; k++) {
		char dat[PATH_MAX], base[64], title[256], cap[256];
		FILE *f;
		int rows = 0;

		snprintf(dat, sizeof(dat), "%s/trend-%s.dat", rp->figdir, mets[k]);
		f = fopen(dat, "w");
		if (!f)
			break;
		bhb_trend_header(f);
		for (int r = 0; r < rp->nruns; r++) {
			/* runs without latency rows (a real subsystem's) are not on this figure */
			if (!runs[r] || !json_array_size(json_object_get(runs[r], "benchmarks")))
				continue;
			bhb_trend_row(f, runs[r], "hardirq", mets[k]);
			rows++;
		}
		fclose(f);
		if (rows < 2)
			break;
		snprintf(base, sizeof(base), "trend-%s", mets[k]);
		snprintf(title, sizeof(title), "hardirq-produced latency %s across runs", mets[k]);
		snprintf(cap, sizeof(cap), "Latency %s (µs, 95%% CI) of the hardirq case per mechanism, one point per run "
			 "(kernel) in the order given.", mets[k]);
		figure(rp, "trend.gp", dat, BHB_NR_MECHS, base, title, cap);
	}
}

/* ---- several runs of one real subsystem (kernels): the figure and a sentence per load ---- */

/* the runs of kind k: how many */
static int rs_runs(json_t *const *runs, int n, const struct bhb_rs_desc *k)
{
	int c = 0;

	for (int r = 0; r < n; r++)
		c += runs[r] && bhb_rs_of(runs[r]) == k;
	return c;
}

/* kind k's metric across its runs: one data file, one figure of every load/mode */
static void rs_runs_figure(struct rep *rp, json_t *const *runs, const struct bhb_rs_desc *k, const char *metric,
			   const char *ylab)
{
	char dat[PATH_MAX], base[64], title[256], cap[320], vars[512], names[256];
	unsigned int mask;
	FILE *f;

	snprintf(dat, sizeof(dat), "%s/runs-%s-%s.dat", rp->figdir, k->key, metric);
	f = fopen(dat, "w");
	if (!f)
		return;
	mask = bhb_rs_present(runs, rp->nruns, k);
	bhb_rs_trend_header(f, k, mask);
	for (int r = 0; r < rp->nruns; r++)
		if (runs[r] && bhb_rs_of(runs[r]) == k)
			bhb_rs_trend_row(f, runs[r], k, metric, mask);
	fclose(f);
	bhb_rs_columns(k, mask, names, sizeof(names));
	/* p99 of 4 KiB and 512 KiB reads are orders of magnitude apart */
	snprintf(vars, sizeof(vars), "names='%s'; ylab='%s'%s", names, ylab, strcmp(metric, "mib_s") ? "; logy=1" : "");
	snprintf(base, sizeof(base), "runs-%s-%s", k->key, metric);
	snprintf(title, sizeof(title), "%s across runs: %s", k->kind, ylab);
	snprintf(cap, sizeof(cap), "%s: %s per load and mode (median over repetitions, 95%% interval), one point per "
		 "run (kernel) in the order given.", k->kind, ylab);
	figure_vars(rp, "trend.gp", dat, 1, base, title, cap, vars);
}

/* one load of a kind with modes: each mode against the first, run by run, and where it ran; the runs it is in */
static int rs_ratio_sentence(json_t *const *runs, int n, const struct bhb_rs_desc *k, int l, int m, char *s,
			      size_t len)
{
	int above = 0, below = 0, within = 0;

	snprintf(s, len, "%s, %s reads, %s over %s (MiB/s):", k->kind, bhb_dmv_load_names[l], k->modes[m], k->modes[0]);
	for (int r = 0; r < n; r++) {
		json_t *d = runs[r] && bhb_rs_of(runs[r]) == k ? json_object_get(runs[r], k->key) : NULL, *q;
		json_t *g = bhb_rs_group(d, bhb_dmv_load_names[l], k->modes[m]);
		char label[160], wh[128];
		size_t i;

		json_array_foreach(json_object_get(d, "ratios"), i, q) {
			double lo = json_number_value(json_object_get(q, "lo")), hi = json_number_value(json_object_get(q, "hi"));

			if (strcmp(bhb_jstr(q, "load"), bhb_dmv_load_names[l]) || strcmp(bhb_jstr(q, "mode"), k->modes[m]))
				continue;
			bhb_run_label(runs[r], label, sizeof(label));
			dmv_where(wh, sizeof(wh), json_object_get(g, "where"));
			snprintf(s + strlen(s), len - strlen(s), "%s x%.2f [%.2f-%.2f] on %s (%s ran in %s)",
				 above + below + within ? ";" : "", json_number_value(json_object_get(q, "ratio")), lo, hi,
				 label, k->modes[m], wh);
			above += lo > 1;
			below += hi < 1;
			within += !(lo > 1) && !(hi < 1);
		}
	}
	snprintf(s + strlen(s), len - strlen(s), ". Ahead in %d run(s), behind in %d, level in %d%s", above, below,
		 within, above && below ? ": the direction depends on the kernel" : "");
	return above + below + within;
}

/* one load of a kind with one mode: its throughput run by run; no mechanism verdict */
static void rs_level_sentence(json_t *const *runs, int n, const struct bhb_rs_desc *k, int l, char *s, size_t len)
{
	int any = 0;

	snprintf(s, len, "%s, %s reads (%s):", k->kind, bhb_dmv_load_names[l], k->modes[0]);
	for (int r = 0; r < n; r++) {
		json_t *d = runs[r] && bhb_rs_of(runs[r]) == k ? json_object_get(runs[r], k->key) : NULL;
		json_t *g = bhb_rs_group(d, bhb_dmv_load_names[l], k->modes[0]);
		char label[160], wh[128];

		if (!g)
			continue;
		bhb_run_label(runs[r], label, sizeof(label));
		dmv_where(wh, sizeof(wh), json_object_get(g, "where"));
		snprintf(s + strlen(s), len - strlen(s), "%s %.1f [%.1f-%.1f] MiB/s on %s (ran in %s)", any++ ? ";" : "",
			 dmv_num(g, "mib_s", "median"), dmv_num(g, "mib_s", "lo"), dmv_num(g, "mib_s", "hi"), label, wh);
	}
	snprintf(s + strlen(s), len - strlen(s), ". Each run is a boot of its own kernel, and between releases "
		 "everything else changed too: this tells where the work ran, not which mechanism is faster");
}

static void sec_rs_runs(struct rep *rp, json_t *const *runs)
{
	for (const struct bhb_rs_desc *const *kp = bhb_rs_descs; *kp; kp++) {
		const struct bhb_rs_desc *k = *kp;
		char s[4096];

		if (rs_runs(runs, rp->nruns, k) < 2)
			continue;
		fprintf(rp->md, "## Real subsystems across runs: %s\n\n", k->kind);
		fprintf(rp->html, "<h2>Real subsystems across runs: %s</h2>\n<ul>\n", h(rp, k->kind));
		for (int l = 0; l < BHB_NR_DMV_LOADS; l++) {
			for (int m = 1; m < k->nmodes; m++) {
				if (!rs_ratio_sentence(runs, rp->nruns, k, l, m, s, sizeof(s)))
					continue;	/* a mode none of the kernels has (bh_bytes before 6.15) */
				fprintf(rp->md, "- %s.\n", s);
				html_item(rp, s);
			}
			if (k->nmodes == 1) {
				rs_level_sentence(runs, rp->nruns, k, l, s, sizeof(s));
				fprintf(rp->md, "- %s.\n", s);
				html_item(rp, s);
			}
		}
		fprintf(rp->md, "\n");
		fprintf(rp->html, "</ul>\n");
		rs_runs_figure(rp, runs, k, "mib_s", "MiB/s");
		rs_runs_figure(rp, runs, k, "p99_us", "completion latency p99 (us)");
	}
}

/* 2. a run's heading, the emulation's caveat and its environment */
static void run_env(struct rep *rp, json_t *res, int r, const char *scen)
{
	static const char *const keys[] = { "kernel", "flavour", "preempt", "accel", "accel_probe", "vcpus",
					     "host_cpu", "qemu", "module_hash", "date", "run_id" };
	json_t *env = json_object_get(res, "env");
	const char *acc = json_string_value(json_object_get(env, "accel")), *note = NULL;
	char nat[512];

	fprintf(rp->md, "\n## Run %d: %s on %s\n\n", r, scen, json_string_value(json_object_get(env, "kernel")));
	fprintf(rp->html, "<h2>Run %d: %s on %s</h2>\n", r, h(rp, scen),
		h(rp, json_string_value(json_object_get(env, "kernel"))));
	/* what kind of time the numbers are, and what they compare with */
	if (acc && !strcmp(acc, "native")) {
		json_t *pre = json_object_get(json_object_get(env, "native"), "preflight");
		size_t nw = json_array_size(json_object_get(pre, "warnings"));

		snprintf(nat, sizeof(nat), "These numbers come from the machine itself (bhbench run --native): its CPU "
			 "and its running kernel, not emulation; compare them only with native runs on the same CPU. "
			 "The noise check before the run: %s.", !pre ? "not recorded" : nw ?
			 "the machine was NOT quiet (see env.native.preflight.warnings)" : "quiet");
		note = nat;
	} else if (acc && !strcmp(acc, "tcg")) {
		note = "These numbers come from TCG emulation: every instruction is emulated. "
		       "They are for comparing mechanisms within this run only, not with hardware or KVM.";
	} else if (acc && !strcmp(acc, "icount")) {
		note = "These numbers are QEMU icount virtual time (" BHB_ICOUNT_MEANING "): a "
		       "deterministic cost model, the same on every host, not hardware time; compare them "
		       "only with other icount runs.";
	} else if (acc && !strcmp(acc, "kvm")) {
		note = "These numbers come from a KVM guest: the guest kernel on the host's real CPUs, "
		       "with the host's scheduling of the vCPU threads on top. Compare them only with other "
		       "KVM runs on the same CPU, not with TCG, icount or native runs.";
	}
	if (note) {
		fprintf(rp->md, "> **Note:** %s\n\n", note);
		fprintf(rp->html, "<p class=\"note\"><b>Note:</b> %s</p>\n", h(rp, note));
	}
	fprintf(rp->md, "| environment | |\n|---|---|\n");
	fprintf(rp->html, "<table><tr><th>environment</th><th></th></tr>\n");
	for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
		json_t *v = json_object_get(env, keys[k]);
		char val[256];

		if (!v && !strcmp(keys[k], "accel_probe"))
			continue;	/* --accel given, not probed */
		if (json_is_integer(v))
			snprintf(val, sizeof(val), "%lld", (long long)json_integer_value(v));
		else
			snprintf(val, sizeof(val), "%s", json_string_value(v) ?: "?");
		fprintf(rp->md, "| %s | %s |\n", keys[k], val);
		fprintf(rp->html, "<tr><td>%s</td><td>%s</td></tr>\n", keys[k], h(rp, val));
	}
	/* what else the host did meanwhile: its other load and a hypervisor's steal move emulated timings */
	json_t *cpu = json_object_get(env, "host_cpu_during_run");

	if (json_is_object(cpu)) {
		char val[160];

		snprintf(val, sizeof(val), "busy %.0f%%, stolen by a hypervisor %.1f%% (over %.0f s)",
			 json_real_value(json_object_get(cpu, "busy_pct")),
			 json_real_value(json_object_get(cpu, "steal_pct")),
			 json_real_value(json_object_get(cpu, "seconds")));
		fprintf(rp->md, "| host CPU during the run | %s |\n", val);
		fprintf(rp->html, "<tr><td>host CPU during the run</td><td>%s</td></tr>\n", h(rp, val));
	}
	fprintf(rp->html, "</table>\n");
}

/* a benchmark's latency CDF (a block of fc) and its p50, p99, p99.9 (a row of fp) */
static void case_data(json_t *b, int nb, FILE *fc, FILE *fp)
{
	json_t *hist = json_object_get(json_object_get(b, "histogram"), "latency");
	json_t *lat = json_object_get(b, "latency_ns");
	double tot = 0, cum = 0;

	for (size_t k = 1; k < json_array_size(hist); k += 2)
		tot += (double)json_integer_value(json_array_get(hist, k));
	fprintf(fc, "%s%s\n", nb ? "\n\n" : "", json_string_value(json_object_get(b, "mech")));
	for (size_t k = 0; k + 1 < json_array_size(hist); k += 2) {
		unsigned int idx = (unsigned int)json_integer_value(json_array_get(hist, k));

		cum += (double)json_integer_value(json_array_get(hist, k + 1));
		if (idx < BHB_HIST_OVERFLOW)
			fprintf(fc, "%.4f %.6f\n", (double)(bhb_hist_lower(idx) + bhb_hist_width(idx)) / 1e3,
				cum / tot);
	}
	fprintf(fp, "%s", json_string_value(json_object_get(b, "mech")));
	pct3(fp, json_object_get(lat, "p50"));
	pct3(fp, json_object_get(lat, "p99"));
	pct3(fp, json_object_get(lat, "p99.9"));
	fprintf(fp, "\n");
}

/* 3. the latency CDF and percentiles of one case, one line or bar per mechanism */
static void fig_case(struct rep *rp, json_t *res, int r, const char *scen, const char *kase)
{
	char cdf[PATH_MAX], pct[PATH_MAX], fname[128], base[96], title[256], cap[256];
	FILE *fc, *fp;
	json_t *b;
	size_t i;
	int nb = 0;

	/* a file name: "producers/hardirq" -> "producers-hardirq" */
	snprintf(fname, sizeof(fname), "%s", kase);
	for (char *q = fname; *q; q++)
		if (*q == '/' || *q == ' ')
			*q = '-';
	snprintf(cdf, sizeof(cdf), "%s/run%d-cdf-%s.dat", rp->figdir, r, fname);
	snprintf(pct, sizeof(pct), "%s/run%d-pct-%s.dat", rp->figdir, r, fname);
	fc = fopen(cdf, "w");
	fp = fopen(pct, "w");
	if (!fc || !fp) {
		if (fc)
			fclose(fc);
		if (fp)
			fclose(fp);
		return;
	}
	fprintf(fp, "# mechanism p50 p50_lo p50_hi p99 p99_lo p99_hi p999 p999_lo p999_hi (us)\n");
	json_array_foreach(json_object_get(res, "benchmarks"), i, b)
		if (!strcmp(bhb_res_case(b), kase))
			case_data(b, nb++, fc, fp);
	fclose(fc);
	fclose(fp);
	if (!nb)
		return;
	snprintf(base, sizeof(base), "run%d-cdf-%s", r, fname);
	snprintf(title, sizeof(title), "%s, %s: latency CDF", scen, kase);
	snprintf(cap, sizeof(cap), "Run %d, %s: fraction of items (y) with a latency below x, one line per mechanism.",
		 r, kase);
	figure(rp, "latency_cdf.gp", cdf, nb, base, title, cap);
	snprintf(base, sizeof(base), "run%d-pct-%s", r, fname);
	snprintf(title, sizeof(title), "%s, %s: p50, p99 and p99.9 with 95%% CI", scen, kase);
	snprintf(cap, sizeof(cap), "Run %d, %s: p50, p99 and p99.9 per mechanism; error bars are 95%% bootstrap intervals over repetitions.",
		 r, kase);
	figure(rp, "percentiles.gp", pct, nb, base, title, cap);
}

/* latency by producer context: p50 per mechanism, a bar per producer */
static void fig_producers(struct rep *rp, json_t *res, int r, const char *scen, const char *const *prods,
			  size_t ncase)
{
	char dat[PATH_MAX], base[96], title[256], cap[160];
	const char *have[8];
	int np = 0;
	FILE *f;

	/* a suite's producers scenario, or a scenario's cases named after producers */
	for (size_t p = 0; p < ncase && np < 8; p++)
		if (!strncmp(prods[p], "producers/", 10) ||
		    bhb_name_lookup(bhb_producer_names, BHB_NR_PRODUCERS, prods[p]) >= 0)
			have[np++] = prods[p];
	snprintf(dat, sizeof(dat), "%s/run%d-producers.dat", rp->figdir, r);
	f = np > 1 ? fopen(dat, "w") : NULL;
	if (!f)
		return;
	fprintf(f, "mechanism");
	for (int k = 0; k < np; k++)
		fprintf(f, " %s", have[k]);
	fprintf(f, "\n");
	for (int m = 0; m < BHB_NR_MECHS; m++) {
		if (!bhb_res_bench(res, have[0], bhb_mech_names[m]))
			continue;
		fprintf(f, "%s", bhb_mech_names[m]);
		for (int k = 0; k < np; k++) {
			json_t *bb = bhb_res_bench(res, have[k], bhb_mech_names[m]);

			fprintf(f, " %.3f", bb ? json_real_value(json_object_get(json_object_get(
				json_object_get(bb, "latency_ns"), "p50"), "value")) / 1e3 : 0.0);
		}
		fprintf(f, "\n");
	}
	fclose(f);
	snprintf(base, sizeof(base), "run%d-producers", r);
	snprintf(title, sizeof(title), "%s: median latency by producer context", scen);
	snprintf(cap, sizeof(cap), "Run %d: median latency per mechanism for each producer context.", r);
	figure(rp, "producers.gp", dat, np, base, title, cap);
}

/*
 * A point of a throughput figure: x and the median items/s with its 95%
 * interval, after the mechanism's name when it is the first of its block
 * (the nb-th)
 */
static void tput_point(FILE *f, int *rows, int nb, int m, const char *x, json_t *t)
{
	if (!(*rows)++)
		fprintf(f, "%s%s\n", nb ? "\n\n" : "", bhb_mech_names[m]);
	fprintf(f, "%s %.1f %.1f %.1f\n", x, json_real_value(json_object_get(t, "value")),
		json_real_value(json_array_get(json_object_get(t, "ci95"), 0)),
		json_real_value(json_array_get(json_object_get(t, "ci95"), 1)));
}

/*
 * items/s of mechanism m's throughput cases of 10 us callbacks by producing
 * CPUs, a block of f (the nb-th); returns its rows, the most CPUs in *ncpu
 */
static int tput_cpus_block(FILE *f, json_t *res, int m, const char *const *prods, size_t ncase, int nb, int *ncpu)
{
	int rows = 0;

	for (int want = 1; want <= 64; want++)
		for (size_t p = 0; p < ncase; p++) {
			json_t *bb = bhb_res_bench(res, prods[p], bhb_mech_names[m]), *pa, *t;
			char x[16];

			if (!bb || strncmp(prods[p], "throughput/", 11))
				continue;
			pa = json_object_get(bb, "params");
			t = json_object_get(json_object_get(bb, "throughput"), "items_per_s");
			if (json_integer_value(json_object_get(pa, "cost_ns")) != 10000 ||
			    json_integer_value(json_object_get(pa, "touch_bytes")) ||
			    __builtin_popcountll((unsigned long long)json_integer_value(json_object_get(pa, "cpus"))) != want ||
			    !json_is_object(t))
				continue;
			snprintf(x, sizeof(x), "%d", want);
			tput_point(f, &rows, nb, m, x, t);
			*ncpu = want > *ncpu ? want : *ncpu;
		}
	return rows;
}

/*
 * items/s of mechanism m by callback cost (the cases of a throughput
 * scenario with a cost-N name), a block of f (the nb-th); returns its rows
 */
static int tput_cost_block(FILE *f, json_t *res, int m, const char *const *prods, size_t ncase, int nb,
			   int *ncpu)
{
	int rows = 0;

	(void)ncpu;
	for (size_t p = 0; p < ncase; p++) {
		const char *c = strstr(prods[p], "throughput/cost-");
		json_t *bb = bhb_res_bench(res, prods[p], bhb_mech_names[m]), *t;
		char *end, x[64];
		double cost;

		if (!c || !bb)
			continue;
		cost = strtod(c + 16, &end);
		if (*end)
			continue;	/* e.g. cost-1-one-cpu */
		t = json_object_get(json_object_get(bb, "throughput"), "items_per_s");
		if (!json_is_object(t))
			continue;
		/* log x: cost 0 is drawn at 0.1 us */
		snprintf(x, sizeof(x), "%.3f", cost > 0 ? cost : 0.1);
		tput_point(f, &rows, nb, m, x, t);
	}
	return rows;
}

/* a figure of items/s under saturation, a block per mechanism */
struct tput_fig {
	const char *name;	/* run<N>-name.dat, .svg, .png */
	const char *script;
	const char *title;	/* after "<scenario>: items/s under saturation vs " */
	const char *caption;	/* after "Run <N>: callbacks completed per second (median, 95% CI) " */
	int by_cpus;		/* drawn only when more than one CPU produced */
	int (*block)(FILE *f, json_t *res, int m, const char *const *prods, size_t ncase, int nb, int *ncpu);
};

static const struct tput_fig tput_figs[] = {
	/* throughput versus producing CPUs: throughput cases of 10 us callbacks, by CPU count */
	{ "throughput-cpus", "throughput_cpus.gp", "producing CPUs (10 us callbacks)",
	  "with 1, ..., N CPUs producing and running 10 us callbacks.", 1, tput_cpus_block },
	/* throughput versus callback cost */
	{ "throughput", "throughput.gp", "callback cost",
	  "against the callback's cost; cost 0 is drawn at 0.1 us.", 0, tput_cost_block },
};

static void fig_tput(struct rep *rp, json_t *res, int r, const char *scen, const char *const *prods, size_t ncase,
		     const struct tput_fig *tf)
{
	char dat[PATH_MAX], base[96], title[256], cap[256];
	FILE *f;
	int nb = 0, ncpu = 0;

	snprintf(dat, sizeof(dat), "%s/run%d-%s.dat", rp->figdir, r, tf->name);
	f = fopen(dat, "w");
	for (int m = 0; f && m < BHB_NR_MECHS; m++)
		if (tf->block(f, res, m, prods, ncase, nb, &ncpu))
			nb++;
	if (f)
		fclose(f);
	if (!nb || (tf->by_cpus && ncpu <= 1))
		return;
	snprintf(base, sizeof(base), "run%d-%s", r, tf->name);
	snprintf(title, sizeof(title), "%s: items/s under saturation vs %s", scen, tf->title);
	snprintf(cap, sizeof(cap), "Run %d: callbacks completed per second (median, 95%% CI) %s", r, tf->caption);
	figure(rp, tf->script, dat, nb, base, title, cap);
}

/* median drain time (ms) versus K of hotplug mode's groups into f, a block per mechanism; returns the blocks */
static int drain_data(FILE *f, json_t *groups, const char *mode)
{
	char last[32] = "";
	json_t *g;
	size_t i;
	int nb = 0;

	json_array_foreach(groups, i, g) {
		const char *m = json_string_value(json_object_get(g, "mech"));
		json_t *d = json_object_get(json_object_get(g, "drain_ns"), "p50");

		if (strcmp(json_string_value(json_object_get(g, "mode")), mode) ||
		    !json_integer_value(json_object_get(g, "count")) || !json_is_number(d))
			continue;
		if (strcmp(m, last)) {
			fprintf(f, "%s%s\n", nb++ ? "\n\n" : "", m);
			snprintf(last, sizeof(last), "%s", m);
		}
		fprintf(f, "%lld %.3f\n", (long long)json_integer_value(json_object_get(g, "count")),
			json_number_value(d) / 1e6);
	}
	return nb;
}

/* hotplug drain versus K, per mode */
static void fig_drain(struct rep *rp, json_t *res, int r, const char *scen)
{
	json_t *groups = json_object_get(json_object_get(res, "hotplug"), "groups");

	if (!json_array_size(groups))
		return;
	for (int mo = 0; mo < BHB_NR_HP_MODES && rp->nfig + 1 <= MAXFIGS; mo++) {
		const char *mode = bhb_hp_mode_names[mo];
		char dat[PATH_MAX], base[96], title[256], cap[192];
		FILE *f;
		int nb;

		snprintf(dat, sizeof(dat), "%s/run%d-drain-%s.dat", rp->figdir, r, mode);
		f = fopen(dat, "w");
		if (!f)
			continue;
		nb = drain_data(f, groups, mode);
		fclose(f);
		if (!nb)
			continue;
		snprintf(base, sizeof(base), "run%d-drain-%s", r, mode);
		snprintf(title, sizeof(title), "%s: drain time vs pending items, mode %s", scen, mode);
		snprintf(cap, sizeof(cap), "Run %d, hotplug mode %s: offline start to the last pending item run (median ms) versus K.",
			 r, mode);
		figure(rp, "hotplug_drain.gp", dat, nb, base, title, cap);
	}
}

/* one control operation's timing row */
static void control_row(struct rep *rp, json_t *t)
{
	char med[64], aft[32] = "-", wt[32] = "-";
	json_t *ci = json_object_get(t, "ci95");
	int busy = !strcmp(json_string_value(json_object_get(t, "state")) ?: "", "busy");

	snprintf(med, sizeof(med), "%.2f [%.2f-%.2f]", json_number_value(json_object_get(t, "median_ns")) / 1e3,
		 json_number_value(json_array_get(ci, 0)) / 1e3, json_number_value(json_array_get(ci, 1)) / 1e3);
	if (busy && json_is_number(json_object_get(t, "after_end_median_ns")))
		snprintf(aft, sizeof(aft), "%.1f", json_number_value(json_object_get(t, "after_end_median_ns")) / 1e3);
	if (busy)
		snprintf(wt, sizeof(wt), "%lld/%lld", (long long)json_integer_value(json_object_get(t, "ok")),
			 (long long)json_integer_value(json_object_get(t, "iterations")));
	fprintf(rp->md, "| %s | %s | %s | `%s` | %s | %s | %s |\n", json_string_value(json_object_get(t, "op")),
		json_string_value(json_object_get(t, "state")), json_string_value(json_object_get(t, "mech")),
		json_string_value(json_object_get(t, "api")), med, aft, wt);
	fprintf(rp->html, "<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>\n",
		h(rp, json_string_value(json_object_get(t, "op"))), h(rp, json_string_value(json_object_get(t, "state"))),
		h(rp, json_string_value(json_object_get(t, "mech"))), h(rp, json_string_value(json_object_get(t, "api"))),
		med, aft, wt);
}

/* control operations: one row per op x state x mechanism, then the checks */
static void tab_control(struct rep *rp, json_t *res)
{
	const char *const *checks = bhb_ctrl_op_names + BHB_CTRL_COALESCE;
	json_t *ctl = json_object_get(res, "control"), *t;
	size_t i;

	if (!json_array_size(json_object_get(ctl, "timing")))
		return;
	fprintf(rp->md, "\n### Control operations\n\nMedian time of each call (95%% bootstrap interval over repetitions); "
		"busy: the item's callback was running on another CPU, and `after cb end` is the time from the "
		"callback's end to the call's return.\n\n| op | state | mechanism | API | median µs | after cb end µs | waited |\n"
		"|---|---|---|---|---|---|---|\n");
	fprintf(rp->html, "<h3>Control operations</h3><p>Median time of each call (95%% bootstrap interval over "
		"repetitions); busy: the item's callback was running on another CPU; after cb end: from the "
		"callback's end to the call's return.</p>\n<table><tr><th>op</th><th>state</th><th>mechanism</th>"
		"<th>API</th><th>median µs</th><th>after cb end µs</th><th>waited</th></tr>\n");
	json_array_foreach(json_object_get(ctl, "timing"), i, t)
		control_row(rp, t);
	fprintf(rp->html, "</table>\n<ul>\n");
	fprintf(rp->md, "\n");
	for (int k = 0; k < BHB_NR_CTRL_CHECKS; k++)
		json_array_foreach(json_object_get(ctl, checks[k]), i, t) {
			const char *v = json_string_value(json_object_get(t, "verdict")) ?:
					json_string_value(json_object_get(t, "na")) ?: "-";

			fprintf(rp->md, "- %s, %s: %s\n", checks[k], json_string_value(json_object_get(t, "mech")), v);
			fprintf(rp->html, "<li>%s, %s: %s</li>\n", checks[k], h(rp, json_string_value(json_object_get(t, "mech"))),
				h(rp, v));
		}
	fprintf(rp->html, "</ul>\n");
}

/* a real subsystem's table and figure: key its part of results.json, title its name, work what "where" is of */
static void tab_rs(struct rep *rp, json_t *res, int r, const char *scen, const char *key, const char *title,
		   const char *what, const char *work)
{
	json_t *d = json_object_get(res, key), *g;
	char dat[PATH_MAX], base[64], ttl[256], cap[256];
	size_t i;
	FILE *f;

	if (!json_array_size(json_object_get(d, "groups")))
		return;
	fprintf(rp->md, "\n### %s\n\nfio through %s; medians over repetitions with 95%% bootstrap intervals; CPU µs "
		"per I/O from fio's first read to its exit; where: the kprobe on its %s, by context.\n\n| load | "
		"mode | n | MiB/s | p50 µs | p99 µs | p99.9 µs | CPU µs/IO | where %s ran |\n"
		"|---|---|---|---|---|---|---|---|---|\n", title, what, work, work);
	fprintf(rp->html, "<h3>%s</h3><p>fio through %s; medians over repetitions with 95%% bootstrap intervals; "
		"where: the kprobe on its %s, by context.</p>\n<table><tr><th>load</th><th>mode</th><th>n</th>"
		"<th>MiB/s</th><th>p50 µs</th><th>p99 µs</th><th>p99.9 µs</th><th>CPU µs/IO</th><th>where %s "
		"ran</th></tr>\n", title, what, work, work);
	snprintf(dat, sizeof(dat), "%s/run%d-%s.dat", rp->figdir, r, key);
	f = fopen(dat, "w");
	json_array_foreach(json_object_get(d, "groups"), i, g) {
		char bw[64], wh[128];
		const char *load = json_string_value(json_object_get(g, "load")) ?: "?";
		const char *mode = json_string_value(json_object_get(g, "mode")) ?: "?";

		snprintf(bw, sizeof(bw), "%.1f [%.1f-%.1f]", dmv_num(g, "mib_s", "median"), dmv_num(g, "mib_s", "lo"),
			 dmv_num(g, "mib_s", "hi"));
		dmv_where(wh, sizeof(wh), json_object_get(g, "where"));
		fprintf(rp->md, "| %s | %s | %lld | %s | %.1f | %.1f | %.1f | %.1f | %s |\n", load, mode,
			(long long)json_integer_value(json_object_get(g, "n")), bw, dmv_num(g, "p50_us", "median"),
			dmv_num(g, "p99_us", "median"), dmv_num(g, "p999_us", "median"),
			dmv_num(g, "busy_us_per_io", "median"), wh);
		fprintf(rp->html, "<tr><td>%s</td><td>%s</td><td>%lld</td><td>%s</td><td>%.1f</td><td>%.1f</td>"
			"<td>%.1f</td><td>%.1f</td><td>%s</td></tr>\n", h(rp, load), h(rp, mode),
			(long long)json_integer_value(json_object_get(g, "n")), bw, dmv_num(g, "p50_us", "median"),
			dmv_num(g, "p99_us", "median"), dmv_num(g, "p999_us", "median"),
			dmv_num(g, "busy_us_per_io", "median"), h(rp, wh));
		if (f)
			fprintf(f, "%s/%s %f %f %f %f %f %f\n", load, mode, dmv_num(g, "mib_s", "median"),
				dmv_num(g, "mib_s", "lo"), dmv_num(g, "mib_s", "hi"), dmv_num(g, "p99_us", "median"),
				dmv_num(g, "p99_us", "lo"), dmv_num(g, "p99_us", "hi"));
	}
	fprintf(rp->html, "</table>\n");
	if (!f)
		return;
	fclose(f);
	snprintf(base, sizeof(base), "run%d-%s", r, key);
	snprintf(ttl, sizeof(ttl), "%s: fio through %s, throughput and p99 by load and mode", scen, title);
	snprintf(cap, sizeof(cap), "Run %d: fio's MiB/s (left) and completion latency p99 (right) per load and "
		 "mode; medians over repetitions, bars 95%% bootstrap intervals.", r);
	figure(rp, "realsub.gp", dat, 1, base, ttl, cap);
}

/* one benchmark's row of the full latency table */
static void latency_row(struct rep *rp, json_t *b)
{
	json_t *lat = json_object_get(b, "latency_ns");
	char a[64], c[64], q[64];

	fmt_ci(a, sizeof(a), json_object_get(lat, "p50"));
	fmt_ci(c, sizeof(c), json_object_get(lat, "p99"));
	fmt_ci(q, sizeof(q), json_object_get(json_object_get(b, "queue_to_exec_ns"), "p50"));
	double p999 = json_real_value(json_object_get(json_object_get(lat, "p99.9"), "value")) / 1e3;
	double mx = json_real_value(json_object_get(json_object_get(lat, "max"), "value")) / 1e3;
	long long lost = json_integer_value(json_object_get(json_object_get(b, "counters"), "lost"));
	json_t *tp = json_object_get(json_object_get(b, "throughput"), "items_per_s");
	json_t *ks = json_object_get(b, "ksoftirqd");
	char tps[32] = "-", kss[48] = "-", cpu[64] = "-";
	json_t *cp = json_object_get(b, "cpu");

	if (cp)
		snprintf(cpu, sizeof(cpu), "%.1f · %.1f · %.1f",
			 json_real_value(json_object_get(cp, "busy_ns_per_item")) / 1e3,
			 json_real_value(json_object_get(cp, "ksoftirqd_ns_per_item")) / 1e3,
			 json_real_value(json_object_get(cp, "kworker_ns_per_item")) / 1e3);

	if (json_is_object(tp))
		snprintf(tps, sizeof(tps), "%.0f", json_real_value(json_object_get(tp, "value")));
	if (ks)
		snprintf(kss, sizeof(kss), "%lld (%.1f%%)", (long long)json_integer_value(json_object_get(ks, "items")),
			 100 * json_real_value(json_object_get(ks, "share")));
	fprintf(rp->md, "| %s | %s | %s | %s | %.1f | %.1f | %s | %lld | %s | %s | %s |\n",
		bhb_res_case(b), json_string_value(json_object_get(b, "mech")),
		a, c, p999, mx, q, lost, tps, kss, cpu);
	fprintf(rp->html, "<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%.1f</td><td>%.1f</td><td>%s</td><td>%lld</td>"
		"<td>%s</td><td>%s</td><td>%s</td></tr>\n",
		h(rp, bhb_res_case(b)), h(rp, json_string_value(json_object_get(b, "mech"))),
		a, c, p999, mx, q, lost, tps, kss, cpu);
}

/* the full latency table */
static void tab_latency(struct rep *rp, json_t *res)
{
	json_t *b;
	size_t i;

	if (!json_array_size(json_object_get(res, "benchmarks")))
		return;
	fprintf(rp->md, "\nCPU µs/item: all non-idle guest CPU time (sampled in USER_HZ ticks) · ksoftirqd · kworkers "
		"(exact run times), per callback completed.\n");
	fprintf(rp->md, "\n| case | mechanism | p50 µs | p99 µs | p99.9 µs | max µs | q->cb p50 µs | lost | items/s | ksoftirqd ran | CPU µs/item |\n"
		"|---|---|---|---|---|---|---|---|---|---|---|\n");
	fprintf(rp->html, "<p>CPU µs/item: all non-idle guest CPU time (sampled in USER_HZ ticks) · ksoftirqd · kworkers "
		"(exact run times), per callback completed.</p>\n");
	fprintf(rp->html, "<table><tr><th>case</th><th>mechanism</th><th>p50 µs</th><th>p99 µs</th><th>p99.9 µs</th>"
		"<th>max µs</th><th>q-&gt;cb p50 µs</th><th>lost</th><th>items/s</th><th>ksoftirqd ran</th>"
		"<th>CPU µs/item</th></tr>\n");
	json_array_foreach(json_object_get(res, "benchmarks"), i, b)
		latency_row(rp, b);
	fprintf(rp->html, "</table>\n");
}

/* 2. and 3.: a run's environment, figures and tables */
static void sec_run(struct rep *rp, json_t *res, int r)
{
	const char *scen = json_string_value(json_object_get(json_object_get(res, "scenario"), "name"));
	const char *prods[MAXCASES];
	size_t ncase;

	run_env(rp, res, r, scen);
	ncase = (size_t)bhb_res_cases(res, prods, MAXCASES);
	for (size_t p = 0; p < ncase; p++)
		fig_case(rp, res, r, scen, prods[p]);
	fig_producers(rp, res, r, scen, prods, ncase);
	for (size_t k = 0; k < sizeof(tput_figs) / sizeof(tput_figs[0]); k++)
		fig_tput(rp, res, r, scen, prods, ncase, &tput_figs[k]);
	fig_drain(rp, res, r, scen);
	tab_control(rp, res);
	tab_rs(rp, res, r, scen, "dmverity", "dm-verity", "a dm-verity device over brd ramdisks", "verification");
	tab_rs(rp, res, r, scen, "usbstorage", "usb-storage", "a QEMU usb-storage disk on xhci", "completion");
	tab_latency(rp, res);
}

/* figures: inline SVG in the HTML, PNG links in the Markdown */
static void sec_figures(struct rep *rp)
{
	char path[PATH_MAX];

	fprintf(rp->md, "\n## Figures\n");
	fprintf(rp->html, "<h2>Figures</h2>\n");
	for (int k = 0; k < rp->nfig; k++) {
		char *svg;

		snprintf(path, sizeof(path), "%s/%s.svg", rp->figdir, rp->figs[k].file);
		svg = bhb_slurp(path, NULL);
		if (!svg)
			continue;
		fprintf(rp->md, "\n![%s](figures/%s.png)\n\n%s\n", rp->figs[k].file, rp->figs[k].file, rp->figs[k].caption);
		fprintf(rp->html, "<figure id=\"%s\">%s<figcaption>%s</figcaption></figure>\n", h(rp, rp->figs[k].file),
			strstr(svg, "<svg") ? strstr(svg, "<svg") : svg, h(rp, rp->figs[k].caption));
		free(svg);
	}
}

static void report_head(struct rep *rp)
{
	fprintf(rp->html, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>bhbench report</title>\n"
		"<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}"
		"table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #bbb;padding:3px 8px;text-align:right}"
		"th{background:#eee}td:first-child,td:nth-child(2),td:nth-child(3),td:nth-child(4),td:last-child,th{text-align:left}.note{background:#fff4d6;padding:8px;"
		"border-left:4px solid #e0a000}figure{margin:1.5em 0}figcaption{font-size:90%%;color:#555}</style></head><body>\n"
		"<h1>bhbench report</h1>\n");
	fprintf(rp->md, "# bhbench report\n\n");
}

/* 0. in short: the conversion answers, and how sure they are */
static void sec_in_short(struct rep *rp, json_t *const *runs)
{
	fprintf(rp->md, "## In short\n\n");
	fprintf(rp->html, "<h2>In short</h2>\n");
	for (int r = 1; r <= rp->nruns; r++)
		if (runs[r - 1])
			in_short(rp, runs[r - 1], r);
}

/* dir/figures into figdir, created; 0, or -1 with a message in err */
static int make_figdir(const char *dir, char *figdir, size_t len, char *err, size_t errlen)
{
	snprintf(figdir, len, "%s/figures", dir);
	if (bhb_mkdirs(figdir)) {
		snprintf(err, errlen, "cannot create %s: %s", figdir, strerror(errno));
		return -1;
	}
	return 0;
}

/* the report's texts as dir/report.md and dir/report.html; 0, or -1 with a message in err */
static int write_texts(const char *dir, const char *md, size_t mdlen, const char *html, size_t htmllen, char *err,
		       size_t errlen)
{
	char path[PATH_MAX];
	int ret;

	snprintf(path, sizeof(path), "%s/report.md", dir);
	ret = bhb_write_atomic(path, md, mdlen);
	snprintf(path, sizeof(path), "%s/report.html", dir);
	ret |= bhb_write_atomic(path, html, htmllen);
	if (ret) {
		snprintf(err, errlen, "cannot write the report in %s: %s", dir, strerror(errno));
		return -1;
	}
	return 0;
}

/* the sections of the report, in order, into rp's two texts */
static void report_body(struct rep *rp, json_t *const *runs)
{
	report_head(rp);
	sec_in_short(rp, runs);
	sec_verdicts(rp, runs);
	fig_trend(rp, runs);
	sec_rs_runs(rp, runs);
	for (int r = 1; r <= rp->nruns; r++)
		if (runs[r - 1])
			sec_run(rp, runs[r - 1], r);
	sec_figures(rp);
	fprintf(rp->html, "</body></html>\n");
}

int bhb_report(const char *dir, json_t *const *runs, int n, char *err, size_t errlen)
{
	struct rep *rp = calloc(1, sizeof(*rp));
	char *mdtext = NULL, *htmltext = NULL;
	size_t mdlen = 0, htmllen = 0;
	int ret = -1;

	if (!rp) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (make_figdir(dir, rp->figdir, sizeof(rp->figdir), err, errlen))
		goto out;
	rp->nruns = n;
	rp->ra = malloc(MAXREPS * sizeof(double));
	rp->rb = malloc(MAXREPS * sizeof(double));
	rp->md = open_memstream(&mdtext, &mdlen);
	rp->html = open_memstream(&htmltext, &htmllen);
	if (!rp->ra || !rp->rb || !rp->md || !rp->html) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	report_body(rp, runs);
	fclose(rp->md);
	fclose(rp->html);
	rp->md = rp->html = NULL;
	ret = write_texts(dir, mdtext, mdlen, htmltext, htmllen, err, errlen);
out:
	if (rp->md)
		fclose(rp->md);
	if (rp->html)
		fclose(rp->html);
	free(mdtext);
	free(htmltext);
	free(rp->ra);
	free(rp->rb);
	free(rp);
	return ret;
}

int bhb_report_dirs(const char *const *dirs, int n, char *err, size_t errlen)
{
	char figdir[PATH_MAX];
	json_t **runs;
	int ret;

	if (n < 1) {
		snprintf(err, errlen, "no results directory");
		return -1;
	}
	/* a directory the report cannot be written in fails before any run is read */
	if (make_figdir(dirs[0], figdir, sizeof(figdir), err, errlen))
		return -1;
	runs = calloc((size_t)n, sizeof(*runs));
	if (!runs) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (int r = 0; r < n; r++) {
		char why[512];

		runs[r] = bhb_res_load(dirs[r], why, sizeof(why));
		if (!runs[r])
			fprintf(stderr, "bhbench report: %s; skipped\n", why);
	}
	ret = bhb_report(dirs[0], runs, n, err, errlen);
	for (int r = 0; r < n; r++)
		json_decref(runs[r]);
	free(runs);
	return ret;
}

int cmd_report(int argc, char **argv)
{
	char err[PATH_MAX + 256];

	if (argc < 2 || !strcmp(argv[1], "--help")) {
		fprintf(argc < 2 ? stderr : stdout, "usage: bhbench report RESULTS_DIR [RESULTS_DIR...]\n"
			"Writes report.html, report.md and figures/ into the first RESULTS_DIR.\n");
		return argc < 2 ? 2 : 0;
	}
	if (bhb_report_dirs((const char *const *)argv + 1, argc - 1, err, sizeof(err))) {
		fprintf(stderr, "bhbench report: %s\n", err);
		return 1;
	}
	printf("report: %s/report.html (and report.md, figures/)\n", argv[1]);
	return 0;
}
