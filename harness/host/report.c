// SPDX-License-Identifier: GPL-2.0
/*
 * bhbench report RUN [RUN...]: gnuplot figures from data files the report
 * writes next to them (so they can be re-run or restyled by hand), a
 * self-contained report.html (figures inline, no network) and report.md.
 * At the top, the conversion verdicts: tasklet -> bh, tasklet_hi ->
 * bh_highpri, tasklet -> wq_percpu.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/names.h"
#include "../common/stats.h"
#include "bhbench.h"

#define MAXFIGS		128
#define MAXCASES	512

static const char *const conv[][2] = {
	{ "tasklet", "bh" }, { "tasklet_hi", "bh_highpri" }, { "tasklet", "wq_percpu" },
};

/* hotplug group of mode/mech with the largest K, or NULL */
static json_t *hp_group(json_t *res, const char *mode, const char *mech)
{
	json_t *g, *best = NULL;
	size_t i;

	json_array_foreach(json_object_get(json_object_get(res, "hotplug"), "groups"), i, g)
		if (!strcmp(json_string_value(json_object_get(g, "mode")), mode) &&
		    !strcmp(json_string_value(json_object_get(g, "mech")), mech) &&
		    (!best || json_integer_value(json_object_get(g, "count")) >
			      json_integer_value(json_object_get(best, "count"))))
			best = g;
	return best;
}

static double hp_ms(json_t *g, const char *k)
{
	return json_number_value(json_object_get(json_object_get(g, k), "p50")) / 1e6;
}

/*
 * ratio of medians over repetitions (from -> to), with a bootstrap
 * interval; for merged boots a hierarchical one (boots, then repetitions)
 */
static int ratio_res(json_t *res, json_t *from, json_t *to, const char *metric, double *v, double *lo, double *hi)
{
	static double a[65536], b[65536];
	int n = bhb_res_reps(from, metric, a, 65536), m = bhb_res_reps(to, metric, b, 65536);
	double p;

	if (n < 2 || m < 2)
		return -1;
	if (res && bhb_res_boots(res) > 1)
		return bhb_ratio_hier(from, to, metric, 0x7265706f7274ull, v, lo, hi, &p);
	return bhb_ratio_boot(a, n, b, m, 0x7265706f7274ull, v, lo, hi);
}

/* one line a reader can act on */
static void verdict(char *out, size_t len, int ok50, double r50, double l50, double h50,
		    int ok99, double r99, double l99, double h99, double floor)
{
	char a[96] = "", b[96] = "";

	/* floor: a change the model cannot tell from none (icount: 1%) */
	l50 /= 1 + floor;
	h50 /= 1 - floor;
	l99 /= 1 + floor;
	h99 /= 1 - floor;
	if (ok50 && (l50 > 1 || h50 < 1))
		snprintf(a, sizeof(a), "p50 %.2fx %s", r50 >= 1 ? r50 : 1 / r50, r50 >= 1 ? "worse" : "better");
	if (ok99 && (l99 > 1 || h99 < 1))
		snprintf(b, sizeof(b), "p99 %.2fx %s", r99 >= 1 ? r99 : 1 / r99, r99 >= 1 ? "worse" : "better");
	if (!a[0] && !b[0])
		snprintf(out, len, "no measurable difference");
	else
		snprintf(out, len, "%s%s%s", a, a[0] && b[0] ? ", " : "", b);
}

/*
 * A string from results.json (a case or scenario name, an environment
 * value, a reason) made safe for HTML: & < > " ' escaped.  Returns one of
 * eight rotating buffers, so that a call may take several.
 */
static const char *h(const char *s)
{
	static char buf[8][2048];
	static int k;
	char *o;
	size_t n = 0;

	k = (k + 1) % 8;
	o = buf[k];
	for (s = s ?: ""; *s && n + 7 < sizeof(buf[k]); s++) {
		const char *e = *s == '&' ? "&amp;" : *s == '<' ? "&lt;" : *s == '>' ? "&gt;" :
				*s == '"' ? "&quot;" : *s == '\'' ? "&#39;" : NULL;

		if (e) {
			memcpy(o + n, e, strlen(e));
			n += strlen(e);
		} else {
			o[n++] = *s;
		}
	}
	o[n] = 0;
	return o;
}

/* how sure a run's comparisons are: what kind of number they rest on */
enum evidence { EV_LEAD, EV_ICOUNT, EV_MERGED };

static enum evidence evidence_of(json_t *res, char *text, size_t len)
{
	json_t *env = json_object_get(res, "env");
	const char *acc = json_string_value(json_object_get(env, "accel")) ?: "?";
	int boots = bhb_res_boots(res);

	if (!strcmp(acc, "icount") && json_integer_value(json_object_get(env, "vcpus")) <= 1) {
		snprintf(text, len, "the icount cost model (one vCPU, %s): deterministic, so one boot gives "
			 "verdicts; a difference under 1%% is within what two boots of one kernel differ by. "
			 "Instructions, not hardware time", BHB_ICOUNT_MEANING);
		return EV_ICOUNT;
	}
	if (boots >= 3) {
		snprintf(text, len, "%d merged boots under %s: the intervals span boots, so these are verdicts "
			 "for this emulation; hardware can differ", boots, acc);
		return EV_MERGED;
	}
	snprintf(text, len, "%s under %s%s: leads, not verdicts (a boot's medians move about 10%% with the "
		 "host); confirm with `bhbench run --boots 3`, `bhbench ab` or `--accel icount`",
		 boots > 1 ? "two boots" : "one boot", acc,
		 !strcmp(acc, "icount") ? " with several vCPUs (run in turn: not the cost model)" : "");
	return EV_LEAD;
}

static double jv(json_t *o, const char *a, const char *b, const char *c)
{
	json_t *v = json_object_get(json_object_get(o, a), b);

	if (c)
		v = json_object_get(v, c);
	return json_is_number(v) ? json_number_value(v) : NAN;
}

static const char *where_ran(json_t *b)
{
	static char buf[4][64];
	static int k;
	json_t *ctx = json_object_get(b, "contexts"), *v;
	json_int_t best = 0;
	const char *name;

	k = (k + 1) % 4;
	snprintf(buf[k], sizeof(buf[k]), "?");
	json_object_foreach(ctx, name, v)
		if (json_integer_value(v) > best) {
			best = json_integer_value(v);
			snprintf(buf[k], sizeof(buf[k]), "%s", name);
		}
	return buf[k];
}

/* the cleanest latency case: hardirq, periodic, one item, no cost, no hog, no load */
static const char *plain_case(json_t *res)
{
	json_t *b;
	size_t i;

	json_array_foreach(json_object_get(res, "benchmarks"), i, b) {
		json_t *pa = json_object_get(b, "params");

		if (!strcmp(json_string_value(json_object_get(b, "producer")) ?: "", "hardirq") &&
		    (!pa || (json_integer_value(json_object_get(pa, "burst")) <= 1 &&
			     !json_integer_value(json_object_get(pa, "cost_ns")) &&
			     !json_integer_value(json_object_get(pa, "softirq_load_period_ns")) &&
			     !strcmp(json_string_value(json_object_get(pa, "hog")) ?: "none", "none") &&
			     !strcmp(json_string_value(json_object_get(pa, "pattern")) ?: "periodic", "periodic"))))
			return bhb_res_case(b);
	}
	return NULL;
}

/* the saturating case of least callback cost (the mechanism's own per-item cost shows most) */
static const char *saturated_case(json_t *res, const char *mech)
{
	json_t *b;
	size_t i;
	const char *best = NULL;
	double bc = INFINITY;

	json_array_foreach(json_object_get(res, "benchmarks"), i, b) {
		double off = jv(b, "throughput", "offered_per_s", NULL), done = jv(b, "throughput", "items_per_s", "value");
		double cost = (double)json_integer_value(json_object_get(json_object_get(b, "params"), "cost_ns"));

		/*
		 * saturated: well below the offered rate (a Poisson case's own
		 * rate wanders around its nominal one, so periodic cases only)
		 */
		if (strcmp(json_string_value(json_object_get(b, "mech")) ?: "", mech) || !(off > 0) ||
		    !(done < 0.9 * off) || json_integer_value(json_object_get(json_object_get(b, "params"), "touch_bytes")) ||
		    !strcmp(json_string_value(json_object_get(json_object_get(b, "params"), "pattern")) ?: "", "poisson"))
			continue;
		if (cost < bc) {
			bc = cost;
			best = bhb_res_case(b);
		}
	}
	return best;
}

/*
 * The report's first screen: for each conversion, what a driver author
 * asks (how much later does my callback run, what happens to the tail and
 * to throughput, where does it run now) in a few sentences, and what kind
 * of number they rest on.
 */
static void in_short(FILE *md, FILE *html, json_t *res, int r, int nruns)
{
	char ev[512], s[1200];
	enum evidence e = evidence_of(res, ev, sizeof(ev));
	const char *plain = plain_case(res);
	const char *word = e == EV_LEAD ? "lead" : "verdict";
	double floor = e == EV_ICOUNT ? 0.01 : 0;

	if (nruns > 1) {
		fprintf(md, "**Run %d** (%s):\n\n", r, json_string_value(json_object_get(json_object_get(res, "env"), "kernel")));
		fprintf(html, "<p><b>Run %d</b> (%s):</p>\n", r,
			h(json_string_value(json_object_get(json_object_get(res, "env"), "kernel"))));
	}
	fprintf(html, "<ul>\n");
	for (size_t c = 0; c < sizeof(conv) / sizeof(conv[0]); c++) {
		json_t *from = plain ? bhb_res_bench(res, plain, conv[c][0]) : NULL;
		json_t *to = plain ? bhb_res_bench(res, plain, conv[c][1]) : NULL;
		double r50, l50, h50, r99, l99, h99;
		size_t n = 0;

		if (!from || !to)
			continue;
		n += (size_t)snprintf(s + n, sizeof(s) - n, "**%s → %s** (%s): ", conv[c][0], conv[c][1], word);
		if (!ratio_res(res, from, to, "q2e_p50", &r50, &l50, &h50)) {
			double a = jv(from, "queue_to_exec_ns", "p50", "value"), b = jv(to, "queue_to_exec_ns", "p50", "value");
			int diff = (l50 > 1 + floor || h50 < 1 - floor);

			char by[48] = "";

			if (diff)
				snprintf(by, sizeof(by), "%.1f µs ", fabs(b - a) / 1e3);
			n += (size_t)snprintf(s + n, sizeof(s) - n, "from a hardirq (case %s) the callback starts %s%s "
					      "(queue to callback p50 %.1f → %.1f µs, ×%.2f [%.2f–%.2f])",
					      plain, by, !diff ? "no measurably later" : b > a ? "later" : "sooner",
					      a / 1e3, b / 1e3, r50, l50, h50);
		}
		if (!ratio_res(res, from, to, "p99", &r99, &l99, &h99) && n < sizeof(s))
			n += (size_t)snprintf(s + n, sizeof(s) - n, "; its p99 latency ×%.2f [%.2f–%.2f]", r99, l99, h99);
		if (n < sizeof(s) && strcmp(where_ran(to), where_ran(from)))
			n += (size_t)snprintf(s + n, sizeof(s) - n, "; it runs in %s instead of %s", where_ran(to),
					      where_ran(from));
		else if (n < sizeof(s))
			n += (size_t)snprintf(s + n, sizeof(s) - n, "; it runs where the %s ran (%s)", conv[c][0],
					      where_ran(to));
		const char *sat = saturated_case(res, conv[c][1]);
		json_t *sf = sat ? bhb_res_bench(res, sat, conv[c][0]) : NULL, *stt = sat ? bhb_res_bench(res, sat, conv[c][1]) : NULL;
		double rt, lt, ht;

		if (sf && stt && !ratio_res(res, sf, stt, "items_per_s", &rt, &lt, &ht) && n < sizeof(s))
			n += (size_t)snprintf(s + n, sizeof(s) - n, "; at saturation (case %s) items/s ×%.2f [%.2f–%.2f]",
					      sat, rt, lt, ht);
		if (n < sizeof(s))
			snprintf(s + n, sizeof(s) - n, ".");
		fprintf(md, "- %s\n", s);
		/* the same sentence in HTML: ** pairs become <b></b> */
		fprintf(html, "<li>");
		for (const char *q = s; *q; q++)
			if (q[0] == '*' && q[1] == '*') {
				static int open;

				fprintf(html, open ? "</b>" : "<b>");
				open = !open;
				q++;
			} else {
				char one[2] = { *q, 0 };

				fputs(h(one), html);
			}
		fprintf(html, "</li>\n");
	}
	fprintf(html, "</ul>\n");
	fprintf(md, "\nThese rest on %s.\n\n", ev);
	fprintf(html, "<p>These rest on %s.</p>\n", h(ev));
}

struct fig {
	char file[96];		/* svg name in figures/ */
	char caption[256];
};

static int gnuplot(const char *script, const char *data, int nblocks, const char *out, const char *term,
		   const char *title)
{
	char expr[2048], sp[PATH_MAX];
	const char *argv[] = { "gnuplot", "-e", expr, sp, NULL };
	char sink[256];

	snprintf(sp, sizeof(sp), "%s/plots/%s", bhb_root(), script);
	snprintf(expr, sizeof(expr), "datafile='%s'; nblocks=%d; outfile='%s'; term='%s'; ttl='%s'", data, nblocks,
		 out, term, title);
	return bhb_capture(sink, sizeof(sink), argv);
}

/*
 * Render one figure as figdir/base.svg and .png and register it for the
 * report; false if the figure table is full.
 */
static int figure(struct fig *figs, int *nfig, const char *figdir, const char *script, const char *data,
		  int nblocks, const char *base, const char *title, const char *caption)
{
	char out[PATH_MAX];

	if (*nfig >= MAXFIGS)
		return 0;
	for (int t = 0; t < 2; t++) {
		const char *ext = t ? "png" : "svg";

		snprintf(out, sizeof(out), "%s/%s.%s", figdir, base, ext);
		if (gnuplot(script, data, nblocks, out, ext, title))
			fprintf(stderr, "bhbench report: gnuplot failed for %s\n", out);
	}
	snprintf(figs[*nfig].file, sizeof(figs[0].file), "%s", base);
	snprintf(figs[*nfig].caption, sizeof(figs[0].caption), "%s", caption);
	(*nfig)++;
	return 1;
}

/* " value lo hi" in µs; without an interval lo = hi = value; NaN if overflowed */
static void pct3(FILE *fp, json_t *v)
{
	json_t *ci = json_object_get(v, "ci95");
	double x;

	if (!json_is_number(json_object_get(v, "value"))) {
		fprintf(fp, " NaN NaN NaN");
		return;
	}
	x = json_number_value(json_object_get(v, "value")) / 1e3;
	if (json_array_size(ci) == 2)
		fprintf(fp, " %.3f %.3f %.3f", x, json_number_value(json_array_get(ci, 0)) / 1e3,
			json_number_value(json_array_get(ci, 1)) / 1e3);
	else
		fprintf(fp, " %.3f %.3f %.3f", x, x, x);
}

static void fmt_ci(char *o, size_t n, json_t *v)
{
	json_t *ci = json_object_get(v, "ci95");

	if (!v || json_is_null(v))
		snprintf(o, n, "overflow");
	else
		snprintf(o, n, "%.1f [%.1f-%.1f]", json_real_value(json_object_get(v, "value")) / 1e3,
			 json_real_value(json_array_get(ci, 0)) / 1e3, json_real_value(json_array_get(ci, 1)) / 1e3);
}

int cmd_report(int argc, char **argv)
{
	char dir[PATH_MAX], figdir[PATH_MAX], path[PATH_MAX], title[256];
	struct fig figs[MAXFIGS];
	int nfig = 0;
	FILE *md, *html;
	char *mdtext = NULL, *htmltext = NULL;
	size_t mdlen = 0, htmllen = 0;

	if (argc < 2 || !strcmp(argv[1], "--help")) {
		fprintf(argc < 2 ? stderr : stdout, "usage: bhbench report RESULTS_DIR [RESULTS_DIR...]\n"
			"Writes report.html, report.md and figures/ into the first RESULTS_DIR.\n");
		return argc < 2 ? 2 : 0;
	}
	snprintf(dir, sizeof(dir), "%s", argv[1]);
	snprintf(figdir, sizeof(figdir), "%s/figures", dir);
	if (bhb_mkdirs(figdir)) {
		fprintf(stderr, "bhbench report: cannot create %s: %s\n", figdir, strerror(errno));
		return 1;
	}
	md = open_memstream(&mdtext, &mdlen);
	html = open_memstream(&htmltext, &htmllen);
	fprintf(html, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>bhbench report</title>\n"
		"<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}"
		"table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #bbb;padding:3px 8px;text-align:right}"
		"th{background:#eee}td:first-child,td:nth-child(2),td:nth-child(3),td:nth-child(4),td:last-child,th{text-align:left}.note{background:#fff4d6;padding:8px;"
		"border-left:4px solid #e0a000}figure{margin:1.5em 0}figcaption{font-size:90%%;color:#555}</style></head><body>\n"
		"<h1>bhbench report</h1>\n");
	fprintf(md, "# bhbench report\n\n");

	/* 0. in short: the conversion answers, and how sure they are */
	fprintf(md, "## In short\n\n");
	fprintf(html, "<h2>In short</h2>\n");
	for (int r = 1; r < argc; r++) {
		char err[512];
		json_t *res = bhb_res_load(argv[r], err, sizeof(err));

		if (!res)
			continue;
		in_short(md, html, res, r, argc - 1);
		json_decref(res);
	}

	/* 1. conversion verdicts */
	fprintf(md, "## Conversion verdicts\n\nRatios of medians over repetitions (NEW mechanism / tasklet), 95%% bootstrap interval; "
		"a difference counts only when the interval excludes 1 (icount: 1 ± 1%%); one boot under TCG or KVM gives "
		"leads, marked so.\n\n"
		"| run | scenario | case | conversion | p50 ratio | p99 ratio | items/s ratio | verdict |\n|---|---|---|---|---|---|---|---|\n");
	fprintf(html, "<h2>Conversion verdicts</h2><p>Ratios of medians over repetitions (converted / original), "
		"95%% bootstrap interval; a difference counts only when the interval excludes 1 (icount: 1 ± 1%%); one boot "
		"under TCG or KVM gives leads, marked so.</p>\n"
		"<table id=\"verdicts\"><tr><th>run</th><th>scenario</th><th>case</th><th>conversion</th><th>p50 ratio</th>"
		"<th>p99 ratio</th><th>items/s ratio</th><th>verdict</th></tr>\n");
	for (int r = 1; r < argc; r++) {
		char err[512];
		json_t *res = bhb_res_load(argv[r], err, sizeof(err));

		if (!res) {
			fprintf(stderr, "bhbench report: %s; skipped\n", err);
			continue;
		}
		const char *scen = json_string_value(json_object_get(json_object_get(res, "scenario"), "name"));
		const char *prods[MAXCASES];
		size_t ncase = (size_t)bhb_res_cases(res, prods, MAXCASES);
		char evtext[512];
		enum evidence ev = evidence_of(res, evtext, sizeof(evtext));

		for (size_t p = 0; p < ncase; p++)
			for (size_t c = 0; c < sizeof(conv) / sizeof(conv[0]); c++) {
				json_t *from = bhb_res_bench(res, prods[p], conv[c][0]), *to = bhb_res_bench(res, prods[p], conv[c][1]);
				double r50 = NAN, l50 = NAN, h50 = NAN, r99 = NAN, l99 = NAN, h99 = NAN;
				char v[160], s50[48] = "n/a", s99[48] = "n/a";
				int ok50, ok99;

				if (!from || !to)
					continue;
				ok50 = !ratio_res(res, from, to, "p50", &r50, &l50, &h50);
				ok99 = !ratio_res(res, from, to, "p99", &r99, &l99, &h99);
				if (ok50)
					snprintf(s50, sizeof(s50), "%.2f [%.2f-%.2f]", r50, l50, h50);
				if (ok99)
					snprintf(s99, sizeof(s99), "%.2f [%.2f-%.2f]", r99, l99, h99);
				verdict(v, sizeof(v), ok50, r50, l50, h50, ok99, r99, l99, h99, ev == EV_ICOUNT ? 0.01 : 0);
				/* items/s, where the offered load saturated one of the two */
				char st[48] = "-";
				double rt, lt, ht, off = json_real_value(json_object_get(json_object_get(to, "throughput"), "offered_per_s"));
				double done = fmin(json_real_value(json_object_get(json_object_get(json_object_get(from, "throughput"),
									"items_per_s"), "value")),
						   json_real_value(json_object_get(json_object_get(json_object_get(to, "throughput"),
									"items_per_s"), "value")));

				if (off > 0 && done < 0.95 * off && !ratio_res(res, from, to, "items_per_s", &rt, &lt, &ht)) {
					snprintf(st, sizeof(st), "%.2f [%.2f-%.2f]", rt, lt, ht);
					if (lt > 1 || ht < 1)
						snprintf(v + strlen(v), sizeof(v) - strlen(v), "%sitems/s %.2fx %s",
							 strcmp(v, "no measurable difference") ? ", " : "; ",
							 rt >= 1 ? rt : 1 / rt, rt >= 1 ? "higher" : "lower");
				}
				/* one TCG boot: the difference is a lead (see "In short") */
				const char *pre = ev == EV_LEAD && strncmp(v, "no measurable", 13) ? "lead: " : "";

				fprintf(md, "| %d | %s | %s | %s → %s | %s | %s | %s | %s%s |\n", r, scen, prods[p], conv[c][0],
					conv[c][1], s50, s99, st, pre, v);
				fprintf(html, "<tr><td>%d</td><td>%s</td><td>%s</td><td>%s → %s</td><td>%s</td><td>%s</td><td>%s</td>"
					"<td>%s%s</td></tr>\n", r, h(scen), h(prods[p]), conv[c][0], conv[c][1], s50, s99, st, pre,
					h(v));
			}
		/* hotplug behaviour of each conversion (teardown mode, largest K) */
		for (size_t c = 0; c < sizeof(conv) / sizeof(conv[0]); c++) {
			json_t *gf = hp_group(res, "teardown", conv[c][0]), *gt = hp_group(res, "teardown", conv[c][1]);
			char v[320], k[48];

			if (!gf || !gt)
				continue;
			snprintf(k, sizeof(k), "hotplug K=%lld", (long long)json_integer_value(json_object_get(gt, "count")));
			snprintf(v, sizeof(v), "offline %.0f → %.0f ms, pending at death %.0f%% → %.0f%%, "
				 "ran elsewhere %lld → %lld, lost %lld → %lld",
				 hp_ms(gf, "offline_user_ns"), hp_ms(gt, "offline_user_ns"),
				 100 * json_real_value(json_object_get(gf, "pending_fraction_p50")),
				 100 * json_real_value(json_object_get(gt, "pending_fraction_p50")),
				 (long long)json_integer_value(json_object_get(gf, "on_other")),
				 (long long)json_integer_value(json_object_get(gt, "on_other")),
				 (long long)json_integer_value(json_object_get(gf, "lost")),
				 (long long)json_integer_value(json_object_get(gt, "lost")));
			fprintf(md, "| %d | %s | %s | %s → %s | - | - | - | %s |\n", r, scen, k, conv[c][0], conv[c][1], v);
			fprintf(html, "<tr><td>%d</td><td>%s</td><td>%s</td><td>%s → %s</td><td>-</td><td>-</td><td>-</td><td>%s</td></tr>\n",
				r, h(scen), k, conv[c][0], conv[c][1], h(v));
		}
		json_decref(res);
	}
	fprintf(html, "</table>\n");

	/* several runs (kernels): p50 and p99 of the hardirq case across them */
	if (argc > 2) {
		static const char *const mets[] = { "p50", "p99" };

		for (int k = 0; k < 2; k++) {
			char dat[PATH_MAX], base[64], cap[256];
			FILE *f;
			int rows = 0;

			snprintf(dat, sizeof(dat), "%s/trend-%s.dat", figdir, mets[k]);
			f = fopen(dat, "w");
			if (!f)
				break;
			bhb_trend_header(f);
			for (int r = 1; r < argc; r++) {
				char err[512];
				json_t *res = bhb_res_load(argv[r], err, sizeof(err));

				if (!res)
					continue;
				bhb_trend_row(f, res, "hardirq", mets[k]);
				rows++;
				json_decref(res);
			}
			fclose(f);
			if (rows < 2)
				break;
			snprintf(base, sizeof(base), "trend-%s", mets[k]);
			snprintf(title, sizeof(title), "hardirq-produced latency %s across runs", mets[k]);
			snprintf(cap, sizeof(cap), "Latency %s (µs, 95%% CI) of the hardirq case per mechanism, one point per run "
				 "(kernel) in the order given.", mets[k]);
			figure(figs, &nfig, figdir, "trend.gp", dat, BHB_NR_MECHS, base, title, cap);
		}
	}

	/* 2. environment, 3. figures and tables, per run */
	for (int r = 1; r < argc; r++) {
		char err[512];
		json_t *res = bhb_res_load(argv[r], err, sizeof(err)), *env, *b;
		size_t i;

		if (!res)
			continue;
		env = json_object_get(res, "env");
		const char *scen = json_string_value(json_object_get(json_object_get(res, "scenario"), "name"));
		const char *acc = json_string_value(json_object_get(env, "accel"));

		fprintf(md, "\n## Run %d: %s on %s\n\n", r, scen, json_string_value(json_object_get(env, "kernel")));
		fprintf(html, "<h2>Run %d: %s on %s</h2>\n", r, h(scen), h(json_string_value(json_object_get(env, "kernel"))));
		if (acc && (!strcmp(acc, "tcg") || !strcmp(acc, "icount"))) {
			const char *n = !strcmp(acc, "tcg") ?
				"These numbers come from TCG emulation: every instruction is emulated. "
				"They are for comparing mechanisms within this run only, not with hardware or KVM." :
				"These numbers are QEMU icount virtual time (" BHB_ICOUNT_MEANING "): a "
				"deterministic cost model, the same on every host, not hardware time; compare them "
				"only with other icount runs.";

			fprintf(md, "> **Note:** %s\n\n", n);
			fprintf(html, "<p class=\"note\"><b>Note:</b> %s</p>\n", n);
		}
		fprintf(md, "| environment | |\n|---|---|\n");
		fprintf(html, "<table><tr><th>environment</th><th></th></tr>\n");
		static const char *const keys[] = { "kernel", "flavour", "preempt", "accel", "vcpus", "host_cpu",
						     "qemu", "module_hash", "date", "run_id" };
		for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
			json_t *v = json_object_get(env, keys[k]);
			char val[256];

			if (json_is_integer(v))
				snprintf(val, sizeof(val), "%lld", (long long)json_integer_value(v));
			else
				snprintf(val, sizeof(val), "%s", json_string_value(v) ?: "?");
			fprintf(md, "| %s | %s |\n", keys[k], val);
			fprintf(html, "<tr><td>%s</td><td>%s</td></tr>\n", keys[k], h(val));
		}
		fprintf(html, "</table>\n");

		/* latency figures per case */
		const char *prods[MAXCASES];
		size_t ncase = (size_t)bhb_res_cases(res, prods, MAXCASES);

		for (size_t p = 0; p < ncase; p++) {
			char cdf[PATH_MAX], pct[PATH_MAX], fname[128];
			FILE *fc, *fp;
			int nb = 0;

			/* a file name: "producers/hardirq" -> "producers-hardirq" */
			snprintf(fname, sizeof(fname), "%s", prods[p]);
			for (char *q = fname; *q; q++)
				if (*q == '/' || *q == ' ')
					*q = '-';
			snprintf(cdf, sizeof(cdf), "%s/run%d-cdf-%s.dat", figdir, r, fname);
			snprintf(pct, sizeof(pct), "%s/run%d-pct-%s.dat", figdir, r, fname);
			fc = fopen(cdf, "w");
			fp = fopen(pct, "w");
			if (!fc || !fp) {
				if (fc)
					fclose(fc);
				if (fp)
					fclose(fp);
				continue;
			}
			fprintf(fp, "# mechanism p50 p50_lo p50_hi p99 p99_lo p99_hi p999 p999_lo p999_hi (us)\n");
			json_array_foreach(json_object_get(res, "benchmarks"), i, b) {
				json_t *h = json_object_get(json_object_get(b, "histogram"), "latency"), *lat;
				double tot = 0, cum = 0;

				if (strcmp(bhb_res_case(b), prods[p]))
					continue;
				for (size_t k = 1; k < json_array_size(h); k += 2)
					tot += (double)json_integer_value(json_array_get(h, k));
				fprintf(fc, "%s%s\n", nb ? "\n\n" : "", json_string_value(json_object_get(b, "mech")));
				for (size_t k = 0; k + 1 < json_array_size(h); k += 2) {
					unsigned int idx = (unsigned int)json_integer_value(json_array_get(h, k));

					cum += (double)json_integer_value(json_array_get(h, k + 1));
					if (idx < BHB_HIST_OVERFLOW)
						fprintf(fc, "%.4f %.6f\n", (double)(bhb_hist_lower(idx) + bhb_hist_width(idx)) / 1e3,
							cum / tot);
				}
				lat = json_object_get(b, "latency_ns");
				json_t *q50 = json_object_get(lat, "p50"), *q99 = json_object_get(lat, "p99");

				fprintf(fp, "%s", json_string_value(json_object_get(b, "mech")));
				pct3(fp, q50);
				pct3(fp, q99);
				pct3(fp, json_object_get(lat, "p99.9"));
				fprintf(fp, "\n");
				nb++;
			}
			fclose(fc);
			fclose(fp);
			if (!nb)
				continue;
			char base[96], cap[256];

			snprintf(base, sizeof(base), "run%d-cdf-%s", r, fname);
			snprintf(title, sizeof(title), "%s, %s: latency CDF", scen, prods[p]);
			snprintf(cap, sizeof(cap), "Run %d, %s: fraction of items (y) with a latency below x, one line per mechanism.",
				 r, prods[p]);
			figure(figs, &nfig, figdir, "latency_cdf.gp", cdf, nb, base, title, cap);
			snprintf(base, sizeof(base), "run%d-pct-%s", r, fname);
			snprintf(title, sizeof(title), "%s, %s: p50, p99 and p99.9 with 95%% CI", scen, prods[p]);
			snprintf(cap, sizeof(cap), "Run %d, %s: p50, p99 and p99.9 per mechanism; error bars are 95%% bootstrap intervals over repetitions.",
				 r, prods[p]);
			figure(figs, &nfig, figdir, "percentiles.gp", pct, nb, base, title, cap);
		}
		/* latency by producer context: p50 per mechanism, a bar per producer */
		{
			char dat[PATH_MAX];
			const char *have[8];
			int np = 0;
			FILE *f;

			/* a suite's producers scenario, or a scenario's cases named after producers */
			for (size_t p = 0; p < ncase && np < 8; p++)
				if (!strncmp(prods[p], "producers/", 10) ||
				    bhb_name_lookup(bhb_producer_names, BHB_NR_PRODUCERS, prods[p]) >= 0)
					have[np++] = prods[p];
			snprintf(dat, sizeof(dat), "%s/run%d-producers.dat", figdir, r);
			f = np > 1 ? fopen(dat, "w") : NULL;
			if (f) {
				const char *mechs[] = { "direct", "tasklet", "tasklet_hi", "bh", "bh_highpri", "bh_custom",
							"wq_percpu", "wq_highpri", "wq_unbound" };

				fprintf(f, "mechanism");
				for (int k = 0; k < np; k++)
					fprintf(f, " %s", have[k]);
				fprintf(f, "\n");
				for (size_t m = 0; m < sizeof(mechs) / sizeof(mechs[0]); m++) {
					if (!bhb_res_bench(res, have[0], mechs[m]))
						continue;
					fprintf(f, "%s", mechs[m]);
					for (int k = 0; k < np; k++) {
						json_t *bb = bhb_res_bench(res, have[k], mechs[m]);

						fprintf(f, " %.3f", bb ? json_real_value(json_object_get(json_object_get(
							json_object_get(bb, "latency_ns"), "p50"), "value")) / 1e3 : 0.0);
					}
					fprintf(f, "\n");
				}
				fclose(f);
				char base[96], cap[160];

				snprintf(base, sizeof(base), "run%d-producers", r);
				snprintf(title, sizeof(title), "%s: median latency by producer context", scen);
				snprintf(cap, sizeof(cap), "Run %d: median latency per mechanism for each producer context.", r);
				figure(figs, &nfig, figdir, "producers.gp", dat, np, base, title, cap);
			}
		}
		/* throughput versus producing CPUs: throughput cases of 10 us callbacks, by CPU count */
		{
			char dat[PATH_MAX];
			FILE *f;
			int nb = 0, ncpu = 0;

			snprintf(dat, sizeof(dat), "%s/run%d-throughput-cpus.dat", figdir, r);
			f = fopen(dat, "w");
			for (int m = 0; f && m < BHB_NR_MECHS; m++) {
				int rows = 0;

				for (int want = 1; want <= 64; want++)
					for (size_t p = 0; p < ncase; p++) {
						json_t *bb = bhb_res_bench(res, prods[p], bhb_mech_names[m]), *pa, *t;

						if (!bb || strncmp(prods[p], "throughput/", 11))
							continue;
						pa = json_object_get(bb, "params");
						t = json_object_get(json_object_get(bb, "throughput"), "items_per_s");
						if (json_integer_value(json_object_get(pa, "cost_ns")) != 10000 ||
						    json_integer_value(json_object_get(pa, "touch_bytes")) ||
						    __builtin_popcountll((unsigned long long)json_integer_value(json_object_get(pa, "cpus"))) != want ||
						    !json_is_object(t))
							continue;
						if (!rows++)
							fprintf(f, "%s%s\n", nb++ ? "\n\n" : "", bhb_mech_names[m]);
						fprintf(f, "%d %.1f %.1f %.1f\n", want, json_real_value(json_object_get(t, "value")),
							json_real_value(json_array_get(json_object_get(t, "ci95"), 0)),
							json_real_value(json_array_get(json_object_get(t, "ci95"), 1)));
						ncpu = want > ncpu ? want : ncpu;
					}
			}
			if (f)
				fclose(f);
			if (nb && ncpu > 1) {
				char base[96], cap[256];

				snprintf(base, sizeof(base), "run%d-throughput-cpus", r);
				snprintf(title, sizeof(title), "%s: items/s under saturation vs producing CPUs (10 us callbacks)", scen);
				snprintf(cap, sizeof(cap), "Run %d: callbacks completed per second (median, 95%% CI) with 1, ..., N CPUs "
					 "producing and running 10 us callbacks.", r);
				figure(figs, &nfig, figdir, "throughput_cpus.gp", dat, nb, base, title, cap);
			}
		}
		/* throughput versus callback cost: the cases of a throughput scenario with a cost-N name */
		{
			char dat[PATH_MAX];
			FILE *f;
			int nb = 0;

			snprintf(dat, sizeof(dat), "%s/run%d-throughput.dat", figdir, r);
			f = fopen(dat, "w");
			for (int m = 0; f && m < BHB_NR_MECHS; m++) {
				int rows = 0;

				for (size_t p = 0; p < ncase; p++) {
					const char *c = strstr(prods[p], "throughput/cost-");
					json_t *bb = bhb_res_bench(res, prods[p], bhb_mech_names[m]), *t;
					char *end;
					double cost;

					if (!c || !bb)
						continue;
					cost = strtod(c + 16, &end);
					if (*end)
						continue;	/* e.g. cost-1-one-cpu */
					t = json_object_get(json_object_get(bb, "throughput"), "items_per_s");
					if (!json_is_object(t))
						continue;
					if (!rows++)
						fprintf(f, "%s%s\n", nb++ ? "\n\n" : "", bhb_mech_names[m]);
					/* log x: cost 0 is drawn at 0.1 us */
					fprintf(f, "%.3f %.1f %.1f %.1f\n", cost > 0 ? cost : 0.1,
						json_real_value(json_object_get(t, "value")),
						json_real_value(json_array_get(json_object_get(t, "ci95"), 0)),
						json_real_value(json_array_get(json_object_get(t, "ci95"), 1)));
				}
			}
			if (f)
				fclose(f);
			if (nb) {
				char base[96], cap[256];

				snprintf(base, sizeof(base), "run%d-throughput", r);
				snprintf(title, sizeof(title), "%s: items/s under saturation vs callback cost", scen);
				snprintf(cap, sizeof(cap), "Run %d: callbacks completed per second (median, 95%% CI) against the "
					 "callback's cost; cost 0 is drawn at 0.1 us.", r);
				figure(figs, &nfig, figdir, "throughput.gp", dat, nb, base, title, cap);
			}
		}
		/* hotplug drain versus K, per mode */
		json_t *groups = json_object_get(json_object_get(res, "hotplug"), "groups");

		if (json_array_size(groups)) {
			const char *modes[] = { "teardown", "dead", "offline", "race" };

			for (size_t mo = 0; mo < 4 && nfig + 1 <= MAXFIGS; mo++) {
				char dat[PATH_MAX], last[32] = "";
				FILE *f;
				json_t *g;
				int nb = 0;

				snprintf(dat, sizeof(dat), "%s/run%d-drain-%s.dat", figdir, r, modes[mo]);
				f = fopen(dat, "w");
				if (!f)
					continue;
				json_array_foreach(groups, i, g) {
					const char *m = json_string_value(json_object_get(g, "mech"));
					json_t *d = json_object_get(json_object_get(g, "drain_ns"), "p50");

					if (strcmp(json_string_value(json_object_get(g, "mode")), modes[mo]) ||
					    !json_integer_value(json_object_get(g, "count")) || !json_is_number(d))
						continue;
					if (strcmp(m, last)) {
						fprintf(f, "%s%s\n", nb++ ? "\n\n" : "", m);
						snprintf(last, sizeof(last), "%s", m);
					}
					fprintf(f, "%lld %.3f\n", (long long)json_integer_value(json_object_get(g, "count")),
						json_number_value(d) / 1e6);
				}
				fclose(f);
				if (!nb)
					continue;
				char base[96], cap[192];

				snprintf(base, sizeof(base), "run%d-drain-%s", r, modes[mo]);
				snprintf(title, sizeof(title), "%s: drain time vs pending items, mode %s", scen, modes[mo]);
				snprintf(cap, sizeof(cap), "Run %d, hotplug mode %s: offline start to the last pending item run (median ms) versus K.",
					 r, modes[mo]);
				figure(figs, &nfig, figdir, "hotplug_drain.gp", dat, nb, base, title, cap);
			}
		}
		/* control operations: one row per op x state x mechanism, then the checks */
		json_t *ctl = json_object_get(res, "control");

		if (json_array_size(json_object_get(ctl, "timing"))) {
			json_t *t;

			fprintf(md, "\n### Control operations\n\nMedian time of each call (95%% bootstrap interval over repetitions); "
				"busy: the item's callback was running on another CPU, and `after cb end` is the time from the "
				"callback's end to the call's return.\n\n| op | state | mechanism | API | median µs | after cb end µs | waited |\n"
				"|---|---|---|---|---|---|---|\n");
			fprintf(html, "<h3>Control operations</h3><p>Median time of each call (95%% bootstrap interval over "
				"repetitions); busy: the item's callback was running on another CPU; after cb end: from the "
				"callback's end to the call's return.</p>\n<table><tr><th>op</th><th>state</th><th>mechanism</th>"
				"<th>API</th><th>median µs</th><th>after cb end µs</th><th>waited</th></tr>\n");
			json_array_foreach(json_object_get(ctl, "timing"), i, t) {
				char med[64], aft[32] = "-", wt[32] = "-";
				json_t *ci = json_object_get(t, "ci95");
				int busy = !strcmp(json_string_value(json_object_get(t, "state")) ?: "", "busy");

				snprintf(med, sizeof(med), "%.2f [%.2f-%.2f]", json_number_value(json_object_get(t, "median_ns")) / 1e3,
					 json_number_value(json_array_get(ci, 0)) / 1e3, json_number_value(json_array_get(ci, 1)) / 1e3);
				if (busy && json_is_number(json_object_get(t, "after_end_median_ns")))
					snprintf(aft, sizeof(aft), "%.1f", json_number_value(json_object_get(t, "after_end_median_ns")) / 1e3);
				if (busy)
					snprintf(wt, sizeof(wt), "%lld/%lld", (long long)json_integer_value(json_object_get(t, "ok")),
						 (long long)json_integer_value(json_object_get(t, "iterations")));
				fprintf(md, "| %s | %s | %s | `%s` | %s | %s | %s |\n", json_string_value(json_object_get(t, "op")),
					json_string_value(json_object_get(t, "state")), json_string_value(json_object_get(t, "mech")),
					json_string_value(json_object_get(t, "api")), med, aft, wt);
				fprintf(html, "<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>\n",
					h(json_string_value(json_object_get(t, "op"))), h(json_string_value(json_object_get(t, "state"))),
					h(json_string_value(json_object_get(t, "mech"))), h(json_string_value(json_object_get(t, "api"))),
					med, aft, wt);
			}
			fprintf(html, "</table>\n<ul>\n");
			fprintf(md, "\n");
			static const char *const checks[] = { "coalesce", "self_free", "after_callback" };

			for (int k = 0; k < 3; k++)
				json_array_foreach(json_object_get(ctl, checks[k]), i, t) {
					const char *v = json_string_value(json_object_get(t, "verdict")) ?:
							json_string_value(json_object_get(t, "na")) ?: "-";

					fprintf(md, "- %s, %s: %s\n", checks[k], json_string_value(json_object_get(t, "mech")), v);
					fprintf(html, "<li>%s, %s: %s</li>\n", checks[k], h(json_string_value(json_object_get(t, "mech"))),
						h(v));
				}
			fprintf(html, "</ul>\n");
		}
		/* full latency table */
		if (json_array_size(json_object_get(res, "benchmarks"))) {
			fprintf(md, "\nCPU µs/item: all non-idle guest CPU time (sampled in USER_HZ ticks) · ksoftirqd · kworkers "
				"(exact run times), per callback completed.\n");
			fprintf(md, "\n| case | mechanism | p50 µs | p99 µs | p99.9 µs | max µs | q->cb p50 µs | lost | items/s | ksoftirqd ran | CPU µs/item |\n"
				"|---|---|---|---|---|---|---|---|---|---|---|\n");
			fprintf(html, "<p>CPU µs/item: all non-idle guest CPU time (sampled in USER_HZ ticks) · ksoftirqd · kworkers "
				"(exact run times), per callback completed.</p>\n");
			fprintf(html, "<table><tr><th>case</th><th>mechanism</th><th>p50 µs</th><th>p99 µs</th><th>p99.9 µs</th>"
				"<th>max µs</th><th>q-&gt;cb p50 µs</th><th>lost</th><th>items/s</th><th>ksoftirqd ran</th>"
				"<th>CPU µs/item</th></tr>\n");
			json_array_foreach(json_object_get(res, "benchmarks"), i, b) {
				json_t *lat = json_object_get(b, "latency_ns");
				char a[64], c[64], q[64];

				fmt_ci(a, sizeof(a), json_object_get(lat, "p50"));
				fmt_ci(c, sizeof(c), json_object_get(lat, "p99"));
				fmt_ci(q, sizeof(q), json_object_get(json_object_get(b, "queue_to_exec_ns"), "p50"));
				double p999 = json_real_value(json_object_get(json_object_get(lat, "p99.9"), "value")) / 1e3;
				double mx = json_real_value(json_object_get(json_object_get(lat, "max"), "value")) / 1e3;
				long long lost = json_integer_value(json_object_get(json_object_get(b, "counters"), "lost"));
				json_t *tp = json_object_get(json_object_get(b, "throughput"), "items_per_s");
				json_t *ks = json_object_get(b, "ksoftirqd");
				char tps[32] = "-", kss[48] = "-", cpu[64] = "-";
				json_t *cp = json_object_get(b, "cpu");

				if (cp)
					snprintf(cpu, sizeof(cpu), "%.1f · %.1f · %.1f",
						 json_real_value(json_object_get(cp, "busy_ns_per_item")) / 1e3,
						 json_real_value(json_object_get(cp, "ksoftirqd_ns_per_item")) / 1e3,
						 json_real_value(json_object_get(cp, "kworker_ns_per_item")) / 1e3);

				if (json_is_object(tp))
					snprintf(tps, sizeof(tps), "%.0f", json_real_value(json_object_get(tp, "value")));
				if (ks)
					snprintf(kss, sizeof(kss), "%lld (%.1f%%)", (long long)json_integer_value(json_object_get(ks, "items")),
						 100 * json_real_value(json_object_get(ks, "share")));
				fprintf(md, "| %s | %s | %s | %s | %.1f | %.1f | %s | %lld | %s | %s | %s |\n",
					bhb_res_case(b), json_string_value(json_object_get(b, "mech")),
					a, c, p999, mx, q, lost, tps, kss, cpu);
				fprintf(html, "<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%.1f</td><td>%.1f</td><td>%s</td><td>%lld</td>"
					"<td>%s</td><td>%s</td><td>%s</td></tr>\n",
					h(bhb_res_case(b)), h(json_string_value(json_object_get(b, "mech"))),
					a, c, p999, mx, q, lost, tps, kss, cpu);
			}
			fprintf(html, "</table>\n");
		}
		json_decref(res);
	}

	/* figures: inline SVG in the HTML, PNG links in the Markdown */
	fprintf(md, "\n## Figures\n");
	fprintf(html, "<h2>Figures</h2>\n");
	for (int k = 0; k < nfig; k++) {
		char *svg;

		snprintf(path, sizeof(path), "%s/%s.svg", figdir, figs[k].file);
		svg = bhb_slurp(path, NULL);
		if (!svg)
			continue;
		fprintf(md, "\n![%s](figures/%s.png)\n\n%s\n", figs[k].file, figs[k].file, figs[k].caption);
		fprintf(html, "<figure id=\"%s\">%s<figcaption>%s</figcaption></figure>\n", h(figs[k].file),
			strstr(svg, "<svg") ? strstr(svg, "<svg") : svg, h(figs[k].caption));
		free(svg);
	}
	fprintf(html, "</body></html>\n");
	fclose(md);
	fclose(html);
	snprintf(path, sizeof(path), "%s/report.md", dir);
	int ret = bhb_write_atomic(path, mdtext, mdlen);

	snprintf(path, sizeof(path), "%s/report.html", dir);
	ret |= bhb_write_atomic(path, htmltext, htmllen);
	free(mdtext);
	free(htmltext);
	if (ret) {
		fprintf(stderr, "bhbench report: cannot write the report in %s: %s\n", dir, strerror(errno));
		return 1;
	}
	printf("report: %s/report.html (and report.md, figures/)\n", dir);
	return 0;
}
