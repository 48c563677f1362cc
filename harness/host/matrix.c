// SPDX-License-Identifier: GPL-2.0
/*
 * bhbench matrix: run a scenario on every cell of configs/kernels.ini, one
 * boot per cell, resumable (a cell with a successful result is not run again
 * unless --force).  Each cell is one self-contained "bhbench run" command,
 * which --print-commands lists for an external job system.
 *
 * bhbench trend: one metric of one producer across runs (e.g. the cells of
 * a matrix), as a table and as a data file ready for gnuplot.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <ini.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bhbench.h"

#define MAX_CELLS 64

struct cell {
	char name[64], kernel[128], append[512];
	int cpus;
};

struct cells {
	struct cell v[MAX_CELLS];
	int n;
	char err[256];
};

static int on_key(void *user, const char *section, const char *key, const char *value)
{
	struct cells *c = user;
	struct cell *x;

	if (!c->n || strcmp(c->v[c->n - 1].name, section)) {
		if (c->n == MAX_CELLS || strlen(section) >= sizeof(c->v[0].name) || strpbrk(section, "/ ")) {
			snprintf(c->err, sizeof(c->err), "cell [%s]: too many cells or a bad name", section);
			return 0;
		}
		x = &c->v[c->n++];
		memset(x, 0, sizeof(*x));
		snprintf(x->name, sizeof(x->name), "%s", section);
		x->cpus = 2;
	}
	x = &c->v[c->n - 1];
	if (!strcmp(key, "kernel") && strlen(value) < sizeof(x->kernel))
		snprintf(x->kernel, sizeof(x->kernel), "%s", value);
	else if (!strcmp(key, "append") && strlen(value) < sizeof(x->append))
		snprintf(x->append, sizeof(x->append), "%s", value);
	else if (!strcmp(key, "cpus") && atoi(value) >= 1 && atoi(value) <= 64)
		x->cpus = atoi(value);
	else {
		snprintf(c->err, sizeof(c->err), "[%s]: bad key or value '%s = %s'", section, key, value);
		return 0;
	}
	return 1;
}

static int cell_done(const char *dir)
{
	char err[512];
	json_t *r = bhb_res_load(dir, err, sizeof(err));

	json_decref(r);
	return r != NULL;
}

int cmd_matrix(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "kernels", required_argument, NULL, 'k' }, { "scenario", required_argument, NULL, 's' },
		{ "cells", required_argument, NULL, 'c' }, { "out", required_argument, NULL, 'o' },
		{ "force", no_argument, NULL, 'f' }, { "print-commands", no_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' }, { 0 }
	};
	char kfile[PATH_MAX], out[PATH_MAX], scen[256] = "latency", only[512] = "", exe[PATH_MAX];
	struct cells *cs = calloc(1, sizeof(*cs));
	int force = 0, print = 0, c, ret, failed = 0, ran = 0, skipped = 0;
	ssize_t n;

	snprintf(kfile, sizeof(kfile), "%s/configs/kernels.ini", bhb_root());
	snprintf(out, sizeof(out), "%s/results", bhb_root());
	optind = 0;
	while ((c = getopt_long(argc, argv, "k:s:c:o:fph", lo, NULL)) != -1) {
		switch (c) {
		case 'k': snprintf(kfile, sizeof(kfile), "%s", optarg); break;
		case 's': snprintf(scen, sizeof(scen), "%s", optarg); break;
		case 'c': snprintf(only, sizeof(only), ",%s,", optarg); break;
		case 'o': snprintf(out, sizeof(out), "%s", optarg); break;
		case 'f': force = 1; break;
		case 'p': print = 1; break;
		case 'h':
			printf("usage: bhbench matrix [--kernels FILE] [--scenario S] [--cells a,b] [--out DIR]\n"
			       "                      [--force] [--print-commands]\n"
			       "Runs scenario S (default latency) on every cell of FILE (default configs/kernels.ini),\n"
			       "one boot each, into DIR/matrix-<cell>-<scenario>.  A cell with a successful result is\n"
			       "skipped unless --force.  --print-commands prints the self-contained command per cell\n"
			       "(one job each for a CI matrix or a Slurm array) and runs nothing.\n");
			free(cs);
			return 0;
		default:
			free(cs);
			fprintf(stderr, "bhbench matrix: unknown option (see --help)\n");
			return 2;
		}
	}
	ret = ini_parse(kfile, on_key, cs);
	if (ret) {
		fprintf(stderr, "bhbench matrix: %s%s%d: %s\n", kfile, ret > 0 ? ":" : "", ret > 0 ? ret : 0,
			ret < 0 ? strerror(errno) : cs->err[0] ? cs->err : "not an INI line");
		free(cs);
		return 2;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = 0;
	for (int i = 0; i < cs->n; i++) {
		struct cell *x = &cs->v[i];
		char id[256], dir[PATH_MAX], needle[80], cpus[8];

		snprintf(needle, sizeof(needle), ",%s,", x->name);
		if (only[0] && !strstr(only, needle))
			continue;
		if (!x->kernel[0]) {
			fprintf(stderr, "bhbench matrix: %s: cell [%s] has no kernel\n", kfile, x->name);
			failed++;
			continue;
		}
		snprintf(id, sizeof(id), "matrix-%s-%s", x->name, scen);
		snprintf(dir, sizeof(dir), "%s/%s", out, id);
		snprintf(cpus, sizeof(cpus), "%d", x->cpus);
		if (print) {
			printf("./bhbench run --kernel %s --scenario %s --cpus %d%s%s%s --out %s --id %s\n", x->kernel, scen,
			       x->cpus, x->append[0] ? " --append '" : "", x->append, x->append[0] ? "'" : "", out, id);
			continue;
		}
		if (cell_done(dir) && !force) {
			printf("matrix: [%s] done already (%s)\n", x->name, dir);
			skipped++;
			continue;
		}
		if (force) {
			char cmd[PATH_MAX + 16];
			const char *rm[] = { "rm", "-rf", dir, NULL };

			snprintf(cmd, sizeof(cmd), "%s", dir);
			bhb_capture(cmd, sizeof(cmd), rm);
		} else if (access(dir, F_OK) == 0) {
			/* a failed earlier attempt: keep it, aside */
			char old[PATH_MAX];

			snprintf(old, sizeof(old), "%s.failed-%ld", dir, (long)getpid());
			rename(dir, old);
		}
		printf("matrix: [%s] %s, %s\n", x->name, x->kernel, x->append[0] ? x->append : "default boot");
		fflush(stdout);
		pid_t pid = fork();

		if (pid == 0) {
			const char *a[16];
			int k = 0;

			a[k++] = exe; a[k++] = "run"; a[k++] = "--kernel"; a[k++] = x->kernel;
			a[k++] = "--scenario"; a[k++] = scen; a[k++] = "--cpus"; a[k++] = cpus;
			a[k++] = "--out"; a[k++] = out; a[k++] = "--id"; a[k++] = id;
			if (x->append[0]) {
				a[k++] = "--append";
				a[k++] = x->append;
			}
			a[k] = NULL;
			execv(exe, (char *const *)a);
			_exit(127);
		}
		int st = 0;

		waitpid(pid, &st, 0);
		ran++;
		if (!WIFEXITED(st) || WEXITSTATUS(st)) {
			failed++;
			printf("matrix: [%s] FAILED (exit %d); see %s\n", x->name, WIFEXITED(st) ? WEXITSTATUS(st) : -1, dir);
			if (WIFEXITED(st) && WEXITSTATUS(st) == 130)
				break;
		}
	}
	if (!print)
		printf("matrix: %d run, %d already done, %d failed\n", ran, skipped, failed);
	free(cs);
	return failed ? 1 : 0;
}

int cmd_trend(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "metric", required_argument, NULL, 'm' }, { "producer", required_argument, NULL, 'p' },
		{ "data", required_argument, NULL, 'd' }, { "help", no_argument, NULL, 'h' }, { 0 }
	};
	const char *metric = "p50", *prod = "hardirq", *datafile = NULL;
	static const char *const mechs[] = { "direct", "tasklet", "tasklet_hi", "bh", "bh_highpri", "bh_custom",
					     "wq_percpu", "wq_highpri", "wq_unbound" };
	FILE *df = NULL;
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "m:p:d:h", lo, NULL)) != -1) {
		switch (c) {
		case 'm': metric = optarg; break;
		case 'p': prod = optarg; break;
		case 'd': datafile = optarg; break;
		case 'h':
			printf("usage: bhbench trend [--metric p50|p90|p99|p99.9|max] [--producer hardirq|process]\n"
			       "                     [--data FILE.dat] RUN_DIR...\n"
			       "One latency metric per mechanism (rows: runs, e.g. kernels), in µs with 95%% intervals.\n");
			return 0;
		default:
			return 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "usage: bhbench trend [options] RUN_DIR...\n");
		return 2;
	}
	if (datafile && !(df = fopen(datafile, "w"))) {
		fprintf(stderr, "bhbench trend: cannot write %s: %s\n", datafile, strerror(errno));
		return 1;
	}
	printf("%s latency %s (µs; [95%% CI]), %s producer\n%-28s", metric, "from intended arrival", prod, "kernel");
	for (size_t m = 0; m < sizeof(mechs) / sizeof(mechs[0]); m++)
		printf(" %-19s", mechs[m]);
	printf("\n");
	if (df) {
		fprintf(df, "# kernel");
		for (size_t m = 0; m < sizeof(mechs) / sizeof(mechs[0]); m++)
			fprintf(df, " %s %s_lo %s_hi", mechs[m], mechs[m], mechs[m]);
		fprintf(df, "\n");
	}
	for (int i = optind; i < argc; i++) {
		char label[64], err[512];
		json_t *res = bhb_res_load(argv[i], err, sizeof(err));

		if (!res) {
			fprintf(stderr, "bhbench trend: %s; skipped\n", err);
			continue;
		}
		json_t *env = json_object_get(res, "env");

		snprintf(label, sizeof(label), "%s%s%s", json_string_value(json_object_get(env, "kernel")) ?: "?",
			 strstr(json_string_value(json_object_get(env, "kernel_cmdline")) ?: "", "preempt=full") ? "+full" : "",
			 strstr(json_string_value(json_object_get(env, "kernel_cmdline")) ?: "", "threadirqs") ? "+thr" : "");
		printf("%-28s", label);
		if (df)
			fprintf(df, "%s", label);
		for (size_t m = 0; m < sizeof(mechs) / sizeof(mechs[0]); m++) {
			json_t *b = bhb_res_bench(res, prod, mechs[m]);
			json_t *v = b ? json_object_get(json_object_get(b, "latency_ns"), metric) : NULL;
			char cell[40] = "n/a";

			if (json_is_object(v)) {
				json_t *ci = json_object_get(v, "ci95");

				snprintf(cell, sizeof(cell), "%.1f [%.1f-%.1f]", json_real_value(json_object_get(v, "value")) / 1e3,
					 json_real_value(json_array_get(ci, 0)) / 1e3, json_real_value(json_array_get(ci, 1)) / 1e3);
				if (df)
					fprintf(df, " %.3f %.3f %.3f", json_real_value(json_object_get(v, "value")) / 1e3,
						json_real_value(json_array_get(ci, 0)) / 1e3, json_real_value(json_array_get(ci, 1)) / 1e3);
			} else if (df) {
				fprintf(df, " NaN NaN NaN");
			}
			printf(" %-19s", cell);
		}
		printf("\n");
		if (df)
			fprintf(df, "\n");
		json_decref(res);
	}
	if (df)
		fclose(df);
	return 0;
}
