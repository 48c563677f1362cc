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

static json_t *jnum(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

static const char *envs(json_t *r, const char *k)
{
	return json_string_value(json_object_get(json_object_get(r, "env"), k)) ?: "?";
}

#define MAXBOOT 64

struct row {
	const char *prod, *mech, *metric;
	double base, new, ratio, lo, hi, p, p_raw;
	int n1, n2;
	const char *verdict;
	/* boot level: log median of each boot, pooled variance, its df */
	double ya[MAXBOOT], yb[MAXBOOT], s2, df, dft;
	int ka, kb;
	int out;		/* not in --mechs: informs the prior, not tested */
};

/* log of each boot's median of a per-repetition metric; returns the boots */
static int boot_logmeds(json_t *b, const char *metric, double *out)
{
	static double v[MAXBOOT][4096];
	int n[MAXBOOT] = { 0 }, k = 0;
	json_t *r;
	size_t i;

	json_array_foreach(json_object_get(b, "per_repetition"), i, r) {
		json_t *x = json_object_get(r, metric);
		long long boot = json_integer_value(json_object_get(r, "boot"));

		if (json_is_number(x) && json_number_value(x) > 0 && boot >= 0 && boot < MAXBOOT &&
		    n[boot] < 4096)
			v[boot][n[boot]++] = json_number_value(x);
	}
	for (int j = 0; j < MAXBOOT; j++)
		if (n[j])
			out[k++] = log(bhb_median(v[j], n[j]));
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
static void boot_test(struct row *rows, int nrows, const char *metric)
{
	static double s2[65536], df[65536];
	/* exact means have no bucket; their floor is icount's A/A agreement (0.1%) */
	double d0, s02, dfsum = 0, floor2 = pow(strstr(metric, "mean") ? 0.001 : bhb_hist_rel_error(), 2);
	int n = 0;

	for (int k = 0; k < nrows; k++) {
		struct row *r = &rows[k];
		double ma, mb, ss = 0;

		if (strcmp(r->metric, metric))
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

		if (strcmp(r->metric, metric) || r->ka < 1 || r->kb < 1 || r->df < 1)
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
	double threshold = 0.05, alpha = 0.05, min_abs = 200;
	int threshold_given = 0, min_abs_given = 0, icount;
	size_t nmet;
	const char *format = "table";
	uint64_t mechs = 0;		/* --mechs: the mechanisms tested; 0 = all */
	char err[512];
	struct row *rows = NULL;
	int nrows = 0, c, slower = 0, faster = 0, bh = 0, leads = 0, untested = 0, w = 8;
	json_t *A, *B, *b;
	size_t i;

	optind = 0;
	while ((c = getopt_long(argc, argv, "t:a:f:m:c:h", lo, NULL)) != -1) {
		switch (c) {
		case 'M': {
			char bad[64] = "";

			if (bhb_name_mask(bhb_mech_names, BHB_NR_MECHS, optarg, &mechs, bad, sizeof(bad)) || !mechs) {
				fprintf(stderr, "bhbench compare: --mechs: '%s' is not a mechanism\n", bad);
				return 2;
			}
			break;
		}
		case 'c':
			if (strcmp(optarg, "holm") && strcmp(optarg, "bh")) {
				fprintf(stderr, "bhbench compare: --correction %s: want holm or bh\n", optarg);
				return 2;
			}
			bh = !strcmp(optarg, "bh");
			break;
		case 'm':
			min_abs = atof(optarg);
			min_abs_given = 1;
			if (min_abs < 0) {
				fprintf(stderr, "bhbench compare: --min-abs-ns '%s' must be >= 0\n", optarg);
				return 2;
			}
			break;
		case 't':
			threshold = atof(optarg);
			threshold_given = 1;
			if (threshold <= 0 || threshold > 10) {
				fprintf(stderr, "bhbench compare: --threshold '%s' must be in (0, 10] (0.05 = 5%%)\n", optarg);
				return 2;
			}
			break;
		case 'a':
			alpha = atof(optarg);
			if (alpha <= 0 || alpha >= 1) {
				fprintf(stderr, "bhbench compare: --alpha '%s' must be in (0, 1)\n", optarg);
				return 2;
			}
			break;
		case 'f':
			format = optarg;
			if (strcmp(format, "table") && strcmp(format, "md") && strcmp(format, "json")) {
				fprintf(stderr, "bhbench compare: --format must be table, md or json\n");
				return 2;
			}
			break;
		case 'h':
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
			       "agree within 0.1%% on softirq means, so a change below 1%% is never a verdict.\n"
			       "Runs of several boots (bhbench merge): the unit is the boot; the test is a t on the boots'\n"
			       "log medians with the variance moderated across the rows of each metric (empirical Bayes,\n"
			       "as limma), and the interval is that t's.  Use >= 3 boots a side for a verdict to trust.\n"
			       "Runs on different accelerators, vCPU counts or scenarios are refused.\n");
			return 0;
		default:
			fprintf(stderr, "bhbench compare: unknown option (see --help)\n");
			return 2;
		}
	}
	if (argc - optind != 2) {
		fprintf(stderr, "usage: bhbench compare [options] BASE NEW\n");
		return 2;
	}
	A = bhb_res_load(argv[optind], err, sizeof(err));
	B = A ? bhb_res_load(argv[optind + 1], err, sizeof(err)) : NULL;
	if (!A || !B) {
		fprintf(stderr, "bhbench compare: %s; it cannot be compared\n", err);
		json_decref(A);
		return 2;
	}
	/* never mix emulated and hardware-virtualised figures */
	if (strcmp(envs(A, "accel"), envs(B, "accel")) ||
	    json_integer_value(json_object_get(json_object_get(A, "env"), "vcpus")) !=
	    json_integer_value(json_object_get(json_object_get(B, "env"), "vcpus")) ||
	    strcmp(json_string_value(json_object_get(json_object_get(A, "scenario"), "name")),
		   json_string_value(json_object_get(json_object_get(B, "scenario"), "name")))) {
		fprintf(stderr, "bhbench compare: the runs differ in accelerator (%s/%s), vCPUs or scenario; "
			"they cannot be compared\n", envs(A, "accel"), envs(B, "accel"));
		json_decref(A);
		json_decref(B);
		return 2;
	}
	icount = !strcmp(envs(A, "accel"), "icount");
	nmet = icount ? NMET_ICOUNT : NMET_TCG;
	if (icount && !threshold_given)
		threshold = ICOUNT_THRESHOLD;
	if (icount && !min_abs_given)
		min_abs = 0;
	rows = calloc(json_array_size(json_object_get(A, "benchmarks")) * nmet + 1, sizeof(*rows));
	int boots = bhb_res_boots(A) > 1 || bhb_res_boots(B) > 1;
	/* icount boots are deterministic: one boot a side already gives verdicts */
	int verdicts = boots || icount;
	const char *test = boots ? (bh ? "moderated t on the boots' log medians (empirical Bayes across rows), Benjamini-Hochberg"
				       : "moderated t on the boots' log medians (empirical Bayes across rows), Holm-Bonferroni")
			 : icount ? (bh ? "Welch t on log repetitions, variance floored at the metric's resolution (icount), "
					  "Benjamini-Hochberg"
					: "Welch t on log repetitions, variance floored at the metric's resolution (icount), "
					  "Holm-Bonferroni")
				 : (bh ? "Mann-Whitney U (two-sided) on repetitions of one boot a side, Benjamini-Hochberg"
				       : "Mann-Whitney U (two-sided) on repetitions of one boot a side, Holm-Bonferroni");
	json_array_foreach(json_object_get(A, "benchmarks"), i, b) {
		const char *prod = bhb_res_case(b);
		const char *mech = json_string_value(json_object_get(b, "mech"));
		json_t *nb = bhb_res_bench(B, prod, mech);

		if (!nb)
			continue;
		for (size_t k = 0; k < nmet; k++) {
			static double x[65536], y[65536];
			int n = bhb_res_reps(b, metrics[k], x, 65536), m = bhb_res_reps(nb, metrics[k], y, 65536);
			struct row *r = &rows[nrows];

			/*
			 * The exact means of threaded work follow its scheduling
			 * outliers: two icount boots differ by up to 1.2% there
			 * (0.1% for tasklets and BH work), past the 1% floor.
			 */
			if (n < 3 || m < 3 || (k >= NMET_TCG && !strncmp(mech, "wq_", 3)))
				continue;
			memset(r, 0, sizeof(*r));
			r->prod = prod;
			r->mech = mech;
			r->metric = metrics[k];
			r->n1 = n;
			r->n2 = m;
			int mi = bhb_name_lookup(bhb_mech_names, BHB_NR_MECHS, mech);

			r->out = mechs && (mi < 0 || !(mechs >> mi & 1));
			r->ka = boot_logmeds(b, metrics[k], r->ya);
			r->kb = boot_logmeds(nb, metrics[k], r->yb);
			if (!boots && icount) {
				icount_test(r, x, n, y, m);
			} else if (!boots) {
				r->base = bhb_median(x, n);
				r->new = bhb_median(y, m);
				r->p = bhb_mann_whitney(x, n, y, m, NULL);
				bhb_ratio_boot(x, n, y, m, 0x636d70ull + (uint64_t)nrows, &r->ratio, &r->lo, &r->hi);
			}
			nrows++;
		}
	}
	if (boots)
		for (size_t k = 0; k < nmet; k++)
			boot_test(rows, nrows, metrics[k]);
	/* rows outside --mechs informed the prior; they are not in the family */
	{
		int n = 0;

		for (int k = 0; k < nrows; k++)
			if (!rows[k].out)
				rows[n++] = rows[k];
		nrows = n;
	}
	{
		double *p = malloc((size_t)(nrows + 1) * sizeof(*p));

		for (int k = 0; k < nrows; k++)
			p[k] = rows[k].p;
		for (int k = 0; k < nrows; k++)
			rows[k].p_raw = p[k];
		if (bh)
			bhb_bh(p, nrows);
		else
			bhb_holm(p, nrows);
		for (int k = 0; k < nrows; k++) {
			struct row *r = &rows[k];

			r->p = p[k];
			/* below the measurement's own resolution nothing is a change */
			int big = fabs(r->new - r->base) >= min_abs;

			/*
			 * One boot a side: the test cannot see the boot-to-boot
			 * variation, so what it finds is a lead to re-run with
			 * several boots, not a verdict, and it does not set the
			 * exit status.
			 */
			if (isnan(r->p)) {
				r->verdict = "untested";	/* too few boots for this row */
				untested++;
			} else if (big && r->p < alpha && r->ratio >= 1 + threshold && r->lo > 1) {
				r->verdict = verdicts ? "SLOWER" : "slower?";
				verdicts ? slower++ : leads++;
			} else if (big && r->p < alpha && r->ratio <= 1 / (1 + threshold) && r->hi < 1) {
				r->verdict = verdicts ? "faster" : "faster?";
				verdicts ? faster++ : leads++;
			} else {
				r->verdict = "no change";
			}
			w = strlen(r->prod) > (size_t)w ? (int)strlen(r->prod) : w;
		}
		free(p);
	}
	if (!strcmp(format, "json")) {
		json_t *o = json_pack("{s:s,s:s,s:f,s:f,s:s,s:s,s:s,s:i,s:i,s:i,s:i,s:i,s:i,s:[]}", "base", argv[optind],
				      "new", argv[optind + 1], "threshold", threshold, "alpha", alpha,
				      "test", test, "unit", boots ? "boot" : icount ? "repetition (icount: deterministic boots)"
				      : "repetition (one boot a side: leads only)",
				      "accel", envs(A, "accel"), "boots_base", bhb_res_boots(A), "boots_new",
				      bhb_res_boots(B), "slower", slower, "faster", faster, "leads", leads,
				      "untested", untested, "rows");

		for (int k = 0; k < nrows; k++) {
			struct row *r = &rows[k];

			/* JSON has no NaN or inf: those become null, and the row stays */
			json_array_append_new(json_object_get(o, "rows"), json_pack(
				"{s:s,s:s,s:s,s:s,s:o,s:o,s:o,s:[o,o],s:o,s:o,s:i,s:i,s:i,s:i,s:o,s:s}", "producer", r->prod,
				"case", r->prod, "mech", r->mech, "metric", r->metric, "base_ns", jnum(r->base),
				"new_ns", jnum(r->new), "ratio", jnum(r->ratio), "ci95", jnum(r->lo), jnum(r->hi),
				"p_adjusted", jnum(r->p), "p_raw", jnum(r->p_raw), "n_base", r->n1, "n_new", r->n2,
				"boots_base", r->ka, "boots_new", r->kb, "df", verdicts ? jnum(r->dft) : json_null(),
				"verdict", r->verdict));
		}
		char *s = json_dumps(o, JSON_INDENT(1) | JSON_REAL_PRECISION(6));

		puts(s);
		free(s);
		json_decref(o);
	} else {
		int md = !strcmp(format, "md");

		const char *corr = bh ? "Benjamini-Hochberg" : "Holm-Bonferroni";

		printf(md ? "BASE `%s` (%s, %s, %d boot%s), NEW `%s` (%s, %s, %d boot%s); threshold %.0f%%, alpha %.2f, %s over %d tests\n\n"
			  : "BASE %s (%s, %s, %d boot%s)\nNEW  %s (%s, %s, %d boot%s)\nthreshold %.0f%%, alpha %.2f, %s over %d tests\n\n",
		       argv[optind], envs(A, "kernel"), envs(A, "accel"), bhb_res_boots(A), bhb_res_boots(A) > 1 ? "s" : "",
		       argv[optind + 1], envs(B, "kernel"), envs(B, "accel"), bhb_res_boots(B),
		       bhb_res_boots(B) > 1 ? "s" : "", threshold * 100, alpha, corr, nrows);
		if (md)
			printf("| case | mechanism | metric | base µs | new µs | new/base [95%% CI] | p (adjusted) | verdict |\n"
			       "|---|---|---|---|---|---|---|---|\n");
		else
			printf("%-*s %-11s %-8s %9s %9s %-22s %-9s %s\n", w, "case", "mechanism", "metric",
			       "base us", "new us", "new/base [95% CI]", "p (adj)", "verdict");
		for (int k = 0; k < nrows; k++) {
			struct row *r = &rows[k];

			if (isnan(r->p) && md)
				printf("| %s | %s | %s | %.2f | %.2f | - | - | %s |\n", r->prod, r->mech, r->metric,
				       r->base / 1e3, r->new / 1e3, r->verdict);
			else if (isnan(r->p))
				printf("%-*s %-11s %-8s %9.2f %9.2f %-22s    %-9s %s\n", w, r->prod, r->mech, r->metric,
				       r->base / 1e3, r->new / 1e3, "-", "-", r->verdict);
			else if (md)
				printf("| %s | %s | %s | %.2f | %.2f | %.3f [%.3f-%.3f] | %.3g | %s |\n", r->prod,
				       r->mech, r->metric, r->base / 1e3, r->new / 1e3, r->ratio, r->lo, r->hi, r->p,
				       r->verdict);
			else
				printf("%-*s %-11s %-8s %9.2f %9.2f %.3f [%.3f-%.3f]    %-9.3g %s\n", w, r->prod,
				       r->mech, r->metric, r->base / 1e3, r->new / 1e3, r->ratio, r->lo, r->hi, r->p,
				       r->verdict);
		}
		if (untested)
			printf("\n%d untested: a side has no boot with that metric, or one boot each", untested);
		if (verdicts)
			printf("\n%d slower, %d faster, %d without a change beyond %.0f%%\n%s", slower, faster,
			       nrows - slower - faster - untested, threshold * 100,
			       boots ? "" : "icount: virtual time is the same on every boot, so one boot a side gives "
					    "verdicts (README: Deterministic mode).\n");
		else
			printf("\n%d lead(s) (slower? / faster?), %d without a change beyond %.0f%%\n"
			       "One boot a side: these are leads, not verdicts.  A boot has a state of its own under\n"
			       "emulation and the host drifts between boots; a test of one boot against one cannot see\n"
			       "that (README: Comparing two runs).  For verdicts, boot several times a side\n"
			       "(bhbench run --boots 6) and compare the merged runs.  Leads do not set the exit status.\n",
			       leads, nrows - leads, threshold * 100);
		printf("test: %s\n", test);
	}
	free(rows);
	json_decref(A);
	json_decref(B);
	return slower ? 1 : 0;
}
