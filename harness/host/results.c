// SPDX-License-Identifier: GPL-2.0
/* Reading results.json: what compare and report share. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/names.h"
#include "../common/histjson.h"
#include "../common/stats.h"
#include "bhbench.h"
#include "rs.h"

json_t *bhb_res_load(const char *dir, char *err, size_t len)
{
	char path[4096];
	json_error_t je;
	json_t *r;

	snprintf(path, sizeof(path), "%s/results.json", dir);
	r = json_load_file(path, 0, &je);
	if (!r) {
		snprintf(err, len, "cannot read %s: %s", path, je.text);
		return NULL;
	}
	if (strcmp(json_string_value(json_object_get(r, "status")) ?: "", "ok")) {
		snprintf(err, len, "%s is a failed run", dir);
		json_decref(r);
		return NULL;
	}
	bhb_rs_upgrade(r);
	return r;
}

const char *bhb_res_case(json_t *b)
{
	const char *c = json_string_value(json_object_get(b, "case"));

	return c ? c : json_string_value(json_object_get(b, "producer"));
}

int bhb_res_cases(json_t *res, const char **out, int cap)
{
	json_t *b;
	size_t i;
	int n = 0;

	json_array_foreach(json_object_get(res, "benchmarks"), i, b) {
		const char *c = bhb_res_case(b);
		int k;

		for (k = 0; k < n && strcmp(out[k], c); k++)
			;
		if (k == n && n < cap)
			out[n++] = c;
	}
	return n;
}

json_t *bhb_res_bench(json_t *res, const char *label, const char *mech)
{
	size_t ll = strlen(label);
	json_t *b;
	size_t i;

	json_array_foreach(json_object_get(res, "benchmarks"), i, b)
		if (!strcmp(bhb_res_case(b), label) && !strcmp(json_string_value(json_object_get(b, "mech")), mech))
			return b;
	/* "hardirq" also finds a suite's "producers/hardirq" */
	json_array_foreach(json_object_get(res, "benchmarks"), i, b) {
		const char *c = bhb_res_case(b);
		size_t cl = strlen(c);

		if (cl > ll + 1 && c[cl - ll - 1] == '/' && !strcmp(c + cl - ll, label) &&
		    !strncmp(c, "producers/", 10) && !strcmp(json_string_value(json_object_get(b, "mech")), mech))
			return b;
	}
	return NULL;
}

int bhb_res_reps(json_t *b, const char *metric, double *out, int cap)
{
	json_t *r;
	size_t i;
	int n = 0;

	json_array_foreach(json_object_get(b, "per_repetition"), i, r)
		if (json_is_number(json_object_get(r, metric)) && n < cap)
			out[n++] = json_number_value(json_object_get(r, metric));
	return n;
}

struct two_samples {
	const double *a, *b;
	int n, m;
	double *x, *y;
};

/* both samples redrawn: median(b) / median(a) */
static double ratio_of_medians(void *user, uint64_t *rng)
{
	struct two_samples *t = user;

	for (int i = 0; i < t->n; i++)
		t->x[i] = t->a[bhb_rand(rng) % (uint64_t)t->n];
	for (int j = 0; j < t->m; j++)
		t->y[j] = t->b[bhb_rand(rng) % (uint64_t)t->m];
	return bhb_median(t->y, t->m) / bhb_median(t->x, t->n);
}

int bhb_ratio_boot(const double *a, int n, const double *b, int m, uint64_t seed,
		   double *ratio, double *lo, double *hi)
{
	struct two_samples t = { .a = a, .b = b, .n = n, .m = m };
	int ret = -1;

	*ratio = *lo = *hi = NAN;
	if (n > 0 && m > 0) {
		t.x = malloc((size_t)n * sizeof(*t.x));
		t.y = malloc((size_t)m * sizeof(*t.y));
		if (t.x && t.y && !bhb_boot_ci(ratio_of_medians, &t, seed, NULL, lo, hi)) {
			*ratio = bhb_median(b, m) / bhb_median(a, n);
			ret = 0;
		}
	}
	free(t.x);
	free(t.y);
	return ret;
}

#define MAXREPS 1024	/* repetitions per boot */

/* per-repetition values of a metric grouped by the boot they came from */
struct boots {
	int nb, n[64];
	double *v[64];
};

static int group_boots(json_t *b, const char *metric, struct boots *g)
{
	json_t *r;
	size_t i;

	memset(g, 0, sizeof(*g));
	json_array_foreach(json_object_get(b, "per_repetition"), i, r) {
		json_t *v = json_object_get(r, metric);
		int k = (int)json_integer_value(json_object_get(r, "boot"));

		if (!json_is_number(v) || k < 0 || k >= 64)
			continue;
		if (!g->v[k] && !(g->v[k] = calloc(MAXREPS, sizeof(double))))
			return -1;
		if (g->n[k] < MAXREPS)
			g->v[k][g->n[k]++] = json_number_value(v);
		if (k + 1 > g->nb)
			g->nb = k + 1;
	}
	/* boots without values (not expected) are dropped */
	int w = 0;

	for (int k = 0; k < g->nb; k++) {
		if (!g->n[k]) {
			free(g->v[k]);
			continue;
		}
		g->v[w] = g->v[k];
		g->n[w++] = g->n[k];
	}
	g->nb = w;
	return w ? 0 : -1;
}

static void free_boots(struct boots *g)
{
	for (int k = 0; k < 64; k++)
		if (k < g->nb)
			free(g->v[k]);
}

double bhb_hier_median(int nb, const int *n, double *const *v, uint64_t *rng, double *buf)
{
	int k = 0;

	for (int i = 0; i < nb; i++) {
		int b = (int)(bhb_rand(rng) % (uint64_t)nb);

		for (int j = 0; j < n[b]; j++)
			buf[k++] = v[b][bhb_rand(rng) % (uint64_t)n[b]];
	}
	return bhb_median(buf, k);
}

static double hier_median(const struct boots *g, uint64_t *rng, double *buf)
{
	return bhb_hier_median(g->nb, g->n, g->v, rng, buf);
}

struct one_hier {
	struct boots g;
	double *buf;
};

static double hier_one(void *user, uint64_t *rng)
{
	struct one_hier *t = user;

	return hier_median(&t->g, rng, t->buf);
}

int bhb_hier_ci(json_t *b, const char *metric, uint64_t seed, double *med, double *lo, double *hi)
{
	struct one_hier t = { .buf = malloc(64 * MAXREPS * sizeof(double)) };
	double *all = malloc(64 * MAXREPS * sizeof(*all));
	int ret = -1;

	*med = *lo = *hi = NAN;
	if (t.buf && all && !group_boots(b, metric, &t.g)) {
		int n = 0;

		for (int k = 0; k < t.g.nb; k++)
			for (int i = 0; i < t.g.n[k]; i++)
				all[n++] = t.g.v[k][i];
		*med = bhb_median(all, n);
		ret = bhb_boot_ci(hier_one, &t, seed, NULL, lo, hi);
		free_boots(&t.g);
	}
	free(t.buf);
	free(all);
	return ret;
}

int bhb_res_boots(json_t *res)
{
	json_int_t n = json_integer_value(json_object_get(json_object_get(res, "env"), "boots"));

	return n > 1 ? (int)n : 1;
}

struct two_hier {
	struct boots ga, gb;
	double *buf;
};

/* boots, then repetitions within them, redrawn on both sides: the ratio of the medians */
static double hier_ratio(void *user, uint64_t *rng)
{
	struct two_hier *t = user;
	double x = hier_median(&t->ga, rng, t->buf), y = hier_median(&t->gb, rng, t->buf);

	return x > 0 ? y / x : INFINITY;
}

int bhb_ratio_hier(json_t *a, json_t *b, const char *metric, uint64_t seed, double *ratio, double *lo,
		   double *hi, double *p)
{
	struct two_hier t;
	double *r = malloc(BHB_BOOT_N * sizeof(*r)), *all = malloc(64 * 1024 * sizeof(*all));
	double *bll = malloc(64 * 1024 * sizeof(*bll)), below = 0, above = 0;
	int ret = -1, na, nb;

	*ratio = *lo = *hi = *p = NAN;
	t.buf = malloc(64 * 1024 * sizeof(*t.buf));
	if (r && t.buf && all && bll && !group_boots(a, metric, &t.ga)) {
		if (!group_boots(b, metric, &t.gb)) {
			bhb_boot_ci(hier_ratio, &t, seed, r, lo, hi);
			/* a draw exactly at 1 (bucket midpoints tie often) counts half to each side */
			for (int k = 0; k < BHB_BOOT_N; k++) {
				below += r[k] < 1 ? 1 : r[k] == 1 ? 0.5 : 0;
				above += r[k] > 1 ? 1 : r[k] == 1 ? 0.5 : 0;
			}
			na = bhb_res_reps(a, metric, all, 64 * 1024);
			nb = bhb_res_reps(b, metric, bll, 64 * 1024);
			*ratio = bhb_median(bll, nb) / bhb_median(all, na);
			/* two-sided bootstrap p-value of "no change" (ratio 1), at least 1 / BHB_BOOT_N */
			*p = fmin(1.0, 2.0 * fmax(fmin(below, above), 1.0) / BHB_BOOT_N);
			ret = 0;
			free_boots(&t.gb);
		}
		free_boots(&t.ga);
	}
	free(r);
	free(t.buf);
	free(all);
	free(bll);
	return ret;
}

void bhb_run_label(json_t *res, char *out, size_t len)
{
	json_t *env = json_object_get(res, "env");
	const char *cmdline = json_string_value(json_object_get(env, "kernel_cmdline")) ?: "";

	snprintf(out, len, "%s%s%s%s%s", json_string_value(json_object_get(env, "kernel")) ?: "?",
		 strstr(cmdline, "preempt=full") ? "+full" : "", strstr(cmdline, "preempt=none") ? "+none" : "",
		 strstr(cmdline, "preempt=voluntary") ? "+vol" : "", strstr(cmdline, "threadirqs") ? "+thr" : "");
}

void bhb_trend_header(FILE *f)
{
	fprintf(f, "# kernel");
	for (int m = 0; m < BHB_NR_MECHS; m++)
		fprintf(f, " %s %s_lo %s_hi", bhb_mech_names[m], bhb_mech_names[m], bhb_mech_names[m]);
	fprintf(f, "\n");
}

void bhb_trend_row(FILE *f, json_t *res, const char *label, const char *metric)
{
	char run[160];

	bhb_run_label(res, run, sizeof(run));
	fprintf(f, "%s", run);
	for (int m = 0; m < BHB_NR_MECHS; m++) {
		json_t *b = bhb_res_bench(res, label, bhb_mech_names[m]);
		json_t *v = b ? json_object_get(json_object_get(b, "latency_ns"), metric) : NULL;
		json_t *ci = json_object_get(v, "ci95");

		if (json_is_object(v) && json_array_size(ci) == 2)
			fprintf(f, " %.3f %.3f %.3f", json_number_value(json_object_get(v, "value")) / 1e3,
				json_number_value(json_array_get(ci, 0)) / 1e3, json_number_value(json_array_get(ci, 1)) / 1e3);
		else
			fprintf(f, " NaN NaN NaN");
	}
	fprintf(f, "\n");
}
