// SPDX-License-Identifier: GPL-2.0
/* Unit tests: compare's statistics (Mann-Whitney U, Holm, BH, median, t, the prior fit). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "../common/stats.h"

/*
 * Reference values worked by hand (rank sums, tie-corrected variance,
 * continuity correction), the same definition as scipy's
 * mannwhitneyu(alternative="two-sided", method="asymptotic").
 */
static void test_mwu_reference(void **state)
{
	const double a[] = { 1, 2, 3, 4, 5 }, b[] = { 6, 7, 8, 9, 10 };
	const double c[] = { 1.1, 2.2, 2.2, 3.3, 4.4, 5.5 }, d[] = { 2.2, 3.3, 6.6, 7.7, 8.8 };
	double u, p;

	(void)state;
	p = bhb_mann_whitney(a, 5, b, 5, &u);
	assert_true(u == 0);
	assert_true(fabs(p - 0.012185) < 0.00002);
	p = bhb_mann_whitney(b, 5, a, 5, &u);
	assert_true(u == 25);
	assert_true(fabs(p - 0.012185) < 0.00002);
	/* ties: rank sum of c = 1 + 3 + 3 + 5.5 + 7 + 8 = 27.5, U = 6.5, p = 0.13953 */
	p = bhb_mann_whitney(c, 6, d, 5, &u);
	assert_true(fabs(u - 6.5) < 1e-9);
	assert_true(fabs(p - 0.13953) < 0.00005);
}

static void test_mwu_edges(void **state)
{
	const double a[] = { 3, 3, 3 }, b[] = { 3, 3, 3 };
	double u;

	(void)state;
	assert_true(bhb_mann_whitney(a, 3, b, 3, &u) == 1.0);	/* all tied */
	assert_true(bhb_mann_whitney(a, 0, b, 3, &u) == 1.0);
	/* identical samples are never significant */
	const double x[] = { 5, 1, 4, 2, 3 };

	assert_true(bhb_mann_whitney(x, 5, x, 5, &u) > 0.5);
}

static void test_holm(void **state)
{
	/* statsmodels multipletests(method="holm"): [0.01,0.04,0.03,0.005] -> [0.03,0.06,0.06,0.02] */
	double p[] = { 0.01, 0.04, 0.03, 0.005 };
	const double want[] = { 0.03, 0.06, 0.06, 0.02 };

	(void)state;
	bhb_holm(p, 4);
	for (int i = 0; i < 4; i++)
		assert_true(fabs(p[i] - want[i]) < 1e-12);
	/* an untested row (NaN) neither hides the others nor counts in the family */
	double q[] = { 0.01, NAN, 0.04, 0.03, 0.005 };
	const double wq[] = { 0.03, NAN, 0.06, 0.06, 0.02 };

	bhb_holm(q, 5);
	for (int i = 0; i < 5; i++)
		assert_true(i == 1 ? isnan(q[i]) : fabs(q[i] - wq[i]) < 1e-12);
}

static void test_bh(void **state)
{
	/* statsmodels multipletests(method="fdr_bh"): [0.01,0.04,0.03,0.005] -> [0.02,0.04,0.04,0.02] */
	double p[] = { 0.01, 0.04, 0.03, 0.005 }, want[] = { 0.02, 0.04, 0.04, 0.02 };
	/* and [0.2, 0.5, 0.9] -> [0.6, 0.75, 0.9] */
	double q[] = { 0.2, 0.5, 0.9 }, wq[] = { 0.6, 0.75, 0.9 };

	(void)state;
	bhb_bh(p, 4);
	for (int i = 0; i < 4; i++)
		assert_true(fabs(p[i] - want[i]) < 1e-12);
	bhb_bh(q, 3);
	for (int i = 0; i < 3; i++)
		assert_true(fabs(q[i] - wq[i]) < 1e-12);
	double r[] = { NAN, 0.2, 0.5, 0.9, NAN };

	bhb_bh(r, 5);
	assert_true(isnan(r[0]) && isnan(r[4]));
	for (int i = 0; i < 3; i++)
		assert_true(fabs(r[i + 1] - wq[i]) < 1e-12);
}

static void test_median(void **state)
{
	const double odd[] = { 9, 1, 5 }, even[] = { 4, 1, 3, 2 };

	(void)state;
	assert_true(bhb_median(odd, 3) == 5);
	assert_true(bhb_median(even, 4) == 2.5);
	assert_true(isnan(bhb_median(odd, 0)));
}

/* reference values: Abramowitz & Stegun 6.3.2, 6.4.2; scipy.stats.t */
static void test_special(void **state)
{
	(void)state;
	assert_true(fabs(bhb_digamma(1) + 0.5772156649015329) < 1e-9);
	assert_true(fabs(bhb_digamma(0.5) + 1.9635100260214235) < 1e-9);
	assert_true(fabs(bhb_digamma(20) - 2.9705239922421490) < 1e-9);
	assert_true(fabs(bhb_trigamma(1) - M_PI * M_PI / 6) < 1e-9);
	assert_true(fabs(bhb_trigamma(0.5) - M_PI * M_PI / 2) < 1e-9);
	assert_true(isnan(bhb_digamma(0)));
	/* 2 * t.sf(2, 10); Cauchy: 2 * (1 - 0.75); the normal limit */
	assert_true(fabs(bhb_t_p2(2.0, 10) - 0.0733880347) < 1e-8);
	assert_true(fabs(bhb_t_p2(-2.0, 10) - 0.0733880347) < 1e-8);
	assert_true(fabs(bhb_t_p2(1.0, 1) - 0.5) < 1e-10);
	assert_true(fabs(bhb_t_p2(3.0, 1e9) - 0.0026997961) < 1e-9);
	assert_true(fabs(bhb_t_p2(8.0, 3) - 0.0040765776) < 1e-9);	/* closed form for 3 df */
	assert_true(bhb_t_p2(0, 5) == 1.0);
	/* t.ppf(0.975, 4), t.ppf(0.975, 10), t.ppf(0.995, 30) */
	assert_true(fabs(bhb_t_quantile(0.95, 4) - 2.7764451052) < 1e-6);
	assert_true(fabs(bhb_t_quantile(0.95, 10) - 2.2281388520) < 1e-6);
	assert_true(fabs(bhb_t_quantile(0.99, 30) - 2.7499956536) < 1e-6);
}

static double normal(uint64_t *s)
{
	double u = ((double)(bhb_rand(s) >> 11) + 0.5) / 9007199254740992.0;
	double v = ((double)(bhb_rand(s) >> 11) + 0.5) / 9007199254740992.0;

	return sqrt(-2 * log(u)) * cos(2 * M_PI * v);
}

static double chi2(uint64_t *s, int d)
{
	double x = 0;

	for (int i = 0; i < d; i++) {
		double z = normal(s);

		x += z * z;
	}
	return x;
}

/*
 * The prior fit recovers a known prior: true variances drawn from a scaled
 * inverse chi-square (d0 = 6, s0^2 = 2), sample variances with 4 df around
 * them; and rows that all agree give d0 = infinity.
 */
static void test_fit_prior(void **state)
{
	enum { N = 4000 };
	static double s2[N], df[N];
	uint64_t seed = 42;
	double d0, s02;

	(void)state;
	for (int i = 0; i < N; i++) {
		double var = 6 * 2.0 / chi2(&seed, 6);

		df[i] = 4;
		s2[i] = var * chi2(&seed, 4) / 4;
	}
	bhb_fit_prior(s2, df, N, &d0, &s02);
	assert_true(d0 > 4.5 && d0 < 8);
	assert_true(s02 > 1.8 && s02 < 2.2);
	/* every row the same variance: sample variances vary only by chance */
	for (int i = 0; i < N; i++)
		s2[i] = 3.0 * chi2(&seed, 4) / 4;
	bhb_fit_prior(s2, df, N, &d0, &s02);
	assert_true(d0 > 50);
	assert_true(s02 > 2.8 && s02 < 3.2);
	bhb_fit_prior(s2, df, 2, &d0, &s02);
	assert_true(d0 == 0 && isnan(s02));
}

struct draw_count {
	int calls;
};

static double count_draws(void *user, uint64_t *rng)
{
	((struct draw_count *)user)->calls++;
	return (double)(bhb_rand(rng) % 1000);
}

/* the one bootstrap: BHB_BOOT_N draws, kept when asked, a seeded interval; the median's */
static void test_boot_ci(void **state)
{
	struct draw_count c = { 0 };
	double *d = malloc(BHB_BOOT_N * sizeof(*d)), lo, hi, lo2, hi2, med;
	const double v[7] = { 5, 1, 9, 3, 7, 2, 8 };

	(void)state;
	assert_int_equal(bhb_boot_ci(count_draws, &c, 7, d, &lo, &hi), 0);
	assert_int_equal(c.calls, BHB_BOOT_N);
	assert_true(lo >= 0 && lo < 100 && hi > 900 && hi < 1000);
	assert_int_equal(bhb_boot_ci(count_draws, &c, 7, NULL, &lo2, &hi2), 0);
	assert_true(lo == lo2 && hi == hi2);
	assert_int_equal(bhb_boot_median(v, 7, 3, &med, &lo, &hi), 0);
	assert_true(med == 5 && lo <= 5 && hi >= 5 && lo >= 1 && hi <= 9 && lo < hi);
	assert_int_equal(bhb_boot_median(v, 0, 3, &med, &lo, &hi), -1);
	assert_true(isnan(med) && isnan(lo));
	free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mwu_reference),
		cmocka_unit_test(test_mwu_edges),
		cmocka_unit_test(test_holm),
		cmocka_unit_test(test_bh),
		cmocka_unit_test(test_median),
		cmocka_unit_test(test_special),
		cmocka_unit_test(test_fit_prior),
		cmocka_unit_test(test_boot_ci),
	};

	return cmocka_run_group_tests_name("compare statistics", tests, NULL, NULL);
}
