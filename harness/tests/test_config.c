// SPDX-License-Identifier: GPL-2.0
/* Unit tests: scenario files and "bhbench run" options; bad input gets a clear message. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <unistd.h>
#include <cmocka.h>

#include "../common/names.h"
#include "../common/scenario.h"
#include "../host/bhbench.h"

static void test_scenario_ok(void **state)
{
	struct bhb_scenario sc;
	const char *ini =
		"; comment\n"
		"[scenario]\n"
		"name = lat1\n"
		"producers = hardirq, process_bh\n"
		"mechanisms = tasklet bh wq_unbound\n"
		"cpus = 0-2,5\n"
		"items = 500\n"
		"period_us = 150\n"
		"cost_us = 3\n"
		"repetitions = 4\n";

	(void)state;
	assert_int_equal(bhb_scenario_parse(ini, "t.ini", &sc), 0);
	assert_string_equal(sc.name, "lat1");
	assert_int_equal(sc.producers, (1u << BHB_PROD_HARDIRQ) | (1u << BHB_PROD_PROCESS_BH));
	assert_int_equal(sc.mechs, (1ull << BHB_MECH_TASKLET) | (1ull << BHB_MECH_BH) | (1ull << BHB_MECH_WQ_UNBOUND));
	assert_int_equal(sc.cpus, 0x27);
	assert_int_equal(sc.items, 500);
	assert_int_equal(sc.period_ns, 150000);
	assert_int_equal(sc.cost_ns, 3000);
	assert_int_equal(sc.repetitions, 4);
	assert_int_equal(sc.inflight, 64);	/* default kept */
	assert_int_equal(bhb_scenario_parse("[scenario]\nmechanisms = all\n", "t", &sc), 0);
	assert_int_equal(sc.mechs, (1ull << BHB_NR_MECHS) - 1);
}

struct bad_case {
	const char *ini;
	const char *want[3];	/* substrings the message must contain */
};

static void test_scenario_bad(void **state)
{
	static const struct bad_case cases[] = {
		{ "[scenario]\nname = x\nitemz = 5\n", { "t.ini:3:", "unknown key 'itemz'" } },
		{ "[scenario]\nitems = abc\n", { "t.ini:2:", "items", "integer from 1 to 10000000" } },
		{ "[scenario]\nitems = 0\n", { "t.ini:2:", "items = '0'" } },
		{ "[scenario]\nitems = -5\n", { ":2:", "items" } },
		{ "[scenario]\nitems = 12x\n", { ":2:", "items" } },
		{ "[scenario]\ninflight = 5000\n", { ":2:", "inflight", "4096" } },
		{ "[scenario]\nperiod_us = 0\n", { ":2:", "period_us" } },
		{ "[scenario]\nitems = 99999999999999999999999\n", { ":2:", "items" } },
		{ "[scenario]\n\nmechanisms = tasklet, bogus\n", { "t.ini:3:", "unknown name 'bogus'", "wq_unbound" } },
		{ "[scenario]\nproducers = nmi\n", { ":2:", "producers", "hardirq" } },
		{ "[scenario]\ncpus = 3-1\n", { ":2:", "cpus" } },
		{ "[scenario]\ncpus = 64\n", { ":2:", "cpus" } },
		{ "[scenarios]\nitems = 5\n", { ":2:", "unknown section [scenarios]" } },
		{ "[scenario]\nthis line is not ini\n", { "t.ini:2:", "not an INI line" } },
		{ "[scenario]\nname = has space\n", { ":2:", "name" } },
		{ "[scenario]\ntype = dm-verity\nverify = wq, tasklet\n", { "t.ini:3:", "unknown name 'tasklet'", "bh_bytes" } },
		{ "[scenario]\ntype = dm-verity\nio = rand4k, seq\n", { "t.ini:3:", "io", "seq512k" } },
		{ "[scenario]\ntype = dm-verity\ndata_mb = 4\n", { "t.ini:3:", "data_mb", "from 8 to 1024" } },
		{ "[scenario]\ntype = dmverity\n", { "t.ini:2:", "dm-verity or usb-storage" } },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct bhb_scenario sc;

		if (bhb_scenario_parse(cases[i].ini, "t.ini", &sc) == 0)
			fail_msg("case %zu accepted: %s", i, cases[i].ini);
		for (int k = 0; k < 3 && cases[i].want[k]; k++)
			if (!strstr(sc.error, cases[i].want[k]))
				fail_msg("case %zu: message '%s' lacks '%s'", i, sc.error, cases[i].want[k]);
	}
}

/* a dm-verity scenario: its keys, and the defaults of the ones it leaves out */
static void test_dmverity_keys(void **state)
{
	struct bhb_scenario sc;

	(void)state;
	assert_int_equal(bhb_scenario_parse("[scenario]\ntype = dm-verity\nverify = bh, bh_bytes\nio = seq512k\n"
					    "data_mb = 32\nruntime_ms = 500\nrepetitions = 3\n", "t", &sc), 0);
	assert_int_equal(sc.type, BHB_SCEN_DMVERITY);
	assert_int_equal(sc.dmv_modes, (1u << BHB_DMV_BH) | (1u << BHB_DMV_BH_BYTES));
	assert_int_equal(sc.dmv_loads, 1u << BHB_DMV_SEQ512K);
	assert_int_equal(sc.data_mb, 32);
	assert_int_equal(sc.runtime_ms, 500);
	assert_int_equal(sc.repetitions, 3);
	assert_int_equal(sc.corrupt_check, 1);
	assert_int_equal(bhb_scenario_parse("[scenario]\ntype = dm-verity\n", "t", &sc), 0);
	assert_int_equal(sc.dmv_modes, (1u << BHB_DMV_WQ) | (1u << BHB_DMV_BH));
	assert_int_equal(sc.dmv_loads, 1u << BHB_DMV_RAND4K);
	assert_int_equal(sc.data_mb, 64);
}

/* [case NAME] sections start from the scenario's values; implicit cases per producer */
static void test_cases(void **state)
{
	struct bhb_scenario sc;
	const char *ini =
		"[scenario]\n"
		"name = pat\n"
		"items = 300\n"
		"period_us = 500\n"
		"inflight = 16\n"
		"[case periodic]\n"
		"pattern = periodic\n"
		"[case burst-256]\n"
		"burst = 256\n"
		"inflight = 512\n"
		"pattern = poisson\n"
		"[case remote]\n"
		"producer = remote\n"
		"cpus = 0\n"
		"remote_cpu = 1\n"
		"hog = fifo\n"
		"cost_us = 100\n"
		"touch_kb = 64\n";

	(void)state;
	assert_int_equal(bhb_scenario_parse(ini, "t.ini", &sc), 0);
	assert_int_equal(sc.ncases, 3);
	assert_string_equal(sc.cases[0].name, "periodic");
	assert_int_equal(sc.cases[0].items, 300);
	assert_int_equal(sc.cases[0].period_ns, 500000);
	assert_int_equal(sc.cases[0].producer, BHB_PROD_HARDIRQ);
	assert_int_equal(sc.cases[0].burst, 0);
	assert_int_equal(sc.cases[1].burst, 256);
	assert_int_equal(sc.cases[1].inflight, 512);
	assert_int_equal(sc.cases[1].poisson, 1);
	assert_int_equal(sc.cases[1].items, 300);
	assert_int_equal(sc.cases[2].producer, BHB_PROD_REMOTE);
	assert_int_equal(sc.cases[2].cpus, 1);
	assert_int_equal(sc.cases[2].remote_cpu, 1);
	assert_int_equal(sc.cases[2].hog, BHB_HOG_FIFO);
	assert_int_equal(sc.cases[2].cost_ns, 100000);
	assert_int_equal(sc.cases[2].touch_bytes, 65536);
	assert_int_equal(sc.cases[2].inflight, 16);

	/* no [case]: one per producer, named after it */
	assert_int_equal(bhb_scenario_parse("[scenario]\nproducers = process, softirq\ncost_us = 2\n", "t", &sc), 0);
	assert_int_equal(sc.ncases, 2);
	assert_string_equal(sc.cases[0].name, "process");
	assert_int_equal(sc.cases[1].producer, BHB_PROD_SOFTIRQ);
	assert_int_equal(sc.cases[1].cost_ns, 2000);

	/* work =: the module's work for each; touch writes 64 kB unless touch_kb says; the case's JSON names it */
	assert_int_equal(bhb_scenario_parse("[scenario]\nwork = hash\n[case h]\nitems = 5\n[case t]\nwork = touch\n"
					    "[case t2]\nwork = touch\ntouch_kb = 8\n[case o]\nwork = handoff\n", "t", &sc), 0);
	assert_int_equal(sc.cases[0].work, BHB_CASE_WORK_HASH);
	assert_int_equal(bhb_case_work_module(sc.cases[0].work), BHB_WORK_HASH);
	assert_int_equal(sc.cases[1].touch_bytes, 65536);
	assert_int_equal(bhb_case_work_module(sc.cases[1].work), BHB_WORK_BUSY);
	assert_int_equal(sc.cases[2].touch_bytes, 8192);
	assert_int_equal(bhb_case_work_module(sc.cases[3].work), BHB_WORK_HANDOFF);
	{
		json_t *j = bhb_case_json(&sc.cases[3]);

		assert_string_equal(json_string_value(json_object_get(j, "work")), "handoff");
		assert_int_equal(json_integer_value(json_object_get(j, "items")), 2000);
		json_decref(j);
	}

	assert_int_equal(bhb_scenario_parse("[suite]\nname = s\nscenarios = a, b c\n", "t", &sc), 0);
	assert_int_equal(sc.type, BHB_SCEN_SUITE);
	assert_int_equal(sc.nmembers, 3);
	assert_string_equal(sc.members[2], "c");
	assert_string_equal(sc.name, "s");

	static const struct { const char *ini, *want; } bad[] = {
		{ "[scenario]\n[case a]\nburst = 100\n", "burst 100 needs inflight" },
		{ "[scenario]\n[case a]\nitems = 1\n[case b]\nitems = 1\n[case a]\nitems = 2\n", "t:7: [case a]: a second case" },
		{ "[case a]\nwidth = 3\n", "t:2: unknown key 'width' in [case a]" },
		{ "[case a]\nproducer = hardirq, process\n", "one name only" },
		{ "[case a]\npattern = bursty\n", "not periodic or poisson" },
		{ "[case a]\nhog = rr\n", "unknown name 'rr'" },
		{ "[case a]\nproducer = remote\n", "remote producer needs cpus" },
		{ "[case a]\nproducer = remote\ncpus = 0-1\nremote_cpu = 1\n", "one of the producing cpus" },
		{ "[case a]\ninflight = 2000\ncost_us = 1000\n", "bound of 1 s" },
		{ "[case a]\nitems = 1\n[scenario]\nitems = 2\n", "t:4: [scenario] after a [case]" },
		{ "[scenario]\ntype = hotplug\n[case a]\nitems = 1\n", "latency scenarios only" },
		{ "[suite]\nname = s\n", "without scenarios" },
		{ "[scenario]\n[case a]\n[case b]\nitems = 3\n", "2 [case] sections but 1 with keys" },
		{ "[suite]\nitems = 3\n", "t:2: unknown key 'items' in [suite]" },
		{ "[case a]\nwork = sha\n", "work: unknown name 'sha'" },
		{ "[case a]\nwork = hash\ntouch_kb = 4\n", "touch_kb goes with work = busy or touch, not hash" },
		{ "[case a]\nwork = hash\ninflight = 2000\n", "inflight at most 1024" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (bhb_scenario_parse(bad[i].ini, "t", &sc) == 0)
			fail_msg("case %zu accepted: %s", i, bad[i].ini);
		if (!strstr(sc.error, bad[i].want))
			fail_msg("case %zu: message '%s' lacks '%s'", i, sc.error, bad[i].want);
	}
}

static void test_scenario_files(void **state)
{
	struct bhb_scenario sc;
	char path[] = "/tmp/bhbench-test-XXXXXX";
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "[scenario]\nitems = 7\n", 21), 21);
	close(fd);
	assert_int_equal(bhb_scenario_load(path, &sc), 0);
	assert_int_equal(sc.items, 7);
	unlink(path);
	assert_int_equal(bhb_scenario_load(path, &sc), -1);
	assert_non_null(strstr(sc.error, "No such file"));
}

/*
 * Every shipped scenario and fixture parses (kernels.ini is the matrix's,
 * bad-key.ini the failure test's), and a suite's members exist: a broken
 * file there fails here, not in a guest test minutes later.
 */
static void test_shipped_scenarios(void **state)
{
	static const char *const dirs[] = { "../configs", "../tests/fixtures" };
	int n = 0;

	(void)state;
	for (size_t d = 0; d < sizeof(dirs) / sizeof(dirs[0]); d++) {
		DIR *dir = opendir(dirs[d]);
		struct dirent *e;

		assert_non_null(dir);
		while ((e = readdir(dir))) {
			struct bhb_scenario *sc = malloc(sizeof(*sc));
			char path[512], mp[512], err[256];
			size_t len = strlen(e->d_name);

			if (len < 5 || strcmp(e->d_name + len - 4, ".ini") || !strcmp(e->d_name, "kernels.ini") ||
			    !strcmp(e->d_name, "bad-key.ini")) {
				free(sc);
				continue;
			}
			snprintf(path, sizeof(path), "%s/%s", dirs[d], e->d_name);
			if (bhb_scenario_load(path, sc))
				fail_msg("%s", sc->error);
			for (uint32_t k = 0; k < sc->nmembers; k++)
				if (bhb_scenario_path("..", sc->members[k], mp, sizeof(mp), err, sizeof(err)))
					fail_msg("%s: member: %s", path, err);
			n++;
			free(sc);
		}
		closedir(dir);
	}
	assert_true(n >= 20);
}

static int parse(char *err, struct run_opts *o, ...)
{
	char *argv[32];
	int argc = 0;
	va_list ap;

	argv[argc++] = "run";
	va_start(ap, o);
	for (char *a; (a = va_arg(ap, char *));)
		argv[argc++] = a;
	va_end(ap);
	argv[argc] = NULL;
	return bhb_parse_run_opts(argc, argv, o, err, 256);
}

static void test_cli(void **state)
{
	struct run_opts o;
	char err[256];

	(void)state;
	assert_int_equal(parse(err, &o, NULL), 0);
	assert_string_equal(o.kernel, "6.12");
	assert_string_equal(o.scenario, "default");
	assert_string_equal(o.accel, "auto");
	assert_int_equal(o.cpus, 2);
	assert_int_equal(o.quick, 0);
	assert_int_equal(o.trace, 0);
	assert_int_equal(parse(err, &o, "--quick", "--trace", "3", NULL), 0);
	assert_int_equal(o.quick, 1);
	assert_int_equal(o.trace, 3);
	assert_int_not_equal(parse(err, &o, "--trace", "0", NULL), 0);
	assert_non_null(strstr(err, "--trace"));
	assert_int_equal(parse(err, &o, "--kernel", "7.3.4+deb13-amd64", "-s", "smoke", "--accel", "tcg",
			       "--cpus", "4", "--append", "bhbench.inject_warn=1", NULL), 0);
	assert_string_equal(o.kernel, "7.3.4+deb13-amd64");
	assert_int_equal(o.cpus, 4);
	assert_string_equal(o.append, "bhbench.inject_warn=1");

	assert_int_equal(parse(err, &o, "--cpus", "0", NULL), -1);
	assert_non_null(strstr(err, "--cpus: '0' is not an integer from 1 to 64"));
	assert_int_equal(parse(err, &o, "--cpus", "2x", NULL), -1);
	assert_int_equal(parse(err, &o, "--accel", "hvf", NULL), -1);
	assert_non_null(strstr(err, "not one of auto, kvm, tcg"));
	assert_int_equal(parse(err, &o, "--bogus", NULL), -1);
	assert_non_null(strstr(err, "unknown option '--bogus'"));
	assert_int_equal(parse(err, &o, "--kernel", NULL), -1);
	assert_non_null(strstr(err, "needs a value"));
	assert_int_equal(parse(err, &o, "extra", NULL), -1);
	assert_non_null(strstr(err, "unexpected argument 'extra'"));
	assert_int_equal(parse(err, &o, "--kernel", "6.12; rm -rf /", NULL), -1);
	assert_int_equal(parse(err, &o, "--id", "../escape", NULL), -1);
	assert_int_equal(parse(err, &o, "--mem", "64", NULL), -1);

	/* --native's own options: refused without it; --native with a guest's */
	assert_int_equal(parse(err, &o, "--usb-disk", "/dev/sdb", NULL), -1);
	assert_non_null(strstr(err, "--usb-disk is for --native runs"));
	assert_int_equal(parse(err, &o, "--allow-hotplug", NULL), -1);
	assert_non_null(strstr(err, "are for --native runs"));
	assert_int_equal(parse(err, &o, "--native", "-s", "usb-storage", "--usb-disk", "/dev/sdb", NULL), 0);
	assert_string_equal(o.usb_disk, "/dev/sdb");
	assert_string_equal(o.accel, "native");
	assert_int_equal(parse(err, &o, "--native", "--cpus", "2", NULL), -1);
	assert_non_null(strstr(err, "do not apply"));
}

/* a kernel of one's own: --kernel-image and --kernel-build together, never with --kernel */
static void test_cli_custom_kernel(void **state)
{
	struct run_opts o;
	char err[256];

	(void)state;
	assert_int_equal(parse(err, &o, "--kernel-image", "/k/bzImage", "--kernel-build", "/k", NULL), 0);
	assert_string_equal(o.kernel_image, "/k/bzImage");
	assert_string_equal(o.kernel_build, "/k");
	assert_int_equal(parse(err, &o, NULL), 0);
	assert_string_equal(o.kernel_image, "");
	assert_string_equal(o.kernel_build, "");

	assert_int_equal(parse(err, &o, "--kernel", "6.12", "--kernel-image", "/k/bzImage", "--kernel-build", "/k",
			       NULL), -1);
	assert_non_null(strstr(err, "mutually exclusive"));
	assert_int_equal(parse(err, &o, "--kernel-image", "/k/bzImage", "--kernel-build", "/k", "-k", "7.3", NULL), -1);
	assert_non_null(strstr(err, "mutually exclusive"));
	assert_int_equal(parse(err, &o, "--kernel-image", "/k/bzImage", NULL), -1);
	assert_non_null(strstr(err, "--kernel-image needs --kernel-build"));
	assert_int_equal(parse(err, &o, "--kernel-build", "/k", NULL), -1);
	assert_non_null(strstr(err, "--kernel-build needs --kernel-image"));
	assert_int_equal(parse(err, &o, "--kernel-image", NULL), -1);
	assert_non_null(strstr(err, "--kernel-image needs a value"));
	assert_int_equal(parse(err, &o, "--kernel-image", "/k/bzImage", "--kernel-build", NULL), -1);
	assert_non_null(strstr(err, "--kernel-build needs a value"));
	assert_int_equal(parse(err, &o, "--kernel-image", "", "--kernel-build", "/k", NULL), -1);
	assert_non_null(strstr(err, "--kernel-image: value must be"));
}

static void test_scenario_path(void **state)
{
	char out[512], err[512];

	(void)state;
	assert_int_equal(bhb_scenario_path("/nonexistent-root", "latency", out, sizeof(out), err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no scenario 'latency'"));
	assert_int_equal(bhb_scenario_path("/", "/nonexistent/x.ini", out, sizeof(out), err, sizeof(err)), -1);
	assert_non_null(strstr(err, "/nonexistent/x.ini"));
}

/* every enum value has a distinct name: a new mechanism cannot go nameless */
static void test_names(void **state)
{
	const char *const *tables[] = { bhb_mech_names, bhb_producer_names, bhb_ctx_names };
	const int sizes[] = { BHB_NR_MECHS, BHB_NR_PRODUCERS, BHB_NR_CTX };

	(void)state;
	assert_int_equal(BHB_HIST_SUB, 1u << BHB_HIST_SUB_BITS);
	for (int t = 0; t < 3; t++)
		for (int i = 0; i < sizes[t]; i++) {
			assert_non_null(tables[t][i]);
			assert_int_equal(bhb_name_lookup(tables[t], sizes[t], tables[t][i]), i);
		}
	assert_int_equal(bhb_name_lookup(bhb_mech_names, BHB_NR_MECHS, "nope"), -1);
	assert_int_equal(bhb_name_lookup(bhb_mech_names, BHB_NR_MECHS, NULL), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_scenario_ok),
		cmocka_unit_test(test_scenario_bad),
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_scenario_files),
		cmocka_unit_test(test_shipped_scenarios),
		cmocka_unit_test(test_dmverity_keys),
		cmocka_unit_test(test_cli),
		cmocka_unit_test(test_cli_custom_kernel),
		cmocka_unit_test(test_scenario_path),
	};

	return cmocka_run_group_tests_name("config and CLI", tests, NULL, NULL);
}
