// SPDX-License-Identifier: GPL-2.0
/*
 * check_run: assert the invariants of a finished bhbench run (the
 * integration test's oracle).  Usage:
 *   check_run RUN_DIR [--mechs N] [--max-ms M]
 * For every producer x mechanism: executed == queued, lost == 0, nothing
 * refused, arrivals == queued + coalesced == items x CPUs x reps,
 * histogram count == executed, every latency > 0 and < max-ms; the callback
 * ran in the context the mechanism promises; tasklets and BH work ran on
 * the queueing CPU in queueing order.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/names.h"

static int failures;

#define CHECK(cond, ...)						\
	do {								\
		if (!(cond)) {						\
			printf("FAIL %s/%s: ", prod, mech);		\
			printf(__VA_ARGS__);				\
			printf("\n");					\
			failures++;					\
		}							\
	} while (0)

static long long geti(json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

static int is_local(const char *mech)
{
	return !strcmp(mech, "tasklet") || !strcmp(mech, "tasklet_hi") || !strncmp(mech, "bh", 2);
}

int main(int argc, char **argv)
{
	char path[4096];
	json_error_t je;
	json_t *res, *b;
	size_t i;
	int want_mechs = -1;
	double max_ms = 1000;
	long long items, reps, ncpus;

	if (argc < 2) {
		fprintf(stderr, "usage: check_run RUN_DIR [--mechs N] [--max-ms M]\n");
		return 2;
	}
	for (int a = 2; a + 1 < argc; a += 2) {
		if (!strcmp(argv[a], "--mechs"))
			want_mechs = atoi(argv[a + 1]);
		else if (!strcmp(argv[a], "--max-ms"))
			max_ms = atof(argv[a + 1]);
	}
	snprintf(path, sizeof(path), "%s/results.json", argv[1]);
	res = json_load_file(path, 0, &je);
	if (!res) {
		printf("FAIL: cannot read %s: %s\n", path, je.text);
		return 1;
	}
	const char *prod = "run", *mech = "-";

	CHECK(!strcmp(json_string_value(json_object_get(res, "status")), "ok"), "status is %s",
	      json_string_value(json_object_get(res, "status")));
	CHECK(!strcmp(json_string_value(json_object_get(json_object_get(res, "channel"), "status")), "complete"),
	      "result stream not complete");
	items = geti(json_object_get(res, "scenario"), "items_per_cpu");
	reps = geti(json_object_get(res, "scenario"), "repetitions");
	ncpus = geti(json_object_get(json_object_get(res, "env"), "guest"), "nr_online");
	CHECK(ncpus >= 1, "guest CPU count missing");
	snprintf(path, sizeof(path), "%s/gbench.json", argv[1]);
	json_t *gb = json_load_file(path, 0, &je);

	CHECK(gb && json_array_size(json_object_get(gb, "benchmarks")) > 0, "no Google Benchmark JSON");

	int nmech[BHB_NR_PRODUCERS] = { 0 };

	json_array_foreach(json_object_get(res, "benchmarks"), i, b) {
		json_t *c = json_object_get(b, "counters"), *lat = json_object_get(b, "latency_ns");
		json_t *ctx = json_object_get(b, "contexts"), *h = json_object_get(json_object_get(b, "histogram"), "latency");
		long long exe = geti(c, "executed"), hsum = 0;
		int p;

		prod = json_string_value(json_object_get(b, "producer"));
		mech = json_string_value(json_object_get(b, "mech"));
		p = bhb_name_lookup(bhb_producer_names, BHB_NR_PRODUCERS, prod);
		if (p >= 0)
			nmech[p]++;
		CHECK(geti(b, "repetitions") == reps, "%lld repetitions, want %lld", geti(b, "repetitions"), reps);
		CHECK(geti(b, "errors") == 0, "%lld runs failed", geti(b, "errors"));
		CHECK(exe > 0, "nothing executed");
		CHECK(exe == geti(c, "queued"), "executed %lld != queued %lld", exe, geti(c, "queued"));
		CHECK(geti(c, "lost") == 0, "lost %lld", geti(c, "lost"));
		CHECK(geti(c, "refused") == 0, "refused %lld", geti(c, "refused"));
		CHECK(geti(c, "arrivals") == items * ncpus * reps, "arrivals %lld, want %lld",
		      geti(c, "arrivals"), items * ncpus * reps);
		CHECK(geti(c, "queued") + geti(c, "coalesced") == geti(c, "arrivals"),
		      "queued + coalesced != arrivals");
		for (size_t k = 1; k < json_array_size(h); k += 2)
			hsum += json_integer_value(json_array_get(h, k));
		CHECK(hsum == exe, "histogram holds %lld samples, executed %lld", hsum, exe);
		CHECK(geti(lat, "min") > 0, "a latency of %lld ns", geti(lat, "min"));
		CHECK(json_real_value(json_object_get(json_object_get(lat, "max"), "value")) < max_ms * 1e6,
		      "max latency %.0f ns above %g ms", json_real_value(json_object_get(json_object_get(lat, "max"), "value")), max_ms);
		CHECK(json_real_value(json_object_get(json_object_get(lat, "p50"), "value")) > 0, "p50 not positive");
		if (is_local(mech)) {
			CHECK(geti(c, "other_cpu") == 0, "%lld items ran on another CPU", geti(c, "other_cpu"));
			CHECK(geti(c, "out_of_order") == 0, "%lld items ran out of order", geti(c, "out_of_order"));
		}
		/* the context each mechanism promises */
		if (!strcmp(mech, "direct"))
			CHECK(geti(ctx, !strcmp(prod, "hardirq") ? "hardirq" : "process") == exe, "direct ran elsewhere");
		else if (!strncmp(mech, "wq_", 3))
			CHECK(geti(ctx, "kworker") == exe, "threaded work ran outside a kworker");
		else
			CHECK(geti(ctx, "softirq_irq_exit") + geti(ctx, "softirq_bh_enable") + geti(ctx, "ksoftirqd") == exe,
			      "tasklet/BH work ran outside softirq");
	}
	prod = "run";
	mech = "-";
	for (int p = 0; p < BHB_NR_PRODUCERS; p++)
		if (nmech[p] && want_mechs >= 0)
			CHECK(nmech[p] == want_mechs, "producer %s has %d mechanisms, want %d",
			      bhb_producer_names[p], nmech[p], want_mechs);
	CHECK(json_array_size(json_object_get(res, "benchmarks")) > 0, "no benchmarks");
	json_decref(gb);
	json_decref(res);
	if (failures) {
		printf("check_run: %d failed checks in %s\n", failures, argv[1]);
		return 1;
	}
	printf("check_run: %s: all invariants hold\n", argv[1]);
	return 0;
}
