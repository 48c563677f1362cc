// SPDX-License-Identifier: GPL-2.0
/* Reading results.json: what compare and report share. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/stats.h"
#include "bhbench.h"

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

int bhb_ratio_boot(const double *a, int n, const double *b, int m, uint64_t seed,
		   double *ratio, double *lo, double *hi)
{
	enum { B = 2000 };
	double *r = malloc(B * sizeof(*r)), *x = malloc((size_t)n * sizeof(*x)), *y = malloc((size_t)m * sizeof(*y));
	int ret = -1;

	*ratio = *lo = *hi = NAN;
	if (r && x && y && n > 0 && m > 0) {
		for (int k = 0; k < B; k++) {
			for (int i = 0; i < n; i++)
				x[i] = a[bhb_rand(&seed) % (uint64_t)n];
			for (int j = 0; j < m; j++)
				y[j] = b[bhb_rand(&seed) % (uint64_t)m];
			r[k] = bhb_median(y, m) / bhb_median(x, n);
		}
		bhb_interval(r, B, 1, 0.95, lo, hi);
		*ratio = bhb_median(b, m) / bhb_median(a, n);
		ret = 0;
	}
	free(r);
	free(x);
	free(y);
	return ret;
}
