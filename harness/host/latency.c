// SPDX-License-Identifier: GPL-2.0
/*
 * The latency kind on the host: the guest's "cases", "run", "overhead",
 * "na" and "gbench" frames (harness/agent/latency.c) -> results.json
 * "benchmarks": per case x mechanism, the merged latency histogram,
 * percentiles with bootstrap confidence intervals over repetitions,
 * ratios to tasklet and direct, counters and contexts; and the summary's
 * latency table.
 */
#define _GNU_SOURCE
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/names.h"
#include "../common/stats.h"
#include "kind.h"


#define NQ 5			/* latency quantiles */
#define NQQ 2			/* queue-to-callback quantiles */
#define NM (NQ + NQQ)		/* metrics bootstrapped per benchmark */
static const double qs[NQ] = { 0.5, 0.9, 0.99, 0.999, 1.0 };
static const double qqs[NQQ] = { 0.5, 0.99 };
static const char *const qnames[NM] = { "p50", "p90", "p99", "p99.9", "max", "q2e_p50", "q2e_p99" };

enum { C_ARRIVALS, C_QUEUED, C_COALESCED, C_REFUSED, C_EXECUTED, C_OTHER_CPU, C_OOO, C_LOST,
       C_LATE_TICKS, C_CATCHUP_CUTS, C_BEFORE_EXIT, C_EXIT_UNKNOWN, C_COMPETITOR_RUNS, C_NR };
static const char *const cnames[C_NR] = { "arrivals", "queued", "coalesced", "refused", "executed",
					  "other_cpu", "out_of_order", "lost", "late_ticks", "catchup_cuts",
					  "before_producer_exit", "producer_exit_unknown", "competitor_runs" };

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
	struct bhb_hist svc;		/* the callback's own duration (ABI 7) */
	uint64_t svc_sum;
	/* the case's victim: cpu, its rate during the run over its rate alone; rt, its wakeups */
	double vratio, vdrift;		/* vdrift: the rate alone after the run over before it */
	struct bhb_hist *vload, *valone;
};

struct bench {
	int used;
	int nreps, cap, errors;
	struct rep *reps;
	uint64_t c[C_NR], ctx[BHB_NR_CTX], ctx_lat[BHB_NR_CTX], lat_sum, lat_min, lat_max, q2e_max;
	uint64_t acct[A_NR];
	int have_acct;
	double *boot;			/* BHB_BOOT_N x NM */
	double q[NM];
	/*
	 * producer tail, exit -> callback, and the callback's own duration
	 * (service): p50, p99 of all repetitions, p50's interval
	 */
	double tx[3][2], tx_lo[3], tx_hi[3];
	uint64_t handoff[4];		/* buffers allocated, failed to allocate, freed, read wrong */
	uint64_t hashed;
	json_t *hash_checks;		/* a digest of each executing CPU's, from the first run */
	uint64_t payload_calls;		/* work = payload: bhb_payload() calls, and what it returned */
	json_t *payload_checks;		/* ... for each executing CPU's first item, from the first run */
	char victim[8];			/* the case's victim ("" none) */
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

/* one analysis's latency rows; on the heap (MAXC x mechanisms benches) */
struct lat_state {
	struct case_ent cases[MAXC];
	int ncases;
	struct bench benches[MAXC][BHB_NR_MECHS];
	json_t *na;		/* "na" frames: case x mechanism not run, and why */
	json_t *overhead;	/* the "overhead" frame */
};

static int case_index(struct lat_state *s, const char *label, const char *producer)
{
	struct case_ent *c = &s->cases[s->ncases];

	for (int i = 0; i < s->ncases; i++)
		if (!strcmp(s->cases[i].label, label))
			return i;
	if (s->ncases == MAXC || !label[0])
		return -1;
	snprintf(c->label, sizeof(c->label), "%s", label);
	snprintf(c->producer, sizeof(c->producer), "%s", producer ? producer : label);
	c->params = NULL;
	return s->ncases++;
}

static uint64_t jint(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	return json_is_integer(v) && json_integer_value(v) > 0 ? (uint64_t)json_integer_value(v) : 0;
}

/* the first run's record of an executing CPU's first item: {cpu, seq, KEY} appended to *checks */
static void take_check(json_t **checks, json_t *rec, const char *key)
{
	if (!*checks)
		*checks = json_array();
	json_array_append_new(*checks, json_pack("{s:O,s:O,s:O}", "cpu", json_object_get(rec, "cpu"),
						 "seq", json_object_get(rec, "seq"), key, json_object_get(rec, key)));
}

/* what the callbacks' work reported: handed-off buffers, one digest (or payload value) per executing CPU */
static void take_work(struct bench *b, json_t *cpu)
{
	static const char *const ho[4] = { "alloc", "alloc_failed", "freed", "bad" };
	json_t *h = json_object_get(cpu, "handoff"), *d = json_object_get(cpu, "hash");
	json_t *pl = json_object_get(cpu, "payload");

	for (int k = 0; k < 4; k++)
		b->handoff[k] += jint(h, ho[k]);
	b->hashed += jint(d, "hashed");
	b->payload_calls += jint(pl, "calls");
	if (d && b->nreps == 1)
		take_check(&b->hash_checks, d, "sha256");
	if (pl && b->nreps == 1)
		take_check(&b->payload_checks, pl, "value");
}

/* a run's victim record (agent/victim.c); -1 when malformed */
static int take_victim(struct bench *b, struct rep *r, json_t *v)
{
	const char *kind = json_string_value(json_object_get(v, "kind"));

	if (!v)
		return 0;
	snprintf(b->victim, sizeof(b->victim), "%s", kind ?: "?");
	if (kind && !strcmp(kind, "cpu")) {
		/* alone: the windows before and after the run together (a stream before both: before) */
		double before = (double)jint(v, "alone_units") / (double)(jint(v, "alone_ns") ?: 1);
		double after = (double)jint(v, "after_units") / (double)(jint(v, "after_ns") ?: 1);
		double alone = (double)(jint(v, "alone_units") + jint(v, "after_units")) /
			       (double)((jint(v, "alone_ns") + jint(v, "after_ns")) ?: 1);
		double load = (double)jint(v, "load_units") / (double)(jint(v, "load_ns") ?: 1);

		r->vratio = alone > 0 ? load / alone : NAN;
		r->vdrift = json_object_get(v, "after_ns") && before > 0 ? after / before : NAN;
		return 0;
	}
	r->vload = calloc(1, sizeof(*r->vload));
	r->valone = calloc(1, sizeof(*r->valone));
	if (!r->vload || !r->valone || bhb_hist_add_sparse(r->vload, json_object_get(v, "load")) ||
	    bhb_hist_add_sparse(r->valone, json_object_get(v, "alone")))
		return -1;
	return 0;
}

/* one producing CPU's record of a run into its bench and repetition; -1 when malformed */
static int take_cpu(struct bench *b, struct rep *r, json_t *cpu, uint64_t *end)
{
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
	b->c[C_COMPETITOR_RUNS] += jint(cpu, "softirq_load_runs");
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
	if (json_object_get(cpu, "svc") && bhb_hist_add_sparse(&r->svc, json_object_get(cpu, "svc")))
		return -1;
	r->svc_sum += jint(cpu, "svc_sum_ns");
	take_work(b, cpu);
	if (jint(cpu, "exec_end_ns") > *end)
		*end = jint(cpu, "exec_end_ns");
	if (bhb_hist_add_sparse(&r->lat, json_object_get(cpu, "lat")) ||
	    bhb_hist_add_sparse(&r->q2e, json_object_get(cpu, "q2e")))
		return -1;
	return 0;
}

static int take_run(struct lat_state *s, json_t *j, json_t *failures)
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
	ci = case_index(s, label ? label : prod, prod);
	if (ci < 0) {
		json_array_append_new(failures, json_string("result stream: too many cases"));
		return -1;
	}
	b = &s->benches[ci][m];
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
	r->vratio = NAN;
	r->vdrift = NAN;
	if (take_victim(b, r, json_object_get(j, "victim")))
		return -1;
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
	json_array_foreach(json_object_get(j, "cpus"), i, cpu)
		if (take_cpu(b, r, cpu, &end))
			return -1;
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
 * Google Benchmark writes NaN and inf as bare tokens where a value cannot
 * be computed (its aggregates did, e.g. the coefficient of variation of an
 * all-zero counter; the agent no longer asks for aggregates, but a counter
 * can still be one); JSON has neither.  Turn them, outside strings, into null.
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

static json_t *ratio(struct bench *x, struct bench *base, int j)
{
	double *r = malloc(BHB_BOOT_N * sizeof(*r)), lo, hi, v;

	if (!r || !base->boot || !x->boot || base->q[j] <= 0 || x->q[j] < 0) {
		free(r);
		return json_null();
	}
	for (int b = 0; b < BHB_BOOT_N; b++) {
		double den = base->boot[b * NM + j], num = x->boot[b * NM + j];

		r[b] = den > 0 && num >= 0 ? num / den : INFINITY;
	}
	bhb_interval(r, BHB_BOOT_N, 1, 0.95, &lo, &hi);
	v = x->q[j] / base->q[j];
	free(r);
	return ci_obj(v, lo, hi);
}

/*
 * The producer's tail (k = 0), producer exit -> callback (k = 1) and the
 * callback's own duration (k = 2): p50 and p99 over all repetitions, and
 * the p50's bootstrap interval over them.
 */
static void exit_stats(struct bench *b, uint64_t seed)
{
	static const double half = 0.5;

	for (int k = 0; k < 3; k++) {
		struct bhb_hist *h = malloc((size_t)b->nreps * sizeof(*h)), *all = calloc(1, sizeof(*all));
		double *bs = malloc(BHB_BOOT_N * sizeof(*bs));

		b->tx[k][0] = b->tx[k][1] = -1;
		b->tx_lo[k] = b->tx_hi[k] = NAN;
		if (h && all && bs) {
			for (int r = 0; r < b->nreps; r++) {
				h[r] = k == 2 ? b->reps[r].svc : k ? b->reps[r].x2e : b->reps[r].tail;
				bhb_hist_merge(all, &h[r]);
			}
			if (all->n) {
				b->tx[k][0] = bhb_hist_quantile(all, 0.5);
				b->tx[k][1] = bhb_hist_quantile(all, 0.99);
				if (!bhb_bootstrap(h, b->nreps, &half, 1, BHB_BOOT_N, seed ^ (0x7461696cull + (uint64_t)k), bs))
					bhb_interval(bs, BHB_BOOT_N, 1, 0.95, &b->tx_lo[k], &b->tx_hi[k]);
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
	double *bl = malloc(BHB_BOOT_N * NQ * sizeof(*bl)), *bq = malloc(BHB_BOOT_N * NQQ * sizeof(*bq));

	b->boot = malloc(BHB_BOOT_N * NM * sizeof(*b->boot));
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
	bhb_bootstrap(lat, b->nreps, qs, NQ, BHB_BOOT_N, seed, bl);
	bhb_bootstrap(q2e, b->nreps, qqs, NQQ, BHB_BOOT_N, seed ^ 0x5157, bq);
	for (int k = 0; k < BHB_BOOT_N; k++) {
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
	double *x = malloc(((size_t)(n > 0 ? n : 0) + 1) * sizeof(*x)), med, lo, hi;
	int k = 0;

	for (int i = 0; i < n && x; i++)
		if (!isnan(v[i]))
			x[k++] = v[i];
	if (!x || !k || bhb_boot_median(x, k, seed, &med, &lo, &hi)) {
		free(x);
		return json_null();
	}
	free(x);
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

/* p50 and p99 of the repetitions' histograms merged, each with its bootstrap interval; null when empty */
static json_t *hists_json(struct bhb_hist *const *h, int n, uint64_t seed)
{
	static const double q[2] = { 0.5, 0.99 };
	struct bhb_hist *reps = calloc((size_t)n + 1, sizeof(*reps)), all = { .n = 0 };
	double *bs = malloc(BHB_BOOT_N * 2 * sizeof(*bs)), lo[2] = { NAN, NAN }, hi[2] = { NAN, NAN };
	json_t *o = json_null();
	int k = 0;

	for (int i = 0; reps && i < n; i++)
		if (h[i]) {
			reps[k++] = *h[i];
			bhb_hist_merge(&all, h[i]);
		}
	if (reps && bs && all.n) {
		if (!bhb_bootstrap(reps, k, q, 2, BHB_BOOT_N, seed, bs))
			for (int j = 0; j < 2; j++)
				bhb_interval(bs + j, BHB_BOOT_N, 2, 0.95, &lo[j], &hi[j]);
		o = json_pack("{s:o,s:o,s:I,s:o}", "p50", ci_obj(bhb_hist_quantile(&all, 0.5), lo[0], hi[0]),
			      "p99", ci_obj(bhb_hist_quantile(&all, 0.99), lo[1], hi[1]), "n", (json_int_t)all.n,
			      "hist", bhb_hist_sparse(all.c));
	}
	free(reps);
	free(bs);
	return o;
}

/*
 * The victim: cpu, the median over repetitions of its rate during the run
 * over its rate alone in the windows before and after (with a bootstrap
 * interval), and the median of the after window's rate over the before
 * window's: how much the host moved a rate across one repetition; rt, its
 * wakeup latency during the runs and alone.
 */
static json_t *victim_json(const struct bench *b)
{
	struct bhb_hist **load = calloc((size_t)b->nreps + 1, sizeof(*load));
	struct bhb_hist **alone = calloc((size_t)b->nreps + 1, sizeof(*alone));
	double *v = malloc(((size_t)b->nreps + 1) * sizeof(*v)), med, lo, hi;
	double *d = malloc(((size_t)b->nreps + 1) * sizeof(*d));
	json_t *o = json_pack("{s:s}", "kind", b->victim);
	int n = 0, nd = 0;

	for (int r = 0; load && alone && v && d && r < b->nreps; r++) {
		load[r] = b->reps[r].vload;
		alone[r] = b->reps[r].valone;
		if (!isnan(b->reps[r].vratio))
			v[n++] = b->reps[r].vratio;
		if (!isnan(b->reps[r].vdrift))
			d[nd++] = b->reps[r].vdrift;
	}
	if (!strcmp(b->victim, "cpu") && n && !bhb_boot_median(v, n, 0x76696374ull, &med, &lo, &hi)) {
		json_object_set_new(o, "rate_ratio", ci_obj(med, lo, hi));
		json_object_set_new(o, "loss", ci_obj(1 - med, 1 - hi, 1 - lo));
	}
	if (!strcmp(b->victim, "cpu") && nd && !bhb_boot_median(d, nd, 0x64726966ull, &med, &lo, &hi))
		json_object_set_new(o, "alone_after_over_before", ci_obj(med, lo, hi));
	if (!strcmp(b->victim, "rt") && load && alone) {
		json_object_set_new(o, "wakeup_ns", hists_json(load, b->nreps, 0x726c6f61ull));
		json_object_set_new(o, "wakeup_alone_ns", hists_json(alone, b->nreps, 0x72616c6full));
	}
	free(load);
	free(alone);
	free(v);
	free(d);
	return o;
}

/* the callback's own duration (service time), and what its work did */
static void work_json(json_t *o, const struct bench *b)
{
	uint64_t n = 0, sum = 0;

	for (int r = 0; r < b->nreps; r++) {
		n += b->reps[r].svc.n;
		sum += b->reps[r].svc_sum;
	}
	if (n)
		json_object_set_new(o, "service_ns", json_pack("{s:o,s:o,s:f,s:I}", "p50",
			b->tx[2][0] < 0 ? json_null() : ci_obj(b->tx[2][0], b->tx_lo[2], b->tx_hi[2]),
			"p99", num_or_null(b->tx[2][1]), "mean", (double)sum / (double)n, "n", (json_int_t)n));
	if (b->handoff[0] || b->handoff[1] || b->handoff[2])
		json_object_set_new(o, "handoff", json_pack("{s:I,s:I,s:I,s:I}", "alloc", (json_int_t)b->handoff[0],
			"alloc_failed", (json_int_t)b->handoff[1], "freed", (json_int_t)b->handoff[2],
			"bad", (json_int_t)b->handoff[3]));
	if (b->hashed)
		json_object_set_new(o, "hash", json_pack("{s:I,s:O}", "hashed", (json_int_t)b->hashed,
							 "checks", b->hash_checks ?: json_array()));
	if (b->payload_checks)
		json_object_set_new(o, "payload", json_pack("{s:I,s:O}", "calls", (json_int_t)b->payload_calls,
							    "checks", b->payload_checks));
	if (b->victim[0])
		json_object_set_new(o, "victim", victim_json(b));
}

static json_t *bench_json(struct lat_state *s, int p, int m, struct bench *b)
{
	struct bench *tl = &s->benches[p][BHB_MECH_TASKLET], *dr = &s->benches[p][BHB_MECH_DIRECT];
	json_t *o = json_object(), *lat = json_object(), *cnt = json_object(), *ctx = json_object();
	json_t *reps = json_array(), *rt = json_object(), *rd = json_object(), *q2e;
	struct bhb_hist *all = calloc(1, sizeof(*all)), *allq = calloc(1, sizeof(*allq));

	json_object_set_new(o, "case", json_string(s->cases[p].label));
	json_object_set_new(o, "producer", json_string(s->cases[p].producer));
	if (s->cases[p].params)
		json_object_set(o, "params", s->cases[p].params);
	json_object_set_new(o, "mech", json_string(bhb_mech_names[m]));
	json_object_set_new(o, "repetitions", json_integer(b->nreps));
	json_object_set_new(o, "errors", json_integer(b->errors));
	if (b->errors)
		json_object_set_new(o, "first_error", json_string(b->first_error));
	if (b->errors && !b->nreps)
		json_object_set_new(o, "status", json_string("failed"));
	for (int i = 0; i < C_NR; i++)
		json_object_set_new(cnt, cnames[i], json_integer((json_int_t)b->c[i]));
	json_object_set_new(o, "counters", cnt);
	for (int c = 0; c < BHB_NR_CTX; c++)
		json_object_set_new(ctx, bhb_ctx_names[c], json_integer((json_int_t)b->ctx[c]));
	json_object_set_new(o, "contexts", ctx);
	for (int j = 0; j < NQ; j++) {
		double lo = NAN, hi = NAN, v = b->q[j];

		if (b->boot)
			bhb_interval(b->boot + j, BHB_BOOT_N, NM, 0.95, &lo, &hi);
		if (j == NQ - 1)
			v = (double)b->lat_max;	/* exact */
		json_object_set_new(lat, qnames[j], v < 0 ? json_null() : ci_obj(v, lo, hi < 0 ? INFINITY : hi));
	}
	/* no callback measured (every run failed): no figure, null */
	json_object_set_new(lat, "mean", b->c[C_EXECUTED] ? json_real((double)b->lat_sum / (double)b->c[C_EXECUTED]) :
			    json_null());
	json_object_set_new(lat, "min", b->lat_min == UINT64_MAX ? json_null() : json_integer((json_int_t)b->lat_min));
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
			bhb_interval(b->boot + NQ + j, BHB_BOOT_N, NM, 0.95, &lo, &hi);
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
	if (json_integer_value(json_object_get(s->cases[p].params, "burst")) > 1)
		json_object_set_new(o, "burst", burst_json(b));
	/*
	 * Omitted arrivals: an arrival that found its item still pending was
	 * merged into it (coalesced) and has no latency of its own, so the
	 * percentiles are of the executed callbacks only.
	 */
	work_json(o, b);
	json_object_set_new(o, "omitted_arrivals", json_pack("{s:I,s:f}", "count", (json_int_t)b->c[C_COALESCED],
		"share", b->c[C_ARRIVALS] ? (double)b->c[C_COALESCED] / (double)b->c[C_ARRIVALS] : 0.0));
	/* staggered producers: CPU i of n starts i x period / n after the first */
	json_object_set(o, "start_offsets_ns", b->offsets ?: json_array());
	json_object_set_new(o, "ratio_to_direct", rd);
	load_json(o, b, tl, 0x6c6f6164ull + (uint64_t)(p * 64 + m));
	json_object_set_new(o, "histogram", json_pack("{s:i,s:s,s:o,s:o}", "sub_bits", BHB_HIST_SUB_BITS,
		"unit", "ns", "latency", all ? bhb_hist_sparse(all->c) : json_array(),
		"queue_to_exec", allq ? bhb_hist_sparse(allq->c) : json_array()));
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

static void *lat_begin(void)
{
	struct lat_state *s = calloc(1, sizeof(*s));

	if (s) {
		s->na = json_array();
		if (!s->na) {
			free(s);
			return NULL;
		}
	}
	return s;
}

/* Google Benchmark's own JSON, as the guest's library wrote it: gbench.json */
static void take_gbench(struct bhb_analysis *a, const struct bhb_frame *f)
{
	char *fixed = malloc(f->len * 2 + 1), path[1024];
	json_error_t je;
	json_t *j;

	snprintf(path, sizeof(path), "%s/gbench.json", a->in->run_dir);
	if (fixed) {
		memcpy(fixed, f->payload, f->len + 1);
		json_fix_nonfinite(fixed);
	}
	j = fixed ? json_loads(fixed, 0, &je) : NULL;
	free(fixed);
	if (!j || bhb_json_write_atomic(path, j))
		json_array_append_new(a->failures, json_string("Google Benchmark JSON is unreadable"));
	json_decref(j);
}

/* the cases in the order the guest announced them, with their parameters */
static void take_cases(struct lat_state *s, json_t *j)
{
	json_t *c;
	size_t k;

	json_array_foreach(json_object_get(j, "cases"), k, c) {
		int ci = case_index(s, json_string_value(json_object_get(c, "case")) ?: "",
				    json_string_value(json_object_get(c, "producer")));

		if (ci >= 0 && !s->cases[ci].params)
			s->cases[ci].params = json_incref(c);
	}
}

static void lat_take(struct bhb_analysis *a, void *st, const struct bhb_frame *f, json_t *j)
{
	struct lat_state *s = st;
	const char *type = f->type;

	if (!j) {
		take_gbench(a, f);
		return;
	}
	if (!strcmp(type, "overhead")) {
		json_decref(s->overhead);
		s->overhead = j;
		return;
	}
	if (!strcmp(type, "na")) {
		json_array_append_new(s->na, j);
		return;
	}
	if (!strcmp(type, "cases"))
		take_cases(s, j);
	else if (!strcmp(type, "run") && take_run(s, j, a->failures))
		json_array_append_new(a->failures, json_sprintf("frame %u: malformed run record", f->seq));
	json_decref(j);
}

/* the row of the smallest median of metric (skipping direct when asked): its value, or 0 */
static double smallest_median(json_t *list, const char *metric, int skip_direct, const char **prod,
			      const char **mech)
{
	double best = 0;
	size_t i;
	json_t *b;

	json_array_foreach(list, i, b) {
		double v = json_real_value(json_object_get(json_object_get(json_object_get(b, metric), "p50"), "value"));

		if (skip_direct && !strcmp(json_string_value(json_object_get(b, "mech")), "direct"))
			continue;
		if (v > 0 && (best == 0 || v < best)) {
			best = v;
			*prod = json_string_value(json_object_get(b, "producer"));
			*mech = json_string_value(json_object_get(b, "mech"));
		}
	}
	return best;
}

/* measurement overhead as a share of the smallest median it sits in */
static void overhead_shares(json_t *overhead, json_t *list)
{
	double rec = json_real_value(json_object_get(overhead, "record_ns_median"));
	const char *bp = NULL, *bm = NULL, *qp = NULL, *qm = NULL;
	double best = smallest_median(list, "latency_ns", 0, &bp, &bm);
	/* and of the smallest queue-to-callback median of a real mechanism */
	double bestq = smallest_median(list, "queue_to_exec_ns", 1, &qp, &qm);

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

/* a row's own failures: runs that failed, items lost or refused, counts that disagree */
static void bench_failures(json_t *failures, const char *pn, const char *name, const struct bench *b)
{
	if (b->errors)
		json_array_append_new(failures, json_sprintf("%s/%s: %d runs failed (%s)", pn, name, b->errors,
							     b->first_error));
	if (b->c[C_LOST])
		json_array_append_new(failures, json_sprintf("%s/%s: %llu items never executed (lost)", pn, name,
							     (unsigned long long)b->c[C_LOST]));
	if (b->c[C_REFUSED])
		json_array_append_new(failures, json_sprintf("%s/%s: %llu queue calls refused an idle item", pn, name,
							     (unsigned long long)b->c[C_REFUSED]));
	if (b->handoff[1] || b->handoff[3] || (!b->c[C_LOST] && b->handoff[0] != b->handoff[2]))
		json_array_append_new(failures, json_sprintf("%s/%s: handed-off buffers: %llu allocated, %llu allocations "
							     "failed, %llu freed, %llu read wrong", pn, name,
							     (unsigned long long)b->handoff[0],
							     (unsigned long long)b->handoff[1],
							     (unsigned long long)b->handoff[2],
							     (unsigned long long)b->handoff[3]));
	if (b->payload_checks && b->payload_calls != b->c[C_EXECUTED])
		json_array_append_new(failures, json_sprintf("%s/%s: the payload was called %llu times for %llu "
							     "callbacks", pn, name, (unsigned long long)b->payload_calls,
							     (unsigned long long)b->c[C_EXECUTED]));
	if (b->c[C_EXECUTED] != b->c[C_QUEUED])
		json_array_append_new(failures, json_sprintf("%s/%s: executed %llu != queued %llu", pn, name,
							     (unsigned long long)b->c[C_EXECUTED],
							     (unsigned long long)b->c[C_QUEUED]));
}

static void lat_finish(struct bhb_analysis *a, void *st)
{
	struct lat_state *s = st;
	json_t *list = json_array();

	if (s->overhead)
		json_object_set_new(a->res, "overhead", s->overhead);
	for (int p = 0; p < s->ncases; p++)
		for (int m = 0; m < BHB_NR_MECHS; m++)
			if (s->benches[p][m].used)
				bench_stats(&s->benches[p][m], a->in->seed + (uint64_t)(p * 64 + m));
	for (int p = 0; p < s->ncases; p++)
		for (int m = 0; m < BHB_NR_MECHS; m++) {
			struct bench *b = &s->benches[p][m];
			json_t *bj, *im;

			if (!b->used)
				continue;
			bj = bench_json(s, p, m, b);
			im = icount_meaning(a->in->env, s->cases[p].params, b);
			if (im)
				json_object_set_new(bj, "icount", im);
			json_array_append_new(list, bj);
			bench_failures(a->failures, s->cases[p].label, bhb_mech_names[m], b);
		}
	for (int p = 0; p < s->ncases; p++) {
		for (int m = 0; m < BHB_NR_MECHS; m++) {
			for (int r = 0; r < s->benches[p][m].nreps; r++) {
				free(s->benches[p][m].reps[r].vload);
				free(s->benches[p][m].reps[r].valone);
			}
			free(s->benches[p][m].reps);
			free(s->benches[p][m].boot);
			json_decref(s->benches[p][m].offsets);
			json_decref(s->benches[p][m].hash_checks);
			json_decref(s->benches[p][m].payload_checks);
		}
		json_decref(s->cases[p].params);
	}
	json_object_set_new(a->res, "benchmarks", list);
	if (json_array_size(s->na))
		json_object_set(a->res, "not_applicable", s->na);
	json_decref(s->na);
	if (s->overhead)
		overhead_shares(s->overhead, list);
	free(s);
}

static void us(char *out, size_t len, json_t *v)
{
	if (!v || json_is_null(v))
		snprintf(out, len, "overflow");
	else
		bhb_fmt_us(out, len, json_real_value(json_object_get(v, "value")));
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

	bhb_fmt_us(lo, sizeof(lo), json_real_value(json_array_get(ci, 0)));
	bhb_fmt_us(hi, sizeof(hi), json_real_value(json_array_get(ci, 1)));
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

/* what the latency table's rows are: the scenario, merged boots, the kind of time */
static void lat_intro(FILE *f, json_t *res)
{
	json_t *env = json_object_get(res, "env"), *sc = json_object_get(res, "scenario"), *b;
	const char *accel = json_string_value(json_object_get(env, "accel")) ?: "";
	size_t i;

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
	if (!strcmp(accel, "tcg"))
		fprintf(f, "TCG: every instruction is emulated; compare mechanisms within one run, not with hardware.\n");
	if (!strcmp(accel, "icount"))
		fprintf(f, "ICOUNT: virtual time, " BHB_ICOUNT_MEANING ": a cost model, the same on\n"
			   "every host; not hardware time, and not comparable with tcg or kvm runs.\n");
}

/* a case's heading, its column titles and its mechanisms that did not run */
static void case_heading(FILE *f, json_t *res, const char *p, json_t *pa)
{
	const char *hog = json_string_value(json_object_get(pa, "hog")) ?: "none";
	const char *comp = json_string_value(json_object_get(pa, "competitor")) ?: "tasklet";
	char competing[64];
	json_t *v;
	size_t k;

	snprintf(competing, sizeof(competing), ", competing %s", !strcmp(comp, "bh") ? "BH work" :
		 !strcmp(comp, "bh_section") ? "BH-disabled section" : "softirq load");

	fprintf(f, "\n%s: %s", pa ? "case" : "producer", p);
	if (pa)
		fprintf(f, " (%s producer, %s every %.0f us x %lld, cost %.0f us%s%s%s%s)",
			json_string_value(json_object_get(pa, "producer")),
			json_string_value(json_object_get(pa, "pattern")),
			(double)json_integer_value(json_object_get(pa, "period_ns")) / 1e3,
			json_integer_value(json_object_get(pa, "burst")),
			(double)json_integer_value(json_object_get(pa, "cost_ns")) / 1e3,
			json_integer_value(json_object_get(pa, "touch_bytes")) ? ", touching memory" : "",
			strcmp(hog, "none") ? ", CPU hog " : "", strcmp(hog, "none") ? hog : "",
			json_integer_value(json_object_get(pa, "softirq_load_period_ns")) ? competing : "");
	fprintf(f, "\n%-11s %-19s %-19s %-6s %-6s %-18s %-17s %-17s %-17s %-4s %-8s %s\n",
		"mechanism", "p50", "p99", "p99.9", "max", "q->cb p50", "x tasklet p50",
		"x tasklet q->cb", "q->exit | exit->cb", "lost", "items/s", "ran in (share)");
	json_array_foreach(json_object_get(res, "not_applicable"), k, v)
		if (!strcmp(json_string_value(json_object_get(v, "case")) ?: "", p))
			fprintf(f, "%-11s n/a: %s\n", json_string_value(json_object_get(v, "mech")),
				json_string_value(json_object_get(v, "why")));
}

/* notes the rows point at: icount rows that are not a cost, coalesced arrivals */
struct row_notes {
	const char *whys[4];
	int nwhy, omitted;
};

/* the row's cells after the latencies: q->exit | exit->cb, items/s, where it ran */
static void row_cells(json_t *b, char *rd, size_t rdlen, char *tput, size_t tlen, char *where, size_t wlen)
{
	json_t *tp = json_object_get(json_object_get(b, "throughput"), "items_per_s"), *v;
	json_int_t exe = json_integer_value(json_object_get(json_object_get(b, "counters"), "executed")), best = 0;
	/* q->cb in two: the producer's own tail, then producer exit -> callback */
	json_t *v1 = json_object_get(json_object_get(b, "queue_to_exit_ns"), "p50");
	json_t *v2 = json_object_get(json_object_get(b, "exit_to_exec_ns"), "p50");
	char t1[24] = "-", t2[24] = "-";
	const char *k;

	if (json_is_object(v1))
		us(t1, sizeof(t1), v1);
	if (json_is_object(v2))
		us(t2, sizeof(t2), v2);
	snprintf(rd, rdlen, "%s | %s", t1, t2);
	snprintf(tput, tlen, "-");
	if (json_is_object(tp)) {
		double t = json_real_value(json_object_get(tp, "value"));

		snprintf(tput, tlen, t >= 1e5 ? "%.0fk" : "%.1fk", t / 1e3);
	}
	snprintf(where, wlen, "-");
	json_object_foreach(json_object_get(b, "contexts"), k, v)
		if (json_integer_value(v) > best) {
			best = json_integer_value(v);
			snprintf(where, wlen, "%s (%.0f%%)", k, exe ? 100.0 * (double)best / (double)exe : 0);
		}
}

/* a case whose callbacks do real work: their own duration, and what the work checked */
static void work_line(FILE *f, json_t *b)
{
	const char *w = json_string_value(json_object_get(json_object_get(b, "params"), "work")) ?: "busy";
	json_t *sv = json_object_get(json_object_get(b, "service_ns"), "p50"), *ho = json_object_get(b, "handoff");
	char p50[48];

	if (!strcmp(w, "busy") || !strcmp(w, "touch") || !json_is_object(sv))
		return;
	us_ci(p50, sizeof(p50), sv);
	fprintf(f, "%-11s %s: callback's own time p50 %s us, p99 %.2f us", "", w, p50,
		json_number_value(json_object_get(json_object_get(b, "service_ns"), "p99")) / 1e3);
	if (ho)
		fprintf(f, "; %lld buffers handed off, %lld freed, %lld read wrong", (long long)bhb_jint(ho, "alloc"),
			(long long)bhb_jint(ho, "freed"), (long long)bhb_jint(ho, "bad"));
	if (json_is_object(json_object_get(b, "payload")))
		fprintf(f, "; %lld calls", (long long)bhb_jint(json_object_get(b, "payload"), "calls"));
	fprintf(f, "\n");
}

/* the case's victim: what the load cost it */
static void victim_line(FILE *f, json_t *b)
{
	json_t *v = json_object_get(b, "victim"), *rr = json_object_get(v, "rate_ratio");
	json_t *w = json_object_get(v, "wakeup_ns"), *wa = json_object_get(v, "wakeup_alone_ns");
	char a[48], b50[24], a99[24], b99[24];

	if (json_is_object(rr)) {
		json_t *ci = json_object_get(rr, "ci95"), *dr = json_object_get(v, "alone_after_over_before");

		fprintf(f, "%-11s victim cpu: its rate during the run %.3f of alone [%.3f-%.3f]", "",
			json_number_value(json_object_get(rr, "value")), json_number_value(json_array_get(ci, 0)),
			json_number_value(json_array_get(ci, 1)));
		if (json_is_object(dr))
			fprintf(f, "; alone after the run %.3f of before (the host's drift)",
				json_number_value(json_object_get(dr, "value")));
		fputc('\n', f);
	}
	if (json_is_object(w) && json_is_object(wa)) {
		us_ci(a, sizeof(a), json_object_get(w, "p50"));
		us(b50, sizeof(b50), json_object_get(wa, "p50"));
		us(a99, sizeof(a99), json_object_get(w, "p99"));
		us(b99, sizeof(b99), json_object_get(wa, "p99"));
		fprintf(f, "%-11s victim rt: wakeup p50 %s us (alone %s), p99 %s (alone %s)\n", "", a, b50, a99, b99);
	}
}

/* what follows a row on its line (ksoftirqd, icount, coalesced) and below it (bursts, work, victim) */
static void row_tail(FILE *f, json_t *b, const char *where, struct row_notes *n)
{
	json_int_t nk = json_integer_value(json_object_get(json_object_get(b, "ksoftirqd"), "items"));
	json_t *im = json_object_get(b, "icount"), *bu = json_object_get(b, "burst");
	json_t *sl = json_object_get(bu, "slope_ns_per_position");
	double om = json_real_value(json_object_get(json_object_get(b, "omitted_arrivals"), "share"));

	if (nk && !strstr(where, "ksoftirqd"))
		fprintf(f, ", ksoftirqd %lld", nk);
	if (im && !json_is_true(json_object_get(im, "cost_model"))) {
		const char *w = json_string_value(json_object_get(im, "why")) ?: "";
		int k = 0;

		while (k < n->nwhy && strcmp(n->whys[k], w))
			k++;
		if (k == n->nwhy && n->nwhy < 4)
			n->whys[n->nwhy++] = w;
		fprintf(f, "  [icount: not a cost %d]", k + 1);
	}
	if (om > 0)
		fprintf(f, ", %.0f%% of arrivals coalesced%s", 100 * om, n->omitted++ ? "" : " (*)");
	fprintf(f, "\n");
	work_line(f, b);
	victim_line(f, b);
	if (bu && json_is_number(json_object_get(bu, "first_q2e_p50")) && json_is_object(sl)) {
		json_t *ci = json_object_get(sl, "ci95");

		fprintf(f, "%-11s first item's q->cb %.2f us, then +%.3f us per later item [%.3f-%.3f]\n", "",
			json_number_value(json_object_get(bu, "first_q2e_p50")) / 1e3,
			json_number_value(json_object_get(sl, "value")) / 1e3,
			json_number_value(json_array_get(ci, 0)) / 1e3, json_number_value(json_array_get(ci, 1)) / 1e3);
	}
}

static void lat_row(FILE *f, json_t *b, struct row_notes *n)
{
	json_t *lat = json_object_get(b, "latency_ns"), *rt = json_object_get(b, "ratio_to_tasklet");
	char p50[48], p99[48], p999[24], mx[24], r50[40], rq[40], rd[40], where[64], q2e[48], tput[24];

	us_ci(p50, sizeof(p50), json_object_get(lat, "p50"));
	us_ci(p99, sizeof(p99), json_object_get(lat, "p99"));
	us(p999, sizeof(p999), json_object_get(lat, "p99.9"));
	us(mx, sizeof(mx), json_object_get(lat, "max"));
	us_ci(q2e, sizeof(q2e), json_object_get(json_object_get(b, "queue_to_exec_ns"), "p50"));
	ratio_ci(r50, sizeof(r50), json_object_get(rt, "p50"));
	ratio_ci(rq, sizeof(rq), json_object_get(rt, "q2e_p50"));
	row_cells(b, rd, sizeof(rd), tput, sizeof(tput), where, sizeof(where));
	if (json_is_true(json_object_get(json_object_get(json_object_get(b, "spread"), "p50"), "boots_disagree")))
		strncat(p50, "*", sizeof(p50) - strlen(p50) - 1);
	fprintf(f, "%-11s %-19s %-19s %-6s %-6s %-18s %-17s %-17s %-17s %-4lld %-8s %s",
		json_string_value(json_object_get(b, "mech")), p50, p99, p999, mx, q2e, r50, rq, rd,
		json_integer_value(json_object_get(json_object_get(b, "counters"), "lost")), tput, where);
	row_tail(f, b, where, n);
}

/* cases with no row at all (every mechanism n/a for the case's own reason) */
static void cases_not_run(FILE *f, json_t *res)
{
	const char *last = "";
	int first = 1;
	json_t *v;
	size_t i;

	json_array_foreach(json_object_get(res, "not_applicable"), i, v) {
		const char *c = json_string_value(json_object_get(v, "case")) ?: "";
		const char *w = json_string_value(json_object_get(v, "why")) ?: "";
		json_t *b;
		size_t j;
		int has = 0;

		if (!strcmp(c, last))
			continue;
		last = c;
		json_array_foreach(json_object_get(res, "benchmarks"), j, b)
			has |= !strcmp(json_string_value(json_object_get(b, "case")) ?: "", c);
		if (has)
			continue;
		fprintf(f, "%s  %s: %s\n", first ? "\ncases not run in this boot:\n" : "", c, w);
		first = 0;
	}
}

/* the notes the rows pointed at, and what is missing */
static void lat_notes(FILE *f, json_t *res, const struct row_notes *n)
{
	json_t *un = json_object_get(res, "unavailable"), *b;
	size_t i;

	if (n->omitted)
		fprintf(f, "\n(*) coalesced: the arrival found its item still pending and was merged into it, as a\n"
			   "second queue call of a driver's is; it has no latency of its own, and the percentiles are\n"
			   "of the executed callbacks only (results.json: omitted_arrivals)\n");
	for (int k = 0; k < n->nwhy; k++)
		fprintf(f, "%s[icount: not a cost %d]: %s\n", k ? "" : "\n", k + 1, n->whys[k]);
	if (json_array_size(un)) {
		fprintf(f, "\nnot available in this kernel:");
		json_array_foreach(un, i, b)
			fprintf(f, " %s", json_string_value(b));
		fprintf(f, "\n");
	}
	cases_not_run(f, res);
}

static void lat_footer(FILE *f, json_t *res)
{
	json_t *oh = json_object_get(res, "overhead");

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

/*
 * The latency table, case by case, then the other kinds' sections of a
 * suite (trace, control), then the footnotes.  Also what a run with no
 * results of any kind prints (the fallback: bhb_print_summary()).
 */
void bhb_latency_print(FILE *f, json_t *res)
{
	struct row_notes n = { .nwhy = 0 };
	const char *prod = "";
	json_t *b;
	size_t i;

	lat_intro(f, res);
	json_array_foreach(json_object_get(res, "benchmarks"), i, b) {
		const char *p = json_string_value(json_object_get(b, "case")) ?: json_string_value(json_object_get(b, "producer"));

		if (strcmp(p, prod)) {
			prod = p;
			case_heading(f, res, p, json_object_get(b, "params"));
		}
		lat_row(f, b, &n);
	}
	lat_notes(f, res, &n);
	for (i = 0; bhb_kinds[i]; i++)
		if (bhb_kinds[i]->section)
			bhb_kinds[i]->section(f, res);
	lat_footer(f, res);
}

/* a run with latency rows is printed as one (a suite's control part is a section of it) */
static int lat_summary(FILE *f, json_t *res)
{
	if (!json_array_size(json_object_get(res, "benchmarks")))
		return 0;
	bhb_latency_print(f, res);
	return 1;
}

static const char *const lat_frames[] = { "cases", "run", "overhead", "na", NULL };
static const char *const lat_raw[] = { "gbench", NULL };

const struct bhb_kind bhb_kind_latency = {
	.name = "latency",
	.frames = lat_frames,
	.raw = lat_raw,
	.begin = lat_begin,
	.take = lat_take,
	.finish = lat_finish,
	.summary = lat_summary,
};
