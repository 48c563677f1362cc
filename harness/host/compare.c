// SPDX-License-Identifier: GPL-2.0
/*
 * bhbench compare BASE NEW: per producer x mechanism x metric, the ratio
 * NEW/BASE with a bootstrap interval, a two-sided Mann-Whitney U test on the
 * per-repetition values, Holm-Bonferroni over all tests of the comparison,
 * and a verdict against a threshold.  Exit 1 when anything got slower.
 *
 * Why Mann-Whitney on repetitions: items within a repetition are not
 * independent (one slow interrupt delays a burst of them), repetitions are;
 * and latency percentiles are not normal, so a rank test.  Google
 * Benchmark's compare.py makes the same choice.
 *
 * Runs with several boots (bhbench merge, bhbench run --boots): the
 * repetitions of one boot are not independent of each other either (a boot
 * sits in a state of its own under emulation, and the host's load drifts
 * between boots), so there the unit is the boot.  Each boot gives one value,
 * the log of its median over repetitions, and the test is a two-sample t on
 * those, with the variance moderated across the rows of the same metric by
 * empirical Bayes (Smyth 2004, the limma method for many parallel tests on
 * few replicates): a row's own between-boot variance has kA + kB - 2
 * degrees of freedom, the prior fitted to all rows adds d0 more to a row
 * whose variance is below the prior's, and a row whose boots scatter more
 * than that keeps its own variance and degrees of freedom.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/names.h"
#include "../common/stats.h"
#include "bhbench.h"
#include "rs.h"

/*
 * The metrics compared; icount runs add the exact means (every item's ns
 * summed, not bucketed: a 1% change is 1%, where a median moves in 1.6%
 * buckets).  Under TCG the means follow the outliers, so they stay out.
 */
static const char *const metrics[] = { "p50", "p99", "q2e_p50", "mean", "q2e_mean" };
#define NMET_TCG 3
#define NMET_ICOUNT 5
/*
 * icount's own floor: two boots of one kernel agree on the exact mean of
 * tasklets and BH work within 0.1% and on the medians bucket for bucket;
 * the threaded mechanisms' means differ by up to 1.2% (their maxima still
 * vary between boots), so theirs are not compared.  A change below 1% is never a verdict there, a
 * p-value however small notwithstanding; virtual time has no per-item
 * measurement noise, so --min-abs-ns defaults to 0.
 */
#define ICOUNT_THRESHOLD 0.01
/*
 * Not every row of an icount run is deterministic: a tail that follows the
 * scheduler (the process producer's p99 of every mechanism, a kworker's
 * p99) moves 20-40% between the repetitions of one boot and between two
 * boots of the same seed (6.12, icount-short: process/wq_unbound p99 77-100
 * us within a boot), so eight repetitions a side can line up by chance
 * (once x1.154, p adjusted 0.028, with nothing changed in wq_unbound).  A
 * row whose repetitions spread wider than this on either side is not the
 * cost model: no verdict ("varies").  Deterministic rows spread one or two
 * buckets (hardirq tasklet p99 16.0-16.3 us).  So does a mean, once in a
 * while, when one item of a repetition was held up: with the host loaded,
 * one repetition in 32 of process/direct's q->cb mean was 863 ns, the
 * others 672 (one item of 1000 about 190 us late).
 */
#define ICOUNT_SPREAD 1.10

static json_t *jnum(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

static const char *envs(json_t *r, const char *k)
{
	return json_string_value(json_object_get(json_object_get(r, "env"), k)) ?: "?";
}

#define MAXBOOT 64
#define BOOTREPS 4096		/* repetitions of one boot taken, at most */
#define REPS 65536		/* repetitions of a side taken, at most */

struct row {
	const char *prod, *mech, *metric;
	const char *family;	/* "latency", or a real subsystem's key: the rows that share a prior */
	double base, new, ratio, lo, hi, p, p_raw;
	int n1, n2;
	const char *verdict;
	int varies;		/* icount: the repetitions spread beyond ICOUNT_SPREAD */
	/* boot level: log median of each boot, pooled variance, its df */
	double ya[MAXBOOT], yb[MAXBOOT], s2, df, dft;
	int ka, kb;
	int out;		/* not in --mechs: informs the prior, not tested */
};

/* one comparison on its way to its model */
struct cmp {
	double threshold, alpha, min_abs;
	int bh, icount, boots, verdicts;
	uint64_t mechs;
	size_t nmet;
	struct row *rows;
	int nrows, slower, faster, leads, untested, varies;
	double *x, *y;		/* one row's per-repetition values, BASE and NEW */
};

/* a repetition's value of metric, usable for its boot's median: its boot, or -1 */
static int rep_boot(json_t *r, const char *metric, double *v)
{
	json_t *x = json_object_get(r, metric);
	long long boot = json_integer_value(json_object_get(r, "boot"));

	if (!json_is_number(x) || json_number_value(x) <= 0 || boot < 0 || boot >= MAXBOOT)
		return -1;
	*v = json_number_value(x);
	return (int)boot;
}

/* log of each boot's median of a per-repetition metric; returns the boots */
static int boot_logmeds(json_t *b, const char *metric, double *out)
{
	json_t *reps = json_object_get(b, "per_repetition"), *r;
	int cnt[MAXBOOT] = { 0 }, n[MAXBOOT] = { 0 }, off[MAXBOOT], k = 0, total = 0, j;
	double *v, x;
	size_t i;

	/* the first BOOTREPS values of each boot: counted, then placed */
	json_array_foreach(reps, i, r)
		if ((j = rep_boot(r, metric, &x)) >= 0 && cnt[j] < BOOTREPS)
			cnt[j]++;
	for (j = 0; j < MAXBOOT; j++) {
		off[j] = total;
		total += cnt[j];
	}
	v = malloc((size_t)(total + 1) * sizeof(*v));
	if (!v)
		return 0;
	json_array_foreach(reps, i, r)
		if ((j = rep_boot(r, metric, &x)) >= 0 && n[j] < cnt[j])
			v[off[j] + n[j]++] = x;
	for (j = 0; j < MAXBOOT; j++)
		if (n[j])
			out[k++] = log(bhb_median(v + off[j], n[j]));
	free(v);
	return k;
}

static double mean(const double *v, int n)
{
	double s = 0;

	for (int i = 0; i < n; i++)
		s += v[i];
	return s / n;
}

/*
 * The boot-level test of every row of one metric: pooled between-boot
 * variance of the log medians, moderated by the prior fitted to all rows
 * of the metric, then t.  The variance is floored at the histogram's own
 * relative resolution: boots that agree to within a bucket do not make an
 * infinitely precise test.
 */
static void boot_test(struct row *rows, int nrows, const char *family, const char *metric)
{
	double *s2 = malloc((size_t)(nrows + 1) * sizeof(*s2)), *df = malloc((size_t)(nrows + 1) * sizeof(*df));
	/* exact means have no bucket; their floor is icount's A/A agreement (0.1%) */
	double d0, s02, dfsum = 0, floor2 = pow(strstr(metric, "mean") ? 0.001 : bhb_hist_rel_error(), 2);
	int n = 0;

	if (!s2 || !df) {
		free(s2);
		free(df);
		return;
	}

	for (int k = 0; k < nrows; k++) {
		struct row *r = &rows[k];
		double ma, mb, ss = 0;

		if (strcmp(r->metric, metric) || strcmp(r->family, family))
			continue;
		/* untested until shown otherwise: NaN stays out of Holm and BH */
		r->p = r->ratio = r->lo = r->hi = r->dft = NAN;
		r->base = r->ka ? exp(mean(r->ya, r->ka)) : NAN;
		r->new = r->kb ? exp(mean(r->yb, r->kb)) : NAN;
		r->df = r->ka + r->kb - 2;
		if (r->ka < 1 || r->kb < 1 || r->df < 1)
			continue;	/* a side without a boot, or one boot each */
		ma = mean(r->ya, r->ka);
		mb = mean(r->yb, r->kb);
		for (int i = 0; i < r->ka; i++)
			ss += (r->ya[i] - ma) * (r->ya[i] - ma);
		for (int i = 0; i < r->kb; i++)
			ss += (r->yb[i] - mb) * (r->yb[i] - mb);
		r->s2 = fmax(ss / r->df, floor2);
		s2[n] = r->s2;
		df[n++] = r->df;
		dfsum += r->df;
	}
	bhb_fit_prior(s2, df, n, &d0, &s02);
	for (int k = 0; k < nrows; k++) {
		struct row *r = &rows[k];
		double v, se, d, q;

		if (strcmp(r->metric, metric) || strcmp(r->family, family) || r->ka < 1 || r->kb < 1 || r->df < 1)
			continue;
		/*
		 * The prior only lifts a variance that looks too small by
		 * chance; a row whose boots scatter more than the prior says
		 * keeps its own variance and its own degrees of freedom (a
		 * mechanism that sits in different modes in different boots
		 * must not borrow the calm of the others).
		 */
		if (d0 == 0 || r->s2 >= s02) {
			v = r->s2;
			r->dft = r->df;
		} else if (isinf(d0)) {
			v = s02;
			r->dft = dfsum;
		} else {
			v = (d0 * s02 + r->df * r->s2) / (d0 + r->df);
			r->dft = fmin(r->df + d0, dfsum);
		}
		d = mean(r->yb, r->kb) - mean(r->ya, r->ka);
		se = sqrt(v * (1.0 / r->ka + 1.0 / r->kb));
		q = bhb_t_quantile(0.95, r->dft);
		r->ratio = exp(d);
		r->lo = exp(d - q * se);
		r->hi = exp(d + q * se);
		r->p = bhb_t_p2(d / se, r->dft);
	}
	free(s2);
	free(df);
}

/*
 * icount, one boot a side: the boots are deterministic (their medians agree
 * bucket for bucket, their softirq means within 0.1%), so the repetitions
 * are the unit and the result is a verdict.  Welch's t on the log of the
 * per-repetition values, each side's variance floored at the metric's own
 * resolution (a bucket for the medians, 0.1% for the exact means): without
 * the floor two runs 0.1% apart with no spread would give p = 0.
 */
static void icount_test(struct row *r, const double *x, int n, const double *y, int m)
{
	double mx = 0, my = 0, vx = 0, vy = 0, se, d, q, df;
	double floor2 = pow(strstr(r->metric, "mean") ? 0.001 : bhb_hist_rel_error(), 2);

	for (int i = 0; i < n; i++)
		mx += log(x[i]) / n;
	for (int i = 0; i < m; i++)
		my += log(y[i]) / m;
	for (int i = 0; i < n; i++)
		vx += pow(log(x[i]) - mx, 2) / (n - 1);
	for (int i = 0; i < m; i++)
		vy += pow(log(y[i]) - my, 2) / (m - 1);
	vx = fmax(vx, floor2);
	vy = fmax(vy, floor2);
	se = sqrt(vx / n + vy / m);
	df = pow(vx / n + vy / m, 2) / (pow(vx / n, 2) / (n - 1) + pow(vy / m, 2) / (m - 1));
	d = my - mx;
	q = bhb_t_quantile(0.95, df);
	r->base = exp(mx);
	r->new = exp(my);
	r->ratio = exp(d);
	r->lo = exp(d - q * se);
	r->hi = exp(d + q * se);
	r->p = bhb_t_p2(d / se, df);
	r->dft = df;
}

/* the largest over the smallest of n positive values */
static double spread(const double *v, int n)
{
	double lo = v[0], hi = v[0];

	for (int i = 1; i < n; i++) {
		lo = fmin(lo, v[i]);
		hi = fmax(hi, v[i]);
	}
	return hi / lo;
}

/* a native run's CPU model */
static const char *native_cpu(json_t *r)
{
	return json_string_value(json_object_get(json_object_get(json_object_get(r, "env"), "native"), "cpu_model"))
	       ?: "?";
}

/* the runs must agree on accelerator, vCPUs and scenario (natively and under KVM, CPU); 0 or -1 with err */
static int comparable(json_t *A, json_t *B, char *err, size_t len)
{
	/* never mix emulated and hardware-virtualised figures */
	if (strcmp(envs(A, "accel"), envs(B, "accel")) ||
	    json_integer_value(json_object_get(json_object_get(A, "env"), "vcpus")) !=
	    json_integer_value(json_object_get(json_object_get(B, "env"), "vcpus")) ||
	    strcmp(json_string_value(json_object_get(json_object_get(A, "scenario"), "name")) ?: "",
		   json_string_value(json_object_get(json_object_get(B, "scenario"), "name")) ?: "")) {
		snprintf(err, len, "the runs differ in accelerator (%s/%s), vCPUs or scenario; they cannot be compared",
			 envs(A, "accel"), envs(B, "accel"));
		return -1;
	}
	/* natively the machine is the measurement: two CPUs are two experiments */
	if (!strcmp(envs(A, "accel"), "native") && strcmp(native_cpu(A), native_cpu(B))) {
		snprintf(err, len, "native runs of different CPUs (%s / %s) cannot be compared", native_cpu(A),
			 native_cpu(B));
		return -1;
	}
	/* so is a KVM guest's: it runs on the host's CPU */
	if (!strcmp(envs(A, "accel"), "kvm") && strcmp(envs(A, "host_cpu"), envs(B, "host_cpu"))) {
		snprintf(err, len, "KVM runs on different host CPUs (%s / %s) cannot be compared", envs(A, "host_cpu"),
			 envs(B, "host_cpu"));
		return -1;
	}
	return 0;
}

/* the row of one case, mechanism and metric, when both sides measured it */
static void add_row(struct cmp *c, json_t *b, json_t *nb, const char *prod, const char *mech, const char *metric,
		    const char *family)
{
	int n = bhb_res_reps(b, metric, c->x, REPS), m = bhb_res_reps(nb, metric, c->y, REPS);
	struct row *r = &c->rows[c->nrows];
	int mi;

	/*
	 * The exact means of threaded work follow its scheduling
	 * outliers: two icount boots differ by up to 1.2% there
	 * (0.1% for tasklets and BH work), past the 1% floor.
	 */
	if (n < 3 || m < 3 || (strstr(metric, "mean") && !strncmp(mech, "wq_", 3)))
		return;
	memset(r, 0, sizeof(*r));
	r->prod = prod;
	r->mech = mech;
	r->metric = metric;
	r->family = family;
	r->n1 = n;
	r->n2 = m;
	/* --mechs picks the module's mechanisms; a real subsystem's modes are always tested */
	mi = bhb_name_lookup(bhb_mech_names, BHB_NR_MECHS, mech);
	r->out = c->mechs && !strcmp(family, "latency") && (mi < 0 || !(c->mechs >> mi & 1));
	r->ka = boot_logmeds(b, metric, r->ya);
	r->kb = boot_logmeds(nb, metric, r->yb);
	if (!c->boots && c->icount) {
		icount_test(r, c->x, n, c->y, m);
		/* a tail that follows the scheduler: out of the family */
		if (spread(c->x, n) > ICOUNT_SPREAD || spread(c->y, m) > ICOUNT_SPREAD) {
			r->varies = 1;
			r->p = NAN;
		}
	} else if (!c->boots) {
		r->base = bhb_median(c->x, n);
		r->new = bhb_median(c->y, m);
		r->p = bhb_mann_whitney(c->x, n, c->y, m, NULL);
		bhb_ratio_boot(c->x, n, c->y, m, 0x636d70ull + (uint64_t)c->nrows, &r->ratio, &r->lo, &r->hi);
	}
	c->nrows++;
}

/*
 * A real subsystem's rows (dm-verity, usb-storage): per load and mode,
 * fio's completion latency p50 and p99 and the time per I/O (1 s / IOPS,
 * throughput's inverse: slower is larger, as for every other row), each
 * run a repetition.
 */
static const char *const rs_metrics[] = { "io_time", "p50", "p99" };
#define NMET_RS 3

static void add_rs_rows(struct cmp *c, json_t *A, json_t *B)
{
	const struct bhb_rs_desc *k = bhb_rs_of(A);
	json_t *g;
	size_t i;

	if (!k)
		return;
	json_array_foreach(json_object_get(json_object_get(A, k->key), "groups"), i, g) {
		const char *kase = json_string_value(json_object_get(g, "case"));
		const char *mode = json_string_value(json_object_get(g, "mode"));
		json_t *ng = bhb_rs_group(json_object_get(B, k->key), json_string_value(json_object_get(g, "load")) ?: "",
					  mode ?: "");

		if (!kase || !mode || !ng)
			continue;
		for (int m = 0; m < NMET_RS; m++)
			add_row(c, g, ng, kase, mode, rs_metrics[m], k->key);
	}
	if (c->boots)
		for (int m = 0; m < NMET_RS; m++)
			boot_test(c->rows, c->nrows, k->key, rs_metrics[m]);
}

/* every row both runs have, tested; the rows outside --mechs dropped after */
static int add_rows(struct cmp *c, json_t *A, json_t *B)
{
	const struct bhb_rs_desc *rs = bhb_rs_of(A);
	size_t cap = json_array_size(json_object_get(A, "benchmarks")) * c->nmet;
	json_t *b;
	size_t i;
	int n = 0;

	if (rs)
		cap += json_array_size(json_object_get(json_object_get(A, rs->key), "groups")) * NMET_RS;
	c->rows = calloc(cap + 1, sizeof(*c->rows));
	c->x = malloc(REPS * sizeof(*c->x));
	c->y = malloc(REPS * sizeof(*c->y));
	if (!c->rows || !c->x || !c->y)
		return -1;
	json_array_foreach(json_object_get(A, "benchmarks"), i, b) {
		const char *prod = bhb_res_case(b);
		const char *mech = json_string_value(json_object_get(b, "mech"));
		json_t *nb = bhb_res_bench(B, prod, mech);

		if (!nb)
			continue;
		for (size_t k = 0; k < c->nmet; k++)
			add_row(c, b, nb, prod, mech, metrics[k], "latency");
	}
	if (c->boots)
		for (size_t k = 0; k < c->nmet; k++)
			boot_test(c->rows, c->nrows, "latency", metrics[k]);
	add_rs_rows(c, A, B);
	/* rows outside --mechs informed the prior; they are not in the family */
	for (int k = 0; k < c->nrows; k++)
		if (!c->rows[k].out)
			c->rows[n++] = c->rows[k];
	c->nrows = n;
	return 0;
}

/* a row's verdict from its adjusted p, ratio, interval and size; counted */
static void verdict(struct cmp *c, struct row *r)
{
	/* below the measurement's own resolution nothing is a change */
	int big = fabs(r->new - r->base) >= c->min_abs;

	/*
	 * One boot a side: the test cannot see the boot-to-boot
	 * variation, so what it finds is a lead to re-run with
	 * several boots, not a verdict, and it does not set the
	 * exit status.
	 */
	if (r->varies) {
		r->verdict = "varies";	/* icount: not the cost model */
		c->varies++;
	} else if (isnan(r->p)) {
		r->verdict = "untested";	/* too few boots for this row */
		c->untested++;
	} else if (big && r->p < c->alpha && r->ratio >= 1 + c->threshold && r->lo > 1) {
		r->verdict = c->verdicts ? "SLOWER" : "slower?";
		c->verdicts ? c->slower++ : c->leads++;
	} else if (big && r->p < c->alpha && r->ratio <= 1 / (1 + c->threshold) && r->hi < 1) {
		r->verdict = c->verdicts ? "faster" : "faster?";
		c->verdicts ? c->faster++ : c->leads++;
	} else {
		r->verdict = "no change";
	}
}

/* Holm-Bonferroni or Benjamini-Hochberg over the family, then the verdicts */
static int adjust(struct cmp *c)
{
	double *p = malloc((size_t)(c->nrows + 1) * sizeof(*p));

	if (!p)
		return -1;
	for (int k = 0; k < c->nrows; k++)
		p[k] = c->rows[k].p;
	for (int k = 0; k < c->nrows; k++)
		c->rows[k].p_raw = p[k];
	if (c->bh)
		bhb_bh(p, c->nrows);
	else
		bhb_holm(p, c->nrows);
	for (int k = 0; k < c->nrows; k++) {
		c->rows[k].p = p[k];
		verdict(c, &c->rows[k]);
	}
	free(p);
	return 0;
}

/* a row's non-finite numbers, which JSON cannot hold, as printf writes them */
static void nonfinite(json_t *row, const char *key, double v)
{
	char s[16];

	if (isfinite(v))
		return;
	if (!json_object_get(row, "nonfinite"))
		json_object_set_new(row, "nonfinite", json_object());
	snprintf(s, sizeof(s), "%f", v);
	json_object_set_new(json_object_get(row, "nonfinite"), key, json_string(s));
}

static json_t *row_model(const struct cmp *c, const struct row *r)
{
	/* JSON has no NaN or inf: those become null, and the row stays */
	json_t *o = json_pack("{s:s,s:s,s:s,s:s,s:o,s:o,s:o,s:[o,o],s:o,s:o,s:i,s:i,s:i,s:i,s:o,s:s}",
			      "producer", r->prod, "case", r->prod, "mech", r->mech, "metric", r->metric,
			      "base_ns", jnum(r->base), "new_ns", jnum(r->new), "ratio", jnum(r->ratio),
			      "ci95", jnum(r->lo), jnum(r->hi), "p_adjusted", jnum(r->p), "p_raw", jnum(r->p_raw),
			      "n_base", r->n1, "n_new", r->n2, "boots_base", r->ka, "boots_new", r->kb,
			      "df", c->verdicts ? jnum(r->dft) : json_null(), "verdict", r->verdict);

	/* kept for the table, which prints them as printf does */
	nonfinite(o, "base_ns", r->base);
	nonfinite(o, "new_ns", r->new);
	nonfinite(o, "ratio", r->ratio);
	nonfinite(o, "ci95_lo", r->lo);
	nonfinite(o, "ci95_hi", r->hi);
	nonfinite(o, "p_adjusted", r->p);
	return o;
}

static json_t *model(const struct cmp *c, json_t *A, json_t *B, const char *an, const char *bn)
{
	const char *corr = c->bh ? "Benjamini-Hochberg" : "Holm-Bonferroni";
	char test[256];
	json_t *o, *t;

	snprintf(test, sizeof(test), "%s, %s",
		 c->boots ? "moderated t on the boots' log medians (empirical Bayes across rows)"
		 : c->icount ? "Welch t on log repetitions, variance floored at the metric's resolution (icount)"
		 : "Mann-Whitney U (two-sided) on repetitions of one boot a side", corr);
	o = json_pack("{s:s,s:s,s:o,s:o,s:s,s:s,s:s,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:[]}", "base", an, "new", bn,
		      "threshold", jnum(c->threshold), "alpha", jnum(c->alpha), "test", test,
		      "unit", c->boots ? "boot" : c->icount ? "repetition (icount: deterministic boots)"
		      : "repetition (one boot a side: leads only)",
		      "accel", envs(A, "accel"), "boots_base", bhb_res_boots(A), "boots_new", bhb_res_boots(B),
		      "slower", c->slower, "faster", c->faster, "leads", c->leads, "untested", c->untested,
		      "varies", c->varies, "rows");
	if (!o)
		return NULL;
	for (int k = 0; k < c->nrows; k++)
		json_array_append_new(json_object_get(o, "rows"), row_model(c, &c->rows[k]));
	/* what only the table and the markdown show */
	t = json_pack("{s:s,s:s,s:s,s:b,s:b}", "kernel_base", envs(A, "kernel"), "kernel_new", envs(B, "kernel"),
		      "correction", corr, "boots", c->boots, "verdicts", c->verdicts);
	nonfinite(t, "threshold", c->threshold);	/* --threshold nan */
	nonfinite(t, "alpha", c->alpha);
	json_object_set_new(o, "text", t);
	return o;
}

json_t *bhb_compare(json_t *A, json_t *B, const char *base_name, const char *new_name,
		    const struct bhb_cmp_opts *o, char *err, size_t len)
{
	struct cmp c = { .threshold = o->threshold ? o->threshold : 0.05, .alpha = o->alpha ? o->alpha : 0.05,
			 .min_abs = o->min_abs_set ? o->min_abs_ns : 200, .bh = o->bh, .mechs = o->mechs };
	json_t *res = NULL;

	if (comparable(A, B, err, len))
		return NULL;
	c.icount = !strcmp(envs(A, "accel"), "icount");
	c.nmet = c.icount ? NMET_ICOUNT : NMET_TCG;
	if (c.icount && !o->threshold)
		c.threshold = ICOUNT_THRESHOLD;
	if (c.icount && !o->min_abs_set)
		c.min_abs = 0;
	c.boots = bhb_res_boots(A) > 1 || bhb_res_boots(B) > 1;
	/* icount boots are deterministic: one boot a side already gives verdicts */
	c.verdicts = c.boots || c.icount;
	if (!add_rows(&c, A, B) && !adjust(&c))
		res = model(&c, A, B, base_name, new_name);
	if (!res)
		snprintf(err, len, "out of memory");
	free(c.rows);
	free(c.x);
	free(c.y);
	return res;
}

json_t *bhb_compare_dirs(const char *base, const char *nw, const struct bhb_cmp_opts *o, char *err, size_t len)
{
	char why[512];
	json_t *A = bhb_res_load(base, why, sizeof(why)), *B = A ? bhb_res_load(nw, why, sizeof(why)) : NULL, *res;

	if (!A || !B) {
		snprintf(err, len, "%s; it cannot be compared", why);
		json_decref(A);
		return NULL;
	}
	res = bhb_compare(A, B, base, nw, o, err, len);
	json_decref(A);
	json_decref(B);
	return res;
}

int bhb_compare_status(json_t *cmp)
{
	return json_integer_value(json_object_get(cmp, "slower")) ? 1 : 0;
}

/* ---- the model printed ---- */

static const char *str(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static int num_i(json_t *o, const char *key)
{
	return (int)json_integer_value(json_object_get(o, key));
}

/* a number of the model (v, of o) as computed: a null is a non-finite one */
static double num(json_t *o, const char *key, json_t *v)
{
	const char *nf = str(json_object_get(o, "nonfinite"), key);

	return nf ? strtod(nf, NULL) : json_number_value(v);
}

static void print_head(FILE *f, json_t *cmp, int md, int w)
{
	json_t *t = json_object_get(cmp, "text");
	int ba = num_i(cmp, "boots_base"), bb = num_i(cmp, "boots_new");
	const char *acc = str(cmp, "accel");

	fprintf(f, md ? "BASE `%s` (%s, %s, %d boot%s), NEW `%s` (%s, %s, %d boot%s); threshold %.0f%%, alpha %.2f, %s over %d tests\n\n"
		      : "BASE %s (%s, %s, %d boot%s)\nNEW  %s (%s, %s, %d boot%s)\nthreshold %.0f%%, alpha %.2f, %s over %d tests\n\n",
		str(cmp, "base"), str(t, "kernel_base"), acc, ba, ba > 1 ? "s" : "", str(cmp, "new"), str(t, "kernel_new"),
		acc, bb, bb > 1 ? "s" : "", num(t, "threshold", json_object_get(cmp, "threshold")) * 100,
		num(t, "alpha", json_object_get(cmp, "alpha")), str(t, "correction"),
		(int)json_array_size(json_object_get(cmp, "rows")));
	if (md)
		fprintf(f, "| case | mechanism | metric | base µs | new µs | new/base [95%% CI] | p (adjusted) | verdict |\n"
			   "|---|---|---|---|---|---|---|---|\n");
	else
		fprintf(f, "%-*s %-11s %-8s %9s %9s %-22s %-9s %s\n", w, "case", "mechanism", "metric",
			"base us", "new us", "new/base [95% CI]", "p (adj)", "verdict");
}

static void print_row(FILE *f, json_t *row, int md, int w)
{
	const char *prod = str(row, "case"), *mech = str(row, "mech"), *metric = str(row, "metric");
	const char *v = str(row, "verdict");
	json_t *ci = json_object_get(row, "ci95");
	double base = num(row, "base_ns", json_object_get(row, "base_ns")) / 1e3;
	double nw = num(row, "new_ns", json_object_get(row, "new_ns")) / 1e3;
	double ratio = num(row, "ratio", json_object_get(row, "ratio"));
	double lo = num(row, "ci95_lo", json_array_get(ci, 0)), hi = num(row, "ci95_hi", json_array_get(ci, 1));
	double p = num(row, "p_adjusted", json_object_get(row, "p_adjusted"));

	if (isnan(p) && md)
		fprintf(f, "| %s | %s | %s | %.2f | %.2f | - | - | %s |\n", prod, mech, metric, base, nw, v);
	else if (isnan(p))
		fprintf(f, "%-*s %-11s %-8s %9.2f %9.2f %-22s    %-9s %s\n", w, prod, mech, metric, base, nw, "-", "-", v);
	else if (md)
		fprintf(f, "| %s | %s | %s | %.2f | %.2f | %.3f [%.3f-%.3f] | %.3g | %s |\n", prod, mech, metric, base,
			nw, ratio, lo, hi, p, v);
	else
		fprintf(f, "%-*s %-11s %-8s %9.2f %9.2f %.3f [%.3f-%.3f]    %-9.3g %s\n", w, prod, mech, metric, base,
			nw, ratio, lo, hi, p, v);
}

static void print_tail(FILE *f, json_t *cmp)
{
	json_t *t = json_object_get(cmp, "text");
	int nrows = (int)json_array_size(json_object_get(cmp, "rows")), untested = num_i(cmp, "untested");
	int varies = num_i(cmp, "varies");
	int slower = num_i(cmp, "slower"), faster = num_i(cmp, "faster"), leads = num_i(cmp, "leads");
	double threshold = num(t, "threshold", json_object_get(cmp, "threshold"));

	if (!nrows)
		fprintf(f, "\nnothing to test: no row has at least 3 repetitions on both sides\n");
	if (untested)
		fprintf(f, "\n%d untested: a side has no boot with that metric, or one boot each", untested);
	if (varies)
		fprintf(f, "\n%d varies: its repetitions spread beyond x%.2f on a side, a tail (or a mean one late\n"
			   "item moved) that follows the scheduler, not instructions: no verdict under icount\n"
			   "(README: Comparing icount runs)",
			varies, ICOUNT_SPREAD);
	if (json_is_true(json_object_get(t, "verdicts")))
		fprintf(f, "\n%d slower, %d faster, %d without a change beyond %.0f%%\n%s", slower, faster,
			nrows - slower - faster - untested - varies, threshold * 100,
			json_is_true(json_object_get(t, "boots")) ? ""
			: "icount: virtual time is the same on every boot, so one boot a side gives "
			  "verdicts (README: Deterministic mode).\n");
	else
		fprintf(f, "\n%d lead(s) (slower? / faster?), %d without a change beyond %.0f%%\n"
			   "One boot a side: these are leads, not verdicts.  A boot has a state of its own under\n"
			   "emulation and the host drifts between boots; a test of one boot against one cannot see\n"
			   "that (README: Comparing two runs).  For verdicts, boot several times a side\n"
			   "(bhbench run --boots 6) and compare the merged runs.  Leads do not set the exit status.\n",
			leads, nrows - leads, threshold * 100);
	fprintf(f, "test: %s\n", str(cmp, "test"));
}

/* what compare --format json writes: the model without what only the table needs */
static void print_json(FILE *f, json_t *cmp)
{
	json_t *o = json_deep_copy(cmp), *row;
	char *s;
	size_t i;

	json_object_del(o, "text");
	json_array_foreach(json_object_get(o, "rows"), i, row)
		json_object_del(row, "nonfinite");
	s = json_dumps(o, JSON_INDENT(1) | JSON_REAL_PRECISION(6));
	fprintf(f, "%s\n", s);
	free(s);
	json_decref(o);
}

void bhb_compare_print(FILE *f, json_t *cmp, const char *format)
{
	json_t *rows = json_object_get(cmp, "rows"), *row;
	int md = !strcmp(format, "md"), w = 8;
	size_t i;

	if (!strcmp(format, "json")) {
		print_json(f, cmp);
		return;
	}
	json_array_foreach(rows, i, row) {
		int l = (int)strlen(str(row, "case"));

		w = l > w ? l : w;
	}
	print_head(f, cmp, md, w);
	json_array_foreach(rows, i, row)
		print_row(f, row, md, w);
	print_tail(f, cmp);
}

/* ---- bhbench compare ---- */

static void usage(void)
{
	printf("usage: bhbench compare [--threshold 0.05] [--alpha 0.05] [--min-abs-ns 200] [--correction holm|bh]\n"
	       "                       [--mechs M,M...] [--format table|md|json] BASE NEW\n\n"
	       "--mechs: test only these mechanisms (chosen before looking: a smaller family of tests\n"
	       "is a more sensitive one).\n"
	       "For every case x mechanism x metric (p50, p99, q2e_p50) in both runs: the ratio\n"
	       "NEW/BASE of the medians over repetitions with a 95%% bootstrap interval, a two-sided\n"
	       "Mann-Whitney U test on the repetitions, Holm-Bonferroni over all tests, and a verdict:\n"
	       "slower (faster) when the adjusted p < alpha, the ratio is beyond 1 +- threshold and\n"
	       "the interval excludes 1, and the medians differ by at least --min-abs-ns (default 200 ns,\n"
	       "about twice the measurement's own cost per item: below that a 'change' is resolution).\n"
	       "Needs >= 3 repetitions a side.  Exit 1 if anything is slower.\n"
	       "icount runs (--accel icount) also compare the exact means (mean, q2e_mean: every item's\n"
	       "ns summed, not bucketed), and default to --threshold 0.01 and --min-abs-ns 0: two boots\n"
	       "agree within 0.1%% on softirq means, so a change below 1%% is never a verdict.  A row\n"
	       "whose repetitions spread beyond x1.10 on a side (a tail that follows the scheduler, or a\n"
	       "mean one late item moved) gets no verdict under icount: 'varies'.\n"
	       "Runs of several boots (bhbench merge): the unit is the boot; the test is a t on the boots'\n"
	       "log medians with the variance moderated across the rows of each metric (empirical Bayes,\n"
	       "as limma), and the interval is that t's.  Use >= 3 boots a side for a verdict to trust.\n"
	       "Runs on different accelerators, vCPU counts or scenarios are refused.\n");
}

int bhb_compare_opt(struct bhb_cmp_opts *o, const char *opt, const char *arg, int strict, char *err, size_t len)
{
	char *end, bad[64] = "";
	double v = strtod(arg, &end);
	int junk = strict && (*end || isnan(v));

	if (!strcmp(opt, "mechs")) {
		if (!bhb_name_mask(bhb_mech_names, BHB_NR_MECHS, arg, &o->mechs, bad, sizeof(bad)) && o->mechs)
			return 0;
		snprintf(err, len, "--mechs: '%s' is not a mechanism", bad);
	} else if (!strcmp(opt, "correction")) {
		o->bh = !strcmp(arg, "bh");
		if (o->bh || !strcmp(arg, "holm"))
			return 0;
		snprintf(err, len, "--correction %s: want holm or bh", arg);
	} else if (!strcmp(opt, "min-abs-ns")) {
		o->min_abs_ns = v;
		o->min_abs_set = 1;
		if (!junk && !(v < 0))
			return 0;
		snprintf(err, len, "--min-abs-ns '%s' must be >= 0", arg);
	} else if (!strcmp(opt, "threshold")) {
		o->threshold = v;
		if (!junk && !(v <= 0 || v > 10))
			return 0;
		snprintf(err, len, "--threshold '%s' must be in (0, 10] (0.05 = 5%%)", arg);
	} else if (!strcmp(opt, "alpha")) {
		o->alpha = v;
		if (!junk && !(v <= 0 || v >= 1))
			return 0;
		snprintf(err, len, "--alpha '%s' must be in (0, 1)", arg);
	} else {
		snprintf(err, len, "--%s: not an option of compare", opt);
	}
	return -1;
}

int cmd_compare(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "threshold", required_argument, NULL, 't' },
		{ "alpha", required_argument, NULL, 'a' },
		{ "format", required_argument, NULL, 'f' },
		{ "min-abs-ns", required_argument, NULL, 'm' },
		{ "correction", required_argument, NULL, 'c' },
		{ "mechs", required_argument, NULL, 'M' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct bhb_cmp_opts o = { 0 };
	const char *format = "table";
	char err[4096];
	json_t *cmp;
	int c, i, ret;

	optind = 0;
	while ((c = getopt_long(argc, argv, "t:a:f:m:c:h", lo, NULL)) != -1) {
		for (i = 0; lo[i].name && lo[i].val != c; i++)
			;
		if (c == 'h') {
			usage();
			return 0;
		} else if (c == 'f' && strcmp(optarg, "table") && strcmp(optarg, "md") && strcmp(optarg, "json")) {
			fprintf(stderr, "bhbench compare: --format must be table, md or json\n");
			return 2;
		} else if (c == 'f') {
			format = optarg;
		} else if (!lo[i].name) {
			fprintf(stderr, "bhbench compare: unknown option (see --help)\n");
			return 2;
		} else if (bhb_compare_opt(&o, lo[i].name, optarg, 0, err, sizeof(err))) {
			fprintf(stderr, "bhbench compare: %s\n", err);
			return 2;
		}
	}
	if (argc - optind != 2) {
		fprintf(stderr, "usage: bhbench compare [options] BASE NEW\n");
		return 2;
	}
	cmp = bhb_compare_dirs(argv[optind], argv[optind + 1], &o, err, sizeof(err));
	if (!cmp) {
		fprintf(stderr, "bhbench compare: %s\n", err);
		return 2;
	}
	bhb_compare_print(stdout, cmp, format);
	ret = bhb_compare_status(cmp);
	json_decref(cmp);
	return ret;
}
