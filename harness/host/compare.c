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
 * Merged runs (bhbench merge, several boots): repetitions of one boot are
 * not independent of each other either (a boot can sit in its own mode
 * under emulation), so there the test and the interval come from a
 * hierarchical bootstrap (boots, then repetitions) and the p-value is the
 * bootstrap's two-sided tail at a ratio of 1.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/stats.h"
#include "bhbench.h"

static const char *const metrics[] = { "p50", "p99", "q2e_p50" };
#define NMET (sizeof(metrics) / sizeof(metrics[0]))

static json_t *jnum(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

static const char *envs(json_t *r, const char *k)
{
	return json_string_value(json_object_get(json_object_get(r, "env"), k)) ?: "?";
}

struct row {
	const char *prod, *mech, *metric;
	double base, new, ratio, lo, hi, p, p_raw;
	int n1, n2;
	const char *verdict;
};

int cmd_compare(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "threshold", required_argument, NULL, 't' },
		{ "alpha", required_argument, NULL, 'a' },
		{ "format", required_argument, NULL, 'f' },
		{ "min-abs-ns", required_argument, NULL, 'm' },
		{ "correction", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	double threshold = 0.05, alpha = 0.05, min_abs = 200;
	const char *format = "table";
	char err[512];
	struct row *rows = NULL;
	int nrows = 0, c, slower = 0, faster = 0, bh = 0;
	json_t *A, *B, *b;
	size_t i;

	optind = 0;
	while ((c = getopt_long(argc, argv, "t:a:f:m:c:h", lo, NULL)) != -1) {
		switch (c) {
		case 'c':
			if (strcmp(optarg, "holm") && strcmp(optarg, "bh")) {
				fprintf(stderr, "bhbench compare: --correction %s: want holm or bh\n", optarg);
				return 2;
			}
			bh = !strcmp(optarg, "bh");
			break;
		case 'm':
			min_abs = atof(optarg);
			if (min_abs < 0) {
				fprintf(stderr, "bhbench compare: --min-abs-ns '%s' must be >= 0\n", optarg);
				return 2;
			}
			break;
		case 't':
			threshold = atof(optarg);
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
			       "                       [--format table|md|json] BASE NEW\n\n"
			       "For every case x mechanism x metric (p50, p99, q2e_p50) in both runs: the ratio\n"
			       "NEW/BASE of the medians over repetitions with a 95%% bootstrap interval, a two-sided\n"
			       "Mann-Whitney U test on the repetitions, Holm-Bonferroni over all tests, and a verdict:\n"
			       "slower (faster) when the adjusted p < alpha, the ratio is beyond 1 +- threshold and\n"
			       "the interval excludes 1, and the medians differ by at least --min-abs-ns (default 200 ns,\n"
			       "about twice the measurement's own cost per item: below that a 'change' is resolution).\n"
			       "Needs >= 3 repetitions a side.  Exit 1 if anything is slower.\n"
			       "Merged runs (bhbench merge): the interval and the p-value come from a hierarchical\n"
			       "bootstrap over boots, then repetitions, instead of the rank test.\n"
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
	rows = calloc(json_array_size(json_object_get(A, "benchmarks")) * NMET + 1, sizeof(*rows));
	int hier = bhb_res_boots(A) > 1 || bhb_res_boots(B) > 1;
	const char *test = hier ? (bh ? "hierarchical bootstrap (boots, then repetitions), Benjamini-Hochberg"
				      : "hierarchical bootstrap (boots, then repetitions), Holm-Bonferroni")
				: (bh ? "Mann-Whitney U (two-sided) on repetitions, Benjamini-Hochberg"
				      : "Mann-Whitney U (two-sided) on repetitions, Holm-Bonferroni");
	json_array_foreach(json_object_get(A, "benchmarks"), i, b) {
		const char *prod = bhb_res_case(b);
		const char *mech = json_string_value(json_object_get(b, "mech"));
		json_t *nb = bhb_res_bench(B, prod, mech);

		if (!nb)
			continue;
		for (size_t k = 0; k < NMET; k++) {
			static double x[65536], y[65536];
			int n = bhb_res_reps(b, metrics[k], x, 65536), m = bhb_res_reps(nb, metrics[k], y, 65536);
			struct row *r = &rows[nrows];

			if (n < 3 || m < 3)
				continue;
			memset(r, 0, sizeof(*r));
			r->prod = prod;
			r->mech = mech;
			r->metric = metrics[k];
			r->n1 = n;
			r->n2 = m;
			r->base = bhb_median(x, n);
			r->new = bhb_median(y, m);
			if (hier) {
				bhb_ratio_hier(b, nb, metrics[k], 0x636d70ull + (uint64_t)nrows, &r->ratio, &r->lo, &r->hi,
					       &r->p);
			} else {
				r->p = bhb_mann_whitney(x, n, y, m, NULL);
				bhb_ratio_boot(x, n, y, m, 0x636d70ull + (uint64_t)nrows, &r->ratio, &r->lo, &r->hi);
			}
			nrows++;
		}
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

			if (big && r->p < alpha && r->ratio >= 1 + threshold && r->lo > 1)
				r->verdict = "SLOWER", slower++;
			else if (big && r->p < alpha && r->ratio <= 1 / (1 + threshold) && r->hi < 1)
				r->verdict = "faster", faster++;
			else
				r->verdict = "no change";
		}
		free(p);
	}
	if (!strcmp(format, "json")) {
		json_t *o = json_pack("{s:s,s:s,s:f,s:f,s:s,s:s,s:i,s:i,s:[]}", "base", argv[optind],
				      "new", argv[optind + 1], "threshold", threshold, "alpha", alpha,
				      "test", test,
				      "accel", envs(A, "accel"), "slower", slower, "faster", faster, "rows");

		for (int k = 0; k < nrows; k++) {
			struct row *r = &rows[k];

			/* JSON has no NaN or inf: those become null, and the row stays */
			json_array_append_new(json_object_get(o, "rows"), json_pack(
				"{s:s,s:s,s:s,s:s,s:o,s:o,s:o,s:[o,o],s:o,s:o,s:i,s:i,s:s}", "producer", r->prod, "case", r->prod,
				"mech", r->mech, "metric", r->metric, "base_ns", jnum(r->base), "new_ns", jnum(r->new),
				"ratio", jnum(r->ratio), "ci95", jnum(r->lo), jnum(r->hi), "p_adjusted", jnum(r->p), "p_raw", jnum(r->p_raw),
				"n_base", r->n1, "n_new", r->n2, "verdict", r->verdict));
		}
		char *s = json_dumps(o, JSON_INDENT(1) | JSON_REAL_PRECISION(6));

		puts(s);
		free(s);
		json_decref(o);
	} else {
		int md = !strcmp(format, "md");

		printf(md ? "BASE `%s` (%s, %s), NEW `%s` (%s, %s); threshold %.0f%%, alpha %.2f, Holm-Bonferroni over %d tests\n\n"
			  : "BASE %s (%s, %s)\nNEW  %s (%s, %s)\nthreshold %.0f%%, alpha %.2f, Holm-Bonferroni over %d tests\n\n",
		       argv[optind], envs(A, "kernel"), envs(A, "accel"), argv[optind + 1], envs(B, "kernel"),
		       envs(B, "accel"), threshold * 100, alpha, nrows);
		if (md)
			printf("| producer | mechanism | metric | base µs | new µs | new/base [95%% CI] | p (Holm) | verdict |\n"
			       "|---|---|---|---|---|---|---|---|\n");
		else
			printf("%-10s %-11s %-8s %9s %9s %-22s %-9s %s\n", "producer", "mechanism", "metric",
			       "base us", "new us", "new/base [95% CI]", "p (Holm)", "verdict");
		for (int k = 0; k < nrows; k++) {
			struct row *r = &rows[k];

			printf(md ? "| %s | %s | %s | %.2f | %.2f | %.3f [%.3f-%.3f] | %.3g | %s |\n"
				  : "%-10s %-11s %-8s %9.2f %9.2f %.3f [%.3f-%.3f]    %-9.3g %s\n",
			       r->prod, r->mech, r->metric, r->base / 1e3, r->new / 1e3, r->ratio, r->lo, r->hi,
			       r->p, r->verdict);
		}
		printf("\n%d slower, %d faster, %d without a change beyond %.0f%%\ntest: %s\n", slower, faster,
		       nrows - slower - faster, threshold * 100, test);
	}
	free(rows);
	json_decref(A);
	json_decref(B);
	return slower ? 1 : 0;
}
