// SPDX-License-Identifier: GPL-2.0
/*
 * The hotplug kind on the host: the guest's "hotplug" and "hyperfine"
 * frames (harness/agent/hotplug.c) -> results.json "hotplug" (cycles
 * grouped per mode x mechanism x K) and "hyperfine", and their tables.
 */
#define _GNU_SOURCE
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/names.h"
#include "../common/stats.h"
#include "kind.h"

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* quantile of n values (sorted in place); NAN if none */
static double qv(double *v, size_t n, double q)
{
	size_t r;

	if (!n)
		return NAN;
	qsort(v, n, sizeof(*v), bhb_cmp_double);
	r = (size_t)ceil(q * (double)n);
	return v[(r ? r : 1) - 1];
}

static json_t *dist(double *v, size_t n)
{
	if (!n)
		return json_null();
	return json_pack("{s:f,s:f,s:f,s:f,s:I}", "min", qv(v, n, 0), "p50", qv(v, n, 0.5),
			 "p90", qv(v, n, 0.9), "max", qv(v, n, 1), "n", (json_int_t)n);
}

static long long gi(json_t *o, const char *a, const char *b)
{
	return json_integer_value(json_object_get(b ? json_object_get(o, a) : o, b ? b : a));
}


/*
 * Per mode x mechanism x K: the proven pending count at the moment the
 * CPU was dead, where the items ran, how long offline and drain took, and
 * what was stranded or lost.  Lost or stranded items are findings about
 * the kernel, reported loudly, not failures of the run.
 */
static json_t *hotplug_summary(json_t *cycles, json_t *failures)
{
	json_t *groups = json_object(), *out = json_array(), *c, *g;
	const char *key, **keys;
	size_t i, nk = 0;

	json_array_foreach(cycles, i, c) {
		char k[96];

		/* keys sort as mode, mechanism (ABI order), K */
		int mo = bhb_name_lookup(bhb_hp_mode_names, BHB_NR_HP_MODES, json_string_value(json_object_get(c, "mode")));
		int me = bhb_name_lookup(bhb_mech_names, BHB_NR_MECHS, json_string_value(json_object_get(c, "mech")));

		/* torture cycles draw K at random: one group per mode and mechanism */
		long long kk = gi(c, "torture", NULL) ? 0 : gi(c, "count", NULL);

		snprintf(k, sizeof(k), "%d/%02d/%08lld %s/%s/%lld", mo, me, kk,
			 json_string_value(json_object_get(c, "mode")), json_string_value(json_object_get(c, "mech")), kk);
		if (!json_object_get(groups, k))
			json_object_set_new(groups, k, json_array());
		json_array_append(json_object_get(groups, k), c);
	}
	keys = calloc(json_object_size(groups) + 1, sizeof(*keys));
	json_object_foreach(groups, key, g)
		keys[nk++] = key;
	qsort(keys, nk, sizeof(*keys), cmp_str);
	for (size_t ki = 0; ki < nk; ki++) {
		key = keys[ki];
		g = json_object_get(groups, key);
		size_t n = json_array_size(g), np = 0, nd = 0;
		double *pend = calloc(n, sizeof(double)), *off = calloc(n, sizeof(double));
		double *kern = calloc(n, sizeof(double)), *drain = calloc(n, sizeof(double));
		double *on = calloc(n, sizeof(double));
		long long lost = 0, stranded = 0, alive = 0, dead = 0, online = 0, oncpu = 0, other = 0;
		long long queued = 0, executed = 0, not_dead = 0, after_dead = 0;
		json_t *first = json_array_get(g, 0), *per_cpu = json_object();

		json_array_foreach(g, i, c) {
			json_t *a = json_object_get(c, "after_online"), *pc;
			long long q = gi(a, "queued", NULL), e = gi(a, "executed", NULL);
			const char *cpu;
			json_t *v;

			queued += q;
			executed += e;
			after_dead += gi(a, "queued_after_dead", NULL);
			lost += q - e;
			stranded += gi(a, "ran_online", NULL) ? 1 : 0;
			alive += gi(a, "ran_alive", NULL);
			dead += gi(a, "ran_dead", NULL);
			online += gi(a, "ran_online", NULL);
			oncpu += gi(a, "on_cpu", NULL);
			other += gi(a, "on_other", NULL);
			if (!json_is_true(json_object_get(a, "saw_dead")) &&
			    strcmp(json_string_value(json_object_get(c, "mode")), "offline"))
				not_dead++;
			pend[np++] = (double)gi(a, "pending_at_dead", NULL);
			off[i] = (double)gi(c, "offline_user_ns", NULL);
			on[i] = (double)gi(c, "online_user_ns", NULL);
			kern[i] = (double)(gi(a, "t_dead_ns", NULL) - gi(a, "t_teardown_ns", NULL));
			/* from the offline (or, for a CPU already offline, the queueing) to the last item */
			if (e && gi(a, "t_last_exec_ns", NULL))
				drain[nd++] = (double)(gi(a, "t_last_exec_ns", NULL) -
						       (strcmp(json_string_value(json_object_get(c, "mode")), "offline") ?
							(gi(c, "t_offline_start_ns", NULL) ?: gi(a, "t_teardown_ns", NULL)) :
							gi(a, "t_queue_ns", NULL)));
			pc = json_object_get(a, "per_cpu");
			json_object_foreach(pc, cpu, v)
				json_object_set_new(per_cpu, cpu, json_integer(json_integer_value(json_object_get(per_cpu, cpu)) +
									      json_integer_value(v)));
		}
		long long k = gi(first, "torture", NULL) ? 0 : gi(first, "count", NULL);
		long long ksum = 0;

		json_array_foreach(g, i, c)
			ksum += gi(json_object_get(c, "after_online"), "queued", NULL);
		double pmin = qv(pend, np, 0), p50 = qv(pend, np, 0.5);
		json_t *o = json_pack("{s:O,s:O,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:o}",
			"mode", json_object_get(first, "mode"), "mech", json_object_get(first, "mech"),
			"count", (json_int_t)k, "cycles", (json_int_t)n, "queued", (json_int_t)queued,
			"executed", (json_int_t)executed, "lost", (json_int_t)lost,
			"stranded_cycles", (json_int_t)stranded, "ran_alive", (json_int_t)alive,
			"ran_dead", (json_int_t)dead, "ran_online", (json_int_t)online,
			"on_cpu", (json_int_t)oncpu, "on_other", (json_int_t)other,
			"cycles_without_dead_callback", (json_int_t)not_dead, "per_cpu", per_cpu);

		json_object_set_new(o, "pending_at_dead", dist(pend, np));
		json_object_set_new(o, "queued_after_dead", json_integer(after_dead));
		/* torture: K varies, so the fraction is of all items queued */
		if (!k) {
			double tot = 0;

			for (size_t x = 0; x < np; x++)
				tot += pend[x];
			json_object_set_new(o, "pending_fraction_min", json_real(ksum ? tot / (double)ksum : 0));
			json_object_set_new(o, "pending_fraction_p50", json_real(ksum ? tot / (double)ksum : 0));
		} else {
			json_object_set_new(o, "pending_fraction_min", json_real(pmin / (double)k));
			json_object_set_new(o, "pending_fraction_p50", json_real(p50 / (double)k));
		}
		json_object_set_new(o, "offline_user_ns", dist(off, n));
		json_object_set_new(o, "online_user_ns", dist(on, n));
		json_object_set_new(o, "offline_kernel_ns", dist(kern, n));
		json_object_set_new(o, "drain_ns", dist(drain, nd));
		if (lost)
			json_array_append_new(failures, json_sprintf("hotplug %s: %lld items LOST (never ran, even after the CPU came back)", strchr(key, ' ') + 1, lost));
		if (not_dead)
			json_array_append_new(failures, json_sprintf("hotplug %s: %lld cycles never reached the dead callback", strchr(key, ' ') + 1, not_dead));
		json_array_append_new(out, o);
		free(pend);
		free(off);
		free(on);
		free(kern);
		free(drain);
	}
	free(keys);
	json_decref(groups);
	return json_pack("{s:o,s:O}", "groups", out, "cycles", cycles);
}

static void print_hotplug(FILE *f, json_t *hp)
{
	json_t *g;
	size_t i;
	const char *mode = "";

	fprintf(f, "\nCPU hotplug drain: K items pending on the CPU going offline; per mode, mechanism and K\n");
	fprintf(f, "pending@dead: items proven not started when the CPU was dead (min and median of the cycles)\n");
	fprintf(f, "ran: before the CPU died / after it died / only after it came back; where: on it / elsewhere\n");
	fprintf(f, "q>dead (race mode): items whose queue call came after the CPU was already dead\n");
	json_array_foreach(json_object_get(hp, "groups"), i, g) {
		const char *m = json_string_value(json_object_get(g, "mode"));
		json_t *pd = json_object_get(g, "pending_at_dead");
		char drain[32] = "-";

		if (strcmp(m, mode)) {
			mode = m;
			fprintf(f, "\nmode %s\n%-11s %6s %6s %-20s %-18s %-13s %-7s %-10s %-10s %-14s %s\n", m,
				"mechanism", "K", "cycles", "pending@dead", "ran alive/dead/on", "where X/else",
				"q>dead", "offline", "kernel", "drain p50/p90", "lost");
		}
		if (json_is_object(json_object_get(g, "drain_ns")))
			snprintf(drain, sizeof(drain), "%.2f/%.2f",
				 json_real_value(json_object_get(json_object_get(g, "drain_ns"), "p50")) / 1e6,
				 json_real_value(json_object_get(json_object_get(g, "drain_ns"), "p90")) / 1e6);
		char pend[40], ran[40], where[32];

		snprintf(pend, sizeof(pend), "%.0f/%.0f (%.0f%%)", json_real_value(json_object_get(pd, "min")),
			 json_real_value(json_object_get(pd, "p50")),
			 100 * json_real_value(json_object_get(g, "pending_fraction_p50")));
		snprintf(ran, sizeof(ran), "%lld/%lld/%lld", gi(g, "ran_alive", NULL), gi(g, "ran_dead", NULL),
			 gi(g, "ran_online", NULL));
		snprintf(where, sizeof(where), "%lld/%lld", gi(g, "on_cpu", NULL), gi(g, "on_other", NULL));
		char kk[16];

		if (gi(g, "count", NULL))
			snprintf(kk, sizeof(kk), "%lld", gi(g, "count", NULL));
		else
			snprintf(kk, sizeof(kk), "random");
		fprintf(f, "%-11s %6s %6lld %-20s %-18s %-13s %-7lld %-10.2f %-10.2f %-14s %lld%s\n",
			json_string_value(json_object_get(g, "mech")), kk, gi(g, "cycles", NULL),
			pend, ran, where, gi(g, "queued_after_dead", NULL),
			json_real_value(json_object_get(json_object_get(g, "offline_user_ns"), "p50")) / 1e6,
			json_real_value(json_object_get(json_object_get(g, "offline_kernel_ns"), "p50")) / 1e6,
			drain, gi(g, "lost", NULL), gi(g, "lost", NULL) ? "  <== LOST" : "");
	}
	fprintf(f, "\noffline: sysfs write as user space sees it; kernel: teardown callback to dead callback;\n"
		   "drain: offline start to the last item executed; all in milliseconds (medians).\n");
}

static void print_hyperfine(FILE *f, json_t *hf)
{
	json_t *r;
	size_t i;

	fprintf(f, "\nhyperfine in the guest (teardown mode; s, mean +- stddev; 'exec-only' is the cost of\n"
		   "starting the helper that writes to sysfs, to subtract from 'offline'):\n");
	fprintf(f, "%-11s %6s %-10s %-22s %s\n", "mechanism", "K", "command", "mean +- stddev", "min .. max");
	json_array_foreach(hf, i, r)
		fprintf(f, "%-11s %6lld %-10s %.4f +- %.4f        %.4f .. %.4f\n",
			json_string_value(json_object_get(r, "mech")), gi(r, "count", NULL),
			json_string_value(json_object_get(r, "command")),
			json_real_value(json_object_get(r, "mean")), json_real_value(json_object_get(r, "stddev")),
			json_real_value(json_object_get(r, "min")), json_real_value(json_object_get(r, "max")));
}

struct hp_state {
	json_t *cycles;		/* every cycle, hyperfine's too */
	json_t *hyperfine;	/* hyperfine's timings, kept apart */
};

static void *hp_begin(void)
{
	struct hp_state *s = calloc(1, sizeof(*s));

	if (s && (!(s->cycles = json_array()) || !(s->hyperfine = json_array()))) {
		json_decref(s->cycles);
		free(s);
		return NULL;
	}
	return s;
}

/* hyperfine's cycles are counted like any other; its timings kept apart */
static void take_hyperfine(struct hp_state *s, json_t *j)
{
	json_t *c, *r;
	size_t k;

	json_array_foreach(json_object_get(j, "cycles"), k, c) {
		json_object_set_new(c, "via", json_string("hyperfine"));
		json_array_append(s->cycles, c);
	}
	json_array_foreach(json_object_get(json_object_get(j, "hyperfine"), "results"), k, r)
		json_array_append_new(s->hyperfine, json_pack("{s:O,s:O,s:O,s:O,s:O,s:O,s:O,s:O}",
			"mech", json_object_get(j, "mech"), "count", json_object_get(j, "count"),
			"command", json_object_get(r, "command"), "mean", json_object_get(r, "mean"),
			"stddev", json_object_get(r, "stddev"), "median", json_object_get(r, "median"),
			"min", json_object_get(r, "min"), "max", json_object_get(r, "max")));
}

static void hp_take(struct bhb_analysis *a, void *st, const struct bhb_frame *f, json_t *j)
{
	struct hp_state *s = st;

	(void)a;
	if (!strcmp(f->type, "hotplug")) {
		json_array_append_new(s->cycles, j);
		return;
	}
	take_hyperfine(s, j);
	json_decref(j);
}

static void hp_finish(struct bhb_analysis *a, void *st)
{
	struct hp_state *s = st;

	if (json_array_size(s->cycles))
		json_object_set_new(a->res, "hotplug", hotplug_summary(s->cycles, a->failures));
	json_decref(s->cycles);
	if (json_array_size(s->hyperfine))
		json_object_set(a->res, "hyperfine", s->hyperfine);
	json_decref(s->hyperfine);
	free(s);
}

static int hp_summary(FILE *f, json_t *res)
{
	if (!json_object_get(res, "hotplug"))
		return 0;
	print_hotplug(f, json_object_get(res, "hotplug"));
	if (json_object_get(res, "hyperfine"))
		print_hyperfine(f, json_object_get(res, "hyperfine"));
	return 1;
}

static const char *const hp_frames[] = { "hotplug", "hyperfine", NULL };

const struct bhb_kind bhb_kind_hotplug = {
	.name = "hotplug",
	.frames = hp_frames,
	.begin = hp_begin,
	.take = hp_take,
	.finish = hp_finish,
	.summary = hp_summary,
};
