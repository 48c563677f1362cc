// SPDX-License-Identifier: GPL-2.0
/*
 * What the real-subsystem kinds share on the host (host/dmverity.c,
 * host/usbstorage.c): their frames (agent/fio.c's runs) -> results.json
 * KEY: the setup, every fio run, one group per load and mode (medians over
 * repetitions with bootstrap intervals), the ratio of each mode's
 * throughput to the first mode's, a check frame; the checks that fail the
 * run; the table of the summary.
 *
 * A run's checks: fio ran and reported no error; its bytes equal the
 * device's sectors read (the block layer's counters, read by the agent
 * around the run), and its reads the device's (a bio-based device) or at
 * most them (a request-based one splits); where the kprobe counted, it saw
 * at least as many events as the kind asks per read.
 */
#define _GNU_SOURCE
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/scenario.h"
#include "../common/stats.h"
#include "bhbench.h"
#include "kind.h"
#include "rs.h"

struct rs_state {
	json_t *setup, *runs, *check;
};

void *bhb_rs_begin(void)
{
	struct rs_state *st = calloc(1, sizeof(*st));

	if (st)
		st->runs = json_array();
	return st;
}

void bhb_rs_take(const struct bhb_rs_desc *k, void *p, const struct bhb_frame *f, json_t *j)
{
	struct rs_state *st = p;

	if (!strcmp(f->type, k->setup)) {
		json_decref(st->setup);
		st->setup = j;
	} else if (k->check && !strcmp(f->type, k->check)) {
		json_decref(st->check);
		st->check = j;
	} else {
		json_array_append_new(st->runs, j);
	}
}

/* a number of a run: fio's (read.*), the accounting's, or derived */
static double run_value(json_t *r, const char *metric)
{
	json_t *rd = json_object_get(json_object_get(r, "fio"), "read");
	json_t *pct = json_object_get(json_object_get(rd, "clat_ns"), "percentile");
	double ios = (double)bhb_jint(json_object_get(r, "stat"), "acct_reads");

	if (!strcmp(metric, "mib_s"))
		return (double)bhb_jint(rd, "bw_bytes") / (1024.0 * 1024.0);
	if (!strcmp(metric, "iops"))
		return json_number_value(json_object_get(rd, "iops"));
	if (!strcmp(metric, "p50_us"))
		return json_number_value(json_object_get(pct, "50.000000")) / 1e3;
	if (!strcmp(metric, "p99_us"))
		return json_number_value(json_object_get(pct, "99.000000")) / 1e3;
	if (!strcmp(metric, "p999_us"))
		return json_number_value(json_object_get(pct, "99.900000")) / 1e3;
	if (ios <= 0)
		return NAN;
	/* CPU time per I/O, as the kernel accounts it from fio's first read to its exit */
	if (!strcmp(metric, "busy_us_per_io"))
		return (double)bhb_jint(json_object_get(r, "acct"), "busy_ns") / ios / 1e3;
	if (!strcmp(metric, "softirq_us_per_io"))
		return (double)bhb_jint(json_object_get(r, "acct"), "softirq_ns") / ios / 1e3;
	if (!strcmp(metric, "kworker_us_per_io"))
		return (double)bhb_jint(json_object_get(r, "acct"), "kworker_ns") / ios / 1e3;
	if (!strcmp(metric, "ksoftirqd_us_per_io"))
		return (double)bhb_jint(json_object_get(r, "acct"), "ksoftirqd_ns") / ios / 1e3;
	return NAN;
}

static const char *const metrics[] = {
	"mib_s", "iops", "p50_us", "p99_us", "p999_us", "busy_us_per_io", "softirq_us_per_io",
	"kworker_us_per_io", "ksoftirqd_us_per_io",
};

/* the sound runs of one load and mode */
static int group_runs(json_t *runs, const char *load, const char *mode, json_t **out, int max)
{
	size_t i;
	json_t *r;
	int n = 0;

	json_array_foreach(runs, i, r)
		if (!strcmp(bhb_jstr(r, "load"), load) && !strcmp(bhb_jstr(r, "mode"), mode) &&
		    !json_object_get(r, "error") && n < max)
			out[n++] = r;
	return n;
}

/* where the work ran, summed over the group's runs: shares of the events */
static json_t *where_shares(json_t **rs, int n)
{
	static const char *const ctx[] = { "softirq", "ksoftirqd", "hardirq", "kworker", "task" };
	double sum[5] = { 0 }, events = 0;
	json_t *o;

	for (int i = 0; i < n; i++) {
		json_t *w = json_object_get(rs[i], "where");

		if (!json_object_get(w, "events"))
			return json_null();
		events += (double)bhb_jint(w, "events");
		for (int k = 0; k < 5; k++)
			sum[k] += (double)bhb_jint(w, ctx[k]);
	}
	o = json_pack("{s:f}", "events", events);
	for (int k = 0; k < 5; k++)
		json_object_set_new(o, ctx[k], json_real(events > 0 ? sum[k] / events : 0));
	return o;
}

/*
 * A run as one repetition of its group: its boot (0 unless merged), the
 * group's metrics, and what compare tests, in ns as it reads them: p50,
 * p99 (fio's completion latency) and io_time (1 s / IOPS: the time per
 * I/O, which grows as throughput falls).
 */
static json_t *run_rep(json_t *r)
{
	json_t *o = json_pack("{s:I}", "boot", (json_int_t)bhb_jint(r, "boot"));
	double iops = run_value(r, "iops");

	for (size_t m = 0; m < sizeof(metrics) / sizeof(metrics[0]); m++) {
		double x = run_value(r, metrics[m]);

		if (isfinite(x))
			json_object_set_new(o, metrics[m], json_real(x));
	}
	if (isfinite(run_value(r, "p50_us")))
		json_object_set_new(o, "p50", json_real(run_value(r, "p50_us") * 1e3));
	if (isfinite(run_value(r, "p99_us")))
		json_object_set_new(o, "p99", json_real(run_value(r, "p99_us") * 1e3));
	if (iops > 0)
		json_object_set_new(o, "io_time", json_real(1e9 / iops));
	return o;
}

#define MAX_REPS 1024	/* repetitions are at most 1000 */

/*
 * One load and mode: each metric's median over the runs with a 95%
 * interval from the bootstrap; runs of several boots (merged) resample
 * boots, then runs within them.
 */
static json_t *group_json(const struct bhb_rs_desc *k, json_t *runs, int load, const char *mode, uint64_t seed)
{
	json_t *rs[MAX_REPS], *g, *reps;
	int n = group_runs(runs, bhb_dmv_load_names[load], mode, rs, MAX_REPS), boots = 0;
	double med, lo, hi;

	if (!n)
		return NULL;
	reps = json_array();
	for (int i = 0; i < n; i++) {
		json_array_append_new(reps, run_rep(rs[i]));
		if (bhb_jint(rs[i], "boot") + 1 > boots)
			boots = (int)bhb_jint(rs[i], "boot") + 1;
	}
	g = json_pack("{s:s,s:s,s:s++,s:i,s:i}", "load", bhb_dmv_load_names[load], "mode", mode, "case", k->kind,
		      " ", bhb_dmv_load_names[load], "n", n, "boots", boots);
	json_object_set_new(g, "per_repetition", reps);
	for (size_t m = 0; m < sizeof(metrics) / sizeof(metrics[0]); m++)
		if (!bhb_hier_ci(g, metrics[m], seed + m, &med, &lo, &hi))
			json_object_set_new(g, metrics[m], json_pack("{s:f,s:f,s:f}", "median", med, "lo", lo, "hi", hi));
	json_object_set_new(g, "where", where_shares(rs, n));
	return g;
}

json_t *bhb_rs_group(json_t *d, const char *load, const char *mode)
{
	json_t *g;
	size_t i;

	json_array_foreach(json_object_get(d, "groups"), i, g)
		if (!strcmp(bhb_jstr(g, "load"), load) && !strcmp(bhb_jstr(g, "mode"), mode))
			return g;
	return NULL;
}

/*
 * Each mode's throughput over the first mode's, per load: the ratio of
 * the medians with the bootstrap's interval (boots, then runs, for merged
 * runs).
 */
static json_t *ratios_json(const struct bhb_rs_desc *k, json_t *d)
{
	json_t *out = json_array();

	for (int l = 0; l < BHB_NR_DMV_LOADS; l++) {
		json_t *a = bhb_rs_group(d, bhb_dmv_load_names[l], k->modes[0]);

		for (int m = 1; m < k->nmodes && a; m++) {
			json_t *b = bhb_rs_group(d, bhb_dmv_load_names[l], k->modes[m]);
			double r, lo, hi, p;

			if (b && !bhb_ratio_hier(a, b, "mib_s", 0x646d76ull + (uint64_t)(l * 8 + m), &r, &lo, &hi, &p))
				json_array_append_new(out, json_pack("{s:s,s:s,s:s,s:s,s:f,s:f,s:f}", "load",
					bhb_dmv_load_names[l], "mode", k->modes[m], "over", k->modes[0], "metric",
					"mib_s", "ratio", r, "lo", lo, "hi", hi));
		}
	}
	return out;
}

/* d's groups and ratios from its runs */
static void regroup(const struct bhb_rs_desc *k, json_t *d)
{
	json_t *groups = json_array(), *runs = json_object_get(d, "runs");

	for (int l = 0; l < BHB_NR_DMV_LOADS; l++)
		for (int m = 0; m < k->nmodes; m++) {
			json_t *g = group_json(k, runs, l, k->modes[m], 0x646d7600ull + (uint64_t)(l * 16 + m) * 64);

			if (g)
				json_array_append_new(groups, g);
		}
	json_object_set_new(d, "groups", groups);
	json_object_set_new(d, "ratios", ratios_json(k, d));
}

/* a run's own checks: fio's count against the device's, the probe's against the reads */
static void run_checks(const struct bhb_rs_desc *k, json_t *failures, json_t *r, size_t i)
{
	json_t *rd = json_object_get(json_object_get(r, "fio"), "read");
	json_t *ds = json_object_get(r, "stat"), *w = json_object_get(r, "where");
	long long ios = bhb_jint(rd, "total_ios"), bytes = bhb_jint(rd, "io_bytes");
	long long reads = bhb_jint(ds, "reads"), units = k->per_block ? bhb_jint(ds, "sectors") / 8 : reads;

	if (json_object_get(r, "error")) {
		json_array_append_new(failures, json_sprintf("%s run %zu (%s, %s): %s", k->kind, i, bhb_jstr(r, "mode"),
							      bhb_jstr(r, "load"), bhb_jstr(r, "error")));
		return;
	}
	if (ios <= 0 || bytes != bhb_jint(ds, "sectors") * 512 || (k->exact_reads ? reads != ios : reads < ios))
		json_array_append_new(failures, json_sprintf("%s run %zu (%s, %s): fio read %lld I/Os, %lld bytes; "
			"the device counted %lld reads, %lld bytes", k->kind, i, bhb_jstr(r, "mode"), bhb_jstr(r, "load"),
			ios, bytes, reads, (long long)bhb_jint(ds, "sectors") * 512));
	if (json_object_get(w, "events") && bhb_jint(w, "events") < units)
		json_array_append_new(failures, json_sprintf("%s run %zu (%s, %s): %lld events of the kprobe on %s "
			"for %lld %s", k->kind, i, bhb_jstr(r, "mode"), bhb_jstr(r, "load"),
			(long long)bhb_jint(w, "events"), bhb_jstr(w, "probe"), units,
			k->per_block ? "data blocks read" : "reads"));
}

void bhb_rs_finish(const struct bhb_rs_desc *k, struct bhb_analysis *a, void *p)
{
	struct rs_state *st = p;
	json_t *o, *r;
	size_t i;

	/* not a run of this kind (an agent that dies before its setup frame fails the run by its status) */
	if (!st->setup && !st->check && !json_array_size(st->runs)) {
		json_decref(st->runs);
		free(st);
		return;
	}
	json_array_foreach(st->runs, i, r)
		run_checks(k, a->failures, r, i);
	if (!st->setup)
		json_array_append_new(a->failures, json_sprintf("%s: the guest sent no setup", k->kind));
	else if (json_integer_value(json_object_get(st->setup, "runs")) != (json_int_t)json_array_size(st->runs))
		json_array_append_new(a->failures, json_sprintf("%s: %lld runs planned, %zu reported", k->kind,
			(long long)json_integer_value(json_object_get(st->setup, "runs")), json_array_size(st->runs)));
	if (st->check && json_integer_value(json_object_get(st->check, "failed")))
		json_array_append_new(a->failures, json_sprintf("%s: the %s check failed", k->kind, k->check));
	o = json_pack("{s:o,s:o,s:o}", "setup", st->setup ? st->setup : json_null(), "check",
		      st->check ? st->check : json_null(), "runs", st->runs);
	regroup(k, o);
	json_object_set_new(a->res, k->key, o);
	free(st);
}

const struct bhb_rs_desc *const bhb_rs_descs[] = { &bhb_rs_dmverity, &bhb_rs_usb, NULL };

const struct bhb_rs_desc *bhb_rs_of(json_t *res)
{
	for (const struct bhb_rs_desc *const *k = bhb_rs_descs; *k; k++)
		if (json_is_object(json_object_get(res, (*k)->key)))
			return *k;
	return NULL;
}

int bhb_rs_metric(const char *name)
{
	for (size_t m = 0; m < sizeof(metrics) / sizeof(metrics[0]); m++)
		if (!strcmp(metrics[m], name))
			return 1;
	return 0;
}

json_t *bhb_rs_value(json_t *res, const struct bhb_rs_desc *k, int load, int mode, const char *metric)
{
	json_t *g = bhb_rs_group(json_object_get(res, k->key), bhb_dmv_load_names[load], k->modes[mode]);
	json_t *v = json_object_get(g, metric);

	if (!json_is_object(v))
		return NULL;
	return json_pack("{s:O,s:[O,O]}", "value", json_object_get(v, "median"), "ci95", json_object_get(v, "lo"),
			 json_object_get(v, "hi"));
}

/* column c (load l, mode m) of kind k */
#define COL(k, l, m) ((l) * (k)->nmodes + (m))

unsigned int bhb_rs_present(json_t *const *runs, int n, const struct bhb_rs_desc *k)
{
	unsigned int mask = 0;

	for (int r = 0; r < n; r++)
		for (int l = 0; runs[r] && l < BHB_NR_DMV_LOADS; l++)
			for (int m = 0; m < k->nmodes; m++)
				if (bhb_rs_group(json_object_get(runs[r], k->key), bhb_dmv_load_names[l], k->modes[m]))
					mask |= 1u << COL(k, l, m);
	return mask;
}

void bhb_rs_trend_header(FILE *f, const struct bhb_rs_desc *k, unsigned int mask)
{
	fprintf(f, "# kernel");
	for (int l = 0; l < BHB_NR_DMV_LOADS; l++)
		for (int m = 0; m < k->nmodes; m++)
			if (mask >> COL(k, l, m) & 1)
				fprintf(f, " %s/%s %s/%s_lo %s/%s_hi", bhb_dmv_load_names[l], k->modes[m],
					bhb_dmv_load_names[l], k->modes[m], bhb_dmv_load_names[l], k->modes[m]);
	fprintf(f, "\n");
}

void bhb_rs_trend_row(FILE *f, json_t *res, const struct bhb_rs_desc *k, const char *metric, unsigned int mask)
{
	char run[160];

	bhb_run_label(res, run, sizeof(run));
	fprintf(f, "%s", run);
	for (int l = 0; l < BHB_NR_DMV_LOADS; l++)
		for (int m = 0; m < k->nmodes; m++) {
			json_t *v = mask >> COL(k, l, m) & 1 ? bhb_rs_value(res, k, l, m, metric) : NULL;
			json_t *ci = json_object_get(v, "ci95");

			if (!(mask >> COL(k, l, m) & 1))
				continue;
			if (v)
				fprintf(f, " %.3f %.3f %.3f", json_number_value(json_object_get(v, "value")),
					json_number_value(json_array_get(ci, 0)), json_number_value(json_array_get(ci, 1)));
			else
				fprintf(f, " NaN NaN NaN");
			json_decref(v);
		}
	fprintf(f, "\n");
}

void bhb_rs_columns(const struct bhb_rs_desc *k, unsigned int mask, char *out, size_t len)
{
	out[0] = 0;
	for (int l = 0; l < BHB_NR_DMV_LOADS; l++)
		for (int m = 0; m < k->nmodes; m++)
			if (mask >> COL(k, l, m) & 1)
				snprintf(out + strlen(out), len - strlen(out), "%s%s/%s", out[0] ? " " : "",
					 bhb_dmv_load_names[l], k->modes[m]);
}

void bhb_rs_upgrade(json_t *res)
{
	const struct bhb_rs_desc *k = bhb_rs_of(res);
	json_t *d = k ? json_object_get(res, k->key) : NULL;
	json_t *g = json_array_get(json_object_get(d, "groups"), 0);

	if (d && json_array_size(json_object_get(d, "runs")) && (!g || !json_object_get(g, "per_repetition")))
		regroup(k, d);
}

int bhb_rs_merge(json_t *m, json_t *const *runs, int n)
{
	const struct bhb_rs_desc *k = bhb_rs_of(runs[0]);
	json_t *d, *all, *r;
	size_t i;

	if (!k)
		return 0;
	all = json_array();
	for (int b = 0; b < n; b++) {
		json_t *db = json_object_get(runs[b], k->key);

		if (!json_is_object(db)) {
			json_decref(all);
			fprintf(stderr, "bhbench merge: boot %d has no %s results\n", b + 1, k->kind);
			return -1;
		}
		json_array_foreach(json_object_get(db, "runs"), i, r) {
			json_t *c = json_deep_copy(r);

			json_object_set_new(c, "boot", json_integer(b));
			json_array_append_new(all, c);
		}
	}
	d = json_deep_copy(json_object_get(runs[0], k->key));
	json_object_set_new(d, "runs", all);
	regroup(k, d);
	json_object_set_new(m, k->key, d);
	return 0;
}

static void print_where(FILE *f, json_t *w)
{
	static const char *const ctx[] = { "softirq", "ksoftirqd", "hardirq", "kworker", "task" };
	int any = 0;

	if (!json_is_object(w)) {
		fprintf(f, "  -");
		return;
	}
	for (int k = 0; k < 5; k++) {
		double s = json_number_value(json_object_get(w, ctx[k]));

		if (s >= 0.005) {
			fprintf(f, "%s%s %.0f%%", any ? ", " : "  ", ctx[k], s * 100);
			any = 1;
		}
	}
	if (!any)
		fprintf(f, "  no events");
}

/* the table of groups and the ratios: what every real-subsystem summary prints */
void bhb_rs_table(FILE *f, json_t *d, const char *work)
{
	json_t *g;
	size_t i;

	fprintf(f, "%-8s %-9s %3s %21s %9s %9s %9s %12s  where %s ran\n", "load", "mode", "n", "MiB/s [95% CI]",
		"p50 us", "p99 us", "p99.9 us", "CPU us/IO", work);
	json_array_foreach(json_object_get(d, "groups"), i, g) {
		json_t *bw = json_object_get(g, "mib_s");
		char ci[48];

		snprintf(ci, sizeof(ci), "%.1f [%.1f-%.1f]", json_number_value(json_object_get(bw, "median")),
			 json_number_value(json_object_get(bw, "lo")), json_number_value(json_object_get(bw, "hi")));
		fprintf(f, "%-8s %-9s %3lld %21s %9.1f %9.1f %9.1f %12.1f", bhb_jstr(g, "load"), bhb_jstr(g, "mode"),
			(long long)bhb_jint(g, "n"), ci,
			json_number_value(json_object_get(json_object_get(g, "p50_us"), "median")),
			json_number_value(json_object_get(json_object_get(g, "p99_us"), "median")),
			json_number_value(json_object_get(json_object_get(g, "p999_us"), "median")),
			json_number_value(json_object_get(json_object_get(g, "busy_us_per_io"), "median")));
		print_where(f, json_object_get(g, "where"));
		fprintf(f, "\n");
	}
	json_array_foreach(json_object_get(d, "ratios"), i, g)
		fprintf(f, "%s: %s over %s, MiB/s x%.2f [%.2f-%.2f]\n", bhb_jstr(g, "load"), bhb_jstr(g, "mode"),
			bhb_jstr(g, "over"), json_number_value(json_object_get(g, "ratio")),
			json_number_value(json_object_get(g, "lo")), json_number_value(json_object_get(g, "hi")));
}
