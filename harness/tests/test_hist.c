// SPDX-License-Identifier: GPL-2.0
/* Unit tests: log-linear histogram, quantiles, bootstrap. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../common/stats.h"

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* every value lands in a bucket whose bounds contain it; bucket width bounded */
static void test_index_bounds(void **state)
{
	uint64_t seed = 1;

	(void)state;
	for (int i = 0; i < 200000; i++) {
		int shift = (int)(bhb_rand(&seed) % 36);
		uint64_t v = bhb_rand(&seed) >> (28 + shift);
		unsigned int idx = bhb_hist_index(v);

		assert_true(idx < BHB_HIST_OVERFLOW);
		assert_true(bhb_hist_lower(idx) <= v);
		assert_true(v < bhb_hist_lower(idx) + bhb_hist_width(idx));
		if (v >= BHB_HIST_SUB)
			assert_true((double)bhb_hist_width(idx) <= (double)bhb_hist_lower(idx) / BHB_HIST_SUB);
	}
	/* exact below 2^SUB_BITS, monotonic and contiguous everywhere */
	for (uint64_t v = 0; v < BHB_HIST_SUB; v++)
		assert_int_equal(bhb_hist_index(v), v);
	for (unsigned int i = 0; i + 1 < BHB_HIST_OVERFLOW; i++)
		assert_true(bhb_hist_lower(i) + bhb_hist_width(i) == bhb_hist_lower(i + 1));
}

static void check_against_oracle(uint64_t *v, size_t n)
{
	struct bhb_hist *h = calloc(1, sizeof(*h));
	static const double qs[] = { 0.0001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999, 0.9999, 1.0 };

	assert_non_null(h);
	for (size_t i = 0; i < n; i++)
		bhb_hist_add(h, v[i]);
	assert_int_equal(h->n, n);
	qsort(v, n, sizeof(*v), cmp_u64);
	for (size_t k = 0; k < sizeof(qs) / sizeof(qs[0]); k++) {
		size_t rank = (size_t)ceil(qs[k] * (double)n - 1e-9);
		double exact = (double)v[(rank ? rank : 1) - 1];
		double est = bhb_hist_quantile(h, qs[k]);

		if (fabs(est - exact) > exact * bhb_hist_rel_error() + 0.5)
			fail_msg("q=%g: estimate %.1f, exact %.0f (bound %.2f%%)", qs[k], est, exact,
				 100 * bhb_hist_rel_error());
	}
	free(h);
}

/* percentiles against a sorted-array oracle on random data */
static void test_quantiles_oracle(void **state)
{
	size_t n = 100003;
	uint64_t *v = malloc(n * sizeof(*v)), seed = 42;

	(void)state;
	assert_non_null(v);
	for (int dist = 0; dist < 4; dist++) {
		for (size_t i = 0; i < n; i++) {
			double u = ((double)(bhb_rand(&seed) >> 11) + 0.5) / 9007199254740992.0;

			switch (dist) {
			case 0:	/* uniform over 0..200 us */
				v[i] = bhb_rand(&seed) % 200000;
				break;
			case 1:	/* exponential, mean 50 us */
				v[i] = (uint64_t)(-log(u) * 50000.0);
				break;
			case 2:	/* heavy tail: Pareto */
				v[i] = (uint64_t)(10000.0 / pow(u, 1.0 / 1.2));
				break;
			default: /* small values, exact buckets */
				v[i] = bhb_rand(&seed) % 50;
			}
			if (v[i] >= (1ull << BHB_HIST_MAX_EXP))
				v[i] = (1ull << BHB_HIST_MAX_EXP) - 1;
		}
		check_against_oracle(v, n);
	}
	free(v);
}

static void test_overflow(void **state)
{
	struct bhb_hist *h = calloc(1, sizeof(*h));

	(void)state;
	assert_int_equal(bhb_hist_index(1ull << BHB_HIST_MAX_EXP), BHB_HIST_OVERFLOW);
	assert_int_equal(bhb_hist_index(UINT64_MAX), BHB_HIST_OVERFLOW);
	assert_int_equal(bhb_hist_index((1ull << BHB_HIST_MAX_EXP) - 1), BHB_HIST_OVERFLOW - 1);
	for (int i = 0; i < 98; i++)
		bhb_hist_add(h, 1000);
	bhb_hist_add(h, 1ull << 40);
	bhb_hist_add(h, UINT64_MAX);
	assert_int_equal(h->c[BHB_HIST_OVERFLOW], 2);
	assert_true(fabs(bhb_hist_quantile(h, 0.5) - 1000) <= 1000 * bhb_hist_rel_error());
	assert_true(bhb_hist_quantile(h, 0.98) > 0);
	assert_true(bhb_hist_quantile(h, 0.99) == BHB_HIST_INF);
	assert_true(bhb_hist_max(h) == BHB_HIST_INF);
	free(h);
}

static void test_merge_and_empty(void **state)
{
	struct bhb_hist *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b)), *u = calloc(1, sizeof(*u));
	uint64_t seed = 7;

	(void)state;
	assert_true(bhb_hist_quantile(a, 0.5) == 0);
	for (int i = 0; i < 10000; i++) {
		uint64_t v = bhb_rand(&seed) % 1000000;

		bhb_hist_add(i % 3 ? a : b, v);
		bhb_hist_add(u, v);
	}
	bhb_hist_merge(a, b);
	assert_memory_equal(a, u, sizeof(*a));
	free(a);
	free(b);
	free(u);
}

/* bootstrap over repetitions: identical reps collapse the interval; spread widens it */
static void test_bootstrap(void **state)
{
	struct bhb_hist *reps = calloc(5, sizeof(*reps));
	const double q[2] = { 0.5, 0.99 };
	double *out = malloc(500 * 2 * sizeof(*out)), *out2 = malloc(500 * 2 * sizeof(*out2)), lo, hi;

	(void)state;
	for (int r = 0; r < 5; r++)
		for (int i = 0; i < 1000; i++)
			bhb_hist_add(&reps[r], 50000 + (uint64_t)i);
	assert_int_equal(bhb_bootstrap(reps, 5, q, 2, 500, 1, out), 0);
	bhb_interval(out, 500, 2, 0.95, &lo, &hi);
	assert_true(lo == hi);
	/* shift repetitions: medians 50, 60, 70, 80, 90 us */
	for (int r = 0; r < 5; r++) {
		memset(&reps[r], 0, sizeof(reps[r]));
		for (int i = 0; i < 1000; i++)
			bhb_hist_add(&reps[r], 50000 + 10000 * (uint64_t)r + (uint64_t)i);
	}
	assert_int_equal(bhb_bootstrap(reps, 5, q, 2, 500, 1, out), 0);
	bhb_interval(out, 500, 2, 0.95, &lo, &hi);
	assert_true(lo < 70500 && hi > 70500);
	assert_true(lo >= 50000 && hi <= 91000);
	/* deterministic for a seed */
	assert_int_equal(bhb_bootstrap(reps, 5, q, 2, 500, 1, out2), 0);
	assert_memory_equal(out, out2, 500 * 2 * sizeof(*out));
	assert_int_equal(bhb_bootstrap(reps, 0, q, 2, 500, 1, out2), -1);
	free(reps);
	free(out);
	free(out2);
}

/*
 * The bootstrap's compact resampling (multiplicities, cumulative counts
 * over the used buckets, binary search) gives exactly the quantiles of
 * merging the drawn histograms, as the definition says: random
 * repetitions, empty ones, overflows, extreme quantiles.
 */
static void test_bootstrap_is_merging(void **state)
{
	const double q[6] = { 0.5, 0.9, 0.99, 0.999, 1.0, 0.0001 };
	struct bhb_hist *m = malloc(sizeof(*m));
	uint64_t rng = 42;

	(void)state;
	for (int t = 0; t < 200; t++) {
		int nreps = 1 + (int)(bhb_rand(&rng) % 12);
		struct bhb_hist *reps = calloc((size_t)nreps, sizeof(*reps));
		double fast[100 * 6], slow[100 * 6];
		uint64_t seed = (uint64_t)t;

		for (int r = 0; r < nreps; r++) {
			int n = (int)(bhb_rand(&rng) % 300);

			for (int i = 0; i < n; i++)
				bhb_hist_add(&reps[r], t % 7 == 0 && i % 50 == 0 ? 1ull << 40 :
					     bhb_rand(&rng) % (t % 3 ? 100000 : 1000));
		}
		assert_int_equal(bhb_bootstrap(reps, nreps, q, 6, 100, seed, fast), 0);
		for (int b = 0; b < 100; b++) {
			bhb_hist_clear(m);
			for (int r = 0; r < nreps; r++)
				bhb_hist_merge(m, &reps[bhb_rand(&seed) % (uint64_t)nreps]);
			for (int j = 0; j < 6; j++)
				slow[b * 6 + j] = bhb_hist_quantile(m, q[j]);
		}
		assert_memory_equal(fast, slow, sizeof(fast));
		free(reps);
	}
	free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_index_bounds),
		cmocka_unit_test(test_quantiles_oracle),
		cmocka_unit_test(test_overflow),
		cmocka_unit_test(test_merge_and_empty),
		cmocka_unit_test(test_bootstrap),
		cmocka_unit_test(test_bootstrap_is_merging),
	};

	return cmocka_run_group_tests_name("histogram", tests, NULL, NULL);
}
