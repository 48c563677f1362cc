// SPDX-License-Identifier: GPL-2.0
/*
 * Turn the guest's result stream into results.json: per producer x
 * mechanism, the merged latency histogram, percentiles with bootstrap
 * confidence intervals over repetitions, ratios to tasklet and direct,
 * counters and contexts.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/frame.h"
#include "../common/names.h"
#include "../common/stats.h"
#include "bhbench.h"

#define NQ 5			/* latency quantiles */
#define NQQ 2			/* queue-to-callback quantiles */
#define NM (NQ + NQQ)		/* metrics bootstrapped per benchmark */
#define BOOT 1000
static const double qs[NQ] = { 0.5, 0.9, 0.99, 0.999, 1.0 };
static const double qqs[NQQ] = { 0.5, 0.99 };
static const char *const qnames[NM] = { "p50", "p90", "p99", "p99.9", "max", "q2e_p50", "q2e_p99" };

enum { C_ARRIVALS, C_QUEUED, C_COALESCED, C_REFUSED, C_EXECUTED, C_OTHER_CPU, C_OOO, C_LOST,
       C_LATE_TICKS, C_CATCHUP_CUTS, C_BEFORE_EXIT, C_EXIT_UNKNOWN, C_NR };
static const char *const cnames[C_NR] = { "arrivals", "queued", "coalesced", "refused", "executed",
					  "other_cpu", "out_of_order", "lost", "late_ticks", "catchup_cuts",
					  "before_producer_exit", "producer_exit_unknown" };

/* what the guest kernel accounted around a run (agent: latency.c) */
enum { A_WALL, A_BUSY, A_SOFTIRQ, A_IRQ, A_KSOFTIRQD, A_KSOFTIRQD_RUNS, A_KWORKER, A_TASKLET_SOFTIRQS, A_NR };
static const char *const anames[A_NR] = { "wall_ns", "busy_ns", "softirq_ns", "irq_ns", "ksoftirqd_ns",
					  "ksoftirqd_runs", "kworker_ns", "tasklet_softirqs" };

struct rep {
	struct bhb_hist lat, q2e;
	struct bhb_hist tail, x2e;	/* producer's tail, producer exit -> callback */
	uint64_t tail_sum, x2e_sum, x2e_n;
	struct bhb_hist first;		/* q->cb of the first item of each tick */
	double pos[5];			/* line fit sums: n, x, x^2, y, x y */
	double tput;			/* items/s: executed / (last callback end - first arrival) */
	uint64_t executed, ksoftirqd;
	uint64_t lat_sum, q2e_sum;	/* exact sums (ns): the repetition's exact means */
	int have_q2e_sum;		/* a module of ABI 5 or later */
};

struct bench {
	int used;
	int nreps, cap, errors;
	struct rep *reps;
	uint64_t c[C_NR], ctx[BHB_NR_CTX], ctx_lat[BHB_NR_CTX], lat_sum, lat_min, lat_max, q2e_max;
	uint64_t acct[A_NR];
	int have_acct;
	double *boot;			/* BOOT x NM */
	double q[NM];
	/* producer tail and exit -> callback: p50, p99 of all repetitions, p50's interval */
	double tx[2][2], tx_lo[2], tx_hi[2];
	char first_error[128];
	json_t *offsets;		/* first run: each producing CPU's first tick after the start */
};

/*
 * Cases in the order the guest announced them ("cases" frame); a stream
 * from before cases had none, and its runs name their producer instead.
 */
#define MAXC (BHB_MAX_SUITE * BHB_MAX_CASES)
struct case_ent {
	char label[128];
	char producer[32];
	json_t *params;
};
static struct case_ent cases[MAXC];
static int ncases;
static struct bench benches[MAXC][BHB_NR_MECHS];

static int case_index(const char *label, const char *producer)
{
	for (int i = 0; i < ncases; i++)
		if (!strcmp(cases[i].label, label))
			return i;
	if (ncases == MAXC || !label[0])
		return -1;
	snprintf(cases[ncases].label, sizeof(cases[0].label), "%s", label);
	snprintf(cases[ncases].producer, sizeof(cases[0].producer), "%s", producer ? producer : label);
	cases[ncases].params = NULL;
	return ncases++;
}

static uint64_t jint(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	return json_is_integer(v) && json_integer_value(v) > 0 ? (uint64_t)json_integer_value(v) : 0;
}

static int take_run(json_t *j, json_t *failures)
{
	const char *prod = json_string_value(json_object_get(j, "producer"));
	const char *label = json_string_value(json_object_get(j, "case"));
	int p = bhb_name_lookup(bhb_producer_names, BHB_NR_PRODUCERS, prod);
	int m = bhb_name_lookup(bhb_mech_names, BHB_NR_MECHS, json_string_value(json_object_get(j, "mech")));
	uint64_t start = jint(j, "start_ns"), end = 0;
	struct bench *b;
	struct rep *r;
	json_t *cpu, *acct;
	size_t i;
	int ci;

	if (p < 0 || m < 0) {
		json_array_append_new(failures, json_string("result stream: run record names an unknown producer or mechanism"));
		return -1;
	}
	ci = case_index(label ? label : prod, prod);
	if (ci < 0) {
		json_array_append_new(failures, json_string("result stream: too many cases"));
		return -1;
	}
	b = &benches[ci][m];
	if (!b->used) {
		b->used = 1;
		b->lat_min = UINT64_MAX;
	}
	if (json_object_get(j, "error")) {
		if (!b->errors++)
			snprintf(b->first_error, sizeof(b->first_error), "%s",
				 json_string_value(json_object_get(j, "error")));
		return 0;
	}
	if (b->nreps == b->cap) {
		int cap = b->cap ? b->cap * 2 : 16;
		struct rep *nr = realloc(b->reps, (size_t)cap * sizeof(*nr));

		if (!nr)
			return -1;
		b->reps = nr;
		b->cap = cap;
	}
	r = &b->reps[b->nreps++];
	memset(r, 0, sizeof(*r));
	b->c[C_LOST] += jint(j, "lost");
	acct = json_object_get(j, "acct");
	if (acct) {
		b->have_acct = 1;
		for (int a = 0; a < A_NR; a++)
			b->acct[a] += jint(acct, anames[a]);
	}
	if (json_is_true(json_object_get(j, "interrupted")) && !b->errors++)
		snprintf(b->first_error, sizeof(b->first_error), "run interrupted");
	if (!b->offsets) {
		b->offsets = json_array();
		json_array_foreach(json_object_get(j, "cpus"), i, cpu)
			if (jint(cpu, "arrivals") && jint(cpu, "first_due_ns") >= start)
				json_array_append_new(b->offsets, json_integer((json_int_t)(jint(cpu, "first_due_ns") - start)));
	}
	json_array_foreach(json_object_get(j, "cpus"), i, cpu) {
		const char *k;
		json_t *v;

		b->c[C_ARRIVALS] += jint(cpu, "arrivals");
		b->c[C_QUEUED] += jint(cpu, "queued");
		b->c[C_COALESCED] += jint(cpu, "coalesced");
		b->c[C_REFUSED] += jint(cpu, "refused");
		b->c[C_EXECUTED] += jint(cpu, "executed");
		b->c[C_OTHER_CPU] += jint(cpu, "other_cpu");
		b->c[C_OOO] += jint(cpu, "out_of_order");
		b->c[C_LATE_TICKS] += jint(cpu, "late_ticks");
		b->c[C_CATCHUP_CUTS] += jint(cpu, "catchup_cuts");
		b->c[C_BEFORE_EXIT] += jint(cpu, "before_exit");
		b->c[C_EXIT_UNKNOWN] += jint(cpu, "exit_unknown");
		r->tail_sum += jint(cpu, "tail_sum_ns");
		r->x2e_sum += jint(cpu, "x2e_sum_ns");
		r->x2e_n += jint(cpu, "x2e_n");
		/* bucket counts add up across CPUs (bhb_hist_add_sparse() accumulates) */
		if (json_object_get(cpu, "first") && bhb_hist_add_sparse(&r->first, json_object_get(cpu, "first")))
			return -1;
		/* n, sum x, sum x^2, then sum y and sum x y in 16 ns units (the module's) */
		for (int k2 = 0; k2 < 5; k2++)
			r->pos[k2] += (double)json_integer_value(json_array_get(json_object_get(cpu, "pos"), (size_t)k2)) *
				      (k2 >= 3 ? 16.0 : 1.0);
		if (json_object_get(cpu, "tail") &&
		    (bhb_hist_add_sparse(&r->tail, json_object_get(cpu, "tail")) ||
		     bhb_hist_add_sparse(&r->x2e, json_object_get(cpu, "x2e"))))
			return -1;
		b->lat_sum += jint(cpu, "lat_sum_ns");
		if (jint(cpu, "executed") && jint(cpu, "lat_min_ns") < b->lat_min)
			b->lat_min = jint(cpu, "lat_min_ns");
		if (jint(cpu, "lat_max_ns") > b->lat_max)
			b->lat_max = jint(cpu, "lat_max_ns");
		if (jint(cpu, "q2e_max_ns") > b->q2e_max)
			b->q2e_max = jint(cpu, "q2e_max_ns");
		json_object_foreach(json_object_get(cpu, "ctx"), k, v) {
			int c = bhb_name_lookup(bhb_ctx_names, BHB_NR_CTX, k);

			if (c >= 0)
				b->ctx[c] += (uint64_t)json_integer_value(v);
			if (c == BHB_CTX_KSOFTIRQD)
				r->ksoftirqd += (uint64_t)json_integer_value(v);
		}
		json_object_foreach(json_object_get(cpu, "ctx_lat_sum_ns"), k, v) {
			int c = bhb_name_lookup(bhb_ctx_names, BHB_NR_CTX, k);

			if (c >= 0)
				b->ctx_lat[c] += (uint64_t)json_integer_value(v);
		}
		r->executed += jint(cpu, "executed");
		r->lat_sum += jint(cpu, "lat_sum_ns");
		if (json_object_get(cpu, "q2e_sum_ns")) {
			r->q2e_sum += jint(cpu, "q2e_sum_ns");
			r->have_q2e_sum = 1;
		}
		if (jint(cpu, "exec_end_ns") > end)
			end = jint(cpu, "exec_end_ns");
		if (bhb_hist_add_sparse(&r->lat, json_object_get(cpu, "lat")) ||
		    bhb_hist_add_sparse(&r->q2e, json_object_get(cpu, "q2e")))
			return -1;
	}
	r->tput = start && end > start ? (double)r->executed * 1e9 / (double)(end - start) : NAN;
	/*
	 * The module's drain ends when every callback has returned (not
	 * entered): with nothing lost, the last callback's end lies inside
	 * the run.
	 */
	if (!jint(j, "lost") && jint(j, "duration_ns") && end > start + jint(j, "duration_ns"))
		json_array_append_new(failures, json_sprintf("%s/%s: the run ended %.1f us before its last callback "
							     "returned (the drain counted entered callbacks)",
							     label ? label : prod, bhb_mech_names[m],
							     (double)(end - start - jint(j, "duration_ns")) / 1e3));
	return 0;
}

/*
 * Google Benchmark writes NaN and inf for aggregates it cannot compute
 * (the coefficient of variation of an all-zero counter); JSON has neither.
 * Turn the bare tokens, outside strings, into null.
 */
static void json_fix_nonfinite(char *s)
{
	int in_str = 0;

	for (char *p = s; *p; p++) {
		if (in_str) {
			if (*p == '\\' && p[1])
				p++;
			else if (*p == '"')
				in_str = 0;
			continue;
		}
		if (*p == '"') {
			in_str = 1;
		} else if (!strncmp(p, "NaN", 3)) {
			memcpy(p, "null", 3);
			memmove(p + 4, p + 3, strlen(p + 3) + 1);
			p[3] = 'l';
		} else if (!strncmp(p, "-inf", 4)) {
			memcpy(p, "null", 4);
		} else if (!strncmp(p, "inf", 3)) {
			memcpy(p, "null", 3);
			memmove(p + 4, p + 3, strlen(p + 3) + 1);
			p[3] = 'l';
		}
	}
}

static json_t *ci_obj(double v, double lo, double hi)
{
	return json_pack("{s:f,s:[f,f]}", "value", v, "ci95", lo, hi);
}

/* value, or null when it overflowed the histogram */
static json_t *num_or_null(double v)
{
	return v < 0 ? json_null() : json_real(v);
}

static json_t *hist_sparse(const struct bhb_hist *h)
{
	json_t *a = json_array();

	for (unsigned int i = 0; i < BHB_HIST_NBUCKETS; i++)
		if (h->c[i]) {
			json_array_append_new(a, json_integer(i));
			json_array_append_new(a, json_integer((json_int_t)h->c[i]));
		}
	return a;
}

static json_t *ratio(struct bench *x, struct bench *base, int j)
{
	double *r = malloc(BOOT * sizeof(*r)), lo, hi, v;

	if (!r || !base->boot || !x->boot || base->q[j] <= 0 || x->q[j] < 0) {
		free(r);
		return json_null();
	}
	for (int b = 0; b < BOOT; b++) {
		double den = base->boot[b * NM + j], num = x->boot[b * NM + j];

		r[b] = den > 0 && num >= 0 ? num / den : INFINITY;
	}
	bhb_interval(r, BOOT, 1, 0.95, &lo, &hi);
	v = x->q[j] / base->q[j];
	free(r);
	return ci_obj(v, lo, hi);
}

/*
 * The producer's tail (k = 0) and producer exit -> callback (k = 1): p50 and
 * p99 over all repetitions, and the p50's bootstrap interval over them.
 */
static void exit_stats(struct bench *b, uint64_t seed)
{
	static const double half = 0.5;

	for (int k = 0; k < 2; k++) {
		struct bhb_hist *h = malloc((size_t)b->nreps * sizeof(*h)), *all = calloc(1, sizeof(*all));
		double *bs = malloc(BOOT * sizeof(*bs));

		b->tx[k][0] = b->tx[k][1] = -1;
		b->tx_lo[k] = b->tx_hi[k] = NAN;
		if (h && all && bs) {
			for (int r = 0; r < b->nreps; r++) {
				h[r] = k ? b->reps[r].x2e : b->reps[r].tail;
				bhb_hist_merge(all, &h[r]);
			}
			if (all->n) {
				b->tx[k][0] = bhb_hist_quantile(all, 0.5);
				b->tx[k][1] = bhb_hist_quantile(all, 0.99);
				if (!bhb_bootstrap(h, b->nreps, &half, 1, BOOT, seed ^ (0x7461696cull + (uint64_t)k), bs))
					bhb_interval(bs, BOOT, 1, 0.95, &b->tx_lo[k], &b->tx_hi[k]);
			}
		}
		free(h);
		free(all);
		free(bs);
	}
}

static void bench_stats(struct bench *b, uint64_t seed)
{
	struct bhb_hist *all = calloc(1, sizeof(*all));

	if (!all || !b->nreps) {
		free(all);
		return;
	}
	struct bhb_hist *lat = malloc((size_t)b->nreps * sizeof(*lat));
	struct bhb_hist *q2e = malloc((size_t)b->nreps * sizeof(*q2e));
	struct bhb_hist *allq = calloc(1, sizeof(*allq));
	double *bl = malloc(BOOT * NQ * sizeof(*bl)), *bq = malloc(BOOT * NQQ * sizeof(*bq));

	b->boot = malloc(BOOT * NM * sizeof(*b->boot));
	if (!lat || !q2e || !allq || !bl || !bq || !b->boot) {
		free(b->boot);
		b->boot = NULL;
		goto out;
	}
	for (int r = 0; r < b->nreps; r++) {
		bhb_hist_merge(all, &b->reps[r].lat);
		bhb_hist_merge(allq, &b->reps[r].q2e);
		lat[r] = b->reps[r].lat;
		q2e[r] = b->reps[r].q2e;
	}
	for (int j = 0; j < NQ; j++)
		b->q[j] = bhb_hist_quantile(all, qs[j]);
	for (int j = 0; j < NQQ; j++)
		b->q[NQ + j] = bhb_hist_quantile(allq, qqs[j]);
	bhb_bootstrap(lat, b->nreps, qs, NQ, BOOT, seed, bl);
	bhb_bootstrap(q2e, b->nreps, qqs, NQQ, BOOT, seed ^ 0x5157, bq);
	for (int k = 0; k < BOOT; k++) {
		memcpy(&b->boot[k * NM], &bl[k * NQ], NQ * sizeof(double));
		memcpy(&b->boot[k * NM + NQ], &bq[k * NQQ], NQQ * sizeof(double));
	}
	exit_stats(b, seed);
out:
	free(bl);
	free(bq);
	free(lat);
	free(q2e);
	free(allq);
	free(all);
}

/* median of v[0..n) with a 95% bootstrap interval; NAN values are skipped */
static json_t *median_ci(const double *v, int n, uint64_t seed)
{
	double *x, *bs = malloc(BOOT * sizeof(*bs)), lo, hi, med;
	int k = 0;

	if (n < 1)
		n = 0;
	x = malloc(((size_t)n + 1) * sizeof(*x));
	for (int i = 0; i < n && x; i++)
		if (!isnan(v[i]))
			x[k++] = v[i];
	if (!x || !bs || !k) {
		free(x);
		free(bs);
		return json_null();
	}
	double *draw = malloc((size_t)k * sizeof(*draw));

	for (int b = 0; b < BOOT && draw; b++) {
		for (int i = 0; i < k; i++)
			draw[i] = x[bhb_rand(&seed) % (uint64_t)k];
		bs[b] = bhb_median(draw, k);
	}
	bhb_interval(bs, BOOT, 1, 0.95, &lo, &hi);
	med = bhb_median(x, k);
	free(draw);
	free(x);
	free(bs);
	return ci_obj(med, lo, hi);
}

static int rep_values(const struct bench *b, double *out, int which)
{
	for (int r = 0; r < b->nreps; r++)
		out[r] = which == 0 ? b->reps[r].tput : (double)b->reps[r].ksoftirqd;
	return b->nreps;
}

/* throughput, CPU time, and how often ksoftirqd ran the callbacks */
static void load_json(json_t *o, struct bench *b, struct bench *tl, uint64_t seed)
{
	double *v = malloc((size_t)(b->nreps + 1) * sizeof(*v)), *w = malloc((size_t)(tl->nreps + 1) * sizeof(*w));
	double ex = (double)b->c[C_EXECUTED], ratio, lo, hi;
	json_t *t;

	if (!v || !w) {
		free(v);
		free(w);
		return;
	}
	rep_values(b, v, 0);
	t = json_pack("{s:o}", "items_per_s", median_ci(v, b->nreps, seed));
	if (tl->nreps && b != tl) {
		rep_values(tl, w, 0);
		if (!bhb_ratio_boot(w, tl->nreps, v, b->nreps, seed ^ 0x7470, &ratio, &lo, &hi) && isfinite(ratio))
			json_object_set_new(t, "ratio_to_tasklet", ci_obj(ratio, lo, hi));
	}
	json_t *pa = json_object_get(o, "params");

	if (pa && json_integer_value(json_object_get(pa, "period_ns")) > 0)
		json_object_set_new(t, "offered_per_s", json_real(
			(double)__builtin_popcountll((unsigned long long)json_integer_value(json_object_get(pa, "cpus"))) *
			(double)json_integer_value(json_object_get(pa, "burst")) * 1e9 /
			(double)json_integer_value(json_object_get(pa, "period_ns"))));
	json_object_set_new(o, "throughput", t);
	if (b->have_acct) {
		json_t *a = json_object();

		for (int k = 0; k < A_NR; k++)
			json_object_set_new(a, anames[k], json_integer((json_int_t)b->acct[k]));
		/* per item: all non-idle guest CPU time (USER_HZ-sampled), and the threads' own */
		json_object_set_new(a, "busy_ns_per_item", ex > 0 ? json_real((double)b->acct[A_BUSY] / ex) : json_null());
		json_object_set_new(a, "ksoftirqd_ns_per_item", ex > 0 ? json_real((double)b->acct[A_KSOFTIRQD] / ex) : json_null());
		json_object_set_new(a, "kworker_ns_per_item", ex > 0 ? json_real((double)b->acct[A_KWORKER] / ex) : json_null());
		json_object_set_new(o, "cpu", a);
	}
	/* items ksoftirqd ran: how many, and what the hand-off did to their latency */
	uint64_t nk = b->ctx[BHB_CTX_KSOFTIRQD], rest = b->c[C_EXECUTED] - nk, lk = b->ctx_lat[BHB_CTX_KSOFTIRQD];
	uint64_t lall = 0;

	for (int c = 0; c < BHB_NR_CTX; c++)
		lall += b->ctx_lat[c];
	json_object_set_new(o, "ksoftirqd", json_pack("{s:I,s:f,s:I,s:o,s:o}", "items", (json_int_t)nk,
		"share", ex > 0 ? (double)nk / ex : 0.0,
		"runs", (json_int_t)b->acct[A_KSOFTIRQD_RUNS],
		"mean_latency_ns", nk ? json_real((double)lk / (double)nk) : json_null(),
		"mean_latency_others_ns", rest && lall >= lk ? json_real((double)(lall - lk) / (double)rest) : json_null()));
	free(v);
	free(w);
}

static json_t *burst_json(const struct bench *b)
{
	struct bhb_hist *all = calloc(1, sizeof(*all));
	double sl[512], mean = 0, sd = 0, first = -1;
	int n = 0;

	for (int r = 0; r < b->nreps && all; r++) {
		const double *s = b->reps[r].pos;
		double den = s[0] * s[2] - s[1] * s[1];

		bhb_hist_merge(all, &b->reps[r].first);
		if (s[0] > 1 && den > 0 && n < 512)
			sl[n++] = (s[0] * s[4] - s[1] * s[3]) / den;
	}
	if (all && all->n)
		first = bhb_hist_quantile(all, 0.5);
	free(all);
	for (int i = 0; i < n; i++)
		mean += sl[i] / n;
	for (int i = 0; i < n; i++)
		sd += (sl[i] - mean) * (sl[i] - mean) / (n > 1 ? n - 1 : 1);
	sd = sqrt(sd);
	/* 97.5% t quantile for n - 1 degrees of freedom, from a short table */
	static const double t975[] = { 0, 12.71, 4.30, 3.18, 2.78, 2.57, 2.45, 2.36, 2.31, 2.26, 2.23 };
	double t = n - 1 < 11 ? t975[n > 1 ? n - 1 : 0] : 2.0, h = n > 1 ? t * sd / sqrt(n) : NAN;

	return json_pack("{s:o,s:o,s:i}", "first_q2e_p50", num_or_null(first),
			 "slope_ns_per_position", n ? json_pack("{s:f,s:[o,o]}", "value", mean,
								  "ci95", isnan(h) ? json_null() : json_real(mean - h),
								  isnan(h) ? json_null() : json_real(mean + h)) : json_null(),
			 "repetitions", n);
}

static json_t *bench_json(int p, int m, struct bench *b)
{
	struct bench *tl = &benches[p][BHB_MECH_TASKLET], *dr = &benches[p][BHB_MECH_DIRECT];
	json_t *o = json_object(), *lat = json_object(), *cnt = json_object(), *ctx = json_object();
	json_t *reps = json_array(), *rt = json_object(), *rd = json_object(), *q2e;
	struct bhb_hist *all = calloc(1, sizeof(*all)), *allq = calloc(1, sizeof(*allq));

	json_object_set_new(o, "case", json_string(cases[p].label));
	json_object_set_new(o, "producer", json_string(cases[p].producer));
	if (cases[p].params)
		json_object_set(o, "params", cases[p].params);
	json_object_set_new(o, "mech", json_string(bhb_mech_names[m]));
	json_object_set_new(o, "repetitions", json_integer(b->nreps));
	json_object_set_new(o, "errors", json_integer(b->errors));
	if (b->errors)
		json_object_set_new(o, "first_error", json_string(b->first_error));
	for (int i = 0; i < C_NR; i++)
		json_object_set_new(cnt, cnames[i], json_integer((json_int_t)b->c[i]));
	json_object_set_new(o, "counters", cnt);
	for (int c = 0; c < BHB_NR_CTX; c++)
		json_object_set_new(ctx, bhb_ctx_names[c], json_integer((json_int_t)b->ctx[c]));
	json_object_set_new(o, "contexts", ctx);
	for (int j = 0; j < NQ; j++) {
		double lo = NAN, hi = NAN, v = b->q[j];

		if (b->boot)
			bhb_interval(b->boot + j, BOOT, NM, 0.95, &lo, &hi);
		if (j == NQ - 1)
			v = (double)b->lat_max;	/* exact */
		json_object_set_new(lat, qnames[j], v < 0 ? json_null() : ci_obj(v, lo, hi < 0 ? INFINITY : hi));
	}
	json_object_set_new(lat, "mean", json_real(b->c[C_EXECUTED] ? (double)b->lat_sum / (double)b->c[C_EXECUTED] : 0));
	json_object_set_new(lat, "min", json_integer(b->lat_min == UINT64_MAX ? 0 : (json_int_t)b->lat_min));
	json_object_set_new(o, "latency_ns", lat);
	for (int r = 0; r < b->nreps && all && allq; r++) {
		bhb_hist_merge(all, &b->reps[r].lat);
		bhb_hist_merge(allq, &b->reps[r].q2e);
		const struct rep *rp = &b->reps[r];
		double ex = (double)rp->executed;

		/* mean, q2e_mean: exact (sums of every item's ns over the items), not from buckets */
		json_array_append_new(reps, json_pack("{s:I,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:I}", "n", (json_int_t)rp->lat.n,
			"p50", num_or_null(bhb_hist_quantile(&rp->lat, 0.5)),
			"p99", num_or_null(bhb_hist_quantile(&rp->lat, 0.99)),
			"q2e_p50", num_or_null(bhb_hist_quantile(&rp->q2e, 0.5)),
			"mean", rp->executed ? json_real((double)rp->lat_sum / ex) : json_null(),
			"q2e_mean", rp->executed && rp->have_q2e_sum ? json_real((double)rp->q2e_sum / ex) : json_null(),
			"items_per_s", isnan(rp->tput) ? json_null() : json_real(rp->tput),
			"tail_p50", num_or_null(rp->tail.n ? bhb_hist_quantile(&rp->tail, 0.5) : -1),
			"x2e_p50", num_or_null(rp->x2e.n ? bhb_hist_quantile(&rp->x2e, 0.5) : -1),
			"ksoftirqd_items", (json_int_t)rp->ksoftirqd));
	}
	json_object_set_new(o, "per_repetition", reps);
	q2e = json_object();
	for (int j = 0; j < NQQ; j++) {
		double lo = NAN, hi = NAN;

		if (b->boot)
			bhb_interval(b->boot + NQ + j, BOOT, NM, 0.95, &lo, &hi);
		json_object_set_new(q2e, qnames[NQ + j] + 4, b->q[NQ + j] < 0 ? json_null() :
				    ci_obj(b->q[NQ + j], lo, hi < 0 ? INFINITY : hi));
	}
	json_object_set_new(q2e, "max", json_integer((json_int_t)b->q2e_max));
	json_object_set_new(o, "queue_to_exec_ns", q2e);
	/*
	 * q->cb in two: queue call -> the producer's handler returned (the
	 * call itself and the producer's tail) and producer exit -> callback,
	 * for the callbacks that started after their producer returned
	 */
	for (int k = 0; k < 2; k++) {
		uint64_t n = 0, sum = 0;

		for (int r = 0; r < b->nreps; r++) {
			n += b->reps[r].x2e_n;
			sum += k ? b->reps[r].x2e_sum : b->reps[r].tail_sum;
		}
		json_object_set_new(o, k ? "exit_to_exec_ns" : "queue_to_exit_ns",
				    json_pack("{s:o,s:o,s:o,s:I}", "p50", b->tx[k][0] < 0 ? json_null() :
					      ci_obj(b->tx[k][0], b->tx_lo[k], b->tx_hi[k]),
					      "p99", num_or_null(b->tx[k][1]),
					      "mean", n ? json_real((double)sum / (double)n) : json_null(),
					      "n", (json_int_t)n));
	}
	static const int rq[] = { 0, 2, 3, NQ, NQ + 1 };	/* p50, p99, p99.9, q2e p50, q2e p99 */

	for (size_t j = 0; j < sizeof(rq) / sizeof(rq[0]); j++) {
		json_object_set_new(rt, qnames[rq[j]], tl->nreps ? ratio(b, tl, rq[j]) : json_null());
		json_object_set_new(rd, qnames[rq[j]], dr->nreps ? ratio(b, dr, rq[j]) : json_null());
	}
	json_object_set_new(o, "ratio_to_tasklet", rt);
	/*
	 * Bursts: the first item's q->cb (median over the repetitions' first
	 * items) and the slope of q->cb over the position in the tick (a
	 * least-squares line per repetition; the mean over repetitions with a
	 * t interval): what the mechanism's batching makes later items wait.
	 */
	if (json_integer_value(json_object_get(cases[p].params, "burst")) > 1)
		json_object_set_new(o, "burst", burst_json(b));
	/*
	 * Omitted arrivals: an arrival that found its item still pending was
	 * merged into it (coalesced) and has no latency of its own, so the
	 * percentiles are of the executed callbacks only.
	 */
	json_object_set_new(o, "omitted_arrivals", json_pack("{s:I,s:f}", "count", (json_int_t)b->c[C_COALESCED],
		"share", b->c[C_ARRIVALS] ? (double)b->c[C_COALESCED] / (double)b->c[C_ARRIVALS] : 0.0));
	/* staggered producers: CPU i of n starts i x period / n after the first */
	json_object_set(o, "start_offsets_ns", b->offsets ?: json_array());
	json_object_set_new(o, "ratio_to_direct", rd);
	load_json(o, b, tl, 0x6c6f6164ull + (uint64_t)(p * 64 + m));
	json_object_set_new(o, "histogram", json_pack("{s:i,s:s,s:o,s:o}", "sub_bits", BHB_HIST_SUB_BITS,
		"unit", "ns", "latency", all ? hist_sparse(all) : json_array(),
		"queue_to_exec", allq ? hist_sparse(allq) : json_array()));
	free(all);
	free(allq);
	return o;
}

/*
 * What a row of an icount run means (README: Deterministic mode).  On one
 * vCPU virtual time is the instructions executed, 8 ns each: a cost
 * model.  Two rules take rows out of it: with more vCPUs they run in
 * turn, so a CPU's elapsed time counts the other's instructions and a wait
 * on the other CPU lasts until QEMU's 100 ms round-robin kick; with a CPU
 * hog the callback waits for the scheduler (time slices, wakeup
 * preemption, RT throttling's 950 ms of every 1 s), whose limits are
 * virtual time fixed by the kernel, not the mechanism's instructions.
 * Counts (lost, executed, contexts) hold either way.
 */
static json_t *icount_meaning(json_t *env, json_t *params, const struct bench *b)
{
	const char *hog = json_string_value(json_object_get(params, "hog")) ?: "none";
	json_int_t vcpus = json_integer_value(json_object_get(env, "vcpus"));

	if (strcmp(json_string_value(json_object_get(env, "accel")) ?: "", "icount"))
		return NULL;
	if (vcpus > 1)
		return json_pack("{s:b,s:s}", "cost_model", 0, "why",
				 "two or more vCPUs run in turn: a CPU's virtual time counts the others' instructions, "
				 "and a wait on another CPU lasts until QEMU's 100 ms round-robin kick; counts hold, "
				 "times do not");
	/* a hog changes nothing for callbacks that all ran on interrupt exit */
	if (strcmp(hog, "none") && (b->ctx[BHB_CTX_KSOFTIRQD] || b->ctx[BHB_CTX_KWORKER] ||
				    b->ctx[BHB_CTX_PROCESS] || b->ctx[BHB_CTX_SOFTIRQ_KTIMERS] ||
				    b->ctx[BHB_CTX_SOFTIRQ_IRQ_THREAD]))
		return json_pack("{s:b,s:s}", "cost_model", 0, "why",
				 "with a CPU hog the callback waits for the scheduler (time slices, wakeup preemption, "
				 "RT throttling): kernel time limits in virtual time, not the mechanism's instructions");
	return json_pack("{s:b,s:s}", "cost_model", 1, "why",
			 "one vCPU: times are instructions executed, 8 ns each (items/s: the inverse of "
			 "instructions per item)");
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* quantile of n values (sorted in place); NAN if none */
static double qv(double *v, size_t n, double q)
{
	size_t r;

	if (!n)
		return NAN;
	qsort(v, n, sizeof(*v), cmp_dbl);
	r = (size_t)ceil(q * (double)n);
	return v[(r ? r : 1) - 1];
}

static json_t *dist(double *v, size_t n)
{
	if (!n)
		return json_null();
	return json_pack("{s:f,s:f,s:f,s:f,s:I}", "min", qv(v, n, 0), "p50", qv(v, n, 0.5),
			 "p90", qv(v, n, 0.9), "max", qv(v, n, 1), "n", (json_int_t)n);
}

static long long gi(json_t *o, const char *a, const char *b)
{
	return json_integer_value(json_object_get(b ? json_object_get(o, a) : o, b ? b : a));
}

/*
 * Per mode x mechanism x K: the proven pending count at the moment the
 * CPU was dead, where the items ran, how long offline and drain took, and
 * what was stranded or lost.  Lost or stranded items are findings about
 * the kernel, reported loudly, not failures of the run.
 */
static json_t *hotplug_summary(json_t *cycles, json_t *failures)
{
	json_t *groups = json_object(), *out = json_array(), *c, *g;
	const char *key, **keys;
	size_t i, nk = 0;

	json_array_foreach(cycles, i, c) {
		char k[96];

		/* keys sort as mode, mechanism (ABI order), K */
		int mo = bhb_name_lookup(bhb_hp_mode_names, BHB_NR_HP_MODES, json_string_value(json_object_get(c, "mode")));
		int me = bhb_name_lookup(bhb_mech_names, BHB_NR_MECHS, json_string_value(json_object_get(c, "mech")));

		/* torture cycles draw K at random: one group per mode and mechanism */
		long long kk = gi(c, "torture", NULL) ? 0 : gi(c, "count", NULL);

		snprintf(k, sizeof(k), "%d/%02d/%08lld %s/%s/%lld", mo, me, kk,
			 json_string_value(json_object_get(c, "mode")), json_string_value(json_object_get(c, "mech")), kk);
		if (!json_object_get(groups, k))
			json_object_set_new(groups, k, json_array());
		json_array_append(json_object_get(groups, k), c);
	}
	keys = calloc(json_object_size(groups) + 1, sizeof(*keys));
	json_object_foreach(groups, key, g)
		keys[nk++] = key;
	qsort(keys, nk, sizeof(*keys), cmp_str);
	for (size_t ki = 0; ki < nk; ki++) {
		key = keys[ki];
		g = json_object_get(groups, key);
		size_t n = json_array_size(g), np = 0, nd = 0;
		double *pend = calloc(n, sizeof(double)), *off = calloc(n, sizeof(double));
		double *kern = calloc(n, sizeof(double)), *drain = calloc(n, sizeof(double));
		double *on = calloc(n, sizeof(double));
		long long lost = 0, stranded = 0, alive = 0, dead = 0, online = 0, oncpu = 0, other = 0;
		long long queued = 0, executed = 0, not_dead = 0, after_dead = 0;
		json_t *first = json_array_get(g, 0), *per_cpu = json_object();

		json_array_foreach(g, i, c) {
			json_t *a = json_object_get(c, "after_online"), *pc;
			long long q = gi(a, "queued", NULL), e = gi(a, "executed", NULL);
			const char *cpu;
			json_t *v;

			queued += q;
			executed += e;
			after_dead += gi(a, "queued_after_dead", NULL);
			lost += q - e;
			stranded += gi(a, "ran_online", NULL) ? 1 : 0;
			alive += gi(a, "ran_alive", NULL);
			dead += gi(a, "ran_dead", NULL);
			online += gi(a, "ran_online", NULL);
			oncpu += gi(a, "on_cpu", NULL);
			other += gi(a, "on_other", NULL);
			if (!json_is_true(json_object_get(a, "saw_dead")) &&
			    strcmp(json_string_value(json_object_get(c, "mode")), "offline"))
				not_dead++;
			pend[np++] = (double)gi(a, "pending_at_dead", NULL);
			off[i] = (double)gi(c, "offline_user_ns", NULL);
			on[i] = (double)gi(c, "online_user_ns", NULL);
			kern[i] = (double)(gi(a, "t_dead_ns", NULL) - gi(a, "t_teardown_ns", NULL));
			/* from the offline (or, for a CPU already offline, the queueing) to the last item */
			if (e && gi(a, "t_last_exec_ns", NULL))
				drain[nd++] = (double)(gi(a, "t_last_exec_ns", NULL) -
						       (strcmp(json_string_value(json_object_get(c, "mode")), "offline") ?
							(gi(c, "t_offline_start_ns", NULL) ?: gi(a, "t_teardown_ns", NULL)) :
							gi(a, "t_queue_ns", NULL)));
			pc = json_object_get(a, "per_cpu");
			json_object_foreach(pc, cpu, v)
				json_object_set_new(per_cpu, cpu, json_integer(json_integer_value(json_object_get(per_cpu, cpu)) +
									      json_integer_value(v)));
		}
		long long k = gi(first, "torture", NULL) ? 0 : gi(first, "count", NULL);
		long long ksum = 0;

		json_array_foreach(g, i, c)
			ksum += gi(json_object_get(c, "after_online"), "queued", NULL);
		double pmin = qv(pend, np, 0), p50 = qv(pend, np, 0.5);
		json_t *o = json_pack("{s:O,s:O,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:o}",
			"mode", json_object_get(first, "mode"), "mech", json_object_get(first, "mech"),
			"count", (json_int_t)k, "cycles", (json_int_t)n, "queued", (json_int_t)queued,
			"executed", (json_int_t)executed, "lost", (json_int_t)lost,
			"stranded_cycles", (json_int_t)stranded, "ran_alive", (json_int_t)alive,
			"ran_dead", (json_int_t)dead, "ran_online", (json_int_t)online,
			"on_cpu", (json_int_t)oncpu, "on_other", (json_int_t)other,
			"cycles_without_dead_callback", (json_int_t)not_dead, "per_cpu", per_cpu);

		json_object_set_new(o, "pending_at_dead", dist(pend, np));
		json_object_set_new(o, "queued_after_dead", json_integer(after_dead));
		/* torture: K varies, so the fraction is of all items queued */
		if (!k) {
			double tot = 0;

			for (size_t x = 0; x < np; x++)
				tot += pend[x];
			json_object_set_new(o, "pending_fraction_min", json_real(ksum ? tot / (double)ksum : 0));
			json_object_set_new(o, "pending_fraction_p50", json_real(ksum ? tot / (double)ksum : 0));
		} else {
			json_object_set_new(o, "pending_fraction_min", json_real(pmin / (double)k));
			json_object_set_new(o, "pending_fraction_p50", json_real(p50 / (double)k));
		}
		json_object_set_new(o, "offline_user_ns", dist(off, n));
		json_object_set_new(o, "online_user_ns", dist(on, n));
		json_object_set_new(o, "offline_kernel_ns", dist(kern, n));
		json_object_set_new(o, "drain_ns", dist(drain, nd));
		if (lost)
			json_array_append_new(failures, json_sprintf("hotplug %s: %lld items LOST (never ran, even after the CPU came back)", strchr(key, ' ') + 1, lost));
		if (not_dead)
			json_array_append_new(failures, json_sprintf("hotplug %s: %lld cycles never reached the dead callback", strchr(key, ' ') + 1, not_dead));
		json_array_append_new(out, o);
		free(pend);
		free(off);
		free(on);
		free(kern);
		free(drain);
	}
	free(keys);
	json_decref(groups);
	return json_pack("{s:o,s:O}", "groups", out, "cycles", cycles);
}

int bhb_analyze(const struct analysis_in *in, json_t **results, char *why, size_t len)
{
	struct bhb_frames fr;
	json_t *res = json_object(), *failures = json_array(), *list = json_array(), *unavail = json_array();
	json_t *hello = NULL, *overhead = NULL, *hp_cycles = json_array(), *hyperfine = json_array();
	json_t *control = json_array(), *na = json_array(), *traces = json_array();
	char path[1024];
	size_t n = 0;
	char *buf;

	memset(benches, 0, sizeof(benches));
	ncases = 0;
	why[0] = 0;
	*results = res;
	json_object_set_new(res, "schema", json_integer(1));
	json_object_set_new(res, "failures", failures);
	buf = bhb_slurp(in->chan_path, &n);
	bhb_frames_decode(buf ? buf : "", buf ? n : 0, &fr);
	free(buf);
	json_object_set_new(res, "channel", json_pack("{s:s,s:I,s:s}", "status", bhb_frames_status_name(fr.status),
		"frames", (json_int_t)fr.n, "error", fr.error));
	if (fr.status != BHB_FRAMES_OK) {
		json_array_append_new(failures, json_sprintf("result stream %s: %s", bhb_frames_status_name(fr.status), fr.error));
		json_object_set_new(res, "partial", json_true());
	}
	for (size_t i = 0; i < fr.n; i++) {
		struct bhb_frame *f = &fr.v[i];
		json_error_t je;
		json_t *j;

		if (!strcmp(f->type, "gbench")) {
			char *fixed = malloc(f->len * 2 + 1);

			snprintf(path, sizeof(path), "%s/gbench.json", in->run_dir);
			if (fixed) {
				memcpy(fixed, f->payload, f->len + 1);
				json_fix_nonfinite(fixed);
			}
			j = fixed ? json_loads(fixed, 0, &je) : NULL;
			free(fixed);
			if (!j || bhb_json_write_atomic(path, j))
				json_array_append_new(failures, json_string("Google Benchmark JSON is unreadable"));
			json_decref(j);
			continue;
		}
		j = json_loads(f->payload, 0, &je);
		if (!j) {
			json_array_append_new(failures, json_sprintf("frame %u (%s) is not JSON: %s", f->seq, f->type, je.text));
			continue;
		}
		if (!strcmp(f->type, "hello")) {
			json_decref(hello);
			hello = j;
		} else if (!strcmp(f->type, "overhead")) {
			json_decref(overhead);
			overhead = j;
		} else if (!strcmp(f->type, "fuzz")) {
			json_t *ch = json_object_get(j, "checks");

			if (json_integer_value(json_object_get(j, "anomalies")))
				json_array_append_new(failures, json_sprintf("fuzz: %lld anomalies, first: %s",
					(long long)json_integer_value(json_object_get(j, "anomalies")),
					json_string_value(json_object_get(j, "first_anomaly"))));
			if (json_integer_value(json_object_get(ch, "concurrent_run_errno")) != EBUSY)
				json_array_append_new(failures, json_string("fuzz: a second concurrent run was not refused with EBUSY"));
			if (!json_integer_value(json_object_get(ch, "unload_in_use_errno")))
				json_array_append_new(failures, json_string("fuzz: the module unloaded while in use"));
			if (json_object_get(ch, "offline_during_run_errno") &&
			    json_integer_value(json_object_get(ch, "offline_during_run_errno")) != ENODEV)
				json_array_append_new(failures, json_sprintf("fuzz: a producing CPU went offline during a run "
					"and the run returned errno %lld, not ENODEV (numbers from a moved producer)",
					(long long)json_integer_value(json_object_get(ch, "offline_during_run_errno"))));
			if (json_integer_value(json_object_get(ch, "node_mode")) != 0600 ||
			    !json_is_true(json_object_get(ch, "unprivileged_open_refused")))
				json_array_append_new(failures, json_string("fuzz: /dev/bhbench is not root-only"));
			if (json_integer_value(json_object_get(ch, "limits_not_refused")))
				json_array_append_new(failures, json_sprintf("fuzz: %lld requests past a memory limit were not refused with EINVAL",
					(long long)json_integer_value(json_object_get(ch, "limits_not_refused"))));
			if (json_integer_value(json_object_get(ch, "load_unload_failures")))
				json_array_append_new(failures, json_string("fuzz: a module unload/load cycle failed"));
			if (json_integer_value(json_object_get(j, "failed_checks")))
				json_array_append_new(failures, json_sprintf("fuzz: %lld checks failed (slab %lld kB before, %lld kB after unloading)",
					(long long)json_integer_value(json_object_get(j, "failed_checks")),
					(long long)json_integer_value(json_object_get(ch, "slab_kb_before")),
					(long long)json_integer_value(json_object_get(ch, "slab_kb_after_unload"))));
			json_object_set_new(res, "fuzz", j);
		} else if (!strcmp(f->type, "hotplug")) {
			json_array_append_new(hp_cycles, j);
		} else if (!strcmp(f->type, "control")) {
			json_array_append_new(control, j);
		} else if (!strcmp(f->type, "cases")) {
			json_t *c;
			size_t k;

			json_array_foreach(json_object_get(j, "cases"), k, c) {
				int ci = case_index(json_string_value(json_object_get(c, "case")) ?: "",
						    json_string_value(json_object_get(c, "producer")));

				if (ci >= 0 && !cases[ci].params)
					cases[ci].params = json_incref(c);
			}
			json_decref(j);
		} else if (!strcmp(f->type, "trace")) {
			json_array_append_new(traces, j);
		} else if (!strcmp(f->type, "na")) {
			json_array_append_new(na, j);
		} else if (!strcmp(f->type, "hyperfine")) {
			json_t *c, *r;
			size_t k;

			/* its cycles are counted like any other; its timings kept apart */
			json_array_foreach(json_object_get(j, "cycles"), k, c) {
				json_object_set_new(c, "via", json_string("hyperfine"));
				json_array_append(hp_cycles, c);
			}
			json_array_foreach(json_object_get(json_object_get(j, "hyperfine"), "results"), k, r)
				json_array_append_new(hyperfine, json_pack("{s:O,s:O,s:O,s:O,s:O,s:O,s:O,s:O}",
					"mech", json_object_get(j, "mech"), "count", json_object_get(j, "count"),
					"command", json_object_get(r, "command"), "mean", json_object_get(r, "mean"),
					"stddev", json_object_get(r, "stddev"), "median", json_object_get(r, "median"),
					"min", json_object_get(r, "min"), "max", json_object_get(r, "max")));
			json_decref(j);
		} else if (!strcmp(f->type, "run")) {
			if (take_run(j, failures))
				json_array_append_new(failures, json_sprintf("frame %u: malformed run record", f->seq));
			json_decref(j);
		} else if (!strcmp(f->type, "error")) {
			json_array_append_new(failures, json_sprintf("guest agent: %s",
				json_string_value(json_object_get(j, "error"))));
			json_decref(j);
		} else {
			json_decref(j);
		}
	}
	/* after the agent's own error frames, which say why */
	if (fr.status == BHB_FRAMES_OK && fr.end_status != 0)
		json_array_append_new(failures, json_sprintf("guest agent finished with status %d", fr.end_status));
	bhb_frames_free(&fr);

	json_t *env = json_deep_copy(in->env);

	if (hello) {
		json_object_set(env, "guest", hello);
		json_object_set(env, "preempt", json_object_get(hello, "preempt"));
		json_object_set(env, "guest_release", json_object_get(hello, "release"));
		json_t *mechs = json_object_get(hello, "mechanisms"), *mo;
		size_t i;

		json_array_foreach(mechs, i, mo)
			if (json_is_false(json_object_get(mo, "available")))
				json_array_append(unavail, json_object_get(mo, "mech"));
	} else {
		json_array_append_new(failures, json_string("the guest agent never reported (no hello frame)"));
	}
	json_object_set_new(res, "env", env);
	json_object_set_new(res, "unavailable", unavail);
	json_object_set_new(res, "scenario", json_pack("{s:s,s:s,s:I,s:I,s:I,s:I,s:I,s:I}",
		"name", in->sc->name, "description", in->sc->description,
		"items_per_cpu", (json_int_t)in->sc->items, "inflight", (json_int_t)in->sc->inflight,
		"period_ns", (json_int_t)in->sc->period_ns, "cost_ns", (json_int_t)in->sc->cost_ns,
		"repetitions", (json_int_t)in->sc->repetitions, "warmup", (json_int_t)in->sc->warmup));
	if (in->sc->type == BHB_SCEN_SUITE) {
		json_t *mem = json_array();

		for (uint32_t k = 0; k < in->sc->nmembers; k++)
			json_array_append_new(mem, json_string(in->sc->members[k]));
		json_object_set_new(json_object_get(res, "scenario"), "suite", mem);
	}
	if (overhead)
		json_object_set_new(res, "overhead", overhead);

	for (int p = 0; p < ncases; p++)
		for (int m = 0; m < BHB_NR_MECHS; m++)
			if (benches[p][m].used)
				bench_stats(&benches[p][m], in->seed + (uint64_t)(p * 64 + m));
	for (int p = 0; p < ncases; p++)
		for (int m = 0; m < BHB_NR_MECHS; m++) {
			struct bench *b = &benches[p][m];
			const char *name = bhb_mech_names[m], *pn = cases[p].label;

			if (!b->used)
				continue;
			json_t *bj = bench_json(p, m, b), *im = icount_meaning(in->env, cases[p].params, b);

			if (im)
				json_object_set_new(bj, "icount", im);
			json_array_append_new(list, bj);
			if (b->errors)
				json_array_append_new(failures, json_sprintf("%s/%s: %d runs failed (%s)", pn, name, b->errors, b->first_error));
			if (b->c[C_LOST])
				json_array_append_new(failures, json_sprintf("%s/%s: %llu items never executed (lost)", pn, name, (unsigned long long)b->c[C_LOST]));
			if (b->c[C_REFUSED])
				json_array_append_new(failures, json_sprintf("%s/%s: %llu queue calls refused an idle item", pn, name, (unsigned long long)b->c[C_REFUSED]));
			if (b->c[C_EXECUTED] != b->c[C_QUEUED])
				json_array_append_new(failures, json_sprintf("%s/%s: executed %llu != queued %llu", pn, name,
					(unsigned long long)b->c[C_EXECUTED], (unsigned long long)b->c[C_QUEUED]));
		}
	for (int p = 0; p < ncases; p++) {
		for (int m = 0; m < BHB_NR_MECHS; m++) {
			free(benches[p][m].reps);
			free(benches[p][m].boot);
			json_decref(benches[p][m].offsets);
			benches[p][m].offsets = NULL;
		}
		json_decref(cases[p].params);
	}
	json_object_set_new(res, "benchmarks", list);
	if (json_array_size(traces))
		json_object_set_new(res, "trace_check", bhb_trace_summary(traces, list, failures));
	json_decref(traces);
	if (json_array_size(na))
		json_object_set(res, "not_applicable", na);
	json_decref(na);
	if (json_array_size(hp_cycles))
		json_object_set_new(res, "hotplug", hotplug_summary(hp_cycles, failures));
	json_decref(hp_cycles);
	if (json_array_size(control))
		json_object_set_new(res, "control", bhb_control_summary(control, failures));
	json_decref(control);
	if (json_array_size(hyperfine))
		json_object_set(res, "hyperfine", hyperfine);
	json_decref(hyperfine);
	/* measurement overhead as a share of the smallest median it sits in */
	if (overhead) {
		double best = 0, rec = json_real_value(json_object_get(overhead, "record_ns_median"));
		const char *bp = NULL, *bm = NULL;
		size_t i;
		json_t *b;

		json_array_foreach(list, i, b) {
			double v = json_real_value(json_object_get(json_object_get(json_object_get(b, "latency_ns"), "p50"), "value"));

			if (v > 0 && (best == 0 || v < best)) {
				best = v;
				bp = json_string_value(json_object_get(b, "producer"));
				bm = json_string_value(json_object_get(b, "mech"));
			}
		}
		double bestq = 0;
		const char *qp = NULL, *qm = NULL;

		/* and of the smallest queue-to-callback median of a real mechanism */
		json_array_foreach(list, i, b) {
			double v = json_real_value(json_object_get(json_object_get(json_object_get(b, "queue_to_exec_ns"), "p50"), "value"));

			if (!strcmp(json_string_value(json_object_get(b, "mech")), "direct"))
				continue;
			if (v > 0 && (bestq == 0 || v < bestq)) {
				bestq = v;
				qp = json_string_value(json_object_get(b, "producer"));
				qm = json_string_value(json_object_get(b, "mech"));
			}
		}
		if (bestq > 0) {
			json_object_set_new(overhead, "smallest_q2e_median_ns", json_real(bestq));
			json_object_set_new(overhead, "smallest_q2e_median_of", json_sprintf("%s/%s", qp, qm));
			json_object_set_new(overhead, "share_of_smallest_q2e_median", json_real(rec / bestq));
		}
		if (best > 0) {
			json_object_set_new(overhead, "smallest_median_ns", json_real(best));
			json_object_set_new(overhead, "smallest_median_of", json_sprintf("%s/%s", bp, bm));
			json_object_set_new(overhead, "share_of_smallest_median", json_real(rec / best));
		}
	}
	json_object_set_new(res, "status", json_string(json_array_size(failures) ? "failed" : "ok"));
	if (json_array_size(failures))
		snprintf(why, len, "%s", json_string_value(json_array_get(failures, 0)));
	return json_array_size(failures) ? 1 : 0;
}

/* ns -> microseconds with about three significant digits */
static void fmt_us(char *out, size_t len, double ns)
{
	double x = ns / 1e3;

	if (isinf(x) || x < 0)
		snprintf(out, len, "ovf");
	else
		snprintf(out, len, x < 10 ? "%.2f" : x < 1000 ? "%.1f" : "%.0f", x);
}

static void us(char *out, size_t len, json_t *v)
{
	if (!v || json_is_null(v))
		snprintf(out, len, "overflow");
	else
		fmt_us(out, len, json_real_value(json_object_get(v, "value")));
}

static void us_ci(char *out, size_t len, json_t *v)
{
	json_t *ci = json_object_get(v, "ci95");
	char a[32], b[32];

	us(a, sizeof(a), v);
	if (!ci) {
		snprintf(out, len, "%s", a);
		return;
	}
	char lo[16], hi[16];

	fmt_us(lo, sizeof(lo), json_real_value(json_array_get(ci, 0)));
	fmt_us(hi, sizeof(hi), json_real_value(json_array_get(ci, 1)));
	snprintf(b, sizeof(b), "%s-%s", lo, hi);
	snprintf(out, len, "%s [%s]", a, b);
}

static void ratio_ci(char *out, size_t len, json_t *v)
{
	json_t *ci = json_object_get(v, "ci95");

	if (!v || json_is_null(v)) {
		snprintf(out, len, "-");
		return;
	}
	snprintf(out, len, "%.2f [%.2f-%.2f]", json_real_value(json_object_get(v, "value")),
		 json_real_value(json_array_get(ci, 0)), json_real_value(json_array_get(ci, 1)));
}

static void print_hotplug(FILE *f, json_t *hp)
{
	json_t *g;
	size_t i;
	const char *mode = "";

	fprintf(f, "\nCPU hotplug drain: K items pending on the CPU going offline; per mode, mechanism and K\n");
	fprintf(f, "pending@dead: items proven not started when the CPU was dead (min and median of the cycles)\n");
	fprintf(f, "ran: before the CPU died / after it died / only after it came back; where: on it / elsewhere\n");
	fprintf(f, "q>dead (race mode): items whose queue call came after the CPU was already dead\n");
	json_array_foreach(json_object_get(hp, "groups"), i, g) {
		const char *m = json_string_value(json_object_get(g, "mode"));
		json_t *pd = json_object_get(g, "pending_at_dead");
		char drain[32] = "-";

		if (strcmp(m, mode)) {
			mode = m;
			fprintf(f, "\nmode %s\n%-11s %6s %6s %-20s %-18s %-13s %-7s %-10s %-10s %-14s %s\n", m,
				"mechanism", "K", "cycles", "pending@dead", "ran alive/dead/on", "where X/else",
				"q>dead", "offline", "kernel", "drain p50/p90", "lost");
		}
		if (json_is_object(json_object_get(g, "drain_ns")))
			snprintf(drain, sizeof(drain), "%.2f/%.2f",
				 json_real_value(json_object_get(json_object_get(g, "drain_ns"), "p50")) / 1e6,
				 json_real_value(json_object_get(json_object_get(g, "drain_ns"), "p90")) / 1e6);
		char pend[40], ran[40], where[32];

		snprintf(pend, sizeof(pend), "%.0f/%.0f (%.0f%%)", json_real_value(json_object_get(pd, "min")),
			 json_real_value(json_object_get(pd, "p50")),
			 100 * json_real_value(json_object_get(g, "pending_fraction_p50")));
		snprintf(ran, sizeof(ran), "%lld/%lld/%lld", gi(g, "ran_alive", NULL), gi(g, "ran_dead", NULL),
			 gi(g, "ran_online", NULL));
		snprintf(where, sizeof(where), "%lld/%lld", gi(g, "on_cpu", NULL), gi(g, "on_other", NULL));
		char kk[16];

		if (gi(g, "count", NULL))
			snprintf(kk, sizeof(kk), "%lld", gi(g, "count", NULL));
		else
			snprintf(kk, sizeof(kk), "random");
		fprintf(f, "%-11s %6s %6lld %-20s %-18s %-13s %-7lld %-10.2f %-10.2f %-14s %lld%s\n",
			json_string_value(json_object_get(g, "mech")), kk, gi(g, "cycles", NULL),
			pend, ran, where, gi(g, "queued_after_dead", NULL),
			json_real_value(json_object_get(json_object_get(g, "offline_user_ns"), "p50")) / 1e6,
			json_real_value(json_object_get(json_object_get(g, "offline_kernel_ns"), "p50")) / 1e6,
			drain, gi(g, "lost", NULL), gi(g, "lost", NULL) ? "  <== LOST" : "");
	}
	fprintf(f, "\noffline: sysfs write as user space sees it; kernel: teardown callback to dead callback;\n"
		   "drain: offline start to the last item executed; all in milliseconds (medians).\n");
}

static void print_hyperfine(FILE *f, json_t *hf)
{
	json_t *r;
	size_t i;

	fprintf(f, "\nhyperfine in the guest (teardown mode; s, mean +- stddev; 'exec-only' is the cost of\n"
		   "starting the helper that writes to sysfs, to subtract from 'offline'):\n");
	fprintf(f, "%-11s %6s %-10s %-22s %s\n", "mechanism", "K", "command", "mean +- stddev", "min .. max");
	json_array_foreach(hf, i, r)
		fprintf(f, "%-11s %6lld %-10s %.4f +- %.4f        %.4f .. %.4f\n",
			json_string_value(json_object_get(r, "mech")), gi(r, "count", NULL),
			json_string_value(json_object_get(r, "command")),
			json_real_value(json_object_get(r, "mean")), json_real_value(json_object_get(r, "stddev")),
			json_real_value(json_object_get(r, "min")), json_real_value(json_object_get(r, "max")));
}

void bhb_print_summary(FILE *f, json_t *res)
{
	json_t *env = json_object_get(res, "env"), *sc = json_object_get(res, "scenario");
	json_t *oh = json_object_get(res, "overhead"), *b, *un = json_object_get(res, "unavailable"), *v2;
	const char *prod = "";
	size_t i, k2;

	fprintf(f, "\nbhbench %s: kernel %s (%s, preempt %s), %s, %lld vCPUs, host %s\n",
		json_string_value(json_object_get(sc, "name")),
		json_string_value(json_object_get(env, "kernel")),
		json_string_value(json_object_get(env, "flavour")),
		json_string_value(json_object_get(env, "preempt")) ?: "?",
		json_string_value(json_object_get(env, "accel")),
		json_integer_value(json_object_get(env, "vcpus")),
		json_string_value(json_object_get(env, "host_cpu")));
	if (json_object_get(res, "fuzz")) {
		json_t *z = json_object_get(res, "fuzz"), *k, *ch = json_object_get(z, "checks");
		const char *name;

		fprintf(f, "\nfuzz: %lld hostile requests from %lld threads, %lld anomalies\n",
			gi(z, "requests", NULL), gi(z, "threads", NULL), gi(z, "anomalies", NULL));
		json_object_foreach(json_object_get(z, "kinds"), name, k) {
			char *errs = json_dumps(json_object_get(k, "errors"), JSON_COMPACT);

			fprintf(f, "  %-13s %7lld requests, %6lld accepted, refused with %s\n", name,
				gi(k, "requests", NULL), gi(k, "succeeded", NULL), errs ? errs : "?");
			free(errs);
		}
		fprintf(f, "limits (one past each must be EINVAL): %lld not refused\n",
			gi(ch, "limits_not_refused", NULL));
		fprintf(f, "second concurrent run: %s; unload while in use: %s; node mode %llo, unprivileged open %s;\n"
			   "%lld unload/load cycles with a run each; slab %lld kB before, %lld kB after unloading\n",
			strerror((int)gi(ch, "concurrent_run_errno", NULL)), strerror((int)gi(ch, "unload_in_use_errno", NULL)),
			(unsigned long long)gi(ch, "node_mode", NULL),
			json_is_true(json_object_get(ch, "unprivileged_open_refused")) ? "refused" : "ALLOWED",
			gi(ch, "load_unload_cycles", NULL), gi(ch, "slab_kb_before", NULL), gi(ch, "slab_kb_after_unload", NULL));
		return;
	}
	if (json_object_get(res, "control") && !json_array_size(json_object_get(res, "benchmarks"))) {
		bhb_print_control(f, json_object_get(res, "control"));
		return;
	}
	if (json_object_get(res, "hotplug")) {
		print_hotplug(f, json_object_get(res, "hotplug"));
		if (json_object_get(res, "hyperfine"))
			print_hyperfine(f, json_object_get(res, "hyperfine"));
		return;
	}
	const char *whys[4];
	int nwhy = 0, omitted = 0;

	if (json_object_get(sc, "suite")) {
		fprintf(f, "suite %s (", json_string_value(json_object_get(sc, "name")));
		json_array_foreach(json_object_get(sc, "suite"), i, b)
			fprintf(f, "%s%s", i ? ", " : "", json_string_value(b));
		fprintf(f, "): every case and mechanism randomly interleaved in this one boot\n");
	} else {
		fprintf(f, "%lld arrivals per CPU every %.0f us, callback cost %lld ns, %lld repetitions randomly interleaved\n",
			json_integer_value(json_object_get(sc, "items_per_cpu")),
			(double)json_integer_value(json_object_get(sc, "period_ns")) / 1e3,
			json_integer_value(json_object_get(sc, "cost_ns")),
			json_integer_value(json_object_get(sc, "repetitions")));
	}
	if (json_object_get(res, "merge")) {
		json_t *mg = json_object_get(res, "merge");
		char *from = json_dumps(json_object_get(env, "merged_from"), JSON_COMPACT);

		fprintf(f, "MERGED: %lld boots (%s); intervals are a hierarchical bootstrap over boots, then repetitions;\n"
			   "%lld benchmarks whose boots disagree on p50 (marked *; see spread in results.json)\n",
			json_integer_value(json_object_get(mg, "boots")), from ? from : "",
			json_integer_value(json_object_get(mg, "disagreeing_p50")));
		free(from);
	}
	if (json_is_true(json_object_get(env, "quick")))
		fprintf(f, "QUICK run (--quick): 2 repetitions, a quarter of the items; for development, not for figures\n");
	fprintf(f, "latency: intended arrival -> callback entry, microseconds; [95%% bootstrap CI over repetitions]\n");
	if (!strcmp(json_string_value(json_object_get(env, "accel")) ?: "", "tcg"))
		fprintf(f, "TCG: every instruction is emulated; compare mechanisms within one run, not with hardware.\n");
	if (!strcmp(json_string_value(json_object_get(env, "accel")) ?: "", "icount"))
		fprintf(f, "ICOUNT: virtual time, " BHB_ICOUNT_MEANING ": a cost model, the same on\n"
			   "every host; not hardware time, and not comparable with tcg or kvm runs.\n");
	json_array_foreach(json_object_get(res, "benchmarks"), i, b) {
		const char *p = json_string_value(json_object_get(b, "case")) ?: json_string_value(json_object_get(b, "producer"));
		json_t *lat = json_object_get(b, "latency_ns"), *ctx = json_object_get(b, "contexts"), *v;
		json_t *pa = json_object_get(b, "params"), *tp = json_object_get(json_object_get(b, "throughput"), "items_per_s");
		char p50[48], p99[48], p999[24], mx[24], rt[40], rq[40], rd[40], where[64] = "-", q2e[48], tput[24] = "-";
		json_int_t exe = json_integer_value(json_object_get(json_object_get(b, "counters"), "executed"));
		json_int_t best = 0;
		const char *k;

		if (strcmp(p, prod)) {
			prod = p;
			fprintf(f, "\n%s: %s", pa ? "case" : "producer", p);
			if (pa)
				fprintf(f, " (%s producer, %s every %.0f us x %lld, cost %.0f us%s%s%s%s)",
					json_string_value(json_object_get(pa, "producer")),
					json_string_value(json_object_get(pa, "pattern")),
					(double)json_integer_value(json_object_get(pa, "period_ns")) / 1e3,
					json_integer_value(json_object_get(pa, "burst")),
					(double)json_integer_value(json_object_get(pa, "cost_ns")) / 1e3,
					json_integer_value(json_object_get(pa, "touch_bytes")) ? ", touching memory" : "",
					strcmp(json_string_value(json_object_get(pa, "hog")) ?: "none", "none") ? ", CPU hog " : "",
					strcmp(json_string_value(json_object_get(pa, "hog")) ?: "none", "none") ?
						json_string_value(json_object_get(pa, "hog")) : "",
					json_integer_value(json_object_get(pa, "softirq_load_period_ns")) ?
						", competing softirq load" : "");
			fprintf(f, "\n%-11s %-19s %-19s %-6s %-6s %-18s %-17s %-17s %-17s %-4s %-8s %s\n",
				"mechanism", "p50", "p99", "p99.9", "max", "q->cb p50", "x tasklet p50",
				"x tasklet q->cb", "q->exit | exit->cb", "lost", "items/s", "ran in (share)");
			json_array_foreach(json_object_get(res, "not_applicable"), k2, v)
				if (!strcmp(json_string_value(json_object_get(v, "case")) ?: "", p))
					fprintf(f, "%-11s n/a: %s\n", json_string_value(json_object_get(v, "mech")),
						json_string_value(json_object_get(v, "why")));
		}
		if (json_is_object(tp)) {
			double t = json_real_value(json_object_get(tp, "value"));

			snprintf(tput, sizeof(tput), t >= 1e5 ? "%.0fk" : "%.1fk", t / 1e3);
		}
		us_ci(p50, sizeof(p50), json_object_get(lat, "p50"));
		us_ci(p99, sizeof(p99), json_object_get(lat, "p99"));
		us(p999, sizeof(p999), json_object_get(lat, "p99.9"));
		us(mx, sizeof(mx), json_object_get(lat, "max"));
		us_ci(q2e, sizeof(q2e), json_object_get(json_object_get(b, "queue_to_exec_ns"), "p50"));
		ratio_ci(rt, sizeof(rt), json_object_get(json_object_get(b, "ratio_to_tasklet"), "p50"));
		{
			char t1[24], t2[24];

			/* q->cb in two: the producer's own tail, then producer exit -> callback */
			json_t *v1 = json_object_get(json_object_get(b, "queue_to_exit_ns"), "p50");
			json_t *v2x = json_object_get(json_object_get(b, "exit_to_exec_ns"), "p50");

			snprintf(t1, sizeof(t1), "-");
			snprintf(t2, sizeof(t2), "-");
			if (json_is_object(v1))
				us(t1, sizeof(t1), v1);
			if (json_is_object(v2x))
				us(t2, sizeof(t2), v2x);
			snprintf(rd, sizeof(rd), "%s | %s", t1, t2);
		}
		ratio_ci(rq, sizeof(rq), json_object_get(json_object_get(b, "ratio_to_tasklet"), "q2e_p50"));
		json_object_foreach(ctx, k, v)
			if (json_integer_value(v) > best) {
				best = json_integer_value(v);
				snprintf(where, sizeof(where), "%s (%.0f%%)", k, exe ? 100.0 * (double)best / (double)exe : 0);
			}
		if (json_is_true(json_object_get(json_object_get(json_object_get(b, "spread"), "p50"), "boots_disagree")))
			strncat(p50, "*", sizeof(p50) - strlen(p50) - 1);
		fprintf(f, "%-11s %-19s %-19s %-6s %-6s %-18s %-17s %-17s %-17s %-4lld %-8s %s",
			json_string_value(json_object_get(b, "mech")), p50, p99, p999, mx, q2e, rt, rq, rd,
			json_integer_value(json_object_get(json_object_get(b, "counters"), "lost")), tput, where);
		json_int_t nk = json_integer_value(json_object_get(json_object_get(b, "ksoftirqd"), "items"));

		if (nk && !strstr(where, "ksoftirqd"))
			fprintf(f, ", ksoftirqd %lld", nk);
		json_t *im = json_object_get(b, "icount");

		if (im && !json_is_true(json_object_get(im, "cost_model"))) {
			const char *w = json_string_value(json_object_get(im, "why")) ?: "";
			int k3 = 0;

			while (k3 < nwhy && strcmp(whys[k3], w))
				k3++;
			if (k3 == nwhy && nwhy < 4)
				whys[nwhy++] = w;
			fprintf(f, "  [icount: not a cost %d]", k3 + 1);
		}
		double om = json_real_value(json_object_get(json_object_get(b, "omitted_arrivals"), "share"));

		if (om > 0) {
			fprintf(f, ", %.0f%% of arrivals coalesced%s", 100 * om, omitted++ ? "" : " (*)");
		}
		fprintf(f, "\n");
		json_t *bu = json_object_get(b, "burst"), *sl = json_object_get(bu, "slope_ns_per_position");

		if (bu && json_is_number(json_object_get(bu, "first_q2e_p50")) && json_is_object(sl)) {
			json_t *ci = json_object_get(sl, "ci95");

			fprintf(f, "%-11s first item's q->cb %.2f us, then +%.3f us per later item [%.3f-%.3f]\n", "",
				json_number_value(json_object_get(bu, "first_q2e_p50")) / 1e3,
				json_number_value(json_object_get(sl, "value")) / 1e3,
				json_number_value(json_array_get(ci, 0)) / 1e3, json_number_value(json_array_get(ci, 1)) / 1e3);
		}
	}
	if (omitted)
		fprintf(f, "\n(*) coalesced: the arrival found its item still pending and was merged into it, as a\n"
			   "second queue call of a driver's is; it has no latency of its own, and the percentiles are\n"
			   "of the executed callbacks only (results.json: omitted_arrivals)\n");
	for (int k3 = 0; k3 < nwhy; k3++)
		fprintf(f, "%s[icount: not a cost %d]: %s\n", k3 ? "" : "\n", k3 + 1, whys[k3]);
	if (json_array_size(un)) {
		fprintf(f, "\nnot available in this kernel:");
		json_array_foreach(un, i, b)
			fprintf(f, " %s", json_string_value(b));
		fprintf(f, "\n");
	}
	/* cases with no row at all (every mechanism n/a for the case's own reason) */
	{
		const char *last = "";
		int first = 1;

		json_array_foreach(json_object_get(res, "not_applicable"), i, v2) {
			const char *c = json_string_value(json_object_get(v2, "case")) ?: "";
			const char *w = json_string_value(json_object_get(v2, "why")) ?: "";
			json_t *b2;
			size_t j2;
			int has = 0;

			if (!strcmp(c, last))
				continue;
			last = c;
			json_array_foreach(json_object_get(res, "benchmarks"), j2, b2)
				has |= !strcmp(json_string_value(json_object_get(b2, "case")) ?: "", c);
			if (has)
				continue;
			fprintf(f, "%s  %s: %s\n", first ? "\ncases not run in this boot:\n" : "", c, w);
			first = 0;
		}
	}
	if (json_object_get(res, "trace_check"))
		bhb_print_trace(f, json_object_get(res, "trace_check"));
	if (json_object_get(res, "control")) {
		fprintf(f, "\n");
		bhb_print_control(f, json_object_get(res, "control"));
	}
	fprintf(f, "\nq->cb: median from the queue call itself to the callback (without the producer's\n"
		   "lateness); q->exit | exit->cb: q->cb in two, queue call -> the producer's handler\n"
		   "returned (the queue call itself, the rest of the tick, for a timer producer the timer\n"
		   "core) and producer exit -> callback (what the mechanism adds after the producer is\n"
		   "gone), medians over the callbacks that started after their producer returned (-: none\n"
		   "did, e.g. direct).\n");
	if (oh)
		fprintf(f, "measurement overhead: %.0f ns per item on its real path (both stamps, bookkeeping, histograms;\n"
			   "warm; cold %.0f; median in the guest),\n"
			   "%.2f%% of the smallest median latency (%s)\n",
			json_real_value(json_object_get(oh, "record_ns_median")),
			json_real_value(json_object_get(oh, "cold_ns_median")),
			100 * json_real_value(json_object_get(oh, "share_of_smallest_median")),
			json_string_value(json_object_get(oh, "smallest_median_of")) ?: "-");
	if (oh && json_object_get(oh, "share_of_smallest_q2e_median"))
		fprintf(f, "and %.1f%% of the smallest q->cb median of a deferred mechanism (%s)\n",
			100 * json_real_value(json_object_get(oh, "share_of_smallest_q2e_median")),
			json_string_value(json_object_get(oh, "smallest_q2e_median_of")));
}
