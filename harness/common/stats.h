/* SPDX-License-Identifier: GPL-2.0 */
/* Histogram statistics for the harness: quantiles, merging, bootstrap. */
#ifndef BHB_STATS_H
#define BHB_STATS_H

#include <stdint.h>

#include "../../bench-module/bhb_hist.h"

/* quantile value meaning "in the overflow bucket" */
#define BHB_HIST_INF (-1.0)

struct bhb_hist {
	uint64_t c[BHB_HIST_NBUCKETS];
	uint64_t n;
};

void bhb_hist_clear(struct bhb_hist *h);
void bhb_hist_add(struct bhb_hist *h, uint64_t v);
void bhb_hist_merge(struct bhb_hist *dst, const struct bhb_hist *src);
/* recount n from the buckets (after filling c[] directly) */
void bhb_hist_recount(struct bhb_hist *h);

/*
 * Value at quantile q (0 < q <= 1): the midpoint of the bucket holding the
 * sample of rank ceil(q * n), so within (width - 1) / 2 of it: an error of
 * at most 1 / 2^(SUB_BITS + 1) relative (0.8%).  BHB_HIST_INF if that
 * sample overflowed; 0 for an empty histogram.
 */
double bhb_hist_quantile(const struct bhb_hist *h, double q);
/* relative error bound of bhb_hist_quantile() */
double bhb_hist_rel_error(void);
double bhb_hist_max(const struct bhb_hist *h);

/* deterministic generator for the bootstrap */
uint64_t bhb_rand(uint64_t *state);

/*
 * Every bootstrap in the harness draws BHB_BOOT_N resamples.  4000: the
 * smallest p-value a bootstrap test can give is 2 / BHB_BOOT_N (compare's
 * "no change" test), and 0.0005 stays below alpha = 0.05 after Holm's
 * correction over compare's ~80 tests of a run; the 2.5% and 97.5%
 * percentiles of 4000 draws rest on 100 draws each (their own error is
 * about a tenth of the interval's width).
 */
#define BHB_BOOT_N 4000

/*
 * Percentile bootstrap over repetitions: B (BHB_BOOT_N) times, draw nreps
 * repetitions with replacement, merge their histograms, take each
 * quantile.  out[b * nq + j] is quantile j of resample b.
 */
int bhb_bootstrap(const struct bhb_hist *reps, int nreps, const double *qs, int nq,
		  int B, uint64_t seed, double *out);

/* one resample of user's data, drawn with rng, reduced to the statistic */
typedef double (*bhb_boot_stat)(void *user, uint64_t *rng);
/*
 * The bootstrap of any statistic: BHB_BOOT_N draws of stat from seed and
 * their two-sided 95% percentile interval.  draws (BHB_BOOT_N values, or
 * NULL) keeps every draw.  -1 when out of memory.
 */
int bhb_boot_ci(bhb_boot_stat stat, void *user, uint64_t seed, double *draws, double *lo, double *hi);
/* the median of v[0..n) and its bootstrap interval (the values resampled) */
int bhb_boot_median(const double *v, int n, uint64_t seed, double *med, double *lo, double *hi);

/* qsort order of doubles, ascending */
int bhb_cmp_double(const void *a, const void *b);

/* Two-sided interval at level (e.g. 0.95) from B samples at stride. */
void bhb_interval(const double *samples, int B, int stride, double level, double *lo, double *hi);

/*
 * Two-sided Mann-Whitney U test of samples a (n) and b (m): normal
 * approximation with tie correction and continuity correction (as scipy's
 * method="asymptotic").  Returns the p-value; *u gets U of a.  1.0 when a
 * side has no values or every value is tied.
 */
double bhb_mann_whitney(const double *a, int n, const double *b, int m, double *u);

/*
 * Holm-Bonferroni: adjusted p-values, in place, for k tests.  A NaN is a
 * row that was not tested: it stays NaN and does not count in the family.
 */
void bhb_holm(double *p, int k);
/* Benjamini-Hochberg (false discovery rate): adjusted p-values, in place, NaN as above */
void bhb_bh(double *p, int k);

/* digamma and trigamma of x > 0; NAN otherwise */
double bhb_digamma(double x);
double bhb_trigamma(double x);
/* two-sided p-value of Student's t with df degrees of freedom (df > 1e7: normal) */
double bhb_t_p2(double t, double df);
/* t with two-sided tail 1 - level: bhb_t_p2(t, df) = 1 - level */
double bhb_t_quantile(double level, double df);
/*
 * Empirical Bayes prior for n sample variances s2[i] with df[i] degrees of
 * freedom (Smyth 2004, limma's fitFDist): the s2 are taken as s02 scaled
 * chi-square / df draws around a common s02, with d0 prior degrees of
 * freedom for how much the true variances differ between rows.  Rows with
 * df <= 0 or s2 <= 0 are skipped.  *d0 = INFINITY when the rows agree
 * better than chance; *d0 = 0 (no prior) with fewer than 3 usable rows.
 */
void bhb_fit_prior(const double *s2, const double *df, int n, double *d0, double *s02);

/* median of n values (copied, not reordered); NAN if n == 0 */
double bhb_median(const double *v, int n);

#endif
