// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's result stream -> results.json: decode the frames, hand each
 * to the scenario kind that takes its type (host/kind.h), keep what every
 * kind shares (the guest's hello, its errors, the environment and the
 * scenario), then let each kind finish its part.  And the summary: its
 * heading, then the kind that claims the run.
 */
#define _GNU_SOURCE
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/frame.h"
#include "kind.h"

const struct bhb_kind *const bhb_kinds[] = {
	&bhb_kind_latency, &bhb_kind_trace, &bhb_kind_fuzz, &bhb_kind_control, &bhb_kind_hotplug,
	&bhb_kind_dmverity, &bhb_kind_usb, NULL,
};

void *bhb_collect_begin(void)
{
	return json_array();
}

void bhb_collect_take(struct bhb_analysis *a, void *st, const struct bhb_frame *f, json_t *j)
{
	(void)a;
	(void)f;
	json_array_append_new(st, j);
}

void bhb_fmt_us(char *out, size_t len, double ns)
{
	double x = ns / 1e3;

	if (isinf(x) || x < 0)
		snprintf(out, len, "ovf");
	else
		snprintf(out, len, x < 10 ? "%.2f" : x < 1000 ? "%.1f" : "%.0f", x);
}

static int listed(const char *const *types, const char *type)
{
	for (; types && *types; types++)
		if (!strcmp(*types, type))
			return 1;
	return 0;
}

/* the frames every kind shares: the guest's hello and its errors */
struct core {
	json_t *hello;
};

static void take_core(struct bhb_analysis *a, struct core *c, const char *type, json_t *j)
{
	if (!strcmp(type, "hello")) {
		json_decref(c->hello);
		c->hello = json_incref(j);
	} else if (!strcmp(type, "error")) {
		json_array_append_new(a->failures, json_sprintf("guest agent: %s",
								json_string_value(json_object_get(j, "error"))));
	}
	json_decref(j);
}

/* one frame to the kind that takes its type (unknown types are skipped) */
static void dispatch(struct bhb_analysis *a, struct core *c, void **st, const struct bhb_frame *f)
{
	json_error_t je;
	json_t *j;

	for (int k = 0; bhb_kinds[k]; k++)
		if (st[k] && listed(bhb_kinds[k]->raw, f->type)) {
			bhb_kinds[k]->take(a, st[k], f, NULL);
			return;
		}
	j = json_loads(f->payload, 0, &je);
	if (!j) {
		json_array_append_new(a->failures, json_sprintf("frame %u (%s) is not JSON: %s", f->seq, f->type, je.text));
		return;
	}
	for (int k = 0; bhb_kinds[k]; k++)
		if (st[k] && listed(bhb_kinds[k]->frames, f->type)) {
			bhb_kinds[k]->take(a, st[k], f, j);
			return;
		}
	take_core(a, c, f->type, j);
}

static void decode(struct bhb_analysis *a, struct core *c, void **st)
{
	struct bhb_frames fr;
	size_t n = 0;
	char *buf = bhb_slurp(a->in->chan_path, &n);

	bhb_frames_decode(buf ? buf : "", buf ? n : 0, &fr);
	free(buf);
	json_object_set_new(a->res, "channel", json_pack("{s:s,s:I,s:s}", "status", bhb_frames_status_name(fr.status),
		"frames", (json_int_t)fr.n, "error", fr.error));
	if (fr.status != BHB_FRAMES_OK) {
		json_array_append_new(a->failures, json_sprintf("result stream %s: %s", bhb_frames_status_name(fr.status),
								fr.error));
		json_object_set_new(a->res, "partial", json_true());
	}
	for (size_t i = 0; i < fr.n; i++)
		dispatch(a, c, st, &fr.v[i]);
	/* after the agent's own error frames, which say why */
	if (fr.status == BHB_FRAMES_OK && fr.end_status != 0)
		json_array_append_new(a->failures, json_sprintf("guest agent finished with status %d", fr.end_status));
	bhb_frames_free(&fr);
}

/* the environment (the host's record and the guest's hello) and the scenario */
static void environment(struct bhb_analysis *a, json_t *hello)
{
	const struct bhb_scenario *sc = a->in->sc;
	json_t *env = json_deep_copy(a->in->env), *unavail = json_array(), *mo;
	size_t i;

	if (hello) {
		json_object_set(env, "guest", hello);
		json_object_set(env, "preempt", json_object_get(hello, "preempt"));
		json_object_set(env, "guest_release", json_object_get(hello, "release"));
		json_array_foreach(json_object_get(hello, "mechanisms"), i, mo)
			if (json_is_false(json_object_get(mo, "available")))
				json_array_append(unavail, json_object_get(mo, "mech"));
	} else {
		json_array_append_new(a->failures, json_string("the guest agent never reported (no hello frame)"));
	}
	json_object_set_new(a->res, "env", env);
	json_object_set_new(a->res, "unavailable", unavail);
	json_object_set_new(a->res, "scenario", json_pack("{s:s,s:s,s:I,s:I,s:I,s:I,s:I,s:I}",
		"name", sc->name, "description", sc->description,
		"items_per_cpu", (json_int_t)sc->items, "inflight", (json_int_t)sc->inflight,
		"period_ns", (json_int_t)sc->period_ns, "cost_ns", (json_int_t)sc->cost_ns,
		"repetitions", (json_int_t)sc->repetitions, "warmup", (json_int_t)sc->warmup));
	if (sc->type == BHB_SCEN_SUITE) {
		json_t *mem = json_array();

		for (uint32_t k = 0; k < sc->nmembers; k++)
			json_array_append_new(mem, json_string(sc->members[k]));
		json_object_set_new(json_object_get(a->res, "scenario"), "suite", mem);
	}
}

int bhb_analyze(const struct analysis_in *in, json_t **results, char *why, size_t len)
{
	json_t *res = json_object(), *failures = json_array();
	struct bhb_analysis a = { .in = in, .res = res, .failures = failures };
	void *st[sizeof(bhb_kinds) / sizeof(bhb_kinds[0])] = { NULL };
	struct core c = { NULL };

	why[0] = 0;
	*results = res;
	json_object_set_new(res, "schema", json_integer(1));
	json_object_set_new(res, "failures", failures);
	for (int k = 0; bhb_kinds[k]; k++)
		if (!(st[k] = bhb_kinds[k]->begin()))
			json_array_append_new(failures, json_sprintf("%s results: out of memory", bhb_kinds[k]->name));
	decode(&a, &c, st);
	environment(&a, c.hello);
	json_decref(c.hello);
	for (int k = 0; bhb_kinds[k]; k++)
		if (st[k])
			bhb_kinds[k]->finish(&a, st[k]);
	json_object_set_new(res, "status", json_string(json_array_size(failures) ? "failed" : "ok"));
	if (json_array_size(failures))
		snprintf(why, len, "%s", json_string_value(json_array_get(failures, 0)));
	return json_array_size(failures) ? 1 : 0;
}

void bhb_print_summary(FILE *f, json_t *res)
{
	json_t *env = json_object_get(res, "env"), *sc = json_object_get(res, "scenario");

	fprintf(f, "\nbhbench %s: kernel %s (%s, preempt %s), %s, %lld vCPUs, host %s\n",
		json_string_value(json_object_get(sc, "name")) ?: "?",
		json_string_value(json_object_get(env, "kernel")) ?: "?",
		json_string_value(json_object_get(env, "flavour")) ?: "?",
		json_string_value(json_object_get(env, "preempt")) ?: "?",
		json_string_value(json_object_get(env, "accel")) ?: "?",
		json_integer_value(json_object_get(env, "vcpus")),
		json_string_value(json_object_get(env, "host_cpu")) ?: "?");
	for (int k = 0; bhb_kinds[k]; k++)
		if (bhb_kinds[k]->summary && bhb_kinds[k]->summary(f, res))
			return;
	bhb_latency_print(f, res);
}
