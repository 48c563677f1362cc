// SPDX-License-Identifier: GPL-2.0
#include "stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void bhb_hist_clear(struct bhb_hist *h)
{
	memset(h, 0, sizeof(*h));
}

void bhb_hist_add(struct bhb_hist *h, uint64_t v)
{
	h->c[bhb_hist_index(v)]++;
	h->n++;
}

void bhb_hist_merge(struct bhb_hist *dst, const struct bhb_hist *src)
{
	for (unsigned int i = 0; i < BHB_HIST_NBUCKETS; i++)
		dst->c[i] += src->c[i];
	dst->n += src->n;
}

void bhb_hist_recount(struct bhb_hist *h)
{
	h->n = 0;
	for (unsigned int i = 0; i < BHB_HIST_NBUCKETS; i++)
		h->n += h->c[i];
}

static double bucket_mid(unsigned int i)
{
	if (i >= BHB_HIST_OVERFLOW)
		return BHB_HIST_INF;
	return (double)bhb_hist_lower(i) + (double)(bhb_hist_width(i) - 1) / 2.0;
}

double bhb_hist_quantile(const struct bhb_hist *h, double q)
{
	uint64_t rank, seen = 0;

	if (!h->n)
		return 0;
	if (q <= 0)
		q = 1e-12;
	if (q > 1)
		q = 1;
	rank = (uint64_t)ceil(q * (double)h->n - 1e-9);
	if (rank < 1)
		rank = 1;
	for (unsigned int i = 0; i < BHB_HIST_NBUCKETS; i++) {
		seen += h->c[i];
		if (seen >= rank)
			return bucket_mid(i);
	}
	return BHB_HIST_INF;
}

double bhb_hist_rel_error(void)
{
	return 1.0 / (2.0 * BHB_HIST_SUB);
}

double bhb_hist_max(const struct bhb_hist *h)
{
	for (int i = BHB_HIST_NBUCKETS - 1; i >= 0; i--)
		if (h->c[i])
			return bucket_mid((unsigned int)i);
	return 0;
}

uint64_t bhb_rand(uint64_t *s)
{
	uint64_t z = (*s += 0x9E3779B97F4A7C15ull);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

/* rank of quantile q among n, as bhb_hist_quantile() takes it */
static uint64_t quantile_rank(uint64_t n, double q)
{
	uint64_t rank;

	if (q <= 0)
		q = 1e-12;
	if (q > 1)
		q = 1;
	rank = (uint64_t)ceil(q * (double)n - 1e-9);
	return rank < 1 ? 1 : rank;
}

/*
 * A resample is a multiplicity per repetition.  Over the buckets some
 * repetition uses (tens of the 1985), each repetition's cumulative counts
 * are kept, so the resample's count up to a bucket is a sum over the
 * repetitions drawn and a quantile is a binary search: cheap enough for
 * BHB_BOOT_N resamples, and the same values as merging the histograms.
 */
int bhb_bootstrap(const struct bhb_hist *reps, int nreps, const double *qs, int nq,
		  int B, uint64_t seed, double *out)
{
	unsigned int *idx, d = 0;
	uint64_t *cum;
	int *mult;

	if (nreps <= 0 || B <= 0)
		return -1;
	idx = malloc(BHB_HIST_NBUCKETS * sizeof(*idx));
	for (unsigned int i = 0; idx && i < BHB_HIST_NBUCKETS; i++)
		for (int r = 0; r < nreps; r++)
			if (reps[r].c[i]) {
				idx[d++] = i;
				break;
			}
	cum = malloc(((size_t)nreps * d + 1) * sizeof(*cum));
	mult = malloc((size_t)nreps * sizeof(*mult));
	if (!idx || !cum || !mult) {
		free(idx);
		free(cum);
		free(mult);
		return -1;
	}
	for (int r = 0; r < nreps; r++)
		for (uint64_t i = 0, c = 0; i < d; i++)
			cum[(size_t)r * d + i] = c += reps[r].c[idx[i]];
	for (int b = 0; b < B; b++) {
		uint64_t n = 0;

		memset(mult, 0, (size_t)nreps * sizeof(*mult));
		for (int r = 0; r < nreps; r++) {
			int pick = (int)(bhb_rand(&seed) % (uint64_t)nreps);

			mult[pick]++;
			n += reps[pick].n;
		}
		for (int j = 0; j < nq; j++) {
			uint64_t rank = quantile_rank(n, qs[j]);
			unsigned int lo = 0, hi = d;	/* the first bucket reaching rank is in [lo, hi] */

			while (lo < hi) {
				unsigned int mid = lo + (hi - lo) / 2;
				uint64_t seen = 0;

				for (int r = 0; r < nreps; r++)
					seen += mult[r] ? (uint64_t)mult[r] * cum[(size_t)r * d + mid] : 0;
				if (seen >= rank)
					hi = mid;
				else
					lo = mid + 1;
			}
			out[b * nq + j] = !n ? 0 : lo < d ? bucket_mid(idx[lo]) : BHB_HIST_INF;
		}
	}
	free(idx);
	free(cum);
	free(mult);
	return 0;
}

int bhb_boot_ci(bhb_boot_stat stat, void *user, uint64_t seed, double *draws, double *lo, double *hi)
{
	double *v = draws ? draws : malloc(BHB_BOOT_N * sizeof(*v));

	*lo = *hi = NAN;
	if (!v)
		return -1;
	for (int b = 0; b < BHB_BOOT_N; b++)
		v[b] = stat(user, &seed);
	bhb_interval(v, BHB_BOOT_N, 1, 0.95, lo, hi);
	if (v != draws)
		free(v);
	return 0;
}

struct median_draw {
	const double *v;
	double *buf;
	int n;
};

static double median_of_draw(void *user, uint64_t *rng)
{
	struct median_draw *m = user;

	for (int i = 0; i < m->n; i++)
		m->buf[i] = m->v[bhb_rand(rng) % (uint64_t)m->n];
	return bhb_median(m->buf, m->n);
}

int bhb_boot_median(const double *v, int n, uint64_t seed, double *med, double *lo, double *hi)
{
	struct median_draw m = { .v = v, .n = n };
	int ret;

	*med = *lo = *hi = NAN;
	if (n < 1 || !(m.buf = malloc((size_t)n * sizeof(*m.buf))))
		return -1;
	ret = bhb_boot_ci(median_of_draw, &m, seed, NULL, lo, hi);
	*med = bhb_median(v, n);
	free(m.buf);
	return ret;
}

int bhb_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* bootstrap draws and medians: BHB_HIST_INF (negative) sorts above every finite value */
static int cmp_quantile(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	/* BHB_HIST_INF (negative) sorts above every finite value */
	if (x < 0)
		x = INFINITY;
	if (y < 0)
		y = INFINITY;
	return (x > y) - (x < y);
}

void bhb_interval(const double *samples, int B, int stride, double level, double *lo, double *hi)
{
	double *v = malloc((size_t)B * sizeof(*v));
	int ilo, ihi;

	if (!v || B <= 0) {
		*lo = *hi = NAN;
		free(v);
		return;
	}
	for (int b = 0; b < B; b++)
		v[b] = samples[(size_t)b * stride];
	qsort(v, (size_t)B, sizeof(*v), cmp_quantile);
	ilo = (int)floor((1 - level) / 2 * (B - 1) + 0.5);
	ihi = (int)floor((1 + level) / 2 * (B - 1) + 0.5);
	*lo = v[ilo];
	*hi = v[ihi];
	free(v);
}

double bhb_median(const double *v, int n)
{
	double *c, r;

	if (n <= 0)
		return NAN;
	c = malloc((size_t)n * sizeof(*c));
	if (!c)
		return NAN;
	memcpy(c, v, (size_t)n * sizeof(*c));
	qsort(c, (size_t)n, sizeof(*c), cmp_quantile);
	r = n % 2 ? c[n / 2] : (c[n / 2 - 1] + c[n / 2]) / 2;
	free(c);
	return r;
}

struct ranked {
	double v;
	int from_a;
};

static int cmp_ranked(const void *x, const void *y)
{
	double a = ((const struct ranked *)x)->v, b = ((const struct ranked *)y)->v;

	return (a > b) - (a < b);
}

double bhb_mann_whitney(const double *a, int n, const double *b, int m, double *u)
{
	struct ranked *r;
	double ra = 0, tie = 0, N = n + m, mu, sigma, z, U;

	if (u)
		*u = NAN;
	if (n <= 0 || m <= 0)
		return 1.0;
	r = malloc((size_t)(n + m) * sizeof(*r));
	if (!r)
		return 1.0;
	for (int i = 0; i < n; i++)
		r[i] = (struct ranked){ a[i], 1 };
	for (int j = 0; j < m; j++)
		r[n + j] = (struct ranked){ b[j], 0 };
	qsort(r, (size_t)(n + m), sizeof(*r), cmp_ranked);
	for (int i = 0; i < n + m;) {
		int j = i;

		while (j < n + m && r[j].v == r[i].v)
			j++;
		/* ranks i+1 .. j share their mean */
		for (int k = i; k < j; k++)
			if (r[k].from_a)
				ra += (double)(i + 1 + j) / 2.0;
		tie += pow(j - i, 3) - (j - i);
		i = j;
	}
	free(r);
	U = ra - (double)n * (n + 1) / 2.0;
	if (u)
		*u = U;
	mu = (double)n * m / 2.0;
	sigma = sqrt((double)n * m / 12.0 * ((N + 1) - tie / (N * (N - 1))));
	if (sigma <= 0)
		return 1.0;
	z = (fabs(U - mu) - 0.5) / sigma;
	if (z < 0)
		z = 0;
	return fmin(1.0, erfc(z / sqrt(2.0)));
}

struct pk {
	double p;
	int i;
};

static int cmp_pk(const void *a, const void *b)
{
	const struct pk *x = a, *y = b;

	return (x->p > y->p) - (x->p < y->p);
}

/* the p-values with their indices, ascending; NULL if out of memory */
/* the finite p-values in ascending order (*n of them); NaN marks an untested row */
static struct pk *p_ascending(const double *p, int k, int *n)
{
	struct pk *o = malloc((size_t)(k > 0 ? k : 1) * sizeof(*o));

	*n = 0;
	if (!o)
		return NULL;
	for (int i = 0; i < k; i++)
		if (!isnan(p[i]))
			o[(*n)++] = (struct pk){ p[i], i };
	qsort(o, (size_t)*n, sizeof(*o), cmp_pk);
	return o;
}

void bhb_holm(double *p, int k)
{
	int n;
	struct pk *o = p_ascending(p, k, &n);
	double run = 0;

	if (!o)
		return;
	for (int i = 0; i < n; i++) {
		run = fmax(run, fmin(1.0, o[i].p * (n - i)));	/* monotone */
		p[o[i].i] = run;
	}
	free(o);
}

void bhb_bh(double *p, int k)
{
	int n;
	struct pk *o = p_ascending(p, k, &n);
	double run = 1.0;

	if (!o)
		return;
	/* from the largest p down: adj_i = min(adj_{i+1}, p_i * n / rank) */
	for (int i = n - 1; i >= 0; i--) {
		run = fmin(run, o[i].p * n / (i + 1));
		p[o[i].i] = fmin(1.0, run);
	}
	free(o);
}

/*
 * Special functions for the moderated t-test: digamma and trigamma by
 * recurrence to x >= 6 and their asymptotic series (error < 1e-10 there),
 * the regularized incomplete beta by Lentz's continued fraction.
 */
double bhb_digamma(double x)
{
	double r = 0, f;

	if (!(x > 0))
		return NAN;
	while (x < 6)
		r -= 1 / x, x += 1;
	f = 1 / (x * x);
	return r + log(x) - 0.5 / x - f * (1.0 / 12 - f * (1.0 / 120 - f * (1.0 / 252 - f / 240)));
}

double bhb_trigamma(double x)
{
	double r = 0, f;

	if (!(x > 0))
		return NAN;
	while (x < 6)
		r += 1 / (x * x), x += 1;
	f = 1 / (x * x);
	return r + 1 / x + f / 2 + f / x * (1.0 / 6 - f * (1.0 / 30 - f * (1.0 / 42 - f / 30)));
}

/* y with trigamma(y) = v (v > 0): trigamma is decreasing, so bisect in log y */
static double trigamma_inverse(double v)
{
	double lo = log(1e-8), hi = log(1e8);

	for (int i = 0; i < 200; i++) {
		double mid = (lo + hi) / 2;

		if (bhb_trigamma(exp(mid)) > v)
			lo = mid;
		else
			hi = mid;
	}
	return exp((lo + hi) / 2);
}

static double beta_cf(double a, double b, double x)
{
	const double tiny = 1e-300;
	double c = 1, d = 1 - (a + b) * x / (a + 1), h;

	if (fabs(d) < tiny)
		d = tiny;
	d = 1 / d;
	h = d;
	for (int m = 1; m <= 1000; m++) {
		double m2 = 2.0 * m, aa = m * (b - m) * x / ((a + m2 - 1) * (a + m2)), del;

		d = 1 + aa * d;
		d = fabs(d) < tiny ? tiny : d;
		c = 1 + aa / c;
		c = fabs(c) < tiny ? tiny : c;
		d = 1 / d;
		h *= d * c;
		aa = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1));
		d = 1 + aa * d;
		d = fabs(d) < tiny ? tiny : d;
		c = 1 + aa / c;
		c = fabs(c) < tiny ? tiny : c;
		d = 1 / d;
		del = d * c;
		h *= del;
		if (fabs(del - 1) < 1e-15)
			break;
	}
	return h;
}

/* regularized incomplete beta I_x(a, b) */
static double ibeta(double a, double b, double x)
{
	double lb;

	if (x <= 0)
		return 0;
	if (x >= 1)
		return 1;
	lb = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x);
	if (x < (a + 1) / (a + b + 2))
		return exp(lb) * beta_cf(a, b, x) / a;
	return 1 - exp(lb) * beta_cf(b, a, 1 - x) / b;
}

double bhb_t_p2(double t, double df)
{
	if (isnan(t) || !(df > 0))
		return NAN;
	if (isinf(t))
		return 0;
	if (df > 1e7)		/* normal */
		return erfc(fabs(t) / sqrt(2));
	return ibeta(df / 2, 0.5, df / (df + t * t));
}

double bhb_t_quantile(double level, double df)
{
	double lo = 0, hi = 1e4;

	if (!(level > 0 && level < 1) || !(df > 0))
		return NAN;
	for (int i = 0; i < 200; i++) {
		double mid = (lo + hi) / 2;

		if (bhb_t_p2(mid, df) > 1 - level)
			lo = mid;
		else
			hi = mid;
	}
	return (lo + hi) / 2;
}

void bhb_fit_prior(const double *s2, const double *df, int n, double *d0, double *s02)
{
	double em = 0, ev = 0, tri = 0;
	int k = 0;

	*d0 = 0;
	*s02 = NAN;
	for (int i = 0; i < n; i++)
		if (df[i] > 0 && s2[i] > 0) {
			em += log(s2[i]) - bhb_digamma(df[i] / 2) + log(df[i] / 2);
			tri += bhb_trigamma(df[i] / 2);
			k++;
		}
	if (k < 3)
		return;		/* too few rows to learn from: no prior */
	em /= k;
	tri /= k;
	for (int i = 0; i < n; i++)
		if (df[i] > 0 && s2[i] > 0) {
			double e = log(s2[i]) - bhb_digamma(df[i] / 2) + log(df[i] / 2) - em;

			ev += e * e;
		}
	ev = ev / (k - 1) - tri;
	if (ev > 0) {
		*d0 = 2 * trigamma_inverse(ev);
		*s02 = exp(em + bhb_digamma(*d0 / 2) - log(*d0 / 2));
	} else {
		*d0 = INFINITY;
		*s02 = exp(em);
	}
}
