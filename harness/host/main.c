// SPDX-License-Identifier: GPL-2.0
/*
 * bhbench: benchmark Linux deferred work inside real kernels under QEMU.
 * One table of subcommands, one function each (as git and perf bench do).
 */
#include <stdio.h>
#include <string.h>

#include "../common/names.h"
#include "../common/scenario.h"
#include "bhbench.h"

/* every name list of the harness, for scripts: one table per enum, the same as the C code's */
static const struct {
	const char *kind;
	const char *const *names;
	int n;
} name_lists[] = {
	{ "mechanisms", bhb_mech_names, BHB_NR_MECHS },
	{ "producers", bhb_producer_names, BHB_NR_PRODUCERS },
	{ "contexts", bhb_ctx_names, BHB_NR_CTX },
	{ "hotplug-modes", bhb_hp_mode_names, BHB_NR_HP_MODES },
	{ "hogs", bhb_hog_names, BHB_NR_HOGS },
	{ "works", bhb_work_names, BHB_NR_CASE_WORKS },
	{ "competitors", bhb_competitor_names, BHB_NR_COMPETITORS },
	{ "victims", bhb_victim_names, BHB_NR_VICTIMS },
	{ "dm-verity-modes", bhb_dmv_mode_names, BHB_NR_DMV_MODES },
	{ "dm-verity-loads", bhb_dmv_load_names, BHB_NR_DMV_LOADS },
	{ "scenario-types", bhb_scen_type_names, BHB_NR_SCEN_TYPES },
	{ "control-ops", bhb_ctrl_op_names, BHB_NR_CTRL_OPS },
};

/* bhbench names KIND: the names in id order, one a line; bhbench names KIND NAME: its id */
static int cmd_names(int argc, char **argv)
{
	int help;

	for (size_t i = 0; argc >= 2 && argc <= 3 && i < sizeof(name_lists) / sizeof(name_lists[0]); i++) {
		if (strcmp(argv[1], name_lists[i].kind))
			continue;
		if (argc == 2) {
			for (int k = 0; k < name_lists[i].n; k++)
				printf("%s\n", name_lists[i].names[k]);
			return 0;
		}
		int id = bhb_name_lookup(name_lists[i].names, name_lists[i].n, argv[2]);

		if (id < 0) {
			fprintf(stderr, "bhbench names: no %s named '%s'\n", argv[1], argv[2]);
			return 1;
		}
		printf("%d\n", id);
		return 0;
	}
	help = argc == 2 && !strcmp(argv[1], "--help");
	fprintf(help ? stdout : stderr, "usage: bhbench names KIND [NAME]\nKIND:");
	for (size_t i = 0; i < sizeof(name_lists) / sizeof(name_lists[0]); i++)
		fprintf(help ? stdout : stderr, " %s", name_lists[i].kind);
	fprintf(help ? stdout : stderr, "\n");
	return help ? 0 : 2;
}

struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
};

static const struct cmd commands[] = {
	{ "run", cmd_run, "boot a kernel, run a scenario, write results/<run-id>/" },
	{ "show", cmd_show, "print the summary table of a finished run" },
	{ "report", cmd_report, "gnuplot figures, report.html and report.md for runs" },
	{ "merge", cmd_merge, "merge boots of one kernel and scenario: within- and between-boot spread" },
	{ "ab", cmd_ab, "BASE and NEW booted in turn (ABBA), N boots each, merged and compared" },
	{ "compare", cmd_compare, "NEW/BASE per mechanism and metric, tested; exit 1 on a regression" },
	{ "matrix", cmd_matrix, "run a scenario on every kernel cell of configs/kernels.ini (resumable)" },
	{ "trend", cmd_trend, "one metric per mechanism across runs (kernels), table and data" },
	{ "kernels", cmd_kernels, "list cached kernels; --available, --fetch K" },
	{ "names", cmd_names, "the names of mechanisms, producers, contexts ... in id order (for scripts)" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: bhbench <command> [options]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].help);
	fprintf(f, "\n'bhbench <command> --help' describes a command.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "bhbench: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
