// SPDX-License-Identifier: GPL-2.0
/*
 * bhbench merge: several boots of the same kernel, scenario, accelerator and
 * vCPU count -> one results.json.  Under emulation the distribution of a
 * mechanism can differ from boot to boot (even be bimodal between boots),
 * so a merged result keeps the two spreads apart: within a boot (between
 * repetitions) and between boots (between the boots' medians), and says
 * when the boots disagree.  Its intervals come from a hierarchical
 * bootstrap: draw boots with replacement, then repetitions within each
 * drawn boot, take the median of what was drawn.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../common/stats.h"
#include "bhbench.h"
#include "rs.h"

#define MAXB	BHB_MERGE_MAX	/* boots */
#define MAXR	1024		/* repetitions per boot */

struct sample {
	int nb;
	int n[MAXB];
	double v[MAXB][MAXR];
	double *row[MAXB];	/* row[b] = v[b], for bhb_hier_median() */
};

/* what a resample draws from: the boots' values, and room for one draw */
struct hier {
	const struct sample *s, *base;	/* base: a ratio's denominator, drawn from the same boots */
	double *buf, *buf2;
};

/* one hierarchical resample (boots, then repetitions within them): the median of the drawn values */
static double hier_draw(void *user, uint64_t *rng)
{
	struct hier *h = user;

	return bhb_hier_median(h->s->nb, h->s->n, h->s->row, rng, h->buf);
}

static double pooled_median(const struct sample *s, double *buf)
{
	int k = 0;

	for (int i = 0; i < s->nb; i++)
		for (int j = 0; j < s->n[i]; j++)
			buf[k++] = s->v[i][j];
	return bhb_median(buf, k);
}

/* per_repetition metric of one benchmark of every boot */
static int collect(json_t *const *runs, int nruns, const char *label, const char *mech, const char *metric,
		   struct sample *s)
{
	s->nb = nruns;
	for (int r = 0; r < nruns; r++) {
		json_t *b = bhb_res_bench(runs[r], label, mech);

		s->row[r] = s->v[r];
		s->n[r] = b ? bhb_res_reps(b, metric, s->v[r], MAXR) : 0;
		if (s->n[r] < 1)
			return -1;
	}
	return 0;
}

static json_t *ci(double v, double lo, double hi)
{
	return json_pack("{s:f,s:[f,f]}", "value", v, "ci95", lo, hi);
}

/* one metric: pooled median, hierarchical CI, per-boot medians and CIs, the spreads */
static json_t *metric_json(const struct sample *s, uint64_t seed, double *buf, double *draws,
			   json_t **value, int *disagree)
{
	double lo, hi, within[MAXB] = { 0 }, bm[MAXB] = { 0 }, blo[MAXB] = { 0 }, bhi[MAXB] = { 0 };
	json_t *boots = json_array();
	struct hier h = { .s = s, .buf = buf };

	bhb_boot_ci(hier_draw, &h, seed, draws, &lo, &hi);
	*value = ci(pooled_median(s, buf), lo, hi);
	*disagree = 0;
	for (int i = 0; i < s->nb; i++) {
		double sorted[MAXR];

		memcpy(sorted, s->v[i], (size_t)s->n[i] * sizeof(double));
		qsort(sorted, (size_t)s->n[i], sizeof(double), bhb_cmp_double);
		within[i] = sorted[(s->n[i] * 3) / 4] - sorted[s->n[i] / 4];
		bhb_boot_median(s->v[i], s->n[i], seed + 1 + (uint64_t)i, &bm[i], &blo[i], &bhi[i]);
		json_array_append_new(boots, json_pack("{s:f,s:[f,f],s:i}", "median", bm[i], "ci95", blo[i], bhi[i],
						       "repetitions", s->n[i]));
	}
	/*
	 * Boots disagree: two boots whose intervals for the median do not
	 * overlap.  With fewer than 5 repetitions a boot's interval is too
	 * coarse to say: then it is not tested (null).
	 */
	int testable = 1;

	for (int i = 0; i < s->nb; i++)
		testable &= s->n[i] >= 5;
	for (int i = 0; testable && i < s->nb; i++)
		for (int j = 0; j < s->nb; j++)
			if (blo[i] > bhi[j])
				*disagree = 1;
	double bmin = bm[0], bmax = bm[0];

	for (int i = 1; i < s->nb; i++) {
		bmin = fmin(bmin, bm[i]);
		bmax = fmax(bmax, bm[i]);
	}
	double w = bhb_median(within, s->nb);

	return json_pack("{s:o,s:f,s:f,s:o,s:o}", "boots", boots,
			 "within_boot_iqr", w, "between_boot_range", bmax - bmin,
			 "between_to_within", w > 0 ? json_real((bmax - bmin) / w) : json_null(),
			 "boots_disagree", testable ? json_boolean(*disagree) : json_null());
}

/*
 * Hierarchical bootstrap of median(x) / median(base) where both come from
 * the same boots: one draw of boots serves both (paired), then
 * repetitions within each drawn boot for each.
 */
/* one paired resample: the same boots for both, repetitions within each drawn for each */
static double paired_ratio(void *user, uint64_t *rng)
{
	struct hier *h = user;
	const struct sample *x = h->s, *base = h->base;
	int ka = 0, kb = 0;

	for (int i = 0; i < x->nb; i++) {
		int b = (int)(bhb_rand(rng) % (uint64_t)x->nb);

		for (int j = 0; j < base->n[b]; j++)
			h->buf[ka++] = base->v[b][bhb_rand(rng) % (uint64_t)base->n[b]];
		for (int j = 0; j < x->n[b]; j++)
			h->buf2[kb++] = x->v[b][bhb_rand(rng) % (uint64_t)x->n[b]];
	}
	double a = bhb_median(h->buf, ka), b = bhb_median(h->buf2, kb);

	return a > 0 ? b / a : INFINITY;
}

static json_t *ratio_json(const struct sample *base, const struct sample *x, uint64_t seed, double *buf,
			  double *draws)
{
	struct hier h = { .s = x, .base = base, .buf = buf, .buf2 = malloc(MAXB * MAXR * sizeof(double)) };
	double lo, hi, den = pooled_median(base, buf), num = pooled_median(x, buf);

	if (!(den > 0) || !h.buf2 || base->nb != x->nb) {
		free(h.buf2);
		return json_null();
	}
	bhb_boot_ci(paired_ratio, &h, seed, draws, &lo, &hi);
	free(h.buf2);
	return ci(num / den, lo, hi);
}

/* into += add, both sparse [bucket, count, ...] (malformed input leaves into as it was) */
static void sum_sparse(json_t *into, json_t *add)
{
	struct bhb_hist *h = calloc(1, sizeof(*h));
	json_t *sparse;

	if (!h || bhb_hist_add_sparse(h, into) || bhb_hist_add_sparse(h, add)) {
		free(h);
		return;
	}
	json_array_clear(into);
	json_array_extend(into, sparse = bhb_hist_sparse(h->c));
	json_decref(sparse);
	free(h);
}

/* a quantile of a sparse histogram; the overflow bucket gives null */
static json_t *sparse_quantile(json_t *a, double q)
{
	struct bhb_hist *h = calloc(1, sizeof(*h));
	double v = -1;

	if (h && !bhb_hist_add_sparse(h, a))
		v = bhb_hist_quantile(h, q);
	free(h);
	return v < 0 ? json_null() : json_pack("{s:f,s:n}", "value", v, "ci95");
}

static void sum_ints(json_t *into, json_t *add)
{
	const char *k;
	json_t *v;

	json_object_foreach(add, k, v)
		if (json_is_integer(v))
			json_object_set_new(into, k, json_integer(json_integer_value(json_object_get(into, k)) +
								  json_integer_value(v)));
}

static const char *envs(json_t *r, const char *k)
{
	json_t *v = json_object_get(json_object_get(r, "env"), k);

	return json_is_string(v) ? json_string_value(v) : "";
}

/* ---- the merge of loaded runs ---- */

/* one run against the first: 0, or 2 after saying why */
static int check_one(json_t *first, const char *first_dir, json_t *r, const char *dir)
{
	static const char *const same[] = { "kernel", "accel" };
	json_t *fe = json_object_get(first, "env"), *re = json_object_get(r, "env");

	if (json_object_get(re, "merged_from")) {
		fprintf(stderr, "bhbench merge: %s is already a merge; merge the boots themselves\n", dir);
		return 2;
	}
	for (int k = 0; k < 2; k++)
		if (strcmp(envs(first, same[k]), envs(r, same[k]))) {
			fprintf(stderr, "bhbench merge: %s: %s %s, but %s has %s: only boots of the same "
				"kernel and accelerator merge\n", dir, same[k], envs(r, same[k]), first_dir,
				envs(first, same[k]));
			return 2;
		}
	if (json_integer_value(json_object_get(fe, "vcpus")) != json_integer_value(json_object_get(re, "vcpus")) ||
	    strcmp(json_string_value(json_object_get(json_object_get(first, "scenario"), "name")) ?: "",
		   json_string_value(json_object_get(json_object_get(r, "scenario"), "name")) ?: "") ||
	    json_is_true(json_object_get(fe, "quick")) != json_is_true(json_object_get(re, "quick"))) {
		fprintf(stderr, "bhbench merge: %s differs from %s in vCPUs, scenario or --quick\n", dir, first_dir);
		return 2;
	}
	return 0;
}

int bhb_merge_check(json_t *const *runs, const char *const *dirs, int n)
{
	for (int r = 0; r < n; r++)
		if (check_one(runs[0], dirs[0], runs[r], dirs[r]))
			return 2;
	return 0;
}

/* scratch of one merge: a benchmark's samples, its tasklet's, the resampling buffers */
struct merge_ws {
	struct sample s, base;
	double buf[MAXB * MAXR], draws[BHB_BOOT_N];
};

/* counters, contexts, histograms and repetitions summed over the boots; -1 if one lacks the benchmark */
static int sum_boots(json_t *m, json_t *const *runs, int n, const char *label, const char *mech)
{
	for (int r = 1; r < n; r++) {
		json_t *o = bhb_res_bench(runs[r], label, mech);

		if (!o)
			return -1;
		sum_ints(json_object_get(m, "counters"), json_object_get(o, "counters"));
		sum_ints(json_object_get(m, "contexts"), json_object_get(o, "contexts"));
		sum_sparse(json_object_get(json_object_get(m, "histogram"), "latency"),
			   json_object_get(json_object_get(o, "histogram"), "latency"));
		sum_sparse(json_object_get(json_object_get(m, "histogram"), "queue_to_exec"),
			   json_object_get(json_object_get(o, "histogram"), "queue_to_exec"));
		json_object_set_new(m, "repetitions", json_integer(json_integer_value(json_object_get(m, "repetitions")) +
								   json_integer_value(json_object_get(o, "repetitions"))));
	}
	return 0;
}

/* every boot's repetitions, each tagged with its boot */
static json_t *boot_reps(json_t *const *runs, int n, const char *label, const char *mech)
{
	json_t *reps = json_array();

	for (int r = 0; r < n; r++) {
		json_t *o = bhb_res_bench(runs[r], label, mech), *pr;
		size_t k;

		json_array_foreach(json_object_get(o, "per_repetition"), k, pr) {
			json_t *c2 = json_deep_copy(pr);

			json_object_set_new(c2, "boot", json_integer(r));
			json_array_append_new(reps, c2);
		}
	}
	return reps;
}

/* the tail from the pooled histogram (no interval), the maximum over all boots */
static void merge_tail(json_t *m, json_t *const *runs, int n, const char *label, const char *mech)
{
	json_t *lat, *hl = json_object_get(json_object_get(m, "histogram"), "latency");
	double mx = 0;

	if (!json_is_object(json_object_get(m, "latency_ns")))
		json_object_set_new(m, "latency_ns", json_object());
	lat = json_object_get(m, "latency_ns");
	json_object_set_new(lat, "p90", sparse_quantile(hl, 0.9));
	json_object_set_new(lat, "p99.9", sparse_quantile(hl, 0.999));
	for (int r = 0; r < n; r++)
		mx = fmax(mx, json_real_value(json_object_get(json_object_get(json_object_get(
			bhb_res_bench(runs[r], label, mech), "latency_ns"), "max"), "value")));
	json_object_set_new(lat, "max", json_pack("{s:f,s:n}", "value", mx, "ci95"));
}

/*
 * p50, p99 and q2e_p50 (benchmark i of the first boot): medians over all
 * boots with hierarchical intervals into m, the spreads into spread, the
 * ratios to tasklet into rt; then items/s.  Returns 1 when the boots
 * disagree on p50 (and says so).
 */
static int merge_metrics(json_t *m, json_t *spread, json_t *rt, struct merge_ws *ws, json_t *const *runs,
			 int n, const char *label, const char *mech, size_t i)
{
	static const char *const mets[] = { "p50", "p99", "q2e_p50" };
	static const char *const where[][2] = { { "latency_ns", "p50" }, { "latency_ns", "p99" },
						{ "queue_to_exec_ns", "p50" } };
	int ret = 0;

	for (int k = 0; k < 3; k++) {
		json_t *v;
		int dis;

		if (collect(runs, n, label, mech, mets[k], &ws->s))
			continue;
		json_object_set_new(spread, mets[k], metric_json(&ws->s, 0x6d657267ull + i * 7 + (uint64_t)k,
								 ws->buf, ws->draws, &v, &dis));
		if (!json_is_object(json_object_get(m, where[k][0])))
			json_object_set_new(m, where[k][0], json_object());
		json_object_set_new(json_object_get(m, where[k][0]), where[k][1], v);
		if (dis && k == 0) {
			ret = 1;
			printf("boots disagree: %s/%s p50 (see spread.p50.boots)\n", label, mech);
		}
		if (strcmp(mech, "tasklet") && !collect(runs, n, label, "tasklet", mets[k], &ws->base) &&
		    !collect(runs, n, label, mech, mets[k], &ws->s))
			json_object_set_new(rt, mets[k], ratio_json(&ws->base, &ws->s, 0x72617469ull + i * 7 + (uint64_t)k,
								    ws->buf, ws->draws));
	}
	/* items/s: per-repetition values over all boots, hierarchical interval */
	if (!collect(runs, n, label, mech, "items_per_s", &ws->s)) {
		json_t *v;
		int dis;
		json_t *sp = metric_json(&ws->s, 0x74707574ull + i, ws->buf, ws->draws, &v, &dis);

		json_object_set_new(json_object_get(m, "throughput"), "items_per_s", v);
		json_object_del(json_object_get(m, "throughput"), "ratio_to_tasklet");
		json_object_set_new(spread, "items_per_s", sp);
	}
	return ret;
}

/* ksoftirqd: counts summed over boots; the rest of boot 0's per-run detail is dropped */
static void merge_counts(json_t *m, json_t *const *runs, int n, const char *label, const char *mech)
{
	long long nk = 0, ex = 0, errs = 0;
	double qmx = 0, lmin = 0;

	for (int r = 0; r < n; r++) {
		json_t *o = bhb_res_bench(runs[r], label, mech);
		double mn = (double)json_integer_value(json_object_get(json_object_get(o, "latency_ns"), "min"));

		nk += json_integer_value(json_object_get(json_object_get(o, "ksoftirqd"), "items"));
		ex += json_integer_value(json_object_get(json_object_get(o, "counters"), "executed"));
		errs += json_integer_value(json_object_get(o, "errors"));
		qmx = fmax(qmx, (double)json_integer_value(json_object_get(json_object_get(o, "queue_to_exec_ns"), "max")));
		lmin = r == 0 ? mn : fmin(lmin, mn);
	}
	json_object_set_new(m, "ksoftirqd", json_pack("{s:I,s:f}", "items", (json_int_t)nk,
						      "share", ex ? (double)nk / (double)ex : 0.0));
	json_object_set_new(m, "errors", json_integer(errs));
	json_object_del(m, "cpu");
	json_object_del(m, "first_error");
	json_object_del(json_object_get(m, "latency_ns"), "mean");
	json_object_set_new(json_object_get(m, "latency_ns"), "min", json_integer((json_int_t)lmin));
	json_object_set_new(json_object_get(m, "queue_to_exec_ns"), "max", json_integer((json_int_t)qmx));
	json_object_set_new(json_object_get(m, "queue_to_exec_ns"), "p99",
			    sparse_quantile(json_object_get(json_object_get(m, "histogram"), "queue_to_exec"), 0.99));
}

/* benchmark b (index i of the first boot) merged over the boots, or NULL (said) when one lacks it */
static json_t *merge_bench(json_t *b, size_t i, json_t *const *runs, int n, struct merge_ws *ws, int *ndis)
{
	const char *label = bhb_res_case(b), *mech = json_string_value(json_object_get(b, "mech"));
	json_t *m = json_deep_copy(b), *spread, *rt;

	if (sum_boots(m, runs, n, label, mech)) {
		fprintf(stderr, "bhbench merge: %s/%s is not in every run; left out\n", label, mech);
		json_decref(m);
		return NULL;
	}
	spread = json_object();
	rt = json_object();
	json_object_set_new(m, "per_repetition", boot_reps(runs, n, label, mech));
	merge_tail(m, runs, n, label, mech);
	*ndis += merge_metrics(m, spread, rt, ws, runs, n, label, mech, i);
	merge_counts(m, runs, n, label, mech);
	json_object_set_new(m, "spread", spread);
	json_object_set_new(m, "ratio_to_tasklet", rt);
	json_object_set_new(m, "estimator", json_string("median of per-repetition values over all boots; "
							"95% interval: hierarchical bootstrap (boots, then repetitions)"));
	json_object_del(m, "ratio_to_direct");
	/* ratios not recomputed above would be boot 0's */
	json_object_del(rt, "p99.9");
	json_object_del(rt, "q2e_p99");
	return m;
}

json_t *bhb_merge(json_t *const *runs, int n, const char *run_id)
{
	struct merge_ws *ws = n >= 1 && n <= MAXB ? malloc(sizeof(*ws)) : NULL;
	json_t *res, *env, *ids, *list, *b;
	int ndis = 0;
	size_t i;

	if (!ws) {
		fprintf(stderr, "bhbench merge: %s\n", n >= 1 && n <= MAXB ? "out of memory" : "too many runs");
		return NULL;
	}
	ids = json_array();
	for (int r = 0; r < n; r++)
		json_array_append_new(ids, json_string(envs(runs[r], "run_id")));
	res = json_deep_copy(runs[0]);
	env = json_object_get(res, "env");
	json_object_set_new(env, "merged_from", ids);
	json_object_set_new(env, "boots", json_integer(n));
	json_object_set_new(env, "run_id", json_string(run_id));
	json_object_del(res, "trace_check");
	/* per-boot sections that are not merged */
	json_object_del(res, "control");
	json_object_del(res, "hotplug");
	json_object_del(res, "hyperfine");
	list = json_array();
	json_array_foreach(json_object_get(runs[0], "benchmarks"), i, b) {
		json_t *m = merge_bench(b, i, runs, n, ws, &ndis);

		if (m)
			json_array_append_new(list, m);
	}
	json_object_set_new(res, "benchmarks", list);
	if (bhb_rs_merge(res, runs, n)) {
		json_decref(res);
		free(ws);
		return NULL;
	}
	json_object_set_new(res, "merge", json_pack("{s:i,s:i,s:s}", "boots", n, "disagreeing_p50", ndis,
						    "note", "latency_ns.p50/p99 and queue_to_exec_ns.p50 are medians of the "
						    "per-repetition values; p90 and p99.9 come from the pooled histogram, "
						    "max is the largest of all boots"));
	free(ws);
	return res;
}

/* ---- from run directories to a merged one ---- */

/* res into out/results.json, and the summary: 0, or 1 after saying why */
static int merge_write(const char *out, json_t *res)
{
	char path[PATH_MAX + 32];

	snprintf(path, sizeof(path), "%s/results.json", out);
	if (bhb_mkdirs(out) || bhb_json_write_atomic(path, res)) {
		fprintf(stderr, "bhbench merge: cannot write %s\n", path);
		return 1;
	}
	if (bhb_rs_of(res))
		printf("merged %d boots: %s, %zu fio runs in %zu groups (load x mode)\nresults: %s\n",
		       (int)json_integer_value(json_object_get(json_object_get(res, "merge"), "boots")),
		       bhb_rs_of(res)->kind, json_array_size(json_object_get(json_object_get(res, bhb_rs_of(res)->key),
										"runs")),
		       json_array_size(json_object_get(json_object_get(res, bhb_rs_of(res)->key), "groups")), out);
	else
		printf("merged %d boots: %zu benchmarks, %d whose boots disagree on p50\nresults: %s\n",
		       (int)json_integer_value(json_object_get(json_object_get(res, "merge"), "boots")),
		       json_array_size(json_object_get(res, "benchmarks")),
		       (int)json_integer_value(json_object_get(json_object_get(res, "merge"), "disagreeing_p50")), out);
	return 0;
}

int bhb_merge_dirs(const char *out, const char *const *dirs, int n)
{
	char dflt[PATH_MAX], err[512];
	json_t *runs[MAXB], *res;
	int k = 0, ret = 0;

	if (n < 2 || n > MAXB) {
		fprintf(stderr, "bhbench merge: give 2 to %d run directories (see --help)\n", MAXB);
		return 2;
	}
	/* each run checked as it is loaded: the first that does not fit is the one named */
	while (!ret && k < n) {
		runs[k] = bhb_res_load(dirs[k], err, sizeof(err));
		if (!runs[k]) {
			fprintf(stderr, "bhbench merge: %s\n", err);
			ret = 2;
		} else {
			ret = bhb_merge_check(runs, dirs, ++k);
		}
	}
	if (!ret && (!out || !out[0])) {
		char date[32];
		time_t now = time(NULL);

		strftime(date, sizeof(date), "%Y%m%d-%H%M%S", localtime(&now));
		snprintf(dflt, sizeof(dflt), "%s/results/%s-merged-%s-x%d", bhb_root(), date,
			 json_string_value(json_object_get(json_object_get(runs[0], "scenario"), "name")) ?: "run", n);
		out = dflt;
	}
	if (!ret) {
		res = bhb_merge(runs, n, strrchr(out, '/') ? strrchr(out, '/') + 1 : out);
		ret = res ? merge_write(out, res) : 1;
		json_decref(res);
	}
	for (int r = 0; r < k; r++)
		json_decref(runs[r]);
	return ret;
}

int cmd_merge(int argc, char **argv)
{
	static const struct option lo[] = { { "out", required_argument, NULL, 'o' },
					    { "help", no_argument, NULL, 'h' }, { 0 } };
	char out[PATH_MAX] = "";
	int c;

	optind = 0;	/* glibc: a full reset, as every command does */
	while ((c = getopt_long(argc, argv, "o:h", lo, NULL)) != -1) {
		if (c == 'o') {
			snprintf(out, sizeof(out), "%s", optarg);
		} else {
			fprintf(c == 'h' ? stdout : stderr,
				"usage: bhbench merge [--out DIR] RUN_DIR RUN_DIR [...]\n"
				"Merges boots of the same kernel, scenario, accelerator and vCPU count into one\n"
				"results.json: medians over all repetitions with a hierarchical bootstrap\n"
				"interval (boots, then repetitions), each boot's median, the within-boot and\n"
				"between-boot spreads, and whether the boots disagree.  compare, report and\n"
				"trend read the merged directory like any run.\n");
			return c == 'h' ? 0 : 2;
		}
	}
	return bhb_merge_dirs(out, (const char *const *)argv + optind, argc - optind);
}
