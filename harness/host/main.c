// SPDX-License-Identifier: GPL-2.0
/*
 * bhbench: benchmark Linux deferred work inside real kernels under QEMU.
 * One table of subcommands, one function each (as git and perf bench do).
 */
#include <stdio.h>
#include <string.h>

#include "bhbench.h"

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
