// SPDX-License-Identifier: GPL-2.0
/*
 * The control operations scenario on the host: the guest's "control"
 * frames (harness/agent/control.c) -> results.json "control", and its
 * table.  Per op x state x mechanism: the median op duration over every
 * sample of every repetition, with a 95% bootstrap interval over
 * repetitions (the repetitions' histograms resampled, as for latencies).
 */
#define _GNU_SOURCE
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/names.h"
#include "../common/stats.h"
#include "kind.h"

static const char *const states[2] = { "idle", "busy" };

static int is_tasklet(const char *mech)
{
	return !strncmp(mech, "tasklet", 7);
}

static void swap_dbl(double *a, double *b)
{
	double t = *a;

	*a = *b;
	*b = t;
}

/* the sample of rank ceil(n / 2) of v (reordered): quickselect, three-way */
static double lower_median(double *v, size_t n)
{
	size_t lo = 0, hi = n - 1, k = (n - 1) / 2;

	while (lo < hi) {
		double p = v[lo + (hi - lo) / 2];
		size_t lt = lo, i = lo, gt = hi + 1;

		/* [lo, lt) < p, [lt, i) == p, [gt, hi] > p */
		while (i < gt) {
			if (v[i] < p)
				swap_dbl(&v[lt++], &v[i++]);
			else if (v[i] > p)
				swap_dbl(&v[i], &v[--gt]);
			else
				i++;
		}
		if (k < lt)
			hi = lt - 1;
		else if (k >= gt)
			lo = gt;
		else
			return p;
	}
	return v[k];
}

/*
 * The repetitions' samples, each repetition's sorted, and all of them
 * sorted: a resample (a multiplicity per repetition) has its lower median
 * found by a binary search over all values, counting each repetition's
 * values up to it, without pooling the samples.
 */
struct pooled {
	double *v;		/* repetition r's samples, sorted: v[off[r] .. off[r + 1]) */
	const size_t *off;
	int nreps;
	double *all;		/* every sample, sorted */
	int *mult;
};

/* values of the sorted v[0..n) that are <= x */
static size_t upto(const double *v, size_t n, double x)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (v[mid] <= x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* nreps repetitions drawn with replacement, their samples pooled: the lower median */
static double pooled_median(void *user, uint64_t *rng)
{
	struct pooled *p = user;
	size_t len = 0, lo = 0, hi = p->off[p->nreps] - 1, want;

	memset(p->mult, 0, (size_t)p->nreps * sizeof(*p->mult));
	for (int r = 0; r < p->nreps; r++) {
		int pick = (int)(bhb_rand(rng) % (uint64_t)p->nreps);

		p->mult[pick]++;
		len += p->off[pick + 1] - p->off[pick];
	}
	if (!len)
		return NAN;
	want = (len - 1) / 2 + 1;	/* the lower median's rank */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2, seen = 0;

		for (int r = 0; r < p->nreps; r++)
			if (p->mult[r])
				seen += (size_t)p->mult[r] * upto(p->v + p->off[r], p->off[r + 1] - p->off[r], p->all[mid]);
		if (seen >= want)
			hi = mid;
		else
			lo = mid + 1;
	}
	return p->all[lo];
}

/* Median of every sample and its 95% bootstrap interval over repetitions (v is sorted per repetition) */
static void median_ci(double *v, const size_t *off, int nreps, uint64_t seed, double *m,
		      double *lo, double *hi)
{
	size_t n = off[nreps];
	struct pooled p = { .v = v, .off = off, .nreps = nreps, .all = malloc((n + 1) * sizeof(double)),
			    .mult = malloc(((size_t)nreps + 1) * sizeof(int)) };

	*m = *lo = *hi = NAN;
	if (p.all && p.mult && n) {
		memcpy(p.all, v, n * sizeof(*v));
		*m = lower_median(p.all, n);
		qsort(p.all, n, sizeof(*p.all), bhb_cmp_double);
		for (int r = 0; r < nreps; r++)
			qsort(v + off[r], off[r + 1] - off[r], sizeof(*v), bhb_cmp_double);
		if (nreps > 1)
			bhb_boot_ci(pooled_median, &p, seed, NULL, lo, hi);
	}
	free(p.all);
	free(p.mult);
}

/* median of v (sorted in place); NAN if empty */
static double med(double *v, size_t n)
{
	if (!n)
		return NAN;
	qsort(v, n, sizeof(*v), bhb_cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* a timing frame of op x state x mechanism, called from process context (from NULL) or atomic */
static int frame_is(json_t *f, const char *from, const char *op, const char *state, const char *mech)
{
	return !strcmp(bhb_jstr(f, "kind"), from ? "atomic" : "timing") && !strcmp(bhb_jstr(f, "op"), op) &&
	       !strcmp(bhb_jstr(f, "state"), state) && !strcmp(bhb_jstr(f, "mech"), mech) &&
	       (!from || !strcmp(bhb_jstr(f, "from"), from));
}

/* from atomic context: every op passed its check (agent and module), in the context asked for */
static void atomic_checks(json_t *out, const char *from, const char *op, const char *state, const char *mech,
			  json_int_t iters, json_int_t ok, json_int_t wrong, json_t *failures)
{
	json_object_set_new(out, "wrong_ctx", json_integer(wrong));
	if (ok != iters || wrong)
		json_array_append_new(failures, json_sprintf(
			"control: %s from %s on a%s %s %s item: %lld of %lld ops failed their check, %lld outside %s",
			op, from, !strcmp(state, "idle") ? "n" : "", state, mech, (long long)(iters - ok),
			(long long)iters, (long long)wrong, from));
}

/* one op x state x mechanism (x the context it is called from) from its frames (one per repetition) */
static json_t *timing_cell(json_t *frames, const char *from, const char *op, const char *state, const char *mech,
			   uint64_t seed, json_t *failures)
{
	int busy = !strcmp(state, "busy"), nreps = 0, errors = 0;
	json_t *out = json_pack("{s:s,s:s,s:s}", "op", op, "state", state, "mech", mech), *f;
	json_int_t wrong = 0;

	if (from)
		json_object_set_new(out, "from", json_string(from));
	double *v = NULL, *rem = NULL, *after = NULL, mn = INFINITY, mx = 0, m, lo, hi;
	size_t *off = NULL;
	size_t i, nrem = 0, nsamples = 0, nframes = 0, len = 0;	/* off[r]: repetition r's first sample */
	json_int_t iters = 0, ok = 0, executed = 0;
	char first_error[96] = "";

	json_array_foreach(frames, i, f) {
		if (!frame_is(f, from, op, state, mech))
			continue;
		json_object_set(out, "api", json_object_get(f, "api"));
		if (json_object_get(f, "waits"))
			json_object_set(out, "waits", json_object_get(f, "waits"));
		if (json_object_get(f, "na")) {
			json_object_set(out, "na", json_object_get(f, "na"));
			return out;
		}
		if (json_object_get(f, "error")) {
			if (!errors++)
				snprintf(first_error, sizeof(first_error), "%s", bhb_jstr(f, "error"));
			continue;
		}
		nframes++;
		nsamples += json_array_size(json_object_get(f, "op_ns"));
	}
	if (errors) {
		json_object_set_new(out, "errors", json_integer(errors));
		json_array_append_new(failures, json_sprintf("control: %s on a %s %s item: %d calls failed (%s)",
							     op, state, mech, errors, first_error));
	}
	off = calloc(nframes + 1, sizeof(*off));
	v = calloc(nsamples + 1, sizeof(*v));
	rem = calloc(nsamples + 1, sizeof(*rem));
	after = calloc(nsamples + 1, sizeof(*after));
	if (!off || !v || !rem || !after)
		nframes = 0;
	json_array_foreach(frames, i, f) {
		json_t *ops = json_object_get(f, "op_ns"), *rm = json_object_get(f, "remaining_ns");

		if ((size_t)nreps == nframes)
			break;
		if (!frame_is(f, from, op, state, mech) || json_object_get(f, "error"))
			continue;
		for (size_t k = 0; k < json_array_size(ops); k++) {
			json_int_t x = json_integer_value(json_array_get(ops, k));
			json_int_t r = json_integer_value(json_array_get(rm, k));

			v[len++] = (double)x;
			mn = fmin(mn, (double)x);
			mx = fmax(mx, (double)x);
			if (busy && r > 0) {
				rem[nrem] = (double)r;
				after[nrem++] = (double)(x - r);
			}
		}
		off[++nreps] = len;
		iters += bhb_jint(f, "iters");
		ok += bhb_jint(f, "ok");
		executed += bhb_jint(f, "executed");
		wrong += bhb_jint(f, "wrong_ctx");
	}
	json_object_set_new(out, "repetitions", json_integer(nreps));
	json_object_set_new(out, "iterations", json_integer(iters));
	json_object_set_new(out, "ok", json_integer(ok));
	json_object_set_new(out, "executed", json_integer(executed));
	if (!nreps) {
		if (!errors)
			json_array_append_new(failures, json_sprintf("control: no measurement of %s on a %s %s item",
								     op, state, mech));
		goto out;
	}
	median_ci(v, off, nreps, seed, &m, &lo, &hi);
	json_object_set_new(out, "median_ns", json_real(m));
	if (nreps > 1)
		json_object_set_new(out, "ci95", json_pack("[f,f]", lo, hi));
	json_object_set_new(out, "min_ns", json_real(mn));
	json_object_set_new(out, "max_ns", json_real(mx));
	json_object_set_new(out, "samples", json_integer((json_int_t)off[nreps]));
	if (from) {
		atomic_checks(out, from, op, state, mech, iters, ok, wrong, failures);
	} else if (busy) {
		/* the op had to wait: the callback still ran when it began */
		json_object_set_new(out, "still_running", json_integer((json_int_t)nrem));
		if (nrem) {
			json_object_set_new(out, "remaining_median_ns", json_real(med(rem, nrem)));
			json_object_set_new(out, "after_end_median_ns", json_real(med(after, nrem)));
		}
		if (ok != iters)
			json_array_append_new(failures, json_sprintf(
				"control: %s on a busy %s item returned before the callback finished (or never met it "
				"running) in %lld of %lld ops",
				op, mech, (long long)(iters - ok), (long long)iters));
		if ((json_int_t)nrem * 2 < iters)
			json_array_append_new(failures, json_sprintf(
				"control: %s on a busy %s item: the callback still ran when the op began in only %zu of %lld ops",
				op, mech, nrem, (long long)iters));
	} else if (executed || ok != iters) {
		json_array_append_new(failures, json_sprintf("control: %s on an idle %s item: %lld callbacks ran",
							     op, mech, (long long)executed));
	}
out:
	free(off);
	free(v);
	free(rem);
	free(after);
	return out;
}

/* coalesce, self_free, after_callback: the frame plus its verdict */
static json_t *check_entry(json_t *f, json_t *failures)
{
	const char *kind = bhb_jstr(f, "kind"), *mech = bhb_jstr(f, "mech");
	json_t *o = json_deep_copy(f);
	json_int_t n = bhb_jint(f, "items"), q = bhb_jint(f, "queued"), x = bhb_jint(f, "executed"), ok = bhb_jint(f, "ok");
	json_int_t w = bhb_jint(f, "core_writes");
	int pass = 1;
	char *v = NULL;

	json_object_del(o, "kind");
	if (json_object_get(f, "na") || json_object_get(f, "error")) {
		if (json_object_get(f, "error"))
			json_array_append_new(failures, json_sprintf("control: %s %s: %s", kind, mech, bhb_jstr(f, "error")));
		return o;
	}
	if (!strcmp(kind, "coalesce")) {
		pass = x == q && ok == n;
		if (asprintf(&v, "%lld of %lld second queue calls merged; %lld callbacks for %lld successful queue calls",
			     (long long)bhb_jint(f, "merged"), (long long)n, (long long)x, (long long)q) < 0)
			v = NULL;
	} else if (!strcmp(kind, "self_free")) {
		pass = q == n && x == n && ok == n;
		if (asprintf(&v, "%lld of %lld items freed themselves in their callback (%lld intact at entry)",
			     (long long)x, (long long)n, (long long)ok) < 0)
			v = NULL;
	} else if (is_tasklet(mech)) {
		pass = x == n;
		if (asprintf(&v, w == n ? "the core writes the tasklet after its callback (%lld of %lld), "
					  "freeing it there would be a use-after-free" :
					  "the core wrote the tasklet after its callback in %lld of %lld runs",
			     (long long)w, (long long)n) < 0)
			v = NULL;
	} else {
		pass = x == n && !w;
		if (asprintf(&v, "the core left %lld of %lld poisoned items untouched after their callback",
			     (long long)(n - w), (long long)n) < 0)
			v = NULL;
	}
	json_object_set_new(o, "pass", json_boolean(pass));
	json_object_set_new(o, "verdict", json_string(v ? v : ""));
	if (!pass)
		json_array_append_new(failures, json_sprintf("control: %s %s: %s", kind, mech, v ? v : "failed"));
	free(v);
	return o;
}

/* cancel and disable from hardirq and softirq context, idle and busy, per mechanism (none in older streams) */
static json_t *atomic_cells(json_t *frames, json_t *mechs, json_t *failures)
{
	static const char *const froms[2] = { "hardirq", "softirq" };
	static const int ops[2] = { BHB_CTRL_CANCEL, BHB_CTRL_DISABLE };
	json_t *out = json_array(), *f, *m;
	size_t i, k;
	int any = 0;

	json_array_foreach(frames, i, f)
		any |= !strcmp(bhb_jstr(f, "kind"), "atomic");
	for (int o = 0; any && o < 2; o++)
		for (int fr = 0; fr < 2; fr++)
			for (int s = 0; s < 2; s++)
				json_array_foreach(mechs, k, m)
					json_array_append_new(out, timing_cell(frames, froms[fr], bhb_ctrl_op_names[ops[o]],
									       states[s], json_string_value(m),
									       0xa70c + (uint64_t)(o * 64 + fr * 32 + s * 16) + k,
									       failures));
	return out;
}

static json_t *control_summary(json_t *frames, json_t *failures)
{
	json_t *out = json_object(), *cfg = NULL, *timing = json_array(), *f, *m;
	json_t *checks[BHB_NR_CTRL_CHECKS] = { json_array(), json_array(), json_array() };
	const char *const *kinds = bhb_ctrl_op_names + BHB_CTRL_COALESCE;
	size_t i, k;
	size_t nfail = json_array_size(failures);

	json_array_foreach(frames, i, f)
		if (!strcmp(bhb_jstr(f, "kind"), "config"))
			cfg = f;
	if (!cfg) {
		json_array_append_new(failures, json_string("control: the guest sent no configuration frame"));
		cfg = json_object();
		json_object_set_new(out, "config_missing", json_true());
	} else {
		json_incref(cfg);
	}
	const char *keys[] = { "cost_ns", "idle_iters", "busy_iters", "repetitions", "mechs", "unavailable" };

	for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
		json_object_set(out, keys[k], json_object_get(cfg, keys[k]) ?: json_null());
	for (int op = 0; op < BHB_NR_CTRL_TIMED; op++)
		for (int s = 0; s < 2; s++)
			json_array_foreach(json_object_get(cfg, "mechs"), k, m)
				json_array_append_new(timing, timing_cell(frames, NULL, bhb_ctrl_op_names[op], states[s],
									  json_string_value(m),
									  0xc0de + (uint64_t)(op * 64 + s * 16) + k, failures));
	json_array_foreach(frames, i, f)
		for (k = 0; k < BHB_NR_CTRL_CHECKS; k++)
			if (!strcmp(bhb_jstr(f, "kind"), kinds[k]))
				json_array_append_new(checks[k], check_entry(f, failures));
	json_object_set_new(out, "timing", timing);
	json_object_set_new(out, "atomic", atomic_cells(frames, json_object_get(cfg, "mechs"), failures));
	for (k = 0; k < BHB_NR_CTRL_CHECKS; k++)
		json_object_set_new(out, kinds[k], checks[k]);
	json_object_set_new(out, "failed_checks", json_integer((json_int_t)(json_array_size(failures) - nfail)));
	json_decref(cfg);
	return out;
}

/* a cell of timing (from NULL) or of the atomic cells */
static json_t *find_cell(json_t *timing, const char *from, const char *op, const char *state, const char *mech)
{
	json_t *c;
	size_t i;

	json_array_foreach(timing, i, c)
		if (!strcmp(bhb_jstr(c, "op"), op) && !strcmp(bhb_jstr(c, "state"), state) &&
		    !strcmp(bhb_jstr(c, "mech"), mech) && (!from || !strcmp(bhb_jstr(c, "from"), from)))
			return c;
	return NULL;
}

enum { ROW_MEDIAN, ROW_WAITED, ROW_AFTER };

static void cell_text(char *out, size_t len, json_t *c, int row)
{
	char a[24], lo[24], hi[24];
	json_t *ci = json_object_get(c, "ci95");

	if (!c) {
		snprintf(out, len, "-");
	} else if (json_object_get(c, "na")) {
		snprintf(out, len, "n/a");
	} else if (!json_object_get(c, "median_ns")) {
		snprintf(out, len, "FAILED");
	} else if (row == ROW_WAITED) {
		snprintf(out, len, "%lld/%lld", (long long)bhb_jint(c, "ok"), (long long)bhb_jint(c, "iterations"));
	} else if (row == ROW_AFTER) {
		if (json_object_get(c, "after_end_median_ns"))
			bhb_fmt_us(out, len, json_real_value(json_object_get(c, "after_end_median_ns")));
		else
			snprintf(out, len, "-");
	} else {
		bhb_fmt_us(a, sizeof(a), json_real_value(json_object_get(c, "median_ns")));
		if (!ci) {
			snprintf(out, len, "%s", a);
			return;
		}
		bhb_fmt_us(lo, sizeof(lo), json_real_value(json_array_get(ci, 0)));
		bhb_fmt_us(hi, sizeof(hi), json_real_value(json_array_get(ci, 1)));
		snprintf(out, len, "%s [%s-%s]", a, lo, hi);
	}
}

/* cancel and disable from hardirq and softirq context */
static void print_atomic(FILE *f, json_t *c)
{
	static const char *const froms[2] = { "hardirq", "softirq" };
	json_t *mechs = json_object_get(c, "mechs"), *at = json_object_get(c, "atomic"), *m;
	size_t i;

	if (!json_array_size(at))
		return;
	fprintf(f, "\nfrom atomic context: the op called from a hard irq_work or a tasklet on the calling CPU,\n"
		   "microseconds there, median [95%% CI]; n/a: the mechanism has no API for it there\n");
	fprintf(f, "%-28s", "op / from / state");
	json_array_foreach(mechs, i, m)
		fprintf(f, " %-19s", json_string_value(m));
	fprintf(f, "\n");
	for (int op = BHB_CTRL_CANCEL; op <= BHB_CTRL_DISABLE; op += BHB_CTRL_DISABLE - BHB_CTRL_CANCEL)
		for (int fr = 0; fr < 2; fr++)
			for (int s = 0; s < 2; s++) {
				char label[40], cell[64];

				snprintf(label, sizeof(label), "%s %s %s", bhb_ctrl_op_names[op], froms[fr], states[s]);
				fprintf(f, "%-28s", label);
				json_array_foreach(mechs, i, m) {
					cell_text(cell, sizeof(cell), find_cell(at, froms[fr], bhb_ctrl_op_names[op],
										states[s], json_string_value(m)),
						  ROW_MEDIAN);
					fprintf(f, " %-19s", cell);
				}
				fprintf(f, "\n");
			}
	fprintf(f, "APIs: from hardirq, cancel_work() and disable_work() (6.10+) of any work item, which do not\n"
		   "wait for a running callback; from softirq also cancel_work_sync() and disable_work_sync() of BH\n"
		   "work (6.10+) and tasklet_disable_in_atomic() (not PREEMPT_RT), which spin until it returned.\n"
		   "Every disable checked: the item queued while disabled did not run; enabled, it ran once.\n");
}

static void print_control(FILE *f, json_t *c)
{
	json_t *mechs = json_object_get(c, "mechs"), *timing = json_object_get(c, "timing"), *m, *e;
	static const char *const titles[BHB_NR_CTRL_CHECKS] = {
		"coalescing: an idle item queued twice with BH disabled on this CPU",
		"self-freeing work: kmalloc()ed items whose callback poisons and kfree()s them",
		"after the callback: does the core write the item once its callback returned?",
	};
	const char *const *kinds = bhb_ctrl_op_names + BHB_CTRL_COALESCE;
	size_t i, k;

	fprintf(f, "\ncontrol operations: each op on an idle item and on a busy one (its callback running for %.0f us\n"
		   "on another CPU); microseconds, median [95%% bootstrap CI over %lld repetitions];\n"
		   "idle x %lld and busy x %lld ops per repetition\n",
		(double)bhb_jint(c, "cost_ns") / 1e3, (long long)bhb_jint(c, "repetitions"),
		(long long)bhb_jint(c, "idle_iters"), (long long)bhb_jint(c, "busy_iters"));
	fprintf(f, "%-22s", "op / state");
	json_array_foreach(mechs, i, m)
		fprintf(f, " %-19s", json_string_value(m));
	fprintf(f, "\n");
	for (int op = 0; op < BHB_NR_CTRL_TIMED; op++)
		for (int s = 0; s < 2; s++)
			for (int row = ROW_MEDIAN; row <= (s ? ROW_AFTER : ROW_MEDIAN); row++) {
				char label[40], cell[64];

				if (row == ROW_MEDIAN)
					snprintf(label, sizeof(label), "%s %s", bhb_ctrl_op_names[op], states[s]);
				else
					snprintf(label, sizeof(label), "  %s", row == ROW_WAITED ? "waited" :
						 "cb end -> return");
				fprintf(f, "%-22s", label);
				json_array_foreach(mechs, i, m) {
					cell_text(cell, sizeof(cell), find_cell(timing, NULL, bhb_ctrl_op_names[op], states[s],
										json_string_value(m)), row);
					fprintf(f, " %-19s", cell);
				}
				fprintf(f, "\n");
			}
	fprintf(f, "cancel = cancel_work_sync() / tasklet_kill(); flush = flush_work() (tasklets have none);\n"
		   "disable_enable = disable_work_sync() + enable_work() (6.10+) / tasklet_disable() + tasklet_enable().\n"
		   "waited: busy ops that returned after the callback finished; cb end -> return: median time\n"
		   "from the callback's last instruction to the op's return.\n");
	/* each reason for an n/a once */
	json_array_foreach(timing, i, e) {
		const char *na = json_string_value(json_object_get(e, "na"));
		int seen = 0;

		for (k = 0; na && k < i; k++)
			seen |= !strcmp(na, bhb_jstr(json_array_get(timing, k), "na"));
		if (na && !seen)
			fprintf(f, "n/a: %s\n", na);
	}
	for (k = 0; k < BHB_NR_CTRL_CHECKS; k++) {
		json_t *list = json_object_get(c, kinds[k]);

		if (!json_array_size(list))
			continue;
		fprintf(f, "\n%s\n", titles[k]);
		json_array_foreach(list, i, e) {
			const char *v = json_string_value(json_object_get(e, "verdict"));

			if (json_object_get(e, "na"))
				v = json_string_value(json_object_get(e, "na"));
			else if (json_object_get(e, "error"))
				v = json_string_value(json_object_get(e, "error"));
			fprintf(f, "  %-11s %s%s\n", bhb_jstr(e, "mech"), v ? v : "",
				json_is_false(json_object_get(e, "pass")) ? "  <== FAILED" : "");
		}
	}
	print_atomic(f, c);
	if (json_array_size(json_object_get(c, "unavailable"))) {
		fprintf(f, "\nnot available in this kernel:");
		json_array_foreach(json_object_get(c, "unavailable"), i, m)
			fprintf(f, " %s", json_string_value(m));
		fprintf(f, "\n");
	}
}

static void control_finish(struct bhb_analysis *a, void *st)
{
	if (json_array_size(st))
		json_object_set_new(a->res, "control", control_summary(st, a->failures));
	json_decref(st);
}

/* a control scenario on its own; in a suite, a section after the latency table */
static int control_alone(FILE *f, json_t *res)
{
	if (!json_object_get(res, "control") || json_array_size(json_object_get(res, "benchmarks")))
		return 0;
	print_control(f, json_object_get(res, "control"));
	return 1;
}

static void control_section(FILE *f, json_t *res)
{
	if (json_object_get(res, "control")) {
		fprintf(f, "\n");
		print_control(f, json_object_get(res, "control"));
	}
}

static const char *const control_frames[] = { "control", NULL };

const struct bhb_kind bhb_kind_control = {
	.name = "control",
	.frames = control_frames,
	.begin = bhb_collect_begin,
	.take = bhb_collect_take,
	.finish = control_finish,
	.summary = control_alone,
	.section = control_section,
};
