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
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <ini.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../common/stats.h"
#include "bhbench.h"

#define MAX_CELLS 64

struct cell {
	char name[64], kernel[128], append[512];
	char image[1024], build[1024];	/* a kernel of one's own instead of a Debian one */
	int cpus, cpus_set;	/* cpus_set: given by the cell, not the default 2 */
};

struct cells {
	struct cell v[MAX_CELLS];
	int n;
	char err[256];
};

/* "~/x" and relative paths (from where bhbench runs) -> absolute, so printed commands stand alone */
static int cell_path(const char *value, char *dst, size_t cap)
{
	char cwd[PATH_MAX] = "", tmp[PATH_MAX * 2];
	const char *home = getenv("HOME");

	if (!strncmp(value, "~/", 2) && home)
		snprintf(tmp, sizeof(tmp), "%s/%s", home, value + 2);
	else if (value[0] != '/' && getcwd(cwd, sizeof(cwd)))
		snprintf(tmp, sizeof(tmp), "%s/%s", cwd, value);
	else
		snprintf(tmp, sizeof(tmp), "%s", value);
	if (strlen(tmp) >= cap)
		return -1;
	snprintf(dst, cap, "%s", tmp);
	return 0;
}

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
	else if (!strcmp(key, "cpus") && atoi(value) >= 1 && atoi(value) <= 64) {
		x->cpus = atoi(value);
		x->cpus_set = 1;
	} else if (!strcmp(key, "image") && *value && !cell_path(value, x->image, sizeof(x->image)))
		;
	else if (!strcmp(key, "build") && *value && !cell_path(value, x->build, sizeof(x->build)))
		;
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

/* --accel of the whole matrix (auto unless given) */
static char m_accel[8] = "auto";

/* a cell's run id: matrix-CELL-SCENARIO, and -ACCEL unless auto */
static void cell_id(const struct cell *x, const char *sname, char *id, size_t len)
{
	snprintf(id, len, "matrix-%s-%s%s%s", x->name, sname, strcmp(m_accel, "auto") ? "-" : "",
		 strcmp(m_accel, "auto") ? m_accel : "");
}

/* the "bhbench run" arguments of a cell; returns argc */
static int cell_argv(const struct cell *x, const char *exe, const char *scen, const char *cpus,
		     const char *out, const char *id, const char **a)
{
	int k = 0;

	a[k++] = exe; a[k++] = "run";
	if (x->image[0]) {
		a[k++] = "--kernel-image"; a[k++] = x->image;
		a[k++] = "--kernel-build"; a[k++] = x->build;
	} else {
		a[k++] = "--kernel"; a[k++] = x->kernel;
	}
	a[k++] = "--scenario"; a[k++] = scen;
	/* icount boots one vCPU unless the cell asks for more (README: Deterministic mode) */
	if (strcmp(m_accel, "icount") || x->cpus_set) {
		a[k++] = "--cpus"; a[k++] = cpus;
	}
	a[k++] = "--out"; a[k++] = out; a[k++] = "--id"; a[k++] = id;
	if (strcmp(m_accel, "auto")) {
		a[k++] = "--accel";
		a[k++] = m_accel;
	}
	if (x->append[0]) {
		a[k++] = "--append";
		a[k++] = x->append;
	}
	a[k] = NULL;
	return k;
}

/* print one shell word, quoted when it needs to be */
static void shell_word(const char *w)
{
	if (*w && strspn(w, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_+-=.,/:@%") == strlen(w)) {
		fputs(w, stdout);
		return;
	}
	putchar('\'');
	for (; *w; w++)
		fputs(*w == '\'' ? "'\\''" : (char[2]){ *w, 0 }, stdout);
	putchar('\'');
}

/* the last lines of a cell's log, indented */
static void log_tail(const char *path, int lines)
{
	char *t = bhb_slurp(path, NULL), *p;
	int n = 0;

	if (!t)
		return;
	p = t + strlen(t);
	while (p > t && p[-1] == '\n')
		*--p = 0;
	while (p > t && n < lines)
		if (*--p == '\n')
			n++;
	for (char *l = strtok(p, "\n"); l; l = strtok(NULL, "\n"))
		printf("    %s\n", l);
	free(t);
}

static volatile sig_atomic_t matrix_stop;

static void on_int(int sig)
{
	matrix_stop = sig;
}

struct job {
	pid_t pid;
	int cell;
	double start;
	char id[256], log[PATH_MAX];
};

int cmd_matrix(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "kernels", required_argument, NULL, 'k' }, { "scenario", required_argument, NULL, 's' },
		{ "cells", required_argument, NULL, 'c' }, { "out", required_argument, NULL, 'o' },
		{ "force", no_argument, NULL, 'f' }, { "print-commands", no_argument, NULL, 'p' },
		{ "jobs", required_argument, NULL, 'j' }, { "accel", required_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' }, { 0 }
	};
	char kfile[PATH_MAX], out[PATH_MAX], scen[256] = "default", only[512] = "", exe[PATH_MAX], *end;
	struct cells *cs = calloc(1, sizeof(*cs));
	int force = 0, print = 0, c, ret, failed = 0, ran = 0, skipped = 0, jobs = 1, pending[MAX_CELLS], npending = 0;
	ssize_t n;

	if (!cs)
		return 1;
	snprintf(kfile, sizeof(kfile), "%s/configs/kernels.ini", bhb_root());
	snprintf(out, sizeof(out), "%s/results", bhb_root());
	optind = 0;
	while ((c = getopt_long(argc, argv, "k:s:c:o:fpj:a:h", lo, NULL)) != -1) {
		switch (c) {
		case 'a':
			if (strcmp(optarg, "auto") && strcmp(optarg, "kvm") && strcmp(optarg, "tcg") &&
			    strcmp(optarg, "icount")) {
				fprintf(stderr, "bhbench matrix: --accel: '%s' is not one of auto, kvm, tcg, icount\n",
					optarg);
				free(cs);
				return 2;
			}
			snprintf(m_accel, sizeof(m_accel), "%s", optarg);
			break;
		case 'k': snprintf(kfile, sizeof(kfile), "%s", optarg); break;
		case 's': snprintf(scen, sizeof(scen), "%s", optarg); break;
		case 'c': snprintf(only, sizeof(only), ",%s,", optarg); break;
		case 'o': snprintf(out, sizeof(out), "%s", optarg); break;
		case 'f': force = 1; break;
		case 'p': print = 1; break;
		case 'j':
			jobs = (int)strtol(optarg, &end, 10);
			if (!*optarg || *end || jobs < 1 || jobs > MAX_CELLS) {
				fprintf(stderr, "bhbench matrix: --jobs: '%s' is not an integer from 1 to %d\n", optarg,
					MAX_CELLS);
				free(cs);
				return 2;
			}
			break;
		case 'h':
			printf("usage: bhbench matrix [--kernels FILE] [--scenario S] [--cells a,b] [--out DIR]\n"
			       "                      [--force] [--jobs N] [--accel A] [--print-commands]\n"
			       "Runs scenario S (default: the default suite) on every cell of FILE (default\n"
			       "configs/kernels.ini), one boot each, into DIR/matrix-<cell>-<scenario> (with\n"
			       "--accel tcg, kvm or icount: DIR/matrix-<cell>-<scenario>-<accel>).  A cell with a\n"
			       "successful result is skipped unless --force.  --jobs N boots up to N cells at once\n"
			       "(default 1; each cell's output goes to its matrix.log): cells perturb each other's\n"
			       "timings unless the host has 2 x N x vCPUs cores, and their results say so\n"
			       "(env.parallel_cells).  --print-commands prints the self-contained command per cell\n"
			       "(one job each for a CI matrix or a Slurm array) and runs nothing.\n");
			free(cs);
			return 0;
		default:
			free(cs);
			fprintf(stderr, "bhbench matrix: unknown option or missing value (see --help)\n");
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "bhbench matrix: unexpected argument '%s' (see --help)\n", argv[optind]);
		free(cs);
		return 2;
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

	/* a scenario given as a path is named by its file name in the cells' ids */
	char sname[256];

	snprintf(sname, sizeof(sname), "%s", strrchr(scen, '/') ? strrchr(scen, '/') + 1 : scen);
	if (strlen(sname) > 4 && !strcmp(sname + strlen(sname) - 4, ".ini"))
		sname[strlen(sname) - 4] = 0;

	/* which cells run: a bad cell fails, a finished one is skipped */
	for (int i = 0; i < cs->n; i++) {
		struct cell *x = &cs->v[i];
		char id[256], dir[PATH_MAX], needle[80], cpus[8];

		snprintf(needle, sizeof(needle), ",%s,", x->name);
		if (only[0] && !strstr(only, needle))
			continue;
		if (!x->kernel[0] == !x->image[0] || !x->image[0] != !x->build[0]) {
			fprintf(stderr, "bhbench matrix: %s: cell [%s] needs either kernel = K or both image = PATH "
				"and build = DIR\n", kfile, x->name);
			failed++;
			continue;
		}
		cell_id(x, sname, id, sizeof(id));
		snprintf(dir, sizeof(dir), "%s/%s", out, id);
		if (print) {
			const char *a[24];

			snprintf(cpus, sizeof(cpus), "%d", x->cpus);
			cell_argv(x, "./bhbench", scen, cpus, out, id, a);
			for (int k = 0; a[k]; k++) {
				if (k)
					putchar(' ');
				shell_word(a[k]);
			}
			putchar('\n');
			continue;
		}
		if (cell_done(dir) && !force) {
			printf("matrix: [%s] done already (%s)\n", x->name, dir);
			skipped++;
			continue;
		}
		pending[npending++] = i;
	}
	if (print) {
		free(cs);
		return failed ? 2 : 0;
	}

	int par = jobs < npending ? jobs : npending, maxcpus = 1;
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	char parstr[16];

	for (int t = 0; t < npending; t++)
		if (cs->v[pending[t]].cpus > maxcpus)
			maxcpus = cs->v[pending[t]].cpus;
	if (par > 1) {
		if (cores < 2L * par * maxcpus)
			fprintf(stderr, "bhbench matrix: WARNING: %d cells at once with up to %d vCPUs each want %d host "
				"cores, this host has %ld: the cells perturb each other's timings (compare them with "
				"care, or use --jobs 1)\n", par, maxcpus, 2 * par * maxcpus, cores);
		printf("matrix: up to %d cells at once; their results record env.parallel_cells = %d; "
		       "each cell's output goes to its matrix.log\n", par, par);
		snprintf(parstr, sizeof(parstr), "%d", par);
		setenv("BHBENCH_PARALLEL", parstr, 1);
	} else {
		unsetenv("BHBENCH_PARALLEL");
	}
	bhb_mkdirs(out);

	struct sigaction sa = { .sa_handler = on_int }, old_int, old_term;
	struct job run[MAX_CELLS];
	int next = 0, running = 0;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	while (running || (next < npending && !matrix_stop)) {
		while (running < par && next < npending && !matrix_stop) {
			struct cell *x = &cs->v[pending[next]];
			struct job *j = &run[running];
			char dir[PATH_MAX], cpus[8], id[256];
			const char *a[24];

			j->cell = pending[next++];
			cell_id(x, sname, id, sizeof(id));
			snprintf(j->id, sizeof(j->id), "%s", id);
			snprintf(dir, sizeof(dir), "%s/%s", out, id);
			snprintf(j->log, sizeof(j->log), "%s/.%s.matrix.log", out, id);
			if (force) {
				char cmd[PATH_MAX + 16];
				const char *rm[] = { "rm", "-rf", dir, NULL };

				bhb_capture(cmd, sizeof(cmd), rm);
			} else if (access(dir, F_OK) == 0) {
				/* a failed earlier attempt: keep it, aside */
				char old[PATH_MAX + 32];

				snprintf(old, sizeof(old), "%s.failed-%ld", dir, (long)getpid());
				rename(dir, old);
			}
			printf("matrix: [%s] %s, %s%s\n", x->name, x->image[0] ? x->image : x->kernel,
			       x->append[0] ? x->append : "default boot", par > 1 ? " (started)" : "");
			fflush(stdout);
			snprintf(cpus, sizeof(cpus), "%d", x->cpus);
			cell_argv(x, exe, scen, cpus, out, j->id, a);
			j->start = bhb_now();
			j->pid = fork();
			if (j->pid == 0) {
				if (par > 1) {
					int fd = open(j->log, O_WRONLY | O_CREAT | O_TRUNC, 0644);

					if (fd >= 0) {
						dup2(fd, 1);
						dup2(fd, 2);
						close(fd);
					}
				}
				execv(exe, (char *const *)a);
				_exit(127);
			}
			if (j->pid < 0) {
				fprintf(stderr, "bhbench matrix: fork: %s\n", strerror(errno));
				failed++;
				continue;
			}
			running++;
		}
		if (!running)
			break;

		int st = 0, k;
		pid_t pid = waitpid(-1, &st, 0);

		if (pid < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (k = 0; k < running && run[k].pid != pid; k++)
			;
		if (k == running)
			continue;

		struct job *j = &run[k];
		struct cell *x = &cs->v[j->cell];
		char dir[PATH_MAX], log[PATH_MAX + 16];
		int code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);

		snprintf(dir, sizeof(dir), "%s/%s", out, j->id);
		if (par > 1) {
			snprintf(log, sizeof(log), "%s/matrix.log", dir);
			if (access(dir, F_OK) || rename(j->log, log)) {
				snprintf(log, sizeof(log), "%s/%s.matrix.log", out, j->id);
				rename(j->log, log);
			}
		}
		ran++;
		if (code) {
			failed++;
			printf("matrix: [%s] FAILED (exit %d) after %.0f s; see %s\n", x->name, code,
			       bhb_now() - j->start, par > 1 ? log : dir);
			if (par > 1)
				log_tail(log, 4);
			if (code == 130)
				matrix_stop = SIGINT;
		} else if (par > 1) {
			printf("matrix: [%s] done in %.0f s (%s)\n", x->name, bhb_now() - j->start, dir);
		}
		fflush(stdout);
		run[k] = run[--running];
	}
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	printf("matrix: %d run, %d already done, %d failed%s\n", ran, skipped, failed,
	       matrix_stop ? ", interrupted" : "");
	free(cs);
	return matrix_stop ? 130 : failed ? 1 : 0;
}

/* the metric's {value, ci95} of a benchmark: latency_ns.p50 ..., or q2e_p50 / x2e_p50 */
static json_t *trend_value(json_t *b, const char *metric)
{
	if (!b)
		return NULL;
	if (!strncmp(metric, "q2e_", 4))
		return json_object_get(json_object_get(b, "queue_to_exec_ns"), metric + 4);
	if (!strcmp(metric, "x2e_p50"))
		return json_object_get(json_object_get(b, "exit_to_exec_ns"), "p50");
	return json_object_get(json_object_get(b, "latency_ns"), metric);
}

/*
 * Is the step from the previous run's cell to this one real?  Both
 * intervals apart, and the ratio beyond what the kind of run can tell
 * from noise: icount (deterministic) 1% and two histogram buckets, merged boots (intervals over
 * boots) none beyond the intervals; one TCG or KVM boot's intervals are
 * over repetitions only and boots move about 10%, so there a step beyond
 * 10% is a lead ("?"), never a verdict.  Returns "", or an arrow.
 */
static const char *trend_step(json_t *prev, json_t *cur, const char *accel, int boots)
{
	json_t *pc = json_object_get(prev, "ci95"), *cc = json_object_get(cur, "ci95");
	double pv = json_number_value(json_object_get(prev, "value")), cv = json_number_value(json_object_get(cur, "value"));
	double plo = json_number_value(json_array_get(pc, 0)), phi = json_number_value(json_array_get(pc, 1));
	double clo = json_number_value(json_array_get(cc, 0)), chi = json_number_value(json_array_get(cc, 1));
	int icount = !strcmp(accel, "icount");
	double floor = icount ? 0.01 : boots >= 3 ? 0 : 0.10;

	if (!json_is_object(prev) || !json_is_object(cur) || json_array_size(pc) != 2 || json_array_size(cc) != 2 ||
	    pv <= 0 || cv <= 0)
		return "";
	if (!(clo > phi || chi < plo) || fabs(cv / pv - 1) <= floor)
		return "";
	/*
	 * icount medians of threaded work sit in one of two neighbouring
	 * buckets from boot to boot (32.6 or 33.0 us for wq_percpu on 6.12):
	 * a real step is at least two buckets wide.
	 */
	if (icount && fabs(cv - pv) < 1.5 * (double)bhb_hist_width(bhb_hist_index((uint64_t)fmax(cv, pv))))
		return "";
	if (!icount && boots < 3)
		return cv > pv ? " ↑?" : " ↓?";
	return cv > pv ? " ↑" : " ↓";
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
			printf("usage: bhbench trend [--metric p50|p90|p99|p99.9|max|q2e_p50|q2e_p99|x2e_p50]\n"
			       "                     [--producer hardirq|irqwork|process|...] [--data FILE.dat] RUN_DIR...\n"
			       "One metric per mechanism (rows: runs, e.g. kernels), in µs with 95%% intervals;\n"
			       "p50... from the intended arrival, q2e_ from the queue call, x2e_p50 from the producer's exit.\n"
			       "A step from the row above is marked when it is real: ↑/↓ where the intervals are apart\n"
			       "and, under icount, the change beyond 1%% (the model's floor), or for merged boots (3 or\n"
			       "more); ↑?/↓? for one TCG or KVM boot, whose steps beyond 10%% are leads only.\n");
			return 0;
		default:
			return 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "usage: bhbench trend [options] RUN_DIR...\n");
		return 2;
	}
	/* one kind of time per table: tcg, kvm and icount numbers never share one */
	{
		char first[16] = "", err[512];

		for (int i = optind; i < argc; i++) {
			json_t *res = bhb_res_load(argv[i], err, sizeof(err));
			const char *acc = res ? json_string_value(json_object_get(json_object_get(res, "env"), "accel")) : NULL;

			if (acc && !first[0]) {
				snprintf(first, sizeof(first), "%s", acc);
			} else if (acc && strcmp(acc, first)) {
				fprintf(stderr, "bhbench trend: %s ran under %s, %s under %s: kinds of time do not mix in "
					"one table; give runs of one accelerator\n", argv[i], acc, argv[optind], first);
				json_decref(res);
				return 2;
			}
			json_decref(res);
		}
	}
	if (datafile && !(df = fopen(datafile, "w"))) {
		fprintf(stderr, "bhbench trend: cannot write %s: %s\n", datafile, strerror(errno));
		return 1;
	}
	printf("%s latency %s (µs; [95%% CI]), %s producer\n%-28s", metric,
	       !strncmp(metric, "q2e_", 4) ? "from the queue call" : !strncmp(metric, "x2e_", 4) ?
	       "from the producer's exit" : "from intended arrival", prod, "kernel");
	for (size_t m = 0; m < sizeof(mechs) / sizeof(mechs[0]); m++)
		printf(" %-19s", mechs[m]);
	printf("\n");
	if (df) {
		bhb_trend_header(df);
	}
	json_t *prev = NULL;
	int marked = 0;

	for (int i = optind; i < argc; i++) {
		char label[160], err[512];
		json_t *res = bhb_res_load(argv[i], err, sizeof(err));

		if (!res) {
			fprintf(stderr, "bhbench trend: %s; skipped\n", err);
			continue;
		}
		bhb_run_label(res, label, sizeof(label));
		printf("%-28s", label);
		if (df)
			bhb_trend_row(df, res, prod, metric);
		for (size_t m = 0; m < sizeof(mechs) / sizeof(mechs[0]); m++) {
			json_t *v = trend_value(bhb_res_bench(res, prod, mechs[m]), metric);
			json_t *pv = prev ? trend_value(bhb_res_bench(prev, prod, mechs[m]), metric) : NULL;
			const char *step = pv ? trend_step(pv, v, json_string_value(json_object_get(json_object_get(res, "env"),
									"accel")) ?: "", bhb_res_boots(res)) : "";
			char cell[48] = "n/a";

			if (json_is_object(v)) {
				json_t *ci = json_object_get(v, "ci95");

				snprintf(cell, sizeof(cell), "%.1f [%.1f-%.1f]%s", json_number_value(json_object_get(v, "value")) / 1e3,
					 json_number_value(json_array_get(ci, 0)) / 1e3,
					 json_number_value(json_array_get(ci, 1)) / 1e3, step);
			}
			marked += step[0] != 0;
			/* the arrows are 3 bytes and one column */
			printf(" %-*s", 19 + (step[0] ? 2 : 0), cell);
		}
		printf("\n");
		json_decref(prev);
		prev = res;
	}
	json_decref(prev);
	if (marked)
		printf("↑/↓: a real step from the row above (intervals apart%s); ↑?/↓?: a lead (one TCG or KVM boot)\n",
		       " and, under icount, beyond 1% and two histogram buckets");
	if (df)
		fclose(df);
	return 0;
}
