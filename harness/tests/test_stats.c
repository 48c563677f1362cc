// SPDX-License-Identifier: GPL-2.0
/* Unit tests: Mann-Whitney U, Holm-Bonferroni, median (compare's statistics). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
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
}

static void test_median(void **state)
{
	const double odd[] = { 9, 1, 5 }, even[] = { 4, 1, 3, 2 };

	(void)state;
	assert_true(bhb_median(odd, 3) == 5);
	assert_true(bhb_median(even, 4) == 2.5);
	assert_true(isnan(bhb_median(odd, 0)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mwu_reference),
		cmocka_unit_test(test_mwu_edges),
		cmocka_unit_test(test_holm),
		cmocka_unit_test(test_bh),
		cmocka_unit_test(test_median),
	};

	return cmocka_run_group_tests_name("compare statistics", tests, NULL, NULL);
}
